"""How much growth a goal needs, what the documents say, and P(goal) under each.

A Monte Carlo probability has two kinds of uncertainty: the sampling error of
the paths (the SE, tiny with enough paths) and the growth the model assumes,
which the data of a one-actual goal cannot settle. This module puts the second
next to the first:

* :func:`required_growth` — the yearly growth a goal needs from the last
  actual, :math:`r^* = (\\text{target}/y_T)^{1/H} - 1` over :math:`H` years;
* :func:`growth_references` — every growth figure the seed documents give for
  the goal's quantity or a related one (``data/_reference/growth_references.yaml``, each
  entry quoting its seed line), plus the reference class's own growth and its
  median sustained growth over the goal's horizon;
* :func:`goal_evidence` — P(goal) under the reference-class prior and under
  the same prior with its growth set to each reference, beside the outside
  view: the share of real yearly series that sustained :math:`r^*` for
  :math:`H` years (:func:`kpisim.models._refclass.sustained_share`);
* :func:`prob_curve` — P(goal) as a function of the assumed yearly growth;
* :func:`prob_range` — the lowest and highest P across the defensible priors,
  next to the default P and its Monte Carlo SE.

What-if priors
--------------
Every alternative prior is the shipped reference prior
(:func:`kpisim.models.reference_prior`) with only its reference growth
:math:`m_0` changed (:meth:`~kpisim.models.ReferencePrior.with_growth`); its
weight :math:`\\kappa_0`, volatility prior, drift persistence φ, drift breaks λ
and truncation stay the corpus'. A yearly rate :math:`r` of the level becomes

.. math::

    m_0 = \\log(1 + r)

on the log scale, and on the logit scale of a value bounded to :math:`[a, b]`
it is matched at the last actual :math:`y_T`: the first year's step of the
logit that takes :math:`y_T` to :math:`y_T(1 + r)`,

.. math::

    m_0 = \\operatorname{logit}\\frac{y_T(1 + r) - a}{b - a}
          - \\operatorname{logit}\\frac{y_T - a}{b - a}

(64.0 % at 2 % → 65.28 %: :math:`m_0 = 0.0560`, the catalog's own declared
prior for ``sw_adoption_rate``). Later years keep that logit step, so the
level's growth slows toward the bound. A rate with :math:`y_T(1 + r)` outside
:math:`(a, b)` has no such step: its probability is NaN.

Every what-if of one call reuses one seed: each indicator's stream is keyed by
its id, so all priors see the same random numbers (common random numbers).
With one actual the paths then shift by :math:`h\\,\\Delta m_0` on the
transformed scale, so P rises exactly monotonically with the assumed growth;
with longer histories the posterior volatility also depends on :math:`m_0`
and the monotonicity holds up to Monte Carlo error.
"""

from __future__ import annotations

from kpisim.goals._whatif import PROB_CACHE
from kpisim.goals.evidence import (
    DEFAULT_PRIOR,
    DEFAULT_RATES,
    evidence_ranges,
    goal_evidence,
    prob_curve,
    prob_range,
)
from kpisim.goals.references import (
    REFERENCE_KINDS,
    growth_references,
    required_growth,
    series_span,
)

__all__ = [
    "DEFAULT_PRIOR",
    "DEFAULT_RATES",
    "REFERENCE_KINDS",
    "clear_cache",
    "evidence_ranges",
    "goal_evidence",
    "growth_references",
    "prob_curve",
    "prob_range",
    "required_growth",
    "series_span",
]


def clear_cache() -> None:
    """Forget the what-if simulations remembered for repeated calls.

    :func:`prob_range`, :func:`goal_evidence` and the report ask for the same
    single-indicator simulations (same inputs, same seed); they are computed
    once per process and kept (a few hundred small tables at most). Clearing
    only costs time: every number is recomputed exactly.
    """
    from kpisim.goals import evidence

    PROB_CACHE.clear()
    evidence.EVIDENCE_CACHE.clear()

