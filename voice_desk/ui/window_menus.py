"""The window's actions, menus and toolbar (part of :class:`voice_desk.ui.main_window.MainWindow`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QSlider


class MenusMixin:
    """Actions with their shortcuts, the menu bar and the toolbar."""

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
                                     "Ctrl+Shift+S", checkable=True,
                                     tip="Each model's relevance map under the plain spectrogram (Ctrl+Shift+S)")
        # short names in the toolbar, so that it fits a 1280-pixel-wide window
        self.side_by_side_action.setIconText("Side by side")
        self.open_action.setIconText("Open")
        self.overlay_action.setIconText("Relevance")
        self.play_toggle_action = a("Play / stop", self._play_toggle, "Space",
                                    tip="Play the selection (or the visible part); Space again stops")
        self.play_all_action = a("Play all", lambda: self._play(self.playback.play_all))
        self.play_selection_action = a("Play selection", lambda: self._play(self.playback.play_selection))
        self.play_visible_action = a("Play visible part", lambda: self._play(self.playback.play_visible))
        self.stop_action = a("Stop", self.playback.stop, "Esc")
        self.import_action = a("&Import…", self.import_model_dialog, tip="Copy a model folder into Voice Desk")
        # a lambda: connected directly, triggered(checked=False) would fill ``ask`` and skip the question
        self.download_base_action = a("&Download the AudioSet base model…", lambda: self.download_base_model(),
                                      tip="The study's starting checkpoint: relevance maps, no verdict (about 350 MB)")
        self.train_action = a("&Train a model…", self.open_training_wizard,
                              tip="Train ast_freeze or ast_finetuned on the Saarbrücken Voice Database or your own data")
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
        self._build_tiers_menu(bar)
        play_menu = bar.addMenu("&Play")
        for action in (self.play_toggle_action, self.play_all_action, self.play_selection_action,
                       self.play_visible_action, self.stop_action):
            play_menu.addAction(action)
        self.models_menu = bar.addMenu("&Models")
        self.models_menu.addAction(self.import_action)
        self.models_menu.addAction(self.train_action)
        self.models_menu.addAction(self.download_base_action)
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
        from voice_desk.ui.widgets.relevance_legend import RelevanceLegend

        self.relevance_legend = RelevanceLegend()
        tools.addWidget(self.relevance_legend)
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
