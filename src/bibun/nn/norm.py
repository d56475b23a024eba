"""Layers that behave differently in training and evaluation: Dropout and BatchNorm
(plus LayerNorm, which does not).  ``model.train()`` / ``model.eval()`` switch them.

* **Dropout(p)**: in training each value is zeroed with probability ``p`` and the rest
  are scaled by 1/(1-p) ("inverted dropout", as PyTorch), so evaluation needs no
  rescaling and passes values through unchanged.  The random mask comes from the
  layer's own generator (``rng=`` a seed), so a run can be repeated exactly.
* **BatchNorm1d / BatchNorm2d**: in training, normalise each feature (channel) with the
  batch's mean and biased variance, and update running averages with ``momentum``
  (the running variance uses the unbiased estimate, as PyTorch); in evaluation use the
  running averages.  Then scale by γ and shift by β (learned).
* **LayerNorm**: normalise over the last axis of each example; the same in both modes.

All are compositions of Tensor ops (mean, var, sqrt, products), so their gradients,
including through the batch statistics, come from autodiff and pass gradient checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun import autodiff as ad
from bibun.autodiff.tensor import Tensor
from bibun.errors import BibunError
from bibun.i18n import error
from bibun.nn.layers import _as_input, _rng
from bibun.nn.module import Module, Parameter


class Dropout(Module):
    """Zero each value with probability ``p`` in training (scale the rest by 1/(1-p))."""

    def __init__(self, p: float = 0.5, *, rng: Any = None):
        if not 0 <= p < 1:
            raise error("error.nn.dropout_p", BibunError, p=p)
        self.p = float(p)
        self.rng = _rng(rng)

    def forward(self, x: Any) -> Any:
        x = _as_input(x)
        if not self.training or self.p == 0:
            return x
        keep = self.rng.random(x.shape) >= self.p
        return x * (keep / (1 - self.p)).astype(x.dtype)


class _BatchNorm(Module):
    _axes: tuple[int, ...]
    _ndim: int
    #: saved and loaded with the parameters (``Module.state_dict``)
    buffer_names = ("running_mean", "running_var")

    def __init__(self, num_features: int, *, eps: float = 1e-5, momentum: float = 0.1,
                 dtype: Any = np.float64):
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.gamma = Parameter(np.ones(num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(num_features, dtype=dtype))
        # running statistics: state, not learned (plain arrays, not Parameters)
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)

    def _shape(self) -> tuple[int, ...]:
        return (1, self.num_features) + (1,) * (self._ndim - 2)

    def forward(self, x: Any) -> Any:
        x = _as_input(x, self.gamma.dtype)
        name = type(self).__name__
        if x.ndim != self._ndim or x.shape[1] != self.num_features:
            raise error("error.nn.batchnorm_shape", BibunError, layer=name,
                        n=self.num_features, ndim=self._ndim, shape=x.shape)
        shape = self._shape()
        if self.training:
            n = int(np.prod([x.shape[a] for a in self._axes]))
            if n < 2:
                raise error("error.nn.batchnorm_single", BibunError, layer=name,
                            shape=x.shape)
            mean = x.mean(axis=self._axes, keepdims=True)
            var = ad.var(x, axis=self._axes, keepdims=True)
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * np.reshape(
                _value(mean), -1)
            self.running_var = (1 - m) * self.running_var + m * np.reshape(
                _value(var), -1) * n / (n - 1)
        else:
            mean = self.running_mean.reshape(shape)
            var = self.running_var.reshape(shape)
        xhat = (x - mean) / ad.sqrt(var + self.eps)
        return xhat * self.gamma.reshape(shape) + self.beta.reshape(shape)


def _value(t: Any) -> np.ndarray:
    return np.asarray(t.primal if isinstance(t, ad.Dual) else t.data)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (batch, features)."""

    _axes, _ndim = (0,), 2


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (batch, channels, H, W), one mean per channel."""

    _axes, _ndim = (0, 2, 3), 4


class LayerNorm(Module):
    """Normalise the last axis of each example, then scale by γ and shift by β."""

    def __init__(self, num_features: int, *, eps: float = 1e-5, dtype: Any = np.float64):
        self.num_features, self.eps = num_features, eps
        self.gamma = Parameter(np.ones(num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(num_features, dtype=dtype))

    def forward(self, x: Any) -> Tensor:
        x = _as_input(x, self.gamma.dtype)
        if x.shape[-1:] != (self.num_features,):
            raise error("error.nn.layernorm_shape", BibunError, n=self.num_features,
                        shape=x.shape)
        mean = x.mean(axis=-1, keepdims=True)
        var = ad.var(x, axis=-1, keepdims=True)
        return (x - mean) / ad.sqrt(var + self.eps) * self.gamma + self.beta
