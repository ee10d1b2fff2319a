"""The reference-class prior: what real yearly series did, as a proper prior.

kpisim's default model (``refgrowth``, :mod:`kpisim.models._refgrowth`) forecasts
the transformed series :math:`z_t` (log of a level, logit of a bounded
value) of one indicator with a hierarchical growth model whose
hyperparameters are learned from a corpus of real yearly series (the
"outside view"). This module holds the hyperparameters, the closed-form
predictive distribution and the estimator; ``benchmarks/fit_reference_prior.py``
builds the corpus and ships the fit as ``kpisim/data/_reference/reference_prior.json``.

The model
---------
For a series with :math:`n` yearly increments :math:`d_i = z_{t_i} -
z_{t_i - g_i}` over gaps :math:`g_i` (:math:`G = \\sum g_i` years):

.. math::

    \\log\\sigma &\\sim N(\\log s_0, \\omega^2)
        \\quad\\text{truncated to } [\\sigma_{\\min}, \\sigma_{\\max}],\\\\
    \\mu &\\sim N(m_0, \\tau^2) \\quad\\text{independent of } \\sigma,\\\\
    d_i \\mid \\mu, \\sigma &\\sim N(g_i\\mu, g_i\\sigma^2),

so a series' volatility σ is one draw from the corpus' log-normal spread of
volatilities, and its drift μ is partially pooled toward the reference-class
growth :math:`m_0`, with a between-series spread τ in growth units (a
low-volatility series' own drift is well measured and keeps most of its
weight; a noisy one is pulled toward :math:`m_0`). The future yearly growth is

.. math::

    r_{T+k} = m_0 + \\varphi^k(\\mu - m_0) + \\delta + \\sigma\\varepsilon_k,
    \\qquad \\delta \\mid \\sigma \\sim N(0, \\lambda\\sigma^2),
    \\quad \\varepsilon_k \\sim N(0, 1),

the drift decaying toward :math:`m_0` at rate :math:`\\varphi` (drift mostly
does not persist in real yearly data) while a *drift break* :math:`\\delta`,
one per path, stands for a new growth regime over the forecast horizon.

**Posterior.** Given σ the drift's posterior is normal,
:math:`\\mu \\mid \\sigma, d \\sim N(m_\\sigma, V_\\sigma)` with
:math:`V_\\sigma^{-1} = 1/\\tau^2 + G/\\sigma^2` and
:math:`m_\\sigma = V_\\sigma(m_0/\\tau^2 + G\\hat\\mu/\\sigma^2)`, and σ's
posterior is one-dimensional:

.. math::

    p(\\log\\sigma \\mid d) \\propto p(\\log\\sigma)\\,
        \\sigma^{-(n-1)} e^{-SS/2\\sigma^2}\\,
        N\\big(\\hat\\mu;\\, m_0,\\, \\tau^2 + \\sigma^2/G\\big)

(:math:`\\hat\\mu`, :math:`SS` the sufficient statistics of
:mod:`kpisim.models._prior`; the last two factors are 1 for one actual). It is
evaluated exactly on a fine grid of :math:`\\log\\sigma` (:data:`N_GRID`
nodes, :func:`sigma_grid`), so the :math:`h`-year change is a finite mixture
of normals,

.. math::

    z_{T+h} - z_T \\sim \\sum_j w_j\\, N\\Big(h m_0 + S_h (m_{\\sigma_j} - m_0),\\;
        \\sigma_j^2 (h + \\lambda h^2) + S_h^2 V_{\\sigma_j}\\Big),
    \\qquad S_h = \\sum_{k=1}^{h} \\varphi^k .

σ is bounded, so every predictive has finite moments of every order on both
scales, at every history length, one actual included. (The previous form of
this prior, Normal–scaled-inverse-χ² with :math:`\\mu \\mid \\sigma^2 \\sim
N(m_0, \\sigma^2/\\kappa_0)`, tied a series' drift spread to its volatility and
put too little mass on low volatilities: fitted on one corpus, it pinned the
other corpus' drifts to :math:`m_0`; see ``docs/models.md``.)

Estimation
----------
The six hyperparameters :math:`(m_0, \\tau, s_0, \\omega, \\varphi, \\lambda)`
maximise the mean log predictive density of the held-out changes
:math:`z_{t+h} - z_t` (:math:`h = 1, \\dots, H`) over every origin of every
corpus series, each fitted on its last 1, 2, 3, 5, 8 and all actuals, with
every series weighted equally. For :math:`h = 1` this is the prequential
(one-step-ahead) decomposition of the marginal likelihood; the horizons
:math:`h > 1` make the estimate target the multi-year forecasts the model is
used for. See ``docs/models.md`` for the justification and
``docs/backtest.md`` for the out-of-sample evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kpisim._messages import Msg, text
from kpisim._validation import ModelError, is_finite_number

__all__ = [
    "CaseStats",
    "ReferencePrior",
    "conjugate_predictive",
    "drift_given_sigma",
    "fit_reference_prior",
    "grid_posterior",
    "mixture_cdf",
    "mixture_logpdf",
    "pool_catalog",
    "predictive",
    "predictive_cdf",
    "predictive_logpdf",
    "reference_prior",
    "series_posterior",
    "sigma_grid",
    "sustained_share",
]

#: The hyperparameters' names, in the order of :meth:`ReferencePrior.vector`.
PARAMS = ("m0", "tau", "s0", "omega", "phi", "lam")
#: Largest share of the catalog-pooled growth one peer may carry (:func:`pool_catalog`).
PEER_SHARE = 0.05
#: Lower end of the σ grid (log or logit units a year): 0.1 % a year.
SIGMA_MIN = 1e-3
#: Yearly volatility below which a history is smoother than 99.5 % of the
#: reference class's series: the corpus' 0.5th percentile (0.0083 over its
#: 2,120 series with 6+ values; ``benchmarks/fit_reference_prior.py`` prints
#: it), rounded down. Such a history gets an assumption line saying its bands
#: may be too narrow (see docs/models.md, "An exactly smooth history").
SMOOTH_SIGMA = 0.008
#: Nodes of the σ grid, equally spaced in log σ (:func:`sigma_grid`).
N_GRID = 160
#: Floor of the degrees of freedom of a user's conjugate prior (finite variance).
MIN_NU0 = 3.0
_DATA_FILE = "_reference/reference_prior.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferencePrior:
    """Hyperparameters of the reference-class growth model on one scale.

    Parameters
    ----------
    m0 : float
        Reference-class yearly growth (log or logit units): the prior mean of
        a series' drift and the long-run growth its drift decays toward.
    tau : float
        Between-series standard deviation of the drift μ (growth units a
        year). A series with :math:`G` years of increments and volatility σ
        keeps the share :math:`G\\tau^2/(G\\tau^2 + \\sigma^2)` of its own mean
        growth.
    s0 : float
        Median yearly volatility σ of the reference class.
    omega : float
        Standard deviation of :math:`\\log\\sigma` across series.
    phi : float
        Drift persistence φ in [0, 1]: the excess drift :math:`\\mu - m_0`
        decays as :math:`\\varphi^k` over the forecast years.
    lam : float
        Drift-break variance λ ≥ 0, in units of σ² per year².
    sigma_max : float
        Upper end of σ (log/logit units a year); ``inf`` puts it six ω above
        :math:`s_0`.
    scale : {"log", "logit"}
    source : str
        Where the values come from (quoted in every fit's assumptions).
    provenance : dict
        Corpus, method, date and fit diagnostics (from the data file).
    """

    m0: float
    tau: float
    s0: float
    omega: float
    phi: float
    lam: float
    sigma_max: float = float("inf")
    scale: str = "log"
    source: str = "user-supplied reference prior"
    provenance: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        checks = {
            "m0": is_finite_number(self.m0),
            "tau": is_finite_number(self.tau) and self.tau > 0,
            "s0": is_finite_number(self.s0) and SIGMA_MIN < self.s0,
            "omega": is_finite_number(self.omega) and self.omega > 0,
            "phi": is_finite_number(self.phi) and 0 <= self.phi <= 1,
            "lam": is_finite_number(self.lam) and self.lam >= 0,
            "sigma_max": not isinstance(self.sigma_max, bool)
            and isinstance(self.sigma_max, (int, float)) and self.sigma_max > SIGMA_MIN,
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            got = {k: getattr(self, k) for k in bad}
            msg = (
                f"`ReferencePrior`: m0 finite, tau > 0, s0 > {SIGMA_MIN:g}, omega > 0, "
                f"0 ≤ phi ≤ 1, lam ≥ 0 and sigma_max > {SIGMA_MIN:g} are required; got {got}."
            )
            raise ModelError(msg)
        if self.scale not in ("log", "logit"):
            msg = f"`ReferencePrior.scale` must be 'log' or 'logit'; got {self.scale!r}."
            raise ModelError(msg)

    def vector(self) -> NDArray[np.float64]:
        """``(m0, kappa0, nu0, s0, phi, lam)`` as an array."""
        return np.array([getattr(self, k) for k in PARAMS], dtype=np.float64)

    def with_growth(self, m0: float, *, source: str | None = None) -> ReferencePrior:
        """The same prior with another reference growth ``m0`` (a what-if)."""
        note = source or Msg("sim.source.growth_set", base=self.source, m0=f"{m0:.4g}")
        return replace(self, m0=float(m0), source=note)

    def sentence(self) -> str:
        """The assumption sentence every fit with this prior records."""
        trunc = (Msg("sim.ref.trunc", smax=f"{self.sigma_max:.3g}")
                 if np.isfinite(self.sigma_max) else "")
        return Msg("sim.ref.prior", source=self.source, m0=f"{self.m0:+.4f}",
                   scale=Msg(f"sim.scale.{self.scale}"), tau=f"{self.tau:.3g}",
                   phi=f"{self.phi:.3g}", lam=f"{self.lam:.3g}", omega=f"{self.omega:.3g}",
                   s0=f"{self.s0:.3g}", trunc=trunc)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the data file's per-scale entry)."""
        out = asdict(self)
        if not np.isfinite(out["sigma_max"]):
            out["sigma_max"] = None
        return out


def reference_prior(scale: str = "log") -> ReferencePrior:
    """The shipped reference-class prior for ``scale`` ("log" or "logit").

    Read from ``kpisim/data/_reference/reference_prior.json``, written by
    ``benchmarks/fit_reference_prior.py`` (its ``provenance`` says from which
    corpus, how and when).
    """
    data = _load()
    if scale not in data["priors"]:
        msg = f"no reference prior for scale {scale!r}; have {sorted(data['priors'])}."
        raise ModelError(msg)
    entry = dict(data["priors"][scale])
    if entry.get("sigma_max") is None:
        entry["sigma_max"] = float("inf")
    entry["provenance"] = {**data.get("provenance", {}), **entry.get("provenance", {})}
    key = f"sim.source.shipped_{scale}"
    if entry.get("source") == text(key, "en"):  # the shipped sentence, in both languages
        entry["source"] = Msg(key)
    return ReferencePrior(**entry)


def sustained_share(growth: float, years: int) -> float:
    """Share of real yearly series that sustained ``growth`` a year over ``years`` years.

    The fraction of ``years``-year windows of the corpus series (every series
    weighing the same) whose mean yearly growth :math:`(y_{t+H}/y_t)^{1/H} - 1`
    was at least ``growth`` — the reference class's answer to "how often does
    a real series grow this fast for this long?".

    Parameters
    ----------
    growth : float
        Yearly growth rate (0.129 for 12.9 % a year).
    years : int
        Window length H in years (1–12).
    """
    table = _load().get("sustained_growth", {}).get("quantiles", {})
    if str(int(years)) not in table:
        msg = f"no sustained-growth table for {years} years; have {sorted(table, key=int)}."
        raise ModelError(msg)
    if not is_finite_number(growth) or growth <= -1:
        msg = f"`growth` must be a yearly rate > -1; got {growth!r}."
        raise ModelError(msg)
    q = np.asarray(table[str(int(years))])
    g = np.log1p(growth)
    probs = np.linspace(0, 1, len(q))
    return float(1.0 - np.interp(g, q, probs))


def sustained_median(years: int) -> float:
    """The yearly growth half the corpus' ``years``-year windows sustained.

    The inverse of :func:`sustained_share` at 1/2, exactly: the table holds
    quantiles of the log growth at equally spaced probabilities, and
    :func:`sustained_share` interpolates them linearly, so its inverse is the
    linear interpolation of the quantiles at probability 1/2.
    """
    table = _load().get("sustained_growth", {}).get("quantiles", {})
    if str(int(years)) not in table:
        msg = f"no sustained-growth table for {years} years; have {sorted(table, key=int)}."
        raise ModelError(msg)
    q = np.asarray(table[str(int(years))])
    return float(np.expm1(np.interp(0.5, np.linspace(0, 1, len(q)), q)))


def pool_catalog(
    ref: ReferencePrior, peers: Sequence[tuple[str, NDArray, NDArray]]
) -> tuple[ReferencePrior, dict[str, Any]]:
    """Shrink the reference growth toward a catalog group's own growth.

    A second level of the hierarchy for indicators of one kind, unit and
    scale in one plan: their drifts share a group mean
    :math:`\\mu_g \\sim N(m_0, \\tau^2)`, and peer *j*'s mean growth
    :math:`\\hat\\mu_j` is a noisy view of it,
    :math:`\\hat\\mu_j \\mid \\mu_g \\sim N(\\mu_g, v_j)` with
    :math:`v_j = \\tau^2 + \\bar\\sigma_j^2/G_j` (:math:`\\bar\\sigma_j^2` its
    posterior mean volatility under ``ref``). The group prior is then centred on

    .. math:: m_0' = \\frac{m_0/\\tau^2 + \\sum_j \\tilde\\mu_j/v_j}
                          {1/\\tau^2 + \\sum_j 1/v_j},

    with τ, the corpus' between-series sd of drift (a plan's group of
    indicators is assumed no further from the reference class than one series
    is), :math:`\\tilde\\mu_j` the peer growth winsorised to
    :math:`m_0 \\pm 2\\tau`, and each peer's precision :math:`1/v_j` capped so
    that it carries at most 5 % of :math:`m_0'`
    (:math:`1/v_j \\le (0.05/0.95)/\\tau^2`). Dropping any one peer then
    moves :math:`m_0'` by at most :math:`0.05 \\cdot 4\\tau`: one unrelated
    indicator cannot decide another's probability.

    Parameters
    ----------
    ref : ReferencePrior
    peers : sequence of (id, increments, gaps)
        Peers with at least one increment, on ``ref``'s scale.

    Returns
    -------
    prior : ReferencePrior
        ``ref`` with ``m0`` replaced by :math:`m_0'`.
    info : dict
        ``peers`` (ids), ``weight`` (the share of the peers in :math:`m_0'`),
        ``omega`` (τ, the drift spread used).
    """
    tau = ref.tau
    prec0 = 1.0 / tau**2
    num, den, used = ref.m0 * prec0, prec0, []
    for ident, d, g in peers:
        d, g = np.asarray(d, float), np.asarray(g, float)
        if len(d) == 0:
            continue
        stats = CaseStats.from_increments(d, g)
        post = series_posterior(stats, ref)
        v = tau**2 + post["sigma2_mean"] / float(stats.big_g[0])
        w = min(1.0 / v, prec0 * PEER_SHARE / (1.0 - PEER_SHARE))
        mu = float(np.clip(stats.mu_hat[0], ref.m0 - 2 * tau, ref.m0 + 2 * tau))
        num += mu * w
        den += w
        used.append(ident)
    m0 = num / den
    weight = 1.0 - prec0 / den
    # (the pooled prior keeps τ, which its sentence states: not repeated here)
    source = Msg("sim.source.pooled", base=ref.source, n=len(used), weight=f"{weight:.0%}")
    return replace(ref, m0=float(m0), source=source), {
        "peers": used, "weight": weight, "omega": tau}


def series_posterior(stats: CaseStats, ref: ReferencePrior) -> dict[str, Any]:
    """One series' posterior under ``ref``, summarised for fitting and sampling.

    Returns a dict with ``log_sigma_edges`` and ``cdf`` (the posterior CDF of
    log σ at the cell edges of the grid: each node's weight spread evenly
    over its cell, so sampling by inverse CDF is continuous), and the scalars
    ``mu`` (posterior mean of μ), ``drift_sd``, ``sigma2_mean``,
    ``sigma_median``, ``own_weight`` (posterior mean of the own data's share
    :math:`G V_\\sigma/\\sigma^2` of the drift estimate).
    """
    sigma, logw, m_s, v_s = grid_posterior(stats, ref)
    w = np.exp(logw[0])
    w /= w.sum()
    m_s, v_s = m_s[0], v_s[0]
    x = np.log(sigma)
    edges = np.r_[x[0], (x[:-1] + x[1:]) / 2, x[-1]]
    # half cells at both ends, so the edges stay inside [σ_min, σ_top]
    cdf = np.r_[0.0, np.cumsum(w)]
    cdf /= cdf[-1]
    mu = float(np.dot(w, m_s))
    big_g = float(stats.big_g[0])
    return {
        "log_sigma_edges": edges,
        "cdf": cdf,
        "mu": mu,
        "drift_sd": float(np.sqrt(max(np.dot(w, v_s + m_s**2) - mu**2, 0.0))),
        "sigma2_mean": float(np.dot(w, sigma**2)),
        "sigma_median": float(np.exp(np.interp(0.5, cdf, edges))),
        "own_weight": float(np.dot(w, big_g * v_s / sigma**2)) if stats.n[0] else 0.0,
    }


_CACHE: dict[str, Any] = {}


def _load() -> dict[str, Any]:
    if "data" not in _CACHE:
        text = resources.files("kpisim.data").joinpath(_DATA_FILE).read_text(encoding="utf-8")
        _CACHE["data"] = json.loads(text)
    return _CACHE["data"]


# ------------------------------------------------------------------ predictive
@dataclass(frozen=True)
class CaseStats:
    """Sufficient statistics of many training windows, one entry per case.

    Attributes
    ----------
    n : ndarray
        Number of increments (0 for a single actual).
    big_g : ndarray
        Years spanned by the increments, :math:`G`.
    mu_hat : ndarray
        Mean yearly growth :math:`\\sum d_i / G` (0 where ``n == 0``).
    ss : ndarray
        :math:`SS = \\sum (d_i - g_i\\hat\\mu)^2/g_i`.
    """

    n: NDArray[np.float64]
    big_g: NDArray[np.float64]
    mu_hat: NDArray[np.float64]
    ss: NDArray[np.float64]

    @classmethod
    def from_increments(cls, d: NDArray, g: NDArray) -> CaseStats:
        """Statistics of one window's increments ``d`` over gaps ``g``."""
        d, g = np.asarray(d, float), np.asarray(g, float)
        n = len(d)
        big_g = float(g.sum()) if n else 0.0
        mu = float(d.sum() / big_g) if n else 0.0
        ss = float(np.sum((d - g * mu) ** 2 / g)) if n else 0.0
        return cls(*(np.array([v], float) for v in (n, big_g, mu, ss)))


def sigma_grid(theta: NDArray | ReferencePrior, n_grid: int = N_GRID) -> NDArray[np.float64]:
    """The σ nodes: ``n_grid`` points equally spaced in log σ.

    From :data:`SIGMA_MIN` to :math:`\\sigma_{\\max}`, or to
    :math:`s_0 e^{6\\omega}` when that is lower (or σ_max is infinite): the
    prior mass beyond six ω is below 10⁻⁹.
    """
    _, _, s0, om, _, _, smax = _theta(theta)
    top = min(smax, s0 * np.exp(6.0 * om))
    return np.exp(np.linspace(np.log(SIGMA_MIN), np.log(max(top, 2 * SIGMA_MIN)), n_grid))


def grid_posterior(stats: CaseStats, theta: NDArray | ReferencePrior, n_grid: int = N_GRID):
    """Posterior on the σ grid for every case (see the module docstring).

    Returns
    -------
    sigma : ndarray, shape (K,)
        The nodes (:func:`sigma_grid`).
    logw : ndarray, shape (N, K)
        Normalised log posterior weights of the nodes.
    m_sigma, v_sigma : ndarray, shape (N, K)
        Mean and variance of μ given σ = node.
    """
    m0, tau, s0, om, _, _, _ = _theta(theta)
    sigma = sigma_grid(theta, n_grid)
    s2 = sigma[None, :] ** 2
    lp = -0.5 * ((np.log(sigma) - np.log(s0)) / om) ** 2
    n = np.asarray(stats.n, float)[:, None]
    big_g = np.asarray(stats.big_g, float)[:, None]
    mu_hat = np.asarray(stats.mu_hat, float)[:, None]
    ss = np.asarray(stats.ss, float)[:, None]
    has = n > 0
    m_sigma, prec = drift_given_sigma(s2, m0, tau, big_g, np.where(has, mu_hat, 0.0))
    v_sigma = 1.0 / prec
    vm = tau**2 + s2 / np.where(has, big_g, 1.0)
    lml = np.where(has, -0.5 * (n - 1) * np.log(s2) - ss / (2 * s2)
                   - 0.5 * np.log(vm) - (mu_hat - m0) ** 2 / (2 * vm), 0.0)
    logw = lp[None, :] + lml
    logw -= _logsumexp(logw)[:, None]
    return sigma, logw, m_sigma, v_sigma


def drift_given_sigma(sigma2, m0: float, tau: float, big_g, mu_hat):
    """Mean and precision of μ given σ² and the history (normal, conjugate in μ).

    :math:`V_\\sigma^{-1} = 1/\\tau^2 + G/\\sigma^2`,
    :math:`m_\\sigma = V_\\sigma(m_0/\\tau^2 + G\\hat\\mu/\\sigma^2)`; with one
    actual (:math:`G = 0`) the prior :math:`N(m_0, \\tau^2)`. Broadcasts: the
    grid posterior passes the nodes, the sampler each path's σ².
    """
    prec = 1.0 / tau**2 + big_g / sigma2
    return (m0 / tau**2 + big_g * mu_hat / sigma2) / prec, prec


def persistence_sum(phi: float, h: NDArray | float) -> NDArray:
    """:math:`S_h = \\sum_{k=1}^h \\varphi^k` (``h`` when φ = 1)."""
    h = np.asarray(h, dtype=float)
    if phi >= 1.0:
        return h
    return phi * (1.0 - phi**h) / (1.0 - phi)


def predictive(stats: CaseStats, h: NDArray | float, theta: NDArray | ReferencePrior,
               n_grid: int = N_GRID, index: NDArray | None = None):
    """The normal mixture of :math:`z_{T+h} - z_T`: ``(logw, loc, scale)``, each (N, K).

    ``h`` broadcasts against the cases (one horizon per case, or one for all);
    ``n_grid`` nodes of σ (a coarser grid only to speed up fitting); with
    ``index``, ``stats`` holds distinct training windows and case *i* uses
    window ``index[i]`` (the posterior is computed once per window).
    """
    m0, _, _, _, phi, lam, _ = _theta(theta)
    sigma, logw, m_sigma, v_sigma = grid_posterior(stats, theta, n_grid)
    if index is not None:
        logw, m_sigma, v_sigma = logw[index], m_sigma[index], v_sigma[index]
    h = np.asarray(h, dtype=float)
    hh = h.reshape(-1, 1) if h.ndim else h
    s_h = persistence_sum(phi, hh)
    loc = hh * m0 + s_h * (m_sigma - m0)
    scale = np.sqrt(sigma[None, :] ** 2 * (hh + lam * hh**2) + s_h**2 * v_sigma)
    return np.broadcast_to(logw, loc.shape), loc, scale


def predictive_logpdf(y, stats: CaseStats, h, theta, n_grid: int = N_GRID,
                      index: NDArray | None = None) -> NDArray[np.float64]:
    """Log density of the observed changes ``y`` under :func:`predictive`."""
    return mixture_logpdf(y, predictive(stats, h, theta, n_grid, index))


def predictive_cdf(x, stats: CaseStats, h, theta) -> NDArray[np.float64]:
    """:math:`P(z_{T+h} - z_T \\le x)` under :func:`predictive`."""
    return mixture_cdf(x, predictive(stats, h, theta))


def mixture_logpdf(y, mixture) -> NDArray[np.float64]:
    """Log density at ``y`` of a normal mixture ``(logw, loc, scale)`` of :func:`predictive`."""
    logw, loc, scale = mixture
    t = (np.asarray(y, float).reshape(-1, 1) - loc) / scale
    return _logsumexp(logw - 0.5 * t * t - np.log(scale)) - 0.5 * np.log(2 * np.pi)


def mixture_cdf(x, mixture) -> NDArray[np.float64]:
    """CDF at ``x`` of a normal mixture ``(logw, loc, scale)`` of :func:`predictive`."""
    from scipy import special  # lazily: fitting and scoring only, not a run

    logw, loc, scale = mixture
    t = (np.asarray(x, float).reshape(-1, 1) - loc) / scale
    return np.sum(np.exp(logw) * special.ndtr(t), axis=1)


def conjugate_predictive(stats: CaseStats, h, theta):
    """Student-t predictive of the Normal–scaled-inverse-χ² prior (0.2's form).

    ``theta = (m0, kappa0, nu0, s0, phi, lam)``: :math:`\\mu \\mid \\sigma^2
    \\sim N(m_0, \\sigma^2/\\kappa_0)`, :math:`\\sigma^2 \\sim
    \\text{Scaled-Inv-}\\chi^2(\\nu_0, s_0^2)`; returns ``(loc, scale, dof)``
    of the Student-t of :math:`z_{T+h} - z_T`: the predictive ``refgrowth``
    samples with a user's :class:`~kpisim.models.GrowthPrior` (the tests check
    it), and the form the experiments in ``benchmarks/experiments`` compare.
    """
    m0, k0, nu0, s0, phi, lam = (float(v) for v in theta)
    kn = k0 + stats.big_g
    mn = (k0 * m0 + stats.big_g * stats.mu_hat) / kn
    nun = nu0 + stats.n
    s2n = (nu0 * s0**2 + stats.ss + k0 * stats.big_g / kn * (stats.mu_hat - m0) ** 2) / nun
    h = np.asarray(h, dtype=float)
    s_h = persistence_sum(phi, h)
    loc = h * m0 + s_h * (mn - m0)
    scale = np.sqrt(s2n * (h + s_h**2 / kn + lam * h**2))
    return loc, scale, nun


def _logsumexp(x: NDArray) -> NDArray:
    mx = x.max(axis=-1, keepdims=True)
    return (np.log(np.exp(x - mx).sum(axis=-1, keepdims=True)) + mx)[..., 0]


def _theta(theta) -> tuple[float, ...]:
    """``(m0, tau, s0, omega, phi, lam, sigma_max)`` from a prior or a vector."""
    if isinstance(theta, ReferencePrior):
        return (*(float(v) for v in theta.vector()), float(theta.sigma_max))
    vals = [float(v) for v in theta]
    return (*vals, float("inf")) if len(vals) == 6 else tuple(vals)


# ------------------------------------------------------------------- estimation
def _unpack(x: NDArray) -> NDArray:
    from scipy import special

    m0, lt, ls, lo, lphi, llam = x
    return np.array([m0, np.exp(lt), np.exp(ls), np.exp(lo), special.expit(lphi),
                     np.exp(llam)])


def _pack(theta: NDArray) -> NDArray:
    from scipy import special

    m0, tau, s0, om, phi, lam = theta
    phi = min(max(phi, 1e-4), 1 - 1e-4)
    return np.array([m0, np.log(tau), np.log(s0), np.log(om), special.logit(phi),
                     np.log(max(lam, 1e-8))])


def fit_reference_prior(
    stats: CaseStats,
    h: NDArray,
    y: NDArray,
    weights: NDArray,
    *,
    start: NDArray | None = None,
    sigma_max: float = float("inf"),
    n_grid: int = 64,
) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """Maximise the weighted mean log predictive density over the cases.

    Parameters
    ----------
    stats : CaseStats
        Training-window statistics, one entry per case.
    h, y : ndarray
        Horizon (years) and observed change :math:`z_{T+h} - z_T` per case.
    weights : ndarray
        Case weights (e.g. 1 / cases of the series, so every series counts once).
    start : ndarray, optional
        Starting ``(m0, tau, s0, omega, phi, lam)``.
    sigma_max : float, optional
        Upper end of σ, as it will be shipped.
    n_grid : int, default 64
        σ nodes during the search (coarser than the shipped :data:`N_GRID`,
        for speed; the fitted prior is used with :data:`N_GRID`).

    Returns
    -------
    theta : ndarray
        ``(m0, tau, s0, omega, phi, lam)``.
    info : dict
        ``mean_log_score``, ``n_cases``, ``converged``, ``message``.
    """
    w = np.asarray(weights, float) / np.sum(weights)
    x0 = _pack(np.asarray(start if start is not None else [0.05, 0.03, 0.08, 0.7, 0.9, 0.03]))
    # every window is scored at several horizons: its posterior is computed once
    rows = np.stack([np.asarray(a, float) for a in (stats.n, stats.big_g, stats.mu_hat,
                                                    stats.ss)], axis=1)
    uniq, index = np.unique(rows, axis=0, return_inverse=True)
    windows = CaseStats(*uniq.T)

    def objective(x):
        ll = predictive_logpdf(y, windows, h, (*_unpack(x), sigma_max), n_grid,
                               index.ravel())
        v = -float(np.dot(w, ll))
        return v if np.isfinite(v) else 1e10

    from scipy import optimize  # lazily: only refitting the prior needs it

    res = optimize.minimize(objective, x0, method="L-BFGS-B", options={"maxiter": 300})
    theta = _unpack(res.x)
    return theta, {
        "mean_log_score": -float(res.fun),
        "n_cases": len(y),
        "converged": bool(res.success),
        "message": str(res.message),
    }
