"""The Acoustic Voice Quality Index, version 03.01, as its authors' Praat script computes it.

Sources: Maryn et al. (2010), J Voice 24(5):540–555 (the idea: continuous speech and a sustained
vowel together); Maryn & Weenink (2015), J Voice 29(1):35–43 (CPPS and AVQI in Praat); Barsties &
Maryn (2015), Am J Otolaryngol 36(5):647–656 (v03.01: equal parts of both, the equation below);
Barsties & Maryn (2016), Ann Otol Rhinol Laryngol 125(7):571–583 (external validation, threshold
2.43). The steps follow the AVQI v03.01 script by Maryn & Corthals:

1. both takes are high-pass filtered: ``Filter (stop Hann band): 0, 34, 0.1``;
2. the voiced part of the sentence: ``To TextGrid (silences): 50, 0.003, -25, 0.1, 0.1`` keeps the
   sounding intervals; of these, consecutive 30 ms windows are kept whose power exceeds 30 % of the
   power of all sounding intervals and whose zero-crossing rate is under 3000 per second (the
   script's ``checkZeros``; here counted on the samples: sign changes between 2.5 and 27.5 ms of
   the window), after the script's 1 ms of silence;
3. the last 3 s of the vowel (all of it when shorter) are appended;
4. on that one sound: CPPS (:mod:`.cepstral`), the LTAS slope and tilt (:mod:`.spectral`), shimmer
   local (× 100) and local dB from ``To PointProcess (periodic, cc): 50, 400``, and HNR from the
   ``Voice report: 0, 0, 75, 600, 1.3, 1.6, 0.03, 0.45`` on ``To Pitch (cc): 0, 75, 15, no, 0.03,
   0.45, 0.01, 0.35, 0.14, 600`` and its ``To PointProcess (cc)``;
5. AVQI = (4.152 − 0.177·CPPS − 0.006·HNR − 0.037·Shim + 0.941·ShdB + 0.01·Slope + 0.093·Tilt) × 2.8902.
"""

from __future__ import annotations

import numpy as np

from voice_desk.measures.cepstral import cpps
from voice_desk.measures.gates import pure_tone, unusable
from voice_desk.measures.praat import PraatFailed, number, report_number, run, sound
from voice_desk.measures.ranges import AVQI_THRESHOLD, BARSTIES_MARYN_2016
from voice_desk.measures.result import IndexResult
from voice_desk.measures.settings import command, praat_version
from voice_desk.measures.spectral import slope_and_tilt

VERSION = "03.01"
FORMULA = ("AVQI = (4.152 − 0.177·CPPS − 0.006·HNR − 0.037·Shim + 0.941·ShdB + 0.01·Slope + 0.093·Tilt) "
           "× 2.8902")
SOURCE = ("Barsties & Maryn (2015), The improvement of internal consistency of the Acoustic Voice Quality Index, "
          "Am J Otolaryngol 36(5):647–656 (version 03.01 and its equation); Maryn & Weenink (2015), Objective "
          "dysphonia measures in the program Praat: smoothed cepstral peak prominence and acoustic voice quality "
          "index, J Voice 29(1):35–43; threshold: " + BARSTIES_MARYN_2016)
HIGH_PASS = (0, 34, 0.1)
SILENCES = (50, 0.003, -25, 0.1, 0.1, "silence", "sounding")
WINDOW_S = 0.03
POWER_SHARE = 0.30
MAX_ZERO_CROSSINGS = 3000.0
VOWEL_S = 3.0
SHIMMER_PULSES = (50, 400)
SHIMMER_ARGS = (0, 0, 0.0001, 0.02, 1.3, 1.6)
HNR_PITCH = (0, 75, 15, "no", 0.03, 0.45, 0.01, 0.35, 0.14, 600)
HNR_REPORT = (0, 0, 75, 600, 1.3, 1.6, 0.03, 0.45)
COEFFICIENTS = {"intercept": 4.152, "cpps": -0.177, "hnr": -0.006, "shimmer_local": -0.037, "shimmer_local_db": 0.941,
                "ltas_slope": 0.01, "ltas_tilt": 0.093, "scale": 2.8902}
COMPONENTS = {"cpps": ("CPPS", "dB"), "hnr": ("HNR", "dB"), "shimmer_local": ("Shimmer local", "%"),
              "shimmer_local_db": ("Shimmer local dB", "dB"), "ltas_slope": ("LTAS slope", "dB"),
              "ltas_tilt": ("LTAS tilt", "dB")}


def settings() -> dict:
    return {"version": VERSION, "praat": praat_version(), "high_pass": command("Filter (stop Hann band)", *HIGH_PASS),
            "voiced_part": (f"{command('To TextGrid (silences)', *SILENCES)}; sounding intervals concatenated; "
                            f"{WINDOW_S * 1000:g} ms windows kept with power > {POWER_SHARE:.0%} of theirs and under "
                            f"{MAX_ZERO_CROSSINGS:g} zero crossings per second"),
            "vowel": f"the last {VOWEL_S:g} s of the sustained /a/ (all of it when shorter)",
            "shimmer": f"{command('To PointProcess (periodic, cc)', *SHIMMER_PULSES)}; Get shimmer (local) × 100, "
                       f"Get shimmer (local_dB): {', '.join(map(str, SHIMMER_ARGS))}",
            "hnr": f"{command('To Pitch (cc)', *HNR_PITCH)}; To PointProcess (cc); "
                   f"{command('Voice report', *HNR_REPORT)} → Mean harmonics-to-noise ratio",
            "cpps_and_ltas": "as for every take (voice_desk.measures.cepstral, voice_desk.measures.spectral)"}


def avqi(sentence: np.ndarray, sentence_rate: int, vowel: np.ndarray, vowel_rate: int) -> IndexResult:
    """AVQI v03.01 of a sentence take and a sustained /a/ take (mono samples at their own rates)."""
    result = IndexResult("avqi", f"AVQI v{VERSION}", None, None, FORMULA, SOURCE, AVQI_THRESHOLD, settings=settings())
    notes = result.warnings
    for what, samples, rate in (("sentence", sentence, sentence_rate), ("sustained /a/", vowel, vowel_rate)):
        why = unusable(samples, rate) or pure_tone(np.asarray(samples, dtype=np.float64)[: int(30 * rate)], rate)
        if why:
            result.why_not = f"the {what} take cannot be used: {why}"
            return result
    try:
        combined, voiced_s, vowel_s = concatenation(sentence, sentence_rate, vowel, vowel_rate, notes)
    except PraatFailed as exc:
        result.why_not = str(exc)
        return result
    result.settings.update({"voiced_part_s": round(voiced_s, 3), "vowel_part_s": round(vowel_s, 3),
                            "sample_rate_hz": sentence_rate})
    if voiced_s <= 0.0:
        result.why_not = "no voiced part was found in the sentence take (AVQI needs its voiced segments)."
        return result
    if vowel_s < VOWEL_S - 1e-6:
        notes.append(f"AVQI's authors prescribe {VOWEL_S:g} s of sustained /a/; this take holds {vowel_s:.2f} s, "
                     "all of which was used.")
    values = components(combined, sentence_rate, notes)
    result.components = {key: {"label": COMPONENTS[key][0], "value": values[key][0], "unit": COMPONENTS[key][1],
                               "why_not": values[key][1]} for key in COMPONENTS}
    missing = [f"{COMPONENTS[key][0]} ({values[key][1]})" for key in COMPONENTS if values[key][0] is None]
    if missing:
        result.why_not = "AVQI needs all six of its measures; without a value here: " + "; ".join(missing)
        return result
    c = COEFFICIENTS
    v = {key: values[key][0] for key in COMPONENTS}
    result.value = (c["intercept"] + c["cpps"] * v["cpps"] + c["hnr"] * v["hnr"]
                    + c["shimmer_local"] * v["shimmer_local"] + c["shimmer_local_db"] * v["shimmer_local_db"]
                    + c["ltas_slope"] * v["ltas_slope"] + c["ltas_tilt"] * v["ltas_tilt"]) * c["scale"]
    return result


def concatenation(sentence, sentence_rate: int, vowel, vowel_rate: int, notes: list[str]):
    """(the sound AVQI is measured on, seconds of voiced sentence in it, seconds of vowel in it)."""
    cs = run(sound(sentence, sentence_rate), "Filter (stop Hann band)", *HIGH_PASS)
    sv = run(sound(vowel, vowel_rate), "Filter (stop Hann band)", *HIGH_PASS)
    if vowel_rate != sentence_rate:
        sv = run(sv, "Resample", float(sentence_rate), 50)
        notes.append(f"The vowel take ({vowel_rate:,} Hz) was resampled to the sentence's {sentence_rate:,} Hz "
                     "(Praat: Resample, precision 50) to be joined to it.")
    voiced = voiced_part(cs, sentence_rate, notes)
    vowel_samples = sv.values[0]
    keep = int(round(VOWEL_S * sentence_rate))
    if vowel_samples.size > keep:
        vowel_samples = vowel_samples[-keep:]
    joined = np.concatenate([np.zeros(int(round(0.001 * sentence_rate))), voiced, vowel_samples])
    return joined, voiced.size / sentence_rate, vowel_samples.size / sentence_rate


def voiced_part(cs, rate: int, notes: list[str]) -> np.ndarray:
    """The samples of the sentence's voiced segments, found as the AVQI script finds them."""
    grid = run(cs, "To TextGrid (silences)", *SILENCES, notes=notes)
    intervals = int(run(grid, "Get number of intervals", 1))
    samples = cs.values[0]
    loud = []
    for i in range(1, intervals + 1):
        if run(grid, "Get label of interval", 1, i) != "silence":
            start = int(round(float(run(grid, "Get start time of interval", 1, i)) * rate))
            end = int(round(float(run(grid, "Get end time of interval", 1, i)) * rate))
            loud.append(samples[start:end])
    if not loud:
        return np.zeros(0)
    only_loud = np.concatenate(loud)
    width = int(round(WINDOW_S * rate))
    global_power = float(np.mean(only_loud ** 2)) if only_loud.size else 0.0
    kept = []
    left = 0
    # the script: while windowBorderRight < signalEnd - windowWidth
    while left + width < only_loud.size - width:
        window = only_loud[left:left + width]
        if float(np.mean(window ** 2)) > POWER_SHARE * global_power:
            zcr = zero_crossing_rate(window, rate)
            if zcr is not None and zcr < MAX_ZERO_CROSSINGS:
                kept.append(window)
        left += width
    return np.concatenate(kept) if kept else np.zeros(0)


def zero_crossing_rate(window: np.ndarray, rate: int) -> float | None:
    """Crossings per second between 2.5 and 27.5 ms of a 30 ms window (None with fewer than two)."""
    signs = np.signbit(window)
    crossings = np.nonzero(signs[1:] != signs[:-1])[0] + 1
    times = crossings / float(rate)
    times = times[(times >= 0.0025) & (times <= 0.0275)]
    if times.size < 2 or times[-1] <= times[0]:
        return None
    return (times.size - 1) / float(times[-1] - times[0])


def components(samples: np.ndarray, rate: int, notes: list[str]) -> dict[str, tuple[float | None, str | None]]:
    snd = sound(samples, rate)
    values: dict[str, tuple[float | None, str | None]] = {}
    value, why, _ = cpps(snd, notes)
    values["cpps"] = (value, why)
    for key, (value, why, _) in slope_and_tilt(snd, rate, notes).items():
        values[key] = (value, why)
    try:
        pulses = run(snd, "To PointProcess (periodic, cc)", *SHIMMER_PULSES, notes=notes)
        shim = number(run([snd, pulses], "Get shimmer (local)", *SHIMMER_ARGS))
        shdb = number(run([snd, pulses], "Get shimmer (local_dB)", *SHIMMER_ARGS))
        undefined = "Praat gives no value: too few consecutive glottal periods."
        values["shimmer_local"] = (None if shim is None else 100 * shim, None if shim is not None else undefined)
        values["shimmer_local_db"] = (shdb, None if shdb is not None else undefined)
    except PraatFailed as exc:
        values["shimmer_local"] = values["shimmer_local_db"] = (None, str(exc))
    try:
        pitch = run(snd, "To Pitch (cc)", *HNR_PITCH, notes=notes)
        points = run([snd, pitch], "To PointProcess (cc)", notes=notes)
        report = run([snd, pitch, points], "Voice report", *HNR_REPORT, notes=notes)
        hnr = report_number(report, "Mean harmonics-to-noise ratio:")
        values["hnr"] = (hnr, None if hnr is not None else "Praat's voice report gives no HNR (no voiced part).")
    except PraatFailed as exc:
        values["hnr"] = (None, str(exc))
    return values
