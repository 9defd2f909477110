"""The clinician's window: recording, waveform, spectrogram, tiers, relevance, verdict.

The window only shows the core's results and starts its work: loading audio happens in a
worker pool (:mod:`voice_desk.ui.jobs`), models run in the model process
(:mod:`voice_desk.model.model_process`); a result for a recording that is no longer shown is
dropped. torch is never imported into this process. Menus, models, relevance views and export
live in the mixins ``window_menus``, ``window_models``, ``window_relevance``, ``window_export``;
where the tiers come from (TextGrid, built-in aligner, MFA) in ``window_tiers``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from voice_desk.align.tiers import Alignment
from voice_desk.audio.spectrogram import Spectrogram, SpectrogramSettings
from voice_desk.errors import VoiceDeskError
from voice_desk.model.catalog import ModelEntry
from voice_desk.model.model_process import shared_model_process
from voice_desk.paths import takes_dir
from voice_desk.ui import settings as stored
from voice_desk.ui.error_report import record as record_error
from voice_desk.ui.jobs import JobRunner
from voice_desk.ui.widgets.phone_chart import PhoneChart
from voice_desk.ui.controllers.playback import PlaybackControl
from voice_desk.ui.widgets.spectrogram_view import SpectrogramView
from voice_desk.ui.widgets.tier_view import TierView
from voice_desk.ui.widgets.verdict_panel import VerdictPanel
from voice_desk.ui.widgets.view_range import ViewRange
from voice_desk.ui.widgets.waveform_view import WaveformView
from voice_desk.ui.window_export import ExportMixin
from voice_desk.ui.window_menus import MenusMixin
from voice_desk.ui.window_models import ModelsMixin
from voice_desk.ui.window_relevance import RelevanceMixin
from voice_desk.ui.window_tiers import TiersMixin, find_tiers

log = logging.getLogger(__name__)

AUDIO_FILTER = "Recordings (*.wav *.flac *.ogg *.nsp *.WAV *.FLAC *.OGG *.NSP);;All files (*)"
DEMO_FILE = "guten_morgen_synthetic.wav"
NO_RECORDING = "No recording open."
EMPTY_VIEW_HINT = ("Open a recording (File → Open…, or drag it here) or record one (File → Record…).\n"
                   "To see every view at once: Help → Open demo recording.")
#: After the window shows, start the model process and load the chosen models (in the background).
#: Starting a process blocks the window's process for a few tens of ms once: better at launch.
PRELOAD_DELAY_MS = 1500


@dataclass
class OpenedAudio:
    recording: object
    spectrogram: Spectrogram
    alignment: Alignment | None
    textgrid_problem: str | None
    true_label: str | None = None
    tier_note: str | None = None


def demo_recording_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("voice_desk.resources").joinpath("demo", DEMO_FILE)))


def is_demo_recording(path: str | Path) -> bool:
    try:
        return Path(path).resolve() == demo_recording_path().resolve()
    except OSError:
        return False


def _open_audio(path: str, textgrid: str | None, settings: SpectrogramSettings) -> OpenedAudio:
    """Worker: load, compute the spectrogram, find the tiers (a TextGrid, else the built-in aligner)."""
    from voice_desk.audio.load import load_recording
    from voice_desk.audio.metadata import true_label_from_metadata
    from voice_desk.audio.spectrogram import compute_spectrogram

    recording = load_recording(path)
    spectrogram = compute_spectrogram(recording.samples, recording.sample_rate, settings)
    tiers = find_tiers(recording, path, textgrid)
    return OpenedAudio(recording, spectrogram, tiers.alignment, tiers.textgrid_problem,
                       true_label_from_metadata(path), tiers.note)


class MainWindow(MenusMixin, ModelsMixin, RelevanceMixin, ExportMixin, TiersMixin, QMainWindow):
    recording_shown = Signal(str)
    results_changed = Signal()

    def __init__(self, player=None, record_source_factory=None, extra_models: list[str] | None = None):
        super().__init__()
        from voice_desk.ui.error_report import setup_logging

        self.log_path = setup_logging()
        self.setWindowTitle("Voice Desk")
        self.setAcceptDrops(True)
        self.record_source_factory = record_source_factory
        self.view_range = ViewRange(self)
        self.io_jobs = JobRunner(1, self)
        self.model_jobs = JobRunner(1, self)
        self.download_jobs = JobRunner(1, self)   # minutes long: must not hold up opening files
        self.model_process = shared_model_process()
        self.file_token = 0
        self.recording = None
        self.spectrogram: Spectrogram | None = None
        self.alignment: Alignment | None = None
        self.is_demo = False
        self.true_label_source: str | None = None
        self.explanations: dict[str, object] = {}
        self.model_failures: dict[str, str] = {}    # model path -> why it could not run on this recording
        self.model_entries: dict[str, ModelEntry] = {}
        self.session_models: list[str] = []
        self.dropped_results = 0
        self.last_message = ""
        self.messages: list[str] = []       # every message shown this session (--screenshot reports them)
        self.recorder = None
        self.spec_settings = stored.load_spectrogram_settings()
        self.playback = PlaybackControl(self.view_range, player, self)
        self._build_views()
        self._build_docks()
        self._build_actions()
        self._build_tier_actions()
        self._build_menus_and_toolbar()
        self._restore_layout()
        self.refresh_models(extra_models or [])
        self.statusBar().showMessage("Open a recording (File → Open…, drag and drop) or record one (File → Record…).")
        QTimer.singleShot(800, self._check_recording_available)
        QTimer.singleShot(PRELOAD_DELAY_MS, self._preload_models)

    # ------------------------------------------------------------------ building
    def _build_views(self) -> None:
        vr = self.view_range
        self.info_bar = QLabel(NO_RECORDING)
        self.info_bar.setStyleSheet("padding: 3px 6px; color: #333;")
        self.info_bar.setWordWrap(True)
        self.waveform = WaveformView(vr)
        self.spectrogram_view = SpectrogramView(vr, show_time_axis=False)
        self.spectrogram_view.set_placeholder(EMPTY_VIEW_HINT)
        self.side_container = QWidget()
        self.side_layout = QVBoxLayout(self.side_container)
        self.side_layout.setContentsMargins(0, 0, 0, 0)
        self.side_layout.setSpacing(0)
        self.side_container.hide()
        self.side_views: list[SpectrogramView] = []
        self.tier_view = TierView(vr)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.info_bar)
        for widget, stretch in ((self.waveform, 2), (self.spectrogram_view, 5), (self.side_container, 6),
                                (self.tier_view, 0)):
            layout.addWidget(widget, stretch)
        self.views_widget = central
        self.setCentralWidget(central)
        for view in self.time_views():
            view.hovered.connect(self._hovered)
        self.tier_view.interval_clicked.connect(self._interval_clicked)

    def time_views(self) -> list:
        """Every view on the shared time axis."""
        return [self.waveform, self.spectrogram_view, self.tier_view, *self.side_views]

    def _build_docks(self) -> None:
        self.verdict = VerdictPanel()
        self.verdict.run_requested.connect(self.run_models)
        self.verdict.cancel_requested.connect(self.cancel_jobs)
        self.verdict.import_requested.connect(self.import_model_dialog)
        self.verdict.choice_changed.connect(self._choice_changed)
        self.verdict.true_label_changed.connect(lambda _t: self._show_verdicts())
        dock = QDockWidget("Verdict", self)
        dock.setObjectName("verdict_dock")
        dock.setWidget(self.verdict)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.verdict_dock = dock
        self.phone_chart = PhoneChart()
        self.phone_chart.phone_clicked.connect(lambda index: self.tier_view.select("phones", index))
        dock = QDockWidget("Per-phone relevance", self)
        dock.setObjectName("phone_dock")
        dock.setWidget(self.phone_chart)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.phone_dock = dock
        self.model_jobs.busy_changed.connect(self._model_busy)

    # ------------------------------------------------------------------ layout persistence
    def _restore_layout(self) -> None:
        s = stored.app_settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
            self.resizeDocks([self.phone_dock], [170], Qt.Orientation.Vertical)
            self.resizeDocks([self.verdict_dock], [320], Qt.Orientation.Horizontal)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        rendering = str(s.value("overlay/rendering", "study"))
        self.set_rendering(rendering if rendering in ("study", "heat") else "study")
        try:
            opacity = int(s.value("overlay/opacity", 75))
        except (TypeError, ValueError):
            opacity = 75
        self.opacity_slider.setValue(max(0, min(100, opacity)))
        self.spectrogram_view.set_opacity(self.opacity_slider.value() / 100)
        self.overlay_action.setChecked(str(s.value("overlay/shown", "true")) == "true")

    def save_layout(self) -> None:
        s = stored.app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("overlay/rendering", self.rendering)
        s.setValue("overlay/opacity", self.opacity_slider.value())
        s.setValue("overlay/shown", "true" if self.overlay_action.isChecked() else "false")
        s.sync()

    def closeEvent(self, event) -> None:
        self.save_layout()
        self.playback.stop()
        self._finish_take_before_closing()
        self.io_jobs.shutdown()
        self.model_jobs.shutdown()
        self.align_jobs.shutdown()
        self.download_jobs.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ messages
    def show_message(self, text: str, title: str = "Voice Desk", icon=QMessageBox.Icon.Warning) -> QMessageBox:
        """A plain, non-blocking message box (the window keeps working behind it)."""
        self.last_message = text
        self.messages.append(text)
        self.statusBar().showMessage(text.splitlines()[0], 15000)
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message_box = box
        return box

    def show_error(self, exc: BaseException, context: str) -> None:
        self.show_message(record_error(exc, context), title=context)

    # ------------------------------------------------------------------ opening audio
    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a recording", self._last_folder(), AUDIO_FILTER)
        if path:
            self.open_file(path)

    def _last_folder(self) -> str:
        recent = stored.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def open_demo(self) -> None:
        self.open_file(str(demo_recording_path()))

    def open_file(self, path: str, textgrid: str | None = None) -> None:
        """Load in the background; the current recording stays until the new one is ready.

        The shipped demo is labelled as synthetic however it is opened (Help menu, command line,
        drag and drop)."""
        demo = is_demo_recording(path)
        self.file_token += 1
        self.model_jobs.cancel_all("explain")
        self.align_jobs.cancel_all()  # its tiers would be for the recording shown now
        path = str(path)
        settings = self.spec_settings
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.io_jobs.submit("open", lambda progress, cancelled, emit: _open_audio(path, textgrid, settings),
                            self.file_token, on_success=lambda job, opened: self._opened(job, opened, path, demo),
                            on_failure=lambda job, exc: self._open_failed(job, exc, path))

    def _open_failed(self, job, exc, path: str) -> None:
        if job.token == self.file_token:
            self.show_error(exc, f"Cannot open {Path(path).name}")

    def _opened(self, job, opened: OpenedAudio, path: str, demo: bool) -> None:
        if job.token != self.file_token:
            self.dropped_results += 1
            return
        rec = opened.recording
        self.recording, self.spectrogram, self.is_demo = rec, opened.spectrogram, demo
        self.explanations = {}
        self.model_failures = {}
        self._refresh_overlay_models()
        self.playback.set_recording(rec.samples, rec.sample_rate)
        self.waveform.set_samples(rec.samples, rec.sample_rate)
        self.spectrogram_view.set_spectrogram(opened.spectrogram, rec.duration)
        self.view_range.reset(rec.duration)
        self.set_alignment(opened.alignment, opened.tier_note)
        self.true_label_source = "the file's metadata" if opened.true_label else None
        # a label entered for the previous recording never carries over to this one
        self.verdict.true_label.setCurrentText(opened.true_label or "unknown")
        self._update_relevance()
        self._show_verdicts()
        if not demo:
            stored.add_recent_file(str(Path(path).resolve()))
        self.setWindowTitle(f"Voice Desk — {Path(path).name}")
        self._update_info_bar(opened.textgrid_problem)
        self.statusBar().showMessage(f"Opened {Path(path).name}", 5000)
        if opened.textgrid_problem:
            self.show_message(opened.textgrid_problem, title="TextGrid not used")
        self.recording_shown.emit(path)
        if self.verdict.auto_run.isChecked() and self.verdict.chosen():
            self.run_models()

    def _update_info_bar(self, textgrid_problem: str | None = None) -> None:
        rec = self.recording
        if rec is None:
            self.info_bar.setText(NO_RECORDING)
            return
        parts = [f"<b>{rec.name}</b>", f"{rec.duration:.2f} s", f"recorded at {rec.original_rate} Hz"]
        tier_text, tier_warnings = self._tier_bar_text(textgrid_problem)
        parts.append(tier_text)
        if self.true_label_source:
            parts.append(f"true label from {self.true_label_source}: {self.verdict.true_label.currentText()}")
        text = " · ".join(parts)
        if self.is_demo:
            text = ("<span style='background:#ffe08a;padding:2px'><b>DEMO — synthetic voice (espeak-ng), not a "
                    "patient recording.</b></span> " + text)
        for warning in [*rec.warnings, *tier_warnings]:
            text += f"<br><span style='color:#8a5a00'>⚠ {warning}</span>"
        self.info_bar.setText(text)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = stored.recent_files()
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for path in recent:
            self.recent_menu.addAction(path).triggered.connect(lambda _=False, p=path: self.open_file(p))

    # drag and drop
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        self.open_paths(paths)
        event.acceptProposedAction()

    def open_paths(self, paths: list[str]) -> None:
        """Dropped files: the recording first, then a TextGrid if one came with it."""
        grids = [p for p in paths if p.lower().endswith(".textgrid")]
        audio = [p for p in paths if p not in grids]
        if audio:
            self.open_file(audio[0], textgrid=grids[0] if grids else None)
        elif grids:
            self.open_textgrid(grids[0])

    # ------------------------------------------------------------------ spectrogram settings
    def spectrogram_settings_dialog(self) -> None:
        from voice_desk.ui.widgets.spectrogram_dialog import SpectrogramDialog

        dialog = SpectrogramDialog(self.spec_settings, self)
        dialog.accepted.connect(lambda: self.apply_spectrogram_settings(dialog.values()))
        dialog.open()
        self.spectrogram_dialog = dialog

    def apply_spectrogram_settings(self, value: SpectrogramSettings) -> None:
        """Remember the settings and recompute the picture in the background (long files take
        a while); a picture computed for an older file or older settings is dropped."""
        from voice_desk.audio.spectrogram import compute_spectrogram

        self.spec_settings = value
        stored.save_spectrogram_settings(value)
        if self.recording is None:
            return
        rec, token = self.recording, self.file_token
        self.io_jobs.submit("spectrogram", lambda progress, cancelled, emit: compute_spectrogram(
            rec.samples, rec.sample_rate, value), token,
            on_success=lambda job, spec: self._spectrogram_ready(job, spec, value),
            on_failure=lambda job, exc: self.show_error(exc, "Spectrogram not updated"))

    def _spectrogram_ready(self, job, spec: Spectrogram, settings: SpectrogramSettings) -> None:
        if job.token != self.file_token or settings is not self.spec_settings:
            self.dropped_results += 1
            return
        self.spectrogram = spec
        for view in [self.spectrogram_view, *self.side_views]:
            view.set_spectrogram(spec, self.recording.duration)
        self._update_relevance()

    # ------------------------------------------------------------------ playing and recording
    def _play(self, start) -> None:
        if self.recording is None:
            self.statusBar().showMessage("Nothing to play yet: open or record a recording first.", 8000)
            return
        try:
            start()
        except VoiceDeskError as exc:
            self.show_error(exc, "Cannot play")

    def _play_toggle(self) -> None:
        self._play(self.playback.toggle)

    def _check_recording_available(self) -> None:
        if self.record_source_factory is not None:
            return
        try:
            from voice_desk.ui.recorder.dialog import recording_available

            ok, reason = recording_available()
        except Exception as exc:  # noqa: BLE001 - the recorder is optional; say why
            ok, reason = False, f"Recording is not available here ({exc})."
        if not ok:
            self.record_action.setToolTip(reason)
            self.record_action.setStatusTip(reason)

    def takes_folder(self) -> Path:
        value = stored.app_settings().value("takes_folder", "")
        return Path(value) if value else takes_dir()

    def record(self):
        """File → Record…: the recorder dialog, or a plain reason why recording cannot work here."""
        from voice_desk.ui.recorder import dialog as recorder_dialog

        if self.record_source_factory is None:
            ok, reason = recorder_dialog.recording_available()
            if not ok:
                self.show_message(reason, title="Recording unavailable")
                return None
        if self._recorder_open():
            self.recorder.raise_()        # one Record window (one stream on the microphone) at a time
            self.recorder.activateWindow()
            return self.recorder
        self.playback.stop()
        dialog = recorder_dialog.RecorderDialog(self, self.takes_folder(), source_factory=self.record_source_factory)
        dialog.take_saved.connect(self._take_saved)
        dialog.open()
        self.recorder = dialog
        return dialog

    def _recorder_open(self) -> bool:
        try:
            return self.recorder is not None and self.recorder.isVisible()
        except RuntimeError:          # deleted with its C++ object
            return False

    def _finish_take_before_closing(self) -> None:
        """Quitting while a take records: stop it and close its file properly (nothing is lost;
        the take is opened next time from the takes folder or File → Open recent)."""
        dialog = self.recorder
        if dialog is None:
            return
        try:
            recording = dialog.is_recording
        except RuntimeError:          # the dialog is already gone
            self.recorder = None
            return
        if recording:
            dialog.take_saved.disconnect(self._take_saved)
            dialog.take_saved.connect(lambda path: stored.add_recent_file(str(Path(path).resolve())))
        dialog.done(0)
        self.recorder = None

    def _take_saved(self, path: str) -> None:
        s = stored.app_settings()
        s.setValue("takes_folder", str(Path(path).parent))
        s.sync()
        self.open_file(path)

    # ------------------------------------------------------------------ status
    def _hovered(self, t: float, y: float) -> None:
        if self.recording is None:
            return
        sender = self.sender()
        if isinstance(sender, SpectrogramView):
            self.statusBar().showMessage(f"{t:.3f} s   {y:.0f} Hz")
        else:
            self.statusBar().showMessage(f"{t:.3f} s")

    def _show_log_location(self) -> None:
        from voice_desk.ui.error_report import log_file

        self.show_message(f"Details of any problem are written to {log_file()}", title="Log file",
                          icon=QMessageBox.Icon.Information)

    def _about(self) -> None:
        from voice_desk import __version__
        from voice_desk.ui.widgets.verdict_panel import NOTICE

        self.show_message(f"Voice Desk {__version__}\nVoice assessment with an Audio Spectrogram Transformer "
                          f"and attention-rollout explanations.\n\n{NOTICE}", title="About Voice Desk",
                          icon=QMessageBox.Icon.Information)
