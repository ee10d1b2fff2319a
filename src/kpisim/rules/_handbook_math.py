"""Handbook maths shared by the rules: the baseline and σ, scalar and vectorised.

Means and deviations are taken relative to the last value: exact for a
constant history (baseline = the value, σ = 0) and shift-invariant.
"""

from __future__ import annotations

import numpy as np


def handbook_baseline(values: list[float], direction: str) -> float:
    """max(last, mean of the last 3) — min(…) for a decreasing indicator."""
    last = values[-1]
    mean = last + float(np.mean(np.asarray(values[-3:]) - last))
    return min(last, mean) if direction == "decrease" else max(last, mean)


def population_sigma(values: list[float], window: int, ddof: int) -> tuple[float, int]:
    """Standard deviation of the last ``window`` values (fewer if fewer exist)."""
    used = np.asarray(values[-window:], dtype=np.float64)
    return float(np.std(used - used[-1], ddof=ddof)), len(used)


def baseline_vec(window: np.ndarray, direction: str) -> np.ndarray:
    """Vectorised :func:`handbook_baseline` over rows (NaN = missing, left)."""
    last = window[:, -1]
    mean = last + _nanmean_rows(window[:, -3:] - last[:, np.newaxis])
    return np.fmin(last, mean) if direction == "decrease" else np.fmax(last, mean)


def sigma_vec(window: np.ndarray, n: int, ddof: int, min_n: int) -> np.ndarray:
    """Row-wise std of the last ``n`` columns ignoring NaN; NaN if < min_n."""
    used = window[:, -n:]
    count = _row_sum(~np.isnan(used) * 1)
    s = _nanstd_rows(used - used[:, -1:], ddof)
    return np.where(count >= min_n, s, np.nan)


# numpy's nanmean/nanstd, row-wise and with the same operations in the same
# order (so the same numbers), but without their RuntimeWarning for an all-NaN
# row: NaN is the answer there, and silencing it with ``warnings.catch_warnings``
# would change the process-wide filters under the engine's threads. The rows
# are short (a rule's few years), so sums run column by column: numpy sums
# fewer than 8 numbers in order too (8 or more by pairs: left to numpy), and
# a loop over the short axis of a C-ordered block is several times faster
# than a reduction along it.
def _row_sum(a: np.ndarray) -> np.ndarray:
    if a.shape[1] >= 8 or a.shape[1] == 0:  # numpy's pairwise sum from 8 terms
        return a.sum(axis=1)
    total = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        total += a[:, j]
    return total


def _nanmean_rows(a: np.ndarray) -> np.ndarray:
    mask = np.isnan(a)
    total = _row_sum(np.where(mask, 0.0, a))
    count = _row_sum(~mask * 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def _nanstd_rows(a: np.ndarray, ddof: int) -> np.ndarray:
    mask = np.isnan(a)
    arr = np.where(mask, 0.0, a)
    count = _row_sum(~mask * 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = _row_sum(arr) / count
        arr -= avg[:, np.newaxis]
        arr[mask] = 0.0
        var = _row_sum(np.multiply(arr, arr, out=arr))
        dof = count - ddof
        var = var / dof
    var[dof <= 0] = np.nan
    return np.sqrt(var)
