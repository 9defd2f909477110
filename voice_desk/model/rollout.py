"""Attention rollout (Abnar & Zuidema 2020) for the AST, streamed through forward hooks.

Per layer: fuse heads (mean, max or min), optionally zero the lowest ``discard_ratio`` of
entries (never attention to the special tokens), add the residual as 0.5*A + 0.5*I and
renormalise rows. The rollout is the product A_L ... A_1; the relevance of patch j is the
row of the pooled output (the mean of the CLS and distillation rows) at column j.

Instead of asking the model for every layer's attention (``output_attentions=True`` keeps
all of them, heads and all, until the forward ends), a hook on each attention module takes
the head-fused (tokens x tokens) matrix as soon as that layer has run. The pooled row is
then pulled back through the layers by vector-matrix products.

The attention itself runs as :func:`head_fused_attention`, registered with transformers
as the ``voice_desk_rollout`` implementation: eager attention's exact arithmetic, done in
blocks of query rows so each block's (heads x rows x tokens) weights are fused over heads
while still in cache. HF's eager attention instead writes and re-reads the full
(heads x tokens x tokens) tensor several times, which made explanations 1.7x slower than a
prediction; see BENCHMARKS.md.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Callable

import torch

from voice_desk.tasks.state import TaskCancelled

#: The AST prepends a CLS and a distillation token to the patch sequence.
SPECIAL_TOKENS = 2
HEAD_FUSIONS = ("mean", "max", "min")
#: Name under which :func:`head_fused_attention` is registered with transformers.
ROLLOUT_ATTENTION = "voice_desk_rollout"
#: Query rows per block: (12 heads x 64 rows x 1214 tokens) floats = 3.7 MB, cache-sized.
BLOCK_ROWS = 64

_head_fusion = contextvars.ContextVar("voice_desk_head_fusion", default="mean")


class Cancelled(TaskCancelled):
    """Raised inside a forward pass when the caller asked to stop."""


def fuse_heads(attention: torch.Tensor, mode: str = "mean") -> torch.Tensor:
    """(batch, heads, n, n) -> (batch, n, n)."""
    if mode == "mean":
        return attention.mean(dim=1)
    if mode == "max":
        return attention.amax(dim=1)
    if mode == "min":
        return attention.amin(dim=1)
    raise ValueError(f"head fusion must be one of {HEAD_FUSIONS}, not {mode!r}")


def head_fused_attention(module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                         attention_mask: torch.Tensor | None, scaling: float | None = None, dropout: float = 0.0,
                         **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention with HF's eager signature that returns weights fused over heads.

    Returns ``(output (batch, n, heads, head_dim), fused weights (batch, 1, n, n))``; the
    fusion (mean/max/min) is the one set by :func:`fusing_heads`. Inference only.
    """
    if dropout and module.training:
        raise RuntimeError("the rollout attention is for inference; train with sdpa")
    scaling = query.size(-1) ** -0.5 if scaling is None else scaling
    batch, heads, n, _ = query.shape
    fusion = _head_fusion.get()
    key_t = key.transpose(2, 3) * scaling
    output = torch.empty_like(query)
    fused = torch.empty(batch, 1, n, key.shape[2], dtype=torch.float32, device=query.device)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        scores = torch.matmul(query[:, :, start:stop], key_t)
        if attention_mask is not None:
            scores = scores + attention_mask[:, :, start:stop]
        weights = torch.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype)
        output[:, :, start:stop] = torch.matmul(weights, value)
        fused[:, 0, start:stop] = fuse_heads(weights, fusion)
    return output.transpose(1, 2).contiguous(), fused


@contextmanager
def fusing_heads(mode: str):
    """Set the head fusion :func:`head_fused_attention` applies in this thread."""
    token = _head_fusion.set(mode)
    try:
        yield
    finally:
        _head_fusion.reset(token)


def register_rollout_attention() -> str:
    """Make ``voice_desk_rollout`` a transformers attention implementation (idempotent)."""
    from transformers import AttentionInterface

    AttentionInterface.register(ROLLOUT_ATTENTION, head_fused_attention)
    return ROLLOUT_ATTENTION


def discard_lowest(fused: torch.Tensor, ratio: float, special: int = SPECIAL_TOKENS) -> torch.Tensor:
    """Zero the lowest ``ratio`` of each matrix's entries, sparing attention to special tokens."""
    if ratio <= 0:
        return fused
    if not 0 <= ratio < 1:
        raise ValueError("discard ratio must be in [0, 1)")
    batch, n, _ = fused.shape
    candidates = fused[:, :, special:].reshape(batch, -1)
    k = int(candidates.shape[1] * ratio)
    if k == 0:
        return fused
    lowest = candidates.topk(k, dim=1, largest=False).indices
    candidates = candidates.scatter(1, lowest, 0.0)
    out = fused.clone()
    out[:, :, special:] = candidates.view(batch, n, n - special)
    return out


def add_residual(fused: torch.Tensor) -> torch.Tensor:
    """0.5*A + 0.5*I, rows renormalised to sum to one."""
    n = fused.shape[-1]
    a = 0.5 * fused + 0.5 * torch.eye(n, dtype=fused.dtype, device=fused.device)
    return a / a.sum(dim=-1, keepdim=True)


def layer_matrix(attention: torch.Tensor, head_fusion: str = "mean", discard_ratio: float = 0.0) -> torch.Tensor:
    """One layer's rollout factor from its (batch, heads, n, n) attention."""
    return add_residual(discard_lowest(fuse_heads(attention.float(), head_fusion), discard_ratio))


def pooled_relevance(factors: list[torch.Tensor], special: int = SPECIAL_TOKENS) -> torch.Tensor:
    """Relevance of each patch token for the pooled output: (batch, n - special).

    ``factors`` are the per-layer matrices in forward order; the pooled row of
    A_L ... A_1 is computed right to left as a row vector, never forming the product.
    """
    batch, n, _ = factors[0].shape
    row = torch.zeros(batch, 1, n, dtype=factors[0].dtype, device=factors[0].device)
    row[:, 0, :special] = 1.0 / special
    for factor in reversed(factors):
        row = torch.bmm(row, factor)
    return row[:, 0, special:]


def naive_rollout(attentions, head_fusion: str = "mean", discard_ratio: float = 0.0,
                  special: int = SPECIAL_TOKENS) -> torch.Tensor:
    """Reference implementation: multiply the full matrices. For tests and benchmarks."""
    result = None
    for attention in attentions:
        a = layer_matrix(attention, head_fusion, discard_ratio)
        result = a if result is None else torch.bmm(a, result)
    pooled = result[:, :special, :].mean(dim=1)
    return pooled[:, special:]


class RolloutRecorder:
    """Context manager that hooks every attention module of an AST and collects the
    rollout factors as the forward pass runs. The model must run an attention that returns
    weights: ``voice_desk_rollout`` (fused over heads, fast) or HF's ``eager`` (all heads).

    ``progress(fraction)`` is called after each layer; ``cancelled()`` returning True
    stops the forward pass with :class:`Cancelled`.
    """

    def __init__(self, model, head_fusion: str = "mean", discard_ratio: float = 0.0,
                 progress: Callable[[float], None] | None = None, cancelled: Callable[[], bool] | None = None):
        if head_fusion not in HEAD_FUSIONS:
            raise ValueError(f"head fusion must be one of {HEAD_FUSIONS}, not {head_fusion!r}")
        self.layers = [layer.attention for layer in _encoder_layers(model)]
        self.head_fusion = head_fusion
        self.discard_ratio = discard_ratio
        self.progress = progress
        self.cancelled = cancelled
        self.factors: list[torch.Tensor] = []
        self._handles = []

    def _hook(self, module, inputs, output):
        weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
        if weights is None or (isinstance(weights, tuple) and not weights):
            raise RuntimeError("attention weights are not available: run the model with the "
                               f"'{ROLLOUT_ATTENTION}' or 'eager' attention, not sdpa")
        self.factors.append(layer_matrix(weights.detach(), self.head_fusion, self.discard_ratio))
        if self.progress is not None:
            self.progress(len(self.factors) / len(self.layers))
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()

    def __enter__(self) -> "RolloutRecorder":
        self.factors = []
        self._fusion_token = _head_fusion.set(self.head_fusion)
        self._handles = [layer.register_forward_hook(self._hook) for layer in self.layers]
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        _head_fusion.reset(self._fusion_token)

    def relevance(self) -> torch.Tensor:
        if len(self.factors) != len(self.layers):
            raise RuntimeError(f"collected {len(self.factors)} of {len(self.layers)} layers")
        return pooled_relevance(self.factors)


def _encoder_layers(model):
    base = getattr(model, "audio_spectrogram_transformer", model)
    return list(base.layers)
