"""The attainment summary table shown by ``kpisim run`` and the report."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpisim import _format as fmt
from kpisim._format import pp as se_text
from kpisim._format import with_unit
from kpisim._messages import check_lang, in_lang, text
from kpisim._validation import ScoringError
from kpisim.attainment import progress_class, progress_ratio

__all__ = ["COLUMNS", "display_width", "export_table", "format_table", "goal_rows",
           "render_table", "score_table", "score_tables", "se_text", "statements", "summary",
           "with_unit"]  # with_unit, se_text: from kpisim._format, kept here for callers

COLUMNS = [
    "id",
    "name",
    "unit",
    "headline",
    "year",
    "target",
    "last_actual",
    "last_year",
    "prob",
    "se",
    "ci_low",
    "ci_high",
    "median",
    "progress_ratio",
    "progress_class",
    "model",
    "assumptions",
]


def display_width(s: str) -> int:
    """Terminal columns ``s`` takes: East Asian wide and full-width characters count 2.

    >>> display_width("AI전문기업"), display_width("abc")
    (10, 3)
    """
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in s
    )


def _pad(s: str, width: int, right: bool) -> str:
    gap = " " * max(width - display_width(s), 0)
    return gap + s if right else s + gap


def render_table(header: Sequence[str], rows: Sequence[Sequence[Any]],
                 right: Sequence[bool] | None = None, sep: str = "  ") -> str:
    """A plain-text table whose columns line up in a terminal, Hangul included.

    Column widths are display widths (:func:`display_width`), so a cell of
    Hangul takes two columns per syllable.

    >>> print(render_table(["지표", "P"], [["AI기업", "6.0%"], ["x", "10.0%"]], [False, True]))
    지표        P
    AI기업   6.0%
    x       10.0%
    """
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    right = list(right) if right is not None else [False] * len(header)
    widths = [max(display_width(r[j]) for r in cells) for j in range(len(header))]
    lines = [sep.join(_pad(c, w, a) for c, w, a in zip(r, widths, right, strict=True)).rstrip()
             for r in cells]
    return "\n".join(lines)


def _medians(sim: Any, pairs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], float]:
    """Median simulated value of each (indicator, year) in ``pairs``, from the kept paths."""
    if not sim.settings.get("keep_paths", 1):
        return {}
    years = [int(y) for y in sim.years]
    wanted: dict[str, list[int]] = {}
    for ident, year in pairs:
        wanted.setdefault(ident, []).append(int(year))
    out: dict[tuple[str, int], float] = {}
    for ident, ys in wanted.items():
        values = sim.kept_paths(ident)
        if not len(values):
            continue
        cols = values[:, [years.index(y) for y in ys]]
        for y, m in zip(ys, np.median(cols, axis=0), strict=True):
            out[(ident, y)] = float(m)
    return out


def goal_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The ``years="goals"`` rows of a ``years="all"`` :func:`summary`: every row of a
    headline goal, the furthest year of every other indicator."""
    last = ~frame["id"].duplicated(keep="last")
    return frame[frame["headline"].to_numpy(dtype=bool) | last.to_numpy()].reset_index(drop=True)


def summary(sim, *, lang: str = "ko", years: str = "goals", grades: bool = False) -> pd.DataFrame:
    """One row per (indicator, goal year): P(goal met), SE, 95% CI and class.

    Parameters
    ----------
    sim : Simulation
    lang : {"ko", "en"}
        Language of names and progress classes.
    years : {"goals", "all"}
        ``goals``: the headline goals' every stated year and the other
        indicators' furthest stated target; ``all``: every stated year.
    grades : bool, default False
        Also the grade indicators (``sim.grade_ids``): their ``target`` and
        ``last_actual`` are the grade names, ``prob`` is P(grade at least as
        good as the target grade), and ``progress_ratio`` is NaN (a growth
        ratio means nothing on an ordinal scale).

    Returns
    -------
    DataFrame
        Headline goals first, then in catalog order. ``median`` is the median
        simulated value in the goal year (from the kept paths);
        ``assumptions`` the number of assumptions behind the row
        (:meth:`Simulation.assumptions`).
    """
    check_lang(lang)
    if years not in ("goals", "all"):
        msg = f"`years` must be 'goals' or 'all'; got {years!r}"
        raise ValueError(msg)
    probs = sim.prob_meet()
    future = {i: g for i, g in probs[~probs["observed"].to_numpy(dtype=bool)]
              .groupby("id", sort=False)}
    assumptions = sim.assumptions(lang=lang)
    n_assump = assumptions.groupby("id").size() if not assumptions.empty else pd.Series(dtype=int)
    rows = []
    for ident in [*sim.ids, *(sim.grade_ids if grades else [])]:
        ind = sim.catalog[ident]
        p = future.get(ident)
        if p is None or p.empty:
            continue
        if years == "goals" and not ind.tags.headline:
            p = p.iloc[[-1]]
        cols = ["year", "target", "prob", "se", "ci_low", "ci_high"]
        records = [dict(zip(cols, row, strict=True))
                   for row in p[cols].to_numpy(dtype=float).tolist()]
        n = int(n_assump.get(ident, 0))
        if ind.kind == "grade":
            rows += _grade_rows(sim, ind, records, lang, n)
        else:
            rows += _numeric_rows(sim, ind, records, lang, n)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    medians = _medians(sim, list(zip(frame["id"], frame["year"], strict=True)))
    frame["median"] = [medians.get((i, int(y)), np.nan)
                       for i, y in zip(frame["id"], frame["year"], strict=True)]
    order = np.argsort(~frame["headline"].to_numpy(dtype=bool), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _numeric_rows(sim, ind, records: list[dict], lang: str, n_assumptions: int) -> list[dict]:
    """Summary rows of a numeric indicator, one per target year in ``records``."""
    obs = ind.observed
    last_year, last_value = sim.last_actual(ind.id)
    first_year, first_value = int(obs.index[0]), float(obs.iloc[0])
    model = getattr(sim.fitted(ind.id), "model", "")
    rows = []
    for r in records:
        ratio = progress_ratio(first_value, first_year, last_value, last_year,
                               float(r["target"]), int(r["year"]), ind.direction)
        rows.append({
            "id": ind.id, "name": fmt.name(ind, lang), "unit": ind.unit,
            "headline": ind.tags.headline, "year": int(r["year"]), "target": r["target"],
            "last_actual": last_value, "last_year": last_year, "prob": r["prob"],
            "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "median": np.nan,
            "progress_ratio": ratio, "progress_class": progress_class(ratio, lang=lang),
            "model": model, "assumptions": n_assumptions,
        })
    return rows


def _grade_rows(sim, ind, records: list[dict], lang: str, n_assumptions: int) -> list[dict]:
    """Summary rows of a grade indicator: grades by name, no growth ratio."""
    scale = ind.scale
    last_year, last_index = sim.last_actual(ind.id)
    model = getattr(sim.fitted(ind.id), "model", "")
    return [
        {
            "id": ind.id,
            "name": fmt.name(ind, lang),
            "unit": ind.unit,
            "headline": ind.tags.headline,
            "year": int(r["year"]),
            "target": scale[int(r["target"])],
            "last_actual": scale[int(last_index)],
            "last_year": last_year,
            "prob": r["prob"],
            "se": r["se"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "progress_ratio": np.nan,
            "progress_class": text("grades.progress", lang),
            "model": model,
            "assumptions": n_assumptions,
        }
        for r in records
    ]


def format_table(frame: pd.DataFrame, lang: str = "ko") -> str:
    """Human-readable rendering of :func:`summary` for a terminal.

    Columns line up by display width (Hangul takes two columns); names are
    shown in full; targets and the last actual carry the indicator's unit and
    the Monte Carlo SE is in percentage points.
    """
    check_lang(lang)
    if frame.empty:
        return text("summary.empty", lang)
    header = [""] + [text(f"summary.col.{c}", lang) for c in
                     ("name", "year", "target", "last", "prob", "se", "ci", "progress", "model")]
    rows = []
    for r in frame.itertuples():
        rows.append([
            "★" if r.headline else "",
            r.name,
            int(r.year),
            fmt.shown(r.target, r.unit, lang),
            f"{fmt.shown(r.last_actual, r.unit, lang)} ('{int(r.last_year) % 100:02d})",
            fmt.pct(r.prob),
            fmt.pp(r.se, lang),
            fmt.ci(r.ci_low, r.ci_high, sign=""),
            r.progress_class,
            r.model,
        ])
    right = [False, False, True, True, True, True, True, True, False, False]
    return render_table(header, rows, right)


def score_table(sim, years=range(2023, 2028), *, ids=None, key_only: bool = True) -> pd.DataFrame:
    """E[평점] and P(만점) beside P(target met), per indicator and year.

    Parameters
    ----------
    sim : Simulation
    years : iterable of int
        Years to score (those outside the simulation grid are left out).
    ids : sequence of str, optional
        Indicators to show; by default the key indicators (주요성과지표) and
        the headline grade goals that were simulated, or every simulated one
        when ``key_only`` is False.

    Returns
    -------
    DataFrame
        ``id, name_ko, year, target, p_met, mean_score, p_100, method``
        (``target`` is the grade's name for a grade indicator).
    """
    return score_tables(sim, years, ids=ids, key_only=key_only)[0]


def _default_score_ids(sim, key_only: bool) -> list[str]:
    out = []
    for i in [*sim.ids, *sim.grade_ids]:
        tags = sim.catalog[i].tags
        if not key_only or tags.key or (i in sim.grade_ids and tags.headline):
            out.append(i)
    return out


def score_tables(sim, years=range(2023, 2028), *, ids=None, key_only: bool = True):
    """:func:`score_table` and the weighted total per year, from one scoring pass.

    Returns
    -------
    (DataFrame, DataFrame)
        The score table, and one row per year: ``year, mean, sd, q05, q50,
        q95, p_S … p_E, n_weighted, institution_type, grade_rule, grade_basis`` — the
        distribution of the weighted total over the kept paths and of the
        institution grade, with the grading rule used
        (:func:`kpisim.scoring.institution_grade_rule`). ``n_weighted`` counts
        the scored indicators with a weight > 0.
    """
    if ids is None:
        ids = _default_score_ids(sim, key_only)
    rows, totals = [], []
    for year in years:
        if not sim.years[0] <= year <= sim.years[-1]:
            continue
        try:
            res = sim.scores(year)
        except ScoringError:  # nothing to score that year (e.g. a user's catalog)
            continue
        met = sim.prob_meet(year=None, ids=ids)
        met = met[met.year == year].set_index("id")
        for r in res.table[res.table.id.isin(ids)].itertuples():
            target = met["target"].get(r.id, np.nan)
            if r.id in sim.grade_ids and not pd.isna(target):
                target = sim.catalog[r.id].scale[int(target)]  # the grade, by name
            rows.append({
                "id": r.id, "name_ko": r.name_ko, "year": year,
                "target": target,
                "p_met": met["prob"].get(r.id, np.nan),
                "mean_score": r.mean, "p_100": r.p_100, "method": r.method,
            })
        tot = res.total
        totals.append({"year": year, **tot.to_frame().iloc[0].drop("n_paths").to_dict(),
                       "n_weighted": int((res.table["weight"] > 0).sum()),
                       "institution_type": tot.institution_type, "grade_rule": tot.grade_rule,
                       "grade_basis": tot.grade_basis})
    table = pd.DataFrame(rows, columns=["id", "name_ko", "year", "target", "p_met",
                                        "mean_score", "p_100", "method"])
    return table, pd.DataFrame(totals)


def export_table(sim, *, lang: str = "ko", frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every simulated indicator × stated target year, numbers as numbers, for CSV/JSON.

    The rows are :func:`summary` with ``years="all"`` (every stated target
    year after the last actual); non-finite numbers (an infinite progress
    ratio) become NaN, written as empty / ``null``. ``assumption_texts`` lists
    the sentences of :meth:`Simulation.assumptions` behind the row in ``lang``.
    ``frame``: that summary if already computed. Grade rows name their target
    and last grade in ``target_grade`` / ``last_actual_grade`` (``target`` and
    ``last_actual`` are then empty).
    """
    frame = (summary(sim, lang=lang, years="all") if frame is None else frame).copy()
    notes = sim.assumptions(lang=lang)
    texts = {i: list(g["statement"]) for i, g in notes.groupby("id", sort=False)}
    frame["assumption_texts"] = [texts.get(i, []) for i in frame["id"]]
    for col in ("target", "last_actual"):  # a grade row names its grades: numbers stay numbers
        labels = frame[col].map(lambda v: v if isinstance(v, str) else None)
        frame[f"{col}_grade"] = labels
        frame[col] = pd.to_numeric(frame[col].where(labels.isna()), errors="coerce")
    num = frame.select_dtypes("number").columns
    frame[num] = frame[num].replace([np.inf, -np.inf], np.nan)
    return frame


def statements(sim, ident: str, *, lang: str = "ko",
               exclude: Sequence[str] = ("direction", "kind")) -> list[str]:
    """The assumption sentences behind ``ident`` in ``lang``, one per line of text."""
    frame = sim.assumptions(lang=lang)
    rows = frame[(frame.id == ident) & ~frame.field.isin(list(exclude))]
    return [" ".join(in_lang(s, lang).split()) for s in rows.statement]
