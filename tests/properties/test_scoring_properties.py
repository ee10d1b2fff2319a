"""Properties of the handbook scores: range, monotonicity, continuity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpisim.rules import DeviationRule, LongTermPath, RatioRule
from kpisim.scoring import (
    TREND_CUTS,
    TREND_Z_MAX,
    Z_TAILS,
    score_beta,
    score_between,
    score_deviation,
    score_long_term,
    score_ratio,
    score_target_ratio,
    score_trend,
    score_z,
    trend_table,
    z_points,
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
    for kw in ({"banded": True}, {"interpolation": "midpoints"},
               *({"tails": t} for t in Z_TAILS)):
        s = score_z(z, cuts=cuts, z_max=z_max, **kw)
        assert _in_range(s)
        assert _monotone(z, s, "increase")


@given(table=band_tables())
@FAST
def test_variants_agree_at_band_mid_points(table):
    cuts, z_max = table
    c = np.asarray(cuts)
    edges = np.concatenate([-c[::-1], c])
    mids = (edges[:-1] + edges[1:]) / 2
    np.testing.assert_allclose(
        score_z(mids, cuts=cuts, z_max=z_max, interpolation="midpoints"),
        score_z(mids, banded=True, cuts=cuts, z_max=z_max))


@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(3,), (2, 4), (2, 1, 3)]))
@settings(max_examples=20, deadline=None)
def test_shape_is_kept(seed, shape):
    rng = np.random.default_rng(seed)
    actual = rng.normal(110, 15, size=shape)
    history = [100, 104, 103, 109, 112]
    for method in ("deviation", "ratio", "target_ratio", "trend", "beta", "long_term"):
        assert _score_all(method, actual, history, "increase").shape == shape


zs = st.floats(-6, 6, allow_nan=False)


@given(z=zs, tails=st.sampled_from(Z_TAILS))
@FAST
def test_table2_points_are_symmetric_about_c(z, tails):
    # the printed 5.556 makes the two ends sum to 18 × 5.556 = 100.008 %, not 100;
    # the clip at 0 / 100 % takes off at most that 0.008 in the extended tails
    total = float(z_points(z, tails=tails)) + float(z_points(-z, tails=tails))
    if abs(z) <= TREND_Z_MAX:
        assert abs(total - 18 * 5.556) < 1e-9
    else:
        assert abs(total - 100.0) < 0.0081 + 1e-9


@given(z=st.lists(zs, min_size=1, max_size=20))
@FAST
def test_score_is_20_plus_80_times_points(z):
    z = np.asarray(z)
    np.testing.assert_allclose(score_z(z), 20 + 0.8 * z_points(z), rtol=1e-12)


@given(z=st.floats(-TREND_Z_MAX, TREND_Z_MAX))
@FAST
def test_table2_is_linear_inside_every_band(z):
    edges, pct = trend_table()
    k = min(int(np.searchsorted(edges, z, side="right")) - 1, len(edges) - 2)
    frac = (z - edges[k]) / (edges[k + 1] - edges[k])
    assert float(z_points(z)) == pytest.approx(pct[k] + (pct[k + 1] - pct[k]) * frac,
                                               abs=1e-9)


@given(table=band_tables(), tails=st.sampled_from(("extend", "hold")))
@FAST
def test_table2_is_continuous_at_every_edge(table, tails):
    cuts, z_max = table
    for e in (*cuts, z_max):
        for edge in (e, -e):
            lo = score_z(edge - 1e-9, cuts=cuts, z_max=z_max, tails=tails)
            hi = score_z(edge + 1e-9, cuts=cuts, z_max=z_max, tails=tails)
            assert abs(float(hi) - float(lo)) < 1e-6


@given(history=histories, actuals=actual_arrays, shift=st.floats(-1e3, 1e3))
@FAST
def test_trend_and_beta_mirror_for_decreasing(history, actuals, shift):
    # a decreasing indicator scores like the increasing one reflected about c
    # (away from S ≈ 0, where z is rounding noise over rounding noise)
    assume(np.ptp(history) > 1e-6 * max(history) or np.ptp(history) == 0)
    hist = dict(zip(range(2018, 2023), history, strict=True))
    mirror = {y: shift - v for y, v in hist.items()}
    a = np.asarray(actuals)
    np.testing.assert_allclose(score_trend(shift - a, mirror, 2023, direction="decrease"),
                               score_trend(a, hist, 2023), atol=1e-6)
    np.testing.assert_allclose(score_beta(shift - a, list(mirror.values()),
                                          direction="decrease"),
                               score_beta(a, history), atol=1e-6)


@given(history=histories, actuals=actual_arrays, shift=st.floats(0, 1e3))
@FAST
def test_deviation_mirrors_for_decreasing(history, actuals, shift):
    # the mirror must be exact: 4 − 1.0000000000000002 rounds to 3.0, a constant
    # history, while the original is not constant (σ of one ulp)
    assume(all(shift - (shift - v) == v for v in [*history, *actuals]))
    a = np.asarray(actuals)
    mirror = [shift - v for v in history]
    np.testing.assert_allclose(
        score_deviation(shift - a, mirror, direction="decrease", category="주요사업"),
        score_deviation(a, history, category="주요사업"), atol=1e-6)


@given(history=histories, actuals=actual_arrays, goal=positive, shift=st.floats(0, 1e3),
       rebase=st.sampled_from([None, 3]), average=st.sampled_from(["actuals", "scores"]))
@FAST
def test_long_term_mirrors_for_decreasing(history, actuals, goal, shift, rebase, average):
    assume(all(shift - (shift - v) == v for v in [*history, *actuals, goal]))  # exact mirror
    hist = dict(zip(range(2018, 2023), history, strict=True))
    mirror = {y: shift - v for y, v in hist.items()}
    up = LongTermPath(2027, goal, rebase_every=rebase)
    down = LongTermPath(2027, shift - goal, rebase_every=rebase)
    a = np.asarray(actuals)
    np.testing.assert_allclose(
        score_long_term(shift - a, mirror, 2023, rule=down, direction="decrease",
                        average=average),
        score_long_term(a, hist, 2023, rule=up, average=average), atol=1e-6)


@given(seed=st.integers(0, 2**32 - 1), goal=positive, rebase=st.sampled_from([None, 2, 3]),
       direction=st.sampled_from(["increase", "decrease"]))
@settings(max_examples=30, deadline=None)
def test_long_term_paths_match_the_scalar_walk(seed, goal, rebase, direction):
    rng = np.random.default_rng(seed)
    hist = 100 * np.exp(np.cumsum(rng.normal(0.05, 0.2, size=(6, 7)), axis=1))
    years = np.arange(2018, 2025)
    rule = LongTermPath(2026, goal, base_year=2019, rebase_every=rebase)
    hi, lo, _ = rule.bounds_paths(hist, years, direction=direction)
    for i in range(hist.shape[0]):
        row = dict(zip(years.tolist(), hist[i].tolist(), strict=True))
        for k in (2, 4, 6):
            h, lw = rule.bounds(row, int(years[k]), direction=direction)
            assert (hi[i, k], lo[i, k]) == pytest.approx((h, lw), rel=1e-12)
