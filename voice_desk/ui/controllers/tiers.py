"""The Tiers menu: open a TextGrid, align again (built-in aligner, or Montreal Forced Aligner: a
subprocess that may run for minutes, off the UI thread and cancellable), save the tiers shown
as a TextGrid; and the tier view under the spectrogram.

Where a recording's tiers come from when it opens is decided by the session layer
(:mod:`voice_desk.session.tiers`), in words the command line uses too. Tiers that arrive for a
recording no longer shown are dropped.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from voice_desk.audio.load import SUPPORTED_SUFFIXES
from voice_desk.errors import VoiceDeskError
from voice_desk.session.tiers import BUILTIN, TierResult, aligned
from voice_desk.ui.actions import make_action
from voice_desk.ui.tasks import TaskRunner

TEXTGRID_FILTER = "TextGrids (*.TextGrid *.textgrid);;All files (*)"
NEEDS_RECORDING = "Open a recording first; a TextGrid belongs to a recording."


class TiersController(QObject):
    def __init__(self, window, tier_view):
        super().__init__(window)
        self.window, self.session, self.tier_view = window, window.session, tier_view
        self.tasks = TaskRunner(1, self)
        a = lambda *args, **kw: make_action(window, *args, **kw)  # noqa: E731
        self.open_textgrid_action = a("Open &TextGrid…", self.open_textgrid_dialog, "Ctrl+T")
        self.align_builtin_action = a("Align with the &built-in aligner", self.align_builtin,
                                      tip="Phone tiers for 'Guten Morgen, wie geht es Ihnen?', offline (approximate)")
        self.align_mfa_action = a("Align with &MFA…", self.align_mfa,
                                  tip="Phone tiers from Montreal Forced Aligner (german_mfa), if it is installed")
        self.cancel_align_action = a("&Cancel alignment", self.cancel)
        self.cancel_align_action.setEnabled(False)
        self.save_textgrid_action = a("&Save TextGrid as…", self.save_textgrid_dialog, "Ctrl+Shift+T")
        self.tasks.busy_changed.connect(self.cancel_align_action.setEnabled)
        self.session.tiers_changed.connect(lambda: self.tier_view.set_alignment(self.session.alignment))

    def build_menu(self, bar) -> None:
        menu = bar.addMenu("&Tiers")
        menu.addAction(self.open_textgrid_action)
        menu.addSeparator()
        for action in (self.align_builtin_action, self.align_mfa_action, self.cancel_align_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.save_textgrid_action)
        self.menu = menu

    # ------------------------------------------------------------------ TextGrids
    def open_textgrid_dialog(self) -> None:
        if self.session.recording is None:
            self.window.show_message(NEEDS_RECORDING)
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a TextGrid", self.window.opening.last_folder(),
                                              TEXTGRID_FILTER)
        if path:
            self.open_textgrid(path)

    def open_textgrid(self, path: str) -> bool:
        from voice_desk.align.textgrid import read_textgrid

        if self.session.recording is None:
            self.window.show_message(NEEDS_RECORDING)
            return False
        try:
            alignment = read_textgrid(path, self.session.recording.duration)
        except VoiceDeskError as exc:
            self.window.show_error(exc, "TextGrid not used")
            return False
        self.tasks.cancel_all()  # the user's own tiers win over an alignment still running
        self.session.set_tiers(TierResult(alignment))
        return True

    def default_textgrid_path(self) -> Path:
        """Next to the audio with the same stem (in the takes folder for the demo, which is read-only)."""
        rec = self.session.recording
        takes = self.window.recorder.takes_folder()
        audio = Path(rec.path) if rec.path else takes / "recording.wav"
        if self.session.is_demo:
            audio = takes / audio.name
        return audio.with_suffix(".TextGrid")

    def save_textgrid_dialog(self) -> None:
        if self.session.alignment is None:
            self.window.show_message("There are no tiers to save: open a recording and align it (Tiers menu) first.")
            return
        # the dialog asks before replacing an existing file (QFileDialog's own confirmation)
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the tiers as a TextGrid",
                                              str(self.default_textgrid_path()), TEXTGRID_FILTER)
        if path:
            self.save_textgrid(path)

    def save_textgrid(self, path: str) -> bool:
        from voice_desk.align.textgrid import write_textgrid

        target = Path(path)
        rec = self.session.recording
        audio = Path(rec.path).resolve() if rec and rec.path else None
        if (audio is not None and target.resolve() == audio) or target.suffix.lower() in SUPPORTED_SUFFIXES:
            self.window.show_message(f"{target} is a recording, not a TextGrid; it was left as it is. Choose a "
                                     "name ending in .TextGrid.", title="TextGrid not saved")
            return False
        if target.suffix.lower() != ".textgrid":
            target = target.with_name(target.name + ".TextGrid")
            if target.exists() and not self._confirm_replace(target):
                return False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_textgrid(self.session.alignment, target)
        except (OSError, VoiceDeskError) as exc:
            self.window.show_error(exc, "TextGrid not saved")
            return False
        self.window.status(f"Saved the tiers as {target}", 8000)
        return True

    def _confirm_replace(self, target: Path) -> bool:
        answer = QMessageBox.question(self.window, "Replace TextGrid?", f"{target} already exists. Replace it?")
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ aligners
    def align_builtin(self) -> None:
        self._start("builtin")

    def align_mfa(self) -> None:
        self._start("mfa")

    def _start(self, backend: str) -> None:
        rec = self.session.recording
        if rec is None:
            self.window.show_message("Open a recording first; alignment needs a recording.")
            return
        self.tasks.cancel_all()
        who = BUILTIN if backend == "builtin" else "MFA"
        self.window.status(f"Aligning with {who}…" + (" (Tiers → Cancel alignment stops it)"
                                                       if backend == "mfa" else ""))
        self.tasks.submit(f"align-{backend}", lambda state: aligned(rec, backend, cancelled=state.is_cancelled),
                          self.session.file_token,
                          on_success=lambda task, result: self._aligned(task, result, who),
                          on_failure=lambda task, exc: self._failed(task, exc, who),
                          on_cancel=lambda task: self._cancelled(task, who))

    def _aligned(self, task, result: TierResult, who: str) -> None:
        if not self.session.is_current(task.token):
            return
        if result.alignment is None:  # keep the tiers shown; say why there are no new ones
            self.window.status(result.note or f"{who} found nothing to align.", 15000)
            if self.session.alignment is None:
                self.session.set_tiers(result)
            return
        self.session.set_tiers(result)
        self.window.status(f"Tiers from {who}", 5000)

    def _failed(self, task, exc, who: str) -> None:
        if task.token == self.session.file_token:
            self.window.show_error(exc, f"{who} could not align {self.session.recording.name}")

    def _cancelled(self, task, who: str) -> None:
        if task.token == self.session.file_token:
            self.window.status(f"Alignment with {who} cancelled; the tiers shown are unchanged.", 8000)

    def cancel(self) -> None:
        self.tasks.cancel_all()
