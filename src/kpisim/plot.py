"""Plots of simulated goal attainment, labelled in Korean or English.

Every function draws on ``ax`` (a new figure when ``ax`` is None) and returns
the Axes. Labels are Korean (``lang="ko"``) or English (``lang="en"``;
indicator names fall back to Korean when a catalog gives no English name).

Korean text needs a font with Hangul glyphs. kpisim registers the NanumGothic
files shipped with koreanize-matplotlib (or a Korean system font) with
matplotlib's font manager and draws inside :func:`matplotlib.rc_context`, so
the global font settings are never changed; call :func:`use_korean_font` to
make the font the global default for your own plots as well.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib import ticker as mticker
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text

from kpisim import _format as fmt
from kpisim import _style as style
from kpisim._chartdata import FanData, fan_data, goal_of, quantiles
from kpisim._units import unit_suffix

__all__ = [
    "FanData",
    "attainment_heatmap",
    "fan_chart",
    "fan_data",
    "first_hit_histogram",
    "goal_of",
    "korean_font",
    "prob_curve_chart",
    "quantiles",
    "scenario_bars",
    "scenario_columns",
    "score_distribution",
    "score_pmf",
    "texts",
    "to_svg",
    "tornado",
    "use_korean_font",
]

_FALLBACK = "DejaVu Sans"
_SYSTEM_KOREAN = ("NanumGothic", "Malgun Gothic", "Apple SD Gothic Neo", "AppleGothic",
                  "Noto Sans CJK KR", "Noto Sans KR", "UnDotum", "Baekmuk Gulim")


_TEXT = {
    "ko": {
        "actual": "실적",
        "target": "목표치(문서)",
        "rule": "규칙으로 재계산한 목표",
        "median": "전망 중앙값",
        "band": "{}% 구간",
        "goal": "{year} 목표 {value}: P(달성) = {p} {se}",
        "goal_short": "{year} 목표",
        "year": "연도",
        "unit": "단위: {}",
        "p_met": "P(목표 달성)",
        "observed": "실적 확정 연도(확률 아님)",
        "met": "달성",
        "missed": "미달",
        "heatmap_title": "목표 연도별 달성 확률",
        "first_hit_title": "{name}\n목표 {goal} 최초 달성 연도",
        "never": "{year}년까지\n미달성",
        "share_paths": "경로 비율",
        "tornado_title": "가정별 민감도",
        "tornado_low": "낮은 값",
        "tornado_high": "높은 값",
        "tornado_base": "기준 P = {}",
        "drift": "연간 성장률 {lo} / {hi}",
        "volatility": "변동성 ×{lo} / ×{hi}",
        "start": "출발 수준 {lo} / {hi}",
        "correlation": "지표 간 상관 (독립 / 적용)",
        "scenario_title": "시나리오별 목표 달성 확률",
        "score_title": "평점 분포",
        "score": "평점",
        "prob": "확률",
        "expected": "E[평점] = {}",
        "p100": "P(100점) = {}",
        "forecast_zone": "전망",
        "log_axis": " (로그 눈금)",
        "clipped_top": "▲ 95% 구간 상단은 {}까지 (축 밖)",
        "clipped_bottom": "▼ 95% 구간 하단은 {}까지 (축 밖)",
        "curve_title": "가정한 성장률에 따른 달성 확률",
        "curve_title_goal": "{name}: {year} 목표 {value}",
        "curve_x": "가정한 연평균 성장률",
        "curve_line": "P(달성) (기준집단 사전분포, 성장률만 변경)",
        "curve_band": "±2 표준오차 (시뮬레이션 오차)",
        "required": "필요 성장률 {}/년",
        "prior_kind": {"reference class": "기준집단", "document": "문서 근거",
                       "related series": "관련 시계열", "market": "시장 전망"},
        "not_prior": " (참고, 범위 제외)",
    },
    "en": {
        "actual": "actual",
        "target": "stated target",
        "rule": "target recomputed from the rule",
        "median": "median projection",
        "band": "{}% interval",
        "goal": "{year} goal {value}: P(met) = {p} {se}",
        "goal_short": "{year} goal",
        "year": "year",
        "unit": "unit: {}",
        "p_met": "P(target met)",
        "observed": "year already observed (not a probability)",
        "met": "met",
        "missed": "missed",
        "heatmap_title": "Probability of meeting each year's target",
        "first_hit_title": "{name}\nfirst year the goal {goal} is reached",
        "never": "not by\n{year}",
        "share_paths": "share of paths",
        "tornado_title": "Sensitivity to assumptions",
        "tornado_low": "low value",
        "tornado_high": "high value",
        "tornado_base": "baseline P = {}",
        "drift": "growth per year {lo} / {hi}",
        "volatility": "volatility ×{lo} / ×{hi}",
        "start": "starting level {lo} / {hi}",
        "correlation": "correlation across indicators (none / as given)",
        "scenario_title": "P(target met) by scenario",
        "score_title": "Distribution of the score",
        "score": "score (평점)",
        "prob": "probability",
        "expected": "E[score] = {}",
        "p100": "P(100) = {}",
        "forecast_zone": "projection",
        "log_axis": " (log scale)",
        "clipped_top": "▲ 95% band reaches {} (off the chart)",
        "clipped_bottom": "▼ 95% band reaches {} (off the chart)",
        "curve_title": "P(goal met) against the assumed growth",
        "curve_title_goal": "{name}: {year} goal {value}",
        "curve_x": "assumed yearly growth",
        "curve_line": "P(met) (reference-class prior, growth changed only)",
        "curve_band": "±2 SE (Monte Carlo error)",
        "required": "required growth {}/yr",
        "prior_kind": {"reference class": "reference class", "document": "document",
                       "related series": "related series", "market": "market forecast"},
        "not_prior": " (shown, outside the range)",
    },
}

_UNIT_LABEL_EN = {
    "개": "count (개)",
    "개사": "firms (개사)",
    "억불": "100 million USD (억불)",
    "만불": "10 thousand USD (만불)",
    "억원": "100 million KRW (억원)",
    "조원": "trillion KRW (조원)",
    "명": "persons (명)",
    "건": "cases (건)",
    "점": "points (점)",
    "지수": "index (지수)",
    "수": "number (수)",
    "개/억원": "per 100 million KRW (개/억원)",
}


# ---------------------------------------------------------------- fonts
def _font_files() -> list[Path]:
    spec = importlib.util.find_spec("koreanize_matplotlib")  # locates it without importing
    for loc in (spec.submodule_search_locations or []) if spec else []:
        files = [Path(loc, "fonts", f) for f in ("NanumGothic.ttf", "NanumGothicBold.ttf")]
        if files[0].is_file():
            return [f for f in files if f.is_file()]
    return []


@functools.cache
def _korean_font() -> tuple[str | None, Path | None]:
    """Register a Korean font with matplotlib; return its family name and file."""
    files = _font_files()
    if files:
        for f in files:
            font_manager.fontManager.addfont(str(f))
        return font_manager.FontProperties(fname=str(files[0])).get_name(), files[0]
    installed = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for name in _SYSTEM_KOREAN:
        if name in installed:
            return name, Path(installed[name])
    return None, None


def _rc() -> dict[str, Any]:
    name, _ = _korean_font()
    families = [name, _FALLBACK] if name else [_FALLBACK]
    # text.parse_math off: a `$` in an indicator's name is text, never mathtext
    return {"font.family": families, "axes.unicode_minus": False, "text.parse_math": False}


def use_korean_font() -> str | None:
    """Make the Korean font matplotlib's global default (opt-in).

    kpisim's own plots never need this; it is for your other plots.

    Returns
    -------
    str or None
        The font family now first in ``rcParams["font.family"]``, or None
        when no Korean font was found.
    """
    mpl.rcParams.update(_rc())
    return _korean_font()[0]


def korean_font() -> tuple[str | None, Path | None]:
    """The Korean font kpisim draws with: its family name and file (None, None if none).

    The NanumGothic files shipped with koreanize-matplotlib (registered with
    matplotlib's font manager), else the first Korean system font found. The
    HTML report embeds a subset of this file, so its charts and its text use
    the same glyphs.
    """
    return _korean_font()


def texts(lang: str = "ko") -> Mapping[str, Any]:
    """The labels of the plots in ``lang`` (read-only), e.g. ``texts("en")["actual"]``."""
    return MappingProxyType(_check_lang(lang))


def to_svg(draw: Callable[[Axes], Any], figsize: tuple[float, float], *, key: str,
           font_family: str | None = None, css_class: str | None = None) -> str:
    """Draw ``draw(ax)`` on a fresh figure (no pyplot) and return it as inline SVG markup.

    Text stays text (``svg.fonttype: none``): sharp at any zoom, searchable,
    and shown in the page's own fonts. ``key`` makes the figure's internal
    ids (clip paths) unique within a page and the markup reproducible;
    ``font_family`` (a CSS family, e.g. an embedded web font) is put first in
    every text's font list; ``css_class`` is set on the root ``<svg>``. The
    markup has no XML prolog, no metadata, no date and no group names.
    """
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    rc = {**_rc(), "svg.fonttype": "none", "svg.hashsalt": key, "svg.id": key}
    with mpl.rc_context(rc):
        fig = Figure(figsize=figsize, dpi=72, layout="constrained")
        canvas = FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        ax._kpisim_font = rc["font.family"]  # its texts already have the Korean font
        draw(ax)
        buf = io.StringIO()
        canvas.print_svg(buf, metadata={"Date": None})
    out = buf.getvalue()
    out = out[out.index("<svg"):]
    out = re.sub(r"\s*<metadata>.*?</metadata>", "", out, count=1, flags=re.S)
    # matplotlib names every group ("figure_1", "axes_1", ...): the same names in every
    # figure, so not ids on a page of several; the salted clip-path and marker ids stay
    out = re.sub(r'\s+id="[\w.]+_\d+"', "", out)
    # inline in HTML the parser puts <svg> in its namespace: no xmlns (no URL in the page)
    out = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", out)
    if font_family:
        out = out.replace("font-family: ", f"font-family: {font_family}, ")
    if css_class:
        out = out.replace("<svg ", f'<svg class="{css_class}" ', 1)
    return out


def _apply_font(ax: Axes) -> None:
    """Give every text of ``ax`` the Korean font, including ticks drawn later.

    Needed when ``ax`` was created outside our rc context: its title, axis
    labels and tick labels were created with the global font then.
    """
    families = _rc()["font.family"]
    if getattr(ax, "_kpisim_font", None) == families:
        return  # created inside our rc context (e.g. by to_svg): nothing to change
    ax.tick_params(which="both", labelfontfamily=families)
    for text in ax.findobj(Text):
        text.set_fontfamily(families)


def _korean(func):
    """Run a plotting function inside the Korean-font rc context."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        # Resolve pyplot's backend *before* entering rc_context: a backend first
        # resolved inside it is reset on exit, after which Jupyter shows no
        # further figure in the session (matplotlib rc_context/backend issue).
        # (Not needed when drawing on a given Axes before pyplot is imported.)
        if kwargs.get("ax") is None or "matplotlib.pyplot" in sys.modules:
            import matplotlib.pyplot as plt

            plt.switch_backend(mpl.rcParams["backend"])
        with mpl.rc_context(_rc()):
            ax = func(*args, **kwargs)
            _apply_font(ax)
            for cax in getattr(ax, "_kpisim_colorbars", ()):
                _apply_font(cax)
            return ax

    return wrapper


# --------------------------------------------------------------- helpers
def _check_lang(lang: str) -> dict[str, str]:
    if lang not in _TEXT:
        msg = f"`lang` must be 'ko' or 'en'; got {lang!r}"
        raise ValueError(msg)
    return _TEXT[lang]


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _unit_label(unit: str, lang: str) -> str:
    t = _TEXT[lang]
    if unit in ("-", "", None):
        return ""
    return t["unit"].format(_UNIT_LABEL_EN.get(unit, unit) if lang == "en" else unit)


def _require_columns(frame: Any, columns: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        msg = f"`{what}` must be a DataFrame; got {type(frame).__name__}"
        raise TypeError(msg)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"`{what}` lacks column(s) {missing}; it has {list(frame.columns)}"
        raise ValueError(msg)
    return frame


# ------------------------------------------------------------- fan chart
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
    if yscale not in ("auto", "linear", "log"):
        msg = f"`yscale` must be 'auto', 'linear' or 'log'; got {yscale!r}"
        raise ValueError(msg)
    fan = fan_data(sim, ident, until=until)
    ax = _axes(ax, (6.4, 4.4))
    _draw_fan(ax, fan, t)
    rule = None
    if rule_path is not None:
        rule = pd.Series(rule_path, dtype=float).sort_index()
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
            note = ax.annotate(f"P={fmt.pct(probs.loc[year, 'prob'], 0)}", (year, value),
                               xytext=(7, 7), textcoords="offset points", fontsize=8, zorder=7,
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
    shown = [fan.actual, fan.targets[fan.targets.index <= end],
             *([] if rule is None else [rule[rule.index <= end]])]
    positive = min(float(np.nanmin(fan.col(0.025))), *(float(np.nanmin(s)) for s in shown)) > 0
    spread = float(np.nanmax(fan.col(0.9) / fan.col(0.1))) if positive else 1.0
    if yscale == "log" or (yscale == "auto" and positive and spread > 4):
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: fmt.num(v)))
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
        ax.set_ylabel((_unit_label(ind.unit, lang) + t["log_axis"]).strip())
    else:
        _focus_y(ax, t, fan.col, shown, lambda v: fmt.num(v) + unit_suffix(ind.unit, lang))
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


# --------------------------------------------------------------- heatmap
@_korean
def attainment_heatmap(
    sim: Any, *, ids: Sequence[str] | None = None, ax: Axes | None = None, lang: str = "ko"
) -> Axes:
    """P(target met) for each indicator (rows) and target year (columns).

    Parameters
    ----------
    sim : Simulation
    ids : sequence of str, optional
        Indicators to show, in this order; by default every simulated one,
        headline goals (★) first.
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
    if ids is None:
        ids = sorted(sim.ids, key=lambda i: not sim.catalog[i].tags.headline)
    ids = list(ids)
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
    ax._kpisim_colorbars = (cbar.ax,)
    if obs.to_numpy().any():
        ax.legend(handles=[Patch(facecolor="#e6e6e6", edgecolor="#9a9a9a", hatch="///",
                                 label=t["observed"])],
                  loc="upper left", bbox_to_anchor=(0, 0), fontsize=7.5, frameon=False)
    return ax


# ------------------------------------------------------ first-hit histogram
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


# ---------------------------------------------------------------- tornado
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


# ------------------------------------------------------ P vs assumed growth
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


# ---------------------------------------------------------- scenario bars
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


# ------------------------------------------------------- score distribution
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
