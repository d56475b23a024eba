"""Named constants in a formula: ``a x^2 + b`` with a and b declared constant.

A textbook writes ``a x^2 + b`` and means one variable, x, and two constants.  bibun
cannot tell a constant from a variable by its letter, so the learner says which names are
constants (``--const a,b``, API ``constants=``).  Then: the derivative is d/dx, not ∂/∂x;
the variable is the one free name left (``a t^2 + b`` with a, b constant is a function of
t, no question asked); differentiating by a constant is refused rather than answered
(the learner declared that it does not vary).
"""

from __future__ import annotations

from collections.abc import Iterable

from bibun.i18n import error

from .core import Expr
from .parse import variable_name


def constant_names(constants: str | Iterable[str | Expr] | None) -> tuple[str, ...]:
    """``"a,b"``, ``"a b"``, ``["a", "b"]`` or symbols -> ("a", "b") in the parser's
    spelling (``alpha`` is α, ``m_1`` is m1), each a single variable name."""
    if constants is None:
        return ()
    items = constants.replace(",", " ").split() if isinstance(constants, str) else constants
    out: list[str] = []
    for c in items:
        text = str(c.value) if isinstance(c, Expr) else str(c)
        name = variable_name(text)
        if name is None:
            raise error("error.const_name", name=repr(text))
        if name not in out:
            out.append(name)
    return tuple(out)


def variable_among(e: Expr, var: str | None, constants: tuple[str, ...]) -> str:
    """The variable to differentiate by, given the declared constants: ``var`` itself
    (refused if it was declared constant), else the one free name that is not a
    constant, else x; several candidates without an x are asked about, never guessed."""
    if var is not None:
        if var in constants:
            raise error("error.const_wrt", var=var, constants=", ".join(constants))
        return var
    free = sorted(e.free - set(constants))
    if len(free) == 1:
        return free[0]
    if len(free) > 1 and "x" not in free:
        raise error("error.variable_which", f=e, names=", ".join(free))
    return "x"


def one_variable(e: Expr, constants: tuple[str, ...]) -> bool:
    """True when the formula has at most one free name besides the constants: its
    derivative is written d/dx, not ∂/∂x."""
    return len(e.free - set(constants)) <= 1


__all__ = ["constant_names", "one_variable", "variable_among"]
