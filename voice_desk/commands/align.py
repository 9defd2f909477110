"""`voice-desk align`: recordings in, one TextGrid (words + phones tiers) per recording out."""

from __future__ import annotations

HELP = "align recordings of the SVD sentence: one TextGrid (words, phones) per file"
DESCRIPTION = (HELP + ". The built-in aligner works offline and is approximate (it reports a confidence, also "
               "written into the TextGrid's 'aligner' tier); --backend mfa runs Montreal Forced Aligner if it is "
               "installed.")


def add_arguments(parser) -> None:
    parser.add_argument("audio", nargs="+", help="WAV, FLAC, OGG or NSP files")
    parser.add_argument("--backend", choices=("builtin", "mfa"), default="builtin",
                        help="built-in DTW aligner (default, offline) or Montreal Forced Aligner")
    parser.add_argument("--out", "-o", default=None,
                        help="folder for the TextGrids (default: next to each audio file, same name)")
    parser.add_argument("--transcript", default=None, help="text spoken (default: the SVD sentence; MFA only)")
    parser.add_argument("--mfa", default=None, help="the mfa program or its conda environment folder "
                                                    "(default: $VOICE_DESK_MFA, then PATH)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds MFA may take per file (default 600)")
    parser.add_argument("--overwrite", action="store_true", help="replace TextGrids that already exist")


def run(args) -> int:
    import os
    import sys
    from pathlib import Path

    from voice_desk.align.aligner import align
    from voice_desk.align.reference import SENTENCE
    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.audio.load import load_recording
    from voice_desk.errors import VoiceDeskError

    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        if out_dir.exists() and not out_dir.is_dir():
            raise VoiceDeskError("--out must be a folder.", path=out_dir)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise VoiceDeskError(f"the --out folder could not be created ({exc.strerror or exc}).", path=out_dir,
                                 hint="Choose a folder you can write to.") from exc
    from voice_desk.align.builtin import LOW_CONFIDENCE

    failed, written, doubtful = 0, set(), []
    for name in args.audio:
        source = Path(name)
        target = (out_dir or source.parent) / (source.stem + ".TextGrid")
        try:
            if os.path.realpath(target) == os.path.realpath(source):   # realpath: a link loop is the loader's to name
                raise VoiceDeskError("the TextGrid would replace the audio file itself.", path=source)
            if os.path.realpath(target) in written:
                raise VoiceDeskError(f"another file of this run already wrote {target}.", path=source,
                                     hint="Give files with the same name different --out folders.")
            if target.exists() and not args.overwrite:
                raise VoiceDeskError(f"{target} already exists and was left as it is.", path=source,
                                     hint="Add --overwrite to replace it.")
            recording = load_recording(source)
            alignment = align(recording, backend=args.backend, transcript=args.transcript or SENTENCE,
                              mfa=args.mfa, timeout=args.timeout)
            if not alignment.spoken_phones():
                raise VoiceDeskError("nothing to align, so no TextGrid was written: " + " ".join(alignment.warnings),
                                     path=source)
            try:
                write_textgrid(alignment, target)
            except OSError as exc:
                raise VoiceDeskError(f"{target} could not be written ({exc.strerror or exc}).", path=source,
                                     hint="Choose an --out folder you can write to.") from exc
            written.add(os.path.realpath(target))
        except VoiceDeskError as exc:
            failed += 1
            print(f"voice-desk: {exc}", file=sys.stderr)
            continue
        detail = args.backend
        if alignment.confidence is not None:
            detail += f", confidence {alignment.confidence:.2f}"
        if alignment.approximate:
            detail += ", approximate"
        print(f"{source} -> {target} ({len(alignment.spoken_phones())} phones, {detail})")
        for warning in recording.warnings + alignment.warnings:
            print(f"  warning: {warning}")
        if alignment.confidence is not None and alignment.confidence < LOW_CONFIDENCE:
            doubtful.append(source.name)
    if doubtful:
        print(f"voice-desk: {len(doubtful)} of {len(written)} TextGrids have a low confidence and are probably "
              f"wrong ({', '.join(doubtful)}); their 'aligner' tier says so. Check them in Praat, or align them "
              "with --backend mfa.", file=sys.stderr)
    if failed:
        print(f"voice-desk: {failed} of {len(args.audio)} files could not be aligned.", file=sys.stderr)
    return 1 if failed else 0
