"""``refgrowth``: the reference-class growth model, kpisim's default.

The model and its estimation are in :mod:`kpisim.models._refclass`; this module fits
it to one indicator and draws paths. In short, on the transformed scale
:math:`z` (log of a level; logit of :math:`(y - a)/(b - a)` for a value
bounded to :math:`[a, b]`):

.. math::

    z_{T+h} = z_T + \\sum_{k=1}^{h}\\big(m_0 + \\varphi^k(\\mu - m_0) + \\delta
              + \\sigma\\varepsilon_k\\big),

each path drawing :math:`(\\sigma, \\mu, \\delta)` from the posterior of its
history under the reference-class prior (σ by inverse CDF on its grid, μ | σ
normal), then its yearly shocks. Assumptions, all recorded in
``fitted.assumptions``:

* growth on the transformed scale is a drift plus independent normal shocks
  with one volatility σ per series;
* the series' drift is exchangeable with the drifts of the corpus series
  (M1 and Tourism), so it is shrunk toward their mean growth :math:`m_0`,
  with the corpus' between-series spread τ (independent of σ);
* σ is one draw from the corpus' log-normal spread of volatilities, bounded
  to [0.001, σ_max] (σ_max the 99.5th percentile of the corpus series'
  volatility), so every predictive has finite moments on both scales;
* past excess drift decays at the corpus' persistence φ, and a new regime
  :math:`\\delta` may start, with the corpus' variance λσ².

With a user's :class:`~kpisim.models.GrowthPrior` (a labelled scenario) the
conjugate Normal–scaled-inverse-χ² form is used instead, with φ, λ and σ_max
of the reference class.

One actual is enough: then the forecast is the reference class's.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import KpisimWarning, ModelError, is_finite_number
from kpisim.models._base import (
    NUMERIC_KINDS,
    FittedBase,
    check_kind,
    expit_inplace,
    frozen_params,
    level_from_change,
    prepare_history,
    prepare_sample,
    span,
)
from kpisim.models._inverse_cdf import InverseCDF
from kpisim.models._prior import GrowthPrior, growth_posterior
from kpisim.models._refclass import (
    SMOOTH_SIGMA,
    CaseStats,
    ReferencePrior,
    persistence_sum,
    reference_prior,
    series_posterior,
)

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from kpisim.indicator import Bounds, Indicator

__all__ = ["RefGrowth", "RefGrowthFitted", "scale_for", "target_on_bound", "to_scale"]

#: Bounded values are clipped to [a + ε(b − a), b − ε(b − a)] before the logit.
BOUND_EPS = 1e-3
#: Transformed changes beyond this many units from the last value are clipped,
#: counted and warned about (never reached with a truncated σ; a safeguard).
MAX_CHANGE = 50.0


def target_on_bound(indicator: Indicator, bounds: Bounds) -> bool:
    """Whether a numeric target equals the bound the indicator moves toward."""
    for v in indicator.targets.values():
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        if indicator.direction == "decrease" and float(v) <= bounds.low:
            return True
        if indicator.direction != "decrease" and float(v) >= bounds.high:
            return True
    return False


def scale_for(indicator: Indicator) -> tuple[str, tuple[float, float] | None]:
    """``(scale, bounds)`` the default model simulates ``indicator`` on.

    Decided by the indicator's kind and bounds, never by its targets (a
    forecast must not change with the goal it is judged against):

    * ``("log", None)`` for an unbounded indicator;
    * ``("log", None)`` for a bounded ``ratio`` (a compliance ratio capped at
      100 %, 장애인 의무고용 비율): an unbounded latent level censored at the
      bounds by the engine, so that a path can sit exactly at the cap, as such
      ratios do once the obligation is met;
    * ``("logit", (a, b))`` for every other bounded indicator (shares,
      satisfaction scores): values approach a bound without reaching it; a
      target *on* the bound is judged by the ε-boundary rule of the engine
      (a value within ε of the bound is on it).
    """
    bounds = indicator.resolved_bounds()
    if bounds is None or indicator.kind == "ratio":
        return "log", None
    return "logit", (bounds.low, bounds.high)


def to_scale(values: NDArray[np.float64], bounds: tuple[float, float] | None) -> NDArray:
    """``log y``, or ``logit((y − a)/(b − a))`` clipped to [ε, 1 − ε] (``BOUND_EPS``)."""
    if bounds is None:
        return np.log(values)
    lo, hi = bounds
    p = np.clip((values - lo) / (hi - lo), BOUND_EPS, 1 - BOUND_EPS)
    return np.log(p) - np.log1p(-p)


@dataclass(frozen=True, kw_only=True)
class RefGrowth:
    """Reference-class growth model (see the module docstring).

    Parameters
    ----------
    reference : ReferencePrior, "shipped" or None, default "shipped"
        The hyperparameters. ``"shipped"`` reads the corpus fit for the
        series' scale (:func:`kpisim.models.reference_prior`). ``None`` uses
        no prior at all: the reference posterior :math:`p(\\mu, \\sigma^2)
        \\propto 1/\\sigma^2`, which needs 3 actuals (with ``phi=1`` and
        ``drift_break=0`` this is the ``loggrowth`` random walk).
    phi : float in [0, 1], optional
        Override the drift persistence φ.
    drift_break : float ≥ 0, optional
        Override the drift-break variance λ (in σ² per year²).
    sigma_max : float > 0, optional
        Override the upper end of σ. ``inf``: none for the conjugate forms;
        six ω above :math:`s_0` with the reference prior (its grid needs an end).
    parameter_uncertainty : bool, default True
        Draw (σ, μ) per path from the posterior. False gives plug-in paths
        (σ its posterior median, μ its posterior mean; the drift break δ, part
        of the process, is still drawn): the backtest's ``plugin`` baseline.

    Notes
    -----
    ``fit(history, kind=, prior=, bounds=)``: a :class:`GrowthPrior` as
    ``prior`` (e.g. the plan's own stated CAGR, a labelled scenario) replaces
    the reference growth and volatility priors by its conjugate
    Normal–scaled-inverse-χ² prior (:math:`\\mu_0`, :math:`\\kappa_0`,
    :math:`\\nu_0`, :math:`s_0`) and keeps φ, λ and σ_max; a
    :class:`ReferencePrior` replaces them all. ``bounds=(a, b)`` simulates on
    the logit of :math:`(y-a)/(b-a)`; shares use ``(0, 100)`` by default.
    Values must be > 0 on the log scale.
    """

    reference: ReferencePrior | str | None = "shipped"
    phi: float | None = None
    drift_break: float | None = None
    sigma_max: float | None = None
    parameter_uncertainty: bool = True

    name: ClassVar[str] = "refgrowth"
    min_history: ClassVar[int] = 1
    kinds: ClassVar[tuple[str, ...]] = NUMERIC_KINDS
    description: ClassVar[str] = (
        "reference-class growth: drift pooled toward real yearly series, damped, "
        "with drift breaks; bounded values on a logit scale"
    )
    accepts_prior: ClassVar[bool] = True
    accepts_bounds: ClassVar[bool] = True

    def __post_init__(self) -> None:
        ref = self.reference
        if not (ref is None or ref == "shipped" or isinstance(ref, ReferencePrior)):
            msg = (
                f"model `{self.name}`: `reference` must be 'shipped', None or a "
                f"ReferencePrior; got {ref!r}."
            )
            raise ModelError(msg)
        for arg, lo, hi in (("phi", 0.0, 1.0), ("drift_break", 0.0, np.inf)):
            v = getattr(self, arg)
            if v is not None and (not is_finite_number(v) or not lo <= v <= hi):
                msg = f"model `{self.name}`: `{arg}` must be in [{lo:g}, {hi:g}]; got {v!r}."
                raise ModelError(msg)
        if not isinstance(self.parameter_uncertainty, bool):
            msg = (f"model `{self.name}`: `parameter_uncertainty` must be True or False; "
                   f"got {self.parameter_uncertainty!r}.")
            raise ModelError(msg)
        s = self.sigma_max
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float))
                              or not s > 0):
            msg = f"model `{self.name}`: `sigma_max` must be > 0 (or inf); got {s!r}."
            raise ModelError(msg)

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        history: pd.Series,
        *,
        kind: str = "level",
        prior: GrowthPrior | ReferencePrior | None = None,
        bounds: tuple[float, float] | None = None,
    ) -> RefGrowthFitted:
        """Fit the posterior of one history; see the class docstring."""
        check_kind(kind, self.name)
        if bounds is None and kind == "share":
            bounds = (0.0, 100.0)
        if bounds is not None:
            lo, hi = (float(b) for b in bounds)
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                msg = f"model `{self.name}`: `bounds` must be finite (low, high); got {bounds!r}."
                raise ModelError(msg)
        scale = "log" if bounds is None else "logit"
        ref, growth = self._reference(scale, prior)
        no_prior = ref is None
        years, values = prepare_history(
            history, model=self.name, min_history=3 if no_prior else 1,
            suggestion="" if not no_prior else "Use `reference='shipped'` for short histories.",
        )
        notes = self._check_scale(years, values, None if bounds is None else (lo, hi))
        z = to_scale(values, None if bounds is None else (lo, hi))
        d, g = np.diff(z), np.diff(years).astype(np.float64)
        stats = CaseStats.from_increments(d, g)
        n, mu_hat = len(d), float(stats.mu_hat[0])
        if np.any(g > 1):
            notes.append(Msg("sim.ref.gaps", span=span(years)))
        if ref is not None and growth is None:
            params, sigma_post, said = self._grid_posterior(stats, ref, years)
            if n >= 3 and float(stats.ss[0]) < SMOOTH_SIGMA**2 * (n - 1):
                said.append(Msg("sim.ref.smooth", n_obs=len(years),
                                sd=f"{np.sqrt(float(stats.ss[0]) / (n - 1)):.2g}",
                                floor=f"{SMOOTH_SIGMA:g}"))
            own_sd = np.sqrt(float(stats.ss[0]) / (n - 1)) if n >= 3 else np.nan
            if n >= 3 and params["sigma"] > 2 * own_sd:
                # a drift far from m0 under a narrow τ is explained partly as noise
                said.append(Msg("sim.ref.sigma_inflated", n_obs=len(years),
                                own_sd=f"{own_sd:.3f}", sigma=f"{params['sigma']:.3f}",
                                mu_hat=f"{mu_hat:+.3f}", m0=f"{ref.m0:+.3f}",
                                tau=f"{ref.tau:.3f}"))
        else:
            params, said = self._conjugate_posterior(stats, ref, growth, d, g, years)
            sigma_post = None
        notes += said
        return RefGrowthFitted(
            model=self.name,
            last_year=int(years[-1]),
            last_value=float(values[-1]),
            params=frozen_params(**params, n_growth=float(n), mu_hat=mu_hat if n else None),
            assumptions=tuple(notes),
            spec=self,
            kind=kind,
            scale=scale,
            bounds=None if bounds is None else (lo, hi),
            z_last=float(z[-1]),
            n_obs=len(years),
            reference=ref,
            sigma_posterior=sigma_post,
        )

    def _check_scale(self, years: NDArray, values: NDArray,
                     bounds: tuple[float, float] | None) -> list[Any]:
        """Refuse values the scale cannot take; the notes of a bounded scale."""
        if bounds is None:
            if np.any(values <= 0):
                bad = {int(y): float(v) for y, v in zip(years, values, strict=True) if v <= 0}
                msg = (
                    f"model `{self.name}` needs positive values on the log scale; got {bad}. "
                    "Give the indicator `bounds` or use 'linear' for series that reach zero."
                )
                raise ModelError(msg)
            return []
        lo, hi = bounds
        if np.any((values < lo) | (values > hi)):
            bad = {int(y): float(v) for y, v in zip(years, values, strict=True)
                   if not lo <= v <= hi}
            msg = f"model `{self.name}`: values outside the bounds [{lo:g}, {hi:g}]: {bad}."
            raise ModelError(msg)
        notes: list[Any] = []
        p = (values - lo) / (hi - lo)
        edge = (p <= BOUND_EPS) | (p >= 1 - BOUND_EPS)
        if edge.any():
            notes.append(Msg("sim.ref.at_bound", n=int(edge.sum()), low=f"{lo:g}",
                             high=f"{hi:g}", eps=f"{BOUND_EPS:g}"))
        notes.append(Msg("sim.ref.logit", low=f"{lo:g}", high=f"{hi:g}"))
        return notes

    def _grid_posterior(self, stats: CaseStats, ref: ReferencePrior, years: NDArray
                        ) -> tuple[dict[str, Any], InverseCDF, list[Any]]:
        """The reference-class posterior (σ on its grid), its parameters and notes."""
        post = series_posterior(stats, ref)
        params = dict(
            m0=ref.m0, mu=post["mu"], drift_sd=post["drift_sd"], tau=ref.tau,
            years_of_growth=float(stats.big_g[0]), sigma=post["sigma_median"],
            phi=ref.phi, drift_break=ref.lam,
            sigma_max=float(np.exp(post["log_sigma_edges"][-1])),
        )
        return (params, InverseCDF(post["log_sigma_edges"], post["cdf"]),
                [ref.sentence(), _weight_note(stats, years, post["own_weight"])])

    def _conjugate_posterior(self, stats: CaseStats, ref: ReferencePrior | None,
                             growth: GrowthPrior | None, d: NDArray, g: NDArray,
                             years: NDArray) -> tuple[dict[str, Any], list[Any]]:
        """The Normal–inverse-χ² posterior: no prior at all, or a user's GrowthPrior.

        Without a prior: :math:`p(\\mu, \\sigma^2) \\propto 1/\\sigma^2` as in
        ``loggrowth``, no damping and no drift break unless set. With a
        :class:`GrowthPrior` (e.g. the plan's stated CAGR, a labelled
        scenario): its conjugate update, with φ, λ and σ_max of the reference.
        """
        n = len(d)
        if ref is None:
            if stats.ss[0] <= 0:
                msg = (f"model `{self.name}` without a reference prior: the {n} growth rates "
                       f"({span(years)}) have zero variance; use the shipped reference.")
                raise ModelError(msg)
            flat = growth_posterior(d, g, None)  # p(μ, σ²) ∝ 1/σ², as in ``loggrowth``
            phi = 1.0 if self.phi is None else float(self.phi)
            lam = 0.0 if self.drift_break is None else float(self.drift_break)
            smax = float("inf") if self.sigma_max is None else float(self.sigma_max)
            params = dict(m0=flat.mu, mu=flat.mu, kappa=flat.kappa, dof=flat.dof,
                          sigma=float(np.sqrt(flat.s2)), phi=phi, drift_break=lam,
                          sigma_max=smax if np.isfinite(smax) else None)
            return params, [Msg("sim.ref.no_prior", n=n)]
        post = growth_posterior(d, g, growth)
        params = dict(m0=growth.mu, mu=post.mu, kappa=post.kappa, dof=post.dof,
                      sigma=float(np.sqrt(post.s2)), phi=ref.phi, drift_break=ref.lam,
                      sigma_max=ref.sigma_max if np.isfinite(ref.sigma_max) else None)
        own = float(stats.big_g[0]) / post.kappa
        return params, [growth.sentence(), _weight_note(stats, years, own)]

    def _reference(self, scale: str, prior: Any
                   ) -> tuple[ReferencePrior | None, GrowthPrior | None]:
        """The reference prior to use and, if given, a user's GrowthPrior.

        A GrowthPrior replaces the reference class's growth and volatility
        priors (conjugate form) and keeps its φ, λ and σ_max.
        """
        base = self.reference
        growth = None
        if isinstance(prior, ReferencePrior):
            if prior.scale != scale:
                msg = (f"model `{self.name}` works on the {scale} scale here; the reference "
                       f"prior is on the {prior.scale} scale ({prior.source}).")
                raise ModelError(msg)
            base = prior
        elif base == "shipped":
            base = reference_prior(scale)
        if isinstance(prior, GrowthPrior):
            if base is None:
                base = reference_prior(scale)
            if prior.scale != scale:
                msg = (f"model `{self.name}` works on the {scale} scale here; the prior is on "
                       f"the {prior.scale} scale ({prior.source}).")
                raise ModelError(msg)
            if prior.dof <= 2:
                msg = (f"model `{self.name}`: a GrowthPrior needs dof > 2 for a finite "
                       f"predictive variance; got {prior.dof:g} ({prior.source}).")
                raise ModelError(msg)
            growth = prior
        elif prior is not None and not isinstance(prior, ReferencePrior):
            msg = (f"model `{self.name}`: `prior` must be a GrowthPrior or a ReferencePrior; "
                   f"got {type(prior).__name__}.")
            raise ModelError(msg)
        if base is None:
            return None, None
        over = {k: float(v) for k, v in (("phi", self.phi), ("lam", self.drift_break),
                                         ("sigma_max", self.sigma_max)) if v is not None}
        return (replace(base, **over) if over else base), growth


def _weight_note(stats: CaseStats, years: NDArray, own: float) -> Msg:
    """The assumption line saying how much weight the series' own growth got."""
    if not stats.n[0]:
        return Msg("sim.ref.own_unknown", n_obs=len(years), span=span(years))
    return Msg("sim.ref.own_weight", n_obs=len(years), span=span(years),
               mu=f"{float(stats.mu_hat[0]):+.4f}", own=f"{own:.0%}", ref=f"{1 - own:.0%}")


def _truncated_chi2(rng: np.random.Generator, dof: float, low: float, n: int) -> NDArray:
    """χ²_dof draws conditioned on χ² ≥ ``low`` (σ ≤ σ_max), exactly.

    Rejection: redraw the (rare) draws below ``low``; after a few rounds any
    left are drawn by inverting the survival function (slower, exact).
    """
    chi2 = rng.chisquare(dof, n)
    bad = np.flatnonzero(chi2 < low)
    for _ in range(4):
        if bad.size == 0:
            return chi2
        chi2[bad] = rng.chisquare(dof, bad.size)
        bad = bad[chi2[bad] < low]
    if bad.size:
        u = 1.0 - rng.random(bad.size)  # in (0, 1]
        from scipy import special  # lazily: rarely needed, and costly to import

        chi2[bad] = np.maximum(special.chdtri(dof, u * special.chdtrc(dof, low)), low)
    return chi2


@dataclass(frozen=True, kw_only=True, eq=False)
class RefGrowthFitted(FittedBase):
    """A fitted :class:`RefGrowth`; ``sample`` draws posterior-predictive paths."""

    thread_safe: ClassVar[bool] = True  # see FittedBase

    spec: RefGrowth = field(repr=False)
    kind: str = field(repr=False)
    scale: str = field(repr=False)
    bounds: tuple[float, float] | None = field(repr=False)
    z_last: float = field(repr=False)
    n_obs: int = field(repr=False)
    reference: ReferencePrior | None = field(repr=False)
    #: Inverse of the CDF of log σ under the reference-class posterior (linear
    #: between the grid's cell edges); None for the conjugate forms (no prior,
    #: or a user's GrowthPrior).
    sigma_posterior: InverseCDF | None = field(default=None, repr=False)

    def sample(
        self,
        years: Sequence[int],
        n_paths: int,
        *,
        rng: Any = None,
        shocks: NDArray[np.float64] | None = None,
        param_shocks: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Draw posterior-predictive paths, shape ``(n_paths, len(years))``.

        Parameters
        ----------
        years : sequence of int
            Future years, increasing, after ``last_year``.
        n_paths : int
        rng : {None, int, SeedSequence, Generator}, optional
            Two streams are spawned: parameters, then yearly shocks.
        shocks : ndarray, shape (n_paths, n_steps), optional
            Standard-normal yearly shocks (e.g. correlated across indicators);
            read, never modified.
        param_shocks : ndarray, shape (n_paths, 2), optional
            Standard normals for each path's drift μ and drift break δ,
            instead of the model's own; correlating them across indicators
            gives them a common growth factor.

        Returns
        -------
        ndarray, shape (n_paths, len(years))
            Year-major in memory (the transpose of a C-ordered
            ``(len(years), n_paths)`` array): each year's paths are contiguous,
            as the engine's counters read them.
        """
        idx, n_steps, n_paths, shocks = prepare_sample(
            years, n_paths, self.last_year, shocks, model=self.model
        )
        if param_shocks is not None:
            param_shocks = np.asarray(param_shocks, dtype=np.float64)
            if param_shocks.shape != (n_paths, 2):
                msg = (f"model `{self.model}`: `param_shocks` must have shape ({n_paths}, 2); "
                       f"got {param_shocks.shape}.")
                raise ModelError(msg)
        p = self.params
        # the parameters' stream, then the shocks' (spawned even when the shocks
        # are given, so that a caller's generator advances as it always did)
        param_rng, shock_rng = np.random.default_rng(rng).spawn(2)
        if self.sigma_posterior is not None:
            sigma, mu = self._grid_draws(param_rng, n_paths, param_shocks)
        else:
            sigma, mu = self._conjugate_draws(param_rng, n_paths, param_shocks)
        lam = p["drift_break"]
        m0, phi = p["m0"], p["phi"]
        level = np.full(n_paths, m0)
        if lam > 0:
            z_d = (param_rng.standard_normal(n_paths) if param_shocks is None
                   else param_shocks[:, 1])
            level += np.sqrt(lam) * sigma * z_d
        eps = shock_rng.standard_normal((n_paths, n_steps)) if shocks is None else shocks
        # Year k's change is σε_k + φ^k(μ − m0) + (m0 + δ) (φ < 1), or
        # σε_k + ((μ − m0) + (m0 + δ)) (φ = 1); the path is their running sum,
        # computed with years as rows (each year's paths contiguous) and
        # returned as the transposed (n_paths, n_steps) view.
        from kpisim import _kernels  # numba: imported when a simulation runs

        inc = np.empty((n_steps, n_paths))
        outside = _kernels.damped_walk(
            np.asarray(eps, dtype=np.float64), sigma, mu - m0, level,
            phi ** np.arange(1, n_steps + 1), phi < 1.0, MAX_CHANGE, inc)
        out = inc if len(idx) == n_steps else inc[idx]
        if outside and (out.max() > MAX_CHANGE or out.min() < -MAX_CHANGE):
            big = np.abs(out) > MAX_CHANGE
            warnings.warn(
                f"model `{self.model}`: {int(big.sum())} simulated value(s) more than "
                f"{MAX_CHANGE:g} {self.scale} units from the last actual were clipped",
                KpisimWarning, stacklevel=2,
            )
            np.clip(out, -MAX_CHANGE, MAX_CHANGE, out=out)
        if self.bounds is None:
            return level_from_change(out, self.z_last).T
        out += self.z_last
        lo, hi = self.bounds
        expit_inplace(out)
        out *= hi - lo
        out += lo
        return out.T

    def _grid_draws(self, rng: np.random.Generator, n_paths: int,
                    param_shocks: NDArray | None) -> tuple[NDArray, NDArray]:
        """σ by inverse CDF of its grid posterior, then μ | σ (normal, closed form)."""
        p = self.params
        if not self.spec.parameter_uncertainty:
            return np.full(n_paths, p["sigma"]), np.full(n_paths, p["mu"])
        from kpisim import _kernels  # numba: imported when a simulation runs

        # e^σ by numpy's exp, as before: its AVX-512 exp differs from the C
        # library's by a few ulp, and these are the paths' own σ
        sigma = np.exp(self.sigma_posterior(rng.random(n_paths)))
        z_mu = rng.standard_normal(n_paths) if param_shocks is None else param_shocks[:, 0]
        mu = np.empty(n_paths)
        _kernels.drift_draws(sigma, np.ascontiguousarray(z_mu), p["m0"], p["tau"],
                             p["years_of_growth"], p.get("mu_hat") or 0.0, mu)
        return sigma, mu

    def _conjugate_draws(self, rng: np.random.Generator, n_paths: int,
                         param_shocks: NDArray | None) -> tuple[NDArray, NDArray]:
        """σ² from its scaled-inverse-χ² posterior (truncated at σ_max), then μ | σ²."""
        p = self.params
        nun, s2n, kn = p["dof"], p["sigma"] ** 2, p["kappa"]
        smax = p.get("sigma_max") or np.inf
        if not self.spec.parameter_uncertainty:
            chi2 = np.full(n_paths, nun)  # σ = s_n on every path
        elif np.isfinite(smax):
            chi2 = _truncated_chi2(rng, nun, nun * s2n / smax**2, n_paths)
        else:
            chi2 = np.maximum(rng.chisquare(nun, n_paths), 1e-300)
        sigma = np.sqrt(nun * s2n / chi2)
        z_mu = rng.standard_normal(n_paths) if param_shocks is None else param_shocks[:, 0]
        if self.spec.parameter_uncertainty:
            mu = p["mu"] + sigma / np.sqrt(kn) * z_mu
        else:
            mu = np.full(n_paths, p["mu"])
        return sigma, mu

    def expected_growth(self, h: int | Sequence[int]) -> NDArray[np.float64]:
        """Mean change of z over ``h`` years: :math:`h m_0 + S_h(m_n - m_0)`."""
        p = self.params
        h = np.asarray(h, dtype=float)
        return h * p["m0"] + persistence_sum(p["phi"], h) * (p["mu"] - p["m0"])

    def describe(self) -> str:
        """One-line description of the fit."""
        p = self.params
        b = self.bounds
        where = (Msg("sim.scale.log") if b is None
                 else Msg("sim.scale.logit_of", low=f"{b[0]:g}", high=f"{b[1]:g}"))
        return Msg("sim.ref.describe", model=self.model, where=where, mu=f"{p['mu']:+.4f}",
                   phi=f"{p['phi']:.3g}", m0=f"{p['m0']:+.4f}", sigma=f"{p['sigma']:.3g}",
                   lam=f"{p['drift_break']:.3g}", n_obs=self.n_obs,
                   last_year=self.last_year, last=f"{self.last_value:g}")
