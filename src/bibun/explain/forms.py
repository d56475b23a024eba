"""Equivalent forms of a derivative, for ``bibun diff --forms``.

The textbook form is the default answer, but a learner checking by hand wants the
expanded polynomial, an ML reader wants ``σ(x)(1 − σ(x))`` or even ``y(1 − y)`` (the
form backpropagation uses: the derivative from the function's own output), and someone
comparing with SymPy wants a common denominator.  Each form is computed with the
rewrites of :mod:`bibun.expr.simplify`; forms identical to an earlier one are skipped,
so the list only shows genuinely different ways to write the same function.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from bibun import i18n
from bibun.errors import BibunError, LimitError
from bibun.explain import messages as M
from bibun.explain.display import form_bundle
from bibun.expr import core
from bibun.expr.core import FN, Expr
from bibun.expr.ops import exponential_form
from bibun.expr.parse import parse_any
from bibun.expr.simplify import expand, factor, recognize, together
from bibun.functions import rule


class _FormTuple(NamedTuple):
    label_en: str
    label_ja: str
    expr: Expr


class Form(_FormTuple):
    """``(label_en, label_ja, expr)``; ``.key`` names the kind of form (textbook,
    through, in_terms, expanded, factored, common_denominator, exponential)."""

    key: str

    @property
    def name(self) -> str:
        """The English label (for consumers that expect ``.name``)."""
        return self.label_en

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: the label and the formula."""
        return form_bundle(self)

    def label(self, lang: str | None = None) -> str:
        return self.label_ja if i18n.resolve(lang) == "ja" else self.label_en


def _form(key: str, e: Expr, **params: Any) -> Form:
    f = Form(M.text(f"form.{key}", "en", **params), M.text(f"form.{key}", "ja", **params), e)
    f.key = key
    return f


def _in_terms(d: Expr, original: Expr) -> tuple[Expr, str] | None:
    """Write ``d`` with the name y standing for the original function (y(1 − y))."""
    name = next((n for n in ("y", "z", "w") if n not in d.free and n not in original.free),
                None)
    if name is None or original.op not in (FN, core.POW, core.MUL):
        return None
    y = core.symbol(name)
    targets = {original, recognize(original)}
    out = core.rebuild(d, lambda node, args: y if node in targets else None)
    if out is d or (out.free & original.free):
        return None
    return out, name


def forms(expr_or_derivative: Any, original: Any = None, *, latex: bool | None = None
          ) -> list[Form]:
    """Ordered equivalent forms: textbook, through the original function (and in terms
    of y = the original, when given), expanded, factored, common denominator,
    exponential.  Each is a :class:`Form` ``(label_en, label_ja, expr)``."""
    d = parse_any(expr_or_derivative, latex) if isinstance(expr_or_derivative, str) \
        else core.as_expr(expr_or_derivative)
    orig = None
    if original is not None:
        orig = parse_any(original, latex) if isinstance(original, str) else core.as_expr(original)
    out: list[Form] = []
    seen: set[int] = set()

    def offer(key: str, make, **params: Any) -> Expr | None:
        try:
            e = make()
        except (LimitError, BibunError, RecursionError):
            return None
        if e is None:
            return None
        if id(e) not in seen:
            seen.add(id(e))
            out.append(_form(key, e, **params))
        return e

    offer("textbook", lambda: d)
    through = offer("through", lambda: recognize(d))
    if orig is not None and through is not None:
        found = _in_terms(through, orig)
        if found is not None:
            e, name = found
            offer("in_terms", lambda: e, y=name, f=orig.unicode())
    expanded = offer("expanded", lambda: expand(d))
    if expanded is not None:
        offer("factored", lambda: factor(expanded))
    offer("factored", lambda: factor(d))
    offer("common_denominator", lambda: together(d))
    if any(n.op == FN and rule(n.value).definition is not None for n in core.postorder(d)):
        def exponential() -> Expr:
            ex = exponential_form(d)
            return min((ex, together(ex), together(expand(ex))), key=lambda c: c.size)
        offer("exponential", exponential)
    return out


__all__ = ["Form", "forms"]
