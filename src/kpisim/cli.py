"""The ``kpisim`` command line.

Exit codes: 0 on success, 2 on bad input or an impossible request (one line
on stderr, no traceback: a :class:`~kpisim.KpisimError`, an unusable ``--out``,
``--paths`` above the confirmation threshold without ``--yes``, out of memory),
1 on an internal error (a bug: one line pointing at a file with the traceback;
``KPISIM_TRACEBACK=1`` prints it), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kpisim._validation import CatalogError, KpisimError

if TYPE_CHECKING:  # pandas is imported where it is used: `kpisim --help` stays fast
    import pandas as pd

from kpisim._messages import text
from kpisim._progress import Progress

__all__ = ["main"]


def _emit(frame: pd.DataFrame, fmt: str, text: str | None = None) -> None:
    if fmt == "csv":
        from kpisim._safeio import neutralise_frame

        sys.stdout.write(neutralise_frame(frame).to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write((text if text is not None else frame.to_string(index=False)) + "\n")


def _catalog(args):
    import kpisim

    return kpisim.load_catalog(args.catalog)


#: ``--paths`` above this needs ``--yes`` (with a time estimate).
_CONFIRM_PATHS = 2_000_000
#: Path-indicators per second of a whole `run`, measured on a shared 2-core
#: machine: `kpisim run --no-report --quiet --paths 100000` (71 numeric
#: indicators, with the headline ranges) took 38.7 s.
_RATE = 100_000 * 71 / 38.7


def _check_paths(args, catalog) -> None:
    """Refuse a very long run unless ``--yes`` is given (KpisimError: exit 2)."""
    if args.paths <= _CONFIRM_PATHS or getattr(args, "yes", False):
        return
    from kpisim._messages import text

    n = max(1, sum(1 for i in catalog.values() if i.kind != "grade"))
    minutes = args.paths * n / _RATE / 60
    raise KpisimError(text("errors.paths_confirm", args.lang, paths=args.paths, n=n,
                           minutes=minutes))


def _simulate(args, catalog, scenario=None, progress=None):
    """Simulate ``catalog`` with the run's options; ``scenario`` applies one scenario."""
    import kpisim

    _check_paths(args, catalog)
    return kpisim.simulate(
        catalog,
        model=args.model,
        until=args.until,
        n_paths=args.paths,
        rng=args.seed,
        scenario=scenario,
        progress=progress or Progress(quiet=args.quiet, lang=args.lang),
    )


def _out_dir(args) -> Path:
    """The ``--out`` directory, created if needed; one-line error if unusable."""
    from kpisim._safeio import prepare_dir

    return prepare_dir(args.out)


def _links_text(cat, args) -> str:
    """The related-series links and the undated goals of ``cat``, one per line."""
    from kpisim._messages import text

    lines = []
    links = [(i, r) for i in cat.values() for r in i.related]
    if links:
        lines += ["", text("catalogs.related_header", args.lang)]
        lines += [text("catalogs.related_line", args.lang, id=i.id, other=r.id,
                       relation=r.text(args.lang)) for i, r in links]
    undated = [(i, g) for i in cat.values() for g in i.undated_goals]
    if undated:
        lines += ["", text("catalogs.undated_header", args.lang)]
        lines += [text("catalogs.undated_line", args.lang, id=i.id,
                       value="-" if g.value is None else g.value, text=g.text)
                  for i, g in undated]
    return "\n".join(lines)


def cmd_catalog(args) -> int:
    import pandas as pd

    cat = _catalog(args)
    rows = []
    for ind in cat.values():
        last = ind.actual.dropna()
        rows.append(
            {
                "id": ind.id,
                "name": ind.name_ko if args.lang == "ko" else (ind.name_en or ind.name_ko),
                "unit": ind.unit,
                "kind": ind.kind,
                "goal": ind.tags.goal or "",
                "task": ind.tags.task or "",
                "headline": "★" if ind.tags.headline else "",
                "key": ",".join(ind.tags.key),
                "last_actual": f"{last.iloc[-1]} ('{last.index[-1] % 100:02d})"
                if len(last)
                else "",
                "targets": " → ".join(f"{v}" for v in ind.target.dropna().tolist()),
                "rule": getattr(ind.rule, "type", type(ind.rule).__name__)
                if ind.rule is not None
                else "",
                "related": ",".join(other.id for other, _ in cat.related(ind.id)),
                "undated": len(ind.undated_goals) or "",
            }
        )
    frame = pd.DataFrame(rows)
    head = f"{cat.title or cat.name}: {len(cat)} indicators ({len(cat.headline())} headline)"
    _emit(frame, args.format, head + "\n" + frame.to_string(index=False) + _links_text(cat, args))
    return 0


def _scores(sim) -> pd.DataFrame | None:
    """E[평점] and P(만점) of the key indicators, 2023–2027 (None if none scored)."""
    return _scores_and_totals(sim)[0]


def _scores_and_totals(sim) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The score table (None if empty) and the weighted total per year, 2023–2027."""
    from kpisim._summary import score_tables

    table, totals = score_tables(sim)
    return (None if table.empty else table), totals


def _totals_text(totals: pd.DataFrame, lang: str) -> str:
    """The weighted total's distribution and the institution grade, one line a year."""
    import pandas as pd

    from kpisim._messages import text

    if totals.empty:
        return ""
    grades = [c[2:] for c in totals.columns if c.startswith("p_")]
    view = pd.DataFrame({
        text("grades.cli.year", lang): totals["year"],
        text("grades.cli.mean", lang): totals["mean"].map(lambda v: f"{v:5.1f}"),
        text("grades.cli.sd", lang): totals["sd"].map(lambda v: f"{v:4.1f}"),
        "q05–q95": [f"{a:5.1f}–{b:5.1f}" for a, b in zip(totals["q05"], totals["q95"],
                                                         strict=True)],
        **{f"P({g})": totals[f"p_{g}"].map(lambda v: f"{100 * v:5.1f}%") for g in grades},
        text("grades.cli.n", lang): totals["n_weighted"],
    })
    last = totals.iloc[-1]
    rule = text(f"grades.rule.{last['grade_basis']}", lang, type=last["institution_type"])
    return "\n".join([text("grades.cli.total_head", lang), view.to_string(index=False),
                      text("grades.cli.rule", lang, rule=rule),
                      text("grades.cli.weights", lang)])


def _inferred_kinds(cat, lang: str) -> str:
    """The kinds a table left out and kpisim inferred from the unit, one line each."""
    from kpisim._messages import text

    lines = []
    for ind in cat.values():
        for a in ind.assumptions:
            if a.field == "kind" and isinstance(a.value, dict) and "inferred_from_unit" in a.value:
                lines.append(text("frames.cli.kind_inferred", lang, id=ind.id, unit=ind.unit,
                                  kind=ind.kind))
    return "\n".join([text("frames.cli.kind_inferred_head", lang), *lines]) if lines else ""


def cmd_template(args) -> int:
    from kpisim._messages import text
    from kpisim.catalog import template_columns, write_template

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise KpisimError(text("frames.cli.template_suffix", args.lang, path=out))
    if out.exists() and not args.force:
        raise KpisimError(text("frames.cli.template_exists", args.lang, path=out))
    if not out.parent.is_dir():
        raise CatalogError(source=str(out), indicator=None, field=None,
                           expected="an existing directory to write the template into",
                           show_got=False)
    write_template(out, lang=args.lang)
    notes = text("frames.cli.template_notes_" + out.suffix.lower().lstrip("."), args.lang)
    n = len(template_columns())
    if not args.quiet:
        sys.stdout.write(text("frames.cli.template_written", args.lang, path=out, n=n,
                              notes=notes) + "\n")
    return 0


def _headline_assumptions(sim, lang: str = "ko") -> str:
    """What each headline probability rests on, one line per assumption."""
    from kpisim._summary import statements

    lines = []
    for ident in [*sim.ids, *sim.grade_ids]:
        ind = sim.catalog[ident]
        if not ind.tags.headline:
            continue
        name = ind.name_en if lang == "en" and ind.name_en else ind.name_ko
        lines.append(f"  {name} ({ident}):")
        lines += [f"    - {s}" for s in statements(sim, ident, lang=lang)]
        lines += [f"    - {s}" for s in _related_lines(sim, ident, lang)]
    return "\n".join(lines)


def _related_lines(sim, ident: str, lang: str) -> list[str]:
    """One line per related series of a headline goal: name, relation, implied growth.

    The rows are :func:`kpisim.goals.growth_references` with the simulation's
    catalog (those with a ``related_id``); the growth is the series' own
    span, first actual → furthest stated target.
    """
    from kpisim._summary import with_unit
    from kpisim.goals import growth_references, series_span

    ind = sim.catalog[ident]
    links = {other.id: (other, relation)
             for other, relation in sim.catalog.related(ident, lang=lang)}
    if not links or ind.kind == "grade":
        return []
    try:
        refs = growth_references(ind, catalog=sim.catalog)
    except KpisimError:  # e.g. no actual: nothing to compare the growth with
        return []
    out, done = [], set()
    for r in refs[refs.related_id != ""].itertuples():
        if r.related_id in done or r.related_id not in links:
            continue
        done.add(r.related_id)
        other, relation = links[r.related_id]
        span = series_span(other)
        if span is None:
            continue
        (y0, v0), (y1, v1) = span
        name = other.name_en if lang == "en" and other.name_en else other.name_ko
        out.append(text(
            "goals.related.line", lang, name=name, id=other.id,
            relation=" ".join(relation.split()).rstrip("."),
            start=f"'{y0 % 100:02d} {with_unit(v0, other.unit, lang)}",
            end=f"'{y1 % 100:02d} {with_unit(v1, other.unit, lang)}",
            rate=f"{100 * r.rate:.1f}%",
            use=text("goals.related.in_range" if r.as_prior else "goals.related.not_in_range",
                     lang)))
    return out


def _prior_ranges(sim, progress: Progress | None = None):
    """P range across priors of the headline goals; (frame, errors)."""
    import pandas as pd

    from kpisim.goals import evidence_ranges

    head = [i for i in sim.ids if sim.catalog[i].tags.headline]
    if not head:
        return pd.DataFrame(), {}
    from concurrent.futures import ThreadPoolExecutor

    def one(ident: str):  # one goal per thread: each is its own seeded simulation
        return evidence_ranges(sim, None, [ident], n_paths=None, rng=None, all_references=False,
                       skip_errors=True)

    if progress is not None:
        progress.phase("progress.whatif", len(head), "goal")
    with ThreadPoolExecutor(max_workers=min(len(head), 4)) as pool:
        parts = []
        for part in pool.map(one, head):
            parts.append(part)
            if progress is not None:
                progress.advance(len(parts))
    if progress is not None:
        progress.close()
    frames = [f for f, _, _ in parts if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else parts[0][0]
    evidence = {k: v for _, ev, _ in parts for k, v in ev.items()}
    errors = {k: v for _, _, err in parts for k, v in err.items()}
    english = {p: e for ev in evidence.values() for p, e in zip(ev.prior, ev.prior_en,
                                                                  strict=True)}
    return frame.assign(prior_low_en=frame.prior_low.map(lambda p: english.get(p, p)),
                        prior_high_en=frame.prior_high.map(lambda p: english.get(p, p))), errors


def _clip(label: str, width: int) -> str:
    """``label`` cut to ``width`` display columns (Hangul counts 2), with an ellipsis."""
    from kpisim._summary import display_width

    if display_width(label) <= width:
        return label
    out = ""
    for ch in label:
        if display_width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def _range_text(sim, frame: pd.DataFrame, errors: dict[str, str], lang: str) -> str:
    import pandas as pd

    from kpisim._summary import render_table, se_text, with_unit

    def pct(v: float, digits: int = 1) -> str:
        return "–" if pd.isna(v) else f"{100 * v:.{digits}f}%"

    def prior(label: str) -> str:
        label = {"reference class": text("cli.range.default", lang),
                 "simulation": text("cli.range.simulation", lang)}.get(label, label)
        return _clip(label, 44)

    lines = [text("cli.range.head", lang), text("cli.range.note", lang)]
    if not frame.empty:
        names = {i: (sim.catalog[i].name_ko if lang == "ko" or not sim.catalog[i].name_en
                     else sim.catalog[i].name_en) for i in frame["id"]}
        header = [text(f"cli.range.col.{c}", lang) for c in
                  ("name", "year", "target", "prob", "se", "range", "required", "sustained",
                   "priors")]
        low = frame["prior_low" if lang == "ko" else "prior_low_en"]
        high = frame["prior_high" if lang == "ko" else "prior_high_en"]
        rows = [
            [names[r.id], int(r.year), with_unit(r.target, sim.catalog[r.id].unit, lang),
             pct(r.prob_default), se_text(r.se, lang), f"{pct(r.prob_low)}–{pct(r.prob_high)}",
             text("cli.range.per_year", lang, rate=pct(r.required_rate), years=int(r.years)),
             pct(r.sustained_share), f"{prior(a)} / {prior(b)}"]
            for r, a, b in zip(frame.itertuples(), low, high, strict=True)
        ]
        lines.append(render_table(header, rows,
                                  [False, True, True, True, True, True, True, True, False]))
    for ident, why in errors.items():
        lines.append(text("cli.range.failed", lang, id=ident, why=" ".join(why.split())))
    return "\n".join(lines)


def _score_text(frame: pd.DataFrame, lang: str = "ko", catalog=None) -> str:
    import pandas as pd

    from kpisim._summary import render_table

    if frame.empty:
        return text("cli.scores.none", lang)

    def name(ident: str, name_ko: str) -> str:
        ind = catalog.get(ident) if catalog is not None else None
        return ind.name_en if lang == "en" and ind is not None and ind.name_en else name_ko

    header = [text(f"cli.scores.col.{c}", lang)
              for c in ("name", "year", "p_met", "mean", "p_100", "method")]
    rows = [[name(r.id, r.name_ko), int(r.year),
             "" if pd.isna(r.p_met) else f"{100 * r.p_met:.1f}%", f"{r.mean_score:.1f}",
             f"{100 * r.p_100:.1f}%", r.method] for r in frame.itertuples()]
    return render_table(header, rows, [False, True, True, True, True, False])


def _scenario_runs(args, cat, baseline) -> list[tuple[str, str, pd.DataFrame, set | None]]:
    """(name, description, summary, ids it changes) of the baseline and every scenario.

    Every scenario in ``--scenario`` is simulated with the run's seed (common
    random numbers); ``ids`` is None for a change of every indicator (``*``).
    """
    from kpisim.scenarios import load_scenario

    runs = [(text("cli.scen.baseline", args.lang), "", baseline, set())]
    if not args.scenario:
        return runs
    scenarios = load_scenario(args.scenario)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        from kpisim._validation import SimulationError

        msg = f"{args.scenario}: scenario names must be distinct; got {names}"
        raise SimulationError(msg)
    for s in scenarios:
        sim = _simulate(args, cat, s)
        touched = None if any(c.indicator == "*" for c in s.changes) else s.indicators()
        runs.append((s.name, s.description, sim.summary(lang=args.lang, years="all"), touched))
    return runs


def _scenario_text(runs, table: pd.DataFrame, lang: str) -> str:
    """The baseline and every scenario side by side: P(met) and its change.

    Rows: the goal years of ``table`` (the printed summary) of the indicators
    some scenario changes (all of them when a scenario changes ``*``).
    """
    from kpisim._summary import render_table, with_unit

    touched = [r[3] for r in runs[1:]]
    if any(t is None for t in touched):
        base = table
    else:
        base = table[table["id"].isin(set().union(*touched))]
    keyed = [r[2].set_index(["id", "year"]) for r in runs]
    header = [text(f"cli.scen.col.{c}", lang) for c in ("name", "year", "target")]
    header += [r[0] for r in runs]
    rows = []
    for r in base.itertuples():
        row = [r.name, int(r.year), with_unit(r.target, r.unit, lang), f"{100 * r.prob:.1f}%"]
        for other in keyed[1:]:
            if (r.id, r.year) not in other.index:
                row.append("–")
                continue
            p = float(other.loc[(r.id, r.year), "prob"])
            change = text("summary.pp", lang, value=f"{100 * (p - r.prob):+.1f}")
            row.append(f"{100 * p:.1f}% ({change})")
        rows.append(row)
    lines = [text("cli.scen.head", lang)]
    lines += [text("cli.scen.described", lang, name=r[0], description=r[1])
              for r in runs[1:] if r[1]]
    lines.append(render_table(header, rows, [False, True, True] + [True] * len(runs)))
    return "\n".join(lines)


def _compare_frame(runs, table: pd.DataFrame) -> pd.DataFrame | None:
    """The runs as a :func:`kpisim.compare` table (for the report), on ``table``'s rows
    of the indicators the scenarios change."""
    if len(runs) < 2:
        return None
    touched = [r[3] for r in runs[1:]]
    if not any(t is None for t in touched):  # only the indicators some scenario changes
        table = table[table["id"].isin(set().union(*touched))]
    out = table[["id", "year", "target"]].copy()
    for name, _, frame, _ in runs:
        got = frame.set_index(["id", "year"])
        keys = list(zip(out["id"], out["year"], strict=True))
        out[name] = got["prob"].reindex(keys).to_numpy()
        out[f"{name} se"] = got["se"].reindex(keys).to_numpy()
    return out


def _export(sim, args, runs, ranges, scores) -> pd.DataFrame:
    """The CSV/JSON table: every indicator × target year, numeric, with assumption texts."""
    import pandas as pd

    from kpisim._summary import export_table

    table = export_table(sim, lang=args.lang, frame=runs[0][2])
    if not ranges.empty:
        extra = ranges[["id", "year", "prob_low", "prob_high", "prior_low", "prior_high",
                        "prior_low_en", "prior_high_en", "required_rate", "years",
                        "sustained_share"]].copy()
        if args.lang == "en":  # the prior labels in the run's language
            extra["prior_low"], extra["prior_high"] = extra["prior_low_en"], extra["prior_high_en"]
        extra = extra.drop(columns=["prior_low_en", "prior_high_en"])
        table = table.merge(extra.rename(columns={"years": "required_years"}),
                            on=["id", "year"], how="left")
    if args.scores and scores is not None:
        table = table.merge(scores[["id", "year", "mean_score", "p_100"]],
                            on=["id", "year"], how="left")
    if len(runs) > 1:
        table.insert(0, "scenario", runs[0][0])
        parts = [table]
        for name, _, frame, _ in runs[1:]:
            part = frame.copy()
            num = part.select_dtypes("number").columns
            part[num] = part[num].replace([float("inf"), float("-inf")], float("nan"))
            part.insert(0, "scenario", name)
            part["assumption_texts"] = table.set_index(["id", "year"])[
                "assumption_texts"].reindex(list(zip(part["id"], part["year"], strict=True))
                                            ).tolist()
            parts.append(part)
        table = pd.concat(parts, ignore_index=True)
    return table


def _emit_export(table: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        out = table.copy()
        out["assumption_texts"] = out["assumption_texts"].map(
            lambda v: " | ".join(v) if isinstance(v, list) else "")
        sys.stdout.write(out.to_csv(index=False))
        return
    records = json.loads(table.to_json(orient="records", force_ascii=False))
    sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1, allow_nan=False) + "\n")


def cmd_run(args) -> int:
    import pandas as pd

    from kpisim._summary import format_table, goal_rows

    lang = args.lang
    out = (_out_dir(args) if not args.no_report and args.format == "table"
           else None)  # before the run: fail fast
    cat = _catalog(args)
    progress = Progress(quiet=args.quiet, lang=lang)
    sim = _simulate(args, cat, progress=progress)
    progress.close()
    # the report is for the table format; csv and json are for machines
    write_report = not args.no_report and args.format == "table"
    scores, totals = (_scores_and_totals(sim) if args.scores or write_report
                      else (None, pd.DataFrame()))
    full = sim.summary(lang=lang, years="all")
    table = goal_rows(full)
    runs = _scenario_runs(args, cat, full)
    # --quiet prints only the table: no what-ifs unless csv/json carry them
    ranges, range_errors = ((pd.DataFrame(), {}) if args.quiet and args.format == "table"
                            else _prior_ranges(sim, progress))
    if args.format != "table":
        _emit_export(_export(sim, args, runs, ranges, scores), args.format)
    elif args.quiet:
        sys.stdout.write(format_table(table, lang) + "\n")
    else:
        title = cat.title or cat.name
        parts = [text("cli.run.head", lang, title=title, n_paths=f"{sim.n_paths:,}",
                      model=args.model, seed=args.seed) + "\n" + format_table(table, lang)]
        if sim.skipped:
            parts.append(text("cli.run.skipped", lang, n=len(sim.skipped)))
        if len(runs) > 1:
            parts.append(_scenario_text(runs, table, lang))
        if not ranges.empty or range_errors:
            parts.append(_range_text(sim, ranges, range_errors, lang))
        inferred = _inferred_kinds(cat, lang)
        if inferred:
            parts.append(inferred)
        heads = _headline_assumptions(sim, lang)
        if heads:
            parts.append(text("cli.run.assumptions_head", lang) + "\n" + heads)
        if args.scores and scores is not None:
            parts.append(text("cli.run.scores_head", lang) + "\n"
                         + _score_text(scores, lang, sim.catalog))
            if not totals.empty:
                parts.append(_totals_text(totals, lang))
        sys.stdout.write("\n\n".join(parts) + "\n")
    if args.excel:
        from kpisim.report import report_excel

        path = report_excel(sim, args.excel, lang=lang)
        if not args.quiet:
            sys.stderr.write(text("cli.run.excel_written", lang, path=path) + "\n")
    if write_report:
        from kpisim.report import report

        progress.phase("progress.report", 1, "step")
        path = report(sim, out / "kpisim-report.html", lang=lang, scores=scores,
                      scenarios=_compare_frame(runs, table), progress=progress.steps)
        progress.close()
        if not args.quiet:
            sys.stderr.write(text("cli.run.report_written", lang, path=path) + "\n")
    return 0


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells holding dicts or tuples as text, for CSV and JSON."""
    out = frame.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, (dict, tuple, list))).any():
            out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False, default=str)
                                    if isinstance(v, (dict, tuple, list)) else v)
    return out


def cmd_audit(args) -> int:
    import pandas as pd

    from kpisim._messages import text
    from kpisim.rules.audit import CATEGORIES, audit, headline_rates

    lang = args.lang
    cat = _catalog(args)
    frame = audit(cat, lang=lang)
    if args.format != "table":
        _emit(_flat(frame), args.format)
        return 0
    counts = {c: int((frame.category == c).sum()) for c in CATEGORIES}
    lines = [text("audit.cli.summary", lang, title=cat.title or cat.name, n=len(frame),
                  **counts), ""]
    rates = headline_rates(cat, lang=lang)
    if not rates.empty:
        lines.append(text("audit.cli.headline", lang))
        for r in rates.itertuples():
            lines.append(f"  {r.name_ko} — {r.verdict}")
        lines.append("")
    mark = {"exact": "✓", "within_rounding": "≈", "floor_satisfied": "≥",
            "differs": "✗", "uncheckable": "·"}
    for r in frame.itertuples():
        status = f"{mark[r.category]} {text(f'audit.category.{r.category}', lang)}"
        rate = ""
        if not pd.isna(r.implied_cagr):
            span = f"'{int(r.implied_from) % 100:02d}→'{r.years[-1] % 100:02d}"
            rate = text("audit.cli.rate", lang, rate=f"{100 * r.implied_cagr:.2f}%", span=span)
            if not pd.isna(r.rule_rate):
                rate += text("audit.cli.rule_rate", lang, rate=f"{100 * r.rule_rate:.4g}%")
        lines.append(f"{status}  {r.id} ({r.name_ko}) [{r.rule_type}]{rate}")
        lines.append(f"    {r.verdict}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_report(args) -> int:
    from kpisim.report import report

    out = _out_dir(args)
    cat = _catalog(args)
    sim = _simulate(args, cat)
    from kpisim._summary import goal_rows

    full = sim.summary(lang=args.lang, years="all")
    table = goal_rows(full)
    runs = _scenario_runs(args, cat, full)
    path = report(sim, out / "kpisim-report.html", lang=args.lang, scores=_scores(sim),
                  scenarios=_compare_frame(runs, table))
    sys.stdout.write(f"{path}\n")
    return 0


def cmd_backtest(args) -> int:
    from kpisim.backtest import cli_backtest

    frame = cli_backtest(args)
    _emit(frame, args.format)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--catalog",
        default=None,
        help="built-in catalog name or path (YAML, directory, CSV, Excel); "
        "default: the NIPA 2023–2027 catalog",
    )
    common.add_argument("--format", choices=["table", "csv", "json"], default="table")
    common.add_argument("--lang", choices=["ko", "en"], default="ko")
    common.add_argument("--out", default=".", help="output directory for reports")
    common.add_argument("--quiet", action="store_true", help="no progress bar or notes")
    sim = argparse.ArgumentParser(add_help=False)
    sim.add_argument("--until", type=int, default=2030)
    sim.add_argument("--paths", type=int, default=100_000)
    sim.add_argument("--seed", type=int, default=20231)
    sim.add_argument("--model", default="auto")
    sim.add_argument("--scenario", default=None, metavar="FILE",
                     help="scenario YAML file; every scenario in it is simulated with the same "
                          "seed and printed beside the baseline")
    sim.add_argument("--yes", action="store_true",
                     help=f"run even when --paths is above {_CONFIRM_PATHS:,} (a long run)")
    sim.add_argument("--scores", action="store_true",
                     help="also print E[평점] and P(만점) of the key indicators, 2023–2027 "
                          "(the report always shows them)")

    parser = argparse.ArgumentParser(
        prog="kpisim",
        description=(
            "How likely are performance goals to be met? Audits target rules and estimates "
            "P(goal met) by Monte Carlo."
        ),
    )
    from kpisim import __version__

    parser.add_argument("--version", action="version", version=f"kpisim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", parents=[common, sim], help="simulate and print the attainment table")
    p.add_argument("--no-report", action="store_true", help="do not write kpisim-report.html")
    p.add_argument("--excel", default=None, metavar="FILE",
                   help="also write every table to this Excel workbook (.xlsx)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("audit", parents=[common], help="recompute every target path from its rule")
    p.set_defaults(func=cmd_audit)
    p = sub.add_parser("catalog", parents=[common], help="list the indicators of a catalog")
    p.set_defaults(func=cmd_catalog)
    p = sub.add_parser("report", parents=[common, sim], help="write the HTML report")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("template", help="write an empty, annotated catalog table (.xlsx or .csv)")
    p.add_argument("--out", default="kpisim-template.xlsx",
                   help="the file to write: .xlsx (annotated workbook) or .csv")
    p.add_argument("--lang", choices=["ko", "en"], default="ko")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(func=cmd_template)
    p = sub.add_parser("backtest", parents=[common], help="calibration backtest on yearly series")
    p.add_argument("--data", default="m1", help="m1, tourism, or a CSV of series")
    p.add_argument("--paths", type=int, default=2000)
    p.add_argument("--seed", type=int, default=20231)
    p.add_argument("--models", default="loggrowth,naive")
    p.add_argument("--max-series", type=int, default=None)
    p.set_defaults(func=cmd_backtest)
    from kpisim._cli_sweep import add_sweep_parser

    add_sweep_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kpisim`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KpisimError as e:
        sys.stderr.write(f"kpisim: error: {_one_line(e)}\n")
        return 2
    except BrokenPipeError:  # e.g. `kpisim catalog | head`
        return 0
    except MemoryError:
        from kpisim._messages import text

        sys.stderr.write(text("errors.out_of_memory", args.lang) + "\n")
        return 2
    except KeyboardInterrupt:
        from kpisim._messages import text

        sys.stderr.write("\n" + text("errors.interrupted", args.lang) + "\n")
        return 130
    except Exception as e:  # a bug: a short pointer; the traceback goes to a file
        return _internal_error(e, args.lang)


def _one_line(e: BaseException, limit: int = 2000) -> str:
    """The message of ``e`` on one line, bounded in length."""
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _internal_error(e: Exception, lang: str) -> int:
    """Save the traceback to a file and print one line pointing at it (exit 1).

    ``KPISIM_TRACEBACK=1`` prints the traceback itself instead.
    """
    import os
    import tempfile
    import traceback

    from kpisim._messages import text

    if os.environ.get("KPISIM_TRACEBACK"):
        traceback.print_exc()
    try:
        fd, where = tempfile.mkstemp(prefix="kpisim-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            from kpisim import __version__

            f.write(f"kpisim {__version__}, python {sys.version.split()[0]}\n")
            f.write(f"argv: {sys.argv}\n\n")
            traceback.print_exc(file=f)
    except OSError:
        where = "(not saved: set KPISIM_TRACEBACK=1 to print it)"
    sys.stderr.write(text("errors.internal", lang, kind=type(e).__name__,
                          message=_one_line(e, 300), path=where) + "\n")
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
