"""The performance indicator (성과지표) as an immutable value object.

An :class:`Indicator` holds what a plan document says about one indicator:
its actuals and stated targets by year, its unit, kind and direction, the
target-setting rule, where each value came from (provenance), tags that place
it in the plan, and any assumption kpisim had to add (kept apart from the
document's values).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpisim._validation import CatalogError, is_finite_number

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "MAX_VALUE",
    "UNITS",
    "Assumption",
    "Bounds",
    "Indicator",
    "Provenance",
    "Tags",
]

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

#: Units accepted in catalogs. ``-`` means the document states no unit.
UNITS: frozenset[str] = frozenset(
    {
        "개",  # firms, items
        "개사",
        "%",
        "%p",
        "억불",  # 100 million USD
        "만불",  # 10 thousand USD
        "억원",  # 100 million KRW
        "조원",  # trillion KRW
        "명",  # persons
        "건",  # cases
        "수",  # number (generic)
        "점",  # points
        "지수",  # index
        "개/억원",  # units per 100 million KRW
        "등급",  # grade
        "grade",
        "-",
    }
)

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_GOALS = ("I", "II", "III", "IV")

#: Years an indicator may hold values for (inclusive; ``catalog.YEAR_RANGE``).
_YEARS: tuple[int, int] = (1990, 2100)

#: Largest magnitude of a numeric actual or target. Beyond it a simulated
#: path could overflow float64 (growth compounds over decades); express the
#: value in a larger unit instead (e.g. 조원 rather than 원).
MAX_VALUE: float = 1e15


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where an indicator's values and rule come from.

    Parameters
    ----------
    source : str
        Source document file name (e.g. ``000_2bd331b0a6e88665.txt``).
    section : str
        Section of the document (e.g. ``III-1 전략과제① 3. 전략과제 목표지표``).
    label : str
        The row label exactly as printed in the table.
    description, formula, basis : str
        Verbatim 지표설명, 지표산식 and 산출근거 (목표치 설정 근거) texts; empty
        when the document gives none.
    notes : tuple of str
        Verbatim remarks attached to values (e.g. ``'22 실적 - (집계중)``).
    """

    source: str = ""
    section: str = ""
    label: str = ""
    description: str = ""
    formula: str = ""
    basis: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Tags:
    """Where an indicator sits in the plan.

    Parameters
    ----------
    goal : {"I", "II", "III", "IV"} or None
        Strategic goal (전략목표).
    task : int or None
        Strategic task (전략과제) 1–8.
    headline : bool
        One of the plan's headline management goals (중장기 경영목표).
    key : tuple of str
        Key-indicator marks (주요성과지표): ``"evaluation"`` for ① 경영평가
        계량지표 and ``"ceo"`` for ② 기관장 성과지표.
    category : {"주요사업", "경영관리"} or None
        Handbook category; it sets k in the deviation rule (2 or 1).
    labels : tuple of str
        Free-form labels (e.g. ``"regional"``).
    """

    goal: str | None = None
    task: int | None = None
    headline: bool = False
    key: tuple[str, ...] = ()
    category: str | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Assumption:
    """An assumption kpisim (or a catalog author) added to a document's data.

    Assumptions are never mixed with document values: they are listed, with
    the reason, wherever results that depend on them are shown.
    """

    field: str
    statement: str
    reason: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class Bounds:
    """The bounded scale an indicator is simulated on, and why.

    Parameters
    ----------
    low, high : float
        The scale's lower and upper bound (``low < high``).
    source : {"catalog", "default"}
        ``"catalog"`` when the catalog sets ``bounds``; ``"default"`` when
        kpisim assumed them (see :meth:`Indicator.resolved_bounds`).
    statement : str
        One sentence to show beside results, saying which bounds apply and,
        for a default, that they are an assumption.
    """

    low: float
    high: float
    source: str
    statement: str


def _freeze(values: Mapping[int, Value]) -> Mapping[int, Value]:
    return MappingProxyType(dict(sorted(values.items())))


def _bounds_error(ident: str | None, field: str, expected: str, got: Any) -> CatalogError:
    return CatalogError(source=None, indicator=ident, field=field, expected=expected, got=got)


def _check_fields(ind: Indicator) -> None:
    """The same checks as the catalog parser, for Indicators built in code."""
    ident = ind.id
    if not isinstance(ident, str) or not _ID_RE.match(ident):
        raise _bounds_error(None, "id", "a snake_case id (lowercase letters, digits, "
                            "underscores, starting with a letter)", ident)
    if not isinstance(ind.name_ko, str) or not ind.name_ko.strip():
        raise _bounds_error(ident, "name_ko", "a non-empty string", ind.name_ko)
    if not isinstance(ind.name_en, str):
        raise _bounds_error(ident, "name_en", "a string", ind.name_en)
    if not isinstance(ind.unit, str) or ind.unit not in UNITS:
        raise _bounds_error(ident, "unit", f"one of {sorted(UNITS)}", ind.unit)
    if not isinstance(ind.kind, str) or ind.kind not in KINDS:
        raise _bounds_error(ident, "kind", f"one of {sorted(KINDS)}", ind.kind)
    if not isinstance(ind.direction, str) or ind.direction not in DIRECTIONS:
        raise _bounds_error(ident, "direction", f"one of {sorted(DIRECTIONS)}", ind.direction)
    scale = ind.scale
    if not all(isinstance(g, str) for g in scale):
        raise _bounds_error(ident, "scale", "a list of grade names, worst first", scale)
    if ind.kind == "grade" and len(scale) < 2:
        raise _bounds_error(ident, "scale", "at least two grades (worst first) for a grade",
                            scale)
    if ind.kind != "grade" and scale:
        raise _bounds_error(ident, "scale", "no scale unless kind is `grade`", scale)
    if len(set(scale)) != len(scale):
        raise _bounds_error(ident, "scale", "distinct grades", scale)
    for name, typ in (("provenance", Provenance), ("tags", Tags)):
        if not isinstance(getattr(ind, name), typ):
            raise _bounds_error(ident, name, f"a {typ.__name__}", getattr(ind, name))
    if not all(isinstance(a, Assumption) for a in ind.assumptions):
        raise _bounds_error(ident, "assumptions", "a tuple of Assumption", ind.assumptions)


def _check_values(ident: str, name: str, raw: Any, kind: str,
                  scale: tuple[str, ...]) -> dict[int, Value]:
    """Years and values of ``actuals`` or ``targets``, validated (see :class:`Indicator`)."""
    if not isinstance(raw, Mapping):
        raise _bounds_error(ident, name, "a mapping of year to value", raw)
    out: dict[int, Value] = {}
    lo, hi = _YEARS
    for year, v in raw.items():
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise _bounds_error(ident, name, "years as integers", year)
        year = int(year)
        if not lo <= year <= hi:
            raise _bounds_error(ident, name, f"a year in {lo}–{hi}", year)
        where = f"{name.rstrip('s')}.{year}"  # as the catalog spells it
        if v is None:
            out[year] = None
            continue
        if kind == "grade":
            if not isinstance(v, str) or v not in scale:
                raise _bounds_error(ident, where, f"a grade on the scale {list(scale)} or null", v)
            out[year] = v
            continue
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_VALUE:
            raise _bounds_error(ident, where, f"a number of magnitude at most {MAX_VALUE:.0e} "
                                "(use a larger unit)", v)
        if not is_finite_number(v):
            raise _bounds_error(ident, where, "a finite number or null (no NaN, inf, bool or "
                                "text)", v)
        try:
            x = float(v)
        except OverflowError:
            x = float("inf")
        if not abs(x) <= MAX_VALUE:
            raise _bounds_error(ident, where, f"a number of magnitude at most {MAX_VALUE:.0e} "
                                "(use a larger unit)", v)
        if kind == "share" and not 0 <= x <= 100:
            raise _bounds_error(ident, where, "a share in [0, 100] (use kind `ratio` above)", v)
        if kind == "count" and x < 0:
            raise _bounds_error(ident, where, "a non-negative count", v)
        out[year] = v.item() if isinstance(v, np.generic) else v
    return out


def _check_bounds(ind: Indicator) -> tuple[float, float] | None:
    """Validate ``ind.bounds`` against its kind and values; return it as floats."""
    raw = ind.bounds
    if raw is None:
        return None
    if ind.kind == "grade":
        raise _bounds_error(ind.id, "bounds", "no bounds for a grade (it has a `scale`)", raw)
    expected = "[low, high]: two finite numbers with low < high"
    if isinstance(raw, str | bytes | Mapping) or not hasattr(raw, "__len__") or len(raw) != 2:
        raise _bounds_error(ind.id, "bounds", expected, raw)
    low, high = raw
    if not (is_finite_number(low) and is_finite_number(high)):
        raise _bounds_error(ind.id, "bounds", expected + " (no NaN, inf or bool)", raw)
    low, high = float(low), float(high)
    if not low < high:
        raise _bounds_error(ind.id, "bounds", expected, raw)
    for name, values in (("actual", ind.actuals), ("target", ind.targets)):
        for year, v in values.items():
            if is_finite_number(v) and not low <= v <= high:
                raise _bounds_error(
                    ind.id, f"{name}.{year}", f"a value inside `bounds` [{low:g}, {high:g}]", v
                )
    return (low, high)


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One performance indicator with its data, rule and provenance.

    Parameters
    ----------
    id : str
        Stable snake_case identifier.
    name_ko, name_en : str
        Korean name as in the document, and an English translation.
    unit : str
        One of :data:`UNITS`.
    kind : {"count", "level", "share", "ratio", "grade"}
        See :data:`KINDS`.
    direction : {"increase", "decrease", "maintain"}
        Which way is better.
    actuals, targets : mapping of int to float, str or None
        Values by year, exactly as written in the source; ``None`` where the
        document says '-' or '집계중'. Grades are strings on :attr:`scale`.
    rule : object or None
        The target-setting rule (see :mod:`kpisim.rules`).
    provenance : Provenance
    tags : Tags
    scale : tuple of str
        For grades only: the ordered grades, worst first.
    assumptions : tuple of Assumption
        What was added to the document's data, with reasons.
    bounds : (float, float) or None
        The scale ``(low, high)`` the quantity is bounded to by definition
        (e.g. ``(0, 10)`` for a score out of 10, ``(0, 100)`` for a
        compliance ratio capped at 100 %); every numeric actual and target
        must lie inside it. ``None`` leaves it to
        :meth:`resolved_bounds`. Not allowed for grades.

    Raises
    ------
    CatalogError
        When a field is malformed, exactly as the catalog parser would say:
        an ``id`` that is not snake_case, an empty ``name_ko``, a ``unit``,
        ``kind`` or ``direction`` outside its list, a grade without a scale of
        at least two distinct grades, a year that is not an integer in
        1990–2100, a value that is not a finite number (or a grade on the
        scale), a share outside [0, 100], a negative count, a magnitude above
        :data:`MAX_VALUE`; or when ``bounds`` is not two finite numbers with
        ``low < high``, is given for a grade, or an actual or target lies
        outside it (the message names the indicator, the year and the value).

    Notes
    -----
    Instances are immutable; use :func:`dataclasses.replace` to derive a
    changed copy. Accessors return pandas objects indexed by year.
    """

    id: str
    name_ko: str
    name_en: str = ""
    unit: str
    kind: str
    direction: str = "increase"
    actuals: Mapping[int, Value] = field(default_factory=dict)
    targets: Mapping[int, Value] = field(default_factory=dict)
    rule: Any = None
    provenance: Provenance = field(default_factory=Provenance)
    tags: Tags = field(default_factory=Tags)
    scale: tuple[str, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    bounds: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for name in ("scale", "assumptions"):
            raw = getattr(self, name)
            if isinstance(raw, str | bytes) or not hasattr(raw, "__iter__"):
                raise _bounds_error(self.id if isinstance(self.id, str) else None, name,
                                    "a list or tuple", raw)
            object.__setattr__(self, name, tuple(raw))
        _check_fields(self)
        for name in ("actuals", "targets"):
            values = _check_values(self.id, name, getattr(self, name), self.kind, self.scale)
            object.__setattr__(self, name, _freeze(values))
        object.__setattr__(self, "bounds", _check_bounds(self))

    def __hash__(self) -> int:
        return hash(self.id)

    # ------------------------------------------------------------------ access
    @property
    def actual(self) -> pd.Series:
        """Actuals by year (float, or object for grades), NaN/None if unknown."""
        return self._series(self.actuals, "actual")

    @property
    def target(self) -> pd.Series:
        """Stated targets by year."""
        return self._series(self.targets, "target")

    @property
    def history(self) -> pd.DataFrame:
        """Actual and target side by side, indexed by year."""
        frame = pd.concat([self.actual, self.target], axis=1)
        frame.index.name = "year"
        return frame.sort_index()

    @property
    def observed(self) -> pd.Series:
        """Known actuals only (float), indexed by year: what models fit on."""
        if self.kind == "grade":
            msg = (
                f"indicator `{self.id}` is a grade; it has no numeric history (use `grade_index`)."
            )
            raise TypeError(msg)
        s = self.actual.dropna().astype(float)
        s.name = self.id
        return s

    @property
    def is_grade(self) -> bool:
        """True for ordinal grade indicators."""
        return self.kind == "grade"

    def resolved_bounds(self) -> Bounds | None:
        """The bounded scale to simulate this indicator on, or None if unbounded.

        Returns
        -------
        Bounds or None
            By this policy, in order:

            1. ``bounds`` set in the catalog: those bounds, source
               ``"catalog"``.
            2. kind ``share``: [0, 100], source ``"default"`` (the default for
               a share in %, an assumption).
            3. unit ``점`` (score points) with every numeric actual and target
               in [0, 10]: [0, 10]; else all in [0, 100]: [0, 100]; source
               ``"default"`` (a 점-score assumed to be out of 10 or 100). A
               점 indicator with no values, a negative value or one above 100
               gets None.
            4. otherwise None: the scale is unbounded (a ratio such as
               192 % participation may exceed 100).

            Grades always give None: they are simulated on their
            :attr:`scale`.

        Examples
        --------
        >>> import kpisim
        >>> kpisim.load_catalog()["oda_satisfaction"].resolved_bounds().high
        10.0
        """
        if self.kind == "grade":
            return None
        if self.bounds is not None:
            low, high = self.bounds
            statement = f"bounded to [{low:g}, {high:g}] (catalog `bounds`)"
            return Bounds(low, high, "catalog", statement)
        if self.kind == "share":
            return Bounds(
                0.0,
                100.0,
                "default",
                "bounded to [0, 100]: the default for a share in % (an assumption; "
                "set `bounds` in the catalog to change it)",
            )
        if self.unit == "점":
            values = [
                float(v)
                for v in (*self.actuals.values(), *self.targets.values())
                if is_finite_number(v)
            ]
            if not values or min(values) < 0:
                return None
            high = next((h for h in (10.0, 100.0) if max(values) <= h), None)
            if high is None:
                return None
            return Bounds(
                0.0,
                high,
                "default",
                f"bounded to [0, {high:g}]: a 점-score assumed to be out of {high:g}; "
                "set `bounds` in the catalog to change it",
            )
        return None

    def grade_index(self, grade: str) -> int:
        """Position of ``grade`` on :attr:`scale` (0 = worst)."""
        try:
            return self.scale.index(grade)
        except ValueError:
            msg = f"indicator `{self.id}`: grade {grade!r} is not on its scale {list(self.scale)}"
            raise ValueError(msg) from None

    def meets(self, value: Value, target: Value) -> bool:
        """Whether ``value`` meets ``target`` in this indicator's direction."""
        if value is None or target is None:
            msg = f"indicator `{self.id}`: cannot compare missing values"
            raise ValueError(msg)
        if self.kind == "grade":
            return self.grade_index(str(value)) >= self.grade_index(str(target))
        if self.direction == "decrease":
            return float(value) <= float(target)
        return float(value) >= float(target)

    def _series(self, values: Mapping[int, Value], name: str) -> pd.Series:
        idx = pd.Index(list(values.keys()), dtype="int64", name="year")
        if self.kind == "grade":
            data = pd.Series(list(values.values()), index=idx, dtype=object)
        else:
            data = pd.Series(
                [float("nan") if v is None else float(v) for v in values.values()],
                index=idx,
                dtype="float64",
            )
        data.name = name
        return data

    def __repr__(self) -> str:
        a = {k: v for k, v in self.actuals.items() if v is not None}
        return (
            f"Indicator(id={self.id!r}, name_ko={self.name_ko!r}, unit={self.unit!r}, "
            f"kind={self.kind!r}, direction={self.direction!r}, actuals={a}, "
            f"targets={dict(self.targets)})"
        )
