"""The "definition" and "implicit" practice topics: answers checked against SymPy, the
worked method within reach for every generated problem, hints climbing that method's
steps in both languages, answers judged (with the implicit mistakes diagnosed)."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import bibun  # noqa: F401  (loads printers and parser)
from bibun.calculus.first_principles import from_definition
from bibun.expr import core
from bibun.expr.parse import parse_any
from bibun.practice import MAX_ANSWER_CHARS, MAX_ANSWER_NODES, check_steps, generate, ladder
from bibun.practice.worksheet import Sheet, latex, markdown
from tests.sympy_oracle import to_sympy

X, Y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
POINTS = ((0.37, 1.21), (1.3, -0.4), (-0.8, 0.55), (2.2, 1.7))


def _close(a: sp.Expr, b: sp.Expr, at: dict) -> bool | None:
    try:
        va, vb = complex(sp.N(a.subs(at))), complex(sp.N(b.subs(at)))
    except (TypeError, ZeroDivisionError):
        return None
    if not all(math.isfinite(v.real) for v in (va, vb)) or abs(va.imag) > 1e-12:
        return None
    return abs(va - vb) <= 1e-9 * max(1.0, abs(va))


@settings(max_examples=10, deadline=None)
@given(level=st.sampled_from((1, 2, 3)), seed=st.integers(0, 10**6))
def test_implicit_answers_are_minus_fx_over_fy_from_sympy(level, seed):
    for p in generate("implicit", 3, seed=seed, level=level):
        left, right = p.equation
        F = to_sympy(left) - to_sympy(right)
        want = -sp.diff(F, X) / sp.diff(F, Y)
        got = to_sympy(p.answer)
        checked = [_close(want, got, {X: a, Y: b}) for a, b in POINTS]
        assert all(c is not False for c in checked) and checked.count(True) >= 2, p.key
        assert parse_any(str(p.answer)) is p.answer
        assert parse_any(p.answer.latex(), latex=True) is p.answer
        assert core.dag_size(p.answer) <= MAX_ANSWER_NODES
        assert len(str(p.answer)) <= MAX_ANSWER_CHARS
        assert p.expr is core.add(left, core.neg(right))


@settings(max_examples=10, deadline=None)
@given(level=st.sampled_from((1, 2, 3)), seed=st.integers(0, 10**6))
def test_definition_problems_are_within_reach_and_end_on_the_rules_answer(level, seed):
    for p in generate("definition", 3, seed=seed, level=level):
        w = from_definition(p.expr, p.var)  # never "beyond reach"
        want = sp.diff(to_sympy(p.expr), X)
        for answer in (p.answer, w.answer):
            checked = [_close(want, to_sympy(answer), {X: a}) for a, _ in POINTS]
            assert all(c is not False for c in checked) and checked.count(True) >= 2, p.key


@pytest.mark.parametrize("topic", ["definition", "implicit"])
@pytest.mark.parametrize("level", [1, 2, 3])
def test_hints_climb_the_methods_steps_and_end_on_the_answer_in_both_languages(topic, level):
    p = generate(topic, 1, seed=3, level=level)[0]
    for lang in ("en", "ja"):
        rungs = [h.render(lang) for h in ladder(p)]
        assert len(rungs) >= 4
        answer = "Answer:" if lang == "en" else "答え"
        assert rungs[-1].startswith(answer) and p.answer.unicode() in rungs[-1]
        assert not any(answer in r for r in rungs[:-1])
        for fmt in ("latex", "markdown"):
            assert all(h.render(lang, fmt) for h in ladder(p))
    en = [h.render("en") for h in ladder(p)]
    if topic == "definition":
        assert "lim[h→0]" in en[0]
    else:
        assert "d/dx [" in en[0] and "y'" in " ".join(en[1:-1])


def test_statements_name_the_method_in_both_languages():
    d = generate("definition", 1, seed=0, level=1)[0]
    assert "from the definition" in d.statement("en") and "定義から" in d.statement("ja")
    i = generate("implicit", 1, seed=0, level=1)[0]
    assert "dy/dx for the curve" in i.statement("en") and "曲線" in i.statement("ja")
    assert "=" in i.key and i.to_json()["expression"].count("=") == 1


def test_implicit_answers_are_judged_with_their_own_diagnoses():
    p = generate("implicit", 1, seed=0, level=2)[0]
    d = p.derivative
    assert check_steps(p, {"answer": d}).solved
    equivalent = core.mul(core.MINUS_ONE, core.power(core.mul(core.MINUS_ONE, d),
                                                      core.ONE))
    rep = check_steps(p, {"answer": str(equivalent)})
    assert rep.solved
    sign = check_steps(p, {"answer": core.neg(d)}, "ja").first_wrong
    assert sign.codes == ["implicit_sign"] and "符号" in sign.diagnosis[0].text("ja")
    no_y = check_steps(p, {"answer": "-x"}).first_wrong
    assert no_y.codes == ["implicit_no_y"]
    wrong = check_steps(p, {"answer": core.power(d, core.MINUS_ONE)}).first_wrong
    assert wrong.codes == ["implicit_wrong"] and "product rule" in wrong.diagnosis[0].text("en")


def test_definition_answers_are_judged_like_any_derivative():
    p = generate("definition", 1, seed=0, level=2)[0]
    assert check_steps(p, {"answer": p.answer}).solved
    assert not check_steps(p, {"answer": core.neg(p.answer)}).solved


@pytest.mark.parametrize("topic", ["definition", "implicit"])
def test_worksheets_carry_the_new_topics(topic):
    sheet = Sheet(generate(topic, 3, seed=1, level=2), topic, 2, 1, "ja")
    md, tex = markdown(sheet), latex(sheet)
    for p in sheet.problems:
        assert p.answer.latex() in md and p.answer.latex() in tex
    assert ("定義による微分" if topic == "definition" else "陰関数の微分") in md
