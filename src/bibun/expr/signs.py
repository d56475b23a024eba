"""Which signs can an expression take?  A small, sound sign analysis over the DAG.

A sign set is a bit mask of NEG | ZERO | POS (from :mod:`bibun.functions`).  Every rule
over-approximates, so "0 is impossible" is a proof — x^2 + 1, e^x, |x| + 2, cosh x are
never 0 — and anything unsure says "any sign".  Its one use: a corner note such as
"sqrt is not differentiable where x^2 + 1 = 0" is dropped when that can never happen.
Each function's own sign behaviour is declared in the rule table (``Rule.signs``).
"""

from __future__ import annotations

from collections.abc import Callable

from bibun.expr import core
from bibun.expr.core import ADD, CONST, FN, MUL, NUM, POW, Expr
from bibun.functions import ANY, NEG, POS, ZERO, rule

_NONNEG = ZERO | POS


def _combine(s: int, t: int, op: Callable[[int, int], int]) -> int:
    """The sign set of a ∘ b, from each pair of single signs a ∈ s and b ∈ t."""
    out = 0
    for a in (NEG, ZERO, POS):
        if s & a:
            for b in (NEG, ZERO, POS):
                if t & b:
                    out |= op(a, b)
    return out


def _plus(a: int, b: int) -> int:
    return b if a == ZERO else a if b in (ZERO, a) else ANY


def _times(a: int, b: int) -> int:
    return ZERO if ZERO in (a, b) else POS if a == b else NEG


def _power(base: int, k: Expr) -> int:
    if base == POS:  # a^u with a > 0 is positive for every real u
        return POS
    if k.op != NUM:
        return ANY
    v = k.value
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if v == 0:
        return POS
    if isinstance(v, int):
        if v % 2 == 0:  # u^2: 0 only where u = 0; u^-2 never 0
            zero = ZERO if base & ZERO and v > 0 else 0
            return (zero | (POS if base & (NEG | POS) else 0)) or ANY
        return (base if v > 0 else base & ~ZERO) or ANY
    # a non-integer power is real only for a base >= 0 (> 0 when the power is negative)
    return ((ZERO if base & ZERO and v > 0 else 0) | (POS if base & POS else 0)) or ANY


def signs(root: Expr, memo: dict[Expr, int]) -> int:
    """The sign set of ``root``; ``memo`` is shared between calls (linear overall)."""
    if root in memo:
        return memo[root]
    for node in core.postorder(root):
        if node in memo:
            continue
        op = node.op
        if op == NUM:
            v = node.value
            s = POS if v > 0 else NEG if v < 0 else ZERO
        elif op == CONST:  # e, pi
            s = POS
        elif op == ADD:
            s = ZERO
            for a in node.args:
                s = _combine(s, memo[a], _plus)
        elif op == MUL:
            s = POS
            for a in node.args:
                s = _combine(s, memo[a], _times)
        elif op == POW:
            s = _power(memo[node.args[0]], node.args[1])
        elif op == FN:
            f = rule(node.value).signs
            s = f(memo[node.args[0]]) if f is not None else ANY
        else:  # variables, f(x), g(x): anything
            s = ANY
        memo[node] = s
    return memo[root]


def may_equal(u: Expr, p: float, memo: dict[Expr, int]) -> bool:
    """Can ``u`` equal ``p`` for some real values of its variables?  False only when
    the analysis proves u - p is never 0."""
    q = int(p) if float(p).is_integer() else p
    target = u if q == 0 else core.add(u, core.number(-q))
    return bool(signs(target, memo) & ZERO)
