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
  :math:`H` years (:func:`kpisim._refclass.sustained_share`);
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

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from kpisim._seeding import root_seed
from kpisim._validation import KpisimError, ModelError, RuleError, SimulationError
from kpisim.catalog import Catalog
from kpisim.indicator import Indicator
from kpisim.rules import implied_cagr, required_cagr

__all__ = [
    "DEFAULT_PRIOR",
    "REFERENCE_KINDS",
    "goal_evidence",
    "growth_references",
    "prob_curve",
    "prob_range",
    "prob_range_details",
    "required_growth",
]

#: The kinds of growth reference, in the order rows are listed.
REFERENCE_KINDS = ("document", "related series", "market", "reference class")
#: The label of the default prior's row in :func:`goal_evidence`.
#: The label of the default prior (Korean first; ``prior_en`` has "reference class").
DEFAULT_PRIOR = "기준집단 (실제 연간 시계열, 기본값)"
#: Default grid of :func:`prob_curve`: −5 % … +25 % a year in 1-point steps.
DEFAULT_RATES = tuple(round(0.01 * k, 2) for k in range(-5, 26))
_DATA_FILE = "_reference/growth_references.yaml"
_MODEL = "refgrowth"

_REF_COLUMNS = ["id", "reference", "rate", "source", "kind", "reference_en", "line", "quote",
                "as_prior", "computed", "m0", "note", "related_id"]
_EVIDENCE_COLUMNS = ["id", "year", "target", "prior", "kind", "assumed_rate", "m0", "prob",
                     "se", "as_prior", "required_rate", "years", "sustained_share",
                     "sustained_share_odds", "prior_en"]
_RANGE_COLUMNS = ["id", "year", "target", "prob_default", "se", "prob_low", "prob_high",
                  "prior_low", "prior_high", "n_priors", "required_rate", "years",
                  "sustained_share"]


# ------------------------------------------------------------------ helpers
def _check_indicator(indicator: Any, what: str) -> Indicator:
    if not isinstance(indicator, Indicator):
        msg = f"{what}: expected an Indicator; got {type(indicator).__name__}"
        raise TypeError(msg)
    if indicator.kind == "grade":
        msg = (f"{what}: indicator `{indicator.id}` is a grade; grades have no growth rate "
               "(they are scored, not simulated)")
        raise RuleError(msg)
    return indicator


def _bounds(ind: Indicator) -> tuple[float, float] | None:
    """The bounds of the scale the default model simulates ``ind`` on (None: log scale)."""
    from kpisim._refgrowth import scale_for

    return scale_for(ind)[1]


def _last_actual(ind: Indicator) -> tuple[int, float]:
    obs = ind.observed
    if obs.empty:
        msg = f"indicator `{ind.id}` has no actual to start from"
        raise RuleError(msg)
    return int(obs.index[-1]), float(obs.iloc[-1])


def _numeric_targets(ind: Indicator) -> dict[int, float]:
    return {int(y): float(v) for y, v in ind.targets.items()
            if v is not None and not isinstance(v, str)}


def _goal_year(ind: Indicator) -> int:
    last, _ = _last_actual(ind)
    later = [y for y in _numeric_targets(ind) if y > last]
    if not later:
        msg = f"indicator `{ind.id}` has no stated numeric target after its last actual ({last})"
        raise RuleError(msg)
    return max(later)


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def _m0_for_rate(ind: Indicator, rate: float) -> float:
    """The reference growth :math:`m_0` that a yearly rate of the level means here.

    See the module docstring: ``log1p(rate)`` on the log scale; on a bounded
    scale the logit step from the last actual to ``y_T (1 + rate)``. NaN when
    that level is outside the bounds or ``rate ≤ −1``.
    """
    if not np.isfinite(rate) or rate <= -1:
        return float("nan")
    bounds = _bounds(ind)
    if bounds is None:
        return math.log1p(rate)
    lo, hi = bounds
    _, y = _last_actual(ind)
    p0, p1 = (y - lo) / (hi - lo), (y * (1.0 + rate) - lo) / (hi - lo)
    if not (0.0 < p0 < 1.0 and 0.0 < p1 < 1.0):
        return float("nan")
    return _logit(p1) - _logit(p0)


def _rate_for_m0(ind: Indicator, m0: float) -> float:
    """The inverse of :func:`_m0_for_rate`: the first year's growth of the level."""
    bounds = _bounds(ind)
    if bounds is None:
        return math.expm1(m0)
    lo, hi = bounds
    _, y = _last_actual(ind)
    if y == 0:
        return float("nan")  # no growth rate of a zero level
    p0 = min(max((y - lo) / (hi - lo), 1e-12), 1 - 1e-12)
    p1 = 1.0 / (1.0 + math.exp(-(_logit(p0) + m0)))
    return (lo + (hi - lo) * p1) / y - 1.0


def _scale(ind: Indicator) -> str:
    return "log" if _bounds(ind) is None else "logit"


def _reference_prior(ind: Indicator):
    from kpisim.models import reference_prior

    return reference_prior(_scale(ind))


def _sustained(rate: float, years: int) -> float:
    """``sustained_share(rate, years)``; NaN where the corpus has no table."""
    from kpisim._refclass import sustained_share

    if not (np.isfinite(rate) and rate > -1 and years >= 1):
        return float("nan")
    try:
        return float(sustained_share(float(rate), int(years)))
    except (ModelError, KeyError):
        return float("nan")


def _outside_view(ind: Indicator, rate: float, years: int) -> float:
    """Share of real series as good as the goal needs: ≥ ``rate`` (≤ for a decrease goal)."""
    share = _sustained(rate, years)
    return 1.0 - share if ind.direction == "decrease" and np.isfinite(share) else share


def _outside_view_odds(ind: Indicator, target: float, years: int) -> float:
    """For a bounded value: the outside view of the growth its *odds* must sustain.

    :math:`g^*_{odds} = \\exp\\{[\\operatorname{logit} p(x_Y) - \\operatorname{logit}
    p(y_T)]/H\\} - 1`, compared with the corpus' level growth as the reference
    prior compares its :math:`m_0` (NaN for unbounded values).
    """
    bounds = _bounds(ind)
    if bounds is None:
        return float("nan")
    lo, hi = bounds
    _, y = _last_actual(ind)
    p0, p1 = (y - lo) / (hi - lo), (target - lo) / (hi - lo)
    if not (0.0 < p0 < 1.0 and 0.0 < p1 < 1.0):
        return float("nan")
    return _outside_view(ind, math.expm1((_logit(p1) - _logit(p0)) / years), years)


def _median_sustained(years: int) -> float:
    """The yearly growth half the corpus' ``years``-year windows sustained (NaN if unknown).

    Solves ``sustained_share(g, years) = 1/2`` (the share falls with ``g``).
    """
    lo, hi = -0.95, 1e3
    f_lo, f_hi = _sustained(lo, years) - 0.5, _sustained(hi, years) - 0.5
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo < 0 or f_hi > 0:
        return float("nan")
    from scipy import optimize  # lazily: only the sustained-growth median needs it

    return float(optimize.brentq(lambda g: _sustained(g, years) - 0.5, lo, hi, xtol=1e-8))


def _series_span(ind: Indicator) -> tuple[tuple[int, float], tuple[int, float]] | None:
    """A series' own span: its first actual → its furthest stated numeric target.

    The start is the first numeric actual (the first numeric target when the
    series has no actual); the end is the furthest numeric target after the
    start (the last actual when no target lies after it). ``None`` for a
    grade or a series with fewer than two numeric points in different years.

    >>> import kpisim
    >>> _series_span(kpisim.load_catalog()["ai_convergence_firms"])
    ((2021, 991.0), (2027, 2275.0))
    """
    if ind.kind == "grade":
        return None
    obs = ind.observed
    targets = _numeric_targets(ind)
    if not obs.empty:
        start = (int(obs.index[0]), float(obs.iloc[0]))
    elif targets:
        start = min(targets.items())
    else:
        return None
    later = {y: v for y, v in targets.items() if y > start[0]}
    if later:
        return start, max(later.items())
    after = obs[obs.index > start[0]]
    if after.empty:
        return None
    return start, (int(after.index[-1]), float(after.iloc[-1]))


def _year_value(year: int, value: float) -> str:
    return f"'{year % 100:02d} {value:,.6g}"


def _related_rows(ind: Indicator, catalog: Catalog, rows: list[dict[str, Any]],
                  paths: list[tuple[tuple[int, float], tuple[int, float]] | None]) -> None:
    """Add the catalog's related series of ``ind`` to ``rows`` (in place).

    ``paths`` holds, for each row already in ``rows``, the first and last
    point of its YAML ``path`` (None for a stated rate). A YAML row of kind
    "related series" that quotes the same series — its source is the
    related indicator's provenance source and its first and last points are
    the series' own span — *is* that series' row: it keeps its quote, line,
    note and ``as_prior`` and only gains ``related_id``; no second row is added.
    """
    from kpisim._messages import text

    try:
        links = catalog.related(ind.id)
    except KeyError:  # the goal is not in this catalog: it has no links there
        return
    for rel, relation in links:
        span = _series_span(rel)
        if span is None:
            continue
        (y0, v0), (y1, v1) = span
        try:
            rate = implied_cagr(v0, y0, v1, y1)
        except RuleError:  # a value ≤ 0: no growth rate
            continue
        source = getattr(rel.provenance, "source", "") if rel.provenance is not None else ""
        same = [i for i, (row, path) in enumerate(zip(rows, paths, strict=True))
                if row["kind"] == "related series" and path is not None
                and row["source"] == source and path[0][0] == y0 and path[1][0] == y1
                and np.isclose(path[0][1], v0) and np.isclose(path[1][1], v1)]
        if same:
            for i in same:
                rows[i]["related_id"] = rel.id
            continue
        fields = {"id": rel.id, "start": _year_value(y0, v0), "end": _year_value(y1, v1)}
        rows.append({
            "id": ind.id,
            "reference": text("goals.related.reference", "ko", name=rel.name_ko, **fields),
            "rate": rate, "source": source or catalog.source or catalog.name,
            "kind": "related series",
            "reference_en": text("goals.related.reference", "en",
                                 name=rel.name_en or rel.id, **fields),
            "line": None, "quote": "", "as_prior": False, "computed": True,
            "m0": _m0_for_rate(ind, rate), "note": " ".join(relation.split()),
            "related_id": rel.id,
        })
        paths.append(span)


@cache
def _table() -> dict[str, list[dict[str, Any]]]:
    import yaml

    text = resources.files("kpisim.data").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return {str(k): list(v or []) for k, v in (data.get("references") or {}).items()}


def _until(ind: Indicator, years: Iterable[int], until: int | None) -> int:
    top = max(int(y) for y in years)
    if until is None:
        return max(2030, top)  # kpisim.simulate's default horizon, so numbers match a run
    if until < top:
        msg = f"indicator `{ind.id}`: `until={until}` is before the year asked for ({top})"
        raise SimulationError(msg)
    return int(until)


#: Results of :func:`_probs` by their inputs (so the CLI and the report of one run
#: simulate each prior once); bounded, oldest dropped first.
_PROB_CACHE: dict[tuple, dict[int, tuple[float, float]]] = {}
_PROB_CACHE_SIZE = 512


def _probs(ind: Indicator, prior: Any, years: Sequence[int], *, n_paths: int,
           seed: np.random.SeedSequence, until: int) -> dict[int, tuple[float, float]]:
    """P(goal) and SE in each of ``years`` under ``prior``, ``ind`` simulated alone."""
    from kpisim.simulate import simulate

    key = (ind, prior, tuple(int(y) for y in years), int(n_paths),
           tuple(np.atleast_1d(seed.entropy).tolist()), tuple(seed.spawn_key), int(until))
    if key in _PROB_CACHE:
        return dict(_PROB_CACHE[key])
    sim = simulate(ind, model=_MODEL, prior=prior, n_paths=n_paths, rng=seed, until=until,
                   keep_paths=0)
    table = sim.prob_meet(None, ids=[ind.id])
    out = {}
    for y in years:
        row = table[table.year == int(y)]
        if row.empty:
            msg = f"indicator `{ind.id}` has no stated numeric target for {y}"
            raise SimulationError(msg)
        out[int(y)] = (float(row.prob.iloc[0]), float(row.se.iloc[0]))
    if len(_PROB_CACHE) >= _PROB_CACHE_SIZE:
        del _PROB_CACHE[next(iter(_PROB_CACHE))]
    _PROB_CACHE[key] = out
    return dict(out)


# ---------------------------------------------------------------- public API
def required_growth(indicator: Indicator, years: Iterable[int] | None = None) -> pd.DataFrame:
    """The yearly growth each goal requires from the last actual before it.

    For a target :math:`x_Y` in year :math:`Y` and the latest actual
    :math:`y_{T}` before it (:math:`H = Y - T` years),

    .. math::

        r^* = \\left(\\frac{x_Y}{y_T}\\right)^{1/H} - 1,
        \\qquad \\Delta^* = \\frac{x_Y - y_T}{H}\\ \\text{(points a year, bounded values)},

    :math:`r^*` from :func:`kpisim.rules.required_cagr`.

    Parameters
    ----------
    indicator : Indicator
        A numeric indicator with at least one actual.
    years : iterable of int, optional
        Target years; default every stated numeric target after the last actual.

    Returns
    -------
    DataFrame
        ``id, from_year, from_value, year, target, years, required_rate,
        required_points`` (``required_points`` is NaN for unbounded values).

    Raises
    ------
    RuleError
        For a grade, an indicator without an actual, or a year without a
        numeric target or without an actual before it.

    Examples
    --------
    >>> import kpisim
    >>> from kpisim.goals import required_growth
    >>> t = required_growth(kpisim.load_catalog()["ai_firms"])
    >>> [round(r, 4) for r in t.required_rate]
    [0.2205, 0.1614, 0.1372]
    """
    ind = _check_indicator(indicator, "required_growth")
    targets = _numeric_targets(ind)
    last, _ = _last_actual(ind)
    if years is None:
        years = sorted(y for y in targets if y > last)
    obs = ind.observed
    bounded = _bounds(ind) is not None
    rows = []
    for y in (int(v) for v in years):
        if y not in targets:
            msg = f"indicator `{ind.id}`: no stated numeric target for {y}"
            raise RuleError(msg)
        before = obs[obs.index < y]
        if before.empty:
            msg = f"indicator `{ind.id}`: no actual before {y} to start from"
            raise RuleError(msg)
        y0, v0 = int(before.index[-1]), float(before.iloc[-1])
        h = y - y0
        rows.append({
            "id": ind.id, "from_year": y0, "from_value": v0, "year": y,
            "target": targets[y], "years": h,
            "required_rate": required_cagr(ind, y, y0),
            "required_points": (targets[y] - v0) / h if bounded else float("nan"),
        })
    return pd.DataFrame(rows, columns=["id", "from_year", "from_value", "year", "target",
                                       "years", "required_rate", "required_points"])


def growth_references(indicator: Indicator, year: int | None = None, *,
                      catalog: Catalog | None = None) -> pd.DataFrame:
    """Every reference for the indicator's growth: the documents' and the reference class's.

    Document rows come from ``kpisim/data/_reference/growth_references.yaml`` (each cites
    its seed file and line and quotes it verbatim; they apply to an
    indicator whose provenance source is that seed file). A rate the document
    only implies by two printed figures :math:`v_0` (year :math:`t_0`) and
    :math:`v_1` (year :math:`t_1`) is computed as
    :math:`(v_1/v_0)^{1/(t_1 - t_0)} - 1` (``computed`` True).

    With a ``catalog``, every series it links to the indicator
    (:meth:`kpisim.Catalog.related`, the ``related:`` field) that has two
    numeric points in different years adds a row of kind ``"related series"``:
    its implied yearly rate over its own span, from its first actual
    :math:`(t_0, v_0)` to its furthest stated numeric target
    :math:`(t_1, v_1)` (the first target when it has no actual, the last
    actual when no target lies after the start),
    :math:`(v_1/v_0)^{1/(t_1 - t_0)} - 1` (:func:`kpisim.rules.implied_cagr`;
    ``computed`` True, ``note`` the relation the catalog states,
    ``related_id`` the series' id). Such a row is evidence shown beside the
    goal, **not** a default prior: ``as_prior`` is False, so
    :func:`prob_range` spans it only with ``all_references=True`` and its
    default numbers are the same with or without the catalog. Deduplication:
    a YAML row of kind "related series" whose ``source`` is the related
    indicator's provenance source and whose ``path`` has the same first and
    last points (years equal, values equal to float precision) already
    quotes that series; it is kept as written (quote, line, note,
    ``as_prior``), gains ``related_id``, and no second row is added. A series
    whose values make no growth rate (a value ≤ 0) adds no row.

    Two rows are computed from the shipped reference class:

    * its growth :math:`e^{m_0} - 1` (on a bounded scale, the first year's
      growth of the level that the logit step :math:`m_0` gives at the last
      actual, see the module docstring);
    * the median sustained growth over the goal's horizon :math:`H`: the
      :math:`g` with ``sustained_share(g, H) = 1/2`` — half the corpus'
      :math:`H`-year windows grew at least this fast a year. Left out when the
      corpus has no table for :math:`H` years.

    Parameters
    ----------
    indicator : Indicator
    year : int, optional
        Goal year for the horizon :math:`H` = year − last actual year; default
        the furthest stated numeric target.
    catalog : Catalog, optional
        The catalog whose ``related:`` links to use (e.g. ``sim.catalog``);
        default none: no catalog-linked rows.

    Returns
    -------
    DataFrame
        ``id, reference, rate, source, kind`` (kind in :data:`REFERENCE_KINDS`),
        then ``reference_en, line, quote, as_prior, computed, m0, note,
        related_id`` (``related_id`` is ``""`` except on the rows of a
        catalog-linked series).
        ``rate`` is a yearly growth rate of the level (0.10 for 10 %; on a
        bounded scale the first year's); ``m0`` the reference growth it
        means on the simulated scale (the module docstring's conversion);
        ``as_prior`` marks the rates :func:`prob_range` spans by default.

    Examples
    --------
    >>> import kpisim
    >>> cat = kpisim.load_catalog()
    >>> refs = growth_references(cat["ai_firms"], catalog=cat)
    >>> row = refs[refs.related_id == "ai_convergence_firms"].iloc[0]
    >>> row.kind, round(float(row.rate), 4), bool(row.as_prior)
    ('related series', 0.1486, True)
    """
    ind = _check_indicator(indicator, "growth_references")
    if catalog is not None and not isinstance(catalog, Catalog):
        msg = f"growth_references: `catalog` must be a Catalog; got {type(catalog).__name__}"
        raise TypeError(msg)
    source = getattr(ind.provenance, "source", "") if ind.provenance is not None else ""
    rows: list[dict[str, Any]] = []
    paths: list[tuple[tuple[int, float], tuple[int, float]] | None] = []
    for e in _table().get(ind.id, []):
        if not source or e.get("source") != source:
            continue
        path = e.get("path")
        if e.get("rate") is not None:
            rate, computed = float(e["rate"]), False
        elif isinstance(path, Mapping) and len(path) >= 2:
            (y0, v0), (y1, v1) = sorted(path.items())[0], sorted(path.items())[-1]
            rate, computed = implied_cagr(float(v0), int(y0), float(v1), int(y1)), True
        else:
            continue  # no rate stated and none computable: it stays out
        rows.append({
            "id": ind.id, "reference": e["reference"], "rate": rate, "source": e["source"],
            "kind": e["kind"], "reference_en": e.get("reference_en", ""), "line": e.get("line"),
            "quote": e.get("quote", ""), "as_prior": bool(e.get("as_prior", True)),
            "computed": computed, "m0": _m0_for_rate(ind, rate),
            "note": " ".join(str(e.get("note", "")).split()), "related_id": "",
        })
        paths.append(((int(y0), float(v0)), (int(y1), float(v1))) if computed else None)
    if catalog is not None:
        _related_rows(ind, catalog, rows, paths)
    last, _ = _last_actual(ind)
    try:
        horizon = (int(year) if year is not None else _goal_year(ind)) - last
    except RuleError:  # no target after the last actual: no horizon to speak of
        horizon = 0
    ref = _reference_prior(ind)
    scale_note = ("" if ref.scale == "log" else
                  f" The prior's step m0 = {ref.m0:.4f} is on the logit scale; the rate is the "
                  "level's growth it gives in the first year from the last actual.")
    rows.append({
        "id": ind.id,
        "reference": f"기준집단(실제 연간 시계열) 성장률 e^m0 − 1 (m0 = {ref.m0:.4f})",
        "rate": _rate_for_m0(ind, ref.m0), "source": "kpisim/data/_reference/reference_prior.json",
        "kind": "reference class",
        "reference_en": f"reference class growth e^m0 − 1 (real yearly series; m0 = {ref.m0:.4f})",
        "line": None, "quote": "", "as_prior": True, "computed": True, "m0": ref.m0,
        "note": f"{ref.source}: the long-run growth the default prior pools toward."
                + scale_note, "related_id": "",
    })
    median = _median_sustained(horizon) if horizon >= 1 else float("nan")
    if np.isfinite(median):
        m0 = math.log1p(median)
        rows.append({
            "id": ind.id, "reference": f"기준집단 {horizon}년 지속 성장률 중앙값",
            "rate": _rate_for_m0(ind, m0),
            "source": "kpisim/data/_reference/reference_prior.json (sustained_growth)",
            "kind": "reference class",
            "reference_en": f"reference class median sustained growth over {horizon} years",
            "line": None, "quote": "", "as_prior": True, "computed": True, "m0": m0,
            "note": f"half of the corpus' {horizon}-year windows grew at least "
                    f"{100 * median:.2f}% a year (every series weighing the same)"
                    + ("" if _bounds(ind) is None else
                       "; the corpus has unbounded levels only: like the reference prior's "
                       "m0, this growth is applied to the odds of the bounded value, and the "
                       "rate is the level's growth it gives in the first year"),
            "related_id": "",
        })
    frame = pd.DataFrame(rows, columns=_REF_COLUMNS)
    order = frame["kind"].map({k: i for i, k in enumerate(REFERENCE_KINDS)})
    return frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _evidence(ind: Indicator, years: Sequence[int], *, n_paths: int,
              seed: np.random.SeedSequence, until: int | None,
              catalog: Catalog | None = None) -> pd.DataFrame:
    """:func:`goal_evidence` for several years at once.

    One simulation per distinct prior growth :math:`m_0`, every year read
    from it; the references are those of each year's horizon. The reference
    row "e^m0 − 1" is the default prior itself, so it is the default row.
    """
    years = [int(y) for y in years]
    until = _until(ind, years, until)
    req = required_growth(ind, years).set_index("year")
    base = _reference_prior(ind)
    cache: dict[float, dict[int, tuple[float, float]]] = {}

    def probs(label: str, m0: float) -> dict[int, tuple[float, float]]:
        if not np.isfinite(m0):
            return {y: (float("nan"), float("nan")) for y in years}
        key = round(float(m0), 12)
        if key not in cache:
            prior = base if label == DEFAULT_PRIOR else base.with_growth(
                m0, source=f"what-if: reference growth from {label}")
            cache[key] = _probs(ind, prior, years, n_paths=n_paths, seed=seed, until=until)
        return cache[key]

    rows = []
    for y in years:
        need = req.loc[y]
        outside = _outside_view(ind, float(need.required_rate), int(need.years))
        outside_odds = _outside_view_odds(ind, float(need.target), int(need.years))
        priors = [(DEFAULT_PRIOR, "reference class (default)", "reference class", base.m0,
                   _rate_for_m0(ind, base.m0), True)]
        for r in growth_references(ind, y, catalog=catalog).itertuples():
            if r.kind == "reference class" and np.isclose(r.m0, base.m0, rtol=0, atol=1e-12):
                continue  # the default prior itself
            priors.append((r.reference, r.reference_en or r.reference, r.kind, float(r.m0),
                           float(r.rate), bool(r.as_prior)))
        for label, label_en, kind, m0, rate, as_prior in priors:
            p, se = probs(label, m0)[y]
            rows.append({
                "id": ind.id, "year": y, "target": float(need.target), "prior": label,
                "kind": kind, "assumed_rate": float(rate), "m0": float(m0), "prob": p,
                "se": se, "as_prior": as_prior, "required_rate": float(need.required_rate),
                "years": int(need.years), "sustained_share": outside,
                "sustained_share_odds": outside_odds, "prior_en": label_en,
            })
    return pd.DataFrame(rows, columns=_EVIDENCE_COLUMNS)


#: Recent :func:`_evidence` results, keyed by everything they depend on (the
#: indicator, years, paths, seed and horizon): ``kpisim run`` prints the prior
#: ranges and the report shows them again; the second asks for the same
#: simulations and gets them from here instead of re-running them.
_EVIDENCE_CACHE: dict[tuple, pd.DataFrame] = {}
_EVIDENCE_CACHE_SIZE = 16


def _evidence_once(ind: Indicator, years: Sequence[int], *, n_paths: int,
                   seed: np.random.SeedSequence, until: int | None,
                   catalog: Any = None) -> pd.DataFrame:
    """:func:`_evidence`, computed once per distinct input (a copy is returned)."""
    key = (ind, tuple(int(y) for y in years), int(n_paths), seed.entropy,
           tuple(seed.spawn_key), until, catalog)
    try:
        hit = _EVIDENCE_CACHE.get(key)
    except TypeError:  # an unhashable part: just compute
        return _evidence(ind, years, n_paths=n_paths, seed=seed, until=until, catalog=catalog)
    if hit is None:
        hit = _evidence(ind, years, n_paths=n_paths, seed=seed, until=until, catalog=catalog)
        if len(_EVIDENCE_CACHE) >= _EVIDENCE_CACHE_SIZE:
            _EVIDENCE_CACHE.pop(next(iter(_EVIDENCE_CACHE)))
        _EVIDENCE_CACHE[key] = hit
    return hit.copy()


def goal_evidence(
    indicator: Indicator,
    year: int,
    *,
    n_paths: int = 20_000,
    rng: Any = None,
    until: int | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """P(goal in ``year``) under every defensible prior, beside the outside view.

    Rows: the default reference-class prior (``prior == "reference class"``;
    it is also the reference "e^m0 − 1" of :func:`growth_references`) and,
    for every other reference rate :math:`r`, the reference prior with its
    growth set to :math:`m_0(r)` (``log(1 + r)``; the logit step of the
    module docstring for bounded values). Each is the indicator simulated
    alone with model ``refgrowth`` and the same seed.

    The outside view is the same on every row:

    .. math::

        \\text{sustained\\_share} = \\Pr_{\\text{corpus}}\\!\\left[
            \\Big(\\frac{y_{t+H}}{y_t}\\Big)^{1/H} - 1 \\ge r^*\\right],

    the share of :math:`H`-year windows of real yearly series that grew at
    least the required :math:`r^*` a year (at most, for a decrease goal) —
    "x % of real yearly series sustained this growth for H years". NaN when
    the corpus has no table for :math:`H` years. For a bounded value the
    corpus (unbounded levels) is compared with the growth of the level.

    Parameters
    ----------
    indicator : Indicator
    year : int
        A year with a stated numeric target after the last actual.
    n_paths : int, default 20_000
    rng : None, int, SeedSequence or Generator
        One seed for every prior (common random numbers). With the seed and
        ``until`` of a :func:`kpisim.simulate` run, the default row
        reproduces that run's number for this indicator.
    until : int, optional
        Simulation horizon; default ``max(2030, year)``, simulate's default.
    catalog : Catalog, optional
        Also a what-if row for every related series this catalog links to the
        indicator (:func:`growth_references`; ``as_prior`` False).

    Returns
    -------
    DataFrame
        ``id, year, target, prior, kind, assumed_rate, m0, prob, se,
        as_prior, required_rate, years, sustained_share,
        sustained_share_odds, prior_en``. ``assumed_rate`` is the level's yearly growth
        the prior assumes (the reference class: :math:`e^{m_0} - 1`; on a
        bounded scale the first year's); ``m0`` the prior's growth on the
        simulated scale; ``prob`` is NaN for a rate a bounded value cannot
        take from its last actual. ``sustained_share_odds`` (bounded values
        only) is the outside view of the growth the *odds* must sustain,
        :math:`\\exp\\{[\\operatorname{logit} p(x_Y) - \\operatorname{logit}
        p(y_T)]/H\\} - 1` — the comparison the reference prior itself makes
        when it applies the corpus' growth to the odds.
    """
    ind = _check_indicator(indicator, "goal_evidence")
    return _evidence(ind, [int(year)], n_paths=n_paths, seed=root_seed(rng), until=until,
                     catalog=catalog)


def prob_curve(
    indicator: Indicator,
    year: int,
    rates: Iterable[float] | None = None,
    *,
    n_paths: int = 20_000,
    rng: Any = None,
    until: int | None = None,
) -> pd.DataFrame:
    """P(goal in ``year``) as a function of the assumed yearly growth (a what-if).

    For each rate :math:`r` the indicator is simulated with
    ``reference_prior(scale).with_growth(m0(r))`` (:math:`m_0 = \\log(1+r)`,
    or the logit step at the last actual for bounded values) and the same
    seed, so the curve is free of the noise between rates: with one actual it
    is exactly non-decreasing in :math:`r` for an increase goal.

    Parameters
    ----------
    indicator : Indicator
    year : int
        A year with a stated numeric target after the last actual.
    rates : iterable of float, optional
        Yearly growth rates; default −5 % … +25 % in 1-point steps
        (:data:`DEFAULT_RATES`).
    n_paths : int, default 20_000
    rng : None, int, SeedSequence or Generator
    until : int, optional
        Simulation horizon; default ``max(2030, year)``.

    Returns
    -------
    DataFrame
        ``rate, prob, se`` then ``id, year, target, m0``; ``prob`` is NaN for
        a rate a bounded value cannot take from its last actual.
    """
    ind = _check_indicator(indicator, "prob_curve")
    rates = [float(r) for r in (DEFAULT_RATES if rates is None else rates)]
    seed = root_seed(rng)
    year = int(year)
    horizon = _until(ind, [year], until)
    target = required_growth(ind, [year]).target.iloc[0]
    base = _reference_prior(ind)
    rows = []
    for r in rates:
        m0 = _m0_for_rate(ind, r)
        if np.isfinite(m0):
            prior = base.with_growth(m0, source=f"what-if: growth {100 * r:+.1f}%/yr")
            p, se = _probs(ind, prior, [year], n_paths=n_paths, seed=seed, until=horizon)[year]
        else:
            p = se = float("nan")
        rows.append({"rate": r, "prob": p, "se": se, "id": ind.id, "year": year,
                     "target": float(target), "m0": m0})
    return pd.DataFrame(rows, columns=["rate", "prob", "se", "id", "year", "target", "m0"])


def prob_range(
    sim_or_catalog: Any,
    year: int | None = None,
    ids: Sequence[str] | None = None,
    *,
    n_paths: int | None = None,
    rng: Any = None,
    all_references: bool = False,
) -> pd.DataFrame:
    """The lowest and highest P(goal) across the defensible priors, beside the MC SE.

    So that the ± of the Monte Carlo error is never the only uncertainty
    shown: the SE says how precisely the paths estimate P *under one prior*;
    ``prob_low``–``prob_high`` says how much P moves between priors the
    documents and the reference class can defend (:func:`goal_evidence`).

    Parameters
    ----------
    sim_or_catalog : Simulation, Catalog, Indicator or iterable of Indicator
        With a :class:`~kpisim.Simulation`, ``prob_default`` and ``se`` are
        the simulation's own and the priors are simulated with its seed,
        horizon and path count (so the reference-class row reproduces it when
        it used the default model and prior); the range always includes the
        simulation's own P. Otherwise ``prob_default`` is the reference-class
        prior's P. The related series of the simulation's catalog (or of the
        catalog given) are among the references (:func:`growth_references`);
        they are not priors (``as_prior`` False), so they change the range
        only with ``all_references=True``.
    year : int, optional
        One goal year; default every stated numeric target after the last
        actual (within the simulation's horizon).
    ids : sequence of str, optional
        Indicators; default the headline goals (all numeric indicators when
        none is a headline goal). Grades are left out.
    n_paths : int, optional
        Paths per prior; default the simulation's, else 20_000.
    rng : None, int, SeedSequence or Generator, optional
        Default the simulation's seed.
    all_references : bool, default False
        Span every reference, also those marked ``as_prior: false`` (e.g. a
        single year's change of a different series).

    Returns
    -------
    DataFrame
        ``id, year, target, prob_default, se, prob_low, prob_high,
        prior_low, prior_high, n_priors, required_rate, years,
        sustained_share``; ``prior_low``/``prior_high`` name the priors at the
        extremes and ``n_priors`` counts the priors spanned. ``sustained_share``
        is the outside view of :func:`goal_evidence`; for bounded values it is
        ``sustained_share_odds`` (the growth the odds must sustain, which is
        how the default model treats a bounded value).
    """
    frame, _, _ = _ranges(sim_or_catalog, year, ids, n_paths=n_paths, rng=rng,
                          all_references=all_references, skip_errors=False)
    return frame


def prob_range_details(
    sim_or_catalog: Any,
    year: int | None = None,
    ids: Sequence[str] | None = None,
    *,
    n_paths: int | None = None,
    rng: Any = None,
    all_references: bool = False,
    skip_errors: bool = False,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, str]]:
    """:func:`prob_range`, with what it was computed from.

    Returns
    -------
    (DataFrame, dict, dict)
        The :func:`prob_range` table; each indicator's :func:`goal_evidence`
        rows for all its goal years, by id; and, with ``skip_errors``, the
        error message of each indicator left out because it cannot be
        simulated with ``refgrowth`` (otherwise that error is raised).
    """
    return _ranges(sim_or_catalog, year, ids, n_paths=n_paths, rng=rng,
                   all_references=all_references, skip_errors=skip_errors)


def _ranges(
    sim_or_catalog: Any,
    year: int | None,
    ids: Sequence[str] | None,
    *,
    n_paths: int | None,
    rng: Any,
    all_references: bool,
    skip_errors: bool,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, str]]:
    """:func:`prob_range`, plus every indicator's evidence table and the errors skipped.

    With ``skip_errors`` an indicator that cannot be simulated with
    ``refgrowth`` (e.g. values ≤ 0 without bounds) is left out and its error
    message returned instead of raised (for the CLI and the report).
    """
    from kpisim.simulate import Simulation

    sim = sim_or_catalog if isinstance(sim_or_catalog, Simulation) else None
    if sim is not None:
        catalog = sim.catalog
        pool = list(sim.ids)
        until = int(sim.settings.get("until", 2030))
        n_paths = int(sim.n_paths if n_paths is None else n_paths)
        seed = root_seed(np.random.SeedSequence(sim.settings["seed_entropy"]) if rng is None
                     else rng)
    else:
        if isinstance(sim_or_catalog, Indicator):
            catalog = Catalog((sim_or_catalog,), name="custom")
        elif isinstance(sim_or_catalog, Catalog):
            catalog = sim_or_catalog
        else:
            catalog = Catalog(tuple(sim_or_catalog), name="custom")
        pool = [i.id for i in catalog.values() if i.kind != "grade"]
        until = None
        n_paths = 20_000 if n_paths is None else int(n_paths)
        seed = root_seed(rng)
    if ids is None:
        ids = [i for i in pool if catalog[i].tags.headline] or pool
    rows: list[dict[str, Any]] = []
    evidence: dict[str, pd.DataFrame] = {}
    errors: dict[str, str] = {}
    for ident in ids:
        try:
            ind = _check_indicator(catalog[ident], "prob_range")
            last, _ = _last_actual(ind)
            horizon = until if until is not None else max(2030, *_numeric_targets(ind), 0)
            goal_years = ([int(year)] if year is not None else
                          sorted(y for y in _numeric_targets(ind) if last < y <= horizon))
            if not goal_years:
                continue
            ev = _evidence_once(ind, goal_years, n_paths=n_paths, seed=seed, until=until,
                                catalog=catalog)
            own = sim.prob_meet(None, ids=[ident]) if sim is not None else None
        except KpisimError as e:
            if not skip_errors:
                raise
            errors[ident] = str(e)
            continue
        evidence[ident] = ev
        for y in goal_years:
            e = ev[(ev.year == y) & np.isfinite(ev.prob)]
            spanned = e if all_references else e[e.as_prior]
            default = e[e.prior == DEFAULT_PRIOR].iloc[0]
            cands = list(zip(spanned.prior, spanned.prob, strict=True))
            if own is not None:
                o = own[own.year == y].iloc[0]
                p0, se0 = float(o.prob), float(o.se)
                if not any(np.isclose(p, p0, rtol=0, atol=1e-12) for _, p in cands):
                    cands.append(("simulation", p0))  # another model or settings than refgrowth's
            else:
                p0, se0 = float(default.prob), float(default.se)
            low = min(cands, key=lambda c: c[1])
            high = max(cands, key=lambda c: c[1])
            rows.append({
                "id": ident, "year": y, "target": float(default.target), "prob_default": p0,
                "se": se0, "prob_low": float(low[1]), "prob_high": float(high[1]),
                "prior_low": low[0], "prior_high": high[0], "n_priors": len(cands),
                "required_rate": float(default.required_rate), "years": int(default.years),
                # bounded values: the growth their odds must sustain, as the model sees it
                "sustained_share": float(default.sustained_share)
                if np.isnan(default.sustained_share_odds)
                else float(default.sustained_share_odds),
            })
    return pd.DataFrame(rows, columns=_RANGE_COLUMNS), evidence, errors
