"""One what-if: an indicator simulated alone under a prior, cached by its inputs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from kpisim._validation import SimulationError
from kpisim.goals._scale import MODEL, reference_prior_for
from kpisim.indicator import Indicator


def until_for(ind: Indicator, years: Iterable[int], until: int | None) -> int:
    top = max(int(y) for y in years)
    if until is None:
        return max(2030, top)  # kpisim.simulate's default horizon, so numbers match a run
    if until < top:
        msg = f"indicator `{ind.id}`: `until={until}` is before the year asked for ({top})"
        raise SimulationError(msg)
    return int(until)


#: Results of :func:`probs_under` by their inputs (so the CLI and the report of one run
#: simulate each prior once); bounded, oldest dropped first.
PROB_CACHE: dict[tuple, dict[int, tuple[float, float]]] = {}


_PROB_CACHE_SIZE = 512


_CACHE_LOCK = threading.Lock()


def probs_under(ind: Indicator, prior: Any, years: Sequence[int], *, n_paths: int,
           seed: np.random.SeedSequence, until: int) -> dict[int, tuple[float, float]]:
    """P(goal) and SE in each of ``years`` under ``prior``, ``ind`` simulated alone."""
    from kpisim.simulation import simulate

    key = _prob_key(ind, prior, years, n_paths, seed, until)
    if key in PROB_CACHE:
        return dict(PROB_CACHE[key])
    sim = simulate(ind, model=MODEL, prior=prior, n_paths=n_paths, rng=seed, until=until,
                   keep_paths=0)
    out = _by_year(sim.prob_meet(None, ids=[ind.id]), ind, years)
    _remember(key, out)
    return dict(out)


def _by_year(table: Any, ind: Indicator, years: Sequence[int]) -> dict[int, tuple[float, float]]:
    """``{year: (P, SE)}`` from a ``prob_meet`` table of ``ind``."""
    out = {}
    for y in years:
        row = table[table.year == int(y)]
        if row.empty:
            msg = f"indicator `{ind.id}` has no stated numeric target for {y}"
            raise SimulationError(msg)
        out[int(y)] = (float(row.prob.iloc[0]), float(row.se.iloc[0]))
    return out


def _prob_key(ind: Indicator, prior: Any, years: Sequence[int], n_paths: int,
              seed: np.random.SeedSequence, until: int) -> tuple:
    return (ind, prior, tuple(int(y) for y in years), int(n_paths),
            tuple(np.atleast_1d(seed.entropy).tolist()), tuple(seed.spawn_key), int(until))


def _remember(key: tuple, out: dict[int, tuple[float, float]]) -> None:
    with _CACHE_LOCK:  # the CLI computes the goals' what-ifs on several threads
        if len(PROB_CACHE) >= _PROB_CACHE_SIZE:
            del PROB_CACHE[next(iter(PROB_CACHE))]
        PROB_CACHE[key] = out


def reuse_run(sim: Any, ind: Indicator, years: Sequence[int], *, n_paths: int,
              seed: np.random.SeedSequence, until: int, table: Any = None) -> None:
    """Put the run's own P(goal) in the cache as the default prior's what-if.

    ``table`` is ``sim.prob_meet(None, ids=[ind.id])`` if the caller has it.

    The default row of :func:`goal_evidence` is ``ind`` simulated alone with
    ``refgrowth`` and the reference prior. A run of the whole catalog with the
    same model, prior, seed, paths and horizon draws this indicator from the
    same streams (each indicator has its own), so its numbers are the same
    bit for bit and need not be simulated again. Any other setting (a
    scenario, a correlation, another sampler, a precision target) differs,
    and then nothing is reused.
    """
    s = sim.settings
    if (s.get("prior") != "reference" or s.get("scenario") is not None
            or s.get("correlation") is not None or s.get("sampler") != "plain"
            or s.get("target_se") is not None or int(sim.n_paths) != int(n_paths)
            or int(s.get("until", 0)) != int(until)
            or tuple(sim.seed.spawn_key) != tuple(seed.spawn_key)
            or np.any(np.atleast_1d(sim.seed.entropy) != np.atleast_1d(seed.entropy))):
        return
    fitted = sim.fitted(ind.id)
    base = reference_prior_for(ind)
    if getattr(fitted, "model", None) != MODEL or getattr(fitted, "reference", None) != base:
        return
    key = _prob_key(ind, base, years, n_paths, seed, until)
    if key in PROB_CACHE:
        return
    try:
        out = _by_year(sim.prob_meet(None, ids=[ind.id]) if table is None else table, ind, years)
    except SimulationError:  # a year without a target: nothing to reuse
        return
    _remember(key, out)
