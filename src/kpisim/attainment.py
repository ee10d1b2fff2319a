"""Goal attainment: streaming reducers over simulated paths, and progress classes.

Everything here works on blocks of paths of shape ``(n_paths, n_years)`` and
keeps only counts and sums, so the engine can stream any number of paths in
bounded memory. Probabilities come with their Monte Carlo standard error
``sqrt(p (1 - p) / n)`` and a 95% Wilson interval (which stays inside [0, 1]
and behaves at p = 0 or 1, where the Wald interval collapses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PROGRESS_CLASSES",
    "AttainmentCounter",
    "meets",
    "progress_class",
    "progress_ratio",
    "wilson_interval",
]

#: Eurostat-style classes of the ratio of observed to required growth.
PROGRESS_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.95, "on track", "목표 달성 궤도"),
    (0.60, "moderate progress", "보통 진전"),
    (0.0, "limited progress", "제한적 진전"),
    (-np.inf, "moving away", "목표에서 멀어짐"),
)


def whole_threshold(target: NDArray | float, direction: str) -> NDArray[np.float64]:
    r"""The value a simulated count must reach for its whole number to meet ``target``.

    A count is a whole number of things, so a simulated value ``v`` stands
    for ``round(v)`` (half up), and

    .. math::

        \operatorname{round}(v) \ge t \iff v \ge \lceil t \rceil - \tfrac12,
        \qquad
        \operatorname{round}(v) \le t \iff v < \lfloor t \rfloor + \tfrac12 .

    The difference from comparing ``v`` itself is at most half a unit: nothing
    for 3,500 firms, everything for a goal of 0 accidents (중대재해 0건),
    which a positive model never reaches but whose paths round to 0 once
    they fall below 0.5.
    """
    t = np.asarray(target, dtype=float)
    return np.floor(t) + 0.5 if direction == "decrease" else np.ceil(t) - 0.5


def meets(values: NDArray, target: NDArray | float, direction: str, *,
          whole: bool = False) -> NDArray[np.bool_]:
    """Whether each value meets its target in the indicator's direction.

    ``increase`` and ``maintain`` meet from above (value ≥ target), ``decrease``
    from below (value ≤ target). NaN never meets. With ``whole`` the value is
    a count and is judged by its whole number (:func:`whole_threshold`).
    """
    with np.errstate(invalid="ignore"):
        if whole:
            limit = whole_threshold(target, direction)
            return values < limit if direction == "decrease" else values >= limit
        if direction == "decrease":
            return values <= target
        return values >= target


def wilson_interval(
    successes: NDArray | float, n: NDArray | float, z: float = 1.959963984540054
) -> tuple[NDArray, NDArray]:
    """Wilson score interval for a binomial proportion.

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}
    """
    n = np.where(np.asarray(n, dtype=float) > 0, np.asarray(n, dtype=float), np.nan)
    p = np.asarray(successes, dtype=float) / n  # NaN where nothing was judged
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # exact bounds at the extremes (rounding would otherwise put p outside them)
    lo = np.where(p <= 0, 0.0, np.clip(centre - half, 0, 1))
    hi = np.where(p >= 1, 1.0, np.clip(centre + half, 0, 1))
    return np.minimum(lo, p), np.maximum(hi, p)


def _row_counts(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """``np.count_nonzero(mask, axis=1)``, row by row: 3× faster on a few long rows."""
    return np.fromiter((np.count_nonzero(row) for row in mask), dtype=np.int64,
                       count=mask.shape[0])


def _nan_counts(x: NDArray[np.float64]) -> NDArray[np.int64]:
    """NaNs in each row of ``x``: a row whose sum is not NaN has none (one
    fast pass); only the rows whose sum is NaN are counted value by value."""
    counts = np.zeros(x.shape[0], dtype=np.int64)
    with np.errstate(invalid="ignore"):  # inf − inf is NaN too: then counted exactly
        suspect = np.flatnonzero(np.isnan(np.add.reduce(x, axis=1)))
    for i in suspect:
        counts[i] = np.count_nonzero(np.isnan(x[i]))
    return counts


@dataclass
class AttainmentCounter:
    """Streaming counts for one indicator over a grid of years.

    Parameters
    ----------
    years : ndarray of int, shape (n_years,)
        The simulation grid.
    targets : ndarray of float, shape (n_years,)
        Stated targets on the grid (NaN where none is stated).
    goal : float
        The goal used by first-hit statistics (the furthest stated target).
    direction : str
    whole : bool, default False
        A count: values are judged by their whole number
        (:func:`whole_threshold`); shortfalls stay measured from the target.
    """

    years: NDArray[np.int64]
    targets: NDArray[np.float64]
    goal: float
    direction: str
    whole: bool = False
    n: int = 0
    hits: NDArray[np.int64] = field(init=False)
    path_hits: NDArray[np.int64] = field(init=False)
    first_hit: NDArray[np.int64] = field(init=False)
    shortfall_sum: NDArray[np.float64] = field(init=False)
    shortfall_rel_sum: NDArray[np.float64] = field(init=False)
    evaluated: NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        k = len(self.years)
        self.hits = np.zeros(k, dtype=np.int64)
        self.path_hits = np.zeros(k, dtype=np.int64)
        # first_hit[i] counts paths first meeting the goal in years[i]; the last
        # slot counts paths that never meet it on the grid.
        self.first_hit = np.zeros(k + 1, dtype=np.int64)
        self.shortfall_sum = np.zeros(k)
        self.shortfall_rel_sum = np.zeros(k)
        self.evaluated = np.zeros(k, dtype=np.int64)
        # judged columns (years with a stated target) and, for each grid year,
        # the position among them of the latest judged year (-1: none yet)
        self._cols = np.flatnonzero(~np.isnan(self.targets))
        self._last_col = np.searchsorted(self._cols, np.arange(k), side="right") - 1

    def update(self, values: NDArray, targets: NDArray | None = None) -> None:
        """Add a block of paths ``values`` of shape (n_paths, n_years).

        ``targets`` may be a per-path array of the same shape (rule targets
        recomputed on each path); by default the stated targets are used.
        Only years with a stated target are judged. With the gap
        ``g = s·(target − value)`` (s = −1 for a decreasing indicator), a
        path meets the target when ``g ≤ 0`` and misses it when ``g > 0``;
        an unknown value or target (NaN) is neither.
        """
        cols = self._cols
        n = values.shape[0]
        decrease = self.direction == "decrease"
        # Work on (judged year, path) rows: every reduction then runs along
        # the contiguous axis of a short stack of long rows.
        tgt = self.targets[cols][:, None] if targets is None else targets[:, cols].T
        judged = values.T if len(cols) == values.shape[1] else values.T[cols]
        gap = np.subtract(tgt, judged, order="C")  # new, (judged year, path) rows
        if decrease:
            np.negative(gap, out=gap)
        if self.whole:  # a count: met when its whole number is (gap within the slack)
            slack = tgt - whole_threshold(tgt, self.direction)  # s·(target − threshold)
            if decrease:
                np.negative(slack, out=slack)
            with np.errstate(invalid="ignore"):
                miss = gap >= slack if decrease else gap > slack
        else:
            miss = gap > 0
        n_miss = _row_counts(miss)
        n_known = n - _nan_counts(gap)  # NaN (unknown) is neither met nor missed
        # a met path has no shortfall: gap × miss is 0 there (NaN stays NaN and
        # is zeroed by the fmax below, as is a missed path's negative gap)
        np.multiply(gap, miss, out=gap)
        self.evaluated[cols] += n_known
        self.hits[cols] += n_known - n_miss
        # P(every target met up to and including each year): unknown = not a miss
        for k in range(1, miss.shape[0]):  # running OR: missed in any year so far
            miss[k] |= miss[k - 1]
        kept = np.empty(len(cols) + 1, dtype=np.int64)  # [-1]: no judged year yet
        kept[:-1] = n - _row_counts(miss)
        kept[-1] = n
        self.path_hits += kept[self._last_col]
        np.fmax(gap, 0.0, out=gap)  # the shortfall: gap where missed, else 0 (NaN → 0)
        short = gap.sum(axis=1)
        self.shortfall_sum[cols] += short
        with np.errstate(divide="ignore", invalid="ignore"):
            if targets is None:
                rel = np.where(tgt[:, 0] != 0, short / np.abs(tgt[:, 0]), 0.0)
            else:
                rel = np.nan_to_num(gap / np.abs(tgt)).sum(axis=1)
        self.shortfall_rel_sum[cols] += rel
        # first year each path reaches the goal: a running OR over the years
        # counts the paths that have reached it by each year
        reach = meets(values.T, self.goal, self.direction, whole=self.whole)
        for k in range(1, reach.shape[0]):
            reach[k] |= reach[k - 1]
        by_year = _row_counts(reach)
        self.first_hit[:-1] += by_year
        self.first_hit[1:-1] -= by_year[:-1]
        self.first_hit[-1] += n - (by_year[-1] if by_year.size else 0)
        self.n += n

    @property
    def prob(self) -> NDArray[np.float64]:
        """P(target met) per year, over the paths where it could be judged.

        NaN where no target is stated, or where neither value nor target is
        known on any path (a missing actual, a rule lacking history).
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            p = self.hits / self.evaluated
        return np.where(np.isnan(self.targets) | (self.evaluated == 0), np.nan, p)

    @property
    def se(self) -> NDArray[np.float64]:
        """Monte Carlo standard error of :attr:`prob`, sqrt(p(1 − p)/n)."""
        p = self.prob
        return np.sqrt(p * (1 - p) / np.maximum(self.evaluated, 1))


def progress_ratio(
    base_value: float,
    base_year: int,
    last_value: float,
    last_year: int,
    target_value: float,
    target_year: int,
    direction: str = "increase",
) -> float:
    """Ratio of observed to required compound annual growth (Eurostat method).

    .. math::

        r_{obs} = (x_t / x_0)^{1/(t - t_0)} - 1, \\qquad
        r_{req} = (x^* / x_0)^{1/(T - t_0)} - 1, \\qquad
        \\text{ratio} = r_{obs} / r_{req}

    For a decreasing indicator both rates are negated. When a value is not
    positive (a goal of 0 accidents) compound growth is undefined and the
    ratio is that of the linear paces, :math:`(x_t - x_0)/(t - t_0)` over
    :math:`(x^* - x_0)/(T - t_0)`. When the target equals the base (no growth
    required) the ratio is +∞ (on track) unless the indicator moved away from
    it (−∞). When the target allows a decline (:math:`r_{req} < 0`) the
    indicator is on track (+∞) unless it falls faster than allowed; then the
    ratio is :math:`2 - r_{obs}/r_{req}`: 1 at the allowed pace, 0 when
    falling twice as fast, negative (moving away) beyond. (Plain
    :math:`r_{obs}/r_{req}` would exceed 1 there and call a series falling
    away from its target "on track".) Returns NaN only when the history has
    a single year.
    """
    if last_year <= base_year or target_year <= base_year:
        return float("nan")
    if min(base_value, last_value, target_value) <= 0:  # linear paces
        obs = (last_value - base_value) / (last_year - base_year)
        req = (target_value - base_value) / (target_year - base_year)
    else:
        obs = (last_value / base_value) ** (1 / (last_year - base_year)) - 1
        req = (target_value / base_value) ** (1 / (target_year - base_year)) - 1
    if direction == "decrease":
        obs, req = -obs, -req
    if req == 0:  # nothing to gain: on track unless moving away
        return float("inf") if obs >= 0 else float("-inf")
    if req < 0:  # the target allows a decline: on track unless falling faster
        return float("inf") if obs >= req else 2.0 - obs / req
    return obs / req


def progress_class(ratio: float, lang: str = "en") -> str:
    """The Eurostat-style class of a :func:`progress_ratio`.

    ≥ 0.95 on track; 0.60–0.95 moderate progress; 0–0.60 limited progress;
    < 0 moving away; NaN → "insufficient data".
    """
    if ratio is None or np.isnan(ratio):
        return "insufficient data" if lang == "en" else "자료 부족"
    for bound, en, ko in PROGRESS_CLASSES:
        if ratio >= bound:
            return en if lang == "en" else ko
    raise AssertionError("unreachable")  # pragma: no cover
