"""Forward mode: dual numbers over NumPy arrays.

A :class:`Dual` carries a value and a tangent (the directional derivative travelling
along).  ``f(x + ε·t) = f(x) + ε·f'(x)·t`` with ε² = 0 is the whole idea: every
operation pushes the tangent forward next to the value, so one pass gives one column of
the Jacobian (a jvp).  Elementwise functions read their derivative from the same rule
table as everything else (``rule.deriv(u, y, NUMPY.F)``); structural ops are linear and
apply themselves to the tangent.

A Dual has the same method names as a Tensor (``.sum(axis=)``, ``.tanh()``, ``@``...),
so one function ``f`` written with them runs in either mode.  The stable ML ops
(``.logsumexp``, ``.softmax``, ``.log_softmax``, cross-entropy ...) are written once for
both modes in :mod:`.fused`, which installs them here and on Tensor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from bibun.autodiff import tensor as _T
from bibun.autodiff.backend import NUMPY, check_sum_to, np_sum_to
from bibun.autodiff.corners import at_corners
from bibun.autodiff.tensor import (
    AutodiffError,
    NeedsReverse,
    ShapeError,
    Tensor,
    ZeroDimError,
    check_nonempty,
)
from bibun.functions import RULES, Rule, on_change
from bibun.i18n import error

_F = NUMPY.F


def _split(x: Any) -> tuple[Any, Any]:
    """(value, tangent) of anything; constants have tangent None (zero, not stored)."""
    if isinstance(x, Dual):
        return x.primal, x.tangent
    if isinstance(x, Tensor):
        if x.requires_grad and _T._rev_depth:
            # a Tensor another transformation differentiates: taking its bare value would
            # drop that derivative, so the outer jvp reruns on the reverse-mode path
            raise error("error.autodiff.dual_into_reverse", NeedsReverse, who="jvp")
        return x.data, None
    return x, None


class Dual:
    """value + ε·tangent, elementwise over arrays of the same shape."""

    __slots__ = ("primal", "tangent")
    __array_ufunc__ = None

    def __init__(self, primal: Any, tangent: Any = None):
        p = np.asarray(primal, dtype=float) if not isinstance(primal, np.ndarray) else primal
        if p.dtype.kind != "f":
            p = p.astype(np.float64)
        self.primal = p
        if tangent is None:
            tangent = np.zeros_like(p)
        t = np.asarray(tangent, dtype=p.dtype)
        if t.shape != p.shape:
            raise ShapeError(f"Dual: tangent shape {t.shape} must equal value shape {p.shape}")
        self.tangent = t

    @classmethod
    def _make(cls, p: Any, t: Any) -> Dual:
        d = object.__new__(cls)
        d.primal, d.tangent = p, t
        return d

    @property
    def data(self) -> Any:
        """The value (``primal``), under the name a Tensor uses, so code that reads
        ``x.data`` (e.g. ``where(x.data > 0, ...)``) runs in forward mode too."""
        return self.primal

    def __float__(self) -> float:
        raise AutodiffError("float() of a Dual would drop its tangent: the computation "
                            "would leave the forward-mode graph and its derivative be "
                            "silently wrong. Use bibun.autodiff functions on the Dual, or "
                            ".primal for the bare value")

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.primal)

    @property
    def ndim(self) -> int:
        return np.ndim(self.primal)

    @property
    def size(self) -> int:
        return np.size(self.primal)

    @property
    def dtype(self) -> np.dtype:
        return np.asarray(self.primal).dtype

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, tangent={self.tangent!r})"

    def __len__(self) -> int:
        if np.ndim(self.primal) == 0:
            raise ZeroDimError("len() of a 0-d Dual: it holds one number")
        return len(self.primal)

    def __bool__(self) -> bool:
        if np.size(self.primal) != 1:
            raise AutodiffError(f"the truth value of a Dual of shape {self.shape} is "
                                "ambiguous: use (d > 0).any() or .all()")
        return bool(np.asarray(self.primal).item())

    def __iter__(self) -> Iterator[Dual]:
        """Iterate over the first axis (each item is ``d[i]``), like a Tensor."""
        if np.ndim(self.primal) == 0:
            raise ZeroDimError("iteration over a 0-d Dual: it holds one number")
        for i in range(len(self.primal)):
            yield self[i]

    # comparisons look at the value only and give boolean arrays, as a Tensor's do, so
    # ``if x > 0:`` and ``where(x > 0, ...)`` run in forward mode too
    __hash__ = object.__hash__

    def __lt__(self, other: Any) -> Any:
        return self.primal < _split(other)[0]

    def __le__(self, other: Any) -> Any:
        return self.primal <= _split(other)[0]

    def __gt__(self, other: Any) -> Any:
        return self.primal > _split(other)[0]

    def __ge__(self, other: Any) -> Any:
        return self.primal >= _split(other)[0]

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self.primal == _split(other)[0]

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self.primal != _split(other)[0]

    # -- arithmetic (product and quotient rules) -------------------------------------
    def __add__(self, other: Any) -> Dual:
        q, dq = _split(other)
        t = self.tangent if dq is None else self.tangent + dq
        p = _bin("add", np.add, self.primal, q)
        return Dual._make(p, _fit(t, p))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dual:
        q, dq = _split(other)
        t = self.tangent if dq is None else self.tangent - dq
        p = _bin("sub", np.subtract, self.primal, q)
        return Dual._make(p, _fit(t, p))

    def __rsub__(self, other: Any) -> Dual:
        p = _bin("sub", np.subtract, other, self.primal)
        return Dual._make(p, _fit(-self.tangent, p))

    def __mul__(self, other: Any) -> Dual:
        q, dq = _split(other)
        p = _bin("mul", np.multiply, self.primal, q)
        t = self.tangent * q if dq is None else self.tangent * q + self.primal * dq
        return Dual._make(p, _fit(t, p))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        q, dq = _split(other)
        p = _bin("div", np.divide, self.primal, q)
        t = self.tangent / q if dq is None else (self.tangent - p * dq) / q
        return Dual._make(p, _fit(t, p))

    def __rtruediv__(self, other: Any) -> Dual:
        p = _bin("div", np.divide, other, self.primal)
        return Dual._make(p, _fit(-p * self.tangent / self.primal, p))

    def __pow__(self, other: Any) -> Dual:
        q, dq = _split(other)
        p = _bin("pow", np.power, self.primal, q)
        with np.errstate(divide="ignore", invalid="ignore"):
            if np.ndim(q) == 0 and q == 0:  # x**0 = 1: tangent exactly 0, not 0·0^-1 = NaN
                t = np.zeros_like(self.tangent)
            elif np.ndim(q) == 0 and q == 1:
                t = self.tangent
            else:
                t = np.where(np.equal(q, 0), 0, q * self.primal ** (q - 1)) * self.tangent
            if dq is not None:  # d(a^b)/db = a^b·log a, exactly 0 where a = 0 <= b
                t = t + np.where(np.equal(self.primal, 0) & np.greater_equal(q, 0), 0,
                                 p * np.log(self.primal)) * dq
        return Dual._make(p, _fit(np.asarray(t, dtype=np.asarray(p).dtype), p))

    def __rpow__(self, other: Any) -> Dual:
        p = np.power(other, self.primal)
        return Dual._make(p, p * np.log(other) * self.tangent)

    def __neg__(self) -> Dual:
        return Dual._make(-self.primal, -self.tangent)

    def __pos__(self) -> Dual:
        return self

    def __abs__(self) -> Dual:
        return self.abs()

    def __matmul__(self, other: Any) -> Dual:
        q, dq = _split(other)
        p = _mm(self.primal, q)
        t = _mm(self.tangent, q) if dq is None else _mm(self.tangent, q) + _mm(self.primal, dq)
        return Dual._make(p, t)

    def __rmatmul__(self, other: Any) -> Dual:
        q, _ = _split(other)
        return Dual._make(_mm(q, self.primal), _mm(q, self.tangent))

    # -- structural ops: linear, so the tangent takes the same road --------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Dual:
        return Dual._make(np.sum(self.primal, axis=axis, keepdims=keepdims),
                          np.sum(self.tangent, axis=axis, keepdims=keepdims))

    def mean(self, axis: Any = None, keepdims: bool = False) -> Dual:
        return Dual._make(np.mean(self.primal, axis=axis, keepdims=keepdims),
                          np.mean(self.tangent, axis=axis, keepdims=keepdims))

    def reshape(self, *shape: Any) -> Dual:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Dual._make(np.reshape(self.primal, shape), np.reshape(self.tangent, shape))

    def flatten(self) -> Dual:
        return self.reshape(-1)

    def transpose(self, *axes: Any) -> Dual:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        axes = axes or None
        return Dual._make(np.transpose(self.primal, axes), np.transpose(self.tangent, axes))

    @property
    def T(self) -> Dual:  # noqa: N802
        return self.transpose()

    @property
    def mT(self) -> Dual:  # noqa: N802
        return Dual._make(np.swapaxes(self.primal, -1, -2), np.swapaxes(self.tangent, -1, -2))

    def broadcast_to(self, shape: tuple[int, ...]) -> Dual:
        return Dual._make(np.broadcast_to(self.primal, shape),
                          np.broadcast_to(self.tangent, shape))

    def sum_to(self, shape: tuple[int, ...]) -> Dual:
        check_sum_to(self.shape, tuple(shape), ShapeError)
        return Dual._make(np_sum_to(np.asarray(self.primal), tuple(shape)),
                          np_sum_to(np.asarray(self.tangent), tuple(shape)))

    def __getitem__(self, idx: Any) -> Dual:
        if isinstance(idx, (Tensor, Dual)):
            idx = _split(idx)[0].astype(np.intp)
        return Dual._make(np.asarray(self.primal)[idx], np.asarray(self.tangent)[idx])

    def max(self, axis: Any = None, keepdims: bool = False) -> Dual:
        return self._select(np.max, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Dual:
        return self._select(np.min, axis, keepdims)

    def _select(self, fn: Any, axis: Any, keepdims: bool) -> Dual:
        check_nonempty(fn.__name__, self.shape, axis, "Dual")
        p = fn(self.primal, axis=axis, keepdims=True)
        mask = (self.primal == p).astype(self.tangent.dtype)
        t = (mask * self.tangent).sum(axis=axis, keepdims=True) / mask.sum(axis=axis,
                                                                           keepdims=True)
        if not keepdims:
            p, t = np.squeeze(p, axis=axis), np.squeeze(t, axis=axis)
        return Dual._make(p, t)


def _fit(t: Any, p: Any) -> Any:
    return t if np.shape(t) == np.shape(p) else np.broadcast_to(t, np.shape(p))


def _bin(op: str, fn: Any, a: Any, b: Any) -> Any:
    try:
        return fn(a, b)
    except ValueError:
        raise ShapeError(f"{op}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast "
                         "together") from None


def _mm(a: Any, b: Any) -> Any:
    try:
        return np.matmul(a, b)
    except ValueError:
        raise ShapeError(f"matmul: shapes {np.shape(a)} and {np.shape(b)} do not align"
                         ) from None


def _dual_unary(r: Rule) -> Any:
    fwd, deriv = r.numpy, r.deriv

    def method(self: Dual) -> Dual:
        u = self.primal
        y = np.asarray(fwd(u), dtype=np.asarray(u).dtype)
        d = deriv(u, y, _F)
        if r.subgradient:  # the rule table's slope at a corner (relu'(0) = 0)
            d = at_corners(r, u, d)
        return Dual._make(y, (d * self.tangent).astype(y.dtype))

    method.__name__ = r.name
    return method


for _name, _r in RULES.items():
    if _name.isidentifier() and not hasattr(Dual, _name):
        setattr(Dual, _name, _dual_unary(_r))


def _on_rule(r: Rule, added: bool) -> None:
    """A function registered after import gets its Dual method (and loses it again)."""
    for n in r.names:
        if not n.isidentifier():
            continue
        if added and not hasattr(Dual, n):
            setattr(Dual, n, _dual_unary(r))
        elif not added and getattr(Dual.__dict__.get(n), "__name__", None) == r.name:
            delattr(Dual, n)


on_change(_on_rule)


# -- functions with several operands ---------------------------------------------------


def concatenate(xs: Sequence[Any], axis: int = 0) -> Dual:
    parts = [_split(x) for x in xs]
    p = np.concatenate([q for q, _ in parts], axis=axis)
    t = np.concatenate([np.zeros_like(q) if d is None else d for q, d in parts], axis=axis)
    return Dual._make(p, t)


def stack(xs: Sequence[Any], axis: int = 0) -> Dual:
    parts = [_split(x) for x in xs]
    p = np.stack([q for q, _ in parts], axis=axis)
    t = np.stack([np.zeros_like(q) if d is None else d for q, d in parts], axis=axis)
    return Dual._make(p, t)


def where(cond: Any, a: Any, b: Any) -> Dual:
    c = np.asarray(_split(cond)[0], dtype=bool)
    pa, ta = _split(a)
    pb, tb = _split(b)
    p = np.where(c, pa, pb)
    t = np.where(c, 0 if ta is None else ta, 0 if tb is None else tb)
    return Dual._make(p, _fit(np.asarray(t, dtype=np.asarray(p).dtype), p))
