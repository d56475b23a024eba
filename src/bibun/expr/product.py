"""The product rule's terms, with the product's factors collected once.

``(f1·f2·…·fm)' = Σ f1…f_i'…fm``: each term is ``mul(*args[:i], d_i, *args[i+1:])``,
and building it by the general product means flattening, finding the bases that repeat
(``d_i`` of ``cos(u)^3`` holds ``cos(u)^2``, of ``sin(u)`` holds ``cos(u)``) and sorting
-- m times over the same m factors.  On the 10th derivative of six nested sines that
was 80 % of the time (63,000 products of ~9 factors).  Here the factors' bases are
indexed once per product, and each term only looks up the factors of ``d_i``.

Every term is the very node the general product builds (:func:`bibun.expr.build.mul`),
made by the same builder calls in the same order -- a new node's serial is its place
in canonical order, so even the order in which intermediate powers are created is kept:
the bases whose exponents add are combined in the order in which the general product
first meets them.  ``tests/test_expr_product_rule.py`` pins it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bibun.expr.build import _exponent_sum, _first, _mul_make, _serial_key, add, fn, mul, power
from bibun.expr.node import ADD, FN, MUL, NUM, ONE, POW, ZERO, Expr, Number, number
from bibun.expr.numbers import too_large_for_float
from bibun.expr.sums import _add_general


def product_terms(args: tuple[Expr, ...], get: Callable[..., Expr],
                  pairs: bool = False) -> list:
    """The terms of the product rule for a canonical product with arguments ``args``,
    ``get(a, ZERO)`` giving each argument's derivative: one term per argument whose
    derivative is not 0, in order (what the general product would build for each).
    With ``pairs``, a term that is a product of factors already in canonical order comes
    as ``(coefficient, factors)``, not built: :func:`bibun.expr.sums._add_general`
    builds it once it knows the term has no like term to be collected with."""
    index: dict[Expr, int] = {}  # base of each factor -> its position
    expj = -1  # position of the exponential factor, if any
    for k, f in enumerate(args):
        op = f.op
        if op is NUM:
            if k:
                return _general_terms(args, get)
            continue
        if op is MUL:
            return _general_terms(args, get)
        if op is FN and f.value == "exp":
            if expj >= 0:
                return _general_terms(args, get)
            expj = k
            continue
        b = f.args[0] if op is POW else f
        if b in index:
            return _general_terms(args, get)
        index[b] = k
    terms = []
    combined: dict[Expr, Expr] = {}  # shared by the terms: see _term
    for i, a in enumerate(args):
        da = get(a, ZERO)
        if da is not ZERO:
            terms.append(_term(args, i, da, index, expj, combined, pairs))
    return terms


def _general_terms(args: tuple[Expr, ...], get: Callable[..., Expr]) -> list[Expr]:
    """The terms by the general product (a product not in canonical form)."""
    terms = []
    for i, a in enumerate(args):
        da = get(a, ZERO)
        if da is not ZERO:
            terms.append(mul(*args[:i], da, *args[i + 1:]))
    return terms


def _term(args: tuple[Expr, ...], i: int, da: Expr, index: dict[Expr, int],
          expj: int, combined: dict[Expr, Expr], as_pair: bool = False) -> Any:
    """``mul(*args[:i], da, *args[i+1:])`` for a canonical product's ``args``.

    ``combined`` is shared by the terms of one product: a factor ``g`` of a derivative
    whose base is the base of ``args[j]`` -> the power they combine into, when both
    exponents are numbers.  The derivatives of a product's factors share most of their
    factors (on the nest's 10th derivative 168,000 such combinations were 51,000
    distinct), and ``g`` alone fixes ``j`` (a base is one factor's), so a later term
    takes the node :func:`power` would give it.  Only a power that is a factor of
    its term is kept: the term holds it until the sum is built, so the cache keeps no
    node alive that a sweep would have dropped (and rebuilt with a later serial)."""
    op = da.op
    if op is NUM or i == 0 and args[0].op is NUM:
        return mul(*args[:i], da, *args[i + 1:])
    coeff = 1
    a0 = args[0]
    new: list[Expr] = []  # factors of da whose base is no other factor's
    early: list[tuple[int, Expr]] = []  # (j, g): g's base is factor j's, j < i
    late: list[tuple[int, Expr]] = []  # the same for j > i, in da's order
    dexp = None
    try:
        if a0.op is NUM:
            coeff *= a0.value
        for g in (da.args if op is MUL else (da,)):
            go = g.op
            if go is NUM:
                coeff *= g.value
                continue
            if go is FN and g.value == "exp":
                dexp = g
                continue
            j = index.get(g.args[0] if go is POW else g, i)
            if j == i:
                new.append(g)
            elif j < i:
                early.append((j, g))
            else:
                late.append((j, g))
    except OverflowError:
        raise too_large_for_float() from None
    if coeff == 0:
        return number(coeff)
    both_exp = dexp is not None and expj >= 0 and expj != i
    if not early and not late and not both_exp:  # nothing to combine
        if dexp is not None:
            new.append(dexp)
            new.sort(key=_serial_key)
        return _made(coeff, _merged(args, i, -1, _NONE_DONE, new), as_pair)
    # the general product meets the bases in the order of the flattened factors:
    # args[:i], then da's, then args[i+1:]; a base shared with an earlier factor is
    # combined at that factor's place, one shared with a later factor at da's
    if len(early) > 1:
        early.sort(key=_first)
    done: dict[int, Expr | None] = {}  # position in args -> its combined factor
    fresh: list[tuple[int, Expr]] = []  # (j, g) combined here from two numbers
    redo = False
    try:
        for j, g in early + late:
            c = combined.get(g)
            if c is None:
                f = args[j]
                xf = f.args[1] if f.op is POW else ONE
                xg = g.args[1] if g.op is POW else ONE
                b = f.args[0] if f.op is POW else f
                c = power(b, _exponent_sum([xf, xg] if j < i else [xg, xf]))
                if xf.op is NUM and xg.op is NUM:  # a sum of numbers: in either order
                    fresh.append((j, g))
            if c.op is NUM:
                coeff *= c.value
                c = None
            elif c.op is MUL or (c.op is FN and c.value == "exp"):
                redo = True
            done[j] = c
        e = None
        if dexp is not None or (expj >= 0 and expj != i):
            if both_exp:
                pair = [args[expj].args[0], dexp.args[0]]
                e = fn("exp", add(*(pair if expj < i else pair[::-1])))
            else:
                e = fn("exp", (dexp or args[expj]).args[0])
            if e.op is NUM:
                coeff *= e.value
                e = None
    except OverflowError:
        raise too_large_for_float() from None
    if not redo:  # sorted by serial below: any order will do
        if coeff == 0:
            return number(coeff)
        extras = [c for c in done.values() if c is not None]
        extras += new
        if e is not None:
            extras.append(e)
        if len(extras) > 1:
            extras.sort(key=_serial_key)
        for j, g in fresh:  # each now a factor of this term (see the docstring)
            c = done[j]
            if c is not None:
                combined[g] = c
        return _made(coeff, _merged(args, i, expj, done, extras), as_pair)
    # the factors in the general product's order: the redone product meets them so
    factors = []
    for k in range(i):
        f = args[k]
        if f.op is NUM or k == expj:
            continue
        if k in done:
            if done[k] is not None:
                factors.append(done[k])
        else:
            factors.append(f)
    late_at = {id(g): j for j, g in late}
    for g in new if not late else (da.args if op is MUL else (da,)):
        go = g.op
        if go is NUM or (go is FN and g.value == "exp"):
            continue
        j = late_at.get(id(g), -1) if late else -1
        if j >= 0:
            if done[j] is not None:
                factors.append(done[j])
        elif not late or index.get(g.args[0] if go is POW else g, i) == i:
            factors.append(g)
    for k in range(i + 1, len(args)):
        if k == expj or k in done:
            continue
        factors.append(args[k])
    if e is not None:
        factors.append(e)
    return mul(number(coeff), *factors)


def _made(coeff: Number, factors: list[Expr], as_pair: bool) -> Any:
    """The term ``coeff`` times ``factors`` (canonical order): the node, or the pair."""
    return (coeff, tuple(factors)) if as_pair else _mul_make(coeff, factors, True)


#: no factor combined (:func:`_merged`'s ``done`` for a term that combines none)
_NONE_DONE: dict[int, Expr | None] = {}


def _merged(args: tuple[Expr, ...], i: int, expj: int, done: dict[int, Expr | None],
            extras: list[Expr]) -> list[Expr]:
    """The factors of a term in canonical (serial) order: ``args`` (a canonical
    product's, so already in that order) without its coefficient and the factors at
    ``i``, ``expj`` and in ``done``, merged with ``extras`` (sorted): what sorting them
    all gives, without the sort's key lookup on each of ~12 factors per term."""
    out: list[Expr] = []
    p, m = 0, len(extras)
    for k, f in enumerate(args):
        if k in (i, expj) or f.op is NUM or k in done:
            continue
        s = f.serial
        while p < m:
            g = extras[p]
            if g.serial > s:
                break
            out.append(g)
            p += 1
        out.append(f)
    if p < m:
        out += extras[p:]
    return out


def lazy_products(nodes: list[Expr], root: Expr, d: dict[Expr, Expr]) -> dict[Expr, Any]:
    """The products of ``nodes`` (a walk's postorder below ``root``) whose derivative
    only sums need: general products (3 factors or more) that are no other node's
    argument, not yet differentiated (in ``d``), and not the root.  A sum takes their
    product-rule terms as pairs (:func:`sum_rule`), so neither the terms nor a sum of
    them is built just to be flattened into the sum above.  Value: their pairs, filled
    by the first sum that asks (None until then)."""
    for node in nodes:
        if node.op is ADD and _sums_a_product(node):
            break
    else:
        return {}  # no sum with a general product among its terms (a chain, say)
    needed = set()  # products some node other than a sum takes as an argument
    for node in nodes:
        if node.op is not ADD:
            for a in node.args:
                if a.op is MUL:
                    needed.add(a)
    return {p: None for p in nodes if p.op is MUL and len(p.args) > 2 and p is not root
            and p not in needed and p not in d}


def _sums_a_product(s: Expr) -> bool:
    """Has the sum ``s`` a general product (3 arguments or more) among its terms?"""
    for a in s.args:  # noqa: SIM110  (any() of a generator: a closure Cython cannot type)
        if a.op is MUL and len(a.args) > 2:
            return True
    return False


def sum_rule(node: Expr, d: dict[Expr, Expr], lazy: dict[Expr, Any]) -> Expr:
    """``(t1 + t2 + …)' = t1' + t2' + …`` with the ``lazy`` products' terms as pairs."""
    get = d.get
    parts: list = []
    for a in node.args:
        if a in lazy:
            p = lazy[a]
            if p is None:
                p = lazy[a] = product_terms(a.args, get, True)
            parts += p
        else:
            da = get(a, ZERO)
            if da is not ZERO:
                parts.append(da)
    return _add_general(parts)


def last_uses(nodes: list[Expr], lazy: dict[Expr, Any]) -> dict[Expr, int]:
    """Node -> the position in ``nodes`` of the last node that needs its derivative;
    a lazy product's arguments are needed where the sums above it are."""
    last: dict[Expr, int] = {}
    for i, node in enumerate(nodes):
        for a in node.args:
            last[a] = i
            if a in lazy:
                for b in a.args:
                    last[b] = i
    return last
