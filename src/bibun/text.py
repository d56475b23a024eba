"""Text helpers every layer may use: shortening for titles and messages.

They live at the bottom layer so that code generation, numeric and the faces can all
quote a value in an error message without importing each other.
"""

from __future__ import annotations

import decimal
import functools


def shorten(text: str, n: int) -> str:
    """``text`` if it has at most ``n`` characters, else its first ``n - 1`` and ``…``
    (for titles, legends and error messages)."""
    return text if len(text) <= n else text[: n - 1] + "…"


def digits(n: int) -> str:
    """The decimal digits of an integer of any size bibun allows (up to ~30,000 digits).

    Python refuses ``str(n)`` beyond 4,300 digits (a guard against slow conversions);
    bibun's own limit on exact numbers is checked when they are built, so here the
    conversion goes through :class:`decimal.Decimal`, which has no such cap."""
    if n.bit_length() < 13_000:  # < 10^3913: within str()'s cap (and cheap to test)
        return str(n)
    return _long_digits(n)


#: integers from here up that are a small number times a power of ten print as m·10^k
BIG_ROUND = 10**21


def scaled_power_of_ten(n: int) -> tuple[int, int] | None:
    """(m, k) with n = m·10^k, m < 1000 and k ≥ 18, or None: a number a learner writes as
    10^400 or 3·10^25 is shown that way in MathML, not as its digits; the text printers use
    only m = 1 (3*10^25 after a / would need brackets to read back)."""
    if n < BIG_ROUND:
        return None
    s = digits(n)
    k = len(s) - len(s.rstrip("0"))
    m = s[: len(s) - k]
    return (int(m), k) if k >= 18 and len(m) <= 3 else None


@functools.lru_cache(maxsize=32)
def _long_digits(n: int) -> str:
    """Cached: one formula with a 24,000-digit number, printed in each of the messages of
    400 sample points an answer check tries, converted it 2,000 times (35 s)."""
    return str(decimal.Decimal(n))
