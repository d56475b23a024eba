"""Operations the expression nodes offer but do not implement, and the modules loaded
only when one of them is first used.

Printing, parsing, evaluation and differentiation are written in modules that import the
nodes, so the nodes cannot import them back.  Each of those modules registers its function
here when it is imported (``bibun.symbolic`` registers ``diff``), and the conveniences on
:class:`~bibun.expr.core.Expr` (``str(e)``, ``e.diff()``, ``as_expr("x^2")``) look them up.

A name in :data:`PROVIDERS` is also loaded on demand: :func:`provided` imports the module
that registers it the first time it is asked for.  This is the expression layer's one
deferred import, and it is why ``bibun diff`` does not load the MathML printer, the
notebook display, the evaluator, the SymPy bridge or the LaTeX reader unless the formula
or the output needs them (each costs the command line's start-up a few milliseconds,
more when Python cannot cache its bytecode).  The table names modules of this layer
only (``tests/test_cli_imports.py`` checks that each registers its names), so a deferred
import never goes upward.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from bibun.errors import BibunError

_PROVIDED: dict[str, Callable[..., Any]] = {}

#: name -> the module (in bibun.expr) whose import registers it
PROVIDERS = {
    "text": "bibun.expr.printers", "unicode": "bibun.expr.printers",
    "latex": "bibun.expr.printers", "python": "bibun.expr.printers",
    "parse": "bibun.expr.parse", "parse_latex": "bibun.expr.latex_input",
    "evaluate": "bibun.expr.evaluate", "to_sympy": "bibun.expr.sympy_bridge",
    "mimebundle": "bibun.expr.display", "mathml": "bibun.expr.mathml",
    "mathml_where": "bibun.expr.mathml",
}


def provide(name: str, fn: Callable[..., Any]) -> None:
    """Register the function behind one of :class:`Expr`'s conveniences."""
    _PROVIDED[name] = fn


def provided(name: str) -> Callable[..., Any]:
    """The registered function (its module imported now if it is one of
    :data:`PROVIDERS`); an error (not a silent fallback) when nothing registers it."""
    try:
        return _PROVIDED[name]
    except KeyError:
        pass
    if name in PROVIDERS:
        importlib.import_module(PROVIDERS[name])
        if name in _PROVIDED:
            return _PROVIDED[name]
    raise BibunError(f"{name} is not loaded: import bibun first")
