"""The root ``SeedSequence`` of a run, from the ``rng`` argument (SPEC 7).

One rule for every entry point that draws random numbers (``simulate``, the
backtest, the goal what-ifs), so the same ``rng`` gives the same root stream
everywhere:

* a ``SeedSequence`` is used as it is;
* a ``Generator`` seeds the run from its next four 32-bit draws (and advances);
* ``None`` or a non-negative integer is passed to ``SeedSequence`` (``None``
  draws fresh OS entropy: never a silent fixed seed).

Anything else (a bool, a negative integer, a string, a BitGenerator) is
refused with a :class:`~kpisim.SimulationError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kpisim._validation import SimulationError

__all__ = ["root_seed"]


def root_seed(rng: Any) -> np.random.SeedSequence:
    """The run's root ``SeedSequence`` (see the module docstring)."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(rng.integers(0, 2**32, size=4, dtype=np.uint64))
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            msg = f"`rng` seed must be a non-negative integer; got {rng}"
            raise SimulationError(msg)
        return np.random.SeedSequence(int(rng))
    msg = (
        "`rng` must be None, an int, a SeedSequence or a Generator; "
        f"got {type(rng).__name__} {rng!r}"
    )
    raise SimulationError(msg)
