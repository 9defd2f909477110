"""The one time-range model every view follows: what is visible, what is selected, where the
play cursor is. Views never talk to each other; they talk to this."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

MIN_SPAN_S = 0.01


class ViewRange(QObject):
    visible_changed = Signal(float, float)
    selection_changed = Signal(object)   # (start, end) or None
    cursor_changed = Signal(object)      # seconds or None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.duration = 1.0
        self.start, self.end = 0.0, 1.0
        self.selection: tuple[float, float] | None = None
        self.cursor: float | None = None

    def reset(self, duration: float) -> None:
        self.duration = max(float(duration), MIN_SPAN_S)
        self.set_selection(None)
        self.set_cursor(None)
        self.set_visible(0.0, self.duration)

    def set_visible(self, start: float, end: float) -> None:
        span = min(max(end - start, MIN_SPAN_S), self.duration)
        start = min(max(0.0, start), self.duration - span)
        end = start + span
        if abs(start - self.start) < 1e-9 and abs(end - self.end) < 1e-9:
            return
        self.start, self.end = start, end
        self.visible_changed.emit(start, end)

    def zoom(self, factor: float, centre: float | None = None) -> None:
        """factor < 1 zooms in, > 1 zooms out, around ``centre`` (default: middle of view)."""
        centre = (self.start + self.end) / 2 if centre is None else centre
        self.set_visible(centre - (centre - self.start) * factor, centre + (self.end - centre) * factor)

    def pan(self, fraction: float) -> None:
        shift = (self.end - self.start) * fraction
        self.set_visible(self.start + shift, self.end + shift)

    def show_all(self) -> None:
        self.set_visible(0.0, self.duration)

    def zoom_to_selection(self) -> None:
        if self.selection:
            self.set_visible(*self.selection)

    def set_selection(self, selection: tuple[float, float] | None) -> None:
        if selection is not None:
            a, b = sorted((max(0.0, selection[0]), min(self.duration, selection[1])))
            selection = (a, b) if b - a > 1e-4 else None
        if selection == self.selection:
            return
        self.selection = selection
        self.selection_changed.emit(selection)

    def set_cursor(self, t: float | None) -> None:
        self.cursor = t
        self.cursor_changed.emit(t)
