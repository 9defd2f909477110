"""The settings every measure is computed with, written down once.

Pitch range. Praat's manual advises a pitch floor and ceiling that fit the speaker: 75–300 Hz for a
male and 100–500 Hz for a female voice is a common choice (Praat manual, "Intro 4.2. Configuring
the pitch contour"); with the sex unknown Voice Desk uses 75–500 Hz, which holds both.

Praat commands and their arguments (Praat's standard values unless said otherwise):

- ``To Pitch: 0, floor, ceiling`` — Praat's standard autocorrelation pitch analysis (time step
  0.75 / floor; 15 candidates, silence threshold 0.03, voicing threshold 0.45, octave cost 0.01,
  octave-jump cost 0.35, voiced/unvoiced cost 0.14). It is the analysis ``To PointProcess
  (periodic, cc)`` runs inside, so sharing it changes no number.
- ``Sound & Pitch: To PointProcess (cc)`` — the glottal pulses, shared by jitter and shimmer.
- ``Get jitter (…): 0, 0, 0.0001, 0.02, 1.3`` and ``Get shimmer (…): 0, 0, 0.0001, 0.02, 1.3, 1.6``
  — the whole take, periods 0.1–20 ms, neighbouring periods within a factor 1.3, amplitudes 1.6.
- ``Voice report: 0, 0, floor, ceiling, 1.3, 1.6, 0.03, 0.45`` — its "Mean harmonics-to-noise
  ratio" (of the voiced parts only) is the HNR, as in the AVQI script.
- ``To PowerCepstrogram: 60, 0.002, 5000, 50`` and ``Get CPPS: no, 0.01, 0.001, 60, 330, 0.05,
  Parabolic, 0.001, 0, Straight, Robust`` — the settings of Maryn & Weenink (2015) and of the AVQI
  v03.01 script.
- ``To Ltas: 1``; ``Get slope: 0, 1000, 1000, 10000, energy`` (the slope); ``Compute trend line:
  1, 10000`` then the same ``Get slope`` (the tilt) — as in the AVQI v03.01 script.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The recording tasks measures know. ``sentence``: the study's sentence (continuous speech);
#: ``vowel_a``: /a/ sustained at a comfortable pitch and loudness for at least 3 s (AVQI's vowel);
#: ``mpt``: /a/ sustained as long as possible after a deep breath (maximum phonation time).
TASKS = ("sentence", "vowel_a", "mpt")
TASK_NAMES = {"sentence": "sentence", "vowel_a": "sustained /a/", "mpt": "/a/ as long as possible (MPT)"}
VOWEL_TASKS = ("vowel_a", "mpt")

SEXES = ("f", "m")
_SEX_WORDS = {"f": "f", "female": "f", "w": "f", "woman": "f", "weiblich": "f",
              "m": "m", "male": "m", "man": "m", "männlich": "m"}

#: Shorter takes are not measured (the loader's own minimum, voice_desk.audio.checks.MIN_DURATION_S).
MIN_TAKE_S = 0.5
#: Below this peak a take is silent (-70 dBFS, voice_desk.audio.checks.SILENCE_PEAK).
SILENCE_PEAK = 10 ** (-70 / 20)

JITTER_ARGS = (0, 0, 0.0001, 0.02, 1.3)
SHIMMER_ARGS = (0, 0, 0.0001, 0.02, 1.3, 1.6)
MAX_PERIOD_FACTOR, MAX_AMPLITUDE_FACTOR, SILENCE_THRESHOLD, VOICING_THRESHOLD = 1.3, 1.6, 0.03, 0.45
CEPSTROGRAM_ARGS = (60, 0.002, 5000, 50)
CPPS_ARGS = ("no", 0.01, 0.001, 60, 330, 0.05, "Parabolic", 0.001, 0, "Straight", "Robust")
LTAS_BANDWIDTH = 1
SLOPE_ARGS = (0, 1000, 1000, 10000, "energy")
TREND_ARGS = (1, 10000)
#: The LTAS slope and tilt compare 0–1 kHz with 1–10 kHz, so the take must hold 10 kHz.
MIN_RATE_FOR_SLOPE = 20_000


def normalise_sex(text) -> str | None:
    """'f', 'm' or None (unknown) from 'f', 'female', 'w', 'm', 'male', … ; anything else raises ValueError."""
    if text is None:
        return None
    word = str(text).strip().lower()
    if word in ("", "unknown", "?", "none"):
        return None
    if word not in _SEX_WORDS:
        raise ValueError(f"{text!r} is not a sex Voice Desk knows: use f (female) or m (male), or leave it out.")
    return _SEX_WORDS[word]


@dataclass(frozen=True)
class PitchRange:
    floor: float
    ceiling: float
    why: str

    def describe(self) -> str:
        return f"{self.floor:g}–{self.ceiling:g} Hz ({self.why})"


def pitch_range(sex: str | None) -> PitchRange:
    """The pitch floor and ceiling for the speaker's sex ('f', 'm' or None)."""
    sex = normalise_sex(sex)
    if sex == "m":
        return PitchRange(75.0, 300.0, "male voice; Praat manual's common choice")
    if sex == "f":
        return PitchRange(100.0, 500.0, "female voice; Praat manual's common choice")
    return PitchRange(75.0, 500.0, "sex not given: a range that holds male and female voices")


def command(name: str, *args) -> str:
    """A Praat command as a script would write it, e.g. 'Get jitter (local): 0, 0, 0.0001, 0.02, 1.3'."""
    return f"{name}: {', '.join(_arg(a) for a in args)}" if args else name


def _arg(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}" if isinstance(value, float) else str(value)


def praat_version() -> str:
    import parselmouth

    return f"Praat {parselmouth.PRAAT_VERSION} (praat-parselmouth {parselmouth.__version__})"
