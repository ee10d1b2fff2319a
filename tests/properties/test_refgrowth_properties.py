"""Properties of the reference-class growth model (``refgrowth``).

Reference values are closed forms (the Student-t predictive of
:mod:`kpisim.models._refclass`, derived by hand there) or the 0.1 ``loggrowth``
model, never the sampler's own output.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kpisim import models
from kpisim._validation import KpisimWarning, ModelError
from kpisim.models._refclass import (
    CaseStats,
    ReferencePrior,
    fit_reference_prior,
    persistence_sum,
    predictive,
    sustained_share,
)

seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def histories(draw, *, min_size=1, max_size=8, low=1e-3, high=1e6):
    n = draw(st.integers(min_size, max_size))
    gaps = draw(st.lists(st.integers(1, 2), min_size=max(n - 1, 0), max_size=max(n - 1, 0)))
    first = draw(st.integers(1990, 2020))
    years = np.cumsum([first, *gaps])
    values = draw(st.lists(st.floats(low, high), min_size=n, max_size=n))
    return pd.Series(np.asarray(values, float), index=pd.Index(years, dtype="int64"))


def _stats(hist: pd.Series) -> CaseStats:
    z = np.log(hist.to_numpy())
    return CaseStats.from_increments(np.diff(z), np.diff(hist.index.to_numpy()))


@given(hist=histories(), h=st.integers(1, 15))
@settings(max_examples=150, deadline=None)
def test_predictive_variance_is_finite_for_every_history_length(hist, h):
    """ν_n = ν0 + n > 2 and a finite scale for 1, 2, … actuals: finite variance."""
    ref = models.reference_prior("log")
    loc, scale, nu = predictive(_stats(hist), h, ref)
    assert np.all(nu > 2)
    var = scale**2 * nu / (nu - 2)
    assert np.all(np.isfinite(loc))
    assert np.all(np.isfinite(var))
    assert np.all(var > 0)


@pytest.mark.parametrize("n_actuals", [1, 2, 3, 6])
def test_sampled_marginal_is_the_closed_form_student_t(n_actuals):
    """Without the σ truncation, z_{T+h} − z_T is exactly t_ν(loc, scale) (KS test)."""
    rng = np.random.default_rng(11)
    years = np.arange(2015, 2015 + n_actuals)
    hist = pd.Series(100 * np.exp(np.cumsum(rng.normal(0.1, 0.2, n_actuals))), index=years)
    ref = models.reference_prior("log")
    fit = models.RefGrowth(sigma_max=float("inf")).fit(hist, kind="count")
    h = np.array([1, 4, 9])
    paths = fit.sample((years[-1] + h).tolist(), 40_000, rng=5)
    loc, scale, nu = predictive(_stats(hist), h, ref)
    for j in range(len(h)):
        dz = np.log(paths[:, j]) - np.log(hist.iloc[-1])
        p = stats.kstest(dz, stats.t(nu[0] if np.ndim(nu) else nu, loc[j], scale[j]).cdf).pvalue
        assert p > 1e-4, (n_actuals, h[j], p)


def test_sigma_truncation_gives_finite_moments_on_the_original_scale():
    """With one actual the level's sample mean settles (no t tail on the log scale)."""
    hist = pd.Series([1100.0], index=[2021])
    fit = models.get_model("refgrowth").fit(hist, kind="count")
    a = fit.sample([2030], 200_000, rng=1)[:, 0]
    b = fit.sample([2030], 200_000, rng=2)[:, 0]
    assert np.isfinite(a.mean())
    assert abs(a.mean() / b.mean() - 1) < 0.1
    assert a.max() < 1100 * np.exp(50)


@given(
    hist=histories(min_size=1, max_size=6, low=0.0, high=10.0),
    seed=seeds,
    low=st.floats(-5, 0),
    width=st.floats(10, 100),
)
@settings(max_examples=100, deadline=None)
def test_bounded_values_never_leave_their_bounds(hist, seed, low, width):
    high = low + width
    hist = hist.clip(upper=width) + low  # inside [low, high]
    fit = models.get_model("refgrowth").fit(hist, kind="level", bounds=(low, high))
    paths = fit.sample([int(hist.index[-1]) + k for k in (1, 5, 20)], 500, rng=seed)
    assert np.all(np.isfinite(paths))
    assert paths.min() >= low
    assert paths.max() <= high


def test_shares_default_to_0_100():
    fit = models.get_model("refgrowth").fit(pd.Series([99.9, 100.0], index=[2020, 2021]),
                                            kind="share")
    paths = fit.sample([2030], 5_000, rng=3)
    assert paths.min() >= 0
    assert paths.max() <= 100


@given(hist=histories(min_size=3, max_size=8), seed=seeds)
@settings(max_examples=60, deadline=None)
def test_without_pooling_and_with_phi_1_it_is_the_loggrowth_random_walk(hist, seed):
    """Regression: reference=None, φ=1, λ=0, no truncation ≡ 0.1's ``loggrowth``."""
    z = np.log(hist.to_numpy())
    d = np.diff(z) / np.diff(hist.index.to_numpy())
    if np.ptp(d) < 1e-6:
        return  # zero growth variance: both refuse
    old = models.LogGrowth().fit(hist, kind="level")
    new = models.RefGrowth(reference=None, phi=1.0, drift_break=0.0,
                           sigma_max=float("inf")).fit(hist, kind="level")
    years = [int(hist.index[-1]) + k for k in (1, 3, 7)]
    a = old.sample(years, 64, rng=seed)
    with warnings.catch_warnings():  # 3 actuals and no prior: t(1), clipped as in 0.1
        warnings.simplefilter("ignore", KpisimWarning)
        b = new.sample(years, 64, rng=seed)
    np.testing.assert_allclose(b, a, rtol=1e-9)


def test_one_actual_works_without_any_user_prior():
    fit = models.get_model("refgrowth").fit(pd.Series([1100.0], index=[2021]), kind="count")
    assert fit.params["n_growth"] == 0
    ref = models.reference_prior("log")
    # the forecast is the reference class's: median growth m0 a year
    med = np.median(np.log(fit.sample([2030], 50_000, rng=4)[:, 0] / 1100))
    assert med == pytest.approx(9 * ref.m0, abs=0.03)


def test_own_growth_is_pooled_by_the_number_of_actuals():
    """m_n = (κ0 m0 + G μ̂)/(κ0 + G): more actuals, more weight on the series' own growth."""
    ref = models.reference_prior("log")
    fast = [100 * 1.3**k for k in range(9)]
    for n in (2, 4, 9):
        hist = pd.Series(fast[:n], index=range(2013, 2013 + n))
        fit = models.get_model("refgrowth").fit(hist, kind="count")
        g = n - 1
        expect = (ref.kappa0 * ref.m0 + g * np.log(1.3)) / (ref.kappa0 + g)
        assert fit.params["mu"] == pytest.approx(expect, rel=1e-12)


@given(phi=st.floats(0, 1), h=st.integers(1, 30))
def test_persistence_sum_is_the_geometric_sum(phi, h):
    expect = sum(phi**k for k in range(1, h + 1))
    assert persistence_sum(phi, h) == pytest.approx(expect, rel=1e-9, abs=1e-12)


def test_estimator_recovers_known_hyperparameters():
    """Simulate corpus-like cases from known θ; the estimator finds θ again."""
    rng = np.random.default_rng(2026)
    true = ReferencePrior(m0=0.04, kappa0=5.0, nu0=6.0, s0=0.08, phi=0.6, lam=0.1)
    n_series, n_hist, horizon = 3000, 6, 6
    sig2 = true.nu0 * true.s0**2 / rng.chisquare(true.nu0, n_series)
    sig = np.sqrt(sig2)
    mu = true.m0 + sig / np.sqrt(true.kappa0) * rng.standard_normal(n_series)
    delta = np.sqrt(true.lam) * sig * rng.standard_normal(n_series)
    past = mu[:, None] + sig[:, None] * rng.standard_normal((n_series, n_hist - 1))
    k = np.arange(1, horizon + 1)
    future = (true.m0 + true.phi**k[None, :] * (mu - true.m0)[:, None] + delta[:, None]
              + sig[:, None] * rng.standard_normal((n_series, horizon)))
    y = np.cumsum(future, axis=1)
    n = np.full(n_series, n_hist - 1.0)
    mu_hat = past.mean(axis=1)
    ss = ((past - mu_hat[:, None]) ** 2).sum(axis=1)
    rep = lambda a: np.repeat(a, horizon)  # noqa: E731
    cs = CaseStats(rep(n), rep(n), rep(mu_hat), rep(ss))
    theta, info = fit_reference_prior(cs, np.tile(k, n_series).astype(float), y.ravel(),
                                      np.ones(n_series * horizon))
    assert info["converged"]
    m0, _, _, s0, phi, lam = theta
    assert m0 == pytest.approx(true.m0, abs=0.01)
    assert s0 == pytest.approx(true.s0, rel=0.15)
    assert phi == pytest.approx(true.phi, abs=0.2)
    assert lam == pytest.approx(true.lam, abs=0.06)


@given(g1=st.floats(-0.5, 1.0), g2=st.floats(-0.5, 1.0), years=st.integers(1, 12))
def test_sustained_share_is_a_decreasing_share(g1, g2, years):
    a, b = sustained_share(min(g1, g2), years), sustained_share(max(g1, g2), years)
    assert 0 <= b <= a <= 1


def test_sustained_share_refuses_bad_input():
    with pytest.raises(ModelError, match="sustained-growth table"):
        sustained_share(0.1, 40)
    with pytest.raises(ModelError, match="yearly rate"):
        sustained_share(float("nan"), 9)


def test_a_goal_priors_cannot_have_infinite_variance():
    with pytest.raises(ModelError, match="dof > 2"):
        models.get_model("refgrowth").fit(
            pd.Series([1.0], index=[2021]), kind="count",
            prior=models.GrowthPrior(mu=0.1, mu_sd=0.1, sigma=0.1, dof=1.5))
