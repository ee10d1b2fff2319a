"""Catalogs round-trip through YAML and through tidy DataFrames unchanged."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

import kpisim
from tests.strategies import catalogs


def _same_values(a, b):
    assert a.keys() == b.keys()
    for year in a:
        x, y = a[year], b[year]
        if x is None or y is None:
            assert x is y
        elif isinstance(x, str):
            assert x == y
        else:
            assert math.isclose(float(x), float(y), rel_tol=0, abs_tol=0)


@given(catalogs())
@settings(max_examples=60, deadline=None)
def test_yaml_round_trip_is_exact(cat):
    back = kpisim.Catalog.from_yaml(cat.to_yaml())
    assert back.name == cat.name
    assert list(back) == list(cat)
    for ident in cat:
        assert back[ident] == cat[ident]


@given(catalogs(min_size=1))
@settings(max_examples=60, deadline=None)
def test_frame_round_trip_keeps_values_and_metadata(cat):
    back = kpisim.Catalog.from_frame(cat.to_frame(meta=True))
    # ids with no values at all have no rows: they cannot survive a value table
    kept = [i for i in cat if cat[i].actuals or cat[i].targets]
    assert list(back) == kept
    for ident in kept:
        a, b = cat[ident], back[ident]
        _same_values(a.actuals, b.actuals)
        _same_values(a.targets, b.targets)
        for field in ("name_ko", "unit", "kind", "direction", "scale"):
            assert getattr(a, field) == getattr(b, field)


@given(catalogs(min_size=1))
@settings(max_examples=40, deadline=None)
def test_to_frame_is_tidy(cat):
    frame = cat.to_frame()
    assert list(frame.columns) == ["id", "year", "series", "value"]
    assert not frame.duplicated(["id", "year", "series"]).any()
    assert set(frame["series"]) <= {"actual", "target"}
    n = sum(len(i.actuals) + len(i.targets) for i in cat.values())
    assert len(frame) == n


@pytest.mark.parametrize("text", ["0E0", "1e5", "-2.5E-3", ".5", "6."])
def test_strings_that_look_like_yaml12_floats_round_trip_as_strings(text):
    # the loader reads 1e5 as a number (YAML 1.2); the dumper must quote such strings
    from kpisim.indicator import Indicator, Provenance

    cat = kpisim.Catalog((Indicator(id="a", name_ko="가", unit="%", kind="count",
                                    provenance=Provenance(basis=text)),))
    back = kpisim.Catalog.from_yaml(cat.to_yaml())
    assert back["a"].provenance.basis == text
