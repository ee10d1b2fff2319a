"""The engine's constants and the state it keeps for each simulated indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kpisim._validation import SimulationError
from kpisim.attainment import AttainmentCounter
from kpisim.indicator import Indicator

#: Paths per independently seeded block.
BLOCK = 4096

#: Most paths one call may ask for (``n_paths``, ``max_paths``): ~10⁹ paths
#: take hours; the CLI asks for ``--yes`` well below this.
MAX_PATHS = 10**9

SAMPLERS = ("plain", "antithetic", "lhs", "sobol")

DEFAULT_CHUNK = 16 * BLOCK

#: Most threads :func:`simulate` starts by default (``threads=None``).
MAX_THREADS = 4


@dataclass
class Track:
    """Everything the engine keeps for one simulated indicator."""

    indicator: Indicator
    fitted: Any
    last_year: int
    last_value: float
    offset: int  # grid column of the first simulated year
    known: NDArray[np.float64]  # grid values known from actuals (NaN elsewhere)
    targets: NDArray[np.float64]
    counter: AttainmentCounter
    store: list[NDArray[np.float64]] = field(default_factory=list)
    stored: int = 0
    rule_counter: AttainmentCounter | None = None
    past: NDArray[np.float64] | None = None  # observed actuals before the grid
    bounds: tuple[float, float] | None = None  # the indicator's resolved bounds
    in_bounds: bool = False  # the model's own scale keeps its paths inside ``bounds``
    notes: tuple[str, ...] = ()  # the engine's own assumptions for this indicator
    key: int = 0  # stable stream key of the indicator id
    growth_draws: bool = False  # the model takes per-path growth normals (param_shocks)
    grade: bool = False  # an ordinal grade: values are indices on the scale (0 = worst)
    target_on_bound: bool = False  # a stated target equals a bound: ε-boundary model
    floored: int = 0  # simulated path-years of a count below 0, floored at 0
    rule_gaps: dict[int, str] = field(default_factory=dict)  # year: why no rule target
    degenerate: bool = False  # every simulated path identical (no noise in the model)


def kept_column(t: Track, i: int) -> NDArray[np.float64]:
    """Year ``i`` of the kept paths of ``t``; a clear error when none were kept."""
    if not t.store:
        msg = (f"indicator `{t.indicator.id}`: no simulated paths were kept "
               "(`keep_paths=0`); simulate with keep_paths ≥ 1 for quantiles, fans and "
               "joint probabilities")
        raise SimulationError(msg)
    return np.concatenate([blk[:, i] for blk in t.store]).astype(float)


def require(ok: bool, requirement: str, got: Any) -> None:
    if not ok:
        from kpisim._safeio import short_repr

        msg = f"{requirement}; got {short_repr(got)}"
        raise SimulationError(msg)


def is_int(v: Any) -> bool:
    """An integer that is not a bool (``True`` is not 1 path)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def is_number(v: Any) -> bool:
    return (isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_)) and bool(np.isfinite(v)))
