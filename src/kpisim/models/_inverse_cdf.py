"""Fast inverse of a piecewise-linear CDF: ``np.interp(u, cdf, x)`` with a guide table.

The reference-class model draws each path's σ by inverting the CDF of its grid
posterior (:mod:`kpisim.models._refclass`): :math:`\\log\\sigma = F^{-1}(u)`,
:math:`u \\sim U[0, 1)`, with :math:`F` linear between the cell edges. numpy's
``interp`` finds each :math:`u`'s cell by a binary search that expects sorted
queries; on random ones it cost about as much as drawing the path's ten
yearly normals. Here the cell comes from a guide table (Chen and Asau's
indexed search): with :math:`M = 2^k` buckets, :math:`\\lfloor uM \\rfloor` is
exact in floating point, and bucket :math:`b` is known to lie in the cells
``guide[b] … guide[b + 1]``; only the queries whose bucket straddles a cell
edge (at most one bucket per edge) are searched. The loop is compiled
(:func:`kpisim._kernels.inverse_cdf`).

The result is bitwise equal to ``np.interp(u, cdf, x)`` for every
:math:`u \\in [0, 1)`: the same cell :math:`j` (``cdf[j] ≤ u < cdf[j + 1]``)
and the same arithmetic, ``slope[j] * (u - cdf[j]) + x[j]``, with
``x[j]`` itself where ``u == cdf[j]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kpisim._validation import ModelError

__all__ = ["InverseCDF"]


@dataclass(frozen=True, slots=True)
class InverseCDF:
    """The inverse of the piecewise-linear CDF through ``(x[i], cdf[i])``.

    Parameters
    ----------
    x : ndarray, shape (K,)
        Increasing abscissae (here the log σ cell edges).
    cdf : ndarray, shape (K,)
        Non-decreasing CDF values at ``x``, from exactly 0 to exactly 1.
    bucket_bits : int, default 11
        :math:`M = 2^{bits}` guide buckets.

    Examples
    --------
    >>> import numpy as np
    >>> inv = InverseCDF(np.array([0.0, 1.0, 3.0]), np.array([0.0, 0.5, 1.0]))
    >>> inv(np.array([0.0, 0.25, 0.75])).tolist()
    [0.0, 0.5, 2.0]
    """

    x: NDArray[np.float64]
    cdf: NDArray[np.float64]
    bucket_bits: int = 11
    _slopes: NDArray[np.float64] = field(init=False, repr=False)
    _guide: NDArray[np.intp] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        x = np.array(self.x, dtype=np.float64)
        cdf = np.array(self.cdf, dtype=np.float64)
        if (x.ndim != 1 or x.shape != cdf.shape or x.size < 2
                or not np.all(np.isfinite(x)) or np.any(np.diff(x) < 0)):
            msg = ("InverseCDF: `x` must be finite, non-decreasing, of the shape of `cdf`, "
                   "≥ 2 points")
            raise ModelError(msg)
        if cdf[0] != 0.0 or cdf[-1] != 1.0 or np.any(np.diff(cdf) < 0) or np.isnan(cdf).any():
            msg = "InverseCDF: `cdf` must rise from exactly 0 to exactly 1"
            raise ModelError(msg)
        if not 1 <= self.bucket_bits <= 20:
            msg = f"InverseCDF: `bucket_bits` must be in 1…20; got {self.bucket_bits!r}"
            raise ModelError(msg)
        x.flags.writeable = False
        cdf.flags.writeable = False
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # flat cells: unused
            slopes = (x[1:] - x[:-1]) / (cdf[1:] - cdf[:-1])
        m = 1 << self.bucket_bits
        guide = np.searchsorted(cdf, np.arange(m + 1) / m, side="right") - 1
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "cdf", cdf)
        object.__setattr__(self, "_slopes", slopes)
        object.__setattr__(self, "_guide", guide)

    def __call__(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """:math:`F^{-1}(u)` for ``u`` in [0, 1) (numpy's ``random()`` range)."""
        from kpisim import _kernels  # numba: imported when a simulation runs

        u = np.ascontiguousarray(u, dtype=np.float64)
        out = np.empty_like(u)
        if _kernels.inverse_cdf(u.reshape(-1), self.x, self.cdf, self._slopes, self._guide,
                                self.bucket_bits, out.reshape(-1)):
            msg = "InverseCDF: `u` must lie in [0, 1)"
            raise ModelError(msg)
        return out
