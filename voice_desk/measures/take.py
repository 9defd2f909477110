"""All measures of one take: :func:`measure_take` (samples in memory -> :class:`MeasureReport`).

Order of work: the take is checked (:mod:`.gates`: too short, silent, damaged, a pure tone — then
no measure has a value and each says why); CPPS and the LTAS slope and tilt are computed; the
shared pitch analysis decides whether there is a voice to measure F0, jitter, shimmer, HNR and, for
a sustained vowel, phonation time on. Nothing raises for a bad take: every measure gets a value or
its reason.
"""

from __future__ import annotations

import numpy as np

from voice_desk.measures import periodicity
from voice_desk.measures.cepstral import cpps
from voice_desk.measures.gates import aperiodic, pure_tone, unusable
from voice_desk.measures.phonation import phonation_time
from voice_desk.measures.praat import PraatFailed, sound
from voice_desk.measures.result import MEASURES, MeasureReport, make_measure
from voice_desk.measures.settings import (TASK_NAMES, TASKS, VOWEL_TASKS, normalise_sex, pitch_range,
                                          praat_version)
from voice_desk.measures.spectral import slope_and_tilt


def task_keys(task: str) -> tuple[str, ...]:
    """The measures a task gets, in report order (phonation time only for sustained vowels)."""
    return tuple(key for key in MEASURES if key != "mpt" or task in VOWEL_TASKS)


def measure_take(samples: np.ndarray, rate: int, task: str = "sentence", sex: str | None = None,
                 source: str = "take") -> MeasureReport:
    """Every measure of one mono take (``samples`` at ``rate`` Hz, ideally the file's own rate)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; one of {', '.join(TASKS)}")
    sex = normalise_sex(sex)
    pitch = pitch_range(sex)
    samples = np.asarray(samples, dtype=np.float64).reshape(-1)
    report = MeasureReport(task=task, source=source, duration_s=samples.size / float(rate), sample_rate=int(rate),
                           sex=sex, settings={"task": TASK_NAMES[task], "praat": praat_version(),
                                              "pitch_floor_hz": pitch.floor, "pitch_ceiling_hz": pitch.ceiling,
                                              "pitch_range": pitch.why, "sample_rate_hz": int(rate)})
    keys = task_keys(task)
    why = unusable(samples, rate) or pure_tone(samples[: int(30 * rate)], rate)
    if why:
        _fill(report, {key: (None, why, "") for key in keys}, keys)
        return report
    notes = report.warnings
    snd = sound(samples, rate)
    found = {"cpps": cpps(snd, notes)}
    found.update(slope_and_tilt(snd, rate, notes))
    voice_keys = periodicity.KEYS + (("mpt",) if task in VOWEL_TASKS else ())
    try:
        pitch_object = periodicity.pitch_analysis(snd, pitch, notes)
        why = aperiodic(found["cpps"][0], periodicity.voiced_frames(pitch_object), pitch)
    except PraatFailed as exc:
        pitch_object, why = None, str(exc)
    if why:
        found.update({key: (None, why, "") for key in voice_keys})
        if found["cpps"][0] is not None:
            notes.append("No voice Praat can follow in this take: CPPS and the LTAS slope and tilt describe the "
                         "sound as it is; F0, jitter, shimmer and HNR are withheld.")
    else:
        found.update(periodicity.measure(snd, pitch_object, pitch, notes))
        if task in VOWEL_TASKS:
            found["mpt"] = phonation_time(pitch_object, periodicity.pitch_command(pitch))
    _fill(report, found, keys)
    return report


def _fill(report: MeasureReport, found: dict, keys: tuple[str, ...]) -> None:
    for key in keys:
        value, why, praat = found[key]
        report.measures[key] = make_measure(key, value, why, praat, report.task, report.sex)
