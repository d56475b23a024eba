"""Numbers as a person writes them: the one formatter for every face (issue 18).

A program that prints a fraction of two 38-digit numbers as an "exact" answer,
``1e+300e^(0.85x)`` as a fitted formula or a 170-digit loss is correct and useless.
Every number a user reads goes through :func:`fmt` (or one of the helpers below), which
follows these rules:

1. **Exact and small stays exact.** An integer with at most :data:`MAX_INT_DIGITS` digits
   is printed whole (``1234567``); a fraction p/q is printed as ``p/q`` only when p and q
   each have at most :data:`MAX_FRACTION_DIGITS` digits (``7/22``, ``-355/113``).  With
   ``prefer_decimal=True`` (the data was written in decimals) a fraction that *is* a short
   terminating decimal is printed as that decimal, exactly (``2843/25`` → ``113.72``).
2. **Otherwise a decimal with the digits that mean something**: ``digits`` significant
   digits (6 unless the caller knows better, as :func:`with_error` does from a standard
   error), no trailing zeros, never ``-0``.
3. **Huge and tiny in scientific notation**: a magnitude from 10^6 on (10^15 for exact
   integers) or below 10^-4 is written ``1.5e7`` / ``2.5e-7`` (text; the parser reads it
   back), ``1.5×10⁷`` (unicode) or ``1.5 \\times 10^{7}`` (LaTeX).
4. **Non-finite is an error, with the reason**: :func:`finite` and :func:`fmt` refuse
   ``inf`` (an overflow past about 1.8e308) and NaN (0/0, ∞ − ∞), in the user's language,
   naming what overflowed; a number that cannot be written is never printed as ``inf``.

Words appear only in those errors; the digits are the same in English and Japanese.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from bibun.errors import LimitError
from bibun.i18n import Msg, error
from bibun.text import digits as int_digits

#: a fraction is shown as p/q only when p and q each have at most this many digits
MAX_FRACTION_DIGITS = 6
#: an exact integer is shown whole up to this many digits (beyond: scientific)
MAX_INT_DIGITS = 15
#: significant digits of an inexact value unless the caller knows how many are meaningful
SIGNIFICANT = 6
#: from this magnitude on (and below SMALL) a decimal is written in scientific notation
LARGE = 1e6
SMALL = 1e-4
#: an exact terminating decimal is written out (prefer_decimal) up to this many digits
MAX_DECIMAL_DIGITS = 15

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class NotFiniteError(LimitError):
    """A number that cannot be written: it overflowed to infinity or is NaN."""


def finite(v: Any, what: str | Msg = "") -> float:
    """``float(v)`` when it is finite; otherwise an error that says what (``what``: "the
    sum of squared residuals") and why (overflow past ~1.8e308, or NaN), in the user's
    language."""
    try:
        f = float(v)
    except OverflowError:
        f = math.inf
    if math.isfinite(f):
        return f
    reason = Msg("number.nan") if math.isnan(f) else Msg("number.overflow")
    label = what or Msg("number.the_value")
    raise error("error.number.not_finite", NotFiniteError, what=label, reason=reason)


def _int_text(n: int, digits: int, style: str) -> str:
    s = int_digits(abs(n))
    if len(s) <= MAX_INT_DIGITS:
        return ("-" if n < 0 else "") + s
    mant = s[0] + ("." + s[1:digits].rstrip("0") if digits > 1 else "")
    return _sci(("-" if n < 0 else "") + mant.rstrip("."), len(s) - 1, style)


def _sci(mantissa: str, exponent: int, style: str) -> str:
    if style == "unicode":
        return f"{mantissa.replace('-', '−')}×10{str(exponent).translate(_SUPERSCRIPT)}"
    if style == "latex":
        return f"{mantissa} \\times 10^{{{exponent}}}"
    return f"{mantissa}e{exponent}"


def _float_text(v: float, digits: int, style: str) -> str:
    v = v + 0.0  # -0.0 -> 0.0
    if v == 0:
        return "0"
    a = abs(v)
    if SMALL <= a < LARGE:
        text = f"{v:.{digits}g}"
        if "e" not in text:  # .6g of 999999.7 is "1e+06": fall through to scientific
            return text
    mant, exp = f"{v:.{max(digits - 1, 0)}e}".split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return _sci(mant, int(exp), style)


def _terminating(q: Fraction) -> bool:
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _decimal_text(q: Fraction) -> str | None:
    """q as an exact decimal (113.72) when it terminates within MAX_DECIMAL_DIGITS."""
    if not _terminating(q):
        return None
    places = 0
    while (q * 10**places).denominator != 1:
        places += 1
    scaled = abs(q.numerator * 10**places // q.denominator)
    s = str(scaled).rjust(places + 1, "0")
    if len(s.lstrip("0")) > MAX_DECIMAL_DIGITS:
        return None
    whole, frac = s[:len(s) - places], s[len(s) - places:]
    text = whole + ("." + frac if frac else "")
    return ("-" if q < 0 else "") + text


def short_fraction(q: Fraction) -> bool:
    """True when q is shown as p/q: numerator and denominator of at most
    :data:`MAX_FRACTION_DIGITS` digits each."""
    limit = 10**MAX_FRACTION_DIGITS
    return abs(q.numerator) < limit and q.denominator < limit


def fmt(v: Any, digits: int = SIGNIFICANT, *, prefer_decimal: bool = False,
        style: str = "text", what: str | Msg = "") -> str:
    """``v`` (int, Fraction, float or a NumPy scalar) as a person writes it: see the module
    docstring for the rules.  ``style`` is ``text``, ``unicode`` or ``latex``; ``what``
    names the quantity in the error a non-finite value raises."""
    if hasattr(v, "item") and not isinstance(v, int | float | Fraction):
        v = v.item()  # NumPy scalars
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, Fraction) and v.denominator == 1:
        v = v.numerator
    if isinstance(v, int):
        return _int_text(v, digits, style)
    if isinstance(v, Fraction):
        if prefer_decimal:
            d = _decimal_text(v)
            if d is not None:
                return d
        if short_fraction(v):
            if style == "latex":
                sign = "-" if v < 0 else ""
                return f"{sign}\\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"
            return f"{v.numerator}/{v.denominator}"
        return _float_text(_fraction_float(v), digits, style)
    return _float_text(finite(v, what), digits, style)


def _fraction_float(q: Fraction) -> float:
    """A fraction as a float for rounding; one too large for a float is a LimitError."""
    try:
        return float(q)
    except OverflowError:
        raise error("error.number.too_large_for_float", LimitError) from None


def is_exact_text(v: Any, text: str) -> bool:
    """True when ``text`` (from :func:`fmt`, text style) denotes exactly ``v``: the
    difference between writing ``= 0.5`` and ``≈ 0.866025``."""
    try:
        shown = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return False
    try:
        return shown == Fraction(v)
    except (TypeError, ValueError, OverflowError):
        return False


def beside(v: Any, digits: int = SIGNIFICANT) -> str:
    """The decimal to print beside an exact value: ``= 3.6`` when it is that decimal
    exactly, ``≈ 0.318182`` otherwise (``√3/2 ≈ 0.866025``)."""
    if isinstance(v, Fraction | int) and not isinstance(v, bool):
        d = _decimal_text(Fraction(v))
        if d is not None:
            return f"= {d}"
        text = _float_text(_fraction_float(Fraction(v)), digits, "text")
        return f"= {text}" if is_exact_text(v, text) else f"≈ {text}"
    text = _float_text(finite(v), digits, "text")
    return f"≈ {text}"


def with_error(v: Any, se: Any, style: str = "text") -> str:
    """``4.552 ± 0.091``: a measured value with its standard error, the error to two
    significant digits and the value to the same decimal place (the digits the data
    supports).  Without a usable error (None, 0, not finite) the value alone, by
    :func:`fmt`."""
    value = finite(v)
    try:
        err = float(se) if se is not None else math.nan
    except (TypeError, ValueError, OverflowError):
        err = math.nan
    if not (math.isfinite(err) and err > 0):
        return fmt(v, style=style)
    place = math.floor(math.log10(err)) - 1  # the decimal place of the error's 2nd digit
    top = math.floor(math.log10(abs(value))) if value != 0 else place
    sig = min(max(top - place + 1, 1), 12)
    pm = " ± "
    if SMALL <= max(abs(value), err) < LARGE:
        places = max(-place, 0)
        scale = 10.0**place
        v_text = f"{round(value / scale) * scale + 0.0:.{places}f}"
        e_text = f"{round(err / scale) * scale:.{places}f}"
        return v_text + pm + e_text
    return _float_text(value, sig, style) + pm + _float_text(err, 2, style)


__all__ = ["LARGE", "MAX_FRACTION_DIGITS", "MAX_INT_DIGITS", "SIGNIFICANT", "SMALL",
           "NotFiniteError", "beside", "finite", "fmt", "is_exact_text",
           "short_fraction", "with_error"]
