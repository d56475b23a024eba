"""Jupyter display of numerical derivatives: the value with its error bar, and the table of
difference quotients as h shrinks (with its error plot).  See :mod:`bibun.expr.display`."""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from bibun import i18n
from bibun.expr.display import Bundle, bundle, new_figure, number, table, text, wrap


def estimate_bundle(est: Any) -> Bundle:
    """value ± error, the method, the step, the evaluations and any warning."""
    lang = i18n.resolve(None)
    if np.ndim(est.value) == 0 and isinstance(est.flags, tuple):
        rows = [[text("display.value", lang),
                 f"{number(est.value)} ± {escape(f'{float(est.error_estimate):.1e}')}"],
                [text("display.method", lang), escape(str(est.method))],
                ["h", number(est.h)],
                [text("display.evaluations", lang), escape(str(int(est.evaluations)))]]
    else:
        rows = [[text("display.value", lang), escape(str(np.asarray(est.value)))],
                [text("display.error", lang), escape(str(np.asarray(est.error_estimate)))],
                [text("display.method", lang), escape(str(est.method))]]
    if est.all_flags:
        rows.append([text("display.flags", lang), escape("; ".join(est.all_flags))])
    html = wrap(table([text("display.numeric", lang), ""], rows), lang, "estimate")
    return bundle(str(est), html)


def table_bundle(t: Any) -> Bundle:
    """The difference table (quotients and, with the exact value, errors) and a log-log
    plot of the error against h: the V of truncation against rounding."""
    lang = i18n.resolve(None)
    head = ["h"]
    for m in t.methods:
        head.append(escape(m))
        if t.errors is not None:
            head.append(text("numdiff.table.error", lang))
    rows = []
    for i, hv in enumerate(t.h):
        cells = [escape(f"{hv:.0e}")]
        for m in t.methods:
            cells.append(escape(f"{t.quotients[m][i]:.16g}"))
            if t.errors is not None:
                cells.append(escape(f"{t.errors[m][i]:.1e}"))
        rows.append(cells)
    title = text("numdiff.table.title", lang, x=repr(t.x))
    figure = None
    if t.errors is not None:
        fig, ax = new_figure()
        for m in t.methods:
            err = np.where(np.asarray(t.errors[m]) > 0, t.errors[m], np.nan)
            ax.loglog(t.h, err, marker="o", label=m)
        ax.set_xlabel("h")
        ax.set_ylabel(i18n.text("numdiff.table.error", lang))
        ax.legend()
        figure = fig
    html = wrap(table(head, rows, title), lang, "difference-table")
    return bundle(t.render(lang), html, figure=figure)


__all__ = ["estimate_bundle", "table_bundle"]
