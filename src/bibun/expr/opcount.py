"""The size of an answer as SymPy's ``count_ops`` counts it, on bibun's nodes.

Issue 12 measures tidiness against ``count_ops(simplify(diff(f)))``; the tidy answer
(:mod:`bibun.expr.tidy`) chooses between equivalent forms with the same measure, so
that "smaller" means what the comparison means.  No SymPy import: this is a port of
its counting rules (sums, products read as fractions, powers, unary minus).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from bibun.expr import core
from bibun.expr.core import ADD, CALL, FN, MUL, NUM, POW, Expr, as_expr


def is_negative(e: Expr) -> bool:
    c, _ = core.coeff_rest(e)
    return not isinstance(c, complex) and c < 0


def _neg_exp_arg(e: Expr) -> bool:
    """exp(u) with u a negative multiple: SymPy's fraction() puts it below the bar."""
    return e.op == FN and e.value == "exp" and is_negative(e.args[0])


def ops(e: Any, memo: dict[Expr, int] | None = None) -> int:
    """How many operations SymPy's ``count_ops`` counts in ``e`` (the measure of the
    issue's size bound): +, −, ·, /, ^, unary minus and each function once, with
    fractions read as SymPy reads them (x/2 is one division, 1/x^2 one division and one
    power, √x a power and a division).  An estimate for bibun's nodes, close enough to
    choose between two forms of the same function."""
    e = as_expr(e)
    memo = {} if memo is None else memo
    return _ops(e, memo)


def _ops(e: Expr, memo: dict[Expr, int]) -> int:
    r = memo.get(e)
    if r is not None:
        return r
    op = e.op
    if op == NUM:
        v = e.value
        r = 0
        if isinstance(v, Fraction):
            r = (v < 0) + (v.denominator != 1)
        elif isinstance(v, int):
            r = int(v < 0)
    elif op == ADD:
        negs = 0
        r = len(e.args) - 1
        for t in e.args:
            if is_negative(t):
                negs += 1
                r += _ops(core.neg(t), memo)
            else:
                r += _ops(t, memo)
        r += negs == len(e.args)
    elif op == MUL:
        r = _mul_ops(e, memo)
    elif op == POW:
        b, k = e.args
        r = 1 + _ops(b, memo) + (0 if k is core.MINUS_ONE else _ops(k, memo))
    elif op in (FN, CALL):
        if op == FN and e.value == "exp" and is_negative(e.args[0]):
            r = 2 + _ops(core.neg(e.args[0]), memo)  # 1/exp(u)
        else:
            r = 1 + sum(_ops(a, memo) for a in e.args)
    else:
        r = 0
    memo[e] = r
    return r


def _mul_ops(e: Expr, memo: dict[Expr, int]) -> int:
    c, rest = core.coeff_rest(e)
    if len(e.args) == 2 and rest.op == ADD and not isinstance(c, float | complex):
        # SymPy distributes a number over a sum as it builds: 4(2x + 3) is 8x + 12
        return _ops(core.add(*(core.times(c, t) for t in rest.args)), memo)
    r = 0
    if isinstance(c, int | Fraction) and c < 0:
        r += 1
        c = -c
    num: list[Expr] = []
    den: list[Expr] = []
    int_num = c.numerator if isinstance(c, Fraction) else c
    int_den = c.denominator if isinstance(c, Fraction) else 1
    for f in (rest.args if rest.op == MUL else (rest,)):
        if f is core.ONE:
            continue
        if f.op == POW and f.args[1].op == NUM and f.args[1].value < 0:
            den.append(core.power(f.args[0], core.number(-f.args[1].value)))
        elif _neg_exp_arg(f):
            den.append(core.fn("exp", core.neg(f.args[0])))
        else:
            num.append(f)
    n_items = len(num) + (int_num != 1 or not isinstance(int_num, int))
    if den or int_den != 1:
        r += 1  # the division
        r += max(0, n_items - 1) + sum(_ops(f, memo) for f in num)
        d_items = len(den) + (int_den != 1)
        r += max(0, d_items - 1) + sum(_ops(f, memo) for f in den)
    else:
        r += max(0, n_items - 1) + sum(_ops(f, memo) for f in num)
    return r


__all__ = ["is_negative", "ops"]
