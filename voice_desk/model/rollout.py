"""Attention rollout (Abnar & Zuidema 2020) for the AST, streamed through forward hooks.

Per layer: fuse heads (mean, max or min), optionally zero the lowest ``discard_ratio`` of
entries (never attention to the special tokens), add the residual as 0.5*A + 0.5*I and
renormalise rows. The rollout is the product A_L ... A_1; the relevance of patch j is the
row of the pooled output (the mean of the CLS and distillation rows) at column j.

Instead of asking the model for every layer's attention (``output_attentions=True`` keeps
all of them, heads and all, until the forward ends), a hook on each attention module takes
the head-fused (tokens x tokens) matrix A as soon as that layer has run and keeps it (5.9 MB
a layer at full size). After the forward pass the pooled row r is pulled back through the
layers as r <- 0.5 rA + 0.5 r: the factors 0.5*A + 0.5*I are never formed, and with mean
fusion and nothing discarded their rows already sum to one, so there is no renormalising
pass (max/min fusion and discarding divide r by the row sums first).

The attention itself runs as :func:`head_fused_attention`, registered with transformers
as the ``voice_desk_rollout`` implementation: eager attention's arithmetic, one head at a
time over all query rows, reusing one (tokens x tokens) buffer for scores and weights (the
softmax runs in place; the first head's weights are made in the fused matrix itself) and
adding each head into the fused matrix. An explanation needs these probabilities of every
layer once, so the floor is a prediction plus ~10 % (the scores are ~10 % of a layer's FLOPs).
Measured on one full-size layer (1214 tokens, 12 heads, 2 CPU threads, quiet minima):
sdpa ~35 ms, this kernel ~40-46 ms, the earlier kernel (blocks of 64 query rows, heads
fused in cache) 52-70 ms, HF eager ~125 ms. Whole-row matrix products per head run at
MKL's large-GEMM rate where the small batched ones of the blocks did not, the 5.9 MB buffer
stays in the L3 cache, and a layer is 48 parallel operations instead of ~95, which matters
most when other processes share the cores. See BENCHMARKS.md.
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

_head_fusion = contextvars.ContextVar("voice_desk_head_fusion", default="mean")
#: torch's softmax with an ``out=`` buffer (a private op, present in the pinned torch); without it
#: every head allocates its weights, which is slower but gives the same numbers.
_SOFTMAX_INTO = getattr(torch, "_softmax", None)


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

    One head of one clip at a time, all query rows at once: two plain matrix products and a
    softmax over a (tokens x tokens) matrix reused from head to head (5.9 MB at full size),
    folded into the fused matrix right after its head's output is taken.
    """
    if dropout and module.training:
        raise RuntimeError("the rollout attention is for inference; train with sdpa")
    scaling = query.size(-1) ** -0.5 if scaling is None else scaling
    batch, heads, n, _ = query.shape
    kn = key.shape[2]
    fusion = _head_fusion.get()
    query = query * scaling
    mask = None if attention_mask is None else attention_mask.expand(batch, heads, n, kn)
    output = torch.empty(batch, n, heads, value.shape[-1], dtype=query.dtype, device=query.device)
    fused = torch.empty(batch, 1, n, kn, dtype=torch.float32, device=query.device)
    # float32 on the CPU, no mask: scores and weights share one buffer (softmax's row kernel reads each
    # element before writing it), and the first head's weights are made in the fused matrix itself.
    in_place = (query.dtype == torch.float32 and mask is None and query.device.type == "cpu"
                and _SOFTMAX_INTO is not None)
    scores = torch.empty(n, kn, dtype=query.dtype, device=query.device) if in_place else None
    for b in range(batch):
        into = fused[b, 0]
        for h in range(heads):
            if in_place:
                buffer = into if h == 0 else scores
                torch.mm(query[b, h], key[b, h].T, out=buffer)
                weights = _SOFTMAX_INTO(buffer, -1, False, out=buffer)
            else:
                logits = torch.mm(query[b, h], key[b, h].T)
                weights = torch.softmax(logits if mask is None else logits + mask[b, h], -1, dtype=torch.float32)
            torch.mm(weights.to(query.dtype), value[b, h], out=output[b, :, h])
            if h == 0:
                if not in_place:
                    into.copy_(weights)
            elif fusion == "mean":
                into.add_(weights)
            elif fusion == "max":
                torch.maximum(into, weights, out=into)
            elif fusion == "min":
                torch.minimum(into, weights, out=into)
            else:
                raise ValueError(f"head fusion must be one of {HEAD_FUSIONS}, not {fusion!r}")
    if fusion == "mean":
        fused.div_(heads)
    return output, fused


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


def rolled_out_relevance(fused: list[torch.Tensor], row_stochastic: bool,
                         special: int = SPECIAL_TOKENS) -> torch.Tensor:
    """:func:`pooled_relevance` of the factors ``add_residual(A)`` of head-fused (batch, n, n)
    attentions ``A``, without forming them: the pooled row r is pulled back as
    r <- (r / d)(0.5 A + 0.5 I) with d the rows' sums of 0.5 A + 0.5 I, which are all 1 when
    the rows of A sum to 1 (``row_stochastic``: mean fusion, nothing discarded)."""
    batch, n, _ = fused[0].shape
    row = torch.zeros(batch, 1, n, dtype=fused[0].dtype, device=fused[0].device)
    row[:, 0, :special] = 1.0 / special
    for a in reversed(fused):
        if not row_stochastic:
            row = row / (0.5 * a.sum(dim=-1) + 0.5).unsqueeze(1)
        row = torch.baddbmm(row, row, a, beta=0.5, alpha=0.5)
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
        #: Per layer in forward order, the head-fused (batch, n, n) attention after discarding.
        self.fused: list[torch.Tensor] = []
        self._handles = []

    def _hook(self, module, inputs, output):
        weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
        if weights is None or (isinstance(weights, tuple) and not weights):
            raise RuntimeError("attention weights are not available: run the model with the "
                               f"'{ROLLOUT_ATTENTION}' or 'eager' attention, not sdpa")
        weights = weights.detach().float()
        # voice_desk_rollout already fused the heads (batch, 1, n, n): no copy; eager gives them all
        fused = weights[:, 0] if weights.shape[1] == 1 else fuse_heads(weights, self.head_fusion)
        self.fused.append(discard_lowest(fused, self.discard_ratio))
        if self.progress is not None:
            self.progress(len(self.fused) / len(self.layers))
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()

    def __enter__(self) -> "RolloutRecorder":
        self.fused = []
        self._fusion_token = _head_fusion.set(self.head_fusion)
        self._handles = [layer.register_forward_hook(self._hook) for layer in self.layers]
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        _head_fusion.reset(self._fusion_token)

    @property
    def factors(self) -> list[torch.Tensor]:
        """The rollout factors 0.5*A + 0.5*I, rows renormalised (formed on demand, for inspection)."""
        return [add_residual(a) for a in self.fused]

    def relevance(self) -> torch.Tensor:
        if len(self.fused) != len(self.layers):
            raise RuntimeError(f"collected {len(self.fused)} of {len(self.layers)} layers")
        row_stochastic = self.head_fusion == "mean" and self.discard_ratio <= 0
        return rolled_out_relevance(self.fused, row_stochastic)


def _encoder_layers(model):
    base = getattr(model, "audio_spectrogram_transformer", model)
    return list(base.layers)
