"""Cached embeddings give the same head as training through the frozen backbone."""

from __future__ import annotations

import copy

import numpy as np
import torch

from conftest import TINY_CONFIG, speech_like
from voice_desk.model.bundle import build_model
from voice_desk.train.clip_inputs import input_values
from voice_desk.train.embedding_cache import EmbeddingCache, pooled_outputs
from voice_desk.train.head import HeadSettings, train_head


def test_cached_vectors_train_the_same_head_as_the_frozen_backbone(tmp_path):
    from transformers import ASTFeatureExtractor

    torch.manual_seed(0)
    model = build_model(TINY_CONFIG).eval()
    extractor = ASTFeatureExtractor(max_length=TINY_CONFIG["max_length"])
    clips = [speech_like(1.0, f0=100 + 10 * i, seed=i) * (1 + (i % 2)) for i in range(12)]
    labels = np.array([i % 2 for i in range(12)])
    values = torch.from_numpy(input_values(clips, extractor))
    settings = HeadSettings(learning_rate=1e-2, train_batch_size=3, eval_batch_size=4, gradient_accumulation_steps=2,
                            epochs=4, warmup_ratio=0.1, patience=5, seed=7)

    # Cached: embed once (through the on-disk cache) and train on the vectors.
    cache = EmbeddingCache(model, extractor, "tiny", root=tmp_path)
    vectors = pooled_outputs(model, values.numpy())
    for i, v in enumerate(vectors):
        cache.put(f"clip{i}", v)
    cached = torch.from_numpy(np.stack([cache.get(f"clip{i}") for i in range(12)]))
    head_a = copy.deepcopy(model.classifier)
    result_a = train_head(head_a, cached[:9], labels[:9], cached[9:], labels[9:], settings)

    # The study's way: run the frozen backbone on every batch of every epoch.
    backbone = model.audio_spectrogram_transformer

    def encode(batch):
        with torch.no_grad():
            return backbone(batch).pooler_output

    head_b = copy.deepcopy(model.classifier)
    result_b = train_head(head_b, values[:9], labels[:9], values[9:], labels[9:], settings, encode=encode)

    before = model.classifier.dense.weight
    assert not torch.allclose(head_a.dense.weight, before)  # it trained
    for (name, a), (_, b) in zip(head_a.state_dict().items(), head_b.state_dict().items()):
        assert torch.allclose(a, b, atol=1e-5), name
    assert [h["dev_uar"] for h in result_a.history] == [h["dev_uar"] for h in result_b.history]
    assert result_a.steps == result_b.steps == 4 * 2  # ceil(ceil(9/3)/2) = 2 optimiser steps per epoch


def test_cache_key_follows_backbone_weights(tmp_path):
    from transformers import ASTFeatureExtractor

    extractor = ASTFeatureExtractor(max_length=TINY_CONFIG["max_length"])
    torch.manual_seed(0)
    a = build_model(TINY_CONFIG)
    torch.manual_seed(1)
    b = build_model(TINY_CONFIG)
    same = copy.deepcopy(a)
    same.classifier.dense.weight.data += 1  # the head is not part of the key
    fa, fb = EmbeddingCache(a, extractor, "m", tmp_path), EmbeddingCache(b, extractor, "m", tmp_path)
    assert fa.folder != fb.folder
    assert EmbeddingCache(same, extractor, "m", tmp_path).folder == fa.folder
    assert list(fa.folder.glob("*.npy")) == []
    fa.put("abc", np.ones(3))
    assert not list(fa.folder.glob("*.pkl")) and (fa.folder / "abc.npy").is_file()


def _vectors(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = (x[:, 0] > 0).long().numpy()
    return x, y


def _head():
    torch.manual_seed(3)
    return torch.nn.Sequential(torch.nn.LayerNorm(8), torch.nn.Linear(8, 2))


def test_an_accumulation_window_weighs_every_clip_alike_as_trainer_does():
    # 6 clips, batches of 4 accumulated over 2 (windows of 4 + 2 clips) must train exactly like one
    # batch of 8 (that holds the same 6 clips): Trainer divides a window's summed loss by its clips.
    x, y = _vectors(6)
    dev_x, dev_y = _vectors(4, seed=1)
    common = dict(learning_rate=0.05, epochs=3, warmup_ratio=0.0, patience=10, seed=11, max_grad_norm=0.0)
    a, b = _head(), _head()
    train_head(a, x, y, dev_x, dev_y, HeadSettings(train_batch_size=4, gradient_accumulation_steps=2, **common))
    train_head(b, x, y, dev_x, dev_y, HeadSettings(train_batch_size=8, gradient_accumulation_steps=1, **common))
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.allclose(pa, pb, atol=1e-6)


def test_loss_is_logged_every_logging_steps_and_progress_every_step():
    x, y = _vectors(40)
    dev_x, dev_y = _vectors(10, seed=1)
    events = []
    settings = HeadSettings(train_batch_size=4, gradient_accumulation_steps=1, epochs=3, logging_steps=4, seed=1)
    result = train_head(_head(), x, y, dev_x, dev_y, settings, report=events.append)
    logs = [e for e in events if e["event"] == "log"]
    assert result.steps == 30 and [e["step"] for e in logs] == [4, 8, 12, 16, 20, 24, 28]
    assert [e["done"] for e in events if e["event"] == "progress"] == list(range(1, 31))
    assert [e["epoch"] for e in events if e["event"] == "eval"] == [1, 2, 3]


def test_best_head_by_auc_when_the_recipe_asks():
    x, y = _vectors(24)
    dev_x, dev_y = _vectors(12, seed=2)
    result = train_head(_head(), x, y, dev_x, dev_y, HeadSettings(epochs=4, metric="auc", seed=1,
                                                                  gradient_accumulation_steps=1))
    aucs = [h["dev_auc"] for h in result.history]
    assert result.history[result.best_epoch - 1]["dev_auc"] == max(aucs)


def test_each_evaluation_carries_the_epochs_mean_training_loss():
    """A run with fewer steps than logging_steps logs no loss; the wizard draws these instead."""
    x, y = _vectors(12)
    events = []
    settings = HeadSettings(train_batch_size=4, gradient_accumulation_steps=1, epochs=2, logging_steps=50, seed=1)
    train_head(_head(), x, y, x[:4], y[:4], settings, report=events.append)
    evals = [e for e in events if e["event"] == "eval"]
    assert not [e for e in events if e["event"] == "log"] and len(evals) == 2
    assert all(0 < e["train_loss"] < 10 for e in evals) and evals[0]["train_loss"] != evals[1]["train_loss"]


def test_a_checkpoint_is_reloaded_whole_whatever_names_transformers_saved_it_under(tmp_path):
    """transformers 5 saves checkpoints under the hub's old weight names; a plain load_state_dict
    (what Trainer does) skips them silently. copy_checkpoint puts back every weight."""
    from conftest import TINY_CONFIG
    from safetensors.torch import load_file

    from voice_desk.model.bundle import build_model
    from voice_desk.train.finetune import copy_checkpoint

    torch.manual_seed(0)
    best = build_model(TINY_CONFIG, labels=("healthy", "pathological"))
    best.save_pretrained(tmp_path / "checkpoint-7")
    torch.manual_seed(1)
    last = build_model(TINY_CONFIG, labels=("healthy", "pathological"))
    skipped = last.load_state_dict(load_file(tmp_path / "checkpoint-7" / "model.safetensors"), strict=False)
    assert skipped.missing_keys        # the bug: Trainer's way leaves the encoder as it was
    copy_checkpoint(last, tmp_path / "checkpoint-7")
    for (name, a), (_, b) in zip(best.state_dict().items(), last.state_dict().items()):
        assert torch.equal(a, b), name
