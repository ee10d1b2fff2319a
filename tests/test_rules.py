"""Target rules: seed paths reproduced exactly, the handbook check, bad input.

Every number below is typed from the seed document
(000_2bd331b0a6e88665.txt, 정보통신산업진흥원 중장기 경영목표 2023~2027), not
taken from code output.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml

import kpisim
from kpisim import RuleError
from kpisim.rules import (
    CAGR,
    RULE_TYPES,
    AbsoluteIncrement,
    DeviationRule,
    Fixed,
    LongTermPath,
    Maintain,
    MilestoneThenGrowth,
    PerBudget,
    PreviousTargetPlusSigma,
    RatioOfLast,
    RatioRule,
    Rounding,
    Sequence,
    Stated,
    Uplift,
    implied_cagr,
    required_cagr,
    rule_from_dict,
    rule_to_dict,
    years_to_reach,
)

HALF0, HALF1, HALF2, HALF3 = (Rounding("half_up", d) for d in range(4))
FLOOR0, FLOOR1, FLOOR2, FLOOR3 = (Rounding("floor", d) for d in range(4))
PLAN = [2023, 2024, 2025, 2026, 2027]


def ind(ident, actuals, targets, *, kind="level", unit="-", rule=None, **kw):
    return kpisim.Indicator(id=ident, name_ko=ident, unit=unit, kind=kind,
                            actuals=actuals, targets=targets, rule=rule, **kw)


def path(rule, indicator, years=None):
    return rule.path(indicator, years).tolist()


# ------------------------------------------------------------ seed paths
REGIONAL_JOBS = ind(  # 지역 디지털 분야 신규고용건수(명)
    "regional_digital_new_jobs", {2021: 250, 2022: 215},
    {2021: 209, 2022: 212, 2023: 218, 2024: 225, 2025: 232, 2026: 239, 2027: 246},
    kind="count", unit="명")
ODA = ind(  # ODA사업 수혜자 만족도 점수(점)
    "oda_satisfaction", {2021: 8.5, 2022: None},
    {2021: 8.57, 2022: 8.66, 2023: 8.74, 2024: 8.83, 2025: 8.92, 2026: 9.01,
     2027: 9.10}, unit="점")
CONTRACTS = ind(  # 메타버스 해외진출 지원 기업 글로벌 계약 건수(개)
    "metaverse_global_contracts", {2021: 20, 2022: None},
    {2021: 20, 2022: 22, 2023: 24, 2024: 26, 2025: 28, 2026: 30, 2027: None},
    kind="count", unit="개")


def test_regional_jobs_plus_3pct_half_up_from_218():
    # "(24년~) 전년 목표 대비 3% 증가": 218 → 225 → 232 → 239 → 246
    rule = Uplift(0.03, rounding=HALF0)
    assert path(rule, REGIONAL_JOBS, [2024, 2025, 2026, 2027]) == [225, 232, 239, 246]


def test_regional_jobs_needs_the_rounded_chain():
    rule = Uplift(0.03, rounding=HALF0, chain_rounded=False)
    assert path(rule, REGIONAL_JOBS, [2024, 2025, 2026, 2027]) != [225, 232, 239, 246]


def test_regional_jobs_as_a_sequence():
    rule = Sequence([(2021, PerBudget(1.3)), (2024, Uplift(0.03))], rounding=HALF0)
    assert path(rule, REGIONAL_JOBS, [2024, 2025, 2026, 2027]) == [225, 232, 239, 246]
    with pytest.raises(RuleError, match=r"regional_digital_new_jobs.*'23 budget"):
        rule.path(REGIONAL_JOBS, PLAN)


def test_oda_plus_1pct_floor_two_decimals_unchained():
    # "'22년 목표(8.66)에 1% 상향 반영": 8.74, 8.83, 8.92, 9.01, 9.10
    rule = Uplift(0.01, rounding=FLOOR2, chain_rounded=False)
    assert path(rule, ODA) == [8.74, 8.83, 8.92, 9.01, 9.10]
    assert path(Uplift(0.01, rounding=HALF2), ODA) != [8.74, 8.83, 8.92, 9.01, 9.10]


def test_metaverse_contracts_plus_10pct_only_with_floor():
    # "전년 목표치 대비 10% 상향된 목표치 설정": 22 → 24 → 26 → 28 → 30
    years = [2023, 2024, 2025, 2026]
    assert path(Uplift(0.10, rounding=FLOOR0), CONTRACTS, years) == [24, 26, 28, 30]
    assert path(Uplift(0.10, rounding=HALF0), CONTRACTS, years) == [24, 26, 29, 32]


def test_5g_iot_models_110pct_of_previous_actual():
    # "직전년도 실적치 대비 상향하여 최고목표(110%)": '22 106 → 117, 129, 142, 156, 172
    models = ind("iot_5g", {2021: 96, 2022: None},
                 {2021: 76, 2022: 106, 2023: 117, 2024: 129, 2025: 142, 2026: 156,
                  2027: 172}, kind="count")
    expected = [117, 129, 142, 156, 172]
    assert path(RatioOfLast(1.10, rounding=HALF0), models) == expected
    assert path(RatioRule(rounding=HALF0), models) == expected
    # the '22 target itself is 110% of the '21 actual 96
    assert path(RatioOfLast(1.10, rounding=HALF0), models, [2022]) == [106]


def test_sme_exports_plus_3pct_one_decimal():
    # 중소기업 해외 수출액(억원): 51.2 → 52.7, 54.3, 55.9, 57.6, 59.3
    exports = ind("sme_exports", {2021: 52.85, 2022: None},
                  {2021: 49.7, 2022: 51.2, 2023: 52.7, 2024: 54.3, 2025: 55.9,
                   2026: 57.6, 2027: 59.3}, unit="억원")
    assert path(Uplift(0.03, rounding=HALF1), exports) == [52.7, 54.3, 55.9, 57.6, 59.3]


def test_ict_lifecycle_plus_1pct_three_decimals():
    # ICT전주기 해외진출 지원 성과 "전년도 목표실적에 1% 상향 반영"
    support = ind("ict_lifecycle", {2021: 0.161, 2022: None},
                  {2022: 0.219, 2023: 0.221, 2024: 0.223, 2025: 0.225, 2026: 0.227,
                   2027: 0.229})
    assert path(Uplift(0.01, rounding=HALF3), support) == [
        0.221, 0.223, 0.225, 0.227, 0.229]


def test_overseas_exports_plus_1pct_floor_unchained():
    # 해외 수출 성과: 0.474 → 0.478, 0.483, 0.488, 0.493, 0.498
    perf = ind("overseas_exports", {2021: 0.353, 2022: None},
               {2022: 0.474, 2023: 0.478, 2024: 0.483, 2025: 0.488, 2026: 0.493,
                2027: 0.498})
    rule = Uplift(0.01, rounding=FLOOR3, chain_rounded=False)
    assert path(rule, perf) == [0.478, 0.483, 0.488, 0.493, 0.498]


def test_investment_firms_110pct_a_year_of_the_2022_agreement():
    # "22년 협약서 목표대비 매년 110% 달성": 38 → 42, 46, 51, 56, 61
    firms = ind("investment", {2021: None, 2022: None},
                {2022: 38, 2023: 42, 2024: 46, 2025: 51, 2026: 56, 2027: 61},
                kind="count")
    rule = CAGR(0.10, base_year=2022, rounding=HALF0, chain_rounded=False)
    assert path(rule, firms) == [42, 46, 51, 56, 61]


def test_export_support_successes_plus_20pct():
    # "'21년 실적 대비 20% 상향": '21 59 → '22 71 → 85, 102, 122, 146, 175
    succ = ind("export_support", {2021: 59, 2022: None},
               {2022: 71, 2023: 85, 2024: 102, 2025: 122, 2026: 146, 2027: 175},
               kind="count")
    assert path(Uplift(0.20, rounding=HALF0), succ) == [85, 102, 122, 146, 175]
    rule = Uplift(0.20, basis="previous_actual", rounding=HALF0)
    assert path(rule, succ, [2022]) == [71]


def test_ai_medical_plus_10pct_floor():
    # AI의료서비스 보급·확산개수: 50 → 55, 60, 66, 72, 79
    med = ind("ai_medical", {2021: None, 2022: None},
              {2022: 50, 2023: 55, 2024: 60, 2025: 66, 2026: 72, 2027: 79}, kind="count")
    assert path(Uplift(0.10, rounding=FLOOR0), med) == [55, 60, 66, 72, 79]


def test_blockchain_firms_plus_15_a_year():
    # "연간 15개 기업 육성": 110 → 125, 140, 155, 170, 185
    firms = ind("blockchain", {2021: 95, 2022: None},
                {2021: 95, 2022: 110, 2023: 125, 2024: 140, 2025: 155, 2026: 170,
                 2027: 185}, kind="count")
    assert path(AbsoluteIncrement(15), firms) == [125, 140, 155, 170, 185]


def test_3d_printing_utilisation_follows_the_previous_target():
    # "전년 실적치 대비 2% 상향": the numbers chain on the '22 *target* 79.02
    util = ind("util3d", {2021: 79.78, 2022: 79.53},
               {2021: 77.47, 2022: 79.02, 2023: 80.60, 2024: 82.21, 2025: 83.85,
                2026: 85.53, 2027: 87.24}, kind="share", unit="%")
    assert path(Uplift(0.02, rounding=HALF2), util) == [
        80.60, 82.21, 83.85, 85.53, 87.24]
    # read literally (on the '22 actual 79.53) the '23 target would be 81.12
    literal = Uplift(0.02, basis="previous_actual", rounding=HALF2)
    assert path(literal, util, [2023]) == [81.12]


def test_metaverse_revenue_cagr_16_5pct():
    # "연평균 16.5% 증가 예상": '21 0.99 → 1.3, 1.5, 1.7, 1.9 (조원)
    rev = ind("metaverse_revenue", {2021: 0.99, 2022: None},
              {2021: 0.99, 2022: 1.1, 2023: 1.3, 2024: 1.5, 2025: 1.7, 2026: 1.9},
              unit="조원")
    assert path(CAGR(0.165, rounding=FLOOR1), rev) == [1.3, 1.5, 1.7, 1.9]


def test_new_industry_pilots_120pct():
    # ICT 신산업 발굴·실증 성공률: "120% 적용", '22 70.5 → '23 84.6
    rate = ind("pilots", {2021: 58.7, 2022: None},
               {2021: 57.5, 2022: 70.5, 2023: 84.6}, kind="share", unit="%")
    assert path(RatioOfLast(1.2, basis="target", rounding=HALF1), rate) == [84.6]


def test_levels_and_grades():
    legal = ind("disabled", {2021: 88.9, 2022: None},
                {y: 100 for y in range(2021, 2028)}, kind="share", unit="%")
    assert path(Fixed(100), legal) == [100.0] * 5
    grade = ind("privacy_grade", {2021: "1등급", 2022: "1등급"},
                {y: "1등급" for y in range(2021, 2028)}, kind="grade", unit="등급",
                scale=("5등급", "4등급", "3등급", "2등급", "1등급"))
    s = Maintain().path(grade)
    assert s.dtype == object
    assert s.tolist() == ["1등급"] * 5
    assert Fixed("1등급").path(grade).tolist() == ["1등급"] * 5
    out = Fixed("1등급").next_target(np.zeros(3), np.zeros(3))
    assert out.dtype == object
    assert list(out) == ["1등급"] * 3
    assert Stated().path(ODA).tolist() == [8.74, 8.83, 8.92, 9.01, 9.10]


def test_milestone_then_growth_headline():
    # "'24년까지 2,000개 달성, 매년 10%향상": '27 2,662 and '30 3,543.1
    firms = ind("ai_firms", {2021: 1100}, {2027: 2700, 2030: 3500}, kind="count")
    s = MilestoneThenGrowth(2024, 2000, 0.10).path(firms)
    assert s.round(1).tolist() == [2662.0, 3543.1]
    # before the milestone: geometric path from the '21 actual
    mid = MilestoneThenGrowth(2024, 2000, 0.10).path(firms, [2022])
    assert mid.iloc[0] == pytest.approx(1100 * (2000 / 1100) ** (1 / 3))


# ------------------------------------------------------------- handbook
def test_handbook_worked_check():
    history = [100, 105, 108, 112, 118]
    hi, lo = DeviationRule(k=2).bounds(history)
    assert round(hi, 2) == 130.24
    assert round(lo, 2) == 105.76
    assert round(DeviationRule(k=1).highest(history), 2) == 124.12
    assert round(float(np.std(history)), 3) == 6.119  # population σ


def test_deviation_k_from_category_and_direction():
    main = ind("a", dict(zip(range(2018, 2023), [100, 105, 108, 112, 118], strict=True)),
               {}, tags=kpisim.Tags(category="주요사업"))
    mgmt = ind("b", main.actuals, {}, tags=kpisim.Tags(category="경영관리"))
    assert round(DeviationRule().path(main, [2023]).iloc[0], 2) == 130.24
    assert round(DeviationRule().path(mgmt, [2023]).iloc[0], 2) == 124.12
    down = [118, 112, 108, 105, 100]  # decreasing: baseline min(100, 104.33)
    hi, lo = DeviationRule().bounds(down, direction="decrease")
    assert round(hi, 2) == round(100 - 2 * float(np.std(down)), 2)
    assert lo > hi


def test_deviation_falls_back_to_shorter_windows_and_clips_shares():
    three = [50.0, 90.0, 99.0]
    hi, _ = DeviationRule(window=5).bounds(three, kind="share")
    assert hi == 100.0
    base = max(99.0, np.mean(three))
    assert DeviationRule(window=5).highest(three) == pytest.approx(
        base + 2 * float(np.std(three)))


def test_ratio_rule_bounds_and_mirror():
    assert RatioRule().bounds([100, 100, 100]) == pytest.approx((110.0, 80.0))
    assert RatioRule(high=1.2).highest([90, 95, 100]) == pytest.approx(120.0)
    hi, lo = RatioRule().bounds([100, 100, 100], direction="decrease")
    assert (hi, lo) == pytest.approx((90.0, 120.0))


def test_previous_target_plus_sigma():
    # "해당년도 목표치 = 직전년도 목표치 + 1 x 표준편차 (과거 3개년)"
    q = ind("sw_quality", {2019: 51.8, 2020: 76.1, 2021: 72.2}, {2021: 64, 2022: 76})
    sigma = float(np.std([51.8, 76.1, 72.2]))
    assert PreviousTargetPlusSigma().path(q, [2022]).iloc[0] == pytest.approx(64 + sigma)


def test_long_term_path_line_and_bounds():
    x = ind("lt", {2021: 60.0}, {2026: 70.0})
    rule = LongTermPath(2026, 70.0)
    assert path(rule, x, [2022, 2026]) == pytest.approx([62.0, 70.0])
    # 기준치 = line('21) = 60 (the line's previous-year value), ± 2α with α = 2
    assert rule.bounds(x, 2022) == pytest.approx((64.0, 56.0))
    out = rule.next_target(np.array([60.0, 65.0]), np.zeros(2), year=2022)
    assert out == pytest.approx([62.0, 66.0])


# ------------------------------------------------------- vectorised form
def test_next_target_matches_path_on_one_year():
    hist = {2018: 100.0, 2019: 105.0, 2020: 108.0, 2021: 112.0, 2022: 118.0}
    x = ind("h", hist, {2022: 120.0})
    window = np.array([list(hist.values())])
    for rule in (DeviationRule(), RatioRule(), Uplift(0.05, basis="handbook_baseline"),
                 Uplift(0.1, basis="previous_actual"), Uplift(0.1, basis="best"),
                 PreviousTargetPlusSigma(window=5)):
        expected = rule.path(x, [2023]).iloc[0]
        got = rule.next_target(np.array([118.0]), np.array([120.0]), window, year=2023)
        assert got == pytest.approx([expected]), rule.type


def test_path_dependent_flags():
    assert not Uplift(0.1).path_dependent
    assert Uplift(0.1, basis="previous_actual").path_dependent
    assert DeviationRule().path_dependent
    assert RatioRule().path_dependent
    assert not CAGR(0.1).path_dependent
    assert not Fixed(1).path_dependent
    assert Sequence([(2020, Fixed(1)), (2024, Uplift(0.1, basis="best"))]).path_dependent


def test_next_target_nan_where_history_is_short():
    w = np.array([[np.nan, np.nan, 1.0, 2.0, 3.0], [np.nan, np.nan, np.nan, 2.0, 3.0]])
    out = DeviationRule().next_target(w[:, -1], w[:, -1], w)
    assert np.isfinite(out[0])
    assert np.isnan(out[1])


# -------------------------------------------------------------- rounding
@pytest.mark.parametrize(("mode", "decimals", "value", "expected"), [
    ("half_up", 0, 2.5, 3.0), ("half_up", 2, 0.125, 0.13), ("half_up", 2, 1.005, 1.01),
    ("half_up", 0, -2.5, -3.0), ("floor", 2, 8.66 * 1.01, 8.74),
    ("ceil", 2, 1.1 * 1.1, 1.21), ("half_up", 2, 48.75 * 1.1, 53.63),
    ("floor", 0, 0.1 * 3 * 10, 3.0), ("none", 0, 1.23456, 1.23456),
])
def test_rounding_is_free_of_float_artefacts(mode, decimals, value, expected):
    assert Rounding(mode, decimals)(value) == expected


def test_rounding_rejects_bad_modes():
    with pytest.raises(RuleError, match="rounding `mode`"):
        Rounding("banker", 0)
    with pytest.raises(RuleError, match="rounding `decimals`"):
        Rounding("half_up", -1)


# ---------------------------------------------------------- inverse helpers
def test_inverse_helpers():
    assert implied_cagr(107, 2021, 220, 2030) == pytest.approx((220 / 107) ** (1 / 9) - 1)
    assert years_to_reach(100, 121, 0.10) == pytest.approx(2.0)
    x = ind("x", {2021: 64.0}, {2027: 75.0, 2030: 80.0}, kind="share", unit="%")
    assert required_cagr(x, 2027) == pytest.approx((75 / 64) ** (1 / 6) - 1)
    rule = CAGR.joining(64.0, 2021, 80.0, 2030)
    assert rule.path(x, [2030]).iloc[0] == pytest.approx(80.0)
    with pytest.raises(RuleError, match="never reaches"):
        years_to_reach(100, 50, 0.10)
    with pytest.raises(RuleError, match="years must differ"):
        implied_cagr(1, 2021, 2, 2021)
    with pytest.raises(RuleError, match=r"indicator `x`.*2026 target"):
        required_cagr(x, 2026)


# -------------------------------------------------------------- bad input
def test_cagr_rejects_non_finite_rate():
    with pytest.raises(RuleError, match=r"rule `cagr`: `rate` must be a finite number"):
        CAGR(math.nan)
    with pytest.raises(RuleError, match=r"rule `uplift`: `rate` must be a finite"):
        Uplift(math.inf)


def test_cagr_negative_base_names_indicator_and_rule():
    x = ind("loss", {2022: -5.0}, {2023: 1.0, 2024: 2.0})
    with pytest.raises(RuleError, match=r"indicator `loss`, rule `cagr`.*positive base"):
        CAGR(0.1).path(x)


def test_missing_base_names_indicator_and_rule():
    x = ind("new", {}, {2023: 1.0, 2024: 2.0})
    with pytest.raises(RuleError, match=r"indicator `new`, rule `cagr`.*needs an actual"):
        CAGR(0.1).path(x, [2024])


def test_window_longer_than_history():
    x = ind("short", {2021: 1.0, 2022: 2.0}, {2023: 3.0})
    with pytest.raises(RuleError, match=r"indicator `short`, rule `deviation`.*at least 3"):
        DeviationRule(text="기준치 + 2 × 표준편차").path(x, [2023], fill="none")
    with pytest.raises(RuleError, match=r"at least 3; the history has 2"):
        DeviationRule().bounds([1.0, 2.0])


def test_unknown_basis():
    with pytest.raises(RuleError, match=r"rule `uplift`: `basis` must be one of"):
        Uplift(0.1, basis="previous")
    with pytest.raises(RuleError, match=r"rule `ratio_of_last`: `basis`"):
        RatioOfLast(1.1, basis="previous_actual")


def test_unknown_actual_without_fill():
    with pytest.raises(RuleError, match=r"indicator `oda_satisfaction`.*'22 actual"):
        Uplift(0.1, basis="previous_actual").path(ODA, [2023], fill="none")


def test_chain_without_a_start():
    x = ind("gap", {2021: 1.0}, {2024: 3.0, 2025: 4.0})
    with pytest.raises(RuleError, match=r"indicator `gap`, rule `increment`.*'23 target"):
        AbsoluteIncrement(1).path(x, [2024])


# --------------------------------------------------------------- YAML form
def test_rule_types_match_the_catalog_vocabulary():
    assert RULE_TYPES["uplift"] == {"rate", "basis"}
    assert RULE_TYPES["deviation"] == {"k", "k_low", "window", "ddof", "baseline"}
    assert RULE_TYPES["maintain"] == frozenset()
    assert set(RULE_TYPES) == {
        "cagr", "uplift", "deviation", "previous_target_plus_sigma", "ratio",
        "long_term_path", "increment", "ratio_of_last", "milestone_then_growth",
        "per_budget", "fixed", "maintain", "stated", "sequence"}


def test_yaml_round_trip_of_a_sequence():
    text = """
    type: sequence
    parts:
      - from: 2021
        rule: {type: per_budget, ratio: 1.3, budget: {2023: 168}}
      - from: 2024
        rule: {type: uplift, rate: 0.03, basis: previous_target}
    rounding: {mode: half_up, decimals: 0, chain_rounded: true}
    text: (~23년) 당해 지원예산(억원) x 1.3명 (24년~) 전년 목표 대비 3% 증가
    interpretation: the budget part cannot be recomputed without the budget
    """
    rule = rule_from_dict(yaml.safe_load(text))
    assert isinstance(rule, Sequence)
    assert rule.chain_rounded is True
    back = rule_from_dict(yaml.safe_load(yaml.safe_dump(rule_to_dict(rule),
                                                        allow_unicode=True)))
    assert back == rule
    assert rule.path(REGIONAL_JOBS, [2023]).iloc[0] == 218.0  # 1.3 × 168 = 218.4


def test_json_round_trip_through_the_catalog_frame():
    rule = Sequence([(2021, PerBudget(1.3, budget={2023: 168})), (2024, Uplift(0.03))],
                    rounding=HALF0, chain_rounded=False)
    assert rule_from_dict(json.loads(json.dumps(rule_to_dict(rule)))) == rule
    x = ind("x", {2021: 1}, {2023: 218, 2024: 225}, kind="count", rule=rule)
    back = kpisim.Catalog.from_frame(kpisim.Catalog((x,)).to_frame(meta=True))
    assert back["x"].rule == rule


@pytest.mark.parametrize(("mapping", "message"), [
    ({"type": "magic"}, "unknown rule type 'magic'"),
    ({"type": "uplift", "rate": 0.1, "speed": 2}, r"does not take \['speed'\]"),
    ({"type": "cagr"}, r"rule `cagr` needs \['rate'\]"),
    ({"type": "uplift", "rate": "10%"}, "`rate` must be a finite number"),
    ({"type": "fixed", "value": 1, "rounding": {"mode": "up"}}, "rounding `mode`"),
    ({"type": "sequence", "parts": []}, "non-empty list"),
    ({"type": "sequence", "parts": [{"from": 2023, "rule": {"type": "x"}}]},
     r"parts\[0\]\.rule: unknown rule type"),
    ("uplift", "must be a mapping"),
])
def test_rule_from_dict_rejects_bad_mappings(mapping, message):
    with pytest.raises(RuleError, match=message):
        rule_from_dict(mapping)


def test_catalog_wraps_rule_errors(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("""
indicators:
  - id: firms
    name_ko: 기업 수
    unit: 개
    kind: count
    target: {2023: 13, 2024: 14}
    rule: {type: uplift, rate: 0.1, basis: previous}
""", encoding="utf-8")
    with pytest.raises(kpisim.CatalogError, match=r"indicator `firms`.*`basis`"):
        kpisim.load_catalog(p)


def test_describe_gives_the_formula_in_both_languages():
    rule = Uplift(0.03, rounding=HALF0)
    assert rule.describe("ko") == "T(y) = T(y−1) × (1 + 3%): 전년 목표 대비 3% 상향, 정수로 반올림"
    assert "3% over the previous target" in rule.describe("en")
    assert "표준편차" in DeviationRule().describe()
    assert "σ" in DeviationRule().describe("en")
    for cls_rule in (CAGR(0.08), MilestoneThenGrowth(2024, 2000, 0.1), Fixed(90),
                     Maintain(), Stated(), LongTermPath(2030, 80), RatioRule(),
                     RatioOfLast(1.2), PerBudget(1.3), AbsoluteIncrement(2),
                     PreviousTargetPlusSigma()):
        assert cls_rule.describe("ko")
        assert cls_rule.describe("en")
    with pytest.raises(RuleError, match="`lang`"):
        rule.describe("fr")


# ------------------------------------------- look-back and the engine window
def test_each_rule_declares_its_lookback():
    assert Uplift(0.1).lookback == 1
    assert Uplift(0.1, basis="handbook_baseline").lookback == 3
    assert DeviationRule().lookback == 5
    assert DeviationRule(window=8).lookback == 8
    assert DeviationRule(window=2).lookback == 3  # the 3-year baseline
    assert PreviousTargetPlusSigma(window=7).lookback == 7
    assert RatioRule().lookback == 3
    assert LongTermPath(2030, 80).lookback is None  # the whole line
    assert Sequence([(2021, Uplift(0.1)), (2024, DeviationRule(window=6))]).lookback == 6
    assert Sequence([(2021, Uplift(0.1)), (2024, LongTermPath(2030, 80))]).lookback is None


EIGHT_YEARS = {2015: 100.0, 2016: 130.0, 2017: 90.0, 2018: 125.0, 2019: 95.0,
               2020: 110.0, 2021: 112.0, 2022: 115.0}


def test_deviation_window_8_through_the_engine_matches_its_closed_form():
    from scipy import stats

    from tests.test_simulate import KnownLogNormal

    mu, sigma = 0.05, 0.1
    x = ind("w8", EIGHT_YEARS, {2023: 130.0, 2024: 135.0}, rule=DeviationRule(k=1, window=8))
    n = 20_000
    sim = kpisim.simulate(x, model=KnownLogNormal(mu=mu, sigma=sigma), n_paths=n,
                          keep_paths=n, rng=11, until=2024)
    p = sim.prob_meet(basis="rule").set_index("year")
    # '23 by hand: b = max(115, mean(110, 112, 115)) = 115; σ over all 8 years
    values = np.array(list(EIGHT_YEARS.values()))
    s8 = math.sqrt(np.mean((values - values.mean()) ** 2))
    s5 = math.sqrt(np.mean((values[-5:] - values[-5:].mean()) ** 2))
    exact8 = stats.norm.sf((math.log((115 + s8) / 115) - mu) / sigma)
    exact5 = stats.norm.sf((math.log((115 + s5) / 115) - mu) / sigma)
    assert abs(exact8 - exact5) > 0.09  # 0.281 against 0.379: far apart
    assert abs(p.loc[2023, "prob"] - exact8) < 4 * p.loc[2023, "se"]
    # '24: each path's own last 8 actuals ('16–'22 known, '23 simulated)
    paths = sim.paths("w8").to_numpy()
    hist = np.column_stack([np.tile(values[1:], (n, 1)), paths[:, 0]])
    base = np.maximum(hist[:, -1], hist[:, -3:].mean(axis=1))
    target = base + hist.std(axis=1)
    assert p.loc[2024, "prob"] == pytest.approx(np.mean(paths[:, 1] >= target), abs=1e-12)


def test_long_term_path_through_the_engine_follows_each_paths_line():
    from tests.test_simulate import KnownLogNormal

    x = ind("lt8", {2021: 100.0, 2022: 104.0}, {2023: 110.0, 2024: 115.0, 2025: 120.0},
            rule=LongTermPath(2026, 124.0))
    n = 4096
    sim = kpisim.simulate(x, model=KnownLogNormal(mu=0.05, sigma=0.1), n_paths=n,
                          keep_paths=n, rng=5, until=2025)
    p = sim.prob_meet(basis="rule").set_index("year")
    paths = sim.paths("lt8").to_numpy()
    # by hand: A = 104 ('22, the last actual before the plan), α = 5 a year;
    # re-anchored at a simulated actual above the line: α = (124 − A)/(2026 − y);
    # an actual above B = 124 becomes B, and the target
    line23 = np.full(n, 109.0)
    above = paths[:, 0] > line23
    base24 = np.where(above, paths[:, 0], line23)
    alpha24 = np.where(above, (124 - paths[:, 0]) / 3, 5.0)
    target24 = np.where(paths[:, 0] > 124, paths[:, 0], base24 + alpha24)
    assert p.loc[2023, "prob"] == pytest.approx(np.mean(paths[:, 0] >= 109.0), abs=1e-12)
    assert p.loc[2024, "prob"] == pytest.approx(np.mean(paths[:, 1] >= target24), abs=1e-12)


def test_long_term_path_catalog_form_and_validation():
    rule = rule_from_dict({"type": "long_term_path", "goal_year": 2026, "goal_value": 160,
                           "base_year": 2020, "rebase_every": 3})
    assert rule == LongTermPath(2026, 160, base_year=2020, rebase_every=3)
    assert rule_from_dict(rule_to_dict(rule)) == rule
    assert "3년마다 재설정" in rule.describe("ko")
    with pytest.raises(RuleError, match="`base_year`"):
        LongTermPath(2026, 160, base_year=2026)
    with pytest.raises(RuleError, match="`rebase_every`"):
        LongTermPath(2026, 160, rebase_every=0)
    # an indicator's line starts at its latest actual before the plan years
    x = ind("lt", {2019: 50.0, 2020: 55.0, 2021: 60.0}, {2022: 62.0, 2026: 70.0})
    assert LongTermPath(2026, 70.0).for_indicator(x).base_year == 2021
    with pytest.raises(RuleError, match="after the goal year"):
        LongTermPath(2026, 70.0).path(x, [2027])


def test_previous_target_plus_sigma_window_8_through_the_engine():
    from scipy import stats

    from tests.test_simulate import KnownLogNormal

    mu, sigma = 0.05, 0.1
    x = ind("p8", EIGHT_YEARS, {2022: 118.0, 2023: 130.0},
            rule=PreviousTargetPlusSigma(k=1, window=8))
    sim = kpisim.simulate(x, model=KnownLogNormal(mu=mu, sigma=sigma), n_paths=20_000,
                          rng=12, until=2023)
    p = sim.prob_meet(basis="rule").set_index("year")
    # T('23) = T('22) + σ of the 8 actuals '15–'22 (population), against the '22 actual 115
    values = np.array(list(EIGHT_YEARS.values()))
    target = 118 + math.sqrt(np.mean((values - values.mean()) ** 2))
    exact = stats.norm.sf((math.log(target / 115) - mu) / sigma)
    assert abs(p.loc[2023, "prob"] - exact) < 4 * p.loc[2023, "se"]
