"""EXPERIMENT (issue 12, engine speed): what each stage of a block costs.

Times the stages of one 4,096-path × 10-year block of the benchmark
indicator of ``bench_simulate.py`` (the default model, ``refgrowth``), each
stage called on its own, the stages interleaved round after round, best of
300 rounds. Interleaving matters on this machine, whose speed moves by ±30 %
from minute to minute: differences of whole runs timed minutes apart (this
script's first version) came out negative.

A stage timed alone runs on warm caches, so the sum of the stages is a lower
bound of a block in a run (between stages of a run a block's ~1 MB working set
partly leaves the 512 KB L2 cache). The last line is a whole block as the
engine runs it.

Stubs and private functions are used: this is a measurement, not an API.

Run: ``python benchmarks/experiments/engine_stage_costs.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bench_simulate as bench

from kpisim import _kernels, models
from kpisim.attainment import AttainmentCounter
from kpisim.models._base import level_from_change, prepare_sample
from kpisim.models._refgrowth import RefGrowth
from kpisim.simulation._blocks import child

N, K = 4096, 10


def stages() -> dict[str, object]:
    ind = bench.indicator()
    fitted = RefGrowth().fit(ind.observed, kind=ind.kind)
    years = list(range(fitted.last_year + 1, fitted.last_year + K + 1))
    p = fitted.params
    root = np.random.SeedSequence(1)
    buf = np.empty((N, K))
    eps = models.standard_normals(N, K, rng=child(root, 0, 1, 1), method="plain", out=buf)
    gen = child(root, 0, 1, 0)
    u = gen.random(N)
    log_sigma = fitted.sigma_posterior(u)
    sigma, mu = np.exp(log_sigma), np.empty(N)
    _kernels.drift_draws(sigma, eps[:, 0].copy(), p["m0"], p["tau"],
                         p["years_of_growth"], p.get("mu_hat") or 0.0, mu)
    level = np.full(N, p["m0"])
    damp = p["phi"] ** np.arange(1, K + 1)
    inc = np.empty((K, N))
    values = fitted.sample(years, N, rng=gen, shocks=eps)
    targets = np.asarray([ind.targets.get(y, np.nan) for y in years], dtype=float)
    counter = AttainmentCounter(years=np.array(years), targets=targets,
                                goal=float(np.nanmax(targets)), direction=ind.direction)
    change = inc.copy()
    return {
        "yearly normals (numpy, into the buffer)": lambda: models.standard_normals(
            N, K, rng=child(root, 0, 1, 1), method="plain", out=buf),
        "two generators of the block (seeding)": lambda: (child(root, 0, 1, 0),
                                                        child(root, 0, 1, 1)),
        "request checks (prepare_sample)": lambda: prepare_sample(
            years, N, fitted.last_year, eps, model="refgrowth"),
        "parameter stream (spawn)": lambda: np.random.default_rng(gen).spawn(1),
        "per-path draws: uniform + 2 normals": lambda: (gen.random(N), gen.standard_normal(N),
                                                       gen.standard_normal(N)),
        "σ by inverse CDF": lambda: fitted.sigma_posterior(u),
        "e^σ (numpy exp)": lambda: np.exp(log_sigma),
        "μ | σ (drift_draws)": lambda: _kernels.drift_draws(
            sigma, eps[:, 0].copy(), p["m0"], p["tau"], p["years_of_growth"],
            p.get("mu_hat") or 0.0, mu),
        "running sum (damped_walk)": lambda: _kernels.damped_walk(
            eps, sigma, mu - p["m0"], level, damp, True, 50.0, inc),
        "copy of a block (for scale)": lambda: np.copyto(change, inc),
        "level e^z (float32 exp), after that copy": lambda: level_from_change(
            (np.copyto(change, inc), change)[1], 0.0),
        "attainment counts (count_block)": lambda: counter.update(values),
        "whole model sample": lambda: fitted.sample(years, N, rng=gen, shocks=eps),
    }


def main() -> None:
    work = stages()
    best = dict.fromkeys(work, np.inf)
    for _ in range(300):
        for name, fn in work.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    print(f"one block of {N:,} paths × {K} years, best of 300 interleaved rounds")
    print(f"{'stage':44s} {'µs':>8s} {'ns/path-year':>13s}")
    for name, t in best.items():
        if name == "whole model sample":
            print("-" * 67)
        print(f"{name:44s} {t * 1e6:8.1f} {t / (N * K) * 1e9:13.2f}")


if __name__ == "__main__":
    main()
