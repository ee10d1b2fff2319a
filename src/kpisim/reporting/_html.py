"""The HTML report: one self-contained page.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from kpisim._safeio import write_text
from kpisim._summary import summary
from kpisim._validation import KpisimError
from kpisim.reporting._figures import _PLACEHOLDER_RE, _figure, collecting
from kpisim.reporting._font import _font_face
from kpisim.reporting._page import (
    _CSS,
    _SCRIPT,
    _check_lang,
    _e,
    _name,
    _ordered_ids,
    _report_date,
    _skip_reason,
    _table,
)
from kpisim.reporting._sections import (
    _audit_frame,
    _audit_section,
    _fans_section,
    _goal_data,
    _headline_section,
    _methods_section,
    _rule_paths,
    _scenario_section,
    _scores_section,
    _summary_rows,
)
from kpisim.reporting._svg import _heat_table


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
    t = _check_lang(lang)
    with collecting(sim) as figures:  # one report at a time
        body = _body(sim, t, lang=lang, audit=audit, scenarios=scenarios, scores=scores)
        svgs = figures.collect(progress)
    body = _PLACEHOLDER_RE.sub(lambda m: svgs[int(m.group(1))], body)
    page = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(t['title'])}</title><style>{_font_face(body)}{_CSS}</style></head>"
            f"<body>{body}<script>{_SCRIPT}</script></body></html>\n")
    if not isinstance(path, str | os.PathLike):
        msg = f"report: `path` must be a file name (str or Path); got {type(path).__name__}"
        raise KpisimError(msg)
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
