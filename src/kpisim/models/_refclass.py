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

    \\sigma^2 &\\sim \\text{Scaled-Inv-}\\chi^2(\\nu_0, s_0^2)
        \\quad\\text{truncated to } \\sigma \\le \\sigma_{\\max},\\\\
    \\mu \\mid \\sigma^2 &\\sim N(m_0, \\sigma^2/\\kappa_0),\\\\
    d_i \\mid \\mu, \\sigma^2 &\\sim N(g_i\\mu, g_i\\sigma^2),

so :math:`\\mu` (the series' own drift) is partially pooled toward the
reference-class growth :math:`m_0` with the weight :math:`G/(\\kappa_0 + G)`
of its own data. The future yearly growth is

.. math::

    r_{T+k} = m_0 + \\varphi^k(\\mu - m_0) + \\delta + \\sigma\\varepsilon_k,
    \\qquad \\delta \\mid \\sigma^2 \\sim N(0, \\lambda\\sigma^2),
    \\quad \\varepsilon_k \\sim N(0, 1),

the drift decaying toward :math:`m_0` at rate :math:`\\varphi` (drift mostly
does not persist in real yearly data) while a *drift break* :math:`\\delta`,
one per path, stands for a new growth regime over the forecast horizon (it
widens long horizons, where a pure random walk under-covers).

Given :math:`\\sigma^2` the :math:`h`-step change is normal; integrating the
conjugate posterior of :math:`\\sigma^2` gives a Student-t predictive

.. math::

    z_{T+h} - z_T \\sim t_{\\nu_n}\\Big(h m_0 + S_h (m_n - m_0),\\;
        s_n^2\\big(h + S_h^2/\\kappa_n + \\lambda h^2\\big)\\Big),
    \\qquad S_h = \\sum_{k=1}^{h} \\varphi^k,

with :math:`\\kappa_n = \\kappa_0 + G`, :math:`m_n = (\\kappa_0 m_0 +
G\\hat\\mu)/\\kappa_n`, :math:`\\nu_n = \\nu_0 + n` and :math:`\\nu_n s_n^2 =
\\nu_0 s_0^2 + SS + \\kappa_0 G (\\hat\\mu - m_0)^2/\\kappa_n` (the
sufficient statistics of :mod:`kpisim.models._prior`). Because :math:`\\nu_0 > 2`
the predictive has finite variance at every history length, one actual
(:math:`n = 0`) included; the truncation of :math:`\\sigma` (applied when
sampling, at the 99.5th percentile of the corpus series' volatility)
makes every moment finite on the original scale too.

Estimation
----------
The six hyperparameters :math:`(m_0, \\kappa_0, \\nu_0, s_0, \\varphi,
\\lambda)` maximise the mean log predictive density of the held-out changes
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
    "fit_reference_prior",
    "pool_catalog",
    "predictive",
    "predictive_logpdf",
    "reference_prior",
    "sustained_share",
]

#: The hyperparameters' names, in the order of :meth:`ReferencePrior.vector`.
PARAMS = ("m0", "kappa0", "nu0", "s0", "phi", "lam")
#: Largest share of the catalog-pooled growth one peer may carry (:func:`pool_catalog`).
PEER_SHARE = 0.05
#: ν0 is kept at or above this so the predictive always has finite variance.
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
    kappa0 : float
        Prior weight of ``m0`` in years of data: a series with ``G`` years of
        increments keeps the share ``G / (kappa0 + G)`` of its own mean growth.
    nu0 : float
        Prior degrees of freedom of σ² (> 2; at least :data:`MIN_NU0`).
    s0 : float
        Prior scale of the yearly volatility σ.
    phi : float
        Drift persistence φ in [0, 1]: the excess drift :math:`\\mu - m_0`
        decays as :math:`\\varphi^k` over the forecast years.
    lam : float
        Drift-break variance λ ≥ 0, in units of σ² per year².
    sigma_max : float
        Truncation of σ when sampling (log/logit units a year).
    scale : {"log", "logit"}
    source : str
        Where the values come from (quoted in every fit's assumptions).
    provenance : dict
        Corpus, method, date and fit diagnostics (from the data file).
    """

    m0: float
    kappa0: float
    nu0: float
    s0: float
    phi: float
    lam: float
    sigma_max: float = float("inf")
    scale: str = "log"
    source: str = "user-supplied reference prior"
    provenance: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        checks = {
            "m0": is_finite_number(self.m0),
            "kappa0": is_finite_number(self.kappa0) and self.kappa0 > 0,
            "nu0": is_finite_number(self.nu0) and self.nu0 > 2,
            "s0": is_finite_number(self.s0) and self.s0 > 0,
            "phi": is_finite_number(self.phi) and 0 <= self.phi <= 1,
            "lam": is_finite_number(self.lam) and self.lam >= 0,
            "sigma_max": not isinstance(self.sigma_max, bool)
            and isinstance(self.sigma_max, (int, float)) and self.sigma_max > 0,
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            got = {k: getattr(self, k) for k in bad}
            msg = (
                "`ReferencePrior`: m0 finite, kappa0 > 0, nu0 > 2, s0 > 0, 0 ≤ phi ≤ 1, "
                f"lam ≥ 0 and sigma_max > 0 are required; got {got}."
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
                   scale=Msg(f"sim.scale.{self.scale}"), kappa0=f"{self.kappa0:.3g}",
                   phi=f"{self.phi:.3g}", lam=f"{self.lam:.3g}", nu0=f"{self.nu0:.3g}",
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
    :math:`\\mu_g \\sim N(m_0, \\omega^2)`, and peer *j*'s mean growth
    :math:`\\hat\\mu_j` is a noisy view of it,
    :math:`\\hat\\mu_j \\mid \\mu_g \\sim N(\\mu_g, v_j)` with
    :math:`v_j = s_j^2 (1/\\kappa_0 + 1/G_j)` (:math:`s_j^2` its posterior
    volatility under ``ref``). The group prior is then centred on

    .. math:: m_0' = \\frac{m_0/\\omega^2 + \\sum_j \\tilde\\mu_j/v_j}
                          {1/\\omega^2 + \\sum_j 1/v_j},

    with :math:`\\omega = s_0/\\sqrt{\\kappa_0}`, the corpus' between-series sd
    of drift (a plan's group of indicators is assumed no further from the
    reference class than one series is), :math:`\\tilde\\mu_j` the peer
    growth winsorised to :math:`m_0 \\pm 2\\omega`, and each peer's precision
    :math:`1/v_j` capped so that it carries at most 5 % of :math:`m_0'`
    (:math:`1/v_j \\le (0.05/0.95)/\\omega^2`). Dropping any one peer then
    moves :math:`m_0'` by at most :math:`0.05 \\cdot 4\\omega` (0.7 % a year
    with the shipped prior): one unrelated indicator cannot decide another's
    probability.

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
        ``omega``.
    """
    omega = ref.s0 / np.sqrt(ref.kappa0)
    prec0 = 1.0 / omega**2
    num, den, used = ref.m0 * prec0, prec0, []
    for ident, d, g in peers:
        d, g = np.asarray(d, float), np.asarray(g, float)
        if len(d) == 0:
            continue
        stats = CaseStats.from_increments(d, g)
        _, _, _, s2n = posterior(stats, ref)
        v = float(s2n[0]) * (1.0 / ref.kappa0 + 1.0 / float(stats.big_g[0]))
        w = min(1.0 / v, prec0 * PEER_SHARE / (1.0 - PEER_SHARE))
        mu = float(np.clip(stats.mu_hat[0], ref.m0 - 2 * omega, ref.m0 + 2 * omega))
        num += mu * w
        den += w
        used.append(ident)
    m0 = num / den
    weight = 1.0 - prec0 / den
    source = Msg("sim.source.pooled", base=ref.source, n=len(used), weight=f"{weight:.0%}",
                 omega=f"{omega:.3g}")
    return replace(ref, m0=float(m0), source=source), {
        "peers": used, "weight": weight, "omega": omega}


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


def posterior(stats: CaseStats, theta: NDArray | ReferencePrior):
    """Conjugate posterior ``(m_n, kappa_n, nu_n, s2_n)`` for every case."""
    m0, k0, nu0, s0, _, _ = _theta(theta)
    kn = k0 + stats.big_g
    mn = (k0 * m0 + stats.big_g * stats.mu_hat) / kn
    nun = nu0 + stats.n
    s2n = (nu0 * s0**2 + stats.ss + k0 * stats.big_g / kn * (stats.mu_hat - m0) ** 2) / nun
    return mn, kn, nun, s2n


def persistence_sum(phi: float, h: NDArray | float) -> NDArray:
    """:math:`S_h = \\sum_{k=1}^h \\varphi^k` (``h`` when φ = 1)."""
    h = np.asarray(h, dtype=float)
    if phi >= 1.0:
        return h
    return phi * (1.0 - phi**h) / (1.0 - phi)


def predictive(stats: CaseStats, h: NDArray | float, theta: NDArray | ReferencePrior):
    """Location, scale and dof of the Student-t predictive of :math:`z_{T+h} - z_T`."""
    m0, _, _, _, phi, lam = _theta(theta)
    mn, kn, nun, s2n = posterior(stats, theta)
    h = np.asarray(h, dtype=float)
    s_h = persistence_sum(phi, h)
    loc = h * m0 + s_h * (mn - m0)
    scale = np.sqrt(s2n * (h + s_h**2 / kn + lam * h**2))
    return loc, scale, nun


def predictive_logpdf(y, stats: CaseStats, h, theta) -> NDArray[np.float64]:
    """Log density of the observed changes ``y`` under :func:`predictive`."""
    from scipy import special  # lazily: fitting and scoring only, not a run

    loc, scale, nu = predictive(stats, h, theta)
    t = (np.asarray(y, float) - loc) / scale
    return (
        special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2)
        - 0.5 * np.log(nu * np.pi) - np.log(scale)
        - (nu + 1) / 2 * np.log1p(t * t / nu)
    )


def _theta(theta) -> tuple[float, ...]:
    if isinstance(theta, ReferencePrior):
        return tuple(float(v) for v in theta.vector())
    return tuple(float(v) for v in theta)


# ------------------------------------------------------------------- estimation
def _unpack(x: NDArray) -> NDArray:
    from scipy import special

    m0, lk, lnu, ls, lphi, llam = x
    return np.array([m0, np.exp(lk), MIN_NU0 + np.exp(lnu), np.exp(ls), special.expit(lphi),
                     np.exp(llam)])


def _pack(theta: NDArray) -> NDArray:
    from scipy import special

    m0, k0, nu0, s0, phi, lam = theta
    phi = min(max(phi, 1e-4), 1 - 1e-4)
    return np.array([m0, np.log(k0), np.log(max(nu0 - MIN_NU0, 1e-6)), np.log(s0),
                     special.logit(phi), np.log(max(lam, 1e-8))])


def fit_reference_prior(
    stats: CaseStats,
    h: NDArray,
    y: NDArray,
    weights: NDArray,
    *,
    start: NDArray | None = None,
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
        Starting ``(m0, kappa0, nu0, s0, phi, lam)``.

    Returns
    -------
    theta : ndarray
        ``(m0, kappa0, nu0, s0, phi, lam)``.
    info : dict
        ``mean_log_score``, ``n_cases``, ``converged``, ``message``.
    """
    w = np.asarray(weights, float) / np.sum(weights)
    x0 = _pack(np.asarray(start if start is not None else [0.03, 2.0, 4.0, 0.1, 0.5, 0.02]))

    def objective(x):
        ll = predictive_logpdf(y, stats, h, _unpack(x))
        return -float(np.dot(w, ll))

    from scipy import optimize  # lazily: only refitting the prior needs it

    res = optimize.minimize(objective, x0, method="L-BFGS-B", options={"maxiter": 500})
    theta = _unpack(res.x)
    return theta, {
        "mean_log_score": -float(res.fun),
        "n_cases": len(y),
        "converged": bool(res.success),
        "message": str(res.message),
    }
