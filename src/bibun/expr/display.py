"""Rich display in Jupyter: the pieces every result's ``_repr_mimebundle_`` is built from.

A notebook asks an object for ``_repr_mimebundle_()`` and shows the richest type it can:
``text/html`` (here with formulas as MathML from :mod:`bibun.expr.mathml`, which every
browser renders without a math library), ``text/latex``, ``image/png`` and
``image/svg+xml`` for figures, and ``text/plain`` everywhere else (a terminal, a log).
Nothing here imports IPython or Jupyter: a bundle is a plain dict, so the core package
needs no notebook dependency, and tests read the bundles directly.

Each layer keeps the renderers of its own results (``bibun.numeric.display``,
``bibun.explain.display``, ``bibun.calculus.display`` …) and builds them from these
helpers; sentences come from the catalogs in the session's language
(:func:`bibun.i18n.resolve`: ``BIBUN_LANG``, the locale, or ``with i18n.using("ja")``).
Figures are drawn with matplotlib, imported only when a figure is shown.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from bibun import i18n
from bibun.expr.core import Expr
from bibun.expr.mathml import to_mathml
from bibun.expr.printers import to_latex
from bibun.expr.provided import provide

Bundle = dict[str, Any]
#: a style block scoped to bibun's output (tables and collapsible steps read well in
#: JupyterLab's light and dark themes: no colours are set, only spacing and rules)
STYLE = ("<style>.bibun-out table{border-collapse:collapse;margin:.3em 0}"
         ".bibun-out th,.bibun-out td{padding:.15em .6em;border-bottom:1px solid #8884;"
         "text-align:right}.bibun-out summary{cursor:pointer}</style>")


def math(e: Expr, lang: str | None = None, block: bool = False) -> str:
    """One formula as a MathML ``<math>`` element, in ``lang``'s notation (log in ja)."""
    return to_mathml(e, "block" if block else "inline", lang)


def text(key: str, lang: str, **params: Any) -> str:
    """A catalog sentence, HTML-escaped."""
    return escape(i18n.text(key, lang, **params))


def number(v: Any) -> str:
    """A float as bibun prints numbers (shortest round-trip form), escaped."""
    return escape(i18n.format_number(float(v)))


def table(head: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "") -> str:
    """An HTML table; ``head`` and the cells are HTML already (escape text first)."""
    cap = f"<caption>{caption}</caption>" if caption else ""
    th = "".join(f'<th scope="col">{h}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table>{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def details(summary: str, body: str, open_: bool = True) -> str:
    """A collapsible block (``<details>``), open unless ``open_`` is False."""
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>{body}</details>"


def wrap(html: str, lang: str, kind: str) -> str:
    """The outer element: one class to style, the language for screen readers."""
    return f'{STYLE}<div class="bibun-out bibun-{kind}" lang="{lang}">{html}</div>'


def bundle(plain: str, html: str, latex: str | None = None,
           figure: Any = None) -> Bundle:
    """The MIME bundle; ``figure`` (a matplotlib Figure) adds PNG and SVG and goes into the
    HTML as an inline SVG."""
    out: Bundle = {"text/plain": plain, "text/html": html}
    if latex is not None:
        out["text/latex"] = latex
    if figure is not None:
        png, svg = figure_images(figure)
        out["image/png"], out["image/svg+xml"] = png, svg
        out["text/html"] = html + f'<div class="bibun-figure">{_svg_body(svg)}</div>'
    return out


def figure_images(fig: Any) -> tuple[str, str]:
    """(PNG as base64, SVG text) of a matplotlib figure, its text set in a font that has
    the session language's letters (IPAex Gothic from matplotlib-fontja for Japanese)."""
    from matplotlib.text import Text

    if i18n.resolve(None) == "ja":
        import matplotlib

        saved = list(matplotlib.rcParams["font.family"])
        import matplotlib_fontja  # noqa: F401  (registers IPAexGothic; sets the global font)

        matplotlib.rcParams["font.family"] = saved  # the global setting stays the user's
        families = ["IPAexGothic", "DejaVu Sans"]
    else:
        families = ["DejaVu Sans"]
    for t in fig.findobj(Text):
        t.set_fontfamily(families)
    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=80, bbox_inches="tight")
    svg = io.StringIO()
    fig.savefig(svg, format="svg", bbox_inches="tight")
    return base64.b64encode(raw.getvalue()).decode("ascii"), svg.getvalue()


def _svg_body(svg: str) -> str:
    """The ``<svg>`` element alone (no XML declaration or doctype), to inline in HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def new_figure(width: float = 5.0, height: float = 3.2) -> tuple[Any, Any]:
    """A figure and its axes from matplotlib's object API (no pyplot state is kept, and a
    non-interactive backend is used, so display never opens a window)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def expr_bundle(e: Expr, include: Any = None, exclude: Any = None) -> Bundle:
    """``Expr`` in a notebook: MathML in HTML, LaTeX for nbconvert, the repr as text."""
    lang = i18n.resolve(None)
    return bundle(repr(e), math(e, lang), f"${to_latex(e)}$")


provide("mimebundle", expr_bundle)

__all__ = ["Bundle", "bundle", "details", "expr_bundle", "figure_images", "math", "new_figure",
           "number", "table", "text", "wrap"]
