"""Mini-batches: stochastic gradient descent as the seeds describe it (確率的勾配降下法)
looks at a random handful of examples per step instead of all of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from bibun.errors import BibunError


class DataLoader:
    """Iterate over ``(X_batch, y_batch)``; reshuffled each epoch when ``shuffle``."""

    def __init__(self, X: Any, y: Any, batch_size: int = 32, *, shuffle: bool = True,
                 drop_last: bool = False, seed: Any = None):
        self.X, self.y = np.asarray(X), np.asarray(y)
        if len(self.X) != len(self.y):
            raise BibunError(f"DataLoader: {len(self.X)} inputs but {len(self.y)} targets")
        if batch_size < 1:
            raise BibunError(f"batch size must be at least 1, got {batch_size}")
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    def __len__(self) -> int:
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = len(self.X)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            if self.drop_last and len(idx) < self.batch_size:
                break
            yield self.X[idx], self.y[idx]
