"""Where the time of ``kpisim run`` goes, phase by phase (not a timed test).

Run:  python benchmarks/bench_run.py [--paths 100000] [--repeat 3]

Measures, for the built-in catalog at the CLI's defaults (seed 20231, until
2030, model auto):

* ``import``: ``python -c "import kpisim"`` and ``kpisim --help`` in fresh
  processes, and in this process the modules ``kpisim run`` needs;
* ``fit``: loading the catalog and fitting every indicator's model;
* ``simulate``: drawing and reducing the paths (``kpisim.simulate`` minus its
  fit), with the engine's rate in path-years per CPU second and its ratio to
  NumPy's raw ``standard_normal`` rate per CPU second measured in the same run
  (one normal per path-year is the floor of any Monte Carlo engine; CPU time,
  not wall time, so that other load on the machine does not skew the ratio);
* ``reduce``: the attainment table and the handbook scores;
* ``what-ifs``: the headline goals' P range across growth priors (``kpisim.goals``);
* ``report``: the HTML report (its own P-vs-growth curves and figures);
* the end-to-end commands ``kpisim run --no-report`` and ``kpisim run`` in
  fresh processes.

Wall and CPU seconds (CPU of every thread and of the report's worker
processes) are given for each, with the machine's load average; the minimum
over ``--repeat`` runs is kept. Prints a Markdown table (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.w0, self.c0 = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.w0
        self.cpu = _cpu() - self.c0


def _command(args: list[str], repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of a fresh process, over ``repeat`` runs."""
    best = (float("inf"), float("inf"))
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(args, check=True, cwd=tmp, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
            best = min(best, (wall, cpu))
    return best


def raw_normals_per_second() -> float:
    """NumPy's ``standard_normal`` draws per CPU second (one thread)."""
    rng = np.random.default_rng(0)
    rng.standard_normal(10**6)
    best = 0.0
    for _ in range(3):
        t0 = time.process_time()
        rng.standard_normal(2 * 10**7)
        best = max(best, 2 * 10**7 / max(time.process_time() - t0, 1e-9))
    return best


def phases(n_paths: int, out_dir: Path) -> tuple[list[tuple[str, float, float, str]], float]:
    rows = []
    with Clock() as c:
        import pandas  # noqa: F401  (what `kpisim run` imports)

        import kpisim
        from kpisim._summary import summary
        from kpisim.cli import _common, _run
        from kpisim.reporting import report
        from kpisim.simulation import engine
    rows.append(("import (modules of `kpisim run`, in process)", c.wall, c.cpu, ""))

    with Clock() as c:
        catalog = kpisim.load_catalog()
        tracks, _, _ = engine._plan(catalog, model="auto", until=2030, prior="reference",
                                    strict=False)
    rows.append(("fit (load the catalog, fit every model)", c.wall, c.cpu,
                 f"{len(tracks)} indicators"))
    fit_wall, fit_cpu = c.wall, c.cpu

    with Clock() as c:
        sim = kpisim.simulate(catalog, n_paths=n_paths, rng=20231, until=2030)
    sim_wall, sim_cpu = max(c.wall - fit_wall, 1e-9), max(c.cpu - fit_cpu, 0.0)
    path_years = n_paths * sum(len(sim.years) - t.offset for t in tracks.values())
    rate = path_years / max(sim_cpu, 1e-9)  # per CPU second: robust to other load
    raw = raw_normals_per_second()
    rows.append(("simulate (draws, attainment counts, kept paths)", sim_wall, sim_cpu,
                 f"{path_years / 1e6:.1f} M path-years, {rate / 1e6:.1f} M per CPU s = "
                 f"{rate / raw:.2f} × raw `standard_normal` ({raw / 1e6:.1f} M per CPU s)"))

    with Clock() as c:
        summary(sim, lang="ko")
        scores = _common._scores(sim)
    rows.append(("reduce (attainment table, handbook scores)", c.wall, c.cpu, ""))

    with Clock() as c:
        _run._prior_ranges(sim)
    rows.append(("what-ifs (P range of the headline goals across priors)", c.wall, c.cpu,
                 f"{n_paths:,} paths per prior"))

    with Clock() as c:
        report(sim, out_dir / "kpisim-report.html", lang="ko", scores=scores)
    size = (out_dir / "kpisim-report.html").stat().st_size
    rows.append(("report (HTML: curves, figures, font subset)", c.wall, c.cpu,
                 f"{size / 1e6:.2f} MB"))
    return rows, rate / raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="fresh-process timings: best of this many runs")
    args = parser.parse_args(argv)
    py = sys.executable
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        rows, _ = phases(args.paths, Path(tmp))
    fresh = [
        ("`python -c \"import kpisim\"` (fresh process)", [py, "-c", "import kpisim"]),
        ("`kpisim --help` (fresh process)", [py, "-m", "kpisim", "--help"]),
        ("`kpisim run --no-report` (fresh process)",
         [py, "-m", "kpisim", "run", "--no-report", "--quiet", "--paths", str(args.paths)]),
        ("`kpisim run` (fresh process, with the report)",
         [py, "-m", "kpisim", "run", "--quiet", "--paths", str(args.paths)]),
    ]
    ends = [(label, *_command(cmd, args.repeat), "") for label, cmd in fresh]
    load1 = os.getloadavg()[0]
    print(f"Python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, load average {load0:.2f} → {load1:.2f}, "
          f"{args.paths:,} paths, best of {args.repeat} for fresh processes\n")
    print("| phase | wall (s) | CPU (s) | note |")
    print("|---|---:|---:|---|")
    for label, wall, cpu, note in rows + ends:
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
