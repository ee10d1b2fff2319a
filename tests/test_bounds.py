"""`bounds` on indicators: validation, the default policy, catalogs and data."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kpisim
from kpisim import Bounds, CatalogError, Indicator


def make(**kw) -> Indicator:
    base = {"id": "score", "name_ko": "만족도", "unit": "점", "kind": "level"}
    return Indicator(**{**base, **kw})


# ------------------------------------------------------------------ validation
def test_bounds_stored_as_float_tuple():
    ind = make(actuals={2021: 8.5}, bounds=[0, 10])
    assert ind.bounds == (0.0, 10.0)
    assert all(type(x) is float for x in ind.bounds)
    assert make().bounds is None


def test_bounds_exported():
    assert kpisim.Bounds is kpisim.indicator.Bounds
    assert "Bounds" in kpisim.indicator.__all__
    assert "Bounds" in kpisim.__all__


@pytest.mark.parametrize(
    "bounds",
    [
        (10, 0),
        (5, 5),
        (0, math.nan),
        (math.nan, 10),
        (0, math.inf),
        (-math.inf, 0),
        (True, 10),
        (0, False),
        (0, "10"),
        (0,),
        (0, 5, 10),
        "0,10",
        10,
        {"low": 0, "high": 10},
    ],
)
def test_bad_bounds_refused(bounds):
    with pytest.raises(CatalogError) as info:
        make(bounds=bounds)
    assert info.value.indicator == "score"
    assert info.value.field == "bounds"
    assert "`score`" in str(info.value)


@pytest.mark.parametrize(("series", "arg"), [("actual", "actuals"), ("target", "targets")])
@pytest.mark.parametrize("value", [10.5, -0.1, 100])
def test_value_outside_bounds_names_indicator_year_value(series, arg, value):
    with pytest.raises(CatalogError) as info:
        make(**{arg: {2021: 5, 2024: value}}, bounds=(0, 10))
    err = info.value
    assert err.indicator == "score"
    assert err.field == f"{series}.2024"
    assert err.got == value
    msg = str(err)
    assert "2024" in msg
    assert repr(value) in msg
    assert "[0, 10]" in msg


def test_values_on_the_bounds_and_missing_values_are_accepted():
    ind = make(actuals={2020: 0, 2021: None}, targets={2022: 10.0}, bounds=(0, 10))
    assert ind.bounds == (0.0, 10.0)


def test_grade_with_bounds_refused():
    with pytest.raises(CatalogError, match=r"indicator `g`, field `bounds`: expected no bounds"):
        Indicator(
            id="g", name_ko="등급", unit="등급", kind="grade", scale=("B", "A"), bounds=(0, 1)
        )


def test_replace_revalidates():
    from dataclasses import replace

    ind = make(actuals={2021: 50})
    with pytest.raises(CatalogError, match=r"actual\.2021"):
        replace(ind, bounds=(0, 10))


@given(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
def test_only_increasing_pairs_accepted(low, high):
    if low < high:
        assert make(bounds=(low, high)).bounds == (low, high)
    else:
        with pytest.raises(CatalogError):
            make(bounds=(low, high))


# -------------------------------------------------------------- default policy
def test_explicit_bounds_come_from_the_catalog():
    b = make(actuals={2021: 8.5}, bounds=(0, 10)).resolved_bounds()
    assert b == Bounds(0.0, 10.0, "catalog", b.statement)
    assert "[0, 10]" in b.statement
    assert "catalog `bounds`" in b.statement


def test_share_defaults_to_0_100():
    ind = Indicator(id="s", name_ko="비율", unit="%", kind="share", actuals={2021: 40})
    b = ind.resolved_bounds()
    assert (b.low, b.high, b.source) == (0.0, 100.0, "default")
    assert "share" in b.statement
    assert "assumption" in b.statement


def test_share_with_explicit_bounds_uses_them():
    ind = Indicator(id="s", name_ko="비율", unit="%", kind="share", bounds=(0, 50))
    assert ind.resolved_bounds().source == "catalog"
    assert ind.resolved_bounds().high == 50.0


def test_score_up_to_10_defaults_to_0_10():
    b = make(actuals={2021: 8.5}, targets={2027: 9.1}).resolved_bounds()
    assert (b.low, b.high, b.source) == (0.0, 10.0, "default")
    assert "점-score assumed to be out of 10" in b.statement
    assert "set `bounds` in the catalog" in b.statement


def test_score_up_to_100_defaults_to_0_100():
    b = make(actuals={2021: 8.5}, targets={2027: 94.5}).resolved_bounds()
    assert (b.low, b.high, b.source) == (0.0, 100.0, "default")
    assert "out of 100" in b.statement


@pytest.mark.parametrize(
    "values", [{2021: 150.0}, {2021: -1.0, 2022: 5.0}, {}, {2021: None}]
)
def test_score_without_an_evident_scale_is_unbounded(values):
    assert make(actuals=values).resolved_bounds() is None


def test_ratio_above_100_is_unbounded():
    ind = Indicator(
        id="r", name_ko="참여율", unit="%", kind="ratio", actuals={2021: 192}, targets={2027: 192}
    )
    assert ind.bounds is None
    assert ind.resolved_bounds() is None


@pytest.mark.parametrize(("kind", "unit"), [("count", "개"), ("level", "억원"), ("ratio", "%")])
def test_other_kinds_are_unbounded(kind, unit):
    ind = Indicator(id="x", name_ko="x", unit=unit, kind=kind, actuals={2021: 5})
    assert ind.resolved_bounds() is None


def test_grade_has_no_bounds():
    ind = Indicator(id="g", name_ko="등급", unit="점", kind="grade", scale=("B", "A"))
    assert ind.resolved_bounds() is None


# ------------------------------------------------------------------------ YAML
YAML = """
catalog: {name: t, title: test}
indicators:
  - id: score
    name_ko: 만족도 점수
    unit: 점
    kind: level
    bounds: [0, 10]
    actual: {2021: 8.5}
    target: {2027: 9.1}
"""


def write(tmp_path: Path, text: str, name: str = "cat.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_yaml_bounds_parsed(tmp_path):
    ind = kpisim.load_catalog(write(tmp_path, YAML))["score"]
    assert ind.bounds == (0.0, 10.0)
    assert ind.resolved_bounds().source == "catalog"


def test_yaml_without_bounds_is_none(tmp_path):
    ind = kpisim.load_catalog(write(tmp_path, YAML.replace("    bounds: [0, 10]\n", "")))["score"]
    assert ind.bounds is None
    assert ind.resolved_bounds().source == "default"


@pytest.mark.parametrize(
    ("bounds", "field"),
    [
        ("[0, x]", "bounds"),
        ("[10, 0]", "bounds"),
        ("[0, .nan]", "bounds"),
        ("[0, true]", "bounds"),
        ("10", "bounds"),
        ("[0, 5]", "actual.2021"),
        ("[0, 9]", "target.2027"),
    ],
)
def test_yaml_bad_bounds_name_file_indicator_field(tmp_path, bounds, field):
    path = write(tmp_path, YAML.replace("bounds: [0, 10]", f"bounds: {bounds}"))
    with pytest.raises(CatalogError) as info:
        kpisim.load_catalog(path)
    err = info.value
    assert (err.source, err.indicator, err.field) == (str(path), "score", field)
    msg = str(err)
    assert str(path) in msg
    assert "`score`" in msg
    assert f"`{field}`" in msg


def test_yaml_grade_with_bounds_refused(tmp_path):
    text = """
    indicators:
      - id: grade
        name_ko: 평가
        unit: 등급
        kind: grade
        scale: [보통, 우수]
        bounds: [0, 1]
    """
    path = write(tmp_path, text)
    with pytest.raises(CatalogError, match=r"cat.yaml, indicator `grade`, field `bounds`"):
        kpisim.load_catalog(path)


def test_yaml_round_trip_keeps_bounds(tmp_path):
    cat = kpisim.load_catalog(write(tmp_path, YAML))
    back = kpisim.Catalog.from_yaml(cat.to_yaml())
    assert back["score"] == cat["score"]
    assert back["score"].bounds == (0.0, 10.0)


# -------------------------------------------------------------------- CSV/Excel
def frame(**extra) -> pd.DataFrame:
    data = {
        "id": ["score", "score", "other"],
        "year": [2021, 2027, 2021],
        "actual": [8.5, None, 3.0],
        "target": [None, 9.1, None],
        "unit": ["점", "점", "개"],
        "kind": ["level", "level", "count"],
        "bound_low": [0, None, None],
        "bound_high": [10, 10, None],
    }
    data.update(extra)
    return pd.DataFrame(data)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_table_bounds_parsed(tmp_path, suffix):
    path = tmp_path / f"mine{suffix}"
    f = frame()
    f.to_csv(path, index=False) if suffix == ".csv" else f.to_excel(path, index=False)
    cat = kpisim.read_indicators(path)
    assert cat["score"].bounds == (0.0, 10.0)
    assert cat["other"].bounds is None


def test_table_without_bound_columns(tmp_path):
    path = tmp_path / "mine.csv"
    frame().drop(columns=["bound_low", "bound_high"]).to_csv(path, index=False)
    assert kpisim.read_indicators(path)["score"].bounds is None


@pytest.mark.parametrize(
    ("extra", "field", "expected"),
    [
        ({"bound_high": ["x", None, None]}, "row 2, column `bound_high`", "a finite number"),
        ({"bound_high": [10, 20, None]}, "row 3, column `bound_high`", "the same bound_high"),
        ({"bound_low": [None, None, None]}, "row 2, column `bound_low`", "both"),
        ({"bound_low": [10, None, None]}, "row 2, columns `bound_low`, `bound_high`", "low < high"),
        ({"bound_high": [5, 5, None]}, "row 2, column `actual`", "inside `bounds` [0, 5]"),
    ],
)
def test_table_bad_bounds_name_file_indicator_field(tmp_path, extra, field, expected):
    path = tmp_path / "bad.csv"
    frame(**extra).to_csv(path, index=False)
    with pytest.raises(CatalogError) as info:
        kpisim.read_indicators(path)
    err = info.value
    assert (err.source, err.indicator, err.field) == (str(path), "score", field)
    msg = str(err)
    assert "bad.csv" in msg
    assert "`score`" in msg
    assert expected in msg


def test_table_round_trip_keeps_bounds(tmp_path):
    cat = kpisim.Catalog.from_frame(frame())
    table = cat.to_frame(meta=True)
    assert {"bound_low", "bound_high"} <= set(table.columns)
    path = tmp_path / "back.csv"
    table.to_csv(path, index=False)
    back = kpisim.read_indicators(path)
    assert back["score"].bounds == (0.0, 10.0)
    assert back["other"].bounds is None
    assert kpisim.Catalog.from_frame(table)["score"] == cat["score"]


# ------------------------------------------------------------ built-in catalogs
@pytest.mark.parametrize("name", [None, *kpisim.catalog.available_catalogs()])
def test_builtin_values_lie_inside_their_bounds(name):
    cat = kpisim.load_catalog(name)
    assert len(cat) > 0
    for ind in cat.values():
        b = ind.resolved_bounds()
        if b is None:
            continue
        assert b.low < b.high
        for v in (*ind.actuals.values(), *ind.targets.values()):
            if v is not None:
                assert b.low <= float(v) <= b.high, (ind.id, v, b)


def test_regional_digital_loads():
    assert "regional_digital" in kpisim.catalog.available_catalogs()
    assert len(kpisim.load_catalog("regional_digital")) > 0


@pytest.mark.parametrize(
    ("ident", "bounds"),
    [
        ("oda_satisfaction", (0.0, 10.0)),
        ("overseas_center_satisfaction", (0.0, 100.0)),
        ("public_sw_procurement_maturity", (0.0, 100.0)),
        ("disabled_employment_ratio", (0.0, 100.0)),
        ("veterans_hiring_ratio", (0.0, 100.0)),
    ],
)
def test_builtin_explicit_bounds(ident, bounds):
    ind = kpisim.load_catalog()[ident]
    assert ind.bounds == bounds
    assert ind.resolved_bounds().source == "catalog"
    assert any(a.field == "bounds" for a in ind.assumptions)


@pytest.mark.parametrize(
    "ident",
    ["it_sharing_participation_rate", "sw_quality_capability_improvement",
     "ai_chip_performance_per_watt"],
)
def test_builtin_ratios_above_100_stay_unbounded(ident):
    ind = kpisim.load_catalog()[ident]
    assert ind.bounds is None
    assert ind.resolved_bounds() is None


def test_regional_relative_level_stays_unbounded():
    ind = kpisim.load_catalog("regional_digital")["vulnerable_group_digital_level"]
    assert ind.resolved_bounds() is None
