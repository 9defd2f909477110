"""How far a relevance map can be trusted, measured: deletion and insertion curves.

Deletion (Petsiuk, Das & Saenko 2018, "RISE"; Samek et al. 2017): remove the patches of the
spectrogram in the map's order, most relevant first, in ``steps`` equal steps, and follow the
target class's probability. A map that shows what the model uses makes it fall fast: a small
area under the curve. Insertion starts from an input with every patch removed and puts them
back in the same order: a faithful map makes it rise fast (a large area). Both are compared with
the same curves for random orders (several seeds): a map is only informative where it beats
chance.

"Removed" means replaced by the model's own padding value (what the feature extractor puts after
the end of a short recording), patch by patch on the grid's stride cells (each patch owns the
cells from its start to the next patch's start, so every cell is removed exactly once). Only
patches over audio take part; those over padding are padding already.

Every masked input of every curve is gathered first and run through the model without gradients
(sdpa), in batches on a GPU: a 20-step deletion curve costs 20 forward passes of one clip, not one
per patch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from voice_desk.model.features import PatchGrid

STEPS = 20
RANDOM_ORDERS = 3
#: Masked inputs per forward pass on a GPU. On a CPU one at a time: there a batch of 8 full-size clips
#: took 2.13 s a clip against 1.92 s one by one (2 cores; BENCHMARKS.md), so batching only costs memory.
BATCH_ON_ACCELERATOR = 16
#: Below this change of P(target) over all curves, the curves say nothing about the map.
MIN_RESPONSE = 0.05
#: A lead over the random orders' mean area smaller than this is not counted as a lead.
MIN_GAIN = 0.02


def padding_value(extractor) -> float:
    """The normalised value of a padded frame: fbank pads with 0, then normalises."""
    if not getattr(extractor, "do_normalize", True):
        return 0.0
    return float((0.0 - extractor.mean) / (2.0 * extractor.std))


def patch_cells(grid: PatchGrid, n_frames: int) -> list[tuple[int, int, int, int]]:
    """(t0, t1, f0, f1) for each patch over audio, in the sequence's (frequency-major) order;
    patches that start in the padding get an empty cell (t0 == t1)."""
    f_n, t_n = grid.shape
    cells = []
    for fi in range(f_n):
        f0 = fi * grid.frequency_stride
        f1 = grid.num_mel_bins if fi == f_n - 1 else (fi + 1) * grid.frequency_stride
        for ti in range(t_n):
            t0 = min(ti * grid.time_stride, n_frames)
            t1 = min(grid.max_length if ti == t_n - 1 else (ti + 1) * grid.time_stride, n_frames)
            cells.append((t0, t1, f0, f1))
    return cells


def _counts(n: int, steps: int) -> np.ndarray:
    return np.round(np.linspace(0, n, steps + 1)).astype(int)


def masked_inputs(values: np.ndarray, cells, order: np.ndarray, counts, pad: float, insertion: bool) -> np.ndarray:
    """One input per count: the first ``count`` patches of ``order`` removed (deletion) or kept on
    an input with every listed patch removed (insertion)."""
    out = np.empty((len(counts), *values.shape), dtype=np.float32)
    for row, count in enumerate(counts):
        x = values.copy()
        chosen = order[:count] if not insertion else order[count:]
        for index in chosen:
            t0, t1, f0, f1 = cells[index]
            x[t0:t1, f0:f1] = pad
        out[row] = x
    return out


def trapezoid(fractions: np.ndarray, curve: np.ndarray) -> float:
    return float(np.sum((curve[1:] + curve[:-1]) * np.diff(fractions)) / 2.0)


@dataclass
class Curves:
    """Deletion and insertion curves of one map: P(target) after each step, for the map's order and
    for ``random_orders`` random ones (rows)."""

    target_class: str
    target_index: int
    method: str
    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray
    random_deletion: np.ndarray
    random_insertion: np.ndarray
    n_patches: int
    seed: int = 0
    settings: dict = field(default_factory=dict)

    @property
    def deletion_auc(self) -> float:
        return trapezoid(self.fractions, self.deletion)

    @property
    def insertion_auc(self) -> float:
        return trapezoid(self.fractions, self.insertion)

    @property
    def random_deletion_aucs(self) -> np.ndarray:
        return np.array([trapezoid(self.fractions, c) for c in self.random_deletion])

    @property
    def random_insertion_aucs(self) -> np.ndarray:
        return np.array([trapezoid(self.fractions, c) for c in self.random_insertion])

    @property
    def deletion_gain(self) -> float:
        """How much faster the map's order removes the evidence than chance (random area − map area)."""
        return float(self.random_deletion_aucs.mean() - self.deletion_auc)

    @property
    def insertion_gain(self) -> float:
        """How much faster the map's order restores it than chance (map area − random area)."""
        return float(self.insertion_auc - self.random_insertion_aucs.mean())

    @property
    def response(self) -> float:
        """How far removing or restoring patches moves P(target) at all, over every curve."""
        curves = np.vstack([self.deletion, self.insertion, *self.random_deletion, *self.random_insertion])
        return float(curves.max() - curves.min())

    def verdict(self) -> str:
        """'cannot tell' (P(target) moves by less than :data:`MIN_RESPONSE` whatever is removed),
        'ahead of every random order' (both curves beat all of them: a random ranking does so by luck
        at most 1 time in random_orders + 1; and by more than :data:`MIN_GAIN`), 'no better than chance' (both curves at or behind the
        random orders' mean) or 'mixed'."""
        if self.response < MIN_RESPONSE:
            return "cannot tell"
        ahead = (self.deletion_auc < self.random_deletion_aucs.min()
                 and self.insertion_auc > self.random_insertion_aucs.max()
                 and min(self.deletion_gain, self.insertion_gain) > MIN_GAIN)
        if ahead:
            return "ahead of every random order"
        if self.deletion_gain <= 0 and self.insertion_gain <= 0:
            return "no better than chance"
        return "mixed"

    def reading(self) -> str:
        """One line a clinician can read."""
        verdict, n = self.verdict(), len(self.random_deletion)
        if verdict == "cannot tell":
            return (f"Faithfulness for P({self.target_class}): removing parts of the spectrogram hardly changes it "
                    f"(by {self.response:.2f} at most), so the curves cannot tell whether the map shows what the "
                    "model uses.")
        meaning = {"ahead of every random order": f"the map ranks what the model uses above chance (a random ranking "
                                                  f"does as well 1 time in {n + 1})",
                   "no better than chance": "the map does not show what the model uses; do not read it as evidence",
                   "mixed": "the map only partly shows what the model uses; read it with care"}[verdict]
        return (f"Faithfulness for P({self.target_class}): removing the map's top patches first leaves an area of "
                f"{self.deletion_auc:.2f} (random orders {self.random_deletion_aucs.mean():.2f}), restoring them "
                f"first {self.insertion_auc:.2f} (random {self.random_insertion_aucs.mean():.2f}): {meaning}.")

    def to_record(self) -> dict:
        return {"method": self.method, "target_class": self.target_class, "target_index": self.target_index,
                "steps": len(self.fractions) - 1, "patches": self.n_patches, "random_orders": len(self.random_deletion),
                "seed": self.seed, "fractions": self.fractions.tolist(),
                "deletion": self.deletion.tolist(), "insertion": self.insertion.tolist(),
                "random_deletion": self.random_deletion.tolist(), "random_insertion": self.random_insertion.tolist(),
                "deletion_auc": self.deletion_auc, "insertion_auc": self.insertion_auc,
                "random_deletion_auc": float(self.random_deletion_aucs.mean()),
                "random_deletion_auc_sd": float(self.random_deletion_aucs.std()),
                "random_insertion_auc": float(self.random_insertion_aucs.mean()),
                "random_insertion_auc_sd": float(self.random_insertion_aucs.std()),
                "deletion_gain": self.deletion_gain, "insertion_gain": self.insertion_gain,
                "response": self.response, "verdict": self.verdict(), "reading": self.reading(), "settings": self.settings}

    @classmethod
    def from_record(cls, record: dict) -> "Curves":
        return cls(target_class=record["target_class"], target_index=int(record["target_index"]),
                   method=record["method"], fractions=np.asarray(record["fractions"], dtype=np.float64),
                   deletion=np.asarray(record["deletion"]), insertion=np.asarray(record["insertion"]),
                   random_deletion=np.asarray(record["random_deletion"]),
                   random_insertion=np.asarray(record["random_insertion"]), n_patches=int(record["patches"]),
                   seed=int(record.get("seed", 0)), settings=dict(record.get("settings") or {}))


def explanation_target(explanation) -> tuple[int, str]:
    """The class a map's curves follow: the one a class-specific map was made for, else the
    predicted class."""
    settings = explanation.settings or {}
    labels = list(explanation.prediction.labels)
    if settings.get("target_index") is not None:
        index = int(settings["target_index"])
    elif explanation.prediction.gives_verdict and explanation.prediction.label in labels:
        index = labels.index(explanation.prediction.label)
    else:
        index = int(np.argmax(explanation.prediction.probabilities))
    return index, labels[index]


def faithfulness_curves(engine, explanation, steps: int = STEPS, random_orders: int = RANDOM_ORDERS,
                        seed: int = 0, batch_size: int | None = None, target: int | None = None,
                        progress: Callable[[float], None] | None = None,
                        cancelled: Callable[[], bool] | None = None) -> Curves:
    """Deletion and insertion curves of ``explanation``'s map on the model behind ``engine``.

    Runs 2 x (steps - 1) + 1 masked inputs per order (the order's own map and ``random_orders``
    random ones; the untouched input's probability is the prediction's). The curves follow
    ``target`` (a class index) when given, else :func:`explanation_target`.
    """
    if batch_size is None:
        batch_size = 1 if str(engine.loaded.device) == "cpu" else BATCH_ON_ACCELERATOR
    if steps < 2:
        raise ValueError("a curve needs at least 2 steps")
    if random_orders < 1:
        raise ValueError("at least one random order is needed to compare with")
    grid = engine.grid
    values = np.asarray(explanation.log_mel, dtype=np.float32)
    cells = patch_cells(grid, explanation.n_frames)
    valid = np.array([i for i, (t0, t1, _, _) in enumerate(cells) if t1 > t0])
    if valid.size == 0:
        raise ValueError("the recording is too short for any patch")
    relevance = np.asarray(explanation.patch_relevance, dtype=np.float64).reshape(-1)
    # most relevant first; ties keep the sequence order so the result is reproducible
    order = valid[np.argsort(-relevance[valid], kind="stable")]
    rng = np.random.default_rng(seed)
    orders = [order] + [rng.permutation(valid) for _ in range(random_orders)]
    counts = _counts(valid.size, steps)
    pad = padding_value(engine.loaded.feature_extractor)
    index, label = explanation_target(explanation)
    if target is not None:
        index, label = int(target), explanation.prediction.labels[int(target)]
    original = float(explanation.prediction.probabilities[index])

    # inputs: per order, deletion counts[1:-1] and insertion counts[1:-1]; one all-removed input shared by all
    batches = [masked_inputs(values, cells, valid, [valid.size], pad, insertion=False)]
    for o in orders:
        batches.append(masked_inputs(values, cells, o, counts[1:-1], pad, insertion=False))
        batches.append(masked_inputs(values, cells, o, counts[1:-1], pad, insertion=True))
    inputs = np.concatenate(batches)
    probs = []
    for start in range(0, len(inputs), batch_size):
        probs.append(engine.probabilities(inputs[start:start + batch_size], batch_size=batch_size,
                                          cancelled=cancelled)[:, index])
        if progress is not None:
            progress(min(1.0, (start + batch_size) / len(inputs)))
    p = np.concatenate(probs).astype(np.float64)
    empty, p = p[0], p[1:]
    inner = steps - 1
    deletions, insertions = [], []
    for k in range(len(orders)):
        chunk = p[2 * k * inner:(2 * k + 2) * inner]
        deletions.append(np.concatenate([[original], chunk[:inner], [empty]]))
        insertions.append(np.concatenate([[empty], chunk[inner:], [original]]))
    fractions = counts / valid.size
    return Curves(target_class=label, target_index=index, method=(explanation.settings or {}).get("method", "rollout"),
                  fractions=fractions, deletion=deletions[0], insertion=insertions[0],
                  random_deletion=np.array(deletions[1:]), random_insertion=np.array(insertions[1:]),
                  n_patches=int(valid.size), seed=seed,
                  settings={"steps": steps, "random_orders": random_orders, "removed_with": "padding value",
                            "padding_value": pad, "unit": "stride cell of each patch"})
