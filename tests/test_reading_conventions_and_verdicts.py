"""A source's declared conventions, the problem's own function names in its answer, an
answer right only where x > 0, one diagnosis with its evidence, and the domain of a
folded inverse composition (issue 12: the corpus items that were not at 100%)."""

from __future__ import annotations

import json
import warnings

import pytest

import bibun
from bibun.errors import ParseError
from bibun.explain import check_answer, derivation
from bibun.explain.equality import equal
from bibun.expr.parse import ParseWarning, reading_conventions


def _same(a, b) -> bool:
    return equal(a, b)


@pytest.mark.parametrize("text", ["log(sec x)", r"\log (\sec x)", "log x^2 + 1"])
def test_a_declared_base_10_log_reads_a_bare_log_as_log_10(text):
    with reading_conventions(log=10):
        e = bibun.parse(text)
    assert "log" in str(e) or "ln" in str(e)
    assert _same(e, bibun.parse(text.replace("\\log", "log_10").replace("log", "log_10")
                                if "\\" not in text else r"\log_{10} (\sec x)"))
    assert not _same(e, bibun.parse(text))  # outside the block: bibun's natural log again


@pytest.mark.parametrize("text", ["ln x", r"\ln x", "log_2 x", r"\log_e x", "log10(x)"])
def test_the_base_10_convention_leaves_ln_and_written_bases_alone(text):
    with reading_conventions(log=10):
        inside = bibun.parse(text)
    assert inside is bibun.parse(text)


def test_the_convention_refuses_a_base_that_is_not_a_number():
    with pytest.raises(ValueError), reading_conventions(log="x"):
        pass


def test_an_answer_may_apply_the_function_name_the_problem_defined():
    r = check_answer("Sig(x) = 1/(1+e^-x)", "Sig(x)(1-Sig(x))", "x")
    assert r.correct
    wrong = check_answer("Sig(x) = 1/(1+e^-x)", "Sig(x)(1+Sig(x))", "x")
    assert not wrong.correct
    with pytest.raises(ParseError, match="Sig"):  # without the definition: still unknown
        bibun.parse("Sig(x)(1-Sig(x))")


def test_a_latex_group_after_a_log_carries_the_power_it_shows():
    """\\log_3{7}^{x^2-4} prints log₃ 7^(x²−4): the braces do not print, the power is on 7;
    {(6x^4+3)}^{5} keeps its printed brackets and stays (log …)^5 with a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = bibun.parse(r"{\log}_{3}{7}^{{x}^{2}-4}", latex=True)
    assert _same(e, bibun.parse("log_3(7^(x^2-4))"))
    with pytest.warns(ParseWarning, match="power of the logarithm"):
        bibun.parse(r"{\log}_{7}{(6{x}^{4}+3)}^{5}", latex=True)


def test_an_answer_right_only_where_x_is_positive_is_told_so_not_called_wrong():
    r = check_answer("cosh^-1(sec x)", "sec x", "x")
    assert not r.correct and r.verdict == "correct_where" and r.holds_where == ("x", ">")
    en, ja = r.message("en"), r.message("ja")
    assert "Right where x > 0" in en and "Not quite" not in en
    assert "x > 0 の範囲では正しい答えです" in ja and "残念" not in ja
    assert r.to_json()["holds_where"] == "x > 0"
    assert check_answer("x^2", "3x").verdict == "wrong"


@pytest.mark.parametrize("expr, answer, code", [
    ("sin(x^2)", "cos(x^2)", "missing_inner_derivative"),
    ("x^2 sin(x)", "2x cos(x)", "product_of_derivatives"),
    ("e^2 + ln(17)", "e^2 + ln(17)", "not_differentiated"),  # a constant given back
    ("x^3 + 5", "x^3 + 5", "not_differentiated"),
    ("e^(4x)", "e^(4x)", "missing_inner_derivative"),  # more likely than "copied"
    ("1/(1+e^-x)", "-e^(-x)/(1+e^(-x))^2", "missing_inner_derivative"),
])
def test_a_wrong_answer_gets_one_diagnosis_with_its_evidence(expr, answer, code):
    r = check_answer(expr, answer, "t" if "t" in expr and "x" not in expr else "x")
    assert r.codes == [code]
    ev = r.diagnosis[0].evidence
    assert ev["points"] >= 3 and _same(bibun.parse(ev["model"]), bibun.parse(answer))
    assert "Evidence:" in r.message("en") and "根拠：" in r.message("ja")
    assert json.dumps(r.to_json()["diagnosis"][0]["evidence"], ensure_ascii=False)


def test_a_constant_factor_names_the_factor_as_evidence():
    r = check_answer("x^4", "2x^3")
    assert r.codes == ["constant_factor"] and r.diagnosis[0].evidence["factor"] == "1/2"


@pytest.mark.parametrize("f, identity, condition", [
    ("sin(asin(x))", "sin(asin(x)) = x", "|x| ≤ 1"),
    ("cos(acos(2x))", "cos(acos(2x)) = 2x", "|2x| ≤ 1"),
    ("cosh(acosh(x))", "cosh(acosh(x)) = x", "x ≥ 1"),
])
def test_a_folded_inverse_composition_says_where_it_holds(f, identity, condition):
    d = derivation(bibun.parse(f), "x")
    en, ja = d.render(lang="en"), d.render(lang="ja")
    assert f"{identity} holds where {condition}, where" in en
    assert f"{identity} は" in ja and f"{condition} の範囲で成り立ちます" in ja


@pytest.mark.parametrize("f", ["sin(atan(x))", "asin(x)", "sin(x)"])
def test_no_domain_note_where_nothing_restricted_is_folded(f):
    assert "where it is defined" not in derivation(bibun.parse(f), "x").render(lang="en")
    assert "holds where" not in derivation(bibun.parse(f), "x").render(lang="en")


def test_an_answer_off_by_ln_10_names_the_base_10_convention():
    r = check_answer("log(sec x)", "tan x/ln 10", "x")
    assert r.codes == ["log_base_10"]
    assert "--log10" in r.message("en") and "常用対数" in r.message("ja")


def test_the_cli_reads_a_bare_log_as_base_10_with_log10(capsys):
    from bibun.cli import main

    assert main(["check", "log(sec x)", "tan x/ln 10", "--log10"]) == 0
    assert main(["check", "log(sec x)", "tan x/ln 10"]) == 1
    capsys.readouterr()
    assert main(["diff", "log(x)", "--log10", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert equal(out["derivative"], "1/(x ln(10))")


@pytest.mark.parametrize("f, answer", [
    ("sin(asin(x))", "1"), ("cosh(acosh(x))", "1"), ("sinh(acosh(x^2))", "2x^3/sqrt(x^4 - 1)"),
])
def test_inverse_compositions_fold_on_their_domain(f, answer):
    assert bibun.diff(f, "x") is bibun.parse(answer)


def test_the_notebook_display_says_right_where_not_wrong():
    html = check_answer("cosh^-1(sec x)", "sec x", "x")._repr_mimebundle_()["text/html"]
    assert "Correct where x &gt; 0" in html or "Correct where x > 0" in html


def test_a_root_note_names_the_point_where_the_function_has_no_derivative():
    """acosh has its vertical tangent at 1: the steps said "where x = 0" before."""
    text = derivation(bibun.parse("acosh(x)"), "x").render(lang="en")
    assert "Not differentiable where x = 1" in text and "where x = 0" not in text
