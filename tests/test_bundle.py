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
    assert loaded.summary() == ("ast_finetuned, trained on SVD, test UAR 0.800, AUC 0.900, ⚠ the number of test "
                                "recordings was not recorded, so these figures cannot be judged")
    assert loaded.extra["future_field"] == 1


def test_damaged_weights_are_a_clear_error(tmp_path):
    folder = save_tiny_bundle(tmp_path / "damaged")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(NotAModelError) as err:
        load_model(folder, device="cpu")
    assert "cannot be loaded" in str(err.value) and "copy the whole folder again" in str(err.value)


def test_weights_that_do_not_fit_the_config(tmp_path):
    folder = save_tiny_bundle(tmp_path / "edited")
    config = json.loads((folder / "config.json").read_text())
    config["hidden_size"] = 48
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(NotAModelError, match="weights do not fit its config.json"):
        load_model(folder, device="cpu")


@pytest.mark.parametrize("field,value", [("head_trained", "no"), ("labels", "healthy"), ("max_length", True)])
def test_card_with_wrong_types_is_refused(tmp_path, field, value):
    folder = save_tiny_bundle(tmp_path / "card")
    card = json.loads((folder / CARD_FILE).read_text())
    card[field] = value
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(NotAModelError, match=f"'{field}' should be"):
        load_model(folder, device="cpu")


def test_hub_id_offline_names_the_cache_and_the_models_folder():
    from huggingface_hub import constants

    from voice_desk.paths import models_dir

    with pytest.raises(ModelNotFoundError) as err:
        load_model("voice-desk-tests/not-a-cached-model", device="cpu")
    message = str(err.value)
    assert constants.HF_HUB_CACHE in message and str(models_dir()) in message
    assert "HF_HUB_OFFLINE" in message  # the tests run offline: say that it blocks the download


def test_a_name_in_the_models_folder_is_found(tmp_path):
    from voice_desk.paths import models_dir

    save_tiny_bundle(models_dir() / "my-freeze-model")
    loaded = load_model("my-freeze-model", device="cpu")
    assert loaded.source == str((models_dir() / "my-freeze-model").resolve()) and loaded.gives_verdict
    with pytest.raises(ModelNotFoundError, match="no folder 'my-other-model' here or in Voice Desk's models"):
        load_model("my-other-model", device="cpu")


def test_non_pathology_labels_withhold_health_status_classes(tmp_path):
    folder = save_tiny_bundle(tmp_path / "nonhealthy", configuration=None, labels=("non-healthy", "pathological"))
    loaded = load_model(folder, device="cpu")
    assert not loaded.gives_verdict
    assert set(loaded.withheld_classes) == {"non-healthy", "pathological"}


def test_untrained_head_withholds_every_class(tmp_path):
    folder = save_tiny_bundle(tmp_path / "untrained", configuration=None, labels=("Speech", "Music"),
                              head_trained=False)
    loaded = load_model(folder, device="cpu")
    assert loaded.withheld_classes == ("Speech", "Music") and "never trained" in loaded.no_verdict_reason


def test_model_list_names_a_bundle_by_configuration_and_folder(tiny_bundle, tiny_audioset_model, tmp_path):
    from voice_desk.model.catalog import describe_model_folder

    assert describe_model_folder(tiny_bundle).name == "ast_freeze"            # folder named as its configuration
    renamed = save_tiny_bundle(tmp_path / "freeze-2026-11")
    entry = describe_model_folder(renamed)
    assert entry.name == "ast_freeze (freeze-2026-11)" and entry.expects_verdict
    assert describe_model_folder(tiny_audioset_model).name == "audioset"
    assert not describe_model_folder(tiny_audioset_model).expects_verdict


def test_a_cancelled_base_model_download_installs_nothing(tmp_path):
    from voice_desk.model.card import DEFAULT_BASE
    from voice_desk.model.model_process import install_in_own_process
    from voice_desk.tasks.state import TaskCancelled, TaskState

    with pytest.raises(TaskCancelled):
        install_in_own_process(DEFAULT_BASE, str(tmp_path / "models"), TaskState(cancelled=lambda: True))
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())
