"""Gradient-descent update rules, written once, on plain NumPy arrays.

``w ← w − ρ ∂E/∂w`` is the seeds' whole recipe; the variants differ only in how they
remember past gradients.  Each optimizer holds a list of parameter arrays and updates
them **in place** from a list of gradients, so the same code serves

* ``bibun.nn`` (its optimizers are thin wrappers that pass ``Parameter.data``/``.grad``),
* gradient descent on a formula (arrays of shape () or (n,) for the variables).

>>> import numpy as np
>>> x = np.array([3.0, 4.0])
>>> opt = Adam([x], lr=0.1)
>>> for _ in range(200):
...     opt.step([2 * x])          # gradient of x0^2 + x1^2
>>> bool(np.abs(x).max() < 1e-2)
True

The update formulas (g is the gradient, η the learning rate):

* SGD:      w -= η g
* Momentum: v = μ v + g;             w -= η v
* Nesterov: v = μ v + g;             w -= η (g + μ v)     (look-ahead form)
* AdaGrad:  h += g²;                 w -= η g / (√h + ε)
* RMSprop:  h = ρ h + (1-ρ) g²;      w -= η g / (√h + ε)
* Adam:     m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
            w -= η m̂ / (√v̂ + ε) with m̂ = m/(1-β1ᵗ), v̂ = v/(1-β2ᵗ)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bibun.i18n import error


class Optimizer:
    """Base class: ``step(grads)`` updates ``self.params`` (arrays) in place."""

    def __init__(self, params: Sequence[np.ndarray], lr: float = 0.01):
        if lr <= 0:
            raise error("error.optim.lr", lr=lr)
        self.params = list(params)
        for i, p in enumerate(self.params):
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise error("error.optim.param_type", i=i, kind=type(p).__name__)
        self.lr = lr
        self.t = 0

    def step(self, grads: Sequence[Any]) -> None:
        """One update; a ``None`` gradient leaves that parameter alone."""
        if len(grads) != len(self.params):
            raise error("error.optim.grad_count", name=type(self).__name__, grads=len(grads),
                        params=len(self.params))
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if g is None:
                continue
            g = np.asarray(g, dtype=p.dtype)
            if g.shape != p.shape:
                raise error("error.optim.grad_shape", i=i, shape=g.shape, pshape=p.shape)
            self.update(i, p, g)

    def update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError

    def _buf(self, name: str, i: int, p: np.ndarray) -> np.ndarray:
        bufs = self.__dict__.setdefault("_" + name, {})
        b = bufs.get(i)
        if b is None:
            b = bufs[i] = np.zeros_like(p)
        return b


class SGD(Optimizer):
    """Plain stochastic gradient descent: w -= η g."""

    def update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        p -= self.lr * g


class Momentum(Optimizer):
    """Heavy ball: a velocity that accumulates past gradients."""

    def __init__(self, params: Sequence[np.ndarray], lr: float = 0.01, momentum: float = 0.9):
        super().__init__(params, lr)
        self.momentum = momentum

    def update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        v = self._buf("v", i, p)
        v *= self.momentum
        v += g
        p -= self.lr * v


class Nesterov(Momentum):
    """Momentum that corrects with the gradient at the look-ahead point."""

    def update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        v = self._buf("v", i, p)
        v *= self.momentum
        v += g
        p -= self.lr * (g + self.momentum * v)


class AdaGrad(Optimizer):
    """Per-coordinate step sizes that shrink with the sum of squared gradients."""

    def __init__(self, params: Sequence[np.ndarray], lr: float = 0.01, eps: float = 1e-8):
        super().__init__(params, lr)
        self.eps = eps

    def update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        h = self._buf("h", i, p)
        h += g * g
        p -= self.lr * g / (np.sqrt(h) + self.eps)


class RMSprop(Optimizer):
    """AdaGrad with a decaying average, so the step size does not vanish."""

    def __init__(self, params: Sequence[np.ndarray], lr: float = 0.001, rho: float = 0.9,
                 eps: float = 1e-8):
        super().__init__(params, lr)
        self.rho, self.eps = rho, eps

    def update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        h = self._buf("h", i, p)
        h *= self.rho
        h += (1 - self.rho) * g * g
        p -= self.lr * g / (np.sqrt(h) + self.eps)


class Adam(Optimizer):
    """Momentum + RMSprop with bias correction."""

    def __init__(self, params: Sequence[np.ndarray], lr: float = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        m, v = self._buf("m", i, p), self._buf("v", i, p)
        b1, b2 = self.beta1, self.beta2
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        mhat = m / (1 - b1 ** self.t)
        vhat = v / (1 - b2 ** self.t)
        p -= self.lr * mhat / (np.sqrt(vhat) + self.eps)


#: name -> class, for command lines and configuration
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad,
    "rmsprop": RMSprop, "adam": Adam,
}


def make(name: str, params: Sequence[np.ndarray], **kw: Any) -> Optimizer:
    """``make("adam", [w], lr=0.01)``: an optimizer by name."""
    try:
        cls = OPTIMIZERS[name.lower()]
    except KeyError:
        raise error("error.optim.unknown", name=repr(name), names=', '.join(OPTIMIZERS)) from None
    return cls(params, **kw)
