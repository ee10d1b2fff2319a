"""Properties of the handbook scores: range, monotonicity, continuity."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kpisim.rules import DeviationRule, LongTermPath, RatioRule
from kpisim.scoring import (
    TREND_CUTS,
    TREND_Z_MAX,
    score_beta,
    score_between,
    score_deviation,
    score_long_term,
    score_ratio,
    score_target_ratio,
    score_trend,
    score_z,
)

FAST = settings(max_examples=60, deadline=None)
finite = st.floats(-1e6, 1e6, allow_nan=False)
positive = st.floats(1.0, 1e5, allow_nan=False)
directions = st.sampled_from(["increase", "decrease", "maintain"])
histories = st.lists(positive, min_size=5, max_size=5)
actual_arrays = st.lists(st.floats(-1e5, 2e5, allow_nan=False), min_size=2, max_size=30)


def _in_range(s) -> bool:
    s = np.asarray(s)
    return bool(np.all((s >= 20) & (s <= 100)))


def _monotone(actuals, scores, direction) -> bool:
    order = np.argsort(actuals, kind="stable")
    diffs = np.diff(np.asarray(scores)[order])
    if direction == "decrease":
        diffs = -diffs
    return bool(np.all(diffs >= -1e-9))


def _score_all(method, actuals, history, direction):
    """Score ``actuals`` with ``method`` against a 5-year history ending in 2022."""
    hist = dict(zip(range(2018, 2023), history, strict=True))
    if method == "deviation":
        return score_deviation(actuals, history, rule=DeviationRule(k=1.5), direction=direction)
    if method == "ratio":
        return score_ratio(actuals, history, rule=RatioRule(high=1.2), direction=direction)
    if method == "target_ratio":
        return score_target_ratio(actuals, history[-1], direction=direction)
    if method == "trend":
        return score_trend(actuals, hist, 2023, direction=direction)
    if method == "trend_banded":
        return score_trend(actuals, hist, 2023, direction=direction, banded=True)
    if method == "beta":
        return score_beta(actuals, history, direction=direction)
    goal = history[-1] * (0.5 if direction == "decrease" else 1.5)
    return score_long_term(actuals, hist, 2023, direction=direction,
                           rule=LongTermPath(goal_year=2027, goal_value=goal))


methods = st.sampled_from(["deviation", "ratio", "target_ratio", "trend", "trend_banded",
                           "beta", "long_term"])


@given(method=methods, history=histories, actuals=actual_arrays, direction=directions)
@FAST
def test_scores_in_range_and_monotone_in_the_actual(method, history, actuals, direction):
    actuals = np.asarray(actuals)
    scores = _score_all(method, actuals, history, direction)
    assert scores.shape == actuals.shape
    assert _in_range(scores)
    assert _monotone(actuals, scores, direction)


@given(actual=st.lists(finite, min_size=1, max_size=20), a=finite, b=finite,
       direction=directions)
@FAST
def test_interpolation_in_range_and_monotone_for_any_bounds(actual, a, b, direction):
    actual = np.asarray(actual)
    scores = score_between(actual, a, b, direction=direction)
    assert _in_range(scores)
    assert _monotone(actual, scores, direction)


@st.composite
def band_tables(draw):
    steps = draw(st.lists(st.floats(0.05, 1.0), min_size=1, max_size=6))
    cuts = tuple(np.cumsum(steps).tolist())
    z_max = cuts[-1] + draw(st.floats(0.05, 1.0))
    return cuts, z_max


@given(table=band_tables())
@FAST
def test_continuous_z_score_is_continuous_at_every_edge(table):
    cuts, z_max = table
    edges = [*cuts, z_max]
    for e in (*edges, *(-x for x in edges)):
        lo, hi = score_z(e - 1e-9, cuts=cuts, z_max=z_max), score_z(e + 1e-9, cuts=cuts,
                                                                    z_max=z_max)
        assert abs(float(hi) - float(lo)) < 1e-6


def test_continuous_z_score_is_continuous_at_the_handbook_edges():
    for e in (*TREND_CUTS, TREND_Z_MAX):
        for edge in (e, -e):
            assert abs(float(score_z(edge + 1e-9)) - float(score_z(edge - 1e-9))) < 1e-6


@given(table=band_tables(), z=st.lists(st.floats(-5, 5, allow_nan=False), min_size=2,
                                       max_size=50))
@FAST
def test_both_z_variants_monotone_and_in_range(table, z):
    cuts, z_max = table
    z = np.asarray(z)
    for banded in (False, True):
        s = score_z(z, banded=banded, cuts=cuts, z_max=z_max)
        assert _in_range(s)
        assert _monotone(z, s, "increase")


@given(table=band_tables())
@FAST
def test_variants_agree_at_band_mid_points(table):
    cuts, z_max = table
    c = np.asarray(cuts)
    edges = np.concatenate([-c[::-1], c])
    mids = (edges[:-1] + edges[1:]) / 2
    np.testing.assert_allclose(score_z(mids, cuts=cuts, z_max=z_max),
                               score_z(mids, banded=True, cuts=cuts, z_max=z_max))


@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(3,), (2, 4), (2, 1, 3)]))
@settings(max_examples=20, deadline=None)
def test_shape_is_kept(seed, shape):
    rng = np.random.default_rng(seed)
    actual = rng.normal(110, 15, size=shape)
    history = [100, 104, 103, 109, 112]
    for method in ("deviation", "ratio", "target_ratio", "trend", "beta", "long_term"):
        assert _score_all(method, actual, history, "increase").shape == shape
