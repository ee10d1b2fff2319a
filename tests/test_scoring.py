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
    trend_table,
    weighted_total,
    z_points,
)
from kpisim.scoring.handbook import _trend_vec
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
    # actual 17: z = 1 → B+ [0.707, 1.179) → 80 banded; 표2: 66.672 + 11.112·f
    assert float(score_trend(17, history, 2023, banded=True)) == 80.0
    assert float(score_trend(17, history, 2023)) == pytest.approx(table2(1.0), rel=1e-12)
    assert round(float(score_trend(17, history, 2023)), 2) == 78.86
    # the old mid-point line stays available: 80 + 10 × (1 − 0.943)/(1.4145 − 0.943)
    cont = 80 + 10 * (1.0 - 0.943) / (1.4145 - 0.943)
    got = float(score_trend(17, history, 2023, interpolation="midpoints"))
    assert got == pytest.approx(cont, rel=1e-12)
    # decreasing: z = −1 → D0 (40); 표2 D0 row: 22.224 + 11.112 × (−1 + 1.179)/0.472
    assert float(score_trend(17, history, 2023, direction="decrease", banded=True)) == 40.0
    down = 20 + 0.8 * (22.224 + 11.112 * 0.179 / 0.472)
    assert float(score_trend(17, history, 2023, direction="decrease")) == pytest.approx(down)
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
    # actual 108: z = (108 − 103.333)/3.333 = 1.4 → A0 (90); 표2 → 86.40
    assert float(score_beta(108, history, banded=True)) == 90.0
    assert float(score_beta(108, history)) == pytest.approx(table2(1.4), rel=1e-9)
    assert round(float(score_beta(108, history)), 2) == 86.40
    # decreasing mirror: the same actual is z = −1.4 (E+ row 11.112 + 11.112·f)
    down = 20 + 0.8 * (11.112 + 11.112 * (1.65 - 1.4) / 0.471)
    assert float(score_beta(108, history, direction="decrease")) == pytest.approx(down, rel=1e-9)


def test_zero_spread_is_a_step_around_the_prediction():
    # z = 0 → the middle of C: 44.448 + 11.112/2 = 50.004 % → 60.0032
    assert float(score_beta(5, [5, 5, 5])) == pytest.approx(20 + 0.8 * 50.004)
    assert float(score_beta(5, [5, 5, 5], banded=True)) == 60.0
    assert float(score_beta(6, [5, 5, 5])) == 100.0
    assert float(score_beta(4, [5, 5, 5])) == 20.0


# ------------------------------------------------------------ the z bands
#: 표2 of the handbook as printed (HANDBOOK.md): (z from, z to, 득점 at from, slope of frac).
TABLE2 = [
    (-1.965, -1.650, 5.556, 5.556),
    (-1.650, -1.179, 11.112, 11.112),
    (-1.179, -0.707, 22.224, 11.112),
    (-0.707, -0.236, 33.336, 11.112),
    (-0.236, 0.236, 44.448, 11.112),
    (0.236, 0.707, 55.560, 11.112),
    (0.707, 1.179, 66.672, 11.112),
    (1.179, 1.650, 77.784, 11.112),
    (1.650, 1.965, 88.896, 5.556),
]


def table2(z: float) -> float:
    """평점 of z read off 표2 row by row (independent of kpisim's code)."""
    for lo, hi, base, step in TABLE2:
        if lo <= z <= hi:
            return 20 + 80 * (base + step * (z - lo) / (hi - lo)) / 100
    raise AssertionError(z)


@pytest.mark.parametrize(("z", "expected"), [
    (1.0, 78.86), (1.4, 86.40), (1.8, 93.23), (-0.394, 52.58)])
def test_table2_handbook_checks(z, expected):
    # by hand, e.g. z = 1.0: B+, f = 0.293/0.472 = 0.62076, 득점 = 66.672 + 6.898
    # = 73.570 %, 평점 = 20 + 80 × 0.7357 = 78.856
    assert round(table2(z), 2) == expected
    assert round(float(score_z(z)), 2) == expected
    assert float(score_z(z)) == pytest.approx(table2(z), rel=1e-12)


def test_table2_every_band_and_edge():
    for lo, hi, _, _ in TABLE2:
        for z in (lo, (lo + hi) / 2, hi - 1e-12):
            assert float(score_z(z)) == pytest.approx(table2(z), abs=1e-9), z
    edges, pct = trend_table()
    np.testing.assert_allclose(edges, [r[0] for r in TABLE2] + [1.965])
    np.testing.assert_allclose(pct, [r[2] for r in TABLE2] + [94.452])


def test_table2_tails_beyond_1965():
    # extend (default): the A+ line 88.896 + 5.556·(z − 1.65)/0.315 continues
    # until 득점 reaches 100 % at z = 1.965 + 0.315 × 5.548/5.556
    z = 2.1
    pct = 94.452 + 5.556 * (z - 1.965) / 0.315
    assert float(z_points(z)) == pytest.approx(pct)
    assert float(score_z(z)) == pytest.approx(20 + 0.8 * pct)
    assert float(score_z(2.3)) == 100.0
    assert float(score_z(-2.1)) == pytest.approx(20 + 0.8 * (5.556 - 5.556 * 0.135 / 0.315))
    assert float(score_z(-2.3)) == 20.0
    assert float(score_z(np.inf)) == 100.0
    assert float(score_z(-np.inf)) == 20.0
    # full: a jump to 100 % / 0 % beyond the last edge; hold: stay at the edge values
    assert float(score_z(1.965, tails="full")) == pytest.approx(20 + 0.8 * 94.452)
    assert float(score_z(1.97, tails="full")) == 100.0
    assert float(score_z(-1.97, tails="full")) == 20.0
    assert float(score_z(5.0, tails="hold")) == pytest.approx(20 + 0.8 * 94.452)
    assert float(score_z(-5.0, tails="hold")) == pytest.approx(20 + 0.8 * 5.556)
    with pytest.raises(ScoringError, match="`tails`"):
        score_z(0.0, tails="wrap")
    with pytest.raises(ScoringError, match="`interpolation`"):
        score_z(0.0, interpolation="spline")


def test_z_bands_and_grades():
    centres = [-1.9, -1.4145, -0.943, -0.4715, 0.0, 0.4715, 0.943, 1.4145, 1.9]
    banded = score_z(np.array(centres), banded=True)
    np.testing.assert_array_equal(banded, [20, 30, 40, 50, 60, 70, 80, 90, 100])
    # the mid-point variant passes through every inner band's mid-point
    np.testing.assert_allclose(score_z(np.array(centres[1:-1]), interpolation="midpoints"),
                               banded[1:-1])
    # edges take the upper grade; beyond z_max the mid-point line is clipped
    assert float(score_z(0.236, banded=True)) == 70.0
    assert float(score_z(-0.236, banded=True)) == 60.0
    assert float(score_z(1.965, interpolation="midpoints")) == 100.0
    assert float(score_z(1.9, interpolation="midpoints")) < 100.0
    assert float(score_z(-np.inf, banded=True)) == 20.0
    assert np.isnan(score_z(np.nan))
    assert np.isnan(score_z(np.nan, banded=True))
    # other tables are a parameter: 3 cuts → 7 grades 20 … 100
    assert float(score_z(0.5, banded=True, cuts=(0.2, 0.8, 1.5))) == 20 + 80 * 4 / 6
    # … and 7 표2-style bands, u = round(100/14, 3) = 7.143: C runs 42.858 → 57.144
    _, pct = trend_table((0.2, 0.8, 1.5), 2.0)
    np.testing.assert_allclose(pct, 7.143 * np.array([1, 2, 4, 6, 8, 10, 12, 13]))
    with pytest.raises(ScoringError, match="strictly increasing"):
        score_z(0.0, cuts=(0.7, 0.2))
    with pytest.raises(ScoringError, match="`z_max`"):
        score_z(0.0, z_max=1.0)


def test_grade_points_table():
    assert GRADE_POINTS == {"E0": 20, "E+": 30, "D0": 40, "D+": 50, "C": 60,
                            "B0": 70, "B+": 80, "A0": 90, "A+": 100}


# -------------------------------------------------------- 중장기 목표부여
def _blend(mean_actual: float, mean_hi: float, mean_lo: float,
           hi: float, lo: float, actual: float) -> float:
    """20 + 80 × [½ p(this year) + ½ p(recent mean)], p clipped to [0, 1] (by hand)."""
    p_now = min(max((actual - lo) / (hi - lo), 0.0), 1.0)
    p_avg = min(max((mean_actual - mean_lo) / (mean_hi - mean_lo), 0.0), 1.0)
    return 20 + 80 * (0.5 * p_now + 0.5 * p_avg)


def test_long_term_case_1_fixed_line():
    # A = 105 ('20), B = 160 ('26): α = 55/6; line '20–'23 = 105, 114.17, 123.33, 132.5.
    # 기준치(t) = line(t − 1); the actuals 110 ('21) and 118 ('22) are below the line.
    alpha = 55 / 6
    line = {y: 105 + alpha * (y - 2020) for y in range(2020, 2027)}
    hi = {t: line[t - 1] + 2 * alpha for t in (2021, 2022, 2023)}
    lo = {t: line[t - 1] - 2 * alpha for t in (2021, 2022, 2023)}
    assert (round(hi[2023], 2), round(lo[2023], 2)) == (141.67, 105.0)
    by_hand = _blend((110 + 118 + 125) / 3, np.mean(list(hi.values())),
                     np.mean(list(lo.values())), hi[2023], lo[2023], 125)
    assert round(by_hand, 2) == 65.64
    rule = LongTermPath(goal_year=2026, goal_value=160, base_year=2020)
    history = {2020: 105.0, 2021: 110.0, 2022: 118.0}
    got = float(score_long_term(125, history, 2023, rule=rule))
    assert got == pytest.approx(by_hand, rel=1e-12)
    assert round(got, 2) == 65.64
    # a bare history starts the line at its first year: the same score
    bare = LongTermPath(goal_year=2026, goal_value=160)
    assert float(score_long_term(125, history, 2023, rule=bare)) == pytest.approx(by_hand)
    # the rule's own bounds and target agree
    assert rule.bounds(history, 2023) == pytest.approx((hi[2023], lo[2023]))
    assert rule.path(history, [2023]).iloc[0] == pytest.approx(line[2023])
    # a = 1: this year's position alone, 20 + 80 × 20/36.67
    only_now = float(score_long_term(125, history, 2023, rule=rule, a=1.0))
    assert only_now == pytest.approx(20 + 80 * (125 - lo[2023]) / (4 * alpha))


def test_long_term_case_2_re_anchored_above_the_line():
    # A = 105 ('20), B = 160 ('26); actuals '21 120, '22 130, '23 140.
    # '21: 기준치 105, α = 9.1667 → 123.33 / 86.67.
    # '22: A('21) = 120 > line('21) = 114.17 → 기준치 120, α = 40/5 = 8 → 136 / 104.
    # '23: line('22) = 128 < A('22) = 130 → 기준치 130, α = 30/4 = 7.5 → 145 / 115.
    a1 = 55 / 6
    hi = [105 + 2 * a1, 136.0, 145.0]
    lo = [105 - 2 * a1, 104.0, 115.0]
    by_hand = _blend(130.0, np.mean(hi), np.mean(lo), 145.0, 115.0, 140)
    assert round(by_hand, 2) == 87.52
    rule = LongTermPath(goal_year=2026, goal_value=160, base_year=2020)
    history = {2020: 105.0, 2021: 120.0, 2022: 130.0}
    assert rule.bounds(history, 2022) == pytest.approx((136.0, 104.0))
    assert rule.bounds(history, 2023) == pytest.approx((145.0, 115.0))
    got = float(score_long_term(140, history, 2023, rule=rule))
    assert got == pytest.approx(by_hand, rel=1e-12)
    # the rule's target follows the re-anchored line: 130 + 7.5
    assert rule.path(history, [2023]).iloc[0] == pytest.approx(137.5)
    # average="scores": the mean of the three years' own positions instead
    ps = [(a - lw) / (h - lw) for a, h, lw in zip((120, 130, 140), hi, lo, strict=True)]
    scores = 20 + 80 * (0.5 * ps[-1] + 0.5 * np.mean(ps))
    got = float(score_long_term(140, history, 2023, rule=rule, average="scores"))
    assert got == pytest.approx(scores, rel=1e-12)


def test_long_term_case_3_goal_exceeded():
    # A = 100 ('20), B = 130 ('24): α = 7.5. '21: 기준치 100 → 115 / 85.
    # '22: A('21) = 108 > line 107.5 → 기준치 108, α = 22/3 → 122.67 / 93.33.
    # '23: A('22) = 132 > B → B := 132, 최고 = 132, 최저 = 132 − 22/3 = 124.67.
    a2 = 22 / 3
    hi = [115.0, 108 + 2 * a2, 132.0]
    lo = [85.0, 108 - 2 * a2, 132 - a2]
    by_hand = _blend((108 + 132 + 128) / 3, np.mean(hi), np.mean(lo), hi[-1], lo[-1],
                     128)
    assert round(by_hand, 2) == 77.18
    rule = LongTermPath(goal_year=2024, goal_value=130, base_year=2020)
    history = {2020: 100.0, 2021: 108.0, 2022: 132.0}
    assert rule.bounds(history, 2023) == pytest.approx((132.0, 132 - a2))
    got = float(score_long_term(128, history, 2023, rule=rule))
    assert got == pytest.approx(by_hand, rel=1e-12)
    # '24: A('23) = 128 does not beat B = 132: the bounds stay 132 / 124.67
    assert rule.bounds(history | {2023: 128.0}, 2024) == pytest.approx((132.0, 132 - a2))


def test_long_term_rebased_every_three_years():
    # Case 1's line, scored in '24 with '23 = 125, re-based after 3 years:
    # A′ = (mean(110, 118, 125) + line('23) = 132.5)/2 = 125.083, α = (160 − A′)/3.
    # A('23) = 125 < A′: no re-anchoring. '24 bounds A′ ± 2α.
    alpha = 55 / 6
    rebased = ((110 + 118 + 125) / 3 + (105 + 3 * alpha)) / 2
    a2 = (160 - rebased) / 3
    # '22 and '23 as in case 1: line(t − 1) ± 2α
    hi = [105 + alpha + 2 * alpha, 105 + 2 * alpha + 2 * alpha, rebased + 2 * a2]
    lo = [105 + alpha - 2 * alpha, 105 + 2 * alpha - 2 * alpha, rebased - 2 * a2]
    by_hand = _blend((118 + 125 + 135) / 3, np.mean(hi), np.mean(lo), hi[-1], lo[-1],
                     135)
    assert round(by_hand, 2) == 73.66
    rule = LongTermPath(2026, 160, base_year=2020, rebase_every=3)
    history = {2020: 105.0, 2021: 110.0, 2022: 118.0, 2023: 125.0}
    assert rule.bounds(history, 2024) == pytest.approx((hi[-1], lo[-1]))
    assert float(score_long_term(135, history, 2024, rule=rule)) == pytest.approx(by_hand)
    # without re-basing the '24 band is line('23) ± 2α = 132.5 ± 18.33
    plain = LongTermPath(2026, 160, base_year=2020)
    assert plain.bounds(history, 2024) == pytest.approx((132.5 + 2 * alpha, 132.5 - 2 * alpha))


def test_long_term_new_indicator_uses_two_years():
    # line set in '21 at 110 → 160 in '26, α = 10; '22 bounds 130/90, '23 140/100
    # (A('22) = 118 below line('22) = 120). Window min(3, '23 − '21) = 2 years.
    by_hand = _blend((118 + 125) / 2, 135.0, 95.0, 140.0, 100.0, 125)
    assert by_hand == pytest.approx(71.5)
    rule = LongTermPath(2026, 160, base_year=2021)
    history = {2019: 90.0, 2020: 100.0, 2021: 110.0, 2022: 118.0}
    assert float(score_long_term(125, history, 2023, rule=rule)) == pytest.approx(71.5)
    # in the line's first year the blend is the year's position alone
    first = float(score_long_term(118, {2021: 110.0}, 2022, rule=rule))
    assert first == pytest.approx(20 + 80 * (118 - 90) / 40)


def test_long_term_decreasing_mirror():
    # case 1 mirrored around 100: A = 95, B = 40, actuals 90, 82, 75 — lower is
    # better, the line falls by 55/6 a year; the previous actuals are worse
    # (above) the line, so nothing re-anchors: the same 65.64.
    rule = LongTermPath(2026, 40, base_year=2020)
    history = {2020: 95.0, 2021: 90.0, 2022: 82.0}
    got = float(score_long_term(75, history, 2023, rule=rule, direction="decrease"))
    assert round(got, 2) == 65.64
    hi, lo = rule.bounds(history, 2023, direction="decrease")
    assert (round(hi, 2), round(lo, 2)) == (58.33, 95.0)
    # a better (lower) previous actual re-anchors: '22 = 70 < line('22) = 76.67
    low = {2020: 95.0, 2021: 90.0, 2022: 70.0}
    hi2, lo2 = rule.bounds(low, 2023, direction="decrease")
    assert (hi2, lo2) == pytest.approx((70 - 2 * 30 / 4, 70 + 2 * 30 / 4))


def test_long_term_errors():
    rule = LongTermPath(goal_year=2026, goal_value=160)
    history = {2020: 105.0, 2021: 110.0, 2022: 118.0}
    with pytest.raises(ScoringError, match="after the goal year"):
        score_long_term(125, history | {2026: 150.0}, 2027, rule=rule)
    with pytest.raises(ScoringError, match="`recent`"):
        score_long_term(125, history, 2023, rule=rule, recent=0)


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


def _reported(sim, ident):
    """The kept paths as the institution reports them: a count as a whole number."""
    paths = sim.paths(ident)
    return np.floor(paths + 0.5) if sim.indicator(ident).kind == "count" else paths


def test_bounds_use_each_paths_own_history(sim):
    res = score_simulation(sim, 2024, methods={"x": "deviation"}, default=None)
    paths = _reported(sim, "x")
    for i in (0, 17, 1234):
        history = [*ACTUALS.values(), paths.loc[i, 2023]]
        scalar = score_deviation(paths.loc[i, 2024], history, category="주요사업")
        assert res.scores.loc[i, "x"] == pytest.approx(float(scalar), rel=1e-12)


@pytest.mark.parametrize(("ident", "method", "scalar"), [
    ("down", "ratio", lambda a, h: score_ratio(a, h, 2024, rule=RatioRule(),
                                               direction="decrease")),
    ("x", "trend", lambda a, h: score_trend(a, h, 2024)),
    ("x", "beta", lambda a, h: score_beta(a, h, 2024)),
    # the line starts at the indicator's last actual before its plan ('22)
    ("long", "long_term", lambda a, h: score_long_term(
        a, h, 2024, rule=LongTermPath(goal_year=2026, goal_value=160, base_year=2022))),
])
def test_every_method_matches_its_scalar_form_path_by_path(sim, ident, method, scalar):
    res = score_simulation(sim, 2024, methods={ident: method}, default=None)
    paths = _reported(sim, ident)
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


# ------------------------------------------------------------------ labels
def test_labels_and_notes_in_both_languages():
    from kpisim.scoring import method_label, method_note, score_table

    assert method_label("trend") == "추세치"
    assert method_label("trend", "en") == "trend"
    with pytest.raises(ScoringError, match="unknown scoring method"):
        method_label("global")
    note = method_note("trend")
    assert "표2" in note
    assert "가정" in note
    assert "step grades" in method_note("beta", "en", banded=True)
    assert "50% this year" in method_note("long_term", "en")
    assert method_note("deviation") == ""
    import pandas as pd

    t = score_table(pd.DataFrame({"id": ["x"], "method": ["long_term"], "p_100": [0.1]}))
    assert list(t.columns) == ["지표 ID", "평가 방법", "P(만점)"]
    assert t["평가 방법"].iloc[0] == "중장기 목표부여"


def test_a_count_scores_its_whole_number_so_full_marks_are_p_met():
    """목표대실적: 평점 = 100 exactly when A ≥ T; a count is judged by its whole
    number (P(met) counts 23.6 as 24), so its 평점 must too: P(평점 = 100) is
    P(met), and every simulated A the score sees is a whole number."""
    from kpisim.scoring import score_simulation

    ind = Indicator(id="contracts", name_ko="계약 건수", unit="건", kind="count",
                    actuals={2020: 12, 2021: 15, 2022: 19}, targets={2023: 24})
    sim = kpisim.simulate(ind, n_paths=20_000, keep_paths=20_000, rng=4, until=2023)
    row = score_simulation(sim, 2023, methods={"contracts": "target_ratio"}).table.iloc[0]
    assert row.p_100 == sim.prob_meet(2023).prob.iloc[0]
    scores = score_simulation(sim, 2023, methods={"contracts": "target_ratio"}).scores
    a = (scores["contracts"].to_numpy() - 20) / 80 * 24  # invert 20 + 80·A/T below 100
    below = scores["contracts"].to_numpy() < 100
    np.testing.assert_allclose(a[below], np.round(a[below]), atol=1e-9)
