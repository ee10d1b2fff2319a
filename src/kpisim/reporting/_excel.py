"""The Excel report.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from kpisim import _style as style
from kpisim._chartdata import quantiles
from kpisim._messages import in_lang, keys, text
from kpisim._safeio import atomic_write, neutralise_cell
from kpisim._summary import summary
from kpisim._validation import KpisimError
from kpisim.reporting._page import _check_lang
from kpisim.reporting._sections import _audit_frame


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


def _header(column: Any, lang: str) -> Any:
    """A column's header: ``"달성확률 (prob)"`` in Korean, the field name in English."""
    key = f"excel.col.{column}"
    if lang == "en" or key not in _known():
        return column
    return f"{text(key, lang)} ({column})"


@cache
def _known() -> frozenset[str]:
    return frozenset(k for k in keys() if k.startswith("excel."))


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
        assumptions, skipped, settings`` and ``audit`` when available. In
        Korean (the default) the sheets are 요약, 연도별 달성확률, 연속
        달성확률, 최초 달성 연도, 분위수, 가정, 제외 지표, 설정 and 목표 점검,
        and each header names its field beside it (``달성확률 (prob)``); in
        English sheets and headers are the field names.
    """
    _check_lang(lang)
    if not isinstance(path, str | os.PathLike):
        msg = f"report_excel: `path` must be a file name (str or Path); got {type(path).__name__}"
        raise KpisimError(msg)
    path = Path(path)
    q = quantiles(sim, None, style.FAN_Q)
    q = q.assign(q=q["q"].map(lambda v: f"q{100 * v:g}"))
    wide = q.pivot_table(index=["id", "year"], columns="q", values="value", sort=False)
    wide = wide[sorted(wide.columns, key=lambda c: float(c[1:]))].reset_index()
    sheets = {
        "summary": summary(sim, lang=lang, grades=True),  # the table kpisim run prints
        "prob_meet": sim.prob_meet(),
        "prob_path": sim.prob_path(),
        "first_hit": sim.first_hit(),
        "quantiles": wide,
        "assumptions": sim.assumptions(lang=lang),
        "skipped": pd.DataFrame([(i, in_lang(r, lang)) for i, r in sim.skipped.items()],
                                columns=["id", "reason"]),
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
            frame = frame.rename(columns=lambda c: _header(c, lang))
            _excel_safe(frame).to_excel(writer, sheet_name=text(f"excel.sheet.{name}", lang),
                                        index=False)
    return path
