"""The engine's inner kernels against plain, independent formulas.

The kernels are written for speed (years as contiguous rows, a guide table
instead of a binary search, row-wise counts); each is checked here against
the obvious slow computation of the same quantity.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kpisim._validation import ModelError
from kpisim.attainment import AttainmentCounter
from kpisim.models._base import level_from_change
from kpisim.models._inverse_cdf import InverseCDF
from kpisim.models._refgrowth import RefGrowth

seeds = st.integers(0, 2**32 - 1)


# ------------------------------------------------------------ inverse CDF
@st.composite
def cdfs(draw):
    """A CDF on increasing x with flat stretches, exact 0 and 1 at the ends."""
    k = draw(st.integers(1, 60))
    w = draw(arrays(np.float64, k, elements=st.floats(0, 1e3)))
    zero = draw(arrays(np.bool_, k))
    w = np.where(zero, 0.0, w)
    # tails as thin as the σ grid's: weights down to 1e-300 of the largest
    w = w * 10.0 ** -draw(arrays(np.float64, k, elements=st.floats(0, 300)))
    if w.sum() == 0:
        w[draw(st.integers(0, k - 1))] = 1.0
    cdf = np.r_[0.0, np.cumsum(w)]
    cdf /= cdf[-1]
    x = np.cumsum(draw(arrays(np.float64, k + 1, elements=st.floats(0.01, 2)))) - 5
    return x, cdf


@given(xc=cdfs(), seed=seeds, bits=st.integers(1, 14))
@settings(max_examples=200, deadline=None)
def test_inverse_cdf_is_bitwise_numpy_interp(xc, seed, bits):
    x, cdf = xc
    u = np.random.default_rng(seed).random(2000)
    # every node, the float just below each node, and 0 exactly
    u = np.r_[u, cdf[:-1], np.nextafter(cdf[1:], 0.0), 0.0]
    u = u[(u >= 0) & (u < 1)]
    got = InverseCDF(x, cdf, bucket_bits=bits)(u)
    assert np.array_equal(got, np.interp(u, cdf, x))


def test_inverse_cdf_of_a_uniform_is_the_identity():
    inv = InverseCDF(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    u = np.random.default_rng(1).random(1000)
    assert np.array_equal(inv(u), u)


@pytest.mark.parametrize(("x", "cdf"), [
    ([0.0, 1.0], [0.0, 0.9]),        # does not reach 1
    ([0.0, 1.0], [0.1, 1.0]),        # does not start at 0
    ([0.0, 1.0, 2.0, 3.0], [0.0, 0.6, 0.5, 1.0]),  # decreasing
    ([1.0, 0.0], [0.0, 1.0]),        # x decreasing
    ([0.0], [1.0]),                  # one point
])
def test_inverse_cdf_refuses_what_is_not_a_cdf(x, cdf):
    with pytest.raises(ModelError, match="InverseCDF"):
        InverseCDF(np.array(x), np.array(cdf))


# ------------------------------------------------------ attainment counts
def reference_met(v, t, decrease, whole):
    """Whether value v meets target t (NaN never does).

    ``whole``: a count judged by its whole number — an increasing one meets t
    when v ≥ ⌈t⌉ − ½, a decreasing one when v < ⌊t⌋ + ½ (the rule of
    docs/concepts); its shortfall is still measured from t.
    """
    if whole:
        return v < math.floor(t) + 0.5 if decrease else v >= math.ceil(t) - 0.5
    return v <= t if decrease else v >= t


def _reference_counts(values, targets, goal, decrease, whole=False):
    """Every count by explicit per-path logic (NaN: neither met nor missed)."""

    def met(v, t):
        return reference_met(v, t, decrease, whole)

    n, k = values.shape
    s = -1.0 if decrease else 1.0
    judged = ~np.isnan(targets)
    hits = np.zeros(k, int)
    evaluated = np.zeros(k, int)
    shortfall = np.zeros(k)
    path_hits = np.zeros(k, int)
    first = np.zeros(k + 1, int)
    for p in range(n):
        ok_so_far = True
        reached = None
        for i in range(k):
            v = values[p, i]
            if judged[i]:
                g = s * (targets[i] - v)
                if not np.isnan(g):
                    ok = met(v, targets[i])
                    evaluated[i] += 1
                    hits[i] += ok
                    shortfall[i] += 0.0 if ok else max(g, 0.0)
                    ok_so_far = ok_so_far and ok
            path_hits[i] += ok_so_far
            if reached is None and not np.isnan(v) and met(v, goal):
                reached = i
        first[k if reached is None else reached] += 1
    return hits, evaluated, shortfall, path_hits, first


@given(
    seed=seeds,
    n=st.integers(1, 40),
    k=st.integers(1, 7),
    decrease=st.booleans(),
    fortran=st.booleans(),
    nan_share=st.sampled_from([0.0, 0.2]),
    whole=st.booleans(),
)
@settings(max_examples=80, deadline=None)
def test_attainment_counts_are_the_per_path_counts(seed, n, k, decrease, fortran, nan_share,
                                                   whole):
    g = np.random.default_rng(seed)
    values = g.lognormal(4.6, 0.3, (n, k))
    if whole:  # counts near small targets, some exactly whole, some on the ½ edges
        values = np.round(g.lognormal(1.5, 0.6, (n, k)) * 2) / 2
    values[g.random((n, k)) < nan_share] = np.nan
    if fortran:
        values = np.asfortranarray(values)
    targets = g.lognormal(4.6, 0.2, k)
    goal = float(g.lognormal(4.6, 0.2))
    if whole:
        targets = g.lognormal(1.5, 0.4, k) * g.choice([1.0, 0.0], k, p=[0.8, 0.2])
        exact = g.random(k) < 0.4  # some whole targets (a 0 among them: 무사고 0건)
        targets[exact] = np.round(targets[exact])
        goal = float(np.round(g.lognormal(1.5, 0.4), 1))
    targets[g.random(k) < 0.3] = np.nan
    c = AttainmentCounter(years=np.arange(2024, 2024 + k), targets=targets, goal=goal,
                          direction="decrease" if decrease else "increase", whole=whole)
    c.update(values)
    hits, evaluated, shortfall, path_hits, first = _reference_counts(
        values, targets, goal, decrease, whole)
    judged = ~np.isnan(targets)
    assert np.array_equal(c.hits[judged], hits[judged])
    assert np.array_equal(c.evaluated[judged], evaluated[judged])
    assert np.allclose(c.shortfall_sum[judged], shortfall[judged], rtol=1e-12, atol=1e-9)
    assert np.array_equal(c.path_hits, path_hits)
    assert np.array_equal(c.first_hit, first)


def _per_path_reference(values, targets, goal, decrease, whole):
    """Counts with a target per path and year (NaN target: not judged there)."""
    def met(v, t):
        return reference_met(v, t, decrease, whole)

    n, k = values.shape
    s = -1.0 if decrease else 1.0
    out = {name: np.zeros(k, int) for name in ("hits", "evaluated", "path_hits", "nonfinite")}
    out["shortfall"] = np.zeros(k)
    out["shortfall_rel"] = np.zeros(k)
    out["first"] = np.zeros(k + 1, int)
    for p in range(n):
        ok_so_far = True
        reached = None
        for i in range(k):
            v, t = values[p, i], targets[p, i]
            out["nonfinite"][i] += not math.isfinite(v)
            if not (math.isnan(v) or math.isnan(t)):  # every year is judged
                ok = met(v, t)
                out["evaluated"][i] += 1
                out["hits"][i] += ok
                gap = 0.0 if ok else max(s * (t - v), 0.0)
                out["shortfall"][i] += gap
                out["shortfall_rel"][i] += gap / abs(t) if t != 0 else 0.0
                ok_so_far = ok_so_far and ok
            out["path_hits"][i] += ok_so_far
            if reached is None and not math.isnan(v) and met(v, goal):
                reached = i
        out["first"][k if reached is None else reached] += 1
    return out


@given(seed=seeds, n=st.integers(1, 40), k=st.integers(1, 6), decrease=st.booleans(),
       whole=st.booleans(), nan_share=st.sampled_from([0.0, 0.25]))
@settings(max_examples=80, deadline=None)
def test_per_path_targets_are_counted_path_by_path(seed, n, k, decrease, whole, nan_share):
    """A rule's targets recomputed on each path: each path judged against its own."""
    g = np.random.default_rng(seed)
    values = g.lognormal(2.0, 0.5, (n, k))
    if whole:  # counts, some on the ½ edges
        values = np.round(values * 2) / 2
    targets = g.lognormal(2.0, 0.3, (n, k))
    targets[g.random((n, k)) < nan_share] = np.nan  # a rule lacking history on some paths
    targets[g.random((n, k)) < 0.1] = 0.0  # a target of 0: no relative shortfall
    values[g.random((n, k)) < nan_share / 2] = np.nan
    goal = float(g.lognormal(2.0, 0.3))
    stated = np.full(k, 1.0)  # every year judged
    c = AttainmentCounter(years=np.arange(2024, 2024 + k), targets=stated, goal=goal,
                          direction="decrease" if decrease else "increase", whole=whole)
    c.update(values, targets)
    want = _per_path_reference(values, targets, goal, decrease, whole)
    assert np.array_equal(c.hits, want["hits"])
    assert np.array_equal(c.evaluated, want["evaluated"])
    assert np.array_equal(c.path_hits, want["path_hits"])
    assert np.array_equal(c.first_hit, want["first"])
    assert np.array_equal(c.nonfinite, want["nonfinite"])
    assert np.allclose(c.shortfall_sum, want["shortfall"], rtol=1e-12, atol=1e-12)
    assert np.allclose(c.shortfall_rel_sum, want["shortfall_rel"], rtol=1e-12, atol=1e-12)


@given(seed=seeds, n=st.integers(1, 30), k=st.integers(1, 5))
@settings(max_examples=40, deadline=None)
def test_non_finite_values_are_counted_per_year_and_never_met(seed, n, k):
    g = np.random.default_rng(seed)
    values = g.lognormal(0, 1, (n, k))
    pick = g.random((n, k))
    values[pick < 0.1] = np.nan
    values[(pick >= 0.1) & (pick < 0.15)] = np.inf
    values[(pick >= 0.15) & (pick < 0.2)] = -np.inf
    c = AttainmentCounter(years=np.arange(2024, 2024 + k), targets=np.full(k, 1.0), goal=1.0,
                          direction="increase")
    c.update(values)
    c.update(values)  # totals add up block after block
    assert np.array_equal(c.nonfinite, 2 * (~np.isfinite(values)).sum(axis=0))
    # NaN is neither met nor missed; +inf meets, -inf misses
    assert np.array_equal(c.evaluated, 2 * (~np.isnan(values)).sum(axis=0))
    assert np.array_equal(c.hits, 2 * (values >= 1.0).sum(axis=0))


# ------------------------------------------------------------ refgrowth
@given(seed=seeds, n=st.integers(1, 50), steps=st.integers(1, 9),
       phi=st.sampled_from([1.0, 0.7, 0.99998]), lam=st.sampled_from([0.0, 0.03]))
@settings(max_examples=40, deadline=None)
def test_refgrowth_paths_are_the_written_recursion(seed, n, steps, phi, lam):
    """z_{T+k} = z_T + Σ_{j≤k} [m0 + φ^j (μ − m0) + √λ σ z_δ + σ ε_j], fixed σ, μ."""
    hist = pd.Series([100.0, 108.0, 113.0, 125.0], index=[2019, 2020, 2021, 2022])
    fitted = RefGrowth(phi=phi, drift_break=lam, parameter_uncertainty=False).fit(hist)
    g = np.random.default_rng(seed)
    eps = g.standard_normal((n, steps))
    growth = g.standard_normal((n, 2))
    years = list(range(2023, 2023 + steps))
    got = fitted.sample(years, n, rng=seed, shocks=eps, param_shocks=growth)
    p = fitted.params
    sigma, mu, m0 = p["sigma"], p["mu"], p["m0"]
    j = np.arange(1, steps + 1)
    drift = (m0 + phi**j * (mu - m0))[None, :] + np.sqrt(lam) * sigma * growth[:, 1:2]
    yearly = drift + sigma * eps
    change = np.cumsum(yearly, axis=1)
    want = 125.0 * np.exp(change)
    assert got.shape == (n, steps)
    # levels come from float32 exp of the change (level_from_change's bound)
    assert np.all(np.abs(got / want - 1) <= 2.0**-24 * (np.abs(change) + 8))


@given(change=arrays(np.float64, st.integers(0, 300),
                     elements=st.floats(-50, 50, allow_subnormal=False)),
       z_last=st.floats(-300, 300))
@settings(max_examples=200, deadline=None)
def test_levels_from_changes_are_within_the_stated_float32_bound(change, z_last):
    """e^{z_T} · float32(e^{Δz}) against float64 e^{z_T + Δz}: relative error
    at most 2⁻²⁴(|Δz| + 8), as level_from_change's docstring states."""
    want = np.exp(np.float64(z_last) + change)
    got = level_from_change(change.copy(), z_last)
    assert got.dtype == np.float64
    assert got.shape == change.shape
    assert np.all(np.abs(got / want - 1) <= 2.0**-24 * (np.abs(change) + 8))
    zero = level_from_change(np.zeros(3), z_last)
    assert np.all(zero == np.exp(z_last))  # no change: the last level exactly


def test_levels_from_changes_is_in_place_and_keeps_the_layout():
    change = np.asfortranarray(np.linspace(-3, 3, 12).reshape(3, 4))
    out = level_from_change(change, 1.5)
    assert out is change
    assert out.flags.f_contiguous


@given(seed=seeds, n=st.integers(1, 30))
@settings(max_examples=20, deadline=None)
def test_refgrowth_numbers_do_not_depend_on_the_shocks_memory_layout(seed, n):
    hist = pd.Series([100.0, 108.0, 113.0], index=[2020, 2021, 2022])
    fitted = RefGrowth().fit(hist)
    eps = np.random.default_rng(seed).standard_normal((n, 5))
    before = eps.copy()
    a = fitted.sample(range(2023, 2028), n, rng=seed, shocks=eps)
    b = fitted.sample(range(2023, 2028), n, rng=seed, shocks=np.asfortranarray(eps))
    assert np.array_equal(a, b)
    assert np.array_equal(eps, before)  # the caller's shocks are not modified
    sub = fitted.sample([2024, 2027], n, rng=seed, shocks=eps)
    assert np.array_equal(sub, a[:, [1, 4]])
