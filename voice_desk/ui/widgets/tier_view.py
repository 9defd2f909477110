"""The `words` and `phones` tiers under the spectrogram, as in Praat's TextGrid editor.

Clicking an interval selects it (the selection every view shows).

Drawing costs what is visible, not what the tiers hold: the intervals are kept as sorted
arrays, and each change of the visible range draws only the boundaries inside it (thinned to
about two per pixel) and gives label items only to the intervals inside it that are at least
:data:`MIN_LABEL_PX` wide on screen (so at most one per few pixels, taken from a pool that is
reused). A TextGrid with 10 000 phones opens as fast as one with ten.
"""

from __future__ import annotations

import bisect

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontMetrics

from voice_desk.align.tiers import Alignment, Interval
from voice_desk.ui.widgets.time_plot import TimePlot
from voice_desk.ui.widgets.view_range import ViewRange

ROWS = {"words": 1, "phones": 0}   # row index from the bottom
#: An interval narrower than this on screen gets no label item at all.
MIN_LABEL_PX = 4.0
#: More boundaries than this per pixel are thinned (they would draw one dark band anyway).
MAX_LINES_PER_PX = 2.0


class _Row:
    """One tier as arrays: every boundary, and the labelled intervals' times and labels."""

    def __init__(self, intervals: list[Interval], row: int):
        self.row = row
        self.intervals = intervals
        self.starts = [i.start for i in intervals]
        self.edges = np.unique(np.array([t for i in intervals for t in (i.start, i.end)], dtype=float))
        spoken = [i for i in intervals if not i.is_silence]
        self.label_starts = np.array([i.start for i in spoken], dtype=float)
        self.label_ends = np.array([i.end for i in spoken], dtype=float)
        self.label_texts = [i.label for i in spoken]


class TierView(TimePlot):
    interval_clicked = Signal(str, int)    # tier name, index in that tier

    def __init__(self, view_range: ViewRange, parent=None):
        super().__init__(view_range, parent, y_label=None, show_time_axis=True)
        self.alignment: Alignment | None = None
        self.box.setYRange(0.0, 2.0, padding=0.0)
        self.box.on_click = self._clicked
        left = self.plotItem.getAxis("left")
        left.setTicks([[(0.5, "phones"), (1.5, "words")]])
        # every boundary is a pair of points joined as one line: pyqtgraph's clipping would drop
        # points and pair the rest wrongly (slanted lines when zoomed), so we clip by boundary ourselves
        self.plotItem.setClipToView(False)
        self.lines = pg.PlotDataItem(pen=pg.mkPen(60, 60, 160, width=1), connect="pairs")
        self.addItem(self.lines)
        self.labels: list[pg.TextItem] = []          # the label items in use (intervals in view)
        self._pool: list[pg.TextItem] = []            # made once, reused as the view moves
        self.highlight = pg.LinearRegionItem(orientation="vertical", movable=False,
                                             brush=pg.mkBrush(255, 200, 0, 90), pen=pg.mkPen(None))
        self.highlight.hide()
        self.addItem(self.highlight, ignoreBounds=True)
        self.setFixedHeight(110)
        self._font = QFont()
        self._font.setPointSize(10)
        self._metrics = QFontMetrics(self._font)
        self._widths: dict[str, int] = {}
        self._rows: list[_Row] = []        # last: _fit_labels draws nothing until everything is there
        view_range.visible_changed.connect(lambda *_: self._fit_labels())

    def tier(self, name: str) -> list[Interval]:
        if self.alignment is None:
            return []
        return self.alignment.words if name == "words" else self.alignment.phones

    def set_alignment(self, alignment: Alignment | None) -> None:
        self.alignment = alignment
        self.highlight.hide()
        self._rows = [] if alignment is None else [_Row(self.tier(name), row) for name, row in ROWS.items()]
        self.box.setYRange(0.0, 2.0, padding=0.0)
        self._fit_labels()

    def _label_width(self, text: str) -> int:
        width = self._widths.get(text)
        if width is None:
            width = self._widths[text] = self._metrics.horizontalAdvance(text) + 4
        return width

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
        """Draw what is in view: its boundaries, and a label where its interval is wide enough
        on screen (no overlapping text)."""
        if not hasattr(self, "_rows"):
            return                     # called by pyqtgraph before __init__ has finished
        start, end = self.view_range.start, self.view_range.end
        width = self.box.width() or self.width()
        used = 0
        if self._rows and end > start and width > 0:
            pixels_per_s = width / (end - start)
            xs, ys = [np.array([0.0, self.alignment.duration])], [np.array([1.0, 1.0])]  # the line between rows
            for row in self._rows:
                edges = row.edges[np.searchsorted(row.edges, start):np.searchsorted(row.edges, end, "right")]
                step = int(np.ceil(edges.size / (MAX_LINES_PER_PX * width)))
                edges = edges[::max(step, 1)]
                xs.append(np.repeat(edges, 2))
                ys.append(np.tile([row.row, row.row + 1.0], edges.size))
                first = int(np.searchsorted(row.label_ends, start, "right"))
                last = int(np.searchsorted(row.label_starts, end, "left"))
                durations = row.label_ends[first:last] - row.label_starts[first:last]
                for k in np.flatnonzero(durations * pixels_per_s >= MIN_LABEL_PX):
                    i = first + int(k)
                    text = row.label_texts[i]
                    item = self._label_item(used)
                    if item.toPlainText() != text:
                        item.setText(text)
                    item.setPos((row.label_starts[i] + row.label_ends[i]) / 2, row.row + 0.5)
                    item.setVisible(bool(durations[k] * pixels_per_s >= self._label_width(text)))
                    used += 1
            self.lines.setData(np.concatenate(xs), np.concatenate(ys))
        else:
            self.lines.setData([], [])
        for item in self._pool[used:len(self.labels)]:
            item.hide()
        self.labels = self._pool[:used]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    def find(self, t: float, y: float) -> tuple[str, int] | None:
        name = "words" if y >= 1.0 else "phones"
        row = next((r for r in self._rows if r.row == ROWS[name]), None)
        if row is None:
            return None
        index = bisect.bisect_right(row.starts, t) - 1
        if index >= 0 and row.intervals[index].start <= t < row.intervals[index].end:
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
