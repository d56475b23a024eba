"""Notation of worked steps (dy/dx, d/dx [x² + y²], ((x+h)² − x²)/h, lim[h→0] …) as
presentation MathML, written exactly as the step wrote it.

A worked step keeps some of its mathematics as text on purpose: the difference quotient
before it is expanded, the product 1 × 0.196612 before it is multiplied.  Parsing that
text into an expression would simplify it and lose the step, so this module only
*typesets* it: a small precedence reader (sums, products, quotients as fractions,
powers, brackets, function names, lim[h→0]) that builds MathML and never computes.
"""

from __future__ import annotations

import re
from html import escape

TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?|[A-Za-z_]\w*'*|∂\w*|→|[^\s])")
#: names written upright as functions (the rest are variables, in italics)
FUNCTIONS = {"sin", "cos", "tan", "log", "ln", "exp", "sigmoid", "tanh", "sqrt", "asin",
             "acos", "atan", "lim", "softplus", "relu", "cot", "sec", "csc"}
BINARY = {"+": "+", "-": "−", "=": "=", "×": "×", "·": "·", ",": ",", "*": "·"}


class _Reader:
    def __init__(self, text: str):
        self.toks = [m.group(1) for m in TOKEN.finditer(text)]
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    # expr := term (op term)*
    def expr(self, stop: str = "") -> str:
        out = []
        if self.peek() in ("-", "+"):
            out.append(f"<mo>{BINARY[self.take()]}</mo>")
        out.append(self.term(stop))
        while self.peek() in BINARY and self.peek() not in stop:
            out.append(f"<mo>{BINARY[self.take()]}</mo>")
            if self.peek() in ("-", "+"):
                out.append(f"<mo>{BINARY[self.take()]}</mo>")
            out.append(self.term(stop))
        return "<mrow>" + "".join(out) + "</mrow>"

    # term := power ((/ | juxtaposition) power)*   a/b is a fraction of what is left of it
    def term(self, stop: str) -> str:
        parts = [self.power(stop)]
        while True:
            tok = self.peek()
            if tok is None or tok in BINARY or tok in ")]" or tok in stop:
                break
            if tok == "/":
                self.take()
                num = parts[0] if len(parts) == 1 else "<mrow>" + "".join(parts) + "</mrow>"
                parts = [f"<mfrac>{_ungroup(num)}{_ungroup(self.power(stop))}</mfrac>"]
                continue
            parts.append(self.power(stop))
        return "<mrow>" + "".join(parts) + "</mrow>" if len(parts) > 1 else parts[0]

    def power(self, stop: str) -> str:
        base = self.atom(stop)
        if self.peek() == "^":
            self.take()
            exp = self.power(stop)
            return f"<msup>{base}{_ungroup(exp)}</msup>"
        return base

    def atom(self, stop: str) -> str:
        tok = self.take() if self.peek() is not None else ""
        if tok in ("(", "["):
            close = ")" if tok == "(" else "]"
            inner = self.expr(stop=")]")
            if self.peek() == close:
                self.take()
            return (f'<mrow><mo stretchy="true">{tok}</mo>{inner}'
                    f'<mo stretchy="true">{close}</mo></mrow>')
        if tok == "lim" and self.peek() == "[":
            self.take()
            under = self.expr(stop="]")
            if self.peek() == "]":
                self.take()
            return f"<munder><mo>lim</mo>{under}</munder>"
        if re.fullmatch(r"\d.*", tok):
            return f"<mn>{tok}</mn>"
        if re.fullmatch(r"[A-Za-z_]\w*'*|∂\w*", tok):
            name = escape(tok.replace("'", "′"))
            if tok in FUNCTIONS:
                return f"<mi>{name}</mi><mo>&#x2061;</mo>"
            return f"<mi>{name}</mi>"
        return f"<mo>{escape(tok)}</mo>" if tok else "<mrow></mrow>"


def _ungroup(markup: str) -> str:
    """(a + b) as a numerator or exponent needs no brackets: the bar or the height says it."""
    m = re.fullmatch(r'<mrow><mo stretchy="true">\(</mo>(.*)<mo stretchy="true">\)</mo></mrow>',
                     markup, re.S)
    return f"<mrow>{m.group(1)}</mrow>" if m and _balanced(m.group(1)) else markup


def _balanced(inner: str) -> bool:
    depth = 0
    for tok in re.findall(r'<mo stretchy="true">([()\[\]])</mo>', inner):
        depth += 1 if tok in "([" else -1
        if depth < 0:
            return False
    return depth == 0


def notation_mathml(text: str) -> str:
    """The MathML (an ``<mrow>``, to be put inside ``<math>``) of a step's notation."""
    r = _Reader(text)
    out = [r.expr()]
    while r.peek() is not None:  # whatever is left (a stray bracket): as it is
        out.append(f"<mo>{escape(r.take())}</mo>")
    return "".join(out)


__all__ = ["notation_mathml"]
