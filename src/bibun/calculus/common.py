"""What the uses share: a formula as a fast numeric function, exact values at a point,
the one variable of a formula."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from bibun.codegen import compile as compile_expr
from bibun.errors import BibunError, DomainError
from bibun.expr import core, numbers
from bibun.expr.core import NUM, Expr, as_expr
from bibun.expr.exact import exact_at
from bibun.i18n import error
from bibun.smoothness import not_smooth_at
from bibun.symbolic import default_variable

# -- helpers shared by descend, fit and plot -------------------------------------------


def as_function(expr: Any, names: Sequence[str]) -> Callable[..., np.ndarray]:
    """A float function of arrays, ``f(*arrays)``, for fast repeated evaluation.

    Uses :func:`bibun.compile` (NumPy source with common subexpressions once) when that
    module is available, else the DAG evaluator; both give NaN outside the domain
    instead of raising, which is what plots and grid searches need.
    """
    e = as_expr(expr)
    names = list(names)
    extra = sorted(e.free - set(names))
    if extra:
        raise error("error.calculus.free_symbols", e=e, extra=', '.join(extra),
                    names=', '.join(names) or 'no variables')
    compiled = _compiled(e, names)
    if compiled is not None:
        return compiled

    def f(*args: Any) -> np.ndarray:
        arrays = [np.asarray(a, dtype=float) for a in args]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        values = {n: np.broadcast_to(a, shape).astype(float) for n, a in zip(names, arrays)}
        if not values:  # a constant: broadcast to the requested shape
            return np.full(shape, float(e.evaluate()))
        with np.errstate(all="ignore"):
            out = e.evaluate(values)
        return np.broadcast_to(np.asarray(out, dtype=float), shape).copy()

    return f


def _compiled(e: Expr, names: list[str]) -> Callable[..., np.ndarray] | None:
    """The compiled function when the NumPy backend takes ``e``; None means use the
    evaluator."""
    try:
        fn = compile_expr(e, names)
    except Exception:  # a backend that refuses this expression: the evaluator will do
        return None

    def f(*args: Any) -> np.ndarray:
        arrays = [np.asarray(a, dtype=float) for a in args]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*arrays))
            if np.iscomplexobj(out):  # a constant part in Python floats: (e - 10^37)^0.5
                out = np.where(out.imag == 0, out.real, np.nan)  # not real: undefined
        return np.broadcast_to(out.astype(float), shape).copy()

    return f


def as_number(value: Any, what: str = "the point") -> Expr:
    """A number (int, Fraction, float, or text such as '1/3' or 'pi/2') as an Expr.

    NumPy scalars become Python numbers first (exact when integral: np.float64(2.0) is
    2), so they never show up in printed results as ``np.float64(...)``."""
    value = _plain_number(value)
    v = as_expr(value)
    if v.free:
        raise error("error.calculus.not_number", what=what, value=repr(value))
    return v


def _plain_number(value: Any) -> Any:
    """NumPy scalars (and 0-d arrays) as Python int/float; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.bool_):
        raise error("error.calculus.truth_value", value=repr(value))
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        f = float(value)
        return int(f) if f.is_integer() else f
    return value


def _var(expr: Expr, var: str | None) -> str:
    return var if var is not None else default_variable(expr)


def one_variable(e: Expr, var: str | None, what: str) -> str:
    """The variable of a function of one variable: ``var``, else the default one.  Any
    other free symbol is an error saying that ``what`` (a tangent line, a plot...) needs
    a function of one variable."""
    v = _var(e, var)
    others = sorted(e.free - {v})
    if others:
        raise error("error.calculus.one_variable", what=what, e=e, others=', '.join(others))
    return v


def to_float(e: Expr | Any) -> float:
    """Float value of an exact number expression (e, cos(1), 1 + √2 ...); 10^400 is
    bibun's LimitError (the number policy's to_float), not an OverflowError."""
    return numbers.to_float(e.evaluate() if isinstance(e, Expr) else e)


def as_rational(expr: Any) -> Expr:
    """The expression with every decimal read as the exact fraction it was typed as
    (0.01 -> 1/100), so 0.01x^2 + 0.1x has the exact derivative 3/10 at x = 10 rather
    than the float 0.30000000000000004."""

    def visit(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
        if node.op == NUM and isinstance(node.value, float):
            return core.number(Fraction(repr(node.value)))
        return None

    return core.rebuild(as_expr(expr), visit)


def _check_smooth(expr: Expr, var: str, x0: Expr) -> None:
    """Refuse points where the formula has a corner, a jump, a vertical tangent or an
    edge of its domain (|x| and relu at 0, acosh at 1); |x|^3 at 0 is smooth."""
    try:
        point = {var: x0.evaluate()}
    except BibunError:
        return
    why = not_smooth_at(expr, var, point)
    if why:
        raise error("error.calculus.not_smooth", DomainError, expr=expr, why=why)


def _at(e: Expr, var: str, x0: Expr, what: str) -> Expr:
    """e with var replaced by x0, exactly; undefined values become a clear DomainError."""
    try:
        out = exact_at(e, {var: x0})
        out.evaluate()  # the exact form may hide a division by zero or log(-1)
    except DomainError as exc:
        raise error("error.calculus.undefined_at", DomainError, what=what, var=var, x0=x0,
                    exc=exc) from None
    return out


