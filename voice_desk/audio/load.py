"""Load a recording from WAV, FLAC, OGG or NSP into 16 kHz mono float32.

The source file is only ever opened for reading, and only when it is a regular file
(:func:`voice_desk.files.open_regular`: a pipe or a device would block for ever). The format
is told by the file's first bytes, not its name, and only the formats of
:data:`SUPPORTED_SUFFIXES` are decoded: anything else (MP3 above all, whose decoder prints pages
of diagnostics on damaged data) is refused before a decoder sees it. However long the file or
whatever its header says, at most :data:`MAX_SAMPLES` samples are read.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from voice_desk.audio.checks import check_channels, check_samples
from voice_desk.audio.recording import Recording
from voice_desk.audio.resample import MODEL_RATE, resample
from voice_desk.errors import AudioNotFoundError, UnsupportedAudioError
from voice_desk.files import open_regular

SUPPORTED_SUFFIXES = (".wav", ".flac", ".ogg", ".nsp")
#: libsndfile's names of the containers behind those suffixes (NSP is read by voice_desk.audio.nsp).
SOUNDFILE_FORMATS = {"WAV": ".wav", "WAVEX": ".wav", "RF64": ".wav", "FLAC": ".flac", "OGG": ".ogg"}
#: Longer files are read only up to here (the models look at 10.24 s at most; the window
#: shows the start). A whole session recording would otherwise fill the memory.
MAX_LOAD_S = 600.0
#: At most this many samples (frames x channels) are read: 10 minutes of 48 kHz stereo
#: (230 MB as float32), so a high rate or many channels cannot fill the memory either.
MAX_SAMPLES = int(MAX_LOAD_S * 48_000 * 2)
#: No recorder samples faster; a header that says more is damaged.
MAX_RATE = 768_000


def _not_audio(path: Path, why: str = "this file is not audio Voice Desk can read, or it is damaged."
               ) -> UnsupportedAudioError:
    return UnsupportedAudioError(why, path=path, hint=f"Use WAV, FLAC, OGG or NSP ({', '.join(SUPPORTED_SUFFIXES)}).")


def sniff_format(head: bytes) -> str | None:
    """The container from the first bytes: 'wav', 'flac', 'ogg', 'nsp', 'mp3' or None."""
    if head[:4] in (b"RIFF", b"RIFX", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:8] == b"FORMDS16":
        return "nsp"
    if head[:3] == b"ID3" or _mpeg_frame(head):
        return "mp3"
    return None


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, then no reserved version, layer, bitrate or rate."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    return (head[1] >> 3) & 3 != 1 and (head[1] >> 1) & 3 != 0 and head[2] >> 4 != 15 and (head[2] >> 2) & 3 != 3


def _mp3(path: Path) -> UnsupportedAudioError:
    return UnsupportedAudioError("this is MP3 audio, which Voice Desk does not read: its lossy coding changes the "
                                 "voice's spectrum, which the assessment looks at.", path=path,
                                 hint="Use the original recording as WAV or FLAC (converting the MP3 does not bring "
                                      "back what was lost).")


def frame_limit(rate: int, channels: int, max_seconds: float | None) -> int:
    """How many frames to read at most: ``max_seconds`` and :data:`MAX_SAMPLES` both hold."""
    limit = MAX_SAMPLES // max(int(channels), 1)
    return limit if max_seconds is None else min(limit, int(max_seconds * rate))


def _check_rate(rate: int, path: Path) -> None:
    if not 0 < rate <= MAX_RATE:
        raise UnsupportedAudioError(f"its header gives a sample rate of {rate:,} Hz, which no recorder uses, so the "
                                    "header is damaged.", path=path,
                                    hint="Export the recording again, or use the file as it came from the recorder.")


def read_samples(path: Path, max_seconds: float | None = MAX_LOAD_S) -> tuple[np.ndarray, int, list[str]]:
    """Raw samples (frames, channels) or (frames,) as float32, the file's rate, and warnings
    (a file longer than ``max_seconds``, or than :data:`MAX_SAMPLES` allows, is read only that far)."""
    path = Path(path)
    with open_regular(path, "an audio file", UnsupportedAudioError, AudioNotFoundError,
                      folder_hint="Choose a recording (WAV, FLAC, OGG or NSP) inside it.") as f:
        try:
            kind = sniff_format(f.read(12))
            f.seek(0)
            if kind == "mp3":
                raise _mp3(path)
            if kind == "nsp":
                return _read_nsp(f, path, max_seconds)
            if kind is None:
                raise _not_audio(path)
            return _read_soundfile(f, path, max_seconds)
        except OSError as exc:   # the disk failed, or the file went away while being read
            raise UnsupportedAudioError(f"the file could not be read to its end ({exc.strerror or exc}).", path=path,
                                        hint="Check the disk, or copy the file somewhere else and try again.") from exc


def _read_nsp(f, path: Path, max_seconds: float | None) -> tuple[np.ndarray, int, list[str]]:
    from voice_desk.audio.nsp import nsp_layout, read_nsp_frames

    layout = nsp_layout(f, path)
    _check_rate(layout.rate, path)
    keep = frame_limit(layout.rate, len(layout.channels), max_seconds)
    samples = read_nsp_frames(f, layout, keep)
    return samples, layout.rate, _cut_warning(layout.frames, samples.shape[0], layout.rate)


def _read_soundfile(f, path: Path, max_seconds: float | None) -> tuple[np.ndarray, int, list[str]]:
    import soundfile as sf

    os.lseek(f.fileno(), 0, os.SEEK_SET)  # libsndfile reads the descriptor, not the Python buffer
    try:
        sound = sf.SoundFile(f.fileno(), closefd=False)
    except Exception as exc:  # soundfile.LibsndfileError and friends
        raise _not_audio(path) from exc
    with sound:
        if sound.format not in SOUNDFILE_FORMATS:
            raise _not_audio(path)
        if sound.subtype.startswith("MPEG"):
            raise _mp3(path)
        rate, channels, total = int(sound.samplerate), int(sound.channels), int(sound.frames)
        _check_rate(rate, path)
        keep = frame_limit(rate, channels, max_seconds)
        try:
            data = sound.read(frames=keep, dtype="float32", always_2d=True)
        except Exception as exc:  # noqa: BLE001 - a damaged stream
            raise _not_audio(path) from exc
    total = data.shape[0] if data.shape[0] < keep else max(total, data.shape[0])
    return data, rate, _cut_warning(total, data.shape[0], rate)


def _cut_warning(total: int, kept: int, rate: int) -> list[str]:
    if total <= kept:
        return []
    return [f"the file is {_span(total / rate)} long; only its first {_span(kept / rate)} were read."]


def _span(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average the channels (a mono file passes through unchanged)."""
    if samples.ndim == 1:
        return samples
    with np.errstate(invalid="ignore"):   # inf and -inf make NaN, which check_samples reports
        return samples.mean(axis=1, dtype=np.float64).astype(np.float32)


def load_recording(path: str | Path, target_rate: int = MODEL_RATE,
                   max_seconds: float | None = MAX_LOAD_S) -> Recording:
    """Load, check, mix to mono and resample a recording.

    Raises a :class:`voice_desk.errors.AudioError` subclass for audio that cannot be
    assessed; doubtful audio (clipping, a low sample rate, a very long file) loads with
    ``Recording.warnings`` set.
    """
    path = Path(path)
    raw, rate, warnings = read_samples(path, max_seconds)
    return _checked(raw, rate, target_rate, path, warnings)


def recording_from_array(samples: np.ndarray, rate: int, target_rate: int = MODEL_RATE,
                         name: str | None = None) -> Recording:
    """Build a checked 16 kHz recording from samples in memory (e.g. a fresh take)."""
    return _checked(np.asarray(samples, dtype=np.float32), int(rate), target_rate, Path(name) if name else None, [])


def _checked(raw: np.ndarray, rate: int, target_rate: int, path: Path | None, warnings: list[str]) -> Recording:
    channels = 1 if raw.ndim == 1 else raw.shape[1]
    if raw.ndim == 2 and channels == 0:
        raise UnsupportedAudioError("the file has no audio channels.", path=path,
                                    hint="Record or export the recording again.")
    mono = to_mono(raw)
    check_channels(raw, mono, path=path)
    warnings = warnings + check_samples(mono, rate, path=path, channels=raw)
    return Recording(samples=resample(mono, rate, target_rate), sample_rate=target_rate, original_rate=rate,
                     original_channels=channels, path=path, warnings=warnings)
