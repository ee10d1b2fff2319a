"""The attainment summary table shown by ``kpisim run`` and the report."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpisim.attainment import progress_class, progress_ratio

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
    "progress_ratio",
    "progress_class",
    "model",
    "assumptions",
]


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
        Headline goals first, then in catalog order.
    """
    probs = sim.prob_meet()
    assumptions = sim.assumptions()
    n_assump = assumptions.groupby("id").size() if not assumptions.empty else pd.Series(dtype=int)
    rows = []
    for ident in [*sim.ids, *(sim.grade_ids if grades else [])]:
        ind = sim.catalog[ident]
        track = sim._track(ident)
        p = probs[(probs.id == ident) & ~probs.observed]
        if p.empty:
            continue
        if years == "goals" and not ind.tags.headline:
            p = p.iloc[[-1]]
        if ind.kind == "grade":
            rows += _grade_rows(ind, track, p, lang, int(n_assump.get(ident, 0)))
            continue
        obs = ind.observed
        for r in p.itertuples():
            ratio = progress_ratio(
                float(obs.iloc[0]),
                int(obs.index[0]),
                float(obs.iloc[-1]),
                int(obs.index[-1]),
                float(r.target),
                int(r.year),
                ind.direction,
            )
            rows.append(
                {
                    "id": ident,
                    "name": ind.name_ko if lang == "ko" or not ind.name_en else ind.name_en,
                    "unit": ind.unit,
                    "headline": ind.tags.headline,
                    "year": int(r.year),
                    "target": r.target,
                    "last_actual": track.last_value,
                    "last_year": track.last_year,
                    "prob": r.prob,
                    "se": r.se,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "progress_ratio": ratio,
                    "progress_class": progress_class(ratio, lang=lang),
                    "model": getattr(track.fitted, "model", ""),
                    "assumptions": int(n_assump.get(ident, 0)),
                }
            )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    order = np.argsort(~frame["headline"].to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _grade_rows(ind, track, p: pd.DataFrame, lang: str, n_assumptions: int) -> list[dict]:
    """Summary rows of a grade indicator: grades by name, no growth ratio."""
    from kpisim._messages import text

    scale = ind.scale
    return [
        {
            "id": ind.id,
            "name": ind.name_ko if lang == "ko" or not ind.name_en else ind.name_en,
            "unit": ind.unit,
            "headline": ind.tags.headline,
            "year": int(r.year),
            "target": scale[int(r.target)],
            "last_actual": scale[int(track.last_value)],
            "last_year": track.last_year,
            "prob": r.prob,
            "se": r.se,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "progress_ratio": np.nan,
            "progress_class": text("grades.progress", lang),
            "model": getattr(track.fitted, "model", ""),
            "assumptions": n_assumptions,
        }
        for r in p.itertuples()
    ]


def _cell(v) -> str:
    return v if isinstance(v, str) else f"{v:,.6g}"


def format_table(frame: pd.DataFrame) -> str:
    """Human-readable rendering of :func:`summary` for a terminal."""
    if frame.empty:
        return "(no simulated indicator has a target)"
    out = pd.DataFrame(
        {
            "": np.where(frame["headline"], "★", ""),
            "indicator": frame["name"].str.slice(0, 28),
            "year": frame["year"],
            "target": frame["target"].map(_cell),
            "last": [
                f"{_cell(v)} ('{y % 100:02d})"
                for v, y in zip(frame["last_actual"], frame["last_year"], strict=True)
            ],
            "P(met)": frame["prob"].map(lambda v: f"{100 * v:5.1f}%"),
            "±SE": frame["se"].map(lambda v: f"{100 * v:.2f}"),
            "95% CI": [
                f"{100 * a:4.1f}–{100 * b:4.1f}"
                for a, b in zip(frame["ci_low"], frame["ci_high"], strict=True)
            ],
            "progress": frame["progress_class"],
            "model": frame["model"],
        }
    )
    return out.to_string(index=False)


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
        res = sim.scores(year)
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
