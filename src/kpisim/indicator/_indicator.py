"""The :class:`Indicator` itself and the checks it runs on construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kpisim._frozen import FrozenMap
from kpisim._messages import Msg
from kpisim._validation import is_finite_number
from kpisim.indicator._values import (
    Assumption,
    Bounds,
    Provenance,
    Related,
    Scoring,
    Tags,
    UndatedGoal,
    _bounds_error,
    scoring_methods,
)
from kpisim.indicator._vocabulary import (
    DIRECTIONS,
    ID_PATTERN,
    KINDS,
    MAX_UNIT_LENGTH,
    MAX_VALUE,
    YEAR_RANGE,
    Value,
    check_unit,
)


def _check_scoring(ind: Indicator) -> Scoring:
    sc = ind.scoring
    if isinstance(sc, Mapping):
        unknown = set(sc) - {"method", "weight"}
        if unknown:
            raise _bounds_error(ind.id, "scoring",
                                Msg("expected.only_fields", fields=["method", "weight"]),
                                sorted(map(str, unknown)))
        sc = Scoring(method=sc.get("method"), weight=sc.get("weight"))
    if sc is None:
        sc = Scoring()
    if not isinstance(sc, Scoring):
        raise _bounds_error(ind.id, "scoring", Msg("expected.scoring", shape="{method, weight}"),
                            sc)
    methods = scoring_methods()
    if sc.method is not None and sc.method not in methods:
        raise _bounds_error(ind.id, "scoring.method",
                            Msg("expected.one_of", options=list(methods), hint=""), sc.method)
    if sc.method == "grade" and ind.kind != "grade":
        raise _bounds_error(ind.id, "scoring.method", Msg("expected.scoring_numeric"), sc.method)
    if ind.kind == "grade" and sc.method not in (None, "auto", "grade"):
        raise _bounds_error(ind.id, "scoring.method", Msg("expected.scoring_grade"), sc.method)
    weight = sc.weight
    if weight is not None:
        if not (is_finite_number(weight) and float(weight) >= 0):
            raise _bounds_error(ind.id, "scoring.weight", Msg("expected.finite_ge0"), weight)
        weight = float(weight)
    return Scoring(method=sc.method, weight=weight)


def _freeze(values: Mapping[int, Value]) -> Mapping[int, Value]:
    return FrozenMap(sorted(values.items()))


def _check_fields(ind: Indicator) -> None:
    """The same checks as the catalog parser, for Indicators built in code."""
    ident = ind.id
    if not isinstance(ident, str) or not ID_PATTERN.match(ident):
        raise _bounds_error(None, "id", Msg("expected.id_snake_case_letter"), ident)
    if not isinstance(ind.name_ko, str) or not ind.name_ko.strip():
        raise _bounds_error(ident, "name_ko", Msg("expected.non_empty_string"), ind.name_ko)
    if not isinstance(ind.name_en, str):
        raise _bounds_error(ident, "name_en", Msg("expected.string"), ind.name_en)
    if check_unit(ind.unit) != ind.unit:  # any unit text, stripped (open vocabulary)
        raise _bounds_error(ident, "unit", Msg("expected.unit", most=MAX_UNIT_LENGTH), ind.unit)
    if not isinstance(ind.kind, str) or ind.kind not in KINDS:
        raise _bounds_error(ident, "kind", Msg("expected.one_of", options=sorted(KINDS), hint=""),
                            ind.kind)
    if not isinstance(ind.direction, str) or ind.direction not in DIRECTIONS:
        raise _bounds_error(ident, "direction",
                            Msg("expected.one_of", options=sorted(DIRECTIONS), hint=""),
                            ind.direction)
    scale = ind.scale
    if not all(isinstance(g, str) for g in scale):
        raise _bounds_error(ident, "scale", Msg("expected.scale_list"), scale)
    if ind.kind == "grade" and len(scale) < 2:
        raise _bounds_error(ident, "scale", Msg("expected.scale_two"), scale)
    if ind.rule is not None:
        # a Rule by its interface (importing kpisim.rules here would be a cycle)
        if isinstance(ind.rule, Mapping | str) or not all(
                hasattr(ind.rule, a) for a in ("type", "for_indicator", "next_target")):
            hint = (Msg("expected.rule_object_mapping") if isinstance(ind.rule, Mapping)
                    else "")
            raise _bounds_error(ident, "rule", Msg("expected.rule_object", hint=hint), ind.rule)
    if ind.kind == "grade" and ind.direction == "decrease":
        raise _bounds_error(ident, "direction", Msg("expected.direction_grade"), ind.direction)
    if ind.kind != "grade" and scale:
        raise _bounds_error(ident, "scale", Msg("expected.scale_only_grade"), scale)
    if len(set(scale)) != len(scale):
        raise _bounds_error(ident, "scale", Msg("expected.scale_distinct"), scale)
    for name, typ in (("provenance", Provenance), ("tags", Tags)):
        if not isinstance(getattr(ind, name), typ):
            raise _bounds_error(ident, name, Msg("expected.a_type", type=typ.__name__),
                                getattr(ind, name))
    if not all(isinstance(a, Assumption) for a in ind.assumptions):
        raise _bounds_error(ident, "assumptions", Msg("expected.assumptions_tuple"),
                            ind.assumptions)


def _check_values(ident: str, name: str, raw: Any, kind: str,
                  scale: tuple[str, ...]) -> dict[int, Value]:
    """Years and values of ``actuals`` or ``targets``, validated (see :class:`Indicator`)."""
    if not isinstance(raw, Mapping):
        raise _bounds_error(ident, name, Msg("expected.year_values"), raw)
    out: dict[int, Value] = {}
    lo, hi = YEAR_RANGE
    for year, v in raw.items():
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise _bounds_error(ident, name, Msg("expected.years_integers"), year)
        year = int(year)
        if not lo <= year <= hi:
            raise _bounds_error(ident, name, Msg("expected.year_range", lo=lo, hi=hi), year)
        where = f"{name.rstrip('s')}.{year}"  # as the catalog spells it
        if v is None:
            out[year] = None
            continue
        if kind == "grade":
            if not isinstance(v, str) or v not in scale:
                raise _bounds_error(ident, where,
                                    Msg("expected.grade_on_scale_or_null", scale=list(scale)), v)
            out[year] = v
            continue
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_VALUE:
            raise _bounds_error(ident, where, Msg("expected.magnitude", most=f"{MAX_VALUE:.0e}"),
                                v)
        if not is_finite_number(v):
            raise _bounds_error(ident, where, Msg("expected.finite_or_null_no_text"), v)
        try:
            x = float(v)
        except OverflowError:
            x = float("inf")
        if not abs(x) <= MAX_VALUE:
            raise _bounds_error(ident, where, Msg("expected.magnitude", most=f"{MAX_VALUE:.0e}"),
                                v)
        if kind == "share" and not 0 <= x <= 100:
            raise _bounds_error(ident, where, Msg("expected.share_ratio"), v)
        if kind == "count" and x < 0:
            raise _bounds_error(ident, where, Msg("expected.count"), v)
        out[year] = v.item() if isinstance(v, np.generic) else v
    return out


def _check_bounds(ind: Indicator) -> tuple[float, float] | None:
    """Validate ``ind.bounds`` against its kind and values; return it as floats."""
    raw = ind.bounds
    if raw is None:
        return None
    if ind.kind == "grade":
        raise _bounds_error(ind.id, "bounds", Msg("expected.bounds_grade"), raw)
    if isinstance(raw, str | bytes | Mapping) or not hasattr(raw, "__len__") or len(raw) != 2:
        raise _bounds_error(ind.id, "bounds", Msg("expected.bounds", hint=""), raw)
    low, high = raw
    if not (is_finite_number(low) and is_finite_number(high)):
        raise _bounds_error(ind.id, "bounds",
                            Msg("expected.bounds", hint=Msg("expected.bounds_no_nan")), raw)
    low, high = float(low), float(high)
    if not low < high:
        raise _bounds_error(ind.id, "bounds", Msg("expected.bounds", hint=""), raw)
    for name, values in (("actual", ind.actuals), ("target", ind.targets)):
        for year, v in values.items():
            if is_finite_number(v) and not low <= v <= high:
                raise _bounds_error(
                    ind.id, f"{name}.{year}",
                    Msg("expected.inside_bounds", low=f"{low:g}", high=f"{high:g}"), v
                )
    return (low, high)


def _check_related(ind: Indicator) -> tuple[Related, ...]:
    """Validate ``ind.related``: Related links, no self-link, each id once."""
    out = tuple(ind.related)
    seen: set[str] = set()
    for i, r in enumerate(out):
        if not isinstance(r, Related):
            raise _bounds_error(ind.id, f"related[{i}]", Msg("expected.related_object"), r)
        if r.id == ind.id:
            raise _bounds_error(ind.id, f"related[{i}].id", Msg("expected.related_other_short"),
                                r.id)
        if r.id in seen:
            raise _bounds_error(ind.id, f"related[{i}].id", Msg("expected.related_once_short"),
                                r.id)
        seen.add(r.id)
    return out


def _check_undated(ind: Indicator) -> tuple[UndatedGoal, ...]:
    """Validate ``ind.undated_goals``: UndatedGoal objects whose value fits the kind."""
    out = tuple(ind.undated_goals)
    for i, g in enumerate(out):
        where = f"undated_goals[{i}]"
        if not isinstance(g, UndatedGoal):
            raise _bounds_error(ind.id, where, Msg("expected.undated_object"), g)
        if not isinstance(g.text, str) or not g.text.strip():
            raise _bounds_error(ind.id, f"{where}.text", Msg("expected.undated_text"), g.text)
        v = g.value
        if v is None:
            continue
        if ind.kind == "grade":
            if v not in ind.scale:
                raise _bounds_error(ind.id, f"{where}.value",
                                    Msg("expected.grade_on", scale=list(ind.scale)), v)
            continue
        if not is_finite_number(v):
            raise _bounds_error(ind.id, f"{where}.value", Msg("expected.finite_or_null"), v)
        if ind.kind == "share" and not 0 <= v <= 100:
            raise _bounds_error(ind.id, f"{where}.value", Msg("expected.share"), v)
        if ind.kind == "count" and v < 0:
            raise _bounds_error(ind.id, f"{where}.value", Msg("expected.count"), v)
    return out


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
        Any unit text (see :func:`check_unit`); :data:`UNITS` lists the common
        ones.
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
    related : tuple of Related
        Related series in the same catalog, each with the relation stated
        (e.g. a narrower definition of the same quantity).
    undated_goals : tuple of UndatedGoal
        Goals the document states without a year; not simulated.
    bounds : (float, float) or None
        The scale ``(low, high)`` the quantity is bounded to by definition
        (e.g. ``(0, 10)`` for a score out of 10, ``(0, 100)`` for a
        compliance ratio capped at 100 %); every numeric actual and target
        must lie inside it. ``None`` leaves it to
        :meth:`resolved_bounds`. Not allowed for grades.
    scoring : Scoring or mapping, optional
        The declared scoring method and weight (:class:`Scoring`); a mapping
        ``{method, weight}`` is converted.

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
        outside it (the message names the indicator, the year and the value);
        when ``scoring`` names an unknown method, a method that does not fit the
        kind, or a negative or non-finite weight (field ``scoring.method`` /
        ``scoring.weight``).

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
    scoring: Scoring = field(default_factory=Scoring)
    related: tuple[Related, ...] = ()
    undated_goals: tuple[UndatedGoal, ...] = ()

    def __post_init__(self) -> None:
        for name in ("scale", "assumptions"):
            raw = getattr(self, name)
            if isinstance(raw, str | bytes) or not hasattr(raw, "__iter__"):
                raise _bounds_error(self.id if isinstance(self.id, str) else None, name,
                                    Msg("expected.list_or_tuple"), raw)
            object.__setattr__(self, name, tuple(raw))
        _check_fields(self)
        for name in ("actuals", "targets"):
            values = _check_values(self.id, name, getattr(self, name), self.kind, self.scale)
            object.__setattr__(self, name, _freeze(values))
        object.__setattr__(self, "bounds", _check_bounds(self))
        object.__setattr__(self, "scoring", _check_scoring(self))
        object.__setattr__(self, "related", _check_related(self))
        object.__setattr__(self, "undated_goals", _check_undated(self))

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
        known = [(y, float(v)) for y, v in self.actuals.items()
                 if v is not None and not np.isnan(float(v))]
        years = np.array([y for y, _ in known], dtype=np.int64)
        values = np.array([v for _, v in known], dtype=np.float64)
        return pd.Series(values, index=pd.Index(years, name="year"), name=self.id)

    def numeric_targets(self) -> dict[int, float]:
        """Stated numeric targets by year, as floats; unknown (None) and named
        (grade) targets are left out."""
        return {int(y): float(v) for y, v in self.targets.items()
                if v is not None and not isinstance(v, str)}

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
            statement = Msg("sim.bounds.catalog", low=f"{low:g}", high=f"{high:g}")
            return Bounds(low, high, "catalog", statement)
        if self.kind == "share":
            return Bounds(
                0.0,
                100.0,
                "default",
                Msg("sim.bounds.share"),
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
                Msg("sim.bounds.score", high=f"{high:g}"),
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
