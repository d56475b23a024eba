"""Many backward passes at once: the rows of a Jacobian (and so a Hessian) in one sweep.

A reverse-mode Jacobian needs one backward pass per output element, each with a
one-hot seed.  The passes differ only in their seeds, and every vjp is linear in its
incoming gradient, so all of them can run together: stack the seeds along a new leading
*batch* axis and send that stack through the graph once.  Each node then receives a
gradient of shape ``(k,) + node.shape`` instead of ``node.shape``, and NumPy does the k
products of one vjp in one call: Python's per-node overhead is paid once instead of k
times (torch.func.hessian gets the same effect from ``vmap``).

Most vjps need no change for this: they are elementwise (``g * f'(u)``), and NumPy's
broadcasting lines the trailing axes up, leaving the batch axis alone.  The others only
need the batch axis kept out of their reshapes and reductions; :data:`BATCHED` lists
both kinds.  A graph holding any other vjp is not batched (:func:`backprop_batched`
returns None and the caller runs one pass per row, as before), so a vjp added later
is never run batched without having been checked.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from bibun.autodiff import corners as _corners
from bibun.autodiff import fused as _fused
from bibun.autodiff import linear as _lin
from bibun.autodiff import ops as _ops
from bibun.autodiff import pointwise as _pointwise
from bibun.autodiff import tensor as _T
from bibun.autodiff.backend import NUMPY, is_basic_index
from bibun.autodiff.tensor import Tensor, keep_shape, norm_axes
from bibun.functions import NUMPY_OPS

#: at most this many numbers per node and batch: more rows run in several sweeps, so a
#: large Jacobian never holds k copies of a large intermediate at once
BUDGET = 1 << 22


def _sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` (batch axis first) down to ``(k,) + shape``, never over the batch axis."""
    gs = g.shape
    if gs[1:] == shape:
        return g
    lead = len(gs) - 1 - len(shape)
    axes = tuple(range(1, 1 + lead)) + tuple(
        i + 1 + lead for i, s in enumerate(shape) if s == 1 and gs[i + 1 + lead] != 1)
    r = g.sum(axis=axes, keepdims=True) if axes else g
    return r.reshape(gs[:1] + shape) if lead else r


def _broadcast_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast ``g`` (batch axis first) to ``(k,) + shape``."""
    missing = len(shape) - (g.ndim - 1)
    if missing:
        g = g.reshape(g.shape[:1] + (1,) * missing + g.shape[1:])
    return np.broadcast_to(g, g.shape[:1] + shape)


#: the vjp world of a batched sweep: NumPy's, with the batch axis kept out of sum_to and
#: broadcast_to (``name`` stays "numpy": vjps that ask get plain arrays)
BATCH = SimpleNamespace(name="numpy", v=operator.attrgetter("data"), F=NUMPY_OPS,
                        sum_to=_sum_to, broadcast_to=_broadcast_to,
                        mT=lambda a: a.mT)


def _sum(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    shape = node._parents[0].data.shape
    axis, keepdims = node._ctx
    if not keepdims:
        g = g.reshape(g.shape[:1] + keep_shape(shape, axis))
    return (np.broadcast_to(g, g.shape[:1] + shape),)


def _reshape(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g.reshape(g.shape[:1] + node._parents[0].data.shape),)


def _transpose(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g.transpose((0,) + tuple(a + 1 for a in node._ctx)),)


def _matmul(node: Tensor, g: Any, B: Any) -> tuple[Any, Any]:
    a, b = node._parents
    av, bv = a.data, b.data
    ash, bsh = av.shape, bv.shape
    k = g.shape[:1]
    if len(ash) == 2 and len(bsh) == 2:
        return (g @ bv.T if a.requires_grad else None,
                av.T @ g if b.requires_grad else None)
    a2 = av.reshape((1,) + ash) if len(ash) == 1 else av
    b2 = bv.reshape(bsh + (1,)) if len(bsh) == 1 else bv
    a2s, b2s = a2.shape, b2.shape
    out2 = np.broadcast_shapes(a2s[:-2], b2s[:-2]) + (a2s[-2], b2s[-1])
    g2 = g.reshape(k + out2)
    ga = _sum_to(g2 @ b2.mT, a2s).reshape(k + ash) if a.requires_grad else None
    gb = _sum_to(a2.mT @ g2, b2s).reshape(k + bsh) if b.requires_grad else None
    return ga, gb


def _linear(node: Tensor, g: Any, B: Any) -> tuple[Any, ...]:
    x, W = node._parents[0], node._parents[1]
    out = [g @ W.data.T if x.requires_grad else None,
           x.data.T @ g if W.requires_grad else None]
    if len(node._parents) == 3:
        b = node._parents[2]
        out.append(_sum_to(g, b.data.shape) if b.requires_grad else None)
    return tuple(out)


def _index_ok(node: Tensor) -> bool:
    """An index the batch axis can be put in front of without moving axes: basic
    indexing, or one index array (NumPy moves the axes of several index arrays apart
    from each other to the front, where the batch axis is)."""
    idx = node._ctx
    return is_basic_index(idx) or isinstance(idx, np.ndarray)


def _batched_index(idx: Any) -> Any:
    return (slice(None),) + (idx if isinstance(idx, tuple) else (idx,))


def _getitem(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    idx = node._ctx
    out = np.zeros(g.shape[:1] + node._parents[0].data.shape, dtype=g.dtype)
    if is_basic_index(idx) or idx.dtype == bool:  # no element twice: assign
        out[_batched_index(idx)] = g
    else:
        np.add.at(out, _batched_index(idx), g)
    return (out,)


def _scatter(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g[_batched_index(node._ctx)],)


def _max(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    x = node._parents[0]
    axis, keepdims = node._ctx
    keep = keep_shape(x.data.shape, axis)
    mask = (x.data == np.reshape(node.data, keep)).astype(x.data.dtype)
    mask /= mask.sum(axis=axis, keepdims=True)  # ties share the gradient, as in ops
    return (g.reshape(g.shape[:1] + keep) * mask,)


def _concat(node: Tensor, g: Any, B: Any) -> tuple[Any, ...]:
    axis, sizes = node._ctx
    out, start = [], 0
    lead = (slice(None),) * (axis + 1)  # the batch axis first
    for p, n in zip(node._parents, sizes):
        out.append(g[lead + (slice(start, start + n),)] if p.requires_grad else None)
        start += n
    return tuple(out)


def _stack(node: Tensor, g: Any, B: Any) -> tuple[Any, ...]:
    lead = (slice(None),) * (node._ctx + 1)
    return tuple(g[lead + (i,)] if p.requires_grad else None
                 for i, p in enumerate(node._parents))


def _reduction(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    """A fused reduction (logsumexp, cross_entropy, bce_with_logits): its gradient ∇f is
    the same for every seed, so it is computed once on arrays and scaled by each seed,
    broadcast back over the reduced axes (all of them when ``axis`` is None)."""
    r = node._ctx
    x = node._parents[0]
    shape = x.data.shape
    keep = tuple(1 for _ in shape) if r.axis is None else keep_shape(shape, r.axis)
    d = _fused.GRADIENTS[node._vjp](x.data, r, NUMPY)
    return (g.reshape(g.shape[:1] + keep) * d,)


def _softmax(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    """softmax's symmetric Jacobian times each seed: the normalised axes shift by one."""
    axes = tuple(a + 1 for a in norm_axes(node._ctx, node.data.ndim))
    return (_fused.softmax_product(node.data, g, axes),)


#: vjps that run batched only for some nodes: vjp -> does this node's run batched?
CHECKS: dict[Callable[..., Any], Callable[[Tensor], bool]] = {
    _ops._vjp_getitem: _index_ok, _ops._vjp_scatter: _index_ok}


def _table() -> dict[Callable[..., Any], Callable[..., Any]]:
    """vjp -> the function to run in a batched sweep (the vjp itself where it is
    elementwise or goes through ``B.sum_to``/``B.broadcast_to`` only)."""
    same = [
        _ops._vjp_pass, _ops._vjp_neg, _ops._vjp_mul_c, _ops._vjp_div_c, _ops._vjp_rdiv_c,
        _ops._vjp_pow_c, _ops._vjp_rpow_c, _ops._vjp_add, _ops._vjp_sub, _ops._vjp_mul,
        _ops._vjp_div, _ops._vjp_pow, _ops._vjp_rule, _ops._vjp_broadcast_to,
        _ops._vjp_sum_to, _ops._vjp_where, _corners.vjp_with_corners, _pointwise._vjp_pick,
        _pointwise._vjp_zero,
    ]
    table: dict[Callable[..., Any], Callable[..., Any]] = {f: f for f in same}
    table.update({_ops._vjp_sum: _sum, _ops._vjp_reshape: _reshape,
                  _ops._vjp_transpose: _transpose, _ops._vjp_matmul: _matmul,
                  _lin._vjp_linear: _linear, _ops._vjp_getitem: _getitem,
                  _ops._vjp_scatter: _scatter, _ops._vjp_max: _max,
                  _ops._vjp_concat: _concat, _ops._vjp_stack: _stack,
                  _fused._softmax_vjp: _softmax})
    table.update(dict.fromkeys(_fused.GRADIENTS, _reduction))
    return table


BATCHED = _table()


def _plan(root: Tensor, stop: set[int]) -> int | None:
    """The largest node size in the part of the graph a sweep visits, or None if a node
    there has a vjp without a batched form."""
    biggest = 0
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        biggest = max(biggest, node.data.size)
        vjp = node._vjp
        if vjp is None or id(node) in stop:
            continue
        if vjp not in BATCHED:
            return None
        check = CHECKS.get(vjp)
        if check is not None and not check(node):
            return None
        todo.extend(p for p in node._parents if p.requires_grad)
    return biggest


def backprop_batched(root: Tensor, seeds: np.ndarray, stop: set[int]
                     ) -> dict[int, np.ndarray] | None:
    """``{id(node): gradients}`` for the ``stop`` nodes and the leaves, each of shape
    ``(k,) + node.shape``: row i is what :func:`bibun.autodiff.tensor.backprop` gives
    for the seed ``seeds[i]``.  None when the graph holds a vjp without a batched form
    (or detect_anomaly is on): then run the passes one by one."""
    if _T._anomaly:
        return None
    biggest = _plan(root, stop)
    if biggest is None:
        return None
    k = len(seeds)
    chunk = max(1, BUDGET // max(1, biggest))
    if chunk < k:
        parts = [_sweep(root, seeds[i:i + chunk], stop) for i in range(0, k, chunk)]
        if any(p is None for p in parts):
            return None
        # the same graph, so every sweep reaches the same nodes
        return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    return _sweep(root, seeds, stop)


def _sweep(root: Tensor, seeds: np.ndarray, stop: set[int]) -> dict[int, np.ndarray] | None:
    """One backward pass carrying all ``seeds`` (the loop of ``backprop``, batched).
    None if a gradient comes back without its batch axis (a safety net: every vjp in
    :data:`BATCHED` keeps it, and a wrong shape must never pass for a right one)."""
    out: dict[int, np.ndarray] = {}
    pending: dict[int, Any] = {id(root): seeds}
    heap: list[tuple[int, int, Tensor]] = [(root._seq, id(root), root)]
    push, pop = heapq.heappush, heapq.heappop
    with _T.no_grad():
        while heap:
            node = pop(heap)[2]
            g = pending.pop(id(node))
            vjp = node._vjp
            if vjp is None or id(node) in stop:
                out[id(node)] = g
                continue
            gs = BATCHED[vjp](node, g, BATCH)
            for p, gp in zip(node._parents, gs):
                if gp is None or not p.requires_grad:
                    continue
                if gp.shape != g.shape[:1] + p.data.shape:
                    return None
                key = id(p)
                old = pending.get(key)
                if old is None:
                    pending[key] = gp
                    push(heap, (p._seq, key, p))
                else:
                    pending[key] = old + gp
    return out
