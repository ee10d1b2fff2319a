"""Hypothesis properties of the grade chain (kpisim.models._grades) and its place in the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import kpisim
from kpisim.indicator import Indicator
from kpisim.models._grades import (
    GradeMarkov,
    sticky_prior,
    transition_counts,
)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
persistences = st.floats(0.01, 0.99)
concentrations = st.floats(0.05, 50)
decays = st.floats(0.01, 1.0)


@st.composite
def grade_histories(draw, k=None):
    """(k, Series of grade indices by year, with gaps) — possibly a single grade."""
    k = draw(st.integers(2, 7)) if k is None else k
    n = draw(st.integers(1, 8))
    gaps = draw(st.lists(st.integers(1, 3), min_size=n - 1, max_size=n - 1))
    years = np.cumsum([draw(st.integers(2000, 2020)), *gaps])
    states = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    return k, pd.Series(np.asarray(states, float), index=pd.Index(years, dtype="int64"))


@given(k=st.integers(2, 8), rho=persistences, c=concentrations, d=decays)
def test_sticky_prior_is_proper_and_has_the_stated_persistence(k, rho, c, d):
    a = sticky_prior(k, persistence=rho, concentration=c, decay=d)
    assert a.shape == (k, k)
    assert np.all(a > 0)  # every Dirichlet parameter > 0: a proper prior
    np.testing.assert_allclose(a.sum(axis=1), c)
    np.testing.assert_allclose(np.diag(a) / a.sum(axis=1), rho)  # E[P(stay)] = ρ
    np.testing.assert_allclose(a, a[::-1, ::-1])  # no direction is favoured


@given(data=st.data(), seed=seeds)
@settings(max_examples=60, deadline=None)
def test_paths_stay_on_the_scale_and_repeat_per_seed(data, seed):
    k, hist = data.draw(grade_histories())
    scale = [f"g{i}" for i in range(k)]
    uncertain = data.draw(st.booleans())
    fit = GradeMarkov(parameter_uncertainty=uncertain).fit(hist, scale=scale)
    offsets = data.draw(st.lists(st.integers(1, 10), min_size=1, max_size=5, unique=True))
    years = [int(hist.index[-1]) + h for h in sorted(offsets)]
    n = data.draw(st.integers(0, 50))
    paths = fit.sample(years, n, rng=seed)
    assert paths.shape == (n, len(years))
    assert np.all((paths >= 0) & (paths <= k - 1))
    assert np.all(paths == np.round(paths))
    np.testing.assert_array_equal(paths, fit.sample(years, n, rng=seed))
    # prefix-stable: the first paths of a larger draw are a smaller draw
    np.testing.assert_array_equal(fit.sample(years, n + 7, rng=seed)[:n], paths)


@given(data=st.data(), seed=seeds)
@settings(max_examples=60, deadline=None)
def test_posterior_rows_sum_to_one_and_give_the_first_step(data, seed):
    k, hist = data.draw(grade_histories())
    fit = GradeMarkov().fit(hist, scale=[str(i) for i in range(k)])
    np.testing.assert_allclose(fit.posterior_mean.sum(axis=1), 1.0)
    assert np.all(fit.posterior_mean >= 0)
    # each path's matrix is Dirichlet(alpha) per row, so its first step from the last
    # grade is distributed as E[P] of that row (the sampler integrates P out)
    n = 4_000
    first = fit.sample([int(hist.index[-1]) + 1], n, rng=seed)[:, 0]
    p = fit.posterior_mean[int(hist.iloc[-1])]
    freq = np.bincount(first.astype(int), minlength=k) / n
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-12)


@given(data=st.data())
def test_posterior_is_prior_plus_one_year_moves(data):
    k, hist = data.draw(grade_histories())
    fit = GradeMarkov().fit(hist, scale=[str(i) for i in range(k)])
    counts = transition_counts(hist, k)
    one_year = int((np.diff(hist.index.to_numpy()) == 1).sum())
    assert counts.sum() == one_year  # gaps are not one-year moves
    np.testing.assert_allclose(fit.alpha, sticky_prior(k) + counts)
    if one_year == 0:  # no transition observed → the documented default prior, exactly
        np.testing.assert_array_equal(fit.alpha, sticky_prior(k))


@given(k=st.integers(2, 6), first=st.integers(0, 5), gap=st.integers(2, 4))
def test_no_transition_gives_the_default_prior(k, first, gap):
    first = min(first, k - 1)
    single = pd.Series([float(first)], index=pd.Index([2021], dtype="int64"))
    gapped = pd.Series([float(first), float(k - 1)], index=pd.Index([2019, 2019 + gap],
                                                                    dtype="int64"))
    for hist in (single, gapped):
        fit = GradeMarkov().fit(hist, scale=[str(i) for i in range(k)])
        np.testing.assert_array_equal(fit.alpha, sticky_prior(k, persistence=0.6,
                                                              concentration=2.0, decay=0.5))
        assert fit.counts.sum() == 0


def _grade_indicator(ident, k, last):
    scale = tuple(f"등급{i}" for i in range(k))
    return Indicator(id=ident, name_ko=ident, unit="등급", kind="grade", scale=scale,
                     actuals={2022: scale[last]}, targets={2025: scale[-1], 2026: scale[-1]})


@given(k=st.integers(2, 5), last=st.integers(0, 4), seed=st.integers(0, 2**20),
       chunk=st.sampled_from([1, 4096, 3 * 4096]))
@settings(max_examples=8, deadline=None)
def test_engine_grades_do_not_depend_on_chunk_size(k, last, seed, chunk):
    ind = _grade_indicator("g", k, min(last, k - 1))
    base = kpisim.simulate(ind, n_paths=3 * 4096, rng=seed, until=2026)
    other = kpisim.simulate(ind, n_paths=3 * 4096, rng=seed, until=2026, chunk_size=chunk)
    pd.testing.assert_frame_equal(base.prob_meet(), other.prob_meet())
    np.testing.assert_array_equal(base.paths("g").to_numpy(), other.paths("g").to_numpy())
    assert set(np.unique(base.paths("g").to_numpy()[:, -1])) <= set(range(k))


_ORDER = {g: i for i, g in enumerate("SABCDE")}


@given(totals=st.lists(st.floats(0, 100), min_size=2, max_size=20),
       peers=st.lists(st.floats(0, 100), min_size=1, max_size=30),
       raw=st.lists(st.floats(0, 1), min_size=6, max_size=6))
def test_institution_grade_never_rewards_a_lower_total(totals, peers, raw):
    from hypothesis import assume

    from kpisim.scoring import institution_grade

    assume(sum(raw) > 0)
    shares = np.asarray(raw) / sum(raw)
    shares[-1] = 1.0 - shares[:-1].sum()  # sum exactly 1 after rounding
    assume(shares[-1] >= 0)
    t = np.sort(np.asarray(totals))
    for kind, kw in (("공기업(상장형)", {}), ("준정부기관", {"peers": peers, "shares": shares})):
        ranks = [_ORDER[g] for g in institution_grade(t, kind, **kw)]
        assert ranks == sorted(ranks, reverse=True)  # ascending totals: never a better grade
        if kw:  # the grade is one the group gives
            given_grades = {g for g, s in zip("SABCDE", shares, strict=True) if s > 0}
            assert set(institution_grade(t, kind, **kw)) <= given_grades
