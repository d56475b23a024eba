"""The Tensor: a NumPy array that remembers how it was computed.

Define-by-run, like micrograd or PyTorch: every operation on a :class:`Tensor` that
needs a gradient returns a new Tensor holding its parents, the name of the operation
and a *vjp* function (vector-Jacobian product).  ``backward()`` walks that graph once
in reverse topological order (iteratively: a 100,000-long chain is fine) and hands each
node's gradient to its vjp, which returns the gradients of its parents: the chain rule
as a relay, each runner multiplying by its own local rate.

Every vjp is written **once**, against a tiny backend ``B`` (see :mod:`.backend`):

* ``backward()`` runs it on raw NumPy arrays: nothing is recorded, so it is fast;
* ``backward(create_graph=True)`` runs the very same code on Tensors, so the gradient
  is itself a Tensor computation that can be differentiated again (4th derivative of
  tanh, Hessians, Newton's method with the exact second derivative).

Gradients and ``backward()`` twice
----------------------------------
``backward()`` *overwrites* ``.grad`` on every node it reaches, so calling it twice
gives the same gradients, not double.  Accumulation is opt-in:
``backward(accumulate=True)`` adds into the leaves' existing ``.grad`` (how you sum the
gradients of several mini-batches).  Intermediate nodes always get the fresh gradient.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

import numpy as np

from bibun.autodiff.anomaly import AnomalyError  # noqa: F401  (re-exported)
from bibun.autodiff.anomaly import check_backward as _check_backward
from bibun.autodiff.anomaly import check_forward as _check_forward
from bibun.autodiff.axes import (  # noqa: F401  (re-exported: ops import them from here)
    AutodiffError,
    ShapeError,
    check_axis,
    check_nonempty,
    keep_shape,
    norm_axes,
    shape_error,
)
from bibun.autodiff.backend import NUMPY, TENSOR
from bibun.autodiff.sweep import assign_all as _assign_all
from bibun.autodiff.sweep import check_saved as _check_saved
from bibun.autodiff.versions import watch as _watch
from bibun.i18n import error


class ZeroDimError(ShapeError, TypeError):
    """``len()`` of, or iteration over, a 0-d tensor.  Also a TypeError, as NumPy's is,
    so code that probes for a sequence with ``try: len(x) except TypeError`` still works."""


# creation order, counting *down*: a parent always has a larger number than its children,
# so the smallest number on backprop's min-heap is the newest pending node
_next_seq = count(0, -1).__next__

# -- global switches (module globals: reading one costs ~20 ns on the hot path) ---------
_grad_enabled = True
_anomaly = False
# -- differentiation levels (see functional.py) ------------------------------------------
#: reverse-mode transformations (grad, vjp, jacobian, linearised jvp) now running: when one
#: starts inside another, its backward pass is recorded so the outer one sees through it
_rev_depth = 0
#: forward-mode (Dual) jvps now running: a transformation started inside one restarts the
#: outer one on the reverse-mode path, so tangents of two levels never mix
_fwd_depth = 0


class NeedsReverse(AutodiffError):
    """Raised inside a forward-mode (Dual) pass that cannot stay one: a transformation
    nested in it, or a Dual meeting a Tensor another transformation differentiates.
    The outermost forward-mode ``jvp`` catches it and reruns on the reverse-mode path."""


class _grad_mode:
    """Set recording to ``_enabled`` inside a ``with`` block and restore what it was on
    exit (nesting works); :class:`no_grad` and :class:`enable_grad` differ only there."""

    _enabled: bool

    def __enter__(self) -> None:
        global _grad_enabled
        self._prev = _grad_enabled
        _grad_enabled = self._enabled

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._prev


class no_grad(_grad_mode):
    """``with no_grad():`` computes values only: no parents kept, no graph built.

    Use it for evaluation and for parameter updates so they are not recorded."""

    _enabled = False


class enable_grad(_grad_mode):
    """Turn recording back on inside a ``no_grad`` block (used by the functional API)."""

    _enabled = True


class _level:
    """``with _level():`` marks a reverse-mode transformation running (nesting depth)."""

    def __enter__(self) -> None:
        global _rev_depth
        _rev_depth += 1

    def __exit__(self, *exc: object) -> None:
        global _rev_depth
        _rev_depth -= 1


class _fwd_level:
    def __enter__(self) -> None:
        global _fwd_depth
        _fwd_depth += 1

    def __exit__(self, *exc: object) -> None:
        global _fwd_depth
        _fwd_depth -= 1


def outer_active() -> bool:
    """True while a differentiation transformation is running (its function or its
    pullback): an inner one must then record its own backward pass."""
    return _rev_depth > 0


def in_forward() -> bool:
    return _fwd_depth > 0


def is_grad_enabled() -> bool:
    return _grad_enabled


class detect_anomaly:
    """``with detect_anomaly():`` checks every forward value and every backward gradient
    for NaN and raises :class:`AnomalyError` naming the first operation that produced one
    from NaN-free inputs.  Off by default because the check costs a pass over each array."""

    def __enter__(self) -> None:
        global _anomaly
        self._prev = _anomaly
        _anomaly = True

    def __exit__(self, *exc: object) -> None:
        global _anomaly
        _anomaly = self._prev


# -- the Tensor --------------------------------------------------------------------------


class Tensor:
    """An n-dimensional array of float32 or float64 with a gradient.

    ``data`` is the NumPy value (an array; a NumPy scalar for 0-d values, as NumPy's own
    operations return), ``grad`` the gradient after ``backward()`` (an array, or a Tensor
    after ``backward(create_graph=True)``), ``op`` the operation that made it ("leaf" for
    inputs), ``name`` an optional label shown in graph drawings."""

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_vjp", "_ctx", "op", "name",
                 "_seq", "_g", "_snap")
    __array_ufunc__ = None  # ``ndarray * Tensor`` defers to Tensor.__rmul__
    __hash__ = object.__hash__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None):
        if isinstance(data, Tensor):
            data = data.data
        elif type(data) in (list, tuple) and _holds_live(data):
            raise error("error.autodiff.list_of_tensors", AutodiffError)
        a = np.asarray(data, dtype=dtype)
        if a.dtype.kind in "biu":
            a = a.astype(np.float64)
        elif a.dtype.kind != "f":
            raise AutodiffError(f"Tensor needs real numbers, got dtype {a.dtype}")
        if a.ndim == 0 and type(self) is Tensor:
            a = a[()]  # a NumPy scalar, like every 0-d op result: 5x cheaper arithmetic
        self.data = a
        self.grad: Any = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._vjp: Callable[..., tuple[Any, ...]] | None = None
        self._ctx: Any = None
        self.op = "leaf"
        self.name = name
        self._seq = _next_seq()
        self._g: Any = None
        self._snap: Any = (a, None, self._seq)  # see versions.py

    # -- array-like conveniences ---------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise ZeroDimError("len() of a 0-d tensor: it holds one number (use .item())")
        return len(self.data)

    def __bool__(self) -> bool:
        """The truth of a one-element tensor; for more (or no) elements ``if t:`` would
        otherwise ask ``len(t) > 0``, a silent answer to an ambiguous question."""
        if self.data.size != 1:
            raise AutodiffError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous: use "
                "(t > 0).any() or .all() on the comparison you mean")
        return bool(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """Iterate over the first axis, like a NumPy array: ``for row in t``,
        ``a, b = t``, ``sum(t)``.  Each item is ``t[i]``, so gradients flow back."""
        if self.data.ndim == 0:
            raise ZeroDimError("iteration over a 0-d tensor: it holds one number "
                               "(use .item(), or reshape it to (1,))")
        getitem = type(self).__getitem__
        for i in range(len(self.data)):
            yield getitem(self, i)

    def item(self) -> float:
        return float(np.asarray(self.data).item())

    def __float__(self) -> float:
        return self.item()

    def numpy(self) -> np.ndarray:
        """The value as a NumPy array (no copy)."""
        return np.asarray(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = np.asarray(self.data)
        return a.astype(dtype) if dtype is not None else a

    def detach(self) -> Tensor:
        """The same value, cut from the graph."""
        return Tensor(self.data)

    def __repr__(self) -> str:
        g = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(np.asarray(self.data), precision=4, separator=", ",
                               threshold=20, edgeitems=2)
        return f"Tensor({body}{g}, op={self.op})" if self.op != "leaf" else f"Tensor({body}{g})"

    # comparisons are elementwise and give plain boolean arrays (a NumPy bool for 0-d):
    # they have no gradient.  ``==`` and ``!=`` too, so ``where(t == 2, ...)`` works; a
    # Tensor stays hashable by identity (``__hash__`` above), and dicts and sets find it
    # by identity first, so ``{t: ...}`` and ``t in {t}`` are unaffected.
    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self.data == _raw(other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self.data != _raw(other)

    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _raw(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _raw(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _raw(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _raw(other)

    # -- reverse mode ----------------------------------------------------------------
    def backward(self, grad: Any = None, *, accumulate: bool = False,
                 create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node this tensor depends on.

        ``grad`` is the seed (required unless this tensor has one element).  Gradients are
        overwritten; ``accumulate=True`` adds into leaves' existing ``.grad`` instead.
        ``create_graph=True`` records the backward pass so the gradients can be
        differentiated again."""
        if not self.requires_grad:
            raise AutodiffError(
                f"backward() on a tensor that does not require grad (op '{self.op}'): "
                "mark an input with requires_grad=True, and do not compute it under no_grad()")
        seed = _seed(self, grad)
        backprop(self, seed, create_graph=create_graph, assign=True, accumulate=accumulate)

    def zero_grad(self) -> None:
        self.grad = None


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _seed(root: Tensor, grad: Any) -> Any:
    if grad is None:
        if root.data.size != 1:
            raise AutodiffError(
                f"backward() on a non-scalar tensor of shape {root.shape} (op '{root.op}') "
                "needs a seed gradient of that shape, e.g. t.backward(np.ones(t.shape)); "
                "or reduce it to a scalar first (t.sum(), t.mean())")
        d = root.data  # (what ones_like gives for an array of one element, faster)
        if type(d) is np.ndarray:
            return np.array(1, d.dtype) if d.ndim == 0 else np.ones(d.shape, d.dtype)
        return np.ones_like(d)
    g = np.asarray(_raw(grad), dtype=root.dtype)
    if g.shape != root.shape:
        raise ShapeError(f"backward: seed gradient of shape {g.shape} does not match the "
                         f"tensor's shape {root.shape}")
    return g


_new = object.__new__
_ndarray = np.ndarray

def make_node(data: Any, parents: tuple[Tensor, ...], vjp: Callable[..., Any],
              ctx: Any, op: str) -> Tensor:
    """Wrap an op's result; keep the graph only if some parent needs a gradient."""
    t = _new(Tensor)
    t.data = data
    t.grad = None
    t.op = op
    t.name = None
    t._seq = _next_seq()
    t._g = None
    t._snap = None
    if _grad_enabled:
        for p in parents:
            if p.requires_grad:
                t.requires_grad = True
                t._parents = parents
                t._vjp = vjp
                t._ctx = ctx
                for q in parents:
                    if q.requires_grad:
                        _watch(q, t._seq)
                break
        else:
            t.requires_grad = False
            t._parents = ()
            t._vjp = None
            t._ctx = None
    else:
        t.requires_grad = False
        t._parents = ()
        t._vjp = None
        t._ctx = None
    if _anomaly:
        _check_forward(t, parents)
    return t


def make_node2(data: Any, a: Tensor, b: Tensor, vjp: Callable[..., Any], ctx: Any,
               op: str) -> Tensor:
    """:func:`make_node` for two parents (arithmetic: the scalar graphs' hot path)."""
    t = _new(Tensor)
    t.data = data
    t.grad = None
    t.op = op
    t.name = None
    t._seq = _next_seq()
    t._g = None
    t._snap = None
    if _grad_enabled and (a.requires_grad or b.requires_grad):
        if a.requires_grad:
            d = a.data
            if type(d) is _ndarray or a._snap is not None and a._snap[0] is not d:
                _watch(a, t._seq)
        if b.requires_grad:
            d = b.data
            if type(d) is _ndarray or b._snap is not None and b._snap[0] is not d:
                _watch(b, t._seq)
        t.requires_grad = True
        t._parents = (a, b)
        t._vjp = vjp
        t._ctx = ctx
    else:
        t.requires_grad = False
        t._parents = ()
        t._vjp = None
        t._ctx = None
    if _anomaly:
        _check_forward(t, (a, b))
    return t


def make_node1(data: Any, a: Tensor, vjp: Callable[..., Any], ctx: Any, op: str) -> Tensor:
    """:func:`make_node` for one parent (the common case, a little faster)."""
    t = _new(Tensor)
    t.data = data
    t.grad = None
    t.op = op
    t.name = None
    t._seq = _next_seq()
    t._g = None
    t._snap = None
    if _grad_enabled and a.requires_grad:
        d = a.data
        if type(d) is _ndarray or a._snap is not None and a._snap[0] is not d:
            _watch(a, t._seq)
        t.requires_grad = True
        t._parents = (a,)
        t._vjp = vjp
        t._ctx = ctx
    else:
        t.requires_grad = False
        t._parents = ()
        t._vjp = None
        t._ctx = None
    if _anomaly:
        _check_forward(t, (a,))
    return t


def binary_op(fn: Callable[[Any, Any], Any], vjp: Callable[..., Any], op: str,
              general: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``a <op> b`` with :func:`make_node2` written in: the hot path of scalar graphs, for
    two operands of type exactly Tensor (anything else, and a shape error, goes to
    ``general``, which gives the same node or raises).  ``_ctx`` as in ops' arithmetic."""

    def method(a: Any, b: Any) -> Any:
        if type(b) is not Tensor or type(a) is not Tensor:
            return general(a, b)
        ad_, bd = a.data, b.data
        try:
            data = fn(ad_, bd)
        except ValueError:
            return general(a, b)
        t = _new(Tensor)
        t.data = data
        t.grad = t.name = t._g = t._snap = None
        t.op = op
        t._seq = seq = _next_seq()
        ra, rb = a.requires_grad, b.requires_grad
        if _grad_enabled and (ra or rb):
            if ra and (type(ad_) is _ndarray or a._snap is not None and a._snap[0] is not ad_):
                _watch(a, seq)
            if rb and (type(bd) is _ndarray or b._snap is not None and b._snap[0] is not bd):
                _watch(b, seq)
            t.requires_grad = True
            t._parents = (a, b)
            t._vjp = vjp
            t._ctx = type(data) is not _ndarray or ad_.shape == bd.shape
        else:
            t.requires_grad = False
            t._parents = ()
            t._vjp = t._ctx = None
        if _anomaly:
            _check_forward(t, (a, b))
        return t

    method.__name__, method.__doc__ = general.__name__, general.__doc__
    method.general = general  # type: ignore[attr-defined]  (the tests compare the two)
    return method


def unary_op(fwd: Callable[[Any], Any], vjp: Callable[..., Any], ctx: Any, op: str,
             general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fwd(x)`` in x's dtype for ``x`` of type exactly Tensor (else ``general``), with
    :func:`make_node1` written in: the elementwise functions of the rule table."""

    def method(x: Any) -> Any:
        if type(x) is not Tensor:
            return general(x)
        xd = x.data
        y = fwd(xd)
        ty = type(y)
        if (ty is not type(xd) or ty is _ndarray and y.dtype is not xd.dtype) \
                and y.dtype != xd.dtype:
            y = y.astype(xd.dtype)  # step() and friends answer float64
        t = _new(Tensor)
        t.data = y
        t.grad = t.name = t._g = t._snap = None
        t.op = op
        t._seq = seq = _next_seq()
        if _grad_enabled and x.requires_grad:
            if type(xd) is _ndarray or x._snap is not None and x._snap[0] is not xd:
                _watch(x, seq)
            t.requires_grad = True
            t._parents = (x,)
            t._vjp = vjp
            t._ctx = ctx
        else:
            t.requires_grad = False
            t._parents = ()
            t._vjp = t._ctx = None
        if _anomaly:
            _check_forward(t, (x,))
        return t

    method.__name__, method.__doc__ = general.__name__, general.__doc__
    method.general = general  # type: ignore[attr-defined]  (the tests compare the two)
    return method


# -- graph traversal and the backward pass -------------------------------------------------


def backprop(root: Tensor, seed: Any, *, create_graph: bool = False,
             stop: set[int] | frozenset[int] = frozenset(), assign: bool = False,
             accumulate: bool = False) -> dict[int, Any]:
    """Run every vjp once, children before parents.  Returns ``{id(node): gradient}``
    for the leaves and the ``stop`` nodes (the inputs a functional transform asked for).

    The order comes from a heap on creation order: a node is always created after its
    parents, so popping the newest pending node means all its consumers are done and its
    gradient is complete.  This visits each node once, needs no separate topological
    sort and no recursion.  A pending gradient waits on the node itself (``_g``), which
    is cleared as soon as the node is processed.  Gradients are NumPy arrays, or Tensors
    when ``create_graph``.  With ``assign`` every node's ``.grad`` is set (``backward()``)."""
    global _grad_enabled
    if create_graph:
        B = TENSOR
        if not isinstance(seed, Tensor):
            seed = Tensor(seed)
    else:
        B = NUMPY
        if isinstance(seed, Tensor):
            seed = seed.data
    out: dict[int, Any] = {}
    # arrays a leaf's .grad must not share: the caller's seed and the other leaves' grads
    # (a pass-through vjp such as add's hands the same array to both operands), so that
    # each leaf owns its .grad: editing one in place changes no other, and an optimizer
    # can tell a fresh gradient from one it already applied by identity
    owned = {id(seed)} if assign else set()
    root._g = seed
    heap: list[tuple[int, Tensor]] = [(root._seq, root)]
    push, pop = heapq.heappush, heapq.heappop
    prev = _grad_enabled
    _grad_enabled = create_graph
    try:
        if assign and not stop and not _anomaly:  # backward(): the same loop, pared down
            _assign_all(heap, B, owned, accumulate)
        while heap:
            node = pop(heap)[1]
            g = node._g
            node._g = None
            vjp = node._vjp
            if assign:
                if vjp is None:  # a leaf: its grad belongs to the user
                    if accumulate and node.grad is not None:
                        g = node.grad + g
                    elif type(g) is np.ndarray and (not g.flags.writeable or id(g) in owned):
                        g = g.copy()  # broadcast views are read-only; shared arrays
                    owned.add(id(g))
                node.grad = g
            if vjp is None or (stop and id(node) in stop):
                out[id(node)] = g
                continue
            _check_saved(node)
            gs = vjp(node, g, B)
            if _anomaly:
                _check_backward(node, g, gs)
            for p, gp in zip(node._parents, gs):
                if gp is None or not p.requires_grad:
                    continue
                old = p._g
                if old is None:
                    p._g = gp
                    push(heap, (p._seq, p))
                else:
                    p._g = old + gp
    finally:
        _grad_enabled = prev
        for _, node in heap:  # only if a vjp raised: leave no pending gradient behind
            node._g = None
    return out


def _holds_live(x: Any) -> bool:
    """Does a (nested) list or tuple hold a Tensor that requires grad (or a Dual)?"""
    for v in x:
        if type(v) in (list, tuple):
            if _holds_live(v):
                return True
        elif getattr(v, "requires_grad", False) or hasattr(v, "tangent"):
            return True
    return False


def _stack_tree(x: Any) -> Any:
    """A (nested) list of Tensors and numbers as one Tensor on the graph."""
    from_list = STACK[0]
    return from_list([_stack_tree(v) if type(v) in (list, tuple) else v for v in x])


#: ``ops.stack`` (filled in by ops, which builds on this module)
STACK: list[Any] = [None]


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """A Tensor for ``x`` (returned unchanged if it already is one).  One policy for
    lists: a list or tuple holding Tensors that are being differentiated is stacked on
    the graph (``ad.mean([x, x + 2])`` has the right gradient); only the constructor
    ``Tensor([...])``, which makes a new leaf, refuses such a list."""
    if isinstance(x, Tensor):
        return x
    if type(x) in (list, tuple) and _holds_live(x):
        return _stack_tree(x)
    return Tensor(x, dtype=dtype)
