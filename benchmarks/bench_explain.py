"""Explain vs prediction-only: time and peak memory on the full-size AST.

Builds the architecture of MIT/ast-finetuned-audioset-10-10-0.4593 from the shipped config
(random weights; the real weights cannot be downloaded here), saves it with save_pretrained,
and times, each in a fresh process on the same 3 s clip:

  pipeline  HF pipeline("audio-classification"), prediction only (the obvious alternative)
  predict   Voice Desk's Engine.predict (sdpa)
  explain   Voice Desk's Engine.explain (head-fused 'voice_desk_rollout' attention, rollout
            streamed through forward hooks)
  naive     prediction with output_attentions=True, then rollout over all collected layers

Goals (issue 2): explain <= 1.25 x pipeline time and <= 350 MB above prediction-only peak.

    python benchmarks/bench_explain.py [--repeats 5] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MODES = ("pipeline", "predict", "explain", "naive")


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


def run_mode(mode: str, model_dir: str, wav: str, repeats: int) -> dict:
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    from voice_desk.audio.load import load_recording

    recording = load_recording(wav)
    if mode == "pipeline":
        from transformers import pipeline

        clf = pipeline("audio-classification", model=model_dir, device="cpu")
        step = lambda: clf(recording.samples.copy())  # noqa: E731
    else:
        from voice_desk.model.bundle import load_model
        from voice_desk.model.engine import Engine

        engine = Engine(load_model(model_dir, device="cpu"))
        if mode == "predict":
            step = lambda: engine.predict([recording])  # noqa: E731
        elif mode == "explain":
            step = lambda: engine.explain(recording)  # noqa: E731
        else:
            from voice_desk.model.features import model_inputs
            from voice_desk.model.rollout import naive_rollout

            loaded = engine.loaded

            def step():
                (inp,) = model_inputs([recording], loaded.feature_extractor)
                with torch.inference_mode(), loaded.attention("eager"):
                    out = loaded.model(input_values=torch.from_numpy(inp.values[None]), output_attentions=True)
                    return naive_rollout(out.attentions)
    baseline = peak_rss_mb()
    step()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"mode": mode, "median_s": float(np.median(times)), "min_s": float(np.min(times)),
            "peak_rss_mb": peak_rss_mb(), "rss_after_load_mb": baseline, "threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--modes", nargs="+", default=list(MODES))
    parser.add_argument("--child", nargs=3, metavar=("MODE", "MODEL", "WAV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_mode(*args.child, repeats=args.repeats)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        model_dir, wav = make_assets(Path(tmp))
        results = {}
        # Interleave the modes over two rounds so machine noise hits them alike.
        for round_ in range(2):
            for mode in args.modes:
                out = subprocess.run([sys.executable, __file__, "--repeats", str(args.repeats), "--child", mode,
                                      str(model_dir), str(wav)], capture_output=True, text=True, check=True,
                                     env={**os.environ, "HF_HUB_OFFLINE": "1"})
                r = json.loads(out.stdout.strip().splitlines()[-1])
                best = results.get(mode)
                if best is None or r["median_s"] < best["median_s"]:
                    results[mode] = r
                print(f"round {round_ + 1} {mode:9s} median {r['median_s']:.3f} s  peak RSS {r['peak_rss_mb']:.0f} MB",
                      flush=True)
    print()
    print("| mode | median time (s) | × pipeline | peak RSS (MB) | Δ peak vs predict (MB) |")
    print("|---|---|---|---|---|")
    base_t = results.get("pipeline", {}).get("median_s")
    base_m = results.get("predict", {}).get("peak_rss_mb")
    for mode in args.modes:
        r = results[mode]
        ratio = f"{r['median_s'] / base_t:.2f}" if base_t else "-"
        dm = f"{r['peak_rss_mb'] - base_m:+.0f}" if base_m else "-"
        print(f"| {mode} | {r['median_s']:.3f} | {ratio} | {r['peak_rss_mb']:.0f} | {dm} |")
    print(f"\ntorch threads: {results[args.modes[0]]['threads']}")


if __name__ == "__main__":
    main()
