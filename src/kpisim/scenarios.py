"""Scenarios: what-if changes to simulated paths, and runs that compare them.

The changes themselves (:class:`Change`, :class:`Scenario`,
:func:`load_scenario`) are defined in :mod:`kpisim.simulation.scenario`, next
to the engine that applies them; this module adds what runs the engine for
several scenarios: :func:`compare` and :func:`sensitivity`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpisim._parallel import map_tasks
from kpisim._safeio import short_repr
from kpisim._seeding import root_seed
from kpisim._validation import SimulationError
from kpisim.simulation import simulate
from kpisim.simulation.scenario import Change, Scenario, load_scenario, scenario_from_dict

__all__ = ["Change", "Scenario", "compare", "load_scenario", "scenario_from_dict", "sensitivity"]


def compare(
    scenarios: Sequence[Scenario],
    catalog_or_indicators: Any,
    *,
    year: int | None = None,
    rng: Any = None,
    client: Any = None,
    **simulate_options: Any,
) -> pd.DataFrame:
    """P(goal met) under each scenario, side by side.

    Every scenario is simulated with the same seed (common random numbers), so
    differences between scenarios are not blurred by Monte Carlo noise: the
    root ``SeedSequence`` is taken from ``rng`` once (``None``: fresh OS
    entropy; a Generator: its next draws, once) and reused for every
    scenario, so two identical scenarios give identical columns.

    With ``client`` (a ``dask.distributed.Client``) the scenarios run as
    Dask tasks, one per scenario, with the same result bit for bit
    (:mod:`kpisim._parallel`).

    Returns
    -------
    DataFrame
        ``id, year, target, <scenario name>…`` with probabilities, plus
        ``<scenario name> se`` columns.
    """

    ok = not isinstance(scenarios, Scenario | str | bytes | Mapping) and isinstance(
        scenarios, Iterable)
    scenarios = list(scenarios) if ok else scenarios
    if not ok or not all(isinstance(s, Scenario) for s in scenarios):
        msg = f"`scenarios` must be a list of Scenario; got {short_repr(scenarios)}"
        raise SimulationError(msg)
    if not scenarios:
        msg = "`scenarios` is empty: give at least one Scenario to compare"
        raise SimulationError(msg)
    _check_options("compare", simulate_options)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        msg = f"scenario names must be distinct; got {names}"
        raise SimulationError(msg)
    root = root_seed(rng)  # once: common random numbers for every scenario
    tasks = [(catalog_or_indicators, s, root, year, simulate_options) for s in scenarios]
    merged: pd.DataFrame | None = None
    for p in map_tasks(_compare_cell, tasks, client=client, label="kpisim-compare",
                        shared=(0,)):
        merged = p if merged is None else merged.merge(p, on=["id", "year", "target"])
    return merged if merged is not None else pd.DataFrame()


def _check_options(what: str, options: Mapping[str, Any]) -> None:
    """Refuse keyword options :func:`simulate` does not take (a typo, ``scenario``)."""
    import inspect

    taken = set(inspect.signature(simulate).parameters) - {"catalog_or_indicators", "rng"}
    if "scenario" in options:
        msg = (f"{what}: `scenario` is not an option here: the scenarios are "
               + ("the first argument" if what == "compare" else "made by sensitivity itself"))
        raise SimulationError(msg)
    unknown = sorted(set(options) - taken)
    if unknown:
        msg = (f"{what}: unknown option(s) {unknown}; the options are simulate()'s: "
               f"{sorted(taken - {'scenario'})}")
        raise SimulationError(msg)


def _compare_cell(catalog: Any, s: Scenario, root: Any, year: int | None,
                  options: Mapping[str, Any]) -> pd.DataFrame:
    """One scenario of :func:`compare`: its unobserved attainment rows."""
    sim = simulate(catalog, scenario=s, rng=root, **{"keep_paths": 1, **options})
    p = sim.prob_meet(year)
    return p[~p.observed][["id", "year", "target", "prob", "se"]].rename(
        columns={"prob": s.name, "se": f"{s.name} se"}).reset_index(drop=True)


def _prob_cell(catalog: Any, scenario: Scenario | None, root: Any, ident: str, year: int,
               options: Mapping[str, Any]) -> float:
    """P(goal of ``ident`` in ``year``) under ``scenario`` (a task of :func:`sensitivity`)."""
    sim = simulate(catalog, scenario=scenario, rng=root, **{"keep_paths": 1, **options})
    return _prob_at(sim, ident, year)


def sensitivity(
    catalog_or_indicators: Any,
    ident: str,
    year: int,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    rng: Any = None,
    client: Any = None,
    **simulate_options: Any,
) -> pd.DataFrame:
    """Tornado table: how P(goal of ``ident`` in ``year``) moves per assumption.

    Each assumption is moved to a low and a high value, one at a time, with
    the same seed (common random numbers):

    * ``drift``: yearly growth ± one posterior sd of the fitted drift
      (``growth_add``): s/√κ for the growth models' Normal–inverse-χ²
      posterior (parameters ``sigma`` and ``kappa``), a model's own
      ``drift_sd`` if it reports one, else ±2 points. A bounded indicator's
      drift lives on the logit scale: with the reference-class model it is
      moved there (the reference growth shifted so the posterior drift moves
      by ± its sd, in logit units in ``low``/``high``); for other logit
      models it is converted to level growth at the last actual y, ×
      (b − y)(y − a)/((b − a) y);
    * ``volatility``: innovations scaled by 0.5 and 1.5;
    * ``start``: the starting level shifted by ±5% (a level shock in the first
      simulated year);
    * ``correlation`` (only when a ``correlation`` matrix is passed): shocks
      independent (low) and the matrix as given (high) — a check of how much
      the dependence matters.

    Parameters
    ----------
    rng : None, int, SeedSequence or Generator
        Seed; the root ``SeedSequence`` is derived once and shared by every
        run (common random numbers), as in :func:`compare`.
    ranges : mapping, optional
        Override the (low, high) pair of any of ``drift`` (growth added per
        year), ``volatility`` (multiplier) and ``start`` (relative shift).
    client : dask.distributed.Client, optional
        Run the one-at-a-time simulations as Dask tasks (same numbers).

    Returns
    -------
    DataFrame
        ``assumption, low, high, p_low, p_high, p_base, swing``, sorted by
        swing (largest first), ready for a tornado chart.
    """
    _check_options("sensitivity", simulate_options)
    for name, pair in (ranges or {}).items():
        ok = (isinstance(pair, Sequence) and not isinstance(pair, str) and len(pair) == 2
              and all(isinstance(v, int | float) and not isinstance(v, bool)
                      and np.isfinite(v) for v in pair))
        if not ok:
            msg = f"`ranges[{name!r}]` must be a (low, high) pair of numbers; got {pair!r}"
            raise SimulationError(msg)
    rng = root_seed(rng)  # once: common random numbers for every run
    base = simulate(catalog_or_indicators, rng=rng, **simulate_options)
    if ident in base.grade_ids:
        msg = (f"sensitivity: `{ident}` is a grade indicator; its drift, volatility and "
               "start are not assumptions a scenario can move (see sim.grade_probs)")
        raise SimulationError(msg)
    last_year, last_value = base.last_actual(ident)
    if int(year) <= last_year:  # a known attainment: no assumption can move it
        msg = (f"sensitivity: {year} is not after the last actual of `{ident}` ({last_year}); "
               "its attainment is known: choose a target year after it")
        raise SimulationError(msg)
    p_base = _prob_at(base, ident, year)
    fitted = base.fitted(ident)
    drift_sd = _drift_sd(dict(getattr(fitted, "params", {})))
    on_scale = _drift_on_model_scale(fitted, simulate_options.get("prior", "reference"), ident)
    if on_scale is None:  # moved as level growth: a logit drift converted at the last actual
        drift_sd *= _level_growth_per_unit(fitted, last_value)
    spec = {"drift": (-drift_sd, drift_sd), "volatility": (0.5, 1.5), "start": (-0.05, 0.05)}
    spec.update(ranges or {})
    unknown = set(spec) - {"drift", "volatility", "start"}
    if unknown:
        msg = f"`ranges` may name drift, volatility and start; got {sorted(unknown)}"
        raise SimulationError(msg)
    first = base.first_simulated_year(ident)

    def change(name: str, v: float) -> Change:
        if name == "drift":
            return Change(indicator=ident, growth_add=v)
        if name == "volatility":
            return Change(indicator=ident, volatility_multiplier=v)
        return Change(indicator=ident, level_shock=v, years=(first, first))

    runs = [(name, v) for name, (lo, hi) in spec.items() for v in (lo, hi)]

    def task(name: str, v: float) -> tuple:
        if name == "drift" and on_scale is not None:  # the drift itself, on its scale
            return (catalog_or_indicators, None, rng, ident, year,
                    {**simulate_options, "prior": on_scale(v)})
        return (catalog_or_indicators, Scenario(name=f"{name}={v}", changes=(change(name, v),)),
                rng, ident, year, simulate_options)

    tasks = [task(name, v) for name, v in runs]
    with_corr = simulate_options.get("correlation") is not None
    if with_corr:  # the same run with independent shocks
        opts = {k: v for k, v in simulate_options.items() if k != "correlation"}
        tasks.append((catalog_or_indicators, None, rng, ident, year, opts))
    probs = map_tasks(_prob_cell, tasks, client=client, label="kpisim-sensitivity",
                     shared=(0,))
    rows = [{"assumption": name, "low": lo, "high": hi, "p_low": probs[2 * k],
             "p_high": probs[2 * k + 1], "p_base": p_base}
            for k, (name, (lo, hi)) in enumerate(spec.items())]
    if with_corr:
        rows.append({"assumption": "correlation", "low": 0.0, "high": 1.0,
                     "p_low": probs[-1], "p_high": p_base, "p_base": p_base})
    frame = pd.DataFrame(rows)
    frame["swing"] = (frame["p_high"] - frame["p_low"]).abs()
    return frame.sort_values("swing", ascending=False).reset_index(drop=True)


def _drift_on_model_scale(fitted: Any, prior: Any, ident: str) -> Callable[[float], Any] | None:
    """For a logit-scale reference-class fit: ``d ↦ prior`` moving the posterior
    drift by ``d`` logit units (its reference growth m0 moved by d/(1 − w), w the
    weight of the series' own growth); None where the drift is moved as level growth.

    A bounded indicator's drift lives on the logit scale, where a constant
    level growth would overstate its effect near the bound (the logit's
    growth shrinks as the value saturates).
    """
    from kpisim.models import ReferencePrior

    ref = getattr(fitted, "reference", None)
    if (getattr(fitted, "scale", None) != "logit" or not isinstance(ref, ReferencePrior)
            or getattr(fitted, "sigma_posterior", None) is None):
        return None
    if not (prior in (None, "reference", "catalog") or isinstance(prior, Mapping | ReferencePrior)):
        return None
    p = dict(fitted.params)
    m0, mu, own = float(p["m0"]), float(p["mu"]), p.get("mu_hat")
    w = 0.0 if own is None or abs(float(own) - m0) < 1e-12 else (mu - m0) / (float(own) - m0)
    w = min(max(w, 0.0), 0.99)

    def shifted(d: float) -> dict[str, Any]:
        base = dict(prior) if isinstance(prior, Mapping) else {}
        return {**base, ident: ref.with_growth(ref.m0 + d / (1.0 - w))}

    return shifted


def _level_growth_per_unit(fitted: Any, last: float) -> float:
    r"""Level growth per unit of the model's drift, at the last actual.

    ``growth_add`` moves the level's yearly growth; a model on the logit of
    a bounded range [a, b] has its drift in logit units, and one logit unit
    at level y is :math:`d\log y = (b - y)(y - a) / ((b - a)\,y)` of level
    growth. 1 for a log-scale (or original-scale) model.
    """
    scale = getattr(fitted, "scale", None) or getattr(getattr(fitted, "spec", None), "scale", None)
    bounds = getattr(fitted, "bounds", None)
    if bounds is None and getattr(fitted, "kind", None) == "share":
        bounds = (0.0, 100.0)  # the 0.1 logit model: a share in % (its only kind)
    if scale != "logit" or bounds is None:
        return 1.0
    from kpisim.models import BOUND_EPS  # the fit moves an actual at a bound as far inside

    a, b = bounds
    y = min(max(float(last), a + BOUND_EPS * (b - a)), b - BOUND_EPS * (b - a))
    return (b - y) * (y - a) / ((b - a) * y)


def _drift_sd(params: Mapping[str, float]) -> float:
    """Posterior scale of the drift from a fitted model's parameters."""
    if "drift_sd" in params:
        return float(params["drift_sd"])
    if params.get("kappa", 0) > 0 and "sigma" in params:
        return float(params["sigma"]) / float(np.sqrt(params["kappa"]))
    return 0.02


def _prob_at(sim: Any, ident: str, year: int) -> float:
    p = sim.prob_meet(year, ids=[ident])
    if p.empty:
        msg = f"indicator `{ident}` has no stated target for {year}"
        raise SimulationError(msg)
    return float(p["prob"].iloc[0])
