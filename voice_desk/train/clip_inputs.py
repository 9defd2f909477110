"""From clip files to the AST's input: load (16 kHz via voice_desk.audio) and feature-extract."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np


def file_sha256(path: str | Path) -> str:
    """Content hash of an audio file: the embedding cache's key for the clip. Raises an
    AudioError for a file that cannot be read (or is not a regular file: a pipe would block)."""
    from voice_desk.errors import AudioError, AudioNotFoundError
    from voice_desk.files import open_regular

    h = hashlib.sha256()
    with open_regular(path, "an audio file", AudioError, AudioNotFoundError) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_values(samples_list: list[np.ndarray], extractor) -> np.ndarray:
    """(n, max_length, num_mel_bins) float32 model inputs for 16 kHz clips."""
    out = extractor(samples_list, sampling_rate=extractor.sampling_rate, return_tensors="np")["input_values"]
    return np.asarray(out, dtype=np.float32)


def load_samples(path: str) -> np.ndarray:
    """16 kHz mono samples; raises a VoiceDeskError (AudioError) for a clip that cannot be used."""
    from voice_desk.audio.load import load_recording

    return load_recording(path).samples
