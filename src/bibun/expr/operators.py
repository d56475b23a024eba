"""A leading derivative operator, d/dx (x^2 sin x), ∂/∂y (x^2 y), \frac{d}{dx}: read
outside the grammar, by one anchored pattern, and refused anywhere else (where d/dx would
silently read as d ÷ d × x).
"""

from __future__ import annotations

import re

from bibun.errors import ParseError
from bibun.expr.lalr import Token
from bibun.expr.lex import CONSTANTS, FUNCTIONS, GREEK, OPERAND_END, split_word
from bibun.i18n import parse_error
from bibun.record import record

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


@record(frozen=True)
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




