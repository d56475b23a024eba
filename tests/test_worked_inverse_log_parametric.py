"""Logarithmic differentiation, derivatives through the inverse function and parametric
curves agree with the ordinary derivative on textbook problems, and on a few problems of
our own marked "in the style of ... (not a book exercise)", in English and Japanese.

Sources: OpenStax Calculus Volume 1 (2016) §3.9 Derivatives of Exponential and
Logarithmic Functions (logarithmic differentiation), §3.7 Derivatives of Inverse
Functions; OpenStax Calculus Volume 2 §7.2 Calculus of Parametric Curves; APEX Calculus
(Hartman, v4.0) §9.3 Calculus and Parametric Equations (§2.6 and §2.7 only as the style of
our own problems); seed 004 for (log x)′ through x = e^y. Numbers were checked against the
OpenStax CNXML source (github.com/openstax/osbooks-calculus-bundle) and the APEX v4 LaTeX
source (github.com/APEXCalculus/APEXCalculusV4).
"""

from __future__ import annotations

import math

import pytest

import bibun
from bibun.calculus import derive, log_diff, parametric_diff, via_inverse
from bibun.errors import BibunError
from bibun.expr.parse import parse

LOGARITHMIC = [
    ("OpenStax Calc 1 §3.9", "Example 3.81", "(2x^4 + 1)^tan(x)"),
    ("OpenStax Calc 1 §3.9", "Example 3.82", "x sqrt(2x + 1)/(e^x sin(x)^3)"),
    ("OpenStax Calc 1 §3.9", "Checkpoint 3.54", "x^x"),
    ("in the style of OpenStax Calc 1 §3.9", "not a book exercise", "x^(sin(x))"),
    ("in the style of OpenStax Calc 1 §3.9", "not a book exercise", "(1 + 1/x)^x"),
    ("in the style of APEX Calculus §2.6", "not a book exercise", "x^(x^2)"),
]

INVERSE = [
    ("seed 004", "(log x)' through x = a^y", "log(x)"),
    ("OpenStax Calc 1 §3.7", "Example 3.63", "asin(x)"),
    ("OpenStax Calc 1 §3.7", "Theorem 3.13", "acos(x)"),
    ("OpenStax Calc 1 §3.7", "Checkpoint 3.45", "atan(x)"),
    ("in the style of APEX Calculus §2.7", "not a book example", "sqrt(x)"),
]

PARAMETRIC = [
    ("in the style of APEX Calculus §9.3", "not a book exercise", "x = t^2, y = t^3", "1"),
    ("APEX Calculus §9.3", "Example 9.3.2 (unit circle)", "x = cos t, y = sin t", "pi/3"),
    ("in the style of OpenStax Calc 2 §7.2", "not a book exercise", "x = 2t + 3, y = 3t - 4", "2"),
    ("OpenStax Calc 2 §7.2", "Example 7.4 (first curve)", "x = t^2 - 3, y = 2t - 1", "1"),
]


def _close(a, b, x0):
    assert math.isclose(float(a.evaluate(x=x0)), float(b.evaluate(x=x0)), rel_tol=1e-9)


@pytest.mark.parametrize(("source", "number", "f"), LOGARITHMIC,
                         ids=[f"{s} {n}" for s, n, _ in LOGARITHMIC])
def test_logarithmic_derivative_equals_the_rules_in_both_languages(source, number, f):
    w = log_diff(f)
    for x0 in (0.4, 0.9, 1.3):
        _close(w.answer, bibun.diff(f), x0)
    assert "y'/y" in w.render("en") and "手順" in w.render("ja")
    assert w.render("ja", "latex") and w.render("en", "json")


@pytest.mark.parametrize(("source", "number", "f"), INVERSE,
                         ids=[f"{s} {n} {f}" for s, n, f in INVERSE])
def test_inverse_function_derivative_equals_the_rules_in_both_languages(source, number, f):
    w = via_inverse(f)
    for x0 in (0.2, 0.5, 0.7):
        _close(w.answer, bibun.diff(f), x0)
    assert "dx/dy" in w.render("en") and "逆関数" in w.render("ja")


@pytest.mark.parametrize(("source", "number", "curve", "t0"), PARAMETRIC,
                         ids=[f"{s} {n}" for s, n, _, _ in PARAMETRIC])
def test_parametric_slope_is_dy_dt_over_dx_dt(source, number, curve, t0):
    r = parametric_diff(curve, at=t0)
    x, y = (parse(p.split("=")[1]) for p in curve.split(","))
    t = float(parse(t0).evaluate())
    want = bibun.diff(y, "t").evaluate(t=t) / bibun.diff(x, "t").evaluate(t=t)
    assert math.isclose(float(r.value.evaluate()), float(want), rel_tol=1e-9)
    assert "dy/dx" in r.render("en") and "媒介変数" in r.render("ja")


def test_unit_circle_slope_is_minus_cot_t():
    r = parametric_diff("x = cos t, y = sin t")
    assert str(r.derivative) == "-1/tan(t)"


def test_each_method_refuses_what_it_does_not_cover():
    with pytest.raises(BibunError, match="vertical"):
        parametric_diff("x = t^2, y = t^3", at="0")
    with pytest.raises(BibunError, match="inverse"):
        via_inverse("x^2")
    with pytest.raises(BibunError, match="logarithmic"):
        log_diff("sin(x)")
    with pytest.raises(BibunError, match="unknown method"):
        derive("x^2", method="magic")


def test_derive_dispatches_every_method():
    assert str(derive("x^2", method="limit").answer) == "2x"
    assert str(derive("log(x)", method="inverse").answer) == "1/x"
    assert str(derive("x^2", method="rules")) == "2x"
