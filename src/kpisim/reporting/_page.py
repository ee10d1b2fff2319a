"""Page building blocks shared by every part of the report: texts, escaping, tables.
"""

from __future__ import annotations

import datetime as _dt
import functools
import html
import re
from collections.abc import Mapping
from typing import Any

from kpisim import _format as fmt
from kpisim._messages import check_lang, keys, text

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


def _check_lang(lang: str) -> dict[str, Any]:
    check_lang(lang)
    return _T[lang]
