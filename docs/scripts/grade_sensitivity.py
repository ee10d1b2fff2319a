"""Sensitivity of the grade probabilities to the sticky prior (docs/models.md).

Run from the repository root: ``python docs/scripts/grade_sensitivity.py``.
"""

import kpisim
from kpisim.models import GradeMarkov

cat = kpisim.load_catalog()
grades = cat.filter(lambda i: i.kind == "grade")
for rho in (0.4, 0.6, 0.8):
    for c in (1.0, 2.0, 5.0):
        sim = kpisim.simulate(grades, n_paths=100_000, rng=20231,
                              grade_model=GradeMarkov(persistence=rho, concentration=c))
        p = sim.prob_meet(2027).set_index("id")
        print(f"rho={rho} c={c}: P(최우수 2027)={p.prob['external_evaluation']:.3f} "
              f"±{p.se['external_evaluation']:.3f}  P(경영평가 ≥A 2027)="
              f"{p.prob['management_evaluation_grade']:.3f}")
