"""UAR, ROC AUC, confusion matrix and ROC points, overall and per gender, with 95 % confidence
intervals; the operating point a bundle's verdicts use (numpy only)."""

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
    """UAR, AUC (each with a 95 % bootstrap interval), accuracy, confusion matrix (threshold 0.5),
    the counts per class and ROC points of one set."""
    y_pred = (probs >= 0.5).astype(int)
    fpr, tpr, thr = roc_points(y_true, probs)
    return {"n": int(y_true.size), "n_healthy": int(np.sum(y_true == 0)), "n_pathological": int(np.sum(y_true == 1)),
            "uar": _nan_to_none(uar(y_true, y_pred)),
            "uar_ci": list(bootstrap_ci(lambda y, p: uar(y, (p >= 0.5).astype(int)), y_true, probs)),
            "auc": _nan_to_none(roc_auc(y_true, probs)),
            "auc_ci": list(bootstrap_ci(roc_auc, y_true, probs)),
            "accuracy": _nan_to_none(float(np.mean(y_true == y_pred))) if y_true.size else None,
            "confusion_matrix": confusion(y_true, y_pred),
            "roc": {"fpr": fpr, "tpr": tpr, "thresholds": [t if np.isfinite(t) else None for t in thr]}}


# ---------------------------------------------------------------------------------------------
# Honest numbers: confidence intervals, the operating point and its borderline band.

Z95 = 1.959963984540054
BOOTSTRAP = 1000
THRESHOLD_RULE = ("the threshold that maximises Youden's J (sensitivity + specificity - 1) on the dev part; "
                  "0.5 when the dev part lacks a class")
BAND_RULE = ("the probabilities at which recordings of the test part were pathological between one time in three "
             "and two times in three (isotonic calibration of P(pathological) on the test part), widened to hold "
             "the threshold: inside it the verdict is close to a coin toss")
#: The calibrated chance of pathology that makes a probability borderline.
BORDERLINE = (1 / 3, 2 / 3)


def wilson(k: int, n: int) -> tuple[float | None, float | None]:
    """95 % Wilson score interval of a proportion k/n (None, None for n = 0)."""
    if n <= 0:
        return None, None
    p = k / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return round(float(max(0.0, centre - half)), 6), round(float(min(1.0, centre + half)), 6)


def youden_threshold(y_true, scores) -> float:
    """The score threshold (predict pathological at or above it) with the highest sensitivity +
    specificity; among equals the one nearest 0.5; 0.5 when a class is missing."""
    y, s = np.asarray(y_true, dtype=int), np.asarray(scores, dtype=np.float64)
    if y.size == 0 or y.min() == y.max():
        return 0.5
    values = np.unique(s)
    candidates = np.r_[values[0], (values[:-1] + values[1:]) / 2, np.nextafter(values[-1], np.inf)]
    pos, neg = s[y == 1], s[y == 0]
    j = (pos[None, :] >= candidates[:, None]).mean(axis=1) + (neg[None, :] < candidates[:, None]).mean(axis=1) - 1
    best = np.flatnonzero(np.isclose(j, j.max()))
    return float(candidates[best[np.argmin(np.abs(candidates[best] - 0.5))]])


def _resamples(y: np.ndarray, n_boot: int, seed: int):
    """Index arrays of bootstrap resamples drawn within each class (both classes stay present)."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(y == c) for c in (0, 1) if np.any(y == c)]
    for _ in range(n_boot):
        yield np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])


def bootstrap_ci(statistic, y_true, scores, n_boot: int = BOOTSTRAP, seed: int = 0) -> tuple[float | None, float | None]:
    """95 % percentile interval of ``statistic(y, scores)`` over stratified bootstrap resamples."""
    y, s = np.asarray(y_true, dtype=int), np.asarray(scores, dtype=np.float64)
    if y.size < 2:
        return None, None
    values = [statistic(y[i], s[i]) for i in _resamples(y, n_boot, seed)]
    values = [v for v in values if v == v]
    if not values:
        return None, None
    lo, hi = np.percentile(values, [2.5, 97.5])
    return round(float(lo), 6), round(float(hi), 6)


def borderline_band(y_true, scores, threshold: float) -> list[float]:
    """[low, high]: the range of scores whose isotonic calibration on (y_true, scores) lies within
    :data:`BORDERLINE`, widened to hold ``threshold``."""
    from sklearn.isotonic import IsotonicRegression

    y, s = np.asarray(y_true, dtype=float), np.asarray(scores, dtype=np.float64)
    grid = np.linspace(0.0, 1.0, 1001)
    calibrated = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y).predict(grid)
    inside = grid[(calibrated >= BORDERLINE[0]) & (calibrated <= BORDERLINE[1])]
    low, high = (float(inside.min()), float(inside.max())) if inside.size else (threshold, threshold)
    return [min(low, threshold), max(high, threshold)]


def operating_point(y_dev, p_dev, y_test, p_test) -> dict:
    """The threshold chosen on dev (:data:`THRESHOLD_RULE`), its borderline band from the test part
    (:data:`BAND_RULE`), and the test sensitivity and specificity at it with 95 % Wilson intervals
    and their counts."""
    y_test, p_test = np.asarray(y_test, dtype=int), np.asarray(p_test, dtype=np.float64)
    threshold = youden_threshold(y_dev, p_dev)
    predicted = p_test >= threshold
    tp, n_pos = int(np.sum(predicted & (y_test == 1))), int(np.sum(y_test == 1))
    tn, n_neg = int(np.sum(~predicted & (y_test == 0))), int(np.sum(y_test == 0))
    band = borderline_band(y_test, p_test, threshold) if n_pos and n_neg else [threshold, threshold]

    def rate(k: int, n: int) -> dict:
        return {"value": round(k / n, 6) if n else None, "ci": list(wilson(k, n)), "k": k, "n": n}

    return {"threshold": round(threshold, 6), "rule": THRESHOLD_RULE, "band": [round(b, 6) for b in band],
            "band_rule": BAND_RULE, "sensitivity": rate(tp, n_pos), "specificity": rate(tn, n_neg),
            "n_test": int(y_test.size), "n_healthy": n_neg, "n_pathological": n_pos}
