"""Numbers as a person writes them: the rules of the one formatter (issue 18).

A program that prints a fraction of two 38-digit numbers as an "exact" answer,
``1e+300e^(0.85x)`` as a fitted formula or a 170-digit loss is correct and useless.
Every number a user reads -- on the command line, in an explanation's steps, on the web
page, on a figure -- is written by the functions here, which follow these rules:

1. **Exact and small stays exact.** An integer with at most :data:`MAX_INT_DIGITS` digits
   is printed whole (``1234567``); a fraction p/q is printed as ``p/q`` only when p and q
   each have at most :data:`MAX_FRACTION_DIGITS` digits (``7/22``, ``-355/113``).  With
   ``prefer_decimal=True`` (the data was written in decimals) a fraction that *is* a short
   terminating decimal is printed as that decimal, exactly (``2843/25`` → ``113.72``).
2. **Otherwise a decimal with the digits that mean something**: ``digits`` significant
   digits (6 unless the caller knows better, as :func:`with_error_text` does from a
   standard error), no trailing zeros, never ``-0``.
3. **Huge and tiny in scientific notation**: a magnitude from 10^6 on (10^15 for exact
   integers) or below 10^-4 is written ``1.5e7`` / ``2.5e-7`` (text; the parser reads it
   back), ``1.5×10⁷`` (unicode) or ``1.5 \\times 10^{7}`` (LaTeX).  An exact number too
   large or too small for a float (10^400/3) is rounded exactly, never to ``inf`` or 0.
4. **Non-finite is an error, with the reason**: a float ``inf`` (an overflow past about
   1.8e308) or NaN (0/0, ∞ − ∞) is never printed.  This module is the bottom layer and has
   no words, so it only refuses (:class:`NotFiniteError`, raised by
   :func:`bibun.i18n.finite_number`, says what overflowed in the user's language); the
   entry points :func:`bibun.i18n.format_number` and :mod:`bibun.expr.numfmt` check first.

Words appear only in those errors; the digits are the same in English and Japanese.  The
functions here are pure (no catalog, no expressions) so that every layer can use them:
:mod:`bibun.i18n` for the numbers in sentences, :mod:`bibun.expr.numfmt` for the engines,
the web API's ``number_out`` and the figures' labels.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from bibun.errors import LimitError
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
#: the styles a number can be written in
STYLES = ("text", "unicode", "latex")

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

Number = int | float | Fraction


class NotFiniteError(LimitError):
    """A number that cannot be written: it overflowed to infinity or is NaN."""


def plain(v: Any) -> Number:
    """``v`` as an int, Fraction or float: NumPy scalars unwrapped, bools as ints, whole
    fractions as ints, anything else through ``float``."""
    if hasattr(v, "item") and not isinstance(v, int | float | Fraction):
        v = v.item()  # NumPy scalars
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, Fraction):
        return v.numerator if v.denominator == 1 else v
    if isinstance(v, int | float):
        return v
    try:
        return float(v)
    except OverflowError:  # an exact number of another kind beyond a float
        return math.inf


def is_finite(v: Any) -> bool:
    """True for every int and Fraction and for finite floats: what can be written."""
    v = plain(v)
    return not isinstance(v, float) or math.isfinite(v)


def nonfinite_reason(v: float) -> str:
    """``nan`` or ``overflow``: the catalog word (``number.<reason>``) for why ``v`` cannot
    be written."""
    return "nan" if math.isnan(v) else "overflow"


def _sci(mantissa: str, exponent: int, style: str) -> str:
    if style == "unicode":
        return f"{mantissa.replace('-', '−')}×10{str(exponent).translate(_SUPERSCRIPT)}"
    if style == "latex":
        return f"{mantissa} \\times 10^{{{exponent}}}"
    return f"{mantissa}e{exponent}"


def _exact_sci(q: Fraction, digits: int, style: str) -> str:
    """A nonzero exact number in scientific notation, rounded exactly (half to even), so
    that 10^400/3 and 19999999999999999 come out right without a float."""
    a = abs(q)
    exp = len(int_digits(a.numerator)) - len(int_digits(a.denominator))
    if a < Fraction(10) ** exp:
        exp -= 1  # now 10^exp <= a < 10^(exp+1)
    mant = round(a / Fraction(10) ** (exp - digits + 1))
    if mant >= 10**digits:  # 9.999995 rounded up to 10.0000
        mant //= 10
        exp += 1
    s = str(mant)
    text = s[0] + ("." + s[1:] if len(s) > 1 else "")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _sci(("-" if q < 0 else "") + text, exp, style)


def _int_text(n: int, digits: int, style: str) -> str:
    s = int_digits(abs(n))
    if len(s) <= MAX_INT_DIGITS:
        return ("-" if n < 0 else "") + s
    return _exact_sci(Fraction(n), digits, style)


def _float_text(v: float, digits: int, style: str) -> str:
    if not math.isfinite(v):
        raise NotFiniteError(f"{v!r} cannot be written as a number")  # checked upstream
    v = v + 0.0  # -0.0 -> 0.0
    if v == 0:
        return "0"
    if SMALL <= abs(v) < LARGE:
        text = f"{v:.{digits}g}"
        if "e" not in text:  # .6g of 999999.7 is "1e+06": fall through to scientific
            return text
    mant, exp = f"{v:.{max(digits - 1, 0)}e}".split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return _sci(mant, int(exp), style)


def _fraction_decimal(q: Fraction, digits: int, style: str) -> str:
    """An exact number rounded to ``digits`` significant digits: through a float when it
    fits one, else exactly (a float would say inf or 0)."""
    try:
        f = float(q)
    except OverflowError:
        f = math.inf
    if math.isfinite(f) and f != 0:
        return _float_text(f, digits, style)
    return _exact_sci(q, digits, style)


def _terminating(q: Fraction) -> bool:
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_text(q: Fraction) -> str | None:
    """q as an exact decimal (``113.72``) when it terminates within
    :data:`MAX_DECIMAL_DIGITS` digits, else None."""
    if not _terminating(q):
        return None
    places = 0
    while (q * 10**places).denominator != 1 and places <= MAX_DECIMAL_DIGITS:
        places += 1
    if places > MAX_DECIMAL_DIGITS:
        return None
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


def number_text(v: Any, digits: int = SIGNIFICANT, *, prefer_decimal: bool = False,
                style: str = "text") -> str:
    """``v`` (int, Fraction, float or a NumPy scalar) as a person writes it, by the rules
    in the module docstring; ``style`` is ``text``, ``unicode`` or ``latex``.  A
    non-finite float is refused (:class:`NotFiniteError`, in English: callers that face
    a user check first with :func:`bibun.i18n.finite_number`)."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, not {style!r}")
    digits = max(int(digits), 1)
    v = plain(v)
    if isinstance(v, int):
        return _int_text(v, digits, style)
    if isinstance(v, Fraction):
        if prefer_decimal:
            d = decimal_text(v)
            if d is not None:
                return d
        if short_fraction(v):
            if style == "latex":
                sign = "-" if v < 0 else ""
                return f"{sign}\\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"
            return f"{v.numerator}/{v.denominator}"
        return _fraction_decimal(v, digits, style)
    return _float_text(v, digits, style)


def is_exact_text(v: Any, text: str) -> bool:
    """True when ``text`` (from :func:`number_text`, text style) denotes exactly ``v``:
    the difference between writing ``= 0.5`` and ``≈ 0.866025``."""
    try:
        shown = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return False
    try:
        return shown == Fraction(plain(v))
    except (TypeError, ValueError, OverflowError):
        return False


def beside_text(v: Any, digits: int = SIGNIFICANT) -> str:
    """The decimal to print beside an exact value: ``= 3.6`` when it is that decimal
    exactly, ``≈ 0.318182`` otherwise (``√3/2 ≈ 0.866025``)."""
    v = plain(v)
    if isinstance(v, int | Fraction):
        q = Fraction(v)
        d = decimal_text(q)
        if d is not None:
            return f"= {d}"
        text = _fraction_decimal(q, digits, "text")
        return f"= {text}" if is_exact_text(q, text) else f"≈ {text}"
    return f"≈ {_float_text(v, digits, 'text')}"


def with_error_text(v: Any, se: Any, style: str = "text") -> str:
    """``4.552 ± 0.091``: a measured value with its standard error, the error to two
    significant digits and the value to the same decimal place (the digits the data
    supports).  Without a usable error (None, 0, not finite) the value alone, by
    :func:`number_text`."""
    value = float(plain(v))
    try:
        err = float(se) if se is not None else math.nan
    except (TypeError, ValueError, OverflowError):
        err = math.nan
    if not (math.isfinite(err) and err > 0):
        return number_text(v, style=style)
    if not math.isfinite(value):
        raise NotFiniteError(f"{value!r} cannot be written as a number")  # checked upstream
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


__all__ = ["LARGE", "MAX_DECIMAL_DIGITS", "MAX_FRACTION_DIGITS", "MAX_INT_DIGITS",
           "SIGNIFICANT", "SMALL", "STYLES", "NotFiniteError", "beside_text", "decimal_text",
           "is_exact_text", "is_finite", "nonfinite_reason", "number_text", "plain",
           "short_fraction", "with_error_text"]
