"""``kpisim sweep``: a catalog × scenario × prior grid from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from kpisim._messages import text
from kpisim._validation import KpisimError

__all__ = ["add_sweep_parser"]


def add_sweep_parser(sub: Any) -> None:
    """Register the ``sweep`` subcommand on an argparse subparsers object."""
    p = sub.add_parser("sweep", help=text("sweep.help", "en"),
                       description=text("sweep.help", "en"))
    p.add_argument("--catalog", action="append", default=None, metavar="NAME_OR_PATH",
                   help="catalog (repeat for several); default: the NIPA catalog")
    p.add_argument("--scenario", action="append", default=None, metavar="FILE",
                   help="scenario YAML file (repeat; every scenario of each file is a grid "
                        "column); the baseline is always included")
    p.add_argument("--prior", action="append", default=None,
                   choices=["reference", "declared", "catalog", "pooled", "none"],
                   help="prior policy (repeat); default: reference")
    p.add_argument("--year", action="append", type=int, default=None,
                   help="target year to keep (repeat); default: every stated target year")
    p.add_argument("--paths", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=20231)
    p.add_argument("--until", type=int, default=2030)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None,
                       help="run on N local Dask worker processes")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on the Dask cluster at this scheduler address")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--lang", choices=["ko", "en"], default="ko")
    p.add_argument("--quiet", action="store_true", help="print only the table")
    p.set_defaults(func=cmd_sweep)


def _target_text(table: Any) -> list[str]:
    """Each row's target as printed: a grade goal by its grade name (the sweep table
    holds its index on the scale), a number as stated."""
    from kpisim._format import stated
    from kpisim.catalog import load_catalog

    scales: dict[tuple[str, str], tuple[str, ...]] = {}
    for name in table["catalog"].unique():
        try:
            cat = load_catalog(str(name))
        except KpisimError:
            continue
        for ident in cat:
            ind = cat[ident]
            if ind.kind == "grade" and ind.scale:
                scales[(str(name), ident)] = tuple(ind.scale)
    out = []
    for r in table.itertuples():
        scale = scales.get((str(r.catalog), r.id))
        k = int(r.target) if scale is not None and float(r.target).is_integer() else -1
        out.append(scale[k] if scale is not None and 0 <= k < len(scale) else stated(r.target))
    return out


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the grid and print it (tidy for csv/json, one column per cell otherwise)."""
    from kpisim._parallel import INSTALL_HINT, dask_available, local_client
    from kpisim.cli._progress import Progress
    from kpisim.scenarios import load_scenario
    from kpisim.sweeps import sweep

    catalogs = args.catalog or ["nipa_2023_2027"]
    scenarios: list[Any] = [None]
    for path in args.scenario or []:
        scenarios += load_scenario(path)
    priors = [None if p == "none" else p for p in (args.prior or ["reference"])]
    if (args.workers or args.scheduler) and not dask_available():
        raise KpisimError(text("sweep.no_dask", args.lang, hint=INSTALL_HINT))
    if args.workers is not None and args.workers < 1:
        msg = f"--workers must be a positive integer; got {args.workers}"
        raise KpisimError(msg)
    progress = Progress(quiet=args.quiet, lang=args.lang)  # the CLI's one progress display
    n_cells = len(catalogs) * len(scenarios) * len(priors)
    progress.phase("progress.sweep", n_cells, "cell")
    options = {"years": args.year, "n_paths": args.paths, "rng": args.seed,
               "until": args.until, "progress": progress.steps}
    start = time.perf_counter()
    if args.scheduler:
        from distributed import Client

        with Client(args.scheduler) as client:
            table = sweep(catalogs, scenarios, priors, client=client, **options)
        where = text("sweep.where.cluster", args.lang, address=args.scheduler)
    elif args.workers:
        with local_client(args.workers) as client:
            table = sweep(catalogs, scenarios, priors, client=client, **options)
        where = text("sweep.where.local", args.lang, n=args.workers)
    else:
        table = sweep(catalogs, scenarios, priors, **options)
        where = text("sweep.where.serial", args.lang)
    progress.close()
    seconds = time.perf_counter() - start
    if table.empty:  # say why instead of printing an empty frame
        years = f" in {', '.join(map(str, args.year))}" if args.year else ""
        msg = (f"sweep: no simulated indicator has a stated target{years} up to "
               f"--until {args.until}; check --year and --until")
        raise KpisimError(msg)
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "json":
        sys.stdout.write(table.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        from kpisim._format import pct

        shown = table.assign(target=_target_text(table))
        wide = shown.pivot_table(index=["catalog", "id", "year", "target"],
                                 columns=["scenario", "prior"], values="prob", sort=False)
        wide.columns = [f"{s} · {p}" for s, p in wide.columns]
        sys.stdout.write(wide.map(pct).to_string() + "\n")
    if not args.quiet:
        n = table[["catalog", "scenario", "prior"]].drop_duplicates()
        sys.stderr.write(text(
            "sweep.summary", args.lang, cells=len(n), catalogs=n.catalog.nunique(),
            scenarios=n.scenario.nunique(), priors=n.prior.nunique(), paths=args.paths,
            seconds=seconds, where=where) + "\n")
    return 0
