"""Arbitrary small tables either load or raise KpisimError: nothing else escapes.

And what does load holds only finite numbers (no NaN, inf or overflow slips
through), and a number written the ways the docs allow reads back exactly.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpisim
from kpisim import KpisimError
from kpisim.catalog._frames import _number, known_columns

COLUMN_NAMES = st.one_of(
    st.sampled_from(known_columns()),
    st.sampled_from(["directon", "Unit", " kind ", "", "unnamed: 3", "값", "id"]),
    st.text(max_size=8),
)
CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", "-", "NA", "null", "nan", "inf", "-inf", "1e308", "9" * 401, "#N/A",
                     "1,100", "1e5", "12%", "2024", "2024.5", "visits", "a_b", "Visits",
                     "count", "share", "grade", "increase", "decrease", "명", "%", "백만원",
                     "actual", "target", "C|B|A", "{type: cagr, rate: 0.08}", "{type: magic}",
                     "[1, 2", "&a [*a, *a]", "{mu: 0.1, mu_sd: 0.1, sigma: 0.1, dof: 3}",
                     "{mu: .inf}", "=HYPERLINK(1)", "a" * 5000, "²", "٢٠٢١", "\t", "C"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
)


@st.composite
def tables(draw):
    columns = draw(st.lists(COLUMN_NAMES, min_size=1, max_size=7))
    # a useful share of tables have the required columns, so loading gets past the header
    if draw(st.booleans()):
        columns = ["id", "year", "actual", *columns]
    n = draw(st.integers(min_value=0, max_value=5))
    rows = [[draw(CELLS) for _ in columns] for _ in range(n)]
    return columns, rows


@st.composite
def near_valid_tables(draw):
    """Tables of the documented layout with a few cells drawn from CELLS."""
    extra = draw(st.lists(st.sampled_from(["kind", "direction", "target", "bound_low",
                                           "bound_high", "rule", "note", "name_ko", "scale"]),
                          unique=True, max_size=4))
    columns = ["id", "year", "actual", "unit", *extra]
    good = {
        "id": st.sampled_from(["a", "b_2"]),
        "year": st.one_of(st.integers(2015, 2030), st.sampled_from(["2021", "2022.0"])),
        "actual": st.one_of(st.integers(0, 10**6), st.floats(0, 100), st.just("1,100"),
                            st.just("-")),
        "target": st.one_of(st.integers(0, 10**6), st.just("")),
        "unit": st.sampled_from(["명", "%", "백만원", "점", "kWh", ""]),
        "kind": st.sampled_from(["", "count", "level", "share", "ratio", "grade"]),
        "scale": st.sampled_from(["", "C|B|A"]),
        "direction": st.sampled_from(["", "increase", "decrease", "maintain"]),
        "bound_low": st.sampled_from(["", "0"]),
        "bound_high": st.sampled_from(["", "100", "1e6"]),
        "rule": st.sampled_from(["", "{type: cagr, rate: 0.08}", "{type: fixed, value: 70}"]),
        "note": st.text(max_size=5),
        "name_ko": st.text(max_size=5),
    }
    n = draw(st.integers(min_value=1, max_value=6))
    rows = []
    for _ in range(n):
        rows.append([draw(st.one_of(good[c], CELLS) if draw(st.integers(0, 9)) == 0
                          else good[c]) for c in columns])
    return columns, rows


def _check(cat) -> None:
    assert isinstance(cat, kpisim.Catalog)
    for ind in cat.values():
        for v in (*ind.actuals.values(), *ind.targets.values()):
            assert v is None or isinstance(v, str) or math.isfinite(v)


@given(st.one_of(tables(), near_valid_tables()))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_frame_loads_or_raises_kpisim_error(table):
    columns, rows = table
    frame = pd.DataFrame(rows, columns=pd.Index(columns, dtype=object), dtype=object)
    try:
        cat = kpisim.Catalog.from_frame(frame)
    except KpisimError:
        return
    _check(cat)


@given(st.one_of(tables(), near_valid_tables()))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_csv_loads_or_raises_kpisim_error(table):
    columns, rows = table
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        try:
            cat = kpisim.load_catalog(path)
        except KpisimError:
            return
    _check(cat)


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_integers_with_thousands_separators_read_back_exactly(x):
    assert _number(f"{x:,}") == x
    assert _number(str(x)) == x


@given(st.floats(min_value=-1e14, max_value=1e14, allow_nan=False))
def test_floats_read_back_exactly(x):
    assert _number(repr(x)) == x
    assert _number(f"{x:e}") == float(f"{x:e}")
