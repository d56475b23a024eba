"""Truncated Taylor arithmetic over the expression DAG ("Taylor mode").

``f(x + h) = c0 + c1·h + … + cn·h^n`` with every ``c_k`` an expression in ``x``: one
pass over the DAG, children first, each node's coefficients from its children's by the
arithmetic of truncated power series -- sums term by term, products by Cauchy's rule,
exp, log, sin, cos and u^r by their recurrences, and every other function of the rule
table through its derivative: ``y' = f'(u)·u'`` with ``f'`` from the table, solved
coefficient by coefficient (Faà di Bruno's formula, done by coefficient arithmetic).

The n-th derivative is ``n!·c_n`` (:func:`bibun.symbolic.taylor_diff`;
:func:`bibun.symbolic.diff` chooses it by itself for high orders of deep compositions).
Why: n passes of the ordinary rules roughly double the DAG each time (the 10th
derivative of sin(sin(…sin(x))) with six sines has 8,697 nodes), while the
coefficients grow like n²·(DAG size).  For shallow functions (polynomials, tanh) the
ordinary rules win.
"""

from __future__ import annotations

from fractions import Fraction

from bibun.expr import core
from bibun.expr.core import ADD, FN, MUL, NUM, ONE, POW, SYM, ZERO, Expr
from bibun.expr.ops import EXPR_OPS
from bibun.functions import rule

Series = list[Expr]


class Unsupported(Exception):
    """A node Taylor mode has no rule for (an abstract f(u, v)): use the ordinary rules."""


def series(root: Expr, var: str, n: int, known: dict[Expr, Series] | None = None) -> Series:
    """The coefficients c_0 … c_n of ``root`` at ``var + h``.  ``known`` gives the series
    of some nodes outright (they are not walked into)."""
    memo: dict[Expr, Series] = dict(known or {})
    for node in _walk(root, var, memo):
        memo[node] = _node_series(node, var, n, memo)
    return memo[root][: n + 1]


def _walk(root: Expr, var: str, memo: dict[Expr, Series]) -> list[Expr]:
    """The nodes under ``root`` that contain ``var`` and are not yet known, children
    first (iterative, like :func:`bibun.expr.core.postorder`)."""
    if root in memo or var not in root.free:
        return [] if root in memo else [root]
    out: list[Expr] = []
    seen = {root}
    stack = [(root, iter(root.args))]
    while stack:
        node, it = stack[-1]
        for a in it:
            if a not in seen and a not in memo:
                seen.add(a)
                if a.args and var in a.free:
                    stack.append((a, iter(a.args)))
                    break
                out.append(a)
        else:
            stack.pop()
            out.append(node)
    return out


def _const(c: Expr, n: int) -> Series:
    return [c] + [ZERO] * n


def _node_series(node: Expr, var: str, n: int, memo: dict[Expr, Series]) -> Series:
    if var not in node.free:
        return _const(node, n)
    op = node.op
    if op is SYM:
        return [node, ONE] + [ZERO] * (n - 1) if n >= 1 else [node]
    args = [memo[a] for a in node.args]
    if op is ADD:
        return [core.add(*(s[k] for s in args)) for k in range(n + 1)]
    if op is MUL:
        acc = args[0]
        for s in args[1:]:
            acc = _cauchy(acc, s, n)
        return acc
    if op is POW:
        b, r = node.args
        if var not in r.free:
            if r.op is NUM and type(r.value) is int and 0 < r.value <= 64:
                return _natural_power(args[0], r.value, n)
            return _power(args[0], r, node, n)
        # b^r = exp(r·log b): the exponent depends on the variable too
        log_b = _log(args[0], core.fn("log", b), n)
        return _exp(_cauchy(args[1], log_b, n), node, n)
    if op is FN:
        u, name = node.args[0], node.value
        if name == "exp":
            return _exp(args[0], node, n)
        if name == "log":
            return _log(args[0], node, n)
        if name in ("sin", "cos"):
            s, c = _sin_cos(args[0], core.fn("sin", u), core.fn("cos", u), n)
            return s if name == "sin" else c
        return _through_derivative(node, args[0], var, n)
    raise Unsupported(op)


def _cauchy(a: Series, b: Series, n: int) -> Series:
    """The product of two truncated series; zero coefficients are skipped (x's series
    is x + h: most of it is zero)."""
    nz_a = [(i, t) for i, t in enumerate(a[: n + 1]) if t is not ZERO]
    nz_b = [(j, t) for j, t in enumerate(b[: n + 1]) if t is not ZERO]
    terms: list[list[Expr]] = [[] for _ in range(n + 1)]
    for i, ta in nz_a:
        for j, tb in nz_b:
            if i + j > n:
                break
            terms[i + j].append(core.mul(ta, tb))
    return [core.add(*t) if t else ZERO for t in terms]


def _natural_power(u: Series, k: int, n: int) -> Series:
    """u^k for a natural k by squaring: no division by u_0 (which may vanish where the
    power is perfectly smooth)."""
    out: Series | None = None
    base = u
    while k:
        if k & 1:
            out = base if out is None else _cauchy(out, base, n)
        k >>= 1
        if k:
            base = _cauchy(base, base, n)
    assert out is not None
    return out


def _sum(terms: list[Expr]) -> Expr:
    return core.add(*terms) if terms else ZERO


def _power(u: Series, r: Expr, node: Expr, n: int) -> Series:
    """y = u^r: u·y' = r·y·u', so y_k = Σ_{j=1..k} ((r+1)j - k)·u_j·y_{k-j} / (k·u_0)."""
    y = [node]
    inv_u0 = core.power(u[0], core.MINUS_ONE)
    for k in range(1, n + 1):
        terms = []
        for j in range(1, k + 1):
            if u[j] is ZERO or y[k - j] is ZERO:
                continue
            w = core.add(core.mul(core.add(r, ONE), core.number(j)), core.number(-k))
            terms.append(core.mul(w, u[j], y[k - j]))
        y.append(core.mul(core.number(Fraction(1, k)), inv_u0, _sum(terms)))
    return y


def _exp(u: Series, node: Expr, n: int) -> Series:
    """y = e^u: y' = y·u', so y_k = (1/k)·Σ_{j=1..k} j·u_j·y_{k-j}."""
    y = [node]
    for k in range(1, n + 1):
        terms = [core.mul(core.number(j), u[j], y[k - j]) for j in range(1, k + 1)
                 if u[j] is not ZERO]
        y.append(core.times(Fraction(1, k), _sum(terms)))
    return y


def _log(u: Series, node: Expr, n: int) -> Series:
    """y = log u: u·y' = u', so y_k = (u_k - (1/k)·Σ_{j=1..k-1} j·y_j·u_{k-j}) / u_0."""
    y = [node]
    inv_u0 = core.power(u[0], core.MINUS_ONE)
    for k in range(1, n + 1):
        terms = [core.mul(core.number(Fraction(-j, k)), y[j], u[k - j]) for j in range(1, k)
                 if u[k - j] is not ZERO]
        y.append(core.mul(inv_u0, core.add(u[k], *terms)))
    return y


def _sin_cos(u: Series, s0: Expr, c0: Expr, n: int) -> tuple[Series, Series]:
    """s = sin u, c = cos u: s' = c·u', c' = -s·u', coefficient by coefficient."""
    s, c = [s0], [c0]
    for k in range(1, n + 1):
        js = [j for j in range(1, k + 1) if u[j] is not ZERO]
        s.append(core.times(Fraction(1, k), _sum([core.mul(core.number(j), u[j], c[k - j])
                                                  for j in js])))
        c.append(core.times(Fraction(-1, k), _sum([core.mul(core.number(j), u[j], s[k - j])
                                                   for j in js])))
    return s, c


def _through_derivative(node: Expr, u: Series, var: str, n: int) -> Series:
    """y = f(u) for any function of the rule table: y' = g·u' with g = f'(u) from the
    table (written with u and y itself: tanh' = 1 - y²), so y_k = (1/k)·Σ j·u_j·g_{k-j},
    where g's coefficients up to k-1 need only y's up to k-1."""
    arg = node.args[0]
    g = rule(node.value).deriv(arg, node, EXPR_OPS)
    y = [node]
    for k in range(1, n + 1):
        gk = series(g, var, k - 1, {arg: u[:k], node: y[:k]})
        terms = [core.mul(core.number(j), u[j], gk[k - j]) for j in range(1, k + 1)
                 if u[j] is not ZERO]
        y.append(core.times(Fraction(1, k), _sum(terms)))
    return y
