"""The derivative through the inverse function (seed 004): y = log x ⇔ x = e^y,
dx/dy = e^y = x, dy/dx = 1/(dx/dy) = 1/x.  Also asin, acos, atan and √."""

from __future__ import annotations

from typing import Any

from bibun.calculus.common import _var
from bibun.errors import BibunError
from bibun.explain.worked import Raw, Step, Worked
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.simplify import simplify
from bibun.i18n import error


def _table(x: Expr, y: Expr) -> dict[str, tuple[Expr, Expr, Expr, str]]:
    """name → (g(y) with x = g(y), dx/dy in y, dx/dy in x, catalog key of the rewrite)."""
    root = core.power(core.add(core.ONE, core.neg(core.power(x, core.number(2)))), core.HALF)
    return {
        "log": (core.fn("exp", y), core.fn("exp", y), x, "inverse.rewrite_exp"),
        "asin": (core.fn("sin", y), core.fn("cos", y), root, "inverse.rewrite_asin"),
        "acos": (core.fn("cos", y), core.neg(core.fn("sin", y)), core.neg(root),
                 "inverse.rewrite_acos"),
        "atan": (core.fn("tan", y), core.add(core.ONE, core.power(core.fn("tan", y),
                                                                   core.number(2))),
                 core.add(core.ONE, core.power(x, core.number(2))), "inverse.rewrite_atan"),
        "sqrt": (core.power(y, core.number(2)), core.mul(core.number(2), y),
                 core.mul(core.number(2), core.power(x, core.HALF)), "inverse.rewrite_sqrt"),
    }


def via_inverse(expr: Any, var: str | None = None) -> Worked:
    """The worked derivative of log x, asin x, acos x, atan x or √x through its inverse."""
    e = as_expr(expr)
    v = _var(e, var)
    x, y = core.symbol(v), core.symbol("y" if v != "y" else "u")
    name = e.value if e.op == core.FN else ("sqrt" if e.op == core.POW and
                                            e.args[1] is core.HALF else None)
    table = _table(x, y)
    if name not in table or e.args[0] is not x:
        raise error("error.inverse.not_suited", BibunError, f=str(e),
                    reach="log x, asin x, acos x, atan x, sqrt(x)")
    g, dxdy, in_x, key = table[name]
    answer = simplify(core.power(in_x, core.MINUS_ONE))
    dyx = Raw(f"d{y}/d{v}")
    steps = [
        Step("inverse.write", {"y": y.value}, (y, e)),
        Step("inverse.solve", {"x": v}, (x, g)),
        Step("inverse.dxdy", {"y": y.value}, (Raw(f"d{v}/d{y}"), dxdy)),
        Step("inverse.reciprocal", {}, (dyx, core.power(dxdy, core.MINUS_ONE))),
        Step(key, {"x": v, "y": y.value}, (dyx, answer)),
    ]
    return Worked("inverse.title", {"f": e}, steps, answer=answer)
