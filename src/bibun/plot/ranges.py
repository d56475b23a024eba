"""The window of a figure: ranges given as text, checked so that they can be drawn."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bibun.calculus import to_float
from bibun.errors import BibunError, DomainError, LimitError
from bibun.expr.core import Expr, as_expr
from bibun.i18n import Msg, error


def parse_range(xrange: Any, default: tuple[float, float]) -> tuple[float, float]:
    """A range given as text (``"-3,3"``, ``"(-3, 3)"``, formulas such as ``-pi,pi``) or
    as two numbers, checked by :func:`check_range`; None is ``default``."""
    if xrange is None:
        return check_range(*default)
    given = xrange
    if isinstance(xrange, str):
        xrange = xrange.strip("()[] ").split(",")
    try:
        a, b = (to_float(as_expr(v)) if not isinstance(v, int | float) else float(v)
                for v in xrange)
    except (TypeError, ValueError, BibunError):
        shown = given if isinstance(given, str) else ",".join(map(str, given))
        raise error("error.plot.range_syntax", shown=repr(shown)) from None
    return check_range(a, b)


def check_range(a: float, b: float) -> tuple[float, float]:
    """``(a, b)`` if it can be drawn: finite, a < b, and wide enough that the points of a
    curve are distinct floats (near 1e300 neighbouring floats are 1e284 apart)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        raise error("error.plot.range_infinite", a=a, b=b)
    if a >= b:
        raise error("error.plot.range_reversed" if a > b else "error.plot.range_empty",
                    a=a, b=b)
    width = b - a
    if not math.isfinite(width):
        raise error("error.plot.range_too_wide", a=a, b=b)
    scale = max(abs(a), abs(b))
    if width < 1e-12 * scale or width < 1e-200:
        raise error('error.plot.range_too_narrow', a=repr(a), b=repr(b), scale=scale,
                    width=max(1e-12 * scale, 1e-200))
    return a, b


def _no_value_anywhere(e: Expr, f: Any, xs: np.ndarray, where: str | Msg) -> BibunError:
    """The error for a function with no finite value at any point drawn: undefined
    (log x on negative x: a DomainError) or too large for a float (x^2 near 1e300)."""
    with np.errstate(all="ignore"):
        raw = np.asarray(f(xs), dtype=float)
    if np.isinf(raw).any():
        return error("error.plot.too_large_everywhere", LimitError, e=e, where=where)
    return error("error.plot.undefined_everywhere", DomainError, e=e, where=where)


#: a derivative with more distinct parts than this is not differentiated again for a plot
