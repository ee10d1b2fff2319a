"""Verification scores of probabilistic forecasts given as Monte Carlo samples.

The kernels are numpy only. The sample axis is first, as everywhere in kpisim
(``PATH_AXIS = 0``): forecasts have shape ``(m, ...)`` and observations the
trailing shape ``(...)``. Every kernel reduces over axis 0 and returns an
array of the observation's shape. :func:`score_cases` is the backtest's
kernel; the tables built from a scores frame and :class:`BacktestResult`
(re-exported by :mod:`kpisim.backtest`) are in ``kpisim.backtest._result``.

References
----------
Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules,
prediction, and estimation. *JASA* 102(477), 359–378.
https://doi.org/10.1198/016214506000001437

Ferro, C. A. T. (2014). Fair scores for ensemble forecasts. *QJRMS*
140(683), 1917–1923. https://doi.org/10.1002/qj.2270

Murphy, A. H. (1973). A new vector partition of the probability score.
*J. Appl. Meteor.* 12(4), 595–600.

Stephenson, D. B., Coelho, C. A. S. & Jolliffe, I. T. (2008). Two extra
components in the Brier score decomposition. *Wea. Forecasting* 23(4),
752–757. https://doi.org/10.1175/2007WAF2006116.1

Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast
accuracy. *IJF* 22(4), 679–688. https://doi.org/10.1016/j.ijforecast.2006.03.001
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy import special

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_LEVELS",
    "DEFAULT_THRESHOLDS",
    "BrierDecomposition",
    "brier_decomposition",
    "crps_ensemble",
    "crps_log",
    "crps_normal",
    "heavy_tail",
    "interval_bounds",
    "mase_scale",
    "pit_values",
    "quantiles_sorted",
    "reliability_bins",
    "score_cases",
    "smape",
]

#: Nominal coverages of the central prediction intervals that are scored.
DEFAULT_LEVELS: tuple[float, ...] = (0.5, 0.8, 0.95)
#: Yearly growth rates x of the threshold events y_{T+h} ≥ y_T (1 + x)^h.
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.0, 0.03, 0.05, 0.10)
#: Estimators of E|X − X'| in the sample CRPS.
CRPS_ESTIMATORS = ("fair", "nrg")


def _check_samples(obs: ArrayLike, fct: ArrayLike) -> tuple[NDArray, NDArray]:
    obs = np.asarray(obs, dtype=np.float64)
    fct = np.asarray(fct, dtype=np.float64)
    if fct.ndim == 0 or fct.shape[1:] != obs.shape:
        msg = (
            f"`fct` must have shape (m, *obs.shape) = (m, {', '.join(map(str, obs.shape))}) "
            f"with samples first; got {fct.shape}."
        )
        raise ValueError(msg)
    if fct.shape[0] == 0:
        msg = "`fct` must hold at least one sample along axis 0; got 0."
        raise ValueError(msg)
    return obs, fct


# ----------------------------------------------------------------------- CRPS
def crps_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    estimator: str = "fair",
    sorted_ensemble: bool = False,
) -> NDArray[np.float64]:
    """CRPS of a sample (ensemble) forecast, in O(m log m) per forecast.

    .. math:: \\mathrm{CRPS}(F, y) = E|X - y| - \\tfrac12 E|X - X'|

    with :math:`X, X'` independent draws from the forecast. For sorted
    samples :math:`x_{(1)} \\le \\dots \\le x_{(m)}`,
    :math:`\\sum_{i,j} |x_i - x_j| = 2 \\sum_i (2i - m - 1)\\, x_{(i)}`.

    Parameters
    ----------
    obs : array_like, shape (...)
        Observed values.
    fct : array_like, shape (m, ...)
        Samples, first axis.
    estimator : {"fair", "nrg"}, default "fair"
        ``"fair"`` divides the pair sum by :math:`m(m-1)` (pairs ``i ≠ j``):
        an unbiased estimate of the CRPS of the distribution the samples come
        from (Ferro 2014). ``"nrg"`` divides by :math:`m^2`: the CRPS of the
        empirical distribution itself (properscoring's and scoringrules'
        ensemble CRPS), larger by :math:`E|X-X'|/(2m)`.
    sorted_ensemble : bool, default False
        Skip the sort when ``fct`` is already sorted along axis 0.

    Returns
    -------
    ndarray, shape (...)
        NaN where the observation or any sample is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> x = rng.standard_normal((4000, 3))
    >>> np.round(crps_ensemble(np.zeros(3), x), 2)  # closed form 0.234
    array([0.23, 0.23, 0.24])
    """
    if estimator not in CRPS_ESTIMATORS:
        msg = f"`estimator` must be one of {list(CRPS_ESTIMATORS)}; got {estimator!r}."
        raise ValueError(msg)
    obs, fct = _check_samples(obs, fct)
    m = fct.shape[0]
    if estimator == "fair" and m < 2:
        msg = f"the fair CRPS needs at least 2 samples; got {m}."
        raise ValueError(msg)
    x = fct if sorted_ensemble else np.sort(fct, axis=0)
    abs_err = np.mean(np.abs(x - obs), axis=0)
    weights = (2.0 * np.arange(1, m + 1) - m - 1).reshape((m,) + (1,) * obs.ndim)
    pair_sum = 2.0 * np.sum(weights * x, axis=0)  # sum over all ordered pairs i, j
    denom = m * (m - 1.0) if estimator == "fair" else float(m) ** 2
    return abs_err - 0.5 * pair_sum / denom


def _crps_ensemble_slow(obs: ArrayLike, fct: ArrayLike, *, estimator: str = "fair"):
    """O(m²) oracle of :func:`crps_ensemble` (tests only)."""
    obs, fct = _check_samples(obs, fct)
    m = fct.shape[0]
    abs_err = np.mean(np.abs(fct - obs), axis=0)
    pairs = np.sum(np.abs(fct[:, None] - fct[None, :]), axis=(0, 1))
    denom = m * (m - 1.0) if estimator == "fair" else float(m) ** 2
    return abs_err - 0.5 * pairs / denom


def crps_normal(obs: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> NDArray[np.float64]:
    """Closed-form CRPS of :math:`N(\\mu, \\sigma^2)` (Gneiting & Raftery 2007).

    .. math:: \\sigma\\,[z(2\\Phi(z) - 1) + 2\\varphi(z) - 1/\\sqrt\\pi],
              \\quad z = (y - \\mu)/\\sigma
    """
    obs, mu, sigma = (np.asarray(a, dtype=np.float64) for a in (obs, mu, sigma))
    z = (obs - mu) / sigma
    pdf = np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi)
    return sigma * (z * (2.0 * special.ndtr(z) - 1.0) + 2.0 * pdf - 1.0 / np.sqrt(np.pi))


# --------------------------------------------------------- PIT and intervals
def pit_values(
    obs: ArrayLike, fct: ArrayLike, *, rng: np.random.Generator | int | None = None
) -> NDArray[np.float64]:
    """Randomised probability integral transform :math:`\\hat F(y)` from samples.

    ``(#{x < y} + V · #{x = y}) / m`` with :math:`V \\sim U(0, 1)`, so ties
    (e.g. paths clipped at a bound) do not pile up at one value. Uniform on
    [0, 1] for a calibrated forecast.

    Parameters
    ----------
    obs : array_like, shape (...)
    fct : array_like, shape (m, ...)
    rng : {None, int, Generator}, optional
        For the tie-breaking uniforms.

    Returns
    -------
    ndarray, shape (...)
    """
    obs, fct = _check_samples(obs, fct)
    rng = np.random.default_rng(rng)
    less = np.sum(fct < obs, axis=0)
    equal = np.sum(fct == obs, axis=0)
    u = rng.uniform(size=obs.shape)
    return (less + u * equal) / fct.shape[0]


def interval_bounds(fct: ArrayLike, levels: ArrayLike) -> NDArray[np.float64]:
    """Central prediction intervals from samples.

    Parameters
    ----------
    fct : array_like, shape (m, ...)
    levels : array_like, shape (k,)
        Nominal coverages in (0, 1), e.g. ``[0.5, 0.8, 0.95]``.

    Returns
    -------
    ndarray, shape (k, 2, ...)
        ``[..., 0, ...]`` the lower (``(1 - level)/2``) and ``[..., 1, ...]``
        the upper (``(1 + level)/2``) sample quantile (linear interpolation).
    """
    levels = np.asarray(levels, dtype=np.float64)
    if levels.ndim != 1 or np.any((levels <= 0) | (levels >= 1)):
        msg = f"`levels` must be a 1-d sequence in (0, 1); got {levels.tolist()!r}."
        raise ValueError(msg)
    probs = np.column_stack([(1.0 - levels) / 2.0, (1.0 + levels) / 2.0])
    q = np.quantile(np.asarray(fct, dtype=np.float64), probs.ravel(), axis=0)
    return q.reshape(probs.shape + q.shape[1:])


# ------------------------------------------------------------ point accuracy
def smape(obs: ArrayLike, point: ArrayLike) -> NDArray[np.float64]:
    """Symmetric MAPE term of the M3/M4 competitions, in percent.

    ``200 |y − f| / (|y| + |f|)``; 0 when both are 0.
    """
    obs = np.asarray(obs, dtype=np.float64)
    point = np.asarray(point, dtype=np.float64)
    denom = np.abs(obs) + np.abs(point)
    err = np.abs(obs - point)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 200.0 * err / denom
    return np.where(denom == 0, 0.0, out)


def mase_scale(history: ArrayLike) -> float:
    """MASE denominator for yearly data: in-sample MAE of the one-step naive forecast.

    :math:`\\frac{1}{n-1} \\sum_{t=2}^{n} |y_t - y_{t-1}|` (Hyndman & Koehler
    2006; the M4 definition with seasonal period 1). NaN with fewer than two
    values; 0 for a constant history (MASE is then undefined).
    """
    y = np.asarray(history, dtype=np.float64)
    if y.size < 2:
        return float("nan")
    return float(np.mean(np.abs(np.diff(y))))


# ------------------------------------------------------------------- Brier
class BrierDecomposition(NamedTuple):
    """Brier score and its binned decomposition.

    ``brier = reliability − resolution + uncertainty + within_variance −
    within_covariance`` holds exactly; the last two terms (Stephenson et al.
    2008) vanish when forecasts are constant within each bin, which leaves
    Murphy's (1973) three-term identity.
    """

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_variance: float
    within_covariance: float
    n: int


def _bin_index(prob: NDArray, bins: int) -> NDArray[np.intp]:
    return np.clip(np.floor(prob * bins).astype(np.intp), 0, bins - 1)


def _check_events(prob: ArrayLike, outcome: ArrayLike) -> tuple[NDArray, NDArray]:
    p = np.asarray(prob, dtype=np.float64).ravel()
    o = np.asarray(outcome, dtype=np.float64).ravel()
    if p.shape != o.shape:
        msg = f"`prob` and `outcome` must have the same size; got {p.size} and {o.size}."
        raise ValueError(msg)
    if np.any((p < 0) | (p > 1) | np.isnan(p)):
        msg = "`prob` must lie in [0, 1]."
        raise ValueError(msg)
    if np.any((o != 0) & (o != 1)):
        msg = "`outcome` must be 0/1 (or boolean)."
        raise ValueError(msg)
    return p, o


def reliability_bins(
    prob: ArrayLike, outcome: ArrayLike, *, bins: int = 10
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Equal-width probability bins: (lower edge, mean forecast, observed frequency, count).

    Bin ``k`` holds forecasts in ``[k/bins, (k+1)/bins)`` (the last bin also
    holds 1). Empty bins have NaN means and count 0.
    """
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        msg = f"`bins` must be an integer ≥ 1; got {bins!r}."
        raise ValueError(msg)
    p, o = _check_events(prob, outcome)
    k = _bin_index(p, bins)
    count = np.bincount(k, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(k, weights=p, minlength=bins) / count
        freq = np.bincount(k, weights=o, minlength=bins) / count
    return np.arange(bins) / bins, mean_p, freq, count.astype(np.int64)


def brier_decomposition(
    prob: ArrayLike, outcome: ArrayLike, *, bins: int = 10
) -> BrierDecomposition:
    """Brier score with Murphy's decomposition over equal-width bins.

    With bins *k* of :math:`n_k` forecasts, bin means :math:`\\bar f_k`,
    observed frequencies :math:`\\bar o_k` and base rate :math:`\\bar o`:

    * reliability :math:`\\frac1N \\sum_k n_k (\\bar f_k - \\bar o_k)^2`
      (0 is perfect);
    * resolution :math:`\\frac1N \\sum_k n_k (\\bar o_k - \\bar o)^2`
      (larger is better);
    * uncertainty :math:`\\bar o (1 - \\bar o)`;
    * within-bin variance :math:`\\frac1N \\sum_i (f_i - \\bar f_{k(i)})^2`
      and covariance :math:`\\frac2N \\sum_i (f_i - \\bar f_{k(i)})(o_i -
      \\bar o_{k(i)})` (Stephenson et al. 2008).

    Returns
    -------
    BrierDecomposition
        NaN fields for empty input.
    """
    p, o = _check_events(prob, outcome)
    n = p.size
    if n == 0:
        nan = float("nan")
        return BrierDecomposition(nan, nan, nan, nan, nan, nan, 0)
    _, mean_p, freq, count = reliability_bins(p, o, bins=bins)
    k = _bin_index(p, bins)
    used = count > 0
    base = float(o.mean())
    rel = float(np.sum(count[used] * (mean_p[used] - freq[used]) ** 2) / n)
    res = float(np.sum(count[used] * (freq[used] - base) ** 2) / n)
    dev_p = p - mean_p[k]
    wbv = float(np.sum(dev_p**2) / n)
    wbc = float(2.0 * np.sum(dev_p * (o - freq[k])) / n)
    return BrierDecomposition(
        brier=float(np.mean((p - o) ** 2)), reliability=rel, resolution=res,
        uncertainty=base * (1.0 - base), within_variance=wbv, within_covariance=wbc, n=n,
    )


def quantiles_sorted(sorted_fct: NDArray[np.float64], probs: ArrayLike) -> NDArray[np.float64]:
    """Sample quantiles of samples already sorted along axis 0.

    Same values as ``np.quantile(fct, probs, axis=0)`` (its default linear
    interpolation) without sorting again. Returns shape ``(len(probs), ...)``.
    """
    probs = np.asarray(probs, dtype=np.float64)
    m = sorted_fct.shape[0]
    pos = probs * (m - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, m - 1)
    frac = (pos - lo).reshape((-1,) + (1,) * (sorted_fct.ndim - 1))
    a, b = sorted_fct[lo], sorted_fct[hi]
    return a + (b - a) * frac


def crps_log(obs: ArrayLike, sorted_fct: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fair CRPS on the log scale, from samples sorted along axis 0.

    .. math:: \\mathrm{CRPS}(F_{\\log X}, \\log y)
              = E|\\log X - \\log y| - \\tfrac12 E|\\log X - \\log X'|

    Returns
    -------
    ndarray, shape (...)
        NaN where the observation or any sample is ≤ 0 (or NaN).
    """
    obs = np.asarray(obs, dtype=np.float64)
    s = np.asarray(sorted_fct, dtype=np.float64)
    out = np.full(obs.shape, np.nan)
    if s.shape[0] < 2 or obs.size == 0:
        return out
    with np.errstate(invalid="ignore"):
        ok = (s[0] > 0) & (obs > 0) & ~np.isnan(s).any(axis=0)
    if np.any(ok):  # log is increasing: the sorted order is kept
        out[ok] = crps_ensemble(np.log(obs[ok]), np.log(s[:, ok]), sorted_ensemble=True)
    return out


#: Factor of :func:`heavy_tail`: |mean| beyond this × |median| is flagged.
HEAVY_TAIL_RATIO = 1e6


def heavy_tail(fct: NDArray[np.float64], median: ArrayLike | None = None) -> NDArray[np.bool_]:
    """Flag samples that look like a predictive without a finite mean.

    True where a sample is NaN or ±inf, or where
    :math:`|\\bar x| > 10^6\\,|\\tilde x|` (sample mean vs sample median,
    :data:`HEAVY_TAIL_RATIO`). A crude screen, not a test: it catches the
    explosive log-scale extrapolations whose sample means are meaningless.

    Parameters
    ----------
    fct : ndarray, shape (m, ...)
    median : array_like, shape (...), optional
        The sample median, if already computed.

    Returns
    -------
    ndarray of bool, shape (...)
    """
    x = np.asarray(fct, dtype=np.float64)
    finite = np.all(np.isfinite(x), axis=0)
    med = np.median(x, axis=0) if median is None else np.asarray(median, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        mean = np.mean(x, axis=0)
        big = np.abs(mean) > HEAVY_TAIL_RATIO * np.abs(med)
    return ~finite | big


# ------------------------------------------------------------- all at once
def score_cases(
    paths: NDArray[np.float64],
    obs: NDArray[np.float64],
    y0: NDArray[np.float64],
    h: NDArray[np.integer],
    scale: NDArray[np.float64],
    *,
    levels,
    thresholds,
    rng: np.random.Generator | int | None = None,
) -> dict[str, NDArray]:
    """Every score of ``k`` cases at once; the backtest's kernel.

    Parameters
    ----------
    paths : ndarray, shape (m, k)
        Samples of each case's forecast (one column per case).
    obs, y0, h, scale : ndarray, shape (k,)
        Outcome, value at the origin, horizon in years and MASE scale.
    levels, thresholds : sequence of float
        Central interval coverages; yearly growth rates x of the events
        ``obs ≥ y0 (1 + x)^h``.
    rng : {None, int, Generator}
        For the PIT's tie-breaking.

    Returns
    -------
    dict of str to ndarray, shape (k,)
        ``h``, ``y``, ``y0``, ``scale``, ``median``, ``crps`` (fair),
        ``crps_log``, ``heavy_tail``, ``pit``, ``cover_<l>``/``width_<l>``
        (width / |y0|) per level, ``p_<x>``/``event_<x>`` per threshold (x in
        %), ``smape``, ``ase``.

    Notes
    -----
    ``crps_log`` is the fair CRPS of the log paths against the log outcome,
    :math:`\\mathrm{CRPS}(F_{\\log X}, \\log y)`: scale-free (roughly a
    relative error) and finite for log-normal-like predictives whose mean is
    infinite or huge. It is NaN where the outcome or any path is ≤ 0.

    ``heavy_tail`` flags cases whose sample looks like a predictive without a
    finite mean: a path is NaN or ±inf, or the sample mean exceeds the sample
    median in absolute value by more than a factor 10⁶,
    :math:`|\\bar x| > 10^6 |\\tilde x|` (so a median of exactly 0 flags any
    non-zero mean). The CRPS (which needs a finite first moment) and other
    scores of such cases are driven by a handful of paths.
    """
    s = np.sort(paths, axis=0)
    levels = np.asarray(levels, dtype=np.float64)
    q = quantiles_sorted(s, np.r_[0.5, (1 - levels) / 2, (1 + levels) / 2])
    median = q[0]
    out = {"h": np.asarray(h).astype(np.int16), "y": obs, "y0": y0, "scale": scale,
           "median": median, "crps": crps_ensemble(obs, s, sorted_ensemble=True),
           "crps_log": crps_log(obs, s), "heavy_tail": heavy_tail(s, median),
           "pit": pit_values(obs, s, rng=rng)}
    k = len(levels)
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, lev in enumerate(levels):
            lo, hi = q[1 + i], q[1 + k + i]
            out[f"cover_{_label(lev)}"] = (lo <= obs) & (obs <= hi)
            out[f"width_{_label(lev)}"] = (hi - lo) / np.abs(y0)
        for x in thresholds:
            target = y0 * (1.0 + x) ** h
            out[f"p_{_label(x)}"] = np.mean(s >= target, axis=0)
            out[f"event_{_label(x)}"] = obs >= target
        out["smape"] = smape(obs, median)
        out["ase"] = np.where(scale > 0, np.abs(obs - median) / scale, np.nan)
    return out


def _label(x: float) -> str:
    return f"{100 * x:g}"
