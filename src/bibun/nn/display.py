"""Jupyter display of a training run: the loss curve (and the metric) per epoch.
See :mod:`bibun.expr.display`."""

from __future__ import annotations

from html import escape
from typing import Any

from bibun import i18n
from bibun.expr.display import Bundle, bundle, new_figure, number, table, text, wrap


def history_bundle(h: Any) -> Bundle:
    """The final numbers as a table and the loss curve as a figure."""
    lang = i18n.resolve(None)
    n = len(h.loss)
    final = i18n.format_number(h.loss[-1]) if n else "-"
    title = text("display.training", lang, n=n, loss=final)
    rows = [[escape(str(i + 1)), number(v)] for i, v in enumerate(h.loss)]
    if len(rows) > 12:
        rows = rows[:5] + [["…", "…"]] + rows[-5:]
    figure = None
    if n:
        fig, ax = new_figure()
        ax.plot(range(1, n + 1), h.loss, marker="o" if n < 40 else None)
        ax.set_xlabel(i18n.text("display.epoch", lang))
        ax.set_ylabel(i18n.text("display.loss", lang))
        if min(h.loss) > 0:
            ax.set_yscale("log")
        figure = fig
    html = wrap(f"<p>{title}</p>" + table([text("display.epoch", lang),
                                            text("display.loss", lang)], rows), lang, "training")
    plain = i18n.text("display.training", lang, n=n, loss=final)
    return bundle(plain, html, figure=figure)


__all__ = ["history_bundle"]
