"""Exact real roots of one-variable polynomials with rational coefficients.

Critical points of a polynomial are the roots of its derivative, and a learner expects
them *exactly*: x^3 - 3x has its extrema at ±1, not at 0.9999999999999998.  This module
does the few things needed for that, over the rationals (``fractions.Fraction``):

* read an :class:`~bibun.expr.core.Expr` as a coefficient list (or say it is not one);
* split off repeated roots (Yun's square-free decomposition), so every root comes with
  its multiplicity - the multiplicity decides min/max/inflection without any float test;
* find rational roots exactly (numeric guesses checked by exact evaluation, with the
  denominator bounded by the rational root theorem) and solve what is left in closed
  form up to degree 2 (roots such as 1 ± √2 as expressions); higher-degree leftovers are
  isolated exactly and bisected to the nearest floats, and flagged inexact.

Coefficient lists are lowest degree first: ``[c0, c1, c2]`` is c0 + c1 x + c2 x².
"""

from __future__ import annotations

import math
from fractions import Fraction

from bibun.expr import core
from bibun.expr.core import ADD, MUL, NUM, POW, SYM, Expr
from bibun.expr.numbers import to_float
from bibun.functions.lazy import np
from bibun.record import record

Poly = list[Fraction]

#: do not try exact algebra on polynomials above this degree
MAX_DEGREE = 60


def coefficients(expr: Expr, var: str) -> Poly | None:
    """Exact rational coefficients of ``expr`` as a polynomial in ``var``, or None when it
    is not one (other symbols, functions, negative powers, or float coefficients).

    Works bottom-up over the DAG with Fraction arithmetic, so it needs no expansion
    into an expression first (each distinct node is converted once)."""
    if expr.free - {var}:
        return None
    memo: dict[Expr, Poly] = {}
    for node in core.postorder(expr):
        op = node.op
        if op == NUM:
            if isinstance(node.value, float):
                return None
            p: Poly = [Fraction(node.value)]
        elif op == SYM:
            p = [Fraction(0), Fraction(1)]
        elif op == ADD:
            p = [Fraction(0)]
            for a in node.args:
                p = _add(p, memo[a])
        elif op == MUL:
            p = [Fraction(1)]
            for a in node.args:
                p = _mul(p, memo[a])
        elif op == POW:
            k = node.args[1]
            if k.op != NUM or not isinstance(k.value, int) or k.value < 0:
                return None
            base = memo.get(node.args[0])
            if base is None:
                return None
            if degree(base) * k.value > MAX_DEGREE:
                return None
            p = [Fraction(1)]
            for _ in range(k.value):
                p = _mul(p, base)
        else:  # functions, constants such as pi, abstract calls
            return None
        if len(p) - 1 > MAX_DEGREE:
            return None
        memo[node] = trim(p)
    return memo[expr]


def _add(a: Poly, b: Poly) -> Poly:
    n = max(len(a), len(b))
    return trim([(a[i] if i < len(a) else 0) + (b[i] if i < len(b) else 0) for i in range(n)])


def _mul(a: Poly, b: Poly) -> Poly:
    out = [Fraction(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                out[i + j] += x * y
    return trim(out)


def trim(p: Poly) -> Poly:
    """Drop zero leading coefficients (keep at least one entry)."""
    p = list(p)
    while len(p) > 1 and p[-1] == 0:
        p.pop()
    return p


def degree(p: Poly) -> int:
    p = trim(p)
    return -1 if p == [0] else len(p) - 1


def evaluate(p: Poly, x: Fraction | float) -> Fraction | float:
    """Horner's rule; exact for a Fraction argument."""
    acc: Fraction | float = Fraction(0) if isinstance(x, Fraction | int) else 0.0
    for c in reversed(p):
        acc = acc * x + c
    return acc


def derivative(p: Poly) -> Poly:
    return trim([i * p[i] for i in range(1, len(p))] or [Fraction(0)])


def divmod_poly(a: Poly, b: Poly) -> tuple[Poly, Poly]:
    """Polynomial long division over Q: a = q·b + r with deg r < deg b."""
    a, b = trim(a), trim(b)
    if degree(b) < 0:
        raise ZeroDivisionError("polynomial division by zero")
    r = list(a)
    q = [Fraction(0)] * max(1, len(a) - len(b) + 1)
    db, lead = len(b) - 1, b[-1]
    while degree(r) >= db:
        k = len(r) - 1 - db
        f = r[-1] / lead
        q[k] = f
        for i, c in enumerate(b):
            r[i + k] -= f * c
        r = trim(r[:-1]) if len(r) > 1 else [Fraction(0)]
    return trim(q), trim(r)


def monic(p: Poly) -> Poly:
    p = trim(p)
    return [c / p[-1] for c in p] if p[-1] != 0 else p


def gcd(a: Poly, b: Poly) -> Poly:
    """Monic greatest common divisor (Euclid over Q)."""
    a, b = trim(a), trim(b)
    while degree(b) >= 0:
        a, b = b, divmod_poly(a, b)[1]
    return monic(a) if degree(a) >= 0 else [Fraction(0)]


def squarefree(p: Poly) -> list[tuple[Poly, int]]:
    """Yun's algorithm: p = c · Π f_m^m with every f_m square-free and coprime.
    Returns [(f_m, m)] for the non-constant factors."""
    p = trim(p)
    if degree(p) < 1:
        return []
    out: list[tuple[Poly, int]] = []
    dp = derivative(p)
    a = gcd(p, dp)
    b = divmod_poly(p, a)[0]
    c = divmod_poly(dp, a)[0]
    d = _sub(c, derivative(b))
    m = 1
    while degree(b) >= 1:
        a = gcd(b, d)
        if degree(a) >= 1:
            out.append((monic(a), m))
        b = divmod_poly(b, a)[0]
        c = divmod_poly(d, a)[0]
        d = _sub(c, derivative(b))
        m += 1
    return out


def _sub(a: Poly, b: Poly) -> Poly:
    return _add(a, [-c for c in b])


@record(frozen=True)
class Root:
    """A real root: ``expr`` is exact when ``exact`` (a rational or a quadratic surd),
    otherwise a float number node; ``value`` is its float value."""

    expr: Expr
    value: float
    multiplicity: int
    exact: bool


def real_roots(p: Poly) -> list[Root]:
    """All real roots of p, sorted, each with its multiplicity."""
    roots: list[Root] = []
    for factor, m in squarefree(p):
        for expr, exact in _roots_squarefree(factor):
            roots.append(Root(expr, to_float(expr.evaluate()), m, exact))
    roots.sort(key=lambda r: r.value)
    return roots


def _int_coeffs(p: Poly) -> list[int]:
    den = math.lcm(*(c.denominator for c in p))
    return [int(c * den) for c in p]


def _divisors(n: int, limit: int = 10**6) -> list[int] | None:
    n = abs(n)
    if n > limit:
        return None
    out = set()
    for i in range(1, math.isqrt(n) + 1):
        if n % i == 0:
            out.update((i, n // i))
    return sorted(out)


def _roots_squarefree(p: Poly) -> list[tuple[Expr, bool]]:
    """Roots of a square-free polynomial: rational ones exactly, then a closed form for
    a leftover of degree <= 2, else the nearest floats (:func:`isolated_real_roots`)."""
    out: list[tuple[Expr, bool]] = []
    p = trim(p)
    # x = 0 is a root exactly when c0 = 0 (square-free, so only once)
    if p[0] == 0:
        out.append((core.ZERO, True))
        p = trim(p[1:])
    while degree(p) >= 1:
        d = degree(p)
        if d == 1:
            out.append((core.number(-p[0] / p[1]), True))
            return out
        if d == 2:
            out.extend(_quadratic(p))
            return out
        r = _one_rational_root(p)
        if r is None:
            break
        out.append((core.number(r), True))
        p = divmod_poly(p, [-r, Fraction(1)])[0]
    if degree(p) >= 1:
        out.extend((core.number(v), False) for v in isolated_real_roots(p))
    return out


def _one_rational_root(p: Poly) -> Fraction | None:
    """A rational root of p, found from numeric approximations and confirmed exactly.
    By the rational root theorem its denominator divides the leading coefficient."""
    ints = _int_coeffs(p)
    dens = _divisors(ints[-1]) or [1]
    for v in _numeric_real_roots(p):
        for q in dens:
            for num in {math.floor(v * q), math.ceil(v * q)}:
                r = Fraction(num, q)
                if evaluate(p, r) == 0:
                    return r
    return None


def _numeric_real_roots(p: Poly) -> list[float]:
    """Approximate real roots of a square-free p as floats (companion matrix eigenvalues,
    not polished: they only suggest rational candidates, which are confirmed exactly)."""
    c = np.array([float(x) for x in reversed(trim(p))])
    if len(c) < 2:
        return []
    found = np.roots(c)
    scale = max(1.0, float(np.max(np.abs(found)))) if len(found) else 1.0
    return sorted(float(z.real) for z in found if abs(z.imag) <= 1e-7 * scale)


def _sqrt_parts(q: Fraction) -> tuple[Fraction, int]:
    """sqrt(q) = k·sqrt(m) with rational k and square-free integer m (q > 0)."""
    n = q.numerator * q.denominator  # sqrt(a/b) = sqrt(ab)/b
    k, m = 1, n
    f = 2
    while f * f <= m and f < 10**6:
        while m % (f * f) == 0:
            m //= f * f
            k *= f
        f += 1
    return Fraction(k, q.denominator), m


def _quadratic(p: Poly) -> list[tuple[Expr, bool]]:
    c, b, a = p
    disc = b * b - 4 * a * c
    if disc < 0:
        return []
    k, m = _sqrt_parts(disc) if disc else (Fraction(0), 1)
    mid = -b / (2 * a)
    half = k / (2 * abs(a))
    if m == 1:
        return [(core.number(mid - half), True), (core.number(mid + half), True)]
    root_m = core.power(core.number(m), core.HALF)
    lo = core.add(core.number(mid), core.mul(core.number(-half), root_m))
    hi = core.add(core.number(mid), core.mul(core.number(half), root_m))
    return [(lo, True), (hi, True)]


# -- exact real-root isolation (Descartes' rule of signs with bisection) -------------------
#
# np.roots of a high-degree polynomial is not trustworthy on its own: for 100x^99 - 1 the
# companion matrix gives dozens of "nearly real" eigenvalues.  The roots of the leftover
# factor are therefore isolated exactly, over the integers, and each one is bisected
# with exact signs until its bracket is one float wide.


def _taylor_shift1(c: list[int]) -> list[int]:
    """Coefficients of q(x + 1) from those of q (lowest degree first), exactly."""
    c = list(c)
    n = len(c) - 1
    for i in range(n):
        for j in range(n - 1, i - 1, -1):
            c[j] += c[j + 1]
    return c


def _sign_changes(c: list[int]) -> int:
    signs = [v > 0 for v in c if v != 0]
    return sum(1 for a, b in zip(signs, signs[1:]) if a != b)


def _dyadic(m: int, k: int) -> Fraction:
    """m / 2^k for any integer k."""
    return Fraction(m, 1 << k) if k >= 0 else Fraction(m << -k)


def _sign_at(a: list[int], m: int, k: int) -> int:
    """Sign of p(m / 2^k) for integer coefficients a, exactly (homogenized Horner)."""
    if k < 0:
        m, k = m << -k, 0
    n = len(a) - 1
    acc, d = a[n], 1
    for i in range(n - 1, -1, -1):
        d <<= k
        acc = acc * m + a[i] * d
    return (acc > 0) - (acc < 0)


def _positive_root_brackets(a: list[int]) -> tuple[list[tuple[int, int]], list[Fraction]]:
    """Dyadic brackets (m, k) = (m/2^k, (m+1)/2^k) with exactly one root each, and the
    roots that fell exactly on a bisection point: together every positive root of the
    square-free integer polynomial a (a[0] != 0)."""
    n = len(a) - 1
    bound = 1 + max(abs(Fraction(v, a[n])) for v in a[:-1])  # Cauchy's bound
    b = max(0, math.ceil(math.log2(bound)) + 1)
    # q(x) = p(2^b x) has its positive roots in (0, 1)
    q0 = [v << (b * i) for i, v in enumerate(a)]
    brackets: list[tuple[int, int]] = []
    exact: list[Fraction] = []
    stack = [(q0, 0, 0)]  # polynomial on [0, 1] for the interval [c/2^k, (c+1)/2^k]
    while stack:
        q, c, k = stack.pop()
        v = _sign_changes(_taylor_shift1(q[::-1]))
        if v == 0:
            continue
        if v == 1:
            brackets.append((c, k - b))
            continue
        left = [qi << (n - i) for i, qi in enumerate(q)]  # 2^n q(x/2)
        right = _taylor_shift1(left)  # 2^n q((x+1)/2)
        if right[0] == 0:  # the midpoint is a root: record it, divide it out
            exact.append(_dyadic(2 * c + 1, k + 1 - b))
            right = right[1:] + [0]
        stack.append((right, 2 * c + 1, k + 1))
        stack.append((left, 2 * c, k + 1))
    return brackets, exact


def _refine(a: list[int], m: int, k: int) -> float:
    """Bisect (m/2^k, (m+1)/2^k) (exactly one simple root inside) with exact signs until
    both ends round to the same float: the float nearest the root."""
    s_lo = _sign_at(a, m, k)
    close = 0
    while True:
        lo, hi = _dyadic(m, k), _dyadic(m + 1, k)
        flo, fhi = float(lo), float(hi)
        if flo == fhi:
            return flo
        if np.nextafter(flo, math.inf) >= fhi:
            close += 1  # a root (almost) halfway between two floats: either will do
            if close > 64:
                return float((lo + hi) / 2)
        s_mid = _sign_at(a, 2 * m + 1, k + 1)
        if s_mid == 0:
            return float(_dyadic(2 * m + 1, k + 1))
        m = 2 * m + 1 if s_mid == s_lo else 2 * m
        k += 1


def isolated_real_roots(p: Poly) -> list[float]:
    """Every real root of the square-free p, as the nearest floats, sorted: isolated
    exactly (Descartes' rule of signs on dyadic intervals), then bisected with exact
    signs.  No root is missed and none is invented, whatever the degree."""
    p = trim(p)
    if degree(p) < 1:
        return []
    a = _int_coeffs(p)
    roots: list[float] = []
    if a[0] == 0:
        roots.append(0.0)
        a = a[1:]
    if len(a) < 2:
        return sorted(roots)
    for sign in (1, -1):
        b = [v if sign > 0 or i % 2 == 0 else -v for i, v in enumerate(a)]
        brackets, exact = _positive_root_brackets(b)
        roots.extend(sign * _refine(b, m, k) for m, k in brackets)
        roots.extend(sign * float(r) for r in exact)
    return sorted(roots)
