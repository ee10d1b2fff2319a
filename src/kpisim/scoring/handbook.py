"""The handbook's scoring methods (평점, 20–100), vectorised over actuals.

The public names are re-exported by :mod:`kpisim.scoring`, which documents
the methods; this module holds their formulas (scores of actuals, no
simulation). Its underscore helpers are for :mod:`kpisim.scoring` only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpisim._validation import RuleError, ScoringError, is_finite_number
from kpisim.indicator import DIRECTIONS, SCORING_METHODS, direction_sign
from kpisim.rules import DeviationRule, LongTermPath, RatioRule, Rule

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


#: Scoring methods a :class:`ScoringSpec` may name (plus ``"auto"``).
METHODS: tuple[str, ...] = SCORING_METHODS
#: Positive band edges of the 추세치/β분포 z (the nine bands are symmetric).
TREND_CUTS: tuple[float, ...] = (0.236, 0.707, 1.179, 1.650)
#: Outer edge of the 추세치 table 표1/표2 (A+ ends, E0 starts, at ±1.965).
TREND_Z_MAX: float = 1.965
#: How :func:`score_z` interpolates when not banded.
Z_INTERPOLATIONS: tuple[str, ...] = ("handbook", "midpoints")
#: What :func:`z_points` does beyond ±z_max.
Z_TAILS: tuple[str, ...] = ("extend", "full", "hold")
#: The nine grades, worst first.
GRADES: tuple[str, ...] = ("E0", "E+", "D0", "D+", "C", "B0", "B+", "A0", "A+")
#: 평점 of a grade: the 추세치 bands and non-quantitative (비계량) grades alike.
GRADE_POINTS: dict[str, float] = {g: 20.0 + 10.0 * i for i, g in enumerate(GRADES)}
_LOW, _HIGH = 20.0, 100.0
_AVERAGES = ("actuals", "scores")


# ---------------------------------------------------------------- helpers
def _sign(direction: str) -> float:
    if direction not in DIRECTIONS:
        msg = f"`direction` must be 'increase', 'decrease' or 'maintain'; got {direction!r}"
        raise ScoringError(msg)
    return direction_sign(direction)


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
        msg = (
            "`history` must be an Indicator, a year-indexed Series or a mapping of "
            f"year to actual; got {type(history).__name__}"
        )
        raise ScoringError(msg)
    pairs = sorted(
        (int(y), float(v))
        for y, v in history.items()
        if v is not None
        and not (isinstance(v, float) and math.isnan(v))
        and (before is None or int(y) < before)
    )
    years = np.array([p[0] for p in pairs], dtype=np.float64)
    return years, np.array([p[1] for p in pairs], dtype=np.float64)


def _meta(history: Any, direction, category, kind) -> tuple[str, str | None, str | None]:
    """Direction, category and kind: explicit values win over the indicator's own."""
    tags = getattr(history, "tags", None)
    return (
        direction or getattr(history, "direction", None) or "increase",
        category or getattr(tags, "category", None),
        kind or getattr(history, "kind", None),
    )


def _nanmean_rows(stack: NDArray) -> NDArray:
    """Mean over axis 0 ignoring NaN; NaN where every entry is NaN (no warning)."""
    count = np.sum(~np.isnan(stack), axis=0)
    total = np.nansum(stack, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


# --------------------------------------------------- the scoring functions
def score_between(
    actual: ArrayLike, highest: ArrayLike, lowest: ArrayLike, *, direction: str = "increase"
) -> Any:
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


def score_deviation(
    actual: ArrayLike,
    history: Any,
    year: int | None = None,
    *,
    rule: DeviationRule | None = None,
    direction: str | None = None,
    category: str | None = None,
    kind: str | None = None,
) -> Any:
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
    return _score_in_bounds(actual, history, year, rule, direction, category, kind)


def score_ratio(
    actual: ArrayLike,
    history: Any,
    year: int | None = None,
    *,
    rule: RatioRule | None = None,
    direction: str | None = None,
    category: str | None = None,
    kind: str | None = None,
) -> Any:
    """목표부여(비율) score: ``최고 = b × high``, ``최저 = b × low`` (mirrored for decreasing).

    ``평점 = 20 + 80 × (actual − 최저)/(최고 − 최저)`` with the bounds of
    :class:`~kpisim.rules.RatioRule`; b = max(last actual, mean of the last 3).
    Without ``rule``: the indicator's own RatioRule, else high = 120% for
    주요사업 and 110% otherwise, low = 80%. Parameters as :func:`score_deviation`.
    """
    direction, category, kind = _meta(history, direction, category, kind)
    rule = _ratio_rule(rule or _own_rule(history, RatioRule, year), category)
    return _score_in_bounds(actual, history, year, rule, direction, category, kind)


def _score_in_bounds(actual, history, year, rule, direction, category, kind) -> Any:
    """:func:`score_between` the bounds (최고, 최저) of a bounded rule over ``history``."""
    hi, lo = rule.bounds(history, year, direction=direction, category=category, kind=kind)
    return score_between(actual, hi, lo, direction=direction)


def score_target_ratio(actual: ArrayLike, target: ArrayLike, *, direction: str = "increase") -> Any:
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
    if (
        c.ndim != 1
        or c.size == 0
        or not np.all(np.isfinite(c))
        or np.any(c <= 0)
        or np.any(np.diff(c) <= 0)
    ):
        msg = f"`cuts` must be positive, finite and strictly increasing; got {list(cuts)}"
        raise ScoringError(msg)
    if not (is_finite_number(z_max) and z_max > c[-1]):
        msg = f"`z_max` must be a finite number above the last cut {c[-1]:g}; got {z_max!r}"
        raise ScoringError(msg)
    return c


def _check_z_options(interpolation: str, tails: str) -> None:
    if interpolation not in Z_INTERPOLATIONS:
        msg = f"`interpolation` must be one of {list(Z_INTERPOLATIONS)}; got {interpolation!r}"
        raise ScoringError(msg)
    if tails not in Z_TAILS:
        msg = f"`tails` must be one of {list(Z_TAILS)}; got {tails!r}"
        raise ScoringError(msg)


def trend_table(
    cuts: Sequence[float] = TREND_CUTS, z_max: float = TREND_Z_MAX
) -> tuple[NDArray, NDArray]:
    """The 표2 knots: band edges in z and the 득점 (%) at each edge.

    Edges ``−z_max, −cuts[::-1], cuts, z_max``; 득점 ``u·(1, 2, 4, …, 4m, 4m + 1)``
    with ``u = round(100/(4m + 2), 3)`` for ``m = len(cuts)``. The handbook's
    table (m = 4) has u = 5.556: E0 runs 5.556 → 11.112, the seven inner bands
    add 11.112 each, A+ runs 88.896 → 94.452.

    Examples
    --------
    >>> z, pct = trend_table()
    >>> [round(float(v), 3) for v in pct]
    [5.556, 11.112, 22.224, 33.336, 44.448, 55.56, 66.672, 77.784, 88.896, 94.452]
    """
    c = _check_bands(cuts, z_max)
    m = c.size
    unit = round(100.0 / (4 * m + 2), 3)
    edges = np.concatenate([[-z_max], -c[::-1], c, [z_max]])
    steps = np.concatenate([[1.0], 2.0 * np.arange(1, 2 * m + 1), [4.0 * m + 1]])
    return edges, unit * steps


def z_points(
    z: ArrayLike,
    *,
    cuts: Sequence[float] = TREND_CUTS,
    z_max: float = TREND_Z_MAX,
    tails: str = "extend",
) -> Any:
    """표2 득점 (%, 0–100) of ``z``: linear inside each of the nine bands.

    ``득점 = low + (high − low) × frac``, frac = the position of z inside its
    band (:func:`trend_table` gives the edges); clipped to [0, 100].

    Parameters
    ----------
    z : array_like
    cuts, z_max
        The band edges (default: the handbook's ±0.236 … ±1.650 and ±1.965).
    tails : {"extend", "full", "hold"}, default "extend"
        Beyond ±z_max, where the handbook text is uncertain: ``"extend"``
        continues the outer band's line (5.556 % per 0.315 of z) until the
        clip at 0 / 100 % (reached at ``|z|`` ≈ 2.28); ``"full"`` gives 100 %
        above z_max and 0 % below −z_max (a jump); ``"hold"`` keeps the edge
        values 94.452 % / 5.556 %.
    """
    _check_z_options("handbook", tails)
    edges, pct = trend_table(cuts, z_max)
    (zz,) = _floats(z)
    out = np.interp(zz, edges, pct)
    if tails == "extend":
        lo_slope = (pct[1] - pct[0]) / (edges[1] - edges[0])
        hi_slope = (pct[-1] - pct[-2]) / (edges[-1] - edges[-2])
        with np.errstate(invalid="ignore", over="ignore"):
            below = pct[0] + (zz - edges[0]) * lo_slope
            above = pct[-1] + (zz - edges[-1]) * hi_slope
        out = np.where(zz < edges[0], below, np.where(zz > edges[-1], above, out))
    elif tails == "full":
        out = np.where(zz < edges[0], 0.0, np.where(zz > edges[-1], 100.0, out))
    out = np.where(np.isnan(zz), np.nan, np.clip(out, 0.0, 100.0))
    return out[()] if out.ndim == 0 else out


def score_z(
    z: ArrayLike,
    *,
    banded: bool = False,
    cuts: Sequence[float] = TREND_CUTS,
    z_max: float = TREND_Z_MAX,
    interpolation: str = "handbook",
    tails: str = "extend",
) -> Any:
    """추세치/β분포 평점 of a standardised deviation ``z`` (nine bands, E0 … A+).

    Default (the handbook's 표2): 득점 is linear *inside* each band
    (:func:`z_points`), then ``평점 = 20 + 80 × 득점/100``:

    ========  ================  ==================
    band      z                 득점 %
    ========  ================  ==================
    E0        −1.965 … −1.650   5.556 + 5.556·f
    E+        −1.650 … −1.179   11.112 + 11.112·f
    D0        −1.179 … −0.707   22.224 + 11.112·f
    D+        −0.707 … −0.236   33.336 + 11.112·f
    C         −0.236 … 0.236    44.448 + 11.112·f
    B0        0.236 … 0.707     55.560 + 11.112·f
    B+        0.707 … 1.179     66.672 + 11.112·f
    A0        1.179 … 1.650     77.784 + 11.112·f
    A+        1.650 … 1.965     88.896 + 5.556·f
    ========  ================  ==================

    f = the position of z inside its band; 득점 clipped to [0, 100 %].

    Parameters
    ----------
    z : array_like
        ``(actual − Ŷ)/S``, already signed so that larger is better (a
        decreasing indicator passes ``(Ŷ − actual)/S``: the mirror).
    banded : bool, default False
        True: step grades instead (``|z| < 0.236`` → C 60, ``[0.236, 0.707)``
        → B0 70, ``[0.707, 1.179)`` → B+ 80, ``[1.179, 1.650)`` → A0 90,
        ``≥ 1.650`` → A+ 100, mirrored below; an edge takes the upper grade).
    cuts : sequence of float, default :data:`TREND_CUTS`
        Positive inner band edges; ``m`` cuts give ``2m + 1`` bands.
    z_max : float, default :data:`TREND_Z_MAX` (1.965)
        The outer edge of the table.
    interpolation : {"handbook", "midpoints"}, default "handbook"
        ``"midpoints"``: kpisim's earlier continuous variant, linear between
        the band mid-points (each carrying its step grade) and reaching
        100/20 at ±z_max. Ignored when ``banded``.
    tails : {"extend", "full", "hold"}, default "extend"
        The handbook interpolation beyond ±z_max (:func:`z_points`).

    Notes
    -----
    **Changed default.** ``banded=False`` used to mean the mid-point line
    (z = 1.0 → 81.21); it now means the handbook's 표2 (z = 1.0 → 78.86). Pass
    ``interpolation="midpoints"`` for the old numbers.

    Examples
    --------
    The handbook's checks: z = 1.0 lies in B+ at f = 0.293/0.472, 득점 =
    66.672 + 11.112 × 0.6208 = 73.570 %, 평점 = 20 + 80 × 0.7357 = 78.86:

    >>> [round(float(score_z(z)), 2) for z in (1.0, 1.4, 1.8, -0.394)]
    [78.86, 86.4, 93.23, 52.58]
    >>> float(score_z(1.0, banded=True))
    80.0
    """
    _check_z_options(interpolation, tails)
    c = _check_bands(cuts, z_max)
    (zz,) = _floats(z)
    m = c.size
    levels = np.linspace(_LOW, _HIGH, 2 * m + 1)
    edges = np.concatenate([-c[::-1], c])
    if banded:
        idx = np.searchsorted(edges, np.nan_to_num(zz, nan=0.0), side="right")
        s = levels[idx]
    elif interpolation == "midpoints":
        mids = (edges[:-1] + edges[1:]) / 2
        knots = np.concatenate([[-z_max], mids, [z_max]])
        s = np.interp(zz, knots, levels)
    else:
        s = _LOW + (_HIGH - _LOW) * np.asarray(
            z_points(zz, cuts=cuts, z_max=z_max, tails=tails)) / 100.0
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
    ref = values[-1]  # relative to the last actual: a constant history is exact (S = 0)
    pred = OLS(values - ref, exog).fit().get_prediction(np.array([[1.0, 0.0]]))
    return ref + float(pred.predicted_mean[0]), float(pred.se_obs[0])


def beta_prediction(
    history: Any, year: int | None = None, *, window: int = 5
) -> tuple[float, float]:
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
    ys, s = _pert_rows(values[np.newaxis, :])
    return float(ys[0]), float(s[0])


def _pert_rows(y: NDArray) -> tuple[NDArray, NDArray]:
    """PERT Ŷ = (hi + 4·last + lo)/6 and S = (hi − lo)/6 of each row of ``y`` (n, w)."""
    hi, lo, last = y.max(axis=1), y.min(axis=1), y[:, -1]
    # (hi + 4·last + lo)/6 written relative to the last actual: exact when constant
    return last + ((hi - last) + (lo - last)) / 6, (hi - lo) / 6


def _trend_vec(
    hist: NDArray, years: NDArray, year: int, window: int, beta: bool
) -> tuple[NDArray, NDArray]:
    """Per-path Ŷ, S from ``hist`` (n, T) of past actuals — closed-form OLS or PERT.

    The vectorised path of :func:`trend_prediction` (the same OLS in closed
    form, checked against statsmodels in the tests) and of
    :func:`beta_prediction` (the same PERT kernel, :func:`_pert_rows`).
    """
    cols = np.flatnonzero(~np.isnan(hist).all(axis=0))[-window:]
    need = 2 if beta else 3
    if cols.size < need:
        name = "β분포" if beta else "추세치"
        msg = f"{name} needs at least {need} actuals before {year}; got {cols.size}"
        raise ScoringError(msg)
    y = hist[:, cols]
    if beta:
        return _pert_rows(y)
    ref = y[:, -1:]  # relative to the last actual, as trend_prediction
    y = y - ref
    x = years[cols].astype(float) - year
    n, xbar = x.size, x.mean()
    xc = x - xbar
    sxx = float(xc @ xc)
    ybar = y.mean(axis=1)
    slope = (y - ybar[:, None]) @ xc / sxx
    resid = y - ybar[:, None] - slope[:, None] * xc
    s2 = np.sum(resid**2, axis=1) / (n - 2)
    return ref[:, 0] + ybar - slope * xbar, np.sqrt(s2 * (1 + 1 / n + xbar**2 / sxx))


def _score_prediction(
    actual: ArrayLike,
    ys: Any,
    s: Any,
    direction: str,
    **bands: Any,
) -> Any:
    """Score ``actual`` by its z against a prediction Ŷ with standard error S."""
    z = _z(np.asarray(actual, dtype=float), ys, s, _sign(direction))
    return score_z(z, **bands)


def score_trend(
    actual: ArrayLike,
    history: Any,
    year: int,
    *,
    direction: str | None = None,
    window: int = 5,
    banded: bool = False,
    cuts: Sequence[float] = TREND_CUTS,
    z_max: float = TREND_Z_MAX,
    interpolation: str = "handbook",
    tails: str = "extend",
) -> Any:
    """추세치 score: ``z = (actual − Ŷ)/S`` (sign flipped for decreasing) through :func:`score_z`.

    Ŷ and S from :func:`trend_prediction`. With S = 0 (a perfectly linear
    history) z is +inf, −inf or 0. ``banded``, ``cuts``, ``z_max``,
    ``interpolation`` and ``tails`` as :func:`score_z` (default: the
    handbook's 표2, linear inside each band).

    Examples
    --------
    History 10, 12, 13, 15 ('19–'22): Ŷ('23) = 16.5, S = 0.5; the actual 17 has
    z = 1 (B+, 표2 → 78.86):

    >>> h = {2019: 10, 2020: 12, 2021: 13, 2022: 15}
    >>> round(float(score_trend(17, h, 2023)), 2), float(score_trend(17, h, 2023, banded=True))
    (78.86, 80.0)
    """
    direction, _, _ = _meta(history, direction, None, None)
    ys, s = trend_prediction(history, year, window=window)
    return _score_prediction(actual, ys, s, direction, banded=banded, cuts=cuts, z_max=z_max,
                             interpolation=interpolation, tails=tails)


def score_beta(
    actual: ArrayLike,
    history: Any,
    year: int | None = None,
    *,
    direction: str | None = None,
    window: int = 5,
    banded: bool = False,
    cuts: Sequence[float] = TREND_CUTS,
    z_max: float = TREND_Z_MAX,
    interpolation: str = "handbook",
    tails: str = "extend",
) -> Any:
    """β분포 score: as :func:`score_trend` with Ŷ and S from :func:`beta_prediction`."""
    direction, _, _ = _meta(history, direction, None, None)
    ys, s = beta_prediction(history, year, window=window)
    return _score_prediction(actual, ys, s, direction, banded=banded, cuts=cuts, z_max=z_max,
                             interpolation=interpolation, tails=tails)


def _line_start(rule: LongTermPath, hist: NDArray, years: NDArray) -> int:
    """The base year of the line: the rule's, else the first year with an actual."""
    if rule.base_year is not None:
        return int(rule.base_year)
    finite = np.flatnonzero(~np.isnan(hist).all(axis=0))
    if not finite.size:
        msg = "중장기 목표부여 needs an actual to start the line"
        raise ScoringError(msg)
    return int(years[finite[0]])


def _long_term_kernel(
    hist: NDArray,
    years: NDArray,
    j: int,
    rule: LongTermPath,
    *,
    a: float,
    average: str,
    direction: str,
    recent: int = 3,
) -> NDArray:
    """중장기 평점 of column ``j`` of ``hist`` (n, T); columns are consecutive years.

    The bounds of every year come from :meth:`LongTermPath.bounds_paths` on
    each path's own actuals; the recent window is ``min(recent, t − a)``
    years ending with t (a = the base year).
    """
    if years[j] > rule.goal_year:
        msg = f"중장기 목표부여: {int(years[j])} is after the goal year {rule.goal_year}"
        raise ScoringError(msg)
    start = _line_start(rule, hist[:, :j], years[:j]) if j else int(years[j])
    since = int(years[j]) - start
    if since < 1:
        msg = (f"중장기 목표부여 needs the line's base year before {int(years[j])}; "
               f"it starts in {start}")
        raise ScoringError(msg)
    try:
        hi, lo, _ = rule.bounds_paths(hist[:, : j + 1], years[: j + 1], direction=direction)
    except RuleError as e:
        raise ScoringError(str(e)) from e
    cols = list(range(j - min(recent, since) + 1, j + 1))
    now = score_between(hist[:, j], hi[:, j], lo[:, j], direction=direction)
    if average == "scores":
        avg = _nanmean_rows(np.stack([
            score_between(hist[:, k], hi[:, k], lo[:, k], direction=direction) for k in cols
        ]))
    else:
        avg = score_between(
            _nanmean_rows(hist[:, cols].T),
            _nanmean_rows(hi[:, cols].T),
            _nanmean_rows(lo[:, cols].T),
            direction=direction,
        )
    return a * np.asarray(now) + (1 - a) * np.asarray(avg)


def score_long_term(
    actual: ArrayLike,
    history: Any,
    year: int,
    *,
    rule: LongTermPath | None = None,
    a: float = 0.5,
    average: str = "actuals",
    direction: str | None = None,
    recent: int = 3,
) -> Any:
    """중장기 목표부여 평점: this year's position blended with the recent years'.

    The bounds of each year t′ come from the handbook's fixed line
    (:class:`~kpisim.rules.LongTermPath`): 기준치 = line(t′ − 1), 최고/최저 =
    기준치 ± 2α, re-anchored only when the previous actual is above the line,
    B := the actual once B is exceeded (최저 = 최고 − α). Then

    ``평점 = 20 + 80 × [a · p(A_t; 최고_t, 최저_t) + (1 − a) · p(Ā; 최고̄, 최저̄)]``

    where p(x; hi, lo) = (x − lo)/(hi − lo) clipped to [0, 1] (the position of
    :func:`score_between`) and, with ``average="actuals"`` (default, the
    handbook), Ā, 최고̄ and 최저̄ are the means over the recent window of the
    actuals and of each year's own bounds. The window is the last 3 years
    including t, fewer when the line is younger: ``min(recent, t − a)``
    years (2 in the line's second year, 1 in its first, when the blend is
    the year's position alone).

    Parameters
    ----------
    actual : array_like
        Actuals of ``year``, any shape.
    history : Indicator, Series or mapping of year to actual
        Actuals before ``year`` from the base year on.
    year : int
    rule : LongTermPath, optional
        Default: the indicator's own. Its ``base_year`` defaults to the
        indicator's latest actual before its first plan year, or to the first
        year of a bare history.
    a : float, default 0.5
        Weight of this year's position (the handbook's 50 %).
    average : {"actuals", "scores"}, default "actuals"
        ``"scores"``: the mean of the years' positions instead (kpisim's
        earlier default; not the handbook's).
    direction : str, optional
    recent : int, default 3
        Longest recent window.

    Notes
    -----
    **Changed defaults.** Before, every year's line was re-anchored at the
    previous actual with the band centred one α higher, and ``average``
    defaulted to ``"scores"``; the handbook's worked case below gave 53.37.

    Examples
    --------
    A = 105 ('20), B = 160 ('26): α = 9.1667, line '20–'23 = 105, 114.17,
    123.33, 132.5; the actuals 110, 118 stay below the line. Bounds '21
    123.33/86.67, '22 132.5/95.83, '23 141.67/105. The '23 actual 125 sits at
    20/36.67 = 0.5455; the 3-year mean 117.67 within the mean bounds
    132.5/95.83 at 0.5955; 평점 = 20 + 80 × (0.5·0.5455 + 0.5·0.5955):

    >>> from kpisim.rules import LongTermPath
    >>> h = {2020: 105, 2021: 110, 2022: 118}
    >>> rule = LongTermPath(2026, 160, base_year=2020)
    >>> round(float(score_long_term(125, h, 2023, rule=rule)), 2)
    65.64
    """
    direction, _, _ = _meta(history, direction, None, None)
    _check_blend(a, average, recent)
    rule = rule or _own_rule(history, LongTermPath, year)
    if not isinstance(rule, LongTermPath):
        msg = f"`rule` must be a LongTermPath (or the indicator's own); got {rule!r}"
        raise ScoringError(msg)
    if hasattr(history, "targets") and hasattr(history, "kind"):
        rule = rule.for_indicator(history)
    years_known, values = _year_values(history, year)
    if not years_known.size:
        msg = f"중장기 목표부여 needs actuals before {year}"
        raise ScoringError(msg)
    known = dict(zip(years_known.astype(int).tolist(), values.tolist(), strict=True))
    first = rule.base_year if rule.base_year is not None else min(known)
    first = min(first, year)
    years = np.arange(first, year + 1)
    (act,) = _floats(actual)
    row = np.array([known.get(int(y), np.nan) for y in years[:-1]])
    hist = np.column_stack([np.tile(row, (act.size, 1)), act.ravel()])
    out = _long_term_kernel(hist, years, years.size - 1, rule, a=a, average=average,
                            direction=direction, recent=recent)
    return _out(out.reshape(act.shape))


def _check_blend(a: float, average: str, recent: int = 3) -> None:
    if not (isinstance(recent, (int, np.integer)) and not isinstance(recent, bool)
            and recent >= 1):
        msg = f"`recent` must be an integer ≥ 1; got {recent!r}"
        raise ScoringError(msg)
    if not (is_finite_number(a) and 0 <= a <= 1):
        msg = f"`a` must be in [0, 1]; got {a!r}"
        raise ScoringError(msg)
    if average not in _AVERAGES:
        msg = f"`average` must be one of {list(_AVERAGES)}; got {average!r}"
        raise ScoringError(msg)


# ------------------------------------------------------------ labels
def method_label(method: str, lang: str = "ko") -> str:
    """The handbook name of a scoring method (``"trend"`` → ``"추세치"``).

    Examples
    --------
    >>> method_label("long_term"), method_label("long_term", "en")
    ('중장기 목표부여', 'long-term target path')
    """
    from kpisim._messages import text

    if method not in (*METHODS, "non_quantitative", "grade"):
        msg = f"unknown scoring method {method!r}; expected one of {list(METHODS)}"
        raise ScoringError(msg)
    return text(f"scoring.method.{method}", lang)


def method_note(method: str, lang: str = "ko", *, banded: bool = False,
                tails: str = "extend", a: float = 0.5, recent: int = 3) -> str:
    """The reading of the handbook a method's scores rest on, as one sentence ("" if none).

    Examples
    --------
    >>> method_note("long_term", "en", a=0.6).split("score = ")[1]
    '60% this year + 40% the recent 3-year mean actual against the mean bounds'
    """
    from kpisim._messages import text

    _check_z_options("handbook", tails)
    if method in ("trend", "beta"):
        if banded:
            return text("scoring.note.banded", lang)
        return text("scoring.note.table2", lang, tails=text(f"scoring.tails.{tails}", lang))
    if method == "long_term":
        return text("scoring.note.long_term", lang, a=f"{100 * a:g}",
                    rest=f"{100 * (1 - a):g}", recent=recent)
    return ""


def score_table(table: pd.DataFrame, lang: str = "ko") -> pd.DataFrame:
    """A score table (``ScoreResult.table``) with headers and method names in ``lang``.

    Columns kpisim does not know keep their names.
    """
    from kpisim._messages import keys, text

    known = set(keys())
    out = table.copy()
    if "method" in out:
        out["method"] = [method_label(m, lang) for m in out["method"]]
    names = {c: text(f"scoring.col.{c}", lang) for c in out.columns
             if f"scoring.col.{c}" in known}
    return out.rename(columns=names)


# ----------------------------------------------------- simulation scoring
