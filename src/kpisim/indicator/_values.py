"""The small value objects of an indicator: provenance, tags, scoring, bounds, links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kpisim._messages import Msg
from kpisim._validation import CatalogError
from kpisim.indicator._vocabulary import (
    ID_PATTERN,
    SCORING_METHODS,
    Value,
)


def _bounds_error(ident: str | None, field: str, expected: str, got: Any) -> CatalogError:
    return CatalogError(source=None, indicator=ident, field=field, expected=expected, got=got)


def kind_assumption(unit: str, kind: str, reason: str) -> Assumption:
    """The :class:`Assumption` recorded when ``kind`` was inferred from the unit."""
    from kpisim._messages import text

    return Assumption(
        field="kind",
        statement=f"kind `{kind}` inferred from unit `{unit}`",
        reason=f"no `kind` was given; {reason}; give `kind` to set it",
        value={"inferred_from_unit": unit, "kind": kind},
        statement_ko=text("frames.kind_assumption.statement", "ko", kind=kind, unit=unit),
        reason_ko=text("frames.kind_assumption.reason", "ko", kind=kind),
    )


def direction_assumption(direction: str = "increase") -> Assumption:
    """The :class:`Assumption` recorded when no ``direction`` was given.

    A catalog entry without ``direction`` is read as ``increase``: a target
    is met by reaching at least it. For a lower-is-better indicator (처리
    기간, 사고 건수) that reading is wrong, so it is shown, not silent.
    """
    from kpisim._messages import text

    return Assumption(
        field="direction",
        statement=text("frames.direction_assumption.statement", "en", direction=direction),
        reason=text("frames.direction_assumption.reason", "en"),
        value={"direction": direction, "stated": False},
        statement_ko=text("frames.direction_assumption.statement", "ko", direction=direction),
        reason_ko=text("frames.direction_assumption.reason", "ko"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where an indicator's values and rule come from.

    Parameters
    ----------
    source : str
        Source document file name (e.g. ``000_2bd331b0a6e88665.txt``).
    section : str
        Section of the document (e.g. ``III-1 전략과제① 3. 전략과제 목표지표``).
    label : str
        The row label exactly as printed in the table.
    description, formula, basis : str
        Verbatim 지표설명, 지표산식 and 산출근거 (목표치 설정 근거) texts; empty
        when the document gives none.
    notes : tuple of str
        Verbatim remarks attached to values (e.g. ``'22 실적 - (집계중)``).
    """

    source: str = ""
    section: str = ""
    label: str = ""
    description: str = ""
    formula: str = ""
    basis: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Tags:
    """Where an indicator sits in the plan.

    Parameters
    ----------
    goal : {"I", "II", "III", "IV"} or None
        Strategic goal (전략목표).
    task : int or None
        Strategic task (전략과제) 1–8.
    headline : bool
        One of the plan's headline management goals (중장기 경영목표).
    key : tuple of str
        Key-indicator marks (주요성과지표): ``"evaluation"`` for ① 경영평가
        계량지표 and ``"ceo"`` for ② 기관장 성과지표.
    category : {"주요사업", "경영관리"} or None
        Handbook category; it sets k in the deviation rule (2 or 1).
    labels : tuple of str
        Free-form labels (e.g. ``"regional"``).
    """

    goal: str | None = None
    task: int | None = None
    headline: bool = False
    key: tuple[str, ...] = ()
    category: str | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Scoring:
    """How the 경영평가편람 scores an indicator, as the catalog declares it.

    Parameters
    ----------
    method : str or None
        ``"auto"`` (the indicator's rule decides, see
        :class:`kpisim.scoring.ScoringSpec`), one of
        :data:`kpisim.scoring.METHODS` (deviation, ratio, long_term, trend,
        beta, target_ratio) or ``"grade"`` (a grade's 평점 on its scale, for
        grade indicators only). None: not declared.
    weight : float or None
        가중치 in the institution's weighted total, a finite number ≥ 0. None:
        not declared (then the indicator is left out of a total in which
        other indicators declare weights). A weight the document does not
        state must be labelled with an :class:`Assumption` whose ``field`` is
        ``scoring.weight``.
    """

    method: str | None = None
    weight: float | None = None

    @property
    def declared(self) -> bool:
        """True when the method or the weight is declared."""
        return self.method is not None or self.weight is not None


def scoring_methods() -> tuple[str, ...]:
    """Every ``scoring.method`` a catalog may declare (``auto``, the handbook's, ``grade``)."""
    return ("auto", *SCORING_METHODS, "grade")


@dataclass(frozen=True, slots=True, kw_only=True)
class Assumption:
    """An assumption kpisim (or a catalog author) added to a document's data.

    Assumptions are never mixed with document values: they are listed, with
    the reason, wherever results that depend on them are shown.
    """

    field: str
    statement: str
    reason: str
    value: Any = None
    statement_ko: str | None = None  # the statement in Korean, shown with ``lang="ko"``
    reason_ko: str | None = None  # the reason in Korean


@dataclass(frozen=True, slots=True)
class Bounds:
    """The bounded scale an indicator is simulated on, and why.

    Parameters
    ----------
    low, high : float
        The scale's lower and upper bound (``low < high``).
    source : {"catalog", "default"}
        ``"catalog"`` when the catalog sets ``bounds``; ``"default"`` when
        kpisim assumed them (see :meth:`Indicator.resolved_bounds`).
    statement : str
        One sentence to show beside results, saying which bounds apply and,
        for a default, that they are an assumption.
    """

    low: float
    high: float
    source: str
    statement: str


@dataclass(frozen=True, slots=True)
class Related:
    """A link from one indicator to a related series in the same catalog.

    Parameters
    ----------
    id : str
        The related indicator's id; it must exist in the catalog (checked by
        :class:`kpisim.Catalog`).
    relation : str
        How the two series relate, in one sentence (e.g. ``"narrower
        definition of the same programme's count; '21 991 vs 1,100"``).
    relation_ko : str, optional
        The same sentence in Korean (YAML key ``relation_ko``), shown when
        the language is Korean; ``None`` when not given (then
        :meth:`text` falls back to ``relation``).

    Raises
    ------
    CatalogError
        When ``id`` is not a snake_case id, ``relation`` is empty or
        ``relation_ko`` is given but not a non-empty string.

    Examples
    --------
    >>> r = Related("b", "same programme", "같은 사업")
    >>> r.text("ko"), r.text("en"), Related("b", "same programme").text("ko")
    ('같은 사업', 'same programme', 'same programme')
    """

    id: str
    relation: str
    relation_ko: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not ID_PATTERN.match(self.id):
            raise _bounds_error(None, "related.id", Msg("expected.id_snake_case_indicator"),
                                self.id)
        if not isinstance(self.relation, str) or not self.relation.strip():
            raise _bounds_error(None, "related.relation", Msg("expected.non_empty_sentence"),
                                self.relation)
        if self.relation_ko is not None and (
                not isinstance(self.relation_ko, str) or not self.relation_ko.strip()):
            raise _bounds_error(None, "related.relation_ko", Msg("expected.non_empty_sentence"),
                                self.relation_ko)

    def text(self, lang: str = "ko") -> str:
        """The relation in ``lang``: ``relation_ko`` for Korean when given, else ``relation``."""
        return self.relation_ko if lang == "ko" and self.relation_ko else self.relation


@dataclass(frozen=True, slots=True)
class UndatedGoal:
    """A goal the document states without a year (never given an invented one).

    Parameters
    ----------
    value : float, str or None
        The goal's value as written (a grade for a grade indicator); ``None``
        when the goal is qualitative or its number is not stated.
    text : str
        The goal exactly as the document writes it.
    note : str
        Optional remark (where it is printed, how ``value`` was read, e.g.
        ``"1만 = 10,000"``).

    Undated goals are shown by ``kpisim catalog`` and kept in the catalog's
    YAML; they are never simulated or scored, since P(goal met) needs a year.
    """

    value: Value
    text: str
    note: str = ""
