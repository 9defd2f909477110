"""The device paths on a CUDA GPU: predict, explain, the rollout, embeddings and fine-tuning.

Marked ``cuda``: collected everywhere, skipped where torch sees no CUDA GPU (run them alone
with ``pytest -m cuda tests/test_cuda.py``; benchmarks/gpu_check.py does on a lent GPU machine).
Tolerances, each stated once here:

* fp32 on CUDA against the CPU, with TF32 off (exact fp32 arithmetic in another order):
  probabilities and pooled vectors ±1e-5, relevance ±1e-6 (relevance values are ~1e-3);
* fp32 on CUDA as torch sets it up by default (cuDNN may run the patch-embedding convolution
  in TF32, 10-bit mantissa): probabilities ±1e-3;
* autocast against fp32, on probabilities: bf16 ±1e-2, fp16 ±2e-3 (8- and 11-bit mantissas).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
import torch

from conftest import noise, speech_like, tone
from voice_desk.audio.load import recording_from_array

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]

CPU_TOL = {"probabilities": 1e-5, "relevance": 1e-6, "pooled": 1e-5}
DEFAULT_TF32_TOL = 1e-3
AUTOCAST_TOL = {"bf16": 1e-2, "fp16": 2e-3}


@contextmanager
def exact_fp32():
    """TF32 off for cuBLAS and cuDNN inside the block (torch's settings restored after)."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


@pytest.fixture(scope="module")
def engines(tiny_bundle):
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine

    return {device: Engine(load_model(tiny_bundle, device=device)) for device in ("cpu", "cuda")}


@pytest.fixture(scope="module")
def recordings():
    return [recording_from_array(s, 16_000) for s in (speech_like(1.8), tone(1.0), noise(2.0), speech_like(3.5, f0=200))]


def test_the_model_really_runs_on_the_gpu(engines):
    assert engines["cuda"].loaded.device == "cuda"
    assert next(engines["cuda"].loaded.model.parameters()).is_cuda


def test_predict_on_cuda_equals_cpu(engines, recordings):
    cpu = engines["cpu"].predict(recordings, batch_size=3)
    with exact_fp32():
        exact = engines["cuda"].predict(recordings, batch_size=3)
    default = engines["cuda"].predict(recordings, batch_size=3)
    for c, e, d in zip(cpu, exact, default):
        np.testing.assert_allclose(e.probabilities, c.probabilities, atol=CPU_TOL["probabilities"], rtol=0)
        np.testing.assert_allclose(d.probabilities, c.probabilities, atol=DEFAULT_TF32_TOL, rtol=0)
        assert e.warnings == c.warnings


@pytest.mark.parametrize("fusion, discard", [("mean", 0.0), ("max", 0.3), ("min", 0.0)])
def test_explain_on_cuda_equals_cpu(engines, recordings, fusion, discard):
    cpu = engines["cpu"].explain(recordings[0], head_fusion=fusion, discard_ratio=discard)
    with exact_fp32():
        gpu = engines["cuda"].explain(recordings[0], head_fusion=fusion, discard_ratio=discard)
    np.testing.assert_allclose(gpu.patch_relevance, cpu.patch_relevance, atol=CPU_TOL["relevance"], rtol=0)
    np.testing.assert_allclose(gpu.frame_relevance, cpu.frame_relevance, atol=CPU_TOL["relevance"], rtol=0)
    np.testing.assert_allclose(gpu.prediction.probabilities, cpu.prediction.probabilities,
                               atol=CPU_TOL["probabilities"], rtol=0)
    assert engines["cuda"].loaded.config._attn_implementation == "sdpa"


@pytest.mark.parametrize("fusion, discard", [("mean", 0.0), ("mean", 0.3), ("max", 0.0), ("min", 0.3)])
def test_rollout_on_cuda_equals_the_naive_reference(engines, recordings, fusion, discard):
    from voice_desk.model.rollout import naive_rollout

    engine = engines["cuda"]
    explanation = engine.explain(recordings[0], head_fusion=fusion, discard_ratio=discard)
    loaded = engine.loaded
    with torch.no_grad(), loaded.attention("eager"):
        out = loaded.model(input_values=torch.from_numpy(explanation.log_mel[None]).cuda(), output_attentions=True)
    assert out.attentions[0].is_cuda
    reference = naive_rollout(out.attentions, fusion, discard)[0].cpu().numpy().reshape(engine.grid.shape)
    np.testing.assert_allclose(explanation.patch_relevance, reference, atol=CPU_TOL["relevance"], rtol=0)
    np.testing.assert_allclose(explanation.prediction.probabilities,
                               torch.softmax(out.logits.float(), -1)[0].cpu().numpy(), atol=1e-5, rtol=0)


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_autocast_predictions_are_close_to_fp32(engines, recordings, precision):
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16")
    with exact_fp32():
        reference = engines["cuda"].predict(recordings, batch_size=4)
    with torch.autocast("cuda", dtype=dtype):
        mixed = engines["cuda"].predict(recordings, batch_size=4)
    for r, m in zip(reference, mixed):
        assert m.probabilities.dtype == np.float32 and np.isfinite(m.probabilities).all()
        np.testing.assert_allclose(m.probabilities, r.probabilities, atol=AUTOCAST_TOL[precision], rtol=0)


def test_embeddings_on_cuda_equal_cpu_and_share_the_cache_key(tmp_path, tiny_bundle, wav_file):
    """ast_freeze's cache is keyed by the backbone's weights: the same on every device."""
    from voice_desk.model.bundle import load_model
    from voice_desk.train.embedding_cache import backbone_fingerprint, embed_clips

    class Clip:
        def __init__(self, path):
            self.path = str(path)

    clips = [Clip(wav_file(speech_like(1.5, seed=i, f0=100 + 20 * i), f"c{i}.wav")) for i in range(5)]
    vectors, prints = {}, {}
    for device in ("cpu", "cuda"):
        loaded = load_model(tiny_bundle, device=device)
        with exact_fp32():
            vectors[device] = embed_clips(clips, loaded.model, loaded.feature_extractor, None, 2, device).vectors
        prints[device] = backbone_fingerprint(loaded.model, loaded.feature_extractor)
    np.testing.assert_allclose(vectors["cuda"], vectors["cpu"], atol=CPU_TOL["pooled"], rtol=0)
    assert prints["cuda"] == prints["cpu"]


def test_finetuning_trains_on_the_gpu_in_mixed_precision(tmp_path):
    """HF Trainer through Voice Desk's finetune(): bf16 (fp16 without it), sdpa, an eval per epoch."""
    import soundfile as sf

    from svd_tree import clip_for, shared_tiny_base
    from voice_desk.data.corpus import Clip
    from voice_desk.train.base_model import load_base
    from voice_desk.train.finetune import finetune, precision_flags
    from voice_desk.train.recipe import load_recipe

    flags = precision_flags("auto", "cuda")
    assert flags == ({"bf16": True, "fp16": False} if torch.cuda.is_bf16_supported() else {"bf16": False, "fp16": True})
    clips = []
    for i in range(12):
        label = "pathological" if i % 2 else "healthy"
        path = tmp_path / f"c{i}.wav"
        sf.write(path, clip_for(label, "male", seed=i, rate=16_000), 16_000)
        clips.append(Clip(str(path), label, f"s{i}", "male"))
    recipe = load_recipe("ast_finetuned", ["num_train_epochs=2", "gradient_accumulation_steps=1", "logging_steps=1",
                                           "per_device_train_batch_size=4"])
    model, extractor, _ = load_base(str(shared_tiny_base()))
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    events = []
    result = finetune(model, extractor, clips[:8], clips[8:], recipe, tmp_path / "work", "cuda", events.append)
    assert model.config._attn_implementation == "sdpa"
    assert [h["epoch"] for h in result.history] == [1, 2]
    assert all(np.isfinite(h["dev_loss"]) for h in result.history)
    assert any(e["event"] == "log" and np.isfinite(e["loss"]) for e in events)
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v.cpu(), before[k].cpu())]
    assert any(k.startswith("classifier") for k in changed) and any("layers.0" in k for k in changed)
