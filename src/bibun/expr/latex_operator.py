r"""A leading derivative operator in LaTeX: ``\frac{d}{dx}``, ``\dfrac{\partial}{\partial y}``,
``d/dx``, ``\frac{\mathrm{d}}{\mathrm{d}x}``, ``\frac{d}{d\theta}``, ``\frac{d}{dx_1}`` (read
by :func:`bibun.expr.latex_input.parse_latex_full` with ``derivative=True``)."""

from __future__ import annotations

import re

from bibun.expr.lex import GREEK_COMMANDS
from bibun.expr.operators import DerivativeOperator, derivative_variable, higher_order_error
from bibun.i18n import parse_error

_GREEK_COMMANDS = GREEK_COMMANDS
#: a leading derivative operator: \frac{d}{dx}, \dfrac{\partial}{\partial y}, d/dx, ∂/∂x,
#: \frac{\mathrm{d}}{\mathrm{d}x}, \frac{d}{d\theta}, \frac{d}{dx_1} (see parse_latex_full)
_D = (r"(?:d|∂|\\partial(?![A-Za-z])|\\(?:mathrm|operatorname|text|textrm)\s*\{\s*d\s*\}"
      r"|\\mathrm\s+d(?![A-Za-z]))")
_VAR = r"(?P<var>[A-Za-z]|\\[A-Za-z]+)(?P<sub>_\{\s*[A-Za-z0-9]+\s*\}|_[A-Za-z0-9])?"
_POW = r"(?:\^\s*(?:\{\s*\d+\s*\}|\d)|[²³⁴⁵⁶⁷⁸⁹])"
_LEADING_FRAC = re.compile(
    rf"\s*\\[dtc]?frac\s*\{{\s*(?P<n>{_D})\s*(?P<order>{_POW})?\s*\}}"
    rf"\s*\{{\s*(?P<d>{_D})\s*{_VAR}\s*(?P<order2>{_POW})?\s*\}}")
_LEADING_SLASH = re.compile(
    rf"\s*(?P<n>{_D})(?P<order>{_POW})?\s*/\s*(?P<d>{_D})\s*{_VAR}(?P<order2>{_POW})?")
OPERATOR_INSIDE = re.compile(
    r"(?<![A-Za-z0-9_'}\\])(?:d|∂)\s*/\s*(?:d|∂)(?=[A-Za-z\\])"
    r"|\\mathrm\s*\{\s*d\s*\}\s*/\s*\\mathrm\s*\{\s*d\s*\}")


def leading_operator(body: str) -> DerivativeOperator | None:
    """``\\frac{d}{dx}`` (``\\dfrac``, ``\\partial``, ``\\mathrm{d}``) or ``d/dx`` at the
    start of the (delimiter-stripped) LaTeX source; one anchored match, linear time."""
    m = _LEADING_FRAC.match(body) or _LEADING_SLASH.match(body)
    if m is None:
        return None
    start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
    source = body[start:m.end()].strip()
    kinds = {("∂" if g in ("∂", "\\partial") else "d") for g in (m.group("n"), m.group("d"))}
    if len(kinds) > 1:
        raise parse_error("error.parse.operator_mixed", body, start + 1, op=source)
    if m.group("order") or m.group("order2"):
        plain = None if m.group("order") or m.re is _LEADING_FRAC else \
            body[start:m.start("order2")]
        raise higher_order_error(source, body, start, plain)
    var = m.group("var")
    if var.startswith("\\"):
        if var[1:] not in _GREEK_COMMANDS:
            raise parse_error("error.parse.latex_operator_variable", body, m.start('var') + 1,
                        var=var)
        var = _GREEK_COMMANDS[var[1:]]
    var = derivative_variable(var, body, m.start("var"))
    sub = m.group("sub")
    if sub:
        sub = sub[1:].strip("{} ")
        var += sub if sub.isdigit() else "_" + sub
    return DerivativeOperator(var, start, m.end(), source)


__all__ = ["OPERATOR_INSIDE", "leading_operator"]
