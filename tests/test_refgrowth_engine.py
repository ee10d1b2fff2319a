"""The default model in the engine: built-in catalogs, bounds, independence, correlation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpisim
from kpisim import SimulationError

N = 8192


@pytest.fixture(scope="module")
def nipa():
    return kpisim.load_catalog()


@pytest.fixture(scope="module")
def nipa_sim(nipa):
    return kpisim.simulate(nipa, n_paths=N, rng=3, keep_paths=N)


@pytest.mark.parametrize("name", ["nipa_2023_2027", "regional_digital"])
def test_builtin_catalogs_simulate_with_the_defaults(name):
    sim = kpisim.simulate(kpisim.load_catalog(name), n_paths=4096, rng=1)
    assert sim.ids
    assert all("grade" in why or "no " in why or "not before" in why
               for why in sim.skipped.values()), sim.skipped


def test_one_actual_alone_gives_the_numbers_it_gets_in_the_catalog(nipa, nipa_sim):
    alone = kpisim.simulate(nipa["ai_firms"], n_paths=N, rng=3)
    a = alone.prob_meet(2030).prob.iloc[0]
    b = nipa_sim.prob_meet(2030, ids=["ai_firms"]).prob.iloc[0]
    assert a == b


def test_dropping_any_other_indicator_leaves_the_headline_probabilities_unchanged(nipa):
    heads = ["ai_firms", "ict_sw_exports", "sw_adoption_rate"]
    full = kpisim.simulate(nipa, n_paths=4096, rng=9).prob_meet(2030, ids=heads).prob
    others = [i for i in kpisim.simulate(nipa, n_paths=4096, rng=9).ids if i not in heads]
    for drop in others[:: max(1, len(others) // 6)]:
        sub = nipa.filter(lambda ind, d=drop: ind.id != d)
        p = kpisim.simulate(sub, n_paths=4096, rng=9).prob_meet(2030, ids=heads).prob
        assert np.array_equal(p.to_numpy(), full.to_numpy()), drop


def test_no_simulated_value_leaves_its_bounds(nipa, nipa_sim):
    for ident in nipa_sim.ids:
        b = nipa[ident].resolved_bounds()
        if b is None:
            continue
        v = nipa_sim.paths(ident).to_numpy()
        v = v[~np.isnan(v)]
        assert v.min() >= b.low, ident
        assert v.max() <= b.high, ident


def test_2030_bands_stay_within_20x_of_the_largest_actual(nipa, nipa_sim):
    q = nipa_sim.quantiles([0.025, 0.975])
    last = q[q.year == nipa_sim.years[-1]].pivot(index="id", columns="q", values="value")
    for ident, row in last.iterrows():
        top = nipa[ident].observed.max()
        assert row[0.975] <= 20 * top, ident
        assert row[0.025] >= top / 20, ident


def test_satisfaction_score_out_of_100_stays_below_100(nipa_sim):
    q = nipa_sim.quantiles([0.5, 0.975], ids=["overseas_center_satisfaction"])
    assert q.value.max() <= 100


def test_a_target_on_the_bound_is_simulated_as_a_censored_level(nipa, nipa_sim):
    notes = nipa_sim.assumptions(lang="en").query("id == 'disabled_employment_ratio'").statement
    assert notes.str.contains("censored at").any()
    p = nipa_sim.prob_meet(2027, ids=["disabled_employment_ratio"]).prob.iloc[0]
    assert 0 < p < 1  # a capped ratio can reach its cap
    v = nipa_sim.paths("disabled_employment_ratio")[2027].to_numpy()
    assert v.max() <= 100
    assert (v == 100).mean() == pytest.approx(p, abs=0.02)  # the mass at the cap is P(met)
    # a bounded score whose targets stay inside keeps the logit scale
    notes = nipa_sim.assumptions(lang="en").query("id == 'oda_satisfaction'").statement
    assert notes.str.contains("logit").any()
    assert not notes.str.contains("censored").any()


def test_declared_prior_is_a_what_if_not_the_default(nipa):
    head = nipa.headline()
    ref = kpisim.simulate(head, n_paths=N, rng=2).prob_meet(2030, ids=["ict_sw_exports"])
    dec = kpisim.simulate(head, n_paths=N, rng=2, prior="declared").prob_meet(
        2030, ids=["ict_sw_exports"])
    assert dec.prob.iloc[0] > ref.prob.iloc[0] + 0.05  # 8 %/yr stated CAGR vs the outside view


def test_a_common_growth_factor_raises_the_joint_probability(nipa):
    head = nipa.headline()
    rho = np.full((3, 3), 0.9)
    np.fill_diagonal(rho, 1.0)
    kw = dict(n_paths=16384, rng=4, keep_paths=16384)
    indep = kpisim.simulate(head, **kw)
    shocks = kpisim.simulate(head, correlation={"shocks": rho}, **kw)
    both = kpisim.simulate(head, correlation=rho, **kw)
    ids = indep.ids
    p0, p1, p2 = (s.prob_joint(2030, ids).prob.iloc[0] for s in (indep, shocks, both))
    assert p0 < p1 < p2
    # growth-factor correlation leaves every marginal where it was (same draws, reordered)
    m0 = indep.prob_meet(2030).prob.to_numpy()
    m2 = both.prob_meet(2030).prob.to_numpy()
    assert np.allclose(m0, m2, atol=4 * np.sqrt(0.25 / 16384))


def test_bad_correlation_mappings_are_refused(nipa):
    head = nipa.headline()
    with pytest.raises(SimulationError, match="'shocks' and/or 'growth'"):
        kpisim.simulate(head, n_paths=16, rng=1, correlation={"drift": np.eye(3)})
    with pytest.raises(SimulationError, match="must be 3×3"):
        kpisim.simulate(head, n_paths=16, rng=1, correlation={"growth": np.eye(2)})


def test_unknown_prior_policy_is_refused(nipa):
    with pytest.raises(SimulationError, match="`prior` must be"):
        kpisim.simulate(nipa.headline(), n_paths=16, rng=1, prior="outside")


def test_catalog_pooling_keeps_any_one_peer_from_moving_a_headline_goal_much(nipa):
    """prior="catalog": dropping any one other indicator moves P by < 3 points."""
    heads = ["ai_firms", "ict_sw_exports", "sw_adoption_rate"]
    kw = dict(n_paths=4096, rng=9, prior="catalog")
    full = kpisim.simulate(nipa.headline(), **kw).prob_meet(2030, ids=heads).prob.to_numpy()
    ref = kpisim.simulate(nipa.headline(), n_paths=4096, rng=9).prob_meet(2030, ids=heads)
    assert not np.array_equal(full, ref.prob.to_numpy())  # the catalog is evidence
    groups = {(nipa[h].kind, nipa[h].unit) for h in heads}
    peers = [i for i in nipa.values()
             if i.id not in heads and (i.kind, i.unit) in groups and len(i.observed) >= 2]
    assert len(peers) >= 5
    for drop in peers:
        sub = kpisim.Catalog(tuple(i for i in nipa.values() if i.id != drop.id), name="sub")
        p = kpisim.simulate(sub.headline(), **kw).prob_meet(2030, ids=heads).prob.to_numpy()
        assert np.abs(p - full).max() < 0.03, drop.id
    notes = kpisim.simulate(nipa.headline(), **kw).assumptions(lang="en").statement
    assert notes.str.contains("pooled with").any()


def test_prob_meet_has_a_companion_with_the_range_across_priors(nipa):
    sim = kpisim.simulate(nipa.headline(), n_paths=4096, rng=5)
    r = sim.prob_range(2030, ids=["ai_firms"]).iloc[0]
    p = sim.prob_meet(2030, ids=["ai_firms"]).iloc[0]
    assert r.prob_default == p.prob
    assert r.prob_low <= r.prob_default <= r.prob_high
    assert r.prob_high - r.prob_low > 10 * p.se  # the priors matter far more than MC error


def test_goal_what_ifs_use_the_scale_the_engine_simulates_on(nipa):
    """A target on its bound is simulated on the log scale; so are its what-ifs."""
    ind = nipa["disabled_employment_ratio"]
    ev = kpisim.goals.goal_evidence(ind, 2027, n_paths=4096, rng=1)
    run = kpisim.simulate(ind, n_paths=4096, rng=1).prob_meet(2027).prob.iloc[0]
    assert ev.prob.iloc[0] == run
    curve = kpisim.goals.prob_curve(ind, 2027, rates=[0.0, 0.02, 0.05], n_paths=4096, rng=1)
    assert curve.prob.is_monotonic_increasing


def test_a_reference_prior_on_the_wrong_scale_is_refused():
    from kpisim.models import RefGrowth, reference_prior

    with pytest.raises(kpisim.ModelError, match="logit scale"):
        RefGrowth().fit(pd.Series([5.0], index=[2021]), kind="count",
                        prior=reference_prior("logit"))


def _geometric(n: int, noise: float, seed: int = 3):
    v = 100 * 1.1 ** np.arange(n) * np.exp(noise * np.random.default_rng(seed).standard_normal(n))
    return kpisim.Indicator(id="x", name_ko="x", unit="개", kind="count",
                            actuals={2000 + i: float(x) for i, x in enumerate(v)},
                            targets={2000 + n + 5: float(v[-1]) * 1.1**6})


@pytest.mark.parametrize(("n", "noise", "flagged"), [
    (10, 0.0, True),    # exactly 10 % a year: smoother than any real series
    (30, 0.0, True),
    (10, 0.05, False),  # ordinary noise
    (3, 0.0, False),    # two increments say too little to judge
])
def test_a_history_smoother_than_the_reference_class_is_flagged(n, noise, flagged):
    sim = kpisim.simulate(_geometric(n, noise), n_paths=1000, rng=1, until=2000 + n + 5)
    text = " ".join(sim.assumptions(lang="en").statement)
    assert ("smoother than 99.5 %" in text) is flagged


def _declining(direction: str, actuals: dict[int, float] | None = None) -> kpisim.Indicator:
    return kpisim.Indicator(
        id="accidents", name_ko="사고 건수", unit="건", kind="count", direction=direction,
        actuals=actuals or {2019: 120, 2020: 104, 2021: 111, 2022: 93, 2023: 90},
        targets={2027: 70, 2030: 55} if direction == "decrease" else {2027: 95, 2030: 99})


def _direction_notes(sim, lang="ko") -> list[str]:
    a = sim.assumptions(lang)
    return a[(a.source == "engine") & (a.field == "direction")].statement.tolist()


def test_a_decrease_goal_is_told_the_reference_class_pulls_its_drift_up():
    """The reference class mostly grows (m0 > 0): for a goal meant to fall, the
    shrinkage of a falling history toward growth is stated, with both drifts."""
    sim = kpisim.simulate(_declining("decrease"), n_paths=4096, rng=1)
    (note,) = _direction_notes(sim)
    own = np.diff(np.log([120, 104, 111, 93, 90])).mean()
    assert f"{own:+.3f}" in note  # the history's own mean log growth, −0.072
    mu = sim.fitted("accidents").params["mu"]
    assert own < 0 < mu  # pulled from decline to growth
    (en,) = _direction_notes(sim, "en")
    assert "pulls its drift up" in en
    one = kpisim.simulate(_declining("decrease", {2023: 90.0}), n_paths=4096, rng=1)
    assert "unknown (one actual)" in _direction_notes(one, "en")[0]


def test_no_reference_note_for_an_increase_goal_or_without_the_reference_prior():
    assert _direction_notes(kpisim.simulate(_declining("increase"), n_paths=4096, rng=1)) == []
    own_only = kpisim.simulate(_declining("decrease"), n_paths=4096, rng=1,
                               model=kpisim.models.RefGrowth(reference=None))
    assert _direction_notes(own_only) == []


def _share(targets: dict[int, float]) -> kpisim.Indicator:
    return kpisim.Indicator(id="s", name_ko="이행률", unit="%", kind="share",
                            actuals={2019: 95.0, 2020: 97.0, 2021: 98.0}, targets=targets)


def test_the_forecast_does_not_depend_on_where_the_targets_are():
    """A target on the bound changes how that target is judged (ε-boundary rule),
    never the model: P of the other years and the paths inside the bounds are the
    same as with a target just below it (before, one target of 100 switched the
    share to a censored log model and moved P(2025 ≥ 99) from 0.26 to 0.82)."""
    below = kpisim.simulate(_share({2025: 99.0, 2027: 99.99}), n_paths=N, rng=1)
    on = kpisim.simulate(_share({2025: 99.0, 2027: 100.0}), n_paths=N, rng=1)
    p_below, p_on = below.prob_meet(), on.prob_meet()
    assert p_on.prob.iloc[0] == p_below.prob.iloc[0]  # 2025
    # 100 % is met by a value within ε = 0.1 point of it: P(2027 ≥ 99.9)
    v = below.paths("s")[2027].to_numpy()
    assert p_on.prob.iloc[1] == pytest.approx((v >= 99.9).mean(), abs=0.02)
    assert p_on.prob.iloc[1] < 0.05  # on the logit scale 98 % rarely becomes 99.9 %
    inside = v < 99.9
    np.testing.assert_array_equal(on.paths("s")[2027].to_numpy()[inside], v[inside])


def test_a_bounded_ratio_is_censored_whatever_its_targets():
    ratio = kpisim.Indicator(id="r", name_ko="의무고용 비율", unit="%", kind="ratio",
                             bounds=(0, 100), actuals={2021: 88.9}, targets={2027: 95.0})
    notes = kpisim.simulate(ratio, n_paths=N, rng=1).assumptions("en").statement
    assert notes.str.contains("censored at").any()


def test_a_steady_trend_far_from_the_reference_growth_is_told_its_sigma_grew():
    noise = np.array([0.02, -0.02, 0.01, -0.01, 0.02, -0.02, 0.01, -0.01])
    for growth, told in ((0.20, True), (0.05, False)):
        vals = 100 * np.exp(np.log1p(growth) * np.arange(8) + noise)
        ind = kpisim.Indicator(id="x", name_ko="x", unit="억원", kind="level",
                               actuals=dict(zip(range(2014, 2022), vals.tolist(), strict=True)),
                               targets={2030: 100.0})
        sim = kpisim.simulate(ind, n_paths=1024, rng=1)
        p = sim.fitted("x").params
        own_sd = np.diff(np.log(vals)).std(ddof=1)
        assert (p["sigma"] > 2 * own_sd) == told
        said = sim.assumptions("en").statement.str.contains("explains part of the gap as noise")
        assert said.any() == told
