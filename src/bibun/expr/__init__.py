"""Expressions: the DAG (core), its parser, evaluator, printers and simplifiers.

The printers, the evaluator, the notebook display and the SymPy bridge behind ``str(e)``,
``e.evaluate()``, ``e._repr_mimebundle_()`` and ``e.to_sympy()`` are imported on first use
(:data:`bibun.expr.provided.PROVIDERS`), not here: ``bibun diff`` starts faster without
the ones it does not need."""

from bibun.expr.core import Expr, as_expr, number, postorder, symbol, symbols
from bibun.expr.parse import ParseWarning, parse, parse_full

__all__ = ["Expr", "ParseWarning", "as_expr", "number", "parse", "parse_full", "postorder",
           "symbol", "symbols"]
