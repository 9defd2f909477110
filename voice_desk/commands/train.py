"""`voice-desk train`: train ast_freeze or ast_finetuned on SVD or a CSV manifest."""

from __future__ import annotations

HELP = "train a healthy/pathological model (ast_freeze or ast_finetuned) on SVD or a CSV manifest"
DESCRIPTION = (HELP + ". The bundle goes to the models folder (where the window finds it) or --out. "
               "Under torchrun/accelerate launch the same command trains on several GPUs (training/README.md).")


def add_arguments(parser) -> None:
    parser.add_argument("--recipe", "-r", default="training/ast_freeze.toml",
                        help="recipe TOML file or built-in name: ast_freeze (default), ast_finetuned")
    parser.add_argument("--data", "-d", required=True,
                        help="svd:FOLDER (a Saarbruecken Voice Database copy) or manifest:FILE.csv "
                             "(columns path,label,speaker,gender[,group])")
    parser.add_argument("--out", "-o", default=None, help="bundle folder (default: models folder/<name>)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a recipe value, e.g. --set learning_rate=5e-4 --set num_train_epochs=3")
    parser.add_argument("--split", dest="split_file", default=None,
                        help="reuse a saved split.csv instead of making a new split")
    parser.add_argument("--download", metavar="WHAT", default=None,
                        help="first download the Saarbruecken Voice Database from Zenodo into the svd: folder: "
                             "'all' (data.zip, 17.9 GB) or comma-separated pathologies (German names) and/or "
                             "'healthy'; pathologies already there are skipped, an interrupted download resumes")
    parser.add_argument("--device", default=None, help="auto (default), cpu, cuda or mps")
    parser.add_argument("--overwrite", action="store_true", help="replace a model already in --out")
    parser.add_argument("--restart", action="store_true",
                        help="start over: discard the checkpoints and split of an interrupted run in --out "
                             "(without it, the same command resumes that run)")
    parser.add_argument("--progress-json", action="store_true",
                        help="write progress as JSON lines on stdout (for the training wizard)")


def run(args) -> int:
    import sys

    from voice_desk.errors import VoiceDeskError
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


def train(args, report, cancelled=None):
    """What `voice-desk train` does with parsed ``args``, each progress event to ``report``; the
    wizard's training process (:mod:`voice_desk.train.child`) runs this very function.
    Returns the bundle folder."""
    from voice_desk.model.quiet import quiet_libraries
    from voice_desk.train.recipe import load_recipe
    from voice_desk.train.runner import run_training

    overrides = list(args.overrides)
    if args.device:
        overrides.append(f"device={args.device}")
    recipe = load_recipe(args.recipe, overrides)
    if args.download:
        download(args, report)
    quiet_libraries()
    return run_training(recipe, args.data, args.out, args.split_file, report=report, cancelled=cancelled,
                        overwrite=args.overwrite, restart=args.restart)


def download(args, report) -> None:
    from voice_desk.data.svd_download import download_svd
    from voice_desk.errors import VoiceDeskError

    kind, _, folder = args.data.partition(":")
    if kind != "svd" or not folder:
        raise VoiceDeskError("--download needs --data svd:FOLDER (the folder to download into).")
    names = None if args.download.strip().lower() == "all" else [n.strip() for n in args.download.split(",") if n.strip()]
    report({"event": "stage", "stage": "download", "message": f"Downloading SVD into {folder}"})
    download_svd(folder, names, progress=lambda name, done, total: report(
        {"event": "progress", "stage": f"downloading {name}", "done": done, "total": total}))
