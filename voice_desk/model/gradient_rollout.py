"""Class-specific, gradient-weighted attention rollout for the AST (Chefer, Gur & Wolf 2021).

Chefer, Gur and Wolf, "Generic Attention-model Explainability for Interpreting Bi-Modal and
Encoder-Decoder Transformers", ICCV 2021, rule for self-attention: with ``A_l`` the attention
probabilities of layer l (heads x n x n) and ``∇A_l`` the gradient of the target class's logit
with respect to them,

    Ā_l = mean over heads of (∇A_l ⊙ A_l)⁺        R ← R + Ā_l · R   (R starts as the identity)

and a patch's relevance is the pooled row of R (the mean of the CLS and distillation rows, the
tokens the AST's head reads) at that patch's column. Unlike the study's rollout, the map depends on
the class asked about: the gradient says which attention pushed *that* logit up.

The weights come from HF's ``eager`` attention through forward hooks on each attention module
(the only built-in attention that returns them). Only the input needs a gradient: the backward
pass computes gradients for activations, never for the model's parameters, so it costs about one
more forward pass. Each layer's gradient is fused over heads as soon as the backward pass hands it
over (a tensor hook), so only the fused n x n matrices are kept.
"""

from __future__ import annotations

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


class GradientRecorder:
    """Hooks every attention module of an AST run with ``eager`` attention; after the forward
    pass, :meth:`backward` takes the gradient of one class's logit and collects Ā per layer.

    ``progress(fraction)`` runs after each layer, forward (first half) and backward (second half);
    ``cancelled()`` returning True stops the pass with :class:`Cancelled`.
    """

    def __init__(self, model, progress: Callable[[float], None] | None = None,
                 cancelled: Callable[[], bool] | None = None):
        self.layers = [layer.attention for layer in _encoder_layers(model)]
        self.progress = progress
        self.cancelled = cancelled
        self.fused: dict[int, torch.Tensor] = {}
        self._weights: list[torch.Tensor] = []
        self._handles = []

    def _step(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done / (2 * len(self.layers)))
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()

    def _forward_hook(self, module, inputs, output):
        weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
        if not isinstance(weights, torch.Tensor) or weights.dim() != 4:
            raise RuntimeError("attention weights are not available: run the model with 'eager' attention")
        if not weights.requires_grad:
            raise RuntimeError("the attention weights carry no gradient: run with torch.enable_grad() and an input "
                               "that requires grad")
        index = len(self._weights)
        self._weights.append(weights)
        weights.register_hook(lambda grad, index=index: self._on_gradient(index, grad))
        self._step(len(self._weights))

    def _on_gradient(self, index: int, grad: torch.Tensor) -> None:
        self.fused[index] = fuse_gradient(self._weights[index].detach().float(), grad.float())
        self._weights[index] = None  # the weights may be freed once the backward pass is below this layer
        self._step(len(self.layers) + len(self.fused))

    def __enter__(self) -> "GradientRecorder":
        self.fused, self._weights = {}, []
        self._handles = [layer.register_forward_hook(self._forward_hook) for layer in self.layers]
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._weights = []

    def backward(self, target: torch.Tensor, source: torch.Tensor) -> None:
        """Back-propagate ``target`` (a scalar: the chosen logit) to ``source`` (the input)."""
        torch.autograd.grad(target, source)
        if len(self.fused) != len(self.layers):
            raise RuntimeError(f"gradients reached {len(self.fused)} of {len(self.layers)} layers")

    def relevance(self) -> torch.Tensor:
        return pooled_gradient_relevance([self.fused[i] for i in range(len(self.layers))])


def gradient_rollout(model, values: torch.Tensor, target: int | Callable[[torch.Tensor], int],
                     progress: Callable[[float], None] | None = None,
                     cancelled: Callable[[], bool] | None = None) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(logits (classes,), patch relevance (patches,), target index) for one input (1, frames, mel).

    ``target`` is a class index, or a function of the logits that picks one (e.g. the predicted
    class). The model must be set to ``eager`` attention by the caller.
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
