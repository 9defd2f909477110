"""`voice-desk info`: what is installed and which models are available."""

from __future__ import annotations

HELP = "show versions, compute device, the models in Voice Desk's models folder, and what a model holds"


def add_arguments(parser) -> None:
    parser.add_argument("--model", "-m", default=None,
                        help="also load and describe this model (bundle folder, AST checkpoint folder, a name in "
                             "the models folder, or a hub id: downloaded into the Hugging Face cache when online)")
    parser.add_argument("--device", default=None, help="auto (default: CUDA, then MPS, then CPU), cpu, cuda or mps")


def run(args) -> int:
    import platform

    from voice_desk import __version__

    print(f"Voice Desk {__version__} on Python {platform.python_version()} ({platform.system()} {platform.machine()})")
    try:
        import torch
        import transformers
    except ImportError as exc:
        print(f"model support missing: {exc}")
    else:
        from voice_desk.model.device import pick_device
        from voice_desk.model.quiet import quiet_libraries

        quiet_libraries()  # before torch looks for a GPU (its CUDA notes are warnings)
        print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
              f"device: {pick_device(args.device)}")
    _list_models()
    if args.model:
        from voice_desk.model.bundle import load_model
        from voice_desk.model.quiet import quiet_libraries

        quiet_libraries()
        loaded = load_model(args.model, device=args.device)
        print(f"model: {loaded.source}")
        print(f"  labels: {', '.join(loaded.labels[:10])}{' ...' if len(loaded.labels) > 10 else ''}")
        print(f"  max_length: {loaded.max_length} frames ({loaded.max_length * 0.01:.2f} s)")
        print(f"  gives a verdict: {'yes' if loaded.gives_verdict else 'no (' + loaded.no_verdict_reason + ')'}")
        if loaded.card:
            print(f"  card: {loaded.card.summary()}")
    return 0


def _list_models() -> None:
    """The bundles in the models folder (read from their files; nothing is loaded). A damaged
    one is listed with its reason: one bad bundle never stops the others being listed."""
    from voice_desk.errors import VoiceDeskError
    from voice_desk.model.catalog import describe_model_folder
    from voice_desk.model.catalog import list_bundles
    from voice_desk.paths import models_dir

    folder = models_dir()
    bundles = list_bundles(folder)
    print(f"models folder: {folder} ({len(bundles)} model{'s' if len(bundles) != 1 else ''}; "
          "use one with --model NAME)")
    for path in bundles:
        try:
            entry = describe_model_folder(path, weights=True)
        except VoiceDeskError as exc:
            print(f"  {path.name}: damaged: {exc.problem}")
            continue
        verdict = "healthy/pathological" if entry.expects_verdict else "gives no verdict"
        print(f"  {path.name}: {entry.summary}; {verdict}")
