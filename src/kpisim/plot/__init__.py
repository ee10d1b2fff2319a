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

from kpisim._chartdata import FanData, fan_data, goal_of, quantiles
from kpisim.plot._base import (
    korean_font,
    texts,
    to_svg,
    use_korean_font,
)
from kpisim.plot._charts import (
    attainment_heatmap,
    first_hit_histogram,
    prob_curve_chart,
    scenario_bars,
    scenario_columns,
    score_distribution,
    score_pmf,
    tornado,
)
from kpisim.plot._fans import (
    fan_chart,
)

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
