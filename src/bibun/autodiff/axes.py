"""Autodiff's errors and the axis checks its reductions share (kept apart from
:mod:`.tensor` so that module stays readable; :mod:`.tensor` re-exports them)."""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.errors import BibunError


class AutodiffError(BibunError):
    """Misuse of the autodiff engine (e.g. backward on a non-scalar without a seed)."""


class ShapeError(AutodiffError):
    """Operands whose shapes do not fit; the message names the op and both shapes."""


def check_nonempty(op: str, shape: tuple[int, ...], axis: Any, what: str = "tensor") -> None:
    """max, min and logsumexp have no value over zero elements (NumPy raises a bare
    ValueError): say which op, shape and axis."""
    axes = range(len(shape)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if any(-len(shape) <= ax < len(shape) and shape[ax] == 0 for ax in axes):
        where = "all axes" if axis is None else f"axis {axis}"
        name = "log-sum-exp" if op == "logsumexp" else op
        raise ShapeError(f"{op}: cannot reduce a {what} of shape {shape} over {where}: there"
                         f" are no elements to take the {name} of")


def shape_error(op: str, a: Any, b: Any, why: str = "cannot be broadcast together") -> ShapeError:
    """The error for two operands whose shapes do not fit: it names the op and both shapes."""
    return ShapeError(f"{op}: shapes {tuple(np.shape(a))} and {tuple(np.shape(b))} {why}")


def norm_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """The axes a reduction over ``axis`` (None: all) covers, as non-negative ints;
    an axis out of range is a ShapeError that says so (NumPy's is an AxisError)."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for ax in axes:
        if not -(ndim or 1) <= ax < (ndim or 1):  # a 0-d tensor takes 0 and -1 (as torch)
            raise ShapeError(f"axis {ax} is out of range for a tensor with {ndim} dimensions")
        out.append(ax % ndim if ndim else 0)
    return tuple(out)


def check_axis(axis: Any, ndim: int) -> Any:
    """Check ``axis`` for a tensor with ``ndim`` dimensions and return the axis to give
    NumPy: on a 0-d tensor ``axis=0``/``-1`` mean the whole value (as in PyTorch and
    JAX; NumPy itself refuses them), so they become None."""
    if axis is not None:
        norm_axes(axis, ndim)
        if ndim == 0:
            return None
    return axis


def keep_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """The shape of a reduction over ``axis`` with keepdims: what a gradient arriving
    without the reduced axes is reshaped to before it is broadcast back."""
    axes = norm_axes(axis, len(shape))
    return tuple(1 if i in axes else s for i, s in enumerate(shape))
