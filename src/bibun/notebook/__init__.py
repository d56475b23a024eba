"""bibun in Jupyter: the explorers' logic as plain functions, their widgets as a thin face.

Each explorer is split in two so that what it *shows* can be tested without a browser:

* :mod:`bibun.notebook.logic` — plain functions, state in → the numbers, curves and table
  rows a figure needs out (:func:`secant_view`, :func:`tangent_view`, :func:`gain_view`,
  :func:`descent_view`, :func:`backprop_view`).  NumPy and bibun only.
* :mod:`bibun.notebook.widgets` — the ipywidgets wiring (sliders, dropdowns, an output
  area redrawn with matplotlib).  Needs the optional extra ``bibun[notebook]``; importing
  this package does not.
"""

from bibun.notebook.logic import (
    BackpropView,
    DescentView,
    GainView,
    SecantView,
    TangentView,
    backprop_view,
    descent_view,
    gain_view,
    secant_view,
    tangent_view,
)

__all__ = [
    "BackpropView", "DescentView", "GainView", "SecantView", "TangentView", "backprop_view",
    "descent_view", "gain_view", "secant_view", "tangent_view",
]
