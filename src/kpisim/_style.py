"""How kpisim's charts look, shared by :mod:`kpisim.plot` (matplotlib) and the report's
inline SVG: the colours and the bands of the fan charts.

Actuals are dark, stated targets orange, the fan blue, the goal red, targets
recomputed from the rule purple, "never" grey.
"""

from __future__ import annotations

__all__ = ["ACTUAL", "FAN", "FAN_BANDS", "FAN_Q", "GOAL", "NEVER", "RULE", "TARGET"]

ACTUAL = "#1b1b1b"
TARGET = "#d95f02"
GOAL = "#c0122b"
FAN = "#2c6fbb"
RULE = "#6a3d9a"
NEVER = "#9e9e9e"

#: Quantiles of a fan chart: median and the 50/80/95% central bands.
FAN_Q = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)
#: (low, high) quantile, fill opacity and coverage in % of each band, widest first.
FAN_BANDS = (((0.025, 0.975), 0.15, 95), ((0.1, 0.9), 0.25, 80), ((0.25, 0.75), 0.4, 50))
