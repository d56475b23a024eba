"""Checking a learner's pieces: right pieces pass, typical mistakes are flagged at the
right piece with the right diagnosis, other forms are accepted, bad text is not a mistake."""

from __future__ import annotations

from fractions import Fraction

import bibun  # noqa: F401
from bibun.expr.parse import parse_any
from bibun.practice import Problem, check_steps
from bibun.practice.session import read_pieces
from tests.practice_mistakes import markdown, measure


def _chain(text: str) -> Problem:
    return Problem("chain", 2, parse_any(text), "x")


def test_typical_mistakes_are_diagnosed_at_the_right_piece_for_every_topic():
    table = measure(range(1))
    cases = sum(n for n, _ in table.values())
    hit = sum(k for _, k in table.values())
    assert cases >= 300
    assert hit / cases >= 0.95, markdown(table)
    for (topic, code, piece), (n, k) in table.items():
        assert k / n >= 0.95, (topic, code, piece, n, k)
    kinds = {code for _, code, _ in table}
    assert {"missing_inner_derivative", "exponent_not_lowered", "sign_error",
            "constant_factor", "product_of_derivatives", "quotient_numerator_order",
            "quotient_denominator", "u_not_replaced"} <= kinds


def test_the_seed_procedure_is_accepted_piece_by_piece():
    p = _chain("(5x+2)^3")  # 手順1 u = 5x + 2, y = u³; 手順2 3u², 5; 手順3 15u² → 15(5x + 2)²
    r = check_steps(p, {"u": "5x+2", "y": "u^3", "dy/du": "3u^2", "du/dx": "5",
                        "product": "3u^2 * 5", "answer": "15(5x+2)^2"})
    assert [x.ok for x in r.pieces] == [True] * 6 and r.solved and r.first_wrong is None


def test_forgetting_to_put_u_back_is_its_own_diagnosis():
    r = check_steps(_chain("(5x+2)^3"), {"answer": "15u^2"})
    assert r.first_wrong.piece == "answer" and r.first_wrong.codes == ["u_not_replaced"]
    assert "5x + 2" in r.first_wrong.diagnosis[0].text("en")
    assert "元に戻し" in r.first_wrong.diagnosis[0].text("ja")


def test_the_first_wrong_piece_gets_the_diagnosis():
    r = check_steps(_chain("(x^2+1)^4"), {"dy/du": "4u^4", "du/dx": "-2x", "answer": "8x(x^2+1)^3"})
    assert [x.ok for x in r.pieces] == [False, False, True]
    assert r.first_wrong.piece == "dy/du" and "exponent_not_lowered" in r.first_wrong.codes
    assert any("Power rule" in line for line in r.lines("en"))


def test_an_equivalent_answer_is_accepted_and_the_textbook_form_shown():
    r = check_steps(_chain("(x^3+1)^2"), {"answer": "6x^5 + 6x^2"})
    assert r.solved
    assert str(r.pieces[0].textbook) == "6x^2(x^3 + 1)"
    assert "6x²(x³ + 1)" in "\n".join(r.lines("en"))


def test_another_valid_substitution_is_followed():
    """u = x² with y = (u + 1)⁴ is not the textbook's choice but it is right, and dy/du
    is then judged against that y."""
    r = check_steps(_chain("(x^2+1)^4"), {"u": "x^2", "y": "(u+1)^4", "dy/du": "4(u+1)^3",
                                          "du/dx": "2x"})
    assert all(x.ok for x in r.pieces)


def test_an_unreadable_piece_gets_the_column_and_is_not_a_mistake():
    r = check_steps(_chain("(x^2+1)^4"), {"u": "x^2+1", "answer": "8x(x^2+1"})
    bad = r.pieces[-1]
    assert bad.ok is None and "column" in bad.error
    assert r.first_wrong is None and not r.solved


def test_latex_pieces_are_read_too():
    r = check_steps(_chain("(x^2+1)^4"), {"du/dx": r"2x", "answer": r"8x\left(x^{2}+1\right)^{3}"})
    assert r.solved


def test_product_and_quotient_pieces():
    p = Problem("product", 2, parse_any("(2x+1)(x^2+3)"), "x")
    r = check_steps(p, {"f": "x^2+3", "g": "2x+1", "f'": "2x", "g'": "2", "answer": "2x*2"})
    assert [x.ok for x in r.pieces] == [True, True, True, True, False]
    q = Problem("quotient", 1, parse_any("x/(x+2)"), "x")
    r = check_steps(q, {"answer": "(x - (x+2))/(x+2)^2"})
    assert r.first_wrong.codes == ["quotient_numerator_order"]


def test_value_problem_answers_and_the_function_value_mistake():
    p = Problem("value", 1, parse_any("sigmoid(z)"), "z",
                ((parse_any("sigmoid(z)"), Fraction(1, 2)),))
    assert check_steps(p, {"answer": "0.25"}).solved
    assert check_steps(p, {"answer": "1/4"}).solved
    assert check_steps(p, {"answer": "0.5"}).first_wrong.codes == ["function_value"]


def test_a_line_with_a_chain_of_equalities_gives_the_product_and_the_answer():
    p = _chain("(x^2+1)^4")
    assert read_pieces(p, "dy/dx = 4u^3·2x = 8x(x^2+1)^3") == {
        "product": "4u^3·2x", "answer": "8x(x^2+1)^3"}
    assert read_pieces(p, "du/dx = 2x") == {"du/dx": "2x"}
    assert read_pieces(p, "dy/dx = 8xu^3") == {"product": "8xu^3"}
    assert read_pieces(p, "8x(x^2+1)^3") == {"answer": "8x(x^2+1)^3"}
