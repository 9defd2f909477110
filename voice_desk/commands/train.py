"""`voice-desk train`: train ast_freeze or ast_finetuned on SVD or a CSV manifest.

Its arguments and what it runs are in :mod:`voice_desk.train.command`, which the training
wizard's process runs too; here: how progress reaches a terminal (or JSON lines on stdout)."""

from __future__ import annotations

from voice_desk.train.command import add_arguments  # noqa: F401 - the CLI builds its parser with it

HELP = "train a healthy/pathological model (ast_freeze or ast_finetuned) on SVD or a CSV manifest"
DESCRIPTION = (HELP + ". The bundle goes to the models folder (where the window finds it) or --out. "
               "Under torchrun/accelerate launch the same command trains on several GPUs (training/README.md).")


def run(args) -> int:
    import sys

    from voice_desk.errors import VoiceDeskError
    from voice_desk.train.command import train
    from voice_desk.train.progress import JsonLines, TextBar

    if args.progress_json:
        # stdout carries only our JSON lines; anything a library prints goes to stderr.
        report = JsonLines(sys.stdout)
        sys.stdout = sys.stderr
    else:
        report = TextBar(sys.stderr)
    try:
        train(args, report)
    except VoiceDeskError as exc:
        if args.progress_json:
            report({"event": "error", "message": str(exc)})
        raise
    except KeyboardInterrupt:
        if args.progress_json:
            report({"event": "error", "message": "training was interrupted; run it again to resume"})
        raise
    return 0
