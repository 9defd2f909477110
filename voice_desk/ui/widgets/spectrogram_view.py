"""The spectrogram (Praat-like grey: black is loud) with an optional relevance overlay."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from voice_desk.audio.spectrogram import Spectrogram
from voice_desk.ui.widgets.time_plot import TimePlot
from voice_desk.ui.widgets.view_range import ViewRange

#: Praat's picture: white where quiet, black where loud.
GREY_LUT = np.repeat(np.linspace(255, 0, 256).astype(np.uint8)[:, None], 3, axis=1)


class SpectrogramView(TimePlot):
    def __init__(self, view_range: ViewRange, parent=None, show_time_axis=True, title: str | None = None,
                 y_label: str = "Frequency (Hz)"):
        super().__init__(view_range, parent, y_label=y_label, show_time_axis=show_time_axis)
        self.image = pg.ImageItem()
        self.image.setLookupTable(GREY_LUT)
        self.addItem(self.image)
        self.overlay = pg.ImageItem()
        self.overlay.setZValue(10)
        self.overlay.hide()
        self.addItem(self.overlay)
        self.spectrogram: Spectrogram | None = None
        self._overlay_wanted = False
        self._overlay_ready = False
        if title:
            self.plotItem.setTitle(title, size="9pt", color="#333")
        self.setMinimumHeight(120)
        self.placeholder = pg.TextItem("", color=(110, 110, 110), anchor=(0.5, 0.5))
        self.addItem(self.placeholder, ignoreBounds=True)
        self.box.setYRange(0.0, self.max_hz, padding=0.0)     # an empty view still reads 0..5000 Hz
        # whose relevance is shown and its colour key, in the picture itself (an exported PNG says it too)
        from voice_desk.ui.widgets.relevance_legend import RelevanceLegend

        self.caption = QWidget(self)
        self.caption.setObjectName("caption")
        self.caption.setStyleSheet("#caption { background: rgba(255, 255, 255, 215); }")
        row = QHBoxLayout(self.caption)
        row.setContentsMargins(4, 1, 2, 1)
        row.setSpacing(2)
        self.caption_text = QLabel()
        self.caption_text.setStyleSheet("color: #222;")
        self.caption_key = RelevanceLegend()
        row.addWidget(self.caption_text)
        row.addWidget(self.caption_key)
        self.caption.hide()

    def set_caption(self, text: str, rendering: str = "study") -> None:
        """``text`` (whose relevance) and the colour key of ``rendering`` at the top right."""
        self.caption_text.setText(text)
        if rendering != self.caption_key.rendering:
            self.caption_key.set_rendering(rendering)
        self.caption.adjustSize()
        self._place_caption()
        self._show_or_hide()

    def caption_shown_text(self) -> str:
        return self.caption_text.text() if self.caption.isVisibleTo(self) else ""

    def _place_caption(self) -> None:
        if "caption" not in self.__dict__:
            return                     # pyqtgraph resizes before __init__ has finished
        self.caption.move(max(0, self.width() - self.caption.width() - 4), 2)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._place_caption()

    def set_placeholder(self, text: str) -> None:
        """A line shown in the middle of the empty view (before any recording is open)."""
        self.placeholder.setText(text)
        self.placeholder.setPos(0.5, self.max_hz / 2)
        self.placeholder.setVisible(self.spectrogram is None and bool(text))

    def set_spectrogram(self, spec: Spectrogram | None, duration: float = 0.0) -> None:
        self.spectrogram = spec
        self.placeholder.setVisible(spec is None and bool(self.placeholder.toPlainText()))
        if spec is None:
            self.image.clear()
            return
        self.image.setImage(spec.grey(), levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(QRectF(spec.t0 - spec.time_step / 2, 0.0, spec.db.shape[0] * spec.time_step, spec.max_hz))
        self.box.setYRange(0.0, spec.max_hz, padding=0.0)
        self.box.setLimits(xMin=0.0, xMax=max(duration, spec.db.shape[0] * spec.time_step), yMin=0.0, yMax=spec.max_hz)

    @property
    def max_hz(self) -> float:
        return self.spectrogram.max_hz if self.spectrogram is not None else 5000.0

    def set_overlay(self, rgba: np.ndarray | None, frame_shift: float = 0.01) -> None:
        """``rgba``: (frames, rows, 4) uint8 covering 0..max_hz; frame i centred at i*shift + 12.5 ms."""
        if rgba is None:
            self.overlay.clear()
            self._overlay_ready = False
        else:
            self.overlay.setImage(rgba, autoLevels=False, levels=(0, 255))
            x0 = 0.0125 - frame_shift / 2
            self.overlay.setRect(QRectF(x0, 0.0, rgba.shape[0] * frame_shift, self.max_hz))
            self._overlay_ready = True
        self._show_or_hide()

    def show_overlay(self, visible: bool) -> None:
        self._overlay_wanted = bool(visible)
        self._show_or_hide()

    def _show_or_hide(self) -> None:
        shown = self._overlay_wanted and self._overlay_ready
        self.overlay.setVisible(shown)
        self.caption.setVisible(shown and bool(self.caption_text.text()))

    @property
    def overlay_shown(self) -> bool:
        return self.overlay.isVisible()

    def set_opacity(self, opacity: float) -> None:
        self.overlay.setOpacity(float(opacity))
