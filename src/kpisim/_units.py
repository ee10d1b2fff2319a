"""How units are written after a number in English (one table for the tables and the plots).

Korean output keeps the unit as the catalog writes it; English writes the
common units in words. Units not listed are written as they are, after a
space; dimensionless ones (:data:`NO_SUFFIX`) get no suffix.
"""

from __future__ import annotations

__all__ = ["NO_SUFFIX", "UNIT_EN", "unit_suffix"]

#: English suffix of a number in each common unit.
UNIT_EN = {
    "개": "",
    "개사": " firms",
    "%": "%",
    "%p": " pp",
    "억불": " × 100M USD",
    "만불": " × 10k USD",
    "억원": " × 100M KRW",
    "조원": " trillion KRW",
    "명": " persons",
    "건": " cases",
    "점": " points",
    "개/억원": " per 100M KRW",
}

#: Units shown without a suffix (dimensionless scores, indices, grades).
NO_SUFFIX = frozenset({"-", "", "수", "지수", "grade", "등급"})


def unit_suffix(unit: str | None, lang: str = "ko") -> str:
    """What follows a number in ``unit``: ``"개"`` → ``""`` (en) / ``"개"`` (ko).

    >>> unit_suffix("개사", "en"), unit_suffix("개사", "ko"), unit_suffix("kWh", "en")
    (' firms', '개사', ' kWh')
    """
    unit = unit or ""
    if lang == "en":
        return UNIT_EN.get(unit, "" if unit in NO_SUFFIX else f" {unit}")
    return "" if unit in NO_SUFFIX else unit
