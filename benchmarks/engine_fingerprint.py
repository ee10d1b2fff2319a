"""Bitwise fingerprints of the engine's results, for speed work (not a test).

A change meant only to make the engine faster must leave every number as it
was. Run this before and after the change and compare the two files:

    python benchmarks/engine_fingerprint.py > before.txt
    # ... change the engine ...
    python benchmarks/engine_fingerprint.py > after.txt
    diff before.txt after.txt && echo "bit for bit unchanged"

Each line is a SHA-256 of the public results of one run (attainment
probabilities by year and by basis, path probabilities, the first-hit
histogram, shortfalls, quantiles, every kept path and the grade
distributions) under one setting: the built-in catalogs, each sampler,
shock and growth correlations, a scenario, a declared prior, other models,
chunk sizes and thread counts. About 15 seconds.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd

import kpisim


def digest(sim: kpisim.Simulation) -> str:
    h = hashlib.sha256()

    def add(frame: pd.DataFrame | pd.Series) -> None:
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())

    add(sim.prob_meet())
    add(sim.prob_meet(basis="rule"))
    add(sim.prob_path())
    add(sim.first_hit())
    add(sim.shortfall(int(sim.years[-1])))
    add(sim.quantiles())
    for ident in sim.ids:
        h.update(np.ascontiguousarray(sim.kept_paths(ident)).tobytes())
    for ident in sim.grade_ids:
        add(sim.grade_probs(ident, int(sim.years[-1])))
    return h.hexdigest()


def runs():
    cat = kpisim.load_catalog()
    head = [cat[i] for i in ("ai_firms", "ict_sw_exports", "sw_adoption_rate")]
    rho = np.full((3, 3), 0.5) + 0.5 * np.eye(3)
    yield "nipa", lambda: kpisim.simulate(cat, n_paths=20_000, rng=7)
    yield "nipa, chunk 3 blocks, 1 thread", lambda: kpisim.simulate(
        cat, n_paths=20_000, rng=7, chunk_size=3 * 4096, threads=1)
    for name in kpisim.available_catalogs():
        if name != "nipa_2023_2027":
            yield name, lambda name=name: kpisim.simulate(
                kpisim.load_catalog(name), n_paths=8192, rng=13)
    for sampler in ("antithetic", "lhs", "sobol"):
        yield f"sampler {sampler}", lambda s=sampler: kpisim.simulate(
            cat, n_paths=8192, rng=9, sampler=s)
    yield "shock correlation only", lambda: kpisim.simulate(
        head, n_paths=20_000, rng=3, correlation={"shocks": rho})
    yield "growth correlation only", lambda: kpisim.simulate(
        head, n_paths=20_000, rng=3, correlation={"growth": rho})
    yield "shock and growth correlation", lambda: kpisim.simulate(
        head, n_paths=20_000, rng=3, correlation=rho)
    scenario = kpisim.Scenario(name="t", changes=(
        kpisim.Change(indicator="ai_firms", growth_add=-0.02, volatility_multiplier=1.5),
        kpisim.Change(indicator="*", level_shock=-0.05)))
    yield "scenario", lambda: kpisim.simulate(cat, n_paths=8192, rng=12, scenario=scenario)
    yield "declared prior", lambda: kpisim.simulate([cat["ai_firms"]], n_paths=10_000, rng=14,
                                                    prior="declared")
    yield "until 2027", lambda: kpisim.simulate(cat, n_paths=8192, rng=11, until=2027)
    for model in ("loggrowth", "naive", "naive0", "linear", "ensemble"):
        yield f"model {model}", lambda m=model: kpisim.simulate(cat, n_paths=4096, rng=5, model=m)


def main() -> None:
    warnings.simplefilter("ignore")  # the models' own notes, not what is compared
    for label, run in runs():
        print(f"{digest(run())}  {label}", flush=True)


if __name__ == "__main__":
    main()
