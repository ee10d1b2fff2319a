"""Scenarios: what-if changes applied to simulated paths.

A :class:`Scenario` is a list of :class:`Change` objects, each naming an
indicator (or ``"*"`` for all) and a year range. Changes act on the yearly
growth rate of each simulated path, ``r_t = y_t / y_{t-1} - 1``:

* ``growth_multiplier`` *m* and ``growth_add`` *a*:  r'_t = m·r_t + a
  (``growth_add=-0.02`` lowers growth by two percentage points a year);
* ``level_shock`` *s* in a year: the level is multiplied by (1 + s) from that
  year on (a permanent shift: a one-off growth change of s);
* ``volatility_multiplier`` *v*: the model's innovations are scaled by v
  (applied by the engine to the shocks it passes to the model);
* ``budget``: a budget path {year: amount} and an ``elasticity`` e: the level
  is multiplied by (B_t / B_base)^e, where B_base is the budget of the
  first year of the path (the plan's budget) and B_t the budget in force in
  year t (the latest given year at or before t; years before the path are
  unchanged).

Shares stay within [0, 100] (values are clipped after the change) and
counts and levels stay ≥ 0 (growth rates are floored at −99%).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from kpisim._validation import KpisimError, SimulationError

__all__ = ["Change", "Scenario", "compare", "load_scenario", "sensitivity"]

_CHANGE_FIELDS = {
    "indicator",
    "years",
    "growth_multiplier",
    "growth_add",
    "level_shock",
    "volatility_multiplier",
    "budget",
    "elasticity",
}


@dataclass(frozen=True, kw_only=True)
class Change:
    """One change of a scenario; see the module docstring for the formulas."""

    indicator: str = "*"
    years: tuple[int, int] | None = None
    growth_multiplier: float = 1.0
    growth_add: float = 0.0
    level_shock: float = 0.0
    volatility_multiplier: float = 1.0
    budget: Mapping[int, float] | None = None
    elasticity: float = 1.0

    def __post_init__(self) -> None:
        for name in (
            "growth_multiplier",
            "growth_add",
            "level_shock",
            "volatility_multiplier",
            "elasticity",
        ):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not np.isfinite(v):
                self._refuse(name, "a finite number", v)
        if self.volatility_multiplier < 0:
            self._refuse("volatility_multiplier", "≥ 0", self.volatility_multiplier)
        if self.level_shock <= -1:
            self._refuse("level_shock", "> -1", self.level_shock)
        if self.years is not None:
            y = tuple(self.years)
            if len(y) != 2 or not all(isinstance(v, int) for v in y) or y[0] > y[1]:
                self._refuse("years", "[first, last]", self.years)
            object.__setattr__(self, "years", y)
        if self.budget is not None:
            b = {int(k): float(v) for k, v in dict(self.budget).items()}
            if not b or min(b.values()) <= 0:
                self._refuse("budget", "a mapping of years to positive amounts", self.budget)
            object.__setattr__(self, "budget", dict(sorted(b.items())))

    def _refuse(self, name: str, expected: str, got: Any) -> None:
        msg = f"scenario change for `{self.indicator}`: `{name}` must be {expected}; got {got!r}"
        raise SimulationError(msg)

    def applies(self, ident: str) -> bool:
        """Whether this change concerns indicator ``ident``."""
        return self.indicator in ("*", ident)

    def mask(self, years: NDArray) -> NDArray[np.bool_]:
        """Boolean mask of ``years`` inside this change's range."""
        if self.years is None:
            return np.ones(len(years), dtype=bool)
        return (years >= self.years[0]) & (years <= self.years[1])


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A named set of changes.

    Examples
    --------
    >>> s = Scenario(name="예산 삭감", changes=(Change(indicator="ai_firms", growth_add=-0.03),))
    >>> s.indicators()
    {'ai_firms'}
    """

    name: str = "baseline"
    description: str = ""
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(self.changes))

    def indicators(self) -> set[str]:
        """Indicator ids the scenario names explicitly."""
        return {c.indicator for c in self.changes if c.indicator != "*"}

    def check(self, known: Iterable[str]) -> None:
        """Raise if the scenario names an indicator that is not simulated."""
        known = set(known)
        unknown = sorted(self.indicators() - known)
        if unknown:
            msg = (
                f"scenario `{self.name}` names unknown indicator(s) {unknown}; "
                f"simulated indicators are {sorted(known)[:12]}{'…' if len(known) > 12 else ''}"
            )
            raise SimulationError(msg)

    def volatility(self, ident: str, years: NDArray) -> NDArray[np.float64]:
        """Per-year multiplier of the model's innovations for ``ident``."""
        out = np.ones(len(years))
        for c in self.changes:
            if c.applies(ident) and c.volatility_multiplier != 1.0:
                out[c.mask(years)] *= c.volatility_multiplier
        return out

    def apply(
        self,
        ident: str,
        values: NDArray,
        years: NDArray,
        last_value: float,
        kind: str,
    ) -> NDArray:
        """Apply the growth, level and budget changes to simulated ``values``.

        Parameters
        ----------
        values : ndarray, shape (n_paths, n_years)
            Simulated levels for ``years`` (consecutive, after the last actual).
        last_value : float
            The last actual, from which the first year's growth is measured.
        """
        changes = [c for c in self.changes if c.applies(ident)]
        growth = [
            c
            for c in changes
            if c.growth_multiplier != 1 or c.growth_add != 0 or c.level_shock != 0
        ]
        out = values
        if growth:
            prev = np.concatenate(
                [np.full((values.shape[0], 1), last_value), values[:, :-1]], axis=1
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(prev > 0, values / prev - 1.0, 0.0)
            for c in growth:
                m = c.mask(years)
                r[:, m] = c.growth_multiplier * r[:, m] + c.growth_add
                if c.level_shock and c.years is not None:
                    first = np.flatnonzero(years == c.years[0])
                    if first.size:
                        r[:, first[0]] = (1 + r[:, first[0]]) * (1 + c.level_shock) - 1
                elif c.level_shock:
                    r[:, 0] = (1 + r[:, 0]) * (1 + c.level_shock) - 1
            r = np.maximum(r, -0.99)
            if last_value <= 0:
                msg = (
                    f"scenario `{self.name}`: growth changes for `{ident}` need a "
                    f"positive last actual; got {last_value}"
                )
                raise SimulationError(msg)
            out = last_value * np.cumprod(1.0 + r, axis=1)
        for c in changes:
            if c.budget is None:
                continue
            base = next(iter(c.budget.values()))
            known = np.array(list(c.budget))
            amounts = np.array(list(c.budget.values()))
            # the budget in force each year: the latest given year at or before it
            pos = np.searchsorted(known, years, side="right") - 1
            factor = np.where(pos >= 0, (amounts[np.maximum(pos, 0)] / base) ** c.elasticity, 1.0)
            factor = np.where(c.mask(years), factor, 1.0)
            out = out * factor
        if kind == "share":
            out = np.clip(out, 0.0, 100.0)
        elif kind in ("count", "level"):
            out = np.maximum(out, 0.0)
        return out


def _change_from_dict(data: Any, where: str) -> Change:
    if not isinstance(data, Mapping):
        msg = f"{where}: a change must be a mapping; got {data!r}"
        raise SimulationError(msg)
    unknown = set(data) - _CHANGE_FIELDS
    if unknown:
        msg = (
            f"{where}: unknown key(s) {sorted(unknown)}; expected some of {sorted(_CHANGE_FIELDS)}"
        )
        raise SimulationError(msg)
    kw = dict(data)
    if "years" in kw and kw["years"] is not None:
        y = kw["years"]
        kw["years"] = (int(y), int(y)) if isinstance(y, int) else tuple(y)
    try:
        return Change(**kw)
    except (KpisimError, TypeError) as e:  # TypeError: wrong types for fields
        msg = f"{where}: {e}"
        raise SimulationError(msg) from e


def scenario_from_dict(data: Mapping[str, Any], *, source: str = "<scenario>") -> Scenario:
    """Build a :class:`Scenario` from its YAML mapping."""
    if not isinstance(data, Mapping) or "changes" not in data:
        msg = f"{source}: a scenario needs `name` and a list of `changes`; got {data!r}"
        raise SimulationError(msg)
    changes = data["changes"] or []
    if not isinstance(changes, Sequence) or isinstance(changes, str):
        msg = f"{source}: `changes` must be a list; got {changes!r}"
        raise SimulationError(msg)
    return Scenario(
        name=str(data.get("name", Path(source).stem)),
        description=str(data.get("description", "")),
        changes=tuple(
            _change_from_dict(c, f"{source}, changes[{i}]") for i, c in enumerate(changes)
        ),
    )


def load_scenario(path: str | Path) -> list[Scenario]:
    """Read one scenario, or a list of them (``scenarios: [...]``), from YAML."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        msg = f"{path}: cannot read the scenario file ({e})"
        raise SimulationError(msg) from e
    if isinstance(data, Mapping) and "scenarios" in data:
        return [
            scenario_from_dict(s, source=f"{path}, scenarios[{i}]")
            for i, s in enumerate(data["scenarios"])
        ]
    return [scenario_from_dict(data, source=str(path))]


def compare(
    scenarios: Sequence[Scenario],
    catalog_or_indicators: Any,
    *,
    year: int | None = None,
    rng: Any = 0,
    **simulate_options: Any,
) -> pd.DataFrame:
    """P(goal met) under each scenario, side by side.

    Every scenario is simulated with the same seed (common random numbers), so
    differences between scenarios are not blurred by Monte Carlo noise.

    Returns
    -------
    DataFrame
        ``id, year, target, <scenario name>…`` with probabilities, plus
        ``<scenario name> se`` columns.
    """
    from kpisim.simulate import simulate

    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        msg = f"scenario names must be distinct; got {names}"
        raise SimulationError(msg)
    merged: pd.DataFrame | None = None
    for s in scenarios:
        sim = simulate(catalog_or_indicators, scenario=s, rng=rng, **simulate_options)
        p = sim.prob_meet(year)
        p = p[~p.observed][["id", "year", "target", "prob", "se"]].rename(
            columns={"prob": s.name, "se": f"{s.name} se"}
        )
        merged = p if merged is None else merged.merge(p, on=["id", "year", "target"])
    return merged if merged is not None else pd.DataFrame()


def sensitivity(
    catalog_or_indicators: Any,
    ident: str,
    year: int,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    rng: Any = 0,
    **simulate_options: Any,
) -> pd.DataFrame:
    """Tornado table: how P(goal of ``ident`` in ``year``) moves per assumption.

    Each assumption is moved to a low and a high value, one at a time, with
    the same seed (common random numbers):

    * ``drift``: yearly growth ± one posterior sd of the fitted drift
      (``growth_add``): s/√κ for the growth models' Normal–inverse-χ²
      posterior (parameters ``sigma`` and ``kappa``), a model's own
      ``drift_sd`` if it reports one, else ±2 points;
    * ``volatility``: innovations scaled by 0.5 and 1.5;
    * ``start``: the starting level shifted by ±5% (a level shock in the first
      simulated year);
    * ``correlation`` (only when a ``correlation`` matrix is passed): shocks
      independent (low) and the matrix as given (high) — a check of how much
      the dependence matters.

    Parameters
    ----------
    ranges : mapping, optional
        Override the (low, high) pair of any of ``drift`` (growth added per
        year), ``volatility`` (multiplier) and ``start`` (relative shift).

    Returns
    -------
    DataFrame
        ``assumption, low, high, p_low, p_high, p_base, swing``, sorted by
        swing (largest first), ready for a tornado chart.
    """
    from kpisim.simulate import simulate

    base = simulate(catalog_or_indicators, rng=rng, **simulate_options)
    p_base = _prob_at(base, ident, year)
    fitted = base.fitted(ident)
    drift_sd = _drift_sd(dict(getattr(fitted, "params", {})))
    spec = {"drift": (-drift_sd, drift_sd), "volatility": (0.5, 1.5), "start": (-0.05, 0.05)}
    spec.update(ranges or {})
    unknown = set(spec) - {"drift", "volatility", "start"}
    if unknown:
        msg = f"`ranges` may name drift, volatility and start; got {sorted(unknown)}"
        raise SimulationError(msg)
    first = int(base.years[base._track(ident).offset])

    def change(name: str, v: float) -> Change:
        if name == "drift":
            return Change(indicator=ident, growth_add=v)
        if name == "volatility":
            return Change(indicator=ident, volatility_multiplier=v)
        return Change(indicator=ident, level_shock=v, years=(first, first))

    rows = []
    for name, (lo, hi) in spec.items():
        ps = [
            _prob_at(
                simulate(
                    catalog_or_indicators,
                    rng=rng,
                    scenario=Scenario(name=f"{name}={v}", changes=(change(name, v),)),
                    **simulate_options,
                ),
                ident,
                year,
            )
            for v in (lo, hi)
        ]
        rows.append(
            {
                "assumption": name,
                "low": lo,
                "high": hi,
                "p_low": ps[0],
                "p_high": ps[1],
                "p_base": p_base,
            }
        )
    if simulate_options.get("correlation") is not None:
        opts = {k: v for k, v in simulate_options.items() if k != "correlation"}
        p_ind = _prob_at(simulate(catalog_or_indicators, rng=rng, **opts), ident, year)
        rows.append(
            {
                "assumption": "correlation",
                "low": 0.0,
                "high": 1.0,
                "p_low": p_ind,
                "p_high": p_base,
                "p_base": p_base,
            }
        )
    frame = pd.DataFrame(rows)
    frame["swing"] = (frame["p_high"] - frame["p_low"]).abs()
    return frame.sort_values("swing", ascending=False).reset_index(drop=True)


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
