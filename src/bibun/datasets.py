"""Small data sets, shipped or generated: nothing is downloaded at run time.

* :func:`load_iris` – Fisher's iris (150 flowers, 4 measurements, 3 species; UCI),
  stored as tenths of a centimetre in 1.4 kB.
* :func:`load_digits` – the UCI 8×8 handwritten digits (1,797 images, pixels 0..16),
  stored as uint8 in 45 kB.
* :func:`spiral` – interleaved spirals: not linearly separable, so a hidden layer is
  needed (the classic first test of a small MLP).
* :func:`sine_wave` – windows of a noisy sine wave and the value that follows each one,
  for sequence models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bibun.i18n import error

_DATA = Path(__file__).parent / "data"


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """(X float64 (150, 4) in cm, y int64 (150,) in 0..2)."""
    with np.load(_DATA / "iris.npz") as f:
        return f["X10"].astype(np.float64) / 10.0, f["y"].astype(np.int64)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """(X uint8 (1797, 64) with pixel intensities 0..16, y int64 (1797,) in 0..9).
    Reshape a row to (8, 8) to see the image."""
    with np.load(_DATA / "digits.npz") as f:
        return f["X"], f["y"].astype(np.int64)


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2,
           seed: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points on ``classes`` interleaved spiral arms in the plane: (X (n, 2), y (n,))."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        theta = 4.0 * r + 2 * np.pi * k / classes + rng.normal(0, noise, n_per_class) * r
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(n_per_class, k))
    return np.concatenate(xs), np.concatenate(ys).astype(np.int64)


def sine_wave(n: int = 400, window: int = 20, noise: float = 0.05, step: float = 0.1,
              seed: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """Windows of sin(t) + noise, shape (n, window, 1), and the next clean value, (n, 1)."""
    rng = np.random.default_rng(seed)
    starts = rng.uniform(0, 2 * np.pi, n)
    t = starts[:, None] + step * np.arange(window + 1)[None, :]
    wave = np.sin(t)
    X = wave[:, :window] + rng.normal(0, noise, (n, window))
    return X[:, :, None], wave[:, window:window + 1]


def train_test_split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.2,
                     seed: Any = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A shuffled split, stratified by class for integer labels."""
    if not 0 < test_fraction < 1:
        raise error("error.datasets.test_fraction", test_fraction=str(test_fraction))
    rng = np.random.default_rng(seed)
    n = len(X)
    if y.dtype.kind in "iu" and y.ndim == 1:
        test = []
        for c in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == c))
            test.extend(idx[:int(round(len(idx) * test_fraction))])
        mask = np.zeros(n, bool)
        mask[test] = True
    else:
        mask = np.zeros(n, bool)
        mask[rng.permutation(n)[:int(round(n * test_fraction))]] = True
    return X[~mask], X[mask], y[~mask], y[mask]


DATASETS = ("digits", "iris", "spiral", "sine")
