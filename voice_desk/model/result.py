"""What predict and explain return, and the .npz file an explanation is saved as."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Prediction:
    """One model's output for one recording.

    ``pathology_probability`` is None unless the model is a trained healthy/pathological
    model (``gives_verdict``): an AudioSet base or an untrained head never gives a verdict.
    """

    model: str
    labels: list[str]
    probabilities: np.ndarray
    gives_verdict: bool
    pathology_probability: float | None
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The most probable class (for a verdict model: 'healthy' or 'pathological')."""
        return self.labels[int(np.argmax(self.probabilities))]

    def top_classes(self, k: int = 5) -> list[tuple[str, float]]:
        order = np.argsort(-self.probabilities)[:k]
        return [(self.labels[i], float(self.probabilities[i])) for i in order]

    def to_record(self) -> dict:
        record = {"file": self.source, "model": self.model, "label": self.label,
                  "gives_verdict": self.gives_verdict,
                  "pathology_probability": self.pathology_probability,
                  "top_classes": [{"label": l, "probability": p} for l, p in self.top_classes()],
                  "warnings": self.warnings}
        if not self.gives_verdict:
            record["label"] = None
        return record


@dataclass
class Explanation:
    """A prediction with its attention-rollout relevance map.

    Arrays: ``log_mel`` is the normalised model input (max_length x mel bins, padding
    included); ``patch_relevance`` is the rollout on the patch grid (freq x time patches);
    ``frame_relevance`` is that map projected onto (frames x mel bins), cropped to the
    ``n_frames`` that hold audio; ``log_mel_power`` is the un-normalised log-mel power of
    those frames (for rendering brightness).
    """

    prediction: Prediction
    log_mel: np.ndarray
    log_mel_power: np.ndarray
    patch_relevance: np.ndarray
    frame_relevance: np.ndarray
    n_frames: int
    frame_shift: float
    settings: dict

    @property
    def duration(self) -> float:
        return self.n_frames * self.frame_shift

    def save_npz(self, path: str | Path) -> Path:
        """Write the documented .npz (see README, 'Explain results')."""
        p = self.prediction
        path = Path(path)
        np.savez_compressed(
            path,
            probabilities=p.probabilities.astype(np.float32),
            labels=np.array(p.labels),
            pathology_probability=np.float32(np.nan if p.pathology_probability is None else p.pathology_probability),
            gives_verdict=np.bool_(p.gives_verdict),
            log_mel=self.log_mel.astype(np.float32),
            log_mel_power=self.log_mel_power.astype(np.float32),
            patch_relevance=self.patch_relevance.astype(np.float32),
            frame_relevance=self.frame_relevance.astype(np.float32),
            n_frames=np.int32(self.n_frames),
            frame_shift=np.float32(self.frame_shift),
            settings=np.array(json.dumps(self.settings)),
            warnings=np.array(json.dumps(p.warnings)),
            model=np.array(p.model),
            source=np.array(p.source),
        )
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    @classmethod
    def load_npz(cls, path: str | Path) -> "Explanation":
        with np.load(path, allow_pickle=False) as z:
            prob = float(z["pathology_probability"])
            prediction = Prediction(model=str(z["model"]), labels=[str(x) for x in z["labels"]],
                                    probabilities=z["probabilities"], gives_verdict=bool(z["gives_verdict"]),
                                    pathology_probability=None if np.isnan(prob) else prob,
                                    source=str(z["source"]), warnings=json.loads(str(z["warnings"])))
            return cls(prediction=prediction, log_mel=z["log_mel"], log_mel_power=z["log_mel_power"],
                       patch_relevance=z["patch_relevance"], frame_relevance=z["frame_relevance"],
                       n_frames=int(z["n_frames"]), frame_shift=float(z["frame_shift"]),
                       settings=json.loads(str(z["settings"])))

    def to_record(self) -> dict:
        record = self.prediction.to_record()
        record["settings"] = self.settings
        record["patch_grid"] = list(self.patch_relevance.shape)
        record["n_frames"] = self.n_frames
        return record


