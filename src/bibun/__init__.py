"""bibun (微分): symbolic, numeric and automatic differentiation, explained.

Quick start::

    >>> import bibun
    >>> print(bibun.diff("(x^3+1)^2"))
    6x^2(x^3 + 1)
"""

from bibun.codegen import compile, compile_gradient
from bibun.errors import BibunError, DomainError, LimitError, ParseError, UnknownFunctionError
from bibun.expr import Expr, parse, parse_full, symbol, symbols
from bibun.expr.simplify import expand, factor, simplify, together
from bibun.symbolic import diff, gradient, hessian, jacobian, nondifferentiable_points

__version__ = "0.1.0"

__all__ = [
    "BibunError", "DomainError", "Expr", "LimitError", "ParseError", "UnknownFunctionError",
    "compile", "compile_gradient", "diff", "expand", "factor", "gradient", "hessian",
    "jacobian", "nondifferentiable_points", "parse", "parse_full", "simplify", "symbol",
    "symbols", "together",
]
