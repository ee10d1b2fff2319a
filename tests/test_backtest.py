"""Tests of the scoring kernels and the rolling-origin backtest."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpisim
from kpisim import _scores
from kpisim.backtest import (
    BacktestResult,
    NaiveDrift,
    _draw,
    backtest,
    catalog_series,
    cli_backtest,
    load_competition,
    reliability_table,
)
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
    se = np.sqrt(0.8 * 0.2 / n)
    assert abs(h1["cover_80"].mean() - 0.8) < 3 * se
    assert abs(h1["pit"].mean() - 0.5) < 3 * np.sqrt(1 / 12 / n)


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
    ours = _draw(ens, hist, "level", np.array([2025]), _Cfg(40_000), {}, rng, None)
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
    two = backtest(data, ["auto", "naive"], n_paths=64, rng=3, n_jobs=2)
    pd.testing.assert_frame_equal(one.scores, two.scores)


# ------------------------------------------------------------------- data
def test_m3_is_refused_and_m1_loads():
    with pytest.raises(kpisim.KpisimError, match="reserved for independent checks"):
        load_competition("M3")
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
