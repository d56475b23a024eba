"""Parse formulas as people type and paste them into canonical expressions.

The grammar lives in ``bibun/grammar/expr.lark`` (LALR, built once); tokens come from
:mod:`bibun.expr.lex`.  Callbacks run *during* the LALR parse, so nodes are built
bottom-up without a parse tree and without recursion: deep nests are fine.
Nothing here evaluates user text as code.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from bibun.errors import BibunError, ParseError
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.grammar import Parsed, ParseWarning, _split_definition, run_grammar
from bibun.expr.lex import (
    MAX_LENGTH,
    normalize,
    reading_conventions,
    tokenize,
)
from bibun.expr.operators import (
    DerivativeOperator,
    check_operand,
    leading_operator,
    operator_not_allowed,
    refuse_operator_inside,
)
from bibun.expr.provided import provide, provided
from bibun.i18n import error, parse_error


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
    text = normalize(text)  # full-width IME input, character for character
    if latex is None:  # a backslash or $...$ marks LaTeX; plain text never has either
        t = text.strip()
        latex = "\\" in text or (len(t) >= 2 and t[0] == t[-1] == "$")
    where = _split_where(text)
    if where is not None:  # MSE = (y − ŷ)²/2, ŷ = wx + b
        return _parse_where(text, latex, derivative, *where)
    return _parse_one(text, latex, derivative)


def _parse_one(text: str, latex: bool, derivative: bool) -> Parsed:
    """One formula (no "where" clause), plain text or LaTeX."""
    if latex:  # LaTeX, through the same grammar (its reader loaded on the first LaTeX)
        return provided("parse_latex")(text, derivative=derivative)
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


#: what may stand between the formula and its "where" clause: ", ", ",\\ ", ", where "
_WHERE_GAP = re.compile(r"(?:\s|\\[,;:! ]|\\q?quad|\\text\s*\{\s*(?:where|with)\s*\}"
                        r"|where\b|with\b)*")


def _split_where(text: str) -> tuple[int, int] | None:
    """(comma, start of the clause) for ``formula, name = definition`` (the ML blogs'
    ``(y − ŷ)², ŷ = mx + b``): the last comma outside brackets, with exactly one ``=``
    after it.  A formula without such a comma returns None (read as usual)."""
    depth, last = 0, None
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            last = i
    if last is None or text[last + 1:].count("=") != 1 or not text[:last].strip():
        return None
    return last, _WHERE_GAP.match(text, last + 1).end()


def has_where_clause(text: str) -> bool:
    """True for ``formula, name = definition``: its ``=`` is not an equation's."""
    return isinstance(text, str) and _split_where(normalize(text)) is not None


def _parse_where(text: str, latex: bool, derivative: bool, comma: int, start: int) -> Parsed:
    """The formula with the clause's name replaced by its definition; columns of any
    error still point into ``text``."""
    main = _parse_one(text[:comma], latex, derivative)  # one clause: no recursion
    at = text.index("=", start)
    pad = " " * start
    name = _parse_one(pad + text[start:at], latex, False).expr
    if name.op != core.SYM:
        raise parse_error("error.parse.where_name", text, start + 1)
    value = _parse_one(" " * (at + 1) + text[at + 1:], latex, False)
    if not value.expr.free:
        raise parse_error("error.parse.where_number", text, start + 1, name=name.value)
    expr = main.expr.subs({name.value: value.expr})
    return Parsed(expr, main.name, main.params, [*main.warnings, *value.warnings], text,
                  main.wrt)


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


__all__ = ["DerivativeOperator", "has_where_clause", "parse", "parse_derivative", "parse_full",
           "Parsed", "ParseWarning", "reading_conventions", "variable_name"]


def parse_latex(text: str | Expr) -> Expr:
    """Parse a LaTeX formula: ``parse_latex(r"\\frac{1}{1 + e^{-z}}")``."""
    return parse(text, latex=True)


def parse_any_full(text: str, latex: bool | None = None, *, derivative: bool = False
                   ) -> Parsed:
    """Plain text or LaTeX; ``latex=None`` detects LaTeX (see :func:`looks_like_latex`).
    ``derivative=True`` accepts a leading ``d/dx`` / ``\\frac{d}{dx}`` (``Parsed.wrt``)."""
    return parse_full(text, latex, derivative=derivative)


def parse_any(text: str | Expr, latex: bool | None = None) -> Expr:
    """Parse plain text or LaTeX into an expression (LaTeX detected by a backslash,
    or forced with ``latex=True``/``False``)."""
    return parse(text, latex)


provide("parse", parse)
