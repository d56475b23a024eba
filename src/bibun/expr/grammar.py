"""The plain-text grammar: pre-lexed tokens through Lark's LALR tables into canonical
expressions, with Lark's errors turned into bibun's (column and message).

The LaTeX reader feeds the same grammar, so both readings build the same nodes.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from bibun.errors import BibunError, LimitError
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.provided import provided
from bibun.i18n import Msg, error, parse_error

#: how "unexpected …" names a token: a symbol as itself, a word through the catalog
#: (``error.parse.token.<name>``, with the token's text as ``value``)
_TOKEN_NAMES = {
    "NUMBER": "number", "NAME": "variable", "CONST": "constant", "FUNC": "function",
    "ABSFUNC": "function", "LOGBASE": "log", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'",
    "SLASH": "'/'", "CARET": "'^'", "LPAR": "'('", "RPAR": "')'", "COMMA": "','",
    "BAR_OPEN": "'|'", "BAR_CLOSE": "'|'", "$END": "end",
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
    if len(args) != 1:
        raise _Fail("error.parse.one_argument", tok, name=name, count=len(args))
    return core.fn(name, args[0])


class _Fail(Exception):
    """A parse error found inside a grammar callback (Lark wraps it); its catalog key and
    parameters travel to :func:`_build`, which knows the text and makes the ParseError."""

    def __init__(self, key: str, tok: Token | None, **params: Any):
        self.key, self.tok, self.params = key, tok, params


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
            raise _Fail("error.parse.division_by_zero", c[1])
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
            raise _Fail("error.parse.inverse_ambiguous", tok, name=tok.value)
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
        arg = [x for x in c[1:] if not isinstance(x, Token)][0]
        base = provided("parse")(tok.value)  # the base is a formula of its own
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
        raise parse_error("error.parse.equals_once", text, at + 1)
    at = text.index("=")
    lhs, rhs = text[:at].strip(), text[at + 1:]
    if not lhs:
        raise parse_error("error.parse.equals_nothing_before", text, at + 1)
    name, params = lhs, []
    if "(" in lhs and lhs.endswith(")"):
        name = lhs[: lhs.index("(")].strip()
        params = [p.strip() for p in lhs[lhs.index("(") + 1: -1].split(",") if p.strip()]
    ok = name.replace("_", "").isalnum() and name[:1].isalpha() and all(
        p.replace("_", "").isalnum() and p[:1].isalpha() for p in params)
    if not ok:
        raise parse_error("error.parse.equals_left_side", text, 1)
    return name, params, rhs, at + 1


def run_grammar(tokens: list[Token], text: str) -> Expr:
    """Build the expression from tokens (plain or LaTeX); Lark's errors become
    :class:`ParseError` with the column in ``text``."""
    try:
        return _parser().parse(tokens)
    except UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            raise parse_error("error.parse.ends_early", text, len(text.rstrip()) + 1) from None
        what = _TOKEN_NAMES.get(tok.type, tok.type)
        shown: Any = what if what.startswith("'") or what not in _TOKEN_NAMES.values() \
            else Msg(f"error.parse.token.{what}", {"value": repr(tok.value)})
        raise parse_error("error.parse.unexpected", text, tok.column, shown=shown) from None
    except UnexpectedEOF:
        raise parse_error("error.parse.ends_early", text, len(text.rstrip()) + 1) from None
    except (UnexpectedCharacters, UnexpectedInput) as exc:  # pragma: no cover
        raise parse_error("error.parse.cannot_read", text, None, error=exc) from None
    except Exception as exc:  # errors raised inside callbacks arrive wrapped by Lark
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, _Fail):
            raise parse_error(inner.key, text, inner.tok.column if inner.tok else None,
                              **inner.params) from None
        if isinstance(inner, BibunError):
            raise inner from None
        raise


