"""Jupyter display of a computational graph as SVG (:func:`graph_view`).

The drawing is :func:`bibun.autodiff.draw.to_svg` (Graphviz when installed, otherwise the
built-in layout), so a notebook shows the same graph ``bibun graph`` writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bibun import i18n
from bibun.autodiff.draw import to_dot, to_svg
from bibun.autodiff.tensor import Tensor
from bibun.expr.display import Bundle, text, wrap


@dataclass(frozen=True)
class GraphView:
    """The graph that produced ``root`` (a Tensor), shown as SVG in a notebook."""

    root: Tensor
    engine: str = "auto"

    def svg(self) -> str:
        return to_svg(self.root, self.engine)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Bundle:
        """Jupyter display: the SVG drawing (the DOT source as plain text)."""
        lang = i18n.resolve(None)
        svg = self.svg()
        body = svg[svg.find("<svg"):] if "<svg" in svg else svg
        html = wrap(f"<p>{text('display.graph', lang)}</p>{body}", lang, "graph")
        return {"text/plain": to_dot(self.root), "image/svg+xml": svg, "text/html": html}


def graph_view(root: Tensor, engine: str = "auto") -> GraphView:
    """``graph_view(loss)`` in a notebook cell draws the graph behind ``loss``."""
    return GraphView(root, engine)


__all__ = ["GraphView", "graph_view"]
