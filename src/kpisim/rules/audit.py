"""Audit stated target paths against the rules the document gives for them.

:func:`audit` recomputes, for every indicator with a rule and at least two
stated targets, the plan years' targets (stated target years after the last
year of the actual column) and sorts each indicator into one category:

``exact``
    The rule, with no rounding, gives the printed numbers.
``within_rounding``
    The rule gives the printed numbers once rounded the way the document
    prints them: half-up, floor or ceil to 0 … N decimals (N the most
    decimals the stated numbers show, at most 3), or, when every stated number
    is a multiple of 10, 100 or 1,000, half-up to that unit. A rule that names
    its rounding is only tried with it. Each rounding is tried with the chain
    carrying the rounded value (``chain_rounded=True``, what an author who
    multiplies the printed number does) and the unrounded one.
``floor_satisfied``
    The text states the rule as a floor — the rule's own number followed by
    이상/초과/상회 ("CAGR(8%)이상 상회목표"; 이하/미만/하회 for a decreasing
    indicator) — and every stated target is at or above the rule's path
    (the unrounded path, read literally).
``differs``
    Neither: the verdict names the years that break the rule, each recomputed
    one step ahead from the document's previous values ("'25 stated 1,880 vs
    rule 1,903"), and the simple pattern the numbers follow instead, if any.
``uncheckable``
    A stated path (no formula), a rule the data cannot feed (too little
    history), or a σ-based rule whose σ would need actuals the plan did not
    know (its own targets standing in would make the σ an artefact).

:func:`headline_rates` (in ``kpisim.rules._headline``, re-exported here)
sets each headline goal's implied CAGR beside the rate its rationale states.

Beside each verdict the row gives the yearly rate the stated path implies
(``implied_cagr`` from ``implied_from`` to the last plan year) and the rule's
own rate (``rule_rate``). A rule is never adjusted to fit, and a level (a
"50%" target) is never read as a growth rate.

The chain starts from the document's values (the target stated for the year
before the first plan year); actuals the plan did not know stand in with that
year's target, and the verdict says so. Texts come from the message
catalogue (``audit.*`` keys), Korean by default, ``lang="en"`` for English.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from kpisim._messages import check_lang, in_lang, text
from kpisim._validation import KpisimError, RuleError
from kpisim.indicator import direction_sign
from kpisim.rules._audit_search import (
    _MODES,
    _as_printed,
    _coarse,
    _compare,
    _one_step,
    _roundings,
    _same,
    _search,
    _Try,
)
from kpisim.rules._base import Result, Rule, RuleData, as_data, evaluate, num, pct, yy
from kpisim.rules._growth import (
    CAGR,
    AbsoluteIncrement,
    MilestoneThenGrowth,
    RatioOfLast,
    Uplift,
    implied_cagr,
)
from kpisim.rules._headline import headline_rates
from kpisim.rules._levels import Fixed, Maintain, Sequence, Stated
from kpisim.rules._rounding import Rounding, decimals_shown

__all__ = ["AUDIT_COLUMNS", "CATEGORIES", "audit", "audit_indicator", "headline_rates"]

#: Audit categories, in the order of :func:`audit`'s ``category`` column.
CATEGORIES: tuple[str, ...] = (
    "exact", "within_rounding", "floor_satisfied", "differs", "uncheckable",
)

#: Columns of :func:`audit` (the last four were added with the categories).
AUDIT_COLUMNS: tuple[str, ...] = (
    "id", "name_ko", "rule_type", "rule_text", "years", "stated", "recomputed",
    "rounding", "chain_rounded", "method", "max_abs_error", "consistent",
    "checkable", "matches", "implied_cagr", "verdict",
    "category", "floor", "rule_rate", "implied_from",
)
_SIGMA_RULES = ("deviation", "previous_target_plus_sigma")
_NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
_FLOOR_RE = {
    "increase": re.compile(_NUMBER + r"\s*(?:%p|%|[가-힣]{1,2})?\s*\)?\s*(?:이상|초과|상회)"),
    "decrease": re.compile(_NUMBER + r"\s*(?:%p|%|[가-힣]{1,2})?\s*\)?\s*(?:이하|미만|하회)"),
}
_APPROX_RE = re.compile(r"(?:약|(?<!연)평균)\s*\d")



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


# ------------------------------------------------------------------ phrases
def _rate(value: float) -> str:
    return pct(round(value, 6))


def _rule_phrase(rule: Rule, lang: str) -> str:
    """The rule in a few words, from the message catalogue."""
    t = rule.type
    if isinstance(rule, Uplift):
        return text("audit.phrase.uplift", lang, sign="+" if rule.rate >= 0 else "−",
                    rate=_rate(abs(rule.rate)), basis=text(f"audit.basis.{rule.basis}", lang))
    if isinstance(rule, CAGR):
        base = (text("audit.base.year", lang, year=yy(rule.base_year)) if rule.base_year
                else text("audit.base.latest", lang))
        return text("audit.phrase.cagr", lang, rate=_rate(rule.rate), base=base)
    if isinstance(rule, AbsoluteIncrement):
        step = f"{'+' if rule.step >= 0 else ''}{num(rule.step)}"
        return text("audit.phrase.increment", lang, step=step)
    if isinstance(rule, RatioOfLast):
        return text(f"audit.phrase.ratio_of_last.{rule.basis}", lang, ratio=_rate(rule.ratio))
    if isinstance(rule, MilestoneThenGrowth):
        return text("audit.phrase.milestone_then_growth", lang, year=yy(rule.year),
                    value=num(rule.value), rate=_rate(rule.rate))
    if t == "per_budget":
        return text("audit.phrase.per_budget", lang, ratio=f"{rule.ratio:g}")
    if isinstance(rule, Fixed):
        return text("audit.phrase.fixed", lang, value=num(rule.value))
    if isinstance(rule, Maintain | Stated):
        return text(f"audit.phrase.{t}", lang)
    if isinstance(rule, Sequence):
        return "; ".join(text("audit.phrase.part", lang, year=yy(y), rule=_rule_phrase(r, lang))
                         for y, r in rule.parts)
    k, window = getattr(rule, "k", None), getattr(rule, "window", None)
    if t in _SIGMA_RULES and window is not None:
        return text(f"audit.phrase.{t}", lang, k="k" if k is None else f"{k:g}",
                    window=window)
    if t == "ratio" and hasattr(rule, "high"):
        return text("audit.phrase.ratio", lang, rate=_rate(rule.high))
    if t == "long_term_path" and hasattr(rule, "goal_value"):
        return text("audit.phrase.long_term_path", lang, value=num(rule.goal_value),
                    year=rule.goal_year)
    return rule.phrase() if lang == "en" else rule.describe("ko")  # pragma: no cover


def _phrase(rule: Rule, years: list[int], lang: str) -> str:
    """The rule in words; for a Sequence only the parts covering ``years``."""
    if not isinstance(rule, Sequence):
        return _rule_phrase(rule, lang)
    used = list(dict.fromkeys(rule.active(y) for y in years))
    if len(used) == 1:
        return _rule_phrase(used[0], lang)
    starts = {id(r): y for y, r in rule.parts}
    return "; ".join(text("audit.phrase.part", lang, year=yy(starts.get(id(r), years[0])),
                          rule=_rule_phrase(r, lang)) for r in used)


def _rounding_words(t: _Try, tries: list[_Try], lang: str) -> str:
    if t.coarse:
        return text("audit.how.coarse", lang, unit=text(f"audit.unit.{t.coarse}", lang))
    if t.printed:
        return text(f"audit.how.printed.{t.rounding.mode}", lang)
    if t.rounding.is_none:
        return text("audit.how.exact", lang)
    words = t.rounding.describe(lang)
    if lang == "en":
        words = words.replace("rounded half-up", "with half-up rounding")
    words = text("audit.how.rounded", lang, rounding=words)
    other = [u for u in tries if u.exact and u.rounding == t.rounding and u is not t]
    if not other and t.chain is False:
        words += text("audit.how.unchained", lang)
    elif not other:
        words += text("audit.how.chained", lang)
    return words


def _pattern(data: RuleData, years: list[int], roundings: list[Rounding],
             anchor: int | None, lang: str) -> str | None:
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
        with np.errstate(over="ignore"):
            ratio = float(np.median(vals[1:] / vals[:-1])) - 1
        if not math.isfinite(ratio):
            return None
        for d in (2, 3):
            if round(ratio, d) > -1 and round(ratio, d) and all(
                    c.rate != round(ratio, d) for c in cands
                                       if isinstance(c, Uplift)):
                cands.append(Uplift(round(ratio, d)))
    for cand in cands:
        tries = _search(cand, data, years, roundings, [True, False])
        for t in tries:
            if t.exact and not t.result.errors:
                phrase = _rule_phrase(cand, lang)
                if t.rounding.is_none:
                    return phrase
                key = ("audit.phrase.with_rounding_unchained" if t.chain is False
                       else "audit.phrase.with_rounding")
                return text(key, lang, rule=phrase, rounding=t.rounding.describe(lang))
    return None


_RISE_RE = re.compile(r"실적\S*\s*대비\s*(?:상향|증가|향상)")


def _stated_rise(rule: Rule, data: RuleData, years: list[int], lang: str) -> str:
    """A note when a stated path says it rises over the previous actual but does not."""
    if data.is_grade or not _RISE_RE.search(rule.text or ""):
        return ""
    sign = direction_sign(data.direction)
    low = [y for y in years if (y - 1) in data.actuals
           and not isinstance(data.actuals[y - 1], str)
           and sign * (float(data.targets[y]) - float(data.actuals[y - 1])) <= 0]
    if not low:
        return ""
    y = low[0]
    return text("audit.note.no_rise", lang, year=yy(y), target=num(data.targets[y]),
                prev=yy(y - 1), actual=num(data.actuals[y - 1]))


def _first_error(errors: dict[int, str], lang: str = "ko") -> str:
    """The first year's reason, in ``lang`` (rule reasons are catalogue messages)."""
    return in_lang(errors[min(errors)], lang)


# ------------------------------------------------------------------ floors
def _params(rule: Rule) -> list[float]:
    """The rule's own numbers as a document would print them (8% → 8)."""
    out = []
    for name in ("rate", "high"):
        v = getattr(rule, name, None)
        if isinstance(v, int | float):
            out.append(100 * float(v))
    ratio = getattr(rule, "ratio", None)
    if isinstance(ratio, int | float):
        out += [100 * float(ratio), 100 * (float(ratio) - 1), float(ratio)]
    for name in ("value", "step", "goal_value"):
        v = getattr(rule, name, None)
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append(abs(float(v)))
    return out


def _is_floor(rule: Rule, data: RuleData, years: list[int]) -> bool:
    """True when the text states the rule's own number as a floor ('8%)이상')."""
    if data.is_grade or not rule.text:
        return False
    # a level to keep ("maintain") with "70% 이상" is a floor from below
    words = _FLOOR_RE["decrease" if data.direction == "decrease" else "increase"]
    numbers = []
    for m in words.finditer(rule.text):
        try:
            numbers.append(float(m.group(1).replace(",", "")))
        except ValueError:  # pragma: no cover - the pattern only matches numbers
            continue
    if not numbers:
        return False
    parts = list(dict.fromkeys(rule.active(y) for y in years))
    return all(any(math.isclose(n, p, rel_tol=1e-9, abs_tol=1e-9)
                   for n in numbers for p in _params(part)) for part in parts)


def _below(data: RuleData, t: _Try) -> list[int]:
    """Years whose stated target falls below the rule's path (float noise aside).

    A floor is read literally: 76 is below a path of 76.49 even though 76.49
    prints as 76 at no decimals.
    """
    sign = direction_sign(data.direction)
    return [y for y in t.compared
            if sign * (float(data.targets[y]) - float(t.result.values[y]))
            < -1e-9 * max(1.0, abs(float(t.result.values[y])))]


# ------------------------------------------------------------------ rates
def _implied(data: RuleData, rule: Rule, years: list[int], anchor: int | None
             ) -> tuple[float, int | None]:
    """The yearly rate of the stated path, from the rule's start to the last year."""
    if data.is_grade or not years:
        return math.nan, None
    first = rule.active(years[0])
    start: tuple[int, Any] | None = None
    if isinstance(first, CAGR):
        if first.base_year is not None:
            y0 = first.base_year
            v0 = data.actuals.get(y0, data.targets.get(y0))
            start = (y0, v0) if v0 is not None else None
        else:
            known = [y for y in data.actuals if y < years[0]]
            start = (max(known), data.actuals[max(known)]) if known else None
    if start is None and anchor is not None and not isinstance(first, Fixed):
        start = (anchor, data.targets[anchor])
    if start is None:
        start = (years[0], data.targets[years[0]])
    (y0, v0), (y1, v1) = start, (years[-1], data.targets[years[-1]])
    if y0 == y1 or isinstance(v0, str) or isinstance(v1, str):
        return math.nan, y0 if y0 != y1 else None
    try:
        return implied_cagr(float(v0), y0, float(v1), y1), y0
    except RuleError:
        return math.nan, y0


def _rule_rate(rule: Rule, years: list[int]) -> float:
    """The rule's own yearly rate (uplift, CAGR, ratio − 1), NaN when it has none."""
    parts = list(dict.fromkeys(rule.active(y) for y in years)) if years else [rule]
    if len(parts) != 1:
        return math.nan
    r = parts[0]
    if isinstance(r, CAGR | Uplift | MilestoneThenGrowth):
        return float(r.rate)
    if isinstance(r, RatioOfLast):
        return float(r.ratio) - 1.0
    if isinstance(r, Maintain) or (isinstance(r, Fixed) and not isinstance(r.value, str)):
        return 0.0
    return math.nan


# ------------------------------------------------------------------ the audit
def audit_indicator(indicator: Any, *, max_decimals: int = 3,
                    lang: str = "ko") -> dict[str, Any] | None:
    """Audit one indicator (one row of :func:`audit`); None if not auditable."""
    check_lang(lang)
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
    rate, since = _implied(data, rule, years, anchor)
    floor = _is_floor(rule, data, years)
    row: dict[str, Any] = {
        "id": data.id, "name_ko": indicator.name_ko, "rule_type": rule.type,
        "rule_text": rule.text, "years": tuple(years), "stated": stated,
        "implied_cagr": rate, "implied_from": since, "floor": floor,
        "rule_rate": _rule_rate(rule, years),
    }
    roundings, chains = _roundings(rule, data, years, max_decimals)
    tries = _search(rule, data, years, roundings, chains)
    if isinstance(rule, Stated):
        pattern = _pattern(data, years, roundings, anchor, lang)
        verdict = text("audit.verdict.stated", lang)
        if pattern:
            verdict += text("audit.pattern.stated", lang, pattern=pattern)
        verdict += _stated_rise(rule, data, years, lang)
        return {**row, **_cols(tries[0], "stated", []), "consistent": True,
                "checkable": False, "category": "uncheckable", "verdict": verdict}
    if not any(t.compared for t in tries):
        reason = _first_error(tries[0].result.errors, lang)
        return {**row, **_cols(tries[0], "", tries), "consistent": False,
                "checkable": False, "category": "uncheckable",
                "verdict": text("audit.verdict.cannot", lang, reason=reason)}
    exact = [t for t in tries if t.exact]
    if not exact:
        exact = [t for t in (_as_printed(rule, data, years), _coarse(rule, data, years))
                 if t is not None][:1]
    if exact:
        out = {**row, **_follows(rule, data, exact, tries, anchor, lang)}
        if abs(rate - row["rule_rate"]) > 0.01:  # NaN compares False
            out["verdict"] += text("audit.note.drift", lang, implied=pct(round(rate, 4)),
                                   rate=pct(row["rule_rate"]))
        return out
    mixed = _mixed(rule, data, years, shown, lang)
    if mixed is not None:
        return {**row, **mixed}
    sigma = _sigma_stand_ins(rule, data, years, shown, lang)
    if sigma is not None:
        verdict, one_step = sigma
        pattern = _pattern(data, years, roundings, anchor, lang)
        if pattern:
            verdict += text("audit.pattern.stated", lang, pattern=pattern)
        # the columns show the one-step values the verdict quotes (not the
        # rule's own chained path, which compounds the stand-in σ year on year)
        errors = [abs(v - float(data.targets[y])) for y, v in one_step.items()]
        return {**row, "recomputed": one_step, "rounding": Rounding().label,
                "chain_rounded": False, "method": "one_step",
                "max_abs_error": max(errors), "matches": (), "consistent": False,
                "checkable": False, "category": "uncheckable", "verdict": verdict}
    path = tries[0]  # no rounding: the rule's own path from the document's start
    if floor and path.compared and not _below(data, path):
        return {**row, **_floor_row(rule, data, path, shown, tries, lang)}
    return {**row, **_differs(rule, data, years, stated, shown, roundings, anchor,
                              floor, path, lang)}


def _follows(rule: Rule, data: RuleData, exact: list[_Try], tries: list[_Try],
             anchor: int | None, lang: str) -> dict[str, Any]:
    best = exact[0]
    start = ""
    first = [y for y in best.result.read_stated
             if y not in best.compared and (anchor is None or y >= anchor)]
    if first:
        y0 = min(first)
        start = text("audit.start", lang, year=yy(y0), value=num(data.targets[y0]))
    others = [t.rounding.label for t in exact[1:] if t.rounding != best.rounding]
    also = ""
    if others and not best.rounding.is_none:
        also = text("audit.also", lang, labels=", ".join(dict.fromkeys(others)))
    verdict = text("audit.verdict.follows", lang, rule=_phrase(rule, best.compared, lang),
                   how=_rounding_words(best, tries, lang), start=start, also=also)
    category = ("exact" if best.rounding.is_none and not (best.coarse or best.printed)
                else "within_rounding")
    return {**_cols(best, "chain", tries + ([best] if best.coarse or best.printed else [])),
            "consistent": True, "checkable": True, "category": category,
            "verdict": verdict + _notes(best, lang)}


def _fits(rule: Rule, value: Any, stated: Any, shown: int) -> list[Rounding]:
    """The roundings under which a one-step rule value prints as the stated number.

    Tried: the rule's own rounding if it names one; else none, then half-up,
    floor and ceil to the most decimals the path shows and to the decimals
    this number shows (documents print 21.3 beside 17.72).
    """
    if isinstance(value, str) or isinstance(stated, str):
        return [Rounding()] if _same(value, stated) else []
    if rule.rounding is not None:
        return [rule.rounding] if _same(rule.rounding(value), stated) else []
    if _same(value, stated):
        return [Rounding()]
    return [Rounding(mode, d)
            for d in sorted({shown, decimals_shown(float(stated))}, reverse=True)
            for mode in _MODES if _same(Rounding(mode, d)(value), stated)]


def _per_year(rule: Rule, data: RuleData, years: list[int], shown: int
              ) -> tuple[Result, dict[int, list[Rounding]]]:
    """Each year recomputed one step ahead (unrounded) and the roundings that fit it."""
    raw = _one_step(rule, data, years, [Rounding()])[0].result
    fits = {y: _fits(rule, v, data.targets[y], shown) for y, v in raw.values.items()}
    return raw, fits


def _mixed(rule: Rule, data: RuleData, years: list[int], shown: int,
           lang: str) -> dict[str, Any] | None:
    """Every year one step ahead within the printed rounding, but no single rounding.

    Each stated target is the rule's value from the document's previous
    values rounded half-up, or in some years down (or in some years up), to
    the decimals it shows; the verdict names which rounding each year takes.
    Down in one year and up in another is not a rounding: that path differs.
    """
    if data.is_grade or rule.rounding is not None or rule.type in _SIGMA_RULES:
        return None
    raw, fits = _per_year(rule, data, years, shown)
    if raw.errors or len(fits) < 2:
        return None
    chosen: dict[int, Rounding] | None = None
    for other in ("floor", "ceil"):
        pick = {}
        for y, rs in fits.items():
            ok = [r for r in rs if r.is_none or r.mode == "half_up"] or \
                 [r for r in rs if r.mode == other]
            if not ok:
                break
            pick[y] = ok[0]
        else:
            chosen = pick
            break
    if chosen is None:
        return None
    groups: dict[str, list[int]] = {}
    for y in sorted(chosen):
        groups.setdefault(chosen[y].describe(lang), []).append(y)
    how = "; ".join(f"{_years(ys)} {words}" for words, ys in groups.items())
    verdict = text("audit.verdict.mixed", lang, rule=_phrase(rule, sorted(chosen), lang),
                   how=how)
    values = {y: chosen[y](v) for y, v in raw.values.items()}
    t = _compare(Rounding(), None, Result(values, {}, raw.stand_ins, raw.read_stated),
                 data.targets)
    return {**_cols(t, "one_step", []), "rounding": "mixed", "consistent": True,
            "checkable": True, "category": "within_rounding",
            "verdict": verdict + _notes(t, lang)}


def _sigma_stand_ins(rule: Rule, data: RuleData, years: list[int], shown: int,
                     lang: str) -> tuple[str, dict[int, float]] | None:
    """The verdict for a σ rule whose σ could only use the plan's own targets,
    and the one-step values it quotes (each year from the document's values)."""
    parts = {rule.active(y).type for y in years}
    if not parts & set(_SIGMA_RULES):
        return None
    values, stand, leaning = {}, set(), []
    for y in years:
        res = evaluate(rule, data, [y], rounding=Rounding(), collect=True)
        if y in res.values:
            values[y] = res.values[y]
            if res.stand_ins and rule.active(y).type in _SIGMA_RULES:
                leaning.append(y)
                stand |= res.stand_ins
    if not values or len(leaning) < len(values):
        return None
    gaps = "; ".join(text("audit.gap.plain", lang, year=yy(y),
                          rule=_show(values[y], shown, True), stated=num(data.targets[y], shown))
                     for y in sorted(values))
    verdict = text("audit.verdict.sigma_stand_ins", lang, years=_years(sorted(stand)),
                   gaps=gaps)
    skipped = [y for y in years if y not in values]
    if skipped:
        res = evaluate(rule, data, skipped, rounding=Rounding(), collect=True)
        if res.errors:
            verdict += text("audit.note.skipped", lang, years=_years(sorted(res.errors)),
                            reason=_first_error(res.errors, lang))
    return verdict, values


def _floor_row(rule: Rule, data: RuleData, path: _Try, shown: int, tries: list[_Try],
               lang: str) -> dict[str, Any]:
    gaps = "; ".join(text("audit.gap.above", lang, year=yy(y),
                          stated=num(data.targets[y], shown),
                          rule=_show(path.result.values[y], shown, True))
                     for y in path.compared)
    verdict = text("audit.verdict.floor", lang,
                   rule=_phrase(rule, path.compared, lang), gaps=gaps)
    return {**_cols(path, "chain", tries), "consistent": True, "checkable": True,
            "category": "floor_satisfied", "verdict": verdict + _notes(path, lang)}


def _differs(rule: Rule, data: RuleData, years: list[int], stated: dict[int, Any],
             shown: int, roundings: list[Rounding], anchor: int | None, floor: bool,
             path: _Try, lang: str) -> dict[str, Any]:
    # each year one step ahead from the document's previous values; a year
    # matches when the rule's value prints as the stated number under some
    # rounding to the decimals shown (never a rounding picked to shrink a gap)
    raw, fits = _per_year(rule, data, years, shown)
    printed = rule.rounding or Rounding("half_up", shown)
    values = {y: v if isinstance(v, str) else (fits[y][0] if fits[y] else printed)(v)
              for y, v in raw.values.items()}
    best = _compare(Rounding() if data.is_grade else printed, None,
                    Result(values, raw.errors, raw.stand_ins, raw.read_stated), stated)
    d = max([shown, printed.decimals] + [decimals_shown(float(data.targets[y]))
                                         for y in ([anchor] if anchor else [])
                                         if not data.is_grade])
    gaps = "; ".join(text("audit.gap", lang, year=yy(y), stated=num(stated[y], shown),
                          rule=_show(raw.values[y], d, rule.rounding is None))
                     for y in best.mismatched[:3])
    more = len(best.mismatched) - 3
    if more > 0:
        gaps += text("audit.more", lang, n=more)
    verdict = text("audit.verdict.differs", lang, rule=_phrase(rule, best.compared, lang),
                   gaps=gaps)
    ok = [y for y in best.compared if y not in best.mismatched]
    if ok:
        verdict += text(f"audit.one_step.{'one' if len(ok) == 1 else 'many'}", lang,
                        years=_years(ok))
    if floor:
        verdict += text("audit.floor_below", lang, years=_years(_below(data, path)))
    if _APPROX_RE.search(rule.text or ""):
        verdict += text("audit.note.approx", lang)
    pattern = _pattern(data, years, roundings, anchor, lang)
    if pattern:
        verdict += text("audit.pattern.instead", lang, pattern=pattern)
    steps = _one_step(rule, data, years, roundings)
    return {**_cols(best, "one_step", steps), "consistent": False, "checkable": True,
            "category": "differs", "verdict": verdict + _notes(best, lang)}


def _show(value: Any, decimals: int, unrounded: bool) -> str:
    """An unrounded rule value with two more decimals than the document shows."""
    if isinstance(value, str) or not unrounded:
        return num(value, decimals)
    out = num(value, decimals + 2)
    return out.rstrip("0").rstrip(".") if "." in out else out


def _notes(t: _Try, lang: str) -> str:
    out = ""
    if t.result.stand_ins:
        out += text("audit.note.stand_ins", lang, years=_years(sorted(t.result.stand_ins)))
    if t.result.errors:
        skipped = sorted(t.result.errors)
        out += text("audit.note.skipped", lang, years=_years(skipped),
                    reason=_first_error(t.result.errors, lang))
    return out


def _cols(t: _Try, method: str, tries: list[_Try]) -> dict[str, Any]:
    return {
        "recomputed": dict(t.result.values),
        "rounding": t.label if t.coarse or t.printed else t.rounding.label,
        "chain_rounded": t.chain, "method": method,
        "max_abs_error": t.max_err,
        "matches": tuple(dict.fromkeys(u.label for u in tries if u.exact)),
    }


def audit(catalog: Any, *, max_decimals: int = 3, lang: str = "ko") -> pd.DataFrame:
    """Check every stated target path against its rule.

    Parameters
    ----------
    catalog : Catalog, Indicator or iterable of Indicator
    max_decimals : int, default 3
        Most decimals tried when searching for the rounding.
    lang : {"ko", "en"}, default "ko"
        Language of the ``verdict`` sentences.

    Returns
    -------
    DataFrame
        One row per indicator with a rule and at least two stated targets,
        with the columns of :data:`AUDIT_COLUMNS`: the plan ``years``, the
        ``stated`` and ``recomputed`` paths (``{year: value}``), the best
        ``rounding`` (e.g. ``half_up(0)``; ``half_up(-2)`` is to the nearest
        100) and ``chain_rounded``, ``method`` (``chain``: run forward from
        the document's start; ``one_step``: each year from the document's
        previous values, used when nothing matches; ``stated``: no formula),
        ``max_abs_error``, ``consistent`` (the path agrees with the rule as
        the text states it: ``exact``, ``within_rounding`` or
        ``floor_satisfied``; True for stated paths, as before),
        ``checkable`` (False exactly when the category is ``uncheckable``),
        every rounding that ``matches``, the
        ``implied_cagr`` of the stated path from ``implied_from`` (the rule's
        base year for a CAGR rule, else the target before the first plan year,
        else the first plan year) to the last plan year, the ``verdict``
        sentence, the ``category`` (one of :data:`CATEGORIES`), ``floor``
        (the text states the rule as a floor, "이상") and the ``rule_rate``
        (the rule's own yearly rate; NaN when it has none).

    Notes
    -----
    ``consistent`` used to mean an exact match under one rounding; it is now
    also True for a satisfied floor and for a path within rounding year by
    year (``rounding == "mixed"``). ``implied_cagr`` used to start at the
    target before the first plan year (else the first plan year) for every
    rule; for a CAGR rule it now starts at the rule's base, so it can be read
    against ``rule_rate``, and for a fixed level at the first plan year.

    Examples
    --------
    >>> import kpisim
    >>> from kpisim.rules import Uplift
    >>> ind = kpisim.Indicator(id="contracts", name_ko="메타버스 해외진출 계약 건수",
    ...     unit="개", kind="count", actuals={2021: 20, 2022: None},
    ...     targets={2022: 22, 2023: 24, 2024: 26, 2025: 28, 2026: 30},
    ...     rule=Uplift(0.10, text="전년 목표치 대비 10% 상향된 목표치 설정"))
    >>> row = audit([ind]).iloc[0]
    >>> row.category, row.rounding
    ('within_rounding', 'floor(0)')
    """
    check_lang(lang)
    from kpisim.indicator import Indicator

    if isinstance(catalog, Indicator):  # one indicator, as simulate() takes it
        catalog = [catalog]
    inds = catalog.values() if hasattr(catalog, "values") else catalog
    try:
        inds = list(inds)
    except TypeError as e:
        msg = (f"audit: `catalog` must be a Catalog, an Indicator or a list of Indicators; "
               f"got {type(catalog).__name__}")
        raise RuleError(msg) from e
    stray = [type(i).__name__ for i in inds if not isinstance(i, Indicator)]
    if stray:
        msg = f"audit: every item must be an Indicator; got {stray[:3]}"
        raise RuleError(msg)
    rows = []
    for ind in inds:
        try:
            row = audit_indicator(ind, max_decimals=max_decimals, lang=lang)
        except KpisimError as e:  # pragma: no cover - defensive: report, never crash
            row = {"id": ind.id, "name_ko": ind.name_ko, "consistent": False,
                   "checkable": False, "category": "uncheckable",
                   "verdict": text("audit.verdict.cannot", lang, reason=str(e))}
        if row is not None:
            rows.append(row)
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    for col in ("consistent", "checkable", "floor"):
        frame[col] = frame[col].fillna(False).astype(bool)
    for col in ("max_abs_error", "implied_cagr", "rule_rate"):
        frame[col] = frame[col].astype(float)
    return frame
