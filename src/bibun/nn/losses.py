"""Losses.  The classification losses take *logits* and fuse the softmax/sigmoid into the
loss: the gradient is then simply (probabilities − targets)/N, and nothing overflows at
±1000 or takes log(0).

They are the functions of :mod:`bibun.autodiff` (defined once in
:mod:`bibun.autodiff.fused`), so a model's loss runs in reverse mode on Tensors and in
forward mode on Duals alike."""

from __future__ import annotations

from typing import Any

from bibun.autodiff import Dual, Tensor, bce_with_logits, cross_entropy, mse_loss
from bibun.nn.module import Module

__all__ = ["BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "bce_with_logits",
           "cross_entropy", "mse_loss"]


class MSELoss(Module):
    def forward(self, pred: Any, target: Any) -> Tensor | Dual:
        return mse_loss(pred, target)


class CrossEntropyLoss(Module):
    """Softmax cross-entropy on logits (N, C) with labels (N,) or probabilities (N, C)."""

    def forward(self, logits: Any, target: Any) -> Tensor | Dual:
        return cross_entropy(logits, target)


class BCEWithLogitsLoss(Module):
    def forward(self, logits: Any, target: Any) -> Tensor | Dual:
        return bce_with_logits(logits, target)
