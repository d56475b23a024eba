"""The losses with PyTorch's options, around the fused cores of :mod:`.fused`.

``cross_entropy(logits, target, reduction=, label_smoothing=, ignore_index=)`` accepts
what ``torch.nn.functional.cross_entropy`` accepts: logits (N, C) with class indices (N,)
or probabilities (N, C); unbatched logits (C,) with one index or a probability vector;
and (N, C, d1, ...) with targets (N, d1, ...) (one prediction per pixel or time step).
The default call (mean, no smoothing, nothing ignored) is the fused op, one node with an
exact gradient; the options are compositions of primitive ops around it (reshape,
moveaxis, indexing, ``log_softmax``), so every mode and order still works.

``binary_cross_entropy(p, t)`` takes probabilities (after a sigmoid), as
``torch.nn.functional.binary_cross_entropy``: each log is clamped at −100 as PyTorch
does, so p = 0 or 1 gives a finite loss.  ``bce_with_logits`` remains the stable choice.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bibun.autodiff import fused
from bibun.autodiff.dual import Dual
from bibun.autodiff.pointwise import clip, lift, maximum, where
from bibun.autodiff.tensor import ShapeError, Tensor
from bibun.i18n import error

__all__ = ["cross_entropy", "binary_cross_entropy", "bce_with_logits", "mse_loss"]

REDUCTIONS = ("mean", "sum", "none")


def _check(reduction: str, label_smoothing: float = 0.0) -> None:
    if reduction not in REDUCTIONS:
        raise error("error.autodiff.reduction", reduction=repr(reduction),
                    choices=", ".join(REDUCTIONS))
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise error("error.autodiff.label_smoothing", value=label_smoothing)


def _reduce(per: Any, reduction: str, count: Any = None) -> Any:
    if reduction == "none":
        return per
    total = per.sum()
    if reduction == "sum":
        return total
    return total / (per.size if count is None else count)


def _value(x: Any) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x.primal if isinstance(x, Dual)
                      else x)


def cross_entropy(logits: Any, target: Any, reduction: str = "mean",
                  label_smoothing: float = 0.0, ignore_index: int | None = None) -> Any:
    """Softmax cross-entropy of ``logits`` against class indices or probabilities.

    ``reduction``: "mean" (over the samples, or over those not ignored), "sum" or
    "none" (one loss per sample, in the target's shape).  ``label_smoothing`` ε mixes
    the target with the uniform distribution: (1−ε)·target + ε/C.  ``ignore_index``:
    samples with that class index contribute nothing (and are not counted by "mean").
    """
    if reduction == "mean" and ignore_index is None and type(logits) is Tensor \
            and type(label_smoothing) in (int, float) and label_smoothing == 0 \
            and logits.data.ndim == 2:  # (a training step's loss: straight to the fused op)
        return fused.cross_entropy_tensor(logits, target)
    _check(reduction, label_smoothing)
    z = lift(logits)
    t = _value(target)
    probs = t.dtype.kind == "f"
    if z.ndim == 1:  # unbatched: (C,) with one index or a (C,) probability vector
        z = z.reshape((1, -1))
        t = t.reshape((1, -1)) if probs else t.reshape((1,))
        per_shape: tuple[int, ...] = ()
    elif z.ndim > 2:  # (N, C, d1, ...): move C last, one row per position
        c = z.shape[1]
        per_shape = (z.shape[0],) + z.shape[2:]
        z = z.transpose((0,) + tuple(range(2, z.ndim)) + (1,)).reshape((-1, c))
        if probs:
            if t.shape != _value(logits).shape:
                raise error("error.autodiff.ce_target", ShapeError, logits=_value(logits).shape,
                            target=t.shape, want=f"{_value(logits).shape}")
            t = np.moveaxis(t, 1, -1).reshape((-1, c))
        else:
            if t.shape != per_shape:
                raise error("error.autodiff.ce_target", ShapeError, logits=_value(logits).shape,
                            target=t.shape, want=f"{per_shape}")
            t = t.reshape(-1)
    else:
        per_shape = (z.shape[0],)
    if z.ndim != 2:
        raise error("error.autodiff.ce_target", ShapeError, logits=_value(logits).shape,
                    target=t.shape, want="(N,) or (N, C)")
    plain = reduction == "mean" and not label_smoothing and (ignore_index is None or probs)
    if plain:
        return fused.cross_entropy(z, t)
    n, c = z.shape
    keep = np.ones(n, dtype=bool)
    if not probs:
        if ignore_index is not None:
            keep = t != ignore_index
        labels = t[keep]
        if labels.size and (labels.min() < 0 or labels.max() >= c):
            raise error("error.autodiff.ce_classes", c=c - 1, lo=int(labels.min()),
                        hi=int(labels.max()))
        dist = np.zeros((n, c), dtype=_value(z).dtype)
        dist[np.flatnonzero(keep), labels] = 1
    else:
        dist = t.astype(_value(z).dtype)
    if label_smoothing:
        dist = (1 - label_smoothing) * dist + label_smoothing / c
    dist[~keep] = 0
    per = -(fused.log_softmax(z, axis=-1) * dist).sum(axis=-1)
    if reduction == "none":
        return per.reshape(per_shape)
    return _reduce(per, reduction, int(keep.sum()))


def binary_cross_entropy(p: Any, target: Any, reduction: str = "mean") -> Any:
    """−[t·log p + (1−t)·log(1−p)] for probabilities ``p`` (each log clamped at −100,
    as PyTorch, so p = 0 or 1 stays finite).  The gradient is that of this clamped
    function: 0 where a log is clamped (PyTorch instead returns (p−t)/max(p(1−p), 1e−12)
    at p = 0 or 1).  Prefer ``bce_with_logits`` on logits."""
    _check(reduction)
    p = lift(p)
    t = target if isinstance(target, (Tensor, Dual)) else np.asarray(target, dtype=p.dtype)
    if p.shape != _value(t).shape:
        raise error("error.autodiff.ce_target", ShapeError, logits=p.shape,
                    target=_value(t).shape, want=f"{p.shape}")
    tiny = np.finfo(_value(p).dtype).tiny

    def clamped_log(q: Any) -> Any:
        # max(log q, -100); where q < e^-100 (float32 subnormals, where float32's smallest
        # normal number would stop the log at -87) the value is -100 itself, picked by a
        # where, so the branch not taken passes no gradient (no 0·∞)
        log = maximum(clip(q, tiny, 1.0).log(), -100.0)
        below = np.asarray(_value(q)) < math.exp(-100)
        return where(below, np.full((), -100.0, dtype=log.dtype), log) if below.any() else log

    log_p, log_q = clamped_log(p), clamped_log(1 - p)
    per = -(t * log_p + (1 - t) * log_q)
    return _reduce(per, reduction)


def bce_with_logits(logits: Any, target: Any, reduction: str = "mean") -> Any:
    """Binary cross-entropy on logits (stable at ±1000); "mean" is the fused op."""
    _check(reduction)
    if reduction == "mean":
        return fused.bce_with_logits(logits, target)
    z = lift(logits)
    t = target if isinstance(target, (Tensor, Dual)) else np.asarray(target, dtype=z.dtype)
    per = z.softplus() - z * t
    return _reduce(per, reduction)


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Any:
    """Squared error, averaged ("mean"), summed or per element ("none")."""
    _check(reduction)
    if reduction == "mean":
        return fused.mse_loss(pred, target)
    pred = lift(pred)
    t = target if isinstance(target, (Tensor, Dual)) else np.asarray(target, dtype=pred.dtype)
    if pred.shape != _value(t).shape:
        raise error("error.autodiff.ce_target", ShapeError, logits=pred.shape,
                    target=_value(t).shape, want=f"{pred.shape}")
    return _reduce((pred - t) ** 2, reduction)
