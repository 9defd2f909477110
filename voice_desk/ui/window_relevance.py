"""The relevance overlay, the side-by-side maps and the per-phone chart (part of
:class:`voice_desk.ui.main_window.MainWindow`)."""

from __future__ import annotations

from voice_desk.ui.relevance_render import relevance_rgba
from voice_desk.ui.widgets.spectrogram_view import SpectrogramView


class RelevanceMixin:
    """Overlay, renderings, side-by-side views and the per-phone chart."""

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
        self.relevance_legend.set_rendering(self.rendering)
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
        self._show_main_overlay()
        if on and self.overlay_explanation() is None:
            self.statusBar().showMessage(self._no_map_reason(), 10000)

    def _no_map_reason(self) -> str:
        """Why there is no relevance map to show, and the step that gets one."""
        if not self.model_entries:
            return ("No relevance map: no model is installed yet (Models → Import…, Models → Train a model… or "
                    "Models → Download the AudioSet base model…).")
        if self.recording is None:
            return "The relevance overlay appears once a recording is open and a model has run on it."
        return "The relevance overlay appears once a model has run on this recording (Assess & explain, Ctrl+Enter)."

    def _update_relevance(self) -> None:
        explanation = self.overlay_explanation()
        if explanation is None or self.spectrogram is None:
            self.spectrogram_view.set_overlay(None)
            self.spectrogram_view.set_caption("")
        else:
            self.spectrogram_view.set_overlay(self._rgba(explanation), explanation.frame_shift)
            self.spectrogram_view.set_caption(self._caption(explanation), self.rendering)
        self._show_main_overlay()
        self._update_side_views()
        self._update_phone_chart()

    def _show_main_overlay(self) -> None:
        """The overlay on the main spectrogram when it is ticked, except side by side: there the plain
        spectrogram stays on top as the reference, each model's map below it."""
        self.spectrogram_view.show_overlay(self.overlay_action.isChecked() and not self.side_by_side_action.isChecked())

    def _caption(self, explanation, name: str | None = None) -> str:
        """'Relevance of <model> · P(pathological) 0.49' (the colour key follows it) on the spectrogram."""
        prediction = explanation.prediction
        verdict = ""
        if prediction.gives_verdict and prediction.pathology_probability is not None:
            verdict = f" · P(pathological) {prediction.pathology_probability:.2f}"
        return f"Relevance of {name or self.overlay_model_box.currentText()}{verdict} ·"

    def _rgba(self, explanation):
        return relevance_rgba(explanation.log_mel_power, explanation.frame_relevance,
                              self.spectrogram_view.max_hz, self.rendering)

    def _side_by_side_toggled(self, on: bool) -> None:
        self.side_container.setVisible(on)
        self._update_relevance()

    def _update_side_views(self) -> None:
        wanted = [(path, entry) for path, entry in self.model_entries.items() if path in self.explanations]
        if not self.side_by_side_action.isChecked():
            wanted = []
        while len(self.side_views) > len(wanted):
            view = self.side_views.pop()
            self.side_layout.removeWidget(view)
            view.deleteLater()
        while len(self.side_views) < len(wanted):
            view = SpectrogramView(self.view_range, show_time_axis=False, y_label="Hz")
            view.hovered.connect(self._hovered)
            self.side_layout.addWidget(view)
            self.side_views.append(view)
        for view, (path, entry) in zip(self.side_views, wanted):
            explanation = self.explanations[path]
            view.set_spectrogram(self.spectrogram, self.recording.duration if self.recording else 0.0)
            view.set_overlay(self._rgba(explanation), explanation.frame_shift)
            view.set_opacity(1.0)
            view.show_overlay(True)
            view.set_caption(self._caption(explanation, entry.name), self.rendering)
            view._follow_visible(self.view_range.start, self.view_range.end)
            view._follow_selection(self.view_range.selection)
        if self.side_by_side_action.isChecked() and not wanted:
            self.statusBar().showMessage("Side by side shows each model's map once the models have run. "
                                         + self._no_map_reason(), 8000)

    def _update_phone_chart(self) -> None:
        from voice_desk.analysis.phone_relevance import phone_relevance

        explanation = self.overlay_explanation()
        name = self.overlay_model_box.currentText()
        self.phone_dock.setWindowTitle(f"Per-phone relevance — {name}" if explanation is not None
                                       else "Per-phone relevance")
        if explanation is None or self.alignment is None:
            if explanation is not None:
                why = "Open a TextGrid or align the recording (Tiers menu) to see relevance per phone."
            elif not self.model_entries:
                why = "Per-phone relevance needs a model: none is installed yet (Models → Import…)."
            else:
                why = "Per-phone relevance appears here once a model has run."
            self.phone_chart.set_rows([], [], why)
            return
        phones = self.alignment.phones
        rows = phone_relevance(explanation.frame_relevance, explanation.frame_shift, phones)
        indices = [i for i, p in enumerate(phones) if not p.is_silence]
        assessed = explanation.frame_relevance.shape[0] * explanation.frame_shift
        why = "" if rows else (f"No phone lies in the part of the recording the model assessed (the first "
                               f"{assessed:.2f} s), so there is no relevance per phone.")
        self.phone_chart.set_rows(rows, indices[:len(rows)], why)

    def phone_rows(self, path: str):
        from voice_desk.analysis.phone_relevance import phone_relevance

        if self.alignment is None or path not in self.explanations:
            return []
        e = self.explanations[path]
        return phone_relevance(e.frame_relevance, e.frame_shift, self.alignment.phones)

    def _interval_clicked(self, tier: str, index: int) -> None:
        self.phone_chart.highlight_tier_index(index if tier == "phones" else None)
