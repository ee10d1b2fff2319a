"""The words every package shares: kinds, directions, units, ids, goals, years.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

from kpisim._validation import is_finite_number

Kind = Literal["count", "level", "share", "ratio", "grade"]


Direction = Literal["increase", "decrease", "maintain"]


Value = float | str | None


#: Indicator kinds. ``share`` is a percentage bounded to [0, 100]; ``ratio`` is
#: any other ratio or percentage (it may exceed 100, e.g. 192% participation);
#: ``count`` is a non-negative tally; ``level`` a non-negative amount or score;
#: ``grade`` an ordinal grade (B, A, 우수, 1등급) with an explicit scale.
KINDS: tuple[str, ...] = ("count", "level", "share", "ratio", "grade")


#: Directions: ``increase`` (higher is better), ``decrease`` (lower is better),
#: ``maintain`` (keep at or above a fixed level, e.g. a legal ratio or a grade).
DIRECTIONS: tuple[str, ...] = ("increase", "decrease", "maintain")


def direction_sign(direction: str) -> float:
    """``-1.0`` where lower is better (``decrease``), else ``+1.0``.

    The one place the sign of a direction is decided: ``sign · (a − b) > 0``
    means *a* is better than *b* for every direction (``maintain`` is met at
    or above its level, like ``increase``).

    >>> direction_sign("decrease"), direction_sign("maintain")
    (-1.0, 1.0)
    """
    return -1.0 if direction == "decrease" else 1.0


#: Common units and the kind each implies when a catalog gives no ``kind``
#: (:func:`infer_kind`). Any other unit string is accepted too (the unit
#: vocabulary is open, see :func:`check_unit`); only the inference needs it
#: listed here. ``%`` (and ``％``) implies ``share`` or ``ratio`` from the
#: values, see :func:`infer_kind`.
UNIT_KINDS: Mapping[str, str] = MappingProxyType(
    {
        # tallies of things or people: count
        **dict.fromkeys(
            ("개", "개사", "개소", "개국", "개교", "곳", "명", "인", "건", "회", "호", "대",
             "종", "편", "수", "가구", "세대", "팀", "기관", "과제", "척", "장", "실", "품목"),
            "count",
        ),
        # amounts of money: level
        **dict.fromkeys(
            ("원", "천원", "만원", "백만원", "천만원", "억원", "조원", "달러", "천달러",
             "만달러", "백만달러", "억달러", "불", "만불", "백만불", "억불", "USD", "KRW"),
            "level",
        ),
        # scores, indices, durations and other amounts: level
        **dict.fromkeys(("점", "지수", "일", "시간", "분", "개월", "년", "개/억원", "km"), "level"),
        # a percentage-point change or a multiple may be negative or exceed 100: ratio
        **dict.fromkeys(("%p", "％p", "배"), "ratio"),
        **dict.fromkeys(("등급", "grade"), "grade"),
    }
)


#: Percent units: kind ``share`` when every value lies in [0, 100], else ``ratio``.
PERCENT_UNITS: frozenset[str] = frozenset({"%", "％", "퍼센트"})


#: Units with a known kind, plus ``-`` (the document states no unit). Catalogs
#: may use any other unit string as well (see :func:`check_unit`).
UNITS: frozenset[str] = frozenset({*UNIT_KINDS, *PERCENT_UNITS, "-"})


#: Longest unit string accepted.
MAX_UNIT_LENGTH = 40


#: What :func:`check_unit` expects, for error messages.
UNIT_EXPECTED = (
    f"a unit: any non-empty text of at most {MAX_UNIT_LENGTH} characters on one line "
    "(e.g. 명, 건, 백만원, %; `-` when the document states none)"
)


def check_unit(unit: Any) -> str | None:
    """Return the unit stripped of surrounding spaces, or None if it is not a unit.

    The vocabulary is open: any text of 1 to :data:`MAX_UNIT_LENGTH`
    characters without control characters (tabs, line breaks) is a unit.

    >>> check_unit(" 백만원 "), check_unit(""), check_unit(5)
    ('백만원', None, None)
    """
    if not isinstance(unit, str):
        return None
    unit = unit.strip()
    if not 1 <= len(unit) <= MAX_UNIT_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in unit):
        return None
    return unit


def infer_kind(unit: str, values: Any = (), *, scale: Any = ()) -> tuple[str, str] | None:
    """The kind a unit implies, and why; None when the unit implies none.

    Parameters
    ----------
    unit : str
        The indicator's unit.
    values : iterable
        Its actuals and targets (non-numbers are ignored); read only for a
        percent unit.
    scale : sequence of str
        A non-empty grade scale implies ``grade`` whatever the unit.

    Returns
    -------
    (kind, reason) or None
        ``grade`` for a scale or a grade unit; for ``%``: ``share`` when every
        numeric value lies in [0, 100] (a share is bounded to [0, 100]), else
        ``ratio``; otherwise :data:`UNIT_KINDS` (``명`` → ``count``, ``백만원``
        → ``level``, ``점`` → ``level`` ...). None for any other unit.

    Examples
    --------
    >>> infer_kind("명")[0], infer_kind("백만원")[0], infer_kind("%", [12.5, 40])[0]
    ('count', 'level', 'share')
    >>> infer_kind("%", [80, 118.7])[0], infer_kind("widgets")
    ('ratio', None)
    """
    if scale:
        return "grade", "a grade `scale` is given"
    if unit in PERCENT_UNITS:
        nums = [float(v) for v in values if is_finite_number(v)]
        if all(0 <= v <= 100 for v in nums):
            return "share", (
                f"unit `{unit}` with every value in [0, 100]: a share, bounded to [0, 100] "
                "(give kind `ratio` if it may exceed 100 or be negative)"
            )
        return "ratio", f"unit `{unit}` with a value outside [0, 100]: a ratio (unbounded)"
    kind = UNIT_KINDS.get(unit)
    if kind is None:
        return None
    why = {
        "count": "a tally (non-negative)",
        "level": "an amount or score (non-negative)",
        "ratio": "a change or multiple (may be negative)",
        "grade": "a grade (needs a `scale`)",
    }[kind]
    return kind, f"unit `{unit}` is {why}"


#: Handbook categories (구분) an indicator may declare: they set the deviation
#: rule's k and the ratio rule's 최고 (see ``docs/scoring.md``).
SCORING_CATEGORIES: tuple[str, ...] = ("주요사업", "경영관리")


#: The handbook's scoring methods (``kpisim.scoring.METHODS``, formulas in
#: :mod:`kpisim.scoring.handbook`); a catalog may also declare ``auto`` and ``grade``.
SCORING_METHODS: tuple[str, ...] = (
    "deviation", "ratio", "long_term", "trend", "beta", "target_ratio")


#: An indicator id: lower-case ASCII letter, then letters, digits or ``_``.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


#: Strategic goals (전략목표) an indicator may be tagged with.
GOALS: tuple[str, ...] = ("I", "II", "III", "IV")


#: Years an indicator may hold values for (inclusive; also ``kpisim.catalog.YEAR_RANGE``).
YEAR_RANGE: tuple[int, int] = (1990, 2100)


#: Largest magnitude of a numeric actual or target. Beyond it a simulated
#: path could overflow float64 (growth compounds over decades); express the
#: value in a larger unit instead (e.g. 조원 rather than 원).
MAX_VALUE: float = 1e15
