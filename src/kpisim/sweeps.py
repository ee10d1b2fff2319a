"""Sweeps: P(goal met) over a grid of catalogs × scenarios × priors.

An evaluation office runs every institution's catalog under many scenarios
and priors. :func:`sweep` runs the grid as independent cells — one
:func:`kpisim.simulate` call per (catalog, scenario, prior) — serially in this
process or as Dask tasks on a cluster, and returns one tidy table of
probabilities. Workers send back only the reduced attainment table of their
cell (a few rows per indicator), never simulated paths.

Reproducibility
---------------
Every cell is simulated with the sweep's root ``SeedSequence`` (from ``rng``,
SPEC 7), and the engine draws each indicator's numbers from a stream keyed by
the indicator's id (see :func:`kpisim.simulate`). Hence:

* a cell's numbers are bitwise those of
  ``simulate(catalog, scenario=s, prior=p, rng=root)`` run on its own — they
  do not depend on the cell's position in the grid, on the other cells, on
  the cluster size, on task order or on which worker ran it;
* scenarios and priors of one catalog share common random numbers, so their
  differences are the scenarios' and priors', not Monte Carlo noise.

With ``rng=None`` fresh OS entropy is drawn once; it is returned in
``table.attrs["entropy"]`` so that the run can be repeated exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpisim._messages import Msg
from kpisim._parallel import map_tasks
from kpisim._seeding import root_seed
from kpisim._validation import SimulationError

__all__ = ["SWEEP_COLUMNS", "sweep"]

#: Columns of the table :func:`sweep` returns, in order.
SWEEP_COLUMNS = (
    "catalog", "scenario", "prior", "id", "name_ko", "year", "target",
    "prob", "se", "ci_low", "ci_high", "n_paths",
)

_BASELINE = "baseline"


def sweep(
    catalogs: Any,
    scenarios: Any = None,
    priors: Any = ("reference",),
    *,
    years: Iterable[int] | None = None,
    n_paths: int = 100_000,
    rng: Any = None,
    client: Any = None,
    n_jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    **simulate_options: Any,
) -> pd.DataFrame:
    """P(goal met) for every cell of a catalog × scenario × prior grid.

    Parameters
    ----------
    catalogs : Catalog, str, or a sequence or mapping of them
        Catalogs (or built-in catalog names / catalog file paths, loaded with
        :func:`kpisim.load_catalog`). A mapping gives each its label; otherwise
        the label is the catalog's ``name``.
    scenarios : Scenario, or a sequence or mapping of Scenario or None, optional
        What-ifs; ``None`` (the default) is the baseline alone. In a sequence
        ``None`` stands for the baseline (label ``"baseline"``); the label of a
        scenario is its ``name``.
    priors : sequence or mapping, default ("reference",)
        Prior policies as :func:`kpisim.simulate` takes them (``"reference"``,
        ``"declared"``, ``"catalog"``, ``"pooled"``, ``None``, a prior object).
        A mapping gives each its label; strings label themselves and ``None``
        is labelled ``"none"``.
    years : iterable of int, optional
        Target years to keep (by default every year with a stated target that
        is not yet observed).
    n_paths : int, default 100_000
        Paths per indicator in every cell.
    rng : None, int, SeedSequence or Generator
        Root seed of the sweep (see the module docstring).
    client : dask.distributed.Client, optional
        Run the cells as Dask tasks on this cluster (``kpisim[distributed]``).
    n_jobs : int, default 1
        Without a client, ``n_jobs > 1`` runs on a temporary local cluster of
        that many worker processes.
    progress : callable, optional
        ``progress(done, total)`` after each finished cell.
    **simulate_options
        Passed to every :func:`kpisim.simulate` call (``model``, ``until``,
        ``sampler``, ``correlation``, …). ``keep_paths`` is 1 in a sweep (cells
        return tables, not paths).

    Returns
    -------
    DataFrame
        One row per (catalog, scenario, prior, indicator, target year), with
        the columns :data:`SWEEP_COLUMNS`, sorted in grid order.
        ``attrs["entropy"]`` holds the root seed's entropy and
        ``attrs["skipped"]`` the indicators each catalog could not simulate.

    Examples
    --------
    >>> import kpisim
    >>> t = kpisim.sweep("nipa_2023_2027", priors=["reference", "declared"],
    ...                  n_paths=2_000, rng=1, years=[2027])
    >>> sorted(t.prior.unique())
    ['declared', 'reference']
    """
    cats = _catalogs(catalogs)
    scens = _labelled(scenarios, _scenario_label, "scenarios", default={_BASELINE: None})
    pris = _labelled(priors, _prior_label, "priors", default={"reference": "reference"})
    if "keep_paths" in simulate_options:
        msg = "`keep_paths` cannot be set in a sweep: cells return tables, not paths"
        raise SimulationError(msg)
    keep_years = None if years is None else tuple(int(y) for y in years)
    root = root_seed(rng)
    tasks = [
        (cat, scen, prior, root, int(n_paths), keep_years, simulate_options)
        for cat in cats.values()
        for scen in scens.values()
        for prior in pris.values()
    ]
    labels = [(c, s, p) for c in cats for s in scens for p in pris]
    results = map_tasks(_run_cell, tasks, client=client, n_jobs=n_jobs, progress=progress,
                        label="kpisim-sweep", shared=(0,))
    parts, skipped = [], {}
    for (c, s, p), (table, skip) in zip(labels, results, strict=True):
        parts.append(table.assign(catalog=c, scenario=s, prior=p))
        skipped[c] = skip
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out = out.reindex(columns=list(SWEEP_COLUMNS))
    out.attrs["entropy"] = root.entropy
    out.attrs["skipped"] = skipped
    return out


def _run_cell(
    catalog: Any,
    scenario: Any,
    prior: Any,
    root: np.random.SeedSequence,
    n_paths: int,
    years: tuple[int, ...] | None,
    options: Mapping[str, Any],
) -> tuple[pd.DataFrame, list[str]]:
    """One cell: simulate and reduce to the attainment table (no paths)."""
    from kpisim.simulation import simulate

    sim = simulate(catalog, scenario=scenario, prior=prior, rng=root, n_paths=n_paths,
                   keep_paths=1, **dict(options))
    table = sim.prob_meet()
    table = table[~table["observed"]]
    if years is not None:
        table = table[table["year"].isin(years)]
    cols = [c for c in SWEEP_COLUMNS if c in table.columns]
    return table[cols].reset_index(drop=True), sorted(dict(sim.skipped))


def _catalogs(catalogs: Any) -> dict[str, Any]:
    from kpisim.catalog import Catalog, load_catalog

    def one(c: Any) -> Any:
        return c if isinstance(c, Catalog) else load_catalog(c)

    if isinstance(catalogs, (Catalog, str)) or hasattr(catalogs, "__fspath__"):
        c = one(catalogs)  # a Catalog is a Mapping too: test it first
        out = {c.name: c}
    elif isinstance(catalogs, Mapping):
        out = {str(k): one(v) for k, v in catalogs.items()}
    else:
        loaded = [one(c) for c in catalogs]
        out = {c.name: c for c in loaded}
        if len(out) != len(loaded):
            names = [c.name for c in loaded]
            msg = f"catalog names must be distinct (pass a mapping to label them); got {names}"
            raise SimulationError(msg)
    if not out:
        msg = "`catalogs` is empty: give at least one catalog"
        raise SimulationError(msg)
    return out


def _scenario_label(s: Any) -> str:
    return _BASELINE if s is None else str(s.name)


def _prior_label(p: Any) -> str:
    if p is None:
        return "none"
    if isinstance(p, str):
        return p
    msg = "priors that are objects need labels: pass a mapping {label: prior}"
    raise SimulationError(msg)


def _labelled(
    items: Any, label: Callable[[Any], str], what: str, *, default: dict[str, Any]
) -> dict[str, Any]:
    from kpisim.scenarios import Scenario

    if items is None:
        return dict(default)
    if isinstance(items, Mapping):
        out = {str(k): v for k, v in items.items()}
    else:
        seq: Sequence[Any] = [items] if isinstance(items, (str, Scenario)) else list(items)
        out = {}
        for item in seq:
            key = label(item)
            if key in out:
                msg = Msg("errors.labels_distinct", what=what, label=repr(key))
                raise SimulationError(msg)
            out[key] = item
    if not out:
        msg = f"`{what}` is empty: give at least one (None for the baseline)"
        raise SimulationError(msg)
    return out
