"""Tests of the innovation samplers (plain, antithetic, LHS, Sobol')."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from kpisim import models
from kpisim._validation import SimulationError


@pytest.mark.parametrize("method", models.SAMPLERS)
@pytest.mark.parametrize(("n_paths", "n_steps"), [(1, 1), (7, 3), (64, 5), (100, 2), (5, 0)])
def test_shape_dtype_and_reproducibility(method, n_paths, n_steps):
    z = models.standard_normals(n_paths, n_steps, rng=3, method=method)
    assert z.shape == (n_paths, n_steps)
    assert z.dtype == np.float64
    assert np.all(np.isfinite(z))
    np.testing.assert_array_equal(z, models.standard_normals(n_paths, n_steps, rng=3,
                                                             method=method))


@pytest.mark.parametrize("method", models.SAMPLERS)
def test_a_reused_buffer_gives_the_same_numbers(method):
    """``out=`` (the engine's per-indicator buffer) never changes the draws;
    a buffer of the wrong shape, dtype or layout is not used."""
    want = models.standard_normals(64, 5, rng=3, method=method)
    buf = np.full((64, 5), np.nan)
    got = models.standard_normals(64, 5, rng=3, method=method, out=buf)
    np.testing.assert_array_equal(got, want)
    assert (got is buf) == (method == "plain")
    for bad in (np.empty((64, 4)), np.empty((64, 5), np.float32), np.empty((5, 64)).T):
        got = models.standard_normals(64, 5, rng=3, method=method, out=bad)
        assert got is not bad
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("method", models.SAMPLERS)
def test_marginals_are_standard_normal(method):
    z = models.standard_normals(4096, 3, rng=np.random.default_rng(1), method=method)
    assert np.abs(z.mean(axis=0)).max() < 0.06
    assert np.abs(z.std(axis=0) - 1).max() < 0.05


def test_antithetic_pairs():
    z = models.standard_normals(7, 4, rng=0, method="antithetic")
    np.testing.assert_array_equal(z[4:], -z[:3])


def test_lhs_is_stratified():
    n = 50
    z = models.standard_normals(n, 4, rng=0, method="lhs")
    cells = np.floor(special.ndtr(z) * n).astype(int)
    for col in cells.T:
        assert sorted(col) == list(range(n))


def test_sobol_without_power_of_two_does_not_warn():
    # pytest runs with filterwarnings=error: scipy's balance warning must not escape
    z = models.standard_normals(100, 3, rng=0, method="sobol")
    assert z.shape == (100, 3)


def test_bad_arguments():
    with pytest.raises(SimulationError, match=r"`method` must be one of \['plain'"):
        models.standard_normals(4, 2, method="halton")
    with pytest.raises(SimulationError, match="`n_paths` must be an integer"):
        models.standard_normals(-1, 2)


def _estimator_variance(method, n_paths, reps=200, seed=2024):
    """Variance over replications of the MC mean of exp(0.3 Σ z) (a lognormal)."""
    streams = np.random.default_rng(seed).spawn(reps)
    est = np.empty(reps)
    for i, rng in enumerate(streams):
        z = models.standard_normals(n_paths, 4, rng=rng, method=method)
        est[i] = np.exp(0.3 * z.sum(axis=1)).mean()
    return est.mean(), est.var()


def test_variance_reduction_against_plain():
    truth = np.exp(0.5 * 0.09 * 4)
    mean_plain, var_plain = _estimator_variance("plain", 128)
    assert mean_plain == pytest.approx(truth, rel=0.01)
    for method, n in [("antithetic", 128), ("lhs", 128), ("sobol", 128), ("sobol", 100)]:
        mean, var = _estimator_variance(method, n)
        assert mean == pytest.approx(truth, rel=0.01), method
        assert var < var_plain, (method, n, var, var_plain)
    # Sobol' at a power of two is the strongest by far here
    assert _estimator_variance("sobol", 128)[1] < var_plain / 5


def test_samplers_feed_models():
    fit = models.LogGrowth().fit(pd.Series([100.0, 104, 111, 115], index=[2020, 2021, 2022, 2023]))
    z = models.standard_normals(256, 3, rng=1, method="sobol")
    paths = fit.sample([2026], 256, rng=2, shocks=z)
    assert paths.shape == (256, 1)
    assert np.all(paths > 0)
