"""Optimizers for Modules: thin wrappers over :mod:`bibun.optim` (the update math lives
there once, on plain arrays).  ``step()`` reads each Parameter's ``.grad``;
``zero_grad()`` clears them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from bibun import optim as _core
from bibun.nn.module import Parameter


class _Wrapped:
    core: type[_core.Optimizer]

    def __init__(self, params: Iterable[Parameter], **kw: Any):
        self.params = list(params)
        self.opt = self.core([p.data for p in self.params], **kw)

    @property
    def lr(self) -> float:
        return self.opt.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self.opt.lr = value

    def step(self) -> None:
        grads = []
        for p in self.params:
            g = p.grad
            grads.append(None if g is None else np.asarray(getattr(g, "data", g)))
        self.opt.step(grads)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


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
    from bibun.errors import BibunError

    try:
        return OPTIMIZERS[name.lower()](params, **kw)
    except KeyError:
        raise BibunError(f"unknown optimizer {name!r}; choose from "
                         f"{', '.join(OPTIMIZERS)}") from None
