"""EXPERIMENT (issue 12, engine speed): what each stage of a block costs.

Times ``kpisim.simulate`` on the benchmark indicator of ``bench_simulate.py``
(10^6 paths × 10 years, CPU seconds, best of 5) with the engine's stages
stubbed out one after another, so that each difference is that stage's
marginal cost per path-year:

1. the full run;
2. without the attainment counts (``AttainmentCounter.update`` a no-op);
3. with the model's ``sample`` returning ones (no per-path draws, no yearly
   recursion, no ``exp``);
4. and without drawing the yearly normals.

Stubs replace private functions: this is a measurement, not an API. The
numbers move by ±30 % with the machine's load; compare runs made together.

Run: ``python benchmarks/experiments/engine_stage_costs.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bench_simulate as bench

import kpisim
import kpisim.simulation._blocks as blocks
from kpisim.attainment import AttainmentCounter
from kpisim.models._refgrowth import RefGrowthFitted


def per_path_year() -> float:
    ind = bench.indicator()
    kpisim.simulate(ind, until=2032, n_paths=4096, rng=0)
    best = np.inf
    for _ in range(5):
        t0 = time.process_time()
        kpisim.simulate(ind, until=2032, n_paths=10**6, rng=1)
        best = min(best, time.process_time() - t0)
    return best / 10**7 * 1e9


def main() -> None:
    full = per_path_year()
    update = AttainmentCounter.update
    AttainmentCounter.update = lambda self, values, targets=None: None
    no_counts = per_path_year()
    AttainmentCounter.update = update

    def ones(self, years, n_paths, *, rng=None, shocks=None, param_shocks=None):
        return np.ones((len(years), n_paths)).T

    sample = RefGrowthFitted.sample
    RefGrowthFitted.sample = ones
    no_sample = per_path_year()
    AttainmentCounter.update = lambda self, values, targets=None: None
    zeros = np.zeros((4096, 10))
    own = blocks._own_shocks
    blocks._own_shocks = lambda root, b, t, years, sampler, out=None: zeros
    rest = per_path_year()
    blocks._own_shocks, AttainmentCounter.update, RefGrowthFitted.sample = own, update, sample
    no_both = no_sample - (full - no_counts)
    print("ns per path-year (CPU, best of 5; 10^6 paths × 10 years)")
    print(f"  full run                        {full:6.1f}")
    print(f"  attainment counts               {full - no_counts:6.1f}")
    print(f"  model sample (draws, recursion) {full - no_sample:6.1f}")
    print(f"  yearly normals and their stream {no_both - rest:6.1f}")
    print(f"  the rest of the block loop      {rest:6.1f}")


if __name__ == "__main__":
    main()
