"""`voice-desk study`: the study's four findings over a data set, as numbers with confidence intervals."""

from __future__ import annotations

import sys
import time

HELP = "the study's findings over a data set: cases, representations, relevance vs energy, phones, spread"
DESCRIPTION = (
    HELP + ". Each model runs once per recording (one forward pass gives the verdict, the relevance map and the "
    "pooled representation); results are cached, so a re-run, a second report or an added model reuses what was "
    "computed, and an interrupted run resumes. Writes results.json, CSV tables, the per-recording explanations "
    "and report.html into --out. For research use; not a diagnosis.")


def add_arguments(parser) -> None:
    parser.add_argument("--model", "-m", action="append", dest="models", required=True, metavar="FOLDER",
                        help="a model folder (or a name in the models folder, or a hub id); repeat (an ast_freeze "
                             "and an ast_finetuned model give the study's agreement cases; a model without verdicts "
                             "takes part in the relevance analyses)")
    parser.add_argument("--data", "-d", required=True, help="svd:FOLDER or manifest:FILE.csv")
    parser.add_argument("--split", default=None, metavar="test|dev|all|FILE",
                        help="which recordings: the test (default) or dev part of the split saved with the models, "
                             "all recordings of --data, or the test part of a split.csv")
    parser.add_argument("--textgrids", default=None, metavar="DIR",
                        help="folder of TextGrids named like the recordings (else a TextGrid beside each recording, "
                             "else the built-in aligner)")
    parser.add_argument("--out", "-o", default="voice-desk-study", metavar="DIR",
                        help="output folder (default ./voice-desk-study)")
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="where computed results are kept (default: Voice Desk's cache folder)")
    parser.add_argument("--min-align-confidence", type=float, default=None, metavar="C",
                        help="leave recordings whose aligner confidence is below C (0..1) out of the per-phone "
                             "analyses (doubtful ones, below 0.5, are always counted)")
    parser.add_argument("--method", choices=("rollout", "gradient-rollout"), default="rollout",
                        help="the relevance maps the findings use: the study's attention rollout (default) or the "
                             "class-specific gradient-weighted rollout")
    parser.add_argument("--target-class", default=None, metavar="CLASS",
                        help="with --method gradient-rollout: the class every map is for (default: each recording's "
                             "predicted class)")
    parser.add_argument("--head-fusion", choices=("mean", "max", "min"), default="mean")
    parser.add_argument("--discard-ratio", type=float, default=0.0)
    parser.add_argument("--faithfulness", default="0", metavar="N|all",
                        help="measure deletion and insertion curves of both methods' maps, for every model, on N of "
                             "the recordings (drawn with --seed) or all; about 150 forward passes per map (default 0)")
    parser.add_argument("--sanity", default="0", metavar="N|all",
                        help="the model-randomisation check of both methods on N recordings (default 0)")
    parser.add_argument("--steps", type=int, default=20, help="steps of each faithfulness curve (default 20)")
    parser.add_argument("--random-orders", type=int, default=3, help="random orders per recording (default 3)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap and the probe's folds")
    parser.add_argument("--examples", type=int, default=2, metavar="N",
                        help="example recordings drawn in the report for each case (default 2)")
    parser.add_argument("--device", default=None, help="auto (default), cpu, cuda or mps")


class ProgressBar:
    """Count, bar and time left on stderr: redrawn in place on a terminal, a line every 10 % otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = None
        self.last_tenth = -1
        self.done = self.total = 0

    def __call__(self, part) -> None:
        if not isinstance(part, dict) or part.get("stage") != "run" or not part.get("total"):
            return
        done, total = int(part["done"]), int(part["total"])
        self.done, self.total = done, total
        now = time.monotonic()
        if self.started is None or done == 0:
            self.started = now
            left = "estimating the time left"
        else:
            seconds = (now - self.started) / done * (total - done)
            left = f"{_duration(seconds)} left" if done < total else f"done in {_duration(now - self.started)}"
        width = 28
        filled = int(width * done / total)
        line = f"model runs [{'#' * filled}{'.' * (width - filled)}] {done}/{total}, {left}"
        if self.tty:
            self.stream.write("\r" + line[:110].ljust(110))
            if done == total:
                self.stream.write("\n")
        elif done * 10 // total > self.last_tenth or done == total:
            self.last_tenth = done * 10 // total
            self.stream.write(line + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def command_line(args) -> str:
    """The command as it was given (options in a fixed order, defaults left out)."""
    import shlex

    words = ["voice-desk", "study"]
    for model in args.models:
        words += ["--model", model]
    words += ["--data", args.data]
    for option, value, default in (("--split", args.split, None), ("--textgrids", args.textgrids, None),
                                   ("--out", args.out, "voice-desk-study"), ("--cache", args.cache, None),
                                   ("--min-align-confidence", args.min_align_confidence, None),
                                   ("--method", args.method, "rollout"), ("--target-class", args.target_class, None),
                                   ("--faithfulness", args.faithfulness, "0"), ("--sanity", args.sanity, "0"),
                                   ("--steps", args.steps, 20), ("--random-orders", args.random_orders, 3),
                                   ("--head-fusion", args.head_fusion, "mean"),
                                   ("--discard-ratio", args.discard_ratio, 0.0), ("--bootstrap", args.bootstrap, 1000),
                                   ("--seed", args.seed, 0), ("--examples", args.examples, 2),
                                   ("--device", args.device, None)):
        if value != default:
            words += [option, str(value)]
    return shlex.join(words)


def run(args) -> int:
    from datetime import datetime, timezone

    from voice_desk.study.cache import StudyCache
    from voice_desk.study.plan import plan_study
    from voice_desk.study.report import write_report
    from voice_desk.study.results import write_results, write_run_log
    from voice_desk.study.runner import run_study
    from voice_desk.tasks.state import TaskCancelled, TaskState

    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    clock = time.perf_counter()
    cache = StudyCache(args.cache)
    plan = plan_study(args.models, args.data, args.split, args.textgrids, cache, args.head_fusion, args.discard_ratio,
                      args.min_align_confidence, args.bootstrap, args.seed, args.examples, command=command_line(args),
                      method=args.method, target_class=args.target_class, faithfulness=args.faithfulness,
                      sanity=args.sanity, steps=args.steps, random_orders=args.random_orders)
    print(f"{len(plan.clips)} recordings ({plan.part}) × {len(plan.models)} models: "
          + ", ".join(m.name for m in plan.models), file=sys.stderr)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    bar = ProgressBar()
    try:
        result = run_study(plan, cache, TaskState(partial=bar), device=args.device)
    except (KeyboardInterrupt, TaskCancelled):
        if bar.tty:
            print(file=sys.stderr)
        print(f"voice-desk: interrupted after {bar.done} of {bar.total} model runs. Everything computed is kept in "
              f"the cache ({cache.root}): run the same command again to continue from there.", file=sys.stderr)
        return 130
    record = write_results(args.out, result)
    report, figures = write_report(args.out, result, record)
    seconds = time.perf_counter() - clock
    write_run_log(args.out, result, started, seconds)
    counts = result.counts
    findings = record["findings"]
    print(f"{len(result.data.recordings)} recordings studied ({len(result.excluded)} left out, "
          f"{len(result.failures)} failed runs); model runs: {counts.runs_computed} computed, {counts.runs_reused} "
          f"from the cache; alignments: {counts.alignments_computed} computed, {counts.alignments_reused} cached.")
    if findings["cases"]["summary"]:
        print(findings["cases"]["summary"])
    for key in ("representations", "energy", "phones", "spread"):
        print(findings[key]["claim"]["sentence"])
    print(f"results -> {args.out}/results.json, report -> {report} ({seconds:.1f} s)")
    return 0
