"""Fuzzing the input boundary: any YAML document or scenario file either loads
or raises a :class:`kpisim.KpisimError` — no other exception escapes — fast.

Three sources of documents: arbitrary text (including YAML punctuation and
non-ASCII), arbitrary YAML-dumpable structures, and near-valid catalogs and
scenarios with one field replaced by an arbitrary value (the likeliest way to
reach deep into the validation code).
"""

from __future__ import annotations

import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpisim
from kpisim import KpisimError
from kpisim.scenarios import load_scenario, scenario_from_dict

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
#: Seconds any single document may take to load or be refused.
TIME_BOUND = 3.0

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["2024", "1e5", "-", "집계중", "~", "*", "&a"]),
    st.integers(1980, 2110),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(1980, 2110)), inner,
                        max_size=4),
    ),
    max_leaves=12,
)
yaml_alphabet = st.sampled_from(list("[]{}:,-?*&!|>'\"#% \n\t\\") + list("ab1é가\x00\ufeff"))
texts = st.text(alphabet=yaml_alphabet, max_size=80)

INDICATOR = {
    "id": "visits", "name_ko": "방문 건수", "unit": "건", "kind": "count",
    "direction": "increase", "actual": {2019: 100, 2020: 110, 2021: 121},
    "target": {2025: 170}, "bounds": None, "tags": {"goal": "I", "task": 1},
    "provenance": {"source": "doc.txt"}, "scale": None, "assumptions": None,
    "rule": {"type": "cagr", "rate": 0.08, "base_year": 2021},
}
CHANGE = {"indicator": "visits", "years": [2024, 2026], "growth_add": -0.01,
          "growth_multiplier": 1.0, "level_shock": 0.0, "volatility_multiplier": 1.0,
          "budget": {2024: 100, 2025: 90}, "elasticity": 0.5}


def _bounded(load):
    """Run ``load``; only KpisimError may escape, within the time bound."""
    start = time.monotonic()
    try:
        load()
    except KpisimError:
        pass
    assert time.monotonic() - start < TIME_BOUND


def _dump(obj) -> str:
    try:
        return yaml.safe_dump(obj, allow_unicode=True)
    except yaml.YAMLError:
        return repr(obj)


@FUZZ
@given(texts)
def test_arbitrary_text_as_a_catalog(text):
    _bounded(lambda: kpisim.Catalog.from_yaml(text))


@FUZZ
@given(values)
def test_arbitrary_structures_as_a_catalog(doc):
    text = _dump(doc)
    _bounded(lambda: kpisim.Catalog.from_yaml(text))
    _bounded(lambda: kpisim.Catalog.from_yaml(_dump({"indicators": [doc]})))


@FUZZ
@given(st.sampled_from(sorted(INDICATOR)), values)
def test_near_valid_indicators(field, value):
    doc = {"catalog": {"name": "fuzz"}, "indicators": [{**INDICATOR, field: value}]}
    _bounded(lambda: kpisim.Catalog.from_yaml(_dump(doc)))


@FUZZ
@given(field=st.sampled_from(sorted(CHANGE)), value=values, wrapped=st.booleans())
def test_near_valid_scenarios(field, value, wrapped, tmp_path_factory):
    scenario = {"name": "fuzz", "changes": [{**CHANGE, field: value}]}
    doc = {"scenarios": [scenario]} if wrapped else scenario
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(_dump(doc), encoding="utf-8")
    _bounded(lambda: load_scenario(path))
    _bounded(lambda: scenario_from_dict(doc))


@FUZZ
@given(text=st.one_of(texts, values.map(_dump)),
       encoding=st.sampled_from(["utf-8", "cp949", "utf-16"]))
def test_arbitrary_scenario_files(text, encoding, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_bytes(text.encode(encoding, errors="replace"))
    _bounded(lambda: load_scenario(path))


INDICATOR_FIELDS = {"id": "x", "name_ko": "지표", "unit": "개", "kind": "count",
                    "direction": "increase", "actuals": {2020: 1.0}, "targets": {2025: 2.0},
                    "scale": (), "bounds": None, "name_en": ""}


@FUZZ
@given(field=st.sampled_from(sorted(INDICATOR_FIELDS)), value=values)
def test_indicator_built_in_code_validates_any_value(field, value):
    _bounded(lambda: kpisim.Indicator(**{**INDICATOR_FIELDS, field: value}))
