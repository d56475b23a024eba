"""Answer checking: correct in many forms, typical mistakes diagnosed, bad input refused."""

from __future__ import annotations

import json

import pytest

import bibun
from bibun.cli import main
from bibun.errors import BibunError, ParseError
from bibun.explain import check_answer, compare, equal, forms


@pytest.mark.parametrize("expr, answer", [
    ("1/(x^3+1)", "-3x^2/(x^3+1)^2"),
    ("1/(x^3+1)", "-3x^2 (x^3+1)^(-2)"),
    ("1/(x^3+1)", r"\frac{-3x^2}{(x^3+1)^2}"),
    ("1/(x^3+1)", "-3x^2/(x^6 + 2x^3 + 1)"),
    ("(x^3+1)^2", "6x^5 + 6x^2"),
    ("(x^3+1)^2", "2(x^3+1) * 3x^2"),
    ("log(sin(x^3-2))", "3x^2/tan(x^3-2)"),
    ("log(sin(x^3-2))", "3x^2 cot(x^3-2)"),
    ("log(sin(x^3-2))", "3x^2 cos(x^3-2)/sin(x^3-2)"),
    ("sigmoid(x)", "sigmoid(x)(1 - sigmoid(x))"),
    ("sigmoid(x)", "e^-x/(1+e^-x)^2"),
    ("sigmoid(x)", "1/(4cosh(x/2)^2)"),              # SymPy's form: correct, just odd
    ("1/(1+e^-x)", "sigmoid(x)(1-sigmoid(x))"),
    ("tanh(x)", "1 - tanh(x)^2"),
    ("tanh(x)", "1/cosh(x)^2"),
    ("tanh(x)", "4e^(2x)/(e^(4x) + 2e^(2x) + 1)"),
    ("(e^x - e^-x)/(e^x + e^-x)", "1 - tanh(x)^2"),
    ("sin(x)^2", "2sin(x)cos(x)"),
    ("sin(x)^2", "sin(2x)"),
    ("x^2 + y^2", "2x"),
    ("f(g(x))", "f'(g(x)) g'(x)"),
    ("a^x", "a^x ln(a)"),
    (r"f(z) = \frac{1}{1 + e^{-z}}", r"\sigma(z)\left(1 - \sigma(z)\right)"),
])
def test_correct_answers_in_equivalent_forms(expr, answer):
    r = check_answer(expr, answer)
    assert r.correct, r.message("en")
    assert r.counterexample is None and r.diagnosis == []


def test_symbolic_decision_comes_first():
    assert check_answer("(x^3+1)^2", "6x^5 + 6x^2").method == "symbolic"
    r = check_answer("sin(x)^2", "sin(2x)")
    assert r.method == "numeric" and r.points >= 16


@pytest.mark.parametrize("expr, answer, code", [
    ("log(sin(x^3-2))", "2x^2/tan(x^3-2)", "constant_factor"),  # the seed's own slip
    ("(x^3+1)^2", "2(x^3+1)", "missing_inner_derivative"),
    ("sin(x^2)", "cos(x^2)", "missing_inner_derivative"),
    ("f(g(x))", "f'(g(x))", "missing_inner_derivative"),
    ("x^2 sin(x)", "2x cos(x)", "product_of_derivatives"),
    ("cos(x)", "sin(x)", "sign_error"),
    ("x^2 - 3x", "2x + 3", "sign_error"),
    ("x^3", "3x^3", "exponent_not_lowered"),
    ("sin(x)/x", "(sin(x) - x cos(x))/x^2", "quotient_numerator_order"),
    ("sin(x)/x", "(x cos(x) - sin(x))/x", "quotient_denominator"),
    ("x^4", "2x^3", "constant_factor"),
    ("x/(x+1)", "1", "quotient_of_derivatives"),
    ("sin(x)/x^2", "cos(x)/(2x)", "quotient_of_derivatives"),
    ("x^3 + sin(x)", "3x^2 + sin(x)", "not_differentiated"),
    ("x^2 + e^(2x)", "2x + e^(2x)", "missing_inner_derivative"),  # the more specific one
])
def test_typical_mistakes_are_wrong_with_the_right_diagnosis(expr, answer, code):
    r = check_answer(expr, answer)
    assert not r.correct
    assert r.codes[0] == code, r.codes  # the most specific first
    d = r.diagnosis[0]
    assert d.en and d.ja and d.text("ja") == d.ja


def test_seed_slip_says_two_thirds_in_both_languages():
    r = check_answer("log(sin(x^3-2))", "2x^2/tan(x^3-2)")
    assert r.codes == ["constant_factor"]
    assert "2/3 times" in r.diagnosis[0].en and "2/3 倍" in r.diagnosis[0].ja
    assert r.expected is bibun.parse("3x^2 cos(x^3-2)/sin(x^3-2)")
    assert "3x²/tan(x³ − 2)" in r.message("en")


def test_missing_inner_derivative_names_the_inside():
    r = check_answer("(x^3+1)^2", "2(x^3+1)")
    assert "x³ + 1" in r.diagnosis[0].en and "内側の微分" in r.diagnosis[0].ja


def test_counterexample_has_a_point_and_both_values():
    r = check_answer("x^3", "3x^3")
    c = r.counterexample
    assert c is not None
    x = c.point["x"]
    assert c.expected == pytest.approx(3 * x**2) and c.answer == pytest.approx(3 * x**3)
    assert "x = " in r.message("en") and "のとき" in r.message("ja")


def test_answer_with_other_variables_is_an_error():
    with pytest.raises(BibunError, match="uses t, which the expression"):
        check_answer("x^2", "2t")


def test_unparsable_answer_is_an_error_with_a_column():
    with pytest.raises(ParseError) as info:
        check_answer("x^2", "2x +")
    assert "cannot read the answer" in str(info.value) and info.value.column == 5


def test_no_common_domain_is_an_error():
    with pytest.raises(BibunError, match="no common domain"):
        check_answer("log(-1 - x^2)", "x")


def test_json_fields():
    data = check_answer("x^3", "3x^3").to_json("ja")
    assert data["correct"] is False and data["expected"] == "3x^2"
    assert set(data["counterexample"]) == {"point", "expected", "answer"}
    assert data["diagnosis"][0]["code"] == "exponent_not_lowered"
    assert data["diagnosis"][0]["message"] == data["diagnosis"][0]["ja"]


def test_equal_and_compare():
    assert equal("sigmoid(x)(1 - sigmoid(x))", "e^-x/(1+e^-x)^2")
    assert equal("sin(x)^2 + cos(x)^2", "1")
    assert equal(r"\frac{1}{1+e^{-x}}", "sigmoid(x)")
    assert not equal("x", "-x")
    c = compare("x^2", "x^3")
    assert not c and c.counterexample is not None
    assert c.counterexample.expected != c.counterexample.answer


# -- forms -------------------------------------------------------------------------------


def test_forms_of_the_sigmoid_derivative():
    d = bibun.diff("1/(1+e^-x)")
    fs = forms(d, "1/(1+e^-x)")
    keys = [f.key for f in fs]
    assert keys[:3] == ["textbook", "through", "in_terms"]
    by_key = {f.key: f for f in fs}
    assert by_key["through"].expr is bibun.parse("sigmoid(x)(1 - sigmoid(x))")
    assert by_key["in_terms"].expr is bibun.parse("y(1 - y)")
    label_en, label_ja, expr = fs[0]
    assert label_en == "textbook form" and label_ja == "教科書の形" and expr is d


def test_forms_are_all_equal_and_distinct():
    for expr in ("(x^3+1)^2", "tanh(x)", "1/(x^3+1)", "x/(x+1)"):
        d = bibun.diff(expr)
        fs = forms(d, expr)
        assert len({id(f.expr) for f in fs}) == len(fs)
        for f in fs:
            if f.key != "in_terms":
                assert equal(f.expr, d), (expr, f)
    fs = {f.key: f.expr for f in forms(bibun.diff("(x^3+1)^2"))}
    assert fs["expanded"] is bibun.parse("6x^5 + 6x^2")
    fs = {f.key: f.expr for f in forms(bibun.diff("tanh(x)"), "tanh(x)")}
    assert fs["in_terms"] is bibun.parse("1 - y^2") and "exponential" in fs


# -- CLI ---------------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_check_exit_codes(capsys):
    code, out, _ = run(capsys, "check", "1/(x^3+1)", "-3x^2/(x^3+1)^2", "--lang", "en")
    assert code == 0 and out.startswith("Correct")
    code, out, _ = run(capsys, "check", "log(sin(x^3-2))", "2x^2/tan(x^3-2)", "--lang", "ja")
    assert code == 1 and "定数倍がずれています" in out
    code, _, err = run(capsys, "check", "x^2", "2x +")
    assert code == 2 and "cannot read the answer" in err
    code, _, err = run(capsys, "check", "x^2", "2t")
    assert code == 2 and "uses t" in err


@pytest.mark.parametrize("answer", ["y' = 2x", "dy/dx = 2x", "f'(x) = 2x", "d/dx(x^2) = 2x",
                                    "(x^2)' = 2x"])
def test_cli_check_accepts_a_left_side_that_names_the_derivative(capsys, answer):
    code, out, _ = run(capsys, "check", "x^2", answer, "--lang", "en")
    assert code == 0 and out.startswith("Correct"), out


def test_cli_check_left_side_still_reports_errors_in_the_right_side(capsys):
    code, _, err = run(capsys, "check", "x^2", "d/dx(x^2) = 2x +")
    assert code == 2 and "cannot read the answer" in err


def test_cli_check_json_and_wrt(capsys):
    code, out, _ = run(capsys, "check", "x^2 + y^2", "2y", "--wrt", "y", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["correct"] is True and data["variable"] == "y"
    code, out, _ = run(capsys, "check", "x^2 sin(x)", "2x cos(x)", "--format", "json")
    data = json.loads(out)
    assert code == 1 and {"correct", "expected", "counterexample", "diagnosis"} <= set(data)
    assert data["diagnosis"][0]["code"] == "product_of_derivatives"


def test_cli_equal(capsys):
    code, out, _ = run(capsys, "equal", "sin(x)^2 + cos(x)^2", "1", "--lang", "en")
    assert code == 0 and out.startswith("Equal")
    code, out, _ = run(capsys, "equal", "x", "-x", "--lang", "ja")
    assert code == 1 and "同じ関数ではありません" in out
    code, _, err = run(capsys, "equal", "log(-1-x^2)", "x")
    assert code == 2 and "no common domain" in err
    code, out, _ = run(capsys, "equal", r"\frac{1}{1+e^{-x}}", "sigmoid(x)", "--format", "json")
    assert code == 0 and json.loads(out)["equal"] is True


# -- constant differences and domains are never "equal" ------------------------------------


@pytest.mark.parametrize("a, b, diff", [("x", "x + 1e-9", -1e-9), ("(x+1)^2", "x^2+2x+1.5", -0.5),
                                         ("x + 1/3", "x", 1 / 3)])
def test_a_nonzero_constant_difference_is_never_equal(a, b, diff):
    c = compare(a, b, lang="en")
    assert not c.equal and c.method == "symbolic"
    assert c.difference == pytest.approx(diff, rel=1e-9)
    assert "differ by a constant" in c.message("en")
    assert "定数" in c.message("ja")
    assert c.to_json()["difference"] == pytest.approx(diff, rel=1e-9)


def test_check_an_answer_off_by_a_tiny_constant_is_wrong():
    r = check_answer("x^2", "2x + 1e-10", lang="en")
    assert not r.correct
    assert r.difference == pytest.approx(1e-10)
    assert "by the constant 1e-10" in r.message("en")


def test_check_api_payload_off_by_1e_12_is_wrong_and_says_by_how_much():
    r = check_answer("x", "1 + 1e-12", lang="en")  # what /api/check runs
    data = r.to_json("en")
    assert data["correct"] is False
    assert data["difference"] == 1e-12  # the digits that survive floating point
    assert "1e-12" in data["message"]


@pytest.mark.parametrize("a, b, undefined", [("log(x^2)", "2log(x)", "2ln(x)"),
                                             ("x^(1/3)", "cbrt(x)", "x^(1/3)")])
def test_formulas_defined_on_different_domains_are_not_equal(a, b, undefined):
    c = compare(a, b, lang="en")
    assert not c.equal
    ce = c.counterexample
    assert ce is not None and ce.domains_differ
    assert min(ce.point.values()) < 0  # both differ for x < 0
    msg = c.message("en")
    assert "not defined at the same points" in msg and f"{undefined} is undefined" in msg
    assert "定義される範囲が違います" in c.message("ja")
    json.dumps(c.to_json())  # no NaN: the undefined side is null


@pytest.mark.parametrize("a, b", [("(x^2-1)/(x-1)", "x+1"), ("sign(x)", "x/|x|"),
                                  ("sin(x)^2 + cos(x)^2", "1")])
def test_forms_undefined_only_at_isolated_points_stay_equal(a, b):
    assert equal(a, b)


def test_equal_cli_reports_the_domain_difference(capsys):
    code, out, _ = run(capsys, "equal", "log(x^2)", "2log(x)", "--lang", "en")
    assert code == 1 and "not defined at the same points" in out


def test_terms_that_cancel_to_rounding_noise_count_as_equal():
    """sin(2x) − 2 sin(x)cos(x) is about 1e-16, not 0, at most points."""
    from bibun.explain import check_answer, equal

    assert check_answer("sin(2x) - 2sin(x)cos(x)", "0").correct
    assert equal("cos(x)^2 - sin(x)^2 - cos(2x)", "0")
    assert not equal("x", "x + 1e-6")


def test_an_infinite_value_is_an_uncertain_gap_but_a_stated_domain_is_certain():
    from bibun.explain.equality import _defined_at

    assert _defined_at(bibun.parse("sinh(x)"), {"x": 1000.0}) == (None, False)
    assert _defined_at(bibun.parse("log(x)"), {"x": -1.0}) == (None, True)
    assert _defined_at(bibun.parse("x^2"), {"x": 3.0}) == (9.0, True)
