"""Tangent and normal lines, exact where the input is exact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bibun.calculus.common import _at, _check_smooth, as_number, one_variable
from bibun.calculus.display import tangent_bundle
from bibun.expr import core
from bibun.expr.core import NUM, Expr, as_expr
from bibun.symbolic import diff

# -- tangent and normal -------------------------------------------------------------------


@dataclass(frozen=True)
class Tangent:
    """The tangent line y = slope·(x - x0) + y0 at (x0, y0), and the normal line."""

    expr: Expr
    var: str
    x0: Expr
    y0: Expr
    slope: Expr
    line: Expr
    normal: Expr | None  # None when the tangent is horizontal: the normal is x = x0

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: slope, tangent and normal line."""
        return tangent_bundle(self)

    @property
    def normal_text(self) -> str:
        if self.normal is None:
            return f"{self.var} = {self.x0}"
        return f"y = {self.normal}"

    def __str__(self) -> str:
        return (f"tangent of {self.expr} at {self.var} = {self.x0}: y = {self.line}"
                f"  (slope {self.slope}); normal: {self.normal_text}")


def tangent(expr: Any, x0: Any, var: str | None = None) -> Tangent:
    """Tangent (and normal) line of ``expr`` at ``x0``, with exact coefficients when x0
    and the formula are exact: ``tangent("x^2", 1).line`` is ``2x - 1``."""
    e = as_expr(expr)
    v = one_variable(e, var, "a tangent line")
    a = as_number(x0, "x0")
    y0 = _at(e, v, a, str(e))
    _check_smooth(e, v, a)
    slope = _at(diff(e, v), v, a, f"the derivative of {e}")
    x = core.symbol(v)
    line = core.add(core.mul(slope, x), y0, core.neg(core.mul(slope, a)))
    if slope is core.ZERO or (slope.op == NUM and slope.value == 0):
        normal = None
    else:
        m = core.neg(core.power(slope, core.MINUS_ONE))
        normal = core.add(core.mul(m, x), y0, core.neg(core.mul(m, a)))
    return Tangent(e, v, a, y0, slope, line, normal)


