"""Frames the built-in aligner compares: noise-floored log-mel spectra every 5 ms (numpy only).

Speaker, level and channel differ between the shipped reference and a recording, so each
recording is normalised on its own:

* log-mel energies are floored at the recording's own noise level (per band, the 10th
  percentile frame, and never below 45 dB under the loudest frames), so leading silence,
  room noise and the reference's digital silence all look alike: flat at the floor;
* 40 mel bands up to 5 kHz: above that, breath noise and recording differences dominate
  (measured in benchmarks/bench_align.py: p90 error 21.8 ms with 7.6 kHz, 10.8 ms with 5 kHz);
  log-mel beat 13 cepstra clearly there (p90 31 vs 82 ms before other tuning);
* each band's mean over the frames that carry speech (10 dB above the floor) is removed and
  all bands are divided by one overall spread, so the amount of silence around the sentence
  does not shift the features but the silence/speech contrast survives;
* deltas (slopes over time) sharpen the boundaries.

Frame i is centred on sample i * HOP, i.e. at time i * FRAME_S.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

RATE = 16_000
HOP = 80            # 5 ms
WINDOW = 400        # 25 ms
N_FFT = 512
N_MELS = 40
F_MAX = 5000.0
DELTA_WEIGHT = 1.0
FRAME_S = HOP / RATE
FLOOR_DB = 45.0


@lru_cache(maxsize=4)
def mel_filterbank(n_mels: int = N_MELS, n_fft: int = N_FFT, rate: int = RATE,
                   fmin: float = 60.0, fmax: float = F_MAX) -> np.ndarray:
    """(n_mels, n_fft//2+1) triangular filters on the HTK mel scale."""
    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1.0 / rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None] - lower) / (centre - lower)
    falling = (upper - bins[None]) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None)


@lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    return np.hanning(WINDOW).astype(np.float32)


@lru_cache(maxsize=1)
def _mel_t() -> np.ndarray:
    return np.ascontiguousarray(mel_filterbank().T, dtype=np.float32)


def mel_energies(samples: np.ndarray) -> np.ndarray:
    """(frames, N_MELS) mel power of 25 ms Hann frames every 5 ms, frame i centred at i*HOP."""
    x = np.asarray(samples, dtype=np.float32)
    x = np.append(x[0] if x.size else 0.0, x[1:] - 0.97 * x[:-1]) if x.size else x  # pre-emphasis
    padded = np.pad(x, (WINDOW // 2, WINDOW // 2))
    n_frames = max(1, 1 + (padded.size - WINDOW) // HOP) if padded.size >= WINDOW else 1
    if padded.size < WINDOW:
        padded = np.pad(padded, (0, WINDOW - padded.size))
    frames = np.lib.stride_tricks.sliding_window_view(padded, WINDOW)[::HOP][:n_frames]
    from scipy.fft import rfft  # single precision: twice as fast as numpy's, plenty for 5 ms frames

    spectrum = rfft(frames * _hann(), n=N_FFT, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    return np.einsum("ik,kj->ij", power, _mel_t())  # not @: see dtw.distance_matrix on BLAS threads


def frame_features(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(features (frames x dims), speech mask (frames,)) for DTW."""
    energies = mel_energies(samples).astype(np.float64) + 1e-12
    total = energies.sum(axis=1)
    loud = np.percentile(total, 95)
    band_floor = np.maximum(np.percentile(energies, 10, axis=0), energies.mean(axis=0) * 1e-3)
    band_floor = np.maximum(band_floor, loud / N_MELS * 10 ** (-FLOOR_DB / 10))
    log_mel = np.log(energies + 2.0 * band_floor) - np.log(2.0 * band_floor)
    speech = 10 * np.log10(total / (2.0 * band_floor.sum())) > 10.0
    ref = log_mel[speech] if speech.sum() >= 10 else log_mel
    normalised = (log_mel - ref.mean(axis=0)) / (ref.std() + 1e-3)
    delta = np.gradient(normalised, axis=0)
    return np.hstack([normalised, DELTA_WEIGHT * delta]).astype(np.float32), speech
