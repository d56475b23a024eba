"""The short paths of the builders (two-term sums, two- and three-factor products, a
number times anything, the strong table's sweep) build exactly the node the general
path builds: the same object, so canonical forms do not depend on which path ran."""

from __future__ import annotations

import gc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibun.expr import build, core, node

from .test_expr_properties import exprs

numbers = st.one_of(st.integers(-4, 4), st.sampled_from([0.5, 1.0, -1.0, 0.0, 2.5]),
                    st.fractions(max_denominator=4).filter(lambda f: abs(f) < 4))
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(exprs, exprs)
def test_a_product_of_two_is_the_general_product(a, b):
    assert core.mul(a, b) is build._mul_general((a, b))


@SETTINGS
@given(numbers, exprs, exprs)
def test_a_number_times_two_factors_is_the_general_product(c, a, b):
    k = core.number(c)
    assert core.mul(k, a, b) is build._mul_general((k, a, b))


@SETTINGS
@given(numbers, exprs, exprs)
def test_the_power_rules_number_times_a_product_is_the_general_product(c, a, b):
    """The power rule builds k·(u^(k-1)·u') as times(k, mul(u^(k-1), u'))."""
    k = core.number(c)
    assert core.times(c, core.mul(a, core.mul(b, a))) is \
        build._mul_general((k, a, core.mul(b, a)))


@SETTINGS
@given(exprs, exprs, exprs)
def test_a_short_product_times_one_factor_is_the_general_product(a, b, f):
    p = core.mul(a, b)
    assert core.mul(p, f) is build._mul_general((p, f))
    assert core.mul(f, p) is build._mul_general((f, p))


@SETTINGS
@given(exprs, exprs)
def test_a_sum_of_two_is_the_general_sum(a, b):
    assert core.add(a, b) is core.add(a, b, core.ZERO)  # three arguments: the general path


@SETTINGS
@given(numbers, exprs)
def test_a_number_times_anything_is_the_general_product(c, e):
    assert core.times(c, e) is build._mul_general((core.number(c), e))


def test_the_sweep_drops_only_what_nothing_holds():
    x = core.symbol("x")
    kept = core.fn("sin", x) + core.fn("cos", core.power(x, core.number(7919)))
    core.fn("tan", core.power(x, core.number(9173)))  # built and dropped
    gc.collect()
    node.sweep()
    keys = set(node._table)
    assert ("fn", "cos", (core.power(x, core.number(7919)),)) in keys  # inside a kept node
    assert not any(k[0] == "fn" and k[1] == "tan" and k[2][0].op == "pow"
                   and k[2][0].args[1] is core.number(9173) for k in keys)
    # the power x^9173 died with it: its line in x's register of powers is gone too
    assert core.number(9173) not in (x._pows or {})
    # and building it again gives a node equal in every way to the first
    again = core.fn("tan", core.power(x, core.number(9173)))
    assert again.op == "fn" and again.args[0].args == (x, core.number(9173))
    assert kept is core.fn("sin", x) + core.fn("cos", core.power(x, core.number(7919)))
