"""The weighted total of indicator scores and the institution's grade (S … E).

Private: the public names are re-exported by :mod:`kpisim.scoring`. The
handbook grades 공기업(상장형) on fixed cut-offs of the weighted total and the
other institution types relative to their group (HANDBOOK.md, "Aggregation").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from kpisim._validation import ScoringError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "INSTITUTION_GRADES",
    "INSTITUTION_TYPES",
    "institution_grade",
    "institution_grade_rule",
    "weighted_total",
]

#: Institutional grade by the weighted total: (grade, lowest total), best first.
INSTITUTION_GRADES: tuple[tuple[str, float], ...] = (
    ("S", 90.0),
    ("A", 80.0),
    ("B", 70.0),
    ("C", 60.0),
    ("D", 50.0),
    ("E", -math.inf),
)

#: Institution types and how the handbook grades them (HANDBOOK.md, "Aggregation"):
#: ``absolute`` = the fixed cut-offs :data:`INSTITUTION_GRADES` (S ≥ 90, A ≥ 80,
#: B ≥ 70, C ≥ 60, D ≥ 50, else E); ``relative`` = the grade follows the rank of
#: the total within the institution's group. English aliases are accepted.
INSTITUTION_TYPES: dict[str, str] = {
    "공기업(상장형)": "absolute",
    "공기업(비상장형)": "relative",
    "준정부기관": "relative",
    "강소형": "relative",
    "기타공공기관": "relative",
}
_TYPE_ALIASES = {
    "listed_public_corporation": "공기업(상장형)",
    "public_corporation": "공기업(비상장형)",
    "quasi_government": "준정부기관",
    "small": "강소형",
    "other_public": "기타공공기관",
}


def _institution_type(institution_type: Any) -> str:
    name = _TYPE_ALIASES.get(institution_type, institution_type)
    if name not in INSTITUTION_TYPES:
        msg = (f"`institution_type` must be one of {list(INSTITUTION_TYPES)} (or "
               f"{list(_TYPE_ALIASES)}); got {institution_type!r}")
        raise ScoringError(msg)
    return name


def _shares(shares: Any) -> NDArray[np.float64]:
    names = [g for g, _ in INSTITUTION_GRADES]
    if isinstance(shares, Mapping):
        unknown = sorted(set(map(str, shares)) - set(names))
        if unknown:
            msg = f"`shares` names grades not in {names}: {unknown}"
            raise ScoringError(msg)
        shares = [shares.get(g, 0.0) for g in names]
    sh = np.asarray(shares, dtype=float)
    if sh.shape != (len(names),) or np.any(~np.isfinite(sh)) or np.any(sh < 0) or not np.isclose(
        sh.sum(), 1.0
    ):
        msg = (f"`shares` must give the share of each grade {names} (best first), "
               f"non-negative and summing to 1; got {np.asarray(shares).tolist()}")
        raise ScoringError(msg)
    return sh


def institution_grade_rule(
    institution_type: str = "공기업(상장형)", *, relative: bool | None = None, lang: str = "en"
) -> str:
    """One sentence saying which grading rule :func:`institution_grade` applies.

    ``relative`` tells whether peer totals were given (relative types only):
    without them the absolute cut-offs are shown as a reference.
    """
    from kpisim._messages import text

    kind = _institution_type(institution_type)
    key = ("absolute" if INSTITUTION_TYPES[kind] == "absolute"
           else "relative" if relative else "reference")
    return text(f"grades.rule.{key}", lang, type=kind)


def institution_grade(
    total: Any,
    institution_type: str = "공기업(상장형)",
    *,
    peers: Any = None,
    shares: Any = None,
) -> NDArray:
    """Institutional grade (S … E) of weighted totals, by the institution type's rule.

    Parameters
    ----------
    total : array_like
        Weighted totals (평점 scale, 0–100); NaN gives ``""``.
    institution_type : str, default "공기업(상장형)"
        A key of :data:`INSTITUTION_TYPES`. ``공기업(상장형)`` is graded on the
        absolute cut-offs S ≥ 90, A 80–90, B 70–80, C 60–70, D 50–60, E < 50
        (lower edges inclusive: 80 is A). The other types are graded relative
        to their group and need ``peers`` and ``shares``.
    peers : array_like, optional
        Relative types: the totals of the other institutions of the group.
    shares : sequence or mapping, optional
        Relative types: the share of the group given each grade, S first
        (e.g. ``{"S": 0.05, "A": 0.25, ...}``), summing to 1. With ``r`` the
        fraction of peers whose total is strictly higher, the grade is the
        first ``g`` with ``r < shares[S] + … + shares[g]`` (the last place,
        ``r = 1``, gets the worst grade with a share > 0).

    Raises
    ------
    ScoringError
        An unknown type; a relative type without ``peers`` and ``shares``
        (the handbook gives no cut-offs for it: say so rather than guess);
        bad shares.

    Examples
    --------
    >>> institution_grade([91.0, 80.0, 79.9]).tolist()
    ['S', 'A', 'B']
    >>> institution_grade([72.0], "준정부기관", peers=[80, 75, 70, 60],
    ...                   shares=[0.0, 0.25, 0.5, 0.25, 0.0, 0.0]).tolist()
    ['B']
    """
    kind = _institution_type(institution_type)
    t = np.asarray(total, dtype=float)
    out = np.full(t.shape, "", dtype=object)
    if INSTITUTION_TYPES[kind] == "absolute":
        for grade, low in reversed(INSTITUTION_GRADES):
            out[t >= low] = grade
        return out
    if peers is None or shares is None:
        msg = (f"{kind} is graded relative to its group (HANDBOOK: only 공기업(상장형) has "
               "absolute cut-offs): pass `peers` (the group's other totals) and `shares` "
               "(the share of each grade), or grade with institution_type='공기업(상장형)' "
               "as a reference")
        raise ScoringError(msg)
    p = np.asarray(peers, dtype=float).ravel()
    if p.size == 0 or np.any(~np.isfinite(p)):
        msg = f"`peers` must be finite totals of at least one other institution; got {p.tolist()}"
        raise ScoringError(msg)
    sh = _shares(shares)
    cum = np.cumsum(sh)
    above = (p[None, :] > t.reshape(-1, 1)).mean(axis=1).reshape(t.shape)
    names = np.array([g for g, _ in INSTITUTION_GRADES], dtype=object)
    worst = int(np.flatnonzero(sh > 0)[-1])  # the last place gets the worst grade given
    idx = np.minimum((above[..., None] >= cum - 1e-12).sum(axis=-1), worst)
    out[...] = names[idx]
    out[np.isnan(t)] = ""
    return out


def weighted_total(scores: ArrayLike, weights: ArrayLike) -> Any:
    """Weighted mean of indicator scores along the last axis: ``Σ wᵢ·sᵢ / Σ wᵢ``.

    ``scores`` has shape (..., n_indicators); NaN propagates.
    """
    s, w = np.asarray(scores, dtype=float), np.asarray(weights, dtype=float)
    if w.ndim != 1 or s.shape[-1:] != w.shape or np.any(w < 0) or w.sum() <= 0:
        msg = (
            f"`weights` must be non-negative, not all zero, one per indicator "
            f"({s.shape[-1:]}); got {w.tolist()}"
        )
        raise ScoringError(msg)
    return s @ w / w.sum()
