"""The Python API: strings accepted everywhere, gradients, Jacobians, Hessians, forms."""

from __future__ import annotations

import numpy as np
import pytest

import bibun


def test_strings_are_accepted_wherever_an_expression_is():
    assert bibun.diff("x^2") is bibun.parse("2x")
    assert bibun.expand("(x+1)^2") is bibun.parse("x^2 + 2x + 1")
    assert bibun.factor("6x^5 + 6x^2") is bibun.parse("6x^2(x^3+1)")
    assert bibun.together("1/x + 1/y") is bibun.parse("(x + y)/(xy)")
    assert bibun.simplify("x^2/x") is bibun.parse("x")


def test_expr_methods():
    e = bibun.parse("x^3")
    assert e.diff("x") is bibun.parse("3x^2")
    assert e.diff("x", 3) is bibun.parse("6")
    assert e.latex() == "x^{3}"
    assert e.evaluate(x=2) == 8
    assert str(e) == "x^3" and e.unicode() == "x³" and e.python() == "x**3"


def test_gradient_jacobian_hessian():
    assert bibun.gradient("x^2 y + y^3") == [bibun.parse("2xy"), bibun.parse("x^2 + 3y^2")]
    j = bibun.jacobian(["x y", "x + y"], ["x", "y"])
    assert j == [[bibun.parse("y"), bibun.parse("x")], [bibun.parse("1"), bibun.parse("1")]]
    h = bibun.hessian("x^2 y", ["x", "y"])
    assert h == [[bibun.parse("2y"), bibun.parse("2x")], [bibun.parse("2x"), bibun.parse("0")]]


def test_partial_treats_other_variables_as_constants():
    assert bibun.diff("x^2 + y^2", "x") is bibun.parse("2x")
    assert bibun.diff("x^2 y^3", "y") is bibun.parse("3x^2 y^2")


def test_evaluation_is_exact_for_exact_input_and_float_otherwise():
    assert bibun.parse("x/3 + 1/6").evaluate(x=1) == pytest.approx(0.5)
    assert str(bibun.parse("x/3 + 1/6").evaluate(x=1)) == "1/2"
    assert isinstance(bibun.parse("0.5x").evaluate(x=2), float)
    assert bibun.parse("sin(x)").evaluate(x=0) == 0


def test_evaluation_over_arrays_matches_numpy():
    xs = np.linspace(-3, 3, 7)
    got = bibun.diff("sigmoid(x)").evaluate(x=xs)
    s = 1 / (1 + np.exp(-xs))
    np.testing.assert_allclose(got, s * (1 - s), rtol=1e-14)


def test_sigmoid_rule_is_stable_for_huge_inputs():
    assert bibun.parse("sigmoid(x)").evaluate(x=-1000.0) == 0.0
    assert bibun.diff("sigmoid(x)").evaluate(x=1000.0) == 0.0


def test_every_rule_table_function_differentiates_and_agrees_with_numeric():
    from bibun.functions import RULES

    for name, r in RULES.items():
        if name != r.name:
            continue
        e = bibun.parse(f"{name}(x)") if name != "sqrt" else bibun.parse("sqrt(x)")
        d = bibun.diff(e)
        x0 = sum(r.typical) / 2  # inside the domain, away from corners and poles
        h = 1e-6
        num = (e.evaluate(x=x0 + h) - e.evaluate(x=x0 - h)) / (2 * h)
        assert d.evaluate(x=x0) == pytest.approx(num, rel=1e-6, abs=1e-8), name


def test_unknown_function_is_an_explicit_error():
    from bibun.expr import core

    with pytest.raises(bibun.UnknownFunctionError, match="no differentiation rule"):
        core.fn("gamma", core.symbol("x"))


# -- corners that can never happen are not reported ---------------------------------------


@pytest.mark.parametrize("text", [
    "sqrt(x^2+1)", "abs(x^2+1)", "relu(exp(x))", "cbrt(x^2+1)", "abs(2x^2 + 3y^4 + 1)",
    "abs(x^2 y^2 + 1)", "sign(-x^4 - 1)", "step(cosh(x))", "abs(e^x + x^4)", "sqrt(x^2 + pi)",
    "acosh(x^2 + 2)", "relu(-(x^2) - 1)", "abs(1/(x^2 + 1))", "abs(2^x)", "sqrt(sigmoid(x))",
])
def test_no_corner_note_where_the_argument_is_never_zero(text):
    assert bibun.nondifferentiable_points(text) == []


@pytest.mark.parametrize("text, condition", [
    ("sqrt(x^2-1)", "x^2 - 1 = 0"),
    ("abs(x)", "x = 0"),
    ("abs(x^3 - x)", "x^3 - x = 0"),  # corners at -1, 0 and 1
    ("relu(x^3 + 1)", "x^3 + 1 = 0"),
    ("abs(e^x - 1)", "e^x - 1 = 0"),
    ("acosh(x^2 + 1)", "x^2 + 1 = 1"),
    ("abs(x^2 - 2)", "x^2 - 2 = 0"),  # corners at ±√2
    ("abs(sin(x) + 2)", "2 + sin(x) = 0"),  # never 0, but beyond the analysis: kept
    ("x^(2/3)", "x = 0"),
])
def test_corner_note_kept_when_the_argument_may_be_zero(text, condition):
    assert [n.condition for n in bibun.nondifferentiable_points(text)] == [condition]


@pytest.mark.parametrize("text", ["abs(x)^3", "x abs(x)", "abs(x^2 - 2x + 1)", "abs(x^2)",
                                  "x^2 sign(x)", "abs(x - 1)^2 + x"])
def test_no_corner_note_where_every_possible_corner_is_smooth(text):
    """|x|^3 and x|x| have a derivative at 0 (both one-sided slopes are 0)."""
    assert bibun.nondifferentiable_points(text) == []


@pytest.mark.parametrize("text", ["cbrt(x)", "cbrt(x - 1)", "x^(1/3)", "cbrt(x)^2"])
def test_vertical_tangents_and_cusps_keep_their_note(text):
    assert len(bibun.nondifferentiable_points(text)) == 1


def test_a_symbol_made_in_python_is_differentiated_by_its_own_name():
    theta, w1 = bibun.symbol("theta"), bibun.symbol("w1")
    assert bibun.diff(theta**3) is 3 * theta**2
    assert bibun.gradient(theta**2 + w1**2, ["theta", "w1"]) == [2 * theta, 2 * w1]
    assert bibun.diff("d/dα (α^2)", "alpha") is bibun.parse("2α")


def test_only_the_chosen_variable_matters_for_corner_notes():
    assert [n.function for n in bibun.nondifferentiable_points("abs(y) + x", "x")] == []
    assert bibun.nondifferentiable_points("abs(x^2 + y^2 + 1)", "x") == []
    assert len(bibun.nondifferentiable_points("abs(x^2 + y^2)", "x")) == 1


def test_diff_of_text_reads_a_leading_derivative_operator():
    assert bibun.diff("∂/∂y (x^2 y)") is bibun.parse("x^2")
    assert bibun.diff("d/dx (x^2 sin x)") is bibun.parse("2x sin x + x^2 cos x")
    assert bibun.diff(r"\frac{d}{dt} t^3") is bibun.parse("3t^2")


@pytest.mark.parametrize("text, var, expected", [
    ("alpha*x^2", "alpha", "x^2"), ("x_1^2", "x_1", "2x1"), ("θ^2", "theta", "2θ"),
    ("x^3", "y", "0"),  # a variable the formula does not contain: the derivative is 0
])
def test_the_variable_is_spelled_as_the_parser_spells_it(text, var, expected):
    assert bibun.diff(text, var) is bibun.parse(expected)


@pytest.mark.parametrize("var", [1, "x^2", "e", "2x", "", None.__class__])
def test_differentiating_by_anything_but_a_variable_is_an_error(var):
    with pytest.raises(bibun.BibunError, match="with respect to a variable"):
        bibun.diff("x^3", var)


@pytest.mark.parametrize("text, expected", [
    ("log10(x)", "1/(x ln(10))"), ("log2(x)", "1/(x ln(2))"),
    ("sigma(x)", "sigmoid(x)(1 - sigmoid(x))"),
])
def test_python_style_log10_log2_and_sigma_are_functions_not_products(text, expected):
    assert bibun.diff(text) is bibun.parse(expected)


def test_float_of_a_number_expression_and_clear_errors_otherwise():
    assert float(bibun.parse("pi/2")) == pytest.approx(1.5707963267948966)
    with pytest.raises(bibun.BibunError, match="free variables"):
        float(bibun.parse("x + 1"))
    with pytest.raises(bibun.BibunError, match="cannot turn NoneType"):
        bibun.diff(None)


@pytest.mark.parametrize("text, simplest", [
    ("sin(x)^2 + cos(x)^2", "1"), ("3sin(2x)^2 + 3cos(2x)^2 + x", "x + 3"),
    ("cosh(x)^2 - sinh(x)^2", "1"), ("(x^2-1)/(x-1)", "x + 1"),
    ("(x^3 - x)/(x^2 + x)", "x - 1"), ("(x+1)/(x^2-1)", "1/(x - 1)"),
    ("sin(x)^2 + 2cos(x)^2", "sin(x)^2 + 2cos(x)^2"),  # not the identity: left alone
])
def test_simplify_knows_pythagoras_and_cancels_common_factors(text, simplest):
    assert bibun.simplify(text) is bibun.parse(simplest)


@pytest.mark.parametrize("text, point, why", [
    ("abs(x)", 0, "a corner"), ("relu(x)", 0, "a corner"), ("step(x)", 0, "a jump"),
    ("acosh(x)", 1, "an edge of the domain"), ("cbrt(x)", 0, "a vertical tangent"),
    ("abs(x^2 - 2)", 2 ** 0.5, "a corner"),
])
def test_not_smooth_at_names_the_reason(text, point, why):
    from bibun.smoothness import not_smooth_at

    reason = not_smooth_at(bibun.parse(text), "x", {"x": point})
    assert reason is not None and why in reason and "not differentiable at x =" in reason


@pytest.mark.parametrize("text, point", [("abs(x)^3", 0), ("abs(sin(x))^3", 0),
                                         ("x abs(x)", 0), ("abs(x)", 1e-13), ("acosh(x)", 2)])
def test_not_smooth_at_is_none_where_the_function_is_smooth(text, point):
    from bibun.smoothness import not_smooth_at

    assert not_smooth_at(bibun.parse(text), "x", {"x": point}) is None


def test_nondifferentiable_point_carries_its_value():
    (nd,) = bibun.nondifferentiable_points("acosh(x)")
    assert nd.condition == "x = 1" and nd.value == 1


def test_derivative_at_refuses_acosh_at_its_edge():
    from bibun.errors import DomainError
    from bibun.smoothness import derivative_at

    e = bibun.parse("acosh(x)")
    with pytest.raises(DomainError, match="acosh is not differentiable at x = 1"):
        derivative_at(e, bibun.diff(e), "x", {"x": 1})


@pytest.mark.parametrize("text, point, node, need, pole", [
    ("log(x - 3) + 1", {"x": 1}, "ln(x - 3)", "u > 0", False),
    ("1/(x - 1)", {"x": 1}, "1/(x - 1)", None, False),
    ("sinh(x)^2", {"x": 1000.0}, "sinh(x)", None, True),
    ("x y", {"x": 1e200, "y": 1e200}, "xy", None, True),
])
def test_domain_error_names_the_failing_piece(text, point, node, need, pole):
    from bibun.errors import DomainError

    with pytest.raises(DomainError) as info:
        bibun.parse(text).evaluate(point)
    exc = info.value
    assert str(exc.node) == node and exc.pole is pole
    assert (exc.need or None) == need


def test_a_derivative_too_large_to_write_out_is_refused_in_both_languages():
    """The third derivative of 300 nested sines would write ~10^9 terms (minutes and
    gigabytes): the work budget refuses it early, naming the limit."""
    from bibun.errors import LimitError
    from bibun.i18n import message

    deep = "sin(" * 300 + "x" + ")" * 300
    with pytest.raises(LimitError, match="2,000,000") as refused:
        bibun.diff(deep, "x", 3)
    assert "大きすぎ" in message(refused.value, "ja")
    assert bibun.diff(deep, "x", 1).size > 300  # the first derivative is still fine


def test_the_work_budget_leaves_high_orders_of_ordinary_functions_alone():
    # the same function either way (the fifth derivative's tidy form is differentiated
    # again in the second, so the two are written differently)
    once = bibun.diff("x^12*exp(x)*sin(x)", "x", 10)
    twice = bibun.diff(bibun.diff("x^12*exp(x)*sin(x)", "x", 5), "x", 5)
    for x in (0.3, 1.1, -0.8):
        assert once.evaluate({"x": x}) == pytest.approx(twice.evaluate({"x": x}), rel=1e-9)
