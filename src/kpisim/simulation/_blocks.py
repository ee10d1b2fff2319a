"""The block loop: draw each block of paths, count it, keep the first paths.

Block ``b`` of indicator ``j`` draws from its own streams,
``SeedSequence(entropy, spawn_key=(b, key_j, stream))``, so the numbers never
depend on how blocks are grouped into chunks or spread over threads.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from kpisim._messages import Msg
from kpisim._validation import RuleError, SimulationError
from kpisim.simulation._state import BLOCK, MAX_THREADS, Track


def _rule_targets(t: Track, full: NDArray, years: NDArray) -> NDArray:
    """Per-path targets of a path-dependent rule, shape (n_paths, n_years).

    Observed years keep their stated targets. Each simulated year's target is
    the rule applied to that path: ``rule.next_target(previous actual,
    previous target, recent actuals)``, the previous actual and the recent
    actuals being simulated ones once the simulation has begun. The recent
    actuals are as many as the rule's ``lookback`` (all of them when None).
    Years without a stated target are NaN, so that the table compares like
    with like.
    """
    ind = t.indicator
    rule = ind.rule.for_indicator(ind)
    back = rule.lookback
    n = full.shape[0]
    out = np.tile(t.targets, (n, 1))
    hist = np.concatenate([np.tile(t.past, (n, 1)), full], axis=1)
    k0 = len(t.past)
    before = ind.targets.get(int(years[t.offset]) - 1)
    prev_target = np.full(n, np.nan if before is None else float(before))
    for i in range(t.offset, len(years)):
        start = 0 if back is None else max(0, k0 + i - max(back, 1))
        window = hist[:, start : k0 + i]
        try:
            target = rule.next_target(
                window[:, -1],
                prev_target,
                window,
                year=int(years[i]),
                direction=ind.direction,
                category=ind.tags.category,
                share=ind.kind == "share",
            )
        except RuleError as e:  # e.g. a long-term path past its goal year: no rule target
            target = np.full(n, np.nan)
            if not np.isnan(t.targets[i]):  # a stated target the rule cannot recompute: say why
                t.rule_gaps.setdefault(int(years[i]), str(e))
        else:
            if not np.isnan(t.targets[i]) and np.isnan(target).all():
                t.rule_gaps.setdefault(int(years[i]), Msg(
                    "sim.rule_gap_history", need=str(getattr(rule, "min_history", "") or "?"),
                    have=str(k0 + i)))
        prev_target = target
        out[:, i] = np.where(np.isnan(t.targets[i]), np.nan, target)
    return out


def child(root: np.random.SeedSequence, *key: int) -> np.random.Generator:
    ss = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *key))
    return np.random.Generator(np.random.PCG64(ss))


def correlated_groups(corr: NDArray | None, tracks: dict[str, Track]) -> list[tuple]:
    """The independent groups of a correlation matrix: ``[(members, submatrix, keys)]``.

    Indicators linked by a chain of non-zero correlations form a group; the
    groups are independent, so each draws from its own stream, keyed by its
    members' stream keys (never by their positions in the run). A group's
    numbers therefore do not depend on the other indicators simulated with
    it, nor on their order, and an indicator correlated with no other one
    (an identity row) draws from its own stream exactly as without a
    correlation. Members are ordered by stream key, so the Cholesky factor
    of a group does not depend on the catalog's order either.
    """
    if corr is None:
        return []
    k = corr.shape[0]
    keys = [t.key for t in tracks.values()]
    linked = (corr != 0) | np.eye(k, dtype=bool)
    seen = np.zeros(k, dtype=bool)
    groups = []
    for start in range(k):
        if seen[start]:
            continue
        members, frontier = {start}, [start]
        while frontier:  # breadth-first over the non-zero correlations
            nxt = np.flatnonzero(linked[frontier].any(axis=0) & ~seen)
            nxt = [int(j) for j in nxt if j not in members]
            members.update(nxt)
            frontier = nxt
        seen[list(members)] = True
        order = sorted(members, key=lambda j: (keys[j], j))
        groups.append((order, corr[np.ix_(order, order)],
                       tuple(keys[j] for j in order)))
    return groups


def _shocks(
    root, block: int, tracks: dict[str, Track], years: NDArray, *, groups: list[tuple],
    sampler: str,
) -> list[NDArray]:
    from kpisim import models

    tlist = list(tracks.values())
    n_steps = [len(years) - t.offset for t in tlist]
    out: list[NDArray | None] = [None] * len(tlist)
    for members, sub, keys in groups:
        if len(members) == 1:
            j = members[0]
            out[j] = _own_shocks(root, block, tlist[j], years, sampler)
            continue
        total = max(n_steps[j] for j in members)
        g = child(root, block, 2**31, 1, *keys)  # the group's own stream
        z = models.correlated_normals(sub, BLOCK, total, rng=g, sampler=sampler)
        for i, j in enumerate(members):  # align on calendar years: the last columns
            out[j] = z[i][:, total - n_steps[j]:]
    return out


def _growth_normals(root, block: int, n: int, groups: list[tuple]) -> list[NDArray | None]:
    """Correlated per-path growth normals (n, 2) of each indicator; None where
    the indicator is correlated with no other (its model draws its own)."""
    from kpisim import models

    out: list[NDArray | None] = [None] * n
    for members, sub, keys in groups:
        if len(members) == 1:
            continue
        z = models.correlated_normals(sub, BLOCK, 2, rng=child(root, block, 2**31, 2, *keys))
        for i, j in enumerate(members):
            out[j] = z[i]
    return out


def snap_to_bounds(values: NDArray, bounds: tuple[float, float]) -> None:
    """The ε-boundary model, in place: values within ε(b − a) of a bound are on it.

    Used only when a stated target sits on a bound (a share of 100 %): a model
    whose scale approaches the bound without reaching it would otherwise give
    P(target) ≈ 0 however close its paths come. ε is ``BOUND_EPS`` (0.1 % of
    the range, 0.1 points of a share), the same margin the fit moves an actual
    at a bound inside by — an assumption, listed in ``sim.assumptions()``.
    """
    from kpisim.models import BOUND_EPS

    lo, hi = bounds
    eps = BOUND_EPS * (hi - lo)
    values[values >= hi - eps] = hi
    values[values <= lo + eps] = lo


def _max_se(tracks: dict[str, Track]) -> float:
    worst = 0.0
    for t in tracks.values():
        se = t.counter.se[t.offset :]
        se = se[~np.isnan(t.targets[t.offset :])]
        if se.size:
            worst = max(worst, float(se.max()))
    return worst


def default_threads() -> int:
    """One thread per available CPU up to :data:`MAX_THREADS`; 1 on a Dask worker."""
    if "distributed" in sys.modules:
        try:
            sys.modules["distributed"].get_worker()
        except (ValueError, AttributeError):
            pass
        else:
            return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cpus))


def run_blocks(
    root, tracks: dict[str, Track], grades: dict[str, Track], years: NDArray, *,
    n_paths: int, goal_paths: int, blocks_per_chunk: int, target_se: float | None,
    scenario, shock_corr, growth_corr, sampler: str, keep: int,
    progress: Callable[[int, int], None] | None, pool: ThreadPoolExecutor | None,
) -> int:
    """Run chunks of blocks until ``goal_paths`` or, with ``target_se``, the precision.

    Returns the number of paths simulated.

    With ``target_se`` the precision is checked after every block, not every
    chunk, so where the run stops does not depend on ``chunk_size``.
    """
    done = 0
    block = 0
    while done < goal_paths:
        chunk_blocks = []
        for _ in range(blocks_per_chunk):
            if done + BLOCK * len(chunk_blocks) >= goal_paths:
                break
            chunk_blocks.append(block)
            block += 1
        groups = [chunk_blocks] if target_se is None else [[b] for b in chunk_blocks]
        precise = False
        for group in groups:
            _run_chunk(root, group, tracks, years, scenario=scenario, correlation=shock_corr,
                       growth_correlation=growth_corr, sampler=sampler, keep=keep,
                       limit=goal_paths - done, grades=grades, pool=pool)
            done = min(goal_paths, done + BLOCK * len(group))
            if (target_se is not None and done >= n_paths
                    and _max_se({**tracks, **grades}) <= target_se):
                precise = True
                break
        if progress is not None:
            progress(done, goal_paths)
        if precise:
            break
    return done


def _run_chunk(
    root,
    blocks: list[int],
    tracks: dict[str, Track],
    years: NDArray,
    *,
    scenario,
    correlation,
    sampler,
    keep: int,
    limit: int,
    growth_correlation=None,
    grades: dict[str, Track] | None = None,
    pool: ThreadPoolExecutor | None = None,
) -> None:
    """Generate and reduce the given blocks.

    Reductions run block by block, on identical arrays whatever the chunk, so
    even floating-point sums are bitwise independent of ``chunk_size``.

    Without a correlation each indicator draws from its own streams, keyed by
    (block, indicator), so indicators are independent tasks: with ``pool``
    they run on its threads (numpy releases the GIL in its array loops), each
    indicator's blocks in order, so the numbers do not depend on the number
    of threads. Threads are used only when every fitted model declares
    ``thread_safe`` (its ``sample`` changes no process-wide state, such as
    the warning filters statsmodels-based models must silence). With a
    correlation the shocks of one block are drawn jointly for each group of
    correlated indicators (:func:`correlated_groups`), so the blocks run one
    after another here.
    """
    grades = grades or {}
    if correlation is None and growth_correlation is None:
        jobs = [(t, None) for t in grades.values()] + [(t, ident) for ident, t in tracks.items()]

        def run(job: tuple[Track, str | None]) -> None:
            t, ident = job
            z = None  # this job's shocks buffer: each block is reduced before the next
            for k, b in enumerate(blocks):
                n = min(BLOCK, limit - k * BLOCK)  # the last block of a run may be cut
                if ident is None:
                    _grade_block(root, b, t, n, years, keep)
                else:
                    z = _own_shocks(root, b, t, years, sampler, out=z)
                    _track_block(root, b, ident, t, z, None, n, years, keep, scenario)

        threaded = pool is not None and len(jobs) > 1 and all(
            getattr(t.fitted, "thread_safe", False) for t, _ in jobs)
        if not threaded:
            for job in jobs:
                run(job)
        else:
            for _ in pool.map(run, jobs):  # re-raises a worker's exception here
                pass
        return
    shock_groups = correlated_groups(correlation, tracks)
    growth_groups = correlated_groups(growth_correlation, tracks)
    for k, b in enumerate(blocks):
        n = min(BLOCK, limit - k * BLOCK)
        for t in grades.values():  # own stream per id; no shocks, no scenario
            _grade_block(root, b, t, n, years, keep)
        if not tracks:
            continue
        if correlation is None:
            shocks = [_own_shocks(root, b, t, years, sampler) for t in tracks.values()]
        else:
            shocks = _shocks(root, b, tracks, years, groups=shock_groups, sampler=sampler)
        growth = _growth_normals(root, b, len(tracks), growth_groups)
        for j, (ident, t) in enumerate(tracks.items()):
            g = growth[j] if t.growth_draws else None
            _track_block(root, b, ident, t, shocks[j], g, n, years, keep, scenario)


def _grade_block(root, b: int, t: Track, n: int, years: NDArray, keep: int) -> None:
    """Draw block ``b`` of a grade indicator (own stream; no shocks, no scenario)."""
    values = t.fitted.sample(years[t.offset :].tolist(), BLOCK, rng=child(root, b, t.key, 0))
    _reduce(t, values[:n], n, years, keep)


def _track_block(
    root, b: int, ident: str, t: Track, z: NDArray, growth: NDArray | None, n: int,
    years: NDArray, keep: int, scenario,
) -> None:
    """Draw block ``b`` of a numeric indicator from shocks ``z`` and count it."""
    sim_years = years[t.offset :]
    if scenario is not None:
        z = z * scenario.volatility(ident, sim_years)[None, :]
    extra = {} if growth is None else {"param_shocks": growth}
    values = t.fitted.sample(sim_years.tolist(), BLOCK, rng=child(root, b, t.key, 0),
                             shocks=z, **extra)
    if np.shape(values) != (BLOCK, len(sim_years)):  # a model's own sample (a user's model)
        msg = (f"indicator `{ident}`: model `{getattr(t.fitted, 'model', '?')}` returned "
               f"paths of shape {np.shape(values)}; expected ({BLOCK}, {len(sim_years)}) "
               "(one column per simulated year)")
        raise SimulationError(msg)
    if scenario is not None:
        values = scenario.apply(ident, values, sim_years, t.last_value, t.indicator.kind)
    if t.bounds is not None and (scenario is not None or not t.in_bounds):
        # censoring, a model without the bounded scale, or a scenario's change
        np.clip(values, t.bounds[0], t.bounds[1], out=values)
    if t.target_on_bound:  # a stated target on a bound: the ε-boundary rule, any scale
        snap_to_bounds(values, t.bounds)
    if t.indicator.kind == "count" and values[:n].min(initial=0.0) < 0:
        # a model on the original scale (naive, linear, holt, ...): a count is never < 0
        below = values[:n] < 0
        t.floored += int(np.count_nonzero(below))
        values[:n][below] = 0.0
    full = _reduce(t, values[:n], n, years, keep)
    if t.counter.nonfinite[t.offset :].any():  # counted by the counter's pass
        # an overflow (or a model's NaN) must never be counted as met or missed:
        # the run stops here, before any result is read
        sim = full[:, t.offset :]  # as counted (float64)
        bad = sim[~np.isfinite(sim)][0]
        msg = (f"indicator `{ident}`: the model produced a non-finite value ({bad}) "
               "on a simulated path (an overflow: values or growth too large for "
               "float64); " + ("the scenario's changes may be too large for it, or "
                                 if scenario is not None else "")
               + "express the indicator in a larger unit or check its history")
        raise SimulationError(msg)
    last = values[:n, -1] if values.shape[1] else None
    if b == 0 and n > 1 and last is not None and np.ptp(last) <= 1e-9 * np.abs(last).max():
        t.degenerate = True  # every path the same: a model that found no noise
    if t.rule_counter is not None:
        t.rule_counter.update(full, _rule_targets(t, full, years))


def _own_shocks(root, b: int, t: Track, years: NDArray, sampler: str,
                out: NDArray | None = None) -> NDArray:
    """Block ``b``'s standard-normal shocks of one indicator, from its own stream
    (into ``out``, the previous block's array, when it fits: same numbers)."""
    from kpisim import models

    steps = len(years) - t.offset
    return models.standard_normals(BLOCK, steps, rng=child(root, b, t.key, 1), method=sampler,
                                   out=out)


def _reduce(t: Track, values: NDArray, n: int, years: NDArray, keep: int) -> NDArray:
    """Count ``values`` (n, simulated years) of track ``t`` and keep the first paths."""
    if t.offset == 0:  # no observed year on the grid: the sample is the block
        full = np.asarray(values, dtype=np.float64)
    else:  # year-major ("F") like the models' samples: each year's paths contiguous
        full = np.empty((n, len(years)), order="F")
        full[:, : t.offset] = t.known[: t.offset]
        full[:, t.offset :] = values
    t.counter.update(full)
    if t.stored < keep:
        take = min(keep - t.stored, n)
        t.store.append(full[:take].copy(order="C"))  # float64: no NaN above 3.4e38
        t.stored += take
    return full
