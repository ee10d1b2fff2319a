"""Trend models backed by statsmodels: OLS trends, damped Holt, ARIMA, Theta.

This is the only kpisim module that imports statsmodels; it does so lazily,
inside ``fit``/``sample``, so ``import kpisim`` stays fast.

Warnings statsmodels raises on short series (ConvergenceWarning, ValueWarning,
...) are caught inside ``fit`` and recorded as sentences in
``Fitted.assumptions``; none escape. Counts and levels are floored at 0 and
shares clipped to [0, 100] after simulation (``kpisim.models._base.bound_paths``).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import ModelError
from kpisim.models._base import (
    FittedBase,
    bound_paths,
    check_kind,
    fill_gaps,
    frozen_params,
    prepare_history,
    prepare_sample,
    span,
)

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from kpisim.models._prior import GrowthPrior

__all__ = ["Arima", "Holt", "LinearTrend", "LogLinearTrend", "Theta"]

_SHORT = ("Use the default 'refgrowth', which works from one actual (the reference-class "
          "prior stands in for the missing history).")
_ALL_KINDS = ("count", "level", "share", "ratio")
#: Log-scale paths are clipped to ±50 log units around the last value.
_MAX_LOG_CHANGE = 50.0


@contextlib.contextmanager
def _captured(notes: list[str], *, model: str) -> Iterator[None]:
    """Catch every warning inside the block and record it in ``notes``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen = set()
    for w in caught:
        text = f"{model}: statsmodels {w.category.__name__}: {str(w.message).strip()}"
        text = text.splitlines()[0][:200]
        if text not in seen:
            seen.add(text)
            notes.append(text)


@contextlib.contextmanager
def _refusing(model: str, years) -> Iterator[None]:
    """Turn a numerical failure inside statsmodels into a ModelError."""
    try:
        yield
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as e:
        msg = (
            f"model `{model}`: statsmodels could not fit the history ({span(years)}): "
            f"{e}. {_SHORT}"
        )
        raise ModelError(msg) from e


def _common_fit(spec, history, kind, prior, *, positive: bool = False):
    """Validate; returns years, values and the first assumption notes."""
    check_kind(kind, spec.name)
    years, values = prepare_history(
        history, model=spec.name, min_history=spec.min_history, suggestion=_SHORT
    )
    if positive and np.any(values <= 0):
        bad = {int(y): float(v) for y, v in zip(years, values, strict=True) if v <= 0}
        msg = f"model `{spec.name}` needs positive values (log scale); got {bad}. Use 'linear'."
        raise ModelError(msg)
    notes = []
    if prior is not None:
        notes.append(Msg("sim.trend.prior_unused", model=spec.name,
                         source=getattr(prior, "source", "prior")))
    return years, values, notes


def _regular_history(model: Any, history: pd.Series, kind: str, prior: Any):
    """``(years, values, notes, y)`` for the statsmodels models, which need every year.

    The checked history of :func:`_common_fit`, a note for each year filled
    in, and ``y``: the values on the full yearly grid (gaps interpolated).
    """
    years, values, notes = _common_fit(model, history, kind, prior)
    notes += _regular(years, values)
    _, y, _ = fill_gaps(years, values)
    return years, values, notes, y


def _toeplitz_factor(psi: NDArray[np.float64], sd: NDArray[np.float64]):
    """Lower-triangular L with L[i, j] = ψ_{i-j}, rows rescaled to norm ``sd``."""
    from scipy import linalg  # lazily: the default run never needs it

    h = len(sd)
    lower = linalg.toeplitz(psi[:h], np.zeros(h))
    norm = np.sqrt(np.sum(lower**2, axis=1))
    return lower * (sd / norm)[:, None]


# --------------------------------------------------------------- OLS trends
@dataclass(frozen=True, kw_only=True)
class LinearTrend:
    """Linear OLS trend :math:`y_t = a + b t + \\sigma\\varepsilon_t` with parameter uncertainty.

    Under the flat prior :math:`p(\\beta, \\sigma^2) \\propto 1/\\sigma^2`, each
    path draws :math:`\\sigma^2 \\sim \\text{Scaled-Inv-}\\chi^2(n-2, s^2)` and
    :math:`\\beta \\mid \\sigma^2 \\sim N(\\hat\\beta, \\sigma^2 (X^\\top X)^{-1})`
    (so β is multivariate t), then adds independent N(0, σ²) noise per year.
    Minimum history 3. Counts/levels floored at 0, shares clipped to [0, 100].
    """

    parameter_uncertainty: bool = True

    name: ClassVar[str] = "linear"
    log: ClassVar[bool] = False
    min_history: ClassVar[int] = 3
    kinds: ClassVar[tuple[str, ...]] = _ALL_KINDS
    description: ClassVar[str] = "OLS linear trend (statsmodels), multivariate-t parameters"
    accepts_prior: ClassVar[bool] = False

    def fit(
        self, history: pd.Series, *, kind: str = "level", prior: GrowthPrior | None = None
    ) -> OLSFitted:
        """Fit by statsmodels OLS on centred years (gaps are simply missing rows)."""
        from statsmodels.regression.linear_model import OLS

        years, values, notes = _common_fit(self, history, kind, prior, positive=self.log)
        center = float(years.mean())
        x = np.column_stack([np.ones(len(years)), years - center])
        y = np.log(values) if self.log else values
        with _captured(notes, model=self.name), _refusing(self.name, years):
            res = OLS(y, x).fit()
        s2 = float(res.scale)
        if s2 <= 0:
            notes.append(Msg("sim.trend.exact", model=self.name))
        if not self.parameter_uncertainty:
            notes.append(Msg("sim.plug_in"))
        if kind in ("count", "level") and not self.log:
            notes.append(Msg("sim.trend.floored", model=self.name, kind=kind))
        return OLSFitted(
            model=self.name,
            last_year=int(years[-1]),
            last_value=float(values[-1]),
            params=frozen_params(
                intercept=float(res.params[0]), slope=float(res.params[1]),
                center=center, sigma=float(np.sqrt(max(s2, 0.0))),
                dof=float(res.df_resid),
            ),
            assumptions=tuple(notes),
            spec=self, kind=kind, beta=np.asarray(res.params, dtype=np.float64),
            chol=np.linalg.cholesky(np.asarray(res.normalized_cov_params)),
            s2=max(s2, 0.0), dof=float(res.df_resid), center=center, n_obs=len(years),
        )


@dataclass(frozen=True, kw_only=True)
class LogLinearTrend(LinearTrend):
    """Log-linear OLS trend: the linear trend fitted to log y (values > 0), back-transformed."""

    name: ClassVar[str] = "loglinear"
    log: ClassVar[bool] = True
    kinds: ClassVar[tuple[str, ...]] = ("count", "level", "ratio")
    description: ClassVar[str] = "OLS trend of log y (statsmodels), multivariate-t parameters"


@dataclass(frozen=True, kw_only=True, eq=False)
class OLSFitted(FittedBase):
    """A fitted (log-)linear trend."""

    spec: LinearTrend = field(repr=False)
    kind: str = field(repr=False)
    beta: NDArray[np.float64] = field(repr=False)
    chol: NDArray[np.float64] = field(repr=False)
    s2: float = field(repr=False)
    dof: float = field(repr=False)
    center: float = field(repr=False)
    n_obs: int = field(repr=False)

    def sample(
        self, years: Sequence[int], n_paths: int, *, rng: Any = None,
        shocks: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Draw paths; shape (n_paths, len(years)). See :class:`LinearTrend`."""
        idx, _, n_paths, shocks = prepare_sample(
            years, n_paths, self.last_year, shocks, model=self.model
        )
        rng = np.random.default_rng(rng)
        param_rng, shock_rng = rng.spawn(2)
        t = (self.last_year + 1 + idx) - self.center
        if self.spec.parameter_uncertainty:
            chi2 = np.maximum(param_rng.chisquare(self.dof, n_paths), 1e-300)
            sigma = np.sqrt(self.dof * self.s2 / chi2)
            z = param_rng.standard_normal((n_paths, 2)) @ self.chol.T
            beta = self.beta + sigma[:, None] * z
            out = beta[:, :1] + beta[:, 1:] * t
            sigma = sigma[:, None]
        else:
            sigma = np.sqrt(self.s2)
            out = np.broadcast_to(self.beta[0] + self.beta[1] * t, (n_paths, len(t))).copy()
        eps = shock_rng.standard_normal((n_paths, len(t))) if shocks is None else shocks[:, idx]
        out += sigma * eps
        if self.spec.log:
            # keep the heavy tails of 3-point fits (t with 1 dof) finite
            z_last = np.log(self.last_value)
            np.clip(out, z_last - _MAX_LOG_CHANGE, z_last + _MAX_LOG_CHANGE, out=out)
            np.exp(out, out=out)
        return bound_paths(out, self.kind)

    def describe(self) -> str:
        """One-line description of the fit."""
        p = self.params
        scale = "log " if self.spec.log else ""
        return (
            f"{self.model}: OLS {scale}trend, slope {p['slope']:.4g}/yr, residual σ "
            f"{p['sigma']:.3g} ({p['dof']:g} dof); {self.n_obs} actuals to {self.last_year}"
        )


# ------------------------------------------------------------------- Holt
@dataclass(frozen=True, kw_only=True)
class Holt:
    """Damped Holt (additive-error ETS, additive damped trend) via statsmodels ETSModel.

    Paths come from ``ETSResults.simulate(anchor="end")`` with errors
    :math:`\\sqrt{\\hat\\sigma^2}\\,\\varepsilon` (the given ``shocks`` or the
    rng's), so parameters are plug-in maximum-likelihood estimates. Minimum
    history 8; gaps are filled by linear interpolation (recorded).
    """

    name: ClassVar[str] = "holt"
    min_history: ClassVar[int] = 8
    kinds: ClassVar[tuple[str, ...]] = _ALL_KINDS
    description: ClassVar[str] = "damped Holt / ETS(A,Ad,N) (statsmodels), plug-in"
    accepts_prior: ClassVar[bool] = False

    def fit(
        self, history: pd.Series, *, kind: str = "level", prior: GrowthPrior | None = None
    ) -> HoltFitted:
        """Fit ``ETSModel(y, error="add", trend="add", damped_trend=True)``."""
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        years, values, notes, y = _regular_history(self, history, kind, prior)
        with _captured(notes, model=self.name), _refusing(self.name, years):
            res = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
        notes.append(Msg("sim.trend.ml", model=self.name))
        p = dict(zip(res.param_names, np.asarray(res.params, dtype=float), strict=True))
        return HoltFitted(
            model=self.name, last_year=int(years[-1]), last_value=float(values[-1]),
            params=frozen_params(
                alpha=p.get("smoothing_level"), beta=p.get("smoothing_trend"),
                phi=p.get("damping_trend"), sigma=float(np.sqrt(res.scale)),
            ),
            assumptions=tuple(notes), kind=kind, results=res, n_obs=len(years),
        )


def _regular(years, values) -> list[str]:
    _, _, missing = fill_gaps(years, values)
    if missing:
        return [Msg("sim.trend.filled", missing=missing)]
    return []


@dataclass(frozen=True, kw_only=True, eq=False)
class HoltFitted(FittedBase):
    """A fitted damped Holt model."""

    kind: str = field(repr=False)
    results: Any = field(repr=False)
    n_obs: int = field(repr=False)

    def sample(
        self, years: Sequence[int], n_paths: int, *, rng: Any = None,
        shocks: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Simulate with statsmodels from the end of the history; (n_paths, len(years))."""
        idx, n_steps, n_paths, shocks = prepare_sample(
            years, n_paths, self.last_year, shocks, model=self.model
        )
        if n_paths == 0:
            return np.empty((0, len(idx)))
        rng = np.random.default_rng(rng)
        _, shock_rng = rng.spawn(2)
        eps = shock_rng.standard_normal((n_paths, n_steps)) if shocks is None else shocks
        errors = np.sqrt(self.results.scale) * eps.T
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sim = self.results.simulate(
                n_steps, anchor="end", repetitions=n_paths, random_errors=errors
            )
        out = np.asarray(sim, dtype=np.float64).reshape(n_steps, n_paths).T[:, idx]
        return bound_paths(np.ascontiguousarray(out), self.kind)

    def describe(self) -> str:
        """One-line description of the fit."""
        p = self.params
        return (
            f"{self.model}: damped Holt, α={p.get('alpha', float('nan')):.3g}, "
            f"β={p.get('beta', float('nan')):.3g}, φ={p.get('phi', float('nan')):.3g}, "
            f"σ={p['sigma']:.3g}; {self.n_obs} actuals to {self.last_year}"
        )


# ---------------------------------------------------------- ARIMA and Theta
@dataclass(frozen=True, kw_only=True, eq=False)
class GaussianFitted(FittedBase):
    """Paths from a Gaussian forecast distribution: mean_h + (L ε)_h.

    ``L`` is the lower-triangular ψ-weight (MA(∞)) factor of the model's
    forecast errors, with each row rescaled so the marginal variance equals
    statsmodels' own forecast variance exactly.
    """

    kind: str = field(repr=False)
    results: Any = field(repr=False)
    n_obs: int = field(repr=False)
    family: str = field(repr=False, default="arima")
    summary: str = field(repr=False, default="")

    def forecast(self, h: int) -> tuple[NDArray, NDArray, NDArray]:
        """Mean, standard deviation and ψ weights for horizons 1..h."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.family == "theta":
                mean = np.asarray(self.results.forecast(h), dtype=np.float64)
                alpha = float(self.results.params.iloc[1])
                sd = np.sqrt(self.results.sigma2 * (1 + np.arange(h) * (1 + (alpha - 1) ** 2)))
                psi = np.r_[1.0, np.full(h - 1, alpha)]
                return mean, sd, psi
            from statsmodels.tsa.arima_process import arma2ma

            fc = self.results.get_forecast(h)
            mean = np.asarray(fc.predicted_mean, dtype=np.float64)
            sd = np.sqrt(np.asarray(fc.var_pred_mean, dtype=np.float64))
            ar = np.convolve(np.r_[1.0, -np.asarray(self.results.arparams)], [1.0, -1.0])
            ma = np.r_[1.0, np.asarray(self.results.maparams)]
            return mean, sd, arma2ma(ar, ma, lags=h)

    def sample(
        self, years: Sequence[int], n_paths: int, *, rng: Any = None,
        shocks: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Draw paths from the forecast distribution; (n_paths, len(years))."""
        idx, n_steps, n_paths, shocks = prepare_sample(
            years, n_paths, self.last_year, shocks, model=self.model
        )
        rng = np.random.default_rng(rng)
        _, shock_rng = rng.spawn(2)
        mean, sd, psi = self.forecast(n_steps)
        lower = _toeplitz_factor(psi, sd)[idx]
        eps = shock_rng.standard_normal((n_paths, n_steps)) if shocks is None else shocks
        out = eps @ lower.T
        out += mean[idx]
        return bound_paths(out, self.kind)

    def describe(self) -> str:
        """One-line description of the fit."""
        return f"{self.model}: {self.summary}; {self.n_obs} actuals to {self.last_year}"


@dataclass(frozen=True, kw_only=True)
class Arima:
    """ARIMA(p,1,q) with drift via statsmodels; default (0,1,0) + drift.

    Parameters
    ----------
    order : tuple (p, 1, q) or "auto", default (0, 1, 0)
        ``"auto"`` picks among (0,1,0), (1,1,0) and (0,1,1), all with drift, by
        AICc. Minimum history 8; gaps filled by linear interpolation.
    """

    order: tuple[int, int, int] | str = (0, 1, 0)

    name: ClassVar[str] = "arima"
    min_history: ClassVar[int] = 8
    kinds: ClassVar[tuple[str, ...]] = _ALL_KINDS
    description: ClassVar[str] = "ARIMA(0,1,0) with drift or small auto order (statsmodels)"
    accepts_prior: ClassVar[bool] = False

    def __post_init__(self) -> None:
        o = self.order
        if o == "auto":
            return
        ok = (isinstance(o, (tuple, list)) and len(o) == 3
              and all(isinstance(v, int) and v >= 0 for v in o) and o[1] == 1)
        if not ok:
            msg = f"model `arima`: `order` must be 'auto' or (p, 1, q); got {o!r}."
            raise ModelError(msg)
        object.__setattr__(self, "order", tuple(o))

    def fit(
        self, history: pd.Series, *, kind: str = "level", prior: GrowthPrior | None = None
    ) -> GaussianFitted:
        """Fit ``ARIMA(y, order, trend="t")`` (trend "t" with d=1 is a drift)."""
        from statsmodels.tsa.arima.model import ARIMA

        years, values, notes, y = _regular_history(self, history, kind, prior)
        orders = [(0, 1, 0), (1, 1, 0), (0, 1, 1)] if self.order == "auto" else [self.order]
        best = None
        with _captured(notes, model=self.name):
            for order in orders:
                try:
                    res = ARIMA(y, order=order, trend="t").fit()
                except (ValueError, np.linalg.LinAlgError) as e:  # pragma: no cover
                    notes.append(f"arima{order} could not be fitted: {e}")
                    continue
                if best is None or res.aicc < best[1].aicc:
                    best = (order, res)
        if best is None:  # pragma: no cover
            msg = f"model `arima`: no ARIMA order could be fitted to {span(years)}."
            raise ModelError(msg)
        order, res = best
        if self.order == "auto":
            notes.append(Msg("sim.trend.arima_order", order=order))
        notes.append(Msg("sim.trend.normal", model=self.name))
        names = [str(n).replace(".", "_") for n in res.param_names]
        return GaussianFitted(
            model=self.name, last_year=int(years[-1]), last_value=float(values[-1]),
            params=frozen_params(**dict(zip(names, np.asarray(res.params, float), strict=True))),
            assumptions=tuple(notes), kind=kind, results=res, n_obs=len(years),
            summary=f"ARIMA{order} with drift, AICc {res.aicc:.4g}",
        )


@dataclass(frozen=True, kw_only=True)
class Theta:
    """Theta method (statsmodels ThetaModel, θ = 2, no deseasonalising).

    The forecast is statsmodels'; the variance at horizon h is statsmodels'
    :math:`\\sigma^2(1 + (h-1)(1 + (\\alpha-1)^2))` and the correlation across
    years that of the equivalent IMA(1,1) (ψ_0 = 1, ψ_j = α) — a normal
    approximation since ThetaModel has no ``simulate``. Minimum history 8.
    """

    name: ClassVar[str] = "theta"
    min_history: ClassVar[int] = 8
    kinds: ClassVar[tuple[str, ...]] = _ALL_KINDS
    description: ClassVar[str] = "Theta method (statsmodels), normal approximation"
    accepts_prior: ClassVar[bool] = False

    def fit(
        self, history: pd.Series, *, kind: str = "level", prior: GrowthPrior | None = None
    ) -> GaussianFitted:
        """Fit ``ThetaModel(y, period=1, deseasonalize=False)``."""
        from statsmodels.tsa.forecasting.theta import ThetaModel

        years, values, notes, y = _regular_history(self, history, kind, prior)
        if np.ptp(y) == 0:
            msg = (
                f"model `theta`: the history is constant ({y[0]:g} in {span(years)}); "
                "statsmodels' Theta fit is degenerate on it. Use 'linear' or 'holt'."
            )
            raise ModelError(msg)
        with _captured(notes, model=self.name), _refusing(self.name, years):
            res = ThetaModel(y, period=1, deseasonalize=False).fit()
            sigma2 = float(res.sigma2)
        notes.append(Msg("sim.trend.normal", model=self.name))
        b0, alpha = (float(v) for v in np.asarray(res.params, dtype=float))
        return GaussianFitted(
            model=self.name, last_year=int(years[-1]), last_value=float(values[-1]),
            params=frozen_params(b0=b0, alpha=alpha, sigma=float(np.sqrt(sigma2))),
            assumptions=tuple(notes), kind=kind, results=res, n_obs=len(years),
            family="theta", summary=f"Theta, drift {b0:.4g}/yr, α={alpha:.3g}",
        )
