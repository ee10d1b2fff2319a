"""The ``kpisim`` command line.

Exit codes: 0 on success, 2 on bad input (one line on stderr, no traceback),
1 on an internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from kpisim._messages import text
from kpisim._validation import KpisimError

__all__ = ["main"]


class _Progress:
    """A one-line progress bar on stderr; silent when not a terminal or quiet."""

    def __init__(self, label: str, *, quiet: bool) -> None:
        self.label = label
        self.enabled = not quiet and sys.stderr.isatty()
        self.start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or (time.monotonic() - self.start < 1.0 and done < total):
            return
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} paths"
        )
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _emit(frame: pd.DataFrame, fmt: str, text: str | None = None) -> None:
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write((text if text is not None else frame.to_string(index=False)) + "\n")


def _catalog(args):
    import kpisim

    return kpisim.load_catalog(args.catalog)


def _simulate(args, catalog, scenario=None):
    """Simulate ``catalog`` with the run's options; ``scenario`` applies one scenario."""
    import kpisim

    return kpisim.simulate(
        catalog,
        model=args.model,
        until=args.until,
        n_paths=args.paths,
        rng=args.seed,
        scenario=scenario,
        progress=_Progress("simulating", quiet=args.quiet),
    )


def cmd_catalog(args) -> int:
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
            }
        )
    frame = pd.DataFrame(rows)
    head = f"{cat.title or cat.name}: {len(cat)} indicators ({len(cat.headline())} headline)"
    _emit(frame, args.format, head + "\n" + frame.to_string(index=False))
    return 0


def _scores(sim) -> pd.DataFrame | None:
    """E[평점] and P(만점) of the key indicators, 2023–2027 (None if none scored)."""
    from kpisim._summary import score_table

    table = score_table(sim)
    return None if table.empty else table


def _headline_assumptions(sim, lang: str = "ko") -> str:
    """What each headline probability rests on, one line per assumption."""
    from kpisim._summary import statements

    lines = []
    for ident in sim.ids:
        ind = sim.catalog[ident]
        if not ind.tags.headline:
            continue
        name = ind.name_en if lang == "en" and ind.name_en else ind.name_ko
        lines.append(f"  {name} ({ident}):")
        lines += [f"    - {s}" for s in statements(sim, ident, lang=lang)]
    return "\n".join(lines)


def _prior_ranges(sim):
    """P range across priors of the headline goals; (frame, errors)."""
    from kpisim.goals import _ranges

    head = [i for i in sim.ids if sim.catalog[i].tags.headline]
    if not head:
        return pd.DataFrame(), {}
    frame, evidence, errors = _ranges(sim, None, head, n_paths=None, rng=None,
                                      all_references=False, skip_errors=True)
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
    from kpisim._summary import format_table, goal_rows

    lang = args.lang
    cat = _catalog(args)
    sim = _simulate(args, cat)
    scores = _scores(sim) if args.scores or not args.no_report else None
    full = sim.summary(lang=lang, years="all")
    table = goal_rows(full)
    runs = _scenario_runs(args, cat, full)
    ranges, range_errors = _prior_ranges(sim)
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
        heads = _headline_assumptions(sim, lang)
        if heads:
            parts.append(text("cli.run.assumptions_head", lang) + "\n" + heads)
        if args.scores and scores is not None:
            parts.append(text("cli.run.scores_head", lang) + "\n"
                         + _score_text(scores, lang, sim.catalog))
        sys.stdout.write("\n\n".join(parts) + "\n")
    if args.excel:
        from kpisim.report import report_excel

        path = report_excel(sim, args.excel, lang=lang)
        if not args.quiet:
            sys.stderr.write(text("cli.run.excel_written", lang, path=path) + "\n")
    if not args.no_report:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        from kpisim.report import report

        path = report(sim, out / "kpisim-report.html", lang=lang, scores=scores,
                      scenarios=_compare_frame(runs, table))
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
    from kpisim.audit import audit, headline_rates

    cat = _catalog(args)
    frame = audit(cat)
    if args.format != "table":
        _emit(_flat(frame), args.format)
        return 0
    lines = [f"Audit of {cat.title or cat.name}: {len(frame)} indicators with a rule and "
             f"stated targets; {int((frame.checkable & frame.consistent).sum())} follow their "
             "rule exactly, "
             f"{int((frame.checkable & ~frame.consistent).sum())} do not, "
             f"{int((~frame.checkable).sum())} cannot be checked.", ""]
    rates = headline_rates(cat)
    if not rates.empty:
        lines.append("Headline goals: implied growth vs the stated rationale")
        for r in rates.itertuples():
            lines.append(f"  {r.name_ko} — {r.verdict}")
        lines.append("")
    mark = {True: "✓ follows", False: "✗ differs"}
    for r in frame.itertuples():
        status = mark[bool(r.consistent)] if r.checkable else "· unchecked"
        cagr = ("" if pd.isna(r.implied_cagr)
                else f"  stated path grows {100 * r.implied_cagr:.2f}%/yr")
        lines.append(f"{status}  {r.id} ({r.name_ko}) [{r.rule_type}]{cagr}")
        lines.append(f"    {r.verdict}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_report(args) -> int:
    from kpisim.report import report

    cat = _catalog(args)
    sim = _simulate(args, cat)
    from kpisim._summary import goal_rows

    full = sim.summary(lang=args.lang, years="all")
    table = goal_rows(full)
    runs = _scenario_runs(args, cat, full)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
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
    p = sub.add_parser("backtest", parents=[common], help="calibration backtest on yearly series")
    p.add_argument("--data", default="m1", help="m1, tourism, or a CSV of series")
    p.add_argument("--paths", type=int, default=2000)
    p.add_argument("--seed", type=int, default=20231)
    p.add_argument("--models", default="loggrowth,naive")
    p.add_argument("--max-series", type=int, default=None)
    p.set_defaults(func=cmd_backtest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kpisim`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KpisimError as e:
        sys.stderr.write(f"kpisim: error: {e}\n")
        return 2
    except BrokenPipeError:  # e.g. `kpisim catalog | head`
        return 0
    except Exception as e:  # an internal error: keep the traceback for a bug report
        import traceback

        traceback.print_exc()
        sys.stderr.write(f"kpisim: internal error: {type(e).__name__}: {e}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
