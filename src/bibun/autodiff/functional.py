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

from bibun.autodiff.dual import Dual
from bibun.autodiff.ops import stack
from bibun.autodiff.tensor import AutodiffError, Tensor, backprop, enable_grad

Fn = Callable[..., Any]


def _argnums(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), True
    return tuple(argnums), False


def _inputs(args: Sequence[Any], nums: tuple[int, ...]) -> tuple[list[Any], bool]:
    """Make differentiable leaves for the chosen arguments.  An argument that is already
    a Tensor requiring grad comes from an outer transformation: keep it (so the result
    stays connected) and remember to record the backward pass."""
    xs = list(args)
    nested = False
    for i in nums:
        if i >= len(xs):
            raise AutodiffError(f"argnums {i} is out of range for {len(xs)} arguments")
        a = xs[i]
        if isinstance(a, Tensor) and a.requires_grad:
            nested = True
        else:
            xs[i] = Tensor(a.data if isinstance(a, Tensor) else a, requires_grad=True)
    return xs, nested


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
        with enable_grad():
            out = f(*xs)
        out = out if isinstance(out, Tensor) else Tensor(out)
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
    """The n-th derivative of a scalar function of one variable (``grad`` applied n times)."""
    for _ in range(n):
        f = grad(f)
    return f


def vjp(f: Fn, *primals: Any) -> tuple[Tensor, Fn]:
    """``out, pullback = vjp(f, x, y)``; ``pullback(ct)`` gives (ct·∂f/∂x, ct·∂f/∂y)."""
    xs, nested = _inputs(primals, tuple(range(len(primals))))
    with enable_grad():
        out = f(*xs)

    def pullback(cotangent: Any) -> tuple[Tensor, ...]:
        ct = np.asarray(cotangent.data if isinstance(cotangent, Tensor) else cotangent,
                        dtype=out.dtype)
        if ct.shape != out.shape:
            raise AutodiffError(f"vjp: cotangent of shape {ct.shape} does not match the "
                                f"output shape {out.shape}")
        return tuple(_pullback(out, xs, ct, nested))

    return out, pullback


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def jvp(f: Fn, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(x), ∂f(x)·t)`` in one pass with dual numbers."""
    if len(primals) != len(tangents):
        raise AutodiffError("jvp: give one tangent per primal")
    duals = [Dual(np.asarray(_raw(p), dtype=float) if np.asarray(_raw(p)).dtype.kind != "f"
                  else np.asarray(_raw(p)), np.asarray(_raw(t)))
             for p, t in zip(primals, tangents)]
    out = f(*duals)
    if isinstance(out, Dual):
        return out.primal, out.tangent
    value = _raw(out)
    return value, np.zeros_like(np.asarray(value))


def jacobian(f: Fn, argnums: int = 0, mode: str = "rev") -> Fn:
    """The Jacobian, shape ``out.shape + x.shape``.  ``mode="rev"``: one backward pass per
    output element; ``mode="fwd"``: one dual-number pass per input element."""
    if mode not in ("rev", "fwd"):
        raise AutodiffError(f"jacobian mode must be 'rev' or 'fwd', got {mode!r}")

    def jac_rev(*args: Any) -> Tensor:
        xs, nested = _inputs(args, (argnums,))
        x = xs[argnums]
        with enable_grad():
            out = f(*xs)
        out = out if isinstance(out, Tensor) else Tensor(out)
        rows = []
        for i in range(out.size):
            seed = np.zeros(out.size, dtype=out.dtype)
            seed[i] = 1
            rows.append(_pullback(out, [x], seed.reshape(out.shape), nested)[0])
        if nested:
            return stack(rows).reshape(out.shape + x.shape)
        return Tensor(np.stack([r.data for r in rows]).reshape(out.shape + x.shape))

    def jac_fwd(*args: Any) -> Tensor:
        x = np.asarray(_raw(args[argnums]), dtype=float)
        cols = []
        out_val = None
        for j in range(x.size):
            t = np.zeros(x.size)
            t[j] = 1
            duals = list(args)
            duals[argnums] = Dual(x, t.reshape(x.shape))
            out = f(*duals)
            out_val, tan = (out.primal, out.tangent) if isinstance(out, Dual) else \
                (np.asarray(_raw(out)), np.zeros_like(np.asarray(_raw(out))))
            cols.append(np.asarray(tan))
        shape = np.shape(out_val)
        return Tensor(np.stack(cols, axis=-1).reshape(shape + x.shape))

    return jac_rev if mode == "rev" else jac_fwd


def hessian(f: Fn, argnums: int = 0) -> Fn:
    """Second derivatives: the reverse-mode Jacobian of the gradient (reverse-over-reverse)."""
    return jacobian(grad(f, argnums), argnums, mode="rev")
