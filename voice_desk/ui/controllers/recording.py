"""File → Record…: the Record window (one stream on the microphone at a time), the takes
folder, and a take that is still recording when the window closes (stopped and kept)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from voice_desk.paths import takes_dir
from voice_desk.ui import settings as stored
from voice_desk.ui.actions import make_action

CHECK_DELAY_MS = 800
TIP = "Record the sentence with a microphone"


class RecordingController(QObject):
    def __init__(self, window, source_factory=None):
        super().__init__(window)
        self.window, self.source_factory = window, source_factory
        self.dialog = None
        self.record_action = make_action(window, "&Record…", self.record, "Ctrl+Shift+R", tip=TIP)
        QTimer.singleShot(CHECK_DELAY_MS, self.check_available)

    def check_available(self, rescan: bool = False) -> bool:
        """Enable Record only when a microphone can be recorded from; otherwise disable it and say
        why on the action. ``rescan``: look for devices afresh (one plugged in since the last look)."""
        if self.source_factory is not None:
            return True
        try:
            from voice_desk.audio.devices import rescan as rescan_devices
            from voice_desk.ui.recorder.dialog import recording_available

            if rescan:
                rescan_devices()
            ok, reason = recording_available()
        except Exception as exc:  # noqa: BLE001 - the recorder is optional; say why
            ok, reason = False, f"Recording is not available here ({exc})."
        tip = TIP if ok else reason
        self.record_action.setEnabled(ok)
        self.record_action.setToolTip(tip)
        self.record_action.setStatusTip(tip)
        return ok

    def recheck(self) -> None:
        """The File menu opens: a Record that was unavailable is looked at again (cheap when it was)."""
        if not self.record_action.isEnabled():
            self.check_available(rescan=True)

    def takes_folder(self) -> Path:
        """The chosen session's folder when a patient's session is chosen, else the takes folder."""
        session = self.window.patients.session_folder()
        if session is not None:
            return session
        value = stored.app_settings().value("takes_folder", "")
        return Path(value) if value else takes_dir()

    def record(self):
        """The Record window, or a plain reason why recording cannot work here."""
        from voice_desk.ui.recorder import dialog as recorder_dialog

        if self.source_factory is None:
            ok, reason = recorder_dialog.recording_available()
            if not ok:
                self.check_available()
                self.window.show_message(reason, title="Recording unavailable")
                return None
        if self.is_open():
            self.dialog.raise_()        # one Record window (one stream on the microphone) at a time
            self.dialog.activateWindow()
            return self.dialog
        self.window.playback.stop()
        dialog = recorder_dialog.RecorderDialog(self.window, self.takes_folder(), source_factory=self.source_factory)
        dialog.take_saved.connect(self._take_saved)
        dialog.open()
        self.dialog = dialog
        return dialog

    def is_open(self) -> bool:
        try:
            return self.dialog is not None and self.dialog.isVisible()
        except RuntimeError:          # deleted with its C++ object
            return False

    def finish_before_closing(self) -> None:
        """Quitting while a take records: stop it and close its file properly (nothing is lost;
        the take is opened next time from the takes folder or File → Open recent)."""
        dialog = self.dialog
        if dialog is None:
            return
        try:
            recording = dialog.is_recording
        except RuntimeError:          # the dialog is already gone
            self.dialog = None
            return
        if recording:
            dialog.take_saved.disconnect(self._take_saved)
            dialog.take_saved.connect(lambda path: stored.add_recent_file(str(Path(path).resolve())))
        dialog.done(0)
        self.dialog = None

    def _take_saved(self, path: str) -> None:
        if self.window.patients.session_folder() is not None:
            self.window.patients.file_take(path, self.task_of(path))
        else:
            s = stored.app_settings()
            s.setValue("takes_folder", str(Path(path).parent))
            s.sync()
        self.window.opening.open_file(path)

    def task_of(self, path: str) -> str:
        """The task a take was recorded for (the Record window's choice; the sentence by default)."""
        dialog = self.dialog
        task = getattr(dialog, "task", None) if dialog is not None else None
        return task or "sentence"
