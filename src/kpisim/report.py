"""Reports of a simulation: one self-contained HTML file, Markdown and Excel.

:func:`report` writes a single HTML file that opens anywhere without a
network: CSS is inline; the headline charts are matplotlib figures written as
inline SVG whose text stays text (drawn in two forked worker processes where
the platform allows); the heatmap is an HTML table and the other indicators'
fan charts and the first-hit bars are small inline SVG drawn here; and the
Korean glyphs the page uses are embedded as a subset of NanumGothic (SIL Open
Font License), so the page — charts included — looks the same on a machine
without Korean fonts.

matplotlib is imported only when :func:`report` draws its figures: the
Markdown and Excel reports do without it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import html
import io
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpisim import _format as fmt
from kpisim import _style as style
from kpisim._chartdata import FanData, fan_data, quantiles
from kpisim._messages import check_lang, in_lang, keys, text
from kpisim._safeio import atomic_write, neutralise_cell, write_text
from kpisim._summary import summary

__all__ = ["report", "report_excel", "report_markdown"]

#: The CSS family of the embedded font (also first in the charts' text).
_FONT = "kpisim-ko"


class _Texts(dict):
    """``_T[lang]``: the report's texts from the message catalogue (``report.*`` keys),
    built on first use. ``report.<name>.<i>`` keys form lists (table headers),
    ``report.<name>.<label>`` keys form mappings (labels)."""

    def __missing__(self, lang: str) -> dict[str, Any]:
        check_lang(lang)
        out: dict[str, Any] = {}
        for key in keys():
            if not key.startswith("report."):
                continue
            name, _, sub = key[len("report."):].partition(".")
            if not sub:
                out[name] = text(key, lang)
            elif sub.isdigit():
                out.setdefault(name, {})[int(sub)] = text(key, lang)
            else:
                out.setdefault(name, {})[sub] = text(key, lang)
        for name, v in out.items():
            if isinstance(v, dict) and v and all(isinstance(k, int) for k in v):
                out[name] = [v[i] for i in sorted(v)]
        self[lang] = out
        return out


_T: dict[str, dict[str, Any]] = _Texts()

_SKIP_KO = (
    (r"grade indicators are scored, not simulated numerically",
     "등급 지표는 수치로 시뮬레이션하지 않고 평점으로 평가합니다"),
    (r"no actual value to start from", "출발점이 될 실적 값이 없습니다"),
    (r"no stated numeric target", "수치로 된 목표가 없습니다"),
    (r"its last actual \((\d+)\) is not before `until=(\d+)`",
     r"마지막 실적(\1년)이 전망 마지막 연도(\2년)보다 앞서지 않습니다"),
)

_CSS = """
body{font-family:"kpisim-ko","Malgun Gothic","Apple SD Gothic Neo","Noto Sans KR",
 "Noto Sans CJK KR",sans-serif;color:#1b1b1b;max-width:1120px;margin:0 auto;padding:24px;
 line-height:1.55;font-size:15px;background:#fff}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.25em;border-bottom:2px solid #2c6fbb;
 padding-bottom:.2em;margin-top:2.2em}h3{font-size:1.05em;margin:1.4em 0 .4em}
.meta,.note,figcaption,.orig{color:#555;font-size:.88em}.orig{display:block}
table{border-collapse:collapse;margin:.6em 0 1em;font-size:.86em;width:100%}
th,td{border:1px solid #d6d6d6;padding:4px 7px;vertical-align:top;text-align:left}
th{background:#eef3fa}tr:nth-child(even) td{background:#fafafa}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.nowrap{white-space:nowrap}
.good{color:#1a7f37;font-weight:bold}.bad{color:#b42318;font-weight:bold}
.card{border:1px solid #d6d6d6;border-left:4px solid #c0122b;border-radius:4px;padding:6px 14px;
 margin:1em 0}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));
 gap:18px 14px}.grid figure.wide{grid-column:1/-1}
.grid.small{grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}svg.fan{width:100%;height:auto;font-family:inherit}svg.hist{width:480px;max-width:100%;height:auto;font-family:inherit;vertical-align:top}figcaption.name{color:#1b1b1b;font-weight:bold}
svg.chart{width:100%;max-width:640px;height:auto;vertical-align:top}
figure.wide svg.chart{width:540px;max-width:100%}
table.heat{width:auto;font-size:.8em}table.heat th,table.heat td{padding:2px 6px}
.heat td{text-align:center;min-width:3.4em;white-space:nowrap;font-variant-numeric:tabular-nums}
.heat td.none{background:#fff}.heat th.name{font-weight:normal;background:#fff;white-space:nowrap}
.heat td.obs{background:repeating-linear-gradient(135deg,#e6e6e6 0 4px,#c4c4c4 4px 5px);color:#333}
.heat tr.last-head th,.heat tr.last-head td{border-bottom:2px solid #444}
.heatkey{font-size:.8em;color:#555;margin:.2em 0 1em}.heatkey span{display:inline-block;
 min-width:2.6em;text-align:center;padding:1px 0}.heatkey .obs{margin-left:1em;padding:1px 6px;
 background:repeating-linear-gradient(135deg,#e6e6e6 0 4px,#c4c4c4 4px 5px)}
figure{margin:0;page-break-inside:avoid}img{max-width:100%;height:auto}
nav ol{columns:2}@media print{nav{display:none}h2{page-break-before:auto}}
"""

_SCRIPT = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  document.body.dataset.imagesTotal = imgs.length;
  document.body.dataset.imagesLoaded = imgs.filter(function (i) {
    return i.complete && i.naturalWidth > 0; }).length;
  document.body.dataset.charts = document.querySelectorAll("svg.chart").length;
  if (document.fonts) { document.fonts.ready.then(function () {
    var n = 0;
    document.fonts.forEach(function (f) {
      if (f.family.replace(/"/g, "") === "kpisim-ko" && f.status === "loaded") { n += 1; } });
    document.body.dataset.fontLoaded = n; }); }
});
"""


# -------------------------------------------------------------- formatting
def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _path_text(values: Any, derived: bool = False) -> str:
    """A target path by year: stated values as written, ``derived`` ones (recomputed from a
    rule) as a plan prints figures (:func:`kpisim._format.num`)."""
    if not isinstance(values, Mapping):
        return "" if values is None else str(values)
    show = fmt.num if derived else fmt.stated
    return " · ".join(
        f"'{int(y) % 100:02d} {show(v) if isinstance(v, (int, float)) else v}"
        for y, v in values.items()
    )


def _table(
    header: list[str], rows: list[list[Any]], num: Any = (), nowrap: Any = ()
) -> str:
    """An HTML table; cells are escaped unless wrapped in :class:`_Raw`.

    Columns in ``num`` are right-aligned numbers; those in ``nowrap`` never wrap.
    """
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            cell = c.html if isinstance(c, _Raw) else _e(c)
            cls = "num" if i in num else "nowrap" if i in nowrap else ""
            cells.append(f'<td class="{cls}">{cell}</td>' if cls else f"<td>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Raw:
    """HTML already escaped by the caller."""

    def __init__(self, html_text: str) -> None:
        self.html = html_text


def _skip_reason(reason: str, lang: str) -> _Raw:
    if lang == "ko":
        for pattern, ko in _SKIP_KO:
            if re.fullmatch(pattern, reason):
                return _Raw(_e(re.sub(pattern, ko, reason)))
    return _Raw(_e(reason))


def _name(sim: Any, ident: str, lang: str) -> str:
    ind = sim.catalog[ident] if ident in sim.catalog else None
    return ident if ind is None else fmt.name(ind, lang)


def _ordered_ids(sim: Any) -> list[str]:
    return sorted(sim.ids, key=lambda i: not sim.catalog[i].tags.headline)


@functools.cache
def _plot_texts(lang: str) -> Mapping[str, Any]:
    """The chart labels of :mod:`kpisim.plot` (imports matplotlib on first use)."""
    from kpisim import plot

    return plot.texts(lang)


# ----------------------------------------------------------------- figures
#: A figure of the page: ``(kind, args)``, drawn by ``_DRAW[kind](sim, *args)`` on an Axes.
#: Specs hold only small picklable data: a forked worker has the simulation already.
Spec = tuple[str, tuple[Any, ...]]
_PLACEHOLDER = "\x00kpisim-fig-{}\x00"
_PLACEHOLDER_RE = re.compile("\x00kpisim-fig-(\\d+)\x00")
#: The simulation being reported on, inherited by the forked workers.
_SIM: Any = None
_LOCK = threading.RLock()


def _draw_spec(sim: Any, spec: Spec, ax: Any) -> Any:
    from kpisim import plot

    kind, args = spec
    if kind == "fan":
        ident, lang, rule_path = args
        return plot.fan_chart(sim, ident, ax=ax, lang=lang, rule_path=rule_path)
    if kind == "curve":
        curve, goal_ev, lang, title = args
        return plot.prob_curve_chart(curve, evidence=goal_ev, ax=ax, lang=lang, title=title)
    if kind == "scores":
        scores, lang, title = args
        return plot.score_distribution(scores, ax=ax, lang=lang, title=title)
    if kind == "scenarios":
        frame, lang, names = args
        return plot.scenario_bars(frame, ax=ax, lang=lang, names=names)
    msg = f"unknown figure kind {kind!r}"
    raise ValueError(msg)


def _render_spec(spec: Spec, figsize: tuple[float, float] | None, i: int) -> str:
    """Figure ``i`` of the page as inline SVG, its text in the embedded font.

    A spec without a size is a part of the page drawn without matplotlib (the
    small multiples), built the same way wherever it runs.
    """
    from kpisim import plot

    if figsize is None:
        kind, args = spec
        if kind != "multiples":
            msg = f"unknown page part {kind!r}"
            raise ValueError(msg)
        return _multiples(_SIM, *args)
    return plot.to_svg(functools.partial(_draw_spec, _SIM, spec), figsize, key=f"kpisim-fig{i}",
                       font_family=f"'{_FONT}'", css_class="chart")


class _Figures:
    """The matplotlib figures of one report, drawn while the rest of the page is built.

    Each figure is handed to one of two forked worker processes as soon as its
    data is known (``fork`` shares the simulation with them without pickling
    it; drawing holds the GIL, so threads would not help), and
    :meth:`collect` gathers the SVG in page order. Where ``fork`` is not
    available (Windows, macOS default), or starting the workers fails
    (Python ≥ 3.12 warns about forking a process with threads; under
    ``-W error`` that is an error), or a worker fails or takes more than two
    minutes, the figures concerned are drawn here: the same markup, as every
    figure's ids come from its place on the page.
    """

    def __init__(self, sim: Any) -> None:
        import multiprocessing
        import os

        global _SIM
        _SIM = sim
        self.specs: list[tuple[Spec, tuple[float, float] | None]] = []
        self.pending: list[Any] = []
        self.pool = None
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        if n > 1 and "fork" in multiprocessing.get_all_start_methods():
            _warm_up()  # the workers inherit matplotlib, its fonts and caches
            try:
                self.pool = multiprocessing.get_context("fork").Pool(2)
            except Exception:  # no workers: draw here
                self.pool = None

    def add(self, spec: Spec, figsize: tuple[float, float] | None) -> str:
        """Queue a figure; its placeholder in the page."""
        i = len(self.specs)
        self.specs.append((spec, figsize))
        job = None
        if self.pool is not None:
            try:
                job = self.pool.apply_async(_render_spec, (spec, figsize, i))
            except Exception:  # a spec that does not pickle: draw it here
                job = None
        self.pending.append(job)
        return _PLACEHOLDER.format(i)

    def collect(self, progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Every figure's SVG, in the order added."""
        out = []
        try:
            for i, ((spec, figsize), job) in enumerate(zip(self.specs, self.pending,
                                                           strict=True)):
                svg = None
                if job is not None:
                    try:
                        svg = job.get(timeout=120)
                    except Exception:  # a worker failed or hung: draw here
                        svg = None
                out.append(svg if svg is not None else _render_spec(spec, figsize, i))
                if progress is not None:
                    progress(len(out), len(self.specs))
        finally:
            self.close()
        return out

    def close(self) -> None:
        global _SIM
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        _SIM = None


def _warm_up() -> None:
    """Import matplotlib's SVG backend and register the Korean font (before forking)."""
    from matplotlib.backends import backend_svg  # noqa: F401

    from kpisim import plot

    plot.korean_font()


#: The figures of the report being built (set by :func:`report`).
_FIGS: _Figures | None = None


def _figure(spec: Spec, figsize: tuple[float, float] | None) -> str:
    """The inline SVG of a figure (a placeholder while :func:`report` builds the page)."""
    if _FIGS is not None:
        return _FIGS.add(spec, figsize)
    return _render_spec(spec, figsize, 0)  # pragma: no cover - report() sets _FIGS


def _report_date() -> str:
    """Today, or the day of ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):  # out of range: ignore it
            pass
    return _dt.date.today().isoformat()


# --------------------------------------------------------- inline SVG charts
def _nice_ticks(lo: float, hi: float, n: int = 4) -> np.ndarray:
    """Round tick values in ``[lo, hi]`` about ``n`` intervals apart (1, 2, 2.5, 5 × 10^k)."""
    span = hi - lo
    if not np.isfinite(span) or span <= 0:
        return np.array([lo])
    raw = span / n
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    ticks = np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)
    return ticks[(ticks >= lo - 1e-12) & (ticks <= hi + 1e-12)]


def _log_ticks(lo: float, hi: float) -> np.ndarray:
    """1, 2, 5 × 10^k ticks in ``[lo, hi]`` (``lo > 0``), at most five."""
    ticks = np.array([m * 10.0 ** k for k in range(int(np.floor(np.log10(lo))),
                                                   int(np.ceil(np.log10(hi))) + 1)
                      for m in (1.0, 2.0, 5.0)])
    ticks = ticks[(ticks >= lo) & (ticks <= hi)]
    if len(ticks) > 5:
        ticks = ticks[:: int(np.ceil(len(ticks) / 5))]
    return ticks


class _Frame:
    """The y range and the data → pixel mapping of one small SVG fan chart."""

    W, H, LEFT, RIGHT, TOP, BOTTOM = 300.0, 180.0, 46.0, 8.0, 8.0, 20.0

    def __init__(self, fan: FanData, rule: pd.Series | None) -> None:
        col = fan.col
        shown_t = fan.targets[fan.targets.index <= fan.end]
        known = np.concatenate([fan.actual.to_numpy(float), shown_t.to_numpy(float), col(0.1),
                                col(0.9), *([] if rule is None else [rule.to_numpy(float)])])
        known = known[np.isfinite(known)]
        positive = known.size > 0 and known.min() > 0 and float(np.nanmin(col(0.025))) > 0
        self.log = positive and float(np.nanmax(col(0.9) / col(0.1))) > 4
        lo, hi = (float(known.min()), float(known.max())) if known.size else (0.0, 1.0)
        if self.log:
            lo, hi = np.log10(lo), np.log10(hi)
        span = max(hi - lo, abs(hi) * 0.05, 1e-9)
        lo, hi = lo - 0.08 * span, hi + 0.08 * span
        if not self.log and float(known.min(initial=0.0)) >= 0:
            lo = max(lo, 0.0)
        self.lo, self.hi = lo, hi
        self.x0 = min(int(fan.actual.index[0]), fan.last_year) - 0.4
        self.x1 = fan.end + 0.4

    def x(self, v: Any) -> np.ndarray:
        return self.LEFT + (np.asarray(v, float) - self.x0) / (self.x1 - self.x0) * (
            self.W - self.LEFT - self.RIGHT)

    def y(self, v: Any) -> np.ndarray:
        v = np.asarray(v, float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(np.where(v > 0, v, np.nan))
        return self.TOP + (self.hi - v) / (self.hi - self.lo) * (self.H - self.TOP - self.BOTTOM)

    def points(self, xs: Any, ys: Any) -> str:
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(self.x(xs), self.y(ys), strict=True)
                        if np.isfinite(a) and np.isfinite(b))

    def ticks(self) -> np.ndarray:
        if self.log:
            return _log_ticks(10**self.lo, 10**self.hi)
        return _nice_ticks(self.lo, self.hi)


def _svg_fan(fan: FanData, lang: str, rule_path: pd.Series | None = None) -> str:
    """A small inline SVG fan chart: actuals, targets, the goal and the 50/80/95% bands.

    The same elements as :func:`kpisim.plot.fan_chart` without the legend (the
    section's note names them), drawn as SVG text so the many non-headline
    indicators cost no matplotlib figure; the y axis is logarithmic when the
    fan spreads over more than a factor 4 between its 10% and 90% quantiles,
    as there.
    """
    rule = (None if rule_path is None else pd.Series(rule_path, dtype=float).sort_index()
            .loc[lambda r: r.index <= fan.end])
    f = _Frame(fan, rule)
    w, h, left, right, top, bottom = f.W, f.H, f.LEFT, f.RIGHT, f.TOP, f.BOTTOM
    out = [f'<svg class="fan" viewBox="0 0 {w:g} {h:g}" role="img" '
           f'><title>{_e(fmt.name(fan.indicator, lang))}</title>']
    for v in f.ticks():
        y = float(f.y(v))
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#e5e5e5" stroke-width="0.6"/><text x="{left - 3}" y="{y + 3:.1f}" '
                   f'font-size="9" text-anchor="end" fill="#555">{_e(fmt.num(v))}</text>')
    step = 1 if fan.end - f.x0 <= 9 else 2
    for yr in range(int(np.ceil(f.x0)), fan.end + 1, step):
        out.append(f'<text x="{float(f.x(yr)):.1f}" y="{h - 6}" font-size="9" '
                   f'text-anchor="middle" fill="#555">\'{yr % 100:02d}</text>')
    # a nested <svg> clips what it holds to the plot area (no url() reference needed)
    pw, ph = w - left - right, h - top - bottom
    out.append(f'<svg x="{left}" y="{top}" width="{pw}" height="{ph}" '
               f'viewBox="{left} {top} {pw} {ph}" overflow="hidden">')
    out += _svg_fan_marks(fan, f, rule)
    out.append("</svg>")
    lx = float(f.x(fan.last_year))
    out.append(f'<line x1="{lx:.1f}" x2="{lx:.1f}" y1="{top}" y2="{h - bottom}" stroke="#777" '
               'stroke-width="0.8" stroke-dasharray="1,2"/>')
    if f.log:
        out.append(f'<text x="{w - right}" y="{top + 8}" font-size="8" text-anchor="end" '
                   f'fill="#555">{_e(_plot_texts(lang)["log_axis"].strip(" ()"))}</text>')
    out.append("</svg>")
    return "".join(out)


def _svg_fan_marks(fan: FanData, f: _Frame, rule: pd.Series | None) -> list[str]:
    """The bands, median, goal line, rule, actuals and targets of :func:`_svg_fan`."""
    left, w, right = f.LEFT, f.W, f.RIGHT
    years, col = fan.years, fan.col
    out = []
    for (a, b), alpha, _ in style.FAN_BANDS:
        poly = f.points(np.concatenate([years, years[::-1]]), np.concatenate([col(a),
                                                                             col(b)[::-1]]))
        out.append(f'<polygon points="{poly}" fill="{style.FAN}" fill-opacity="{alpha}"/>')
    out.append(f'<polyline points="{f.points(years, col(0.5))}" fill="none" '
               f'stroke="{style.FAN}" stroke-width="1.6"/>')
    if fan.goal is not None:
        gy = float(f.y(fan.goal[1]))
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{gy:.1f}" y2="{gy:.1f}" '
                   f'stroke="{style.GOAL}" stroke-width="0.8" stroke-dasharray="2,2"/>')
    if rule is not None and len(rule):
        out.append(f'<polyline points="{f.points(rule.index, rule.to_numpy())}" fill="none" '
                   f'stroke="{style.RULE}" stroke-width="1.2" stroke-dasharray="4,2"/>')
    actual = fan.actual
    out.append(f'<polyline points="{f.points(actual.index, actual.to_numpy())}" fill="none" '
               f'stroke="{style.ACTUAL}" stroke-width="1.5"/>')
    for cx, cy in zip(f.x(actual.index), f.y(actual.to_numpy()), strict=True):
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.6" fill="{style.ACTUAL}"/>')
    for yr, v in fan.targets[fan.targets.index <= fan.end].items():
        cx, cy = float(f.x(yr)), float(f.y(v))
        if not (np.isfinite(cx) and np.isfinite(cy)):
            continue
        if fan.goal is not None and int(yr) == fan.goal[0]:
            star = " ".join(
                f"{cx + r * np.sin(k * np.pi / 5):.1f},{cy - r * np.cos(k * np.pi / 5):.1f}"
                for k, r in zip(range(10), [6.5, 2.7] * 5, strict=True))
            out.append(f'<polygon points="{star}" fill="{style.GOAL}" stroke="#fff" '
                       'stroke-width="0.6"/>')
        else:
            out.append(f'<polygon points="{cx:.1f},{cy - 3.6:.1f} {cx + 3.6:.1f},{cy:.1f} '
                       f'{cx:.1f},{cy + 3.6:.1f} {cx - 3.6:.1f},{cy:.1f}" fill="#fff" '
                       f'stroke="{style.TARGET}" stroke-width="1.3"/>')
    return out


def _svg_first_hit(sim: Any, ident: str, lang: str, first_hit: pd.DataFrame) -> str:
    """Inline SVG of :func:`kpisim.plot.first_hit_histogram`: the year the goal is first met.

    One bar per year (the share of paths first meeting the goal that year) and a
    grey bar, set apart, for the paths that never meet it by the horizon.
    ``first_hit`` is ``sim.first_hit()``.
    """
    t = _plot_texts(lang)
    ind = sim.catalog[ident]
    fh = first_hit[first_hit["id"] == ident]
    goal = float(fh["goal"].iloc[0])
    last_year = int(ind.observed.index[-1])
    never = fh["year"].isna().to_numpy()
    by_year = fh[~never]
    by_year = by_year[(by_year["year"].astype(int) > last_year) | (by_year["prob"] > 0)]
    horizon = int(sim.years[-1])
    labels = [f"{int(y)}" for y in by_year["year"]] + [
        t["never"].format(year=horizon).replace("\n", " ")]
    heights = np.concatenate([by_year["prob"].to_numpy(float), fh[never]["prob"].to_numpy(float)])
    top = max(0.05, float(heights.max()) * 1.15)
    w, h, left, right, head, bottom = 480.0, 300.0, 44.0, 8.0, 46.0, 34.0
    bw = (w - left - right) / (len(labels) + 0.6)
    title = t["first_hit_title"].format(name=fmt.name(ind, lang),
                                        goal=fmt.with_unit(goal, ind.unit, lang)).split("\n")
    out = [f'<svg class="hist" viewBox="0 0 {w:g} {h:g}" role="img" '
           f'><title>{_e(" ".join(title))}</title>']
    for k, line in enumerate(title):
        out.append(f'<text x="{left}" y="{16 + 17 * k}" font-size="{13 if k == 0 else 12}" '
                   f'font-weight="{"bold" if k == 0 else "normal"}">{_e(line)}</text>')

    def y_of(v: float) -> float:
        return head + (1 - v / top) * (h - head - bottom)

    grid = (np.linspace(0, top, 5)[:-1] if top <= 0.2
            else np.arange(0, top, 0.1 if top <= 0.6 else 0.2))
    for v in grid:
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y_of(v):.1f}" y2="{y_of(v):.1f}" '
                   f'stroke="#e5e5e5" stroke-width="0.6"/><text x="{left - 3}" '
                   f'y="{y_of(v) + 3:.1f}" font-size="9" text-anchor="end" fill="#555">'
                   f'{100 * v:.0f}%</text>')
    for k, (label, value) in enumerate(zip(labels, heights, strict=True)):
        last = k == len(labels) - 1
        x = left + (k + (0.6 if last else 0) + 0.15) * bw
        colour = style.NEVER if last else style.FAN
        out.append(f'<rect x="{x:.1f}" y="{y_of(value):.1f}" width="{0.7 * bw:.1f}" '
                   f'height="{y_of(0) - y_of(value):.1f}" fill="{colour}"/>')
        cx = x + 0.35 * bw
        if value >= 0.005:
            out.append(f'<text x="{cx:.1f}" y="{y_of(value) - 3:.1f}" font-size="9" '
                       f'text-anchor="middle">{_e(fmt.pct(value, 0))}</text>')
        out.append(f'<text x="{cx:.1f}" y="{h - bottom + 13}" font-size="9" '
                   f'text-anchor="middle" fill="#555">{_e(label)}</text>')
    mid = f"{(head + h - bottom) / 2:.0f}"
    out.append(f'<text x="12" y="{mid}" font-size="9" fill="#555" text-anchor="middle" '
               f'transform="rotate(-90 12 {mid})">{_e(t["share_paths"])}</text></svg>')
    return "".join(out)


def _heat_table(sim: Any, probs: pd.DataFrame, lang: str) -> str:
    """P(target met) by indicator (rows) and target year (columns), as a coloured table.

    The content of :func:`kpisim.plot.attainment_heatmap`: cells in 10%-wide
    colour bands (:data:`kpisim._style.HEAT`), blank where no target is
    stated, years already observed hatched grey and marked met/missed (facts,
    not probabilities); headline goals (★) first, set apart by a rule.
    """
    t = _plot_texts(lang)
    ids = _ordered_ids(sim)
    years = sorted(int(y) for y in probs["year"].unique())
    p = probs.pivot(index="id", columns="year", values="prob").reindex(index=ids, columns=years)
    obs = (probs.pivot(index="id", columns="year", values="observed")
           .reindex(index=ids, columns=years).fillna(False).astype(bool))
    values, observed = p.to_numpy(dtype=float), obs.to_numpy()
    n_head = sum(bool(sim.catalog[i].tags.headline) for i in ids)
    rows = []
    for i, ident in enumerate(ids):
        ind = sim.catalog[ident]
        label = ("★ " if ind.tags.headline else "") + fmt.short(fmt.name(ind, lang))
        cells = [f'<th class="name" title="{_e(fmt.name(ind, lang))}">{_e(label)}</th>']
        for j in range(len(years)):
            v = values[i, j]
            if np.isnan(v):
                cells.append('<td class="none"></td>')
            elif observed[i, j]:
                cells.append(f'<td class="obs">{_e(t["met"] if v >= 0.5 else t["missed"])}</td>')
            else:
                colour, dark = style.heat_colour(v)
                shown = fmt.pct(v, 0) if 0.005 <= v <= 0.995 else ("<1%" if v < 0.5 else ">99%")
                cells.append(f'<td style="background:{colour};color:{"#fff" if dark else "#000"}"'
                             f">{_e(shown)}</td>")
        cls = ' class="last-head"' if 0 < n_head < len(ids) and i == n_head - 1 else ""
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    head = "".join(f"<th>{y}</th>" for y in years)
    key = "".join(
        f'<span style="background:{c};color:{"#fff" if style.heat_colour(k / 10)[1] else "#000"}"'
        f">{10 * k}–{10 * k + 10}%</span>" for k, c in enumerate(style.HEAT))
    obs_key = (f'<span class="obs">{_e(t["observed"])}</span>' if observed.any() else "")
    return (f'<table class="heat"><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="heatkey">{_e(t["p_met"])} {key}{obs_key}</p>')


# -------------------------------------------------------------------- font
#: Options of the subset; part of the cache key (a change makes new cache files).
_SUBSET_VERSION = "woff-names12-noTSI-keepbbox-1"


def _cache_dir() -> Path | None:
    """Where font subsets are kept between runs: ``$KPISIM_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/kpisim`` or ``~/.cache/kpisim``; None when
    ``KPISIM_CACHE_DIR`` is empty (no cache)."""
    import os

    env = os.environ.get("KPISIM_CACHE_DIR")
    if env is not None:
        return Path(env) if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kpisim"


@functools.lru_cache(maxsize=8)
def _font_subset(path: str, size: int, mtime: float, chars: str) -> str:
    """The WOFF subset of font file ``path`` covering ``chars``, base64.

    Cached per process and, as a file named by the hash of its inputs (font
    file, fontTools version, options, characters), between runs (see
    :func:`_cache_dir`): a report of the same catalog reuses it. A cache that
    cannot be read or written is ignored; the subset is then made here, the
    same bytes either way.
    """
    import hashlib

    import fontTools

    key = hashlib.sha256("\x00".join([path, str(size), repr(mtime), fontTools.version,
                                       _SUBSET_VERSION, chars]).encode()).hexdigest()
    where = _cache_dir()
    cached = None if where is None else where / f"font-{key[:32]}.woff.b64"
    if cached is not None:
        try:
            data = cached.read_text(encoding="ascii")
            if data and re.fullmatch(r"[A-Za-z0-9+/=]+", data):
                return data
        except (OSError, UnicodeDecodeError):
            pass
    data = _make_subset(path, chars)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            write_text(cached, data)
        except OSError:  # a read-only home: no cache, same subset
            pass
    return data


def _make_subset(path: str, chars: str) -> str:
    """Subset the font: the glyphs are copied as they are (no bounding boxes
    recomputed: the subset's outlines are the font's own), which keeps it cheap."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = [1, 2]  # family and style names only
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]  # hinting sources
    font = TTFont(path, recalcTimestamp=False, recalcBBoxes=False)  # byte-reproducible
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _font_face(page_text: str) -> str:
    """@font-face with the subset of the Korean font covering ``page_text``."""
    from kpisim import plot

    _, path = plot.korean_font()
    if path is None or path.suffix.lower() not in (".ttf", ".otf"):
        return ""
    try:
        import fontTools  # noqa: F401
    except ImportError:  # pragma: no cover - fontTools ships with matplotlib
        return ""
    stat = path.stat()
    data = _font_subset(str(path), stat.st_size, stat.st_mtime,
                        "".join(sorted(set(page_text))))
    return (f'@font-face{{font-family:"{_FONT}";font-display:swap;'
            f'src:url(data:font/woff;base64,{data}) format("woff")}}')


# ---------------------------------------------------------------- sections
def _fitted_text(sim: Any, ident: str, lang: str = "ko") -> tuple[str, str]:
    fitted = sim.fitted(ident)
    describe = getattr(fitted, "describe", None)
    return str(getattr(fitted, "model", type(fitted).__name__)), (
        in_lang(describe(), lang) if callable(describe) else repr(fitted)
    )


def _summary_rows(frame: pd.DataFrame, lang: str) -> list[list[Any]]:
    rows = []
    for r in frame.itertuples():
        rows.append([
            ("★ " if r.headline else "") + str(r.name),
            int(r.year),
            fmt.shown(r.target, r.unit, lang),
            f"{fmt.shown(r.last_actual, r.unit, lang)} ('{int(r.last_year) % 100:02d})",
            fmt.pct(r.prob), fmt.pp(r.se, lang), fmt.ci(r.ci_low, r.ci_high), r.progress_class,
            r.model,
        ])
    return rows


#: Paths per prior for the range (the simulation's own count up to this) and the curve.
_RANGE_PATHS = 200_000
#: Growth rates of the curve: −5 % … +25 % in 2-point steps (the curve is smooth:
#: every rate uses the same random numbers).
_CURVE_RATES = tuple(round(0.01 * k, 2) for k in range(-5, 26, 2))
_CURVE_PATHS = 10_000  # the caption states it; the band is ±2 MC standard errors


def _goal_data(sim: Any, pool: ThreadPoolExecutor) -> dict[str, Future]:
    """Start the P range across growth priors, its evidence and the P-vs-growth curve of
    each headline goal, one goal per thread (NumPy releases the GIL; each goal is its own
    seeded simulation, so the results do not depend on the threads)."""
    head = [i for i in sim.ids if sim.catalog[i].tags.headline]
    if not head or "seed_entropy" not in sim.settings:
        return {}
    return {ident: pool.submit(_one_goal, sim, ident) for ident in head}


def _one_goal(sim: Any, ident: str) -> dict[str, Any]:
    """Range rows, evidence, curve (or the error) of one headline goal."""
    from kpisim._validation import KpisimError
    from kpisim.goals import evidence_ranges, prob_curve

    frame, evidence, errors = evidence_ranges(sim, None, [ident],
                                              n_paths=min(sim.n_paths, _RANGE_PATHS),
                                              skip_errors=True)
    out: dict[str, Any] = {"ranges": frame, "evidence": evidence.get(ident),
                           "error": errors.get(ident), "curve": None}
    ev = out["evidence"]
    if ev is not None:
        try:
            out["curve"] = prob_curve(
                sim.catalog[ident], int(ev["year"].max()), _CURVE_RATES,
                n_paths=min(sim.n_paths, _CURVE_PATHS),
                rng=sim.seed,
                until=int(sim.settings.get("until", 2030)))
        except KpisimError as e:
            out["error"] = str(e)
    return out


def _prior_name(label: str, lang: str, t: dict[str, Any], english: Mapping[str, str]) -> str:
    if label in t["prior_names"]:
        return t["prior_names"][label]
    return label if lang == "ko" else english.get(label, label) or label


def _range_html(sim: Any, ident: str, data: dict[str, Any], lang: str) -> str:
    """The P-range table, the evidence of the goal year and the P-vs-growth curve."""
    t = _T[lang]
    if data["error"] is not None:
        return f'<p class="note">{_e(t["range_fail"].format(data["error"]))}</p>'
    rows = data["ranges"]
    if rows.empty:
        return ""
    ind = sim.catalog[ident]
    ev = data["evidence"]
    english = dict(zip(ev.prior, ev.prior_en, strict=True)) if ev is not None else {}
    table = [[int(r.year), fmt.with_unit(r.target, ind.unit, lang), fmt.pct(r.prob_default),
              fmt.pp(r.se, lang), f"{fmt.pct(r.prob_low)}–{fmt.pct(r.prob_high)}",
              t["per_year"].format(rate=fmt.pct(r.required_rate), years=int(r.years)),
              fmt.pct(r.sustained_share),
              f"{_prior_name(r.prior_low, lang, t, english)} / "
              f"{_prior_name(r.prior_high, lang, t, english)}"]
             for r in rows.itertuples()]
    out = (f"<p><b>{_e(t['range_head'])}</b></p>"
           f'<p class="note">{_e(t["range_note"])}</p>'
           + _table(t["cols_range"], table, {0, 1, 2, 3, 4, 5, 6}))
    if ev is None:
        return out
    goal = int(ev["year"].max())
    goal_ev = ev[ev["year"] == goal]
    out += (f"<p><b>{_e(t['evidence_head'].format(year=goal))}</b></p>"
            + _table(t["cols_evidence"], _evidence_rows(sim, ind, goal, goal_ev, lang, english),
                     {2, 3, 4}))
    curve = data["curve"]
    if curve is not None:
        out += _curve_figure(sim, ind, goal, goal_ev, curve, lang)
    return out


def _evidence_rows(sim: Any, ind: Any, goal: int, goal_ev: pd.DataFrame, lang: str,
                   english: Mapping[str, str]) -> list[list[Any]]:
    """One row per prior of the goal year: its assumed growth, P, SE and source."""
    from kpisim._validation import KpisimError
    from kpisim.goals import DEFAULT_PRIOR, growth_references

    t = _T[lang]
    try:
        refs = {r.reference: r for r in growth_references(ind, goal, catalog=sim.catalog)
                .itertuples()}
    except KpisimError:  # the sources column is a courtesy
        refs = {}
    rows = []
    for r in goal_ev.itertuples():
        ref = refs.get(r.prior)
        if r.prior == DEFAULT_PRIOR:  # the reference row "e^m0 − 1" is the default prior
            ref = next((x for x in refs.values() if x.kind == "reference class"), None)
        src = ""
        if ref is not None:
            where = "" if pd.isna(ref.line) else (f" {int(ref.line)}행" if lang == "ko"
                                                  else f" line {int(ref.line)}")
            src = f"{ref.source}{where}"
            if ref.quote:
                src += f" — “{' '.join(ref.quote.split())}”"
        rows.append([_prior_name(r.prior, lang, t, english), t["kinds"].get(r.kind, r.kind),
                     f"{100 * r.assumed_rate:+.1f}%", fmt.pct(r.prob), fmt.pp(r.se, lang),
                     t["yes"] if r.as_prior else t["no"], src])
    return rows


def _curve_figure(sim: Any, ind: Any, goal: int, goal_ev: pd.DataFrame, curve: pd.DataFrame,
                  lang: str) -> str:
    """The P-vs-growth curve of the goal, with its caption."""
    t = _T[lang]
    value = fmt.with_unit(float(goal_ev["target"].iloc[0]), ind.unit, lang)
    title = _plot_texts(lang)["curve_title_goal"].format(
        name=fmt.short(fmt.name(ind, lang), 30), year=goal, value=value)

    svg = _figure(("curve", (curve, goal_ev, lang, title)), (6.4, 4.6))
    caption = t["curve_caption"].format(year=goal, value=value,
                                        paths=min(sim.n_paths, _CURVE_PATHS))
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def _headline_section(sim: Any, table: pd.DataFrame, lang: str,
                      goal_data: Mapping[str, Future] | None = None) -> str:
    t = _T[lang]
    head = table[table["headline"]]
    if head.empty:
        return f'<p class="note">{_e(t["no_head"])}</p>'
    assumptions = sim.assumptions(lang=lang)
    parts = []
    for ident, rows in head.groupby("id", sort=False):
        items = assumptions[assumptions["id"] == ident]
        lis = "".join(
            f"<li>{_e(a.statement)}" + (f' <span class="note">— {_e(a.reason)}</span>'
                                        if a.reason else "") + "</li>"
            for a in items.itertuples()
        )
        body = f"<ul>{lis}</ul>" if lis else f'<p class="note">{_e(t["no_assump"])}</p>'
        future = (goal_data or {}).get(ident)
        ranges = "" if future is None else _range_html(sim, ident, future.result(), lang)
        parts.append(
            f'<div class="card"><h3>★ {_e(rows["name"].iloc[0])}</h3>'
            + _table(t["cols_sum"][1:], [r[1:] for r in _summary_rows(rows, lang)],
                     {0, 1, 2, 3, 4, 5})
            + ranges
            + f"<p><b>{_e(t['assump_head'])}</b></p>{body}</div>"
        )
    return "".join(parts)


def _audit_frame(sim: Any, audit: Any, lang: str = "ko") -> pd.DataFrame | None:
    if audit is False:
        return None
    if audit is not None:
        return audit
    try:
        from kpisim.rules.audit import audit as run_audit
    except ImportError:
        return None
    return run_audit(sim.catalog, lang=lang)


def _rule_paths(audit: pd.DataFrame | None) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    if audit is None or "recomputed" not in audit or "id" not in audit:
        return out
    for r in audit.itertuples():
        rec = r.recomputed
        if getattr(r, "checkable", True) is False or not isinstance(rec, Mapping):
            continue
        numeric = {int(y): float(v) for y, v in rec.items()
                   if isinstance(v, (int, float)) and np.isfinite(v)}
        if numeric:
            out[str(r.id)] = pd.Series(numeric, dtype=float)
    return out


def _audit_section(audit: pd.DataFrame | None, lang: str) -> str:
    t = _T[lang]
    if audit is None:
        return f'<p class="note">{_e(t["no_audit"])}</p>'
    groups: dict[int, list[list[Any]]] = {0: [], 1: [], 2: []}  # broken, follows, unchecked
    for r in audit.to_dict("records"):
        group = 2 if r.get("checkable") is False else 1 if r.get("consistent") else 0
        ok = (t["na"] if group == 2
              else _Raw(f'<span class="good">{_e(t["yes"])}</span>') if group == 1
              else _Raw(f'<span class="bad">{_e(t["no"])}</span>'))
        groups[group].append([r.get("name_ko", r.get("id")), r.get("rule_text", ""),
                              _path_text(r.get("stated")),
                              _path_text(r.get("recomputed"), derived=True),
                              ok, r.get("verdict", "")])
    counts = t["audit_counts"].format(*(len(groups[g]) for g in (0, 1, 2)))
    return (f'<p class="note">{_e(t["audit_note"])}</p><p>{_e(counts)}</p>'
            + _table(t["cols_audit"], groups[0] + groups[1] + groups[2], nowrap={4}))


def _scenario_section(sim: Any, frame: pd.DataFrame, lang: str) -> str:
    from kpisim import plot

    t = _T[lang]
    names = plot.scenario_columns(frame)
    rows = []
    for r in frame.to_dict("records"):
        unit = sim.catalog[r["id"]].unit if r["id"] in sim.catalog else "-"
        row = [_name(sim, r["id"], lang), int(r["year"]),
               fmt.with_unit(r["target"], unit, lang) if "target" in r else ""]
        for s in names:
            se = r.get(f"{s} se")
            row.append(fmt.pct(r[s]) + ("" if se is None else f" {fmt.pp(se, lang)}"))
        rows.append(row)
    labels = {i: _name(sim, i, lang) for i in frame["id"].unique()}
    n = len(frame) * (0.3 + 0.18 * len(names))
    svg = _figure(("scenarios", (frame, lang, labels)), (7.5, 1.4 + n))
    return (_table(t["cols_scen_fixed"] + [str(s) for s in names], rows,
                   set(range(2, 3 + len(names))))
            + svg)


def _score_result_section(result: Any, lang: str) -> str:
    """A :class:`kpisim.scoring.ScoreResult`: per-indicator 평점 and the weighted total."""
    t = _T[lang]
    table = result.table
    threshold = float(getattr(result, "threshold", 80.0))
    qcols = [c for c in table.columns if re.fullmatch(r"q\d\d", str(c))]
    header = [*t["cols_scores"][:4], *qcols, "P(100)", f"P(≥ {threshold:g})", *t["cols_scores"][4:]]
    rows = []
    for r in table.to_dict("records"):
        rows.append([r.get("name_ko", r.get("id")), r.get("method", ""),
                     fmt.num(r.get("weight", np.nan)), f"{r.get('mean', np.nan):.1f}",
                     *(f"{r[c]:.1f}" for c in qcols), fmt.pct(r.get("p_100", np.nan)),
                     fmt.pct(r.get("p_ge", np.nan)), fmt.num(r.get("points", np.nan)),
                     t["yes"] if r.get("observed") else ""])
    numeric = set(range(2, len(header) - 1))
    out = _table(header, rows, numeric)
    total = getattr(result, "total", None)
    if total is None:
        return out
    grades = getattr(total, "grades", pd.Series(dtype=float))
    out += "<p>" + _e(t["scores_total"].format(
        year=getattr(result, "year", ""), mean=float(total.mean), sd=float(total.sd),
        grades=" · ".join(f"{g} {fmt.pct(p)}" for g, p in grades.items()))) + "</p>"
    values = np.asarray(total.values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size:
        out += _score_figure(values, lang, t["scores_total_title"])
    return out


def _score_figure(scores: Any, lang: str, title: str | None = None) -> str:
    return _figure(("scores", (scores, lang, title)), (6.0, 3.4))


def _scores_section(scores: Any, lang: str) -> str:
    t = _T[lang]
    if isinstance(getattr(scores, "table", None), pd.DataFrame):
        return _score_result_section(scores, lang)
    out = ""
    if isinstance(scores, pd.DataFrame):
        cols = [str(c) for c in scores.columns]
        rows = [[fmt.num(v) if isinstance(v, (float, np.floating)) else v for v in r]
                for r in scores.itertuples(index=False)]
        out += _table(cols, rows)
        if not {"score", "prob"} <= set(scores.columns):
            return out
    else:
        from kpisim import plot

        values, probs, _ = plot.score_pmf(scores)
        p100 = float(probs[np.isclose(values, 100.0)].sum())
        out += "<p>" + _e(t["scores_sample"].format(n=values.size, mean=float(values.mean()),
                                                     p100=fmt.pct(p100))) + "</p>"
    return out + _score_figure(scores, lang)


def _settings_rows(sim: Any, t: dict[str, Any], grouped: bool) -> list[list[Any]]:
    """The simulation's settings by name; ``grouped``: counts with thousands separators."""
    s = {"n_paths": f"{sim.n_paths:,}" if grouped else sim.n_paths, **sim.settings}
    if grouped:
        for k in ("keep_paths", "chunk_size"):
            if isinstance(s.get(k), (int, np.integer)):
                s[k] = f"{s[k]:,}"
    return [[t["set_names"].get(k, k), "–" if v is None and grouped else v] for k, v in s.items()]


def _model_rows(sim: Any, lang: str) -> list[list[Any]]:
    return [[_name(sim, i, lang), *_fitted_text(sim, i, lang)] for i in _ordered_ids(sim)]


def _assumption_rows(sim: Any, lang: str, t: dict[str, Any]) -> list[list[Any]]:
    return [[_name(sim, r.id, lang), t["source"].get(r.source, r.source), r.field,
             r.statement, r.reason] for r in sim.assumptions(lang=lang).itertuples()]


def _kept(sim: Any) -> int:
    return min(int(sim.settings.get("keep_paths") or sim.n_paths), sim.n_paths)


def _methods_section(sim: Any, lang: str) -> str:
    t = _T[lang]
    return (f"<p>{_e(t['methods_text'].format(paths=sim.n_paths, keep=_kept(sim)))}</p>"
            f"<h3>{_e(t['settings'])}</h3>" + _table(t["cols_settings"],
                                                   _settings_rows(sim, t, grouped=True))
            + f"<h3>{_e(t['models'])}</h3>" + _table(t["cols_models"], _model_rows(sim, lang))
            + f"<h3>{_e(t['assumptions'])}</h3>"
            + _table(t["cols_assump"], _assumption_rows(sim, lang, t), nowrap={1, 2}))


def _check_lang(lang: str) -> dict[str, Any]:
    check_lang(lang)
    return _T[lang]


# ------------------------------------------------------------------ public
def report(
    sim: Any,
    path: str | Path,
    *,
    lang: str = "ko",
    audit: pd.DataFrame | None = None,
    scenarios: pd.DataFrame | None = None,
    scores: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the whole simulation as one self-contained HTML file.

    Parameters
    ----------
    sim : Simulation
    path : str or Path
        Where to write the ``.html`` file.
    lang : {"ko", "en"}, default "ko"
    audit : DataFrame or False, optional
        A :func:`kpisim.rules.audit.audit` table; computed from ``sim.catalog`` when
        omitted (if the module is available), left out when False.
    scenarios : DataFrame, optional
        A :func:`kpisim.compare` table.
    scores : ScoreResult, array_like or DataFrame, optional
        The result of :func:`kpisim.scoring.score_simulation` (per-indicator
        평점 and the weighted total), simulated scores (20–100), or any table
        of scores (shown as given).
    progress : callable, optional
        Called as ``progress(done, total)`` as the figures are drawn.

    Returns
    -------
    Path
        The written file. It has no external reference: styles are inline,
        charts are inline SVG and the font is a ``data:`` URI.
    """
    global _FIGS
    t = _check_lang(lang)
    with _LOCK:  # one report at a time: the figures of the page being built
        _FIGS = figures = _Figures(sim)
        try:
            body = _body(sim, t, lang=lang, audit=audit, scenarios=scenarios, scores=scores)
            svgs = figures.collect(progress)
        finally:
            figures.close()
            _FIGS = None
    body = _PLACEHOLDER_RE.sub(lambda m: svgs[int(m.group(1))], body)
    page = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(t['title'])}</title><style>{_font_face(body)}{_CSS}</style></head>"
            f"<body>{body}<script>{_SCRIPT}</script></body></html>\n")
    path = Path(path)
    write_text(path, page)  # atomic: temp file beside it, then os.replace
    return path


def _body(sim: Any, t: dict[str, Any], *, lang: str, audit: Any, scenarios: Any,
          scores: Any) -> str:
    """The report's ``<body>``, with a placeholder for each matplotlib figure.

    Built in the order that keeps the figure workers busy: the headline goals'
    what-ifs start in threads, the figures are handed out as soon as their data
    is known, and the sections are then put in reading order.
    """
    from kpisim import __version__

    head_ids = [i for i in _ordered_ids(sim) if sim.catalog[i].tags.headline]
    with ThreadPoolExecutor(max_workers=3) as pool:
        goal_data = _goal_data(sim, pool)
        audit_frame = _audit_frame(sim, audit, lang)
        rule_paths = _rule_paths(audit_frame)
        head_figs = {i: _figure(("fan", (i, lang, rule_paths.get(i))), (5.4, 4.0))
                     for i in head_ids}
        probs = sim.prob_meet()
        sections = {"fans": _fans_section(sim, probs, rule_paths, head_figs, lang)}
        if scenarios is not None:
            sections["scen"] = _scenario_section(sim, scenarios, lang)
        if scores is not None:
            sections["scores"] = _scores_section(scores, lang)
        table = summary(sim, lang=lang, grades=True)  # the grade goals get a card too
        read = (f'<p class="note">{_e(t["read_p"].format(paths=sim.n_paths))}</p>'
                f'<p class="note">{_e(t["read_class"])}</p>')
        sections["head"] = read + _headline_section(sim, table, lang, goal_data)
    sections["all"] = _table(t["cols_sum"], _summary_rows(table, lang), {1, 2, 3, 4, 5, 6})
    sections["heat"] = (f'<p class="note">{_e(t["heat_note"])}</p>'
                        + _heat_table(sim, probs, lang))
    sections["audit"] = _audit_section(audit_frame, lang)
    skipped = [[_name(sim, i, lang) if i in sim.catalog else i, _skip_reason(r, lang)]
               for i, r in sim.skipped.items()]
    sections["skip"] = (_table(t["cols_skip"], skipped) if skipped
                        else f'<p class="note">{_e(t["no_skip"])}</p>')
    sections["methods"] = _methods_section(sim, lang)
    order = [k for k in ("head", "all", "heat", "audit", "fans", "scen", "scores", "skip",
                         "methods") if k in sections]
    meta = t["meta"].format(catalog=getattr(sim.catalog, "name", ""), n=len(sim.ids),
                            paths=sim.n_paths, version=__version__, date=_report_date())
    toc = "".join(f'<li><a href="#{k}">{_e(t["s_" + k])}</a></li>' for k in order)
    return (f"<h1>{_e(t['title'])}</h1><p class=\"meta\">{_e(meta)}</p>"
            f"<nav><b>{_e(t['toc'])}</b><ol>{toc}</ol></nav>"
            + "".join(f'<section id="{k}"><h2>{_e(t["s_" + k])}</h2>{sections[k]}</section>'
                      for k in order))


def _fan_caption(probs: pd.DataFrame, ident: str, lang: str) -> str:
    p = probs[(probs["id"] == ident) & ~probs["observed"]]
    return _T[lang]["fan_caption"].format(
        " · ".join(f"{int(r.year)} {fmt.pct(r.prob)}" for r in p.itertuples()))


def _fans_section(sim: Any, probs: pd.DataFrame, rule_paths: Mapping[str, pd.Series],
                  head_figs: Mapping[str, str], lang: str) -> str:
    """Headline goals as full figures (``head_figs``) with their first-hit bars, the others
    as small inline SVG multiples (drawn, like a figure, while the page is built)."""
    t = _T[lang]
    first_hit = sim.first_hit()
    figures = [f'<figure id="fan-{_e(i)}" class="wide">{head_figs[i]}'
               f"{_svg_first_hit(sim, i, lang, first_hit)}"
               f"<figcaption>{_e(_fan_caption(probs, i, lang))}</figcaption></figure>"
               for i in _ordered_ids(sim) if sim.catalog[i].tags.headline]
    small = [i for i in _ordered_ids(sim) if not sim.catalog[i].tags.headline]
    multiples = (_figure(("multiples", (small, lang, {i: rule_paths[i] for i in small
                                                      if i in rule_paths})), None)
                 if small else "")
    return (f'<p class="note">{_e(t["fan_note"])}</p>'
            f'<div class="grid">{"".join(figures)}</div>'
            f'<div class="grid small">{multiples}</div>')


def _multiples(sim: Any, ids: list[str], lang: str, rule_paths: Mapping[str, pd.Series]) -> str:
    """The small inline SVG fan charts of ``ids``: no matplotlib figure, the kept paths'
    quantiles asked of the simulation once."""
    wide = quantiles(sim, ids).pivot_table(index=["id", "year"], columns="q", values="value",
                                           sort=False, dropna=False)
    probs = sim.prob_meet(ids=ids)
    out = []
    for ident in ids:
        svg = _svg_fan(fan_data(sim, ident, wide=wide.loc[ident]), lang, rule_paths.get(ident))
        out.append(f'<figure id="fan-{_e(ident)}"><figcaption class="name">'
                   f"{_e(_name(sim, ident, lang))}</figcaption>{svg}"
                   f"<figcaption>{_e(_fan_caption(probs, ident, lang))}</figcaption></figure>")
    return "".join(out)


def _md_cell(x: Any) -> str:
    """A Markdown table cell showing ``x`` as literal text.

    Our own markup (:class:`_Raw`) is dropped; the text is then HTML-escaped
    (no raw ``<script>`` or autolink survives) and Markdown's punctuation is
    backslash-escaped (no link, image, emphasis or cell break).
    """
    text = x.html if isinstance(x, _Raw) else str("" if x is None else x)
    text = html.unescape(re.sub(r"<[^>]+>", "", text)) if isinstance(x, _Raw) else text
    text = html.escape(" ".join(text.split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def report_markdown(sim: Any, path: str | Path, *, lang: str = "ko") -> Path:
    """Write the summary tables of a simulation as Markdown.

    Parameters
    ----------
    sim : Simulation
    path : str or Path
    lang : {"ko", "en"}, default "ko"

    Returns
    -------
    Path
        Headline goals, all indicators, indicators not simulated, settings,
        models and every assumption, as Markdown tables.
    """
    t = _check_lang(lang)
    path = Path(path)
    table = summary(sim, lang=lang, grades=True)
    head = table[table["headline"]]
    skipped = [[_name(sim, i, lang) if i in sim.catalog else i, _skip_reason(r, lang)]
               for i, r in sim.skipped.items()]
    parts = [f"# {t['title']}\n",
             f"## {t['s_head']}\n", _md_table(t["cols_sum"], _summary_rows(head, lang))
             if not head.empty else t["no_head"] + "\n",
             t["read_p"].format(paths=sim.n_paths) + "\n",
             f"## {t['s_all']}\n", _md_table(t["cols_sum"], _summary_rows(table, lang)),
             f"## {t['s_skip']}\n",
             _md_table(t["cols_skip"], skipped) if skipped else t["no_skip"] + "\n",
             f"## {t['s_methods']}\n",
             t["methods_text"].format(paths=sim.n_paths, keep=_kept(sim)) + "\n",
             f"### {t['settings']}\n",
             _md_table(t["cols_settings"], _settings_rows(sim, t, grouped=False)),
             f"### {t['models']}\n", _md_table(t["cols_models"], _model_rows(sim, lang)),
             f"### {t['assumptions']}\n",
             _md_table(t["cols_assump"], _assumption_rows(sim, lang, t))]
    write_text(path, "\n".join(parts))
    return path


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells Excel shows as values: mappings as text, no text read as a formula.

    Text beginning with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading
    apostrophe (:func:`kpisim._safeio.neutralise_cell`, OWASP); numbers stay
    numbers.
    """
    out = frame.copy()
    out.columns = [neutralise_cell(c) if isinstance(c, str) else c for c in out.columns]
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
            out[c] = col.map(lambda v: neutralise_cell(
                v if v is None or isinstance(v, (str, int, float, bool))
                else str(dict(v) if isinstance(v, Mapping) else v))).astype(object)
    return out


def report_excel(
    sim: Any, path: str | Path, *, lang: str = "ko", audit: pd.DataFrame | None = None
) -> Path:
    """Write every table of a simulation to an Excel workbook, one sheet each.

    Parameters
    ----------
    sim : Simulation
    path : str or Path
        The ``.xlsx`` file.
    lang : {"ko", "en"}, default "ko"
        Language of names and progress classes in the summary sheet.
    audit : DataFrame or False, optional
        As in :func:`report`.

    Returns
    -------
    Path
        Sheets ``summary, prob_meet, prob_path, first_hit, quantiles,
        assumptions, skipped, settings`` and ``audit`` when available.
    """
    _check_lang(lang)
    path = Path(path)
    q = quantiles(sim, None, style.FAN_Q)
    q = q.assign(q=q["q"].map(lambda v: f"q{100 * v:g}"))
    wide = q.pivot_table(index=["id", "year"], columns="q", values="value", sort=False)
    wide = wide[sorted(wide.columns, key=lambda c: float(c[1:]))].reset_index()
    sheets = {
        "summary": summary(sim, lang=lang),
        "prob_meet": sim.prob_meet(),
        "prob_path": sim.prob_path(),
        "first_hit": sim.first_hit(),
        "quantiles": wide,
        "assumptions": sim.assumptions(lang=lang),
        "skipped": pd.DataFrame(list(sim.skipped.items()), columns=["id", "reason"]),
        "settings": pd.DataFrame(
            [(k, "" if v is None else str(v))
             for k, v in {"n_paths": sim.n_paths, **sim.settings}.items()],
            columns=["setting", "value"]),
    }
    audit_frame = _audit_frame(sim, audit, lang)
    if audit_frame is not None:
        sheets["audit"] = audit_frame
    with atomic_write(path, "wb") as f, pd.ExcelWriter(f, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            _excel_safe(frame).to_excel(writer, sheet_name=name, index=False)
    return path
