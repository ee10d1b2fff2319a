"""The small catalog × scenario × prior grid that the serial and the Dask sweep tests share."""

from __future__ import annotations

import kpisim
from kpisim import Change, Scenario
from kpisim.sweeps import sweep

CUT = Scenario(name="cut", changes=(Change(growth_add=-0.02),))
N = 1_000
SCENARIOS = (None, CUT)
PRIORS = ("reference", "declared")


def grid_catalogs() -> dict:
    """The NIPA headline goals and the regional catalog, labelled."""
    nipa = kpisim.load_catalog()
    return {"nipa": nipa.headline(), "regional": kpisim.load_catalog("regional_digital")}


def serial_table(catalogs: dict):
    """The grid run serially in this process (seed 11)."""
    return sweep(catalogs, list(SCENARIOS), list(PRIORS), n_paths=N, rng=11)
