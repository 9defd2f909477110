"""The GPU paths, checked in one call (issue 17): the CUDA tests, predict / explain / embedding
speed on the full-size AST, gradient-weighted rollout and a 20-step faithfulness curve (issue 15),
ast_finetuned's time at SVD's size, and `voice-desk train` under torchrun. Writes gpu_check.json
and gpu_check.md into --out after every part (a run cut short keeps what it measured) and stops
within --timeout seconds (default 480): a part that would not fit in the time left is skipped
with a note. Expected on one H200: about 4 minutes (an estimate:
no GPU has been lent to this task yet).

On this workplace's lent GPU machine (nvidia-h200: no network; its python3 already holds CUDA
torch 2.11, transformers 5.17, accelerate, numpy, scipy, scikit-learn and pytest), from the
repository root, with the folder .whl carried: the four wheels that image lacks (soundfile, soxr,
cffi, pycparser; 1.8 MB), made once here, where PyPI is reachable, with
`.venv/bin/python benchmarks/gpu_check.py --wheels .whl`. The one command (device tool:
carry [".whl"], timeout_s 570; the install takes about a second, nothing is downloaded or built):

    python3 -m pip install -q --no-index --no-deps --no-build-isolation .whl/*.whl -e . && python3 benchmarks/gpu_check.py --out $OUT

On another Linux x86_64 GPU machine that reaches PyPI, PyPI's default `torch` wheel is the CUDA
build (do not pin the +cpu one as scripts/setup-env does here): about 3 GB of nvidia-* wheels,
minutes to install:

    python3 -m venv .venv && .venv/bin/pip install -q -e .[test] && .venv/bin/python benchmarks/gpu_check.py --out results

Without a GPU, `--dry-run` runs every part on the CPU with a tiny model in well under a minute
(tests/test_gpu_check.py does, so the script cannot rot); only the CUDA-only calls (device
properties, memory statistics, synchronisation) are guarded. Figures: BENCHMARKS.md, "GPU check".
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # svd_tree: the generated SVD-like voices
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the lent machine has no network: never wait on the hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

#: What the lent machine's image lacks of what the check imports (soundfile needs cffi, cffi pycparser).
WHEELS = ("soundfile", "soxr", "cffi", "pycparser")
#: SVD's size: ~2,000 phrase recordings, an 80/10/10 speaker-disjoint split.
SVD_CLIPS, SVD_TRAIN, SVD_DEV = 2000, 1600, 200
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
        "max_length": 256}


@dataclass
class Plan:
    config: dict | None      # None: the full-size base config shipped in resources/
    seconds: float           # clip length (SVD sentences: 2-3 s)
    repeats: int             # timed repetitions (median reported)
    clips: int               # distinct generated clips (50 kHz WAV files, like SVD's NSP)
    loop_steps: int          # optimizer steps timed in the bare training loop
    trainer_train: int       # training clips in the one-epoch Trainer run
    trainer_dev: int
    torchrun_clips: int      # manifest for `voice-desk train` under torchrun


FULL = Plan(None, 3.0, 5, 64, 6, 160, 16, 40)
DRY = Plan(TINY, 1.0, 2, 16, 2, 64, 8, 40)


class Check:
    """Runs parts in order against one deadline and writes the results after each."""

    def __init__(self, out: Path, dry: bool, timeout: float):
        import torch

        self.out, self.dry, self.plan = out, dry, DRY if dry else FULL
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        self.cuda = torch.cuda.is_available() and not dry
        self.device = "cuda" if self.cuda else "cpu"
        self.tmp = Path(tempfile.mkdtemp(prefix="gpu-check-"))
        os.environ["VOICE_DESK_HOME"] = str(self.tmp / "home")
        if dry:  # the child processes (pytest, torchrun) stay off any GPU too
            os.environ["CUDA_VISIBLE_DEVICES"] = ""
        self.result = {"check": "benchmarks/gpu_check.py", "dry_run": dry, "device": self.device,
                       "timeout_s": timeout, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "parts": {}}
        self.rows: list[tuple[str, str, str]] = []

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def run(self, name: str, fn, need: float) -> None:
        need = need / 10 if self.dry else need
        part = {"status": "ok"}
        if self.left() < need:
            part = {"status": "skipped", "note": f"not enough time left: needs ~{need:.0f} s, {self.left():.0f} s left"}
        else:
            print(f"[{time.monotonic() - self.start:6.1f} s] {name} ...", flush=True)
            self.reset_peak()
            t0 = time.monotonic()
            try:
                figures, rows = fn(self)
                part["figures"] = figures
                self.rows += [(name, m, v) for m, v in rows]
            except Exception as exc:  # noqa: BLE001 - one broken part must not hide the others' results
                part = {"status": "failed", "note": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc()[-4000:]}
                print(part["traceback"], file=sys.stderr, flush=True)
            part["seconds"] = round(time.monotonic() - t0, 1)
            if self.cuda:
                import torch

                part["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
                if part["status"] == "ok":
                    self.rows.append((name, "peak GPU memory (allocated by this process)", f"{part['peak_gpu_mb']} MB"))
        self.result["parts"][name] = part
        print(f"           {name}: {part['status']} {part.get('note', '')}", flush=True)
        self.write()

    def reset_peak(self) -> None:
        if self.cuda:
            import torch

            gc.collect()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()

    def sync(self) -> None:
        if self.cuda:
            import torch

            torch.cuda.synchronize()

    def timed(self, fn, repeats: int | None = None) -> float:
        """Median seconds of ``fn()`` after one warm-up call (fewer repeats when time runs short)."""
        fn()
        times = []
        for _ in range(repeats or self.plan.repeats):
            self.sync()
            t0 = time.perf_counter()
            fn()
            self.sync()
            times.append(time.perf_counter() - t0)
            if self.left() < 60 and not self.dry:
                break
        return statistics.median(times)

    def write(self) -> None:
        self.result["seconds"] = round(time.monotonic() - self.start, 1)
        peaks = [p["peak_gpu_mb"] for p in self.result["parts"].values() if "peak_gpu_mb" in p]
        self.result["peak_gpu_mb"] = max(peaks) if peaks else None
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "gpu_check.json").write_text(json.dumps(self.result, indent=1) + "\n", encoding="utf-8")
        (self.out / "gpu_check.md").write_text(markdown(self.result, self.rows), encoding="utf-8")


def markdown(result: dict, rows) -> str:
    env = result["parts"].get("environment", {}).get("figures", {})
    lines = [f"# GPU check ({'dry run, CPU, tiny model' if result['dry_run'] else 'full-size AST, random weights'})",
             "", f"{result['started']} · {env.get('gpu_name', result['device'])} · torch {env.get('torch', '?')} "
             f"(CUDA {env.get('torch_cuda')}) · transformers {env.get('transformers', '?')} · "
             f"{result['seconds']} s of {result['timeout_s']:.0f} s · peak GPU memory "
             f"{result['peak_gpu_mb'] or 'n/a'} MB", "", "| part | measure | value |", "|---|---|---|"]
    last = None
    for part, measure, value in rows:
        lines.append(f"| {part if part != last else ''} | {measure} | {value.replace('|', '/')} |")
        last = part
    notes = [f"- **{name}**: {p['status']}: {p.get('note', '')}" for name, p in result["parts"].items()
             if p["status"] != "ok"]
    return "\n".join(lines + ([""] + notes if notes else []) + [""])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --------------------------------------------------------------------------------------- parts


def environment(c: Check):
    import accelerate
    import torch
    import transformers

    from voice_desk.model.device import pick_device
    from voice_desk.train.finetune import precision_flags

    f = {"python": platform.python_version(), "torch": torch.__version__, "torch_cuda": torch.version.cuda,
         "transformers": transformers.__version__, "accelerate": accelerate.__version__,
         "cpu_count": os.cpu_count(), "device": c.device, "pick_device": pick_device(),
         "gpus": torch.cuda.device_count() if c.cuda else 0,
         "training_precision": precision_flags("auto", c.device)}
    if c.cuda:
        props = torch.cuda.get_device_properties(0)
        f.update(gpu_name=props.name, gpu_memory_gb=round(props.total_memory / 2**30, 1),
                 capability=f"{props.major}.{props.minor}", bf16=torch.cuda.is_bf16_supported(),
                 tf32_matmul=torch.backends.cuda.matmul.allow_tf32, tf32_cudnn=torch.backends.cudnn.allow_tf32)
    precision = "bf16" if f["training_precision"]["bf16"] else "fp16" if f["training_precision"]["fp16"] else "fp32"
    gpu = f"{f['gpus']} × {f['gpu_name']} ({f['gpu_memory_gb']} GB), " if c.cuda else ""
    return f, [("device", f"{gpu}{f['cpu_count']} CPU cores"),
               ("versions", f"Python {f['python']}, torch {f['torch']}, transformers {f['transformers']}"),
               ("pick_device() / fine-tuning precision", f"{f['pick_device']} / {precision}")]


def cuda_tests(c: Check):
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_*.py")
                   if "mark.cuda" in p.read_text(encoding="utf-8"))
    cmd = [sys.executable, "-m", "pytest", "-m", "cuda", "-q", "-p", "no:cacheprovider", *files]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=max(30, min(240, c.left() - 60)))
    summary = (proc.stdout.strip().splitlines() or [""])[-1].strip("= ")
    counts = {word: int(n) for n, word in (part.split()[:2] for part in summary.split(" in ")[0].split(", ")
                                           if part.split()[0].isdigit())}
    f = {"command": " ".join(cmd[1:]), "returncode": proc.returncode, "summary": summary, "counts": counts,
         "seconds": round(time.monotonic() - t0, 1)}
    if proc.returncode != 0:
        f["output_tail"] = (proc.stdout + proc.stderr)[-6000:]
        raise AssertionError(f"the cuda tests failed: {summary}\n{f['output_tail']}")
    expected = "skipped" if c.dry else "passed"
    if counts.get(expected, 0) == 0 or (c.dry and counts.get("passed")):
        raise AssertionError(f"expected the cuda tests to be {expected} here: {summary}")
    return f, [("`pytest -m cuda` " + " ".join(files), summary)]


def make_data(c: Check):
    """The full-size (or, dry, tiny) model saved as a bundle and loaded like a user's, plus clips."""
    import soundfile as sf
    import torch
    from transformers import ASTFeatureExtractor

    from svd_tree import clip_for
    from voice_desk.audio.load import load_recording
    from voice_desk.model.bundle import build_model, load_model, save_bundle
    from voice_desk.model.card import ModelCard

    torch.manual_seed(0)
    model = build_model(c.plan.config)
    c.bundle = c.tmp / "ast-random"
    save_bundle(model, c.bundle, ModelCard(configuration="ast_finetuned", notes="random weights: gpu_check"),
                ASTFeatureExtractor(max_length=model.config.max_length))
    params = sum(p.numel() for p in model.parameters())
    del model
    t0 = time.perf_counter()
    c.loaded = load_model(c.bundle, device=c.device)
    t_load = time.perf_counter() - t0
    c.wavs, c.labels = [], []
    for i in range(c.plan.clips):
        label = "pathological" if i % 2 else "healthy"
        path = c.tmp / "clips" / f"c{i:03d}.wav"
        path.parent.mkdir(exist_ok=True)
        sf.write(path, clip_for(label, "male" if (i // 2) % 2 else "female", seed=i, seconds=c.plan.seconds,
                                rate=50_000), 50_000)
        c.wavs.append(path)
        c.labels.append(label)
    c.recordings = [load_recording(p) for p in c.wavs[:8]]
    f = {"parameters_m": round(params / 1e6, 2), "max_length": c.loaded.max_length, "load_s": round(t_load, 2),
         "clips": len(c.wavs), "clip_seconds": c.plan.seconds}
    return f, [("model", f"{f['parameters_m']} M parameters, max_length {f['max_length']}, loaded to "
                         f"{c.device} in {t_load:.2f} s"),
               ("clips", f"{len(c.wavs)} generated {c.plan.seconds:g} s voices, 50 kHz WAV (as SVD's NSP)")]


def _inputs(c: Check, n: int):
    import numpy as np
    import torch

    from voice_desk.model.features import model_inputs

    values = np.stack([i.values for i in model_inputs(c.recordings[:n], c.loaded.feature_extractor)])
    return torch.from_numpy(values).to(c.device)


def predict(c: Check):
    import torch

    from voice_desk.model.engine import Engine
    from voice_desk.model.features import model_inputs

    engine, model, recs = Engine(c.loaded), c.loaded.model, c.recordings[:8]
    x8 = _inputs(c, 8)

    def forward(x):
        with torch.inference_mode(), c.loaded.attention("sdpa"):
            return torch.softmax(model(input_values=x).logits.float(), -1).cpu()

    f = {"predict_b1_s": c.timed(lambda: engine.predict(recs[:1], batch_size=1)),
         "predict_b8_s_per_clip": c.timed(lambda: engine.predict(recs, batch_size=8)) / 8,
         "features_s_per_clip": c.timed(lambda: model_inputs(recs, c.loaded.feature_extractor)) / 8,
         "forward_b1_s": c.timed(lambda: forward(x8[:1])),
         "forward_b8_s_per_clip": c.timed(lambda: forward(x8)) / 8}
    p32 = forward(x8)
    rows = [("predict, batch 1 (Engine.predict: features + sdpa forward, fp32)", ms(f["predict_b1_s"]) + " per clip"),
            ("predict, batch 8", ms(f["predict_b8_s_per_clip"]) + " per clip"),
            ("of which features (CPU, numpy fbank)", ms(f["features_s_per_clip"]) + " per clip"),
            ("forward only, batch 1 / batch 8", f"{ms(f['forward_b1_s'])} / {ms(f['forward_b8_s_per_clip'])} per clip")]
    for name, dtype in (("bf16", torch.bfloat16), ("fp16", torch.float16)):
        def mixed(x, dtype=dtype):
            with torch.autocast(c.device, dtype=dtype):
                return forward(x)

        f[f"forward_b8_{name}_s_per_clip"] = c.timed(lambda: mixed(x8)) / 8
        f[f"{name}_max_prob_diff"] = float((mixed(x8) - p32).abs().max())
        rows.append((f"forward batch 8 under {name} autocast", f"{ms(f[f'forward_b8_{name}_s_per_clip'])} per clip, "
                     f"max abs difference in p from fp32 {f[f'{name}_max_prob_diff']:.1e}"))
    return f, rows


def explain(c: Check):
    import torch

    from voice_desk.model.engine import Engine
    from voice_desk.model.rollout import RolloutRecorder, naive_rollout, register_rollout_attention

    engine, model, x8 = Engine(c.loaded), c.loaded.model, _inputs(c, 8)

    def rollout(x):
        with torch.inference_mode(), c.loaded.attention(register_rollout_attention()), RolloutRecorder(model) as rec:
            model(input_values=x)
            return rec.relevance().cpu()

    f = {"explain_b1_s": c.timed(lambda: engine.explain(c.recordings[0])),
         "rollout_b1_s": c.timed(lambda: rollout(x8[:1])),
         "rollout_b8_s_per_clip": c.timed(lambda: rollout(x8)) / 8}
    streamed = rollout(x8[:2])
    with torch.inference_mode(), c.loaded.attention("eager"):
        attentions = model(input_values=x8[:2], output_attentions=True).attentions
        reference = naive_rollout(attentions).cpu()
    del attentions
    f["max_diff_vs_naive"] = float((streamed - reference).abs().max())
    if f["max_diff_vs_naive"] > 1e-5:
        raise AssertionError(f"the streamed rollout differs from the naive reference by {f['max_diff_vs_naive']:.2e}")
    return f, [("explain, batch 1 (Engine.explain: features, forward, streamed rollout, frame map)",
                ms(f["explain_b1_s"]) + " per clip"),
               ("forward + rollout only, batch 1 / batch 8 (RolloutRecorder on a batch)",
                f"{ms(f['rollout_b1_s'])} / {ms(f['rollout_b8_s_per_clip'])} per clip"),
               ("streamed rollout vs naive reference (2 clips, on the device)", f"max abs difference {f['max_diff_vs_naive']:.1e}")]


def trust(c: Check):
    """Issue 15 on the device: gradient-weighted rollout (sdpa forward, backward, A recomputed per head)
    against the eager reference, and a 20-step deletion curve batched 16 to a pass against one by one."""
    import torch

    from voice_desk.model.engine import Engine
    from voice_desk.model.faithfulness import _counts, masked_inputs, padding_value, patch_cells
    from voice_desk.model.gradient_rollout import naive_gradient_rollout

    engine, model = Engine(c.loaded), c.loaded.model
    recording = c.recordings[0]
    f = {"gradient_b1_s": c.timed(lambda: engine.explain(recording, method="gradient-rollout"))}
    explanation = engine.explain(recording, method="gradient-rollout")
    index = explanation.settings["target_index"]
    with c.loaded.attention("eager"):
        x = torch.from_numpy(explanation.log_mel[None]).to(c.loaded.device).requires_grad_(True)
        out = model(input_values=x, output_attentions=True)
        for a in out.attentions:
            a.retain_grad()
        out.logits[0, index].backward()
        reference = naive_gradient_rollout([a.detach() for a in out.attentions], [a.grad for a in out.attentions])
    del out
    f["gradient_max_diff_vs_naive"] = float((reference[0].cpu().reshape(engine.grid.shape)
                                             - torch.from_numpy(explanation.patch_relevance)).abs().max())
    if f["gradient_max_diff_vs_naive"] > 1e-5:
        raise AssertionError(f"gradient rollout differs from the eager reference by {f['gradient_max_diff_vs_naive']:.2e}")
    cells = patch_cells(engine.grid, explanation.n_frames)
    valid = [i for i, (t0, t1, _, _) in enumerate(cells) if t1 > t0]
    inputs = masked_inputs(explanation.log_mel, cells, valid, _counts(len(valid), 20)[1:],
                           padding_value(c.loaded.feature_extractor), insertion=False)
    f["curve20_b16_s"] = c.timed(lambda: engine.probabilities(inputs, batch_size=16), repeats=1)
    f["curve20_b1_s"] = c.timed(lambda: engine.probabilities(inputs, batch_size=1), repeats=1)
    return f, [("gradient-weighted rollout, batch 1 (Engine.explain, method gradient-rollout)",
                ms(f["gradient_b1_s"]) + " per clip"),
               ("gradient rollout vs eager reference (on the device)",
                f"max abs difference {f['gradient_max_diff_vs_naive']:.1e}"),
               ("20-step deletion curve: 16 per batch / one at a time",
                f"{ms(f['curve20_b16_s'])} / {ms(f['curve20_b1_s'])}")]


def embedding(c: Check):
    from voice_desk.data.corpus import Clip
    from voice_desk.train.embedding_cache import embed_clips, pooled_outputs

    clips = [Clip(str(p), label, f"s{i}") for i, (p, label) in enumerate(zip(c.wavs, c.labels))]
    model, extractor = c.loaded.model, c.loaded.feature_extractor
    embed_clips(clips[:8], model, extractor, None, 8, c.device)  # warm-up
    t0 = time.perf_counter()
    embedded = embed_clips(clips, model, extractor, None, 8, c.device)
    t_all = time.perf_counter() - t0
    values = _inputs(c, 8).cpu().numpy()
    t_gpu = c.timed(lambda: pooled_outputs(model, values, c.device)) / 8
    f = {"clips": embedded.computed, "end_to_end_clips_per_s": embedded.computed / t_all,
         "backbone_only_clips_per_s": 1 / t_gpu, "svd_embedding_s": SVD_CLIPS * t_all / embedded.computed}
    return f, [("ast_freeze embedding (embed_clips from 50 kHz files, batch 8)",
                f"{f['end_to_end_clips_per_s']:.3g} clips/s end to end; backbone alone "
                f"{f['backbone_only_clips_per_s']:.3g} clips/s"),
               (f"embedding all of SVD (~{SVD_CLIPS} clips) once", f"{f['svd_embedding_s']:.0f} s")]


def finetune_loop(c: Check):
    """The recipe's arithmetic without HF Trainer: how fast the GPU itself trains."""
    import contextlib

    import torch

    from voice_desk.train.base_model import load_base
    from voice_desk.train.finetune import precision_flags
    from voice_desk.train.recipe import load_recipe

    r = load_recipe("ast_finetuned")
    batch, accum = int(r["per_device_train_batch_size"]), int(r["gradient_accumulation_steps"])
    model, _, _ = load_base(str(c.bundle))
    model.to(c.device).train()
    assert model.config._attn_implementation == "sdpa"
    flags = precision_flags(str(r["mixed_precision"]), c.device)
    dtype = torch.bfloat16 if flags["bf16"] else torch.float16 if flags["fp16"] else None
    scaler = torch.amp.GradScaler(c.device, enabled=bool(flags["fp16"]))
    opt = torch.optim.AdamW(model.parameters(), lr=float(r["learning_rate"]), fused=c.cuda)
    x = _inputs(c, 8)[:batch]
    y = torch.tensor([i % 2 for i in range(len(x))], device=c.device)

    def step():
        for _ in range(accum):
            with torch.autocast(c.device, dtype=dtype) if dtype else contextlib.nullcontext():
                loss = model(input_values=x, labels=y).loss / accum
            scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), float(r["max_grad_norm"]))
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)

    t_step = c.timed(step, c.plan.loop_steps)
    del model, opt
    steps = math.ceil(SVD_TRAIN / (batch * accum))
    precision = "bf16" if flags["bf16"] else "fp16" if flags["fp16"] else "fp32"
    f = {"precision": precision, "step_s": t_step, "steps_per_s": 1 / t_step, "clips_per_s": batch * accum / t_step,
         "svd_epoch_train_s": steps * t_step}
    return f, [(f"optimizer step, bare loop (batch {batch} × accumulation {accum}, {precision}, sdpa, fused AdamW)",
                f"{t_step:.3g} s = {f['steps_per_s']:.3g} steps/s ({f['clips_per_s']:.3g} clips/s)"),
               (f"SVD epoch's {steps} steps if the GPU were never kept waiting", f"{f['svd_epoch_train_s']:.1f} s")]


def _finetune_trainer(c: Check, workers: int | None):
    """One epoch of Voice Desk's finetune() (HF Trainer, the ast_finetuned recipe) on clips read from files."""
    from voice_desk.data.corpus import Clip
    from voice_desk.train.base_model import load_base
    from voice_desk.train.finetune import ClipDataset, finetune
    from voice_desk.train.recipe import load_recipe

    overrides = ["num_train_epochs=1", "logging_steps=1"]
    if workers is not None:
        overrides.append(f"dataloader_num_workers={workers}")
    r = load_recipe("ast_finetuned", overrides)
    batch, accum = int(r["per_device_train_batch_size"]), int(r["gradient_accumulation_steps"])
    clips = [Clip(str(p), label, f"s{i}") for i, (p, label) in enumerate(zip(c.wavs, c.labels))]
    train = [clips[i % len(clips)] for i in range(c.plan.trainer_train)]
    dev = clips[: c.plan.trainer_dev]
    model, extractor, _ = load_base(str(c.bundle))
    dataset = ClipDataset(train[:batch], extractor)
    t0 = time.perf_counter()
    for i in range(batch):
        dataset[i]
    t_batch_data = time.perf_counter() - t0
    events = []
    work = Path(tempfile.mkdtemp(dir=c.tmp, prefix="finetune-"))
    t0 = time.perf_counter()
    result = finetune(model, extractor, train, dev, r, work, c.device, lambda e: events.append((time.perf_counter(), e)))
    t_end = time.perf_counter()
    del model
    steps = [t for t, e in events if e["event"] == "progress"]
    t_eval = next(t for t, e in events if e["event"] == "eval")
    intervals = [b - a for a, b in zip(steps, steps[1:])]
    step_s = statistics.median(intervals) if intervals else steps[0] - t0
    eval_per_clip = (t_eval - steps[-1]) / len(dev)
    save_s = t_end - t_eval  # checkpoint, then the best one loaded back
    svd_steps = math.ceil(SVD_TRAIN / (batch * accum))
    epoch_s = svd_steps * step_s + SVD_DEV * eval_per_clip + save_s
    f = {"workers": int(r["dataloader_num_workers"]), "train_clips": len(train), "dev_clips": len(dev),
         "optimizer_steps": len(steps), "step_s": step_s, "steps_per_s": 1 / step_s,
         "first_step_s": steps[0] - t0, "eval_s_per_clip": eval_per_clip, "checkpoint_and_best_s": save_s,
         "data_s_per_micro_batch": t_batch_data, "history": result.history,
         "svd_epoch_s": epoch_s, "svd_40_epochs_h": 40 * epoch_s / 3600, "total_s": t_end - t0}
    return f, [(f"optimizer step through HF Trainer, {f['workers']} data-loader workers",
                f"{step_s:.3g} s = {f['steps_per_s']:.3g} steps/s (median of {len(intervals)} intervals)"),
               ("loading + feature extraction of one micro-batch of 8 clips (CPU)", f"{t_batch_data:.3f} s"),
               ("dev evaluation / checkpoint + best-model reload", f"{ms(eval_per_clip)} per clip / {save_s:.1f} s"),
               (f"SVD epoch ({svd_steps} steps, {SVD_DEV} dev clips, 1 checkpoint)", f"{epoch_s:.0f} s"),
               ("40-epoch recipe at SVD's size (no early stop)", f"{f['svd_40_epochs_h']:.2f} h")]


def finetune_trainer(c: Check):
    return _finetune_trainer(c, None)


def finetune_trainer_workers(c: Check):
    return _finetune_trainer(c, max(1, min(8, (os.cpu_count() or 2) - 1)))


def torchrun(c: Check):
    """`voice-desk train` as training/README.md gives it, under torchrun with one process per GPU."""
    import torch

    from voice_desk.model.card import ModelCard

    data = c.tmp / "manifest"
    data.mkdir()
    rows = ["path,label,speaker,gender"]
    for i in range(c.plan.torchrun_clips):
        wav = c.wavs[i % len(c.wavs)]
        (data / f"{i:03d}.wav").symlink_to(wav)
        rows.append(f"{i:03d}.wav,{c.labels[i % len(c.wavs)]},p{i},{'male' if (i // 2) % 2 else 'female'}")
    (data / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    n = torch.cuda.device_count() if c.cuda else 2  # dry: two CPU processes (gloo) exercise the multi-process path
    out = c.tmp / "torchrun-model"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}",
           "-m", "voice_desk", "train", "--recipe", "ast_finetuned", "--data", f"manifest:{data / 'list.csv'}",
           "--out", str(out), "--set", f"base_model={c.bundle}", "--set", "num_train_epochs=1",
           "--set", "gradient_accumulation_steps=1", "--set", "logging_steps=1", "--progress-json"]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=max(30, min(300, c.left() - 30)))
    seconds = time.monotonic() - t0
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    shown = " ".join(["torchrun", *cmd[3:]]).replace(str(c.tmp), "$TMP")
    if proc.returncode != 0 or not (out / "voice_desk.json").is_file():
        raise AssertionError(f"`{shown}` failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-6000:]}")
    card = ModelCard.load(out)
    history = json.loads((out / "history.json").read_text(encoding="utf-8"))
    steps = max((e["done"] for e in events if e["event"] == "progress"), default=0)
    f = {"command": shown, "processes": n, "seconds": round(seconds, 1), "optimizer_steps": steps,
         "card_device": card.extra.get("device"), "history": history, "test_metrics": card.metrics.get("test")}
    if not history or card.extra.get("device") != c.device or steps < 1:
        raise AssertionError(f"the torchrun run ended without training on {c.device}: {f}")
    return f, [(f"`torchrun --nproc_per_node={n} -m voice_desk train --recipe ast_finetuned …`",
                f"exit 0 in {seconds:.0f} s: {steps} optimizer steps on {n} × {card.extra.get('device')}, "
                f"dev UAR {history[-1]['dev_uar']:.2f}, bundle written by rank 0")]


PARTS = (  # name, function, seconds it needs on the GPU machine (a tenth in the dry run)
    ("environment", environment, 5),
    ("cuda_tests", cuda_tests, 60),
    ("model", make_data, 30),
    ("predict", predict, 30),
    ("explain", explain, 30),
    ("trust", trust, 30),
    ("embedding", embedding, 20),
    ("finetune_loop", finetune_loop, 30),
    ("finetune_trainer", finetune_trainer, 60),
    ("torchrun", torchrun, 90),
    ("finetune_trainer_workers", finetune_trainer_workers, 45),
)


def fetch_wheels(folder: str) -> int:
    """Download the wheels the lent machine lacks (its Python is 3.12), at the versions installed here."""
    from importlib.metadata import version

    platforms = [a for p in ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
                 for a in ("--platform", p)]
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version",
           "3.12", "--implementation", "cp", *platforms, "-d", folder, *(f"{n}=={version(n)}" for n in WHEELS)]
    print(" ".join(cmd[1:]))
    return subprocess.call(cmd)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="folder for gpu_check.json and gpu_check.md")
    parser.add_argument("--dry-run", action="store_true", help="every part on the CPU with a tiny model")
    parser.add_argument("--timeout", type=float, default=480.0, help="seconds for the whole check (default 480)")
    parser.add_argument("--wheels", metavar="DIR", help="only download the wheels the lent GPU machine lacks into DIR")
    args = parser.parse_args(argv)
    if args.wheels:
        return fetch_wheels(args.wheels)
    if not args.out:
        parser.error("--out is required")
    import faulthandler

    import torch

    faulthandler.dump_traceback_later(args.timeout + 60, exit=True)  # a hang shows where, and ends
    if not args.dry_run and not torch.cuda.is_available():
        print("No CUDA GPU here: run with --dry-run to check the script on the CPU.", file=sys.stderr)
        return 2
    check = Check(Path(args.out), args.dry_run, args.timeout)
    try:
        for name, fn, need in PARTS:
            check.run(name, fn, need)
    finally:
        faulthandler.cancel_dump_traceback_later()
        shutil.rmtree(check.tmp, ignore_errors=True)
    failed = [n for n, p in check.result["parts"].items() if p["status"] == "failed"]
    print(f"done in {check.result['seconds']} s; {args.out}/gpu_check.md" + (f"; FAILED: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
