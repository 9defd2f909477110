"""ast_freeze: cached embeddings vs running the frozen backbone every epoch (the study's way).

Full-size AST architecture (build_model() from the shipped base config, random weights,
max_length 1024), the same generated clips, the same head-training loop and recipe
(training/ast_freeze.toml: lr 1e-3, batch 8, accumulation 4, 10 epochs, warm-up 0.1), with
early stopping off so that all 10 epochs run (with a 2-clip dev part it would stop at epoch 6).

The study's way costs (train + dev clips) backbone passes per epoch; on a 2-core CPU ten of
them take long, so ``--measure-epochs N`` runs N full epochs that way, checks that the head
equals the cached way's N-epoch head exactly, and extrapolates the 10-epoch time from the
measured per-epoch time (stated in the output). ``--measure-epochs 10`` measures it all.

    .venv/bin/python benchmarks/bench_train.py --clips 16 --seconds 3 --measure-epochs 2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's (10)")
    parser.add_argument("--measure-epochs", type=int, default=None,
                        help="epochs actually run the study's way (default: all; fewer are extrapolated)")
    args = parser.parse_args()

    import copy

    import torch
    from transformers import ASTFeatureExtractor

    from svd_tree import clip_for
    from voice_desk.model.bundle import build_model
    from voice_desk.train.clip_inputs import input_values
    from voice_desk.train.embedding_cache import EmbeddingCache, pooled_outputs
    from voice_desk.train.head import HeadSettings, predict_probabilities, train_head
    from voice_desk.train.metrics import evaluate_scores
    from voice_desk.train.recipe import load_recipe

    recipe = load_recipe("ast_freeze", [f"num_train_epochs={args.epochs}"] if args.epochs else [])
    settings = HeadSettings.from_recipe(recipe)
    settings.patience = settings.epochs  # run the whole 10-epoch recipe
    measured = dataclasses.replace(settings, epochs=min(args.measure_epochs or settings.epochs, settings.epochs))
    torch.manual_seed(0)
    model = build_model().eval()
    extractor = ASTFeatureExtractor()
    labels = np.array([i % 2 for i in range(args.clips)])
    genders = ["male" if (i // 2) % 2 else "female" for i in range(args.clips)]
    clips = [clip_for("pathological" if y else "healthy", g, seed=i, seconds=args.seconds, rate=16_000)
             for i, (y, g) in enumerate(zip(labels, genders))]
    n_test = max(2, args.clips // 8)
    n_dev = n_test
    n_train = args.clips - n_dev - n_test
    values = input_values(clips, extractor)
    tr, dv, te = slice(0, n_train), slice(n_train, n_train + n_dev), slice(n_train + n_dev, None)
    batch = settings.eval_batch_size

    # Warm-up (one-time allocations and kernel choices), so neither way pays it in its timing.
    pooled_outputs(model, values[:batch])

    # 1. Cached embeddings: every clip through the backbone once, stored on disk, then the head.
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(model, extractor, "ast-base-random", root=tmp)
        for i in range(0, args.clips, batch):
            for j, vec in enumerate(pooled_outputs(model, values[i:i + batch])):
                cache.put(f"clip{i + j}", vec)
        vectors = torch.from_numpy(np.stack([cache.get(f"clip{i}") for i in range(args.clips)]))
    t_embed = time.perf_counter() - t0
    head_a = copy.deepcopy(model.classifier)
    t1 = time.perf_counter()
    res_a = train_head(head_a, vectors[tr], labels[tr], vectors[dv], labels[dv], settings)
    probs_a = predict_probabilities(head_a, vectors[te])
    t_cached = time.perf_counter() - t0
    t_head = time.perf_counter() - t1

    # 2. The study's way: the frozen backbone runs on every batch of every epoch (and on dev each epoch).
    backbone = model.audio_spectrogram_transformer

    def encode(x):
        with torch.no_grad():
            return backbone(x).pooler_output

    x = torch.from_numpy(values)
    head_b = copy.deepcopy(model.classifier)
    t0 = time.perf_counter()
    res_b = train_head(head_b, x[tr], labels[tr], x[dv], labels[dv], measured, encode=encode)
    t_study_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    probs_b = predict_probabilities(head_b, x[te], batch, encode=encode)
    t_study_test = time.perf_counter() - t0
    per_epoch = t_study_train / measured.epochs
    t_study = per_epoch * settings.epochs + t_study_test

    # The cached way trained for the same number of epochs, to compare heads exactly.
    head_c = copy.deepcopy(model.classifier)
    res_c = train_head(head_c, vectors[tr], labels[tr], vectors[dv], labels[dv], measured)
    probs_c = predict_probabilities(head_c, vectors[te])
    max_diff = max(float((a - b).abs().max()) for a, b in zip(head_c.state_dict().values(),
                                                             head_b.state_dict().values()))
    m_a = evaluate_scores(labels[te], probs_a)
    m_b = evaluate_scores(labels[te], probs_b)
    m_c = evaluate_scores(labels[te], probs_c)
    out = {"clips": args.clips, "seconds": args.seconds, "train/dev/test": [n_train, n_dev, n_test],
           "recipe_epochs": settings.epochs, "study_epochs_measured": measured.epochs,
           "threads": torch.get_num_threads(),
           "backbone_s_per_clip": round(t_embed / args.clips, 2),
           "cached_total_s": round(t_cached, 1), "cached_embed_s": round(t_embed, 1),
           "cached_head_10_epochs_s": round(t_head, 3),
           "study_s_per_epoch": round(per_epoch, 1),
           "study_total_s": round(t_study, 1) if measured.epochs == settings.epochs else None,
           "study_total_s_extrapolated": None if measured.epochs == settings.epochs else round(t_study, 1),
           "speedup": round(t_study / t_cached, 2),
           "compare_epochs": measured.epochs, "head_max_abs_diff": max_diff,
           "prob_max_abs_diff": float(np.max(np.abs(probs_c - probs_b))),
           "dev_uar_history_equal": [h["dev_uar"] for h in res_c.history] == [h["dev_uar"] for h in res_b.history],
           "test_metrics_cached_vs_study": [{"uar": m_c["uar"], "auc": m_c["auc"]},
                                            {"uar": m_b["uar"], "auc": m_b["auc"]}],
           "test_metrics_cached_10_epochs": {"uar": m_a["uar"], "auc": m_a["auc"]},
           "cached_epochs_run": len(res_a.history)}
    print(json.dumps(out, indent=1))
    ok = out["dev_uar_history_equal"] and max_diff < 1e-4 and m_c["uar"] == m_b["uar"] and m_c["auc"] == m_b["auc"]
    print("identical results" if ok else "RESULTS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
