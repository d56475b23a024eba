"""Where a formula is not differentiable, and its derivative's value at a point.

A piecewise function (relu, abs, step, sign) has a corner or a jump where its argument
crosses a point; a root (sqrt, cbrt) has a vertical tangent where its argument is 0.
:func:`nondifferentiable_points` finds those places in a formula, :func:`not_smooth_at`
says whether a point is one of them, and :func:`derivative_at` evaluates a derivative
there -- refusing, with the reason, where the formula has no derivative.
"""

from __future__ import annotations

from typing import Any

from bibun.errors import BibunError, DomainError
from bibun.expr import core, polynomial
from bibun.expr.core import FN, NUM, POW, Expr, as_expr
from bibun.expr.numbers import to_float
from bibun.expr.signs import may_equal
from bibun.functions import rule
from bibun.i18n import error
from bibun.record import record


@record(frozen=True)
class NonDifferentiable:
    """A place where a piecewise function in the formula has a corner or a jump: where
    ``argument`` equals ``value`` (the condition, as text)."""

    function: str
    argument: Expr
    condition: str  # e.g. "x = 0"
    value: float = 0.0  # the p in "u = p": 0 for |u| and relu(u), 1 for acosh(u)

    def __str__(self) -> str:
        return f"{self.function} is not differentiable where {self.condition}"


def nondifferentiable_points(expr: Any, var: str | None = None) -> list[NonDifferentiable]:
    """Where relu, abs, step, sign, sqrt, cbrt ... in ``expr`` are not differentiable.

    The derivative bibun returns is the one valid away from these points; they are
    stated, not hidden (relu'(0), |x|'(0) and step'(0) do not exist).
    """
    e = as_expr(expr)
    out: list[NonDifferentiable] = []
    seen = set()
    signs: dict[Expr, int] = {}  # sign analysis, shared by all corners (linear overall)
    if var is None and len(e.free) == 1:
        var = next(iter(e.free))
    for node in core.postorder(e):
        if node.op == FN and (var is None or var in node.free):
            r = rule(node.value)
            for p in r.nondiff:
                u = node.args[0]
                cond = f"{u} = {_fmt(p)}"
                if (node.value, cond) not in seen and may_equal(u, p, signs) \
                        and not _smooth_at_every_zero(e, var, u, p):
                    seen.add((node.value, cond))
                    out.append(NonDifferentiable(node.value, u, cond, p))
        if node.op == POW and node.args[1].op == NUM and 0 < node.args[1].value < 1 \
                and (var is None or var in node.free):
            cond = f"{node.args[0]} = 0"
            if ("root", cond) not in seen and may_equal(node.args[0], 0, signs) \
                    and not _smooth_at_every_zero(e, var, node.args[0], 0):
                seen.add(("root", cond))
                out.append(NonDifferentiable(str(node), node.args[0], cond, 0.0))
    return out


def _smooth_at_every_zero(e: Expr, var: str | None, u: Expr, p: float) -> bool:
    """True when f has a derivative at every point where u = p (the corner): u is a
    polynomial in the one variable, its real roots are known exactly, and at each one
    the one-sided slopes agree (|x|^3 and x|x| at 0).  Unsure: False."""
    if var is None or e.free != {var}:
        return False
    q = int(p) if float(p).is_integer() else p
    poly = polynomial.coefficients(core.add(u, core.number(-q)), var)
    if poly is None or polynomial.degree(poly) > 8:
        return False
    try:
        roots = polynomial.real_roots(poly)
    except BibunError:
        return False
    # no real root at all: u never equals p (x^2 - 2x + 2), so there is no corner
    return all(r.exact and _not_smooth(e, var, {var: r.expr.evaluate()}) is None
               for r in roots)


def _fmt(p: float) -> str:
    return str(int(p)) if float(p).is_integer() else str(p)


def derivative_at(expr: Expr, d: Expr, var: str, point: dict[str, Any]) -> Any:
    """d at the point, but only where the function itself is defined and smooth.

    (ln x)' = 1/x has a value at x = -1, yet ln has no derivative there.  At a possible
    corner (|u|, relu(u), step(u), sqrt(u) with u = 0) the two one-sided slopes decide:
    x|x| and |x|^3 are differentiable at 0 (both slopes 0), relu and |x| are not.
    """
    expr.evaluate(point)
    why = not_smooth_at(expr, var, point)
    if why:
        raise DomainError(why)
    try:
        return d.evaluate(point)
    except DomainError as exc:
        where = ", ".join(f"{k} = {v}" for k, v in point.items())
        raise error("error.derivative_at.infinite", DomainError, expr=str(expr), where=where,
                    why=str(exc)) from None


def not_smooth_at(expr: Any, var: str, point: dict[str, Any],
                  corners: list[NonDifferentiable] | None = None) -> str | None:
    """Why ``expr`` has no derivative in ``var`` at ``point``, or None where it has one.

    The one test for a corner at a point: a possible corner from
    :func:`nondifferentiable_points` (pass ``corners`` to reuse a list already made)
    whose argument is at its value there (u = 0 for |u|, u = 1 for acosh(u)), and
    then the one-sided slopes decide -- a jump, a corner, a vertical tangent or an
    edge of the domain is a reason; |x|^3 and x|x| at 0 are smooth.  The point must
    be one where ``expr`` itself is defined.  The reason reads
    "relu is not differentiable at x = 0 (a corner: ...)"."""
    e = as_expr(expr)
    for nd in nondifferentiable_points(e, var) if corners is None else corners:
        try:
            u = nd.argument.evaluate(point)
            at = u == nd.value or abs(to_float(u) - nd.value) <= 8e-16 * max(1.0, abs(nd.value))
        except (BibunError, TypeError, ValueError):
            continue
        why = _not_smooth(e, var, point) if at else None
        if why:
            where = ", ".join(f"{k} = {v}" for k, v in point.items())
            return f"{nd.function} is not differentiable at {where} ({why})"
    return None


def _not_smooth(expr: Expr, var: str, point: dict[str, Any]) -> str | None:
    """Why f has no derivative at a possible corner, or None if it has one.

    Compares (f(p) - f(p-h))/h with (f(p+h) - f(p))/h for two small h: at a real corner
    they stay apart, at a smooth point both pairs approach each other; and a jump shows
    as f(p+h) - f(p-h) that does not shrink with h."""
    p0 = float(point[var])
    try:  # f itself undefined there (√x ln x, 1/x + |x| at 0): no derivative, a note
        f0 = float(expr.evaluate(point))
    except (BibunError, ArithmeticError, ValueError, TypeError):
        return "f is not defined there"
    gaps, jumps, slopes = [], [], []
    for h in (1e-4, 1e-6):
        h *= max(1.0, abs(p0))
        try:
            fl, fr = (float(expr.evaluate({**point, var: p0 + s})) for s in (-h, h))
        except (BibunError, ArithmeticError, ValueError, TypeError):
            return "an edge of the domain: f is defined on one side only"
        left, right = (f0 - fl) / h, (fr - f0) / h
        gaps.append(abs(right - left) / max(1.0, abs(left), abs(right)))
        jumps.append(abs(fr - fl))
        slopes.append(max(abs(left), abs(right)))
    if jumps[1] > 0.5 * jumps[0] and jumps[1] > 1e-9 * max(1.0, abs(f0)):
        return "a jump: the values on the left and the right differ"
    if slopes[1] > 5 * slopes[0] and slopes[1] > 1e3:  # cbrt at 0: the slope ~ h^(-2/3)
        return "a vertical tangent: the slope grows without bound"
    if gaps[1] < 1e-3 or gaps[1] < 0.5 * gaps[0]:  # small, or closing as h shrinks
        return None
    return "a corner: the slopes from the left and the right differ"
