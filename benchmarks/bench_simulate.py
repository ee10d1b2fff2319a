"""Throughput and memory of the simulation engine (not a timed test).

Run:  python benchmarks/bench_simulate.py [--quick]

Measures, on one core (the engine is single-threaded numpy):
1. end-to-end path-years per second of ``kpisim.simulate`` with the
   default model ``refgrowth`` (draw, accumulate, attainment counts, kept
   sample), and its ratio to numpy's raw ``standard_normal`` rate measured
   in the same run (the target is ≥ 0.5: one normal per path-year is the
   floor of any Monte Carlo engine);
2. peak resident memory from 10^5 to 10^8 path-years, each size in a fresh
   subprocess (so peaks do not mask each other);
3. the same paths drawn by looping statsmodels' ``ETSModel.simulate``.
Writes the table to stdout in Markdown (pasted into docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HISTORY = {2015: 100.0, 2016: 108.0, 2017: 113.0, 2018: 125.0, 2019: 131.0,
           2020: 140.0, 2021: 155.0, 2022: 160.0}
TARGETS = {y: 160.0 * 1.08 ** (y - 2022) for y in range(2023, 2033)}


def indicator():
    import kpisim

    return kpisim.Indicator(id="bench", name_ko="벤치마크", unit="개", kind="count",
                            actuals=HISTORY, targets=TARGETS)


MODEL = os.environ.get("KPISIM_BENCH_MODEL", "auto")  # the default: refgrowth


def one_run(n_paths: int) -> dict:
    """Simulate ``n_paths`` paths × 10 years once; report time and peak RSS."""
    import resource

    import kpisim

    ind = indicator()
    kpisim.simulate(ind, model=MODEL, until=2032, n_paths=4096, rng=0)  # warm up
    t0 = time.perf_counter()
    sim = kpisim.simulate(ind, model=MODEL, until=2032, n_paths=n_paths, rng=1)
    dt = time.perf_counter() - t0
    sim.prob_meet()
    sim.quantiles()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n_paths": n_paths, "path_years": n_paths * 10, "seconds": dt,
            "rate": n_paths * 10 / dt, "peak_mb": peak_mb}


def draws_per_second() -> float:
    rng = np.random.default_rng(0)
    rng.standard_normal(10**6)
    t0 = time.perf_counter()
    rng.standard_normal(2 * 10**7)
    return 2 * 10**7 / (time.perf_counter() - t0)


def statsmodels_loop(n_paths: int) -> float:
    """Seconds to draw the same paths with statsmodels' ETSModel.simulate."""
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(np.log(list(HISTORY.values())))
    fit = ETSModel(y, trend="add", damped_trend=False).fit(disp=False)
    t0 = time.perf_counter()
    fit.simulate(nsimulations=10, repetitions=n_paths, anchor="end",
                 rng=np.random.default_rng(1))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="sizes up to 10^7 path-years")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--model", default=None,
                        help="model to time (default: the engine's default, refgrowth)")
    args = parser.parse_args()
    if args.model:
        os.environ["KPISIM_BENCH_MODEL"] = args.model  # children inherit it
        global MODEL
        MODEL = args.model
    if args.child:
        print(json.dumps(one_run(args.child)))
        return
    sizes = [10**4, 10**5, 10**6] + ([] if args.quick else [10**7])
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, numpy {np.__version__}")
    raw = draws_per_second()
    print(f"numpy standard_normal: {raw / 1e6:.1f} million draws/s\n")
    print("| paths | path-years | seconds | million path-years/s | ÷ raw normals | peak RSS (MB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(n)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(f"| {n:,} | {r['path_years']:.0e} | {r['seconds']:.2f} | "
              f"{r['rate'] / 1e6:.1f} | {r['rate'] / raw:.2f} | {r['peak_mb']:.0f} |")
    n = 10**5
    import kpisim

    t0 = time.perf_counter()
    kpisim.simulate(indicator(), model=MODEL, until=2032, n_paths=n, rng=1)
    ours = time.perf_counter() - t0
    theirs = statsmodels_loop(n)
    print(f"\n{n:,} paths × 10 years: kpisim {ours:.2f} s (with attainment counts); "
          f"statsmodels ETSModel.simulate {theirs:.2f} s (draws only) → "
          f"{theirs / ours:.0f}× faster")


if __name__ == "__main__":
    main()
