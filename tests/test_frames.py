"""Tables (CSV, Excel, DataFrame) to catalogs: the analyst's own indicators.

Every bad cell is reported, all at once, with its row (header = row 1), its
column and its indicator; the docs' example files load and simulate; the
template round-trips; units are an open vocabulary with the kind inferred and
stated.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

import kpisim
from kpisim import CatalogError
from kpisim.catalog._template import (
    EXAMPLE_COLUMNS,
    example_rows,
    template_columns,
    write_template,
)
from kpisim.cli import main

DOCS = Path(__file__).resolve().parents[1] / "docs"
EXAMPLE_CSV = DOCS / "_static" / "example_catalog.csv"
EXAMPLE_XLSX = DOCS / "_static" / "example_catalog.xlsx"

COLUMNS = ["id", "name_ko", "name_en", "unit", "kind", "direction", "year", "actual", "target",
           "bound_low", "bound_high", "scale", "rule", "growth_prior", "growth_prior_reason",
           "source", "note"]
GOOD = [  # rows 2, 3, 4 of the sheet
    {"id": "visits", "name_ko": "방문 건수", "unit": "건", "kind": "count",
     "direction": "increase", "year": "2021", "actual": "120", "source": "plan.txt"},
    {"id": "visits", "year": "2022", "actual": "135", "note": "'22 잠정"},
    {"id": "visits", "year": "2025", "target": "170"},
]


def write_csv(path: Path, rows: list[dict], columns: list[str] = COLUMNS) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def problems_of(path_or_frame) -> list[CatalogError]:
    load = (kpisim.Catalog.from_frame if isinstance(path_or_frame, pd.DataFrame)
            else kpisim.load_catalog)
    with pytest.raises(CatalogError) as info:
        load(path_or_frame)
    return list(getattr(info.value, "problems", [info.value]))


def test_good_table_loads(tmp_path):
    cat = kpisim.load_catalog(write_csv(tmp_path / "mine.csv", GOOD))
    ind = cat["visits"]
    assert ind.actuals == {2021: 120, 2022: 135}
    assert ind.targets == {2025: 170}
    assert (ind.unit, ind.kind, ind.direction, ind.name_ko) == ("건", "count", "increase",
                                                                 "방문 건수")
    assert ind.provenance.source == "plan.txt"
    assert ind.provenance.notes == ("'22 잠정",)
    assert ind.assumptions == ()  # kind was given: nothing inferred


# (label, row index in GOOD (or None: the header), column, new cell, indicator, expected text)
BAD_CELLS = [
    ("id not snake_case", 2, "id", "Visits-1", "Visits-1", "snake_case"),
    ("id empty", 1, "id", "", None, "an indicator id"),
    ("id too long", 1, "id", "a" * 5000, None, "an indicator id"),
    ("year superscript digit", 1, "year", "²", "visits", "a year as an integer"),
    ("year Arabic-Indic digits", 1, "year", "٢٠٢٢", "visits", "a year as an integer"),
    ("actual Arabic-Indic digits", 1, "actual", "١٢", "visits", "a finite number"),
    ("year text", 1, "year", "twenty", "visits", "a year as an integer"),
    ("year fraction", 1, "year", "2022.5", "visits", "a year as an integer"),
    ("year out of range", 1, "year", "1800", "visits", "1990–2100"),
    ("actual text", 1, "actual", "many", "visits", "a finite number"),
    ("actual with %", 1, "actual", "12%", "visits", "no % sign"),
    ("actual inf", 1, "actual", "inf", "visits", "a finite number"),
    ("actual nan text", 1, "actual", "nan", "visits", "a finite number"),
    ("actual 1e308", 1, "actual", "1e308", "visits", "magnitude below"),
    ("actual 401 digits", 1, "actual", "9" * 401, "visits", "magnitude below"),
    ("actual 19 digits", 1, "actual", "1" * 19, "visits", "magnitude below"),
    ("actual Excel error", 1, "actual", "#DIV/0!", "visits", "Excel error value"),
    ("actual negative count", 1, "actual", "-3", "visits", "non-negative count"),
    ("target text", 2, "target", "lots", "visits", "a finite number"),
    ("target -inf", 2, "target", "-inf", "visits", "a finite number"),
    ("unit too long", 0, "unit", "단" * 41, "visits", "a unit"),
    ("unit missing", 0, "unit", "", "visits", "a unit for the indicator"),
    ("kind misspelled", 0, "kind", "cnt", "visits", "did you mean `count`?"),
    ("direction misspelled", 0, "direction", "increse", "visits", "did you mean `increase`?"),
    ("direction unknown", 0, "direction", "sideways", "visits", "one of"),
    ("bound_low alone", 0, "bound_low", "0", "visits", "both `bound_low` and `bound_high`"),
    ("bound_high alone", 0, "bound_high", "200", "visits", "both `bound_low` and `bound_high`"),
    ("bounds reversed", 0, "bound_low", "500", "visits", "low < high"),  # with bound_high 200
    ("bound_low text", 0, "bound_low", "zero", "visits", "a finite number"),
    ("bound_high inf", 0, "bound_high", "inf", "visits", "a finite number"),
    ("scale for a count", 0, "scale", "C|B|A", "visits", "no scale unless kind is `grade`"),
    ("rule unknown type", 0, "rule", "{type: magic}", "visits", "a valid rule"),
    ("rule not a mapping", 0, "rule", "cagr 8%", "visits", "a rule as a mapping"),
    ("rule broken YAML", 0, "rule", "{type: cagr, rate: [", "visits", "a rule as a mapping"),
    ("rule YAML alias", 0, "rule", "{type: &a cagr, rate: *a}", "visits", "without YAML aliases"),
    ("growth prior incomplete", 0, "growth_prior", "{mu: 0.05}", "visits", "a growth prior"),
    ("growth prior bad sd", 0, "growth_prior", "{mu: 0.05, mu_sd: -1, sigma: 0.1, dof: 3}",
     "visits", "a growth prior"),
    ("growth prior extra key", 0, "growth_prior",
     "{mu: 0.05, mu_sd: 0.1, sigma: 0.1, dof: 3, x: 1}", "visits", "only the keys"),
    ("reason without prior", 0, "growth_prior_reason", "CAGR 8%", "visits", "a `growth_prior`"),
    ("name_ko too long", 0, "name_ko", "가" * 5000, "visits", "at most 4000 characters"),
    ("name_en too long", 0, "name_en", "a" * 5000, "visits", "at most 4000 characters"),
    ("source too long", 0, "source", "s" * 5000, "visits", "at most 4000 characters"),
    ("note too long", 1, "note", "n" * 5000, "visits", "at most 4000 characters"),
    ("metadata disagrees", 1, "unit", "명", "visits", "the same unit on every row"),
    ("duplicate year", 1, "year", "2021", "visits", "each year at most once"),
]


@pytest.mark.parametrize(("label", "i", "column", "cell", "indicator", "expected"), BAD_CELLS,
                         ids=[b[0] for b in BAD_CELLS])
def test_bad_cell_names_row_column_and_indicator(tmp_path, label, i, column, cell, indicator,
                                                 expected):
    rows = [dict(r) for r in GOOD]
    rows[i][column] = cell
    where = f"row {i + 2}, column `{column}`"
    if label == "bound_low alone":  # the missing one is named
        where = f"row {i + 2}, column `bound_high`"
    if label == "bound_high alone":
        where = f"row {i + 2}, column `bound_low`"
    if label == "bounds reversed":
        rows[i]["bound_high"] = "200"
        where = f"row {i + 2}, columns `bound_low`, `bound_high`"
    path = write_csv(tmp_path / "bad.csv", rows)
    found = problems_of(path)
    assert len(found) == 1, [str(p) for p in found]
    p = found[0]
    assert p.source == str(path)
    assert p.indicator == indicator
    assert p.field == where
    assert expected in str(p)


def test_same_bad_cells_in_excel_name_the_cell(tmp_path):
    rows = [dict(r) for r in GOOD]
    rows[1]["actual"] = "many"
    rows[2]["target"] = "-inf"
    path = tmp_path / "bad.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for r in rows:
        ws.append([r.get(c) or None for c in COLUMNS])
    wb.save(path)
    found = problems_of(path)
    col_actual = "H"  # `actual` is the 8th column
    col_target = "I"
    assert [p.field for p in found] == [f"row 3, column `actual` (cell {col_actual}3)",
                                       f"row 4, column `target` (cell {col_target}4)"]


def test_all_problems_at_once(tmp_path):
    rows = [dict(r) for r in GOOD]
    rows[0]["direction"] = "increse"
    rows[1]["year"] = "twenty"
    rows[2]["target"] = "lots"
    rows.append({"id": "other", "unit": "widgets", "year": "2021", "actual": "1"})
    path = write_csv(tmp_path / "bad.csv", rows, [*COLUMNS, "directon"])
    with pytest.raises(CatalogError) as info:
        kpisim.load_catalog(path)
    err = info.value
    fields = [p.field for p in err.problems]
    assert fields == [
        "row 1, column `directon`",
        "row 2, column `direction`",
        "row 3, column `year`",
        "row 4, column `target`",
        "row 5, column `kind`",
    ]
    msg = str(err)
    assert msg.startswith(f"{path}: 5 problems in the table")
    assert "did you mean `direction`?" in msg
    assert "unit 'widgets' does not imply one" in msg
    # the error keeps CatalogError's attributes (those of the first problem)
    assert (err.source, err.field) == (str(path), "row 1, column `directon`")


def test_misspelled_column_is_refused_not_ignored(tmp_path):
    """`directon` used to be ignored: the direction silently stayed `increase`."""
    rows = [dict(r) for r in GOOD]
    rows[0]["directon"] = "decrease"
    path = write_csv(tmp_path / "mine.csv", rows, [*COLUMNS, "directon"])
    (p,) = problems_of(path)
    assert p.field == "row 1, column `directon`"
    assert "did you mean `direction`?" in str(p)


@pytest.mark.parametrize(("cell", "value"), [("1,100", 1100), ("1e5", 100000.0),
                                             ("12.5", 12.5), ("-", None), ("NA", None),
                                             ("n/a", None), ("null", None), (" 1,234.5 ", 1234.5)])
def test_number_and_missing_cells(tmp_path, cell, value):
    rows = [dict(r) for r in GOOD]
    rows[0]["kind"] = "level"
    rows[1]["actual"] = cell
    cat = kpisim.load_catalog(write_csv(tmp_path / "mine.csv", rows))
    assert cat["visits"].actuals[2022] == value
    assert cat["visits"].actuals[2022].__class__ is value.__class__


def test_empty_wide_cell_gives_nothing_dash_gives_null(tmp_path):
    rows = [dict(r) for r in GOOD]
    rows[2]["actual"] = "-"
    cat = kpisim.load_catalog(write_csv(tmp_path / "mine.csv", rows))
    assert cat["visits"].actuals == {2021: 120, 2022: 135, 2025: None}
    assert 2021 not in cat["visits"].targets


# ----------------------------------------------------------------- files
def test_cp949_csv_is_named(tmp_path):
    path = tmp_path / "korean.csv"
    path.write_bytes("id,year,actual,unit\nvisits,2021,3,건\n".encode("cp949"))
    (p,) = problems_of(path)
    assert "CP949/EUC-KR" in str(p)
    assert "CSV UTF-8" in str(p)


def test_other_non_utf8_csv_names_the_byte(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("id,year,actual,unit\nvisits,2021,3,caf\xe9\n".encode("latin-1"))
    (p,) = problems_of(path)
    assert "UTF-8" in str(p)
    assert "0xe9" in str(p)


def test_utf8_bom_is_accepted(tmp_path):
    path = write_csv(tmp_path / "bom.csv", GOOD)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert kpisim.load_catalog(path)["visits"].actuals[2021] == 120


@pytest.mark.parametrize("text", ["", "\n\n", "id,year,actual,unit\n", "# a note\nid,year\n"])
def test_empty_or_header_only_csv_is_an_error(tmp_path, text):
    path = tmp_path / "empty.csv"
    path.write_text(text, encoding="utf-8")
    (p,) = problems_of(path)
    assert "empty" in str(p)


def test_damaged_workbook_is_an_error(tmp_path):
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(b"not a zip file")
    (p,) = problems_of(path)
    assert "a readable .xlsx/.xlsm workbook" in str(p)


def test_empty_sheet_is_an_error(tmp_path):
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    (p,) = problems_of(path)
    assert "is empty" in str(p)


def test_formula_without_saved_result_names_the_cell(tmp_path):
    path = tmp_path / "formula.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "year", "actual", "unit"])
    ws.append(["visits", 2021, 120, "건"])
    ws.append(["visits", 2022, "=C2*1.1", "건"])  # openpyxl saves no cached result
    wb.save(path)
    (p,) = problems_of(path)
    assert "cells C3" in str(p)
    assert "formula" in str(p)


def test_excel_error_and_percent_cells(tmp_path):
    path = tmp_path / "cells.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "year", "actual", "unit"])
    ws.append(["rate", 2021, 0.125, "%"])
    ws["C2"].number_format = "0.0%"
    ws.append(["rate", 2022, "#N/A", "%"])
    wb.save(path)
    found = problems_of(path)
    assert [p.field for p in found] == ["row 2, column `actual` (cell C2)",
                                       "row 3, column `actual` (cell C3)"]
    assert "formatted as a percentage" in str(found[0])
    assert "Excel error value" in str(found[1])


def test_ragged_csv_row_is_an_error(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,year,actual,unit\nvisits,2021,3,건,extra\n", encoding="utf-8")
    (p,) = problems_of(path)
    assert "line 2" in str(p)


def test_unheaded_column_with_values_is_an_error(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("id,year,actual,unit,\nvisits,2021,3,건,oops\n", encoding="utf-8")
    (p,) = problems_of(path)
    assert p.field == "row 1, column `#5`"


def test_missing_required_columns():
    (p,) = problems_of(pd.DataFrame({"id": ["a"], "unit": ["개"]}))
    assert "missing: year, actual" in str(p)


def test_tidy_layout_and_series_typo():
    frame = pd.DataFrame({"id": ["a", "a"], "year": [2021, 2022], "series": ["actual", "actaul"],
                          "value": [1, 2], "unit": "개"})
    (p,) = problems_of(frame)
    assert p.field == "row 3, column `series`"
    assert "did you mean `actual`?" in str(p)


# ----------------------------------------------------------------- units and kinds
@pytest.mark.parametrize(("unit", "kind"), [("백만원", "level"), ("천원", "level"),
                                            ("일", "level"), ("회", "count"), ("명", "count"),
                                            ("억불", "level"), ("점", "level"), ("%p", "ratio")])
def test_open_units_with_inferred_kind(tmp_path, unit, kind):
    rows = [dict(r) for r in GOOD]
    rows[0].update(unit=unit, kind="")
    ind = kpisim.load_catalog(write_csv(tmp_path / "mine.csv", rows))["visits"]
    assert (ind.unit, ind.kind) == (unit, kind)
    (a,) = ind.assumptions
    assert a.field == "kind"
    assert a.statement == f"kind `{kind}` inferred from unit `{unit}`"


def test_percent_kind_follows_the_values(tmp_path):
    rows = [dict(r) for r in GOOD]
    rows[0].update(unit="%", kind="")
    assert kpisim.load_catalog(write_csv(tmp_path / "a.csv", rows))["visits"].kind == "ratio"
    rows[0]["actual"], rows[1]["actual"], rows[2]["target"] = "41.67", "44.4", "48.75"
    assert kpisim.load_catalog(write_csv(tmp_path / "b.csv", rows))["visits"].kind == "share"


def test_dash_is_a_unit_not_a_missing_cell(tmp_path):
    rows = [dict(r) for r in GOOD]
    rows[0].update(unit="-", kind="level")
    assert kpisim.load_catalog(write_csv(tmp_path / "mine.csv", rows))["visits"].unit == "-"
    rows[0]["kind"] = ""
    (p,) = problems_of(write_csv(tmp_path / "nokind.csv", rows))
    assert p.field == "row 2, column `kind`"


def test_explicit_kind_wins_and_any_unit_text_is_kept(tmp_path):
    rows = [dict(r) for r in GOOD]
    rows[0].update(unit="kWh/가구", kind="level")
    ind = kpisim.load_catalog(write_csv(tmp_path / "mine.csv", rows))["visits"]
    assert (ind.unit, ind.kind, ind.assumptions) == ("kWh/가구", "level", ())


def test_yaml_catalog_infers_kind_too():
    cat = kpisim.Catalog.from_yaml(
        "indicators:\n  - {id: budget, name_ko: 예산, unit: 백만원, actual: {2021: 5}}\n"
    )
    assert cat["budget"].kind == "level"
    assert cat["budget"].assumptions[0].field == "kind"
    back = kpisim.Catalog.from_yaml(cat.to_yaml())  # the assumption round-trips once
    assert back["budget"] == cat["budget"]


def test_indicator_refuses_an_empty_unit():
    with pytest.raises(CatalogError, match="a unit"):
        kpisim.Indicator(id="a", name_ko="a", unit=" ", kind="count")


# ----------------------------------------------------------------- growth prior and rule
def test_rule_and_growth_prior_columns(tmp_path):
    rows = [dict(r) for r in GOOD]
    rows[0]["rule"] = '{"type": "cagr", "rate": 0.08}'  # JSON is YAML too
    rows[0]["growth_prior"] = "{mu: 0.077, mu_sd: 0.058, sigma: 0.10, dof: 3}"
    rows[0]["growth_prior_reason"] = "최근 3년간 CAGR(8%)"
    ind = kpisim.load_catalog(write_csv(tmp_path / "mine.csv", rows))["visits"]
    assert ind.rule.type == "cagr"
    assert ind.rule.rate == 0.08
    (a,) = ind.assumptions
    assert a.field == "growth_prior"
    assert a.reason == "최근 3년간 CAGR(8%)"
    assert a.value == {"mu": 0.077, "mu_sd": 0.058, "sigma": 0.10, "dof": 3}
    sim = kpisim.simulate(kpisim.load_catalog(tmp_path / "mine.csv"), n_paths=2000, rng=1,
                          prior="declared")
    used = sim.assumptions()
    assert used["statement"].str.contains("table column `growth_prior`").any()


# ----------------------------------------------------------------- docs example and template
def test_docs_example_files_match_the_example_rows():
    with EXAMPLE_CSV.open(encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    assert tuple(lines[0]) == EXAMPLE_COLUMNS
    assert [dict(zip(EXAMPLE_COLUMNS, r, strict=True)) for r in lines[1:]] == example_rows()
    wb = load_workbook(EXAMPLE_XLSX, read_only=True)
    try:
        xlsx = list(wb.active.iter_rows(values_only=True))
    finally:
        wb.close()  # a read-only workbook keeps its file open until closed
    assert len(xlsx) == len(lines)


def test_user_journey_docs_example_to_probabilities():
    """docs example xlsx → load_catalog → simulate → P; same as the built-in indicators."""
    mine = kpisim.load_catalog(EXAMPLE_XLSX)
    assert mine == mine  # a Catalog
    assert list(mine) == ["metaverse_youth_talent", "printing3d_commercialization_rate",
                          "violence_prevention_training_rate"]
    assert kpisim.load_catalog(EXAMPLE_CSV).indicators == mine.indicators
    builtin = kpisim.load_catalog()
    for ind in mine.values():  # the values the seed document gives (built-in catalog)
        ref = builtin[ind.id]
        assert (dict(ind.actuals), dict(ind.targets)) == (dict(ref.actuals), dict(ref.targets))
        assert (ind.unit, ind.kind, ind.direction) == (ref.unit, ref.kind, ref.direction)
    assert mine["printing3d_commercialization_rate"].assumptions[0].field == "kind"
    sim = kpisim.simulate(mine, n_paths=4000, rng=7)
    p = sim.prob_meet(year=2025).set_index("id")["prob"]
    assert p.between(0, 1).all()
    assert len(p) == 3
    ref = kpisim.simulate(kpisim.Catalog(tuple(builtin[i] for i in mine)), n_paths=4000, rng=7)
    pd.testing.assert_series_equal(p, ref.prob_meet(year=2025).set_index("id")["prob"])


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_template_round_trip(tmp_path, suffix):
    path = write_template(tmp_path / f"mine{suffix}", lang="en")
    with pytest.raises(CatalogError, match="at least one data row"):
        kpisim.load_catalog(path)  # unfilled: an error, not an empty catalog
    row = {"id": "cost", "name_ko": "운영비", "unit": "백만원", "direction": "decrease",
           "year": 2024, "actual": "1,200", "target": 1100}
    if suffix == ".xlsx":
        wb = load_workbook(path)
        ws = wb["indicators"]
        header = [c.value for c in ws[1]]
        assert tuple(header) == template_columns()
        assert all(c.comment is not None for c in ws[1])
        lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
        assert lists == {'"count,level,share,ratio,grade"', '"increase,decrease,maintain"'}
        assert wb.sheetnames == ["indicators", "columns", "example"]
        ws.append([row.get(c) for c in header])
        wb.save(path)
    else:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ")
        header = text.splitlines()[-1].split(",")
        with path.open("a", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerow([row.get(c, "") for c in header])
    ind = kpisim.load_catalog(path)["cost"]
    assert (ind.actuals, ind.targets) == ({2024: 1200}, {2024: 1100})
    assert (ind.unit, ind.kind, ind.direction) == ("백만원", "level", "decrease")


def test_template_example_sheet_loads(tmp_path):
    path = write_template(tmp_path / "mine.xlsx")
    cat = kpisim.read_indicators(path, sheet="example")
    assert cat.indicators == kpisim.load_catalog(EXAMPLE_XLSX).indicators


# ----------------------------------------------------------------- CLI
def test_cli_template(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--out", str(out), "--lang", "en"]) == 0
    assert out.exists()
    assert "template written to" in capsys.readouterr().out
    assert main(["template", "--out", str(out)]) == 2  # exists
    assert "--force" in capsys.readouterr().err
    assert main(["template", "--out", str(out), "--force", "--quiet"]) == 0
    assert main(["template", "--out", str(tmp_path / "t.txt")]) == 2


def test_cli_run_on_targets_outside_2023_2027(tmp_path, capsys):
    """A valid catalog whose targets miss 2023–2027 runs (it exited 2: nothing to score)."""
    path = tmp_path / "late.yaml"
    path.write_text(
        "indicators:\n"
        "  - {id: late, name_ko: 늦은 목표, unit: 명, tags: {key: [evaluation]},\n"
        "     actual: {2019: 100, 2020: 110, 2021: 120, 2022: 125}, target: {2029: 200}}\n",
        encoding="utf-8")
    code = main(["run", "--catalog", str(path), "--paths", "2000", "--no-report", "--scores",
                 "--lang", "en"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "2029" in out.out
    assert "late: unit `명` → kind `count`" in out.out  # the inferred kind is stated
