"""Training helpers: AdamW, learning-rate schedules, gradient clipping, accuracy and a
model summary.

* ``AdamW``: Adam with *decoupled* weight decay (Loshchilov & Hutter): each step first
  shrinks the weights, ``w ← w − lr·λ·w``, then takes the Adam step, as
  ``torch.optim.AdamW``.  (Adding λw to the gradient instead would be scaled by Adam's
  per-weight step sizes.)
* ``StepLR`` (×γ every ``step_size`` epochs) and ``CosineAnnealingLR`` (from the initial
  rate to ``eta_min`` along half a cosine over ``T_max`` epochs): call ``step()`` once per
  epoch; they set the optimizer's ``lr``, with PyTorch's formulas.
* ``clip_grad_norm(params, max_norm)`` rescales all gradients together so that their
  joint 2-norm is at most ``max_norm`` and returns the norm before clipping.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from bibun import optim as _core
from bibun.autodiff import Dual, Tensor
from bibun.i18n import error, text
from bibun.nn.module import Module, Parameter
from bibun.nn.optim import _wrap

__all__ = ["AdamW", "StepLR", "CosineAnnealingLR", "clip_grad_norm", "accuracy", "summary"]


class _AdamWCore(_core.Adam):
    """Adam with decoupled weight decay: w ← w(1 − lr·λ), then the Adam step."""

    def __init__(self, params: Any, lr: float = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8, weight_decay: float = 0.01):
        super().__init__(params, lr, beta1, beta2, eps)
        self.weight_decay = weight_decay

    def update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        if self.weight_decay:
            p *= 1 - self.lr * self.weight_decay
        super().update(i, p, g)


_AdamWCore.__name__ = _AdamWCore.__qualname__ = "AdamW"
AdamW = _wrap(_AdamWCore)


def _positive(who: str, name: str, value: float) -> None:
    if not value > 0:
        raise error("error.nn.scheduler_arg", who=who, name=name, value=value)


class StepLR:
    """lr = lr₀·γ^⌊epoch/step_size⌋ (``torch.optim.lr_scheduler.StepLR``)."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1):
        _positive("StepLR", "step_size", step_size)
        self.opt, self.step_size, self.gamma = optimizer, int(step_size), gamma
        self.base, self.epoch = optimizer.lr, 0

    def step(self) -> float:
        self.epoch += 1
        self.opt.lr = self.base * self.gamma ** (self.epoch // self.step_size)
        return self.opt.lr


class CosineAnnealingLR:
    """lr = η_min + (lr₀ − η_min)(1 + cos(π·epoch/T_max))/2
    (``torch.optim.lr_scheduler.CosineAnnealingLR``, closed form)."""

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0):  # noqa: N803
        _positive("CosineAnnealingLR", "T_max", T_max)
        self.opt, self.T_max, self.eta_min = optimizer, int(T_max), eta_min
        self.base, self.epoch = optimizer.lr, 0

    def step(self) -> float:
        self.epoch += 1
        cos = (1 + math.cos(math.pi * self.epoch / self.T_max)) / 2
        self.opt.lr = self.eta_min + (self.base - self.eta_min) * cos
        return self.opt.lr


def clip_grad_norm(params: Iterable[Parameter], max_norm: float) -> float:
    """Scale every ``.grad`` by min(1, max_norm/‖g‖) where ‖g‖ is the 2-norm of all
    gradients together (``torch.nn.utils.clip_grad_norm_``); returns ‖g‖ before."""
    _positive("clip_grad_norm", "max_norm", max_norm)
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in grads:
            g *= scale
    return total


def accuracy(logits: Any, labels: Any) -> float:
    """The fraction of rows whose largest logit is at the label (ties: the first)."""
    z = logits.data if isinstance(logits, Tensor) else (
        logits.primal if isinstance(logits, Dual) else np.asarray(logits))
    y = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if z.ndim != 2 or y.shape != z.shape[:1]:
        raise error("error.autodiff.ce_target", logits=z.shape, target=y.shape,
                    want=f"({z.shape[0] if z.ndim else 'N'},)")
    return float(np.mean(np.argmax(z, axis=1) == y)) if y.size else 0.0


def summary(model: Module) -> str:
    """One line per parameter (dotted name, shape, count) and the total, as a table."""
    head = text("nn.summary_header").split("|")
    rows = [(name, str(tuple(p.shape)), f"{p.size:,}") for name, p in model.named_parameters()]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines.append("-" * len(lines[0]))
    lines += ["  ".join((r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].rjust(widths[2])))
              for r in rows]
    n = model.num_parameters()
    lines.append(text("nn.summary_total", n=f"{n:,}", trainable=f"{n:,}"))
    return "\n".join(lines)
