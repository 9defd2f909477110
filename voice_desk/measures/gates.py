"""Whether a take can be measured at all, and whether it holds a voice.

Three checks come before any measure, and each gives the reason every measure then shows:

- too short (under :data:`~voice_desk.measures.settings.MIN_TAKE_S`), silent (no sample above
  -70 dBFS) or damaged (NaN or infinite samples): no measure;
- a pure tone — at least :data:`TONE_SHARE` of the energy within ±50 Hz of one frequency, i.e. the
  rest 30 dB below it: not a voice (a voice has harmonics), so no measure. Even a soft, breathy /u/
  whose first formant sits on its F0 keeps more than that in its other harmonics (a generated one at
  300 Hz: 99.7 % in the first);
- no voice: Praat's pitch analysis finds no voiced frame, or CPPS stays at the level of noise
  (below :data:`NOISE_CPPS_DB`): F0, jitter, shimmer, HNR and phonation time are withheld — on an
  aperiodic signal (Titze 1995's type 3) they describe nothing — while CPPS and the LTAS slope and
  tilt, which describe any sound, are kept.

The noise level was measured with Praat 6.1.38 and the CPPS settings of :mod:`.settings`: white,
pink and brown noise and white noise through the formants of five vowels (a synthetic whisper) give
CPPS of 2.3–2.6 dB, while generated voices with as much noise as harmonic energy (HNR 0 dB) give
3.2 dB (breathy /u/ at 220 Hz) to 9.2 dB (/a/ at 120 Hz).
"""

from __future__ import annotations

import numpy as np

from voice_desk.measures.settings import MIN_TAKE_S, SILENCE_PEAK

#: Share of the energy within ±TONE_BAND_HZ of the strongest frequency above which a take is a pure tone.
TONE_SHARE = 0.999
TONE_BAND_HZ = 50.0
#: CPPS (dB) below which a take holds no harmonic structure Praat can find (noise, whisper).
NOISE_CPPS_DB = 3.0


def unusable(samples: np.ndarray, rate: int) -> str | None:
    """Why no measure can be made on these samples (too short, damaged, silent), or None."""
    samples = np.asarray(samples)
    duration = samples.shape[0] / float(rate) if rate > 0 else 0.0
    if samples.size == 0 or duration < MIN_TAKE_S:
        return f"the take is {duration:.2f} s long; measures need at least {MIN_TAKE_S:g} s."
    if not np.all(np.isfinite(samples)):
        return "the take holds samples that are not numbers (NaN or infinite); the file is damaged."
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        return "the take is silent (no signal above -70 dBFS)."
    return None


def pure_tone(samples: np.ndarray, rate: int) -> str | None:
    """Why the take is not a voice when it is a pure tone, or None."""
    samples = np.asarray(samples, dtype=np.float64)
    n = 1 << max(0, int(samples.size - 1).bit_length())  # a power of two: fast whatever the length
    windowed = (samples - samples.mean()) * np.hanning(samples.size)  # no leakage to count as other frequencies
    power = np.abs(np.fft.rfft(windowed, n=n)) ** 2
    total = float(power.sum())
    if total <= 0.0:
        return None
    hz_per_bin = rate / float(n)
    peak = int(np.argmax(power))
    half = max(1, int(round(TONE_BAND_HZ / hz_per_bin)))
    share = float(power[max(0, peak - half):peak + half + 1].sum()) / total
    if share < TONE_SHARE:
        return None
    return (f"the take is a pure tone ({peak * hz_per_bin:.0f} Hz holds {share:.0%} of its energy), not a voice: "
            "a voice has harmonics.")


def aperiodic(cpps: float | None, voiced_frames: int | None, pitch) -> str | None:
    """Why the periodicity measures are withheld (no voice Praat can follow), or None."""
    if voiced_frames == 0:
        return (f"Praat's pitch analysis ({pitch.describe()}) found no voiced frame: the take holds no voice "
                "(whisper, noise), or its pitch lies outside this range.")
    if cpps is not None and cpps < NOISE_CPPS_DB:
        return (f"the take has no harmonic structure (CPPS {cpps:.1f} dB, at the level of noise, below "
                f"{NOISE_CPPS_DB:g} dB): a whisper, noise, or an aphonic voice, on which F0, jitter, shimmer and "
                "HNR would describe nothing.")
    return None
