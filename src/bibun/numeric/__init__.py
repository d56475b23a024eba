"""Numerical differentiation that says how wrong it might be.

The seeds contrast "exact by formula" with "computed, with error".  This module is the
"computed" side, done carefully:

* :func:`derivative` (and :func:`gradient`, :func:`jacobian`, :func:`hessian`) return an
  :class:`Estimate`: the value *and* an error estimate, the step used, how many times
  ``f`` was called and what happened on the way (flags such as "one-sided at a domain
  edge").  ``method="auto"`` uses the complex step when ``f`` is analytic (no
  cancellation, so ~1e-16 relative accuracy in three calls) and otherwise central
  differences refined by Richardson extrapolation, with steps that scale with ``|x|``,
  shrink away from domain edges and become one-sided at a boundary.
* :func:`numerical_diff` / :func:`numerical_gradient` are the *Deep Learning from
  Scratch* functions, bit-for-bit, because learners compare against the book's output.
* :func:`difference_table` shows the limit ``(f(x+h)-f(x))/h`` as h shrinks: truncation
  error falling, then rounding error rising.
* :func:`gradcheck` compares a hand-written gradient with a numerical one.

Finite-difference weights for any stencil come from Fornberg's recursion
(:func:`fornberg_weights`), applied to the offsets actually representable in floating
point, so a step near ``x = 1e8`` is exact rather than silently rounded.
"""

from bibun.numeric.book import numerical_diff, numerical_gradient
from bibun.numeric.calling import formula_analytic
from bibun.numeric.derivative import derivative
from bibun.numeric.estimate import EPS, MAX_ORDER, METHODS, Estimate, NumericWarning
from bibun.numeric.gradcheck import GradcheckReport, gradcheck
from bibun.numeric.multivariate import gradient, hessian, jacobian
from bibun.numeric.stencils import fornberg_weights
from bibun.numeric.table import DifferenceTable, difference_table

__all__ = [
    "Estimate",
    "NumericWarning",
    "DifferenceTable",
    "GradcheckReport",
    "derivative",
    "gradient",
    "jacobian",
    "hessian",
    "numerical_diff",
    "numerical_gradient",
    "difference_table",
    "gradcheck",
    "fornberg_weights",
    "METHODS",
    "EPS",
    "MAX_ORDER",
    "formula_analytic",
]
