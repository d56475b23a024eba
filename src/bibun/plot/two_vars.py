"""Two variables: contours with the downhill field and descent paths; the surface cut by
a plane (the seed's picture of a partial derivative)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_function
from bibun.calculus.sampling import curve
from bibun.errors import DomainError
from bibun.expr.core import Expr, as_expr
from bibun.i18n import Msg, error
from bibun.plot.ranges import _no_value_anywhere, parse_range
from bibun.plot.style import COLORS, _figure, _num, _save, _style, _t, _text
from bibun.symbolic import diff


def _two_vars(e: Expr, variables: Sequence[str] | None) -> list[str]:
    names = list(variables) if variables else sorted(e.free)
    if len(names) == 1 and not variables:
        names = names + (["y"] if names[0] != "y" else ["x"])
    if len(names) != 2:
        raise error('error.plot.two_variables', e=e, count=len(names),
                    names=', '.join(names) or 'none')
    others = sorted(e.free - set(names))
    if others:
        raise error('error.plot.extra_variables', e=e, others=', '.join(others),
                    names=', '.join(names))
    return names


def _on_grid(e: Expr, names: list[str], box: Sequence[Any], n: int) -> tuple:
    """f(x, y) on an n×n grid over the box, NaN where undefined, for the contour and
    surface plots: returns the two ranges, f as a function and the grids X, Y, Z.
    A function undefined on the whole box is an error, not an empty picture."""
    (x0, x1), (y0, y1) = (parse_range(b, (-5.0, 5.0)) for b in box)
    f = as_function(e, names)
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with np.errstate(all="ignore"):
        Z = np.asarray(f(X, Y), dtype=float)
    Z[~np.isfinite(Z)] = np.nan
    if np.isnan(Z).all():
        where = Msg("plot.what.box", {"x0": x0, "x1": x1, "y0": y0, "y1": y1})
        raise _no_value_anywhere(e, lambda _: f(X, Y), X, where)
    return (x0, x1), (y0, y1), f, X, Y, Z


def plot_contour(expr: Any, out: str | Path, *, runs: Mapping[str, Any] | None = None,
                 box: Sequence[tuple[float, float]] | None = None,
                 variables: Sequence[str] | None = None, quiver: bool = True,
                 lang: str | None = None) -> Path:
    """Contour lines of f(x, y), the downhill field −∇f (symbolic gradient) as arrows,
    and the paths of descent runs (``{label: Descent}`` from :mod:`bibun.descend`)."""
    from bibun.descend import plot_box

    lang = i18n.resolve(lang)
    e = as_expr(expr)
    names = _two_vars(e, variables)
    runs = dict(runs or {})
    if box is None:
        # a diverged run leaves the picture (its label says so): framing its last
        # iterates at 1e7 would flatten the valley the other runs are finding
        calm = [r for r in runs.values() if r.reason != "diverged"] or list(runs.values())
        box = plot_box(calm) if runs else [(-5.0, 5.0), (-5.0, 5.0)]
    (x0, x1), (y0, y1), f, X, Y, Z = _on_grid(e, names, box, 241)
    with _style(lang):
        fig = _figure((7.0, 5.5))
        ax = fig.add_subplot()
        levels = _levels(Z)
        cs = ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.9)
        ax.clabel(cs, fontsize=6, fmt=lambda v: _num(v, 3))  # the one formatter: 6.53×10¹⁶
        if quiver:
            gx, gy = (as_function(diff(e, n), names) for n in names)
            QX, QY = np.meshgrid(np.linspace(x0, x1, 17), np.linspace(y0, y1, 17))
            with np.errstate(all="ignore"):
                U, V = -np.asarray(gx(QX, QY)), -np.asarray(gy(QX, QY))
                norm = np.hypot(U, V)
                scale = np.where(norm > 0, 1 / norm, 0)  # directions; length is not the point
            ax.quiver(QX, QY, U * scale, V * scale, color="0.55", width=0.002,
                      label=_t(lang, "downhill"))
        for i, (label, r) in enumerate(runs.items()):
            p = r.path[np.isfinite(r.path).all(1)]
            ax.plot(p[:, 0], p[:, 1], "o-", ms=3, lw=1.3, color=COLORS[i % len(COLORS)],
                    label=_t(lang, "run_label" if r.reason != "diverged" else
                             "run_label_diverged", label=label, lr=_num(r.lr), steps=r.steps))
        if runs:
            s = next(iter(runs.values())).path[0]
            ax.plot([s[0]], [s[1]], "s", color="k", ms=7, label=_t(lang, "start"))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_title(f"{_t(lang, 'contour_title')}\nf = {_text(e)}", fontsize=10)
        ax.legend(fontsize=7, loc="upper right")
        return _save(fig, out)


def _levels(Z: np.ndarray, n: int = 18) -> np.ndarray:
    """Contour levels dense near the minimum: quantiles of the values, not a linear scale
    (x²/20 + y² would otherwise show two ellipses and empty space)."""
    vals = Z[np.isfinite(Z)]
    lv = np.unique(np.quantile(vals, np.linspace(0.005, 0.95, n)))
    if len(lv) < 2:
        lv = np.linspace(vals.min(), vals.max() + 1e-9, 5)
    return lv


def plot_surface(expr: Any, out: str | Path, *, at: Sequence[float] = (3.0, 4.0),
                 box: Sequence[tuple[float, float]] | None = None,
                 variables: Sequence[str] | None = None, lang: str | None = None) -> Path:
    """The surface z = f(x, y), cut by the plane y = y0: the cut is a curve in x whose
    slope at x0 is ∂f/∂x(x0, y0) - the seed's picture of a partial derivative."""
    lang = i18n.resolve(lang)
    e = as_expr(expr)
    names = _two_vars(e, variables)
    px, py = (float(v) for v in at)
    if box is None:
        r = max(5.0, abs(px) * 1.3, abs(py) * 1.3)
        box = [(-r, r), (-r, r)]
    (x0, x1), (y0, y1), f, X, Y, Z = _on_grid(e, names, box, 61)
    if not (x0 <= px <= x1 and y0 <= py <= y1):
        raise error("error.plot.point_outside_box", px=px, py=py, x0=x0, x1=x1, y0=y0, y1=y1)
    dfx = diff(e, names[0])
    slope = float(as_function(dfx, names)(px, py))
    z0 = float(f(px, py))
    if not (math.isfinite(slope) and math.isfinite(z0)):
        raise error("error.plot.undefined_at", DomainError, e=e, x=names[0], px=px, py=py)
    xs = np.linspace(x0, x1, 200)
    zs = curve(lambda t: f(t, np.full_like(t, py)), xs)
    half = 0.25 * (x1 - x0)
    tx = np.linspace(px - half, px + half, 2)
    with _style(lang):
        fig = _figure((7.5, 5.8))
        ax = fig.add_subplot(projection="3d")
        ax.plot_surface(X, Y, Z, cmap="viridis", alpha=0.55, linewidth=0, antialiased=True)
        ax.plot(xs, np.full_like(xs, py), zs, color="tab:red", lw=2.5,
                label=f"{_t(lang, 'section')} {names[1]} = {_num(py)}")
        ax.plot(tx, np.full_like(tx, py), z0 + slope * (tx - px), color="k", lw=2,
                label=f"{_t(lang, 'slope')} = {_num(slope)}")
        ax.scatter([px], [py], [z0], color="k", s=30)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_zlabel("f")
        ax.set_title(f"{_t(lang, 'surface_title')}\nf = {_text(e)},  ∂f/∂{names[0]}"
                     f"({_num(px)}, {_num(py)}) = {_num(slope)}", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
        return _save(fig, out)


