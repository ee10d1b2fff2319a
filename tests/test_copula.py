"""Tests of the Gaussian copula: correlation validation, estimation, draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpisim import models
from kpisim._validation import ModelError

R3 = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]])


@pytest.mark.parametrize(("corr", "match"), [
    (np.ones((2, 3)), r"square 2-D matrix; got shape \(2, 3\)"),
    ([[1, 0.5], [0.4, 1]], r"symmetric; max \|R - Rᵀ\| is 0.1"),
    ([[1, 0.5], [0.5, 2]], r"unit diagonal; got \{1: 2.0\}"),
    ([[1, 1.5], [1.5, 1]], r"entries must be in \[-1, 1\]"),
    ([[1, np.nan], [np.nan, 1]], "non-finite"),
    ([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], r"positive definite; .*nearest_correlation"),
])
def test_validate_correlation_errors(corr, match):
    with pytest.raises(ModelError, match=match):
        models.validate_correlation(corr)


def test_validate_accepts_frames_and_returns_floats():
    frame = pd.DataFrame(R3, index=list("abc"), columns=list("abc"))
    np.testing.assert_array_equal(models.validate_correlation(frame), R3)


def test_nearest_correlation_repairs():
    bad = np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    fixed = models.nearest_correlation(bad)
    np.testing.assert_allclose(np.diag(fixed), 1.0)
    models.validate_correlation(fixed)
    assert np.abs(fixed - bad).max() < 0.7


@pytest.mark.parametrize("sampler", models.SAMPLERS)
def test_correlated_normals_shape_and_correlation(sampler):
    z = models.correlated_normals(R3, 32_768, 2, rng=np.random.default_rng(5), sampler=sampler)
    assert z.shape == (3, 32_768, 2)
    for t in range(2):
        emp = np.corrcoef(z[:, :, t])
        np.testing.assert_allclose(emp, R3, atol=0.03)
    np.testing.assert_allclose(z.std(axis=1), 1.0, atol=0.03)
    # years are independent of each other
    assert abs(np.corrcoef(z[0, :, 0], z[0, :, 1])[0, 1]) < 0.03


def test_correlated_normals_keep_antithetic_pairs_and_seed():
    z = models.correlated_normals(R3, 10, 3, rng=1, sampler="antithetic")
    np.testing.assert_allclose(z[:, 5:], -z[:, :5])
    np.testing.assert_array_equal(z, models.correlated_normals(R3, 10, 3, rng=1,
                                                               sampler="antithetic"))


def _growth_frame(n_years, corr, seed, n_missing=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_years, len(corr))) @ np.linalg.cholesky(corr).T
    frame = pd.DataFrame(0.03 + 0.05 * x, index=range(2000, 2000 + n_years),
                         columns=[f"k{i}" for i in range(len(corr))])
    if n_missing:
        frame.iloc[:n_missing, 0] = np.nan
    return frame


def test_estimate_correlation_recovers_and_shrinks():
    est = models.estimate_correlation(_growth_frame(400, R3, 0))
    assert list(est.columns) == ["k0", "k1", "k2"]
    np.testing.assert_allclose(est.to_numpy(), R3, atol=0.1)
    assert 0 <= est.attrs["shrinkage"] < 0.1
    small = models.estimate_correlation(_growth_frame(6, R3, 1))
    assert small.attrs["shrinkage"] > est.attrs["shrinkage"]
    models.validate_correlation(small)


def test_estimate_correlation_fixed_shrinkage():
    frame = _growth_frame(30, R3, 2)
    raw = models.estimate_correlation(frame, shrinkage=0.0).to_numpy()
    np.testing.assert_allclose(raw, frame.corr().to_numpy(), atol=1e-12)
    half = models.estimate_correlation(frame, shrinkage=0.5).to_numpy()
    np.testing.assert_allclose(half, 0.5 * raw + 0.5 * np.eye(3), atol=1e-12)
    np.testing.assert_allclose(models.estimate_correlation(frame, shrinkage=1.0), np.eye(3))
    with pytest.raises(ModelError, match="`shrinkage` must be"):
        models.estimate_correlation(frame, shrinkage=1.5)
    with pytest.raises(ModelError, match="`shrinkage` must be"):
        models.estimate_correlation(frame, shrinkage="oas")


def test_estimate_correlation_identity_when_overlap_too_short():
    frame = _growth_frame(2, R3, 3)
    est = models.estimate_correlation(frame)
    np.testing.assert_array_equal(est.to_numpy(), np.eye(3))
    # one column observed only in the last 2 of 8 years: its pairs fall back to 0
    gappy = models.estimate_correlation(_growth_frame(8, R3, 4, n_missing=6), shrinkage=0.0)
    assert gappy.loc["k0", "k1"] == 0.0
    assert gappy.loc["k1", "k2"] != 0.0


def test_estimate_correlation_repairs_non_pd_pairwise_estimates():
    # pairwise-complete estimates over different years can be jointly inconsistent:
    # a~b = +1 (years 0-3), b~c = +1 (years 4-7), a~c = -1 (years 8-11)
    x = np.array([0.1, 0.4, -0.2, 0.3])
    nan = np.full(4, np.nan)
    frame = pd.DataFrame({
        "a": np.r_[x, nan, x],
        "b": np.r_[x, x, nan],
        "c": np.r_[nan, x, -x],
    })
    est = models.estimate_correlation(frame, shrinkage=0.0)
    assert est.attrs["repaired"] is True
    models.validate_correlation(est)


def test_copula_shocks_correlate_model_paths():
    hist = pd.Series([100.0, 104, 111, 115, 121], index=range(2019, 2024))
    fits = [models.LogGrowth(parameter_uncertainty=False).fit(hist) for _ in range(2)]
    corr = [[1.0, 0.7], [0.7, 1.0]]
    z = models.correlated_normals(corr, 20_000, 2, rng=9)
    a, b = (f.sample([2025], 20_000, rng=i, shocks=z[i]) for i, f in enumerate(fits))
    assert np.corrcoef(np.log(a[:, 0]), np.log(b[:, 0]))[0, 1] == pytest.approx(0.7, abs=0.02)
