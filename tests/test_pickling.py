"""kpisim's objects cross process boundaries (joblib, concurrent.futures, Dask)."""

from __future__ import annotations

import copy
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kpisim
from kpisim._frozen import FrozenMap


@pytest.fixture(scope="module")
def nipa():
    return kpisim.load_catalog()


def test_indicators_and_catalogs_pickle_and_deepcopy(nipa):
    ind = nipa["ai_firms"]
    assert pickle.loads(pickle.dumps(ind)) == ind
    assert copy.deepcopy(ind) == ind
    back = pickle.loads(pickle.dumps(nipa))
    assert list(back) == list(nipa)
    assert back["ict_sw_exports"].targets == nipa["ict_sw_exports"].targets


def test_a_simulation_pickles_with_its_numbers(nipa):
    sim = kpisim.simulate([nipa["ai_firms"], nipa["sw_adoption_rate"]], n_paths=2000, rng=5)
    back = pickle.loads(pickle.dumps(sim))
    assert back.prob_meet().equals(sim.prob_meet())
    assert back.quantiles().equals(sim.quantiles())


def _p2030(ind) -> float:
    sim = kpisim.simulate(ind, n_paths=4096, rng=11)
    return float(sim.prob_meet(2030).prob.iloc[0])


def test_an_indicator_simulates_in_a_worker_process(nipa):
    ind = nipa["ai_firms"]
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        remote = pool.submit(_p2030, ind).result(timeout=120)
    assert remote == _p2030(ind)


@given(st.dictionaries(st.integers(1990, 2040), st.floats(allow_nan=False)))
def test_frozen_map_reads_like_the_dict_and_refuses_writes(d):
    m = FrozenMap(d)
    assert m == d
    assert dict(m) == d
    assert list(m) == list(d)
    assert pickle.loads(pickle.dumps(m)) == m
    with pytest.raises(TypeError):
        m[2050] = 1.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        m._data = {}  # type: ignore[misc]
