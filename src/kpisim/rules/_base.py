"""The machinery every target rule shares.

A rule computes targets year by year. :class:`_Run` is its view of one
indicator's data during one evaluation: stated targets and known actuals from
the document, the targets computed so far in this run, and the *stand-ins*
for actuals the plan could not know (the plan assumes its own targets are
met, so a year after the last known actual stands in with that year's target).

Chaining convention
-------------------
A rule that chains on the previous target uses, for year ``y``, the target of
``y - 1`` computed in the same run if ``y - 1`` was requested, and otherwise
the target the document states for ``y - 1`` (the start of the chain always
comes from the document). With ``chain_rounded=True`` (the default) the chain
carries the rounded value (what the document prints and the next year's
author multiplies); with ``False`` it carries the unrounded value, so the
rule compounds exactly and only the printed numbers are rounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from kpisim._messages import Msg
from kpisim._validation import RuleError, is_finite_number
from kpisim.rules._rounding import Rounding

FILLS = ("target", "none")


# ------------------------------------------------------------------ formatting
def pct(rate: float) -> str:
    """``0.1`` → ``"10%"``, ``0.049`` → ``"4.9%"``."""
    return f"{rate * 100:.6g}%"


def yy(year: int) -> str:
    """``2023`` → ``"'23"``."""
    return f"'{year % 100:02d}"


def num(value: Any, decimals: int | None = None) -> str:
    """A value as a document prints it (``1880`` → ``"1,880"``)."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        return f"{value:,.12g}" if abs(value) < 1e15 else f"{value:.6g}"
    return f"{value:,.{decimals}f}"


# ------------------------------------------------------------------- the data
@dataclass(frozen=True)
class RuleData:
    """What a rule may read from an indicator (or from a bare history).

    ``actuals`` and ``targets`` hold only known values; ``actual_years`` lists
    every year of the actual column, including those printed as '-' or
    '집계중', which tells the plan years apart from past years.
    """

    id: str
    kind: str = "level"
    direction: str = "increase"
    category: str | None = None
    actuals: Mapping[int, Any] = field(default_factory=dict)
    targets: Mapping[int, Any] = field(default_factory=dict)
    actual_years: tuple[int, ...] = ()

    @property
    def is_grade(self) -> bool:
        return self.kind == "grade"

    def plan_years(self) -> list[int]:
        """Stated target years after the last year of the actual column."""
        years = sorted(self.targets)
        if not years:
            return []
        last = max(self.actual_years, default=None)
        later = [y for y in years if last is None or y > last]
        if last is None or not later:
            return years[1:]
        return later


def _known(values: Mapping[int, Any]) -> dict[int, Any]:
    out = {}
    for year, v in values.items():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        out[int(year)] = v
    return dict(sorted(out.items()))


def as_data(obj: Any) -> RuleData:
    """Turn an Indicator, a year-indexed Series/DataFrame or a mapping into RuleData.

    A Series or mapping is read as actuals by year; a DataFrame may have
    ``actual`` and ``target`` columns (the layout of ``Indicator.history``).
    """
    if isinstance(obj, RuleData):
        return obj
    if hasattr(obj, "actuals") and hasattr(obj, "targets") and hasattr(obj, "kind"):
        return RuleData(
            id=obj.id,
            kind=obj.kind,
            direction=obj.direction,
            category=getattr(obj.tags, "category", None),
            actuals=_known(obj.actuals),
            targets=_known(obj.targets),
            actual_years=tuple(sorted(obj.actuals)),
        )
    if isinstance(obj, pd.DataFrame):
        act = obj["actual"].to_dict() if "actual" in obj else {}
        tgt = obj["target"].to_dict() if "target" in obj else {}
        return RuleData(
            id=str(obj.attrs.get("id", "<history>")),
            actuals=_known(act),
            targets=_known(tgt),
            actual_years=tuple(sorted(int(y) for y in act)),
        )
    if isinstance(obj, pd.Series):
        name = obj.name if isinstance(obj.name, str) and obj.name != "actual" else None
        act = obj.to_dict()
        return RuleData(
            id=name or "<history>",
            actuals=_known(act),
            actual_years=tuple(sorted(int(y) for y in act)),
        )
    if isinstance(obj, Mapping):
        return RuleData(
            id="<history>", actuals=_known(obj), actual_years=tuple(sorted(obj))
        )
    msg = (
        "a rule needs an Indicator, a year-indexed Series or DataFrame, or a "
        f"mapping of year to actual; got {type(obj).__name__}"
    )
    raise RuleError(msg)


# ----------------------------------------------------------------- the run
class Run:
    """One evaluation of a rule on one indicator (see the module docstring)."""

    def __init__(self, rule: Rule, data: RuleData, fill: str) -> None:
        if fill not in FILLS:
            msg = f"`fill` must be one of {list(FILLS)}; got {fill!r}"
            raise RuleError(msg)
        self.rule = rule
        self.data = data
        self.fill = fill
        self.raw: dict[int, Any] = {}
        self.rounded: dict[int, Any] = {}
        self.chain = True
        self.stand_ins: set[int] = set()
        self.read_stated: set[int] = set()
        self.current: Rule = rule

    def fail(self, message: str) -> RuleError:  # a Msg renders in either language
        return rule_error(self.data.id, self.current, message)

    def computed(self, year: int) -> Any:
        """This run's target for ``year`` (chain-rounded or raw), else None."""
        if year not in self.raw:
            return None
        return self.rounded[year] if self.chain else self.raw[year]

    def target(self, year: int) -> Any:
        """Target of ``year``: computed in this run, else as stated, else None."""
        value = self.computed(year)
        if value is None:
            value = self.data.targets.get(year)
            if value is not None:
                self.read_stated.add(year)
        return value

    def need_target(self, year: int) -> float:
        value = self.target(year)
        if value is None:
            msg = (
                f"needs the {yy(year)} target to start the chain; the document "
                "states none and it was not computed"
            )
            raise self.fail(msg)
        return self.number(value, f"the {yy(year)} target")

    def number(self, value: Any, what: str) -> float:
        if isinstance(value, str):
            msg = f"needs numbers, but {what} is the grade {value!r}"
            raise self.fail(msg)
        return float(value)

    def history(self, before: int) -> list[tuple[int, float]]:
        """Actuals before ``before`` as known at plan time, with stand-ins.

        Known actuals come from the document. With ``fill="target"`` every year
        after the last known actual (and before ``before``) stands in with its
        target, as the plan assumes its targets are met.
        """
        known = [(y, v) for y, v in self.data.actuals.items() if y < before]
        out = [(y, self.number(v, f"the {yy(y)} actual")) for y, v in known]
        if self.fill == "target":
            last = known[-1][0] if known else None
            candidates = set(self.data.targets) | set(self.raw)
            start = last + 1 if last is not None else min(candidates, default=before)
            for t in range(start, before):
                value = self.target(t)
                if value is not None:
                    out.append((t, self.number(value, f"the {yy(t)} target")))
                    self.stand_ins.add(t)
        return out

    def previous_actual(self, year: int) -> float:
        hist = self.history(year)
        if not hist or hist[-1][0] != year - 1:
            key = "rules.needs_actual_no_standin" if self.fill == "target" else "rules.needs_actual"
            raise self.fail(Msg(key, year=yy(year - 1)))
        return hist[-1][1]

    def last_actual(self, year: int, *, stand_ins: bool = True) -> tuple[int, float]:
        if stand_ins:
            hist = self.history(year)
        else:
            hist = [(y, self.number(v, "an actual"))
                    for y, v in self.data.actuals.items() if y < year]
        if not hist:
            msg = f"needs an actual before {yy(year)}; the indicator has none"
            raise self.fail(msg)
        return hist[-1]


def rule_error(indicator: str | None, rule: Rule, message: str) -> RuleError:
    """A RuleError naming the indicator and the rule (with its verbatim text)."""
    where = f"indicator `{indicator}`, " if indicator else ""
    text = f" ({rule.text!r})" if getattr(rule, "text", "") else ""
    err = RuleError(f"{where}rule `{rule.type}`{text}: {message}")
    err.detail = message  # the bare reason, for audit verdicts
    return err


@dataclass(frozen=True)
class Result:
    """What :func:`evaluate` computed.

    ``values`` by year; ``errors`` by year (``collect=True``); ``stand_ins``:
    years whose target stood in for an unknown actual; ``read_stated``: years
    whose *stated* target a chain read (e.g. the start of the chain).
    """

    values: dict[int, Any]
    errors: dict[int, str]
    stand_ins: frozenset[int]
    read_stated: frozenset[int]


def evaluate(
    rule: Rule,
    data: RuleData,
    years: list[int],
    *,
    rounding: Rounding | None = None,
    chain_rounded: bool | None = None,
    fill: str = "target",
    collect: bool = False,
) -> Result:
    """Compute ``rule``'s targets for ``years`` in order (the engine of ``path``).

    With ``collect=True`` a year the rule cannot compute is recorded in
    ``errors`` and skipped (later years then chain on its stated target);
    otherwise the first RuleError propagates.
    """
    run = Run(rule, data, fill)
    values: dict[int, Any] = {}
    errors: dict[int, str] = {}
    for year in sorted(set(years)):
        run.current = rule.active(year)
        chain = chain_rounded if chain_rounded is not None else rule.chain_at(year)
        run.chain = True if chain is None else bool(chain)
        try:
            raw = rule.compute(run, year)
        except RuleError as e:
            if not collect:
                raise
            errors[year] = getattr(e, "detail", str(e))
            continue
        if isinstance(raw, str):
            value = raw
        else:
            raw = float(raw)
            if not math.isfinite(raw):
                err = run.fail(f"computes a non-finite target for {yy(year)}")
                if not collect:
                    raise err
                errors[year] = err.detail
                continue
            if data.kind == "share":
                raw = min(max(raw, 0.0), 100.0)
            rnd = rounding if rounding is not None else rule.rounding_at(year)
            value = raw if rnd is None else rnd(raw)
        run.raw[year], run.rounded[year] = raw, value
        values[year] = value
    return Result(values, errors, frozenset(run.stand_ins), frozenset(run.read_stated))


# -------------------------------------------------------------------- checks
def check_number(rule_type: str, name: str, value: Any, *, low: float | None = None,
                 low_open: bool = False, integer: bool = False) -> Any:
    """Validate a numeric rule parameter; return it as float (or int)."""
    if not is_finite_number(value):
        raise RuleError(Msg("rules.number", owner=Msg("rules.owner", type=rule_type), name=name,
                            got=repr(value)))
    if integer:
        if isinstance(value, float) and not value.is_integer():
            raise RuleError(Msg("rules.integer", owner=Msg("rules.owner", type=rule_type),
                                name=name, got=repr(value)))
        value = int(value)
    else:
        value = float(value)
    if low is not None and (value <= low if low_open else value < low):
        op = ">" if low_open else "≥"
        raise RuleError(Msg("rules.at_least", owner=Msg("rules.owner", type=rule_type),
                            name=name, op=op, low=f"{low:g}", got=repr(value)))
    return value


def check_choice(rule_type: str, name: str, value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        raise RuleError(Msg("rules.choice", type=rule_type, name=name, options=sorted(options),
                            got=repr(value)))
    return value


def as_float_arrays(*arrays: Any) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*arrays)]


def window_2d(history_window: Any, rule: Rule) -> np.ndarray:
    if history_window is None:
        raise rule_error(None, rule, "`history_window` is required (shape (n_paths, window))")
    w = np.asarray(history_window, dtype=np.float64)
    if w.ndim == 1:
        w = w[np.newaxis, :]
    if w.ndim != 2 or w.shape[1] == 0:
        msg = f"`history_window` must have shape (n_paths, window); got {w.shape}"
        raise rule_error(None, rule, msg)
    return w


# ------------------------------------------------------------------ the base
@dataclass(frozen=True, kw_only=True, repr=False)
class Rule:
    """Base of every target rule (see :mod:`kpisim.rules` and ``docs/rules.md``).

    Parameters
    ----------
    text : str
        The document's verbatim rule text (산출근거).
    interpretation : str
        How the text was read, where that took judgement.
    rounding : Rounding, optional
        Rounding of each computed target; None leaves it open (the audit
        then searches for it).
    chain_rounded : bool, optional
        Whether chained rules carry the rounded previous target (None means
        True).

    Notes
    -----
    These four parameters are keyword-only and common to every rule; each
    rule's own parameters come first. Subclasses implement
    ``compute(run, year)`` (one year's unrounded target, reading data through
    the :class:`Run`), ``next_values`` (the vectorised form),
    ``formula(lang)`` and ``phrase()``.
    """

    def __repr__(self) -> str:
        parts = []
        common = ("text", "interpretation", "rounding", "chain_rounded")
        ordered = sorted(fields(self), key=lambda f: f.name in common)
        for f in ordered:
            value = getattr(self, f.name)
            if f.name in common and (value is None or value == ""):
                continue
            if f.default is not MISSING and value == f.default and f.name not in common:
                continue
            parts.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    type = "rule"  # class attribute, overridden by every subclass
    _path_dependent = False

    text: str = ""
    interpretation: str = ""
    rounding: Rounding | None = None
    chain_rounded: bool | None = None

    def _check_common(self) -> None:
        for name in ("text", "interpretation"):
            if not isinstance(getattr(self, name), str):
                msg = f"rule `{self.type}`: `{name}` must be a string"
                raise RuleError(msg)
        if self.rounding is not None and not isinstance(self.rounding, Rounding):
            msg = (
                f"rule `{self.type}`: `rounding` must be a Rounding; "
                f"got {self.rounding!r}"
            )
            raise RuleError(msg)
        if self.chain_rounded is not None and not isinstance(self.chain_rounded, bool):
            msg = f"rule `{self.type}`: `chain_rounded` must be true, false or None"
            raise RuleError(msg)

    def __post_init__(self) -> None:
        self._check_common()

    # -- the public face ------------------------------------------------
    @property
    def path_dependent(self) -> bool:
        """True when the next target depends on (simulated) actuals."""
        return self._path_dependent

    @property
    def lookback(self) -> int | None:
        """How many past actuals :meth:`next_target` reads, most recent last.

        The engine passes each path's last ``lookback`` actuals as
        ``history_window`` (known, then simulated); None means the whole
        history from the first known actual. The default, 1, is the previous
        actual alone; rules that read more override it (the handbook
        deviation rule: ``max(window, 3)``, σ and the 3-year baseline).
        """
        return 1

    def for_indicator(self, indicator: Any) -> Rule:
        """This rule with what it takes from the indicator filled in (default: itself)."""
        return self

    def check_indicator(self, indicator: Any) -> None:
        """Raise :class:`RuleError` if the rule cannot fit ``indicator`` at all.

        Run by the catalog loader on every indicator with a rule, so that a
        rule that could never give a target for it (a fixed grade off the
        scale, a long-term goal before the base year) is refused at load,
        naming the file and the indicator, rather than when it is used. The
        default checks nothing; data a rule needs only for some years (a
        missing budget, too short a history) is still reported when used.
        """

    def path(
        self,
        indicator: Any,
        years: Any = None,
        *,
        rounding: Rounding | None = None,
        chain_rounded: bool | None = None,
        fill: str = "target",
    ) -> pd.Series:
        """The targets this rule gives for ``years``.

        Parameters
        ----------
        indicator : Indicator, Series, DataFrame or mapping
            The indicator, or a year-indexed history of actuals (a DataFrame
            may also carry a ``target`` column).
        years : sequence of int, optional
            Target years; default: the plan years (stated target years after
            the last year of the actual column).
        rounding : Rounding, optional
            Overrides the rule's own rounding.
        chain_rounded : bool, optional
            Overrides whether chained rules carry the rounded value.
        fill : {"target", "none"}, default "target"
            How actuals the plan could not know are handled: ``"target"`` lets
            the year's target stand in (the plan assumes it meets its
            targets); ``"none"`` raises.

        Returns
        -------
        Series
            Indexed by year; float, or object for grades.

        Raises
        ------
        RuleError
            Naming the indicator and the rule when the data lack what the
            rule needs (no base, too short a history, a missing budget).
        """
        data = as_data(indicator)
        if years is None:
            years = data.plan_years()
        years = sorted({int(y) for y in np.atleast_1d(years)})
        if not years:
            raise rule_error(data.id, self, "no years to compute")
        res = evaluate(self, data, years, rounding=rounding,
                       chain_rounded=chain_rounded, fill=fill)
        values = [res.values[y] for y in years]
        dtype = object if any(isinstance(v, str) for v in values) else "float64"
        return pd.Series(values, index=pd.Index(years, name="year"), dtype=dtype,
                         name=data.id)

    def describe(self, lang: str = "ko") -> str:
        """The formula in words, in Korean (``"ko"``) or English (``"en"``)."""
        if lang not in ("ko", "en"):
            msg = f"`lang` must be 'ko' or 'en'; got {lang!r}"
            raise RuleError(msg)
        text = self.formula(lang)
        if self.rounding is not None and not self.rounding.is_none:
            text += ", " + self.rounding.describe(lang)
            if self.chain_rounded is False:
                text += (" (chain on unrounded values)" if lang == "en"
                         else " (연쇄 계산은 반올림 전 값)")
        return text

    def next_target(
        self,
        prev_actual: Any,
        prev_target: Any,
        history_window: Any = None,
        *,
        year: int | None = None,
        direction: str = "increase",
        category: str | None = None,
        share: bool = False,
    ) -> np.ndarray:
        """Next year's target on arrays of simulated paths.

        Parameters
        ----------
        prev_actual, prev_target : array_like, shape (n_paths,)
            Last year's (simulated) actual and target on each path.
        history_window : array_like, shape (n_paths, window), optional
            Recent actuals on each path, most recent last (NaN = missing,
            on the left). Needed by the handbook rules.
        year : int, optional
            The target year (needed by rules that change with the year).
        direction : {"increase", "decrease", "maintain"}
        category : {"주요사업", "경영관리"}, optional
            Sets k of the deviation rule when the rule leaves it open.
        share : bool
            Clip to [0, 100].

        Returns
        -------
        ndarray, shape (n_paths,)
            The rule's rounding is applied. Paths lacking the data a rule
            needs get NaN.
        """
        pa, pt = as_float_arrays(prev_actual, prev_target)
        out = np.asarray(
            self.next_values(pa, pt, history_window, year=year, direction=direction,
                             category=category), dtype=np.float64)
        if share:
            out = np.clip(out, 0.0, 100.0)
        rnd = self.rounding_at(year)
        return out if rnd is None else rnd(out)

    # -- hooks for subclasses ---------------------------------------------
    def compute(self, run: Run, year: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def formula(self, lang: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def phrase(self) -> str:
        """A short English phrase for audit verdicts."""
        return self.formula("en")

    def next_values(self, pa, pt, window, *, year, direction, category):
        raise rule_error(None, self, "has no per-path form; use `path()`")

    def active(self, year: int | None) -> Rule:
        return self

    def rounding_at(self, year: int | None) -> Rounding | None:
        return self.rounding

    def chain_at(self, year: int | None) -> bool | None:
        return self.chain_rounded

    def params(self) -> dict[str, Any]:
        """The rule's own parameters (no text/rounding), for the catalog form."""
        out = {}
        for f in fields(self):
            if f.name in ("text", "interpretation", "rounding", "chain_rounded"):
                continue
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = value
        return out
