"""diff() chooses Taylor mode by itself for high orders of deep compositions, keeps the
textbook rules where they give the smaller DAG, and whichever it picks is the same
function as the rules' n-th derivative (orders 1-10, at random points)."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import bibun
from bibun.errors import BibunError, LimitError
from bibun.expr import core
from bibun.symbolic import TAYLOR_FROM, diff, taylor_diff

from .test_expr_properties import exprs

X = core.symbol("x")
NEST = "sin(sin(sin(sin(sin(sin(x))))))"


def _value(e, point):
    try:
        v = float(e.evaluate(point))
    except (BibunError, ArithmeticError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _scale(e, point) -> float:
    """The size of the terms a sum adds up: the rules' n-th derivative of √(x²) is a sum
    of terms near 10^11 that cancel to 0, so in floats it is 0 only to ~10^-5."""
    terms = e.args if e.op == "add" else (e,)
    vals = [_value(t, point) for t in terms]
    return sum(abs(v) for v in vals if v is not None)


def _agree(a, b, points) -> int:
    """Equal wherever both are defined, to rounding relative to the terms' size; how
    many points had both defined.  The points are rationals, so algebraic forms are
    evaluated exactly where they can be."""
    n = 0
    for p in points:
        u, v = _value(a, p), _value(b, p)
        if u is not None and v is not None:
            tol = 1e-6 + 1e-9 * max(_scale(a, p), _scale(b, p))
            assert u == pytest.approx(v, rel=1e-6, abs=tol), (p, u, v)
            n += 1
    return n


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(exprs, st.integers(1, 10), st.randoms(use_true_random=False))
@example(bibun.parse("sqrt(x^2)"), 10, random.Random(1))  # the rules' terms cancel in floats
def test_taylor_mode_and_auto_equal_the_rules_at_orders_one_to_ten(e, n, rng):
    assume("x" in e.free and e.size < 16)
    try:
        rules = diff(e, X, n, tidy=False, method="rules")
    except LimitError:
        assume(False)  # the rules refuse to write it out: nothing to compare with
    taylor = taylor_diff(e, X, n)
    auto = diff(e, X, n, tidy=False)
    points = [{"x": Fraction(rng.randint(13, 90), 64), "y": Fraction(rng.randint(13, 90), 64)}
              for _ in range(5)]
    if taylor is not rules:
        assume(_agree(taylor, rules, points) > 0)
    assert auto is rules or auto is taylor or _agree(auto, rules, points) > 0


def test_the_tenth_derivative_of_the_sine_nest_is_taken_by_taylor_mode():
    """The rules would write out more than two million arguments (8,697 nodes); auto
    stops them after three passes and answers with Taylor mode's 638 nodes."""
    e = bibun.parse(NEST)
    d = diff(e, "x", 10, tidy=False)
    assert d is taylor_diff(e, "x", 10)
    assert core.dag_size(d) < 1_000


def test_shallow_functions_keep_the_rules_at_high_order():
    for text in ("tanh(x)", "1/(1 + exp(-x))", "x^2 sin(x)", "(x^3 + 1)^2"):
        e = bibun.parse(text)
        assert diff(e, "x", 10, tidy=False) is diff(e, "x", 10, tidy=False, method="rules")


def test_when_both_are_cheap_the_smaller_dag_is_kept():
    """A chain five deep: the rules' DAG grows by ~1.6 per order, below the doubling
    that stops them, so both are computed and Taylor mode's smaller one is kept."""
    e = X
    for _ in range(5):
        e = core.fn("exp", core.fn("sin", e)) * e
    rules = diff(e, "x", 8, tidy=False, method="rules")
    auto = diff(e, "x", 8, tidy=False)
    assert auto is taylor_diff(e, "x", 8)
    assert core.dag_size(auto) < core.dag_size(rules)
    assert _agree(auto, rules, [{"x": 0.3}, {"x": 0.7}]) == 2


def test_below_the_threshold_the_rules_are_used_as_before():
    e = bibun.parse(NEST)
    for n in range(1, TAYLOR_FROM):
        assert diff(e, "x", n, tidy=False) is diff(e, "x", n, tidy=False, method="rules")


def test_an_unknown_method_is_a_clear_error():
    with pytest.raises(BibunError, match="method"):
        diff("x^2", "x", 2, method="fast")
