"""Growth rules: CAGR, yearly uplift, increments, ratios, milestones, budgets."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import RuleError, is_finite_number
from kpisim.rules._base import (
    Rule,
    Run,
    as_data,
    check_choice,
    check_number,
    num,
    pct,
    rule_error,
    yy,
)
from kpisim.rules._handbook_math import baseline_vec, handbook_baseline

UPLIFT_BASES = ("previous_target", "previous_actual", "best", "handbook_baseline")
RATIO_BASES = ("actual", "target")
_UPLIFT_KO = {
    "previous_target": ("T(y−1)", "전년 목표"),
    "previous_actual": ("A(y−1)", "전년 실적"),
    "best": ("max(T(y−1), A(y−1))", "전년 목표와 실적 중 높은 값"),
    "handbook_baseline": ("max(A(y−1), 최근 3년 실적 평균)",
                          "3개년 실적 평균과 전년 실적 중 높은 실적"),
}
_UPLIFT_EN = {
    "previous_target": ("T(y−1)", "the previous target"),
    "previous_actual": ("A(y−1)", "the previous actual"),
    "best": ("max(T(y−1), A(y−1))", "the better of the previous target and actual"),
    "handbook_baseline": ("max(A(y−1), mean of the last 3 actuals)",
                          "the handbook baseline (max of the last actual and the mean "
                          "of the last 3)"),
}


def _chain_point(run: Run, year: int, after: int | None = None) -> tuple[int, float] | None:
    """Latest year before ``year`` (and ≥ ``after``) computed in this run."""
    done = [t for t in run.raw if t < year and (after is None or t >= after)]
    if not done:
        return None
    t = max(done)
    return t, run.number(run.computed(t), f"the {yy(t)} target")


@dataclass(frozen=True, repr=False)
class CAGR(Rule):
    """Compound annual growth from a base: ``T(y) = B · (1 + r)^(y − y₀)``.

    Parameters
    ----------
    rate : float
        Yearly growth r as a fraction (0.08 for "CAGR(8%)"); r > −1.
    base_year : int, optional
        Year y₀ of the base B: its actual if known, else its stated target.
        Default: the latest known actual before the first target year.

    Notes
    -----
    With rounding and ``chain_rounded`` (the default) each requested year
    compounds from the previous requested year's rounded value. A base that
    is not positive raises :class:`RuleError`. :meth:`joining` solves for the
    rate that joins two points (see also :func:`implied_cagr`).

    Examples
    --------
    "최근 3년간 CAGR(8%)이상 상회목표" (ICT·SW기업 수출액, '21 107억불):

    >>> import kpisim
    >>> ind = kpisim.Indicator(id="x", name_ko="수출액", unit="억불", kind="level",
    ...                        actuals={2021: 107}, targets={2027: 175, 2030: 220})
    >>> CAGR(0.08).path(ind).round(1).tolist()
    [169.8, 213.9]
    """

    type = "cagr"
    rate: float
    base_year: int | None = None

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "rate", check_number(self.type, "rate", self.rate,
                                                      low=-1, low_open=True))
        if self.base_year is not None:
            object.__setattr__(self, "base_year", check_number(
                self.type, "base_year", self.base_year, integer=True))

    @classmethod
    def joining(cls, v0: float, y0: int, v1: float, y1: int, **kwargs: Any) -> CAGR:
        """The CAGR rule through (y0, v0) and (y1, v1), based at y0."""
        return cls(implied_cagr(v0, y0, v1, y1), base_year=int(y0), **kwargs)

    def base(self, run: Run, year: int) -> tuple[int, float]:
        if self.base_year is None:
            y0, b = run.last_actual(year, stand_ins=False)
        else:
            y0 = self.base_year
            if y0 >= year:
                msg = f"targets start after the base year {y0}; asked for {year}"
                raise run.fail(msg)
            b = run.data.actuals.get(y0, run.data.targets.get(y0))
            if b is None:
                msg = (
                    f"needs the {yy(y0)} base; the document gives no "
                    f"actual or target for {y0}"
                )
                raise run.fail(msg)
            b = run.number(b, f"the {yy(y0)} base")
        if b <= 0:
            msg = f"needs a positive base; the {yy(y0)} base is {num(b)}"
            raise run.fail(msg)
        return y0, b

    def compute(self, run: Run, year: int) -> float:
        point = _chain_point(run, year) or self.base(run, year)
        t0, v0 = point
        return v0 * (1.0 + self.rate) ** (year - t0)

    def next_values(self, pa, pt, window, *, year, direction, category):
        return pt * (1.0 + self.rate)

    def formula(self, lang: str) -> str:
        base = yy(self.base_year) if self.base_year is not None else None
        if lang == "en":
            where = f"the {base} value" if base else "the latest actual"
            return (f"T(y) = B × (1 + {pct(self.rate)})^(y − y₀): compound growth of "
                    f"{pct(self.rate)} a year from B = {where}")
        where = f"{base} 값" if base else "최근 실적"
        return (f"T(y) = B × (1 + {pct(self.rate)})^(y − y₀): 기준값 B({where}) 대비 "
                f"연평균 {pct(self.rate)} 복리 성장")

    def phrase(self) -> str:
        base = f"the {yy(self.base_year)} value" if self.base_year else "the latest actual"
        return f"CAGR {pct(self.rate)} from {base}"


@dataclass(frozen=True, repr=False)
class Uplift(Rule):
    """Yearly uplift over a basis: ``T(y) = X(y − 1) · (1 + r)``.

    Parameters
    ----------
    rate : float
        Uplift r as a fraction; r > −1.
    basis : {"previous_target", "previous_actual", "best", "handbook_baseline"}
        X is the previous target T(y−1) ("전년 목표 대비 10% 상향"), the
        previous actual A(y−1) ("전년도 실적 대비 평균 10%"), the better of
        both (max, or min for a decreasing indicator), or the handbook
        baseline max(A(y−1), mean of the last 3 actuals) ("3개년 실적 평균과
        전년 실적 중 높은 실적 기준 5% 상향"; min for decreasing).

    Notes
    -----
    The chain starts from the document's target (or actual) of the year
    before the first requested year. Actuals the plan did not know (after its
    last known actual) are stood in for by that year's target.

    Examples
    --------
    지역 디지털 분야 신규고용 ('24~ "전년 대비 3%씩 상향"), '23 target 218:

    >>> import kpisim
    >>> from kpisim.rules import Rounding
    >>> ind = kpisim.Indicator(id="x", name_ko="신규고용", unit="명", kind="count",
    ...     actuals={2022: 215}, targets={2023: 218, 2024: 225, 2025: 232})
    >>> Uplift(0.03, rounding=Rounding("half_up", 0)).path(ind, [2024, 2025]).tolist()
    [225.0, 232.0]
    """

    type = "uplift"
    rate: float
    basis: str = "previous_target"

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "rate", check_number(self.type, "rate", self.rate,
                                                      low=-1, low_open=True))
        check_choice(self.type, "basis", self.basis, UPLIFT_BASES)

    @property
    def path_dependent(self) -> bool:
        return self.basis != "previous_target"

    @property
    def lookback(self) -> int:
        """The handbook baseline reads the last 3 actuals; the other bases one."""
        return 3 if self.basis == "handbook_baseline" else 1

    def base_value(self, run: Run, year: int) -> float:
        if self.basis == "previous_target":
            return run.need_target(year - 1)
        if self.basis == "previous_actual":
            return run.previous_actual(year)
        if self.basis == "handbook_baseline":
            hist = [v for _, v in run.history(year)]
            if not hist:
                msg = f"needs actuals before {yy(year)}; the indicator has none"
                raise run.fail(msg)
            return handbook_baseline(hist, run.data.direction)
        t = run.target(year - 1)
        try:
            a = run.previous_actual(year)
        except RuleError:
            a = None
        if t is None and a is None:
            msg = f"needs the {yy(year - 1)} target or actual"
            raise run.fail(msg)
        both = [run.number(v, "the previous value") for v in (t, a) if v is not None]
        return min(both) if run.data.direction == "decrease" else max(both)

    def compute(self, run: Run, year: int) -> float:
        return self.base_value(run, year) * (1.0 + self.rate)

    def next_values(self, pa, pt, window, *, year, direction, category):
        g = 1.0 + self.rate
        if self.basis == "previous_target":
            return pt * g
        if self.basis == "previous_actual":
            return pa * g
        if self.basis == "best":
            return (np.fmin(pa, pt) if direction == "decrease" else np.fmax(pa, pt)) * g
        if window is None:
            return pa * g
        w = np.asarray(window, dtype=np.float64)
        w = w[np.newaxis, :] if w.ndim == 1 else w
        return baseline_vec(w, direction) * g

    def formula(self, lang: str) -> str:
        sym, words = (_UPLIFT_EN if lang == "en" else _UPLIFT_KO)[self.basis]
        if lang == "en":
            return f"T(y) = {sym} × (1 + {pct(self.rate)}): {pct(self.rate)} over {words}"
        return f"T(y) = {sym} × (1 + {pct(self.rate)}): {words} 대비 {pct(self.rate)} 상향"

    def phrase(self) -> str:
        sign = "+" if self.rate >= 0 else "−"
        return f"{sign}{pct(abs(self.rate))} on {_UPLIFT_EN[self.basis][1]}"


@dataclass(frozen=True, repr=False)
class AbsoluteIncrement(Rule):
    """A fixed step over the previous target: ``T(y) = T(y − 1) + s``.

    Parameters
    ----------
    step : float
        The yearly step s in the indicator's unit (negative to lower).

    Examples
    --------
    블록체인 전문기업 수 ("연간 15개 기업 육성"): 110 → 125 → 140 → 155 → 170 → 185.
    """

    type = "increment"
    step: float

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "step", check_number(self.type, "step", self.step))

    def compute(self, run: Run, year: int) -> float:
        return run.need_target(year - 1) + self.step

    def next_values(self, pa, pt, window, *, year, direction, category):
        return pt + self.step

    def formula(self, lang: str) -> str:
        s = num(self.step)
        if lang == "en":
            return f"T(y) = T(y−1) + {s}: {s} a year over the previous target"
        return f"T(y) = T(y−1) + {s}: 전년 목표 대비 매년 {s} 증가"

    def phrase(self) -> str:
        return f"{'+' if self.step >= 0 else ''}{num(self.step)} a year"


@dataclass(frozen=True, repr=False)
class RatioOfLast(Rule):
    """A ratio of last year's value: ``T(y) = ρ · X(y − 1)``.

    Parameters
    ----------
    ratio : float
        ρ > 0 (1.2 for "전년 실적의 120%").
    basis : {"actual", "target"}
        X is the previous actual A(y−1) (a target stands in for an actual the
        plan did not know) or the previous target T(y−1).
    """

    type = "ratio_of_last"
    ratio: float
    basis: str = "actual"

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "ratio", check_number(self.type, "ratio", self.ratio,
                                                       low=0, low_open=True))
        check_choice(self.type, "basis", self.basis, RATIO_BASES)

    @property
    def path_dependent(self) -> bool:
        return self.basis == "actual"

    def compute(self, run: Run, year: int) -> float:
        if self.basis == "actual":
            return self.ratio * run.previous_actual(year)
        return self.ratio * run.need_target(year - 1)

    def next_values(self, pa, pt, window, *, year, direction, category):
        return self.ratio * (pa if self.basis == "actual" else pt)

    def formula(self, lang: str) -> str:
        r = pct(self.ratio)
        if lang == "en":
            sym, w = ("A(y−1)", "actual") if self.basis == "actual" else ("T(y−1)", "target")
            return f"T(y) = {self.ratio:g} × {sym}: {r} of the previous {w}"
        sym, w = ("A(y−1)", "실적") if self.basis == "actual" else ("T(y−1)", "목표")
        return f"T(y) = {self.ratio:g} × {sym}: 전년 {w}의 {r}"

    def phrase(self) -> str:
        return f"{pct(self.ratio)} of the previous {self.basis}"


@dataclass(frozen=True, repr=False)
class MilestoneThenGrowth(Rule):
    """Reach a milestone, then grow: ``T(y) = V · (1 + r)^(y − Y)`` for y ≥ Y.

    Parameters
    ----------
    year : int
        Milestone year Y.
    value : float
        Milestone value V > 0.
    rate : float
        Yearly growth r after the milestone.

    Notes
    -----
    Before Y the path interpolates geometrically from the latest known actual
    (a, A) to (Y, V): ``T(y) = A · (V / A)^((y − a) / (Y − a))``.

    Examples
    --------
    AI전문기업 육성 ("'24년까지 2,000개 달성, 매년 10%향상"): '27 → 2,662,
    '30 → 3,543.1, against the stated 2,700 and 3,500.
    """

    type = "milestone_then_growth"
    year: int
    value: float
    rate: float

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "year", check_number(self.type, "year", self.year,
                                                      integer=True))
        object.__setattr__(self, "value", check_number(self.type, "value", self.value,
                                                       low=0, low_open=True))
        object.__setattr__(self, "rate", check_number(self.type, "rate", self.rate,
                                                      low=-1, low_open=True))

    def compute(self, run: Run, year: int) -> float:
        if year >= self.year:
            t0, v0 = _chain_point(run, year, after=self.year) or (self.year, self.value)
            return v0 * (1.0 + self.rate) ** (year - t0)
        a, base = run.last_actual(year, stand_ins=False)
        if base <= 0:
            msg = (
                f"needs a positive actual to interpolate from; {yy(a)} is "
                f"{num(base)}"
            )
            raise run.fail(msg)
        return base * (self.value / base) ** ((year - a) / (self.year - a))

    def next_values(self, pa, pt, window, *, year, direction, category):
        if year is None:
            raise rule_error(None, self, "`year` is required")
        if year > self.year:
            return pt * (1.0 + self.rate)
        if year == self.year:
            return np.full_like(pt, self.value)
        return pt * (self.value / pt) ** (1.0 / (self.year - year + 1))

    def formula(self, lang: str) -> str:
        v, r, y = num(self.value), pct(self.rate), yy(self.year)
        if lang == "en":
            return (f"T(y) = {v} × (1 + {r})^(y − {self.year}) from {y} on; before, "
                    f"geometric path from the latest actual to {v} in {y}")
        return (f"T(y) = {v} × (1 + {r})^(y − {self.year}): {y}년까지 {v} 달성 후 매년 "
                f"{r} 향상 (그 전에는 최근 실적에서 {v}까지 기하 보간)")

    def phrase(self) -> str:
        return f"{num(self.value)} by {yy(self.year)}, then {pct(self.rate)} a year"


def _budget_amount(year: Any, value: Any) -> float:
    """One year's budget: a finite amount > 0 (a target per budget needs a budget)."""
    amount = check_number("per_budget", f"budget[{year}]", value)
    if amount <= 0:
        raise RuleError(Msg("rules.budget_amount", year=year, got=num(amount)))
    return amount


@dataclass(frozen=True, repr=False)
class PerBudget(Rule):
    """Targets per budget: ``T(y) = ρ · budget(y)`` ("지원예산(억원) × 1.3명").

    Parameters
    ----------
    ratio : float
        ρ ≥ 0 per budget unit.
    budget : mapping of int to float
        Budget by year (억원), each amount > 0. A year without a budget raises
        RuleError.
    """

    type = "per_budget"
    ratio: float
    budget: Any = ()

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "ratio", check_number(self.type, "ratio", self.ratio,
                                                       low=0))
        raw = self.budget
        if isinstance(raw, Mapping):
            raw = raw.items()
        try:  # JSON turns year keys into strings: accept "2023"
            pairs = [(check_number(self.type, "budget year",
                                   int(y) if isinstance(y, str) and y.strip().isdigit()
                                   else y, integer=True),
                      _budget_amount(y, v)) for y, v in raw]
        except (TypeError, ValueError) as e:
            if isinstance(e, RuleError):
                raise
            raise RuleError(Msg("rules.budget_mapping", got=repr(raw))) from e
        object.__setattr__(self, "budget", tuple(sorted(pairs)))

    @property
    def budget_map(self) -> dict[int, float]:
        """The budget as ``{year: amount}``."""
        return dict(self.budget)

    def compute(self, run: Run, year: int) -> float:
        b = self.budget_map.get(year)
        if b is None:
            given = ", ".join(yy(y) for y in sorted(self.budget_map)) or Msg("rules.no_years")
            raise run.fail(Msg("rules.needs_budget", year=yy(year), given=given))
        return self.ratio * b

    def next_values(self, pa, pt, window, *, year, direction, category):
        b = self.budget_map.get(year) if year is not None else None
        if b is None:
            raise rule_error(None, self, f"no budget for year {year!r}")
        return np.full_like(pt, self.ratio * b)

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ratio": self.ratio}
        if self.budget:
            out["budget"] = self.budget_map
        return out

    def formula(self, lang: str) -> str:
        if lang == "en":
            return f"T(y) = {self.ratio:g} × budget(y): {self.ratio:g} per budget unit"
        return f"T(y) = {self.ratio:g} × 예산(y): 당해 예산(억원) × {self.ratio:g}"

    def phrase(self) -> str:
        return f"{self.ratio:g} per unit of budget"


# ----------------------------------------------------------- inverse helpers
def implied_cagr(v0: float, y0: int, v1: float, y1: int) -> float:
    """The yearly rate joining (y0, v0) to (y1, v1): ``(v1 / v0)^(1/(y1−y0)) − 1``.

    Examples
    --------
    >>> round(implied_cagr(107, 2021, 220, 2030), 4)
    0.0834
    """
    for name, v in (("v0", v0), ("v1", v1), ("y0", y0), ("y1", y1)):
        if not is_finite_number(v):
            msg = f"implied_cagr: `{name}` must be a finite number; got {v!r}"
            raise RuleError(msg)
    if v0 <= 0 or v1 < 0:
        msg = f"implied_cagr: values must be positive; got v0={v0!r}, v1={v1!r}"
        raise RuleError(msg)
    if y1 == y0:
        msg = f"implied_cagr: the two years must differ; got {y0!r} twice"
        raise RuleError(msg)
    return float((v1 / v0) ** (1.0 / (y1 - y0)) - 1.0)


def years_to_reach(start: float, value: float, rate: float) -> float:
    """Years of growth at ``rate`` for ``start`` to reach ``value``.

    ``n = ln(value / start) / ln(1 + rate)``; fractional, 0 if already there.
    Raises RuleError when ``value`` is never reached.
    """
    for name, v in (("start", start), ("value", value), ("rate", rate)):
        if not is_finite_number(v):
            msg = f"years_to_reach: `{name}` must be a finite number; got {v!r}"
            raise RuleError(msg)
    if start <= 0 or value <= 0 or rate <= -1:
        msg = (f"years_to_reach: needs start > 0, value > 0 and rate > -1; got "
               f"start={start!r}, value={value!r}, rate={rate!r}")
        raise RuleError(msg)
    if value == start:
        return 0.0
    n = math.log(value / start) / math.log1p(rate) if rate != 0 else math.inf
    if not n >= 0 or math.isinf(n):
        msg = (f"years_to_reach: {num(start)} growing at {pct(rate)} a year never "
               f"reaches {num(value)}")
        raise RuleError(msg)
    return float(n)


def required_cagr(indicator: Any, target_year: int, from_year: int | None = None) -> float:
    """The CAGR needed from an actual to a stated target.

    Parameters
    ----------
    indicator : Indicator
    target_year : int
        Year of the stated target to reach.
    from_year : int, optional
        Year of the starting actual; default the latest known actual before
        ``target_year``.
    """
    data = as_data(indicator)
    target = data.targets.get(int(target_year))
    if target is None or isinstance(target, str):
        msg = (f"indicator `{data.id}`: required_cagr needs a numeric {target_year} "
               f"target; got {target!r}")
        raise RuleError(msg)
    if from_year is None:
        before = [y for y in data.actuals if y < target_year]
        if not before:
            msg = f"indicator `{data.id}`: no actual before {target_year} to start from"
            raise RuleError(msg)
        from_year = max(before)
    start = data.actuals.get(int(from_year))
    if start is None or isinstance(start, str):
        msg = f"indicator `{data.id}`: no numeric actual for {from_year}"
        raise RuleError(msg)
    return implied_cagr(float(start), int(from_year), float(target), int(target_year))
