"""The sections of the HTML report: headline goals, audit, scenarios, scores, methods, fans.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from kpisim import _format as fmt
from kpisim._messages import in_lang
from kpisim.reporting._figures import _figure
from kpisim.reporting._page import (
    _T,
    _e,
    _name,
    _ordered_ids,
    _path_text,
    _plot_texts,
    _Raw,
    _table,
)
from kpisim.reporting._svg import _fan_caption, _svg_first_hit


def _fitted_text(sim: Any, ident: str, lang: str = "ko") -> tuple[str, str]:
    fitted = sim.fitted(ident)
    describe = getattr(fitted, "describe", None)
    return str(getattr(fitted, "model", type(fitted).__name__)), (
        in_lang(describe(), lang) if callable(describe) else repr(fitted)
    )


def _summary_rows(frame: pd.DataFrame, lang: str) -> list[list[Any]]:
    rows = []
    for r in frame.itertuples():
        rows.append([
            ("★ " if r.headline else "") + str(r.name),
            int(r.year),
            fmt.shown(r.target, r.unit, lang),
            f"{fmt.shown(r.last_actual, r.unit, lang)} ('{int(r.last_year) % 100:02d})",
            fmt.pct(r.prob), fmt.pp(r.se, lang), fmt.ci(r.ci_low, r.ci_high), r.progress_class,
            r.model,
        ])
    return rows


#: Paths per prior for the range (the simulation's own count up to this) and the curve.
_RANGE_PATHS = 200_000


#: Growth rates of the curve: −5 % … +25 % in 2-point steps (the curve is smooth:
#: every rate uses the same random numbers).
_CURVE_RATES = tuple(round(0.01 * k, 2) for k in range(-5, 26, 2))


_CURVE_PATHS = 10_000  # the caption states it; the band is ±2 MC standard errors


def _goal_data(sim: Any, pool: ThreadPoolExecutor) -> dict[str, Future]:
    """Start the P range across growth priors, its evidence and the P-vs-growth curve of
    each headline goal, one goal per thread (NumPy releases the GIL; each goal is its own
    seeded simulation, so the results do not depend on the threads)."""
    head = [i for i in sim.ids if sim.catalog[i].tags.headline]
    if not head or "seed_entropy" not in sim.settings:
        return {}
    return {ident: pool.submit(_one_goal, sim, ident) for ident in head}


def _one_goal(sim: Any, ident: str) -> dict[str, Any]:
    """Range rows, evidence, curve (or the error) of one headline goal."""
    from kpisim._validation import KpisimError
    from kpisim.goals import evidence_ranges, prob_curve

    frame, evidence, errors = evidence_ranges(sim, None, [ident],
                                              n_paths=min(sim.n_paths, _RANGE_PATHS),
                                              skip_errors=True)
    out: dict[str, Any] = {"ranges": frame, "evidence": evidence.get(ident),
                           "error": errors.get(ident), "curve": None}
    ev = out["evidence"]
    if ev is not None:
        try:
            out["curve"] = prob_curve(
                sim.catalog[ident], int(ev["year"].max()), _CURVE_RATES,
                n_paths=min(sim.n_paths, _CURVE_PATHS),
                rng=sim.seed,
                until=int(sim.settings.get("until", 2030)))
        except KpisimError as e:
            out["error"] = str(e)
    return out


def _prior_name(label: str, lang: str, t: dict[str, Any], english: Mapping[str, str]) -> str:
    if label in t["prior_names"]:
        return t["prior_names"][label]
    return label if lang == "ko" else english.get(label, label) or label


def _range_html(sim: Any, ident: str, data: dict[str, Any], lang: str) -> str:
    """The P-range table, the evidence of the goal year and the P-vs-growth curve."""
    t = _T[lang]
    if data["error"] is not None:
        return f'<p class="note">{_e(t["range_fail"].format(data["error"]))}</p>'
    rows = data["ranges"]
    if rows.empty:
        return ""
    ind = sim.catalog[ident]
    ev = data["evidence"]
    english = dict(zip(ev.prior, ev.prior_en, strict=True)) if ev is not None else {}
    table = [[int(r.year), fmt.with_unit(r.target, ind.unit, lang), fmt.pct(r.prob_default),
              fmt.pp(r.se, lang), f"{fmt.pct(r.prob_low)}–{fmt.pct(r.prob_high)}",
              t["per_year"].format(rate=fmt.pct(r.required_rate), years=int(r.years)),
              fmt.pct(r.sustained_share),
              f"{_prior_name(r.prior_low, lang, t, english)} / "
              f"{_prior_name(r.prior_high, lang, t, english)}"]
             for r in rows.itertuples()]
    out = (f"<p><b>{_e(t['range_head'])}</b></p>"
           f'<p class="note">{_e(t["range_note"])}</p>'
           + _table(t["cols_range"], table, {0, 1, 2, 3, 4, 5, 6}))
    if ev is None:
        return out
    goal = int(ev["year"].max())
    goal_ev = ev[ev["year"] == goal]
    out += (f"<p><b>{_e(t['evidence_head'].format(year=goal))}</b></p>"
            + _table(t["cols_evidence"], _evidence_rows(sim, ind, goal, goal_ev, lang, english),
                     {2, 3, 4}))
    curve = data["curve"]
    if curve is not None:
        out += _curve_figure(sim, ind, goal, goal_ev, curve, lang)
    return out


def _evidence_rows(sim: Any, ind: Any, goal: int, goal_ev: pd.DataFrame, lang: str,
                   english: Mapping[str, str]) -> list[list[Any]]:
    """One row per prior of the goal year: its assumed growth, P, SE and source."""
    from kpisim._validation import KpisimError
    from kpisim.goals import DEFAULT_PRIOR, growth_references

    t = _T[lang]
    try:
        refs = {r.reference: r for r in growth_references(ind, goal, catalog=sim.catalog)
                .itertuples()}
    except KpisimError:  # the sources column is a courtesy
        refs = {}
    rows = []
    for r in goal_ev.itertuples():
        ref = refs.get(r.prior)
        if r.prior == DEFAULT_PRIOR:  # the reference row "e^m0 − 1" is the default prior
            ref = next((x for x in refs.values() if x.kind == "reference class"), None)
        src = ""
        if ref is not None:
            where = "" if pd.isna(ref.line) else (f" {int(ref.line)}행" if lang == "ko"
                                                  else f" line {int(ref.line)}")
            src = f"{ref.source}{where}"
            if ref.quote:
                src += f" — “{' '.join(ref.quote.split())}”"
        rows.append([_prior_name(r.prior, lang, t, english), t["kinds"].get(r.kind, r.kind),
                     f"{100 * r.assumed_rate:+.1f}%", fmt.pct(r.prob), fmt.pp(r.se, lang),
                     t["yes"] if r.as_prior else t["no"], src])
    return rows


def _curve_figure(sim: Any, ind: Any, goal: int, goal_ev: pd.DataFrame, curve: pd.DataFrame,
                  lang: str) -> str:
    """The P-vs-growth curve of the goal, with its caption."""
    t = _T[lang]
    value = fmt.with_unit(float(goal_ev["target"].iloc[0]), ind.unit, lang)
    title = _plot_texts(lang)["curve_title_goal"].format(
        name=fmt.short(fmt.name(ind, lang), 30), year=goal, value=value)

    svg = _figure(("curve", (curve, goal_ev, lang, title)), (6.4, 4.6))
    caption = t["curve_caption"].format(year=goal, value=value,
                                        paths=min(sim.n_paths, _CURVE_PATHS))
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def _headline_section(sim: Any, table: pd.DataFrame, lang: str,
                      goal_data: Mapping[str, Future] | None = None) -> str:
    t = _T[lang]
    head = table[table["headline"]]
    if head.empty:
        return f'<p class="note">{_e(t["no_head"])}</p>'
    assumptions = sim.assumptions(lang=lang)
    parts = []
    for ident, rows in head.groupby("id", sort=False):
        items = assumptions[assumptions["id"] == ident]
        lis = "".join(
            f"<li>{_e(a.statement)}" + (f' <span class="note">— {_e(a.reason)}</span>'
                                        if a.reason else "") + "</li>"
            for a in items.itertuples()
        )
        body = f"<ul>{lis}</ul>" if lis else f'<p class="note">{_e(t["no_assump"])}</p>'
        future = (goal_data or {}).get(ident)
        ranges = "" if future is None else _range_html(sim, ident, future.result(), lang)
        parts.append(
            f'<div class="card"><h3>★ {_e(rows["name"].iloc[0])}</h3>'
            + _table(t["cols_sum"][1:], [r[1:] for r in _summary_rows(rows, lang)],
                     {0, 1, 2, 3, 4, 5})
            + ranges
            + f"<p><b>{_e(t['assump_head'])}</b></p>{body}</div>"
        )
    return "".join(parts)


def _audit_frame(sim: Any, audit: Any, lang: str = "ko") -> pd.DataFrame | None:
    if audit is False:
        return None
    if audit is not None:
        return audit
    try:
        from kpisim.rules.audit import audit as run_audit
    except ImportError:
        return None
    return run_audit(sim.catalog, lang=lang)


def _rule_paths(audit: pd.DataFrame | None) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    if audit is None or "recomputed" not in audit or "id" not in audit:
        return out
    for r in audit.itertuples():
        rec = r.recomputed
        if getattr(r, "checkable", True) is False or not isinstance(rec, Mapping):
            continue
        numeric = {int(y): float(v) for y, v in rec.items()
                   if isinstance(v, (int, float)) and np.isfinite(v)}
        if numeric:
            out[str(r.id)] = pd.Series(numeric, dtype=float)
    return out


def _audit_section(audit: pd.DataFrame | None, lang: str) -> str:
    t = _T[lang]
    if audit is None:
        return f'<p class="note">{_e(t["no_audit"])}</p>'
    groups: dict[int, list[list[Any]]] = {0: [], 1: [], 2: []}  # broken, follows, unchecked
    for r in audit.to_dict("records"):
        group = 2 if r.get("checkable") is False else 1 if r.get("consistent") else 0
        ok = (t["na"] if group == 2
              else _Raw(f'<span class="good">{_e(t["yes"])}</span>') if group == 1
              else _Raw(f'<span class="bad">{_e(t["no"])}</span>'))
        groups[group].append([r.get("name_ko", r.get("id")), r.get("rule_text", ""),
                              _path_text(r.get("stated")),
                              _path_text(r.get("recomputed"), derived=True),
                              ok, r.get("verdict", "")])
    counts = t["audit_counts"].format(*(len(groups[g]) for g in (0, 1, 2)))
    return (f'<p class="note">{_e(t["audit_note"])}</p><p>{_e(counts)}</p>'
            + _table(t["cols_audit"], groups[0] + groups[1] + groups[2], nowrap={4}))


def _scenario_section(sim: Any, frame: pd.DataFrame, lang: str) -> str:
    from kpisim import plot

    t = _T[lang]
    names = plot.scenario_columns(frame)
    rows = []
    for r in frame.to_dict("records"):
        unit = sim.catalog[r["id"]].unit if r["id"] in sim.catalog else "-"
        row = [_name(sim, r["id"], lang), int(r["year"]),
               fmt.shown(r["target"], unit, lang) if "target" in r else ""]
        for s in names:
            se = r.get(f"{s} se")
            row.append(fmt.pct(r[s]) + ("" if se is None else f" {fmt.pp(se, lang)}"))
        rows.append(row)
    labels = {i: _name(sim, i, lang) for i in frame["id"].unique()}
    n = len(frame) * (0.3 + 0.18 * len(names))
    svg = _figure(("scenarios", (frame, lang, labels)), (7.5, 1.4 + n))
    return (_table(t["cols_scen_fixed"] + [str(s) for s in names], rows,
                   set(range(2, 3 + len(names))))
            + svg)


def _score_result_section(result: Any, lang: str) -> str:
    """A :class:`kpisim.scoring.ScoreResult`: per-indicator 평점 and the weighted total."""
    t = _T[lang]
    table = result.table
    threshold = float(getattr(result, "threshold", 80.0))
    qcols = [c for c in table.columns if re.fullmatch(r"q\d\d", str(c))]
    header = [*t["cols_scores"][:4], *qcols, "P(100)", f"P(≥ {threshold:g})", *t["cols_scores"][4:]]
    rows = []
    for r in table.to_dict("records"):
        rows.append([r.get("name_ko", r.get("id")), r.get("method", ""),
                     fmt.num(r.get("weight", np.nan)), f"{r.get('mean', np.nan):.1f}",
                     *(f"{r[c]:.1f}" for c in qcols), fmt.pct(r.get("p_100", np.nan)),
                     fmt.pct(r.get("p_ge", np.nan)), fmt.num(r.get("points", np.nan)),
                     t["yes"] if r.get("observed") else ""])
    numeric = set(range(2, len(header) - 1))
    out = _table(header, rows, numeric)
    total = getattr(result, "total", None)
    if total is None:
        return out
    grades = getattr(total, "grades", pd.Series(dtype=float))
    out += "<p>" + _e(t["scores_total"].format(
        year=getattr(result, "year", ""), mean=float(total.mean), sd=float(total.sd),
        grades=" · ".join(f"{g} {fmt.pct(p)}" for g, p in grades.items()))) + "</p>"
    values = np.asarray(total.values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size:
        out += _score_figure(values, lang, t["scores_total_title"])
    return out


def _score_figure(scores: Any, lang: str, title: str | None = None) -> str:
    return _figure(("scores", (scores, lang, title)), (6.0, 3.4))


def _scores_section(scores: Any, lang: str) -> str:
    t = _T[lang]
    if isinstance(getattr(scores, "table", None), pd.DataFrame):
        return _score_result_section(scores, lang)
    out = ""
    if isinstance(scores, pd.DataFrame):
        from kpisim.scoring.handbook import score_table

        shown = score_table(scores, lang)  # headers and method names in the report's language
        cols = [str(c) for c in shown.columns]
        rows = [[fmt.num(v) if isinstance(v, (float, np.floating)) else v for v in r]
                for r in shown.itertuples(index=False)]
        out += _table(cols, rows)
        if not {"score", "prob"} <= set(scores.columns):
            return out
    else:
        from kpisim import plot

        values, probs, _ = plot.score_pmf(scores)
        p100 = float(probs[np.isclose(values, 100.0)].sum())
        out += "<p>" + _e(t["scores_sample"].format(n=values.size, mean=float(values.mean()),
                                                     p100=fmt.pct(p100))) + "</p>"
    return out + _score_figure(scores, lang)


def _settings_rows(sim: Any, t: dict[str, Any], grouped: bool) -> list[list[Any]]:
    """The simulation's settings by name; ``grouped``: counts with thousands separators."""
    s = {"n_paths": f"{sim.n_paths:,}" if grouped else sim.n_paths, **sim.settings}
    if grouped:
        for k in ("keep_paths", "chunk_size"):
            if isinstance(s.get(k), (int, np.integer)):
                s[k] = f"{s[k]:,}"
    return [[t["set_names"].get(k, k), "–" if v is None and grouped else v] for k, v in s.items()]


def _model_rows(sim: Any, lang: str) -> list[list[Any]]:
    return [[_name(sim, i, lang), *_fitted_text(sim, i, lang)] for i in _ordered_ids(sim)]


def _assumption_rows(sim: Any, lang: str, t: dict[str, Any]) -> list[list[Any]]:
    return [[_name(sim, r.id, lang), t["source"].get(r.source, r.source), r.field,
             r.statement, r.reason] for r in sim.assumptions(lang=lang).itertuples()]


def _kept(sim: Any) -> int:
    return min(int(sim.settings.get("keep_paths") or sim.n_paths), sim.n_paths)


def _methods_section(sim: Any, lang: str) -> str:
    t = _T[lang]
    return (f"<p>{_e(t['methods_text'].format(paths=sim.n_paths, keep=_kept(sim)))}</p>"
            f"<h3>{_e(t['settings'])}</h3>" + _table(t["cols_settings"],
                                                   _settings_rows(sim, t, grouped=True))
            + f"<h3>{_e(t['models'])}</h3>" + _table(t["cols_models"], _model_rows(sim, lang))
            + f"<h3>{_e(t['assumptions'])}</h3>"
            + _table(t["cols_assump"], _assumption_rows(sim, lang, t), nowrap={1, 2}))


def _fans_section(sim: Any, probs: pd.DataFrame, rule_paths: Mapping[str, pd.Series],
                  head_figs: Mapping[str, str], lang: str) -> str:
    """Headline goals as full figures (``head_figs``) with their first-hit bars, the others
    as small inline SVG multiples (drawn, like a figure, while the page is built)."""
    t = _T[lang]
    first_hit = sim.first_hit()
    figures = [f'<figure id="fan-{_e(i)}" class="wide">{head_figs[i]}'
               f"{_svg_first_hit(sim, i, lang, first_hit)}"
               f"<figcaption>{_e(_fan_caption(probs, i, lang))}</figcaption></figure>"
               for i in _ordered_ids(sim) if sim.catalog[i].tags.headline]
    small = [i for i in _ordered_ids(sim) if not sim.catalog[i].tags.headline]
    multiples = (_figure(("multiples", (small, lang, {i: rule_paths[i] for i in small
                                                      if i in rule_paths})), None)
                 if small else "")
    return (f'<p class="note">{_e(t["fan_note"])}</p>'
            f'<div class="grid">{"".join(figures)}</div>'
            f'<div class="grid small">{multiples}</div>')
