"""Could a reader doubt how bibun read a formula?  Then say it ("read as: …").

A learner who types ``sin x^2``, ``2x sin x``, ``sin^-1 x`` or ``e^2x`` deserves to see
the reading bibun chose (sin(x²), 2x·sin(x), asin(x), x·e²) before trusting an answer
built on it.  Repeating a formula that was typed exactly as bibun writes it would only
be noise, so the echo is shown when the two differ beyond spacing and multiplication
signs (the faces decide where to print it).
"""

from __future__ import annotations

import re

from .core import Expr
from .lex import FUNCTIONS

_SPACE = re.compile(r"\s+|\\[,;!: ]|\\left|\\right|\\cdot|\\times|[*·×⋅]")
_SAME = str.maketrans({"−": "-", "[": "(", "]": ")"})


#: a number as typed or as bibun writes it (0.25 and 1/4, 2.0 and 2): not a doubt
_NUMBER = re.compile(r"\(\d+/\d+\)|\d+/\d+(?![\w(])|\d+\.\d*|\.\d+|\d+")


_NAMES = "|".join(sorted((n for n in FUNCTIONS if n.isalpha()), key=len, reverse=True))
#: "cos x", "ln 2" and "e^-x" leave no doubt: bracketed as bibun prints them before comparing
_BARE = re.compile(rf"(?<![A-Za-z])({_NAMES})\s+([A-Za-z]|π|\d+)(?![\w^(_.{{])")
_NEG_EXPONENT = re.compile(r"\^-([A-Za-z0-9]+)(?![\w^(])")


def _plain(text: str) -> str:
    return _NUMBER.sub("N", _SPACE.sub("", text.replace("**", "^")).translate(_SAME))


def _typed(text: str) -> str:
    """The learner's text with the brackets nobody could doubt written in."""
    return _plain(_NEG_EXPONENT.sub(r"^(-\1)", _BARE.sub(r"\1(\2)", text)))


_OPERATOR = re.compile(r"^\s*(?:\\frac\{(?:d|\\partial)\}\{(?:d|\\partial)\s*\w+\}"
                       r"|\\dfrac\{d\}\{d\w+\}|[d∂]\w*\s*/\s*[d∂]\w+)")


def right_side(text: str) -> str:
    """The formula after a printed left side (``f(x) = …``, ``y = …``) or a leading
    derivative operator (``d/dx (…)``, ``\\frac{d}{dx}``)."""
    text = text.rsplit("=", 1)[-1] if "=" in text else text
    m = _OPERATOR.match(text)
    if m:
        text = text[m.end():].strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        for left, right in (("\\left(", "\\right)"), ("[", "]")):
            if text.startswith(left) and text.endswith(right):
                text = text[len(left):-len(right)]
    return text


def doubtful(text: str, expr: Expr) -> bool:
    """True when ``expr`` written by bibun (plain, unicode or LaTeX) is not ``text`` up to
    spaces and multiplication signs: the reading is worth echoing."""
    typed = _typed(right_side(text)).strip("$")
    if "\\" in text:
        shown = {_plain(expr.latex()).replace("{", "").replace("}", "")}
        return typed.replace("{", "").replace("}", "") not in shown
    return typed not in {_plain(str(expr)), _plain(expr.unicode())}


__all__ = ["doubtful", "right_side"]
