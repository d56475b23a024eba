"""Display trees: formulas as a teacher writes them mid-derivation, before tidying.

Expressions are canonical the moment they are built, so ``0·(x³+1) − 1·3x²`` collapses
to ``−3x²`` and ``(u²)′`` cannot even be written.  Explanations need exactly those
intermediate forms ("apply the formula, substitute, then tidy"), so a derivation's
equations are small display trees whose leaves are real expressions.  They are
printed to text, LaTeX and MathML here; nothing ever computes with them.

Kinds (``Show.kind``) and their ``args``:

* ``expr``     (Expr,)                   a canonical expression
* ``name``     (str,)                    a formula letter: f, g′, n, u
* ``leibniz``  (top, bottom, partial)    dy/du, ∂y/∂x
* ``deriv``    (Show, var, style)        (…)′ · d/du(…) · ∂/∂x(…); style prime|d|partial
* ``add``      (((sign, Show), ...),)    a + b − c
* ``neg``      (Show,)                   −a
* ``mul``      (Show, ...)               a · b
* ``frac``     (Show, Show)              a/b
* ``pow``      (Show, Show)              a^b
* ``call``     (name, Show, ...)         f′(u)
* ``eq``       (Show, ...)               a = b
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from html import escape
from typing import Any

from bibun.expr import core
from bibun.expr.core import ADD, MUL, NUM, POW, Expr
from bibun.expr.mathml import fragment as mathml_fragment
from bibun.expr.printers import to_latex, to_unicode

P_EQ, P_SUM, P_MUL, P_POW, P_ATOM = 0, 1, 2, 4, 5


@dataclass(frozen=True)
class Show:
    """One node of a display tree (see the module docstring for the kinds)."""

    kind: str
    args: tuple

    def __str__(self) -> str:
        return show_text(self)


def E(e: Expr | int | Fraction) -> Show:
    """Wrap an expression (or a plain number) as a display leaf."""
    return Show("expr", (core.as_expr(e),))


def name(s: str) -> Show:
    return Show("name", (s,))


def leibniz(top: str, bottom: str, partial: bool = False) -> Show:
    return Show("leibniz", (top, bottom, partial))


def deriv(x: Show | Expr, var: str, style: str = "prime") -> Show:
    return Show("deriv", (_s(x), var, style))


def add(*items: tuple[str, Show | Expr]) -> Show:
    return Show("add", (tuple((sign, _s(x)) for sign, x in items),))


def neg(x: Show | Expr) -> Show:
    return Show("neg", (_s(x),))


def mul(*items: Show | Expr) -> Show:
    return Show("mul", tuple(_s(x) for x in items))


def frac(a: Show | Expr | int, b: Show | Expr) -> Show:
    return Show("frac", (_s(a), _s(b)))


def pow_(b: Show | Expr, x: Show | Expr | int) -> Show:
    return Show("pow", (_s(b), _s(x)))


def call(fname: str, *args: Show | Expr) -> Show:
    return Show("call", (fname,) + tuple(_s(a) for a in args))


def eq(*items: Show | Expr) -> Show:
    return Show("eq", tuple(_s(x) for x in items))


def _s(x: Any) -> Show:
    return x if isinstance(x, Show) else E(x)


def as_show(x: Any) -> Show:
    """Expressions, numbers and display trees alike, as a display tree."""
    return _s(x)


# -- precedence ------------------------------------------------------------------------


def expr_negative(e: Expr) -> bool:
    """True when the printed expression starts with a minus sign."""
    if e.op == NUM:
        return e.value < 0
    if e.op == MUL and e.args[0].op == NUM:
        return e.args[0].value < 0
    return False


def expr_prec(e: Expr) -> int:
    """How tightly the printed form of ``e`` binds (decides parentheses around it)."""
    if e.op == NUM:
        v = e.value
        return P_MUL if (v < 0 or isinstance(v, Fraction)) else P_ATOM
    if e.op == ADD:
        return P_SUM
    if e.op == MUL:
        return P_MUL
    if e.op == POW:
        k = e.args[1]
        if k.op == NUM and k.value < 0:
            return P_MUL
        if k.op == NUM and k.value == Fraction(1, 2):
            return P_ATOM
        return P_POW
    return P_ATOM


def prec(s: Show) -> int:
    k = s.kind
    if k == "expr":
        return expr_prec(s.args[0])
    if k in ("name", "leibniz", "deriv", "call"):
        return P_ATOM
    if k == "add":
        return P_SUM
    if k in ("mul", "frac", "neg"):
        return P_MUL
    if k == "pow":
        return P_POW
    return P_EQ


def negative(s: Show) -> bool:
    if s.kind == "expr":
        return expr_negative(s.args[0])
    if s.kind == "neg":
        return True
    if s.kind in ("mul", "frac"):
        return negative(s.args[0])
    return False


def is_number(s: Show, value: int | None = None) -> bool:
    if s.kind != "expr" or s.args[0].op != NUM:
        return False
    return value is None or s.args[0].value == value


# The three printers below agree on where parentheses go and how a sum's signs read;
# these helpers hold those decisions once, the printers only spell them.

#: a printer's "print this, in parentheses if told so"
Paren = Callable[[Show, bool], str]


def _sum_terms(terms: tuple, paren: Paren) -> list[tuple[str, str]]:
    """Each (sign, term) of an ``add`` as (sign, printed term), parenthesized by
    ``paren`` where it would misread: a sum inside a sum, a negative term after the first."""
    return [(sign, paren(x, prec(x) <= P_SUM or (i > 0 and negative(x))))
            for i, (sign, x) in enumerate(terms)]


def _linear_sum(terms: tuple, paren: Paren, minus: str) -> str:
    """A sum on one line, ``−a + b − c``, with the printer's minus sign (text, LaTeX)."""
    return "".join((minus + body if sign == "-" else body) if i == 0 else
                   (f" {minus} {body}" if sign == "-" else f" + {body}")
                   for i, (sign, body) in enumerate(_sum_terms(terms, paren)))


def _neg_needs_paren(x: Show) -> bool:
    return prec(x) <= P_MUL and not _plain_product(x)


def _factors(factors: tuple, paren: Paren) -> list[str]:
    """The factors of a ``mul``, parenthesized where a sum or a negative one would misread."""
    return [paren(x, prec(x) < P_MUL or (i > 0 and negative(x))) for i, x in enumerate(factors)]


# -- text (unicode) ----------------------------------------------------------------------

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _tx_paren(s: Show, need: bool) -> str:
    t = show_text(s)
    return f"({t})" if need else t


def show_text(s: Show) -> str:
    """Unicode text: ``(2x + 3)′``, ``dy/du · du/dx``, ``(0·(x³ + 1) − 1·3x²)/(x³ + 1)²``."""
    k, a = s.kind, s.args
    if k == "expr":
        return to_unicode(a[0])
    if k == "name":
        return a[0].replace("'", "′")
    if k == "leibniz":
        d = "∂" if a[2] else "d"
        return f"{d}{a[0]}/{d}{a[1]}"
    if k == "deriv":
        inner, var, style = a
        if style == "prime":
            return f"({show_text(inner)})′"
        d = "∂" if style == "partial" else "d"
        return f"{d}/{d}{var} ({show_text(inner)})" if prec(inner) < P_ATOM or \
            inner.kind == "expr" and inner.args[0].op == ADD else f"{d}/{d}{var} {show_text(inner)}"
    if k == "add":
        return _linear_sum(a[0], _tx_paren, "−")
    if k == "neg":
        return "−" + _tx_paren(a[0], _neg_needs_paren(a[0]))
    if k == "mul":
        return "·".join(_factors(a, _tx_paren))
    if k == "frac":
        top, bot = a
        return f"{_tx_paren(top, prec(top) < P_POW)}/{_tx_paren(bot, prec(bot) < P_POW)}"
    if k == "pow":
        b, x = a
        base = _tx_paren(b, prec(b) < P_ATOM)
        if is_number(x) and isinstance(x.args[0].value, int):
            return base + str(x.args[0].value).translate(_SUP)
        return f"{base}^{_tx_paren(x, prec(x) < P_ATOM)}"
    if k == "call":
        return f"{a[0].replace(chr(39), '′')}({', '.join(show_text(x) for x in a[1:])})"
    if k == "eq":
        return " = ".join(show_text(x) for x in a)
    raise AssertionError(k)  # pragma: no cover


def _plain_product(s: Show) -> bool:
    """A product or quotient that reads fine after a minus sign without parentheses."""
    return s.kind in ("mul", "frac") or (s.kind == "expr" and s.args[0].op == MUL)


# -- LaTeX ----------------------------------------------------------------------------------


def _lx_paren(s: Show, need: bool) -> str:
    t = show_latex(s)
    return rf"\left({t}\right)" if need else t


def _latex_var(v: str) -> str:
    return to_latex(core.symbol(v))


def show_latex(s: Show) -> str:
    """LaTeX: ``\\frac{dy}{du} \\cdot \\frac{du}{dx}``, ``\\left(x^{3} + 1\\right)'``."""
    k, a = s.kind, s.args
    if k == "expr":
        return to_latex(a[0])
    if k == "name":
        return a[0]
    if k == "leibniz":
        d = r"\partial " if a[2] else "d"
        return rf"\frac{{{d}{_latex_var(a[0])}}}{{{d}{_latex_var(a[1])}}}"
    if k == "deriv":
        inner, var, style = a
        if style == "prime":
            return rf"\left({show_latex(inner)}\right)'"
        d = r"\partial " if style == "partial" else "d"
        return rf"\frac{{{d.strip()}}}{{{d}{_latex_var(var)}}}\left({show_latex(inner)}\right)"
    if k == "add":
        return _linear_sum(a[0], _lx_paren, "-")
    if k == "neg":
        return "-" + _lx_paren(a[0], _neg_needs_paren(a[0]))
    if k == "mul":
        return r" \cdot ".join(_factors(a, _lx_paren))
    if k == "frac":
        return rf"\frac{{{show_latex(a[0])}}}{{{show_latex(a[1])}}}"
    if k == "pow":
        b, x = a
        return f"{{{_lx_paren(b, prec(b) < P_ATOM)}}}^{{{show_latex(x)}}}"
    if k == "call":
        return f"{a[0]}\\left({', '.join(show_latex(x) for x in a[1:])}\\right)"
    if k == "eq":
        return " = ".join(show_latex(x) for x in a)
    raise AssertionError(k)  # pragma: no cover


# -- MathML -----------------------------------------------------------------------------------


def _mrow(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


def _mo(op: str) -> str:
    return f"<mo>{escape(op)}</mo>"


def _ml_paren(s: Show, need: bool) -> str:
    t = show_mathml(s)
    return _mrow(_mo("("), t, _mo(")")) if need else t


def _mi_name(s: str) -> str:
    primes = len(s) - len(s.rstrip("'"))
    base = f"<mi>{escape(s.rstrip(chr(39)))}</mi>"
    return f"<msup>{base}<mo>{'′' * primes}</mo></msup>" if primes else base


def _var_ml(v: str) -> str:
    return mathml_fragment(core.symbol(v))


def show_mathml(s: Show) -> str:
    """Presentation MathML content (no ``<math>`` wrapper) for a display tree."""
    k, a = s.kind, s.args
    if k == "expr":
        return _mrow(mathml_fragment(a[0]))
    if k == "name":
        return _mi_name(a[0])
    if k == "leibniz":
        d = "<mo>∂</mo>" if a[2] else "<mi>d</mi>"
        return f"<mfrac>{_mrow(d, _var_ml(a[0]))}{_mrow(d, _var_ml(a[1]))}</mfrac>"
    if k == "deriv":
        inner, var, style = a
        body = _mrow(_mo("("), show_mathml(inner), _mo(")"))
        if style == "prime":
            return f"<msup>{body}<mo>′</mo></msup>"
        d = "<mo>∂</mo>" if style == "partial" else "<mi>d</mi>"
        return _mrow(f"<mfrac>{d}{_mrow(d, _var_ml(var))}</mfrac>", body)
    if k == "add":
        return _mrow(*(_mo("−") + body if sign == "-" else body if i == 0 else _mo("+") + body
                       for i, (sign, body) in enumerate(_sum_terms(a[0], _ml_paren))))
    if k == "neg":
        return _mrow(_mo("−"), _ml_paren(a[0], _neg_needs_paren(a[0])))
    if k == "mul":
        parts = _factors(a, _ml_paren)
        return _mrow(*(p if i == 0 else _mo("·") + p for i, p in enumerate(parts)))
    if k == "frac":
        return f"<mfrac>{_mrow(show_mathml(a[0]))}{_mrow(show_mathml(a[1]))}</mfrac>"
    if k == "pow":
        b, x = a
        return f"<msup>{_mrow(_ml_paren(b, prec(b) < P_ATOM))}{_mrow(show_mathml(x))}</msup>"
    if k == "call":
        args = _mo(",").join(show_mathml(x) for x in a[1:])
        return _mrow(_mi_name(a[0]), "<mo>&#x2061;</mo>", _mo("("), args, _mo(")"))
    if k == "eq":
        return _mrow(*(p if i == 0 else _mo("=") + p
                       for i, p in enumerate(show_mathml(x) for x in a)))
    raise AssertionError(k)  # pragma: no cover


def math_element(s: Show, display: bool = False) -> str:
    """A complete ``<math>`` element."""
    attr = ' display="block"' if display else ""
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML"{attr}>'
            f"{show_mathml(s)}</math>")


__all__ = ["Show", "E", "add", "as_show", "call", "deriv", "eq", "frac", "leibniz", "math_element",
           "mul", "name", "neg", "pow_", "show_latex", "show_mathml", "show_text"]
