"""Handbook scoring: worked examples by hand, vectorised vs scalar, simulation scoring."""

from __future__ import annotations

import math

import numpy as np
import pytest

import kpisim
from kpisim import Indicator, Tags
from kpisim.rules import DeviationRule, Fixed, LongTermPath, RatioRule
from kpisim.scoring import (
    GRADE_POINTS,
    ScoringError,
    ScoringSpec,
    _trend_vec,
    beta_prediction,
    institution_grade,
    score_beta,
    score_between,
    score_deviation,
    score_long_term,
    score_ratio,
    score_simulation,
    score_target_ratio,
    score_trend,
    score_z,
    trend_prediction,
    weighted_total,
)
from tests.test_simulate import KnownLogNormal

HANDBOOK = [100.0, 105.0, 108.0, 112.0, 118.0]
#: Population σ of the handbook history, by hand: mean 108.6, Σd² = 187.2.
SIGMA = math.sqrt(187.2 / 5)


# ------------------------------------------------------------ 목표부여(편차)
def test_deviation_handbook_example_major_project():
    hi, lo = DeviationRule().bounds(HANDBOOK, category="주요사업")
    assert (round(hi, 2), round(lo, 2)) == (130.24, 105.76)
    # with the bounds rounded as the handbook prints them: 69.80
    assert round(20 + 80 * (121 - 105.76) / (130.24 - 105.76), 2) == 69.80
    assert float(score_between(121, 130.24, 105.76)) == pytest.approx(69.80, abs=5e-3)
    # unrounded: b = 118 (last actual > mean of last 3 = 112.67), ±2σ
    by_hand = 20 + 80 * (121 - (118 - 2 * SIGMA)) / (4 * SIGMA)
    got = float(score_deviation(121, HANDBOOK, category="주요사업"))
    assert got == pytest.approx(by_hand, rel=1e-12)
    assert got == pytest.approx(69.80, abs=0.01)


def test_deviation_handbook_example_management():
    hi, _ = DeviationRule().bounds(HANDBOOK, category="경영관리")
    assert round(hi, 2) == 124.12
    assert round(20 + 80 * 15.24 / 18.36, 2) == 86.41
    by_hand = 20 + 80 * (121 - (118 - 2 * SIGMA)) / (3 * SIGMA)
    got = float(score_deviation(121, HANDBOOK, category="경영관리"))
    assert got == pytest.approx(by_hand, rel=1e-12)
    assert round(got, 2) == 86.41


def test_deviation_mirrored_for_decreasing_indicator():
    history = HANDBOOK[::-1]  # 118 … 100, lower is better
    base = min(100.0, (108 + 105 + 100) / 3)  # 100
    highest, lowest = base - 2 * SIGMA, base + 2 * SIGMA
    by_hand = 20 + 80 * (lowest - 95) / (lowest - highest)
    got = float(score_deviation(95, history, direction="decrease", category="주요사업"))
    assert got == pytest.approx(by_hand, rel=1e-12)
    assert float(score_deviation(80, history, direction="decrease")) == 100.0
    assert float(score_deviation(130, history, direction="decrease")) == 20.0


def test_deviation_sigma_divisor_is_a_parameter():
    pop = float(score_deviation(121, HANDBOOK, category="주요사업"))
    sample = float(score_deviation(121, HANDBOOK, rule=DeviationRule(ddof=1),
                                   category="주요사업"))
    s1 = math.sqrt(187.2 / 4)
    assert sample == pytest.approx(20 + 80 * (121 - (118 - 2 * s1)) / (4 * s1), rel=1e-12)
    assert sample != pop


def test_an_indicators_own_rule_is_used():
    ind = Indicator(id="x", name_ko="지표", unit="개", kind="count",
                    actuals=dict(zip(range(2018, 2023), HANDBOOK, strict=True)),
                    rule=DeviationRule(k=1), tags=Tags(category="주요사업"))
    assert round(float(score_deviation(121, ind, 2023)), 2) == 86.41  # k = 1 from the rule
    ratio = Indicator(id="r", name_ko="지표", unit="개", kind="count",
                      actuals={2021: 90.0, 2022: 100.0}, rule=RatioRule(high=1.5))
    assert float(score_ratio(150, ratio, 2023)) == 100.0
    assert float(score_ratio(150, ratio, 2023, rule=RatioRule(high=2.0))) < 100.0
    with pytest.raises(ScoringError, match="LongTermPath"):
        score_long_term(1.0, ratio, 2023)


def test_flat_bounds_are_a_step():
    assert float(score_between(10, 10, 10)) == 100.0
    assert float(score_between(9.99, 10, 10)) == 20.0
    assert float(score_between(9.99, 10, 10, direction="decrease")) == 100.0
    assert np.isnan(score_between(np.nan, 10, 5))


def test_score_between_broadcasts_and_clips():
    out = score_between(np.array([[0.0, 50.0, 200.0]]), np.array([[100.0], [150.0]]), 0.0)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, [[20, 60, 100], [20, 20 + 80 / 3, 100]])
    with pytest.raises(ScoringError, match="not compatible for broadcasting"):
        score_between(np.zeros(3), np.zeros(2), 0.0)


# ------------------------------------------------------------ 목표부여(비율)
def test_ratio_by_hand():
    # b = max(100, mean(90, 100)) = 100; 주요사업 120% / 80%
    assert float(score_ratio(110, [90, 100], category="주요사업")) == pytest.approx(
        20 + 80 * (110 - 80) / (120 - 80))
    # 경영관리: 110% / 80% → 20 + 80 × (100 − 80)/(110 − 80)
    assert float(score_ratio(100, [90, 100], category="경영관리")) == pytest.approx(
        20 + 80 * 20 / 30)
    # decreasing: b = min(100, 95) = 95; highest 95 × 0.9, lowest 95 × 1.2
    got = float(score_ratio(90, [90, 100], direction="decrease"))
    assert got == pytest.approx(20 + 80 * (114 - 90) / (114 - 85.5))
    with pytest.raises(ScoringError, match="RatioRule"):
        score_ratio(1, [1, 2], rule=DeviationRule())


# --------------------------------------------------------------- 목표대실적
def test_target_ratio_by_hand():
    assert float(score_target_ratio(108, 120)) == 20 + 80 * 0.9
    assert float(score_target_ratio(80, 50, direction="decrease")) == 20 + 80 * 50 / 80
    assert float(score_target_ratio(40, 50, direction="decrease")) == 100.0
    assert float(score_target_ratio(0, 50, direction="decrease")) == 100.0
    assert float(score_target_ratio(-5, 50)) == 20.0
    with pytest.raises(ScoringError, match="`target` must be positive"):
        score_target_ratio(1, 0)


# ------------------------------------------------------------------ 추세치
def test_trend_prediction_by_hand():
    # '19–'22: 10, 12, 13, 15. x̄ = 2020.5, Sxx = 5, Sxy = 8 → b = 1.6, ȳ = 12.5
    # Ŷ('23) = 12.5 + 1.6 × 2.5 = 16.5; residuals −.1, .3, −.3, .1 → RSS = 0.2
    # s² = 0.2/2 = 0.1; S = sqrt(0.1 × (1 + 1/4 + 2.5²/5)) = sqrt(0.25) = 0.5
    history = {2019: 10, 2020: 12, 2021: 13, 2022: 15}
    ys, s = trend_prediction(history, 2023)
    assert ys == pytest.approx(16.5, rel=1e-12)
    assert s == pytest.approx(0.5, rel=1e-12)
    # actual 17: z = 1 → B+ (80) in [0.707, 1.179); continuous between the
    # mid-points 0.943 (80) and 1.4145 (90)
    assert float(score_trend(17, history, 2023, banded=True)) == 80.0
    cont = 80 + 10 * (1.0 - 0.943) / (1.4145 - 0.943)
    assert float(score_trend(17, history, 2023)) == pytest.approx(cont, rel=1e-12)
    # decreasing: z = −1 → D0 (40)
    assert float(score_trend(17, history, 2023, direction="decrease", banded=True)) == 40.0
    with pytest.raises(ScoringError, match="at least 3 actuals"):
        trend_prediction({2021: 1.0, 2022: 2.0}, 2023)


def test_trend_uses_the_last_window_actuals_before_the_year():
    history = {2015: 500, 2016: 1, 2019: 10, 2020: 12, 2021: 13, 2022: 15, 2023: 99}
    assert trend_prediction(history, 2023, window=4) == pytest.approx((16.5, 0.5))


def test_vectorised_trend_matches_statsmodels():
    rng = np.random.default_rng(20240601)
    years = np.arange(2016, 2023)
    hist = 100 + np.cumsum(rng.normal(3, 4, size=(50, years.size)), axis=1)
    hist[:, 1] = np.nan  # a gap common to every path
    ys, s = _trend_vec(hist, years, 2023, 5, beta=False)
    for i in range(0, 50, 7):
        ref = trend_prediction(dict(zip(years.tolist(), hist[i].tolist(), strict=True)), 2023)
        assert (ys[i], s[i]) == pytest.approx(ref, rel=1e-10)


# ------------------------------------------------------------------ β분포
def test_beta_by_hand():
    history = [90, 100, 95, 110, 105]
    # Ŷ = (110 + 4 × 105 + 90)/6 = 103.333…, S = (110 − 90)/6 = 3.333…
    ys, s = beta_prediction(history)
    assert ys == pytest.approx(620 / 6)
    assert s == pytest.approx(20 / 6)
    # actual 108: z = (108 − 103.333)/3.333 = 1.4 → A0 (90)
    assert float(score_beta(108, history, banded=True)) == 90.0
    cont = 80 + 10 * (1.4 - 0.943) / (1.4145 - 0.943)
    assert float(score_beta(108, history)) == pytest.approx(cont, rel=1e-9)


def test_zero_spread_is_a_step_around_the_prediction():
    assert float(score_beta(5, [5, 5, 5])) == 60.0  # z = 0 → C
    assert float(score_beta(6, [5, 5, 5])) == 100.0
    assert float(score_beta(4, [5, 5, 5])) == 20.0


# ------------------------------------------------------------ the z bands
def test_z_bands_and_grades():
    centres = [-1.9, -1.4145, -0.943, -0.4715, 0.0, 0.4715, 0.943, 1.4145, 1.9]
    banded = score_z(np.array(centres), banded=True)
    np.testing.assert_array_equal(banded, [20, 30, 40, 50, 60, 70, 80, 90, 100])
    # the continuous variant passes through every inner band's mid-point
    np.testing.assert_allclose(score_z(np.array(centres[1:-1])), banded[1:-1])
    # edges take the upper grade; beyond z_max the continuous score is clipped
    assert float(score_z(0.236, banded=True)) == 70.0
    assert float(score_z(-0.236, banded=True)) == 60.0
    assert float(score_z(1.965)) == 100.0
    assert float(score_z(1.9)) < 100.0
    assert float(score_z(np.inf)) == 100.0
    assert float(score_z(-np.inf, banded=True)) == 20.0
    assert np.isnan(score_z(np.nan))
    assert np.isnan(score_z(np.nan, banded=True))
    # other tables are a parameter: 3 cuts → 7 grades 20 … 100
    assert float(score_z(0.5, banded=True, cuts=(0.2, 0.8, 1.5))) == 20 + 80 * 4 / 6
    with pytest.raises(ScoringError, match="strictly increasing"):
        score_z(0.0, cuts=(0.7, 0.2))
    with pytest.raises(ScoringError, match="`z_max`"):
        score_z(0.0, z_max=1.0)


def test_grade_points_table():
    assert GRADE_POINTS == {"E0": 20, "E+": 30, "D0": 40, "D+": 50, "C": 60,
                            "B0": 70, "B+": 80, "A0": 90, "A+": 100}


# -------------------------------------------------------- 중장기 목표부여
def test_long_term_by_hand():
    rule = LongTermPath(goal_year=2026, goal_value=160)
    history = {2020: 105.0, 2021: 110.0, 2022: 118.0}

    def position(actual, prev, year):
        alpha = (160 - prev) / (2026 - (year - 1))
        line = prev + alpha
        return 20 + 80 * (actual - (line - 2 * alpha)) / (4 * alpha)

    p23 = position(125, 118, 2023)  # α = 10.5, band 107.5 … 149.5
    p22 = position(118, 110, 2022)  # α = 10, band 100 … 140 → 56
    p21 = position(110, 105, 2021)
    assert p23 == pytest.approx(20 + 80 * 17.5 / 42)
    assert p22 == pytest.approx(56.0)
    expected = 0.5 * p23 + 0.5 * (p21 + p22 + p23) / 3
    got = float(score_long_term(125, history, 2023, rule=rule))
    assert got == pytest.approx(expected, rel=1e-12)
    only_now = float(score_long_term(125, history, 2023, rule=rule, a=1.0))
    assert only_now == pytest.approx(p23, rel=1e-12)
    # average="actuals": the 3-year mean actual against the 3-year mean bounds
    alphas = [(160 - p) / (2026 - (y - 1)) for p, y in ((105, 2021), (110, 2022), (118, 2023))]
    lines = [p + a for p, a in zip((105, 110, 118), alphas, strict=True)]
    lo = np.mean([ln - 2 * a for ln, a in zip(lines, alphas, strict=True)])
    hi = np.mean([ln + 2 * a for ln, a in zip(lines, alphas, strict=True)])
    avg = 20 + 80 * (np.mean([110, 118, 125]) - lo) / (hi - lo)
    got = float(score_long_term(125, history, 2023, rule=rule, average="actuals"))
    assert got == pytest.approx(0.5 * p23 + 0.5 * avg, rel=1e-12)
    with pytest.raises(ScoringError, match="after the goal year"):
        score_long_term(125, history | {2026: 150.0}, 2027, rule=rule)


# ------------------------------------------------------ totals and grades
def test_institution_grades_and_weighted_total():
    grades = institution_grade([95, 90, 89.99, 80, 75, 60, 50, 49.9, np.nan])
    assert grades.tolist() == ["S", "S", "A", "A", "B", "C", "D", "E", ""]
    total = weighted_total(np.array([[100.0, 60.0], [20.0, 20.0]]), [3, 1])
    np.testing.assert_allclose(total, [90.0, 20.0])
    with pytest.raises(ScoringError, match="`weights`"):
        weighted_total(np.ones((2, 2)), [0, 0])


# --------------------------------------------------- simulation scoring
ACTUALS = {2018: 100.0, 2019: 105.0, 2020: 108.0, 2021: 112.0, 2022: 118.0}


def _indicator(**kw) -> Indicator:
    base = dict(id="x", name_ko="지표", unit="개", kind="count", actuals=ACTUALS,
                targets={2023: 125.0, 2024: 130.0, 2025: 140.0}, rule=DeviationRule(),
                tags=Tags(category="주요사업"))
    base.update(kw)
    return Indicator(**base)


@pytest.fixture(scope="module")
def sim():
    inds = [
        _indicator(),
        _indicator(id="fixed_targets", rule=None),
        _indicator(id="no_target", rule=Fixed(value=1.0), targets={2024: 130.0}),
        _indicator(id="long", rule=LongTermPath(goal_year=2026, goal_value=160),
                   targets={2026: 160.0}),
        _indicator(id="down", direction="decrease", rule=RatioRule(),
                   targets={2023: 110.0}),
    ]
    return kpisim.simulate(inds, model=KnownLogNormal(mu=0.04, sigma=0.08), n_paths=4096,
                           rng=1, until=2026)


def test_expected_scores_in_range_and_aligned(sim):
    res = score_simulation(sim, 2024)
    t = res.table.set_index("id")
    assert ((t["mean"] >= 20) & (t["mean"] <= 100)).all()
    assert ((t["q05"] <= t["q50"]) & (t["q50"] <= t["q95"])).all()
    assert t.loc["x", "method"] == "deviation"
    assert t.loc["fixed_targets", "method"] == "target_ratio"
    assert t.loc["long", "method"] == "long_term"
    assert t.loc["down", "method"] == "ratio"
    assert t.loc["no_target", "method"] == "target_ratio"  # its rule is `fixed`
    assert res.skipped == {}
    assert (t["n_paths"] == 4096).all()
    assert res.scores.shape == (4096, 5)
    assert abs(res.total.grades.sum() - 1) < 1e-12
    manual = res.scores.to_numpy().mean(axis=1)
    np.testing.assert_allclose(res.total.values, manual)
    assert res.total.mean == pytest.approx(manual.mean())


def test_no_target_skip_reason(sim):
    res = score_simulation(sim, 2023)
    assert "no stated numeric target for 2023" in res.skipped["no_target"]


def test_harder_target_lowers_p100(sim):
    easy = score_simulation(sim, 2024, methods={
        "x": ScoringSpec(method="deviation", rule=DeviationRule(k=1)),
        "fixed_targets": ScoringSpec(method="target_ratio", target=120.0)}, default=None)
    hard = score_simulation(sim, 2024, methods={
        "x": ScoringSpec(method="deviation", rule=DeviationRule(k=2)),
        "fixed_targets": ScoringSpec(method="target_ratio", target=135.0)}, default=None)
    e, h = easy.table.set_index("id"), hard.table.set_index("id")
    for ident in ("x", "fixed_targets"):
        assert h.loc[ident, "p_100"] < e.loc[ident, "p_100"]
        assert h.loc[ident, "mean"] < e.loc[ident, "mean"]
    assert set(easy.skipped) >= {"long", "down", "no_target"}


def test_bounds_use_each_paths_own_history(sim):
    res = score_simulation(sim, 2024, methods={"x": "deviation"}, default=None)
    paths = sim.paths("x")
    for i in (0, 17, 1234):
        history = [*ACTUALS.values(), paths.loc[i, 2023]]
        scalar = score_deviation(paths.loc[i, 2024], history, category="주요사업")
        assert res.scores.loc[i, "x"] == pytest.approx(float(scalar), rel=1e-12)


@pytest.mark.parametrize(("ident", "method", "scalar"), [
    ("down", "ratio", lambda a, h: score_ratio(a, h, 2024, rule=RatioRule(),
                                               direction="decrease")),
    ("x", "trend", lambda a, h: score_trend(a, h, 2024)),
    ("x", "beta", lambda a, h: score_beta(a, h, 2024)),
    ("long", "long_term", lambda a, h: score_long_term(
        a, h, 2024, rule=LongTermPath(goal_year=2026, goal_value=160))),
])
def test_every_method_matches_its_scalar_form_path_by_path(sim, ident, method, scalar):
    res = score_simulation(sim, 2024, methods={ident: method}, default=None)
    paths = sim.paths(ident)
    for i in (0, 17, 1234):
        history = ACTUALS | {2023: paths.loc[i, 2023]}
        expected = float(scalar(paths.loc[i, 2024], history))
        assert res.scores.loc[i, ident] == pytest.approx(expected, rel=1e-10)


def test_weights_and_non_quantitative(sim):
    res = score_simulation(sim, 2024, methods={"x": ScoringSpec(weight=3.0)},
                           nonquantitative={"리더십": ("B+", 2.0)}, threshold=60)
    t = res.table.set_index("id")
    assert t.loc["리더십", "mean"] == 80.0
    assert t.loc["리더십", "method"] == "non_quantitative"
    assert t.loc["x", "points"] == pytest.approx(3.0 * t.loc["x", "mean"])
    w = res.total.weights
    expected = res.scores.to_numpy() @ w.to_numpy() / w.sum()
    np.testing.assert_allclose(res.total.values, expected)
    frame = res.total.to_frame()
    assert list(frame.columns[:5]) == ["mean", "sd", "q05", "q50", "q95"]
    assert {"p_S", "p_E", "n_paths"} <= set(frame.columns)


def test_observed_year_is_certain(sim):
    res = score_simulation(sim, 2023, methods={"x": "target_ratio"}, default=None)
    assert not res.table.observed.iloc[0]
    sim2 = kpisim.simulate(_indicator(actuals=ACTUALS | {2023: 121.0}),
                           model=KnownLogNormal(), n_paths=4096, rng=2, until=2025)
    row = score_simulation(sim2, 2023).table.iloc[0]
    assert row.observed
    assert row.sd == 0.0
    assert row["mean"] == pytest.approx(float(score_deviation(121, HANDBOOK,
                                                              category="주요사업")))


def test_bad_requests(sim):
    with pytest.raises(ScoringError, match="simulation grid"):
        score_simulation(sim, 2031)
    with pytest.raises(ScoringError, match=r"not in the simulation: \['nope'\]"):
        score_simulation(sim, 2024, methods={"nope": "trend"})
    with pytest.raises(ScoringError, match="`method` must be one of"):
        ScoringSpec(method="global")
    with pytest.raises(ScoringError, match="`weight`"):
        ScoringSpec(weight=-1)
    with pytest.raises(ScoringError, match="`a` must be in"):
        ScoringSpec(a=2)
    with pytest.raises(ScoringError, match="non-quantitative `q`"):
        score_simulation(sim, 2024, nonquantitative={"q": ("Z", 1.0)})
    with pytest.raises(ScoringError, match="x: 중장기 목표부여 needs a LongTermPath"):
        score_simulation(sim, 2024, methods={"x": "long_term"}, default=None)
    res = score_simulation(sim, 2024, methods={"x": "long_term"})
    assert "LongTermPath" in res.skipped["x"]
