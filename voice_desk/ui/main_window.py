"""The clinician's window: a shell that owns the session and lays out what the controllers build.

State lives in one observable :class:`voice_desk.ui.session.WindowSession`; each concern is a
controller that owns its widgets, actions, tasks and state (``controllers/``): opening
recordings, recording takes, playback, navigation, tiers, models and verdicts, relevance, voice
measures, patients and sessions, export.
The shell builds the central views and the docks from them, the menus and the toolbar from
their actions, keeps the layout between sessions and shows messages. torch is never imported
into this process: models run in the model process (:mod:`voice_desk.model.model_process`).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QVBoxLayout, QWidget

from voice_desk.ui import settings as stored
from voice_desk.ui.actions import make_action
from voice_desk.ui.controllers.export import ExportController
from voice_desk.ui.controllers.faithfulness import FaithfulnessController
from voice_desk.ui.controllers.measures import MeasuresController
from voice_desk.ui.controllers.models import PRELOAD_DELAY_MS, ModelsController
from voice_desk.ui.controllers.navigation import NavigationController
from voice_desk.ui.controllers.opening import OpeningController
from voice_desk.ui.controllers.playback import PlaybackController
from voice_desk.ui.controllers.recording import RecordingController
from voice_desk.ui.controllers.study import StudyController
from voice_desk.ui.controllers.relevance import RelevanceController
from voice_desk.ui.controllers.tiers import TiersController
from voice_desk.ui.error_report import record as record_error
from voice_desk.ui.patients.controller import PatientsController
from voice_desk.ui.session import WindowSession
from voice_desk.ui.widgets.spectrogram_view import SpectrogramView
from voice_desk.ui.widgets.tier_view import TierView
from voice_desk.ui.widgets.view_range import ViewRange
from voice_desk.ui.widgets.waveform_view import WaveformView

READY = "Open a recording (File → Open recording…, drag and drop) or record one (File → Record…)."


class MainWindow(QMainWindow):
    def __init__(self, player=None, record_source_factory=None, extra_models: list[str] | None = None):
        super().__init__()
        from voice_desk.ui.error_report import setup_logging

        self.log_path = setup_logging()
        self.setWindowTitle("Voice Desk")
        self.setAcceptDrops(True)
        self.last_message = ""
        self.messages: list[str] = []       # every message shown this session (--screenshot reports them)
        self.session = WindowSession(self)
        self.view_range = ViewRange(self)
        self.waveform = WaveformView(self.view_range)
        self.spectrogram_view = SpectrogramView(self.view_range, show_time_axis=False)
        self.navigation = NavigationController(self)
        self.opening = OpeningController(self, self.waveform, self.spectrogram_view)
        self.recorder = RecordingController(self, record_source_factory)
        self.playback = PlaybackController(self, player)
        self.tiers = TiersController(self, TierView(self.view_range))
        self.models = ModelsController(self, extra_models or [])
        self.faithfulness = FaithfulnessController(self, self.models)
        self.relevance = RelevanceController(self, self.spectrogram_view)
        self.measures = MeasuresController(self)
        self.patients = PatientsController(self)
        self.study = StudyController(self)
        self.views_widget = self._build_views()
        self.export = ExportController(self, self.views_widget)
        self.quit_action = make_action(self, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.cancel_action = make_action(self, "Cancel running work", self.cancel_jobs, "Ctrl+.")
        self.log_action = make_action(self, "Where is the log file?", self._show_log_location)
        self.about_action = make_action(self, "About Voice Desk", self._about)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.models.dock)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.patients.dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.relevance.phone_dock)
        self.splitDockWidget(self.relevance.phone_dock, self.measures.dock, Qt.Orientation.Horizontal)
        self._build_menus_and_toolbar()
        self._restore_layout()
        self.statusBar().showMessage(READY)
        QTimer.singleShot(PRELOAD_DELAY_MS, self.models.preload)

    # ------------------------------------------------------------------ building
    def _build_views(self) -> QWidget:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.opening.info_bar)
        for widget, stretch in ((self.waveform, 2), (self.spectrogram_view, 5), (self.relevance.side_container, 6),
                                (self.tiers.tier_view, 0)):
            layout.addWidget(widget, stretch)
        self.setCentralWidget(central)
        for view in self.time_views():
            view.hovered.connect(self.navigation.hovered)
        self.tiers.tier_view.interval_clicked.connect(self.relevance.interval_clicked)
        return central

    def time_views(self) -> list:
        """Every view on the shared time axis."""
        return [self.waveform, self.spectrogram_view, self.tiers.tier_view, *self.relevance.side_views]

    def spectrogram_views(self) -> list[SpectrogramView]:
        return [self.spectrogram_view, *self.relevance.side_views]

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.aboutToShow.connect(self.recorder.recheck)
        file_menu.addAction(self.opening.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(lambda: self.opening.fill_recent_menu(self.recent_menu))
        file_menu.addAction(self.study.open_action)
        file_menu.addAction(self.recorder.record_action)
        file_menu.addSeparator()
        for action in self.export.actions():
            file_menu.addAction(action)
        file_menu.addAction(self.patients.report_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu("&View")
        for action in self.navigation.actions():
            view_menu.addAction(action)
        view_menu.addSeparator()
        self.relevance.build_menu(view_menu)
        view_menu.addSeparator()
        view_menu.addAction(self.opening.spectrogram_settings_action)
        view_menu.addAction(self.models.dock.toggleViewAction())
        view_menu.addAction(self.relevance.phone_dock.toggleViewAction())
        view_menu.addAction(self.measures.dock.toggleViewAction())
        view_menu.addAction(self.patients.dock.toggleViewAction())
        self.tiers.build_menu(bar)
        play_menu = bar.addMenu("&Play")
        for action in self.playback.actions():
            play_menu.addAction(action)
        self.models_menu = bar.addMenu("&Models")
        for action in [*self.models.actions(), self.study.run_action, self.cancel_action]:
            self.models_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        for action in (self.opening.demo_action, self.log_action, self.about_action):
            help_menu.addAction(action)

        tools = self.addToolBar("Main")
        tools.setObjectName("main_toolbar")
        for action in (self.opening.open_action, self.recorder.record_action, self.playback.toggle_action,
                       self.playback.stop_action):
            tools.addAction(action)
        tools.addSeparator()
        for action in self.navigation.actions()[:3]:
            tools.addAction(action)
        self.toolbar = tools
        # the map's controls (method, class, rendering, opacity, model) on a row of their own: beside
        # the others they would not fit a 1280-pixel window and long model names would be cut
        self.addToolBarBreak()
        relevance_tools = self.addToolBar("Relevance map")
        relevance_tools.setObjectName("relevance_toolbar")
        self.relevance.toolbar_items(relevance_tools)
        self.relevance_toolbar = relevance_tools

    # ------------------------------------------------------------------ layout persistence
    def _restore_layout(self) -> None:
        s = stored.app_settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
            self.resizeDocks([self.relevance.phone_dock], [190], Qt.Orientation.Vertical)
            self.resizeDocks([self.relevance.phone_dock, self.measures.dock], [700, 580], Qt.Orientation.Horizontal)
            self.resizeDocks([self.models.dock, self.patients.dock], [320, 250], Qt.Orientation.Horizontal)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.relevance.restore_settings()

    def save_layout(self) -> None:
        s = stored.app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        self.relevance.save_settings()
        s.sync()

    def closeEvent(self, event) -> None:
        self.save_layout()
        self.playback.stop()
        self.recorder.finish_before_closing()
        for runner in self._task_runners():
            runner.shutdown()
        self.measures.close()
        self.patients.close()
        super().closeEvent(event)

    # ------------------------------------------------------------------ work
    def _task_runners(self) -> list:
        return [self.opening.tasks, self.models.tasks, self.models.download_tasks, self.tiers.tasks, self.measures.tasks,
                self.patients.tasks, self.study.tasks]

    def is_busy(self) -> bool:
        return any(runner.busy for runner in self._task_runners())

    def cancel_recording_work(self) -> None:
        """Another recording is on its way: model runs and alignments for this one stop."""
        self.models.tasks.cancel_all("explain")
        self.faithfulness.cancel()
        self.tiers.cancel()

    def cancel_jobs(self) -> None:
        """Models → Cancel running work (and the Verdict panel's Cancel)."""
        self.models.cancel()
        self.faithfulness.cancel()
        self.tiers.cancel()
        self.study.cancel()

    # ------------------------------------------------------------------ messages
    def status(self, text: str, ms: int = 0) -> None:
        self.statusBar().showMessage(text, ms)

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

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        self.opening.open_paths([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    # ------------------------------------------------------------------ help
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

