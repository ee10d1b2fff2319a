"""Write docs/_static/example_catalog.csv and .xlsx from kpisim.catalog._template.example_rows().

Run from the repository root: ``python docs/scripts/make_example_catalog.py``.
``tests/test_frames.py`` checks that the files match the rows.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from kpisim.catalog._frames import _number
from kpisim.catalog._template import EXAMPLE_COLUMNS, example_rows

OUT = Path(__file__).resolve().parents[1] / "_static"


def _cell(col: str, text: str):
    """Excel cells hold numbers as numbers, as a user's sheet would."""
    if text == "":
        return None
    if col in ("year", "actual", "target") and text != "-":
        return _number(text)
    return text


def main() -> None:
    rows = example_rows()
    with (OUT / "example_catalog.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(EXAMPLE_COLUMNS)
        for r in rows:
            w.writerow([r[c] for c in EXAMPLE_COLUMNS])
    wb = Workbook()
    ws = wb.active
    ws.title = "indicators"
    ws.append(list(EXAMPLE_COLUMNS))
    for r in rows:
        ws.append([_cell(c, r[c]) for c in EXAMPLE_COLUMNS])
    wb.save(OUT / "example_catalog.xlsx")


if __name__ == "__main__":
    main()
