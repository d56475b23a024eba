"""Expr's arithmetic operators (+, -, *, /, **, unary -), pickling and ``subs``.

They build canonical nodes through :mod:`bibun.expr.build`, so ``x + 1`` is the node
``add(x, number(1))``.  The builders are above :mod:`bibun.expr.node`, so :class:`Expr`'s
operator methods call the functions this module puts in ``node._ARITH`` when
:mod:`bibun.expr.core` is imported (methods of the class itself, because the compiled
build makes Expr an extension type, whose attributes cannot be set afterwards).
"""

from __future__ import annotations

from typing import Any

from bibun.expr.build import BUILD, add2, mul2, neg, power, rebuild
from bibun.expr.node import _ARITH, MINUS_ONE, Expr, as_expr, symbol


def _rebuild(op: str, value: Any, args: tuple[Expr, ...]) -> Expr:
    return BUILD[op](value, args)


def _add(self: Expr, other: Any) -> Expr:
    return add2(self, as_expr(other))


def _radd(self: Expr, other: Any) -> Expr:
    return add2(as_expr(other), self)


def _sub(self: Expr, other: Any) -> Expr:
    return add2(self, neg(as_expr(other)))


def _rsub(self: Expr, other: Any) -> Expr:
    return add2(as_expr(other), neg(self))


def _mul(self: Expr, other: Any) -> Expr:
    return mul2(self, as_expr(other))


def _rmul(self: Expr, other: Any) -> Expr:
    return mul2(as_expr(other), self)


def _truediv(self: Expr, other: Any) -> Expr:
    return mul2(self, power(as_expr(other), MINUS_ONE))


def _rtruediv(self: Expr, other: Any) -> Expr:
    return mul2(as_expr(other), power(self, MINUS_ONE))


def _pow(self: Expr, other: Any) -> Expr:
    return power(self, as_expr(other))


def _rpow(self: Expr, other: Any) -> Expr:
    return power(as_expr(other), self)


def _neg(self: Expr) -> Expr:
    return neg(self)


def _reduce(self: Expr) -> tuple:
    """Pickling rebuilds through the canonical builders (one node per key holds)."""
    return (_rebuild, (self.op, self.value, self.args))


def subs(self: Expr, mapping: dict[Any, Any]) -> Expr:
    """Replace symbols (or any subexpressions) and rebuild canonically."""
    m = {(symbol(k) if isinstance(k, str) else k): as_expr(v) for k, v in mapping.items()}
    return rebuild(self, lambda node, args: m.get(node))


_ARITH.update(add=_add, radd=_radd, sub=_sub, rsub=_rsub, mul=_mul, rmul=_rmul,
              truediv=_truediv, rtruediv=_rtruediv, pow=_pow, rpow=_rpow, neg=_neg,
              reduce=_reduce, subs=subs)
