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
