"""A learner's mistake is an override of the one derivative walk (symbolic.diff_once), not
a second differentiator: the walk without an override is ``diff``, an override changes
exactly the nodes it answers for, and each mistake model gives the derivative a learner
with that slip writes."""

from __future__ import annotations

import pytest

import bibun
from bibun.explain.mistakes import SLIPS, mistaken_derivative
from bibun.expr import core
from bibun.expr.core import FN, ONE
from bibun.symbolic import diff, diff_once, node_derivative

X = core.symbol("x")


@pytest.mark.parametrize("text", ["sin(x^2)", "x^2 sin(x) e^x", "(x^2+1)^3/(x-1)", "x^x",
                                  "f(x^2, sin x)", "sigmoid(2x) + log(cos x)", "2^(x^2)"])
def test_the_walk_without_override_is_diff(text):
    e = bibun.parse(text)
    assert diff_once(e, X) is diff_once(e, X, lambda node, d: None)
    assert bibun.expand(diff_once(e, X) - diff(e, "x")).evaluate(x=0.7) == pytest.approx(0)


def test_an_override_replaces_only_the_nodes_it_answers_for():
    e = bibun.parse("sin(x^2) + x^3")
    # every function's derivative taken as 1: sin(x^2)' becomes 1, x^3' stays 3x^2
    got = diff_once(e, X, lambda node, d: ONE if node.op == FN else None)
    assert got is bibun.parse("1 + 3x^2")


def test_node_derivative_reads_the_derivatives_it_is_given():
    node = bibun.parse("sin(x^2)")
    u = node.args[0]
    assert node_derivative(node, {u: ONE}) is bibun.parse("cos(x^2)")
    assert node_derivative(node, {}) is core.ZERO


@pytest.mark.parametrize("text, mistake, result, inner", [
    ("sin(x^2)", "no_inner", "cos(x^2)", "x^2"),
    ("sigmoid(2x)", "no_inner", "sigmoid(2x)(1 - sigmoid(2x))", "2x"),
    ("2^(x^2)", "no_inner", "2^(x^2) ln(2)", "x^2"),
    ("f(x^2)", "no_inner", "f'(x^2)", "x^2"),
    ("x^2 sin(x)", "product", "2x cos(x)", "x^2 sin(x)"),
    ("(2x+1)^3", "exponent", "6(2x+1)^3", "2x+1"),
    ("cos(3x)", "trig_sign", "3 sin(3x)", "3x"),
    ("sin(x)/x", "quotient_order", "(sin(x) - x cos(x))/x^2", "x"),
    ("sin(x)/x", "quotient_denominator", "(x cos(x) - sin(x))/x", "x"),
    ("sin(x)/x^2", "quotient_of_derivatives", "cos(x)/(2x)", "x^2"),
    ("x^2 + e^(2x)", "not_differentiated", "x^2 + e^(2x)", "x^2"),
])
def test_each_mistake_gives_the_learners_derivative(text, mistake, result, inner):
    got = mistaken_derivative(bibun.parse(text), "x", mistake)
    assert got is not None
    assert got[0] is bibun.parse(result) and got[1] is bibun.parse(inner)


@pytest.mark.parametrize("mistake", sorted(SLIPS))
def test_a_mistake_that_cannot_happen_is_none(mistake):
    assert mistaken_derivative(bibun.parse("x"), "x", mistake) is None
    assert mistaken_derivative(bibun.parse("y^2"), "x", mistake) is None


def test_a_mistake_at_one_place_leaves_the_rest_correct():
    e = bibun.parse("sin(x^2) cos(x^3)")
    target = next(n for n in core.postorder(e) if n.op == FN and n.value == "sin")
    got, inner = mistaken_derivative(e, "x", "no_inner", target)
    assert inner is bibun.parse("x^2")
    assert got is bibun.parse("cos(x^2) cos(x^3) - 3x^2 sin(x^2) sin(x^3)")
