"""Dependence across indicators: a Gaussian copula on the yearly innovations.

Indicators of one plan move together (a budget cut, a recession). kpisim
draws the innovations of all indicators jointly: for a correlation matrix
:math:`R = LL^\\top` (Cholesky), :math:`\\varepsilon_{\\cdot, p, t} = L z_{\\cdot, p, t}`
with independent standard normals *z*, so each indicator's innovations stay
N(0, 1) and the innovations of indicators *i*, *j* in the same path and year
have correlation :math:`R_{ij}`. Each model maps its own innovations to
growth (or t marginals, or bootstrap picks), which makes this a Gaussian
copula. Pass ``shocks[i]`` to indicator *i*'s ``Fitted.sample``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpisim._validation import ModelError, is_finite_number
from kpisim.models._samplers import standard_normals

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "correlated_normals",
    "estimate_correlation",
    "nearest_correlation",
    "validate_correlation",
]

_TOL = 1e-8
#: Smallest eigenvalue kept by the nearest-PD repair (relative to 1).
_EIG_FLOOR = 1e-6
MIN_OVERLAP = 3


def validate_correlation(corr: ArrayLike) -> NDArray[np.float64]:
    """Check a user correlation matrix and return it as a float array.

    The matrix must be square, finite, symmetric and with unit diagonal (to
    1e-8), entries in [−1, 1], and positive definite (Cholesky succeeds).
    Each failure raises a :class:`ModelError` saying which check failed and
    with what value; :func:`nearest_correlation` repairs a non-PD matrix.
    """
    r = np.array(corr.to_numpy() if isinstance(corr, pd.DataFrame) else corr, dtype=np.float64)
    if r.ndim != 2 or r.shape[0] != r.shape[1] or r.shape[0] == 0:
        msg = f"`corr` must be a non-empty square 2-D matrix; got shape {r.shape}."
        raise ModelError(msg)
    if not np.all(np.isfinite(r)):
        msg = "`corr` has non-finite entries."
        raise ModelError(msg)
    asym = float(np.max(np.abs(r - r.T)))
    if asym > _TOL:
        msg = f"`corr` must be symmetric; max |R - Rᵀ| is {asym:.3g}."
        raise ModelError(msg)
    diag = np.diag(r)
    if np.any(np.abs(diag - 1) > _TOL):
        bad = {int(i): float(diag[i]) for i in np.flatnonzero(np.abs(diag - 1) > _TOL)}
        msg = f"`corr` must have a unit diagonal; got {bad} (position: value)."
        raise ModelError(msg)
    if np.any(np.abs(r) > 1 + _TOL):
        msg = f"`corr` entries must be in [-1, 1]; max |r| is {float(np.max(np.abs(r))):.6g}."
        raise ModelError(msg)
    r = (r + r.T) / 2
    np.fill_diagonal(r, 1.0)
    try:
        np.linalg.cholesky(r)
    except np.linalg.LinAlgError:
        low = float(np.linalg.eigvalsh(r)[0])
        msg = (
            f"`corr` must be positive definite; its smallest eigenvalue is {low:.3g}. "
            "Repair it with `nearest_correlation(corr)`."
        )
        raise ModelError(msg) from None
    return r


def nearest_correlation(corr: ArrayLike, *, floor: float = _EIG_FLOOR) -> NDArray[np.float64]:
    """Repair a symmetric matrix into a positive-definite correlation matrix.

    Eigenvalues are clipped at ``floor`` and the result rescaled to a unit
    diagonal, :math:`D^{-1/2} (Q \\max(\\Lambda, f) Q^\\top) D^{-1/2}`
    (a one-step approximation of Higham's nearest correlation matrix); the
    step is repeated until Cholesky succeeds (at most 10 times).
    """
    r = np.array(corr.to_numpy() if isinstance(corr, pd.DataFrame) else corr, dtype=np.float64)
    r = (r + r.T) / 2
    for _ in range(10):
        vals, vecs = np.linalg.eigh(r)
        if vals[0] >= floor:
            try:
                np.linalg.cholesky(r)
                break
            except np.linalg.LinAlgError:  # pragma: no cover - numerically borderline
                pass
        r = (vecs * np.maximum(vals, floor)) @ vecs.T
        d = np.sqrt(np.diag(r))
        r = r / np.outer(d, d)
        r = (r + r.T) / 2
        np.fill_diagonal(r, 1.0)
    return r


def correlated_normals(
    corr: ArrayLike,
    n_paths: int,
    n_steps: int,
    *,
    rng: Any = None,
    sampler: str = "plain",
) -> NDArray[np.float64]:
    """Correlated standard-normal innovations for several indicators.

    Parameters
    ----------
    corr : array_like, shape (n_indicators, n_indicators)
        Correlation of the innovations (validated by :func:`validate_correlation`).
    n_paths, n_steps : int
    rng : {None, int, SeedSequence, Generator}, optional
    sampler : {"plain", "antithetic", "lhs", "sobol"}, default "plain"
        How the independent normals are drawn (see :func:`standard_normals`);
        the QMC point has ``n_indicators * n_steps`` coordinates, year-major
        (the first simulated year of every indicator gets the first
        coordinates).

    Returns
    -------
    ndarray, shape (n_indicators, n_paths, n_steps)
        ``out[i]`` is the ``shocks`` argument for indicator *i*.

    Examples
    --------
    >>> import numpy as np
    >>> from kpisim.models import correlated_normals
    >>> rng = np.random.default_rng(7)
    >>> z = correlated_normals([[1, 0.8], [0.8, 1]], 20_000, 2, rng=rng)
    >>> z.shape
    (2, 20000, 2)
    >>> round(float(np.corrcoef(z[0, :, 0], z[1, :, 0])[0, 1]), 1)
    0.8
    """
    r = validate_correlation(corr)
    k = r.shape[0]
    lower = np.linalg.cholesky(r)
    z = standard_normals(n_paths, k * n_steps, rng=rng, method=sampler)
    z = z.reshape(n_paths, n_steps, k).transpose(2, 0, 1).reshape(k, -1)
    return (lower @ z).reshape(k, n_paths, n_steps)


def _pair_stats(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float]:
    """Correlation and its estimated variance (Schäfer & Strimmer 2005)."""
    n = len(x)
    sx, sy = x.std(ddof=1), y.std(ddof=1)
    if sx == 0 or sy == 0:
        return 0.0, 0.0
    w = ((x - x.mean()) / sx) * ((y - y.mean()) / sy)
    r = w.sum() / (n - 1)
    var = n / (n - 1) ** 3 * np.sum((w - w.mean()) ** 2)
    return float(np.clip(r, -1.0, 1.0)), float(var)


def estimate_correlation(
    histories: pd.DataFrame, shrinkage: str | float = "ledoit-wolf"
) -> pd.DataFrame:
    """Shrunk, positive-definite correlation of indicators' growth rates.

    Parameters
    ----------
    histories : DataFrame
        Growth rates (e.g. ``np.log(levels).diff()``), one column per
        indicator, indexed by year; NaN where unknown.
    shrinkage : "ledoit-wolf" or float in [0, 1], default "ledoit-wolf"
        Weight λ on the identity target: :math:`R^* = (1-\\lambda) R + \\lambda I`.
        ``"ledoit-wolf"`` uses the Ledoit–Wolf optimal intensity for the
        correlation matrix with an identity target, in the form of Schäfer &
        Strimmer (2005, target D):
        :math:`\\hat\\lambda = \\sum_{i\\ne j}\\widehat{\\operatorname{Var}}(r_{ij})
        / \\sum_{i\\ne j} r_{ij}^2`, clipped to [0, 1].

    Returns
    -------
    DataFrame, shape (n_indicators, n_indicators)
        Labelled by the columns of ``histories``. ``attrs`` holds
        ``shrinkage`` (λ used), ``repaired`` (whether the nearest-PD repair
        ran) and ``min_overlap`` (fewest overlapping years of a used pair).

    Notes
    -----
    Correlations are pairwise over the years both indicators observe. Pairs
    with fewer than 3 overlapping years get correlation 0 (and the whole
    matrix is the identity when no pair has 3). A non-PD result is repaired
    with :func:`nearest_correlation`.

    References
    ----------
    Ledoit, O. & Wolf, M. (2004). A well-conditioned estimator for
    large-dimensional covariance matrices. *J. Multivar. Anal.* 88, 365–411.
    Schäfer, J. & Strimmer, K. (2005). A shrinkage approach to large-scale
    covariance matrix estimation. *Stat. Appl. Genet. Mol. Biol.* 4(1):32.
    doi:10.2202/1544-6115.1175
    """
    if not isinstance(histories, pd.DataFrame):
        msg = f"`histories` must be a DataFrame of growth rates; got {type(histories).__name__}."
        raise ModelError(msg)
    lam_given = None
    if isinstance(shrinkage, str):
        if shrinkage != "ledoit-wolf":
            msg = f"`shrinkage` must be 'ledoit-wolf' or a number in [0, 1]; got {shrinkage!r}."
            raise ModelError(msg)
    elif not is_finite_number(shrinkage) or not 0 <= shrinkage <= 1:
        msg = f"`shrinkage` must be 'ledoit-wolf' or a number in [0, 1]; got {shrinkage!r}."
        raise ModelError(msg)
    else:
        lam_given = float(shrinkage)
    x = histories.astype("float64").to_numpy()
    x = np.where(np.isfinite(x), x, np.nan)
    k = x.shape[1]
    r = np.eye(k)
    var = np.zeros((k, k))
    overlaps = []
    for i in range(k):
        for j in range(i + 1, k):
            both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            if both.sum() < MIN_OVERLAP:
                continue
            overlaps.append(int(both.sum()))
            r[i, j], var[i, j] = _pair_stats(x[both, i], x[both, j])
            r[j, i], var[j, i] = r[i, j], var[i, j]
    off = ~np.eye(k, dtype=bool)
    if lam_given is not None:
        lam = lam_given
    else:
        denom = float(np.sum(r[off] ** 2))
        lam = 1.0 if denom == 0 else float(np.clip(np.sum(var[off]) / denom, 0.0, 1.0))
    shrunk = (1 - lam) * r + lam * np.eye(k)
    repaired = False
    try:
        np.linalg.cholesky(shrunk)
        if k and np.linalg.eigvalsh(shrunk)[0] < _EIG_FLOOR:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        shrunk = nearest_correlation(shrunk)
        repaired = True
    out = pd.DataFrame(shrunk, index=histories.columns, columns=histories.columns)
    out.attrs.update(
        shrinkage=lam, repaired=repaired, min_overlap=min(overlaps) if overlaps else 0
    )
    return out
