"""Test helper: inject typical mistakes into learners' pieces and measure the diagnosis.

For every generated problem, the correct pieces are written from the derivation, then one
piece is replaced by the result of a typical mistake.  The wrong versions come from
bibun's own mistake models (:func:`bibun.explain.mistakes.mistaken_derivative`: the same
overrides of the differentiation walk the checker diagnoses with) or from the piece
itself (a sign, a factor 2, u not put back).  A case counts as diagnosed when the
injected piece is the first one marked wrong and its diagnosis has the expected code.

``python -m tests.practice_mistakes`` prints the table the README quotes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from bibun.explain.equality import compare_exprs
from bibun.explain.mistakes import mistaken_derivative
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.parse import parse_any
from bibun.practice import TOPICS, Problem, check_steps, generate, pieces_of
from bibun.practice.hints import core_step
from bibun.practice.steps import CHAIN_PIECES, SPLIT_PIECES
from bibun.symbolic import diff

#: the rule-based mistake models apply to d/dx of an expression; implicit problems
#: have their own (tests/test_practice_implicit_definition.py)
DERIVE_TOPICS = [t for t in TOPICS if t not in ("value", "implicit")]


def correct_pieces(p: Problem) -> dict[str, Expr]:
    step, c = core_step(p.derivation.root)
    kinds = pieces_of(p)
    out: dict[str, Expr] = {"answer": p.derivative}
    if kinds == CHAIN_PIECES:
        (u, inner), = step.names
        y = core.mul(c, step.outer) if c is not None else step.outer
        dydu, dudx = diff(y, u), diff(inner, p.var)
        out.update({"u": inner, "y": y, "dy/du": dydu, "du/dx": dudx,
                    "product": core.mul(dydu, dudx)})
    elif kinds == SPLIT_PIECES:
        f, g = (s.expr for s in step.substeps)
        f = core.mul(c, f) if c is not None else f
        out.update({"f": f, "g": g, "f'": diff(f, p.var), "g'": diff(g, p.var)})
    return out


MODELS = (("no_inner", "missing_inner_derivative"), ("product", "product_of_derivatives"),
          ("exponent", "exponent_not_lowered"), ("quotient_order", "quotient_numerator_order"),
          ("quotient_denominator", "quotient_denominator"), ("trig_sign", "sign_error"))


def _same(a: Expr, b: Expr) -> bool:
    return compare_exprs(a, b, "en").equal


def answer_models(p: Problem) -> list[tuple[str, Expr]]:
    """(code, wrong answer) for each mistake model that changes this problem's answer;
    a "mistake" that gives the right function anyway (no inner derivative of x + 2) is
    not one."""
    out = []
    for model, code in MODELS:
        made = mistaken_derivative(p.expr, p.var, model)
        if made is not None and not _same(made[0], p.derivation.result):
            out.append((code, made[0]))
    out.append(("sign_error", core.neg(p.derivative)))
    return out


def equivalent_codes(p: Problem, code: str, wrong: Expr) -> set[str]:
    """Codes that describe the same wrong function: −(f′g − fg′)/g² *is* the quotient
    rule's numerator swapped, so either diagnosis is right."""
    return {code} | {c for c, m in answer_models(p) if _same(m, wrong)}


def _proved(first, wrong: Expr) -> bool:
    """The checker names one diagnosis; another slip that gives the very same wrong
    answer is right too, as its evidence shows (5/x written −5/x: the power rule's
    exponent not lowered, or the quotient rule without g²)."""
    ev = first.diagnosis[0].evidence if first.diagnosis else {}
    return "model" in ev and _same(parse_any(ev["model"]), wrong)


def mistakes(p: Problem, right: dict[str, Expr]) -> Iterator[tuple[str, str, Expr]]:
    """(mistake code expected, piece, wrong value) for the mistakes that apply."""
    kinds = pieces_of(p)
    for code, wrong in answer_models(p):
        yield code, "answer", wrong
    if kinds == CHAIN_PIECES:
        step, _ = core_step(p.derivation.root)
        u = step.names[0][0]
        y = right["y"]
        made = mistaken_derivative(y, u, "exponent")
        if made is not None and made[0] is not right["dy/du"]:
            yield "exponent_not_lowered", "dy/du", made[0]
        yield "sign_error", "du/dx", core.neg(right["du/dx"])
        yield "constant_factor", "du/dx", core.mul(core.number(2), right["du/dx"])
        yield "missing_inner_derivative", "product", right["dy/du"]
        yield "u_not_replaced", "answer", right["product"]
    if kinds == SPLIT_PIECES:
        yield "sign_error", "g'", core.neg(right["g'"])
        yield "constant_factor", "f'", core.mul(core.number(3), right["f'"])


def measure(seeds: range = range(3), levels: tuple[int, ...] = (1, 2, 3)
            ) -> dict[tuple[str, str, str], list[int]]:
    """(topic, code, piece) → [cases, diagnosed]; also asserts the correct pieces pass."""
    table: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for topic in DERIVE_TOPICS:
        for level in levels:
            for seed in seeds:
                for p in generate(topic, 2, seed=seed, level=level):
                    right = correct_pieces(p)
                    ok = check_steps(p, right)
                    assert all(r.ok for r in ok.pieces), (p.expr, [(r.piece, r.ok)
                                                                  for r in ok.pieces])
                    for code, piece, wrong in mistakes(p, right):
                        if wrong is right[piece]:
                            continue
                        given = dict(right)
                        given[piece] = wrong
                        rep = check_steps(p, given)
                        first = rep.first_wrong
                        row = table[(topic, code, piece)]
                        row[0] += 1
                        codes = equivalent_codes(p, code, wrong) if piece == "answer" \
                            else {code}
                        if first is not None and first.piece == piece and \
                                (codes & set(first.codes) or _proved(first, wrong)):
                            row[1] += 1
    return dict(table)


def markdown(table: dict[tuple[str, str, str], list[int]]) -> str:
    lines = ["| topic | mistake | piece | cases | diagnosed | rate |",
             "|---|---|---|---:|---:|---:|"]
    tot = [0, 0]
    for (topic, code, piece), (n, k) in sorted(table.items(),
                                               key=lambda kv: (TOPICS.index(kv[0][0]), kv[0])):
        lines.append(f"| {topic} | {code} | {piece} | {n} | {k} | {100 * k / n:.0f}% |")
        tot[0] += n
        tot[1] += k
    lines.append(f"| **all** | | | {tot[0]} | {tot[1]} | {100 * tot[1] / max(1, tot[0]):.1f}% |")
    return "\n".join(lines)


if __name__ == "__main__":
    import bibun  # noqa: F401

    print(markdown(measure()))
