"""Budget cut vs budget boost: scenarios and a sensitivity tornado.

A :class:`kpisim.Scenario` is a named list of :class:`kpisim.Change` objects
applied to the simulated paths of the indicators they name. Here:

* **기준 (baseline)**: the plan as simulated, no change;
* **예산 삭감 (budget cut)**: from 2024 the support budget of the AI-firms and
  export programmes is 15% below plan. Two channels: yearly growth 2
  percentage points lower (``growth_add=-0.02``) and a budget link: the
  level is multiplied by (B_t / B_plan)^e with elasticity e = 0.5;
* **예산 확대 (budget boost)**: 20% above plan from 2024, growth +2 points.

``kpisim.compare`` simulates every scenario with the same seed (common random
numbers), so the differences are the scenarios', not Monte Carlo noise.
``kpisim.sensitivity`` then moves each modelling assumption of the AI-firms
goal (drift, volatility, starting level) to a low and a high value, one at a
time, and the tornado chart shows how far P(3,500 firms by 2030) moves.

The elasticity and the growth effects are illustrative assumptions, not
estimates: the plan documents no link between budget and results.

Figures and tables go to ``examples/output/scenarios/``. About 15 seconds.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

import kpisim
from kpisim import Change, Scenario, plot

OUT = Path(__file__).resolve().parent / "output" / "scenarios"
SEED = 7
N_PATHS = 40_000
PROGRAMMES = ("ai_firms", "ict_sw_exports")  # the budget-funded headline goals


def budget_scenario(name: str, budget_ratio: float, growth_add: float) -> Scenario:
    """Budget at ``budget_ratio`` × plan from 2024 on, for both programmes."""
    # The first year's amount is the plan's (the base); each later amount
    # stays in force until the next one given.
    budget = {2022: 100.0, 2024: 100.0 * budget_ratio}
    changes = []
    for ident in PROGRAMMES:
        changes.append(Change(indicator=ident, years=(2024, 2030), growth_add=growth_add))
        changes.append(Change(indicator=ident, budget=budget, elasticity=0.5))
    return Scenario(name=name, description=f"budget × {budget_ratio:g} from 2024",
                    changes=tuple(changes))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    catalog = kpisim.load_catalog()
    headline = catalog.headline()  # keeps the full catalog as its parent
    scenarios = [
        Scenario(name="기준"),
        budget_scenario("예산 삭감 (−15%)", 0.85, -0.02),
        budget_scenario("예산 확대 (+20%)", 1.20, +0.02),
    ]

    table = kpisim.compare(scenarios, headline, year=2030, rng=SEED, n_paths=N_PATHS)
    table.to_csv(OUT / "compare_2030.csv", index=False, encoding="utf-8-sig")
    print(f"P(2030 goal met) by scenario ({N_PATHS:,} paths each, same seed):")
    names = [s.name for s in scenarios]
    print(f"  {'goal':<18}" + "".join(f"{n:>16}" for n in names))
    for row in table.to_dict("records"):
        cells = "".join(f"{100 * row[n]:15.1f}%" for n in names)
        print(f"  {catalog[row['id']].name_ko:<18}{cells}")

    ax = plot.scenario_bars(table, names={i: catalog[i].name_ko for i in table.id})
    ax.figure.savefig(OUT / "scenario_bars.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)

    tornado = kpisim.sensitivity(headline, "ai_firms", 2030, rng=SEED, n_paths=N_PATHS)
    tornado.to_csv(OUT / "sensitivity_ai_firms_2030.csv", index=False)
    print("\nSensitivity of P(3,500 AI firms by 2030), largest swing first:")
    for r in tornado.itertuples():
        print(
            f"  {r.assumption:<11} low {r.low:+.3g} → {100 * r.p_low:5.1f}%   "
            f"high {r.high:+.3g} → {100 * r.p_high:5.1f}%   (baseline {100 * r.p_base:.1f}%)"
        )
    ax = plot.tornado(tornado, title="AI전문기업 3,500개 (2030): 가정별 민감도")
    ax.figure.savefig(OUT / "tornado_ai_firms_2030.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"\nTables and figures in {OUT}")


if __name__ == "__main__":
    main()
