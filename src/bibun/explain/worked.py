"""Worked derivations that are not a walk of the rule tree: implicit, from the definition,
through the inverse function, logarithmic, parametric, backpropagation by hand.

Each is a title and a list of numbered steps; a step is one catalog sentence (key and
parameters) and one line of mathematics, the parts of which are joined by " = ".  A part
is an :class:`~bibun.expr.core.Expr`, a :class:`Lim` (lim over h → 0 of an expression) or
a :class:`Raw` piece of notation with its text and LaTeX spellings.  The renderers write
text, Markdown, LaTeX, MathML and JSON in English or Japanese; the words come from the
catalog only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bibun import i18n
from bibun.expr.core import Expr
from bibun.expr.mathml import to_mathml

FORMATS = ("text", "unicode", "markdown", "latex", "mathml", "json")


@dataclass(frozen=True)
class Raw:
    """Notation that is not an expression: dy/dx, y′, an arrow."""

    text: str
    latex: str = ""

    def render(self, fmt: str) -> str:
        if fmt in ("latex", "mathml"):
            return self.latex or self.text
        return self.text


def frac(top: Any, *bottom: Any) -> Raw:
    """top/(b1·b2…) written out, without cancelling (the step that cancels comes next)."""
    t = " ".join(_paren(b) for b in bottom)
    lt = " ".join(rf"\left({part(b, 'latex')}\right)" if _compound(b) else part(b, "latex")
                  for b in bottom)
    return Raw(f"({part(top, 'text')})/({t})", rf"\frac{{{part(top, 'latex')}}}{{{lt}}}")


def _compound(b: Any) -> bool:
    return isinstance(b, Expr) and b.op in ("add",)


def _paren(b: Any) -> str:
    return f"({part(b, 'text')})" if _compound(b) else part(b, "text")


@dataclass(frozen=True)
class Lim:
    """lim_{h→0} of an expression."""

    body: Any
    h: str = "h"

    def render(self, fmt: str) -> str:
        if fmt in ("latex", "mathml"):
            return rf"\lim_{{{self.h} \to 0}} \left({part(self.body, 'latex')}\right)"
        return f"lim[{self.h}→0] ({part(self.body, fmt)})"


def part(p: Any, fmt: str) -> str:
    """One piece of a formula line in ``fmt``."""
    if isinstance(p, Expr):
        if fmt == "unicode":
            return p.unicode()
        if fmt == "latex":
            return p.latex()
        if fmt == "mathml":
            return to_mathml(p)
        return str(p)
    if isinstance(p, Raw | Lim):
        return p.render(fmt)
    return str(p)


@dataclass
class Step:
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    math: tuple[Any, ...] = ()

    def sentence(self, lang: str, fmt: str = "text") -> str:
        pfmt = "latex" if fmt == "latex" else ("unicode" if fmt == "unicode" else "text")
        params = {k: part(v, pfmt) if isinstance(v, Expr | Raw | Lim) else v
                  for k, v in self.params.items()}
        if fmt == "latex":
            params = {k: f"${v}$" if isinstance(self.params[k], Expr | Raw | Lim) else v
                      for k, v in params.items()}
        return i18n.text(self.key, lang, **params)

    def line(self, fmt: str) -> str:
        sub = "latex" if fmt == "mathml" else fmt
        parts: list[str] = []
        for p in self.math:
            t = part(p, sub if fmt != "markdown" else "text")
            if not parts or parts[-1] != t:
                parts.append(t)
        s = " = ".join(parts)
        if fmt == "mathml" and s:
            return ('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
                    f"<annotation encoding=\"application/x-tex\">{_xml(s)}</annotation></math>")
        return s


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class Worked:
    """A worked derivation: title, steps, the answer (and anything the method adds)."""

    title_key: str
    title_params: dict[str, Any]
    steps: list[Step]
    answer: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def title(self, lang: str, fmt: str = "text") -> str:
        return Step(self.title_key, self.title_params).sentence(lang, fmt)

    def render(self, lang: str | None = None, format: str = "text") -> str:  # noqa: A002
        lang = i18n.resolve(lang)
        with i18n.using(lang):  # formulas in the language's notation: log x in Japanese
            return self._render(lang, format)

    def _render(self, lang: str, fmt: str) -> str:
        if fmt not in FORMATS:
            raise i18n.error("error.worked.format", fmt=fmt, formats=", ".join(FORMATS))
        if fmt == "json":
            return json.dumps(self.to_json(lang), ensure_ascii=False, indent=2)
        out = []
        if fmt == "markdown":
            out.append(f"### {self.title(lang)}\n")
        elif fmt == "latex":
            out.append(r"\paragraph{" + self.title(lang, "latex") + "}")
            out.append(r"\begin{enumerate}")
        elif fmt == "mathml":
            out.append(f"<p>{_xml(self.title(lang))}</p>\n<ol>")
        else:
            out.append(self.title(lang, fmt))
        for n, s in enumerate(self.steps, start=1):
            label = i18n.text("worked.step", lang, n=n)
            line = s.line(fmt)
            if fmt == "markdown":
                out.append(f"{n}. {s.sentence(lang)}" + (f"  \n   `{line}`" if line else ""))
            elif fmt == "latex":
                out.append(r"\item " + s.sentence(lang, "latex")
                           + (f"\n  \\[ {line} \\]" if line else ""))
            elif fmt == "mathml":
                out.append(f"<li>{_xml(s.sentence(lang))}{line}</li>")
            else:
                out.append(f"  {label} {s.sentence(lang, fmt)}")
                if line:
                    out.append(f"      {line}")
        if fmt == "latex":
            out.append(r"\end{enumerate}")
        elif fmt == "mathml":
            out.append("</ol>")
        return "\n".join(out)

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        lang = i18n.resolve(lang)
        return {
            "title": self.title(lang),
            "steps": [{"key": s.key, "text": s.sentence(lang), "math": s.line("text"),
                       "latex": s.line("latex")} for s in self.steps],
            "answer": None if self.answer is None else part(self.answer, "text"),
            **{k: (part(v, "text") if isinstance(v, Expr | Raw | Lim) else v)
               for k, v in self.extra.items()},
        }
