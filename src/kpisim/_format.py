"""How kpisim writes numbers for people: one home for plot, report and the summary table.

Two kinds of numbers are written differently:

* a value **as the catalog states it** (a target, an actual) keeps every digit
  the document wrote — ``16,151.08`` stays ``16,151.08`` and ``7.004`` stays
  ``7.004``, never rounded and never written ``1.2e+07``: the reader must
  recognise the number of the plan document (:func:`stated`, :func:`with_unit`);
* a **derived** number (an axis tick, a simulated quantile, a weight) is
  written the way a plan writes figures, at most two decimals (three
  significant digits below 1) (:func:`num`).

Both group thousands with commas, drop trailing zeros and write a non-finite
or missing value as ``"–"``. Probabilities are percentages with one decimal
(:func:`pct`), their Monte Carlo standard errors percentage points with two
(:func:`pp`, ``"±0.16 %p"`` / ``"±0.16 pp"`` from the message catalogue),
and units follow :func:`kpisim._units.unit_suffix`.
"""

from __future__ import annotations

import math
from typing import Any

from kpisim._messages import text
from kpisim._units import unit_suffix

__all__ = ["ci", "name", "num", "pct", "pp", "short", "shown", "stated", "with_unit"]

#: Most significant digits of a stated value: the document's number is shown as
#: written (its shortest exact decimal); only a longer one (a computed value) is rounded.
STATED_DIGITS = 10


def _finite(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _trim(s: str) -> str:
    return s.rstrip("0").rstrip(".") if "." in s else s


def num(v: Any) -> str:
    """A derived number as a plan prints it: ``1,234.5``, ``0.0123``, ``–``.

    >>> num(1234.567), num(0.012345), num(2000.0), num(float("nan"))
    ('1,234.57', '0.0123', '2,000', '–')
    """
    f = _finite(v)
    if f is None:
        return "–"
    if f != 0 and abs(f) < 1:
        return f"{f:.3g}"
    return _trim(f"{f:,.2f}")


def stated(v: Any) -> str:
    """A catalog value as the document writes it: every digit, grouped, no exponent.

    The shortest decimal that is exactly the stored number (``repr``), so a
    stated ``16,151.08`` or ``7.004`` reads as in the plan; a value with more
    than :data:`STATED_DIGITS` significant digits (a computed one) is rounded
    to that many, the integer part never.

    >>> stated(16151.08), stated(7.004), stated(3500), stated(12_345_678.9), stated(1.9)
    ('16,151.08', '7.004', '3,500', '12,345,678.9', '1.9')
    >>> stated(1 / 3), stated(0.000123), stated(-0.5)
    ('0.3333333333', '0.000123', '-0.5')
    """
    f = _finite(v)
    if f is None:
        return "–"
    if f == 0:
        return "0"
    digits = math.floor(math.log10(abs(f))) + 1  # digits before the point (≤ 0 below 1)
    s = repr(abs(f))
    if "e" in s or len(s.replace(".", "").lstrip("0")) > STATED_DIGITS:
        s = _trim(f"{abs(f):.{max(STATED_DIGITS - digits, 0)}f}")
    whole, _, frac = s.partition(".")
    whole = f"{int(whole):,}"
    frac = frac.rstrip("0")
    return ("-" if f < 0 else "") + whole + ("." + frac if frac else "")


def with_unit(v: Any, unit: str | None, lang: str = "ko") -> str:
    """A stated value with its unit, e.g. ``"2,000개사"`` / ``"2,000 firms"``, ``"75%"``.

    >>> with_unit(2000, "개사", "ko"), with_unit(2000, "개사", "en")
    ('2,000개사', '2,000 firms')
    >>> with_unit(1.9, "조원", "en")
    '1.9 trillion KRW'
    """
    s = stated(v)
    return s if s == "–" else s + unit_suffix(unit, lang)


def shown(v: Any, unit: str | None, lang: str = "ko") -> str:
    """A table cell: a grade by its name (text as it is), a number with its unit."""
    return v if isinstance(v, str) else with_unit(v, unit, lang)


def pct(p: Any, digits: int = 1) -> str:
    """A probability in percent: ``pct(0.1234)`` → ``"12.3%"``; ``"–"`` when unknown.

    A probability strictly between 0 and 1 is never printed as 0 or 100 %: it
    reads ``"<0.1%"`` or ``">99.9%"`` (a near-certainty is not a certainty).

    >>> pct(0.1234), pct(0.5, 0), pct(None), pct(0.99996), pct(1.0), pct(0.0002, 0)
    ('12.3%', '50%', '–', '>99.9%', '100.0%', '<1%')
    """
    f = _finite(p)
    if f is None:
        return "–"
    step = 10.0**-digits  # the last printed digit, in percent
    if 0 < f < 1 and 100 * f < step / 2:
        return f"<{step:.{digits}f}%"
    if 0 < f < 1 and 100 * f >= 100 - step / 2:
        return f">{100 - step:.{digits}f}%"
    return f"{100 * f:.{digits}f}%"


def pp(se: Any, lang: str = "ko") -> str:
    """The Monte Carlo SE of a probability in percentage points: ``"±0.53 %p"``.

    >>> pp(0.0053), pp(0.0053, "en")
    ('±0.53 %p', '±0.53 pp')
    """
    f = _finite(se)
    return "–" if f is None else text("summary.pp", lang, value=f"±{100 * f:.2f}")


def ci(lo: Any, hi: Any, sign: str = "%") -> str:
    """A 95% interval of a probability in percent: ``"12.1–14.0%"``.

    >>> ci(0.121, 0.14), ci(0.121, 0.14, sign="")
    ('12.1–14.0%', '12.1–14.0')
    """
    a, b = _finite(lo), _finite(hi)
    if a is None or b is None:
        return "–"
    return f"{100 * a:.1f}–{100 * b:.1f}{sign}"


def name(ind: Any, lang: str = "ko") -> str:
    """An indicator's name in ``lang`` (Korean when it has no English one)."""
    return ind.name_en if lang == "en" and getattr(ind, "name_en", None) else ind.name_ko


def short(s: str, width: int = 26) -> str:
    """``s`` cut to ``width`` characters with an ellipsis.

    >>> short("가나다라마", 4)
    '가나다…'
    """
    return s if len(s) <= width else s[: width - 1] + "…"
