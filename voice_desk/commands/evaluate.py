"""`voice-desk evaluate`: test a trained bundle on one part of a split (UAR, AUC, per gender)."""

from __future__ import annotations

HELP = "evaluate a trained model on the test (or dev/train) part of a data split"


def add_arguments(parser) -> None:
    parser.add_argument("--model", "-m", required=True, help="trained bundle folder")
    parser.add_argument("--data", "-d", required=True, help="svd:FOLDER or manifest:FILE.csv")
    parser.add_argument("--split", default="test", choices=("train", "dev", "test", "all"),
                        help="which part to evaluate on (default test); 'all': every recording of --data, "
                             "e.g. another corpus")
    parser.add_argument("--split-file", default=None,
                        help="split.csv to use (default: the one saved in the bundle; else a new split with "
                             "the bundle's recipe seed)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")


def run(args) -> int:
    import sys
    from pathlib import Path

    from voice_desk.model.quiet import quiet_libraries
    from voice_desk.errors import ModelError, VoiceDeskError
    from voice_desk.model.bundle import load_model
    from voice_desk.model.json_io import dumps
    from voice_desk.train.clip_inputs import load_samples
    from voice_desk.train.metrics import evaluate_scores
    from voice_desk.train.prepare import apply_split_file, load_recipe_corpus, recipe_split
    from voice_desk.train.recipe import load_recipe
    from voice_desk.train.runner import predict_model

    quiet_libraries()
    loaded = load_model(args.model, device=args.device)
    if not loaded.gives_verdict:
        raise ModelError("this model is not a trained healthy/pathological model.", path=args.model,
                         hint="Evaluate a bundle made by voice-desk train.")
    card = loaded.card
    recipe_info = (card.extra.get("recipe", {}) if card else {}) or {}
    values = recipe_info.get("values", {})
    recipe = load_recipe(values.get("configuration", "ast_freeze"))
    recipe = recipe.with_overrides({k: v for k, v in values.items() if k in recipe.values})
    corpus = load_recipe_corpus(recipe, args.data)
    if args.split == "all":
        clips = list(corpus.clips)
    else:
        split_file = args.split_file
        if split_file is None and (Path(args.model) / "split.csv").is_file():
            split_file = str(Path(args.model) / "split.csv")
        if split_file is None:
            split = recipe_split(recipe, corpus)
        else:
            try:
                split = apply_split_file(corpus, split_file)
            except VoiceDeskError as exc:
                raise VoiceDeskError(exc.problem, path=exc.path,
                                     hint="Give the data the model was trained on, or --split all to evaluate on "
                                          "every recording of other data.") from exc
        clips = split.clips(corpus, args.split)
    for line in corpus.excluded_summary():
        print(f"left out {line}", file=sys.stderr)
    usable = []
    for clip in clips:
        try:
            load_samples(clip.path)
            usable.append(clip)
        except VoiceDeskError as exc:
            print(f"left out {clip.path}: {exc.problem}", file=sys.stderr)
    clips = usable
    if not clips:
        raise VoiceDeskError(f"the {args.split} part holds no usable recordings.", hint="Check --data and --split-file.")
    probs = predict_model(loaded.model, loaded.feature_extractor, clips, max(1, args.batch_size), loaded.device)
    metrics = evaluate_scores([c.label_index for c in clips], probs, [c.gender for c in clips])
    if args.json:
        print(dumps(metrics))  # NaN -> null: always valid JSON
    else:
        from voice_desk.model.operating_point import OperatingPoint, test_summary

        print(f"{args.split}: {test_summary(metrics)} (UAR at 0.5, as the study reports it)")
        cm = metrics["confusion_matrix"]
        print(f"confusion at 0.5 (rows true, cols predicted; healthy, pathological): {cm}")
        for gender, m in metrics.get("per_gender", {}).items():
            print(f"  {gender}: {test_summary(m)}")
        point = OperatingPoint.from_metrics(loaded.card.metrics if loaded.card else None)
        predicted = [p >= point.threshold for p in probs]
        agree = sum(int(p) == c.label_index for p, c in zip(predicted, clips))
        print(f"at the model's operating point ({point.describe()}): {agree} of {len(clips)} recordings "
              "classified as labelled")
    return 0
