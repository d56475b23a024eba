"""Shape and linear-algebra helpers built from the primitive ops.

squeeze, expand_dims (unsqueeze), flip, moveaxis, swapaxes, repeat, tile, pad, dot,
outer, trace, diag, triu and tril are reshapes, transposes, indexing, products and
``where`` underneath, so each has a gradient in reverse and forward mode, to any order,
with no vjp of its own.  Every shape error names the op and the shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.autodiff.dual import Dual
from bibun.autodiff.pointwise import lift, where
from bibun.autodiff.tensor import ShapeError, Tensor, make_node1, norm_axes
from bibun.i18n import error


def squeeze(x: Any, axis: Any = None) -> Any:
    """Drop axes of length 1 (all of them, or the ones named; naming a longer axis is an
    error, as in NumPy)."""
    x = lift(x)
    axes = norm_axes(axis, x.ndim) if axis is not None else tuple(
        i for i, s in enumerate(x.shape) if s == 1)
    bad = [a for a in axes if x.ndim and x.shape[a] != 1]
    if bad:
        raise error("error.autodiff.squeeze", ShapeError, axis=bad[0], shape=x.shape,
                    length=x.shape[bad[0]])
    return x.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes))


def expand_dims(x: Any, axis: Any) -> Any:
    """Insert axes of length 1 at ``axis`` (an int or a tuple), as NumPy."""
    x = lift(x)
    axes = axis if isinstance(axis, tuple) else (axis,)
    ndim = x.ndim + len(axes)
    where_new = set()
    for a in axes:
        if not -ndim <= a < ndim:
            raise error("error.autodiff.new_axis", ShapeError, axis=a, ndim=ndim,
                        shape=x.shape)
        where_new.add(a % ndim)
    it = iter(x.shape)
    return x.reshape(tuple(1 if i in where_new else next(it) for i in range(ndim)))


unsqueeze = expand_dims


def flip(x: Any, axis: Any = None) -> Any:
    """Reverse the order along ``axis`` (None: every axis)."""
    x = lift(x)
    axes = norm_axes(axis, x.ndim)
    return x[tuple(slice(None, None, -1) if i in axes else slice(None)
                   for i in range(x.ndim))]


def moveaxis(x: Any, source: int, destination: int) -> Any:
    x = lift(x)
    (s,), (d,) = norm_axes(source, x.ndim), norm_axes(destination, x.ndim)
    order = [i for i in range(x.ndim) if i != s]
    order.insert(d, s)
    return x.transpose(tuple(order))


def swapaxes(x: Any, a: int, b: int) -> Any:
    x = lift(x)
    (a,), (b,) = norm_axes(a, x.ndim), norm_axes(b, x.ndim)
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return x.transpose(tuple(order))


def repeat(x: Any, repeats: Any, axis: Any = None) -> Any:
    """Repeat each element ``repeats`` times along ``axis`` (None: flattened first)."""
    x = lift(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    (ax,) = norm_axes(axis, x.ndim)
    idx = np.repeat(np.arange(x.shape[ax]), repeats)
    return x[(slice(None),) * ax + (idx,)]


def tile(x: Any, reps: Any) -> Any:
    """The whole array repeated ``reps`` times along each axis, as ``np.tile``."""
    x = lift(x)
    reps = tuple(np.atleast_1d(reps).tolist())
    nd = max(x.ndim, len(reps))
    x = x.reshape((1,) * (nd - x.ndim) + x.shape)
    reps = (1,) * (nd - len(reps)) + reps
    idx = [np.tile(np.arange(n), r) for n, r in zip(x.shape, reps)]
    return x[np.ix_(*idx)] if nd else x


def _vjp_pad(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g[node._ctx],)


def pad(x: Any, pad_width: Any, value: float = 0.0) -> Any:
    """Pad with a constant (``np.pad(..., mode="constant")``); the gradient of the
    padding is dropped, the inside's passes through."""
    x = lift(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    if (widths < 0).any():
        raise error("error.autodiff.pad_negative", ShapeError, widths=pad_width)
    inside = tuple(slice(int(lo), int(lo) + s) for (lo, _), s in zip(widths, x.shape))
    if isinstance(x, Dual):
        return Dual._make(np.pad(x.primal, widths, constant_values=value),
                          np.pad(x.tangent, widths))
    data = np.pad(x.data, widths, constant_values=value)
    return make_node1(data, x, _vjp_pad, inside, "pad")


def dot(a: Any, b: Any) -> Any:
    """``np.dot`` for vectors and matrices: inner product of two vectors, else matmul."""
    a, b = lift(a), lift(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim == 1 and b.ndim == 1:
        if a.shape != b.shape:
            raise error("error.autodiff.dot_vectors", ShapeError, a=a.shape, b=b.shape)
        return (a * b).sum()
    if a.ndim > 2 or b.ndim > 2:
        raise error("error.autodiff.dot_ndim", ShapeError, a=a.shape, b=b.shape)
    return a @ b


def outer(a: Any, b: Any) -> Any:
    a, b = lift(a), lift(b)
    return a.reshape(-1, 1) * b.reshape(1, -1)


def _square(x: Any, op: str) -> None:
    if x.ndim != 2:
        raise error("error.autodiff.needs_matrix", ShapeError, op=op, shape=x.shape)


def trace(x: Any) -> Any:
    x = lift(x)
    _square(x, "trace")
    i = np.arange(min(x.shape))
    return x[i, i].sum()


def diag(x: Any) -> Any:
    """The diagonal of a matrix, or the square matrix with a vector on its diagonal."""
    x = lift(x)
    if x.ndim == 1:
        eye = np.eye(x.shape[0], dtype=bool)
        return where(eye, x.reshape(1, -1), 0.0)
    _square(x, "diag")
    i = np.arange(min(x.shape))
    return x[i, i]


def _tri(x: Any, k: int, upper: bool, op: str) -> Any:
    x = lift(x)
    if x.ndim < 2:
        raise error("error.autodiff.needs_2axes", ShapeError, op=op, shape=x.shape)
    n, m = x.shape[-2:]
    keep = np.triu(np.ones((n, m), dtype=bool), k) if upper else np.tril(
        np.ones((n, m), dtype=bool), k)
    return where(keep, x, 0.0)


def triu(x: Any, k: int = 0) -> Any:
    """Upper triangle (from the ``k``-th diagonal up), zeros below."""
    return _tri(x, k, True, "triu")


def tril(x: Any, k: int = 0) -> Any:
    """Lower triangle (up to the ``k``-th diagonal), zeros above."""
    return _tri(x, k, False, "tril")
