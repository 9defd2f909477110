"""What predict and explain return, and the .npz file an explanation is saved as."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice_desk.model.json_io import dumps


@dataclass
class Prediction:
    """One model's output for one recording.

    ``pathology_probability`` is None unless the model is a trained healthy/pathological
    model (``gives_verdict``): an AudioSet base or an untrained head never gives a verdict.
    ``withheld`` names the classes whose probability is never shown (a health-status class of
    a model that gives no verdict; every class of an untrained head), see
    :mod:`voice_desk.model.verdict`. ``probabilities`` keeps the raw softmax for computation;
    whatever is shown or saved goes through :meth:`top_classes` / :meth:`shown_probabilities`.
    """

    model: str
    labels: list[str]
    probabilities: np.ndarray
    gives_verdict: bool
    pathology_probability: float | None
    source: str = ""
    warnings: list[str] = field(default_factory=list)
    withheld: tuple[str, ...] = ()
    no_verdict_reason: str = ""
    threshold: float = 0.5
    band: tuple[float, float] | None = None

    @property
    def label(self) -> str | None:
        """For a verdict model 'pathological' at or above its threshold (its card's operating point),
        else 'healthy'; for others the most probable class that may be shown (None when every class
        is withheld)."""
        if self.gives_verdict and self.pathology_probability is not None:
            return "pathological" if self.pathology_probability >= self.threshold else "healthy"
        top = self.top_classes(1)
        return top[0][0] if top else None

    @property
    def borderline(self) -> bool:
        """P(pathological) lies in the model's borderline band around its threshold."""
        return (self.gives_verdict and self.pathology_probability is not None and self.band is not None
                and self.band[0] <= self.pathology_probability <= self.band[1])

    def shown_probabilities(self) -> np.ndarray:
        """``probabilities`` with every withheld class set to NaN."""
        shown = np.asarray(self.probabilities, dtype=np.float32).copy()
        for i, label in enumerate(self.labels):
            if label in self.withheld:
                shown[i] = np.nan
        return shown

    def top_classes(self, k: int = 5) -> list[tuple[str, float]]:
        """Up to ``k`` (label, probability) pairs, most probable first, withheld classes left out."""
        shown = self.shown_probabilities()
        order = [i for i in np.argsort(-np.nan_to_num(shown, nan=-1.0)) if not np.isnan(shown[i])]
        return [(self.labels[i], float(shown[i])) for i in order[:k]]

    def to_record(self) -> dict:
        record = {"file": self.source, "model": self.model,
                  "label": self.label if self.gives_verdict else None,
                  "gives_verdict": self.gives_verdict,
                  "pathology_probability": self.pathology_probability if self.gives_verdict else None,
                  "threshold": self.threshold if self.gives_verdict else None,
                  "borderline_band": list(self.band) if self.gives_verdict and self.band else None,
                  "borderline": self.borderline,
                  "top_classes": [{"label": l, "probability": p} for l, p in self.top_classes()],
                  "warnings": self.warnings}
        if not self.gives_verdict:
            record["no_verdict_reason"] = self.no_verdict_reason
            record["withheld_classes"] = list(self.withheld)
        return record


def _band(values) -> tuple[float, float] | None:
    lo, hi = (float(v) for v in values)
    return None if np.isnan(lo) or np.isnan(hi) else (lo, hi)


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
            probabilities=p.shown_probabilities(),
            labels=np.array(p.labels),
            pathology_probability=np.float32(p.pathology_probability if p.gives_verdict else np.nan),
            no_verdict_reason=np.array(p.no_verdict_reason),
            gives_verdict=np.bool_(p.gives_verdict),
            log_mel=self.log_mel.astype(np.float32),
            log_mel_power=self.log_mel_power.astype(np.float32),
            patch_relevance=self.patch_relevance.astype(np.float32),
            frame_relevance=self.frame_relevance.astype(np.float32),
            n_frames=np.int32(self.n_frames),
            frame_shift=np.float32(self.frame_shift),
            settings=np.array(dumps(self.settings)),
            warnings=np.array(dumps(p.warnings)),
            model=np.array(p.model),
            source=np.array(p.source),
            threshold=np.float32(p.threshold),
            borderline_band=np.array(p.band if p.band else (np.nan, np.nan), dtype=np.float32),
        )
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    @classmethod
    def load_npz(cls, path: str | Path) -> "Explanation":
        with np.load(path, allow_pickle=False) as z:
            prob = float(z["pathology_probability"])
            labels = [str(x) for x in z["labels"]]
            probabilities = z["probabilities"]
            verdict = bool(z["gives_verdict"])
            prediction = Prediction(model=str(z["model"]), labels=labels, probabilities=probabilities,
                                    gives_verdict=verdict,
                                    pathology_probability=None if (np.isnan(prob) or not verdict) else prob,
                                    source=str(z["source"]), warnings=json.loads(str(z["warnings"])),
                                    withheld=tuple(l for l, p in zip(labels, probabilities) if np.isnan(p)),
                                    no_verdict_reason=str(z["no_verdict_reason"]) if "no_verdict_reason" in z
                                    else "",
                                    threshold=float(z["threshold"]) if "threshold" in z else 0.5,
                                    band=_band(z["borderline_band"]) if "borderline_band" in z else None)
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


