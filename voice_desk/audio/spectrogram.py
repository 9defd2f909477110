"""A Praat-like broad-band spectrogram for display (plain numpy).

Praat's defaults, which a phonetician expects: 0-5000 Hz, a 5 ms Gaussian window (its
physical length is twice that, as in Praat), 70 dB dynamic range and 6 dB/octave
pre-emphasis (applied, as Praat's painting does, as +6 dB per octave above 1000 Hz).
A 30 ms window gives the narrow-band picture.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

#: Praat's time resolution limit for painting: never more frames than this.
MAX_FRAMES = 4000


@dataclass
class SpectrogramSettings:
    window_s: float = 0.005
    max_hz: float = 5000.0
    dynamic_range_db: float = 70.0
    preemphasis_db_per_octave: float = 6.0
    time_step_s: float = 0.002
    freq_step_hz: float = 20.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SpectrogramSettings":
        out = cls()
        for key, value in (data or {}).items():
            if key in cls.__dataclass_fields__:
                try:
                    setattr(out, key, float(value))
                except (TypeError, ValueError):
                    pass
        return out.clamped()

    def clamped(self) -> "SpectrogramSettings":
        """Keep values inside what makes sense (a settings file may hold anything)."""
        self.window_s = float(np.clip(self.window_s, 0.001, 0.1))
        self.max_hz = float(np.clip(self.max_hz, 500.0, 8000.0))
        self.dynamic_range_db = float(np.clip(self.dynamic_range_db, 10.0, 150.0))
        self.preemphasis_db_per_octave = float(np.clip(self.preemphasis_db_per_octave, 0.0, 24.0))
        self.time_step_s = float(np.clip(self.time_step_s, 0.0005, 0.05))
        self.freq_step_hz = float(np.clip(self.freq_step_hz, 5.0, 200.0))
        return self


@dataclass
class Spectrogram:
    """``db``: (frames, bins) power in dB with pre-emphasis; frame i is centred at
    ``t0 + i * time_step``; bin j at ``j * freq_step`` Hz."""

    db: np.ndarray
    t0: float
    time_step: float
    freq_step: float
    settings: SpectrogramSettings

    @property
    def max_hz(self) -> float:
        return self.db.shape[1] * self.freq_step

    def grey(self) -> np.ndarray:
        """0 (quiet, white in Praat) .. 1 (loudest, black) over the dynamic range."""
        if self.db.size == 0:
            return self.db.astype(np.float32)
        top = float(self.db.max())
        rng = self.settings.dynamic_range_db
        return np.clip((self.db - (top - rng)) / rng, 0.0, 1.0).astype(np.float32)


def gaussian_window(n: int) -> np.ndarray:
    """Praat's Gaussian window (edges at exp(-12), shifted to zero)."""
    x = (np.arange(n) + 0.5) / n - 0.5
    edge = np.exp(-12.0)
    return ((np.exp(-48.0 * x * x) - edge) / (1.0 - edge)).astype(np.float32)


def compute_spectrogram(samples: np.ndarray, rate: int, settings: SpectrogramSettings | None = None) -> Spectrogram:
    settings = settings or SpectrogramSettings()
    samples = np.asarray(samples, dtype=np.float32)
    physical = max(4, int(round(2.0 * settings.window_s * rate)))
    duration = samples.size / rate
    step_s = max(settings.time_step_s, duration / MAX_FRAMES)
    hop = max(1, int(round(step_s * rate)))
    step_s = hop / rate
    nfft = 1 << int(np.ceil(np.log2(max(physical, rate / settings.freq_step_hz))))
    freq_step = rate / nfft
    n_bins = max(1, min(nfft // 2, int(np.floor(min(settings.max_hz, rate / 2) / freq_step))))
    padded = np.concatenate([np.zeros(physical // 2, np.float32), samples, np.zeros(physical, np.float32)])
    n_frames = max(1, int(np.ceil(samples.size / hop)))
    view = np.lib.stride_tricks.sliding_window_view(padded, physical)[: n_frames * hop : hop]
    frames = view * gaussian_window(physical)
    power = np.abs(np.fft.rfft(frames, n=nfft, axis=1)[:, :n_bins]) ** 2
    db = 10.0 * np.log10(power + 1e-12)
    if settings.preemphasis_db_per_octave:
        freqs = np.maximum(np.arange(n_bins) * freq_step, freq_step)
        db += settings.preemphasis_db_per_octave * np.log2(freqs / 1000.0)
    return Spectrogram(db=db.astype(np.float32), t0=0.0, time_step=step_s, freq_step=freq_step, settings=settings)
