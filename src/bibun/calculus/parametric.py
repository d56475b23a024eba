"""Parametric curves: x = cos t, y = sin t gives dy/dx = (dy/dt)/(dx/dt) = -cot t."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bibun.errors import BibunError, DomainError
from bibun.explain.worked import Raw, Step, Worked
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.numbers import to_float
from bibun.expr.parse import parse
from bibun.expr.simplify import expand, simplify
from bibun.i18n import error
from bibun.symbolic import diff


@dataclass
class Parametric:
    x: Expr
    y: Expr
    t: str
    derivative: Expr
    second: Expr
    worked: Worked
    value: Any = None
    tangent: Expr | None = None

    def render(self, lang: str | None = None, format: str = "text") -> str:  # noqa: A002
        return self.worked.render(lang, format)


def _exact(e: Expr) -> Expr:
    """A number in exact form where the evaluator has it (tan(π/4) = 1), else e."""
    v = e.evaluate()
    return as_expr(v) if not isinstance(v, float) else simplify(e)


def split_param(text: str) -> tuple[Expr, Expr]:
    """``"x = cos t, y = sin t"`` → (cos t, sin t)."""
    found: dict[str, Expr] = {}
    for piece in text.replace(";", ",").split(","):
        if piece.count("=") != 1:
            raise error("error.param.form", text=text)
        name, rhs = (s.strip() for s in piece.split("="))
        if name not in ("x", "y") or name in found:
            raise error("error.param.form", text=text)
        found[name] = parse(rhs)
    if set(found) != {"x", "y"}:
        raise error("error.param.form", text=text)
    return found["x"], found["y"]


def parametric_diff(curve: Any, t: str | None = None, at: Any = None) -> Parametric:
    x, y = split_param(curve) if isinstance(curve, str) else (as_expr(curve[0]),
                                                              as_expr(curve[1]))
    names = sorted(x.free | y.free)
    if t is None:
        t = "t" if "t" in names or not names else names[0]
    if t not in names:
        raise error("error.param.no_parameter", t=t)
    xt, yt = diff(x, t), diff(y, t)
    if xt is core.ZERO:
        raise error("error.param.vertical_everywhere", DomainError, x=str(x))
    d = simplify(yt / xt)
    second = simplify(diff(d, t) / xt)
    steps = [
        Step("param.dx", {"t": t}, (Raw(f"dx/d{t}"), xt)),
        Step("param.dy", {"t": t}, (Raw(f"dy/d{t}"), yt)),
        Step("param.ratio", {"t": t}, (Raw("dy/dx"), Raw(f"(dy/d{t})/(dx/d{t})"),
                                        core.mul(yt, core.power(xt, core.MINUS_ONE)), d)),
        Step("param.second", {"t": t}, (Raw("d^2y/dx^2"), second)),
    ]
    r = Parametric(x, y, t, d, second, Worked("param.title", {"x": x, "y": y}, steps, answer=d))
    if at is not None:
        t0 = parse(at) if isinstance(at, str) else as_expr(at)
        if abs(to_float(xt.evaluate({t: t0.evaluate()}))) < 1e-12:
            raise error("error.param.vertical", DomainError, t=t, t0=str(at))
        try:
            value, x0, y0 = (_exact(e.subs({t: t0})) for e in (d, x, y))
        except (ZeroDivisionError, BibunError) as exc:
            raise error("error.param.vertical", DomainError, t=t, t0=str(at)) from exc
        r.value = value
        r.tangent = expand(core.add(y0, core.mul(value, core.add(core.symbol("x"),
                                                                  core.neg(x0)))))
        steps.append(Step("param.at", {"t": t, "t0": str(at)}, (Raw("dy/dx"), value)))
        steps.append(Step("implicit.tangent", {}, (core.symbol("y"), r.tangent)))
    return r
