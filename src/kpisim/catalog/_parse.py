"""Reading one indicator: YAML documents and the fields of an indicator's mapping.

:func:`parse_indicator` turns one catalog mapping into an
:class:`~kpisim.indicator.Indicator`, validating every field;
:func:`indicator_to_dict` is its inverse. The YAML loader and the field
context ``_Ctx`` (source, indicator and line of every error) are shared by
the YAML loaders (:mod:`kpisim.catalog._loaders`) and the table reader
(:mod:`kpisim.catalog._frames`), which both import from here.

Every malformed input raises :class:`kpisim.CatalogError` naming the file,
the indicator, the field and what was expected.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpisim._messages import Msg
from kpisim._safeio import StrictLoader, load_yaml, read_text
from kpisim._validation import CatalogError, KpisimError, is_finite_number, message_of
from kpisim.indicator import (
    DIRECTIONS,
    GOALS,
    ID_PATTERN,
    KINDS,
    MAX_UNIT_LENGTH,
    MAX_VALUE,
    SCORING_CATEGORIES,
    YEAR_RANGE,
    Assumption,
    Indicator,
    Provenance,
    Related,
    Tags,
    UndatedGoal,
    check_unit,
    direction_assumption,
    infer_kind,
    kind_assumption,
)
from kpisim.rules import rule_from_dict, rule_to_dict

__all__ = ["YEAR_RANGE", "indicator_to_dict", "parse_indicator"]

_KEYS = ("evaluation", "ceo")
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
        # the detail is given whole (it names the line): a quoted `got` would be cut
        return CatalogError(source=source, indicator=None, field=None,
                            expected=Msg("expected.yaml_valid", detail=detail),
                            show_got=False)

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
    #: the whole line table of the document (every mapping's lines), when read from YAML
    table: Mapping[int, tuple[int, Mapping[Any, int]]] | None = None

    def line(self, field: str | None) -> int | None:
        if self.lines is None:
            return None
        top = (field or "").split(".")[0].split("[")[0]
        return self.lines[1].get(top, self.lines[0])

    def line_in(self, mapping: Any, key: Any) -> int | None:
        """The line of ``key`` in a nested ``mapping`` of the document (None if unknown)."""
        where = (self.table or {}).get(id(mapping))
        if where is None:
            return None
        return where[1].get(key, where[0])

    def error(self, field: str | None, expected: str, got: Any = None, *,
              line: int | None = None, show_got: bool = True) -> CatalogError:
        return CatalogError(
            source=self.source,
            indicator=self.indicator,
            field=field,
            expected=expected,
            got=got,
            show_got=show_got,
            line=line if line is not None else self.line(field),
        )


def _year(ctx: _Ctx, fieldname: str, key: Any) -> int:
    if isinstance(key, bool):
        raise ctx.error(fieldname, Msg("expected.year_integer"), key)
    if isinstance(key, str) and key.strip().isdigit():
        key = int(key.strip())
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    if not isinstance(key, int):
        raise ctx.error(fieldname, Msg("expected.year_integer"), key)
    lo, hi = YEAR_RANGE
    if not lo <= key <= hi:
        raise ctx.error(fieldname, Msg("expected.year_range", lo=lo, hi=hi), key)
    return key


def _value(ctx: _Ctx, fieldname: str, kind: str, scale: tuple[str, ...], v: Any):
    if v is None:
        return None
    if kind == "grade":
        if isinstance(v, str) and v in scale:
            return v
        raise ctx.error(fieldname, Msg("expected.grade_on_scale_or_null", scale=list(scale)), v)
    if isinstance(v, float) and not math.isfinite(v):
        raise ctx.error(fieldname, Msg("expected.finite_or_null_no_nan"), v)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_VALUE:
        raise ctx.error(fieldname, Msg("expected.magnitude", most=f"{MAX_VALUE:.0e}"), v)
    if not is_finite_number(v):
        raise ctx.error(fieldname, Msg("expected.number_or_null"), v)
    x = float(v) if isinstance(v, float) else int(v)
    if kind == "share" and not 0 <= x <= 100:
        raise ctx.error(fieldname, Msg("expected.share_ratio"), v)
    if kind == "count" and x < 0:
        raise ctx.error(fieldname, Msg("expected.count"), v)
    return x


def _values(ctx: _Ctx, name: str, raw: Any, kind: str, scale: tuple[str, ...]) -> dict[int, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ctx.error(name, Msg("expected.year_values"), raw)
    out: dict[int, Any] = {}
    for key, v in raw.items():
        year = _year(ctx, name, key)
        if year in out:
            raise ctx.error(name, Msg("expected.year_once"), year)
        out[year] = _value(ctx, f"{name}.{year}", kind, scale, v)
    return out


def _text(ctx: _Ctx, fieldname: str, v: Any, *, required: bool = False) -> str:
    if v is None and not required:
        return ""
    if not isinstance(v, str) or (required and not v.strip()):
        key = "expected.non_empty_string" if required else "expected.string"
        raise ctx.error(fieldname, Msg(key), v)
    return v


def _choice(ctx: _Ctx, fieldname: str, v: Any, options: Iterable[str]) -> str:
    options = sorted(options)
    if v not in options:
        raise ctx.error(fieldname, Msg("expected.one_of", options=options, hint=""), v)
    return v


def _mapping(ctx: _Ctx, fieldname: str, raw: Any, allowed: frozenset[str]) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ctx.error(fieldname, Msg("expected.mapping"), raw)
    unknown = set(raw) - allowed
    if unknown:
        raise ctx.error(fieldname, Msg("expected.only_keys", keys=sorted(allowed)),
                        sorted(map(str, unknown)))
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
        raise ctx.error("provenance.notes", Msg("expected.list_of_strings"), notes)
    return Provenance(**kw, notes=tuple(notes))


def _tags(ctx: _Ctx, raw: Any) -> Tags:
    data = _mapping(ctx, "tags", raw, _TAG_FIELDS)
    goal = data.get("goal")
    if goal is not None:
        goal = _choice(ctx, "tags.goal", goal, GOALS)
    task = data.get("task")
    if task is not None and (
        isinstance(task, bool) or not isinstance(task, int) or not 1 <= task <= 8
    ):
        raise ctx.error("tags.task", Msg("expected.task"), task)
    headline = data.get("headline", False)
    if not isinstance(headline, bool):
        raise ctx.error("tags.headline", Msg("expected.true_or_false"), headline)
    key = data.get("key") or []
    if isinstance(key, str):
        key = [key]
    if not isinstance(key, list) or any(k not in _KEYS for k in key):
        raise ctx.error("tags.key", Msg("expected.list_drawn_from", options=list(_KEYS)), key)
    category = data.get("category")
    if category is not None:
        category = _choice(ctx, "tags.category", category, SCORING_CATEGORIES)
    labels = data.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ctx.error("tags.labels", Msg("expected.list_of_strings"), labels)
    return Tags(
        goal=goal,
        task=task,
        headline=headline,
        key=tuple(key),
        category=category,
        labels=tuple(labels),
    )


#: The keys of a growth prior (``scale`` is optional).
GROWTH_PRIOR_KEYS = ("mu", "mu_sd", "sigma", "dof")
GROWTH_PRIOR_EXAMPLE = "{mu: 0.077, mu_sd: 0.058, sigma: 0.10, dof: 3}"


def growth_prior_problem(value: Any, *, as_field: bool = False) -> tuple[Msg, Any] | None:
    """What is wrong with a ``growth_prior`` value, as ``(expected, got)``; None if valid.

    A valid value is a mapping ``{mu, mu_sd, sigma, dof[, scale]}`` that
    builds a :class:`kpisim.models.GrowthPrior`: ``mu`` finite, ``mu_sd``,
    ``sigma`` and ``dof`` finite and > 0, ``scale`` ``log`` or ``logit``. A
    yearly growth ``|mu| ≥ 1`` (e^1 ≈ 2.7× a year) is refused too: it is a
    percentage written as a number (``mu: 8`` for 8 %).

    ``expected`` is a catalogue message (English as ``str``) naming the value
    "a growth prior", or "a `growth_prior`" with ``as_field`` (an
    assumption's ``value`` whose ``field`` is ``growth_prior``).
    """
    def noun() -> Msg:
        return Msg("expected.growth_prior.noun_field" if as_field
                   else "expected.growth_prior.noun")

    def what() -> Msg:  # built only for a problem
        return Msg("expected.growth_prior.what", noun=noun(),
                   keys="{mu, mu_sd, sigma, dof[, scale]}")

    if not isinstance(value, Mapping):
        return Msg("expected.cell_as_mapping", what=what(), example=GROWTH_PRIOR_EXAMPLE), value
    extra = sorted(map(str, set(value) - {*GROWTH_PRIOR_KEYS, "scale"}))
    if extra:
        return Msg("expected.growth_prior.keys", noun=noun()), extra
    missing = [k for k in GROWTH_PRIOR_KEYS if k not in value]
    if missing:
        return (Msg("expected.growth_prior.missing", what=what(), missing=", ".join(missing),
                    example=GROWTH_PRIOR_EXAMPLE), dict(value))
    mu = value["mu"]
    if not is_finite_number(mu):
        return Msg("expected.growth_prior.mu", what=what()), mu
    if abs(mu) >= 1:
        hint = Msg("expected.did_you_mean_value", value=f"{mu / 100:g}") if abs(mu) < 100 else ""
        return Msg("expected.growth_prior.mu_fraction", what=what(), hint=hint), mu
    for key in ("mu_sd", "sigma", "dof"):
        v = value[key]
        if not is_finite_number(v) or v <= 0:
            return Msg("expected.growth_prior.positive", what=what(), key=key), v
    scale = value.get("scale", "log")
    if scale not in ("log", "logit"):
        return Msg("expected.growth_prior.scale", what=what()), scale
    from kpisim.models import GrowthPrior

    try:  # the same checks, kept in one place for what may be added there
        GrowthPrior(**dict(value))
    except KpisimError as e:
        return (Msg("expected.growth_prior.invalid", what=what(), reason=message_of(e)),
                dict(value))
    return None


def _assumptions(ctx: _Ctx, raw: Any) -> tuple[Assumption, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.error("assumptions", Msg("expected.list_of", shape="{field, statement, reason}"),
                        raw)
    out = []
    for i, item in enumerate(raw):
        name = f"assumptions[{i}]"
        data = _mapping(ctx, name, item, _ASSUMPTION_FIELDS)
        if data.get("field") == "growth_prior":
            problem = growth_prior_problem(data.get("value"), as_field=True)
            if problem is not None:
                where = f"{name}.value"
                raise ctx.error(where, problem[0], problem[1], line=ctx.line_in(item, "value"))
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
        raise ctx.error("related", Msg("expected.list_of", shape="{id, relation}"), raw)
    out = []
    for i, item in enumerate(raw):
        name = f"related[{i}]"
        data = _mapping(ctx, name, item, _RELATED_FIELDS)
        other = data.get("id")
        where = f"{name}.id"
        if not isinstance(other, str) or not ID_PATTERN.match(other):
            raise ctx.error(where, Msg("expected.related_in_catalog"), other)
        if other == ident:
            raise ctx.error(where, Msg("expected.related_other"), other)
        if other in {r.id for r in out}:
            raise ctx.error(where, Msg("expected.related_once"), other)
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
        raise ctx.error("undated_goals", Msg("expected.list_of", shape="{value, text[, note]}"),
                        raw)
    out = []
    for i, item in enumerate(raw):
        name = f"undated_goals[{i}]"
        if isinstance(item, Mapping) and "year" in item:
            where = f"{name}.year"
            raise ctx.error(where, Msg("expected.undated_no_year"), item["year"])
        data = _mapping(ctx, name, item, _UNDATED_FIELDS)
        if "value" not in data:
            where = f"{name}.value"
            raise ctx.error(where, Msg("expected.undated_value"))
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
    ctx = _Ctx(source, None, where, lines)
    if not isinstance(raw, Mapping):
        raise ctx.error("indicators[]", Msg("expected.indicator_mapping"), raw)
    ident = raw.get("id")
    if not isinstance(ident, str) or not ID_PATTERN.match(ident):
        raise ctx.error("id", Msg("expected.id_snake_case"), ident)
    ctx = _Ctx(source, ident, where, lines)
    unknown = set(raw) - _INDICATOR_FIELDS
    if unknown:
        fields = sorted(_INDICATOR_FIELDS)
        close = {str(u): difflib.get_close_matches(str(u), fields, n=1, cutoff=0.6)
                 for u in sorted(map(str, unknown))}
        pairs = ", ".join(f"`{u}` → `{c[0]}`" for u, c in close.items() if c)
        expected = (Msg("expected.only_fields_hint", fields=fields, pairs=pairs) if pairs
                    else Msg("expected.only_fields", fields=fields))
        raise ctx.error(None, expected, sorted(map(str, unknown)))
    name_ko = _text(ctx, "name_ko", raw.get("name_ko"), required=True)
    name_en = _text(ctx, "name_en", raw.get("name_en"))
    unit = check_unit(raw.get("unit"))
    if unit is None:
        raise ctx.error("unit", Msg("expected.unit", most=MAX_UNIT_LENGTH), raw.get("unit"))
    inferred = None  # kind from the unit when none is given, stated as an assumption
    if raw.get("kind") is None:
        values = [v for k in ("actual", "target") if isinstance(raw.get(k), Mapping)
                  for v in raw[k].values()]
        inferred = infer_kind(unit, values, scale=raw.get("scale") or ())
        if inferred is None:
            raise ctx.error("kind", Msg("expected.kind_not_implied", kinds=sorted(KINDS),
                                        unit=repr(unit)), None)
    kind = _choice(ctx, "kind", inferred[0] if inferred else raw.get("kind"), KINDS)
    direction = _choice(ctx, "direction", raw.get("direction", "increase"), DIRECTIONS)
    scale_raw = raw.get("scale") or []
    if not isinstance(scale_raw, list) or not all(isinstance(s, str) for s in scale_raw):
        raise ctx.error("scale", Msg("expected.scale_list"), scale_raw)
    scale = tuple(scale_raw)
    if kind == "grade" and len(scale) < 2:
        raise ctx.error("scale", Msg("expected.scale_two"), scale_raw)
    if kind != "grade" and scale:
        raise ctx.error("scale", Msg("expected.scale_only_grade"), scale_raw)
    if len(set(scale)) != len(scale):
        raise ctx.error("scale", Msg("expected.scale_distinct"), scale_raw)
    actuals = _values(ctx, "actual", raw.get("actual"), kind, scale)
    targets = _values(ctx, "target", raw.get("target"), kind, scale)
    rule = None
    if raw.get("rule") is not None:
        try:
            rule = rule_from_dict(raw["rule"])
        except KpisimError as e:
            # the reason is given whole: quoted as `got` it would be cut in the middle
            raise ctx.error("rule", Msg("expected.rule_valid", reason=message_of(e)),
                            show_got=False) from e
    stated_assumptions = _assumptions(ctx, raw.get("assumptions"))
    with _located(source, ctx):
        ind = Indicator(
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
            assumptions=stated_assumptions
            + ((kind_assumption(unit, *inferred),) if inferred else ())
            # a grade's direction is its scale's (worst first): nothing assumed;
            # a catalog that labels its own direction reading is not labelled twice
            + ((direction_assumption(),)
               if raw.get("direction") is None and kind != "grade"
               and not any(a.field == "direction" for a in stated_assumptions) else ()),
            bounds=raw.get("bounds"),  # validated by Indicator (kind, values)
            scoring=raw.get("scoring"),  # {method, weight}: validated by Indicator
            related=_related(ctx, ident, raw.get("related")),
            undated_goals=_undated(ctx, raw.get("undated_goals"), kind, scale),
        )
    if rule is not None:
        try:
            rule.check_indicator(ind)
        except KpisimError as e:
            raise ctx.error("rule", Msg("expected.rule_fits", reason=message_of(e)),
                            show_got=False) from e
    return ind


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


