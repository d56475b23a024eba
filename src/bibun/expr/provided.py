"""Operations the expression nodes offer but do not implement.

Printing, parsing, evaluation and differentiation are written in modules that import the
nodes, so the nodes cannot import them back.  Each of those modules registers its function
here when it is imported (``bibun.expr`` imports the printers, the parser and the
evaluator; ``bibun.symbolic`` registers ``diff``), and the conveniences on
:class:`~bibun.expr.core.Expr` (``str(e)``, ``e.diff()``, ``as_expr("x^2")``) look them up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bibun.errors import BibunError

_PROVIDED: dict[str, Callable[..., Any]] = {}


def provide(name: str, fn: Callable[..., Any]) -> None:
    """Register the function behind one of :class:`Expr`'s conveniences."""
    _PROVIDED[name] = fn


def provided(name: str) -> Callable[..., Any]:
    """The registered function; an error (not a silent fallback) when nothing is."""
    try:
        return _PROVIDED[name]
    except KeyError:
        raise BibunError(f"{name} is not loaded: import bibun first") from None
