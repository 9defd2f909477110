"""UAR, ROC AUC, confusion matrix and ROC points, overall and per gender (numpy only)."""

from __future__ import annotations

import numpy as np

LABELS = ("healthy", "pathological")


def uar(y_true, y_pred, n_classes: int = 2) -> float:
    """Unweighted average recall (balanced accuracy) over the classes present in ``y_true``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    recalls = [float(np.mean(y_pred[y_true == c] == c)) for c in range(n_classes) if np.any(y_true == c)]
    return float(np.mean(recalls)) if recalls else float("nan")


def roc_points(y_true, scores) -> tuple[list[float], list[float], list[float]]:
    """(false positive rates, true positive rates, thresholds), from (0,0) to (1,1)."""
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    if y_true.size == 0:
        return [0.0, 1.0], [0.0, 1.0], [float("inf"), float("-inf")]
    order = np.argsort(-scores, kind="mergesort")
    y, s = y_true[order], scores[order]
    distinct = np.where(np.diff(s))[0]
    idx = np.r_[distinct, y.size - 1]
    tps = np.cumsum(y)[idx]
    fps = (1 + idx) - tps
    pos, neg = max(int(y.sum()), 1), max(int(y.size - y.sum()), 1)
    fpr = np.r_[0.0, fps / neg]
    tpr = np.r_[0.0, tps / pos]
    thresholds = np.r_[np.inf, s[idx]]
    return fpr.tolist(), tpr.tolist(), [float(t) for t in thresholds]


def roc_auc(y_true, scores) -> float:
    """Area under the ROC curve (probability a random positive outranks a random negative)."""
    y_true = np.asarray(y_true)
    if y_true.size == 0 or y_true.min() == y_true.max():
        return float("nan")
    fpr, tpr, _ = roc_points(y_true, scores)
    return float(np.trapezoid(tpr, fpr))


def confusion(y_true, y_pred, n_classes: int = 2) -> list[list[int]]:
    """rows: true class, columns: predicted class."""
    m = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(np.asarray(y_true), np.asarray(y_pred)):
        m[int(t), int(p)] += 1
    return m.tolist()


def _nan_to_none(value: float):
    return None if value != value else round(float(value), 6)


def evaluate_scores(y_true, prob_pathological, genders=None) -> dict:
    """All test metrics for binary labels (1 = pathological) and P(pathological)."""
    y_true = np.asarray(y_true, dtype=int)
    probs = np.asarray(prob_pathological, dtype=np.float64)
    result = _scores(y_true, probs)
    result["labels"] = list(LABELS)
    if genders is not None:
        genders = np.asarray(genders)
        result["per_gender"] = {g: _scores(y_true[genders == g], probs[genders == g])
                                for g in sorted(set(genders.tolist()))}
    return result


def _scores(y_true: np.ndarray, probs: np.ndarray) -> dict:
    """UAR, AUC, accuracy, confusion matrix (threshold 0.5) and ROC points of one set."""
    y_pred = (probs >= 0.5).astype(int)
    fpr, tpr, thr = roc_points(y_true, probs)
    return {"n": int(y_true.size), "uar": _nan_to_none(uar(y_true, y_pred)),
            "auc": _nan_to_none(roc_auc(y_true, probs)),
            "accuracy": _nan_to_none(float(np.mean(y_true == y_pred))) if y_true.size else None,
            "confusion_matrix": confusion(y_true, y_pred),
            "roc": {"fpr": fpr, "tpr": tpr, "thresholds": [t if np.isfinite(t) else None for t in thr]}}
