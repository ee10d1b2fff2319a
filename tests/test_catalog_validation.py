"""Bad catalogs raise CatalogError naming the file, the indicator and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

import kpisim
from kpisim import CatalogError

GOOD = """
catalog: {name: t, title: test}
indicators:
  - id: firms
    name_ko: 기업 수
    unit: 개
    kind: count
    actual: {2021: 10, 2022: 12}
    target: {2023: 13, 2024: 14}
"""


def write(tmp_path: Path, text: str, name: str = "cat.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def bad(tmp_path: Path, replace: tuple[str, str]) -> Path:
    old, new = replace
    assert old in GOOD, old
    return write(tmp_path, GOOD.replace(old, new))


def test_good_catalog_loads(tmp_path):
    cat = kpisim.load_catalog(write(tmp_path, GOOD))
    assert list(cat) == ["firms"]
    assert cat["firms"].actual.loc[2022] == 12
    assert cat.name == "t"


@pytest.mark.parametrize(
    ("replace", "field", "expected"),
    [
        (("kind: count", "kind: blob"), "kind", "one of"),
        (("unit: 개", "unit: ''"), "unit", "a unit"),  # any unit text is accepted, not ''
        (("unit: 개", "unit: 5"), "unit", "a unit"),
        (("2022: 12}", "2022: '1,2'}"), "actual.2022", "a number"),
        (("2022: 12}", "2022: .nan}"), "actual.2022", "finite"),
        (("2022: 12}", "2022: .inf}"), "actual.2022", "finite"),
        (("2024: 14}", "2024: -3}"), "target.2024", "non-negative"),
        (("2024: 14}", "2124: 14}"), "target", "1990–2100"),
        (("2024: 14}", "'x': 14}"), "target", "integer"),
    ],
)
def test_field_errors_name_file_indicator_field(tmp_path, replace, field, expected):
    path = bad(tmp_path, replace)
    with pytest.raises(CatalogError) as info:
        kpisim.load_catalog(path)
    err = info.value
    assert err.source == str(path)
    assert err.indicator == "firms"
    assert err.field == field
    msg = str(err)
    assert str(path) in msg
    assert "`firms`" in msg
    assert f"`{field}`" in msg
    assert expected in msg


def test_duplicate_year_is_refused(tmp_path):
    path = bad(tmp_path, ("2022: 12}", "2022: 12, 2022: 13}"))
    with pytest.raises(CatalogError, match=r"duplicate key 2022 at line \d+"):
        kpisim.load_catalog(path)


def test_duplicate_year_as_string_and_int(tmp_path):
    path = bad(tmp_path, ("2022: 12}", "2022: 12, '2022': 13}"))
    with pytest.raises(CatalogError, match=r"field `actual`: expected each year"):
        kpisim.load_catalog(path)


def test_missing_id(tmp_path):
    path = write(tmp_path, GOOD.replace("- id: firms\n    name_ko", "- name_ko"))
    with pytest.raises(CatalogError, match=r"field `id`: expected a snake_case id"):
        kpisim.load_catalog(path)


def test_bad_id(tmp_path):
    path = bad(tmp_path, ("id: firms", "id: Firms-2"))
    with pytest.raises(CatalogError, match="snake_case"):
        kpisim.load_catalog(path)


def test_share_above_100(tmp_path):
    path = bad(tmp_path, ("kind: count", "kind: share"))
    path.write_text(path.read_text().replace("2024: 14", "2024: 100.5"))
    with pytest.raises(CatalogError, match=r"target.2024`: expected a share in \[0, 100\]"):
        kpisim.load_catalog(path)


def test_duplicate_indicator_across_files(tmp_path):
    d = tmp_path / "cat"
    d.mkdir()
    write(d, GOOD, "a.yaml")
    write(d, GOOD.replace("catalog: {name: t, title: test}\n", ""), "b.yaml")
    with pytest.raises(CatalogError, match=r"b.yaml, indicator `firms`.*already defined"):
        kpisim.load_catalog(d)


def test_unknown_field(tmp_path):
    path = bad(tmp_path, ("kind: count", "kind: count\n    colour: red"))
    with pytest.raises(CatalogError, match=r"only the fields") as e:
        kpisim.load_catalog(path)
    assert "did you mean" not in str(e.value)  # nothing close to `colour`


def test_a_misspelled_field_gets_the_field_it_is_close_to(tmp_path):
    """`actuals:` and `targets:` (plural) were refused without a word on what to write."""
    path = write(tmp_path, GOOD.replace("actual:", "actuals:").replace("target:", "targets:"))
    with pytest.raises(CatalogError) as e:
        kpisim.load_catalog(path)
    assert "(did you mean `actuals` → `actual`, `targets` → `target`?)" in str(e.value)
    assert "(혹시 `actuals` → `actual`, `targets` → `target`인가요?)" in e.value.in_lang("ko")


def test_grade_value_off_scale(tmp_path):
    text = GOOD.replace("kind: count", "kind: grade\n    scale: [C, B, A]").replace(
        "unit: 개", "unit: 등급"
    )
    text = text.replace("{2021: 10, 2022: 12}", "{2021: B, 2022: Z}").replace(
        "{2023: 13, 2024: 14}", "{2023: A}"
    )
    with pytest.raises(CatalogError, match=r"actual.2022`: expected a grade on the scale"):
        kpisim.load_catalog(write(tmp_path, text))


def test_bad_rule_is_a_catalog_error(tmp_path):
    path = bad(tmp_path, ("kind: count", "kind: count\n    rule: {type: magic}"))
    with pytest.raises(CatalogError, match=r"field `rule`: expected a valid rule"):
        kpisim.load_catalog(path)


def test_invalid_yaml(tmp_path):
    path = write(tmp_path, "indicators: [\n  - id: x\n")
    with pytest.raises(CatalogError, match="valid YAML"):
        kpisim.load_catalog(path)


def test_missing_path():
    with pytest.raises(CatalogError, match="built-in catalog name"):
        kpisim.load_catalog("no/such/catalog.yaml")


def test_unknown_top_level_key(tmp_path):
    path = write(tmp_path, GOOD + "extra: 1\n")
    with pytest.raises(CatalogError, match="only the top-level keys"):
        kpisim.load_catalog(path)


def test_frame_errors_name_row_and_column(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["a", "a", "a"],
            "year": [2021, 2022, "twenty"],
            "series": ["actual", "actual", "target"],
            "value": [1.0, 2.0, 3.0],
            "unit": ["개"] * 3,
            "kind": ["count"] * 3,
        }
    )
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(
        CatalogError, match=r"mine.csv, indicator `a`, row 4, column `year`: expected a year"
    ):
        kpisim.load_catalog(path)


def test_frame_bad_series(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["a"],
            "year": [2021],
            "series": ["forecast"],
            "value": [1.0],
            "unit": ["개"],
            "kind": ["count"],
        }
    )
    with pytest.raises(CatalogError, match=r"row 2, column `series`"):
        kpisim.Catalog.from_frame(frame)


def test_frame_missing_columns():
    with pytest.raises(CatalogError, match=r"expected the columns"):
        kpisim.Catalog.from_frame(pd.DataFrame({"id": ["a"]}))


def test_frame_conflicting_metadata():
    frame = pd.DataFrame(
        {
            "id": ["a", "a"],
            "year": [2021, 2022],
            "series": ["actual"] * 2,
            "value": [1.0, 2.0],
            "unit": ["개", "명"],
            "kind": ["count"] * 2,
        }
    )
    with pytest.raises(CatalogError, match=r"row 3, column `unit`: expected the same unit"):
        kpisim.Catalog.from_frame(frame)


def test_frame_value_validated_like_yaml():
    frame = pd.DataFrame(
        {
            "id": ["a"],
            "year": [2021],
            "series": ["actual"],
            "value": [150.0],
            "unit": ["%"],
            "kind": ["share"],
        }
    )
    with pytest.raises(CatalogError,
                       match=r"indicator `a`, row 2, column `value`: expected a share"):
        kpisim.Catalog.from_frame(frame)


def test_wide_layout_accepted():
    frame = pd.DataFrame(
        {
            "id": ["a", "a"],
            "year": [2021, 2022],
            "actual": [1.0, None],
            "target": [None, 2.0],
            "unit": ["개", "개"],
            "kind": ["count", "count"],
        }
    )
    cat = kpisim.Catalog.from_frame(frame)
    # an empty cell of the wide layout gives nothing (`-` or NA would give null)
    assert cat["a"].actuals == {2021: 1.0}
    assert cat["a"].targets == {2022: 2.0}


def test_unknown_indicator_lookup_is_keyerror_with_hint(tmp_path):
    cat = kpisim.load_catalog(write(tmp_path, GOOD))
    with pytest.raises(KeyError, match=r"no indicator `firm`.*similar"):
        cat["firm"]


def test_excel_round_trip(tmp_path):
    cat = kpisim.load_catalog(write(tmp_path, GOOD))
    path = tmp_path / "cat.xlsx"
    cat.to_frame(meta=True).to_excel(path, index=False)
    back = kpisim.load_catalog(path)
    assert back["firms"].actuals == cat["firms"].actuals
    assert back["firms"].targets == cat["firms"].targets
    assert back["firms"].unit == "개"


def test_read_indicators_csv_and_excel(tmp_path):
    frame = pd.DataFrame({"id": ["visits"] * 3, "year": [2021, 2022, 2025],
                          "actual": [120, 135, None], "target": [None, None, 170],
                          "unit": "건", "kind": "count", "name_ko": "방문 건수"})
    csv = tmp_path / "mine.csv"
    frame.to_csv(csv, index=False)
    xlsx = tmp_path / "mine.xlsx"
    frame.to_excel(xlsx, index=False)
    for path in (csv, xlsx):
        cat = kpisim.read_indicators(path)
        assert cat.name == "mine"
        assert cat["visits"].actuals == {2021: 120.0, 2022: 135.0}
        assert cat["visits"].name_ko == "방문 건수"


def test_read_indicators_names_the_bad_cell(tmp_path):
    frame = pd.DataFrame({"id": ["a", "a"], "year": [2021, 2022], "actual": [1.0, "many"],
                          "unit": "개", "kind": "count"})
    path = tmp_path / "bad.xlsx"
    frame.to_excel(path, index=False)
    with pytest.raises(CatalogError,
                       match=r"bad.xlsx, indicator `a`, row 3, column `actual` \(cell C3\)"):
        kpisim.read_indicators(path)


def test_read_indicators_refuses_other_files(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(CatalogError, match=r"a .csv or Excel"):
        kpisim.read_indicators(path)


def test_result_tables_export_to_csv_excel_parquet(tmp_path):
    cat = kpisim.load_catalog().headline()
    sim = kpisim.simulate(cat, n_paths=4096, rng=1)
    table = sim.prob_meet()
    table.to_parquet(tmp_path / "p.parquet")
    table.to_excel(tmp_path / "p.xlsx", index=False)
    table.to_csv(tmp_path / "p.csv", index=False)
    back = pd.read_parquet(tmp_path / "p.parquet")
    pd.testing.assert_frame_equal(back, table)
    assert len(pd.read_excel(tmp_path / "p.xlsx")) == len(pd.read_csv(tmp_path / "p.csv"))


def test_numeric_targets_leave_out_unknown_and_named_targets():
    # read from the seed table by hand: ai_firms' targets are 2,000 ('24),
    # 2,700 ('27) and 3,500 ('30); a grade's named targets are not numbers
    cat = kpisim.load_catalog()
    assert cat["ai_firms"].numeric_targets() == {2024: 2000.0, 2027: 2700.0, 2030: 3500.0}
    assert cat["external_evaluation"].numeric_targets() == {}


def _direction_notes(ind) -> list:
    return [a for a in ind.assumptions if a.field == "direction"]


def test_a_direction_not_stated_is_an_assumption_not_a_silent_default(tmp_path):
    """A user's catalog without `direction` was read as 'increase' with no word:
    wrong for a lower-is-better indicator, and invisible. (The built-in
    catalogs label their own direction readings; those are not labelled twice.)"""
    cat = kpisim.load_catalog(write(tmp_path, GOOD))
    (note,) = _direction_notes(cat["firms"])
    assert cat["firms"].direction == "increase"
    assert note.value == {"direction": "increase", "stated": False}
    assert "direction: decrease" in note.reason_ko  # how to change it, in Korean
    stated = kpisim.load_catalog(write(tmp_path, GOOD.replace(
        "kind: count", "kind: count\n    direction: increase"), "stated.yaml"))
    assert _direction_notes(stated["firms"]) == []
    own = kpisim.load_catalog(write(tmp_path, GOOD.replace("kind: count", (
        "kind: count\n    assumptions:\n      - {field: direction, statement: more is better,"
        " reason: the plan expands it}")), "own.yaml"))
    assert [a.statement for a in _direction_notes(own["firms"])] == ["more is better"]
    grade = kpisim.load_catalog(write(tmp_path, """
        catalog: {name: g, title: g}
        indicators:
          - id: evaluation
            name_ko: 기관평가
            unit: 등급
            kind: grade
            scale: [미흡, 보통, 우수]
            actual: {2021: 보통}
            target: {2027: 우수}
        """, "grade.yaml"))
    assert _direction_notes(grade["evaluation"]) == []  # a grade's scale says it
    # the YAML round trip keeps the note once, not twice
    again = kpisim.Catalog.from_yaml(cat.to_yaml())
    assert len(_direction_notes(again["firms"])) == 1
    assert again["firms"] == cat["firms"]


def test_a_table_without_direction_states_the_same_assumption(tmp_path):
    frame = pd.DataFrame({"id": ["days", "days"], "year": [2021, 2024],
                          "actual": [30.0, None], "target": [None, 20.0], "unit": ["일", "일"]})
    cat = kpisim.Catalog.from_frame(frame)
    assert len(_direction_notes(cat["days"])) == 1
    sim = kpisim.simulate(cat, n_paths=1000, rng=1)
    assert (sim.assumptions()["field"] == "direction").any()  # shown with the results


def test_a_direction_set_after_loading_survives_the_table_round_trip(tmp_path):
    """The table writer blanked `direction` whenever the loader's note was there,
    so a direction set since (decrease) came back as increase."""
    import dataclasses

    loaded = kpisim.load_catalog(write(tmp_path, GOOD))["firms"]
    changed = dataclasses.replace(loaded, direction="decrease")
    back = kpisim.Catalog.from_frame(kpisim.Catalog([changed]).to_frame(meta=True))
    assert back["firms"].direction == "decrease"
    same = kpisim.Catalog.from_frame(kpisim.Catalog([loaded]).to_frame(meta=True))
    assert same["firms"] == loaded  # the unstated one stays unstated
