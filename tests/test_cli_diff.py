"""`bibun diff/grad/hessian`: textbook output, JSON fields, exit codes."""

from __future__ import annotations

import json

import pytest

from bibun.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_diff_prints_the_textbook_form(capsys):
    code, out, _ = run(capsys, "diff", "(x^3+1)^2")
    assert code == 0 and out.strip() == "d/dx [(x^3 + 1)^2] = 6x^2(x^3 + 1)"


def test_diff_says_when_the_result_equals_a_form_through_known_functions(capsys):
    _, out, _ = run(capsys, "diff", "(e^x - e^-x)/(e^x + e^-x)")
    assert "= 1 - tanh(x)^2" in out


def test_diff_json_has_the_documented_fields(capsys):
    code, out, _ = run(capsys, "diff", "(x^3+1)^2", "--at", "x=2", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["derivative"] == "6x^2(x^3 + 1)" and data["value"] == 216
    assert {"expression", "variable", "order", "latex", "python"} <= set(data)


def test_partial_derivative_at_a_point(capsys):
    _, out, _ = run(capsys, "diff", "x^2 + y^2", "--wrt", "y", "--at", "x=3,y=4")
    assert "= 2y" in out and "8" in out.splitlines()[-1]


def test_grad_json_gives_variables_gradient_value(capsys):
    _, out, _ = run(capsys, "grad", "x^2 + y^2", "--at", "x=3,y=4", "--format", "json")
    data = json.loads(out)
    assert data["variables"] == ["x", "y"] and data["gradient"] == ["2x", "2y"]
    assert data["value"] == [6, 8]


def test_hessian_of_x_cubed_y(capsys):
    _, out, _ = run(capsys, "hessian", "x^3 y", "--at", "x=1,y=2", "--format", "json")
    data = json.loads(out)
    assert data["hessian"] == [["6xy", "3x^2"], ["3x^2", "0"]]
    assert data["value"] == [[12, 3], [3, 0]]


def test_second_derivative_order(capsys):
    _, out, _ = run(capsys, "diff", "x^4", "--order", "2", "--format", "unicode")
    assert out.strip().endswith("12x²")


@pytest.mark.parametrize("argv", [
    ("diff", ""), ("diff", "(x"), ("diff", "9^9^9^9"), ("diff", "log(x)", "--at", "x=-1"),
    ("diff", "x^2", "--at", "x"), ("grad", "foo(x)"),
])
def test_bad_input_exits_2_with_one_line_on_stderr(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("bibun: error: ") and err.count("\n") == 1


def test_ambiguous_input_warns_on_stderr_but_succeeds(capsys):
    code, out, err = run(capsys, "diff", "1/2x")
    assert code == 0 and "warning" in err and "= 1/2" in out


def test_nondifferentiable_point_is_stated(capsys):
    _, out, _ = run(capsys, "diff", "relu(x)")
    assert "relu is not differentiable where x = 0" in out


def test_derivative_at_a_corner_is_refused(capsys):
    code, _, err = run(capsys, "diff", "relu(x)", "--at", "x=0")
    assert code == 2 and "not differentiable at x = 0" in err


def test_steps_in_japanese_use_the_seeds_vocabulary(capsys):
    code, out, _ = run(capsys, "diff", "(2x+3)^2", "--steps", "--lang", "ja")
    assert code == 0
    assert "中身を u と置く" in out and "外側の微分 × 内側の微分" in out and "4(2x + 3)" in out


def test_steps_as_json(capsys):
    _, out, _ = run(capsys, "diff", "sigmoid(x)", "--steps", "--format", "json")
    data = json.loads(out)
    assert data["final"]["text"].replace("−", "-") == "sigmoid(x)(1 - sigmoid(x))"


def test_forms_list_the_through_function_form(capsys):
    _, out, _ = run(capsys, "diff", "1/(1+e^-z)", "--forms")
    assert "sigmoid(z)(1 - sigmoid(z))" in out and "textbook" in out


def test_latex_input_is_detected(capsys):
    _, out, _ = run(capsys, "diff", r"\frac{1}{x^{3} + 1}")
    assert out.splitlines()[0].endswith("= -3x^2/(x^3 + 1)^2")


def test_formula_starting_with_minus_is_not_an_option(capsys):
    code, out, _ = run(capsys, "diff", "-x^2")
    assert code == 0 and out.strip().endswith("= -2x")


@pytest.mark.parametrize("argv", [
    ("diff", "x^2", "--order", "abc"), ("diff",), ("nosuch",), ("diff", "x", "--format", "xml"),
    ("diff", "x^2", "--wrt", "2"), ("diff", "x^2", "--wrt", "sin"), ("diff", "x^2", "--at", "x="),
    ("diff", "x^2", "--at", "x=1,x=2"), ("grad", "5"), ("hessian", "7"),
    ("grad", "|x| y", "--at", "x=0,y=1"), ("diff", "3.4.5"),
])
def test_usage_mistakes_are_one_line_errors(capsys, argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own checks exit directly
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("bibun: error: ") and err.count("\n") == 1


@pytest.mark.parametrize("formula", ["x|x|", "|x|^3", "relu(x)^2"])
def test_derivative_exists_at_zero_when_both_one_sided_slopes_agree(capsys, formula):
    code, out, _ = run(capsys, "diff", formula, "--at", "x=0")
    assert code == 0 and float(out.splitlines()[-1].rsplit(":", 1)[1]) == 0


def test_deep_nest_is_refused_quickly_on_the_command_line(capsys):
    code, _, err = run(capsys, "diff", "sin(" * 3000 + "x" + ")" * 3000)
    assert code == 2 and "nested 3,001 levels deep" in err


def test_mathml_format_and_value(capsys):
    _, out, _ = run(capsys, "diff", "sigmoid(x)", "--format", "mathml", "--at", "x=0")
    assert out.startswith("<math") and out.splitlines()[-1] == "at x = 0: 1/4"


def test_verify_at_a_given_point(capsys):
    code, out, _ = run(capsys, "diff", "x^2", "--verify", "--at", "x=3", "--format", "json")
    data = json.loads(out)
    assert code == 0 and [p["at"] for p in data["points"]] == [{"x": 3.0}]
