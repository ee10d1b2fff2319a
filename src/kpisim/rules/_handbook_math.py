"""Handbook maths shared by the rules: the baseline and σ, scalar and vectorised.

Means and deviations are taken relative to the last value: exact for a
constant history (baseline = the value, σ = 0) and shift-invariant.
"""

from __future__ import annotations

import warnings

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
    with np.errstate(invalid="ignore"), _quiet():
        mean = last + np.nanmean(window[:, -3:] - last[:, np.newaxis], axis=1)
    return np.fmin(last, mean) if direction == "decrease" else np.fmax(last, mean)


def sigma_vec(window: np.ndarray, n: int, ddof: int, min_n: int) -> np.ndarray:
    """Row-wise std of the last ``n`` columns ignoring NaN; NaN if < min_n."""
    used = window[:, -n:]
    count = np.sum(~np.isnan(used), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"), _quiet():
        s = np.nanstd(used - used[:, -1:], axis=1, ddof=ddof)
    return np.where(count >= min_n, s, np.nan)


class _quiet:
    """Silence numpy's RuntimeWarning for all-NaN slices (NaN is the answer)."""

    def __enter__(self) -> None:
        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)
