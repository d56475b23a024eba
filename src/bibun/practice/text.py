"""Practice sentences from the catalogs, with their formulas typeset per output format.

Problems, hints and verdicts are sentences with formulas in them.  A terminal wants
unicode (x², ·), a worksheet in LaTeX wants ``x^{2}``, Markdown wants ``$…$``; so a
sentence is kept as a catalog key plus parameters (:class:`Line`) and typeset late, the
same way the explanation printers work (:func:`bibun.explain.messages.segments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bibun import i18n
from bibun.explain.messages import segments
from bibun.explain.show import Show, show_latex, show_text
from bibun.expr import core
from bibun.expr.core import Expr

FORMATS = ("text", "latex", "markdown")


@dataclass(frozen=True)
class Line:
    """A catalog key (``practice.…``) and its parameters: formulas stay formulas."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str | None = None, fmt: str = "text") -> str:
        return say(self.key, lang, fmt, **self.params)


def formula(value: Expr | Show, fmt: str) -> str:
    """One formula in ``fmt``: unicode for text, LaTeX source, ``$…$`` for Markdown."""
    if fmt == "text":
        return show_text(value) if isinstance(value, Show) else value.unicode()
    tex = show_latex(value) if isinstance(value, Show) else value.latex()
    return f"${tex}$" if fmt == "markdown" else f"\\({tex}\\)"


def say(key: str, lang: str | None, fmt: str = "text", /, **params: Any) -> str:
    """The finished sentence ``key`` in ``lang`` and ``fmt``.

    A parameter may also be a :class:`Line` (a sentence inside a sentence: a rule's
    name) or a list of formulas (joined the language's way: "a, b" / "a、b")."""
    lang = i18n.resolve(lang)
    raw: dict[str, str] = {}
    plain: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Line):
            raw[name] = value.render(lang, fmt)
        elif isinstance(value, list | tuple) and value and \
                all(isinstance(v, Expr | Show) for v in value):
            raw[name] = i18n.join_list([formula(v, fmt) for v in value], lang)
        else:
            plain[name] = value
            continue
        plain[name] = f"\x00{name}\x00"
    out = []
    for seg in segments(key, lang, **plain):
        if isinstance(seg, Expr | Show):
            out.append(formula(seg, fmt))
        else:
            out.append(_escape(seg, fmt))
    text = "".join(out)
    for name, value in raw.items():
        text = text.replace(f"\x00{name}\x00", value)
    return text


def _escape(s: str, fmt: str) -> str:
    if fmt != "latex":
        return s
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("#", r"\#"),
                 ("_", r"\_")):
        s = s.replace(a, b)
    return s


def given_number(v: Fraction) -> Expr:
    """A given value as an expression: whole numbers exact (x = 2), others as the
    decimals the seeds write (σ(z) = 0.8)."""
    return core.number(int(v) if v.denominator == 1 else float(v))


def decimal(v: Fraction | float) -> str:
    """A value as the seeds write it: 0.25, 0.16, −0.5 (exact fractions with a finite
    decimal expansion print exactly; others with ten significant digits)."""
    if isinstance(v, Fraction):
        d = v.denominator
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        if d == 1:
            text = f"{float(v):.12f}".rstrip("0").rstrip(".")
            return text if text not in ("-0", "") else "0"
        v = float(v)
    return i18n.format_number(v)


__all__ = ["FORMATS", "Line", "decimal", "formula", "given_number", "say"]
