"""Headline goals: the growth rate each stated goal implies, beside the one it states.

:func:`headline_rates` is re-exported by :mod:`kpisim.rules.audit` (and as
``kpisim.headline_rates``). The implied rate is the CAGR from the base
actual to the goal, :func:`~kpisim.rules.implied_cagr`; the stated rate is the
rule's own, else one the rationale writes as a growth rate, never a level.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from kpisim._messages import check_lang, text
from kpisim._validation import RuleError
from kpisim.rules._base import Rule, as_data, num, pct, yy
from kpisim.rules._growth import CAGR, MilestoneThenGrowth, RatioOfLast, Uplift, implied_cagr
from kpisim.rules._levels import Fixed, Maintain, Stated

__all__ = ["headline_rates"]

#: A growth rate in a rationale: "CAGR(8%)", "연평균 16.5%", "매년 10%", "3%씩",
#: "10% 상향/증가/향상/성장". A bare "50%" is a level, never a rate.
_GROWTH_RE = re.compile(
    r"(?:CAGR|연평균|매년|연간|전년\s*대비)\s*\(?\s*(\d+(?:\.\d+)?)\s*%"
    r"|(\d+(?:\.\d+)?)\s*%\s*(?:씩|상향|증가|향상|성장)")


# ------------------------------------------------------------ headline goals
def _text_rate(rationale: str) -> float:
    """A growth rate the rationale states ("CAGR(8%)", "매년 10%"); never a level."""
    m = _GROWTH_RE.search(rationale or "")
    if not m:
        return math.nan
    return float(m.group(1) or m.group(2)) / 100


def _stated_rate(rule: Rule | None, rationale: str) -> float:
    """The growth rate the goal states: the rule's own, else one in the text."""
    if isinstance(rule, CAGR | Uplift | MilestoneThenGrowth):
        return float(rule.rate)
    if isinstance(rule, RatioOfLast):
        return float(rule.ratio) - 1.0
    return _text_rate(rationale)


def _against(rate: float, stated: float, lang: str) -> str:
    if math.isnan(stated):
        return ""
    if math.isclose(rate, stated, abs_tol=5e-5):
        return text("audit.headline.equal", lang, stated=pct(stated))
    key = "audit.headline.above" if rate > stated else "audit.headline.below"
    return text(key, lang, stated=pct(stated))


def headline_rates(catalog: Any, years: tuple[int, ...] = (2027, 2030), *,
                   base_year: int | None = None, lang: str = "ko") -> pd.DataFrame:
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
    lang : {"ko", "en"}, default "ko"
        Language of the ``verdict``.

    Returns
    -------
    DataFrame
        ``id, name_ko, unit, base_year, base``, then for each goal year y
        ``target_y`` (stated), ``cagr_y`` (implied from the base,
        ``(target_y / base)^(1/(y − base_year)) − 1``) and ``rule_y`` (the
        rule's own path), then ``rule_type, rule_rate, rationale,
        stated_rate`` and a ``verdict`` sentence. Grades get NaN rates.

    Notes
    -----
    ``stated_rate`` is the rule's own growth rate, else a rate the rationale
    states as one ("CAGR(8%)", "연평균 16.5%", "매년 10%", "3%씩",
    "10% 상향"); a level target such as "정착률 50%" is never read as a rate.
    The base-to-goal CAGR is compared with it only where both cover the same
    span: not for a milestone rule, whose rate applies after the milestone
    (that comparison is made from the milestone instead).
    """
    check_lang(lang)
    inds = catalog.values() if hasattr(catalog, "values") else catalog
    rows = []
    for ind in inds:
        if not ind.tags.headline:
            continue
        data = as_data(ind)
        rule = ind.rule if isinstance(ind.rule, Rule) else None
        rationale = (rule.text if rule is not None and rule.text else "") or \
            ind.provenance.basis
        stated_rate = _stated_rate(rule, rationale)
        compare = math.nan if isinstance(rule, MilestoneThenGrowth) else stated_rate
        row: dict[str, Any] = {"id": ind.id, "name_ko": ind.name_ko, "unit": ind.unit}
        known = [y for y in data.actuals if y < min(years)]
        by = base_year if base_year is not None else (max(known) if known else None)
        base = data.actuals.get(by) if by is not None else None
        numeric = base is not None and not isinstance(base, str) and float(base) > 0
        row.update(base_year=by, base=base)
        rule_path: dict[int, float] = {}
        if rule is not None and not data.is_grade and not isinstance(rule, Stated):
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
                phrases.append(text("audit.headline.implies", lang, start=yy(by), end=yy(y),
                                    rate=pct(round(rate, 4)),
                                    against=_against(rate, compare, lang)))
            row[f"cagr_{y}"] = rate
            row[f"rule_{y}"] = rule_path.get(y, math.nan)
        row["rule_type"] = rule.type if rule is not None else None
        row["rule_rate"] = float(getattr(rule, "rate", math.nan)) if rule else math.nan
        row["rationale"] = rationale
        row["stated_rate"] = stated_rate
        row["verdict"] = _headline_verdict(ind, rule, phrases, rule_path, rationale,
                                           stated_rate, lang)
        rows.append(row)
    return pd.DataFrame(rows)


def _headline_verdict(ind: Any, rule: Rule | None, phrases: list[str],
                      rule_path: dict[int, float], rationale: str, stated_rate: float,
                      lang: str) -> str:
    if not phrases:
        return text("audit.headline.none", lang)
    out = "; ".join(phrases)
    if rationale:
        out += text("audit.headline.rationale", lang, rationale=rationale)
    if rule_path:
        out += text("audit.headline.rule_gives", lang, values=", ".join(
            f"{yy(y)} {num(round(v, 1))}" for y, v in rule_path.items()))
    if isinstance(rule, MilestoneThenGrowth):
        after = []
        for y in rule_path:
            t = ind.targets.get(y)
            if t is not None and y > rule.year:
                r = implied_cagr(rule.value, rule.year, float(t), y)
                after.append(text("audit.headline.milestone_rate", lang, end=yy(y),
                                  rate=pct(round(r, 4)),
                                  against=_against(r, rule.rate, lang)))
        if after:
            out += text("audit.headline.milestone", lang, year=yy(rule.year),
                        value=num(rule.value), rates=", ".join(after))
    if isinstance(rule, Fixed | Maintain):
        out += text("audit.headline.keeps_level", lang)
    elif math.isnan(stated_rate) and re.search(r"\d", rationale or ""):
        out += text("audit.headline.level", lang)
    return out
