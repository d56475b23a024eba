"""Sentences with numbers say what the numbers say (issue 18.4): the vanishing bound
against its measurement, "agree" only when the differences are within the tolerance,
and the unknown-function note naming the function being differentiated."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bibun
from bibun.cli import main
from bibun.explain.backprop import backprop
from bibun.nn.vanishing import Probe, probe, sigmoid_summary

NUMBER = r"(\d[0-9.]*(?:e[+-]?\d+)?)"  # the formatter writes 1e9, 9.5e-7
RATIO_EN = re.compile(r"is " + NUMBER + r", (smaller than|larger than|equal to) the bound "
                      + NUMBER)
RATIO_JA = re.compile(r"比は " + NUMBER + r" で、上限 " + NUMBER
                      + r" (より小さく|より大きく|と等しく)")
WORD = {"smaller than": "<", "larger than": ">", "equal to": "=",
        "より小さく": "<", "より大きく": ">", "と等しく": "="}


def _said(p: Probe, lang: str) -> tuple[float, str, float]:
    text = sigmoid_summary(p, lang)[1]
    if lang == "en":
        ratio, word, bound = RATIO_EN.search(text).groups()
    else:
        ratio, bound, word = RATIO_JA.search(text).groups()
    return float(ratio), WORD[word], float(bound)


def _compare(a: float, b: float) -> str:
    return "<" if a < b else ">" if a > b else "="


def test_the_issue_case_measurement_below_the_bound_is_called_smaller():
    """depth 10, width 32, seed 0: 3.5e-7 measured against the 0.25^10 ≈ 9.5e-7 bound."""
    p = probe(10, 32, activations=("sigmoid",))[0]
    assert p.ratio < 0.25**10
    for lang in ("en", "ja"):
        ratio, word, bound = _said(p, lang)
        assert word == "<" and ratio == pytest.approx(p.ratio, rel=0.05)
        assert bound == pytest.approx(0.25**10, rel=0.05)
    en = " ".join(sigmoid_summary(p, "en"))
    assert "shrink by up to" not in en and "at most 0.25^10 ≈ 9.5e-7" in en


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("depth, norms", [
    (3, [1e-3, 0.1, 0.2, 1.0]),        # ratio 1e-3 < 0.25^3 = 0.0156
    (3, [0.5, 0.6, 0.7, 1.0]),         # ratio 0.5 > 0.0156
    (2, [0.0625, 0.3, 1.0]),           # exactly the bound
    (2, [0.06249999, 0.3, 1.0]),       # just below: printed with digits that differ
    (1, [0.26, 1.0]),                  # just above, one layer
])
def test_bound_and_measurement_are_compared_as_computed(depth, norms, lang):
    p = Probe("sigmoid", norms, 1.0)
    ratio, word, bound = _said(p, lang)
    assert word == _compare(p.ratio, 0.25**depth)
    assert _compare(ratio, bound) == word  # the printed numbers bear the word out
    per = re.search(r"(?:on average|平均) " + NUMBER, sigmoid_summary(p, lang)[1])
    if per:
        assert float(per.group(1)) == pytest.approx(p.ratio ** (1 / depth), rel=0.06)


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(1, 30), first=st.floats(1e-300, 1e3), last=st.floats(1e-6, 1e3))
def test_the_comparison_word_is_true_for_any_measurement(depth, first, last):
    p = Probe("sigmoid", [first] + [1.0] * (depth - 1) + [last], 1.0)
    for lang in ("en", "ja"):
        ratio, word, bound = _said(p, lang)
        assert word == _compare(p.ratio, 0.25**depth)
        assert _compare(ratio, bound) == word


def test_a_zero_last_gradient_is_not_compared():
    for lang, text in (("en", "no ratio"), ("ja", "比がありません")):
        assert text in sigmoid_summary(Probe("sigmoid", [0.1, 0.0], 1.0), lang)[1]


def test_cli_vanishing_prints_the_computed_comparison(capsys):
    assert main(["vanishing", "--depth", "4", "--width", "8", "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    measured = float(re.search(r"1st/last\s+" + NUMBER, out).group(1))
    ratio, bound, word = RATIO_JA.search(out).groups()
    assert float(ratio) == pytest.approx(measured, rel=0.05)  # two digits printed
    assert float(bound) == pytest.approx(0.25**4, rel=0.01)
    assert WORD[word] == _compare(float(ratio), float(bound))


@pytest.mark.parametrize("lang, agree", [("en", "they agree to within 1e-10"),
                                         ("ja", "1e-10 以内で一致します")])
def test_agree_is_said_only_when_the_differences_are_within_the_tolerance(lang, agree):
    good = backprop("sin(x)*exp(x)", {"x": 0.7})
    assert max(good.agreement("x")) <= 1e-10 and agree in good.render(lang)
    bad = backprop("10^10 + sin(x)", {"x": 0.5})
    assert bad.agreement("x")[1] > 1e-10 and agree not in bad.render(lang)


@pytest.mark.parametrize("formula, name", [("sin(g(x))", "g"), ("h(x^2)", "h"),
                                           ("g(x)*sin(x)", "g"), ("f(x^3)", "f")])
def test_the_unknown_function_note_names_the_function(formula, name):
    d = bibun.explain.derivation(formula, "x")
    en, ja = d.render("en"), d.render("ja")
    assert f"the unknown function {name} is written {name}′" in en
    assert f"未知の関数 {name} の微分は {name}′ と書きます" in ja
    if name != "f":
        assert "unknown function f " not in en and "未知の関数 f " not in ja
    js = d.render("en", "json")
    assert f"the unknown function {name} is written {name}′" in js
