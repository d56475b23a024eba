"""Check a learner's derivative, and say what probably went wrong.

``check_answer(expr, answer)`` differentiates ``expr``, decides whether ``answer`` is the
same function (:mod:`bibun.explain.equality`: algebra first, then evaluation at points
where the original function is defined and smooth), and for a wrong answer gives a
counterexample and the likely mistake (:mod:`bibun.explain.mistakes`: a forgotten
inner derivative, (fg)′ = f′g′, xⁿ → n·xⁿ, the quotient rule's numerator swapped or its
denominator not squared, a sign, a constant factor).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bibun import i18n
from bibun.errors import BibunError
from bibun.explain import messages as M
from bibun.explain.display import check_bundle
from bibun.explain.equality import (
    EVAL_ERRORS,
    MAX_ATTEMPTS,
    Comparison,
    Counterexample,
    compare,
    compare_exprs,
    concretize,
    equal,
    read_formula,
    sample_points,
    seed_of,
    value_at,
)
from bibun.explain.mistakes import Diagnosis, diagnose, make_diagnosis
from bibun.explain.show import eq
from bibun.explain.spelling import learner_spelling
from bibun.expr import core
from bibun.expr.constants import constant_names, variable_among
from bibun.expr.core import CALL, NUM, POW, Expr, postorder
from bibun.expr.parse import parse_any_full, reading_conventions, variable_name
from bibun.expr.simplify import recognize
from bibun.smoothness import nondifferentiable_points
from bibun.symbolic import default_variable, diff


@dataclass
class CheckResult:
    """The verdict on a learner's answer (truthy when correct)."""

    correct: bool
    expr: Expr
    answer: Expr
    expected: Expr
    variable: str
    method: str
    points: int = 0
    counterexample: Counterexample | None = None
    diagnosis: list[Diagnosis] = field(default_factory=list)
    difference: float | None = None  # answer − derivative, when algebra shows a constant
    constants: tuple[str, ...] = ()  # names declared constant (--const, constants=)
    spelling: dict[str, str] = field(default_factory=dict)  # θ -> "theta" as typed
    assumed: bool = False  # the variable was not given and the formula has others
    #: the answer is the derivative on one side of 0 only (a textbook's x > 0): (x, ">")
    holds_where: tuple[str, str] | None = None

    def __bool__(self) -> bool:
        return self.correct

    @property
    def verdict(self) -> str:
        """"correct", "correct_where" (right on the side of 0 in ``holds_where`` only,
        as a textbook answer that assumes x > 0) or "wrong"."""
        return "correct" if self.correct else "correct_where" if self.holds_where else "wrong"

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnosis]

    def message(self, lang: str | None = None) -> str:
        """The verdict as a few sentences in ``lang``."""
        lang = i18n.resolve(lang)
        x = self.variable
        if self.correct:
            how = M.text("check.how.symbolic", lang) if self.method == "symbolic" else \
                M.text("check.how.numeric", lang, n=self.points)
            note = "\n" + self._constants_note(lang) if self.constants or self.assumed else ""
            return M.text("check.correct", lang, answer=self.answer, f=self.expr, x=x) + \
                M.text("sentence_gap", lang) + how + note
        shown: Any = self.expected
        tidy = recognize(self.expected)
        if tidy is not self.expected:
            shown = eq(self.expected, tidy)
        lines = [M.text("check.read_as", lang, answer=self.answer)]
        if self.holds_where:  # right where the book assumes x > 0: not a mistake
            name, side = self.holds_where
            lines.append(M.text("check.holds_where", lang, f=self.expr, x=name, side=side,
                                other="<" if side == ">" else ">", expected=shown))
            return "\n".join(lines + [d.text(lang) for d in self.diagnosis])
        lines.append(M.text("check.wrong", lang, f=self.expr, x=x, expected=shown))
        if self.constants or self.assumed:
            lines.append(self._constants_note(lang))
        if self.difference is not None:
            lines.append(M.text("check.constant_difference", lang,
                                difference=i18n.format_number(self.difference)))
        functions = abstract_names(self.expr)
        if self.counterexample and functions:  # values of stand-ins for f, g mean nothing
            lines.append(M.text("check.abstract_differs", lang,
                                names=i18n.join_list(functions, lang)))
        elif self.counterexample:
            c = self.counterexample
            if c.answer is None and c.expected is not None:
                lines.append(M.text("check.domain_differs", lang,
                                    point=c.where(lang, self.spelling),
                                    value=i18n.format_number(c.expected)))
            else:
                lines.append(M.text("check.counterexample", lang,
                                    point=c.where(lang, self.spelling),
                                    answer_value=c.value_text("answer", lang),
                                    expected_value=c.value_text("expected", lang)))
        for dgn in self.diagnosis:  # one: the most likely (mistakes.diagnose)
            lines.append(M.text("check.diagnosis", lang) + dgn.text(lang))
            if "model" in dgn.evidence:
                lines.append(M.text("check.evidence", lang, model=dgn.evidence["model"],
                                    n=dgn.evidence["points"]))
        return "\n".join(lines)

    def _constants_note(self, lang: str) -> str:
        if not self.constants:
            return self._assumed_note(lang)
        key = "note.constants.one" if len(self.constants) == 1 else "note.constants.many"
        return i18n.text(key, lang, names=", ".join(self.constants))

    def _assumed_note(self, lang: str) -> str:
        """x²y without --wrt: say that x was taken, and how to choose another."""
        others = sorted(self.expr.free - {self.variable})
        return M.text("check.assumed_variable", lang, x=self.variable,
                      others=i18n.join_list(others, lang))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: verdict, answer and derivative, counterexample, diagnosis."""
        return check_bundle(self)

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        """``correct``, ``expected``, ``counterexample``, ``diagnosis`` and context."""
        lang = i18n.resolve(lang)
        return {
            "correct": self.correct,
            "verdict": self.verdict,
            "holds_where": (f"{self.holds_where[0]} {self.holds_where[1]} 0"
                            if self.holds_where else None),
            "expression": str(self.expr),
            "variable": self.variable,
            "answer": str(self.answer),
            "read_as": {"expression": self.expr.unicode(), "answer": self.answer.unicode()},
            "constants": list(self.constants),
            "variable_assumed": self.assumed,
            "expected": str(self.expected),
            "expected_latex": self.expected.latex(),
            "method": self.method,
            "points": self.points,
            "difference": self.difference,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "diagnosis": [d.to_json(lang) for d in self.diagnosis],
            "message": self.message(lang),
        }


def _through_definition(a: Expr, e: Expr, defined_as: tuple[str, list[str]] | None) -> Expr:
    """The answer with the defined function written out: for g(z) = 1/(1 + e^(−z)),
    g(z)(1 − g(z)) is σ(z)(1 − σ(z)); for y = …, y(1 − y) likewise."""
    if not defined_as or not defined_as[0]:
        return a
    name, params = defined_as
    if name in a.free and name not in e.free:
        a = a.subs({name: e})

    def visit(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
        if node.op == CALL and node.value[0] == name and not any(node.value[1]) \
                and len(args) == len(params):
            return e.subs(dict(zip(params, args, strict=True)))
        return None

    return core.rebuild(a, visit)


def real_odd_roots(e: Expr) -> Expr:
    """u^(p/q) with q odd read as textbooks mean it, the real root: sign(u)^p·|u|^(p/q),
    defined for u < 0 (y^(5/3) at y = −1 is −1).  bibun's own x^(p/q) is the principal
    power (undefined for x < 0, ∛ is the real root), so a learner's right answer
    15y^(2/3) + 8/3 y^(5/3) would otherwise be "undefined" where the derivative is not.
    Used to compare only; the answer is shown as it was read."""
    def visit(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
        k = node.args[1] if node.op == POW else None
        if k is None or k.op != NUM or not isinstance(k.value, Fraction) \
                or k.value.denominator % 2 == 0 or args[0].op == NUM:
            return None
        root = core.power(core.fn("abs", args[0]), k)
        return core.mul(core.fn("sign", args[0]), root) if k.value.numerator % 2 else root

    return core.rebuild(e, visit)


def abstract_names(e: Expr) -> list[str]:
    """The unknown functions (f, g in f(g(x))) a formula applies, in order of name."""
    return sorted({str(n.value[0]) for n in postorder(e) if n.op == CALL})


# -- the entry point -----------------------------------------------------------------------------


def check_answer(expr: Any, answer: Any, var: str | None = None, *, lang: str | None = None,
                 latex: bool | None = None, constants: Any = None,
                 typed: Iterable[str] = (), defined_as: tuple[str, list[str]] | None = None
                 ) -> CheckResult:
    """Is ``answer`` the derivative of ``expr`` with respect to ``var``?

    Both may be expressions or text (plain or LaTeX).  ``constants`` (``"a,b"`` or a list)
    names symbols that are constants: the variable is the one name left, and checking a
    derivative by a constant is refused.  Raises :class:`BibunError` for an unreadable
    expression or answer, an answer with variables the expression does not have, or when
    no point exists where both sides are defined.  ``typed``: the texts as the learner
    typed them when ``expr``/``answer`` are already parsed, so that a counterexample
    names a variable as the learner spelled it (theta, not θ).  ``defined_as`` (name,
    parameters) of a parsed ``g(z) = …`` lets the answer use the function's own name,
    ``g(z)(1 − g(z))``, as textbooks do (found from the text when ``expr`` is text).
    """
    lang = i18n.resolve(lang)
    e = read_formula(expr, latex, "error.unparsable_expression", lang)
    if defined_as is None and isinstance(expr, str):
        with contextlib.suppress(BibunError):
            p = parse_any_full(expr, latex, derivative=True)
            defined_as = (p.name, p.params) if p.name else None
    # the answer may apply the problem's own name: Sig(x)(1 − Sig(x)) for Sig(x) = …
    with reading_conventions(defined=[defined_as[0]] if defined_as else []):
        a = read_formula(answer, latex, "error.unparsable_answer", lang, answer=True)
    shown = a
    a = _through_definition(a, e, defined_as)
    consts = constant_names(constants)
    x = (variable_name(var) or var) if var else None  # theta is θ
    assumed = x is None and len(e.free - set(consts)) > 1
    x = variable_among(e, x, consts) if consts else (x or default_variable(e))
    extra = sorted(a.free - e.free - {x})
    if extra:
        raise BibunError(M.text("error.answer_variables", lang, names=extra, f=e))
    expected = diff(e, x)
    kinks = [nd.argument for nd in nondifferentiable_points(e, x)]
    ce = concretize([e])[0]

    def defined(pt: dict[str, float]) -> bool:
        """The question only makes sense where the function itself is defined and smooth."""
        if ce.free - set(pt):
            return True
        try:
            value_at(ce, pt)
            return all(abs(value_at(k, pt)) > 1e-6 for k in kinks if not (k.free - set(pt)))
        except EVAL_ERRORS:
            return False

    real = real_odd_roots(a)  # y^(2/3) at y < 0 is the real cube root, as in the book
    cmp = compare_exprs(expected, real, lang, guard=defined, extra_names=sorted(e.free | {x}))
    if cmp.equal:
        return CheckResult(True, e, shown, expected, x, cmp.method, cmp.points,
                           constants=consts, assumed=assumed)
    spelling = learner_spelling(sorted(e.free | a.free | {x}), [*typed, expr, answer, var])
    samples = cmp.samples
    if cmp.counterexample is not None:
        samples = samples + [cmp.counterexample.point]
    more = _more_samples(expected, real, sorted(e.free | a.free | {x}), defined, seed_of(e, a))
    diagnosis = diagnose(e, x, expected, real, samples + more, seed_of(e, a))
    holds = None
    if not diagnosis:
        part = _part_of_domain(expected, real, x, samples + more, spelling.get(x, x))
        diagnosis = [part or make_diagnosis("none")]
        if part is not None:
            holds = (spelling.get(x, x), part.evidence["side"])
    return CheckResult(False, e, shown, expected, x, cmp.method, cmp.points, cmp.counterexample,
                       diagnosis, None if cmp.difference is None else -cmp.difference, consts,
                       spelling, assumed, holds)


def _part_of_domain(expected: Expr, answer: Expr, x: str, points: list[dict[str, float]],
                    shown: str) -> Diagnosis | None:
    """A textbook answer that assumes x > 0 (sec x for (cosh⁻¹(sec x))′, which is
    |tan x|…): right on one side of 0 and wrong on the other is said so, with a point of
    each, rather than called a mistake."""
    ce, ca = concretize([expected, answer])
    agree: list[float] = []
    differ: list[float] = []
    for pt in points:
        if x not in pt:
            continue
        try:
            u, v = value_at(ce, pt), value_at(ca, pt)
        except EVAL_ERRORS:
            continue
        (agree if abs(u - v) <= 1e-7 * max(1.0, abs(u)) else differ).append(pt[x])
    if len(agree) < 2 or not differ:
        return None
    if min(agree) > 0 and max(differ) < 0:
        side, other, good, bad = ">", "<", min(agree), max(differ)
    elif max(agree) < 0 and min(differ) > 0:
        side, other, good, bad = "<", ">", max(agree), min(differ)
    else:
        return None
    return make_diagnosis("part_of_domain", x=shown, side=side, other=other,
                          good=i18n.format_number(good), bad=i18n.format_number(bad),
                          evidence={"side": side, "agree_at": good, "differ_at": bad})


def _more_samples(expected: Expr, answer: Expr, names: list[str], guard, seed: int
                  ) -> list[dict[str, float]]:
    """Points where both sides are defined (they may disagree): diagnosis needs several."""
    rng = random.Random(seed + 1)
    ce, ca = concretize([expected, answer])
    out: list[dict[str, float]] = []
    for tries, pt in enumerate(sample_points(names, rng)):
        if tries >= MAX_ATTEMPTS or len(out) >= 12:
            break
        try:
            if not guard(pt):
                continue
            value_at(ce, pt)
            value_at(ca, pt)
        except EVAL_ERRORS:
            continue
        out.append(pt)
        if not names:
            break
    return out


__all__ = ["CheckResult", "Comparison", "Counterexample", "Diagnosis", "check_answer", "compare",
           "diagnose", "equal"]
