"""The ``kpisim`` command line.

Exit codes: 0 on success, 2 on bad input (one line on stderr, no traceback),
1 on an internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kpisim._validation import KpisimError

if TYPE_CHECKING:  # pandas is imported where it is used: `kpisim --help` stays fast
    import pandas as pd

__all__ = ["main"]


class _Progress:
    """One progress display for every phase of a command (tqdm, on stderr).

    Silent when stderr is not a terminal or with ``--quiet``. Each phase —
    fitting, simulating, the growth what-ifs, the report — gets its own bar;
    an object of this class is also :func:`kpisim.simulate`'s ``progress``
    callback (``progress(done, total)`` per chunk, ``progress.fitting(done,
    total)`` per indicator fitted).
    """

    def __init__(self, *, quiet: bool, lang: str = "ko") -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.lang = lang
        self.bar = None
        self.key = ""

    def phase(self, key: str, total: int, unit: str) -> None:
        """Start the bar of phase ``key`` (a ``progress.*`` message key)."""
        self.close()
        self.key = key
        if not self.enabled:
            return
        import shutil

        from tqdm import tqdm

        from kpisim._messages import text

        self.bar = tqdm(total=total, desc=text(key, self.lang), file=sys.stderr, leave=False,
                        unit=" " + text(f"progress.unit.{unit}", self.lang),
                        ncols=min(shutil.get_terminal_size().columns, 100),
                        unit_scale=unit == "path", mininterval=0.2)

    def advance(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(max(0, done - self.bar.n))

    def steps(self, done: int, total: int) -> None:
        """``done`` of ``total`` steps of the current phase (the report's figures)."""
        if self.bar is not None:
            self.bar.total = total
        self.advance(done)

    def fitting(self, done: int, total: int) -> None:
        if self.key != "progress.fit":
            self.phase("progress.fit", total, "indicator")
        self.advance(done + 1)

    def __call__(self, done: int, total: int) -> None:
        if self.key != "progress.simulate":
            self.phase("progress.simulate", total, "path")
        self.advance(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar = None
        self.key = ""


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


def _simulate(args, catalog, progress: _Progress | None = None):
    import kpisim
    from kpisim.scenarios import load_scenario

    scenario = None
    if args.scenario:
        scenarios = load_scenario(args.scenario)
        scenario = scenarios[0]
    return kpisim.simulate(
        catalog,
        model=args.model,
        until=args.until,
        n_paths=args.paths,
        rng=args.seed,
        scenario=scenario,
        progress=progress or _Progress(quiet=args.quiet, lang=args.lang),
    )


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


def _headline_assumptions(sim) -> str:
    """What each headline probability rests on, one line per assumption."""
    frame = sim.assumptions()
    lines = []
    for ident in sim.ids:
        ind = sim.catalog[ident]
        if not ind.tags.headline:
            continue
        rows = frame[(frame.id == ident) & ~frame.field.isin(["direction", "kind"])]
        lines.append(f"  {ind.name_ko} ({ident}):")
        lines += [f"    - {' '.join(str(s).split())}" for s in rows.statement]
    return "\n".join(lines)


_RANGE_TEXT = {
    "ko": {
        "head": "핵심 목표: 성장률 가정에 따른 달성 확률 범위와 필요 성장률",
        "note": ("±SE는 시뮬레이션 오차만 나타냅니다. P 범위는 문서·관련 시계열·시장 전망·"
                 "기준집단이 뒷받침하는 성장률 가정 사이에서 P가 움직이는 폭이고, '실제 시계열 중"
                 " 지속 비율'은 실제 연간 시계열(M1·Tourism) 가운데 필요 성장률을 그 기간 동안"
                 " 유지한 비율입니다."),
        "cols": ["지표", "연도", "목표", "P(기본)", "±SE", "P 범위(가정별)", "필요 성장률",
                 "실제 시계열 중 지속 비율", "범위 양 끝의 가정"],
        "per_year": "{rate}/년({years}년)",
        "default": "기준집단",
        "simulation": "이 시뮬레이션",
        "failed": "범위를 계산하지 못한 지표",
    },
    "en": {
        "head": "Headline goals: P across growth assumptions, and the growth required",
        "note": ("±SE is Monte Carlo error only. The P range is how far P moves between the "
                 "growth assumptions the documents, related series, market forecasts and the "
                 "reference class support; 'sustained by real series' is the share of real "
                 "yearly series (M1, Tourism) that kept the required growth that long."),
        "cols": ["indicator", "year", "target", "P(default)", "±SE", "P range (priors)",
                 "required growth", "sustained by real series", "priors at the ends"],
        "per_year": "{rate}/yr ({years} yr)",
        "default": "reference class",
        "simulation": "this simulation",
        "failed": "no range for",
    },
}


def _prior_ranges(sim, progress: _Progress | None = None):
    """P range across priors of the headline goals; (frame, errors)."""
    import pandas as pd

    from kpisim.goals import _ranges

    head = [i for i in sim.ids if sim.catalog[i].tags.headline]
    if not head:
        return pd.DataFrame(), {}
    from concurrent.futures import ThreadPoolExecutor

    def one(ident: str):  # one goal per thread: each is its own seeded simulation
        return _ranges(sim, None, [ident], n_paths=None, rng=None, all_references=False,
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

    t = _RANGE_TEXT[lang]

    def pct(v: float, digits: int = 1) -> str:
        return "–" if pd.isna(v) else f"{100 * v:.{digits}f}%"

    def prior(label: str) -> str:
        label = {"reference class": t["default"], "simulation": t["simulation"]}.get(label, label)
        width = 22 if lang == "ko" else 34
        return label if len(label) <= width else label[: width - 1] + "…"

    lines = [t["head"], t["note"]]
    if not frame.empty:
        names = {i: (sim.catalog[i].name_ko if lang == "ko" or not sim.catalog[i].name_en
                     else sim.catalog[i].name_en) for i in frame["id"]}
        view = pd.DataFrame({
            t["cols"][0]: [names[i][:24] for i in frame["id"]],
            t["cols"][1]: frame["year"],
            t["cols"][2]: frame["target"].map(lambda v: f"{v:,.6g}"),
            t["cols"][3]: frame["prob_default"].map(pct),
            t["cols"][4]: frame["se"].map(lambda v: f"{100 * v:.2f}"),
            t["cols"][5]: [f"{pct(a)}–{pct(b)}"
                           for a, b in zip(frame["prob_low"], frame["prob_high"], strict=True)],
            t["cols"][6]: [t["per_year"].format(rate=pct(r), years=int(h))
                           for r, h in zip(frame["required_rate"], frame["years"], strict=True)],
            t["cols"][7]: frame["sustained_share"].map(pct),
            t["cols"][8]: [f"{prior(a)} / {prior(b)}" for a, b in zip(
                frame["prior_low" if lang == "ko" else "prior_low_en"],
                frame["prior_high" if lang == "ko" else "prior_high_en"], strict=True)],
        })
        lines.append(view.to_string(index=False))
    for ident, why in errors.items():
        lines.append(f"  {t['failed']} {ident}: {' '.join(why.split())}")
    return "\n".join(lines)


def _score_text(frame: pd.DataFrame) -> str:
    import pandas as pd

    if frame.empty:
        return "(no key indicator could be scored)"
    view = pd.DataFrame({
        "indicator": frame["name_ko"].str.slice(0, 26),
        "year": frame["year"],
        "P(met)": frame["p_met"].map(lambda v: "" if pd.isna(v) else f"{100 * v:5.1f}%"),
        "E[평점]": frame["mean_score"].map(lambda v: f"{v:5.1f}"),
        "P(만점)": frame["p_100"].map(lambda v: f"{100 * v:5.1f}%"),
        "method": frame["method"],
    })
    return view.to_string(index=False)


def cmd_run(args) -> int:
    import pandas as pd

    from kpisim._summary import format_table, summary

    cat = _catalog(args)
    progress = _Progress(quiet=args.quiet, lang=args.lang)
    sim = _simulate(args, cat, progress)
    progress.close()
    # the report is for the table format; csv and json are for machines
    write_report = not args.no_report and args.format == "table"
    scores = _scores(sim) if args.scores or write_report else None
    table = summary(sim, lang=args.lang)
    text = (
        f"P(goal met) — {cat.title or cat.name}; {sim.n_paths:,} paths, model={args.model}, "
        f"seed={args.seed}\n" + format_table(table)
    )
    if sim.skipped and not args.quiet:
        text += (
            f"\n\nnot simulated: {len(sim.skipped)} indicator(s) "
            "(grades, no actual or no target); see the report."
        )
    # --quiet prints only the table: no what-ifs unless csv/json carry them
    ranges, range_errors = ((pd.DataFrame(), {}) if args.quiet and args.format == "table"
                            else _prior_ranges(sim, progress))
    if (not ranges.empty or range_errors) and not args.quiet:
        text += "\n\n" + _range_text(sim, ranges, range_errors, args.lang)
    if not ranges.empty and args.format != "table":
        extra = ranges[["id", "year", "prob_low", "prob_high", "prior_low", "prior_high",
                        "required_rate", "years", "sustained_share"]]
        table = table.merge(extra.rename(columns={"years": "required_years"}),
                            on=["id", "year"], how="left")
    heads = "" if args.quiet else _headline_assumptions(sim)
    if heads:
        text += "\n\nWhat the headline probabilities assume:\n" + heads
    if args.scores and scores is not None:
        text += "\n\nHandbook scores (평점) of the key indicators\n" + _score_text(scores)
        if args.format != "table":
            table = table.merge(scores[["id", "year", "mean_score", "p_100"]],
                                on=["id", "year"], how="left")
    _emit(table, args.format, text)
    if write_report:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        from kpisim.report import report

        progress.phase("progress.report", 1, "step")
        path = report(sim, out / "kpisim-report.html", lang=args.lang, scores=scores,
                      progress=progress.steps)
        progress.close()
        if not args.quiet:
            sys.stderr.write(f"report written to {path}\n")
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
    progress = _Progress(quiet=args.quiet, lang=args.lang)
    sim = _simulate(args, cat, progress)
    progress.close()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scores = _scores(sim)
    progress.phase("progress.report", 1, "step")
    path = report(sim, out / "kpisim-report.html", lang=args.lang, scores=scores,
                  progress=progress.steps)
    progress.close()
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
    common.add_argument("--quiet", action="store_true",
                        help="no progress display and no notes: `run` prints only the table")
    sim = argparse.ArgumentParser(add_help=False)
    sim.add_argument("--until", type=int, default=2030)
    sim.add_argument("--paths", type=int, default=100_000)
    sim.add_argument("--seed", type=int, default=20231)
    sim.add_argument("--model", default="auto")
    sim.add_argument("--scenario", default=None, help="scenario YAML file")
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
