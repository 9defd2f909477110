"""Run a function off the UI thread and hand its result back as Qt signals (training wizard)."""

from __future__ import annotations

import html
import threading
import traceback

from PySide6.QtCore import QObject, Signal


def error_html(message: str) -> str:
    """``message`` as red rich text for a wizard page's label (escaped: a path may hold '<' or '&')."""
    return f"<span style='color:#b00'>{html.escape(message, quote=False)}</span>"


class BackgroundJob(QObject):
    """``BackgroundJob(fn).start()``: ``finished(result)`` or ``failed(message)`` arrive on the UI
    thread. ``fn`` receives a ``progress(object)`` callable that emits ``progress``."""

    finished = Signal(object)
    failed = Signal(str)
    progress = Signal(object)

    def __init__(self, fn, parent=None):
        super().__init__(parent)
        self._fn = fn
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def _run(self) -> None:
        from voice_desk.errors import VoiceDeskError

        try:
            result = self._fn(self.progress.emit)
        except VoiceDeskError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # shown in the page, never as a traceback dialog
            traceback.print_exc()
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.finished.emit(result)
