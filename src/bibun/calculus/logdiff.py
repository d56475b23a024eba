"""Logarithmic differentiation: y = x^x → log y = x log x → y′/y = log x + 1 → y′ = x^x(log x + 1).

Used for a variable in both base and exponent (x^x, x^(sin x), (1 + 1/x)^x) and for
products and quotients of powers: take log of both sides (log of a product is a sum, log of
a power brings the exponent down), differentiate, multiply back by y.
"""

from __future__ import annotations

from typing import Any

from bibun.calculus.common import _var
from bibun.calculus.implicit import dd
from bibun.errors import BibunError
from bibun.explain.worked import Raw, Step, Worked
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.simplify import simplify
from bibun.i18n import error
from bibun.symbolic import diff


def log_of(e: Expr) -> Expr:
    """log e with products split into sums and exponents brought down."""
    factors = e.args if e.op == core.MUL else (e,)
    terms = []
    for f in factors:
        if f.op == core.NUM:
            if f.value < 0:
                f = core.number(-f.value)
            terms.append(core.fn("log", f))
        elif f.op == core.POW:
            terms.append(core.mul(f.args[1], core.fn("log", f.args[0])))
        elif f.op == core.FN and f.value == "exp":
            terms.append(f.args[0])
        else:
            terms.append(core.fn("log", f))
    return core.add(*terms)


def log_diff(expr: Any, var: str | None = None) -> Worked:
    """The worked logarithmic derivative; ``.answer`` is y′."""
    e = as_expr(expr)
    v = _var(e, var)
    if v not in e.free or e.op not in (core.POW, core.MUL):
        raise error("error.logdiff.not_suited", BibunError, f=str(e))
    y = core.symbol("y")
    ly = log_of(e)
    d = diff(ly, v)
    answer = core.mul(e, d)
    yp = Raw("y'")
    steps = [
        Step("logdiff.name", {}, (y, e)),
        Step("logdiff.take_log", {}, (core.fn("log", y), ly)),
        Step("logdiff.differentiate", {"x": v},
             (Raw("y'/y"), dd(ly, v), d)),
        Step("logdiff.multiply", {}, (yp, answer)),
    ]
    alt = simplify(answer)
    if alt is not answer:
        steps.append(Step("logdiff.tidy", {}, (yp, alt)))
    return Worked("logdiff.title", {"f": e}, steps, answer=answer)
