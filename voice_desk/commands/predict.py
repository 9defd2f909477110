"""`voice-desk predict`: many recordings -> one verdict line (or JSON record) each."""

from __future__ import annotations

from voice_desk.model.json_io import dumps

HELP = "predict many recordings (batched); one line or JSON record per file, errors per file"


def add_arguments(parser) -> None:
    from voice_desk.commands._common import add_model_argument

    parser.add_argument("audio", nargs="+", help="WAV, FLAC, OGG or NSP files")
    add_model_argument(parser)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="one JSON record per line")


def describe(prediction, who: str | None = None) -> str:
    """One human-readable line for a prediction (a verdict only from a model that may give one),
    starting with ``who`` (default: the recording's path)."""
    who = prediction.source if who is None else who
    if prediction.gives_verdict:
        band = prediction.band
        text = (f"{who}: {prediction.label}" + (" (borderline)" if prediction.borderline else "")
                + f" (P(pathological) = {prediction.pathology_probability:.3f}, threshold {prediction.threshold:.2f}"
                + (f", borderline {band[0]:.2f}–{band[1]:.2f}" if band else "") + f", {prediction.model})")
    else:
        reason = prediction.no_verdict_reason or "it is not a trained healthy/pathological model"
        text = f"{who}: no verdict — {prediction.model}: {reason}"
        top = ", ".join(f"{label} {p:.2f}" for label, p in prediction.top_classes(3))
        if top:
            text += f"; top classes: {top}"
    for warning in prediction.warnings:
        text += f"\n  warning: {warning}"
    return text


def run(args) -> int:
    """Files are read, assessed and reported in the order given, ``--batch-size`` at a time,
    so memory stays bounded and results appear as they come. The model is loaded when the
    first readable file is there (not at all if none is)."""
    from voice_desk.audio.load import load_recording
    from voice_desk.errors import VoiceDeskError

    from voice_desk.model.source import resolve_source

    resolve_source(args.model)  # a wrong model folder is reported before any file is read
    batch_size = max(1, args.batch_size)
    engine = None
    pending: list = []  # Recording, or (path, error) for a file that failed, in input order
    failures = 0

    def flush() -> None:
        nonlocal engine, failures
        recordings = [item for item in pending if not isinstance(item, tuple)]
        predictions = iter([])
        if recordings:
            if engine is None:
                engine = _engine(args)
            predictions = iter(engine.predict(recordings, batch_size=batch_size))
        for item in pending:
            if isinstance(item, tuple):
                _print_error(*item, as_json=args.json)
            else:
                prediction = next(predictions)
                if isinstance(prediction, VoiceDeskError):  # the model had no answer for this file
                    failures += 1
                    _print_error(str(item.path or item.name), prediction, as_json=args.json)
                else:
                    print(dumps(prediction.to_record()) if args.json else describe(prediction), flush=True)
        pending.clear()

    for path in args.audio:
        try:
            pending.append(load_recording(path))
        except VoiceDeskError as exc:
            failures += 1
            pending.append((path, exc))
        if sum(not isinstance(item, tuple) for item in pending) >= batch_size:
            flush()
    flush()
    return 1 if failures else 0


def _engine(args):
    from voice_desk.model.quiet import quiet_libraries
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine

    quiet_libraries()
    return Engine(load_model(args.model, device=args.device))


def _print_error(path: str, exc, as_json: bool) -> None:
    if as_json:
        print(dumps({"file": path, "error": str(exc), "error_type": type(exc).__name__}), flush=True)
    else:
        print(f"{path}: error: {exc.problem}" + (f" {exc.hint}" if exc.hint else ""), flush=True)
