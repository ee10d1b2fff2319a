"""The simulation engine: closed forms, reproducibility, streaming, bad input."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kpisim
from kpisim import Change, Indicator, Scenario, SimulationError


@dataclass(frozen=True)
class KnownFitted:
    """log y_t = log y_{t-1} + mu + sigma * z: a lognormal with known parameters."""

    mu: float
    sigma: float
    last_year: int
    last_value: float
    model: str = "known-lognormal"
    params: dict = field(default_factory=dict)
    assumptions: tuple = ()

    def sample(self, years, n_paths, *, rng, shocks=None):
        rng = np.random.default_rng(rng)
        steps = max(years) - self.last_year
        z = rng.standard_normal((n_paths, steps)) if shocks is None else shocks
        logs = np.log(self.last_value) + np.cumsum(self.mu + self.sigma * z, axis=1)
        cols = np.asarray(years) - self.last_year - 1
        return np.exp(logs[:, cols])

    def describe(self):
        return f"lognormal mu={self.mu}, sigma={self.sigma}"


@dataclass(frozen=True)
class KnownLogNormal:
    mu: float = 0.05
    sigma: float = 0.1
    name: str = "known-lognormal"
    min_history: int = 1

    def fit(self, history, *, kind="level", prior=None):
        return KnownFitted(self.mu, self.sigma, int(history.index[-1]), float(history.iloc[-1]))


def indicator(**kw) -> Indicator:
    base = dict(
        id="x",
        name_ko="지표",
        unit="개",
        kind="count",
        actuals={2021: 100.0, 2022: 104.0},
        targets={2025: 115.0, 2027: 125.0, 2030: 140.0},
    )
    base.update(kw)
    return Indicator(**base)


def test_prob_matches_lognormal_closed_form():
    model = KnownLogNormal(mu=0.05, sigma=0.1)
    sim = kpisim.simulate(indicator(), model=model, n_paths=60_000, rng=7)
    p = sim.prob_meet()
    for row in p.itertuples():
        h = row.year - 2022
        # a count meets an integer target when it rounds to it: from target − ½
        assert float(row.target).is_integer()
        exact = stats.norm.sf((np.log((row.target - 0.5) / 104.0) - 0.05 * h)
                              / (0.1 * np.sqrt(h)))
        assert abs(row.prob - exact) < 4 * row.se + 1e-12, (row.year, row.prob, exact)
        assert row.n_paths == 60_000


def test_same_seed_same_numbers_for_any_chunk_size():
    model = KnownLogNormal()
    a = kpisim.simulate(indicator(), model=model, n_paths=20_000, rng=3, chunk_size=4096)
    b = kpisim.simulate(indicator(), model=model, n_paths=20_000, rng=3, chunk_size=50_000)
    c = kpisim.simulate(indicator(), model=model, n_paths=20_000, rng=3, chunk_size=1)
    for other in (b, c):
        assert a.prob_meet().equals(other.prob_meet())
        assert a.first_hit().equals(other.first_hit())
        np.testing.assert_array_equal(a.paths("x").to_numpy(), other.paths("x").to_numpy())


def test_different_seeds_differ():
    model = KnownLogNormal()
    a = kpisim.simulate(indicator(), model=model, n_paths=5000, rng=1)
    b = kpisim.simulate(indicator(), model=model, n_paths=5000, rng=2)
    assert not np.array_equal(a.paths("x").to_numpy(), b.paths("x").to_numpy())


def test_se_shrinks_like_one_over_sqrt_n():
    model = KnownLogNormal()
    small = kpisim.simulate(indicator(), model=model, n_paths=4096, rng=5).prob_meet(2027)
    large = kpisim.simulate(indicator(), model=model, n_paths=16 * 4096, rng=5).prob_meet(2027)
    ratio = float(small.se.iloc[0] / large.se.iloc[0])
    assert 3.5 < ratio < 4.5


def test_target_se_adds_paths_until_precise():
    model = KnownLogNormal()
    sim = kpisim.simulate(indicator(), model=model, n_paths=4096, rng=5, target_se=0.003)
    p = sim.prob_meet()
    assert (p.se <= 0.003).all()
    assert sim.n_paths > 4096
    assert sim.n_paths <= 2_000_000


def test_decreasing_indicator_meets_from_below():
    model = KnownLogNormal(mu=-0.05, sigma=0.05)
    ind = indicator(direction="decrease", targets={2025: 95.0, 2027: 80.0})
    sim = kpisim.simulate(ind, model=model, n_paths=20_000, rng=1)
    p = sim.prob_meet().set_index("year").prob
    exact_25 = stats.norm.cdf((np.log(95 / 104) + 0.05 * 3) / (0.05 * np.sqrt(3)))
    assert abs(p[2025] - exact_25) < 0.02
    assert p[2027] < p[2025]


def test_observed_years_are_certain():
    ind = indicator(targets={2021: 90.0, 2022: 110.0, 2027: 125.0})
    sim = kpisim.simulate(ind, model=KnownLogNormal(), n_paths=4096, rng=1)
    p = sim.prob_meet().set_index("year")
    assert p.loc[2021, "prob"] == 1.0
    assert p.loc[2021, "observed"]
    assert p.loc[2022, "prob"] == 0.0
    assert p.loc[2022, "se"] == 0.0
    assert not p.loc[2027, "observed"]


def test_first_hit_is_a_distribution_and_path_prob_is_monotone():
    sim = kpisim.simulate(indicator(), model=KnownLogNormal(), n_paths=8192, rng=4)
    fh = sim.first_hit()
    assert fh.prob.sum() == pytest.approx(1.0)
    pp = sim.prob_path().prob.to_numpy()
    assert (np.diff(pp) <= 1e-12).all()
    sf = sim.shortfall(2030)
    assert (sf.expected_shortfall >= 0).all()


def test_quantiles_match_lognormal():
    sim = kpisim.simulate(
        indicator(), model=KnownLogNormal(mu=0.05, sigma=0.1), n_paths=20_000, rng=2
    )
    q = sim.quantiles([0.5]).set_index("year").value
    assert q[2030] == pytest.approx(104 * np.exp(0.05 * 8), rel=0.01)
    assert q[2023] == pytest.approx(104 * np.exp(0.05), rel=0.01)
    assert 2022 not in q.index  # the grid starts at the first simulated or target year


def test_scenario_growth_add_lowers_probability():
    base = kpisim.simulate(indicator(), model=KnownLogNormal(), n_paths=8192, rng=1)
    cut = kpisim.simulate(
        indicator(),
        model=KnownLogNormal(),
        n_paths=8192,
        rng=1,
        scenario=Scenario(name="cut", changes=(Change(indicator="x", growth_add=-0.03),)),
    )
    assert (cut.prob_meet().prob.to_numpy() < base.prob_meet().prob.to_numpy()).all()


def test_compare_puts_scenarios_side_by_side():
    table = kpisim.compare(
        [Scenario(name="base"), Scenario(name="boost", changes=(Change(growth_add=0.02),))],
        indicator(),
        model=KnownLogNormal(),
        n_paths=4096,
    )
    assert list(table.columns[:5]) == ["id", "year", "target", "base", "base se"]
    assert (table["boost"] >= table["base"]).all()


def test_year_beyond_until_is_an_error():
    sim = kpisim.simulate(indicator(), model=KnownLogNormal(), n_paths=4096, rng=1, until=2027)
    with pytest.raises(SimulationError, match=r"year 2030 is beyond the simulation horizon"):
        sim.prob_meet(2030)


def test_indicator_without_targets_is_an_error():
    with pytest.raises(
        SimulationError, match=r"indicator `x` cannot be simulated: no stated numeric target"
    ):
        kpisim.simulate(indicator(targets={}), model=KnownLogNormal(), n_paths=10)


def test_scenario_with_unknown_indicator_is_an_error():
    s = Scenario(name="typo", changes=(Change(indicator="ai_firm", growth_add=0.1),))
    with pytest.raises(
        SimulationError, match=r"scenario `typo` names unknown indicator\(s\) \['ai_firm'\]"
    ):
        kpisim.simulate(indicator(), model=KnownLogNormal(), n_paths=10, scenario=s)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n_paths": 0}, "`n_paths` must be a positive integer"),
        ({"until": 20300}, "`until` must be a year"),
        ({"target_se": 0.0}, "`target_se` must be in"),
        ({"rng": "seed"}, "`rng` must be None, an int"),
        ({"chunk_size": -5}, "`chunk_size` must be a positive integer"),
    ],
)
def test_bad_arguments(kw, match):
    with pytest.raises(SimulationError, match=match):
        kpisim.simulate(indicator(), model=KnownLogNormal(), **kw)


def test_builtin_headline_goals_state_their_history():
    cat = kpisim.load_catalog()
    sim = kpisim.simulate(cat.headline(), n_paths=4096, rng=1)
    assert set(sim.ids) == {"ai_firms", "sw_adoption_rate", "ict_sw_exports"}
    assert sim.grade_ids == ["external_evaluation"]  # simulated on its grade scale (issue 13)
    notes = sim.assumptions(lang="en").groupby("id").statement.apply(" ".join)
    for ident in ("ai_firms", "ict_sw_exports", "sw_adoption_rate"):
        assert "reference-class prior" in notes[ident]
    # the document's stated CAGRs are what-ifs, not the default
    assert "[not used in this run" in notes["ict_sw_exports"]
    assert "CAGR of 8%" in notes["ict_sw_exports"]
    declared = kpisim.simulate(cat.headline(), n_paths=4096, rng=1, prior="declared")
    dnotes = declared.assumptions(lang="en").groupby("id").statement.apply(" ".join)
    assert "[not used" not in dnotes["ict_sw_exports"]
    assert "catalog assumption `growth_prior`" in dnotes["ict_sw_exports"]
    assert "reference-class prior" in dnotes["ai_firms"]  # declares none
    p = sim.prob_meet()
    assert set(p[p.id == "ai_firms"].year) == {2024, 2027, 2030}


def test_selection_pools_priors_over_the_full_catalog():
    cat = kpisim.load_catalog()
    sub = cat.filter(lambda i: i.id == "ai_firms")
    assert sub.parent is cat
    sim = kpisim.simulate(sub, n_paths=4096, rng=1)
    assert sim.ids == ["ai_firms"]


def test_user_prior_mapping_overrides_the_default():
    from kpisim.models import GrowthPrior

    prior = GrowthPrior(mu=0.2, mu_sd=0.01, sigma=0.01, dof=30)
    cat = kpisim.load_catalog().headline()
    fast = kpisim.simulate(cat, n_paths=4096, rng=1, prior={"ai_firms": prior})
    assert fast.prob_meet(2030, ids=["ai_firms"]).prob.iloc[0] > 0.95


def test_path_dependent_targets_are_recomputed_on_each_path():
    from kpisim.rules import Uplift

    # "+10% on the previous actual": on a lognormal path the target is met
    # in a year exactly when that year's log-growth is at least ln 1.1.
    ind = indicator(
        rule=Uplift(rate=0.10, basis="previous_actual"),
        targets={2023: 114.4, 2024: 120.0, 2025: 130.0},
    )
    mu, sigma = 0.08, 0.1
    sim = kpisim.simulate(ind, model=KnownLogNormal(mu=mu, sigma=sigma), n_paths=40_000, rng=9)
    rule = sim.prob_meet(basis="rule").set_index("year")
    stated = sim.prob_meet().set_index("year")
    exact = stats.norm.sf((np.log(1.1) - mu) / sigma)
    for year in (2023, 2024, 2025):
        assert rule.loc[year, "basis"] == "rule (per path)"
        assert abs(rule.loc[year, "prob"] - exact) < 4 * rule.loc[year, "se"]
    # the stated path is fixed in advance: its probabilities differ
    assert abs(stated.loc[2025, "prob"] - rule.loc[2025, "prob"]) > 0.05


def test_rule_targets_lacking_history_are_not_counted_as_misses():
    from kpisim.rules import DeviationRule

    ind = indicator(rule=DeviationRule(k=2, window=5), targets={2023: 110.0, 2024: 115.0})
    sim = kpisim.simulate(ind, model=KnownLogNormal(), n_paths=4096, rng=1)
    p = sim.prob_meet(basis="rule").set_index("year")
    # two actuals ('21, '22): σ needs three, so 2023 cannot be judged; 2024 can
    assert np.isnan(p.loc[2023, "prob"])
    assert p.loc[2023, "n_paths"] == 0
    assert 0 < p.loc[2024, "prob"] < 1


def test_sensitivity_tornado_is_sorted_and_moves_the_right_way():
    table = kpisim.sensitivity(indicator(), "x", 2030, model=KnownLogNormal(), n_paths=4096,
                               ranges={"drift": (-0.03, 0.03)})
    assert table.assumption.iloc[0] == "drift"
    assert (table.swing.diff().dropna() <= 0).all()
    drift = table.set_index("assumption").loc["drift"]
    assert drift.p_low < drift.p_base < drift.p_high
    probs = table[["p_low", "p_high", "p_base"]].to_numpy()
    assert ((probs >= 0) & (probs <= 1)).all()


def test_sensitivity_rejects_unknown_assumptions():
    with pytest.raises(SimulationError, match="`ranges` may name drift, volatility and start"):
        kpisim.sensitivity(indicator(), "x", 2030, model=KnownLogNormal(), n_paths=100,
                           ranges={"mood": (0, 1)})


def test_scenario_yaml_round_trip(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenarios:\n"
        "  - name: cut\n    changes:\n"
        "      - {indicator: x, growth_add: -0.02, years: [2024, 2030]}\n"
        "  - name: budget\n    changes:\n"
        "      - {indicator: x, budget: {2023: 100, 2025: 80}, elasticity: 1.0}\n",
        encoding="utf-8")
    cut, budget = kpisim.load_scenario(path)
    assert cut.changes[0].years == (2024, 2030)
    base = kpisim.simulate(indicator(), model=KnownLogNormal(), n_paths=4096, rng=1)
    scaled = kpisim.simulate(indicator(), model=KnownLogNormal(), n_paths=4096, rng=1,
                             scenario=budget)
    ratio = scaled.paths("x") / base.paths("x")
    assert np.allclose(ratio[2024], 1.0)
    assert np.allclose(ratio[2025], 0.8)
    assert np.allclose(ratio[2030], 0.8)  # the last budget stays in force


def test_bad_scenario_file_names_the_change(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: s\nchanges:\n  - {indicator: x, growth_mult: 2}\n", encoding="utf-8")
    match = r"bad.yaml, changes\[0\]: unknown key\(s\) \['growth_mult'\]"
    with pytest.raises(SimulationError, match=match):
        kpisim.load_scenario(path)


@dataclass(frozen=True)
class _WideFitted(KnownFitted):
    extra: int = 1

    def sample(self, years, n_paths, *, rng, shocks=None):
        good = super().sample(years, n_paths, rng=rng, shocks=shocks)
        return np.concatenate([good, good[:, : self.extra]], axis=1)  # a column too many


@dataclass(frozen=True)
class _WideModel(KnownLogNormal):
    extra: int = 1
    name: str = "too-wide"

    def fit(self, history, *, kind="level", prior=None):
        return _WideFitted(self.mu, self.sigma, int(history.index[-1]),
                           float(history.iloc[-1]), extra=self.extra)


@pytest.mark.parametrize("extra", [1, 3])
def test_a_model_returning_the_wrong_number_of_years_is_refused(extra):
    """The compiled counter has no bounds checks: a user's model returning a
    column too many gave P = 1 silently (3 too many crashed the process)."""
    with pytest.raises(kpisim.SimulationError, match=r"returned paths of shape \(4096, "):
        kpisim.simulate(indicator(), model=_WideModel(extra=extra), n_paths=100, rng=1)


def test_refgrowth_advances_a_callers_generator_as_before():
    """`sample` spawns its two streams (parameters, shocks) even when given shocks,
    so a generator passed twice gives the same numbers as it always did."""
    from kpisim.models import RefGrowth

    fitted = RefGrowth().fit(pd.Series([100.0, 104.0, 109.0], index=[2020, 2021, 2022]))
    g = np.random.default_rng(5)
    shocks = np.zeros((10, 3))
    fitted.sample([2023, 2024, 2025], 10, rng=g, shocks=shocks)
    assert g.bit_generator.seed_seq.n_children_spawned == 2
