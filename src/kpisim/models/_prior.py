"""Growth priors and the Normal–inverse-χ² posterior of a yearly growth rate.

The growth models (``loggrowth``, ``logit``) treat the transformed series
:math:`z_t` (log level, or logit of a share) as a random walk with drift,

.. math:: z_t - z_{t-1} = \\mu + \\sigma \\varepsilon_t,
          \\qquad \\varepsilon_t \\sim N(0, 1).

**Gaps.** An increment observed over a gap of :math:`g` years,
:math:`d = z_{t} - z_{t-g}`, is the sum of :math:`g` yearly steps, so
:math:`d \\sim N(g\\mu, g\\sigma^2)`. With increments :math:`d_i` over gaps
:math:`g_i` (:math:`n` increments, :math:`G = \\sum g_i` years) the sufficient
statistics are

.. math:: \\hat\\mu = \\frac{\\sum d_i}{G}, \\qquad
          SS = \\sum_i \\frac{(d_i - g_i \\hat\\mu)^2}{g_i},

which reduce to the sample mean and :math:`(n-1)s^2` without gaps.

**Reference posterior** (:math:`p(\\mu, \\sigma^2) \\propto 1/\\sigma^2`,
:math:`n \\ge 2`): :math:`\\sigma^2 \\sim \\text{Scaled-Inv-}\\chi^2(n-1,
SS/(n-1))` and :math:`\\mu \\mid \\sigma^2 \\sim N(\\hat\\mu, \\sigma^2/G)`.

**Conjugate posterior** with a :class:`GrowthPrior`
:math:`\\mu \\mid \\sigma^2 \\sim N(\\mu_0, \\sigma^2/\\kappa_0)`,
:math:`\\sigma^2 \\sim \\text{Scaled-Inv-}\\chi^2(\\nu_0, s_0^2)` (works for
any :math:`n \\ge 0`):

.. math:: \\kappa_n = \\kappa_0 + G, \\quad
          \\mu_n = \\frac{\\kappa_0\\mu_0 + G\\hat\\mu}{\\kappa_n}, \\quad
          \\nu_n = \\nu_0 + n, \\quad
          \\nu_n s_n^2 = \\nu_0 s_0^2 + SS + \\frac{\\kappa_0 G}{\\kappa_n}
          (\\hat\\mu - \\mu_0)^2 .

References
----------
Gelman, A. et al. (2013). *Bayesian Data Analysis*, 3rd ed., §3.2–3.3.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import ModelError, is_finite_number

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from kpisim.indicator import Indicator

__all__ = ["GrowthPrior", "Posterior", "growth_posterior", "increments", "pooled_prior"]

#: Clip applied to shares before the logit: y/100 is kept in [ε, 1 − ε].
SHARE_EPS = 1e-3

#: Floor of the pooled prior's between-peer sd of μ (1 % a year on the log scale).
MIN_MU_SD = 0.01
#: Bounds on the pooled prior's degrees of freedom ν0.
MIN_DOF, MAX_DOF = 4.0, 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class GrowthPrior:
    """Normal–inverse-χ² prior on a yearly growth rate.

    Parameters
    ----------
    mu : float
        Prior mean :math:`\\mu_0` of the yearly growth (log or logit scale).
    mu_sd : float
        Prior standard deviation of :math:`\\mu` when :math:`\\sigma = s_0`;
        it sets :math:`\\kappa_0 = s_0^2 / \\text{mu\\_sd}^2` (the prior is
        worth :math:`\\kappa_0` years of data on the mean).
    sigma : float
        Prior scale :math:`s_0` of the yearly volatility :math:`\\sigma`.
    dof : float
        Prior degrees of freedom :math:`\\nu_0` of :math:`\\sigma^2` (the prior
        is worth :math:`\\nu_0` growth observations on the volatility).
    scale : {"log", "logit"}, default "log"
        Scale of the growth rates: ``"log"`` for ``loggrowth``, ``"logit"``
        for ``logit`` (shares).
    source : str
        Where the prior comes from; quoted in ``Fitted.assumptions``.
    """

    mu: float
    mu_sd: float
    sigma: float
    dof: float
    scale: str = "log"
    source: str = "user-supplied growth prior"

    def __post_init__(self) -> None:
        if not is_finite_number(self.mu):
            msg = f"`GrowthPrior.mu` must be a finite number; got {self.mu!r}."
            raise ModelError(msg)
        for name in ("mu_sd", "sigma", "dof"):
            value = getattr(self, name)
            if not is_finite_number(value) or value <= 0:
                msg = f"`GrowthPrior.{name}` must be a finite number > 0; got {value!r}."
                raise ModelError(msg)
        if self.scale not in ("log", "logit"):
            msg = f"`GrowthPrior.scale` must be 'log' or 'logit'; got {self.scale!r}."
            raise ModelError(msg)

    @property
    def kappa(self) -> float:
        """Prior sample size on the mean, :math:`\\kappa_0 = s_0^2/\\text{mu\\_sd}^2`."""
        return float(self.sigma**2 / self.mu_sd**2)

    def sentence(self) -> str:
        """The assumption sentence recorded by every fit that uses the prior."""
        return Msg("sim.growth_prior", source=self.source, mu=f"{self.mu:.4g}",
                   mu_sd=f"{self.mu_sd:.3g}", dof=f"{self.dof:.3g}", s0=f"{self.sigma:.3g}",
                   scale=Msg(f"sim.scale.{self.scale}"))


@dataclass(frozen=True, slots=True)
class Posterior:
    """Normal–inverse-χ² posterior: μ | σ² ~ N(mu, σ²/kappa), σ² ~ SIχ²(dof, s2)."""

    mu: float
    kappa: float
    dof: float
    s2: float
    n: int  # number of growth increments used


def increments(
    years: NDArray[np.int64], z: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Increments ``d`` of a transformed series and their gaps ``g`` in years."""
    return np.diff(z), np.diff(years).astype(np.float64)


def growth_posterior(
    d: NDArray[np.float64], g: NDArray[np.float64], prior: GrowthPrior | None
) -> Posterior | None:
    """Posterior of (μ, σ²) from increments; None when it would be improper.

    Without a prior the reference posterior needs ``n >= 2`` increments.
    """
    n = len(d)
    big_g = float(g.sum()) if n else 0.0
    if n:
        mu_hat = float(d.sum() / big_g)
        ss = float(np.sum((d - g * mu_hat) ** 2 / g))
    else:
        mu_hat, ss = 0.0, 0.0
    if prior is None:
        if n < 2:
            return None
        return Posterior(mu=mu_hat, kappa=big_g, dof=n - 1.0, s2=ss / (n - 1), n=n)
    k0, nu0 = prior.kappa, float(prior.dof)
    kn = k0 + big_g
    mun = (k0 * prior.mu + big_g * mu_hat) / kn
    nun = nu0 + n
    s2n = (nu0 * prior.sigma**2 + ss + k0 * big_g / kn * (mu_hat - prior.mu) ** 2) / nun
    return Posterior(mu=float(mun), kappa=float(kn), dof=float(nun), s2=float(s2n), n=n)


def transform(values: NDArray[np.float64], scale: str, eps: float = SHARE_EPS):
    """Log, or logit of ``values / 100`` clipped to [ε, 1 − ε]."""
    if scale == "log":
        return np.log(values)
    p = np.clip(values / 100.0, eps, 1.0 - eps)
    return np.log(p) - np.log1p(-p)


def pooled_prior(
    indicators: Iterable[Indicator], *, kind: str | None = None, unit: str | None = None
) -> GrowthPrior:
    """Estimate a growth prior from peer indicators by the method of moments.

    Parameters
    ----------
    indicators : iterable of Indicator
        Peer indicators; only those of ``kind`` and ``unit`` (when given) with
        at least two observed actuals are used, grades never. Exclude the
        indicator being projected to keep the prior independent of its data.
    kind : str, optional
        Keep peers of this kind. Shares give a ``logit``-scale prior, other
        kinds a ``log``-scale one; without ``kind`` the peers must agree.
    unit : str, optional
        Keep peers with this unit.

    Returns
    -------
    GrowthPrior

    Notes
    -----
    For each peer *j* with increments :math:`d_{ij}` over gaps :math:`g_{ij}`
    (see the module docstring): mean growth :math:`m_j = \\sum_i d_{ij}/G_j`
    and, with two or more increments, volatility
    :math:`s_j^2 = SS_j/(n_j - 1)`. Then, over peers:

    * :math:`\\mu_0 = \\overline{m}` (equal weights);
    * :math:`\\text{mu\\_sd}^2 = \\max(\\operatorname{var}(m_j) -
      \\overline{s_j^2/G_j},\\ 0.01^2)` — between-peer spread of mean growth
      net of sampling noise, floored at 1 %/yr;
    * with :math:`E = \\overline{s_j^2}` and :math:`CV^2 =
      \\operatorname{var}(s_j^2)/E^2`, matching the mean and variance of a
      scaled-inv-χ²(ν0, s0²) gives :math:`\\nu_0 = 4 + 2/CV^2` (clipped to
      [4, 30]) and :math:`s_0^2 = E(\\nu_0 - 2)/\\nu_0`.

    Noisy :math:`s_j^2` inflate :math:`CV` and so lower :math:`\\nu_0`: the
    prior errs on the weak side. At least two peers with two or more
    increments (three actuals) are required.
    """
    peers = [
        ind for ind in indicators
        if ind.kind != "grade"
        and (kind is None or ind.kind == kind)
        and (unit is None or ind.unit == unit)
    ]
    kinds = {ind.kind for ind in peers}
    if kind == "grade":
        msg = "`pooled_prior`: grades have no growth rates; `kind` cannot be 'grade'."
        raise ModelError(msg)
    if kind is None and "share" in kinds and len(kinds) > 1:
        msg = (
            "`pooled_prior`: peers mix shares (logit scale) with other kinds "
            f"(log scale) {sorted(kinds)}; pass `kind=` to choose."
        )
        raise ModelError(msg)
    scale = "logit" if (kind == "share" or kinds == {"share"}) else "log"
    means, noise, variances, used = [], [], [], []
    for ind in peers:
        s = ind.observed
        years = s.index.to_numpy(dtype=np.int64)
        vals = s.to_numpy(dtype=np.float64)
        if len(vals) < 2 or (scale == "log" and np.any(vals <= 0)):
            continue
        d, g = increments(years, transform(vals, scale))
        big_g = g.sum()
        m = d.sum() / big_g
        means.append(m)
        used.append(ind.id)
        if len(d) >= 2:
            s2 = float(np.sum((d - g * m) ** 2 / g) / (len(d) - 1))
            variances.append(s2)
            noise.append(s2 / big_g)
    if len(variances) < 2:
        where = ", ".join(f"{k}={v}" for k, v in (("kind", kind), ("unit", unit)) if v)
        msg = (
            "`pooled_prior` needs at least 2 peer indicators with 3 or more "
            f"observed actuals{' (' + where + ')' if where else ''}; "
            f"got {len(variances)} of {len(peers)} peers."
        )
        raise ModelError(msg)
    m_arr, v_arr = np.asarray(means), np.asarray(variances)
    tau2 = max(float(np.var(m_arr, ddof=1)) - float(np.mean(noise)), MIN_MU_SD**2)
    e = float(v_arr.mean())
    if e <= 0:
        msg = "`pooled_prior`: every peer has zero growth volatility; cannot pool."
        raise ModelError(msg)
    cv2 = float(np.var(v_arr, ddof=1)) / e**2
    dof = MAX_DOF if cv2 == 0 else float(np.clip(4.0 + 2.0 / cv2, MIN_DOF, MAX_DOF))
    s0 = float(np.sqrt(e * (dof - 2.0) / dof))
    where = ", ".join(f"{k}={v}" for k, v in (("kind", kind), ("unit", unit)) if v)
    source = Msg("sim.source.pooled_prior", n=len(used), where=f" ({where})" if where else "")
    return GrowthPrior(
        mu=float(m_arr.mean()), mu_sd=float(np.sqrt(tau2)), sigma=s0, dof=dof,
        scale=scale, source=source,
    )
