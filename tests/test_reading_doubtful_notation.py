"""Textbook spellings whose meaning a reader could doubt (issue 12): each is read one way,
and the reading is said out loud (a warning with the column and the other spelling)
rather than chosen silently."""

from __future__ import annotations

import warnings

import pytest

import bibun
from bibun.errors import ParseError
from bibun.expr.parse import parse_full, variable_name
from bibun.i18n import using


def _read(text: str) -> tuple[str, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = bibun.parse(text)
    return str(e), [str(w.message) for w in caught]


@pytest.mark.parametrize("text, read, column, suggestion", [
    ("sin π/2", "sin(pi)/2", 1, "sin(π/2)"),
    ("f(t) = ln(17) + sin π/2", "ln(17) + sin(pi)/2", 17, "sin(π/2)"),
    ("cos θ/2", "cos(θ)/2", 1, "cos(θ/2)"),
    ("sin^2 x/2", "sin(x)^2/2", 1, "sin^2(x/2)"),
    ("\\sin \\pi/2", "sin(pi)/2", 1, "sin(π/2)"),
])
def test_bare_function_argument_over_a_number_warns(text, read, column, suggestion):
    e, warned = _read(text)
    assert e == read
    assert len(warned) == 1 and f"(column {column})" in warned[0] and suggestion in warned[0]


@pytest.mark.parametrize("text", ["sin(x)/2", "sin x/x", "sin(π/2)", "sin x/x^2"])
def test_bracketed_or_variable_quotient_does_not_warn(text):
    assert not [w for w in _read(text)[1] if "without brackets" in w]


@pytest.mark.parametrize("text, read, suggestion", [
    ("log_7(6x^4+3)^5", "ln(6x^4 + 3)^5/ln(7)^5", "log_7((…)^5)"),
    ("f(x) = log_7(6x^4+3)^5", "ln(6x^4 + 3)^5/ln(7)^5", "log_7((…)^5)"),
    ("ln(x)^2", "ln(x)^2", "log((…)^2)"),
])
def test_power_after_a_logarithm_call_warns(text, read, suggestion):
    e, warned = _read(text)
    assert e == read
    assert len(warned) == 1 and suggestion in warned[0] and "power" in warned[0]


@pytest.mark.parametrize("text", ["sin(x)^2", "ln x^2", "log_7((6x^4+3)^5)", "ln(x^2)"])
def test_power_inside_or_after_a_trig_call_does_not_warn(text):
    assert _read(text)[1] == []


def test_doubtful_reading_warning_is_in_the_users_language():
    with using("ja"):
        p = parse_full("sin π/2")
    assert "列目" in p.warnings[0] and "sin(π/2)" in p.warnings[0]


@pytest.mark.parametrize("text, name", [("ŷ", "y_hat"), ("\\hat{y}", "y_hat"),
                                        ("y_i", "y_i"), ("x̄", "x_bar")])
def test_accented_and_indexed_names_are_their_own_variables(text, name):
    """ŷ is not y, and y_i (one sample) is a variable of its own, never y·i."""
    e = bibun.parse(text)
    assert e.free == {name}
    assert variable_name(text) == name


@pytest.mark.parametrize("latex, read", [
    ("{\\log}_{7}{x}", "ln(x)/ln(7)"),
    ("y={x}^{{\\log}_{2}x}", "x^(ln(x)/ln(2))"),
    ("F=\\frac{G{m}_{1}{m}_{2}}{{d}^{2}}", "Gm1 m2/d^2"),
    ("{x}_{i} + {\\log}{x}", "x_i + ln(x)"),
])
def test_openstax_braced_latex_reads_log_bases_and_subscripts(latex, read):
    """OpenStax's CNXML-converted LaTeX braces every atom: {\\log}_{7}, {m}_{1}."""
    e, warned = _read(latex)
    assert e == read and warned == []


def test_braced_log_power_warns_like_the_plain_text():
    e, warned = _read("f(x)={\\log}_{7}{(6{x}^{4}+3)}^{5}")
    assert e == "ln(6x^4 + 3)^5/ln(7)^5"
    assert len(warned) == 1 and "log_7((…)^5)" in warned[0]


@pytest.mark.parametrize("text, arg", [("log(100)", "100"), ("log 1000 + x", "1000"),
                                       ("x log(0.01)", "0.01"), ("\\log(100)", "100")])
def test_log_of_a_power_of_ten_says_it_is_the_natural_log(text, arg):
    """A school book's log(100) is 2 (base 10); bibun's log is ln: say so, with the
    spelling of the other reading."""
    _, warned = _read(text)
    assert len(warned) == 1 and f"ln({arg})" in warned[0] and f"log_10({arg})" in warned[0]


@pytest.mark.parametrize("text", ["ln(100)", "log_10(100)", "log(10x)", "log(2)", "\\ln 100",
                                  "log x"])
def test_log_without_a_power_of_ten_or_spelled_ln_does_not_warn(text):
    assert _read(text)[1] == []


@pytest.mark.parametrize("latex, read", [
    ("\\phi(x) = \\ln\\!\\left(1 + e^{x}\\right)", "ln(1 + e^x)"),
    ("\\varsigma_a(x) = \\frac{1}{1+e^{-ax}}", "1/(1 + e^(-ax))"),
    ("\\text{tanh}(z) = \\frac{e^z - e^{-z}}{e^z + e^{-z}}",
     "(e^z - e^(-z))/(e^z + e^(-z))"),
])
def test_latex_left_side_named_by_a_command_is_a_definition(latex, read):
    assert _read(latex) == (read, [])


def test_function_command_on_the_left_is_still_refused():
    with pytest.raises(ParseError, match="left side"):
        bibun.parse("\\sin(x) = 2")


@pytest.mark.parametrize("text, read", [
    ("MSE = \\frac{1}{2}(y - \\hat{y})^2,\\ \\hat{y} = wx + b", "(y - (wx + b))^2/2"),
    ("(y_i - \\hat y_i)^{2},\\ \\hat y_i = m x_i + b", "(y_i - (mx_i + b))^2"),
    ("(y - ŷ)^2, ŷ = w x + b", "(y - (wx + b))^2"),
    ("(y - ŷ)^2, where ŷ = w x + b", "(y - (wx + b))^2"),
])
def test_where_clause_after_a_comma_substitutes_the_name(text, read):
    e, _ = _read(text)
    assert bibun.parse(e) is bibun.parse(read)


@pytest.mark.parametrize("text, column, words", [
    ("x^2, x = 3", 6, "--at"),
    ("x^2, 2 = x", 6, "one variable"),
])
def test_where_clause_must_define_a_name_by_a_formula(text, column, words):
    with pytest.raises(ParseError) as info:
        bibun.parse(text)
    assert info.value.column == column and words in str(info.value)


@pytest.mark.parametrize("text, read", [("1 - Tanh^2(x)", "1 - tanh(x)^2"), ("Sin x", "sin(x)"),
                                        ("Sigmoid(x)", "sigmoid(x)")])
def test_capitalized_function_name_is_read_with_a_warning(text, read):
    e, warned = _read(text)
    assert e == read and len(warned) == 1 and "lower case" in warned[0]


def test_names_spelled_with_capitals_on_purpose_do_not_warn():
    assert _read("ReLU(x)") == ("relu(x)", [])


@pytest.mark.parametrize("text, read, a", [("max(0.01z, z)", "leaky_relu(z)", 0.01),
                                           ("max(z, 0.01z)", "leaky_relu(z)", 0.01),
                                           ("max(0.2z, z)", "relu(z) - 0.2relu(-z)", 0.2),
                                           ("min(2z, z)", "relu(z) - 2relu(-z)", 2)])
def test_max_of_a_scaled_argument_is_a_leaky_relu(text, read, a):
    e = bibun.parse(text)
    assert e is bibun.parse(read)
    for z in (-1.5, 2.5):
        want = (max if text.startswith("max") else min)(a * z, z)
        assert float(e.evaluate({"z": z})) == pytest.approx(want)
