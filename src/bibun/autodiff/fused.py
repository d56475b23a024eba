"""The stable ML ops, each written once for reverse mode and forward mode.

logsumexp, softmax, log_softmax, cross_entropy, bce_with_logits and mse_loss are defined
here and nowhere else.  Each becomes a Tensor op (reverse mode) and a Dual op (forward
mode): the methods ``Tensor.logsumexp`` / ``Dual.logsumexp`` ... are installed from this
module, and the functions below pick the mode from their argument, so ``bibun.autodiff``
and ``bibun.nn`` share one entry point.  No formula is written twice:

* **A reduction given by its gradient** (logsumexp, cross_entropy, bce_with_logits): a
  stable NumPy value and the gradient ∇f, written once against the backend ``B``
  (:mod:`.backend`).  Reverse mode returns g·∇f (g broadcast back over the reduced axes),
  forward mode contracts ∇f with the tangent, Σ ∇f·ẋ: one formula read in both
  directions.  Each is one node with an exact, cheap gradient (the loss of a training
  step).
* **softmax**: its Jacobian diag(y) − y yᵀ is symmetric, so one product is both the jvp
  and the vjp.
* **Compositions of primitive ops** (log_softmax = x − logsumexp(x), mse_loss =
  mean((p − t)²)): they run in both modes because the primitives do.

Elementwise functions inside them keep their one source, the rule table: bce's value uses
its softplus and its gradient softplus' (the sigmoid), through ``B.F`` when the backward
pass is recorded.

All are finite at ±1000 and at −inf: the values use the stable forms of
:func:`.backend.np_logsumexp`, :func:`.backend.np_softmax` and the rule table's softplus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from bibun.autodiff.backend import NUMPY, TENSOR, np_logsumexp, np_softmax
from bibun.autodiff.dual import Dual
from bibun.autodiff.tensor import (
    AutodiffError,
    ShapeError,
    Tensor,
    as_tensor,
    check_axis,
    check_nonempty,
    keep_shape,
    make_node1,
    shape_error,
)
from bibun.functions import rule

#: the reductions behind ``a.max()``, ``.min()``, ``.sum()``, ``.all()`` without the method's
#: Python wrapper (same ufunc, same result): a loss runs a handful of them on small arrays
#: every training step
_max, _min, _sum, _all = np.maximum.reduce, np.minimum.reduce, np.add.reduce, \
    np.logical_and.reduce


def _lift(x: Any) -> Tensor | Dual:
    """A Tensor or a Dual stays itself; an array becomes a constant Tensor."""
    return x if isinstance(x, (Tensor, Dual)) else Tensor(x)


def _value(x: Any) -> Any:
    """The bare value of a Tensor, a Dual or an array (a target is never differentiated)."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, Dual):
        return x.primal
    return x


def _what(x: Tensor | Dual) -> str:
    return "Dual" if isinstance(x, Dual) else "tensor"


# -- reductions given by their gradient ------------------------------------------------------


class Reduced(NamedTuple):
    """A reduction's value and what its gradient needs: the axes reduced (None: all),
    whether they were kept, and the reduction's own context (e.g. the log-sum-exp)."""

    value: np.ndarray
    axis: Any = None
    keepdims: bool = False
    ctx: Any = None


#: ``prepare(x, *args)``: checks the arguments, computes the stable value (``x`` a Tensor
#: or a Dual, read through ``x.data``); ``gradient(xv, reduced, B)``: ∂f/∂x with x's
#: shape, ``xv`` being x's value in B's world (an array, or a Tensor when the backward
#: pass is recorded for a higher derivative).  On arrays it returns a new array, which
#: the vjp scales in place.
Prepare = Callable[..., Reduced]
Gradient = Callable[[Any, Reduced, Any], Any]

#: each reduction's vjp -> its gradient function, so :mod:`.batched` can run the vjp for
#: many seeds at once (∇f does not depend on the seed: computed once, then scaled)
GRADIENTS: dict[Callable[..., Any], Gradient] = {}


def reduction(name: str, prepare: Prepare, gradient: Gradient
              ) -> tuple[Callable[..., Tensor], Callable[..., Dual]]:
    """The Tensor op and the Dual op of a reduction defined by its value and gradient."""

    def vjp(node: Tensor, g: Any, B: Any) -> tuple[Any]:
        r: Reduced = node._ctx
        x = node._parents[0]
        if r.axis is not None and not r.keepdims:  # (a 0-d g broadcasts as it is)
            g = g.reshape(keep_shape(x.data.shape, r.axis))
        d = gradient(B.v(x), r, B)
        if B is NUMPY:  # a fresh array: scale it in place
            d *= g
            return (d,)
        return (g * d,)

    def on_tensor(x: Any, *args: Any, **kw: Any) -> Tensor:
        x = as_tensor(x)
        r = prepare(x, *args, **kw)
        return make_node1(r.value, x, vjp, r, name)

    def on_dual(x: Dual, *args: Any, **kw: Any) -> Dual:
        r = prepare(x, *args, **kw)
        t = (gradient(x.primal, r, NUMPY) * x.tangent).sum(axis=r.axis, keepdims=r.keepdims)
        return Dual._make(r.value, np.asarray(t, dtype=r.value.dtype))

    on_tensor.__name__ = on_dual.__name__ = name
    GRADIENTS[vjp] = gradient
    return on_tensor, on_dual


def _logsumexp_prepare(x: Tensor | Dual, axis: Any = None, keepdims: bool = False) -> Reduced:
    axis = check_axis(axis, x.ndim)
    check_nonempty("logsumexp", x.shape, axis, _what(x))
    return Reduced(np_logsumexp(x.data, axis, keepdims), axis, keepdims)


def _logsumexp_gradient(x: Any, r: Reduced, B: Any) -> Any:
    return B.softmax(x, r.axis)  # ∂/∂x log Σ e^x = e^x / Σ e^x


_logsumexp_tensor, _logsumexp_dual = reduction("logsumexp", _logsumexp_prepare,
                                               _logsumexp_gradient)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor | Dual:
    """log Σ exp(x) over ``axis`` (None: all elements, like ``sum`` and ``max``, and
    like ``scipy.special.logsumexp`` and JAX), shifted by the max so exp never overflows.
    For one value per row of a batch of logits pass ``axis=-1``."""
    on = _logsumexp_dual if isinstance(x, Dual) else _logsumexp_tensor
    return on(x, axis, keepdims)


_ROWS: dict[int, np.ndarray] = {}


def _rows(n: int) -> np.ndarray:
    """``np.arange(n)``, read-only and kept: every step of a training loop indexes the
    same batch size's rows."""
    r = _ROWS.get(n)
    if r is None:
        r = np.arange(n)
        r.flags.writeable = False
        if len(_ROWS) < 64:
            _ROWS[n] = r
    return r


def _cross_entropy_prepare(z: Tensor | Dual, target: Any) -> Reduced:
    t = np.asarray(_value(target))
    if z.ndim != 2:
        raise ShapeError(f"cross_entropy: logits must have shape (N, C), got {z.shape}")
    n, c = z.shape
    # shifted by the row's max before anything else: z − lse written as (z − m) − log Σ
    # e^(z − m) keeps log 2 at logits 10^8 in float32 (m + log 2 would round to m)
    zd = z.data
    m = _max(zd, axis=1, keepdims=True) if zd.size else np.zeros((n, 1), zd.dtype)
    finite = bool(_all(np.isfinite(m), axis=None))
    # each row's max is now exactly 0 (or the row is all −inf, +inf or NaN, shifted by 0),
    # so this is np_logsumexp's value without its second max and shift; with every max
    # finite each sum is ≥ 1 and no −inf − −inf can occur: no floating-point state to set
    if finite:
        zd = zd - m
        lse = np.log(_sum(np.exp(zd), axis=1, keepdims=True))
    else:
        zd = zd - np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            lse = np.log(np.exp(zd).sum(axis=1, keepdims=True))
    rows = _rows(n)
    if t.dtype.kind in "iub":
        if t.shape != (n,):
            raise ShapeError(f"cross_entropy: logits {z.shape} need {n} class indices, "
                             f"got target of shape {t.shape}")
        if n and (_min(t, axis=None) < 0 or _max(t, axis=None) >= c):
            raise AutodiffError(f"cross_entropy: class indices must be in 0..{c - 1}, "
                                f"got {t.min()}..{t.max()}")
        loss = _sum(lse[:, 0] - zd[rows, t], axis=None) / n
        onehot = None
    else:
        if t.shape != z.shape:
            raise ShapeError(f"cross_entropy: logits {z.shape} and target probabilities "
                             f"{t.shape} must have the same shape")
        onehot = t.astype(zd.dtype)
        with np.errstate(invalid="ignore"):  # 0·(−inf) where a class has no weight
            terms = np.where(onehot != 0, onehot * (zd - lse), 0)
        loss = -terms.sum() / n
    return Reduced(np.asarray(loss, dtype=zd.dtype), ctx=(t, onehot, (zd, lse, finite, rows), n))


def _cross_entropy_gradient(z: Any, r: Reduced, B: Any) -> Any:
    """(softmax(z) − onehot)/N.  On arrays the softmax comes from the log-sum-exp the
    forward pass kept (one exp, no second max and sum); recorded for a higher derivative
    it is the softmax op, since there the log-sum-exp is not a constant."""
    t, onehot, (zd, lse, finite, rows), n = r.ctx
    if B is NUMPY:  # (z is the value the forward pass shifted into zd)
        if finite:
            p = np.exp(zd - lse)
        else:
            with np.errstate(invalid="ignore"):
                p = np.exp(zd - lse)
        if onehot is None:
            p[rows, t] -= 1
        else:  # targets need not sum to 1: ∂/∂z of −Σ t·(z − lse) is p·Σt − t
            p *= onehot.sum(axis=1, keepdims=True)
            p -= onehot
        p /= n
        return p
    if onehot is None:
        onehot = np.zeros(z.shape, dtype=z.dtype)
        onehot[np.arange(n), t] = 1
        return (B.softmax(z, 1) - onehot) / n
    return (B.softmax(z, 1) * onehot.sum(axis=1, keepdims=True) - onehot) / n


_cross_entropy_tensor, _cross_entropy_dual = reduction(
    "cross_entropy", _cross_entropy_prepare, _cross_entropy_gradient)
#: for :func:`bibun.autodiff.losses.cross_entropy`'s common case (logits a Tensor)
cross_entropy_tensor = _cross_entropy_tensor


def cross_entropy(logits: Any, target: Any) -> Tensor | Dual:
    """Mean softmax cross-entropy of ``logits`` (N, C) against class indices (N,) or
    probabilities (N, C).  Fused: the gradient is (softmax - onehot)/N, exact and stable."""
    on = _cross_entropy_dual if isinstance(logits, Dual) else _cross_entropy_tensor
    return on(logits, target)


def _bce_prepare(z: Tensor | Dual, target: Any) -> Reduced:
    zd = z.data
    t = np.asarray(_value(target), dtype=zd.dtype)
    try:
        fits = np.broadcast_shapes(zd.shape, t.shape) == zd.shape
    except ValueError:
        fits = False
    if not fits:
        raise shape_error("bce_with_logits", zd, t)
    softplus = rule("softplus").numpy(zd)  # max(z, 0) + log1p(e^-|z|): never overflows
    # softplus(z) − z·t summed as (1 − t)·z or −t·z first, then log1p(e^−|z|): at z = 15,
    # t = 1 the loss 3e-7 keeps its digits (softplus − z cancels them), and z = inf gives
    # inf, as in PyTorch, not inf − inf
    with np.errstate(invalid="ignore"):
        big = np.where(zd >= 0, (1 - t) * zd, -t * zd)
    loss = (big + np.log1p(np.exp(-np.abs(zd)))).sum() / zd.size
    return Reduced(np.asarray(loss, dtype=zd.dtype), ctx=(t, softplus))


def _bce_gradient(z: Any, r: Reduced, B: Any) -> Any:
    """(softplus'(z) − t)/n, with softplus' (the sigmoid) from the rule table."""
    t, softplus = r.ctx
    y = softplus if B is NUMPY else B.F.softplus(z)
    return (rule("softplus").deriv(z, y, B.F) - t) / softplus.size


_bce_tensor, _bce_dual = reduction("bce_with_logits", _bce_prepare, _bce_gradient)


def bce_with_logits(logits: Any, target: Any) -> Tensor | Dual:
    """Mean binary cross-entropy on logits, softplus(z) − t·z: never log(0), finite at
    ±1000; its gradient (sigmoid(z) − t)/n comes from softplus' in the rule table."""
    return (_bce_dual if isinstance(logits, Dual) else _bce_tensor)(logits, target)


# -- softmax: one product for both modes ---------------------------------------------------


def softmax_product(y: Any, v: Any, axis: Any) -> Any:
    """J·v for softmax's Jacobian J = diag(y) − y yᵀ at y = softmax(x).  J is symmetric,
    so this is the jvp (v a tangent) and the vjp (v an incoming gradient) alike."""
    yv = y * v
    return yv - y * yv.sum(axis=axis, keepdims=True)


def _softmax_vjp(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (softmax_product(B.v(node), g, node._ctx),)


def _softmax_tensor(x: Any, axis: int = -1) -> Tensor:
    x = as_tensor(x)
    axis = check_axis(axis, x.ndim)
    return make_node1(np_softmax(x.data, axis), x, _softmax_vjp, axis, "softmax")


def _softmax_dual(x: Dual, axis: int = -1) -> Dual:
    axis = check_axis(axis, x.ndim)
    y = np_softmax(x.primal, axis)
    return Dual._make(y, softmax_product(y, x.tangent, axis))


def softmax(x: Any, axis: int = -1) -> Tensor | Dual:
    """exp(x)/Σexp(x) along ``axis``; stable at ±1000, an all -inf row gives zeros."""
    return (_softmax_dual if isinstance(x, Dual) else _softmax_tensor)(x, axis)


# -- compositions of primitive ops -----------------------------------------------------------


def log_softmax(x: Any, axis: int = -1) -> Tensor | Dual:
    """x − logsumexp(x) along ``axis``: −inf stays −inf, nothing overflows, and both
    derivatives follow from logsumexp's."""
    x = _lift(x)
    # shifted by the max (a constant: the shift cancels in the derivative) so that
    # x − logsumexp(x) keeps −log 2 at logits 10^16 instead of rounding it to 0
    m = np.max(_value(x), axis=check_axis(axis, x.ndim), keepdims=True) if x.size else 0
    x = x - np.where(np.isfinite(m), m, 0).astype(_value(x).dtype)
    return x - x.logsumexp(axis, keepdims=True)


def mse_loss(pred: Any, target: Any) -> Tensor | Dual:
    """Mean squared error.  A target given as data (not a Tensor or Dual) takes the
    prediction's dtype, as in cross_entropy and bce_with_logits: float32 stays float32."""
    pred = _lift(pred)
    t = target if isinstance(target, (Tensor, Dual)) else np.asarray(target, dtype=pred.dtype)
    if pred.shape != t.shape:
        raise shape_error("mse_loss", pred.data, _value(t), "must be equal")
    d = pred - t  # d·d, not d**2: the gradient (d + d)/n, not 2d/n, stays finite at 1e308
    return (d * d).mean()


def _install() -> None:
    """The ops as methods of both Tensor and Dual, so one model function runs in either
    mode (``x.softmax()``, ``z.logsumexp(axis=1)``)."""
    Tensor.logsumexp, Dual.logsumexp = _logsumexp_tensor, _logsumexp_dual
    Tensor.softmax, Dual.softmax = _softmax_tensor, _softmax_dual
    Tensor.log_softmax = Dual.log_softmax = log_softmax
    TENSOR.softmax = softmax  # for the vjps recorded for higher derivatives


_install()
