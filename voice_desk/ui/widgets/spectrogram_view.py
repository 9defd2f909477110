"""The spectrogram (Praat-like grey: black is loud) with an optional relevance overlay.

Two frequency axes (:meth:`SpectrogramView.set_frequency_axis`):

* ``"linear"`` (default): Praat's picture, y in Hz from 0 to the spectrogram's ``max_hz``.
* ``"mel"``: the model's view, y on the mel scale (``hz_to_mel``) from the bottom of the lowest
  mel row up to 8000 Hz, labelled in Hz at 100, 250, ... 8000 like ``explain --png``. The overlay
  is then the model's own mel rows; the spectrogram under it is the same linear picture with its
  rows re-mapped to mel rows (each mel row shows the linear row at its frequency, so nothing is
  recomputed and a formant sits at the same Hz in both modes). Above the spectrogram's
  ``max_hz`` (5000 Hz by default) the picture is empty: raise it in the spectrogram settings to
  see up to 8000 Hz.

Coordinates inside the plot are seconds and, on the mel axis, mel; ``hovered(t, hz)`` always
reports Hz.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from voice_desk.audio.spectrogram import Spectrogram
from voice_desk.model.relevance_image import (FREQUENCY_AXES, MEL_TICKS_HZ, frame_extent, hz_to_mel,
                                              mel_axis_range, mel_rows_extent, mel_to_hz)
from voice_desk.ui.widgets.time_plot import TOP_MARGIN, TimePlot
from voice_desk.ui.widgets.view_range import ViewRange

#: Praat's picture: white where quiet, black where loud.
GREY_LUT = np.repeat(np.linspace(255, 0, 256).astype(np.uint8)[:, None], 3, axis=1)
#: Rows of the spectrogram re-mapped to the mel axis (fine enough at both ends of the scale).
MEL_VIEW_ROWS = 512


def grey_on_mel_rows(grey: np.ndarray, freq_step: float, bottom: float, top: float,
                     rows: int = MEL_VIEW_ROWS) -> np.ndarray:
    """(frames, bins) linear-Hz picture (bin j drawn from j to j+1 times ``freq_step``) ->
    (frames, rows) rows evenly spaced on the mel scale from ``bottom`` to ``top`` (mel), each
    the linear bin under its centre frequency."""
    centres = bottom + (np.arange(rows) + 0.5) * (top - bottom) / rows
    bins = np.clip(np.floor(mel_to_hz(centres) / freq_step), 0, grey.shape[1] - 1).astype(int)
    return grey[:, bins]


class SpectrogramView(TimePlot):
    #: the frequency axis now shown ("linear" or "mel"); an overlay made for the other is dropped
    frequency_axis_changed = Signal(str)

    def __init__(self, view_range: ViewRange, parent=None, show_time_axis=True, title: str | None = None,
                 y_label: str = "Frequency (Hz)"):
        super().__init__(view_range, parent, y_label=y_label, show_time_axis=show_time_axis)
        self.frequency_axis = "linear"
        self._y_label = y_label
        self._duration = 0.0
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
        self.box.setYRange(*self._y_range(), padding=0.0)     # an empty view still reads 0..5000 Hz
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

    def set_caption(self, text: str, rendering: str = "study", scale: str = "recording") -> None:
        """``text`` (whose relevance) and the colour key of ``rendering`` on ``scale`` at the top right."""
        self.caption_text.setText(text)
        if rendering != self.caption_key.rendering:
            self.caption_key.set_rendering(rendering)
        if scale != self.caption_key.scale:
            self.caption_key.set_scale(scale)
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
        self.placeholder.setPos(0.5, sum(self._y_range()) / 2)
        self.placeholder.setVisible(self.spectrogram is None and bool(text))

    def set_spectrogram(self, spec: Spectrogram | None, duration: float = 0.0) -> None:
        self.spectrogram = spec
        self._duration = duration
        self.placeholder.setVisible(spec is None and bool(self.placeholder.toPlainText()))
        if spec is None:
            self.image.clear()
            return
        x0, width = spec.t0 - spec.time_step / 2, spec.db.shape[0] * spec.time_step
        if self.frequency_axis == "mel":
            bottom, top = self._y_range()
            top_hz = min(spec.max_hz, float(mel_to_hz(top)))
            rows_top = max(bottom + 1.0, float(hz_to_mel(top_hz)))
            grey = grey_on_mel_rows(spec.grey(), spec.freq_step, bottom, rows_top)
            self.image.setImage(grey, levels=(0.0, 1.0), autoLevels=False)
            self.image.setRect(QRectF(x0, bottom, width, rows_top - bottom))
        else:
            self.image.setImage(spec.grey(), levels=(0.0, 1.0), autoLevels=False)
            self.image.setRect(QRectF(x0, 0.0, width, spec.max_hz))
        y0, y1 = self._y_range()
        # limits first: a range beyond the old limits (a higher maximum frequency) would be clamped
        self.box.setLimits(xMin=0.0, xMax=max(duration, width), yMin=y0, yMax=y1)
        self.box.setYRange(y0, y1, padding=0.0)

    @property
    def max_hz(self) -> float:
        """The spectrogram's top frequency in Hz (what a linear overlay must cover), on either axis."""
        return self.spectrogram.max_hz if self.spectrogram is not None else 5000.0

    def set_frequency_axis(self, axis: str) -> None:
        """Show frequency on a ``"linear"`` (Praat) or ``"mel"`` (the model's) axis.

        An overlay drawn for the other axis would no longer line up, so it is dropped:
        make a new one with ``relevance_rgba(..., axis=view.frequency_axis, max_hz=view.max_hz)``
        (``frequency_axis_changed`` says when)."""
        if axis not in FREQUENCY_AXES:
            raise ValueError(f"unknown frequency axis {axis!r}; choose one of {FREQUENCY_AXES}")
        if axis == self.frequency_axis:
            return
        self.frequency_axis = axis
        left = self.plotItem.getAxis("left")
        if axis == "mel":
            left.setTicks([[(float(hz_to_mel(hz)), f"{hz:g}") for hz in MEL_TICKS_HZ], []])
            self.plotItem.setLabel("left", "Hz (mel scale)")   # short: the linear label does not fit with ", mel scale"
        else:
            left.setTicks(None)
            self.plotItem.setLabel("left", self._y_label)
        self.box.setLimits(yMin=None, yMax=None)
        self.box.setYRange(*self._y_range(), padding=0.0)
        self.set_spectrogram(self.spectrogram, self._duration)
        self.set_placeholder(self.placeholder.toPlainText())
        self.set_overlay(None)
        self.frequency_axis_changed.emit(axis)

    def _y_range(self) -> tuple[float, float]:
        """The plot's y range in its own coordinates (Hz on the linear axis, mel on the mel axis)."""
        return mel_axis_range() if self.frequency_axis == "mel" else (0.0, self.max_hz)

    def hz_at(self, y: float) -> float:
        """Frequency in Hz at plot coordinate ``y``."""
        return float(mel_to_hz(y)) if self.frequency_axis == "mel" else float(y)

    def y_at(self, hz: float) -> float:
        """Plot coordinate of frequency ``hz``."""
        return float(hz_to_mel(hz)) if self.frequency_axis == "mel" else float(hz)

    def _mouse_moved(self, pos) -> None:
        if self.box.sceneBoundingRect().contains(pos):
            p = self.box.mapSceneToView(pos)
            self.hovered.emit(p.x(), self.hz_at(p.y()))

    def set_overlay(self, rgba: np.ndarray | None, frame_shift: float = 0.01) -> None:
        """``rgba``: (frames, rows, 4) uint8 from ``relevance_rgba`` on this view's axis: linear rows
        covering 0..max_hz, or one row per mel bin; frame i centred at i*shift + 12.5 ms."""
        if rgba is None:
            self.overlay.clear()
            self._overlay_ready = False
        else:
            self.overlay.setImage(rgba, autoLevels=False, levels=(0, 255))
            x0, x1 = frame_extent(rgba.shape[0], frame_shift)
            y0, y1 = mel_rows_extent(rgba.shape[1]) if self.frequency_axis == "mel" else (0.0, self.max_hz)
            self.overlay.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            self._overlay_ready = True
        self._show_or_hide()

    def show_overlay(self, visible: bool) -> None:
        self._overlay_wanted = bool(visible)
        self._show_or_hide()

    def _show_or_hide(self) -> None:
        shown = self._overlay_wanted and self._overlay_ready
        self.overlay.setVisible(shown)
        captioned = shown and bool(self.caption_text.text())
        self.caption.setVisible(captioned)
        # the caption gets its own row above the data instead of covering the top of the map
        self.set_top_margin(self.caption.sizeHint().height() + 2 if captioned else TOP_MARGIN)

    @property
    def overlay_shown(self) -> bool:
        return self.overlay.isVisible()

    def set_opacity(self, opacity: float) -> None:
        self.overlay.setOpacity(float(opacity))
