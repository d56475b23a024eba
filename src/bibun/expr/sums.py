"""Sums: the canonical sum builders, and sums of products not yet built.

A sum is flattened, its numbers folded, its like terms collected (``2xy + 3xy`` is
``5xy``), its terms kept in canonical (creation) order.  Besides nodes, the general sum
takes pairs ``(c, factors)``: a product term the product rule computed but did not
build.  On a high derivative almost every such term meets like terms and is rebuilt
with the summed coefficient -- on the 10th derivative of six nested sines, 321 of the
31,662 product-rule terms of the last pass are in the result -- so a term is built only
once the sum knows it is alone, and a collected one only with its final coefficient
(:func:`bibun.symbolic.diff_once` hands sums such pairs).
"""

from __future__ import annotations

from operator import attrgetter, itemgetter
from typing import Any

from bibun.expr.node import (
    ADD,
    MUL,
    NUM,
    ONE,
    ZERO,
    Expr,
    Number,
    _make,
    _make_known,
    _norm,
    number,
)
from bibun.expr.numbers import too_large_for_float


def _union(fa: frozenset[str], fb: frozenset[str]) -> frozenset[str]:
    """The free symbols of a node with two arguments (sharing the set when it can)."""
    return fa if (fb is fa or not fb) else (fb if not fa else fa | fb)


#: the canonical order of a sum's terms and a product's factors: creation order
_serial_key = attrgetter("serial")
_first = itemgetter(0)  # a (position, factor) pair's position, a C callable as sort key


def _like(t: Expr) -> tuple[Number, tuple[Expr, ...]]:
    """``3x·y`` -> (3, (x, y)): a term's coefficient and the factors that make it like
    another term -- a tuple, so a sum tells like terms apart without building the node
    x·y for each term (:func:`coeff_rest` builds it; most sums never need it)."""
    if t.op is MUL:
        a = t.args
        if a[0].op is NUM:
            return a[0].value, a[1:]
        return 1, a
    return 1, (t,)


def _unlike(key: tuple[Expr, ...]) -> Expr:
    """The node of a :func:`_like` key (when like terms were collected)."""
    return key[0] if len(key) == 1 else _make(MUL, key)


def add(*args: Expr) -> Expr:
    """Canonical sum: flattened, numbers folded, like terms collected."""
    if len(args) == 2:  # most sums the rules build: the same node, fewer steps
        return add2(args[0], args[1])
    return _add_general(args)


def add2(a: Expr, b: Expr) -> Expr:
    """``add(a, b)``, called directly by the derivative rules: with two arguments fixed,
    the compiled build makes it a C function with typed locals (build.pxd)."""
    if a is ZERO:
        return b
    if b is ZERO:
        return a
    oa, ob = a.op, b.op
    if oa is not ADD and ob is not ADD and oa is not NUM and ob is not NUM:
        # like terms?  _like's keys, compared without building them
        ka = (a.args[1:] if a.args[0].op is NUM else a.args) if oa is MUL else None
        kb = (b.args[1:] if b.args[0].op is NUM else b.args) if ob is MUL else None
        if ka is None:
            like = a is b if kb is None else (len(kb) == 1 and kb[0] is a)
        else:
            like = (len(ka) == 1 and ka[0] is b) if kb is None else ka == kb
        if not like:  # no like terms: the pair, in order
            return _make_known(ADD, (a, b) if a.serial < b.serial else (b, a),
                               _union(a.free, b.free), 1 + a.size + b.size)
    return _add_general((a, b))


def _add_general(args: tuple | list) -> Expr:
    """:func:`add` without its shortcut for two unlike terms.  An argument may also be a
    pair ``(c, factors)``: the product :func:`_scaled` would build from it, not built
    yet (:mod:`bibun.expr.sums`'s docstring says why).  A list is made only for a
    like-key met again: the product rule's sums have no like terms (a list per term was
    most of their time on the nest's 10th derivative)."""
    total: Number = 0
    terms: dict[tuple[Expr, ...], Any] = {}  # like-key -> first term, or [sum]
    pending = False
    try:
        for a in args:
            for t in ((a,) if type(a) is tuple or a.op is not ADD else a.args):
                if type(t) is tuple:  # a product not built
                    c, key = t
                    if not key:
                        total += c
                        continue
                    pending = True
                else:
                    u = t  # typed (sums.pxd): no attribute lookup
                    op = u.op
                    if op is NUM:
                        total += u.value
                        continue
                    if op is MUL:
                        h = (ta := u.args)[0]
                        if h.op is NUM:
                            c, key = h.value, ta[1:]
                        else:
                            c, key = 1, ta
                    else:
                        c, key = 1, (u,)
                n = len(terms)
                slot = terms.setdefault(key, t)  # the key hashed once
                if len(terms) == n:  # a like term: coefficients added in the order met
                    if type(slot) is list:
                        slot[0] += c
                    elif type(slot) is tuple:
                        terms[key] = [slot[0] + c]
                    else:
                        terms[key] = [_like(slot)[0] + c]
    except OverflowError:
        raise too_large_for_float() from None
    if pending:  # the lone products, built in the order met: a new node's serial is its
        for k, s in terms.items():  # place in canonical order, as if built by the rule
            if type(s) is tuple:
                terms[k] = _scaled(s[0], k)
    out = [s if type(s) is not list else _scaled(s[0], k)
           for k, s in terms.items() if type(s) is not list or s[0] != 0]
    if total != 0 or (isinstance(total, float) and not out):
        out.append(number(total))
    if not out:
        return ZERO
    if len(out) == 1:
        return out[0]
    out.sort(key=_serial_key)
    return _make(ADD, tuple(out))


def scale(c: Number, e: Expr) -> Expr:
    """c·e for a number c and a coefficient-free e (fast path used by sums)."""
    c = _norm(c)
    if c == 1 and not isinstance(c, float):
        return e
    if e is ONE:
        return number(c)
    if c == 0:
        return number(c)
    if e.op == MUL:
        return _make(MUL, (number(c),) + e.args)
    return _make(MUL, (number(c), e))


def _scaled(c: Number, key: tuple[Expr, ...]) -> Expr:
    """``scale(c, _unlike(key))`` -- the term ``c`` times the factors ``key`` (in
    canonical order) -- without building the coefficient-free node first."""
    c = _norm(c)
    if not key:
        return number(c)
    if c == 1 and not isinstance(c, float):
        return _unlike(key)
    if c == 0:
        return number(c)
    return _make(MUL, (number(c),) + key)
