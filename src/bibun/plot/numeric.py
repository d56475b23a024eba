"""Numerical differentiation: the error of the difference quotient against the step h."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_number, limit_quotient, to_float
from bibun.expr.core import as_expr
from bibun.i18n import Msg, error
from bibun.plot.style import COLORS, _figure, _num, _one_var, _save, _style, _t, _text


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
                          label=f"{_t(lang, 'optimal')} ({label}): h = {_num(hb, 1)}")
        ax.set_xlabel(_t(lang, "step_h"))
        ax.set_ylabel(_t(lang, "error"))
        ax.set_title(f"{_t(lang, 'error_title')}: {_text(e)}, {v} = {_num(x)}")
        ax.grid(alpha=0.3, which="both")
        ax.invert_xaxis()
        ax.legend(fontsize=8)
        return _save(fig, out)


