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
from bibun.calculus.first_principles import from_definition
from bibun.calculus.implicit import Implicit, implicit_diff
from bibun.calculus.inverse import via_inverse
from bibun.calculus.limit import difference_quotient, limit_quotient
from bibun.calculus.logdiff import log_diff
from bibun.calculus.parametric import Parametric, parametric_diff
from bibun.calculus.series import MAX_SERIES_ORDER, Series, series
from bibun.calculus.tangent import Tangent, tangent
from bibun.i18n import error
from bibun.symbolic import diff as _diff

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
    "from_definition",
    "Implicit",
    "implicit_diff",
    "via_inverse",
    "log_diff",
    "Parametric",
    "parametric_diff",
    "derive",
]


def derive(expr, var=None, method: str = "rules"):
    """The derivative worked by ``method``: "limit" (from the definition), "inverse"
    (through the inverse function), "log" (logarithmic differentiation), "implicit"
    (an equation in x and y); "rules" is :func:`bibun.diff`.  Returns the worked
    derivation (``.answer``, ``.render(lang, format)``), or the Expr for "rules"."""
    methods = {"limit": from_definition, "inverse": via_inverse, "log": log_diff}
    if method == "rules":
        return _diff(expr, var)
    if method == "implicit":
        return implicit_diff(expr, var or "x").worked
    if method not in methods:
        raise error("error.derive.method", method=repr(method),
                    methods="rules, limit, inverse, log, implicit")
    return methods[method](expr, var)
