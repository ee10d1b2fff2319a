"""The growth a goal needs and every growth figure the documents give for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from kpisim._validation import RuleError
from kpisim.catalog import Catalog
from kpisim.goals._outside import median_sustained
from kpisim.goals._scale import (
    bounds_of,
    check_indicator,
    goal_year,
    last_actual,
    m0_for_rate,
    rate_for_m0,
    reference_prior_for,
)
from kpisim.indicator import Indicator
from kpisim.rules import implied_cagr, required_cagr

#: The kinds of growth reference, in the order rows are listed.
REFERENCE_KINDS = ("document", "related series", "market", "reference class")


_DATA_FILE = "_reference/growth_references.yaml"


REF_COLUMNS = ["id", "reference", "rate", "source", "kind", "reference_en", "line", "quote",
                "as_prior", "computed", "m0", "note", "related_id"]


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
    ind = check_indicator(indicator, "required_growth")
    targets = ind.numeric_targets()
    last, _ = last_actual(ind)
    if years is None:
        years = sorted(y for y in targets if y > last)
    obs = ind.observed
    bounded = bounds_of(ind) is not None
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
    ind = check_indicator(indicator, "growth_references")
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
            "computed": computed, "m0": m0_for_rate(ind, rate),
            "note": " ".join(str(e.get("note", "")).split()), "related_id": "",
        })
        paths.append(((int(y0), float(v0)), (int(y1), float(v1))) if computed else None)
    if catalog is not None:
        _related_rows(ind, catalog, rows, paths)
    last, _ = last_actual(ind)
    try:
        horizon = (int(year) if year is not None else goal_year(ind)) - last
    except RuleError:  # no target after the last actual: no horizon to speak of
        horizon = 0
    ref = reference_prior_for(ind)
    scale_note = ("" if ref.scale == "log" else
                  f" The prior's step m0 = {ref.m0:.4f} is on the logit scale; the rate is the "
                  "level's growth it gives in the first year from the last actual.")
    rows.append({
        "id": ind.id,
        "reference": f"기준집단(실제 연간 시계열) 성장률 e^m0 − 1 (m0 = {ref.m0:.4f})",
        "rate": rate_for_m0(ind, ref.m0), "source": "kpisim/data/_reference/reference_prior.json",
        "kind": "reference class",
        "reference_en": f"reference class growth e^m0 − 1 (real yearly series; m0 = {ref.m0:.4f})",
        "line": None, "quote": "", "as_prior": True, "computed": True, "m0": ref.m0,
        "note": f"{ref.source}: the long-run growth the default prior pools toward."
                + scale_note, "related_id": "",
    })
    median = median_sustained(horizon) if horizon >= 1 else float("nan")
    if np.isfinite(median):
        m0 = math.log1p(median)
        rows.append({
            "id": ind.id, "reference": f"기준집단 {horizon}년 지속 성장률 중앙값",
            "rate": rate_for_m0(ind, m0),
            "source": "kpisim/data/_reference/reference_prior.json (sustained_growth)",
            "kind": "reference class",
            "reference_en": f"reference class median sustained growth over {horizon} years",
            "line": None, "quote": "", "as_prior": True, "computed": True, "m0": m0,
            "note": f"half of the corpus' {horizon}-year windows grew at least "
                    f"{100 * median:.2f}% a year (every series weighing the same)"
                    + ("" if bounds_of(ind) is None else
                       "; the corpus has unbounded levels only: like the reference prior's "
                       "m0, this growth is applied to the odds of the bounded value, and the "
                       "rate is the level's growth it gives in the first year"),
            "related_id": "",
        })
    frame = pd.DataFrame(rows, columns=REF_COLUMNS)
    order = frame["kind"].map({k: i for i, k in enumerate(REFERENCE_KINDS)})
    return frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def series_span(ind: Indicator) -> tuple[tuple[int, float], tuple[int, float]] | None:
    """A series' own span: its first actual → its furthest stated numeric target.

    The start is the first numeric actual (the first numeric target when the
    series has no actual); the end is the furthest numeric target after the
    start (the last actual when no target lies after it). ``None`` for a
    grade or a series with fewer than two numeric points in different years.

    >>> import kpisim
    >>> series_span(kpisim.load_catalog()["ai_convergence_firms"])
    ((2021, 991.0), (2027, 2275.0))
    """
    if ind.kind == "grade":
        return None
    obs = ind.observed
    targets = ind.numeric_targets()
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
        span = series_span(rel)
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
            "m0": m0_for_rate(ind, rate), "note": " ".join(relation.split()),
            "related_id": rel.id,
        })
        paths.append(span)


@cache
def _table() -> dict[str, list[dict[str, Any]]]:
    import yaml

    text = resources.files("kpisim.data").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return {str(k): list(v or []) for k, v in (data.get("references") or {}).items()}
