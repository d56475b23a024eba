"""NumPy functions called on Tensors and Duals: through the graph, or a clear error.

``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.maximum(t, 0)`` or ``np.stack([a, b])`` on a
Tensor reach :meth:`Tensor.__array_ufunc__` / ``__array_function__`` (NumPy's
dispatch protocols, NEP 13 and NEP 18), which call bibun's op of the same meaning, so the
result is a Tensor on the graph (a Dual in forward mode).  A NumPy function bibun has
no version of is refused with ``error.autodiff.numpy_function`` when its answer would
be real numbers: computing it on the bare values would hand back an array with no
gradient, the silent detachment this module exists to prevent.  Answers that carry no
gradient anyway (comparisons, ``isnan``, ``shape``, ``allclose``, ``argmax``,
``zeros_like``...) are computed on the values and returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bibun.autodiff import ops as _ops
from bibun.autodiff import pointwise, reductions, shapes
from bibun.autodiff.dual import Dual
from bibun.autodiff.pointwise import lift
from bibun.autodiff.tensor import AutodiffError, Tensor
from bibun.functions import RULES
from bibun.i18n import error

_LIVE = (Tensor, Dual)

#: binary ufunc -> (method, reflected method)
_BINARY = {
    "add": ("__add__", "__radd__"), "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"), "divide": ("__truediv__", "__rtruediv__"),
    "true_divide": ("__truediv__", "__rtruediv__"), "power": ("__pow__", "__rpow__"),
    "float_power": ("__pow__", "__rpow__"), "matmul": ("__matmul__", "__rmatmul__"),
    "less": ("__lt__", "__gt__"), "less_equal": ("__le__", "__ge__"),
    "greater": ("__gt__", "__lt__"), "greater_equal": ("__ge__", "__le__"),
    "equal": ("__eq__", "__eq__"), "not_equal": ("__ne__", "__ne__"),
}

#: ufunc name -> bibun function (besides the rule table's functions, found by name)
_UFUNCS: dict[str, Callable[..., Any]] = {
    "negative": lambda x: -lift(x), "positive": lift, "absolute": lambda x: lift(x).abs(),
    "fabs": lambda x: lift(x).abs(), "maximum": pointwise.maximum,
    "minimum": pointwise.minimum, "floor": pointwise.floor, "ceil": pointwise.ceil,
    "rint": pointwise.round, "trunc": pointwise.trunc, "log2": pointwise.log2,
    "log10": pointwise.log10, "exp2": pointwise.exp2, "square": pointwise.square,
    "reciprocal": pointwise.reciprocal, "hypot": pointwise.hypot,
    "arctan2": pointwise.arctan2,
}


def _method(name: str) -> Callable[..., Any]:
    def f(x: Any, *args: Any, **kw: Any) -> Any:
        return getattr(lift(x), name)(*args, **kw)

    return f


def _reduce(name: str) -> Callable[..., Any]:
    """np.sum(t, axis=..., keepdims=...) and friends; ``dtype``/``out`` are refused."""
    def f(x: Any, axis: Any = None, dtype: Any = None, out: Any = None,
          keepdims: Any = False, **kw: Any) -> Any:
        if dtype is not None or out is not None or kw:
            raise error("error.autodiff.numpy_function", AutodiffError,
                        name=f"{name}(dtype=, out=, ...)")
        return getattr(lift(x), name)(axis=axis, keepdims=bool(keepdims))

    return f


def _stat(fn: Callable[..., Any]) -> Callable[..., Any]:
    def f(x: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
          keepdims: Any = False, **kw: Any) -> Any:
        if dtype is not None or out is not None or kw:
            raise error("error.autodiff.numpy_function", AutodiffError, name=fn.__name__)
        return fn(x, axis=axis, ddof=ddof, keepdims=bool(keepdims))

    return f


def _clip(x: Any, a_min: Any = None, a_max: Any = None, out: Any = None, **kw: Any) -> Any:
    if out is not None:
        raise error("error.autodiff.numpy_function", AutodiffError, name="clip(out=)")
    return pointwise.clip(x, kw.get("min", a_min), kw.get("max", a_max))


def _seq(fn: Callable[..., Any]) -> Callable[..., Any]:
    def f(arrays: Any, axis: int = 0, out: Any = None, **kw: Any) -> Any:
        if out is not None or kw:
            raise error("error.autodiff.numpy_function", AutodiffError, name=fn.__name__)
        return fn(list(arrays), axis=axis)

    return f


def _transpose(x: Any, axes: Any = None) -> Any:
    return lift(x).transpose(*(() if axes is None else (tuple(axes),)))


def _prod(x: Any, axis: Any = None, dtype: Any = None, out: Any = None,
          keepdims: Any = False, **kw: Any) -> Any:
    if dtype is not None or out is not None or kw:
        raise error("error.autodiff.numpy_function", AutodiffError, name="prod")
    return reductions.prod(x, axis, bool(keepdims))


def _where(cond: Any, *ab: Any) -> Any:
    if len(ab) != 2:
        raise error("error.autodiff.numpy_function", AutodiffError, name="where(condition)")
    return pointwise.where(cond, *ab)


def _pad(x: Any, pad_width: Any, mode: str = "constant", **kw: Any) -> Any:
    if mode != "constant" or set(kw) - {"constant_values"}:
        raise error("error.autodiff.numpy_function", AutodiffError, name=f"pad({mode})")
    return shapes.pad(x, pad_width, kw.get("constant_values", 0.0))


_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: _reduce("sum"), np.mean: _reduce("mean"), np.max: _reduce("max"),
    np.min: _reduce("min"), np.amax: _reduce("max"), np.amin: _reduce("min"),
    np.var: _stat(reductions.var), np.std: _stat(reductions.std), np.prod: _prod,
    np.cumsum: lambda x, axis=None: reductions.cumsum(x, axis),
    np.reshape: lambda x, shape=None, **kw: lift(x).reshape(kw.get("newshape", shape)),
    np.transpose: _transpose, np.ravel: lambda x: lift(x).reshape(-1),
    np.squeeze: shapes.squeeze, np.expand_dims: shapes.expand_dims, np.flip: shapes.flip,
    np.moveaxis: shapes.moveaxis, np.swapaxes: shapes.swapaxes, np.repeat: shapes.repeat,
    np.tile: shapes.tile, np.pad: _pad, np.dot: shapes.dot, np.outer: shapes.outer,
    np.trace: shapes.trace, np.diag: shapes.diag, np.triu: shapes.triu,
    np.tril: shapes.tril, np.clip: _clip, np.where: _where,
    np.concatenate: _seq(_ops.concatenate), np.stack: _seq(_ops.stack),
    np.broadcast_to: lambda x, shape: lift(x).broadcast_to(tuple(np.atleast_1d(shape))),
    np.matmul: lambda a, b: lift(a) @ b,
}


def _bare(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, Dual):
        return x.primal
    if type(x) in (list, tuple):
        return type(x)(_bare(v) for v in x)
    if isinstance(x, dict):
        return {k: _bare(v) for k, v in x.items()}
    return x


def _has_reals(x: Any) -> bool:
    """Would this answer carry a gradient had it been computed on the graph?"""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype.kind in "fc"
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_reals(v) for v in x)
    return False


#: functions whose answer is a new constant (no gradient is lost)
_CONSTANT = {np.zeros_like, np.ones_like, np.empty_like, np.full_like}


def _fallback(name: str, func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    result = func(*_bare(args), **_bare(kwargs))
    if func in _CONSTANT or not _has_reals(result):
        return result
    raise error("error.autodiff.numpy_function", AutodiffError, name=f"np.{name}")


def array_ufunc(self: Any, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """NEP 13: ``np.exp(t)``, ``ndarray * t``... on a Tensor or Dual."""
    name = ufunc.__name__
    if kwargs.get("out") is not None:  # refused before NumPy writes into ``out``
        raise error("error.autodiff.numpy_function", AutodiffError, name=f"np.{name}(out=)")
    if method != "__call__" or kwargs:
        return _fallback(f"{name}.{method}" if method != "__call__" else name,
                         getattr(ufunc, method), inputs, kwargs)
    if name in _BINARY and len(inputs) == 2:
        a, b = inputs
        meth, reflected = _BINARY[name]
        if isinstance(a, _LIVE):
            r = getattr(a, meth)(b)
            if r is not NotImplemented:
                return r
        return getattr(b, reflected)(a)
    if name in _UFUNCS:
        return _UFUNCS[name](*inputs)
    if ufunc.nin == 1 and name in RULES and name.isidentifier():
        return getattr(lift(inputs[0]), RULES[name].name)()
    return _fallback(name, ufunc, inputs, kwargs)


def array_function(self: Any, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    """NEP 18: ``np.sum(t)``, ``np.stack([a, b])``... on a Tensor or Dual."""
    f = _FUNCTIONS.get(func)
    if f is not None:
        return f(*args, **kwargs)
    return _fallback(getattr(func, "__name__", str(func)), func, args, kwargs)


#: methods Tensor and Dual get from here (``t.var(axis=0)``, ``t.clip(0, 1)``)
METHODS: dict[str, Callable[..., Any]] = {
    "var": reductions.var, "std": reductions.std, "prod": reductions.prod,
    "cumsum": reductions.cumsum, "argmax": reductions.argmax, "argmin": reductions.argmin,
    "clip": pointwise.clip, "squeeze": shapes.squeeze, "expand_dims": shapes.expand_dims,
    "unsqueeze": shapes.expand_dims, "flip": shapes.flip, "swapaxes": shapes.swapaxes,
    "repeat": shapes.repeat, "dot": shapes.dot, "floor": pointwise.floor,
    "ceil": pointwise.ceil, "round": pointwise.round, "trunc": pointwise.trunc,
}


def install() -> None:
    """Put the two protocols on Tensor and Dual (``__array_ufunc__ = None`` before),
    and the methods of :data:`METHODS` where the class has none of that name."""
    for cls in (Tensor, Dual):
        cls.__array_ufunc__ = array_ufunc  # type: ignore[assignment]
        cls.__array_function__ = array_function  # type: ignore[attr-defined]
        for name, fn in METHODS.items():
            if not hasattr(cls, name):
                setattr(cls, name, fn)


install()
