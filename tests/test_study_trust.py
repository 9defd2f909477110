"""`voice-desk study --faithfulness N --sanity N`: both methods' maps of every model measured over a data
set, cached (a re-run makes no forward pass), summarised with speaker-bootstrap intervals in
results.json, faithfulness.csv and the report."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import save_tiny_bundle
from test_study_cli import make_dataset, save_split
from voice_desk.cli import main


@pytest.fixture(scope="module")
def trust_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("trust")
    data = root / "data"
    data.mkdir()
    manifest = make_dataset(data)
    freeze = save_tiny_bundle(root / "freeze", configuration="ast_freeze", seed=0)
    save_split(freeze, manifest, seed=0)
    args = ["study", "-m", str(freeze), "--data", f"manifest:{manifest}", "--split", "all", "--cache",
            str(root / "cache"), "--out", str(root / "out"), "--bootstrap", "200", "--examples", "1",
            "--method", "gradient-rollout", "--faithfulness", "12", "--sanity", "3", "--steps", "4",
            "--random-orders", "2"]
    assert main(args) == 0
    return {"root": root, "args": args, "out": root / "out"}


def test_both_methods_are_measured_per_model(trust_study):
    record = json.loads((trust_study["out"] / "results.json").read_text(encoding="utf-8"))
    assert record["settings"]["rollout"]["method"] == "gradient-rollout"
    assert record["settings"]["trust"] == {"faithfulness": 12, "sanity": 3, "steps": 4, "random_orders": 2}
    trust = record["findings"]["trust"]
    (model_id,) = trust["models"]
    for method in ("rollout", "gradient-rollout"):
        entry = trust["models"][model_id][method]
        faith = entry["faithfulness"]
        assert faith["n"] == 12
        lead = faith["deletion_lead"]
        assert lead["n"] == faith["measured"] and lead["speakers"] <= 8
        if faith["measured"]:
            assert lead["ci"][0] <= lead["value"] <= lead["ci"][1]
        assert faith["verdict"].startswith("cannot tell") or faith["verdict"] in ("too few recordings", "more faithful than chance", "no better than chance",
                                    "mixed")
        sanity = entry["sanity"]
        assert sanity["recordings"] == 3 and sanity["stages"][0] == "head" and sanity["stages"][-1] == "embeddings"
        assert len(sanity["correlation"]) == len(sanity["stages"])
    # the rollout ignores the head, so randomising it leaves the rollout's maps as they were
    assert trust["models"][model_id]["rollout"]["sanity"]["correlation"][0]["value"] == pytest.approx(1.0)
    with open(trust_study["out"] / "faithfulness.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 24 and {r["method"] for r in rows} == {"rollout", "gradient-rollout"}
    page = (trust_study["out"] / "report.html").read_text(encoding="utf-8")
    assert "Can the maps be trusted?" in page and "gradient-weighted rollout" in page
    assert "every weight randomised" in page


def test_a_rerun_takes_everything_from_the_cache(trust_study, monkeypatch, tmp_path):
    from voice_desk.model import engine

    calls = {"n": 0}
    forward = engine.Engine._forward

    def counting(self, batch):
        calls["n"] += 1
        return forward(self, batch)
    monkeypatch.setattr(engine.Engine, "_forward", counting)
    args = list(trust_study["args"])
    args[args.index("--out") + 1] = str(tmp_path / "again")
    assert main(args) == 0
    assert calls["n"] == 0
    first = json.loads((trust_study["out"] / "results.json").read_text(encoding="utf-8"))["findings"]["trust"]
    again = json.loads((tmp_path / "again" / "results.json").read_text(encoding="utf-8"))["findings"]["trust"]
    assert first == again


def test_bad_trust_arguments(trust_study, tmp_path, capsys):
    args = list(trust_study["args"])
    args[args.index("--faithfulness") + 1] = "some"
    assert main(args) != 0
    assert "--faithfulness some" in capsys.readouterr().err
    args = list(trust_study["args"]) + ["--discard-ratio", "0.2"]
    assert main(args) != 0
    assert "belong to the attention rollout" in capsys.readouterr().err
