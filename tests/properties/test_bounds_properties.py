"""Bounds round-trip through YAML and tables, and resolved bounds hold the values."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

import kpisim
from tests.strategies import catalogs


def _with_bounds(cat: kpisim.Catalog, pad: float) -> kpisim.Catalog:
    """Give every numeric indicator bounds that enclose its values."""
    out = []
    for ind in cat.values():
        if ind.kind != "grade":
            values = [float(v) for v in (*ind.actuals.values(), *ind.targets.values())
                      if v is not None]
            low, high = (min(values), max(values)) if values else (0.0, 1.0)
            ind = replace(ind, bounds=(low - pad, high + pad))
        out.append(ind)
    return kpisim.Catalog(tuple(out), name=cat.name, title=cat.title)


@given(catalogs(), st.floats(0.5, 1e6))
@settings(max_examples=40, deadline=None)
def test_yaml_round_trip_keeps_bounds(cat, pad):
    cat = _with_bounds(cat, pad)
    back = kpisim.Catalog.from_yaml(cat.to_yaml())
    for ident in cat:
        assert back[ident].bounds == cat[ident].bounds
        assert back[ident] == cat[ident]


@given(catalogs(min_size=1), st.floats(0.5, 1e6))
@settings(max_examples=40, deadline=None)
def test_frame_round_trip_keeps_bounds(cat, pad):
    cat = _with_bounds(cat, pad)
    back = kpisim.Catalog.from_frame(cat.to_frame(meta=True))
    for ident in back:
        assert back[ident].bounds == cat[ident].bounds


@given(catalogs())
@settings(max_examples=60, deadline=None)
def test_resolved_bounds_hold_every_value_of_a_score_or_share(cat):
    for ind in cat.values():
        b = ind.resolved_bounds()
        if ind.kind == "grade" or (ind.kind != "share" and ind.unit != "점"):
            assert b is None
            continue
        if b is None:
            continue
        assert b.source == "default"
        for v in (*ind.actuals.values(), *ind.targets.values()):
            if v is not None:
                assert b.low <= float(v) <= b.high
