"""Printers: text (round-trips through the parser), unicode, LaTeX and Python/NumPy.

All four share one layout engine: which factors go in the numerator or denominator,
the order a teacher writes them in (coefficient, monomials, polynomial sums, functions,
other sums: ``6x^2(x^3+1)``, ``y(x^2+y^2)cos(xy)``, ``sigmoid(x)(1 - sigmoid(x))``),
how terms of a sum are ordered (descending degree for polynomials, constants first
otherwise: ``x^2 + 3x + 1`` but ``1 + e^(-x)``), and signs.  Styles only differ in
how leaves, powers, functions and fractions are spelled.

Printing walks the DAG bottom-up with a memo (no recursion).  A DAG whose written-out
tree is enormous is refused with a clear error instead of exhausting memory.

Notation follows the language as textbooks of that language print it, from the rule
table (:meth:`bibun.functions.Rule.written`): the natural log is ``ln(x)`` / ``\\ln`` in
English and ``log(x)`` / ``\\log`` in Japanese, where ln(u)/ln(b) is then written
``log_b(u)``.  The language is the ``lang`` argument, else the one a face chose with
:func:`bibun.i18n.using` (``--lang``, a Japanese session of the CLI), else English; the
order of terms and factors never depends on it (its keys are always the English text).
The parser reads every spelling back (``log`` and ``ln`` are the same function).
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from bibun import i18n
from bibun.errors import BibunError, LimitError
from bibun.expr.core import ADD, CALL, CONST, FN, MUL, NUM, POW, SYM, Expr, number, postorder, power
from bibun.expr.lex import ABSTRACT, FUNCTIONS, split_word
from bibun.expr.provided import provide
from bibun.functions import call_code, code_for, rule
from bibun.functions import order as table_order
from bibun.text import digits, scaled_power_of_ten

#: written-out size above which printing is refused
PRINT_LIMIT = 200_000

P_SUM, P_MUL, P_POW, P_ATOM = 1, 2, 4, 5

_POWER_END = re.compile(r"\^-?\d+$")
_DECIMAL_END = re.compile(r"\d\.\d*$")
_TRAIL = re.compile(r"[A-Za-z\u0370-\u03ff][A-Za-z\u0370-\u03ff0-9_]*$")
_LEAD = re.compile(r"[A-Za-z\u0370-\u03ff]+")
_RAISED = re.compile(r"[\u0300-\u036f]?[0-9_]*(?:\^|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻])")  # a power right after a name
#: an accented one-letter variable (ŷ is y_hat, x̄ is x_bar) and its combining mark
_ACCENTED_NAME = re.compile(r"^([^\W\d_])_(hat|bar|tilde)$")
_MARKS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303"}
_LEAD_NAME = re.compile(r"[A-Za-z\u0370-\u03ff][A-Za-z\u0370-\u03ff0-9_]*")
_CALL = re.compile(r"[fgh]'*\(")
_EXP = re.compile(r"[eE][+-]?[0-9]")  # would be read as a number's exponent: 2e1
_NUMERAL = re.compile(r"^[0-9.]+(e[+-]?[0-9]+)?$")
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_LATEX_GREEK = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "ρ": r"\rho", "σ": r"\sigma",
    "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "χ": r"\chi", "ψ": r"\psi",
    "ω": r"\omega", "Δ": r"\Delta", "Γ": r"\Gamma", "Θ": r"\Theta", "Λ": r"\Lambda",
    "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
}


# -- ordering (shared by every style) ---------------------------------------------------


def monomial(e: Expr) -> dict[str, int] | None:
    """{var: exponent} if e is a product of symbol powers (no coefficient), else None."""
    if e.op == SYM:
        return {e.value: 1}
    if e.op == POW and e.args[0].op == SYM and e.args[1].op == NUM \
            and isinstance(e.args[1].value, int) and e.args[1].value > 0:
        return {e.args[0].value: e.args[1].value}
    if e.op == MUL:
        out: dict[str, int] = {}
        for f in e.args:
            if f.op == NUM:
                continue
            m = monomial(f)
            if m is None:
                return None
            out.update(m)
        return out
    if e.op == NUM:
        return {}
    return None


def _poly_key(m: dict[str, int]) -> tuple:
    return (-sum(m.values()), tuple((v, -k) for v, k in sorted(m.items())))


def is_polynomial_sum(e: Expr) -> bool:
    return e.op == ADD and all(monomial(t) is not None for t in e.args)


def ordered_terms(e: Expr, text_of) -> list[Expr]:
    """Terms of a sum in the order a teacher writes them."""
    monos = [monomial(t) for t in e.args]
    if all(m is not None for m in monos):
        terms = [t for t, _ in sorted(zip(e.args, monos), key=lambda p: _poly_key(p[1]))]
        if terms[-1].op == NUM and terms[-1].value > 0 and all(_is_negative(t)
                                                               for t in terms[:-1]):
            return terms[-1:] + terms[:-1]  # 1 - x^2, not -x^2 + 1
        if len(terms) == 2 and _is_negative(terms[0]) and not _is_negative(terms[1]):
            return terms[::-1]  # x - b as the learner wrote it, not -b + x
        return terms
    consts = [t for t in e.args if t.op == NUM and not _is_negative(t)]
    polys = sorted(((t, m) for t, m in zip(e.args, monos) if m is not None and t.op != NUM),
                   key=lambda p: _poly_key(p[1]))
    others = sorted((t for t, m in zip(e.args, monos) if m is None),
                    key=lambda t: (_is_negative(t), t.size, text_of(t)))
    negative = [t for t in e.args if t.op == NUM and _is_negative(t)]
    # 1 + e^(-x) and 1 - tanh(x)^2, but |x| - 1 and e^x - 1
    return consts + [t for t, _ in polys] + others + negative


def _factor_class(f: Expr) -> int:
    base = f.args[0] if f.op == POW and f.args[1].op == NUM else f
    if base.op == CONST:
        return 0
    if base.op == SYM:
        return 1
    if base.op == ADD:
        return 2 if is_polynomial_sum(base) else 4
    return 3


def ordered_factors(factors: list[Expr], text_of) -> list[Expr]:
    def key(f: Expr):
        cls = _factor_class(f)
        if cls == 1:  # α x, θ r: Greek letters (usually constants) before Latin ones
            base = f.args[0] if f.op == POW else f
            return (cls, 0 if "\u0370" <= base.value[0] <= "\u03ff" else 1, base.value)
        if cls == 3:  # e^x sin(x) cos(x), a^x ln(a): exponentials, then the table's order
            return (cls, _function_rank(f), text_of(f))
        if cls == 2:
            base = f.args[0] if f.op == POW else f
            deg = max(sum(monomial(t).values()) for t in base.args)
            return (cls, deg, text_of(f))
        if cls == 4:
            return (cls, f.size, text_of(f))
        return (cls, 0, text_of(f))

    return sorted(factors, key=key)


def _function_rank(f: Expr) -> int:
    base = f.args[0] if f.op == POW and f.args[1].op == NUM else f
    if base.op == FN and base.value == "exp" or base.op == POW:
        return 0
    if base.op == FN:
        return 1 + min(table_order(base.value), 99)
    return 200




def _is_negative(e: Expr) -> bool:
    if e.op == NUM:
        return e.value < 0
    return e.op == MUL and e.args[0].op == NUM and e.args[0].value < 0


# -- the layout engine ----------------------------------------------------------------------


class Printer:
    """Text style; subclasses change spelling only.  ``lang`` picks the notation of that
    language's textbooks (module docstring)."""

    minus = "-"
    times = "*"

    def __init__(self, lang: str = "en") -> None:
        self.memo: dict[Expr, tuple[str, int]] = {}
        self.lang = lang

    def written(self, name: str) -> tuple[str, str]:
        """How this language writes the function ``name``: (text, LaTeX), from its rule."""
        return rule(name).written(self.lang)

    def fresh_pair(self, e: Expr) -> tuple[str, int]:
        """``e`` printed by a new printer of the same style and language."""
        p = type(self)(self.lang)
        p(e)
        return p.memo[e]

    # public entry
    def __call__(self, e: Expr) -> str:
        if e.size > PRINT_LIMIT:
            raise LimitError(
                f"the expression has {e.size:,} operations when written out (its DAG has"
                f" {len(postorder(e)):,} distinct nodes): too large to print as a formula;"
                " use bibun.compile for code that shares subexpressions")
        for node in postorder(e):
            self.memo[node] = self.node(node)
        return self.memo[e][0]

    def text_of(self, e: Expr) -> str:
        """Plain-text form, used as the ordering key in every style (always the English
        text, so that a formula's terms come in the same order in every language)."""
        if type(self) is Printer and self.lang == i18n.FALLBACK:
            if e not in self.memo:
                self.memo[e] = _fresh_pair(Printer, e)
            return self.memo[e][0]
        keys = self.__dict__.setdefault("_keys", Printer())
        if e not in keys.memo:
            keys(e)
        return keys.memo[e][0]

    def wrap(self, e: Expr, prec: int) -> str:
        s, p = self.memo[e] if e in self.memo else self.fresh_pair(e)
        return self.paren(s) if p < prec else s

    def paren(self, s: str) -> str:
        return f"({s})"

    # dispatch
    def node(self, e: Expr) -> tuple[str, int]:
        op = e.op
        if op == NUM:
            return self.num(e.value)
        if op == SYM:
            return self.sym(e.value), P_ATOM
        if op == CONST:
            return self.const(e.value), P_ATOM
        if op == ADD:
            return self.add(e), P_SUM
        if op == MUL or (op == POW and e.args[1].op == NUM and e.args[1].value < 0):
            return self.mul(e)
        if op == POW:
            return self.pow(e)
        if op == FN:
            return self.fn(e.value, e.args[0]), P_ATOM
        if op == CALL:
            return self.call(e), P_ATOM
        raise AssertionError(op)  # pragma: no cover

    # leaves
    def num(self, v) -> tuple[str, int]:
        if isinstance(v, Fraction):
            s = f"{digits(abs(v.numerator))}/{digits(v.denominator)}"
            return (self.minus + s if v < 0 else s), P_MUL
        scaled = isinstance(v, int) and scaled_power_of_ten(abs(v))
        if scaled and scaled[0] == 1:  # 10^400, not 400 zeros (3*10^25 would need brackets
            p = self.power("10", number(scaled[1]), number(10))  # after a /: kept as digits)
            return (self.minus + p, P_MUL) if v < 0 else (p, P_POW)
        s = repr(v) if isinstance(v, float) else digits(abs(v))
        if isinstance(v, float):
            s = s.lstrip("-")
        return (self.minus + s, P_MUL) if v < 0 else (s, P_ATOM)

    def sym(self, name: str) -> str:
        return name

    def const(self, name: str) -> str:
        return name

    # sums
    def add(self, e: Expr) -> str:
        out = []
        for i, t in enumerate(ordered_terms(e, self.text_of)):
            if _is_negative(t):
                body = self.unsigned(t)
                out.append(f"{self.minus}{body}" if i == 0 else f" {self.minus} {body}")
            else:
                s = self.wrap(t, P_SUM + 1) if t.op == ADD else self.memo_text(t)
                out.append(s if i == 0 else f" + {s}")
        return "".join(out)

    def memo_text(self, e: Expr) -> str:
        return self.memo[e][0] if e in self.memo else self.text_of(e)

    def unsigned(self, t: Expr) -> str:
        if t.op == NUM:
            return self.num(-t.value)[0]
        s, _ = self.mul(t, negate=True)
        return s

    # products and quotients
    def mul(self, e: Expr, negate: bool = False) -> tuple[str, int]:
        factors = list(e.args) if e.op == MUL else [e]
        coeff = 1
        if factors and factors[0].op == NUM:
            coeff = factors[0].value
            factors = factors[1:]
        if negate:
            coeff = -coeff
        numer, denom = [], []
        for f in factors:
            if f.op == POW and f.args[1].op == NUM and f.args[1].value < 0:
                denom.append(power(f.args[0], number(-f.args[1].value)))
            else:
                numer.append(f)
        for f in numer + denom:  # factors built here need their text too
            if f not in self.memo:
                self.memo[f] = self.fresh_pair(f)
        numer = ordered_factors(numer, self.text_of)
        denom = ordered_factors(denom, self.text_of)
        numer, denom = self.log_base(numer, denom)
        sign = ""
        if coeff < 0:
            sign, coeff = self.minus, -coeff
        if isinstance(coeff, Fraction):
            cn, cd = coeff.numerator, coeff.denominator
        else:
            cn, cd = coeff, 1
        num_s = self.product(cn, numer)
        if not denom and cd == 1:
            s = sign + num_s
            return s, (P_MUL if (sign or len(numer) + (cn != 1) > 1 or
                                 (numer and self.piece(numer[0])[1] < P_ATOM) or
                                 isinstance(cn, float)) else P_ATOM)
        den_s = self.product(cd, denom)
        many = len(denom) + (cd != 1) > 1
        return sign + self.frac(num_s, den_s, many), P_MUL

    def piece(self, f: Expr | tuple[str, int]) -> tuple[str, int]:
        """A factor's (text, precedence): printed already, or written by :meth:`log_base`."""
        return f if isinstance(f, tuple) else self.memo[f]

    def log_base(self, numer: list, denom: list) -> tuple[list, list]:
        """ln(u)/ln(b) as log_b(u), where the language writes the natural log as a bare
        ``log`` (Japanese textbooks: a bare log cannot also mean another base, so the base
        is written under it).  Only an unambiguous pair is joined: one log in the
        numerator and one log of a whole number or a one-letter name in the denominator,
        both to the first power.  The parser reads ``log_b(u)`` back as ln(u)/ln(b)."""
        if self.written("log")[0] != "log":
            return numer, denom
        tops = [i for i, f in enumerate(numer) if isinstance(f, Expr) and _is_log(f)]
        bases = [i for i, f in enumerate(denom) if _is_log(f) and _plain_base(f.args[0])]
        if len(tops) != 1 or len(bases) != 1 or sum(map(_is_log, denom)) != 1:
            return numer, denom
        top, base = numer[tops[0]], denom[bases[0]]
        if base.args[0].op == SYM and top.args[0].op == NUM:
            return numer, denom  # ln 2/ln x: log_x 2 is true, but no textbook writes it
        written = self.log_written(self.memo_text(base.args[0]), self.memo_text(top.args[0]))
        numer = [*numer[:tops[0]], (written, P_ATOM), *numer[tops[0] + 1:]]
        return numer, [f for i, f in enumerate(denom) if i != bases[0]]

    def log_written(self, base: str, arg: str) -> str:
        return f"log_{base}({arg})"

    def product(self, coeff, factors: list) -> str:
        parts = []
        if coeff != 1 or not factors or isinstance(coeff, float):
            parts.append(self.num(coeff)[0])
        for f in factors:
            s, p = self.piece(f)
            parts.append(self.paren(s) if p < P_POW else s)
        out = parts[0]
        for s in parts[1:]:
            out = self.join(out, s)
        return out

    def frac(self, num_s: str, den_s: str, many: bool) -> str:
        return f"{num_s}/({den_s})" if many else f"{num_s}/{den_s}"

    def join(self, left: str, right: str) -> str:
        """Juxtapose two factors so the text reads back the same (2x, xy, x sin(x))."""
        r0, l1 = right[0], left[-1]
        if r0.isdigit() or r0 == "." or "|" in (r0, l1) or (l1.isdigit() and _EXP.match(right)):
            return f"{left}{self.times}{right}"  # 2*3^x, 2*e1: never glue into a number
        if l1 == ")":
            return left + right
        trail = _TRAIL.search(left)
        if r0 == "(":
            if trail and (trail.group(0) in ABSTRACT or trail.group(0) in FUNCTIONS):
                return f"{left}{self.times}{right}"
            return left + right
        if r0 == "e" and _DECIMAL_END.search(left):  # 2.5 e^x: 2.5e^x reads like 2.5e+3
            return f"{left} {right}"
        word = _LEAD_NAME.match(right)
        if word and word.group(0) in FUNCTIONS and not _NUMERAL.match(left):
            return f"{left} {right}"  # x leaky_relu(y), x log1p(y): never glue to a name
        lead = _LEAD.match(right)
        if not lead:
            return left + right if r0 in "√∛" else f"{left} {right}"
        rparts = split_word(lead.group(0))
        if rparts[0] in FUNCTIONS or right.startswith("e^") or _CALL.match(right):
            return left + right if _NUMERAL.match(left) else f"{left} {right}"
        if trail is None:  # left ends in a number (2x) or an exponent (x^2 y, easier to read)
            raised = unicodedata.combining(l1) and _RAISED.match(right, len(lead.group(0)))
            return f"{left} {right}" if _POWER_END.search(left) or raised else left + right
        lw = trail.group(0)
        if len(split_word(lw)[-1]) > 1:  # pi x, θ x: keep a multi-letter name apart
            return f"{left} {right}"
        if _RAISED.match(right, len(lead.group(0))):  # a t², not at²: read as (at)²?
            return f"{left} {right}"
        if lw.isalpha() and split_word(lw + lead.group(0)) == split_word(lw) + rparts:
            return left + right
        return f"{left} {right}"

    # powers
    def pow(self, e: Expr) -> tuple[str, int]:
        b, x = e.args
        if x.op == NUM and type(x.value) is Fraction and x.value == Fraction(1, 2):
            return self.sqrt(b), P_ATOM
        base = self.wrap(b, P_ATOM)
        if b.op == NUM and (isinstance(b.value, Fraction) or b.value < 0):
            base = self.paren(self.memo[b][0])
        return self.power(base, x, b), P_POW

    def power(self, base: str, x: Expr, b: Expr) -> str:
        xs, xp = self.memo[x] if x in self.memo else self.fresh_pair(x)
        return f"{base}^{xs}" if xp == P_ATOM else f"{base}^({xs})"

    def sqrt(self, b: Expr) -> str:
        return f"sqrt({self.memo_text(b)})"

    # functions
    def fn(self, name: str, arg: Expr) -> str:
        a = self.memo_text(arg)
        if name == "exp":
            return self.exp(arg, a)
        if name == "abs":
            return f"|{a}|"
        return f"{self.written(name)[0]}({a})"

    def exp(self, arg: Expr, a: str) -> str:
        return f"e^{a}" if self.memo[arg][1] == P_ATOM and arg.op != FN else f"e^({a})"

    def call(self, e: Expr) -> str:
        name, orders = e.value
        args = ", ".join(self.memo_text(a) for a in e.args)
        if len(e.args) == 1:
            return f"{name}{chr(39) * orders[0]}({args})"
        if any(orders):
            idx = ",".join(str(o) for o in orders)
            return f"D[{idx}]{name}({args})"
        return f"{name}({args})"


class UnicodePrinter(Printer):
    minus = "−"
    times = "·"

    def sym(self, name: str) -> str:
        """y_hat as ŷ, x_bar as x̄: what the learner typed, and what the lexer reads."""
        m = _ACCENTED_NAME.match(name)
        return unicodedata.normalize("NFC", m.group(1) + _MARKS[m.group(2)]) if m else name

    def power(self, base: str, x: Expr, b: Expr) -> str:
        if x.op == NUM and isinstance(x.value, int):
            return base + digits(x.value).translate(_SUP)
        return super().power(base, x, b)

    def sqrt(self, b: Expr) -> str:
        s, p = self.memo[b]
        return f"√{s}" if p == P_ATOM else f"√({s})"

    def const(self, name: str) -> str:
        return "π" if name == "pi" else name

    def fn(self, name: str, arg: Expr) -> str:
        if name == "cbrt":
            s, p = self.memo[arg]
            return f"∛{s}" if p == P_ATOM else f"∛({s})"
        return super().fn(name, arg)


class LatexPrinter(Printer):
    times = r" \cdot "

    def paren(self, s: str) -> str:
        return rf"\left({s}\right)"

    def sym(self, name: str) -> str:
        m = _ACCENTED_NAME.match(name)
        if m:  # y_hat: \hat{y}, as the source typesets it (and the LaTeX reader reads)
            return rf"\{m.group(2)}{{{self.sym(m.group(1))}}}"
        head, _, sub = name.partition("_")
        m = re.match(r"^([^\d]+)(\d+)$", head)
        if m and not sub:
            head, sub = m.group(1), m.group(2)
        head = _LATEX_GREEK.get(head, head if len(head) == 1 else rf"\mathrm{{{head}}}")
        return f"{head}_{{{sub}}}" if sub else head

    def const(self, name: str) -> str:
        return r"\pi" if name == "pi" else "e"

    def num(self, v):
        if isinstance(v, Fraction):
            s = rf"\frac{{{digits(abs(v.numerator))}}}{{{digits(v.denominator)}}}"
            return ("-" + s if v < 0 else s), P_MUL
        return super().num(v)

    def join(self, left: str, right: str) -> str:
        if right[0].isdigit():
            return f"{left} \\cdot {right}"
        return f"{left} {right}"

    def frac(self, num_s: str, den_s: str, many: bool) -> str:
        return rf"\frac{{{_unwrap_latex(num_s)}}}{{{_unwrap_latex(den_s)}}}"

    def power(self, base: str, x: Expr, b: Expr) -> str:
        xs = self.memo[x][0] if x in self.memo else self.fresh_pair(x)[0]
        if b.op == FN and b.value not in ("exp", "abs") and x.op == NUM:
            # \tanh^{2}\left(x\right): the textbook way to square a function
            fs = self.memo[b][0]
            head = fs.split(r"\left(", 1)
            if len(head) == 2:
                return rf"{head[0]}^{{{xs}}}\left({head[1]}"
        return f"{base}^{{{xs}}}"

    def sqrt(self, b: Expr) -> str:
        return rf"\sqrt{{{self.memo_text(b)}}}"

    def fn(self, name: str, arg: Expr) -> str:
        a = self.memo_text(arg)
        if name == "exp":
            return f"e^{{{a}}}"
        if name == "abs":
            return rf"\left|{a}\right|"
        if name == "cbrt":
            return rf"\sqrt[3]{{{a}}}"
        return rf"{self.written(name)[1]}\left({a}\right)"

    def log_written(self, base: str, arg: str) -> str:
        return rf"{self.written('log')[1]}_{{{base}}}\left({arg}\right)"

    def call(self, e: Expr) -> str:
        return super().call(e).replace("'", "^{\\prime}")


class PythonPrinter(Printer):
    times = "*"

    def num(self, v):
        if isinstance(v, Fraction):
            s = f"{digits(abs(v.numerator))}/{digits(v.denominator)}"
            return ("-" + s if v < 0 else s), P_MUL
        return super().num(v)

    def const(self, name: str) -> str:
        return f"np.{name}"

    def join(self, left: str, right: str) -> str:
        return f"{left}*{right}"

    def log_base(self, numer: list, denom: list) -> tuple[list, list]:
        return numer, denom  # code is code: np.log(x)/np.log(2) in every language

    def product(self, coeff, factors: list) -> str:
        parts = []
        if coeff != 1 or not factors or isinstance(coeff, float):
            parts.append(self.num(coeff)[0])
        for f in factors:
            s, p = self.piece(f)
            parts.append(self.paren(s) if p < P_POW else s)
        return "*".join(parts)

    def power(self, base: str, x: Expr, b: Expr) -> str:
        xs, xp = self.memo[x] if x in self.memo else self.fresh_pair(x)
        return f"{base}**{xs}" if xp == P_ATOM else f"{base}**({xs})"

    def sqrt(self, b: Expr) -> str:
        return f"np.sqrt({self.memo_text(b)})"

    def fn(self, name: str, arg: Expr) -> str:
        """The rule's NumPy source (``Code.numpy``): runs with only ``np`` and ``math``."""
        return call_code(code_for(name, "numpy"), self.memo_text(arg))

    def call(self, e: Expr) -> str:
        raise BibunError(f"the unknown function {e.value[0]} has no Python code")


def _unwrap_latex(s: str) -> str:
    r"""``\left(a + b\right)`` -> ``a + b`` when the brackets enclose everything: a
    fraction bar already groups its numerator and denominator."""
    if not (s.startswith(r"\left(") and s.endswith(r"\right)")):
        return s
    depth = 0
    i = 0
    while i < len(s):
        if s.startswith(r"\left(", i):
            depth += 1
            i += 6
        elif s.startswith(r"\right)", i):
            depth -= 1
            i += 7
            if depth == 0 and i < len(s):
                return s  # (a)(b): the first group closes early
        else:
            i += 1
    return s[6:-7]


def _fresh_pair(cls, e: Expr) -> tuple[str, int]:
    p = cls()
    p(e)
    return p.memo[e]


def _is_log(f: Expr) -> bool:
    return f.op == FN and f.value == "log"


def _plain_base(b: Expr) -> bool:
    """A base written under ``log`` as is: a whole number ≥ 2 or a one-letter name."""
    return (b.op == NUM and type(b.value) is int and b.value >= 2) or \
        (b.op == SYM and len(b.value) == 1 and b.value.isascii() and b.value.isalpha())


def notation(lang: str | None = None) -> str:
    """The language whose notation a printer uses: ``lang``, else the language a face
    chose (:func:`bibun.i18n.chosen`), else English — never the locale by itself."""
    if lang is not None:
        return i18n.resolve(lang)
    return i18n.chosen() or i18n.FALLBACK


def to_text(e: Expr, lang: str | None = None) -> str:
    """Plain text that parses back to the same expression: ``6x^2(x^3 + 1)``."""
    return Printer(notation(lang))(e)


def to_unicode(e: Expr, lang: str | None = None) -> str:
    """Text with x², −, √, π: ``6x²(x³ + 1)``."""
    return UnicodePrinter(notation(lang))(e)


def to_latex(e: Expr, lang: str | None = None) -> str:
    """LaTeX: ``6 x^{2} \\left(x^{3} + 1\\right)``."""
    return LatexPrinter(notation(lang))(e)


def to_python(e: Expr) -> str:
    """Python/NumPy source that runs with ``import math`` and ``import numpy as np``
    (sigmoid, relu, ... are written with NumPy, from the rule table's ``Code.numpy``)."""
    return PythonPrinter()(e)


provide("text", to_text)
provide("unicode", to_unicode)
provide("latex", to_latex)
provide("python", to_python)
