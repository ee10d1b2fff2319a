"""A DataFrame in the table layout → the indicators of a catalog.

:func:`catalog_from_frame` implements :meth:`kpisim.Catalog.from_frame`; the
layout, the cell rules and the error collection are in
:mod:`kpisim.catalog._frames` (which reads CSV and Excel files into such a
frame). Every problem is collected and raised at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpisim._messages import Msg
from kpisim._validation import CatalogError
from kpisim.catalog._frames import (
    _HEADER_ATTR,
    _LETTERS_ATTR,
    _PER_ROW,
    _PERCENT_ATTR,
    _ROWS_ATTR,
    _SCORING_FIELDS,
    BOUNDS,
    EXTRA,
    META,
    SCORING,
    SERIES,
    _Bad,
    _empty,
    _Loc,
    _missing,
    _number,
    _parsers,
    _Problems,
    _shown,
    _suggest,
    _text,
    _year,
    known_columns,
)
from kpisim.catalog._parse import _Ctx, _value, parse_indicator
from kpisim.indicator import (
    ID_PATTERN,
    KINDS,
    infer_kind,
)

__all__ = ["catalog_from_frame"]


# ---------------------------------------------------------------- the table
def catalog_from_frame(
    cls,
    frame: pd.DataFrame,
    *,
    name: str,
    source: str,
    defaults: Mapping[str, Any] | None,
):
    """Implementation of :meth:`kpisim.Catalog.from_frame` (see the module docstring).

    Three passes, each collecting every problem before raising: the header
    (which columns, which layout), the rows (one entry of cells per
    indicator id), then each indicator (:func:`_indicator`, once its kind is
    known).
    """
    if not isinstance(frame, pd.DataFrame):
        raise CatalogError(source=source, indicator=None, field=None,
                           expected=Msg("expected.dataframe"), got=type(frame).__name__)
    problems = _Problems(source)
    header_row = int(frame.attrs.get(_HEADER_ATTR, 1))
    rows = list(frame.attrs.get(_ROWS_ATTR, range(header_row + 1, header_row + 1 + len(frame))))
    letters = frame.attrs.get(_LETTERS_ATTR)
    grid = frame.to_numpy(dtype=object)

    def loc(i: int | None, j: int, col: str) -> _Loc:
        row = header_row if i is None else rows[i]
        return _Loc(row, j, col, letters[j] if letters is not None else None)

    columns, tidy = _header(frame, grid, loc, problems)
    entries, any_row = _entries(grid, columns, tidy, loc, frame.attrs.get(_PERCENT_ATTR, set()),
                                problems)
    if not any_row and _ROWS_ATTR in frame.attrs:  # a file; an empty DataFrame is an empty catalog
        problems.add(_Loc(header_row + 1, 0, "id"), None,
                     Msg("expected.data_row"))
    catalog_indicators = []
    for entry in entries.values():
        ind = _indicator(entry, dict(defaults or {}), source, problems)
        if ind is not None:
            catalog_indicators.append(ind)
    problems.raise_if_any()
    return cls(tuple(catalog_indicators), name=name, title="", source=source, meta={})


def _header(frame: pd.DataFrame, grid, loc, problems: _Problems) -> tuple[dict[str, int], bool]:
    """Column positions by name and the layout (True: tidy series/value; False: wide)."""
    known = known_columns()
    columns: dict[str, int] = {}
    for j, raw in enumerate(frame.columns):
        col = str(raw).strip().lower() if raw is not None else ""
        if col == "" or col.startswith("unnamed:"):
            if any(not _missing(v) for v in grid[:, j]):
                problems.add(loc(None, j, f"#{j + 1}"), None,
                             Msg("expected.header_for_values"))
            continue
        if col not in known:
            problems.add(loc(None, j, str(raw)), None,
                         Msg("expected.known_column", hint=_suggest(col, known),
                             columns=", ".join(known)), _shown(raw))
            continue
        if col in columns:
            problems.add(loc(None, j, col), None, Msg("expected.column_once"),
                         Msg("errors.got.second_column", column=col))
            continue
        columns[col] = j
    tidy = "series" in columns or "value" in columns
    wide = any(c in columns for c in SERIES)
    if tidy and wide:  # both layouts' columns: use the one that holds values
        def empty(cols: tuple[str, ...]) -> bool:
            return all(_missing(v) for c in cols if c in columns for v in grid[:, columns[c]])

        if empty(("series", "value")):
            tidy = False
        elif empty(SERIES):
            wide = False
    needed = ["id", "year"]
    if tidy and wide:
        problems.add(loc(None, columns.get("series", columns.get("value", 0)), "series"), None,
                     Msg("expected.one_layout"))
    elif tidy:
        needed += ["series", "value"]
    elif not wide:
        needed += ["actual"]
    missing = [c for c in needed if c not in columns]
    if missing:
        problems.add(loc(None, 0, missing[0]), None,
                     Msg("expected.layout_columns", missing=", ".join(missing)),
                     sorted(str(c) for c in frame.columns))
    if missing or (tidy and wide):
        problems.raise_if_any()
    return columns, tidy


def _entries(grid, columns: dict[str, int], tidy: bool, loc, percent: set,
             problems: _Problems) -> tuple[dict[str, dict[str, Any]], bool]:
    """One entry per indicator id: its metadata, their cells and its value cells."""
    parsers = _parsers()
    meta_cols = [c for c in (*META, *BOUNDS, *EXTRA, *SCORING) if c in columns and c in parsers]
    entries: dict[str, dict[str, Any]] = {}
    any_row = False
    for i in range(len(grid)):
        cells = grid[i]
        if all(_missing(v) for v in cells):
            continue
        any_row = True
        entry = _entry_of_row(i, cells, columns["id"], entries, loc, problems)
        if entry is None:
            continue
        _row_meta(i, cells, entry, meta_cols, columns, parsers, loc, problems)
        _row_values(i, cells, entry, columns, tidy, loc, percent, problems)
    return entries, any_row


def _entry_of_row(i: int, cells, j: int, entries: dict, loc, problems: _Problems):
    """The entry of the row's indicator id (created on its first row); None without an id."""
    ident = cells[j]
    if _missing(ident):
        problems.add(loc(i, j, "id"), None, Msg("expected.id_in_table"))
        return None
    try:
        ident = _text(ident)
    except _Bad as b:
        problems.add(loc(i, j, "id"), None, Msg("expected.id_in_table"), b.got)
        return None
    entry = entries.get(ident)
    if entry is None:
        entry = entries[ident] = {"id": ident, "meta": {}, "loc": {"id": loc(i, j, "id")},
                                  "cells": {}, "notes": [], "bad": False,
                                  "bad_cols": set()}
        if not ID_PATTERN.match(ident):
            problems.add(loc(i, j, "id"), ident, Msg("expected.id_snake_case_letter_table"),
                         ident)
            entry["bad"] = entry["bad_id"] = True
    return entry


def _row_meta(i: int, cells, entry: dict, meta_cols, columns, parsers, loc,
              problems: _Problems) -> None:
    """The row's metadata cells: the same on every row of an indicator (notes add up)."""
    ident = entry["id"]
    for col in meta_cols:
        j = columns[col]
        v = cells[j]
        if _missing(v) and not (col == "unit" and isinstance(v, str) and v.strip() == "-"):
            continue  # (`-` is a unit: the document states none)
        try:
            value = parsers[col](v)
        except _Bad as b:
            problems.add(loc(i, j, col), ident, b.expected, b.got)
            entry["bad"] = True
            entry["bad_cols"].add(col)
            continue
        if col in _PER_ROW:
            entry["notes"].append(value)
        elif col in entry["meta"] and entry["meta"][col] != value:
            problems.add(loc(i, j, col), ident,
                         Msg("expected.same_on_rows", column=col,
                             value=repr(entry["meta"][col]), where=entry["loc"][col].text), v)
            entry["bad"] = True
        else:
            entry["meta"].setdefault(col, value)
            entry["loc"].setdefault(col, loc(i, j, col))


def _row_values(i: int, cells, entry: dict, columns, tidy: bool, loc, percent: set,
                problems: _Problems) -> None:
    """The row's year and its actual/target cells (kept raw: the kind decides their type)."""
    ident = entry["id"]
    j = columns["year"]
    try:
        year = _year(cells[j])
    except _Bad as b:
        problems.add(loc(i, j, "year"), ident, b.expected, b.got)
        entry["bad"] = True
        return
    if tidy:
        js = columns["series"]
        series = cells[js]
        series = series.strip().lower() if isinstance(series, str) else series
        if series not in SERIES:
            problems.add(loc(i, js, "series"), ident,
                         Msg("expected.one_of", options=list(SERIES),
                             hint=_suggest(str(series), SERIES)), cells[js])
            entry["bad"] = True
            return
        pairs = [(series, columns["value"], "value")]
    else:
        pairs = [(s, columns[s], s) for s in SERIES if s in columns]
    for series, j, col in pairs:
        if not tidy and _empty(cells[j]):
            continue  # wide layout: an empty cell gives nothing; `-`/NA give null
        key = (series, year)
        if key in entry["cells"]:
            problems.add(loc(i, columns["year"], "year"), ident,
                         Msg("expected.year_once_per_series", series=series, year=year,
                             where=entry["cells"][key][1].text), year)
            entry["bad"] = True
            continue
        if (i, j) in percent:
            problems.add(loc(i, j, col), ident, Msg("expected.cell_percent"), cells[j])
            entry["bad"] = True
            continue
        entry["cells"][key] = (cells[j], loc(i, j, col))


def _indicator(entry: dict, defaults: dict, source: str, problems: _Problems):
    """Validate one indicator's cells now that its kind is known; build it."""
    if entry.get("bad_id"):
        return None  # its other cells are checked once the id is fixed
    ident, meta, where = entry["id"], dict(entry["meta"]), entry["loc"]
    first = where["id"]
    for k, v in defaults.items():
        meta.setdefault(k, v)

    def at(col: str) -> _Loc:
        if col in where:
            return where[col]
        return _Loc(first.row, 10**6, col)

    if "unit" not in meta and "unit" not in entry["bad_cols"]:
        problems.add(at("unit"), ident, Msg("expected.table_unit"))
        entry["bad"] = True
    scale = tuple(meta.get("scale", ()))
    kind = meta.get("kind")
    grade = kind == "grade" or (kind is None and bool(scale))
    values = _typed_values(entry, grade, scale, problems)
    if "kind" in entry["bad_cols"] or "unit" not in meta:
        return None
    if kind is None:
        inferred = infer_kind(meta["unit"], list(values.values()), scale=scale)
        if inferred is None:
            problems.add(at("kind"), ident,
                         Msg("expected.table_kind", kinds=list(KINDS), unit=repr(meta["unit"])))
            entry["bad"] = True
        else:
            kind = inferred[0]
    if entry["bad"] or kind is None:
        return None
    ctx = _Ctx(source, ident)
    for (series, year), v in values.items():
        try:
            _value(ctx, f"{series}.{year}", kind, scale, v)
        except CatalogError as e:
            problems.add(entry["cells"][(series, year)][1], ident, e.expected, e.got)
            entry["bad"] = True
    if entry["bad"]:
        return None
    doc = _document(entry, meta, values, scale, at, problems)
    if doc is None:
        return None
    try:
        return parse_indicator(doc, source=source)
    except CatalogError as e:
        problems.add(_place(e.field or "", entry, at), ident, e.expected, e.got)
        return None


def _typed_values(entry: dict, grade: bool, scale: tuple, problems: _Problems) -> dict:
    """Each value cell as a number (or a grade on the scale); None where missing."""
    ident = entry["id"]
    values: dict[tuple[str, int], Any] = {}
    for key, (raw, cell) in entry["cells"].items():
        if _missing(raw):
            values[key] = None
        elif grade:
            try:
                values[key] = raw.strip() if isinstance(raw, str) else _text(raw)
            except _Bad as b:
                problems.add(cell, ident, Msg("expected.grade_on_scale", scale=list(scale)),
                             b.got)
                entry["bad"] = True
        else:
            try:
                values[key] = _number(raw)
            except _Bad as b:
                problems.add(cell, ident, b.expected, b.got)
                entry["bad"] = True
    return values


def _document(entry: dict, meta: dict, values: dict, scale: tuple, at,
              problems: _Problems) -> dict[str, Any] | None:
    """The catalog mapping of a table indicator (:func:`parse_indicator` validates it)."""
    ident = entry["id"]
    doc: dict[str, Any] = {"id": ident, "name_ko": meta.get("name_ko") or ident}
    for col in ("name_en", "unit", "kind", "direction", "rule"):
        if col in meta:
            doc[col] = meta[col]
    if scale:
        doc["scale"] = list(scale)
    doc["actual"] = {y: v for (s, y), v in values.items() if s == "actual"}
    doc["target"] = {y: v for (s, y), v in values.items() if s == "target"}
    present = [c for c in BOUNDS if c in meta]
    if len(present) == 1:
        other = BOUNDS[1 - BOUNDS.index(present[0])]
        given = at(present[0])
        problems.add(_Loc(given.row, given.col, other), ident,
                     Msg("expected.bounds_both", given=present[0]))
        return None
    if present:
        doc["bounds"] = [meta["bound_low"], meta["bound_high"]]
    scoring = {k: meta[c] for k, c in (("method", "scoring_method"), ("weight", "weight"))
               if c in meta}
    if scoring:
        doc["scoring"] = scoring
    if "category" in meta:
        doc["tags"] = {"category": meta["category"]}
    prov: dict[str, Any] = {}
    if "source" in meta:
        prov["source"] = meta["source"]
    if entry["notes"]:
        prov["notes"] = list(dict.fromkeys(entry["notes"]))
    if prov:
        doc["provenance"] = prov
    if "growth_prior" in meta:
        from kpisim.models import GrowthPrior

        prior = GrowthPrior(**meta["growth_prior"], source="table column `growth_prior`")
        doc["assumptions"] = [{
            "field": "growth_prior",
            "statement": prior.sentence(),
            "reason": meta.get("growth_prior_reason")
            or "given in the table's `growth_prior` column (no reason given)",
            "value": meta["growth_prior"],
        }]
    elif "growth_prior_reason" in meta:
        problems.add(at("growth_prior_reason"), ident,
                     Msg("expected.growth_prior.beside_reason"))
        return None
    return doc


def _place(field: str, entry: dict, at) -> _Loc:
    """The cell a CatalogError of the parsed indicator points to (by its field)."""
    first = entry["loc"]["id"]
    if field.startswith(("actual.", "target.")):
        series, _, year = field.partition(".")
        cell = entry["cells"].get((series, int(year)) if year.isdigit() else None)
        place = cell[1] if cell else first
    elif field == "bounds":
        low = at("bound_low")
        place = _Loc(low.row, low.col, "")
        place.text = Msg("errors.table.bounds_columns", row=low.row)
    elif field in _SCORING_FIELDS:
        place = at(_SCORING_FIELDS[field])
    else:
        base = field.split(".")[0].split("[")[0]
        place = at({"provenance": "source", "assumptions": "growth_prior"}.get(base, base)
                   or "id")
    return place


