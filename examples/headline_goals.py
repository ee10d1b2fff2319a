"""How likely are 3,500 AI firms and 220억불 of exports by 2027 and 2030?

Simulates the built-in NIPA 2023–2027 catalog and answers the plan's headline
question for its three numeric headline goals (중장기 경영목표):

* a probability table: P(goal met) in 2027 and 2030, with the Monte Carlo
  standard error and the 95% interval;
* a fan chart of each goal (actuals, stated targets, 50/80/95% bands);
* the first-hit histogram of the AI-firms goal: in which year is 3,500 first
  reached, and how often not by 2030?

Run ``python examples/headline_goals.py``; figures and the table go to
``examples/output/headline_goals/``. About 10 seconds.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

import kpisim
from kpisim import plot

OUT = Path(__file__).resolve().parent / "output" / "headline_goals"
GOALS = ["ai_firms", "ict_sw_exports", "sw_adoption_rate"]
SEED = 2023  # the seed of docs/ko.md: the numbers here are the same


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    catalog = kpisim.load_catalog()
    # The whole catalog, so that the numbers match `kpisim run --seed 2023`
    # and docs/ko.md (each indicator's random stream depends on its position).
    sim = kpisim.simulate(catalog, n_paths=100_000, rng=SEED)

    probs = sim.prob_meet(ids=GOALS)
    probs = probs[probs.year.isin([2027, 2030])]
    table = probs[["id", "name_ko", "year", "target", "prob", "se", "ci_low", "ci_high"]]
    table.to_csv(OUT / "probabilities.csv", index=False, encoding="utf-8-sig")

    print(f"P(goal met), {sim.n_paths:,} paths, seed {SEED}")
    for r in table.itertuples():
        unit = catalog[r.id].unit
        print(
            f"  {r.name_ko:<14} {r.year}  target {r.target:>7,.0f} {unit:<2}  "
            f"P = {100 * r.prob:5.1f}% ± {100 * r.se:.2f} pp  "
            f"(95% CI {100 * r.ci_low:.1f}–{100 * r.ci_high:.1f}%)"
        )

    # One fan chart per goal, with the target path recomputed from its rule.
    rule_paths = kpisim.audit(catalog.headline()).set_index("id")["recomputed"]
    for ident in GOALS:
        ax = plot.fan_chart(sim, ident, rule_path=rule_paths.get(ident))
        ax.figure.savefig(OUT / f"fan_{ident}.png", dpi=120, bbox_inches="tight")
        plt.close(ax.figure)

    ax = plot.first_hit_histogram(sim, "ai_firms")
    ax.figure.savefig(OUT / "first_hit_ai_firms.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)

    fh = sim.first_hit()
    fh = fh[fh.id == "ai_firms"]
    never = float(fh.loc[fh.year.isna(), "prob"].iloc[0])
    by_2027 = float(fh.loc[fh.year.notna() & (fh.year <= 2027), "prob"].sum())
    print(
        f"\nAI firms: 3,500 is first reached by 2027 on {100 * by_2027:.1f}% of the paths "
        f"and not by 2030 on {100 * never:.1f}%."
    )
    print("What the numbers rest on (one actual per goal, so the priors matter):")
    a = sim.assumptions()
    for r in a[(a.source == "model") & a.id.isin(GOALS)].itertuples():
        print(f"  {r.id}: {r.statement}")
    print(f"\nFigures and probabilities.csv in {OUT}")


if __name__ == "__main__":
    main()
