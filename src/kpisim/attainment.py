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


#: ``per_path`` of :func:`kpisim._kernels.count_block` when the stated targets apply.
_NO_PATH_TARGETS = np.empty((0, 0))


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
    nonfinite: NDArray[np.int64] = field(init=False)

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
        # values that were NaN or ±inf, per year (the engine refuses a simulated one)
        self.nonfinite = np.zeros(k, dtype=np.int64)
        # judged columns: the years with a stated target
        self._cols = np.flatnonzero(~np.isnan(self.targets))
        self._stated = np.ascontiguousarray(self.targets[self._cols], dtype=np.float64)
        self._work: NDArray[np.uint8] | None = None  # the kernel's per-path flags

    def update(self, values: NDArray, targets: NDArray | None = None) -> None:
        """Add a block of paths ``values`` of shape (n_paths, n_years).

        ``targets`` may be a per-path array of the same shape (rule targets
        recomputed on each path); by default the stated targets are used.
        Only years with a stated target are judged. With the gap
        ``g = s·(target − value)`` (s = −1 for a decreasing indicator), a
        path meets the target when ``g ≤ 0`` and misses it when ``g > 0``
        (a count: when its whole number does, :func:`whole_threshold`); an
        unknown value or target (NaN) is neither. The block is counted in one
        compiled pass, :func:`kpisim._kernels.count_block`.
        """
        from kpisim import _kernels  # numba: imported when a simulation runs

        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != len(self.years):
            msg = (f"AttainmentCounter.update: `values` must have shape (n_paths, "
                   f"{len(self.years)}) (one column per grid year); got {values.shape}")
            raise ValueError(msg)
        if targets is not None and np.shape(targets) != values.shape:
            msg = (f"AttainmentCounter.update: `targets` must have the shape of `values` "
                   f"{values.shape}; got {np.shape(targets)}")
            raise ValueError(msg)
        n = values.shape[0]
        decrease = self.direction == "decrease"
        vt = values.T  # (year, path) rows
        if not vt.flags.c_contiguous:
            vt = np.ascontiguousarray(vt)
        if targets is None:
            per_path = _NO_PATH_TARGETS
        else:  # (judged year, path) rows, as the kernel reads them
            per_path = np.ascontiguousarray(np.asarray(targets, dtype=np.float64).T[self._cols])
        if self.whole:
            goal = float(whole_threshold(self.goal, self.direction))
            mode = _kernels.REACH_LT if decrease else _kernels.REACH_GE
        else:
            goal = float(self.goal)
            mode = _kernels.REACH_LE if decrease else _kernels.REACH_GE
        if self._work is None or self._work.shape[1] != n:
            self._work = np.empty((2, n), dtype=np.uint8)
        _kernels.count_block(vt, self._cols, self._stated, per_path, -1.0 if decrease else 1.0,
                             self.whole, goal, mode, self._work[0], self._work[1],
                             self.evaluated, self.hits, self.path_hits, self.first_hit,
                             self.shortfall_sum, self.shortfall_rel_sum, self.nonfinite)
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
