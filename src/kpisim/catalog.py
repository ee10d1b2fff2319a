"""Catalogs of indicators: YAML files shipped with kpisim or brought by users.

A catalog is either one YAML file or a directory of YAML files. In a
directory, ``catalog.yaml`` holds the catalog's metadata and every other
``*.yaml`` file holds a list under ``indicators:``; files are read in name
order. The format is described in ``docs/catalog-format.md``.

Every malformed input raises :class:`kpisim.CatalogError` naming the file,
the indicator, the field and what was expected.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kpisim._frames import BOUNDS, META, SCORING
from kpisim._safeio import StrictLoader, load_yaml, read_text, write_text
from kpisim._validation import CatalogError, KpisimError, is_finite_number
from kpisim.indicator import (
    DIRECTIONS,
    KINDS,
    MAX_VALUE,
    UNIT_EXPECTED,
    Assumption,
    Indicator,
    Provenance,
    Related,
    Tags,
    UndatedGoal,
    check_unit,
    infer_kind,
    kind_assumption,
)
from kpisim.rules import rule_from_dict, rule_to_dict

__all__ = [
    "YEAR_RANGE",
    "Catalog",
    "available_catalogs",
    "load_catalog",
    "read_indicators",
]

#: Years a catalog may hold values for (inclusive).
YEAR_RANGE: tuple[int, int] = (1990, 2100)
DEFAULT_CATALOG = "nipa_2023_2027"
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_GOALS = ("I", "II", "III", "IV")
_KEYS = ("evaluation", "ceo")
_CATEGORIES = ("주요사업", "경영관리")
_INDICATOR_FIELDS = frozenset(
    {
        "id",
        "name_ko",
        "name_en",
        "unit",
        "kind",
        "direction",
        "actual",
        "target",
        "rule",
        "provenance",
        "tags",
        "scale",
        "assumptions",
        "bounds",
        "scoring",
        "related",
        "undated_goals",
    }
)
_PROVENANCE_FIELDS = frozenset(Provenance.__dataclass_fields__)
_TAG_FIELDS = frozenset(Tags.__dataclass_fields__)
_ASSUMPTION_FIELDS = frozenset(Assumption.__dataclass_fields__)
_RELATED_FIELDS = frozenset({"id", "relation", "relation_ko"})
_UNDATED_FIELDS = frozenset({"value", "text", "note"})


# ----------------------------------------------------------------------- YAML
def _parse_yaml(text: str, source: str, lines: dict | None = None) -> Any:
    """One YAML document, within the limits of :mod:`kpisim._safeio`."""

    def syntax(detail: str) -> CatalogError:
        return CatalogError(source=source, indicator=None, field=None,
                            expected="valid YAML with unique keys", got=detail)

    return load_yaml(text, StrictLoader, source=source, on_error=syntax, lines=lines)


def _read_yaml(path: Path, lines: dict | None = None) -> Any:
    return _parse_yaml(read_text(path, what="catalog file"), str(path), lines)


# -------------------------------------------------------------- field parsing
@dataclass(frozen=True)
class _Ctx:
    source: str
    indicator: str | None = None
    #: (line of the indicator's mapping, {field: line}) when read from YAML
    lines: tuple[int, Mapping[Any, int]] | None = None

    def line(self, field: str | None) -> int | None:
        if self.lines is None:
            return None
        top = (field or "").split(".")[0].split("[")[0]
        return self.lines[1].get(top, self.lines[0])

    def error(self, field: str | None, expected: str, got: Any = None) -> CatalogError:
        return CatalogError(
            source=self.source,
            indicator=self.indicator,
            field=field,
            expected=expected,
            got=got,
            line=self.line(field),
        )


def _year(ctx: _Ctx, fieldname: str, key: Any) -> int:
    if isinstance(key, bool):
        raise ctx.error(fieldname, "a year as an integer", key)
    if isinstance(key, str) and key.strip().isdigit():
        key = int(key.strip())
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    if not isinstance(key, int):
        raise ctx.error(fieldname, "a year as an integer", key)
    lo, hi = YEAR_RANGE
    if not lo <= key <= hi:
        raise ctx.error(fieldname, f"a year in {lo}–{hi}", key)
    return key


def _value(ctx: _Ctx, fieldname: str, kind: str, scale: tuple[str, ...], v: Any):
    if v is None:
        return None
    if kind == "grade":
        if isinstance(v, str) and v in scale:
            return v
        raise ctx.error(fieldname, f"a grade on the scale {list(scale)} or null", v)
    if isinstance(v, float) and not math.isfinite(v):
        raise ctx.error(fieldname, "a finite number or null (NaN/inf not allowed)", v)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_VALUE:
        raise ctx.error(fieldname, f"a number of magnitude at most {MAX_VALUE:.0e} "
                        "(use a larger unit)", v)
    if not is_finite_number(v):
        raise ctx.error(fieldname, "a number or null", v)
    x = float(v) if isinstance(v, float) else int(v)
    if kind == "share" and not 0 <= x <= 100:
        raise ctx.error(fieldname, "a share in [0, 100] (use kind `ratio` above)", v)
    if kind == "count" and x < 0:
        raise ctx.error(fieldname, "a non-negative count", v)
    return x


def _values(ctx: _Ctx, name: str, raw: Any, kind: str, scale: tuple[str, ...]) -> dict[int, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ctx.error(name, "a mapping of year to value", raw)
    out: dict[int, Any] = {}
    for key, v in raw.items():
        year = _year(ctx, name, key)
        if year in out:
            raise ctx.error(name, "each year at most once", year)
        out[year] = _value(ctx, f"{name}.{year}", kind, scale, v)
    return out


def _text(ctx: _Ctx, fieldname: str, v: Any, *, required: bool = False) -> str:
    if v is None and not required:
        return ""
    if not isinstance(v, str) or (required and not v.strip()):
        raise ctx.error(fieldname, "a non-empty string" if required else "a string", v)
    return v


def _choice(ctx: _Ctx, fieldname: str, v: Any, options: Iterable[str]) -> str:
    options = sorted(options)
    if v not in options:
        raise ctx.error(fieldname, f"one of {options}", v)
    return v


def _mapping(ctx: _Ctx, fieldname: str, raw: Any, allowed: frozenset[str]) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ctx.error(fieldname, "a mapping", raw)
    unknown = set(raw) - allowed
    if unknown:
        raise ctx.error(fieldname, f"only the keys {sorted(allowed)}", sorted(map(str, unknown)))
    return dict(raw)


def _provenance(ctx: _Ctx, raw: Any) -> Provenance:
    data = _mapping(ctx, "provenance", raw, _PROVENANCE_FIELDS)
    kw: dict[str, Any] = {}
    for key in _PROVENANCE_FIELDS - {"notes"}:
        kw[key] = _text(ctx, f"provenance.{key}", data.get(key))
    notes = data.get("notes") or []
    if isinstance(notes, str):
        notes = [notes]
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise ctx.error("provenance.notes", "a list of strings", notes)
    return Provenance(**kw, notes=tuple(notes))


def _tags(ctx: _Ctx, raw: Any) -> Tags:
    data = _mapping(ctx, "tags", raw, _TAG_FIELDS)
    goal = data.get("goal")
    if goal is not None:
        goal = _choice(ctx, "tags.goal", goal, _GOALS)
    task = data.get("task")
    if task is not None and (
        isinstance(task, bool) or not isinstance(task, int) or not 1 <= task <= 8
    ):
        raise ctx.error("tags.task", "an integer 1–8 or null", task)
    headline = data.get("headline", False)
    if not isinstance(headline, bool):
        raise ctx.error("tags.headline", "true or false", headline)
    key = data.get("key") or []
    if isinstance(key, str):
        key = [key]
    if not isinstance(key, list) or any(k not in _KEYS for k in key):
        raise ctx.error("tags.key", f"a list drawn from {list(_KEYS)}", key)
    category = data.get("category")
    if category is not None:
        category = _choice(ctx, "tags.category", category, _CATEGORIES)
    labels = data.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ctx.error("tags.labels", "a list of strings", labels)
    return Tags(
        goal=goal,
        task=task,
        headline=headline,
        key=tuple(key),
        category=category,
        labels=tuple(labels),
    )


def _assumptions(ctx: _Ctx, raw: Any) -> tuple[Assumption, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.error("assumptions", "a list of {field, statement, reason}", raw)
    out = []
    for i, item in enumerate(raw):
        name = f"assumptions[{i}]"
        data = _mapping(ctx, name, item, _ASSUMPTION_FIELDS)
        out.append(
            Assumption(
                field=_text(ctx, f"{name}.field", data.get("field"), required=True),
                statement=_text(ctx, f"{name}.statement", data.get("statement"), required=True),
                reason=_text(ctx, f"{name}.reason", data.get("reason"), required=True),
                value=data.get("value"),
                statement_ko=_text(ctx, f"{name}.statement_ko", data.get("statement_ko")) or None,
                reason_ko=_text(ctx, f"{name}.reason_ko", data.get("reason_ko")) or None,
            )
        )
    return tuple(out)


def _related(ctx: _Ctx, ident: str, raw: Any) -> tuple[Related, ...]:
    """``related:`` — a list of ``{id, relation, relation_ko}``; ids are checked by the Catalog.

    ``relation_ko`` (the relation in Korean) is optional.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.error("related", "a list of {id, relation}", raw)
    out = []
    for i, item in enumerate(raw):
        name = f"related[{i}]"
        data = _mapping(ctx, name, item, _RELATED_FIELDS)
        other = data.get("id")
        where = f"{name}.id"
        if not isinstance(other, str) or not _ID_RE.match(other):
            raise ctx.error(where, "the snake_case id of an indicator in this catalog", other)
        if other == ident:
            raise ctx.error(where, "another indicator's id (not itself)", other)
        if other in {r.id for r in out}:
            raise ctx.error(where, "each related id at most once", other)
        relation = _text(ctx, f"{name}.relation", data.get("relation"), required=True)
        relation_ko = (None if data.get("relation_ko") is None else
                       _text(ctx, f"{name}.relation_ko", data["relation_ko"], required=True))
        out.append(Related(other, relation, relation_ko))
    return tuple(out)


def _undated(
    ctx: _Ctx, raw: Any, kind: str, scale: tuple[str, ...]
) -> tuple[UndatedGoal, ...]:
    """``undated_goals:`` — a list of ``{value, text[, note]}`` without a year."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.error("undated_goals", "a list of {value, text[, note]}", raw)
    out = []
    for i, item in enumerate(raw):
        name = f"undated_goals[{i}]"
        if isinstance(item, Mapping) and "year" in item:
            where = f"{name}.year"
            raise ctx.error(
                where,
                "no year in an undated goal (a goal with a year belongs under `target:`)",
                item["year"],
            )
        data = _mapping(ctx, name, item, _UNDATED_FIELDS)
        if "value" not in data:
            where = f"{name}.value"
            raise ctx.error(where, "a value (a number, or null if none is stated)")
        value = _value(ctx, f"{name}.value", kind, scale, data["value"])
        text = _text(ctx, f"{name}.text", data.get("text"), required=True)
        note = _text(ctx, f"{name}.note", data.get("note"))
        out.append(UndatedGoal(value, text, note))
    return tuple(out)


def parse_indicator(raw: Any, *, source: str = "<memory>",
                    lines: Mapping[int, tuple[int, Mapping[Any, int]]] | None = None
                    ) -> Indicator:
    """Build an :class:`Indicator` from its catalog mapping, validating every field.

    Parameters
    ----------
    raw : mapping
        One entry of a catalog's ``indicators:`` list.
    source : str
        File name used in error messages.
    lines : mapping, optional
        The line table of :func:`kpisim._safeio.load_yaml`, to name lines.

    Raises
    ------
    CatalogError
        When any field is missing or malformed.
    """
    where = (lines or {}).get(id(raw))
    ctx = _Ctx(source, None, where)
    if not isinstance(raw, Mapping):
        raise ctx.error("indicators[]", "a mapping describing one indicator", raw)
    ident = raw.get("id")
    if not isinstance(ident, str) or not _ID_RE.match(ident):
        raise ctx.error("id", "a snake_case id (lowercase letters, digits, underscores)", ident)
    ctx = _Ctx(source, ident, where)
    unknown = set(raw) - _INDICATOR_FIELDS
    if unknown:
        raise ctx.error(
            None, f"only the fields {sorted(_INDICATOR_FIELDS)}", sorted(map(str, unknown))
        )
    name_ko = _text(ctx, "name_ko", raw.get("name_ko"), required=True)
    name_en = _text(ctx, "name_en", raw.get("name_en"))
    unit = check_unit(raw.get("unit"))
    if unit is None:
        raise ctx.error("unit", UNIT_EXPECTED, raw.get("unit"))
    inferred = None  # kind from the unit when none is given, stated as an assumption
    if raw.get("kind") is None:
        values = [v for k in ("actual", "target") if isinstance(raw.get(k), Mapping)
                  for v in raw[k].values()]
        inferred = infer_kind(unit, values, scale=raw.get("scale") or ())
        if inferred is None:
            raise ctx.error("kind", f"one of {sorted(KINDS)} (unit {unit!r} does not imply one)",
                            None)
    kind = _choice(ctx, "kind", inferred[0] if inferred else raw.get("kind"), KINDS)
    direction = _choice(ctx, "direction", raw.get("direction", "increase"), DIRECTIONS)
    scale_raw = raw.get("scale") or []
    if not isinstance(scale_raw, list) or not all(isinstance(s, str) for s in scale_raw):
        raise ctx.error("scale", "a list of grade names, worst first", scale_raw)
    scale = tuple(scale_raw)
    if kind == "grade" and len(scale) < 2:
        raise ctx.error("scale", "at least two grades (worst first) for a grade", scale_raw)
    if kind != "grade" and scale:
        raise ctx.error("scale", "no scale unless kind is `grade`", scale_raw)
    if len(set(scale)) != len(scale):
        raise ctx.error("scale", "distinct grades", scale_raw)
    actuals = _values(ctx, "actual", raw.get("actual"), kind, scale)
    targets = _values(ctx, "target", raw.get("target"), kind, scale)
    rule = None
    if raw.get("rule") is not None:
        try:
            rule = rule_from_dict(raw["rule"])
        except KpisimError as e:
            raise ctx.error("rule", "a valid rule", str(e)) from e
    with _located(source, ctx):
        return Indicator(
            id=ident,
            name_ko=name_ko,
            name_en=name_en,
            unit=unit,
            kind=kind,
            direction=direction,
            actuals=actuals,
            targets=targets,
            rule=rule,
            provenance=_provenance(ctx, raw.get("provenance")),
            tags=_tags(ctx, raw.get("tags")),
            scale=scale,
            assumptions=_assumptions(ctx, raw.get("assumptions"))
            + ((kind_assumption(unit, *inferred),) if inferred else ()),
            bounds=raw.get("bounds"),  # validated by Indicator (kind, values)
            scoring=raw.get("scoring"),  # {method, weight}: validated by Indicator
            related=_related(ctx, ident, raw.get("related")),
            undated_goals=_undated(ctx, raw.get("undated_goals"), kind, scale),
        )


@contextmanager
def _located(source: str, ctx: _Ctx | None = None) -> Iterator[None]:
    """Add the file name (and line) to an Indicator's own CatalogError."""
    try:
        yield
    except CatalogError as e:
        if e.source is not None:
            raise
        raise CatalogError(
            source=source,
            indicator=e.indicator,
            field=e.field,
            expected=e.expected,
            got=e.got,
            line=None if ctx is None else ctx.line(e.field),
        ) from e


def indicator_to_dict(ind: Indicator) -> dict[str, Any]:
    """The catalog mapping of ``ind`` (inverse of :func:`parse_indicator`)."""
    out: dict[str, Any] = {
        "id": ind.id,
        "name_ko": ind.name_ko,
        "name_en": ind.name_en,
        "unit": ind.unit,
        "kind": ind.kind,
        "direction": ind.direction,
    }
    if ind.scale:
        out["scale"] = list(ind.scale)
    if ind.bounds is not None:
        out["bounds"] = list(ind.bounds)
    if ind.scoring.declared:
        out["scoring"] = {k: v for k, v in (("method", ind.scoring.method),
                                            ("weight", ind.scoring.weight)) if v is not None}
    out["actual"] = dict(ind.actuals)
    out["target"] = dict(ind.targets)
    if ind.rule is not None:
        out["rule"] = rule_to_dict(ind.rule)
    p = ind.provenance
    prov = {k: getattr(p, k) for k in Provenance.__dataclass_fields__ if getattr(p, k)}
    if "notes" in prov:
        prov["notes"] = list(p.notes)
    if prov:
        out["provenance"] = prov
    t = ind.tags
    tags: dict[str, Any] = {}
    for k in Tags.__dataclass_fields__:
        v = getattr(t, k)
        if v in (None, False, ()):
            continue
        tags[k] = list(v) if isinstance(v, tuple) else v
    if tags:
        out["tags"] = tags
    if ind.related:
        out["related"] = [
            {"id": r.id, "relation": r.relation,
             **({"relation_ko": r.relation_ko} if r.relation_ko is not None else {})}
            for r in ind.related
        ]
    if ind.undated_goals:
        out["undated_goals"] = [
            {"value": g.value, "text": g.text, **({"note": g.note} if g.note else {})}
            for g in ind.undated_goals
        ]
    if ind.assumptions:
        out["assumptions"] = [
            {k: getattr(a, k) for k in Assumption.__dataclass_fields__
             if k not in ("statement_ko", "reason_ko") or getattr(a, k)}
            for a in ind.assumptions
        ]
    return out


# -------------------------------------------------------------------- Catalog
@dataclass(frozen=True)
class Catalog(Mapping[str, Indicator]):
    """An ordered, read-only collection of indicators, keyed by id.

    Parameters
    ----------
    indicators : tuple of Indicator
    name : str
        Short name (e.g. ``nipa_2023_2027``).
    title : str
        Human title (Korean as in the source).
    source : str
        Where the catalog was read from.
    meta : mapping
        Other metadata from ``catalog.yaml``.

    Examples
    --------
    >>> import kpisim
    >>> cat = kpisim.load_catalog()
    >>> cat["ai_firms"].unit
    '개'
    >>> list(cat.headline())[:2]
    ['ai_firms', 'sw_adoption_rate']
    """

    indicators: tuple[Indicator, ...]
    name: str = "custom"
    title: str = ""
    source: str = "<memory>"
    meta: Mapping[str, Any] = field(default_factory=dict)
    #: The catalog this one was filtered from (peers for pooled priors).
    parent: Catalog | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        inds = tuple(self.indicators)
        object.__setattr__(self, "indicators", inds)
        seen: dict[str, Indicator] = {}
        for ind in inds:
            if not isinstance(ind, Indicator):
                raise CatalogError(
                    source=self.source,
                    indicator=None,
                    field="indicators",
                    expected="Indicator objects",
                    got=type(ind).__name__,
                )
            if ind.id in seen:
                raise CatalogError(
                    source=self.source,
                    indicator=ind.id,
                    field="id",
                    expected="unique indicator ids",
                    got=ind.id,
                )
            seen[ind.id] = ind
        object.__setattr__(self, "_by_id", seen)

    def check_related(self) -> None:
        """Raise CatalogError if a ``related:`` link names an id not in this catalog.

        Called for every catalog read from a file or YAML text. A catalog
        built in code from a selection of indicators (e.g. ``simulate(ind)``)
        is not checked: a link may point outside the selection, and
        :meth:`related` then omits it.
        """
        pool = self.parent if self.parent is not None else self
        for ind in self.indicators:
            for i, r in enumerate(ind.related):
                if r.id not in pool._by_id:  # type: ignore[attr-defined]
                    raise CatalogError(
                        source=self.source,
                        indicator=ind.id,
                        field=f"related[{i}].id",
                        expected="the id of an indicator in this catalog",
                        got=r.id,
                    )

    def related(self, ident: str, *,
                lang: str | None = None) -> tuple[tuple[Indicator, str], ...]:
        """The series related to indicator ``ident``, with the relation stated.

        Links are symmetric: an indicator's own ``related:`` entries come
        first, then those of other indicators that name ``ident``. Related
        indicators outside a filtered selection are looked up in
        :attr:`parent`; a link to an indicator absent from both (possible
        only in a catalog built in code, see :meth:`check_related`) is
        omitted.

        Parameters
        ----------
        ident : str
        lang : {"ko", "en"}, optional
            The relation's language: ``"ko"`` gives ``relation_ko`` where the
            catalog states it (else ``relation``); ``"en"`` or None (the
            default) gives ``relation``.

        Examples
        --------
        >>> import kpisim
        >>> cat = kpisim.load_catalog()
        >>> [ind.id for ind, _ in cat.related("ai_firms")]
        ['ai_convergence_firms']
        """
        pool = self.parent if self.parent is not None else self
        own = pool[ident]
        lang = lang or "en"
        out = [(pool[r.id], r.text(lang)) for r in own.related if r.id in pool]
        named = {r.id for r in own.related}
        for other in pool.values():
            for r in other.related:
                if r.id == ident and other.id not in named:
                    out.append((other, r.text(lang)))
                    named.add(other.id)
        return tuple(out)

    # Mapping protocol ------------------------------------------------------
    def __getitem__(self, key: str) -> Indicator:
        try:
            return self._by_id[key]  # type: ignore[attr-defined]
        except KeyError:
            close = [k for k in self._by_id if key in k or k in key][:5]  # type: ignore[attr-defined]
            hint = f"; similar: {close}" if close else ""
            msg = f"no indicator `{key}` in catalog `{self.name}`{hint}"
            raise KeyError(msg) from None

    def __iter__(self) -> Iterator[str]:
        return (ind.id for ind in self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __hash__(self) -> int:
        return hash((self.name, tuple(i.id for i in self.indicators)))

    def __repr__(self) -> str:
        return f"Catalog(name={self.name!r}, indicators={len(self)})"

    # Filters ---------------------------------------------------------------
    def filter(self, predicate) -> Catalog:
        """A catalog of the indicators for which ``predicate(indicator)`` is true.

        The result remembers the full catalog as :attr:`parent`, so that a
        simulation of a selection still pools priors over all peers.
        """
        return replace(
            self,
            indicators=tuple(i for i in self.indicators if predicate(i)),
            parent=self.parent or self,
        )

    def headline(self) -> Catalog:
        """The headline management goals (중장기 경영목표)."""
        return self.filter(lambda i: i.tags.headline)

    def select(
        self,
        *,
        goal: str | None = None,
        task: int | None = None,
        key: str | bool | None = None,
        kind: str | None = None,
        label: str | None = None,
        numeric: bool | None = None,
    ) -> Catalog:
        """Indicators matching every given criterion.

        Parameters
        ----------
        goal : {"I", "II", "III", "IV"}, optional
        task : int, optional
            Strategic task 1–8.
        key : {"evaluation", "ceo"} or bool, optional
            Key-indicator mark; ``True`` for any mark.
        kind : str, optional
        label : str, optional
        numeric : bool, optional
            ``True`` keeps only non-grade indicators.
        """
        if goal is not None and goal not in _GOALS:
            raise CatalogError(source=None, indicator=None, field="select(goal=…)",
                               expected=f"`goal` one of {list(_GOALS)}", got=goal)
        if kind is not None and kind not in KINDS:
            raise CatalogError(source=None, indicator=None, field="select(kind=…)",
                               expected=f"`kind` one of {list(KINDS)}", got=kind)

        def ok(i: Indicator) -> bool:
            t = i.tags
            if goal is not None and t.goal != goal:
                return False
            if task is not None and t.task != task:
                return False
            if key is True and not t.key:
                return False
            if key is False and t.key:
                return False
            if isinstance(key, str) and key not in t.key:
                return False
            if kind is not None and i.kind != kind:
                return False
            if label is not None and label not in t.labels:
                return False
            return numeric is None or (i.kind != "grade") == numeric

        return self.filter(ok)

    # Frames ----------------------------------------------------------------
    def to_frame(self, *, meta: bool = False) -> pd.DataFrame:
        """Tidy long table: one row per (id, year, series) with its value.

        Parameters
        ----------
        meta : bool, default False
            Also include the columns ``name_ko, name_en, unit, kind, direction,
            scale, rule, bound_low, bound_high, scoring_method, weight,
            category`` (repeated on every row) so
            that :meth:`from_frame` can rebuild the indicators.

        Returns
        -------
        DataFrame
            Columns ``id, year, series, value`` (``series`` is ``actual`` or
            ``target``); ``value`` is float, or object when grades are present.
        """
        rows = []
        for ind in self.indicators:
            extra = _meta_columns(ind) if meta else {}
            for series, values in (("actual", ind.actuals), ("target", ind.targets)):
                for year, v in values.items():
                    rows.append({"id": ind.id, "year": year, "series": series, "value": v, **extra})
        cols = ["id", "year", "series", "value"] + (list(_META_COLUMNS) if meta else [])
        frame = pd.DataFrame(rows, columns=cols)
        frame["year"] = frame["year"].astype("int64")
        if not any(i.kind == "grade" for i in self.indicators):
            frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
        else:
            frame["value"] = frame["value"].astype(object)
        return frame

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        name: str = "custom",
        source: str = "<DataFrame>",
        defaults: Mapping[str, Any] | None = None,
    ) -> Catalog:
        """Build a catalog from a tidy table (the layout of :meth:`to_frame`).

        Parameters
        ----------
        frame : DataFrame
            Columns ``id, year, series, value`` (or ``id, year, actual,
            target``); optional ``name_ko, name_en, unit, kind, direction,
            scale`` (``|``-separated, worst first), ``rule`` (YAML or JSON),
            ``bound_low, bound_high`` (numbers: the indicator's ``bounds``,
            both or neither), ``growth_prior``, ``growth_prior_reason``,
            ``source`` and ``note`` columns (``docs/catalog-format.md``). Any
            other column is refused. Metadata may repeat on every row of an
            indicator; it must agree where it is given.
        name, source : str
            Catalog name, and the file name used in error messages.
        defaults : mapping, optional
            Metadata for indicators whose rows lack it (e.g. ``{"kind":
            "count"}``).

        Raises
        ------
        CatalogError
            Naming the row (1-based, header = row 1) and column on bad input;
            its ``problems`` attribute lists every problem of the table.
        """
        from kpisim._frames import catalog_from_frame

        return catalog_from_frame(cls, frame, name=name, source=source, defaults=defaults)

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> Catalog:
        """Build a catalog from a YAML file or directory, or a CSV / Excel table."""
        path = Path(path)
        if path.suffix.lower() in {".csv", ".xlsx", ".xls", ".xlsm"}:
            from kpisim._frames import read_table

            frame = read_table(path, **kwargs)
            return cls.from_frame(frame, name=path.stem, source=str(path))
        return _load_yaml_catalog(path)

    # YAML ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The catalog as one YAML-ready mapping."""
        head = {"name": self.name, "title": self.title, **dict(self.meta)}
        return {"catalog": head, "indicators": [indicator_to_dict(i) for i in self.indicators]}

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Dump the catalog to YAML (one file); write it to ``path`` if given."""
        from kpisim._safeio import StrictDumper

        text = yaml.dump(self.to_dict(), Dumper=StrictDumper, allow_unicode=True,
                         sort_keys=False, width=100)
        if path is not None:
            write_text(path, text)
        return text

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<string>") -> Catalog:
        """Parse a catalog from YAML text."""
        if not isinstance(text, str):
            raise CatalogError(source=source, indicator=None, field=None,
                               expected="YAML text (a str)", got=type(text).__name__)
        lines: dict = {}
        data = _parse_yaml(text, source, lines)
        return _catalog_from_documents([(source, data)], source=source, lines=lines)


#: Columns of :meth:`Catalog.to_frame` with ``meta=True`` beyond id, year, series, value.
_META_COLUMNS = (*META, *BOUNDS, *SCORING)


def _meta_columns(ind: Indicator) -> dict[str, Any]:
    low, high = ind.bounds if ind.bounds is not None else (None, None)
    return {
        "name_ko": ind.name_ko,
        "name_en": ind.name_en,
        "unit": ind.unit,
        "kind": ind.kind,
        "direction": ind.direction,
        "scale": "|".join(ind.scale),
        "rule": json.dumps(rule_to_dict(ind.rule), ensure_ascii=False)
        if ind.rule is not None
        else "",
        "bound_low": low,
        "bound_high": high,
        "scoring_method": ind.scoring.method,
        "weight": ind.scoring.weight,
        "category": ind.tags.category,
    }


def _catalog_from_documents(
    docs: list[tuple[str, Any]], *, source: str, root_meta: Mapping | None = None,
    lines: Mapping[int, Any] | None = None,
) -> Catalog:
    meta: dict[str, Any] = dict(root_meta or {})
    indicators: list[Indicator] = []
    where: dict[str, str] = {}
    for src, data in docs:
        if data is None:
            continue
        if not isinstance(data, Mapping):
            raise CatalogError(
                source=src,
                indicator=None,
                field=None,
                expected="a mapping with `indicators:` (and optionally `catalog:`)",
                got=type(data).__name__,
            )
        unknown = set(data) - {"catalog", "indicators"}
        if unknown:
            raise CatalogError(
                source=src,
                indicator=None,
                field=None,
                expected="only the top-level keys ['catalog', 'indicators']",
                got=sorted(map(str, unknown)),
            )
        if data.get("catalog") is not None:
            if not isinstance(data["catalog"], Mapping):
                raise CatalogError(
                    source=src,
                    indicator=None,
                    field="catalog",
                    expected="a mapping of catalog metadata",
                    got=data["catalog"],
                )
            meta.update(data["catalog"])
        raw = data.get("indicators") or []
        if not isinstance(raw, list):
            raise CatalogError(
                source=src,
                indicator=None,
                field="indicators",
                expected="a list of indicators",
                got=type(raw).__name__,
            )
        for item in raw:
            ind = parse_indicator(item, source=src, lines=lines)
            if ind.id in where:
                raise CatalogError(
                    source=src,
                    indicator=ind.id,
                    field="id",
                    expected=f"a unique id (already defined in {where[ind.id]})",
                    got=ind.id,
                )
            where[ind.id] = src
            indicators.append(ind)
    declared = any(isinstance(d, Mapping) and isinstance(d.get("indicators"), list)
                   for _, d in docs)
    if not indicators and not declared:  # an explicit `indicators: []` is a choice
        empty = all(data is None for _, data in docs)
        raise CatalogError(
            source=source,
            indicator=None,
            field=None if empty else "indicators",
            expected="a catalog with at least one indicator under `indicators:`",
            got="an empty file" if empty else "no indicators",
            show_got=True,
        )
    name = str(meta.pop("name", "custom"))
    title = str(meta.pop("title", ""))
    catalog = Catalog(tuple(indicators), name=name, title=title, source=source, meta=meta)
    catalog.check_related()
    return catalog


def _load_yaml_catalog(path: Path) -> Catalog:
    if not path.exists():
        raise CatalogError(
            source=str(path),
            indicator=None,
            field=None,
            expected="an existing catalog file or directory",
            got="no such path",
            show_got=False,
        )
    if path.is_dir():
        files = sorted(p for p in path.glob("*.yaml") if p.name != "catalog.yaml")
        head = path / "catalog.yaml"
        docs = []
        lines: dict = {}
        if head.exists():
            docs.append((str(head), _read_yaml(head, lines)))
        docs += [(str(p), _read_yaml(p, lines)) for p in files]
        if not docs:
            raise CatalogError(
                source=str(path),
                indicator=None,
                field=None,
                expected="a directory holding *.yaml catalog files",
                got="no YAML files",
                show_got=False,
            )
        return _catalog_from_documents(docs, source=str(path), lines=lines)
    lines = {}
    return _catalog_from_documents([(str(path), _read_yaml(path, lines))], source=str(path),
                                   lines=lines)


def _data_root() -> Path:
    return Path(str(resources.files("kpisim") / "data"))


def available_catalogs() -> list[str]:
    """Names of the catalogs shipped with kpisim (``data/_reference`` holds other data)."""
    root = _data_root()
    return sorted(
        p.name if p.is_dir() else p.stem
        for p in root.iterdir()
        if (p.is_dir() or p.suffix == ".yaml") and not p.name.startswith(("_", "."))
    )


def read_indicators(path: str | Path, *, sheet: str | int = 0, name: str | None = None) -> Catalog:
    """Read your own indicators from a CSV or Excel sheet in the tidy layout.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.xlsx``/``.xlsm``/``.xls`` file with the columns ``id, year,
        series, value`` (``series`` is ``actual`` or ``target``) — or the wide
        variant ``id, year, actual, target`` — plus optional ``name_ko, name_en,
        unit, kind, direction, scale, rule`` and ``bound_low, bound_high``
        columns (see :meth:`Catalog.from_frame`).
    sheet : str or int, default 0
        The Excel sheet.
    name : str, optional
        Catalog name (default: the file's stem).

    Returns
    -------
    Catalog

    Raises
    ------
    CatalogError
        Naming the file, the row (as a spreadsheet numbers it, header = 1) and
        the column of every bad cell, all at once (``err.problems``).

    Examples
    --------
    >>> import pandas as pd, kpisim, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.csv"
    >>> pd.DataFrame({"id": ["visits"] * 3, "year": [2021, 2022, 2025],
    ...               "actual": [120, 135, None], "target": [None, None, 170],
    ...               "unit": "건", "kind": "count"}).to_csv(path, index=False)
    >>> cat = kpisim.read_indicators(path)
    >>> cat["visits"].targets[2025]
    170.0
    """
    from kpisim._frames import read_table

    path = Path(path)
    if path.suffix.lower() not in {".csv", ".xlsx", ".xlsm", ".xls"}:
        raise CatalogError(source=str(path), indicator=None, field=None,
                           expected="a .csv or Excel (.xlsx, .xlsm, .xls) file",
                           got=path.suffix or "no extension")
    frame = read_table(path, sheet=sheet)
    return Catalog.from_frame(frame, name=name or path.stem, source=str(path))


def load_catalog(name_or_path: str | Path | None = None) -> Catalog:
    """Load a built-in catalog by name, or a catalog file / directory by path.

    Parameters
    ----------
    name_or_path : str or Path, optional
        ``None`` for the built-in NIPA 2023–2027 catalog; a built-in name
        (see :func:`available_catalogs`, e.g. ``"regional_digital"``); or a
        path to a YAML file, a directory of YAML files, a CSV or an Excel
        file in the tidy layout.

    Raises
    ------
    CatalogError
        When the catalog cannot be found or is malformed.
    """
    if name_or_path is None:
        name_or_path = DEFAULT_CATALOG
    if not isinstance(name_or_path, str | os.PathLike) or not str(name_or_path).strip():
        raise CatalogError(source=None, indicator=None, field=None,
                           expected="a built-in catalog name or a path", got=name_or_path)
    if isinstance(name_or_path, str) and name_or_path in available_catalogs():
        root = _data_root()
        path = root / name_or_path
        if not path.exists():
            path = root / f"{name_or_path}.yaml"
        return _load_yaml_catalog(path)
    path = Path(name_or_path)
    if not path.exists():
        raise CatalogError(
            source=str(name_or_path),
            indicator=None,
            field=None,
            expected=(f"a built-in catalog name {available_catalogs()} or an existing path"),
            got=str(name_or_path),
        )
    return Catalog.from_file(path)
