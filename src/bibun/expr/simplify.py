"""Other forms of the same expression: expanded, factored, over a common denominator,
and written through known functions (tanh, sigmoid, tan).

Canonical construction already does the safe, cheap things (numbers, like terms, like
powers).  These rewrites change the *shape* and are offered on request, because the
best shape depends on the reader: a learner checking by expansion wants ``6x^5 + 6x^2``,
the textbook answer is ``6x^2(x^3 + 1)``.  Every rewrite is a bottom-up rebuild over
the DAG (iterative, each distinct node once).
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd, lcm
from typing import Any

from bibun.errors import LimitError
from bibun.expr import core
from bibun.expr import polynomial as P
from bibun.expr.core import ADD, FN, MUL, NUM, POW, Expr, as_expr, rebuild
from bibun.expr.ops import EXPR_OPS
from bibun.functions import rules

MAX_TERMS = 20_000
MAX_EXPAND_POWER = 200


def _factors(e: Expr) -> list[Expr]:
    return list(e.args) if e.op == MUL else [e]


def _terms(e: Expr) -> list[Expr]:
    return list(e.args) if e.op == ADD else [e]


def _expand_product(factors: list[Expr] | tuple[Expr, ...]) -> Expr:
    """Multiply out a product whose factors are already expanded."""
    terms: list[Expr] = [core.ONE]
    for f in factors:
        ft = _terms(f)
        if len(terms) * len(ft) > MAX_TERMS:
            raise LimitError(f"expanding would produce more than {MAX_TERMS:,} terms")
        terms = [core.mul(t, s) for t in terms for s in ft]
    return core.add(*terms)


def _expand_node(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
    if node.op == MUL:
        return _expand_product(args)
    if node.op == POW:
        b, k = args
        if b.op == ADD and k.op == NUM and isinstance(k.value, int) and k.value > 1:
            if k.value > MAX_EXPAND_POWER:
                raise LimitError(f"expanding ({b})^{k} is too large")  # k: printed safely
            out = b
            for _ in range(k.value - 1):
                out = _expand_product([out, b])
            return out
    return None


def expand(expr: Any) -> Expr:
    """Multiply out products and integer powers of sums: 6x^2(x^3+1) -> 6x^5 + 6x^2."""
    return rebuild(as_expr(expr), _expand_node)


def _content(coeffs: list) -> Fraction:
    """gcd of rational numbers; negative only when every number is (-x - 2 -> -(x + 2))."""
    fs = [Fraction(c) for c in coeffs]
    num = 0
    den = 1
    for f in fs:
        num = gcd(num, f.numerator)
        den = lcm(den, f.denominator)
    g = Fraction(num, den) if num else Fraction(1)
    return -g if fs and all(f < 0 for f in fs) else g


def _split(term: Expr) -> tuple[Any, dict[Expr, Any]]:
    c, rest = core.coeff_rest(term)
    powers: dict[Expr, Any] = {}
    for f in _factors(rest):
        if f is core.ONE:
            continue
        if f.op == POW and f.args[1].op == NUM:
            powers[f.args[0]] = powers.get(f.args[0], 0) + f.args[1].value
        else:
            powers[f] = powers.get(f, 0) + 1
    return c, powers


def _factor_node(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
    if node.op != ADD:
        return None
    terms = list(args)
    split = [_split(t) for t in terms]
    if any(isinstance(c, float) for c, _ in split):
        return None
    content = _content([c for c, _ in split])
    common = dict(split[0][1])
    for _, p in split[1:]:
        for b in list(common):
            if b not in p:
                del common[b]
            else:
                common[b] = min(common[b], p[b])
    common = {b: k for b, k in common.items() if k > 0}
    if content == 1 and not common:
        return None
    outside = core.mul(core.number(content), *(core.power(b, core.number(k))
                                               for b, k in common.items()))
    inside = core.add(*(core.mul(core.number(Fraction(c) / content),
                                 *(core.power(b, core.number(k - common.get(b, 0)))
                                   for b, k in p.items()))
                        for c, p in split))
    return core.mul(outside, inside)


def factor(expr: Any) -> Expr:
    """Pull out numeric content and common factors: 6x^5 + 6x^2 -> 6x^2(x^3 + 1).

    This is common-factor extraction (what a learner does by hand), not full
    polynomial factorization over the integers.
    """
    return rebuild(as_expr(expr), _factor_node)


def _num_den(term: Expr) -> tuple[Expr, Expr]:
    num, den = [], []
    for f in _factors(term):
        if f.op == POW and f.args[1].op == NUM and f.args[1].value < 0:
            den.append(core.power(f.args[0], core.number(-f.args[1].value)))
        elif f.op == NUM and isinstance(f.value, Fraction):
            num.append(core.number(f.value.numerator))
            den.append(core.number(f.value.denominator))
        else:
            num.append(f)
    return core.mul(*num), core.mul(*den)


def _together_node(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
    if node.op != ADD:
        return None
    parts = [_num_den(t) for t in args]
    if all(d is core.ONE for _, d in parts):
        return None
    common: dict[Expr, Any] = {}
    coeff = 1
    for _, d in parts:
        c, p = _split(d)
        coeff = lcm(coeff, int(c)) if isinstance(c, int) else coeff
        for b, k in p.items():
            common[b] = max(common.get(b, 0), k)
    den = core.mul(core.number(coeff), *(core.power(b, core.number(k)) for b, k in common.items()))
    num = core.add(*(core.mul(n, den, core.power(d, core.MINUS_ONE)) for n, d in parts))
    return core.mul(num, core.power(den, core.MINUS_ONE))


def together(expr: Any) -> Expr:
    """Write a sum of fractions over one common denominator."""
    return rebuild(as_expr(expr), _together_node)


# -- through known functions ------------------------------------------------------------


def _is_exp(e: Expr) -> bool:
    return e.op == FN and e.value == "exp"


def _factor_powers(e: Expr) -> dict[Expr, Expr]:
    """A product as {base: exponent}."""
    fs = e.args if e.op == MUL else (e,)
    return {(f.args[0] if f.op == POW else f): (f.args[1] if f.op == POW else core.ONE)
            for f in fs}


def _exact_num(e: Expr) -> bool:
    return e.op == NUM and not isinstance(e.value, float)


def _exponents_near(b: Expr) -> set[Expr]:
    """u for every e^u a definition could be built from: b itself, or a term (or a
    term's factor) of the sum b; shallow on purpose, recognize runs on every product."""
    out = set()
    for t in (b.args if b.op == ADD else (b,)):
        for f in (t.args if t.op == MUL else (t,)):
            if _is_exp(f):
                out.add(f.args[0])
    return out


def _recognize_definitions(pw: dict[Expr, Expr]) -> bool:
    """Replace, in the product ``pw``, every rule definition the table marks
    ``recognize`` (tanh = (e^u − e^−u)/(e^u + e^−u), sigmoid = 1/(1 + e^−u)) raised to a
    positive power k by the function^k; the argument u is read off the exponentials."""
    exps = set().union(*(_exponents_near(b) for b in pw))
    changed = False
    for r in (r for r in rules() if r.recognize and r.definition is not None):
        for v in sorted(exps, key=lambda n: n.size):
            for u in (v, core.neg(v)):
                d = _factor_powers(r.definition(u, EXPR_OPS))
                if any(b.op == NUM for b in d) or not all(b in pw for b in d):
                    continue
                b0, e0 = next(iter(d.items()))
                k = Fraction(pw[b0].value) / Fraction(e0.value) \
                    if _exact_num(pw[b0]) and _exact_num(e0) else None
                k = k.numerator if k is not None and k.denominator == 1 else k
                if k is None or k <= 0 or not all(
                        pw[b].op == NUM and pw[b].value == k * x.value for b, x in d.items()):
                    continue
                for b in d:
                    del pw[b]
                f = core.fn(r.name, u)
                pw[f] = core.add(pw.get(f, core.ZERO), core.number(k))
                changed = True
    return changed


def _recognize_node(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
    if node.op not in (MUL, POW):
        return None
    if node.op == POW and not (args[1].op == NUM and args[1].value < 0):
        return None
    pw = _factor_powers(core.mul(*args) if node.op == MUL else core.power(*args))
    changed = _recognize_definitions(pw)
    if node.op == POW:
        return core.mul(*(core.power(b, k) for b, k in pw.items())) if changed else None
    # e^(-u) sigmoid(u)^n = (1 - sigmoid(u)) sigmoid(u)^(n-1)
    for base, k in list(pw.items()):
        if _is_exp(base) and k is core.ONE:
            s = core.fn("sigmoid", core.neg(base.args[0]))
            if s in pw and pw[s].op == NUM and pw[s].value >= 1:
                del pw[base]
                pw[s] = core.number(pw[s].value - 1)
                one_minus = core.add(core.ONE, core.neg(s))
                pw[one_minus] = core.add(pw.get(one_minus, core.ZERO), core.ONE)
                changed = True
    # sigmoid(-u)(1 - sigmoid(-u)) = (1 - sigmoid(u)) sigmoid(u): the positive argument
    for base, k in list(pw.items()):
        if base.op == FN and base.value == "sigmoid" and k is core.ONE \
                and _negated(base.args[0]):
            one_minus = core.add(core.ONE, core.neg(base))
            if pw.get(one_minus) is core.ONE:
                s = core.fn("sigmoid", core.neg(base.args[0]))
                del pw[base], pw[one_minus]
                pw[s] = core.ONE
                pw[core.add(core.ONE, core.neg(s))] = core.ONE
                changed = True
    # cos(u)/sin(u) -> 1/tan(u), sin(u)/cos(u) -> tan(u)
    for base, k in list(pw.items()):
        if base.op == FN and base.value == "cos" and k is core.ONE:
            s = core.fn("sin", base.args[0])
            if s in pw and pw[s] is core.MINUS_ONE:
                del pw[base], pw[s]
                pw[core.fn("tan", base.args[0])] = core.MINUS_ONE
                changed = True
        if base.op == FN and base.value == "sin" and k is core.ONE:
            c = core.fn("cos", base.args[0])
            if c in pw and pw[c] is core.MINUS_ONE:
                del pw[base], pw[c]
                pw[core.fn("tan", base.args[0])] = core.ONE
                changed = True
    if not changed:
        return None
    return core.mul(*(core.power(b, k) for b, k in pw.items()))


def _one_minus_sigmoid(args: tuple[Expr, ...]) -> Expr | None:
    """1 − σ(−u) = σ(u): softplus′ = e^x/(1 + e^x) reads as σ(x), not 1 − σ(−x)."""
    if len(args) != 2 or core.ONE not in args:
        return None
    t = args[1] if args[0] is core.ONE else args[0]
    if t.op == MUL and len(t.args) == 2 and t.args[0] is core.MINUS_ONE \
            and t.args[1].op == FN and t.args[1].value == "sigmoid" \
            and _negated(t.args[1].args[0]):
        return core.fn("sigmoid", core.neg(t.args[1].args[0]))
    return None


def _negated(u: Expr) -> bool:
    """-x, -2x, -3: written with a leading minus sign."""
    c = u.args[0] if u.op == MUL else u
    return c.op == NUM and c.value < 0


def recognize(expr: Any) -> Expr:
    """Rewrite through known functions: (e^x-e^-x)/(e^x+e^-x) -> tanh(x),
    1/(1+e^-x) -> sigmoid(x), e^-x/(1+e^-x)^2 -> sigmoid(x)(1-sigmoid(x)), cos/sin -> 1/tan."""
    e = as_expr(expr)
    r = rebuild(e, _recognize_node)
    if r is e:
        return e
    return rebuild(r, lambda n, a: _one_minus_sigmoid(a) if n.op == ADD else None)


# -- identities and cancellation ------------------------------------------------------


def _square_of(t: Expr, name: str) -> Expr | None:
    """u if t is name(u)^2."""
    if t.op == POW and t.args[1] is core.TWO and t.args[0].op == FN \
            and t.args[0].value == name:
        return t.args[0].args[0]
    return None


def _pythagoras_node(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
    """c sin(u)^2 + c cos(u)^2 = c and c cosh(u)^2 - c sinh(u)^2 = c, inside any sum."""
    if node.op != ADD:
        return None
    split = [core.coeff_rest(t) for t in args]
    terms = list(args)
    changed = False
    for a, b, sign in (("sin", "cos", 1), ("cosh", "sinh", -1)):
        firsts = {_square_of(rest, a): (i, c) for i, (c, rest) in enumerate(split)
                  if _square_of(rest, a) is not None}
        for j, (c, rest) in enumerate(split):
            u = _square_of(rest, b)
            if u in firsts and terms[j] is not None:
                i, c0 = firsts[u]
                if terms[i] is not None and c == sign * c0:
                    terms[i] = terms[j] = None
                    terms.append(core.number(c0))
                    changed = True
    return core.add(*(t for t in terms if t is not None)) if changed else None


def pythagoras(expr: Any) -> Expr:
    """sin²u + cos²u = 1 and cosh²u − sinh²u = 1 wherever they stand in a sum."""
    return rebuild(as_expr(expr), _pythagoras_node)


def cancel(expr: Any) -> Expr:
    """A rational function of one variable in lowest terms: (x² − 1)/(x − 1) = x + 1
    (valid wherever the original is defined; the removed factor's zeros are holes)."""
    e = as_expr(expr)
    if len(e.free) != 1:
        return e
    var = next(iter(e.free))
    t = together(e)
    factors = t.args if t.op == MUL else (t,)
    num, den = [], []
    for f in factors:
        k = f.args[1] if f.op == POW else None
        if k is not None and k.op == NUM and isinstance(k.value, int) and k.value < 0:
            den.append(core.power(f.args[0], core.number(-k.value)))
        else:
            num.append(f)
    p = P.coefficients(core.mul(*num), var) if den else None
    q = P.coefficients(core.mul(*den), var) if den else None
    if p is None or q is None:
        return e
    g = P.gcd(p, q)
    if P.degree(g) < 1:
        return e
    x = core.symbol(var)

    def poly(c: list[Fraction]) -> Expr:
        return core.add(*(core.mul(core.number(a), core.power(x, core.number(i)))
                          for i, a in enumerate(c) if a))

    top, bottom = poly(P.divmod_poly(p, g)[0]), poly(P.divmod_poly(q, g)[0])
    return factor(core.mul(top, core.power(bottom, core.MINUS_ONE)))


def simplify(expr: Any) -> Expr:
    """The shortest of the equivalent forms bibun knows (ties keep the given form)."""
    e = as_expr(expr)
    candidates = [e, recognize(e), factor(e), together(e), pythagoras(e), cancel(e)]
    try:
        ex = expand(e)
        candidates += [ex, factor(ex), pythagoras(ex)]
    except LimitError:
        pass
    return min(candidates, key=lambda c: c.size)


#: one node's rewrite, for callers that walk the tree themselves (:mod:`bibun.expr.tidy`)
expand_node = _expand_node
factor_node = _factor_node
together_node = _together_node
