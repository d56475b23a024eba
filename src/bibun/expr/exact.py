"""Exact values at a point: substitute numbers exactly and fold the special values a
teacher knows by heart (sin(π/6) = 1/2, cos(π) = −1, sigmoid(0) = 1/2).

Kept in the expression layer (it needs only the nodes and the rule table's ``exact_pi``)
so that ``bibun diff --at`` prints √3/2 without loading the calculus package, NumPy and
the code generator; :mod:`bibun.calculus` re-exports it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from bibun.expr import core
from bibun.expr.core import NUM, Expr
from bibun.expr.ops import exact_at_pi


def pi_multiple(e: Expr) -> Fraction | None:
    """q when e is q·π for a rational q (π itself, π/2, 3π/4 ...)."""
    if e is core.PI:
        return Fraction(1)
    if e.op == core.MUL and len(e.args) == 2 and e.args[1] is core.PI \
            and e.args[0].op == NUM and not isinstance(e.args[0].value, float):
        return Fraction(e.args[0].value)
    return None


def _fold_node(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
    """The rule table's exact value at a rational multiple of π (sin(π/6) = 1/2)."""
    if node.op != core.FN:
        return None
    q = pi_multiple(args[0])
    return None if q is None else exact_at_pi(node, q)


def exact_at(e: Expr, values: dict[str, Any]) -> Expr:
    """Substitute numbers exactly and fold the special values a teacher knows by heart
    (sin(π/6) = 1/2, cos(π) = -1, sigmoid(0) = 1/2)."""
    return core.rebuild(e.subs(values), _fold_node)


__all__ = ["exact_at", "pi_multiple"]
