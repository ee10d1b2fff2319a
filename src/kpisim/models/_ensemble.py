"""Ensemble: an equal- (or user-) weighted mixture of models, path by path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import ModelError, is_finite_number
from kpisim.models._base import Fitted, FittedBase, Model, check_kind, frozen_params, prepare_sample

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from kpisim.models._prior import GrowthPrior

__all__ = ["DEFAULT_MEMBERS", "Ensemble"]

#: Members used when ``models`` is not given; the growth model is ``logit``
#: for shares and ``loggrowth`` otherwise.
DEFAULT_MEMBERS: tuple[str, ...] = ("loggrowth", "linear", "holt", "arima", "theta")


@dataclass(frozen=True)
class Ensemble:
    """Mixture of models: each path's model is drawn with probability ∝ weight.

    Parameters
    ----------
    models : sequence of str or Model, optional
        Members (names are resolved with :func:`kpisim.models.get_model`).
        Default :data:`DEFAULT_MEMBERS`, with ``logit`` instead of
        ``loggrowth`` for shares.
    weights : sequence of float, optional
        Non-negative weights, one per member; default equal.

    Notes
    -----
    ``fit`` fits every member and skips those that refuse the history (too
    short, non-positive values, ...), recording each skip in
    ``assumptions``; the remaining weights are renormalised. ``sample`` draws
    each path's member from the weights (categorical / multinomial draw with
    the rng) and lets the member simulate its paths (with the matching rows
    of ``shocks``). A prior is passed only to members that accept one.
    ``min_history`` is the smallest member's.
    """

    models: Sequence[str | Model] | None = None
    weights: Sequence[float] | None = None

    name: ClassVar[str] = "ensemble"
    kinds: ClassVar[tuple[str, ...]] = ("count", "level", "share", "ratio")
    description: ClassVar[str] = (
        "weighted mixture of models drawn path by path; skips members lacking history"
    )
    accepts_prior: ClassVar[bool] = True

    def __post_init__(self) -> None:
        from kpisim.models._registry import get_model

        members = None
        if self.models is not None:
            if isinstance(self.models, str) or not len(self.models):
                msg = (
                    "model `ensemble`: `models` must be a non-empty sequence; "
                    f"got {self.models!r}."
                )
                raise ModelError(msg)
            members = tuple(get_model(m) for m in self.models)
            object.__setattr__(self, "models", members)
        if self.weights is not None:
            w = tuple(self.weights)
            n = len(members) if members is not None else len(DEFAULT_MEMBERS)
            if len(w) != n or not all(is_finite_number(v) and v >= 0 for v in w) or sum(w) <= 0:
                msg = (
                    f"model `ensemble`: `weights` must be {n} non-negative numbers "
                    f"with a positive sum; got {self.weights!r}."
                )
                raise ModelError(msg)
            object.__setattr__(self, "weights", tuple(float(v) for v in w))

    @property
    def min_history(self) -> int:
        """The smallest member's minimum history."""
        return min(int(m.min_history) for m in self._members("level"))

    def _members(self, kind: str) -> tuple[Model, ...]:
        from kpisim.models._registry import get_model

        if self.models is not None:
            return tuple(self.models)
        growth = "logit" if kind == "share" else "loggrowth"
        return tuple(get_model(growth if n == "loggrowth" else n) for n in DEFAULT_MEMBERS)

    def fit(
        self, history: pd.Series, *, kind: str = "level", prior: GrowthPrior | None = None
    ) -> EnsembleFitted:
        """Fit every member; skip (and record) those that refuse the history."""
        check_kind(kind, self.name)
        members = self._members(kind)
        weights = self.weights or (1.0,) * len(members)
        fitted, kept, notes, reasons = [], [], [], []
        for member, w in zip(members, weights, strict=True):
            if w == 0:
                continue
            use_prior = prior if getattr(member, "accepts_prior", False) else None
            try:
                fit = member.fit(history, kind=kind, prior=use_prior)
            except ModelError as e:
                reasons.append(str(e))
                notes.append(f"ensemble member `{member.name}` skipped: {e}")
                continue
            fitted.append(fit)
            kept.append(w)
        if not fitted:
            msg = "model `ensemble`: every member refused the history: " + " | ".join(reasons)
            raise ModelError(msg)
        w = np.asarray(kept) / np.sum(kept)
        for fit in fitted:
            for a in fit.assumptions:
                notes.append(a if a.startswith(fit.model) else Msg("sim.prefixed", model=fit.model,
                                                                   text=a))
        if prior is not None and not any(getattr(m, "accepts_prior", False) for m in members):
            notes.append(Msg("sim.ensemble.prior_unused"))
        params: dict[str, float] = {}
        for fit, v in zip(fitted, w, strict=True):
            key, k = f"weight_{fit.model}", 2
            while key in params:
                key, k = f"weight_{fit.model}_{k}", k + 1
            params[key] = float(v)
        return EnsembleFitted(
            model=self.name,
            last_year=fitted[0].last_year,
            last_value=fitted[0].last_value,
            params=frozen_params(**params),
            assumptions=tuple(dict.fromkeys(notes)),
            members=tuple(fitted),
            weights=w,
        )


@dataclass(frozen=True, kw_only=True, eq=False)
class EnsembleFitted(FittedBase):
    """A fitted ensemble: fitted members and their normalised weights."""

    members: tuple[Fitted, ...] = field(repr=False)
    weights: NDArray[np.float64] = field(repr=False)

    def sample(
        self, years: Sequence[int], n_paths: int, *, rng: Any = None,
        shocks: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Draw each path's member from the weights, then its path; (n_paths, n_years)."""
        idx, _, n_paths, shocks = prepare_sample(
            years, n_paths, self.last_year, shocks, model=self.model
        )
        rng = np.random.default_rng(rng)
        choose_rng, *member_rngs = rng.spawn(1 + len(self.members))
        assign = choose_rng.choice(len(self.members), size=n_paths, p=self.weights)
        out = np.empty((n_paths, len(idx)), dtype=np.float64)
        years = self.last_year + 1 + idx
        for j, (fit, sub_rng) in enumerate(zip(self.members, member_rngs, strict=True)):
            rows = np.flatnonzero(assign == j)
            if rows.size:
                out[rows] = fit.sample(
                    years, rows.size, rng=sub_rng,
                    shocks=None if shocks is None else shocks[rows],
                )
        return out

    def describe(self) -> str:
        """One-line description of the mixture."""
        parts = ", ".join(
            f"{f.model} {w:.0%}" for f, w in zip(self.members, self.weights, strict=True)
        )
        return f"ensemble of {parts}; actuals to {self.last_year}"
