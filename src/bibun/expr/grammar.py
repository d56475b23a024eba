"""The plain-text grammar: pre-lexed tokens through Lark's LALR tables into canonical
expressions, with Lark's errors turned into bibun's (column and message).

The LaTeX reader feeds the same grammar, so both readings build the same nodes.
"""

from __future__ import annotations

import decimal
import hashlib
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from bibun.errors import BibunError, LimitError
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.lex import FUNCTIONS, bracket_bare
from bibun.expr.provided import provided
from bibun.functions import RULES
from bibun.i18n import Msg, error, parse_error

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
    """A parse error found inside a grammar callback (Lark wraps it); its catalog key and
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


class _Build(Transformer):
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


class _ListLexer(Lexer):
    """Feeds our pre-lexed tokens to Lark."""

    def __init__(self, conf):
        pass

    def lex(self, data):
        yield from data


#: how the grammar is compiled (part of the cache key: other options, other tables)
_LARK_OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": _ListLexer,
                                 "maybe_placeholders": False}


def cache_dir() -> Path | None:
    """Where the parser tables are kept between runs: ``$BIBUN_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/bibun``, else ``~/.cache/bibun`` (None: no home to put it in)."""
    env = os.environ.get("BIBUN_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "bibun"
    try:
        return Path.home() / ".cache" / "bibun"
    except (RuntimeError, KeyError):  # no home directory (a bare container user)
        return None


def _table_file(grammar: str) -> Path | None:
    """The cache file for this grammar text, this Lark, this Python and these options: a
    change to any of them is a new name, so a stale table is never read."""
    where = cache_dir()
    if where is None:
        return None
    options = sorted((k, v if isinstance(v, str | bool) else f"{v.__module__}.{v.__qualname__}")
                     for k, v in _LARK_OPTIONS.items())
    key = hashlib.sha256("\0".join([grammar, lark.__version__, sys.version, repr(options)])
                         .encode("utf-8")).hexdigest()[:24]
    return where / f"expr-lalr-{key}.pickle"


def _save_tables(parser: Lark, path: Path) -> None:
    """Write the tables atomically (a temporary file renamed into place: a reader in
    another process never sees half a file); a cache that cannot be written (read-only,
    full, missing home) is skipped silently and the tables are built again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".expr-lalr-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                parser.save(f, exclude_options=("transformer",))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """The LALR parser: its tables loaded from the cache (:func:`cache_dir`) when this
    exact grammar was compiled before, else compiled (~35 ms) and cached."""
    grammar = files("bibun").joinpath("grammar/expr.lark").read_text(encoding="utf-8")
    path = _table_file(grammar)
    if path is not None:
        try:
            with open(path, "rb") as f:  # Lark.load with a transformer, as Lark's own cache
                return Lark.__new__(Lark)._load(f, transformer=_Build())
        except OSError:  # not cached yet, or unreadable
            pass
        except Exception:  # noqa: BLE001 - a damaged file (cut short, another Lark): rebuild
            pass
    parser = Lark(grammar, transformer=_Build(), **_LARK_OPTIONS)
    if path is not None:
        _save_tables(parser, path)
    return parser


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
    """Build the expression from tokens (plain or LaTeX); Lark's errors become
    :class:`ParseError` with the column in ``text``."""
    try:
        return _whole(_parser().parse(bracket_bare(tokens)))
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


