"""Tables of a backtest's scores frame and :class:`BacktestResult`, which holds them.

Private: :class:`BacktestResult` and :func:`reliability_table` are re-exported
by :mod:`kpisim.backtest`; the per-case scores come from
:func:`kpisim.backtest.verification.score_cases`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpisim._validation import KpisimError
from kpisim.backtest.verification import (
    DEFAULT_LEVELS,
    DEFAULT_THRESHOLDS,
    _label,
    brier_decomposition,
    reliability_bins,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["BacktestResult", "reliability_table"]


# ---------------------------------------------------- tables of a scores frame
def _groups(scores: pd.DataFrame, extra=()):
    return scores.groupby(["model", "window", *extra], observed=True, sort=True)


def reliability_frame(prob: ArrayLike, outcome: ArrayLike, *, bins: int = 10) -> pd.DataFrame:
    """Non-empty bins of :func:`reliability_bins` as a table with ``bin`` labels."""
    lower, mean_p, freq, count = reliability_bins(prob, outcome, bins=bins)
    upper = lower + 1.0 / bins
    labels = [f"[{a:.2g}, {b:.2g}{']' if i == bins - 1 else ')'}"
              for i, (a, b) in enumerate(zip(lower, upper, strict=True))]
    frame = pd.DataFrame({"bin": labels, "lower": lower, "mean_forecast": mean_p,
                          "observed": freq, "count": count})
    return frame[frame["count"] > 0].reset_index(drop=True)


def summary_frame(
    scores: pd.DataFrame, levels, thresholds, *, by: Sequence[str] = ("model", "window"),
) -> pd.DataFrame:
    """Aggregate cases by ``by``: n, coverage, CRPS, Brier per threshold, sMAPE, MASE.

    With the default ``by`` one row per (model, window) with ``series`` (how
    many series contributed); with ``"series_id"`` in ``by`` the raw mean
    ``crps`` is added (meaningful within one series) and ``series`` dropped.
    ``crps_log`` and ``heavy_tail`` (share of flagged cases) appear when the
    scores have those columns.
    """
    by = list(by)
    per_series = "series_id" in by
    s = scores.assign(crps_scaled=(scores["crps"] / scores["scale"]).where(scores["scale"] > 0))
    agg: dict = {"n": ("h", "size")}
    if not per_series:
        agg["series"] = ("series_id", "nunique")
    for lev in levels:
        agg[f"cover_{_label(lev)}"] = (f"cover_{_label(lev)}", "mean")
    if per_series:
        agg["crps"] = ("crps", "mean")
    agg["crps_scaled"] = ("crps_scaled", "mean")
    agg["crps_scaled_median"] = ("crps_scaled", "median")
    if "crps_log" in s.columns:
        agg["crps_log"] = ("crps_log", "mean")
    for x in thresholds:
        s[f"brier_{_label(x)}"] = (s[f"p_{_label(x)}"] - s[f"event_{_label(x)}"]) ** 2
        agg[f"brier_{_label(x)}"] = (f"brier_{_label(x)}", "mean")
    agg["smape"] = ("smape", "mean")
    agg["mase"] = ("ase", "mean")
    agg["mase_median"] = ("ase", "median")
    if "heavy_tail" in s.columns:
        s["heavy_tail"] = s["heavy_tail"].astype(np.float64)
        agg["heavy_tail"] = ("heavy_tail", "mean")
    return s.groupby(by, observed=True, sort=True).agg(**agg).reset_index()


def brier_skill_frame(
    scores: pd.DataFrame, thresholds, baseline: str, *, by_horizon: bool = False,
) -> pd.DataFrame:
    """Brier skill of every model against a baseline model on common cases.

    Cases are matched on (series_id, origin, window, h) (an inner join), and
    per (model, window[, h], threshold)

    .. math:: \\mathrm{BSS} = 1 - \\mathrm{BS}_{model} / \\mathrm{BS}_{baseline}

    with both Brier scores averaged over the same matched cases (NaN when the
    baseline's is 0). Positive is better than the baseline.
    """
    present = sorted({str(m) for m in pd.unique(scores["model"])})
    if baseline not in present:
        msg = (
            f"baseline {baseline!r} was not run; available model labels: {present}. "
            "Include it in `models=` of the backtest."
        )
        raise KpisimError(msg)
    keys = ["series_id", "origin", "window", "h"]
    p_cols = [f"p_{_label(x)}" for x in thresholds]
    e_cols = [f"event_{_label(x)}" for x in thresholds]
    is_base = (scores["model"] == baseline).to_numpy()
    base = scores.loc[is_base, keys + p_cols]
    base = base.rename(columns={c: f"{c}_base" for c in p_cols})
    other = scores.loc[~is_base, ["model", *keys, *p_cols, *e_cols]]
    j = other.merge(base, on=keys, how="inner", validate="many_to_one")
    group = ["model", "window", *(["h"] if by_horizon else [])]
    rows = []
    for x, p, e in zip(thresholds, p_cols, e_cols, strict=True):
        o = j[e].astype(np.float64)
        part = pd.DataFrame({k: j[k] for k in group}).assign(
            brier=(j[p] - o) ** 2, brier_baseline=(j[f"{p}_base"] - o) ** 2)
        g = part.groupby(group, observed=True, sort=True).agg(
            n=("brier", "size"), brier=("brier", "mean"),
            brier_baseline=("brier_baseline", "mean")).reset_index()
        g.insert(len(group), "threshold", float(x))
        rows.append(g)
    columns = [*group, "threshold", "n", "brier", "brier_baseline", "skill"]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.concat(rows, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        bb = out["brier_baseline"].to_numpy(np.float64)
        out["skill"] = np.where(bb > 0, 1.0 - out["brier"].to_numpy(np.float64) / bb, np.nan)
    return out.sort_values([*group, "threshold"], kind="stable").reset_index(drop=True)[columns]


def horizon_frame(scores: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean of ``column`` by (model, window) rows and horizon columns ``h1, h2, ...``."""
    out = _groups(scores, ("h",))[column].mean().unstack("h")
    out.columns = [f"h{h}" for h in out.columns]
    return out


def coverage_frame(scores: pd.DataFrame, levels) -> pd.DataFrame:
    """Coverage by horizon; rows (model, window, level)."""
    parts = {_label(lev): horizon_frame(scores, f"cover_{_label(lev)}") for lev in levels}
    out = pd.concat(parts, names=["level"]).reorder_levels(["model", "window", "level"])
    return out.sort_index(level=["model", "window"], sort_remaining=False)


def brier_frame(scores: pd.DataFrame, thresholds, *, bins: int = 10) -> pd.DataFrame:
    """Brier decomposition and skill vs the base rate, per (model, window, threshold)."""
    rows = []
    for (model, window), g in _groups(scores):
        for x in thresholds:
            o = g[f"event_{_label(x)}"]
            d = brier_decomposition(g[f"p_{_label(x)}"], o, bins=bins)
            skill = 1.0 - d.brier / d.uncertainty if d.uncertainty > 0 else float("nan")
            rows.append({"model": model, "window": window, "threshold": x,
                         "base_rate": float(o.mean()), **d._asdict(), "skill": skill})
    return pd.DataFrame(rows)


def pit_frame(scores: pd.DataFrame, *, bins: int = 10) -> pd.DataFrame:
    """PIT histogram densities; rows (model, window), columns the bins' lower edges."""
    edges = np.linspace(0.0, 1.0, bins + 1)

    def dens(v):
        return pd.Series(np.histogram(v, bins=edges)[0] / max(len(v), 1) * bins,
                         index=[f"{a:.2g}" for a in edges[:-1]])

    return _groups(scores)["pit"].apply(dens).unstack()


def common_mask(scores: pd.DataFrame, pairs) -> NDArray[np.bool_]:
    """Rows of the given (model, window) pairs whose case (series, origin, h) all pairs have."""
    in_pairs = np.zeros(len(scores), dtype=bool)
    for model, window in pairs:
        in_pairs |= ((scores["model"] == model) & (scores["window"] == window)).to_numpy()
    sub = scores[in_pairs]
    n = sub.groupby(["series_id", "origin", "h"], observed=True)["h"].transform("size")
    mask = np.zeros(len(scores), dtype=bool)
    mask[np.flatnonzero(in_pairs)] = (n == len(pairs)).to_numpy()
    return mask


# ---------------------------------------------------------- the result object
def window_label(w: Any) -> str:
    """"all" for None, 0 or "all"; otherwise the training window as a string."""
    return "all" if w in (None, 0, "all") else str(int(w))


def reliability_table(prob: ArrayLike, outcome: ArrayLike, *, bins: int = 10) -> pd.DataFrame:
    """Reliability-diagram table of probability forecasts of a binary event.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin: ``bin`` (``"[0.1, 0.2)"``), ``lower``,
        ``mean_forecast``, ``observed`` (relative frequency) and ``count``.
    """
    return reliability_frame(prob, outcome, bins=bins)


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Scores of a :func:`kpisim.backtest.backtest` run and the tables built from them.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per case: ``series_id``, ``model``, ``window`` ("all" or the
        number of actuals), ``origin`` (year of the last training actual),
        ``n_train``, ``h``, ``y`` (outcome), ``y0`` (origin value), ``scale``
        (MASE denominator: mean absolute yearly change over *all* actuals to the
        origin, so it does not depend on the window), ``median``, ``crps``
        (fair estimator), ``crps_log`` (CRPS of log paths against the log
        outcome; NaN where a path or the outcome is ≤ 0), ``heavy_tail``
        (True where the paths suggest a predictive without a finite mean: a
        non-finite path, or an absolute sample mean above 10⁶ × the absolute
        sample median), ``pit``,
        ``cover_<l>`` and ``width_<l>`` (interval width / origin value) per
        level, ``p_<x>`` and ``event_<x>`` per threshold (x in %), ``smape``
        (%), ``ase`` (absolute error / scale).
    skipped : pandas.DataFrame
        Series left out and why (``series_id``, ``reason``).
    refusals : pandas.DataFrame
        Cases a model refused (too short, non-positive values, numerical
        failure): ``series_id``, ``origin``, ``window``, ``model``, ``error``.
    settings : dict
        The run's options, number of series and run time in seconds.
    """

    scores: pd.DataFrame
    skipped: pd.DataFrame
    refusals: pd.DataFrame
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def _levels(self) -> tuple[float, ...]:
        return tuple(self.settings.get("levels", DEFAULT_LEVELS))

    @property
    def _thresholds(self) -> tuple[float, ...]:
        return tuple(self.settings.get("thresholds", DEFAULT_THRESHOLDS))

    def summary(self) -> pd.DataFrame:
        """One row per model and window: coverage, scaled CRPS, Brier, sMAPE, MASE.

        ``crps_scaled`` is CRPS / scale (MASE's denominator), so series of
        different magnitudes weigh alike; cases with a zero scale are left out
        of it and of ``mase``. Means are over cases; ``crps_scaled_median``
        and ``mase_median`` are medians over cases, robust to the few
        explosive extrapolations that dominate the means. ``crps_log`` is the
        mean log-scale CRPS over the cases where it is defined (positive
        paths and outcome) and ``heavy_tail`` the share of flagged cases.
        """
        return summary_frame(self.scores, self._levels, self._thresholds)

    def by_series(self) -> pd.DataFrame:
        """One row per (series_id, model, window): the summary's aggregations per series.

        Columns ``series_id``, ``model``, ``window``, ``n`` (cases),
        ``cover_<l>`` per level, ``crps`` (mean CRPS in the series' units),
        ``crps_scaled``, ``crps_scaled_median``, ``crps_log``, ``brier_<x>``
        per threshold, ``smape``, ``mase``, ``mase_median`` and
        ``heavy_tail``, computed as in :meth:`summary`. Useful to find the
        series a model fails on; with few cases per series the coverages are
        coarse.
        """
        return summary_frame(self.scores, self._levels, self._thresholds,
                             by=("series_id", "model", "window"))

    def brier_skill(self, baseline: str = "naive", *, by_horizon: bool = False) -> pd.DataFrame:
        """Brier skill score of each model against a baseline model run alongside.

        ``1 − BS_model / BS_baseline`` per model, window and threshold (and
        horizon with ``by_horizon``), both Brier scores averaged over the
        same cases: the inner join of the model's and the baseline's cases on
        (series_id, origin, window, h). Positive means better than the
        baseline; NaN when the baseline's Brier score is 0.

        Parameters
        ----------
        baseline : str, default "naive"
            Model label of the reference (e.g. ``"naive"``, ``"naive0"``).
        by_horizon : bool, default False
            One row per horizon ``h`` as well.

        Returns
        -------
        pandas.DataFrame
            Columns ``model``, ``window``, (``h``), ``threshold``, ``n``
            (matched cases), ``brier``, ``brier_baseline``, ``skill``; the
            baseline itself is left out.

        Raises
        ------
        KpisimError
            If ``baseline`` was not run (the message lists the labels).
        """
        return brier_skill_frame(self.scores, self._thresholds, baseline,
                                 by_horizon=by_horizon)

    def by_horizon(self, column: str) -> pd.DataFrame:
        """Mean of a score column by model and window (rows) and horizon (columns)."""
        return horizon_frame(self.scores, column)

    def coverage(self) -> pd.DataFrame:
        """Empirical coverage of each central interval by horizon; rows (model, window, level)."""
        return coverage_frame(self.scores, self._levels)

    def brier(self, *, bins: int = 10) -> pd.DataFrame:
        """Brier score of each threshold event, its binned decomposition and skill.

        ``skill`` is 1 − brier / uncertainty: the Brier skill score against
        the constant forecast of the observed base rate (known only in
        hindsight, so a demanding reference).
        """
        return brier_frame(self.scores, self._thresholds, bins=bins)

    def reliability(
        self, model: str, *, window: int | str | None = None, threshold: float = 0.0,
        bins: int = 10,
    ) -> pd.DataFrame:
        """Reliability-diagram table (see :func:`reliability_table`) of one model's events."""
        g = self.scores[(self.scores["model"] == model)
                        & (self.scores["window"] == window_label(window))]
        return reliability_table(g[f"p_{_label(threshold)}"], g[f"event_{_label(threshold)}"],
                                 bins=bins)

    def pit_histogram(self, *, bins: int = 10) -> pd.DataFrame:
        """PIT histogram as densities (1 everywhere when calibrated); rows (model, window)."""
        return pit_frame(self.scores, bins=bins)

    def common(self, keys: Sequence[tuple[str, Any] | str] | None = None) -> BacktestResult:
        """Keep the cases (series, origin, h) that every given (model, window) scored.

        ``keys`` are ``(model, window)`` pairs or model names (window "all");
        default every model and window present. Comparisons of scores are only
        fair on common cases.
        """
        s = self.scores
        if keys is None:
            keys = list(s.groupby(["model", "window"], observed=True).groups)
        pairs = {(k, "all") if isinstance(k, str) else (k[0], window_label(k[1])) for k in keys}
        mask = common_mask(s, pairs)
        return dataclasses.replace(self, scores=s[mask].reset_index(drop=True))
