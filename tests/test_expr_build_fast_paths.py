"""The builders' shortcuts build exactly the node the general path builds.

A long product times a few factors is built by insertion (bisection on the serial
order) rather than by re-flattening and re-sorting; it must give the *same node* as the
general product, including when a new factor shares a base with an old one (x·x^2), is
an exponential, carries a coefficient, or multiplies by zero or a float."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bibun.expr import build, core, node, sums

X, Y = core.symbol("x"), core.symbol("y")
POOL = [X, Y, core.fn("sin", X), core.fn("cos", X), core.fn("exp", X), core.fn("exp", Y),
        core.power(X, core.number(2)), core.power(Y, core.number(-1)),
        core.power(core.fn("sin", X), core.number(3)), core.fn("log", Y),
        core.add(X, core.ONE), core.power(core.add(X, core.ONE), core.HALF),
        core.fn("tanh", Y), core.fn("atan", X), core.symbol("z"), core.symbol("w"),
        core.fn("sin", Y), core.fn("cos", Y), core.power(core.symbol("z"), X)]
POOL += [core.symbol(n) for n in "abcdefghk"] + [core.power(core.symbol(n), core.number(k))
                                                 for n, k in zip("abcd", (2, -1, 3, -2))]
numbers = st.sampled_from([0, 1, -1, 2, Fraction(1, 3), 0.5, 1.0, -2.5]).map(core.number)
factors = st.one_of(st.sampled_from(POOL), numbers)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(POOL), min_size=10, max_size=16, unique=True), numbers,
       st.lists(factors, min_size=1, max_size=4), st.integers(0, 4))
def test_a_long_product_times_a_few_factors_is_the_general_product(long, c, few, at):
    p = core.mul(c, *long)
    assume(p.op == core.MUL and len(p.args) >= build._LONG)
    args = list(few)
    args.insert(min(at, len(args)), p)
    args = tuple(args)
    if len(args) >= 2 and p.op == core.MUL:  # and a product of the few factors too
        args2 = (p, core.mul(*few))
        assert build.mul(*args2) is build._mul_general(args2)
    assert build.mul(*args) is build._mul_general(args)


def test_the_insertion_path_is_taken_and_agrees_on_a_deep_chain():
    """d/dx of a 300-deep sine nest: each level inserts one cosine into the product."""
    e = X
    prod = core.ONE
    for _ in range(300):
        new = core.mul(core.fn("cos", e), prod)
        assert new is build._mul_general((core.fn("cos", e), prod))
        prod = new
        e = core.fn("sin", e)
    assert len(prod.args) == 300
    assert prod.size == 1 + sum(a.size for a in prod.args)  # size/free given, not walked
    assert prod.free == {"x"}


def test_a_power_already_in_the_product_is_collected_not_inserted():
    long = core.mul(*POOL[:12])  # holds x^2 (through x·x^2 = x^3) and sin(x)^3
    assert core.mul(long, X).args.count(X) == 0
    assert core.mul(long, core.fn("sin", X)) is build._mul_general((long, core.fn("sin", X)))


def _reference_sum(args: tuple) -> core.Expr:
    """The general sum as it was built with a [coefficient, term, count] list per like-key
    (before a key's first term was kept as it is): the node it must still give."""
    total = 0
    terms: dict = {}
    for a in args:
        for t in (a.args if a.op == core.ADD else (a,)):
            if t.op == core.NUM:
                total += t.value
                continue
            c, key = build._like(t)
            slot = terms.get(key)
            if slot is None:
                terms[key] = [c, t, 1]
            else:
                slot[0] += c
                slot[2] += 1
    out = [t if n == 1 else build.scale(c, build._unlike(key))
           for key, (c, t, n) in terms.items() if n == 1 or c != 0]
    if total != 0 or (isinstance(total, float) and not out):
        out.append(core.number(total))
    if len(out) < 2:
        return out[0] if out else core.ZERO
    return node._make(core.ADD, tuple(sorted(out, key=build._serial_key)))


coeffs = st.sampled_from([1, -1, 2, 3, Fraction(1, 3), 0.5, -2.5, 10**30])
term = st.one_of(
    st.sampled_from(POOL), numbers,
    st.tuples(coeffs, st.sampled_from(POOL)).map(lambda t: core.mul(core.number(t[0]), t[1])),
    st.tuples(coeffs, st.sampled_from(POOL[:8]), st.sampled_from(POOL[8:])).map(
        lambda t: core.mul(core.number(t[0]), t[1], t[2])))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(term, st.tuples(term, term).map(lambda t: core.add(*t))),
                min_size=0, max_size=9))
def test_the_general_sum_collects_like_terms_as_it_did(terms):
    """Like terms (3x and -x, the same term twice, a sum inside the sum) and unlike
    ones: the same node as the list-per-key collection gave."""
    args = tuple(terms)
    assert sums._add_general(args) is _reference_sum(args)


def _pair(t: core.Expr) -> tuple:
    """The (coefficient, factors) pair standing for the term ``t`` (not a sum)."""
    if t.op == core.NUM:
        return t.value, ()
    return build._like(t)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(term, st.booleans()), min_size=0, max_size=9))
def test_a_sum_of_products_not_yet_built_is_the_sum_of_the_products(terms):
    """Any mix of nodes and pairs (c, factors) in place of products (what the sum rule
    hands over on a high derivative): the node the built products give, like terms
    collected across both kinds."""
    args = tuple(terms)
    mixed = [_pair(t) if as_pair and t.op != core.ADD else t for t, as_pair in args]
    assert sums._add_general(mixed) is _reference_sum(tuple(t for t, _ in args))
