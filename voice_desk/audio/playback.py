"""Playing a recording, or part of it, with a position the window's cursor can follow.

The :class:`Player` owns the samples and the play position; a *sink* pulls blocks from it.
:class:`SoundDeviceSink` is the real one (a PortAudio output stream whose callback pulls),
:class:`MemorySink` pulls from a thread, at real or accelerated pace, and keeps the blocks —
so tests need no sound card.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Protocol

import numpy as np

from voice_desk.audio.devices import AudioDeviceError, load_sounddevice, playback_available

Fill = Callable[[np.ndarray], bool]


def available() -> tuple[bool, str]:
    """(True, "") when sound can be played; else (False, the reason and what to do)."""
    return playback_available()


class Sink(Protocol):
    """Something that pulls audio from a :class:`Player`."""

    latency_s: float

    def open(self, rate: int, channels: int) -> int:
        """Prepare to play at ``rate``; returns the rate it will actually run at."""

    def start(self, fill: Fill, done: Callable[[], None]) -> None:
        """Start pulling: ``fill(out)`` writes the next frames x channels float32 block into
        ``out`` and returns False after the last one; ``done()`` follows once that was played."""

    def close(self) -> None:
        """Stop at once (no ``done`` call needed) and release the device."""


class SoundDeviceSink:
    """Real output through sounddevice's OutputStream callback (default output device)."""

    def __init__(self, device: int | str | None = None):
        self.device = device
        self.latency_s = 0.0
        self._stream = None
        self._rate = 0
        self._channels = 1

    def open(self, rate: int, channels: int) -> int:
        sd = load_sounddevice()
        ok, reason = playback_available() if self.device is None else (True, "")
        if not ok:
            raise AudioDeviceError(reason)
        try:
            sd.check_output_settings(device=self.device, samplerate=rate, channels=channels, dtype="float32")
            self._rate = rate
        except Exception:  # noqa: BLE001 - the device cannot run at this rate: use its own
            info = sd.query_devices(self.device, kind="output") if self.device is None else sd.query_devices(self.device)
            self._rate = int(round(float(info["default_samplerate"])))
        self._channels = channels
        return self._rate

    def start(self, fill: Fill, done: Callable[[], None]) -> None:
        sd = load_sounddevice()

        def callback(outdata, frames, time_info, status):
            if not fill(outdata):
                raise sd.CallbackStop

        def finished():
            if self._stream is not None:
                done()

        try:
            self._stream = sd.OutputStream(device=self.device, samplerate=self._rate, channels=self._channels,
                                           dtype="float32", callback=callback, finished_callback=finished)
            self.latency_s = float(self._stream.latency)
            self._stream.start()
        except Exception as error:  # noqa: BLE001 - PortAudioError with a technical text
            self._stream = None
            raise AudioDeviceError(f"Playback could not start ({error}).",
                                   hint="Check the system's sound output, or close other programs using it.") from error

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
            finally:
                stream.close()


class MemorySink:
    """Pulls blocks from a thread and keeps them in ``blocks`` (tests, offline rendering).

    ``speed`` 1.0 paces the blocks like a sound card; 0 pulls as fast as possible; any other
    value accelerates (or slows) real time by that factor.
    """

    def __init__(self, block: int = 512, speed: float = 0.0, rate: int | None = None):
        self.block = block
        self.speed = speed
        self.forced_rate = rate
        self.latency_s = 0.0
        self.blocks: list[np.ndarray] = []
        self.rate = 0
        self.channels = 1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open(self, rate: int, channels: int) -> int:
        self.rate = self.forced_rate or rate
        self.channels = channels
        self.blocks = []
        return self.rate

    def start(self, fill: Fill, done: Callable[[], None]) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(fill, done), name="memory-sink", daemon=True)
        self._thread.start()

    def _run(self, fill: Fill, done: Callable[[], None]) -> None:
        began, pulled = time.monotonic(), 0
        while not self._stop.is_set():
            if self.speed > 0:
                due = began + pulled / self.rate / self.speed
                if self._stop.wait(max(0.0, due - time.monotonic())):
                    return
            out = np.empty((self.block, self.channels), dtype=np.float32)
            more = fill(out)
            self.blocks.append(out)
            pulled += self.block
            if not more:
                if not self._stop.is_set():
                    done()
                return

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    @property
    def played(self) -> np.ndarray:
        """Everything pulled so far, (frames, channels); the last block is zero-padded."""
        if not self.blocks:
            return np.zeros((0, self.channels), dtype=np.float32)
        return np.concatenate(self.blocks)


class Player:
    """Plays (part of) a recording; one thing at a time.

    ``position_s`` is in the recording's own seconds and advances while playing (the frames
    handed to the sink, minus its output latency). ``on_finished()`` is called, from the
    sink's thread, when playback reaches ``end_s`` by itself — not after :meth:`stop` or when
    a new :meth:`play` replaces the old one.
    """

    def __init__(self, sink: Sink | None = None):
        self.sink = sink
        self.on_finished: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._generation = 0
        self._playing = False
        self._samples = np.zeros((0, 1), dtype=np.float32)
        self._rate = 1
        self._offset_s = 0.0     # recording time of self._samples[0]
        self._cursor = 0         # next frame of self._samples to hand out
        self._end_s = 0.0
        self._active_sink: Sink | None = None

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def position_s(self) -> float:
        with self._lock:
            if not self._playing:
                return self._end_s if self._cursor >= len(self._samples) > 0 else self._offset_s + self._cursor / self._rate
            latency = getattr(self._active_sink, "latency_s", 0.0) or 0.0
            return max(self._offset_s, self._offset_s + self._cursor / self._rate - latency)

    def play(self, samples: np.ndarray, rate: int, start_s: float = 0.0, end_s: float | None = None) -> None:
        """Play ``samples[start_s:end_s]`` (mono (n,) or (n, channels)); stops anything playing.

        Raises :class:`~voice_desk.audio.devices.AudioDeviceError` when sound cannot be played.
        """
        self.stop()
        samples = np.asarray(samples, dtype=np.float32)
        samples = samples.reshape(-1, 1) if samples.ndim == 1 else samples
        total_s = samples.shape[0] / rate
        start_s = min(max(0.0, float(start_s)), total_s)
        end_s = total_s if end_s is None else min(max(start_s, float(end_s)), total_s)
        part = samples[int(round(start_s * rate)):int(round(end_s * rate))]
        sink = self.sink if self.sink is not None else SoundDeviceSink()
        actual_rate = sink.open(int(rate), part.shape[1])
        if actual_rate != rate and part.shape[0]:
            from voice_desk.audio.resample import resample

            part = np.stack([resample(part[:, c], int(rate), actual_rate) for c in range(part.shape[1])], axis=1)
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._samples, self._rate = np.ascontiguousarray(part), actual_rate
            self._offset_s, self._end_s, self._cursor = start_s, end_s, 0
            self._active_sink = sink
            self._playing = True
        try:
            sink.start(lambda out: self._fill(out, generation), lambda: self._done(generation))
        except Exception:
            with self._lock:
                self._playing = False
                self._active_sink = None
            raise

    def stop(self) -> None:
        """Stop playing now; the position stays where it was."""
        with self._lock:
            sink, self._active_sink = self._active_sink, None
            self._generation += 1
            self._playing = False
        if sink is not None:
            sink.close()

    def _fill(self, out: np.ndarray, generation: int) -> bool:
        with self._lock:
            if generation != self._generation:
                out.fill(0)
                return False
            n = out.shape[0]
            chunk = self._samples[self._cursor:self._cursor + n]
            out[:chunk.shape[0]] = chunk
            out[chunk.shape[0]:] = 0
            self._cursor += chunk.shape[0]
            return self._cursor < self._samples.shape[0]

    def _done(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self._playing = False
            self._active_sink = None
        callback = self.on_finished
        if callback is not None:
            callback()
