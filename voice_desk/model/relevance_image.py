"""Turning a relevance map and a log-mel spectrogram into pictures.

The study's rendering joins both in one image: **hue = relevance, brightness = spectral
power**. The heat-map rendering lays relevance over a grey spectrogram. Both are plain
numpy (the window uses them too); ``save_png`` adds axes with matplotlib.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Kaldi fbank's mel range for 16 kHz input (ASTFeatureExtractor: 20 Hz to Nyquist).
MEL_LOW_HZ = 20.0
MEL_HIGH_HZ = 8000.0
DYNAMIC_RANGE_DB = 70.0
_LN_TO_DB = 10.0 / np.log(10.0)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (np.exp(np.asarray(mel) / 1127.0) - 1.0)


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    return 1127.0 * np.log(1.0 + np.asarray(hz) / 700.0)


def mel_bin_centres_hz(n_bins: int = 128, low: float = MEL_LOW_HZ, high: float = MEL_HIGH_HZ) -> np.ndarray:
    """Centre frequency in Hz of each of Kaldi's triangular mel filters."""
    lo, hi = hz_to_mel(low), hz_to_mel(high)
    return mel_to_hz(lo + (np.arange(n_bins) + 1) * (hi - lo) / (n_bins + 1))


def power_brightness(log_mel_power: np.ndarray, dynamic_range_db: float = DYNAMIC_RANGE_DB) -> np.ndarray:
    """Natural-log mel power -> 0..1, the top ``dynamic_range_db`` dB of the clip."""
    db = log_mel_power * _LN_TO_DB
    top = float(np.max(db)) if db.size else 0.0
    return np.clip((db - (top - dynamic_range_db)) / dynamic_range_db, 0.0, 1.0)


def normalise_relevance(relevance: np.ndarray) -> np.ndarray:
    """Scale to 0..1 over the clip (a flat map becomes all zeros)."""
    lo, hi = float(np.min(relevance)), float(np.max(relevance))
    if hi - lo <= 0:
        return np.zeros_like(relevance, dtype=np.float32)
    return ((relevance - lo) / (hi - lo)).astype(np.float32)


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    i = np.floor(h * 6.0).astype(int) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-1).astype(np.float32)


def study_rgb(log_mel_power: np.ndarray, relevance: np.ndarray,
              dynamic_range_db: float = DYNAMIC_RANGE_DB) -> np.ndarray:
    """(frames, mel) inputs -> (frames, mel, 3) RGB in 0..1: hue from blue (low relevance)
    to red (high), brightness from spectral power."""
    hue = (1.0 - normalise_relevance(relevance)) * (2.0 / 3.0)
    value = power_brightness(log_mel_power, dynamic_range_db)
    return _hsv_to_rgb(hue, np.ones_like(value), value)


def heat_rgb(log_mel_power: np.ndarray, relevance: np.ndarray, opacity: float = 0.6,
             dynamic_range_db: float = DYNAMIC_RANGE_DB) -> np.ndarray:
    """Relevance as a heat map (black-red-yellow) blended over a grey spectrogram."""
    grey = power_brightness(log_mel_power, dynamic_range_db)[..., None].repeat(3, axis=-1)
    rel = normalise_relevance(relevance)
    heat = np.stack([np.clip(rel * 2, 0, 1), np.clip(rel * 2 - 1, 0, 1), np.zeros_like(rel)], axis=-1)
    alpha = opacity * rel[..., None]
    return ((1 - alpha) * grey + alpha * heat).astype(np.float32)


def _legend(rendering: str):
    """A colour scale for the relevance hue (study) or heat (heat map), at full brightness."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, Normalize

    level = np.linspace(0.0, 1.0, 256)
    if rendering == "study":
        colours = _hsv_to_rgb((1.0 - level) * (2.0 / 3.0), np.ones_like(level), np.ones_like(level))
    else:
        colours = np.stack([np.clip(level * 2, 0, 1), np.clip(level * 2 - 1, 0, 1), np.zeros_like(level)], axis=-1)
    return ScalarMappable(norm=Normalize(0.0, 1.0), cmap=ListedColormap(colours))


def save_png(explanation, path: str | Path, rendering: str = "study", title: str | None = None) -> Path:
    """Write the explanation as a picture (PNG; .svg/.pdf by the file name) with time (s) and
    frequency (Hz) axes, a relevance colour scale, and the recording's warnings."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    power, relevance = explanation.log_mel_power, explanation.frame_relevance
    rgb = study_rgb(power, relevance) if rendering == "study" else heat_rgb(power, relevance)
    n_frames, n_bins = power.shape
    fig, ax = plt.subplots(figsize=(10, 4), dpi=120)
    # rows of the image are mel bins, lowest frequency at the bottom
    ax.imshow(np.transpose(rgb, (1, 0, 2)), origin="lower", aspect="auto",
              extent=(0, n_frames * explanation.frame_shift, -0.5, n_bins - 0.5), interpolation="nearest")
    centres = mel_bin_centres_hz(n_bins)
    ticks_hz = [100, 250, 500, 1000, 2000, 4000, 8000]
    ax.set_yticks([float(np.interp(hz, centres, np.arange(n_bins))) for hz in ticks_hz])
    ax.set_yticklabels([f"{hz:g}" for hz in ticks_hz])
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Frequency (Hz, mel scale)")
    p = explanation.prediction
    if p.gives_verdict:
        verdict = f"P(pathological) = {p.pathology_probability:.2f}"
    else:
        top = p.top_classes(1)
        verdict = "no verdict" + (f"; top class: {top[0][0]}" if top else "")
    ax.set_title(title or f"{Path(p.source).name} — {p.model} — {verdict}", fontsize=9)
    bar = fig.colorbar(_legend(rendering), ax=ax, pad=0.01, fraction=0.03, ticks=[0, 1])
    bar.ax.set_yticklabels(["low", "high"], fontsize=7)
    bar.set_label("relevance (within this recording)", fontsize=7)
    caption = ("hue = relevance (blue low, red high), brightness = spectral power (top 70 dB)"
               if rendering == "study" else "heat = relevance over the grey spectrogram")
    lines = [caption + ". Research use only, not a diagnosis."]
    lines += [f"Warning: {w}" for w in p.warnings]
    for i, line in enumerate(reversed(lines)):
        fig.text(0.01, 0.01 + 0.035 * i, line, fontsize=7, color="black" if i == len(lines) - 1 else "#8a5a00")
    fig.tight_layout(rect=(0, 0.01 + 0.035 * len(lines), 1, 1))
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
