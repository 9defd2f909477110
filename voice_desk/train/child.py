"""What the training wizard's child process runs: plain ``run(..., state)`` functions called by
name through :class:`voice_desk.tasks.child.ChildProcess`.

``train`` runs the very code of ``voice-desk train``; ``probe`` finds the device and measures
how fast the base model runs here, for the wizard's time estimate. Both import torch, which is
why they run in the child: the window's process never does.
"""

from __future__ import annotations

import time

from voice_desk.errors import VoiceDeskError
from voice_desk.tasks.state import TaskState


def train(argv: list[str], *, state: TaskState) -> str:
    """``voice-desk train ARGV``: each progress event (a dict, see
    :mod:`voice_desk.train.progress`) becomes a partial result. Returns the bundle folder."""
    import argparse

    from voice_desk.train import command

    parser = argparse.ArgumentParser(prog="voice-desk train")
    command.add_arguments(parser)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:   # argparse's way of saying so; the words went to stderr
        raise VoiceDeskError(f"the training arguments were not understood: {' '.join(argv)}") from exc
    return str(command.train(args, state.set_partial_result, cancelled=state.is_cancelled))


def probe(base_model: str, device: str | None, clip: str, clips: list[str], fine_tune: bool,
          cache_embeddings: bool, *, state: TaskState) -> dict:
    """The device training would use and the base model's speed on one ``clip`` there.

    The device comes first, as a partial result ``{"device": …}``, so the page can show it even
    when the model cannot be loaded. Returns ``device``, ``forward_s`` (seconds per clip through
    the model), ``train_step_s`` (a forward and backward pass, only for ``fine_tune``) and
    ``cached_clips`` (how many of ``clips`` the embedding cache already holds for this base)."""
    import torch

    from voice_desk.model.device import pick_device
    from voice_desk.model.quiet import quiet_libraries
    from voice_desk.train.base_model import load_base
    from voice_desk.train.clip_inputs import input_values, load_samples

    device = pick_device(None if device in (None, "", "auto") else device)
    state.set_partial_result({"device": device})
    state.check()
    quiet_libraries()
    model, extractor, _ = load_base(base_model)
    model.to(device)
    state.check()

    def timed(step) -> float:
        t0 = time.perf_counter()
        step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    x = torch.from_numpy(input_values([load_samples(clip)], extractor)).to(device)
    with torch.inference_mode():
        timed(lambda: model(input_values=x))      # the first pass warms caches and kernels
        state.check()
        forward = timed(lambda: model(input_values=x))
    state.check()
    cached = 0
    if not fine_tune and cache_embeddings:
        from voice_desk.train.clip_inputs import file_sha256
        from voice_desk.train.embedding_cache import EmbeddingCache

        cache = EmbeddingCache(model, extractor, base_model)

        def is_cached(path) -> bool:
            try:
                return cache.path_for(file_sha256(path)).is_file()
            except VoiceDeskError:   # gone or unreadable: training will say so
                return False
        cached = sum(1 for path in clips if is_cached(path))
    train_step = None
    if fine_tune:
        model.train()
        labels = torch.tensor([0], device=device)
        train_step = timed(lambda: model(input_values=x, labels=labels).loss.backward())
    return {"device": device, "forward_s": forward, "train_step_s": train_step, "cached_clips": cached}
