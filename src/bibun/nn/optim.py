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

    def zero_grad(self) -> None:
        for i, p in enumerate(self.params):
            p.grad = None
            self._applied[i] = None


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
