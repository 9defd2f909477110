"""`voice-desk explain`: one recording -> verdict + relevance map (rollout or gradient-weighted rollout),
optionally with its deletion and insertion curves."""

from __future__ import annotations

import sys

HELP = ("explain one recording: probabilities and a relevance map (.npz, optional .png), optionally with how "
        "faithful the map is")


def add_arguments(parser) -> None:
    from voice_desk.commands._common import add_model_argument
    from voice_desk.model.faithfulness import RANDOM_ORDERS, STEPS
    from voice_desk.model.relevance_methods import ANSWERS, GRADIENT_ROLLOUT, METHODS, ROLLOUT

    parser.add_argument("audio", help="WAV, FLAC, OGG or NSP file")
    add_model_argument(parser)
    parser.add_argument("--out", "-o", required=True, help="result file (.npz; keys documented in the README)")
    parser.add_argument("--png", default=None, metavar="IMAGE.png",
                        help="also write the study's picture (hue = relevance, brightness = power; .svg or .pdf "
                             "give a vector file)")
    parser.add_argument("--rendering", choices=("study", "heat"), default="study", help="picture style for --png")
    parser.add_argument("--scale", choices=("recording", "uniform"), default="recording",
                        help="colours of --png: relevance within this recording (the study's picture), or relative "
                             "to a uniform map on a fixed scale (¼× to 4×) that compares recordings and models")
    parser.add_argument("--axis", choices=("mel", "linear"), default="mel",
                        help="frequency axis of --png: the model's mel scale (to 8000 Hz) or linear Hz like Praat")
    parser.add_argument("--max-hz", type=float, default=None, metavar="HZ",
                        help="top of the linear axis (default 5000, as in Praat; at most 8000)")
    parser.add_argument("--method", choices=METHODS, default=ROLLOUT,
                        help=f"rollout: {ANSWERS[ROLLOUT]} (the default); gradient-rollout: {ANSWERS[GRADIENT_ROLLOUT]}")
    parser.add_argument("--target-class", default=None, metavar="CLASS",
                        help="the class a gradient-rollout map is for, by name or number (default: the predicted "
                             "class); also the class the --faithfulness curves follow")
    parser.add_argument("--head-fusion", choices=("mean", "max", "min"), default="mean", help="rollout only")
    parser.add_argument("--discard-ratio", type=float, default=0.0,
                        help="rollout only: zero this share of the lowest attention")
    parser.add_argument("--faithfulness", action="store_true",
                        help="also measure how far the map can be trusted: deletion and insertion curves against "
                             "random orders (about 2 x steps x (random orders + 1) forward passes)")
    parser.add_argument("--steps", type=int, default=STEPS, help=f"steps of each curve (default {STEPS})")
    parser.add_argument("--random-orders", type=int, default=RANDOM_ORDERS,
                        help=f"random orders to compare with (default {RANDOM_ORDERS})")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args) -> int:
    from voice_desk.audio.load import load_recording
    from voice_desk.commands._common import output_path
    from voice_desk.model.quiet import quiet_libraries
    from voice_desk.errors import VoiceDeskError
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine
    from voice_desk.model.json_io import dumps
    from voice_desk.model.faithfulness import RANDOM_ORDERS, STEPS, faithfulness_curves
    from voice_desk.model.relevance_methods import caption, target_index
    from voice_desk.model.source import resolve_source

    # Everything that can be checked quickly is checked before the slow model load.
    if not 0.0 <= args.discard_ratio < 1.0:
        raise VoiceDeskError(f"--discard-ratio {args.discard_ratio}: it must be at least 0 and below 1.",
                             hint="0 keeps every attention weight (the study's setting); 0.9 keeps the top 10 %.")
    if args.max_hz is not None:
        if args.axis != "linear":
            raise VoiceDeskError("--max-hz sets the top of the linear axis.",
                                 hint="Add --axis linear, or leave --max-hz out for the mel axis (to 8000 Hz).")
        if not 0.0 < args.max_hz <= 8000.0:
            raise VoiceDeskError(f"--max-hz {args.max_hz:g}: it must be above 0 and at most 8000.",
                                 hint="The model's mel filters stop at 8000 Hz; Praat's default is 5000.")
    if args.method != "rollout" and (args.head_fusion != "mean" or args.discard_ratio):
        raise VoiceDeskError("--head-fusion and --discard-ratio belong to the attention rollout.",
                             hint="Leave them out with --method gradient-rollout (it weighs the heads by their "
                                  "gradients).")
    if args.faithfulness and not (2 <= args.steps <= 200 and 1 <= args.random_orders <= 50):
        raise VoiceDeskError(f"--steps {args.steps} / --random-orders {args.random_orders}: use 2 to 200 steps and "
                             "1 to 50 random orders.", hint=f"The defaults are {STEPS} and {RANDOM_ORDERS}.")
    if args.method == "rollout" and args.target_class is not None and not args.faithfulness:
        raise VoiceDeskError("--target-class: the attention rollout's map is the same for every class.",
                             hint="Add --method gradient-rollout for a map of one class, or --faithfulness to follow "
                                  "that class's probability in the curves.")
    out = output_path(args.out, (".npz",), "--out", audio=args.audio)
    png = output_path(args.png, (".png", ".svg", ".pdf"), "--png", audio=args.audio) if args.png else None
    if png is not None and png.resolve() == out.resolve():
        raise VoiceDeskError("--out and --png name the same file.", hint="Give the picture its own name.")
    resolve_source(args.model)
    recording = load_recording(args.audio)
    quiet_libraries()
    engine = Engine(load_model(args.model, device=args.device))
    explanation = engine.explain(recording, head_fusion=args.head_fusion, discard_ratio=args.discard_ratio,
                                 method=args.method, target_class=args.target_class)
    curves = None
    if args.faithfulness:
        # a rollout map is for every class: its curves follow the class named, else the predicted one
        target = (target_index(engine.loaded.labels, args.target_class, 0)
                  if args.method == "rollout" and args.target_class is not None else None)
        curves = faithfulness_curves(engine, explanation, steps=args.steps, random_orders=args.random_orders,
                                     target=target, progress=_progress_line(sys.stderr))
        explanation.settings["faithfulness"] = curves.to_record()
    out = explanation.save_npz(out)
    if png is not None:
        from voice_desk.model.relevance_image import save_png

        save_png(explanation, png, rendering=args.rendering, axis=args.axis, max_hz=args.max_hz, scale=args.scale)
    if args.json:
        print(dumps(explanation.to_record(), indent=2))
    else:
        from voice_desk.commands.predict import describe

        print(describe(explanation.prediction))
        print(f"relevance map ({caption(explanation.settings['method'], explanation.settings.get('target_class'))}): "
              f"{explanation.patch_relevance.shape[0]} x {explanation.patch_relevance.shape[1]} patches "
              f"-> {out}" + (f", picture -> {png}" if png else ""))
        if curves is not None:
            print(curves.reading())
    return 0


def _progress_line(stream):
    """'faithfulness: 40 %' on a terminal, redrawn in place; nothing otherwise."""
    if not getattr(stream, "isatty", lambda: False)():
        return None

    def show(fraction: float) -> None:
        stream.write(f"\rfaithfulness: {100 * fraction:3.0f} %" + ("\n" if fraction >= 1 else ""))
        stream.flush()
    return show
