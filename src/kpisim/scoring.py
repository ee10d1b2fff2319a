"""Handbook scores (평점, 20–100) of actuals and of simulated paths.

Institutions are judged by the 공공기관 경영평가편람, whose quantitative
(계량) methods turn an actual into a score (평점) from 20 to 100. The functions
here are vectorised over actuals of any shape; :func:`score_simulation` scores
every simulated indicator on each kept path of a :class:`~kpisim.Simulation`
and gives E[평점], P(평점 = 100), P(평점 ≥ x) and the distribution of the
weighted total and of the institutional grade.

Methods (see ``docs/scoring.md`` for formulas and worked examples)
------------------------------------------------------------------
============  =====================  ==========================================
method        편람                    score
============  =====================  ==========================================
deviation     목표부여(편차)          20 + 80·(A − 최저)/(최고 − 최저), b ± kσ
ratio         목표부여(비율)          same, 최고/최저 = b × 110% (120%) / 80%
long_term     중장기 목표부여         a·this year + (1 − a)·3-year average
trend         추세치                  z = (A − Ŷ)/S from an OLS trend, 9 bands
beta          β분포                   z with Ŷ = (best + 4·prev + worst)/6
target_ratio  목표대실적              20 + 80·A/T (20 + 80·T/A decreasing)
============  =====================  ==========================================

Bounds come from :mod:`kpisim.rules` (``DeviationRule.bounds_array``,
``RatioRule`` and ``LongTermPath``); σ and the baseline are never recomputed
here. Every score is clipped to [20, 100]; NaN in gives NaN out.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpisim._rulebase import Rule
from kpisim._validation import KpisimError, is_finite_number
from kpisim.rules import DeviationRule, LongTermPath, RatioRule

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from kpisim.simulate import Simulation

__all__ = [
    "GRADES",
    "GRADE_POINTS",
    "INSTITUTION_GRADES",
    "METHODS",
    "TREND_CUTS",
    "TREND_Z_MAX",
    "ScoreResult",
    "ScoringError",
    "ScoringSpec",
    "TotalScore",
    "beta_prediction",
    "institution_grade",
    "score_beta",
    "score_between",
    "score_deviation",
    "score_long_term",
    "score_ratio",
    "score_simulation",
    "score_target_ratio",
    "score_trend",
    "score_z",
    "trend_prediction",
    "weighted_total",
]

#: Scoring methods a :class:`ScoringSpec` may name (plus ``"auto"``).
METHODS: tuple[str, ...] = ("deviation", "ratio", "long_term", "trend", "beta", "target_ratio")
#: Positive band edges of the 추세치/β분포 z (the nine bands are symmetric).
TREND_CUTS: tuple[float, ...] = (0.236, 0.707, 1.179, 1.650)
#: ``|z|`` at which the continuous 추세치 score reaches 100 (20 below); clipped beyond.
TREND_Z_MAX: float = 1.965
#: The nine grades, worst first.
GRADES: tuple[str, ...] = ("E0", "E+", "D0", "D+", "C", "B0", "B+", "A0", "A+")
#: 평점 of a grade: the 추세치 bands and non-quantitative (비계량) grades alike.
GRADE_POINTS: dict[str, float] = {g: 20.0 + 10.0 * i for i, g in enumerate(GRADES)}
#: Institutional grade by the weighted total: (grade, lowest total), best first.
INSTITUTION_GRADES: tuple[tuple[str, float], ...] = (
    ("S", 90.0), ("A", 80.0), ("B", 70.0), ("C", 60.0), ("D", 50.0), ("E", -math.inf))

_LOW, _HIGH = 20.0, 100.0
_AVERAGES = ("scores", "actuals")


class ScoringError(KpisimError):
    """A scoring request is inconsistent, or an indicator lacks what a method needs."""


# ---------------------------------------------------------------- helpers
def _sign(direction: str) -> float:
    if direction not in ("increase", "decrease", "maintain"):
        msg = f"`direction` must be 'increase', 'decrease' or 'maintain'; got {direction!r}"
        raise ScoringError(msg)
    return -1.0 if direction == "decrease" else 1.0


def _floats(*values: Any) -> list[NDArray[np.float64]]:
    arrays = [np.asarray(v, dtype=np.float64) for v in values]
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError as e:
        shapes = [a.shape for a in arrays]
        msg = f"shapes {shapes} are not compatible for broadcasting"
        raise ScoringError(msg) from e


def _out(x: NDArray[np.float64]) -> Any:
    """Clip to [20, 100]; a 0-d result comes back as a numpy scalar."""
    x = np.clip(x, _LOW, _HIGH)
    return x[()] if x.ndim == 0 else x


def _year_values(history: Any, before: int | None) -> tuple[NDArray, NDArray]:
    """Known (year, value) pairs before ``before`` from an Indicator, Series or mapping."""
    if hasattr(history, "observed") and hasattr(history, "kind"):
        history = history.observed
    if isinstance(history, (list, tuple, np.ndarray)):  # oldest first, consecutive years
        values = np.asarray(history, dtype=np.float64).ravel()
        end = before if before is not None else values.size
        history = dict(zip(range(end - values.size, end), values.tolist(), strict=True))
    if not isinstance(history, (pd.Series, Mapping)):
        msg = ("`history` must be an Indicator, a year-indexed Series or a mapping of "
               f"year to actual; got {type(history).__name__}")
        raise ScoringError(msg)
    pairs = sorted((int(y), float(v)) for y, v in history.items()
                   if v is not None and not (isinstance(v, float) and math.isnan(v))
                   and (before is None or int(y) < before))
    years = np.array([p[0] for p in pairs], dtype=np.float64)
    return years, np.array([p[1] for p in pairs], dtype=np.float64)


def _meta(history: Any, direction, category, kind) -> tuple[str, str | None, str | None]:
    """Direction, category and kind: explicit values win over the indicator's own."""
    tags = getattr(history, "tags", None)
    return (direction or getattr(history, "direction", None) or "increase",
            category or getattr(tags, "category", None),
            kind or getattr(history, "kind", None))


def _nanmean_rows(stack: NDArray) -> NDArray:
    """Mean over axis 0 ignoring NaN; NaN where every entry is NaN (no warning)."""
    count = np.sum(~np.isnan(stack), axis=0)
    total = np.nansum(stack, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


# --------------------------------------------------- the scoring functions
def score_between(actual: ArrayLike, highest: ArrayLike, lowest: ArrayLike, *,
                  direction: str = "increase") -> Any:
    """목표부여 (편차·비율·중장기) score: linear between the lowest and highest target.

    ``평점 = 20 + 80 × (actual − lowest) / (highest − lowest)``, clipped to
    [20, 100]. For a decreasing indicator the highest target is the lower
    number and the same formula reads ``20 + 80 × (lowest − actual) / (lowest −
    highest)``.

    Parameters
    ----------
    actual, highest, lowest : array_like
        Broadcast against each other (e.g. actuals of shape (n_paths,) and
        per-path bounds of the same shape, or scalars).
    direction : {"increase", "decrease", "maintain"}, default "increase"
        ``maintain`` scores like ``increase``.

    Returns
    -------
    ndarray or float
        The broadcast shape; NaN where any input is NaN.

    Notes
    -----
    The bounds are oriented by ``direction``: the highest target is the better
    of the two (the larger for an increasing indicator), so the score never
    falls as the actual improves, even where a negative baseline reverses the
    rule's bounds. When highest = lowest (σ = 0) the score is 100 for an actual
    at least as good as the target and 20 otherwise.

    Examples
    --------
    The handbook check: history 100, 105, 108, 112, 118, k = 2 → bounds
    130.24 / 105.76; the actual 121 scores 20 + 80 × 15.24/24.48 = 69.80

    >>> round(float(score_between(121, 130.24, 105.76)), 2)
    69.8
    """
    sign = _sign(direction)
    a, hi, lo = _floats(actual, highest, lowest)
    if sign > 0:
        hi, lo = np.maximum(hi, lo), np.minimum(hi, lo)
    else:
        hi, lo = np.minimum(hi, lo), np.maximum(hi, lo)
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = _LOW + (_HIGH - _LOW) * np.clip((a - lo) / width, 0.0, 1.0)
    s = np.where(width == 0, np.where(sign * (a - hi) >= 0, _HIGH, _LOW), s)
    s = np.where(np.isnan(a) | np.isnan(width), np.nan, s)
    return _out(s)


def _own_rule(history: Any, cls: type, year: int | None) -> Any:
    """The indicator's own rule (its part active in ``year``) if it is a ``cls``."""
    rule = getattr(history, "rule", None)
    rule = rule.active(year) if isinstance(rule, Rule) else None
    return rule if isinstance(rule, cls) else None


def _deviation_rule(rule: Any) -> DeviationRule:
    if rule is None:
        return DeviationRule()
    if not isinstance(rule, DeviationRule):
        msg = f"`rule` must be a DeviationRule; got {type(rule).__name__}"
        raise ScoringError(msg)
    return rule


def _ratio_rule(rule: Any, category: str | None) -> RatioRule:
    if rule is None:
        return RatioRule(high=1.20 if category == "주요사업" else 1.10)
    if not isinstance(rule, RatioRule):
        msg = f"`rule` must be a RatioRule; got {type(rule).__name__}"
        raise ScoringError(msg)
    return rule


def score_deviation(actual: ArrayLike, history: Any, year: int | None = None, *,
                    rule: DeviationRule | None = None, direction: str | None = None,
                    category: str | None = None, kind: str | None = None) -> Any:
    """목표부여(편차) score of ``actual`` against bounds from ``history``.

    ``최고목표 = b + k·σ``, ``최저목표 = b − k_low·σ`` (mirrored for decreasing),
    from :meth:`DeviationRule.bounds <kpisim.rules.DeviationRule.bounds>`, then
    ``평점 = 20 + 80 × (actual − 최저)/(최고 − 최저)`` (:func:`score_between`).

    Parameters
    ----------
    actual : array_like
        Actuals of the scored year, any shape.
    history : Indicator, Series, mapping or 1-D array_like
        The preceding actuals (an array is read oldest first).
    year : int, optional
        Scored year; only actuals before it are used (year-indexed history).
    rule : DeviationRule, optional
        Default: the indicator's own rule if it is a DeviationRule, else
        ``DeviationRule()`` (k = 2 for 주요사업, 1 for 경영관리, k_low = 2, σ with
        ddof = 0 over the last 5 actuals).
    direction, category, kind : str, optional
        Override the indicator's own.

    Examples
    --------
    With unrounded bounds (σ = 6.1188) the handbook check gives 69.81 (69.80
    with the bounds rounded to 130.24 / 105.76) and 86.41 for 경영관리:

    >>> h = [100, 105, 108, 112, 118]
    >>> round(float(score_deviation(121, h, category="주요사업")), 2)
    69.81
    >>> round(float(score_deviation(121, h, category="경영관리")), 2)
    86.41
    """
    direction, category, kind = _meta(history, direction, category, kind)
    rule = _deviation_rule(rule or _own_rule(history, DeviationRule, year))
    hi, lo = rule.bounds(history, year, direction=direction, category=category, kind=kind)
    return score_between(actual, hi, lo, direction=direction)


def score_ratio(actual: ArrayLike, history: Any, year: int | None = None, *,
                rule: RatioRule | None = None, direction: str | None = None,
                category: str | None = None, kind: str | None = None) -> Any:
    """목표부여(비율) score: ``최고 = b × high``, ``최저 = b × low`` (mirrored for decreasing).

    ``평점 = 20 + 80 × (actual − 최저)/(최고 − 최저)`` with the bounds of
    :class:`~kpisim.rules.RatioRule`; b = max(last actual, mean of the last 3).
    Without ``rule``: the indicator's own RatioRule, else high = 120% for
    주요사업 and 110% otherwise, low = 80%. Parameters as :func:`score_deviation`.
    """
    direction, category, kind = _meta(history, direction, category, kind)
    rule = _ratio_rule(rule or _own_rule(history, RatioRule, year), category)
    hi, lo = rule.bounds(history, year, direction=direction, category=category, kind=kind)
    return score_between(actual, hi, lo, direction=direction)


def score_target_ratio(actual: ArrayLike, target: ArrayLike, *,
                       direction: str = "increase") -> Any:
    """목표대실적 score: ``20 + 80 × actual/target`` (decreasing: ``20 + 80 × target/actual``).

    Clipped to [20, 100]. ``target`` must be positive. For a decreasing
    indicator an actual ≤ 0 scores 100 (the ratio is unbounded).

    Examples
    --------
    >>> float(score_target_ratio(108, 120))
    92.0
    >>> float(score_target_ratio(80, 50, direction="decrease"))
    70.0
    """
    sign = _sign(direction)
    a, t = _floats(actual, target)
    if np.any(t <= 0):
        msg = f"`target` must be positive for 목표대실적; got {t[t <= 0].ravel()[:3].tolist()}"
        raise ScoringError(msg)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = a / t if sign > 0 else np.where(a > 0, t / a, np.inf)
    ratio = np.where(np.isnan(a) | np.isnan(t), np.nan, ratio)
    return _out(_LOW + (_HIGH - _LOW) * np.clip(ratio, 0.0, 1.0))


def _check_bands(cuts: Sequence[float], z_max: float) -> NDArray:
    c = np.asarray(cuts, dtype=np.float64)
    if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)) or np.any(c <= 0) \
            or np.any(np.diff(c) <= 0):
        msg = f"`cuts` must be positive, finite and strictly increasing; got {list(cuts)}"
        raise ScoringError(msg)
    if not (is_finite_number(z_max) and z_max > c[-1]):
        msg = f"`z_max` must be a finite number above the last cut {c[-1]:g}; got {z_max!r}"
        raise ScoringError(msg)
    return c


def score_z(z: ArrayLike, *, banded: bool = False, cuts: Sequence[float] = TREND_CUTS,
            z_max: float = TREND_Z_MAX) -> Any:
    """추세치/β분포 score of a standardised deviation ``z`` (nine bands, E0 … A+).

    The band edges are ``±cuts``; with the default cuts
    ``|z| < 0.236`` → C 60, ``[0.236, 0.707)`` → B0 70, ``[0.707, 1.179)`` →
    B+ 80, ``[1.179, 1.650)`` → A0 90, ``≥ 1.650`` → A+ 100, mirrored below
    (D+ 50, D0 40, E+ 30, E0 20). ``len(cuts) = m`` gives ``2m + 1`` grades
    evenly spaced from 20 to 100.

    Parameters
    ----------
    z : array_like
        ``(actual − Ŷ)/S``, already signed so that larger is better.
    banded : bool, default False
        True: the handbook's step grades (a z on an edge takes the upper
        grade). False: the continuous variant, linear between the band
        mid-points (each inner band's mid-point gets its grade's score) and
        reaching 100 at ``z_max`` (20 at ``−z_max``).
    cuts : sequence of float, default :data:`TREND_CUTS`
    z_max : float, default :data:`TREND_Z_MAX` (1.965)
        Where the continuous variant saturates; beyond it the score is
        clipped to 100/20 (the step variant is 100/20 beyond the last cut).

    Notes
    -----
    Why continuous by default: E[평점] and P(평점 ≥ x) then move smoothly with
    the model instead of jumping 10 points at an edge, and the line agrees
    with the step grades at every band mid-point. Use ``banded=True`` for the
    score the handbook would actually award (and for P(평점 = 100), which
    differs: the step variant gives 100 from z = 1.650, the continuous one
    only from ``z_max``).

    Examples
    --------
    >>> float(score_z(1.0, banded=True)), round(float(score_z(1.0)), 2)
    (80.0, 81.21)
    """
    c = _check_bands(cuts, z_max)
    (zz,) = _floats(z)
    m = c.size
    levels = np.linspace(_LOW, _HIGH, 2 * m + 1)
    edges = np.concatenate([-c[::-1], c])
    if banded:
        idx = np.searchsorted(edges, np.nan_to_num(zz, nan=0.0), side="right")
        s = levels[idx]
    else:
        mids = (edges[:-1] + edges[1:]) / 2
        knots = np.concatenate([[-z_max], mids, [z_max]])
        s = np.interp(zz, knots, levels)
    return _out(np.where(np.isnan(zz), np.nan, s))


def _z(actual: NDArray, predicted: Any, se: Any, sign: float) -> NDArray:
    """``sign·(actual − Ŷ)/S``; with S = 0: ±inf, or 0 when actual = Ŷ."""
    a, p, s = _floats(actual, predicted, se)
    d = sign * (a - p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = d / s
    if np.any(s == 0):
        z = np.where(s == 0, np.where(d == 0, 0.0, np.copysign(np.inf, d)), z)
    return z


def trend_prediction(history: Any, year: int, *, window: int = 5) -> tuple[float, float]:
    """추세치 Ŷ and its prediction standard error S for ``year`` (statsmodels OLS).

    OLS of the last ``window`` known actuals before ``year`` on their years;
    ``Ŷ = â + b̂·year`` and ``S = s·sqrt(1 + 1/n + (year − x̄)²/Sxx)`` with
    ``s² = RSS/(n − 2)`` — statsmodels ``get_prediction(...).se_obs``, the
    standard error of a new observation (the half-width of ``obs_ci`` over
    the t quantile).

    Parameters
    ----------
    history : Indicator, Series, mapping of year to actual, or 1-D array_like
        An array is read oldest first, as the years just before ``year``.
    year : int
    window : int, default 5
        At least 3 actuals must exist (two residual degrees of freedom less).

    Returns
    -------
    (predicted, se) : tuple of float
    """
    from statsmodels.regression.linear_model import OLS

    years, values = _year_values(history, year)
    years, values = years[-window:], values[-window:]
    if values.size < 3:
        msg = f"추세치 needs at least 3 actuals before {year}; got {values.size}"
        raise ScoringError(msg)
    exog = np.column_stack([np.ones_like(years), years - year])  # centred on the year
    pred = OLS(values, exog).fit().get_prediction(np.array([[1.0, 0.0]]))
    return float(pred.predicted_mean[0]), float(pred.se_obs[0])


def beta_prediction(history: Any, year: int | None = None, *,
                    window: int = 5) -> tuple[float, float]:
    """β분포 (PERT) Ŷ and S from the last ``window`` actuals.

    ``Ŷ = (best + 4·previous + worst)/6``, ``S = |best − worst|/6``: best and
    worst are the highest and lowest of the last ``window`` actuals (which is
    which does not matter for Ŷ and S), previous the latest. Needs 2 actuals.
    """
    _, values = _year_values(history, year)
    values = values[-window:]
    if values.size < 2:
        msg = f"β분포 needs at least 2 actuals; got {values.size}"
        raise ScoringError(msg)
    hi, lo = float(values.max()), float(values.min())
    return (hi + 4 * float(values[-1]) + lo) / 6, (hi - lo) / 6


def score_trend(actual: ArrayLike, history: Any, year: int, *, direction: str | None = None,
                window: int = 5, banded: bool = False, cuts: Sequence[float] = TREND_CUTS,
                z_max: float = TREND_Z_MAX) -> Any:
    """추세치 score: ``z = (actual − Ŷ)/S`` (sign flipped for decreasing) through :func:`score_z`.

    Ŷ and S from :func:`trend_prediction`. With S = 0 (a perfectly linear
    history) z is +inf, −inf or 0.

    Examples
    --------
    History 10, 12, 13, 15 ('19–'22): Ŷ('23) = 16.5, S = 0.5; the actual 17 has
    z = 1:

    >>> h = {2019: 10, 2020: 12, 2021: 13, 2022: 15}
    >>> float(score_trend(17, h, 2023, banded=True))
    80.0
    """
    direction, _, _ = _meta(history, direction, None, None)
    ys, s = trend_prediction(history, year, window=window)
    return score_z(_z(np.asarray(actual, dtype=float), ys, s, _sign(direction)),
                   banded=banded, cuts=cuts, z_max=z_max)


def score_beta(actual: ArrayLike, history: Any, year: int | None = None, *,
               direction: str | None = None, window: int = 5, banded: bool = False,
               cuts: Sequence[float] = TREND_CUTS, z_max: float = TREND_Z_MAX) -> Any:
    """β분포 score: as :func:`score_trend` with Ŷ and S from :func:`beta_prediction`."""
    direction, _, _ = _meta(history, direction, None, None)
    ys, s = beta_prediction(history, year, window=window)
    return score_z(_z(np.asarray(actual, dtype=float), ys, s, _sign(direction)),
                   banded=banded, cuts=cuts, z_max=z_max)


def _long_term_kernel(hist: NDArray, years: NDArray, j: int, rule: LongTermPath, *,
                      a: float, average: str, direction: str) -> NDArray:
    """중장기 score of column ``j`` of ``hist`` (n, T); columns are consecutive years."""
    if years[j] > rule.goal_year:
        msg = f"중장기 목표부여: {int(years[j])} is after the goal year {rule.goal_year}"
        raise ScoringError(msg)
    if j < 1:
        msg = f"중장기 목표부여 needs the actual before {int(years[j])}"
        raise ScoringError(msg)
    sign = _sign(direction)
    line_rule = dataclasses.replace(rule, rounding=None)
    scores, acts, his, los = [], [], [], []
    for k in range(max(j - 2, 1), j + 1):
        prev = hist[:, k - 1]
        line = line_rule.next_target(prev, prev, None, year=int(years[k]), direction=direction)
        band = 2 * np.abs(line - prev)  # 2α, α = line − previous actual
        hi, lo = line + sign * band, line - sign * band
        scores.append(score_between(hist[:, k], hi, lo, direction=direction))
        acts.append(hist[:, k])
        his.append(hi)
        los.append(lo)
    now = scores[-1]
    if average == "scores":
        avg = _nanmean_rows(np.stack(scores))
    else:
        avg = score_between(_nanmean_rows(np.stack(acts)), _nanmean_rows(np.stack(his)),
                            _nanmean_rows(np.stack(los)), direction=direction)
    return a * now + (1 - a) * avg


def score_long_term(actual: ArrayLike, history: Any, year: int, *,
                    rule: LongTermPath | None = None, a: float = 0.5, average: str = "scores",
                    direction: str | None = None) -> Any:
    """중장기 목표부여 score: this year's position blended with the 3-year average.

    For each year y′ the bounds are ``line(y′) ± 2α`` on the straight path of
    :class:`~kpisim.rules.LongTermPath` re-anchored at the actual of y′ − 1
    (``α = line(y′) − A(y′ − 1)``); the band is oriented by the indicator's
    direction (width 4|α|). Then

    ``평점 = a × P(y) + (1 − a) × P̄₃``

    where P(y′) is :func:`score_between` of the year's actual and P̄₃ is, with
    ``average="scores"`` (default), the mean of P(y − 2), P(y − 1), P(y)
    — each year against its own bounds; with ``average="actuals"``, the score
    of the 3-year mean actual against the 3-year mean bounds. Years without a
    previous actual drop out of the average.

    Parameters
    ----------
    actual : array_like
        Actuals of ``year``, any shape.
    history : Indicator, Series or mapping of year to actual
        Actuals of y − 3 … y − 1.
    year : int
    rule : LongTermPath, optional
        Default: the indicator's own.
    a : float, default 0.5
        Weight of this year's position.
    average : {"scores", "actuals"}, default "scores"
    direction : str, optional
    """
    direction, _, _ = _meta(history, direction, None, None)
    _check_blend(a, average)
    rule = rule or _own_rule(history, LongTermPath, year)
    if not isinstance(rule, LongTermPath):
        msg = f"`rule` must be a LongTermPath (or the indicator's own); got {rule!r}"
        raise ScoringError(msg)
    known = dict(zip(*_year_values(history, year), strict=True))
    years = np.arange(year - 3, year + 1)
    (act,) = _floats(actual)
    row = np.array([known.get(float(y), np.nan) for y in years[:-1]])
    hist = np.column_stack([np.tile(row, (act.size, 1)), act.ravel()])
    out = _long_term_kernel(hist, years, 3, rule, a=a, average=average, direction=direction)
    return _out(out.reshape(act.shape))


def _check_blend(a: float, average: str) -> None:
    if not (is_finite_number(a) and 0 <= a <= 1):
        msg = f"`a` must be in [0, 1]; got {a!r}"
        raise ScoringError(msg)
    if average not in _AVERAGES:
        msg = f"`average` must be one of {list(_AVERAGES)}; got {average!r}"
        raise ScoringError(msg)


# ------------------------------------------------------- totals and grades
def weighted_total(scores: ArrayLike, weights: ArrayLike) -> Any:
    """Weighted mean of indicator scores along the last axis: ``Σ wᵢ·sᵢ / Σ wᵢ``.

    ``scores`` has shape (..., n_indicators); NaN propagates.
    """
    s, w = np.asarray(scores, dtype=float), np.asarray(weights, dtype=float)
    if w.ndim != 1 or s.shape[-1:] != w.shape or np.any(w < 0) or w.sum() <= 0:
        msg = (f"`weights` must be non-negative, not all zero, one per indicator "
               f"({s.shape[-1:]}); got {w.tolist()}")
        raise ScoringError(msg)
    return s @ w / w.sum()


def institution_grade(total: ArrayLike) -> NDArray:
    """Institutional grade of a weighted total: S ≥ 90, A 80–90, B 70–80, C 60–70, D 50–60, E < 50.

    Lower edges are inclusive (80 is A). NaN gives ``""``.
    """
    t = np.asarray(total, dtype=float)
    out = np.full(t.shape, "", dtype=object)
    for grade, low in reversed(INSTITUTION_GRADES):
        out[t >= low] = grade
    return out


# ----------------------------------------------------- simulation scoring
@dataclass(frozen=True, kw_only=True)
class ScoringSpec:
    """How one indicator is scored (the catalog may later carry this as ``scoring``).

    Parameters
    ----------
    method : {"auto", "deviation", "ratio", "long_term", "trend", "beta", "target_ratio"}
        ``auto``: the indicator's rule if it is a DeviationRule, RatioRule or
        LongTermPath (the part active in the scored year, for a sequence),
        else 목표대실적 against the stated target of the year, else skipped.
    weight : float, default 1
        Weight (가중치) in the total; non-negative.
    rule : Rule, optional
        Bounds for deviation / ratio / long_term instead of the indicator's
        rule (a long-term goal must come from one or the other). Without
        either, deviation uses ``DeviationRule()`` and ratio ``RatioRule``
        with 120% (주요사업) or 110%.
    ddof : int, optional
        The σ divisor of the deviation rule (0 = population, the default of
        the rule; 1 = sample) — the handbook does not say.
    target : float, optional
        목표대실적 target instead of the stated one.
    a, average
        중장기: weight of this year and how the 3-year average is taken
        (:func:`score_long_term`).
    window : int, default 5
        추세치/β분포: how many past actuals the trend uses.
    banded, cuts, z_max
        추세치/β분포 bands (:func:`score_z`).
    """

    method: str = "auto"
    weight: float = 1.0
    rule: Rule | None = None
    ddof: int | None = None
    target: float | None = None
    a: float = 0.5
    average: str = "scores"
    window: int = 5
    banded: bool = False
    cuts: tuple[float, ...] = TREND_CUTS
    z_max: float = TREND_Z_MAX

    def __post_init__(self) -> None:
        if self.method not in ("auto", *METHODS):
            msg = f"`method` must be one of {['auto', *METHODS]}; got {self.method!r}"
            raise ScoringError(msg)
        if not (is_finite_number(self.weight) and self.weight >= 0):
            msg = f"`weight` must be a finite number ≥ 0; got {self.weight!r}"
            raise ScoringError(msg)
        if self.rule is not None and not isinstance(self.rule, Rule):
            msg = f"`rule` must be a kpisim rule; got {type(self.rule).__name__}"
            raise ScoringError(msg)
        if self.ddof is not None and not (isinstance(self.ddof, int) and self.ddof >= 0):
            msg = f"`ddof` must be a non-negative integer; got {self.ddof!r}"
            raise ScoringError(msg)
        if self.target is not None and not (is_finite_number(self.target) and self.target > 0):
            msg = f"`target` must be a positive number; got {self.target!r}"
            raise ScoringError(msg)
        if not (isinstance(self.window, int) and self.window >= 2):
            msg = f"`window` must be an integer ≥ 2; got {self.window!r}"
            raise ScoringError(msg)
        _check_blend(self.a, self.average)
        object.__setattr__(self, "cuts", tuple(float(c) for c in self.cuts))
        _check_bands(self.cuts, self.z_max)


@dataclass(frozen=True)
class TotalScore:
    """Distribution of the weighted total over the kept paths, and of the grade.

    ``values`` (n_paths,), ``weights`` (Series by id), ``mean``, ``sd``,
    ``quantiles`` (Series by q), ``grades`` (P(grade), Series S … E) and
    ``n_paths`` (paths with every score defined).
    """

    values: NDArray[np.float64]
    weights: pd.Series
    mean: float
    sd: float
    quantiles: pd.Series
    grades: pd.Series
    n_paths: int

    def to_frame(self) -> pd.DataFrame:
        """One row: mean, sd, q…, p_S … p_E, n_paths."""
        row = {"mean": self.mean, "sd": self.sd}
        row |= {f"q{round(100 * q):02d}": v for q, v in self.quantiles.items()}
        row |= {f"p_{g}": p for g, p in self.grades.items()}
        row["n_paths"] = self.n_paths
        return pd.DataFrame([row])


@dataclass(frozen=True)
class ScoreResult:
    """What :func:`score_simulation` returns.

    Attributes
    ----------
    year : int
    table : DataFrame
        One row per scored indicator: ``id, name_ko, method, weight, mean,
        sd, q05, q50, q95, p_100, p_ge, points, observed, n_paths`` (mean =
        E[평점], p_ge = P(평점 ≥ threshold), points = weight × E[평점],
        observed = the year's actual is known).
    total : TotalScore
    scores : DataFrame
        Per-path 평점, rows = kept paths, columns = ids.
    skipped : dict of id to reason
    threshold : float
    """

    year: int
    table: pd.DataFrame
    total: TotalScore
    scores: pd.DataFrame
    skipped: dict[str, str]
    threshold: float


def _as_spec(value: Any, ident: str) -> ScoringSpec:
    if isinstance(value, ScoringSpec):
        return value
    if isinstance(value, str):
        return ScoringSpec(method=value)
    msg = f"scoring of `{ident}` must be a ScoringSpec or a method name; got {value!r}"
    raise ScoringError(msg)


def _auto(ind: Any, year: int) -> str:
    rule = ind.rule.active(year) if isinstance(ind.rule, Rule) else None
    for cls, method in ((DeviationRule, "deviation"), (RatioRule, "ratio"),
                        (LongTermPath, "long_term")):
        if isinstance(rule, cls):
            return method
    if is_finite_number(ind.targets.get(year)):
        return "target_ratio"
    msg = (f"no handbook rule (deviation, ratio, long_term_path) and no stated numeric "
           f"target for {year} to score against")
    raise ScoringError(msg)


def _rule(spec: ScoringSpec, ind: Any, year: int, cls: type) -> Any:
    """The spec's rule (which must fit), else the indicator's if it fits, else None."""
    if spec.rule is not None:
        rule = spec.rule.active(year)
        if not isinstance(rule, cls):
            msg = f"method `{spec.method}` needs a {cls.__name__}; got {type(rule).__name__}"
            raise ScoringError(msg)
        return rule
    rule = ind.rule.active(year) if isinstance(ind.rule, Rule) else None
    return rule if isinstance(rule, cls) else None


def _trend_vec(hist: NDArray, years: NDArray, year: int, window: int,
               beta: bool) -> tuple[NDArray, NDArray]:
    """Per-path Ŷ, S from ``hist`` (n, T) of past actuals — closed-form OLS or PERT."""
    cols = np.flatnonzero(~np.isnan(hist).all(axis=0))[-window:]
    need = 2 if beta else 3
    if cols.size < need:
        name = "β분포" if beta else "추세치"
        msg = f"{name} needs at least {need} actuals before {year}; got {cols.size}"
        raise ScoringError(msg)
    y = hist[:, cols]
    if beta:
        hi, lo = y.max(axis=1), y.min(axis=1)
        return (hi + 4 * y[:, -1] + lo) / 6, (hi - lo) / 6
    x = years[cols].astype(float) - year
    n, xbar = x.size, x.mean()
    xc = x - xbar
    sxx = float(xc @ xc)
    ybar = y.mean(axis=1)
    slope = (y - ybar[:, None]) @ xc / sxx
    resid = y - ybar[:, None] - slope[:, None] * xc
    s2 = np.sum(resid**2, axis=1) / (n - 2)
    return ybar - slope * xbar, np.sqrt(s2 * (1 + 1 / n + xbar**2 / sxx))


def _score_paths(spec: ScoringSpec, method: str, ind: Any, hist: NDArray, years: NDArray,
                 j: int, year: int) -> NDArray:
    """Per-path 평점 of column ``j`` of ``hist`` (known + simulated actuals)."""
    direction, category = ind.direction, ind.tags.category
    actual, past = hist[:, j], hist[:, :j]
    if method in ("deviation", "ratio") and j == 0:
        msg = f"no actual before {year} to set the bounds from"
        raise ScoringError(msg)
    if method == "deviation":
        rule = _deviation_rule(_rule(spec, ind, year, DeviationRule))
        if spec.ddof is not None:
            rule = dataclasses.replace(rule, ddof=spec.ddof)
        hi, lo = rule.bounds_array(past, direction=direction, category=category,
                                   share=ind.kind == "share")
        return score_between(actual, hi, lo, direction=direction)
    if method == "ratio":
        rule = dataclasses.replace(_ratio_rule(_rule(spec, ind, year, RatioRule), category),
                                   rounding=None)
        kw = {"year": year, "direction": direction, "share": ind.kind == "share"}
        hi = rule.next_target(past[:, -1], past[:, -1], past, **kw)
        low_rule = dataclasses.replace(rule, high=rule.low)  # the rule's own mirroring
        lo = low_rule.next_target(past[:, -1], past[:, -1], past, **kw)
        return score_between(actual, hi, lo, direction=direction)
    if method == "long_term":
        rule = _rule(spec, ind, year, LongTermPath)
        if rule is None:
            msg = "중장기 목표부여 needs a LongTermPath rule (goal_year, goal_value)"
            raise ScoringError(msg)
        return _long_term_kernel(hist, years, j, rule, a=spec.a, average=spec.average,
                                 direction=direction)
    if method in ("trend", "beta"):
        ys, s = _trend_vec(past, years[:j], year, spec.window, method == "beta")
        return score_z(_z(actual, ys, s, _sign(direction)), banded=spec.banded,
                       cuts=spec.cuts, z_max=spec.z_max)
    target = spec.target if spec.target is not None else ind.targets.get(year)
    if not is_finite_number(target):
        msg = f"목표대실적 needs a numeric target for {year}; the indicator states {target!r}"
        raise ScoringError(msg)
    return score_target_ratio(actual, float(target), direction=direction)


def _history(sim: Simulation, ident: str, year: int) -> tuple[NDArray, NDArray, int]:
    """Known actuals before the grid, then the kept paths: (n, T), years, column of ``year``."""
    ind = sim._track(ident).indicator
    grid = sim.paths(ident).to_numpy(dtype=float)
    obs = ind.observed
    first = int(obs.index[0]) if len(obs) else int(sim.years[0])
    pre_years = np.arange(first, int(sim.years[0]))
    pre = np.array([float(obs.get(int(y), np.nan)) for y in pre_years])
    hist = np.concatenate([np.tile(pre, (grid.shape[0], 1)), grid], axis=1)
    years = np.concatenate([pre_years, np.asarray(sim.years)])
    j = int(np.searchsorted(years, year))
    return hist[:, : j + 1], years[: j + 1], j


def score_simulation(sim: Simulation, year: int, *,
                     methods: Mapping[str, ScoringSpec | str] | None = None,
                     default: ScoringSpec | str | None = "auto", threshold: float = 80.0,
                     quantiles: Sequence[float] = (0.05, 0.5, 0.95),
                     nonquantitative: Mapping[str, tuple[str | float, float]] | None = None,
                     ) -> ScoreResult:
    """Score every simulated indicator in ``year`` on each kept path.

    Parameters
    ----------
    sim : Simulation
    year : int
        A year of the simulation grid.
    methods : mapping of id to ScoringSpec or method name, optional
        How each indicator is scored (and weighted).
    default : ScoringSpec, method name or None, default "auto"
        For indicators not in ``methods``; None skips them.
    threshold : float, default 80
        ``p_ge`` is P(평점 ≥ threshold).
    quantiles : sequence of 3 floats, default (0.05, 0.5, 0.95)
        Reported as ``q05, q50, q95`` (named by percent).
    nonquantitative : mapping of name to (grade or 평점, weight), optional
        비계량 indicators with an assumed grade (:data:`GRADE_POINTS`: A+ 100,
        A0 90, B+ 80, B0 70, C 60, D+ 50, D0 40, E+ 30, E0 20) or score; they
        enter the total as constants.

    Returns
    -------
    ScoreResult

    Notes
    -----
    Paths are the simulation's kept sample (the first ``keep_paths``, a
    uniform sample). Path i of every indicator comes from the same simulated
    world, so the weighted total is taken path by path.

    For deviation, ratio, long_term, trend and beta in a simulated year the
    bounds (or Ŷ and S) use the history up to the previous year **on each
    path** — known actuals, then that path's simulated values of the earlier
    years — as the handbook sets each year's bounds from the preceding
    actuals (``DeviationRule.bounds_array``, ``RatioRule.next_target`` and
    ``LongTermPath.next_target``, all vectorised over paths; unrounded).
    Indicators a method cannot score are listed in ``skipped`` with the
    reason.
    """
    if not (isinstance(year, (int, np.integer)) and year in {int(y) for y in sim.years}):
        msg = (f"`year` must be a year of the simulation grid "
               f"{int(sim.years[0])}–{int(sim.years[-1])}; got {year!r}")
        raise ScoringError(msg)
    year = int(year)
    if not is_finite_number(threshold):
        msg = f"`threshold` must be a finite number; got {threshold!r}"
        raise ScoringError(msg)
    methods = dict(methods or {})
    unknown = sorted(k for k in methods if k not in sim.ids and k not in sim.skipped)
    if unknown:
        msg = f"`methods` names indicators not in the simulation: {unknown}"
        raise ScoringError(msg)
    q = np.asarray(quantiles, dtype=float)
    if q.shape != (3,) or np.any((q < 0) | (q > 1)):
        msg = f"`quantiles` must be 3 probabilities in [0, 1]; got {list(quantiles)}"
        raise ScoringError(msg)
    skipped = {k: f"not simulated: {v}" for k, v in sim.skipped.items()}
    cols, rows = {}, []
    for ident in sim.ids:
        if ident not in methods and default is None:
            skipped[ident] = "no scoring method given"
            continue
        spec = _as_spec(methods.get(ident, default), ident)
        ind = sim._track(ident).indicator
        try:
            method = _auto(ind, year) if spec.method == "auto" else spec.method
            hist, years, j = _history(sim, ident, year)
            s = np.clip(_score_paths(spec, method, ind, hist, years, j, year), _LOW, _HIGH)
        except KpisimError as e:
            skipped[ident] = str(e)
            continue
        if not np.isfinite(s).any():
            skipped[ident] = f"method `{method}` gives no defined score on any path"
            continue
        cols[ident] = s
        rows.append(_row(ident, ind.name_ko, method, spec.weight, s, q, threshold,
                         observed=year <= sim._track(ident).last_year))
    n = len(next(iter(cols.values()))) if cols else 1
    for name, (grade, weight) in (nonquantitative or {}).items():
        value = GRADE_POINTS.get(grade, grade) if isinstance(grade, str) else grade
        if not (is_finite_number(value) and _LOW <= value <= _HIGH):
            msg = (f"non-quantitative `{name}`: the grade must be one of "
                   f"{list(GRADE_POINTS)} or a 평점 in [20, 100]; got {grade!r}")
            raise ScoringError(msg)
        weight = ScoringSpec(weight=weight).weight  # validated like any weight
        cols[name] = np.full(n, float(value))
        rows.append(_row(name, name, "non_quantitative", weight, cols[name], q, threshold,
                         observed=True))
    if not cols:
        msg = f"nothing to score in {year}: " + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        raise ScoringError(msg)
    scores = pd.DataFrame(cols)
    scores.index.name = "path"
    table = pd.DataFrame(rows)
    weights = pd.Series(table["weight"].to_numpy(), index=table["id"], name="weight")
    total = _total(weighted_total(scores.to_numpy(), weights.to_numpy()), weights, q)
    return ScoreResult(year=year, table=table, total=total, scores=scores, skipped=skipped,
                       threshold=float(threshold))


def _qname(q: float) -> str:
    return f"q{round(100 * q):02d}"


def _row(ident: str, name: str, method: str, weight: float, s: NDArray, q: NDArray,
         threshold: float, *, observed: bool) -> dict[str, Any]:
    ok = s[np.isfinite(s)]
    qs = np.quantile(ok, q)
    mean = float(ok.mean())
    return {"id": ident, "name_ko": name, "method": method, "weight": float(weight),
            "mean": mean, "sd": float(ok.std(ddof=1)) if ok.size > 1 else 0.0,
            **{_qname(p): float(v) for p, v in zip(q, qs, strict=True)},
            "p_100": float(np.mean(ok >= _HIGH)), "p_ge": float(np.mean(ok >= threshold)),
            "points": float(weight) * mean, "observed": bool(observed), "n_paths": int(ok.size)}


def _total(values: NDArray, weights: pd.Series, q: NDArray) -> TotalScore:
    ok = values[np.isfinite(values)]
    if ok.size == 0:
        msg = "the weighted total is undefined on every path"
        raise ScoringError(msg)
    grades = institution_grade(ok)
    probs = pd.Series({g: float(np.mean(grades == g)) for g, _ in INSTITUTION_GRADES},
                      name="prob")
    return TotalScore(values=values, weights=weights, mean=float(ok.mean()),
                      sd=float(ok.std(ddof=1)) if ok.size > 1 else 0.0,
                      quantiles=pd.Series(np.quantile(ok, q), index=q, name="total"),
                      grades=probs, n_paths=int(ok.size))
