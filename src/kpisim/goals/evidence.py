"""P(goal) under every defensible prior: the evidence table, the curve, the range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpisim._seeding import root_seed
from kpisim._validation import KpisimError, SimulationError
from kpisim.catalog import Catalog
from kpisim.goals._outside import outside_view, outside_view_odds
from kpisim.goals._scale import (
    check_indicator,
    last_actual,
    m0_for_rate,
    rate_for_m0,
    reference_prior_for,
)
from kpisim.goals._whatif import probs_under, reuse_run, until_for
from kpisim.goals.references import growth_references, required_growth
from kpisim.indicator import Indicator

#: The label of the default prior's row in :func:`goal_evidence`.
#: The label of the default prior (Korean first; ``prior_en`` has "reference class").
DEFAULT_PRIOR = "기준집단 (실제 연간 시계열, 기본값)"


#: Default grid of :func:`prob_curve`: −5 % … +25 % a year in 1-point steps.
DEFAULT_RATES = tuple(round(0.01 * k, 2) for k in range(-5, 26))


_EVIDENCE_COLUMNS = ["id", "year", "target", "prior", "kind", "assumed_rate", "m0", "prob",
                     "se", "as_prior", "required_rate", "years", "sustained_share",
                     "sustained_share_odds", "prior_en"]


_RANGE_COLUMNS = ["id", "year", "target", "prob_default", "se", "prob_low", "prob_high",
                  "prior_low", "prior_high", "n_priors", "required_rate", "years",
                  "sustained_share"]


def _evidence(ind: Indicator, years: Sequence[int], *, n_paths: int,
              seed: np.random.SeedSequence, until: int | None,
              catalog: Catalog | None = None) -> pd.DataFrame:
    """:func:`goal_evidence` for several years at once.

    One simulation per distinct prior growth :math:`m_0`, every year read
    from it; the references are those of each year's horizon. The reference
    row "e^m0 − 1" is the default prior itself, so it is the default row.
    """
    years = [int(y) for y in years]
    until = until_for(ind, years, until)
    req = required_growth(ind, years).set_index("year")
    base = reference_prior_for(ind)
    cache: dict[float, dict[int, tuple[float, float]]] = {}

    def probs(label: str, m0: float) -> dict[int, tuple[float, float]]:
        if not np.isfinite(m0):
            return {y: (float("nan"), float("nan")) for y in years}
        key = round(float(m0), 12)
        if key not in cache:
            prior = base if label == DEFAULT_PRIOR else base.with_growth(
                m0, source=f"what-if: reference growth from {label}")
            cache[key] = probs_under(ind, prior, years, n_paths=n_paths, seed=seed, until=until)
        return cache[key]

    rows = []
    for y in years:
        need = req.loc[y]
        outside = outside_view(ind, float(need.required_rate), int(need.years))
        outside_odds = outside_view_odds(ind, float(need.target), int(need.years))
        priors = [(DEFAULT_PRIOR, "reference class (default)", "reference class", base.m0,
                   rate_for_m0(ind, base.m0), True)]
        for r in growth_references(ind, y, catalog=catalog).itertuples():
            if r.kind == "reference class" and np.isclose(r.m0, base.m0, rtol=0, atol=1e-12):
                continue  # the default prior itself
            priors.append((r.reference, r.reference_en or r.reference, r.kind, float(r.m0),
                           float(r.rate), bool(r.as_prior)))
        for label, label_en, kind, m0, rate, as_prior in priors:
            p, se = probs(label, m0)[y]
            rows.append({
                "id": ind.id, "year": y, "target": float(need.target), "prior": label,
                "kind": kind, "assumed_rate": float(rate), "m0": float(m0), "prob": p,
                "se": se, "as_prior": as_prior, "required_rate": float(need.required_rate),
                "years": int(need.years), "sustained_share": outside,
                "sustained_share_odds": outside_odds, "prior_en": label_en,
            })
    return pd.DataFrame(rows, columns=_EVIDENCE_COLUMNS)


#: Recent :func:`_evidence` results, keyed by everything they depend on (the
#: indicator, years, paths, seed and horizon): ``kpisim run`` prints the prior
#: ranges and the report shows them again; the second asks for the same
#: simulations and gets them from here instead of re-running them.
EVIDENCE_CACHE: dict[tuple, pd.DataFrame] = {}


EVIDENCE_CACHE_SIZE = 16


def _evidence_once(ind: Indicator, years: Sequence[int], *, n_paths: int,
                   seed: np.random.SeedSequence, until: int | None,
                   catalog: Any = None) -> pd.DataFrame:
    """:func:`_evidence`, computed once per distinct input (a copy is returned)."""
    key = (ind, tuple(int(y) for y in years), int(n_paths), seed.entropy,
           tuple(seed.spawn_key), until, catalog)
    try:
        hit = EVIDENCE_CACHE.get(key)
    except TypeError:  # an unhashable part: just compute
        return _evidence(ind, years, n_paths=n_paths, seed=seed, until=until, catalog=catalog)
    if hit is None:
        hit = _evidence(ind, years, n_paths=n_paths, seed=seed, until=until, catalog=catalog)
        if len(EVIDENCE_CACHE) >= EVIDENCE_CACHE_SIZE:
            EVIDENCE_CACHE.pop(next(iter(EVIDENCE_CACHE)))
        EVIDENCE_CACHE[key] = hit
    return hit.copy()


def goal_evidence(
    indicator: Indicator,
    year: int,
    *,
    n_paths: int = 20_000,
    rng: Any = None,
    until: int | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """P(goal in ``year``) under every defensible prior, beside the outside view.

    Rows: the default reference-class prior (``prior == "reference class"``;
    it is also the reference "e^m0 − 1" of :func:`growth_references`) and,
    for every other reference rate :math:`r`, the reference prior with its
    growth set to :math:`m_0(r)` (``log(1 + r)``; the logit step of the
    module docstring for bounded values). Each is the indicator simulated
    alone with model ``refgrowth`` and the same seed.

    The outside view is the same on every row:

    .. math::

        \\text{sustained\\_share} = \\Pr_{\\text{corpus}}\\!\\left[
            \\Big(\\frac{y_{t+H}}{y_t}\\Big)^{1/H} - 1 \\ge r^*\\right],

    the share of :math:`H`-year windows of real yearly series that grew at
    least the required :math:`r^*` a year (at most, for a decrease goal) —
    "x % of real yearly series sustained this growth for H years". NaN when
    the corpus has no table for :math:`H` years. For a bounded value the
    corpus (unbounded levels) is compared with the growth of the level.

    Parameters
    ----------
    indicator : Indicator
    year : int
        A year with a stated numeric target after the last actual.
    n_paths : int, default 20_000
    rng : None, int, SeedSequence or Generator
        One seed for every prior (common random numbers). With the seed and
        ``until`` of a :func:`kpisim.simulate` run, the default row
        reproduces that run's number for this indicator.
    until : int, optional
        Simulation horizon; default ``max(2030, year)``, simulate's default.
    catalog : Catalog, optional
        Also a what-if row for every related series this catalog links to the
        indicator (:func:`growth_references`; ``as_prior`` False).

    Returns
    -------
    DataFrame
        ``id, year, target, prior, kind, assumed_rate, m0, prob, se,
        as_prior, required_rate, years, sustained_share,
        sustained_share_odds, prior_en``. ``assumed_rate`` is the level's yearly growth
        the prior assumes (the reference class: :math:`e^{m_0} - 1`; on a
        bounded scale the first year's); ``m0`` the prior's growth on the
        simulated scale; ``prob`` is NaN for a rate a bounded value cannot
        take from its last actual. ``sustained_share_odds`` (bounded values
        only) is the outside view of the growth the *odds* must sustain,
        :math:`\\exp\\{[\\operatorname{logit} p(x_Y) - \\operatorname{logit}
        p(y_T)]/H\\} - 1` — the comparison the reference prior itself makes
        when it applies the corpus' growth to the odds.
    """
    ind = check_indicator(indicator, "goal_evidence")
    _check_future(ind, int(year), "goal_evidence")
    return _evidence(ind, [int(year)], n_paths=n_paths, seed=root_seed(rng), until=until,
                     catalog=catalog)


def _check_future(ind: Indicator, year: int, fn: str) -> None:
    """Refuse a goal year whose actual is already known: a what-if cannot change it."""
    last, _ = last_actual(ind)
    if year <= last:
        msg = (f"{fn}: {year} is not after the last actual of `{ind.id}` ({last}); its "
               "attainment is known, not a probability (sim.prob_meet marks such years "
               "observed): choose a target year after it")
        raise SimulationError(msg)


def prob_curve(
    indicator: Indicator,
    year: int,
    rates: Iterable[float] | None = None,
    *,
    n_paths: int = 20_000,
    rng: Any = None,
    until: int | None = None,
) -> pd.DataFrame:
    """P(goal in ``year``) as a function of the assumed yearly growth (a what-if).

    For each rate :math:`r` the indicator is simulated with
    ``reference_prior(scale).with_growth(m0(r))`` (:math:`m_0 = \\log(1+r)`,
    or the logit step at the last actual for bounded values) and the same
    seed, so the curve is free of the noise between rates: with one actual it
    is exactly non-decreasing in :math:`r` for an increase goal.

    Parameters
    ----------
    indicator : Indicator
    year : int
        A year with a stated numeric target after the last actual.
    rates : iterable of float, optional
        Yearly growth rates; default −5 % … +25 % in 1-point steps
        (:data:`DEFAULT_RATES`).
    n_paths : int, default 20_000
    rng : None, int, SeedSequence or Generator
    until : int, optional
        Simulation horizon; default ``max(2030, year)``.

    Returns
    -------
    DataFrame
        ``rate, prob, se`` then ``id, year, target, m0``; ``prob`` is NaN for
        a rate a bounded value cannot take from its last actual.
    """
    ind = check_indicator(indicator, "prob_curve")
    try:
        rates = [float(r) for r in (DEFAULT_RATES if rates is None else rates)]
    except (TypeError, ValueError) as e:
        msg = f"prob_curve: `rates` must be yearly growth rates (numbers); got {rates!r}"
        raise SimulationError(msg) from e
    if not all(np.isfinite(r) and r > -1 for r in rates):
        msg = f"prob_curve: every rate must be a finite number above −1 (−100 %); got {rates}"
        raise SimulationError(msg)
    seed = root_seed(rng)
    year = int(year)
    _check_future(ind, year, "prob_curve")
    horizon = until_for(ind, [year], until)
    target = required_growth(ind, [year]).target.iloc[0]
    base = reference_prior_for(ind)
    rows = []
    for r in rates:
        m0 = m0_for_rate(ind, r)
        if np.isfinite(m0):
            prior = base.with_growth(m0, source=f"what-if: growth {100 * r:+.1f}%/yr")
            p, se = probs_under(ind, prior, [year], n_paths=n_paths, seed=seed, until=horizon)[year]
        else:
            p = se = float("nan")
        rows.append({"rate": r, "prob": p, "se": se, "id": ind.id, "year": year,
                     "target": float(target), "m0": m0})
    return pd.DataFrame(rows, columns=["rate", "prob", "se", "id", "year", "target", "m0"])


def prob_range(
    sim_or_catalog: Any,
    year: int | None = None,
    ids: Sequence[str] | None = None,
    *,
    n_paths: int | None = None,
    rng: Any = None,
    all_references: bool = False,
) -> pd.DataFrame:
    """The lowest and highest P(goal) across the defensible priors, beside the MC SE.

    So that the ± of the Monte Carlo error is never the only uncertainty
    shown: the SE says how precisely the paths estimate P *under one prior*;
    ``prob_low``–``prob_high`` says how much P moves between priors the
    documents and the reference class can defend (:func:`goal_evidence`).

    Parameters
    ----------
    sim_or_catalog : Simulation, Catalog, Indicator or iterable of Indicator
        With a :class:`~kpisim.Simulation`, ``prob_default`` and ``se`` are
        the simulation's own and the priors are simulated with its seed,
        horizon and path count (so the reference-class row reproduces it when
        it used the default model and prior); the range always includes the
        simulation's own P. A simulation run with a ``scenario`` is refused
        (the priors' what-ifs are baseline runs; compare scenarios with
        :func:`kpisim.compare`). Otherwise ``prob_default`` is the reference-class
        prior's P. The related series of the simulation's catalog (or of the
        catalog given) are among the references (:func:`growth_references`);
        they are not priors (``as_prior`` False), so they change the range
        only with ``all_references=True``.
    year : int, optional
        One goal year; default every stated numeric target after the last
        actual (within the simulation's horizon).
    ids : sequence of str, optional
        Indicators; default the headline goals (all numeric indicators when
        none is a headline goal). Grades are left out.
    n_paths : int, optional
        Paths per prior; default the simulation's, else 20_000.
    rng : None, int, SeedSequence or Generator, optional
        Default the simulation's seed.
    all_references : bool, default False
        Span every reference, also those marked ``as_prior: false`` (e.g. a
        single year's change of a different series).

    Returns
    -------
    DataFrame
        ``id, year, target, prob_default, se, prob_low, prob_high,
        prior_low, prior_high, n_priors, required_rate, years,
        sustained_share``; ``prior_low``/``prior_high`` name the priors at the
        extremes and ``n_priors`` counts the priors spanned. ``sustained_share``
        is the outside view of :func:`goal_evidence`; for bounded values it is
        ``sustained_share_odds`` (the growth the odds must sustain, which is
        how the default model treats a bounded value).
    """
    frame, _, _ = evidence_ranges(sim_or_catalog, year, ids, n_paths=n_paths, rng=rng,
                          all_references=all_references, skip_errors=False)
    return frame


def evidence_ranges(
    sim_or_catalog: Any,
    year: int | None = None,
    ids: Sequence[str] | None = None,
    *,
    n_paths: int | None = None,
    rng: Any = None,
    all_references: bool = False,
    skip_errors: bool = False,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, str]]:
    """:func:`prob_range`, with every indicator's evidence table and the errors skipped.

    The CLI and the report show the range, the priors behind it and the
    indicators that could not be simulated, from one call.

    Parameters
    ----------
    sim_or_catalog : Simulation, Catalog, Indicator or iterable of Indicator
        With a Simulation, its seed, horizon and path count (so the default
        row is the run's own number, see :func:`prob_range`).
    year : int or None
        One goal year, or every stated year after the last actual.
    ids : sequence of str or None
        Indicators; default the headline ones (all, if none is headline).
    n_paths : int or None
        Paths per prior; default the run's, or 20,000.
    rng : None, int, SeedSequence or Generator
        Seed; default the run's.
    all_references : bool
        Span every reference (True) or only those usable as a prior.
    skip_errors : bool
        Leave out an indicator that cannot be simulated with ``refgrowth``
        (e.g. values ≤ 0 without bounds) and return its error message
        instead of raising.

    Returns
    -------
    ranges : DataFrame
        The rows of :func:`prob_range`.
    evidence : dict of str to DataFrame
        :func:`goal_evidence` of each indicator, its goal years together.
    errors : dict of str to str
        Why each skipped indicator was skipped.
    """
    from kpisim.simulation import Simulation

    sim = sim_or_catalog if isinstance(sim_or_catalog, Simulation) else None
    if sim is not None and sim.settings.get("scenario") is not None:
        # the priors' what-ifs simulate the baseline: mixing them with a scenario's
        # own P would give a range that is neither the scenario's nor the baseline's
        msg = (f"prob_range: this simulation ran scenario {sim.settings['scenario']!r}, but the "
               "priors' what-ifs simulate the baseline; pass a run without `scenario` (or the "
               "catalog), and compare scenarios with kpisim.compare")
        raise SimulationError(msg)
    if sim is not None:
        catalog = sim.catalog
        pool = list(sim.ids)
        until = int(sim.settings.get("until", 2030))
        n_paths = int(sim.n_paths if n_paths is None else n_paths)
        seed = root_seed(sim.seed if rng is None else rng)
    else:
        if isinstance(sim_or_catalog, Indicator):
            catalog = Catalog((sim_or_catalog,), name="custom")
        elif isinstance(sim_or_catalog, Catalog):
            catalog = sim_or_catalog
        else:
            catalog = Catalog(tuple(sim_or_catalog), name="custom")
        pool = [i.id for i in catalog.values() if i.kind != "grade"]
        until = None
        n_paths = 20_000 if n_paths is None else int(n_paths)
        seed = root_seed(rng)
    if ids is None:
        ids = [i for i in pool if catalog[i].tags.headline] or pool
    ids = [ids] if isinstance(ids, str) else list(ids)
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        msg = (f"prob_range: no indicator {unknown[:6]} in catalog `{catalog.name}`; "
               f"its ids are e.g. {list(catalog)[:6]}")
        raise SimulationError(msg)
    rows: list[dict[str, Any]] = []
    evidence: dict[str, pd.DataFrame] = {}
    errors: dict[str, str] = {}
    for ident in ids:
        try:
            ind = check_indicator(catalog[ident], "prob_range")
            last, _ = last_actual(ind)
            horizon = until if until is not None else max(2030, *ind.numeric_targets(), 0)
            if year is not None:
                _check_future(ind, int(year), "prob_range")
            goal_years = ([int(year)] if year is not None else
                          sorted(y for y in ind.numeric_targets() if last < y <= horizon))
            if not goal_years:
                continue
            own = sim.prob_meet(None, ids=[ident]) if sim is not None else None
            if sim is not None:
                reuse_run(sim, ind, goal_years, n_paths=n_paths, seed=seed, until=until,
                          table=own)
            ev = _evidence_once(ind, goal_years, n_paths=n_paths, seed=seed, until=until,
                                catalog=catalog)
        except KpisimError as e:
            if not skip_errors:
                raise
            errors[ident] = str(e)
            continue
        evidence[ident] = ev
        for y in goal_years:
            e = ev[(ev.year == y) & np.isfinite(ev.prob)]
            spanned = e if all_references else e[e.as_prior]
            default = e[e.prior == DEFAULT_PRIOR].iloc[0]
            cands = list(zip(spanned.prior, spanned.prob, strict=True))
            if own is not None:
                o = own[own.year == y].iloc[0]
                p0, se0 = float(o.prob), float(o.se)
                if not any(np.isclose(p, p0, rtol=0, atol=1e-12) for _, p in cands):
                    cands.append(("simulation", p0))  # another model or settings than refgrowth's
            else:
                p0, se0 = float(default.prob), float(default.se)
            low = min(cands, key=lambda c: c[1])
            high = max(cands, key=lambda c: c[1])
            rows.append({
                "id": ident, "year": y, "target": float(default.target), "prob_default": p0,
                "se": se0, "prob_low": float(low[1]), "prob_high": float(high[1]),
                "prior_low": low[0], "prior_high": high[0], "n_priors": len(cands),
                "required_rate": float(default.required_rate), "years": int(default.years),
                # bounded values: the growth their odds must sustain, as the model sees it
                "sustained_share": float(default.sustained_share)
                if np.isnan(default.sustained_share_odds)
                else float(default.sustained_share_odds),
            })
    return pd.DataFrame(rows, columns=_RANGE_COLUMNS), evidence, errors
