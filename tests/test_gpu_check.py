"""benchmarks/gpu_check.py's dry run: every part of the GPU check runs on the CPU with a tiny model,
so the one command a lent GPU machine runs cannot rot between loans."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


def test_the_dry_run_runs_every_part(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--out", str(tmp_path), "--timeout", "300"],
                          capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "gpu_check.json").read_text())
    assert result["dry_run"] and result["device"] == "cpu"
    assert {name: part["status"] for name, part in result["parts"].items()} == {
        name: "ok" for name in ("environment", "cuda_tests", "model", "predict", "explain", "trust", "embedding",
                                "finetune_loop", "finetune_trainer", "torchrun", "finetune_trainer_workers")}
    parts = {name: part["figures"] for name, part in result["parts"].items()}
    assert parts["cuda_tests"]["counts"]["skipped"] >= 10 and "passed" not in parts["cuda_tests"]["counts"]
    assert parts["explain"]["max_diff_vs_naive"] <= 1e-6
    assert parts["trust"]["gradient_max_diff_vs_naive"] <= 1e-6 and parts["trust"]["curve20_b1_s"] > 0
    assert parts["torchrun"]["processes"] == 2 and parts["torchrun"]["optimizer_steps"] >= 1
    assert parts["finetune_trainer"]["svd_40_epochs_h"] > 0 and parts["finetune_trainer_workers"]["workers"] >= 1
    table = (tmp_path / "gpu_check.md").read_text()
    assert "| torchrun |" in table and "40-epoch recipe at SVD's size" in table


def test_parts_that_would_not_fit_are_skipped_with_a_note(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    gpu_check = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gpu_check", gpu_check)  # dataclasses look their module up there
    spec.loader.exec_module(gpu_check)
    monkeypatch.setenv("VOICE_DESK_HOME", str(tmp_path / "home"))  # the check sets both for its children
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert gpu_check.main(["--dry-run", "--out", str(tmp_path), "--timeout", "2"]) == 0
    parts = json.loads((tmp_path / "gpu_check.json").read_text())["parts"]
    assert parts["environment"]["status"] == "ok"
    assert parts["torchrun"]["status"] == "skipped" and "not enough time left" in parts["torchrun"]["note"]
    assert "**torchrun**: skipped" in (tmp_path / "gpu_check.md").read_text()
