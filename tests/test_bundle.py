"""Model bundles: loading, model cards, verdict rules and every bad-folder path."""

import json

import pytest

from conftest import save_tiny_bundle
from voice_desk.errors import ModelNotFoundError, NotAModelError, UnsafeModelError
from voice_desk.model.bundle import load_model
from voice_desk.model.card import CARD_FILE, ModelCard


def test_bundle_loads_with_card_and_gives_verdict(tiny_bundle):
    loaded = load_model(tiny_bundle, device="cpu")
    assert loaded.labels == ["healthy", "pathological"]
    assert loaded.card.configuration == "ast_freeze"
    assert loaded.max_length == 256 and loaded.device == "cpu"
    assert loaded.gives_verdict and loaded.head_loaded
    assert loaded.config._attn_implementation == "sdpa"
    card = json.loads((tiny_bundle / CARD_FILE).read_text())
    assert card["labels"] == ["healthy", "pathological"] and card["max_length"] == 256


def test_plain_hf_checkpoint_folder_loads(tmp_path, tiny_bundle):
    folder = save_tiny_bundle(tmp_path / "plain")
    (folder / CARD_FILE).unlink()
    loaded = load_model(folder, device="cpu")
    assert loaded.card is None and loaded.gives_verdict


def test_audioset_labels_never_give_a_verdict(tiny_audioset_model):
    loaded = load_model(tiny_audioset_model, device="cpu")
    assert not loaded.gives_verdict


def test_untrained_head_never_gives_a_verdict(tmp_path):
    folder = save_tiny_bundle(tmp_path / "untrained", head_trained=False)
    assert not load_model(folder, device="cpu").gives_verdict


def test_head_missing_from_checkpoint_is_detected(tmp_path):
    from safetensors.torch import load_file, save_file

    folder = save_tiny_bundle(tmp_path / "headless")
    weights = load_file(folder / "model.safetensors")
    save_file({k: v for k, v in weights.items() if not k.startswith("classifier")}, folder / "model.safetensors",
              metadata={"format": "pt"})
    loaded = load_model(folder, device="cpu")
    assert not loaded.head_loaded and not loaded.gives_verdict


def test_missing_folder(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        load_model(tmp_path / "nothing-here")


def test_folder_that_is_not_a_model(tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(NotAModelError, match="no config.json"):
        load_model(tmp_path / "photos")


def test_other_model_type(tmp_path):
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(NotAModelError, match="not an Audio Spectrogram Transformer"):
        load_model(folder)


def test_pickle_weights_are_refused(tmp_path):
    folder = save_tiny_bundle(tmp_path / "pickled")
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    with pytest.raises(UnsafeModelError, match="pickle"):
        load_model(folder)


def test_weights_missing(tmp_path):
    folder = save_tiny_bundle(tmp_path / "noweights")
    (folder / "model.safetensors").unlink()
    with pytest.raises(NotAModelError, match="no model weights"):
        load_model(folder)


def test_hub_id_offline_says_where_to_put_the_model():
    with pytest.raises(ModelNotFoundError) as err:
        load_model("voice-desk-tests/not-a-cached-model", device="cpu")
    assert "Models > Import" in str(err.value) and "--model FOLDER" in str(err.value)


def test_card_summary_and_unknown_fields_survive(tmp_path):
    card = ModelCard(configuration="ast_finetuned", training_data={"name": "SVD"},
                     metrics={"test": {"uar": 0.8, "auc": 0.9}})
    card.save(tmp_path)
    data = json.loads((tmp_path / CARD_FILE).read_text())
    data["future_field"] = 1
    (tmp_path / CARD_FILE).write_text(json.dumps(data))
    loaded = ModelCard.load(tmp_path)
    assert loaded.summary() == "ast_finetuned, trained on SVD, test UAR 0.800, AUC 0.900"
    assert loaded.extra["future_field"] == 1
