"""Grade indicators, declared scoring and the institution grade (issue 13)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kpisim
from kpisim import models
from kpisim._summary import score_tables, summary
from kpisim._validation import CatalogError, ScoringError
from kpisim.catalog import parse_indicator
from kpisim.cli import main
from kpisim.indicator import Indicator
from kpisim.models._grades import GradeMarkov, grade_points
from kpisim.scoring import institution_grade, institution_grade_rule


def two_state(prior, uncertainty):
    hist = pd.Series([0.0], index=pd.Index([2020], dtype="int64"))
    return GradeMarkov(prior=prior, parameter_uncertainty=uncertainty).fit(hist, scale=["lo", "hi"])


# ------------------------------------------------------------------ closed forms
def test_two_state_n_step_probability_matches_the_closed_form():
    # P(0→1) = p = 1/4, P(1→0) = q = 1/2 (posterior mean of Dir(3, 1), Dir(1, 1));
    # P(X_n = 1 | X_0 = 0) = p/(p+q)·(1 − (1 − p − q)^n)
    fit = two_state([[3.0, 1.0], [1.0, 1.0]], uncertainty=False)
    p, q, n_paths = 0.25, 0.5, 200_000
    paths = fit.sample([2021, 2022, 2023], n_paths, rng=11)
    for h in (1, 2, 3):
        exact = p / (p + q) * (1 - (1 - p - q) ** h)
        freq = paths[:, h - 1].mean()
        se = math.sqrt(exact * (1 - exact) / n_paths)
        assert abs(freq - exact) < 4 * se, (h, freq, exact)
    assert fit.n_step(3)[0, 1] == pytest.approx(p / (p + q) * (1 - 0.25**3))


def test_two_state_with_parameter_uncertainty_matches_the_beta_moments():
    # rows Dir(a0, a1) and Dir(c0, c1), drawn once per path:
    # P(X1 = 1) = a1/s;  P(X2 = 1) = E[p00 p01] + E[p01] E[p11]
    #                               = a0 a1 / (s (s + 1)) + (a1/s)(c1/(c0 + c1)),  s = a0 + a1
    a0, a1, c0, c1 = 2.0, 1.0, 1.0, 3.0
    fit = two_state([[a0, a1], [c0, c1]], uncertainty=True)
    n_paths = 200_000
    paths = fit.sample([2021, 2022], n_paths, rng=5)
    s = a0 + a1
    exact1 = a1 / s
    exact2 = a0 * a1 / (s * (s + 1)) + (a1 / s) * (c1 / (c0 + c1))
    for col, exact in ((0, exact1), (1, exact2)):
        se = math.sqrt(exact * (1 - exact) / n_paths)
        assert abs(paths[:, col].mean() - exact) < 4 * se
    # and the plug-in chain differs at two steps (E[p00 p01] ≠ E[p00] E[p01])
    plug = (a0 / s) * (a1 / s) + (a1 / s) * (c1 / (c0 + c1))
    assert abs(exact2 - plug) > 0.02


def test_urn_sampler_equals_an_explicit_dirichlet_walk_in_distribution():
    # reference: draw each path's matrix row by row from Dirichlet(alpha) with numpy's own
    # sampler, then walk it; the model integrates the matrix out (Pólya urn)
    scale = ["E", "D", "C", "B", "A"]
    hist = pd.Series({2019: 2.0, 2020: 3.0, 2021: 3.0})
    fit = GradeMarkov().fit(hist, scale=scale)
    years = list(range(2022, 2028))
    n = 60_000
    got = fit.sample(years, n, rng=11)
    g = np.random.default_rng(12)
    mats = np.stack([g.dirichlet(fit.alpha[i], size=n) for i in range(5)], axis=1)
    state = np.full(n, 3)
    ref = np.empty((n, len(years)))
    for h in range(len(years)):
        cum = np.cumsum(mats[np.arange(n), state], axis=1)
        state = np.minimum((g.random(n)[:, None] >= cum).sum(axis=1), 4)
        ref[:, h] = state
    for h in (0, 2, 5):
        for grade in range(5):
            p, q = (got[:, h] == grade).mean(), (ref[:, h] == grade).mean()
            se = math.sqrt((p * (1 - p) + q * (1 - q)) / n) + 1e-12
            assert abs(p - q) < 4.5 * se, (h, grade, p, q)


def test_engine_headline_grade_matches_the_default_chain_power():
    """P(최우수 in 2027) through simulate, at the posterior mean, vs E[P]^6 by hand."""
    cat = kpisim.load_catalog()
    ind = cat["external_evaluation"]
    # the sticky prior by hand for 5 grades: stay 0.6; 0.4 over the others with
    # weights 1 (one step), 0.5 (two), 0.25 (three), 0.125 (four), normalised per row
    k = 5
    mean = np.zeros((k, k))
    for i in range(k):
        w = {j: 0.5 ** (abs(i - j) - 1) for j in range(k) if j != i}
        tot = sum(w.values())
        for j in range(k):
            mean[i, j] = 0.6 if i == j else 0.4 * w[j] / tot
    exact = np.linalg.matrix_power(mean, 2027 - 2021)[2, 4]  # 보통~우수 ('21) → 최우수
    n_paths = 8 * 4096
    sim = kpisim.simulate(ind, n_paths=n_paths, rng=3, until=2027,
                          grade_model=GradeMarkov(parameter_uncertainty=False))
    p = sim.prob_meet(2027)
    row = p[p.id == "external_evaluation"].iloc[0]
    assert row.target == 4.0  # 최우수, the top of the scale
    se = math.sqrt(exact * (1 - exact) / n_paths)
    assert abs(row.prob - exact) < 4 * se, (row.prob, exact)


# ---------------------------------------------------------------------- engine
@pytest.fixture(scope="module")
def nipa_sim():
    return kpisim.simulate(kpisim.load_catalog(), n_paths=4096, rng=20231, until=2030)


def test_p_top_grade_by_2027_is_in_prob_meet(nipa_sim):
    assert "external_evaluation" in nipa_sim.grade_ids
    p = nipa_sim.prob_meet(2027)
    row = p[p.id == "external_evaluation"]
    assert len(row) == 1
    assert 0 < row.prob.iloc[0] < 1
    probs = nipa_sim.grade_probs("external_evaluation", 2027)
    assert list(probs.index) == list(kpisim.load_catalog()["external_evaluation"].scale)
    assert probs.sum() == pytest.approx(1.0)
    assert probs["최우수"] == pytest.approx(row.prob.iloc[0])  # kept = all paths here
    assert "integrity_grade" in nipa_sim.skipped  # no actual grade to start from


def test_grade_indicators_leave_numeric_numbers_unchanged():
    cat = kpisim.load_catalog().filter(lambda i: i.tags.headline or i.tags.task == 7)
    numeric = cat.filter(lambda i: i.kind != "grade")
    a = kpisim.simulate(cat, n_paths=4096, rng=9)
    b = kpisim.simulate(numeric, n_paths=4096, rng=9)
    pa = a.prob_meet()
    pd.testing.assert_frame_equal(pa[pa.id.isin(a.ids)].reset_index(drop=True), b.prob_meet())
    assert a.ids == b.ids  # correlation matrices stay over the numeric ids


def test_expected_grade_score_is_the_points_weighted_by_grade_probabilities(nipa_sim):
    res = nipa_sim.scores(2027)
    row = res.table.set_index("id").loc["external_evaluation"]
    assert row.method == "grade"
    probs = nipa_sim.grade_probs("external_evaluation", 2027).to_numpy()
    assert row["mean"] == pytest.approx(float(probs @ [20, 40, 60, 80, 100]))
    assert row.p_100 == pytest.approx(probs[-1])
    assert grade_points(5).tolist() == [20, 40, 60, 80, 100]
    assert grade_points(2).tolist() == [20, 100]


def test_headline_table_has_four_goals(nipa_sim):
    table = summary(nipa_sim, grades=True)
    head = table[table.headline]
    assert list(dict.fromkeys(head.id)) == ["ai_firms", "sw_adoption_rate", "ict_sw_exports",
                                            "external_evaluation"]
    grade = head[head.id == "external_evaluation"]
    assert set(grade.target) == {"최우수"}
    assert set(grade.last_actual) == {"보통~우수"}
    assert grade.progress_ratio.isna().all()


def test_cli_run_prints_four_headline_goals_and_the_institution_grade(capsys, tmp_path):
    import shutil
    from importlib import resources

    root = resources.files("kpisim") / "data" / "nipa_2023_2027"
    for name in ("catalog.yaml", "headline.yaml", "task8.yaml"):  # headline + 경영평가 지표
        shutil.copy(str(root / name), tmp_path / name)
    argv = ["run", "--no-report", "--paths", "4096", "--scores",
            "--catalog", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    head = [line for line in out.splitlines() if line.startswith("★")]
    assert len({line.split()[1] for line in head}) == 4
    assert any("대외 기관평가" in line and "최우수" in line for line in head)
    assert "대외 기관평가 (external_evaluation):" in out  # its assumptions
    assert "디리클레 사전분포" in out  # the grade model's prior, in Korean by default
    assert "가중 총점" in out
    assert "P(S)" in out
    assert "준정부기관" in out
    assert "참고용" in out


# --------------------------------------------------------- declared scoring
def test_nipa_declares_weights_and_methods_as_assumptions(nipa_sim):
    cat = kpisim.load_catalog()
    weighted = [i for i in cat.values() if i.scoring.weight is not None]
    assert {i.id for i in weighted} == {i.id for i in cat.values() if "evaluation" in i.tags.key}
    for ind in weighted:
        assert any(a.field == "scoring.weight" for a in ind.assumptions), ind.id
    assert cat["sw_convergence_commercialization_rate"].scoring.method == "deviation"
    res = nipa_sim.scores(2027)
    w = res.table.set_index("id")["weight"]
    assert w["youth_hiring_ratio"] == 1.0
    assert w["ai_firms"] == 0.0  # no weight declared while others are: out of the total
    assert res.total.institution_type == "준정부기관"
    assert res.total.grade_basis == "reference"
    listed = nipa_sim.scores(2027, institution_type="공기업(상장형)").total
    assert listed.grade_basis == "absolute"
    np.testing.assert_allclose(listed.values, res.total.values)


def _raw(**extra):
    raw = {"id": "x", "name_ko": "엑스", "unit": "개", "kind": "count",
           "actual": {2021: 1}, "target": {2022: 2}}
    raw.update(extra)
    return raw


def test_yaml_scoring_fields_are_read_and_written():
    ind = parse_indicator(_raw(scoring={"method": "deviation", "weight": 2.5},
                               tags={"category": "주요사업"}))
    assert (ind.scoring.method, ind.scoring.weight, ind.tags.category) == ("deviation", 2.5,
                                                                          "주요사업")
    back = kpisim.Catalog.from_yaml(kpisim.Catalog((ind,)).to_yaml())
    assert back["x"].scoring == ind.scoring


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"scoring": {"method": "magic"}}, "scoring.method"),
        ({"scoring": {"weight": -1}}, "scoring.weight"),
        ({"scoring": {"weight": float("nan")}}, "scoring.weight"),
        ({"scoring": {"weight": True}}, "scoring.weight"),
        ({"scoring": {"method": "grade"}}, "scoring.method"),  # grade on a count
        ({"scoring": {"wieght": 1}}, "scoring"),
        ({"tags": {"category": "기타"}}, "tags.category"),
    ],
)
def test_yaml_bad_scoring_names_indicator_and_field(extra, field):
    with pytest.raises(CatalogError) as err:
        parse_indicator(_raw(**extra), source="bad.yaml")
    assert err.value.indicator == "x"
    assert err.value.field == field
    assert "bad.yaml" in str(err.value)


def test_grade_indicator_refuses_a_numeric_method():
    with pytest.raises(CatalogError, match=r"scoring\.method"):
        Indicator(id="g", name_ko="g", unit="등급", kind="grade", scale=("B", "A"),
                  scoring={"method": "deviation"})


def _frame(**cols):
    base = {"id": ["a", "a"], "year": [2021, 2022], "series": ["actual", "target"],
            "value": [1.0, 2.0], "unit": "개", "kind": "count"}
    return pd.DataFrame({**base, **cols})


def test_csv_scoring_columns_are_read():
    cat = kpisim.Catalog.from_frame(_frame(scoring_method="ratio", weight="3", category="경영관리"))
    ind = cat["a"]
    assert (ind.scoring.method, ind.scoring.weight, ind.tags.category) == ("ratio", 3.0,
                                                                          "경영관리")


@pytest.mark.parametrize(
    ("col", "value", "field"),
    [
        ("scoring_method", "magic", "row 2, column `scoring_method`"),
        ("weight", -2, "row 2, column `weight`"),
        ("weight", "heavy", "row 2, column `weight`"),
        ("category", "기타", "row 2, column `category`"),
    ],
)
def test_csv_bad_scoring_names_indicator_and_column(col, value, field):
    with pytest.raises(CatalogError) as err:
        kpisim.Catalog.from_frame(_frame(**{col: value}), source="t.csv")
    assert err.value.indicator == "a"
    assert err.value.field == field


# ------------------------------------------------------------- institution grade
def test_absolute_cut_offs_for_listed_public_corporations():
    got = institution_grade([95, 90, 89.99, 80, 75, 60, 50, 49.9, np.nan], "공기업(상장형)")
    assert got.tolist() == ["S", "S", "A", "A", "B", "C", "D", "E", ""]
    assert "absolute" in institution_grade_rule("공기업(상장형)")


def test_relative_grading_by_rank_among_peers():
    # shares S 10 %, A 30 %, B 40 %, C 20 %: with 9 peers, r = share of peers above
    peers = [95, 90, 85, 80, 75, 70, 65, 60, 55]
    shares = {"S": 0.1, "A": 0.3, "B": 0.4, "C": 0.2}
    got = institution_grade([99, 92, 86, 72, 50], "준정부기관", peers=peers, shares=shares)
    # r = 0/9 → S; 1/9 → A (0.11 ≥ 0.1, < 0.4); 2/9 → A; 6/9 → B (≥ 0.4, < 0.8); 9/9 → C
    assert got.tolist() == ["S", "A", "A", "B", "C"]
    assert "relative" in institution_grade_rule("준정부기관", relative=True)


def test_relative_type_without_peers_is_refused_not_guessed():
    with pytest.raises(ScoringError, match="relative to its group"):
        institution_grade([85.0], "준정부기관")
    with pytest.raises(ScoringError, match="institution_type"):
        institution_grade([85.0], "공사")
    with pytest.raises(ScoringError, match="shares"):
        institution_grade([85.0], "quasi_government", peers=[80], shares=[0.5, 0.6, 0, 0, 0, 0])


def test_grade_model_is_registered():
    assert "markov_grade" in set(models.available()["name"])
    assert isinstance(models.get_model("markov_grade"), GradeMarkov)


def test_score_tables_give_the_total_per_year(nipa_sim):
    table, totals = score_tables(nipa_sim, years=[2027])
    assert "external_evaluation" in set(table.id)
    row = totals.iloc[0]
    assert row.year == 2027
    assert 20 <= row["mean"] <= 100
    assert sum(row[f"p_{g}"] for g in "SABCDE") == pytest.approx(1.0)


def test_scoring_survives_the_table_round_trip():
    cat = kpisim.load_catalog()
    back = kpisim.Catalog.from_frame(cat.to_frame(meta=True))
    for ident in back:
        assert back[ident].scoring == cat[ident].scoring
        assert back[ident].tags.category == cat[ident].tags.category


def test_top_grade_by_2027_is_at_least_the_top_grade_in_2027(nipa_sim):
    hit = nipa_sim.first_hit()
    hit = hit[hit.id == "external_evaluation"]
    assert hit.goal.iloc[0] == 4.0  # 최우수
    assert hit.prob.sum() == pytest.approx(1.0)
    by_2027 = hit[hit.year.notna() & (hit.year <= 2027)].prob.sum()
    p = nipa_sim.prob_meet(2027, ids=["external_evaluation"]).prob.iloc[0]
    assert by_2027 >= p  # reached by 2027 includes being there in 2027
    assert by_2027 > p  # …and paths that reach it earlier and fall back
