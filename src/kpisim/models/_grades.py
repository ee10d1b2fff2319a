"""Grade indicators: a Markov chain over the grade scale with Dirichlet rows.

An ordinal grade (경영평가 등급, 고객만족도 평가, 대외 기관평가 …) is a state on
the indicator's ``scale`` (worst first, index ``0 … K−1``). Its yearly change
is a first-order Markov chain with an unknown transition matrix ``P``; each
row ``P[i, ·]`` has a Dirichlet prior, updated by the transitions observed in
consecutive years:

.. math::

    P_{i\\cdot} \\sim \\operatorname{Dir}(\\alpha^0_{i\\cdot} + n_{i\\cdot}),
    \\qquad
    X_{t+1} \\mid X_t = i, P \\sim \\operatorname{Categorical}(P_{i\\cdot}),

with ``n_ij`` the number of observed moves ``i → j`` between consecutive
years (a gap of more than one year is not a one-year move and is not
counted). Each simulated path draws its own ``P`` from the posterior and then
its grades year by year, so the uncertainty about ``P`` is part of every
probability (``parameter_uncertainty=False`` uses the posterior mean instead).

The default prior (an assumption, used for every row and dominated by data as
transitions are observed) is *sticky*:

.. math::

    \\alpha^0_{ii} = c\\,\\rho, \\qquad
    \\alpha^0_{ij} = c\\,(1-\\rho)\\,
        \\frac{\\delta^{|i-j|-1}}{\\sum_{k\\ne i} \\delta^{|i-k|-1}}
    \\quad (j \\ne i),

with persistence ``ρ = 0.6`` (the prior mean of P(same grade next year)),
distance decay ``δ = 0.5`` (a move of two steps is half as likely as a move
of one) and concentration ``c = 2`` (the prior weighs as much as two observed
transitions per row). Every ``α > 0``, so the prior is proper, and it is
symmetric in the direction of moves: it says grades persist, not that they
improve. See ``docs/models.md`` ("Grade indicators") for the reasons and the
sensitivity of the headline probability to ``ρ``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kpisim._messages import Msg
from kpisim._validation import ModelError, is_finite_number
from kpisim.models._base import FittedBase

__all__ = [
    "DEFAULT_CONCENTRATION",
    "DEFAULT_DECAY",
    "DEFAULT_PERSISTENCE",
    "FittedGradeMarkov",
    "GradeMarkov",
    "grade_points",
    "sticky_prior",
    "transition_counts",
]

#: Prior mean of P(same grade next year) — an assumption (see the module docstring).
DEFAULT_PERSISTENCE = 0.6
#: Pseudo-transitions per row the prior is worth.
DEFAULT_CONCENTRATION = 2.0
#: Relative weight of each further step of distance in a move.
DEFAULT_DECAY = 0.5


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        msg = f"a grade scale needs at least 2 grades; got {k!r}"
        raise ModelError(msg)
    return int(k)


def sticky_prior(
    k: int,
    *,
    persistence: float = DEFAULT_PERSISTENCE,
    concentration: float = DEFAULT_CONCENTRATION,
    decay: float = DEFAULT_DECAY,
) -> NDArray[np.float64]:
    """The default Dirichlet prior of a ``k``-grade chain, shape ``(k, k)``.

    Row ``i`` is ``c·ρ`` on the diagonal and ``c·(1−ρ)`` spread over the other
    grades with weights ``δ^(|i−j|−1)`` (normalised). Every entry is > 0 for
    ``0 < ρ < 1``, ``c > 0`` and ``0 < δ ≤ 1``; each row sums to ``c``.

    Examples
    --------
    >>> sticky_prior(2).tolist()
    [[1.2, 0.8], [0.8, 1.2]]
    """
    k = _check_k(k)
    for name, v, ok in (
        ("persistence", persistence, lambda x: 0 < x < 1),
        ("concentration", concentration, lambda x: x > 0),
        ("decay", decay, lambda x: 0 < x <= 1),
    ):
        if not (is_finite_number(v) and ok(float(v))):
            bounds = {"persistence": "in (0, 1)", "concentration": "> 0", "decay": "in (0, 1]"}
            msg = f"`{name}` must be a finite number {bounds[name]}; got {v!r}"
            raise ModelError(msg)
    i = np.arange(k)
    dist = np.abs(i[:, None] - i[None, :])
    w = np.where(dist > 0, float(decay) ** np.maximum(dist - 1, 0), 0.0)
    w = w / w.sum(axis=1, keepdims=True)
    return concentration * ((1 - persistence) * w + persistence * np.eye(k))


def transition_counts(history: pd.Series, k: int) -> NDArray[np.float64]:
    """Observed one-year moves ``n[i, j]`` (grade ``i`` in year t, ``j`` in t + 1).

    ``history`` holds grade indices (0 = worst) by year; missing years break
    the chain (a move over a gap is not a one-year move and is not counted).
    """
    k = _check_k(k)
    s = history.dropna()
    counts = np.zeros((k, k))
    years = s.index.to_numpy(dtype=np.int64)
    states = s.to_numpy(dtype=float)
    if np.any((states < 0) | (states > k - 1) | (states != np.round(states))):
        msg = f"grade indices must be integers in 0–{k - 1}; got {states.tolist()}"
        raise ModelError(msg)
    for a, b, ya, yb in zip(states[:-1], states[1:], years[:-1], years[1:], strict=True):
        if yb - ya == 1:
            counts[int(a), int(b)] += 1
    return counts


def grade_points(k: int) -> NDArray[np.float64]:
    """Default 평점 of each grade: ``20 + 80·i/(k−1)`` (worst 20, best 100).

    The linear map of the handbook's 평점 = 20 + 80 × position, with the
    grade's position on its scale; it matches the 비계량 grade table (A+ 100
    … E0 20 in equal steps of 10) for a 9-grade scale. An assumption for the
    external grades, whose conversion the plan does not state.

    Examples
    --------
    >>> grade_points(5).tolist()
    [20.0, 40.0, 60.0, 80.0, 100.0]
    """
    k = _check_k(k)
    return 20.0 + 80.0 * np.arange(k) / (k - 1)


@dataclass(frozen=True, kw_only=True, eq=False)
class FittedGradeMarkov(FittedBase):
    """A grade chain fitted to one indicator: posterior rows and the last grade.

    Attributes
    ----------
    scale : tuple of str
        The grades, worst first.
    last_year : int
    last_value : float
        Index of the last observed grade.
    counts, prior_alpha, alpha : ndarray (K, K)
        Observed transitions, prior and posterior Dirichlet parameters.
    parameter_uncertainty : bool
        Draw ``P`` per path from the posterior (True) or use its mean.
    """

    thread_safe: ClassVar[bool] = True  # see FittedBase

    model: str = "markov_grade"
    scale: tuple[str, ...]
    counts: NDArray[np.float64]
    prior_alpha: NDArray[np.float64]
    alpha: NDArray[np.float64]
    parameter_uncertainty: bool = True

    @property
    def k(self) -> int:
        """Number of grades."""
        return len(self.scale)

    @property
    def posterior_mean(self) -> NDArray[np.float64]:
        """E[P]: each row of ``alpha`` divided by its sum (rows sum to 1)."""
        return self.alpha / self.alpha.sum(axis=1, keepdims=True)

    def n_step(self, steps: int) -> NDArray[np.float64]:
        """``E[P]^steps``: the chain's ``steps``-year transition matrix at E[P].

        Exact for ``parameter_uncertainty=False``; with uncertainty it is exact
        for one step only (the mean of a product of rows is not the product).
        """
        return np.linalg.matrix_power(self.posterior_mean, int(steps))

    def sample(
        self,
        years: Sequence[int],
        n_paths: int,
        *,
        rng: Any = None,
        shocks: NDArray | None = None,
    ) -> NDArray[np.float64]:
        """Grade indices (float, 0 = worst) at ``years``, shape ``(n_paths, len(years))``.

        ``shocks`` are ignored: a grade takes no normal shocks (and so takes no
        part in a shock correlation). The yearly uniforms come from the second
        of two streams spawned from ``rng``, so the first ``n`` paths of a
        larger draw equal a draw of ``n`` paths. With parameter uncertainty
        each path's transition matrix is Dirichlet per row, integrated out
        exactly by the Pólya urn: from grade *i* the next grade is *j* with
        probability :math:`(\\alpha_{ij} + c_{ij}) / (\\sum_j \\alpha_{ij} +
        c_i)`, :math:`c` the path's own earlier moves.
        """
        years = [int(y) for y in years]
        if any(y <= self.last_year for y in years):
            msg = (f"grade chain: years must be after the last actual ({self.last_year}); "
                   f"got {years}")
            raise ModelError(msg)
        n = int(n_paths)
        g = np.random.default_rng(rng)
        _, g_u = g.spawn(2)  # the first stream was the per-path matrices' (see below)
        k = self.k
        horizon = max(years) - self.last_year if years else 0
        u = g_u.random((n, horizon))
        state = np.full(n, int(self.last_value), dtype=np.int64)
        out = np.empty((n, len(years)))
        col = {y: j for j, y in enumerate(years)}
        if self.parameter_uncertainty:
            # Each path's matrix P ~ Dirichlet(alpha) row by row, then a walk on
            # P, is drawn without drawing P: by the Pólya-urn representation the
            # next grade from grade i is j with probability
            # (alpha_ij + c_ij) / (sum_j alpha_ij + c_i), c the path's own moves
            # so far — the same distribution of paths, with no gamma draws.
            # Grades are rows and paths columns ((k, n) arrays), so every step
            # runs along contiguous rows of paths: ``seen[j, path·k + i]`` is
            # c_ij of the path, gathered a column per path (``take``).
            alpha_t = np.ascontiguousarray(self.alpha.T)
            seen = np.zeros((k, n * k))
            col0 = np.arange(n) * k
        else:
            mean_edges = np.ascontiguousarray(np.cumsum(self.posterior_mean, axis=1).T)
        for h in range(horizon):
            if self.parameter_uncertainty:
                at = col0 + state
                w = alpha_t.take(state, axis=1)
                w += seen.take(at, axis=1)  # (k, n)
                for j in range(1, k):  # cumulative sum over the k grades
                    w[j] += w[j - 1]
                edges = w / w[k - 1]
            else:
                edges = mean_edges.take(state, axis=1)
            new = np.minimum((u[:, h] >= edges).sum(axis=0), k - 1)
            if self.parameter_uncertainty:
                seen.reshape(-1)[new * (n * k) + at] += 1.0
            state = new
            j = col.get(self.last_year + h + 1)
            if j is not None:
                out[:, j] = state
        return out

    def describe(self) -> str:
        """One line: the last grade and how many transitions were observed."""
        return (
            f"markov_grade: {self.k} grades, last {self.scale[int(self.last_value)]} "
            f"({self.last_year}), {int(self.counts.sum())} observed transition(s)"
        )


@dataclass(frozen=True, kw_only=True)
class GradeMarkov:
    """Markov chain over an ordinal grade scale with Dirichlet rows (see module doc).

    Parameters
    ----------
    persistence, concentration, decay : float
        The default prior (:func:`sticky_prior`): ρ = 0.6, c = 2, δ = 0.5.
    prior : array_like (K, K), optional
        A Dirichlet prior to use instead (every entry > 0).
    parameter_uncertainty : bool, default True
        Draw each path's transition matrix from the posterior.
    """

    name: ClassVar[str] = "markov_grade"
    min_history: ClassVar[int] = 1
    kinds: ClassVar[tuple[str, ...]] = ("grade",)
    description: ClassVar[str] = "grades: Markov chain, Dirichlet rows (sticky prior ρ=0.6)"

    persistence: float = DEFAULT_PERSISTENCE
    concentration: float = DEFAULT_CONCENTRATION
    decay: float = DEFAULT_DECAY
    prior: Any = None
    parameter_uncertainty: bool = True

    def __post_init__(self) -> None:
        sticky_prior(2, persistence=self.persistence, concentration=self.concentration,
                     decay=self.decay)  # validates the three numbers
        if not isinstance(self.parameter_uncertainty, bool):
            msg = ("`parameter_uncertainty` must be True or False; "
                   f"got {self.parameter_uncertainty!r}")
            raise ModelError(msg)

    def prior_for(self, k: int) -> NDArray[np.float64]:
        """The ``(k, k)`` prior: ``prior`` if given (validated), else :func:`sticky_prior`."""
        if self.prior is None:
            return sticky_prior(k, persistence=self.persistence,
                                concentration=self.concentration, decay=self.decay)
        a = np.asarray(self.prior, dtype=float)
        if a.shape != (k, k) or not np.all(np.isfinite(a)) or np.any(a <= 0):
            msg = f"`prior` must be a {k}×{k} array of finite numbers > 0; got {a.tolist()}"
            raise ModelError(msg)
        return a

    def fit(
        self, history: pd.Series, *, kind: str = "grade", scale: Sequence[str], prior: Any = None
    ) -> FittedGradeMarkov:
        """Fit to grades by year (labels on ``scale`` or their indices).

        ``prior`` (the engine's growth prior) does not apply to grades and is
        ignored.
        """
        if kind != "grade":
            msg = f"model `{self.name}` is for grade indicators; got kind {kind!r}"
            raise ModelError(msg)
        scale = tuple(scale)
        k = _check_k(len(scale))
        idx = history.dropna().map(lambda v: scale.index(v) if isinstance(v, str) and v in scale
                                   else v)
        bad = [v for v in idx if isinstance(v, str)]
        if bad:
            msg = f"grades {bad} are not on the scale {list(scale)}"
            raise ModelError(msg)
        idx = idx.astype(float).sort_index()
        if idx.empty:
            msg = f"model `{self.name}`: no observed grade to start from"
            raise ModelError(msg)
        counts = transition_counts(idx, k)
        alpha0 = self.prior_for(k)
        n_obs = int(counts.sum())
        if self.prior is None:
            how = Msg("grades.model.sticky", k=k, persistence=f"{self.persistence:g}",
                      decay=f"{self.decay:g}", concentration=f"{self.concentration:g}")
        else:
            how = Msg("grades.model.given")
        span = f"{int(idx.index[0])}–{int(idx.index[-1])}"
        facts = Msg("grades.model.facts_none" if n_obs == 0 else "grades.model.facts",
                    n=n_obs, grades=len(idx), span=span)
        unc = Msg("grades.model.per_path" if self.parameter_uncertainty
                  else "grades.model.mean")
        return FittedGradeMarkov(
            scale=scale,
            last_year=int(idx.index[-1]),
            last_value=float(idx.iloc[-1]),
            counts=counts,
            prior_alpha=alpha0,
            alpha=alpha0 + counts,
            parameter_uncertainty=self.parameter_uncertainty,
            assumptions=(Msg("grades.model.line", how=how, unc=unc), facts),
            params={"persistence": float(self.persistence),
                    "concentration": float(self.concentration),
                    "decay": float(self.decay), "transitions": float(n_obs)},
        )
