"""einsum, tensordot, vmap, tensor factories and dtype casts.

``einsum`` and ``tensordot`` are compositions of primitive ops (transpose, reshape,
broadcast multiply, sum): every operand is laid out on the axes of all the subscript
letters, the operands are multiplied and the contracted letters summed.  So they have
reverse, forward and higher-order derivatives with no vjp of their own, at the price of
one intermediate array the size of the product of all index lengths (fine for the
shapes of a course; ``matmul`` stays the fast path for big products).

``vmap(f)`` maps ``f`` over a leading axis by a Python loop and ``stack``: simple,
exact in every mode (nothing is batched behind f's back), and as fast as the loop.

``astype`` is a primitive: the value is cast, the gradient cast back to the input's
dtype, so a float32 model can be checked in float64 and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bibun.autodiff import dual as _dual
from bibun.autodiff import ops as _ops
from bibun.autodiff.dual import Dual
from bibun.autodiff.pointwise import lift
from bibun.autodiff.tensor import ShapeError, Tensor, make_node1
from bibun.i18n import error

__all__ = ["einsum", "tensordot", "vmap", "astype", "zeros", "ones", "full", "zeros_like",
           "ones_like", "arange", "linspace", "eye", "rand", "randn"]


# -- einsum --------------------------------------------------------------------------------


def _parse(spec: str, nops: int) -> tuple[list[str], str]:
    s = spec.replace(" ", "")
    if "." in s:
        raise error("error.autodiff.einsum_ellipsis", ShapeError, spec=spec)
    ins, arrow, out = s.partition("->")
    terms = ins.split(",")
    if len(terms) != nops:
        raise error("error.autodiff.einsum_count", ShapeError, spec=spec, terms=len(terms),
                    nops=nops)
    letters = "".join(terms) + out
    if not all(c.isalpha() for c in letters):
        raise error("error.autodiff.einsum_letters", ShapeError, spec=spec)
    for t in terms:
        if len(set(t)) != len(t):
            raise error("error.autodiff.einsum_repeat", ShapeError, spec=spec, term=t)
    if not arrow:  # NumPy's implicit output: the letters used once, in alphabetical order
        counts = {c: "".join(terms).count(c) for c in set("".join(terms))}
        out = "".join(sorted(c for c, k in counts.items() if k == 1))
    if len(set(out)) != len(out) or any(c not in "".join(terms) for c in out):
        raise error("error.autodiff.einsum_output", ShapeError, spec=spec, out=out)
    return terms, out


def einsum(spec: str, *operands: Any) -> Any:
    """Einstein summation, ``np.einsum`` for Tensors and Duals: ``"ij,jk->ik"``
    (matmul), ``"bij,bjk->bik"`` (batched), ``"i,i->"`` (dot), ``"i,j->ij"`` (outer),
    ``"ij->ji"``, ``"ij->"``, any number of operands.  Not supported: ``...`` and a
    letter repeated within one operand (diagonals: ``ad.diag``, ``ad.trace``)."""
    terms, out = _parse(spec, len(operands))
    xs = [lift(x) for x in operands]
    sizes: dict[str, int] = {}
    for t, x in zip(terms, xs):
        if len(t) != x.ndim:
            raise error("error.autodiff.einsum_axes", ShapeError, spec=spec, term=t,
                        k=len(t), shape=x.shape)
        for c, n in zip(t, x.shape):
            if sizes.setdefault(c, n) != n:
                raise error("error.autodiff.einsum_length", ShapeError, spec=spec, c=c,
                            a=sizes[c], b=n)
    order = list(out) + sorted(c for c in sizes if c not in out)  # output letters first
    prod: Any = None
    for t, x in zip(terms, xs):
        perm = sorted(range(len(t)), key=lambda i: order.index(t[i]))
        y = x.transpose(tuple(perm)) if perm != list(range(len(t))) else x
        y = y.reshape(tuple(sizes[c] if c in t else 1 for c in order))
        prod = y if prod is None else prod * y
    extra = tuple(range(len(out), len(order)))
    if extra:
        prod = prod.sum(axis=extra)
    if prod.shape != tuple(sizes[c] for c in out):  # a letter of out only broadcast
        prod = prod.reshape(tuple(sizes[c] for c in out))
    return prod


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """``np.tensordot``: contract the last ``axes`` axes of a with the first of b, or the
    axes named by a pair of sequences ``([1, 0], [0, 1])``."""
    a, b = lift(a), lift(b)
    if isinstance(axes, int | np.integer):
        ax_a = list(range(a.ndim - int(axes), a.ndim))
        ax_b = list(range(int(axes)))
    else:
        ax_a, ax_b = (list(np.atleast_1d(v)) for v in axes)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if a.ndim + b.ndim > len(letters) or len(ax_a) != len(ax_b):
        raise error("error.autodiff.tensordot_axes", ShapeError, axes=axes)
    ax_a = [int(i) % max(a.ndim, 1) for i in ax_a]
    ax_b = [int(i) % max(b.ndim, 1) for i in ax_b]
    ta = list(letters[:a.ndim])
    tb = list(letters[a.ndim:a.ndim + b.ndim])
    for i, j in zip(ax_a, ax_b):
        tb[j] = ta[i]
    out = [c for i, c in enumerate(ta) if i not in ax_a] + \
          [c for j, c in enumerate(tb) if j not in ax_b]
    return einsum(f"{''.join(ta)},{''.join(tb)}->{''.join(out)}", a, b)


# -- vmap ----------------------------------------------------------------------------------


def vmap(f: Callable[..., Any], in_axes: int | None | Sequence[int | None] = 0
         ) -> Callable[..., Any]:
    """``f`` mapped over an axis of its arguments (``in_axes``: one int for all, or one
    per argument, ``None`` for an argument passed whole), results stacked on axis 0.

    A loop and a ``stack``: each call of f sees one slice, as it would under
    ``jax.vmap``, and the result is on the graph (reverse and forward mode, nested
    derivatives).  It is not faster than the loop."""

    def mapped(*args: Any) -> Any:
        axes = list(in_axes) if isinstance(in_axes, list | tuple) else [in_axes] * len(args)
        if len(axes) != len(args):
            raise error("error.autodiff.vmap_in_axes", ShapeError, k=len(axes), n=len(args))
        lens = set()
        moved = []
        for x, ax in zip(args, axes):
            if ax is None:
                moved.append(None)
                continue
            x = lift(x)
            if not -x.ndim <= ax < x.ndim:
                raise error("error.autodiff.vmap_axis", ShapeError, axis=ax, shape=x.shape)
            lens.add(x.shape[ax])
            moved.append(_moveaxis0(x, ax))
        if len(lens) != 1:
            raise error("error.autodiff.vmap_lengths", ShapeError, lengths=sorted(lens))
        n = lens.pop()
        outs = [f(*[a if m is None else m[i] for a, m in zip(args, moved)]) for i in range(n)]
        if n and isinstance(outs[0], tuple):
            return tuple(_stack([o[k] for o in outs]) for k in range(len(outs[0])))
        return _stack(outs)

    mapped.__name__ = f"vmap({getattr(f, '__name__', 'f')})"
    return mapped


def _moveaxis0(x: Any, ax: int) -> Any:
    ax %= x.ndim
    if ax == 0:
        return x
    return x.transpose((ax,) + tuple(i for i in range(x.ndim) if i != ax))


def _stack(xs: list[Any]) -> Any:
    from_ = [lift(x) for x in xs]
    if any(isinstance(x, Dual) for x in from_):
        return _dual.stack(from_)
    return _ops.stack(from_)


# -- dtype casts and factories ---------------------------------------------------------------


def _float_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise error("error.autodiff.astype", ShapeError, dtype=str(dt))
    return dt


def _vjp_astype(node: Tensor, g: Any, B: Any) -> tuple[Any]:
    # recorded (B = TENSOR): the cast back is itself an op, so it can be differentiated
    return (astype(g, node._ctx) if isinstance(g, Tensor) else np.asarray(g).astype(node._ctx),)


def astype(x: Any, dtype: Any) -> Any:
    """``x`` cast to a float dtype (float16/32/64), on the graph: the gradient is cast
    back to x's dtype.  Casting to an integer type would cut the graph, so it is refused
    (use ``x.data.astype(int)`` for a value)."""
    dt = _float_dtype(dtype)
    x = lift(x)
    if isinstance(x, Dual):
        return Dual._make(x.primal.astype(dt), x.tangent.astype(dt))
    if x.data.dtype == dt:
        return x
    return make_node1(x.data.astype(dt), x, _vjp_astype, x.data.dtype, "astype")


def _factory(data: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    return Tensor(data.astype(_float_dtype(dtype), copy=False), requires_grad=requires_grad)


def zeros(shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of zeros (float64 unless ``dtype`` says otherwise)."""
    return _factory(np.zeros(shape), dtype, requires_grad)


def ones(shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return _factory(np.ones(shape), dtype, requires_grad)


def full(shape: Any, value: float, dtype: Any = np.float64,
         requires_grad: bool = False) -> Tensor:
    return _factory(np.full(shape, value, dtype=float), dtype, requires_grad)


def zeros_like(x: Any, requires_grad: bool = False) -> Tensor:
    """Zeros with x's shape and (float) dtype."""
    v = _data(x)
    return _factory(np.zeros(v.shape), v.dtype if v.dtype.kind == "f" else np.float64,
                    requires_grad)


def ones_like(x: Any, requires_grad: bool = False) -> Tensor:
    v = _data(x)
    return _factory(np.ones(v.shape), v.dtype if v.dtype.kind == "f" else np.float64,
                    requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = np.float64,
           requires_grad: bool = False) -> Tensor:
    return _factory(np.arange(start, stop, step, dtype=float), dtype, requires_grad)


def linspace(start: float, stop: float, num: int = 50, dtype: Any = np.float64,
             requires_grad: bool = False) -> Tensor:
    return _factory(np.linspace(start, stop, num), dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = np.float64,
        requires_grad: bool = False) -> Tensor:
    return _factory(np.eye(n, m), dtype, requires_grad)


def rand(shape: Any, rng: Any = None, dtype: Any = np.float64,
         requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1); ``rng`` a seed or a ``np.random.Generator`` (reproducible)."""
    return _factory(np.random.default_rng(rng).random(shape), dtype, requires_grad)


def randn(shape: Any, rng: Any = None, dtype: Any = np.float64,
          requires_grad: bool = False) -> Tensor:
    """Standard normal; ``rng`` a seed or a ``np.random.Generator``."""
    return _factory(np.random.default_rng(rng).standard_normal(shape), dtype, requires_grad)


def _data(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, Dual):
        return x.primal
    return np.asarray(x)
