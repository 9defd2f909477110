"""A tiny AST learns healthy vs pathological on a generated SVD tree, through the real CLI."""

from __future__ import annotations

import json
import re
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
                           "--set", "num_train_epochs=2", "--set", "logging_steps=1"],
                          capture_output=True, text=True, timeout=300)
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
    assert "no Saarbrücken Voice Database sessions" in capsys.readouterr().err


def test_ast_finetuned_learns_and_resumes_after_being_killed(tmp_path, capsys):
    tree, base = shared_svd_tree(), shared_tiny_base()
    out = tmp_path / "fine"
    args = ["train", "--recipe", "training/ast_finetuned.toml", "--data", f"svd:{tree['root']}", "--out", str(out),
            "--set", f"base_model={base}", "--set", "learning_rate=3e-4", "--set", "gradient_accumulation_steps=1",
            "--set", "early_stopping_patience=12", "--set", "num_train_epochs=12"]
    # A real interruption: the training process is killed (as a power cut or a pre-empted GPU job
    # would) once epoch 2 has been evaluated, i.e. while its checkpoint is being written or after.
    proc = subprocess.Popen([sys.executable, "-m", "voice_desk", *args, "--progress-json"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        for line in proc.stdout:
            event = json.loads(line)
            if event["event"] == "eval" and event["epoch"] == 2:
                break
    finally:
        proc.kill()
        proc.wait()
    assert not (out / "voice_desk.json").exists()
    finished = [p for p in (out / "checkpoints").glob("checkpoint-*") if (p / "trainer_state.json").is_file()]
    assert finished  # epoch 1's checkpoint at least
    cut_short = out / "checkpoints" / "checkpoint-99999"  # as if the kill had hit while it was written
    cut_short.mkdir()
    (cut_short / "config.json").write_text("{}")
    assert main(args) == 0  # the same command again
    err = capsys.readouterr().err
    assert "Set aside checkpoint-99999" in err
    resumed_epoch = int(re.search(r"Resuming from checkpoint-\d+ \(epoch (\d+)\)", err).group(1))
    assert 1 <= resumed_epoch < 12  # 1 or 2 unless this process was starved while the child went on
    redone = [int(e) for e in re.findall(r"^epoch (\d+): dev UAR", err, flags=re.M)]
    assert redone == list(range(resumed_epoch + 1, 13))  # finished epochs were not trained again
    card = ModelCard.load(out)
    assert card.configuration == "ast_finetuned" and "checkpoint-" in card.extra["training"]["resumed_from"]
    history = json.loads((out / "history.json").read_text())
    assert [h["epoch"] for h in history] == list(range(1, 13))  # the whole run, before and after the kill
    assert card.metrics["dev"]["best_uar"] == max(h["dev_uar"] for h in history)
    assert card.metrics["test"]["uar"] >= 0.9
    assert not (out / "checkpoints").exists() and load_model(out).gives_verdict


def test_an_interrupted_run_keeps_its_split_and_restart_starts_over(tmp_path, capsys):
    from voice_desk.data.source import load_corpus
    from voice_desk.data.split import make_split

    tree, base = shared_svd_tree(), shared_tiny_base()
    corpus = load_corpus(f"svd:{tree['root']}")
    for name in ("resumed", "restarted"):  # what an interrupted run left: its split and a checkpoint
        make_split(corpus, seed=1).save(tmp_path / name / "checkpoints", corpus)
        (tmp_path / name / "checkpoints" / "checkpoint-3").mkdir()
    common = ["train", "--data", f"svd:{tree['root']}", "--set", f"base_model={base}", *_sets(TINY_FREEZE)]
    assert main(common + ["--out", str(tmp_path / "resumed")]) == 0
    assert "Using the split of the interrupted run" in capsys.readouterr().err
    assert json.loads((tmp_path / "resumed" / "split.json").read_text())["seed"] == 1
    assert main(common + ["--out", str(tmp_path / "restarted"), "--restart"]) == 0
    assert json.loads((tmp_path / "restarted" / "split.json").read_text())["seed"] == 42
    assert not (tmp_path / "resumed" / "checkpoints").exists()
    # A run that stopped before its first checkpoint leaves nothing to resume: a new split is made.
    make_split(corpus, seed=1).save(tmp_path / "early" / "checkpoints", corpus)
    assert main(common + ["--out", str(tmp_path / "early")]) == 0
    assert json.loads((tmp_path / "early" / "split.json").read_text())["seed"] == 42


def test_output_folder_holding_other_files_is_refused(tmp_path, capsys):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    assert main(["train", "--data", f"svd:{shared_svd_tree()['root']}", "--out", str(busy)]) == 2
    assert "already holds other files" in capsys.readouterr().err
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]


def test_missing_hub_base_model_says_how_to_get_it(tmp_path, capsys):
    tree = shared_svd_tree()
    code = main(["train", "--data", f"svd:{tree['root']}", "--out", str(tmp_path / "m"),
                 "--set", "base_model=nobody/no-such-ast-model"])
    assert code == 2
    err = capsys.readouterr().err
    assert "is not on this computer" in err and "base_model=" in err
    assert not (tmp_path / "m" / "voice_desk.json").exists()
    not_a_model = tmp_path / "downloads"
    not_a_model.mkdir()
    (not_a_model / "config.json").write_text('{"model_type": "wav2vec2"}')
    assert main(["train", "--data", f"svd:{tree['root']}", "--out", str(tmp_path / "m2"),
                 "--set", f"base_model={not_a_model}"]) == 2
    assert "not an Audio Spectrogram Transformer" in capsys.readouterr().err


def test_early_stopping_count_survives_an_interruption(tmp_path, capsys):
    tree, base = shared_svd_tree(), shared_tiny_base()
    out = tmp_path / "stalled"
    args = ["train", "--recipe", "ast_finetuned", "--data", f"svd:{tree['root']}", "--out", str(out),
            "--set", f"base_model={base}", "--set", "learning_rate=1e-12",  # dev UAR never improves
            "--set", "gradient_accumulation_steps=1", "--set", "keep_checkpoints=true"]
    assert main(args + ["--set", "num_train_epochs=3", "--set", "early_stopping_patience=5"]) == 0
    (out / "voice_desk.json").unlink()  # as if that run had been stopped after epoch 3
    capsys.readouterr()
    assert main(args + ["--set", "num_train_epochs=10", "--set", "early_stopping_patience=3"]) == 0
    # Epochs 2 and 3 did not improve on epoch 1; one more non-improving epoch reaches patience 3.
    assert re.findall(r"^epoch (\d+): dev UAR", capsys.readouterr().err, flags=re.M) == ["4"]


def test_the_bundle_is_private_and_nothing_is_left_beside_it(freeze_bundle):
    """Its split lists patients' recordings, speakers, labels and genders: 0700/0600. The staging
    folder and the lock of the run are gone."""
    import os
    import stat

    assert stat.S_IMODE(os.stat(freeze_bundle).st_mode) == 0o700
    for path in freeze_bundle.rglob("*"):
        assert stat.S_IMODE(os.stat(path).st_mode) == (0o700 if path.is_dir() else 0o600), path
    assert [p.name for p in freeze_bundle.parent.iterdir()] == [freeze_bundle.name]


def test_a_folder_holding_a_model_is_refused_without_overwrite(freeze_bundle, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in freeze_bundle.iterdir()}
    code = main(["train", "--data", f"svd:{shared_svd_tree()['root']}", "--out", str(freeze_bundle)])
    assert code == 2 and "already holds a trained model" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in freeze_bundle.iterdir()} == before
