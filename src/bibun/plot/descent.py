"""Gradient descent in one variable, drawn on the curve it descends.

The contour plot shows descent in two variables; in one variable the picture is the graph
of f with the iterates x₀, x₁, … placed on it as points (xₖ, f(xₖ)), joined in order:
a small learning rate creeps down one side of the valley, a large one zigzags across it,
a too large one climbs out.  The window holds the whole path and the minima near it, so
the valley is not flattened by a fixed range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_function
from bibun.calculus.sampling import curve
from bibun.plot.features import find_features, nice, x_window, y_window
from bibun.plot.function import _domain, _mark
from bibun.plot.ranges import check_range
from bibun.plot.style import _figure, _num, _save, _style, _t, _text

#: a path point beyond this is a run that blew up: it is not in the window
FAR = 1e6
#: at most this many steps get an arrow (more would be a smear)
ARROWS = 25


def plot_descent(run: Any, out: str | Path, *, lang: str | None = None) -> Path:
    """The curve f(x) with the path of a one-variable descent run (a
    :class:`bibun.descend.Descent`) on it: every step a point on the curve, arrows from
    each to the next, start and end marked, and a title saying what ran and how it
    ended."""
    lang = i18n.resolve(lang)
    e, v = run.expr, run.variables[0]
    path = np.asarray(run.path, dtype=float)[:, 0]
    values = np.asarray(run.values, dtype=float)
    ok = np.isfinite(path) & np.isfinite(values) & (np.abs(path) <= FAR)
    px, py = path[ok], values[ok]
    lo0, hi0 = (float(px.min()), float(px.max())) if len(px) else (-1.0, 1.0)
    reach = max(10.0, hi0 - lo0)
    feats = find_features(e, v, check_range(lo0 - reach, hi0 + reach))
    center = float(px[-1]) if len(px) else 0.0
    a, b = check_range(*x_window(feats, center=center, include=(lo0, hi0),
                                     min_width=1.0))
    feats = feats.within(a, b)
    xs = np.linspace(a, b, 2001)
    ys = curve(as_function(e, [v]), xs)
    with _style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        _domain(ax, feats, lang, v)
        ax.plot(xs, ys, color="tab:blue", lw=2.2, label=f"f({v}) = {_text(e, 48)}")
        _mark(ax, feats, lang, ("max", "min"))
        ax.plot(px, py, "-", color="tab:orange", lw=0.9, alpha=0.8)
        ax.plot(px, py, "o", color="tab:orange", ms=4, mec="k", mew=0.5, zorder=5,
                label=_t(lang, "descent_path", n=run.steps))
        for k in range(min(len(px) - 1, ARROWS)):
            ax.annotate("", (px[k + 1], py[k + 1]), (px[k], py[k]),
                        arrowprops={"arrowstyle": "->", "color": "tab:orange", "lw": 1.1})
        if len(px):
            ax.plot([px[0]], [py[0]], "s", color="k", ms=8, zorder=6,
                    label=_t(lang, "descent_start", v=v, x=nice(float(px[0]))))
            ax.plot([px[-1]], [py[-1]], "*", color="tab:red", ms=14, mec="k", zorder=6,
                    label=_t(lang, "descent_end", v=v, x=nice(float(px[-1])),
                             f=nice(float(py[-1]))))
        lo, hi = y_window([ys, py], feats)
        ax.set_ylim(lo, hi)
        ax.set_xlim(a, b)
        ax.set_xlabel(v)
        ax.set_ylabel(f"f({v})")
        how = _t(lang, f"reason.{run.reason.replace(' ', '_')}")
        ax.set_title(_t(lang, "descent_title", f=_text(e, 40), v=v) + "\n"
                     + _t(lang, "descent_subtitle", optimizer=run.optimizer, lr=_num(run.lr),
                          steps=run.steps, how=how), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center")  # a valley leaves the top middle free
        return _save(fig, out)
