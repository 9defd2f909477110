"""The training subprocess: `python -m voice_desk train ... --progress-json` under QProcess.

Training runs in its own process so the window stays responsive and a crash in training
(out of memory, a library fault) cannot take the window down. Progress arrives as JSON lines.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QObject, QProcess, Signal


class TrainingProcess(QObject):
    event = Signal(dict)          # every JSON progress event
    ended = Signal(int, str)      # exit code, last error message ('' when it finished well)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.process: QProcess | None = None
        self._buffer = b""
        self._stderr_tail = ""
        self._error = ""
        self.cancelled = False

    def start(self, arguments: list[str]) -> None:
        self.cancelled = False
        self._buffer, self._stderr_tail, self._error = b"", "", ""
        self.process = QProcess(self)
        self.process.setProgram(sys.executable)
        self.process.setArguments(["-m", "voice_desk", "train", *arguments, "--progress-json"])
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._error_occurred)
        self.process.start()

    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        if self.running():
            self.cancelled = True
            self.process.kill()

    def _read_stdout(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line.decode("utf-8"))
            except ValueError:
                continue
            if event.get("event") == "error":
                self._error = event.get("message", "")
            self.event.emit(event)

    def _read_stderr(self) -> None:
        self._stderr_tail = (self._stderr_tail + bytes(self.process.readAllStandardError()).decode("utf-8", "replace"))[-4000:]

    def _error_occurred(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.ended.emit(-1, "the training process could not be started.")

    def _finished(self, code: int, status) -> None:
        self._read_stdout()
        message = ""
        lines = [line for line in self._stderr_tail.strip().splitlines() if line.strip()]
        if self.cancelled:
            message = "Training was cancelled. Press Resume to continue (cached work is kept)."
        elif status != QProcess.ExitStatus.NormalExit:
            message = ("The training process stopped unexpectedly (it was killed or crashed, e.g. out of memory); "
                       "the window is unaffected. Press Resume to continue from the last checkpoint and cached "
                       "embeddings." + (f" Its last output: {lines[-1][-300:]}" if lines else ""))
        elif code != 0:
            message = self._error or (lines[-1] if lines else f"the training process stopped (exit code {code}).")
        self.ended.emit(int(code), message)
