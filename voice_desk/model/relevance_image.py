"""Relevance maps as pictures: the one place where relevance becomes colours.

The window's overlay, its colour keys and ``voice-desk explain --png`` all take their colours
from :func:`relevance_rgba`, so a colour means the same wherever a map is shown.

Renderings (:data:`RENDERINGS`):

* ``"study"`` — the study's picture: relevance and spectrogram joined in one opaque image,
  **hue = relevance** (blue low .. red high, relative to the clip), **brightness = mel power**
  (the clip's top 70 dB).
* ``"heat"`` — red to yellow where relevance is high, transparent below 40 % of the clip's range,
  meant to lie over a grey spectrogram drawn as Praat draws it (white quiet, black loud); the
  PNG puts it over :func:`grey_levels` of the mel power, the window over its own spectrogram.

Frequency axes (:data:`FREQUENCY_AXES`):

* ``"mel"`` — the model's own mel rows (128, lowest at the bottom), each drawn on the mel scale
  (:func:`hz_to_mel`) centred at its filter's centre, see :func:`mel_rows_extent`;
* ``"linear"`` — rows resampled to linear Hz from 0 to ``max_hz`` (Praat's picture, 5000 Hz by
  default); each row takes the mel bin nearest its frequency.

Scales (:data:`SCALES`): how relevance becomes a colour level.

* ``"recording"`` — from the recording's lowest to its highest relevance (the study's picture); a
  nearly flat map is stretched over the whole range, and two maps cannot be compared by colour;
* ``"uniform"`` — relevance relative to a uniform map (every cell the same: 1×), on a fixed
  log scale from ¼× to 4×, so a colour means the same for every recording and model.

Time: frame *i* of a map is Kaldi's 25 ms window starting at ``i * frame_shift`` (centred 12.5 ms
later), see :func:`frame_extent`.

Plain numpy; :func:`save_png` imports matplotlib when it is called.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

RENDERINGS = ("study", "heat")
FREQUENCY_AXES = ("linear", "mel")
SCALES = ("recording", "uniform")
#: The uniform scale spans this many octaves either side of 1× (¼× .. 4×).
UNIFORM_OCTAVES = 2.0
SCALE_WORDS = {"recording": ("low", "high", "relevance (within this recording)"),
               "uniform": ("¼×", "4×", "relevance relative to a uniform map (1× in the middle)")}
#: Kaldi fbank's mel range for 16 kHz input (ASTFeatureExtractor: 20 Hz to Nyquist).
MEL_LOW_HZ = 20.0
MEL_HIGH_HZ = 8000.0
#: Hz labels on a mel axis (the PNG's and the window's).
MEL_TICKS_HZ = (100, 250, 500, 1000, 2000, 4000, 8000)
#: The linear axis's top when none is given: Praat's default spectrogram view.
LINEAR_MAX_HZ = 5000.0
LINEAR_ROWS = 256
DYNAMIC_RANGE_DB = 70.0
#: The heat map is transparent below this share of the clip's relevance range.
HEAT_FLOOR = 0.4
#: Centre of frame 0 (Kaldi's 25 ms window), in seconds.
FRAME_CENTRE_S = 0.0125
#: The display grey (0 black .. 255 white) the heat map's colour key is shown over: a quiet cell.
LEGEND_GREY = 200
_LN_TO_DB = 10.0 / np.log(10.0)


# ---------------------------------------------------------------------------- scales

def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (np.exp(np.asarray(mel) / 1127.0) - 1.0)


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    return 1127.0 * np.log(1.0 + np.asarray(hz) / 700.0)


def _mel_step(n_bins: int) -> tuple[float, float]:
    lo, hi = float(hz_to_mel(MEL_LOW_HZ)), float(hz_to_mel(MEL_HIGH_HZ))
    return lo, (hi - lo) / (n_bins + 1)


def mel_bin_centres_hz(n_bins: int = 128, low: float = MEL_LOW_HZ, high: float = MEL_HIGH_HZ) -> np.ndarray:
    """Centre frequency in Hz of each of Kaldi's triangular mel filters."""
    lo, hi = hz_to_mel(low), hz_to_mel(high)
    return mel_to_hz(lo + (np.arange(n_bins) + 1) * (hi - lo) / (n_bins + 1))


def mel_rows_extent(n_bins: int = 128) -> tuple[float, float]:
    """Bottom and top, on the mel scale, of ``n_bins`` mel rows drawn one filter step high and
    centred at their filters' centres (about 27 Hz .. 7950 Hz for 128 bins)."""
    lo, step = _mel_step(n_bins)
    return lo + 0.5 * step, lo + (n_bins + 0.5) * step


def mel_axis_range(n_bins: int = 128) -> tuple[float, float]:
    """The mel-scale range a mel axis shows: from the bottom of the lowest row up to 8000 Hz."""
    return mel_rows_extent(n_bins)[0], float(hz_to_mel(MEL_HIGH_HZ))


def nearest_mel_bins(hz: np.ndarray, n_bins: int = 128) -> np.ndarray:
    """Index of the mel bin whose centre is nearest to each frequency (in Hz; below the lowest
    centre the lowest bin, above the highest the highest)."""
    centres = mel_bin_centres_hz(n_bins)
    return np.clip(np.rint(np.interp(hz, centres, np.arange(n_bins))), 0, n_bins - 1).astype(int)


def linear_rows_hz(max_hz: float, rows: int = LINEAR_ROWS) -> np.ndarray:
    """Centre frequency of each row of a linear picture from 0 to ``max_hz``."""
    return (np.arange(rows) + 0.5) * float(max_hz) / rows


def frame_extent(n_frames: int, frame_shift: float) -> tuple[float, float]:
    """Start and end time (s) of ``n_frames`` columns, each ``frame_shift`` wide and centred at
    its window's centre (frame i at ``i * frame_shift + 12.5 ms``)."""
    start = FRAME_CENTRE_S - frame_shift / 2
    return start, start + n_frames * frame_shift


# ---------------------------------------------------------------------------- colours

def power_brightness(log_mel_power: np.ndarray, dynamic_range_db: float = DYNAMIC_RANGE_DB) -> np.ndarray:
    """Natural-log mel power -> 0..1, the top ``dynamic_range_db`` dB of the clip."""
    db = np.asarray(log_mel_power) * _LN_TO_DB
    top = float(np.max(db)) if db.size else 0.0
    return np.clip((db - (top - dynamic_range_db)) / dynamic_range_db, 0.0, 1.0)


def grey_levels(log_mel_power: np.ndarray) -> np.ndarray:
    """The mel power as Praat paints a spectrogram: uint8 grey, white quiet, black loud (the
    same top-70-dB formula as the study's brightness and as the window's spectrogram)."""
    return np.rint((1.0 - power_brightness(log_mel_power)) * 255).astype(np.uint8)


def normalise_relevance(relevance: np.ndarray) -> np.ndarray:
    """Scale to 0..1 over the clip (a flat map becomes all zeros: nothing stands out)."""
    lo, hi = float(np.min(relevance)), float(np.max(relevance))
    if hi - lo <= 0:
        return np.zeros_like(relevance, dtype=np.float32)
    return ((relevance - lo) / (hi - lo)).astype(np.float32)


def relevance_levels(relevance: np.ndarray, scale: str = "recording") -> np.ndarray:
    """Relevance -> 0..1 colour levels on ``scale`` (see :data:`SCALES`)."""
    if scale == "recording":
        return normalise_relevance(relevance)
    if scale != "uniform":
        raise ValueError(f"unknown relevance scale {scale!r}; choose one of {SCALES}")
    relevance = np.asarray(relevance, dtype=np.float64)
    mean = float(np.mean(relevance)) if relevance.size else 0.0
    if mean <= 0:
        return np.full(relevance.shape, 0.5, np.float32)
    ratio = np.log2(np.maximum(relevance / mean, 2.0 ** -(2 * UNIFORM_OCTAVES)))
    return np.clip(ratio / (2 * UNIFORM_OCTAVES) + 0.5, 0.0, 1.0).astype(np.float32)


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    i = np.floor(h * 6.0).astype(int) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-1).astype(np.float32)


def study_rgb(log_mel_power: np.ndarray, relevance: np.ndarray,
              dynamic_range_db: float = DYNAMIC_RANGE_DB, scale: str = "recording") -> np.ndarray:
    """(frames, mel) inputs -> (frames, mel, 3) RGB in 0..1: hue from blue (low relevance)
    to red (high), brightness from spectral power."""
    hue = (1.0 - relevance_levels(relevance, scale)) * (2.0 / 3.0)
    value = power_brightness(log_mel_power, dynamic_range_db)
    return _hsv_to_rgb(hue, np.ones_like(value), value)


def heat_rgba(relevance: np.ndarray, scale: str = "recording") -> np.ndarray:
    """(frames, mel) -> (frames, mel, 4) RGBA in 0..1: dark red to yellow as relevance rises;
    transparent over the lower 40 % of the clip's range and opaque at its top (a smooth step),
    so the spectrogram under it stays readable where the model did not look."""
    rel = relevance_levels(relevance, scale)
    ramp = np.clip((rel - HEAT_FLOOR) / (1.0 - HEAT_FLOOR), 0, 1)
    return np.stack([np.clip(0.5 + rel, 0, 1), np.clip(rel * 2 - 1, 0, 1), np.zeros_like(rel),
                     ramp * ramp * (3 - 2 * ramp)], axis=-1).astype(np.float32)


def _on_axis(mel_image: np.ndarray, axis: str, max_hz: float | None, rows: int) -> np.ndarray:
    """(frames, mel, ...) -> the same on ``axis``'s rows (mel: unchanged)."""
    if axis == "mel":
        return mel_image
    if axis != "linear":
        raise ValueError(f"unknown frequency axis {axis!r}; choose one of {FREQUENCY_AXES}")
    hz = linear_rows_hz(LINEAR_MAX_HZ if max_hz is None else max_hz, rows)
    return mel_image[:, nearest_mel_bins(hz, mel_image.shape[1])]


def relevance_rgba(log_mel_power: np.ndarray, frame_relevance: np.ndarray, rendering: str = "study",
                   axis: str = "mel", max_hz: float | None = None, rows: int = LINEAR_ROWS,
                   scale: str = "recording") -> np.ndarray:
    """The relevance map as (frames, rows, 4) uint8 RGBA, row 0 the lowest frequency.

    ``axis="mel"``: one row per mel bin (``rows`` and ``max_hz`` unused). ``axis="linear"``:
    ``rows`` rows from 0 to ``max_hz`` Hz (default 5000), each the mel bin nearest its frequency.
    Colours are worked out over the whole clip first, so a cell has the same colour on either axis;
    ``scale`` says how relevance becomes a colour level (:data:`SCALES`).
    """
    if rendering == "study":
        rgb = study_rgb(log_mel_power, frame_relevance, scale=scale)
        rgba = np.concatenate([rgb, np.ones(rgb.shape[:-1] + (1,), np.float32)], axis=-1)
    elif rendering == "heat":
        rgba = heat_rgba(frame_relevance, scale)
    else:
        raise ValueError(f"unknown rendering {rendering!r}; choose one of {RENDERINGS}")
    return np.rint(_on_axis(rgba, axis, max_hz, rows) * 255).astype(np.uint8)


def over_grey(rgba: np.ndarray, grey: np.ndarray | int) -> np.ndarray:
    """Compose uint8 RGBA over uint8 grey (an array of the same rows, or one level) -> uint8 RGB."""
    alpha = rgba[..., 3:].astype(np.float32) / 255.0
    grey = np.asarray(grey, np.float32)[..., None] if np.ndim(grey) else np.float32(grey)
    return np.rint(alpha * rgba[..., :3] + (1.0 - alpha) * grey).astype(np.uint8)


def picture_rgb(log_mel_power: np.ndarray, frame_relevance: np.ndarray, rendering: str = "study",
                axis: str = "mel", max_hz: float | None = None, rows: int = LINEAR_ROWS,
                scale: str = "recording") -> np.ndarray:
    """(frames, rows, 3) uint8: the picture ``save_png`` draws. Study: :func:`relevance_rgba`'s
    colours (opaque); heat: those colours over :func:`grey_levels` of the mel power."""
    rgba = relevance_rgba(log_mel_power, frame_relevance, rendering, axis, max_hz, rows, scale)
    if rendering == "study":
        return np.ascontiguousarray(rgba[..., :3])
    return over_grey(rgba, _on_axis(grey_levels(log_mel_power), axis, max_hz, rows))


def legend_rgb(rendering: str, width: int = 256, height: int = 1) -> np.ndarray:
    """The colour key both legends show (the window's and the PNG's colour bar): (height, width, 3)
    uint8, relevance rising left to right. Study: power falls from the clip's top (top row) to
    70 dB below it (bottom row); heat: the colours over a quiet grey (:data:`LEGEND_GREY`)."""
    relevance = np.repeat(np.linspace(0.0, 1.0, width, dtype=np.float32)[:, None], height, axis=1)
    db = np.linspace(0.0, -DYNAMIC_RANGE_DB, height, dtype=np.float32) if height > 1 else np.zeros(1, np.float32)
    log_power = np.repeat(db[None, :] / _LN_TO_DB, width, axis=0)                 # (width, height)
    rgba = relevance_rgba(log_power, relevance, rendering, axis="mel")           # (width, height, 4)
    return np.transpose(over_grey(rgba, LEGEND_GREY), (1, 0, 2))


# ---------------------------------------------------------------------------- the PNG

def save_png(explanation, path: str | Path, rendering: str = "study", title: str | None = None,
             axis: str = "mel", max_hz: float | None = None, scale: str = "recording") -> Path:
    """Write the explanation as a picture (PNG; .svg/.pdf by the file name) with time (s) and
    frequency (Hz) axes, a relevance colour scale, and the recording's warnings.

    The image is :func:`picture_rgb` cell for cell, placed as the window places its overlay:
    ``axis="mel"`` (default) on the mel scale with Hz labels, ``axis="linear"`` from 0 to
    ``max_hz`` Hz (default 5000, like Praat)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, Normalize

    if axis not in FREQUENCY_AXES:
        raise ValueError(f"unknown frequency axis {axis!r}; choose one of {FREQUENCY_AXES}")
    max_hz = LINEAR_MAX_HZ if max_hz is None else float(max_hz)
    power, relevance = explanation.log_mel_power, explanation.frame_relevance
    picture = picture_rgb(power, relevance, rendering, axis, max_hz, scale=scale)
    t0, t1 = frame_extent(power.shape[0], explanation.frame_shift)
    fig, ax = plt.subplots(figsize=(10, 4), dpi=120)
    if axis == "mel":
        (y0, y1), limits = mel_rows_extent(power.shape[1]), mel_axis_range(power.shape[1])
        ax.set_yticks([float(hz_to_mel(hz)) for hz in MEL_TICKS_HZ], [f"{hz:g}" for hz in MEL_TICKS_HZ])
        ax.set_ylabel("Frequency (Hz, mel scale)")
    else:
        (y0, y1), limits = (0.0, max_hz), (0.0, max_hz)
        ax.set_ylabel("Frequency (Hz)")
    # rows of the image run from the lowest frequency (bottom) up
    ax.imshow(np.transpose(picture, (1, 0, 2)), origin="lower", aspect="auto", extent=(t0, t1, y0, y1),
              interpolation="nearest")
    ax.set_xlim(t0, t1)
    ax.set_ylim(*limits)
    ax.set_xlabel("Time (s)")
    p = explanation.prediction
    if p.gives_verdict:
        verdict = f"P(pathological) = {p.pathology_probability:.2f}"
    else:
        top = p.top_classes(1)
        verdict = "no verdict" + (f"; top class: {top[0][0]}" if top else "")
    ax.set_title(title or f"{Path(p.source).name} — {p.model} — {verdict}", fontsize=9)
    key = ListedColormap(legend_rgb(rendering)[0] / 255.0)
    low, high, meaning = SCALE_WORDS[scale]
    ticks = [0, 1] if scale == "recording" else [0, 0.5, 1]
    bar = fig.colorbar(ScalarMappable(norm=Normalize(0.0, 1.0), cmap=key), ax=ax, pad=0.01, fraction=0.03,
                       ticks=ticks)
    bar.ax.set_yticklabels([low, high] if scale == "recording" else [low, "1×", high], fontsize=7)
    bar.set_label(meaning, fontsize=7)
    caption = ("hue = relevance (blue low, red high), brightness = spectral power (top 70 dB)"
               if rendering == "study" else "heat = relevance over the grey spectrogram (black = loud)")
    lines = [caption + ". Research use only, not a diagnosis."]
    lines += [f"Warning: {w}" for w in p.warnings]
    for i, line in enumerate(reversed(lines)):
        fig.text(0.01, 0.01 + 0.035 * i, line, fontsize=7, color="black" if i == len(lines) - 1 else "#8a5a00")
    fig.tight_layout(rect=(0, 0.01 + 0.035 * len(lines), 1, 1))
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
