"""The Markdown report.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from kpisim._safeio import write_text
from kpisim._summary import summary
from kpisim._validation import KpisimError
from kpisim.reporting._page import _check_lang, _name, _Raw, _skip_reason
from kpisim.reporting._sections import (
    _assumption_rows,
    _kept,
    _model_rows,
    _settings_rows,
    _summary_rows,
)


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
    if not isinstance(path, str | os.PathLike):
        msg = f"report_markdown: `path` must be a file name; got {type(path).__name__}"
        raise KpisimError(msg)
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
