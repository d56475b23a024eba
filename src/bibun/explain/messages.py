"""Explanation text on top of :mod:`bibun.i18n`: templates whose parameters are formulas.

The catalogs, the language switch and plain-text messages belong to :mod:`bibun.i18n`.
What is left here is specific to explanations: a step's template holds formulas, and each
renderer (text, LaTeX, MathML) typesets them its own way, which is why :func:`segments`
returns the pieces instead of one finished string; :func:`text` is the plain-text
rendering (formulas in their unicode form).
"""

from __future__ import annotations

from typing import Any

from bibun import i18n
from bibun.explain.show import Show, show_text
from bibun.expr.core import Expr


def segments(key: str, lang: str, **params: Any) -> list[Any]:
    """Split a template into literal text and parameter values, in order.

    Formulas (:class:`Expr`, :class:`Show`) are passed through untouched so each output
    format can typeset them; other values become text the catalog's way (lists of names
    joined in the language's way, numbers through their format spec).
    """
    out: list[Any] = []
    for literal, field, spec in i18n.fields(key, lang):
        if literal:
            out.append(literal)
        if field is None:
            continue
        if field not in params:
            raise KeyError(f"message {key!r} needs the parameter {field!r}")
        value = params[field]
        out.append(value if isinstance(value, Expr | Show) else i18n.value_text(value, lang, spec))
    return out


def text(key: str, lang: str, **params: Any) -> str:
    """A finished plain-text message (formulas printed with their unicode form)."""
    return "".join(seg if isinstance(seg, str) else _plain(seg)
                   for seg in segments(key, lang, **params))


def _plain(value: Expr | Show) -> str:
    return show_text(value) if isinstance(value, Show) else value.unicode()


__all__ = ["segments", "text"]
