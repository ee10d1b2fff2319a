"""The fan chart: the simulated quantile bands of one indicator with its targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker as mticker
from matplotlib.axes import Axes

from kpisim import _format as fmt
from kpisim import _style as style
from kpisim._chartdata import FanData, fan_data
from kpisim._units import unit_suffix
from kpisim._validation import SimulationError
from kpisim.plot._base import (
    _axes,
    _check_lang,
    _korean,
    _unit_label,
    numeric_id,
)


@_korean
def fan_chart(
    sim: Any,
    ident: str,
    *,
    ax: Axes | None = None,
    lang: str = "ko",
    rule_path: pd.Series | Mapping[int, float] | None = None,
    until: int | None = None,
    yscale: str = "auto",
) -> Axes:
    """Actuals, stated targets and the simulated fan of one indicator.

    Parameters
    ----------
    sim : Simulation
    ident : str
        Id of a simulated indicator.
    ax : Axes, optional
        Where to draw; a new figure when omitted.
    lang : {"ko", "en"}, default "ko"
    rule_path : Series or mapping of int to float, optional
        Targets recomputed from the indicator's rule, by year (for example
        the ``recomputed`` column of :func:`kpisim.rules.audit.audit`); drawn dashed.
    until : int, optional
        Last year drawn. By default the goal year (the furthest stated target
        within the simulation horizon): the plan period, not the whole grid.
    yscale : {"auto", "linear", "log"}, default "auto"
        ``auto`` uses a log axis when the fan spreads over more than a factor
        of 4 between its 10% and 90% quantiles (a count growing at an
        uncertain rate), where a linear axis would squash the targets.

    Returns
    -------
    Axes
        Median and 50/80/95% bands from the last actual to the horizon (from
        the kept paths); the goal (furthest stated target) is starred and its
        P(met) ± Monte Carlo standard error is in the legend.
    """
    t = _check_lang(lang)
    ident = numeric_id(sim, ident, "fan_chart")
    if yscale not in ("auto", "linear", "log"):
        msg = f"`yscale` must be 'auto', 'linear' or 'log'; got {yscale!r}"
        raise SimulationError(msg)
    if until is not None and (isinstance(until, bool) or not isinstance(until, int | np.integer)):
        msg = f"fan_chart: `until` must be a year (an integer); got {until!r}"
        raise SimulationError(msg)
    fan = fan_data(sim, ident, until=until)
    ax = _axes(ax, (6.4, 4.4))
    _draw_fan(ax, fan, t)
    rule = None
    if rule_path is not None:
        try:
            rule = pd.Series(rule_path, dtype=float).sort_index()
            rule.index = rule.index.astype(int)
        except (TypeError, ValueError) as e:
            msg = (f"fan_chart: `rule_path` must map years to numbers (a Series or a "
                   f"{{year: value}} mapping); got {type(rule_path).__name__}: {e}")
            raise SimulationError(msg) from e
        ax.plot(rule.index.astype(int), rule.to_numpy(), color=style.RULE, ls="--", lw=1.3,
                marker=".", label=t["rule"], zorder=3)
    goal_label = _draw_targets(ax, fan, sim.prob_meet(ids=[ident]).set_index("year"), t, lang)
    _fan_axes(ax, fan, t, lang, rule, yscale)
    _fan_legend(ax, t, goal_label)
    return ax


def _draw_fan(ax: Axes, fan: FanData, t: Mapping[str, Any]) -> None:
    """The 50/80/95% bands, the median and the actuals."""
    for (lo, hi), alpha, cover in style.FAN_BANDS:
        ax.fill_between(fan.years, fan.col(lo), fan.col(hi), color=style.FAN, alpha=alpha, lw=0,
                        label=t["band"].format(cover))
    ax.plot(fan.years, fan.col(0.5), color=style.FAN, lw=1.8, label=t["median"])
    ax.plot(fan.actual.index, fan.actual.to_numpy(), color=style.ACTUAL, marker="o", ms=5,
            lw=1.6, label=t["actual"], zorder=4)


def _draw_targets(ax: Axes, fan: FanData, probs: pd.DataFrame, t: Mapping[str, Any],
                  lang: str) -> str | None:
    """Stated targets (diamonds, each with its P), the starred goal; the goal's legend label."""
    goal, targets, ind = fan.goal, fan.targets, fan.indicator
    others = targets[[y != (goal[0] if goal else None) for y in targets.index]]
    if not others.empty:
        ax.scatter(others.index, others.to_numpy(), marker="D", s=36, facecolor="white",
                   edgecolor=style.TARGET, lw=1.6, label=t["target"], zorder=5)
    for year, value in targets.items():
        if year in probs.index and not probs.loc[year, "observed"] and year > fan.last_year:
            last = year >= fan.end  # at the right edge: the label goes to the left
            note = ax.annotate(f"P={fmt.pct(probs.loc[year, 'prob'], 0)}", (year, value),
                               xytext=(-7 if last else 7, 7), textcoords="offset points",
                               ha="right" if last else "left", fontsize=8, zorder=7,
                               color=style.GOAL if goal and year == goal[0] else style.TARGET,
                               bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8,
                                     "pad": 0.8})
            note.set_in_layout(False)  # inside the axes: not a margin to lay out
    if goal is None:
        return None
    gy, gv = goal
    label = t["goal_short"].format(year=gy)
    if gy in probs.index:
        row = probs.loc[gy]
        label = t["goal"].format(year=gy, value=fmt.with_unit(gv, ind.unit, lang),
                                 p=fmt.pct(row["prob"]), se=fmt.pp(row["se"], lang))
    ax.scatter([gy], [gv], marker="*", s=220, color=style.GOAL, edgecolor="white", lw=0.8,
               label=label, zorder=6)
    ax.axhline(gv, color=style.GOAL, lw=0.8, ls=":", zorder=1)
    return label


def _fan_axes(ax: Axes, fan: FanData, t: Mapping[str, Any], lang: str,
              rule: pd.Series | None, yscale: str) -> None:
    """Title, labels, the forecast line, limits and a log or focused linear y axis."""
    ind, end = fan.indicator, fan.end
    ax.axvline(fan.last_year, color="#777777", lw=0.8, ls=":", zorder=1)
    zone = ax.text(fan.last_year + 0.1, 0.98, t["forecast_zone"],
                   transform=ax.get_xaxis_transform(), ha="left", va="top", fontsize=8,
                   color="#555555")
    zone.set_in_layout(False)
    ax.set_title(fmt.name(ind, lang), loc="left", fontsize=12, pad=14)
    ax.set_xlabel(t["year"])
    ax.set_ylabel(_unit_label(ind.unit, lang))
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: fmt.num(v)))
    ax.set_xlim(min(fan.actual.index[0], fan.years[0]) - 0.4, end + 0.6)
    shown = [s for s in (fan.actual, fan.targets[fan.targets.index <= end],
                         *([] if rule is None else [rule[rule.index <= end]]))
             if s.notna().any()]  # no target (or rule year) up to `until`: nothing to show
    positive = min(float(np.nanmin(fan.col(0.025))), *(float(np.nanmin(s)) for s in shown)) > 0
    spread = float(np.nanmax(fan.col(0.9) / fan.col(0.1))) if positive else 1.0
    if yscale == "log" or (yscale == "auto" and positive and spread > 4):
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: fmt.num(v)))
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
        ax.set_ylabel((_unit_label(ind.unit, lang) + t["log_axis"]).strip())
    else:
        whole = ind.kind == "count"  # a quantile of a count is a whole number of things
        _focus_y(ax, t, fan.col, shown,
                 lambda v: fmt.num(round(v) if whole else v) + unit_suffix(ind.unit, lang))
    ax.grid(True, color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)


def _fan_legend(ax: Axes, t: Mapping[str, Any], goal_label: str | None) -> None:
    """The legend below the axes: goal, actual, targets, rule, median, bands."""
    order = [goal_label, t["actual"], t["target"], t["rule"], t["median"],
             *(t["band"].format(b) for b in (50, 80, 95))]
    handles = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    keep = [k for k in order if k in handles]
    ax.legend([handles[k] for k in keep], keep, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncols=2, fontsize=8, frameon=False)


def _focus_y(ax: Axes, t: dict[str, str], col: Any, series: list[pd.Series],
             label: Any) -> None:
    """Keep the y axis on the 80% band, actuals and targets.

    A heavy-tailed 95% band (a count growing at an uncertain rate) would
    otherwise squash everything else to the bottom; the cut-off part is
    named on the chart.
    """
    known = np.concatenate([np.asarray(s, dtype=float) for s in series] + [col(0.1), col(0.9)])
    known = known[np.isfinite(known)]
    lo, hi = float(known.min()), float(known.max())
    span = max(hi - lo, abs(hi) * 0.05, 1e-9)
    top, bottom = float(np.nanmax(col(0.975))), float(np.nanmin(col(0.025)))
    y0, y1 = ax.get_ylim()
    if top > hi + 0.6 * span:
        y1 = hi + 0.25 * span
        ax.text(0.99, 0.98, t["clipped_top"].format(label(top)), transform=ax.transAxes,
                ha="right", va="top", fontsize=7.5, color="#555555")
    if bottom < lo - 0.6 * span:
        y0 = lo - 0.25 * span
        ax.text(0.99, 0.02, t["clipped_bottom"].format(label(bottom)), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=7.5, color="#555555")
    if lo >= 0:  # counts, levels and shares never go below zero
        y0 = max(y0, 0.0)
    ax.set_ylim(y0, y1)
