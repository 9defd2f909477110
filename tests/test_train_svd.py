"""A tiny AST learns healthy vs pathological on a generated SVD tree, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from svd_tree import TINY_FREEZE, shared_svd_tree, shared_tiny_base
from voice_desk.cli import main
from voice_desk.model.bundle import load_model
from voice_desk.model.card import ModelCard


def _sets(values):
    out = []
    for v in values:
        out += ["--set", v]
    return out


@pytest.fixture(scope="module")
def freeze_bundle(tmp_path_factory):
    tree, base = shared_svd_tree(), shared_tiny_base()
    out = tmp_path_factory.mktemp("models") / "freeze"
    code = main(["train", "--recipe", "training/ast_freeze.toml", "--data", f"svd:{tree['root']}", "--out", str(out),
                 "--set", f"base_model={base}", *_sets(TINY_FREEZE)])
    assert code == 0
    return out


def test_ast_freeze_learns_and_writes_a_usable_bundle(freeze_bundle):
    card = ModelCard.load(freeze_bundle)
    test = card.metrics["test"]
    assert test["uar"] >= 0.9
    assert test["auc"] >= 0.9
    assert set(test["per_gender"]) == {"male", "female"}
    assert sum(map(sum, test["confusion_matrix"])) == test["n"] > 0
    assert card.configuration == "ast_freeze" and card.head_trained
    assert card.training_data["diagnosis_map"] == "USVAC_2025"
    assert card.training_data["counts"]["excluded"]
    assert card.extra["recipe"]["values"]["learning_rate"] == 0.05
    loaded = load_model(freeze_bundle)
    assert loaded.gives_verdict  # the window can use it at once
    # Split saved next to the model, speaker-disjoint.
    rows = (freeze_bundle / "split.csv").read_text().splitlines()[1:]
    parts = {}
    for row in rows:
        part, _, speaker = row.split(",")[:3]
        parts.setdefault(speaker, set()).add(part)
    assert all(len(p) == 1 for p in parts.values())
    info = json.loads((freeze_bundle / "split.json").read_text())
    assert info["counts"]["test"]["clips"] == test["n"]


def test_second_run_reuses_cached_embeddings(freeze_bundle, tmp_path):
    tree, base = shared_svd_tree(), shared_tiny_base()
    out = tmp_path / "again"
    assert main(["train", "--data", f"svd:{tree['root']}", "--out", str(out), "--set", f"base_model={base}",
                 "--split", str(freeze_bundle / "split.csv"), *_sets(TINY_FREEZE)]) == 0
    training = ModelCard.load(out).extra["training"]
    assert training["embeddings_computed"] == 0 and training["embeddings_reused"] > 0
    first = ModelCard.load(freeze_bundle).metrics["test"]
    assert ModelCard.load(out).metrics["test"]["uar"] == first["uar"]  # same split, same seed, same model
    assert main(["train", "--data", f"svd:{tree['root']}", "--out", str(out), "--set", f"base_model={base}"]) == 2


def test_evaluate_command(freeze_bundle, capsys):
    tree = shared_svd_tree()
    assert main(["evaluate", "--model", str(freeze_bundle), "--data", f"svd:{tree['root']}", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["uar"] == ModelCard.load(freeze_bundle).metrics["test"]["uar"]


def test_progress_json_in_a_subprocess(freeze_bundle, tmp_path):
    tree, base = shared_svd_tree(), shared_tiny_base()
    proc = subprocess.run([sys.executable, "-m", "voice_desk", "train", "--data", f"svd:{tree['root']}",
                           "--out", str(tmp_path / "m"), "--progress-json", "--set", f"base_model={base}",
                           "--set", "num_train_epochs=2"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    events = [json.loads(line) for line in proc.stdout.splitlines()]  # stdout is JSON lines only
    kinds = {e["event"] for e in events}
    assert {"stage", "progress", "log", "eval", "done"} <= kinds
    assert events[-1]["bundle"] == str(tmp_path / "m")
    # Another process, same clips and base: every embedding comes from the on-disk cache.
    training = [e for e in events if e["event"] == "stage" and e["stage"] == "training"]
    assert training and "0 new" in training[0]["message"]


def test_bad_data_gives_a_clear_error(tmp_path, capsys):
    assert main(["train", "--data", f"svd:{tmp_path}", "--out", str(tmp_path / "m")]) == 2
    assert "no Saarbruecken Voice Database sessions" in capsys.readouterr().err


def test_ast_finetuned_learns_and_resumes_after_an_interruption(tmp_path):
    tree, base = shared_svd_tree(), shared_tiny_base()
    out = tmp_path / "fine"
    common = ["train", "--recipe", "training/ast_finetuned.toml", "--data", f"svd:{tree['root']}", "--out", str(out),
              "--set", f"base_model={base}", "--set", "learning_rate=3e-4", "--set", "gradient_accumulation_steps=1",
              "--set", "early_stopping_patience=12", "--set", "keep_checkpoints=true"]
    assert main(common + ["--set", "num_train_epochs=2"]) == 0
    card = ModelCard.load(out)
    assert card.configuration == "ast_finetuned" and card.metrics["test"]["n"] > 0
    assert len(json.loads((out / "history.json").read_text())) == 2
    assert list((out / "checkpoints").glob("checkpoint-*"))
    # As if a longer run had been interrupted after epoch 2: the same command picks up from there.
    (out / "voice_desk.json").unlink()
    assert main(common + ["--set", "num_train_epochs=12"]) == 0
    card = ModelCard.load(out)
    assert "checkpoint-" in card.extra["training"]["resumed_from"]
    history = json.loads((out / "history.json").read_text())
    assert [h["epoch"] for h in history] == list(range(3, 13))  # epochs 1-2 were not redone
    assert card.metrics["test"]["uar"] >= 0.9
    assert load_model(out).gives_verdict


def test_missing_hub_base_model_says_how_to_get_it(tmp_path, capsys):
    tree = shared_svd_tree()
    code = main(["train", "--data", f"svd:{tree['root']}", "--out", str(tmp_path / "m"),
                 "--set", "base_model=nobody/no-such-ast-model"])
    assert code == 2
    err = capsys.readouterr().err
    assert "is not on this computer" in err and "base_model=" in err
    assert not (tmp_path / "m" / "voice_desk.json").exists()
