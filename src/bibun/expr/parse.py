"""Parse formulas as people type and paste them into canonical expressions.

The grammar lives in ``bibun/grammar/expr.lark`` (LALR, built once); tokens come from
:mod:`bibun.expr.lex`.  Callbacks run *during* the LALR parse, so nodes are built
bottom-up without a parse tree and without recursion: deep nests are fine.
Nothing here evaluates user text as code.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from bibun.errors import BibunError, ParseError
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.lex import tokenize

_TOKEN_NAMES = {
    "NUMBER": "a number", "NAME": "a variable", "CONST": "a constant", "FUNC": "a function",
    "ABSFUNC": "a function", "LOGBASE": "log", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'",
    "SLASH": "'/'", "CARET": "'^'", "LPAR": "'('", "RPAR": "')'", "COMMA": "','",
    "BAR_OPEN": "'|'", "BAR_CLOSE": "'|'", "$END": "the end",
}


class ParseWarning(UserWarning):
    """The formula was understood, but one reading was chosen among several."""


@dataclass
class Parsed:
    """A parsed formula: ``expr`` is the right-hand side of a definition if there was one."""

    expr: Expr
    name: str | None = None  # "f" for f(x) = ..., "y" for y = ...
    params: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    text: str = ""


def _num(tok: Token) -> Expr:
    s = tok.value
    if "." in s or "e" in s or "E" in s:
        return core.number(float(s))  # decimals stay decimals: 0.01x^2 keeps 0.01
    return core.number(int(s))


def _strip(children: list) -> list:
    return [c for c in children if not isinstance(c, Token) or c.type in ("FUNC", "ABSFUNC",
                                                                               "LOGBASE")]


def _apply(name: str, args: list[Expr], tok: Token) -> Expr:
    if name == "log" and len(args) == 2:
        return core.fn("log", args[0]) / core.fn("log", args[1])
    if len(args) != 1:
        raise _Fail(f"{name} takes one argument, got {len(args)}", tok)
    return core.fn(name, args[0])


class _Fail(Exception):
    def __init__(self, msg: str, tok: Token | None):
        self.msg, self.tok = msg, tok


class _Build(Transformer):
    """LALR callbacks: each grammar alias becomes a canonical builder call."""

    def number(self, c):
        return _num(c[0])

    def name(self, c):
        return core.symbol(c[0].value)

    def const(self, c):
        return core.E if c[0].value == "e" else core.PI

    def group(self, c):
        return c[1]

    def absbars(self, c):
        return core.fn("abs", c[1])

    def add(self, c):
        return core.add(c[0], c[2])

    def sub(self, c):
        return core.add(c[0], core.neg(c[2]))

    def mul(self, c):
        c = _strip(c)
        return core.mul(c[0], c[1])

    def div(self, c):
        den = c[2]
        if den is core.ZERO:
            raise _Fail("division by zero", c[1])
        return core.mul(c[0], core.power(den, core.MINUS_ONE))

    def neg(self, c):
        return core.neg(c[1])

    def pos(self, c):
        return c[1]

    def pow(self, c):
        return core.power(c[0], c[2])

    def args(self, c):
        return [x for x in c if not isinstance(x, Token)]

    def apply(self, c):
        tok = c[0]
        rest = _strip(c[1:])
        args = rest[0] if isinstance(rest[0], list) else [rest[0]]
        return _apply(tok.value, args, tok)

    def apply_pow(self, c):
        tok, exponent = c[0], c[2]
        rest = [x for x in c[3:] if not isinstance(x, Token)]
        args = rest[0] if isinstance(rest[0], list) else [rest[0]]
        if exponent is core.MINUS_ONE:
            raise _Fail(f"{tok.value}^-1 is ambiguous: write a{tok.value}(x) for the inverse"
                        f" function or 1/{tok.value}(x) for the reciprocal", tok)
        return core.power(_apply(tok.value, args, tok), exponent)

    def abstract(self, c):
        tok = c[0]
        args = c[2]
        name = tok.value.rstrip("'")
        primes = len(tok.value) - len(name)
        if primes and len(args) != 1:
            raise _Fail(f"{tok.value} with primes takes one argument", tok)
        return core.call(name, tuple(args), (primes,) * len(args) if primes else None)

    def logbase(self, c):
        tok = c[0]
        arg = [x for x in c[1:] if not isinstance(x, Token)][0]
        from bibun.expr.parse import parse as _p

        base = _p(tok.value)
        return core.fn("log", arg) / core.fn("log", base)


class _ListLexer(Lexer):
    """Feeds our pre-lexed tokens to Lark."""

    def __init__(self, conf):
        pass

    def lex(self, data):
        yield from data


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = files("bibun").joinpath("grammar/expr.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer=_ListLexer, transformer=_Build(),
                maybe_placeholders=False)


def _split_definition(text: str) -> tuple[str | None, list[str], str, int]:
    """``f(x) = rhs`` / ``y = rhs``: return (name, params, rhs, rhs_offset)."""
    if text.count("=") == 0:
        return None, [], text, 0
    if text.count("=") > 1:
        at = text.index("=", text.index("=") + 1)
        raise ParseError("'=' may appear once, as in y = x^2 or f(x) = x^2", text, at + 1)
    at = text.index("=")
    lhs, rhs = text[:at].strip(), text[at + 1:]
    if not lhs:
        raise ParseError("nothing before '=': write y = ... or f(x) = ...", text, at + 1)
    name, params = lhs, []
    if "(" in lhs and lhs.endswith(")"):
        name = lhs[: lhs.index("(")].strip()
        params = [p.strip() for p in lhs[lhs.index("(") + 1: -1].split(",") if p.strip()]
    ok = name.replace("_", "").isalnum() and name[:1].isalpha() and all(
        p.replace("_", "").isalnum() and p[:1].isalpha() for p in params)
    if not ok:
        raise ParseError("the left side of '=' must be a name such as y, z or f(x)", text, 1)
    return name, params, rhs, at + 1


def run_grammar(tokens: list[Token], text: str) -> Expr:
    """Build the expression from tokens (plain or LaTeX); Lark's errors become
    :class:`ParseError` with the column in ``text``."""
    try:
        return _parser().parse(tokens)
    except UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            raise ParseError("the formula ends too early", text, len(text.rstrip()) + 1) from None
        what = _TOKEN_NAMES.get(tok.type, tok.type)
        shown = what if what.startswith("'") else f"{what} {tok.value!r}"
        raise ParseError(f"unexpected {shown}", text, tok.column) from None
    except UnexpectedEOF:
        raise ParseError("the formula ends too early", text, len(text.rstrip()) + 1) from None
    except (UnexpectedCharacters, UnexpectedInput) as exc:  # pragma: no cover
        raise ParseError(f"cannot read the formula: {exc}", text, None) from None
    except Exception as exc:  # errors raised inside callbacks arrive wrapped by Lark
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, _Fail):
            raise ParseError(inner.msg, text, inner.tok.column if inner.tok else None) from None
        if isinstance(inner, BibunError):
            raise inner from None
        raise


def parse_full(text: str, latex: bool | None = None) -> Parsed:
    """Parse text into a :class:`Parsed` (expression, definition name, warnings).

    LaTeX is recognised by its backslash (``latex=None``); ``latex=False`` forces the
    plain-text grammar, ``latex=True`` the LaTeX reader."""
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__}")
    if "\x00" in text:
        raise ParseError("the formula contains a NUL character", text.replace("\x00", "?"),
                         text.index("\x00") + 1)
    from bibun.expr.lex import MAX_LENGTH

    if latex is None:  # a backslash or $...$ marks LaTeX; plain text never has either
        t = text.strip()
        latex = "\\" in text or (len(t) >= 2 and t[0] == t[-1] == "$")
    if latex:  # LaTeX, through the same grammar
        from bibun.expr.latex_input import parse_latex_full

        return parse_latex_full(text)
    if len(text) > MAX_LENGTH:
        tokenize(text)  # raises the LimitError with its message
    name, params, rhs, offset = _split_definition(text)
    if not rhs.strip():
        raise ParseError("empty formula: type an expression such as x^2 + 3x", text,
                         None if not name else offset + 1)
    lexed = tokenize(rhs, offset)
    expr = run_grammar(lexed.tokens, text)
    return Parsed(expr, name, params, lexed.warnings, text)


def parse(text: str | Expr, latex: bool | None = None) -> Expr:
    """Parse a formula (plain text, or LaTeX when it has a backslash or ``latex=True``);
    ambiguous readings (``1/2x``) emit a :class:`ParseWarning`."""
    if isinstance(text, Expr):
        return text
    p = parse_full(text, latex)
    for w in p.warnings:
        warnings.warn(w, ParseWarning, stacklevel=2)
    return p.expr


__all__ = ["parse", "parse_full", "Parsed", "ParseWarning"]
