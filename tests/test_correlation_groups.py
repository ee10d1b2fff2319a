"""Correlated indicators are drawn group by group, each group from its own stream.

The guarantee under test (``simulate``'s ``correlation`` docstring): a group of
indicators linked by non-zero correlations gets numbers that depend neither on
the other indicators of the run nor on their order, and an indicator correlated
with no other is drawn exactly as without ``correlation``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpisim
from kpisim.simulation._blocks import correlated_groups
from kpisim.simulation._state import Track

N = 6_000  # two blocks, the second cut


def _ind(ident: str, start: float, growth: float) -> kpisim.Indicator:
    actuals = {2019 + k: round(start * growth**k, 1) for k in range(5)}
    last = actuals[2023]
    return kpisim.Indicator(id=ident, name_ko=ident, unit="개", kind="count",
                            actuals=actuals,
                            targets={2027: round(last * 1.3), 2030: round(last * 1.6)})


A, B, C, D = (_ind("a", 100, 1.08), _ind("b", 50, 1.05), _ind("c", 300, 1.02),
              _ind("d", 20, 1.12))


def _corr(ids: list[str], pairs: dict[tuple[str, str], float]) -> pd.DataFrame:
    m = pd.DataFrame(np.eye(len(ids)), index=ids, columns=ids)
    for (i, j), r in pairs.items():
        m.loc[i, j] = m.loc[j, i] = r
    return m


def _numbers(sim: kpisim.Simulation, ids: list[str]) -> dict[str, np.ndarray]:
    return {i: sim.kept_paths(i) for i in ids}


@pytest.mark.parametrize("which", ["shocks", "growth", "both"])
def test_an_identity_correlation_gives_the_uncorrelated_numbers(which):
    ids = ["a", "b", "c"]
    eye = _corr(ids, {})
    corr = eye if which == "both" else {which: eye}
    plain = kpisim.simulate([A, B, C], n_paths=N, rng=11)
    ident = kpisim.simulate([A, B, C], n_paths=N, rng=11, correlation=corr)
    for i in ids:
        np.testing.assert_array_equal(ident.kept_paths(i), plain.kept_paths(i))
    pd.testing.assert_frame_equal(ident.prob_meet(), plain.prob_meet())


@pytest.mark.parametrize("which", ["shocks", "growth", "both"])
def test_a_group_does_not_depend_on_the_other_indicators_or_their_order(which):
    pairs = {("a", "b"): 0.8}
    small_ids = ["a", "b"]
    big_ids = ["d", "b", "c", "a"]  # other indicators, another order
    small = _corr(small_ids, pairs)
    big = _corr(big_ids, {**pairs, ("c", "d"): -0.5})
    wrap = (lambda m: m) if which == "both" else (lambda m: {which: m})
    one = kpisim.simulate([A, B], n_paths=N, rng=5, correlation=wrap(small))
    two = kpisim.simulate([D, B, C, A], n_paths=N, rng=5, correlation=wrap(big))
    for i in small_ids:
        np.testing.assert_array_equal(two.kept_paths(i), one.kept_paths(i))
    # ... and the group really is correlated: not the uncorrelated numbers
    plain = kpisim.simulate([A, B], n_paths=N, rng=5)
    assert not np.array_equal(one.kept_paths("a"), plain.kept_paths("a"))


def test_the_group_keeps_the_stated_correlation():
    rho = 0.7
    ids = ["a", "b", "c"]
    corr = {"shocks": _corr(ids, {("a", "b"): rho})}
    sim = kpisim.simulate([A, B, C], n_paths=20_000, rng=3, correlation=corr,
                          model=kpisim.models.RefGrowth(phi=1.0, parameter_uncertainty=False))
    # with a fixed drift the second difference of the log path is σ(ε_k − ε_{k−1})
    second = {i: np.diff(np.log(sim.kept_paths(i)), n=2, axis=1)[:, -1] for i in ids}
    assert abs(np.corrcoef(second["a"], second["b"])[0, 1] - rho) < 0.03
    assert abs(np.corrcoef(second["a"], second["c"])[0, 1]) < 0.03


def _tracks(keys: list[int]) -> dict[str, Track]:
    out = {}
    for k in keys:
        t = Track.__new__(Track)
        t.key = k
        out[f"x{k}"] = t
    return out


def test_groups_are_the_connected_components_ordered_by_stream_key():
    corr = np.eye(5)
    corr[0, 3] = corr[3, 0] = 0.4  # 0–3
    corr[3, 4] = corr[4, 3] = 0.2  # 3–4: 0, 3, 4 one group through 3
    groups = correlated_groups(corr, _tracks([50, 10, 40, 30, 20]))
    members = sorted(tuple(sorted(g[0])) for g in groups)
    assert members == [(0, 3, 4), (1,), (2,)]
    big = next(g for g in groups if len(g[0]) == 3)
    assert big[2] == (20, 30, 50)  # keys ascending: x20 (4), x30 (3), x50 (0)
    assert big[0] == [4, 3, 0]
    np.testing.assert_array_equal(big[1], corr[np.ix_([4, 3, 0], [4, 3, 0])])
