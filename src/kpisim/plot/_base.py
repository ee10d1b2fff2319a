"""Fonts, labels and the helpers every chart uses: the Korean font, the texts, SVG output.
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
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.text import Text

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

    rc = {**_rc(), "svg.fonttype": "none", "svg.hashsalt": key}
    if "svg.id" in mpl.rcParams:  # matplotlib ≥ 3.9: the root <svg> gets the key as id
        rc["svg.id"] = key
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
    if font_family:  # matplotlib ≥ 3.10 writes font-family, earlier the font shorthand
        out = out.replace("font-family: ", f"font-family: {font_family}, ")
        out = re.sub(r"(font: [^;'\"]*?)(['\"])",
                     lambda m: f"{m.group(1)}{font_family}, {m.group(2)}", out)
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


def _add_colorbar(ax: Axes, cax: Axes) -> None:
    """Remember that ``cax`` is ``ax``'s colour bar, so its labels get the font too."""
    ax._kpisim_colorbars = (*_colorbars(ax), cax)


def _colorbars(ax: Axes) -> tuple[Axes, ...]:
    return getattr(ax, "_kpisim_colorbars", ())


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
            for cax in _colorbars(ax):
                _apply_font(cax)
            return ax

    return wrapper


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


def numeric_id(sim: Any, ident: Any, what: str) -> str:
    """``ident`` if it names a simulated numeric indicator of ``sim``; else a clear error.

    ``what`` names the chart in the message (e.g. ``"fan_chart"``).
    """
    from kpisim._validation import SimulationError

    if isinstance(ident, str) and ident in sim.ids:
        return ident
    if isinstance(ident, str) and ident in sim.grade_ids:
        msg = (f"{what}: `{ident}` is a grade indicator, which has no numeric paths to "
               f"draw; see sim.grade_probs('{ident}', year) and sim.first_hit()")
        raise SimulationError(msg)
    shown = ", ".join(sim.ids[:8]) + ("…" if len(sim.ids) > 8 else "")
    msg = f"{what}: no simulated indicator `{ident}`; simulated: {shown}"
    raise SimulationError(msg)
