"""Expr's arithmetic operators (+, -, *, /, **, unary -), pickling and ``subs``.

They build canonical nodes through :mod:`bibun.expr.build`, so ``x + 1`` is the node
``add(x, number(1))``.  They live in a module of their own, attached to :class:`Expr`
when :mod:`bibun.expr.core` is imported, because the builders may be compiled
(``make compiled``): a compiled function is not a Python function and does not bind as
a method, while these plain ones do -- in either build.
"""

from __future__ import annotations

from typing import Any

from bibun.expr.build import BUILD, add, mul, neg, power, rebuild
from bibun.expr.node import MINUS_ONE, Expr, as_expr, symbol


def _rebuild(op: str, value: Any, args: tuple[Expr, ...]) -> Expr:
    return BUILD[op](value, args)


def _add(self: Expr, other: Any) -> Expr:
    return add(self, as_expr(other))


def _radd(self: Expr, other: Any) -> Expr:
    return add(as_expr(other), self)


def _sub(self: Expr, other: Any) -> Expr:
    return add(self, neg(as_expr(other)))


def _rsub(self: Expr, other: Any) -> Expr:
    return add(as_expr(other), neg(self))


def _mul(self: Expr, other: Any) -> Expr:
    return mul(self, as_expr(other))


def _rmul(self: Expr, other: Any) -> Expr:
    return mul(as_expr(other), self)


def _truediv(self: Expr, other: Any) -> Expr:
    return mul(self, power(as_expr(other), MINUS_ONE))


def _rtruediv(self: Expr, other: Any) -> Expr:
    return mul(as_expr(other), power(self, MINUS_ONE))


def _pow(self: Expr, other: Any) -> Expr:
    return power(self, as_expr(other))


def _rpow(self: Expr, other: Any) -> Expr:
    return power(as_expr(other), self)


def _neg(self: Expr) -> Expr:
    return neg(self)


def _pos(self: Expr) -> Expr:
    return self


def _reduce(self: Expr) -> tuple:
    """Pickling rebuilds through the canonical builders (one node per key holds)."""
    return (_rebuild, (self.op, self.value, self.args))


def subs(self: Expr, mapping: dict[Any, Any]) -> Expr:
    """Replace symbols (or any subexpressions) and rebuild canonically."""
    m = {(symbol(k) if isinstance(k, str) else k): as_expr(v) for k, v in mapping.items()}
    return rebuild(self, lambda node, args: m.get(node))


Expr.__add__, Expr.__radd__, Expr.__sub__, Expr.__rsub__ = _add, _radd, _sub, _rsub
Expr.__mul__, Expr.__rmul__, Expr.__truediv__, Expr.__rtruediv__ = _mul, _rmul, _truediv, _rtruediv
Expr.__pow__, Expr.__rpow__, Expr.__neg__, Expr.__pos__ = _pow, _rpow, _neg, _pos
Expr.__reduce__ = _reduce
Expr.subs = subs
