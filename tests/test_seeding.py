"""One rule turns `rng` into the root SeedSequence of every entry point."""

from __future__ import annotations

import numpy as np
import pytest

import kpisim
from kpisim._seeding import root_seed
from kpisim.backtest import backtest


def test_ints_seed_sequences_and_generators():
    assert root_seed(7).entropy == np.random.SeedSequence(7).entropy
    assert root_seed(np.int64(7)).entropy == 7
    ss = np.random.SeedSequence(3)
    assert root_seed(ss) is ss
    g = np.random.default_rng(1)
    a, b = root_seed(g), root_seed(g)
    assert list(a.entropy) != list(b.entropy)  # a Generator advances
    assert root_seed(None).entropy != root_seed(None).entropy  # fresh entropy, no fixed seed


@pytest.mark.parametrize("bad", [True, -1, "seed", 1.5, np.random.PCG64(1)])
def test_everything_else_is_refused_by_every_entry_point(bad):
    ind = kpisim.load_catalog()["ai_firms"]
    with pytest.raises(kpisim.SimulationError, match="`rng`"):
        kpisim.simulate(ind, n_paths=16, rng=bad)
    with pytest.raises(kpisim.KpisimError, match="`rng`"):
        backtest({"s": kpisim.load_catalog()["sme_cloud_adoption"].observed}, ["naive0"],
                 min_train=1, n_paths=2, rng=bad)
    with pytest.raises(kpisim.SimulationError, match="`rng`"):
        kpisim.goals.prob_curve(ind, 2030, rates=[0.1], n_paths=16, rng=bad)
