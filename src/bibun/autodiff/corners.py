"""The slope autodiff uses where a function has a corner (relu at 0).

At a corner there is no derivative, only a set of subgradients; a library must pick
one.  PyTorch and JAX take relu'(0) = 0, and so does bibun, but the choice is not
written here: it is the rule table's ``Rule.subgradient`` (corner -> slope), read by
reverse mode (arrays and recorded Tensors) and forward mode alike.  Symbolic
differentiation keeps reporting the corner (``Rule.nondiff``), because there the
honest answer is "not differentiable at 0".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.autodiff.backend import TENSOR
from bibun.autodiff.tensor import Tensor
from bibun.functions import Rule


def at_corners(r: Rule, u: Any, d: Any, B: Any = None) -> Any:
    """``d`` (the rule's derivative at the values ``u``) with the rule's chosen slope
    put in at its corners.  ``B`` is the vjp world: None or NumPy's for arrays, the
    Tensor world for a recorded derivative (a constant mask keeps it differentiable)."""
    for corner, slope in r.subgradient.items():
        mask = np.equal(u, corner)
        if not mask.any():
            continue
        if B is None or B.name == "numpy":
            d = np.asarray(d)
            d = np.where(mask, np.asarray(float(slope), dtype=d.dtype), d)
        else:
            d = TENSOR.where(mask, float(slope), d)
    return d


def vjp_with_corners(node: Any, g: Any, B: Any) -> tuple[Any]:
    """The elementwise vjp (``g * rule.deriv``) for a rule that lists a corner slope."""
    r = node._ctx
    x = node._parents[0]
    d = at_corners(r, x.data, r.deriv(B.v(x), B.v(node), B.F), B)
    out = g * d
    if type(out) is not Tensor and out.dtype != g.dtype:
        out = out.astype(g.dtype)  # step() answers float64 for a float32 input
    return (out,)
