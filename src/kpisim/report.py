"""Reports of a simulation: one self-contained HTML file, Markdown and Excel.

:func:`report` writes a single HTML file that opens anywhere without a
network: CSS is inline, the headline charts and the heatmap are embedded PNG
``data:`` URIs (drawn in two forked worker processes where the platform
allows), the other indicators' fan charts are inline SVG small multiples, and the Korean
glyphs the page uses are embedded as a subset of NanumGothic (SIL Open Font
License), so the page looks the same on a machine without Korean fonts.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kpisim import plot as _plot
from kpisim._messages import check_lang, in_lang, keys, text
from kpisim._safeio import atomic_write, neutralise_cell, write_text
from kpisim._summary import summary

__all__ = ["report", "report_excel", "report_markdown"]

_DPI = 90

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
figure{margin:0;page-break-inside:avoid}img{max-width:100%;height:auto}
nav ol{columns:2}@media print{nav{display:none}h2{page-break-before:auto}}
"""

_SCRIPT = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  document.body.dataset.imagesTotal = imgs.length;
  document.body.dataset.imagesLoaded = imgs.filter(function (i) {
    return i.complete && i.naturalWidth > 0; }).length;
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


def _pct(p: float) -> str:
    return _plot._pct(p)


def _pp(se: float) -> str:
    return f"{100 * se:.1f}%p"


def _ci(lo: float, hi: float) -> str:
    return f"{100 * lo:.1f}–{100 * hi:.1f}%"


def _path_text(values: Any) -> str:
    if not isinstance(values, Mapping):
        return "" if values is None else str(values)
    return " · ".join(
        f"'{int(y) % 100:02d} {_plot._num(v) if isinstance(v, (int, float)) else v}"
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
            text = c.html if isinstance(c, _Raw) else _e(c)
            cls = "num" if i in num else "nowrap" if i in nowrap else ""
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
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
    return ident if ind is None else _plot._name(ind, lang)


def _ordered_ids(sim: Any) -> list[str]:
    return sorted(sim.ids, key=lambda i: not sim.catalog[i].tags.headline)


# ------------------------------------------------------------------ images
#: While :func:`report` runs, ``_png`` queues its figures here and returns a
#: placeholder; they are rendered together at the end (:func:`_render_all`).
_QUEUE: list[tuple[Callable[[Any], Any], tuple[float, float]]] | None = None
_LOCK = threading.RLock()
_PLACEHOLDER = "\x00kpisim-png-{}\x00"
_PLACEHOLDER_RE = re.compile("\x00kpisim-png-(\\d+)\x00")


def _png(draw: Callable[[Any], Any], figsize: tuple[float, float]) -> str:
    """A PNG data URI of ``draw(ax)`` (a placeholder while :func:`report` collects them)."""
    if _QUEUE is not None:
        _QUEUE.append((draw, figsize))
        return _PLACEHOLDER.format(len(_QUEUE) - 1)
    return _render_png(draw, figsize)


def _render_job(i: int) -> str:
    """Render queued figure ``i`` (in a forked worker: the queue is inherited memory)."""
    assert _QUEUE is not None
    return _render_png(*_QUEUE[i])


def _render_all(jobs: list[tuple[Callable[[Any], Any], tuple[float, float]]],
                progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Render the queued figures, in two forked worker processes where possible.

    Drawing with Agg holds the GIL, so threads do not help; ``fork`` shares the
    simulation with the workers without pickling it. Where ``fork`` is not
    available (Windows, macOS default), or a worker fails or takes more than two
    minutes, or forking is refused (Python ≥ 3.12 warns about forking a process
    with threads; under ``-W error`` that is an error), the figures are drawn
    here, one after another: same images.
    """
    import multiprocessing
    import os

    global _QUEUE
    workers = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if len(jobs) >= 4 and workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _QUEUE = jobs
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = pool.imap(_render_job, range(len(jobs)))
                out = []
                for _ in jobs:
                    out.append(results.next(timeout=120))
                    if progress is not None:
                        progress(len(out), len(jobs))
                return out
        except Exception:  # a worker failed or hung: draw here instead
            pass
        finally:
            _QUEUE = None
    out = []
    for job in jobs:
        out.append(_render_png(*job))
        if progress is not None:
            progress(len(out), len(jobs))
    return out


def _render_png(draw: Callable[[Any], Any], figsize: tuple[float, float]) -> str:
    """Draw on a fresh Figure (no pyplot state) and return a PNG data URI.

    The figure is rendered once with Agg and stored as a 256-colour palette
    PNG, about a third of the size of matplotlib's RGBA file with no visible
    change for these charts.
    """
    from PIL import Image  # a dependency of matplotlib

    fig = Figure(figsize=figsize, dpi=_DPI, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    draw(fig.add_subplot())
    with mpl.rc_context(_plot._rc()):
        canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    out = io.BytesIO()
    image.convert("RGB").quantize(256).save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{_e(alt)}">'


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


#: Quantiles of the inline fan charts (the same bands as :func:`kpisim.plot.fan_chart`).
_FAN_Q = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)


def _svg_fan(sim: Any, ident: str, wide: pd.DataFrame, lang: str,
             rule_path: pd.Series | None = None) -> str:
    """A small inline SVG fan chart: actuals, targets, the goal and the 50/80/95% bands.

    The same elements as :func:`kpisim.plot.fan_chart` without the legend (the
    section's note names them), drawn as SVG text so the many non-headline
    indicators cost no matplotlib figure; the y axis is logarithmic when the
    fan spreads over more than a factor 4 between its 10% and 90% quantiles,
    as there. ``wide`` holds the kept paths' quantiles of ``ident`` by year
    (columns ``_FAN_Q``).
    """
    from matplotlib import ticker as mticker

    ind = sim.catalog[ident]
    actual = ind.observed
    targets = ind.target.dropna()
    last_year, last_value = int(actual.index[-1]), float(actual.iloc[-1])
    goal = _plot._goal(sim, ident)
    end = goal[0] if goal else int(sim.years[-1])
    end = min(max(end, last_year + 1), int(sim.years[-1]))
    wide = wide[(wide.index > last_year) & (wide.index <= end)]
    years = np.concatenate([[last_year], wide.index.to_numpy(dtype=float)])

    def col(q: float) -> np.ndarray:
        return np.concatenate([[last_value], wide[q].to_numpy(dtype=float)])

    shown_t = targets[targets.index <= end]
    rule = (None if rule_path is None
            else pd.Series(rule_path, dtype=float).sort_index().loc[lambda r: r.index <= end])
    known = np.concatenate([actual.to_numpy(float), shown_t.to_numpy(float), col(0.1), col(0.9),
                            *([] if rule is None else [rule.to_numpy(float)])])
    known = known[np.isfinite(known)]
    positive = known.size > 0 and known.min() > 0 and float(np.nanmin(col(0.025))) > 0
    log = positive and float(np.nanmax(col(0.9) / col(0.1))) > 4
    lo, hi = (float(known.min()), float(known.max())) if known.size else (0.0, 1.0)
    if log:
        lo, hi = np.log10(lo), np.log10(hi)
    span = max(hi - lo, abs(hi) * 0.05, 1e-9)
    lo, hi = lo - 0.08 * span, hi + 0.08 * span
    if not log and float(known.min(initial=0.0)) >= 0:
        lo = max(lo, 0.0)
    w, h, left, right, top, bottom = 300.0, 180.0, 46.0, 8.0, 8.0, 20.0
    x0 = min(int(actual.index[0]), last_year) - 0.4
    x1 = end + 0.4

    def X(x: Any) -> np.ndarray:
        return left + (np.asarray(x, float) - x0) / (x1 - x0) * (w - left - right)

    def Y(y: Any) -> np.ndarray:
        y = np.asarray(y, float)
        if log:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(np.where(y > 0, y, np.nan))
        return top + (hi - y) / (hi - lo) * (h - top - bottom)

    def pts(xs: Any, ys: Any) -> str:
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(X(xs), Y(ys), strict=True)
                        if np.isfinite(a) and np.isfinite(b))

    out = [f'<svg class="fan" viewBox="0 0 {w:g} {h:g}" role="img" '
           f'><title>{_e(_plot._name(ind, lang))}</title>']
    if log:
        ticks = mticker.LogLocator(subs=(1.0, 2.0, 5.0)).tick_values(10**lo, 10**hi)
        ticks = ticks[(ticks >= 10**lo) & (ticks <= 10**hi)]
        if len(ticks) > 5:
            ticks = ticks[:: int(np.ceil(len(ticks) / 5))]
    else:
        ticks = mticker.MaxNLocator(4).tick_values(lo, hi)
        ticks = ticks[(ticks >= lo) & (ticks <= hi)]
    for v in ticks:
        y = float(Y(v))
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#e5e5e5" stroke-width="0.6"/><text x="{left - 3}" y="{y + 3:.1f}" '
                   f'font-size="9" text-anchor="end" fill="#555">{_e(_plot._num(v))}</text>')
    step = 1 if end - x0 <= 9 else 2
    for yr in range(int(np.ceil(x0)), end + 1, step):
        out.append(f'<text x="{float(X(yr)):.1f}" y="{h - 6}" font-size="9" text-anchor="middle" '
                   f'fill="#555">\'{yr % 100:02d}</text>')
    # a nested <svg> clips what it holds to the plot area (no url() reference needed)
    pw, ph = w - left - right, h - top - bottom
    out.append(f'<svg x="{left}" y="{top}" width="{pw}" height="{ph}" '
               f'viewBox="{left} {top} {pw} {ph}" overflow="hidden">')
    for (a, b), alpha in (((0.025, 0.975), 0.15), ((0.1, 0.9), 0.25), ((0.25, 0.75), 0.4)):
        poly = pts(np.concatenate([years, years[::-1]]), np.concatenate([col(a), col(b)[::-1]]))
        out.append(f'<polygon points="{poly}" fill="{_plot._C_FAN}" fill-opacity="{alpha}"/>')
    out.append(f'<polyline points="{pts(years, col(0.5))}" fill="none" '
               f'stroke="{_plot._C_FAN}" stroke-width="1.6"/>')
    if goal is not None:
        gy = float(Y(goal[1]))
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{gy:.1f}" y2="{gy:.1f}" '
                   f'stroke="{_plot._C_GOAL}" stroke-width="0.8" stroke-dasharray="2,2"/>')
    if rule is not None and len(rule):
        out.append(f'<polyline points="{pts(rule.index, rule.to_numpy())}" fill="none" '
                   f'stroke="{_plot._C_RULE}" stroke-width="1.2" stroke-dasharray="4,2"/>')
    out.append(f'<polyline points="{pts(actual.index, actual.to_numpy())}" fill="none" '
               f'stroke="{_plot._C_ACTUAL}" stroke-width="1.5"/>')
    for cx, cy in zip(X(actual.index), Y(actual.to_numpy()), strict=True):
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.6" fill="{_plot._C_ACTUAL}"/>')
    for yr, v in shown_t.items():
        cx, cy = float(X(yr)), float(Y(v))
        if not (np.isfinite(cx) and np.isfinite(cy)):
            continue
        if goal is not None and int(yr) == goal[0]:
            star = " ".join(
                f"{cx + r * np.sin(k * np.pi / 5):.1f},{cy - r * np.cos(k * np.pi / 5):.1f}"
                for k, r in zip(range(10), [6.5, 2.7] * 5, strict=True))
            out.append(f'<polygon points="{star}" fill="{_plot._C_GOAL}" stroke="#fff" '
                       'stroke-width="0.6"/>')
        else:
            out.append(f'<polygon points="{cx:.1f},{cy - 3.6:.1f} {cx + 3.6:.1f},{cy:.1f} '
                       f'{cx:.1f},{cy + 3.6:.1f} {cx - 3.6:.1f},{cy:.1f}" fill="#fff" '
                       f'stroke="{_plot._C_TARGET}" stroke-width="1.3"/>')
    out.append("</svg>")
    lx = float(X(last_year))
    out.append(f'<line x1="{lx:.1f}" x2="{lx:.1f}" y1="{top}" y2="{h - bottom}" stroke="#777" '
               'stroke-width="0.8" stroke-dasharray="1,2"/>')
    if log:
        out.append(f'<text x="{w - right}" y="{top + 8}" font-size="8" text-anchor="end" '
                   f'fill="#555">{_e(_plot._TEXT[lang]["log_axis"].strip(" ()"))}</text>')
    out.append("</svg>")
    return "".join(out)


def _svg_first_hit(sim: Any, ident: str, lang: str) -> str:
    """Inline SVG of :func:`kpisim.plot.first_hit_histogram`: the year the goal is first met.

    One bar per year (the share of paths first meeting the goal that year) and a
    grey bar, set apart, for the paths that never meet it by the horizon.
    """
    t = _plot._TEXT[lang]
    ind = sim.catalog[ident]
    fh = sim.first_hit()
    fh = fh[fh["id"] == ident]
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
    slots = len(labels) + 0.6
    bw = (w - left - right) / slots
    title = t["first_hit_title"].format(name=_plot._name(ind, lang),
                                        goal=_plot._with_unit(goal, ind.unit, lang)).split("\n")
    out = [f'<svg class="hist" viewBox="0 0 {w:g} {h:g}" role="img" '
           f'><title>{_e(" ".join(title))}</title>']
    for k, line in enumerate(title):
        out.append(f'<text x="{left}" y="{16 + 17 * k}" font-size="{13 if k == 0 else 12}" '
                   f'font-weight="{"bold" if k == 0 else "normal"}">{_e(line)}</text>')

    def Y(v: float) -> float:
        return head + (1 - v / top) * (h - head - bottom)

    for v in np.linspace(0, top, 5)[:-1] if top <= 0.2 else np.arange(0, top, 0.1 if top <= 0.6
                                                                        else 0.2):
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" '
                   f'stroke="#e5e5e5" stroke-width="0.6"/><text x="{left - 3}" y="{Y(v) + 3:.1f}"'
                   f' font-size="9" text-anchor="end" fill="#555">{100 * v:.0f}%</text>')
    for k, (label, value) in enumerate(zip(labels, heights, strict=True)):
        last = k == len(labels) - 1
        x = left + (k + (0.6 if last else 0) + 0.15) * bw
        colour = _plot._C_NEVER if last else _plot._C_FAN
        out.append(f'<rect x="{x:.1f}" y="{Y(value):.1f}" width="{0.7 * bw:.1f}" '
                   f'height="{Y(0) - Y(value):.1f}" fill="{colour}"/>')
        cx = x + 0.35 * bw
        if value >= 0.005:
            out.append(f'<text x="{cx:.1f}" y="{Y(value) - 3:.1f}" font-size="9" '
                       f'text-anchor="middle">{_e(_plot._pct(value, 0))}</text>')
        out.append(f'<text x="{cx:.1f}" y="{h - bottom + 13}" font-size="9" '
                   f'text-anchor="middle" fill="#555">{_e(label)}</text>')
    out.append(f'<text x="12" y="{(head + h - bottom) / 2:.0f}" font-size="9" fill="#555" '
               f'text-anchor="middle" transform="rotate(-90 12 {(head + h - bottom) / 2:.0f})">'
               f'{_e(t["share_paths"])}</text></svg>')
    return "".join(out)


def _font_face(text: str) -> str:
    """@font-face with the subset of the Korean font covering ``text``."""
    _, path = _plot._korean_font()
    if path is None or path.suffix.lower() not in (".ttf", ".otf"):
        return ""
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover - fontTools ships with matplotlib
        return ""
    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = [1, 2]  # family and style names only
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]  # hinting sources
    font = TTFont(str(path), recalcTimestamp=False)  # byte-reproducible: no save time
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return ('@font-face{font-family:"kpisim-ko";font-display:swap;'
            f'src:url(data:font/woff;base64,{data}) format("woff")}}')


# ---------------------------------------------------------------- sections
def _fitted_text(sim: Any, ident: str, lang: str = "ko") -> tuple[str, str]:
    fitted = sim.fitted(ident)
    describe = getattr(fitted, "describe", None)
    return str(getattr(fitted, "model", type(fitted).__name__)), (
        in_lang(describe(), lang) if callable(describe) else repr(fitted)
    )


def _shown(v: Any, unit: str, lang: str) -> str:
    """A grade by its name, a number with its unit."""
    return v if isinstance(v, str) else _plot._with_unit(v, unit, lang)


def _summary_rows(frame: pd.DataFrame, lang: str) -> list[list[Any]]:
    rows = []
    for r in frame.itertuples():
        rows.append([
            ("★ " if r.headline else "") + str(r.name),
            int(r.year),
            _shown(r.target, r.unit, lang),
            f"{_shown(r.last_actual, r.unit, lang)} ('{int(r.last_year) % 100:02d})",
            _pct(r.prob), _pp(r.se), _ci(r.ci_low, r.ci_high), r.progress_class, r.model,
        ])
    return rows


#: Paths per prior for the range (the simulation's own count up to this) and the curve.
_RANGE_PATHS = 200_000
#: Growth rates of the curve: −5 % … +25 % in 2-point steps (the curve is smooth:
#: every rate uses the same random numbers).
_CURVE_RATES = tuple(round(0.01 * k, 2) for k in range(-5, 26, 2))
_CURVE_PATHS = 10_000  # the caption states it; the band is ±2 MC standard errors


def _goal_data(sim: Any) -> dict[str, Any]:
    """P range across growth priors, evidence and P-vs-growth curve of each headline goal."""
    from kpisim._validation import KpisimError
    from kpisim.goals import evidence_ranges, prob_curve

    head = [i for i in sim.ids if sim.catalog[i].tags.headline]
    out: dict[str, Any] = {"ranges": pd.DataFrame(), "evidence": {}, "curves": {},
                           "errors": {}}
    if not head or "seed_entropy" not in sim.settings:
        return out
    frame, evidence, errors = evidence_ranges(
        sim, None, head, n_paths=min(sim.n_paths, _RANGE_PATHS), rng=None,
        all_references=False, skip_errors=True)
    out.update(ranges=frame, evidence=evidence, errors=errors)
    until = int(sim.settings.get("until", 2030))

    def curve(ident: str, ev: pd.DataFrame) -> tuple[str, Any]:
        try:
            return ident, prob_curve(
                sim.catalog[ident], int(ev["year"].max()), _CURVE_RATES,
                n_paths=min(sim.n_paths, _CURVE_PATHS),
                rng=np.random.SeedSequence(sim.settings["seed_entropy"]), until=until)
        except KpisimError as e:
            return ident, e

    # one indicator per thread: NumPy releases the GIL, the results do not depend on it
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, min(len(evidence), 4))) as pool:
        done = list(pool.map(lambda kv: curve(*kv), evidence.items()))
    for ident, result in done:
        if isinstance(result, KpisimError):
            out["errors"][ident] = str(result)
        else:
            out["curves"][ident] = result
    return out


def _prior_name(row: Any, lang: str, t: dict[str, Any]) -> str:
    label = row.prior
    if label in t["prior_names"]:
        return t["prior_names"][label]
    return label if lang == "ko" else getattr(row, "prior_en", label) or label


def _range_html(sim: Any, ident: str, data: dict[str, Any], lang: str) -> str:
    """The P-range table, the evidence of the goal year and the P-vs-growth curve."""
    from kpisim._validation import KpisimError
    from kpisim.goals import DEFAULT_PRIOR, growth_references

    t = _T[lang]
    if ident in data["errors"]:
        return f'<p class="note">{_e(t["range_fail"].format(data["errors"][ident]))}</p>'
    ranges = data["ranges"]
    rows = ranges[ranges["id"] == ident] if not ranges.empty else ranges
    if rows.empty:
        return ""
    ind = sim.catalog[ident]
    ev = data["evidence"].get(ident)
    english = dict(zip(ev.prior, ev.prior_en, strict=True)) if ev is not None else {}

    def end(label: str) -> str:
        if label in t["prior_names"]:
            return t["prior_names"][label]
        return label if lang == "ko" else english.get(label, label)

    table = [[int(r.year), _plot._with_unit(r.target, ind.unit, lang), _pct(r.prob_default),
              _pp(r.se), f"{_pct(r.prob_low)}–{_pct(r.prob_high)}",
              t["per_year"].format(rate=_pct(r.required_rate), years=int(r.years)),
              _pct(r.sustained_share), f"{end(r.prior_low)} / {end(r.prior_high)}"]
             for r in rows.itertuples()]
    out = (f"<p><b>{_e(t['range_head'])}</b></p>"
           f'<p class="note">{_e(t["range_note"])}</p>'
           + _table(t["cols_range"], table, {0, 1, 2, 3, 4, 5, 6}))
    if ev is None:
        return out
    goal = int(ev["year"].max())
    goal_ev = ev[ev["year"] == goal]
    try:
        refs = {r.reference: r for r in growth_references(ind, goal, catalog=sim.catalog)
                .itertuples()}
    except KpisimError:  # the sources column is a courtesy
        refs = {}
    erows = []
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
        erows.append([_prior_name(r, lang, t), t["kinds"].get(r.kind, r.kind),
                      f"{100 * r.assumed_rate:+.1f}%", _pct(r.prob), _pp(r.se),
                      t["yes"] if r.as_prior else t["no"], src])
    out += (f"<p><b>{_e(t['evidence_head'].format(year=goal))}</b></p>"
            + _table(t["cols_evidence"], erows, {2, 3, 4}))
    curve = data["curves"].get(ident)
    if curve is not None:
        target = float(goal_ev["target"].iloc[0])
        value = _plot._with_unit(target, ind.unit, lang)
        title = _plot._TEXT[lang]["curve_title_goal"].format(
            name=_plot._short(_plot._name(ind, lang), 30), year=goal, value=value)
        uri = _png(lambda ax: _plot.prob_curve_chart(curve, evidence=goal_ev, ax=ax, lang=lang,
                                                     title=title), (6.4, 4.6))
        n = min(sim.n_paths, _CURVE_PATHS)
        caption = t["curve_caption"].format(year=goal, value=value, paths=n)
        out += (f"<figure>{_img(uri, t['range_head'])}<figcaption>{_e(caption)}</figcaption>"
                "</figure>")
    return out


def _headline_section(sim: Any, table: pd.DataFrame, lang: str,
                      goal_data: dict[str, Any] | None = None) -> str:
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
        ranges = "" if goal_data is None else _range_html(sim, ident, goal_data, lang)
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
                              _path_text(r.get("stated")), _path_text(r.get("recomputed")),
                              ok, r.get("verdict", "")])
    counts = t["audit_counts"].format(*(len(groups[g]) for g in (0, 1, 2)))
    return (f'<p class="note">{_e(t["audit_note"])}</p><p>{_e(counts)}</p>'
            + _table(t["cols_audit"], groups[0] + groups[1] + groups[2], nowrap={4}))


def _scenario_section(sim: Any, frame: pd.DataFrame, lang: str) -> str:
    t = _T[lang]
    names = _plot._scenario_columns(frame)
    rows = []
    for r in frame.to_dict("records"):
        unit = sim.catalog[r["id"]].unit if r["id"] in sim.catalog else "-"
        row = [_name(sim, r["id"], lang), int(r["year"]),
               _plot._with_unit(r["target"], unit, lang) if "target" in r else ""]
        for s in names:
            se = r.get(f"{s} se")
            row.append(_pct(r[s]) + ("" if se is None else f" ± {_pp(se)}"))
        rows.append(row)
    labels = {i: _name(sim, i, lang) for i in frame["id"].unique()}
    n = len(frame) * (0.3 + 0.18 * len(names))
    uri = _png(lambda ax: _plot.scenario_bars(frame, ax=ax, lang=lang, names=labels),
               (7.5, 1.4 + n))
    return (_table(t["cols_scen_fixed"] + [str(s) for s in names], rows,
                   set(range(2, 3 + len(names))))
            + _img(uri, t["s_scen"]))


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
                     _plot._num(r.get("weight", np.nan)), f"{r.get('mean', np.nan):.1f}",
                     *(f"{r[c]:.1f}" for c in qcols), _pct(r.get("p_100", np.nan)),
                     _pct(r.get("p_ge", np.nan)), _plot._num(r.get("points", np.nan)),
                     t["yes"] if r.get("observed") else ""])
    numeric = set(range(2, len(header) - 1))
    out = _table(header, rows, numeric)
    total = getattr(result, "total", None)
    if total is None:
        return out
    grades = getattr(total, "grades", pd.Series(dtype=float))
    out += "<p>" + _e(t["scores_total"].format(
        year=getattr(result, "year", ""), mean=float(total.mean), sd=float(total.sd),
        grades=" · ".join(f"{g} {_pct(p)}" for g, p in grades.items()))) + "</p>"
    values = np.asarray(total.values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size:
        uri = _png(lambda ax: _plot.score_distribution(values, ax=ax, lang=lang,
                                                       title=t["scores_total_title"]),
                   (6.0, 3.4))
        out += _img(uri, t["scores_total_title"])
    return out


def _scores_section(scores: Any, lang: str) -> str:
    t = _T[lang]
    if isinstance(getattr(scores, "table", None), pd.DataFrame):
        return _score_result_section(scores, lang)
    out = ""
    if isinstance(scores, pd.DataFrame):
        cols = [str(c) for c in scores.columns]
        rows = [[_plot._num(v) if isinstance(v, (float, np.floating)) else v for v in r]
                for r in scores.itertuples(index=False)]
        out += _table(cols, rows)
        if not {"score", "prob"} <= set(scores.columns):
            return out
    else:
        values, probs, _ = _plot._score_pmf(scores)
        p100 = float(probs[np.isclose(values, 100.0)].sum())
        out += "<p>" + _e(t["scores_sample"].format(n=values.size, mean=float(values.mean()),
                                                     p100=_pct(p100))) + "</p>"
    uri = _png(lambda ax: _plot.score_distribution(scores, ax=ax, lang=lang), (6.0, 3.4))
    return out + _img(uri, t["s_scores"])


def _methods_section(sim: Any, lang: str) -> str:
    t = _T[lang]
    s = dict(sim.settings)
    s = {"n_paths": f"{sim.n_paths:,}", **s}
    for k in ("keep_paths", "chunk_size"):
        if isinstance(s.get(k), (int, np.integer)):
            s[k] = f"{s[k]:,}"
    settings = [[t["set_names"].get(k, k), "–" if v is None else v] for k, v in s.items()]
    models = [[_name(sim, i, lang), *_fitted_text(sim, i, lang)] for i in _ordered_ids(sim)]
    a = sim.assumptions(lang=lang)
    assumptions = [[_name(sim, r.id, lang), t["source"].get(r.source, r.source), r.field,
                    r.statement, r.reason] for r in a.itertuples()]
    keep = min(int(sim.settings.get("keep_paths") or sim.n_paths), sim.n_paths)
    return (f"<p>{_e(t['methods_text'].format(paths=sim.n_paths, keep=keep))}</p>"
            f"<h3>{_e(t['settings'])}</h3>" + _table(t["cols_settings"], settings)
            + f"<h3>{_e(t['models'])}</h3>" + _table(t["cols_models"], models)
            + f"<h3>{_e(t['assumptions'])}</h3>"
            + _table(t["cols_assump"], assumptions, nowrap={1, 2}))


def _check_lang(lang: str) -> dict[str, Any]:
    _plot._check_lang(lang)
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
        The written file. It has no external reference: styles are inline and
        charts are ``data:`` URIs.
    """
    global _QUEUE
    t = _check_lang(lang)
    with _LOCK:  # one report at a time collects figures into the module's queue
        _QUEUE = []
        try:
            page, jobs = _page(sim, t, lang=lang, audit=audit, scenarios=scenarios,
                               scores=scores)
        finally:
            _QUEUE = None
        uris = _render_all(jobs, progress)
    page = _PLACEHOLDER_RE.sub(lambda m: uris[int(m.group(1))], page)
    path = Path(path)
    write_text(path, page)  # atomic: temp file beside it, then os.replace
    return path


def _page(sim: Any, t: dict[str, Any], *, lang: str, audit: Any, scenarios: Any,
          scores: Any) -> tuple[str, list[tuple[Callable[[Any], Any], tuple[float, float]]]]:
    """The report's HTML with figure placeholders, and the queued figures."""
    from kpisim import __version__

    table = summary(sim, lang=lang, grades=True)  # the grade goals get a card too
    audit_frame = _audit_frame(sim, audit, lang)
    rule_paths = _rule_paths(audit_frame)
    sections: list[tuple[str, str, str]] = []

    read = (f'<p class="note">{_e(t["read_p"].format(paths=sim.n_paths))}</p>'
            f'<p class="note">{_e(t["read_class"])}</p>')
    sections.append(("head", t["s_head"],
                     read + _headline_section(sim, table, lang, _goal_data(sim))))
    sections.append(("all", t["s_all"], _table(t["cols_sum"], _summary_rows(table, lang),
                                               {1, 2, 3, 4, 5, 6})))
    n = len(sim.ids)
    heat_years = sim.prob_meet()["year"].nunique()
    heat = _png(lambda ax: _plot.attainment_heatmap(sim, ax=ax, lang=lang),
                (4.4 + 0.6 * heat_years, 1.4 + 0.3 * n))
    sections.append(("heat", t["s_heat"],
                     f'<p class="note">{_e(t["heat_note"])}</p>' + _img(heat, t["s_heat"])))
    sections.append(("audit", t["s_audit"], _audit_section(audit_frame, lang)))

    probs = sim.prob_meet()
    figures: list[str] = []
    multiples: list[str] = []
    small = [i for i in _ordered_ids(sim) if not sim.catalog[i].tags.headline]
    quant = (_plot._quantiles(sim, _FAN_Q, ids=small).pivot_table(
        index=["id", "year"], columns="q", values="value", sort=False, dropna=False)
        if small else None)
    for ident in _ordered_ids(sim):
        name = _name(sim, ident, lang)
        p = probs[(probs["id"] == ident) & ~probs["observed"]]
        caption = t["fan_caption"].format(
            " · ".join(f"{int(r.year)} {_pct(r.prob)}" for r in p.itertuples()))
        if sim.catalog[ident].tags.headline:  # the charts a reader looks at: full figures
            uri = _png(lambda ax, i=ident: _plot.fan_chart(sim, i, ax=ax, lang=lang,
                                                           rule_path=rule_paths.get(i)),
                       (5.4, 4.0))
            figures.append(f'<figure id="fan-{_e(ident)}" class="wide">{_img(uri, name)}'
                           f"{_svg_first_hit(sim, ident, lang)}<figcaption>{_e(caption)}"
                           "</figcaption></figure>")
        else:  # small multiples: inline SVG, no matplotlib figure
            svg = _svg_fan(sim, ident, quant.loc[ident], lang, rule_paths.get(ident))
            multiples.append(f'<figure id="fan-{_e(ident)}"><figcaption class="name">'
                           f"{_e(name)}</figcaption>{svg}<figcaption>{_e(caption)}</figcaption>"
                           "</figure>")
    sections.append(("fans", t["s_fans"], f'<p class="note">{_e(t["fan_note"])}</p>'
                     f'<div class="grid">{"".join(figures)}</div>'
                     f'<div class="grid small">{"".join(multiples)}</div>'))
    if scenarios is not None:
        sections.append(("scen", t["s_scen"], _scenario_section(sim, scenarios, lang)))
    if scores is not None:
        sections.append(("scores", t["s_scores"], _scores_section(scores, lang)))
    skipped = [[_name(sim, i, lang) if i in sim.catalog else i, _skip_reason(r, lang)]
               for i, r in sim.skipped.items()]
    sections.append(("skip", t["s_skip"], _table(t["cols_skip"], skipped) if skipped
                     else f'<p class="note">{_e(t["no_skip"])}</p>'))
    sections.append(("methods", t["s_methods"], _methods_section(sim, lang)))

    meta = t["meta"].format(catalog=getattr(sim.catalog, "name", ""), n=n, paths=sim.n_paths,
                            version=__version__, date=_report_date())
    toc = "".join(f'<li><a href="#{k}">{_e(title)}</a></li>' for k, title, _ in sections)
    body = (f"<h1>{_e(t['title'])}</h1><p class=\"meta\">{_e(meta)}</p>"
            f"<nav><b>{_e(t['toc'])}</b><ol>{toc}</ol></nav>"
            + "".join(f'<section id="{k}"><h2>{_e(title)}</h2>{content}</section>'
                      for k, title, content in sections))
    visible = _PLACEHOLDER_RE.sub("", body)
    page = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(t['title'])}</title><style>{_font_face(visible)}{_CSS}</style></head>"
            f"<body>{body}<script>{_SCRIPT}</script></body></html>\n")
    assert _QUEUE is not None
    return page, list(_QUEUE)


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
    a = sim.assumptions(lang=lang)
    s = {"n_paths": sim.n_paths, **sim.settings}
    parts = [f"# {t['title']}\n",
             f"## {t['s_head']}\n", _md_table(t["cols_sum"], _summary_rows(head, lang))
             if not head.empty else t["no_head"] + "\n",
             t["read_p"].format(paths=sim.n_paths) + "\n",
             f"## {t['s_all']}\n", _md_table(t["cols_sum"], _summary_rows(table, lang)),
             f"## {t['s_skip']}\n",
             _md_table(t["cols_skip"], [[_name(sim, i, lang) if i in sim.catalog else i,
                                         _skip_reason(r, lang)] for i, r in sim.skipped.items()])
             if sim.skipped else t["no_skip"] + "\n",
             f"## {t['s_methods']}\n",
             t["methods_text"].format(paths=sim.n_paths, keep=min(
                 int(sim.settings.get("keep_paths") or sim.n_paths), sim.n_paths)) + "\n",
             f"### {t['settings']}\n",
             _md_table(t["cols_settings"], [[t["set_names"].get(k, k), v] for k, v in s.items()]),
             f"### {t['models']}\n",
             _md_table(t["cols_models"],
                       [[_name(sim, i, lang), *_fitted_text(sim, i, lang)]
                        for i in _ordered_ids(sim)]),
             f"### {t['assumptions']}\n",
             _md_table(t["cols_assump"], [[_name(sim, r.id, lang),
                                           t["source"].get(r.source, r.source), r.field,
                                           r.statement, r.reason] for r in a.itertuples()])]
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
    q = _plot._quantiles(sim, (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975))
    q = q.assign(q=q["q"].map(lambda v: f"q{100 * v:g}"))
    quantiles = q.pivot_table(index=["id", "year"], columns="q", values="value", sort=False)
    quantiles = quantiles[sorted(quantiles.columns, key=lambda c: float(c[1:]))].reset_index()
    sheets = {
        "summary": summary(sim, lang=lang),
        "prob_meet": sim.prob_meet(),
        "prob_path": sim.prob_path(),
        "first_hit": sim.first_hit(),
        "quantiles": quantiles,
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
