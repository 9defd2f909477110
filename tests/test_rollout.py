"""Attention rollout: the math, the streamed hooks against a naive reference, the grid."""

import numpy as np
import pytest
import torch

from conftest import speech_like
from voice_desk.audio.load import recording_from_array
from voice_desk.model.bundle import load_model
from voice_desk.model.engine import Engine
from voice_desk.model.features import PatchGrid
from voice_desk.model.rollout import (Cancelled, RolloutRecorder, add_residual, discard_lowest, naive_rollout,
                                      pooled_relevance)


def random_attention(batch=1, heads=3, n=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(batch, heads, n, n, generator=g), dim=-1)


def test_residual_rows_sum_to_one():
    fused = torch.rand(2, 9, 9)  # deliberately not row-stochastic
    a = add_residual(fused)
    torch.testing.assert_close(a.sum(dim=-1), torch.ones(2, 9))
    assert a.shape == (2, 9, 9)


def test_discard_zeroes_lowest_but_spares_special_tokens():
    fused = random_attention(heads=1, n=10)[:, 0]
    out = discard_lowest(fused, 0.5)
    torch.testing.assert_close(out[:, :, :2], fused[:, :, :2])
    patch_part = out[:, :, 2:]
    assert int((patch_part == 0).sum()) == int(0.5 * 10 * 8)
    kept = fused[:, :, 2:][patch_part > 0]
    dropped = fused[:, :, 2:][patch_part == 0]
    assert kept.min() >= dropped.max()


def test_pooled_row_equals_full_product():
    attentions = [random_attention(seed=s) for s in range(4)]
    factors = [add_residual(a.mean(dim=1)) for a in attentions]
    product = factors[0]
    for f in factors[1:]:
        product = f @ product
    expected = product[:, :2].mean(dim=1)[:, 2:]
    torch.testing.assert_close(pooled_relevance(factors), expected)
    torch.testing.assert_close(naive_rollout(attentions), expected)


@pytest.fixture(scope="module")
def engine(tiny_bundle):
    return Engine(load_model(tiny_bundle, device="cpu"))


@pytest.fixture(scope="module")
def recording():
    return recording_from_array(speech_like(1.8), 16_000)


@pytest.mark.parametrize("fusion", ["mean", "max", "min"])
@pytest.mark.parametrize("discard", [0.0, 0.3])
def test_streamed_rollout_matches_naive_reference(engine, recording, fusion, discard):
    explanation = engine.explain(recording, head_fusion=fusion, discard_ratio=discard)
    loaded = engine.loaded
    with torch.no_grad(), loaded.attention("eager"):
        out = loaded.model(input_values=torch.from_numpy(explanation.log_mel[None]), output_attentions=True)
    reference = naive_rollout(out.attentions, fusion, discard)[0].numpy().reshape(engine.grid.shape)
    assert np.abs(reference - explanation.patch_relevance).max() <= 1e-6
    expected_probs = torch.softmax(out.logits, -1)[0].numpy()
    np.testing.assert_allclose(explanation.prediction.probabilities, expected_probs, atol=1e-5)


def test_explain_restores_sdpa_for_predictions(engine, recording):
    engine.explain(recording)
    assert engine.loaded.config._attn_implementation == "sdpa"


def test_recorder_works_on_hf_eager_attention_too(engine, recording):
    values = torch.from_numpy(engine.explain(recording).log_mel[None])
    with torch.no_grad(), engine.loaded.attention("eager"), RolloutRecorder(engine.loaded.model) as rec:
        engine.loaded.model(input_values=values)
    with torch.no_grad(), engine.loaded.attention("eager"):
        out = engine.loaded.model(input_values=values, output_attentions=True)
    torch.testing.assert_close(rec.relevance(), naive_rollout(out.attentions), atol=1e-6, rtol=0)


def test_recorder_refuses_sdpa(engine, recording):
    values = torch.from_numpy(engine.explain(recording).log_mel[None])
    with pytest.raises(RuntimeError, match="not sdpa"):
        with torch.no_grad(), RolloutRecorder(engine.loaded.model):
            engine.loaded.model(input_values=values)


def test_cancel_stops_the_forward_pass_and_reports_progress(engine, recording):
    seen = []
    with pytest.raises(Cancelled):
        engine.explain(recording, progress=seen.append, cancelled=lambda: len(seen) >= 1)
    assert seen == [0.5]  # two layers: stopped after the first
    assert engine.loaded.config._attn_implementation == "sdpa"
    seen.clear()
    engine.explain(recording, progress=seen.append)
    assert seen == [0.5, 1.0]


def test_unknown_head_fusion(engine, recording):
    with pytest.raises(ValueError, match="head fusion"):
        engine.explain(recording, head_fusion="median")


def test_full_size_grid_is_12_by_101_frequency_major():
    grid = PatchGrid(num_mel_bins=128, max_length=1024, patch_size=16, frequency_stride=10, time_stride=10)
    assert grid.shape == (12, 101)


def test_patches_project_onto_frames_by_averaging_overlaps():
    grid = PatchGrid(num_mel_bins=36, max_length=46, patch_size=16, frequency_stride=10, time_stride=10)
    assert grid.shape == (3, 4)
    patch_map = np.zeros(grid.shape)
    patch_map[0, 0] = 1.0
    frames = grid.to_frames(patch_map)
    assert frames.shape == (46, 36)
    assert frames[0, 0] == 1.0  # only patch (0, 0) covers this cell
    assert frames[12, 12] == pytest.approx(1 / 4)  # covered by (0,0), (0,1), (1,0), (1,1)
    assert frames[12, 0] == pytest.approx(1 / 2)  # covered by (0,0) and time patch 1
    assert frames[30, 30] == 0.0
    uniform = grid.to_frames(np.ones(grid.shape))
    np.testing.assert_allclose(uniform, 1.0)  # edges beyond the last patch take their neighbour


def test_every_streamed_factor_is_row_stochastic(engine, recording):
    values = torch.from_numpy(engine.explain(recording).log_mel[None])
    from voice_desk.model.rollout import register_rollout_attention

    with torch.no_grad(), engine.loaded.attention(register_rollout_attention()), \
            RolloutRecorder(engine.loaded.model, discard_ratio=0.3) as rec:
        engine.loaded.model(input_values=values)
    assert len(rec.factors) == 2
    for factor in rec.factors:
        torch.testing.assert_close(factor.sum(dim=-1), torch.ones(factor.shape[:2]), atol=1e-6, rtol=0)
        assert (factor >= 0).all()
    # the pooled row of a product of row-stochastic matrices sums to one (special tokens included)
    batch, n, _ = rec.factors[0].shape
    row = torch.full((batch, 1, n), 0.0)
    row[:, 0, :2] = 0.5
    for factor in reversed(rec.factors):
        row = torch.bmm(row, factor)
    assert float(row.sum()) == pytest.approx(1.0, abs=1e-6)
    torch.testing.assert_close(row[:, 0, 2:], rec.relevance())


@pytest.mark.parametrize("fusion", ["mean", "max", "min"])
@pytest.mark.parametrize("masked", [False, True])
def test_head_fused_attention_equals_eager_arithmetic(fusion, masked):
    """The per-head kernel gives HF eager's output and fused weights, on a batch, with and without a mask."""
    from voice_desk.model.rollout import fuse_heads, fusing_heads, head_fused_attention

    g = torch.Generator().manual_seed(3)
    batch, heads, n, d = 2, 3, 9, 4
    query, key, value = (torch.randn(batch, heads, n, d, generator=g) for _ in range(3))
    mask = torch.randn(batch, 1, n, n, generator=g) if masked else None
    scores = query @ key.transpose(2, 3) * 0.5 + (mask if masked else 0)
    weights = torch.softmax(scores, dim=-1)
    expected_out = (weights @ value).transpose(1, 2)

    class Module:
        training = False

    with fusing_heads(fusion):
        out, fused = head_fused_attention(Module(), query, key, value, mask, scaling=0.5)
    torch.testing.assert_close(out, expected_out, atol=1e-6, rtol=0)
    torch.testing.assert_close(fused[:, 0], fuse_heads(weights, fusion), atol=1e-6, rtol=0)


@pytest.mark.parametrize("fusion, discard", [("mean", 0.0), ("max", 0.0), ("min", 0.0), ("mean", 0.3)])
def test_vector_pass_equals_the_formed_factors(fusion, discard):
    """rolled_out_relevance pulls the pooled row back through 0.5*A + 0.5*I without forming it."""
    from voice_desk.model.rollout import fuse_heads, rolled_out_relevance

    attentions = [random_attention(batch=2, n=8, seed=s) for s in range(4)]
    fused = [discard_lowest(fuse_heads(a, fusion), discard) for a in attentions]
    row_stochastic = fusion == "mean" and discard == 0
    torch.testing.assert_close(rolled_out_relevance(fused, row_stochastic), naive_rollout(attentions, fusion, discard),
                               atol=1e-7, rtol=0)
    torch.testing.assert_close(rolled_out_relevance(fused, False), pooled_relevance([add_residual(f) for f in fused]),
                               atol=1e-7, rtol=0)


def test_recorder_on_a_batch_matches_naive_reference(engine, recording):
    """The batched path (several clips in one forward pass) streams each clip's rollout."""
    from voice_desk.model.rollout import register_rollout_attention

    one = torch.from_numpy(engine.explain(recording).log_mel[None])
    values = torch.cat([one, one.flip(1)])
    with torch.no_grad(), engine.loaded.attention(register_rollout_attention()), \
            RolloutRecorder(engine.loaded.model) as rec:
        engine.loaded.model(input_values=values)
    with torch.no_grad(), engine.loaded.attention("eager"):
        out = engine.loaded.model(input_values=values, output_attentions=True)
    assert (rec.relevance() - naive_rollout(out.attentions)).abs().max() <= 1e-6


def test_without_the_in_place_softmax_the_numbers_are_the_same(engine, recording, monkeypatch):
    """The fast kernel's in-place softmax is a private torch op; without it every head allocates."""
    from voice_desk.model import rollout

    fast = engine.explain(recording).patch_relevance
    monkeypatch.setattr(rollout, "_SOFTMAX_INTO", None)
    np.testing.assert_array_equal(engine.explain(recording).patch_relevance, fast)
