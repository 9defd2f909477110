"""`voice-desk study` against the per-file way, and a cached re-run, on the full-size AST.

Two models with the full architecture of MIT/ast-finetuned-audioset-10-10-0.4593 (the shipped config,
random weights, saved as bundles: an ast_freeze and an ast_finetuned card) and N generated 3 s clips
(a CSV manifest, a TextGrid beside each so no aligner runs on either side). Timed, one after another:

  study      `voice-desk study` on an empty cache: one process, each model loaded once, one forward pass
             per recording and model (verdict, relevance map and pooled representation), the analyses and
             the report
  rerun      the same command again: everything from the cache
  per-file   the obvious alternative: one `voice-desk explain` process per file and model, plus a separate
             pass for the embeddings (one process per model computing the pooled outputs of every clip,
             batches of 8, as training's embedding cache does)

Goals (issue 9): study >= 3x faster than per-file; rerun <= 5 % of the study's first run.

    python benchmarks/bench_study.py [--clips 20] [--baseline-clips N] [--threads N]

``--baseline-clips`` times the per-file way on fewer clips and scales it to ``--clips`` (per-file time is
the same for every clip); the table says when it did.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOICE_DESK = [sys.executable, "-m", "voice_desk"]
SECONDS = 3.0
RATE = 16_000

EMBED = r"""
import sys
import numpy as np
from voice_desk.model.bundle import load_model
from voice_desk.train.clip_inputs import input_values, load_samples
from voice_desk.train.embedding_cache import pooled_outputs
loaded = load_model(sys.argv[1])
clips = sys.argv[2:]
vectors = []
for i in range(0, len(clips), 8):
    values = input_values([load_samples(c) for c in clips[i:i + 8]], loaded.feature_extractor)
    vectors.append(pooled_outputs(loaded.model, values, loaded.device))
print(np.concatenate(vectors).shape)
"""


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def make_assets(folder: Path, clips: int) -> tuple[list[Path], Path, list[str]]:
    import soundfile as sf
    import torch
    from transformers import ASTFeatureExtractor

    sys.path.insert(0, str(ROOT / "tests"))
    from svd_tree import voice

    from voice_desk.align.reference import load_reference
    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.align.tiers import Alignment, Interval
    from voice_desk.model.bundle import build_model, save_bundle
    from voice_desk.model.card import ModelCard

    bundles = []
    for seed, configuration in enumerate(("ast_freeze", "ast_finetuned")):
        torch.manual_seed(seed)
        bundles.append(save_bundle(build_model(), folder / configuration, ModelCard(configuration=configuration),
                                   ASTFeatureExtractor()))
    ref = load_reference()
    k = SECONDS / ref.duration
    alignment = Alignment(words=[Interval(w.start * k, w.end * k, w.label) for w in ref.words],
                          phones=[Interval(p.start * k, p.end * k, p.label) for p in ref.phones], duration=SECONDS)
    rows, files = ["path,label,speaker,gender,group"], []
    for i in range(clips):
        gender = "female" if i % 2 else "male"
        label = "pathological" if (i // 2) % 2 else "healthy"
        sick = label == "pathological"
        samples = voice(SECONDS, 110.0 if gender == "male" else 220.0, jitter=0.02 if sick else 0.004,
                        shimmer=0.1 if sick else 0.03, breath=0.2 if sick else 0.05, seed=i, rate=RATE)
        path = folder / f"clip{i:02d}.wav"
        sf.write(path, samples, RATE)
        write_textgrid(alignment, path.with_suffix(".TextGrid"))
        files.append(str(path))
        rows.append(f"{path.name},{label},spk{i // 2},{gender},{'organic' if sick and i % 3 else ''}")
    manifest = folder / "list.csv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return bundles, manifest, files


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--baseline-clips", type=int, default=None,
                        help="time the per-file way on this many clips and scale it (default: all)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if args.threads:
        env.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    with tempfile.TemporaryDirectory(prefix="bench-study-") as tmp:
        folder = Path(tmp)
        env["VOICE_DESK_HOME"] = str(folder / "home")
        print(f"making 2 full-size bundles and {args.clips} clips of {SECONDS:.0f} s ...", flush=True)
        bundles, manifest, files = make_assets(folder, args.clips)
        study = VOICE_DESK + ["study", "--data", f"manifest:{manifest}", "--split", "all", "--cache",
                              str(folder / "cache"), "--out", str(folder / "out")]
        for bundle in bundles:
            study += ["--model", str(bundle)]
        loads = [f"start {load_average()}"]
        print("study (empty cache) ...", flush=True)
        first = timed(study, env)
        phases = json.loads((folder / "out" / "run.json").read_text())["counts"]["seconds"]
        loads.append(f"after study {load_average()}")
        print(f"  {first:.1f} s\nrerun (cached) ...", flush=True)
        rerun = timed(study, env)
        print(f"  {rerun:.2f} s", flush=True)
        n = min(args.baseline_clips or args.clips, args.clips)
        print(f"per-file: {n} clips x {len(bundles)} models explain processes + {len(bundles)} embedding passes ...",
              flush=True)
        explain_s = 0.0
        for bundle in bundles:
            for i, clip in enumerate(files[:n]):
                explain_s += timed(VOICE_DESK + ["explain", clip, "--model", str(bundle), "--out",
                                                 str(folder / f"per-file-{bundle.name}-{i}.npz")], env)
        embed_s = sum(timed([sys.executable, "-c", EMBED, str(bundle)] + files[:n], env) for bundle in bundles)
        loads.append(f"after per-file {load_average()}")
        scale = args.clips / n
        per_file = (explain_s + embed_s) * scale
    print()
    print("| way | time (s) | × study |")
    print("|---|---|---|")
    print(f"| per-file: {args.clips}×2 `voice-desk explain` + 2 embedding passes"
          + (f" (measured on {n} clips, × {scale:.2f})" if scale != 1 else "")
          + f" | {per_file:.1f} (explain {explain_s * scale:.1f}, embeddings {embed_s * scale:.1f}) "
            f"| {per_file / first:.2f} |")
    print(f"| **voice-desk study**, empty cache | {first:.1f} | 1.00 |")
    print(f"| voice-desk study again, cached | {rerun:.2f} | {rerun / first:.3f} ({100 * rerun / first:.1f} %) |")
    print()
    print(f"study speed-up over per-file: {per_file / first:.2f}x (goal >= 3x); cached rerun "
          f"{100 * rerun / first:.1f} % of the first run (goal <= 5 %)")
    print("study's phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items())
          + f"; the rest (start-up, imports, weights hashes, results, report) {first - sum(phases.values()):.1f}")
    print("load average (1, 5, 15 min): " + "; ".join(loads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
