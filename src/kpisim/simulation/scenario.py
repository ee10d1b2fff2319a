"""Scenarios: what-if changes applied to simulated paths.

A :class:`Scenario` is a list of :class:`Change` objects, each naming an
indicator (or ``"*"`` for all) and a year range. Changes act on the yearly
growth rate of each simulated path, ``r_t = y_t / y_{t-1} - 1``:

* ``growth_multiplier`` *m* and ``growth_add`` *a*:  r'_t = m·r_t + a
  (``growth_add=-0.02`` lowers growth by two percentage points a year);
* ``level_shock`` *s* in a year: the level is multiplied by (1 + s) from that
  year on (a permanent shift: a one-off growth change of s). The year is the
  first of the change's range, or the first simulated year when the range
  starts among the actuals (which a scenario never changes; a warning says
  so);
* ``volatility_multiplier`` *v*: the model's innovations are scaled by v
  (applied by the engine to the shocks it passes to the model);
* ``budget``: a budget path {year: amount} and an ``elasticity`` e: the level
  is multiplied by (B_t / B_base)^e, where B_base is the budget of the
  first year of the path (the plan's budget) and B_t the budget in force in
  year t (the latest given year at or before t; years before the path are
  unchanged).

Several changes combine whatever their order: in each year the growth is
(Π m)·r + Σ a over the changes covering it, then each level shock and each
budget factor multiplies the level.

Shares stay within [0, 100] (values are clipped after the change) and
counts and levels stay ≥ 0 (growth rates are floored at −99%).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kpisim._messages import Msg
from kpisim._safeio import InputFileError, StrictLoader, load_yaml, read_text, short_repr
from kpisim._validation import SimulationError, is_finite_number, joined, message_of
from kpisim.indicator import YEAR_RANGE

__all__ = ["Change", "Scenario", "load_scenario", "scenario_from_dict"]

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

_SCENARIO_FIELDS = {"name", "description", "changes"}
#: Years a change may name (those of a catalog).
_YEARS = YEAR_RANGE
#: Largest magnitude of a growth multiplier, added growth, shock or elasticity:
#: beyond it a path would overflow float64 within a few years.
_MAX_FACTOR = 1e3
#: Largest budget amount (any unit; only ratios of budgets are used).
_MAX_BUDGET = 1e18


def _is_year(v: Any) -> bool:
    return (isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)
            and _YEARS[0] <= int(v) <= _YEARS[1])


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
        if not isinstance(self.indicator, str) or not self.indicator.strip():
            self._refuse("indicator", Msg("errors.scenario.expected.indicator"), self.indicator)
        for name in (
            "growth_multiplier",
            "growth_add",
            "level_shock",
            "volatility_multiplier",
            "elasticity",
        ):
            v = getattr(self, name)
            if not is_finite_number(v):
                self._refuse(name, Msg("errors.scenario.expected.finite"), v)
            if abs(float(v)) > _MAX_FACTOR:
                self._refuse(name, Msg("errors.scenario.expected.magnitude",
                                       most=f"{_MAX_FACTOR:g}"), v)
            object.__setattr__(self, name, float(v))
        if self.volatility_multiplier < 0:
            self._refuse("volatility_multiplier", Msg("errors.scenario.expected.non_negative"),
                         self.volatility_multiplier)
        if self.level_shock <= -1:
            self._refuse("level_shock", Msg("errors.scenario.expected.above_minus_one"),
                         self.level_shock)
        if abs(self.growth_add) >= 1:  # ±100 %p a year: a percent written as a number
            self._refuse("growth_add", Msg("errors.scenario.expected.growth_add",
                                           fraction=f"{self.growth_add / 100:g}",
                                           points=f"{self.growth_add:+g}"), self.growth_add)
        if self.elasticity != 1.0 and self.budget is None:
            self._refuse("elasticity", Msg("errors.scenario.expected.elasticity"),
                         self.elasticity)
        if self.years is not None:
            raw = self.years
            if _is_year(raw):
                raw = (raw, raw)
            if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Sequence):
                self._refuse("years", Msg("errors.scenario.expected.years"), self.years)
            y = tuple(raw)
            if len(y) != 2 or not all(_is_year(v) for v in y) or y[0] > y[1]:
                self._refuse("years", Msg("errors.scenario.expected.years_range",
                                          first=_YEARS[0], last=_YEARS[1]), self.years)
            object.__setattr__(self, "years", (int(y[0]), int(y[1])))
        if self.budget is not None:
            if not isinstance(self.budget, Mapping) or not self.budget:
                self._refuse("budget", Msg("errors.scenario.expected.budget"), self.budget)
            b = {}
            for k, v in self.budget.items():
                if not _is_year(k):
                    self._refuse("budget", Msg("errors.scenario.expected.budget_key"), k)
                if not is_finite_number(v) or not 0 < float(v) <= _MAX_BUDGET:
                    self._refuse(f"budget.{k}", Msg("errors.scenario.expected.budget_amount",
                                                    most=f"{_MAX_BUDGET:g}"), v)
                b[int(k)] = float(v)
            object.__setattr__(self, "budget", dict(sorted(b.items())))

    def _refuse(self, name: str, expected: Msg, got: Any) -> None:
        who = self.indicator if isinstance(self.indicator, str) else short_repr(self.indicator)
        msg = Msg("errors.scenario.change", who=who, name=name, expected=expected,
                  got=short_repr(got))
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
        if not isinstance(self.name, str) or not self.name.strip():
            msg = Msg("errors.scenario.name", got=short_repr(self.name))
            raise SimulationError(msg)
        if not isinstance(self.description, str):
            msg = Msg("errors.scenario.description", name=self.name,
                      got=short_repr(self.description))
            raise SimulationError(msg)
        if isinstance(self.changes, str | bytes | Mapping) or not isinstance(
            self.changes, Iterable
        ):
            msg = Msg("errors.scenario.changes_type", name=self.name,
                      got=short_repr(self.changes))
            raise SimulationError(msg)
        changes = tuple(self.changes)
        bad = [c for c in changes if not isinstance(c, Change)]
        if bad:
            msg = Msg("errors.scenario.changes_items", name=self.name, got=short_repr(bad[0]))
            raise SimulationError(msg)
        object.__setattr__(self, "changes", changes)

    def indicators(self) -> set[str]:
        """Indicator ids the scenario names explicitly."""
        return {c.indicator for c in self.changes if c.indicator != "*"}

    def check(self, known: Iterable[str], *, grades: Iterable[str] = (),
              skipped: Mapping[str, Any] | None = None) -> None:
        """Raise if the scenario names an indicator that is not simulated.

        ``grades`` are simulated grade indicators: a change cannot apply to a
        grade (it has no growth or level), and naming one is refused as such.
        ``skipped`` maps the catalog's indicators left out of the run to why:
        a change naming one says it was skipped and why, not "unknown".
        """
        known = set(known)
        named_grades = sorted(self.indicators() & set(grades))
        if named_grades:
            msg = Msg("errors.scenario.grades", name=self.name, ids=named_grades)
            raise SimulationError(msg)
        left_out = sorted(self.indicators() & set(skipped or {}))
        if left_out:
            why = joined([Msg("errors.scenario.skipped_reason", id=i, reason=skipped[i])
                          for i in left_out[:4]])
            msg = Msg("errors.scenario.skipped", name=self.name, ids=left_out, why=why)
            raise SimulationError(msg)
        unknown = sorted(self.indicators() - known)
        if unknown:
            msg = Msg("errors.scenario.unknown", name=self.name, ids=unknown,
                      known=sorted(known)[:12], more="…" if len(known) > 12 else "")
            raise SimulationError(msg)

    def year_warnings(self, first_years: Mapping[str, int], last_year: int) -> list[str]:
        """Sentences for changes whose years miss the simulated years.

        ``first_years`` maps each simulated indicator to its first simulated
        year; ``last_year`` is the last year of the run. A change entirely
        outside its indicator's simulated years has no effect; a level shock
        whose range starts before them is applied in the first simulated
        year of its range (the years before are actuals, which a scenario
        never changes).
        """
        out = []
        for c in self.changes:
            if c.budget is not None:  # the factor is (B_t / B_first)^e: later years must differ
                later = [y for y in list(c.budget)[1:] if y <= last_year]
                if not later:
                    for ident in first_years:
                        if c.applies(ident):
                            out.append(
                                f"scenario `{self.name}`: the budget change for `{ident}` has no "
                                f"effect: no budget year after its first ({next(iter(c.budget))}) "
                                f"falls in the simulated years (to {last_year})")
            if c.years is None:
                continue
            lo, hi = c.years
            for ident, first in first_years.items():
                if not c.applies(ident):
                    continue
                if hi < first or lo > last_year:
                    out.append(f"scenario `{self.name}`: the change for `{ident}` in {lo}–{hi} "
                               f"has no effect: `{ident}` is simulated in {first}–{last_year}")
                elif c.level_shock and lo < first:
                    out.append(f"scenario `{self.name}`: the level shock for `{ident}` starts "
                               f"in {lo}, before its first simulated year {first}: it is "
                               f"applied in {first} (actuals are never changed)")
        return out

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
            # The changes combine whatever their order in the list: in each year the
            # growth is (Π multipliers)·r + Σ adds, and then every level shock
            # multiplies the level by (1 + s) from its first year on (a multiplier
            # listed after a shock used to multiply the shock too).
            for c in growth:
                if c.growth_multiplier != 1:
                    r[:, c.mask(years)] *= c.growth_multiplier
            for c in growth:
                if c.growth_add:
                    r[:, c.mask(years)] += c.growth_add
            for c in growth:
                if c.level_shock:  # in the first simulated year of the change's range
                    first = np.flatnonzero(c.mask(years))
                    if first.size:
                        r[:, first[0]] = (1 + r[:, first[0]]) * (1 + c.level_shock) - 1
            r = np.maximum(r, -0.99)
            if last_value <= 0:
                msg = Msg("errors.scenario.last_actual", name=self.name, ident=ident,
                          last=last_value)
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
        msg = Msg("errors.scenario.change_mapping", where=where, fields=sorted(_CHANGE_FIELDS),
                  got=short_repr(data))
        raise SimulationError(msg)
    unknown = set(data) - _CHANGE_FIELDS
    if unknown:
        msg = Msg("errors.scenario.change_keys", where=where, keys=sorted(map(str, unknown)),
                  fields=sorted(_CHANGE_FIELDS))
        raise SimulationError(msg)
    try:
        return Change(**dict(data))
    except SimulationError as e:
        msg = Msg("errors.scenario.at", where=where, message=message_of(e))
        raise SimulationError(msg) from None


def scenario_from_dict(data: Mapping[str, Any], *, source: str = "<scenario>") -> Scenario:
    """Build a :class:`Scenario` from its YAML mapping.

    Raises
    ------
    SimulationError
        Naming ``source`` and the offending key (``changes[1].budget.2024``)
        for anything but a mapping of ``name``, ``description`` and a list of
        ``changes``, each a mapping of the :class:`Change` fields.
    """
    if not isinstance(data, Mapping) or "changes" not in data:
        msg = Msg("errors.scenario.mapping", source=source, got=short_repr(data))
        raise SimulationError(msg)
    unknown = set(data) - _SCENARIO_FIELDS
    if unknown:
        msg = Msg("errors.scenario.keys", source=source, keys=sorted(map(str, unknown)),
                  fields=sorted(_SCENARIO_FIELDS))
        raise SimulationError(msg)
    changes = data["changes"] if data["changes"] is not None else []
    if not isinstance(changes, list):
        msg = Msg("errors.scenario.changes_list", source=source, got=short_repr(changes))
        raise SimulationError(msg)
    name = data.get("name", Path(source.split(",")[0]).stem)
    description = data.get("description", "")
    for key, v in (("name", name), ("description", description)):
        if not isinstance(v, str) or (key == "name" and not v.strip()):
            msg = Msg("errors.scenario.name_string" if key == "name"
                      else "errors.scenario.description_string", source=source, got=short_repr(v))
            raise SimulationError(msg)
    return Scenario(
        name=name,
        description=description,
        changes=tuple(
            _change_from_dict(c, f"{source}, changes[{i}]") for i, c in enumerate(changes)
        ),
    )


def load_scenario(path: str | Path) -> list[Scenario]:
    """Read one scenario, or a list of them (``scenarios: [...]``), from YAML.

    The file is read as the catalogs are (:mod:`kpisim._safeio`: size cap,
    UTF-8 with or without BOM, CP949 named, YAML nesting and alias limits).

    Raises
    ------
    SimulationError
        Naming the file (and line, for YAML errors) and the key at fault.
    """
    if not isinstance(path, str | PathLike) or not str(path).strip():
        msg = Msg("errors.scenario.path", got=short_repr(path))
        raise SimulationError(msg)
    path = Path(path)
    src = str(path)
    try:
        text = read_text(path, what="scenario file")
        data = load_yaml(text, StrictLoader, source=src, on_error=lambda d: SimulationError(
            Msg("errors.scenario.yaml", source=src, detail=d)))
    except InputFileError as e:
        raise SimulationError(message_of(e)) from None
    if data is None:
        msg = Msg("errors.scenario.empty", source=src)
        raise SimulationError(msg)
    if isinstance(data, Mapping) and "scenarios" in data:
        unknown = set(data) - {"scenarios"}
        if unknown:
            msg = Msg("errors.scenario.beside", source=src, keys=sorted(map(str, unknown)))
            raise SimulationError(msg)
        items = data["scenarios"]
        if not isinstance(items, list) or not items:
            msg = Msg("errors.scenario.list", source=src, got=short_repr(items))
            raise SimulationError(msg)
        out = [scenario_from_dict(s, source=f"{src}, scenarios[{i}]")
               for i, s in enumerate(items)]
        names = [s.name for s in out]
        if len(set(names)) != len(names):
            msg = Msg("errors.scenario.distinct", source=src, names=names)
            raise SimulationError(msg)
        return out
    return [scenario_from_dict(data, source=src)]
