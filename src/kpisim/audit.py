"""Audit stated target paths against the rules the document gives for them.

:func:`audit` recomputes, for every indicator with a rule and at least two
stated targets, the plan years' targets (stated target years after the last
year of the actual column) and looks for a rounding under which the rule
reproduces the printed numbers exactly:

* roundings tried: none, then half-up, floor and ceil to 0 … N decimals, N
  being the most decimals the stated numbers show (at most 3); a rule that
  names its rounding is only tried with it;
* each rounding is tried with the chain carrying the rounded value
  (``chain_rounded=True``, what an author who multiplies the printed number
  does) and the unrounded one (the rule compounds exactly and only the printed
  numbers are rounded);
* the chain starts from the document's values (the target stated for the
  year before the first plan year); actuals the plan did not know stand in
  with that year's target, and the verdict says so.

When no rounding reproduces the path, each year is recomputed one step ahead
from the document's previous values, so the verdict can name the years that
break the rule ("'25 stated 1,880 vs rule 1,903") instead of a drift that
compounds. A rule is never adjusted to fit: the verdict says plainly that the
document contradicts itself, and which simple pattern its numbers follow
instead, if any.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpisim._rounding import Rounding, decimals_shown
from kpisim._rulebase import Result, Rule, RuleData, as_data, evaluate, num, pct, yy
from kpisim._rules_growth import (
    AbsoluteIncrement,
    MilestoneThenGrowth,
    Uplift,
    implied_cagr,
)
from kpisim._rules_levels import Fixed, Maintain, Sequence, Stated
from kpisim._validation import KpisimError, RuleError

__all__ = ["AUDIT_COLUMNS", "audit", "audit_indicator", "headline_rates"]

#: Columns of :func:`audit`.
AUDIT_COLUMNS: tuple[str, ...] = (
    "id", "name_ko", "rule_type", "rule_text", "years", "stated", "recomputed",
    "rounding", "chain_rounded", "method", "max_abs_error", "consistent",
    "checkable", "matches", "implied_cagr", "verdict",
)
_MODES = ("half_up", "floor", "ceil")
_FLOOR_WORDS = ("이상", "상회")


@dataclass
class _Try:
    rounding: Rounding
    chain: bool | None
    result: Result
    compared: list[int]
    mismatched: list[int]
    max_err: float

    @property
    def exact(self) -> bool:
        return bool(self.compared) and not self.mismatched

    @property
    def label(self) -> str:
        if self.rounding.is_none or self.chain is not False:
            return self.rounding.label
        return f"{self.rounding.label}, unchained"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _compare(rounding: Rounding, chain: bool | None, result: Result,
             stated: dict[int, Any]) -> _Try:
    compared = sorted(result.values)
    mismatched = [y for y in compared if not _same(result.values[y], stated[y])]
    errs = [abs(float(result.values[y]) - float(stated[y])) for y in compared
            if not isinstance(stated[y], str) and not isinstance(result.values[y], str)]
    max_err = max(errs) if errs else (0.0 if compared and not mismatched else math.nan)
    return _Try(rounding, chain, result, compared, mismatched, max_err)


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


def _years(years: list[int]) -> str:
    """'22, '23, '24 → "'22–'24"; gaps are listed."""
    if not years:
        return ""
    runs, start, prev = [], years[0], years[0]
    for y in [*years[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(yy(start) if start == prev else f"{yy(start)}–{yy(prev)}")
        if y is not None:
            start = prev = y
    return ", ".join(runs)


def _rounding_words(t: _Try, tries: list[_Try]) -> str:
    if t.rounding.is_none:
        return "exactly (no rounding)"
    words = t.rounding.describe("en").replace("rounded half-up", "with half-up rounding")
    other = [u for u in tries if u.exact and u.rounding == t.rounding and u is not t]
    if not other and t.chain is False:
        words += ", compounding unrounded values (only the printed numbers are rounded)"
    elif not other:
        words += ", each year on the rounded previous value"
    return words


def _pattern(data: RuleData, years: list[int], roundings: list[Rounding],
             anchor: int | None) -> str | None:
    """A simple rule (+r% or +s a year on the previous target) the numbers follow."""
    pts = [(y, data.targets[y]) for y in ([anchor] if anchor else []) + years]
    if data.is_grade or len(pts) < 3 or len(years) < 2:
        return None
    vals = np.array([float(v) for _, v in pts])
    steps = np.diff(vals) / np.maximum(np.diff([y for y, _ in pts]), 1)
    cands: list[Rule] = []
    if np.allclose(vals, vals[0]):
        cands.append(Maintain())
    shown = max(decimals_shown(v) for v in vals)
    step = round(float(np.median(steps)), shown)
    if step:
        cands.append(AbsoluteIncrement(step))
    if np.all(vals[:-1] > 0):
        ratio = float(np.median(vals[1:] / vals[:-1])) - 1
        for d in (2, 3):
            if round(ratio, d) and all(c.rate != round(ratio, d) for c in cands
                                       if isinstance(c, Uplift)):
                cands.append(Uplift(round(ratio, d)))
    for cand in cands:
        tries = _search(cand, data, years, roundings, [True, False])
        for t in tries:
            if t.exact and not t.result.errors:
                if t.rounding.is_none:
                    return cand.phrase()
                chain = ", compounding unrounded values" if t.chain is False else ""
                return f"{cand.phrase()} ({t.rounding.describe('en')}{chain})"
    return None


def _phrase(rule: Rule, years: list[int]) -> str:
    """The rule in words; for a Sequence only the parts covering ``years``."""
    if not isinstance(rule, Sequence):
        return rule.phrase()
    used = list(dict.fromkeys(rule.active(y) for y in years))
    if len(used) == 1:
        return used[0].phrase()
    starts = {id(r): y for y, r in rule.parts}
    return "; ".join(f"from {yy(starts.get(id(r), years[0]))} {r.phrase()}"
                     for r in used)


def _first_error(errors: dict[int, str]) -> str:
    return errors[min(errors)]


def audit_indicator(indicator: Any, *, max_decimals: int = 3) -> dict[str, Any] | None:
    """Audit one indicator (one row of :func:`audit`); None if not auditable."""
    rule = indicator.rule
    if not isinstance(rule, Rule):
        return None
    data = as_data(indicator)
    if len(data.targets) < 2:
        return None
    if not data.is_grade and any(isinstance(v, str) for v in data.targets.values()):
        return None
    years = data.plan_years()
    if not years:
        return None
    before = [y for y in data.targets if y < years[0]]
    anchor = max(before) if before else None
    stated = {y: data.targets[y] for y in years}
    shown = 0 if data.is_grade else max(decimals_shown(float(v)) for v in stated.values())
    row: dict[str, Any] = {
        "id": data.id, "name_ko": indicator.name_ko, "rule_type": rule.type,
        "rule_text": rule.text, "years": tuple(years), "stated": stated,
        "implied_cagr": _implied(data, years, anchor),
    }
    roundings, chains = _roundings(rule, data, years, max_decimals)
    tries = _search(rule, data, years, roundings, chains)
    if isinstance(rule, Stated):
        pattern = _pattern(data, years, roundings, anchor)
        verdict = "states its path without a formula (nothing to check)"
        if pattern:
            verdict += f"; its numbers follow {pattern}"
        return {**row, **_cols(tries[0], "stated", []), "consistent": True,
                "checkable": False, "verdict": verdict}
    exact = [t for t in tries if t.exact]
    if not any(t.compared for t in tries):
        reason = _first_error(tries[0].result.errors)
        return {**row, **_cols(tries[0], "", tries), "consistent": False,
                "checkable": False, "verdict": f"cannot recompute: {reason}"}
    if exact:
        best = exact[0]
        phrase = _phrase(rule, best.compared)
        verdict = f"follows {phrase} {_rounding_words(best, tries)}"
        start = [y for y in best.result.read_stated
                 if y not in best.compared and (anchor is None or y >= anchor)]
        if start:
            y0 = min(start)
            verdict += f", from the {yy(y0)} target {num(data.targets[y0])}"
        others = [t.rounding.label for t in exact[1:] if t.rounding != best.rounding]
        if others and not best.rounding.is_none:
            verdict += f" ({', '.join(dict.fromkeys(others))} also fit)"
        return {**row, **_cols(best, "chain", tries), "consistent": True,
                "checkable": True, "verdict": verdict + _notes(best, data)}
    steps = _one_step(rule, data, years, roundings)
    # most matching years first, then the natural order (none, half_up(0), …):
    # never pick a rounding just because it makes the gap look smaller
    best = min(steps, key=lambda t: len(t.mismatched) - len(t.compared))
    d = max(shown, 0 if best.rounding.is_none else best.rounding.decimals)
    gaps = [f"{yy(y)} stated {num(stated[y], d)} vs rule "
            f"{_show(best.result.values[y], d, best.rounding.is_none)}"
            for y in best.mismatched[:3]]
    more = len(best.mismatched) - 3
    verdict = f"does not follow its rule ({_phrase(rule, best.compared)}): "
    verdict += "; ".join(gaps)
    verdict += f" and {more} more" if more > 0 else ""
    ok = [y for y in best.compared if y not in best.mismatched]
    if ok:
        verb = "matches" if len(ok) == 1 else "match"
        verdict += f"; {_years(ok)} {verb} it one step ahead"
    if any(w in rule.text for w in _FLOOR_WORDS) and _above(data, best):
        verdict += ("; the text sets a floor ('이상') and every stated target is at "
                    "or beyond the rule's value")
    pattern = _pattern(data, years, roundings, anchor)
    if pattern:
        verdict += f"; its numbers follow {pattern} instead"
    return {**row, **_cols(best, "one_step", steps), "consistent": False,
            "checkable": True, "verdict": verdict + _notes(best, data)}


def _show(value: Any, decimals: int, unrounded: bool) -> str:
    """An unrounded rule value with two more decimals than the document shows."""
    if isinstance(value, str) or not unrounded:
        return num(value, decimals)
    text = num(value, decimals + 2)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _above(data: RuleData, t: _Try) -> bool:
    sign = -1.0 if data.direction == "decrease" else 1.0
    return all(sign * (float(data.targets[y]) - float(t.result.values[y])) >= -1e-9
               for y in t.compared)


def _notes(t: _Try, data: RuleData) -> str:
    out = ""
    if t.result.stand_ins:
        out += (f"; the plan did not know the {_years(sorted(t.result.stand_ins))} "
                "actuals, so those years' targets stand in for them")
    if t.result.errors:
        skipped = sorted(t.result.errors)
        out += f"; {_years(skipped)} not recomputed ({_first_error(t.result.errors)})"
    return out


def _cols(t: _Try, method: str, tries: list[_Try]) -> dict[str, Any]:
    return {
        "recomputed": dict(t.result.values), "rounding": t.rounding.label,
        "chain_rounded": t.chain, "method": method, "max_abs_error": t.max_err,
        "matches": tuple(dict.fromkeys(u.label for u in tries if u.exact)),
    }


def _implied(data: RuleData, years: list[int], anchor: int | None) -> float:
    pts = [(y, data.targets[y]) for y in ([anchor] if anchor else []) + years]
    if data.is_grade or len(pts) < 2:
        return math.nan
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    try:
        return implied_cagr(float(v0), y0, float(v1), y1)
    except RuleError:
        return math.nan


def audit(catalog: Any, *, max_decimals: int = 3) -> pd.DataFrame:
    """Check every stated target path against its rule.

    Parameters
    ----------
    catalog : Catalog or iterable of Indicator
    max_decimals : int, default 3
        Most decimals tried when searching for the rounding.

    Returns
    -------
    DataFrame
        One row per indicator with a rule and at least two stated targets,
        with the columns of :data:`AUDIT_COLUMNS`: the plan ``years``, the
        ``stated`` and ``recomputed`` paths (``{year: value}``), the best
        ``rounding`` (e.g. ``half_up(0)``) and ``chain_rounded``, ``method``
        (``chain``: run forward from the document's start; ``one_step``: each
        year from the document's previous values, used when nothing matches;
        ``stated``: no formula), ``max_abs_error``, ``consistent`` (an exact
        match under some rounding), ``checkable`` (False for stated paths and
        rules that cannot be recomputed), every rounding that ``matches``, the
        ``implied_cagr`` of the stated path (from the target before the first
        plan year to the last) and a ``verdict`` sentence.

    Examples
    --------
    >>> import kpisim
    >>> from kpisim.rules import Uplift
    >>> ind = kpisim.Indicator(id="contracts", name_ko="메타버스 해외진출 계약 건수",
    ...     unit="개", kind="count", actuals={2021: 20, 2022: None},
    ...     targets={2022: 22, 2023: 24, 2024: 26, 2025: 28, 2026: 30},
    ...     rule=Uplift(0.10, text="전년 목표치 대비 10% 상향된 목표치 설정"))
    >>> row = audit([ind]).iloc[0]
    >>> bool(row.consistent), row.rounding
    (True, 'floor(0)')
    """
    inds = catalog.values() if hasattr(catalog, "values") else catalog
    rows = []
    for ind in inds:
        try:
            row = audit_indicator(ind, max_decimals=max_decimals)
        except KpisimError as e:  # pragma: no cover - defensive: report, never crash
            row = {"id": ind.id, "name_ko": ind.name_ko, "consistent": False,
                   "checkable": False, "verdict": f"cannot recompute: {e}"}
        if row is not None:
            rows.append(row)
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    frame["consistent"] = frame["consistent"].astype(bool)
    frame["checkable"] = frame["checkable"].astype(bool)
    frame["max_abs_error"] = frame["max_abs_error"].astype(float)
    frame["implied_cagr"] = frame["implied_cagr"].astype(float)
    return frame


_RATE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def _stated_rate(text: str) -> float:
    m = _RATE_RE.search(text or "")
    return float(m.group(1)) / 100 if m else math.nan


def headline_rates(catalog: Any, years: tuple[int, ...] = (2027, 2030), *,
                   base_year: int | None = None) -> pd.DataFrame:
    """Implied CAGR of each headline goal next to its stated rationale.

    Parameters
    ----------
    catalog : Catalog or iterable of Indicator
        Indicators tagged ``headline`` are used.
    years : tuple of int, default (2027, 2030)
        Goal years.
    base_year : int, optional
        Year of the starting actual; default the latest known actual before
        the first goal year ('21 in the seed).

    Returns
    -------
    DataFrame
        ``id, name_ko, unit, base_year, base``, then for each goal year y
        ``target_y`` (stated), ``cagr_y`` (implied from the base) and
        ``rule_y`` (the rule's own path), then ``rule_type, rule_rate,
        rationale, stated_rate`` (the first "N%" of the rationale) and a
        ``verdict`` sentence. Grades get NaN rates.
    """
    inds = catalog.values() if hasattr(catalog, "values") else catalog
    rows = []
    for ind in inds:
        if not ind.tags.headline:
            continue
        data = as_data(ind)
        rule = ind.rule if isinstance(ind.rule, Rule) else None
        rationale = (rule.text if rule is not None and rule.text else "") or \
            ind.provenance.basis
        row: dict[str, Any] = {"id": ind.id, "name_ko": ind.name_ko, "unit": ind.unit}
        known = [y for y in data.actuals if y < min(years)]
        by = base_year if base_year is not None else (max(known) if known else None)
        base = data.actuals.get(by) if by is not None else None
        numeric = base is not None and not isinstance(base, str) and float(base) > 0
        row.update(base_year=by, base=base)
        rule_path: dict[int, float] = {}
        if rule is not None and not data.is_grade:
            try:
                rule_path = rule.path(ind, list(years)).to_dict()
            except RuleError:
                rule_path = {}
        phrases = []
        for y in years:
            target = data.targets.get(y)
            row[f"target_{y}"] = target
            rate = math.nan
            if numeric and target is not None and not isinstance(target, str):
                rate = implied_cagr(float(base), by, float(target), y)
                phrases.append(f"{yy(by)}→{yy(y)} implies {pct(round(rate, 4))} a year"
                               + _against(rate, _stated_rate(rationale)))
            row[f"cagr_{y}"] = rate
            row[f"rule_{y}"] = rule_path.get(y, math.nan)
        row["rule_type"] = rule.type if rule is not None else None
        row["rule_rate"] = float(getattr(rule, "rate", math.nan)) if rule else math.nan
        row["rationale"] = rationale
        row["stated_rate"] = _stated_rate(rationale)
        row["verdict"] = _headline_verdict(ind, rule, phrases, rule_path, rationale, row)
        rows.append(row)
    return pd.DataFrame(rows)


def _against(rate: float, stated: float) -> str:
    if math.isnan(stated):
        return ""
    if math.isclose(rate, stated, abs_tol=5e-5):
        return f" (= the stated {pct(stated)})"
    return f" ({'above' if rate > stated else 'below'} the stated {pct(stated)})"


def _headline_verdict(ind: Any, rule: Rule | None, phrases: list[str],
                      rule_path: dict[int, float], rationale: str,
                      row: dict[str, Any]) -> str:
    if not phrases:
        return "no numeric base and goal (grade or missing values)"
    text = "; ".join(phrases)
    if rationale:
        text += f" — rationale {rationale!r}"
    if rule_path:
        text += "; the rule gives " + ", ".join(
            f"{yy(y)} {num(round(v, 1))}" for y, v in rule_path.items())
    if isinstance(rule, MilestoneThenGrowth):
        after = []
        for y in rule_path:
            t = ind.targets.get(y)
            if t is not None and y > rule.year:
                r = implied_cagr(rule.value, rule.year, float(t), y)
                after.append(f"{pct(round(r, 4))} to {yy(y)}{_against(r, rule.rate)}")
        if after:
            text += (f"; from the {yy(rule.year)} milestone {num(rule.value)} the goals "
                     f"imply {', '.join(after)}")
    if isinstance(rule, Fixed | Maintain):
        text += "; the rule keeps a level"
    return text
