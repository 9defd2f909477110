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


def distance_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between every row of ``a`` and every row of ``b``.

    The products go through ``np.einsum`` rather than ``@``: a matrix this small (about 500 x 600
    x 80) is threaded by OpenBLAS, and when the cores are busy (the model process running next
    to the window) waking its threads cost 30 ms where the single-threaded loop takes 5 ms
    (benchmarks/bench_align.py measures the whole alignment).
    """
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    squared = np.einsum("ik,jk->ij", a, b)
    squared *= -2.0
    squared += (a * a).sum(1)[:, None]
    squared += (b * b).sum(1)[None]
    np.maximum(squared, 0.0, out=squared)
    return np.sqrt(squared, out=squared)


def accumulate(cost: np.ndarray, step_penalty: float = 0.0) -> np.ndarray:
    """Accumulated cost D of the best path from (0, 0) to every cell.

    Steps: diagonal costs 2·c (symmetric weighting), vertical and horizontal cost c plus
    ``step_penalty`` (which discourages long stretches where one side stands still). Only
    the running minimum needs the loop over rows; the steps are recovered along the path
    alone (:func:`backtrack`), so no whole-matrix bookkeeping is allocated.
    """
    cost = np.asarray(cost, dtype=np.float64)
    n, m = cost.shape
    side = cost + step_penalty                      # vertical / horizontal step cost
    D = np.cumsum(side, axis=1)                     # row i holds C[i] (horizontal runs) until overwritten
    D[0] -= step_penalty                            # the start cell carries no penalty
    arrive = np.empty(m)
    vertical = np.empty(m)
    for i in range(1, n):
        prev, row, c = D[i - 1], D[i], cost[i]
        np.add(prev[:-1], c[1:], out=arrive[1:])
        arrive[1:] += c[1:]                         # diagonal: 2·c
        arrive[0] = np.inf
        np.add(prev, side[i], out=vertical)
        np.minimum(arrive, vertical, out=arrive)
        arrive -= row                               # a[k] - C[k]
        np.minimum.accumulate(arrive, out=arrive)
        row += arrive                               # C[j] + min over k <= j
    return D


def backtrack(D: np.ndarray, cost: np.ndarray, step_penalty: float = 0.0) -> np.ndarray:
    """The warping path as (k, 2) array of (i, j) from (0, 0) to the last cell.

    At each cell, the predecessor is the one whose accumulated cost plus the step's cost
    gives the cell's value (ties prefer the diagonal).
    """
    i, j = D.shape[0] - 1, D.shape[1] - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            c = float(cost[i, j])
            diag = D[i - 1, j - 1] + 2.0 * c
            vert = D[i - 1, j] + c + step_penalty
            horiz = D[i, j - 1] + c + step_penalty
            if diag <= vert and diag <= horiz:
                i, j = i - 1, j - 1
            elif vert <= horiz:
                i -= 1
            else:
                j -= 1
        path.append((i, j))
    return np.array(path[::-1])


def dtw(cost: np.ndarray, step_penalty: float = 0.0) -> tuple[np.ndarray, float]:
    """Best path through ``cost`` and its accumulated cost."""
    D = accumulate(cost, step_penalty)
    return backtrack(D, cost, step_penalty), float(D[-1, -1])
