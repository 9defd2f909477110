"""Recipes carry the study's hyperparameters; metrics are right on known cases."""

from __future__ import annotations

import math

import pytest

from voice_desk.train.metrics import evaluate_scores, roc_auc, uar
from voice_desk.train.recipe import RecipeError, load_recipe


def test_recipes_carry_the_study_table():
    freeze = load_recipe("training/ast_freeze.toml")
    fine = load_recipe("ast_finetuned")  # built in, through voice_desk.recipes
    expected = {"learning_rate": (1e-3, 2.5e-4), "per_device_train_batch_size": (8, 8),
                "per_device_eval_batch_size": (8, 8), "gradient_accumulation_steps": (4, 4),
                "num_train_epochs": (10, 40), "warmup_ratio": (0.1, 0.1), "logging_steps": (50, 50),
                "eval_steps": (50, 50), "early_stopping_patience": (5, 8), "early_stopping_threshold": (0.0, 0.0),
                "push_to_hub": (False, False), "remove_unused_columns": (False, False),
                "eval_strategy": ("epoch", "epoch"), "save_strategy": ("epoch", "epoch")}
    for key, (a, b) in expected.items():
        assert freeze[key] == a and fine[key] == b, key
    assert freeze.configuration == "ast_freeze" and fine.configuration == "ast_finetuned"
    assert freeze["split_fractions"] == [0.8, 0.1, 0.1]


def test_overrides():
    r = load_recipe("ast_freeze", ["learning_rate=5e-4", "num_train_epochs=3", "exclude_singers=false",
                                   "base_model=/models/x", "split_fractions=[0.7,0.15,0.15]"])
    assert r["learning_rate"] == 5e-4 and r["num_train_epochs"] == 3 and r["exclude_singers"] is False
    assert r["base_model"] == "/models/x" and r["split_fractions"] == [0.7, 0.15, 0.15]
    assert r.overrides["learning_rate"] == 5e-4
    with pytest.raises(RecipeError, match="no setting 'learnin_rate'"):
        load_recipe("ast_freeze", ["learnin_rate=1"])
    with pytest.raises(RecipeError, match="must be a number"):
        load_recipe("ast_freeze", ["num_train_epochs=many"])


def test_metrics():
    assert uar([0, 0, 1, 1], [0, 1, 1, 1]) == pytest.approx(0.75)
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    m = evaluate_scores([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.1], ["male", "male", "female", "female"])
    assert m["confusion_matrix"] == [[2, 0], [1, 1]]
    assert m["uar"] == pytest.approx(0.75) and m["auc"] == 1.0
    assert m["per_gender"]["male"]["uar"] == 1.0 and m["per_gender"]["female"]["uar"] == 0.5
    assert m["roc"]["fpr"][0] == 0 and m["roc"]["tpr"][-1] == 1
    assert math.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_values_training_cannot_run_with_are_refused():
    cases = {"warmup_ratio=1.5": "warmup_ratio", "eval_strategy=steps": "save_strategy",
             "metric_for_best_model=loss": "metric_for_best_model", "per_device_train_batch_size=0": "1 or more",
             "push_to_hub=true": "never uploads", "mixed_precision=fp8": "mixed_precision"}
    for override, message in cases.items():
        with pytest.raises(RecipeError, match=message):
            load_recipe("ast_finetuned", [override])
    with pytest.raises(RecipeError, match="'epoch' for ast_freeze"):
        load_recipe("ast_freeze", ["eval_strategy=steps", "save_strategy=steps"])
    steps = load_recipe("ast_finetuned", ["eval_strategy=steps", "save_strategy=steps"])
    assert steps["eval_steps"] == 50


def test_per_gender_metrics_carry_their_roc():
    m = evaluate_scores([0, 1, 1, 0, 1, 0], [0.2, 0.9, 0.4, 0.1, 0.7, 0.95], ["m", "m", "f", "f", "f", "m"])
    for gender in ("m", "f"):
        per = m["per_gender"][gender]
        assert per["n"] == 3 and sum(map(sum, per["confusion_matrix"])) == 3
        assert per["roc"]["fpr"][0] == 0 and per["roc"]["tpr"][-1] == 1
    assert m["per_gender"]["f"]["auc"] == 1.0 and m["per_gender"]["m"]["auc"] == 0.5


def test_mixed_precision_on_cuda_and_sdpa_for_training(monkeypatch):
    import torch

    from svd_tree import shared_tiny_base
    from voice_desk.train.base_model import load_base
    from voice_desk.train.finetune import precision_flags

    assert precision_flags("auto", "cpu") == {"bf16": False, "fp16": False}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert precision_flags("auto", "cuda") == {"bf16": True, "fp16": False}
    assert precision_flags("fp16", "cuda") == {"bf16": False, "fp16": True}
    assert precision_flags("none", "cuda") == {"bf16": False, "fp16": False}
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)  # e.g. a T4 or V100
    assert precision_flags("auto", "cuda") == {"bf16": False, "fp16": True}
    model, _, _ = load_base(str(shared_tiny_base()))
    assert model.config._attn_implementation == "sdpa" and model.config.num_labels == 2
