"""One training run from data to a saved bundle; the CLI and the wizard both call this.

data -> speaker-disjoint split -> base model -> ast_freeze (cached embeddings + head) or
ast_finetuned (HF Trainer) -> test-set evaluation -> bundle (weights, card with metrics,
split.csv/split.json, history.json) under the models folder or ``out``.

One run at a time per output folder: a run holds a lock on ``.<name>.lock`` beside it for as long
as it runs (:func:`out_folder_lock`; the system drops it when the process ends, however it ends,
so it is never stale), and a folder already holding a model is refused unless ``overwrite``. The
bundle is written into a staging folder beside ``out`` and moved into place by renames at the end
(:func:`publish`), so ``out`` never holds half a model. Everything in it is the user's alone
(0700 / 0600): its split lists patients' recordings, speakers, labels and genders.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from voice_desk.errors import VoiceDeskError
from voice_desk.paths import open_private, private_dir
from voice_desk.train.prepare import Prepared, TrainingError, prepare_data  # noqa: F401 (re-exported)
from voice_desk.train.progress import Report, silent

HISTORY_FILE = "history.json"
CHECKPOINTS = "checkpoints"


def default_out(recipe) -> Path:
    from voice_desk.paths import models_dir

    name = recipe.get("name") or f"{recipe.configuration}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    return models_dir() / name


def is_main_process() -> bool:
    """False on the other processes of a torchrun / accelerate launch job."""
    return os.environ.get("RANK", "0") == "0"


def leave_process_group() -> None:
    """Under torchrun / accelerate launch: wait until the main process has written the bundle, then
    close the process group. A process that exits with the group open can abort ("terminate called
    without an active exception"), and torchrun then fails the whole job (benchmarks/gpu_check.py)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def _check_out(out: Path, overwrite: bool) -> None:
    from voice_desk.model.card import CARD_FILE

    if (out / CARD_FILE).is_file() and not overwrite:
        raise TrainingError("this folder already holds a trained model.", path=out,
                            hint="Choose another output folder, or pass --overwrite to replace it.")
    if out.is_file():
        raise TrainingError("the output must be a folder, and this is a file.", path=out)
    if out.is_dir() and any(out.iterdir()) and not ((out / CARD_FILE).is_file() or (out / CHECKPOINTS).is_dir()):
        raise TrainingError("this folder already holds other files; Voice Desk writes a model into a new or empty "
                            "folder.", path=out, hint="Choose a new folder name, e.g. runs/ast_freeze-1.")


def _try_lock(fd: int) -> bool:
    """Lock an open file without waiting; the system releases it when the process ends."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


@contextlib.contextmanager
def out_folder_lock(out: Path):
    """Hold ``out`` for this run, or raise a TrainingError if another run holds it."""
    private_dir(out.parent, fix_existing=False)
    lock = out.parent / f".{out.name}.lock"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise TrainingError(f"another training run{f' (process {holder})' if holder.isdigit() else ''} is "
                                "writing a model into this folder.", path=out,
                                hint="Wait until it has finished, or choose another output folder (--out).")
        try:   # the run that held it may have removed the file meanwhile: lock the one at this name
            if os.path.samestat(os.fstat(fd), os.stat(lock)):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        for kind in ("saving", "replaced"):   # left by a run that died: ours to clear now
            for leftover in out.parent.glob(f".{out.name}.{kind}-*"):
                shutil.rmtree(leftover, ignore_errors=True)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def publish(staging: Path, out: Path, keep_checkpoints: bool = False) -> None:
    """Move the finished bundle in ``staging`` to ``out`` by renames: ``out`` holds either what it
    held before or the whole new bundle, never part of one. The new bundle is made 0700/0600."""
    for path in [staging, *staging.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
    if keep_checkpoints and (out / CHECKPOINTS).is_dir():
        os.replace(out / CHECKPOINTS, staging / CHECKPOINTS)
    old = None
    if out.exists() or out.is_symlink():
        old = out.with_name(f".{out.name}.replaced-{os.getpid()}")
        os.replace(out, old)
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() and not old.is_symlink() else old.unlink()


def _work_split(out: Path, split_file, restart: bool, report: Report):
    """The split of an interrupted run in ``out`` that left checkpoints (so the resumed run
    trains on the same parts); ``restart`` discards that run."""
    from voice_desk.data.split import SPLIT_CSV

    work = out / CHECKPOINTS
    if restart and is_main_process():
        shutil.rmtree(work, ignore_errors=True)
    resumable = work.is_dir() and any(p.is_dir() for p in work.glob("checkpoint-*"))
    if split_file is None and not restart and resumable and (work / SPLIT_CSV).is_file():
        report({"event": "stage", "stage": "resume",
                "message": "Using the split of the interrupted run in this folder"})
        return work / SPLIT_CSV
    return split_file


def predict_model(model, extractor, clips, batch_size: int, device: str) -> np.ndarray:
    """P(pathological) for clips with the full model (sdpa)."""
    import torch

    from voice_desk.train.clip_inputs import input_values, load_samples

    model.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(clips), batch_size):
            values = input_values([load_samples(c.path) for c in clips[i:i + batch_size]], extractor)
            logits = model(input_values=torch.from_numpy(values).to(device)).logits.float()
            out.append(torch.softmax(logits, dim=-1)[:, 1].cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0)


def run_training(recipe, data: str, out: str | Path | None = None, split_file: str | Path | None = None,
                 report: Report = silent, cancelled: Callable[[], bool] | None = None,
                 overwrite: bool = False, restart: bool = False) -> Path:
    """Train and save a bundle into ``out``. A run interrupted in ``out`` resumes (same split,
    the last checkpoint) unless ``restart``; ``overwrite`` replaces a finished model there.
    Another run writing into ``out`` at the same time is refused."""
    out = Path(out).expanduser() if out else default_out(recipe)
    if not is_main_process():   # the other processes of a torchrun job share the main one's folder
        return _train(recipe, data, out, split_file, report, cancelled, overwrite, restart)
    with out_folder_lock(out):
        return _train(recipe, data, out, split_file, report, cancelled, overwrite, restart)


def _train(recipe, data: str, out: Path, split_file, report: Report, cancelled, overwrite: bool,
           restart: bool) -> Path:
    import torch

    from voice_desk.data.corpus import Excluded
    from voice_desk.model.bundle import save_bundle
    from voice_desk.model.card import ModelCard
    from voice_desk.model.device import pick_device
    from voice_desk.train.base_model import load_base
    from voice_desk.train.metrics import evaluate_scores, operating_point
    from voice_desk.train.prepare import check_parts, check_trainable

    _check_out(out, overwrite)
    split_file = _work_split(out, split_file, restart or overwrite, report)
    prepared = prepare_data(recipe, data, split_file, report)
    corpus, split = prepared.corpus, prepared.split
    for part, counts in split.counts(corpus).items():
        report({"event": "split", "part": part, "counts": counts})
    for note in split.notes:
        report({"event": "stage", "stage": "warning", "message": note})
    parts = check_trainable(prepared)
    if is_main_process():
        split.save(out / CHECKPOINTS, corpus)
    device = pick_device(None if recipe.get("device") in (None, "", "auto") else str(recipe["device"]))
    report({"event": "stage", "stage": "model", "message": f"Loading base model {recipe['base_model']} on {device}"})
    torch.manual_seed(int(recipe["seed"]))
    model, extractor, base_name = load_base(str(recipe["base_model"]))
    model.to(device)
    history: list = []
    extra: dict = {}
    if recipe.configuration == "ast_freeze":
        from voice_desk.train.embedding_cache import EmbeddingCache, embed_clips
        from voice_desk.train.head import HeadSettings, predict_probabilities, train_head

        for p in model.audio_spectrogram_transformer.parameters():
            p.requires_grad_(False)
        cache = EmbeddingCache(model, extractor, base_name) if recipe.get("cache_embeddings", True) else None
        all_clips = parts["train"] + parts["dev"] + parts["test"]
        report({"event": "stage", "stage": "embedding",
                "message": f"Embedding {len(all_clips)} clips with the frozen backbone (cached: reused by later runs)"})
        embedded = embed_clips(all_clips, model, extractor, cache, int(recipe.get("embed_batch_size", 8)), device,
                               progress=lambda d, t: report({"event": "progress", "stage": "embedding",
                                                             "done": d, "total": t}),
                               cancelled=cancelled)
        for clip, reason in embedded.failed:
            corpus.excluded.append(Excluded(clip.path, f"unusable audio: {reason}"))
            report({"event": "excluded", "item": clip.path, "reason": reason})
        vec = {c.path: v for c, v in zip(embedded.kept, embedded.vectors)}
        parts = check_parts({p: [c for c in parts[p] if c.path in vec] for p in parts}, split.fractions)
        xs, ys = {}, {}
        for p in parts:
            xs[p] = torch.from_numpy(np.stack([vec[c.path] for c in parts[p]])) if parts[p] else \
                torch.zeros((0, model.config.hidden_size))
            ys[p] = np.array([c.label_index for c in parts[p]], dtype=int)
        report({"event": "stage", "stage": "training",
                "message": f"Training the head on cached vectors ({embedded.reused} reused, {embedded.computed} new)"})
        head = model.classifier.to("cpu")
        settings = HeadSettings.from_recipe(recipe)
        result = train_head(head, xs["train"], ys["train"], xs["dev"], ys["dev"], settings, report=report,
                            cancelled=cancelled)
        history = result.history
        extra = {"best_epoch": result.best_epoch, "best_dev_uar": result.best_dev_uar,
                 "stopped_early": result.stopped_early, "embedding_cache": str(cache.folder) if cache else None,
                 "embeddings_reused": embedded.reused, "embeddings_computed": embedded.computed}
        test_probs = predict_probabilities(head, xs["test"])
        dev_probs = predict_probabilities(head, xs["dev"])
        model.classifier = head  # the trained head on the unchanged backbone
    else:
        from voice_desk.train.finetune import finetune

        report({"event": "stage", "stage": "checking", "message": "Checking every recording can be read"})
        from voice_desk.train.clip_inputs import load_samples

        for p in parts:
            kept = []
            for clip in parts[p]:
                try:
                    load_samples(clip.path)
                    kept.append(clip)
                except VoiceDeskError as exc:
                    corpus.excluded.append(Excluded(clip.path, f"unusable audio: {exc.problem}"))
                    report({"event": "excluded", "item": clip.path, "reason": exc.problem})
            parts[p] = kept
        check_parts(parts, split.fractions)
        report({"event": "stage", "stage": "training", "message": f"Fine-tuning the whole model on {device}"})
        result = finetune(model, extractor, parts["train"], parts["dev"], recipe, out / CHECKPOINTS, device, report)
        history = result.history
        best = next((h for h in history if result.best_checkpoint
                     and result.best_checkpoint.endswith(f"checkpoint-{h['step']}")), None)
        extra = {"best_checkpoint": result.best_checkpoint, "resumed_from": result.resumed_from,
                 "discarded_checkpoints": result.discarded, "best_epoch": best and best["epoch"],
                 "best_dev_uar": best and best["dev_uar"]}
        if not result.is_main_process:
            leave_process_group()
            return out
        model.to(device)
        test_probs = predict_model(model, extractor, parts["test"], int(recipe["per_device_eval_batch_size"]), device)
        dev_probs = predict_model(model, extractor, parts["dev"], int(recipe["per_device_eval_batch_size"]), device)
    report({"event": "stage", "stage": "evaluating", "message": f"Evaluating on {len(parts['test'])} test clips"})
    y_test = [c.label_index for c in parts["test"]]
    test = evaluate_scores(y_test, test_probs, [c.gender for c in parts["test"]])
    best_dev = extra.get("best_dev_uar")
    training_data = corpus.summary()
    training_data["split"] = split.describe(corpus)
    training_data["excluded_examples"] = [{"item": e.item, "reason": e.reason} for e in corpus.excluded[:50]]
    card = ModelCard(configuration=recipe.configuration, base_checkpoint=str(base_name),
                     head_trained=True, training_data=training_data,
                     metrics={"test": test, "dev": {"best_uar": best_dev},
                              "operating_point": operating_point([c.label_index for c in parts["dev"]], dev_probs,
                                                                 y_test, test_probs)},
                     notes=(f"Trained with Voice Desk's {recipe.configuration} recipe on {corpus.name}. "
                            f"Labels from SVD session type; organic/functional groups from divr-diagnosis "
                            f"map {corpus.diagnosis_map}." if corpus.diagnosis_map else
                            f"Trained with Voice Desk's {recipe.configuration} recipe on {corpus.name}."),
                     extra={"recipe": recipe.to_dict(), "diagnosis_map": corpus.diagnosis_map, "training": extra,
                            "device": device, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    model.to("cpu")
    staging = out.with_name(f".{out.name}.saving-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    save_bundle(model, staging, card, extractor)
    split.save(staging, corpus)
    with open_private(staging / HISTORY_FILE, "w", encoding="utf-8") as f:
        f.write(json.dumps(history, indent=1) + "\n")
    publish(staging, out, keep_checkpoints=bool(recipe.get("keep_checkpoints", False)))
    report({"event": "done", "bundle": str(out), "metrics": {"test": test}, "history": history})
    leave_process_group()
    return out
