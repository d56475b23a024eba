"""What derivatives are for: tangent lines, Taylor series, critical points, the limit.

The seeds give the reasons to differentiate - the slope of the tangent, extrema where
f' = 0, e^x and its Maclaurin series, the limit (f(a+h) - f(a))/h - and this module
answers each one with *exact* numbers where the input is exact: the tangent of x^2 at
x = 1 is y = 2x - 1 (not 2.0000000000000004x ...), the series of e^x is
1 + x + x^2/2 + x^3/6, the extrema of x^3 - 3x are at ±1.  Where exactness is
impossible (roots of x - cos x) the answer is numeric, bracketed to 1e-12, and says so.

Everything is built on :func:`bibun.diff` and exact substitution (``Expr.subs``), so a
coefficient such as e or cos(1) stays a symbol until someone asks for its float.
"""

from bibun.calculus.common import (
    as_function,
    as_number,
    as_rational,
    exact_at,
    one_variable,
    to_float,
)
from bibun.calculus.extrema import KINDS, CriticalPoint, critical_points, solve_exact
from bibun.calculus.limit import difference_quotient, limit_quotient
from bibun.calculus.series import MAX_SERIES_ORDER, Series, series
from bibun.calculus.tangent import Tangent, tangent

__all__ = [
    "as_function",
    "as_number",
    "as_rational",
    "one_variable",
    "to_float",
    "exact_at",
    "solve_exact",
    "Tangent",
    "tangent",
    "Series",
    "series",
    "MAX_SERIES_ORDER",
    "difference_quotient",
    "limit_quotient",
    "CriticalPoint",
    "critical_points",
    "KINDS",
]
