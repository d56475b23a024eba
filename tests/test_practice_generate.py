"""The exercise generator: correct answers (SymPy), printed forms read back, seeded sets
without duplicates, harder levels have more steps, hints and bad input."""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import bibun  # noqa: F401  (loads printers and parser)
from bibun.errors import BibunError
from bibun.expr import core
from bibun.expr.parse import parse_any
from bibun.practice import (
    MAX_ANSWER_CHARS,
    MAX_ANSWER_NODES,
    TOPICS,
    Problem,
    generate,
    ladder,
)
from tests.sympy_oracle import to_sympy

#: topics whose answer is d/dx of the expression (an implicit problem's is dy/dx of a
#: curve: tests/test_practice_implicit_definition.py checks those against SymPy)
DERIVE = [t for t in TOPICS if t not in ("value", "implicit")]
POINTS = (0.11, -0.17, 0.07, 0.37, 1.23, 2.1, 0.83)


def _agree_with_sympy(p) -> None:
    f, a = to_sympy(p.expr), to_sympy(p.answer)
    want = sp.diff(f, sp.Symbol(p.var, real=True))
    names = sorted(p.expr.free | p.answer.free)
    checked = 0
    for k, base in enumerate(POINTS):
        at = {sp.Symbol(n, real=True): base + 0.29 * i * (k + 1) for i, n in enumerate(names)}
        w, g = complex(sp.N(want.subs(at))), complex(sp.N(a.subs(at)))
        if not (math.isfinite(w.real) and abs(w.imag) < 1e-12):
            continue  # outside the domain (log of a negative number at this point)
        assert abs(w - g) <= 1e-9 * max(1.0, abs(w)), (p.expr, p.answer, at)
        checked += 1
    assert checked >= 2, p.expr


@settings(max_examples=30, deadline=None)
@given(topic=st.sampled_from(DERIVE), level=st.sampled_from((1, 2, 3)),
       seed=st.integers(0, 10**6))
def test_generated_answers_are_the_derivative_sympy_finds(topic, level, seed):
    for p in generate(topic, 2, seed=seed, level=level):
        _agree_with_sympy(p)


@settings(max_examples=30, deadline=None)
@given(topic=st.sampled_from(DERIVE), level=st.sampled_from((1, 2, 3)),
       seed=st.integers(0, 10**6))
def test_problems_and_answers_read_back_from_text_unicode_and_latex(topic, level, seed):
    for p in generate(topic, 2, seed=seed, level=level):
        for e in (p.expr, p.answer):
            assert parse_any(str(e)) is e
            assert parse_any(e.unicode()) is e
            assert parse_any(e.latex(), latex=True) is e
        assert core.dag_size(p.answer) <= MAX_ANSWER_NODES
        assert len(str(p.answer)) <= MAX_ANSWER_CHARS


@settings(max_examples=20, deadline=None)
@given(level=st.sampled_from((1, 2, 3)), seed=st.integers(0, 10**6))
def test_value_problems_match_sympy_at_the_point_the_facts_describe(level, seed):
    for p in generate("value", 3, seed=seed, level=level):
        want = sp.diff(to_sympy(p.expr), sp.Symbol(p.var, real=True))
        at = {sp.Symbol(n, real=True): v for n, v in p.point}
        assert float(sp.N(want.subs(at))) == pytest.approx(float(p.value), rel=1e-9)


def test_the_seed_002_exercise_is_among_the_value_problems():
    """σ′(0) with σ(0) = 0.5 given → 0.25."""
    found = [p for p in generate("value", 28, seed=0, level=1)
             if p.expr.value == "sigmoid" and p.given[0][1] == Fraction(1, 2)]
    assert found and found[0].value == Fraction(1, 4)
    assert found[0].answer_text() == "0.25"
    assert "0.5" in found[0].statement("ja") and "微分係数" in found[0].statement("ja")


@pytest.mark.parametrize("topic", TOPICS)
def test_same_seed_same_set_and_no_duplicates(topic):
    a = generate(topic, 8, seed=11, level=2)
    b = generate(topic, 8, seed=11, level=2)
    assert [p.key for p in a] == [p.key for p in b]
    assert len({p.key for p in a}) == 8
    assert [p.key for p in generate(topic, 8, seed=12, level=2)] != [p.key for p in a]


@pytest.mark.parametrize("topic", TOPICS)
def test_higher_levels_take_more_steps(topic):
    means = [statistics.mean(p.steps for p in generate(topic, 8, seed=0, level=lv))
             for lv in (1, 2, 3)]
    assert means[0] < means[1] < means[2], means


def test_the_seeds_chain_family_is_generated_in_textbook_form():
    texts = {str(p.expr): str(p.answer) for s in range(6)
             for p in generate("chain", 10, seed=s, level=1)}
    assert texts.get("(2x + 3)^2") == "4(2x + 3)"
    assert texts.get("(5x + 2)^3") == "15(5x + 2)^2"


def test_hint_ladder_goes_rule_substitution_parts_product_answer_in_both_languages():
    p = Problem("chain", 2, parse_any("(x^2 + 1)^4"), "x")  # the seed's 第2問
    en = [h.render("en") for h in ladder(p)]
    assert en[0].startswith("Rule: Chain rule")
    assert "u = x² + 1" in en[1] and "y = u⁴" in en[1]
    assert "dy/du = 4u³" in en[2] and "du/dx = 2x" in en[2]
    assert "8u³x" in en[3] or "8xu³" in en[3]
    assert en[-1] == "Answer: dy/dx = 8x(x² + 1)³."
    ja = [h.render("ja") for h in ladder(p)]
    assert ja[1].startswith("手順1") and ja[2].startswith("手順2") and ja[3].startswith("手順3")
    assert "連鎖律" in ja[0]


def test_unknown_topic_lists_the_topics_and_bad_levels_are_refused():
    with pytest.raises(BibunError, match="power, sum, chain"):
        generate("integral")
    with pytest.raises(BibunError, match="1, 2 or 3"):
        generate("chain", level=4)
    with pytest.raises(BibunError, match="only"):
        generate("value", 100, level=1)
