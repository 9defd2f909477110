"""Generated voices with known perturbations, for the measures' tests and benchmark.

A voice here is a train of glottal flow-derivative pulses (Rosenberg 1971 pulse shape) whose
period durations and amplitudes are drawn around their means with a set relative standard
deviation, sent through the formant resonances of a vowel, with aspiration noise (white noise
through the same resonances) added at a set harmonics-to-noise ratio. Each :class:`Voice` keeps
the periods and amplitudes it was built from, so a test can compare Praat's jitter and shimmer
with the true values of the very same signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

#: Formant frequencies and bandwidths (Hz) of an adult male /a/ (Peterson & Barney-like values).
VOWELS = {
    "a": ((730, 90), (1090, 110), (2440, 160), (3400, 250), (4000, 300)),
    "e": ((530, 80), (1840, 120), (2480, 160), (3400, 250), (4000, 300)),
    "i": ((270, 60), (2290, 120), (3010, 180), (3600, 250), (4200, 300)),
    "o": ((570, 80), (840, 100), (2410, 160), (3400, 250), (4000, 300)),
    "u": ((300, 60), (870, 100), (2240, 160), (3400, 250), (4000, 300)),
}


@dataclass
class Voice:
    samples: np.ndarray        # float32, peak 0.5
    rate: int
    periods: np.ndarray        # seconds between consecutive glottal closures, as generated
    amplitudes: np.ndarray     # relative pulse amplitudes, as generated
    hnr_db: float | None       # the set harmonics-to-noise ratio (None: no noise added)

    @property
    def jitter_local(self) -> float:
        """Praat's definition of jitter (local), in %, computed on the generated periods."""
        return 100 * float(np.mean(np.abs(np.diff(self.periods))) / np.mean(self.periods))

    @property
    def shimmer_local(self) -> float:
        """Praat's definition of shimmer (local), in %, on the generated amplitudes."""
        return 100 * float(np.mean(np.abs(np.diff(self.amplitudes))) / np.mean(self.amplitudes))


def rosenberg(phase: np.ndarray, open_q: float = 0.4, close_q: float = 0.16) -> np.ndarray:
    """The Rosenberg glottal flow derivative at ``phase`` (0..1 within a period), per unit phase / 100."""
    out = np.zeros_like(phase)
    rising = phase < open_q
    falling = (phase >= open_q) & (phase < open_q + close_q)
    out[rising] = 0.5 * np.pi / open_q * np.sin(np.pi * phase[rising] / open_q)
    out[falling] = -np.pi / (2 * close_q) * np.sin(np.pi * (phase[falling] - open_q) / (2 * close_q))
    return out / 100


def formants(x: np.ndarray, rate: int, vowel: str = "a") -> np.ndarray:
    for freq, bandwidth in VOWELS[vowel]:
        if freq >= rate / 2:
            continue
        r = np.exp(-np.pi * bandwidth / rate)
        a = [1.0, -2 * r * np.cos(2 * np.pi * freq / rate), r * r]
        x = lfilter([sum(a)], a, x)
    return x


#: Pulses are drawn at this multiple of the rate, then filtered down (no rounding of pulse times to
#: samples, no aliasing of the closure's corner).
OVERSAMPLE = 4


def voice(seconds: float = 2.0, rate: int = 44_100, f0: float = 120.0, jitter: float = 0.0, shimmer: float = 0.0,
          hnr_db: float | None = None, vowel: str = "a", open_q: float = 0.4, close_q: float = 0.16,
          f0_slope: float = 0.0, seed: int = 0) -> Voice:
    """A sustained vowel. ``jitter`` and ``shimmer`` are the relative standard deviations of the
    period durations and pulse amplitudes (0.01 = 1 %); ``f0_slope`` a linear F0 change in Hz/s."""
    from scipy.signal import resample_poly

    rng = np.random.default_rng(seed)
    starts, periods, amplitudes = [0.0], [], []
    while starts[-1] < seconds:
        mean_period = 1.0 / (f0 + f0_slope * starts[-1])
        periods.append(mean_period * max(0.2, 1 + jitter * rng.standard_normal()))
        amplitudes.append(max(0.05, 1 + shimmer * rng.standard_normal()))
        starts.append(starts[-1] + periods[-1])
    starts, periods, amplitudes = np.array(starts[:-1]), np.array(periods), np.array(amplitudes)
    fine = rate * OVERSAMPLE
    t = np.arange(int(round(seconds * fine))) / fine
    index = np.searchsorted(starts, t, side="right") - 1
    source = amplitudes[index] * rosenberg((t - starts[index]) / periods[index], open_q, close_q)
    periodic = resample_poly(formants(source, fine, vowel), 1, OVERSAMPLE)[: int(round(seconds * rate))]
    if hnr_db is not None:  # aspiration noise: white at the glottis, through the same formants
        noise = formants(rng.standard_normal(periodic.size), rate, vowel)
        scale = np.sqrt(np.mean(periodic ** 2) / np.mean(noise ** 2) / 10 ** (hnr_db / 10))
        periodic = periodic + scale * noise
    samples = (0.5 * periodic / np.max(np.abs(periodic))).astype(np.float32)
    closures = starts + (open_q + close_q) * periods  # the excitation: the end of the closing phase
    complete = closures < seconds
    return Voice(samples, rate, np.diff(closures[complete]), amplitudes[complete], hnr_db)


def sentence(rate: int = 44_100, f0: float = 120.0, jitter: float = 0.005, shimmer: float = 0.02,
             hnr_db: float | None = 30.0, open_q: float = 0.4, close_q: float = 0.16, seed: int = 0) -> np.ndarray:
    """About 3 s of sentence-like speech: voiced syllables on five vowels with a falling F0,
    fricative-like noise between some of them, and short pauses."""
    rng = np.random.default_rng(seed + 1000)
    pieces = [np.zeros(int(0.15 * rate), np.float32)]
    for i, vowel in enumerate("aeoiuaeo"):
        syllable = voice(0.22 + 0.08 * (i % 3), rate, f0 * (1.1 - 0.03 * i), jitter, shimmer, hnr_db, vowel,
                         open_q, close_q, seed=seed + i).samples
        ramp = np.minimum(1, np.minimum(np.arange(syllable.size), np.arange(syllable.size)[::-1]) / (0.02 * rate))
        pieces.append(syllable * ramp)
        if i % 3 == 1:
            pieces.append((0.05 * rng.standard_normal(int(0.08 * rate))).astype(np.float32))  # /s/, /f/
        pieces.append(np.zeros(int((0.04 if i % 2 else 0.12) * rate), np.float32))
    return np.concatenate(pieces).astype(np.float32)
