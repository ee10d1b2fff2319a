"""Level rules (fixed, maintain, stated) and rules that change in a given year."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import RuleError, is_finite_number, message_of
from kpisim.rules._base import Rule, Run, num, rule_error, yy


def _object_like(value: Any, like: Any) -> np.ndarray:
    return np.full(np.shape(like), value, dtype=object)


@dataclass(frozen=True, repr=False)
class Fixed(Rule):
    """A fixed level every year: ``T(y) = v``.

    Parameters
    ----------
    value : float or str
        A level ("가동률 90% 유지"), a legal ratio ("법정 100%"), or a grade
        ("1등급", "우수"); grades give an object-dtype path.

    Examples
    --------
    장애인 의무고용 비율: 100 every year ('23–'27).
    """

    type = "fixed"
    value: Any

    def __post_init__(self) -> None:
        self._check_common()
        v = self.value
        if isinstance(v, str):
            if not v.strip():
                raise RuleError(Msg("rules.fixed_empty"))
        elif not is_finite_number(v):
            raise RuleError(Msg("rules.fixed_value", got=repr(v)))
        else:
            object.__setattr__(self, "value", float(v))

    def check_indicator(self, indicator: Any) -> None:
        """The value is a grade on a grade indicator's scale, else a number of its kind.

        A count's level is ≥ 0, a share's in [0, 100], and a level inside the
        indicator's ``bounds`` when it has them.
        """
        v = self.value
        kind = getattr(indicator, "kind", None)
        if kind == "grade":
            scale = list(getattr(indicator, "scale", ()))
            if not isinstance(v, str) or v not in scale:
                got = num(v) if not isinstance(v, str) else repr(v)
                raise RuleError(Msg("rules.fixed_grade", scale=scale, got=got))
            return
        if kind is None:
            return
        if isinstance(v, str):
            raise RuleError(Msg("rules.fixed_number", kind=kind, got=repr(v)))
        if kind == "count" and v < 0:
            raise RuleError(Msg("rules.fixed_count", got=num(v)))
        if kind == "share" and not 0 <= v <= 100:
            raise RuleError(Msg("rules.fixed_share", got=num(v)))
        bounds = getattr(indicator, "bounds", None)
        if bounds is not None and not bounds[0] <= v <= bounds[1]:
            raise RuleError(Msg("rules.fixed_bounds", low=f"{bounds[0]:g}", high=f"{bounds[1]:g}",
                                got=num(v)))

    def compute(self, run: Run, year: int) -> Any:
        return self.value

    def next_target(self, prev_actual: Any, prev_target: Any, history_window: Any = None,
                    **kwargs: Any) -> np.ndarray:
        """Constant ``value`` on every path (object dtype for a grade)."""
        if isinstance(self.value, str):
            return _object_like(self.value, np.broadcast(prev_actual, prev_target))
        return super().next_target(prev_actual, prev_target, history_window, **kwargs)

    def next_values(self, pa, pt, window, *, year, direction, category):
        return np.full_like(pt, self.value)

    def formula(self, lang: str) -> str:
        v = num(self.value)
        return f"T(y) = {v}: fixed at {v}" if lang == "en" else f"T(y) = {v}: {v} 유지"

    def phrase(self) -> str:
        return f"the fixed level {num(self.value)}"


@dataclass(frozen=True, repr=False)
class Maintain(Rule):
    """Keep the previous level: ``T(y) = T(y − 1)`` ("등급 유지", "준수").

    Notes
    -----
    The chain starts from the document's previous target, or, when there is
    none, from the latest known actual. Works for grades.
    """

    type = "maintain"

    def compute(self, run: Run, year: int) -> Any:
        prev = run.target(year - 1)
        if prev is not None:
            return prev
        before = [(y, v) for y, v in run.data.actuals.items() if y < year]
        if not before:
            msg = (
                f"needs a {yy(year - 1)} target or an earlier actual to "
                "maintain; the document gives neither"
            )
            raise run.fail(msg)
        return before[-1][1]

    def next_target(self, prev_actual: Any, prev_target: Any, history_window: Any = None,
                    **kwargs: Any) -> np.ndarray:
        """``prev_target`` unchanged (object dtype for grades)."""
        pt = np.asarray(prev_target)
        if pt.dtype.kind in "OUS":
            return np.array(pt, dtype=object, copy=True)
        return super().next_target(prev_actual, prev_target, history_window, **kwargs)

    def next_values(self, pa, pt, window, *, year, direction, category):
        return pt.copy()

    def formula(self, lang: str) -> str:
        if lang == "en":
            return "T(y) = T(y−1): keep the previous target"
        return "T(y) = T(y−1): 전년 목표 유지"

    def phrase(self) -> str:
        return "maintaining the previous target"


@dataclass(frozen=True, repr=False)
class Stated(Rule):
    """The document's explicit path, with no formula: ``T(y)`` as printed.

    ``path`` returns the stated targets; a year without one raises RuleError.
    """

    type = "stated"

    def compute(self, run: Run, year: int) -> Any:
        value = run.data.targets.get(year)
        if value is None:
            msg = f"the document states no {yy(year)} target"
            raise run.fail(msg)
        return value

    def formula(self, lang: str) -> str:
        if lang == "en":
            return "T(y) as stated in the document (no formula)"
        return "T(y): 문서에 명시된 목표치 (산식 없음)"

    def phrase(self) -> str:
        return "the stated path"


@dataclass(frozen=True, repr=False)
class Sequence(Rule):
    """A rule that changes in given years.

    Parameters
    ----------
    parts : sequence of (int, Rule) or of mappings ``{"from": year, "rule": rule}``
        Each rule applies from its year until the next part's year; the first
        part also covers earlier years.

    Notes
    -----
    Chains run across parts: the first year of a part chains on the target
    the previous part computed (or the stated one). A part's own rounding
    wins over the sequence's.

    Examples
    --------
    지역 디지털 분야 신규고용: "(~23년) 당해 지원예산(억원) x 1.3명 (24년~) 전년 목표
    대비 3% 증가" is ``Sequence([(2021, PerBudget(1.3)), (2024, Uplift(0.03))])``.
    """

    type = "sequence"
    parts: Any = ()

    def __post_init__(self) -> None:
        self._check_common()
        raw = self.parts
        if not isinstance(raw, (list, tuple)) or not raw:
            msg = f"rule `sequence`: `parts` must be a non-empty list; got {raw!r}"
            raise RuleError(msg)
        pairs = []
        for i, part in enumerate(raw):
            if isinstance(part, Mapping):
                year, rule = part.get("from"), part.get("rule")
            elif isinstance(part, (list, tuple)) and len(part) == 2:
                year, rule = part
            else:
                msg = f"rule `sequence`: parts[{i}] must be {{from, rule}}; got {part!r}"
                raise RuleError(msg)
            if isinstance(year, bool) or not isinstance(year, int | np.integer):
                msg = f"rule `sequence`: parts[{i}].from must be a year; got {year!r}"
                raise RuleError(msg)
            if not isinstance(rule, Rule):
                msg = f"rule `sequence`: parts[{i}].rule must be a rule; got {rule!r}"
                raise RuleError(msg)
            pairs.append((int(year), rule))
        years = [y for y, _ in pairs]
        if len(set(years)) != len(years):
            msg = f"rule `sequence`: part years must be distinct; got {years}"
            raise RuleError(msg)
        object.__setattr__(self, "parts", tuple(sorted(pairs, key=lambda p: p[0])))

    @property
    def path_dependent(self) -> bool:
        return any(rule.path_dependent for _, rule in self.parts)

    @property
    def lookback(self) -> int | None:
        """The longest look-back of the parts (None if any part needs all)."""
        backs = [rule.lookback for _, rule in self.parts]
        return None if any(b is None for b in backs) else max(backs)

    def check_indicator(self, indicator: Any) -> None:
        """Every part must fit the indicator (see :meth:`Rule.check_indicator`)."""
        for i, (_, rule) in enumerate(self.parts):
            try:
                rule.check_indicator(indicator)
            except RuleError as e:
                raise RuleError(Msg("rules.sequence_part_rule", i=i, reason=message_of(e))) from e

    def for_indicator(self, indicator: Any) -> Rule:
        parts = tuple((y, r.for_indicator(indicator)) for y, r in self.parts)
        if all(a is b for (_, a), (_, b) in zip(parts, self.parts, strict=True)):
            return self
        return dataclasses.replace(self, parts=parts)

    def active(self, year: int | None) -> Rule:
        chosen = self.parts[0][1]
        if year is None:
            return chosen
        for start, rule in self.parts:
            if start <= year:
                chosen = rule
        return chosen.active(year)

    def rounding_at(self, year: int | None):
        r = self.active(year).rounding_at(year)
        return self.rounding if r is None else r

    def chain_at(self, year: int | None):
        c = self.active(year).chain_at(year)
        return self.chain_rounded if c is None else c

    def compute(self, run: Run, year: int) -> Any:
        return self.active(year).compute(run, year)

    def next_values(self, pa, pt, window, *, year, direction, category):
        if year is None:
            raise rule_error(None, self, "`year` is required to pick the part")
        return self.active(year).next_values(pa, pt, window, year=year,
                                             direction=direction, category=category)

    def params(self) -> dict[str, Any]:
        return {"parts": [{"from": y, "rule": r} for y, r in self.parts]}

    def formula(self, lang: str) -> str:
        out = []
        for i, (start, rule) in enumerate(self.parts):
            label = f"({yy(start)}~)" if i else f"(~{yy(self.parts[1][0] - 1)})" if len(
                self.parts) > 1 else f"({yy(start)}~)"
            out.append(f"{label} {rule.describe(lang)}")
        return "; ".join(out)

    def phrase(self) -> str:
        return "; ".join(f"from {yy(y)} {r.phrase()}" for y, r in self.parts)
