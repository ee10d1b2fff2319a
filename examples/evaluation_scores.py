"""Handbook scores (평점) in 2025: per indicator, weighted total and grade.

Public institutions are judged by the 공공기관 경영평가편람, not by "met / not
met": each quantitative method turns a year's actual into a score from 20 to
100, the scores are weighted into a total and the total into a grade (S ≥ 90,
A ≥ 80, B ≥ 70, C ≥ 60, D ≥ 50, E < 50).

This example simulates the key indicators (주요성과지표) of the NIPA plan and
scores 2025 on every kept path with ``sim.scores(2025)``: each indicator by
its own rule where that rule is a handbook method (목표부여 편차/비율), else by
actual over target (목표대실적). The weights are illustrative: 2 for the
경영평가 계량지표 and 1 for the 기관장 성과지표 (the plan does not print the
handbook's 배점).

Writes ``scores_2025.csv``, ``total_2025.csv`` and two score distributions to
``examples/output/evaluation_scores/``. About 5 seconds.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

import kpisim
from kpisim import plot
from kpisim.scoring import ScoringSpec

OUT = Path(__file__).resolve().parent / "output" / "evaluation_scores"
YEAR = 2025


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    key = kpisim.load_catalog().select(key=True)
    sim = kpisim.simulate(key, n_paths=20_000, keep_paths=20_000, rng=2025)
    weights = {
        ident: ScoringSpec(weight=2.0 if "evaluation" in ind.tags.key else 1.0)
        for ident, ind in key.items()
        if ident in sim.ids
    }
    res = sim.scores(YEAR, methods=weights)

    table = res.table
    table.to_csv(OUT / f"scores_{YEAR}.csv", index=False, encoding="utf-8-sig")
    res.total.to_frame().to_csv(OUT / f"total_{YEAR}.csv", index=False)
    print(f"Handbook scores (평점) in {YEAR}, {res.total.n_paths:,} simulated paths")
    print(f"  {'indicator':<24} {'method':<13} {'w':>3} {'E[평점]':>8} {'P(100)':>7} {'P(≥80)':>7}")
    for r in table.itertuples():
        print(
            f"  {r.name_ko[:22]:<24} {r.method:<13} {r.weight:3g} {r.mean:8.1f} "
            f"{100 * r.p_100:6.1f}% {100 * r.p_ge:6.1f}%"
        )
    for ident, reason in res.skipped.items():
        print(f"  (not scored) {key[ident].name_ko}: {reason}")

    total = res.total
    q05, q50, q95 = total.quantiles.to_numpy()
    print(
        f"\nWeighted total: mean {total.mean:.1f} (sd {total.sd:.1f}); "
        f"90% of paths between {q05:.1f} and {q95:.1f}, median {q50:.1f}"
    )
    likely = total.grades.idxmax()
    grades = ", ".join(f"{g} {100 * p:.1f}%" for g, p in total.grades.items() if p >= 0.0005)
    print(f"Institutional grade: most likely {likely} "
          f"({100 * total.grades[likely]:.1f}%); {grades}")

    ax = plot.score_distribution(total.values, title=f"{YEAR}년 가중 총점 분포 (주요성과지표)")
    ax.figure.savefig(OUT / f"total_{YEAR}.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    ident = "ai_convergence_firms"
    ax = plot.score_distribution(res.scores[ident], title=f"{key[ident].name_ko}: {YEAR}년 평점")
    ax.figure.savefig(OUT / f"score_{ident}_{YEAR}.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"\nTables and figures in {OUT}")


if __name__ == "__main__":
    main()
