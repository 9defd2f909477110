"""Class-specific, gradient-weighted attention rollout for the AST (Chefer, Gur & Wolf 2021).

Chefer, Gur and Wolf, "Generic Attention-model Explainability for Interpreting Bi-Modal and
Encoder-Decoder Transformers", ICCV 2021, rule for self-attention: with ``A_l`` the attention
probabilities of layer l (heads x n x n) and ``∇A_l`` the gradient of the target class's logit
with respect to them,

    Ā_l = mean over heads of (∇A_l ⊙ A_l)⁺        R ← R + Ā_l · R   (R starts as the identity)

and a patch's relevance is the pooled row of R (the mean of the CLS and distillation rows, the
tokens the AST's head reads) at that patch's column. Unlike the study's rollout, the map depends on
the class asked about: the gradient says which attention pushed *that* logit up.

Nothing of size (heads x n x n) is kept between the forward and the backward pass. The forward
runs on ``sdpa`` (as a prediction does: its backward recomputes attention from Q, K, V), through
:func:`gradient_attention`, registered with transformers as ``voice_desk_gradient``, which keeps
each layer's Q, K and V (views, already kept by sdpa for its backward) and hooks the gradient G of
the attention output O = A·V. Since O is the only use of A, ∇A = G·Vᵀ; when the backward pass hands
G over, A is recomputed head by head from Q and K and folded into Ā at once, so only the fused
n x n matrices are kept. Only the input needs a gradient: the backward pass computes gradients for
activations, never for the model's parameters. Measured on the full-size architecture, this took
the method from 3.6 x a prediction and +1.8 GB (HF's eager attention, whose weights autograd keeps
for every layer) to the figures in BENCHMARKS.md.
"""

from __future__ import annotations

import contextvars
from typing import Callable

import torch

from voice_desk.model.rollout import SPECIAL_TOKENS, Cancelled, _encoder_layers


def fuse_gradient(attention: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
    """Ā = mean over heads of (∇A ⊙ A)⁺: (batch, heads, n, n) -> (batch, n, n)."""
    return (gradient * attention).clamp(min=0).mean(dim=1)


def pooled_gradient_relevance(fused: list[torch.Tensor], special: int = SPECIAL_TOKENS) -> torch.Tensor:
    """Patch relevance (batch, n - special) from the fused matrices in forward order.

    R = (I + Ā_L) … (I + Ā_1); its pooled row is taken right to left as a row vector, so the
    n x n product is never formed.
    """
    batch, n, _ = fused[0].shape
    row = torch.zeros(batch, 1, n, dtype=fused[0].dtype, device=fused[0].device)
    row[:, 0, :special] = 1.0 / special
    for a in reversed(fused):
        row = row + torch.bmm(row, a)
    return row[:, 0, special:]


def naive_gradient_rollout(attentions: list[torch.Tensor], gradients: list[torch.Tensor],
                           special: int = SPECIAL_TOKENS) -> torch.Tensor:
    """Reference implementation: the full matrices, R ← R + Ā R from the first layer. For tests."""
    batch, _, n, _ = attentions[0].shape
    r = torch.eye(n, dtype=torch.float32).expand(batch, n, n).clone()
    for a, g in zip(attentions, gradients):
        r = r + torch.bmm(fuse_gradient(a.float(), g.float()), r)
    return r[:, :special, :].mean(dim=1)[:, special:]


GRADIENT_ATTENTION = "voice_desk_gradient"
_recorder: contextvars.ContextVar = contextvars.ContextVar("voice_desk_gradient_recorder", default=None)


def gradient_attention(module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                       attention_mask: torch.Tensor | None, scaling: float | None = None, dropout: float = 0.0,
                       **kwargs) -> tuple[torch.Tensor, None]:
    """HF's sdpa attention, plus: the recorder of this thread (:class:`GradientRecorder`) keeps Q, K, V
    and hooks the gradient of the output."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    output, _ = sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                       **kwargs)
    recorder = _recorder.get()
    if recorder is not None:
        recorder.attach(output, query, key, value, attention_mask,
                        query.size(-1) ** -0.5 if scaling is None else scaling)
    return output, None


def register_gradient_attention() -> str:
    """Make ``voice_desk_gradient`` a transformers attention implementation (idempotent)."""
    from transformers import AttentionInterface

    AttentionInterface.register(GRADIENT_ATTENTION, gradient_attention)
    return GRADIENT_ATTENTION


def fused_from_output_gradient(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, grad: torch.Tensor,
                               attention_mask: torch.Tensor | None, scaling: float) -> torch.Tensor:
    """Ā = mean_h (∇A ⊙ A)⁺ of one layer, from Q, K, V (batch, heads, n, d) and the gradient of the
    attention output (batch, n, heads, d): A = softmax(QKᵀ·s) recomputed and ∇A = G·Vᵀ, one head at a
    time (three n x n buffers)."""
    batch, heads, n, _ = query.shape
    fused = torch.zeros(batch, n, key.shape[2], dtype=torch.float32, device=query.device)
    for b in range(batch):
        for h in range(heads):
            scores = torch.mm(query[b, h].float() * scaling, key[b, h].float().T)
            if attention_mask is not None:
                scores = scores + attention_mask[b if attention_mask.shape[0] > 1 else 0,
                                                 h if attention_mask.shape[1] > 1 else 0].float()
            weights = torch.softmax(scores, dim=-1)
            grad_weights = torch.mm(grad[b, :, h].float(), value[b, h].float().T)
            fused[b].add_(grad_weights.mul_(weights).clamp_(min=0))
    return fused.div_(heads)


class GradientRecorder:
    """Collects Ā per layer while a model runs with ``voice_desk_gradient`` attention and
    :meth:`backward` takes the gradient of one class's logit.

    ``progress(fraction)`` runs after each layer, forward (first half) and backward (second half);
    ``cancelled()`` returning True stops the pass with :class:`Cancelled`.
    """

    def __init__(self, model, progress: Callable[[float], None] | None = None,
                 cancelled: Callable[[], bool] | None = None):
        self.n_layers = len(_encoder_layers(model))
        self.progress = progress
        self.cancelled = cancelled
        self.fused: dict[int, torch.Tensor] = {}
        self._saved: list = []

    def _step(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done / (2 * self.n_layers))
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()

    def attach(self, output: torch.Tensor, query, key, value, attention_mask, scaling: float) -> None:
        if not output.requires_grad:
            raise RuntimeError("the attention output carries no gradient: run with torch.enable_grad() and an input "
                               "that requires grad")
        index = len(self._saved)
        self._saved.append((query.detach(), key.detach(), value.detach(),
                            None if attention_mask is None else attention_mask.detach(), scaling))
        output.register_hook(lambda grad, index=index: self._on_gradient(index, grad))
        self._step(len(self._saved))

    def _on_gradient(self, index: int, grad: torch.Tensor) -> None:
        query, key, value, mask, scaling = self._saved[index]
        with torch.no_grad():
            self.fused[index] = fused_from_output_gradient(query, key, value, grad.detach(), mask, scaling)
        self._saved[index] = None
        self._step(self.n_layers + len(self.fused))

    def __enter__(self) -> "GradientRecorder":
        self.fused, self._saved = {}, []
        self._token = _recorder.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _recorder.reset(self._token)
        self._saved = []

    def backward(self, target: torch.Tensor, source: torch.Tensor) -> None:
        """Back-propagate ``target`` (a scalar: the chosen logit) to ``source`` (the input)."""
        if len(self._saved) != self.n_layers:
            raise RuntimeError(f"attention of {len(self._saved)} of {self.n_layers} layers seen: run the model with "
                               f"'{GRADIENT_ATTENTION}' attention")
        torch.autograd.grad(target, source)
        if len(self.fused) != self.n_layers:
            raise RuntimeError(f"gradients reached {len(self.fused)} of {self.n_layers} layers")

    def relevance(self) -> torch.Tensor:
        return pooled_gradient_relevance([self.fused[i] for i in range(self.n_layers)])


def gradient_rollout(model, values: torch.Tensor, target: int | Callable[[torch.Tensor], int],
                     progress: Callable[[float], None] | None = None,
                     cancelled: Callable[[], bool] | None = None) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(logits (classes,), patch relevance (patches,), target index) for one input (1, frames, mel).

    ``target`` is a class index, or a function of the logits that picks one (e.g. the predicted
    class). The model must be set to ``voice_desk_gradient`` attention by the caller
    (:func:`register_gradient_attention` gives the name).
    """
    source = values.detach().clone().requires_grad_(True)
    with torch.enable_grad(), GradientRecorder(model, progress, cancelled) as recorder:
        logits = model(input_values=source).logits[0]
        index = target(logits.detach()) if callable(target) else int(target)
        if not 0 <= index < logits.shape[0]:
            raise ValueError(f"class {index} does not exist: the model has {logits.shape[0]} classes")
        recorder.backward(logits[index], source)
        relevance = recorder.relevance()[0]
    return logits.detach(), relevance.detach(), index
