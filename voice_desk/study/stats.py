"""The study's statistics: speaker-bootstrap intervals and the per-recording measures (numpy only;
scipy for the Wilcoxon test).

Intervals resample **speakers**, not recordings: SVD has speakers with many sessions, and
recordings of one voice are not independent. A bootstrap is a weight matrix ``W`` (resamples x
recordings): each resample draws the speakers with replacement, and a recording's weight is how
many times its speaker was drawn. A statistic computed with weights ``W[b]`` is the statistic of
resample ``b``; with all weights 1 it is the plain statistic. Every interval is the 2.5th and
97.5th percentile of the resampled values (percentile bootstrap), over the resamples where the
statistic is defined (e.g. both classes drawn); ``n_valid`` says how many those were. Seeds are
fixed, so the same data give the same numbers.
"""

from __future__ import annotations

import math

import numpy as np

N_BOOT = 1000
SEED = 0


# --------------------------------------------------------------------------------- bootstrap

def bootstrap_weights(speakers, n_boot: int = N_BOOT, seed: int = SEED) -> np.ndarray:
    """(n_boot, n) recording weights of a speaker bootstrap: speakers drawn with replacement,
    each recording weighted by how often its speaker was drawn."""
    speakers = list(speakers)
    if not speakers:
        return np.zeros((n_boot, 0))
    names = sorted(set(speakers))
    index = {s: i for i, s in enumerate(names)}
    codes = np.array([index[s] for s in speakers])
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(names), np.full(len(names), 1.0 / len(names)), size=n_boot)
    return counts[:, codes].astype(np.float64)


def interval(values) -> dict:
    """{"ci": [2.5th, 97.5th percentile], "n_valid": resamples where the statistic was defined}."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return {"ci": [None, None], "n_valid": int(values.size)}
    lo, hi = np.percentile(values, [2.5, 97.5])
    return {"ci": [float(lo), float(hi)], "n_valid": int(values.size)}


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def weighted_mean(weights: np.ndarray, values) -> np.ndarray:
    """Mean of ``values`` under each row of ``weights`` (NaN where a row's weights sum to 0)."""
    values = np.asarray(values, dtype=np.float64)
    weights = np.atleast_2d(weights)
    return _safe_divide(weights @ values, weights.sum(axis=1))


def weighted_auc(weights: np.ndarray, y, scores) -> np.ndarray:
    """ROC AUC (Mann-Whitney: the chance a pathological recording scores above a healthy one, ties
    half) under each row of ``weights``; NaN where a class has no weight."""
    y = np.asarray(y, dtype=int)
    scores = np.asarray(scores, dtype=np.float64)
    weights = np.atleast_2d(weights)
    pos, neg = y == 1, y == 0
    if not pos.any() or not neg.any():
        return np.full(weights.shape[0], np.nan)
    sp, sn = scores[pos], scores[neg]
    wins = (sp[:, None] > sn[None, :]).astype(np.float64) + 0.5 * (sp[:, None] == sn[None, :])
    wp, wn = weights[:, pos], weights[:, neg]
    num = ((wp @ wins) * wn).sum(axis=1)
    return _safe_divide(num, wp.sum(axis=1) * wn.sum(axis=1))


def weighted_uar(weights: np.ndarray, y, predicted) -> np.ndarray:
    """Unweighted average recall (balanced accuracy) over the classes present in ``y`` under each row
    of ``weights``; NaN where a class present in ``y`` has no weight."""
    y = np.asarray(y)
    correct = (np.asarray(predicted) == y).astype(np.float64)
    weights = np.atleast_2d(weights)
    recalls = [weighted_mean(weights[:, y == c], correct[y == c]) for c in np.unique(y)]
    return np.mean(recalls, axis=0) if recalls else np.full(weights.shape[0], np.nan)


def estimate(statistic, weights: np.ndarray, n: int) -> dict:
    """{"value": statistic with unit weights, "ci", "n_valid"} for ``statistic(W) -> values``."""
    value = float(statistic(np.ones((1, n)))[0]) if n else float("nan")
    return {"value": value if math.isfinite(value) else None, **interval(statistic(weights))}


def paired_difference(statistic_a, statistic_b, weights: np.ndarray, n: int) -> dict:
    """``b - a`` on the same resamples (a paired bootstrap), with a two-sided bootstrap p-value:
    twice the share of resamples on the far side of 0 (capped at 1)."""
    one = np.ones((1, n))
    value = float(statistic_b(one)[0] - statistic_a(one)[0]) if n else float("nan")
    diffs = statistic_b(weights) - statistic_a(weights)
    diffs = diffs[np.isfinite(diffs)]
    p = min(1.0, 2.0 * min(float(np.mean(diffs <= 0)), float(np.mean(diffs >= 0)))) if diffs.size else None
    return {"value": value if math.isfinite(value) else None, **interval(diffs), "p_bootstrap": p}


def mean_estimate(values, speakers, n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """Mean of per-recording ``values`` (finite ones) with its speaker-bootstrap interval, and n."""
    values = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(values)
    values = values[keep]
    speakers = [s for s, k in zip(speakers, keep) if k]
    out = estimate(lambda w: weighted_mean(w, values), bootstrap_weights(speakers, n_boot, seed), values.size)
    out.update({"n": int(values.size), "speakers": len(set(speakers))})
    return out


# --------------------------------------------------------------------------------- per recording

def ranks(values) -> np.ndarray:
    """Ranks 1..n, ties given their average rank."""
    values = np.asarray(values, dtype=np.float64).ravel()
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    ends = np.r_[starts[1:], values.size]
    average = (starts + ends + 1) / 2.0          # mean of ranks start+1 .. end
    out = np.empty(values.size)
    out[order] = np.repeat(average, ends - starts)
    return out


def spearman(a, b) -> float:
    """Spearman's rank correlation (Pearson correlation of average ranks); NaN when either is constant."""
    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float(ra @ ra) * float(rb @ rb))
    return float(ra @ rb) / den if den > 0 else float("nan")


def top_set(values, fraction: float = 0.1) -> np.ndarray:
    """Cells at or above the ``1 - fraction`` quantile (ties at the cut all included)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    cut = np.quantile(values, 1.0 - fraction, method="higher")
    return values >= cut


def top_overlap(relevance, power, fraction: float = 0.1) -> tuple[float, float]:
    """(overlap, chance): the share of the top-``fraction`` relevance cells that are also top-``fraction``
    power cells, and the share expected if the two sets were unrelated (the power set's share of all
    cells; 0.10 without ties)."""
    top_r, top_p = top_set(relevance, fraction), top_set(power, fraction)
    return float(np.mean(top_p[top_r])), float(np.mean(top_p))


def normalised_entropy(relevance) -> float:
    """Shannon entropy of relevance as a distribution over its cells, over log(cells): 1 = spread evenly,
    0 = all on one cell."""
    p = np.clip(np.asarray(relevance, dtype=np.float64).ravel(), 0.0, None)
    cells, total = p.size, p.sum()
    if cells < 2 or total <= 0:
        return float("nan")
    p = p[p > 0] / total
    return float(-(p * np.log(p)).sum() / math.log(cells))


def area_for_share(relevance, share: float = 0.5) -> float:
    """The smallest share of cells that holds ``share`` of the relevance (most relevant cells first)."""
    p = np.sort(np.clip(np.asarray(relevance, dtype=np.float64).ravel(), 0.0, None))[::-1]
    total = p.sum()
    if p.size == 0 or total <= 0:
        return float("nan")
    k = int(np.searchsorted(np.cumsum(p) / total, share - 1e-12)) + 1
    return min(k, p.size) / p.size


def wilcoxon(a, b) -> dict:
    """Wilcoxon signed-rank test of ``b - a`` (paired; zero differences dropped, two-sided, scipy's
    exact or normal approximation by size), with the median difference."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = np.isfinite(a) & np.isfinite(b)
    d = b[keep] - a[keep]
    out = {"n": int(d.size), "median_difference": float(np.median(d)) if d.size else None,
           "statistic": None, "p": None}
    if np.count_nonzero(d) < 2:
        return out
    from scipy.stats import wilcoxon as scipy_wilcoxon

    result = scipy_wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    out["statistic"], out["p"] = float(result.statistic), float(result.pvalue)
    return out
