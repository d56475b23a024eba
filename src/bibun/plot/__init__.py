"""Pictures of derivatives: learners would rather look than read.

Every function here draws one figure and writes it to a file whose extension picks the
format (.png, .svg, .pdf); the path is returned.  Each figure states what it teaches and
draws it (extrema marked with their values, tangent and normal with their equations,
poles as gaps, the domain shaded), in English or Japanese (``lang="ja"``) with the same
content: every label comes from the catalogs.

The modules: :mod:`~bibun.plot.style` (fonts, canvas, saving), :mod:`~bibun.plot.ranges`
(windows given as text), :mod:`~bibun.plot.features` (windows chosen from the function's
critical points, inflections, roots and poles), :mod:`~bibun.plot.function` (f, its
derivatives, tangents, Taylor polynomials), :mod:`~bibun.plot.curves` (implicit and
parametric curves), :mod:`~bibun.plot.activations`, :mod:`~bibun.plot.numeric`,
:mod:`~bibun.plot.two_vars`, :mod:`~bibun.plot.descent`, :mod:`~bibun.plot.training`,
:mod:`~bibun.plot.fit` and :mod:`~bibun.plot.graph` (computation graphs, backprop).
"""

from bibun.plot.activations import plot_sigmoid, plot_tanh
from bibun.plot.curves import implicit_points, plot_implicit, plot_parametric
from bibun.plot.descent import plot_descent
from bibun.plot.fit import plot_fit
from bibun.plot.function import plot_function, plot_series
from bibun.plot.graph import plot_backprop
from bibun.plot.numeric import plot_error_vs_h
from bibun.plot.ranges import check_range, parse_range
from bibun.plot.style import (
    COLORS,
    FORMATS,
    MAX_DIFF_NODES,
    PRINT_SIZE,
    _figure,
    _save,
    _style,
    _text,
)
from bibun.plot.training import plot_gradient_norms, plot_history, plot_loss
from bibun.plot.two_vars import plot_contour, plot_surface

KINDS = ("function", "sigmoid", "tanh", "error", "series", "contour", "surface", "loss",
         "implicit", "parametric")

__all__ = [
    "COLORS", "FORMATS", "KINDS", "MAX_DIFF_NODES", "PRINT_SIZE", "check_range",
    "implicit_points", "parse_range", "plot_backprop", "plot_contour", "plot_descent",
    "plot_implicit", "plot_parametric", "plot_error_vs_h", "plot_fit", "plot_function",
    "plot_gradient_norms", "plot_history", "plot_loss", "plot_series", "plot_sigmoid",
    "plot_surface", "plot_tanh", "_figure", "_save", "_style", "_text",
]
