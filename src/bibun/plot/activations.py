"""The activation functions of the seeds: sigmoid next to the step it smooths, tanh."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_function
from bibun.calculus.sampling import curve
from bibun.expr.core import as_expr
from bibun.plot.ranges import parse_range
from bibun.plot.style import COLORS, _figure, _label, _num, _save, _style, _t
from bibun.symbolic import diff


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


