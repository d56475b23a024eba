"""Numbers as a person writes them: the one formatter, as the engines and faces call it.

The rules live in the base layer, :mod:`bibun.numtext` (read its docstring: exact and
small stays exact, fractions only when short, otherwise 6 significant digits, scientific
notation for huge and tiny, non-finite refused with the reason), so that the sentences of
:mod:`bibun.i18n`, the explanation steps, the web API and the figures print numbers by the
same rules as the command line.  This module keeps the short names the engines use and
adds the user-facing check to each: a non-finite value is an error in the user's
language (:func:`bibun.i18n.finite_number`), never ``inf`` on the screen.

Words appear only in those errors; the digits are the same in English and Japanese.
"""

from __future__ import annotations

from typing import Any

from bibun.i18n import Msg, finite_number, format_number
from bibun.numtext import (
    LARGE,
    MAX_FRACTION_DIGITS,
    MAX_INT_DIGITS,
    SIGNIFICANT,
    SMALL,
    NotFiniteError,
    beside_text,
    is_exact_text,
    is_finite,
    short_fraction,
    with_error_text,
)


def finite(v: Any, what: str | Msg = "") -> float:
    """``float(v)`` when it is finite; otherwise an error that says what (``what``: "the
    sum of squared residuals") and why (overflow past ~1.8e308, or NaN), in the user's
    language."""
    return finite_number(v, what)


def fmt(v: Any, digits: int = SIGNIFICANT, *, prefer_decimal: bool = False,
        style: str = "text", what: str | Msg = "") -> str:
    """``v`` (int, Fraction, float or a NumPy scalar) as a person writes it (the rules of
    :mod:`bibun.numtext`).  ``style`` is ``text``, ``unicode`` or ``latex``; ``what``
    names the quantity in the error a non-finite value raises."""
    return format_number(v, digits, prefer_decimal=prefer_decimal, style=style, what=what)


def beside(v: Any, digits: int = SIGNIFICANT) -> str:
    """The decimal to print beside an exact value: ``= 3.6`` when it is that decimal
    exactly, ``≈ 0.318182`` otherwise (``√3/2 ≈ 0.866025``)."""
    if not is_finite(v):
        finite(v)
    return beside_text(v, digits)


def with_error(v: Any, se: Any, style: str = "text") -> str:
    """``4.552 ± 0.091``: a measured value with its standard error, the error to two
    significant digits and the value to the same decimal place (the digits the data
    supports).  Without a usable error (None, 0, not finite) the value alone."""
    if not is_finite(v):
        finite(v)
    return with_error_text(v, se, style)


__all__ = ["LARGE", "MAX_FRACTION_DIGITS", "MAX_INT_DIGITS", "SIGNIFICANT", "SMALL",
           "NotFiniteError", "beside", "finite", "fmt", "is_exact_text",
           "short_fraction", "with_error"]
