"""Finite-difference weights for any stencil (Fornberg's recursion)."""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.i18n import error

# -- Fornberg weights ----------------------------------------------------------------------


def fornberg_weights(offsets: Any, order: int, x0: float = 0.0) -> np.ndarray:
    """Weights ``w`` with ``f^(order)(x0) ≈ Σ w_i f(offsets_i)`` exact for polynomials of
    degree < len(offsets).

    Fornberg's recursion (Math. Comp. 51, 1988) builds the weights for derivative
    orders 0..order node by node, which is stable even for awkward stencils.
    ``offsets`` may have a leading batch dimension: shape (..., N) gives weights of
    shape (..., N), so one call serves a whole vector of points whose representable
    offsets differ slightly.
    """
    a = np.asarray(offsets, dtype=float)
    n_nodes = a.shape[-1]
    if order >= n_nodes:
        raise error("error.numeric.stencil", n_nodes=n_nodes, order=order)
    batch = a.shape[:-1]
    c = np.zeros(batch + (n_nodes, order + 1))
    c[..., 0, 0] = 1.0
    c1 = np.ones(batch)
    c4 = a[..., 0] - x0
    for i in range(1, n_nodes):
        mn = min(i, order)
        c2 = np.ones(batch)
        c5 = c4
        c4 = a[..., i] - x0
        for j in range(i):
            c3 = a[..., i] - a[..., j]
            c2 = c2 * c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[..., i, k] = c1 * (k * c[..., i - 1, k - 1] - c5 * c[..., i - 1, k]) / c2
                c[..., i, 0] = -c1 * c5 * c[..., i - 1, 0] / c2
            for k in range(mn, 0, -1):
                c[..., j, k] = (c4 * c[..., j, k] - k * c[..., j, k - 1]) / c3
            c[..., j, 0] = c4 * c[..., j, 0] / c3
        c1 = c2
    return c[..., :, order]


def _stencil(n: int, side: int) -> tuple[np.ndarray, int, int]:
    """Nominal offsets (multiples of h), leading error power and power step.

    central: the smallest symmetric stencil, error h², h⁴, ...;
    one-sided (side = ±1): n+2 points 0, ±1, ..., error h², h³, ... .
    """
    if side == 0:
        half = (n + 1) // 2
        offs = [c for c in range(-half, half + 1) if c != 0 or n % 2 == 0]
        return np.array(offs, dtype=float), 2, 2
    return side * np.arange(n + 2, dtype=float), 2, 1


