"""`voice-desk study` end to end with tiny models on a generated data set: the outputs, the cache (a re-run
makes no forward pass and writes the same results.json), an added model, resuming after a stop, the split
rules, agreement with `voice-desk phones`, and the folder API the window reads."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import save_tiny_bundle
from svd_tree import voice
from voice_desk.cli import main

RATE = 16_000
SECONDS = 1.6
SPEAKERS = 8
NO_TEXTGRID = {"s1_1.wav", "s6_0.wav"}      # these go to the built-in aligner


def _sentence_textgrid(path: Path, seconds: float) -> None:
    from voice_desk.align.reference import load_reference
    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.align.tiers import Alignment, Interval

    ref = load_reference()
    k = seconds / ref.duration
    write_textgrid(Alignment(words=[Interval(w.start * k, w.end * k, w.label) for w in ref.words],
                             phones=[Interval(p.start * k, p.end * k, p.label) for p in ref.phones],
                             duration=seconds), path)


def make_dataset(root: Path) -> Path:
    """Voices whose gender is carried by F0 (110 / 220 Hz) and whose pathology by a weaker cue (a little
    jitter, shimmer and breath noise); two takes per speaker; a TextGrid beside most recordings."""
    rows = ["path,label,speaker,gender,group"]
    for speaker in range(SPEAKERS):
        gender = "female" if speaker % 2 else "male"
        label = "pathological" if (speaker // 2) % 2 else "healthy"
        group = ("organic" if speaker < 4 else "functional") if label == "pathological" else ""
        for take in range(2):
            seed = 100 * speaker + take
            f0 = (110.0 if gender == "male" else 220.0) * (1 + 0.03 * np.random.default_rng(seed).standard_normal())
            sick = label == "pathological"
            samples = voice(SECONDS, f0, jitter=0.02 if sick else 0.004, shimmer=0.1 if sick else 0.03,
                            breath=0.2 if sick else 0.05, seed=seed, rate=RATE)
            name = f"s{speaker}_{take}.wav"
            sf.write(root / name, samples, RATE)
            if name not in NO_TEXTGRID:
                _sentence_textgrid(root / f"s{speaker}_{take}.TextGrid", SECONDS)
            rows.append(f"{name},{label},spk{speaker},{gender},{group}")
    manifest = root / "list.csv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return manifest


def save_split(bundle: Path, manifest: Path, seed: int) -> None:
    from voice_desk.data.manifest import load_manifest
    from voice_desk.data.split import make_split

    corpus = load_manifest(manifest)
    make_split(corpus, (0.5, 0.0, 0.5), seed=seed).save(bundle, corpus)   # 2 speakers per stratum: no dev


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    data = root / "data"
    data.mkdir()
    manifest = make_dataset(data)
    freeze = save_tiny_bundle(root / "freeze", configuration="ast_freeze", seed=0)
    finetuned = save_tiny_bundle(root / "finetuned", configuration="ast_finetuned", seed=1)
    for bundle in (freeze, finetuned):
        save_split(bundle, manifest, seed=0)
    cache, out = root / "cache", root / "out"
    args = ["study", "-m", str(freeze), "-m", str(finetuned), "--data", f"manifest:{manifest}", "--split", "all",
            "--cache", str(cache), "--out", str(out), "--bootstrap", "200", "--examples", "1"]
    assert main(args) == 0
    return {"root": root, "manifest": manifest, "freeze": freeze, "finetuned": finetuned, "cache": cache, "out": out,
            "args": args}


@pytest.fixture
def forward_passes(monkeypatch):
    """Counts the model's forward passes and model loads in this process."""
    from voice_desk.model import bundle, engine

    counts = {"forward": 0, "loads": 0}
    forward, load = engine.Engine._forward, bundle.load_model

    def counting_forward(self, batch):
        counts["forward"] += 1
        return forward(self, batch)

    def counting_load(*args, **kwargs):
        counts["loads"] += 1
        return load(*args, **kwargs)

    monkeypatch.setattr(engine.Engine, "_forward", counting_forward)
    monkeypatch.setattr(bundle, "load_model", counting_load)
    return counts


def strict_json(path: Path) -> dict:
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def without_timestamps(record: dict) -> dict:
    record = dict(record)
    record.pop("created")
    return record


def test_outputs(study):
    out = study["out"]
    record = strict_json(out / "results.json")
    assert record["format"] == "voice-desk-study" and record["data"]["counts"]["recordings"] == 16
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["runs_computed"] == 32 and run["counts"]["alignments_computed"] == 2
    assert {m["id"] for m in record["models"]} == {"ast_freeze", "ast_finetuned"}
    assert record["pair"] == {"ast_freeze": "ast_freeze", "ast_finetuned": "ast_finetuned"}
    assert record["models"][0]["weights_sha256"] and record["models"][0]["card"]["configuration"] == "ast_freeze"
    rec = record["recordings"][0]
    assert set(rec["runs"]) == {"ast_freeze", "ast_finetuned"}
    assert (out / rec["runs"]["ast_freeze"]["explanation"]).is_file()
    assert len(list((out / "explanations" / "ast_finetuned").glob("*.npz"))) == 16
    assert len(list((out / "tiers").glob("*.TextGrid"))) >= 14
    with open(out / "recordings.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 16 and {r["case"] for r in rows} <= {"O", "X", "A", "B"}
    for name in ("measures.csv", "phones.csv", "phone_ranking.csv", "embedding.csv"):
        assert (out / name).stat().st_size > 100
    findings = record["findings"]
    assert set(findings) == {"cases", "representations", "energy", "phones", "spread", "trust"}
    assert findings["trust"]["claim"]["verdict"] == "not measured"      # --faithfulness/--sanity not asked for
    assert not (out / "faithfulness.csv").exists()
    assert sum(findings["cases"]["counts"]["all"].values()) == 16
    assert findings["cases"]["scores"]["ast_freeze"]["all"]["auc"]["ci"][0] is not None
    alignment = findings["phones"]["alignment"]
    assert alignment["from_aligner"] == 2 and alignment["from_textgrid"] == 14
    for key in ("representations", "energy", "phones", "spread"):
        assert findings[key]["claim"]["sentence"].startswith("The study's claim")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Provenance</h2>" in page and "Examples of each case" in page and "voice-desk study --model" in page
    assert "src=\"http" not in page and "<script" not in page
    images = page.count('src="data:image/png;base64,')
    assert images >= 7 + sum(min(1, n) for n in findings["cases"]["counts"]["all"].values())
    for section in ("1. Cases", "2. Representations", "3. Relevance and energy", "4. Relevance per phone",
                    "5. Spread of relevance", "Method."):
        assert section in page


def test_planted_gender_is_separated_before_pathology_by_the_frozen_model(study):
    """F0 carries gender, a weaker cue carries pathology: a frozen (random) model's representation separates
    gender better."""
    record = strict_json(study["out"] / "results.json")
    separation = record["findings"]["representations"]["models"]["ast_freeze"]["separation"]
    gender = separation["gender"]["probe_balanced_accuracy"]["value"]
    health = separation["health"]["probe_balanced_accuracy"]["value"]
    assert gender >= 0.9 and gender > health
    assert separation["gender"]["silhouette"]["value"] > separation["health"]["silhouette"]["value"]


def test_rerun_computes_nothing_and_writes_the_same_results(study, forward_passes, tmp_path):
    before = strict_json(study["out"] / "results.json")
    assert main(study["args"]) == 0
    assert forward_passes == {"forward": 0, "loads": 0}
    again = strict_json(study["out"] / "results.json")
    assert without_timestamps(again) == without_timestamps(before)
    run = json.loads((study["out"] / "run.json").read_text())
    assert run["counts"]["runs_computed"] == 0 and run["counts"]["runs_reused"] == 32
    assert run["counts"]["alignments_computed"] == 0 and run["counts"]["recordings_loaded"] == 0
    # a second report elsewhere reuses everything too
    other = list(study["args"])
    other[other.index("--out") + 1] = str(tmp_path / "second")
    assert main(other) == 0
    assert forward_passes == {"forward": 0, "loads": 0}
    assert (tmp_path / "second" / "report.html").is_file()


def test_an_added_model_runs_alone_and_joins_the_relevance_analyses(study, forward_passes, tmp_path):
    audioset = save_tiny_bundle(tmp_path / "audioset", configuration=None, labels=("Speech", "Music", "Silence"),
                                seed=2)
    args = list(study["args"]) + ["-m", str(audioset)]
    args[args.index("--out") + 1] = str(tmp_path / "out")
    args[args.index("--split") + 1] = "test"
    assert main(args) == 0
    assert forward_passes == {"forward": 8, "loads": 1}        # the test part, the new model only
    record = strict_json(tmp_path / "out" / "results.json")
    assert set(record["findings"]["cases"]["scores"]) == {"ast_freeze", "ast_finetuned"}
    assert record["findings"]["energy"]["models"]["audioset"]["n"] == 8
    assert record["findings"]["representations"]["models"]["audioset"] is not None
    assert record["recordings"][0]["runs"]["audioset"]["p_pathological"] is None


def test_per_phone_numbers_agree_with_the_phones_command(study, tmp_path, capsys):
    record = strict_json(study["out"] / "results.json")
    by_file = {}
    with open(study["out"] / "phones.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_file.setdefault(row["file"], []).append(row)
    checked = 0
    for rec in record["recordings"][::3]:                    # a third of them, one from the aligner included
        target = tmp_path / f"{rec['slug']}.csv"
        assert main(["phones", rec["file"], "-m", str(study["freeze"]), "-m", str(study["finetuned"]),
                     "--csv", str(target)]) == 0
        with open(target, newline="", encoding="utf-8") as f:
            theirs = list(csv.DictReader(f))
        ours = by_file[rec["file"]]
        names = {str(study["freeze"]): "ast_freeze", str(study["finetuned"]): "ast_finetuned"}
        assert [(names[r["model"]], r["phone"], r["start_s"], r["end_s"], r["tiers"], r["tiers_confidence"])
                for r in theirs] == [(r["model"], r["phone"], r["start_s"], r["end_s"], r["tiers"],
                                      r["tiers_confidence"]) for r in ours]
        # the same function on the same maps: equal up to float32 noise between two runs of a model
        for column in ("mean_relevance", "relative", "share"):
            assert [float(r[column]) for r in theirs] == pytest.approx([float(r[column]) for r in ours], rel=1e-4)
        checked += 1
    assert checked >= 5 and any(Path(r["file"]).name in NO_TEXTGRID for r in record["recordings"][::3])
    capsys.readouterr()


def test_a_stopped_run_resumes_where_it_stopped(study, tmp_path):
    from voice_desk.study.cache import StudyCache
    from voice_desk.study.plan import plan_study
    from voice_desk.study.runner import run_study
    from voice_desk.tasks.state import TaskCancelled, TaskState

    cache = StudyCache(tmp_path / "cache")
    plan = plan_study([str(study["freeze"])], f"manifest:{study['manifest']}", "test", cache=cache, n_boot=100,
                      command="test")
    assert len(plan.clips) == 8
    def stop_after_three(part):
        if part.get("stage") == "run" and part["done"] == 3:
            state.cancel()

    state = TaskState(partial=stop_after_three)
    with pytest.raises(TaskCancelled):
        run_study(plan, cache, state)
    resumed = run_study(plan, cache, TaskState())
    assert resumed.counts.runs_computed == 5 and resumed.counts.runs_reused == 3


def test_split_from_the_bundles_and_different_splits(study, tmp_path, capsys):
    args = ["study", "-m", str(study["freeze"]), "-m", str(study["finetuned"]), "--data",
            f"manifest:{study['manifest']}", "--cache", str(study["cache"]), "--out", str(tmp_path / "test"),
            "--bootstrap", "100"]
    assert main(args) == 0
    record = strict_json(tmp_path / "test" / "results.json")
    with open(study["freeze"] / "split.csv", newline="", encoding="utf-8") as f:
        test_part = {r["path"] for r in csv.DictReader(f) if r["part"] == "test"}
    assert record["data"]["part"] == "test" and {r["file"] for r in record["recordings"]} == test_part
    # another model trained on another split (one test speaker swapped with a training speaker of the same
    # stratum): the test parts' intersection is used, and the output says so
    from voice_desk.data.manifest import load_manifest
    from voice_desk.data.split import Split

    corpus = load_manifest(study["manifest"])
    part_of = {c.path: ("test" if c.path in test_part else "train") for c in corpus.clips}
    speaker_of = {c.path: c.speaker for c in corpus.clips}
    leaving = speaker_of[sorted(test_part)[0]]
    stratum = {c.speaker: (c.label, c.gender) for c in corpus.clips}
    joining = next(s for p, s in sorted(speaker_of.items()) if part_of[p] == "train" and stratum[s] == stratum[leaving])
    swapped = {p: ("train" if speaker_of[p] == leaving else "test" if speaker_of[p] == joining else part)
               for p, part in part_of.items()}
    other = save_tiny_bundle(tmp_path / "other", configuration="ast_finetuned", seed=1)
    Split(swapped).save(other, corpus)
    capsys.readouterr()
    assert main(args[:3] + ["-m", str(other)] + args[5:]) == 0
    out = capsys.readouterr()
    assert "trained on different splits" in out.err and "the 6 recordings in the test part of every model" in out.err
    # disjoint test parts: a clear stop
    flipped = Split({c.path: ("train" if c.path in test_part else "test") for c in corpus.clips})
    flipped.save(other, corpus)
    assert main(args[:3] + ["-m", str(other)] + args[5:]) == 2
    assert "no recording lies in the test part of both" in capsys.readouterr().err
    # no split saved anywhere
    bare = save_tiny_bundle(tmp_path / "bare", configuration="ast_freeze")
    assert main(["study", "-m", str(bare), "--data", f"manifest:{study['manifest']}", "--cache",
                 str(study["cache"]), "--out", str(tmp_path / "bare-out")]) == 2
    assert "--split all" in capsys.readouterr().err


def test_doubtful_alignments_are_counted_and_can_be_left_out(study, tmp_path):
    record = strict_json(study["out"] / "results.json")
    aligned = [r for r in record["recordings"] if Path(r["file"]).name in NO_TEXTGRID]
    assert all(r["tiers"] is None or r["tiers"].startswith("builtin") for r in aligned)
    confidences = [r["tiers_confidence"] for r in aligned if r["tiers_confidence"] is not None]
    counts = record["findings"]["phones"]["alignment"]
    assert counts["doubtful"] == sum(c < 0.5 for c in confidences)
    args = list(study["args"]) + ["--min-align-confidence", "0.999"]
    args[args.index("--out") + 1] = str(tmp_path / "strict")
    assert main(args) == 0
    strict = strict_json(tmp_path / "strict" / "results.json")
    assert strict["findings"]["phones"]["alignment"]["below_min_confidence"] == len(confidences)
    assert strict["findings"]["phones"]["alignment"]["used"] == 14
    for rec in strict["recordings"]:
        assert rec["in_phone_analyses"] == (Path(rec["file"]).name not in NO_TEXTGRID)
        assert (rec["runs"]["ast_freeze"]["phones"] != []) == rec["in_phone_analyses"]


def test_the_folder_api_for_the_window(study):
    from voice_desk.model.result import Explanation
    from voice_desk.study.folder import StudyFolder

    folder = StudyFolder.open(study["out"])
    assert [m.id for m in folder.models] == ["ast_freeze", "ast_finetuned"] and folder.pair == ("ast_freeze",
                                                                                                "ast_finetuned")
    rows = folder.table_rows()
    keys = [k for k, _ in folder.table_columns()]
    assert len(rows) == 16 and set(keys) <= set(rows[0]) and "p:ast_freeze" in keys
    embedding = folder.embedding("ast_finetuned")
    assert len(embedding.x) == len(embedding.recordings) == 16
    assert set(embedding.colours("gender")) == {"female", "male"}
    ranking = folder.phone_ranking("ast_freeze", "all")
    assert ranking[0].rank == 1 and any(p.study_phone for p in ranking) and any(p.segment for p in ranking)
    assert ranking[0].ci_low <= ranking[0].value <= ranking[0].ci_high
    assert set(folder.phone_callouts("ast_freeze")) == {"study_phone", "segment"}
    path = folder.explanation_path(0, "ast_freeze")
    explanation = Explanation.load_npz(path)
    assert explanation.frame_relevance.shape[1] == 128
    assert folder.recording_phones(0, "ast_freeze")[0]["relative"] > 0
    assert folder.tiers_path(0).suffix == ".TextGrid"
    assert [c[1] for c in folder.claims()] and folder.report_path.is_file()
    assert folder.separation("ast_freeze")["gender"]["probe_balanced_accuracy"]["value"] is not None
    # the window's process must not import torch to read a study
    code = ("import sys; from voice_desk.study.folder import StudyFolder; StudyFolder.open(sys.argv[1]).table_rows(); "
            "assert 'torch' not in sys.modules and 'PySide6' not in sys.modules, sorted(m for m in sys.modules "
            "if m.startswith(('torch', 'PySide6')))")
    subprocess.run([sys.executable, "-c", code, str(study["out"])], check=True)


def test_explain_with_representation_is_the_heads_input(tiny_bundle, speech_wav):
    import torch

    from voice_desk.audio.load import load_recording
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine
    from voice_desk.model.features import model_inputs

    loaded = load_model(tiny_bundle)
    engine = Engine(loaded)
    recording = load_recording(speech_wav)
    explanation, pooled = engine.explain_with_representation(recording)
    plain = engine.explain(recording)
    assert np.array_equal(explanation.patch_relevance, plain.patch_relevance)
    assert explanation.prediction.pathology_probability == plain.prediction.pathology_probability
    (inp,) = model_inputs([recording], loaded.feature_extractor)
    with torch.inference_mode():
        expected = loaded.model.audio_spectrogram_transformer(torch.from_numpy(inp.values[None])).pooler_output[0]
    assert pooled.shape == (loaded.config.hidden_size,)
    assert np.allclose(pooled, expected.numpy(), atol=1e-5)
    assert not loaded.model.classifier._forward_pre_hooks                 # the hook is gone


def test_bad_arguments_are_explained(study, tmp_path, capsys):
    base = ["study", "-m", str(study["freeze"]), "--data", f"manifest:{study['manifest']}", "--cache",
            str(study["cache"]), "--out", str(tmp_path / "x")]
    assert main(base + ["--split", "nowhere.csv"]) == 2
    assert "neither test, dev, all nor a split file" in capsys.readouterr().err
    assert main(base + ["--min-align-confidence", "2"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
    assert main(base + ["--textgrids", str(tmp_path / "missing")]) == 2
    assert "--textgrids" in capsys.readouterr().err
    assert main(["study", "-m", str(study["freeze"]), "-m", str(study["freeze"]), "--data",
                 f"manifest:{study['manifest']}", "--split", "all", "--cache", str(study["cache"])]) == 2
    assert "named twice" in capsys.readouterr().err


def test_a_folder_named_like_a_recipe_where_the_command_runs(study, tmp_path, monkeypatch):
    """Bundles often live in folders named ast_freeze / ast_finetuned: reading the data settings must not take
    such a folder for the built-in recipe of that name."""
    from voice_desk.study.plan import plan_study

    (tmp_path / "ast_freeze").mkdir()
    monkeypatch.chdir(tmp_path)
    plan = plan_study([str(study["freeze"])], f"manifest:{study['manifest']}", "all", command="test")
    assert len(plan.clips) == 16 and plan.settings["data_settings"]["diagnosis_map"]
