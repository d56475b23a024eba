"""One number formatter used everywhere (issue 18 item 3): the rules live in the base
layer (:mod:`bibun.numtext`), and the sentences of the catalogs, the explanation steps,
the web API, the figures' labels and ``grad``/``hessian --at`` all print through them.

Each test states a table of inputs and the text a person would write, or checks a face
against the formatter itself (not against a copy of its output)."""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

import numpy as np
import pytest

from bibun import i18n, numtext
from bibun.cli import main
from bibun.descend import descend
from bibun.expr import numfmt
from bibun.plot.style import _num as figure_number
from bibun.web.tasks import number_out

# -- the base layer: every entry point writes the same text ---------------------------------

SAME = [0, -0.0, 7, 1234567, 10**20, Fraction(7, 22), Fraction(-355, 113), Fraction(1, 10**6),
        0.1 + 0.2, 123456.7, 999999.7, 1e300, 2.5e-7, 0.00012345, np.float64(1.1),
        np.int64(-42), Fraction(35042556512954282929819682932651592209,
                                14017094017094014398290598290598602310)]


@pytest.mark.parametrize("value", SAME, ids=repr)
@pytest.mark.parametrize("style", numtext.STYLES)
def test_every_entry_point_writes_the_same_text(value, style):
    text = numtext.number_text(value, style=style)
    assert i18n.format_number(value, style=style) == text
    assert numfmt.fmt(value, style=style) == text


@pytest.mark.parametrize(("value", "text", "uni"), [
    (19999999999999999, "2e16", "2×10¹⁶"),  # rounded, not cut to 1.99999e16
    (Fraction(10**400, 3), "3.33333e399", "3.33333×10³⁹⁹"),  # beyond a float: exactly
    (Fraction(-(10**400), 7), "-1.42857e399", "−1.42857×10³⁹⁹"),
    (Fraction(1, 3 * 10**400), "3.33333e-401", "3.33333×10⁻⁴⁰¹"),  # a float would say 0
    (10**400, "1e400", "1×10⁴⁰⁰"),
    (Fraction(1, 2**60), "8.67362e-19", "8.67362×10⁻¹⁹"),
    (Fraction(999999999, 10**9), "1", "1"),  # 0.999999999 to 6 digits
    (True, "1", "1"),
])
def test_exact_numbers_of_any_size_are_rounded_exactly(value, text, uni):
    assert numtext.number_text(value) == text
    assert numtext.number_text(value, style="unicode") == uni


@pytest.mark.parametrize(("value", "text"), [
    (19999999999999999, "≈ 2e16"), (10**400, "= 1e400"), (Fraction(10**400, 3), "≈ 3.33333e399"),
    (Fraction(1, 2**10), "= 0.0009765625"),
])
def test_the_decimal_beside_an_exact_number_of_any_size(value, text):
    assert numfmt.beside(value) == text


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, np.float64("inf")])
@pytest.mark.parametrize(("lang", "words"), [
    ("en", "the value cannot be written as a number"), ("ja", "この値は数として書けません"),
])
def test_sentence_numbers_refuse_non_finite_values_with_the_reason(value, lang, words):
    with pytest.raises(numtext.NotFiniteError) as info:
        i18n.format_number(value)
    said = i18n.message(info.value, lang)
    assert said.startswith(words) and ("NaN" in said) == math.isnan(value)
    assert "inf" not in said.replace("Inf", "")


def test_the_pure_rules_refuse_non_finite_values_too():
    with pytest.raises(numtext.NotFiniteError):
        numtext.number_text(math.inf)
    with pytest.raises(ValueError, match="style"):
        numtext.number_text(1, style="roman")


# -- numbers in catalog sentences ------------------------------------------------------------


@pytest.mark.parametrize(("key", "params", "en"), [
    ("numdiff.table.best", {"method": "central", "h": 1e-5, "theory": ""},
     "best h for central: 1e-5"),
    ("error.plot.range_too_wide", {"a": -1e308, "b": 1e308},
     "the range [-1e308, 1e308] is too wide: its width 1e308 - (-1e308) is too large for a "
     "float"),
    ("tour.gd_run", {"reason": "converged", "k": 3, "x": 1.2345e-5, "y": 0.5},
     "  x^2 + y^2 from (3, 4), learning rate 0.1: converged after 3 steps at (1.23e-5, 0.5)"),
    ("error.number.power_too_large", {"digits": 123456, "limit": 30000},
     "number too large: the power would have about 123456 digits (the limit is 30,000)"),
])
def test_catalog_numbers_go_through_the_formatter(key, params, en):
    assert i18n.text(key, "en", **params) == en
    ja = i18n.text(key, "ja", **params)
    for v in params.values():
        if isinstance(v, float):  # the same digits in Japanese
            assert numtext.number_text(v, 3 if key == "tour.gd_run" else 6) in ja
    assert not re.search(r"e[+-]0\d|e\+\d", en + ja)


def test_a_fraction_in_a_sentence_is_written_as_a_person_would():
    assert i18n.value_text(Fraction(3, 4), "en") == "3/4"
    assert i18n.value_text(Fraction(10**40 + 1, 3), "ja") == "3.33333e39"


# -- the faces: web, figures, descent, the command line --------------------------------------


@pytest.mark.parametrize(("value", "out"), [
    (Fraction(3, 4), {"value": 0.75, "text": "3/4", "exact": "3/4", "display": "3/4"}),
    (12, {"value": 12.0, "text": "12", "exact": "12", "display": "12"}),
    (Fraction(35042556512954282929819682932651592209, 14017094017094014398290598290598602310),
     {"value": pytest.approx(2.49999, rel=1e-5), "text": "2.49999",
      "display": "2.49999"}),  # no 38-digit "exact"
    (math.sqrt(3) / 2, {"value": math.sqrt(3) / 2, "text": "0.866025", "display": "0.866025"}),
    (2.5e-7, {"value": 2.5e-7, "text": "2.5e-7", "display": "2.5×10⁻⁷"}),
    (math.inf, {"value": None}),
])
def test_web_numbers_carry_the_formatters_text(value, out):
    assert number_out(value) == out


@pytest.mark.parametrize(("value", "digits", "label"), [
    (0.1, 6, "0.1"), (-2.5, 6, "−2.5"), (2.5e-7, 6, "2.5×10⁻⁷"), (1e-5, 1, "1×10⁻⁵"),
    (-1234567.0, 6, "−1.23457×10⁶"), (0.9987654, 4, "0.9988"), (3.0, 4, "3"),
])
def test_figure_labels_use_the_formatter_with_a_true_minus(value, digits, label):
    assert figure_number(value, digits) == label


def test_figure_labels_never_say_inf():
    with pytest.raises(numtext.NotFiniteError):
        figure_number(math.inf)


def test_descent_reports_use_the_formatter():
    r = descend("x^2", 1, "gd", 0.1)
    g = re.search(r"\|∇f\| = (\S+) < (\S+)", r.detail)
    assert g and float(g.group(1)) < 1e-6 and g.group(2) == "1e-6"
    assert numtext.number_text(float(g.group(1)), 6) == g.group(1)
    table = descend("x^2 + y^2", (3, 4), "gd", 1.5, steps=100).summary(lang="en")
    assert "2.81475e16" in table and not re.search(r"e[+-]0\d|e\+", table)


def _run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("argv", "en", "ja"), [
    (["grad", "sin(x)*y", "--at", "x=pi/6,y=2"],
     f"gradient at x = pi/6, y = 2: (sqrt(3) ≈ {math.sqrt(3):.6g}, 1/2)",
     f"x = pi/6, y = 2 のときの勾配：(sqrt(3) ≈ {math.sqrt(3):.6g}, 1/2)"),
    (["grad", "x^2 + y^2", "--at", "x=3,y=4"], "gradient at x = 3, y = 4: (6, 8)",
     "x = 3, y = 4 のときの勾配：(6, 8)"),
    (["grad", "exp(x*y)", "--at", "x=1,y=2"],
     f"gradient at x = 1, y = 2: (2e^2 ≈ {2 * math.exp(2):.6g}, e^2 ≈ {math.exp(2):.6g})",
     f"x = 1, y = 2 のときの勾配：(2e^2 ≈ {2 * math.exp(2):.6g}, e^2 ≈ {math.exp(2):.6g})"),
    (["grad", "sin(x)*y", "--at", "x=1,y=2"],  # no closed form known: decimals
     f"gradient at x = 1, y = 2: ({2 * math.cos(1):.6g}, {math.sin(1):.6g})",
     f"x = 1, y = 2 のときの勾配：({2 * math.cos(1):.6g}, {math.sin(1):.6g})"),
])
def test_grad_at_a_point_is_exact_with_its_decimal_beside(capsys, argv, en, ja):
    code, out, _ = _run(capsys, *argv)
    assert code == 0 and out.splitlines()[-1] == en
    code, out, _ = _run(capsys, *argv, "--lang", "ja")
    assert code == 0 and out.splitlines()[-1] == ja


def test_grad_in_japanese_writes_the_natural_log_as_log(capsys):
    code, out, _ = _run(capsys, "grad", "2^x*y", "--at", "x=1,y=1", "--lang", "ja")
    assert code == 0 and "log(2)" in out.splitlines()[-1] and "ln" not in out
    code, out, _ = _run(capsys, "grad", "2^x*y", "--at", "x=1,y=1")
    assert "2ln(2) ≈ 1.38629" in out.splitlines()[-1]


def test_hessian_at_a_point_is_exact_in_both_languages(capsys):
    argv = ["hessian", "sin(x)*y^2", "--at", "x=pi/6,y=1/3", "--format", "unicode"]
    code, out, _ = _run(capsys, *argv)
    r3 = f"√3/3 ≈ {math.sqrt(3) / 3:.6g}"
    assert code == 0 and out.splitlines()[0] == "Hessian over (x, y):"
    assert out.splitlines()[3:] == ["at x = π/6, y = 1/3:",
                                    f"  [ {'-1/18':>{len(r3)}}  {r3} ]",
                                    f"  [ {r3}  {'1':>{len(r3)}} ]"]
    code, out, _ = _run(capsys, *argv, "--lang", "ja")
    assert out.splitlines()[0] == "ヘッセ行列（変数 x, y）："
    assert out.splitlines()[3] == "x = π/6, y = 1/3 のとき："
    assert "0.05555" not in out and "0.5773502691896257" not in out


def test_grad_and_hessian_json_carry_the_exact_values(capsys):
    code, out, _ = _run(capsys, "grad", "log(x)*y", "--at", "x=2,y=3", "--format", "json")
    data = json.loads(out)
    assert data["exact"] == ["3/2", "ln(2)"] and data["value"][1] == pytest.approx(math.log(2))
    code, out, _ = _run(capsys, "hessian", "sin(x)*y", "--at", "x=pi/2,y=1", "--format", "json")
    data = json.loads(out)
    assert data["exact"] == [["-1", "0"], ["0", "0"]]
    assert data["value"][0][0] == pytest.approx(-1)
