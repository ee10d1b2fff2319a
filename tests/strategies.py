"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

import kpisim
from kpisim.indicator import Provenance, Tags

ids = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
years = st.integers(min_value=1990, max_value=2100)
text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    max_size=30,
)
korean = st.text(
    alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=12
)


def _number(kind: str):
    if kind == "share":
        return st.floats(0, 100, allow_nan=False, width=64)
    if kind == "count":
        return st.one_of(st.integers(0, 10**9), st.floats(0, 1e9, allow_nan=False))
    return st.one_of(st.integers(-(10**9), 10**9), st.floats(-1e12, 1e12, allow_nan=False))


@st.composite
def indicators(draw, ident=None):
    """Valid indicators of every kind, with gaps and nulls in their series."""
    kind = draw(st.sampled_from(kpisim.indicator.KINDS))
    scale: tuple[str, ...] = ()
    if kind == "grade":
        scale = tuple(draw(st.lists(korean, min_size=2, max_size=5, unique=True)))
        value = st.one_of(st.none(), st.sampled_from(scale))
        unit = "등급"
    else:
        value = st.one_of(st.none(), _number(kind))
        unit = "%" if kind == "share" else draw(st.sampled_from(sorted(kpisim.indicator.UNITS)))
    series = st.dictionaries(years, value, max_size=8)
    return kpisim.Indicator(
        id=ident or draw(ids),
        name_ko=draw(korean),
        name_en=draw(text),
        unit=unit,
        kind=kind,
        direction=draw(st.sampled_from(  # a grade's scale runs worst first: never decrease
            [d for d in kpisim.indicator.DIRECTIONS if kind != "grade" or d != "decrease"])),
        actuals=draw(series),
        targets=draw(series),
        scale=scale,
        provenance=Provenance(source=draw(text), label=draw(text), basis=draw(text)),
        tags=Tags(
            goal=draw(st.sampled_from([None, "I", "II", "III", "IV"])),
            task=draw(st.one_of(st.none(), st.integers(1, 8))),
            headline=draw(st.booleans()),
            key=tuple(draw(st.lists(st.sampled_from(["evaluation", "ceo"]), unique=True))),
        ),
    )


@st.composite
def catalogs(draw, min_size=0, max_size=5):
    """Catalogs of indicators with unique ids."""
    names = draw(st.lists(ids, min_size=min_size, max_size=max_size, unique=True))
    return kpisim.Catalog(
        tuple(draw(indicators(ident=n)) for n in names), name="generated", title="t"
    )
