"""Operations on Tensors: a forward function and a vjp for each.

* Elementwise functions (sin, exp, tanh, sigmoid, relu, ...) are generated from the
  shared rule table :data:`bibun.functions.RULES`: the vjp is ``g * rule.deriv(u, y, B.F)``.
  There is no second copy of ``sin' = cos`` here.
* Arithmetic (+ - * / **) and structural ops (matmul, sum/mean/max with axes, reshape,
  transpose, broadcasting, indexing, concatenate, stack, where) have their own vjp.
  Broadcasting is undone in the gradient by ``sum_to``.
* The numerically stable ML ops (logsumexp, softmax, log_softmax, cross_entropy,
  bce_with_logits, mse_loss) are defined once for both modes in :mod:`.fused` and
  re-exported here.

A vjp receives ``(node, g, B)`` and returns one gradient per parent (``None`` where the
parent needs none).  See :mod:`bibun.autodiff.backend` for why ``B`` exists.

This module also installs the operators and methods on :class:`Tensor`
(``x + y``, ``x @ W``, ``x.sum(axis=0)``, ``x.tanh()``...).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bibun.autodiff import backend as _backend
from bibun.autodiff import sweep as _sweep
from bibun.autodiff.backend import NUMPY, TENSOR, TensorOps, is_basic_index, np_scatter, np_sum_to
from bibun.autodiff.corners import vjp_with_corners
from bibun.autodiff.dual import Dual
from bibun.autodiff.fused import (  # noqa: F401  (defined once there for both modes)
    bce_with_logits,
    cross_entropy,
    log_softmax,
    logsumexp,
    mse_loss,
    softmax,
)
from bibun.autodiff.tensor import (
    STACK,
    AutodiffError,
    ShapeError,
    Tensor,
    as_tensor,
    binary_op,
    check_axis,
    check_nonempty,
    keep_shape,
    make_node,
    make_node1,
    make_node2,
    norm_axes,
    shape_error,
    unary_op,
)
from bibun.functions import NUMPY_OPS, RULES, Rule, on_change

_SCALARS = (int, float)


def _lift(x: Any, like: Tensor | None = None) -> Tensor:
    """Constants become Tensors without a gradient (Python numbers keep ``like``'s dtype)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, _SCALARS):
        return Tensor(np.asarray(x, dtype=like.dtype))
    return as_tensor(x)  # a list holding live Tensors is stacked on the graph


# -- elementwise functions from the rule table -----------------------------------------


def _vjp_rule(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    if B is NUMPY:  # (the hot path: no accessor calls)
        u, y = node._parents[0].data, node.data
        d = node._ctx.deriv(u, y, NUMPY_OPS)
        if type(d) is np.ndarray and type(g) is np.ndarray and d.dtype is g.dtype \
                and d.shape == g.shape and d.flags.owndata and d.flags.writeable \
                and d is not y and d is not u:
            d *= g  # a fresh array made by the rule (1 - y**2): multiply in place
            return (d,)
        r = g * d
    else:
        v = B.v
        r = g * node._ctx.deriv(v(node._parents[0]), v(node), B.F)
    tr = type(r)  # same type (and dtype object) as g: nothing to check, the common case
    if (tr is not type(g) or tr is np.ndarray and r.dtype is not g.dtype) \
            and tr is not Tensor and r.dtype != g.dtype:
        r = r.astype(g.dtype)  # e.g. step() gives float64 for a float32 input
    return (r,)


def _unary(r: Rule) -> Callable[[Any], Tensor]:
    fwd, name, vjp = r.numpy, r.name, vjp_with_corners if r.subgradient else _vjp_rule

    def op(x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        xd = x.data
        y = fwd(xd)
        ty = type(y)
        if (ty is not type(xd) or ty is np.ndarray and y.dtype is not xd.dtype) \
                and y.dtype != xd.dtype:
            y = y.astype(xd.dtype)  # step() and friends answer float64
        return make_node1(y, x, vjp, r, name)

    op.__name__ = name
    op.__doc__ = f"Elementwise {name}; its derivative comes from the rule table."
    return unary_op(fwd, vjp, r, name, op)


#: rule name -> Tensor function, one per entry of the rule table
UNARY: dict[str, Callable[[Any], Tensor]] = {}
for _r in {id(r): r for r in RULES.values()}.values():
    UNARY[_r.name] = _unary(_r)


# -- arithmetic ---------------------------------------------------------------------------


def _vjp_pass(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g,)


def _vjp_neg(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (-g,)


def _vjp_mul_c(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g * node._ctx,)


def _vjp_div_c(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g / node._ctx,)


def _vjp_rdiv_c(node: Tensor, g: Any, B: Any) -> tuple[Any]:  # c / x
    return (-(g * B.v(node)) / B.v(node._parents[0]),)


def _zeros_like(g: Any, B: Any) -> Any:
    """An exact zero gradient (not ``g * 0``, which is NaN where g is inf)."""
    if B.name == "numpy":
        return np.zeros_like(g)
    return Tensor(np.zeros_like(g.data))


def _vjp_pow_c(node: Tensor, g: Any, B: Any) -> tuple[Any]:  # x ** c
    c = node._ctx
    if c == 0:  # x**0 is the constant 1: not 0 * x**-1, which is 0 * inf = NaN at x = 0
        return (_zeros_like(g, B),)
    if c == 1:  # x**1 is x: exactly g, and every higher derivative is exactly 0
        return (g,)
    x = B.v(node._parents[0])
    if c == 2:
        return (g * (2 * x),)
    return (g * (c * x ** (c - 1)),)


def _vjp_rpow_c(node: Tensor, g: Any, B: Any) -> tuple[Any]:  # c ** x
    return (g * B.v(node) * math.log(node._ctx),)


# For the binary ops, ``node._ctx`` is True when both operands had the same shape: then
# nothing was broadcast and the gradients need no sum_to (the common case, kept cheap).


def _vjp_add(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    if node._ctx:
        return (g if a.requires_grad else None, g if b.requires_grad else None)
    return (B.sum_to(g, a.data.shape) if a.requires_grad else None,
            B.sum_to(g, b.data.shape) if b.requires_grad else None)


def _vjp_sub(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    if node._ctx:
        return (g if a.requires_grad else None, -g if b.requires_grad else None)
    return (B.sum_to(g, a.data.shape) if a.requires_grad else None,
            B.sum_to(-g, b.data.shape) if b.requires_grad else None)


def _vjp_mul(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    if node._ctx and B is NUMPY:  # (the hot path of scalar graphs)
        return (g * b.data if a.requires_grad else None, g * a.data if b.requires_grad else None)
    v = B.v
    if node._ctx:
        return (g * v(b) if a.requires_grad else None, g * v(a) if b.requires_grad else None)
    return (B.sum_to(g * v(b), a.data.shape) if a.requires_grad else None,
            B.sum_to(g * v(a), b.data.shape) if b.requires_grad else None)


def _vjp_div(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    q = g / B.v(b)
    gb = -q * B.v(node) if b.requires_grad else None
    if node._ctx:
        return (q if a.requires_grad else None, gb)
    return (B.sum_to(q, a.data.shape) if a.requires_grad else None,
            None if gb is None else B.sum_to(gb, b.data.shape))


def _safe_base(mask: np.ndarray, av: Any, B: Any) -> Any:
    """The base with 1 where ``mask`` (a constant boolean array): there the derivative's
    other factor is exactly 0, and a^(b-1) or log a at a = 0 would turn it into NaN
    (0·inf).  Substituting the base, rather than zeroing the result afterwards, keeps
    higher derivatives finite too: no inf is ever computed."""
    if not mask.any():
        return av
    if B.name == "numpy":
        return np.where(mask, 1, av).astype(av.dtype, copy=False)
    return where(mask, 1.0, av)


def _vjp_pow(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    av, bv = B.v(a), B.v(b)
    ga = gb = None
    if a.requires_grad:  # b·a^(b-1), exactly 0 where b = 0 (not 0·0^-1 = NaN at a = 0)
        ga = g * bv * _safe_base(b.data == 0, av, B) ** (bv - 1)
    if b.requires_grad:  # a^b·log a, exactly 0 where a = 0 <= b, as in PyTorch
        gb = g * B.v(node) * B.F.log(_safe_base((a.data == 0) & (b.data >= 0), av, B))
    if node._ctx:
        return ga, gb
    return (None if ga is None else B.sum_to(ga, a.data.shape),
            None if gb is None else B.sum_to(gb, b.data.shape))


def _arith(op: str, fn: Callable[[Any, Any], Any], vjp: Callable[..., Any],
           const: Callable[[Tensor, Any], Tensor]) -> Callable[[Any, Any], Tensor]:
    """``a <op> b``: Tensor operands (the fast path, checked first), Python numbers
    (folded into the node as a constant), anything else (made a constant Tensor)."""

    def method(a: Any, b: Any) -> Tensor:
        if not isinstance(a, Tensor):
            a = as_tensor(a)
        if isinstance(b, Tensor):
            try:
                data = fn(a.data, b.data)
            except ValueError:
                raise shape_error(op, a.data, b.data) from None
            # same shapes (nothing broadcast): certain when the result is a NumPy scalar
            return make_node2(data, a, b, vjp, type(data) is not np.ndarray
                              or a.data.shape == b.data.shape, op)
        if isinstance(b, _SCALARS):
            return const(a, b)
        if isinstance(b, Dual):  # Tensor <op> Dual: the Dual's reflected method answers
            return NotImplemented
        return method(a, _lift(b, a))

    method.__name__ = op
    method.__doc__ = f"Elementwise {op} with NumPy broadcasting."
    return binary_op(fn, vjp, op, method)


# operator.add rather than np.add: same result, but no ufunc-call overhead on 0-d values
add = _arith("add", operator.add, _vjp_add,
             lambda a, c: make_node1(a.data + c, a, _vjp_pass, c, "add"))
sub = _arith("sub", operator.sub, _vjp_sub,
             lambda a, c: make_node1(a.data - c, a, _vjp_pass, -c, "add"))
mul = _arith("mul", operator.mul, _vjp_mul,
             lambda a, c: make_node1(a.data * c, a, _vjp_mul_c, c, "mul"))
div = _arith("div", operator.truediv, _vjp_div,
             lambda a, c: make_node1(a.data / c, a, _vjp_div_c, c, "div"))
power = _arith("pow", operator.pow, _vjp_pow,
               lambda a, c: make_node1(a.data ** c, a, _vjp_pow_c, c, "pow"))


def radd(a: Tensor, b: Any) -> Tensor:  # b + a
    return add(a, b) if isinstance(b, _SCALARS) else add(_lift(b, a), a)


def rsub(a: Tensor, b: Any) -> Tensor:  # b - a
    if isinstance(b, _SCALARS):
        return make_node1(b - a.data, a, _vjp_neg, b, "rsub")
    return sub(_lift(b, a), a)


def rmul(a: Tensor, b: Any) -> Tensor:  # b * a
    return mul(a, b) if isinstance(b, _SCALARS) else mul(_lift(b, a), a)


def rdiv(a: Tensor, b: Any) -> Tensor:  # b / a
    if isinstance(b, _SCALARS):
        return make_node1(b / a.data, a, _vjp_rdiv_c, b, "rdiv")
    return div(_lift(b, a), a)


def rpow(a: Tensor, b: Any) -> Tensor:  # b ** a
    if isinstance(b, _SCALARS):
        if b <= 0:  # 0**y, (-2)**x: NumPy's values (NaN), PyTorch's gradient conventions
            return power(_lift(b, a), a)
        return make_node1(b ** a.data, a, _vjp_rpow_c, b, "rpow")
    return power(_lift(b, a), a)


def neg(a: Any) -> Tensor:
    a = as_tensor(a)
    return make_node1(-a.data, a, _vjp_neg, None, "neg")


# -- matmul -------------------------------------------------------------------------------


def _vjp_matmul(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    av, bv = B.v(a), B.v(b)
    ash, bsh = a.data.shape, b.data.shape
    if len(ash) == 2 and len(bsh) == 2:  # the MLP case: the two products, nothing else
        return (g @ bv.T if a.requires_grad else None,
                av.T @ g if b.requires_grad else None)
    a2 = av.reshape((1,) + ash) if len(ash) == 1 else av
    b2 = bv.reshape(bsh + (1,)) if len(bsh) == 1 else bv
    a2s, b2s = tuple(a2.shape), tuple(b2.shape)
    out2 = np.broadcast_shapes(a2s[:-2], b2s[:-2]) + (a2s[-2], b2s[-1])
    g2 = g.reshape(out2)
    ga = B.sum_to(g2 @ B.mT(b2), a2s).reshape(ash) if a.requires_grad else None
    gb = B.sum_to(B.mT(a2) @ g2, b2s).reshape(bsh) if b.requires_grad else None
    return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy's rules (vectors, batches that broadcast)."""
    if isinstance(b, Dual):  # Tensor @ Dual: the Dual's __rmatmul__ answers
        return NotImplemented
    a, b = as_tensor(a), _lift(b)
    try:
        data = a.data @ b.data
    except ValueError:
        ka = a.shape[-1] if a.ndim else None
        kb = (b.shape[-2] if b.ndim > 1 else b.shape[0]) if b.ndim else None
        raise shape_error("matmul", a.data, b.data,
                           f"do not align: inner dimensions {ka} and {kb} must be equal"
                           ) from None
    return make_node(data, (a, b), _vjp_matmul, None, "matmul")


def rmatmul(b: Tensor, a: Any) -> Tensor:
    return matmul(_lift(a, b), b)


# -- reductions ---------------------------------------------------------------------------


def _vjp_sum(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    shape = node._parents[0].data.shape
    axis, keepdims = node._ctx
    if not keepdims:
        g = g.reshape(keep_shape(shape, axis))
    return (B.broadcast_to(g, shape),)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (None: all); the gradient is broadcast back."""
    x = as_tensor(x)
    axis = check_axis(axis, x.ndim)
    data = x.data.sum(axis=axis, keepdims=keepdims)
    return make_node1(data, x, _vjp_sum, (axis, keepdims), "sum")


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = as_tensor(x)
    axis = check_axis(axis, x.ndim)
    n = 1
    for ax in norm_axes(axis, x.ndim):
        n *= x.shape[ax]
    return sum(x, axis, keepdims) / n


def _vjp_max(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    x = node._parents[0]
    axis, keepdims = node._ctx
    keep = keep_shape(x.data.shape, axis)
    top = np.reshape(node.data, keep)  # a NaN wins max and min, and gets the gradient
    mask = ((x.data == top) | (np.isnan(x.data) & np.isnan(top))).astype(x.data.dtype)
    mask /= mask.sum(axis=axis, keepdims=True)  # ties share the gradient
    if not keepdims:
        g = g.reshape(keep)
    return (g * mask,)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; the gradient goes to the arg-max (split evenly on ties)."""
    x = as_tensor(x)
    axis = check_axis(axis, x.ndim)
    check_nonempty("max", x.shape, axis)
    return make_node1(x.data.max(axis=axis, keepdims=keepdims), x, _vjp_max,
                      (axis, keepdims), "max")


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over ``axis`` (same rule as max)."""
    x = as_tensor(x)
    axis = check_axis(axis, x.ndim)
    check_nonempty("min", x.shape, axis)
    return make_node1(x.data.min(axis=axis, keepdims=keepdims), x, _vjp_max,
                      (axis, keepdims), "min")


# -- shape ops ----------------------------------------------------------------------------


def _vjp_reshape(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g.reshape(node._parents[0].data.shape),)


def reshape(x: Any, *shape: Any) -> Tensor:
    x = as_tensor(x)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        data = x.data.reshape(shape)
    except ValueError:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                         f"({x.size} elements) into shape {shape}") from None
    return make_node1(data, x, _vjp_reshape, None, "reshape")


def _vjp_transpose(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g.transpose(node._ctx),)


def transpose(x: Any, *axes: Any) -> Tensor:
    x = as_tensor(x)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(x.ndim)))
    if sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation for shape {x.shape}")
    inverse = tuple(int(i) for i in np.argsort([a % x.ndim for a in axes]))
    return make_node1(x.data.transpose(axes), x, _vjp_transpose, inverse, "transpose")


def _vjp_broadcast_to(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (B.sum_to(g, node._parents[0].data.shape),)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Tensor:
    x = as_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    try:
        data = np.broadcast_to(x.data, shape)
    except ValueError:
        raise shape_error("broadcast_to", x.data, np.empty(shape), "cannot be broadcast "
                           "(first to second)") from None
    return make_node1(data, x, _vjp_broadcast_to, None, "broadcast_to")


def _vjp_sum_to(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (B.broadcast_to(g, node._parents[0].data.shape),)


def sum_to(x: Any, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast value back down to ``shape`` (the adjoint of broadcast_to)."""
    x = as_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    _backend.check_sum_to(x.shape, shape, ShapeError)
    return make_node1(np_sum_to(x.data, shape), x, _vjp_sum_to, None, "sum_to")


# -- indexing -----------------------------------------------------------------------------


def _norm_index(idx: Any) -> Any:
    if isinstance(idx, Tensor):
        return idx.data.astype(np.intp) if idx.dtype.kind == "f" else idx.data
    if isinstance(idx, list):
        return np.asarray(idx)
    if isinstance(idx, tuple):
        return tuple(_norm_index(i) for i in idx)
    return idx


def _vjp_getitem(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (B.scatter(g, node._ctx, node._parents[0].data.shape),)


def getitem(x: Any, idx: Any) -> Tensor:
    """``x[idx]`` with NumPy's indexing; the gradient is scattered (and summed on repeats)."""
    x = as_tensor(x)
    idx = _norm_index(idx)
    try:
        data = x.data[idx]
    except IndexError as exc:
        raise ShapeError(f"getitem: index {idx!r} does not fit shape {x.shape}: {exc}") from None
    if not is_basic_index(idx):
        data = np.array(data)
    return make_node1(data, x, _vjp_getitem, idx, "getitem")


def _vjp_scatter(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g[node._ctx],)


def scatter(g: Any, idx: Any, shape: tuple[int, ...]) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``idx`` (the adjoint of indexing)."""
    g = as_tensor(g)
    return make_node1(np_scatter(g.data, idx, tuple(shape)), g, _vjp_scatter, idx, "scatter")


def _vjp_concat(node: Tensor, g: Any, B: Any) -> tuple[Any, ...]:
    axis, sizes = node._ctx
    out, start = [], 0
    lead = (slice(None),) * axis
    for p, n in zip(node._parents, sizes):
        out.append(g[lead + (slice(start, start + n),)] if p.requires_grad else None)
        start += n
    return tuple(out)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    ts = tuple(as_tensor(t) for t in tensors)
    if not ts:
        raise AutodiffError("concatenate needs at least one tensor")
    try:
        data = np.concatenate([t.data for t in ts], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ShapeError(f"concatenate along axis {axis}: shapes {shapes} must agree "
                         "except on that axis") from None
    ax = axis % data.ndim
    return make_node(data, ts, _vjp_concat, (ax, [t.shape[ax] for t in ts]), "concatenate")


def _vjp_stack(node: Tensor, g: Any, B: Any) -> tuple[Any, ...]:
    lead = (slice(None),) * node._ctx
    return tuple(g[lead + (i,)] if p.requires_grad else None
                 for i, p in enumerate(node._parents))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    ts = tuple(as_tensor(t) for t in tensors)
    if not ts:
        raise AutodiffError("stack needs at least one tensor")
    try:
        data = np.stack([t.data for t in ts], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ShapeError(f"stack: shapes {shapes} must all be equal") from None
    return make_node(data, ts, _vjp_stack, axis % data.ndim, "stack")


def _vjp_where(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    m = node._ctx
    return (B.sum_to(g * m, a.data.shape) if a.requires_grad else None,
            B.sum_to(g * (1 - m), b.data.shape) if b.requires_grad else None)


def _condition(cond: Any) -> Any:
    """The boolean values of a condition: an array, a Tensor or a forward-mode Dual."""
    if isinstance(cond, Tensor):
        return cond.data
    if isinstance(cond, Dual):
        return cond.primal
    return cond


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Pick ``a`` where ``cond`` else ``b``; each side gets the gradient where it was picked."""
    c = np.asarray(_condition(cond), dtype=bool)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    a, b = _lift(a, like), _lift(b, like)
    try:
        data = np.where(c, a.data, b.data)
    except ValueError:
        raise ShapeError(f"where: condition {c.shape}, shapes {a.shape} and {b.shape} "
                         "cannot be broadcast together") from None
    return make_node(data, (a, b), _vjp_where, c.astype(data.dtype), "where")


# -- install on Tensor ----------------------------------------------------------------------


def _install() -> None:
    T = Tensor
    T.__add__, T.__radd__ = add, radd
    T.__sub__, T.__rsub__ = sub, rsub
    T.__mul__, T.__rmul__ = mul, rmul
    T.__truediv__, T.__rtruediv__ = div, rdiv
    T.__pow__, T.__rpow__ = power, rpow
    T.__matmul__, T.__rmatmul__ = matmul, rmatmul
    T.__neg__ = neg
    T.__pos__ = lambda self: self
    T.__abs__ = UNARY["abs"]
    T.__getitem__ = getitem
    T.sum, T.mean, T.max, T.min = sum, mean, max, min
    T.reshape, T.transpose = reshape, transpose
    T.T = property(lambda self: transpose(self))
    T.mT = property(lambda self: transpose(self, tuple(range(self.ndim - 2))
                                           + (self.ndim - 1, self.ndim - 2)))
    T.broadcast_to, T.sum_to = broadcast_to, sum_to
    T.flatten = lambda self: reshape(self, (-1,))
    for name, r in RULES.items():
        if name.isidentifier() and not hasattr(T, name):
            setattr(T, name, UNARY[r.name])


_install()
STACK[0] = lambda xs: stack(xs)
# the Tensor world of the vjps (backend.TENSOR) gets its functions from here
TENSOR.F, TENSOR.sum_to, TENSOR.broadcast_to, TENSOR.scatter, TENSOR.where = (
    TensorOps(UNARY), sum_to, broadcast_to, scatter, where)


def _on_rule(r: Rule, added: bool) -> None:
    """Keep UNARY and the Tensor methods in step with the rule table, so a function
    registered after import (``bibun.functions.register``) is a Tensor op at once."""
    if added:
        UNARY[r.name] = _unary(r)
        for n in r.names:
            if n.isidentifier() and not hasattr(Tensor, n):
                setattr(Tensor, n, UNARY[r.name])
        return
    f = UNARY.pop(r.name, None)
    for n in r.names:
        if f is not None and Tensor.__dict__.get(n) is f:
            delattr(Tensor, n)


on_change(_on_rule)
_sweep.INLINE.update(add=_vjp_add, mul=_vjp_mul, rule=_vjp_rule, numpy=NUMPY, F=NUMPY_OPS)
