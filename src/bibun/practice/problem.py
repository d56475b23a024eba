"""Generated exercises: :func:`generate` and the :class:`Problem` it returns.

A problem is the function, the variable and the textbook answer bibun's own engine
gives (``bibun.explain.derivation(...).final``: the form a teacher writes,
``4(2x + 3)(x² + 3x + 1)³``), with the derivation kept for hints, worked steps and
step checking.  Generation is seeded (same topic, level and seed: the same set, on any
machine: the random generator is seeded from a string, which Python hashes the same way
everywhere), sets have no duplicates (hash-consing makes "the same expression" an
identity), and a candidate whose answer is not tidy is drawn again.

Tidy, the bound: the textbook answer has at most :data:`MAX_ANSWER_NODES` DAG nodes and
its text at most :data:`MAX_ANSWER_CHARS` characters (the neuron's
½(σ(wx + b) − t)² answer, the largest template, has 28 nodes and 60 characters).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from bibun import i18n
from bibun.calculus.first_principles import from_definition
from bibun.calculus.implicit import Implicit, implicit_diff
from bibun.explain import show as S
from bibun.explain.derivation import Derivation, derivation
from bibun.explain.worked import Worked
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.i18n import error
from bibun.practice.text import Line, decimal, given_number
from bibun.practice.topics import LEVELS, TEMPLATES, TOPICS, Draft
from bibun.symbolic import diff

MAX_ANSWER_NODES = 30
MAX_ANSWER_CHARS = 64
MAX_COUNT = 200
#: rules that are not a step a learner writes down
TRIVIAL_RULES = frozenset({"variable", "constant", "repeat", "partial_constant"})


@dataclass(eq=False)
class Problem:
    """One exercise.  ``kind`` is "derive" (find the derivative) or "value" (the seed
    002 style: its value where ``given`` holds, e.g. σ′ where σ(z) = 0.8)."""

    topic: str
    level: int
    expr: Expr
    var: str
    given: tuple[tuple[Expr, Fraction], ...] = ()
    point: tuple[tuple[str, Any], ...] = ()
    number: int = 1
    _value: Fraction | None = field(default=None, repr=False)
    #: an implicit problem's equation (left, right): ``expr`` is then left − right, the
    #: equation F = 0, and the answer is dy/dx in x and y
    equation: tuple[Expr, Expr] | None = None

    @property
    def kind(self) -> str:
        return "value" if self.given else "derive"

    @property
    def partial(self) -> bool:
        return self.equation is None and bool(self.expr.free - {self.var})

    @cached_property
    def implicit(self) -> Implicit | None:
        """For an implicit problem, the worked implicit differentiation (y = y(x))."""
        if self.equation is None:
            return None
        return implicit_diff(self.equation_text, self.var, "y")

    @property
    def equation_text(self) -> str:
        left, right = self.equation or (self.expr, core.ZERO)
        return f"{left} = {right}"

    @cached_property
    def worked(self) -> Worked | None:
        """The worked steps of the topic's own method: the limit of the difference
        quotient ("definition"), implicit differentiation ("implicit"); None for the
        topics worked with the rule tree (:attr:`derivation`)."""
        if self.implicit is not None:
            return self.implicit.worked
        if self.topic == "definition":
            return from_definition(self.expr, self.var)
        return None

    @cached_property
    def derivation(self) -> Derivation:
        """The rule tree bibun explains this derivative with (hints and steps read it)."""
        return derivation(self.expr, self.var, checks=False)

    @property
    def derivative(self) -> Expr:
        """The textbook form of the derivative (``derivation.final``; for an implicit
        problem dy/dx = −F_x/F_y simplified)."""
        if self.implicit is not None:
            return self.implicit.derivative
        return self.derivation.final

    @property
    def value(self) -> Fraction | None:
        """For a "value" problem, the exact answer (σ′ = p(1 − p) with p given)."""
        if not self.given:
            return None
        if self._value is None:
            d = diff(self.expr, self.var).subs({k: core.number(v) for k, v in self.given})
            if d.op != core.NUM:  # a template that leaves a variable: a bug, say so
                raise error("error.practice.value_not_number", expr=self.expr, d=d)
            self._value = Fraction(d.value)
        return self._value

    @property
    def answer(self) -> Expr:
        """The answer as an expression: the derivative, or the number."""
        return core.number(self.value) if self.given else self.derivative

    def answer_text(self, lang: str | None = None, fmt: str = "text") -> str:
        if self.given:
            return decimal(self.value)  # type: ignore[arg-type]
        return Line("practice.formula", {"f": self.derivative}).render(lang, fmt)

    @property
    def key(self) -> str:
        """A stable text id (database, CSV): topic, level, variable, the formula and, for
        a value problem, the facts given."""
        facts = "".join(f"; {e} = {decimal(v)}" for e, v in self.given)
        what = self.equation_text if self.equation is not None else str(self.expr)
        return f"{self.topic}/{self.level}/{self.var}/{what}{facts}"

    def question(self) -> Line:
        """The problem statement as a catalog line."""
        if self.given:
            facts = [S.eq(S.E(e), S.E(given_number(v))) for e, v in self.given]
            return Line("practice.ask.value", {"f": self.expr, "x": self.var, "given": facts})
        if self.equation is not None:
            return Line("practice.ask.implicit", {
                "eq": S.eq(S.E(self.equation[0]), S.E(self.equation[1])), "x": self.var,
                "d": S.leibniz("y", self.var)})
        if self.topic == "definition":
            return Line("practice.ask.definition", {"f": self.expr, "x": self.var})
        key = "practice.ask.partial" if self.partial else "practice.ask.derive"
        return Line(key, {"f": self.expr, "x": self.var})

    def statement(self, lang: str | None = None, fmt: str = "text") -> str:
        return self.question().render(lang, fmt)

    @property
    def steps(self) -> int:
        """How much work the problem is: the derivation's steps a learner writes down,
        plus its rewrites (x^(−2) for 1/x², a note on a corner).  A problem worked by
        its own method counts that method's steps (the limit's, or implicit
        differentiation's up to dy/dx plus one per product term x·y that needs the
        product rule inside it)."""
        if self.implicit is not None:
            terms = [t for side in self.equation or () for t in
                     (side.args if side.op == core.ADD else (side,))]
            products = sum(1 for t in terms if {self.var, "y"} <= t.free)
            return len(self.implicit.worked.steps) - 1 + products
        if self.worked is not None:
            return len(self.worked.steps)
        root = self.derivation.root
        return sum(1 + len(s.notes) for s in root.walk() if s.rule not in TRIVIAL_RULES)

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        return {"topic": self.topic, "level": self.level, "kind": self.kind,
                "expression": self.equation_text if self.equation else str(self.expr),
                "variable": self.var,
                "question": self.statement(lang), "answer": self.answer_text(lang),
                "answer_latex": self.answer_text(lang, "latex"), "key": self.key}


def check_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise i18n.error("practice.error.unknown_topic", topic=repr(topic),
                         topics=", ".join(TOPICS))
    return topic


def check_level(level: int) -> int:
    if level not in LEVELS:
        raise i18n.error("practice.error.level", level=repr(level))
    return level


def tidy(answer: Expr) -> bool:
    """Within the stated bound (:data:`MAX_ANSWER_NODES`, :data:`MAX_ANSWER_CHARS`)."""
    return core.dag_size(answer) <= MAX_ANSWER_NODES and len(str(answer)) <= MAX_ANSWER_CHARS


def generate(topic: str, count: int = 10, seed: int = 0, level: int = 1) -> list[Problem]:
    """``count`` different problems on ``topic`` at ``level`` (1–3), reproducibly from
    ``seed``.  Raises BibunError for an unknown topic (listing the topics), a level
    outside 1–3, or more problems than the topic's templates can make different."""
    check_topic(topic)
    check_level(level)
    if not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise i18n.error("practice.error.count", count=repr(count), most=MAX_COUNT)
    rng = random.Random(f"bibun-practice:{topic}:{level}:{seed}")
    templates = TEMPLATES[topic](level)
    out: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for _ in range(60 * count + 200):
        if len(out) == count:
            break
        draft: Draft = rng.choice(templates)(rng)
        ident = (draft.expr, draft.var, draft.given)
        if ident in seen:
            continue
        seen.add(ident)
        p = Problem(topic, level, draft.expr, draft.var, draft.given, draft.point,
                    len(out) + 1, equation=draft.equation)
        if p.kind == "derive" and not tidy(p.derivative):
            continue
        out.append(p)
    if len(out) < count:
        raise i18n.error("practice.error.too_few", topic=topic, level=level, count=count,
                         made=len(out))
    return out


__all__ = ["MAX_ANSWER_CHARS", "MAX_ANSWER_NODES", "Problem", "check_level", "check_topic",
           "generate", "tidy"]
