"""The compiled inner loops (kpisim._kernels) against plain per-path Python.

Each reference below is written from the formula in the kernel's docstring,
one path and one year at a time, independently of the kernel's loop order.
The attainment counter's loop is tested through its class in
test_engine_kernels_properties.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpisim import _kernels
from kpisim._validation import ModelError
from kpisim.models._inverse_cdf import InverseCDF
from kpisim.models._refclass import drift_given_sigma

seeds = st.integers(0, 2**32 - 1)


def _walk_reference(eps, sigma, drift, level, damp, damped):
    """Δz_{p,k} = Σ_{j≤k} [(σ_p ε_pj + d_p w_j) + l_p], or [σ_p ε_pj + (d_p + l_p)]."""
    n, k = eps.shape
    out = np.zeros((k, n))
    for p in range(n):
        acc = 0.0
        for y in range(k):
            if damped:
                step = (sigma[p] * eps[p, y] + drift[p] * damp[y]) + level[p]
            else:
                step = sigma[p] * eps[p, y] + (drift[p] + level[p])
            acc = step if y == 0 else acc + step
            out[y, p] = acc
    return out


@given(seed=seeds, n=st.integers(1, 30), k=st.integers(1, 8), damped=st.booleans(),
       fortran=st.booleans(), limit=st.sampled_from([50.0, 0.5]))
@settings(max_examples=60, deadline=None)
def test_damped_walk_is_the_written_sum_bit_for_bit(seed, n, k, damped, fortran, limit):
    g = np.random.default_rng(seed)
    eps = g.standard_normal((n, k))
    if fortran:  # correlated shocks may arrive in any layout
        eps = np.asfortranarray(eps)
    sigma = np.exp(g.normal(-2, 1, n))
    drift = g.normal(0, 0.1, n)
    level = g.normal(0.03, 0.02, n)
    damp = 0.8 ** np.arange(1, k + 1)
    out = np.empty((k, n))
    outside = _kernels.damped_walk(eps, sigma, drift, level, damp, damped, limit, out)
    want = _walk_reference(eps, sigma, drift, level, damp, damped)
    assert np.array_equal(out, want)  # the same operations in the same order
    assert outside == np.count_nonzero(~(np.abs(want) <= limit))


def test_damped_walk_counts_nan_as_outside():
    eps = np.array([[np.nan, 0.0]])
    out = np.empty((2, 1))
    assert _kernels.damped_walk(eps, np.ones(1), np.zeros(1), np.zeros(1), np.ones(2),
                                False, 50.0, out) == 2


@given(seed=seeds, n=st.integers(1, 200), big_g=st.sampled_from([0.0, 1.0, 7.0]),
       tau=st.floats(0.01, 1.0), mu_hat=st.floats(-0.5, 0.5))
@settings(max_examples=60, deadline=None)
def test_drift_draws_are_drift_given_sigma_bit_for_bit(seed, n, big_g, tau, mu_hat):
    """μ = mean + z/√P with drift_given_sigma's mean and precision, the same operations."""
    g = np.random.default_rng(seed)
    sigma = np.exp(g.normal(-2.5, 0.8, n))
    z = g.standard_normal(n)
    mu = np.empty(n)
    _kernels.drift_draws(sigma, z, 0.03, tau, big_g, mu_hat, mu)
    mean, prec = drift_given_sigma(sigma**2, 0.03, tau, big_g, mu_hat)
    assert np.array_equal(mu, mean + z / np.sqrt(prec))


@pytest.mark.parametrize("bad", [-1e-300, 1.0, np.nan, 2.0])
def test_inverse_cdf_refuses_u_outside_the_unit_interval(bad):
    inv = InverseCDF(np.array([0.0, 1.0, 3.0]), np.array([0.0, 0.5, 1.0]))
    with pytest.raises(ModelError, match=r"\[0, 1\)"):
        inv(np.array([0.25, bad]))
    assert inv(np.array([0.0, 0.5, 0.75])).tolist() == [0.0, 1.0, 2.0]


# ------------------------------------------------ what a compiled loop must refuse
def test_the_counter_refuses_values_of_the_wrong_shape():
    """With bounds checks off, a block of the wrong width wrote past the counter's
    arrays (silent wrong counts, or a crash); numpy used to raise."""
    from kpisim.attainment import AttainmentCounter

    c = AttainmentCounter(years=np.array([2025, 2026]), targets=np.array([1.0, 2.0]),
                          goal=2.0, direction="increase")
    with pytest.raises(ValueError, match=r"shape \(n_paths, 2\)"):
        c.update(np.full((4, 6), 5.0))
    with pytest.raises(ValueError, match="shape"):
        c.update(np.full(4, 5.0))
    with pytest.raises(ValueError, match="`targets` must have the shape"):
        c.update(np.zeros((1000, 2)), np.ones((3, 2)))
    assert c.n == 0
    assert c.hits.sum() == 0


def test_a_whole_count_is_judged_against_its_threshold_exactly():
    """A count meets 0.15 when v ≥ ⌈0.15⌉ − ½ = 0.5: 0.49999999999999994 does not
    (the old slack arithmetic, fl(t − v) > fl(t − ½), rounded it into a hit)."""
    from kpisim.attainment import AttainmentCounter

    v = np.array([[np.nextafter(0.5, 0.0)], [0.5]])
    up = AttainmentCounter(years=np.array([2025]), targets=np.array([0.15]), goal=0.15,
                           direction="increase", whole=True)
    up.update(v)
    assert up.hits.tolist() == [1]  # only 0.5 rounds to 1 ≥ 0.15
    down = AttainmentCounter(years=np.array([2025]), targets=np.array([0.15]), goal=0.15,
                             direction="decrease", whole=True)
    down.update(v)
    assert down.hits.tolist() == [1]  # only 0.4999… rounds to 0 ≤ 0.15
    # an infinite per-path target is never met by a finite count
    inf = AttainmentCounter(years=np.array([2025]), targets=np.array([1.0]), goal=1.0,
                            direction="increase", whole=True)
    inf.update(np.array([[3.0]]), np.array([[np.inf]]))
    assert inf.hits.tolist() == [0]
    assert inf.evaluated.tolist() == [1]
