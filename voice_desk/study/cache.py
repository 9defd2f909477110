"""The study's cache: every model run, alignment and figure computed once, kept on disk.

A model's run on a recording is stored under the model's *fingerprint* (its weights, config and
preprocessor config — so max_length — and the rollout settings) and the recording's SHA-256:

    ROOT/runs/<fingerprint[:24]>/<audio sha256>.npz          the explanation (README, 'Explain results')
    ROOT/runs/<fingerprint[:24]>/<audio sha256>.pooled.npy   the pooled representation of the same pass
    ROOT/runs/<fingerprint[:24]>/<audio sha256>.failed.json  why the model had no answer (NaN outputs)
    ROOT/audio/<sha256>.json                                 duration and warnings of a recording
    ROOT/tiers/<aligner>/<sha256>.json                       the built-in aligner's tiers
    ROOT/figures/<key>.png                                   report figures, by a hash of what they show
    ROOT/weights.json                                        weights hashes by file, size and time

A re-run, a second report or another study that shares a model and recordings reuses them. Each
file is written under a temporary name and renamed into place (the .npz last), so a run stopped
at any moment (Ctrl+C) leaves only whole entries behind; the next run resumes. What is kept derives
from patients' voices: folders 0700, files 0600. Torch-free.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_desk.paths import open_private, private_dir

CACHE_FORMAT = 1


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open_private(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass
class CachedRun:
    """One model's run on one recording, as kept: the explanation and the pooled representation."""

    explanation: object           # voice_desk.model.result.Explanation
    pooled: np.ndarray | None
    path: Path                    # the .npz


class StudyCache:
    def __init__(self, root: str | Path | None = None):
        if root is None:
            from voice_desk.paths import cache_dir

            root = cache_dir() / "study"
        self.root = private_dir(Path(root).expanduser())

    # ------------------------------------------------------------------ model runs
    def run_folder(self, fingerprint: str) -> Path:
        return private_dir(self.root / "runs" / fingerprint[:24])

    def run_path(self, fingerprint: str, audio_sha: str) -> Path:
        return self.root / "runs" / fingerprint[:24] / f"{audio_sha}.npz"

    def has_run(self, fingerprint: str, audio_sha: str) -> bool:
        path = self.run_path(fingerprint, audio_sha)
        return path.is_file() or path.with_suffix(".failed.json").is_file()

    def failure(self, fingerprint: str, audio_sha: str) -> str | None:
        record = _read_json(self.run_path(fingerprint, audio_sha).with_suffix(".failed.json"))
        return record.get("reason") if isinstance(record, dict) else None

    def get_run(self, fingerprint: str, audio_sha: str) -> CachedRun | None:
        from voice_desk.model.result import Explanation

        path = self.run_path(fingerprint, audio_sha)
        if not path.is_file():
            return None
        try:
            explanation = Explanation.load_npz(path)
        except (OSError, ValueError, KeyError):
            return None
        pooled_path = path.with_suffix(".pooled.npy")
        pooled = np.load(pooled_path, allow_pickle=False) if pooled_path.is_file() else None
        return CachedRun(explanation, pooled, path)

    @staticmethod
    def get_run_at(path: str | Path):
        """The explanation in a cached run's .npz."""
        from voice_desk.model.result import Explanation

        return Explanation.load_npz(path)

    def put_run(self, fingerprint: str, audio_sha: str, explanation, pooled: np.ndarray | None) -> Path:
        folder = self.run_folder(fingerprint)
        path = folder / f"{audio_sha}.npz"
        if pooled is not None:
            tmp = folder / f".{audio_sha}.{os.getpid()}.tmp.npy"
            with open_private(tmp, "wb") as f:
                np.save(f, np.asarray(pooled, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, path.with_suffix(".pooled.npy"))
        tmp = folder / f".{audio_sha}.{os.getpid()}.tmp.npz"
        with open_private(tmp, "wb"):
            pass                                  # created 0600; numpy writes into it
        explanation.save_npz(tmp)
        os.replace(tmp, path)
        return path

    def put_failure(self, fingerprint: str, audio_sha: str, reason: str) -> None:
        folder = self.run_folder(fingerprint)
        _atomic_bytes(folder / f"{audio_sha}.failed.json", json.dumps({"reason": reason}).encode())

    # ------------------------------------------------------------------ recordings and tiers
    def get_audio(self, audio_sha: str) -> dict | None:
        record = _read_json(self.root / "audio" / f"{audio_sha}.json")
        return record if isinstance(record, dict) else None

    def put_audio(self, audio_sha: str, record: dict) -> None:
        _atomic_bytes(private_dir(self.root / "audio") / f"{audio_sha}.json", json.dumps(record).encode())

    def get_tiers(self, aligner: str, audio_sha: str) -> dict | None:
        record = _read_json(self.root / "tiers" / aligner / f"{audio_sha}.json")
        return record if isinstance(record, dict) else None

    def put_tiers(self, aligner: str, audio_sha: str, record: dict) -> None:
        folder = private_dir(self.root / "tiers" / aligner)
        _atomic_bytes(folder / f"{audio_sha}.json", json.dumps(record, ensure_ascii=False).encode())

    # ------------------------------------------------------------------ figures
    def figure(self, key: str) -> bytes | None:
        path = self.root / "figures" / f"{key}.png"
        try:
            return path.read_bytes()
        except OSError:
            return None

    def put_figure(self, key: str, png: bytes) -> None:
        _atomic_bytes(private_dir(self.root / "figures") / f"{key}.png", png)

    # ------------------------------------------------------------------ weights
    def weights_sha256(self, folder: Path) -> str:
        """SHA-256 over a model folder's safetensors files (names and bytes), remembered by each
        file's path, size and modification time so a re-run does not read 350 MB again."""
        files = sorted(Path(folder).glob("*.safetensors"))
        stamps = []
        for f in files:
            st = f.stat()
            stamps.append([str(f.resolve()), st.st_size, st.st_mtime_ns])
        key = hashlib.sha256(json.dumps(stamps).encode()).hexdigest()
        memo_path = self.root / "weights.json"
        memo = _read_json(memo_path)
        memo = memo if isinstance(memo, dict) else {}
        if key in memo:
            return memo[key]
        h = hashlib.sha256()
        for f in files:
            h.update(f.name.encode())
            with open(f, "rb") as stream:
                for block in iter(lambda: stream.read(1 << 22), b""):
                    h.update(block)
        digest = h.hexdigest()
        memo = _read_json(memo_path)
        memo = memo if isinstance(memo, dict) else {}
        memo[key] = digest
        _atomic_bytes(memo_path, json.dumps(memo).encode())
        return digest


def file_sha256(path: str | Path) -> str:
    """Content hash of a recording (an AudioError for one that cannot be read)."""
    from voice_desk.train.clip_inputs import file_sha256 as sha

    return sha(path)
