"""The other charts: attainment heatmap, first hits, tornado, P vs growth, scenarios, scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import ticker as mticker
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle

from kpisim import _format as fmt
from kpisim import _style as style
from kpisim._validation import SimulationError
from kpisim.plot._base import (
    _add_colorbar,
    _axes,
    _check_lang,
    _korean,
    _require_columns,
    numeric_id,
)


@_korean
def attainment_heatmap(
    sim: Any, *, ids: Sequence[str] | None = None, ax: Axes | None = None, lang: str = "ko"
) -> Axes:
    """P(target met) for each indicator (rows) and target year (columns).

    Parameters
    ----------
    sim : Simulation
    ids : sequence of str, optional
        Indicators to show, in this order; by default every simulated one
        (grade indicators included), headline goals (★) first.
    ax : Axes, optional
    lang : {"ko", "en"}, default "ko"

    Returns
    -------
    Axes
        Cells are annotated in percent and blank where no target is stated.
        Years whose actual is already known are hatched grey and marked
        met/missed: they are facts, not probabilities.
    """
    t = _check_lang(lang)
    if ids is None:  # every indicator with a probability, grade goals included
        ids = sorted([*sim.ids, *sim.grade_ids], key=lambda i: not sim.catalog[i].tags.headline)
    ids = [ids] if isinstance(ids, str) else list(ids)
    if not ids:
        msg = "attainment_heatmap: `ids` is empty; give at least one indicator id (or None)"
        raise SimulationError(msg)
    ids = [i if isinstance(i, str) and i in sim.grade_ids
           else numeric_id(sim, i, "attainment_heatmap") for i in ids]
    probs = sim.prob_meet(ids=ids)
    years = sorted(int(y) for y in probs["year"].unique())
    p = probs.pivot(index="id", columns="year", values="prob").reindex(index=ids, columns=years)
    obs = (probs.pivot(index="id", columns="year", values="observed")
           .reindex(index=ids, columns=years).fillna(False).astype(bool))
    ax = _axes(ax, (3.8 + 0.75 * len(years), 1.2 + 0.32 * len(ids)))

    values = p.to_numpy(dtype=float)
    shown = np.ma.masked_invalid(np.where(obs.to_numpy(), np.nan, values))
    cmap = ListedColormap(style.HEAT).with_extremes(bad="white")  # 10%-wide bands
    im = ax.imshow(shown, cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    for i in range(len(ids)):
        for j in range(len(years)):
            v = values[i, j]
            if np.isnan(v):
                continue
            if obs.iat[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#e6e6e6",
                                       edgecolor="#9a9a9a", hatch="///", lw=0))
                ax.text(j, i, t["met"] if v >= 0.5 else t["missed"], ha="center",
                        va="center", fontsize=7.5, color="#333333")
                continue
            r, g, b, _ = cmap(v)
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            ax.text(j, i, fmt.pct(v, 0) if 0.005 <= v <= 0.995 else ("<1%" if v < 0.5 else ">99%"),
                    ha="center", va="center", fontsize=7.5, color="white" if dark else "black")
    labels = [("★ " if sim.catalog[i].tags.headline else "")
              + fmt.short(fmt.name(sim.catalog[i], lang)) for i in ids]
    ax.set_yticks(range(len(ids)), labels=labels, fontsize=8)
    ax.set_xticks(range(len(years)), labels=[str(y) for y in years], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(-0.5, len(years)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(ids)), minor=True)
    ax.grid(which="minor", color="white", lw=1.2)
    n_head = sum(bool(sim.catalog[i].tags.headline) for i in ids)
    if 0 < n_head < len(ids) and all(sim.catalog[i].tags.headline for i in ids[:n_head]):
        ax.axhline(n_head - 0.5, color="#444444", lw=1.0)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(which="major", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(t["heatmap_title"], loc="left", fontsize=11)
    cbar = ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.02, shrink=min(1.0, 8 / len(ids)))
    cbar.ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
    cbar.set_label(t["p_met"], fontsize=8)
    cbar.ax.tick_params(labelsize=7)
    _add_colorbar(ax, cbar.ax)
    if obs.to_numpy().any():
        ax.legend(handles=[Patch(facecolor="#e6e6e6", edgecolor="#9a9a9a", hatch="///",
                                 label=t["observed"])],
                  loc="upper left", bbox_to_anchor=(0, 0), fontsize=7.5, frameon=False)
    return ax


@_korean
def first_hit_histogram(
    sim: Any, ident: str, *, ax: Axes | None = None, lang: str = "ko"
) -> Axes:
    """When is the goal (the furthest stated target) first reached?

    Parameters
    ----------
    sim : Simulation
    ident : str
    ax : Axes, optional
    lang : {"ko", "en"}, default "ko"

    Returns
    -------
    Axes
        One bar per year (share of paths first meeting the goal that year)
        and a grey bar for the paths that never meet it by the horizon.
    """
    t = _check_lang(lang)
    ident = numeric_id(sim, ident, "first_hit_histogram")
    ind = sim.catalog[ident]
    fh = sim.first_hit()
    fh = fh[fh["id"] == ident]
    goal = float(fh["goal"].iloc[0])
    last_year = int(ind.observed.index[-1])
    never_mask = fh["year"].isna().to_numpy()
    by_year = fh[~never_mask]
    by_year = by_year[(by_year["year"].astype(int) > last_year) | (by_year["prob"] > 0)]
    horizon = int(sim.years[-1])
    ax = _axes(ax, (6.0, 3.6))
    labels = [str(int(y)) for y in by_year["year"]] + [t["never"].format(year=horizon)]
    heights = np.concatenate(
        [by_year["prob"].to_numpy(float), fh[never_mask]["prob"].to_numpy(float)]
    )
    colors = [style.FAN] * len(by_year) + [style.NEVER]
    x = np.append(np.arange(len(labels) - 1), len(labels) - 0.4)  # set the last bar apart
    ax.bar(x, heights, color=colors, width=0.7)
    for xi, h in zip(x, heights, strict=True):
        if h >= 0.005:
            ax.text(xi, h, fmt.pct(h, 0), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, labels=labels, fontsize=8)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
    ax.set_ylabel(t["share_paths"])
    ax.set_ylim(0, max(0.05, float(heights.max()) * 1.15))
    ax.set_title(t["first_hit_title"].format(name=fmt.name(ind, lang),
                                             goal=fmt.with_unit(goal, ind.unit, lang)),
                 loc="left", fontsize=11)
    ax.grid(True, axis="y", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return ax


def _tornado_label(row: Any, t: dict[str, str]) -> str:
    name, lo, hi = str(row.assumption), float(row.low), float(row.high)
    if name == "drift":
        return t["drift"].format(lo=f"{100 * lo:+.1f}%p", hi=f"{100 * hi:+.1f}%p")
    if name == "volatility":
        return t["volatility"].format(lo=f"{lo:g}", hi=f"{hi:g}")
    if name == "start":
        return t["start"].format(lo=f"{100 * lo:+.0f}%", hi=f"{100 * hi:+.0f}%")
    if name == "correlation":
        return t["correlation"]
    return f"{name} ({lo:g} / {hi:g})"


@_korean
def tornado(
    sensitivity_frame: pd.DataFrame,
    *,
    ax: Axes | None = None,
    lang: str = "ko",
    title: str | None = None,
) -> Axes:
    """Tornado chart of a :func:`kpisim.sensitivity` table.

    Parameters
    ----------
    sensitivity_frame : DataFrame
        Columns ``assumption, low, high, p_low, p_high, p_base``.
    ax : Axes, optional
    lang : {"ko", "en"}, default "ko"
    title : str, optional
        Defaults to "가정별 민감도" / "Sensitivity to assumptions".

    Returns
    -------
    Axes
        One row per assumption, largest swing on top; bars run from the
        baseline P to P at the assumption's low and high values.
    """
    t = _check_lang(lang)
    frame = _require_columns(
        sensitivity_frame, ["assumption", "low", "high", "p_low", "p_high", "p_base"],
        "sensitivity_frame",
    )
    frame = frame.assign(_swing=(frame["p_high"] - frame["p_low"]).abs())
    frame = frame.sort_values("_swing", kind="stable")
    ax = _axes(ax, (6.4, 1.4 + 0.55 * len(frame)))
    base = float(frame["p_base"].iloc[0])
    y = np.arange(len(frame))
    for col, color, label in (("p_low", "#e08214", t["tornado_low"]),
                              ("p_high", "#2c6fbb", t["tornado_high"])):
        vals = frame[col].to_numpy(float)
        ax.barh(y, vals - base, left=base, height=0.6, color=color, label=label)
        for yi, v in zip(y, vals, strict=True):
            ax.text(v, yi, f" {fmt.pct(v)} ", va="center", fontsize=8,
                    ha="left" if v >= base else "right")
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(y, labels=[_tornado_label(r, t) for r in frame.itertuples()], fontsize=8.5)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
    lo = min(base, float(frame[["p_low", "p_high"]].min().min()))
    hi = max(base, float(frame[["p_low", "p_high"]].max().max()))
    pad = max(0.08, 0.25 * (hi - lo))
    ax.set_xlim(max(0.0, lo - pad), min(1.0, hi + pad))
    ax.set_xlabel(t["p_met"])
    ax.set_title(title or t["tornado_title"], loc="left", fontsize=11)
    ax.legend(title=t["tornado_base"].format(fmt.pct(base)), fontsize=8, title_fontsize=8,
              loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2, frameon=False)
    ax.grid(True, axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return ax


_C_KIND = {"reference class": style.FAN, "document": style.TARGET, "related series": style.RULE,
           "market": "#1a7f37"}


_M_KIND = {"reference class": "o", "document": "D", "related series": "s", "market": "^"}


@_korean
def prob_curve_chart(
    curve: pd.DataFrame,
    *,
    evidence: pd.DataFrame | None = None,
    ax: Axes | None = None,
    lang: str = "ko",
    title: str | None = None,
) -> Axes:
    """P(goal met) against the yearly growth assumed (a :func:`kpisim.goals.prob_curve`).

    Parameters
    ----------
    curve : DataFrame
        Columns ``rate, prob`` and optionally ``se`` (drawn as a ±2 SE band).
    evidence : DataFrame, optional
        A :func:`kpisim.goals.goal_evidence` table of the same goal: each
        prior is marked at its assumed growth and P, coloured by kind
        (reference class, document, related series, market; hollow when it is
        outside the prior range), and the required growth is a vertical line.
    ax : Axes, optional
    lang : {"ko", "en"}, default "ko"
    title : str, optional
        Defaults to "가정한 성장률에 따른 달성 확률" / "P(goal met) against
        the assumed growth".

    Returns
    -------
    Axes
    """
    t = _check_lang(lang)
    frame = _require_columns(curve, ["rate", "prob"], "curve")
    frame = frame[np.isfinite(frame["prob"].to_numpy(float))].sort_values("rate")
    ax = _axes(ax, (6.4, 4.2))
    x = frame["rate"].to_numpy(float)
    p = frame["prob"].to_numpy(float)
    if "se" in frame:
        se = frame["se"].to_numpy(float)
        ax.fill_between(x, np.clip(p - 2 * se, 0, 1), np.clip(p + 2 * se, 0, 1), color=style.FAN,
                        alpha=0.2, lw=0, label=t["curve_band"])
    ax.plot(x, p, color=style.FAN, lw=1.8, label=t["curve_line"])
    if evidence is not None:
        ev = _require_columns(evidence, ["prior", "kind", "assumed_rate", "prob"], "evidence")
        if "required_rate" in ev and len(ev):
            req = float(ev["required_rate"].iloc[0])
            ax.axvline(req, color=style.GOAL, lw=1.2, ls="--",
                       label=t["required"].format(fmt.pct(req)))
        for r in ev[np.isfinite(ev["prob"].to_numpy(float))].itertuples():
            inside = bool(getattr(r, "as_prior", True))
            color = _C_KIND.get(r.kind, style.NEVER)
            ax.scatter([r.assumed_rate], [r.prob], marker=_M_KIND.get(r.kind, "o"), s=42,
                       facecolor=color if inside else "white", edgecolor=color, lw=1.4,
                       zorder=5, label=t["prior_kind"].get(r.kind, r.kind)
                       + ("" if inside else t["not_prior"]))
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.set_xlabel(t["curve_x"])
    ax.set_ylabel(t["p_met"])
    ax.set_title(title or t["curve_title"], loc="left", fontsize=11)
    ax.grid(True, color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    handles = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    ax.legend(list(handles.values()), list(handles), loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=8, frameon=False)
    return ax


def scenario_columns(frame: pd.DataFrame) -> list[str]:
    """The scenario columns of a :func:`kpisim.compare` table (not ids, years, targets, SEs)."""
    return [c for c in frame.columns
            if c not in ("id", "year", "target") and not str(c).endswith(" se")]


@_korean
def scenario_bars(
    compare_frame: pd.DataFrame,
    *,
    ax: Axes | None = None,
    lang: str = "ko",
    names: Mapping[str, str] | None = None,
) -> Axes:
    """P(target met) under each scenario, side by side (a :func:`kpisim.compare` table).

    Parameters
    ----------
    compare_frame : DataFrame
        Columns ``id, year, target``, one probability column per scenario and
        optionally ``"<scenario> se"`` columns (drawn as 95% error bars).
    ax : Axes, optional
    lang : {"ko", "en"}, default "ko"
    names : mapping of str to str, optional
        Display names of the indicator ids (e.g. ``{i.id: i.name_ko for i in
        catalog.values()}``); ids are shown otherwise.

    Returns
    -------
    Axes
    """
    t = _check_lang(lang)
    frame = _require_columns(compare_frame, ["id", "year"], "compare_frame")
    scenarios = scenario_columns(frame)
    if not scenarios:
        msg = f"`compare_frame` has no scenario column; it has {list(frame.columns)}"
        raise ValueError(msg)
    names = dict(names or {})
    rows = [f"{fmt.short(names.get(r.id, r.id), 22)} ({int(r.year)})" for r in frame.itertuples()]
    n, k = len(frame), len(scenarios)
    ax = _axes(ax, (6.4, 1.3 + n * (0.3 + 0.18 * k)))
    height = 0.8 / k
    colors = mpl.colormaps["tab10"].colors
    for j, s in enumerate(scenarios):
        y = np.arange(n)[::-1] + (k - 1 - 2 * j) * height / 2
        p = frame[s].to_numpy(float)
        se = frame[f"{s} se"].to_numpy(float) if f"{s} se" in frame else None
        ax.barh(y, p, height=height * 0.9, color=colors[j % 10], label=str(s),
                xerr=None if se is None else 1.96 * se, error_kw={"lw": 0.8, "capsize": 2})
        ends = p if se is None else p + 1.96 * np.nan_to_num(se)
        for yi, v, end in zip(y, p, ends, strict=True):
            ax.text(min(end, 1.0) + 0.01, yi, fmt.pct(v, 0), va="center", fontsize=7.5)
    ax.set_yticks(np.arange(n)[::-1], labels=rows, fontsize=8)
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_locator(mticker.FixedLocator(np.linspace(0, 1, 6)))
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
    ax.set_xlabel(t["p_met"])
    ax.set_title(t["scenario_title"], loc="left", fontsize=11)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=min(k, 3),
              frameon=False)
    ax.grid(True, axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return ax


def score_pmf(scores: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """(values, probabilities, discrete) of a score sample or distribution."""
    if isinstance(scores, pd.DataFrame):
        frame = _require_columns(scores, ["score", "prob"], "scores")
        values = frame["score"].to_numpy(float)
        probs = frame["prob"].to_numpy(float)
        if (probs < 0).any() or not np.isclose(probs.sum(), 1.0, atol=1e-6):
            msg = f"`scores.prob` must be non-negative and sum to 1; got sum {probs.sum():.6g}"
            raise ValueError(msg)
        discrete = True
    else:
        values = np.asarray(scores, dtype=float).ravel()
        if values.size == 0:
            raise ValueError("`scores` is empty")
        probs = np.full(values.size, 1.0 / values.size)
        discrete = np.unique(values).size <= 30
    if np.isnan(values).any() or (values < 20).any() or (values > 100).any():
        msg = (f"`scores` must lie in [20, 100] (평점); got values from "
               f"{np.nanmin(values):g} to {np.nanmax(values):g}")
        raise ValueError(msg)
    return values, probs, discrete


@_korean
def score_distribution(
    scores: Any, *, ax: Axes | None = None, lang: str = "ko", title: str | None = None
) -> Axes:
    """Distribution of an evaluation score (평점, 20–100) with E[평점] and P(100).

    Parameters
    ----------
    scores : array_like or DataFrame
        Simulated scores (one per path), or a distribution with columns
        ``score`` and ``prob``.
    ax : Axes, optional
    lang : {"ko", "en"}, default "ko"
    title : str, optional

    Returns
    -------
    Axes
    """
    t = _check_lang(lang)
    values, probs, discrete = score_pmf(scores)
    ax = _axes(ax, (6.0, 3.6))
    if discrete:
        frame = pd.DataFrame({"v": values, "p": probs}).groupby("v")["p"].sum()
        width = 0.8 * min(5.0, float(np.diff(frame.index).min())) if len(frame) > 1 else 4.0
        ax.bar(frame.index, frame.to_numpy(), width=width, color=style.FAN)
    else:
        ax.hist(values, bins=np.arange(17.5, 105, 5), weights=probs, color=style.FAN,
                edgecolor="white")
    mean = float(np.sum(values * probs))
    p100 = float(probs[np.isclose(values, 100.0)].sum())
    ax.axvline(mean, color=style.GOAL, lw=1.2, ls="--")
    ax.text(0.02, 0.95,
            t["expected"].format(f"{mean:.1f}") + "\n" + t["p100"].format(fmt.pct(p100)),
            transform=ax.transAxes, va="top", fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "#bbbbbb", "boxstyle": "round"})
    ax.set_xlim(15, 105)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
    ax.set_xlabel(t["score"])
    ax.set_ylabel(t["prob"])
    ax.set_title(title or t["score_title"], loc="left", fontsize=11)
    ax.grid(True, axis="y", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return ax
