"""The tidy answer: the smallest of the equivalent forms bibun can reach safely.

A derivative straight from the rules is correct but often not what a teacher writes:
``2x e^x + x^2 e^x`` (x(x + 2)e^x), ``2y(y^2 + 1) + 2y(y^2 - 1)`` (4y^3),
``1/(cos(x)^2(1 + tan(x)^2))`` (1), ``7^(x^2 - (x^2 - 4) - 4)`` (1).  :func:`tidy`
tries a few sound rewrites -- each one an identity valid wherever the original is
defined -- node by node from the leaves up and then on the whole, and keeps a candidate
only when it is *smaller* (SymPy's ``count_ops`` measure, :func:`ops`), so the answer
never grows and ties keep the form the rules gave (the learner's order and shape).

The rewrites: distribute a number over a sum when terms cancel; pull out a common
factor; one common denominator with the numerator multiplied out; the Pythagorean
identities (sin² + cos² = 1, 1 + tan² = 1/cos², cosh² − sinh² = 1, …); clearing
e^(−u) from a fraction (e^(−x)/(1 + e^(−x))² = e^x/(e^x + 1)²); |u| and sign(u) when
the sign of u is known; cancelling a common polynomial factor.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb
from typing import Any

from bibun.errors import LimitError
from bibun.expr import core
from bibun.expr.core import ADD, CALL, FN, MUL, NUM, POW, Expr, as_expr, rebuild
from bibun.expr.signs import signs
from bibun.expr.simplify import _factor_node, cancel, expand, factor, together
from bibun.functions import NEG, POS, ZERO

#: derivatives larger than this (tree size) are returned as the rules give them: tidying
#: is for answers a person reads, and it must stay cheap inside nn and Hessians
MAX_TIDY_SIZE = 400
#: expansion is tried only when it writes at most this many terms
MAX_EXPANDED_TERMS = 60


# -- size: SymPy's count_ops, on bibun's nodes -----------------------------------------


def _is_negative(e: Expr) -> bool:
    c, _ = core.coeff_rest(e)
    return not isinstance(c, complex) and c < 0


def _neg_exp_arg(e: Expr) -> bool:
    """exp(u) with u a negative multiple: SymPy's fraction() puts it below the bar."""
    return e.op == FN and e.value == "exp" and _is_negative(e.args[0])


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
            if _is_negative(t):
                negs += 1
                r += _ops(core.neg(t), memo)
            else:
                r += _ops(t, memo)
        r += negs == len(e.args)
    elif op == MUL:
        r = _mul_ops(e, memo)
    elif op == POW:
        b, k = e.args
        if k is core.MINUS_ONE:
            r = 1 + _ops(b, memo)
        else:
            r = 1 + _ops(b, memo) + _ops(k, memo)
    elif op in (FN, CALL):
        if op == FN and e.value == "exp" and _is_negative(e.args[0]):
            r = 2 + _ops(core.neg(e.args[0]), memo)  # 1/exp(u)
        else:
            r = 1 + sum(_ops(a, memo) for a in e.args)
    else:
        r = 0
    memo[e] = r
    return r


def _mul_ops(e: Expr, memo: dict[Expr, int]) -> int:
    c, rest = core.coeff_rest(e)
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


def _key(e: Expr) -> tuple[int, int]:
    return ops(e), e.size


# -- local rewrites (one node, its arguments already tidy) ------------------------------


def _terms(e: Expr) -> tuple[Expr, ...]:
    return e.args if e.op == ADD else (e,)


def _distribute(args: tuple[Expr, ...]) -> Expr | None:
    """c·(a + b) terms of a sum written out, so that like terms meet:
    x^2 − (x^2 − 4) − 4 = 0."""
    out: list[Expr] = []
    changed = False
    for t in args:
        c, rest = core.coeff_rest(t)
        if rest.op == ADD and c != 1:
            out.extend(core.times(c, s) for s in rest.args)
            changed = True
        else:
            out.append(t)
    return core.add(*out) if changed else None


def _square(t: Expr) -> tuple[str, Expr] | None:
    if t.op == POW and t.args[1] is core.TWO and t.args[0].op == FN:
        return t.args[0].value, t.args[0].args[0]
    return None


def _pow(name: str, u: Expr, k: int) -> Expr:
    return core.power(core.fn(name, u), core.number(k))


#: c·a(u)² + s·c·b(u)² = c·result(u): (a, s, b, unused, result)
_PAIRS = (
    ("sin", 1, "cos", 0, lambda u: core.ONE),
    ("cosh", -1, "sinh", 0, lambda u: core.ONE),
)
#: k + m·k·a(u)² = k·result(u), for a constant k
_WITH_ONE = (
    ("tan", 1, lambda u: _pow("cos", u, -2)),
    ("cot", 1, lambda u: _pow("sin", u, -2)),
    ("sin", -1, lambda u: _pow("cos", u, 2)),
    ("cos", -1, lambda u: _pow("sin", u, 2)),
    ("sinh", 1, lambda u: _pow("cosh", u, 2)),
    ("cosh", -1, lambda u: core.neg(_pow("sinh", u, 2))),
    ("sec", -1, lambda u: core.neg(_pow("tan", u, 2))),
    ("csc", -1, lambda u: core.neg(_pow("cot", u, 2))),
)


def _pythagoras(args: tuple[Expr, ...]) -> Expr | None:
    """sin² + cos² = 1, cosh² − sinh² = 1, 1 + tan² = 1/cos², 1 + cot² = 1/sin²,
    1 − sin² = cos², 1 − cos² = sin², 1 + sinh² = cosh², cosh² − 1 = sinh²,
    sec² − 1 = tan², csc² − 1 = cot², each with any common numeric factor, anywhere in
    a sum."""
    terms: list[Expr | None] = []
    const: Any = 0
    for t in args:
        if t.op == NUM:
            const += t.value
        else:
            terms.append(t)
    if isinstance(const, float):
        return None
    squares: dict[tuple[str, Expr], tuple[int, Any]] = {}
    for i, t in enumerate(terms):
        c, rest = core.coeff_rest(t)
        sq = _square(rest)
        if sq is not None and not isinstance(c, float):
            squares.setdefault(sq, (i, c))
    extra: list[Expr] = []
    changed = False
    for a, s, b, _, make in _PAIRS:
        for (name, u), (i, c) in list(squares.items()):
            if name != a or terms[i] is None:
                continue
            other = squares.get((b, u))
            if other is not None and terms[other[0]] is not None and other[1] == s * c:
                terms[i] = terms[other[0]] = None
                extra.append(core.times(c, make(u)))
                changed = True
    for a, m, make in _WITH_ONE:
        for (name, u), (i, c) in list(squares.items()):
            if name == a and terms[i] is not None and const != 0 and c == m * const:
                terms[i] = None
                extra.append(core.times(const, make(u)))
                const = 0
                changed = True
    if not changed:
        return None
    return core.add(core.number(const), *(t for t in terms if t is not None), *extra)


def _known_sign(node: Expr, args: tuple[Expr, ...], memo: dict[Expr, int]) -> Expr | None:
    """|u| = u where u ≥ 0 is proved (−u where u ≤ 0); sign(u) = 1 where u > 0 (−1 where
    u < 0): the sign analysis of :mod:`bibun.expr.signs` is sound, so this never lies."""
    if node.op != FN or node.value not in ("abs", "sign"):
        return None
    u = args[0]
    s = signs(u, memo)
    if node.value == "abs":
        if not s & NEG:
            return u
        if not s & POS:
            return core.neg(u)
    else:
        if s == POS:
            return core.ONE
        if s == NEG:
            return core.MINUS_ONE
        if s == ZERO:
            return core.ZERO
    return None


def _expanded_terms(e: Expr, memo: dict[Expr, int]) -> int:
    """An upper bound on the number of terms expand(e) writes (cheap, no expansion)."""
    r = memo.get(e)
    if r is not None:
        return r
    if e.op == ADD:
        r = sum(_expanded_terms(t, memo) for t in e.args)
    elif e.op == MUL:
        r = 1
        for f in e.args:
            r *= _expanded_terms(f, memo)
            if r > 10**6:
                break
    elif e.op == POW and e.args[0].op == ADD and e.args[1].op == NUM \
            and isinstance(e.args[1].value, int) and e.args[1].value > 1:
        n, k = _expanded_terms(e.args[0], memo), e.args[1].value
        r = comb(n + k - 1, k) if k < 60 else 10**6
    else:
        r = 1
    memo[e] = min(r, 10**6)
    return memo[e]


def _small_expand(e: Expr) -> Expr | None:
    if _expanded_terms(e, {}) > MAX_EXPANDED_TERMS:
        return None
    try:
        return expand(e)
    except LimitError:
        return None


def _fraction(e: Expr) -> tuple[list[Expr], list[Expr]]:
    num, den = [], []
    for f in (e.args if e.op == MUL else (e,)):
        if f.op == POW and f.args[1].op == NUM and f.args[1].value < 0:
            den.append(f)
        else:
            num.append(f)
    return num, den


def _over_one_denominator(e: Expr) -> Expr | None:
    """A sum over one common denominator with the numerator multiplied out and its
    common factor pulled out: 1/(2√x) − 1/(2x^(3/2)) = (x − 1)/(2x^(3/2))."""
    t = together(e)
    if t is e:
        return None
    num, den = _fraction(t)
    top = core.mul(*num)
    ex = _small_expand(top)
    if ex is not None:
        top = min((top, ex, factor(ex)), key=_key)
    return core.mul(top, *den)


def _clear_negative_exponentials(e: Expr) -> Expr | None:
    """Multiply a fraction's sums by e^v to clear their e^(−v) terms:
    e^(−x)/(1 + e^(−x))² = e^x/(e^x + 1)²."""
    if e.op not in (MUL, POW):
        return None
    factors = list(e.args) if e.op == MUL else [e]
    out: list[Expr] = []
    shift: list[Expr] = []
    changed = False
    for f in factors:
        base, k = (f.args[0], f.args[1]) if f.op == POW else (f, core.ONE)
        if base.op == ADD and k.op == NUM and isinstance(k.value, int):
            negs = [t.args[0] for t in base.args
                    if t.op == FN and t.value == "exp" and _is_negative(t.args[0])]
            if len(negs) == 1 and all(t.op != FN or t.value != "exp" or t.args[0] is negs[0]
                                      for t in base.args):
                v = core.neg(negs[0])
                ev = core.fn("exp", v)
                new_base = core.add(*(core.mul(t, ev) for t in base.args))
                out.append(core.power(new_base, k))
                shift.append(core.times(-k.value, v))
                changed = True
                continue
        out.append(f)
    if not changed:
        return None
    return core.mul(*out, core.fn("exp", core.add(*shift)))


def _tidy_node(node: Expr, args: tuple[Expr, ...], memo: dict[Expr, int]) -> Expr | None:
    if node.op in (FN, CALL, POW, NUM) and node.op != FN:
        return None if node.op != POW else _best_local(node, args, memo)
    if node.op == FN:
        r = _known_sign(node, args, memo)
        if r is not None:
            return r
        return None
    return _best_local(node, args, memo)


def _best_local(node: Expr, args: tuple[Expr, ...], memo: dict[Expr, int]) -> Expr | None:
    same = all(a is b for a, b in zip(args, node.args))
    base = node if same else core.BUILD[node.op](node.value, args)
    if base.op not in (ADD, MUL, POW):
        return base
    cands = [base]
    if base.op == ADD:
        for make in (_distribute, _pythagoras):
            r = make(base.args)
            if r is not None:
                cands.append(r)
        r = _factor_node(base, base.args)
        if r is not None:
            cands.append(r)
        r = _over_one_denominator(base)
        if r is not None:
            cands.append(r)
    else:
        r = _clear_negative_exponentials(base)
        if r is not None:
            cands.append(r)
    return min(cands, key=_key)


def tidy(expr: Any) -> Expr:
    """The smallest equivalent form bibun can reach with sound rewrites (see the
    module docstring); never larger than ``expr`` by :func:`ops`, ties keep ``expr``."""
    e = as_expr(expr)
    if e.size > MAX_TIDY_SIZE or not e.args:
        return e
    sign_memo: dict[Expr, int] = {}
    local = rebuild(e, lambda n, a: _tidy_node(n, a, sign_memo))
    cands = [e, local]
    for c in (e, local):
        ex = _small_expand(c)
        if ex is not None:
            cands += [ex, factor(ex)]
        r = _over_one_denominator(c) if c.op == ADD else None
        if r is not None:
            cands.append(r)
    try:
        cands.append(cancel(min(cands, key=_key)))
    except (LimitError, ZeroDivisionError):
        pass
    return min(cands, key=_key)


__all__ = ["MAX_TIDY_SIZE", "ops", "tidy"]
