"""Sweep scaling: a catalog × scenario × prior grid serially and on 1 and 2 Dask workers.

Usage::

    python benchmarks/bench_sweep.py              # 2 catalogs × 5 scenarios × 4 priors = 40 cells
    python benchmarks/bench_sweep.py --paths 5000 # quicker

Prints one line per configuration (wall seconds, cells per second) and the
scaling efficiency from 1 to 2 workers, ``T1 / (2 × T2)``. Cluster start-up
and the workers' first import of kpisim are timed separately (a warm-up task
per worker) and are not part of the cell time. All three runs must give the
same table bit for bit; the script checks it.
Needs ``pip install 'kpisim[distributed]'``.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from kpisim import Change, Scenario
from kpisim._parallel import local_client
from kpisim.sweeps import sweep

SCENARIOS = [
    None,
    Scenario(name="growth-2pt", changes=(Change(growth_add=-0.02),)),
    Scenario(name="growth+2pt", changes=(Change(growth_add=0.02),)),
    Scenario(name="volatility×1.5", changes=(Change(volatility_multiplier=1.5),)),
    Scenario(name="level-5%", changes=(Change(level_shock=-0.05, years=(2024, 2024)),)),
]
PRIORS = ["reference", "declared", "catalog", None]
CATALOGS = ["nipa_2023_2027", "regional_digital"]


def _warm() -> None:
    import kpisim.simulation  # noqa: F401  (the workers' first import is start-up, not work)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=2023)
    args = ap.parse_args()
    grid = {"catalogs": CATALOGS, "scenarios": SCENARIOS, "priors": PRIORS,
            "n_paths": args.paths, "rng": args.seed}
    n_cells = len(CATALOGS) * len(SCENARIOS) * len(PRIORS)
    print(f"grid: {n_cells} cells, {args.paths:,} paths per indicator; "
          f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}")
    t = time.perf_counter()
    serial = sweep(**grid)
    times = {"serial (this process)": time.perf_counter() - t}
    for n in (1, 2):
        t = time.perf_counter()
        with local_client(n) as client:
            client.run(_warm)
            start = time.perf_counter() - t
            t = time.perf_counter()
            table = sweep(**grid, client=client)
            times[f"{n} Dask worker{'s' if n > 1 else ''}"] = time.perf_counter() - t
        pd.testing.assert_frame_equal(table, serial, check_exact=True)
        print(f"  ({n} worker start-up and warm-up: {start:.1f} s)")
    for name, sec in times.items():
        print(f"{name:24s} {sec:7.1f} s   {n_cells / sec:6.2f} cells/s")
    eff = times["1 Dask worker"] / (2 * times["2 Dask workers"])
    print(f"scaling efficiency 1 → 2 workers: {eff:.0%}  (all three tables identical bit for bit)")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
