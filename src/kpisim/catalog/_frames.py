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
import itertools
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpisim import _messages
from kpisim._messages import Msg
from kpisim._validation import CatalogError, KpisimError, message_of
from kpisim.catalog._parse import growth_prior_problem
from kpisim.indicator import (
    DIRECTIONS,
    KINDS,
    MAX_UNIT_LENGTH,
    YEAR_RANGE,
    check_unit,
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
    the row, the column and the indicator). :meth:`in_lang` renders the list
    in Korean or English (``str`` is English).
    """

    def __init__(self, source: str, problems: list[CatalogError]) -> None:
        first = problems[0]
        self.problems = tuple(problems)
        self.source = source
        self.indicator = first.indicator
        self.field = first.field
        self.expected = first.expected
        self.got = first.got
        self.show_got = first.show_got
        self.line = first.line
        KpisimError.__init__(self, self.in_lang("en"))

    def in_lang(self, lang: str = "ko") -> str:
        """The message in ``lang``: the one problem, or a first line and one line per problem."""
        problems = self.problems
        if len(problems) == 1:
            return problems[0].in_lang(lang)
        text = _messages.text
        lines = [text("errors.table.problems", lang, source=self.source, n=len(problems))]
        for p in problems[:MAX_LISTED]:
            lines.append("  - " + _describe(p, lang))
        if len(problems) > MAX_LISTED:
            lines.append("  " + text("errors.table.more", lang, n=len(problems) - MAX_LISTED))
        return "\n".join(lines)


def _describe(p: CatalogError, lang: str) -> str:
    """One problem without its file name (nor its line), in ``lang``."""
    return CatalogError(source=None, indicator=p.indicator, field=p.field,
                        expected=p.expected, got=p.got, show_got=p.show_got).in_lang(lang)


_NO_GOT = object()


def _shown(v: Any) -> Any:
    """A cell value short enough to quote in a message."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**20:
        return Msg("errors.got.digits", n=len(str(abs(v))))
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
        self.items.append(((where.row, where.col), err))

    def raise_if_any(self) -> None:
        if self.items:
            ordered = [e for _, e in sorted(self.items, key=lambda t: t[0])]
            raise CatalogErrors(self.source, ordered)


class _Loc:
    """A cell's name: ``row 5, column `value``` (and ``(cell D5)`` for Excel).

    ``text`` is a catalogue message (English as ``str``; ``5행, `value` 열`` in Korean),
    built when first read: a table names thousands of cells and only bad ones are shown.
    """

    __slots__ = ("_text", "col", "letter", "name", "row")

    def __init__(self, row: int, col: int, name: str, letter: str | None = None) -> None:
        self.row, self.col = row, col
        self.name, self.letter = name, letter
        self._text: Msg | None = None

    @property
    def text(self) -> Msg:
        """The cell's name, e.g. ``row 5, column `value```."""
        if self._text is None:
            row, name, letter = self.row, self.name, self.letter
            self._text = (Msg("errors.table.cell_excel", row=row, column=name,
                              cell=f"{letter}{row}")
                          if letter else Msg("errors.table.cell", row=row, column=name))
        return self._text

    @text.setter
    def text(self, value: Msg) -> None:
        self._text = value


def _suggest(name: str, options: Any) -> Msg | str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return Msg("expected.did_you_mean", name=close[0]) if close else ""


# ---------------------------------------------------------------- reading files
def _file_error(path: Path, expected: str, got: Any = _NO_GOT) -> CatalogErrors:
    err = CatalogError(source=str(path), indicator=None, field=None, expected=expected,
                       got=None if got is _NO_GOT else got, show_got=got is not _NO_GOT)
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
            raise _file_error(path, Msg("expected.csv_cp949")) from e
        raise _file_error(path, Msg("expected.csv_utf8"),
                          Msg("errors.got.not_utf8", byte=f"{data[e.start]:02x}",
                              offset=e.start)) from e


def _read_csv(path: Path) -> pd.DataFrame:
    text = _decode(path, path.read_bytes())
    if "\x00" in text:
        raise _file_error(path, Msg("expected.csv_text"), Msg("errors.got.nul_bytes"))
    lines: list[list[str]] = []
    line_of: list[int] = []  # the file line each record starts on (a quoted cell may span lines)
    reader = csv.reader(io.StringIO(text, newline=""))
    end = 0
    try:
        for cells in reader:
            line_of.append(end + 1)
            end = reader.line_num
            lines.append(cells)
    except csv.Error as e:
        raise _file_error(path, Msg("expected.csv_well_formed"), str(e)) from e
    # lines starting with '#' before the header are comments (the template's notes)
    start = 0
    while start < len(lines) and (not any(c.strip() for c in lines[start])
                                  or lines[start][0].lstrip().startswith("#")):
        start += 1
    if start == len(lines):
        raise _file_error(path, Msg("expected.header_and_rows"), Msg("errors.got.empty_file"))
    header = lines[start]
    if len(header) == 1:  # one cell: another separator (Excel's ';' in some locales, a tab)
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if header[0].count(sep) >= 2:
                raise _file_error(path, Msg("expected.comma_separated"),
                                  Msg("errors.got.header_separated",
                                      by=Msg(f"errors.got.sep_{name}"),
                                      header=repr(header[0][:60])))
    if len(header) > MAX_COLUMNS:
        raise _file_error(path, Msg("expected.most_columns", most=MAX_COLUMNS),
                          Msg("errors.got.columns", n=len(header)))
    data = lines[start + 1:]
    if len(data) > MAX_ROWS:
        raise _file_error(path, Msg("expected.most_rows", most=f"{MAX_ROWS:,}"),
                          Msg("errors.got.more"))
    used = [False] * len(header)  # columns holding a value on some row
    for cells in data:
        for j, c in enumerate(cells[: len(header)]):
            used[j] = used[j] or bool(c.strip())
    rows = []
    numbers = []
    ragged: list[CatalogError] = []
    for k, cells in enumerate(data, start=start + 2):
        if len(cells) != len(header) and any(c.strip() for c in cells):
            problem = _ragged_row(path, header, used, cells, k, line_of[k - 1])
            if problem is not None:
                ragged.append(problem)
        rows.append(cells[: len(header)] + [""] * (len(header) - len(cells)))
        numbers.append(k)
    if ragged:
        raise CatalogErrors(str(path), ragged)
    frame = pd.DataFrame(rows, columns=pd.Index(header, dtype=object), dtype=object)
    frame.attrs[_ROWS_ATTR] = numbers
    frame.attrs[_HEADER_ATTR] = start + 1
    return frame


#: Two cells that were one number with a thousands separator: ``1`` and ``100`` of ``1,100``.
_SPLIT_NUMBER = re.compile(r"[+-]?\d{1,3}"), re.compile(r"\d{3}(?:\.\d*)?")


def _ragged_row(path: Path, header: list[str], used: list[bool], cells: list[str], row: int,
                line: int) -> CatalogError | None:
    """The problem of a data row whose number of cells differs from the header's; None if none.

    A row with more cells than the header is refused: its cells no longer
    line up with the columns, and the usual cause, a number written with an
    unquoted thousands separator (``1,100``), would otherwise read as two
    values in two columns. A row with fewer cells is read as if the cells
    missing at its end were empty (some programs drop trailing empty cells)
    only when that cannot matter: when every column it lacks is empty on
    every row. Otherwise a comma may be missing in the middle of the row,
    which slides the later cells one column left (a target read as the
    actual), so the row is refused. A ``#`` line is left to the id check.
    """
    width = len(header)
    if len(cells) < width and cells and cells[0].lstrip().startswith("#"):
        return None
    if len(cells) < width and not any(used[len(cells):]):
        return None
    names = [h.strip().lower() for h in header]
    j = names.index("id") if "id" in names else len(cells)
    ident = cells[j].strip() or None if j < len(cells) else None
    if len(cells) > width:
        split = [f"{a},{b}" for a, b in itertools.pairwise(cells)
                 if _SPLIT_NUMBER[0].fullmatch(a.strip()) and _SPLIT_NUMBER[1].fullmatch(b.strip())]
        if split:
            seen: Msg | str = Msg("expected.row_cells_split", split=split[0])
        elif not any(c.strip() for c in cells[width:]):
            seen = Msg("expected.row_cells_trailing")
        else:
            seen = ""
        expected = Msg("expected.row_cells_more", width=width, seen=seen)
    else:
        missing = [h.strip() or f"#{j + 1}" for j, h in enumerate(header)
                   if j >= len(cells) and used[j]]
        shown = ", ".join(f"`{h}`" for h in missing[:8]) + (", …" if len(missing) > 8 else "")
        expected = Msg("expected.row_cells_fewer", width=width, shown=shown)
    return CatalogError(source=str(path), indicator=ident, field=Msg("errors.table.row", row=row),
                        expected=expected, got=Msg("errors.got.cells", n=len(cells)), line=line)


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _read_excel(path: Path, sheet: str | int) -> pd.DataFrame:
    if path.suffix.lower() == ".xls":
        try:
            frame = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object)
        except ImportError as e:
            raise _file_error(path, Msg("expected.xls_needs_xlrd"), str(e)) from e
        except Exception as e:  # xlrd raises many types on damaged files
            raise _file_error(path, Msg("expected.readable_sheet"),
                              f"{type(e).__name__}: {e}") from e
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
        raise _file_error(path, Msg("expected.readable_workbook"),
                          f"{type(e).__name__}: {e}") from e
    try:
        names = values.sheetnames
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise _file_error(path, Msg("expected.sheet_index", last=len(names) - 1), sheet)
            sheet = names[sheet]
        if sheet not in names:
            raise _file_error(path, Msg("expected.sheet_name", names=names), sheet)
        ws_f, ws_v = with_formulas[sheet], values[sheet]
        grid, numbers, percent, unsaved = [], [], set(), []
        for r, (row_f, row_v) in enumerate(zip(ws_f.iter_rows(), ws_v.iter_rows(), strict=False),
                                           start=1):
            if len(row_v) > MAX_COLUMNS and any(c.value is not None
                                                for c in row_v[MAX_COLUMNS:]):
                raise _file_error(path, Msg("expected.most_columns", most=MAX_COLUMNS),
                                  Msg("errors.got.beyond_column", most=MAX_COLUMNS, row=r))
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
                raise _file_error(path, Msg("expected.most_rows", most=f"{MAX_ROWS:,}"),
                                  Msg("errors.got.more"))
    except KpisimError:
        raise
    except Exception as e:  # a damaged sheet inside a readable workbook
        raise _file_error(path, Msg("expected.readable_workbook"),
                          f"{type(e).__name__}: {e}") from e
    finally:
        with_formulas.close()
        values.close()
    if unsaved:
        shown = ", ".join(unsaved[:20]) + (" …" if len(unsaved) > 20 else "")
        raise _file_error(path, Msg("expected.saved_values"),
                          Msg("errors.got.unsaved_cells", sheet=repr(sheet), cells=shown))
    return _grid_frame(path, grid, numbers, percent, sheet=str(sheet))


def _grid_frame(path: Path, grid: list[list[Any]], numbers: list[int], percent: set,
                sheet: str | None = None) -> pd.DataFrame:
    def blank(v: Any) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    start = next((i for i, row in enumerate(grid) if not all(blank(v) for v in row)), None)
    if start is None:
        empty = (Msg("errors.got.sheet_empty", sheet=repr(sheet)) if sheet is not None
                 else Msg("errors.got.the_sheet_empty"))
        raise _file_error(path, Msg("expected.header_and_rows"), empty)
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
        raise _file_error(path, Msg("expected.existing_file")) from e
    except OSError as e:
        raise _file_error(path, Msg("expected.readable_file"), str(e)) from e
    if not path.is_file():
        raise _file_error(path, Msg("expected.regular_file"))
    if size > MAX_BYTES:
        raise _file_error(path, Msg("expected.table_size", mb=MAX_BYTES // 2**20),
                          Msg("errors.got.bytes", size=f"{size:,}"))
    try:
        if path.suffix.lower() == ".csv":
            return _read_csv(path)
        return _read_excel(path, sheet)
    except OSError as e:
        raise _file_error(path, Msg("expected.readable_file"), str(e)) from e


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
    def expected(hint: Msg | str = "") -> Msg:  # built only for a bad cell
        return Msg("expected.cell_number", most=f"{MAX_ABS:.0e}", hint=hint)

    if isinstance(v, bool) or isinstance(v, _dt.date | _dt.time | _dt.timedelta | pd.Timestamp):
        raise _Bad(expected(), v)
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, str):
        text = v.strip().replace("\u00a0", "")
        if text.lower() in EXCEL_ERRORS:
            raise _Bad(Msg("expected.cell_excel_error"), v)
        if _THOUSANDS_RE.match(text):
            text = text.replace(",", "")
        if _INT_RE.match(text):
            if len(text.lstrip("+-")) > 18:
                raise _Bad(expected(), v)
            v = int(text)
        elif _FLOAT_RE.match(text):
            v = float(text)
        else:
            hint = Msg("expected.cell_number_no_percent") if text.endswith("%") else ""
            raise _Bad(expected(hint), v)
    if isinstance(v, int) and not isinstance(v, bool):
        if abs(v) >= MAX_ABS:
            raise _Bad(expected(Msg("expected.cell_number_larger_unit")), v)
        return v
    if isinstance(v, float):
        if not math.isfinite(v) or abs(v) >= MAX_ABS:
            raise _Bad(expected(Msg("expected.cell_number_no_nan")), v)
        return v
    raise _Bad(expected(), v)


def _text(v: Any) -> str:
    if isinstance(v, bool) or isinstance(v, _dt.date | _dt.time):
        raise _Bad(Msg("expected.cell_text"), v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    if len(text) > MAX_CELL:
        raise _Bad(Msg("expected.cell_text_length", most=MAX_CELL), v)
    return text


def _year(v: Any) -> int:
    lo, hi = YEAR_RANGE
    def expected() -> Msg:  # built only for a bad cell
        return Msg("expected.year_cell", lo=lo, hi=hi)

    if isinstance(v, bool) or isinstance(v, _dt.date | _dt.time):
        raise _Bad(expected(), v)
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str) and re.fullmatch(r"[0-9]{1,4}", v.strip()):
        v = int(v.strip())
    if not isinstance(v, int) or not lo <= v <= hi:
        raise _Bad(expected(), v)
    return v


def _yaml_mapping(v: Any, what: Msg) -> dict:
    """A ``{key: value}`` cell read with the catalog's YAML loader (JSON works too).

    ``what`` names the value (``Msg("expected.rule_noun")`` or
    ``Msg("expected.growth_prior.noun")``).
    """
    import yaml

    from kpisim._safeio import StrictLoader

    def expected() -> Msg:  # built only for a bad cell
        example = ("{type: cagr, rate: 0.08}" if what == "a rule" else "{mu: 0.077, "
                   "mu_sd: 0.058, sigma: 0.10, dof: 3}")
        return Msg("expected.cell_as_mapping", what=what, example=example)

    if not isinstance(v, str):
        raise _Bad(expected(), v)
    if len(v) > MAX_CELL:
        raise _Bad(Msg("expected.cell_length", what=what, most=MAX_CELL), v)
    try:
        depth = 0
        for event in yaml.parse(v, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise _Bad(Msg("expected.cell_no_aliases", what=what), v)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > 10:
                    raise _Bad(Msg("expected.cell_nesting", what=what), v)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        data = yaml.load(v, Loader=StrictLoader)
    except yaml.YAMLError as e:
        from kpisim._safeio import yaml_error_text

        msg = Msg("expected.cell_yaml", expected=expected(), detail=yaml_error_text(e, v))
        raise _Bad(msg, v) from e
    if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
        raise _Bad(expected(), v)
    return dict(data)


def _rule(v: Any) -> dict:
    from kpisim.rules import rule_from_dict

    data = _yaml_mapping(v, Msg("expected.rule_noun"))
    try:
        rule_from_dict(data)
    except KpisimError as e:
        # the reason is given whole: quoted as `got` it would be cut in the middle
        raise _Bad(Msg("expected.rule_valid_table", reason=message_of(e))) from e
    return data


def _growth_prior(v: Any) -> dict:
    data = _yaml_mapping(v, Msg("expected.growth_prior.noun"))
    problem = growth_prior_problem(data)
    if problem is not None:
        raise _Bad(*problem)
    return data


def _choice(options: tuple[str, ...]):
    def parse(v: Any) -> str:
        text = _text(v).lower()
        if text not in options:
            raise _Bad(Msg("expected.one_of", options=list(options),
                           hint=_suggest(text, options)), v)
        return text

    return parse


def _unit(v: Any) -> str:
    unit = check_unit(_text(v))
    if unit is None:
        raise _Bad(Msg("expected.unit", most=MAX_UNIT_LENGTH), v)
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
