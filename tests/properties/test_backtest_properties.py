"""Hypothesis properties of the naive baselines and the backtest's random streams."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpisim.backtest import backtest
from kpisim.models import get_model

seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def histories(draw, *, min_size=2, max_size=9, share=False):
    """Yearly histories with optional gaps (levels, or shares in [0, 100])."""
    n = draw(st.integers(min_size, max_size))
    gaps = draw(st.lists(st.integers(1, 3), min_size=n - 1, max_size=n - 1))
    years = np.cumsum([draw(st.integers(1990, 2020)), *gaps])
    hi = 100.0 if share else 1e5
    values = draw(st.lists(st.floats(0.0 if share else -1e5, hi), min_size=n, max_size=n))
    return pd.Series(np.asarray(values, dtype=float), index=pd.Index(years, dtype="int64"))


@st.composite
def future_years(draw, last):
    offsets = draw(st.lists(st.integers(1, 10), min_size=1, max_size=5, unique=True))
    return [int(last) + k for k in sorted(offsets)]


# ------------------------------------------------------------ naive0 moments
@given(data=st.data(), seed=seeds)
@settings(max_examples=40, deadline=None)
def test_naive0_predictive_is_normal_with_variance_h_sigma2(data, seed):
    hist = data.draw(histories())
    fit = get_model("naive0").fit(hist, kind="level")
    y, g = np.diff(hist.to_numpy()), np.diff(hist.index.to_numpy()).astype(float)
    sigma2 = np.mean(y**2 / g)  # the stated estimator: a g-year change is g steps
    np.testing.assert_allclose(fit.params["sigma"] ** 2, sigma2, rtol=1e-12, atol=1e-300)
    years = data.draw(future_years(hist.index[-1]))
    h = np.asarray(years) - int(hist.index[-1])
    m = 20_000
    paths = fit.sample(years, m, rng=seed)
    var = h * sigma2
    if sigma2 == 0:
        np.testing.assert_array_equal(paths, float(hist.iloc[-1]))
        return
    # steps far below the last value's float resolution are rounded away
    assume(np.sqrt(sigma2) > 1e-6 * max(1.0, abs(float(hist.iloc[-1]))))
    # sample variance: relative sd sqrt(2/(m-1)) ≈ 1 %; mean: sd sqrt(hσ²/m); 6 sd each
    np.testing.assert_allclose(paths.var(axis=0, ddof=1), var, rtol=6 * np.sqrt(2 / (m - 1)))
    assert np.all(np.abs(paths.mean(axis=0) - hist.iloc[-1]) <= 6 * np.sqrt(var / m))
    # independent increments: Var(y_{T+h2} − y_{T+h1}) = (h2 − h1) σ²
    if len(years) > 1:
        dv = np.diff(paths, axis=1).var(axis=0, ddof=1)
        np.testing.assert_allclose(dv, np.diff(h) * sigma2, rtol=6 * np.sqrt(2 / (m - 1)))


# --------------------------------------------------- shapes and path prefixes
@given(data=st.data(), name=st.sampled_from(["naive", "naive0"]), seed=seeds,
       n_paths=st.integers(0, 30), share=st.booleans())
@settings(max_examples=80, deadline=None)
def test_naive_shapes_prefix_invariance_and_share_bounds(data, name, seed, n_paths, share):
    model = get_model(name)
    hist = data.draw(histories(min_size=model.min_history, share=share))
    kind = "share" if share else "level"
    fit = model.fit(hist, kind=kind)
    years = data.draw(future_years(hist.index[-1]))
    paths = fit.sample(years, n_paths, rng=seed)
    assert paths.shape == (n_paths, len(years))
    assert paths.dtype == np.float64
    assert np.all(np.isfinite(paths))
    # the first k paths do not depend on how many are drawn
    k = data.draw(st.integers(0, n_paths))
    np.testing.assert_array_equal(fit.sample(years, k, rng=seed), paths[:k])
    np.testing.assert_array_equal(fit.sample(years, n_paths, rng=seed), paths)
    if share:
        assert np.all((paths >= 0) & (paths <= 100))


# ------------------------------------------------------- stream independence
def _walks(seed, n_series, n_years):
    rng = np.random.default_rng(seed)
    y = 100 * np.exp(np.cumsum(0.03 + 0.08 * rng.standard_normal((n_series, n_years)), axis=1))
    return {f"s{i}": pd.Series(y[i], index=range(2000, 2000 + n_years)) for i in range(n_series)}


def _rows(res, model, window):
    s = res.scores
    keep = (s["model"] == model) & (s["window"] == window)
    return s[keep].reset_index(drop=True).astype({"series_id": str, "model": str, "window": str})


@given(seed=seeds, data_seed=st.integers(0, 1000),
       others=st.lists(st.sampled_from(["naive", "auto", "plugin", "linear"]), unique=True,
                       max_size=3),
       position=st.integers(0, 3), extra_window=st.sampled_from([None, 3, 5]),
       drop=st.integers(0, 2))
@settings(max_examples=15, deadline=None)
def test_a_models_scores_ignore_other_models_windows_and_series(
    seed, data_seed, others, position, extra_window, drop,
):
    data = _walks(data_seed, 3, 8)
    ref = backtest(data, ["naive0"], n_paths=16, rng=seed)
    models = list(others)
    models.insert(min(position, len(models)), "naive0")
    windows = (None,) if extra_window is None else (extra_window, None)
    subset = {k: v for i, (k, v) in enumerate(data.items()) if i != drop}
    got = backtest(subset, models, windows=windows, n_paths=16, rng=seed)
    want = _rows(ref, "naive0", "all")
    want = want[want["series_id"] != f"s{drop}"].reset_index(drop=True)
    pd.testing.assert_frame_equal(_rows(got, "naive0", "all"), want, check_exact=True)
