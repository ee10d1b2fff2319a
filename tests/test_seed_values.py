"""The built-in catalog against the seed document itself.

Each strategic-task indicator's row is found in the source text by its
verbatim label and its nine cells ('21 목표, '21 실적, '22 목표, '22 실적,
'23…'27) are parsed independently of the catalog code and compared with the
catalog values. The seed files live in ``../shared/seeds`` beside the
repository (as in CI); without them the test is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kpisim


def _find_seeds() -> Path:
    """``shared/seeds`` beside the repository, or beside any ancestor (a git worktree)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "seeds").is_dir():
            return parent / "shared" / "seeds"
    return Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


SEEDS = _find_seeds()
CORE = SEEDS / "000_2bd331b0a6e88665.txt"
COLUMNS = [(2021, "target"), (2021, "actual"), (2022, "target"), (2022, "actual"),
           (2023, "target"), (2024, "target"), (2025, "target"), (2026, "target"),
           (2027, "target")]

pytestmark = pytest.mark.skipif(not CORE.exists(), reason=f"seed document not found at {CORE}")


def table_rows() -> dict[str, list[str]]:
    """label → its nine cells, from the '3. 전략과제 목표지표' tables only."""
    rows: dict[str, list[str]] = {}
    inside = False
    for line in CORE.read_text(encoding="utf-8").splitlines():
        if "전략과제 목표지표" in line:
            inside = True
        elif "목표치 산출근거" in line:
            inside = False
        elif inside and line.startswith("▪"):
            cells = line.split("\t")
            rows[cells[0]] = [c.strip() for c in cells[1:10]]
    return rows


def parse(cell: str) -> list[object]:
    """A cell as the document writes it: numbers, '-' → None, grade words."""
    if cell == "" or cell.startswith("-"):
        return [None]
    cell = cell.replace("^(e)", "").strip()
    parts = [p.strip() for p in cell.split("/")]
    out: list[object] = []
    for p in parts:
        if re.fullmatch(r"[\d,]+(\.\d+)?", p):
            out.append(float(p.replace(",", "")))
        else:
            out.append(p)
    return out


def test_every_task_table_row_is_in_the_catalog():
    rows = table_rows()
    assert len(rows) == 64  # 5 + 8 + 7 + 7 + 8 + 7 + 5 + 17
    catalog = kpisim.load_catalog()
    labels = {ind.provenance.label for ind in catalog.values() if ind.tags.task}
    missing = sorted(set(rows) - labels)
    assert not missing, missing


def test_catalog_values_equal_the_seed_cells():
    rows = table_rows()
    catalog = kpisim.load_catalog()
    checked = 0
    for label, cells in rows.items():
        inds = [i for i in catalog.values()
                if i.provenance.label == label and i.tags.task is not None]
        inds.sort(key=lambda i: i.id)  # split cells: _a is the first number, _b the second
        for (year, series), cell in zip(COLUMNS, cells, strict=True):
            values = parse(cell)
            if len(values) == 1:
                values = values * len(inds)
            assert len(values) == len(inds), (label, cell)
            for ind, expected in zip(inds, values, strict=True):
                got = (ind.targets if series == "target" else ind.actuals).get(year)
                if isinstance(expected, float) and got is not None and not isinstance(got, str):
                    assert float(got) == expected, (ind.id, year, series, got, cell)
                else:
                    assert got == expected, (ind.id, year, series, got, cell)
                checked += 1
    assert checked >= 64 * 9


@pytest.mark.parametrize(
    ("ident", "year", "series", "value"),
    [  # typed in from the document by hand
        ("ai_firms", 2021, "actual", 1100),
        ("ai_firms", 2030, "target", 3500),
        ("ict_sw_exports", 2027, "target", 175),
        ("sw_adoption_rate", 2030, "target", 80.0),
        ("regional_digital_new_jobs", 2027, "target", 246),
        ("oda_satisfaction", 2027, "target", 9.10),
        ("metaverse_global_contracts", 2026, "target", 30),
        ("digital_innovation_talent", 2021, "actual", 27437),
        ("management_evaluation_grade", 2021, "actual", "D"),
    ],
)
def test_hand_checked_values(ident, year, series, value):
    ind = kpisim.load_catalog()[ident]
    got = (ind.targets if series == "target" else ind.actuals)[year]
    assert got == value
    assert (SEEDS / ind.provenance.source).exists()


def test_regional_goals():
    cat = kpisim.load_catalog("regional_digital")
    assert cat["regional_digital_gdp"].actuals[2020] == 10.5
    assert cat["regional_digital_gdp"].targets[2027] == 30
    assert cat["regional_digital_talent_retention"].actuals[2021] == 40.1
    assert cat["vulnerable_group_digital_level"].targets[2027] == 83
