"""Presentation MathML for expressions, so a browser renders formulas with no math library.

The printer subclasses :class:`bibun.expr.printers.Printer`, so terms and factors come
out in exactly the order the text, unicode and LaTeX printers use (``6x^2(x^3+1)``
renders as 6x²(x³+1), not as the canonical storage order); only the spelling changes.
Every printed fragment is a sequence of MathML elements; wherever MathML needs a single
child (``msup``, ``mfrac``) the fragment is wrapped in ``<mrow>``.

All names are escaped, although the lexer only ever produces letters, digits and ``_``:
the web workbench inserts this markup into a page, so escaping is not left to chance.
"""

from __future__ import annotations

import re
from fractions import Fraction
from html import escape

from bibun import i18n
from bibun.expr.core import FN, NUM, Expr, symbol
from bibun.expr.printers import (
    P_ATOM,
    P_MUL,
    P_POW,
    P_SUM,
    Printer,
    notation,
    ordered_terms,
)
from bibun.expr.provided import provide
from bibun.functions import rule
from bibun.text import digits, scaled_power_of_ten

_NS = "http://www.w3.org/1998/Math/MathML"
_INVISIBLE_TIMES = "<mo>&#x2062;</mo>"
_APPLY = "<mo>&#x2061;</mo>"
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω",
}
_SUBSCRIPTED = re.compile(r"^([^\d_]+)(\d+)$")


def _mrow(s: str) -> str:
    """One element from a fragment (MathML's msup/mfrac/mroot take exactly one per slot)."""
    return f"<mrow>{s}</mrow>"


_OPEN, _CLOSE = "<mrow><mo>(</mo>", "<mo>)</mo></mrow>"


def _unwrap(s: str) -> str:
    """Drop the brackets when the whole fragment is one bracketed group."""
    if not (s.startswith(_OPEN) and s.endswith(_CLOSE)):
        return s
    depth = 0
    i = 0
    while i < len(s):
        if s.startswith("<mo>(</mo>", i):
            depth += 1
            i += len("<mo>(</mo>")
        elif s.startswith("<mo>)</mo>", i):
            depth -= 1
            i += len("<mo>)</mo>")
            if depth == 0 and i < len(s) - len("</mrow>"):
                return s  # the first group closes before the end: (a)(b)
        else:
            i += 1
    return s[len(_OPEN):-len(_CLOSE)]


def _is_negative(e: Expr) -> bool:
    if e.op == NUM:
        return e.value < 0
    return e.op == "mul" and e.args[0].op == NUM and e.args[0].value < 0


def function_name(name: str, lang: str = "en") -> str:
    """How a rule's function is written in ``lang``: σ for sigmoid (as the LaTeX printer
    does), ln for log in English and log in Japanese (the rule's ``written``), otherwise
    the rule's own name (sin, tanh, ReLU, ...)."""
    latex = rule(name).written(lang)[1]
    if latex == r"\sigma":
        return "σ"
    if latex.startswith(r"\operatorname{"):
        return latex[len(r"\operatorname{"):-1]
    if latex.startswith("\\") and latex[1:].isalpha():
        return latex[1:]
    return name


class MathMLPrinter(Printer):
    """Presentation MathML; the layout (order, signs, fractions) is the base printer's."""

    minus = "<mo>−</mo>"
    times = "<mo>·</mo>"

    def paren(self, s: str) -> str:
        return f"<mrow><mo>(</mo>{s}<mo>)</mo></mrow>"

    # leaves
    def num(self, v) -> tuple[str, int]:
        if isinstance(v, Fraction):
            s = (f"<mfrac><mn>{digits(abs(v.numerator))}</mn>"
                 f"<mn>{digits(v.denominator)}</mn></mfrac>")
            return (self.minus + s if v < 0 else s), P_MUL
        if isinstance(v, float):
            s = repr(abs(v))
            if "e" in s:  # 1e-05 -> 1×10⁻⁵: a learner reads powers of ten, not e-notation
                mant, _, ex = s.partition("e")
                s = (f"<mn>{mant}</mn><mo>×</mo><msup><mn>10</mn><mrow>"
                     f"{'<mo>−</mo>' if ex.startswith('-') else ''}<mn>{int(ex.lstrip('+-'))}"
                     "</mn></mrow></msup>")
                return (self.minus + s if v < 0 else s), P_MUL
            s = f"<mn>{s}</mn>"
        else:
            scaled = isinstance(v, int) and scaled_power_of_ten(abs(v))
            if scaled:  # 10^400 as the text printers write it
                m, k = scaled
                s = f"<msup><mn>10</mn><mn>{k}</mn></msup>"
                if m != 1:
                    s = f"<mn>{m}</mn><mo>×</mo>{s}"
                return (self.minus + s if v < 0 else s), P_MUL
            s = f"<mn>{digits(abs(v)) if isinstance(v, int) else abs(v)}</mn>"
        return (self.minus + s, P_MUL) if v < 0 else (s, P_ATOM)

    def sym(self, name: str) -> str:
        head, _, sub = name.partition("_")
        m = _SUBSCRIPTED.match(head)
        if m and not sub:
            head, sub = m.group(1), m.group(2)
        head = _GREEK.get(head, head)
        mi = f"<mi>{escape(head)}</mi>"
        if not sub:
            return mi
        tag = "mn" if sub.isdigit() else "mi"
        return f"<msub>{mi}<{tag}>{escape(sub)}</{tag}></msub>"

    def const(self, name: str) -> str:
        return "<mi>π</mi>" if name == "pi" else "<mi>e</mi>"

    # sums: the base class spells operators as text, MathML wants <mo>
    def add(self, e: Expr) -> str:
        out = []
        for i, t in enumerate(ordered_terms(e, self.text_of)):
            if _is_negative(t):
                out.append(self.minus + self.unsigned(t))
            else:
                s = self.wrap(t, P_SUM + 1) if t.op == "add" else self.memo_text(t)
                out.append(s if i == 0 else "<mo>+</mo>" + s)
        return "".join(out)

    def join(self, left: str, right: str) -> str:
        """Juxtaposition is invisible times, except between two numbers (2·3)."""
        if right.startswith("<mn>") or right.startswith("<mfrac><mn>"):
            return left + self.times + right
        return left + _INVISIBLE_TIMES + right

    def frac(self, num_s: str, den_s: str, many: bool) -> str:
        """A built-up fraction needs no brackets around a lone sum: 1/(1+e^-x) is drawn
        with 1 + e^-x under the bar, not (1 + e^-x)."""
        return f"<mfrac>{_mrow(_unwrap(num_s))}{_mrow(_unwrap(den_s))}</mfrac>"

    # powers and roots
    def pow(self, e: Expr) -> tuple[str, int]:
        b, x = e.args
        if x.op == NUM and x.value == Fraction(1, 2):
            return self.sqrt(b), P_ATOM
        if b.op == FN and b.value not in ("exp", "abs", "cbrt") and x.op == NUM:
            # tanh²(x): the textbook way to write a power of a function
            head = f"<mi>{escape(function_name(b.value, self.lang))}</mi>"
            xs = self.memo[x][0] if x in self.memo else self.fresh_pair(x)[0]
            return (f"<msup>{head}{_mrow(xs)}</msup>{_APPLY}"
                    f"{self.paren(self.memo_text(b.args[0]))}"), P_ATOM
        base = self.wrap(b, P_ATOM)
        if b.op == NUM and (isinstance(b.value, Fraction) or b.value < 0):
            base = self.paren(self.memo[b][0])
        return self.power(base, x, b), P_POW

    def power(self, base: str, x: Expr, b: Expr) -> str:
        xs = self.memo[x][0] if x in self.memo else self.fresh_pair(x)[0]
        return f"<msup>{_mrow(base)}{_mrow(xs)}</msup>"

    def sqrt(self, b: Expr) -> str:
        return f"<msqrt>{self.memo_text(b)}</msqrt>"

    # functions
    def fn(self, name: str, arg: Expr) -> str:
        a = self.memo_text(arg)
        if name == "exp":
            return f"<msup><mi>e</mi>{_mrow(a)}</msup>"
        if name == "abs":
            return f"<mrow><mo>|</mo>{a}<mo>|</mo></mrow>"
        if name == "cbrt":
            return f"<mroot>{_mrow(a)}<mn>3</mn></mroot>"
        return f"<mi>{escape(function_name(name, self.lang))}</mi>{_APPLY}{self.paren(a)}"

    def log_written(self, base: str, arg: str) -> str:
        """log_b(u) as a subscripted ``log`` applied to a bracketed argument."""
        head = f"<msub><mi>{escape(function_name('log', self.lang))}</mi>{_mrow(base)}</msub>"
        return f"{head}{_APPLY}{self.paren(arg)}"

    def call(self, e: Expr) -> str:
        name, orders = e.value
        args = "<mo>,</mo>".join(self.memo_text(a) for a in e.args)
        head = f"<mi>{escape(name)}</mi>"
        if len(e.args) == 1 and orders[0]:
            head = f"<msup>{head}<mo>{'′' * orders[0]}</mo></msup>"
        elif any(orders):
            idx = ",".join(str(o) for o in orders)
            head = f"<msub><mi>D</mi><mn>{idx}</mn></msub>{head}"
        return f"{head}{_APPLY}{self.paren(args)}"


def to_mathml(e: Expr, display: str = "inline", lang: str | None = None) -> str:
    """A complete ``<math>`` element for ``e`` (``display`` is "inline" or "block"), in
    the notation of ``lang`` (see :func:`bibun.expr.printers.notation`)."""
    body = MathMLPrinter(notation(lang))(e)
    return f'<math xmlns="{_NS}" display="{"block" if display == "block" else "inline"}">' \
           f"{_mrow(body)}</math>"


def fragment(e: Expr, lang: str | None = None) -> str:
    """The MathML body without the ``<math>`` wrapper, for composing equations."""
    return MathMLPrinter(notation(lang))(e)


def with_definitions(main: Expr, names: list[tuple[str, Expr]], lang: str | None = None
                     ) -> str:
    """A ``<math>`` block: ``main``, "where", then a table of the definitions ``name =
    expression`` (the shared-subexpression printer's MathML, :mod:`bibun.expr.shared`)."""
    rows = "".join(f'<mtr><mtd columnalign="right">{fragment(symbol(n), lang)}</mtd>'
                   f'<mtd columnalign="left"><mo>=</mo>{fragment(d, lang)}</mtd></mtr>'
                   for n, d in names)
    where = escape(i18n.text("shared.where", lang))
    return (f'<math xmlns="{_NS}" display="block"><mrow>{fragment(main, lang)}'
            f'<mspace width="1em"/><mtext>{where}</mtext><mspace width="1em"/>'
            f"<mtable>{rows}</mtable></mrow></math>")


provide("mathml", to_mathml)
provide("mathml_where", with_definitions)

__all__ = ["MathMLPrinter", "fragment", "function_name", "to_mathml", "with_definitions"]
