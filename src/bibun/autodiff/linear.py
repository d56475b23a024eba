"""``linear``: the layer product ``x @ W + b`` as one node (``nn.Linear`` uses it).

Kept apart from :mod:`.ops` (which it builds on) so that each module stays short.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.autodiff import tensor as _tensor
from bibun.autodiff.backend import NUMPY
from bibun.autodiff.ops import _lift, matmul
from bibun.autodiff.tensor import Tensor, as_tensor, make_node, shape_error
from bibun.autodiff.versions import watch as _watch

_new, _next_seq = object.__new__, _tensor._next_seq

_sum = np.add.reduce  # g.sum(axis=0) without the method's Python wrapper (same result)


def _vjp_linear(node: Tensor, g: Any, B: Any) -> tuple[Any, ...]:
    ps = node._parents
    x, W = ps[0], ps[1]
    if B is NUMPY and len(ps) == 3:  # nn.Linear's step: the same products, fewer calls
        b = ps[2]
        return (g @ W.data.T if x.requires_grad else None,
                x.data.T @ g if W.requires_grad else None,
                None if not b.requires_grad else _sum(g, axis=0)  # the usual (out,) bias
                if b.data.shape == g.shape[1:] else NUMPY.sum_to(g, b.data.shape))
    out = [g @ B.v(W).T if x.requires_grad else None,
           B.v(x).T @ g if W.requires_grad else None]
    if len(node._parents) == 3:
        b = node._parents[2]
        out.append(B.sum_to(g, b.data.shape) if b.requires_grad else None)
    return tuple(out)


def linear(x: Any, W: Any, b: Any = None) -> Tensor:
    """``x @ W + b`` as one node (x of shape (N, in), W (in, out), b (out,)).

    Same values and gradients as the two-op form, but the graph keeps one array per
    layer instead of two and the bias is added in place: that saves an allocation and,
    with glibc's allocator, a round of page faults per layer and step."""
    if type(x) is not Tensor or not isinstance(W, Tensor) or (
            b is not None and not isinstance(b, Tensor)):
        x, W = as_tensor(x), _lift(W)
        b = None if b is None else _lift(b, x)
    xd, Wd = x.data, W.data
    if xd.ndim != 2 or Wd.ndim != 2:
        y = matmul(x, W)
        return y if b is None else y + b
    try:
        data = xd @ Wd
    except ValueError:
        raise shape_error("linear", x.data, W.data,
                           f"do not align: inner dimensions {x.shape[1]} and {W.shape[0]} "
                           "must be equal") from None
    if b is None:
        return make_node(data, (x, W), _vjp_linear, None, "linear")
    try:
        bd = b.data
        if (bd.dtype is data.dtype and bd.shape == data.shape[1:]) or (  # (the usual bias)
                np.result_type(data, bd) == data.dtype
                and np.broadcast_shapes(data.shape, bd.shape) == data.shape):
            data += bd  # the matmul result is ours: add in place
        else:
            data = data + b.data
    except ValueError:
        raise shape_error("linear (bias)", data, b.data) from None
    if _tensor._anomaly or not _tensor._grad_enabled:
        return make_node(data, (x, W, b), _vjp_linear, None, "linear")
    return _node3(data, x, W, b)


def _node3(data: np.ndarray, x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    """:func:`.tensor.make_node` for the layer's three parents with recording on and no
    anomaly check (the caller tested both): the same node, its fields set directly."""
    t = _new(Tensor)
    t.data = data
    t.grad = t.name = t._g = t._snap = t._ctx = None
    t.op = "linear"
    t._seq = seq = _next_seq()
    rx, rW, rb = x.requires_grad, W.requires_grad, b.requires_grad
    if rx or rW or rb:
        if rx:
            _watch(x, seq)
        if rW:
            _watch(W, seq)
        if rb:
            _watch(b, seq)
        t.requires_grad = True
        t._parents = (x, W, b)
        t._vjp = _vjp_linear
    else:
        t.requires_grad = False
        t._parents = ()
        t._vjp = None
    return t
