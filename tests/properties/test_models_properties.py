"""Hypothesis properties of the projection models and samplers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpisim import models
from kpisim._validation import ModelError

FAST_MODELS = ["loggrowth", "logit", "linear", "loglinear"]

seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def histories(draw, *, min_size=3, max_size=8, positive=True, share=False):
    """Yearly histories with optional gaps; positive levels or shares in [0, 100]."""
    n = draw(st.integers(min_size, max_size))
    gaps = draw(st.lists(st.integers(1, 2), min_size=n - 1, max_size=n - 1))
    first = draw(st.integers(1990, 2020))
    years = np.cumsum([first, *gaps])
    if share:
        values = draw(st.lists(st.floats(0, 100), min_size=n, max_size=n))
    else:
        low = 1e-3 if positive else 0.0
        values = draw(st.lists(st.floats(low, 1e6), min_size=n, max_size=n))
    s = pd.Series(np.asarray(values, dtype=float), index=pd.Index(years, dtype="int64"))
    assume(s.diff().abs().sum() > 0)  # a constant history has no growth variance
    return s


def fit_or_skip(model, hist, kind):
    """Fit, skipping histories whose (clipped) growth rates are all equal."""
    try:
        return model.fit(hist, kind=kind)
    except ModelError as e:  # e.g. shares pinned at the 0/100 clip, or 1, 2, 4
        assume("zero variance" not in str(e))
        raise


@st.composite
def future_years(draw, last):
    offsets = draw(st.lists(st.integers(1, 12), min_size=1, max_size=6, unique=True))
    return [int(last) + k for k in sorted(offsets)]


@given(data=st.data(), name=st.sampled_from(FAST_MODELS), seed=seeds,
       n_paths=st.integers(0, 40))
@settings(max_examples=80, deadline=None)
def test_shape_dtype_and_same_seed_same_paths(data, name, seed, n_paths):
    share = name == "logit"
    hist = data.draw(histories(share=share))
    kind = "share" if share else "level"
    fit = fit_or_skip(models.get_model(name), hist, kind)
    years = data.draw(future_years(hist.index[-1]))
    paths = fit.sample(years, n_paths, rng=seed)
    assert paths.shape == (n_paths, len(years))
    assert paths.dtype == np.float64
    np.testing.assert_array_equal(paths, fit.sample(years, n_paths, rng=seed))
    np.testing.assert_array_equal(
        paths, fit.sample(years, n_paths, rng=np.random.default_rng(seed))
    )


@given(start=st.floats(1e-2, 1e6), mu=st.floats(-0.3, 0.3), n=st.integers(3, 8),
       horizon=st.integers(1, 15), seed=seeds)
@settings(max_examples=60, deadline=None)
def test_zero_volatility_plugin_is_the_deterministic_trend(start, mu, n, horizon, seed):
    values = start * np.exp(mu * np.arange(n))
    hist = pd.Series(values, index=pd.Index(np.arange(2010, 2010 + n), dtype="int64"))
    fit = models.LogGrowth(parameter_uncertainty=False).fit(hist, kind="count")
    years = [2009 + n + horizon]
    expected = values[-1] * np.exp(mu * horizon)
    np.testing.assert_allclose(fit.sample(years, 5, rng=seed), expected, rtol=1e-11)
    # and the same for a straight line under the linear trend
    line = pd.Series(start + mu * start * np.arange(n), index=hist.index)
    lin = models.LinearTrend(parameter_uncertainty=False).fit(line, kind="ratio")
    expected = start + mu * start * (n - 1 + horizon)
    np.testing.assert_allclose(lin.sample(years, 5, rng=seed), expected,
                               rtol=1e-9, atol=1e-9 * start)


@given(hist=histories(share=True), seed=seeds,
       name=st.sampled_from(["logit", "linear", "ensemble"]))
@settings(max_examples=40, deadline=None)
def test_shares_stay_in_0_100(hist, seed, name):
    model = models.Ensemble(["logit", "linear"]) if name == "ensemble" else models.get_model(name)
    fit = fit_or_skip(model, hist, "share")
    paths = fit.sample([hist.index[-1] + k for k in (1, 5, 20)], 300, rng=seed)
    assert np.all((paths >= 0) & (paths <= 100))


@given(hist=histories(positive=False), seed=seeds)
@settings(max_examples=40, deadline=None)
def test_counts_never_negative(hist, seed):
    years = [hist.index[-1] + k for k in (1, 3, 10)]
    paths = models.LinearTrend().fit(hist, kind="count").sample(years, 300, rng=seed)
    assert np.all(paths >= 0)
    if (hist > 0).all():
        growth = fit_or_skip(models.LogGrowth(shocks="t"), hist, "count")
        assert np.all(growth.sample(years, 300, rng=seed) >= 0)


def _iqr_at_h3(n_obs, seed):
    rng = np.random.default_rng(seed)
    r = 0.04 + 0.06 * rng.standard_normal(n_obs - 1)
    hist = pd.Series(100 * np.exp(np.r_[0.0, np.cumsum(r)]),
                     index=pd.Index(np.arange(2000, 2000 + n_obs), dtype="int64"))
    fit = models.LogGrowth().fit(hist)
    x = np.log(fit.sample([1999 + n_obs + 3], 4000, rng=rng)[:, 0])
    q25, q75 = np.quantile(x, [0.25, 0.75])
    return q75 - q25


def test_longer_history_narrows_posterior_predictive_bands():
    seeds_ = range(30)
    short = np.mean([_iqr_at_h3(3, s) for s in seeds_])
    long = np.mean([_iqr_at_h3(10, s) for s in seeds_])
    assert long < short


@given(seed=seeds, method=st.sampled_from(["antithetic", "lhs", "sobol"]))
@settings(max_examples=12, deadline=None)
def test_variance_reduction_beats_plain(seed, method):
    def estimates(m):
        out = []
        for rng in np.random.default_rng(seed).spawn(60):
            z = models.standard_normals(64, 3, rng=rng, method=m)
            out.append(np.exp(0.3 * z.sum(axis=1)).mean())
        return np.var(out)

    assert estimates(method) < estimates("plain")
