"""Hostile and damaged model folders: pickles behind an index, links in an import, configs
that do not fit their weights, absurd sizes, NaN weights and outputs, bad cards, an
unreachable hub. Each is refused with a plain message (a VoiceDeskError), quickly, and
leaves nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from conftest import save_tiny_bundle, speech_like
from voice_desk.audio.recording import Recording
from voice_desk.errors import ModelNotFoundError, ModelOutputError, NotAModelError, UnsafeModelError
from voice_desk.model.bundle import load_model
from voice_desk.model.card import CARD_FILE
from voice_desk.model.checks import check_model_folder


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return save_tiny_bundle(tmp_path_factory.mktemp("hardening") / "ast_freeze")


def copy_of(bundle, tmp_path, name="copy"):
    return shutil.copytree(bundle, tmp_path / name)


def edit_json(path, **changes):
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def rewrite_weights(folder, change):
    from safetensors.torch import load_file, save_file

    weights = load_file(folder / "model.safetensors")
    change(weights)
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})


@pytest.fixture
def no_unpickling(monkeypatch):
    """torch.load is how a pickle is opened: it must never be called."""
    import torch

    def refuse(*args, **kwargs):
        raise AssertionError("torch.load was called: a pickle was opened")

    monkeypatch.setattr(torch, "load", refuse)


def pickled(bundle, tmp_path, name="pickled"):
    """A folder whose weights are a pickle, with an index claiming safetensors pointing at it."""
    import torch
    from safetensors.torch import load_file

    folder = copy_of(bundle, tmp_path, name)
    weights = load_file(folder / "model.safetensors")
    torch.save(weights, folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    return folder, weights


# --- weights come from safetensors files alone ------------------------------------------------

def test_an_index_pointing_at_a_pickle_is_refused(bundle, tmp_path, no_unpickling):
    folder, weights = pickled(bundle, tmp_path)
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": {k: "pytorch_model.bin" for k in weights}}))
    with pytest.raises(UnsafeModelError, match="not a safetensors file"):
        load_model(folder, device="cpu")


@pytest.mark.parametrize("shard", ["../outside.safetensors", "/tmp/outside.safetensors", "sub/x.safetensors"])
def test_an_index_naming_files_outside_the_folder_is_refused(bundle, tmp_path, shard):
    folder = copy_of(bundle, tmp_path)
    (folder / "model.safetensors").rename(tmp_path / "outside.safetensors")
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": {"a": shard}}))
    with pytest.raises(UnsafeModelError, match="outside the model folder"):
        check_model_folder(folder)


def test_a_config_naming_its_own_pickle_weights_is_refused(bundle, tmp_path, no_unpickling):
    folder, _ = pickled(bundle, tmp_path)
    (folder / "pytorch_model.bin").rename(folder / "adapter_model.bin")
    (folder / "model.safetensors").write_bytes((bundle / "model.safetensors").read_bytes())
    edit_json(folder / "config.json", transformers_weights="adapter_model.bin")
    with pytest.raises(NotAModelError, match="transformers_weights"):
        load_model(folder, device="cpu")


def test_sharded_safetensors_load(bundle, tmp_path):
    from transformers import ASTForAudioClassification

    folder = copy_of(bundle, tmp_path)
    (folder / "model.safetensors").unlink()
    ASTForAudioClassification.from_pretrained(bundle).save_pretrained(folder, max_shard_size="60KB")
    assert (folder / "model.safetensors.index.json").is_file()
    assert load_model(folder, device="cpu").gives_verdict


def fake_hub_cache(root, repo, files_from):
    """A Hugging Face cache holding ``repo`` (as huggingface_hub lays it out)."""
    sha = "0123456789abcdef0123456789abcdef01234567"
    repo_dir = root / f"models--{repo.replace('/', '--')}"
    (repo_dir / "refs").mkdir(parents=True)
    (repo_dir / "refs" / "main").write_text(sha)
    shutil.copytree(files_from, repo_dir / "snapshots" / sha)
    return repo_dir / "snapshots" / sha


def test_a_hub_model_is_checked_like_a_folder(bundle, tmp_path, monkeypatch, no_unpickling):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    fake_hub_cache(tmp_path / "hub", "voice-desk-tests/cached", bundle)
    assert load_model("voice-desk-tests/cached", device="cpu").source == "voice-desk-tests/cached"
    folder, weights = pickled(bundle, tmp_path)
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": {k: "pytorch_model.bin" for k in weights}}))
    fake_hub_cache(tmp_path / "hub", "voice-desk-tests/pickled", folder)
    with pytest.raises(UnsafeModelError):
        load_model("voice-desk-tests/pickled", device="cpu")


# --- import copies regular files only, atomically ---------------------------------------------

def models_folder_is_empty(models) -> bool:
    return not models.exists() or not any(models.iterdir())  # hidden partial folders included


@pytest.mark.parametrize("kind", ["link to a folder", "link to a device", "named pipe"])
def test_import_refuses_links_and_special_files(bundle, tmp_path, kind):
    from voice_desk.model.install import import_bundle

    folder = copy_of(bundle, tmp_path)
    if kind == "link to a folder":
        (tmp_path / "secrets").mkdir()
        (tmp_path / "secrets" / "key.pem").write_text("secret")
        os.symlink(tmp_path / "secrets", folder / "ssl")
        name = f"ssl (a symbolic link to {tmp_path / 'secrets'})"
    elif kind == "link to a device":
        os.symlink("/dev/zero", folder / "extra.bin")
        name = "extra.bin (a symbolic link to /dev/zero)"
    else:
        os.mkfifo(folder / "pipe")
        name = "pipe (a named pipe)"
    models = tmp_path / "models"
    start = time.monotonic()
    with pytest.raises(NotAModelError) as err:
        import_bundle(folder, models)
    assert name in str(err.value) and "regular files only" in str(err.value)
    assert time.monotonic() - start < 10
    assert models_folder_is_empty(models)


def test_import_is_atomic_and_limited_in_size(bundle, tmp_path, monkeypatch):
    import voice_desk.model.bundle as bundle_module
    from voice_desk.model import install

    models = tmp_path / "models"
    monkeypatch.setattr(install, "MAX_IMPORT_BYTES", 10_000)
    with pytest.raises(NotAModelError, match="far more than a model"):
        install.import_bundle(bundle, models)
    assert models_folder_is_empty(models)
    monkeypatch.undo()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bundle_module, "load_model", interrupted)  # stopped after the copy, before the rename
    with pytest.raises(KeyboardInterrupt):
        install.import_bundle(bundle, models)
    assert models_folder_is_empty(models)
    monkeypatch.undo()
    target = install.import_bundle(bundle, models)
    assert [p.name for p in models.iterdir()] == [bundle.name] and target == models / bundle.name
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in bundle.iterdir())
    assert install.import_bundle(bundle, models).name == f"{bundle.name}-2"


def test_import_refuses_a_bad_card_with_the_reason(bundle, tmp_path):
    from voice_desk.model.install import import_bundle

    folder = copy_of(bundle, tmp_path)
    edit_json(folder / CARD_FILE, metrics={"test": {"uar": "0.9"}})
    with pytest.raises(NotAModelError, match="'uar' should be a number"):
        import_bundle(folder, tmp_path / "models")
    assert models_folder_is_empty(tmp_path / "models")


# --- configs that do not fit their weights ------------------------------------------------------

@pytest.mark.parametrize("layers", [3, 1, 100_000])
def test_a_config_with_another_number_of_layers_is_refused(bundle, tmp_path, layers):
    folder = copy_of(bundle, tmp_path)
    edit_json(folder / "config.json", num_hidden_layers=layers)
    start = time.monotonic()
    with pytest.raises(NotAModelError, match="weights do not fit its config.json|'num_hidden_layers' should be"):
        load_model(folder, device="cpu")
    assert time.monotonic() - start < 5  # refused before any model is built


@pytest.mark.parametrize("change,message", [
    ({"max_length": 10 ** 7}, "'max_length' should be a whole number"),
    ({"max_length": 300}, "position_embeddings"),
    ({"hidden_size": 10 ** 9}, "'hidden_size' should be a whole number"),
    ({"intermediate_size": 128}, "intermediate"),
    ({"num_attention_heads": 5}, "multiple of 'num_attention_heads'"),
    ({"patch_size": [16, 16]}, "'patch_size' should be a whole number"),
    ({"num_hidden_layers": True}, "'num_hidden_layers' should be a whole number"),
    ({"hidden_size": {"a": {"b": [1]}}}, "'hidden_size' should be a whole number"),
    ({"id2label": {"0": "healthy", "7": "pathological"}}, "class numbers"),
    ({"id2label": ["healthy", "pathological"]}, "'id2label' should map"),
    ({"id2label": {"0": "healthy", "1": "pathological", "2": "other"}}, "classification head has 2"),
    ({"quantization_config": {"quant_method": "bitsandbytes"}}, "quantized"),
])
def test_config_sizes_are_checked_against_the_weights_before_building(bundle, tmp_path, change, message):
    folder = copy_of(bundle, tmp_path)
    edit_json(folder / "config.json", **change)
    start = time.monotonic()
    with pytest.raises(NotAModelError, match=message):
        load_model(folder, device="cpu")
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("text,message", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"model_type": "audio-spectrogram-transformer", "hidden_size": NaN}', "NaN"),
    ('{"model_type": "audio-spectrogram-transformer", "hidden_size": 1e999}', "too large"),
    ("[1, 2, 3]", "not a JSON object"),
    ("\xff\xfe", "not valid JSON|not UTF-8"),
])
def test_odd_json_in_config_json_is_a_clear_message(bundle, tmp_path, text, message):
    folder = copy_of(bundle, tmp_path)
    (folder / "config.json").write_text(text, encoding="latin-1")
    with pytest.raises(NotAModelError, match=message):
        check_model_folder(folder)


def test_a_config_json_that_is_a_device_is_refused_at_once(bundle, tmp_path):
    folder = copy_of(bundle, tmp_path)
    (folder / "config.json").unlink()
    os.symlink("/dev/zero", folder / "config.json")
    with pytest.raises(NotAModelError, match="not a regular file"):
        check_model_folder(folder)


@pytest.mark.parametrize("change,message", [
    ({"max_length": 10 ** 7}, "'max_length' should be config.json's max_length"),
    ({"sampling_rate": 8000}, "'sampling_rate' should be 16000"),
    ({"std": 0}, "'std' should be a number other than 0"),
    ({"padding_value": "x"}, "'padding_value' should be a number"),
])
def test_the_preprocessor_config_must_describe_the_same_input(bundle, tmp_path, change, message):
    folder = copy_of(bundle, tmp_path)
    edit_json(folder / "preprocessor_config.json", **change)
    with pytest.raises(NotAModelError, match=message):
        load_model(folder, device="cpu")


def test_the_feature_extractor_comes_from_the_checked_preprocessor_config(bundle, tmp_path):
    """transformers' own loader prefers a processor_config.json, which nothing checked."""
    folder = copy_of(bundle, tmp_path)
    (folder / "processor_config.json").write_text(json.dumps({"feature_extractor": {"max_length": 10 ** 7}}))
    assert load_model(folder, device="cpu").feature_extractor.max_length == 256


def test_an_adapter_is_refused(bundle, tmp_path):
    folder = copy_of(bundle, tmp_path)
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "someone/else"}))
    with pytest.raises(UnsafeModelError, match="adapter"):
        check_model_folder(folder)


def test_a_truncated_weights_file_is_refused_before_loading(bundle, tmp_path):
    folder = copy_of(bundle, tmp_path)
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[:-100])
    with pytest.raises(NotAModelError, match="cut short"):
        check_model_folder(folder)


def test_every_weight_must_come_from_the_checkpoint_and_be_used(bundle, tmp_path):
    import torch

    lacking = copy_of(bundle, tmp_path, "lacking")
    rewrite_weights(lacking, lambda w: w.pop("audio_spectrogram_transformer.encoder.layer.1.output.dense.bias"))
    with pytest.raises(NotAModelError, match="describes weights its weights files do not hold"):
        load_model(lacking, device="cpu")
    extra = copy_of(bundle, tmp_path, "extra")
    rewrite_weights(extra, lambda w: w.update({"audio_spectrogram_transformer.encoder.layer.0.adapter.weight":
                                               torch.zeros(4)}))
    with pytest.raises(NotAModelError, match="hold parts its config.json does not describe"):
        load_model(extra, device="cpu")


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused(bundle, tmp_path, value):
    folder = copy_of(bundle, tmp_path)
    rewrite_weights(folder, lambda w: w["audio_spectrogram_transformer.encoder.layer.0.output.dense.weight"]
                    .__setitem__((0, 0), value))
    with pytest.raises(NotAModelError, match="NaN or infinite"):
        load_model(folder, device="cpu")


def overflowing(bundle, tmp_path):
    """Finite weights so large that the outputs overflow to NaN."""
    folder = copy_of(bundle, tmp_path, "overflowing")
    rewrite_weights(folder, lambda w: w["classifier.dense.weight"].fill_(3e38))
    return folder


def test_non_finite_outputs_are_an_error_for_that_recording_only(bundle, tmp_path, monkeypatch):
    from voice_desk.model.engine import Engine

    recordings = [Recording(speech_like(seed=i), 16_000, 16_000) for i in range(3)]
    engine = Engine(load_model(bundle, device="cpu"))
    forward = engine._forward

    def one_bad(batch):
        probs = forward(batch)
        probs[1] = np.nan
        return probs

    monkeypatch.setattr(engine, "_forward", one_bad)
    results = engine.predict(recordings, batch_size=3)
    assert isinstance(results[1], ModelOutputError) and "NaN" in str(results[1])
    assert [r.gives_verdict for r in (results[0], results[2])] == [True, True]
    with pytest.raises(ModelOutputError):
        Engine(load_model(overflowing(bundle, tmp_path), device="cpu")).explain(recordings[0])


def strict_json(line: str):
    def refuse(name):
        raise ValueError(f"bare {name} is not JSON")

    return json.loads(line, parse_constant=refuse)


def test_predict_json_stays_valid_when_a_model_gives_nan(bundle, tmp_path, wav_file, capsys):
    """It printed "pathology_probability": NaN (not JSON) with "gives_verdict": true, and exit 0."""
    from voice_desk.cli import main

    first, second = wav_file(speech_like(seed=1), "one.wav"), wav_file(speech_like(seed=2), "two.wav")
    code = main(["predict", str(first), str(second), "--json", "--model", str(overflowing(bundle, tmp_path))])
    records = [strict_json(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1 and len(records) == 2
    assert all(r["error_type"] == "ModelOutputError" for r in records)


def test_json_written_by_voice_desk_is_always_valid(tmp_path):
    from voice_desk.analysis.results_export import write_json
    from voice_desk.model.card import ModelCard
    from voice_desk.model.json_io import dumps

    assert strict_json(dumps({"p": float("nan"), "q": [float("inf"), 1.5]})) == {"p": None, "q": [None, 1.5]}
    strict_json(write_json({"models": [{"share": float("nan")}]}, tmp_path / "r.json").read_text())
    strict_json(ModelCard(metrics={"test": {"uar": float("nan")}}).to_json())


# --- a bad card never stops the app -------------------------------------------------------------

BAD_CARDS = {
    "mistyped score": {"metrics": {"test": {"uar": "0.9"}}},
    "score of a wrong type": {"metrics": {"test": {"auc": [1]}}},
    "test that is not an object": {"metrics": {"test": "good"}},
    "extra of a wrong type": {"extra": "x"},
    "labels that are not text": {"labels": [1, 2]},
}


@pytest.mark.parametrize("kind", [*BAD_CARDS, "deep nesting", "not an object", "not JSON", "huge"])
def test_a_bad_card_makes_only_its_bundle_unusable(bundle, tmp_path, kind):
    from voice_desk.model.catalog import describe_model_folder

    folder = copy_of(bundle, tmp_path)
    card = folder / CARD_FILE
    if kind in BAD_CARDS:
        edit_json(card, **BAD_CARDS[kind])
    else:
        card.write_text({"deep nesting": '{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}",
                         "not an object": "[]", "not JSON": "{'configuration': ",
                         "huge": json.dumps({"notes": "x" * 5_000_000})}[kind])
    with pytest.raises(NotAModelError, match=CARD_FILE):
        describe_model_folder(folder)
    with pytest.raises(NotAModelError, match=CARD_FILE):
        load_model(folder, device="cpu")


def test_a_card_with_a_score_not_measured_is_listed(bundle, tmp_path):
    from voice_desk.model.catalog import describe_model_folder

    folder = copy_of(bundle, tmp_path)
    edit_json(folder / CARD_FILE, metrics={"test": {"uar": None, "auc": 0.75}})
    assert describe_model_folder(folder).summary == ("ast_freeze, test UAR n/a, AUC 0.750, ⚠ the number of test "
                                                     "recordings was not recorded, so these figures cannot be judged")


def test_info_lists_a_damaged_bundle_with_its_reason(bundle, tmp_path, monkeypatch, capsys):
    from voice_desk.cli import main

    monkeypatch.setenv("VOICE_DESK_HOME", str(tmp_path / "home"))
    models = tmp_path / "home" / "models"
    shutil.copytree(bundle, models / "good")
    shutil.copytree(bundle, models / "mistyped")
    edit_json(models / "mistyped" / CARD_FILE, metrics={"test": {"uar": "0.9"}})
    shutil.copytree(bundle, models / "deep")
    (models / "deep" / CARD_FILE).write_text("[" * 100_000 + "]" * 100_000)
    shutil.copytree(bundle, models / "cut")
    (models / "cut" / "model.safetensors").write_bytes((bundle / "model.safetensors").read_bytes()[:5000])
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "cut: damaged: the weights file model.safetensors cannot be loaded" in out
    assert "good: ast_freeze; healthy/pathological" in out
    assert "mistyped: damaged: its model card voice_desk.json cannot be used: the test score 'uar'" in out
    assert "deep: damaged: " in out and "nested too deeply" in out


# --- messages ------------------------------------------------------------------------------------

def test_a_symlink_loop_as_model_is_a_clear_message(tmp_path):
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    with pytest.raises(ModelNotFoundError, match="symbolic link that leads nowhere"):
        load_model(str(loop), device="cpu")


def test_an_unreachable_hub_is_reported_at_once(tmp_path):
    """Without HF_HUB_OFFLINE, a hub that cannot be reached was retried for about 30 s, with a
    warning at every try, before the message."""
    with socket.socket() as s:  # a port nothing listens on: the connection is refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{port}", HF_HUB_CACHE=str(tmp_path / "hub"))
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "voice_desk", "info", "--model", "voice-desk-tests/absent"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2 and "cannot be reached" in result.stderr
    assert "Retrying" not in result.stderr
    assert time.monotonic() - start < 15  # imports included; it was 25-33 s


def test_library_warnings_stay_out_of_the_terminal():
    """torch's UserWarnings (CUDA notes, attention kernels, deprecations) reached the CLI's stderr."""
    code = ("import warnings; from voice_desk.model.quiet import quiet_libraries; quiet_libraries(); "
            "warnings.warn_explicit('CUDA initialization: no driver', UserWarning, 'a.py', 1, module='torch.cuda'); "
            "warnings.warn_explicit('deprecated', FutureWarning, 'b.py', 1, module='transformers.modeling_utils'); "
            "warnings.warn_explicit('ours', UserWarning, 'c.py', 1, module='voice_desk.model.engine')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "CUDA initialization" not in result.stderr and "deprecated" not in result.stderr
    assert "ours" in result.stderr  # Voice Desk's own warnings are not hidden


def test_loading_shows_no_library_warnings(bundle):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_model(bundle, device="cpu")
    assert [str(w.message) for w in caught if issubclass(w.category, (UserWarning, FutureWarning))] == []

