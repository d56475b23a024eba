"""Expressions: the DAG (core), its parser, evaluator, printers and simplifiers."""

from bibun.expr import (  # noqa: F401  (they provide str(e), e.evaluate(), e.to_sympy())
    display,
    evaluate,
    printers,
    sympy_bridge,
)
from bibun.expr.core import Expr, as_expr, number, postorder, symbol, symbols
from bibun.expr.parse import ParseWarning, parse, parse_full

__all__ = ["Expr", "ParseWarning", "as_expr", "number", "parse", "parse_full", "postorder",
           "symbol", "symbols"]
