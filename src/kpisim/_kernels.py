"""Compiled inner loops of the engine (numba), one pass over a block each.

The engine's cost per path-year was dominated not by arithmetic but by
numpy's passes over memory and its per-call overhead: a 4,096-path block
went through about 90 numpy calls between its normal draw and its counts
(docs/performance.md). The loops here do that work in one pass each,
year by year along contiguous rows of paths:

* :func:`count_block` — the attainment counts of one block
  (:class:`kpisim.attainment.AttainmentCounter`);
* :func:`damped_walk` — the running sum of the reference-class model's
  yearly changes (:class:`kpisim.models.RefGrowth`);
* :func:`inverse_cdf` and :func:`drift_draws` — that model's σ and μ per path.

They are plain loops a reader can check line by line against the formulas
in those classes' docstrings; the property tests compare them with
independent per-path loops in Python. numba compiles them on first use and
caches the machine code beside this file (or in numba's user cache when the
package directory is read-only), so only the first run after an install
pays the compilation (a few seconds).

Importing this module imports numba (half a second); kpisim imports it only
when a simulation runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["count_block", "damped_walk", "drift_draws", "inverse_cdf"]

#: ``goal_mode`` of :func:`count_block`: how a value reaches the goal.
REACH_GE, REACH_LE, REACH_LT = 0, 1, 2


# fastmath "reassoc" only lets the compiler reorder the shortfall sums (into
# SIMD lanes); comparisons and NaN tests keep IEEE semantics.
@njit(cache=True, nogil=True, boundscheck=False, fastmath={"reassoc"})
def count_block(vt, cols, stated, per_path, sign, whole, goal, goal_mode, missed, reached,
                evaluated, hits, path_hits, first_hit, shortfall_sum, shortfall_rel_sum,
                nonfinite):
    r"""Add one block's attainment counts to a counter's totals, in one pass.

    Parameters
    ----------
    vt : ndarray, shape (n_years, n_paths)
        The block's values, a year per row.
    cols : ndarray of int64, shape (n_cols,)
        Increasing rows of ``vt`` that are judged (a stated target).
    stated : ndarray, shape (n_cols,)
        Their targets, the same on every path (read when ``per_path`` is empty).
    per_path : ndarray, shape (n_cols, n_paths) or (0, 0)
        Per-path targets (a rule recomputed on each path); NaN = unknown.
    sign : float
        +1, or −1 for a ``decrease`` indicator: the gap is ``g = s·(t − v)``.
    whole : bool
        A count, judged by its whole number: a value meets ``t`` when
        ``v ≥ ⌈t⌉ − ½`` (``v < ⌊t⌋ + ½`` when decreasing).
    goal, goal_mode
        The first-hit goal's threshold and :data:`REACH_GE` (v ≥ goal),
        :data:`REACH_LE` (v ≤ goal) or :data:`REACH_LT` (v < goal).
    missed, reached : ndarray of uint8, shape (n_paths,)
        Work space.
    evaluated, hits, path_hits, first_hit, shortfall_sum, shortfall_rel_sum, nonfinite
        The totals of :class:`kpisim.attainment.AttainmentCounter`, added to
        in place, per year ``y`` of the grid (``first_hit`` has a last slot
        for paths that never reach the goal).

    Per judged year: ``evaluated`` += paths whose value and target are known;
    ``hits`` += those that meet it; ``shortfall_sum`` += Σ max(g, 0) over the
    paths that miss, and ``shortfall_rel_sum`` += that shortfall over |t|
    (stated targets: the sum divided once; per-path targets: term by term,
    paths with t = 0 left out). Every year: ``path_hits`` += paths with no
    miss in any judged year so far; ``first_hit[y]`` += paths reaching the
    goal for the first time in year ``y``; ``nonfinite`` += NaN or ±∞ values.
    """
    k, n = vt.shape
    for p in range(n):
        missed[p] = 0
        reached[p] = 0
    has_path_targets = per_path.shape[0] > 0
    j = 0
    still_ok = n  # paths with no miss in a judged year so far
    reached_before = 0
    for y in range(k):
        row = vt[y]
        c = 0
        bad = 0
        for p in range(n):
            v = row[p]
            if goal_mode == REACH_GE:
                hit = v >= goal
            elif goal_mode == REACH_LE:
                hit = v <= goal
            else:
                hit = v < goal
            r = reached[p] | np.uint8(hit)
            reached[p] = r
            c += r
            bad += np.int64(not (abs(v) < np.inf))
        nonfinite[y] += bad
        first_hit[y] += c - reached_before
        reached_before = c
        if j < cols.shape[0] and cols[j] == y:
            if has_path_targets:
                m, unknown, s, s_rel, still = _judge_per_path(row, per_path[j], sign, whole,
                                                              missed)
            else:
                m, unknown, s, still = _judge_stated(row, stated[j], sign, whole, missed)
                t = stated[j]
                s_rel = s / abs(t) if t != 0.0 else 0.0
            evaluated[y] += n - unknown
            hits[y] += n - unknown - m
            shortfall_sum[y] += s
            shortfall_rel_sum[y] += s_rel
            still_ok = n - still
            j += 1
        path_hits[y] += still_ok
    first_hit[k] += n - reached_before


@njit(cache=True, inline="always")
def _limit(t, sign, whole):
    """The value a path must reach for target ``t``: ``t``, or for a count
    judged by its whole number ``⌈t⌉ − ½`` (``⌊t⌋ + ½`` when decreasing)
    (:func:`kpisim.attainment.whole_threshold`)."""
    if not whole:
        return t
    return np.floor(t) + 0.5 if sign < 0 else np.ceil(t) - 0.5


@njit(cache=True, inline="always")
def _misses(v, limit, sign, whole):
    """Whether value ``v`` misses ``limit`` (1) or not (0; NaN never misses):
    ``v < limit`` increasing; ``v > limit`` decreasing, ``v ≥ limit`` for a
    decreasing count (whose limit ⌊t⌋ + ½ is itself a miss). For floats,
    ``s·(t − v) > 0`` exactly when ``v < t`` (``v > t``)."""
    if sign > 0:
        return np.uint8(v < limit)
    if whole:
        return np.uint8(v >= limit)
    return np.uint8(v > limit)


@njit(cache=True, nogil=True, boundscheck=False, fastmath={"reassoc"})
def _judge_stated(row, t, sign, whole, missed):
    """One judged year against one target ``t``:
    (misses, unknown, shortfall, ever missed)."""
    n = row.shape[0]
    m = 0
    unknown = 0
    s = 0.0
    still = 0
    limit = _limit(t, sign, whole)
    for p in range(n):
        v = row[p]
        miss = _misses(v, limit, sign, whole)
        unknown += np.int64(v != v)
        m += miss
        gap = sign * (t - v)
        s += gap if (miss and gap > 0.0) else 0.0
        a = missed[p] | miss
        missed[p] = a
        still += a
    return m, unknown, s, still


@njit(cache=True, nogil=True, boundscheck=False, fastmath={"reassoc"})
def _judge_per_path(row, tgt, sign, whole, missed):
    """One judged year against per-path targets ``tgt`` (NaN: unknown);
    returns (misses, unknown, shortfall, relative shortfall, ever missed)."""
    n = row.shape[0]
    m = 0
    unknown = 0
    s = 0.0
    s_rel = 0.0
    still = 0
    for p in range(n):
        t = tgt[p]
        v = row[p]
        miss = _misses(v, _limit(t, sign, whole), sign, whole)
        g = sign * (t - v)
        unknown += np.int64(g != g)  # NaN value or target
        m += miss
        gap = g if (miss and g > 0.0) else 0.0
        s += gap
        if gap > 0.0 and t != 0.0:  # (a NaN target has no gap)
            s_rel += gap / abs(t)
        a = missed[p] | miss
        missed[p] = a
        still += a
    return m, unknown, s, s_rel, still


@njit(cache=True, nogil=True, boundscheck=False)
def damped_walk(eps, sigma, drift, level, damp, damped, limit, out):
    r"""The reference-class model's log changes, in one pass; returns how many
    are outside ``[-limit, limit]`` or NaN.

    With path ``p``'s volatility :math:`\sigma_p`, excess drift
    :math:`d_p = \mu_p - m_0`, level :math:`l_p = m_0 + \delta_p` and the
    damping weights :math:`w_k = \varphi^k`,

    .. math::

        \Delta z_{p,k} = \sum_{j \le k} \big[(\sigma_p \varepsilon_{p,j}
                         + d_p w_j) + l_p\big]
        \quad(\text{damped}), \qquad
        \sum_{j \le k} \big[\sigma_p \varepsilon_{p,j} + (d_p + l_p)\big]
        \quad(\varphi = 1),

    summed in that order (the bracket first, then the running sum), so the
    numbers are those of the same formula written with numpy.

    ``eps`` is (n_paths, n_steps); ``out`` is (n_steps, n_paths): a year per row.
    """
    n, k = eps.shape
    bad = 0
    for y in range(k):
        w = damp[y]
        for p in range(n):
            if damped:
                step = (sigma[p] * eps[p, y] + drift[p] * w) + level[p]
            else:
                step = sigma[p] * eps[p, y] + (drift[p] + level[p])
            v = step if y == 0 else out[y - 1, p] + step
            out[y, p] = v
            bad += np.int64(not (abs(v) <= limit))
    return bad


@njit(cache=True, nogil=True, boundscheck=False)
def inverse_cdf(u, x, cdf, slopes, guide, bits, out):
    r""":math:`F^{-1}(u)` of the piecewise-linear CDF through ``(x, cdf)``, into ``out``.

    The cell ``j`` with ``cdf[j] ≤ u < cdf[j + 1]`` comes from the guide table
    (``guide[b]`` is the cell of :math:`b/2^{bits}`), searched only when the
    bucket straddles a cell edge; then ``slopes[j] * (u - cdf[j]) + x[j]``, or
    ``x[j]`` itself where ``u == cdf[j]``: the arithmetic of ``np.interp``
    (see :class:`kpisim.models._inverse_cdf.InverseCDF`). Returns how many
    ``u`` lie outside [0, 1) (their ``out`` is NaN).
    """
    m = 1 << bits
    bad = 0
    for i in range(u.shape[0]):
        ui = u[i]
        if not (0.0 <= ui < 1.0):
            out[i] = np.nan
            bad += 1
            continue
        b = np.intp(ui * m)  # exact: m is a power of 2
        j = guide[b]
        if guide[b + 1] != j:  # an edge inside the bucket: the last cdf ≤ u
            j = np.searchsorted(cdf, ui, side="right") - 1
        at = cdf[j]
        out[i] = x[j] if at == ui else slopes[j] * (ui - at) + x[j]
    return bad


@njit(cache=True, nogil=True, boundscheck=False)
def drift_draws(sigma, z_mu, m0, tau, big_g, mu_hat, mu):
    r"""Each path's drift μ | σ, in one pass (into ``mu``).

    Given σ², μ is normal with precision :math:`P = 1/\tau^2 + G/\sigma^2` and
    mean :math:`(m_0/\tau^2 + G\hat\mu/\sigma^2)/P`
    (:func:`kpisim.models._refclass.drift_given_sigma`, the same operations),
    and :math:`\mu = \text{mean} + z_\mu/\sqrt{P}`. (σ itself comes from
    numpy's ``exp``, whose AVX-512 version differs from the C library's.)
    """
    inv_t2 = 1.0 / tau**2
    a = m0 / tau**2
    b = big_g * mu_hat
    for i in range(sigma.shape[0]):
        s = sigma[i]
        s2 = s * s
        prec = inv_t2 + big_g / s2
        mu[i] = (a + b / s2) / prec + z_mu[i] / np.sqrt(prec)
