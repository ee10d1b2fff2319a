"""How kpisim's charts look, shared by :mod:`kpisim.plot` (matplotlib) and the report's
inline SVG: the colours and the bands of the fan charts.

Actuals are dark, stated targets orange, the fan blue, the goal red, targets
recomputed from the rule purple, "never" grey.
"""

from __future__ import annotations

__all__ = ["ACTUAL", "FAN", "FAN_BANDS", "FAN_Q", "GOAL", "HEAT", "NEVER", "OBSERVED_EDGE",
           "OBSERVED_FILL", "RULE", "TARGET", "heat_colour"]

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

#: The ten 10%-wide colour bands of P(target met), 0–10% first: matplotlib's
#: ``RdYlGn`` resampled to 10 colours (red → yellow → green); a test checks them.
HEAT = ("#a50026", "#da372a", "#f67b4a", "#fdbf6f", "#feeea2",
        "#eaf6a2", "#b7e075", "#74c365", "#229c52", "#006837")
#: Cells of years already observed: grey, hatched (facts, not probabilities).
OBSERVED_FILL, OBSERVED_EDGE = "#e6e6e6", "#9a9a9a"


def heat_colour(p: float) -> tuple[str, bool]:
    """The band colour of probability ``p`` and whether text on it should be white.

    >>> heat_colour(0.05), heat_colour(0.55), heat_colour(1.0)
    (('#a50026', True), ('#eaf6a2', False), ('#006837', True))
    """
    hexa = HEAT[min(max(int(p * 10), 0), 9)]
    r, g, b = (int(hexa[k:k + 2], 16) / 255 for k in (1, 3, 5))
    return hexa, 0.299 * r + 0.587 * g + 0.114 * b < 0.5
