"""`voice-desk phones`: how much of a model's relevance falls on each phone of a recording."""

from __future__ import annotations

HELP = "per-phone relevance of one recording for one or two models (table, optional CSV)"
DESCRIPTION = (HELP + ". Phones come from --textgrid (it must fit the recording), else a TextGrid next to the "
               "audio file with the same name (set aside with a warning if it does not fit), else the built-in "
               "aligner (or --backend mfa).")


def add_arguments(parser) -> None:
    from voice_desk.commands._common import add_model_argument

    parser.add_argument("audio", help="WAV, FLAC, OGG or NSP file")
    add_model_argument(parser, multiple=True)
    parser.add_argument("--textgrid", "-t", default=None, help="TextGrid with a phones tier for this recording")
    parser.add_argument("--backend", choices=("builtin", "mfa"), default="builtin",
                        help="aligner to use when there is no TextGrid")
    parser.add_argument("--mfa", default=None, help="the mfa program or its conda environment folder")
    parser.add_argument("--transcript", default=None, help="text spoken (default: the SVD sentence; MFA only)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds MFA may take (default 600)")
    parser.add_argument("--csv", default=None, help="also write the table as CSV")
    parser.add_argument("--head-fusion", choices=("mean", "max", "min"), default="mean")
    parser.add_argument("--discard-ratio", type=float, default=0.0)


def format_table(table) -> str:
    """Rows of a :func:`voice_desk.analysis.phone_relevance.relevance_table`, three columns per model."""
    models = list(table)
    first = table[models[0]]
    head = f"{'word':8s} {'phone':6s} {'start s':>8s} {'end s':>8s} {'dur ms':>7s}"
    for i, _ in enumerate(models, 1):
        head += f"  {f'rel #{i}':>7s} {f'mean #{i}':>10s} {f'share #{i}':>8s}"
    lines = [head]
    for k, row in enumerate(first):
        line = f"{row.word or '-':8s} {row.phone:6s} {row.start:8.3f} {row.end:8.3f} {row.duration * 1000:7.0f}"
        for m in models:
            r = table[m][k]
            line += f"  {r.relative:7.2f} {r.mean_relevance:10.3g} {r.share * 100:7.1f}%"
        lines.append(line)
    lines += [f"#{i}: {m}" for i, m in enumerate(models, 1)]
    lines.append("# rel: mean relevance relative to the recording's mean (1.00 = average, whatever the phone's "
                 "length, as the window's bars); share: the phone's part of the recording's relevance")
    return "\n".join(lines)


def check_csv_target(csv, sources) -> None:
    """Refuse a --csv that would replace the recording or the TextGrid, or that cannot be written."""
    import os
    from pathlib import Path

    from voice_desk.errors import VoiceDeskError

    from voice_desk.audio.load import SUPPORTED_SUFFIXES

    target = Path(csv)
    if any(src and os.path.realpath(target) == os.path.realpath(src) for src in sources) or \
            target.suffix.lower() in (*SUPPORTED_SUFFIXES, ".textgrid"):
        raise VoiceDeskError("--csv would replace a recording or a TextGrid; it was left as it is.", path=target,
                             hint="Give the table a name ending in .csv.")
    if target.is_dir():
        raise VoiceDeskError("--csv is a folder; give a file name.", path=target)
    if not Path(os.path.realpath(target)).parent.is_dir():
        raise VoiceDeskError("the folder for --csv does not exist.", path=target,
                             hint="Create the folder first, or choose another place.")


def run(args) -> int:
    from voice_desk.analysis.phone_relevance import relevance_table, write_csv
    from voice_desk.errors import VoiceDeskError
    from voice_desk.model.bundle import load_model
    from voice_desk.model.card import DEFAULT_BASE
    from voice_desk.model.engine import Engine
    from voice_desk.model.quiet import quiet_libraries
    from voice_desk.session.opening import open_recording
    from voice_desk.session.tiers import source_id

    models = args.models or [DEFAULT_BASE]
    if len(models) > 2:
        raise VoiceDeskError("compare at most two models at a time.")
    if not 0.0 <= args.discard_ratio < 1.0:
        raise VoiceDeskError("--discard-ratio must be at least 0 and below 1.")
    if args.csv:
        check_csv_target(args.csv, (args.audio, args.textgrid))
    opened = open_recording(args.audio, args.textgrid, backend=args.backend, transcript=args.transcript,
                            mfa=args.mfa, timeout=args.timeout)
    recording, alignment = opened.recording, opened.tiers.alignment
    if not opened.tiers.has_phones:
        raise VoiceDeskError(opened.tiers.summary(), path=args.audio,
                             hint=" ".join(opened.tiers.all_warnings()) or "Check the TextGrid's phones tier.")
    quiet_libraries()
    explanations = {}
    for name in models:
        engine = Engine(load_model(name, device=args.device))
        explanations[name] = engine.explain(recording, head_fusion=args.head_fusion, discard_ratio=args.discard_ratio)
    table, notes = relevance_table(explanations, alignment.phones, words=alignment.words)
    print(opened.tiers.summary())
    for warning in opened.warnings() + notes:
        print(f"warning: {warning}")
    print(format_table(table))
    if args.csv:
        try:
            path = write_csv(table, args.csv, file=str(args.audio), tiers=source_id(alignment),
                             tiers_confidence=alignment.confidence)
        except OSError as exc:
            raise VoiceDeskError(f"the table could not be written ({exc.strerror or exc}).", path=args.csv,
                                 hint="Choose a folder you can write to.") from exc
        print(f"CSV -> {path}")
    return 0
