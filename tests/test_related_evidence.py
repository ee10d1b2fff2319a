"""Related evidence: a catalog's ``related:`` series beside a one-actual goal.

The related series' implied growth (:func:`kpisim.goals.growth_references`
with ``catalog=``), the Korean relation text ``relation_ko``, and the line
``kpisim run`` prints for it. Reference values are typed from the seed
documents, never from kpisim's output.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import kpisim
from kpisim import CatalogError
from kpisim.catalog import Catalog, available_catalogs
from kpisim.cli import main
from kpisim.goals import REFERENCE_KINDS, goal_evidence, growth_references, prob_range
from kpisim.indicator import Related

HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: Seed 000, line 581: "▪ AI융합 전문기업 육성 (개)\t-\t991\t1,200\t- (집계중)\t1,460 …
#: \t2,275" — '21 actual 991, '27 target 2,275: (2275/991)^(1/6) − 1.
AI_CONVERGENCE_CAGR = (2275 / 991) ** (1 / 6) - 1
SEED_000 = next((p / "000_2bd331b0a6e88665.txt" for p in (
    Path(__file__).resolve().parents[1].parent / "shared" / "seeds",
    Path("/work/shared/seeds"),
) if (p / "000_2bd331b0a6e88665.txt").is_file()), None)


@pytest.fixture(scope="module")
def cat():
    return kpisim.load_catalog()


def entry(ident: str, **extra) -> dict:
    return {"id": ident, "name_ko": f"지표 {ident}", "name_en": f"indicator {ident}",
            "unit": "개", "kind": "count", "actual": {2021: 100}, "target": {2025: 160},
            **extra}


def small(*entries: dict) -> Catalog:
    return Catalog.from_yaml(yaml.safe_dump({"indicators": list(entries)}, allow_unicode=True),
                             source="related.yaml")


# ------------------------------------------------------------ growth_references
def test_hand_computed_rate_is_the_seed_line():
    assert AI_CONVERGENCE_CAGR == pytest.approx(0.148554, abs=1e-6)
    if SEED_000 is None:
        pytest.skip("seed 000 not found")
    line = SEED_000.read_text("utf-8").splitlines()[580]
    assert line.startswith("▪ AI융합 전문기업 육성 (개)")
    cells = line.split("\t")
    assert cells[2] == "991"
    assert cells[-1] == "2,275"


def test_ai_firms_gets_the_related_series_with_the_nipa_catalog(cat):
    refs = growth_references(cat["ai_firms"], catalog=cat)
    rows = refs[refs.related_id == "ai_convergence_firms"]
    assert len(rows) == 1  # the YAML row quoting the same series, not a second copy
    row = rows.iloc[0]
    assert row.kind == "related series"
    assert row.rate == pytest.approx(AI_CONVERGENCE_CAGR, rel=1e-12)
    assert row.computed
    assert row.line == 581  # the YAML row's quote and line are kept
    assert "2,275" in row.quote
    assert "related series" in REFERENCE_KINDS
    # the same rows as without the catalog: only the link is added
    plain = growth_references(cat["ai_firms"])
    assert set(plain.related_id) == {""}
    pd.testing.assert_frame_equal(refs.drop(columns="related_id"),
                                  plain.drop(columns="related_id"))


def test_no_related_row_without_a_catalog(cat):
    refs = growth_references(cat["ai_firms"])
    assert (refs.related_id == "").all()
    assert len(refs[refs.kind == "related series"]) == 2  # the two YAML rows only


def test_a_series_not_quoted_in_the_table_gets_its_own_row(cat):
    conv = cat["ai_convergence_firms"]
    other = dataclasses.replace(
        conv, provenance=dataclasses.replace(conv.provenance, source="another.txt"))
    two = Catalog((cat["ai_firms"], other), source="code")
    refs = growth_references(cat["ai_firms"], catalog=two)
    rows = refs[refs.related_id == "ai_convergence_firms"]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row.rate == pytest.approx(AI_CONVERGENCE_CAGR, rel=1e-12)
    assert not row.as_prior
    assert row.computed
    assert row.source == "another.txt"
    assert row.note.startswith("same programme")  # the relation the catalog states
    assert "991" in row.reference
    assert "2,275" in row.reference
    # the YAML rows are still there, unmarked
    assert len(refs[(refs.kind == "related series") & (refs.related_id == "")]) == 2


@pytest.mark.parametrize(
    ("related", "span"),
    [
        # first actual → furthest target: (180/100)^(1/6) − 1
        ({"actual": {2019: 100, 2021: 120}, "target": {2023: 150, 2025: 180}},
         ((2019, 100), (2025, 180))),
        # actuals only: first → last actual
        ({"actual": {2019: 224, 2020: 235, 2021: 250}, "target": {}}, ((2019, 224), (2021, 250))),
        # targets only: first → furthest target
        ({"actual": {}, "target": {2023: 50, 2027: 80}}, ((2023, 50), (2027, 80))),
    ],
)
def test_span_of_a_related_series(related, span):
    cat = small(entry("a", related=[{"id": "b", "relation": "same programme"}]),
                entry("b", **related))
    refs = growth_references(cat["a"], catalog=cat)
    row = refs[refs.related_id == "b"].iloc[0]
    (y0, v0), (y1, v1) = span
    assert row.rate == pytest.approx((v1 / v0) ** (1 / (y1 - y0)) - 1, rel=1e-12)
    assert not row.as_prior
    assert row.note == "same programme"


@pytest.mark.parametrize(
    "related",
    [
        {"actual": {2021: 100}, "target": {}},  # one point
        {"actual": {}, "target": {2023: 5}},  # one point
        {"actual": {2021: 0}, "target": {2025: 10}},  # no growth rate from 0
        {"unit": "등급", "kind": "grade", "scale": ["C", "B", "A"], "actual": {2021: "B"},
         "target": {2025: "A"}},
    ],
)
def test_no_row_for_a_series_without_a_growth_rate(related):
    cat = small(entry("a"), entry("b", related=[{"id": "a", "relation": "same programme"}],
                                  **related))
    refs = growth_references(cat["a"], catalog=cat)
    assert (refs.related_id == "").all()


def test_links_are_found_from_both_ends():
    cat = small(entry("a"), entry("b", related=[{"id": "a", "relation": "stated on b"}],
                                  actual={2020: 50}, target={2024: 100}))
    row = growth_references(cat["a"], catalog=cat).query("related_id == 'b'").iloc[0]
    assert row.rate == pytest.approx(2 ** 0.25 - 1, rel=1e-12)
    assert row.note == "stated on b"


def test_a_goal_outside_the_catalog_has_no_related_rows(cat):
    alone = small(entry("zzz"))
    refs = growth_references(cat["ai_firms"], catalog=alone)
    assert (refs.related_id == "").all()
    with pytest.raises(TypeError, match="catalog"):
        growth_references(cat["ai_firms"], catalog={"a": 1})


@settings(max_examples=40, deadline=None)
@given(v0=st.floats(1.0, 1e6), growth=st.floats(-0.9, 3.0), y0=st.integers(2010, 2025),
       years=st.integers(1, 10))
def test_property_related_rate_compounds_back_to_the_end_point(v0, growth, y0, years):
    v1 = v0 * (1 + growth)
    cat = small(entry("a", related=[{"id": "b", "relation": "x"}]),
                entry("b", actual={y0: v0}, target={y0 + years: v1}))
    rate = growth_references(cat["a"], catalog=cat).query("related_id == 'b'").rate.iloc[0]
    assert v0 * (1 + rate) ** years == pytest.approx(v1, rel=1e-9)
    assert (rate > 0) == (v1 > v0) or math.isclose(v1, v0, rel_tol=1e-12)


# ---------------------------------------------------------------- P range
def test_prob_range_defaults_do_not_change_with_the_catalog(cat):
    kw = {"n_paths": 1024, "rng": 5}
    with_cat = prob_range(cat, ids=["ai_firms"], **kw)
    without = prob_range(cat["ai_firms"], **kw)
    pd.testing.assert_frame_equal(with_cat, without)


def test_a_related_series_is_evidence_not_a_prior():
    cat = small(entry("a", related=[{"id": "b", "relation": "same programme"}]),
                entry("b", actual={2019: 10}, target={2025: 40}))
    kw = {"n_paths": 1024, "rng": 9}
    pd.testing.assert_frame_equal(prob_range(cat, ids=["a"], **kw), prob_range(cat["a"], **kw))
    spanned = prob_range(cat, ids=["a"], all_references=True, **kw)
    alone = prob_range(cat["a"], all_references=True, **kw)
    assert (spanned.n_priors == alone.n_priors + 1).all()
    ev = goal_evidence(cat["a"], 2025, catalog=cat, **kw)
    row = ev[ev.kind == "related series"]
    assert len(row) == 1
    assert not row.as_prior.iloc[0]
    assert row.assumed_rate.iloc[0] == pytest.approx(4 ** (1 / 6) - 1, rel=1e-12)
    assert np.isfinite(row.prob.iloc[0])
    assert len(goal_evidence(cat["a"], 2025, **kw)) == len(ev) - 1


# ------------------------------------------------------------------ relation_ko
def test_relation_ko_is_parsed_shown_and_round_trips():
    cat = small(entry("a", related=[{"id": "b", "relation": "same programme",
                                     "relation_ko": "같은 사업"}]),
                entry("b"), entry("c", related=[{"id": "a", "relation": "only English"}]))
    assert cat["a"].related == (Related("b", "same programme", "같은 사업"),)
    assert [r for _, r in cat.related("a", lang="ko")] == ["같은 사업", "only English"]
    assert [r for _, r in cat.related("a", lang="en")] == ["same programme", "only English"]
    assert [r for _, r in cat.related("a")] == ["same programme", "only English"]
    again = Catalog.from_yaml(cat.to_yaml())
    assert again["a"].related == cat["a"].related
    assert again["c"].related[0].relation_ko is None
    assert "relation_ko" not in yaml.safe_load(cat.to_yaml())["indicators"][2]["related"][0]


@pytest.mark.parametrize("bad", [3, "  ", ["같은 사업"], True])
def test_bad_relation_ko_names_indicator_and_field(bad):
    with pytest.raises(CatalogError) as err:
        small(entry("a", related=[{"id": "b", "relation": "x", "relation_ko": bad}]),
              entry("b"))
    assert err.value.indicator == "a"
    assert err.value.field == "related[0].relation_ko"
    assert "non-empty string" in err.value.expected


def test_related_object_validates_relation_ko():
    with pytest.raises(CatalogError) as err:
        Related("b", "x", 3)  # type: ignore[arg-type]
    assert err.value.field == "related.relation_ko"
    with pytest.raises(CatalogError):
        Related("b", "x", " ")
    assert Related("b", "x").text("ko") == "x"


def test_every_built_in_link_has_a_korean_relation():
    n = 0
    for name in available_catalogs():
        for ind in kpisim.load_catalog(name).values():
            for r in ind.related:
                n += 1
                assert r.relation_ko, (name, ind.id, r.id)
                assert HANGUL.search(r.relation_ko), (name, ind.id, r.id)
                # the Korean text keeps the English one's numbers and seed lines
                assert (sorted(re.findall(r"\d+(?:,\d{3})*", r.relation))
                        == sorted(re.findall(r"\d+(?:,\d{3})*", r.relation_ko))), (name, ind.id)
    assert n >= 27


# ------------------------------------------------------------------ kpisim run
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ko", ("관련 시계열: AI융합 전문기업 육성 (ai_convergence_firms) — 같은 사업",
                "'21 991개 → '27 2,275개", "연평균 성장률 14.9%")),
        ("en", ("related series: AI convergence firms fostered (ai_convergence_firms) — "
                "same programme", "'21 991 → '27 2,275", "14.9% a year")),
    ],
)
def test_run_prints_the_related_series_of_a_headline_goal(capsys, lang, expected):
    assert f"{100 * AI_CONVERGENCE_CAGR:.1f}%" == "14.9%"
    assert main(["run", "--paths", "500", "--no-report", "--lang", lang]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "(ai_convergence_firms) —" in x)
    for piece in expected:
        assert piece in line, (piece, line)
    # under the headline goal it belongs to
    lines = out.splitlines()
    at = lines.index(line)
    head = next(x for x in reversed(lines[:at]) if x.startswith("  ") and x.endswith(":")
                and not x.startswith("    "))
    assert head.endswith("(ai_firms):")
