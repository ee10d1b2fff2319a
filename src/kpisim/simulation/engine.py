"""The simulation engine: stream Monte Carlo paths and reduce them to attainment.

Paths are generated in fixed *blocks* of :data:`BLOCK` paths. Block ``b`` of
indicator ``j`` draws from its own stream, ``SeedSequence(entropy,
spawn_key=(b, j))``, so the numbers never depend on how blocks are grouped
into chunks: the same seed gives the same results for any ``chunk_size``.
Each chunk is reduced to counts and sums (:class:`AttainmentCounter`) and
discarded; only a fixed-size uniform sample of paths (the first
``keep_paths``) is kept for quantiles and fan charts, so memory stays flat
whatever ``n_paths`` is.
"""

from __future__ import annotations

import inspect
import math
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kpisim._messages import Msg
from kpisim._seeding import root_seed
from kpisim._validation import KpisimError, KpisimWarning, ModelError, SimulationError
from kpisim.attainment import AttainmentCounter
from kpisim.catalog import Catalog
from kpisim.indicator import Indicator
from kpisim.simulation._blocks import default_threads, run_blocks
from kpisim.simulation._state import (
    BLOCK,
    DEFAULT_CHUNK,
    MAX_PATHS,
    SAMPLERS,
    Track,
    is_int,
    is_number,
    require,
)
from kpisim.simulation.result import Simulation
from kpisim.simulation.scenario import Scenario

__all__ = ["simulate"]


def _as_catalog(obj: Catalog | Indicator | Iterable[Indicator]) -> tuple[Catalog, bool]:
    if isinstance(obj, Catalog):
        return obj, False
    if isinstance(obj, Indicator):
        return Catalog((obj,), name="custom"), True
    try:
        items = tuple(obj)
    except TypeError:
        msg = f"expected a Catalog, an Indicator or indicators; got {type(obj).__name__}"
        raise SimulationError(msg) from None
    return Catalog(items, name="custom"), True


def _declared_prior(ind: Indicator):
    """A growth prior the catalog declares as an assumption, if any."""
    from kpisim import models

    for a in ind.assumptions:
        if a.field != "growth_prior":
            continue
        if not isinstance(a.value, Mapping):
            msg = (
                f"indicator `{ind.id}`: assumption `growth_prior` needs a mapping value "
                f"{{mu, mu_sd, sigma, dof[, scale]}}; got {a.value!r}"
            )
            raise SimulationError(msg)
        try:
            return models.GrowthPrior(**dict(a.value),
                                      source=Msg("sim.source.catalog_growth_prior"))
        except (TypeError, KpisimError) as e:
            msg = f"indicator `{ind.id}`: bad `growth_prior` assumption: {e}"
            raise SimulationError(msg) from e
    return None


def _prior_for(ind: Indicator, n_obs: int, mdl: Any, peers: Catalog, prior: Any):
    """The growth prior for one indicator (see :func:`simulate`, ``prior``)."""
    from kpisim import models

    if isinstance(prior, Mapping):
        if ind.id in prior:
            return prior[ind.id]
        prior = "reference"
    if isinstance(prior, (models.GrowthPrior, models.ReferencePrior)):
        return prior  # one prior for every indicator
    if prior is None:
        return None
    if prior == "declared":
        return _declared_prior(ind)  # None: the model's own (reference) prior
    if prior == "catalog" and getattr(mdl, "accepts_bounds", False):
        return _catalog_prior(ind, peers)
    if getattr(mdl, "accepts_bounds", False) and prior == "reference":
        return None  # refgrowth carries the reference-class prior itself
    # "pooled" (the 0.1 policy), or "reference" with a model that has no reference
    # prior: a declared prior, else a prior pooled from peers for short histories
    declared = _declared_prior(ind)
    if declared is not None:
        return declared
    need = getattr(mdl, "min_history", 0)
    if n_obs >= need:
        return None
    name = getattr(mdl, "name", type(mdl).__name__)
    short = (f"model `{name}` needs at least {need} observed actuals and `{ind.id}` has "
             f"{n_obs}")
    if not getattr(mdl, "accepts_prior", False):  # no prior can stand in for the history
        msg = f"{short} (the model takes no prior); use the default model, `refgrowth`"
        raise ModelError(msg)
    others = [p for p in peers.values() if p.id != ind.id]
    try:
        try:
            return models.pooled_prior(others, kind=ind.kind)
        except ModelError:
            if ind.kind == "share":
                raise
        # too few peers of the same kind: pool over every log-scale kind
        return models.pooled_prior([p for p in others if p.kind in ("count", "level", "ratio")])
    except ModelError as e:
        msg = (f"{short}, and no prior could stand in for the missing ones ({e}); pass "
               "`prior=` or use the default model, `refgrowth`")
        raise ModelError(msg) from e


def _catalog_prior(ind: Indicator, peers: Catalog):
    """The reference prior pooled with same-kind, same-unit, same-scale peers."""
    from kpisim import models
    from kpisim.models import pool_catalog, scale_for, to_scale

    scale, bounds = scale_for(ind)
    group = []
    for p in peers.values():
        if p.id == ind.id or p.kind != ind.kind or p.unit != ind.unit or p.kind == "grade":
            continue
        if scale_for(p) != (scale, bounds):
            continue
        obs = p.observed
        if len(obs) < 2:
            continue
        y = obs.to_numpy(dtype=float)
        years = obs.index.to_numpy(dtype=np.int64)
        if bounds is None and np.any(y <= 0):
            continue
        z = to_scale(y, bounds)
        group.append((p.id, np.diff(z), np.diff(years).astype(float)))
    ref, _ = pool_catalog(models.reference_prior(scale), group)
    return ref


def _check_model_kind(mdl: Any, ind: Indicator, argument: str) -> None:
    """Refuse a model that is not meant for the indicator's kind.

    A share is the one exception: a model without a bounded scale still
    simulates it, and the engine clips its paths to the share's bounds (an
    assumption it states). A count given to a share model would be read as
    a percentage and capped at 100; a numeric indicator given to a grade
    model (or a grade to a numeric one) has no meaning at all.
    """
    from kpisim.models import NUMERIC_KINDS

    kinds = tuple(getattr(mdl, "kinds", NUMERIC_KINDS))
    name = getattr(mdl, "name", type(mdl).__name__)
    if ind.kind in kinds or (ind.kind == "share" and set(kinds) & set(NUMERIC_KINDS)):
        return
    raise ModelError(Msg("sim.model_kind", kind=ind.kind, argument=argument, name=repr(name),
                         kinds=", ".join(f"`{k}`" for k in kinds),
                         share=Msg("sim.model_kind_share") if kinds == ("share",) else ""))


def _input_doubts(ind: Indicator) -> list[str]:
    """Sentences for inputs that are valid but look mistaken (they are shown, not refused).

    * the stated targets move against the direction (a ``decrease`` indicator
      whose last target is above its first, or the reverse): the direction
      decides what "met" means, so a wrong one inverts every probability;
    * a share (in %) whose every value is at most 1: fractions (0.41 for 41 %)
      would be read as 0.41 %.
    """
    out: list[str] = []
    targets = ind.numeric_targets()
    if len(targets) >= 2 and ind.direction in ("increase", "decrease"):
        first, last = min(targets), max(targets)
        rising = targets[last] > targets[first]
        falling = targets[last] < targets[first]
        if (ind.direction == "decrease" and rising) or (ind.direction == "increase" and falling):
            out.append(Msg("sim.direction_doubt", direction=ind.direction,
                           first=f"{targets[first]:g}", y0=str(first),
                           last=f"{targets[last]:g}", y1=str(last)))
    if ind.kind == "share":
        values = [float(v) for v in (*ind.observed.tolist(), *targets.values())]
        if values and max(values) <= 1 and max(values) > 0:
            out.append(Msg("sim.share_fraction", top=f"{max(values):g}"))
    return out


def _fit(ind: Indicator, model: Any, peers: Catalog, prior: Any):
    """Fit ``ind``: the fitted model, the indicator's bounds, whether the model's
    own scale keeps its paths inside them, and the engine's notes."""
    from kpisim import models
    from kpisim.models import scale_for

    history = ind.observed
    name = models.default_model_for(ind.kind, len(history)) if model == "auto" else model
    mdl = models.get_model(name)
    _check_model_kind(mdl, ind, "model")
    use_prior = _prior_for(ind, len(history), mdl, peers, prior)
    bounds = ind.resolved_bounds()
    notes: list[str] = _input_doubts(ind)
    if bounds is not None:
        notes.append(bounds.statement)
    censored = bounds is not None and scale_for(ind)[1] is None  # a bounded ratio
    if censored:
        notes.append(Msg("sim.censored", low=f"{bounds.low:g}", high=f"{bounds.high:g}"))
    if bounds is not None and _on_bound(ind, bounds):
        from kpisim.models import BOUND_EPS

        notes.append(Msg("sim.bound_eps", eps=f"{BOUND_EPS * (bounds.high - bounds.low):g}"))
    if getattr(mdl, "accepts_bounds", False) and not censored:
        fitted = mdl.fit(history, kind=ind.kind, prior=use_prior,
                         bounds=None if bounds is None else (bounds.low, bounds.high))
    else:
        fitted = mdl.fit(history, kind=ind.kind, prior=use_prior)
        if bounds is not None and not censored:
            notes.append(Msg("sim.clipped_model", model=getattr(mdl, "name", name),
                             low=f"{bounds.low:g}", high=f"{bounds.high:g}"))
    in_bounds = getattr(mdl, "accepts_bounds", False) and not censored
    notes += _reference_against_decrease(ind, fitted)
    return fitted, None if bounds is None else (bounds.low, bounds.high), in_bounds, tuple(notes)


def _nothing_to_simulate(catalog: Catalog, skipped: Mapping[str, Any], until: int) -> str:
    """Why no indicator can be simulated: the reasons grouped, with a few ids each,
    and ``until`` named when it is not after any indicator's last actual."""
    if not skipped:
        return "nothing to simulate: no indicator was given"
    groups: dict[str, list[str]] = {}
    for ident, why in skipped.items():
        groups.setdefault(str(why), []).append(ident)
    parts = [f"{why} ({len(ids)}: {', '.join(ids[:4])}{', …' if len(ids) > 4 else ''})"
             for why, ids in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:4]]
    if len(groups) > 4:
        parts.append(f"… and {len(groups) - 4} other reason(s)")
    last = [max(int(y) for y, v in ind.actuals.items() if v is not None)
            for ind in catalog.values() if any(v is not None for v in ind.actuals.values())]
    hint = ""
    if last and until <= max(last):
        hint = (f"`until` = {until} is not after the latest actual ({max(last)}): "
                "choose a later `until` (--until); ")
    return (f"nothing to simulate: {hint}all {len(skipped)} indicator(s) were left out — "
            + "; ".join(parts))


def _reference_against_decrease(ind: Indicator, fitted: Any) -> list[Msg]:
    """A note when the reference class pulls a ``decrease`` indicator's drift up.

    The reference class (M1 and Tourism yearly series) mostly grows; its mean
    log growth m0 > 0 is the centre the default model shrinks every drift
    toward. For an indicator whose goal is to fall (accidents, waiting days)
    that outside view knows nothing of the policy meant to lower it, so
    P(met) may be understated: the note gives the own and the forecast drift.
    Only for the reference-class posterior (``sigma_posterior`` set) on the
    log scale, and only when the forecast drift is above the own one.
    """
    p = getattr(fitted, "params", {})
    if (ind.direction != "decrease" or getattr(fitted, "sigma_posterior", None) is None
            or getattr(fitted, "scale", None) != "log" or "m0" not in p):
        return []
    m0, mu, own = float(p["m0"]), float(p["mu"]), p.get("mu_hat")
    if m0 <= 0 or (own is not None and mu <= float(own)):
        return []
    own_text = Msg("sim.own_drift_unknown") if own is None else f"{float(own):+.3f}"
    return [Msg("sim.reference_against_decrease", m0=f"{m0:+.3f}", own=own_text,
                mu=f"{mu:+.3f}")]


def _stream_key(ident: str) -> int:
    """A stable 31-bit stream key for an indicator id (independent of catalog order)."""
    return zlib.crc32(ident.encode("utf-8")) & 0x7FFFFFFF


def _grade_history(ind: Indicator) -> tuple[pd.Series, dict[int, float]]:
    """A grade indicator's known grades and stated target grades as scale indices."""
    obs = pd.Series({int(y): float(ind.grade_index(str(v))) for y, v in ind.actuals.items()
                     if v is not None}, dtype=float).sort_index()
    obs.index = obs.index.astype("int64")
    targets = {int(y): float(ind.grade_index(str(v))) for y, v in ind.targets.items()
               if v is not None}
    return obs, targets


def _plan(
    catalog: Catalog, *, model, until, prior, strict, grade_model: Any = "markov_grade",
    progress=None,
) -> tuple[dict[str, Track], NDArray, dict[str, str]]:
    """Fit every indicator that can be simulated; lay out the common year grid.

    Returns the tracks by id, the grid ``first … until`` (the earliest first
    simulated or targeted year to ``until``) and, for each indicator left out,
    why. With ``strict`` an indicator that cannot be simulated raises instead.
    """
    if isinstance(prior, Mapping):  # a typo in an id would silently use the default prior
        unknown = sorted(set(map(str, prior)) - set(catalog))
        if unknown:  # refused before any indicator is fitted
            msg = (f"`prior` names indicator(s) not in the catalog: {unknown[:6]}; "
                   f"the ids are e.g. {list(catalog)[:6]}")
            raise SimulationError(msg)
    skipped: dict[str, str] = {}
    prepared = []
    for k, ind in enumerate(catalog.values()):
        if progress is not None:
            progress(k, len(catalog))
        try:
            prepared.append(_prepare(ind, catalog, model=model, until=until, prior=prior,
                                     grade_model=grade_model))
        except _Skip as e:
            if strict:
                msg = f"indicator `{ind.id}` cannot be simulated: {e}"
                raise SimulationError(msg) from None
            skipped[ind.id] = e.args[0]  # a Msg: English as a str, any language by in_lang
        except ModelError as e:
            if strict:
                msg = f"indicator `{ind.id}`: {e}"
                raise SimulationError(msg) from e
            # a Msg keeps its key (shown in the run's language); other errors their text
            skipped[ind.id] = e.args[0] if e.args and isinstance(e.args[0], Msg) else str(e)
    if not prepared:
        raise SimulationError(_nothing_to_simulate(catalog, skipped, until))
    first = min(min(min(t), int(o.index[-1]) + 1) for _, o, t, _ in prepared)
    years = np.arange(first, until + 1)
    tracks = {ind.id: _new_track(ind, obs, targets, fit, years, until)
              for ind, obs, targets, fit in prepared}
    return tracks, years, skipped


class _Skip(Exception):
    """An indicator left out of a run (no actual, no target, nothing to project)."""


def _prepare(ind: Indicator, catalog: Catalog, *, model, until: int, prior,
             grade_model) -> tuple[Indicator, pd.Series, dict[int, float], tuple]:
    """``(ind, observed, targets, (fitted, bounds, in_bounds, notes))``, or :class:`_Skip`."""
    from kpisim import models

    if ind.kind == "grade":
        obs, targets = _grade_history(ind)
    else:
        obs = ind.observed
        targets = ind.numeric_targets()
    if obs.empty:
        raise _Skip(Msg("sim.skip.no_actual"))
    if not targets:
        raise _Skip(Msg("sim.skip.no_target"))
    if int(obs.index[-1]) >= until:
        raise _Skip(Msg("sim.skip.after_until", last=str(int(obs.index[-1])), until=str(until)))
    if min(targets) > until:
        raise _Skip(Msg("sim.skip.targets_after", years=", ".join(map(str, sorted(targets))),
                        until=str(until), need=str(max(targets))))
    if ind.kind == "grade":
        grade_mdl = models.get_model(grade_model)
        _check_model_kind(grade_mdl, ind, "grade_model")
        fitted = grade_mdl.fit(obs, kind="grade", scale=ind.scale)
        return ind, obs, targets, (fitted, None, False, ())
    return ind, obs, targets, _fit(ind, model, catalog.parent or catalog, prior)


def _new_track(ind: Indicator, obs: pd.Series, targets: dict[int, float], fit: tuple,
               years: NDArray, until: int) -> Track:
    """The engine's state for one fitted indicator on the grid ``years``."""
    fitted, bounds, in_bounds, notes = fit
    grade = ind.kind == "grade"
    direction = "increase" if grade else ind.direction  # a grade's scale is worst first
    last_year = int(obs.index[-1])
    known = np.array([float(obs.get(y, np.nan)) if y <= last_year else np.nan for y in years])
    tgt = np.array([targets.get(int(y), np.nan) for y in years])
    in_grid = {y: v for y, v in targets.items() if y <= until}
    goal = in_grid[max(in_grid)] if in_grid else np.nan
    unjudged = [int(y) for y, k, g in zip(years, known, tgt, strict=True)
                if y <= last_year and np.isnan(k) and not np.isnan(g)]
    if unjudged:  # a past target whose actual is unknown (a gap, None, before the first)
        notes = (*notes, Msg("sim.unjudged", years=", ".join(map(str, unjudged))))
    beyond = sorted(y for y in targets if y > until)
    if beyond:  # targets past the horizon are not judged: say so, never drop them silently
        notes = (*notes, Msg("sim.beyond_until", years=", ".join(map(str, beyond)),
                             until=str(until)))
    path_rule = getattr(ind.rule, "path_dependent", False) and not grade
    whole = ind.kind == "count"  # judged by its whole number (attainment.whole_threshold)
    return Track(
        indicator=ind,
        fitted=fitted,
        last_year=last_year,
        last_value=float(obs.iloc[-1]),
        offset=int(np.searchsorted(years, last_year + 1)),
        known=known,
        past=np.array(
            [float(obs.get(y, np.nan)) for y in range(int(obs.index[0]), int(years[0]))]
        ),
        rule_counter=(AttainmentCounter(years=years, targets=tgt, goal=goal,
                                        direction=ind.direction, whole=whole)
                      if path_rule else None),
        targets=tgt,
        counter=AttainmentCounter(years=years, targets=tgt, goal=goal, direction=direction,
                                  whole=whole),
        bounds=bounds,
        in_bounds=in_bounds,
        notes=notes,
        key=_stream_key(ind.id),
        growth_draws="param_shocks" in inspect.signature(fitted.sample).parameters,
        grade=grade,
        target_on_bound=bounds is not None and _on_bound(ind, ind.resolved_bounds()),
    )


def simulate(
    catalog_or_indicators: Catalog | Indicator | Iterable[Indicator],
    *,
    model: Any = "auto",
    until: int = 2030,
    n_paths: int = 100_000,
    scenario: Scenario | None = None,
    rng: Any = None,
    chunk_size: int | None = None,
    target_se: float | None = None,
    max_paths: int = 2_000_000,
    correlation: NDArray | None = None,
    sampler: str = "plain",
    prior: Any = "reference",
    keep_paths: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    grade_model: Any = "markov_grade",
    threads: int | None = None,
) -> Simulation:
    """Simulate every numeric indicator to ``until`` and count goal attainment.

    Parameters
    ----------
    catalog_or_indicators : Catalog, Indicator or iterable of Indicator
        What to simulate. From a catalog, indicators that cannot be simulated
        (no actual, no stated target) are skipped and listed in
        ``sim.skipped``; given explicitly, they raise instead. Grade
        indicators are simulated on their scale by ``grade_model`` and listed
        in ``sim.grade_ids``.
    model : str or model object, default "auto"
        A registered model name (see :func:`kpisim.models.available`), a model
        object, or ``"auto"`` (the documented default per kind and history).
    until : int, default 2030
        Last simulated year.
    n_paths : int, default 100_000
        Paths per indicator (ignored as a count when ``target_se`` is set:
        then it is the first batch).
    scenario : Scenario, optional
        What-if changes applied to the paths.
    rng : None, int, SeedSequence or Generator
        Seed for reproducibility (SPEC 7). Same seed → same numbers for any
        ``chunk_size``.
    chunk_size : int, optional
        Paths generated between progress reports and precision checks
        (rounded up to a multiple of :data:`BLOCK`). Memory is bounded by the
        block size whatever this is, and results do not depend on it.
    target_se : float, optional
        Keep adding blocks until every reported probability's Monte Carlo
        standard error is at most this (or ``max_paths`` is reached). The
        check runs after every block of :data:`BLOCK` paths once ``n_paths``
        are done, so where the run stops, like every number, does not depend
        on ``chunk_size``.
    max_paths : int, default 2_000_000
        Cap on paths when ``target_se`` is set (at most :data:`MAX_PATHS`).
    correlation : ndarray, DataFrame or mapping, optional
        Correlation across the simulated indicators, in the order of
        ``sim.ids`` (a DataFrame is read by its index and column labels, the
        indicator ids, in any order). A matrix of shape (n_indicators, n_indicators) applies to
        both the yearly shocks (Gaussian copula) and each path's growth draws
        (the drift μ and drift break δ of ``refgrowth``): indicators then
        share a common growth factor, not only common yearly noise. A mapping
        ``{"shocks": R1, "growth": R2}`` sets the two separately (either may
        be left out). Models without per-path growth draws use the shocks
        only. Indicators linked by non-zero correlations are drawn jointly,
        group by group, each group from a stream keyed by its members' ids:
        a group's numbers do not depend on the other indicators in the run
        or their order, and an indicator correlated with no other gets the
        same numbers as without ``correlation``.
    sampler : {"plain", "antithetic", "lhs", "sobol"}, default "plain"
        How the normal shocks are drawn.
    prior : str, GrowthPrior, ReferencePrior, mapping or None
        Prior on growth. ``"reference"`` (default): the default model
        ``refgrowth`` pools each indicator's drift toward the reference class
        of real yearly series (:func:`kpisim.models.reference_prior`); no
        indicator's numbers depend on any other indicator in the catalog.
        ``"declared"``: where the catalog declares a ``growth_prior``
        assumption (e.g. the plan's own stated CAGR) it replaces the
        reference growth — a labelled scenario, not a forecast.
        ``"catalog"``: the catalog as extra evidence — the reference growth
        is shrunk toward the mean growth of the (parent) catalog's other
        indicators of the same kind, unit and scale
        (:func:`kpisim.models._refclass.pool_catalog`; never revenue with
        satisfaction scores); no single peer can move it by much. ``"pooled"``:
        the 0.1 policy for ``loggrowth``/``logit`` (declared prior, else one
        pooled from peer indicators for short histories). A GrowthPrior or
        ReferencePrior is used for every indicator; a mapping for the ids it
        names (the others use ``"reference"``). ``None``: no prior beyond the
        model's own. Every prior used is listed in ``sim.assumptions()``.
    keep_paths : int, default 20_000
        Paths kept (as float64) for quantiles and fan charts; 0 keeps none
        (attainment counts still use every path; quantiles, fans and joint
        probabilities then refuse with a clear error).
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk. If it has a
        ``fitting`` method, that is called as ``progress.fitting(done, total)``
        before each indicator's model is fitted (``total`` indicators).
    grade_model : str or model object, default "markov_grade"
        The model of the grade indicators (:class:`kpisim.models.GradeMarkov`:
        a Markov chain over the grade scale with Dirichlet rows). Each grade
        indicator draws from its own streams (keyed by its id, like every
        indicator), takes no normal shocks and no part in ``correlation``, so
        adding or removing grade indicators leaves every other indicator's
        paths unchanged for the same seed.
    threads : int, optional
        Threads that simulate indicators side by side (numpy releases the GIL
        in its array loops). ``None``: one per available CPU, at most
        :data:`MAX_THREADS`, and 1 inside a Dask worker (its cores are the
        cluster's to share). The numbers do not depend on it: each indicator
        draws from its own streams and counts its own blocks in order. With a
        ``correlation`` the correlated indicators of a block are drawn
        jointly, so the run is serial.

    Returns
    -------
    Simulation

    Examples
    --------
    >>> import kpisim
    >>> sim = kpisim.simulate(kpisim.load_catalog().headline(), n_paths=8192, rng=1)
    >>> p = sim.prob_meet(2030)
    >>> bool(((p.prob >= 0) & (p.prob <= 1)).all())
    True
    """
    _check_arguments(until=until, n_paths=n_paths, target_se=target_se, max_paths=max_paths,
                     chunk_size=chunk_size, keep_paths=keep_paths, sampler=sampler,
                     scenario=scenario, progress=progress, model=model, threads=threads)
    _check_prior(prior)
    catalog, strict = _as_catalog(catalog_or_indicators)
    root = root_seed(rng)
    tracks, years, skipped = _plan(
        catalog, model=model, until=int(until), prior=prior, strict=strict,
        grade_model=grade_model,
        progress=getattr(progress, "fitting", None),
    )
    grades = {k: t for k, t in tracks.items() if t.grade}
    tracks = {k: t for k, t in tracks.items() if not t.grade}
    if scenario is not None:
        scenario.check(tracks, grades=grades, skipped=skipped)
        for sentence in scenario.year_warnings(
                {k: int(years[t.offset]) for k, t in tracks.items() if t.offset < len(years)},
                int(years[-1])):
            warnings.warn(sentence, KpisimWarning, stacklevel=2)
    shock_corr, growth_corr = _split_correlation(correlation, tracks)
    blocks_per_chunk = max(1, math.ceil((chunk_size or DEFAULT_CHUNK) / BLOCK))
    if target_se is not None and max_paths < n_paths:
        msg = (f"`max_paths` ({max_paths:,}) is below `n_paths` ({n_paths:,}): with `target_se`, "
               "n_paths is the least and max_paths the most paths simulated")
        raise SimulationError(msg)
    goal_paths = n_paths if target_se is None else max_paths
    n_threads = default_threads() if threads is None else int(threads)
    pool = ThreadPoolExecutor(n_threads, "kpisim-simulate") if n_threads > 1 else None
    try:
        done = run_blocks(root, tracks, grades, years, n_paths=n_paths, goal_paths=goal_paths,
                          blocks_per_chunk=blocks_per_chunk, target_se=target_se,
                          scenario=scenario, shock_corr=shock_corr, growth_corr=growth_corr,
                          sampler=sampler, keep=keep_paths, progress=progress, pool=pool)
    finally:
        if pool is not None:
            pool.shutdown()
    settings = _settings(model=model, until=until, root=root, sampler=sampler,
                         chunk_size=blocks_per_chunk * BLOCK, keep_paths=keep_paths,
                         target_se=target_se, scenario=scenario, correlation=correlation,
                         prior=prior, grade_model=grade_model)
    return Simulation(
        catalog=catalog,
        tracks=tracks,
        years=years,
        skipped=skipped,
        settings=settings,
        n_paths=done,
        grades=grades,
    )


def _check_arguments(*, until, n_paths, target_se, max_paths, chunk_size, keep_paths, sampler,
                     scenario, progress, model, threads) -> None:
    """:func:`simulate`'s argument checks: a :class:`SimulationError` naming the argument."""
    require(is_int(until) and 1990 < until <= 2100, "`until` must be a year in 1991–2100",
             until)
    require(is_int(n_paths) and 1 <= n_paths <= MAX_PATHS,
             f"`n_paths` must be a positive integer ≤ {MAX_PATHS:,}", n_paths)
    require(target_se is None or (is_number(target_se) and 0 < target_se < 0.5),
             "`target_se` must be in (0, 0.5) (or None)", target_se)
    require(is_int(max_paths) and 1 <= max_paths <= MAX_PATHS,
             f"`max_paths` must be a positive integer ≤ {MAX_PATHS:,}", max_paths)
    require(chunk_size is None or (is_int(chunk_size) and chunk_size >= 1),
             "`chunk_size` must be a positive integer (or None)", chunk_size)
    require(is_int(keep_paths) and keep_paths >= 0,
             "`keep_paths` must be a non-negative integer", keep_paths)
    require(isinstance(sampler, str) and sampler in SAMPLERS,
             f"`sampler` must be one of {list(SAMPLERS)}", sampler)
    require(scenario is None or isinstance(scenario, Scenario),
             "`scenario` must be None or a Scenario (see kpisim.load_scenario)", scenario)
    require(progress is None or callable(progress), "`progress` must be None or callable",
             progress)
    require(isinstance(model, str) or all(hasattr(model, a) for a in ("name", "fit")),
             "`model` must be a registered name, 'auto' or a model object with `name`, "
             "`min_history` and `fit`", model)
    if isinstance(model, str) and model != "auto":
        from kpisim import models as _models

        try:
            _models.get_model(model)
        except ModelError as e:  # one line, not one per indicator
            raise SimulationError(str(e)) from None
    require(threads is None or (is_int(threads) and threads >= 1),
             "`threads` must be a positive integer (or None)", threads)


def _settings(*, model, until, root, sampler, chunk_size, keep_paths, target_se, scenario,
              correlation, prior, grade_model) -> dict[str, Any]:
    """What a run was asked for, by name (``Simulation.settings``)."""
    return {
        "model": model if isinstance(model, str) else type(model).__name__,
        "until": int(until),
        "seed_entropy": root.entropy,
        "seed_spawn_key": tuple(int(k) for k in root.spawn_key),
        "sampler": sampler,
        "chunk_size": chunk_size,
        "keep_paths": keep_paths,
        "target_se": target_se,
        "scenario": scenario.name if scenario else None,
        "correlation": None if correlation is None else (
            sorted(correlation) if isinstance(correlation, Mapping) else ["shocks", "growth"]),
        "prior": prior if isinstance(prior, str) or prior is None else type(prior).__name__,
        "grade_model": grade_model if isinstance(grade_model, str) else type(grade_model).__name__,
    }


def _check_prior(prior: Any) -> None:
    from kpisim import models

    if isinstance(prior, Mapping):
        bad = {k: type(v).__name__ for k, v in prior.items()
               if v is not None and not isinstance(v, (models.GrowthPrior, models.ReferencePrior))}
        if bad:
            msg = (f"`prior` mapping: each value must be a GrowthPrior, a ReferencePrior or None; "
                   f"got {bad}")
            raise SimulationError(msg)
        return
    if prior in (None, "reference", "declared", "pooled", "catalog") or isinstance(
        prior, (models.GrowthPrior, models.ReferencePrior)
    ):
        return
    msg = (
        "`prior` must be 'reference', 'declared', 'catalog', 'pooled', None, a GrowthPrior, a "
        f"ReferencePrior or a mapping of id to one; got {prior!r}"
    )
    raise SimulationError(msg)


def _split_correlation(correlation: Any, tracks: dict[str, Track]):
    """``(shock matrix or None, growth matrix or None)`` from ``correlation``."""
    if correlation is None:
        return None, None
    if isinstance(correlation, Mapping):
        unknown = set(correlation) - {"shocks", "growth"}
        if unknown:
            msg = (f"`correlation` mapping keys must be 'shocks' and/or 'growth'; "
                   f"got {sorted(map(str, unknown))}")
            raise SimulationError(msg)
        parts = (correlation.get("shocks"), correlation.get("growth"))
        names = ("`correlation['shocks']`", "`correlation['growth']`")
    else:
        parts = (correlation, correlation)
        names = ("`correlation`", "`correlation`")
    out = []
    for part, name in zip(parts, names, strict=True):
        if part is None:
            out.append(None)
            continue
        if isinstance(part, pd.DataFrame):
            part = _by_label(part, list(tracks), name)
        try:
            m = np.asarray(part, dtype=float)
        except (TypeError, ValueError) as e:
            msg = f"{name} must be a numeric matrix; got {type(part).__name__}"
            raise SimulationError(msg) from e
        if m.shape != (len(tracks), len(tracks)):
            msg = (
                f"{name} must be {len(tracks)}×{len(tracks)} (one row per simulated "
                f"indicator, in the order of sim.ids: {list(tracks)[:6]}…); got {m.shape}"
            )
            raise SimulationError(msg)
        from kpisim.models import validate_correlation

        try:  # here, so the message names the argument, not the models' `corr`
            validate_correlation(m)
        except ModelError as e:
            raise SimulationError(str(e).replace("`corr`", name)) from e
        out.append(m)
    return out[0], out[1]


def _by_label(frame: pd.DataFrame, ids: list[str], name: str) -> pd.DataFrame:
    """A labelled correlation matrix reordered to ``ids`` (``sim.ids``' order).

    A DataFrame is read by its labels, never by position (an
    ``estimate_correlation`` result may list the indicators in another
    order); labels beyond the simulated indicators are dropped.
    """
    rows, cols = [str(x) for x in frame.index], [str(x) for x in frame.columns]
    if len(set(rows)) != len(rows) or len(set(cols)) != len(cols):
        msg = f"{name}: a labelled correlation matrix must not repeat a label"
        raise SimulationError(msg)
    missing = [i for i in ids if i not in rows or i not in cols]
    if missing:
        msg = (f"{name}: the labelled correlation matrix has no row or column for the "
               f"simulated indicator(s) {missing[:6]}; label it with every id of sim.ids "
               f"(or pass a plain array in the order of sim.ids)")
        raise SimulationError(msg)
    relabelled = frame.set_axis(rows, axis=0).set_axis(cols, axis=1)
    return relabelled.loc[ids, ids]


def _on_bound(ind: Indicator, bounds) -> bool:
    from kpisim.models import target_on_bound

    return target_on_bound(ind, bounds)
