"""The 공공기관 경영평가편람 target methods (목표부여): deviation, ratio, long-term path.

Each method gives a *highest* target (최고목표, the target a plan sets) and a
*lowest* one (최저목표), which the scoring of an actual interpolates between.
``path`` returns the highest target; ``bounds`` returns both.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import RuleError
from kpisim.indicator import direction_sign
from kpisim.rules._base import (
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
from kpisim.rules._handbook_math import baseline_vec, handbook_baseline, population_sigma, sigma_vec

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


def _check_ddof(rule_type: str, ddof: int, fewest: int) -> None:
    """σ of as few as ``fewest`` actuals divides by ``n − ddof``: it must stay ≥ 1."""
    if ddof >= fewest:
        digits = [str(d) for d in range(fewest)]
        allowed = (digits[0] if len(digits) == 1
                   else Msg("rules.or", first=", ".join(digits[:-1]), last=digits[-1]))
        raise RuleError(Msg("rules.ddof", type=rule_type, allowed=allowed, fewest=fewest,
                            ddof=ddof))


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
        _check_ddof(self.type, self.ddof, self.min_history)
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

    @property
    def lookback(self) -> int:
        """σ over ``window`` actuals and the 3-year baseline: ``max(window, 3)``."""
        return max(self.window, 3)

    def _bounds(self, values: list[float], *, direction: str, category: str | None,
                kind: str | None, indicator: str | None,
                year: int | None) -> tuple[float, float]:
        if len(values) < self.min_history:
            fields = {"window": self.window, "need": self.min_history, "n": len(values)}
            raise rule_error(indicator, self, (
                Msg("rules.sigma_history", **fields) if year is None
                else Msg("rules.sigma_history_before", year=yy(year), **fields)))
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
        sign = direction_sign(direction)
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
        _check_ddof(self.type, self.ddof, min(3, self.window))

    @property
    def lookback(self) -> int:
        """σ over the last ``window`` actuals."""
        return self.window

    def compute(self, run: Run, year: int) -> float:
        prev = run.need_target(year - 1)
        values = [v for _, v in run.history(year)]
        need = min(3, self.window)
        if len(values) < need:
            raise run.fail(Msg("rules.sigma_history_before", window=self.window, need=need,
                               year=yy(year), n=len(values)))
        sigma, _ = population_sigma(values, self.window, self.ddof)
        sign = direction_sign(run.data.direction)
        return prev + sign * self.k * sigma

    def next_values(self, pa, pt, window, *, year, direction, category):
        w = window_2d(window, self)
        s = sigma_vec(w, self.window, self.ddof, min(3, self.window))
        return pt + direction_sign(direction) * self.k * s

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
            raise RuleError(Msg("rules.ratio_high_low", high=f"{self.high:g}",
                                low=f"{self.low:g}"))

    @property
    def lookback(self) -> int:
        """The 3-year baseline."""
        return 3

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


def _row_years(known: dict[int, float], first: int, last: int) -> np.ndarray:
    """One row of actuals for the consecutive years ``first … last`` (NaN = unknown)."""
    return np.array([[known.get(y, np.nan) for y in range(first, last + 1)]], dtype=np.float64)


@dataclass(frozen=True, repr=False)
class LongTermPath(_Bounded, Rule):
    """Handbook 중장기 목표부여: a fixed straight line from A to the goal B.

    ``line(y) = A + α·(y − a)``, ``α = (B − A)/(n − a)``: A is the actual of
    the base year a (the latest actual when the indicator was set), B the
    goal of year n. For year t (편람 2025 수정, p. 46–47):

    * 기준치 = line(t − 1), the line's value for the previous year — not the
      previous actual;
    * 최고목표 = 기준치 + 2α, 최저목표 = 기준치 − 2α (α < 0 mirrors both for a
      decreasing indicator);
    * **above the line**: when the actual of t − 1 is better than line(t − 1)
      the line is re-anchored there: 기준치 = that actual and
      ``α = (B − actual)/(n − (t − 1))``; the new line holds for later years.
      An actual on or below the line changes nothing;
    * **B exceeded**: when the actual of t − 1 is better than B, B := that
      actual, 최고목표 = B and 최저목표 = B − 1·α (α of the line in force, its
      absolute value, against the direction); later years keep this until an
      actual beats B again;
    * **re-basing** (``rebase_every=3``, optional): every 3 years after a the
      line restarts at A′ = mean(mean of the last 3 actuals, line(t − 1)),
      ``α = (B − A′)/(n − (t − 1))``.

    The rule's target for year t (what :meth:`path` and :meth:`next_target`
    give, and what ``basis="rule"`` compares with) is the line's value for t,
    ``기준치 + α`` (B once B is exceeded).

    Parameters
    ----------
    goal_year : int
        Year n of the goal B.
    goal_value : float
        The goal B.
    base_year : int, optional
        Year a of A. Default: for an indicator, the latest known actual before
        its first plan year (:meth:`for_indicator`); for a bare history, its
        first year; on per-path arrays, the first column with an actual.
    base_value : float, optional
        A itself, when it is not the base year's actual.
    rebase_every : int, optional
        Re-base the line every so many years (the handbook allows 3); None
        (default) never.

    Notes
    -----
    Order of the checks for year t: re-basing, then B exceeded, then above
    the line. Whether "B exceeded" uses the α of the line in force (kpisim) or
    some other unit is not legible in the source text (⚠). Years after the
    goal year have no target.

    Examples
    --------
    A = 105 in 2020, B = 160 in 2026: α = 55/6 = 9.1667. For 2023 (the 2022
    actual 118 below line(2022) = 123.33) 기준치 = 123.33, bounds 141.67 /
    105.00, target line(2023) = 132.5:

    >>> rule = LongTermPath(2026, 160, base_year=2020)
    >>> h = {2020: 105, 2021: 110, 2022: 118}
    >>> [round(v, 2) for v in rule.bounds(h, 2023)]
    [141.67, 105.0]
    >>> round(float(rule.path(h, [2023]).iloc[0]), 2)
    132.5
    """

    type = "long_term_path"
    _path_dependent = True
    goal_year: int
    goal_value: float
    base_year: int | None = None
    base_value: float | None = None
    rebase_every: int | None = None

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "goal_year", check_number(
            self.type, "goal_year", self.goal_year, integer=True))
        object.__setattr__(self, "goal_value", check_number(
            self.type, "goal_value", self.goal_value))
        if self.base_year is not None:
            object.__setattr__(self, "base_year", check_number(
                self.type, "base_year", self.base_year, integer=True))
            if self.base_year >= self.goal_year:
                raise RuleError(Msg("rules.base_before_goal", type=self.type,
                                    base=self.base_year, goal=self.goal_year))
        if self.base_value is not None:
            object.__setattr__(self, "base_value", check_number(
                self.type, "base_value", self.base_value))
        if self.rebase_every is not None:
            object.__setattr__(self, "rebase_every", check_number(
                self.type, "rebase_every", self.rebase_every, low=1, integer=True))

    @property
    def lookback(self) -> int | None:
        """The whole history: the line starts at the base year."""
        return None

    def check_indicator(self, indicator: Any) -> None:
        """The goal year must come after the base year the line starts from."""
        if self.base_year is not None:  # checked against the goal year on construction
            return
        data = as_data(indicator)
        plan = data.plan_years()
        first = plan[0] if plan else self.goal_year  # as for_indicator picks the base year
        known = [y for y in data.actuals if y < first]
        if not known or self.goal_year > max(known):
            return
        raise RuleError(Msg("rules.goal_after_base", type=self.type, goal=self.goal_year,
                            base=max(known)))

    def for_indicator(self, indicator: Any) -> LongTermPath:
        """This rule with ``base_year`` filled from ``indicator`` when left open.

        The base year is the latest known actual before the indicator's first
        plan year (the latest actual when the plan set the line).
        """
        if self.base_year is not None:
            return self
        data = as_data(indicator)
        plan = data.plan_years()
        first = plan[0] if plan else self.goal_year
        known = [y for y in data.actuals if y < first]
        if not known:
            return self
        return dataclasses.replace(self, base_year=max(known))

    # -- the walk along the line, vectorised over paths -------------------
    def bounds_paths(self, hist: Any, years: Any, *, direction: str = "increase",
                     indicator: str | None = None) -> tuple[np.ndarray, ...]:
        """Bounds and target of every year on every path.

        Parameters
        ----------
        hist : array_like, shape (n_paths, n_years)
            Actuals of the consecutive ``years`` on each path (NaN = unknown).
        years : array_like of int, shape (n_years,)
        direction : {"increase", "decrease", "maintain"}

        Returns
        -------
        (highest, lowest, target) : ndarrays, shape (n_paths, n_years)
            Column k holds year ``years[k]``, set from the actuals before it;
            NaN up to the base year and after the goal year.
        """
        h = window_2d(hist, self)
        yrs = np.asarray(years, dtype=np.int64).ravel()
        if yrs.size != h.shape[1] or np.any(np.diff(yrs) != 1):
            raise rule_error(indicator, self, (
                f"`years` must be {h.shape[1]} consecutive years; got {yrs.tolist()}"))
        n_paths, n_years = h.shape
        out = [np.full((n_paths, n_years), np.nan) for _ in range(3)]
        if self.base_year is not None:
            a0 = self.base_year
        else:
            finite = np.flatnonzero(~np.isnan(h).all(axis=0))
            if not finite.size:
                raise rule_error(indicator, self, "needs an actual to start the line")
            a0 = int(yrs[finite[0]])
        c0 = a0 - int(yrs[0])
        if c0 < 0 or c0 >= n_years:
            raise rule_error(indicator, self, (
                f"the base year {a0} is outside the history {int(yrs[0])}–{int(yrs[-1])}"))
        n = self.goal_year
        if a0 >= n:
            raise rule_error(indicator, self, (
                f"the base year {yy(a0)} is not before the goal year {n}"))
        sign = direction_sign(direction)
        value = (np.full(n_paths, self.base_value) if self.base_value is not None
                 else h[:, c0].copy())
        anchor_year = np.full(n_paths, float(a0))
        alpha = (self.goal_value - value) / (n - a0)
        goal = np.full(n_paths, self.goal_value)
        exceeded = np.zeros(n_paths, dtype=bool)
        unit = np.abs(alpha)
        for k in range(c0 + 1, n_years):
            y = int(yrs[k])
            if y > n:
                break
            prev = h[:, k - 1]
            left = n - (y - 1)
            line_prev = value + alpha * (y - 1 - anchor_year)
            since = y - 1 - a0
            if self.rebase_every and since > 0 and since % self.rebase_every == 0:
                recent = h[:, max(k - 3, 0):k]
                count = np.sum(~np.isnan(recent), axis=1)
                mean3 = np.where(count > 0, np.nansum(recent, axis=1) / np.maximum(count, 1),
                                 np.nan)
                rebased = (mean3 + line_prev) / 2
                ok = ~np.isnan(rebased) & ~exceeded
                value = np.where(ok, rebased, value)
                anchor_year = np.where(ok, y - 1.0, anchor_year)
                alpha = np.where(ok, (goal - rebased) / left, alpha)
                line_prev = np.where(ok, rebased, line_prev)
            beyond = sign * (prev - goal) > 0  # NaN compares False
            unit = np.where(beyond & ~exceeded, np.abs(alpha), unit)
            exceeded = exceeded | beyond
            goal = np.where(beyond, prev, goal)
            above = ~exceeded & (sign * (prev - line_prev) > 0)
            value = np.where(above, prev, value)
            anchor_year = np.where(above, y - 1.0, anchor_year)
            alpha = np.where(above, (goal - prev) / left, alpha)
            line_prev = np.where(above, prev, line_prev)
            out[0][:, k] = np.where(exceeded, goal, line_prev + 2 * alpha)
            out[1][:, k] = np.where(exceeded, goal - sign * unit, line_prev - 2 * alpha)
            out[2][:, k] = np.where(exceeded, goal, line_prev + alpha)
        return out[0], out[1], out[2]

    def _walk_one(self, known: dict[int, float], year: int,
                  indicator: str | None, direction: str) -> tuple[float, float, float]:
        if not known:
            raise rule_error(indicator, self, f"needs an actual before {yy(year)}")
        if year > self.goal_year:
            raise rule_error(indicator, self, (
                f"{yy(year)} is after the goal year {self.goal_year}"))
        first = self.base_year if self.base_year is not None else min(known)
        if first >= year:
            raise rule_error(indicator, self, (
                f"{yy(year)} is not after the base year {yy(first)}"))
        if self.base_value is None and first not in known:
            raise rule_error(indicator, self, (
                f"needs the base-year ({yy(first)}) actual or `base_value`"))
        row = _row_years(known, first, year)
        hi, lo, target = self.bounds_paths(row, np.arange(first, year + 1),
                                           direction=direction, indicator=indicator)
        return float(hi[0, -1]), float(lo[0, -1]), float(target[0, -1])

    def compute(self, run: Run, year: int) -> float:
        rule = self.for_indicator(run.data)
        if rule.base_year is None:
            rule = dataclasses.replace(rule, base_year=run.last_actual(
                year, stand_ins=False)[0])
        known = {y: v for y, v in run.history(year)}
        return rule._walk_one(known, year, run.data.id, run.data.direction)[2]

    def bounds(self, history: Any, year: int | None = None, *,
               direction: str | None = None, **kwargs: Any) -> tuple[float, float]:
        """(최고목표, 최저목표) for ``year`` from a year-indexed history.

        The base year defaults as in :meth:`for_indicator` (an indicator) or to
        the history's first year (a Series or mapping).
        """
        if year is None or isinstance(history, (list, tuple, np.ndarray)):
            raise rule_error(None, self, "bounds need a year-indexed history and `year`")
        data = as_data(history)
        rule = self.for_indicator(history) if hasattr(history, "targets") else self
        known = {y: float(v) for y, v in data.actuals.items() if y < year}
        hi, lo, _ = rule._walk_one(known, year, data.id, direction or data.direction)
        return hi, lo

    def next_values(self, pa, pt, window, *, year, direction, category):
        if year is None or year > self.goal_year:
            raise rule_error(None, self, f"needs a `year` up to {self.goal_year}")
        w = pa[:, np.newaxis] if window is None else window_2d(window, self)
        hist = np.concatenate([w, np.full((w.shape[0], 1), np.nan)], axis=1)
        years = np.arange(year - w.shape[1], year + 1)
        return self.bounds_paths(hist, years, direction=direction)[2][:, -1]

    def formula(self, lang: str) -> str:
        b, n = num(self.goal_value), self.goal_year
        a = yy(self.base_year) if self.base_year is not None else "a"
        if lang == "en":
            text = (f"T(y) = A + α·(y − {a}), α = ({b} − A)/({n} − {a}): fixed straight "
                    f"line from the base actual A to {b} in {n}; bounds 기준치 ± 2α with "
                    "기준치 = the line's previous-year value, re-anchored when the "
                    "previous actual is above the line")
            if self.rebase_every:
                text += f"; re-based every {self.rebase_every} years"
            return text
        text = (f"T(y) = A + α·(y − {a}), α = ({b} − A)/({n} − {a}): 기준 실적 A에서 {n}년 "
                f"목표 {b}까지 고정 직선, 최고/최저목표 = 기준치 ± 2α (기준치 = 직전연도 "
                "목표치, 직전연도 실적이 직선보다 높으면 그 실적에서 다시 긋기)")
        if self.rebase_every:
            text += f", {self.rebase_every}년마다 재설정"
        return text

    def phrase(self) -> str:
        return f"the straight line to {num(self.goal_value)} in {self.goal_year}"
