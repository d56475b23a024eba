"""Parse formulas as people type and paste them into canonical expressions.

The grammar lives in ``bibun/grammar/expr.lark`` (LALR, built once); tokens come from
:mod:`bibun.expr.lex`.  Callbacks run *during* the LALR parse, so nodes are built
bottom-up without a parse tree and without recursion: deep nests are fine.
Nothing here evaluates user text as code.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from bibun.errors import BibunError, ParseError
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.lex import CONSTANTS, FUNCTIONS, GREEK, OPERAND_END, split_word, tokenize
from bibun.expr.provided import provide
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


# -- a leading derivative operator: d/dx (x^2 sin x), ∂/∂y (x^2 y) -------------------------
# Kept outside the grammar: one anchored pattern at the start of the text (linear time).
# Anywhere else d/dx would silently read as d ÷ d × x, so it is refused there.

_ORDER = r"(?:\^\s*[({]?\s*\d+\s*[)}]?|[²³⁴⁵⁶⁷⁸⁹])"
_LEADING_OPERATOR = re.compile(
    rf"\s*(?P<d>[d∂])(?P<order>{_ORDER})?\s*/\s*(?P<d2>[d∂])(?=[A-Za-z\u0370-\u03ff])")
_LETTER_RUN = re.compile(r"[A-Za-z\u0370-\u03ff]+")
_VAR_SUFFIX = re.compile(r"\d+|_\{[A-Za-z0-9]+\}|_[A-Za-z0-9]+|[₀-₉]+")
_POWER = re.compile(_ORDER)  # d/dx^2: only glued to the variable
_OPERATOR_ANYWHERE = re.compile(
    r"(?<![A-Za-z0-9_'\u0370-\u03ff])[d∂]\s*/\s*[d∂](?=[A-Za-z\u0370-\u03ff])")
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_BRACKET_OPENERS = ("(", "[", "{", "\\left", "\\bigl", "\\Bigl", "\\biggl", "\\Biggl")


@dataclass(frozen=True)
class DerivativeOperator:
    """A leading ``d/dx`` found in ``text[start:end]``: differentiate what follows by ``var``."""

    var: str
    start: int
    end: int
    source: str  # as typed, for messages: "d/dx", "\\frac{d}{dx}", "∂/∂y"


def higher_order_error(op: str, text: str, at: int, plain: str | None = None) -> ParseError:
    """``d^2/dx^2``: the order is given separately.  ``d/dx^2`` (``plain`` = d/dx) is
    unclear: a second derivative, or d/dx of x^2?"""
    op = op.strip()
    if plain is not None:
        return parse_error("error.parse.operator_ambiguous_order", text, at + 1, op=op,
                     plain=plain)
    return parse_error("error.parse.operator_higher", text, at + 1, op=op)


def derivative_variable(name: str, text: str, at: int) -> str:
    """The variable of d/d<name> (``theta`` is θ): not a function or a constant."""
    if name in CONSTANTS or (name in FUNCTIONS and name != "σ"):
        raise parse_error("error.parse.operator_not_variable", text, at + 1, name=repr(name))
    return GREEK.get(name, name)


def leading_operator(text: str) -> DerivativeOperator | None:
    """``d/dx``, ``∂/∂y``, ``d/dx1``, ``d/dθ`` at the very start of plain ``text``."""
    m = _LEADING_OPERATOR.match(text)
    if m is None:
        return None
    start, end = m.start("d"), m.end()
    run = _LETTER_RUN.match(text, end)
    assert run is not None  # guaranteed by the lookahead
    parts = split_word(run.group(0))
    first = parts[0]
    name, end = derivative_variable(first, text, end), end + len(first)
    if len(parts) == 1 and (sm := _VAR_SUFFIX.match(text, end)):
        suffix = sm.group(0).translate(_SUBSCRIPT_DIGITS).replace("{", "").replace("}", "")
        if suffix[0] == "_" and suffix[1:].isdigit():
            suffix = suffix[1:]  # x_1 = x_{1} = x₁ = x1, as the lexer reads them
        name, end = name + suffix, sm.end()
    power = _POWER.match(text, end)
    if m.group("order") or power:
        raise higher_order_error(text[start:power.end() if power else end], text, start,
                                 None if m.group("order") else text[start:end])
    return DerivativeOperator(name, start, end, text[start:end])


def refuse_operator_inside(text: str, start: int, pattern: re.Pattern = _OPERATOR_ANYWHERE
                           ) -> None:
    """d/dx after the start of the formula: an error, not d ÷ d × x."""
    m = pattern.search(text, start)
    if m is not None:
        raise parse_error("error.parse.operator_not_at_start", text, m.start() + 1,
                    op=text[m.start():m.end() + 1])


def operator_not_allowed(op: DerivativeOperator, text: str) -> ParseError:
    return parse_error("error.parse.operator_not_here", text, op.start + 1, op=op.source)


def check_operand(op: DerivativeOperator, tokens: list[Token], text: str) -> None:
    """What follows the operator must exist, and ``d/dx (x^2) + 1`` is refused: it is
    unclear whether d/dx applies to the bracket or to everything after it."""
    if not tokens:
        raise parse_error("error.parse.operator_needs_expression", text, op.end + 1,
                    op=op.source)
    first = tokens[0]
    if first.type != "LPAR" or not text.startswith(_BRACKET_OPENERS, first.start_pos):
        return
    depth, closed = 0, False
    for k, t in enumerate(tokens):
        if t.type in ("LPAR", "BAR_OPEN"):
            depth += 1
        elif t.type in ("RPAR", "BAR_CLOSE"):
            depth -= 1
            closed = closed or depth == 0
        elif closed and depth == 0 and t.type in ("PLUS", "MINUS") \
                and tokens[k - 1].type in OPERAND_END:
            raise parse_error("error.parse.operator_scope", text, t.column, op=op.source,
                        token=t.value)




def parse_full(text: str, latex: bool | None = None, *, derivative: bool = False) -> Parsed:
    """Parse text into a :class:`Parsed` (expression, definition name, warnings).

    LaTeX is recognised by its backslash (``latex=None``); ``latex=False`` forces the
    plain-text grammar, ``latex=True`` the LaTeX reader.

    ``derivative=True`` (``bibun diff``) accepts one leading derivative operator,
    ``d/dx (x^2 sin x)`` or ``\\frac{d}{dx}\\left(x^2\\sin x\\right)``: ``expr`` is what
    it applies to and ``wrt`` its variable.  Otherwise such an operator is an error."""
    if not isinstance(text, str):
        raise parse_error("error.parse.not_text", type=type(text).__name__)
    if "\x00" in text:
        raise parse_error("error.parse.nul", text.replace('\x00', '?'),
                    text.index('\x00') + 1)
    from bibun.expr.lex import MAX_LENGTH

    if latex is None:  # a backslash or $...$ marks LaTeX; plain text never has either
        t = text.strip()
        latex = "\\" in text or (len(t) >= 2 and t[0] == t[-1] == "$")
    if latex:  # LaTeX, through the same grammar
        from bibun.expr.latex_input import parse_latex_full

        return parse_latex_full(text, derivative=derivative)
    if len(text) > MAX_LENGTH:
        tokenize(text)  # raises the LimitError with its message
    op = leading_operator(text)
    if op is not None:
        if not derivative:
            raise operator_not_allowed(op, text)
        return _parse_operand(text, op)
    refuse_operator_inside(text, 0)
    name, params, rhs, offset = _split_definition(text)
    if not rhs.strip():
        raise parse_error("error.parse.empty", text, None if not name else offset + 1)
    lexed = tokenize(rhs, offset)
    expr = run_grammar(lexed.tokens, text)
    return Parsed(expr, name, params, lexed.warnings, text)


def _parse_operand(text: str, op: DerivativeOperator) -> Parsed:
    """The expression after a leading ``d/dx`` (columns still point into ``text``)."""
    refuse_operator_inside(text, op.end)
    if "=" in text[op.end:]:
        raise parse_error("error.parse.operator_equation", text, text.index('=', op.end) + 1,
                    op=op.source)
    rest = " " * op.end + text[op.end:]
    if not rest.strip():
        check_operand(op, [], text)
    try:
        lexed = tokenize(rest)
    except ParseError as exc:  # same message and column, shown with the operator
        raise ParseError(exc.message, text, exc.column) from None
    check_operand(op, lexed.tokens, text)
    expr = run_grammar(lexed.tokens, text)
    return Parsed(expr, None, [], lexed.warnings, text, op.var)


def parse(text: str | Expr, latex: bool | None = None) -> Expr:
    """Parse a formula (plain text, or LaTeX when it has a backslash or ``latex=True``);
    ambiguous readings (``1/2x``) emit a :class:`ParseWarning`."""
    if isinstance(text, Expr):
        return text
    p = parse_full(text, latex)
    for w in p.warnings:
        warnings.warn(w, ParseWarning, stacklevel=2)
    return p.expr


def parse_derivative(text: str | Expr, var: str | Expr | None = None,
                     latex: bool | None = None) -> tuple[Expr, str | None]:
    """What to differentiate, and by which variable, for ``diff(text, var)``:
    ``parse_derivative("d/dx (x^2 sin x)")`` is (x^2 sin(x), "x"); without a leading
    operator the variable is ``var`` as given (None: the caller's default).  A ``var``
    that contradicts the operator (``"∂/∂y (x^2 y)"`` with ``var="x"``) is an error."""
    if isinstance(text, Expr):
        return text, None if var is None else _name(var)
    p = parse_full(text, latex, derivative=True)
    for w in p.warnings:
        warnings.warn(w, ParseWarning, stacklevel=2)
    given = None if var is None else _name(var)
    wrt = None if p.wrt is None else _name(p.wrt)
    if wrt is not None and given is not None and given != wrt:
        raise error("error.parse.operator_wrt_conflict", wrt=wrt, given=given)
    return p.expr, wrt or given


def _name(var: str | Expr) -> str:
    if isinstance(var, Expr):
        return str(var.value)
    return variable_name(str(var)) or str(var).strip()


@lru_cache(maxsize=512)
def variable_name(text: str) -> str | None:
    """The parser's spelling of ``text`` if it is one variable: "alpha" is α, "x_1" is
    x1, " x " is x; None for anything else ("x^2", "2", "e", "sin").  Every place that
    takes a variable's name (diff's ``var``, --wrt, --at, the web's var) goes through
    this, so a name matches the formula however it was typed."""
    try:
        e = parse(text)
    except BibunError:
        return None
    return e.value if e.op == core.SYM else None


__all__ = ["DerivativeOperator", "parse", "parse_derivative", "parse_full", "Parsed",
           "ParseWarning", "variable_name"]


provide("parse", parse)
