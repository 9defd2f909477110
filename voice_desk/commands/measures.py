"""`voice-desk measures`: Praat's voice measures of recordings, and AVQI and DSI where their takes are given."""

from __future__ import annotations

import json

HELP = "voice measures (Praat: F0, jitter, shimmer, HNR, CPPS, LTAS slope and tilt; AVQI, DSI), one report per file"
DESCRIPTION = (
    "Measure each recording with Praat's own algorithms (praat-parselmouth): F0, jitter, shimmer, HNR, CPPS, LTAS "
    "slope and tilt, and the phonation time of a sustained vowel, each with its normal range and source where one "
    "is published, or the reason it has no value. With --vowel (a sustained /a/ of the same speaker) each AUDIO "
    "is taken as the sentence and AVQI v03.01 is computed; DSI needs --mpt, --f0-high and --i-low as well. A file "
    "that cannot be read is reported and the others go on; the exit status is 1 when any file could not be read or "
    "gave no value at all.")

_DECIMALS = {"Hz": 1, "%": 3, "dB": 2, "s": 2, "semitones": 2, "": 2}


def add_arguments(parser) -> None:
    parser.add_argument("audio", nargs="+", metavar="AUDIO", help="recordings (WAV, FLAC, OGG or NSP)")
    parser.add_argument("--task", choices=("sentence", "vowel_a", "mpt"), default="sentence",
                        help="what the AUDIO files hold: the sentence (default), a sustained /a/ (vowel_a) or /a/ "
                             "as long as possible (mpt)")
    parser.add_argument("--vowel", metavar="A_TAKE",
                        help="a sustained /a/ (3 s or more) of the same speaker: measured too, and AVQI computed "
                             "with each AUDIO as the sentence")
    parser.add_argument("--mpt", metavar="TAKE|SECONDS",
                        help="for DSI: a take of /a/ as long as possible, or its maximum phonation time in seconds")
    parser.add_argument("--f0-high", type=float, metavar="HZ", help="for DSI: the highest F0 of a voice range profile")
    parser.add_argument("--i-low", type=float, metavar="DB_SPL",
                        help="for DSI: the softest intensity of a voice range profile, in dB SPL (calibrated)")
    parser.add_argument("--sex", choices=("f", "m"), default=None,
                        help="the speaker's sex: sets the pitch range (f 100–500 Hz, m 75–300 Hz; "
                             "default 75–500 Hz)")
    parser.add_argument("--json", action="store_true", help="one JSON record per file on standard output")
    parser.add_argument("--csv", metavar="FILE", help="also write every measure as a row of this CSV file")


def run(args) -> int:
    from voice_desk.commands._common import output_path
    from voice_desk.errors import VoiceDeskError
    from voice_desk.session.measures import take_audio

    csv_path = output_path(args.csv, (".csv",), "--csv") if args.csv else None
    if args.vowel and args.task != "sentence":
        raise VoiceDeskError("--vowel joins a sustained /a/ to sentence takes (for AVQI), so the AUDIO files must be "
                             f"sentences, not --task {args.task}.", hint="Leave out --task, or leave out --vowel.")
    mpt = _mpt(args.mpt)
    session = bool(args.vowel or args.mpt is not None or args.f0_high is not None or args.i_low is not None)
    vowel = take_audio(args.vowel) if args.vowel else None
    if isinstance(mpt, str):
        mpt = take_audio(mpt)
    rows: list[dict] = []
    failures = 0
    first = True  # the --vowel take is shown (and written) once, with the first file
    for path in args.audio:
        try:
            if session:
                result = _session(path, vowel, mpt, args)
                takes = result.takes
            else:
                result = _take(path, args)
                takes = {args.task: result}
        except VoiceDeskError as exc:
            failures += 1
            _print_error(path, exc, args.json)
            continue
        own = takes.get(args.task) if not args.vowel else takes.get("sentence")
        if own is not None and all(m.value is None for m in own.measures.values()):
            failures += 1
        if args.json:
            print(json.dumps({"file": path, **result.to_dict()}, ensure_ascii=False, allow_nan=False), flush=True)
        else:
            _print_session(path, result, takes, args, with_vowel=first)
        rows.extend(_rows(path, result, takes, args, with_vowel=first))
        first = False
    if csv_path is not None:
        _write_csv(csv_path, rows)
        if not args.json:
            print(f"measures written to {csv_path}")
    return 1 if failures else 0


def _mpt(value):
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return value  # a take
    from voice_desk.errors import VoiceDeskError

    if not 0 < seconds < 300:
        raise VoiceDeskError(f"--mpt {value}: a maximum phonation time must be a number of seconds above 0.",
                             hint="Give the seconds, or the file of the take.")
    return seconds


def _take(path, args):
    from voice_desk.session.measures import measure_recording

    return measure_recording(path, args.task, args.sex)


def _session(path, vowel, mpt, args):
    from voice_desk.session.measures import measure_session

    sentence = path if args.task == "sentence" else None
    vowel_a = vowel if vowel is not None else (path if args.task == "vowel_a" else None)
    if args.task == "mpt" and mpt is None:
        mpt = path
    return measure_session(sentence, vowel_a, args.sex, mpt=mpt, f0_high_hz=args.f0_high,
                           i_low_db_spl=args.i_low)


def _print_session(path, result, takes, args, with_vowel: bool) -> None:
    from voice_desk.measures.result import SessionMeasures

    for task, report in takes.items():
        if task == "vowel_a" and args.vowel and not with_vowel:
            continue
        _print_report(report, path if task == args.task else report.source)
    if isinstance(result, SessionMeasures):
        for index in (result.avqi, result.dsi):
            _print_index(index)
    print(flush=True)


def _print_report(report, name) -> None:
    settings = report.settings
    print(f"{name} — {settings['task']}, {report.duration_s:.2f} s at {report.sample_rate:,} Hz; pitch range "
          f"{settings['pitch_floor_hz']:g}–{settings['pitch_ceiling_hz']:g} Hz ({settings['pitch_range']})")
    reasons = {m.why_not for m in report.measures.values()}
    one_reason = next(iter(reasons)) if len(reasons) == 1 else None
    if one_reason:  # nothing measured, all for the same reason: say it once
        print(f"  no measures: {one_reason}")
    for m in () if one_reason else report.measures.values():
        if m.value is None:
            print(f"  {m.label:<26} —  {m.why_not}")
            continue
        text = f"  {m.label:<26} {_fmt(m.value, m.unit):>10} {m.unit}"
        if m.normal is not None:
            text = f"{text:<50} normal {m.normal.describe()}" + (f"  ← {m.flag} the range" if m.flag else "")
        print(text)
    for warning in report.warnings:
        print(f"  warning: {warning}")


def _print_index(index) -> None:
    if index.value is None:
        print(f"  {index.label:<26} —  {index.why_not}")
    else:
        flag = f"  ← {index.flag} the threshold" if index.flag else ""
        print(f"  {index.label:<26} {index.value:>10.2f}    {index.threshold.describe()}{flag}")
    for warning in index.warnings:
        print(f"  warning: {warning}")


def _fmt(value: float, unit: str) -> str:
    return f"{value:.{_DECIMALS.get(unit, 2)}f}"


def _rows(path, result, takes, args, with_vowel: bool) -> list[dict]:
    from voice_desk.measures.result import SessionMeasures
    from voice_desk.session.measures import rows

    out = []
    for task, report in takes.items():
        if task == "vowel_a" and args.vowel and not with_vowel:
            continue
        out.extend(rows(report, path if task == args.task else report.source))
    if isinstance(result, SessionMeasures):
        out.extend(rows(result.avqi, path) + rows(result.dsi, path))
    return out


def _write_csv(path, rows: list[dict]) -> None:
    import csv

    from voice_desk.session.measures import CSV_COLUMNS

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _print_error(path: str, exc, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"file": path, "error": str(exc), "error_type": type(exc).__name__}, ensure_ascii=False),
              flush=True)
    else:
        print(f"{path}: error: {exc.problem}" + (f" {exc.hint}" if exc.hint else ""), flush=True)
