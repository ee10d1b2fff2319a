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

from kpisim.reporting._excel import report_excel
from kpisim.reporting._html import report
from kpisim.reporting._markdown import report_markdown

__all__ = ["report", "report_excel", "report_markdown"]
