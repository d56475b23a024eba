"""Function transformations: grad, value_and_grad, vjp, jvp, jacobian, hessian.

These take a Python function built from Tensor operations and return a new function,
as in JAX.  They compose: ``grad(grad(f))`` is the second derivative, because when
``grad(f)`` is called with a Tensor that is itself being differentiated it records its
backward pass (``create_graph``) instead of returning bare numbers.

* reverse mode (``grad``, ``vjp``, ``jacobian(mode="rev")``, ``hessian``): one backward
  pass per output element; cheap when there are few outputs (a loss).
* forward mode (``jvp``, ``jacobian(mode="fwd")``): dual numbers, one pass per input
  direction; cheap when there are few inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bibun.autodiff import jet as _jet
from bibun.autodiff import tensor as _T
from bibun.autodiff.batched import BATCHED, backprop_batched
from bibun.autodiff.dual import Dual
from bibun.autodiff.ops import stack
from bibun.autodiff.tensor import (
    AutodiffError,
    NeedsReverse,
    Tensor,
    _fwd_level,
    _level,
    backprop,
    enable_grad,
)
from bibun.i18n import error

Fn = Callable[..., Any]


def _argnums(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), True
    return tuple(argnums), False


def _vjp_input(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    return (g,)


BATCHED[_vjp_input] = _vjp_input  # a pass-through: batched sweeps run it as it is


def _level_input(a: Tensor) -> Tensor:
    """This level's own variable for a value an outer level differentiates: a new node
    whose parent is ``a``.  The inner backward pass stops at it, so a closure over the
    outer variable is a constant to the inner derivative (no perturbation confusion),
    while the outer backward pass goes through it to ``a``."""
    t = Tensor(a.data, requires_grad=True)
    t._parents, t._vjp, t.op = (a,), _vjp_input, "input"
    return t


def _inputs(args: Sequence[Any], nums: Sequence[int], who: str = "grad"
            ) -> tuple[list[Any], bool]:
    """Make this level's differentiable variables for the chosen arguments, and say
    whether the backward pass must be recorded: when another transformation is running
    (an outer grad, jacobian, vjp or jvp, perhaps through a closure) or an argument is
    already being differentiated."""
    if _T._fwd_depth:  # inside a forward-mode pass: the outer jvp restarts in reverse
        raise error("error.autodiff.dual_into_reverse", NeedsReverse, who="jvp")
    xs = list(args)
    nested = _T._rev_depth > 0
    for a in xs:
        if isinstance(a, Dual):
            raise error("error.autodiff.dual_into_reverse", NeedsReverse, who=who)
    for i in nums:
        if not -len(xs) <= i < len(xs):
            raise AutodiffError(f"argnums {i} is out of range for {len(xs)} arguments")
        a = xs[i]
        if isinstance(a, Tensor) and a.requires_grad:
            nested = True
            xs[i] = _level_input(a)
        else:
            xs[i] = Tensor(a.data if isinstance(a, Tensor) else a, requires_grad=True)
    return xs, nested


def _graph_output(out: Any, who: str) -> Tensor:
    """The function's result, which must be a Tensor.  A Python or NumPy number means
    the computation left the graph (``math.sin(x)``, ``float(x)``, ``x.item()``,
    ``np.sin(x.data)``): its gradient would be a silent 0, so refuse it."""
    if isinstance(out, Tensor):
        return out
    if isinstance(out, Dual):
        raise AutodiffError(f"{who}: the function returned a forward-mode Dual; use jvp() "
                            "or jacobian(mode='fwd') for Duals")
    if isinstance(out, _PLAIN):
        raise _left_the_graph(who, out, "a Tensor")
    raise AutodiffError(f"{who}: the function must return a Tensor, got {type(out).__name__}")


#: what a function returns when its computation left the graph
_PLAIN = (int, float, complex, np.number, np.ndarray, bool, np.bool_)


def _left_the_graph(who: str, out: Any, expected: str) -> AutodiffError:
    return AutodiffError(
        f"{who}: the function returned a plain {type(out).__name__} ({out!r:.40}), not "
        f"{expected}: the computation left the graph (math.sin(x), float(x), x.item() or "
        "NumPy on x.data give plain numbers, whose derivative cannot be traced), so its "
        "derivative would silently be 0. Use the bibun.autodiff functions (ad.sin(x), "
        "x * x, x.sum(), ...); if the function really is constant, return ad.Tensor(value)")


def _zeros_like(x: Tensor) -> Tensor:
    return Tensor(np.zeros_like(x.data))


def _as_result(g: Any, x: Tensor) -> Tensor:
    if g is None:
        return _zeros_like(x)
    return g if isinstance(g, Tensor) else Tensor(g)


def _pullback(out: Tensor, xs: list[Tensor], seed: Any, nested: bool) -> list[Tensor]:
    if not out.requires_grad:
        return [_zeros_like(x) for x in xs]
    grads = backprop(out, seed, create_graph=nested, stop={id(x) for x in xs})
    return [_as_result(grads.get(id(x)), x) for x in xs]


def value_and_grad(f: Fn, argnums: int | Sequence[int] = 0) -> Fn:
    """``value_and_grad(f)(*args) -> (f(*args), ∂f/∂args[argnums])`` for scalar ``f``."""
    nums, single = _argnums(argnums)

    def vg(*args: Any) -> tuple[Tensor, Any]:
        xs, nested = _inputs(args, nums)
        with _level():
            with enable_grad():
                out = _graph_output(f(*xs), "grad")
            if out.size != 1:
                raise AutodiffError(
                    f"grad needs a function with a scalar output, got shape {out.shape}: "
                    "use jacobian() or vjp() for vector outputs")
            gs = _pullback(out, [xs[i] for i in nums], np.ones_like(out.data), nested)
        return out, (gs[0] if single else tuple(gs))

    vg.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return vg


def grad(f: Fn, argnums: int | Sequence[int] = 0) -> Fn:
    """``grad(f)`` is the function x ↦ ∇f(x).  Nest it for higher derivatives:
    ``grad(grad(grad(grad(tanh))))(x)`` is tanh''''(x)."""
    vg = value_and_grad(f, argnums)

    def g(*args: Any) -> Any:
        return vg(*args)[1]

    g.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return g


def derivative(f: Fn, n: int = 1) -> Fn:
    """The n-th derivative of a scalar function of one variable: ``grad`` applied n times.

    For n ≥ 2 at a float64 number, outside any other transformation, it is computed in
    Taylor mode instead (:mod:`.jet`: one pass of a degree-n Taylor series through ``f``,
    about 10× faster than four nested reverse passes for tanh⁗), with the same rule-table
    derivatives.  Whatever Taylor mode is not sure of (arrays, float32, corners, ops it
    does not know) goes the nested way, so ``f`` may then be called twice."""
    nested = f
    for _ in range(n):
        nested = grad(nested)
    if n < 2:
        return nested

    def dn(*args: Any) -> Any:
        x = args[0] if args else None
        if isinstance(x, Tensor) and not x.requires_grad:
            x = x.data
        if not _T._rev_depth and not _T._fwd_depth and _jet.scalar_input(x):
            try:
                value = _jet.taylor_derivative(f, n, x, args[1:])
            except Exception:  # noqa: BLE001  (not sure: the nested passes decide, or raise)
                pass
            else:
                return Tensor(np.float64(value))
        return nested(*args)

    dn.__name__ = f"derivative({getattr(f, '__name__', 'f')}, {n})"
    return dn


def vjp(f: Fn, *primals: Any) -> tuple[Tensor, Fn]:
    """``out, pullback = vjp(f, x, y)``; ``pullback(ct)`` gives (ct·∂f/∂x, ct·∂f/∂y)."""
    xs, nested = _inputs(primals, tuple(range(len(primals))), "vjp")
    with _level(), enable_grad():
        out = _graph_output(f(*xs), "vjp")

    def pullback(cotangent: Any) -> tuple[Tensor, ...]:
        """The pullback is linear in the cotangent and differentiable in it (and, when
        recorded, in the primals): a Tensor cotangent that is being differentiated stays
        on the graph."""
        if isinstance(cotangent, Dual):
            raise error("error.autodiff.dual_into_reverse", NeedsReverse, who="jvp")
        live = isinstance(cotangent, Tensor) and cotangent.requires_grad
        ct = np.asarray(cotangent.data if isinstance(cotangent, Tensor) else cotangent,
                        dtype=out.dtype)
        if ct.shape != out.shape:
            raise AutodiffError(f"vjp: cotangent of shape {ct.shape} does not match the "
                                f"output shape {out.shape}")
        record = nested or live or _T._rev_depth > 0
        seed = cotangent if live else ct
        if live and cotangent.dtype != out.dtype:
            seed = cotangent * np.ones((), dtype=out.dtype)
        with _level():
            return tuple(_pullback(out, xs, seed, record))

    return out, pullback


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _float_array(x: Any) -> np.ndarray:
    """A float array for an input: float32 and float64 stay, anything else is float64."""
    a = np.asarray(_raw(x))
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _dual_output(out: Any, who: str) -> tuple[Any, Any]:
    """(value, tangent) of a forward-mode result.  A Tensor that does not depend on the
    input has tangent 0; a plain Python/NumPy number or array is refused as in reverse
    mode (the computation left the graph)."""
    if isinstance(out, Dual):
        return out.primal, out.tangent
    if isinstance(out, Tensor):
        value = out.data
        return value, np.zeros_like(np.asarray(value))
    if isinstance(out, _PLAIN):
        raise _left_the_graph(who, out, "a Dual")
    raise AutodiffError(f"{who}: the function must return a Dual or a Tensor, "
                        f"got {type(out).__name__}")


def _linearize(f: Fn, primals: Sequence[Any], who: str) -> tuple[Tensor, Fn, bool]:
    """Forward mode built from reverse mode, for nesting: ``(out, push, nested)`` where
    ``push(tangents)`` is ∂f·t.  The backward pass of ``f`` is recorded with a stand-in
    cotangent ``u``, giving ``uᵀJ`` as a Tensor computation linear in ``u``; the gradient
    of ``Σ (uᵀJ)·t`` with respect to ``u`` is ``J·t``.  Everything stays a Tensor graph,
    so any mix of grad, jvp, vjp and jacobian nests, and closures over outer variables
    differentiate correctly (each level has its own variables: see :func:`_inputs`)."""
    xs, nested = _inputs(primals, tuple(range(len(primals))), who)
    with _level():
        with enable_grad():
            out = _graph_output(f(*xs), who)
        u = Tensor(np.zeros_like(np.asarray(out.data)), requires_grad=True)
        gs: list[Any] = [None] * len(xs)
        if out.requires_grad:
            got = backprop(out, u, create_graph=True, stop={id(x) for x in xs})
            gs = [got.get(id(x)) for x in xs]

    def push(tangents: Sequence[Any]) -> Any:
        s: Any = None  # (callers pass one tangent per primal)
        live = False
        for x, g, t in zip(xs, gs, tangents):
            if isinstance(t, Dual):
                raise error("error.autodiff.dual_into_reverse", NeedsReverse, who="jvp")
            tt = t if isinstance(t, Tensor) else Tensor(np.asarray(t, dtype=x.dtype))
            if tt.shape != x.shape:
                raise error("error.autodiff.tangent_shape", AutodiffError, who=who,
                            tangent=tt.shape, primal=x.shape)
            live = live or tt.requires_grad
            if isinstance(g, Tensor) and g.requires_grad:
                with enable_grad():
                    term = (g * tt).sum()
                s = term if s is None else s + term
        record = nested or live or _T._rev_depth > 0
        if s is None or not s.requires_grad:
            z = np.zeros_like(np.asarray(out.data))
            return Tensor(z) if record else z
        with _level():
            got = backprop(s, np.ones_like(s.data), create_graph=record, stop={id(u)})
        r = got.get(id(u))
        if r is None:
            r = np.zeros_like(np.asarray(out.data))
        if record:
            return r if isinstance(r, Tensor) else Tensor(r)
        return np.asarray(r.data if isinstance(r, Tensor) else r)

    return out, push, nested


def _must_linearize(values: Sequence[Any]) -> bool:
    """Forward mode runs on Duals unless it is nested: inside another transformation, or
    given values that another transformation differentiates (or Duals of an outer jvp)."""
    if _T._fwd_depth:
        raise error("error.autodiff.dual_into_reverse", NeedsReverse, who="jvp")
    return _T._rev_depth > 0 or any(
        isinstance(v, Dual) or (isinstance(v, Tensor) and v.requires_grad) for v in values)


def jvp(f: Fn, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(x), ∂f(x)·t)``.  On its own it is one pass with dual numbers
    (arrays come back).  Nested with other transformations (``jvp(grad(f), ...)``,
    ``grad`` of a ``jvp``, ``jvp`` of ``jvp``, closures over an outer variable) it is
    computed from reverse mode on the Tensor graph and gives Tensors an outer level can
    differentiate; ``f`` may then be called twice (once on Duals, once on Tensors)."""
    primals, tangents = list(primals), list(tangents)
    if len(primals) != len(tangents):
        raise AutodiffError("jvp: give one tangent per primal")
    if not _must_linearize(primals + tangents):
        try:
            with _fwd_level():
                duals = [Dual(_float_array(p), np.asarray(_raw(t)))
                         for p, t in zip(primals, tangents)]
                return _dual_output(f(*duals), "jvp")
        except NeedsReverse:
            if _T._fwd_depth:
                raise
    out, push, nested = _linearize(f, primals, "jvp")
    tan = push(tangents)
    if isinstance(tan, Tensor):
        return out, tan
    return out.data, tan


def hvp(f: Fn, x: Any, v: Any) -> Any:
    """Hessian-vector product ``∇²f(x)·v`` of a scalar ``f`` by forward-over-reverse
    (``jvp(grad(f), (x,), (v,))``): one gradient pass recorded, then one more pass,
    without forming the Hessian."""
    return jvp(grad(f), [x], [v])[1]


def jacobian(f: Fn, argnums: int | Sequence[int] = 0, mode: str = "rev") -> Fn:
    """The Jacobian, shape ``out.shape + x.shape``, in the input's dtype.
    ``mode="rev"``: one backward pass per output element, all run as one batched sweep
    when the graph allows (:mod:`.batched`); ``mode="fwd"``: one dual-number pass per
    input element.  ``argnums`` a tuple gives a tuple of Jacobians, one per
    argument (as in JAX)."""
    if mode not in ("rev", "fwd"):
        raise AutodiffError(f"jacobian mode must be 'rev' or 'fwd', got {mode!r}")
    nums, single = _argnums(argnums)
    for i in nums:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise AutodiffError(f"jacobian: argnums must be an int or a tuple of ints, "
                                f"got {argnums!r}")

    def jac_rev(*args: Any) -> Any:
        xs, nested = _inputs(args, nums, "jacobian")
        wrt = [xs[i] for i in nums]
        per_input: list[list[Tensor]] = [[] for _ in wrt]
        with _level():
            with enable_grad():
                out = _graph_output(f(*xs), "jacobian")
            batch = _rows_at_once(out, wrt) if not nested else None
            if batch is not None:
                return _pick([Tensor(b.reshape(out.shape + x.shape))
                              for b, x in zip(batch, wrt)])
            for i in range(out.size):
                seed = np.zeros(out.size, dtype=out.dtype)
                seed[i] = 1
                for rows, g in zip(per_input, _pullback(out, wrt, seed.reshape(out.shape),
                                                        nested)):
                    rows.append(g)
        jacs = []
        for x, rows in zip(wrt, per_input):
            shape = out.shape + x.shape
            if not rows:  # an empty output: the Jacobian has no elements
                jacs.append(Tensor(np.zeros(shape, dtype=np.result_type(out.dtype,
                                                                         x.dtype))))
            elif nested:
                jacs.append(stack(rows).reshape(shape))
            else:
                jacs.append(Tensor(np.stack([r.data for r in rows]).reshape(shape)))
        return jacs[0] if single else tuple(jacs)

    def jac_lin(args: Sequence[Any], k: int) -> Any:
        """One argument's forward Jacobian from the linearisation (nested use)."""
        def fk(xk: Any) -> Any:
            a = list(args)
            a[k] = xk
            return f(*a)
        out, push, nested = _linearize(fk, [args[k]], "jacobian")
        x = np.asarray(_raw(args[k]))
        x = x if x.dtype.kind == "f" else x.astype(np.float64)
        shape = out.shape + x.shape
        cols = []
        for j in range(x.size):
            t = np.zeros(x.size, dtype=x.dtype)
            t[j] = 1
            cols.append(push([t.reshape(x.shape)]))
        if not cols:
            z = np.zeros(shape, dtype=np.result_type(out.dtype, x.dtype))
            return Tensor(z)
        if nested or any(isinstance(c, Tensor) for c in cols):
            return stack([c if isinstance(c, Tensor) else Tensor(c) for c in cols],
                         axis=-1).reshape(shape)
        return Tensor(np.stack(cols, axis=-1).reshape(shape))

    def jac_fwd(*args: Any) -> Any:
        for i in nums:
            if not -len(args) <= i < len(args):
                raise AutodiffError(f"argnums {i} is out of range for {len(args)} arguments")
        if _must_linearize(args):
            return _pick([jac_lin(args, k) for k in nums])
        try:
            with _fwd_level():
                return _pick([jac_dual(args, k) for k in nums])
        except NeedsReverse:
            if _T._fwd_depth:
                raise
        return _pick([jac_lin(args, k) for k in nums])

    def _pick(jacs: list[Any]) -> Any:
        return jacs[0] if single else tuple(jacs)

    def jac_dual(args: Sequence[Any], k: int) -> Any:
        x = _float_array(args[k])
        cols = []
        out_val: Any = None
        # one pass per input element; an empty input still runs once (zero tangent)
        # so that the Jacobian gets its shape out.shape + (0,)
        for j in range(x.size or 1):
            t = np.zeros(x.size, dtype=x.dtype)
            if x.size:
                t[j] = 1
            duals = list(args)
            duals[k] = Dual(x, t.reshape(x.shape))
            out_val, tan = _dual_output(f(*duals), "jacobian")
            if x.size:
                cols.append(np.asarray(tan))
        shape = np.shape(out_val) + x.shape
        dtype = np.result_type(np.asarray(out_val).dtype, x.dtype)
        if not cols:
            return Tensor(np.zeros(shape, dtype=dtype))
        return Tensor(np.stack(cols, axis=-1).reshape(shape).astype(dtype, copy=False))

    return jac_rev if mode == "rev" else jac_fwd


def _rows_at_once(out: Tensor, wrt: list[Tensor]) -> list[np.ndarray] | None:
    """Every row of the Jacobian of ``out`` in one batched backward sweep (see
    :mod:`.batched`); None when the graph has an op without a batched vjp."""
    if not out.requires_grad or out.size < 2:
        return None
    seeds = np.eye(out.size, dtype=out.dtype).reshape((out.size,) + out.shape)
    got = backprop_batched(out, seeds, {id(x) for x in wrt})
    if got is None:
        return None
    rows = []
    for x in wrt:
        g = got.get(id(x))
        if g is None:
            g = np.zeros((out.size,) + x.shape, dtype=x.dtype)
        elif not (g.flags.writeable and g.flags.owndata):
            g = np.array(g)  # a broadcast view (sum's vjp): the Jacobian gets its own array
        rows.append(g)
    return rows


def hessian(f: Fn, argnums: int = 0, mode: str = "rev") -> Fn:
    """Second derivatives with respect to one argument.  ``mode="rev"`` (default):
    reverse-over-reverse, one recorded gradient pass, then all its rows in one batched
    backward sweep over it (:mod:`.batched`; one pass per row where an op has no batched
    vjp); ``mode="fwd"``: forward-over-reverse, the forward Jacobian of the gradient.
    Both give the same matrix (tests check it).  Reverse is the default because bibun's
    forward mode over a reverse pass is itself built from reverse mode (``_linearize``:
    each column is a backward pass through the gradient's own backward pass), not
    batched; a 100-variable Hessian takes about a millisecond in reverse mode
    (``python -m bench.autodiff_targets``).  For mixed second derivatives nest
    ``jacobian(grad(f, i), j)``; for H·v use :func:`hvp`."""
    if isinstance(argnums, bool) or not isinstance(argnums, (int, np.integer)):
        raise AutodiffError(f"hessian: argnums must be one int (the Hessian with respect "
                            f"to one argument), got {argnums!r}; for mixed second "
                            "derivatives nest jacobian(grad(f, i), j)")
    return jacobian(grad(f, argnums), argnums, mode=mode)
