"""Optimizers for Modules: thin wrappers over :mod:`bibun.optim` (the update math lives
there once, on plain arrays).  ``step()`` reads each Parameter's ``.grad``;
``zero_grad()`` clears them.

Each gradient is applied **once**.  ``backward()`` gives every parameter it reaches a new
``.grad`` array; a parameter it did not reach (a layer not used in this step) keeps the
array an earlier step already applied, and ``step()`` skips it, as it skips a ``None``
gradient, instead of applying the old gradient again.  (The check is by identity: assign
a new array to ``p.grad`` to have it applied.)"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np

from bibun import optim as _core
from bibun.errors import BibunError
from bibun.nn.module import Parameter


class _Wrapped:
    core: type[_core.Optimizer]

    def __init__(self, params: Iterable[Parameter], **kw: Any):
        self.params = list(params)
        self.opt = self.core([p.data for p in self.params], **kw)
        # the .grad each step used, held weakly: a gradient the next backward() replaced
        # is freed at once (not kept alive a step longer), and a freed one is not "the same"
        self._applied: list[Any] = [None] * len(self.params)
        #: plain SGD's scratch arrays (see _sgd_step): parameter index -> a view, of that
        #: parameter's shape, into one buffer per dtype as large as the largest parameter
        self._scratch: dict[int, np.ndarray] = {}
        self._buffers: dict[Any, np.ndarray] = {}

    @property
    def lr(self) -> float:
        return self.opt.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self.opt.lr = value

    def step(self) -> None:
        """Update every parameter that has a gradient not applied before: ``None`` and
        a stale ``.grad`` (the backward pass since the last step did not reach it) are
        skipped."""
        if type(self.opt) is _core.SGD and self._sgd_step():
            return
        grads = []
        applied = self._applied
        for i, p in enumerate(self.params):
            g = p.grad
            seen = applied[i]
            if g is None or (seen is not None and seen() is g):
                grads.append(None)
            elif type(g) is np.ndarray:  # (the usual gradient: no getattr, no memoryview)
                applied[i] = weakref.ref(g)
                grads.append(g)
            else:
                applied[i] = _ref(g)
                grads.append(np.asarray(getattr(g, "data", g)))
        self.opt.step(grads)

    def _sgd_step(self) -> bool:
        """Plain SGD, the training step's optimizer, without the general path's per-
        parameter calls: the same ``p -= lr * g`` (bit for bit: ``lr * g`` is rounded to
        the gradient's dtype, then subtracted), the product written into a scratch array
        that every step reuses instead of a new one per parameter.  Parameters are
        updated last to first: each update is independent, and in a training loop the
        first layer's weights (read first by the next forward pass) are then the most
        recently touched, so the likeliest to be still in the cache.
        False (nothing done) unless the learning rate is a Python float and every
        gradient an array of its parameter's dtype and shape: the general path then
        converts or refuses, as it always did."""
        opt, applied = self.opt, self._applied
        arrays, lr = opt.params, opt.lr
        if len(arrays) != len(self.params) or type(lr) is not float:
            return False  # (a NumPy lr would make lr * g a float64 product: general path)
        todo = []
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            seen = applied[i]
            if seen is not None and seen() is g:
                continue
            a = arrays[i]
            if type(g) is not np.ndarray or g.dtype != a.dtype or g.shape != a.shape:
                return False
            todo.append((i, a, g))
        opt.t += 1
        mul, sub, scratch = np.multiply, np.subtract, self._scratch
        for i, a, g in reversed(todo):
            applied[i] = weakref.ref(g)
            tmp = scratch.get(i)
            if tmp is None or tmp.dtype != a.dtype or tmp.shape != a.shape:
                tmp = scratch[i] = _scratch_view(self._buffers, arrays, a)
            mul(g, lr, tmp)  # (out= given by position: a keyword costs more than
            sub(a, tmp, a)  # the multiply itself on a bias)
        return True

    def zero_grad(self) -> None:
        for i, p in enumerate(self.params):
            p.grad = None
            self._applied[i] = None


def _scratch_view(buffers: dict[Any, np.ndarray], arrays: list[np.ndarray], a: np.ndarray
                  ) -> np.ndarray:
    """A scratch array of ``a``'s shape and dtype: a view into the one buffer of that
    dtype, made as large as the largest of ``arrays`` (the parameters) of that dtype."""
    buf = buffers.get(a.dtype)
    if buf is None or buf.size < a.size:
        n = max([x.size for x in arrays if x.dtype == a.dtype] + [a.size, 1])
        buf = buffers[a.dtype] = np.empty(n, dtype=a.dtype)
    return buf[:a.size].reshape(a.shape)


def _ref(g: Any) -> Any:
    """A weak reference to a gradient (arrays and Tensors take one; anything else is held
    in a stand-in that answers like a reference)."""
    try:
        return weakref.ref(g)
    except TypeError:
        return lambda: g


def _wrap(core: type[_core.Optimizer]) -> type[_Wrapped]:
    return type(core.__name__, (_Wrapped,), {"core": core, "__doc__": core.__doc__,
                                             "__module__": __name__})


SGD = _wrap(_core.SGD)
Momentum = _wrap(_core.Momentum)
Nesterov = _wrap(_core.Nesterov)
AdaGrad = _wrap(_core.AdaGrad)
RMSprop = _wrap(_core.RMSprop)
Adam = _wrap(_core.Adam)

OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad,
              "rmsprop": RMSprop, "adam": Adam}


def make(name: str, params: Iterable[Parameter], **kw: Any) -> _Wrapped:
    try:
        return OPTIMIZERS[name.lower()](params, **kw)
    except KeyError:
        raise BibunError(f"unknown optimizer {name!r}; choose from "
                         f"{', '.join(OPTIMIZERS)}") from None
