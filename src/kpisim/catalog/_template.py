"""The annotated catalog template (``kpisim catalog --template``) and its example.

:func:`write_template` writes the ``.xlsx`` workbook or ``.csv`` file whose
columns are :func:`kpisim.catalog._frames.known_columns`; the example rows
(three indicators of the NIPA plan) are also the docs' example table.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO

from kpisim.catalog._frames import (
    _column_letter,
    known_columns,
)
from kpisim.indicator import (
    DIRECTIONS,
    KINDS,
)

__all__ = ["EXAMPLE_COLUMNS", "example_rows", "template_columns", "write_template"]


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
    from kpisim._messages import check_lang, text
    from kpisim._safeio import atomic_write

    check_lang(lang)
    path = Path(path)
    suffix = path.suffix.lower()
    notes = _column_notes(lang)
    with atomic_write(path, "wb") as f:  # a temporary file beside it, then renamed
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
            f.write(text_out.encode("utf-8"))
        else:
            _write_xlsx(f, notes, lang)
    return path


def _write_xlsx(path: Path | IO[bytes], notes: list[tuple[str, ...]], lang: str) -> None:
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
