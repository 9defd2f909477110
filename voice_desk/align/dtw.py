"""Dynamic time warping with a row-vectorised recursion (numpy only).

The usual recursion D[i, j] = c[i, j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1]) has a
dependency along each row (the horizontal step), which is why DTW is normally a double loop.
Writing a[j] for the best arrival from the previous row, the row is

    D[i, j] = min over k <= j of ( a[k] + c[i, k+1] + ... + c[i, j] )
            = C[j] + min over k <= j of ( a[k] - C[k] ),   C = cumulative sum of c[i]

so a whole row is one cumulative sum and one running minimum (np.minimum.accumulate): a
3 s clip against the reference (≈ 600 × 530 cells) takes a few milliseconds instead of the
seconds a Python double loop needs.
"""

from __future__ import annotations

import numpy as np

DIAGONAL, VERTICAL, HORIZONTAL = 0, 1, 2


def distance_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between every row of ``a`` and every row of ``b``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


def accumulate(cost: np.ndarray, step_penalty: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Accumulated cost D and the step taken into each cell (DIAGONAL/VERTICAL/HORIZONTAL).

    Steps: diagonal costs 2·c (symmetric weighting), vertical and horizontal cost c plus
    ``step_penalty`` (which discourages long stretches where one side stands still).
    The path runs from (0, 0) to (n-1, m-1).
    """
    n, m = cost.shape
    D = np.empty((n, m))
    steps = np.empty((n, m), dtype=np.int8)
    row = cost[0] + step_penalty
    row[0] = cost[0, 0]
    D[0] = np.cumsum(row)
    steps[0] = HORIZONTAL
    for i in range(1, n):
        c = cost[i]
        prev = D[i - 1]
        diag = np.empty(m)
        diag[0] = np.inf
        diag[1:] = prev[:-1] + 2.0 * c[1:]
        vert = prev + c + step_penalty
        arrive = np.minimum(diag, vert)
        C = np.cumsum(c + step_penalty)
        best = C + np.minimum.accumulate(arrive - C)
        D[i] = best
        s = np.where(diag <= vert, DIAGONAL, VERTICAL).astype(np.int8)
        s[best < arrive - 1e-9] = HORIZONTAL
        steps[i] = s
    return D, steps


def backtrack(steps: np.ndarray) -> np.ndarray:
    """The warping path as (k, 2) array of (i, j) from (0, 0) to the last cell."""
    i, j = steps.shape[0] - 1, steps.shape[1] - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        s = steps[i, j]
        if i == 0:
            j -= 1
        elif s == DIAGONAL:
            i, j = i - 1, j - 1
        elif s == VERTICAL:
            i -= 1
        else:
            j -= 1
        path.append((i, j))
    return np.array(path[::-1])


def dtw(cost: np.ndarray, step_penalty: float = 0.0) -> tuple[np.ndarray, float]:
    """Best path through ``cost`` and its accumulated cost."""
    D, steps = accumulate(cost, step_penalty)
    return backtrack(steps), float(D[-1, -1])
