"""Scoring simulated paths, institution grades and the scoring specification.

Private: the public names are re-exported by :mod:`kpisim.scoring`, which
documents the methods; the formulas themselves are in
:mod:`kpisim.scoring.handbook`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpisim._validation import KpisimError, ScoringError, is_finite_number
from kpisim.rules import DeviationRule, LongTermPath, RatioRule, Rule

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from kpisim.simulation import Simulation

from kpisim.scoring._institution import (
    INSTITUTION_GRADES,
    INSTITUTION_TYPES,
    _institution_type,
    institution_grade,
    institution_grade_rule,
    weighted_total,
)
from kpisim.scoring.handbook import (
    _HIGH,
    _LOW,
    GRADE_POINTS,
    METHODS,
    TREND_CUTS,
    TREND_Z_MAX,
    _check_bands,
    _check_blend,
    _check_z_options,
    _deviation_rule,
    _long_term_kernel,
    _ratio_rule,
    _sign,
    _trend_vec,
    _z,
    score_between,
    score_target_ratio,
    score_z,
)

__all__ = [
    "ScoreResult",
    "ScoringSpec",
    "TotalScore",
    "score_simulation",
]


@dataclass(frozen=True, kw_only=True)
class ScoringSpec:
    """How one indicator is scored (the catalog may later carry this as ``scoring``).

    Parameters
    ----------
    method : {"auto", "deviation", "ratio", "long_term", "trend", "beta", "target_ratio"}
        ``auto``: the indicator's rule if it is a DeviationRule, RatioRule or
        LongTermPath (the part active in the scored year, for a sequence),
        else 목표대실적 against the stated target of the year, else skipped.
    weight : float, default 1
        Weight (가중치) in the total; non-negative.
    rule : Rule, optional
        Bounds for deviation / ratio / long_term instead of the indicator's
        rule (a long-term goal must come from one or the other). Without
        either, deviation uses ``DeviationRule()`` and ratio ``RatioRule``
        with 120% (주요사업) or 110%.
    ddof : int, optional
        The σ divisor of the deviation rule (0 = population, the default of
        the rule; 1 = sample) — the handbook does not say.
    target : float, optional
        목표대실적 target instead of the stated one.
    a, average, recent
        중장기: weight of this year, how the recent years are compared (default
        the handbook's: the mean actual against the mean bounds) and the
        longest recent window (:func:`score_long_term`).
    window : int, default 5
        추세치/β분포: how many past actuals the trend uses.
    banded, cuts, z_max, interpolation, tails
        추세치/β분포 bands (:func:`score_z`; default the handbook's 표2,
        linear inside each band, extended beyond ±1.965 until the clip).
    points : sequence of float, optional
        For a grade indicator (method ``grade``): the 평점 of each grade,
        worst first, each in [20, 100]; by default ``20 + 80·i/(K−1)``
        (:func:`kpisim.models._grades.grade_points`, an assumption).
    """

    method: str = "auto"
    weight: float = 1.0
    rule: Rule | None = None
    ddof: int | None = None
    target: float | None = None
    a: float = 0.5
    average: str = "actuals"
    recent: int = 3
    window: int = 5
    banded: bool = False
    cuts: tuple[float, ...] = TREND_CUTS
    z_max: float = TREND_Z_MAX
    interpolation: str = "handbook"
    tails: str = "extend"
    points: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.method not in ("auto", *METHODS, "grade"):
            msg = f"`method` must be one of {['auto', *METHODS, 'grade']}; got {self.method!r}"
            raise ScoringError(msg)
        if self.points is not None:
            pts = tuple(self.points)
            if len(pts) < 2 or not all(is_finite_number(v) and _LOW <= v <= _HIGH for v in pts):
                msg = f"`points` must be at least 2 평점 in [20, 100], worst first; got {pts!r}"
                raise ScoringError(msg)
            object.__setattr__(self, "points", tuple(float(v) for v in pts))
        if not (is_finite_number(self.weight) and self.weight >= 0):
            msg = f"`weight` must be a finite number ≥ 0; got {self.weight!r}"
            raise ScoringError(msg)
        if self.rule is not None and not isinstance(self.rule, Rule):
            msg = f"`rule` must be a kpisim rule; got {type(self.rule).__name__}"
            raise ScoringError(msg)
        if self.ddof is not None and not (isinstance(self.ddof, int) and self.ddof >= 0):
            msg = f"`ddof` must be a non-negative integer; got {self.ddof!r}"
            raise ScoringError(msg)
        if self.target is not None and not (is_finite_number(self.target) and self.target > 0):
            msg = f"`target` must be a positive number; got {self.target!r}"
            raise ScoringError(msg)
        if not (isinstance(self.window, int) and self.window >= 2):
            msg = f"`window` must be an integer ≥ 2; got {self.window!r}"
            raise ScoringError(msg)
        _check_blend(self.a, self.average, self.recent)
        object.__setattr__(self, "cuts", tuple(float(c) for c in self.cuts))
        _check_bands(self.cuts, self.z_max)
        _check_z_options(self.interpolation, self.tails)


@dataclass(frozen=True)
class TotalScore:
    """Distribution of the weighted total over the kept paths, and of the grade.

    ``values`` (n_paths,), ``weights`` (Series by id), ``mean``, ``sd``,
    ``quantiles`` (Series by q), ``grades`` (P(grade), Series S … E),
    ``n_paths`` (paths with every score defined), ``institution_type`` and
    ``grade_rule`` (which grading rule gave ``grades``, one sentence:
    :func:`institution_grade_rule`).
    """

    values: NDArray[np.float64]
    weights: pd.Series
    mean: float
    sd: float
    quantiles: pd.Series
    grades: pd.Series
    n_paths: int
    institution_type: str = "공기업(상장형)"
    grade_rule: str = ""
    grade_basis: str = "absolute"  # "absolute", "relative" or "reference" (cut-offs shown only)

    def to_frame(self) -> pd.DataFrame:
        """One row: mean, sd, q…, p_S … p_E, n_paths."""
        row = {"mean": self.mean, "sd": self.sd}
        row |= {f"q{round(100 * q):02d}": v for q, v in self.quantiles.items()}
        row |= {f"p_{g}": p for g, p in self.grades.items()}
        row["n_paths"] = self.n_paths
        return pd.DataFrame([row])


@dataclass(frozen=True)
class ScoreResult:
    """What :func:`score_simulation` returns.

    Attributes
    ----------
    year : int
    table : DataFrame
        One row per scored indicator: ``id, name_ko, method, weight, mean,
        sd, q05, q50, q95, p_100, p_ge, points, observed, n_paths`` (mean =
        E[평점], p_ge = P(평점 ≥ threshold), points = weight × E[평점],
        observed = the year's actual is known).
    total : TotalScore
    scores : DataFrame
        Per-path 평점, rows = kept paths, columns = ids.
    skipped : dict of id to reason
    threshold : float
    """

    year: int
    table: pd.DataFrame
    total: TotalScore
    scores: pd.DataFrame
    skipped: dict[str, str]
    threshold: float


def _as_spec(value: Any, ident: str) -> ScoringSpec:
    if isinstance(value, ScoringSpec):
        return value
    if isinstance(value, str):
        return ScoringSpec(method=value)
    msg = f"scoring of `{ident}` must be a ScoringSpec or a method name; got {value!r}"
    raise ScoringError(msg)


def _auto(ind: Any, year: int) -> str:
    rule = ind.rule.active(year) if isinstance(ind.rule, Rule) else None
    for cls, method in (
        (DeviationRule, "deviation"),
        (RatioRule, "ratio"),
        (LongTermPath, "long_term"),
    ):
        if isinstance(rule, cls):
            return method
    if is_finite_number(ind.targets.get(year)):
        return "target_ratio"
    msg = (
        f"no handbook rule (deviation, ratio, long_term_path) and no stated numeric "
        f"target for {year} to score against"
    )
    raise ScoringError(msg)


def _rule(spec: ScoringSpec, ind: Any, year: int, cls: type) -> Any:
    """The spec's rule (which must fit), else the indicator's if it fits, else None."""
    if spec.rule is not None:
        rule = spec.rule.active(year)
        if not isinstance(rule, cls):
            msg = f"method `{spec.method}` needs a {cls.__name__}; got {type(rule).__name__}"
            raise ScoringError(msg)
        return rule
    rule = ind.rule.active(year) if isinstance(ind.rule, Rule) else None
    return rule if isinstance(rule, cls) else None


def _score_paths(
    spec: ScoringSpec, method: str, ind: Any, hist: NDArray, years: NDArray, j: int, year: int
) -> NDArray:
    """Per-path 평점 of column ``j`` of ``hist`` (known + simulated actuals)."""
    direction, category = ind.direction, ind.tags.category
    actual, past = hist[:, j], hist[:, :j]
    if method in ("deviation", "ratio") and j == 0:
        msg = f"no actual before {year} to set the bounds from"
        raise ScoringError(msg)
    if method == "deviation":
        rule = _deviation_rule(_rule(spec, ind, year, DeviationRule))
        if spec.ddof is not None:
            rule = dataclasses.replace(rule, ddof=spec.ddof)
        hi, lo = rule.bounds_array(
            past, direction=direction, category=category, share=ind.kind == "share"
        )
        return score_between(actual, hi, lo, direction=direction)
    if method == "ratio":
        rule = dataclasses.replace(
            _ratio_rule(_rule(spec, ind, year, RatioRule), category), rounding=None
        )
        kw = {"year": year, "direction": direction, "share": ind.kind == "share"}
        hi = rule.next_target(past[:, -1], past[:, -1], past, **kw)
        low_rule = dataclasses.replace(rule, high=rule.low)  # the rule's own mirroring
        lo = low_rule.next_target(past[:, -1], past[:, -1], past, **kw)
        return score_between(actual, hi, lo, direction=direction)
    if method == "long_term":
        rule = _rule(spec, ind, year, LongTermPath)
        if rule is None:
            msg = "중장기 목표부여 needs a LongTermPath rule (goal_year, goal_value)"
            raise ScoringError(msg)
        return _long_term_kernel(
            hist, years, j, rule.for_indicator(ind), a=spec.a, average=spec.average,
            direction=direction, recent=spec.recent,
        )
    if method in ("trend", "beta"):
        ys, s = _trend_vec(past, years[:j], year, spec.window, method == "beta")
        return score_z(
            _z(actual, ys, s, _sign(direction)),
            banded=spec.banded,
            cuts=spec.cuts,
            z_max=spec.z_max,
            interpolation=spec.interpolation,
            tails=spec.tails,
        )
    target = spec.target if spec.target is not None else ind.targets.get(year)
    if not is_finite_number(target):
        msg = f"목표대실적 needs a numeric target for {year}; the indicator states {target!r}"
        raise ScoringError(msg)
    return score_target_ratio(actual, float(target), direction=direction)


def _history(sim: Simulation, ident: str, year: int) -> tuple[NDArray, NDArray, int]:
    """Known actuals before the grid, then the kept paths: (n, T), years, column of ``year``.

    A count's simulated values are taken as whole numbers (rounded half up:
    ⌊v + ½⌋), the number the institution would report, so that its 평점 and
    its P(met) judge the same value (:func:`kpisim.attainment.whole_threshold`:
    ⌊v + ½⌋ ≥ t exactly when v ≥ ⌈t⌉ − ½).
    """
    ind = sim.indicator(ident)
    grid = sim.paths(ident).to_numpy(dtype=float)
    if ind.kind == "count":
        grid = np.floor(grid + 0.5)
    obs = ind.observed
    first = int(obs.index[0]) if len(obs) else int(sim.years[0])
    pre_years = np.arange(first, int(sim.years[0]))
    pre = np.array([float(obs.get(int(y), np.nan)) for y in pre_years])
    hist = np.concatenate([np.tile(pre, (grid.shape[0], 1)), grid], axis=1)
    years = np.concatenate([pre_years, np.asarray(sim.years)])
    j = int(np.searchsorted(years, year))
    return hist[:, : j + 1], years[: j + 1], j


def score_simulation(
    sim: Simulation,
    year: int,
    *,
    methods: Mapping[str, ScoringSpec | str] | None = None,
    default: ScoringSpec | str | None = "auto",
    threshold: float = 80.0,
    quantiles: Sequence[float] = (0.05, 0.5, 0.95),
    nonquantitative: Mapping[str, tuple[str | float, float]] | None = None,
    declared: bool = True,
    institution_type: str | None = None,
    peers: Any = None,
    shares: Any = None,
) -> ScoreResult:
    """Score every simulated indicator in ``year`` on each kept path.

    Parameters
    ----------
    sim : Simulation
    year : int
        A year of the simulation grid.
    methods : mapping of id to ScoringSpec or method name, optional
        How each indicator is scored (and weighted).
    default : ScoringSpec, method name or None, default "auto"
        For indicators not in ``methods``; None skips them.
    threshold : float, default 80
        ``p_ge`` is P(평점 ≥ threshold).
    quantiles : sequence of 3 floats, default (0.05, 0.5, 0.95)
        Reported as ``q05, q50, q95`` (named by percent).
    nonquantitative : mapping of name to (grade or 평점, weight), optional
        비계량 indicators with an assumed grade (:data:`GRADE_POINTS`: A+ 100,
        A0 90, B+ 80, B0 70, C 60, D+ 50, D0 40, E+ 30, E0 20) or score; they
        enter the total as constants.
    declared : bool, default True
        Use the scoring the catalog declares (:class:`kpisim.indicator.Scoring`)
        for indicators not in ``methods``: its method (else ``default``'s)
        and weight. When any scored indicator declares a weight, indicators
        without one get weight 0 (they are scored but left out of the total).
    institution_type : str, optional
        How the total is graded (:func:`institution_grade`); by default the
        catalog's ``institution_type`` (catalog metadata), else
        ``공기업(상장형)``. A relative type without ``peers`` and ``shares`` is
        graded on the absolute cut-offs *as a reference*, and
        ``total.grade_rule`` says so.
    peers, shares
        The group's other totals and the grade shares, for a relative type.

    Returns
    -------
    ScoreResult

    Notes
    -----
    Paths are the simulation's kept sample (the first ``keep_paths``, a
    uniform sample). Path i of every indicator comes from the same simulated
    world, so the weighted total is taken path by path.

    For deviation, ratio, long_term, trend and beta in a simulated year the
    bounds (or Ŷ and S) use the history up to the previous year **on each
    path** — known actuals, then that path's simulated values of the earlier
    years — as the handbook sets each year's bounds from the preceding
    actuals (``DeviationRule.bounds_array``, ``RatioRule.next_target`` and
    ``LongTermPath.bounds_paths`` — the handbook's fixed line walked along
    each path, re-anchored where that path's actual rose above it — all
    vectorised over paths; unrounded).
    Indicators a method cannot score are listed in ``skipped`` with the
    reason.

    Grade indicators (``sim.grade_ids``) are scored by method ``grade``: the
    평점 of the path's grade, ``points`` of the spec or ``20 + 80·i/(K−1)``.
    """
    year, methods, q = _check_options(sim, year, methods, threshold, quantiles)
    skipped = {k: f"not simulated: {v}" for k, v in sim.skipped.items()}
    cols, rows = {}, []
    all_ids = [*sim.ids, *sim.grade_ids]
    weighted = declared and any(sim.catalog[i].scoring.weight is not None for i in all_ids)
    for ident in all_ids:
        ind = sim.indicator(ident)
        if ident not in methods and default is None and not (declared and ind.scoring.declared):
            skipped[ident] = "no scoring method given"
            continue
        if ident in methods:
            spec = _as_spec(methods[ident], ident)
        else:
            spec = _declared_spec(ind, default, weighted=weighted and declared)
        try:
            method, s = _indicator_scores(sim, ident, spec, year)
        except KpisimError as e:
            skipped[ident] = str(e)
            continue
        if not np.isfinite(s).any():
            skipped[ident] = f"method `{method}` gives no defined score on any path"
            continue
        cols[ident] = s
        rows.append(_row(ident, ind.name_ko, method, spec.weight, s, q, threshold,
                         observed=year <= sim.last_actual(ident)[0]))
    n = len(next(iter(cols.values()))) if cols else 1
    for name, (grade, weight) in (nonquantitative or {}).items():
        cols[name] = np.full(n, _nonquantitative_points(name, grade))
        weight = ScoringSpec(weight=weight).weight  # validated like any weight
        rows.append(
            _row(name, name, "non_quantitative", weight, cols[name], q, threshold, observed=True)
        )
    if not cols:
        groups: dict[str, list[str]] = {}  # one line a reason, not one an indicator
        for k, v in skipped.items():
            groups.setdefault(str(v), []).append(k)
        msg = f"nothing to score in {year}: " + "; ".join(
            f"{ids[0]}: {why}" if len(ids) == 1 else
            f"{why} ({len(ids)}: {', '.join(ids[:4])}{', …' if len(ids) > 4 else ''})"
            for why, ids in groups.items())
        raise ScoringError(msg)
    scores = pd.DataFrame(cols)
    scores.index.name = "path"
    table = pd.DataFrame(rows)
    weights = pd.Series(table["weight"].to_numpy(), index=table["id"], name="weight")
    if institution_type is None:
        institution_type = str(sim.catalog.meta.get("institution_type", "공기업(상장형)"))
    total = _total(weighted_total(scores.to_numpy(), weights.to_numpy()), weights, q,
                   institution_type=institution_type, peers=peers, shares=shares)
    return ScoreResult(
        year=year,
        table=table,
        total=total,
        scores=scores,
        skipped=skipped,
        threshold=float(threshold),
    )


def _check_options(sim: Simulation, year: Any, methods: Any, threshold: Any,
                   quantiles: Sequence[float]) -> tuple[int, dict, NDArray]:
    """The validated year, ``methods`` mapping and quantile levels of :func:`score_simulation`."""
    if not (isinstance(year, (int, np.integer)) and year in {int(y) for y in sim.years}):
        msg = (
            f"`year` must be a year of the simulation grid "
            f"{int(sim.years[0])}–{int(sim.years[-1])}; got {year!r}"
        )
        raise ScoringError(msg)
    if not is_finite_number(threshold):
        msg = f"`threshold` must be a finite number; got {threshold!r}"
        raise ScoringError(msg)
    methods = dict(methods or {})
    unknown = sorted(k for k in methods
                     if k not in sim.ids and k not in sim.grade_ids and k not in sim.skipped)
    if unknown:
        msg = f"`methods` names indicators not in the simulation: {unknown}"
        raise ScoringError(msg)
    q = np.asarray(quantiles, dtype=float)
    if q.shape != (3,) or np.any((q < 0) | (q > 1)):
        msg = f"`quantiles` must be 3 probabilities in [0, 1]; got {list(quantiles)}"
        raise ScoringError(msg)
    return int(year), methods, q


def _indicator_scores(sim: Simulation, ident: str, spec: ScoringSpec,
                      year: int) -> tuple[str, NDArray]:
    """(method used, per-path 평점 in [20, 100]) of one simulated indicator in ``year``."""
    ind = sim.indicator(ident)
    if ident in sim.grade_ids:
        if spec.method not in ("auto", "grade"):
            msg = f"a grade indicator is scored by method `grade`; got `{spec.method}`"
            raise ScoringError(msg)
        return "grade", _grade_scores(sim, ident, year, spec.points)
    method = _auto(ind, year) if spec.method == "auto" else spec.method
    if method == "grade":
        msg = "method `grade` is for grade indicators"
        raise ScoringError(msg)
    hist, years, j = _history(sim, ident, year)
    return method, np.clip(_score_paths(spec, method, ind, hist, years, j, year), _LOW, _HIGH)


def _nonquantitative_points(name: str, grade: str | float) -> float:
    """The 평점 of a 비계량 indicator given as a grade (:data:`GRADE_POINTS`) or a score."""
    value = GRADE_POINTS.get(grade, grade) if isinstance(grade, str) else grade
    if not (is_finite_number(value) and _LOW <= value <= _HIGH):
        msg = (
            f"non-quantitative `{name}`: the grade must be one of "
            f"{list(GRADE_POINTS)} or a 평점 in [20, 100]; got {grade!r}"
        )
        raise ScoringError(msg)
    return float(value)


def _qname(q: float) -> str:
    return f"q{round(100 * q):02d}"


def _row(
    ident: str,
    name: str,
    method: str,
    weight: float,
    s: NDArray,
    q: NDArray,
    threshold: float,
    *,
    observed: bool,
) -> dict[str, Any]:
    ok = s[np.isfinite(s)]
    qs = np.quantile(ok, q)
    mean = float(ok.mean())
    return {
        "id": ident,
        "name_ko": name,
        "method": method,
        "weight": float(weight),
        "mean": mean,
        "sd": float(ok.std(ddof=1)) if ok.size > 1 else 0.0,
        **{_qname(p): float(v) for p, v in zip(q, qs, strict=True)},
        "p_100": float(np.mean(ok >= _HIGH)),
        "p_ge": float(np.mean(ok >= threshold)),
        "points": float(weight) * mean,
        "observed": bool(observed),
        "n_paths": int(ok.size),
    }


def _declared_spec(ind: Any, default: Any, *, weighted: bool) -> ScoringSpec:
    """``default`` with the catalog's declared method and weight applied."""
    base = _as_spec(default if default is not None else "auto", ind.id)
    sc = ind.scoring
    weight = sc.weight if sc.weight is not None else (0.0 if weighted else base.weight)
    return dataclasses.replace(base, method=sc.method or base.method, weight=weight)


def _grade_scores(sim: Simulation, ident: str, year: int, points: Any) -> NDArray:
    """Per-path 평점 of a grade indicator's grade in ``year`` (NaN where unknown)."""
    from kpisim.models import grade_points

    ind = sim.indicator(ident)
    k = len(ind.scale)
    pts = grade_points(k) if points is None else np.asarray(points, dtype=float)
    if pts.shape != (k,):
        msg = f"`points` must give one 평점 per grade of the scale {list(ind.scale)}; got {k} ≠ "
        msg += f"{pts.size}"
        raise ScoringError(msg)
    j = int(np.searchsorted(sim.years, year))
    idx = sim.paths(ident).to_numpy(dtype=float)[:, j]
    ok = np.isfinite(idx)
    out = np.full(idx.shape, np.nan)
    out[ok] = pts[idx[ok].astype(np.int64)]
    return out


def _total(values: NDArray, weights: pd.Series, q: NDArray, *,
           institution_type: str = "공기업(상장형)", peers: Any = None,
           shares: Any = None) -> TotalScore:
    ok = values[np.isfinite(values)]
    if ok.size == 0:
        msg = "the weighted total is undefined on every path"
        raise ScoringError(msg)
    kind = _institution_type(institution_type)
    relative = INSTITUTION_TYPES[kind] == "relative"
    with_peers = relative and peers is not None and shares is not None
    grades = institution_grade(ok, kind if with_peers or not relative else "공기업(상장형)",
                               peers=peers, shares=shares)
    probs = pd.Series({g: float(np.mean(grades == g)) for g, _ in INSTITUTION_GRADES}, name="prob")
    return TotalScore(
        values=values,
        weights=weights,
        mean=float(ok.mean()),
        sd=float(ok.std(ddof=1)) if ok.size > 1 else 0.0,
        quantiles=pd.Series(np.quantile(ok, q), index=q, name="total"),
        grades=probs,
        n_paths=int(ok.size),
        institution_type=kind,
        grade_rule=institution_grade_rule(kind, relative=with_peers),
        grade_basis="absolute" if not relative else "relative" if with_peers else "reference",
    )
