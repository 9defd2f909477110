"""`voice-desk predict`: many recordings -> one verdict line (or JSON record) each."""

from __future__ import annotations

HELP = "predict many recordings (batched); one line or JSON record per file, errors per file"


def add_arguments(parser) -> None:
    from voice_desk.commands._common import add_model_argument

    parser.add_argument("audio", nargs="+", help="WAV, FLAC, OGG or NSP files")
    add_model_argument(parser)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="one JSON record per line")


def describe(prediction) -> str:
    """One human-readable line for a prediction."""
    if prediction.gives_verdict:
        text = (f"{prediction.source}: {prediction.label} "
                f"(P(pathological) = {prediction.pathology_probability:.3f}, {prediction.model})")
    else:
        top = ", ".join(f"{label} {p:.2f}" for label, p in prediction.top_classes(3))
        text = (f"{prediction.source}: no verdict — {prediction.model} is not a trained healthy/pathological "
                f"model; top classes: {top}")
    for warning in prediction.warnings:
        text += f"\n  warning: {warning}"
    return text


def run(args) -> int:
    import json

    from voice_desk.audio.load import load_recording
    from voice_desk.commands._common import quiet_libraries
    from voice_desk.errors import VoiceDeskError
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine

    recordings, failures = [], 0
    for path in args.audio:
        try:
            recordings.append(load_recording(path))
        except VoiceDeskError as exc:
            failures += 1
            print(json.dumps({"file": path, "error": str(exc)}) if args.json else f"{path}: error: {exc.problem}"
                  + (f" {exc.hint}" if exc.hint else ""))
    if recordings:
        quiet_libraries()
        engine = Engine(load_model(args.model, device=args.device))
        for prediction in engine.predict(recordings, batch_size=max(1, args.batch_size)):
            print(json.dumps(prediction.to_record()) if args.json else describe(prediction))
    return 1 if failures else 0
