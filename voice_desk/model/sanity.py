"""The model-randomisation sanity check (Adebayo et al. 2018, "Sanity Checks for Saliency Maps").

A map that explains a model must change when the model's learnt weights are destroyed. The
cascading test re-initialises the model from the top down — the classification head, then each
encoder layer from the last to the first, then the patch and position embeddings — and after each
stage computes the map again; its Spearman rank correlation with the trained model's map (over the
patches that hold audio) should fall towards zero. A method whose map barely moves is showing the
input (or the architecture), not what the model learnt.

Runs on a copy of the model, so the loaded model is never touched.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from voice_desk.model.faithfulness import patch_cells
from voice_desk.model.relevance_methods import ROLLOUT
from voice_desk.model.rollout import _encoder_layers


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation; NaN when either map is constant."""
    from scipy.stats import spearmanr

    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def stages(model) -> list[tuple[str, list]]:
    """(name, modules) from the top of the model down: head, encoder layers last to first, embeddings."""
    base = model.audio_spectrogram_transformer
    layers = _encoder_layers(model)
    out = [("head", [model.classifier, base.layernorm])]
    for i in range(len(layers) - 1, -1, -1):
        out.append((f"layer {i + 1}", [layers[i]]))
    out.append(("embeddings", [base.embeddings]))
    return out


def randomise(modules: list, generator, std: float) -> None:
    """Re-initialise every parameter of ``modules`` as a fresh AST would be: normal weights
    (truncated at 2 SD), zero biases, unit layer-norm scales, normal tokens and positions."""
    import torch

    with torch.no_grad():
        for module in modules:
            for sub in module.modules():
                norm = isinstance(sub, torch.nn.LayerNorm)
                for name, param in sub.named_parameters(recurse=False):
                    if name == "bias":
                        param.zero_()
                    elif norm:
                        param.fill_(1.0)
                    else:
                        fresh = torch.randn(param.shape, generator=generator, dtype=torch.float32) * std
                        param.copy_(fresh.clamp(-2 * std, 2 * std).to(param.dtype))


@dataclass
class SanityResult:
    """Rank correlation of each stage's map with the trained model's map: (recordings x stages)."""

    method: str
    stages: list[str]
    correlations: np.ndarray

    def mean(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.nanmean(self.correlations, axis=0)

    @property
    def final(self) -> float:
        """Mean rank correlation of the fully randomised model's maps with the trained model's."""
        return float(self.mean()[-1])

    def verdict(self) -> str:
        """Reading bands for :attr:`final` (interpretive, not a test: Adebayo et al. give none):
        below 0.5 the maps depend on what the model learnt; 0.5 to 0.8 they partly follow the
        recording itself; from 0.8 they barely depend on the weights."""
        final = self.final
        if not np.isfinite(final):
            return "not measured"
        if abs(final) < 0.5:
            return "depends on the learnt weights"
        if abs(final) < 0.8:
            return "partly follows the recording itself"
        return "barely depends on the learnt weights"

    def reading(self) -> str:
        return (f"With every weight randomised the maps keep a rank correlation of {self.final:.2f} with the trained "
                f"model's ({self.correlations.shape[0]} recordings): the map {self.verdict()}.")

    def to_record(self) -> dict:
        return {"method": self.method, "stages": self.stages, "correlations": self.correlations.tolist(),
                "mean": [None if not np.isfinite(v) else float(v) for v in self.mean()],
                "final": None if not np.isfinite(self.final) else self.final, "verdict": self.verdict(),
                "reading": self.reading(), "recordings": int(self.correlations.shape[0])}


def cascading_randomisation(engine, recordings: list, method: str = ROLLOUT, target_class=None,
                            head_fusion: str = "mean", discard_ratio: float = 0.0, seed: int = 0,
                            progress: Callable[[float], None] | None = None,
                            cancelled: Callable[[], bool] | None = None, trained_maps: list | None = None) -> SanityResult:
    """Correlations of ``method``'s maps on ``recordings`` after each randomisation stage.

    ``trained_maps`` are the trained model's explanations when already computed (else computed here).
    The class-specific maps follow the class the trained model's map was made for, so a change of
    prediction does not count as a change of map.
    """
    import torch

    from voice_desk.model.engine import Engine

    loaded = engine.loaded
    copy_ = dataclasses.replace(loaded, model=copy.deepcopy(loaded.model))
    randomised = Engine(copy_)
    kwargs = {"method": method, "head_fusion": head_fusion, "discard_ratio": discard_ratio}
    if trained_maps is None:
        trained_maps = [engine.explain(r, target_class=target_class, cancelled=cancelled, **kwargs) for r in recordings]
    targets = [e.settings.get("target_index") for e in trained_maps]
    masks = []
    for e in trained_maps:
        cells = patch_cells(engine.grid, e.n_frames)
        masks.append(np.array([t1 > t0 for t0, t1, _, _ in cells]))
    plan = stages(copy_.model)
    generator = torch.Generator().manual_seed(seed)
    std = float(getattr(copy_.model.config, "initializer_range", 0.02))
    correlations = np.full((len(recordings), len(plan)), np.nan)
    total = len(plan) * len(recordings)
    for s, (_, modules) in enumerate(plan):
        randomise(modules, generator, std)
        for r, recording in enumerate(recordings):
            randomised_map = randomised.explain(recording, target_class=targets[r], cancelled=cancelled, **kwargs)
            trained = trained_maps[r].patch_relevance.reshape(-1)[masks[r]]
            correlations[r, s] = spearman(trained, randomised_map.patch_relevance.reshape(-1)[masks[r]])
            if progress is not None:
                progress((s * len(recordings) + r + 1) / total)
    del copy_, randomised
    return SanityResult(method=method, stages=[name for name, _ in plan], correlations=correlations)
