"""Elementwise ops of two operands and clipping: maximum, minimum, clip.

Each runs in reverse mode (a Tensor op whose vjp is written once against the backend
``B``, so it can be recorded and differentiated again) and in forward mode (a Dual
whose tangent takes the same weights).

Conventions, as PyTorch and JAX:

* ``maximum(a, b)`` and ``minimum(a, b)``: the gradient goes to the larger (smaller)
  operand; where the two are equal it is split evenly, ½ each.  The operand not chosen
  gets exactly 0 even when the incoming gradient is inf or NaN, and where either operand
  is NaN both get the whole gradient (PyTorch's backward, tests/test_autodiff_vs_torch.py).
* ``clip(x, lo, hi)``: gradient 1 where ``lo ≤ x ≤ hi`` (bounds included, as
  ``torch.clamp``), 0 outside; bounds given as Tensors get the gradient where they
  were chosen.  ``None`` means no bound on that side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from bibun.autodiff import dual as _dual
from bibun.autodiff import ops as _ops
from bibun.autodiff.dual import Dual
from bibun.autodiff.tensor import Tensor, as_tensor, make_node, make_node1, shape_error


def lift(x: Any) -> Tensor | Dual:
    """A Tensor or Dual stays itself; a list holding Duals is stacked as one Dual;
    anything else becomes a Tensor (a list of live Tensors is stacked on the graph)."""
    if isinstance(x, (Tensor, Dual)):
        return x
    if type(x) in (list, tuple) and any(isinstance(v, Dual) for v in x):
        return _dual.stack(x)
    return as_tensor(x)


def any_dual(*xs: Any) -> bool:
    return any(isinstance(x, Dual) for x in xs)


def where(cond: Any, a: Any, b: Any) -> Any:
    """``where`` in whichever mode its operands are in."""
    return (_dual if any_dual(a, b) else _ops).where(cond, a, b)


def _weights(pa: Any, pb: Any, wins: Callable[[Any, Any], Any], dtype: Any
             ) -> tuple[np.ndarray, np.ndarray]:
    """The shares of ``a`` and ``b``: 1 to the one that wins, ½ each on ties, 0 to the
    other; where either is NaN (the result is NaN) both get 1, as PyTorch's backward
    (its masks ``a < b`` and ``a > b`` are both false there)."""
    tie = np.equal(pa, pb)
    nan = np.isnan(pa) | np.isnan(pb)
    wa = np.where(wins(pa, pb) | nan, 1.0, np.where(tie, 0.5, 0.0)).astype(dtype)
    wb = np.where(wins(pb, pa) | nan, 1.0, np.where(tie, 0.5, 0.0)).astype(dtype)
    return wa, wb


def _share(g: Any, w: Any, B: Any) -> Any:
    """``g·w`` with an exact 0 where ``w`` is 0: the operand not chosen gets no gradient
    even when ``g`` is inf or NaN (PyTorch's ``masked_fill``; ``inf·0`` would be NaN)."""
    with np.errstate(invalid="ignore"):
        gw = g * w
    if B.name == "numpy":
        return np.where(w == 0, 0, gw)
    return _ops.where(w == 0, 0.0, gw)


def _vjp_pick(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    wa, wb = node._ctx
    return (B.sum_to(_share(g, wa, B), a.data.shape) if a.requires_grad else None,
            B.sum_to(_share(g, wb, B), b.data.shape) if b.requires_grad else None)


def _tangent(w: np.ndarray, t: Any) -> Any:
    """``w·t`` with an exact 0 where ``w`` is 0 (the forward twin of :func:`_share`)."""
    if t is None:
        return 0
    return np.where(w == 0, 0, w * t)


def _pick(name: str, fn: Callable[[Any, Any], Any], wins: Callable[[Any, Any], Any]
          ) -> Callable[[Any, Any], Any]:
    def op(a: Any, b: Any) -> Any:
        if any_dual(a, b):
            pa, ta = _dual._split(a)
            pb, tb = _dual._split(b)
            p = _dual._bin(name, fn, pa, pb)
            wa, wb = _weights(pa, pb, wins, np.asarray(p).dtype)
            with np.errstate(invalid="ignore"):
                t = _tangent(wa, ta) + _tangent(wb, tb)
            return Dual._make(p, _dual._fit(np.asarray(t, dtype=wa.dtype), p))
        like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
        a, b = _ops._lift(a, like), _ops._lift(b, like)
        try:
            data = fn(a.data, b.data)
        except ValueError:
            raise shape_error(name, a.data, b.data) from None
        w = _weights(a.data, b.data, wins, np.asarray(data).dtype)
        return make_node(data, (a, b), _vjp_pick, w, name)

    op.__name__ = name
    op.__doc__ = (f"Elementwise {name} with broadcasting; the gradient goes to the chosen "
                  "operand and is split ½-½ where the two are equal (as PyTorch and JAX); "
                  "the other operand gets exactly 0, also when the gradient is inf or NaN.")
    return op


maximum = _pick("maximum", np.maximum, np.greater)
minimum = _pick("minimum", np.minimum, np.less)


def clip(x: Any, lo: Any = None, hi: Any = None) -> Any:
    """``x`` limited to ``[lo, hi]``: gradient 1 inside, bounds included (as
    ``torch.clamp``), 0 outside.  The values are NumPy's ``clip`` exactly (NaN stays NaN)."""
    x = lift(x)
    if lo is not None:
        x = where(x < _value(lo), lo, x)
    if hi is not None:
        x = where(x > _value(hi), hi, x)
    return x


def _value(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, Dual):
        return x.primal
    return x


# -- piecewise constant: a value, and a gradient of exactly 0 (as PyTorch) -----------------


def _vjp_zero(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (_ops._zeros_like(g, B),)


def _flat(name: str, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def op(x: Any) -> Any:
        x = lift(x)
        if isinstance(x, Dual):
            p = fn(x.primal)
            return Dual._make(p, np.zeros_like(p))
        return make_node1(fn(x.data), x, _vjp_zero, None, name)

    op.__name__ = name
    op.__doc__ = (f"Elementwise {name}: a step function, so its gradient is 0 wherever it "
                  "exists (PyTorch and JAX give 0 at the jumps too).")
    return op


floor = _flat("floor", np.floor)
ceil = _flat("ceil", np.ceil)
round = _flat("round", np.rint)  # noqa: A001  (halves to even, as NumPy and PyTorch)
trunc = _flat("trunc", np.trunc)


# -- compositions of table functions ----------------------------------------------------------


def log2(x: Any) -> Any:
    return lift(x).log() / math.log(2)


def log10(x: Any) -> Any:
    return lift(x).log() / math.log(10)


def exp2(x: Any) -> Any:
    return 2.0 ** lift(x)


def square(x: Any) -> Any:
    x = lift(x)
    return x * x


def reciprocal(x: Any) -> Any:
    return 1.0 / lift(x)


def _binary(name: str, fn: Callable[[Any, Any], Any],
            partials: Callable[[Any, Any, Any], tuple[Any, Any]]) -> Callable[[Any, Any], Any]:
    """A two-operand elementwise op from its value and its partial derivatives
    ``partials(a, b, out)``, written once for arrays, recorded Tensors and Duals."""

    def vjp(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
        a, b = node._parents
        da, db = partials(B.v(a), B.v(b), B.v(node))
        return (B.sum_to(g * da, a.data.shape) if a.requires_grad else None,
                B.sum_to(g * db, b.data.shape) if b.requires_grad else None)

    def op(a: Any, b: Any) -> Any:
        if any_dual(a, b):
            pa, ta = _dual._split(a)
            pb, tb = _dual._split(b)
            p = _dual._bin(name, fn, pa, pb)
            with np.errstate(divide="ignore", invalid="ignore"):
                da, db = partials(pa, pb, p)
                t = (0 if ta is None else da * ta) + (0 if tb is None else db * tb)
            return Dual._make(p, _dual._fit(np.asarray(t, dtype=np.asarray(p).dtype), p))
        like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
        a, b = _ops._lift(a, like), _ops._lift(b, like)
        try:
            data = fn(a.data, b.data)
        except ValueError:
            raise shape_error(name, a.data, b.data) from None
        return make_node(data, (a, b), vjp, None, name)

    op.__name__ = name
    return op


#: sqrt(a² + b²) without overflow; ∂/∂a = a/h (NaN at a = b = 0, as PyTorch)
hypot = _binary("hypot", np.hypot, lambda a, b, h: (a / h, b / h))
def _recip_or_zero(r2: Any) -> Any:
    """1/r² with 0 where r² = 0 (an array or a recorded Tensor): torch's ``atan2``
    backward masks the infinite reciprocal the same way, so the gradient at the origin
    is 0 (JAX gives NaN there); a second derivative at the origin is still NaN."""
    with np.errstate(divide="ignore"):
        inv = 1 / r2
    bad = np.isinf(inv.data if isinstance(inv, Tensor) else inv)
    if not np.any(bad):
        return inv
    if isinstance(inv, Tensor):
        return _ops.where(~bad, inv, np.zeros((), dtype=inv.dtype))
    return np.where(bad, np.zeros((), dtype=np.result_type(inv)), inv)


def _arctan2_partials(y: Any, x: Any, out: Any) -> tuple[Any, Any]:
    inv = _recip_or_zero(x * x + y * y)
    return x * inv, -y * inv


#: the angle of the point (x, y), as NumPy's arctan2(y, x); ∂/∂y = x/r², ∂/∂x = -y/r²
#: (0 at the origin, as PyTorch)
arctan2 = _binary("arctan2", np.arctan2, _arctan2_partials)
