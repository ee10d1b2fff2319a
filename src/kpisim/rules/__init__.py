"""Target-setting rules (목표치 설정 근거) as immutable value objects.

Every rule has

* ``path(indicator, years)`` → Series: the targets the rule gives, recomputed
  from the indicator's data as known at plan time;
* ``describe(lang="ko" | "en")``: the formula in words;
* ``next_target(prev_actual, prev_target, history_window)``: the next target
  on arrays of simulated paths, for the simulation engine, and
  ``path_dependent``: whether that next target depends on simulated actuals;
* a catalog (YAML) form: ``rule_from_dict`` / ``rule_to_dict``, the vocabulary
  of ``docs/catalog-format.md``.

Data a rule reads (see ``docs/rules.md``)
-----------------------------------------
* Actuals: the document's known (non-null) actuals. Years after the last
  known actual *stand in* with their target (the plan assumes its targets are
  met), e.g. an uplift on the previous actual for '24 uses the '23 target.
* Previous targets: when the previous year was computed in the same call it
  chains on that value (rounded when ``chain_rounded`` is true, the default),
  otherwise on the target the document states; the start of every chain is
  the document's.
* Rounding: ``Rounding(mode, decimals)`` applies to each computed target;
  shares are clipped to [0, 100] first.

Where a rule needs data the indicator lacks it raises :class:`RuleError`
naming the indicator and the rule.

The audit of stated paths against their rules is the submodule
:mod:`kpisim.rules.audit` (imported on first use: ``kpisim.rules.audit``).
The rules themselves live in private modules: ``_base`` (the interface),
``_rounding``, ``_growth``, ``_handbook``, ``_levels``, ``_handbook_math``.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from collections.abc import Mapping
from typing import Any

from kpisim._messages import Msg
from kpisim._validation import RuleError, joined, message_of
from kpisim.rules._base import Rule, RuleData, as_data
from kpisim.rules._growth import (
    CAGR,
    AbsoluteIncrement,
    MilestoneThenGrowth,
    PerBudget,
    RatioOfLast,
    Uplift,
    implied_cagr,
    required_cagr,
    years_to_reach,
)
from kpisim.rules._handbook import (
    DeviationRule,
    LongTermPath,
    PreviousTargetPlusSigma,
    RatioRule,
)
from kpisim.rules._levels import Fixed, Maintain, Sequence, Stated
from kpisim.rules._rounding import MODES, Rounding, rounding_from_value

__all__ = [
    "CAGR",
    "MODES",
    "RULE_CLASSES",
    "RULE_TYPES",
    "AbsoluteIncrement",
    "DeviationRule",
    "Fixed",
    "LongTermPath",
    "Maintain",
    "MilestoneThenGrowth",
    "PerBudget",
    "PreviousTargetPlusSigma",
    "RatioOfLast",
    "RatioRule",
    "Rounding",
    "Rule",
    "RuleData",
    "Sequence",
    "Stated",
    "Uplift",
    "as_data",
    "implied_cagr",
    "required_cagr",
    "rule_from_dict",
    "rule_to_dict",
    "years_to_reach",
]

#: Rule classes by their catalog ``type``.
RULE_CLASSES: dict[str, type[Rule]] = {
    cls.type: cls
    for cls in (CAGR, Uplift, DeviationRule, PreviousTargetPlusSigma, RatioRule,
                LongTermPath, AbsoluteIncrement, RatioOfLast, MilestoneThenGrowth,
                PerBudget, Fixed, Maintain, Stated, Sequence)
}
_COMMON_FIELDS = ("text", "interpretation", "rounding", "chain_rounded")
_COMMON = frozenset({"type", "rounding", "text", "interpretation"})

#: Rule types a catalog may name, with the parameters each accepts.
RULE_TYPES: dict[str, frozenset[str]] = {
    name: frozenset(f.name for f in dataclasses.fields(cls)
                    if f.name not in _COMMON_FIELDS)
    for name, cls in RULE_CLASSES.items()
}


#: Rules whose ``rate`` is a yearly growth as a fraction.
_RATE_RULES = frozenset({"cagr", "uplift", "milestone_then_growth"})
#: Fewest actuals the handbook takes σ over (5, or 4 or 3 when fewer exist).
_MIN_DEVIATION_WINDOW = 3


def _hint(name: Any, options: Any) -> Msg | str:
    """``did you mean `x`?`` for the option closest to ``name``, or ``""``."""
    close = difflib.get_close_matches(str(name), sorted(map(str, options)), n=1, cutoff=0.6)
    return Msg("rules.did_you_mean", name=close[0]) if close else ""


def _check_catalog_values(rule: Rule) -> None:
    """Refuse values a catalog almost surely got wrong, though a Rule built in code allows them.

    * a yearly ``rate`` ≥ 1 (100 % a year) in ``cagr``, ``uplift`` or
      ``milestone_then_growth``: a percentage written as a number (``rate: 8``
      for 8 %). Growth of 100 % a year or more is written as ``ratio_of_last``
      (``ratio: 2`` doubles);
    * a ``deviation`` ``window`` below 3: the handbook takes σ over the last 5
      actuals, or 4 or 3 when fewer exist (with fewer it uses ``ratio``).
    """
    rate = getattr(rule, "rate", None)
    if rule.type in _RATE_RULES and rate is not None and rate >= 1:
        guess = Msg("rules.rate_guess", value=f"{rate / 100:g}") if rate < 100 else ""
        raise RuleError(Msg("rules.rate_percent", type=rule.type, rate=f"{rate:g}",
                            percent=f"{rate * 100:g}", guess=guess))
    window = getattr(rule, "window", None)
    if rule.type == "deviation" and window is not None and window < _MIN_DEVIATION_WINDOW:
        raise RuleError(Msg("rules.deviation_window", least=_MIN_DEVIATION_WINDOW, window=window))


def _text(kind: str, name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RuleError(Msg("rules.string_param", type=kind, name=name, got=repr(value)))
    return value


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Build a rule from its catalog mapping.

    Parameters
    ----------
    data : mapping
        ``type``, the type's parameters, ``text``, ``interpretation`` and an
        optional ``rounding: {mode, decimals, chain_rounded}`` (``chain_rounded``
        is optional and may appear alone).

    Raises
    ------
    RuleError
        Unknown type (with the closest type named), unknown parameter (with
        the closest one named) or missing parameter (named), a bad value, or
        a value a catalog almost surely got wrong though a rule built in code
        may hold it: a yearly ``rate`` ≥ 1 in ``cagr``, ``uplift`` or
        ``milestone_then_growth`` (a percentage written as a number: ``8``
        for 8 %) and a ``deviation`` ``window`` below 3.

    Examples
    --------
    >>> rule = rule_from_dict({"type": "uplift", "rate": 0.03,
    ...                        "basis": "previous_target",
    ...                        "rounding": {"mode": "half_up", "decimals": 0}})
    >>> type(rule).__name__, rule.rate, rule.rounding.label
    ('Uplift', 0.03, 'half_up(0)')
    >>> rule_to_dict(rule)["rounding"]
    {'mode': 'half_up', 'decimals': 0}
    """
    if not isinstance(data, Mapping):
        from kpisim._safeio import short_repr

        raise RuleError(Msg("rules.not_mapping", got=short_repr(data)))
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in RULE_CLASSES:
        hint = _hint(kind, RULE_CLASSES) if isinstance(kind, str) else ""
        raise RuleError(Msg("rules.unknown_type", type=repr(kind),
                            hint=Msg("rules.hint", hint=hint) if hint else "",
                            types=sorted(RULE_CLASSES)))
    extra = set(data) - RULE_TYPES[kind] - _COMMON
    if extra:
        takes = RULE_TYPES[kind] | _COMMON
        unknown = sorted(map(str, extra))
        hints = [Msg("rules.param_hint", param=k, hint=h)
                 for k in unknown if (h := _hint(k, takes - set(data)))]
        hint = Msg("rules.hint", hint=joined(hints)) if hints else ""
        raise RuleError(Msg("rules.unknown_params", type=kind, unknown=unknown, hint=hint,
                            takes=sorted(takes)))
    params = {k: v for k, v in data.items() if k in RULE_TYPES[kind]}
    if kind == "sequence":
        params["parts"] = _parts_from(params.get("parts"))
    rounding_raw = data.get("rounding")
    chain = None
    if isinstance(rounding_raw, Mapping):
        rounding_raw = dict(rounding_raw)
        chain = rounding_raw.pop("chain_rounded", None)
        if chain is not None and not isinstance(chain, bool):
            raise RuleError(Msg("rules.chain_rounded", type=kind))
        if "mode" not in rounding_raw and "decimals" not in rounding_raw:
            rounding_raw = None
    rounding = (None if rounding_raw is None  # (the owner's name is built only when needed)
                else rounding_from_value(rounding_raw, owner=Msg("rules.owner", type=kind)))
    required = sorted(
        f.name for f in dataclasses.fields(RULE_CLASSES[kind])
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    missing = [name for name in required if name not in params]
    if missing:
        raise RuleError(Msg("rules.missing_params", type=kind, required=required,
                            missing=missing))
    try:
        rule = RULE_CLASSES[kind](
            **params,
            text=_text(kind, "text", data.get("text")),
            interpretation=_text(kind, "interpretation", data.get("interpretation")),
            rounding=rounding,
            chain_rounded=chain,
        )
    except TypeError as e:
        types = {k: type(v).__name__ for k, v in sorted(params.items())}
        raise RuleError(Msg("rules.wrong_type", type=kind, types=types)) from e
    _check_catalog_values(rule)
    return rule


def _parts_from(raw: Any) -> list[tuple[int, Rule]]:
    if not isinstance(raw, list) or not raw:
        raise RuleError(Msg("rules.sequence_parts", got=repr(raw)))
    parts = []
    for i, part in enumerate(raw):
        if not isinstance(part, Mapping) or set(part) != {"from", "rule"}:
            raise RuleError(Msg("rules.sequence_part", i=i, shape="{from: year, rule: {…}}"))
        try:
            rule = rule_from_dict(part["rule"])
        except RuleError as e:
            raise RuleError(Msg("rules.sequence_part_rule", i=i, reason=message_of(e))) from e
        parts.append((part["from"], rule))
    return parts


def _plain(value: Any) -> Any:
    if isinstance(value, Rule):
        return rule_to_dict(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The catalog mapping of ``rule`` (inverse of :func:`rule_from_dict`).

    Parameters equal to their default are left out.
    """
    if not isinstance(rule, Rule):
        msg = f"rule_to_dict needs a Rule; got {type(rule).__name__}"
        raise RuleError(msg)
    defaults = {f.name: f.default for f in dataclasses.fields(rule)}
    out: dict[str, Any] = {"type": rule.type}
    for name, value in rule.params().items():
        if defaults.get(name, dataclasses.MISSING) == value:
            continue
        out[name] = _plain(value)
    if rule.rounding is not None or rule.chain_rounded is not None:
        rnd = rule.rounding.to_dict() if rule.rounding is not None else {}
        if rule.chain_rounded is not None:
            rnd["chain_rounded"] = rule.chain_rounded
        out["rounding"] = rnd
    if rule.text:
        out["text"] = rule.text
    if rule.interpretation:
        out["interpretation"] = rule.interpretation
    return out


def __getattr__(name: str) -> Any:
    # ``kpisim.rules.audit`` without an explicit import (PEP 562); the audit
    # module imports pandas and the message catalogue, so it is not eager.
    if name == "audit":
        return importlib.import_module("kpisim.rules.audit")
    msg = f"module 'kpisim.rules' has no attribute {name!r}"
    raise AttributeError(msg)
