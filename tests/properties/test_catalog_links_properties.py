"""Hypothesis properties of `related` links and `undated_goals`.

* ``Catalog.related`` is symmetric: b is related to a iff a link a → b or
  b → a is stated; each pair appears once per end.
* Filtering keeps the links (they are resolved in the parent catalog).
* A YAML round trip (``to_yaml`` → ``from_yaml``) preserves both fields.
"""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kpisim.catalog import Catalog

IDS = [f"i{k}" for k in range(6)]


@st.composite
def linked_catalogs(draw):
    n = draw(st.integers(2, len(IDS)))
    ids = IDS[:n]
    links = draw(st.sets(st.tuples(st.sampled_from(ids), st.sampled_from(ids))
                         .filter(lambda p: p[0] != p[1]), max_size=8))
    undated = draw(st.lists(st.one_of(st.none(), st.integers(0, 10**7),
                                      st.floats(0, 1e6, allow_nan=False)), max_size=3))
    entries = []
    for ident in ids:
        own = sorted(b for a, b in links if a == ident)
        entry = {"id": ident, "name_ko": "지표", "unit": "개", "kind": "count",
                 "actual": {2021: 1}, "target": {2023: 2}}
        if own:
            entry["related"] = [{"id": b, "relation": f"{ident} relates to {b}"} for b in own]
        if ident == ids[0] and undated:
            entry["undated_goals"] = [{"value": v, "text": f"goal {k}"}
                                      for k, v in enumerate(undated)]
        entries.append(entry)
    text = yaml.safe_dump({"indicators": entries}, allow_unicode=True)
    return Catalog.from_yaml(text), links, undated


@settings(max_examples=30, deadline=None)
@given(linked_catalogs())
def test_related_is_symmetric_and_complete(data):
    cat, links, _ = data
    for ident in cat:
        got = [i.id for i, _ in cat.related(ident)]
        expected = {b for a, b in links if a == ident} | {a for a, b in links if b == ident}
        assert sorted(got) == sorted(expected)
        assert len(got) == len(set(got))  # a pair stated both ways is listed once


@settings(max_examples=30, deadline=None)
@given(linked_catalogs(), st.sampled_from(IDS))
def test_filtering_keeps_links(data, keep):
    cat, _, _ = data
    if keep not in cat:
        return
    sub = cat.filter(lambda i: i.id == keep)
    assert [i.id for i, _ in sub.related(keep)] == [i.id for i, _ in cat.related(keep)]


@settings(max_examples=30, deadline=None)
@given(linked_catalogs())
def test_yaml_round_trip_keeps_links_and_undated_goals(data):
    cat, _, undated = data
    again = Catalog.from_yaml(cat.to_yaml())
    for ident in cat:
        assert again[ident].related == cat[ident].related
        assert again[ident].undated_goals == cat[ident].undated_goals
    first = next(iter(cat))
    assert [g.value for g in again[first].undated_goals] == undated
