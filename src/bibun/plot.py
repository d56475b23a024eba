"""Pictures of derivatives: learners would rather look than read.

Every function here draws one figure and writes it to a file whose extension picks the
format (.png, .svg, .pdf); the path is returned.  Matplotlib is used through its
object interface with the Agg canvas (no pyplot, no global backend switch, nothing
opens a window), so plotting works on servers and inside tests.

``lang="ja"`` writes Japanese labels with the IPAex Gothic font of the
``matplotlib-fontja`` package (no font files of ours); the font family is set per
figure, so English figures are unaffected.  Points where the function is undefined or
jumps across a pole become gaps (NaN), never vertical spikes.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bibun import i18n
from bibun.calculus import (
    as_function,
    as_number,
    limit_quotient,
    one_variable,
    series,
    tangent,
    to_float,
)
from bibun.calculus.sampling import curve, visible_limits
from bibun.errors import BibunError, DomainError, LimitError
from bibun.expr.core import Expr, as_expr, postorder
from bibun.i18n import Msg, error
from bibun.symbolic import diff
from bibun.text import shorten

FORMATS = (".png", ".svg", ".pdf")

COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink",
          "tab:olive", "tab:cyan"]


def _t(lang: str, key: str, **params: Any) -> str:
    """A label of the figures (``plot.<key>`` in the catalogs)."""
    return i18n.text(f"plot.{key}", lang, **params)


#: the fonts of a figure per language (DejaVu Sans has the math symbols)
_FONTS = {"en": ["DejaVu Sans"], "ja": ["IPAexGothic", "DejaVu Sans"]}


@contextlib.contextmanager
def _style(lang: str) -> Iterator[None]:
    """Fonts for one figure: IPAex Gothic (matplotlib-fontja) with DejaVu Sans as the
    fallback for Japanese, plain DejaVu Sans otherwise.  The package sets the global
    font on import; we put the global setting back and scope ours to this figure."""
    families = _FONTS[i18n.resolve(lang)]
    if "IPAexGothic" in families:
        saved = list(matplotlib.rcParams["font.family"])
        import matplotlib_fontja  # noqa: F401  (registers IPAexGothic)

        matplotlib.rcParams["font.family"] = saved
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": True}):
        yield


def _figure(figsize: tuple[float, float] = (7.0, 4.5)) -> Figure:
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _whole_number_ticks(ax: Any) -> None:
    """Ticks on whole numbers only (epochs, steps, layers): a single epoch is not
    "0.96 ... 1.05"."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def _save(fig: Figure, out: str | Path) -> Path:
    p = Path(out)
    if p.suffix.lower() not in FORMATS:
        raise error("error.plot.format", name=p.name, formats=', '.join(FORMATS))
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=110)
    return p


def parse_range(xrange: Any, default: tuple[float, float]) -> tuple[float, float]:
    """A range given as text (``"-3,3"``, ``"(-3, 3)"``, formulas such as ``-pi,pi``) or
    as two numbers, checked by :func:`check_range`; None is ``default``."""
    if xrange is None:
        return check_range(*default)
    given = xrange
    if isinstance(xrange, str):
        xrange = xrange.strip("()[] ").split(",")
    try:
        a, b = (to_float(as_expr(v)) if not isinstance(v, int | float) else float(v)
                for v in xrange)
    except (TypeError, ValueError, BibunError):
        shown = given if isinstance(given, str) else ",".join(map(str, given))
        raise error("error.plot.range_syntax", shown=repr(shown)) from None
    return check_range(a, b)


def check_range(a: float, b: float) -> tuple[float, float]:
    """``(a, b)`` if it can be drawn: finite, a < b, and wide enough that the points of a
    curve are distinct floats (near 1e300 neighbouring floats are 1e284 apart)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        raise error("error.plot.range_infinite", a=a, b=b)
    if a >= b:
        raise error("error.plot.range_reversed" if a > b else "error.plot.range_empty",
                    a=a, b=b)
    width = b - a
    if not math.isfinite(width):
        raise error("error.plot.range_too_wide", a=a, b=b)
    scale = max(abs(a), abs(b))
    if width < 1e-12 * scale or width < 1e-200:
        raise error('error.plot.range_too_narrow', a=repr(a), b=repr(b), scale=scale,
                    width=max(1e-12 * scale, 1e-200))
    return a, b


def _no_value_anywhere(e: Expr, f: Any, xs: np.ndarray, where: str | Msg) -> BibunError:
    """The error for a function with no finite value at any point drawn: undefined
    (log x on negative x: a DomainError) or too large for a float (x^2 near 1e300)."""
    with np.errstate(all="ignore"):
        raw = np.asarray(f(xs), dtype=float)
    if np.isinf(raw).any():
        return error("error.plot.too_large_everywhere", LimitError, e=e, where=where)
    return error("error.plot.undefined_everywhere", DomainError, e=e, where=where)


#: a derivative with more distinct parts than this is not differentiated again for a plot
#: (derivatives of nested functions grow quickly: the 5th of sin∘…∘sin (20 deep) has
#: 11,000 parts and takes seconds, the 6th a minute); the formula itself may have 10x more
MAX_DIFF_NODES = 1500

#: written-out size above which a formula is not printed on a figure (printing it would
#: cost more than drawing it, and only its first few dozen characters would show)
PRINT_SIZE = 5000


def _text(e: Expr, n: int = 60) -> str:
    """A formula for a title or legend: at most ``n`` characters, ``…`` when cut."""
    if e.size > PRINT_SIZE:
        return "…"
    return shorten(e.unicode(), n)


def _label(name: str, e: Expr) -> str:
    return f"{name} = {_text(e, 48)}"


def _prime(k: int) -> str:
    return {0: "f(x)", 1: "f′(x)", 2: "f″(x)", 3: "f‴(x)"}.get(k, f"f⁽{k}⁾(x)")


def _one_var(e: Expr, var: str | None) -> str:
    return one_variable(e, var or None, Msg("plot.what.this_plot"))


# -- f with its derivatives, and tangent lines ----------------------------------------


def plot_function(expr: Any, out: str | Path, *, var: str | None = None,
                  xrange: Any = None, derivatives: int = 0, tangent_at: Any = None,
                  lang: str | None = None, points: int = 2001) -> Path:
    """f and its first ``derivatives`` derivatives (symbolic, from :func:`bibun.diff`)
    on ``xrange``, with the tangent line at ``tangent_at`` if given."""
    lang = i18n.resolve(lang)
    e = as_expr(expr)
    v = _one_var(e, var)
    if isinstance(derivatives, bool) or not isinstance(derivatives, int) \
            or not 0 <= derivatives <= 6:
        raise error("error.plot.derivative_count", derivatives=repr(derivatives))
    default = (-5.0, 5.0)
    if tangent_at is not None:
        x_t = to_float(as_number(tangent_at, Msg("plot.what.tangent_point")))
        if xrange is None and not -5.0 <= x_t <= 5.0:
            default = (x_t - 5.0, x_t + 5.0)  # the default window follows the tangent point
    a, b = parse_range(xrange, default)
    if tangent_at is not None and not a <= x_t <= b:
        raise error("error.plot.tangent_outside", v=v, x_t=x_t, a=a, b=b)
    xs = np.linspace(a, b, points)
    exprs = [e]
    for k in range(derivatives):
        parts = len(postorder(exprs[-1]))
        if parts > (MAX_DIFF_NODES if k else 10 * MAX_DIFF_NODES):
            raise error('error.plot.derivative_too_big', LimitError,
                        derivative=_prime(k).replace('x', v), parts=parts, k=k)
        exprs.append(diff(exprs[-1], v))
    ys = [curve(as_function(x, [v]), xs) for x in exprs]
    if np.isnan(ys[0]).all():
        raise _no_value_anywhere(e, as_function(e, [v]), xs, f"[{a:g}, {b:g}]")
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        for k, (x_e, y) in enumerate(zip(exprs, ys)):
            name = _prime(k).replace("x", v)
            ax.plot(xs, y, color=COLORS[k % len(COLORS)], lw=2.2 if k == 0 else 1.6,
                    ls="-" if k == 0 else "--", label=_label(name, x_e))
        lo, hi = visible_limits(*ys)
        if tangent_at is not None:
            t = tangent(e, tangent_at, v)
            x0, y0 = to_float(t.x0), to_float(t.y0)
            line = as_function(t.line, [v])(xs)
            ax.plot(xs, line, color="tab:red", lw=1.3,
                    label=f"{_t(lang, 'tangent')} {v} = {_text(t.x0, 20)}: y = {_text(t.line)}")
            ax.plot([x0], [y0], "o", color="tab:red")
            lo, hi = min(lo, y0 - 1), max(hi, y0 + 1)
        ax.set_ylim(lo, hi)
        ax.set_xlim(a, b)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel(v)
        title = ("derivative_title" if derivatives else
                 "tangent_title" if tangent_at is not None else "graph_title")
        ax.set_title(_t(lang, title))
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=9)
        return _save(fig, out)


# -- sigmoid, step, tanh ---------------------------------------------------------------


def plot_sigmoid(out: str | Path, *, gains: Sequence[float] = (0.5, 1, 2, 5),
                 xrange: Any = None, lang: str | None = None, derivative: bool = True) -> Path:
    """sigmoid(a·x) for several gains a next to the step function it smooths (the seed's
    red step and blue sigmoid), and sigmoid' = sigmoid(1 - sigmoid) for a = 1."""
    lang = i18n.resolve(lang)
    a, b = parse_range(xrange, (-10.0, 10.0))
    xs = np.linspace(a, b, 2001)
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        left, right = xs[xs < 0], xs[xs >= 0]
        ax.plot(np.concatenate([left, [np.nan], right]),
                np.concatenate([np.zeros_like(left), [np.nan], np.ones_like(right)]),
                color="tab:red", lw=2.2, zorder=5, label=_t(lang, "step"))
        for i, g in enumerate(gains):
            e = as_expr(f"sigmoid({g}*x)") if g != 1 else as_expr("sigmoid(x)")
            ax.plot(xs, curve(as_function(e, ["x"]), xs), color=COLORS[i % len(COLORS)],
                    lw=1.8, label=f"sigmoid({'' if g == 1 else _num(g)}x)  "
                                  f"({_t(lang, 'gain')} {_num(g)})")
        if derivative:
            s = as_expr("sigmoid(x)")
            ds = diff(s, "x")
            ax.plot(xs, curve(as_function(ds, ["x"]), xs), color="k", ls="--", lw=1.3,
                    label=_label("sigmoid′(x)", ds))
        ax.set_ylim(-0.1, 1.1)
        ax.set_xlabel("x")
        ax.set_title(_t(lang, "sigmoid_title"))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        return _save(fig, out)


def _num(g: float) -> str:
    return f"{g:g}"


def plot_tanh(out: str | Path, *, xrange: Any = None, lang: str | None = None) -> Path:
    """tanh and its derivative 1 - tanh², with sigmoid and sigmoid' for comparison: tanh'
    peaks at 1, sigmoid' only at 0.25 (why sigmoid gradients vanish sooner)."""
    lang = i18n.resolve(lang)
    a, b = parse_range(xrange, (-5.0, 5.0))
    xs = np.linspace(a, b, 2001)
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        for i, name in enumerate(("tanh", "sigmoid")):
            e = as_expr(f"{name}(x)")
            d = diff(e, "x")
            ax.plot(xs, curve(as_function(e, ["x"]), xs), color=COLORS[2 * i], lw=2,
                    label=f"{name}(x)")
            ax.plot(xs, curve(as_function(d, ["x"]), xs), color=COLORS[2 * i + 1], lw=1.6,
                    ls="--", label=_label(f"{name}′(x)", d))
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set_ylim(-1.15, 1.15)
        ax.set_xlabel("x")
        ax.set_title(_t(lang, "tanh_title"))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
        return _save(fig, out)


# -- numerical differentiation: error against h ----------------------------------------


def plot_error_vs_h(expr: Any, x0: Any, out: str | Path, *, var: str | None = None,
                    methods: Sequence[str] = ("forward", "central"),
                    lang: str | None = None) -> Path:
    """|quotient - exact| against h on log-log axes: truncation error falls with h (slope
    1 forward, 2 central) until rounding error ε|f|/h takes over; the best h is marked.
    The numbers come from :func:`bibun.numeric.difference_table` (via limit_quotient)."""
    lang = i18n.resolve(lang)
    e = as_expr(expr)
    v = _one_var(e, var)
    x = to_float(as_number(x0, Msg("plot.what.point")))
    if math.isfinite(x) and x + 0.1 == x:  # the largest step of the table
        raise error("error.plot.point_too_large", v=v, x=x, ulp=math.ulp(x))
    table = limit_quotient(e, x0, v, list(methods))
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        h = np.asarray(table.h, dtype=float)
        for i, m in enumerate(table.methods):
            err = np.asarray(table.errors[m], dtype=float)
            shown = np.where(err > 0, err, np.nan)  # an exact 0 has no place on a log axis
            label = _t(lang, m) if i18n.has(f"plot.{m}") else m
            ax.loglog(h, shown, "o-", color=COLORS[i], ms=3.5, label=label)
            hb = table.optimal_h[m]
            j = int(np.argmin(np.abs(h - hb)))
            if np.isfinite(shown[j]):
                ax.loglog([hb], [shown[j]], "*", color=COLORS[i], ms=14, mec="k",
                          label=f"{_t(lang, 'optimal')} ({label}): h = {hb:.0e}")
        ax.set_xlabel(_t(lang, "step_h"))
        ax.set_ylabel(_t(lang, "error"))
        ax.set_title(f"{_t(lang, 'error_title')}: {_text(e)}, {v} = {x:g}")
        ax.grid(alpha=0.3, which="both")
        ax.invert_xaxis()
        ax.legend(fontsize=8)
        return _save(fig, out)


# -- Taylor polynomials -----------------------------------------------------------------


def plot_series(expr: Any, out: str | Path, *, var: str | None = None, at: Any = 0,
                orders: Sequence[int] = (1, 2, 3, 5, 7), xrange: Any = None,
                lang: str | None = None) -> Path:
    """The function with its Taylor polynomials of increasing order about ``at``."""
    lang = i18n.resolve(lang)
    e = as_expr(expr)
    v = _one_var(e, var)
    if not orders:
        raise error("error.plot.no_orders")
    s = series(e, v, at=at, order=max(orders))
    c = to_float(s.at)
    if xrange is None and not (c - 4.0 < c < c + 4.0):
        raise error("error.plot.center_too_large", v=v, c=c)
    a, b = parse_range(xrange, (c - 4.0, c + 4.0))
    xs = np.linspace(a, b, 1201)
    y = curve(as_function(e, [v]), xs)
    if np.isnan(y).all():
        raise _no_value_anywhere(e, as_function(e, [v]), xs, f"[{a:g}, {b:g}]")
    partial = s.partial_sums()
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        ax.plot(xs, y, color="k", lw=2.6, label=f"f({v}) = {_text(e)}")
        for i, k in enumerate(sorted(set(orders))):
            p = partial[k]
            ax.plot(xs, curve(as_function(p, [v]), xs), color=COLORS[i % len(COLORS)],
                    lw=1.4, ls="--", label=f"{_t(lang, 'partial_sum')} {k}: "
                                          f"{shorten(s.truncated(k).text(fmt='unicode'), 40)}")
        lo, hi = visible_limits(y)
        ax.set_ylim(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo))
        ax.plot([c], [to_float(s.derivatives[0])], "o", color="tab:red")
        ax.set_xlabel(v)
        ax.set_title(_t(lang, "series_title"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        return _save(fig, out)


# -- two variables: contours, gradient field, descent paths; surface + cross-section ---


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
        box = plot_box(list(runs.values())) if runs else [(-5.0, 5.0), (-5.0, 5.0)]
    (x0, x1), (y0, y1), f, X, Y, Z = _on_grid(e, names, box, 241)
    with _style(lang):
        fig = _figure((7.0, 5.5))
        ax = fig.add_subplot()
        levels = _levels(Z)
        cs = ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.9)
        ax.clabel(cs, fontsize=6, fmt="%.3g")
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
                    label=f"{label} (lr {r.lr:g}, {r.steps} {_t(lang, 'steps')}"
                          + ("" if r.reason != "diverged" else f", {_t(lang, 'diverged')}") + ")")
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
                label=f"{_t(lang, 'section')} {names[1]} = {py:g}")
        ax.plot(tx, np.full_like(tx, py), z0 + slope * (tx - px), color="k", lw=2,
                label=f"{_t(lang, 'slope')} = {slope:g}")
        ax.scatter([px], [py], [z0], color="k", s=30)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_zlabel("f")
        ax.set_title(f"{_t(lang, 'surface_title')}\nf = {_text(e)},  ∂f/∂{names[0]}"
                     f"({px:g}, {py:g}) = {slope:g}", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
        return _save(fig, out)


# -- training curves --------------------------------------------------------------------


def plot_loss(losses: Sequence[float] | Mapping[str, Sequence[float]], out: str | Path, *,
              log: bool | None = None, lang: str | None = None, title: str | None = None,
              xlabel: str | None = None) -> Path:
    """Loss per epoch (or per step): one list, or several named lists to compare.
    ``log`` defaults to a log scale when the positive losses span over two decades.
    Non-finite losses (a run that blew up) are gaps."""
    lang = i18n.resolve(lang)
    series_ = dict(losses) if isinstance(losses, Mapping) else {_t(lang, "loss"): losses}
    arrays = {k: np.asarray(list(v), dtype=float) for k, v in series_.items()}
    if not arrays or all(a.size == 0 for a in arrays.values()):
        raise error("error.plot.no_losses")
    for k, a in arrays.items():
        if a.ndim != 1:
            raise error("error.plot.losses_shape", k=repr(k))
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays.values()])
    if not finite.size:
        raise error("error.plot.losses_not_finite")
    if log is None:
        pos = finite[finite > 0]
        log = bool(len(pos) == len(finite) and len(pos) and pos.max() / pos.min() > 100)
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        for i, (k, a) in enumerate(arrays.items()):
            shown = np.where(np.isfinite(a), a, np.nan)
            ax.plot(np.arange(1, len(a) + 1), shown, lw=1.8, color=COLORS[i % len(COLORS)],
                    label=k, marker="o" if len(a) <= 30 else None, ms=3)
        if log:
            ax.set_yscale("log")
        _whole_number_ticks(ax)
        ax.set_xlabel(xlabel or _t(lang, "epoch"))
        ax.set_ylabel(_t(lang, "loss"))
        ax.set_title(title or _t(lang, "loss_title"))
        ax.grid(alpha=0.3, which="both")
        if len(arrays) > 1 or isinstance(losses, Mapping):
            ax.legend(fontsize=8)
        return _save(fig, out)


def plot_history(hist: Any, out: str | Path, title: str = "", *,
                 lang: str | None = None) -> Path:
    """Loss curve and metric per epoch of a training run (a
    :class:`bibun.nn.train.History`), side by side.  Epochs are whole numbers on the
    axis; with a few epochs every one is marked (a single epoch is a point, not an
    invisible line)."""
    lang = i18n.resolve(lang)
    epochs = np.arange(1, len(hist.loss) + 1)
    marker = "o" if len(epochs) <= 30 else None
    with _style(lang):
        fig = _figure((10.0, 4.0))
        ax1, ax2 = fig.subplots(1, 2)
        ax1.plot(epochs, hist.loss, color="tab:red", marker=marker, ms=3)
        ax1.set_xlabel(_t(lang, "epoch"))
        ax1.set_ylabel(_t(lang, "training_loss"))
        loss = np.asarray(hist.loss, dtype=float)
        if len(loss) and np.all(loss[np.isfinite(loss)] > 0):
            ax1.set_yscale("log")
        ax1.set_title(_t(lang, "loss"))
        ax1.grid(alpha=0.3)
        scale = 100 if hist.metric_name == "accuracy" else 1
        ax2.plot(epochs, np.asarray(hist.train_metric) * scale, label=_t(lang, "train"),
                 marker=marker, ms=3)
        ax2.plot(epochs, np.asarray(hist.test_metric) * scale, label=_t(lang, "test"),
                 marker=marker, ms=3)
        ax2.set_xlabel(_t(lang, "epoch"))
        ax2.set_ylabel(_t(lang, "accuracy_axis" if scale == 100 else "mse_axis"))
        metric = f"metric_{hist.metric_name}"
        ax2.set_title(_t(lang, metric) if i18n.has(f"plot.{metric}") else hist.metric_name)
        ax2.legend()
        ax2.grid(alpha=0.3)
        for ax in (ax1, ax2):
            _whole_number_ticks(ax)
        if title:
            fig.suptitle(title)
        return _save(fig, out)


def plot_gradient_norms(probes: Sequence[Any], out: str | Path, *,
                        lang: str | None = None) -> Path:
    """Gradient norm per layer on a log axis, one line per activation (the
    :class:`bibun.nn.vanishing.Probe` results)."""
    lang = i18n.resolve(lang)
    with _style(lang):
        fig = _figure((7.0, 4.2))
        ax = fig.add_subplot()
        for p in probes:
            ax.semilogy(np.arange(1, len(p.grad_norms) + 1), p.grad_norms, marker="o",
                        label=p.activation)
        _whole_number_ticks(ax)  # layers are whole numbers
        ax.set_xlabel(_t(lang, "layer_axis"))
        ax.set_ylabel("‖∂L/∂W‖")
        depth = len(probes[0].grad_norms) - 1
        ax.set_title(_t(lang, "gradient_norms_title" if depth != 1
                        else "gradient_norms_title_one", depth=depth))
        ax.grid(alpha=0.3, which="both")
        ax.legend()
        return _save(fig, out)


KINDS = ("function", "sigmoid", "tanh", "error", "series", "contour", "surface", "loss")


def plot_fit(result: Any, data: Any, out: str | Path, *, lang: str | None = None) -> Path:
    """Data points and the fitted curve of a one-input model (from :func:`bibun.fit`),
    with each residual drawn as a vertical segment: the squares of those segments are
    what least squares makes small."""
    from bibun.fit import as_data

    lang = i18n.resolve(lang)
    d = as_data(data)
    if len(result.inputs) != 1:
        raise error("error.plot.fit_inputs", inputs=', '.join(result.inputs) or 'none')
    xname = result.inputs[0]
    x, y = d.columns[xname], d.columns[result.target]
    xs = np.linspace(float(x.min()), float(x.max()), 400)
    if xs[0] == xs[-1]:
        xs = xs + np.linspace(-1, 1, len(xs))
    fitted = result.fitted
    yf = curve(as_function(fitted, [xname]), xs)
    pred = np.broadcast_to(as_function(fitted, [xname])(x), x.shape)
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        ax.vlines(x, np.minimum(y, pred), np.maximum(y, pred), color="tab:red", lw=0.9,
                  alpha=0.7)
        ax.plot(x, y, "o", color="tab:blue", ms=4, label=_t(lang, "data", n=len(x)))
        ax.plot(xs, yf, color="k", lw=2,
                label=f"{result.target} = {shorten(result.fitted_display.unicode(), 50)}"
                      f"  (R² = {result.r2:.4g})")
        ax.set_xlabel(xname)
        ax.set_ylabel(result.target)
        ax.set_title(_t(lang, "fit_title"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        return _save(fig, out)
