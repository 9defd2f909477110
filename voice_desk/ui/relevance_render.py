"""Relevance maps as pictures on the spectrogram's own axes (linear Hz, seconds).

The model's map lives on 128 mel bins with 10 ms frames; the spectrogram on linear Hz.
Each display row takes the mel bin nearest its frequency, so the overlay lines up with the
spectrogram under it. Two renderings: the study's (``study_rgb``: hue = relevance,
brightness = spectral power) and a heat map (red-yellow, transparent where relevance is below 40 % of the clip's range)
laid over the grey spectrogram.
"""

from __future__ import annotations

import numpy as np

from voice_desk.model.relevance_image import mel_bin_centres_hz, normalise_relevance, study_rgb

RENDERINGS = ("study", "heat")
ROWS = 256
HEAT_FLOOR = 0.4


def mel_rows_for(max_hz: float, n_bins: int, rows: int = ROWS) -> np.ndarray:
    """For each display row (0..max_hz), the nearest mel bin index."""
    hz = (np.arange(rows) + 0.5) * max_hz / rows
    centres = mel_bin_centres_hz(n_bins)
    return np.clip(np.rint(np.interp(hz, centres, np.arange(n_bins))), 0, n_bins - 1).astype(int)


def relevance_rgba(log_mel_power: np.ndarray, frame_relevance: np.ndarray, max_hz: float,
                   rendering: str = "study") -> np.ndarray:
    """(frames, rows, 4) uint8 RGBA on linear Hz rows from 0 to ``max_hz``."""
    n_bins = frame_relevance.shape[1]
    rows = mel_rows_for(max_hz, n_bins)
    if rendering == "study":
        rgb = study_rgb(log_mel_power, frame_relevance)[:, rows, :]
        alpha = np.ones(rgb.shape[:2] + (1,), np.float32)
    elif rendering == "heat":
        rel = normalise_relevance(frame_relevance)[:, rows]
        rgb = np.stack([np.ones_like(rel), np.clip(rel * 2 - 1, 0, 1), np.zeros_like(rel)], axis=-1)
        rgb[..., 0] = np.clip(0.5 + rel, 0, 1)
        # transparent over the lower 40 % of the clip's relevance, opaque at its top: the grey
        # spectrogram stays readable where the model did not look
        ramp = np.clip((rel - HEAT_FLOOR) / (1.0 - HEAT_FLOOR), 0, 1)
        alpha = (ramp * ramp * (3 - 2 * ramp))[..., None]
    else:
        raise ValueError(f"unknown rendering {rendering!r}; choose one of {RENDERINGS}")
    return (np.concatenate([rgb, alpha], axis=-1) * 255).astype(np.uint8)
