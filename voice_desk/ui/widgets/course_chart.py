"""The course over time: each model's P(pathological) per session, and one voice measure per
session with its normal range as a band (a range, not a diagnosis)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from voice_desk.record import COURSE_MEASURES

COLOURS = [(90, 120, 200), (200, 120, 60), (90, 160, 90), (150, 90, 170)]


class CourseChart(QWidget):
    """``set_course(points, ranges)``: :class:`voice_desk.record.CoursePoint` objects (``date``,
    ``probabilities``: model -> P, ``measures``: key -> value)."""

    measure_changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.p_plot = pg.PlotWidget(background="w")
        self.p_plot.setLabel("left", "P(pathological)")
        self.p_plot.setYRange(0, 1, padding=0.05)
        self.p_plot.addLegend(offset=(4, 4))
        self.measure_box = QComboBox()
        for key, (label, unit, _task) in COURSE_MEASURES.items():
            self.measure_box.addItem(f"{label}" + (f" ({unit})" if unit else ""), key)
        self.measure_box.currentIndexChanged.connect(lambda _i: self._draw_measure())
        self.m_plot = pg.PlotWidget(background="w")
        for plot in (self.p_plot, self.m_plot):
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setMinimumHeight(110)
        row = QHBoxLayout()
        row.addWidget(QLabel("Measure:"))
        row.addWidget(self.measure_box)
        row.addStretch(1)
        layout.addWidget(self.p_plot, 1)
        layout.addLayout(row)
        layout.addWidget(self.m_plot, 1)
        self.points: list = []
        self.ranges: dict = {}
        self.p_curves: dict[str, pg.PlotDataItem] = {}

    def set_course(self, points: list, ranges: dict | None = None) -> None:
        """``ranges``: measure key -> (low, high) of its normal range, when it has one."""
        self.points, self.ranges = list(points), dict(ranges or {})
        self.p_plot.clear()
        self.p_curves = {}
        ticks = [[(i, p.date) for i, p in enumerate(self.points)]]
        for plot in (self.p_plot, self.m_plot):
            plot.getAxis("bottom").setTicks(ticks)
        models = sorted({m for p in self.points for m in p.probabilities})
        for k, model in enumerate(models):
            xs = [i for i, p in enumerate(self.points) if p.probabilities.get(model) is not None]
            ys = [self.points[i].probabilities[model] for i in xs]
            colour = COLOURS[k % len(COLOURS)]
            self.p_curves[model] = self.p_plot.plot(xs, ys, pen=pg.mkPen(colour, width=2), symbol="o",
                                                    symbolBrush=colour, symbolSize=7, name=model)
        self.p_plot.setXRange(-0.5, max(len(self.points) - 0.5, 0.5), padding=0)
        self._draw_measure()

    def _draw_measure(self) -> None:
        key = self.measure_box.currentData()
        self.m_plot.clear()
        label, unit, _task = COURSE_MEASURES[key]
        self.m_plot.setLabel("left", label + (f" ({unit})" if unit else ""))
        xs = [i for i, p in enumerate(self.points) if p.measures.get(key) is not None]
        ys = [self.points[i].measures[key] for i in xs]
        self.measure_curve = self.m_plot.plot(xs, ys, pen=pg.mkPen((60, 60, 60), width=2), symbol="s",
                                              symbolBrush=(60, 60, 60), symbolSize=7)
        self.m_plot.setXRange(-0.5, max(len(self.points) - 0.5, 0.5), padding=0)
        if not ys:
            self.m_plot.setTitle("no value yet", size="8pt", color="#777")
            self.measure_changed.emit(key)
            return
        self.m_plot.setTitle("")
        lo, hi = min(ys), max(ys)
        if key in self.ranges:           # the normal range as a band; an open side ends beyond the data
            low, high = self.ranges[key]
            margin = 0.3 * (hi - lo) + 1.0
            band = pg.LinearRegionItem(values=(low if low is not None else lo - margin,
                                               high if high is not None else hi + margin),
                                       orientation="horizontal", movable=False, brush=pg.mkBrush(120, 180, 120, 40),
                                       pen=pg.mkPen(None))
            band.setZValue(-10)
            self.m_plot.addItem(band)
            lo, hi = min([lo, *(v for v in (low,) if v is not None)]), max([hi, *(v for v in (high,) if v is not None)])
        self.m_plot.setYRange(lo - 0.2 * (hi - lo + 1), hi + 0.2 * (hi - lo + 1), padding=0)
        self.measure_changed.emit(key)
