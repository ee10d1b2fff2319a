"""``kpisim catalog``, ``template``, ``audit``, ``report`` and ``backtest``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kpisim._validation import CatalogError, KpisimError

if TYPE_CHECKING:  # pandas is imported where it is used: `kpisim --help` stays fast
    pass

from kpisim._messages import Msg, text
from kpisim.cli._common import (
    _catalog,
    _emit,
    _flat,
    _out_dir,
    _scores,
    _simulate,
)
from kpisim.cli._run import _compare_frame, _scenario_runs


def _links_text(cat, args) -> str:
    """The related-series links and the undated goals of ``cat``, one per line."""

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
    head = text("cli.catalog.head", args.lang, title=cat.title or cat.name, n=len(cat),
                headline=len(cat.headline()))
    body = ""  # no empty-frame dump
    if not frame.empty:  # display widths, so Hangul names keep the columns aligned
        from kpisim._summary import render_table

        header = [text(f"cli.catalog.col.{c}", args.lang) for c in frame.columns]
        body = "\n" + render_table(header, frame.astype(str).to_numpy().tolist())
    _emit(frame, args.format, head + body + _links_text(cat, args))
    return 0


def cmd_template(args) -> int:
    from kpisim.catalog import template_columns, write_template

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise KpisimError(text("frames.cli.template_suffix", args.lang, path=out))
    if out.exists() and not args.force:
        raise KpisimError(text("frames.cli.template_exists", args.lang, path=out))
    if not out.parent.is_dir():
        raise CatalogError(source=str(out), indicator=None, field=None,
                           expected=Msg("expected.template_directory"),
                           show_got=False)
    try:
        write_template(out, lang=args.lang)
    except OSError as e:  # e.g. /sys or /proc: the directory exists but takes no file
        msg = (f"{out}: cannot be written ({e.strerror or type(e).__name__}); check the path "
               "and its permissions")
        raise KpisimError(msg) from e
    notes = text("frames.cli.template_notes_" + out.suffix.lower().lstrip("."), args.lang)
    n = len(template_columns())
    if not args.quiet:
        sys.stdout.write(text("frames.cli.template_written", args.lang, path=out, n=n,
                              notes=notes) + "\n")
    return 0


def _display_name(cat, ident: str, name_ko: str, lang: str) -> str:
    """The indicator's name in ``lang`` (:func:`kpisim._format.name`); ``name_ko``
    for a row whose id is not in the catalog."""
    from kpisim._format import name

    return name(cat[ident], lang) if ident in cat else name_ko


def cmd_audit(args) -> int:
    import pandas as pd

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
            lines.append(f"  {_display_name(cat, r.id, r.name_ko, lang)} — {r.verdict}")
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
        lines.append(f"{status}  {r.id} ({_display_name(cat, r.id, r.name_ko, lang)}) "
                     f"[{r.rule_type}]{rate}")
        lines.append(f"    {r.verdict}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_report(args) -> int:
    from kpisim.reporting import report

    if args.format != "table":  # the report is one HTML file: csv/json would be ignored
        raise KpisimError(text("cli.report.format", args.lang, fmt=args.format))
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

    if getattr(args, "catalog", None) is not None:  # backtest reads --data, not --catalog
        raise KpisimError(text("cli.backtest.catalog", args.lang, catalog=args.catalog))

    frame = cli_backtest(args)
    _emit(frame, args.format)
    return 0
