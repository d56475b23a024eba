"""The hint ladder: from "which rule" to the answer, read off the derivation.

Each rung is one more piece of the procedure the seeds teach (手順1 put the inside as u,
手順2 differentiate each part, 手順3 multiply and put u back), taken from the rule tree
:func:`bibun.explain.derivation` builds, so a hint can never disagree with the answer:

1. which rule applies (its name and what it says, from the ``rule.*`` catalog entries);
2. the pieces: the substitution (u = …, y = u⁴), the two factors, numerator and
   denominator, or the terms;
3. the derivatives of the pieces (dy/du and du/dx, f′ and g′, each term′);
4. how they combine (the product before simplifying, then u put back);
5. the answer.

A constant factor in front (3·sin(2x)) is said first and the ladder continues with
what it multiplies.  A "value" problem climbs: rule → derivative formula → the given
facts put in → the number.
"""

from __future__ import annotations

from dataclasses import dataclass

from bibun import i18n
from bibun.explain import show as S
from bibun.explain import worked as W
from bibun.explain.steps import Step
from bibun.expr import core
from bibun.practice.problem import Problem
from bibun.practice.text import Line, decimal, given_number


@dataclass(frozen=True)
class WorkedLine:
    """A rung taken from a worked method's step (the limit of the difference quotient,
    implicit differentiation): its catalog sentence and its line of mathematics, typeset
    per format like a :class:`Line`."""

    step: W.Step

    def render(self, lang: str | None = None, fmt: str = "text") -> str:
        lang = i18n.resolve(lang)
        with i18n.using(lang):
            if fmt == "latex":
                line = self.step.line("latex")
                return self.step.sentence(lang, "latex") + (rf" \({line}\)" if line else "")
            said = self.step.sentence(lang, "unicode")
            if fmt == "markdown":
                line = self.step.line("latex")
                return said + (f" ${line}$" if line else "")
            line = self.step.line("unicode")
            return said + (f" {line}" if line else "")


#: implicit differentiation's steps a learner writes on the way to dy/dx (the second
#: derivative and the final solve are not asked: the last rung is the answer)
IMPLICIT_RUNGS = ("implicit.both_sides", "implicit.chain", "implicit.differentiated",
                  "implicit.collect")


def _worked_ladder(problem: Problem) -> list[Line | WorkedLine]:
    worked = problem.worked
    if worked is None:  # only called for problems worked by their own method
        return []
    if problem.equation is not None:
        rungs: list[Line | WorkedLine] = [WorkedLine(s) for s in worked.steps
                                          if s.key in IMPLICIT_RUNGS]
        lhs = S.leibniz("y", problem.var)
    else:
        rungs = [WorkedLine(s) for s in worked.steps if s.key != "limit.answer"]
        lhs = problem.derivation.root.lhs
    rungs.append(Line("practice.hint.answer", {"answer": S.eq(lhs, S.E(problem.derivative))}))
    return rungs


def core_step(step: Step) -> tuple[Step, core.Expr | None]:
    """The step under constant multiples, and the constant taken out (None if none)."""
    c = None
    while step.rule == "constant_multiple":
        c = _ratio(step, c)
        step = step.substeps[0]
    return step, c


def _ratio(step: Step, c: core.Expr | None) -> core.Expr:
    const = [f for f in step.expr.args if step.var not in f.free]
    return core.mul(c or core.ONE, *const)


def _rule_line(step: Step) -> Line:
    return Line("practice.hint.rule", {"rule": Line(f"rule.{step.rule}.name"),
                                       "says": Line(*step.says)})


def ladder(problem: Problem) -> list[Line]:
    """The hints of ``problem``, weakest first; the last rung is the answer.  Problems
    worked by their own method (from the definition, implicit) climb that method's
    steps."""
    if problem.worked is not None:
        return _worked_ladder(problem)  # type: ignore[return-value]
    d = problem.derivation
    step, c = core_step(d.root)
    out: list[Line] = []
    if c is not None:
        out.append(Line("practice.hint.constant", {"c": c, "f": step.expr}))
    out.append(_rule_line(step))
    if problem.given:
        out.append(Line("practice.hint.formula", {"d": S.eq(d.root.lhs, S.E(d.final))}))
        out.append(Line("practice.hint.put_in", {"given": [
            S.eq(S.E(e), S.E(given_number(v))) for e, v in problem.given]}))
        out.append(Line("practice.hint.value", {"value": decimal(problem.value)}))
        return out
    x = d.var
    if step.rule == "chain":
        (u, inner), = step.names
        outer, inner_s = step.substeps
        dep = d.dep
        y_def = core.mul(c, step.outer) if c is not None else step.outer
        out.append(Line("practice.hint.substitute",
                        {"u": S.eq(S.name(u), S.E(inner)), "y": S.eq(S.name(dep), S.E(y_def))}))
        dydu = core.mul(c, outer.result) if c is not None else outer.result
        out.append(Line("practice.hint.outer_inner", {
            "outer": S.eq(S.leibniz(dep, u), S.E(dydu)),
            "inner": S.eq(S.leibniz(u, x, d.partial), S.E(inner_s.result))}))
        in_u = core.mul(dydu, inner_s.result)
        out.append(Line("practice.hint.multiply", {
            "product": S.eq(S.mul(S.E(dydu), S.E(inner_s.result)), S.E(in_u)),
            "u": S.eq(S.name(u), S.E(inner))}))
    elif step.rule in ("product", "quotient") and len(step.substeps) == 2:
        f_s, g_s = step.substeps
        key = "practice.hint.factors" if step.rule == "product" else "practice.hint.fraction"
        out.append(Line(key, {"f": S.eq(S.name("f"), S.E(f_s.expr)),
                              "g": S.eq(S.name("g"), S.E(g_s.expr))}))
        out.append(Line("practice.hint.each", {
            "fp": S.eq(S.name("f'"), S.E(f_s.result)), "gp": S.eq(S.name("g'"), S.E(g_s.result))}))
        out.append(Line("practice.hint.combine", {"work": S.eq(step.work[1], step.work[2])}))
    elif step.rule == "sum":
        out.append(Line("practice.hint.terms", {"terms": [
            S.eq(s.lhs, S.E(s.result)) for s in step.substeps]}))
    out.append(Line("practice.hint.answer", {"answer": S.eq(d.root.lhs, S.E(d.final))}))
    return out


__all__ = ["core_step", "ladder"]
