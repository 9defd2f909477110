"""The waveform: amplitude over time, drawn with pyqtgraph's peak downsampling so long
recordings stay fast."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from voice_desk.ui.widgets.time_plot import TimePlot
from voice_desk.ui.widgets.view_range import ViewRange


class WaveformView(TimePlot):
    def __init__(self, view_range: ViewRange, parent=None):
        super().__init__(view_range, parent, y_label="Amplitude", show_time_axis=False)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(30, 30, 30, width=1))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.addItem(self.curve)
        self.box.setYRange(-1.0, 1.0, padding=0.0)          # full scale until a recording is shown
        self.setMinimumHeight(70)

    def set_samples(self, samples: np.ndarray | None, rate: int = 16000) -> None:
        if samples is None or samples.size == 0:
            self.curve.setData([], [])
            return
        t = np.arange(samples.size, dtype=np.float64) / rate
        self.curve.setData(t, samples)
        peak = float(np.max(np.abs(samples))) or 1.0
        self.box.setYRange(-peak * 1.05, peak * 1.05, padding=0.0)
        self.box.setLimits(xMin=0.0, xMax=samples.size / rate)
