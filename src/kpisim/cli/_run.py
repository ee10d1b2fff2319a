"""``kpisim run``: the main job — the table, the what-ifs, the assumptions, the report.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from kpisim._validation import KpisimError

if TYPE_CHECKING:  # pandas is imported where it is used: `kpisim --help` stays fast
    import pandas as pd

from kpisim._messages import text
from kpisim.cli._common import (
    _catalog,
    _clip,
    _out_dir,
    _scores_and_totals,
    _simulate,
    _totals_text,
)
from kpisim.cli._progress import Progress


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
        from kpisim._messages import Msg
        from kpisim._validation import SimulationError

        msg = Msg("errors.scenario.distinct", source=args.scenario, names=names)
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
    from kpisim._format import shown
    from kpisim._summary import render_table

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
        row = [r.name, int(r.year), shown(r.target, r.unit, lang), f"{100 * r.prob:.1f}%"]
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
    if args.excel:  # the workbook's path too: an error after a long run wastes it
        from kpisim._safeio import check_writable

        if not str(args.excel).lower().endswith(".xlsx"):
            msg = f"--excel {args.excel}: the workbook is written as .xlsx; give a .xlsx name"
            raise KpisimError(msg)
        check_writable(args.excel)
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
        if sim.skipped:  # the export has no room for them: the terminal still says so
            sys.stderr.write(_skipped_text(sim.skipped, lang) + "\n")
    elif args.quiet:
        sys.stdout.write(format_table(table, lang) + "\n")
    else:
        title = cat.title or cat.name
        parts = [text("cli.run.head", lang, title=title, n_paths=f"{sim.n_paths:,}",
                      model=args.model, seed=args.seed) + "\n" + format_table(table, lang)]
        if sim.skipped:
            parts.append(_skipped_text(sim.skipped, lang))
        doubts = _doubts_text(sim, lang)
        if doubts:
            parts.append(doubts)
        later = _beyond_horizon(sim)
        if later:
            parts.append(text("cli.run.beyond_until", lang, until=int(sim.years[-1]),
                              items=", ".join(later)))
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
        if args.scores:  # asked for: say so when no key indicator can be scored
            parts.append(text("cli.run.scores_head", lang) + "\n"
                         + _score_text(scores if scores is not None else pd.DataFrame(),
                                       lang, sim.catalog))
            if not totals.empty:
                parts.append(_totals_text(totals, lang))
        sys.stdout.write("\n\n".join(parts) + "\n")
    if args.excel:
        from kpisim.reporting import report_excel

        path = report_excel(sim, args.excel, lang=lang)
        if not args.quiet:
            sys.stderr.write(text("cli.run.excel_written", lang, path=path) + "\n")
    if write_report:
        from kpisim.reporting import report

        progress.phase("progress.report", 1, "step")
        path = report(sim, out / "kpisim-report.html", lang=lang, scores=scores,
                      scenarios=_compare_frame(runs, table), progress=progress.steps)
        progress.close()
        if not args.quiet:
            sys.stderr.write(text("cli.run.report_written", lang, path=path) + "\n")
    return 0


def _skipped_text(skipped: dict[str, str], lang: str, most: int = 6) -> str:
    """The indicators left out of the run, grouped by reason (the first ``most`` ids each)."""
    from kpisim._messages import in_lang

    groups: dict[str, list[str]] = {}
    for ident, why in skipped.items():
        groups.setdefault(in_lang(why, lang), []).append(ident)
    lines = [text("cli.run.skipped", lang, n=len(skipped))]
    for why, ids in groups.items():
        shown = ", ".join(ids[:most]) + (f" … (+{len(ids) - most})" if len(ids) > most else "")
        lines.append(f"  - {why} ({len(ids)}): {shown}")
    return "\n".join(lines)


def _beyond_horizon(sim) -> list[str]:
    """``id (years)`` of simulated indicators with stated targets after the horizon."""
    last = int(sim.years[-1])
    out = []
    for ident in [*sim.ids, *sim.grade_ids]:
        later = sorted(y for y in sim.catalog[ident].targets if y > last)
        if later:
            out.append(f"{ident} ({', '.join(map(str, later))})")
    return out


def _doubts_text(sim, lang: str, most: int = 8) -> str:
    """The engine's doubts about any indicator's input or model (direction against the
    targets, a share written as fractions, counts floored at 0, paths all identical)."""
    a = sim.assumptions(lang)
    rows = a[(a["source"] == "engine") & a["field"].isin(["direction", "kind", "model"])]
    if rows.empty:
        return ""
    lines = [text("cli.run.doubts", lang)]
    lines += [f"  - {r.id}: {r.statement}" for r in rows.head(most).itertuples()]
    if len(rows) > most:
        lines.append(f"  … (+{len(rows) - most})")
    return "\n".join(lines)
