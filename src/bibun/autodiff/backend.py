"""The two worlds a vjp can run in.

A vjp rule is written once, e.g. ``g * rule.deriv(u, y, B.F)`` or
``B.sum_to(g * b, a.shape)``.  ``B`` is one of:

* :data:`NUMPY` – values are raw arrays (``B.v(t)`` is ``t.data``), ``B.F.cos`` is
  ``np.cos``: the fast first-order backward pass, nothing recorded;
* :data:`TENSOR` – values are Tensors (``B.v(t)`` is ``t``), ``B.F.cos`` is
  the Tensor op: the backward pass is itself recorded, so it can be differentiated.

Both expose the same handful of functions, and arrays and Tensors share the method
names the rules use (``.sum(axis=, keepdims=)``, ``.reshape``, ``.transpose``, ``.mT``,
``@``, ``+ - * / **``).
"""

from __future__ import annotations

import operator
from types import SimpleNamespace
from typing import Any

import numpy as np

from bibun.functions import NUMPY_OPS, NumberOps, rule
from bibun.i18n import error


def np_sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes along which a value of ``shape`` was broadcast."""
    gs = g.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gs[i + lead] != 1)
    r = g.sum(axis=axes, keepdims=True) if axes else g
    if lead:
        r = r.reshape(shape)
    return r


def check_sum_to(shape: tuple[int, ...], target: tuple[int, ...], cls: type) -> None:
    """``sum_to`` needs a target the shape was broadcast from; say so in bibun's words."""
    try:
        ok = len(target) <= len(shape) and np.broadcast_shapes(target, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise error("error.autodiff.sum_to", cls, shape=shape, target=target)


def is_basic_index(idx: Any) -> bool:
    """True for ints, slices, None and Ellipsis: such an index never repeats an element."""
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def np_scatter(g: Any, idx: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The adjoint of ``x[idx]``: zeros of ``shape`` with ``g`` added at ``idx``
    (``np.add.at`` so a repeated fancy index accumulates)."""
    out = np.zeros(shape, dtype=np.result_type(g))
    if is_basic_index(idx):
        out[idx] = g
    else:
        np.add.at(out, idx, g)
    return out


def np_softmax(x: Any, axis: Any = -1) -> np.ndarray:
    """Softmax that survives ±1000 and -inf: shift by the max, treat an all -inf row as 0."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(x - m)
    s = e.sum(axis=axis, keepdims=True)
    return e / np.where(s == 0, 1, s)


def np_logsumexp(x: Any, axis: Any = -1, keepdims: bool = False) -> np.ndarray:
    # (the array's own method: NumPy's np.max wrapper costs more than the max of a batch
    # of 10 logits; the shift is replaced only where a max is not finite)
    m = x.max(axis=axis, keepdims=True) if type(x) is np.ndarray else \
        np.max(x, axis=axis, keepdims=True)
    if not np.isfinite(m).all():
        m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


NUMPY = SimpleNamespace(
    name="numpy",
    v=operator.attrgetter("data"),
    F=NUMPY_OPS,
    sum_to=np_sum_to,
    broadcast_to=np.broadcast_to,
    scatter=np_scatter,
    softmax=np_softmax,
    mT=lambda a: a.mT,
)

class TensorOps(NumberOps):
    """``F`` in the Tensor world: ``F.cos`` is the Tensor op (looked up in the live table,
    so a function registered later works), constants are plain numbers (``F.pi``)."""

    def __init__(self, unary: dict[str, Any]) -> None:
        self._unary = unary

    def __getattr__(self, name: str) -> Any:
        try:
            return self._unary[rule(name).name]
        except (KeyError, ValueError):
            raise AttributeError(name) from None


#: The Tensor world.  Its functions are Tensor ops, which live in the modules that build
#: on this one, so those fill it in as they are imported (``ops``: F, sum_to,
#: broadcast_to, scatter; ``fused``: softmax) -- no import from here goes upward.
TENSOR = SimpleNamespace(name="tensor", v=lambda t: t, mT=lambda a: a.mT)


def tensor_backend() -> SimpleNamespace:
    """The Tensor world (complete once ``bibun.autodiff`` is imported)."""
    return TENSOR
