"""What the commands share: reading the catalog, running the simulation, writing tables.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kpisim._validation import KpisimError

if TYPE_CHECKING:  # pandas is imported where it is used: `kpisim --help` stays fast
    import pandas as pd

from kpisim._messages import text
from kpisim.cli._progress import Progress


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
    from kpisim.simulation import MAX_PATHS

    if args.paths > MAX_PATHS:  # refused before suggesting --yes, which cannot lift it
        raise KpisimError(text("errors.paths_max", args.lang, paths=args.paths, most=MAX_PATHS))
    if args.paths <= _CONFIRM_PATHS or getattr(args, "yes", False):
        return

    n = max(1, sum(1 for i in catalog.values() if i.kind != "grade"))
    minutes = args.paths * n / _RATE / 60
    shown = f"{minutes:,.1f}" if minutes < 10 else f"{minutes:,.0f}"  # never "about 0 min"
    raise KpisimError(text("errors.paths_confirm", args.lang, paths=args.paths, n=n,
                           minutes=shown))


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


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells holding dicts or tuples as text, for CSV and JSON."""
    out = frame.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, (dict, tuple, list))).any():
            out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False, default=str)
                                    if isinstance(v, (dict, tuple, list)) else v)
    return out


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
