"""Reductions beyond sum/mean/max/min: var, std, prod, cumsum, argmax, argmin.

``var`` and ``std`` and ``prod`` are compositions of primitive ops, so they run in
reverse and forward mode and to any order without a vjp of their own.  ``cumsum`` is a
primitive (its vjp is a reversed cumsum, written against the backend ``B``).

Conventions:

* ``var(x, axis, ddof=0)`` as NumPy (``ddof=1`` for the unbiased estimate, which is
  ``torch.var``'s default); ``std = sqrt(var)``, so at a constant input (variance 0)
  its gradient is NaN, as in PyTorch and JAX: the square root has no slope at 0.
* ``prod`` multiplies pairwise (a tree of products), so its gradient is exact where
  some factors are 0 (no division by x).
* ``argmax``/``argmin`` return integer NumPy arrays: an index has no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.autodiff import dual as _dual
from bibun.autodiff import ops as _ops
from bibun.autodiff.dual import Dual
from bibun.autodiff.pointwise import lift
from bibun.autodiff.tensor import ShapeError, Tensor, make_node1, norm_axes
from bibun.i18n import error


def _count(shape: tuple[int, ...], axis: Any) -> int:
    n = 1
    for ax in norm_axes(axis, len(shape)):
        n *= shape[ax] if shape else 1
    return n


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance over ``axis`` (None: all) with ``ddof`` delta degrees of freedom."""
    x = lift(x)
    n = _count(x.shape, axis)
    if n - ddof <= 0:
        raise error("error.autodiff.no_dof", ShapeError, n=n, axis=axis, shape=x.shape,
                    ddof=ddof)
    d = x - x.mean(axis=axis, keepdims=True)
    return (d * d).sum(axis=axis, keepdims=keepdims) / (n - ddof)


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation: ``sqrt(var(...))`` (NaN gradient at zero variance)."""
    return var(x, axis, ddof, keepdims).sqrt()


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product over ``axis`` (one int or None), multiplied pairwise."""
    x = lift(x)
    shape = x.shape
    if axis is None:
        x, ax = x.reshape(-1), 0
    else:
        (ax,) = norm_axes(axis, x.ndim)
        if x.ndim == 0:
            x, ax = x.reshape(1), 0
    x = x.transpose((ax,) + tuple(i for i in range(x.ndim) if i != ax))
    if x.shape[0] == 0:
        out: Any = Tensor(np.ones(x.shape[1:], dtype=x.dtype))
    else:
        while x.shape[0] > 1:
            half = x.shape[0] // 2
            y = x[:half] * x[half:2 * half]
            x = y if x.shape[0] % 2 == 0 else _cat([y, x[2 * half:]])
        out = x[0]
    if keepdims:
        keep = tuple(1 if axis is None or i == ax else s for i, s in enumerate(shape))
        out = out.reshape(keep)
    return out


def _cat(xs: list[Any]) -> Any:
    return (_dual if any(isinstance(v, Dual) for v in xs) else _ops).concatenate(xs, 0)


def _np_reverse_cumsum(g: Any, ax: int) -> Any:
    return np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)


def _vjp_cumsum(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    ax = node._ctx
    if B.name == "numpy":
        return (_np_reverse_cumsum(g, ax),)
    rev = (slice(None),) * ax + (slice(None, None, -1),)
    return (cumsum(g[rev], ax)[rev],)


def cumsum(x: Any, axis: Any = None) -> Any:
    """Running sum along ``axis`` (None: over the flattened values, as NumPy)."""
    x = lift(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    (ax,) = norm_axes(axis, x.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    if isinstance(x, Dual):
        return Dual._make(np.cumsum(x.primal, axis=ax), np.cumsum(x.tangent, axis=ax))
    return make_node1(np.cumsum(x.data, axis=ax), x, _vjp_cumsum, ax, "cumsum")


def _index_of(fn: Any, x: Any, axis: Any) -> np.ndarray:
    v = x.data if isinstance(x, (Tensor, Dual)) else np.asarray(x)
    if axis is not None:
        norm_axes(axis, np.ndim(v))
    if np.size(v) == 0:
        raise error("error.autodiff.no_elements", ShapeError, op=fn.__name__,
                    shape=np.shape(v))
    return fn(v, axis=axis)


def argmax(x: Any, axis: Any = None) -> np.ndarray:
    """Index of the largest value (first on ties), an integer array without gradient."""
    return _index_of(np.argmax, x, axis)


def argmin(x: Any, axis: Any = None) -> np.ndarray:
    """Index of the smallest value (first on ties), an integer array without gradient."""
    return _index_of(np.argmin, x, axis)
