"""`bibun diff/grad/hessian`: textbook output, JSON fields, exit codes."""

from __future__ import annotations

import json

import pytest

import bibun
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


@pytest.mark.parametrize("text,why", [
    ("relu(x)", "a corner"), ("sign(x)", "a jump"), ("step(x)", "a jump"),
    ("sqrt(x)", "an edge of the domain"), ("cbrt(x)", "a vertical tangent"),
])
def test_derivative_at_a_possible_corner_names_what_is_there(capsys, text, why):
    code, _, err = run(capsys, "diff", text, "--at", "x=0")
    assert code == 2 and f"not differentiable at x = 0 ({why}" in err


@pytest.mark.parametrize("text", ["x|x|", "|x|^3", "x^2 sign(x)"])
def test_smooth_despite_a_possible_corner_gives_the_value(capsys, text):
    code, out, _ = run(capsys, "diff", text, "--at", "x=0")
    assert code == 0 and out.rstrip().endswith("at x = 0: 0")


def test_steps_in_japanese_use_the_seeds_vocabulary(capsys):
    code, out, _ = run(capsys, "diff", "(2x+3)^2", "--steps", "--lang", "ja")
    assert code == 0
    assert "u = 2x + 3 とおくと" in out and "外側の微分 × 内側の微分" in out and "4(2x + 3)" in out


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
    assert code == 2 and "nested 3,000 levels deep" in err


def test_nesting_depth_counts_operations_so_the_limit_is_exact():
    from bibun.cli.diff import MAX_DEPTH, nesting_depth

    assert nesting_depth(bibun.parse("x")) == 0 and nesting_depth(bibun.parse("sin(x)")) == 1
    at_limit = bibun.parse("sin(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)
    assert nesting_depth(at_limit) == MAX_DEPTH  # accepted: the limit is "up to"


def test_mathml_format_and_value(capsys):
    _, out, _ = run(capsys, "diff", "sigmoid(x)", "--format", "mathml", "--at", "x=0")
    assert out.startswith("<math") and out.splitlines()[-1] == "at x = 0: 1/4"


def test_verify_at_a_given_point(capsys):
    code, out, _ = run(capsys, "diff", "x^2", "--verify", "--at", "x=3", "--format", "json")
    data = json.loads(out)
    assert code == 0 and [p["at"] for p in data["points"]] == [{"x": 3.0}]


# -- every line of `bibun diff` in the chosen language --------------------------------------


def test_note_at_and_forms_title_are_japanese_with_lang_ja(capsys):
    code, out, _ = run(capsys, "diff", "relu(x)", "--lang", "ja", "--forms", "--at", "x=2")
    assert code == 0
    assert "  注意：relu は x = 0 のところで微分できません" in out.splitlines()
    assert "  x = 2 のとき：1" in out.splitlines() and "別の形：" in out.splitlines()
    assert "note:" not in out and "forms:" not in out and "at x" not in out


def test_note_at_and_forms_title_stay_english_with_lang_en(capsys):
    _, out, _ = run(capsys, "diff", "relu(x)", "--lang", "en", "--forms", "--at", "x=2")
    lines = out.splitlines()
    assert "  note: relu is not differentiable where x = 0" in lines
    assert "  at x = 2: 1" in lines and "forms:" in lines


def test_value_line_of_other_formats_follows_lang(capsys):
    _, out, _ = run(capsys, "diff", "x^2", "--format", "latex", "--at", "x=2", "--lang", "ja")
    assert out.splitlines() == ["2 x", "x = 2 のとき：4"]


def test_japanese_form_labels_line_up_by_display_width(capsys):
    _, out, _ = run(capsys, "diff", "1/(1+e^-z)", "--forms", "--lang", "ja")
    import unicodedata

    def width(s):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    rows = out.splitlines()[out.splitlines().index("別の形：") + 1:]
    formulas = ["e^(-z)/(1 + e^(-z))^2", "sigmoid(z)(1 - sigmoid(z))", "y(1 - y)"]
    starts = {width(row[:row.rindex(f)]) for row, f in zip(rows, formulas, strict=True)}
    assert len(starts) == 1, rows  # one column, after the widest label and two spaces
    assert all(row[row.rindex(f) - 2:row.rindex(f)] == "  " for row, f in zip(rows, formulas))


def test_steps_for_a_second_derivative_differentiate_the_first_again(capsys):
    code, out, _ = run(capsys, "diff", "x^3 sin x", "--steps", "--order", "2")
    assert code == 0
    first, second = out.split("Order 2: differentiate the result once more")
    assert "Answer: dy/dx = x³ cos(x) + 3x² sin(x)" in first
    assert "Differentiate y′ = x³ cos(x) + 3x² sin(x) with respect to x" in second
    assert "Answer: dy′/dx = 6x sin(x) + 6x² cos(x) − x³ sin(x)" in second
    assert bibun.diff("x^3 sin x", "x", 2) is bibun.parse("6x sin(x) + 6x^2 cos(x) - x^3 sin(x)")
    code, out, _ = run(capsys, "diff", "sigmoid(x)", "--steps", "--order", "3", "--format",
                       "json")
    assert code == 0 and len(json.loads(out)) == 3


@pytest.mark.parametrize("argv, message", [
    (("x^2", "--order", "2", "--forms"), "--order を外してください"),
    (("x^2", "--order", "5", "--steps"), "4 階の微分まで"),
    (("x^2", "--steps", "--format", "python"), "python 形式はありません"),
    (("x^2", "--wrt", "2"), "変数名を指定してください"),
])
def test_diff_errors_follow_lang(capsys, argv, message):
    code, out, err = run(capsys, "diff", *argv, "--lang", "ja")
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_verify_report_follows_lang(capsys):
    _, out, _ = run(capsys, "diff", "x^2", "--verify", "--lang", "ja")
    assert "3 通りの検算" in out and "一致" in out


def test_check_and_equal_warnings_are_bibun_lines_not_python_warnings(capsys):
    for argv in (("check", "1/2x", "1/2"), ("equal", "1/2x", "x/2", "--lang", "ja")):
        code, out, err = run(capsys, *argv)
        assert code == 0 and "ParseWarning" not in err
        assert err.startswith("bibun: warning: '1/2x'"), err


def test_equal_names_which_formula_is_unreadable(capsys):
    code, _, err = run(capsys, "equal", "x", "(x", "--lang", "ja")
    assert code == 2 and "2 つ目の式を読み取れません" in err
    code, _, err = run(capsys, "equal", "x +", "x")
    assert code == 2 and "cannot read the first formula" in err


def test_check_messages_follow_lang(capsys):
    code, out, _ = run(capsys, "check", "x^2", "3x", "--lang", "ja")
    assert code == 1 and "残念" in out
    code, _, err = run(capsys, "check", "x^2", "2(", "--lang", "ja")
    assert code == 2 and "答えを読み取れません" in err


# -- corners that cannot happen are not noted ----------------------------------------------


@pytest.mark.parametrize("formula, noted", [
    ("sqrt(x^2+1)", False), ("sqrt(x^2-1)", True), ("abs(x^2+1)", False),
    ("relu(exp(x))", False), ("abs(x)", True),
])
def test_corner_note_only_where_the_argument_can_be_zero(capsys, formula, noted):
    code, out, _ = run(capsys, "diff", formula)
    assert code == 0 and ("not differentiable" in out) == noted


# -- a derivative operator in the input -----------------------------------------------------


@pytest.mark.parametrize("formula, answer", [
    ("d/dx (x^2 sin x)", "d/dx [x^2 sin(x)] = 2x sin(x) + x^2 cos(x)"),
    (r"\frac{d}{dx}\left(x^2\sin x\right)", "d/dx [x^2 sin(x)] = 2x sin(x) + x^2 cos(x)"),
    (r"\frac{d}{dx} x^2", "d/dx [x^2] = 2x"),
    (r"\dfrac{d}{dx}(x^3 + 1)", "d/dx [x^3 + 1] = 3x^2"),
    (r"\frac{\partial}{\partial y}(x^2 y)", "∂/∂y [x^2 y] = x^2"),
    ("∂/∂y (x^2 y)", "∂/∂y [x^2 y] = x^2"),
    ("d/dt(t^3)", "d/dt [t^3] = 3t^2"),
])
def test_diff_reads_a_leading_derivative_operator(capsys, formula, answer):
    code, out, err = run(capsys, "diff", formula)
    assert code == 0 and out.splitlines()[0] == answer, (out, err)


def test_derivative_operator_and_the_same_wrt_agree(capsys):
    code, out, _ = run(capsys, "diff", "∂/∂y (x^2 y)", "--wrt", "y", "--format", "json")
    assert code == 0 and json.loads(out)["variable"] == "y"


@pytest.mark.parametrize("lang, message", [("en", "but --wrt gives x"), ("ja", "--wrt には x")])
def test_derivative_operator_contradicting_wrt_is_an_error(capsys, lang, message):
    code, out, err = run(capsys, "diff", "∂/∂y (x^2 y)", "--wrt", "x", "--lang", lang)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_derivative_operator_alone_points_at_the_column(capsys):
    code, _, err = run(capsys, "diff", "d/dx")
    assert code == 2 and "needs the expression to differentiate" in err and "(column 5)" in err


def test_derivative_operator_mid_formula_is_an_error(capsys):
    code, _, err = run(capsys, "diff", "x + d/dx(x^2)")
    assert code == 2 and "only at the start" in err and "(column 5)" in err


def test_derivative_operator_works_with_steps_order_and_check(capsys):
    code, out, _ = run(capsys, "diff", "d/dt(t^3)", "--steps")
    assert code == 0 and "3t²" in out
    code, out, _ = run(capsys, "diff", "d/dx (x^3)", "--order", "2")
    assert code == 0 and out.splitlines()[0] == "d^2/dx^2 [x^3] = 6x"
    code, out, _ = run(capsys, "check", "∂/∂y (x^2 y)", "x^2")
    assert code == 0 and "Correct" in out
    code, _, err = run(capsys, "check", "∂/∂y (x^2 y)", "x^2", "--wrt", "x")
    assert code == 2 and "--wrt" in err


def test_grad_does_not_take_a_derivative_operator(capsys):
    code, _, err = run(capsys, "grad", "d/dx (x^2)")
    assert code == 2 and "derivative operator" in err


def test_output_into_a_closed_pipe_is_not_an_error():
    """``bibun diff ... | head -c 20``: the reader leaves early; no error line, exit 0."""
    import subprocess
    import sys

    run = "import sys; from bibun.cli import main; sys.exit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", run, "diff", "sin(sin(sin(sin(sin(sin(x))))))", "--order", "8"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(20)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and err == ""


def test_variable_names_match_the_formula_however_typed(capsys):
    code, out, _ = run(capsys, "diff", "x_1^2", "--wrt", "x_1", "--at", "x_1=2")
    assert code == 0 and "d/dx1 [x1^2] = 2x1" in out and "at x1 = 2: 4" in out
    code, out, _ = run(capsys, "diff", "d/dalpha (alpha x^2)", "--wrt", "α")
    assert code == 0 and "= x^2" in out
