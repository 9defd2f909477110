"""Load a recording from WAV, FLAC, OGG or NSP into 16 kHz mono float32.

The source file is only ever opened for reading.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from voice_desk.audio.checks import check_channels, check_samples
from voice_desk.audio.recording import Recording
from voice_desk.audio.resample import MODEL_RATE, resample
from voice_desk.errors import AudioError, AudioNotFoundError, UnsupportedAudioError

SUPPORTED_SUFFIXES = (".wav", ".flac", ".ogg", ".nsp")
#: Longer files are read only up to here (the models look at 10.24 s at most; the window
#: shows the start). A whole session recording would otherwise fill the memory.
MAX_LOAD_S = 600.0


def _not_audio(path: Path) -> UnsupportedAudioError:
    return UnsupportedAudioError(
        "this file is not audio Voice Desk can read, or it is damaged.", path=path,
        hint=f"Use WAV, FLAC, OGG or NSP ({', '.join(SUPPORTED_SUFFIXES)}).")


def read_samples(path: Path, max_seconds: float | None = MAX_LOAD_S) -> tuple[np.ndarray, int, list[str]]:
    """Raw samples (frames, channels) or (frames,) as float32, the file's rate, and warnings
    (a file longer than ``max_seconds`` is read only that far)."""
    if not path.exists():
        raise AudioNotFoundError("the file does not exist.", path=path, hint="Check the path and try again.")
    if path.is_dir():
        raise UnsupportedAudioError("this is a folder, not an audio file.", path=path,
                                    hint="Choose a recording (WAV, FLAC, OGG or NSP) inside it.")
    if not os.access(path, os.R_OK):
        raise AudioError("Voice Desk is not allowed to read this file (permission denied).", path=path,
                         hint="Copy it to a folder of your own, or ask for read access.")
    if path.suffix.lower() == ".nsp":
        from voice_desk.audio.nsp import read_nsp

        try:
            samples, rate = read_nsp(path)
        except Exception as exc:  # nspfile raises ValueError/RuntimeError/UnicodeError on bad files
            raise UnsupportedAudioError(f"this is not a readable NSP (Kay CSL) file ({exc}).", path=path,
                                        hint="Use the file as it came from the Saarbruecken Voice Database.") from exc
        if rate <= 0:
            raise UnsupportedAudioError(f"the NSP header gives a sample rate of {rate} Hz.", path=path,
                                        hint="Use the file as it came from the Saarbruecken Voice Database.")
        return _cut(samples, rate, max_seconds)
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:  # opened once: its header gives the length and rate
            rate, total = f.samplerate, f.frames
            limit = -1 if max_seconds is None else int(max_seconds * rate) + 1
            data = f.read(frames=limit, dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile.LibsndfileError and friends
        raise _not_audio(path) from exc
    return _cut(data, int(rate), max_seconds, total_frames=total)


def _cut(samples: np.ndarray, rate: int, max_seconds: float | None,
         total_frames: int | None = None) -> tuple[np.ndarray, int, list[str]]:
    total = samples.shape[0] if total_frames is None else max(int(total_frames), samples.shape[0])
    if max_seconds is None or total <= max_seconds * rate:
        return samples, rate, []
    keep = int(max_seconds * rate)
    warning = f"the file is {_span(total / rate)} long; only its first {_span(max_seconds)} were read."
    return samples[:keep], rate, [warning]


def _span(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average the channels (a mono file passes through unchanged)."""
    if samples.ndim == 1:
        return samples
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
