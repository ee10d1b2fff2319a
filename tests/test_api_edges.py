"""Plausible but unusual calls of the public API: clear errors, honest numbers.

Each test is a case found by calling the API as an analyst would; each fails
on the code before its fix.
"""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

import kpisim
from kpisim import Change, Indicator, Scenario, plot
from kpisim._validation import CatalogError, KpisimError, ModelError, SimulationError

matplotlib.use("Agg")

N = 2000


def count(ident="x", actuals=None, targets=None, **kw):
    return Indicator(id=ident, name_ko=ident, unit="개", kind="count",
                     actuals=actuals or {2020: 100, 2021: 110, 2022: 120},
                     targets=targets or {2027: 200}, **kw)


def test_first_hit_counts_a_goal_already_reached_before_the_grid():
    # the goal (150) was reached in 2021; where the grid starts must not matter
    x = count(actuals={2020: 100, 2021: 170, 2022: 160}, targets={2025: 150, 2030: 150})
    y = count("y", actuals={2019: 10, 2022: 12}, targets={2020: 11, 2027: 20})
    alone = kpisim.simulate(x, n_paths=N, rng=1).first_hit()
    beside = kpisim.simulate([x, y], n_paths=N, rng=1).first_hit().query("id == 'x'")
    for fh in (alone, beside):
        hit = fh[fh["prob"] > 0]
        assert hit["year"].tolist() == [2021]
        assert hit["prob"].tolist() == [1.0]
        assert fh["prob"].sum() == pytest.approx(1.0)


def test_a_labelled_correlation_frame_is_read_by_label():
    inds = [count(i, actuals={2020: v, 2021: 1.1 * v, 2022: 1.2 * v}) for i, v in
            (("a", 100), ("b", 50), ("c", 5))]
    r = pd.DataFrame([[1, .95, 0], [.95, 1, 0], [0, 0, 1]], index=list("abc"),
                     columns=list("abc"))
    shuffled = r.loc[list("cab"), list("cab")]
    one = kpisim.simulate(inds, correlation=r, n_paths=N, keep_paths=N, rng=1)
    two = kpisim.simulate(inds, correlation=shuffled, n_paths=N, keep_paths=N, rng=1)
    pd.testing.assert_frame_equal(one.prob_meet(), two.prob_meet())
    za, zb = (np.log(two.paths(k)[2030]) for k in "ab")
    assert np.corrcoef(za, zb)[0, 1] > 0.5
    with pytest.raises(SimulationError, match=r"no row or column .*\['c'\]"):
        kpisim.simulate(inds, correlation=r.loc[["a", "b"], ["a", "b"]], n_paths=N, rng=1)


def test_a_past_target_without_its_actual_is_named_and_counted_in_prob_path():
    x = count(actuals={2018: 80, 2022: 100}, targets={2020: 90, 2027: 200})
    sim = kpisim.simulate(x, n_paths=N, rng=1)
    path = sim.prob_path().set_index("year")
    assert path.loc[2020, "unjudged"] == 1
    assert path.loc[2027, "unjudged"] == 1
    a = sim.assumptions("en")
    row = a[a["field"] == "targets"]
    assert len(row) == 1
    assert "2020" in row["statement"].iloc[0]


def test_a_grade_cannot_decrease():
    with pytest.raises(CatalogError, match="direction"):
        Indicator(id="g", name_ko="평가", unit="등급", kind="grade", direction="decrease",
                  scale=("C", "B", "A"), actuals={2022: "B"}, targets={2025: "A"})


def test_a_level_shock_starting_among_the_actuals_is_applied_and_said():
    x = count()
    base = kpisim.simulate(x, n_paths=N, rng=1).prob_meet()["prob"].iloc[0]
    early = Scenario(name="s", changes=(Change(indicator="x", level_shock=0.5,
                                               years=(2020, 2030)),))
    on_grid = Scenario(name="s", changes=(Change(indicator="x", level_shock=0.5,
                                                 years=(2023, 2030)),))
    with pytest.warns(kpisim.KpisimWarning, match="applied in 2023"):
        p_early = kpisim.simulate(x, scenario=early, n_paths=N, rng=1).prob_meet()["prob"]
    p_grid = kpisim.simulate(x, scenario=on_grid, n_paths=N, rng=1).prob_meet()["prob"]
    assert p_early.iloc[0] == p_grid.iloc[0] > base
    past = Scenario(name="p", changes=(Change(indicator="x", growth_add=0.5,
                                              years=(2010, 2015)),))
    with pytest.warns(kpisim.KpisimWarning, match="has no effect"):
        kpisim.simulate(x, scenario=past, n_paths=N, rng=1)


def test_a_model_meant_for_another_kind_is_refused():
    with pytest.raises(KpisimError, match="meant for `share`"):
        kpisim.simulate(count(actuals={2020: 60, 2021: 75, 2022: 90}), model="logit",
                        n_paths=N, rng=1)
    with pytest.raises(KpisimError, match="meant for `grade`"):
        kpisim.simulate(count(), model="markov_grade", n_paths=N, rng=1)


def test_counts_never_go_below_zero_and_the_floor_is_stated():
    x = count(actuals={2020: 500, 2021: 300, 2022: 100}, targets={2027: 50},
              direction="decrease")
    sim = kpisim.simulate(x, model="naive", n_paths=N, keep_paths=N, rng=1)
    assert (sim.paths("x").to_numpy() >= 0).all()
    assert (sim.assumptions("en")["statement"].str.contains("floored at 0")).any()
    # a log-scale model never floors, so it says nothing
    sim = kpisim.simulate(x, n_paths=N, rng=1)
    assert not (sim.assumptions("en")["statement"].str.contains("floored at 0")).any()


def test_loggrowth_with_three_actuals_states_its_infinite_variance():
    x = count(actuals={2020: 100, 2021: 110, 2022: 125})
    sim = kpisim.simulate(x, model="loggrowth", n_paths=N, rng=1)
    assert (sim.assumptions("en")["statement"].str.contains("no finite variance")).any()


@pytest.mark.parametrize("history", [
    pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3, freq="YS")),
    [1.0, 2.0, 3.0],
])
def test_a_history_without_years_is_refused(history):
    with pytest.raises(ModelError, match="year"):
        kpisim.models.get_model("refgrowth").fit(history)


def test_audit_takes_one_indicator_as_simulate_does():
    from kpisim.rules import Uplift

    x = count(targets={2023: 130, 2024: 143, 2025: 157},
              rule=Uplift(0.10, text="전년 대비 10% 상향"))
    assert kpisim.audit(x)["id"].tolist() == ["x"]
    with pytest.raises(KpisimError, match="Indicator"):
        kpisim.audit([x, 5])


def test_plots_refuse_what_they_cannot_draw_clearly():
    one = count("one", actuals={2022: 100}, targets={2027: 200})
    grade = Indicator(id="g", name_ko="평가", unit="등급", kind="grade", scale=("C", "B", "A"),
                      actuals={2021: "B", 2022: "B"}, targets={2025: "A"})
    sim = kpisim.simulate([one, grade], n_paths=N, rng=1)
    plot.fan_chart(sim, "one", until=2023)  # the first simulated year: no target yet
    for call, match in (
        (lambda: plot.fan_chart(sim, "g"), "grade indicator"),
        (lambda: plot.first_hit_histogram(sim, "g"), "grade indicator"),
        (lambda: plot.fan_chart(sim, "nope"), "no simulated indicator `nope`"),
        (lambda: plot.attainment_heatmap(sim, ids=[]), "empty"),
        (lambda: plot.fan_chart(sim, "one", rule_path="abc"), "rule_path"),
    ):
        with pytest.raises(SimulationError, match=match):
            call()
    matplotlib.pyplot.close("all")


def test_one_id_given_as_a_string_is_one_id():
    sim = kpisim.simulate([count("ai"), count("b")], n_paths=N, rng=1)
    assert sim.prob_meet(ids="ai")["id"].unique().tolist() == ["ai"]
    assert sim.prob_joint(2027, "ai")["prob"].iloc[0] == sim.prob_meet(ids=["ai"])["prob"].iloc[0]
    with pytest.raises(SimulationError, match="probabilities"):
        sim.quantiles([np.nan])
    with pytest.raises(KpisimError, match="lang"):
        sim.assumptions("fr")


def test_a_model_that_needs_more_history_says_so():
    x = count(actuals={2022: 100})
    for model in ("linear", "holt"):
        with pytest.raises(KpisimError, match=f"model `{model}` needs at least"):
            kpisim.simulate(x, model=model, n_paths=N, rng=1)


def test_a_share_at_zero_with_a_target_of_zero_simulates():
    s = Indicator(id="d", name_ko="불량률", unit="%", kind="share", direction="decrease",
                  actuals={2020: 0, 2021: 0, 2022: 0}, targets={2027: 0})
    sim = kpisim.simulate(s, n_paths=N, keep_paths=N, rng=1)
    p = sim.prob_meet()["prob"].iloc[0]
    assert 0 < p < 1
    values = sim.paths("d").to_numpy()
    assert (values >= 0).all()
    assert (values <= 100).all()
    assert (sim.assumptions("en")["statement"].str.contains("at a bound")).any()


def test_compare_and_sensitivity_refuse_options_simulate_does_not_take():
    x = count()
    up = Scenario(name="up", changes=(Change(indicator="x", growth_add=0.02),))
    with pytest.raises(SimulationError, match="unknown option"):
        kpisim.compare([up], [x], n_path=1000)
    with pytest.raises(SimulationError, match="first argument"):
        kpisim.compare([up], [x], scenario=up)
    with pytest.raises(SimulationError, match="empty"):
        kpisim.compare([], [x])
    with pytest.raises(SimulationError, match=r"\(low, high\)"):
        kpisim.sensitivity([x], "x", 2027, ranges={"drift": (0.1,)}, n_paths=N, rng=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kpisim.sensitivity([x], "x", 2027, n_paths=N, rng=1)  # the normal call: no warning


def test_a_count_goal_of_zero_is_met_when_the_count_rounds_to_zero():
    # a positive model never reaches 0, but a path below 0.5 is 0 accidents
    x = count(actuals={2020: 5, 2021: 3, 2022: 1}, targets={2027: 0}, direction="decrease")
    sim = kpisim.simulate(x, n_paths=N, keep_paths=N, rng=1)
    p = sim.prob_meet()["prob"].iloc[0]
    below = float((sim.paths("x")[2027] < 0.5).mean())
    assert p == pytest.approx(below)
    assert p > 0.05
    assert sim.prob_joint(2027, ["x"])["prob"].iloc[0] == pytest.approx(below)


def test_whole_number_judging_by_its_closed_form():
    from kpisim.attainment import AttainmentCounter, meets, whole_threshold

    assert whole_threshold(3500, "increase") == 3499.5
    assert whole_threshold(0, "decrease") == 0.5
    assert whole_threshold(8.3, "increase") == 8.5  # round(v) ≥ 8.3 ⇔ round(v) ≥ 9
    v = np.array([[3499.4], [3499.5], [3500.2]])
    assert meets(v[:, 0], 3500, "increase", whole=True).tolist() == [False, True, True]
    c = AttainmentCounter(years=np.array([2030]), targets=np.array([3500.0]), goal=3500.0,
                          direction="increase", whole=True)
    c.update(v)
    assert c.hits.tolist() == [2]
    assert c.shortfall_sum.tolist() == [pytest.approx(0.6)]


def test_rule_targets_that_cannot_be_recomputed_say_why():
    from kpisim.rules import DeviationRule

    x = count(actuals={2021: 19.0, 2022: None}, targets={2022: 22.0, 2025: 26.0},
              rule=DeviationRule(k=2.0))
    sim = kpisim.simulate(x, n_paths=N, rng=1)
    rule = sim.prob_meet(basis="rule").set_index("year")
    assert np.isnan(rule.loc[2022, "prob"])
    a = sim.assumptions("en")
    assert a[a["field"] == "rule"]["statement"].str.contains("2022").any()


def test_a_model_that_sees_no_noise_says_its_probabilities_are_0_or_1():
    x = count(actuals={2019: 4, 2020: 5, 2021: 6, 2022: 7}, targets={2027: 10})
    sim = kpisim.simulate(x, model="naive", n_paths=N, rng=1)
    assert sim.assumptions("en")["statement"].str.contains("every simulated path").any()
    sim = kpisim.simulate(x, n_paths=N, rng=1)  # the default sees noise in the class
    assert not sim.assumptions("en")["statement"].str.contains("every simulated path").any()


def test_targets_after_until_are_never_dropped_silently():
    x = count(targets={2025: 150, 2040: 300})
    sim = kpisim.simulate(x, n_paths=N, rng=1)
    assert sim.assumptions("en")["statement"].str.contains("2040").any()
    far = count("far", targets={2040: 300})
    with pytest.raises(SimulationError, match="until=2040"):
        kpisim.simulate([x, far], n_paths=N, rng=1)


def test_arguments_that_would_be_silently_ignored_are_refused():
    x = count()
    with pytest.raises(SimulationError, match=r"not in the catalog: \['xx'\]"):
        kpisim.simulate(x, prior={"xx": None}, n_paths=N, rng=1)
    with pytest.raises(SimulationError, match="below `n_paths`"):
        kpisim.simulate(x, n_paths=10_000, target_se=0.01, max_paths=100, rng=1)
    bad = {"growth": np.array([[1.0, 2.0], [2.0, 1.0]])}
    with pytest.raises(SimulationError, match=r"`correlation\['growth'\]` entries"):
        kpisim.simulate([x, count("y")], correlation=bad, n_paths=N, rng=1)


def test_goals_and_report_refuse_bad_arguments_clearly(tmp_path):
    x = count()
    with pytest.raises(SimulationError, match="no indicator"):
        kpisim.goals.prob_range(x, ids=["zz"])
    with pytest.raises(SimulationError, match="rates"):
        kpisim.goals.prob_curve(x, 2027, rates="abc")
    with pytest.raises(SimulationError, match="above −1"):
        kpisim.goals.prob_curve(x, 2027, rates=[-1.0])
    sim = kpisim.simulate(x, n_paths=N, rng=1)
    with pytest.raises(KpisimError, match="file name"):
        kpisim.report(sim, 5)


def test_progress_ratio_for_a_zero_goal_and_a_target_at_the_base():
    from kpisim.attainment import progress_ratio

    # 5 → 1 accidents in 2 years, goal 0 in 7: linear paces 2/yr against 5/7 per yr
    assert progress_ratio(5, 2020, 1, 2022, 0, 2027, "decrease") == pytest.approx(2 / (5 / 7))
    assert progress_ratio(100, 2020, 120, 2022, 100, 2027) == float("inf")
    assert progress_ratio(100, 2020, 90, 2022, 100, 2027) == float("-inf")
    assert np.isnan(progress_ratio(100, 2022, 100, 2022, 150, 2027))  # one year: no pace


def test_a_rule_that_is_not_a_rule_is_refused():
    for rule in ({"type": "cagr", "rate": 0.08}, "CAGR 8%"):
        with pytest.raises(CatalogError, match="field `rule`"):
            count(rule=rule)


def test_inputs_that_look_mistaken_are_named():
    down = Indicator(id="d", name_ko="d", unit="일", kind="level", direction="decrease",
                     actuals={2020: 30, 2021: 28, 2022: 25}, targets={2025: 30, 2027: 40})
    frac = Indicator(id="f", name_ko="f", unit="%", kind="share",
                     actuals={2020: 0.41, 2021: 0.44}, targets={2025: 0.6})
    sim = kpisim.simulate([down, frac], n_paths=N, rng=1)
    a = sim.assumptions("en").set_index("field")
    assert "move the other way" in " ".join(a.loc[["direction"], "statement"])
    assert "fractions" in " ".join(a.loc[["kind"], "statement"])
    ok = kpisim.simulate(count(), n_paths=N, rng=1).assumptions("en")
    assert not ok["field"].isin(["direction"]).any()


def test_a_budget_change_without_effect_warns():
    x = count()
    idle = Scenario(name="b", changes=(Change(indicator="x", budget={2040: 10, 2041: 20},
                                              elasticity=1.0),))
    with pytest.warns(kpisim.KpisimWarning, match="budget change for `x` has no effect"):
        kpisim.simulate(x, scenario=idle, n_paths=N, rng=1)
    busy = Scenario(name="b", changes=(Change(indicator="x", budget={2023: 10, 2025: 20},
                                              elasticity=1.0),))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kpisim.simulate(x, scenario=busy, n_paths=N, rng=1)


@pytest.mark.parametrize("target", [246.0, 249.0, 250.0, 251.0])
def test_a_series_falling_away_from_its_target_is_never_on_track(target):
    """250 → 215 in a year; every target ≥ 246 in 2027 is now out of reach on
    that pace. A target just below the base allows a small decline only: before,
    r_obs/r_req (two negative rates) read 52 and 210, "on track"."""
    from kpisim.attainment import progress_class, progress_ratio

    r = progress_ratio(250, 2021, 215, 2022, target, 2027)
    assert progress_class(r) == "moving away"


def test_a_permitted_decline_is_scored_against_its_pace():
    from kpisim.attainment import progress_class, progress_ratio

    # allowed: 100 → 90 over 10 years (−1.05 %/yr)
    assert progress_ratio(100, 2020, 99.5, 2021, 90, 2030) == float("inf")  # slower decline
    req = 0.9 ** 0.1 - 1
    just_faster = 100 * (1 + 1.01 * req)  # 1 % faster than allowed: just under 1
    assert progress_ratio(100, 2020, just_faster, 2021, 90, 2030) == pytest.approx(0.99)
    twice = 100 * (1 + 2 * req)
    assert progress_ratio(100, 2020, twice, 2021, 90, 2030) == pytest.approx(0.0, abs=1e-12)
    assert progress_class(progress_ratio(100, 2020, 97, 2021, 90, 2030)) == "moving away"


def test_sensitivity_moves_a_shares_drift_on_its_own_logit_scale():
    """±1 sd of a logit drift (0.029) added as *level* growth gave P 0.000–0.866
    for SW 도입률 2030; moved on the logit scale it is the what-if of a reference
    growth shifted by the same amount (one actual: the drift is the reference's)."""
    from kpisim.models import reference_prior

    ind = kpisim.load_catalog()["sw_adoption_rate"]
    table = kpisim.sensitivity([ind], "sw_adoption_rate", 2030, rng=1, n_paths=8192)
    drift = table.set_index("assumption").loc["drift"]
    ref = reference_prior("logit")
    sd = drift["high"]
    assert sd == pytest.approx(kpisim.simulate(ind, n_paths=64, rng=1)
                               .fitted("sw_adoption_rate").params["drift_sd"])
    for side, d in (("p_low", -sd), ("p_high", sd)):
        sim = kpisim.simulate([ind], n_paths=8192, rng=1,
                              prior={"sw_adoption_rate": ref.with_growth(ref.m0 + d)})
        assert drift[side] == pytest.approx(sim.prob_meet(2030).prob.iloc[0], abs=0.02)
    assert 0.05 < drift["p_low"] < drift["p_base"] < drift["p_high"] < 0.7


def test_the_shortfall_in_percent_of_a_zero_target_is_undefined():
    zero = Indicator(id="z", name_ko="중대재해", unit="건", kind="count", direction="decrease",
                     actuals={2020: 14, 2021: 12, 2022: 13}, targets={2030: 0})
    row = kpisim.simulate(zero, n_paths=N, rng=1).shortfall(2030).iloc[0]
    assert row.p_miss > 0.5
    assert row.expected_shortfall > 0
    assert np.isnan(row.expected_shortfall_pct)  # was 0.0: "no shortfall"


def test_an_observed_year_has_no_monte_carlo_interval():
    x = count(targets={2021: 105, 2022: 130, 2027: 200})  # 2021 met, 2022 missed
    p = kpisim.simulate([x, count("y", actuals={2018: 50, 2019: 55})], n_paths=N,
                        rng=1).prob_meet(ids=["x"])
    seen = p[p.observed]
    assert seen.prob.tolist() == [1.0, 0.0]
    assert not seen.empty
    assert (seen.ci_low == seen.prob).all()
    assert (seen.ci_high == seen.prob).all()
    assert (seen.se == 0).all()


def test_an_until_before_the_actuals_is_named_not_listed_per_indicator():
    with pytest.raises(SimulationError, match=r"`until` = 2020 is not after the latest "
                                              r"actual \(2022\): choose a later `until`") as e:
        kpisim.simulate(kpisim.load_catalog(), until=2020, n_paths=N, rng=1)
    assert len(str(e.value)) < 1500  # grouped by reason, a few ids each (was 2,000+ chars)


def test_an_inferred_kind_is_stated_in_korean_by_default():
    from pathlib import Path

    cat = kpisim.load_catalog(Path(__file__).resolve().parents[1] / "docs" / "_static"
                              / "example_catalog.csv")
    a = kpisim.simulate(cat, n_paths=N, rng=1).assumptions()
    rows = a[a.field == "kind"]
    assert not rows.empty
    assert rows.statement.str.contains("추론").all()
    en = kpisim.simulate(cat, n_paths=N, rng=1).assumptions("en")
    assert en[en.field == "kind"].statement.str.contains("inferred from unit").all()


def test_sensitivity_converts_the_01_logit_models_drift_to_level_growth():
    """model='logit' (0.1's GrowthFitted) keeps its scale on its spec and has no
    `bounds`: the drift was moved as ±0.044 of level growth unconverted."""
    ind = Indicator(id="r", name_ko="도입률", unit="%", kind="share",
                    actuals={2017: 80.0, 2018: 82.0, 2019: 85.0, 2020: 86.0, 2021: 89.0},
                    targets={2025: 95.0})
    from kpisim.scenarios import _drift_sd

    fitted = kpisim.simulate(ind, model="logit", n_paths=64, rng=1).fitted("r")
    factor = (100 - 89.0) * 89.0 / (100 * 89.0)  # (b − y)(y − a)/((b − a) y)
    table = kpisim.sensitivity(ind, "r", 2025, model="logit", rng=1, n_paths=2048)
    drift = table.set_index("assumption").loc["drift"]
    assert drift["high"] == pytest.approx(_drift_sd(dict(fitted.params)) * factor)


def test_the_order_of_a_scenarios_changes_does_not_matter():
    """A growth multiplier listed after a level shock multiplied the shock too:
    P(2030) of ict_sw_exports was 0.349 or 0.453 depending on the list order."""
    ind = kpisim.load_catalog()["ict_sw_exports"]
    shock = Change(indicator="ict_sw_exports", level_shock=-0.2, years=(2025, 2030))
    double = Change(indicator="ict_sw_exports", growth_multiplier=2.0)
    add = Change(indicator="ict_sw_exports", growth_add=0.01, years=(2026, 2028))
    runs = [kpisim.simulate(ind, n_paths=4096, rng=2, keep_paths=4096,
                            scenario=Scenario(name="s", changes=order))
            for order in ((shock, double, add), (double, add, shock), (add, shock, double))]
    for other in runs[1:]:
        np.testing.assert_allclose(other.kept_paths("ict_sw_exports"),
                                   runs[0].kept_paths("ict_sw_exports"), rtol=1e-12)
    # the shock keeps its meaning: the level × 0.8 from 2025 against the multiplier alone
    alone = kpisim.simulate(ind, n_paths=4096, rng=2, keep_paths=4096,
                            scenario=Scenario(name="m", changes=(double,)))
    i = list(runs[0].years).index(2025)
    ratio = runs[0].kept_paths("ict_sw_exports")[:, i] / alone.kept_paths("ict_sw_exports")[:, i]
    # (but for the few paths whose doubled growth hits the −99 % floor either way)
    assert (np.abs(ratio - 0.8) < 1e-9).mean() > 0.99


def test_prob_range_refuses_a_scenario_run_it_would_mix_with_the_baseline():
    """Its prior what-ifs simulate the baseline: a scenario's own P beside them
    gave a 'range' 0.051–0.594 that was neither the scenario's nor the baseline's."""
    cat = kpisim.load_catalog().headline()
    cut = Scenario(name="cut", changes=(Change(indicator="ai_firms", growth_add=-0.05),))
    sim = kpisim.simulate(cat, n_paths=1024, rng=1, scenario=cut)
    with pytest.raises(SimulationError, match="ran scenario 'cut'"):
        kpisim.goals.prob_range(sim, 2030)


@pytest.mark.parametrize("fn", ["goal_evidence", "prob_curve"])
def test_a_goal_year_already_observed_is_refused_by_the_what_ifs(fn):
    ind = kpisim.load_catalog()["sme_cloud_adoption"]  # 2022 actual 1,180 vs target 600
    with pytest.raises(SimulationError, match="2022 is not after the last actual"):
        getattr(kpisim.goals, fn)(ind, 2022, n_paths=256, rng=1)


def test_sensitivity_refuses_a_year_already_observed():
    ind = kpisim.load_catalog()["sme_cloud_adoption"]
    with pytest.raises(SimulationError, match="2022 is not after the last actual"):
        kpisim.sensitivity([ind], "sme_cloud_adoption", 2022, n_paths=256, rng=1)


def test_scenario_inputs_that_would_be_misread_or_ignored_are_refused():
    with pytest.raises(SimulationError, match=r"did you mean -0\.03"):
        Change(indicator="x", growth_add=-3)  # −300 %/yr: a percent written as a number
    with pytest.raises(SimulationError, match="given with a `budget`"):
        Change(indicator="x", elasticity=0.5)  # did nothing without a budget
    cat = kpisim.load_catalog()
    skipped = Scenario(name="s", changes=(Change(indicator="ai_utilization_outcomes_a",
                                                  growth_add=0.01),))
    with pytest.raises(SimulationError, match=r"that were not simulated .*no actual"):
        kpisim.simulate(cat, scenario=skipped, n_paths=256, rng=1)
