"""LaTeX input: the seeds' LaTeX reads as their text, printer output reads back, errors
point into the LaTeX source."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bibun
from bibun.errors import BibunError, ParseError
from bibun.expr.latex_input import looks_like_latex, parse_latex_full
from bibun.expr.parse import parse_any, parse_latex

P = bibun.parse


@pytest.mark.parametrize("latex, text", [
    # the seeds, as written there
    (r"f(z) = \frac{1}{1 + e^{-z}}", "1/(1 + e^-z)"),
    (r"f(z) = (1 + e^{-z})^{-1}", "1/(1 + e^-z)"),
    (r"-1 \times (1 + e^{-z})^{-2}", "-(1 + e^-z)^-2"),
    (r"f'(z) = -1 \times (1 + e^{-z})^{-2} \times (-e^{-z})", "e^-z/(1 + e^-z)^2"),
    (r"f'(z) = \frac{e^{-z}}{(1 + e^{-z})^2}", "e^-z/(1 + e^-z)^2"),
    (r"y = (2x + 3)^2", "(2x+3)^2"),
    (r"2u \times 2", "4u"),
    (r"\frac{dy}{dx} = 4(2x + 3)", "4(2x + 3)"),
    (r"y' = 4u^3 \cdot (2x+3)", "4u^3(2x + 3)"),
    (r"y = (x^2+3x+1)^4", "(x^2+3x+1)^4"),
    (r"y = \log(\sin(x^3-2))", "log(sin(x^3-2))"),
    (r"3x^2/\tan(x^3-2)", "3x^2/tan(x^3-2)"),
    (r"f(x,y) = (x^2+y^2)\sin xy", "(x^2+y^2) sin(xy)"),
    (r"z=x^2+y^2", "x^2 + y^2"),
    (r"4x_1^3 + 2x_2^2 + 1", "4x1^3 + 2x2^2 + 1"),
    (r"\exp(x)", "e^x"),
    # the notations the issue lists
    (r"\dfrac{e^x - e^{-x}}{e^x + e^{-x}}", "(e^x - e^-x)/(e^x + e^-x)"),
    (r"\sin x \cos x", "sin(x) cos(x)"),
    (r"\ln\left(x^{2} + 1\right)", "ln(x^2 + 1)"),
    (r"\sqrt{x^2 + 1}", "sqrt(x^2 + 1)"),
    (r"\sqrt[3]{x}", "cbrt(x)"),
    (r"\sqrt[4]{x}", "x^(1/4)"),
    (r"2 \cdot x \cdot y", "2xy"),
    (r"\tanh(x)", "tanh(x)"),
    (r"\sigma(x)", "sigmoid(x)"),
    (r"\sigma^{2}\left(x\right)", "sigmoid(x)^2"),
    (r"\sigma x", "σ x"),
    (r"x_{1}", "x1"),
    (r"w_{ij}", "w_ij"),
    (r"2\pi x", "2 pi x"),
    (r"e^{x}", "e^x"),
    (r"\frac12 x", "x/2"),
    (r"x^23", "3x^2"),  # LaTeX's rule: an unbraced exponent is one character
    (r"\left|x\right| + |y|", "|x| + |y|"),
    (r"\log_{2} x", "log_2 x"),
    (r"\operatorname{ReLU}(x) + \operatorname{arsinh}(x)", "relu(x) + asinh(x)"),
    (r"f^{\prime}(g(x)) \, g'(x)", "f'(g(x)) g'(x)"),
    (r"$x^2$", "x^2"),
    (r"\alpha \theta", "alpha theta"),
    (r"σ(x) + π x", "sigmoid(x) + pi x"),
])
def test_latex_reads_as_the_text_form(latex, text):
    assert parse_latex(latex) is P(text)
    if looks_like_latex(latex):  # detected automatically
        assert parse_any(latex) is P(text)


ROUND_TRIP = [
    "x^2", "(x^3+1)^2", "1/(x^3+1)", "sigmoid(x)(1-sigmoid(x))", "1 - tanh(x)^2", "a^x ln(a)",
    "sqrt(x^2+1)", "cbrt(x)", "|x|", "relu(x)", "step(x)", "sign(x)", "x1^3 + x2", "w_ij x",
    "theta^2", "e^(-x)/(1+e^(-x))^2", "sin(x)cos(x)", "log(sin(x^3-2))", "3x^2/tan(x^3-2)",
    "2x sin(xy) + y(x^2+y^2)cos(xy)", "asin(x)+acos(x)+atan(x)", "asinh(x) + acosh(x)",
    "atanh(x/2)", "sec(x)+csc(x)+cot(x)", "softplus(x)", "0.01x^2 + 0.1x", "x^(1/3)", "x^(-2)",
    "2^x", "pi x", "f(x)", "f'(g(x))g'(x)", "-x", "x/2 - 3/4", "(x+1)^x", "e^(x^2)", "x^n",
    "sin(x)^2 + cos(2x)", "1/(2sqrt(x))", "-3x^2/(x^3+1)^2", "x y z", "(a+b)(c+d)", "2.5x^2",
    "exp(sin(exp(x)))", "alpha beta", "log(x)/log(10)", "(e^x - e^-x)/(e^x + e^-x)",
    "x^2 e^(-x) sin(3x)", "1/(1 + x^2)^(3/2)", "sigmoid(x)^2 tanh(x)^3", "|x - 1|^3",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_latex_printer_output_parses_back(text):
    e = P(text)
    for cand in [e, *(bibun.diff(e, v) for v in sorted(e.free)[:2])]:
        assert parse_latex(cand.latex()) is cand, cand.latex()


@pytest.mark.parametrize("latex, column, message", [
    (r"\frac{1}{x +}", 13, "unexpected"),
    (r"x + \foo", 5, r"unknown LaTeX command \foo"),
    (r"\frac{1}{", 9, "never closed"),
    (r"\left( x + 1", 1, "never closed"),
    (r"y = \sin x )", 12, "nothing to close"),
    (r"\operatorname{foo}(x)", 1, "unknown function 'foo'"),
    (r"2 + foo(x)", 5, "unknown function 'foo'"),
    (r"\frac{d}{dx} x^2", 1, "derivative operator"),
    (r"x^", 2, "needs an exponent"),
    (r"\sin^{-2}(x)", 1, "ambiguous"),
])
def test_errors_point_into_the_latex_source(latex, column, message):
    with pytest.raises(ParseError) as info:
        parse_latex(latex)
    assert info.value.column == column and message in info.value.message, info.value


def test_detection_and_forcing():
    assert looks_like_latex(r"\sin x") and not looks_like_latex("sin x")
    assert parse_any("x^{2}") is P("x^2")  # braces are brackets in text too
    with pytest.raises(ParseError):
        parse_any(r"\sin x", latex=False)
    assert parse_any("x_1^2", latex=True) is P("x1^2")


def test_definitions_and_warnings():
    p = parse_latex_full(r"f(z) = \frac{1}{1 + e^{-z}}")
    assert p.name == "f" and p.params == ["z"]
    p = parse_latex_full(r"1/2x")
    assert p.expr is P("x/2") and p.warnings


def test_deep_nesting_is_iterative():
    depth = 1000
    latex = r"\frac{1}{1 + " * depth + "x" + "}" * depth
    e = parse_latex(latex)
    assert e.size > depth


_PIECES = [*"xy23+-*/^_{}()[]|'.,=$e", r"\frac", r"\sqrt", r"\left(", r"\right)", r"\sin",
           r"\cdot", r"\sigma", r"\log_", r"\pi", "À", "σ", "π", "\\", r"\operatorname{",
           r"\left|", r"\right|", "^{", "_{", r"\sqrt[", r"\mathrm{e}"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_any_input_is_a_formula_or_a_clear_error(pieces):
    text = "".join(pieces)
    try:
        parse_latex(text)
    except BibunError as exc:
        assert str(exc)


# -- a leading derivative operator ---------------------------------------------------------


@pytest.mark.parametrize("latex, operand, wrt", [
    (r"\frac{d}{dx}\left(x^2\sin x\right)", "x^2 sin(x)", "x"),
    (r"\frac{d}{dx} x^2", "x^2", "x"),
    (r"\dfrac{d}{dx}(x^3+1)", "x^3 + 1", "x"),
    (r"\tfrac{d}{dx}\sqrt{x}", "sqrt(x)", "x"),
    (r"\frac{\partial}{\partial y}(x^2 y)", "x^2 y", "y"),
    (r"\frac{\mathrm{d}}{\mathrm{d}x} e^{x}", "e^x", "x"),
    (r"\frac{\mathrm d}{\mathrm d x} e^{x}", "e^x", "x"),
    (r"\frac{d}{d\theta}\sin\theta", "sin(θ)", "θ"),
    (r"\frac{d}{dx_1}(x_1^2 x_2)", "x1^2 x2", "x1"),
    (r"\frac{d}{dx_{12}} x_{12}^2", "x12^2", "x12"),
    (r"d/dx \left(x^2 \sin x\right)", "x^2 sin(x)", "x"),
    (r"\partial/\partial y (x^2 y)", "x^2 y", "y"),
    (r"$\frac{d}{dt} t^3$", "t^3", "t"),
    (r"\frac{d}{dx}\frac{1}{x} + 1", "1/x + 1", "x"),  # \frac is not a bracket: no ambiguity
])
def test_leading_latex_derivative_operator_gives_operand_and_variable(latex, operand, wrt):
    p = parse_latex_full(latex, derivative=True)
    assert p.expr is P(operand) and p.wrt == wrt
    assert bibun.parse_full(latex, derivative=True).wrt == wrt  # detected as LaTeX


@pytest.mark.parametrize("latex, column, message", [
    (r"\frac{d}{dx}", 13, "needs the expression to differentiate"),
    (r"$\frac{d}{dx}$", 14, "needs the expression to differentiate"),
    (r"\frac{d}{dx}\left(x^2\right) + 1", 30, "ambiguous"),
    (r"\frac{d^2}{dx^2} x^3", 1, "higher derivative"),
    (r"\frac{d}{\partial x} x", 1, "mixes d and ∂"),
    (r"\frac{d}{d\pi} x", 11, "not a variable"),
    (r"x + \frac{d}{dx} x^2", 5, "only at the start"),
    (r"\frac{d}{dx} \frac{d}{dx} x", 14, "only at the start"),
    (r"x + d/dx x", 5, "only at the start"),
    (r"x^2 + \partial", 7, "only at the start"),
    (r"\frac{d}{dx}(x", 13, "never closed"),
])
def test_latex_derivative_operator_errors_point_into_the_source(latex, column, message):
    with pytest.raises(ParseError) as info:
        parse_latex_full(latex, derivative=True)
    assert info.value.column == column and message in info.value.message, info.value
    assert info.value.text == latex


def test_dy_dx_on_the_left_is_still_a_definition_not_an_operator():
    p = parse_latex_full(r"\frac{dy}{dx} = 4(2x + 3)", derivative=True)
    assert p.wrt is None and p.name == "y'" and p.expr is P("4(2x + 3)")
