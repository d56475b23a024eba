"""Convolution and pooling over images (N, C, H, W) by im2col, in NumPy.

``im2col`` copies every k×k patch of the (padded) image into one row, so a convolution
becomes one matrix product (the "Deep Learning from Scratch" method).  It is the only
new primitive: a linear map whose vjp is its adjoint ``col2im`` (patches added back
into the image, overlaps summed), and ``col2im``'s vjp is ``im2col`` again, so the
recorded backward pass can be differentiated to any order.  In forward mode a Dual's
value and tangent go through the same map.

* ``conv2d(x, W, b, stride, padding)``: W of shape (out_channels, in_channels, kh, kw)
  as in PyTorch, a cross-correlation (no kernel flip) as every deep-learning library.
* ``max_pool2d``: the gradient goes to the largest value of each window; ties share it
  evenly, as ``ad.max`` does (PyTorch gives it all to the first; both are
  subgradients, and after a ReLU the tied zeros get no gradient either way).
* ``avg_pool2d``: the mean of each window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.autodiff.dual import Dual
from bibun.autodiff.pointwise import lift
from bibun.autodiff.tensor import ShapeError, Tensor, make_node1
from bibun.i18n import error


def _pair(v: Any, what: str) -> tuple[int, int]:
    a, b = (v, v) if isinstance(v, (int, np.integer)) else tuple(v)
    if a < 0 or b < 0:
        raise error("error.autodiff.negative_size", ShapeError, what=what, value=v)
    return int(a), int(b)


def out_size(h: int, w: int, kernel: tuple[int, int], stride: tuple[int, int],
             pad: tuple[int, int], who: str) -> tuple[int, int]:
    """Output height and width; an error naming the sizes if the kernel does not fit."""
    oh = (h + 2 * pad[0] - kernel[0]) // stride[0] + 1
    ow = (w + 2 * pad[1] - kernel[1]) // stride[1] + 1
    if oh < 1 or ow < 1:
        raise error("error.autodiff.kernel_fit", ShapeError, op=who, kh=kernel[0],
                    kw=kernel[1], h=h, w=w, pad=pad)
    return oh, ow


def np_im2col(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
              pad: tuple[int, int]) -> np.ndarray:
    """(N, C, H, W) -> (N·OH·OW, C·kh·kw): one row per output position."""
    n, c, h, w = x.shape
    kh, kw = kernel
    oh, ow = out_size(h, w, kernel, stride, pad, "im2col")
    if pad != (0, 0):
        x = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    win = win[:, :, ::stride[0], ::stride[1]][:, :, :oh, :ow]  # (N, C, OH, OW, kh, kw)
    # one copy into row order (never a view of x: the rows outlive it)
    return np.array(win.transpose(0, 2, 3, 1, 4, 5)).reshape(n * oh * ow, c * kh * kw)


def np_col2im(cols: np.ndarray, shape: tuple[int, ...], kernel: tuple[int, int],
              stride: tuple[int, int], pad: tuple[int, int]) -> np.ndarray:
    """The adjoint of :func:`np_im2col`: each row added back at its patch."""
    n, c, h, w = shape
    kh, kw = kernel
    sh, sw = stride
    oh, ow = out_size(h, w, kernel, stride, pad, "col2im")
    p = cols.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
    out = np.zeros((n, c, h + 2 * pad[0], w + 2 * pad[1]), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += p[:, :, i, j]
    return out[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + w]


def _vjp_im2col(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    shape, kernel, stride, pad = node._ctx
    if B.name == "numpy":
        return (np_col2im(g, shape, kernel, stride, pad),)
    return (col2im(g, shape, kernel, stride, pad),)


def _vjp_col2im(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    _, kernel, stride, pad = node._ctx
    if B.name == "numpy":
        return (np_im2col(g, kernel, stride, pad),)
    return (im2col(g, kernel, stride, pad),)


def _check_image(x: Any, who: str) -> None:
    if x.ndim != 4:
        raise error("error.autodiff.image_shape", ShapeError, op=who, shape=x.shape)


def im2col(x: Any, kernel: Any, stride: Any = 1, pad: Any = 0) -> Any:
    """Patches of ``x`` (N, C, H, W) as rows (N·OH·OW, C·kh·kw), differentiable."""
    x = lift(x)
    _check_image(x, "im2col")
    k, s, p = _pair(kernel, "kernel_size"), _pair(stride, "stride"), _pair(pad, "padding")
    if s[0] < 1 or s[1] < 1:
        raise error("error.autodiff.stride", ShapeError, value=stride)
    if isinstance(x, Dual):
        return Dual._make(np_im2col(x.primal, k, s, p), np_im2col(x.tangent, k, s, p))
    return make_node1(np_im2col(x.data, k, s, p), x, _vjp_im2col, (x.shape, k, s, p),
                      "im2col")


def col2im(cols: Any, shape: tuple[int, ...], kernel: Any, stride: Any = 1,
           pad: Any = 0) -> Any:
    """The adjoint of :func:`im2col` (rows added back into images of ``shape``)."""
    cols = lift(cols)
    k, s, p = _pair(kernel, "kernel_size"), _pair(stride, "stride"), _pair(pad, "padding")
    shape = tuple(shape)
    if isinstance(cols, Dual):
        return Dual._make(np_col2im(cols.primal, shape, k, s, p),
                          np_col2im(cols.tangent, shape, k, s, p))
    return make_node1(np_col2im(cols.data, shape, k, s, p), cols, _vjp_col2im,
                      (shape, k, s, p), "col2im")


def conv2d(x: Any, W: Any, b: Any = None, stride: Any = 1, padding: Any = 0) -> Any:
    """2-D cross-correlation: x (N, C, H, W), W (OC, C, kh, kw), b (OC,) -> (N, OC, OH, OW)."""
    x, W = lift(x), lift(W)
    _check_image(x, "conv2d")
    if W.ndim != 4 or W.shape[1] != x.shape[1]:
        raise error("error.autodiff.conv_weights", ShapeError, w=W.shape, x=x.shape,
                    c=x.shape[1])
    n, _, h, w = x.shape
    oc, _, kh, kw = W.shape
    s, p = _pair(stride, "stride"), _pair(padding, "padding")
    oh, ow = out_size(h, w, (kh, kw), s, p, "conv2d")
    cols = im2col(x, (kh, kw), s, p)
    y = cols @ W.reshape(oc, -1).T
    if b is not None:
        y = y + b
    return y.reshape(n, oh, ow, oc).transpose(0, 3, 1, 2)


def _pool(x: Any, kernel: Any, stride: Any, who: str, how: str) -> Any:
    x = lift(x)
    _check_image(x, who)
    k = _pair(kernel, "kernel_size")
    s = k if stride is None else _pair(stride, "stride")
    n, c, h, w = x.shape
    oh, ow = out_size(h, w, k, s, (0, 0), who)
    cols = im2col(x.reshape(n * c, 1, h, w), k, s, 0)
    out = cols.max(axis=1) if how == "max" else cols.mean(axis=1)
    return out.reshape(n, c, oh, ow)


def max_pool2d(x: Any, kernel: Any, stride: Any = None) -> Any:
    """Largest value of each window (stride defaults to the kernel size)."""
    return _pool(x, kernel, stride, "max_pool2d", "max")


def avg_pool2d(x: Any, kernel: Any, stride: Any = None) -> Any:
    """Mean of each window (stride defaults to the kernel size)."""
    return _pool(x, kernel, stride, "avg_pool2d", "mean")
