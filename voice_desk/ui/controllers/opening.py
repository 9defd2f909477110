"""Opening recordings: File → Open recording…, Open recent, drag and drop, the demo, the spectrogram's
settings, and the bar above the views that says what is shown.

The opening itself is the session layer's (:func:`voice_desk.session.opening.open_recording`:
load, checks, spectrogram, tiers, true label) run in a worker thread; the recording shown stays
until the new one is ready, and a recording that arrives after another was asked for is dropped.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QLabel

from voice_desk.audio.load import SUPPORTED_SUFFIXES
from voice_desk.audio.spectrogram import SpectrogramSettings
from voice_desk.session.opening import DEMO_NOTICE, demo_recording_path, open_recording
from voice_desk.ui import settings as stored
from voice_desk.ui.actions import make_action
from voice_desk.ui.tasks import TaskRunner

NO_RECORDING = "No recording open."
EMPTY_VIEW_HINT = ("Open a recording (File → Open recording…, or drag it here) or record one (File → Record…).\n"
                   "To see every view at once: Help → Open demo recording.")


def audio_filter() -> str:
    """The file dialog's filter, from the formats the loader reads."""
    patterns = " ".join(f"*{s} *{s.upper()}" for s in SUPPORTED_SUFFIXES)
    return f"Recordings ({patterns});;All files (*)"


class OpeningController(QObject):
    def __init__(self, window, waveform, spectrogram_view):
        super().__init__(window)
        self.window, self.session = window, window.session
        self.waveform, self.spectrogram_view = waveform, spectrogram_view
        self.tasks = TaskRunner(1, self)
        self.spec_settings = stored.load_spectrogram_settings()
        self.spectrogram_view.set_placeholder(EMPTY_VIEW_HINT)
        self.info_bar = QLabel(NO_RECORDING)
        self.info_bar.setStyleSheet("padding: 3px 6px; color: #333;")
        self.info_bar.setWordWrap(True)
        a = lambda *args, **kw: make_action(window, *args, **kw)  # noqa: E731
        from PySide6.QtGui import QKeySequence

        self.open_action = a("&Open recording…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.open_action.setIconText("Open")
        self.demo_action = a("Open &demo recording", self.open_demo)
        self.spectrogram_settings_action = a("Spectrogram settings…", self.spectrogram_settings_dialog)
        s = self.session
        s.recording_changed.connect(self._show_recording)
        s.spectrogram_changed.connect(self._show_spectrogram)
        for signal in (s.recording_changed, s.tiers_changed, s.true_label_changed):
            signal.connect(self.update_info_bar)

    # ------------------------------------------------------------------ opening
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a recording", self.last_folder(), audio_filter())
        if path:
            self.open_file(path)

    def last_folder(self) -> str:
        recent = stored.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def open_demo(self) -> None:
        self.open_file(str(demo_recording_path()))

    def open_file(self, path: str, textgrid: str | None = None) -> None:
        """Open in the background; a TextGrid named here must fit the recording (else nothing opens
        and the message says why); without one the tiers come from the TextGrid beside the audio or
        the built-in aligner (:mod:`voice_desk.session.tiers`)."""
        path = str(path)
        token = self.session.next_token()
        self.window.cancel_recording_work()
        settings = self.spec_settings
        self.window.status(f"Opening {Path(path).name}…")
        self.tasks.submit("open", lambda state: open_recording(path, textgrid, settings), token,
                          on_success=lambda task, opened: self._opened(task, opened),
                          on_failure=lambda task, exc: self._open_failed(task, exc, path))

    def open_paths(self, paths: list[str]) -> None:
        """Dropped files: the recording first, then a TextGrid if one came with it."""
        grids = [p for p in paths if p.lower().endswith(".textgrid")]
        audio = [p for p in paths if p not in grids]
        if audio:
            self.open_file(audio[0], textgrid=grids[0] if grids else None)
        elif grids:
            self.window.tiers.open_textgrid(grids[0])

    def _open_failed(self, task, exc, path: str) -> None:
        if self.session.is_current(task.token):
            self.window.show_error(exc, f"Cannot open {Path(path).name}")

    def _opened(self, task, opened) -> None:
        if not self.session.is_current(task.token):
            return
        self.session.show(opened)
        if not opened.is_demo:
            stored.add_recent_file(str(opened.path.resolve()))
        self.window.setWindowTitle(f"Voice Desk — {opened.path.name}")
        self.window.status(f"Opened {opened.path.name}", 5000)
        if opened.tiers.textgrid_problem:
            self.window.show_message(opened.tiers.textgrid_problem, title="TextGrid not used")

    def _show_recording(self) -> None:
        rec = self.session.recording
        self.waveform.set_samples(rec.samples, rec.sample_rate)
        self.spectrogram_view.set_spectrogram(self.session.spectrogram, rec.duration)
        self.window.view_range.reset(rec.duration)

    def _show_spectrogram(self) -> None:
        for view in self.window.spectrogram_views():
            view.set_spectrogram(self.session.spectrogram, self.session.recording.duration)

    def update_info_bar(self) -> None:
        opened = self.session.opened
        if opened is None:
            self.info_bar.setText(NO_RECORDING)
            return
        rec = opened.recording
        parts = [f"<b>{html.escape(rec.name)}</b>", f"{rec.duration:.2f} s", f"{rec.original_rate / 1000:g} kHz",
                 html.escape(self.session.tiers.summary())]
        if self.session.true_label_source:
            parts.append(f"true label from {self.session.true_label_source}: {self.session.true_label}")
        text = " · ".join(parts)
        if opened.is_demo:
            text = f"<span style='background:#ffe08a;padding:2px'><b>{DEMO_NOTICE}</b></span> " + text
        for warning in [*rec.warnings, *self.session.tiers.all_warnings()]:
            text += f"<br><span style='color:#8a5a00'>⚠ {html.escape(warning)}</span>"
        self.info_bar.setText(text)

    def fill_recent_menu(self, menu) -> None:
        menu.clear()
        recent = stored.recent_files()
        if not recent:
            menu.addAction("(none yet)").setEnabled(False)
        for path in recent:
            menu.addAction(path).triggered.connect(lambda _=False, p=path: self.open_file(p))

    # ------------------------------------------------------------------ spectrogram settings
    def spectrogram_settings_dialog(self) -> None:
        from voice_desk.ui.widgets.spectrogram_dialog import SpectrogramDialog

        dialog = SpectrogramDialog(self.spec_settings, self.window)
        dialog.accepted.connect(lambda: self.apply_spectrogram_settings(dialog.values()))
        dialog.open()
        self.spectrogram_dialog = dialog

    def apply_spectrogram_settings(self, value: SpectrogramSettings) -> None:
        """Remember the settings and recompute the picture in the background (long files take
        a while); a picture computed for an older file or older settings is dropped."""
        from voice_desk.audio.spectrogram import compute_spectrogram

        self.spec_settings = value
        stored.save_spectrogram_settings(value)
        rec = self.session.recording
        if rec is None:
            return
        self.tasks.submit("spectrogram", lambda state: compute_spectrogram(rec.samples, rec.sample_rate, value),
                          self.session.file_token,
                          on_success=lambda task, spec: self._spectrogram_ready(task, spec, value),
                          on_failure=lambda task, exc: self.window.show_error(exc, "Spectrogram not updated"))

    def _spectrogram_ready(self, task, spec, settings: SpectrogramSettings) -> None:
        if not self.session.is_current(task.token):
            return
        if settings is not self.spec_settings:
            self.session.dropped_results += 1
            return
        self.session.set_spectrogram(spec)
