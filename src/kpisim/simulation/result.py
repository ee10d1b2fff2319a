"""The result of a simulation: :class:`Simulation` and its tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kpisim._messages import Msg, check_lang, in_lang, text
from kpisim._validation import SimulationError
from kpisim.attainment import meets, wilson_interval
from kpisim.catalog import Catalog
from kpisim.indicator import Indicator
from kpisim.simulation._state import Track, is_int, kept_column, require


class Simulation:
    """The result of :func:`simulate`: attainment tables and kept paths.

    All tables are tidy DataFrames. Probabilities carry their Monte Carlo
    standard error ``se = sqrt(p(1-p)/n)`` and a 95% Wilson interval.
    """

    def __init__(
        self,
        *,
        catalog: Catalog,
        tracks: dict[str, Track],
        years: NDArray,
        skipped: dict[str, str],
        settings: dict[str, Any],
        n_paths: int,
        grades: dict[str, Track] | None = None,
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
    def seed(self) -> np.random.SeedSequence:
        """The run's root seed: ``simulate(..., rng=sim.seed)`` repeats the run."""
        return np.random.SeedSequence(self.settings["seed_entropy"],
                                      spawn_key=self.settings.get("seed_spawn_key", ()))

    @property
    def ids(self) -> list[str]:
        """Ids of the numerically simulated indicators, in catalog order.

        Grade indicators are in :attr:`grade_ids` (they take no normal shocks,
        so ``correlation`` matrices are over these ids only).
        """
        return list(self._tracks)

    @property
    def grade_ids(self) -> list[str]:
        """Ids of the simulated grade indicators (:class:`kpisim.models.GradeMarkov`), in order."""
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
        values = kept_column(t, i)
        scale = t.indicator.scale
        counts = np.bincount(values.astype(np.int64), minlength=len(scale))[: len(scale)]
        return pd.Series(counts / max(len(values), 1), index=pd.Index(scale, name="grade"),
                         name="prob")

    def _grade_track(self, ident: str) -> Track:
        if ident not in self._grades:
            self._track(ident)  # the not-simulated / unknown message
            msg = f"indicator `{ident}` is not a grade indicator"
            raise SimulationError(msg)
        return self._grades[ident]

    def fitted(self, ident: str):
        """The fitted model of indicator ``ident``."""
        return self._track(ident).fitted

    def _track(self, ident: str) -> Track:
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

    def indicator(self, ident: str) -> Indicator:
        """The indicator ``ident`` as simulated."""
        return self._track(ident).indicator

    def last_actual(self, ident: str) -> tuple[int, float]:
        """``(year, value)`` of the last actual the model of ``ident`` starts from.

        For a grade indicator the value is the grade's index on its scale
        (0 = worst).
        """
        t = self._track(ident)
        return int(t.last_year), float(t.last_value)

    def first_simulated_year(self, ident: str) -> int:
        """The first year of ``ident`` drawn by its model (earlier years are actuals)."""
        return int(self.years[self._track(ident).offset])

    def kept_paths(self, ident: str) -> NDArray[np.float64]:
        """The kept paths of ``ident`` as a read-only array, shape ``(n_kept, n_years)``.

        Columns are :attr:`years`, known years filled with their actuals: the
        values of :meth:`paths` without the DataFrame.
        """
        t = self._track(ident)
        if not t.store:
            kept_column(t, 0)  # raises: no paths were kept
        if len(t.store) > 1:  # join the blocks once
            t.store[:] = [np.concatenate(t.store, axis=0)]
        t.store[0].flags.writeable = False
        return t.store[0]

    def paths(self, ident: str) -> pd.DataFrame:
        """The kept sample of paths (rows) for ``ident``, with known years filled."""
        frame = pd.DataFrame(self.kept_paths(ident).astype(float),
                             columns=pd.Index(self.years, name="year"))
        frame.index.name = "path"
        return frame

    def _check_year(self, year: int | None) -> None:
        if year is None:
            return
        require(is_int(year), "`year` must be an integer year (or None)", year)
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
        for ident in _id_list(ids) or [*self.ids, *self.grade_ids]:
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
                        # an observed year is a fact: no Monte Carlo interval around it
                        "ci_low": prob[i] if i < t.offset else lo[i],
                        "ci_high": prob[i] if i < t.offset else hi[i],
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
        ids = _id_list(ids)
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
            values = kept_column(t, i)
            judged = t.counter.targets[i]
            hit = meets(values, judged, t.indicator.direction, whole=t.counter.whole)
            ok = hit if ok is None else ok[: len(hit)] & hit[: len(ok)]
        n = len(ok)
        p = float(ok.mean()) if n else float("nan")
        se = math.sqrt(p * (1 - p) / n) if n else float("nan")
        return pd.DataFrame([{"year": int(year), "ids": ", ".join(ids), "prob": p, "se": se,
                              "n_paths": n}])

    def prob_path(self, year: int | None = None) -> pd.DataFrame:
        """P(meeting every stated target up to and including each year).

        Grade indicators are included (the grade at least as good as each
        year's target grade). A past target whose actual is unknown (a gap in
        the history, a value not yet known) cannot be judged and counts as
        met; ``unjudged`` says how many such years the probability includes
        (``sim.assumptions()`` names them).
        """
        self._check_year(year)
        rows = []
        for ident, t in {**self._tracks, **self._grades}.items():
            c = t.counter
            p = c.path_hits / max(c.n, 1)
            unknown = np.isnan(t.known) & ~np.isnan(t.targets)
            unknown[t.offset :] = False
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
                        "unjudged": int(unknown[: i + 1].sum()),
                    }
                )
        return pd.DataFrame(rows, columns=["id", "year", "prob", "se", "unjudged"])

    def first_hit(self) -> pd.DataFrame:
        """Distribution of the first year each indicator reaches its goal.

        The goal is the furthest stated target (e.g. 3,500 firms in 2030; for
        a grade indicator the target grade's index on its scale). ``year`` is
        ``None`` for "not reached by the end of the grid". Summing ``prob``
        over the years up to Y gives P(goal reached by Y), e.g. P(최상위 등급
        by 2027) for 대외 기관평가, while :meth:`prob_meet` gives P(the grade
        *in* Y meets that year's target).

        A goal that an actual before the first year of the grid already
        reached is reported at the first such year, with probability 1 (and
        0 for every later year): the answer never depends on where the grid
        starts, which other indicators' targets decide.
        """
        rows = []
        for ident, t in {**self._tracks, **self._grades}.items():
            c = t.counter
            freq = c.first_hit / max(c.n, 1)
            before = _first_reach_before_grid(t, int(self.years[0]))
            if before is not None:
                rows.append({"id": ident, "goal": c.goal, "year": before, "prob": 1.0})
                freq = np.zeros_like(freq)
            for i, y in enumerate([*self.years.tolist(), None]):
                rows.append({"id": ident, "goal": c.goal, "year": y, "prob": freq[i]})
        return pd.DataFrame(rows, columns=["id", "goal", "year", "prob"])

    def shortfall(self, year: int) -> pd.DataFrame:
        """Expected shortfall given a miss: E[target − value | missed] (and in %).

        ``expected_shortfall_pct`` is in % of the target, NaN for a missed
        target of 0 (no percentage of 0 exists); both are 0 where no path misses.
        """
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
                    # % of the target: undefined for a target of 0 (무사고 0건)
                    "expected_shortfall_pct": np.nan if misses and t.targets[i] == 0
                    else 100 * c.shortfall_rel_sum[i] / misses if misses else 0.0,
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
        try:
            q = np.asarray(q, dtype=float)
        except (TypeError, ValueError) as e:
            msg = f"`q` must be probabilities in [0, 1]; got {q!r}"
            raise SimulationError(msg) from e
        if q.ndim != 1 or not np.isfinite(q).all() or ((q < 0) | (q > 1)).any():
            msg = f"`q` must be probabilities in [0, 1]; got {q.tolist()}"
            raise SimulationError(msg)
        rows = []
        for ident in _id_list(ids) or self.ids:
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
                    {"id": ident, "source": "engine",
                     "field": _NOTE_FIELDS.get(getattr(s, "key", ""), "bounds"),
                     "statement": in_lang(s, lang), "reason": ""}
                )
            if t.degenerate:
                rows.append(
                    {"id": ident, "source": "engine", "field": "model",
                     "statement": in_lang(Msg("sim.degenerate",
                                              model=getattr(t.fitted, "model", "")), lang),
                     "reason": ""}
                )
            if t.rule_gaps:
                years = ", ".join(map(str, sorted(t.rule_gaps)))
                rows.append(
                    {"id": ident, "source": "engine", "field": "rule",
                     "statement": in_lang(Msg("sim.rule_gap", years=years, reason=in_lang(
                         next(iter(t.rule_gaps.values())), lang)), lang),
                     "reason": ""}
                )
            if t.floored:
                share = t.floored / max(t.counter.n * (len(self.years) - t.offset), 1)
                rows.append(
                    {"id": ident, "source": "engine", "field": "kind",
                     "statement": in_lang(Msg("sim.count_floor", share=f"{100 * share:.3g}"),
                                          lang), "reason": ""}
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


#: The catalog field each of the engine's own notes is about (else ``bounds``).
_NOTE_FIELDS = {"sim.unjudged": "targets", "sim.beyond_until": "targets",
                "sim.direction_doubt": "direction", "sim.share_fraction": "kind",
                "sim.reference_against_decrease": "direction"}


def _id_list(ids: Any) -> list[str] | None:
    """``ids`` as a list: one id given as a string is one id, not its letters."""
    if ids is None:
        return None
    return [ids] if isinstance(ids, str) else list(ids)


def _first_reach_before_grid(t: Track, first_grid_year: int) -> int | None:
    """The first observed year before the grid whose actual reached ``t``'s goal."""
    past = t.past if t.past is not None else np.empty(0)
    goal = t.counter.goal
    if not past.size or not np.isfinite(goal):
        return None
    hit = meets(past, goal, t.counter.direction, whole=t.counter.whole)  # as the counter judges
    if not hit.any():
        return None
    return first_grid_year - past.size + int(np.argmax(hit))
