"""Implicit differentiation: x^2 + y^2 = 1 gives dy/dx = -x/y.

Both sides are differentiated with respect to x, y being a function y(x) (so y^2 gives
2y·y′ by the chain rule), the y′ terms are collected on one side, and the equation is
solved for y′: y′ = -F_x/F_y with F = left - right.  At a point the point is checked to be
on the curve and F_y ≠ 0 there (else the equation does not define y as a function of x
near it), and the tangent line is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bibun.errors import BibunError, DomainError
from bibun.explain.worked import Raw, Step, Worked
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.numbers import to_float
from bibun.expr.parse import parse
from bibun.expr.simplify import expand, simplify, together
from bibun.i18n import error
from bibun.symbolic import diff

#: how close to 0 F(x0, y0) must be, relative to the size of its terms, for a point given
#: with decimals to count as on the curve
ON_CURVE_TOL = 1e-9


def split_equation(text: Any) -> tuple[Expr, Expr]:
    """``"x^2 + y^2 = 1"`` -> (x^2 + y^2, 1); without '=' the right side is 0."""
    if isinstance(text, Expr):
        return text, core.ZERO
    if not isinstance(text, str):
        raise error("error.implicit.not_equation", text=repr(text))
    pieces = text.split("=")
    if len(pieces) > 2:
        raise error("error.implicit.many_equals", text=text)
    if any(not p.strip() for p in pieces):
        raise error("error.implicit.empty_side", text=text)
    if len(pieces) == 1:
        return parse(pieces[0]), core.ZERO
    return parse(pieces[0]), parse(pieces[1])


def dd(e: Expr, x: str = "x") -> Raw:
    """d/dx [e] as notation."""
    return Raw(f"d/d{x} [{e}]", rf"\frac{{d}}{{d{x}}}\left[{e.latex()}\right]")


def prime(y: str) -> Expr:
    return core.symbol(f"{y}'")


def total(e: Expr, x: str, y: str) -> Expr:
    """d/dx of e with y = y(x): ∂e/∂x + ∂e/∂y·y′."""
    return core.add(diff(e, x), core.mul(diff(e, y), prime(y)))


def _replace(root: Expr, old: Expr, new: Expr) -> Expr:
    return core.rebuild(root, lambda node, args: new if node is old else None)


def on_curve(left: Expr, right: Expr, rest: Expr, point: dict[str, Any]) -> Expr | None:
    """Rewrite ``rest`` using the equation where it appears in it (x^2 + y^2 → 1)."""
    for side, other in ((left, right), (right, left)):
        if side.op != core.NUM and side in core.postorder(rest):
            return simplify(_replace(rest, side, other))
    return None


@dataclass
class Implicit:
    """The result of :func:`implicit_diff`."""

    equation: tuple[Expr, Expr]
    x: str
    y: str
    derivative: Expr
    second: Expr
    second_on_curve: Expr | None
    worked: Worked
    point: dict[str, Any] = field(default_factory=dict)
    value: Any = None
    tangent: Expr | None = None

    def render(self, lang: str | None = None, format: str = "text") -> str:  # noqa: A002
        return self.worked.render(lang, format)


def _is_zero(v: Any, scale: float) -> bool:
    if isinstance(v, int | Fraction):
        return v == 0
    return abs(to_float(v)) <= ON_CURVE_TOL * max(1.0, scale)


def implicit_diff(equation: Any, x: str = "x", y: str = "y",
                  at: dict[str, Any] | None = None) -> Implicit:
    """dy/dx from an equation in x and y (text ``"x^2 + y^2 = 1"``, or an Expr F meaning
    F = 0), with steps; ``at={"x": 3/5, "y": 4/5}`` adds the value and the tangent line."""
    left, right = split_equation(equation)
    free = left.free | right.free
    if y not in free:
        raise error("error.implicit.no_y", y=y, equation=_eq(left, right))
    yp, F = prime(y), core.add(left, core.neg(right))
    fx, fy = diff(F, x), diff(F, y)
    if fy is core.ZERO:
        raise error("error.implicit.no_y", y=y, equation=_eq(left, right))
    steps = [Step("implicit.both_sides", {"x": x, "y": y},
                  (dd(left, x), dd(right, x)))]
    terms = [t for side in (left, right) for t in (side.args if side.op == core.ADD else (side,))
             if y in t.free]
    for t in terms:
        steps.append(Step("implicit.chain", {"term": t, "y": y, "x": x},
                          (dd(t, x), total(t, x, y))))
    steps.append(Step("implicit.differentiated", {},
                      (total(left, x, y), total(right, x, y))))
    steps.append(Step("implicit.collect", {"yp": yp}, (core.mul(fy, yp), core.neg(fx))))
    d = simplify(core.neg(fx) / fy)
    steps.append(Step("implicit.solve", {"fy": fy}, (Raw(f"d{y}/d{x}", rf"\frac{{d{y}}}{{d{x}}}"),
                                                      d)))
    second = simplify(together(core.add(diff(d, x), core.mul(diff(d, y), d))))
    second_curve = on_curve(left, right, second, {})
    steps.append(Step("implicit.second", {},
                      (Raw(f"d^2{y}/d{x}^2", rf"\frac{{d^2{y}}}{{d{x}^2}}"), second)
                      + ((second_curve,) if second_curve is not None else ())))
    worked = Worked("implicit.title", {"equation": Raw(_eq(left, right)), "x": x, "y": y},
                    steps, answer=d)
    result = Implicit((left, right), x, y, d, second, second_curve, worked)
    if at:
        _at_point(result, F, fx, fy, at)
    return result


def _eq(left: Expr, right: Expr) -> str:
    return f"{left} = {right}"


def _at_point(r: Implicit, F: Expr, fx: Expr, fy: Expr, at: dict[str, Any]) -> None:
    x, y = r.x, r.y
    missing = [v for v in (x, y) if v not in at]
    if missing:
        raise error("error.implicit.point_needs", names=f"{x}, {y}")
    extra = sorted(set(at) - {x, y} - F.free)
    if extra:
        raise error("error.implicit.point_extra", names=", ".join(extra))
    point = {k: as_expr(v).evaluate() if isinstance(v, Expr | str) else v for k, v in at.items()}
    where = ", ".join(f"{k} = {point[k]}" for k in (x, y))
    eq = _eq(*r.equation)
    try:
        fval = F.evaluate(point)
        scale = sum(abs(to_float(t.evaluate(point)))
                    for t in (F.args if F.op == core.ADD else (F,)))
        if not _is_zero(fval, scale):
            raise error("error.implicit.off_curve", DomainError, point=where, equation=eq,
                        value=_show(r.equation[0].evaluate(point)),
                        right=_show(r.equation[1].evaluate(point)))
        fyv = fy.evaluate(point)
        if _is_zero(fyv, 1.0):
            fxv = fx.evaluate(point)
            key = "error.implicit.singular" if _is_zero(fxv, 1.0) else "error.implicit.vertical"
            raise error(key, DomainError, point=where, equation=eq, x=x, y=y, fy=str(fy))
        value = simplify(r.derivative.subs(point)).evaluate()
    except (ZeroDivisionError, OverflowError):
        raise error("error.implicit.vertical", DomainError, point=where, equation=eq, x=x, y=y,
                    fy=str(fy)) from None
    except BibunError:
        raise
    x0, y0 = core.as_expr(point[x]), core.as_expr(point[y])
    m = core.as_expr(value)
    tangent = expand(core.add(y0, core.mul(m, core.add(core.symbol(x), core.neg(x0)))))
    r.point, r.value, r.tangent = point, value, tangent
    r.worked.steps.append(Step("implicit.on_curve", {"point": where},
                               (r.equation[0].subs(point), r.equation[1].subs(point))))
    r.worked.steps.append(Step("implicit.value", {"point": where},
                               (Raw(f"d{y}/d{x}"), r.derivative.subs(point), m)))
    r.worked.steps.append(Step("implicit.tangent", {}, (core.symbol(y), tangent)))


def _show(v: Any) -> str:
    return str(core.as_expr(v)) if isinstance(v, int | Fraction) else f"{to_float(v):.6g}"
