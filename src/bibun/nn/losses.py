"""Losses.  The classification losses take *logits* and fuse the softmax/sigmoid into the
loss: the gradient is then simply (probabilities − targets)/N, and nothing overflows at
±1000 or takes log(0)."""

from __future__ import annotations

from typing import Any

from bibun.autodiff import ops
from bibun.autodiff.tensor import Tensor
from bibun.nn.module import Module

mse_loss = ops.mse_loss
cross_entropy = ops.cross_entropy
bce_with_logits = ops.bce_with_logits


class MSELoss(Module):
    def forward(self, pred: Any, target: Any) -> Tensor:
        return ops.mse_loss(pred, target)


class CrossEntropyLoss(Module):
    """Softmax cross-entropy on logits (N, C) with labels (N,) or probabilities (N, C)."""

    def forward(self, logits: Any, target: Any) -> Tensor:
        return ops.cross_entropy(logits, target)


class BCEWithLogitsLoss(Module):
    def forward(self, logits: Any, target: Any) -> Tensor:
        return ops.bce_with_logits(logits, target)
