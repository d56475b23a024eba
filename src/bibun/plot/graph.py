"""Backpropagation as a picture: the computation graph with every number on it.

Each node shows what it computes (``v1 = w·x``), its value from the forward pass and its
gradient ∂f/∂node from the backward pass; each edge shows the local derivative of the
node it feeds with respect to it (σ′ = f(1 − f) = 0.197 with the stored forward value).
Read left to right for the forward pass; right to left, multiplying by the edge labels
and adding where a node feeds two others, for the backward pass: the chain rule as a
relay.  The numbers are those of :func:`bibun.explain.backprop.backprop` (checked there
against the autodiff engine ``bibun graph`` uses and a central difference), so the
figure, the worked steps and the SVG graph agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bibun import i18n
from bibun.autodiff.draw import layered
from bibun.explain.backprop import Backprop
from bibun.expr import core
from bibun.plot.style import _figure, _save, _style, _t, _text
from bibun.plot.style import _num as style_num
from bibun.text import shorten

#: node fill colours: inputs (learned), data (given), inner operations, the output
_FILL = {"input": "#dbeafe", "data": "#f3f4f6", "op": "#fef9c3", "output": "#dcfce7"}
#: the drawing's grid: inches per column and per row
_COL_W, _ROW_H = 2.1, 0.95


def _num(v: float) -> str:
    """A node or edge number, by the one formatter (:func:`bibun.plot.style._num`), to 4
    significant digits: a node box has room for no more."""
    return style_num(v, 4)


def node_gradients(bp: Backprop) -> dict[Any, float]:
    """∂f/∂node for every node: 1 at the output, and for every other node the sum of
    upstream gradient × local derivative over the edges into it (what the backward pass
    accumulated)."""
    grads: dict[Any, float] = {bp.expr: 1.0}
    for ed in bp.edges:
        grads[ed.child] = grads.get(ed.child, 0.0) + ed.contribution
    return grads


def plot_backprop(bp: Backprop, out: str | Path, *, lang: str | None = None,
                  title: str | None = None) -> Path:
    """The computation graph of a worked backpropagation (a
    :class:`bibun.explain.backprop.Backprop`): nodes with value and gradient, edges with
    the local derivative.  ``title`` replaces the default (the formula and the point)."""
    lang = i18n.resolve(lang)
    order = list(bp.values)  # children before parents: the forward order
    key = {n: i for i, n in enumerate(order)}
    edges = sorted({(key[a], key[n]) for n in order for a in n.args if a in key})
    columns = layered(list(range(len(order))), edges)
    grads = node_gradients(bp)
    top = bp.names[bp.expr]
    rows = max(len(c) for c in columns)
    width = min(max(6.0, _COL_W * len(columns) + 0.4), 30.0)
    height = min(max(3.0, _ROW_H * rows + 1.2), 20.0)
    with _style(lang):
        fig = _figure((width, height))
        ax = fig.add_subplot()
        ax.set_axis_off()
        xy: dict[int, tuple[float, float]] = {}
        for c, col in enumerate(columns):
            for r, k in enumerate(col):
                xy[k] = (c, (len(col) - 1) / 2 - r)
        boxes = {}
        for k, n in enumerate(order):
            boxes[k] = ax.text(*xy[k], _node_text(bp, n, grads, top, lang), ha="center",
                               va="center", fontsize=8, zorder=3,
                               bbox={"boxstyle": "round,pad=0.4", "fc": _FILL[_kind(bp, n)],
                                     "ec": "0.25"})
        by_pair = {(ed.child, ed.parent): ed for ed in bp.edges}
        for a, b in edges:
            ax.annotate("", xy=xy[b], xytext=xy[a], zorder=2,
                        arrowprops={"arrowstyle": "-|>", "color": "0.35", "lw": 1.1,
                                    "patchA": boxes[a].get_bbox_patch(),
                                    "patchB": boxes[b].get_bbox_patch(),
                                    "shrinkA": 2, "shrinkB": 2})
            ed = by_pair.get((order[a], order[b]))
            if ed is not None:
                (xa, ya), (xb, yb) = xy[a], xy[b]
                ax.text(0.45 * xa + 0.55 * xb, 0.45 * ya + 0.55 * yb, _edge_text(ed),
                        ha="center", va="center", fontsize=7, color="tab:red", zorder=4,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.85})
        ax.set_xlim(-0.6, len(columns) - 0.4)
        ax.set_ylim(-rows / 2 + 0.1, rows / 2 - 0.1)
        point = ", ".join(f"{k} = {_num(v)}" for k, v in bp.point.items())
        ax.set_title(title or _t(lang, "backprop_title", top=top, f=_text(bp.expr, 50),
                                    point=point),
                     fontsize=10)
        fig.text(0.5, 0.01, _t(lang, "backprop_caption", top=top), ha="center",
                 va="bottom", fontsize=8, color="0.25", wrap=True)
        return _save(fig, out)


def _kind(bp: Backprop, n: Any) -> str:
    if n is bp.expr:
        return "output"
    if n.op == core.SYM:
        return "input" if n.value in bp.gradient else "data"
    return "op"


def _node_text(bp: Backprop, n: Any, grads: dict[Any, float], top: str, lang: str) -> str:
    name = bp.names[n]
    if n.op == core.SYM:
        head = name
    else:
        local = core.BUILD[n.op](n.value, tuple(core.symbol(bp.names[a]) if a in bp.names
                                                else a for a in n.args))
        head = f"{name} = {shorten(local.unicode(), 22)}"
    lines = [head, _t(lang, "node_value", v=_num(bp.values[n]))]
    if n in grads:
        lines.append(_t(lang, "node_grad", top=top, name=name, v=_num(grads[n])))
    return "\n".join(lines)


def _edge_text(ed: Any) -> str:
    shown = ed.shown if getattr(ed, "shown", None) is not None else ed.local_formula
    if shown.free:
        return f"{shorten(shown.unicode(), 18)} = {_num(ed.local)}"
    return _num(ed.local)
