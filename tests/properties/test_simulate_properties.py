"""Properties of the engine's attainment probabilities."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import kpisim
from tests.test_simulate import KnownLogNormal, indicator

mus = st.floats(-0.1, 0.2)
sigmas = st.floats(0.01, 0.5)
seeds = st.integers(0, 2**32 - 1)


@given(mu=mus, sigma=sigmas, seed=seeds, target=st.floats(50, 300))
@settings(max_examples=25, deadline=None)
def test_probabilities_in_unit_interval_and_harder_is_never_likelier(mu, sigma, seed, target):
    easy = indicator(targets={2026: target})
    hard = indicator(targets={2026: target * 1.1})
    model = KnownLogNormal(mu=mu, sigma=sigma)
    p_easy = kpisim.simulate(easy, model=model, n_paths=4096, rng=seed).prob_meet(2026)
    p_hard = kpisim.simulate(hard, model=model, n_paths=4096, rng=seed).prob_meet(2026)
    for p in (p_easy, p_hard):
        assert ((p.prob >= 0) & (p.prob <= 1)).all()
        assert ((p.ci_low <= p.prob) & (p.prob <= p.ci_high)).all()
    # same seed: the same paths, so a harder target can only lose paths
    assert p_hard.prob.iloc[0] <= p_easy.prob.iloc[0]


@given(seed=seeds, n_paths=st.integers(1, 30_000), chunk=st.integers(1, 40_000))
@settings(max_examples=15, deadline=None)
def test_results_do_not_depend_on_chunk_size(seed, n_paths, chunk):
    model = KnownLogNormal()
    a = kpisim.simulate(indicator(), model=model, n_paths=n_paths, rng=seed, chunk_size=chunk)
    b = kpisim.simulate(indicator(), model=model, n_paths=n_paths, rng=seed)
    assert a.n_paths == b.n_paths == n_paths
    assert a.prob_meet().equals(b.prob_meet())
    assert a.prob_path().equals(b.prob_path())
    assert a.shortfall(2030).equals(b.shortfall(2030))


@given(seed=seeds)
@settings(max_examples=10, deadline=None)
def test_path_probability_never_exceeds_yearly_probability(seed):
    sim = kpisim.simulate(indicator(), model=KnownLogNormal(), n_paths=4096, rng=seed)
    yearly = sim.prob_meet().set_index("year").prob
    path = sim.prob_path().set_index("year").prob
    for year, p in yearly.items():
        assert path[year] <= p + 1e-12
    assert np.all(np.diff(path.to_numpy()) <= 1e-12)
