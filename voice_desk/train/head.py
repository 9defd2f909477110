"""Training the classifier head (LayerNorm + Linear on the pooled output) for ast_freeze.

The loop follows HF Trainer's semantics for the recipe: AdamW, linear schedule with
``ceil(warmup_ratio * total_steps)`` warm-up steps, gradient accumulation (an optimiser step
every ``gradient_accumulation_steps`` batches and at the end of each epoch; the loss of an
accumulation window is its summed cross-entropy over the number of clips in the window, as
Trainer does for models that take ``num_items_in_batch``), gradient clipping, the training loss
averaged and reported every ``logging_steps`` optimiser steps, evaluation on dev every epoch,
the best head by dev UAR (or AUC: ``metric_for_best_model``) kept, early stopping after
``early_stopping_patience`` evaluations without an improvement above the threshold.

``encode`` makes the same loop run the frozen backbone on every batch (the study's way):
given the same seed it yields the same head as training on cached vectors.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from voice_desk.tasks.state import TaskCancelled
from voice_desk.train.metrics import roc_auc, uar


@dataclass
class HeadSettings:
    learning_rate: float = 1e-3
    train_batch_size: int = 8
    eval_batch_size: int = 8
    gradient_accumulation_steps: int = 4
    epochs: int = 10
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    patience: int = 5
    threshold: float = 0.0
    seed: int = 42
    logging_steps: int = 50
    metric: str = "uar"            # metric_for_best_model: "uar" or "auc" on dev

    @classmethod
    def from_recipe(cls, recipe) -> "HeadSettings":
        return cls(learning_rate=float(recipe["learning_rate"]),
                   train_batch_size=int(recipe["per_device_train_batch_size"]),
                   eval_batch_size=int(recipe["per_device_eval_batch_size"]),
                   gradient_accumulation_steps=int(recipe["gradient_accumulation_steps"]),
                   epochs=int(recipe["num_train_epochs"]), warmup_ratio=float(recipe["warmup_ratio"]),
                   weight_decay=float(recipe.get("weight_decay", 0.0)),
                   max_grad_norm=float(recipe.get("max_grad_norm", 1.0)),
                   patience=int(recipe["early_stopping_patience"]),
                   threshold=float(recipe["early_stopping_threshold"]), seed=int(recipe["seed"]),
                   logging_steps=int(recipe["logging_steps"]), metric=str(recipe.get("metric_for_best_model", "uar")))


@dataclass
class HeadResult:
    best_epoch: int
    best_dev_uar: float
    history: list = field(default_factory=list)
    stopped_early: bool = False
    steps: int = 0


def _forward(head, x, encode):
    return head(encode(x) if encode is not None else x)


def predict_probabilities(head, x, batch_size: int = 64, encode=None):
    """P(pathological) for rows of ``x`` (vectors, or model inputs when ``encode`` is given)."""
    import torch

    head.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            logits = _forward(head, x[i:i + batch_size], encode)
            out.append(torch.softmax(logits.float(), dim=-1)[:, 1])
    return torch.cat(out).numpy() if out else np.zeros(0)


def train_head(head, train_x, train_y, dev_x, dev_y, settings: HeadSettings, encode: Callable | None = None,
               report: Callable[[dict], None] | None = None, cancelled: Callable[[], bool] | None = None) -> HeadResult:
    """Train ``head`` in place (ends holding the best-dev-UAR weights).

    ``train_x``/``dev_x``: tensors of pooled vectors, or of model inputs with ``encode``
    (a function from a batch of model inputs to pooled vectors, e.g. the frozen backbone)."""
    import torch
    from transformers.optimization import get_linear_schedule_with_warmup

    report = report or (lambda event: None)
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    train_y = torch.as_tensor(train_y, dtype=torch.long)
    n = len(train_y)
    batches_per_epoch = math.ceil(n / settings.train_batch_size)
    steps_per_epoch = max(1, math.ceil(batches_per_epoch / settings.gradient_accumulation_steps))
    total_steps = steps_per_epoch * settings.epochs
    optimizer = torch.optim.AdamW(head.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(settings.warmup_ratio * total_steps),
                                                total_steps)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    ga = settings.gradient_accumulation_steps
    best_state, best_score, best_epoch, bad_evals = None, None, 0, 0
    result = HeadResult(best_epoch=0, best_dev_uar=float("nan"))
    step, logged_loss, logged_steps = 0, 0.0, 0
    for epoch in range(1, settings.epochs + 1):
        head.train()
        order = torch.randperm(n, generator=generator)
        optimizer.zero_grad()
        window_loss, epoch_loss, epoch_steps = 0.0, 0.0, 0
        for b in range(batches_per_epoch):
            if cancelled and cancelled():
                raise TaskCancelled()
            start = (b // ga) * ga * settings.train_batch_size  # first clip of this accumulation window
            window_items = min(ga * settings.train_batch_size, n - start)
            idx = order[b * settings.train_batch_size:(b + 1) * settings.train_batch_size]
            logits = _forward(head, train_x[idx], encode)
            loss = loss_fn(logits, train_y[idx]) / window_items
            loss.backward()
            window_loss += float(loss.detach())
            if (b + 1) % ga == 0 or b + 1 == batches_per_epoch:
                if settings.max_grad_norm > 0:
                    torch.nn.utils.clip_grad_norm_(head.parameters(), settings.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                step += 1
                logged_loss, logged_steps = logged_loss + window_loss, logged_steps + 1
                epoch_loss, epoch_steps, window_loss = epoch_loss + window_loss, epoch_steps + 1, 0.0
                report({"event": "progress", "stage": "training", "done": step, "total": total_steps})
                if step % settings.logging_steps == 0:
                    report({"event": "log", "step": step, "epoch": epoch - 1 + (b + 1) / batches_per_epoch,
                            "loss": logged_loss / logged_steps, "learning_rate": scheduler.get_last_lr()[0],
                            "total_steps": total_steps})
                    logged_loss, logged_steps = 0.0, 0
        probs = predict_probabilities(head, dev_x, settings.eval_batch_size, encode)
        dev_y_np = np.asarray(dev_y)
        dev_uar = uar(dev_y_np, (probs >= 0.5).astype(int))
        dev_loss = float(-np.mean(np.log(np.clip(np.where(dev_y_np == 1, probs, 1 - probs), 1e-12, None)))) \
            if len(dev_y_np) else float("nan")
        dev_auc = roc_auc(dev_y_np, probs) if len(dev_y_np) else float("nan")
        # the epoch's mean training loss rides along: a short run logs fewer steps than logging_steps
        entry = {"event": "eval", "epoch": epoch, "step": step, "dev_uar": dev_uar, "dev_loss": dev_loss,
                 "train_loss": epoch_loss / max(epoch_steps, 1),
                 "dev_auc": None if dev_auc != dev_auc else dev_auc, "total_epochs": settings.epochs}
        result.history.append(entry)
        report(entry)
        score = dev_auc if settings.metric == "auc" else dev_uar
        score = 0.0 if score != score else score  # an undefined metric (one class on dev) never improves
        if best_score is None or (score > best_score and abs(score - best_score) > settings.threshold):
            best_score, best_epoch, bad_evals = score, epoch, 0
            best_state = copy.deepcopy(head.state_dict())
            result.best_dev_uar = dev_uar
        else:
            bad_evals += 1
            if bad_evals >= settings.patience:
                result.stopped_early = True
                break
    if best_state is not None:
        head.load_state_dict(best_state)
    result.best_epoch, result.steps = best_epoch, step
    return result
