"""Naive random-walk baselines on the original scale: ``naive`` and ``naive0``.

Both are the textbook benchmarks a projection model has to beat
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
§5.2, ``forecast::rwf``):

* :class:`NaiveDrift` (``"naive"``): random walk with drift, the drift and its
  estimation error included;
* :class:`NaiveLast` (``"naive0"``): random walk without drift, the
  last-value forecast.

Both work on the original scale with Gaussian steps. Paths of ``"share"``
indicators are clipped to [0, 100]; counts, levels and ratios are **not**
bounded here (a level path may go below 0), which keeps the predictive exactly
the Gaussian stated in each docstring. :func:`kpisim.simulate` floors a
count's negative values at 0 and says how many in ``sim.assumptions()``.

Examples
--------
>>> import pandas as pd
>>> from kpisim.models._naive import NaiveLast
>>> fit = NaiveLast().fit(pd.Series([100.0, 103.0, 99.0, 104.0], index=range(2020, 2024)))
>>> round(fit.params["sigma"] ** 2, 4)  # (3² + 4² + 5²) / 3
16.6667
>>> fit.sample([2024, 2026], 4, rng=1).shape
(4, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from kpisim._messages import Msg
from kpisim.models._base import (
    NUMERIC_KINDS,
    FittedBase,
    check_kind,
    frozen_params,
    prepare_history,
    prepare_sample,
)

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["NaiveDrift", "NaiveLast"]


def _bound(paths: NDArray[np.float64], kind: str) -> NDArray[np.float64]:
    """Clip share paths to [0, 100] in place; other kinds are left unbounded."""
    if kind == "share":
        np.clip(paths, 0.0, 100.0, out=paths)
    return paths


# ---------------------------------------------------------------- with drift
@dataclass(frozen=True)
class NaiveDrift:
    """Random walk with drift on the original scale: the textbook naive baseline.

    The forecast distribution of ``forecast::rwf(y, drift=TRUE)`` (Hyndman &
    Athanasopoulos, *FPP3* §5.2). With yearly changes
    :math:`d_k = y_{t_k} - y_{t_{k-1}}` over :math:`g_k` years
    (:math:`k = 1, \\dots, K`) and :math:`G = \\sum_k g_k` the years spanned:

    .. math::

        b = \\frac{1}{G} \\sum_k d_k, \\qquad
        \\sigma^2 = \\frac{1}{K - 1} \\sum_k \\frac{(d_k - g_k b)^2}{g_k},

        y_{T+h} \\sim N\\!\\left(y_T + h b,\\ h\\sigma^2 + h^2 \\sigma^2 / G\\right).

    Each path draws its drift from :math:`N(b, \\sigma^2/G)` and adds
    Gaussian steps :math:`N(0, \\sigma^2)`; a change over a gap of g years
    counts as g steps. Minimum history 3. Share paths are clipped to
    [0, 100]; counts, levels and ratios are not bounded (paths may cross 0).
    """

    name: ClassVar[str] = "naive"
    min_history: ClassVar[int] = 3
    kinds: ClassVar[tuple[str, ...]] = NUMERIC_KINDS
    description: ClassVar[str] = "random walk with drift on the level (rwf baseline)"
    accepts_prior: ClassVar[bool] = False

    def fit(self, history: pd.Series, *, kind: str = "level", prior: Any = None) -> NaiveFitted:
        """Fit drift and volatility from the yearly changes (``prior`` is ignored)."""
        check_kind(kind, self.name)
        years, values = prepare_history(history, model=self.name, min_history=self.min_history)
        d, g = np.diff(values), np.diff(years).astype(np.float64)
        big_g = float(g.sum())
        drift = float(d.sum() / big_g)
        sigma = float(np.sqrt(np.sum((d - g * drift) ** 2 / g) / (len(d) - 1)))
        return NaiveFitted(
            model=self.name, last_year=int(years[-1]), last_value=float(values[-1]), kind=kind,
            params=frozen_params(drift=drift, sigma=sigma, span=big_g),
            assumptions=(Msg("sim.naive"),),
        )


# ------------------------------------------------------------- without drift
@dataclass(frozen=True)
class NaiveLast:
    """Random walk without drift: the last-value (naive) forecast.

    The forecast distribution of ``forecast::naive(y)`` /
    ``rwf(y, drift=FALSE)``. With yearly changes
    :math:`d_k = y_{t_k} - y_{t_{k-1}}` over :math:`g_k` years
    (:math:`k = 1, \\dots, K`):

    .. math::

        \\sigma^2 = \\frac{1}{K} \\sum_{k=1}^{K} \\frac{d_k^2}{g_k},
        \\qquad
        y_{T+h} \\sim N\\!\\left(y_T,\\ h \\sigma^2\\right),

    i.e. :math:`\\sigma` is the root mean square of the yearly changes (no
    mean is subtracted: the walk has no drift). A change over a gap of
    :math:`g` years counts as :math:`g` independent yearly steps
    (:math:`E\\, d_k^2 = g_k \\sigma^2`), so :math:`\\sigma^2` is unbiased and
    the maximum-likelihood estimate. :math:`h` is counted in years from the
    last actual :math:`T`. Paths add :math:`\\sigma \\varepsilon_t` with
    standard normal steps (or the given ``shocks``); when :math:`\\sigma = 0`
    every path is the flat line :math:`y_T`. Minimum history 2.

    Share paths are clipped to [0, 100]; counts, levels and ratios are not
    bounded (paths may cross 0), so their predictive is exactly the Gaussian
    above.
    """

    name: ClassVar[str] = "naive0"
    min_history: ClassVar[int] = 2
    kinds: ClassVar[tuple[str, ...]] = NUMERIC_KINDS
    description: ClassVar[str] = "last value, random walk without drift (naive baseline)"
    accepts_prior: ClassVar[bool] = False

    def fit(self, history: pd.Series, *, kind: str = "level", prior: Any = None) -> NaiveFitted:
        """Fit the volatility from the yearly changes (``prior`` is ignored)."""
        check_kind(kind, self.name)
        years, values = prepare_history(history, model=self.name, min_history=self.min_history)
        d, g = np.diff(values), np.diff(years).astype(np.float64)
        sigma = float(np.sqrt(np.mean(d**2 / g)))
        return NaiveFitted(
            model=self.name, last_year=int(years[-1]), last_value=float(values[-1]), kind=kind,
            params=frozen_params(drift=0.0, sigma=sigma, span=float(g.sum())),
            assumptions=(Msg("sim.naive0"),),
            drift_uncertainty=False,
        )


# ------------------------------------------------------------------- fitted
@dataclass(frozen=True, kw_only=True, eq=False)
class NaiveFitted(FittedBase):
    """A fitted naive random walk (with or without drift).

    ``sample`` returns ``last_value + cumsum(drift_i + sigma * eps)`` at the
    requested years, shape ``(n_paths, len(years))``. With
    ``drift_uncertainty`` each path's ``drift_i`` is drawn from
    :math:`N(b, \\sigma^2 / G)`; otherwise it is the fitted drift (0 for
    ``naive0``). Paths are a prefix-stable function of the stream: the first
    ``n`` paths of a larger draw equal a draw of ``n`` paths with the same seed.
    """

    thread_safe: ClassVar[bool] = True  # see FittedBase

    kind: str
    drift_uncertainty: bool = True

    def sample(
        self, years: Sequence[int], n_paths: int, *, rng: Any = None,
        shocks: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Draw ``n_paths`` paths at ``years``; float64, shape (n_paths, len(years))."""
        idx, n_steps, n_paths, shocks = prepare_sample(
            years, n_paths, self.last_year, shocks, model=self.model
        )
        p = self.params
        if self.drift_uncertainty:
            param_rng, shock_rng = np.random.default_rng(rng).spawn(2)
            drift = p["drift"] + p["sigma"] / np.sqrt(p["span"]) * param_rng.standard_normal(
                n_paths)
        else:
            shock_rng, drift = np.random.default_rng(rng), np.full(n_paths, p["drift"])
        eps = shock_rng.standard_normal((n_paths, n_steps)) if shocks is None else shocks.copy()
        eps *= p["sigma"]
        eps += drift[:, None]
        out = self.last_value + np.cumsum(eps, axis=1)[:, idx]
        return _bound(np.ascontiguousarray(out, dtype=np.float64), self.kind)

    def describe(self) -> str:
        """One-line description of the fit."""
        if self.model == NaiveLast.name:
            return f"naive0: last value {self.last_value:.4g}, σ {self.params['sigma']:.3g}"
        return f"naive: drift {self.params['drift']:.4g}/yr, σ {self.params['sigma']:.3g}"
