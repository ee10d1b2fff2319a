"""The one formatting of numbers for people (kpisim._format), shared by plot, report, summary."""

from __future__ import annotations

import math

import matplotlib as mpl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_hex

from kpisim import _format as fmt
from kpisim import _style as style


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(
    lambda v: v == 0 or abs(v) >= 1e-6))
def test_stated_is_the_number_itself_and_never_an_exponent(v):
    s = fmt.stated(v)
    assert "e" not in s.lower()
    back = float(s.replace(",", ""))
    if len(repr(abs(v)).replace(".", "").lstrip("0")) <= fmt.STATED_DIGITS and "e" not in repr(v):
        assert back == v  # a document's number: exactly the stored value
    else:  # a computed one: ten significant digits, the integer part whole
        d = math.floor(math.log10(abs(v))) + 1
        assert abs(back - v) <= 0.5 * 10 ** min(0, d - fmt.STATED_DIGITS) * (1 + 1e-9)
    whole = s.lstrip("-").split(".")[0]
    assert whole == f"{int(abs(back)):,}"  # thousands grouped by commas


def test_stated_values_as_a_plan_writes_them():
    # hand-written expectations (the documents' own spellings)
    assert fmt.stated(11.745) == "11.745"
    assert fmt.stated(16151.08) == "16,151.08"  # 억원, as the budget table writes it
    assert fmt.stated(7.004) == "7.004"
    assert fmt.stated(3500.0) == "3,500"
    assert fmt.stated(12_000_000) == "12,000,000"  # not "1.2e+07"
    assert fmt.stated(0.5) == "0.5"
    assert fmt.stated(-2.5) == "-2.5"
    assert fmt.stated(float("inf")) == "–"
    assert fmt.stated(None) == "–"


def test_derived_numbers_have_at_most_two_decimals():
    assert fmt.num(1234.5678) == "1,234.57"
    assert fmt.num(0.012345) == "0.0123"
    assert fmt.num(2.0) == "2"


def test_units_percentages_and_standard_errors():
    assert fmt.with_unit(220, "억불", "ko") == "220억불"
    assert fmt.with_unit(220, "억불", "en") == "220 × 100M USD"
    assert fmt.with_unit(float("nan"), "개", "ko") == "–"  # no unit on a missing value
    assert fmt.shown("A", "등급", "ko") == "A"
    assert fmt.pct(0.0612) == "6.1%"
    assert fmt.pp(0.0016) == "±0.16 %p"
    assert fmt.pp(0.0016, "en") == "±0.16 pp"
    assert fmt.ci(0.06, 0.063) == "6.0–6.3%"


@pytest.mark.parametrize("p", [0.0, 0.04, 0.1, 0.33, 0.5, 0.55, 0.9, 0.999, 1.0])
def test_heat_colours_are_matplotlibs_rdylgn_in_ten_bands(p):
    cmap = mpl.colormaps["RdYlGn"].resampled(10)
    r, g, b, _ = cmap(p)
    assert style.heat_colour(p) == (to_hex((r, g, b)), 0.299 * r + 0.587 * g + 0.114 * b < 0.5)
