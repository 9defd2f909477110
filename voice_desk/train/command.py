"""`voice-desk train` as plain Python: its arguments and what it runs, shared by the command line
(:mod:`voice_desk.commands.train`, which adds how progress is shown) and the training wizard's
process (:func:`voice_desk.train.child.train`, which sends each progress event to the window)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("--recipe", "-r", default="training/ast_freeze.toml",
                        help="recipe TOML file or built-in name: ast_freeze (default), ast_finetuned")
    parser.add_argument("--data", "-d", required=True,
                        help="svd:FOLDER (a Saarbrücken Voice Database copy) or manifest:FILE.csv "
                             "(columns path,label,speaker,gender[,group])")
    parser.add_argument("--out", "-o", default=None, help="bundle folder (default: models folder/<name>)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a recipe value, e.g. --set learning_rate=5e-4 --set num_train_epochs=3")
    parser.add_argument("--split", dest="split_file", default=None,
                        help="reuse a saved split.csv instead of making a new split")
    parser.add_argument("--download", metavar="WHAT", default=None,
                        help="first download the Saarbrücken Voice Database from Zenodo into the svd: folder: "
                             "'all' (data.zip, 17.9 GB) or comma-separated pathologies (German names) and/or "
                             "'healthy'; pathologies already there are skipped, an interrupted download resumes")
    parser.add_argument("--device", default=None, help="auto (default), cpu, cuda or mps")
    parser.add_argument("--overwrite", action="store_true", help="replace a model already in --out")
    parser.add_argument("--restart", action="store_true",
                        help="start over: discard the checkpoints and split of an interrupted run in --out "
                             "(without it, the same command resumes that run)")
    parser.add_argument("--progress-json", action="store_true",
                        help="write progress as JSON lines on stdout (for a program that drives training)")


def train(args, report, cancelled=None):
    """What `voice-desk train` does with parsed ``args``, each progress event to ``report``.
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
