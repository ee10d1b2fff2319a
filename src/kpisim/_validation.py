"""Errors and the shared checks that phrase them.

Every message a user sees about bad input is phrased here, so that all of them
name the same things in the same order: the file, the indicator, the field,
what was expected and what was found.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Sequence
from typing import Any

from kpisim._errors import KpisimError, check_lang
from kpisim._messages import Msg, in_lang, text

__all__ = [
    "CatalogError",
    "KpisimError",
    "KpisimWarning",
    "ModelError",
    "RuleError",
    "ScoringError",
    "SimulationError",
]


def message_of(err: BaseException) -> Any:
    """The message of ``err``: its :class:`~kpisim._messages.Msg` when it has one, else ``str``.

    For quoting one error inside another (``a valid rule: {reason}``) so that
    the quoted reason is translated with the message that quotes it.
    """
    message = err.args[0] if len(err.args) == 1 else None
    return message if isinstance(message, Msg) else str(err)


def joined(parts: Sequence[Any]) -> Any:
    """``"; ".join(parts)`` as a :class:`~kpisim._messages.Msg`, so that parts that are
    messages are translated with it (a plain ``str`` part is kept as it is).

    Examples
    --------
    >>> str(joined(["a", Msg("common.yes")])), joined(["a", Msg("common.yes")]).in_lang("ko")
    ('a; yes', 'a; 예')
    """
    parts = list(parts)
    if not parts:
        return ""
    out = parts[0]
    for part in parts[1:]:
        out = Msg("errors.join", first=out, second=part)
    return out


class CatalogError(KpisimError):
    """A catalog (YAML, DataFrame, CSV or Excel) is malformed.

    The message names the file, the indicator id, the field, what was
    expected and what was found, and the line when the catalog is YAML; the
    same parts are kept as attributes. ``str(err)`` is the English message;
    :meth:`in_lang` renders the same parts in Korean or English (``expected``
    and ``got`` are translated when they are catalogue messages; ids, field
    names and the user's values never are).
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
        self.show_got = show_got
        super().__init__(self._render("en"))

    def in_lang(self, lang: str = "ko") -> str:
        """The message in ``lang`` (``"ko"``, the default, or ``"en"``, which is ``str(self)``)."""
        return self._render(check_lang(lang))

    def _render(self, lang: str) -> str:
        where = []
        if self.source:
            where.append(f"{self.source}")
        if self.indicator:
            where.append(text("errors.catalog.indicator", lang, id=self.indicator))
        field = self.field
        if field and (field.startswith(("row ", "columns "))):
            where.append(in_lang(field, lang))  # already phrased as a table location
        elif field:
            where.append(text("errors.catalog.field", lang, field=field))
        prefix = ", ".join(where) if where else text("errors.catalog.nowhere", lang)
        msg = text("errors.catalog.expected", lang, where=prefix,
                   expected=in_lang(self.expected, lang))
        if self.show_got:
            got = in_lang(self.got, lang) if isinstance(self.got, Msg) else self.got
            msg += text("errors.catalog.got", lang, got=short_repr(got))
        if self.line is not None:
            msg += text("errors.catalog.line", lang, line=self.line)
        return msg + "."


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
