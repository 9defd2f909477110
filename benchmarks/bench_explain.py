"""Explain vs prediction-only: time and peak memory on the full-size AST, interleaved pair by pair.

Builds the architecture of MIT/ast-finetuned-audioset-10-10-0.4593 from the shipped config
(random weights; the real weights cannot be downloaded here), saves it with save_pretrained,
and times the modes on the same 3 s clip, each run in a fresh process (load, one warm-up,
``--repeats`` timed calls, their median):

  pipeline  HF pipeline("audio-classification"), prediction only (the obvious alternative)
  predict   Voice Desk's Engine.predict (sdpa)
  explain   Voice Desk's Engine.explain (head-fused 'voice_desk_rollout' attention, rollout
            pulled back through the stored head-fused matrices)
  naive     prediction with output_attentions=True, then rollout over all collected layers
  gradient  Engine.explain(method="gradient-rollout") (eager attention, forward + backward)
  curve20   a 20-step deletion curve: 20 masked inputs through Engine.probabilities, one at a time
            (one timed call per process; the map and the warm-up come first, untimed)

The modes run interleaved, pair by pair: pair i runs pipeline, explain, predict (reversed in
every other pair, so neither side always goes first), and naive, gradient and curve20 in the
first --naive-pairs pairs only. Machine noise thus hits both sides of a pair alike; the ratio explain/pipeline is
taken within each pair and reported as the median with its min-max spread over the pairs.

Goals (issue 16): explain <= 1.10 x the pipeline's prediction-only time, <= +350 MB peak over
predict. Besides the min-max over the pairs, the run prints a distribution-free 95 % interval for
the median ratio (order statistics), which narrows as pairs are added. Issue 15: gradient <= 3 x predict and <= +1.5 GB; curve20 <= 8 x predict. The verdict says "met" only when the whole spread is within the goal, "straddles"
when the spread crosses it, "not met" otherwise.

    python benchmarks/bench_explain.py [--pairs 7] [--repeats 3] [--naive-pairs 3] [--threads N]
                                       [--modes pipeline explain predict naive]

A mode is an entry of MODES: a name, a builder that takes the Context (model folder, clip,
loaded recording) and returns the step to time, and whether it runs in every pair.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

GOAL_RATIO = 1.10
GOAL_MEMORY_MB = 350.0
#: Issue 15: gradient-weighted rollout <= 3 x predict and <= +1.5 GB; a 20-step deletion curve <= 8 x predict.
GOAL_GRADIENT, GOAL_GRADIENT_MB, GOAL_CURVE = 3.0, 1536.0, 8.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_assets(folder: Path) -> tuple[Path, Path]:
    import soundfile as sf
    import torch
    from transformers import ASTFeatureExtractor

    from voice_desk.model.bundle import build_model

    torch.manual_seed(0)
    model_dir = folder / "ast-full"
    model = build_model(labels=("healthy", "pathological"))
    model.save_pretrained(model_dir)
    ASTFeatureExtractor().save_pretrained(model_dir)
    rate = 16_000
    t = np.arange(3 * rate) / rate
    rng = np.random.default_rng(0)
    phase = 2 * np.pi * np.cumsum(120 * (1 + 0.1 * np.sin(2 * np.pi * 0.7 * t))) / rate
    clip = sum(np.sin(k * phase) / k for k in range(1, 30)) * np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None)
    clip = 0.3 * clip / np.max(np.abs(clip)) + 0.005 * rng.standard_normal(t.size)
    wav = folder / "clip.wav"
    sf.write(wav, clip.astype(np.float32), rate)
    return model_dir, wav


@dataclass
class Context:
    """What a mode's builder gets, in the child process."""

    model_dir: str
    wav: str
    recording: object  # voice_desk.audio.recording.Recording

    def engine(self):
        from voice_desk.model.bundle import load_model
        from voice_desk.model.engine import Engine

        return Engine(load_model(self.model_dir, device="cpu"))


@dataclass(frozen=True)
class Mode:
    build: Callable[[Context], Callable[[], object]]
    label: str
    every_pair: bool = True
    repeats: int | None = None       # timed calls per process, when not --repeats (a long step: 1)


def _pipeline(ctx: Context):
    from transformers import pipeline

    clf = pipeline("audio-classification", model=ctx.model_dir, device="cpu")
    return lambda: clf(ctx.recording.samples.copy())


def _predict(ctx: Context):
    engine = ctx.engine()
    return lambda: engine.predict([ctx.recording])


def _explain(ctx: Context):
    engine = ctx.engine()
    return lambda: engine.explain(ctx.recording)


def _naive(ctx: Context):
    import torch

    from voice_desk.model.features import model_inputs
    from voice_desk.model.rollout import naive_rollout

    loaded = ctx.engine().loaded

    def step():
        (inp,) = model_inputs([ctx.recording], loaded.feature_extractor)
        with torch.inference_mode(), loaded.attention("eager"):
            out = loaded.model(input_values=torch.from_numpy(inp.values[None]), output_attentions=True)
            return naive_rollout(out.attentions)
    return step


def _gradient(ctx: Context):
    engine = ctx.engine()
    return lambda: engine.explain(ctx.recording, method="gradient-rollout")


def _curve20(ctx: Context):
    """A 20-step deletion curve of the rollout map: the 20 masked inputs built and run the way
    :func:`voice_desk.model.faithfulness.faithfulness_curves` runs every curve's inputs (one at a
    time on a CPU; VOICE_DESK_BENCH_BATCH=8 to time batches)."""
    batch = int(os.environ.get("VOICE_DESK_BENCH_BATCH", "1"))
    from voice_desk.model.faithfulness import _counts, masked_inputs, padding_value, patch_cells

    engine = ctx.engine()
    explanation = engine.explain(ctx.recording)          # the map (not timed) and the warm-up
    cells = patch_cells(engine.grid, explanation.n_frames)
    valid = np.array([i for i, (t0, t1, _, _) in enumerate(cells) if t1 > t0])
    order = valid[np.argsort(-explanation.patch_relevance.reshape(-1)[valid], kind="stable")]
    pad = padding_value(engine.loaded.feature_extractor)

    def step():
        inputs = masked_inputs(explanation.log_mel, cells, order, _counts(valid.size, 20)[1:], pad, insertion=False)
        return engine.probabilities(inputs, batch_size=batch)
    return step


#: name -> Mode. The reference of the ratios is "pipeline"; "predict" is the memory reference.
MODES: dict[str, Mode] = {
    "pipeline": Mode(_pipeline, 'HF `pipeline("audio-classification")`, prediction only'),
    "explain": Mode(_explain, "**Voice Desk explain** (prediction + rollout)"),
    "predict": Mode(_predict, "Voice Desk predict (sdpa)"),
    "naive": Mode(_naive, "naive: `output_attentions=True`, then rollout", every_pair=False),
    "gradient": Mode(_gradient, "gradient-weighted rollout (issue 15: sdpa forward + backward, A recomputed per head)",
                     every_pair=False),
    "curve20": Mode(_curve20, "20-step deletion curve (issue 15: 20 masked inputs, one at a time on the CPU)", every_pair=False,
                    repeats=1),
}


def run_mode(mode: str, model_dir: str, wav: str, repeats: int) -> dict:
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    from voice_desk.audio.load import load_recording

    step = MODES[mode].build(Context(model_dir, wav, load_recording(wav)))
    baseline = peak_rss_mb()
    repeats = MODES[mode].repeats or repeats
    if MODES[mode].repeats is None:
        step()  # warm-up (a mode with its own repeats warms up in its builder)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"mode": mode, "times_s": times, "median_s": float(np.median(times)), "peak_rss_mb": peak_rss_mb(),
            "rss_after_load_mb": baseline, "threads": torch.get_num_threads()}


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def pair_order(modes: list[str], pair: int, naive_pairs: int) -> list[str]:
    chosen = [m for m in modes if MODES[m].every_pair or pair < naive_pairs]
    return chosen if pair % 2 == 0 else chosen[::-1]


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})" if values else "-"


def median_interval(values: list[float], level: float = 0.95) -> tuple[float, float] | None:
    """Distribution-free interval for the median (order statistics, binomial): the narrowest
    [x(k), x(n+1-k)] that covers the median with at least ``level`` probability. With 7 pairs that is
    the min-max (98 %); with 15, [x(4), x(12)] (96 %). None when the pairs are too few."""
    from math import comb

    xs, n = sorted(values), len(values)
    best = None
    for k in range(1, n // 2 + 1):
        coverage = 1 - 2 * sum(comb(n, i) for i in range(k)) / 2 ** n
        if coverage >= level:
            best = (xs[k - 1], xs[n - k])
    return best


def verdict(ratios: list[float], goal: float) -> str:
    if not ratios:
        return "not measured"
    if max(ratios) <= goal:
        return "met"
    if min(ratios) <= goal:
        return "straddles"
    return "not met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per process (their median counts)")
    parser.add_argument("--naive-pairs", type=int, default=3, help="pairs that also run the modes not in every pair")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--threads", type=int, default=None, help="torch threads in the children (default: torch's)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "MODEL", "WAV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_mode(*args.child, repeats=args.repeats)))
        return
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if args.threads:
        env.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    runs: dict[str, list[dict]] = {m: [] for m in args.modes}
    pairs: list[dict[str, dict]] = []
    load_before = load_average()
    print(f"load average (1/5/15 min) before: {load_before}; {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir, wav = make_assets(Path(tmp))
        for pair in range(args.pairs):
            results = {}
            for mode in pair_order(args.modes, pair, args.naive_pairs):
                out = subprocess.run([sys.executable, __file__, "--repeats", str(args.repeats), "--child", mode,
                                      str(model_dir), str(wav)], capture_output=True, text=True, check=True, env=env)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                results[mode] = r
                runs[mode].append(r)
                print(f"pair {pair + 1} {mode:9s} median {r['median_s']:.3f} s  ("
                      + " ".join(f"{t:.3f}" for t in r["times_s"])
                      + f")  peak RSS {r['peak_rss_mb']:.0f} MB  load {os.getloadavg()[0]:.2f}", flush=True)
            pairs.append(results)
    load_after = load_average()

    def ratios(mode: str, reference: str) -> list[float]:
        return [p[mode]["median_s"] / p[reference]["median_s"] for p in pairs if mode in p and reference in p]

    def memory(mode: str) -> list[float]:
        return [p[mode]["peak_rss_mb"] - p["predict"]["peak_rss_mb"] for p in pairs if mode in p and "predict" in p]

    threads = next(iter(runs.values()))[0]["threads"] if runs else None
    print()
    print("| mode | median time (s), min–max | × pipeline, median (min–max) over pairs | × predict | "
          "peak RSS (MB) | Δ peak vs predict (MB) |")
    print("|---|---|---|---|---|---|")
    for mode in args.modes:
        times = [r["median_s"] for r in runs[mode]]
        mem = memory(mode)
        print(f"| {MODES[mode].label} | {statistics.median(times):.3f} ({min(times):.3f}–{max(times):.3f}), "
              f"{len(times)} runs | {spread(ratios(mode, 'pipeline'))} | {spread(ratios(mode, 'predict'))} | "
              f"{statistics.median(r['peak_rss_mb'] for r in runs[mode]):.0f} | "
              f"{f'{statistics.median(mem):+.0f}' if mem else '-'} |")
    print()
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}; {args.pairs} pairs, {args.repeats} timed "
          f"calls per process, torch threads {threads}, {os.cpu_count()} CPUs")
    print(f"load average (1/5/15 min): before {load_before}, after {load_after}")
    explain_vs_pipeline = ratios("explain", "pipeline")
    mem = memory("explain")
    time_verdict = verdict(explain_vs_pipeline, GOAL_RATIO)
    interval = median_interval(explain_vs_pipeline)
    if interval:
        print(f"95 % interval of the median explain/pipeline ratio (order statistics over {len(explain_vs_pipeline)} "
              f"pairs): {interval[0]:.2f}–{interval[1]:.2f}: "
              f"{verdict(list(interval), GOAL_RATIO)} against <= {GOAL_RATIO:.2f}")
    mem_verdict = ("met" if mem and max(mem) <= GOAL_MEMORY_MB else "not met") if mem else "not measured"
    print(f"verdict: explain/pipeline {spread(explain_vs_pipeline)} against <= {GOAL_RATIO:.2f}: {time_verdict}; "
          f"memory {f'{statistics.median(mem):+.0f} MB (max {max(mem):+.0f})' if mem else '-'} against "
          f"<= +{GOAL_MEMORY_MB:.0f} MB: {mem_verdict}")
    for mode, goal, goal_mb in (("gradient", GOAL_GRADIENT, GOAL_GRADIENT_MB), ("curve20", GOAL_CURVE, None)):
        if mode in args.modes and "predict" in args.modes:
            r, m = ratios(mode, "predict"), memory(mode)
            line = f"verdict: {mode}/predict {spread(r)} against <= {goal:.1f}: {verdict(r, goal)}"
            if goal_mb is not None and m:
                line += (f"; memory {statistics.median(m):+.0f} MB (max {max(m):+.0f}) against <= +{goal_mb:.0f} MB: "
                         f"{'met' if max(m) <= goal_mb else 'not met'}")
            print(line)


if __name__ == "__main__":
    main()
