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
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kpisim._messages import Msg, check_lang, in_lang, text
from kpisim._seeding import root_seed
from kpisim._validation import KpisimError, ModelError, RuleError, SimulationError
from kpisim.attainment import AttainmentCounter, meets, wilson_interval
from kpisim.catalog import Catalog
from kpisim.indicator import Indicator
from kpisim.scenarios import Scenario

__all__ = ["BLOCK", "Simulation", "simulate"]

#: Paths per independently seeded block.
BLOCK = 4096
#: Most paths one call may ask for (``n_paths``, ``max_paths``): ~10⁹ paths
#: take hours; the CLI asks for ``--yes`` well below this.
MAX_PATHS = 10**9
_SAMPLERS = ("plain", "antithetic", "lhs", "sobol")
_DEFAULT_CHUNK = 16 * BLOCK


@dataclass
class _Track:
    """Everything the engine keeps for one simulated indicator."""

    indicator: Indicator
    fitted: Any
    last_year: int
    last_value: float
    offset: int  # grid column of the first simulated year
    known: NDArray[np.float64]  # grid values known from actuals (NaN elsewhere)
    targets: NDArray[np.float64]
    counter: AttainmentCounter
    store: list[NDArray[np.float64]] = field(default_factory=list)
    stored: int = 0
    rule_counter: AttainmentCounter | None = None
    past: NDArray[np.float64] | None = None  # observed actuals before the grid
    bounds: tuple[float, float] | None = None  # the indicator's resolved bounds
    in_bounds: bool = False  # the model's own scale keeps its paths inside ``bounds``
    notes: tuple[str, ...] = ()  # the engine's own assumptions for this indicator
    key: int = 0  # stable stream key of the indicator id
    growth_draws: bool = False  # the model takes per-path growth normals (param_shocks)
    grade: bool = False  # an ordinal grade: values are indices on the scale (0 = worst)
    target_on_bound: bool = False  # a stated target equals a bound: ε-boundary model


def _rule_targets(t: _Track, full: NDArray, years: NDArray) -> NDArray:
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
        except RuleError:  # e.g. a long-term path past its goal year: no rule target
            target = np.full(n, np.nan)
        prev_target = target
        out[:, i] = np.where(np.isnan(t.targets[i]), np.nan, target)
    return out


def _child(root: np.random.SeedSequence, *key: int) -> np.random.Generator:
    ss = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *key))
    return np.random.Generator(np.random.PCG64(ss))


def _numeric_targets(ind: Indicator) -> dict[int, float]:
    return {y: float(v) for y, v in ind.targets.items() if v is not None}


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
    if n_obs >= getattr(mdl, "min_history", 0):
        return None
    others = [p for p in peers.values() if p.id != ind.id]
    try:
        return models.pooled_prior(others, kind=ind.kind)
    except ModelError:
        if ind.kind == "share":
            raise
    # too few peers of the same kind: pool over every log-scale kind
    return models.pooled_prior([p for p in others if p.kind in ("count", "level", "ratio")])


def _catalog_prior(ind: Indicator, peers: Catalog):
    """The reference prior pooled with same-kind, same-unit, same-scale peers."""
    from kpisim import models
    from kpisim._refclass import pool_catalog
    from kpisim._refgrowth import scale_for, to_scale

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


def _fit(ind: Indicator, model: Any, peers: Catalog, prior: Any):
    """Fit ``ind``: the fitted model, the indicator's bounds, whether the model's
    own scale keeps its paths inside them, and the engine's notes."""
    from kpisim import models
    from kpisim._refgrowth import scale_for

    history = ind.observed
    name = models.default_model_for(ind.kind, len(history)) if model == "auto" else model
    mdl = models.get_model(name)
    use_prior = _prior_for(ind, len(history), mdl, peers, prior)
    bounds = ind.resolved_bounds()
    notes: list[str] = []
    if bounds is not None:
        notes.append(bounds.statement)
    censored = bounds is not None and scale_for(ind)[1] is None
    if censored:
        from kpisim._refgrowth import BOUND_EPS

        edge = bounds.low if ind.direction == "decrease" else bounds.high
        notes.append(Msg("sim.censored", edge=f"{edge:g}", low=f"{bounds.low:g}",
                         high=f"{bounds.high:g}"))
        notes.append(Msg("sim.bound_eps", eps=f"{BOUND_EPS * (bounds.high - bounds.low):g}"))
    if getattr(mdl, "accepts_bounds", False) and not censored:
        fitted = mdl.fit(history, kind=ind.kind, prior=use_prior,
                         bounds=None if bounds is None else (bounds.low, bounds.high))
    elif censored and getattr(mdl, "accepts_bounds", False) and ind.kind == "share":
        # A bounded model takes a share's [0, 100] by default; censoring needs the
        # unbounded latent level (log scale), else no path ever reaches the bound
        # and P(target = 100) is 0 while a score rounding to 100 is not.
        fitted = mdl.fit(history, kind="ratio", prior=use_prior)
    else:
        fitted = mdl.fit(history, kind=ind.kind, prior=use_prior)
        if bounds is not None and not censored:
            notes.append(Msg("sim.clipped_model", model=getattr(mdl, "name", name),
                             low=f"{bounds.low:g}", high=f"{bounds.high:g}"))
    in_bounds = getattr(mdl, "accepts_bounds", False) and not censored
    return fitted, None if bounds is None else (bounds.low, bounds.high), in_bounds, tuple(notes)


def _stream_key(ident: str) -> int:
    """A stable 31-bit stream key for an indicator id (independent of catalog order)."""
    return zlib.crc32(ident.encode("utf-8")) & 0x7FFFFFFF


class Simulation:
    """The result of :func:`simulate`: attainment tables and kept paths.

    All tables are tidy DataFrames. Probabilities carry their Monte Carlo
    standard error ``se = sqrt(p(1-p)/n)`` and a 95% Wilson interval.
    """

    def __init__(
        self,
        *,
        catalog: Catalog,
        tracks: dict[str, _Track],
        years: NDArray,
        skipped: dict[str, str],
        settings: dict[str, Any],
        n_paths: int,
        grades: dict[str, _Track] | None = None,
    ) -> None:
        self.catalog = catalog
        self._tracks = tracks
        self._grades = dict(grades or {})
        self.years = years
        self.skipped = skipped
        self.settings = settings
        self.n_paths = n_paths

    # ---------------------------------------------------------------- access
    @property
    def ids(self) -> list[str]:
        """Ids of the numerically simulated indicators, in catalog order.

        Grade indicators are in :attr:`grade_ids` (they take no normal shocks,
        so ``correlation`` matrices are over these ids only).
        """
        return list(self._tracks)

    @property
    def grade_ids(self) -> list[str]:
        """Ids of the simulated grade indicators (:mod:`kpisim._grades`), in catalog order."""
        return list(self._grades)

    def grade_probs(self, ident: str, year: int) -> pd.Series:
        """P(each grade) of grade indicator ``ident`` in ``year``, from the kept paths.

        Returns
        -------
        Series
            Indexed by the grades of the scale (worst first), summing to 1.
        """
        t = self._grade_track(ident)
        self._check_year(year)
        i = int(np.searchsorted(self.years, year))
        values = _kept_column(t, i)
        scale = t.indicator.scale
        counts = np.bincount(values.astype(np.int64), minlength=len(scale))[: len(scale)]
        return pd.Series(counts / max(len(values), 1), index=pd.Index(scale, name="grade"),
                         name="prob")

    def _grade_track(self, ident: str) -> _Track:
        if ident not in self._grades:
            self._track(ident)  # the not-simulated / unknown message
            msg = f"indicator `{ident}` is not a grade indicator"
            raise SimulationError(msg)
        return self._grades[ident]

    def fitted(self, ident: str):
        """The fitted model of indicator ``ident``."""
        return self._track(ident).fitted

    def indicator(self, ident: str) -> Indicator:
        """The simulated indicator ``ident`` (SimulationError if it was not simulated)."""
        return self._track(ident).indicator

    def last_actual_year(self, ident: str) -> int:
        """The year of the last actual of ``ident``: the simulation starts the year after."""
        return self._track(ident).last_year

    def _track(self, ident: str) -> _Track:
        if ident in self._grades:
            return self._grades[ident]
        if ident not in self._tracks:
            why = self.skipped.get(ident)
            msg = (
                f"indicator `{ident}` was not simulated: {why}"
                if why
                else f"no indicator `{ident}` in this simulation"
            )
            raise SimulationError(msg)
        return self._tracks[ident]

    def paths(self, ident: str) -> pd.DataFrame:
        """The kept sample of paths (rows) for ``ident``, with known years filled."""
        t = self._track(ident)
        if not t.store:
            _kept_column(t, 0)  # raises: no paths were kept
        values = np.concatenate(t.store, axis=0)
        frame = pd.DataFrame(values.astype(float), columns=pd.Index(self.years, name="year"))
        frame.index.name = "path"
        return frame

    def _check_year(self, year: int | None) -> None:
        if year is None:
            return
        _require(_is_int(year), "`year` must be an integer year (or None)", year)
        if year > self.years[-1]:
            msg = f"year {year} is beyond the simulation horizon (`until={self.years[-1]}`)"
            raise SimulationError(msg)
        if year < self.years[0]:
            msg = f"year {year} is before the first year of the simulation grid ({self.years[0]})"
            raise SimulationError(msg)

    # ---------------------------------------------------------- attainment
    def prob_meet(
        self,
        year: int | None = None,
        *,
        ids: Sequence[str] | None = None,
        basis: str = "stated",
    ) -> pd.DataFrame:
        """P(the value in ``year`` meets the target for that year).

        Parameters
        ----------
        year : int, optional
            One year; by default every year with a stated target.
        ids : sequence of str, optional
            Restrict to these indicators (default: every simulated one, the
        grade indicators last).
        basis : {"stated", "rule"}, default "stated"
            ``stated``: the document's targets. ``rule``: for indicators whose
            rule sets next year's target from this year's actual (uplift on
            the previous actual, the handbook's deviation and ratio rules),
            the target recomputed on each simulated path; other indicators
            keep their stated targets.

        Returns
        -------
        DataFrame
            ``id, name_ko, year, target, prob, se, ci_low, ci_high, observed,
            basis, n_paths``. ``observed`` is True when the year's actual is
            already known (then ``prob`` is 0 or 1 and ``se`` is 0). For a
            grade indicator ``target`` is the target grade's index on its
            scale (0 = worst) and ``prob`` is P(the year's grade is at least
            as good as the target grade). With
            ``basis="rule"``, ``target`` is the stated one for reference and
            ``basis`` says which indicators used per-path targets.
        """
        if basis not in ("stated", "rule"):
            msg = f"`basis` must be 'stated' or 'rule'; got {basis!r}"
            raise SimulationError(msg)
        self._check_year(year)
        rows = []
        for ident in ids or [*self.ids, *self.grade_ids]:
            t = self._track(ident)
            per_path = basis == "rule" and t.rule_counter is not None
            c = t.rule_counter if per_path else t.counter
            lo, hi = wilson_interval(c.hits, c.evaluated)
            prob, se = c.prob, c.se
            for i, y in enumerate(self.years):
                if np.isnan(t.targets[i]) or (year is not None and y != year):
                    continue
                rows.append(
                    {
                        "id": ident,
                        "name_ko": t.indicator.name_ko,
                        "year": int(y),
                        "target": t.targets[i],
                        "prob": prob[i],
                        "se": se[i],
                        "ci_low": lo[i],
                        "ci_high": hi[i],
                        "observed": i < t.offset,
                        "basis": "rule (per path)" if per_path else "stated",
                        "n_paths": int(c.evaluated[i]),
                    }
                )
        if year is not None and not rows:
            msg = f"no simulated indicator has a stated target for {year}"
            raise SimulationError(msg)
        columns = [
            "id",
            "name_ko",
            "year",
            "target",
            "prob",
            "se",
            "ci_low",
            "ci_high",
            "observed",
            "basis",
            "n_paths",
        ]
        return pd.DataFrame(rows, columns=columns)

    def prob_range(
        self, year: int | None = None, *, ids: Sequence[str] | None = None, **options: Any
    ) -> pd.DataFrame:
        """P(goal) across the defensible priors, beside this run's P and its MC SE.

        The companion of :meth:`prob_meet` for goals whose history is too short
        to decide their growth: the Monte Carlo ± is never the only
        uncertainty. See :func:`kpisim.goals.prob_range` (``options`` are
        passed on) for the priors and columns.
        """
        from kpisim.goals import prob_range

        return prob_range(self, year, ids, **options)

    def prob_joint(self, year: int, ids: Sequence[str]) -> pd.DataFrame:
        """P(every indicator in ``ids`` meets its ``year`` target), with its SE.

        Computed on the kept paths (``settings["keep_paths"]``): path *i* of
        every indicator comes from the same draw of the (correlated) shocks
        and growth factors, so the joint event is counted path by path. With
        ``correlation=None`` the indicators are independent and the result
        estimates the product of the marginals.

        Returns
        -------
        DataFrame
            One row: ``year, ids, prob, se, n_paths``.
        """
        self._check_year(year)
        if not ids:
            msg = "`ids` must name at least one simulated indicator"
            raise SimulationError(msg)
        i = int(np.searchsorted(self.years, year))
        ok = None
        for ident in ids:
            t = self._track(ident)
            if np.isnan(t.targets[i]):
                msg = f"indicator `{ident}` has no stated target for {year}"
                raise SimulationError(msg)
            values = _kept_column(t, i)
            judged = t.counter.targets[i]
            hit = meets(values, judged, t.indicator.direction)
            ok = hit if ok is None else ok[: len(hit)] & hit[: len(ok)]
        n = len(ok)
        p = float(ok.mean()) if n else float("nan")
        se = math.sqrt(p * (1 - p) / n) if n else float("nan")
        return pd.DataFrame([{"year": int(year), "ids": ", ".join(ids), "prob": p, "se": se,
                              "n_paths": n}])

    def prob_path(self, year: int | None = None) -> pd.DataFrame:
        """P(meeting every stated target up to and including each year).

        Grade indicators are included (the grade at least as good as each
        year's target grade).
        """
        self._check_year(year)
        rows = []
        for ident, t in {**self._tracks, **self._grades}.items():
            c = t.counter
            p = c.path_hits / max(c.n, 1)
            for i, y in enumerate(self.years):
                if year is not None and y != year:
                    continue
                if not (~np.isnan(t.targets[: i + 1])).any():
                    continue
                rows.append(
                    {
                        "id": ident,
                        "year": int(y),
                        "prob": p[i],
                        "se": math.sqrt(p[i] * (1 - p[i]) / max(c.n, 1)),
                    }
                )
        return pd.DataFrame(rows, columns=["id", "year", "prob", "se"])

    def first_hit(self) -> pd.DataFrame:
        """Distribution of the first year each indicator reaches its goal.

        The goal is the furthest stated target (e.g. 3,500 firms in 2030; for
        a grade indicator the target grade's index on its scale). ``year`` is
        ``None`` for "not reached by the end of the grid". Summing ``prob``
        over the years up to Y gives P(goal reached by Y), e.g. P(최상위 등급
        by 2027) for 대외 기관평가, while :meth:`prob_meet` gives P(the grade
        *in* Y meets that year's target).
        """
        rows = []
        for ident, t in {**self._tracks, **self._grades}.items():
            c = t.counter
            freq = c.first_hit / max(c.n, 1)
            for i, y in enumerate([*self.years.tolist(), None]):
                rows.append({"id": ident, "goal": t.counter.goal, "year": y, "prob": freq[i]})
        return pd.DataFrame(rows, columns=["id", "goal", "year", "prob"])

    def shortfall(self, year: int) -> pd.DataFrame:
        """Expected shortfall given a miss: E[target − value | missed] (and in %)."""
        self._check_year(year)
        i = int(np.searchsorted(self.years, year))
        rows = []
        for ident, t in self._tracks.items():
            if np.isnan(t.targets[i]):
                continue
            c = t.counter
            misses = c.evaluated[i] - c.hits[i]
            rows.append(
                {
                    "id": ident,
                    "year": year,
                    "target": t.targets[i],
                    "p_miss": misses / max(c.evaluated[i], 1),
                    "expected_shortfall": c.shortfall_sum[i] / misses if misses else 0.0,
                    "expected_shortfall_pct": 100 * c.shortfall_rel_sum[i] / misses
                    if misses
                    else 0.0,
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "id",
                "year",
                "target",
                "p_miss",
                "expected_shortfall",
                "expected_shortfall_pct",
            ],
        )

    def quantiles(
        self,
        q: Sequence[float] = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975),
        *,
        ids: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Quantiles of each year's value, from the kept sample of paths.

        The kept sample is the first ``keep_paths`` paths, a uniform random
        sample of all paths; its size is in ``settings["keep_paths"]``.
        """
        q = np.asarray(q, dtype=float)
        if q.ndim != 1 or ((q < 0) | (q > 1)).any():
            msg = f"`q` must be probabilities in [0, 1]; got {q.tolist()}"
            raise ValueError(msg)
        rows = []
        for ident in ids or self.ids:
            values = self.paths(ident).to_numpy()
            qs = np.full((len(q), len(self.years)), np.nan)
            known = ~np.isnan(values).all(axis=0) if len(values) else np.zeros(0, bool)
            if known.any():  # years with no value on any path (no actual yet) stay NaN
                qs[:, known] = np.nanquantile(values[:, known], q, axis=0)
            for j, y in enumerate(self.years):
                for k, qq in enumerate(q):
                    rows.append({"id": ident, "year": int(y), "q": float(qq), "value": qs[k, j]})
        return pd.DataFrame(rows, columns=["id", "year", "q", "value"])

    def scores(self, year: int, **kwargs: Any):
        """Handbook scores (평점) of ``year`` on the kept paths.

        See :func:`kpisim.scoring.score_simulation` for the methods, options
        and the returned :class:`~kpisim.scoring.ScoreResult`.
        """
        from kpisim.scoring import score_simulation

        self._check_year(year)
        return score_simulation(self, year, **kwargs)

    def assumptions(self, lang: str = "ko") -> pd.DataFrame:
        """Every assumption behind the numbers: the catalog's and the models'.

        Parameters
        ----------
        lang : {"ko", "en"}, default "ko"
            Language of the engine's and the models' sentences (from the
            message catalogue). A catalog assumption is shown as the catalog
            writes it (its ``statement_ko`` with ``lang="ko"`` when given).

        Returns
        -------
        DataFrame
            ``id, source, field, statement, reason``; ``source`` is
            ``catalog``, ``engine`` or ``model``.
        """
        check_lang(lang)
        rows = []
        declared_used = self.settings.get("prior") in ("declared", "pooled")
        for ident, t in {**self._tracks, **self._grades}.items():
            for a in t.indicator.assumptions:
                ko = lang == "ko"
                statement = (a.statement_ko or a.statement) if ko else a.statement
                reason = (a.reason_ko or a.reason) if ko else a.reason
                if a.field == "growth_prior" and not declared_used:
                    statement = text("sim.what_if", lang, statement=statement)
                rows.append(
                    {
                        "id": ident,
                        "source": "catalog",
                        "field": a.field,
                        "statement": statement,
                        "reason": reason,
                    }
                )
            for s in t.notes:
                rows.append(
                    {"id": ident, "source": "engine", "field": "bounds",
                     "statement": in_lang(s, lang), "reason": ""}
                )
            for s in getattr(t.fitted, "assumptions", ()):
                rows.append(
                    {"id": ident, "source": "model", "field": "model",
                     "statement": in_lang(s, lang), "reason": ""}
                )
        return pd.DataFrame(rows, columns=["id", "source", "field", "statement", "reason"])

    def summary(self, *, lang: str = "ko", years: str = "goals",
                grades: bool = True) -> pd.DataFrame:
        """The attainment table ``kpisim run`` prints: one row per indicator and goal year.

        Columns ``id, name, unit, headline, year, target, last_actual,
        last_year, prob, se, ci_low, ci_high, median, progress_ratio,
        progress_class, model, assumptions`` (see :func:`kpisim._summary.summary`);
        ``years="all"`` gives every stated target year after the last actual;
        ``grades`` includes the grade indicators (targets named by grade).
        """
        from kpisim._summary import summary

        return summary(self, lang=lang, years=years, grades=grades)

    def __repr__(self) -> str:
        return (
            f"Simulation(indicators={len(self._tracks) + len(self._grades)}, "
            f"n_paths={self.n_paths}, "
            f"years={int(self.years[0])}–{int(self.years[-1])}, skipped={len(self.skipped)})"
        )


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
) -> tuple[dict[str, _Track], NDArray, dict[str, str]]:
    from kpisim import models

    skipped: dict[str, str] = {}
    prepared = []
    for k, ind in enumerate(catalog.values()):
        if progress is not None:
            progress(k, len(catalog))
        if ind.kind == "grade":
            obs, targets = _grade_history(ind)
        else:
            obs = ind.observed
            targets = _numeric_targets(ind)
        if obs.empty:
            skipped[ind.id] = "no actual value to start from"
        elif not targets:
            skipped[ind.id] = "no stated numeric target"
        elif int(obs.index[-1]) >= until:
            skipped[ind.id] = (
                f"its last actual ({int(obs.index[-1])}) is not before `until={until}`"
            )
        if ind.id in skipped:
            if strict:
                msg = f"indicator `{ind.id}` cannot be simulated: {skipped[ind.id]}"
                raise SimulationError(msg)
            continue
        try:
            if ind.kind == "grade":
                fitted = models.get_model(grade_model).fit(obs, kind="grade", scale=ind.scale)
                bounds, in_bounds, notes = None, False, ()
            else:
                fitted, bounds, in_bounds, notes = _fit(ind, model, catalog.parent or catalog,
                                                        prior)
        except ModelError as e:
            if strict:
                msg = f"indicator `{ind.id}`: {e}"
                raise SimulationError(msg) from e
            skipped[ind.id] = str(e)
            continue
        prepared.append((ind, obs, targets, (fitted, bounds, in_bounds, notes)))
    if not prepared:
        raise SimulationError(
            "nothing to simulate: " + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    first = min(min(min(t), int(o.index[-1]) + 1) for _, o, t, _ in prepared)
    years = np.arange(first, until + 1)
    tracks = {}
    for ind, obs, targets, (fitted, bounds, in_bounds, notes) in prepared:
        grade = ind.kind == "grade"
        direction = "increase" if grade else ind.direction  # a grade's scale is worst first
        last_year = int(obs.index[-1])
        known = np.array([float(obs.get(y, np.nan)) if y <= last_year else np.nan for y in years])
        tgt = np.array([targets.get(int(y), np.nan) for y in years])
        in_grid = {y: v for y, v in targets.items() if y <= until}
        goal = in_grid[max(in_grid)] if in_grid else np.nan
        counter = AttainmentCounter(years=years, targets=tgt, goal=goal, direction=direction)
        tracks[ind.id] = _Track(
            indicator=ind,
            fitted=fitted,
            last_year=last_year,
            last_value=float(obs.iloc[-1]),
            offset=int(np.searchsorted(years, last_year + 1)),
            known=known,
            past=np.array(
                [float(obs.get(y, np.nan)) for y in range(int(obs.index[0]), int(years[0]))]
            ),
            rule_counter=(
                AttainmentCounter(years=years, targets=tgt, goal=goal, direction=ind.direction)
                if getattr(ind.rule, "path_dependent", False) and not grade
                else None
            ),
            targets=tgt,
            counter=counter,
            bounds=bounds,
            in_bounds=in_bounds,
            notes=notes,
            key=_stream_key(ind.id),
            growth_draws="param_shocks" in inspect.signature(fitted.sample).parameters,
            grade=grade,
            target_on_bound=bounds is not None and not in_bounds
            and _on_bound(ind, ind.resolved_bounds()),
        )
    return tracks, years, skipped


def _shocks(
    root, block: int, tracks: dict[str, _Track], years: NDArray, *, correlation, sampler: str
) -> list[NDArray]:
    from kpisim import models

    n_steps = [len(years) - t.offset for t in tracks.values()]
    if correlation is None:
        out = []
        for t, steps in zip(tracks.values(), n_steps, strict=True):
            g = _child(root, block, t.key, 1)
            out.append(models.standard_normals(BLOCK, steps, rng=g, method=sampler))
        return out
    g = _child(root, block, 2**31, 1)  # keys of ids are < 2**31
    total = max(n_steps)
    z = models.correlated_normals(correlation, BLOCK, total, rng=g, sampler=sampler)
    # align on calendar years: indicator j uses the last n_steps[j] columns
    return [z[j][:, total - steps :] for j, steps in enumerate(n_steps)]


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
    correlation : ndarray or mapping, optional
        Correlation across the simulated indicators, in the order of
        ``sim.ids``. A matrix of shape (n_indicators, n_indicators) applies to
        both the yearly shocks (Gaussian copula) and each path's growth draws
        (the drift μ and drift break δ of ``refgrowth``): indicators then
        share a common growth factor, not only common yearly noise. A mapping
        ``{"shocks": R1, "growth": R2}`` sets the two separately (either may
        be left out). Models without per-path growth draws use the shocks
        only.
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
        (:func:`kpisim._refclass.pool_catalog`; never revenue with
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
    _require(_is_int(until) and 1990 < until <= 2100, "`until` must be a year in 1991–2100",
             until)
    _require(_is_int(n_paths) and 1 <= n_paths <= MAX_PATHS,
             f"`n_paths` must be a positive integer ≤ {MAX_PATHS:,}", n_paths)
    _require(target_se is None or (_is_number(target_se) and 0 < target_se < 0.5),
             "`target_se` must be in (0, 0.5) (or None)", target_se)
    _require(_is_int(max_paths) and 1 <= max_paths <= MAX_PATHS,
             f"`max_paths` must be a positive integer ≤ {MAX_PATHS:,}", max_paths)
    _require(chunk_size is None or (_is_int(chunk_size) and chunk_size >= 1),
             "`chunk_size` must be a positive integer (or None)", chunk_size)
    _require(_is_int(keep_paths) and keep_paths >= 0,
             "`keep_paths` must be a non-negative integer", keep_paths)
    _require(isinstance(sampler, str) and sampler in _SAMPLERS,
             f"`sampler` must be one of {list(_SAMPLERS)}", sampler)
    _require(scenario is None or isinstance(scenario, Scenario),
             "`scenario` must be None or a Scenario (see kpisim.load_scenario)", scenario)
    _require(progress is None or callable(progress), "`progress` must be None or callable",
             progress)
    _require(isinstance(model, str) or all(hasattr(model, a) for a in ("name", "fit")),
             "`model` must be a registered name, 'auto' or a model object with `name`, "
             "`min_history` and `fit`", model)
    if isinstance(model, str) and model != "auto":
        from kpisim import models as _models

        try:
            _models.get_model(model)
        except ModelError as e:  # one line, not one per indicator
            raise SimulationError(str(e)) from None
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
        scenario.check(tracks)
    shock_corr, growth_corr = _split_correlation(correlation, tracks)
    blocks_per_chunk = max(1, math.ceil((chunk_size or _DEFAULT_CHUNK) / BLOCK))
    goal_paths = n_paths if target_se is None else max_paths
    done = 0
    block = 0
    while done < goal_paths:
        chunk_blocks = []
        for _ in range(blocks_per_chunk):
            if done + BLOCK * len(chunk_blocks) >= goal_paths:
                break
            chunk_blocks.append(block)
            block += 1
        # With `target_se`, precision is checked after every block, not every
        # chunk, so where the run stops does not depend on `chunk_size`.
        groups = [chunk_blocks] if target_se is None else [[b] for b in chunk_blocks]
        precise = False
        for group in groups:
            _run_chunk(
                root,
                group,
                tracks,
                years,
                scenario=scenario,
                correlation=shock_corr,
                growth_correlation=growth_corr,
                sampler=sampler,
                keep=keep_paths,
                limit=goal_paths - done,
                grades=grades,
            )
            done = min(goal_paths, done + BLOCK * len(group))
            if (target_se is not None and done >= n_paths
                    and _max_se({**tracks, **grades}) <= target_se):
                precise = True
                break
        if progress is not None:
            progress(done, goal_paths)
        if precise:
            break
    settings = {
        "model": model if isinstance(model, str) else type(model).__name__,
        "until": int(until),
        "seed_entropy": root.entropy,
        "sampler": sampler,
        "chunk_size": blocks_per_chunk * BLOCK,
        "keep_paths": keep_paths,
        "target_se": target_se,
        "scenario": scenario.name if scenario else None,
        "correlation": None if correlation is None else (
            sorted(correlation) if isinstance(correlation, Mapping) else ["shocks", "growth"]),
        "prior": prior if isinstance(prior, str) or prior is None else type(prior).__name__,
        "grade_model": grade_model if isinstance(grade_model, str) else type(grade_model).__name__,
    }
    return Simulation(
        catalog=catalog,
        tracks=tracks,
        years=years,
        skipped=skipped,
        settings=settings,
        n_paths=done,
        grades=grades,
    )


def _check_prior(prior: Any) -> None:
    from kpisim import models

    if prior in (None, "reference", "declared", "pooled", "catalog") or isinstance(
        prior, (Mapping, models.GrowthPrior, models.ReferencePrior)
    ):
        return
    msg = (
        "`prior` must be 'reference', 'declared', 'catalog', 'pooled', None, a GrowthPrior, a "
        f"ReferencePrior or a mapping of id to one; got {prior!r}"
    )
    raise SimulationError(msg)


def _split_correlation(correlation: Any, tracks: dict[str, _Track]):
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
    else:
        parts = (correlation, correlation)
    out = []
    for part in parts:
        if part is None:
            out.append(None)
            continue
        try:
            m = np.asarray(part, dtype=float)
        except (TypeError, ValueError) as e:
            msg = f"`correlation` must be a numeric matrix; got {type(part).__name__}"
            raise SimulationError(msg) from e
        if m.shape != (len(tracks), len(tracks)):
            msg = (
                f"`correlation` must be {len(tracks)}×{len(tracks)} (one row per simulated "
                f"indicator, in the order of sim.ids: {list(tracks)[:6]}…); got {m.shape}"
            )
            raise SimulationError(msg)
        out.append(m)
    return out[0], out[1]


def _kept_column(t: _Track, i: int) -> NDArray[np.float64]:
    """Year ``i`` of the kept paths of ``t``; a clear error when none were kept."""
    if not t.store:
        msg = (f"indicator `{t.indicator.id}`: no simulated paths were kept "
               "(`keep_paths=0`); simulate with keep_paths ≥ 1 for quantiles, fans and "
               "joint probabilities")
        raise SimulationError(msg)
    return np.concatenate([blk[:, i] for blk in t.store]).astype(float)


def _require(ok: bool, requirement: str, got: Any) -> None:
    if not ok:
        from kpisim._safeio import short_repr

        msg = f"{requirement}; got {short_repr(got)}"
        raise SimulationError(msg)


def _on_bound(ind: Indicator, bounds) -> bool:
    from kpisim._refgrowth import target_on_bound

    return target_on_bound(ind, bounds)


def _snap_to_bounds(values: NDArray, bounds: tuple[float, float]) -> None:
    """The ε-boundary model, in place: values within ε(b − a) of a bound are on it.

    Used only when a stated target sits on a bound (a share of 100 %): a model
    whose scale approaches the bound without reaching it would otherwise give
    P(target) ≈ 0 however close its paths come. ε is ``BOUND_EPS`` (0.1 % of
    the range, 0.1 points of a share), the same margin the fit moves an actual
    at a bound inside by — an assumption, listed in ``sim.assumptions()``.
    """
    from kpisim._refgrowth import BOUND_EPS

    lo, hi = bounds
    eps = BOUND_EPS * (hi - lo)
    values[values >= hi - eps] = hi
    values[values <= lo + eps] = lo


def _is_int(v: Any) -> bool:
    """An integer that is not a bool (``True`` is not 1 path)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_)) and bool(np.isfinite(v)))


def _max_se(tracks: dict[str, _Track]) -> float:
    worst = 0.0
    for t in tracks.values():
        se = t.counter.se[t.offset :]
        se = se[~np.isnan(t.targets[t.offset :])]
        if se.size:
            worst = max(worst, float(se.max()))
    return worst


def _run_chunk(
    root,
    blocks: list[int],
    tracks: dict[str, _Track],
    years: NDArray,
    *,
    scenario,
    correlation,
    sampler,
    keep: int,
    limit: int,
    growth_correlation=None,
    grades: dict[str, _Track] | None = None,
) -> None:
    """Generate and reduce the given blocks.

    Reductions run block by block, on identical arrays whatever the chunk, so
    even floating-point sums are bitwise independent of ``chunk_size``.
    """
    for k, b in enumerate(blocks):
        n = min(BLOCK, limit - k * BLOCK)  # the last block of a run may be cut
        for t in (grades or {}).values():  # own stream per id; no shocks, no scenario
            sim_years = years[t.offset :]
            values = t.fitted.sample(sim_years.tolist(), BLOCK, rng=_child(root, b, t.key, 0))
            _reduce(t, values[:n], n, years, keep)
        if not tracks:
            continue
        shocks = _shocks(root, b, tracks, years, correlation=correlation, sampler=sampler)
        growth = None
        if growth_correlation is not None:
            from kpisim import models

            growth = models.correlated_normals(growth_correlation, BLOCK, 2,
                                               rng=_child(root, b, 2**31, 2))
        for j, (ident, t) in enumerate(tracks.items()):
            sim_years = years[t.offset :]
            z = shocks[j]
            if scenario is not None:
                z = z * scenario.volatility(ident, sim_years)[None, :]
            extra = {}
            if growth is not None and t.growth_draws:
                extra["param_shocks"] = growth[j]
            values = t.fitted.sample(sim_years.tolist(), BLOCK, rng=_child(root, b, t.key, 0),
                                     shocks=z, **extra)
            if scenario is not None:
                values = scenario.apply(ident, values, sim_years, t.last_value, t.indicator.kind)
            if t.bounds is not None and (scenario is not None or not t.in_bounds):
                # censoring, a model without the bounded scale, or a scenario's change
                np.clip(values, t.bounds[0], t.bounds[1], out=values)
                if t.target_on_bound:
                    _snap_to_bounds(values, t.bounds)
            if not np.isfinite(values[:n]).all():
                # an overflow (or a model's NaN) must never be counted as met or missed
                bad = values[:n][~np.isfinite(values[:n])][0]
                msg = (f"indicator `{ident}`: the model produced a non-finite value ({bad}) "
                       "on a simulated path (an overflow: values or growth too large for "
                       "float64); express the indicator in a larger unit or check its history")
                raise SimulationError(msg)
            full = _reduce(t, values[:n], n, years, keep)
            if t.rule_counter is not None:
                t.rule_counter.update(full, _rule_targets(t, full, years))


def _reduce(t: _Track, values: NDArray, n: int, years: NDArray, keep: int) -> NDArray:
    """Count ``values`` (n, simulated years) of track ``t`` and keep the first paths."""
    full = np.empty((n, len(years)))
    full[:, : t.offset] = t.known[: t.offset]
    full[:, t.offset :] = values
    t.counter.update(full)
    if t.stored < keep:
        take = min(keep - t.stored, n)
        t.store.append(full[:take].copy())  # float64: no NaN above 3.4e38
        t.stored += take
    return full
