"""A pyqtgraph plot whose time axis follows a :class:`ViewRange`.

Mouse, as in Praat: drag with the left button to select, click to put the cursor, wheel to
zoom around the pointer, drag with the middle or right button (or shift + left) to pan.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from voice_desk.ui.widgets.view_range import ViewRange

SELECTION_BRUSH = pg.mkBrush(80, 140, 255, 60)
CURSOR_PEN = pg.mkPen(220, 30, 30, width=1.5)


#: Pixels above the data area, so the top tick label is not cut off.
TOP_MARGIN = 8

class TimeViewBox(pg.ViewBox):
    def __init__(self, view_range: ViewRange, **kwargs):
        super().__init__(**kwargs)
        self.view_range = view_range
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self._drag_anchor: float | None = None
        self.on_click = None

    def wheelEvent(self, ev, axis=None):
        delta = ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
        centre = self.mapSceneToView(ev.scenePos()).x()
        self.view_range.zoom(0.85 ** (delta / 120.0), centre)
        ev.accept()

    def mouseDragEvent(self, ev, axis=None):
        ev.accept()
        pan = ev.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton) or (
            ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if pan:
            last = self.mapToView(ev.lastPos()).x()
            now = self.mapToView(ev.pos()).x()
            vr = self.view_range
            if vr.end > vr.start:
                vr.pan((last - now) / (vr.end - vr.start))
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        start = self.mapToView(ev.buttonDownPos()).x()
        now = self.mapToView(ev.pos()).x()
        self.view_range.set_selection((min(start, now), max(start, now)))

    def mouseClickEvent(self, ev):
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        if self.on_click is not None and self.on_click(point.x(), point.y()):
            return
        self.view_range.set_selection(None)
        self.view_range.set_cursor(max(0.0, min(point.x(), self.view_range.duration)))


class TimePlot(pg.PlotWidget):
    """Base of the waveform, spectrogram, relevance and tier views."""

    hovered = Signal(float, float)

    def __init__(self, view_range: ViewRange, parent=None, y_label: str | None = None, show_time_axis=True):
        self.view_range = view_range
        self.box = TimeViewBox(view_range)
        super().__init__(parent=parent, viewBox=self.box, background="w")
        self.plotItem.hideButtons()
        self.plotItem.setClipToView(True)
        self.box.setDefaultPadding(0.0)
        self.set_top_margin(TOP_MARGIN)
        for name in ("left", "bottom"):
            axis = self.plotItem.getAxis(name)
            axis.setPen(pg.mkPen(90, 90, 90))
            axis.setTextPen(pg.mkPen(40, 40, 40))
            axis.enableAutoSIPrefix(False)
        if y_label:
            self.plotItem.setLabel("left", y_label)
        self.plotItem.getAxis("left").setWidth(58)
        if show_time_axis:
            self.plotItem.setLabel("bottom", "Time (s)")
        else:
            self.plotItem.getAxis("bottom").setStyle(showValues=False)
            self.plotItem.getAxis("bottom").setHeight(4)
        self.selection_item = pg.LinearRegionItem(brush=SELECTION_BRUSH, movable=True)
        self.selection_item.setZValue(50)
        self.selection_item.hide()
        self.selection_item.sigRegionChangeFinished.connect(self._region_moved)
        self.addItem(self.selection_item, ignoreBounds=True)
        self.cursor_item = pg.InfiniteLine(angle=90, pen=CURSOR_PEN, movable=False)
        self.cursor_item.setZValue(60)
        self.cursor_item.hide()
        self.addItem(self.cursor_item, ignoreBounds=True)
        self._updating = False
        view_range.visible_changed.connect(self._follow_visible)
        view_range.selection_changed.connect(self._follow_selection)
        view_range.cursor_changed.connect(self._follow_cursor)
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.follow_view_range()

    def set_top_margin(self, pixels: int) -> None:
        """Room above the plot: the top tick label ('5000', '1.0') is half above the data area
        and would be cut off without it; a caption can sit there instead of over the data."""
        left, _top, right, bottom = self.plotItem.layout.getContentsMargins()
        self.plotItem.layout.setContentsMargins(left, pixels, right, bottom)

    def follow_view_range(self) -> None:
        """Show the view range's visible part and selection now (a view added later catches up)."""
        self._follow_visible(self.view_range.start, self.view_range.end)
        self._follow_selection(self.view_range.selection)

    def x_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.box.viewRange()
        return float(x0), float(x1)

    def _follow_visible(self, start: float, end: float) -> None:
        self.box.setXRange(start, end, padding=0.0)

    def _follow_selection(self, selection) -> None:
        self._updating = True
        try:
            if selection is None:
                self.selection_item.hide()
            else:
                self.selection_item.setRegion(selection)
                self.selection_item.show()
        finally:
            self._updating = False

    def _region_moved(self) -> None:
        if not self._updating and self.selection_item.isVisible():
            self.view_range.set_selection(tuple(self.selection_item.getRegion()))

    def _follow_cursor(self, t) -> None:
        if t is None:
            self.cursor_item.hide()
        else:
            self.cursor_item.setValue(t)
            self.cursor_item.show()

    def _mouse_moved(self, pos) -> None:
        if self.box.sceneBoundingRect().contains(pos):
            p = self.box.mapSceneToView(pos)
            self.hovered.emit(p.x(), p.y())
