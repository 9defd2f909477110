"""Property-based fuzzing of what Voice Desk reads from a model folder before any model is built:
the model card (voice_desk.json), config.json and preprocessor_config.json, with random and
mutated JSON (wrong types, nesting, absurd sizes, raw bytes). Every input either loads or is
refused with a VoiceDeskError: never another exception, never a hang. Offline; ~10 s."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import save_tiny_bundle
from voice_desk.errors import VoiceDeskError
from voice_desk.model.card import CARD_FILE, ModelCard
from voice_desk.model.catalog import describe_model_folder
from voice_desk.model.checks import check_model_folder
from voice_desk.model.json_io import dumps

FUZZ = settings(max_examples=150, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(min_value=-(10 ** 12), max_value=10 ** 12)
           | st.sampled_from([0, 1, 2, -1, 10 ** 7, 2 ** 63, 10 ** 400])
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def deeply_nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def mutated(base: dict, keys: list[str]):
    """``base`` with some of ``keys`` (and a few new ones) set to random JSON, or removed."""
    def apply(changes, removed, extra):
        data = dict(base)
        data.update(changes)
        for key in removed:
            data.pop(key, None)
        data.update(extra)
        return data

    return st.builds(apply, st.dictionaries(st.sampled_from(keys), json_values, max_size=4),
                     st.lists(st.sampled_from(keys), max_size=2),
                     st.dictionaries(st.text(max_size=6), json_values, max_size=2))


def file_texts(structured):
    """JSON text from ``structured``, or raw oddities: invalid JSON, NaN, deep nesting, bytes."""
    return st.one_of(
        structured.map(lambda v: json.dumps(v)),
        st.sampled_from(["", "{", "null", "[]", '"text"', "NaN", '{"a": Infinity}', "1e999", deeply_nested(5000),
                         '{"a": ' + deeply_nested(40) + "}", "\ufeff{}", "{" * 100_000]),
        st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
    )


@pytest.fixture(scope="module")
def folder():
    """One tiny bundle; each example overwrites one of its JSON files (restored afterwards)."""
    root = Path(tempfile.mkdtemp(prefix="voice-desk-fuzz-"))
    bundle = save_tiny_bundle(root / "bundle")
    originals = {name: (bundle / name).read_text() for name in ("config.json", "preprocessor_config.json", CARD_FILE)}
    yield bundle, originals
    shutil.rmtree(root, ignore_errors=True)


def written(folder, name: str, text: str) -> Path:
    bundle, originals = folder
    for other, original in originals.items():
        (bundle / other).write_text(original, encoding="utf-8")
    (bundle / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    return bundle


CARD_KEYS = ["configuration", "labels", "base_checkpoint", "max_length", "head_trained", "training_data",
             "metrics", "created", "app_version", "notes", "extra"]
CARD = json.loads(ModelCard(configuration="ast_freeze", metrics={"test": {"uar": 0.8, "auc": 0.9}}).to_json())
METRICS = st.fixed_dictionaries({"test": st.dictionaries(st.sampled_from(["uar", "auc", "n"]), json_values,
                                                         max_size=3)}) | json_values


@FUZZ
@given(text=file_texts(mutated(CARD, CARD_KEYS) | st.builds(lambda m: {**CARD, "metrics": m}, METRICS)))
def test_model_card_reader(folder, text):
    bundle = written(folder, CARD_FILE, text)
    try:
        card = ModelCard.load(bundle)
    except VoiceDeskError:
        return
    json.loads(dumps({"summary": card.summary(), "card": json.loads(card.to_json())}))
    describe_model_folder(bundle)  # the model list reads it the same way


CONFIG_KEYS = ["model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
               "patch_size", "frequency_stride", "time_stride", "max_length", "num_mel_bins", "id2label",
               "label2id", "num_labels", "transformers_weights", "quantization_config", "qkv_bias"]
SIZES = st.sampled_from(["hidden_size", "num_hidden_layers", "max_length", "num_mel_bins", "patch_size",
                         "time_stride", "intermediate_size"])
ABSURD = st.sampled_from([0, -1, 3, 100_000, 10 ** 7, 10 ** 18, 1.5, "32", True, None, [32], {"v": 32}])


def check(bundle: Path) -> None:
    try:
        check_model_folder(bundle)
        describe_model_folder(bundle)
    except VoiceDeskError:
        pass


@FUZZ
@given(data=st.data())
def test_config_reader(folder, data):
    config = json.loads(folder[1]["config.json"])
    structured = mutated(config, CONFIG_KEYS) | st.builds(lambda k, v: {**config, k: v}, SIZES, ABSURD)
    check(written(folder, "config.json", data.draw(file_texts(structured))))


PRE_KEYS = ["sampling_rate", "num_mel_bins", "max_length", "feature_size", "mean", "std", "padding_value",
            "do_normalize", "return_attention_mask", "padding_side"]


@FUZZ
@given(data=st.data())
def test_preprocessor_config_reader(folder, data):
    pre = json.loads(folder[1]["preprocessor_config.json"])
    check(written(folder, "preprocessor_config.json", data.draw(file_texts(mutated(pre, PRE_KEYS)))))


@settings(max_examples=12, deadline=10_000, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_the_reader_accepts_loads(folder, data):
    """A config the reader accepts builds a model or is refused with a VoiceDeskError (transformers
    gets the config: odd values of the keys Voice Desk does not check must not crash either)."""
    from voice_desk.model.bundle import load_model

    config = json.loads(folder[1]["config.json"])
    keys = ["hidden_act", "layer_norm_eps", "hidden_dropout_prob", "initializer_range", "qkv_bias", "dtype",
            "architectures", "id2label"]
    text = json.dumps(data.draw(mutated(config, keys)))
    bundle = written(folder, "config.json", text)
    try:
        load_model(bundle, device="cpu")
    except VoiceDeskError:
        pass
