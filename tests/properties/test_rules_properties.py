"""Properties of target rules and rounding."""

from __future__ import annotations

import json
import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import kpisim
from kpisim.rules import (
    CAGR,
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
    rule_from_dict,
    rule_to_dict,
)
from kpisim.rules._handbook_math import handbook_baseline

FAST = settings(max_examples=60, deadline=None)
# below 1: a catalog refuses a yearly rate of 100 % or more (a percentage written as a number)
rates = st.floats(-0.5, 1.0, allow_nan=False, exclude_max=True)
positive = st.floats(0.01, 1e6, allow_nan=False)
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
               max_size=20)
roundings = st.one_of(st.none(), st.builds(
    Rounding, st.sampled_from(["none", "half_up", "floor", "ceil"]), st.integers(0, 4)))
common = {"text": text, "interpretation": text, "rounding": roundings,
          "chain_rounded": st.one_of(st.none(), st.booleans())}
years = st.integers(1990, 2100)


def ind(actuals, targets=None, **kw):
    return kpisim.Indicator(id="p", name_ko="p", unit="-", kind="level",
                            actuals=actuals, targets=targets or {}, **kw)


simple_rules = st.one_of(
    st.builds(CAGR, rates, st.one_of(st.none(), years), **common),
    st.builds(Uplift, rates, st.sampled_from(
        ["previous_target", "previous_actual", "best", "handbook_baseline"]), **common),
    # a catalog's deviation window is at least 3 (the handbook's σ over 3–5 actuals), and
    # ddof stays below the fewest actuals σ may use
    st.builds(DeviationRule, st.one_of(st.none(), st.floats(0, 3)), st.integers(3, 6),
              st.integers(0, 1), st.sampled_from(["handbook", "last_actual"]),
              st.floats(0, 3), **common),
    st.builds(PreviousTargetPlusSigma, st.floats(0, 3), st.integers(2, 6),
              st.integers(0, 1), **common),
    st.builds(RatioRule, st.floats(1.0, 1.5), st.floats(0.5, 1.0), **common),
    st.builds(LongTermPath, years, st.floats(-1e6, 1e6), **common),
    st.builds(AbsoluteIncrement, st.floats(-1e3, 1e3), **common),
    st.builds(RatioOfLast, st.floats(0.1, 3), st.sampled_from(["actual", "target"]),
              **common),
    st.builds(MilestoneThenGrowth, years, positive, rates, **common),
    st.builds(PerBudget, st.floats(0, 10), st.dictionaries(years, positive, max_size=3),
              **common),
    st.builds(Fixed, st.one_of(st.floats(-1e6, 1e6), st.sampled_from(["1등급", "우수"])),
              **common),
    st.builds(Maintain, **common),
    st.builds(Stated, **common),
)
all_rules = st.one_of(simple_rules, st.builds(
    Sequence,
    st.lists(st.tuples(years, simple_rules), min_size=1, max_size=3,
             unique_by=lambda p: p[0]),
    **common))


@given(all_rules)
@FAST
def test_rule_from_dict_inverts_rule_to_dict(rule):
    assert rule_from_dict(rule_to_dict(rule)) == rule
    as_yaml = yaml.safe_dump(rule_to_dict(rule), allow_unicode=True)
    assert rule_from_dict(yaml.safe_load(as_yaml)) == rule
    assert rule_from_dict(json.loads(json.dumps(rule_to_dict(rule)))) == rule


@given(positive, rates, st.integers(1, 12))
@FAST
def test_cagr_path_solves_back_to_its_rate(base, rate, n):
    x = ind({2020: base})
    value = CAGR(rate).path(x, [2020 + n]).iloc[0]
    assert implied_cagr(base, 2020, value, 2020 + n) == pytest.approx(rate, abs=1e-9)
    assert CAGR.joining(base, 2020, value, 2020 + n).rate == pytest.approx(rate, abs=1e-9)


def _rule_cases(rate):
    return [CAGR(rate), Uplift(rate), Uplift(rate, basis="previous_actual"),
            Uplift(rate, basis="best"), Uplift(rate, basis="handbook_baseline"),
            RatioOfLast(1 + rate, basis="target"), RatioRule(high=1 + abs(rate)),
            DeviationRule(), PreviousTargetPlusSigma()]


@given(st.lists(positive, min_size=3, max_size=6), positive, rates,
       st.floats(0.01, 100))
@FAST
def test_multiplicative_rules_are_scale_invariant(history, target, rate, c):
    start = 2022 - len(history) + 1
    acts = dict(zip(range(start, 2023), history, strict=True))
    x, cx = ind(acts, {2022: target}), ind({y: c * v for y, v in acts.items()},
                                            {2022: c * target})
    for rule in _rule_cases(rate):
        a = rule.path(x, [2023, 2024, 2025]).to_numpy()
        b = rule.path(cx, [2023, 2024, 2025]).to_numpy()
        np.testing.assert_allclose(b, c * a, rtol=1e-9, err_msg=rule.type)


@given(positive, rates, rates, roundings, st.booleans())
@FAST
def test_paths_are_monotone_in_the_rate(base, r1, r2, rounding, chain):
    lo, hi = sorted((r1, r2))
    x = ind({2021: base}, {2021: base})
    for make in (lambda r: CAGR(r), lambda r: Uplift(r),
                 lambda r: Uplift(r, basis="previous_actual")):
        a = make(lo).path(x, range(2022, 2028), rounding=rounding, chain_rounded=chain)
        b = make(hi).path(x, range(2022, 2028), rounding=rounding, chain_rounded=chain)
        assert (a.to_numpy() <= b.to_numpy() + 1e-9 * base).all()


@given(st.lists(st.floats(-1e4, 1e4), min_size=3, max_size=8), st.floats(0, 4),
       st.sampled_from(["increase", "decrease"]))
@FAST
def test_deviation_bounds_bracket_the_baseline(history, k, direction):
    rule = DeviationRule(k=k)
    hi, lo = rule.bounds(history, direction=direction)
    base = handbook_baseline(history, direction)
    tol = 1e-9 * (1 + max(abs(v) for v in history))
    if direction == "increase":
        assert lo - tol <= base <= hi + tol
    else:
        assert hi - tol <= base <= lo + tol


@given(st.floats(-1e4, 1e4), st.integers(3, 8), st.floats(0, 4))
@FAST
def test_deviation_of_a_constant_history_is_the_baseline(value, n, k):
    assert DeviationRule(k=k).bounds([value] * n) == (value, value)


@given(st.floats(-1e6, 1e6), st.integers(0, 4))
@FAST
def test_rounding_moves_less_than_one_unit_and_orders_modes(x, d):
    unit = 10.0**-d
    tol = 1e-9 * max(1.0, abs(x))
    f, h, c = (Rounding(m, d)(x) for m in ("floor", "half_up", "ceil"))
    for r in (f, h, c):
        assert abs(r - x) < unit + tol
    assert abs(h - x) <= unit / 2 + tol
    assert f <= h <= c


@given(st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False,
                   allow_infinity=False), st.integers(0, 3))
@FAST
def test_rounding_agrees_with_decimal_arithmetic(dec, d):
    q = Decimal(1).scaleb(-d)
    for mode, how in (("half_up", ROUND_HALF_UP), ("floor", ROUND_FLOOR),
                      ("ceil", ROUND_CEILING)):
        assert Rounding(mode, d)(float(dec)) == float(dec.quantize(q, rounding=how))


@given(st.integers(0, 2**32 - 1), st.sampled_from(["half_up", "floor", "ceil"]),
       st.integers(0, 3))
@FAST
def test_array_rounding_equals_scalar_rounding(seed, mode, d):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(0, 100, size=50), 5)
    r = Rounding(mode, d)
    assert r(x).tolist() == [r(float(v)) for v in x]


@given(st.integers(0, 2**32 - 1), st.integers(3, 6),
       st.sampled_from(["increase", "decrease"]))
@settings(max_examples=25, deadline=None)
def test_next_target_equals_a_per_path_loop(seed, window, direction):
    rng = np.random.default_rng(seed)
    hist = rng.lognormal(3.0, 0.3, size=(8, window))
    prev_target = rng.lognormal(3.0, 0.3, size=8)
    rules = [DeviationRule(window=window), RatioRule(), PreviousTargetPlusSigma(),
             Uplift(0.05, basis="handbook_baseline"), Uplift(0.1, basis="best"),
             Uplift(0.1, basis="previous_actual")]
    for rule in rules:
        fast = rule.next_target(hist[:, -1], prev_target, hist, year=2030,
                                direction=direction)
        for i in range(8):
            acts = dict(zip(range(2030 - window, 2030), hist[i], strict=True))
            x = kpisim.Indicator(id="p", name_ko="p", unit="-", kind="level",
                                 direction=direction, actuals=acts,
                                 targets={2029: prev_target[i]})
            slow = rule.path(x, [2030]).iloc[0]
            assert math.isclose(fast[i], slow, rel_tol=1e-9), rule.type
