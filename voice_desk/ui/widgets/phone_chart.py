"""Per-phone relevance as a small bar chart, one bar per model for each phone, linked to the
phones tier: clicking a phone's bars selects that phone, selecting a phone in the tier
highlights its bars.

Two measures (:data:`MEASURES`): relevance relative to the recording's mean (1.0 = average,
independent of the phone's length: the default) and the phone's share of the recording's
relevance (which mostly follows its length). Tiers from a doubtful alignment are drawn pale,
with the reason, instead of as if they were sound.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from voice_desk.analysis.phone_relevance import PhoneRelevance

#: key -> (axis label, what a bar is)
MEASURES = {"relative": ("× recording mean", "mean relevance relative to the recording's mean (1.0 = average)"),
            "share": ("Share", "the phone's share of the recording's relevance (follows its length)")}
COLOURS = [(90, 120, 200), (200, 120, 60), (90, 160, 90), (150, 90, 170)]
SELECTED = (240, 160, 0)
PALE = 70          # alpha of bars over a doubtful alignment


def _value(row: PhoneRelevance, measure: str) -> float:
    return row.relative if measure == "relative" else row.share


class PhoneChart(pg.PlotWidget):
    phone_clicked = Signal(int)     # index into the phones tier

    def __init__(self, parent=None):
        super().__init__(parent=parent, background="w")
        self.plotItem.hideButtons()
        self.plotItem.setMenuEnabled(False)
        self.plotItem.setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):
            self.plotItem.getAxis(name).enableAutoSIPrefix(False)
            self.plotItem.getAxis(name).setTextPen(pg.mkPen(40, 40, 40))
        self.plotItem.getAxis("bottom").setHeight(28)
        left, _top, right, bottom = self.plotItem.layout.getContentsMargins()
        self.plotItem.layout.setContentsMargins(left, 8, right, bottom)    # the top tick label is not cut off
        self.rows: list[PhoneRelevance] = []            # the first model's rows
        self.series: list[tuple[str, list[PhoneRelevance]]] = []
        self.tier_indices: list[int] = []
        self.measure = "relative"
        self.doubtful = ""
        self.selected: int | None = None
        self.bars: list[pg.BarGraphItem] = []
        self.average = pg.InfiniteLine(pos=1.0, angle=0, pen=pg.mkPen((120, 120, 120), style=Qt.PenStyle.DashLine))
        self.empty_text = pg.TextItem("", color=(90, 90, 90), anchor=(0.5, 0.5))
        self.note = pg.TextItem("", color=(138, 90, 0), anchor=(0, 0))
        self.addItem(self.empty_text)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.setMinimumHeight(90)
        self.set_series([], [], empty_message="Per-phone relevance appears here once a model has run on a recording "
                                              "with phone tiers.")

    def set_rows(self, rows: list[PhoneRelevance], tier_indices: list[int], empty_message: str = "") -> None:
        """One model's rows (see :meth:`set_series`)."""
        self.set_series([("", rows)] if rows else [], tier_indices, empty_message=empty_message)

    def set_series(self, series: list[tuple[str, list[PhoneRelevance]]], tier_indices: list[int],
                   measure: str | None = None, doubtful: str = "", empty_message: str = "") -> None:
        """``series``: (model name, rows) with the same phones in the same order; ``doubtful``: why
        the alignment under them may be wrong ('' when it is sound)."""
        self.measure = measure or self.measure
        self.series = [(name, rows) for name, rows in series if rows]
        self.rows = self.series[0][1] if self.series else []
        self.tier_indices, self.doubtful, self.selected = tier_indices, doubtful, None
        for item in [*self.bars, self.average, self.note]:
            self.removeItem(item)
        self.bars = []
        axis = self.plotItem.getAxis("bottom")
        for name in ("left", "bottom"):        # no empty 0..1 axes around the message
            self.plotItem.showAxis(name, bool(self.rows))
        if not self.rows:
            axis.setTicks([[]])
            self.empty_text.setText(empty_message)
            self.empty_text.setPos(0.5, 0.5)
            self.empty_text.show()
            self.plotItem.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            return
        self.empty_text.hide()
        label, meaning = MEASURES[self.measure]
        self.plotItem.setLabel("left", label)
        self.setToolTip(f"Bars: {meaning}." + (f"\nDoubtful: {doubtful}" if doubtful else ""))
        width = 0.8 / len(self.series)
        for k, (name, rows) in enumerate(self.series):
            x = [i - 0.4 + width * (k + 0.5) for i in range(len(rows))]
            bars = pg.BarGraphItem(x=x, height=[_value(r, self.measure) for r in rows], width=width * 0.92,
                                   brushes=self._brushes(k), pen=pg.mkPen(None))
            self.addItem(bars)
            self.bars.append(bars)
        axis.setTicks([[(i, r.phone) for i, r in enumerate(self.rows)]])
        top = max(_value(r, self.measure) for _, rows in self.series for r in rows) or 1.0
        if self.measure == "relative":
            self.addItem(self.average)      # 1.0: the recording's average
            top = max(top, 1.0)
        self.plotItem.setRange(xRange=(-0.6, len(self.rows) - 0.4), yRange=(0, top * 1.15), padding=0)
        if doubtful:
            self.note.setText(f"Doubtful alignment: {doubtful}")
            self.note.setPos(-0.55, top * 1.14)
            self.addItem(self.note)

    def key_html(self) -> str:
        """Which colour is which model ('' for one model), for a label beside the chart."""
        if len(self.series) < 2:
            return ""
        return " ".join(f"<span style='color:rgb{COLOURS[k % len(COLOURS)]}'>■</span> {name}"
                        for k, (name, _rows) in enumerate(self.series))

    def _brushes(self, series: int) -> list:
        colour = COLOURS[series % len(COLOURS)]
        alpha = PALE if self.doubtful else 255
        return [pg.mkBrush(*(SELECTED if i == self.selected else colour), alpha) for i in range(len(self.rows))]

    def highlight_tier_index(self, tier_index: int | None) -> None:
        self.selected = self.tier_indices.index(tier_index) if tier_index in self.tier_indices else None
        for k, bars in enumerate(self.bars):
            bars.setOpts(brushes=self._brushes(k))

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or not self.rows:
            return
        point = self.plotItem.vb.mapSceneToView(ev.scenePos())
        index = int(round(point.x()))
        if 0 <= index < len(self.rows) and point.y() >= 0:
            self.click_bar(index)

    def click_bar(self, index: int) -> None:
        self.phone_clicked.emit(self.tier_indices[index])
