"""Check a learner's derivative, and say what probably went wrong.

``check_answer(expr, answer)`` differentiates ``expr``, decides whether ``answer`` is the
same function (:mod:`bibun.explain.equality`: algebra first, then evaluation at points
where the original function is defined and smooth), and for a wrong answer gives a
counterexample and the likely mistake (:mod:`bibun.explain.mistakes`: a forgotten
inner derivative, (fg)′ = f′g′, xⁿ → n·xⁿ, the quotient rule's numerator swapped or its
denominator not squared, a sign, a constant factor).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
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
from bibun.expr.core import Expr
from bibun.expr.parse import variable_name
from bibun.expr.simplify import recognize
from bibun.symbolic import default_variable, diff, nondifferentiable_points


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

    def __bool__(self) -> bool:
        return self.correct

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
            return M.text("check.correct", lang, answer=self.answer, f=self.expr, x=x) + \
                M.text("sentence_gap", lang) + how
        shown: Any = self.expected
        tidy = recognize(self.expected)
        if tidy is not self.expected:
            shown = eq(self.expected, tidy)
        lines = [M.text("check.read_as", lang, answer=self.answer),
                 M.text("check.wrong", lang, f=self.expr, x=x, expected=shown)]
        if self.difference is not None:
            lines.append(M.text("check.constant_difference", lang,
                                difference=i18n.format_number(self.difference)))
        if self.counterexample:
            c = self.counterexample
            if c.answer is None and c.expected is not None:
                lines.append(M.text("check.domain_differs", lang, point=c.where(lang),
                                    value=i18n.format_number(c.expected)))
            else:
                lines.append(M.text("check.counterexample", lang, point=c.where(lang),
                                    answer_value=c.value_text("answer", lang),
                                    expected_value=c.value_text("expected", lang)))
        for dgn in self.diagnosis:
            lines.append(M.text("check.diagnosis", lang) + dgn.text(lang))
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: verdict, answer and derivative, counterexample, diagnosis."""
        return check_bundle(self)

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        """``correct``, ``expected``, ``counterexample``, ``diagnosis`` and context."""
        lang = i18n.resolve(lang)
        return {
            "correct": self.correct,
            "expression": str(self.expr),
            "variable": self.variable,
            "answer": str(self.answer),
            "expected": str(self.expected),
            "expected_latex": self.expected.latex(),
            "method": self.method,
            "points": self.points,
            "difference": self.difference,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "diagnosis": [d.to_json(lang) for d in self.diagnosis],
            "message": self.message(lang),
        }


# -- the entry point -----------------------------------------------------------------------------


def check_answer(expr: Any, answer: Any, var: str | None = None, *, lang: str | None = None,
                 latex: bool | None = None) -> CheckResult:
    """Is ``answer`` the derivative of ``expr`` with respect to ``var``?

    Both may be expressions or text (plain or LaTeX).  Raises :class:`BibunError` for an
    unreadable expression or answer, an answer with variables the expression does not
    have, or when no point exists where both sides are defined.
    """
    lang = i18n.resolve(lang)
    e = read_formula(expr, latex, "error.unparsable_expression", lang)
    a = read_formula(answer, latex, "error.unparsable_answer", lang, answer=True)
    x = (variable_name(var) or var) if var else default_variable(e)  # theta is θ
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

    cmp = compare_exprs(expected, a, lang, guard=defined, extra_names=sorted(e.free | {x}))
    if cmp.equal:
        return CheckResult(True, e, a, expected, x, cmp.method, cmp.points)
    samples = cmp.samples
    if cmp.counterexample is not None:
        samples = samples + [cmp.counterexample.point]
    more = _more_samples(expected, a, sorted(e.free | a.free | {x}), defined, seed_of(e, a))
    diagnosis = diagnose(e, x, expected, a, samples + more, seed_of(e, a))
    if not diagnosis:
        diagnosis = [make_diagnosis("none")]
    return CheckResult(False, e, a, expected, x, cmp.method, cmp.points, cmp.counterexample,
                       diagnosis, None if cmp.difference is None else -cmp.difference)


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
