"""Small charts written as inline SVG by hand: fans, first hits, the heat table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpisim import _format as fmt
from kpisim import _style as style
from kpisim._chartdata import FanData, fan_data, quantiles
from kpisim.reporting._page import _T, _e, _name, _plot_texts


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
    # every indicator with a probability, grade goals (대외 기관평가) included
    ids = sorted([*sim.ids, *sim.grade_ids], key=lambda i: not sim.catalog[i].tags.headline)
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


def _fan_caption(probs: pd.DataFrame, ident: str, lang: str) -> str:
    p = probs[(probs["id"] == ident) & ~probs["observed"]]
    return _T[lang]["fan_caption"].format(
        " · ".join(f"{int(r.year)} {fmt.pct(r.prob)}" for r in p.itertuples()))
