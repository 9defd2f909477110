"""`voice-desk assess`: what the window does with one recording, on the command line.

Open it (tiers from --textgrid, the TextGrid beside it or the built-in aligner, in the window's
words), run the models (the same function the window's model process runs), and report each
verdict, the study's agreement case when the true label is known, and optionally the results
as JSON + CSV (the window's File → Export results).
"""

from __future__ import annotations

HELP = "assess one recording with one or more models: tiers, verdicts, agreement case, results file"
DESCRIPTION = (HELP + ". Tiers come from --textgrid (it must fit the recording), else a TextGrid next to the audio "
               "with the same name (set aside with a warning if it does not fit), else the built-in aligner. "
               "For research use; not a diagnosis.")


def add_arguments(parser) -> None:
    parser.add_argument("audio", help="WAV, FLAC, OGG or NSP file")
    parser.add_argument("--model", "-m", action="append", dest="models", required=True, metavar="FOLDER",
                        help="a model folder; repeat for several (an ast_freeze and an ast_finetuned give the "
                             "study's agreement case)")
    parser.add_argument("--textgrid", "-t", default=None, help="TextGrid with words and phones tiers for this recording")
    parser.add_argument("--backend", choices=("builtin", "mfa"), default="builtin",
                        help="aligner to use when there is no TextGrid")
    parser.add_argument("--true-label", choices=("healthy", "pathological"), default=None,
                        help="the clinical label, when the file's tags or its SVD session do not give it")
    parser.add_argument("--out", "-o", default=None, metavar="RESULTS.json",
                        help="write the results as JSON, and as CSV beside it")


def run(args) -> int:
    from voice_desk.commands._common import output_path
    from voice_desk.commands.predict import describe
    from voice_desk.model.catalog import describe_model_folder
    from voice_desk.model.model_jobs import explain
    from voice_desk.session.assessment import Assessment, model_order
    from voice_desk.session.export import export_results
    from voice_desk.session.opening import open_recording
    from voice_desk.tasks.child import error_from_child
    from voice_desk.tasks.state import TaskState

    out = output_path(args.out, (".json",), "--out", audio=args.audio) if args.out else None
    entries = {e.path: e for e in model_order(describe_model_folder(m) for m in args.models)}
    opened = open_recording(args.audio, args.textgrid, backend=args.backend)
    assessment = Assessment(entries, true_label=args.true_label or opened.true_label)

    def take(part) -> None:
        kind, path, value = part
        if kind == "result":
            assessment.explanations[path] = value
        else:
            assessment.failures[path] = error_from_child(*value).problem

    ran = explain(opened.recording, list(entries), state=TaskState(partial=take))
    print(opened.tiers.summary())
    for warning in opened.warnings():
        print(f"warning: {warning}")
    for entry, prediction in assessment.results():
        print(describe(prediction, who=entry.name))
    for entry, why in assessment.failed():
        print(f"{entry.name}: could not run: {why}")
    case = assessment.agreement_case()
    if case:
        from voice_desk.analysis.agreement import describe_case

        print(describe_case(case) + f" (true label {assessment.true_label}"
              + (", from the file's metadata)" if not args.true_label and opened.true_label else ")"))
    elif assessment.case_note():
        print(assessment.case_note())
    if out is not None:
        json_path, csv_path = export_results(opened.recording, opened.tiers.alignment, assessment, out)
        print(f"results -> {json_path} and {csv_path.name}")
    return 0 if ran == len(entries) else 1
