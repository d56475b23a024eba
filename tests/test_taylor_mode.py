"""Taylor mode (n!·c_n from truncated series over the DAG) gives the derivative the
ordinary rules give: symbolically where the result is small, at random points always;
and for a deep composition at high order it is the smaller DAG."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bibun
from bibun.errors import BibunError
from bibun.expr import core, taylor
from bibun.symbolic import diff, diff_once, taylor_diff

from .test_expr_properties import exprs

X = core.symbol("x")


def _values(e, points):
    out = []
    for p in points:
        try:
            out.append(float(e.evaluate(p)))
        except (BibunError, ArithmeticError, ValueError):
            out.append(None)
    return out


def _agree(a, b, points):
    """Equal wherever both are defined (and defined together at one point at least)."""
    both = [(u, v) for u, v in zip(_values(a, points), _values(b, points))
            if u is not None and v is not None and math.isfinite(u) and math.isfinite(v)]
    for u, v in both:
        assert u == pytest.approx(v, rel=1e-7, abs=1e-7)
    return len(both)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(exprs, st.integers(1, 6), st.randoms(use_true_random=False))
def test_taylor_mode_equals_the_ordinary_rules_on_generated_expressions(e, n, rng):
    assume("x" in e.free and e.size < 40)
    memo: dict = {}
    ordinary = e
    for _ in range(n):
        ordinary = diff_once(ordinary, X, None, memo)
    ours = taylor_diff(e, "x", n)
    if ours is ordinary:
        return  # symbolically equal: the same node
    points = [{"x": rng.uniform(0.2, 1.4), "y": rng.uniform(0.2, 1.4)} for _ in range(6)]
    assume(_agree(ours, ordinary, points) > 0)  # (none defined at the points: no test)


@pytest.mark.parametrize("text", ["x^3 sin(x)", "exp(2x)", "log(x)", "1/(x + 1)", "x^5 + x",
                                  "tanh(x)", "sigmoid(x)"])
def test_first_derivatives_are_symbolically_the_ordinary_ones(text):
    e = bibun.parse(text)
    ordinary = diff_once(e, X)
    ours = taylor_diff(e, "x", 1)
    assert ours is ordinary or _agree(ours, ordinary, [{"x": 0.3}, {"x": 0.9}]) == 2


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_orders_up_to_ten_agree_on_a_sine_nest(n):
    e = bibun.parse("sin(sin(sin(x)))")
    rng = random.Random(n)
    points = [{"x": rng.uniform(-2, 2)} for _ in range(5)]
    assert _agree(taylor_diff(e, "x", n), diff(e, "x", n), points) == 5


def test_the_tenth_derivative_of_six_nested_sines_is_a_small_dag():
    """The ordinary rules double the DAG with each order (8,697 nodes at the 10th);
    Taylor mode's coefficients grow like n² per node."""
    e = bibun.parse("sin(sin(sin(sin(sin(sin(x))))))")
    d10 = taylor_diff(e, "x", 10)
    assert core.dag_size(d10) < 1_000
    # checked independently: the 5th derivative (itself by Taylor mode, then a new DAG)
    # differentiated 5 more times
    d5 = taylor_diff(e, "x", 5)
    again = taylor_diff(d5, "x", 5)
    rng = random.Random(1)
    assert _agree(d10, again, [{"x": rng.uniform(-1, 1)} for _ in range(4)]) == 4


def test_series_coefficients_of_exp_are_the_textbook_ones():
    c = taylor.series(bibun.parse("exp(x)"), "x", 4)
    assert c == [core.fn("exp", X) * core.number(1) / math.factorial(k) for k in range(5)]


def test_an_abstract_function_of_two_arguments_goes_through_the_ordinary_rules():
    e = bibun.parse("f(x, x^2)")
    assert taylor_diff(e, "x", 2) is diff(e, "x", 2)
