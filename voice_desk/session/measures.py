"""Voice measures of a user's takes, for the window and the ``voice-desk measures`` command alike.

- :func:`measure_recording` — every measure of one take (a file, a loaded Recording, or samples);
- :func:`measure_session` — the takes of one session (sentence, sustained /a/, maximum phonation),
  each measured, and AVQI and DSI from them together;
- :func:`rows` — a report as flat rows for a CSV file (one row per measure).

Audio. Measures are made on the file's own samples at its own rate, mixed to mono (read with
:func:`voice_desk.audio.load.read_samples`), not on the 16 kHz copy the models get: the LTAS slope
and tilt need content up to 10 kHz, and Praat's pulse and HNR analyses are more exact at the
original rate. A loaded :class:`~voice_desk.audio.recording.Recording` is read again from its file
for that; one without a file (or whose file is gone) is measured at its 16 kHz, and says so.
Only a file that cannot be read raises (a :class:`~voice_desk.errors.VoiceDeskError`); a silent,
short or voiceless take gives a report whose every measure says why it has no value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice_desk.errors import VoiceDeskError

#: The CSV columns of :func:`rows`.
CSV_COLUMNS = ("file", "task", "measure", "label", "value", "unit", "flag", "normal_range", "why_not", "source")


@dataclass
class TakeAudio:
    """Mono samples at the rate they were recorded at, the take's name, and notes on how it was read."""

    samples: np.ndarray
    rate: int
    name: str = "take"
    warnings: list[str] = field(default_factory=list)


def take_audio(source) -> TakeAudio:
    """The samples measures work on, from a path, a Recording or a TakeAudio."""
    from voice_desk.audio.recording import Recording

    if isinstance(source, TakeAudio):
        return source
    if isinstance(source, Recording):
        return _from_recording(source)
    if isinstance(source, (str, Path)):
        return _read(Path(source))
    raise TypeError(f"cannot measure a {type(source).__name__}; give a file path, a Recording or a TakeAudio")


def _read(path: Path) -> TakeAudio:
    from voice_desk.audio.checks import check_channels, clipping_warning
    from voice_desk.audio.load import read_samples, to_mono

    raw, rate, warnings = read_samples(path)
    if raw.ndim == 2 and raw.shape[1] == 0:
        raise VoiceDeskError("the file has no audio channels.", path=path, hint="Record or export the recording again.")
    mono = to_mono(raw)
    check_channels(raw, mono, path=path)
    clipping = clipping_warning(raw) if raw.size else None
    return TakeAudio(np.asarray(mono, dtype=np.float64), int(rate), str(path),
                     list(warnings) + ([clipping] if clipping else []))


def _from_recording(recording) -> TakeAudio:
    notes = list(recording.warnings)
    if recording.path is not None and recording.original_rate != recording.sample_rate:
        try:
            audio = _read(recording.path)
        except (VoiceDeskError, OSError):
            notes.append("its file could not be read again, so it was measured at "
                         f"{recording.sample_rate:,} Hz instead of its original {recording.original_rate:,} Hz.")
        else:
            if abs(audio.samples.size / audio.rate - recording.duration) <= 0.05:
                return audio
            notes.append("its file changed since it was opened, so the opened copy was measured at "
                         f"{recording.sample_rate:,} Hz instead of its original {recording.original_rate:,} Hz.")
    elif recording.original_rate != recording.sample_rate:
        notes.append(f"it was measured at {recording.sample_rate:,} Hz (the original {recording.original_rate:,} Hz "
                     "samples were not kept).")
    return TakeAudio(np.asarray(recording.samples, dtype=np.float64), int(recording.sample_rate), recording.name, notes)


def _sex(sex):
    from voice_desk.measures.settings import normalise_sex

    try:
        return normalise_sex(sex)
    except ValueError as exc:
        raise VoiceDeskError(str(exc)) from None


def measure_recording(source, task: str = "sentence", sex: str | None = None):
    """Every measure of one take -> :class:`voice_desk.measures.result.MeasureReport`.

    ``task``: 'sentence', 'vowel_a' (sustained /a/) or 'mpt' (/a/ as long as possible);
    ``sex``: 'f', 'm' or None (it sets the pitch range)."""
    from voice_desk.measures.settings import TASKS
    from voice_desk.measures.take import measure_take

    if task not in TASKS:
        raise VoiceDeskError(f"“{task}” is not a recording task Voice Desk measures.",
                             hint=f"Use one of: {', '.join(TASKS)}.")
    sex = _sex(sex)
    audio = take_audio(source)
    report = measure_take(audio.samples, audio.rate, task, sex, source=audio.name)
    report.warnings[:0] = audio.warnings
    return report


def measure_session(sentence=None, vowel_a=None, sex: str | None = None, *, mpt=None, f0_high_hz: float | None = None,
                    i_low_db_spl: float | None = None, state=None):
    """The takes of one session, each measured, and AVQI and DSI from them.

    ``sentence``, ``vowel_a`` and ``mpt`` are takes (paths, Recordings or TakeAudio; None when not
    recorded); ``mpt`` may also be a number of seconds measured elsewhere. ``f0_high_hz`` and
    ``i_low_db_spl`` come from a voice range profile (DSI needs them). ``state``: an optional
    :class:`voice_desk.tasks.state.TaskState` (progress, status, cancel between steps).
    -> :class:`voice_desk.measures.result.SessionMeasures`"""
    from voice_desk.measures.avqi import FORMULA, SOURCE, VERSION, avqi
    from voice_desk.measures.avqi import settings as avqi_settings
    from voice_desk.measures.dsi import dsi
    from voice_desk.measures.ranges import AVQI_THRESHOLD
    from voice_desk.measures.result import IndexResult, SessionMeasures
    from voice_desk.tasks.state import quiet

    state = state or quiet()
    sex = _sex(sex)
    mpt_seconds = isinstance(mpt, (int, float)) and not isinstance(mpt, bool)
    _check_number("the maximum phonation time", mpt if mpt_seconds else None, 0.0, 300.0, "s")
    _check_number("F0-High", f0_high_hz, 50.0, 3000.0, "Hz")
    _check_number("I-Low", i_low_db_spl, 20.0, 130.0, "dB SPL")
    audio = {"sentence": take_audio(sentence) if sentence is not None else None,
             "vowel_a": take_audio(vowel_a) if vowel_a is not None else None,
             "mpt": take_audio(mpt) if mpt is not None and not mpt_seconds else None}
    takes = {}
    steps = [task for task, a in audio.items() if a is not None]
    for i, task in enumerate(steps):
        state.check()
        state.set_status(f"Measuring the {_TASK_WORDS[task]}…")
        state.set_progress(0.5 * i / max(len(steps), 1))
        takes[task] = measure_recording(audio[task], task, sex)
    state.check()
    state.set_status("Computing AVQI…")
    state.set_progress(0.5)
    if audio["sentence"] is None or audio["vowel_a"] is None:
        missing = " and ".join(word for word, a in (("the sentence", audio["sentence"]),
                                                    ("a sustained /a/", audio["vowel_a"])) if a is None)
        avqi_result = IndexResult("avqi", f"AVQI v{VERSION}", None, f"AVQI needs {missing} take.", FORMULA, SOURCE,
                                  AVQI_THRESHOLD, settings=avqi_settings())
    else:
        s, v = audio["sentence"], audio["vowel_a"]
        avqi_result = avqi(s.samples, s.rate, v.samples, v.rate)
    state.check()
    jitter = takes["vowel_a"].value("jitter_local") if "vowel_a" in takes else None
    if mpt_seconds:
        mpt_value, mpt_from = float(mpt), "given"
    else:
        mpt_value = takes["mpt"].value("mpt") if "mpt" in takes else None
        mpt_from = "the mpt take" if mpt_value is not None else None
    origins = {"mpt": mpt_from, "jitter": "the sustained /a/ take" if jitter is not None else None}
    dsi_result = dsi(mpt_value, f0_high_hz, i_low_db_spl, jitter, {k: v for k, v in origins.items() if v})
    state.set_progress(1.0)
    return SessionMeasures(takes, avqi_result, dsi_result)


def _check_number(what: str, value, low: float, high: float, unit: str) -> None:
    """A number given for DSI must be one a voice can have (NaN, inf and the absurd are refused)."""
    import math

    if value is None:
        return
    if not (isinstance(value, (int, float)) and math.isfinite(value) and low < value < high):
        raise VoiceDeskError(f"{what} of {value} {unit} is not a value a voice can have.",
                             hint=f"Give a number between {low:g} and {high:g} {unit}.")


_TASK_WORDS = {"sentence": "sentence", "vowel_a": "sustained /a/", "mpt": "maximum phonation take"}


def rows(report, file: str | None = None) -> list[dict]:
    """A take's report (MeasureReport) or a session's indices (IndexResult) as CSV rows."""
    from voice_desk.measures.result import IndexResult

    if isinstance(report, IndexResult):
        return [{"file": file or "", "task": "session", "measure": report.key, "label": report.label,
                 "value": _num(report.value), "unit": "", "flag": report.flag or "",
                 "normal_range": report.threshold.describe(), "why_not": report.why_not or "",
                 "source": report.threshold.source}]
    out = []
    for m in report.measures.values():
        out.append({"file": file or report.source, "task": report.task, "measure": m.key, "label": m.label,
                    "value": _num(m.value), "unit": m.unit, "flag": m.flag or "",
                    "normal_range": m.normal.describe() if m.normal else "", "why_not": m.why_not or "",
                    "source": m.normal.source if m.normal else ""})
    return out


def _num(value) -> str:
    return "" if value is None else f"{value:.6g}"
