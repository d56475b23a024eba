"""The rule table's ``F`` namespace for expressions, and rewrites through the table.

``F.cos(u)`` builds the node cos(u); constants are exact nodes (``F.pi``, ``F.e``,
``F.const(Fraction(1, 2))``, ``F.sqrt(2)``), so a derivative such as erf's
``2/F.sqrt(F.pi)·e^(−u²)`` stays exact.  Symbolic diff, simplify, answer checking and
the explanations all evaluate the table's formulas (``deriv``, ``definition``,
``through``, ``poles``, ``exact_pi``) with this one namespace.
"""

from __future__ import annotations

from fractions import Fraction
from functools import partial
from typing import Any

from bibun.expr import core
from bibun.expr.core import FN, Expr, fn
from bibun.functions import rule


def _fn_of_any(name: str, arg: Any) -> Expr:
    """core.fn that also takes a plain number (F.sqrt(2) inside a rule's formula)."""
    return fn(name, arg if type(arg) is Expr else core.as_expr(arg))


class ExprOps:
    """``F`` for expressions (see the module docstring)."""

    pi = core.PI
    e = core.E
    const = staticmethod(core.number)

    def __getattr__(self, name: str):
        build = partial(_fn_of_any, name)
        setattr(self, name, build)  # looked up once per function name
        return build


EXPR_OPS = ExprOps()


def definition_of(node: Expr, args: tuple[Expr, ...] | None = None,
                  through: bool = True) -> Expr | None:
    """The function node written through exp/log (the rule's ``definition``) or, with
    ``through``, through other functions (tan = sin/cos); None where the table has none."""
    if node.op != FN:
        return None
    r = rule(node.value)
    f = r.definition or (r.through if through else None)
    return None if f is None else f((args or node.args)[0], EXPR_OPS)


def exponential_form(e: Any) -> Expr:
    """Rewrite every function the table defines through exponentials (tanh, sigmoid …)
    or through other functions (tan, sec …) so that algebra can compare forms."""
    return core.rebuild(core.as_expr(e), lambda node, args: definition_of(node, args))


def exact_at_pi(node: Expr, q: Fraction) -> Expr | None:
    """f(qπ) exactly where the table knows it (sin(π/6) = 1/2), else None."""
    r = rule(node.value)
    return None if r.exact_pi is None else r.exact_pi(q, EXPR_OPS)


__all__ = ["EXPR_OPS", "ExprOps", "definition_of", "exact_at_pi", "exponential_form"]
