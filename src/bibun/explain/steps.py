"""The data of a derivation: :class:`Step`, :class:`Note`, :class:`Derivation`.

Kept apart from the walk that builds them (:mod:`bibun.explain.derivation`) and the
printers that read them (:mod:`bibun.explain.render`), so each of those stays small and
the JSON schema has one place to look for the fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bibun.explain import render
from bibun.explain import show as S
from bibun.explain.display import derivation_bundle
from bibun.explain.show import Show
from bibun.expr.core import Expr

#: every rule a step can carry, in the order the documentation lists them
RULES = (
    "constant", "partial_constant", "variable", "constant_multiple", "sum", "power", "product",
    "quotient", "chain", "exp", "exp_base", "log", "log_base", "trig", "inverse_trig",
    "hyperbolic", "inverse_hyperbolic", "sigmoid", "activation", "function", "piecewise",
    "abstract", "general_power",
    "repeat", "simplify", "expand_check", "numeric_check",
)


@dataclass(eq=False)
class Note:
    """A remark attached to a step: a catalog key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class Step:
    """One rule application.

    ``lhs`` is how the derivative is written (``dy/du``, ``(x³ + 1)′``); ``work`` the
    equality chain after it, before ``result``.  ``names`` lists fresh names introduced
    here with what they stand for; ``outer`` (chain rule) is the outer function written
    with the fresh name.  ``role`` says how the parent uses this step (outer, inner,
    numerator, ...).  ``data`` holds facts of check steps (points, values).
    """

    rule: str
    expr: Expr
    var: str
    result: Expr
    lhs: Show
    work: list[Show] = field(default_factory=list)
    substeps: list[Step] = field(default_factory=list)
    names: list[tuple[str, Expr]] = field(default_factory=list)
    role: str | None = None
    function: str | None = None
    formula: Show | None = None
    notes: list[Note] = field(default_factory=list)
    outer: Expr | None = None
    ref: Step | None = None
    data: dict[str, Any] = field(default_factory=dict)
    number: int = 0

    def walk(self) -> Iterator[Step]:
        """This step and all substeps, in reading order (pre-order, no recursion)."""
        stack = [self]
        while stack:
            s = stack.pop()
            yield s
            stack.extend(reversed(s.substeps))

    def chain(self) -> list[Show]:
        """``lhs = work… = result`` with neighbours that print the same dropped."""
        items = [self.lhs, *self.work, S.E(self.result)]
        out: list[Show] = []
        for it in items:
            if out and (_same(out[-1], it) or S.show_text(out[-1]) == S.show_text(it)):
                if it.kind == "expr":
                    out[-1] = it  # keep the canonical expression, it is the real value
                continue
            out.append(it)
        return out

    @property
    def says(self) -> tuple[str, dict[str, Any]]:
        """The catalog sentence (key, parameters) saying what the rule does here.  The
        unknown-function rule names the function being differentiated (g′ for g), where
        the rule's general description always says f."""
        if self.rule == "abstract" and self.function:
            return "rule.abstract.says_named", {"name": self.function}
        return f"rule.{self.rule}.says", {}

    def __repr__(self) -> str:
        return f"Step({self.rule}: d/d{self.var} {self.expr} = {self.result})"


def _same(a: Show, b: Show) -> bool:
    if a.kind == "expr" and b.kind == "expr":
        return a.args[0] is b.args[0]
    return a == b


@dataclass(eq=False)
class Derivation:
    """A whole explanation: the rule tree, the final form and the checks.

    ``result`` is ``bibun.diff(expr, var)`` (the same object); ``final`` is the form
    presented last (``result`` itself unless a ``simplify`` step rewrote it through a
    known function).
    """

    expr: Expr
    var: str
    dep: str
    partial: bool
    root: Step
    result: Expr
    final: Expr
    simplify: Step | None
    checks: list[Step]
    notes: list[Note]
    source: str | None = None

    @property
    def steps(self) -> list[Step]:
        """Top-level steps: the derivation, then simplification, then checks."""
        return [self.root] + ([self.simplify] if self.simplify else []) + self.checks

    def walk(self) -> Iterator[Step]:
        for top in self.steps:
            yield from top.walk()

    def rules_used(self) -> list[str]:
        """Rules in reading order (with repeats), e.g. ['chain', 'power', 'sum', ...]."""
        return [s.rule for s in self.walk()]

    def find(self, rule: str) -> list[Step]:
        """All steps that used ``rule``."""
        return [s for s in self.walk() if s.rule == rule]

    def render(self, lang: str | None = None, format: str = "text",
               detail: str = "normal") -> str:
        """The explanation as text, markdown, latex, mathml (HTML fragment) or json.

        ``lang`` is "en" or "ja" (default: ``BIBUN_LANG``, then the locale);
        ``detail="full"`` also shows trivial steps such as (x)′ = 1.
        """
        return render.render(self, lang=lang, format=format, detail=detail)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: the result, then the numbered steps in a collapsible block."""
        return derivation_bundle(self)

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        """The documented JSON structure (see docs/explain.md) as Python data."""
        return render.to_json(self, lang=lang)

    def __str__(self) -> str:
        return self.render()


__all__ = ["RULES", "Derivation", "Note", "Step"]
