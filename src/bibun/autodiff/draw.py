"""The computation graph, made visible: DOT and SVG with each node's value and gradient.

Read it left to right for the forward pass (values flow from the inputs to the result)
and right to left for the backward pass (gradients flow from the result, ∂L/∂L = 1, back
to the inputs, each node multiplying by its local derivative: the chain rule as a relay).

SVG comes from Graphviz's ``dot`` when it is installed, and otherwise from a small
layered layout of our own, so drawing never depends on an external program.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import numpy as np

from bibun import i18n
from bibun.autodiff.tensor import Tensor
from bibun.errors import BibunError

_CONST_OPS = {"add": "+", "mul": "×", "div": "÷", "pow": "^", "rsub": "−", "rdiv": "/",
              "rpow": "^"}


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    a = np.asarray(v.data if isinstance(v, Tensor) else v)
    if a.size == 1:
        return f"{float(a.reshape(())):.4g}"
    if a.size <= 3:
        return "[" + ", ".join(f"{float(x):.3g}" for x in a.ravel()) + "]"
    return f"array{a.shape}"


def _op_word(op: str) -> str:
    """The op's name in the reader's language (加算 for add); a function's own name (tanh,
    exp) is notation and stays as it is."""
    key = f"graph.op.{op}"
    return i18n.text(key) if i18n.has(key) else op


def _title(t: Tensor) -> str:
    if t.op == "leaf":
        return t.name or i18n.text("graph.param" if t.requires_grad else "graph.const")
    c = t._ctx
    word = _op_word(t.op)
    if len(t._parents) == 1 and t.op in _CONST_OPS and isinstance(c, (int, float)):
        sym = _CONST_OPS[t.op]
        if t.op in ("rsub", "rdiv", "rpow"):
            return f"{word}: {c:g} {sym} ·"
        if t.op == "add" and c < 0:
            return f"{word}: · − {-c:g}"
        return f"{word}: · {sym} {c:g}"
    return word


@dataclass
class _Node:
    key: int
    tensor: Tensor
    lines: list[str]
    kind: str  # "input", "const", "op", "output"
    grad_line: int | None = None  # which line is the gradient (drawn in red)


def collect(root: Tensor) -> tuple[list[_Node], list[tuple[int, int]]]:
    """Every node reachable from ``root`` (inputs first) and the edges parent -> child."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        for p in reversed(t._parents):
            if id(p) not in seen:
                stack.append((p, False))
    index = {id(t): i for i, t in enumerate(order)}
    nodes, edges = [], []
    for i, t in enumerate(order):
        if t is root:
            kind = "output"
        elif t.op == "leaf":
            kind = "input" if t.requires_grad else "const"
        else:
            kind = "op"
        lines = [_title(t)]
        if t.name and t.op != "leaf":
            lines.append(t.name if len(t.name) <= 28 else t.name[:27] + "…")
        lines.append(i18n.text("graph.value", v=_fmt(t.data)))
        grad_line = None
        if kind != "const":
            grad_line = len(lines)
            lines.append(i18n.text("graph.grad", v=_fmt(t.grad)))
        nodes.append(_Node(i, t, lines, kind, grad_line))
        for p in t._parents:
            edges.append((index[id(p)], i))
    return nodes, edges


_FILL = {"input": "#dbeafe", "const": "#f3f4f6", "op": "#fef9c3", "output": "#dcfce7"}


def _record_escape(s: str) -> str:
    for ch in "\\{}|<>\"":
        s = s.replace(ch, "\\" + ch)
    return s


def to_dot(root: Tensor, title: str | None = None) -> str:
    """Graphviz DOT source: one record per node (op, value, grad), edges forward."""
    nodes, edges = collect(root)
    out = ["digraph computation {", "  rankdir=LR;",
           '  node [shape=record, style="rounded,filled", fontname="Helvetica", fontsize=11];',
           '  edge [color="#555555", arrowsize=0.7];']
    if title:
        out.append(f'  labelloc=t; label="{_record_escape(title)}";')
    for n in nodes:
        label = "|".join(_record_escape(s) for s in n.lines)  # LR: fields stack vertically
        out.append(f'  n{n.key} [label="{label}", fillcolor="{_FILL[n.kind]}"];')
    for a, b in edges:
        out.append(f"  n{a} -> n{b};")
    out.append("}")
    return "\n".join(out) + "\n"


def to_svg(root: Tensor, engine: str = "auto", title: str | None = None) -> str:
    """SVG of the graph.  ``engine``: "graphviz" (needs ``dot``), "builtin", or "auto"."""
    if engine not in ("auto", "graphviz", "builtin"):
        raise ValueError(f"engine must be auto, graphviz or builtin, got {engine!r}")
    if engine != "builtin":
        exe = shutil.which("dot")
        if exe:
            try:
                r = subprocess.run([exe, "-Tsvg"], input=to_dot(root, title), text=True,
                                   capture_output=True, timeout=30, check=True)
                return r.stdout
            except (OSError, subprocess.SubprocessError) as exc:
                if engine == "graphviz":
                    raise BibunError(f"Graphviz's dot failed: {_why(exc)}; the built-in"
                                     f" layout (engine 'builtin') needs no Graphviz") from None
        elif engine == "graphviz":
            raise BibunError("Graphviz's dot program is not installed; use the built-in"
                             " layout (engine 'builtin', --engine builtin)")
    return _builtin_svg(root, title)


def _why(exc: BaseException) -> str:
    """One line saying why running dot failed (its own first error line if any)."""
    if isinstance(exc, subprocess.TimeoutExpired):
        return f"it took more than {exc.timeout:g} seconds"
    if isinstance(exc, subprocess.CalledProcessError):
        lines = [ln.strip() for ln in (exc.stderr or "").splitlines() if ln.strip()]
        return f"exit status {exc.returncode}" + (f" ({lines[0][:120]})" if lines else "")
    return str(exc)


# -- our own layout: longest-path layers, barycentre ordering, Bézier edges ----------------

_CH_W, _LINE_H, _PAD, _GAP_X, _GAP_Y = 7.0, 16.0, 8.0, 60.0, 18.0


def layered(keys: list[int], edges: list[tuple[int, int]]) -> list[list[int]]:
    """Columns of a left-to-right drawing of a DAG (``keys`` in topological order, edges
    a -> b meaning a feeds b): each node one column right of its latest input, then
    pulled right next to its first consumer, so side branches (a constant, a short chain
    like 2y) do not stretch long edges across the drawing; each column ordered by the
    mean position of its inputs, to keep edges short.  Shared by the SVG here and the
    PNG figures of :mod:`bibun.plot.graph`."""
    parents: dict[int, list[int]] = {k: [] for k in keys}
    children: dict[int, list[int]] = {k: [] for k in keys}
    for a, b in edges:
        parents[b].append(a)
        children[a].append(b)
    layer: dict[int, int] = {}
    for k in keys:
        layer[k] = 1 + max((layer[p] for p in parents[k]), default=-1)
    for k in reversed(keys):
        if children[k]:
            layer[k] = min(layer[c] for c in children[k]) - 1
    n_layers = max(layer.values()) + 1 if layer else 0
    columns: list[list[int]] = [[] for _ in range(n_layers)]
    for k in keys:
        columns[layer[k]].append(k)
    pos: dict[int, float] = {}
    for col in columns:
        col.sort(key=lambda k: (np.mean([pos[p] for p in parents[k]]) if parents[k] else 0.0))
        for i, k in enumerate(col):
            pos[k] = float(i)
    return columns


def _builtin_svg(root: Tensor, title: str | None) -> str:
    nodes, edges = collect(root)
    columns = layered([n.key for n in nodes], edges)
    size = {n.key: (max(i18n.display_width(s) for s in n.lines) * _CH_W + 2 * _PAD,
                    len(n.lines) * _LINE_H + _PAD) for n in nodes}
    col_w = [max(size[k][0] for k in col) for col in columns]
    top = 34.0 if title else 10.0
    xy: dict[int, tuple[float, float]] = {}
    x = 10.0
    heights = []
    for c, col in enumerate(columns):
        y = top
        for k in col:
            xy[k] = (x + (col_w[c] - size[k][0]) / 2, y)
            y += size[k][1] + _GAP_Y
        heights.append(y)
        x += col_w[c] + _GAP_X
    width, height = x - _GAP_X + 10, max(heights) + 10
    # centre shorter columns vertically
    for col, h in zip(columns, heights):
        shift = (max(heights) - h) / 2
        for k in col:
            xy[k] = (xy[k][0], xy[k][1] + shift)
    by_key = {n.key: n for n in nodes}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" '
           'font-size="12">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
           'fill="#555"/></marker></defs>',
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2:.0f}" y="22" text-anchor="middle" font-size="14" '
                   f'font-weight="bold">{html.escape(title)}</text>')
    for a, b in edges:
        (xa, ya), (wa, ha) = xy[a], size[a]
        (xb, yb), (_, hb) = xy[b], size[b]
        x1, y1, x2, y2 = xa + wa, ya + ha / 2, xb, yb + hb / 2
        mx = (x1 + x2) / 2
        out.append(f'<path d="M {x1:.1f} {y1:.1f} C {mx:.1f} {y1:.1f}, {mx:.1f} {y2:.1f}, '
                   f'{x2:.1f} {y2:.1f}" fill="none" stroke="#555" stroke-width="1.2" '
                   'marker-end="url(#arrow)"/>')
    for k, (x0, y0) in xy.items():
        n = by_key[k]
        w, h = size[k]
        out.append(f'<g class="node {n.kind}"><rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" '
                   f'height="{h:.1f}" rx="6" fill="{_FILL[n.kind]}" stroke="#333"/>')
        for i, line in enumerate(n.lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            color = ' fill="#b91c1c"' if i == n.grad_line else ""
            out.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 + _PAD / 2 + (i + 0.8) * _LINE_H:.1f}"'
                       f' text-anchor="middle"{weight}{color}>{html.escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
