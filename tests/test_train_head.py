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
