"""The catalog fields `related` and `undated_goals`: parsing, validation, display.

Every bad input must raise CatalogError naming the indicator and the field.
"""

from __future__ import annotations

import dataclasses

import pytest

import kpisim
from kpisim import CatalogError
from kpisim.catalog import Catalog, parse_indicator
from kpisim.cli import main
from kpisim.indicator import Indicator, Related, UndatedGoal


def entry(ident: str = "a", **extra) -> dict:
    return {"id": ident, "name_ko": "지표", "unit": "개", "kind": "count",
            "actual": {2021: 1}, "target": {2023: 2}, **extra}


def catalog(*entries: dict) -> Catalog:
    return Catalog.from_yaml(
        __import__("yaml").safe_dump({"indicators": list(entries)}, allow_unicode=True),
        source="links.yaml",
    )


# ------------------------------------------------------------------ related
def test_related_is_parsed_and_symmetric():
    cat = catalog(
        entry("a", related=[{"id": "b", "relation": "narrower definition; same programme"}]),
        entry("b"),
        entry("c"),
    )
    assert cat["a"].related == (Related("b", "narrower definition; same programme"),)
    assert [(i.id, r) for i, r in cat.related("a")] == [
        ("b", "narrower definition; same programme")]
    # stated once, found from both ends
    assert [i.id for i, _ in cat.related("b")] == ["a"]
    assert cat.related("c") == ()


def test_related_survives_filtering_and_yaml_round_trip():
    cat = catalog(entry("a", related=[{"id": "b", "relation": "same series"}]), entry("b"))
    only_a = cat.filter(lambda i: i.id == "a")  # b is outside the selection
    assert [i.id for i, _ in only_a.related("a")] == ["b"]
    again = Catalog.from_yaml(cat.to_yaml())
    assert again["a"].related == cat["a"].related


@pytest.mark.parametrize(
    ("related", "field", "expected"),
    [
        ([{"id": "zzz", "relation": "x"}], "related[0].id", "in this catalog"),
        ([{"id": "a", "relation": "x"}], "related[0].id", "not itself"),
        ([{"id": "b", "relation": "x"}, {"id": "b", "relation": "y"}], "related[1].id", "once"),
        ([{"id": "Bad Id", "relation": "x"}], "related[0].id", "snake_case"),
        ([{"id": "b"}], "related[0].relation", "non-empty"),
        ([{"id": "b", "relation": "  "}], "related[0].relation", "non-empty"),
        ([{"id": "b", "relation": "x", "weight": 1}], "related[0]", "only the keys"),
        ({"id": "b", "relation": "x"}, "related", "a list"),
        (["b"], "related[0]", "a mapping"),
    ],
)
def test_bad_related_names_indicator_and_field(related, field, expected):
    with pytest.raises(CatalogError) as err:
        catalog(entry("a", related=related), entry("b"))
    assert err.value.indicator == "a"
    assert err.value.field == field
    assert expected in err.value.expected


def test_related_checked_on_load_not_for_a_selection_built_in_code():
    a = parse_indicator(entry("a", related=[{"id": "b", "relation": "x"}]))
    alone = Catalog((a,), source="code")  # e.g. simulate(indicator) wraps one indicator
    assert alone.related("a") == ()  # the link points outside the selection
    with pytest.raises(CatalogError, match="related") as err:
        alone.check_related()
    assert (err.value.indicator, err.value.field) == ("a", "related[0].id")
    both = Catalog((a, parse_indicator(entry("b"))))
    both.check_related()
    assert both["a"].related[0].id == "b"


def test_an_indicator_with_links_simulates_on_its_own():
    ind = kpisim.load_catalog()["ai_convergence_firms"]
    assert ind.related
    sim = kpisim.simulate(ind, n_paths=256, rng=1)
    assert sim.ids == ["ai_convergence_firms"]


def test_indicator_validates_related_objects():
    base = parse_indicator(entry("a"))
    with pytest.raises(CatalogError) as err:
        dataclasses.replace(base, related=({"id": "b"},))
    assert (err.value.indicator, err.value.field) == ("a", "related[0]")
    with pytest.raises(CatalogError):
        Related("Not snake", "x")
    with pytest.raises(CatalogError):
        Related("b", "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.related = ()  # type: ignore[misc]


# ------------------------------------------------------------ undated goals
def test_undated_goals_are_parsed_and_never_simulated():
    raw = entry("a", target={}, undated_goals=[
        {"value": 300, "text": "상생형 스마트 상점(300곳)", "note": "no year"},
        {"value": None, "text": "단계적 확대"},
    ])
    cat = catalog(raw)
    goals = cat["a"].undated_goals
    assert goals == (UndatedGoal(300, "상생형 스마트 상점(300곳)", "no year"),
                     UndatedGoal(None, "단계적 확대", ""))
    assert dict(cat["a"].targets) == {}  # no year was invented
    again = Catalog.from_yaml(cat.to_yaml())
    assert again["a"].undated_goals == goals


@pytest.mark.parametrize(
    ("goals", "field", "expected"),
    [
        ([{"value": 3, "text": "x", "year": 2025}], "undated_goals[0].year", "no year"),
        ([{"text": "x"}], "undated_goals[0].value", "a value"),
        ([{"value": 3}], "undated_goals[0].text", "non-empty"),
        ([{"value": 3, "text": ""}], "undated_goals[0].text", "non-empty"),
        ([{"value": "many", "text": "x"}], "undated_goals[0].value", "a number"),
        ([{"value": float("nan"), "text": "x"}], "undated_goals[0].value", "finite"),
        ([{"value": -1, "text": "x"}], "undated_goals[0].value", "non-negative"),
        ([{"value": 3, "text": "x", "note": 5}], "undated_goals[0].note", "a string"),
        ([{"value": 3, "text": "x", "when": "later"}], "undated_goals[0]", "only the keys"),
        ({"value": 3, "text": "x"}, "undated_goals", "a list"),
    ],
)
def test_bad_undated_goal_names_indicator_and_field(goals, field, expected):
    with pytest.raises(CatalogError) as err:
        catalog(entry("a", undated_goals=goals))
    assert err.value.indicator == "a"
    assert err.value.field == field
    assert expected in err.value.expected


def test_undated_goal_follows_the_kind():
    share = entry("s", unit="%", kind="share", actual={}, target={},
                  undated_goals=[{"value": 120, "text": "x"}])
    with pytest.raises(CatalogError, match=r"\[0, 100\]"):
        catalog(share)
    grade = entry("g", unit="등급", kind="grade", scale=["B", "A"], actual={}, target={},
                  undated_goals=[{"value": "S", "text": "S등급"}])
    with pytest.raises(CatalogError, match="scale"):
        catalog(grade)
    grade["undated_goals"] = [{"value": "A", "text": "A등급 유지"}]
    assert catalog(grade)["g"].undated_goals[0].value == "A"


@pytest.mark.parametrize(
    ("goal", "field"),
    [
        ({"value": 1, "text": "x"}, "undated_goals[0]"),
        (UndatedGoal(-1, "x"), "undated_goals[0].value"),
        (UndatedGoal(float("inf"), "x"), "undated_goals[0].value"),
        (UndatedGoal(True, "x"), "undated_goals[0].value"),
        (UndatedGoal(1, " "), "undated_goals[0].text"),
    ],
)
def test_indicator_validates_undated_goal_objects(goal, field):
    base = parse_indicator(entry("a"))
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    with pytest.raises(CatalogError) as err:
        Indicator(**{**fields, "undated_goals": (goal,)})
    assert (err.value.indicator, err.value.field) == ("a", field)
    assert Indicator(**{**fields, "undated_goals": (UndatedGoal(None, "확대"),)}).undated_goals


# --------------------------------------------------------------- built-ins
BUILT_IN = ["digital_new_deal_2022", "industrial_convergence_2023", "nipa_2023_2027",
            "regional_digital"]


def test_every_built_in_catalog_is_listed():
    assert kpisim.available_catalogs() == BUILT_IN


def test_catalog_command_shows_links_and_undated_goals(capsys):
    assert main(["catalog", "--catalog", "regional_digital"]) == 0
    out = capsys.readouterr().out
    assert "관련 시계열" in out
    assert "sw_instructors ↔ sw_future_centers" in out
    assert "연도 없는 목표" in out
    assert "cooperative_smart_stores: 300" in out
    assert main(["catalog", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "ai_convergence_firms ↔ ai_firms" in out


@pytest.mark.parametrize("name", [n for n in BUILT_IN if n != "nipa_2023_2027"])  # test_cli runs it
def test_every_built_in_catalog_runs_with_the_defaults(capsys, name):
    code = main(["run", "--catalog", name, "--paths", "1024", "--no-report", "--format", "csv",
                 "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("id,")
    assert len(out.splitlines()) > 4
