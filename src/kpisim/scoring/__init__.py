"""Handbook scores (평점, 20–100) of actuals and of simulated paths.

Institutions are judged by the 공공기관 경영평가편람, whose quantitative
(계량) methods turn an actual into a score (평점) from 20 to 100. The functions
here are vectorised over actuals of any shape; :func:`score_simulation` scores
every simulated indicator on each kept path of a :class:`~kpisim.Simulation`
and gives E[평점], P(평점 = 100), P(평점 ≥ x) and the distribution of the
weighted total and of the institutional grade.

Methods (see ``docs/scoring.md`` for formulas and worked examples)
------------------------------------------------------------------
============  =====================  ==========================================
method        편람                    score
============  =====================  ==========================================
deviation     목표부여(편차)          20 + 80·(A − 최저)/(최고 − 최저), b ± kσ
ratio         목표부여(비율)          same, 최고/최저 = b × 110% (120%) / 80%
long_term     중장기 목표부여         fixed line, a·this year + (1 − a)·recent mean
trend         추세치                  z = (A − Ŷ)/S from an OLS trend, 표2
beta          β분포                   z with Ŷ = (best + 4·prev + worst)/6, 표2
target_ratio  목표대실적              20 + 80·A/T (20 + 80·T/A decreasing)
============  =====================  ==========================================

Bounds come from :mod:`kpisim.rules` (``DeviationRule.bounds_array``,
``RatioRule`` and ``LongTermPath``); σ and the baseline are never recomputed
here. Every score is clipped to [20, 100]; NaN in gives NaN out.
"""

from __future__ import annotations

from kpisim._validation import ScoringError
from kpisim.scoring._institution import (
    INSTITUTION_GRADES,
    INSTITUTION_TYPES,
    institution_grade,
    institution_grade_rule,
    weighted_total,
)
from kpisim.scoring._paths import ScoreResult, ScoringSpec, TotalScore, score_simulation
from kpisim.scoring.handbook import (
    GRADE_POINTS,
    GRADES,
    METHODS,
    TREND_CUTS,
    TREND_Z_MAX,
    Z_INTERPOLATIONS,
    Z_TAILS,
    beta_prediction,
    method_label,
    method_note,
    score_beta,
    score_between,
    score_deviation,
    score_long_term,
    score_ratio,
    score_table,
    score_target_ratio,
    score_trend,
    score_z,
    trend_prediction,
    trend_table,
    z_points,
)

__all__ = [
    "GRADES",
    "GRADE_POINTS",
    "INSTITUTION_GRADES",
    "INSTITUTION_TYPES",
    "METHODS",
    "TREND_CUTS",
    "TREND_Z_MAX",
    "Z_INTERPOLATIONS",
    "Z_TAILS",
    "ScoreResult",
    "ScoringError",
    "ScoringSpec",
    "TotalScore",
    "beta_prediction",
    "institution_grade",
    "institution_grade_rule",
    "method_label",
    "method_note",
    "score_beta",
    "score_between",
    "score_deviation",
    "score_long_term",
    "score_ratio",
    "score_simulation",
    "score_table",
    "score_target_ratio",
    "score_trend",
    "score_z",
    "trend_prediction",
    "trend_table",
    "weighted_total",
    "z_points",
]
