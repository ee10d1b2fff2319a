"""The performance indicator (성과지표) as an immutable value object.

An :class:`Indicator` holds what a plan document says about one indicator:
its actuals and stated targets by year, its unit, kind and direction, the
target-setting rule, where each value came from (provenance), tags that place
it in the plan, and any assumption kpisim had to add (kept apart from the
document's values).
"""

from __future__ import annotations

from kpisim.indicator._indicator import Indicator
from kpisim.indicator._values import (
    Assumption,
    Bounds,
    Provenance,
    Related,
    Scoring,
    Tags,
    UndatedGoal,
    direction_assumption,
    kind_assumption,
    scoring_methods,
)
from kpisim.indicator._vocabulary import (
    DIRECTIONS,
    GOALS,
    ID_PATTERN,
    KINDS,
    MAX_UNIT_LENGTH,
    MAX_VALUE,
    PERCENT_UNITS,
    SCORING_CATEGORIES,
    SCORING_METHODS,
    UNIT_EXPECTED,
    UNIT_KINDS,
    UNITS,
    YEAR_RANGE,
    Direction,
    Kind,
    Value,
    check_unit,
    direction_sign,
    infer_kind,
)

__all__ = [
    "DIRECTIONS",
    "GOALS",
    "ID_PATTERN",
    "KINDS",
    "MAX_UNIT_LENGTH",
    "MAX_VALUE",
    "PERCENT_UNITS",
    "SCORING_CATEGORIES",
    "SCORING_METHODS",
    "UNITS",
    "UNIT_EXPECTED",
    "UNIT_KINDS",
    "YEAR_RANGE",
    "Assumption",
    "Bounds",
    "Direction",
    "Indicator",
    "Kind",
    "Provenance",
    "Related",
    "Scoring",
    "Tags",
    "UndatedGoal",
    "Value",
    "check_unit",
    "direction_assumption",
    "direction_sign",
    "infer_kind",
    "kind_assumption",
    "scoring_methods",
]
