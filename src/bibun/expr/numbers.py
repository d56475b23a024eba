"""The number policy: exact arithmetic the builders need, and the one way an exact
number becomes a float (a LimitError, never Python's OverflowError, when it does not fit).
"""

from __future__ import annotations

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
