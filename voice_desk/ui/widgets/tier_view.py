"""The `words` and `phones` tiers under the spectrogram, as in Praat's TextGrid editor.

Clicking an interval selects it (the selection every view shows)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontMetrics

from voice_desk.align.tiers import Alignment, Interval
from voice_desk.ui.widgets.time_plot import TimePlot
from voice_desk.ui.widgets.view_range import ViewRange

ROWS = {"words": 1, "phones": 0}   # row index from the bottom


class TierView(TimePlot):
    interval_clicked = Signal(str, int)    # tier name, index in that tier

    def __init__(self, view_range: ViewRange, parent=None):
        super().__init__(view_range, parent, y_label=None, show_time_axis=True)
        self.alignment: Alignment | None = None
        self.box.setYRange(0.0, 2.0, padding=0.0)
        self.box.on_click = self._clicked
        left = self.plotItem.getAxis("left")
        left.setTicks([[(0.5, "phones"), (1.5, "words")]])
        # every boundary is a pair of points joined as one line: clipping to the view would drop
        # points and pair the rest wrongly (slanted lines when zoomed); a tier is a few hundred points
        self.plotItem.setClipToView(False)
        self.lines = pg.PlotDataItem(pen=pg.mkPen(60, 60, 160, width=1), connect="pairs")
        self.addItem(self.lines)
        self.labels: list[pg.TextItem] = []          # the labels of the tiers shown
        self._pool: list[pg.TextItem] = []            # made once, reused by the next recording's tiers
        self.highlight = pg.LinearRegionItem(orientation="vertical", movable=False,
                                             brush=pg.mkBrush(255, 200, 0, 90), pen=pg.mkPen(None))
        self.highlight.hide()
        self.addItem(self.highlight, ignoreBounds=True)
        self.setFixedHeight(110)
        self._font = QFont()
        self._font.setPointSize(10)
        self._label_spans: list[tuple[float, int]] = []   # (interval duration, label pixel width)
        view_range.visible_changed.connect(lambda *_: self._fit_labels())

    def tier(self, name: str) -> list[Interval]:
        if self.alignment is None:
            return []
        return self.alignment.words if name == "words" else self.alignment.phones

    def set_alignment(self, alignment: Alignment | None) -> None:
        self.alignment = alignment
        for item in self.labels:
            item.hide()
        self.labels = []
        self._label_spans = []
        self.highlight.hide()
        if alignment is None:
            self.lines.setData([], [])
            return
        xs, ys = [0.0, alignment.duration], [1.0, 1.0]    # the line between the two rows
        for name, row in ROWS.items():
            for interval in self.tier(name):
                for t in (interval.start, interval.end):
                    xs += [t, t]
                    ys += [row, row + 1]
                if not interval.is_silence:
                    text = self._label_item(len(self.labels))
                    text.setText(interval.label)
                    text.setPos((interval.start + interval.end) / 2, row + 0.5)
                    text.show()
                    self.labels.append(text)
                    self._label_spans.append((interval.duration, QFontMetrics(self._font).horizontalAdvance(
                        interval.label) + 4))
        self.lines.setData(np.array(xs), np.array(ys))
        self.box.setYRange(0.0, 2.0, padding=0.0)
        self._fit_labels()

    def _label_item(self, index: int) -> pg.TextItem:
        """The ``index``-th label item (creating and adding it to the plot only once)."""
        while len(self._pool) <= index:
            text = pg.TextItem("", color=(20, 20, 20), anchor=(0.5, 0.5))
            text.setFont(self._font)
            text.hide()
            self.addItem(text, ignoreBounds=True)
            self._pool.append(text)
        return self._pool[index]

    def _fit_labels(self) -> None:
        """Show a label only where its interval is wide enough on screen (no overlapping text)."""
        if not getattr(self, "_label_spans", None):
            return                     # called by pyqtgraph before __init__ has finished
        span = self.view_range.end - self.view_range.start
        width = self.box.width() or self.width()
        if span <= 0 or width <= 0:
            return
        pixels_per_s = width / span
        for item, (duration, needed) in zip(self.labels, self._label_spans):
            item.setVisible(duration * pixels_per_s >= needed)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    def find(self, t: float, y: float) -> tuple[str, int] | None:
        name = "words" if y >= 1.0 else "phones"
        for index, interval in enumerate(self.tier(name)):
            if interval.start <= t < interval.end:
                return name, index
        return None

    def select(self, name: str, index: int) -> None:
        """Select one interval: highlight it here and make it the window's selection."""
        interval = self.tier(name)[index]
        row = ROWS[name]
        self.highlight.setRegion((interval.start, interval.end))
        self.highlight.setSpan(row / 2.0, (row + 1) / 2.0)
        self.highlight.show()
        self.view_range.set_selection((interval.start, interval.end))
        self.interval_clicked.emit(name, index)

    def _clicked(self, t: float, y: float) -> bool:
        hit = self.find(t, y)
        if hit is None:
            return False
        self.select(*hit)
        return True
