"""`voice-desk phones`: how much of a model's relevance falls on each phone of a recording."""

from __future__ import annotations

HELP = "per-phone relevance of one recording for one or two models (table, optional CSV)"
DESCRIPTION = (HELP + ". Phones come from --textgrid, else a TextGrid next to the audio file with the same name, "
               "else the built-in aligner (or --backend mfa).")


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


def phones_for(recording, textgrid, backend="builtin", mfa=None, transcript=None, timeout=None):
    """The alignment to use and where it came from: --textgrid, a TextGrid beside the audio, or an aligner."""
    from voice_desk.align.aligner import align
    from voice_desk.align.reference import SENTENCE
    from voice_desk.align.textgrid import find_textgrid_for, read_textgrid

    if textgrid:
        return read_textgrid(textgrid, recording.duration)
    beside = find_textgrid_for(recording.path) if recording.path else None
    if beside is not None:
        return read_textgrid(beside, recording.duration)
    return align(recording, backend=backend, transcript=transcript or SENTENCE, mfa=mfa, timeout=timeout)


def describe_tiers(alignment) -> str:
    """Where the phones came from, e.g. 'builtin (approximate)' or a TextGrid's path."""
    return (alignment.source or "aligner") + (" (approximate)" if alignment.approximate else "")


def format_table(table) -> str:
    """Rows of a :func:`voice_desk.analysis.phone_relevance.relevance_table`, one column pair per model."""
    models = list(table)
    first = table[models[0]]
    head = f"{'word':8s} {'phone':6s} {'start s':>8s} {'end s':>8s} {'dur ms':>7s}"
    for i, _ in enumerate(models, 1):
        head += f"  {f'mean #{i}':>10s} {f'share #{i}':>8s}"
    lines = [head]
    for k, row in enumerate(first):
        line = f"{row.word or '-':8s} {row.phone:6s} {row.start:8.3f} {row.end:8.3f} {row.duration * 1000:7.0f}"
        for m in models:
            r = table[m][k]
            line += f"  {r.mean_relevance:10.3g} {r.share * 100:7.1f}%"
        lines.append(line)
    lines += [f"#{i}: {m}" for i, m in enumerate(models, 1)]
    return "\n".join(lines)


def check_csv_target(csv, sources) -> None:
    """Refuse a --csv that would replace the recording or the TextGrid, or that cannot be written."""
    from pathlib import Path

    from voice_desk.errors import VoiceDeskError

    target = Path(csv)
    if any(src and target.resolve() == Path(src).resolve() for src in sources) or \
            target.suffix.lower() in (".wav", ".flac", ".ogg", ".nsp", ".textgrid"):
        raise VoiceDeskError("--csv would replace a recording or a TextGrid; it was left as it is.", path=target,
                             hint="Give the table a name ending in .csv.")
    if target.is_dir():
        raise VoiceDeskError("--csv is a folder; give a file name.", path=target)
    if not target.resolve().parent.is_dir():
        raise VoiceDeskError("the folder for --csv does not exist.", path=target,
                             hint="Create the folder first, or choose another place.")


def run(args) -> int:
    from voice_desk.analysis.phone_relevance import relevance_table, write_csv
    from voice_desk.audio.load import load_recording
    from voice_desk.model.quiet import quiet_libraries
    from voice_desk.errors import VoiceDeskError
    from voice_desk.model.bundle import load_model
    from voice_desk.model.card import DEFAULT_BASE
    from voice_desk.model.engine import Engine

    models = args.models or [DEFAULT_BASE]
    if len(models) > 2:
        raise VoiceDeskError("compare at most two models at a time.")
    if not 0.0 <= args.discard_ratio < 1.0:
        raise VoiceDeskError("--discard-ratio must be at least 0 and below 1.")
    if args.csv:
        check_csv_target(args.csv, (args.audio, args.textgrid))
    recording = load_recording(args.audio)
    alignment = phones_for(recording, args.textgrid, args.backend, args.mfa, args.transcript, args.timeout)
    if not alignment.spoken_phones():
        raise VoiceDeskError("the alignment has no phones.", path=args.audio,
                             hint=" ".join(alignment.warnings) or "Check the TextGrid's phones tier.")
    quiet_libraries()
    explanations = {}
    for name in models:
        engine = Engine(load_model(name, device=args.device))
        explanations[name] = engine.explain(recording, head_fusion=args.head_fusion, discard_ratio=args.discard_ratio)
    table, notes = relevance_table(explanations, alignment.phones, words=alignment.words)
    quality = alignment.quality()
    print(f"phones from {alignment.source or 'aligner'}" + (f" ({', '.join(quality)})" if quality else ""))
    for warning in recording.warnings + alignment.warnings + notes:
        print(f"warning: {warning}")
    print(format_table(table))
    if args.csv:
        try:
            path = write_csv(table, args.csv, file=str(args.audio), tiers=describe_tiers(alignment),
                             tiers_confidence=alignment.confidence)
        except OSError as exc:
            raise VoiceDeskError(f"the table could not be written ({exc.strerror or exc}).", path=args.csv,
                                 hint="Choose a folder you can write to.") from exc
        print(f"CSV -> {path}")
    return 0
