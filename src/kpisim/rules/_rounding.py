"""Rounding of computed targets, free of binary floating-point artefacts.

Plan documents print targets rounded half-up (2.5 → 3, 0.125 → 0.13), down or
up to a few decimals. Computed targets carry float noise (``218 * 1.03`` is
``224.54000000000002``, ``48.75 * 1.1`` is ``53.62500000000001``), and that
noise must never flip a result. Every value is therefore first *snapped* to 12
significant digits after scaling to the kept decimals; differences smaller
than that are float noise, not data. The snapped value is an exact decimal,
so half-up, floor and ceil then behave as they would on paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kpisim._messages import Msg
from kpisim._validation import RuleError, is_finite_number

__all__ = ["MODES", "Rounding", "decimals_shown", "round_array", "round_value"]

#: Rounding modes: ``none`` keeps the computed value; ``half_up`` rounds halves
#: away from zero (사사오입, 반올림); ``floor`` rounds down (내림/버림);
#: ``ceil`` rounds up (올림).
MODES: tuple[str, ...] = ("none", "half_up", "floor", "ceil")
_SIGNIFICANT = 12
_MAX_DECIMALS = 10


def _snap(scaled: np.ndarray) -> np.ndarray:
    """Round ``scaled`` to 12 significant digits (removes float artefacts)."""
    a = np.abs(scaled)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.where((a > 0) & np.isfinite(a), a, 1.0)))
    mag = np.clip(mag, -250, 300)
    factor = 10.0 ** (_SIGNIFICANT - 1 - mag)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.isfinite(scaled), np.rint(scaled * factor) / factor, scaled)


def round_array(values: Any, mode: str, decimals: int) -> np.ndarray:
    """Round an array of numbers; NaN stays NaN.

    Parameters
    ----------
    values : array_like
        Numbers to round (any shape).
    mode : {"none", "half_up", "floor", "ceil"}
    decimals : int
        Decimals kept (0 = integers).

    Returns
    -------
    ndarray of float64, same shape as ``values``
    """
    x = np.asarray(values, dtype=np.float64)
    if mode == "none":
        return x.copy()
    scale = 10.0**decimals
    s = _snap(x * scale)
    if mode == "half_up":
        r = np.sign(s) * np.floor(np.abs(s) + 0.5)
    elif mode == "floor":
        r = np.floor(s)
    elif mode == "ceil":
        r = np.ceil(s)
    else:  # pragma: no cover - Rounding validates the mode
        msg = f"unknown rounding mode {mode!r}; expected one of {list(MODES)}"
        raise RuleError(msg)
    return r / scale + 0.0  # + 0.0 turns -0.0 into 0.0


def round_value(value: float, mode: str, decimals: int) -> float:
    """Round one number (see :func:`round_array`)."""
    return float(round_array(value, mode, decimals))


def decimals_shown(value: float, cap: int = _MAX_DECIMALS) -> int:
    """Number of decimals a printed number shows (``8.74`` → 2, ``1460`` → 0).

    Parameters
    ----------
    value : float
        A number as typed from a document (trailing zeros are not visible
        once parsed: ``9.10`` reads as ``9.1`` and shows 1 decimal).
    cap : int
        Largest count returned.
    """
    text = np.format_float_positional(float(value), trim="-", precision=_SIGNIFICANT)
    if "." not in text:
        return 0
    return min(len(text.split(".")[1]), cap)


@dataclass(frozen=True)
class Rounding:
    """How a rule rounds each computed target.

    Parameters
    ----------
    mode : {"none", "half_up", "floor", "ceil"}, default "none"
        ``half_up`` rounds halves away from zero (2.5 → 3, 0.125 → 0.13);
        ``floor`` rounds down, ``ceil`` up.
    decimals : int, default 0
        Decimals kept, 0–10.

    Notes
    -----
    Values are snapped to 12 significant digits (after scaling to the kept
    decimals) before rounding, so float artefacts cannot flip a result:
    ``Rounding("ceil", 2)(1.1 * 1.1)`` is ``1.21``, not ``1.22``.

    Examples
    --------
    >>> Rounding("half_up", 0)(2.5), Rounding("half_up", 2)(0.125)
    (3.0, 0.13)
    >>> Rounding("floor", 2)(8.66 * 1.01)
    8.74
    """

    mode: str = "none"
    decimals: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise RuleError(Msg("rules.rounding_mode", modes=list(MODES), got=repr(self.mode)))
        d = self.decimals
        if isinstance(d, bool) or not isinstance(d, int | np.integer):
            raise RuleError(Msg("rules.rounding_decimals_type", most=_MAX_DECIMALS, got=repr(d)))
        if not 0 <= d <= _MAX_DECIMALS:
            raise RuleError(Msg("rules.rounding_decimals_range", most=_MAX_DECIMALS, got=repr(d)))
        object.__setattr__(self, "decimals", int(d))

    def __call__(self, value: Any) -> Any:
        """Round a number (returns float) or an array (returns ndarray)."""
        if np.ndim(value) == 0:
            return round_value(value, self.mode, self.decimals)
        return round_array(value, self.mode, self.decimals)

    @property
    def is_none(self) -> bool:
        """True when values are kept as computed."""
        return self.mode == "none"

    @property
    def label(self) -> str:
        """Short label, e.g. ``half_up(0)`` or ``none``."""
        return "none" if self.is_none else f"{self.mode}({self.decimals})"

    def to_dict(self) -> dict[str, Any]:
        """The catalog mapping ``{mode, decimals}``."""
        return {"mode": self.mode, "decimals": self.decimals}

    def describe(self, lang: str = "ko") -> str:
        """The rounding in words (``"half-up to 2 decimals"``)."""
        if lang == "en":
            if self.is_none:
                return "no rounding"
            word = {"half_up": "half-up", "floor": "down", "ceil": "up"}[self.mode]
            where = ("integers" if self.decimals == 0 else
                     f"{self.decimals} decimal{'s' if self.decimals > 1 else ''}")
            return f"rounded {word} to {where}"
        if self.is_none:
            return "반올림 없음"
        word = {"half_up": "반올림", "floor": "내림", "ceil": "올림"}[self.mode]
        where = "정수" if self.decimals == 0 else f"소수점 {self.decimals}자리"
        return f"{where}로 {word}"


def rounding_from_value(value: Any, *, owner: str) -> Rounding | None:
    """Build a Rounding from a catalog mapping (``None`` passes through).

    ``owner`` names what the rounding belongs to in messages (``rule `cagr```;
    a :class:`~kpisim._messages.Msg` is shown in the message's language).
    """
    if value is None or isinstance(value, Rounding):
        return value
    if not isinstance(value, dict):
        raise RuleError(Msg("rules.rounding_mapping", owner=owner, shape="{mode, decimals}",
                            got=repr(value)))
    extra = set(value) - {"mode", "decimals"}
    if extra:
        raise RuleError(Msg("rules.rounding_keys", owner=owner, got=sorted(extra)))
    decimals = value.get("decimals", 0)
    if not is_finite_number(decimals):
        raise RuleError(Msg("rules.rounding_decimals_integer", owner=owner, got=repr(decimals)))
    if isinstance(decimals, float) and decimals.is_integer():
        decimals = int(decimals)
    return Rounding(mode=value.get("mode", "none"), decimals=decimals)
