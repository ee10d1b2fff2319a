"""Small helpers shared by the goal modules: an indicator's scale, bounds and goal.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kpisim._validation import RuleError
from kpisim.indicator import Indicator


def check_indicator(indicator: Any, what: str) -> Indicator:
    if not isinstance(indicator, Indicator):
        msg = f"{what}: expected an Indicator; got {type(indicator).__name__}"
        raise TypeError(msg)
    if indicator.kind == "grade":
        msg = (f"{what}: indicator `{indicator.id}` is a grade; grades have no growth rate "
               "(they are scored, not simulated)")
        raise RuleError(msg)
    return indicator


def bounds_of(ind: Indicator) -> tuple[float, float] | None:
    """The bounds of the scale the default model simulates ``ind`` on (None: log scale)."""
    from kpisim.models import scale_for

    return scale_for(ind)[1]


def last_actual(ind: Indicator) -> tuple[int, float]:
    obs = ind.observed
    if obs.empty:
        msg = f"indicator `{ind.id}` has no actual to start from"
        raise RuleError(msg)
    return int(obs.index[-1]), float(obs.iloc[-1])


def goal_year(ind: Indicator) -> int:
    last, _ = last_actual(ind)
    later = [y for y in ind.numeric_targets() if y > last]
    if not later:
        msg = f"indicator `{ind.id}` has no stated numeric target after its last actual ({last})"
        raise RuleError(msg)
    return max(later)


def logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def m0_for_rate(ind: Indicator, rate: float) -> float:
    """The reference growth :math:`m_0` that a yearly rate of the level means here.

    See the module docstring: ``log1p(rate)`` on the log scale; on a bounded
    scale the logit step from the last actual to ``y_T (1 + rate)``. NaN when
    that level is outside the bounds or ``rate ≤ −1``.
    """
    if not np.isfinite(rate) or rate <= -1:
        return float("nan")
    bounds = bounds_of(ind)
    if bounds is None:
        return math.log1p(rate)
    lo, hi = bounds
    _, y = last_actual(ind)
    p0, p1 = (y - lo) / (hi - lo), (y * (1.0 + rate) - lo) / (hi - lo)
    if not (0.0 < p0 < 1.0 and 0.0 < p1 < 1.0):
        return float("nan")
    return logit(p1) - logit(p0)


def rate_for_m0(ind: Indicator, m0: float) -> float:
    """The inverse of :func:`m0_for_rate`: the first year's growth of the level."""
    bounds = bounds_of(ind)
    if bounds is None:
        return math.expm1(m0)
    lo, hi = bounds
    _, y = last_actual(ind)
    if y == 0:
        return float("nan")  # no growth rate of a zero level
    p0 = min(max((y - lo) / (hi - lo), 1e-12), 1 - 1e-12)
    p1 = 1.0 / (1.0 + math.exp(-(logit(p0) + m0)))
    return (lo + (hi - lo) * p1) / y - 1.0


def scale_of(ind: Indicator) -> str:
    return "log" if bounds_of(ind) is None else "logit"


def reference_prior_for(ind: Indicator):
    from kpisim.models import reference_prior

    return reference_prior(scale_of(ind))


MODEL = "refgrowth"
