"""Per-phone relevance as a small bar chart, linked to the phones tier: clicking a bar
selects that phone, selecting a phone in the tier highlights its bar."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from voice_desk.analysis.phone_relevance import PhoneRelevance

BAR = pg.mkBrush(90, 120, 200)
BAR_SELECTED = pg.mkBrush(240, 160, 0)


class PhoneChart(pg.PlotWidget):
    phone_clicked = Signal(int)     # index into the phones tier

    def __init__(self, parent=None):
        super().__init__(parent=parent, background="w")
        self.plotItem.hideButtons()
        self.plotItem.setMenuEnabled(False)
        self.plotItem.setMouseEnabled(x=False, y=False)
        self.plotItem.setLabel("left", "Share")
        for name in ("left", "bottom"):
            self.plotItem.getAxis(name).enableAutoSIPrefix(False)
            self.plotItem.getAxis(name).setTextPen(pg.mkPen(40, 40, 40))
        self.plotItem.getAxis("bottom").setHeight(28)
        self.rows: list[PhoneRelevance] = []
        self.tier_indices: list[int] = []
        self.selected: int | None = None
        self.bars: pg.BarGraphItem | None = None
        self.empty_text = pg.TextItem("", color=(90, 90, 90), anchor=(0.5, 0.5))
        self.addItem(self.empty_text)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.setMinimumHeight(90)
        self.set_rows([], [], "Per-phone relevance appears here once a model has run on a recording with phone tiers.")

    def set_rows(self, rows: list[PhoneRelevance], tier_indices: list[int], empty_message: str = "") -> None:
        self.rows, self.tier_indices, self.selected = rows, tier_indices, None
        if self.bars is not None:
            self.removeItem(self.bars)
            self.bars = None
        axis = self.plotItem.getAxis("bottom")
        for name in ("left", "bottom"):        # no empty 0..1 axes around the message
            self.plotItem.showAxis(name, bool(rows))
        if not rows:
            axis.setTicks([[]])
            self.empty_text.setText(empty_message)
            self.empty_text.setPos(0.5, 0.5)
            self.empty_text.show()
            self.plotItem.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            return
        self.empty_text.hide()
        self.bars = pg.BarGraphItem(x=list(range(len(rows))), height=[r.share for r in rows], width=0.8,
                                    brushes=[BAR] * len(rows), pen=pg.mkPen(None))
        self.addItem(self.bars)
        axis.setTicks([[(i, r.phone) for i, r in enumerate(rows)]])
        top = max(r.share for r in rows) or 1.0
        self.plotItem.setRange(xRange=(-0.6, len(rows) - 0.4), yRange=(0, top * 1.1), padding=0)

    def highlight_tier_index(self, tier_index: int | None) -> None:
        self.selected = self.tier_indices.index(tier_index) if tier_index in self.tier_indices else None
        if self.bars is not None:
            self.bars.setOpts(brushes=[BAR_SELECTED if i == self.selected else BAR for i in range(len(self.rows))])

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or not self.rows:
            return
        point = self.plotItem.vb.mapSceneToView(ev.scenePos())
        index = int(round(point.x()))
        if 0 <= index < len(self.rows) and 0 <= point.y() <= max(r.share for r in self.rows) * 1.1:
            self.click_bar(index)

    def click_bar(self, index: int) -> None:
        self.phone_clicked.emit(self.tier_indices[index])
