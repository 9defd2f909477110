"""Pooled AST representations of clips, computed once and kept on disk.

With dropout 0 the frozen backbone is deterministic, so a clip's pooled output (mean of the
[CLS] and distillation tokens, the input of the classifier head) never changes for a given
backbone and feature extractor. Vectors are stored as ``.npy`` files (no pickle) under
``cache_dir()/embeddings/<base>-L<max_length>-<fingerprint>/<audio sha256>.npy``, where the
fingerprint hashes the backbone's weights, the feature extractor settings and max_length:
any later run with the same backbone reuses them; a different backbone gets its own folder.
They derive from patients' voices: folders 0700, files 0600.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from voice_desk.errors import VoiceDeskError
from voice_desk.files import open_regular
from voice_desk.paths import open_private, private_dir
from voice_desk.tasks.state import TaskCancelled
from voice_desk.train.clip_inputs import file_sha256, input_values, load_samples


def backbone_fingerprint(model, extractor) -> str:
    import torch

    h = hashlib.sha256()
    state = model.audio_spectrogram_transformer.state_dict()
    for key in sorted(state):
        tensor = state[key].detach().to("cpu").contiguous()
        h.update(key.encode())
        h.update(str(tuple(tensor.shape)).encode())
        h.update(tensor.view(-1).view(torch.uint8).numpy().tobytes())
    h.update(extractor.to_json_string().encode())
    h.update(str(model.config.max_length).encode())
    return h.hexdigest()


class EmbeddingCache:
    def __init__(self, model, extractor, base_name: str, root: str | Path | None = None):
        from voice_desk.paths import cache_dir

        self.fingerprint = backbone_fingerprint(model, extractor)
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(base_name)).name or "model")[:60]
        root = Path(root) if root else cache_dir() / "embeddings"
        self.folder = private_dir(root / f"{slug}-L{model.config.max_length}-{self.fingerprint[:16]}")

    def path_for(self, audio_hash: str) -> Path:
        return self.folder / f"{audio_hash}.npy"

    def get(self, audio_hash: str) -> np.ndarray | None:
        path = self.path_for(audio_hash)
        if not path.is_file():
            return None
        try:
            with open_regular(path) as f:
                return np.load(f, allow_pickle=False)
        except (OSError, ValueError, VoiceDeskError):
            return None

    def put(self, audio_hash: str, vector: np.ndarray) -> None:
        path = self.path_for(audio_hash)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
        with open_private(tmp, "wb") as f:   # a patient's voice, as numbers: the user's alone
            np.save(f, np.asarray(vector, dtype=np.float32), allow_pickle=False)
        os.replace(tmp, path)


@dataclass
class Embedded:
    vectors: np.ndarray                     # (n, hidden)
    kept: list                              # clips with a vector, in order
    failed: list = field(default_factory=list)   # (clip, reason)
    computed: int = 0
    reused: int = 0


def pooled_outputs(model, values: np.ndarray, device: str = "cpu") -> np.ndarray:
    """The frozen backbone's pooled output for a batch of model inputs."""
    import torch

    with torch.inference_mode():
        x = torch.from_numpy(values).to(device)
        return model.audio_spectrogram_transformer(x).pooler_output.float().cpu().numpy()


def embed_clips(clips, model, extractor, cache: EmbeddingCache | None, batch_size: int = 8, device: str = "cpu",
                progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> Embedded:
    """Vectors for ``clips`` (objects with ``.path``), from the cache where present."""
    model.eval()
    n = len(clips)
    vectors: dict[int, np.ndarray] = {}
    failed, pending, computed, reused = [], [], 0, 0

    def flush():
        nonlocal computed
        if not pending:
            return
        values = input_values([s for _, _, s in pending], extractor)
        out = pooled_outputs(model, values, device)
        for (i, key, _), vec in zip(pending, out):
            vectors[i] = vec
            if cache is not None:
                cache.put(key, vec)
        computed += len(pending)
        pending.clear()

    for i, clip in enumerate(clips):
        if cancelled and cancelled():
            raise TaskCancelled()
        try:
            key = file_sha256(clip.path)
        except (OSError, VoiceDeskError) as exc:
            failed.append((clip, exc.problem if isinstance(exc, VoiceDeskError) else
                           f"cannot be read ({exc.strerror or exc})"))
            continue
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            vectors[i] = hit
            reused += 1
        else:
            try:
                pending.append((i, key, load_samples(clip.path)))
            except VoiceDeskError as exc:
                failed.append((clip, exc.problem))
                continue
            if len(pending) >= batch_size:
                flush()
        if progress:
            progress(i + 1 - len(pending), n)
    flush()
    if progress:
        progress(n, n)
    order = sorted(vectors)
    hidden = model.config.hidden_size
    array = np.stack([vectors[i] for i in order]) if order else np.zeros((0, hidden), np.float32)
    return Embedded(array.astype(np.float32), [clips[i] for i in order], failed, computed, reused)
