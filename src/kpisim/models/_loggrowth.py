"""Log-growth (and logit-growth) Monte Carlo with parameter uncertainty.

``loggrowth`` models the log level, ``logit`` the logit of a share in %, as a
random walk with drift: :math:`z_{T+h} = z_T + \\sum_{k=1}^{h} r_{T+k}` with
yearly growth :math:`r_t = \\mu + \\sigma\\varepsilon_t`. Each path first draws
its own (μ, σ²) from the posterior of :mod:`kpisim.models._prior` (posterior-
predictive paths), then its innovations; the back-transform is ``exp`` (levels
stay > 0) or ``100·expit`` (shares stay in [0, 100]).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import ModelError, is_finite_number
from kpisim.models._base import (
    FittedBase,
    bound_paths,
    check_kind,
    expit_inplace,
    frozen_params,
    prepare_history,
    prepare_sample,
    span,
)
from kpisim.models._prior import SHARE_EPS, GrowthPrior, Posterior, growth_posterior, transform

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["LogGrowth", "LogitGrowth"]

#: Sample standard deviations below this are treated as exactly zero volatility.
_ZERO_SD = 1e-12
#: Log-scale paths are clipped to ±50 log units from the last value (a factor of
#: 5·10²¹), so that the heavy tails of very short histories never overflow.
_MAX_LOG_CHANGE = 50.0


@dataclass(frozen=True, kw_only=True)
class _GrowthModel:
    shocks: str = "normal"
    dof: float = 5.0
    bootstrap: bool = False
    mean_reversion: float | None = None
    long_run: float | None = None
    parameter_uncertainty: bool = True

    name: ClassVar[str]
    scale: ClassVar[str]
    min_history: ClassVar[int] = 3
    kinds: ClassVar[tuple[str, ...]]
    description: ClassVar[str]
    accepts_prior: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.shocks not in ("normal", "t"):
            msg = f"model `{self.name}`: `shocks` must be 'normal' or 't'; got {self.shocks!r}."
            raise ModelError(msg)
        if self.shocks == "t" and (not is_finite_number(self.dof) or self.dof <= 2):
            msg = (
                f"model `{self.name}`: `dof` of Student-t shocks must be a number "
                f"> 2 (unit variance); got {self.dof!r}."
            )
            raise ModelError(msg)
        if self.bootstrap and self.shocks == "t":
            msg = (
                f"model `{self.name}`: `bootstrap=True` resamples observed rates; "
                "it cannot use `shocks='t'`."
            )
            raise ModelError(msg)
        phi = self.mean_reversion
        if phi is not None and (not is_finite_number(phi) or not 0 <= phi < 1):
            msg = f"model `{self.name}`: `mean_reversion` must be in [0, 1); got {phi!r}."
            raise ModelError(msg)
        if self.long_run is not None:
            if phi is None:
                msg = f"model `{self.name}`: `long_run` needs `mean_reversion`."
                raise ModelError(msg)
            if not is_finite_number(self.long_run):
                msg = (
                    f"model `{self.name}`: `long_run` must be a finite number; "
                    f"got {self.long_run!r}."
                )
                raise ModelError(msg)

    # ------------------------------------------------------------------ fit
    def _check_values(self, years, values, kind) -> list[str]:  # pragma: no cover
        raise NotImplementedError

    def fit(
        self,
        history: pd.Series,
        *,
        kind: str = "level",
        prior: GrowthPrior | None = None,
    ) -> GrowthFitted:
        """Fit the growth posterior to ``history`` (see :mod:`kpisim.models._prior`)."""
        check_kind(kind, self.name)
        self._check_prior(prior)
        advice = (
            "Pass `prior=` (e.g. `kpisim.models.pooled_prior(peers, kind=...)`) "
            "to use the short-history policy."
        )
        years, values = prepare_history(
            history, model=self.name,
            min_history=1 if prior is not None else self.min_history,
            suggestion="" if prior is not None else advice,
        )
        notes = self._check_values(years, values, kind)
        z = transform(values, self.scale, self._eps)
        d, g = np.diff(z), np.diff(years).astype(np.float64)
        if np.any(g > 1):
            notes.append(Msg("sim.log.gaps", span=span(years), n=len(years)))
        post = growth_posterior(d, g, prior)
        if post is None:  # pragma: no cover - prepare_history guarantees n >= 2
            raise ModelError(advice)
        if prior is not None:
            notes.append(prior.sentence())
        if prior is None and self.parameter_uncertainty and not self.bootstrap:
            if np.sqrt(post.s2) <= _ZERO_SD:
                msg = (
                    f"model `{self.name}`: the {len(d)} observed growth rates "
                    f"({span(years)}) have zero variance, so the posterior of σ is "
                    "degenerate. Pass `prior=` (e.g. `pooled_prior(...)`) or use "
                    "`parameter_uncertainty=False` for the deterministic trend."
                )
                raise ModelError(msg)
        rates = d / g
        if self.bootstrap:
            notes.append(Msg("sim.log.bootstrap_gaps" if np.any(g > 1) else "sim.log.bootstrap",
                             n=len(d)))
        if not self.parameter_uncertainty:
            notes.append(Msg("sim.plug_in"))
        elif not self.bootstrap and post.dof <= 2:
            # σ² ~ scaled-inv-χ²(ν): with ν ≤ 2 the predictive has no finite variance
            notes.append(Msg("sim.log.heavy", n=len(d), dof=f"{post.dof:g}"))
        phi = self.mean_reversion
        last_rate = float(rates[-1]) if len(rates) else None
        if phi is not None:
            target = (
                Msg("sim.log.posterior_mean") if self.long_run is None
                else f"{self.long_run:.4g}"
            )
            notes.append(Msg("sim.log.mean_reverts", phi=f"{phi:.3g}", target=target))
        mu = float(rates.mean()) if self.bootstrap else post.mu
        return GrowthFitted(
            model=self.name,
            last_year=int(years[-1]),
            last_value=float(values[-1]),
            params=frozen_params(
                mu=mu, sigma=float(np.sqrt(post.s2)), dof=post.dof, kappa=post.kappa,
                n_growth=float(post.n), phi=phi, long_run=self.long_run,
                last_rate=last_rate, shock_dof=self.dof if self.shocks == "t" else None,
            ),
            assumptions=tuple(notes),
            spec=self,
            kind=kind,
            post=post,
            z_last=float(z[-1]),
            rates=rates,
            n_obs=len(years),
        )

    def _check_prior(self, prior: Any) -> None:
        """Refuse a prior this model cannot use (wrong type or scale, or with bootstrap)."""
        if prior is None:
            return
        if not isinstance(prior, GrowthPrior):
            msg = f"model `{self.name}`: `prior` must be a GrowthPrior; got {type(prior).__name__}."
            raise ModelError(msg)
        if prior.scale != self.scale:
            msg = (
                f"model `{self.name}` works on the {self.scale} scale; the prior is on "
                f"the {prior.scale} scale ({prior.source})."
            )
            raise ModelError(msg)
        if self.bootstrap:
            msg = (
                f"model `{self.name}`: `bootstrap=True` resamples observed growth "
                "rates and cannot use `prior`."
            )
            raise ModelError(msg)

    @property
    def _eps(self) -> float:
        return SHARE_EPS


@dataclass(frozen=True, kw_only=True, eq=False)
class GrowthFitted(FittedBase):
    """A fitted log/logit growth model; see :class:`LogGrowth`."""

    thread_safe: ClassVar[bool] = True  # see FittedBase

    spec: _GrowthModel = field(repr=False)
    kind: str = field(repr=False)
    post: Posterior = field(repr=False)
    z_last: float = field(repr=False)
    rates: NDArray[np.float64] = field(repr=False)
    n_obs: int = field(repr=False)

    def sample(
        self,
        years: Sequence[int],
        n_paths: int,
        *,
        rng: Any = None,
        shocks: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Draw posterior-predictive paths.

        Parameters
        ----------
        years : sequence of int
            Future years, increasing, all after ``last_year``.
        n_paths : int
        rng : {None, int, SeedSequence, Generator}, optional
            Normalised with :func:`numpy.random.default_rng`; two streams are
            spawned, for parameters and for innovations, so passing ``shocks``
            leaves the parameter draws unchanged.
        shocks : ndarray, shape (n_paths, n_steps), optional
            Standard-normal innovations for years ``last_year + 1 ...
            max(years)``, used instead of the model's own draws.

        Returns
        -------
        ndarray, shape (n_paths, len(years))
        """
        spec = self.spec
        idx, n_steps, n_paths, shocks = prepare_sample(
            years, n_paths, self.last_year, shocks, model=self.model
        )
        rng = np.random.default_rng(rng)
        param_rng, shock_rng = rng.spawn(2)
        post = self.post
        if spec.bootstrap:
            inc, mu = self._bootstrap(param_rng, shock_rng, n_paths, n_steps, shocks)
        else:
            if spec.parameter_uncertainty:
                chi2 = np.maximum(param_rng.chisquare(post.dof, n_paths), 1e-300)
                sig2 = post.dof * post.s2 / chi2
                sigma = np.sqrt(sig2)
                mu = post.mu + sigma / np.sqrt(post.kappa) * param_rng.standard_normal(n_paths)
                sigma, mu = sigma[:, None], mu[:, None]
            else:
                sigma, mu = np.sqrt(post.s2), post.mu
            inc = self._innovations(shock_rng, n_paths, n_steps, shocks)
            inc *= sigma
        if spec.mean_reversion is None:
            inc += mu
        else:
            self._mean_revert(inc, mu)
        np.cumsum(inc, axis=1, out=inc)
        out = inc if len(idx) == n_steps else inc[:, idx]  # all years: no copy
        if spec.scale == "log":
            # keep extreme draws (heavy posterior tails with 3 actuals) finite
            np.clip(out, -_MAX_LOG_CHANGE, _MAX_LOG_CHANGE, out=out)
            out += self.z_last
            np.exp(out, out=out)  # > 0 by construction; only shares need a bound
            return bound_paths(out, self.kind) if self.kind == "share" else out
        out += self.z_last
        expit_inplace(out)
        out *= 100.0
        return bound_paths(out, "share")

    def _innovations(self, shock_rng, n_paths, n_steps, shocks) -> NDArray[np.float64]:
        """Unit-variance innovations, a fresh array of shape (n_paths, n_steps)."""
        spec = self.spec
        if spec.shocks == "normal":
            if shocks is None:
                return shock_rng.standard_normal((n_paths, n_steps))
            return shocks.copy()
        nu = float(spec.dof)
        unit = np.sqrt((nu - 2.0) / nu)
        if shocks is None:
            eps = shock_rng.standard_t(nu, (n_paths, n_steps))
        else:
            # Gaussian copula with t marginals: t = F_t^{-1}(Φ(z)), computed on the
            # lower tail for accuracy; keeps antithetic / QMC / copula structure.
            from scipy import special  # lazily: only t shocks from given normals

            eps = -np.sign(shocks) * special.stdtrit(nu, special.ndtr(-np.abs(shocks)))
        eps *= unit
        return eps

    def _bootstrap(self, param_rng, shock_rng, n_paths, n_steps, shocks):
        """Centred resampled rates and each path's mean growth."""
        rates = self.rates
        n = len(rates)
        resid = rates - rates.mean()
        if shocks is None:
            pick = shock_rng.integers(0, n, (n_paths, n_steps))
        else:  # u = Φ(z) picks the rate, so copula / antithetic structure carries over
            from scipy import special  # lazily: costly to import

            pick = np.minimum((special.ndtr(shocks) * n).astype(np.intp), n - 1)
        if self.spec.parameter_uncertainty:
            # per-path mean growth: the mean of a bootstrap resample of the rates
            mean = rates[param_rng.integers(0, n, (n_paths, n))].mean(axis=1)[:, None]
        else:
            mean = float(rates.mean())
        return resid[pick], mean

    def _mean_revert(self, inc, mu) -> None:
        """In place: r_k = L + φ (r_{k-1} - L) + e_k, from the last observed rate."""
        spec = self.spec
        long_run = mu if spec.long_run is None else float(spec.long_run)
        phi = float(spec.mean_reversion)
        prev = float(self.rates[-1]) if len(self.rates) else mu
        for k in range(inc.shape[1]):
            prev = long_run + phi * (prev - long_run) + inc[:, k : k + 1]
            inc[:, k : k + 1] = prev

    def describe(self) -> str:
        """One-line description of the fit."""
        p = self.params
        how = "posterior-predictive" if self.spec.parameter_uncertainty else "plug-in"
        extra = ""
        if self.spec.shocks == "t":
            extra += f", Student-t({self.spec.dof:g}) shocks"
        if self.spec.bootstrap:
            extra += ", bootstrapped growth"
        if self.spec.mean_reversion is not None:
            extra += f", mean reversion φ={self.spec.mean_reversion:g}"
        return (
            f"{self.model}: {self.spec.scale}-scale random walk with drift, "
            f"μ={p['mu']:.4g}/yr, σ={p['sigma']:.3g} (ν={p['dof']:g}), "
            f"{how}{extra}; {self.n_obs} actuals to {self.last_year} "
            f"(last {self.last_value:g})"
        )


@dataclass(frozen=True, kw_only=True)
class LogGrowth(_GrowthModel):
    """Log-growth Monte Carlo: yearly log-growth ~ μ + σε with posterior (μ, σ²).

    Parameters
    ----------
    shocks : {"normal", "t"}, default "normal"
        Innovation distribution; ``"t"`` uses Student-t with ``dof`` degrees of
        freedom, rescaled to unit variance.
    dof : float, default 5
        Degrees of freedom of t shocks (> 2).
    bootstrap : bool, default False
        Resample the observed (centred) growth rates instead of normal shocks;
        with ``parameter_uncertainty`` each path's mean growth is the mean of a
        bootstrap resample of the observed rates.
    mean_reversion : float in [0, 1), optional
        φ of an AR(1) on growth, starting from the last observed rate:
        :math:`r_t - L = \\varphi (r_{t-1} - L) + \\sigma\\varepsilon_t`.
    long_run : float, optional
        The long-run rate L (default: each path's μ).
    parameter_uncertainty : bool, default True
        Draw (μ, σ²) per path from the posterior; False gives plug-in paths
        (μ̂, s), the backtest baseline. Zero volatility then gives the
        deterministic trend exactly.

    Notes
    -----
    Minimum history 3 actuals (2 growth rates) without a prior, 1 with
    ``prior=``. Values must be > 0. Shares are clipped at 100 (prefer
    ``logit``).
    """

    name: ClassVar[str] = "loggrowth"
    scale: ClassVar[str] = "log"
    kinds: ClassVar[tuple[str, ...]] = ("count", "level", "ratio")
    description: ClassVar[str] = (
        "log-growth random walk with drift; posterior-predictive (μ, σ²)"
    )

    def _check_values(self, years, values, kind) -> list[str]:
        if np.any(values <= 0):
            bad = {int(y): float(v) for y, v in zip(years, values, strict=True) if v <= 0}
            msg = (
                f"model `{self.name}` needs positive values (log scale); got {bad}. "
                "Use 'linear' for series that reach zero."
            )
            raise ModelError(msg)
        if kind == "share":
            return ["share simulated on the log scale and clipped at 100 (prefer 'logit')"]
        return []


@dataclass(frozen=True, kw_only=True)
class LogitGrowth(_GrowthModel):
    """Bounded shares: logit(y/100) as a random walk with drift (see LogGrowth).

    Parameters
    ----------
    eps : float, default 1e-3
        Shares are clipped to [100ε, 100(1 − ε)] % before the logit, so a
        history at exactly 0 % or 100 % has a finite logit (±6.9 for the
        default). Paths are ``100·expit(z)`` and never leave [0, 100].

    Other options as :class:`LogGrowth` (applied on the logit scale).
    """

    eps: float = SHARE_EPS

    name: ClassVar[str] = "logit"
    scale: ClassVar[str] = "logit"
    kinds: ClassVar[tuple[str, ...]] = ("share",)
    description: ClassVar[str] = (
        "logit of a share (%) as a random walk with drift; stays in [0, 100]"
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if not is_finite_number(self.eps) or not 0 < self.eps < 0.5:
            msg = f"model `{self.name}`: `eps` must be in (0, 0.5); got {self.eps!r}."
            raise ModelError(msg)

    @property
    def _eps(self) -> float:
        return float(self.eps)

    def _check_values(self, years, values, kind) -> list[str]:
        if np.any((values < 0) | (values > 100)):
            bad = {int(y): float(v) for y, v in zip(years, values, strict=True)
                   if not 0 <= v <= 100}
            msg = f"model `{self.name}` needs shares in % within [0, 100]; got {bad}."
            raise ModelError(msg)
        edge = (values <= 100 * self.eps) | (values >= 100 * (1 - self.eps))
        if np.any(edge):
            return [Msg("sim.log.clipped", n=int(edge.sum()), low=f"{100 * self.eps:g}",
                        high=f"{100 - 100 * self.eps:g}")]
        return []
