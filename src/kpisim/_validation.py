"""Errors and the shared checks that phrase them.

Every message a user sees about bad input is phrased here, so that all of them
name the same things in the same order: the file, the indicator, the field,
what was expected and what was found.
"""

from __future__ import annotations

import math
import reprlib
from typing import Any

__all__ = [
    "CatalogError",
    "KpisimError",
    "KpisimWarning",
    "ModelError",
    "RuleError",
    "ScoringError",
    "SimulationError",
]


class KpisimError(ValueError):
    """Base class of every error kpisim raises about the user's input."""


class CatalogError(KpisimError):
    """A catalog (YAML, DataFrame, CSV or Excel) is malformed.

    The message names the file, the indicator id, the field, what was
    expected and what was found, and the line when the catalog is YAML; the
    same parts are kept as attributes.
    """

    def __init__(
        self,
        *,
        source: str | None,
        indicator: str | None,
        field: str | None,
        expected: str,
        got: Any = None,
        show_got: bool = True,
        line: int | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.indicator = indicator
        self.field = field
        self.expected = expected
        self.got = got
        where = []
        if source:
            where.append(f"{source}")
        if indicator:
            where.append(f"indicator `{indicator}`")
        if field and (field.startswith(("row ", "columns "))):
            where.append(field)  # already phrased as a table location
        elif field:
            where.append(f"field `{field}`")
        prefix = ", ".join(where) if where else "catalog"
        msg = f"{prefix}: expected {expected}"
        if show_got:
            msg += f"; got {short_repr(got)}"
        if line is not None:
            msg += f" (line {line})"
        super().__init__(msg + ".")


class KpisimWarning(UserWarning):
    """Something in a result needs the user's attention (e.g. clipped paths)."""


class RuleError(KpisimError):
    """A target rule is invalid or cannot be applied to an indicator's data."""


class ModelError(KpisimError):
    """A projection model cannot be fitted or used on the given history."""


class ScoringError(KpisimError):
    """A scoring request is inconsistent, or an indicator lacks what a method needs."""


class SimulationError(KpisimError):
    """A simulation request is inconsistent (years, targets, scenario names)."""


def is_finite_number(value: Any) -> bool:
    """Return True for a real, finite number that is not a bool.

    An integer too large for a float (a 401-digit literal) is not finite here:
    every use converts to float, which would raise OverflowError.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value.bit_length() <= 1023
    if isinstance(value, float):
        return math.isfinite(value)
    try:
        import numpy as np

        if isinstance(value, np.integer):
            return True
        if isinstance(value, np.floating):
            return bool(np.isfinite(value))
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return False


_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = 80
_REPR.maxother = 80
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 8
_REPR.maxlong = 40


def short_repr(value: Any) -> str:
    """A ``repr`` of ``value`` bounded in length and work, whatever its size.

    Examples
    --------
    >>> len(short_repr(["lol"] * 10**6)) < 100
    True
    >>> short_repr(10**400)[:5]
    '10000'
    """
    try:
        return _REPR.repr(value)
    except Exception:  # a hostile __repr__: fall back on the type
        return f"<{type(value).__name__}>"
