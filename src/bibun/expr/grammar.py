"""The plain-text grammar: pre-lexed tokens through the LALR tables compiled by Lark
(:mod:`bibun.expr.lalr`) into canonical expressions, with the parser's errors turned into
bibun's (column and message).

The LaTeX reader feeds the same grammar, so both readings build the same nodes.
"""

from __future__ import annotations

import decimal
import os
import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

from bibun.errors import LimitError
from bibun.expr import core, lalr
from bibun.expr.core import Expr
from bibun.expr.lalr import Token, UnexpectedToken
from bibun.expr.lex import FUNCTIONS, bracket_bare
from bibun.expr.provided import provided
from bibun.functions import RULES
from bibun.i18n import Msg, error, parse_error
from bibun.record import field, record

#: how "unexpected …" names a token: a symbol as itself, a word through the catalog
#: (``error.parse.token.<name>``, with the token's text as ``value``)
_TOKEN_NAMES = {
    "NUMBER": "number", "NAME": "variable", "CONST": "constant", "FUNC": "function",
    "ABSFUNC": "function", "LOGBASE": "log", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'",
    "SLASH": "'/'", "CARET": "'^'", "LPAR": "'('", "RPAR": "')'", "COMMA": "','",
    "BAR_OPEN": "'|'", "BAR_CLOSE": "'|'", "ROOT": "'√'", "$END": "end",
}


class ParseWarning(UserWarning):
    """The formula was understood, but one reading was chosen among several."""


@record
class Parsed:
    """A parsed formula: ``expr`` is the right-hand side of a definition if there was one."""

    expr: Expr
    name: str | None = None  # "f" for f(x) = ..., "y" for y = ...
    params: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    text: str = ""
    #: ``d/dx (x^2 sin x)`` read with ``derivative=True``: the variable (x) of the leading
    #: derivative operator; ``expr`` is then what it applies to (x^2 sin x)
    wrt: str | None = None


#: the longest integer literal read: as many digits as the largest exact number allowed
MAX_DIGITS = core.MAX_BITS * 30103 // 100000 + 1


def _num(tok: Token) -> Expr:
    s = tok.value
    if "." in s or "e" in s or "E" in s:
        return core.number(float(s))  # decimals stay decimals: 0.01x^2 keeps 0.01
    if len(s) > MAX_DIGITS:
        raise error("error.number.too_many_digits", LimitError, digits=len(s),
                         limit=MAX_DIGITS)
    return core.number(int(s) if len(s) < 4000 else int(decimal.Decimal(s)))


def _strip(children: list) -> list:
    return [c for c in children if not isinstance(c, Token) or c.type in ("FUNC", "ABSFUNC",
                                                                               "LOGBASE")]


def _apply(name: str, args: list[Expr], tok: Token) -> Expr:
    if name == "log" and len(args) == 2:
        return core.fn("log", args[0]) / core.fn("log", args[1])
    if name in ("max", "min"):  # max(0, u) = relu(u), min(0, u) = -relu(-u), max(au, u)
        if len(args) == 2 and core.ZERO not in args:
            r = _scaled_maxmin(name, args)
            if r is not None:
                return r
        if len(args) != 2 or core.ZERO not in args:
            raise _Fail("error.parse.maxmin_form", tok, name=name)
        u = args[1] if args[0] is core.ZERO else args[0]
        return core.fn("relu", u) if name == "max" else core.neg(core.fn("relu", core.neg(u)))
    if len(args) != 1:
        raise _Fail("error.parse.one_argument", tok, name=name, count=len(args))
    return core.fn(name, args[0])


def _scaled_maxmin(name: str, args: list[Expr]) -> Expr | None:
    """max(a·u, u) and min(a·u, u) for a number a ≥ 0, through relu: max(0.01z, z) is
    leaky_relu(z) (Andrew Ng's leaky ReLU); max(au, u) = relu(u) − a·relu(−u) for a ≤ 1."""
    for scaled, u in (args, args[::-1]):
        c, rest = core.coeff_rest(scaled)
        if rest is u and isinstance(c, int | float | Fraction) and c >= 0 and c != 1:
            small = c < 1
            if name == "max" and c in (Fraction(1, 100), 0.01):
                return core.fn("leaky_relu", u)
            lo, hi = (c, 1) if small == (name == "max") else (1, c)
            return core.add(core.times(hi, core.fn("relu", u)),
                            core.neg(core.times(lo, core.fn("relu", core.neg(u)))))
    return None


#: f^-1 read as the inverse function: sin^-1 = asin, cosh^-1 = acosh
_INVERSES = {n: "a" + n for n in ("sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh",
                                  "tanh", "coth", "sech", "csch")}
_INVERSES.update({"exp": "log", "log": "exp"})


class _Fail(Exception):
    """A parse error found inside a grammar callback; its catalog key and
    parameters travel to :func:`_build`, which knows the text and makes the ParseError."""

    def __init__(self, key: str, tok: Token | None, **params: Any):
        self.key, self.tok, self.params = key, tok, params


class _Terms(list):
    """The terms of a sum still being read.  ``a + b + c + …`` is left-recursive, so
    building an Expr at each ``+`` re-sorts the whole sum every time (quadratic: a
    3,000-term sum took 30 s); the terms are collected and added once, where the grammar
    closes the sum (brackets, bars, arguments, the end)."""

    @classmethod
    def of(cls, left: Any, term: Expr) -> _Terms:
        terms = left if isinstance(left, _Terms) else cls([left])
        terms.append(term)
        return terms


def _whole(x: Any) -> Any:
    return core.add(*x) if isinstance(x, _Terms) else x


class _Build:
    """LALR callbacks: each grammar alias becomes a canonical builder call."""

    def number(self, c):
        return _num(c[0])

    def name(self, c):
        return core.symbol(c[0].value)

    def const(self, c):
        return core.E if c[0].value == "e" else core.PI

    def group(self, c):
        return _whole(c[1])

    def root(self, c):
        return core.fn(c[0].value, c[1])

    def absbars(self, c):
        return core.fn("abs", _whole(c[1]))

    def add(self, c):
        return _Terms.of(c[0], c[2])

    def sub(self, c):
        return _Terms.of(c[0], core.neg(c[2]))

    def mul(self, c):
        c = _strip(c)
        return core.mul(c[0], c[1])

    def div(self, c):
        den = c[2]
        if den is core.ZERO:
            raise _Fail("error.parse.division_by_zero", c[1])
        return core.mul(c[0], core.power(den, core.MINUS_ONE))

    def neg(self, c):
        return core.neg(c[1])

    def pos(self, c):
        return c[1]

    def pow(self, c):
        return core.power(c[0], c[2])

    def args(self, c):
        return [_whole(x) for x in c if not isinstance(x, Token)]

    def apply(self, c):
        tok = c[0]
        rest = _strip(c[1:])
        args = rest[0] if isinstance(rest[0], list) else [rest[0]]
        return _apply(tok.value, args, tok)

    def apply_pow(self, c):
        tok, exponent = c[0], c[2]
        rest = [x for x in c[3:] if not isinstance(x, Token)]
        args = rest[0] if isinstance(rest[0], list) else [rest[0]]
        if exponent is core.MINUS_ONE:  # sin^-1 x, \\sin^{-1} x: the inverse function
            inverse = _INVERSES.get(RULES[tok.value].name) if tok.value in RULES else None
            if inverse is None:
                raise _Fail("error.parse.no_inverse", tok, name=tok.value)
            return _apply(inverse, args, tok)
        if exponent.op == core.NUM and exponent.value < 0:  # sin^-2 x: refused
            raise _Fail("error.parse.negative_function_power", tok, name=tok.value,
                        power=str(exponent), abs=str(core.neg(exponent)))
        return core.power(_apply(tok.value, args, tok), exponent)

    def abstract(self, c):
        tok = c[0]
        args = c[2]
        name = tok.value.rstrip("'")
        primes = len(tok.value) - len(name)
        if primes and len(args) != 1:
            raise _Fail("error.parse.primes_one_argument", tok, name=tok.value)
        return core.call(name, tuple(args), (primes,) * len(args) if primes else None)

    def logbase(self, c):
        tok = c[0]
        arg = _whole([x for x in c[1:] if not isinstance(x, Token)][0])
        base = provided("parse")(tok.value)  # the base is a formula of its own
        return core.fn("log", arg) / core.fn("log", base)


#: the grammar's file, read with plain ``open`` (no importlib.resources: start-up time)
GRAMMAR_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "grammar", "expr.lark")


def grammar_text() -> str:
    """The text of ``bibun/grammar/expr.lark``."""
    with open(GRAMMAR_FILE, encoding="utf-8") as f:
        return f.read()


@lru_cache(maxsize=1)
def _parser() -> Any:
    """The LALR parser (``parse(tokens) -> Expr``): its tables loaded from the cache
    (:func:`bibun.expr.lalr.cache_dir`) when this exact grammar was compiled before, else
    compiled by Lark (~35 ms, plus Lark's import) and cached."""
    return lalr.tables_for(grammar_text()).bind(_Build())


#: the left sides a definition may have: y, f(x), g(θ), f'(x), y', y'(x), dy/dx, d y / d x,
#: \\frac{dy}{dx} is the LaTeX reader's; \\theta in parameters is read as θ
_LHS = re.compile(
    r"(?P<name>[A-Za-z\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*)\s*(?P<primes>['′´]*)\s*"
    r"(?:\((?P<params>[^()]*)\))?"
    r"|d(?P<dy>[A-Za-z][A-Za-z0-9_]*)\s*/\s*d(?P<dx>[A-Za-z\u0370-\u03ff][A-Za-z0-9_]*)")
_PARAM = re.compile(r"\\?[A-Za-z\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*")
_GREEK_PARAMS = {"alpha": "α", "beta": "β", "theta": "θ", "phi": "φ", "omega": "ω", "mu": "μ",
                 "sigma": "σ", "lambda": "λ", "tau": "τ", "rho": "ρ", "gamma": "γ"}


def _split_definition(text: str) -> tuple[str | None, list[str], str, int]:
    """``f(x) = rhs`` / ``y = rhs`` / ``f'(x) = rhs`` / ``dy/dx = rhs``: return
    (name, params, rhs, rhs_offset); a derivative's name ends in a prime (f', y')."""
    if text.count("=") == 0:
        return None, [], text, 0
    if text.count("=") > 1:
        at = text.index("=", text.index("=") + 1)
        raise parse_error("error.parse.equals_once", text, at + 1)
    at = text.index("=")
    lhs, rhs = text[:at].strip(), text[at + 1:]
    if not lhs:
        raise parse_error("error.parse.equals_nothing_before", text, at + 1)
    m = _LHS.fullmatch(lhs)
    if m is None:
        raise parse_error("error.parse.equals_left_side", text, 1)
    if m.group("dy"):
        return m.group("dy") + "'", [m.group("dx")], rhs, at + 1
    raw = [q.strip() for q in (m.group("params") or "").split(",") if q.strip()]
    if not all(_PARAM.fullmatch(q) for q in raw):
        raise parse_error("error.parse.equals_left_side", text, 1)
    params = [_GREEK_PARAMS.get(q.lstrip("\\"), q.lstrip("\\")) for q in raw]
    primes = "'" * len(m.group("primes"))
    return m.group("name") + primes, params, rhs, at + 1


# -- LaTeX's surroundings and left sides (the LaTeX reader's, kept here for its size) ---


def strip_delimiters(text: str) -> str:
    """Blank out surrounding ``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` (same columns)."""
    s = _DISPLAYSTYLE.sub(lambda m: " " * len(m.group(0)), text, count=1)
    stripped = s.strip()
    lead = len(s) - len(s.lstrip())
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if stripped.startswith(left) and stripped.endswith(right) and \
                len(stripped) >= len(left) + len(right):
            a = lead
            b = lead + len(stripped) - len(right)
            return s[:a] + " " * len(left) + s[a + len(left):b] + " " * len(right) + \
                s[b + len(right):]
    return s


_DERIVATIVE_LHS = re.compile(
    r"^\s*(?:(?P<f>[A-Za-z])(?:'+|\^\{?\\prime(?:\\prime)*\}?)\s*(?:\((?P<v>[A-Za-z][A-Za-z0-9_]*)\))?"
    r"|\\frac\{d(?P<y>[A-Za-z])\}\{d(?P<x>[A-Za-z])\})\s*=")


_DISPLAYSTYLE = re.compile(r"^\s*\\(?:displaystyle|textstyle)(?![A-Za-z])")


#: a left side named by a command: \\phi(x) =, \\varsigma_a(x) =, \\text{tanh}(z) =
_COMMAND_LHS = re.compile(
    r"^\s*(?:\\(?:text|mathrm|operatorname)\s*\{\s*(?P<word>[A-Za-z]+)\s*\}"
    r"|\\(?P<cmd>[A-Za-z]+)(?:_\{?\s*(?P<sub>[A-Za-z0-9]+)\s*\}?)?)"
    r"\s*(?:\((?P<params>[^()=]*)\))?\s*=")


def split_latex_lhs(body: str) -> tuple[str | None, list[str], str, int]:
    """Like the text parser's ``f(x) = …``, and also the derivative definitions the
    seeds write: ``f'(z) = …``, ``y' = …``, ``\\frac{dy}{dx} = …``, and left sides
    named by a command (``\\phi(x) = …``, ``\\varsigma_a(x) = …``, ``\\text{tanh}(z) = …``)."""
    m = _DERIVATIVE_LHS.match(body)
    if m and body.count("=") == 1:
        name = (m.group("f") or m.group("y")) + "'"
        params = [p for p in (m.group("v") or m.group("x"),) if p]
        return name, params, body[m.end():], m.end()
    m = _COMMAND_LHS.match(body)
    if m and body.count("=") == 1 and m.group("cmd") not in FUNCTIONS \
            and m.group("cmd") not in ("frac", "dfrac", "tfrac"):  # \\sin(x) = 2 stays an error
        raw = [q.strip() for q in (m.group("params") or "").split(",") if q.strip()]
        if all(_PARAM.fullmatch(q) for q in raw):
            name = m.group("word") or m.group("cmd") + (f"_{m.group('sub')}" if m.group("sub")
                                                        else "")
            params = [_GREEK_PARAMS.get(q.lstrip("\\"), q.lstrip("\\")) for q in raw]
            return name, params, body[m.end():], m.end()
    return _split_definition(body)


def run_grammar(tokens: list[Token], text: str) -> Expr:
    """Build the expression from tokens (plain or LaTeX); the parser's errors become
    :class:`ParseError` with the column in ``text``."""
    try:
        return _whole(_parser()(bracket_bare(tokens)))
    except UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            raise parse_error("error.parse.ends_early", text, len(text.rstrip()) + 1) from None
        what = _TOKEN_NAMES.get(tok.type, tok.type)
        shown: Any = what if what.startswith("'") or what not in _TOKEN_NAMES.values() \
            else Msg(f"error.parse.token.{what}", {"value": repr(tok.value)})
        raise parse_error("error.parse.unexpected", text, tok.column, shown=shown) from None
    except _Fail as exc:  # a callback refused what it was given (max(x, y), sin^-2 x)
        raise parse_error(exc.key, text, exc.tok.column if exc.tok else None,
                          **exc.params) from None


