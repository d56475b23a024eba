"""bibun (微分): symbolic, numeric and automatic differentiation, explained.

Quick start::

    >>> import bibun
    >>> print(bibun.diff("(x^3+1)^2"))
    6x^2(x^3 + 1)

The public names are imported on first use (a module-level ``__getattr__``), so that
``import bibun`` — and the ``bibun`` command, which imports this package first — stays
cheap: ``bibun.diff`` loads the parser and the symbolic engine, ``bibun.compile`` loads
NumPy's code generation, each only when asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bibun import native as _native  # noqa: F401  (the compiled core when built: native/)
from bibun.errors import BibunError, DomainError, LimitError, ParseError, UnknownFunctionError

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from bibun.codegen import compile, compile_gradient
    from bibun.expr import Expr, parse, parse_full, symbol, symbols
    from bibun.expr.simplify import expand, factor, simplify, together
    from bibun.expr.sympy_bridge import from_sympy
    from bibun.smoothness import nondifferentiable_points
    from bibun.symbolic import diff, gradient, hessian, jacobian

#: public name -> the module that defines it (imported at the first use of the name)
_LAZY = {
    "compile": "bibun.codegen", "compile_gradient": "bibun.codegen",
    "Expr": "bibun.expr", "parse": "bibun.expr", "parse_full": "bibun.expr",
    "symbol": "bibun.expr", "symbols": "bibun.expr",
    "expand": "bibun.expr.simplify", "factor": "bibun.expr.simplify",
    "simplify": "bibun.expr.simplify", "together": "bibun.expr.simplify",
    "from_sympy": "bibun.expr.sympy_bridge",
    "diff": "bibun.symbolic", "gradient": "bibun.symbolic", "hessian": "bibun.symbolic",
    "jacobian": "bibun.symbolic", "nondifferentiable_points": "bibun.smoothness",
}

__all__ = [
    "BibunError", "DomainError", "Expr", "LimitError", "ParseError", "UnknownFunctionError",
    "compile", "compile_gradient", "diff", "expand", "factor", "from_sympy", "gradient",
    "hessian",
    "jacobian", "nondifferentiable_points", "parse", "parse_full", "simplify", "symbol",
    "symbols", "together",
]


def _version() -> str:
    """The installed distribution's version (one source: pyproject.toml), read on first use
    of ``bibun.__version__`` so that ``import bibun`` does not load importlib.metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bibun")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bibun' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is an ordinary global
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
