"""Moving through the recording: zoom, scroll, show all, zoom to the selection, and the time
(and frequency) under the mouse in the status bar. Every view follows one ViewRange."""

from __future__ import annotations

from PySide6.QtCore import QObject

from voice_desk.ui.actions import make_action
from voice_desk.ui.widgets.spectrogram_view import SpectrogramView


class NavigationController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        vr = window.view_range
        a = lambda *args, **kw: make_action(window, *args, **kw)  # noqa: E731
        self.zoom_in_action = a("Zoom &in", lambda: vr.zoom(0.5), ["Ctrl++", "Ctrl+=", "Ctrl+I"])
        self.zoom_out_action = a("Zoom &out", lambda: vr.zoom(2.0), ["Ctrl+-"])
        self.show_all_action = a("Show &all", vr.show_all, "Ctrl+A")
        self.zoom_selection_action = a("Zoom to &selection", vr.zoom_to_selection, "Ctrl+N")
        self.pan_left_action = a("Scroll left", lambda: vr.pan(-0.25), ["Left", "PgUp"])
        self.pan_right_action = a("Scroll right", lambda: vr.pan(0.25), ["Right", "PgDown"])

    def actions(self) -> list:
        return [self.zoom_in_action, self.zoom_out_action, self.show_all_action, self.zoom_selection_action,
                self.pan_left_action, self.pan_right_action]

    def hovered(self, t: float, y: float) -> None:
        """A view reports the mouse position: time, and frequency over a spectrogram."""
        if self.window.session.recording is None:
            return
        if isinstance(self.sender(), SpectrogramView):
            self.window.status(f"{t:.3f} s   {y:.0f} Hz")
        else:
            self.window.status(f"{t:.3f} s")
