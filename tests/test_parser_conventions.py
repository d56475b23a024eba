"""The notation people type: each row reads the same as its explicit form."""

from __future__ import annotations

import warnings

import pytest

import bibun
from bibun.expr.parse import ParseWarning, parse_full

CONVENTIONS = [
    ("x**2", "x^2"),
    ("2x", "2*x"),
    ("3x^2y", "3*x^2*y"),
    ("2sin(x)cos(x)", "2*sin(x)*cos(x)"),
    ("x(1+x)", "x*(1+x)"),
    ("sin x", "sin(x)"),
    ("sin x^2", "sin(x^2)"),
    ("sin 2x", "sin(2*x)"),
    ("sin xy", "sin(x*y)"),
    ("sin x cos x", "sin(x)*cos(x)"),
    ("log sin x", "log(sin(x))"),
    ("log sin(x^3-2)", "log(sin(x^3-2))"),  # the seed's own spelling
    ("log sin(x) cos(x)", "log(sin(x))*cos(x)"),
    ("sin cos(x)^2", "sin(cos(x)^2)"),
    ("sinx", "sin(x)"),
    ("sin^2 x", "sin(x)^2"),
    ("e^x", "exp(x)"),
    ("e^-x", "exp(-x)"),
    ("e^(-x)", "exp(-x)"),
    ("e^{-x}", "exp(-x)"),
    ("e^2x", "exp(2)*x"),
    ("x²", "x^2"),
    ("x³ + x⁻¹", "x^3 + x^(-1)"),
    ("2·x × y", "2*x*y"),
    ("x − y", "x - y"),
    ("√x", "sqrt(x)"),
    ("√(x+1)", "(x+1)^(1/2)"),
    ("π", "pi"),
    ("σ(x)", "sigmoid(x)"),
    ("|x|", "abs(x)"),
    ("|x - 1| + |y|", "abs(x-1) + abs(y)"),
    ("xy", "x*y"),
    ("abc", "a*b*c"),
    ("x_1 + x_{2} + x₃", "x1 + x2 + x3"),
    ("w_ij", "w_ij"),
    ("theta", "θ"),
    ("sigmoid(x)", "1/(1+exp(-x))"),  # different nodes: guarded below
    ("relu(x)", "relu(x)"),
    ("ln x", "log(x)"),
    ("log_2 x", "log(x)/log(2)"),
    ("log_{10}(x)", "log(x)/log(10)"),
    ("log(x, 3)", "log(x)/log(3)"),
    ("1/2x", "x/2"),
    ("2^x^2", "2^(x^2)"),
    ("-x^2", "-(x^2)"),
    ("[x + 1]^2", "(x+1)^2"),
    ("heaviside(x)", "step(x)"),
    ("arctan x", "atan(x)"),
]


@pytest.mark.parametrize("typed, explicit", [c for c in CONVENTIONS if c[0] != "sigmoid(x)"])
def test_typed_notation_means_the_explicit_form(typed, explicit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        assert bibun.parse(typed) is bibun.parse(explicit)


def test_sigmoid_is_a_function_of_its_own_not_split_into_letters():
    e = bibun.parse("sigmoid(x)")
    assert e.op == "fn" and e.value == "sigmoid"
    assert bibun.parse("relu(x)").value == "relu"


def test_one_over_two_x_warns_about_the_reading():
    p = parse_full("1/2x")
    assert p.expr is bibun.parse("x/2")
    assert p.warnings and "1/(2x)" in p.warnings[0]
    assert not parse_full("1/(2x)").warnings
    assert not parse_full("x/2").warnings


@pytest.mark.parametrize("text, name, rhs", [
    ("f(x) = x^2 + 1", "f", "x^2+1"),
    ("y = sigmoid(x)", "y", "sigmoid(x)"),
    ("z = x^2 + y^2", "z", "x^2+y^2"),
])
def test_definitions_differentiate_their_right_side(text, name, rhs):
    p = parse_full(text)
    assert p.name == name and p.expr is bibun.parse(rhs)


def test_f_g_h_applied_are_unknown_functions_but_plain_letters_otherwise():
    assert bibun.parse("f(x)").op == "call"
    assert bibun.parse("h").op == "sym"
    assert bibun.parse("f'(x)").value == ("f", (1,))
    assert bibun.parse("a(x+1)") is bibun.parse("a*(x+1)")


def test_decimals_stay_decimals_and_integers_stay_exact():
    assert bibun.parse("0.01x^2").args[0].value == 0.01
    assert bibun.parse("x/3").args[0].value.denominator == 3


def test_a_function_name_followed_by_digits_applies_to_the_number():
    assert bibun.parse("sin2x") is bibun.parse("sin(2x)")


@pytest.mark.parametrize("text, column", [("3.4.5", 4), ("2 3", 3)])
def test_two_numbers_in_a_row_are_a_typo(text, column):
    with pytest.raises(bibun.ParseError) as info:
        bibun.parse(text)
    assert info.value.column == column


def test_numbers_never_glue_into_an_exponent_when_printed():
    for text in ["2*e1", "x^2 E1", "2e^x"]:
        e = bibun.parse(text)
        assert bibun.parse(str(e)) is e


@pytest.mark.parametrize("text,printed", [
    ("2.93948*e^(0.271344x)", "2.93948 e^(0.271344x)"),  # not 2.93948e^…, a 2.9e+3 look-alike
    ("2.5*e", "2.5 e"), ("2*e^x", "2e^x"), ("3*x^2*y", "3x^2 y"),  # x^2y could read x^(2y)
])
def test_printed_products_cannot_be_misread(text, printed):
    e = bibun.parse(text)
    assert str(e) == printed and bibun.parse(printed) is e


# -- a leading derivative operator (docs/parsing.md, last row) ----------------------------


@pytest.mark.parametrize("text, operand, wrt", [
    ("d/dx (x^2 sin x)", "x^2 sin(x)", "x"),
    ("d/dt(t^3)", "t^3", "t"),
    ("∂/∂y (x^2 y)", "x^2 y", "y"),
    ("d/dx x^2", "x^2", "x"),
    ("d/dx x^2 + 1", "x^2 + 1", "x"),  # the operator applies to everything after it
    ("d / dx (x+1)(x-1)", "(x+1)(x-1)", "x"),
    ("d/dx1 (x1^2 x2)", "x1^2 x2", "x1"),
    ("d/dx_1 x_1^2", "x1^2", "x1"),
    ("d/dtheta sin(theta)", "sin(θ)", "θ"),
    ("d/dxsin x", "sin(x)", "x"),
    ("  d/dx |x| + 1", "|x| + 1", "x"),
])
def test_leading_derivative_operator_gives_operand_and_variable(text, operand, wrt):
    p = parse_full(text, derivative=True)
    assert p.expr is bibun.parse(operand) and p.wrt == wrt


def test_plain_formulas_have_no_derivative_variable():
    assert parse_full("x^2", derivative=True).wrt is None
    assert parse_full("d x", derivative=True).expr is bibun.parse("d*x")


@pytest.mark.parametrize("text", ["d/dx (x^2)", "∂/∂y (x^2 y)"])
def test_derivative_operator_is_an_error_where_no_derivative_is_asked_for(text):
    for read in (bibun.parse, parse_full):
        with pytest.raises(bibun.ParseError) as info:
            read(text)
        assert info.value.column == 1 and "derivative operator" in info.value.message


@pytest.mark.parametrize("text, column, message", [
    ("d/dx", 5, "needs the expression to differentiate"),
    ("∂/∂y   ", 5, "needs the expression to differentiate"),
    ("x + d/dx(x^2)", 5, "only at the start"),
    ("d/dx d/dy (xy)", 6, "only at the start"),
    ("y = d/dx x", 5, "only at the start"),
    ("2 + ∂/∂x(x)", 5, "only at the start"),
    ("d/dx (x^2) + 1", 12, "ambiguous"),
    ("d/dx [x^2] - x", 12, "ambiguous"),
    ("d^2/dx^2 x^3", 1, "higher derivative"),
    ("d²/dx² x^3", 1, "higher derivative"),
    ("d/dx^2", 1, "ambiguous"),
    ("d/de x", 4, "not a variable"),
    ("d/dsin x", 4, "not a variable"),
    ("d/dx (x", 6, "never closed"),
    ("d/dx x = 2", 8, "not an equation"),
])
def test_derivative_operator_errors_point_at_the_column(text, column, message):
    with pytest.raises(bibun.ParseError) as info:
        parse_full(text, derivative=True)
    assert info.value.column == column and message in info.value.message, info.value
    assert info.value.text == text  # the caret is drawn under what was typed


def test_d_over_dx_mid_formula_is_refused_not_read_as_d_divided_by_d_times_x():
    with pytest.raises(bibun.ParseError, match="derivative operator"):
        bibun.parse("1 + d/dx")
    assert bibun.parse("ad/dx") is bibun.parse("a*d/d*x")  # not at a word start: letters


def test_parse_derivative_gives_what_diff_needs():
    from bibun.expr.parse import parse_derivative

    assert parse_derivative("d/dx (x^2 sin x)") == (bibun.parse("x^2 sin x"), "x")
    assert parse_derivative("∂/∂y (x^2 y)", "y") == (bibun.parse("x^2 y"), "y")
    assert parse_derivative("x^2 y", "y") == (bibun.parse("x^2 y"), "y")
    assert parse_derivative("x^2") == (bibun.parse("x^2"), None)
    with pytest.raises(bibun.BibunError, match="with respect to y"):
        parse_derivative("∂/∂y (x^2 y)", "x")
    with pytest.warns(ParseWarning):
        assert parse_derivative("d/dx 1/2x")[0] is bibun.parse("x/2")
