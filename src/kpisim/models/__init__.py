"""Projection models: protocol, registry, and the built-in models.

A :class:`Model` is an immutable specification (``name``, ``min_history``,
``fit``); ``fit(history, kind=..., prior=...)`` returns a :class:`Fitted`
whose ``sample(years, n_paths, rng=..., shocks=...)`` draws future paths of
shape ``(n_paths, n_years)``.

Built-in models (see ``docs/models.md``):

=============  ===========  ===========================================
name           min history  what
=============  ===========  ===========================================
``refgrowth``  1            the default: reference-class growth prior,
                            damped drift, drift breaks, bounded scales
``loggrowth``  3 (1+prior)  log-growth random walk, posterior-predictive
``logit``      3 (1+prior)  same on logit(share/100); stays in [0, 100]
``linear``     3            OLS trend with multivariate-t parameters
``loglinear``  3            OLS trend of log y
``holt``       8            damped Holt (statsmodels ETS)
``arima``      8            ARIMA(0,1,0)+drift or small auto order
``theta``      8            Theta method (normal approximation)
``ensemble``   min member   weighted path-wise mixture
``naive``      3            random walk with drift on the level
``naive0``     2            last value (random walk without drift)
=============  ===========  ===========================================

Grade indicators use ``markov_grade`` (:class:`GradeMarkov`, min history 1): a
Markov chain over the grade scale with Dirichlet rows.

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> from kpisim.models import get_model
>>> history = pd.Series([120.0, 131.0, 140.0, 155.0], index=[2020, 2021, 2022, 2023])
>>> fitted = get_model("loggrowth").fit(history, kind="count")
>>> rng = np.random.default_rng(2024)
>>> fitted.sample([2025, 2027], 1000, rng=rng).shape
(1000, 2)
"""

from __future__ import annotations

from kpisim.models._base import (
    NUMERIC_KINDS,
    PATH_AXIS,
    YEAR_AXIS,
    Fitted,
    FittedBase,
    Model,
    prepare_history,
)
from kpisim.models._copula import (
    correlated_normals,
    estimate_correlation,
    nearest_correlation,
    validate_correlation,
)
from kpisim.models._ensemble import DEFAULT_MEMBERS, Ensemble
from kpisim.models._grades import GradeMarkov, grade_points
from kpisim.models._loggrowth import LogGrowth, LogitGrowth
from kpisim.models._naive import NaiveDrift, NaiveLast
from kpisim.models._prior import GrowthPrior, pooled_prior
from kpisim.models._refclass import (
    ReferencePrior,
    pool_catalog,
    reference_prior,
    sustained_median,
    sustained_share,
)
from kpisim.models._refgrowth import BOUND_EPS, RefGrowth, scale_for, target_on_bound, to_scale
from kpisim.models._registry import available, default_model_for, get_model, register_model
from kpisim.models._samplers import SAMPLERS, standard_normals
from kpisim.models._trend import Arima, Holt, LinearTrend, LogLinearTrend, Theta

__all__ = [
    "BOUND_EPS",
    "DEFAULT_MEMBERS",
    "NUMERIC_KINDS",
    "PATH_AXIS",
    "SAMPLERS",
    "YEAR_AXIS",
    "Arima",
    "Ensemble",
    "Fitted",
    "FittedBase",
    "GradeMarkov",
    "GrowthPrior",
    "Holt",
    "LinearTrend",
    "LogGrowth",
    "LogLinearTrend",
    "LogitGrowth",
    "Model",
    "NaiveDrift",
    "NaiveLast",
    "RefGrowth",
    "ReferencePrior",
    "Theta",
    "available",
    "correlated_normals",
    "default_model_for",
    "estimate_correlation",
    "get_model",
    "grade_points",
    "nearest_correlation",
    "pool_catalog",
    "pooled_prior",
    "prepare_history",
    "reference_prior",
    "register_model",
    "scale_for",
    "standard_normals",
    "sustained_median",
    "sustained_share",
    "target_on_bound",
    "to_scale",
    "validate_correlation",
]

for _cls in (RefGrowth, LogGrowth, LogitGrowth, LinearTrend, LogLinearTrend, Holt, Arima, Theta,
             Ensemble, NaiveDrift, NaiveLast, GradeMarkov):
    register_model(_cls.name, overwrite=True)(_cls)
del _cls
