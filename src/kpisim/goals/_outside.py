"""The outside view: how often real yearly series sustained a growth.
"""

from __future__ import annotations

import math

import numpy as np

from kpisim._validation import ModelError
from kpisim.goals._scale import bounds_of, last_actual, logit
from kpisim.indicator import Indicator


def sustained(rate: float, years: int) -> float:
    """``sustained_share(rate, years)``; NaN where the corpus has no table."""
    from kpisim.models import sustained_share

    if not (np.isfinite(rate) and rate > -1 and years >= 1):
        return float("nan")
    try:
        return float(sustained_share(float(rate), int(years)))
    except (ModelError, KeyError):
        return float("nan")


def outside_view(ind: Indicator, rate: float, years: int) -> float:
    """Share of real series as good as the goal needs: ≥ ``rate`` (≤ for a decrease goal)."""
    share = sustained(rate, years)
    return 1.0 - share if ind.direction == "decrease" and np.isfinite(share) else share


def outside_view_odds(ind: Indicator, target: float, years: int) -> float:
    """For a bounded value: the outside view of the growth its *odds* must sustain.

    :math:`g^*_{odds} = \\exp\\{[\\operatorname{logit} p(x_Y) - \\operatorname{logit}
    p(y_T)]/H\\} - 1`, compared with the corpus' level growth as the reference
    prior compares its :math:`m_0` (NaN for unbounded values).
    """
    bounds = bounds_of(ind)
    if bounds is None:
        return float("nan")
    lo, hi = bounds
    _, y = last_actual(ind)
    p0, p1 = (y - lo) / (hi - lo), (target - lo) / (hi - lo)
    if not (0.0 < p0 < 1.0 and 0.0 < p1 < 1.0):
        return float("nan")
    return outside_view(ind, math.expm1((logit(p1) - logit(p0)) / years), years)


def median_sustained(years: int) -> float:
    """The yearly growth half the corpus' ``years``-year windows sustained (NaN if unknown).

    Solves ``sustained_share(g, years) = 1/2`` exactly
    (:func:`kpisim.models._refclass.sustained_median`); NaN without a table for
    ``years`` or outside the growth range −95 % … +100,000 % a year.
    """
    from kpisim.models import sustained_median

    try:
        g = sustained_median(int(years))
    except (ModelError, KeyError):
        return float("nan")
    return g if -0.95 <= g <= 1e3 else float("nan")
