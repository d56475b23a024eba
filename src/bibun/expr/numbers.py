"""The number policy: exact arithmetic the builders need, and the one way an exact
number becomes a float (a LimitError, never Python's OverflowError, when it does not fit).
"""

from __future__ import annotations

import math
from fractions import Fraction

from bibun import i18n
from bibun.errors import LimitError


def int_root(n: int, k: int) -> int | None:
    """Exact integer k-th root of n >= 0, or None."""
    if n < 0:
        return None
    r = round(n ** (1.0 / k)) if n < 2**1000 else None
    if r is None:
        return None
    for c in (r - 1, r, r + 1):
        if c >= 0 and c**k == n:
            return c
    return None


def digit_count(bits: int) -> str:
    """About how many decimal digits a number of ``bits`` bits has, as text that never
    itself needs a huge integer turned into a string."""
    digits = bits * 30103 // 100000
    return f"{digits:,}" if digits < 10**15 else f"10^{int(digits.bit_length() * 0.30103)}+"


def too_large_for_float() -> LimitError:
    """The one error for an exact number that meets a float and does not fit in one
    (10^400 · 0.5): Python's OverflowError, in bibun's words."""
    return i18n.error("error.number.too_large_for_float", LimitError)


def to_float(v: int | Fraction | float) -> float:
    """``float(v)`` for an exact number of any size: 10^400 is a LimitError in bibun's
    words, not an OverflowError."""
    try:
        return float(v)
    except OverflowError:
        raise too_large_for_float() from None


#: a decimal stands for its fraction when numerator and denominator have at most this many
#: digits (0.5 -> 1/2, 0.125 -> 1/8, 2.5 -> 5/2; not 0.30000000000000004)
SHORT_DIGITS = 6


def short_decimal(v: float) -> Fraction | None:
    """The fraction a float stands for when it is written as a short decimal: 0.5 -> 1/2,
    1.5 -> 3/2, 0.1 -> 1/10 (the decimal a person typed, not the binary float nearest to
    it); None for a float whose shortest form is long (0.30000000000000004,
    3.141592653589793) or that is not finite.

    Why: the base of an exponential is a constant a person means exactly.  ``0.5^x`` read
    with a float base differentiates to ``-0.6931471805599453*0.5^x``; read as (1/2)^x it
    is (1/2)^x ln(1/2), which is what a textbook writes (issue 18)."""
    if not math.isfinite(v):
        return None
    q = Fraction(repr(v))
    limit = 10**SHORT_DIGITS
    return q if abs(q.numerator) < limit and q.denominator < limit else None
