"""Recomputing a stated target path under every rounding a document may use.

Private to :mod:`kpisim.rules.audit`: each ``_Try`` is the rule run forward
from the document's start under one rounding (half-up, floor or ceil to
0 … N decimals, chaining the rounded or the unrounded value), to the nearest
10/100/1,000, each year to the decimals it is printed with, or one year at a
time from the document's previous values; the audit picks the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kpisim.rules._base import Result, Rule, RuleData, evaluate
from kpisim.rules._rounding import Rounding, decimals_shown, round_value

#: Rounding modes tried (with 0 … N decimals) when a rule names none.
_MODES = ("half_up", "floor", "ceil")


@dataclass
class _Try:
    rounding: Rounding
    chain: bool | None
    result: Result
    compared: list[int]
    mismatched: list[int]
    max_err: float
    coarse: int = 0  # rounded half-up to this unit (10, 100, 1000); 0 = `rounding`
    printed: bool = False  # each year to the decimals its number shows

    @property
    def exact(self) -> bool:
        return bool(self.compared) and not self.mismatched

    @property
    def label(self) -> str:
        if self.coarse:
            return f"half_up(-{round(math.log10(self.coarse))})"
        if self.printed:
            return f"{self.rounding.mode}(as printed), unchained"
        if self.rounding.is_none or self.chain is not False:
            return self.rounding.label
        return f"{self.rounding.label}, unchained"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _compare(rounding: Rounding, chain: bool | None, result: Result,
             stated: dict[int, Any], coarse: int = 0) -> _Try:
    compared = sorted(result.values)
    mismatched = [y for y in compared if not _same(result.values[y], stated[y])]
    errs = [abs(float(result.values[y]) - float(stated[y])) for y in compared
            if not isinstance(stated[y], str) and not isinstance(result.values[y], str)]
    max_err = max(errs) if errs else (0.0 if compared and not mismatched else math.nan)
    return _Try(rounding, chain, result, compared, mismatched, max_err, coarse)


def _roundings(rule: Rule, data: RuleData, years: list[int], max_decimals: int
               ) -> tuple[list[Rounding], list[bool | None]]:
    chains: list[bool | None] = (
        [rule.chain_rounded] if rule.chain_rounded is not None else [True, False])
    if data.is_grade:
        return [Rounding()], [None]
    if rule.rounding is not None:
        return [rule.rounding], chains
    shown = max(decimals_shown(float(data.targets[y])) for y in years)
    top = min(max_decimals, shown)
    return [Rounding()] + [Rounding(m, d) for d in range(top + 1) for m in _MODES], chains


def _search(rule: Rule, data: RuleData, years: list[int], roundings: list[Rounding],
            chains: list[bool | None]) -> list[_Try]:
    """Run the rule forward from the document's start under every rounding."""
    tries = []
    for rnd in roundings:
        for chain in ([chains[0]] if rnd.is_none else chains):
            res = evaluate(rule, data, years, rounding=rnd, chain_rounded=chain,
                           collect=True)
            tries.append(_compare(rnd, chain, res, data.targets))
    return tries


def _coarse(rule: Rule, data: RuleData, years: list[int]) -> _Try | None:
    """Half-up to the nearest 10/100/1,000 when every stated number is a multiple.

    The rule compounds unrounded values; only the printed numbers are rounded
    (a goal table that prints 2,700 and 3,500 for 2,662 and 3,543).
    """
    if data.is_grade or rule.rounding is not None:
        return None
    values = [float(data.targets[y]) for y in years]
    unit = next((u for u in (1000, 100, 10)
                 if all(v != 0 and v % u == 0 for v in values)), 0)
    if not unit:
        return None
    res = evaluate(rule, data, years, rounding=Rounding(), chain_rounded=False,
                   collect=True)
    vals = {y: v if isinstance(v, str) else round_value(float(v) / unit, "half_up", 0) * unit
            for y, v in res.values.items()}
    rounded = Result(vals, res.errors, res.stand_ins, res.read_stated)
    t = _compare(Rounding(), False, rounded, data.targets, coarse=unit)
    return t if t.exact and not t.result.errors else None


def _as_printed(rule: Rule, data: RuleData, years: list[int]) -> _Try | None:
    """Each number rounded to the decimals it is printed with (10.5, 11, 11.6, 12).

    Documents print 12 beside 11.6: the rule compounds unrounded values and
    each year is rounded (one mode for all years) to the decimals its number
    shows.
    """
    if data.is_grade or rule.rounding is not None:
        return None
    places = {y: decimals_shown(float(data.targets[y])) for y in years}
    if len(set(places.values())) < 2:
        return None  # one precision: the ordinary search already tried it
    res = evaluate(rule, data, years, rounding=Rounding(), chain_rounded=False,
                   collect=True)
    for mode in _MODES:
        vals = {y: v if isinstance(v, str) else round_value(float(v), mode, places[y])
                for y, v in res.values.items()}
        t = _compare(Rounding(mode, max(places.values())), False,
                     Result(vals, res.errors, res.stand_ins, res.read_stated), data.targets)
        if t.exact and not t.result.errors:
            t.printed = True
            return t
    return None


def _one_step(rule: Rule, data: RuleData, years: list[int],
              roundings: list[Rounding]) -> list[_Try]:
    """Recompute each year alone, from the document's previous values."""
    tries = []
    for rnd in roundings:
        values, errors, stand, read = {}, {}, set(), set()
        for y in years:
            res = evaluate(rule, data, [y], rounding=rnd, collect=True)
            values.update(res.values)
            errors.update(res.errors)
            stand |= res.stand_ins
            read |= res.read_stated
        res = Result(values, errors, frozenset(stand), frozenset(read))
        tries.append(_compare(rnd, None, res, data.targets))
    return tries
