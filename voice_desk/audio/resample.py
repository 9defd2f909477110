"""Resampling with a proper anti-aliasing filter (libsoxr, 'VHQ')."""

from __future__ import annotations

import numpy as np

MODEL_RATE = 16_000


def resample(samples: np.ndarray, rate: int, target: int = MODEL_RATE) -> np.ndarray:
    """Resample mono float samples from ``rate`` to ``target`` Hz; float32 out."""
    samples = np.asarray(samples, dtype=np.float32)
    if rate == target:
        return samples
    import soxr

    return soxr.resample(samples, rate, target, quality="VHQ").astype(np.float32, copy=False)
