"""Where the model looked: the relevance overlay on the spectrogram, its method (attention rollout or
the gradient-weighted rollout for a class, :mod:`voice_desk.ui.controllers.relevance_method`), its
rendering (the study's colours or a heat map, drawn by :mod:`voice_desk.model.relevance_image`, the
same as ``voice-desk explain --png``), its opacity and model, each model's map side by side, and the
per-phone relevance chart."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QDockWidget, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from voice_desk.model.relevance_image import relevance_rgba
from voice_desk.model.relevance_methods import ROLLOUT, caption
from voice_desk.session.export import phone_rows
from voice_desk.ui import settings as stored
from voice_desk.ui.actions import make_action
from voice_desk.ui.controllers.relevance_method import RelevanceMethodChoice
from voice_desk.session.tiers import doubt
from voice_desk.ui.widgets.phone_chart import MEASURES, PhoneChart
from voice_desk.ui.widgets.relevance_legend import RelevanceLegend
from voice_desk.ui.widgets.spectrogram_view import SpectrogramView

RENDERINGS = (("study", "Study: hue = relevance, brightness = power", "Study colours"),
              ("heat", "Heat map over the grey spectrogram", "Heat map"))
FREQUENCY_AXES = (("linear", "Linear Hz, as Praat draws it"),
                  ("mel", "Mel scale to 8000 Hz, as the model hears it"))
SCALES = (("recording", "Within this recording (the study's picture)"),
          ("uniform", "Relative to a uniform map, ¼× to 4× (compares recordings and models)"))


class RelevanceController(QObject):
    def __init__(self, window, spectrogram_view: SpectrogramView):
        super().__init__(window)
        self.window, self.session, self.view = window, window.session, spectrogram_view
        a = lambda *args, **kw: make_action(window, *args, **kw)  # noqa: E731
        self.overlay_action = a("Relevance &overlay", self._overlay_toggled, "Ctrl+R", checkable=True,
                                tip="Show where the model looked (Ctrl+R)")
        self.overlay_action.setIconText("Relevance")
        self.side_by_side_action = a("Side by side: each model's map", self._side_by_side_toggled,
                                     "Ctrl+Shift+S", checkable=True,
                                     tip="Each model's relevance map under the plain spectrogram (Ctrl+Shift+S)")
        self.side_by_side_action.setEnabled(False)      # until a model has run on the recording shown
        self.side_by_side_action.setIconText("Side by side")
        self.rendering_group = QActionGroup(self)
        self.rendering_actions: dict[str, QAction] = {}
        for key, text, _short in RENDERINGS:
            action = QAction(text, self, checkable=True)
            action.setData(key)
            self.rendering_group.addAction(action)
            self.rendering_actions[key] = action
        self.rendering_group.triggered.connect(lambda action: self.set_rendering(action.data()))
        self.axis_group = QActionGroup(self)
        self.axis_actions: dict[str, QAction] = {}
        for key, text in FREQUENCY_AXES:
            action = QAction(text, self, checkable=True)
            action.setData(key)
            self.axis_group.addAction(action)
            self.axis_actions[key] = action
        self.axis_actions["linear"].setChecked(True)
        self.axis_group.triggered.connect(lambda action: self.set_frequency_axis(action.data()))
        self.scale_group = QActionGroup(self)
        self.scale_actions: dict[str, QAction] = {}
        for key, text in SCALES:
            action = QAction(text, self, checkable=True)
            action.setData(key)
            self.scale_group.addAction(action)
            self.scale_actions[key] = action
        self.scale_actions["recording"].setChecked(True)
        self.scale_group.triggered.connect(lambda action: self.set_scale(action.data()))
        self.rendering_box = QComboBox()
        for key, _text, short in RENDERINGS:
            self.rendering_box.addItem(short, key)
        self.rendering_box.setToolTip("Relevance rendering")
        self.rendering_box.currentIndexChanged.connect(lambda i: self.set_rendering(self.rendering_box.itemData(i)))
        self.method_choice = RelevanceMethodChoice(window)
        self.legend = RelevanceLegend()
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setFixedWidth(90)
        self.opacity_slider.setToolTip("Overlay opacity")
        self.opacity_slider.valueChanged.connect(lambda v: self.view.set_opacity(v / 100))
        self.model_box = QComboBox()
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)   # names never cut
        self.model_box.setToolTip("Whose relevance the overlay and the phone chart show")
        self.model_box.currentIndexChanged.connect(lambda _i: self.update())
        # each model's map under the plain spectrogram (side by side)
        self.side_container = QWidget()
        self.side_layout = QVBoxLayout(self.side_container)
        self.side_layout.setContentsMargins(0, 0, 0, 0)
        self.side_layout.setSpacing(0)
        self.side_container.hide()
        self.side_views: list[SpectrogramView] = []
        self.phone_chart = PhoneChart()
        self.phone_chart.phone_clicked.connect(lambda index: self.window.tiers.tier_view.select("phones", index))
        self.measure_box = QComboBox()
        for key, (_label, meaning) in MEASURES.items():
            self.measure_box.addItem(meaning[0].upper() + meaning[1:], key)
        self.measure_box.setToolTip("What the bars show")
        self.measure_box.currentIndexChanged.connect(lambda _i: self._update_phone_chart())
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(2, 0, 2, 0)
        chart_layout.setSpacing(0)
        top_row = QHBoxLayout()
        top_row.addWidget(self.measure_box)
        self.chart_key = QLabel("")       # which colour is which model
        top_row.addWidget(self.chart_key)
        top_row.addStretch(1)
        chart_layout.addLayout(top_row)
        chart_layout.addWidget(self.phone_chart, 1)
        self.phone_dock = QDockWidget("Per-phone relevance", window)
        self.phone_dock.setObjectName("phone_dock")
        self.phone_dock.setWidget(chart_box)
        s = self.session
        s.results_changed.connect(self._results_changed)
        s.models_changed.connect(self._results_changed)
        for signal in (s.recording_changed, s.spectrogram_changed, s.tiers_changed):
            signal.connect(self.update)

    def toolbar_items(self, tools) -> None:
        """The overlay's controls, in the window's toolbar."""
        tools.addAction(self.overlay_action)
        tools.addWidget(self.method_choice.method_box)
        tools.addWidget(self.method_choice.class_box)
        tools.addWidget(self.rendering_box)
        tools.addWidget(self.legend)
        tools.addWidget(QLabel(" Opacity "))
        tools.addWidget(self.opacity_slider)
        tools.addWidget(QLabel(" Model "))
        tools.addWidget(self.model_box)
        tools.addAction(self.side_by_side_action)

    def build_menu(self, view_menu) -> None:
        view_menu.addAction(self.overlay_action)
        self.method_choice.build_menu(view_menu)
        rendering_menu = view_menu.addMenu("Relevance rendering")
        for action in self.rendering_actions.values():
            rendering_menu.addAction(action)
        view_menu.addAction(self.side_by_side_action)
        scale_menu = view_menu.addMenu("Relevance scale")
        for action in self.scale_actions.values():
            scale_menu.addAction(action)
        axis_menu = view_menu.addMenu("Frequency axis")
        for action in self.axis_actions.values():
            axis_menu.addAction(action)

    # ------------------------------------------------------------------ settings
    def restore_settings(self) -> None:
        s = stored.app_settings()
        rendering = str(s.value("overlay/rendering", "study"))
        self.set_rendering(rendering if rendering in self.rendering_actions else "study")
        try:
            opacity = int(s.value("overlay/opacity", 75))
        except (TypeError, ValueError):
            opacity = 75
        self.opacity_slider.setValue(max(0, min(100, opacity)))
        self.view.set_opacity(self.opacity_slider.value() / 100)
        self.overlay_action.setChecked(str(s.value("overlay/shown", "true")) == "true")
        axis = str(s.value("view/frequency_axis", "linear"))
        self.set_frequency_axis(axis if axis in self.axis_actions else "linear")
        scale = str(s.value("overlay/scale", "recording"))
        self.set_scale(scale if scale in self.scale_actions else "recording")
        self.method_choice.restore_settings()

    def save_settings(self) -> None:
        s = stored.app_settings()
        s.setValue("overlay/rendering", self.rendering)
        s.setValue("overlay/opacity", self.opacity_slider.value())
        s.setValue("overlay/shown", "true" if self.overlay_action.isChecked() else "false")
        s.setValue("view/frequency_axis", self.frequency_axis)
        s.setValue("overlay/scale", self.scale)
        self.method_choice.save_settings()

    # ------------------------------------------------------------------ rendering
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
        self.legend.set_rendering(self.rendering)
        self.update()

    @property
    def scale(self) -> str:
        return next(key for key, action in self.scale_actions.items() if action.isChecked())

    def set_scale(self, scale: str) -> None:
        """View → Relevance scale: colours within this recording (the study's picture) or relative to
        a uniform map on a fixed scale, so two recordings or two models can be compared by colour."""
        self.scale_actions[scale].setChecked(True)
        self.legend.set_scale(scale)
        self.update()

    @property
    def frequency_axis(self) -> str:
        return self.view.frequency_axis

    def set_frequency_axis(self, axis: str) -> None:
        """View → Frequency axis: the spectrograms and their maps on linear Hz (Praat) or on the
        model's mel scale; a map's colours mean the same on both."""
        self.axis_actions[axis].setChecked(True)
        for view in self.window.spectrogram_views():
            view.set_frequency_axis(axis)
        self.update()

    def _results_changed(self) -> None:
        """The model box lists the models that ran on this recording."""
        box, current = self.model_box, self.model_box.currentData()
        box.blockSignals(True)
        box.clear()
        for path, entry in self.session.model_entries.items():
            if path in self.session.explanations:
                box.addItem(entry.name, path)
        index = box.findData(current)
        box.setCurrentIndex(index if index >= 0 else 0)
        box.blockSignals(False)
        self.update()

    def overlay_explanation(self):
        path = self.model_box.currentData()
        return self.session.explanations.get(path) if path else None

    def _overlay_toggled(self, on: bool) -> None:
        self._show_main_overlay()
        if on and self.overlay_explanation() is None:
            self.window.status(self.no_map_reason(), 10000)

    def no_map_reason(self) -> str:
        """Why there is no relevance map to show, and the step that gets one."""
        if not self.session.model_entries:
            return ("No relevance map: no model is installed yet (Models → Import…, Models → Train a model… or "
                    "Models → Download the AudioSet base model…).")
        if self.session.recording is None:
            return "The relevance overlay appears once a recording is open and a model has run on it."
        return "The relevance overlay appears once a model has run on this recording (Assess & explain, Ctrl+Enter)."

    def update(self) -> None:
        explanation = self.overlay_explanation()
        has_maps = bool(self.session.explanations)
        self.side_by_side_action.setEnabled(has_maps or self.side_by_side_action.isChecked())
        self.side_by_side_action.setToolTip("Each model's relevance map under the plain spectrogram (Ctrl+Shift+S)"
                                            if has_maps else self.no_map_reason())
        if explanation is None or self.session.spectrogram is None:
            self.view.set_overlay(None)
            self.view.set_caption("")
        else:
            self.view.set_overlay(self._rgba(explanation, self.view), explanation.frame_shift)
            self.view.set_caption(self._caption(explanation), self.rendering, self.scale)
        self._show_main_overlay()
        self._update_side_views()
        self._update_phone_chart()

    def _show_main_overlay(self) -> None:
        """The overlay on the main spectrogram when it is ticked, except side by side: there the plain
        spectrogram stays on top as the reference, each model's map below it."""
        self.view.show_overlay(self.overlay_action.isChecked() and not self.side_by_side_action.isChecked())

    def _caption(self, explanation, name: str | None = None) -> str:
        """'Relevance of <model> · Gradient-weighted rollout for healthy · P(pathological) 0.49' (the
        colour key follows it) on the spectrogram: the map says itself which method made it."""
        prediction, settings = explanation.prediction, explanation.settings or {}
        verdict = ""
        if prediction.gives_verdict and prediction.pathology_probability is not None:
            verdict = f" · P(pathological) {prediction.pathology_probability:.2f}"
        method = caption(settings.get("method", ROLLOUT), settings.get("target_class"))
        return f"Relevance of {name or self.model_box.currentText()} · {method}{verdict} ·"

    def _rgba(self, explanation, view: SpectrogramView):
        return relevance_rgba(explanation.log_mel_power, explanation.frame_relevance, self.rendering,
                              axis=view.frequency_axis, max_hz=view.max_hz, scale=self.scale)

    # ------------------------------------------------------------------ side by side
    def _side_by_side_toggled(self, on: bool) -> None:
        self.side_container.setVisible(on)
        self.update()

    def _update_side_views(self) -> None:
        s = self.session
        wanted = [(path, entry) for path, entry in s.model_entries.items() if path in s.explanations]
        if not self.side_by_side_action.isChecked():
            wanted = []
        while len(self.side_views) > len(wanted):
            view = self.side_views.pop()
            self.side_layout.removeWidget(view)
            view.deleteLater()
        while len(self.side_views) < len(wanted):
            view = SpectrogramView(self.window.view_range, show_time_axis=False, y_label="Hz")
            view.set_frequency_axis(self.frequency_axis)
            view.hovered.connect(self.window.navigation.hovered)
            self.side_layout.addWidget(view)
            self.side_views.append(view)
        for view, (path, entry) in zip(self.side_views, wanted):
            explanation = s.explanations[path]
            view.set_spectrogram(s.spectrogram, s.recording.duration if s.recording else 0.0)
            view.set_overlay(self._rgba(explanation, view), explanation.frame_shift)
            view.set_opacity(1.0)
            view.show_overlay(True)
            view.set_caption(self._caption(explanation, entry.name), self.rendering, self.scale)
            view.follow_view_range()
        if self.side_by_side_action.isChecked() and not wanted:
            self.window.status("Side by side shows each model's map once the models have run. "
                               + self.no_map_reason(), 8000)

    # ------------------------------------------------------------------ per-phone relevance
    def _update_phone_chart(self) -> None:
        """Every model that ran, side by side on the same phones (the overlay's model first)."""
        s, alignment = self.session, self.session.alignment
        ran = [(path, entry) for path, entry in s.model_entries.items() if path in s.explanations]
        first = self.model_box.currentData()
        ran.sort(key=lambda item: item[0] != first)
        names = ", ".join(entry.name for _, entry in ran)
        self.phone_dock.setWindowTitle(f"Per-phone relevance — {names}" if ran else "Per-phone relevance")
        measure = self.measure_box.currentData()
        if not ran or alignment is None:
            if ran:
                why = "Open a TextGrid or align the recording (Tiers menu) to see relevance per phone."
            elif not s.model_entries:
                why = "Per-phone relevance needs a model: none is installed yet (Models → Import…)."
            else:
                why = "Per-phone relevance appears here once a model has run."
            self.phone_chart.set_series([], [], measure, empty_message=why)
            return
        series = [(entry.name if len(ran) > 1 else "", phone_rows(s.explanations[path], alignment))
                  for path, entry in ran]
        rows = series[0][1]
        indices = [i for i, p in enumerate(alignment.phones) if not p.is_silence]
        explanation = s.explanations[ran[0][0]]
        assessed = explanation.frame_relevance.shape[0] * explanation.frame_shift
        why = "" if rows else (f"No phone lies in the part of the recording the model assessed (the first "
                               f"{assessed:.2f} s), so there is no relevance per phone.")
        self.phone_chart.set_series(series, indices[:len(rows)], measure, doubt(alignment), why)
        self.chart_key.setText(self.phone_chart.key_html())

    def interval_clicked(self, tier: str, index: int) -> None:
        self.phone_chart.highlight_tier_index(index if tier == "phones" else None)
