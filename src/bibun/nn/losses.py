"""Losses.  The classification losses take *logits* and fuse the softmax/sigmoid into the
loss: the gradient is then simply (probabilities − targets)/N, and nothing overflows at
±1000 or takes log(0).

They are the functions of :mod:`bibun.autodiff` (defined once in
:mod:`bibun.autodiff.fused`), so a model's loss runs in reverse mode on Tensors and in
forward mode on Duals alike."""

from __future__ import annotations

from typing import Any

from bibun.autodiff import (
    Dual,
    Tensor,
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    mse_loss,
)
from bibun.nn.module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "bce_with_logits",
           "binary_cross_entropy", "cross_entropy", "mse_loss"]


class MSELoss(Module):
    def __init__(self, reduction: str = "mean"):
        self.reduction = reduction

    def forward(self, pred: Any, target: Any) -> Tensor | Dual:
        return mse_loss(pred, target, self.reduction)


class CrossEntropyLoss(Module):
    """Softmax cross-entropy on logits (N, C) with labels (N,) or probabilities (N, C),
    also unbatched (C,) and (N, C, d…); options as ``torch.nn.CrossEntropyLoss``."""

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0,
                 ignore_index: int | None = None):
        self.reduction, self.label_smoothing = reduction, label_smoothing
        self.ignore_index = ignore_index

    def forward(self, logits: Any, target: Any) -> Tensor | Dual:
        return cross_entropy(logits, target, self.reduction, self.label_smoothing,
                             self.ignore_index)


class BCEWithLogitsLoss(Module):
    def __init__(self, reduction: str = "mean"):
        self.reduction = reduction

    def forward(self, logits: Any, target: Any) -> Tensor | Dual:
        return bce_with_logits(logits, target, self.reduction)


class BCELoss(Module):
    """Binary cross-entropy on probabilities (after a sigmoid), logs clamped at −100."""

    def __init__(self, reduction: str = "mean"):
        self.reduction = reduction

    def forward(self, p: Any, target: Any) -> Tensor | Dual:
        return binary_cross_entropy(p, target, self.reduction)
