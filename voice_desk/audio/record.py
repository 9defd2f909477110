"""Recording takes: an input source streams blocks, a writer thread puts them on disk at once.

Why this shape:

* The audio callback never touches the disk. Blocks go through a queue to a writer thread,
  so a slow disk cannot cause dropped input.
* The take is a WAV file opened exclusively (never overwriting anything) at the source's
  native rate and channel count, 32-bit float so nothing is rounded. Every block is written
  as it arrives and libsndfile rewrites the header after each write, so if Voice Desk dies
  mid-take the file is still a valid WAV holding everything up to the last block. The file
  is fsync'ed about twice a second (surviving a power cut too), not per block.
* If a take was cut off before its header was brought up to date, :func:`recover_take`
  reads (and repairs) it from the raw data chunk. It repairs only a real file (not a link,
  not a file with a second name) in the takes folder, and only when data really follows the
  declared data chunk (zero padding after a complete take is not audio).
* A take is the user's alone (0600, its folder 0700 when Voice Desk creates it): it is a
  patient's voice. If the disk fills up, recording stops with a message saying so, and the
  take keeps everything written up to then (its header is brought up to date in place).

Sources are injectable: :class:`SoundDeviceSource` records a real microphone through
PortAudio, :class:`ArraySource` plays an array in as if it were one (tests, demos).
"""

from __future__ import annotations

import errno
import os
import queue
import shutil
import stat
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from voice_desk.audio.devices import NO_INPUT, AudioDeviceError, load_sounddevice
from voice_desk.errors import AudioError, VoiceDeskError
from voice_desk.files import open_regular
from voice_desk.paths import PRIVATE_FILE, private_dir

BlockCallback = Callable[[np.ndarray], None]
EndCallback = Callable[["str | None"], None]

#: A sample at or above this magnitude (float full scale = 1.0) counts as clipped.
CLIP_LEVEL = 0.999
#: Level reported for digital silence.
FLOOR_DB = -120.0
#: How often (seconds of audio) the take is fsync'ed to the disk.
SYNC_EVERY_S = 0.5

# libsndfile commands (sndfile.h); soundfile does not wrap them.
_SFC_SET_UPDATE_HEADER_AUTO = 0x1061


# --- levels -------------------------------------------------------------------------------

@dataclass(frozen=True)
class BlockLevel:
    """Loudness of one block, for the level meter. dBFS: 0 dB = digital full scale."""

    peak_db: float
    rms_db: float
    clipped_samples: int
    elapsed_s: float = 0.0

    @property
    def clipped(self) -> bool:
        return self.clipped_samples > 0


def _db(value: float) -> float:
    return FLOOR_DB if value <= 10 ** (FLOOR_DB / 20) else float(20.0 * np.log10(value))


def block_level(block: np.ndarray, elapsed_s: float = 0.0) -> BlockLevel:
    """Peak and RMS level in dBFS over all channels of ``block``, and how many samples clip.

    A full-scale sine has peak 0 dBFS and RMS -3 dBFS; amplitude 0.5 gives -6 / -9 dBFS.
    """
    block = np.asarray(block, dtype=np.float32)
    if block.size == 0:
        return BlockLevel(FLOOR_DB, FLOOR_DB, 0, elapsed_s)
    magnitude = np.abs(block)
    if not np.isfinite(magnitude).all():  # a broken driver: count it as clipping, not as NaN dB
        magnitude = np.nan_to_num(magnitude, nan=1.0, posinf=1.0)
        block = np.clip(np.nan_to_num(block, nan=1.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    peak = float(magnitude.max())
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64))))
    return BlockLevel(_db(peak), _db(rms), int(np.count_nonzero(magnitude >= CLIP_LEVEL)), elapsed_s)


# --- sources ------------------------------------------------------------------------------

class InputSource(Protocol):
    """Where a take's audio comes from. ``rate`` and ``channels`` are known before start."""

    rate: int
    channels: int

    def start(self, on_block: BlockCallback, on_end: EndCallback) -> None:
        """Begin delivering float32 blocks (frames x channels) to ``on_block`` from any thread.

        ``on_end(error)`` is called once if the source stops by itself: ``None`` when it ran
        out, a plain message when the device failed. It is not called after :meth:`stop`.
        """

    def stop(self) -> None:
        """Stop delivering; returns when no more blocks will arrive."""


class ArraySource:
    """Delivers an array block by block from a thread, as a microphone would.

    ``realtime=True`` paces the blocks at the sample rate (demos, stop-button tests);
    otherwise they come as fast as the recorder takes them.
    """

    def __init__(self, samples: np.ndarray, rate: int, block: int = 1024, realtime: bool = False):
        samples = np.asarray(samples, dtype=np.float32)
        self.samples = samples.reshape(-1, 1) if samples.ndim == 1 else samples
        self.rate = int(rate)
        self.channels = int(self.samples.shape[1])
        self.block = int(block)
        self.realtime = realtime
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_block: BlockCallback, on_end: EndCallback) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(on_block, on_end),
                                        name="array-source", daemon=True)
        self._thread.start()

    def _run(self, on_block: BlockCallback, on_end: EndCallback) -> None:
        began = time.monotonic()
        for start in range(0, self.samples.shape[0], self.block):
            if self.realtime:
                due = began + start / self.rate
                if self._stop.wait(max(0.0, due - time.monotonic())):
                    return
            if self._stop.is_set():
                return
            on_block(self.samples[start:start + self.block].copy())
        if not self._stop.is_set():
            on_end(None)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()


class SoundDeviceSource:
    """A real microphone through sounddevice/PortAudio at the device's native rate.

    Channels: the device's own count, capped at 2 — virtual devices such as ALSA's
    ``default`` advertise 32 or more channels that are copies or silence.
    """

    MAX_CHANNELS = 2

    def __init__(self, device: int | str | None = None):
        sd = load_sounddevice()
        try:
            info = sd.query_devices(device, kind="input") if device is None else sd.query_devices(device)
        except Exception as error:  # noqa: BLE001 - PortAudioError/ValueError: no such input
            if device is None:
                raise AudioDeviceError(NO_INPUT) from error
            raise AudioDeviceError("The chosen sound input device cannot be opened.",
                                   hint="Choose another input device, or check that the microphone is connected.") from error
        if int(info["max_input_channels"]) < 1:
            raise AudioDeviceError(f"'{info['name']}' has no input channels.", hint="Choose a microphone.")
        self.device = device
        self.name = str(info["name"])
        self.rate = int(round(float(info["default_samplerate"])))
        self.channels = min(int(info["max_input_channels"]), self.MAX_CHANNELS)
        self.overflows = 0
        self._stream = None

    def start(self, on_block: BlockCallback, on_end: EndCallback) -> None:
        sd = load_sounddevice()

        def callback(indata, frames, time_info, status):
            if status.input_overflow:
                self.overflows += 1
            on_block(indata.copy())

        def finished():
            if self._stream is not None and not self._stopping:
                on_end("The sound input stopped unexpectedly (was the microphone disconnected?).")

        self._stopping = False
        try:
            self._stream = sd.InputStream(device=self.device, samplerate=self.rate, channels=self.channels,
                                          dtype="float32", callback=callback, finished_callback=finished)
            self._stream.start()
        except Exception as error:  # noqa: BLE001 - PortAudioError with a technical text
            self._stream = None
            raise AudioDeviceError(f"Recording from '{self.name}' could not start ({error}).",
                                   hint="Check that no other program holds the microphone, or choose another input.") from error

    def stop(self) -> None:
        self._stopping = True
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()


# --- take files ---------------------------------------------------------------------------

def take_name(now: datetime | None = None, suffix: int = 1) -> str:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"take-{stamp}.wav" if suffix <= 1 else f"take-{stamp}-{suffix}.wav"


def _create_exclusive(path: Path) -> int:
    """Create ``path`` for writing, readable by the user only; fail if anything is already
    there (never overwrite, never follow a link)."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE)


def create_take_file(target: Path, now: datetime | None = None) -> tuple[Path, int]:
    """Create a new, empty take file and return (path, fd).

    ``target`` is a folder (a unique ``take-YYYYmmdd-HHMMSS[-N].wav`` is chosen in it; it is
    created if needed) or a ``.wav`` file path that must not exist yet.
    """
    target = Path(target)
    if target.suffix.lower() != ".wav" and not target.exists():
        try:
            private_dir(target, fix_existing=False)
        except OSError as error:
            raise AudioError(f"The folder for takes cannot be created ({error.strerror}).", path=target,
                             hint="Choose a folder you can write to.") from error
    if target.is_dir():
        for suffix in range(1, 10_000):
            path = target / take_name(now, suffix)
            try:
                return path, _create_exclusive(path)
            except FileExistsError:
                continue
            except OSError as error:
                raise AudioError(f"The take cannot be created ({error.strerror}).", path=path,
                                 hint="Choose a folder you can write to.") from error
        raise AudioError("Too many takes with the same time stamp.", path=target)
    try:
        private_dir(target.parent, fix_existing=False)
        return target, _create_exclusive(target)
    except FileExistsError:
        raise AudioError("A file with this name already exists; Voice Desk never overwrites a recording.",
                         path=target, hint="Choose another name or folder.") from None
    except OSError as error:
        raise AudioError(f"The take cannot be created ({error.strerror}).", path=target,
                         hint="Choose a folder you can write to.") from error


def _open_take_writer(fd: int, rate: int, channels: int):
    import soundfile as sf

    writer = sf.SoundFile(fd, mode="w", samplerate=rate, channels=channels, format="WAV",
                          subtype="FLOAT", closefd=True)
    try:  # rewrite the header after every write: a crash leaves a complete WAV behind
        from soundfile import _ffi, _snd

        _snd.sf_command(writer._file, _SFC_SET_UPDATE_HEADER_AUTO, _ffi.NULL, 1)
    except Exception:  # noqa: BLE001 - an older soundfile: recover_take still reads the take
        pass
    return writer


@dataclass
class Take:
    """A finished take. ``stopped_by``: 'user', 'max_duration', 'source_ended' or 'error'."""

    path: Path
    rate: int
    channels: int
    frames: int
    stopped_by: str
    error: str | None = None
    clipped_blocks: int = 0
    peak_db: float = FLOOR_DB
    warnings: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.frames / float(self.rate)

    @property
    def saved(self) -> bool:
        """True when the file exists and holds at least one frame."""
        return self.frames > 0 and self.path.is_file()


class _End:
    def __init__(self, reason: str, error: str | None = None):
        self.reason, self.error = reason, error


class Recorder:
    """Records one take from ``source`` into a new WAV file at ``path`` (a folder or a new file).

    ``on_level(BlockLevel)`` is called for every block written and ``on_finished(Take)`` once
    at the end, both from the writer thread. :meth:`stop` returns at once; :meth:`wait` blocks
    until the take is closed.
    """

    def __init__(self, source: InputSource, path: str | Path, max_seconds: float = 60.0,
                 on_level: Callable[[BlockLevel], None] | None = None,
                 on_finished: Callable[[Take], None] | None = None):
        if max_seconds <= 0:
            raise ValueError("max_seconds must be positive")
        self.source = source
        self.target = Path(path)
        self.max_seconds = float(max_seconds)
        self.max_frames = max(1, int(round(max_seconds * source.rate)))
        self.on_level = on_level
        self.on_finished = on_finished
        self.path: Path | None = None
        self.frames = 0
        self.take: Take | None = None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._accepting = False
        self._done = threading.Event()
        self._writer_thread: threading.Thread | None = None
        self._writer = None

    @property
    def rate(self) -> int:
        return self.source.rate

    @property
    def elapsed_s(self) -> float:
        return self.frames / float(self.source.rate)

    @property
    def is_recording(self) -> bool:
        return self._writer_thread is not None and not self._done.is_set()

    def start(self) -> Path:
        """Create the take file and start recording; returns the file's path."""
        if self._writer_thread is not None:
            raise RuntimeError("a Recorder records one take; make a new one")
        self.path, fd = create_take_file(self.target)
        try:
            self._writer = _open_take_writer(fd, self.source.rate, self.source.channels)
        except Exception as error:
            try:
                os.close(fd)
            except OSError:
                pass
            self.path.unlink(missing_ok=True)
            raise AudioError(f"The take cannot be written ({error}).", path=self.path,
                             hint="Choose another folder for takes.") from error
        self._accepting = True
        self._writer_thread = threading.Thread(target=self._write_loop, name="take-writer", daemon=True)
        self._writer_thread.start()
        try:
            self.source.start(self._on_block, self._on_end)
        except Exception as error:
            self._accepting = False
            self._queue.put(_End("error", str(error)))
            self._done.wait()
            raise
        return self.path

    def stop(self) -> None:
        """Stop recording (from any thread); the take is closed by the writer thread."""
        if not self._accepting:
            return
        self._accepting = False
        try:
            self.source.stop()
        finally:
            self._queue.put(_End("user"))

    def wait(self, timeout: float | None = None) -> Take | None:
        """Block until the take is closed; returns it (None on timeout)."""
        self._done.wait(timeout)
        return self.take

    # source threads
    def _on_block(self, block: np.ndarray) -> None:
        if self._accepting:
            self._queue.put(block)

    def _on_end(self, error: str | None) -> None:
        if self._accepting:
            self._accepting = False
            self._queue.put(_End("error" if error else "source_ended", error))

    # writer thread
    def _write_loop(self) -> None:
        end = _End("error", "The recording stopped unexpectedly.")
        clipped_blocks, peak, synced_at = 0, FLOOR_DB, 0
        rate, channels = self.source.rate, self.source.channels
        try:
            while True:
                item = self._queue.get()
                if isinstance(item, _End):
                    end = item
                    break
                block = np.asarray(item, dtype=np.float32)
                block = block.reshape(-1, 1) if block.ndim == 1 else block
                if block.shape[1] != channels:
                    raise AudioError(f"The input delivered {block.shape[1]} channels instead of {channels}.")
                block = block[: self.max_frames - self.frames]
                self._writer.write(block)
                self.frames += block.shape[0]
                if self.frames - synced_at >= SYNC_EVERY_S * rate:
                    self._writer.flush()
                    synced_at = self.frames
                level = block_level(block, self.elapsed_s)
                clipped_blocks += level.clipped
                peak = max(peak, level.peak_db)
                if self.on_level is not None:
                    self.on_level(level)
                if self.frames >= self.max_frames:
                    end = _End("max_duration")
                    self._accepting = False
                    self.source.stop()
                    break
        except Exception as error:  # noqa: BLE001 - disk full, device oddities: keep what we have
            end = _End("error", _write_failure(error, self.path))
            self._accepting = False
            try:
                self.source.stop()
            except Exception:  # noqa: BLE001
                pass
        try:
            self._writer.close()
        except Exception as error:  # noqa: BLE001
            end = _End("error", end.error or _write_failure(error, self.path))
        if end.reason == "error" and self.frames:
            try:  # a write cut short may have left the header behind: bring it up to date in place
                self.frames = max(self.frames, recover_take(self.path, folder=self.path.parent, read=False).frames)
            except (VoiceDeskError, OSError):
                pass
        take = Take(path=self.path, rate=rate, channels=channels, frames=self.frames,
                    stopped_by=end.reason, error=end.error, clipped_blocks=clipped_blocks, peak_db=peak)
        if clipped_blocks:
            take.warnings.append("The input was clipped (too loud) in places; "
                                 "lower the input gain or move the microphone further away.")
        if self.frames == 0 and self.path is not None:
            self.path.unlink(missing_ok=True)  # nothing recorded: leave no empty file behind
        self.take = take
        try:
            if self.on_finished is not None:
                self.on_finished(take)
        finally:
            self._done.set()  # after the callback: wait() returning means everything is done


def _write_failure(error: BaseException, path: Path) -> str:
    """What to tell the user when writing the take failed ("System error." says nothing)."""
    if isinstance(error, VoiceDeskError):
        return f"Recording stopped: {error}"
    full = getattr(error, "errno", None) in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
    try:
        full = full or shutil.disk_usage(path.parent).free < 1 << 20
    except OSError:
        pass
    if full:
        return (f"Recording stopped: the disk holding {path.parent} is full. Nothing recorded until then is lost; "
                "free some space, or choose another folder for takes, before recording again.")
    return (f"Recording stopped: the take could not be written to {path.parent} ({error}). Nothing recorded until "
            "then is lost; check that the disk is still connected and writable, or choose another folder for takes.")


# --- crash recovery -----------------------------------------------------------------------

_FLOAT, _PCM, _EXTENSIBLE = 3, 1, 0xFFFE


@dataclass
class RecoveredTake:
    """Samples read back from a (possibly unfinished) take: (frames,) mono or (frames, channels).
    ``note`` says why a take whose header is behind was not repaired."""

    path: Path
    samples: np.ndarray | None          # None when not asked for (read=False)
    rate: int
    channels: int
    repaired: bool
    frames: int = 0
    note: str | None = None


@dataclass
class _WavLayout:
    rate: int
    channels: int
    format_tag: int
    bits: int
    block_align: int
    data_start: int
    declared: int
    actual: int
    fact_at: int | None


class DamagedTakeError(AudioError):
    """A take whose header cannot be made sense of."""


_DECODABLE = {(_FLOAT, 32), (_FLOAT, 64), (_PCM, 16), (_PCM, 24), (_PCM, 32)}


def _format(path: Path, raw: bytes) -> tuple[int, int, int, int, int]:
    """(format tag, channels, rate, block align, bits) from a fmt chunk, checked: a damaged
    header gets a message, never a division by zero further on."""
    if len(raw) < 16:
        raise DamagedTakeError(f"The take's format header is cut short ({len(raw)} bytes instead of 16); it cannot be "
                         "recovered.", path=path)
    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", raw[:16])
    if tag == _EXTENSIBLE and len(raw) >= 26:
        tag = struct.unpack("<H", raw[24:26])[0]
    if not channels or not rate or bits % 8 or block_align != channels * bits // 8 or (tag, bits) not in _DECODABLE:
        raise DamagedTakeError(f"The take's format header is damaged (format {tag}, {channels} channel(s), {bits}-bit "
                         f"samples, {block_align}-byte frames, {rate} Hz); it cannot be recovered.", path=path)
    return tag, channels, rate, block_align, bits


def _data_follows(f, at: int, size: int) -> bool:
    """True when what lies after the declared data chunk (at ``at``) is more audio: not a
    chunk, and not just zero padding."""
    f.seek(at)
    head = f.read(8)
    if len(head) == 8 and all(32 <= c < 127 for c in head[:4]) and at + 8 + struct.unpack("<I", head[4:])[0] <= size:
        return False
    f.seek(at)
    for block in iter(lambda: f.read(1 << 16), b""):
        if block.strip(b"\0"):
            return True
    return False


def _layout(path: Path, f) -> _WavLayout:
    """The take's chunks, read from the open file (headers only: the samples stay on disk)."""
    size = f.seek(0, 2)
    f.seek(0)
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise AudioError("This is not a WAV take Voice Desk can recover.", path=path)
    offset, fmt, fact_at = 12, None, None
    while offset + 8 <= size:
        f.seek(offset)
        ident, length = struct.unpack("<4sI", f.read(8))
        if ident == b"fmt ":
            fmt = _format(path, f.read(min(length, 40)))
        elif ident == b"fact":
            fact_at = offset + 8
        elif ident == b"data":
            if fmt is None:
                break
            tag, channels, rate, block_align, bits = fmt
            start = offset + 8
            available = size - start
            if length in (0, 0xFFFFFFFF) or length > available:
                actual = available
            elif length < available and _data_follows(f, start + length + (length & 1), size):
                actual = available  # the header lags behind the data written after it
            else:
                actual = length
            actual -= actual % block_align
            return _WavLayout(rate, channels, tag, bits, block_align, start, length, actual, fact_at)
        offset += 8 + length + (length & 1)
    raise AudioError("The take has no audio data chunk; nothing can be recovered.", path=path)


def _decode(data: bytes, layout: _WavLayout) -> np.ndarray:
    if layout.format_tag == _FLOAT:
        samples = np.frombuffer(data, dtype="<f4" if layout.bits == 32 else "<f8").astype(np.float32)
    elif layout.bits == 16:
        samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    elif layout.bits == 32:
        samples = (np.frombuffer(data, dtype="<i4").astype(np.float64) / 2 ** 31).astype(np.float32)
    else:
        b = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8
        samples = (ints / 2 ** 23).astype(np.float32)
    samples = samples.reshape(-1, layout.channels)
    return samples[:, 0].copy() if layout.channels == 1 else samples


def _why_not_repair(path: Path, folder: str | Path | None) -> str | None:
    """Why writing into ``path`` could change something else than this take (None: it cannot)."""
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"it cannot be examined ({error.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "it is a link, and Voice Desk never writes through a link"
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        return "it has other names (hard links), and writing to it would change those files too"
    if folder is not None and os.path.realpath(path.parent) != os.path.realpath(folder):
        return "it is not in the takes folder"
    return None


def _write_sizes(path: Path, layout: _WavLayout) -> None:
    """Correct the RIFF, data and fact sizes in place (never through a link)."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_nlink != 1:
            raise AudioError("The take changed while being repaired; it was left as it is.", path=path)
        for at, value in ((layout.data_start - 4, layout.actual), (4, layout.data_start + layout.actual - 8),
                          (layout.fact_at, layout.actual // layout.block_align)):
            if at is not None:
                os.lseek(fd, at, os.SEEK_SET)
                os.write(fd, struct.pack("<I", value))
        os.fsync(fd)
    finally:
        os.close(fd)


def recover_take(path: str | Path, repair: bool = True, folder: str | Path | None = None,
                 read: bool = True) -> RecoveredTake:
    """Read a take even if recording was cut off before its WAV header was finalised.

    The data chunk is taken to run to the end of the file when its declared size is missing,
    too large, or behind the data actually written (not when zeros merely pad a complete take).
    With ``repair`` the RIFF, data and fact sizes in the header are corrected in place (the
    samples are not touched), so any program can open the take afterwards: only for a regular
    file with one name, not a link, and inside ``folder`` (the takes folder) when it is given.
    ``read=False`` only repairs: the samples of a long take are not loaded into memory.
    """
    path = Path(path)
    try:
        with open_regular(path, "a take", AudioError) as f:
            layout = _layout(path, f)
            samples = None
            if read:
                f.seek(layout.data_start)
                samples = _decode(f.read(layout.actual), layout)
    except OSError as error:
        raise AudioError(f"The take cannot be read ({error.strerror}).", path=path) from error
    repaired, note = False, None
    if repair and layout.actual != layout.declared:
        note = _why_not_repair(path, folder)
        if note is None:
            _write_sizes(path, layout)
            repaired = True
        else:
            note = f"{path.name} was read but not repaired: {note}."
    return RecoveredTake(path=path, samples=samples, rate=layout.rate, channels=layout.channels,
                         repaired=repaired, frames=layout.actual // layout.block_align, note=note)


def _header_consistent(f) -> bool:
    """Quick check from the first 64 KiB: the data chunk's size accounts for the whole file."""
    head = f.read(1 << 16)
    size = os.fstat(f.fileno()).st_size
    offset = 12
    while offset + 8 <= len(head):
        ident, chunk = head[offset:offset + 4], struct.unpack("<I", head[offset + 4:offset + 8])[0]
        if ident == b"data":
            return offset + 8 + chunk + (chunk & 1) in (size, size - (chunk & 1))
        offset += 8 + chunk + (chunk & 1)
    return False


def unfinished_takes(folder: str | Path) -> list[Path]:
    """Takes in ``folder`` to look at: those whose header does not match the data on disk
    (cut-off recordings), and those whose header is damaged (:func:`recover_take` says how).
    Links and anything but regular files are left alone."""
    found = []
    for path in sorted(Path(folder).glob("take-*.wav")):
        try:
            if path.is_symlink() or not path.is_file():
                continue
            with open_regular(path, "a take", AudioError) as f:
                if _header_consistent(f):
                    continue
                try:
                    layout = _layout(path, f)
                except DamagedTakeError:
                    found.append(path)   # recover_take says what is wrong with it
                    continue
        except (OSError, VoiceDeskError, struct.error):
            continue
        if layout.actual != layout.declared:
            found.append(path)
    return found
