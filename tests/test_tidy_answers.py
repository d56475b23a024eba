"""The tidy answer (issue 12, item 4): bibun.diff returns the smallest equivalent form its
sound rewrites reach -- never a different function, never a larger one, and what the
learner wrote inside a function stays as written."""

from __future__ import annotations

import cmath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bibun
from bibun.errors import BibunError
from bibun.explain import derivation
from bibun.expr import core
from bibun.expr.opcount import ops
from bibun.expr.simplify import recognize
from bibun.expr.tidy import MAX_TIDY_SIZE, tidy

X, T = core.symbol("x"), core.symbol("t")
FUNCS = ["sin", "cos", "tan", "sec", "cot", "csc", "sinh", "cosh", "exp", "log", "abs",
         "cbrt", "atan", "asin", "sqrt"]

leaves = st.one_of(
    st.sampled_from([X, X, T, core.PI]),
    st.integers(-4, 4).map(core.number),
    st.fractions(max_denominator=4).filter(lambda f: 0 < abs(f) < 4).map(core.number),
)


def _try(build, *args):
    try:
        return build(*args)
    except BibunError:
        return None


def _extend(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: core.add(*t)),
        st.tuples(children, children).map(lambda t: core.mul(*t)),
        st.tuples(children, st.sampled_from([-2, -1, 2, 3]).map(core.number))
        .map(lambda t: _try(core.power, *t)).filter(lambda e: e is not None),
        st.tuples(st.sampled_from(FUNCS), children)
        .map(lambda t: _try(core.fn, *t)).filter(lambda e: e is not None),
    )


exprs = st.recursive(leaves, _extend, max_leaves=10)
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
POINTS = [{"x": x, "t": t} for x, t in ((0.37, 1.3), (-0.61, 0.45), (1.7, -0.8),
                                          (0.83, 2.2), (-1.4, -0.35))]


def _value(e, point):
    try:
        v = complex(e.evaluate({k: point[k] for k in e.free}))
    except (BibunError, ArithmeticError, ValueError, TypeError, OverflowError):
        return None
    if not cmath.isfinite(v) or abs(v) > 1e8 or abs(v.imag) > 1e-9 * max(1, abs(v)):
        return None
    return v


def _same_where_defined(a, b) -> None:
    """Where the given form is defined, the tidy form is defined and equal (a tidy form
    may be defined at more points: a cancelled factor's holes)."""
    for p in POINTS:
        va = _value(a, p)
        if va is None:
            continue
        vb = _value(b, p)
        assert vb is not None, f"{b} undefined at {p} where {a} = {va}"
        assert abs(va - vb) <= 1e-7 * max(1.0, abs(va)), f"{a} != {b} at {p}"


@SETTINGS
@given(exprs)
def test_tidy_is_the_same_function_and_never_larger(e):
    t = tidy(e)
    _same_where_defined(e, t)
    assert ops(t) <= ops(e)


@SETTINGS
@given(exprs)
def test_tidy_derivative_is_the_same_function_as_the_rules_derivative(e):
    from bibun.symbolic import diff_once
    raw = diff_once(e, X)
    try:
        d = bibun.diff(e, "x")
    except BibunError:
        return
    _same_where_defined(raw, d)


@pytest.mark.parametrize(("f", "tidy_answer"), [
    ("x^2 e^x", "x(x + 2)e^x"),                       # a common factor
    ("(y^2 + 1)(y^2 - 1)", "4y^3"),                   # multiplied out, like terms met
    ("(t^2 - 1)/(t + 1)", "1"),                       # a cancelled factor
    ("atan(tan(x))", "1"),                            # 1 + tan² = 1/cos²
    ("sinh(x)cosh(x)", "cosh(2x)"),                   # cosh² + sinh² = cosh 2x
    ("log_3(7^(x^2 - 4))", "2x ln(7)/ln(3)"),         # an exponent's terms collected
    ("sqrt(x) + 1/sqrt(x)", "(x - 1)/(2x^(3/2))"),    # one denominator
    ("abs(x^2 + 1)", "2x"),                           # sign(x² + 1) = 1
    ("sin(x)/(cos(x) + 3)", "(1 + 3cos(x))/(3 + cos(x))^2"),  # sin² + cos² = 1
    ("((1 + 1/t)^-1 + 1)^-1", "-1/(2t + 1)^2"),        # fractions inside fractions cleared
    ("(x + 11)/cbrt(x^2 - 4)", "(x^2 - 22x - 12)/(3cbrt(x^2 - 4)^4)"),  # cbrt(u)³ = u
])
def test_textbook_derivatives_come_out_tidy(f, tidy_answer):
    d = bibun.diff(f)
    assert d is bibun.parse(tidy_answer), str(d)


def test_what_the_learner_wrote_inside_a_function_stays_as_written():
    assert bibun.diff("tan(θ^2 + 4θ)") is bibun.parse("(2θ + 4)/cos(θ^2 + 4θ)^2")


def test_a_rewrite_that_saves_one_operation_keeps_the_rules_shape():
    assert bibun.diff("x^2 sin(x)") is bibun.parse("2x sin(x) + x^2 cos(x)")
    assert bibun.diff("(2x + 3)^2") is bibun.parse("4(2x + 3)")


def test_known_function_forms_are_left_for_the_identity_step():
    d = bibun.diff("1/(1 + e^-x)")
    assert d is bibun.parse("e^(-x)/(1 + e^(-x))^2")
    assert recognize(d) is bibun.parse("sigmoid(x)(1 - sigmoid(x))")


@pytest.mark.parametrize("f", ["x^2 e^x", "(t^2 - 1)/(t + 1)", "sinh(x)cosh(x)",
                               "sqrt(x) + 1/sqrt(x)", "x/(sqrt(x) + 4)"])
def test_steps_end_on_the_same_tidy_answer(f):
    d = derivation(f)
    assert d.result is bibun.diff(f)
    assert d.final is recognize(d.result)


def test_large_answers_are_left_as_the_rules_give_them():
    big = core.add(*(core.mul(core.power(X, core.number(k)), core.fn("sin", core.mul(
        core.number(k), X)), core.fn("cos", X)) for k in range(1, 80)))
    assert big.size > MAX_TIDY_SIZE
    assert tidy(big) is big
