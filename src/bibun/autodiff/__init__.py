"""bibun.autodiff: automatic differentiation over NumPy arrays.

>>> from bibun.autodiff import Tensor, grad, tanh
>>> x = Tensor([0.5, -1.0], requires_grad=True)
>>> y = (tanh(x) * x).sum()
>>> y.backward()
>>> x.grad                          # doctest: +SKIP
>>> grad(grad(grad(grad(tanh))))(0.3)   # tanh'''' from four nested reverse passes

The functions here (``tanh``, ``sum``, ``softmax``...) accept Tensors, forward-mode
:class:`Dual` numbers, or plain arrays (which become Tensors), so one model function
runs in reverse mode, in forward mode and nested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bibun.autodiff import dual as _dual
from bibun.autodiff import linear as _linear
from bibun.autodiff import numpy_api as _numpy_api  # noqa: F401  (np.exp(t) etc. on Tensors)
from bibun.autodiff import ops as _ops
from bibun.autodiff.check import GradcheckReport, gradcheck, gradcheck_params
from bibun.autodiff.conv import avg_pool2d, col2im, conv2d, im2col, max_pool2d
from bibun.autodiff.draw import to_dot, to_svg
from bibun.autodiff.dual import Dual
from bibun.autodiff.extras import (
    arange,
    astype,
    einsum,
    eye,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randn,
    tensordot,
    vmap,
    zeros,
    zeros_like,
)
from bibun.autodiff.functional import (
    derivative,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
)
from bibun.autodiff.interop import (  # noqa: F401
    DLPackError,
    from_array,
    from_dlpack,
    to_jax,
    to_numpy,
    to_torch,
)
from bibun.autodiff.jet import Jet
from bibun.autodiff.losses import bce_with_logits, binary_cross_entropy, cross_entropy, mse_loss
from bibun.autodiff.pointwise import (
    arctan2,
    ceil,
    clip,
    exp2,
    floor,
    hypot,
    log2,
    log10,
    maximum,
    minimum,
    reciprocal,
    round,  # noqa: A004
    square,
    trunc,
)
from bibun.autodiff.reductions import argmax, argmin, cumsum, prod, std, var
from bibun.autodiff.shapes import (
    diag,
    dot,
    expand_dims,
    flip,
    moveaxis,
    outer,
    pad,
    repeat,
    squeeze,
    swapaxes,
    tile,
    trace,
    tril,
    triu,
    unsqueeze,
)
from bibun.autodiff.tensor import (
    AnomalyError,
    AutodiffError,
    ShapeError,
    Tensor,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
)
from bibun.autodiff.tensor import as_tensor as _as_tensor
from bibun.functions import RULES


def _lift(x: Any) -> Any:
    if isinstance(x, (Tensor, Dual, Jet)):  # (a Jet: Taylor mode inside ``derivative``)
        return x
    if type(x) in (list, tuple) and any(isinstance(v, Dual) for v in x):
        return _dual.stack(x)
    return _as_tensor(x)


def _method(name: str) -> Any:
    def f(x: Any, *args: Any, **kw: Any) -> Any:
        return getattr(_lift(x), name)(*args, **kw)

    f.__name__ = name
    f.__doc__ = f"``{name}`` of a Tensor, a Dual or an array (made a Tensor)."
    return f


_METHODS = ["sum", "mean", "max", "min", "reshape", "transpose", "logsumexp", "softmax",
            "log_softmax", "broadcast_to", "sum_to", "flatten"]
for _name in _METHODS + [n for n in RULES if n.isidentifier()]:
    globals()[_name] = _method(_name)


_softplus_rule = globals()["softplus"]


def softplus(x: Any, beta: float = 1.0) -> Any:
    """log(1 + e^(βx))/β (``torch.nn.functional.softplus``'s ``beta``); β = 1 is the
    rule table's stable softplus, other β the same function of βx, divided by β."""
    if beta == 1:
        return _softplus_rule(x)
    return _softplus_rule(_lift(x) * beta) / beta


Tensor.astype = Dual.astype = astype  # t.astype(np.float32), on the graph


def __getattr__(name: str) -> Any:
    """``ad.<function>`` for a function registered after import."""
    if name in RULES and name.isidentifier():
        return _method(name)
    raise AttributeError(f"module 'bibun.autodiff' has no attribute {name!r}")


def _any_dual(xs: Sequence[Any]) -> bool:
    return any(isinstance(x, Dual) for x in xs)


def matmul(a: Any, b: Any) -> Any:
    return _lift(a) @ b


def linear(x: Any, W: Any, b: Any = None) -> Any:
    """``x @ W + b`` (one fused node for Tensors)."""
    if isinstance(x, Dual) or isinstance(W, Dual):
        y = _lift(x) @ W
        return y if b is None else y + b
    return _linear.linear(x, W, b)


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    return (_dual if _any_dual(xs) else _ops).concatenate(xs, axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Any:
    return (_dual if _any_dual(xs) else _ops).stack(xs, axis)


def where(cond: Any, a: Any, b: Any) -> Any:
    return (_dual if _any_dual((a, b)) else _ops).where(cond, a, b)


__all__ = [
    "AnomalyError", "AutodiffError", "Dual", "GradcheckReport", "ShapeError", "Tensor",
    "bce_with_logits", "concatenate", "cross_entropy", "derivative", "detect_anomaly",
    "enable_grad", "grad", "gradcheck", "gradcheck_params", "hessian", "hvp", "is_grad_enabled",
    "jacobian", "jvp", "linear", "matmul", "mse_loss", "no_grad", "stack", "to_dot", "to_svg",
    "value_and_grad", "vjp", "where", *_METHODS,
    # elementwise, reductions and shapes beyond the rule table (pointwise, reductions, shapes)
    "arctan2", "ceil", "clip", "exp2", "floor", "hypot", "log2", "log10", "maximum", "minimum",
    "reciprocal", "round", "square", "trunc", "argmax", "argmin", "cumsum", "prod", "std",
    "var", "diag", "dot", "expand_dims", "flip", "moveaxis", "outer", "pad", "repeat",
    "squeeze", "swapaxes", "tile", "trace", "tril", "triu", "unsqueeze",
    # images (conv)
    "avg_pool2d", "col2im", "conv2d", "im2col", "max_pool2d",
    # extras: einsum, vmap, casts and factories; losses with options
    "arange", "astype", "einsum", "eye", "full", "linspace", "ones", "ones_like", "rand",
    "randn", "tensordot", "vmap", "zeros", "zeros_like", "binary_cross_entropy", "softplus",
    # interop: NumPy, PyTorch and JAX arrays (DLPack)
    "DLPackError", "from_array", "from_dlpack", "to_jax", "to_numpy", "to_torch",
]
