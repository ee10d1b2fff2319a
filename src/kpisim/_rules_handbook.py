"""The 공공기관 경영평가편람 target methods (목표부여): deviation, ratio, long-term path.

Each method gives a *highest* target (최고목표, the target a plan sets) and a
*lowest* one (최저목표), which the scoring of an actual interpolates between.
``path`` returns the highest target; ``bounds`` returns both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kpisim._handbook_math import baseline_vec, handbook_baseline, population_sigma, sigma_vec
from kpisim._rulebase import (
    Rule,
    Run,
    as_data,
    check_choice,
    check_number,
    num,
    pct,
    rule_error,
    window_2d,
    yy,
)
from kpisim._validation import RuleError

DEVIATION_BASELINES = ("handbook", "last_actual")
_K_BY_CATEGORY = {"주요사업": 2.0, "경영관리": 1.0}


def _history_values(rule: Rule, history: Any, year: int | None) -> tuple[list[float], dict]:
    """Known actuals (oldest first) and the indicator's metadata, for ``bounds``."""
    if isinstance(history, (list, tuple, np.ndarray)):
        arr = np.asarray(history, dtype=np.float64).ravel()
        return [float(v) for v in arr if not np.isnan(v)], {"id": None}
    data = as_data(history)
    if data.is_grade:
        raise rule_error(data.id, rule, "needs numbers; the indicator is a grade")
    values = [float(v) for y, v in data.actuals.items() if year is None or y < year]
    return values, {"id": data.id, "direction": data.direction,
                    "category": data.category, "kind": data.kind}


def _clip(kind: str | None, *values: float) -> tuple[float, ...]:
    if kind == "share":
        return tuple(min(max(v, 0.0), 100.0) for v in values)
    return values


class _Bounded:
    """Mixin: ``highest``/``lowest``/``bounds`` from ``_bounds(values, ...)``."""

    def bounds(self, history: Any, year: int | None = None, *,
               direction: str | None = None, category: str | None = None,
               kind: str | None = None) -> tuple[float, float]:
        """Highest and lowest target after ``history``.

        Parameters
        ----------
        history : Indicator, Series, mapping or 1-D array_like
            Past actuals (an array is read oldest first).
        year : int, optional
            Target year; only actuals before it are used (year-indexed input).
        direction, category, kind : str, optional
            Override the indicator's own (defaults: ``"increase"``, none,
            none). ``kind="share"`` clips to [0, 100].

        Returns
        -------
        (highest, lowest) : tuple of float
        """
        values, meta = _history_values(self, history, year)
        return self._bounds(
            values,
            direction=direction or meta.get("direction") or "increase",
            category=category or meta.get("category"),
            kind=kind or meta.get("kind"),
            indicator=meta["id"],
            year=year,
        )

    def highest(self, history: Any, year: int | None = None, **kwargs: Any) -> float:
        """The highest target (최고목표); see :meth:`bounds`."""
        return self.bounds(history, year, **kwargs)[0]

    def lowest(self, history: Any, year: int | None = None, **kwargs: Any) -> float:
        """The lowest target (최저목표); see :meth:`bounds`."""
        return self.bounds(history, year, **kwargs)[1]


@dataclass(frozen=True, repr=False)
class DeviationRule(_Bounded, Rule):
    """Handbook 목표부여(편차): ``highest = b + k·σ``, ``lowest = b − k_low·σ``.

    Parameters
    ----------
    k : float, optional
        Multiplier of σ for the highest target. Default: 2 for 주요사업, 1 for
        경영관리 (the indicator's ``tags.category``), 2 when uncategorised.
    window : int, default 5
        σ uses the last ``window`` actuals, falling back to 4 or 3 when fewer
        exist ("과거 3개년" is ``window=3``, "'19~'22" is ``window=4``).
    ddof : int, default 0
        0 is the population standard deviation the handbook uses.
    baseline : {"handbook", "last_actual"}, default "handbook"
        b = max(last actual, mean of the last 3 actuals) for an increasing
        indicator, min(…) for a decreasing one (mean of 2 when only 2 exist);
        or the last actual.
    k_low : float, default 2
        Multiplier of σ for the lowest target.

    Notes
    -----
    For a decreasing indicator the signs flip: highest = b − k·σ, lowest =
    b + k_low·σ. Shares are clipped to [0, 100]. Fewer than 3 actuals (or
    than ``window`` if it is below 3) raise RuleError.

    Examples
    --------
    The handbook's worked check, history 100, 105, 108, 112, 118:

    >>> rule = DeviationRule()
    >>> [round(v, 2) for v in rule.bounds([100, 105, 108, 112, 118])]
    [130.24, 105.76]
    >>> round(DeviationRule(k=1).highest([100, 105, 108, 112, 118]), 2)
    124.12
    """

    type = "deviation"
    _path_dependent = True
    k: float | None = None
    window: int = 5
    ddof: int = 0
    baseline: str = "handbook"
    k_low: float = 2.0

    def __post_init__(self) -> None:
        self._check_common()
        if self.k is not None:
            object.__setattr__(self, "k", check_number(self.type, "k", self.k, low=0))
        object.__setattr__(self, "k_low", check_number(self.type, "k_low", self.k_low,
                                                       low=0))
        object.__setattr__(self, "window", check_number(self.type, "window",
                                                        self.window, low=1, integer=True))
        object.__setattr__(self, "ddof", check_number(self.type, "ddof", self.ddof,
                                                      low=0, integer=True))
        check_choice(self.type, "baseline", self.baseline, DEVIATION_BASELINES)

    def k_for(self, category: str | None) -> float:
        """k itself, or 2 (주요사업) / 1 (경영관리) when the rule leaves it open."""
        if self.k is not None:
            return self.k
        return _K_BY_CATEGORY.get(category or "", 2.0)

    @property
    def min_history(self) -> int:
        """Fewest actuals σ may use (3, or ``window`` when smaller)."""
        return min(3, self.window)

    def _bounds(self, values: list[float], *, direction: str, category: str | None,
                kind: str | None, indicator: str | None,
                year: int | None) -> tuple[float, float]:
        if len(values) < self.min_history:
            when = f" before {yy(year)}" if year is not None else ""
            raise rule_error(indicator, self, (
                f"σ over the last {self.window} actuals needs at least "
                f"{self.min_history}{when}; the history has {len(values)}"))
        if self.baseline == "handbook":
            base = handbook_baseline(values, direction)
        else:
            base = values[-1]
        sigma, _ = population_sigma(values, self.window, self.ddof)
        k = self.k_for(category)
        if direction == "decrease":
            return _clip(kind, base - k * sigma, base + self.k_low * sigma)
        return _clip(kind, base + k * sigma, base - self.k_low * sigma)

    def compute(self, run: Run, year: int) -> float:
        values = [v for _, v in run.history(year)]
        d = run.data
        return self._bounds(values, direction=d.direction, category=d.category,
                            kind=d.kind, indicator=d.id, year=year)[0]

    def bounds_array(self, history_window: Any, *, direction: str = "increase",
                     category: str | None = None,
                     share: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised bounds: ``history_window`` has shape (n_paths, window).

        Returns (highest, lowest), each of shape (n_paths,); NaN on paths with
        fewer than :attr:`min_history` actuals.
        """
        w = window_2d(history_window, self)
        base = baseline_vec(w, direction) if self.baseline == "handbook" else w[:, -1]
        s = sigma_vec(w, self.window, self.ddof, self.min_history)
        k = self.k_for(category)
        sign = -1.0 if direction == "decrease" else 1.0
        hi, lo = base + sign * k * s, base - sign * self.k_low * s
        if share:
            hi, lo = np.clip(hi, 0, 100), np.clip(lo, 0, 100)
        return hi, lo

    def next_values(self, pa, pt, window, *, year, direction, category):
        return self.bounds_array(window, direction=direction, category=category)[0]

    def formula(self, lang: str) -> str:
        k = "k" if self.k is None else f"{self.k:g}"
        if lang == "en":
            kk = "" if self.k is not None else " (k = 2 for 주요사업, 1 for 경영관리)"
            return (f"highest = b + {k}·σ, lowest = b − {self.k_low:g}·σ{kk}: b = "
                    "max(last actual, mean of the last 3 actuals), σ = standard "
                    f"deviation (ddof={self.ddof}) of the last {self.window} actuals")
        kk = "" if self.k is not None else " (k: 주요사업 2, 경영관리 1)"
        return (f"최고목표 = 기준치 + {k} × 표준편차, 최저목표 = 기준치 − "
                f"{self.k_low:g} × 표준편차{kk}: 기준치 = max(전년 실적, 최근 3년 실적 "
                f"평균), 표준편차 = 과거 {self.window}개년 실적의 표준편차")

    def phrase(self) -> str:
        k = "k" if self.k is None else f"{self.k:g}"
        return f"the handbook deviation rule, baseline + {k}σ of the last {self.window} actuals"


@dataclass(frozen=True, repr=False)
class PreviousTargetPlusSigma(Rule):
    """``T(y) = T(y − 1) + k · σ`` ("직전년도 목표치 + 1 × 표준편차(과거 3개년)").

    Parameters
    ----------
    k : float, default 1
    window : int, default 3
        σ is the standard deviation of the last ``window`` actuals (at least
        3, or ``window`` if smaller, must exist).
    ddof : int, default 0

    Notes
    -----
    A decreasing indicator subtracts kσ.
    """

    type = "previous_target_plus_sigma"
    _path_dependent = True
    k: float = 1.0
    window: int = 3
    ddof: int = 0

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "k", check_number(self.type, "k", self.k, low=0))
        object.__setattr__(self, "window", check_number(self.type, "window",
                                                        self.window, low=1, integer=True))
        object.__setattr__(self, "ddof", check_number(self.type, "ddof", self.ddof,
                                                      low=0, integer=True))

    def compute(self, run: Run, year: int) -> float:
        prev = run.need_target(year - 1)
        values = [v for _, v in run.history(year)]
        need = min(3, self.window)
        if len(values) < need:
            msg = (
                f"σ over the last {self.window} actuals needs at least "
                f"{need} before {yy(year)}; the history has {len(values)}"
            )
            raise run.fail(msg)
        sigma, _ = population_sigma(values, self.window, self.ddof)
        sign = -1.0 if run.data.direction == "decrease" else 1.0
        return prev + sign * self.k * sigma

    def next_values(self, pa, pt, window, *, year, direction, category):
        w = window_2d(window, self)
        s = sigma_vec(w, self.window, self.ddof, min(3, self.window))
        return pt + (-1.0 if direction == "decrease" else 1.0) * self.k * s

    def formula(self, lang: str) -> str:
        if lang == "en":
            return (f"T(y) = T(y−1) + {self.k:g}·σ: the previous target plus {self.k:g} "
                    f"standard deviation of the last {self.window} actuals")
        return (f"T(y) = T(y−1) + {self.k:g} × σ: 직전년도 목표치 + {self.k:g} × 표준편차"
                f"(과거 {self.window}개년)")

    def phrase(self) -> str:
        return f"the previous target + {self.k:g}σ of the last {self.window} actuals"


@dataclass(frozen=True, repr=False)
class RatioRule(_Bounded, Rule):
    """Handbook 목표부여(비율): ``highest = b · high``, ``lowest = b · low``.

    Parameters
    ----------
    high : float, default 1.10
        110% of the baseline (the handbook uses 120% for 주요사업).
    low : float, default 0.80

    Notes
    -----
    b = max(last actual, mean of the last 3 actuals) (min for decreasing).
    For a decreasing indicator the ratios mirror: highest = b · (2 − high),
    lowest = b · (2 − low).

    Examples
    --------
    5G·IoT제품 상용화 모델 건수 ("직전년도 실적치 대비 상향하여 최고목표(110%)"):
    '22 target 106 (its actual unknown, the target stands in) → '23 116.6 →
    117 when rounded half-up.
    """

    type = "ratio"
    _path_dependent = True
    high: float = 1.10
    low: float = 0.80

    def __post_init__(self) -> None:
        self._check_common()
        for name in ("high", "low"):
            object.__setattr__(self, name, check_number(self.type, name,
                                                        getattr(self, name), low=0))
        if self.high < self.low:
            msg = f"rule `ratio`: `high` ({self.high:g}) must be ≥ `low` ({self.low:g})"
            raise RuleError(msg)

    def _bounds(self, values: list[float], *, direction: str, category: str | None,
                kind: str | None, indicator: str | None,
                year: int | None) -> tuple[float, float]:
        if not values:
            raise rule_error(indicator, self, "needs at least one actual; has none")
        base = handbook_baseline(values, direction)
        if direction == "decrease":
            return _clip(kind, base * (2 - self.high), base * (2 - self.low))
        return _clip(kind, base * self.high, base * self.low)

    def compute(self, run: Run, year: int) -> float:
        values = [v for _, v in run.history(year)]
        d = run.data
        return self._bounds(values, direction=d.direction, category=d.category,
                            kind=d.kind, indicator=d.id, year=year)[0]

    def next_values(self, pa, pt, window, *, year, direction, category):
        w = pa[:, np.newaxis] if window is None else window_2d(window, self)
        ratio = (2 - self.high) if direction == "decrease" else self.high
        return baseline_vec(w, direction) * ratio

    def formula(self, lang: str) -> str:
        hi, lo = pct(self.high), pct(self.low)
        if lang == "en":
            return (f"highest = b × {hi}, lowest = b × {lo}: b = max(last actual, mean "
                    "of the last 3 actuals); mirrored for a decreasing indicator")
        return (f"최고목표 = 기준치 × {hi}, 최저목표 = 기준치 × {lo}: 기준치 = max(전년 "
                "실적, 최근 3년 실적 평균), 감소지표는 반대로 적용")

    def phrase(self) -> str:
        return f"{pct(self.high)} of the handbook baseline"


@dataclass(frozen=True, repr=False)
class LongTermPath(_Bounded, Rule):
    """Straight line to a long-term goal: ``T(y) = A + α·(y − a)``.

    Parameters
    ----------
    goal_year : int
        Year n of the goal B.
    goal_value : float
        The goal B.

    Notes
    -----
    A is the latest actual (year a) before the target year — a target stands
    in for an actual the plan did not know — and ``α = (B − A)/(n − a)``.
    The bounds are ``line ± 2α`` (highest = line + 2α, lowest = line − 2α).
    """

    type = "long_term_path"
    _path_dependent = True
    goal_year: int
    goal_value: float

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "goal_year", check_number(
            self.type, "goal_year", self.goal_year, integer=True))
        object.__setattr__(self, "goal_value", check_number(
            self.type, "goal_value", self.goal_value))

    def _line(self, a: int, value: float, year: int, indicator: str | None) -> tuple[float, float]:
        n = self.goal_year - a
        if n <= 0:
            raise rule_error(indicator, self, (
                f"the latest actual ({yy(a)}) is not before the goal year {self.goal_year}"))
        alpha = (self.goal_value - value) / n
        return value + alpha * (year - a), alpha

    def compute(self, run: Run, year: int) -> float:
        a, value = run.last_actual(year)
        return self._line(a, value, year, run.data.id)[0]

    def bounds(self, history: Any, year: int | None = None, **kwargs: Any) -> tuple[float, float]:
        """(line + 2α, line − 2α) for ``year`` from a year-indexed history."""
        if year is None or isinstance(history, (list, tuple, np.ndarray)):
            raise rule_error(None, self, "bounds need a year-indexed history and `year`")
        data = as_data(history)
        before = [(y, float(v)) for y, v in data.actuals.items() if y < year]
        if not before:
            raise rule_error(data.id, self, f"needs an actual before {yy(year)}")
        line, alpha = self._line(*before[-1], year, data.id)
        return line + 2 * alpha, line - 2 * alpha

    def next_values(self, pa, pt, window, *, year, direction, category):
        if year is None or year > self.goal_year:
            raise rule_error(None, self, f"needs a `year` up to {self.goal_year}")
        return pa + (self.goal_value - pa) / (self.goal_year - year + 1)

    def formula(self, lang: str) -> str:
        b, n = num(self.goal_value), self.goal_year
        if lang == "en":
            return (f"T(y) = A + α·(y − a), α = ({b} − A)/({n} − a): straight line from "
                    f"the latest actual A to {b} in {n}; bounds line ± 2α")
        return (f"T(y) = A + α·(y − a), α = ({b} − A)/({n} − a): 최근 실적 A에서 {n}년 "
                f"목표 {b}까지 직선 경로, 최고/최저목표 = 경로 ± 2α")

    def phrase(self) -> str:
        return f"the straight line to {num(self.goal_value)} in {self.goal_year}"
