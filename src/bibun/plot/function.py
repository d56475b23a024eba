"""f with its derivatives, tangent and normal lines; Taylor polynomials.

A graph of f marks what a teacher would point at: local maxima and minima and the
inflection points with their coordinates, vertical asymptotes at the poles, the part of
the window outside the domain shaded; the window itself comes from those features
(:mod:`bibun.plot.features`), not from a fixed [-5, 5].  Taylor polynomials that coincide
(sin: order 2 = order 1) are drawn once and the legend says why (the x² term is 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_function, as_number, series, tangent, to_float
from bibun.calculus.sampling import curve, visible_limits
from bibun.errors import LimitError
from bibun.expr import core
from bibun.expr.core import as_expr, postorder
from bibun.i18n import Msg, error
from bibun.plot.features import SEARCH, Features, find_features, nice, x_window, y_window
from bibun.plot.ranges import _no_value_anywhere, check_range, parse_range
from bibun.plot.style import (
    COLORS,
    MAX_DIFF_NODES,
    _figure,
    _label,
    _one_var,
    _prime,
    _save,
    _style,
    _t,
    _text,
)
from bibun.symbolic import diff
from bibun.text import shorten


def plot_function(expr: Any, out: str | Path, *, var: str | None = None,
                  xrange: Any = None, derivatives: int = 0, tangent_at: Any = None,
                  lang: str | None = None, points: int = 2001, mark: bool = True) -> Path:
    """f and its first ``derivatives`` derivatives (symbolic, from :func:`bibun.diff`),
    with the tangent and normal lines at ``tangent_at`` if given.  Without ``xrange`` the
    window is chosen around f's critical points, inflections, roots and poles (and the
    tangent point); ``mark`` marks the extrema and inflection points with their values."""
    lang = i18n.resolve(lang)
    e = as_expr(expr)
    v = _one_var(e, var)
    if isinstance(derivatives, bool) or not isinstance(derivatives, int) \
            or not 0 <= derivatives <= 6:
        raise error("error.plot.derivative_count", derivatives=repr(derivatives))
    x_t = None
    if tangent_at is not None:
        x_t = to_float(as_number(tangent_at, Msg("plot.what.tangent_point")))
    if xrange is not None:
        a, b = parse_range(xrange, SEARCH)
        feats = find_features(e, v, (a, b)) if mark else Features((a, b))
    else:
        search = SEARCH if x_t is None else (min(SEARCH[0], x_t - 5), max(SEARCH[1], x_t + 5))
        feats = find_features(e, v, check_range(*search))
        a, b = check_range(*x_window(feats, include=() if x_t is None else (x_t,)))
        feats = feats.within(a, b) if mark else Features((a, b), poles=feats.poles)
    if x_t is not None and not a <= x_t <= b:
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
        _domain(ax, feats, lang, v)
        for k, (x_e, y) in enumerate(zip(exprs, ys)):
            name = _prime(k).replace("x", v)
            ax.plot(xs, y, color=COLORS[k % len(COLORS)], lw=2.2 if k == 0 else 1.6,
                    ls="-" if k == 0 else "--", label=_label(name, x_e))
        lo, hi = y_window(ys, feats)
        if mark:
            _mark(ax, feats, lang)
        if tangent_at is not None:
            y0 = _tangent_and_normal(ax, e, tangent_at, v, xs, lang)
            pad = 0.1 * (hi - lo)
            lo, hi = min(lo, y0 - pad), max(hi, y0 + pad)
        ax.set_ylim(lo, hi)
        ax.set_xlim(a, b)
        ax.axhline(0, color="0.6", lw=0.8)
        if a < 0 < b:
            ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel(v)
        title = ("derivative_title" if derivatives else
                 "tangent_title" if tangent_at is not None else "graph_title")
        ax.set_title(_t(lang, title))
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        return _save(fig, out)


#: how each kind of point is marked: marker, colour, offset of its label (points)
_MARKS = {"max": ("^", "tab:red", (0, 9)), "min": ("v", "tab:blue", (0, -15)),
          "inflection": ("D", "tab:purple", (7, -13))}


def _mark(ax: Any, feats: Features, lang: str,
          kinds: tuple[str, ...] = ("max", "min", "inflection")) -> None:
    """Every local maximum, minimum and inflection point: a marker (one legend entry per
    kind) and its coordinates written beside it ("local max (−1, 2)"; an inflection
    point's coordinates alone, as there are often several close together)."""
    for kind, (marker, color, offset) in _MARKS.items():
        pts = [m for m in feats.marked if m.kind == kind]
        if not pts or kind not in kinds:
            continue
        word = _t(lang, f"mark.{kind}")
        ax.plot([m.xf for m in pts], [m.yf for m in pts], marker, color=color, ms=8,
                mec="k", ls="none", zorder=6, label=word)
        a, b = feats.window
        for m in pts:
            right = m.xf > a + 0.7 * (b - a)  # near the right edge: write to the left
            dx, dy = offset
            ha = "center" if kind != "inflection" else ("right" if right else "left")
            where = f"({nice(m.x)}, {nice(m.y)})"  # inflections: the legend names them
            ax.annotate(where if kind == "inflection" else f"{word} {where}", (m.xf, m.yf),
                        xytext=(-dx if right else dx, dy), textcoords="offset points",
                        fontsize=8, ha=ha, color=color, zorder=7)


def _domain(ax: Any, feats: Features, lang: str, v: str) -> None:
    """Poles as dashed vertical asymptotes, the part outside the domain shaded."""
    if feats.poles:
        for i, p in enumerate(feats.poles):
            ax.axvline(p, color="0.35", ls=":", lw=1.2,
                       label=_t(lang, "asymptote", v=v,
                                xs=", ".join(nice(q) for q in feats.poles[:4])
                                + (", …" if len(feats.poles) > 4 else "")) if i == 0 else None)
    for i, (lo, hi) in enumerate(feats.outside):
        ax.axvspan(lo, hi, color="0.85", alpha=0.7, lw=0,
                   label=_t(lang, "outside_domain") if i == 0 else None)


def _tangent_and_normal(ax: Any, e: Any, at: Any, v: str, xs: np.ndarray,
                        lang: str) -> float:
    """The tangent line and the normal line at ``at``, each labelled with its equation;
    returns y0."""
    t = tangent(e, at, v)
    x0, y0 = to_float(t.x0), to_float(t.y0)
    with np.errstate(all="ignore"):
        line = np.broadcast_to(as_function(t.line, [v])(xs), xs.shape)
    where = f"({nice(t.x0)}, {nice(t.y0)})"
    ax.plot(xs, line, color="tab:red", lw=1.4,
            label=_t(lang, "tangent_at", where=where, line=f"y = {_text(t.line, 40)}"))
    if t.normal is None:
        ax.axvline(x0, color="tab:green", lw=1.2, ls="-.",
                   label=_t(lang, "normal_line", line=f"{v} = {nice(t.x0)}"))
    else:
        with np.errstate(all="ignore"):
            normal = np.broadcast_to(as_function(t.normal, [v])(xs), xs.shape)
        ax.plot(xs, normal, color="tab:green", lw=1.2, ls="-.",
                label=_t(lang, "normal_line", line=f"y = {_text(t.normal, 40)}"))
    ax.plot([x0], [y0], "o", color="tab:red", mec="k", zorder=6)
    return y0


def plot_series(expr: Any, out: str | Path, *, var: str | None = None, at: Any = 0,
                orders: Sequence[int] = (1, 2, 3, 5, 7), xrange: Any = None,
                lang: str | None = None) -> Path:
    """The function with its Taylor polynomials of increasing order about ``at``.  An
    order whose polynomial equals the one before (its new terms are all 0) is not drawn
    again: the legend says "order 2 = order 1: the x² term is 0"."""
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
        drawn: int | None = None
        i = 0
        for k in sorted(set(orders)):
            if drawn is not None and all(c_ is core.ZERO
                                         for c_ in s.coefficients[drawn + 1:k + 1]):
                ax.plot([], [], ls="none", label=_same_orders(s, drawn, k, lang))
                continue
            ax.plot(xs, curve(as_function(partial[k], [v]), xs), color=COLORS[i % len(COLORS)],
                    lw=1.4, ls="--", label=f"{_t(lang, 'partial_sum')} {k}: "
                                          f"{shorten(s.truncated(k).text(fmt='unicode'), 40)}")
            drawn, i = k, i + 1
        lo, hi = visible_limits(y)
        ax.set_ylim(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo))
        ax.plot([c], [to_float(s.derivatives[0])], "o", color="tab:red")
        ax.set_xlabel(v)
        ax.set_title(_t(lang, "series_title"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        return _save(fig, out)


def _same_orders(s: Any, j: int, k: int, lang: str) -> str:
    """"order 3 = order 1: the x² and x³ terms are 0" (the terms j+1..k of the series)."""
    b = core.symbol(s.var) if s.at is core.ZERO else core.add(core.symbol(s.var),
                                                               core.neg(s.at))
    terms = [core.power(b, core.number(n)).unicode() for n in range(j + 1, k + 1)]
    key = "series_same" if len(terms) == 1 else "series_same_many"
    return _t(lang, key, k=k, j=j, terms=i18n.join_list(terms, lang))
