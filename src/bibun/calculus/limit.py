"""The derivative as a limit: the difference quotient, symbolic and numeric."""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.calculus.common import _at, _check_smooth, _var, as_function, as_number, to_float
from bibun.errors import LimitError
from bibun.expr import core
from bibun.expr.core import NUM, Expr, as_expr
from bibun.expr.simplify import expand
from bibun.i18n import error
from bibun.numeric import difference_table
from bibun.symbolic import diff

# -- the limit definition -----------------------------------------------------------------


def difference_quotient(expr: Any, var: str | None = None, h: str = "h") -> Expr:
    """(f(x + h) - f(x)) / h as an expression, simplified when the algebra is finite:
    for x^2 it is 2x + h, and letting h → 0 leaves 2x (the seed's derivation)."""
    e = as_expr(expr)
    v = _var(e, var)
    x, hh = core.symbol(v), core.symbol(h)
    if h in e.free:
        raise error("error.calculus.step_name_taken", e=e, h=h)
    q = core.mul(core.add(e.subs({v: core.add(x, hh)}), core.neg(e)),
                 core.power(hh, core.MINUS_ONE))
    try:
        ex = expand(q)
    except LimitError:
        return q
    return ex if ex.size <= q.size and not any(
        n.op == core.POW and n.args[0] is hh and n.args[1].op == NUM and n.args[1].value < 0
        for n in core.postorder(ex)) else q


def limit_quotient(expr: Any, a: Any, var: str | None = None, method: str = "forward") -> Any:
    """The table of (f(a+h) - f(a))/h for h = 10^-1 ... 10^-16 with its true error.

    This is :func:`bibun.numeric.difference_table` (one implementation of the table)
    fed with the formula as a float function and the exact derivative from
    :func:`bibun.diff`, so the error column is the *true* error.
    """

    e = as_expr(expr)
    v = _var(e, var)
    x0 = as_number(a, "a")
    _at(e, v, x0, str(e))
    _check_smooth(e, v, x0)
    exact = to_float(_at(diff(e, v), v, x0, f"the derivative of {e}"))
    f1 = as_function(e, [v])

    def f(x: Any) -> Any:
        out = f1(x)
        return float(out) if np.ndim(out) == 0 else out

    return difference_table(f, to_float(x0), method, exact=exact)


