"""The canonical builders: sums, products, powers, functions, abstract calls.

Construction is canonical: sums and products are flattened, numbers are folded with
exact rationals, like terms and like powers are collected.  Sums are *not*
distributed, so a derivative keeps the factored shape a teacher writes (``6x^2(x^3+1)``
rather than ``6x^5 + 6x^2``).  :mod:`bibun.expr.arith` gives :class:`Expr` its
arithmetic operators through these builders, so ``x + 1`` is ``add(x, number(1))``.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from fractions import Fraction

from bibun import i18n
from bibun.errors import DomainError, LimitError
from bibun.expr.node import (
    ADD,
    CALL,
    CONST,
    FN,
    HALF,
    MAX_BITS,
    MINUS_ONE,
    MUL,
    NUM,
    ONE,
    PI,
    POW,
    SYM,
    ZERO,
    E,
    Expr,
    Number,
    _make,
    _make_known,
    _norm,
    number,
    postorder,
    symbol,
)
from bibun.expr.numbers import digit_count, int_root, short_decimal, to_float, too_large_for_float
from bibun.expr.sums import (  # noqa: F401  (the sum builders, re-exported)
    _first,
    _like,
    _serial_key,
    _union,
    _unlike,
    add,
    add2,
    scale,
)
from bibun.functions import on_change, rule
from bibun.functions.lazy import np


def coeff_rest(e: Expr) -> tuple[Number, Expr]:
    """Split ``3x^2`` into (3, x^2); cached on the node because sums ask often."""
    if e.op is NUM:
        return e.value, ONE
    if e.op is not MUL or e.args[0].op is not NUM:
        return 1, e
    cr = e._cr
    if cr is None:
        rest = e.args[1] if len(e.args) == 2 else _make_known(MUL, e.args[1:], e.free,
                                                                e.size - 1)
        cr = e._cr = (e.args[0].value, rest)
    return cr


def times(c: Number, e: Expr) -> Expr:
    """c·e for a number c and any e: what ``mul(number(c), e)`` gives, without the
    general product's work (the constant-multiple rule's fast path)."""
    try:
        op = e.op
        if op is NUM:
            return number(c * e.value)
        if op is not MUL and type(c) is int:  # what scale(c, e) gives, three calls fewer
            if c == 1:
                return e
            return ZERO if c == 0 else _make(MUL, (number(c), e))
        if op is MUL and e.args[0].op is NUM and len(e.args) > 2:  # no node for the rest
            k = _norm(c * e.args[0].value)
            if k == 0:
                return number(k)
            if k != 1 or isinstance(k, float):
                return _make_known(MUL, (number(k),) + e.args[1:], e.free, e.size)
        k, rest = coeff_rest(e)
        return scale(c * k, rest)
    except OverflowError:
        raise too_large_for_float() from None


def neg(e: Expr) -> Expr:
    """-e, keeping sums intact (−(x+1) stays a product with −1)."""
    return times(-1, e)


def mul(*args: Expr) -> Expr:
    """Canonical product: flattened, numbers folded, like bases' exponents added,
    exp(a)·exp(b) = exp(a+b).  Sums are never distributed."""
    if len(args) == 2:  # most products the rules build: the same node, fewer steps
        return mul2(args[0], args[1])
    if len(args) == 3 and args[0].op is NUM:  # c·a·b, as the power rule builds it
        c, a, b = args
        oa, ob = a.op, b.op
        if oa is not MUL and ob is not MUL and oa is not NUM and ob is not NUM \
                and a is not b and c.value != 0 and not (
                oa is FN and ob is FN and a.value == "exp" and b.value == "exp"):
            ba = a.args[0] if oa is POW else a
            if ba is not (b.args[0] if ob is POW else b):  # no exponents to add
                pair = (a, b) if a.serial < b.serial else (b, a)
                free = _union(a.free, b.free)
                if c is ONE:
                    return _make_known(MUL, pair, free, 1 + a.size + b.size)
                return _make_known(MUL, (c, *pair), free, 2 + a.size + b.size)
    return _mul_rest(args)


def mul2(a: Expr, b: Expr) -> Expr:
    """``mul(a, b)``, called directly by the derivative rules: with two arguments fixed,
    the compiled build makes it a C function with typed locals (build.pxd)."""
    oa, ob = a.op, b.op
    if oa is NUM:
        if a is ONE:
            return b
        if ob is NUM:
            try:
                return number(a.value * b.value)
            except OverflowError:
                raise too_large_for_float() from None
        if ob is not MUL or len(b.args) < _LONG:
            return times(a.value, b)
    elif ob is NUM:
        if b is ONE:
            return a
        if oa is not MUL or len(a.args) < _LONG:
            return times(b.value, a)
    elif oa is not MUL and ob is not MUL and a is not b and not (
            oa is FN and ob is FN and a.value == "exp" and b.value == "exp"):
        ba = a.args[0] if oa is POW else a
        if ba is not (b.args[0] if ob is POW else b):  # no exponents to add
            return _make_known(MUL, (a, b) if a.serial < b.serial else (b, a),
                               _union(a.free, b.free), 1 + a.size + b.size)
    elif oa is MUL and ob is not MUL and len(a.args) < _LONG:
        r = _mul_into(a, b)
        if r is not None:
            return r
    elif ob is MUL and oa is not MUL and len(b.args) < _LONG:
        r = _mul_into(b, a)
        if r is not None:
            return r
    return _mul_rest((a, b))


def _mul_rest(args: tuple[Expr, ...]) -> Expr:
    """:func:`mul` past its shortcuts: a long product times a few factors is inserted
    into (not re-sorted), anything else is the general product."""
    if len(args) <= _FEW:  # a long product times a few factors: insert, do not re-sort
        for i, a in enumerate(args):
            if a.op is MUL and len(a.args) >= _LONG:
                r = _insert(a, args, i)
                if r is not None:
                    return r
                break
    return _mul_general(args)


def _mul_into(p: Expr, f: Expr) -> Expr | None:
    """p·f for a short canonical product ``p`` and one factor ``f`` that is neither a
    number nor a product (the product rule's a'·b): ``f`` placed by its serial, with no
    list, set or sort.  None when ``f`` shares a base with a factor of ``p`` or is an
    exponential (exponents to add: the general path collects them)."""
    if f.op is FN and f.value == "exp":
        return None
    bf = f.args[0] if f.op is POW else f
    s = f.serial
    pa = p.args
    at = len(pa)
    for i, g in enumerate(pa):
        go = g.op
        if go is NUM:
            continue
        if (g.args[0] if go is POW else g) is bf:
            return None
        if at > i and g.serial > s:
            at = i
    return _make_known(MUL, pa[:at] + (f,) + pa[at:], _union(p.free, f.free),
                       p.size + f.size)


def _mul_general(args: tuple[Expr, ...]) -> Expr:
    """:func:`mul` without the insertion shortcut (tests compare the two)."""
    coeff: Number = 1
    factors: list[Expr] = []
    try:
        for a in args:
            op = a.op
            if op is MUL:
                for f in a.args:
                    if f.op is NUM:
                        coeff *= f.value
                    else:
                        factors.append(f)
            elif op is NUM:
                coeff *= a.value
            else:
                factors.append(a)
    except OverflowError:
        raise too_large_for_float() from None
    if coeff == 0:
        return number(coeff)
    # fast path: no base repeats and at most one exp(...) -> nothing to combine
    seen: set[Expr] = set()
    exps = 0
    for f in factors:
        if f.op is FN and f.value == "exp":
            exps += 1
            if exps > 1:
                return _mul_collect(coeff, factors)
            continue
        b = f.args[0] if f.op is POW else f
        if b in seen:
            return _mul_collect(coeff, factors)
        seen.add(b)
    return _mul_make(coeff, factors)


#: a product of at least _LONG factors times at most _FEW others takes :func:`_insert`
_LONG, _FEW = 8, 4


def _insert(p: Expr, args: tuple[Expr, ...], at: int) -> Expr | None:
    """``mul(*args)`` where ``args[at]`` is the long canonical product ``p`` and the rest
    are a few factors: each new factor is placed by bisection on the serial order, so the
    chain rule through a deep nest (a product growing by one factor per level) costs
    O(log k) Python steps per level instead of re-flattening and re-sorting k factors.
    None when a factor shares a base with ``p`` or is an exponential (exponents to add:
    the general path collects them); the result is the node the general path builds."""
    pa = p.args
    lo = 1 if pa[0].op is NUM else 0
    coeff: Number = 1
    new: list[Expr] = []
    try:  # coefficients multiplied in the general path's order (floats round alike)
        for i, a in enumerate(args):
            if i == at:
                if lo:
                    coeff *= pa[0].value
                continue
            op = a.op
            if op is NUM:
                coeff *= a.value
            elif op is MUL:
                for f in a.args:
                    if f.op is NUM:
                        coeff *= f.value
                    else:
                        new.append(f)
            else:
                new.append(a)
    except OverflowError:
        raise too_large_for_float() from None
    if len(new) > _FEW:
        return None
    if coeff == 0:
        return number(coeff)
    n = len(pa)
    free, size = p.free, p.size
    places: list[tuple[int, Expr]] = []
    bases: list[Expr] = []
    for f in new:
        if f.op is FN and f.value == "exp":
            return None
        b = f.args[0] if f.op is POW else f
        if b in bases:
            return None
        bases.append(b)
        serials = [b.serial]
        if b._pows:
            serials += b._pows.values()
        for s in serials:  # b itself or a power of b already a factor: exponents to add
            k = bisect_left(pa, s, lo, n, key=_serial_key)
            if k < n and pa[k].serial == s:
                return None
        places.append((bisect_left(pa, f.serial, lo, n, key=_serial_key), f))
        ff = f.free
        if ff and ff is not free:
            free = free | ff
        size += f.size
    coeff = _norm(coeff)
    head: tuple[Expr, ...] = () if coeff == 1 and not isinstance(coeff, float) else \
        (number(coeff),)
    if not places:
        if lo and head and head[0] is pa[0]:
            return p
        out = head + pa[lo:]
    else:
        places.sort(key=_first)
        out, start = head, lo
        for k, f in places:
            out += pa[start:k] + (f,)
            start = k
        out += pa[start:]
    size += len(head) - lo  # a coefficient is a leaf of size 1
    return _make_known(MUL, out, free, size)


def _mul_make(coeff: Number, factors: list[Expr], ordered: bool = False) -> Expr:
    coeff = _norm(coeff)
    exact_one = coeff == 1 and not isinstance(coeff, float)
    if not factors:
        return number(coeff)
    if len(factors) == 1 and exact_one:
        return factors[0]
    if not ordered:  # else already in canonical order (by serial)
        factors.sort(key=_serial_key)
    if exact_one:
        return _make(MUL, tuple(factors))
    return _make(MUL, (number(coeff), *factors))


def _mul_collect(coeff: Number, flat: list[Expr]) -> Expr:
    """The slow path of :func:`mul`: add exponents of equal bases, merge exponentials."""
    bases: dict[Expr, list] = {}  # base -> [first exponent, all exponents or None, factor]
    exps: list[Expr] = []
    for a in flat:
        if a.op is FN and a.value == "exp":
            exps.append(a.args[0])
            continue
        b, x = (a.args[0], a.args[1]) if a.op is POW else (a, ONE)
        slot = bases.get(b)
        if slot is None:
            bases[b] = [x, None, a]
        elif slot[1] is None:
            slot[1] = [slot[0], x]
        else:
            slot[1].append(x)
    factors: list[Expr] = []
    redo = False
    for b, (_, xs, f) in bases.items():
        if xs is not None:
            f = power(b, _exponent_sum(xs))
        if f.op is NUM:
            try:
                coeff *= f.value
            except OverflowError:
                raise too_large_for_float() from None
        elif f is not ONE:
            if f.op is MUL or (f.op is FN and f.value == "exp"):
                redo = True
            factors.append(f)
    if exps:
        f = fn("exp", exps[0] if len(exps) == 1 else add(*exps))
        if f.op is NUM:
            coeff *= f.value
        elif f is not ONE:
            factors.append(f)
    if redo:
        return mul(number(coeff), *factors)
    if coeff == 0:
        return number(coeff)
    return _mul_make(coeff, factors)


def _exponent_sum(xs: list[Expr]) -> Expr:
    """``add(*xs)`` for the exponents of one base in a product: numbers (x·x^2, the
    common case -- the 10th derivative of a nest made 168,000 such sums) added in place,
    in add's order and with its overflow error, without the general sum's dict and list;
    anything else through :func:`add`."""
    total: Number = 0
    try:
        for x in xs:
            if x.op is not NUM:
                return add(*xs)
            total += x.value
    except OverflowError:
        raise too_large_for_float() from None
    return number(total)


def _num_pow(b: Number, x: Number) -> Expr | None:
    """b^x for numbers, exact where possible; None to keep the power symbolic."""
    if isinstance(b, float) or isinstance(x, float):
        try:
            fb, fx = float(b), float(x)
        except OverflowError:
            raise too_large_for_float() from None
        if fb == 0 and fx < 0:
            raise DomainError("division by zero: 0 raised to a negative power")
        if fb < 0 and not fx.is_integer():
            raise DomainError(f"({b})^({x}) is not a real number")
        try:
            return number(fb**fx)
        except OverflowError:
            raise LimitError(f"number too large: ({b})^({x}) overflows") from None
    if b == 0:
        if x < 0:
            raise DomainError("division by zero: 0 raised to a negative power")
        return ZERO if x > 0 else ONE
    if b == 1:
        return ONE
    if isinstance(x, int):
        if b == -1:
            return ONE if x % 2 == 0 else MINUS_ONE
        fb0 = Fraction(b)
        bits = max(abs(fb0.numerator).bit_length(), fb0.denominator.bit_length())
        if bits * abs(x) > MAX_BITS:
            raise i18n.error("error.number.power_too_large", LimitError,
                             digits=digit_count(bits * abs(x)), limit=MAX_BITS * 30103 // 100000)
        return number(Fraction(b) ** x)
    # rational exponent p/q: exact only for perfect powers of a positive base
    fb = Fraction(b)
    if fb < 0:
        return None
    p, q = x.numerator, x.denominator
    if q > 64:
        return None
    rn, rd = int_root(fb.numerator, q), int_root(fb.denominator, q)
    if rn is None or rd is None:
        if abs(p) >= q:  # 2^(3/2) = 2·2^(1/2): pull out the integer part of the exponent
            whole = p // q
            frac_part = number(Fraction(p - whole * q, q))
            return mul(_num_pow(fb, whole), _make(POW, (number(b), frac_part)))
        return None
    return _num_pow(Fraction(rn, rd), p)


def power(b: Expr, x: Expr) -> Expr:
    """Canonical power: numbers folded exactly, x^0 = 1, x^1 = x, e^u = exp(u),
    (x^a)^n = x^(an) and (xy)^n = x^n y^n for integer n, (e^u)^v = e^(uv); 0.5^x = (1/2)^x."""
    if b.op is NUM and isinstance(b.value, float) and x.op is not NUM:  # numbers.short_decimal
        b = number(short_decimal(b.value) or b.value)
    if x.op is NUM:
        xv = x.value
        if xv == 0:
            return ONE if not isinstance(xv, float) else number(1.0)
        if xv == 1 and not isinstance(xv, float):
            return b
        if b.op is NUM:
            r = _num_pow(b.value, xv)
            if r is not None:
                return r
            return _make(POW, (b, x))
        integer = isinstance(xv, int)
        if b.op is POW and (integer or _odd_root_safe(b.args[1], xv)):
            return power(b.args[0], mul(b.args[1], x))
        if b.op is MUL and integer:
            return mul(*[power(f, x) for f in b.args])
    if b is ONE:
        return ONE
    if b is E:
        return fn("exp", x)
    if b.op is FN and b.value == "exp":
        return fn("exp", mul(b.args[0], x))
    if b.op is NUM and b.value == 0:
        return ZERO
    return _make(POW, (b, x))


def _odd_root_safe(inner: Expr, outer: Number) -> bool:
    """(x^(1/2))^2 = x: an even root raised to undo it is the identity wherever the
    left side is defined (x >= 0), so the rewrite is safe."""
    return (inner.op == NUM and isinstance(inner.value, Fraction)
            and isinstance(outer, int | Fraction)
            and (inner.value * outer).denominator == 1 and inner.value.denominator % 2 == 0)


#: name or alias -> the rule's name, for the functions whose node is built as it is
#: when the argument is not a number (all but sqrt, log, exp, abs); filled on first use,
#: emptied whenever the rule table changes
_plain_fn: dict[str, str] = {}
on_change(lambda r, added: _plain_fn.clear())


def fn(name: str, arg: Expr) -> Expr:
    """Apply an elementary function from the rule table, with the obvious exact values."""
    if arg.op is not NUM:
        known = _plain_fn  # typed as dict in the compiled build (build.pxd)
        plain = known.get(name)
        if plain is not None:
            return _make(FN, (arg,), plain)
    asked = name
    r = rule(name)
    name = r.name
    if name == "sqrt":
        return power(arg, HALF)
    if arg.op == NUM:
        v = arg.value
        if not isinstance(v, float) and v in r.exact:
            return number(r.exact[v])
        if r.exact_rational is not None and not isinstance(v, float):
            return number(r.exact_rational(v))
        if r.domain is not None and not r.domain(to_float(v)):
            raise DomainError(f"{name}({arg}) is undefined: {name} needs {r.domain_text}")
        if isinstance(v, float):
            with np.errstate(all="ignore"):
                out = float(r.numpy(v))
            if not math.isfinite(out):
                raise LimitError(f"{name}({v}) is too large for a float")
            return number(out)
    if name == "log":
        if arg is E:
            return ONE
        if arg.op == FN and arg.value == "exp":
            return arg.args[0]
    if name == "exp" and arg is ONE:
        return E
    if name == "exp" and arg.op == FN and arg.value == "log":
        return arg.args[0]
    if name == "abs" and arg.op == FN and arg.value == "abs":
        return arg
    if name not in ("log", "exp", "abs"):
        _plain_fn[asked] = _plain_fn[name] = name
    return _make(FN, (arg,), name)


def call(name: str, args: tuple[Expr, ...], orders: tuple[int, ...] | None = None) -> Expr:
    """An abstract function ``f(u)`` (or its derivative f'(u) when orders is set)."""
    orders = orders or (0,) * len(args)
    return _make(CALL, tuple(args), (name, tuple(orders)))


BUILD = {
    NUM: lambda v, a: number(v),
    SYM: lambda v, a: symbol(v),
    CONST: lambda v, a: E if v == "e" else PI,
    ADD: lambda v, a: add(*a),
    MUL: lambda v, a: mul(*a),
    POW: lambda v, a: power(*a),
    FN: lambda v, a: fn(v, a[0]),
    CALL: lambda v, a: call(v[0], a, v[1]),
}


def rebuild(root: Expr, visit) -> Expr:
    """Rebuild bottom-up: ``visit(node, new_args)`` returns a replacement or None."""
    memo: dict[Expr, Expr] = {}
    for node in postorder(root):
        new_args = tuple(memo[a] for a in node.args)
        rep = visit(node, new_args)
        if rep is None:
            rep = node if all(n is o for n, o in zip(new_args, node.args)) else \
                BUILD[node.op](node.value, new_args)
        memo[node] = rep
    return memo[root]
