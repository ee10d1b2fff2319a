"""Standard-normal innovations: plain, antithetic, Latin hypercube, scrambled Sobol.

Each simulated path is one point in :math:`n_\\text{steps}` dimensions (one
coordinate per simulated year); the samplers differ in how the ``n_paths``
points fill that space:

* ``"plain"``: independent draws from the Generator.
* ``"antithetic"``: the first ⌈n/2⌉ rows are plain draws *z*, the next rows
  are −*z* (for odd ``n_paths`` the last row of −*z* is dropped). Unbiased;
  halves the variance of estimates of odd/monotone functions.
* ``"lhs"``: Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`): each
  year's marginal is stratified into ``n_paths`` equal-probability cells.
* ``"sobol"``: scrambled Sobol' points (:class:`scipy.stats.qmc.Sobol`,
  Owen scrambling seeded from the Generator: randomised QMC, unbiased).

Uniforms are clipped to [1e-10, 1 − 1e-10] before the normal quantile
function (:func:`scipy.special.ndtri`), so no draw is infinite (|z| ≤ 6.36).

**Sobol and powers of two.** Sobol' points are balanced only for ``n_paths``
a power of 2. kpisim draws with ``random_base2`` when it is one; otherwise it
takes the first ``n_paths`` points of the scrambled sequence (still a
low-discrepancy, unbiased randomised-QMC design, with somewhat less variance
reduction). scipy's balance warning for that case is expected and filtered
inside this module, matched on its message, so it never reaches the user.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from kpisim._validation import SimulationError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["SAMPLERS", "standard_normals"]

#: Sampler names accepted by :func:`standard_normals`.
SAMPLERS: tuple[str, ...] = ("plain", "antithetic", "lhs", "sobol")

_U_EPS = 1e-10


def standard_normals(
    n_paths: int, n_steps: int, *, rng: Any = None, method: str = "plain",
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Draw standard-normal innovations, shape (n_paths, n_steps).

    Parameters
    ----------
    n_paths, n_steps : int
        Number of paths (rows) and of simulated years (columns).
    rng : {None, int, SeedSequence, Generator}, optional
        Normalised with :func:`numpy.random.default_rng`; it also seeds the
        LHS and the Sobol' scrambling.
    method : {"plain", "antithetic", "lhs", "sobol"}, default "plain"
        See the module docstring.
    out : ndarray, shape (n_paths, n_steps), float64, C-contiguous, optional
        A buffer the ``"plain"`` draws are written into (the same numbers as
        without it; the engine reuses one per indicator, sparing a fresh
        array's cache misses); ignored by the other methods.

    Returns
    -------
    ndarray, shape (n_paths, n_steps)
        Each column is marginally N(0, 1) (exactly for plain/antithetic,
        up to the stratification for LHS/Sobol').

    Examples
    --------
    >>> import numpy as np
    >>> from kpisim.models import standard_normals
    >>> rng = np.random.default_rng(42)
    >>> z = standard_normals(6, 3, rng=rng, method="antithetic")
    >>> bool(np.allclose(z[:3], -z[3:]))
    True
    """
    for name, value in (("n_paths", n_paths), ("n_steps", n_steps)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            msg = f"`{name}` must be an integer ≥ 0; got {value!r}."
            raise SimulationError(msg)
    if method not in SAMPLERS:
        msg = f"`method` must be one of {list(SAMPLERS)}; got {method!r}."
        raise SimulationError(msg)
    n_paths, n_steps = int(n_paths), int(n_steps)
    rng = np.random.default_rng(rng)
    if method == "plain" or n_paths == 0 or n_steps == 0:
        if (out is not None and out.shape == (n_paths, n_steps) and out.dtype == np.float64
                and out.flags.c_contiguous and out.flags.writeable):
            return rng.standard_normal(out=out)
        return rng.standard_normal((n_paths, n_steps))
    if method == "antithetic":
        half = rng.standard_normal(((n_paths + 1) // 2, n_steps))
        return np.concatenate([half, -half])[:n_paths]
    from scipy import special  # lazily: scipy.stats costs ~1 s at import
    from scipy.stats import qmc

    if method == "lhs":
        u = qmc.LatinHypercube(d=n_steps, rng=rng).random(n_paths)
    else:
        sobol = qmc.Sobol(d=n_steps, scramble=True, rng=rng)
        m = int(n_paths).bit_length() - 1
        if n_paths == 1 << m:
            u = sobol.random_base2(m)
        else:
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    "ignore", message=".*balance properties of Sobol", category=UserWarning
                )
                u = sobol.random(n_paths)
    np.clip(u, _U_EPS, 1.0 - _U_EPS, out=u)
    return special.ndtri(u, out=u)
