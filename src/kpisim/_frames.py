"""pandas adapters: tidy tables (DataFrame, CSV, Excel) to catalogs.

The tidy layout is one row per (indicator, year, series) with its value:
``id, year, series, value`` plus optional metadata columns. A wide variant
with ``actual`` and ``target`` columns instead of ``series``/``value`` is
accepted too. Error messages name the file, the row (as a spreadsheet shows
it: header = row 1) and the column.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpisim._validation import CatalogError, is_finite_number

REQUIRED = ("id", "year", "series", "value")
META = ("name_ko", "name_en", "unit", "kind", "direction", "scale", "rule")
#: The two columns of an indicator's ``bounds``: both on some row, or neither.
BOUNDS = ("bound_low", "bound_high")
SERIES = ("actual", "target")
#: Scoring columns: the indicator's ``scoring.method``, ``scoring.weight`` and ``tags.category``.
SCORING = ("scoring_method", "weight", "category")
_SCORING_FIELDS = {"scoring.method": "scoring_method", "scoring.weight": "weight",
                   "tags.category": "category"}


def read_table(path: Path, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a CSV or Excel sheet into a DataFrame, with a clear error on failure."""
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, encoding="utf-8-sig", dtype={"id": str})
        return pd.read_excel(path, sheet_name=sheet, dtype={"id": str})
    except FileNotFoundError as e:
        raise CatalogError(
            source=str(path),
            indicator=None,
            field=None,
            expected="an existing file",
            got="no such file",
            show_got=False,
        ) from e
    except Exception as e:  # pandas raises many types here
        raise CatalogError(
            source=str(path),
            indicator=None,
            field=None,
            expected="a readable CSV or Excel table",
            got=f"{type(e).__name__}: {e}",
        ) from e


def _bound_cell(seen: dict[str, tuple[int, float]], col: str, v: Any, row: int, ident: str,
                source: str) -> None:
    """Record one ``bound_low``/``bound_high`` cell: a finite number, the same on every row."""
    if _blank(v) or (pd.api.types.is_scalar(v) and bool(pd.isna(v))):
        return
    if isinstance(v, str):
        try:
            v = float(v.strip().replace(",", ""))
        except ValueError:
            v = v.strip()
    where = f"row {row}, column `{col}`"
    if not is_finite_number(v):
        raise CatalogError(source=source, indicator=ident, field=where,
                           expected="a finite number (or a blank cell)", got=v)
    if col in seen and seen[col][1] != float(v):
        raise CatalogError(
            source=source, indicator=ident, field=where,
            expected=f"the same {col} on every row of the indicator ({seen[col][1]!r})", got=v,
        )
    seen.setdefault(col, (row, float(v)))


def _bounds_into(entries: dict[str, dict[str, Any]],
                 cells: dict[str, dict[str, tuple[int, float]]], source: str) -> dict[str, int]:
    """Set ``entry["bounds"]`` from the bound cells; returns id -> first row with a bound.

    An indicator gives both bounds or neither; their order and the values'
    range are checked by :class:`~kpisim.Indicator`.
    """
    rows = {}
    for ident, seen in cells.items():
        if not seen:
            continue
        row = min(r for r, _ in seen.values())
        missing = [c for c in BOUNDS if c not in seen]
        if missing:
            raise CatalogError(
                source=source, indicator=ident, field=f"row {row}, column `{missing[0]}`",
                expected="both `bound_low` and `bound_high`, or neither", show_got=False,
            )
        entries[ident]["bounds"] = [seen["bound_low"][1], seen["bound_high"][1]]
        rows[ident] = row
    return rows


def _scoring_into(entry: dict[str, Any]) -> None:
    """Move the SCORING columns of an entry to ``scoring`` and ``tags.category``."""
    scoring = {k: entry.pop(c) for k, c in (("method", "scoring_method"), ("weight", "weight"))
               if c in entry}
    if isinstance(scoring.get("weight"), str):
        try:
            scoring["weight"] = float(scoring["weight"].replace(",", ""))
        except ValueError:
            pass  # left to the indicator validation (names the field)
    if scoring:
        entry["scoring"] = scoring
    if "category" in entry:
        entry["tags"] = {"category": entry.pop("category")}


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _wide_to_long(frame: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in frame.columns if c not in SERIES]
    long = frame.melt(
        id_vars=keep,
        value_vars=[c for c in SERIES if c in frame.columns],
        var_name="series",
        value_name="value",
    )
    # keep the spreadsheet row of the original for error messages
    long["_row"] = list(frame["_row"]) * (len(long) // max(len(frame), 1))
    return long


def catalog_from_frame(
    cls,
    frame: pd.DataFrame,
    *,
    name: str,
    source: str,
    defaults: Mapping[str, Any] | None,
):
    """Implementation of :meth:`kpisim.Catalog.from_frame`."""
    from kpisim.catalog import _catalog_from_documents

    if not isinstance(frame, pd.DataFrame):
        raise CatalogError(
            source=source,
            indicator=None,
            field=None,
            expected="a pandas DataFrame",
            got=type(frame).__name__,
        )
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    frame["_row"] = range(2, len(frame) + 2)
    if "series" not in frame.columns and any(c in frame.columns for c in SERIES):
        frame = _wide_to_long(frame)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise CatalogError(
            source=source,
            indicator=None,
            field=f"columns {missing}",
            expected=f"the columns {list(REQUIRED)} (or id, year, actual, target)",
            got=list(c for c in frame.columns if c != "_row"),
        )
    defaults = dict(defaults or {})
    entries: dict[str, dict[str, Any]] = {}
    bound_cells: dict[str, dict[str, tuple[int, float]]] = {}  # id -> column -> (row, value)
    for rec in frame.to_dict("records"):
        row = rec["_row"]
        ident = rec["id"]
        if _blank(ident):
            raise CatalogError(
                source=source,
                indicator=None,
                field=f"row {row}, column `id`",
                expected="an indicator id",
                got=ident,
            )
        ident = str(ident).strip()
        entry = entries.setdefault(ident, {"id": ident, "actual": {}, "target": {}})
        for col in (*META, *SCORING):
            if col not in rec or _blank(rec[col]):
                continue
            value = rec[col]
            if col == "scale":
                value = [s.strip() for s in str(value).split("|") if s.strip()]
            elif col == "rule":
                try:
                    value = json.loads(value) if isinstance(value, str) else value
                except json.JSONDecodeError as e:
                    raise CatalogError(
                        source=source,
                        indicator=ident,
                        field=f"row {row}, column `rule`",
                        expected='a JSON object such as {"type": "cagr", "rate": 0.08}',
                        got=value,
                    ) from e
            elif isinstance(value, str):
                value = value.strip()
            if col in entry and entry[col] != value:
                raise CatalogError(
                    source=source,
                    indicator=ident,
                    field=f"row {row}, column `{col}`",
                    expected=f"the same {col} on every row of the indicator ({entry[col]!r})",
                    got=value,
                )
            entry[col] = value
        for col in BOUNDS:
            if col in rec:
                _bound_cell(bound_cells.setdefault(ident, {}), col, rec[col], row, ident, source)
        series = rec["series"]
        if series not in SERIES:
            raise CatalogError(
                source=source,
                indicator=ident,
                field=f"row {row}, column `series`",
                expected=f"one of {list(SERIES)}",
                got=series,
            )
        year = rec["year"]
        if isinstance(year, float) and year.is_integer():
            year = int(year)
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
        if isinstance(year, bool) or not isinstance(year, int):
            raise CatalogError(
                source=source,
                indicator=ident,
                field=f"row {row}, column `year`",
                expected="a year as an integer",
                got=rec["year"],
            )
        value = rec["value"]
        if _blank(value):
            value = None
        elif isinstance(value, str):
            text = value.strip()
            try:
                value = (
                    float(text.replace(",", ""))
                    if entry.get("kind", defaults.get("kind")) != "grade"
                    else text
                )
            except ValueError:
                value = text  # left to the indicator validation (names the field)
        elif hasattr(value, "item"):
            value = value.item()
        if year in entry[series]:
            raise CatalogError(
                source=source,
                indicator=ident,
                field=f"row {row}, column `year`",
                expected=f"each year at most once per series ({series})",
                got=year,
            )
        entry[series][year] = value
    bound_rows = _bounds_into(entries, bound_cells, source)
    docs = []
    for entry in entries.values():
        for k, v in defaults.items():
            entry.setdefault(k, v)
        _scoring_into(entry)
        entry.setdefault("name_ko", entry["id"])
        if "name_en" in entry and not isinstance(entry["name_en"], str):
            entry["name_en"] = str(entry["name_en"])
        docs.append(entry)
    try:
        cat = _catalog_from_documents([(source, {"indicators": docs})], source=source)
    except CatalogError as e:
        column = _SCORING_FIELDS.get(e.field or "")
        if column is not None:  # name the table column the Indicator refused
            raise CatalogError(source=e.source, indicator=e.indicator,
                               field=f"{e.field} (column {column})", expected=e.expected,
                               got=e.got) from e
        if e.field != "bounds" or e.indicator not in bound_rows:
            raise
        raise CatalogError(  # the table location of the bounds the Indicator refused
            source=e.source,
            indicator=e.indicator,
            field=f"row {bound_rows[e.indicator]}, columns `bound_low`, `bound_high`",
            expected=e.expected,
            got=e.got,
        ) from e
    return cls(cat.indicators, name=name, title=cat.title, source=source, meta={})
