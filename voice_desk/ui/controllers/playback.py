"""Playing the recording from the window: all, the selection or the visible part, with the
play cursor moving in every view (a QTimer reads the player's position)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from voice_desk.ui.widgets.view_range import ViewRange

CURSOR_INTERVAL_MS = 30


class PlaybackControl(QObject):
    finished = Signal()
    state_changed = Signal(bool)    # playing

    def __init__(self, view_range: ViewRange, player=None, parent=None):
        super().__init__(parent)
        self.view_range = view_range
        self._player = player
        self.samples = None
        self.rate = 16000
        self.timer = QTimer(self)
        self.timer.setInterval(CURSOR_INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self.finished.connect(self._on_finished)

    @property
    def player(self):
        """Created on first use: importing sounddevice costs start-up time."""
        if self._player is None:
            from voice_desk.audio.playback import Player

            self._player = Player()
        if self._player.on_finished is None:
            self._player.on_finished = self.finished.emit   # from the sink's thread: queued to ours
        return self._player

    def availability(self) -> tuple[bool, str]:
        if self._player is not None and getattr(self._player, "sink", None) is not None:
            return True, ""
        from voice_desk.audio.playback import available

        return available()

    def set_recording(self, samples, rate: int) -> None:
        self.stop()
        self.samples, self.rate = samples, rate

    @property
    def is_playing(self) -> bool:
        return self._player is not None and self._player.is_playing

    def play(self, start: float = 0.0, end: float | None = None) -> None:
        """Raises a VoiceDeskError (AudioDeviceError) when sound cannot be played."""
        if self.samples is None:
            return
        ok, reason = self.availability()
        if not ok:
            from voice_desk.audio.devices import AudioDeviceError

            raise AudioDeviceError(reason)
        self.player.play(self.samples, self.rate, start_s=start, end_s=end)
        self.timer.start()
        self.state_changed.emit(True)

    def play_all(self) -> None:
        self.play(0.0, None)

    def play_visible(self) -> None:
        self.play(self.view_range.start, self.view_range.end)

    def play_selection(self) -> None:
        if self.view_range.selection:
            self.play(*self.view_range.selection)
        else:
            self.play_visible()

    def toggle(self) -> None:
        """Space: stop if playing, else play the selection (or the visible part)."""
        if self.is_playing:
            self.stop()
        else:
            self.play_selection()

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
        self.timer.stop()
        self.state_changed.emit(False)

    def _tick(self) -> None:
        if self._player is not None:
            self.view_range.set_cursor(self._player.position_s)

    def _on_finished(self) -> None:
        self.timer.stop()
        if self._player is not None:
            self.view_range.set_cursor(self._player.position_s)
        self.state_changed.emit(False)


class PlaybackController(PlaybackControl):
    """The Play menu's actions over :class:`PlaybackControl`, following the recording shown."""

    def __init__(self, window, player=None):
        super().__init__(window.view_range, player, window)
        from voice_desk.ui.actions import make_action

        self.window, self.session = window, window.session
        a = lambda *args, **kw: make_action(window, *args, **kw)  # noqa: E731
        self.toggle_action = a("Play / stop", lambda: self._play(self.toggle), "Space",
                               tip="Play the selection (or the visible part); Space again stops")
        self.play_all_action = a("Play all", lambda: self._play(self.play_all))
        self.play_selection_action = a("Play selection", lambda: self._play(self.play_selection))
        self.play_visible_action = a("Play visible part", lambda: self._play(self.play_visible))
        self.stop_action = a("Stop", self.stop, "Esc")
        self.session.recording_changed.connect(self._recording_changed)

    def actions(self) -> list:
        return [self.toggle_action, self.play_all_action, self.play_selection_action, self.play_visible_action,
                self.stop_action]

    def _recording_changed(self) -> None:
        rec = self.session.recording
        self.set_recording(rec.samples, rec.sample_rate)

    def _play(self, start) -> None:
        from voice_desk.errors import VoiceDeskError

        if self.session.recording is None:
            self.window.status("Nothing to play yet: open or record a recording first.", 8000)
            return
        try:
            start()
        except VoiceDeskError as exc:
            self.window.show_error(exc, "Cannot play")
