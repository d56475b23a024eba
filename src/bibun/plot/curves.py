"""Curves that are not graphs y = f(x): implicit (x² + y² = 1) and parametric
(x = cos t, y = sin t), each with its tangent line at a point.

An implicit curve is the zero contour of F = left − right on a grid over a box chosen
around the curve itself (found by sign changes of F on a wide grid); the tangent comes
from :func:`bibun.calculus.implicit_diff` (dy/dx = −F_x/F_y, the point checked to be on
the curve).  A parametric curve is sampled in t, with an arrow for the direction of
increasing t; its tangent comes from :func:`bibun.calculus.parametric_diff`
(dy/dx = (dy/dt)/(dx/dt)).  Both are drawn with equal scales on the axes, so a circle is
round and the tangent looks perpendicular to the radius.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_function, implicit_diff, parametric_diff, to_float
from bibun.calculus.implicit import split_equation
from bibun.calculus.parametric import split_param
from bibun.errors import DomainError
from bibun.expr import core
from bibun.expr.core import Expr, as_expr, postorder
from bibun.i18n import error
from bibun.plot.features import nice
from bibun.plot.ranges import check_range, parse_range
from bibun.plot.style import _figure, _save, _style, _t, _text

#: the square searched for an implicit curve when no range is given
SEARCH = 10.0


def _equation(equation: Any) -> tuple[Expr, Expr, Expr, str]:
    """(left, right, F = left − right, the equation as text) of an implicit curve in x, y."""
    left, right = split_equation(equation)
    F = core.add(left, core.neg(right))
    text = f"{_text(left, 40)} = {_text(right, 20)}"
    others = sorted(F.free - {"x", "y"})
    if others or "y" not in F.free:
        raise error("error.plot.implicit_variables", equation=text,
                    names=", ".join(sorted(F.free)) or "—")
    return left, right, F, text


def _values(F: Expr, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        Z = np.array(np.broadcast_to(as_function(F, ["x", "y"])(X, Y), X.shape), dtype=float)
    Z[~np.isfinite(Z)] = np.nan
    return Z


def implicit_points(equation: Any, x0: float, box: tuple[float, float] | None = None
                    ) -> list[float]:
    """The y with F(x0, y) = 0 in ``box`` (default ±:data:`SEARCH`), by sign changes of
    F on a fine grid refined by bisection: the points of the curve above x = x0."""
    _, _, F, _ = _equation(equation)
    lo, hi = box or (-SEARCH, SEARCH)
    g = as_function(F, ["x", "y"])

    def at(y: float) -> float:
        with np.errstate(all="ignore"):
            return float(np.asarray(g(np.array([x0]), np.array([y])), dtype=float).ravel()[0])

    ys = np.linspace(lo, hi, 4001)
    vals = _values(F, np.full_like(ys, x0), ys)
    out: list[float] = []
    for i in np.flatnonzero(np.isfinite(vals[:-1]) & np.isfinite(vals[1:])
                            & (np.sign(vals[:-1]) * np.sign(vals[1:]) <= 0)):
        a, b = float(ys[i]), float(ys[i + 1])
        if vals[i + 1] == 0:
            continue
        fa = at(a)
        for _ in range(80):
            m = (a + b) / 2
            fm = at(m)
            if fm == 0:
                a = b = m
                break
            if (fm > 0) == (fa > 0):
                a, fa = m, fm
            else:
                b = m
        out.append(_snap((a + b) / 2, F, x0))
    return out


def _snap(y: float, F: Expr, x0: Any) -> Any:
    """y as an exact fraction when that is exactly on the curve (x = 3/5 gives y = 4/5,
    not 0.8000000000000002), else the float."""
    q = Fraction(y).limit_denominator(10_000)
    try:
        xq = Fraction(repr(float(x0))) if isinstance(x0, float) else x0
        if F.evaluate({"x": xq, "y": q}) == 0:
            return q
    except (ValueError, ZeroDivisionError, TypeError):
        pass
    return y


def _curve_box(F: Expr, point: tuple[float, float] | None
               ) -> tuple[float, float, float, float]:
    """A square around the part of the curve F = 0 within ±SEARCH (and the point)."""
    g = np.linspace(-SEARCH, SEARCH, 241)
    X, Y = np.meshgrid(g, g)
    Z = _values(F, X, Y)
    s = np.sign(Z)
    cross = np.zeros(Z.shape, dtype=bool)
    cross[:, :-1] |= s[:, :-1] * s[:, 1:] <= 0
    cross[:-1, :] |= s[:-1, :] * s[1:, :] <= 0
    cross &= np.isfinite(Z)
    if not cross.any():
        return math.nan, math.nan, math.nan, math.nan
    xs, ys = X[cross], Y[cross]
    pts_x = [float(xs.min()), float(xs.max())] + ([point[0]] if point else [])
    pts_y = [float(ys.min()), float(ys.max())] + ([point[1]] if point else [])
    cx, cy = (min(pts_x) + max(pts_x)) / 2, (min(pts_y) + max(pts_y)) / 2
    half = max(max(pts_x) - min(pts_x), max(pts_y) - min(pts_y)) / 2
    half = max(half * 1.25, 1.0)
    return cx - half, cx + half, cy - half, cy + half


def plot_implicit(equation: Any, out: str | Path, *, at: dict[str, Any] | None = None,
                  xrange: Any = None, lang: str | None = None) -> Path:
    """The curve of an equation in x and y (``"x^2 + y^2 = 1"``) and, with ``at``
    (``{"x": 3/5, "y": 4/5}``), its tangent line there with dy/dx.  ``xrange`` is the
    range of both axes; by default a square around the curve."""
    lang = i18n.resolve(lang)
    left, right, F, eq = _equation(equation)
    r = implicit_diff(equation if isinstance(equation, str) else F, at=at) if at \
        else implicit_diff(equation if isinstance(equation, str) else F)
    p0 = (float(to_float(as_expr(r.point["x"]))), float(to_float(as_expr(r.point["y"])))) \
        if at else None
    if xrange is not None:
        a, b = parse_range(xrange, (-SEARCH, SEARCH))
        c, d = a, b
    else:
        a, b, c, d = _curve_box(F, p0)
        if math.isnan(a):
            raise error("error.plot.implicit_empty", DomainError, equation=eq, r=SEARCH)
        a, b = check_range(a, b)
    n = 501
    X, Y = np.meshgrid(np.linspace(a, b, n), np.linspace(c, d, n))
    Z = _values(F, X, Y)
    with _style(lang):
        fig = _figure((6.4, 6.4))
        ax = fig.add_subplot()
        ax.contour(X, Y, Z, levels=[0.0], colors="tab:blue", linewidths=2.2)
        ax.plot([], [], color="tab:blue", lw=2.2, label=eq)  # the contour's legend entry
        if at:
            x0, y0 = p0  # type: ignore[misc]
            xs = np.linspace(a, b, 2)
            m = float(to_float(as_expr(r.value)))
            ax.plot(xs, y0 + m * (xs - x0), color="tab:red", lw=1.4,
                    label=_t(lang, "tangent_at", where=_pair(r.point["x"], r.point["y"]),
                             line=f"y = {_line(r.tangent, m, y0 - m * x0)}"))
            ax.plot([x0], [y0], "o", color="tab:red", mec="k", zorder=5,
                    label=f"dy/dx = {_text(r.derivative, 30)} = {nice(_exact(r.value))}")
        ax.set_xlim(a, b)
        ax.set_ylim(c, d)
        ax.set_aspect("equal", adjustable="box")
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(_t(lang, "implicit_title" if at else "implicit_title_plain", eq=eq),
                     fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1))
        return _save(fig, out)


def plot_parametric(curve: Any, out: str | Path, *, at: Any = None, trange: Any = None,
                    lang: str | None = None) -> Path:
    """The curve x = x(t), y = y(t) (``"x = cos t, y = sin t"``) for t in ``trange``
    (default 0..2π when it has trigonometric functions, else −2..2), with an arrow for
    increasing t and, at t = ``at``, the tangent line with dy/dx."""
    lang = i18n.resolve(lang)
    xe, ye = split_param(curve) if isinstance(curve, str) else (as_expr(curve[0]),
                                                                as_expr(curve[1]))
    r = parametric_diff((xe, ye), at=at)
    t = r.t
    periodic = any(n.op == core.FN and n.value in ("sin", "cos", "tan")
                   for e in (xe, ye) for n in postorder(e))
    t0 = float(to_float(as_expr(at))) if at is not None else None
    default = (0.0, 2 * math.pi) if periodic else (-2.0, 2.0)
    if trange is None and t0 is not None and not default[0] <= t0 <= default[1]:
        default = (t0 - 2.0, t0 + 2.0)
    ta, tb = parse_range(trange, default)
    ts = np.linspace(ta, tb, 1201)
    with np.errstate(all="ignore"):
        xs = np.array(np.broadcast_to(as_function(xe, [t])(ts), ts.shape), dtype=float)
        ys = np.array(np.broadcast_to(as_function(ye, [t])(ts), ts.shape), dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        raise error("error.plot.parametric_empty", DomainError, t=t, a=ta, b=tb)
    with _style(lang):
        fig = _figure((6.4, 6.4))
        ax = fig.add_subplot()
        span = _t(lang, "parameter_range", t=t, a=nice(ta), b=nice(tb))
        label = f"x = {_text(xe, 24)}, y = {_text(ye, 24)}  ({span})"
        ax.plot(np.where(ok, xs, np.nan), np.where(ok, ys, np.nan), color="tab:blue", lw=2.2,
                label=label)
        i = int(np.flatnonzero(ok)[len(np.flatnonzero(ok)) * 2 // 5])
        j = min(i + 8, len(ts) - 1)
        ax.annotate("", (xs[j], ys[j]), (xs[i], ys[i]),
                    arrowprops={"arrowstyle": "-|>", "color": "tab:blue", "lw": 1.5,
                                "mutation_scale": 18})
        ax.plot([], [], ls="none", marker=r"$\rightarrow$", color="tab:blue", ms=12,
                label=_t(lang, "direction", t=t))
        lo_x, hi_x = float(np.nanmin(xs[ok])), float(np.nanmax(xs[ok]))
        lo_y, hi_y = float(np.nanmin(ys[ok])), float(np.nanmax(ys[ok]))
        if t0 is not None:
            x0 = float(to_float(xe.subs({t: as_expr(at)})))
            y0 = float(to_float(ye.subs({t: as_expr(at)})))
            m = float(to_float(as_expr(r.value)))
            span = max(hi_x - lo_x, hi_y - lo_y, 1.0)
            lx = np.linspace(x0 - span, x0 + span, 2)
            ax.plot(lx, y0 + m * (lx - x0), color="tab:red", lw=1.4,
                    label=_t(lang, "tangent_at", where=f"{t} = {nice(t0)} {_pair(x0, y0)}",
                             line=f"y = {_line(None, m, y0 - m * x0)}"))
            ax.plot([x0], [y0], "o", color="tab:red", mec="k", zorder=5,
                    label=f"dy/dx = {_text(r.derivative, 30)} = {nice(m)}")
        pad = 0.15 * max(hi_x - lo_x, hi_y - lo_y, 1e-9)
        ax.set_xlim(lo_x - pad, hi_x + pad)
        ax.set_ylim(lo_y - pad, hi_y + pad)
        wide, tall = hi_x - lo_x, hi_y - lo_y
        if min(wide, tall) > 0 and 0.5 <= wide / tall <= 2:
            ax.set_aspect("equal", adjustable="box")
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(_t(lang, "parametric_title" if at is not None else
                        "parametric_title_plain", t=t), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1))
        return _save(fig, out)


def _exact(v: Any) -> Any:
    return as_expr(v) if isinstance(v, int | Fraction) else float(to_float(as_expr(v)))


def _pair(x: Any, y: Any) -> str:
    return f"({nice(_exact(x))}, {nice(_exact(y))})"


def _line(exact: Expr | None, m: float, c: float) -> str:
    """The right side of a tangent line: the exact formula when it is short and has no
    function calls (5/4 − 3x/4), else m·x + c with each number as :func:`nice` writes it."""
    if exact is not None and len(exact.unicode()) <= 30 \
            and all(n.op != core.FN for n in postorder(exact)):
        return exact.unicode()
    ms = nice(m)
    if m == 0:
        return nice(c)
    slope = {"1": "", "−1": "−"}.get(ms, f"({ms})" if "/" in ms or " " in ms else ms)
    text = f"{slope}x"
    if c != 0:
        cs = nice(c)
        text += f" − {cs[1:]}" if cs.startswith("−") else f" + {cs}"
    return text
