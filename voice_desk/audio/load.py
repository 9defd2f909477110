"""Load a recording from WAV, FLAC, OGG or NSP into 16 kHz mono float32.

The source file is only ever opened for reading.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voice_desk.audio.checks import check_samples
from voice_desk.audio.recording import Recording
from voice_desk.audio.resample import MODEL_RATE, resample
from voice_desk.errors import AudioNotFoundError, UnsupportedAudioError

SUPPORTED_SUFFIXES = (".wav", ".flac", ".ogg", ".nsp")


def read_samples(path: Path) -> tuple[np.ndarray, int]:
    """Raw samples (frames, channels) or (frames,) as float32 and the file's rate."""
    if not path.exists():
        raise AudioNotFoundError("the file does not exist.", path=path, hint="Check the path and try again.")
    if path.is_dir():
        raise UnsupportedAudioError("this is a folder, not an audio file.", path=path)
    if path.suffix.lower() == ".nsp":
        from voice_desk.audio.nsp import read_nsp

        try:
            return read_nsp(path)
        except Exception as exc:  # nspfile raises ValueError/RuntimeError/UnicodeError on bad files
            raise UnsupportedAudioError(f"this is not a readable NSP (Kay CSL) file ({exc}).", path=path,
                                        hint="Use the file as it came from the Saarbruecken Voice Database.") from exc
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile.LibsndfileError and friends
        raise UnsupportedAudioError(
            "this file is not audio Voice Desk can read, or it is damaged.", path=path,
            hint=f"Use WAV, FLAC, OGG or NSP ({', '.join(SUPPORTED_SUFFIXES)}).") from exc
    return data, int(rate)


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average the channels (a mono file passes through unchanged)."""
    if samples.ndim == 1:
        return samples
    return samples.mean(axis=1, dtype=np.float64).astype(np.float32)


def load_recording(path: str | Path, target_rate: int = MODEL_RATE) -> Recording:
    """Load, check, mix to mono and resample a recording.

    Raises a :class:`voice_desk.errors.AudioError` subclass for audio that cannot be
    assessed; doubtful audio (clipping) loads with ``Recording.warnings`` set.
    """
    path = Path(path)
    raw, rate = read_samples(path)
    channels = 1 if raw.ndim == 1 else raw.shape[1]
    mono = to_mono(raw)
    warnings = check_samples(mono, rate, path=path)
    samples = resample(mono, rate, target_rate)
    return Recording(samples=samples, sample_rate=target_rate, original_rate=rate,
                     original_channels=channels, path=path, warnings=warnings)


def recording_from_array(samples: np.ndarray, rate: int, target_rate: int = MODEL_RATE,
                         name: str | None = None) -> Recording:
    """Build a checked 16 kHz recording from samples in memory (e.g. a fresh take)."""
    samples = np.asarray(samples, dtype=np.float32)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    mono = to_mono(samples)
    warnings = check_samples(mono, rate, path=name)
    return Recording(samples=resample(mono, rate, target_rate), sample_rate=target_rate, original_rate=rate,
                     original_channels=channels, path=Path(name) if name else None, warnings=warnings)
