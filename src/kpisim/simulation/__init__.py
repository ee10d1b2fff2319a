"""Monte Carlo simulation of a catalog: the engine and its result.

* :func:`simulate` (:mod:`kpisim.simulation.engine`) fits each indicator's
  model and streams its paths in blocks (:mod:`kpisim.simulation._blocks`);
* :class:`Simulation` (:mod:`kpisim.simulation.result`) holds the counts and
  the kept paths and answers every question about them: P(goal met), first
  hits, shortfalls, quantiles, scores, the summary table.
"""

from __future__ import annotations

from kpisim.simulation._state import BLOCK, MAX_PATHS, MAX_THREADS
from kpisim.simulation.engine import simulate
from kpisim.simulation.result import Simulation

__all__ = ["BLOCK", "MAX_PATHS", "MAX_THREADS", "Simulation", "simulate"]
