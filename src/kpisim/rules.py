"""Target-setting rules (placeholder until the rules issue lands).

The catalog stores each indicator's rule as a mapping with a ``type`` key and
its parameters (see ``docs/catalog-format.md``). This module turns that
mapping into a value object and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kpisim._validation import RuleError

__all__ = ["RULE_TYPES", "RuleSpec", "rule_from_dict", "rule_to_dict"]

#: Rule types a catalog may name, with the parameters each accepts.
RULE_TYPES: dict[str, frozenset[str]] = {
    "cagr": frozenset({"rate", "base_year"}),
    "uplift": frozenset({"rate", "basis"}),
    "deviation": frozenset({"k", "k_low", "window", "ddof", "baseline"}),
    "previous_target_plus_sigma": frozenset({"k", "window", "ddof"}),
    "ratio": frozenset({"high", "low"}),
    "long_term_path": frozenset({"goal_year", "goal_value"}),
    "increment": frozenset({"step"}),
    "ratio_of_last": frozenset({"ratio", "basis"}),
    "milestone_then_growth": frozenset({"year", "value", "rate"}),
    "per_budget": frozenset({"ratio", "budget"}),
    "fixed": frozenset({"value"}),
    "maintain": frozenset(),
    "stated": frozenset(),
    "sequence": frozenset({"parts"}),
}
_COMMON = frozenset({"type", "rounding", "text", "interpretation"})


@dataclass(frozen=True, kw_only=True)
class RuleSpec:
    """A rule recorded as data: its type, parameters and verbatim text."""

    type: str
    params: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""
    interpretation: str = ""
    rounding: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


def rule_from_dict(data: Mapping[str, Any]) -> RuleSpec:
    """Build a rule from its catalog mapping; raise RuleError when malformed."""
    if not isinstance(data, Mapping):
        msg = f"a rule must be a mapping with a `type` key; got {data!r}"
        raise RuleError(msg)
    kind = data.get("type")
    if kind not in RULE_TYPES:
        msg = f"unknown rule type {kind!r}; expected one of {sorted(RULE_TYPES)}"
        raise RuleError(msg)
    extra = set(data) - RULE_TYPES[kind] - _COMMON
    if extra:
        msg = (
            f"rule `{kind}` does not take {sorted(extra)}; it takes "
            f"{sorted(RULE_TYPES[kind] | _COMMON)}"
        )
        raise RuleError(msg)
    params = {k: v for k, v in data.items() if k not in _COMMON}
    return RuleSpec(
        type=kind,
        params=params,
        text=str(data.get("text", "") or ""),
        interpretation=str(data.get("interpretation", "") or ""),
        rounding=data.get("rounding"),
    )


def rule_to_dict(rule: RuleSpec) -> dict[str, Any]:
    """The catalog mapping of ``rule`` (inverse of :func:`rule_from_dict`)."""
    out: dict[str, Any] = {"type": rule.type, **dict(rule.params)}
    if rule.rounding is not None:
        out["rounding"] = dict(rule.rounding)
    if rule.text:
        out["text"] = rule.text
    if rule.interpretation:
        out["interpretation"] = rule.interpretation
    return out
