"""F0, jitter, shimmer and HNR from one Pitch and one PointProcess, shared by all of them.

``To Pitch: 0, floor, ceiling`` then ``Sound & Pitch: To PointProcess (cc)`` gives exactly the pulses
``To PointProcess (periodic, cc): floor, ceiling`` gives (that command runs the same pitch analysis
inside), so computing them once changes no number and saves a pitch analysis per measure.
"""

from __future__ import annotations

import math

from voice_desk.measures.praat import PraatFailed, number, report_number, run
from voice_desk.measures.settings import (JITTER_ARGS, MAX_AMPLITUDE_FACTOR, MAX_PERIOD_FACTOR, SHIMMER_ARGS,
                                          SILENCE_THRESHOLD, VOICING_THRESHOLD, PitchRange, command)

F0_KEYS = ("f0_mean", "f0_sd", "f0_min", "f0_max", "f0_range")
JITTER = {"jitter_local": "local", "jitter_rap": "rap", "jitter_ppq5": "ppq5"}
SHIMMER = {"shimmer_local": "local", "shimmer_local_db": "local_dB", "shimmer_apq3": "apq3",
           "shimmer_apq5": "apq5", "shimmer_apq11": "apq11"}
KEYS = F0_KEYS + tuple(JITTER) + tuple(SHIMMER) + ("hnr",)

#: key -> (value or None, why not, Praat command)
Found = dict[str, tuple[float | None, str | None, str]]


def pitch_analysis(snd, pitch: PitchRange, notes: list[str]):
    """The shared Pitch object (Praat's standard autocorrelation analysis in the speaker's range)."""
    return run(snd, "To Pitch", 0.0, pitch.floor, pitch.ceiling, notes=notes)


def pitch_command(pitch: PitchRange) -> str:
    return command("To Pitch", 0.0, pitch.floor, pitch.ceiling)


def voiced_frames(pitch_object) -> int:
    return int(run(pitch_object, "Count voiced frames"))


def measure(snd, pitch_object, pitch: PitchRange, notes: list[str]) -> Found:
    """Every periodicity measure of a take in which Praat found voiced frames."""
    found: Found = {}
    base = pitch_command(pitch)
    _f0(pitch_object, base, found)
    try:
        points = run([snd, pitch_object], "To PointProcess (cc)", notes=notes)
    except PraatFailed as exc:
        for key in tuple(JITTER) + tuple(SHIMMER) + ("hnr",):
            found[key] = (None, str(exc), "")
        return found
    pulses = f"{base}; Sound & Pitch: To PointProcess (cc)"
    periods = int(run(points, "Get number of periods", *JITTER_ARGS))
    few = (f"Praat gives no value: too few consecutive glottal periods (it found {periods} within 0.1–20 ms whose "
           f"neighbours differ by less than a factor {MAX_PERIOD_FACTOR:g}).")
    for key, kind in JITTER.items():
        name = f"Get jitter ({kind})"
        value = number(run(points, name, *JITTER_ARGS))
        found[key] = (None if value is None else 100 * value, None if value is not None else few,
                      f"{pulses}; PointProcess: {command(name, *JITTER_ARGS)} × 100")
    for key, kind in SHIMMER.items():
        name = f"Get shimmer ({kind})"
        value = number(run([snd, points], name, *SHIMMER_ARGS))
        scale = 1 if kind == "local_dB" else 100
        praat = f"{pulses}; Sound & PointProcess: {command(name, *SHIMMER_ARGS)}" + (" × 100" if scale != 1 else "")
        found[key] = (None if value is None else scale * value, None if value is not None else few, praat)
    report_args = (0, 0, pitch.floor, pitch.ceiling, MAX_PERIOD_FACTOR, MAX_AMPLITUDE_FACTOR, SILENCE_THRESHOLD,
                   VOICING_THRESHOLD)
    report = run([snd, pitch_object, points], "Voice report", *report_args, notes=notes)
    hnr = report_number(report, "Mean harmonics-to-noise ratio:")
    found["hnr"] = (hnr, None if hnr is not None else "Praat's voice report gives no harmonics-to-noise ratio "
                    "for this take (no voiced part it could analyse).",
                    f"{pulses}; Sound & Pitch & PointProcess: {command('Voice report', *report_args)} → "
                    "“Mean harmonics-to-noise ratio” (of the voiced parts only)")
    return found


def _f0(pitch_object, base: str, found: Found) -> None:
    stats = {"f0_mean": ("Get mean", (0, 0, "Hertz")), "f0_sd": ("Get standard deviation", (0, 0, "Hertz")),
             "f0_min": ("Get minimum", (0, 0, "Hertz", "Parabolic")),
             "f0_max": ("Get maximum", (0, 0, "Hertz", "Parabolic"))}
    for key, (name, args) in stats.items():
        value = number(run(pitch_object, name, *args))
        why = None if value is not None else ("Praat gives no value: it needs at least two voiced frames."
                                              if key == "f0_sd" else "Praat gives no value (no voiced frame).")
        found[key] = (value, why, f"{base}; Pitch: {command(name, *args)}")
    low, high = found["f0_min"][0], found["f0_max"][0]
    if low and high:
        found["f0_range"] = (12 * math.log2(high / low), None,
                             "12 × log2(F0 maximum / F0 minimum), from Praat's two values above")
    else:
        found["f0_range"] = (None, "it needs Praat's F0 minimum and maximum, which have no value here.", "")
