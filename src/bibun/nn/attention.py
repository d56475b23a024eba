"""Embedding and scaled dot-product attention, from the primitive ops.

``Embedding`` is a table lookup ``W[idx]`` (integer indexing, whose gradient adds into
the rows used, repeated indices included).  ``scaled_dot_product_attention`` is
softmax(Q Kᵀ/√d + mask) V, with the masked scores set to −inf before the softmax (so a
masked key gets weight exactly 0 and no gradient); ``MultiHeadAttention`` splits
d_model into ``heads`` parts, attends in each and mixes them with a linear layer, as in
"Attention Is All You Need" and ``torch.nn.MultiheadAttention`` (batch first).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import bibun.autodiff as ad
from bibun.autodiff import Tensor
from bibun.autodiff.pointwise import lift
from bibun.i18n import error
from bibun.nn.layers import Linear, _as_input, _rng
from bibun.nn.module import Module, Parameter

__all__ = ["Embedding", "MultiHeadAttention", "scaled_dot_product_attention"]


class Embedding(Module):
    """A learned vector per token: ``Embedding(num, dim)(idx)`` has shape
    ``idx.shape + (dim,)``; weights start as N(0, 1), as PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, *, rng: Any = None,
                 dtype: Any = np.float64):
        self.W = Parameter(_rng(rng).standard_normal((num_embeddings, embedding_dim))
                           .astype(dtype))
        self.num, self.dim = num_embeddings, embedding_dim

    def forward(self, idx: Any) -> Tensor:
        i = np.asarray(idx.data if isinstance(idx, Tensor) else idx)
        if i.dtype.kind not in "iu" or (i.size and (i.min() < 0 or i.max() >= self.num)):
            lo, hi = (i.min(), i.max()) if i.size else (0, 0)
            raise error("error.nn.embedding_index", hi=self.num - 1, lo_got=lo, hi_got=hi)
        return self.W[i]


def scaled_dot_product_attention(q: Any, k: Any, v: Any, mask: Any = None,
                                 causal: bool = False) -> Any:
    """softmax(q kᵀ/√d + mask) v over the last two axes (…, T, d).  ``mask``: booleans
    broadcastable to (…, Tq, Tk), True where attention is allowed; ``causal=True``
    allows position i to see positions ≤ i only."""
    q, k, v = (lift(t) for t in (q, k, v))
    if (q.ndim < 2 or k.ndim != q.ndim or v.ndim != q.ndim or q.shape[-1] != k.shape[-1]
            or k.shape[-2] != v.shape[-2]):
        raise error("error.nn.attention_shape", ad.ShapeError, q=q.shape, k=k.shape,
                    v=v.shape)
    scores = (q @ ad.swapaxes(k, -1, -2)) * (1.0 / math.sqrt(q.shape[-1]))
    allowed = None if mask is None else np.asarray(mask, dtype=bool)
    if causal:
        tri = np.tril(np.ones((q.shape[-2], k.shape[-2]), dtype=bool))
        allowed = tri if allowed is None else allowed & tri
    if allowed is not None:
        scores = ad.where(np.broadcast_to(allowed, scores.shape), scores, -np.inf)
    return ad.softmax(scores, axis=-1) @ v


class MultiHeadAttention(Module):
    """Self- or cross-attention on (N, T, d_model) with ``heads`` heads."""

    def __init__(self, d_model: int, heads: int = 1, *, rng: Any = None,
                 dtype: Any = np.float64):
        if d_model % heads:
            raise error("error.nn.heads", d=d_model, h=heads)
        g = _rng(rng)
        self.q, self.k, self.v, self.out = (Linear(d_model, d_model, rng=g, dtype=dtype)
                                            for _ in range(4))
        self.heads, self.d = heads, d_model

    def _split(self, x: Any) -> Any:
        n, t, _ = x.shape
        return x.reshape((n, t, self.heads, self.d // self.heads)).transpose((0, 2, 1, 3))

    def forward(self, x: Any, context: Any = None, mask: Any = None,
                causal: bool = False) -> Any:
        x = _as_input(x, self.q.W.dtype)
        c = x if context is None else _as_input(context, self.q.W.dtype)
        if x.ndim != 3 or x.shape[-1] != self.d or c.ndim != 3 or c.shape[-1] != self.d:
            raise error("error.nn.attention_shape", ad.ShapeError, q=x.shape, k=c.shape,
                        v=c.shape)
        q, k, v = self._split(self.q(x)), self._split(self.k(c)), self._split(self.v(c))
        y = scaled_dot_product_attention(q, k, v, mask, causal)  # (N, h, T, d/h)
        n, _, t, _ = y.shape
        return self.out(y.transpose((0, 2, 1, 3)).reshape((n, t, self.d)))
