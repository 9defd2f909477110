"""ast_finetuned: the whole AST trained with HF ``Trainer`` and the recipe.

sdpa attention; bf16 (or fp16 where bf16 is unsupported) on CUDA; evaluation and a checkpoint
every epoch; the best checkpoint by dev UAR loaded at the end; early stopping; a re-run with
the same output folder resumes from the last complete checkpoint (one cut short by the
interruption is set aside) with the early-stopping count where it was. Under ``torchrun`` or
``accelerate launch`` Trainer runs data-parallel on every process; only the main process
writes the bundle.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from voice_desk.train.clip_inputs import input_values, load_samples
from voice_desk.train.metrics import roc_auc, uar


class ClipDataset:
    """Clips as ``{"input_values", "labels"}`` items, feature-extracted on the fly."""

    def __init__(self, clips, extractor):
        self.clips = list(clips)
        self.extractor = extractor

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, i):
        import torch

        clip = self.clips[i]
        values = input_values([load_samples(clip.path)], self.extractor)[0]
        return {"input_values": torch.from_numpy(values), "labels": int(clip.label_index)}


def compute_metrics(eval_pred) -> dict:
    logits, labels = eval_pred.predictions, eval_pred.label_ids
    logits = logits[0] if isinstance(logits, tuple) else logits
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    auc = roc_auc(labels, probs[:, 1])
    return {"uar": uar(labels, logits.argmax(axis=1)), "auc": 0.0 if auc != auc else auc}


def precision_flags(choice: str, device: str) -> dict:
    """bf16/fp16 for CUDA ('auto' picks bf16 where supported); none elsewhere."""
    import torch

    choice = (choice or "auto").lower()
    if choice in ("none", "no", "fp32") or device == "cpu" or not torch.cuda.is_available():
        return {"bf16": False, "fp16": False}
    if choice == "bf16" or (choice == "auto" and torch.cuda.is_bf16_supported()):
        return {"bf16": True, "fp16": False}
    return {"bf16": False, "fp16": True}


@dataclass
class FinetuneResult:
    history: list = field(default_factory=list)
    best_checkpoint: str | None = None
    resumed_from: str | None = None
    is_main_process: bool = True
    discarded: list = field(default_factory=list)   # checkpoints cut short by an interruption


def _complete(folder: Path) -> bool:
    """A checkpoint Trainer finished writing: trainer_state.json is written last."""
    try:
        json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any((folder / name).is_file() for name in ("model.safetensors", "pytorch_model.bin"))


def last_complete_checkpoint(work_dir: Path, is_main: bool = True) -> tuple[str | None, list[str]]:
    """(the newest complete ``checkpoint-N``, the newer incomplete ones, set aside by the main process)."""
    import re

    found = sorted(((int(m.group(1)), p) for p in work_dir.glob("checkpoint-*")
                    if p.is_dir() and (m := re.fullmatch(r"checkpoint-(\d+)", p.name))), reverse=True)
    discarded = []
    for _, folder in found:
        if _complete(folder):
            return str(folder), discarded
        discarded.append(folder.name)
        if is_main:
            shutil.rmtree(folder, ignore_errors=True)
    return None, discarded


def eval_history(log_history: list) -> list:
    """One entry per evaluation from Trainer's log (all of it, also from before a resume)."""
    out = []
    for entry in log_history:
        if "eval_uar" in entry:
            epoch = float(entry.get("epoch", 0))
            out.append({"event": "eval", "epoch": int(epoch) if epoch.is_integer() else round(epoch, 3),
                        "step": int(entry.get("step", 0)), "dev_uar": float(entry["eval_uar"]),
                        "dev_auc": float(entry.get("eval_auc", 0.0)),
                        "dev_loss": float(entry.get("eval_loss", float("nan")))})
    return out


def copy_checkpoint(model, folder) -> None:
    """Put the weights of the checkpoint in ``folder`` into ``model``, every one of them.

    transformers 5 writes checkpoints under the hub's weight names (``encoder.layer.N.attention…``)
    while the model in memory uses new ones (``layers.N.attention.q_proj…``); Trainer reloads a
    checkpoint with a plain ``load_state_dict(strict=False)``, which skips every renamed weight
    without a word (huggingface/transformers#48805): the "best" model kept the last epoch's encoder
    with the best epoch's head, and a resumed run the base model's encoder. ``from_pretrained``
    maps the names; its weights are then copied in strictly (a mismatch is an error, not a
    silence). Only safetensors files are read."""
    loaded = type(model).from_pretrained(str(folder), use_safetensors=True)
    model.load_state_dict(loaded.state_dict(), strict=True)


def _checkpoint_trainer(trainer_class):
    """``trainer_class`` whose two checkpoint reloads (resume, best model at the end) go through
    :func:`copy_checkpoint`."""

    class CheckpointTrainer(trainer_class):
        def _load_from_checkpoint(self, resume_from_checkpoint, model=None):
            super()._load_from_checkpoint(resume_from_checkpoint, model)
            copy_checkpoint(model if model is not None else self.model, resume_from_checkpoint)

        def _load_best_model(self):
            super()._load_best_model()
            copy_checkpoint(self.model, self.state.best_model_checkpoint)

    return CheckpointTrainer


def finetune(model, extractor, train_clips, dev_clips, recipe, work_dir: Path, device: str,
             report: Callable[[dict], None] | None = None) -> FinetuneResult:
    from transformers import EarlyStoppingCallback, Trainer, TrainerCallback, TrainingArguments

    report = report or (lambda event: None)
    result = FinetuneResult()

    class Progress(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            if not state.is_world_process_zero:
                return
            if "loss" in logs:
                report({"event": "log", "step": state.global_step, "epoch": float(state.epoch or 0),
                        "loss": float(logs["loss"]), "learning_rate": float(logs.get("learning_rate", 0.0)),
                        "total_steps": state.max_steps})
            if "eval_uar" in logs:
                epoch = float(state.epoch or 0)
                entry = {"event": "eval", "epoch": round(epoch) if args.eval_strategy == "epoch" else round(epoch, 3),
                         "step": state.global_step,
                         "dev_uar": float(logs["eval_uar"]), "dev_auc": float(logs.get("eval_auc", 0.0)),
                         "dev_loss": float(logs.get("eval_loss", float("nan"))),
                         "total_epochs": int(args.num_train_epochs)}
                report(entry)

        def on_step_end(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                report({"event": "progress", "stage": "fine-tuning", "done": state.global_step,
                        "total": state.max_steps})

    work_dir.mkdir(parents=True, exist_ok=True)
    args = TrainingArguments(
        output_dir=str(work_dir), learning_rate=float(recipe["learning_rate"]),
        per_device_train_batch_size=int(recipe["per_device_train_batch_size"]),
        per_device_eval_batch_size=int(recipe["per_device_eval_batch_size"]),
        gradient_accumulation_steps=int(recipe["gradient_accumulation_steps"]),
        num_train_epochs=float(recipe["num_train_epochs"]), max_steps=int(recipe.get("max_steps", -1)),
        warmup_steps=float(recipe["warmup_ratio"]), weight_decay=float(recipe.get("weight_decay", 0.0)),
        max_grad_norm=float(recipe.get("max_grad_norm", 1.0)),
        eval_strategy=recipe["eval_strategy"], save_strategy=recipe["save_strategy"],
        logging_strategy="steps", logging_steps=int(recipe["logging_steps"]),
        eval_steps=int(recipe["eval_steps"]) if recipe["eval_strategy"] == "steps" else None,
        save_steps=int(recipe["eval_steps"]) if recipe["save_strategy"] == "steps" else 500,
        load_best_model_at_end=True, metric_for_best_model=str(recipe["metric_for_best_model"]),
        greater_is_better=True, save_total_limit=int(recipe.get("save_total_limit", 2)),
        push_to_hub=bool(recipe["push_to_hub"]), remove_unused_columns=bool(recipe["remove_unused_columns"]),
        seed=int(recipe["seed"]), report_to="none", disable_tqdm=True,
        dataloader_num_workers=int(recipe.get("dataloader_num_workers", 0)), use_cpu=(device == "cpu"),
        **precision_flags(str(recipe.get("mixed_precision", "auto")), device))
    stopper = EarlyStoppingCallback(int(recipe["early_stopping_patience"]), float(recipe["early_stopping_threshold"]))
    trainer = _checkpoint_trainer(Trainer)(
        model=model, args=args, train_dataset=ClipDataset(train_clips, extractor),
        eval_dataset=ClipDataset(dev_clips, extractor), compute_metrics=compute_metrics, callbacks=[Progress(), stopper])
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # it prints log dicts to stdout: progress goes through report
    last, result.discarded = last_complete_checkpoint(work_dir, trainer.is_world_process_zero())
    if result.discarded:
        report({"event": "stage", "stage": "warning",
                "message": f"Set aside {', '.join(result.discarded)}: the interrupted run had not finished writing it"})
    if last:
        result.resumed_from = last
        state = json.loads((Path(last) / "trainer_state.json").read_text(encoding="utf-8"))
        stored = state.get("stateful_callbacks", {}).get("EarlyStoppingCallback", {})
        stored = stored[-1] if isinstance(stored, list) and stored else stored
        # Trainer does not restore this count by default: without it an interruption would
        # restart the patience (the recipe's patience and threshold stay in force).
        stopper.early_stopping_patience_counter = int(
            (stored or {}).get("attributes", {}).get("early_stopping_patience_counter", 0))
        report({"event": "stage", "stage": "resume",
                "message": f"Resuming from {Path(last).name} (epoch {state.get('epoch', 0):.0f})"})
    trainer.train(resume_from_checkpoint=last)
    result.history = eval_history(trainer.state.log_history)
    result.best_checkpoint = trainer.state.best_model_checkpoint
    result.is_main_process = trainer.is_world_process_zero()
    return result
