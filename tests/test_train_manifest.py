"""Training on any corpus through a CSV manifest (WAV files, relative paths)."""

from __future__ import annotations

import json
import shutil

import soundfile as sf

from svd_tree import TINY_FREEZE, clip_for, shared_tiny_base
from voice_desk.cli import main
from voice_desk.model.card import ModelCard


def test_train_and_evaluate_from_a_manifest(tmp_path, capsys):
    rows = ["path,label,speaker,gender,group"]
    for i in range(32):
        label = "pathological" if i % 2 else "healthy"
        gender = "female" if (i // 2) % 2 else "male"
        sf.write(tmp_path / f"c{i}.wav", clip_for(label, gender, seed=500 + i, rate=16_000), 16_000)
        speaker = f"p{i // 2 if i < 8 else i}"  # the first speakers recorded twice
        rows.append(f"c{i}.wav,{label},{speaker},{gender},{'functional' if label == 'pathological' else ''}")
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "model"
    args = ["train", "--data", f"manifest:{tmp_path / 'list.csv'}", "--out", str(out),
            "--set", f"base_model={shared_tiny_base()}"]
    for item in TINY_FREEZE:
        args += ["--set", item]
    assert main(args) == 0
    card = ModelCard.load(out)
    assert card.training_data["source"] == f"manifest:{tmp_path / 'list.csv'}"
    assert card.training_data["counts"]["group"]["functional"] == 16
    assert card.metrics["test"]["uar"] >= 0.9
    point = card.metrics["operating_point"]                      # the threshold the verdicts will use
    assert point["band"][0] <= point["threshold"] <= point["band"][1]
    assert point["sensitivity"]["n"] == card.metrics["test"]["n_pathological"] and "Youden" in point["rule"]
    capsys.readouterr()
    assert main(["evaluate", "--model", str(out), "--data", f"manifest:{tmp_path / 'list.csv'}"]) == 0
    text = capsys.readouterr().out
    assert "test:" in text and "UAR" in text and "confusion" in text
    # The recordings and manifest copied elsewhere: the saved split still finds its test part.
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    for f in list(tmp_path.glob("c*.wav")) + [tmp_path / "list.csv"]:
        shutil.copy(f, moved / f.name)
    assert main(["evaluate", "--model", str(out), "--data", f"manifest:{moved / 'list.csv'}", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["n"] == card.metrics["test"]["n"] and metrics["uar"] == card.metrics["test"]["uar"]
    assert main(["evaluate", "--model", str(out), "--data", f"manifest:{moved / 'list.csv'}", "--json",
                 "--split", "all"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["n"] == 32


def test_one_class_only_is_refused(tmp_path, capsys):
    rows = ["path,label,speaker,gender"]
    for i in range(12):
        sf.write(tmp_path / f"c{i}.wav", clip_for("healthy", "male", seed=i, rate=16_000), 16_000)
        rows.append(f"c{i}.wav,healthy,s{i},male")
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", "--data", f"manifest:{tmp_path / 'list.csv'}", "--out", str(tmp_path / "m")]) == 2
    assert "only healthy recordings" in capsys.readouterr().err


def test_too_few_speakers_for_the_split_is_explained(tmp_path, capsys):
    rows = ["path,label,speaker,gender"]
    for i in range(4):
        label = "pathological" if i % 2 else "healthy"
        sf.write(tmp_path / f"c{i}.wav", clip_for(label, "male", seed=i, rate=16_000), 16_000)
        rows.append(f"c{i}.wav,{label},s{i},male")
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", "--data", f"manifest:{tmp_path / 'list.csv'}", "--out", str(tmp_path / "m"),
                 "--set", f"base_model={shared_tiny_base()}"]) == 2
    err = capsys.readouterr().err
    assert "part of the split is empty" in err and "split_fractions" in err
