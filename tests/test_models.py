"""Unit and closed-form tests of kpisim.models."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kpisim
from kpisim import models
from kpisim._validation import ModelError, SimulationError
from kpisim.models._registry import _REGISTRY


def series(values, start=2016, years=None):
    idx = years if years is not None else range(start, start + len(values))
    return pd.Series(np.asarray(values, dtype=float), index=pd.Index(list(idx), dtype="int64"))


def geometric(n, *, start=100.0, mu=0.05, sigma=0.0, seed=0, first=2016):
    rng = np.random.default_rng(seed)
    r = mu + sigma * rng.standard_normal(n - 1)
    return series(start * np.exp(np.r_[0.0, np.cumsum(r)]), start=first)


NOISY = geometric(6, mu=0.06, sigma=0.05, seed=1)
LONG = geometric(10, mu=0.04, sigma=0.03, seed=2)
STEADY = series([120.0, 125, 131, 132, 140, 146, 151, 160])  # 2016–2023


def peers(n=8, kind="count", unit="명", seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        mu, sigma = 0.03 + 0.02 * rng.standard_normal(), 0.04 * np.exp(0.3 * rng.standard_normal())
        if kind == "share":
            z = np.cumsum(np.r_[0.0, mu + sigma * rng.standard_normal(5)])
            vals = 100 / (1 + np.exp(-z))
        else:
            vals = 50 * np.exp(np.cumsum(np.r_[0.0, mu + sigma * rng.standard_normal(5)]))
        out.append(kpisim.Indicator(
            id=f"peer_{i}", name_ko="지표", unit=unit, kind=kind,
            actuals={2018 + k: float(v) for k, v in enumerate(vals)},
        ))
    return out


# ------------------------------------------------------------------ registry
def test_available_lists_builtins_with_columns():
    frame = models.available()
    assert list(frame.columns) == ["name", "min_history", "kinds", "description"]
    names = list(frame["name"])
    for name in ("loggrowth", "logit", "linear", "loglinear", "holt", "arima", "theta",
                 "ensemble"):
        assert name in names
    row = frame.set_index("name").loc["holt"]
    assert row["min_history"] == 8
    assert "share" in frame.set_index("name").loc["logit", "kinds"]


def test_get_model_by_name_options_and_instance():
    m = models.get_model("loggrowth", shocks="t", dof=4)
    assert isinstance(m, models.LogGrowth)
    assert m.shocks == "t"
    assert m.dof == 4
    assert isinstance(m, models.Model)
    assert models.get_model(m) is m
    m2 = models.get_model(m, dof=6)
    assert m2.dof == 6
    assert m.dof == 4
    assert isinstance(models.get_model(models.Holt), models.Holt)


def test_get_model_errors_name_the_options():
    with pytest.raises(ModelError, match=r"unknown model 'nope'; available: \['arima'"):
        models.get_model("nope")
    with pytest.raises(ModelError, match=r"model `loggrowth`: bad options \['colour'\]"):
        models.get_model("loggrowth", colour=1)
    with pytest.raises(ModelError, match="`shocks` must be 'normal' or 't'"):
        models.get_model("loggrowth", shocks="cauchy")
    with pytest.raises(TypeError, match="registered name"):
        models.get_model(3.5)


@dataclass(frozen=True)
class _Constant:
    """Always the same value (a user model)."""

    value: float = 7.0
    name: str = "constant"
    min_history: int = 1

    def fit(self, history, *, kind="level", prior=None):
        return _ConstantFitted(value=self.value, last_year=int(history.index[-1]))


@dataclass(frozen=True)
class _ConstantFitted:
    value: float
    last_year: int
    model: str = "constant"
    last_value: float = 0.0
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    assumptions: tuple[str, ...] = ()

    def sample(self, years, n_paths, *, rng=None, shocks=None):
        return np.full((n_paths, len(years)), self.value)

    def describe(self):
        return "constant"


@pytest.fixture
def constant_model():
    models.register_model("constant_test")(_Constant)
    yield
    _REGISTRY.pop("constant_test", None)


def test_register_user_model(constant_model):
    m = models.get_model("constant_test", value=3.0)
    fit = m.fit(STEADY)
    assert isinstance(fit, models.Fitted)
    np.testing.assert_array_equal(fit.sample([2024, 2025], 4), np.full((4, 2), 3.0))
    assert "constant_test" in list(models.available()["name"])
    with pytest.raises(ModelError, match="already registered"):
        models.register_model("constant_test")(models.LogGrowth)


def test_default_model_policy():
    for kind in ("count", "level", "ratio", "share"):
        for n in (0, 1, 2, 8):
            assert models.default_model_for(kind, n) == "refgrowth"
    with pytest.raises(ModelError, match="grade indicators are not simulated"):
        models.default_model_for("grade", 5)
    with pytest.raises(ModelError, match="`n_obs` must be an integer"):
        models.default_model_for("count", -1)
    with pytest.raises(ModelError, match="indicator_kind"):
        models.default_model_for("money", 3)


# ---------------------------------------------------------- history checks
def test_grades_point_to_scoring():
    with pytest.raises(ModelError, match="score them on their grade scale"):
        models.LogGrowth().fit(STEADY, kind="grade")


def test_history_checks():
    m = models.LogGrowth()
    with pytest.raises(ModelError, match="duplicate years"):
        m.fit(pd.Series([1.0, 2, 3], index=[2020, 2020, 2021]))
    with pytest.raises(ModelError, match="integer years"):
        m.fit(pd.Series([1.0, 2, 3], index=["a", "b", "c"]))
    with pytest.raises(ModelError, match="infinite"):
        m.fit(series([1.0, np.inf, 3]))
    with pytest.raises(ModelError, match=r"needs positive values .* Use 'linear'"):
        m.fit(series([1.0, 0.0, 3, 4]))
    # NaN is a gap: three known actuals remain
    fit = m.fit(series([100.0, np.nan, 110, 121]))
    assert fit.last_year == 2019
    assert any("gaps" in a for a in fit.assumptions)


def test_short_history_without_prior_suggests_prior():
    with pytest.raises(ModelError, match=r"`loggrowth` needs at least 3 .* got 2 .*pooled_prior"):
        models.LogGrowth().fit(series([100.0, 110]))
    with pytest.raises(ModelError, match="prior="):
        models.LogitGrowth().fit(series([50.0]), kind="share")


@pytest.mark.parametrize("name", ["holt", "arima", "theta"])
def test_statsmodels_models_refuse_short_history(name):
    with pytest.raises(ModelError, match=rf"`{name}` needs at least 8 .* got 5 .*"
                       r"'refgrowth', which works from one actual"):
        models.get_model(name).fit(NOISY.iloc[:5])


def test_zero_variance_needs_prior_or_plugin():
    flat = geometric(5, mu=0.05)
    with pytest.raises(ModelError, match="zero variance"):
        models.LogGrowth().fit(flat)
    prior = models.GrowthPrior(mu=0.02, mu_sd=0.02, sigma=0.05, dof=5)
    fit = models.LogGrowth().fit(flat, prior=prior)
    assert fit.sample([2021], 1000, rng=0).std() > 0


# ------------------------------------------------------------ sample checks
def test_sample_request_checks():
    fit = models.LogGrowth().fit(NOISY)
    with pytest.raises(SimulationError, match="after the last observed year 2021"):
        fit.sample([2021, 2022], 5)
    with pytest.raises(SimulationError, match="increasing"):
        fit.sample([2024, 2023], 5)
    with pytest.raises(SimulationError, match=r"`shocks` must have shape .* \(5, 3\)"):
        fit.sample([2022, 2024], 5, shocks=np.zeros((5, 2)))
    with pytest.raises(SimulationError, match="n_paths"):
        fit.sample([2022], -1)
    assert fit.sample([2022, 2025], 0, rng=1).shape == (0, 2)


def test_noncontiguous_years_are_columns_of_the_full_simulation():
    fit = models.LogGrowth().fit(NOISY)
    full = fit.sample(range(2022, 2027), 50, rng=3)
    some = fit.sample([2023, 2026], 50, rng=3)
    np.testing.assert_array_equal(some, full[:, [1, 4]])


@pytest.mark.parametrize("model", [
    models.LogGrowth(), models.LogGrowth(shocks="t"), models.LogGrowth(bootstrap=True),
    models.LogGrowth(mean_reversion=0.5), models.LinearTrend(), models.LogLinearTrend(),
])
def test_shocks_replace_own_innovations(model):
    """Passing the model's own normals as `shocks` reproduces its output exactly."""
    fit = model.fit(NOISY)
    years = [2022, 2024]
    own = fit.sample(years, 64, rng=11)
    _, shock_rng = np.random.default_rng(11).spawn(2)
    if isinstance(model, models.LinearTrend):
        z = np.zeros((64, 3))
        z[:, [0, 2]] = shock_rng.standard_normal((64, 2))
        np.testing.assert_allclose(fit.sample(years, 64, rng=11, shocks=z), own, rtol=1e-12)
    elif model.shocks == "normal" and not model.bootstrap:
        z = shock_rng.standard_normal((64, 3))
        np.testing.assert_allclose(fit.sample(years, 64, rng=11, shocks=z), own, rtol=1e-12)
    # and shocks do change the result, deterministically
    z = np.random.default_rng(5).standard_normal((64, 3))
    a = fit.sample(years, 64, rng=1, shocks=z)
    np.testing.assert_array_equal(a, fit.sample(years, 64, rng=1, shocks=z))
    assert not np.array_equal(a, fit.sample(years, 64, rng=1, shocks=-z))


@pytest.mark.parametrize("name", ["loggrowth", "linear", "loglinear", "holt", "arima", "theta",
                                  "ensemble"])
def test_same_seed_same_paths_and_describe(name):
    fit = models.get_model(name).fit(LONG, kind="level")
    a = fit.sample([2026, 2028], 200, rng=42)
    assert a.shape == (200, 2)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, fit.sample([2026, 2028], 200, rng=42))
    assert fit.describe().startswith(name)
    assert all(isinstance(v, float) for v in fit.params.values())
    assert isinstance(fit.assumptions, tuple)


# -------------------------------------------------------------- closed forms
def test_plugin_loggrowth_matches_lognormal_quantiles():
    fit = models.LogGrowth(parameter_uncertainty=False).fit(NOISY)
    mu, sigma = fit.params["mu"], fit.params["sigma"]
    n, h = 200_000, 3
    paths = fit.sample([2022, 2024], n, rng=2024)
    q = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    dist = stats.lognorm(s=sigma * np.sqrt(h), scale=fit.last_value * np.exp(mu * h))
    got = np.quantile(paths[:, 1], q)
    # MC standard error of a quantile: sqrt(q(1-q)/n) / f(x_q)
    se = np.sqrt(q * (1 - q) / n) / dist.pdf(dist.ppf(q))
    np.testing.assert_array_less(np.abs(got - dist.ppf(q)), 5 * se)


def _predictive_t(d, prior=None):
    """Independent oracle of the one-step posterior predictive of the growth."""
    n = len(d)
    m = d.mean() if n else 0.0
    s2 = d.var(ddof=1) if n > 1 else 0.0
    if prior is None:
        return stats.t(df=n - 1, loc=m, scale=np.sqrt(s2 * (1 + 1 / n)))
    k0 = prior.sigma**2 / prior.mu_sd**2
    kn, nun = k0 + n, prior.dof + n
    mun = (k0 * prior.mu + n * m) / kn
    s2n = (prior.dof * prior.sigma**2 + (n - 1) * s2 + k0 * n / kn * (m - prior.mu) ** 2) / nun
    return stats.t(df=nun, loc=mun, scale=np.sqrt(s2n * (1 + 1 / kn)))


def test_posterior_predictive_growth_is_student_t():
    d = np.diff(np.log(NOISY.to_numpy()))
    fit = models.LogGrowth().fit(NOISY)
    r = np.log(fit.sample([2022], 20_000, rng=7)[:, 0] / fit.last_value)
    ref = _predictive_t(d)
    assert ref.kwds["df"] == 4
    assert stats.kstest(r, ref.cdf).pvalue > 0.001


@pytest.mark.parametrize("n_obs", [1, 2, 4])
def test_conjugate_prior_predictive_is_student_t(n_obs):
    prior = models.GrowthPrior(mu=0.01, mu_sd=0.03, sigma=0.06, dof=6, source="test prior")
    hist = NOISY.iloc[:n_obs]
    fit = models.LogGrowth().fit(hist, prior=prior)
    assert any(a.startswith("test prior: growth μ ~ N(0.01") for a in fit.assumptions)
    r = np.log(fit.sample([hist.index[-1] + 1], 20_000, rng=9)[:, 0] / fit.last_value)
    ref = _predictive_t(np.diff(np.log(hist.to_numpy())), prior)
    assert stats.kstest(r, ref.cdf).pvalue > 0.001


def test_gaps_count_as_several_steps():
    # exact geometric growth over a gap: μ̂ is the per-year rate, not per observation
    h = series([100.0, 110.0, 133.1, 146.41], years=[2018, 2019, 2021, 2022])
    fit = models.LogGrowth(parameter_uncertainty=False).fit(h)
    assert fit.params["mu"] == pytest.approx(np.log(1.1))
    assert fit.params["sigma"] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(fit.sample([2024], 3, rng=0), 146.41 * 1.1**2, rtol=1e-12)


# ------------------------------------------------------------------ options
def test_t_shocks_have_unit_variance_and_heavier_tails():
    fit_n = models.LogGrowth(parameter_uncertainty=False).fit(NOISY)
    fit_t = models.LogGrowth(parameter_uncertainty=False, shocks="t", dof=4).fit(NOISY)
    rn = np.log(fit_n.sample([2022], 200_000, rng=1)[:, 0] / fit_n.last_value)
    rt = np.log(fit_t.sample([2022], 200_000, rng=1)[:, 0] / fit_t.last_value)
    assert rt.std() == pytest.approx(rn.std(), rel=0.05)
    assert stats.kurtosis(rt) > stats.kurtosis(rn) + 1
    z = np.random.default_rng(2).standard_normal((100_000, 1))
    rt2 = np.log(fit_t.sample([2022], 100_000, rng=3, shocks=z)[:, 0] / fit_t.last_value)
    assert stats.kurtosis(rt2) > 1


def test_bootstrap_resamples_observed_rates():
    fit = models.LogGrowth(bootstrap=True, parameter_uncertainty=False).fit(NOISY)
    r = np.log(fit.sample([2022], 5000, rng=4)[:, 0] / fit.last_value)
    observed = np.diff(np.log(NOISY.to_numpy()))
    assert np.allclose(np.sort(np.unique(np.round(r, 10))), np.sort(np.round(observed, 10)))
    with pytest.raises(ModelError, match="cannot use `prior`"):
        models.LogGrowth(bootstrap=True).fit(NOISY, prior=models.GrowthPrior(
            mu=0, mu_sd=0.1, sigma=0.1, dof=3))


def test_mean_reversion_path_is_exact_without_noise():
    flat = geometric(5, mu=0.08)
    phi, long_run = 0.5, 0.02
    fit = models.LogGrowth(parameter_uncertainty=False, mean_reversion=phi,
                           long_run=long_run).fit(flat)
    g = long_run + phi ** np.arange(1, 4) * (0.08 - long_run)
    expected = fit.last_value * np.exp(np.cumsum(g))
    np.testing.assert_allclose(fit.sample([2021, 2022, 2023], 3, rng=0), np.tile(expected, (3, 1)),
                               rtol=1e-12)
    with pytest.raises(ModelError, match="mean_reversion"):
        models.LogGrowth(mean_reversion=1.2)


def test_plugin_zero_volatility_is_the_deterministic_trend():
    flat = geometric(4, start=250.0, mu=0.03)
    fit = models.LogGrowth(parameter_uncertainty=False).fit(flat, kind="count")
    got = fit.sample([2020, 2023], 10, rng=0)
    np.testing.assert_allclose(got, np.tile(flat.iloc[-1] * np.exp(0.03 * np.array([1, 4])),
                                            (10, 1)), rtol=1e-13)


# ------------------------------------------------------------------- logit
def test_logit_shares_stay_bounded_and_clip_edges():
    fit = models.LogitGrowth().fit(series([88.0, 96, 100, 99.5]), kind="share")
    assert any("clipped" in a for a in fit.assumptions)
    paths = fit.sample(range(2020, 2030), 5000, rng=1)
    assert paths.min() >= 0
    assert paths.max() <= 100
    with pytest.raises(ModelError, match=r"within \[0, 100\]"):
        models.LogitGrowth().fit(series([50.0, 120, 90]), kind="share")
    with pytest.raises(ModelError, match="logit scale"):
        models.LogitGrowth().fit(series([50.0, 52, 55]), kind="share",
                                 prior=models.GrowthPrior(mu=0, mu_sd=.1, sigma=.1, dof=3))


# ------------------------------------------------------------- pooled prior
def test_pooled_prior_method_of_moments():
    prior = models.pooled_prior(peers(12), kind="count")
    assert prior.scale == "log"
    assert prior.source == "pooled prior from 12 peer indicators (kind=count)"
    assert 0.0 < prior.mu < 0.07
    assert 0.01 < prior.sigma < 0.1
    assert 4 <= prior.dof <= 30
    fit = models.LogGrowth().fit(NOISY.iloc[:2], kind="count", prior=prior)
    assert any(a.startswith("pooled prior from 12 peer indicators") for a in fit.assumptions)
    share = models.pooled_prior(peers(5, kind="share", unit="%"))
    assert share.scale == "logit"
    models.LogitGrowth().fit(series([40.0]), kind="share", prior=share)


def test_pooled_prior_refusals():
    with pytest.raises(ModelError, match="at least 2 peer indicators"):
        models.pooled_prior(peers(1))
    with pytest.raises(ModelError, match="pass `kind=`"):
        models.pooled_prior(peers(3) + peers(3, kind="share", unit="%"))
    with pytest.raises(ModelError, match=r"unit=개"):
        models.pooled_prior(peers(4), unit="개")
    with pytest.raises(ModelError, match=r"GrowthPrior\.mu_sd"):
        models.GrowthPrior(mu=0, mu_sd=0, sigma=1, dof=1)


# ------------------------------------------------------- statsmodels models
def test_linear_median_agrees_with_statsmodels_prediction():
    import statsmodels.api as sm

    fit = models.LinearTrend().fit(STEADY, kind="level")
    x = sm.add_constant(np.arange(2016, 2024, dtype=float))
    pred = sm.OLS(STEADY.to_numpy(), x).fit().get_prediction(
        sm.add_constant(np.array([2024.0, 2027.0]))).predicted_mean
    paths = fit.sample([2024, 2027], 40_000, rng=5)
    np.testing.assert_allclose(np.median(paths, axis=0), pred, rtol=0.005)
    plug = models.LinearTrend(parameter_uncertainty=False).fit(STEADY)
    np.testing.assert_allclose(plug.sample([2024, 2027], 40_000, rng=5).mean(axis=0), pred,
                               rtol=0.003)


def test_loglinear_median_agrees_with_statsmodels():
    import statsmodels.api as sm

    fit = models.LogLinearTrend().fit(LONG)
    x = sm.add_constant(np.arange(2016, 2026, dtype=float))
    res = sm.OLS(np.log(LONG.to_numpy()), x).fit()
    pred = np.exp(res.get_prediction(sm.add_constant(np.array([2026.0, 2030.0]))).predicted_mean)
    np.testing.assert_allclose(np.median(fit.sample([2026, 2030], 40_000, rng=5), axis=0), pred,
                               rtol=0.005)


def test_linear_counts_never_negative():
    falling = series([30.0, 22, 15, 9, 4])
    paths = models.LinearTrend().fit(falling, kind="count").sample([2022, 2025], 2000, rng=1)
    assert paths.min() == 0.0


def test_holt_mean_agrees_with_statsmodels_forecast():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    fit = models.Holt().fit(LONG)
    res = ETSModel(LONG.to_numpy(), error="add", trend="add", damped_trend=True).fit(disp=False)
    paths = fit.sample([2026, 2027, 2028], 40_000, rng=6)
    sd = paths.std(axis=0)
    np.testing.assert_array_less(np.abs(paths.mean(axis=0) - res.forecast(3)), 5 * sd / 200)


def test_arima_mean_and_sd_agree_with_statsmodels_forecast():
    from statsmodels.tsa.arima.model import ARIMA

    fit = models.Arima().fit(LONG)
    fc = ARIMA(LONG.to_numpy(), order=(0, 1, 0), trend="t").fit().get_forecast(4)
    paths = fit.sample([2026, 2029], 40_000, rng=7)
    sd = np.sqrt(fc.var_pred_mean[[0, 3]])
    np.testing.assert_array_less(np.abs(paths.mean(axis=0) - fc.predicted_mean[[0, 3]]),
                                 5 * sd / 200)
    np.testing.assert_allclose(paths.std(axis=0), sd, rtol=0.02)
    auto = models.Arima(order="auto").fit(LONG)
    assert any("AICc" in a for a in auto.assumptions)


def test_theta_mean_and_sd_agree_with_statsmodels_forecast():
    from statsmodels.tsa.forecasting.theta import ThetaModel

    fit = models.Theta().fit(STEADY)
    res = ThetaModel(STEADY.to_numpy(), period=1, deseasonalize=False).fit()
    mean = np.asarray(res.forecast(3))
    pi = res.prediction_intervals(3, alpha=0.05)
    sd = np.asarray(pi["upper"] - pi["lower"]) / (2 * stats.norm.ppf(0.975))
    paths = fit.sample([2024, 2025, 2026], 40_000, rng=8)
    np.testing.assert_array_less(np.abs(paths.mean(axis=0) - mean), 5 * sd / 200)
    np.testing.assert_allclose(paths.std(axis=0), sd, rtol=0.02)


def test_statsmodels_warnings_are_recorded_not_raised():
    # a constant series makes statsmodels' ARIMA optimiser complain
    fit = models.Arima().fit(series([5.0] * 8))
    assert any("statsmodels ConvergenceWarning" in a for a in fit.assumptions)
    holt = models.Holt().fit(LONG, prior=models.GrowthPrior(mu=0, mu_sd=.1, sigma=.1, dof=3))
    assert any("is not used by this model" in a for a in holt.assumptions)


# ----------------------------------------------------------------- ensemble
def test_ensemble_skips_short_members_and_mixes_by_weight(constant_model):
    ens = models.Ensemble(["constant_test", "loggrowth", "holt"], weights=[3, 1, 1])
    fit = ens.fit(NOISY)  # 6 points: holt is skipped
    assert any(a.startswith("ensemble member `holt` skipped") for a in fit.assumptions)
    assert fit.params == {"weight_constant": 0.75, "weight_loggrowth": 0.25}
    paths = fit.sample([2022, 2023], 20_000, rng=3)
    share = np.mean(paths[:, 0] == 7.0)
    assert share == pytest.approx(0.75, abs=0.015)
    np.testing.assert_array_equal(paths, fit.sample([2022, 2023], 20_000, rng=3))
    assert ens.min_history == 1


def test_ensemble_default_members_and_refusal():
    fit = models.get_model("ensemble").fit(LONG)
    assert set(fit.params) == {f"weight_{n}" for n in models.DEFAULT_MEMBERS}
    share_fit = models.Ensemble().fit(LONG / 2, kind="share")
    assert "weight_logit" in share_fit.params
    with pytest.raises(ModelError, match="every member refused"):
        models.Ensemble(["holt", "arima"]).fit(NOISY)
    with pytest.raises(ModelError, match="weights"):
        models.Ensemble(["holt", "arima"], weights=[1])
