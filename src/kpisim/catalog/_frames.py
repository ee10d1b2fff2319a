"""Tables (DataFrame, CSV, Excel) to catalogs: the layout a policy analyst fills in.

The layout (documented for users in ``docs/catalog-format.md``) is one row per
indicator and year. Two equivalent shapes are accepted:

* wide: ``id, year, actual, target`` (either of ``actual``/``target`` may be
  left out);
* tidy: ``id, year, series, value`` with ``series`` ``actual`` or ``target``
  (the layout of :meth:`kpisim.Catalog.to_frame`).

Metadata columns (:data:`META`, :data:`BOUNDS`, :data:`EXTRA`) may repeat on
every row of an indicator and must agree where given. Any other column is an
error that names it (with a did-you-mean), because an ignored misspelled
column silently changes results (``directon`` left every indicator at the
default direction).

Every problem of a table is collected and raised at once as one
:class:`CatalogErrors` (a :class:`~kpisim.CatalogError`) whose ``problems``
list names, for each bad cell, the row (as a spreadsheet numbers it), the
column (and for Excel the cell, e.g. ``D7``) and the indicator.

Cells that mean "no value": empty, ``-``, ``NA``, ``N/A`` and ``null``
(:data:`MISSING`). Anything else that is not a number where a number is
expected is an error, as are NaN/inf and numbers beyond :data:`MAX_ABS`.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpisim._validation import CatalogError, KpisimError
from kpisim.catalog._parse import _Ctx, _value, parse_indicator
from kpisim.indicator import (
    DIRECTIONS,
    ID_PATTERN,
    KINDS,
    UNIT_EXPECTED,
    YEAR_RANGE,
    check_unit,
    infer_kind,
)

__all__ = ["CatalogErrors", "known_columns", "read_table"]

#: Columns that identify a row.
REQUIRED = ("id", "year", "series", "value")
#: Indicator metadata columns written by ``Catalog.to_frame(meta=True)``.
META = ("name_ko", "name_en", "unit", "kind", "direction", "scale", "rule")
#: The two columns of an indicator's ``bounds``: both on some row, or neither.
BOUNDS = ("bound_low", "bound_high")
SERIES = ("actual", "target")
#: Further columns: the growth prior (an assumption) and provenance.
EXTRA = ("growth_prior", "growth_prior_reason", "source", "note")
#: Scoring columns: the indicator's ``scoring.method``, ``scoring.weight`` and ``tags.category``.
SCORING = ("scoring_method", "weight", "category")
#: The Indicator field each scoring column fills (to name the column in errors).
_SCORING_FIELDS = {"scoring.method": "scoring_method", "scoring.weight": "weight",
                   "scoring": "scoring_method", "tags.category": "category", "tags": "category"}

#: Cell texts that mean "no value" (compared case-insensitively, stripped).
MISSING = frozenset({"", "-", "na", "n/a", "null"})
#: Excel error values: refused (a formula failed), never read as missing.
EXCEL_ERRORS = frozenset(
    {"#n/a", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!"}
)
#: Largest magnitude accepted for a value or bound (use a larger unit beyond it).
MAX_ABS = 1e15
#: Limits on what is read at all.
MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELL = 4000
MAX_COLUMNS = 500
#: Problems listed in one error message (all are kept in ``problems``).
MAX_LISTED = 50

_INT_RE = re.compile(r"^[+-]?\d+$", re.ASCII)
_FLOAT_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)
_ROWS_ATTR = "kpisim.rows"  # sheet row number of each data row
_HEADER_ATTR = "kpisim.header_row"
_LETTERS_ATTR = "kpisim.letters"  # Excel column letters, for cell names
_PERCENT_ATTR = "kpisim.percent_cells"  # (data row, column) of %-formatted Excel cells


def known_columns() -> tuple[str, ...]:
    """Every column a table may have, in the template's order."""
    return ("id", "name_ko", "name_en", "unit", "kind", "direction", "year", "actual", "target",
            "series", "value", *BOUNDS, "scale", "rule", *EXTRA, *SCORING)


# ---------------------------------------------------------------- errors
class CatalogErrors(CatalogError):
    """Every problem of one table, raised at once.

    A :class:`~kpisim.CatalogError` whose ``source``, ``indicator``,
    ``field``, ``expected`` and ``got`` are those of the first problem;
    ``problems`` holds them all (each a :class:`~kpisim.CatalogError` naming
    the row, the column and the indicator).
    """

    def __init__(self, source: str, problems: list[CatalogError]) -> None:
        first = problems[0]
        self.problems = tuple(problems)
        self.source = source
        self.indicator = first.indicator
        self.field = first.field
        self.expected = first.expected
        self.got = first.got
        if len(problems) == 1:
            msg = str(first)
        else:
            lines = [f"{source}: {len(problems)} problems in the table"]
            for p in problems[:MAX_LISTED]:
                lines.append("  - " + _describe(p))
            if len(problems) > MAX_LISTED:
                lines.append(f"  … and {len(problems) - MAX_LISTED} more")
            msg = "\n".join(lines)
        KpisimError.__init__(self, msg)


def _describe(p: CatalogError) -> str:
    """One problem without its file name."""
    return str(CatalogError(source=None, indicator=p.indicator, field=p.field,
                            expected=p.expected, got=p.got,
                            show_got=getattr(p, "_show_got", True)))


_NO_GOT = object()


def _shown(v: Any) -> Any:
    """A cell value short enough to quote in a message."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**20:
        return f"a {len(str(abs(v)))}-digit number"
    if isinstance(v, str) and len(v) > 60:
        return v[:57] + "…"
    return v


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[tuple[tuple[int, int], CatalogError]] = []

    def add(self, where: _Loc, indicator: str | None, expected: str, got: Any = _NO_GOT) -> None:
        err = CatalogError(source=self.source, indicator=indicator, field=where.text,
                           expected=expected, got=None if got is _NO_GOT else _shown(got),
                           show_got=got is not _NO_GOT)
        err._show_got = got is not _NO_GOT
        self.items.append(((where.row, where.col), err))

    def raise_if_any(self) -> None:
        if self.items:
            ordered = [e for _, e in sorted(self.items, key=lambda t: t[0])]
            raise CatalogErrors(self.source, ordered)


class _Loc:
    """A cell's name: ``row 5, column `value``` (and ``(cell D5)`` for Excel)."""

    __slots__ = ("col", "row", "text")

    def __init__(self, row: int, col: int, name: str, letter: str | None = None) -> None:
        self.row, self.col = row, col
        self.text = f"row {row}, column `{name}`" + (f" (cell {letter}{row})" if letter else "")


def _suggest(name: str, options: Any) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


# ---------------------------------------------------------------- reading files
def _file_error(path: Path, expected: str, got: Any = _NO_GOT) -> CatalogErrors:
    err = CatalogError(source=str(path), indicator=None, field=None, expected=expected,
                       got=None if got is _NO_GOT else got, show_got=got is not _NO_GOT)
    err._show_got = got is not _NO_GOT
    return CatalogErrors(str(path), [err])


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM); CP949/EUC-KR and other encodings are named and refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        try:
            text = data.decode("cp949")
        except UnicodeDecodeError:
            text = ""
        if text and re.search("[\uac00-\ud7a3]", text):
            raise _file_error(
                path,
                "a UTF-8 CSV file; this one is encoded in CP949/EUC-KR (the Korean Excel "
                "'CSV' default): save it as 'CSV UTF-8 (쉼표로 분리)' or export it as .xlsx",
            ) from e
        raise _file_error(path, "a UTF-8 CSV file (UTF-8 with or without BOM)",
                          f"byte 0x{data[e.start]:02x} at offset {e.start} is not UTF-8") from e


def _read_csv(path: Path) -> pd.DataFrame:
    text = _decode(path, path.read_bytes())
    if "\x00" in text:
        raise _file_error(path, "a text CSV file", "NUL bytes (a binary file?)")
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise _file_error(path, "a well-formed CSV file", str(e)) from e
    # lines starting with '#' before the header are comments (the template's notes)
    start = 0
    while start < len(lines) and (not any(c.strip() for c in lines[start])
                                  or lines[start][0].lstrip().startswith("#")):
        start += 1
    if start == len(lines):
        raise _file_error(path, "a header row (id, year, actual, target, …) and data rows",
                          "an empty file")
    header = lines[start]
    if len(header) > MAX_COLUMNS:
        raise _file_error(path, f"at most {MAX_COLUMNS} columns", f"{len(header)} columns")
    rows = []
    numbers = []
    for k, cells in enumerate(lines[start + 1:], start=start + 2):
        if len(cells) > len(header):
            extra = cells[len(header):]
            if any(c.strip() for c in extra):
                raise _file_error(path, f"at most {len(header)} cells per row (the header's)",
                                  f"{len(cells)} cells on line {k}")
            cells = cells[: len(header)]
        rows.append(cells + [""] * (len(header) - len(cells)))
        numbers.append(k)
        if len(rows) > MAX_ROWS:
            raise _file_error(path, f"at most {MAX_ROWS:,} rows", "more")
    frame = pd.DataFrame(rows, columns=pd.Index(header, dtype=object), dtype=object)
    frame.attrs[_ROWS_ATTR] = numbers
    frame.attrs[_HEADER_ATTR] = start + 1
    return frame


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _read_excel(path: Path, sheet: str | int) -> pd.DataFrame:
    if path.suffix.lower() == ".xls":
        try:
            frame = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object)
        except ImportError as e:
            raise _file_error(path, "an .xlsx file (reading old .xls needs the `xlrd` package)",
                              str(e)) from e
        except Exception as e:  # xlrd raises many types on damaged files
            raise _file_error(path, "a readable Excel sheet", f"{type(e).__name__}: {e}") from e
        grid = [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]
        return _grid_frame(path, grid, list(range(1, len(grid) + 1)), set())
    from openpyxl import load_workbook

    with_formulas = None
    try:
        # read once into memory (the size is capped above): no file handle stays
        # open, whatever the openpyxl version does with read-only workbooks
        data = path.read_bytes()
        with_formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types (BadZipFile, KeyError, ...) on damage
        if with_formulas is not None:
            with_formulas.close()  # read-only workbooks keep their file open until closed
        raise _file_error(path, "a readable .xlsx/.xlsm workbook", f"{type(e).__name__}: {e}") \
            from e
    try:
        names = values.sheetnames
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise _file_error(path, f"a sheet index 0–{len(names) - 1}", sheet)
            sheet = names[sheet]
        if sheet not in names:
            raise _file_error(path, f"a sheet named one of {names}", sheet)
        ws_f, ws_v = with_formulas[sheet], values[sheet]
        grid, numbers, percent, unsaved = [], [], set(), []
        for r, (row_f, row_v) in enumerate(zip(ws_f.iter_rows(), ws_v.iter_rows(), strict=False),
                                           start=1):
            if len(row_v) > MAX_COLUMNS and any(c.value is not None
                                                for c in row_v[MAX_COLUMNS:]):
                raise _file_error(path, f"at most {MAX_COLUMNS} columns",
                                  f"a value beyond column {MAX_COLUMNS} on row {r}")
            cells = []
            for cf, cv in zip(row_f[:MAX_COLUMNS], row_v[:MAX_COLUMNS], strict=False):
                v = cv.value
                if getattr(cf, "data_type", None) == "f" and v is None:
                    unsaved.append(f"{_column_letter(cf.column - 1)}{r}")
                if isinstance(v, int | float) and not isinstance(v, bool) \
                        and "%" in str(getattr(cv, "number_format", "") or ""):
                    percent.add((r, len(cells)))
                cells.append(v)
            grid.append(cells)
            numbers.append(r)
            if len(grid) > MAX_ROWS:
                raise _file_error(path, f"at most {MAX_ROWS:,} rows", "more")
    except KpisimError:
        raise
    except Exception as e:  # a damaged sheet inside a readable workbook
        raise _file_error(path, "a readable .xlsx/.xlsm workbook", f"{type(e).__name__}: {e}") \
            from e
    finally:
        with_formulas.close()
        values.close()
    if unsaved:
        shown = ", ".join(unsaved[:20]) + (" …" if len(unsaved) > 20 else "")
        raise _file_error(
            path,
            "values, not formulas without a saved result: open the file in Excel and save it "
            "(so each formula's result is stored), or type the values",
            f"sheet {sheet!r}, cells {shown}",
        )
    return _grid_frame(path, grid, numbers, percent, sheet=str(sheet))


def _grid_frame(path: Path, grid: list[list[Any]], numbers: list[int], percent: set,
                sheet: str | None = None) -> pd.DataFrame:
    def blank(v: Any) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    start = next((i for i, row in enumerate(grid) if not all(blank(v) for v in row)), None)
    where = f"sheet {sheet!r}" if sheet is not None else "the sheet"
    if start is None:
        raise _file_error(path, "a header row (id, year, actual, target, …) and data rows",
                          f"{where} is empty")
    width = max(len(r) for r in grid)
    header = list(grid[start]) + [None] * (width - len(grid[start]))
    rows = [list(r) + [None] * (width - len(r)) for r in grid[start + 1:]]
    frame = pd.DataFrame(rows, columns=pd.Index(["" if h is None else str(h) for h in header],
                                                dtype=object), dtype=object)
    frame.attrs[_ROWS_ATTR] = numbers[start + 1:]
    frame.attrs[_HEADER_ATTR] = numbers[start]
    frame.attrs[_LETTERS_ATTR] = [_column_letter(j) for j in range(width)]
    header_row = numbers[start]
    frame.attrs[_PERCENT_ATTR] = {(r - header_row - 1, j) for r, j in percent if r > header_row}
    return frame


def read_table(path: Path, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a CSV file or an Excel sheet cell by cell, with a clear error on failure.

    The cells are kept as written (text for CSV; values for Excel) and
    interpreted by :func:`catalog_from_frame`. CSV must be UTF-8 (a BOM is
    accepted); lines starting with ``#`` above the header are comments. In
    Excel, a formula is read through its saved result; a formula without one
    is refused with its cell named.

    Raises
    ------
    CatalogError
        For a missing, unreadable, oversized, non-UTF-8 or empty file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise _file_error(path, "an existing file") from e
    except OSError as e:
        raise _file_error(path, "a readable file", str(e)) from e
    if not path.is_file():
        raise _file_error(path, "a regular file (not a directory or device)")
    if size > MAX_BYTES:
        raise _file_error(path, f"a table of at most {MAX_BYTES // 2**20} MB", f"{size:,} bytes")
    try:
        if path.suffix.lower() == ".csv":
            return _read_csv(path)
        return _read_excel(path, sheet)
    except OSError as e:
        raise _file_error(path, "a readable file", str(e)) from e


# ---------------------------------------------------------------- cells
class _Bad(Exception):
    def __init__(self, expected: str, got: Any = _NO_GOT) -> None:
        super().__init__(expected)
        self.expected, self.got = expected, got


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in MISSING


def _empty(v: Any) -> bool:
    """An empty cell (not `-` or NA, which say "no value" explicitly)."""
    return _missing(v) and not (isinstance(v, str) and v.strip())


def _number(v: Any) -> int | float:
    """A finite number from a cell: ``1,100``, ``1e5``, ``-3.5``; ints stay ints."""
    expected = f"a finite number (e.g. 1100, 1,100, 12.5 or 1e5) of magnitude below {MAX_ABS:.0e}"
    if isinstance(v, bool) or isinstance(v, _dt.date | _dt.time | _dt.timedelta | pd.Timestamp):
        raise _Bad(expected, v)
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, str):
        text = v.strip().replace("\u00a0", "")
        if text.lower() in EXCEL_ERRORS:
            raise _Bad("a number, not an Excel error value (a formula failed)", v)
        if _THOUSANDS_RE.match(text):
            text = text.replace(",", "")
        if _INT_RE.match(text):
            if len(text.lstrip("+-")) > 18:
                raise _Bad(expected, v)
            v = int(text)
        elif _FLOAT_RE.match(text):
            v = float(text)
        else:
            hint = " (no % sign: write 12.5 with unit %)" if text.endswith("%") else ""
            raise _Bad(expected + hint, v)
    if isinstance(v, int) and not isinstance(v, bool):
        if abs(v) >= MAX_ABS:
            raise _Bad(expected + "; use a larger unit (e.g. 억원 instead of 원)", v)
        return v
    if isinstance(v, float):
        if not math.isfinite(v) or abs(v) >= MAX_ABS:
            raise _Bad(expected + " (no NaN or inf; use a larger unit for huge values)", v)
        return v
    raise _Bad(expected, v)


def _text(v: Any) -> str:
    if isinstance(v, bool) or isinstance(v, _dt.date | _dt.time):
        raise _Bad("text", v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    if len(text) > MAX_CELL:
        msg = f"text of at most {MAX_CELL} characters"
        raise _Bad(msg, v)
    return text


def _year(v: Any) -> int:
    lo, hi = YEAR_RANGE
    expected = f"a year as an integer in {lo}–{hi} (e.g. 2024)"
    if isinstance(v, bool) or isinstance(v, _dt.date | _dt.time):
        raise _Bad(expected, v)
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str) and re.fullmatch(r"[0-9]{1,4}", v.strip()):
        v = int(v.strip())
    if not isinstance(v, int) or not lo <= v <= hi:
        raise _Bad(expected, v)
    return v


def _yaml_mapping(v: Any, what: str) -> dict:
    """A ``{key: value}`` cell read with the catalog's YAML loader (JSON works too)."""
    import yaml

    from kpisim._safeio import StrictLoader

    expected = f"{what} as a mapping, e.g. " + (
        "{type: cagr, rate: 0.08}" if what == "a rule" else "{mu: 0.077, mu_sd: 0.058, "
        "sigma: 0.10, dof: 3}")
    if not isinstance(v, str):
        raise _Bad(expected, v)
    if len(v) > MAX_CELL:
        msg = f"{what} of at most {MAX_CELL} characters"
        raise _Bad(msg, v)
    try:
        depth = 0
        for event in yaml.parse(v, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                msg = f"{what} without YAML aliases (*name)"
                raise _Bad(msg, v)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > 10:
                    msg = f"{what} nested at most 10 deep"
                    raise _Bad(msg, v)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        data = yaml.load(v, Loader=StrictLoader)
    except yaml.YAMLError as e:
        raise _Bad(expected, " ".join(str(e).split())[:120]) from e
    if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
        raise _Bad(expected, v)
    return dict(data)


def _rule(v: Any) -> dict:
    from kpisim.rules import rule_from_dict

    data = _yaml_mapping(v, "a rule")
    try:
        rule_from_dict(data)
    except KpisimError as e:
        raise _Bad("a valid rule (see the rules table in docs/catalog-format.md)", str(e)) from e
    return data


def _growth_prior(v: Any) -> dict:
    from kpisim.models import GrowthPrior

    data = _yaml_mapping(v, "a growth prior")
    extra = set(data) - {"mu", "mu_sd", "sigma", "dof", "scale"}
    if extra:
        raise _Bad("only the keys mu, mu_sd, sigma, dof and scale", sorted(extra))
    try:
        GrowthPrior(**data)
    except (TypeError, KpisimError) as e:
        raise _Bad("a growth prior {mu, mu_sd, sigma, dof[, scale]}", str(e)) from e
    return data


def _choice(options: tuple[str, ...]):
    def parse(v: Any) -> str:
        text = _text(v).lower()
        if text not in options:
            msg = f"one of {list(options)}{_suggest(text, options)}"
            raise _Bad(msg, v)
        return text

    return parse


def _unit(v: Any) -> str:
    unit = check_unit(_text(v))
    if unit is None:
        raise _Bad(UNIT_EXPECTED, v)
    return unit


def _scale(v: Any) -> tuple[str, ...]:
    return tuple(s.strip() for s in _text(v).split("|") if s.strip())


def _parsers() -> dict[str, Any]:
    return {
        "name_ko": _text, "name_en": _text, "unit": _unit, "kind": _choice(KINDS),
        "direction": _choice(DIRECTIONS), "scale": _scale, "rule": _rule,
        "bound_low": _number, "bound_high": _number, "growth_prior": _growth_prior,
        "growth_prior_reason": _text, "source": _text, "note": _text,
        "scoring_method": _text, "weight": _number, "category": _text,
    }


#: Columns whose value may differ between the rows of one indicator.
_PER_ROW = frozenset({"note"})


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
                           expected="a pandas DataFrame", got=type(frame).__name__)
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
                     "at least one data row below the header (the table is empty)")
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
                             "a header for every column holding values")
            continue
        if col not in known:
            problems.add(loc(None, j, str(raw)), None,
                         f"a known column{_suggest(col, known)} (the columns are: "
                         f"{', '.join(known)})", _shown(raw))
            continue
        if col in columns:
            problems.add(loc(None, j, col), None, "each column once", f"a second `{col}`")
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
                     "either the columns actual/target or series/value, not both")
    elif tidy:
        needed += ["series", "value"]
    elif not wide:
        needed += ["actual"]
    missing = [c for c in needed if c not in columns]
    if missing:
        problems.add(loc(None, 0, missing[0]), None,
                     "the columns id, year and actual and/or target (or series and value); "
                     f"missing: {', '.join(missing)}", sorted(str(c) for c in frame.columns))
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
        problems.add(loc(i, j, "id"), None, "an indicator id (snake_case, e.g. `ai_firms`)")
        return None
    try:
        ident = _text(ident)
    except _Bad as b:
        problems.add(loc(i, j, "id"), None, "an indicator id (snake_case, e.g. `ai_firms`)",
                     b.got)
        return None
    entry = entries.get(ident)
    if entry is None:
        entry = entries[ident] = {"id": ident, "meta": {}, "loc": {"id": loc(i, j, "id")},
                                  "cells": {}, "notes": [], "bad": False,
                                  "bad_cols": set()}
        if not ID_PATTERN.match(ident):
            problems.add(loc(i, j, "id"), ident,
                         "a snake_case id (lowercase letters, digits, underscores; "
                         "starting with a letter)", ident)
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
                         f"the same {col} on every row of the indicator "
                         f"({entry['meta'][col]!r} on {entry['loc'][col].text})", v)
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
                         f"one of {list(SERIES)}{_suggest(str(series), SERIES)}", cells[js])
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
                         f"each year at most once per series ({series} {year} is already on "
                         f"{entry['cells'][key][1].text})", year)
            entry["bad"] = True
            continue
        if (i, j) in percent:
            problems.add(loc(i, j, col), ident,
                         "a number in a General/Number cell: this cell is formatted as a "
                         "percentage, so Excel stores 12.5% as 0.125; type 12.5 (unit %) "
                         "in a cell formatted as a number", cells[j])
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
        problems.add(at("unit"), ident, "a unit for the indicator (e.g. 명, 건, 백만원, %)")
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
                         f"a `kind`, one of {list(KINDS)}: unit {meta['unit']!r} does not imply "
                         "one (kinds are inferred only for common units such as 명, 건, 원, %)")
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
                problems.add(cell, ident, f"a grade on the scale {list(scale)}", b.got)
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
                     f"both `bound_low` and `bound_high`, or neither (`{present[0]}` is given)")
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
                     "a `growth_prior` beside its `growth_prior_reason`")
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
        place.text = f"row {low.row}, columns `bound_low`, `bound_high`"
    elif field in _SCORING_FIELDS:
        place = at(_SCORING_FIELDS[field])
    else:
        base = field.split(".")[0].split("[")[0]
        place = at({"provenance": "source", "assumptions": "growth_prior"}.get(base, base)
                   or "id")
    return place


# ---------------------------------------------------------------- the template
#: Three indicators of the NIPA 2023–2027 plan (000_2bd331b0a6e88665.txt), values
#: as in the built-in catalog: the example of the template and of the docs.
_SRC = "000_2bd331b0a6e88665.txt"
_EXAMPLE = (
    ("metaverse_youth_talent", "메타버스 청년인재 육성", "Young metaverse professionals trained",
     "명", "count", "increase",
     "{type: uplift, rate: 0.2, text: 전년 목표치 대비 20% 상향된 도전적 목표치 설정}",
     {2021: ("1,641", "1,522"), 2022: ("1,056", "1,000"), 2023: ("", "1,200"),
      2024: ("", "1,460"), 2025: ("", "1,640"), 2026: ("", "1,940"), 2027: ("", "-")}),
    ("printing3d_commercialization_rate", "3D프린팅 기술활용 사업화 성공률",
     "Commercialization success rate of 3D-printing projects", "%", "", "increase", "",
     {2021: ("41.67", "36.63"), 2022: ("44.4", "40.29"), 2023: ("", "44.32"),
      2024: ("", "48.75"), 2025: ("", "53.63"), 2026: ("", "58.99"), 2027: ("", "64.29")}),
    ("violence_prevention_training_rate", "임직원 4대폭력 예방교육 이수율",
     "Staff completion rate of the four-violence prevention training", "%", "share", "maintain",
     "{type: fixed, value: 70, text: '국가기관, 지방자치단체 등 직원의 교육 이수율 70% 이상 필수'}",
     {2021: ("93", "70"), 2022: ("95.7", "70"), **{y: ("", "70") for y in range(2023, 2028)}}),
)
#: Columns of the example table, in order.
EXAMPLE_COLUMNS = ("id", "name_ko", "name_en", "unit", "kind", "direction", "year", "actual",
                   "target", "rule", "source")


def template_columns() -> tuple[str, ...]:
    """The header of the template: every known column of the wide layout."""
    return tuple(c for c in known_columns() if c not in ("series", "value"))


def example_rows() -> list[dict[str, str]]:
    """The example table (wide layout, metadata on each indicator's first row), as text cells."""
    out = []
    for ident, ko, en, unit, kind, direction, rule, years in _EXAMPLE:
        for k, (year, (actual, target)) in enumerate(years.items()):
            meta = (ko, en, unit, kind, direction) if k == 0 else ("",) * 5
            out.append(dict(zip(EXAMPLE_COLUMNS, (ident, *meta, str(year), actual, target,
                                                   rule if k == 0 else "",
                                                   _SRC if k == 0 else ""), strict=True)))
    return out


def _column_notes(lang: str) -> list[tuple[str, str, str, str, str]]:
    """(column, required, meaning, allowed, example) for every known column."""
    from kpisim._messages import keys, text

    first = example_rows()[0]
    examples = {**first, "series": "actual", "value": "1,641", "bound_low": "0",
                "bound_high": "100", "scale": "미흡|보통|우수", "kind": "count",
                "growth_prior": "{mu: 0.077, mu_sd: 0.058, sigma: 0.10, dof: 3}",
                "growth_prior_reason": "최근 3년간 CAGR(8%)", "note": "'22 실적 집계중"}
    required = {"id": "yes", "year": "yes", "unit": "yes", "actual": "layout",
                "target": "layout"}
    have = set(keys())
    rows = []
    for col in known_columns():
        meaning = f"frames.col.{col}.meaning"
        allowed = f"frames.col.{col}.allowed"
        rows.append((
            col,
            text(f"frames.required.{required.get(col, 'no')}", lang),
            text(meaning, lang) if meaning in have else "",
            text(allowed, lang) if allowed in have else "",
            str(examples.get(col, "")),
        ))
    return rows


def write_template(path: str | Path, *, lang: str = "ko") -> Path:
    """Write an empty, annotated catalog table to ``path`` (``.xlsx`` or ``.csv``).

    The ``.xlsx`` workbook has the sheet ``indicators`` (a header row of every
    known column, each header with a comment), ``columns`` (each column:
    required, meaning, allowed values and units, an example) and ``example``
    (three indicators of the NIPA plan). The ``.csv`` file has the same notes
    as ``#`` lines above its header (ignored when read). The file is written to
    a temporary name and renamed, so a failed write leaves no partial file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_template(pathlib.Path(tempfile.mkdtemp()) / "mine.csv", lang="en")
    >>> out.read_text(encoding="utf-8").splitlines()[-1].startswith("id,name_ko,")
    True
    """
    import os
    import tempfile

    from kpisim._messages import check_lang, text

    check_lang(lang)
    path = Path(path)
    suffix = path.suffix.lower()
    notes = _column_notes(lang)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        if suffix == ".csv":
            lines = [f"# {text('frames.template.intro', lang)}",
                     f"# {text('frames.template.csv_intro', lang)}"]
            for col, req, meaning, allowed, example in notes:
                parts = [p for p in (req, meaning, allowed) if p]
                lines.append(f"#   {col}: {' — '.join(parts)}"
                             + (f" (e.g. {example})" if example else ""))
            lines.append(f"# {text('frames.template.csv_example', lang)}")
            # no stray double quotes in comment lines (an unbalanced one would join lines)
            lines = [line.replace('"', "'") for line in lines]
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")  # balanced quoting, one line per row
            for row in example_rows()[:2]:
                w.writerow([row.get(c, "") for c in template_columns()])
            lines += ["#   " + line for line in buf.getvalue().splitlines()]
            text_out = "\n".join(lines)
            text_out += "\n" + ",".join(template_columns()) + "\n"
            Path(tmp).write_text(text_out, encoding="utf-8")
        else:
            _write_xlsx(Path(tmp), notes, lang)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _write_xlsx(path: Path, notes: list[tuple[str, ...]], lang: str) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from kpisim._messages import text
    wb = Workbook()
    data = wb.active
    data.title = text("frames.template.sheet_data", lang)
    bold = Font(bold=True)
    for j, (col, req, meaning, allowed, example) in enumerate(
            [n for n in notes if n[0] in template_columns()], start=1):
        cell = data.cell(row=1, column=j, value=col)
        cell.font = bold
        body = "\n".join(p for p in (req, meaning, allowed, f"e.g. {example}" if example else "")
                         if p)
        cell.comment = Comment(body, "kpisim", width=320, height=160)
        data.column_dimensions[_column_letter(j - 1)].width = max(10, len(col) + 4)
    for j in range(1, len(template_columns()) + 1):  # General cells, never percent
        data.cell(row=2, column=j).number_format = "General"
    data.freeze_panes = "A2"
    header = [n[0] for n in notes if n[0] in template_columns()]
    for col, options in (("kind", KINDS), ("direction", DIRECTIONS)):  # drop-down lists
        letter = _column_letter(header.index(col))
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"',
                            allow_blank=True)
        dv.add(f"{letter}2:{letter}5000")
        data.add_data_validation(dv)
    cols = wb.create_sheet(text("frames.template.sheet_columns", lang))
    cols.append([text("frames.template.intro", lang)])
    cols.append([])
    cols.append([text(f"frames.template.head_{k}", lang)
                 for k in ("column", "required", "meaning", "allowed", "example")])
    for c in cols[3]:
        c.font = bold
    for row in notes:
        cols.append(list(row))
    for letter, width in zip("ABCDE", (20, 16, 60, 60, 40), strict=True):
        cols.column_dimensions[letter].width = width
    for row in cols.iter_rows(min_row=4):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ex = wb.create_sheet(text("frames.template.sheet_example", lang))
    ex.append(list(EXAMPLE_COLUMNS))
    for c in ex[1]:
        c.font = bold
    for row in example_rows():
        ex.append([row[c] for c in EXAMPLE_COLUMNS])
    wb.save(path)
