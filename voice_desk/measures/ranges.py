"""Normal ranges and thresholds, each with its source, and the flag for a value outside them.

A flag says only that a value lies outside the range its source gives; it is not a diagnosis
(the window shows it as a mark, not as a colour). Ranges are shown only where Voice Desk is sure of
the source; where none is shown, :func:`no_range_reason` says why. Thresholds measured with other
software (MDVP) or other speakers (English, Dutch) are labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- sources -------------------------------------------------------------------------------
PRAAT_VOICE_MANUAL = ("Boersma & Weenink, Praat manual, “Voice 2. Jitter” and “Voice 3. Shimmer”: the "
                      "thresholds of MDVP (Kay Elemetrics' Multi-Dimensional Voice Program), quoted there; the "
                      "manual notes that Praat's jitter is lower than MDVP's for noisy voices, so the right "
                      "threshold for Praat is probably lower")
MURTON_2020 = ("Murton, Hillman & Mehta (2020), Cepstral peak prominence values for clinical voice evaluation, "
               "Am J Speech Lang Pathol 29(3):1596–1607, doi:10.1044/2020_AJSLP-20-00001 (Praat CPPS cut-offs "
               "from 295 patients and 50 controls, English speakers)")
BAKEN_2000 = ("Baken & Orlikoff (2000), Clinical Measurement of Speech and Voice, 2nd ed., p. 177, after Fitch & "
              "Holbrook (1970): typical speaking F0 of young adults (American English)")
BARSTIES_MARYN_2016 = ("Barsties & Maryn (2016), External validation of the Acoustic Voice Quality Index version "
                       "03.01 with extended representativity, Ann Otol Rhinol Laryngol 125(7):571–583, "
                       "doi:10.1177/0003489416636131 (Dutch/Flemish speakers)")
GERMAN_AVQI_NOTE = ("For German speakers AVQI v03.01 was validated by Barsties v. Latoszek, Lehnert & Janotte "
                    "(J Voice, 2020); Voice Desk does not state that study's threshold because it could not verify "
                    "the number: check it there before reading a German speaker's AVQI against a German cut-off. "
                    "(The 2.70 of Barsties et al., HNO 2012, doi:10.1007/s00106-012-2499-9, belongs to an earlier "
                    "AVQI version and does not apply to v03.01.)")
WUYTS_2000 = ("Wuyts et al. (2000), The Dysphonia Severity Index: an objective measure of vocal quality based on a "
              "multiparameter approach, J Speech Lang Hear Res 43(3):796–809, doi:10.1044/jslhr.4303.796 "
              "(+5 for perceptually normal voices, −5 for severely dysphonic ones)")
HAKKESTEEGT_2008 = ("Hakkesteegt et al. (2008), The relationship between perceptual evaluation and objective "
                    "multiparametric evaluation of dysphonia severity, J Voice 22(2):138–145, "
                    "doi:10.1016/j.jvoice.2006.09.010 (cut-off 3.0: sensitivity 0.72, specificity 0.75)")


@dataclass(frozen=True)
class NormalRange:
    """Values from ``low`` to ``high`` (either may be open) count as inside; ``source`` says who says so."""

    low: float | None
    high: float | None
    unit: str
    source: str
    note: str = ""

    def describe(self) -> str:
        u = f" {self.unit}" if self.unit else ""
        if self.low is not None and self.high is not None:
            return f"{self.low:g}–{self.high:g}{u}"
        if self.high is not None:
            return f"below {self.high:g}{u}"
        return f"at least {self.low:g}{u}"

    def flag(self, value: float | None) -> str | None:
        """'above' or 'below' the range, or None (inside, or no value)."""
        if value is None:
            return None
        if self.high is not None and value >= self.high:
            return "above"
        if self.low is not None and value < self.low:
            return "below"
        return None

    def to_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "unit": self.unit, "text": self.describe(),
                "source": self.source, "note": self.note}


@dataclass(frozen=True)
class Threshold:
    """An index's published cut-off: values on the ``dysphonic`` side ('above' or 'below') are flagged."""

    value: float
    dysphonic: str
    source: str
    note: str = ""

    def flag(self, value: float | None) -> str | None:
        if value is None:
            return None
        if self.dysphonic == "above":
            return "above" if value >= self.value else None
        return "below" if value < self.value else None

    def describe(self) -> str:
        side = "at or above" if self.dysphonic == "above" else "below"
        return f"{side} {self.value:g} suggests dysphonia"

    def to_dict(self) -> dict:
        return {"value": self.value, "dysphonic_side": self.dysphonic, "text": self.describe(),
                "source": self.source, "note": self.note}


_VOWELS = ("vowel_a", "mpt")
_MDVP_NOTE = "MDVP's threshold for sustained vowels; Praat's algorithm differs from MDVP's."

#: (measure key, tasks, sex or None for any) -> range.
RANGES: list[tuple[str, tuple[str, ...], str | None, NormalRange]] = [
    ("f0_mean", ("sentence",), "m", NormalRange(85, 155, "Hz", BAKEN_2000, "a typical range, not a sign of disorder")),
    ("f0_mean", ("sentence",), "f", NormalRange(165, 255, "Hz", BAKEN_2000, "a typical range, not a sign of disorder")),
    ("jitter_local", _VOWELS, None, NormalRange(None, 1.040, "%", PRAAT_VOICE_MANUAL, _MDVP_NOTE)),
    ("jitter_rap", _VOWELS, None, NormalRange(None, 0.680, "%", PRAAT_VOICE_MANUAL, _MDVP_NOTE)),
    ("jitter_ppq5", _VOWELS, None, NormalRange(None, 0.840, "%", PRAAT_VOICE_MANUAL, _MDVP_NOTE + " (MDVP's PPQ)")),
    ("shimmer_local", _VOWELS, None, NormalRange(None, 3.810, "%", PRAAT_VOICE_MANUAL, _MDVP_NOTE)),
    ("shimmer_local_db", _VOWELS, None, NormalRange(None, 0.350, "dB", PRAAT_VOICE_MANUAL, _MDVP_NOTE)),
    ("shimmer_apq11", _VOWELS, None, NormalRange(None, 3.070, "%", PRAAT_VOICE_MANUAL, _MDVP_NOTE + " (MDVP's APQ)")),
    ("cpps", _VOWELS, None, NormalRange(14.45, None, "dB", MURTON_2020, "cut-off for sustained /a/")),
    ("cpps", ("sentence",), None, NormalRange(9.33, None, "dB", MURTON_2020,
                                              "cut-off for the English Rainbow Passage, not the German sentence")),
]

_NO_RANGE = {
    "f0_mean": "a typical speaking F0 is given for continuous speech of a speaker whose sex is known",
    "f0_sd": "Voice Desk knows no published norm for it that fits these settings",
    "f0_min": "the lowest and highest F0 of one take have no norm",
    "f0_max": "the lowest and highest F0 of one take have no norm",
    "f0_range": "the F0 range of one take has no norm",
    "jitter_local": "MDVP's thresholds are for sustained vowels, not running speech",
    "jitter_rap": "MDVP's thresholds are for sustained vowels, not running speech",
    "jitter_ppq5": "MDVP's thresholds are for sustained vowels, not running speech",
    "shimmer_local": "MDVP's thresholds are for sustained vowels, not running speech",
    "shimmer_local_db": "MDVP's thresholds are for sustained vowels, not running speech",
    "shimmer_apq11": "MDVP's thresholds are for sustained vowels, not running speech",
    "shimmer_apq3": "neither Praat's manual nor MDVP gives a threshold for it",
    "shimmer_apq5": "neither Praat's manual nor MDVP gives a threshold for it",
    "hnr": "published HNR norms depend on the algorithm (MDVP's NHR, Yumoto's HNR); none is for Praat's voice report",
    "ltas_slope": "a component of AVQI with no norm of its own",
    "ltas_tilt": "a component of AVQI with no norm of its own",
    "mpt": "published norms vary widely with protocol, age and sex (Kent, Kent & Rosenbek 1987, J Speech Hear "
           "Disord 52:367–387)",
}

AVQI_THRESHOLD = Threshold(2.43, "above", BARSTIES_MARYN_2016, GERMAN_AVQI_NOTE)
DSI_THRESHOLD = Threshold(3.0, "below", HAKKESTEEGT_2008, "Scale of " + WUYTS_2000 + ".")


def normal_range(key: str, task: str, sex: str | None) -> NormalRange | None:
    for measure, tasks, for_sex, entry in RANGES:
        if measure == key and task in tasks and (for_sex is None or for_sex == sex):
            return entry
    return None


def no_range_reason(key: str) -> str:
    return _NO_RANGE.get(key, "Voice Desk knows no published range for it")
