"""Gradient-weighted rollout (Chefer et al. 2021): the hooked, streamed computation against a naive
reference on the full matrices, the target class, and the errors a user can meet."""

import numpy as np
import pytest
import torch

from voice_desk.errors import VoiceDeskError
from voice_desk.model.gradient_rollout import fuse_gradient, naive_gradient_rollout, pooled_gradient_relevance
from voice_desk.model.rollout import Cancelled

from test_rollout import engine, recording  # noqa: F401  (the tiny engine and clip fixtures)


def reference(engine, explanation, index):
    loaded = engine.loaded
    with loaded.attention("eager"):
        values = torch.from_numpy(explanation.log_mel[None]).requires_grad_(True)
        out = loaded.model(input_values=values, output_attentions=True)
        for a in out.attentions:
            a.retain_grad()
        out.logits[0, index].backward()
    return naive_gradient_rollout([a.detach() for a in out.attentions],
                                  [a.grad for a in out.attentions])[0].numpy().reshape(engine.grid.shape)


def test_pooled_row_equals_the_full_product():
    g = torch.Generator().manual_seed(0)
    attentions = [torch.softmax(torch.randn(1, 3, 7, 7, generator=g), -1) for _ in range(3)]
    gradients = [torch.randn(1, 3, 7, 7, generator=g) for _ in range(3)]
    fused = [fuse_gradient(a, gr) for a, gr in zip(attentions, gradients)]
    assert all((f >= 0).all() for f in fused)
    torch.testing.assert_close(pooled_gradient_relevance(fused), naive_gradient_rollout(attentions, gradients))


@pytest.mark.parametrize("target", [None, "healthy", "pathological", "1"])
def test_engine_matches_naive_reference(engine, recording, target):
    explanation = engine.explain(recording, method="gradient-rollout", target_class=target)
    index = explanation.settings["target_index"]
    assert explanation.settings["method"] == "gradient-rollout"
    assert explanation.settings["target_class"] == engine.loaded.labels[index]
    if target is None:
        assert index == engine.predicted_index(explanation.prediction)
    assert np.abs(reference(engine, explanation, index) - explanation.patch_relevance).max() <= 1e-6
    plain = engine.predict([recording])[0]
    np.testing.assert_allclose(explanation.prediction.probabilities, plain.probabilities, atol=1e-5)
    assert explanation.frame_relevance.shape == (explanation.n_frames, 128)


def test_the_map_depends_on_the_class_and_rollout_does_not(engine, recording):
    healthy = engine.explain(recording, method="gradient-rollout", target_class="healthy")
    patho = engine.explain(recording, method="gradient-rollout", target_class="pathological")
    assert np.abs(healthy.patch_relevance - patho.patch_relevance).max() > 1e-4
    a = engine.explain(recording, target_class="healthy")
    b = engine.explain(recording, target_class="pathological")
    np.testing.assert_array_equal(a.patch_relevance, b.patch_relevance)
    assert a.settings["method"] == "rollout" and a.settings["target_class"] is None


def test_unknown_class_and_method_are_plain_errors(engine, recording):
    with pytest.raises(VoiceDeskError, match="no such class") as info:
        engine.explain(recording, method="gradient-rollout", target_class="laryngitis")
    assert "healthy, pathological" in info.value.hint
    with pytest.raises(VoiceDeskError, match="does not exist"):
        engine.explain(recording, method="saliency")


def test_cancel_and_progress(engine, recording):
    seen = []
    engine.explain(recording, method="gradient-rollout", progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) == 4   # 2 layers, both ways
    with pytest.raises(Cancelled):
        engine.explain(recording, method="gradient-rollout", cancelled=lambda: True)
    # a cancelled run leaves the model usable and on sdpa
    assert engine.loaded.config._attn_implementation == "sdpa"
    assert engine.explain(recording, method="gradient-rollout").patch_relevance.shape == engine.grid.shape


def test_study_representation_comes_from_the_same_pass(engine, recording):
    explanation, pooled = engine.explain_with_representation(recording, method="gradient-rollout")
    assert pooled.shape == (engine.loaded.config.hidden_size,)
    _, pooled_rollout = engine.explain_with_representation(recording)
    np.testing.assert_allclose(pooled, pooled_rollout, atol=1e-5)
