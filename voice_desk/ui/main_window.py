"""The clinician's window: recording, waveform, spectrogram, tiers, relevance, verdict.

The window only shows the core's results and starts its work: loading audio and running
models happen in worker pools (:mod:`voice_desk.ui.jobs`); a result for a recording that is
no longer shown is dropped. torch is imported by the workers, never here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QSlider,
                               QVBoxLayout, QWidget)

from voice_desk.align.tiers import Alignment
from voice_desk.audio.spectrogram import Spectrogram, SpectrogramSettings
from voice_desk.errors import VoiceDeskError
from voice_desk.model.catalog import ModelEntry, describe_model_folder
from voice_desk.paths import list_bundles, models_dir, takes_dir
from voice_desk.ui import settings as stored
from voice_desk.ui.error_report import record as record_error
from voice_desk.ui.jobs import JobRunner
from voice_desk.model.model_process import shared_model_process
from voice_desk.ui.model_runner import explain_all, import_model, preload
from voice_desk.ui.phone_chart import PhoneChart
from voice_desk.ui.playback_control import PlaybackControl
from voice_desk.ui.relevance_render import relevance_rgba
from voice_desk.ui.spectrogram_view import SpectrogramView
from voice_desk.ui.tier_view import TierView
from voice_desk.ui.verdict_panel import VerdictPanel
from voice_desk.ui.view_range import ViewRange
from voice_desk.ui.waveform_view import WaveformView

log = logging.getLogger(__name__)

AUDIO_FILTER = "Recordings (*.wav *.flac *.ogg *.nsp *.WAV *.FLAC *.OGG *.NSP);;All files (*)"
DEMO_FILE = "guten_morgen_synthetic.wav"
CONFIG_ORDER = {"ast_freeze": 0, "ast_finetuned": 1}
#: After the window shows, start the model process and load the chosen models (in the background).
#: Starting a process blocks the window's process for a few tens of ms once: better at launch.
PRELOAD_DELAY_MS = 1500


@dataclass
class OpenedAudio:
    recording: object
    spectrogram: Spectrogram
    alignment: Alignment | None
    textgrid_problem: str | None


def demo_recording_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("voice_desk.resources").joinpath("demo", DEMO_FILE)))


def _open_audio(path: str, textgrid: str | None, settings: SpectrogramSettings) -> OpenedAudio:
    """Worker: load, compute the spectrogram, find and read the TextGrid."""
    from voice_desk.align.textgrid import TextGridError, find_textgrid_for, read_textgrid
    from voice_desk.audio.load import load_recording
    from voice_desk.audio.spectrogram import compute_spectrogram

    recording = load_recording(path)
    spectrogram = compute_spectrogram(recording.samples, recording.sample_rate, settings)
    grid = textgrid or find_textgrid_for(path)
    alignment, problem = None, None
    if grid:
        try:
            alignment = read_textgrid(grid, recording.duration)
        except TextGridError as exc:
            problem = str(exc)
    return OpenedAudio(recording, spectrogram, alignment, problem)


class MainWindow(QMainWindow):
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
        self.model_process = shared_model_process()
        self.file_token = 0
        self.recording = None
        self.spectrogram: Spectrogram | None = None
        self.alignment: Alignment | None = None
        self.is_demo = False
        self.explanations: dict[str, object] = {}
        self.model_entries: dict[str, ModelEntry] = {}
        self.session_models: list[str] = []
        self.dropped_results = 0
        self.last_message = ""
        self.recorder = None
        self.spec_settings = stored.load_spectrogram_settings()
        self.playback = PlaybackControl(self.view_range, player, self)
        self._build_views()
        self._build_docks()
        self._build_actions()
        self._build_menus_and_toolbar()
        self._restore_layout()
        self.refresh_models(extra_models or [])
        self.statusBar().showMessage("Open a recording (File → Open…, drag and drop) or record one (File → Record…).")
        QTimer.singleShot(800, self._check_recording_available)
        QTimer.singleShot(PRELOAD_DELAY_MS, self._preload_models)

    # ------------------------------------------------------------------ building
    def _build_views(self) -> None:
        vr = self.view_range
        self.info_bar = QLabel("No recording open.")
        self.info_bar.setStyleSheet("padding: 3px 6px; color: #333;")
        self.info_bar.setWordWrap(True)
        self.waveform = WaveformView(vr)
        self.spectrogram_view = SpectrogramView(vr, show_time_axis=False)
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

    def _action(self, text: str, slot, shortcut=None, checkable=False, tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        vr = self.view_range
        self.open_action = a("&Open recording…", self.open_file_dialog, QKeySequence.StandardKey.Open)
        self.open_textgrid_action = a("Open &TextGrid…", self.open_textgrid_dialog, "Ctrl+T")
        self.record_action = a("&Record…", self.record, "Ctrl+Shift+R", tip="Record the sentence with a microphone")
        self.export_png_action = a("Export view as &PNG…", self.export_png_dialog, "Ctrl+E")
        self.export_results_action = a("Export &results (JSON + CSV)…", self.export_results_dialog, "Ctrl+Shift+E")
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.zoom_in_action = a("Zoom &in", lambda: vr.zoom(0.5), ["Ctrl++", "Ctrl+=", "Ctrl+I"])
        self.zoom_out_action = a("Zoom &out", lambda: vr.zoom(2.0), ["Ctrl+-"])
        self.show_all_action = a("Show &all", vr.show_all, "Ctrl+A")
        self.zoom_selection_action = a("Zoom to &selection", vr.zoom_to_selection, "Ctrl+N")
        self.pan_left_action = a("Scroll left", lambda: vr.pan(-0.25), ["Left", "PgUp"])
        self.pan_right_action = a("Scroll right", lambda: vr.pan(0.25), ["Right", "PgDown"])
        self.spectrogram_settings_action = a("Spectrogram settings…", self.spectrogram_settings_dialog)
        self.overlay_action = a("Relevance &overlay", self._overlay_toggled, "Ctrl+R", checkable=True,
                                tip="Show where the model looked (Ctrl+R)")
        self.side_by_side_action = a("Side by side: ast_freeze and ast_finetuned", self._side_by_side_toggled,
                                     "Ctrl+Shift+S", checkable=True)
        self.play_toggle_action = a("Play / stop", self._play_toggle, "Space",
                                    tip="Play the selection (or the visible part); Space again stops")
        self.play_all_action = a("Play all", lambda: self._play(self.playback.play_all))
        self.play_selection_action = a("Play selection", lambda: self._play(self.playback.play_selection))
        self.play_visible_action = a("Play visible part", lambda: self._play(self.playback.play_visible))
        self.stop_action = a("Stop", self.playback.stop, "Esc")
        self.import_action = a("&Import…", self.import_model_dialog, tip="Copy a model folder into Voice Desk")
        self.run_action = a("Assess && &explain", self.run_models, "Ctrl+Return")
        self.cancel_action = a("Cancel running work", self.cancel_jobs, "Ctrl+.")
        self.demo_action = a("Open &demo recording", self.open_demo)
        self.log_action = a("Where is the log file?", self._show_log_location)
        self.about_action = a("About Voice Desk", self._about)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.open_textgrid_action)
        file_menu.addAction(self.record_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_png_action)
        file_menu.addAction(self.export_results_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu("&View")
        for action in (self.zoom_in_action, self.zoom_out_action, self.show_all_action, self.zoom_selection_action,
                       self.pan_left_action, self.pan_right_action):
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.overlay_action)
        rendering_menu = view_menu.addMenu("Relevance rendering")
        self.rendering_group = QActionGroup(self)
        self.rendering_actions = {}
        for key, text in (("study", "Study: hue = relevance, brightness = power"),
                          ("heat", "Heat map over the grey spectrogram")):
            action = QAction(text, self, checkable=True)
            action.setData(key)
            self.rendering_group.addAction(action)
            rendering_menu.addAction(action)
            self.rendering_actions[key] = action
        self.rendering_group.triggered.connect(lambda action: self.set_rendering(action.data()))
        view_menu.addAction(self.side_by_side_action)
        view_menu.addSeparator()
        view_menu.addAction(self.spectrogram_settings_action)
        view_menu.addAction(self.verdict_dock.toggleViewAction())
        view_menu.addAction(self.phone_dock.toggleViewAction())
        play_menu = bar.addMenu("&Play")
        for action in (self.play_toggle_action, self.play_all_action, self.play_selection_action,
                       self.play_visible_action, self.stop_action):
            play_menu.addAction(action)
        self.models_menu = bar.addMenu("&Models")
        self.models_menu.addAction(self.import_action)
        self.models_menu.addAction(self.run_action)
        self.models_menu.addAction(self.cancel_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.demo_action)
        help_menu.addAction(self.log_action)
        help_menu.addAction(self.about_action)

        tools = self.addToolBar("Main")
        tools.setObjectName("main_toolbar")
        for action in (self.open_action, self.record_action, self.play_toggle_action, self.stop_action):
            tools.addAction(action)
        tools.addSeparator()
        for action in (self.zoom_in_action, self.zoom_out_action, self.show_all_action):
            tools.addAction(action)
        tools.addSeparator()
        tools.addAction(self.overlay_action)
        self.rendering_box = QComboBox()
        self.rendering_box.addItem("Study colours", "study")
        self.rendering_box.addItem("Heat map", "heat")
        self.rendering_box.setToolTip("Relevance rendering")
        self.rendering_box.currentIndexChanged.connect(lambda i: self.set_rendering(self.rendering_box.itemData(i)))
        tools.addWidget(self.rendering_box)
        tools.addWidget(QLabel(" Opacity "))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setFixedWidth(90)
        self.opacity_slider.setToolTip("Overlay opacity")
        self.opacity_slider.valueChanged.connect(lambda v: self.spectrogram_view.set_opacity(v / 100))
        tools.addWidget(self.opacity_slider)
        tools.addWidget(QLabel(" Model "))
        self.overlay_model_box = QComboBox()
        self.overlay_model_box.setMinimumContentsLength(14)
        self.overlay_model_box.setToolTip("Whose relevance the overlay and the phone chart show")
        self.overlay_model_box.currentIndexChanged.connect(lambda _i: self._update_relevance())
        tools.addWidget(self.overlay_model_box)
        tools.addAction(self.side_by_side_action)
        self.toolbar = tools

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
        self.io_jobs.shutdown()
        self.model_jobs.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ messages
    def show_message(self, text: str, title: str = "Voice Desk", icon=QMessageBox.Icon.Warning) -> QMessageBox:
        """A plain, non-blocking message box (the window keeps working behind it)."""
        self.last_message = text
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
        self.open_file(str(demo_recording_path()), demo=True)

    def open_file(self, path: str, textgrid: str | None = None, demo: bool = False) -> None:
        """Load in the background; the current recording stays until the new one is ready."""
        self.file_token += 1
        self.model_jobs.cancel_all("explain")
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
        self._refresh_overlay_models()
        self.playback.set_recording(rec.samples, rec.sample_rate)
        self.waveform.set_samples(rec.samples, rec.sample_rate)
        self.spectrogram_view.set_spectrogram(opened.spectrogram, rec.duration)
        self.view_range.reset(rec.duration)
        self.set_alignment(opened.alignment)
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
            self.info_bar.setText("No recording open.")
            return
        parts = [f"<b>{rec.name}</b>", f"{rec.duration:.2f} s", f"recorded at {rec.original_rate} Hz"]
        if self.alignment is not None:
            parts.append(f"tiers from {Path(self.alignment.source).name}")
        elif textgrid_problem:
            parts.append("TextGrid not usable (see message)")
        else:
            parts.append("no TextGrid next to it (File → Open TextGrid…)")
        text = " · ".join(parts)
        if self.is_demo:
            text = ("<span style='background:#ffe08a;padding:2px'><b>DEMO — synthetic voice (espeak-ng), not a "
                    "patient recording.</b></span> " + text)
        for warning in rec.warnings:
            text += f"<br><span style='color:#8a5a00'>⚠ {warning}</span>"
        self.info_bar.setText(text)

    def set_alignment(self, alignment: Alignment | None) -> None:
        self.alignment = alignment
        self.tier_view.set_alignment(alignment)
        self._update_phone_chart()

    def open_textgrid_dialog(self) -> None:
        if self.recording is None:
            self.show_message("Open a recording first; a TextGrid belongs to a recording.")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open a TextGrid", self._last_folder(),
                                              "TextGrids (*.TextGrid *.textgrid);;All files (*)")
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
        self.set_alignment(alignment)
        self._update_info_bar()
        return True

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
        from voice_desk.ui.spectrogram_dialog import SpectrogramDialog

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

    # ------------------------------------------------------------------ models
    def refresh_models(self, extra: list[str] | None = None) -> None:
        """Bundles in the models folder, folders added earlier, and ``extra`` (e.g. --model)."""
        s = stored.app_settings()
        first_time = not s.contains("chosen_models")
        chosen = set(stored.chosen_models())
        for path in extra or []:
            entry = self._describe(path)
            if entry is not None:
                if entry.path not in self.session_models:
                    self.session_models.append(entry.path)
                chosen.add(entry.path)
        entries: dict[str, ModelEntry] = {}
        for path in [*map(str, list_bundles()), *stored.known_models(), *self.session_models]:
            try:
                entry = describe_model_folder(path)
            except VoiceDeskError:
                continue
            entries.setdefault(entry.path, entry)
        if first_time and not extra:
            chosen = set(entries)
        self.model_entries = dict(sorted(entries.items(), key=lambda kv: (
            CONFIG_ORDER.get(kv[1].configuration or "", 2), kv[1].name)))
        self.verdict.set_models(list(self.model_entries.values()), chosen)
        self._save_model_choice()
        if not entries:
            self.statusBar().showMessage("No model installed yet: Models → Import… a model folder to get verdicts.")

    def _describe(self, path: str) -> ModelEntry | None:
        try:
            return describe_model_folder(path)
        except VoiceDeskError as exc:
            self.show_error(exc, "Model not added")
            return None

    def add_model(self, path: str) -> ModelEntry | None:
        """Validate a model folder and add it to the chosen models (remembered between sessions)."""
        entry = self._describe(path)
        if entry is None:
            return None
        if Path(entry.path).parent != models_dir().resolve():
            known = stored.known_models()
            if entry.path not in known:
                stored.save_models(stored.chosen_models(), known + [entry.path])
        chosen = set(self.verdict.chosen()) | {entry.path}
        stored.save_models(sorted(chosen), stored.known_models())
        self.refresh_models()
        self.statusBar().showMessage(f"Model added: {entry.name}", 5000)
        return entry

    def _choice_changed(self) -> None:
        self._save_model_choice()
        self._show_verdicts()

    def _save_model_choice(self) -> None:
        stored.save_models(self.verdict.chosen(), stored.known_models())

    def import_model_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder to import")
        if folder:
            self.import_model(folder)

    def import_model(self, folder: str) -> None:
        """Load the folder to check it really is a usable model (worker), copy it into the models
        folder, then add the copy."""
        try:
            describe_model_folder(folder)   # quick checks first, with a plain message
        except VoiceDeskError as exc:
            self.show_error(exc, "Model not imported")
            return
        target_root = models_dir()
        self.statusBar().showMessage(f"Checking and importing {Path(folder).name}…")
        process = self.model_process
        self.io_jobs.submit("import", lambda progress, cancelled, emit: import_model(process, folder, target_root,
                                                                                     cancelled),
                            self.file_token, on_success=lambda job, path: self.add_model(str(path)),
                            on_failure=lambda job, exc: self.show_error(exc, "Model not imported"))

    def run_models(self) -> None:
        if self.recording is None:
            self.show_message("Open or record a recording first.", icon=QMessageBox.Icon.Information)
            return
        paths = self.verdict.chosen()
        if not paths:
            self.show_message("Tick at least one model in the Verdict panel (or import one: Models → Import…).",
                              icon=QMessageBox.Icon.Information)
            return
        self.model_jobs.cancel_all("explain")
        recording, process = self.recording, self.model_process
        self.verdict.set_busy(True, "Starting…")
        self.model_jobs.submit("explain", lambda progress, cancelled, emit: explain_all(
            process, recording, paths, progress, cancelled, emit), self.file_token,
            on_progress=self._job_progress, on_partial=self._job_partial, on_failure=self._job_failed,
            on_cancel=self._job_cancelled)

    def _preload_models(self) -> None:
        """Start the model process (torch loads there) and the chosen models while the window is
        idle, so starting the process never interrupts the user and the first verdict comes
        sooner. Nothing starts when no model is installed."""
        paths = self.verdict.chosen()
        if self.model_entries and not self.model_jobs.busy:
            process = self.model_process
            self.model_jobs.submit("preload", lambda progress, cancelled, emit: preload(process, paths, cancelled),
                                   self.file_token, on_failure=lambda job, exc: record_error(exc, "Preloading models"))

    def cancel_jobs(self) -> None:
        self.model_jobs.cancel_all("explain")
        self.verdict.set_progress(self.verdict.progress.value() / 1000, "Cancelling…")

    def _model_busy(self, busy: bool) -> None:
        if not busy:
            self.verdict.set_busy(False)

    def _job_progress(self, job, fraction: float) -> None:
        if job.token == self.file_token and not job.is_cancelled:
            self.verdict.set_progress(fraction, "%p%")

    def _job_partial(self, job, part) -> None:
        if job.token != self.file_token:
            self.dropped_results += 1
            return
        if part[0] == "status":
            self.verdict.set_progress(self.verdict.progress.value() / 1000, part[1])
            return
        _, path, explanation = part
        self.explanations[path] = explanation
        self._refresh_overlay_models()
        self._update_relevance()
        self._show_verdicts()
        self.results_changed.emit()

    def _job_failed(self, job, exc) -> None:
        if job.token == self.file_token:
            self.show_error(exc, "The model could not run")

    def _job_cancelled(self, job) -> None:
        if job.token == self.file_token:
            self.statusBar().showMessage("Cancelled.", 5000)

    def is_busy(self) -> bool:
        return self.io_jobs.busy or self.model_jobs.busy

    # ------------------------------------------------------------------ verdicts
    def _results_in_order(self) -> list[tuple[ModelEntry, object]]:
        return [(entry, self.explanations[path].prediction) for path, entry in self.model_entries.items()
                if path in self.explanations]

    def agreement_case(self) -> str | None:
        from voice_desk.analysis.agreement import agreement_case

        truth = self.verdict.true_label.currentText()
        if truth not in ("healthy", "pathological"):
            return None
        labels = {}
        for entry, prediction in self._results_in_order():
            if entry.configuration in CONFIG_ORDER and prediction.gives_verdict:
                labels.setdefault(entry.configuration, prediction.label)
        if len(labels) < 2:
            return None
        return agreement_case(truth, labels["ast_freeze"], labels["ast_finetuned"])

    def _show_verdicts(self) -> None:
        rows = self._results_in_order()
        message = ""
        if self.recording is not None and not rows and self.model_entries:
            message = "No result yet: tick the models to run and press “Assess & explain”."
        self.verdict.show_results(rows, self.agreement_case(), message)

    # ------------------------------------------------------------------ relevance
    @property
    def rendering(self) -> str:
        return self.rendering_box.currentData() or "study"

    def set_rendering(self, key: str) -> None:
        index = self.rendering_box.findData(key)
        if index >= 0 and index != self.rendering_box.currentIndex():
            self.rendering_box.setCurrentIndex(index)   # calls back here
            return
        if key in self.rendering_actions:
            self.rendering_actions[key].setChecked(True)
        self._update_relevance()

    def _refresh_overlay_models(self) -> None:
        box = self.overlay_model_box
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        for path, entry in self.model_entries.items():
            if path in self.explanations:
                box.addItem(entry.name, path)
        index = box.findData(current)
        box.setCurrentIndex(index if index >= 0 else 0)
        box.blockSignals(False)

    def overlay_explanation(self):
        path = self.overlay_model_box.currentData()
        return self.explanations.get(path) if path else None

    def _overlay_toggled(self, on: bool) -> None:
        self.spectrogram_view.show_overlay(on)

    def _update_relevance(self) -> None:
        explanation = self.overlay_explanation()
        if explanation is None or self.spectrogram is None:
            self.spectrogram_view.set_overlay(None)
        else:
            self.spectrogram_view.set_overlay(self._rgba(explanation), explanation.frame_shift)
        self.spectrogram_view.show_overlay(self.overlay_action.isChecked())
        self._update_side_views()
        self._update_phone_chart()

    def _rgba(self, explanation):
        return relevance_rgba(explanation.log_mel_power, explanation.frame_relevance,
                              self.spectrogram_view.max_hz, self.rendering)

    def _side_by_side_toggled(self, on: bool) -> None:
        self.side_container.setVisible(on)
        self._update_side_views()

    def _update_side_views(self) -> None:
        wanted = [(path, entry) for path, entry in self.model_entries.items() if path in self.explanations]
        if not self.side_by_side_action.isChecked():
            wanted = []
        while len(self.side_views) > len(wanted):
            view = self.side_views.pop()
            self.side_layout.removeWidget(view)
            view.deleteLater()
        while len(self.side_views) < len(wanted):
            view = SpectrogramView(self.view_range, show_time_axis=False, title=" ", y_label="Hz")
            view.hovered.connect(self._hovered)
            self.side_layout.addWidget(view)
            self.side_views.append(view)
        for view, (path, entry) in zip(self.side_views, wanted):
            explanation = self.explanations[path]
            view.plotItem.setTitle(f"Relevance — {entry.name}", size="9pt", color="#333")
            view.set_spectrogram(self.spectrogram, self.recording.duration if self.recording else 0.0)
            view.set_overlay(self._rgba(explanation), explanation.frame_shift)
            view.set_opacity(1.0)
            view.show_overlay(True)
            view._follow_visible(self.view_range.start, self.view_range.end)
            view._follow_selection(self.view_range.selection)
        if self.side_by_side_action.isChecked() and not wanted:
            self.statusBar().showMessage("Side by side shows each model's map once the models have run.", 8000)

    def _update_phone_chart(self) -> None:
        from voice_desk.analysis.phone_relevance import phone_relevance

        explanation = self.overlay_explanation()
        if explanation is None or self.alignment is None:
            why = ("Open a TextGrid (File → Open TextGrid…) to see relevance per phone."
                   if explanation is not None else "Per-phone relevance appears here once a model has run.")
            self.phone_chart.set_rows([], [], why)
            return
        phones = self.alignment.phones
        rows = phone_relevance(explanation.frame_relevance, explanation.frame_shift, phones)
        indices = [i for i, p in enumerate(phones) if not p.is_silence]
        self.phone_chart.set_rows(rows, indices)

    def phone_rows(self, path: str):
        from voice_desk.analysis.phone_relevance import phone_relevance

        if self.alignment is None or path not in self.explanations:
            return []
        e = self.explanations[path]
        return phone_relevance(e.frame_relevance, e.frame_shift, self.alignment.phones)

    def _interval_clicked(self, tier: str, index: int) -> None:
        self.phone_chart.highlight_tier_index(index if tier == "phones" else None)

    # ------------------------------------------------------------------ playing and recording
    def _play(self, start) -> None:
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
            from voice_desk.ui.recorder_dialog import recording_available

            ok, reason = recording_available()
        except Exception as exc:  # noqa: BLE001 - the recorder is optional; say why
            ok, reason = False, f"Recording is not available here ({exc})."
        if not ok:
            self.record_action.setToolTip(f"Recording unavailable: {reason}")
            self.record_action.setStatusTip(f"Recording unavailable: {reason}")

    def takes_folder(self) -> Path:
        value = stored.app_settings().value("takes_folder", "")
        return Path(value) if value else takes_dir()

    def record(self):
        """File → Record…: the recorder dialog, or a plain reason why recording cannot work here."""
        from voice_desk.ui import recorder_dialog

        if self.record_source_factory is None:
            ok, reason = recorder_dialog.recording_available()
            if not ok:
                self.show_message(f"Recording is not available on this computer. {reason}",
                                  title="Recording unavailable")
                return None
        self.playback.stop()
        dialog = recorder_dialog.RecorderDialog(self, self.takes_folder(), source_factory=self.record_source_factory)
        dialog.take_saved.connect(self._take_saved)
        dialog.open()
        self.recorder = dialog
        return dialog

    def _take_saved(self, path: str) -> None:
        s = stored.app_settings()
        s.setValue("takes_folder", str(Path(path).parent))
        s.sync()
        self.open_file(path)

    # ------------------------------------------------------------------ export
    def export_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the view as PNG", self._suggested("view.png"),
                                              "PNG images (*.png)")
        if path:
            self.export_png(path)

    def export_png(self, path: str) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        if not self.views_widget.grab().save(str(path), "PNG"):
            self.show_message(f"{path}: the picture could not be written. Choose another folder.")
        else:
            self.statusBar().showMessage(f"Picture saved: {path}", 5000)
        return path

    def _suggested(self, name: str) -> str:
        if self.recording is not None and self.recording.path is not None and not self.is_demo:
            return str(self.recording.path.with_name(f"{self.recording.path.stem}-{name}"))
        return str(Path.home() / name)

    def export_results_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export results (a .json and a .csv are written)",
                                              self._suggested("results.json"), "JSON (*.json)")
        if path:
            try:
                self.export_results(path)
            except VoiceDeskError as exc:
                self.show_error(exc, "Results not exported")

    def export_results(self, json_path: str) -> tuple[Path, Path]:
        from voice_desk.analysis.results_export import ModelResult, results_record, write_csv, write_json

        if self.recording is None or not self.explanations:
            raise VoiceDeskError("There are no results to export yet.",
                                 hint="Open a recording and run a model first (Assess & explain).")
        rows = []
        for path, entry in self.model_entries.items():
            if path in self.explanations:
                rows.append(ModelResult(model_id=path, name=entry.name, configuration=entry.configuration,
                                        card_summary=entry.summary,
                                        prediction=self.explanations[path].prediction.to_record(),
                                        phones=self.phone_rows(path)))
        truth = self.verdict.true_label.currentText()
        rec = self.recording
        record = results_record(str(rec.path or rec.name), rec.sha256(), rec.duration, rows,
                                tiers_source=self.alignment.source if self.alignment else None,
                                true_label=truth if truth != "unknown" else None,
                                agreement_case=self.agreement_case())
        json_path = Path(json_path)
        if json_path.suffix.lower() != ".json":
            json_path = json_path.with_suffix(".json")
        out_json = write_json(record, json_path)
        out_csv = write_csv(record, json_path.with_suffix(".csv"))
        self.statusBar().showMessage(f"Results saved: {out_json} and {out_csv.name}", 8000)
        return out_json, out_csv

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
        from voice_desk.ui.verdict_panel import NOTICE

        self.show_message(f"Voice Desk {__version__}\nVoice assessment with an Audio Spectrogram Transformer "
                          f"and attention-rollout explanations.\n\n{NOTICE}", title="About Voice Desk",
                          icon=QMessageBox.Icon.Information)
