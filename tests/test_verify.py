"""Symbolic, numeric and automatic derivatives agree (each one the others' oracle)."""

from __future__ import annotations

import json

import pytest

from bibun.cli import main
from bibun.errors import BibunError
from bibun.verify import three_way

FORMULAS = [
    "(x^3+1)^2", "1/(x^3+1)", "(x^2+3x+1)^4", "log(sin(x^3-2))", "sigmoid(x)",
    "(e^x - e^-x)/(e^x + e^-x)", "tanh(x)", "a^x", "sqrt(x^2 + 1)", "atan(x) cosh(x)",
    "softplus(3x) - relu(x) x", "x^x", "asinh(x) + acos(x/3)", "cbrt(x^2 + 2)",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_three_way_agreement_on_seed_and_rule_formulas(formula):
    report = three_way(formula, "x", n=4, seed=1)
    assert report.agree, str(report)
    assert len(report.checks) == 4


def test_partial_derivative_is_checked_with_other_variables_fixed():
    report = three_way("(x^2+y^2) sin(xy)", "y", n=3)
    assert report.agree and all(set(c.point) == {"x", "y"} for c in report.checks)


def test_verify_at_extreme_inputs_stays_finite():
    report = three_way("sigmoid(x) + softplus(x)", "x", points=[{"x": 1000.0}, {"x": -1000.0}])
    assert report.agree


def test_cli_verify_json(capsys):
    code = main(["diff", "(x^3+1)^2", "--verify", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["agree"] and len(data["points"]) == 5


def test_verify_table_renders_in_japanese_and_str_stays_english():
    report = three_way("x^2", "x", n=2, seed=1)
    ja = report.render("ja")
    assert "3 通りの検算" in ja and "記号微分" in ja and "数値微分" in ja and "自動微分" in ja
    assert "一致" in ja
    for english in ("three-way", "symbolic", "agree", "largest relative difference"):
        assert english not in ja
    assert str(report) == report.render("en")
    assert str(report).startswith("three-way check of d/dx [x^2] = 2x")
    assert "agree: largest relative difference" in str(report)


@pytest.mark.parametrize("formula", ["f(x)", "f(x) g(x)", "sin(h(x))"])
def test_verify_refuses_unknown_functions_by_name(formula):
    with pytest.raises(BibunError, match="unknown functions .* cannot be evaluated numerically"):
        three_way(formula)


def test_cli_verify_of_an_unknown_function_says_why(capsys):
    code = main(["diff", "f(x)", "--verify"])
    _, err = capsys.readouterr()
    assert code != 0
    assert "cannot be evaluated numerically" in err and "no point in" not in err


def test_random_points_avoid_the_edge_of_acosh():
    v = three_way("acosh(x)", n=3)
    assert v.checks and all(c.point["x"] != 1 for c in v.checks)
