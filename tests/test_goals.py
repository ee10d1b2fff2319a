"""kpisim.goals: required growth, growth references, P under each prior, P range."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml

import kpisim
from kpisim import Indicator, RuleError
from kpisim.goals import (
    DEFAULT_PRIOR,
    REFERENCE_KINDS,
    _scale,
    goal_evidence,
    growth_references,
    prob_curve,
    prob_range,
    required_growth,
)

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
HEADLINE = ("ai_firms", "ict_sw_exports", "sw_adoption_rate")
N = 4096


@pytest.fixture(scope="module")
def cat():
    return kpisim.load_catalog()


def _entries():
    ref = resources.files("kpisim.data").joinpath("_reference/growth_references.yaml")
    text = ref.read_text("utf-8")
    return [(ident, e) for ident, es in yaml.safe_load(text)["references"].items() for e in es]


def _has_sustained_table() -> bool:
    from kpisim.models._refclass import sustained_share

    try:
        sustained_share(0.05, 9)
    except (kpisim.ModelError, KeyError):
        return False
    return True


# ---------------------------------------------------------------- required growth
def test_required_growth_matches_hand_calculation(cat):
    t = required_growth(cat["ai_firms"]).set_index("year")
    # by hand: ln(3500/1100) = ln 3.5 − ln 1.1 = 1.252763 − 0.095310 = 1.157453;
    # / 9 = 0.128606; e^0.128606 = 1.137242  →  13.7242 % a year for 9 years
    assert t.loc[2030, "required_rate"] == pytest.approx(0.137242, abs=2e-6)
    assert t.loc[2030, "years"] == 9
    assert t.loc[2030, "from_year"] == 2021
    assert t.loc[2030, "from_value"] == 1100
    # 2000/1100 = 1.81818; ln = 0.597837; / 3 = 0.199279; e^ = 1.220522
    assert t.loc[2024, "required_rate"] == pytest.approx(0.220522, abs=2e-6)
    assert list(t.index) == [2024, 2027, 2030]
    assert t["required_points"].isna().all()  # a count: no points


def test_required_growth_of_a_share_gives_points(cat):
    t = required_growth(cat["sw_adoption_rate"], [2030]).iloc[0]
    assert t.required_points == pytest.approx((80.0 - 64.0) / 9)
    assert t.required_rate == pytest.approx(math.exp(math.log(80 / 64) / 9) - 1)


def test_required_growth_rejects_grades_and_missing_targets(cat):
    with pytest.raises(RuleError, match="grade"):
        required_growth(cat["external_evaluation"])
    with pytest.raises(RuleError, match="2025"):
        required_growth(cat["ai_firms"], [2025])


# ---------------------------------------------------------------- references
def test_reference_table_quotes_the_seed_lines():
    entries = _entries()
    assert {i for i, _ in entries} >= set(HEADLINE)
    for ident, e in entries:
        seed = SEEDS / e["source"]
        if not seed.exists():
            pytest.skip(f"seed document not found at {seed}")
        lines = seed.read_text(encoding="utf-8").splitlines()
        assert e["quote"] in lines[e["line"] - 1], (ident, e["line"])
        assert e["kind"] in REFERENCE_KINDS
        assert e["kind"] != "reference class"
        if e.get("rate") is not None:  # the rate exactly as written
            written = f"{100 * e['rate']:g}%"
            assert written in e["quote"], (ident, written)
        else:  # the figures exactly as written
            for value in e["path"].values():
                assert f"{value:,}" in e["quote"], (ident, value)


def test_references_of_the_headline_goals(cat):
    ai = growth_references(cat["ai_firms"]).set_index("reference")
    by_kind = ai.groupby("kind")["rate"].apply(list)
    assert 0.10 in by_kind["document"]
    assert 0.151 in by_kind["market"]
    # the related task series '21 991 → '27 2,275: (2275/991)^(1/6) − 1
    related = ai[ai.kind == "related series"]
    conv = related[related.computed].iloc[0]
    assert conv.rate == pytest.approx((2275 / 991) ** (1 / 6) - 1)
    assert "다른 집계" in conv.name
    assert "different count" in conv.reference_en
    rc = ai[ai.kind == "reference class"]
    m0 = kpisim.models.reference_prior("log").m0
    assert rc.rate.iloc[0] == pytest.approx(math.exp(m0) - 1, rel=1e-12)
    ex = growth_references(cat["ict_sw_exports"])
    assert 0.08 in list(ex[ex.kind == "document"].rate)
    sw = growth_references(cat["sw_adoption_rate"])
    assert 0.02 in list(sw[sw.kind == "document"].rate)


def test_references_need_the_cited_document():
    ind = Indicator(id="ai_firms", name_ko="다른 문서의 지표", unit="개", kind="count",
                    actuals={2021: 10.0}, targets={2025: 20.0})
    refs = growth_references(ind)
    assert set(refs.kind) == {"reference class"}


def test_bounded_rate_is_matched_on_the_logit_at_the_last_actual(cat):
    # 64.0 % growing 2 % → 65.28 %: logit(0.6528) − logit(0.64), the catalog's declared μ0
    expected = math.log(0.6528 / 0.3472) - math.log(0.64 / 0.36)
    assert _scale.m0_for_rate(cat["sw_adoption_rate"], 0.02) == pytest.approx(expected)
    assert expected == pytest.approx(0.056006, abs=1e-6)
    assert np.isnan(_scale.m0_for_rate(cat["sw_adoption_rate"], 0.6))  # 102.4 % > 100
    assert _scale.rate_for_m0(cat["sw_adoption_rate"], expected) == pytest.approx(0.02)


# ---------------------------------------------------------------- P under each prior
@pytest.mark.parametrize("ident", HEADLINE)
def test_goal_evidence_covers_every_reference(cat, ident):
    ind = cat[ident]
    year = max(ind.targets)
    ev = goal_evidence(ind, year, n_paths=N, rng=11)
    refs = growth_references(ind, year)
    default = ev[ev.prior == DEFAULT_PRIOR]
    assert len(default) == 1
    base = kpisim.models.reference_prior("log" if ind.kind != "share" else "logit")
    for r in refs.itertuples():
        if r.kind == "reference class" and r.m0 == pytest.approx(base.m0):
            assert default.assumed_rate.iloc[0] == pytest.approx(r.rate)  # the default itself
        else:
            assert r.reference in set(ev.prior), r.reference
    assert ev.prob.between(0, 1).all()
    assert (ev.year == year).all()
    assert ev.target.nunique() == 1
    # the same growth gives the same P: one seed for every prior
    for _, same in ev.groupby(ev.m0.round(12)):
        assert same.prob.nunique() == 1
    need = required_growth(ind, [year]).iloc[0]
    assert (ev.required_rate == need.required_rate).all()
    if _has_sustained_table():
        from kpisim.models._refclass import sustained_share

        assert ev.sustained_share.iloc[0] == pytest.approx(
            sustained_share(need.required_rate, int(need.years)))


def test_goal_evidence_default_reproduces_a_catalog_run(cat):
    sim = kpisim.simulate(cat.headline(), n_paths=N, rng=7)
    ev = goal_evidence(cat["ict_sw_exports"], 2030, n_paths=N, rng=7)
    p = sim.prob_meet(2030, ids=["ict_sw_exports"]).prob.iloc[0]
    assert ev[ev.prior == DEFAULT_PRIOR].prob.iloc[0] == p


# ---------------------------------------------------------------- P vs growth
@pytest.mark.parametrize("ident", ["ai_firms", "sw_adoption_rate"])
def test_prob_curve_is_monotone_in_the_assumed_growth(cat, ident):
    ind = cat[ident]
    curve = prob_curve(ind, max(ind.targets), n_paths=N, rng=3)
    assert list(curve.rate) == pytest.approx([r / 100 for r in range(-5, 26)])
    p = curve.prob.to_numpy()
    assert np.isfinite(p).all()
    # common random numbers and one actual: exactly non-decreasing
    assert (np.diff(p) >= 0).all()
    assert p[-1] - p[0] > 0.5


def test_prob_curve_with_a_longer_history_is_monotone_up_to_mc_error():
    ind = Indicator(id="x", name_ko="시험 지표", unit="개", kind="count",
                    actuals={2019: 100.0, 2020: 108.0, 2021: 118.0}, targets={2027: 180.0})
    curve = prob_curve(ind, 2027, rates=[0.0, 0.05, 0.10, 0.15], n_paths=N, rng=5)
    p, se = curve.prob.to_numpy(), curve.se.to_numpy()
    assert (np.diff(p) >= -3 * np.maximum(se[1:], se[:-1])).all()


def test_prob_curve_at_a_reference_matches_its_evidence_row(cat):
    ind = cat["ai_firms"]
    curve = prob_curve(ind, 2030, rates=[0.10], n_paths=N, rng=9)
    ev = goal_evidence(ind, 2030, n_paths=N, rng=9)
    doc = ev[(ev.kind == "document")].iloc[0]
    assert curve.prob.iloc[0] == doc.prob


# ---------------------------------------------------------------- P range
def test_prob_range_brackets_the_default(cat):
    r = prob_range(cat.headline(), n_paths=N, rng=13)
    assert set(r.id) == set(HEADLINE)
    assert (r.prob_low <= r.prob_default).all()
    assert (r.prob_default <= r.prob_high).all()
    assert (r.n_priors >= 2).all()
    ai = r[(r.id == "ai_firms") & (r.year == 2030)].iloc[0]
    assert ai.prob_high - ai.prob_low > 10 * ai.se  # the prior moves P far more than MC error
    everything = prob_range(cat.headline(), 2030, ["ict_sw_exports"], n_paths=N, rng=13,
                            all_references=True)
    narrow = r[(r.id == "ict_sw_exports") & (r.year == 2030)].iloc[0]
    assert everything.prob_high.iloc[0] >= narrow.prob_high


def test_prob_range_of_a_simulation_uses_its_numbers(cat):
    sim = kpisim.simulate(cat.headline(), n_paths=N, rng=21)
    r = prob_range(sim, 2027)
    own = sim.prob_meet(2027).set_index("id")
    for row in r.itertuples():
        assert row.prob_default == own.loc[row.id, "prob"]
        assert row.se == own.loc[row.id, "se"]
        assert row.prob_low <= row.prob_default <= row.prob_high
        assert "simulation" not in (row.prior_low, row.prior_high)  # reproduced exactly


# ---------------------------------------------------------------- CLI and report hooks
def test_cli_run_shows_the_prior_range(capsys):
    from kpisim.cli import main

    assert main(["run", "--paths", str(N), "--no-report"]) == 0  # --quiet: the table only
    out = capsys.readouterr().out
    assert "달성확률 범위(가정별)" in out
    assert "실제 시계열 중 지속 비율" in out
    assert "연 13.7%(9년)" in out  # ai_firms 2030
    assert main(["run", "--paths", str(N), "--no-report", "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert {"prob_low", "prob_high", "required_rate", "sustained_share"} <= set(header)


def test_report_headline_cards_show_range_and_curve(cat, tmp_path):
    from kpisim.reporting import report

    sim = kpisim.simulate(cat.headline(), n_paths=N, rng=2)
    page = report(sim, tmp_path / "r.html", audit=False).read_text(encoding="utf-8")
    head = page[page.index('<section id="head">'):page.index('<section id="all">')]
    assert head.count("<p><b>성장률 가정에 따라 달라지는 달성 확률</b></p>") == 3
    assert head.count("<figure>") == 3  # one P-vs-growth curve per numeric headline goal
    assert "000_2bd331b0a6e88665.txt 200행" in head  # the AI market CAGR is cited
