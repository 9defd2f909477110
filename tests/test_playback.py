"""Player: plays the right slice, the position follows, on_finished fires; no sound card needed."""

from __future__ import annotations

import importlib.abc
import sys
import threading

import numpy as np
import pytest

from voice_desk.audio import playback
from voice_desk.audio.devices import AudioDeviceError
from voice_desk.audio.playback import MemorySink, Player

RATE = 16_000


def ramp(seconds=1.0, rate=RATE):
    """Every sample different, so a wrong offset cannot go unnoticed."""
    return np.linspace(-0.5, 0.5, int(seconds * rate), dtype=np.float32)


class ManualSink:
    """The test pulls each block itself, so positions can be checked block by block."""

    latency_s = 0.0

    def __init__(self, block=1600):
        self.block = block
        self.closed = False

    def open(self, rate, channels):
        self.rate, self.channels = rate, channels
        return rate

    def start(self, fill, done):
        self.fill, self.done, self.closed = fill, done, False

    def pull(self):
        out = np.empty((self.block, self.channels), np.float32)
        more = self.fill(out)
        if not more:
            self.done()
        return out, more

    def close(self):
        self.closed = True


def test_plays_exactly_the_selected_slice_and_reports_the_end():
    samples = ramp()
    sink = MemorySink(block=512)
    player = Player(sink)
    finished = threading.Event()
    player.on_finished = finished.set
    player.play(samples, RATE, start_s=0.25, end_s=0.5)
    assert finished.wait(10)
    played = sink.played[:, 0]
    np.testing.assert_array_equal(played[:4000], samples[4000:8000])
    assert not played[4000:].any()  # only zero padding after the slice
    assert not player.is_playing
    assert player.position_s == pytest.approx(0.5)


def test_position_advances_block_by_block_in_recording_seconds():
    sink = ManualSink(block=1600)
    player = Player(sink)
    calls = []
    player.on_finished = lambda: calls.append("done")
    player.play(ramp(), RATE, start_s=0.5)
    assert player.is_playing and player.position_s == pytest.approx(0.5)
    out, more = sink.pull()
    np.testing.assert_array_equal(out[:, 0], ramp()[8000:9600])
    assert more and player.position_s == pytest.approx(0.6)
    for _ in range(4):
        sink.pull()
    assert player.position_s == pytest.approx(1.0) and calls == ["done"] and not player.is_playing


def test_stop_stops_without_calling_on_finished():
    sink = ManualSink()
    player = Player(sink)
    calls = []
    player.on_finished = lambda: calls.append("done")
    player.play(ramp(), RATE)
    sink.pull()
    player.stop()
    assert sink.closed and not player.is_playing and calls == []
    assert player.position_s == pytest.approx(0.1)


def test_a_new_play_replaces_the_old_one():
    sink = ManualSink()
    player = Player(sink)
    calls = []
    player.on_finished = lambda: calls.append("done")
    player.play(ramp(), RATE)
    old_fill = sink.fill
    player.play(ramp(), RATE, start_s=0.9)
    out = np.empty((10, 1), np.float32)
    assert old_fill(out) is False and not out.any()   # the old stream gets silence and ends
    block, more = sink.pull()
    np.testing.assert_array_equal(block[:, 0], ramp()[14400:16000])
    assert not more and calls == ["done"]


def test_real_time_pace_position_moves_while_playing():
    sink = MemorySink(block=256, speed=4.0)   # four times real time
    player = Player(sink)
    finished = threading.Event()
    player.on_finished = finished.set
    player.play(ramp(2.0), RATE)
    seen = [player.position_s]
    while not finished.wait(0.02):
        seen.append(player.position_s)
    assert len(set(seen)) > 2 and seen == sorted(seen)
    assert player.position_s == pytest.approx(2.0)


def test_resamples_when_the_device_runs_at_another_rate():
    sink = MemorySink(block=4800, rate=48_000)
    player = Player(sink)
    finished = threading.Event()
    player.on_finished = finished.set
    tone = (0.3 * np.sin(2 * np.pi * 300 * np.arange(RATE) / RATE)).astype(np.float32)
    player.play(tone, RATE, start_s=0.0, end_s=0.5)
    assert finished.wait(10)
    played = sink.played[:24_000, 0]
    assert np.abs(played).max() == pytest.approx(0.3, abs=0.02)
    assert player.position_s == pytest.approx(0.5)


def test_stereo_plays_both_channels():
    stereo = np.stack([ramp(0.2), -ramp(0.2)], axis=1)
    sink = MemorySink(block=1000)
    player = Player(sink)
    finished = threading.Event()
    player.on_finished = finished.set
    player.play(stereo, RATE)
    assert finished.wait(10)
    np.testing.assert_array_equal(sink.played[:3200], stereo)


class _NoPortAudio(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


def test_available_says_to_install_libportaudio2_when_it_is_missing(monkeypatch):
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoPortAudio(), *sys.meta_path])
    ok, reason = playback.available()
    assert not ok and "libportaudio2" in reason
    with pytest.raises(AudioDeviceError, match="libportaudio2"):
        Player().play(ramp(), RATE)


def test_the_real_output_path_explains_itself_when_there_is_no_device():
    ok, reason = playback.available()
    if ok:
        pytest.skip("this machine has a sound output")
    assert "No sound output device" in reason or "PortAudio" in reason
    player = Player()
    with pytest.raises(AudioDeviceError):
        player.play(ramp(), RATE)
    assert not player.is_playing
