"""The numbers a chart of a simulation shows, without matplotlib.

Shared by :mod:`kpisim.plot` (which draws them with matplotlib) and the HTML
report (which draws some of them as inline SVG), so that a fan chart means the
same thing in both.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpisim import _style as style

__all__ = ["FanData", "fan_data", "goal_of", "quantiles"]


@dataclass(frozen=True)
class FanData:
    """What a fan chart of one indicator shows, drawn by :func:`fan_chart` and the report.

    ``years`` run from the last actual to ``end``; ``bands[q]`` is the kept
    paths' quantile ``q`` (:data:`kpisim._style.FAN_Q`) in those years,
    starting at the last actual itself. ``goal`` is ``(year, value)`` of the
    furthest stated numeric target within the horizon, or None.
    """

    indicator: Any
    actual: pd.Series
    targets: pd.Series
    goal: tuple[int, float] | None
    end: int
    years: np.ndarray
    bands: Mapping[float, np.ndarray]

    def __post_init__(self) -> None:
        if self.actual.empty:
            msg = f"indicator `{self.indicator.id}` has no actual to start a fan from"
            raise ValueError(msg)
        if any(len(v) != len(self.years) for v in self.bands.values()):
            raise ValueError("every band needs one value per year")

    @property
    def last_year(self) -> int:
        return int(self.actual.index[-1])

    def col(self, q: float) -> np.ndarray:
        """Quantile ``q`` by year, from the last actual to ``end``."""
        return self.bands[q]


def goal_of(sim: Any, ident: str) -> tuple[int, float] | None:
    """``(year, value)`` of the furthest stated numeric target within the horizon, or None."""
    targets = sim.catalog[ident].target.dropna()
    targets = targets[targets.index <= int(sim.years[-1])]
    if targets.empty:
        return None
    return int(targets.index[-1]), float(targets.iloc[-1])


def quantiles(sim: Any, ids: Sequence[str] | None = None,
              q: Sequence[float] = style.FAN_Q) -> pd.DataFrame:
    """``sim.quantiles(q, ids=ids)`` without the warning for years before the first actual.

    Those years are all-NaN columns of the kept paths; their quantiles are NaN.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        return sim.quantiles(q, ids=ids)


def fan_data(sim: Any, ident: str, *, until: int | None = None,
             wide: pd.DataFrame | None = None) -> FanData:
    """The numbers of ``ident``'s fan chart (:class:`FanData`).

    ``wide``: ``ident``'s quantiles by year (rows) and ``q`` (columns) if
    already computed (e.g. one :func:`quantiles` call for many indicators,
    pivoted); asked of the simulation otherwise. ``until`` as in
    :func:`kpisim.plot.fan_chart`.
    """
    ind = sim.catalog[ident]
    actual = ind.observed
    last_year, last_value = int(actual.index[-1]), float(actual.iloc[-1])
    if wide is None:
        wide = quantiles(sim, [ident]).pivot(index="year", columns="q", values="value")
    goal = goal_of(sim, ident)
    horizon = int(sim.years[-1])
    end = int(until) if until is not None else (goal[0] if goal else horizon)
    end = min(max(end, last_year + 1), horizon)
    wide = wide[(wide.index > last_year) & (wide.index <= end)]
    years = np.concatenate([[last_year], wide.index.to_numpy(dtype=float)])
    bands = {float(q): np.concatenate([[last_value], wide[q].to_numpy(dtype=float)])
             for q in wide.columns}
    return FanData(indicator=ind, actual=actual, targets=ind.target.dropna(), goal=goal,
                   end=end, years=years, bands=bands)
