"""Properties of the reference-class growth model (``refgrowth``).

Reference values are closed forms or one-dimensional integrals computed here
with ``scipy.integrate.quad`` from the model's formulas (the continuous
posterior of log σ, not the package's grid), the Student-t predictive of the
conjugate form, or the 0.1 ``loggrowth`` model — never the sampler's own output.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from kpisim import models
from kpisim._validation import KpisimWarning, ModelError
from kpisim.models._refclass import (
    SIGMA_MIN,
    CaseStats,
    ReferencePrior,
    conjugate_predictive,
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


class _Exact:
    """The continuous posterior of log σ for one history, by quadrature.

    Written from the formulas of :mod:`kpisim.models._refclass` (log-normal σ
    on [σ_min, σ_top], μ ~ N(m0, τ²), d_i ~ N(g_i μ, g_i σ²)), independently
    of the package's grid.
    """

    def __init__(self, hist: pd.Series, ref: ReferencePrior):
        z = np.log(hist.to_numpy())
        d, g = np.diff(z), np.diff(hist.index.to_numpy()).astype(float)
        self.ref, self.n, self.G = ref, len(d), float(g.sum())
        self.mu_hat = float(d.sum() / self.G) if self.n else 0.0
        self.ss = float(np.sum((d - g * self.mu_hat) ** 2 / g)) if self.n else 0.0
        top = min(ref.sigma_max, ref.s0 * np.exp(6 * ref.omega))
        self.lo, self.hi = np.log(SIGMA_MIN), np.log(top)
        self.norm = self._quad(lambda x: 1.0)

    def density(self, x):  # unnormalised p(log σ = x | d)
        r, s2 = self.ref, np.exp(2 * x)
        lp = -0.5 * ((x - np.log(r.s0)) / r.omega) ** 2
        if self.n:
            vm = r.tau**2 + s2 / self.G
            lp += (-0.5 * (self.n - 1) * np.log(s2) - self.ss / (2 * s2)
                   - 0.5 * np.log(vm) - (self.mu_hat - r.m0) ** 2 / (2 * vm))
        return np.exp(lp - self._shift)

    def drift(self, x):  # mean and variance of μ given σ = e^x
        r, s2 = self.ref, np.exp(2 * x)
        prec = 1 / r.tau**2 + (self.G / s2 if self.n else 0.0)
        return (r.m0 / r.tau**2 + (self.G * self.mu_hat / s2 if self.n else 0.0)) / prec, 1 / prec

    def _quad(self, f):
        if not hasattr(self, "_shift"):
            xs = np.linspace(self.lo, self.hi, 4001)
            self._shift = 0.0
            self._shift = float(np.max(np.log(self.density(xs) + 1e-300)))
        return integrate.quad(lambda x: self.density(x) * f(x), self.lo, self.hi,
                              limit=400, epsabs=0, epsrel=1e-10)[0]

    def expect(self, f):
        return self._quad(f) / self.norm

    def cdf(self, dz, h):
        r = self.ref
        s_h = persistence_sum(r.phi, h)

        def f(x):
            m, v = self.drift(x)
            sd = np.sqrt(np.exp(2 * x) * (h + r.lam * h * h) + s_h**2 * v)
            return stats.norm.cdf(dz, h * r.m0 + s_h * (m - r.m0), sd)

        return self.expect(f)


@given(hist=histories(), h=st.integers(1, 15))
@settings(max_examples=150, deadline=None)
def test_predictive_variance_is_finite_for_every_history_length(hist, h):
    """σ is bounded and μ | σ normal: the mixture has a finite, positive variance."""
    ref = models.reference_prior("log")
    logw, loc, scale = predictive(_stats(hist), h, ref)
    w = np.exp(logw[0])
    assert w.sum() == pytest.approx(1.0)
    mean = np.dot(w, loc[0])
    var = np.dot(w, scale[0] ** 2 + loc[0] ** 2) - mean**2
    assert np.isfinite(mean)
    assert np.isfinite(var)
    assert var > 0


@pytest.mark.parametrize("n_actuals", [1, 2, 3, 6, 12])
def test_sampled_marginal_is_the_exact_predictive(n_actuals):
    """z_{T+h} − z_T of the paths has the predictive CDF integrated here by quadrature."""
    rng = np.random.default_rng(11)
    years = np.arange(2015, 2015 + n_actuals)
    hist = pd.Series(100 * np.exp(np.cumsum(rng.normal(0.1, 0.2, n_actuals))), index=years)
    ref = models.reference_prior("log")
    exact = _Exact(hist, ref)
    fit = models.RefGrowth().fit(hist, kind="count")
    h = np.array([1, 4, 9])
    n_paths = 40_000
    paths = fit.sample((years[-1] + h).tolist(), n_paths, rng=5)
    for j in range(len(h)):
        dz = np.log(paths[:, j]) - np.log(hist.iloc[-1])
        for p in (0.05, 0.25, 0.5, 0.75, 0.95):
            q = np.quantile(dz, p)
            # the empirical CDF at a sample quantile has sd sqrt(p(1-p)/n) ≤ 0.0025
            assert exact.cdf(q, float(h[j])) == pytest.approx(p, abs=0.012), (n_actuals, h[j], p)


@pytest.mark.parametrize("n_actuals", [1, 2, 3, 6])
def test_a_growth_prior_gives_the_closed_form_student_t(n_actuals):
    """With a user's GrowthPrior and no σ bound, z_{T+h} − z_T is t_ν(loc, scale) (KS)."""
    rng = np.random.default_rng(11)
    years = np.arange(2015, 2015 + n_actuals)
    hist = pd.Series(100 * np.exp(np.cumsum(rng.normal(0.1, 0.2, n_actuals))), index=years)
    prior = models.GrowthPrior(mu=0.08, mu_sd=0.05, sigma=0.15, dof=5.0)
    ref = models.reference_prior("log")
    fit = models.RefGrowth(sigma_max=float("inf")).fit(hist, kind="count", prior=prior)
    h = np.array([1, 4, 9])
    paths = fit.sample((years[-1] + h).tolist(), 40_000, rng=5)
    theta = (prior.mu, prior.kappa, prior.dof, prior.sigma, ref.phi, ref.lam)
    loc, scale, nu = conjugate_predictive(_stats(hist), h, theta)
    for j in range(len(h)):
        dz = np.log(paths[:, j]) - np.log(hist.iloc[-1])
        p = stats.kstest(dz, stats.t(float(nu[0]), loc[j], scale[j]).cdf).pvalue
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
    # the same paths, up to refgrowth's float32 exp (level_from_change's bound)
    change = np.abs(np.log(a) - z[-1])
    assert np.all(np.abs(b / a - 1) <= 2.0**-24 * (change + 8) + 1e-12)


def test_one_actual_works_without_any_user_prior():
    fit = models.get_model("refgrowth").fit(pd.Series([1100.0], index=[2021]), kind="count")
    assert fit.params["n_growth"] == 0
    ref = models.reference_prior("log")
    # the forecast is the reference class's: median growth m0 a year
    med = np.median(np.log(fit.sample([2030], 50_000, rng=4)[:, 0] / 1100))
    assert med == pytest.approx(9 * ref.m0, abs=0.03)


def test_own_growth_is_pooled_by_the_number_of_actuals():
    """E[μ | d] = ∫ p(log σ | d) m_σ: more actuals, more weight on the series' own growth."""
    ref = models.reference_prior("log")
    fast = [100 * 1.3 ** k * (1.02 if k % 2 else 0.98) for k in range(9)]
    prev = ref.m0
    for n in (2, 4, 9):
        hist = pd.Series(fast[:n], index=range(2013, 2013 + n))
        fit = models.get_model("refgrowth").fit(hist, kind="count")
        exact = _Exact(hist, ref)
        expect = exact.expect(lambda x, e=exact: e.drift(x)[0])
        second = exact.expect(lambda x, e=exact: e.drift(x)[1] + e.drift(x)[0] ** 2)
        assert fit.params["mu"] == pytest.approx(expect, rel=1e-3)
        assert fit.params["drift_sd"] == pytest.approx(np.sqrt(second - expect**2), rel=1e-2)
        assert prev < fit.params["mu"] < np.log(1.3)
        prev = fit.params["mu"]


@given(g=st.floats(0.1, 0.4), quiet=st.floats(0.001, 0.02), extra=st.floats(0.1, 0.3),
       n=st.sampled_from([2, 4, 6]))
@settings(max_examples=40, deadline=None)
def test_a_quieter_series_keeps_more_of_its_own_growth(g, quiet, extra, n):
    """Same mean growth, less noise: the drift stays nearer the series' own growth.

    The drift prior is independent of σ, so a well-measured drift (small σ/√G)
    outweighs the reference class; a noisy one is pulled toward m0.
    """
    ref = models.reference_prior("log")

    def fitted_mu(a):
        d = g + a * np.array([(-1) ** k for k in range(n)])  # mean exactly g
        hist = pd.Series(100 * np.exp(np.r_[0.0, np.cumsum(d)]), index=range(2010, 2011 + n))
        return models.get_model("refgrowth").fit(hist, kind="level").params["mu"]

    mu_quiet, mu_noisy = fitted_mu(quiet), fitted_mu(quiet + extra)
    assert ref.m0 < mu_noisy < mu_quiet < g


@given(phi=st.floats(0, 1), h=st.integers(1, 30))
def test_persistence_sum_is_the_geometric_sum(phi, h):
    expect = sum(phi**k for k in range(1, h + 1))
    assert persistence_sum(phi, h) == pytest.approx(expect, rel=1e-9, abs=1e-12)


def test_estimator_recovers_known_hyperparameters():
    """Simulate corpus-like cases from known θ; the estimator finds θ again."""
    rng = np.random.default_rng(2026)
    true = ReferencePrior(m0=0.04, tau=0.03, s0=0.08, omega=0.5, phi=0.6, lam=0.1)
    n_series, n_hist, horizon = 1000, 6, 6
    sig = true.s0 * np.exp(true.omega * rng.standard_normal(n_series))
    mu = true.m0 + true.tau * rng.standard_normal(n_series)
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
                                      np.ones(n_series * horizon), n_grid=32)
    assert info["converged"]
    m0, tau, s0, omega, phi, lam = theta
    assert m0 == pytest.approx(true.m0, abs=0.01)
    assert tau == pytest.approx(true.tau, abs=0.015)
    assert s0 == pytest.approx(true.s0, rel=0.15)
    assert omega == pytest.approx(true.omega, abs=0.1)
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
