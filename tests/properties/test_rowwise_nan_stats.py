"""The handbook's row-wise NaN statistics equal numpy's nanmean/nanstd exactly.

They exist so that the engine's threads never touch the process-wide warning
filters; numpy's functions (with their all-NaN warning silenced here, in one
thread) are the independent reference.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kpisim.rules._handbook_math import _nanmean_rows, _nanstd_rows

values = st.floats(-1e9, 1e9, width=64) | st.just(float("nan"))
rows = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 11)), elements=values)


def _numpy(a: np.ndarray, ddof: int) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=1), np.nanstd(a, axis=1, ddof=ddof)


@settings(max_examples=200, deadline=None)
@given(rows, st.integers(0, 1))
def test_rowwise_stats_equal_numpy_bit_for_bit(a, ddof):
    mean, std = _numpy(a, ddof)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # they must not warn, even on all-NaN rows
        got_mean, got_std = _nanmean_rows(a), _nanstd_rows(a, ddof)
    np.testing.assert_array_equal(got_mean, mean)
    np.testing.assert_array_equal(got_std, std)
