"""Where the window's word and phone tiers come from (part of :class:`voice_desk.ui.main_window.MainWindow`).

In order: a TextGrid the user gave (opened, or dropped with the audio), a TextGrid next to the
audio with the same stem, else the built-in aligner, run in the same background job that loads
the audio (tens of ms). The Tiers menu opens a TextGrid, aligns again with the built-in aligner
or with Montreal Forced Aligner (a subprocess that may run for minutes: off the UI thread,
cancellable), and saves the tiers shown as a TextGrid. An alignment that arrives for a recording
no longer shown is dropped (``file_token``), as every other result is.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from voice_desk.align.tiers import Alignment
from voice_desk.errors import VoiceDeskError
from voice_desk.ui.jobs import JobCancelled, JobRunner

TEXTGRID_FILTER = "TextGrids (*.TextGrid *.textgrid);;All files (*)"
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".nsp", ".mp3")


@dataclass
class TierResult:
    """What the opening job found: tiers (or none), and why not, for the info bar."""

    alignment: Alignment | None
    textgrid_problem: str | None = None   # a TextGrid was there but cannot be used (a message box)
    note: str | None = None               # the aligner found nothing to align, or failed (info bar)


def has_phones(alignment: Alignment | None) -> bool:
    return alignment is not None and bool(alignment.spoken_phones())


def builtin_tiers(recording) -> tuple[Alignment | None, str | None]:
    """Worker: the built-in aligner's tiers, or (None, a plain line saying why there are none)."""
    from voice_desk.align.aligner import align

    try:
        alignment = align(recording, backend="builtin")
    except VoiceDeskError as exc:
        return None, f"no tiers: the built-in aligner could not align it ({exc.problem})"
    if not has_phones(alignment):
        why = alignment.warnings[0] if alignment.warnings else "it found no speech."
        return None, f"no tiers: the built-in aligner found nothing to align. {why}"
    return alignment, None


def find_tiers(recording, path: str, textgrid: str | None) -> TierResult:
    """Worker: the given TextGrid, else the one next to the audio, else the built-in aligner."""
    from voice_desk.align.textgrid import TextGridError, find_textgrid_for, read_textgrid

    grid = textgrid or find_textgrid_for(path)
    problem = None
    if grid:
        try:
            return TierResult(read_textgrid(grid, recording.duration))
        except TextGridError as exc:
            problem = str(exc)
    alignment, note = builtin_tiers(recording)
    return TierResult(alignment, problem, note)


def tier_source(alignment: Alignment) -> str:
    """'tiers from …' for the info bar."""
    if alignment.source == "builtin":
        quality = ["approximate"] if alignment.approximate else []
        if alignment.confidence is not None:
            quality.append(f"confidence {alignment.confidence:.2f}")
        return "tiers from the built-in aligner" + (f" ({', '.join(quality)})" if quality else "")
    if alignment.source == "mfa":
        return "tiers from MFA (german_mfa)"
    return f"tiers from {Path(alignment.source).name}"


class TiersMixin:
    """The Tiers menu and the info bar's word on where the tiers came from."""

    def _build_tier_actions(self) -> None:
        a = self._action
        self.align_jobs = JobRunner(1, self)
        self.tier_note: str | None = None
        self.align_builtin_action = a("Align with the &built-in aligner", self.align_builtin,
                                      tip="Phone tiers for 'Guten Morgen, wie geht es Ihnen?', offline (approximate)")
        self.align_mfa_action = a("Align with &MFA…", self.align_mfa,
                                  tip="Phone tiers from Montreal Forced Aligner (german_mfa), if it is installed")
        self.cancel_align_action = a("&Cancel alignment", self.cancel_alignment)
        self.cancel_align_action.setEnabled(False)
        self.save_textgrid_action = a("&Save TextGrid as…", self.save_textgrid_dialog, "Ctrl+Shift+T")
        self.align_jobs.busy_changed.connect(self.cancel_align_action.setEnabled)

    def _build_tiers_menu(self, bar) -> None:
        menu = bar.addMenu("&Tiers")
        menu.addAction(self.open_textgrid_action)
        menu.addSeparator()
        menu.addAction(self.align_builtin_action)
        menu.addAction(self.align_mfa_action)
        menu.addAction(self.cancel_align_action)
        menu.addSeparator()
        menu.addAction(self.save_textgrid_action)
        self.tiers_menu = menu

    # ------------------------------------------------------------------ showing tiers
    def set_alignment(self, alignment: Alignment | None, note: str | None = None) -> None:
        self.alignment = alignment
        self.tier_note = note
        self.tier_view.set_alignment(alignment)
        self._update_phone_chart()

    def tier_info(self, textgrid_problem: str | None = None) -> tuple[str, list[str]]:
        """The info bar's tier part and the warnings to show under it."""
        unusable = "TextGrid not usable (see message)" if textgrid_problem else ""
        if self.alignment is not None:
            source = tier_source(self.alignment)
            return (f"{unusable}; {source}" if unusable else source), list(self.alignment.warnings)
        if self.tier_note:
            return (f"{unusable}; {self.tier_note}" if unusable else self.tier_note), []
        if unusable:
            return unusable, []
        return "no tiers (Tiers → Open TextGrid… or Align)", []

    def _tier_bar_text(self, textgrid_problem: str | None = None) -> tuple[str, list[str]]:
        text, warnings = self.tier_info(textgrid_problem)
        return html.escape(text), [html.escape(w) for w in warnings]

    # ------------------------------------------------------------------ TextGrids
    def open_textgrid_dialog(self) -> None:
        if self.recording is None:
            self.show_message("Open a recording first; a TextGrid belongs to a recording.")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open a TextGrid", self._last_folder(), TEXTGRID_FILTER)
        if path:
            self.open_textgrid(path)

    def open_textgrid(self, path: str) -> bool:
        from voice_desk.align.textgrid import read_textgrid

        if self.recording is None:
            self.show_message("Open a recording first; a TextGrid belongs to a recording.")
            return False
        try:
            alignment = read_textgrid(path, self.recording.duration)
        except VoiceDeskError as exc:
            self.show_error(exc, "TextGrid not used")
            return False
        self.align_jobs.cancel_all()  # the user's own tiers win over an alignment still running
        self.set_alignment(alignment)
        self._update_info_bar()
        return True

    def default_textgrid_path(self) -> Path:
        """Next to the audio with the same stem (in the takes folder for the demo, which is read-only)."""
        audio = Path(self.recording.path) if self.recording.path else self.takes_folder() / "recording.wav"
        if self.is_demo:
            audio = self.takes_folder() / audio.name
        return audio.with_suffix(".TextGrid")

    def save_textgrid_dialog(self) -> None:
        if self.alignment is None:
            self.show_message("There are no tiers to save: open a recording and align it (Tiers menu) first.")
            return
        default = self.default_textgrid_path()
        # the dialog asks before replacing an existing file (QFileDialog's own confirmation)
        path, _ = QFileDialog.getSaveFileName(self, "Save the tiers as a TextGrid", str(default), TEXTGRID_FILTER)
        if path:
            self.save_textgrid(path)

    def save_textgrid(self, path: str) -> bool:
        from voice_desk.align.textgrid import write_textgrid

        target = Path(path)
        audio = Path(self.recording.path).resolve() if self.recording and self.recording.path else None
        if (audio is not None and target.resolve() == audio) or target.suffix.lower() in AUDIO_SUFFIXES:
            self.show_message(f"{target} is a recording, not a TextGrid; it was left as it is. Choose a "
                              "name ending in .TextGrid.", title="TextGrid not saved")
            return False
        if target.suffix.lower() != ".textgrid":
            target = target.with_name(target.name + ".TextGrid")
            if target.exists() and not self._confirm_replace(target):
                return False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_textgrid(self.alignment, target)
        except (OSError, VoiceDeskError) as exc:
            self.show_error(exc, "TextGrid not saved")
            return False
        self.statusBar().showMessage(f"Saved the tiers as {target}", 8000)
        return True

    def _confirm_replace(self, target: Path) -> bool:
        answer = QMessageBox.question(self, "Replace TextGrid?", f"{target} already exists. Replace it?")
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ aligners
    def align_builtin(self) -> None:
        self._start_alignment("builtin")

    def align_mfa(self) -> None:
        self._start_alignment("mfa")

    def _start_alignment(self, backend: str) -> None:
        if self.recording is None:
            self.show_message("Open a recording first; alignment needs a recording.")
            return
        rec, token = self.recording, self.file_token
        self.align_jobs.cancel_all()

        def work(progress, cancelled, emit):
            from voice_desk.align.aligner import align
            from voice_desk.align.mfa import MfaCancelledError

            if backend == "builtin":
                return builtin_tiers(rec)
            try:
                return align(rec, backend="mfa", cancelled=cancelled), None
            except MfaCancelledError as exc:
                raise JobCancelled() from exc

        who = "the built-in aligner" if backend == "builtin" else "MFA"
        self.statusBar().showMessage(f"Aligning with {who}…" + (" (Tiers → Cancel alignment stops it)"
                                                                 if backend == "mfa" else ""))
        self.align_jobs.submit(f"align-{backend}", work, token,
                               on_success=lambda job, result: self._aligned(job, result, who),
                               on_failure=lambda job, exc: self._align_failed(job, exc, who),
                               on_cancel=lambda job: self._align_cancelled(job, who))

    def _aligned(self, job, result, who: str) -> None:
        if job.token != self.file_token:
            self.dropped_results += 1
            return
        alignment, note = result
        if alignment is None:  # keep the tiers shown; say why there are no new ones
            self.statusBar().showMessage(note or f"{who} found nothing to align.", 15000)
            if self.alignment is None:
                self.set_alignment(None, note)
                self._update_info_bar()
            return
        self.set_alignment(alignment)
        self._update_info_bar()
        self.statusBar().showMessage(f"Tiers from {who}", 5000)

    def _align_failed(self, job, exc, who: str) -> None:
        if job.token == self.file_token:
            self.show_error(exc, f"{who} could not align {self.recording.name}")

    def _align_cancelled(self, job, who: str) -> None:
        if job.token == self.file_token:
            self.statusBar().showMessage(f"Alignment with {who} cancelled; the tiers shown are unchanged.", 8000)

    def cancel_alignment(self) -> None:
        self.align_jobs.cancel_all()
