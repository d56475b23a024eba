"""Image layers: Conv2d, MaxPool2d, AvgPool2d and Flatten, on (batch, channels, H, W).

They are thin: the computation is :func:`bibun.autodiff.conv2d` and the pooling
functions (im2col, one matrix product), so gradients, forward mode and gradient
checking come from the autodiff engine.  Weights are stored as PyTorch stores them,
(out_channels, in_channels, kh, kw), and He-initialised by default (ReLU networks).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun import autodiff as ad
from bibun.autodiff.conv import _pair
from bibun.autodiff.tensor import Tensor
from bibun.errors import BibunError
from bibun.i18n import error
from bibun.nn.init import INITS
from bibun.nn.layers import _as_input, _rng
from bibun.nn.module import Module, Parameter


class Conv2d(Module):
    """2-D convolution (cross-correlation) with ``out_channels`` filters of size
    ``kernel_size`` over ``in_channels`` channels."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, *,
                 stride: Any = 1, padding: Any = 0, bias: bool = True, init: str = "he",
                 rng: Any = None, dtype: Any = np.float64):
        if init not in INITS:
            raise error("error.nn.unknown_init", BibunError, name=repr(init),
                        choices=", ".join(INITS))
        kh, kw = _pair(kernel_size, "kernel_size")
        fan_in = in_channels * kh * kw
        w = INITS[init](fan_in, out_channels, _rng(rng), dtype)  # (fan_in, out)
        self.W = Parameter(w.T.reshape(out_channels, in_channels, kh, kw))
        self.b = Parameter(np.zeros(out_channels, dtype=dtype)) if bias else None
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), stride, padding

    def forward(self, x: Any) -> Any:
        x = _as_input(x, self.W.dtype)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise error("error.nn.conv_input", BibunError, cin=self.in_channels,
                        cout=self.out_channels, shape=x.shape)
        return ad.conv2d(x, self.W, self.b, self.stride, self.padding)


class MaxPool2d(Module):
    """Largest value of each ``kernel_size`` window (stride: the kernel size)."""

    def __init__(self, kernel_size: Any, stride: Any = None):
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x: Any) -> Any:
        return ad.max_pool2d(_as_input(x), self.kernel_size, self.stride)


class AvgPool2d(Module):
    """Mean of each ``kernel_size`` window (stride: the kernel size)."""

    def __init__(self, kernel_size: Any, stride: Any = None):
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x: Any) -> Any:
        return ad.avg_pool2d(_as_input(x), self.kernel_size, self.stride)


class Flatten(Module):
    """(batch, ...) -> (batch, everything else): from feature maps to a Linear layer."""

    def forward(self, x: Any) -> Tensor:
        x = _as_input(x)
        return x.reshape(x.shape[0], -1)
