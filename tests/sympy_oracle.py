"""Test helper: translate a bibun expression into SymPy (the outside oracle)."""

from __future__ import annotations

import sympy as sp

from bibun.expr.core import ADD, CALL, CONST, FN, MUL, NUM, POW, SYM, Expr, postorder

_FN = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "cot": sp.cot, "sec": sp.sec, "csc": sp.csc,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh,
    "tanh": sp.tanh, "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh, "exp": sp.exp,
    "log": sp.log, "cbrt": lambda u: sp.sign(u) * sp.Abs(u) ** sp.Rational(1, 3),
    "abs": sp.Abs, "sign": sp.sign, "sigmoid": lambda u: 1 / (1 + sp.exp(-u)),
    "softplus": lambda u: sp.log(1 + sp.exp(u)),
    "relu": lambda u: sp.Max(u, 0), "step": sp.Heaviside,
}


def to_sympy(e: Expr) -> sp.Expr:
    memo: dict[Expr, sp.Expr] = {}
    for n in postorder(e):
        op = n.op
        if op == NUM:
            r = sp.nsimplify(n.value) if not isinstance(n.value, float) else sp.Float(n.value)
        elif op == SYM:
            r = sp.Symbol(n.value, real=True)
        elif op == CONST:
            r = sp.E if n.value == "e" else sp.pi
        elif op == ADD:
            r = sp.Add(*(memo[a] for a in n.args))
        elif op == MUL:
            r = sp.Mul(*(memo[a] for a in n.args))
        elif op == POW:
            r = sp.Pow(memo[n.args[0]], memo[n.args[1]])
        elif op == FN:
            r = _FN[n.value](memo[n.args[0]])
        elif op == CALL:
            r = sp.Function(n.value[0])(*(memo[a] for a in n.args))
        else:  # pragma: no cover
            raise AssertionError(op)
        memo[n] = r
    return memo[e]
