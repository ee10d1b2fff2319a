"""Calibration backtest of the projection models on yearly series.

Two designs:

* **rolling origin** (default): at every origin of every series, each model is
  fitted on the past only (the last ``window`` actuals), simulates
  ``horizon`` years ahead and is scored against what happened. Every actual
  after the first ``min_train`` is an outcome of several origins, so there are
  many (dependent) cases per series.
* **hold-out** (``holdout=k``): the last ``k`` actuals of every series are held
  out and there is exactly one origin per series, the last training actual;
  each model forecasts the ``k`` held-out years (h = 1 … k, more with gaps)
  from the history before them. This is the competition (M1/M3/Tourism)
  protocol: fewer cases, none sharing an outcome.

Cases are scored on interval coverage, CRPS (original and log scale), PIT,
Brier scores of threshold events ("the value at horizon *h* reaches the origin
value grown by *x* %/yr") and sMAPE/MASE of the median. Scoring is vectorised
over all origins of a series; series can run in parallel processes.

Random numbers: every (series, model label, window, origin) draws from its own
stream ``SeedSequence(entropy, spawn_key=(*root_key, series, 0, label, window,
origin))`` and the scoring of every (series, label, window) (PIT tie-breaking)
from ``(..., series, 1, label, window)``, where *series* and *label* are
stable 64-bit BLAKE2 hashes of the series id and the model label. A model's
numbers therefore do not depend on which other models or windows are listed,
on their order, on ``n_jobs`` or on which other series are included.

>>> import numpy as np
>>> import pandas as pd
>>> from kpisim.backtest import backtest
>>> rng = np.random.default_rng(5)
>>> y = 100 * np.exp(np.cumsum(0.03 + 0.05 * rng.standard_normal((4, 12)), axis=1))
>>> data = {f"s{i}": pd.Series(y[i], index=range(2010, 2022)) for i in range(4)}
>>> res = backtest(data, ["auto", "plugin", "naive"], n_paths=200, rng=1)
>>> res.summary()[["model", "window", "n", "cover_80"]].shape
(3, 4)
>>> res.brier_skill("naive")[["model", "threshold"]].shape  # 2 models x 4 thresholds
(8, 2)
>>> out = backtest(data, ["auto", "naive0"], holdout=3, n_paths=200, rng=1)
>>> sorted(set(out.scores["origin"].tolist())), sorted(set(out.scores["h"].tolist()))
([2018], [1, 2, 3])

See ``docs/backtest.md`` for the results on the M1 and Tourism yearly series.
"""

from __future__ import annotations

from kpisim.backtest._result import BacktestResult, reliability_table
from kpisim.backtest._runner import backtest, catalog_series, cli_backtest, load_competition
from kpisim.backtest.verification import DEFAULT_LEVELS, DEFAULT_THRESHOLDS
from kpisim.models import NaiveDrift, NaiveLast

__all__ = [
    "DEFAULT_LEVELS",
    "DEFAULT_THRESHOLDS",
    "BacktestResult",
    "NaiveDrift",
    "NaiveLast",
    "backtest",
    "catalog_series",
    "cli_backtest",
    "load_competition",
    "reliability_table",
]
