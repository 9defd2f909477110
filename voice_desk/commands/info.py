"""`voice-desk info`: what is installed and which models are available."""

from __future__ import annotations

HELP = "show versions, compute device and what a model folder holds"


def add_arguments(parser) -> None:
    parser.add_argument("--model", "-m", default=None, help="also describe this model bundle or checkpoint")


def run(args) -> int:
    import platform

    from voice_desk import __version__

    print(f"Voice Desk {__version__} on Python {platform.python_version()} ({platform.system()} {platform.machine()})")
    try:
        import torch
        import transformers

        from voice_desk.model.device import pick_device

        print(f"torch {torch.__version__}, transformers {transformers.__version__}, device: {pick_device()}")
    except ImportError as exc:
        print(f"model support missing: {exc}")
    if args.model:
        from voice_desk.commands._common import quiet_libraries
        from voice_desk.model.bundle import load_model

        quiet_libraries()
        loaded = load_model(args.model, device="cpu")
        print(f"model: {loaded.source}")
        print(f"  labels: {', '.join(loaded.labels[:10])}{' ...' if len(loaded.labels) > 10 else ''}")
        print(f"  max_length: {loaded.max_length} frames ({loaded.max_length * 0.01:.2f} s)")
        print(f"  gives a verdict: {'yes' if loaded.gives_verdict else 'no (not a trained healthy/pathological model)'}")
        if loaded.card:
            print(f"  card: {loaded.card.summary()}")
    return 0
