"""The loop of ``backward()``: every vjp once, newest node first, each node's ``.grad`` set.

:func:`bibun.autodiff.tensor.backprop` serves every caller (stop nodes for the functional
transforms, recorded passes, anomaly checks); plain ``backward()`` — the training step and
the scalar graph — runs :func:`assign_all`, the same loop without the branches it does
not need.  Order: a node is processed only when every consumer has been, which creation
order guarantees (a parent is always older than its children), so pending nodes wait on a
heap keyed by their creation number, newest first.  A parent that becomes pending and is
newer than everything on the heap is the next node anyway, so it is taken directly: a
chain, the common shape, never touches the heap.  One- and two-parent nodes (elementwise
functions, arithmetic: nearly every node of a scalar graph) have their parent loop written
out, and the vjps of add, mul and the rule table's elementwise functions are written in
(:data:`INLINE`) when gradients are arrays; with three or more parents the newest pending
one (a layer's input, not its weights) is taken next, and parents that are leaves (a
layer's weights and bias) wait in a list until the end instead of on the heap (a leaf has
no parents, so its turn does not matter).  Measured on
``bench.autodiff_targets``' scalar graph (300 ops), forward and backward together took 0.77×
the time of the general loop; the written-in vjps and nodes (this module and
:func:`.tensor.binary_op`) then took it from 1.12× to 0.94× of micrograd's time (medians
of nine and ten alternating runs of the benchmark; runs 1.09–1.15 and 0.93–1.00).
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from bibun.autodiff.axes import AutodiffError
from bibun.autodiff.versions import changed_parent
from bibun.i18n import error


def check_saved(node: Any) -> None:
    """Before ``node``'s vjp runs: refuse if a tensor it read in the forward pass has
    changed since (PyTorch's version counters do the same job)."""
    p = changed_parent(node)
    if p is not None:
        raise error("error.autodiff.changed_after_forward", AutodiffError,
                    label=f" '{p.name}'" if p.name else "", shape=p.shape, op=node.op)


#: vjps :func:`assign_all` runs written in when gradients are arrays (``B`` is the NumPy
#: backend): ``"add"``, ``"mul"`` and ``"rule"`` (an elementwise function of the rule
#: table), filled in by :mod:`.ops`, and ``"numpy"``, the backend.  Each written-in copy
#: does what the function does (``tests/test_autodiff_fast_paths.py`` compares them)
#: minus a function call and a tuple per node.
INLINE: dict[str, Any] = {}
_NOT_A_VJP = object()


def assign_all(heap: list[tuple[int, Any]], B: Any, owned: set[int],
               accumulate: bool) -> None:
    """``backward()``'s pass (every node's ``.grad`` set, no stop nodes, no anomaly
    checks).  A leaf's gradient is copied when it is a read-only broadcast view or an
    array another leaf or the seed already owns (``owned``), so each leaf owns its
    ``.grad``; ``accumulate`` adds into the leaves' existing ``.grad``.  A snapshot that
    does not match (see :mod:`.versions`) is checked in full and refused.  Pops from
    ``heap`` in place, and a node held outside the heap has its pending gradient cleared
    before an error leaves, so on an error the caller can clear what is pending.

    A leaf reached from a node of three or more parents (a layer's weights and bias)
    waits in a list, not on the heap: it has no parents, so when it is done does not
    matter as long as it is after every consumer, and the end of the pass is."""
    leaves: list[Any] = []
    try:
        _sweep(heap, B, owned, accumulate, leaves)
        for node in leaves:
            g = node._g
            node._g = None
            _leaf_grad(node, g, owned, accumulate)
    except BaseException:
        for node in leaves:
            node._g = None
        raise


def _leaf_grad(node: Any, g: Any, owned: set[int], accumulate: bool) -> None:
    """A leaf's ``.grad`` from its gradient ``g``: added to the one it has (accumulate),
    or copied when read-only or owned by another leaf or the seed (see assign_all)."""
    if accumulate and node.grad is not None:
        g = node.grad + g
    elif type(g) is np.ndarray and (not g.flags.writeable or id(g) in owned):
        g = g.copy()
    owned.add(id(g))
    node.grad = g


def _sweep(heap: list[tuple[int, Any]], B: Any, owned: set[int], accumulate: bool,
           leaves: list[Any]) -> None:
    """The loop of :func:`assign_all`, leaves from wide nodes set aside in ``leaves``."""
    push, pop, ndarray = heapq.heappush, heapq.heappop, np.ndarray
    if not heap:
        return
    if B is INLINE.get("numpy"):
        vadd, vmul, vrule, F = INLINE["add"], INLINE["mul"], INLINE["rule"], INLINE["F"]
    else:  # gradients recorded as Tensors: every vjp runs as written
        vadd = vmul = vrule = F = _NOT_A_VJP
    node = pop(heap)[1]
    while True:
        g = node._g
        node._g = None
        vjp = node._vjp
        if vjp is None:
            _leaf_grad(node, g, owned, accumulate)
        else:
            node.grad = g
            ps = node._parents
            n = len(ps)
            try:
                if vjp is vrule:  # ops._vjp_rule on arrays
                    u, y = ps[0].data, node.data
                    d = node._ctx.deriv(u, y, F)
                    if type(d) is ndarray and type(g) is ndarray and d.dtype is g.dtype \
                            and d.shape == g.shape and d.flags.owndata and d.flags.writeable \
                            and d is not y and d is not u:
                        d *= g
                        gs, gp = None, d
                    else:
                        r = g * d
                        tr = type(r)  # (never a Tensor here: g and d are NumPy values)
                        if (tr is not type(g) or tr is ndarray and r.dtype is not g.dtype) \
                                and r.dtype != g.dtype:
                            r = r.astype(g.dtype)
                        gs, gp = None, r
                elif vjp is vmul and node._ctx:  # ops._vjp_mul, same shapes
                    a, b = ps
                    gs = None
                    ga = g * b.data if a.requires_grad else None
                    gb = g * a.data if b.requires_grad else None
                elif vjp is vadd and node._ctx:  # ops._vjp_add, same shapes
                    a, b = ps
                    gs = None
                    ga = g if a.requires_grad else None
                    gb = g if b.requires_grad else None
                else:
                    gs = vjp(node, g, B)
            except Exception:
                check_saved(node)
                raise
            if n == 1:
                p = ps[0]
                if gs is not None:  # (else gp was computed in place of the vjp)
                    gp = gs[0]
                if gp is not None and p.requires_grad:
                    s = p._snap
                    if s is not None and (s[0] is not p.data or node._seq > s[2] or s[1]
                                          is not None and s[1] != p.data.tobytes()):
                        check_saved(node)  # (changed_parent's test for p: this raises)
                    old = p._g
                    if old is None:
                        p._g = gp
                        if not heap or p._seq < heap[0][0]:
                            node = p
                            continue
                        push(heap, (p._seq, p))
                    else:
                        p._g = old + gp
            elif n == 2:
                seq = node._seq
                nxt = None
                checked = False  # check_saved looks at every parent: once per node is enough
                if gs is not None:  # (else ga and gb were computed in place of the vjp)
                    a, b = ps
                    ga, gb = gs
                if ga is not None and a.requires_grad:
                    s = a._snap
                    if s is not None and (s[0] is not a.data or s[1] is not None
                                          or seq > s[2]):
                        check_saved(node)
                        checked = True
                    old = a._g
                    if old is None:
                        a._g = ga
                        nxt = a
                    else:
                        a._g = old + ga
                if gb is not None and b.requires_grad:
                    s = b._snap
                    if not checked and s is not None and (s[0] is not b.data or s[1] is not None
                                                          or seq > s[2]):
                        try:
                            check_saved(node)
                        except AutodiffError:
                            if nxt is not None:
                                nxt._g = None
                            raise
                    old = b._g
                    if old is None:
                        b._g = gb
                        if nxt is None:
                            nxt = b
                        elif b._seq < nxt._seq:  # the newer one goes next
                            push(heap, (nxt._seq, nxt))
                            nxt = b
                        else:
                            push(heap, (b._seq, b))
                    else:
                        b._g = old + gb
                if nxt is not None:
                    if not heap or nxt._seq < heap[0][0]:
                        node = nxt
                        continue
                    push(heap, (nxt._seq, nxt))
            else:
                seq = node._seq
                nxt = None
                checked = False
                for p, gp in zip(ps, gs):
                    if gp is not None and p.requires_grad:
                        s = p._snap
                        if not checked and s is not None and (
                                s[0] is not p.data or s[1] is not None or seq > s[2]):
                            try:  # (every parent, those without a gradient too)
                                check_saved(node)
                            except AutodiffError:
                                if nxt is not None:
                                    nxt._g = None
                                raise
                            checked = True
                        old = p._g
                        if old is None:
                            p._g = gp
                            if p._vjp is None:  # a leaf (a layer's weights): no parents,
                                leaves.append(p)  # so no order: it waits off the heap
                            elif nxt is None:
                                nxt = p
                            elif p._seq < nxt._seq:  # the newest goes next (a layer's input,
                                push(heap, (nxt._seq, nxt))  # not its weights)
                                nxt = p
                            else:
                                push(heap, (p._seq, p))
                        else:
                            p._g = old + gp
                if nxt is not None:
                    if not heap or nxt._seq < heap[0][0]:
                        node = nxt
                        continue
                    push(heap, (nxt._seq, nxt))
        if not heap:
            return
        node = pop(heap)[1]
