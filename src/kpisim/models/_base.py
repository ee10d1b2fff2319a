"""The model protocols and the checks every model shares.

A *model* (:class:`Model`) is an unfitted, immutable specification: a name,
options, and the minimum number of observed actuals it needs. ``fit`` turns a
history into a :class:`Fitted` object that can draw future paths.

Shape contract: ``Fitted.sample`` returns float64 arrays of shape
``(n_paths, n_years)`` (``PATH_AXIS = 0``, ``YEAR_AXIS = 1``); optional
``shocks`` have shape ``(n_paths, n_steps)`` with one column per simulated year
``last_year + 1, ..., max(years)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from kpisim._frozen import FrozenMap
from kpisim._messages import Msg
from kpisim._validation import ModelError, SimulationError, is_finite_number

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from kpisim.models._prior import GrowthPrior

__all__ = [
    "NUMERIC_KINDS",
    "PATH_AXIS",
    "YEAR_AXIS",
    "Fitted",
    "FittedBase",
    "Model",
    "bound_paths",
    "check_kind",
    "fill_gaps",
    "frozen_params",
    "prepare_history",
    "prepare_sample",
    "span",
]

PATH_AXIS, YEAR_AXIS = 0, 1

#: Kinds a model can simulate numerically (grades are scored, not simulated).
NUMERIC_KINDS: tuple[str, ...] = ("count", "level", "share", "ratio")


@runtime_checkable
class Fitted(Protocol):
    """A model fitted to one history, able to draw future paths."""

    model: str
    last_year: int
    last_value: float
    params: Mapping[str, float]
    assumptions: tuple[str, ...]

    def sample(
        self,
        years: Sequence[int],
        n_paths: int,
        *,
        rng: Any = None,
        shocks: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Draw ``n_paths`` future paths at ``years``; shape (n_paths, n_years)."""
        ...

    def describe(self) -> str:
        """One-line human description of the fit."""
        ...


@dataclass(frozen=True, kw_only=True, eq=False)
class FittedBase:
    """The data every fitted model carries: the fields of the :class:`Fitted` protocol.

    A model's fitted class adds what its ``sample`` needs and implements
    ``sample`` and ``describe``.

    Attributes
    ----------
    model : str
        The registered name of the model that was fitted.
    last_year, last_value
        The last actual: paths start from it.
    params : mapping of str to float
        The fitted parameters, by name (read-only).
    assumptions : tuple of str
        What the fit assumed, one sentence each (shown by ``sim.assumptions()``).
    thread_safe : bool (class attribute)
        ``sample`` changes no process-wide state (such as the warning
        filters), so the engine may run it on several threads at once. False
        unless a model says otherwise.
    """

    thread_safe: ClassVar[bool] = False

    model: str
    last_year: int
    last_value: float
    params: Mapping[str, float] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()


@runtime_checkable
class Model(Protocol):
    """An unfitted projection model (see :func:`kpisim.models.get_model`)."""

    name: str
    min_history: int

    def fit(
        self,
        history: pd.Series,
        *,
        kind: str = "level",
        prior: GrowthPrior | None = None,
    ) -> Fitted:
        """Fit to a float Series of actuals indexed by int year."""
        ...


# ---------------------------------------------------------------------- fitting
def check_kind(kind: str, model: str) -> str:
    """Refuse grades and unknown kinds with a message naming the model."""
    if kind == "grade":
        msg = (
            f"model `{model}`: grade indicators are not simulated numerically; "
            "score them on their grade scale (kpisim.rules / the scoring step) "
            "instead of passing them to a projection model."
        )
        raise ModelError(msg)
    if kind not in NUMERIC_KINDS:
        msg = (
            f"model `{model}`: `kind` must be one of {list(NUMERIC_KINDS)}; "
            f"got {kind!r}."
        )
        raise ModelError(msg)
    return kind


def span(years: NDArray[np.int64]) -> str:
    """``'2019–2023'``-style description of the observed years."""
    if len(years) == 0:
        return "no years"
    if len(years) == 1:
        return str(int(years[0]))
    return f"{int(years[0])}–{int(years[-1])}"


def prepare_history(
    history: Any,
    *,
    model: str,
    min_history: int,
    suggestion: str = "",
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Validate a history and return sorted ``(years, values)`` arrays.

    Missing values (NaN) are dropped and treated as gaps; infinite values,
    duplicate or non-integer years are refused. Fewer than ``min_history``
    observations raise a :class:`ModelError` naming the model and the count.
    """
    if isinstance(history, (list, tuple, np.ndarray)):
        msg = (f"model `{model}`: `history` must be a Series (or a mapping) indexed by year; "
               f"a plain {type(history).__name__} has no years: use e.g. "
               "pd.Series(values, index=[2020, 2021, ...])")
        raise ModelError(msg)
    if not isinstance(history, pd.Series):
        try:
            history = pd.Series(history, dtype="float64")
        except (TypeError, ValueError) as e:
            msg = (
                f"model `{model}`: `history` must be a float Series indexed by "
                f"year; got {type(history).__name__}."
            )
            raise ModelError(msg) from e
    if isinstance(history.index, (pd.DatetimeIndex, pd.PeriodIndex)):
        msg = (f"model `{model}`: `history` must be indexed by integer years, not dates "
               f"(got a {type(history.index).__name__}); use "
               "history.set_axis(history.index.year)")
        raise ModelError(msg)
    index = np.asarray(history.index)
    if len(index) and not np.issubdtype(index.dtype, np.integer):
        try:
            as_float = index.astype(float)
        except (TypeError, ValueError):
            as_float = None
        if as_float is None or not np.all(as_float == np.round(as_float)):
            msg = (
                f"model `{model}`: `history` must be indexed by integer years; "
                f"got index {list(history.index)[:5]!r}."
            )
            raise ModelError(msg)
        index = as_float.astype(np.int64)
    try:
        values = np.asarray(history.to_numpy(dtype="float64", na_value=np.nan))
    except (TypeError, ValueError) as e:
        msg = f"model `{model}`: `history` values must be numbers; got {e}."
        raise ModelError(msg) from e
    years = index.astype(np.int64)
    keep = ~np.isnan(values)
    years, values = years[keep], values[keep]
    if np.any(~np.isfinite(values)):
        bad = dict(zip(years[~np.isfinite(values)].tolist(),
                       values[~np.isfinite(values)].tolist(), strict=True))
        msg = f"model `{model}`: `history` has infinite values {bad}."
        raise ModelError(msg)
    order = np.argsort(years, kind="stable")
    years, values = years[order], values[order]
    if len(years) > 1 and np.any(np.diff(years) == 0):
        dup = sorted(set(years[1:][np.diff(years) == 0].tolist()))
        msg = Msg("errors.backtest.duplicate_years", model=model, years=dup)
        raise ModelError(msg)
    if len(years) < min_history:
        msg = (
            f"model `{model}` needs at least {min_history} observed actuals; "
            f"got {len(years)} ({span(years)})."
        )
        if suggestion:
            msg += f" {suggestion}"
        raise ModelError(msg)
    return years, values


def fill_gaps(
    years: NDArray[np.int64], values: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64], list[int]]:
    """Fill missing years by linear interpolation (for regular-series models)."""
    full = np.arange(years[0], years[-1] + 1, dtype=np.int64)
    if len(full) == len(years):
        return years, values, []
    missing = sorted(set(full.tolist()) - set(years.tolist()))
    return full, np.interp(full, years, values), missing


def frozen_params(**params: float) -> Mapping[str, float]:
    """Read-only mapping of float parameters (None values are dropped)."""
    return FrozenMap(
        {k: float(v) for k, v in params.items() if v is not None}
    )


# --------------------------------------------------------------------- sampling
def prepare_sample(
    years: Any,
    n_paths: Any,
    last_year: int,
    shocks: Any,
    *,
    model: str,
) -> tuple[NDArray[np.intp], int, int, NDArray[np.float64] | None]:
    """Validate a sample request.

    Returns
    -------
    idx : ndarray of intp, shape (n_years,)
        Column of each requested year among the simulated steps
        (``year - last_year - 1``).
    n_steps : int
        ``max(years) - last_year``: every year up to the last is simulated.
    n_paths : int
    shocks : ndarray, shape (n_paths, n_steps), or None
    """
    if isinstance(years, (int, np.integer)):
        years = [years]
    arr = np.asarray(years)
    if arr.ndim != 1 or arr.size == 0:
        msg = (
            f"model `{model}`: `years` must be a non-empty sequence of years; "
            f"got {years!r}."
        )
        raise SimulationError(msg)
    if not np.issubdtype(arr.dtype, np.integer):
        if not (np.issubdtype(arr.dtype, np.floating)
                and np.all(arr == np.round(arr))):
            msg = f"model `{model}`: `years` must be integers; got {years!r}."
            raise SimulationError(msg)
    arr = arr.astype(np.int64)
    # (ndarray methods: np.any and np.diff cost ~25 µs a call, once per block)
    if (arr <= last_year).any() or (arr[1:] <= arr[:-1]).any():
        msg = (
            f"model `{model}`: `years` must be increasing and after the last "
            f"observed year {last_year}; got {arr.tolist()}."
        )
        raise SimulationError(msg)
    if not is_finite_number(n_paths) or int(n_paths) != n_paths or n_paths < 0:
        msg = f"model `{model}`: `n_paths` must be an integer ≥ 0; got {n_paths!r}."
        raise SimulationError(msg)
    n_paths = int(n_paths)
    n_steps = int(arr[-1] - last_year)
    if shocks is not None:
        shocks = np.asarray(shocks, dtype=np.float64)
        if shocks.shape != (n_paths, n_steps):
            msg = (
                f"model `{model}`: `shocks` must have shape (n_paths, n_steps) = "
                f"({n_paths}, {n_steps}) (one column per year {last_year + 1}–"
                f"{int(arr[-1])}); got {shocks.shape}."
            )
            raise SimulationError(msg)
    return (arr - last_year - 1).astype(np.intp), n_steps, n_paths, shocks


def level_from_change(change: NDArray[np.float64], z_last: float) -> NDArray[np.float64]:
    r"""Levels :math:`e^{z_T + \Delta z}` from log changes :math:`\Delta z`, in place.

    Computed as :math:`e^{z_T} \cdot \mathrm{float32}(e^{\Delta z})`: numpy's
    float32 ``exp`` is vectorised on every x86-64 CPU with AVX2, its float64
    ``exp`` only with AVX-512, and ``exp`` was the largest cost of a path-year
    after its normal draw (5–9 ns against 1.4). The price is precision: the
    relative error is at most :math:`2^{-24}(|\Delta z| + 8)` (the rounding of
    Δz to float32 plus float32 ``exp``'s few units in the last place), below
    5 × 10⁻⁷ for paths within a factor e² of the last actual and 3.5 × 10⁻⁶ at
    the ±50 clip of the reference-class model; a Monte Carlo probability's standard
    error is above 10⁻⁴ even at 10⁷ paths. Property-tested against float64.
    ``change`` must be finite with ``|change| ≤ 88`` (float32 ``exp`` range).
    """
    small = np.exp(change, dtype=np.float32, casting="same_kind")
    return np.multiply(small, np.float64(np.exp(z_last)), out=change, dtype=np.float64)


def expit_inplace(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The logistic function :math:`1/(1 + e^{-x})`, in place.

    The same operations as :func:`scipy.special.expit` for float64 (so the
    same numbers), without importing scipy.special (a quarter of a second
    at start-up). ``exp`` overflows to ``inf`` for x < −709, giving 0 as it
    should.
    """
    np.negative(x, out=x)
    with np.errstate(over="ignore"):
        np.exp(x, out=x)
    x += 1.0
    return np.reciprocal(x, out=x)


def bound_paths(paths: NDArray[np.float64], kind: str) -> NDArray[np.float64]:
    """Keep paths in their kind's domain, in place.

    Shares are clipped to [0, 100]; counts and levels are floored at 0;
    ratios are left alone (a ratio may legitimately be negative).
    """
    if kind == "share":
        np.clip(paths, 0.0, 100.0, out=paths)
    elif kind in ("count", "level"):
        np.maximum(paths, 0.0, out=paths)
    return paths
