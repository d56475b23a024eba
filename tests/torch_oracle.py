"""PyTorch as the oracle for bibun's autodiff: one helper that compares a bibun function
with the same function written in PyTorch, in value, reverse mode, forward mode and second
order, so each test file only says *which* functions and inputs to compare.

Not a test file itself (no ``test_`` prefix): ``tests/test_autodiff_vs_torch.py`` and
``tests/test_nn_vs_torch.py`` import it.  Everything is skipped when torch is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import Tensor

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

#: relative tolerance per dtype and derivative order (0 value, 1 first, 2 second).  float64:
#: both libraries evaluate the same formulas to a few ulps; float32: 2^-23 ≈ 1.2e-7 per
#: operation, so a handful of operations in a different order gives ~1e-6 (first order)
#: and the second order, a longer chain, ~1e-5.
TOL = {np.float64: (1e-11, 1e-10, 1e-9), np.float32: (5e-6, 2e-5, 1e-4)}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def close(got: Any, want: Any, dtype: Any, order: int, what: str) -> None:
    """``got`` (bibun) equals ``want`` (torch) within the dtype's tolerance for this
    derivative order, relative to the size of the reference (NaN and ±inf must match
    exactly, position by position)."""
    got = np.asarray(got.data if isinstance(got, Tensor) else got, dtype=np.float64)
    want = want.detach().numpy(force=True).astype(np.float64) if hasattr(want, "detach") else \
        np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != torch {want.shape}"
    rtol = TOL[dtype][order]
    finite = want[np.isfinite(want)]
    scale = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, equal_nan=True,
                               err_msg=what)


def _weights(shape: tuple[int, ...], dtype: Any, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def compare(bfn: Callable[..., Any], tfn: Callable[..., Any], xs: Sequence[Any],
            dtype: Any, *, consts: Sequence[Any] = (), forward: bool = True,
            second: bool = True, what: str = "") -> None:
    """bibun's ``bfn(*xs, *consts)`` against torch's ``tfn(*xs, *consts)``:

    * the value;
    * reverse mode: the gradient of Σ w·f for fixed random weights w, for every x;
    * forward mode: ``ad.jvp`` against ``torch.func.jvp`` along random tangents v;
    * second order: the Hessian of Σ w·f times v, by reverse-over-reverse
      (``grad`` of ⟨grad, v⟩, against torch's double backward) and, for one input, by
      forward-over-reverse (``ad.hvp``).

    ``consts`` (class labels, masks, indices) are passed to both unchanged."""
    xs = [np.asarray(x, dtype=dtype) for x in xs]
    n = len(xs)
    tx = [torch.tensor(x, requires_grad=True) for x in xs]
    tc = [torch.tensor(c) if isinstance(c, np.ndarray) else c for c in consts]
    tout = tfn(*tx, *tc)
    out = bfn(*[Tensor(x) for x in xs], *consts)
    close(out, tout, dtype, 0, f"{what} value")
    assert np.asarray(out.data).dtype == dtype, f"{what}: dtype {out.data.dtype} != {dtype}"

    w = _weights(tuple(tout.shape), dtype, 1)
    vs = [_weights(x.shape, dtype, 2 + i) for i, x in enumerate(xs)]

    def loss(*a: Any) -> Any:
        return ad.sum(bfn(*a, *consts) * w)

    nums = tuple(range(n))
    got = ad.grad(loss, nums)(*xs)
    tg = torch.autograd.grad((tout * torch.tensor(w)).sum(), tx, create_graph=second)
    for i in range(n):
        close(got[i], tg[i], dtype, 1, f"{what} reverse d/dx{i}")

    if forward:
        def fixed(*a: Any) -> Any:
            return bfn(*a, *consts)

        _, tangent = ad.jvp(fixed, xs, vs)
        _, ttangent = torch.func.jvp(lambda *a: tfn(*a, *tc),
                                     tuple(torch.tensor(x) for x in xs),
                                     tuple(torch.tensor(v) for v in vs))
        close(tangent, ttangent, dtype, 1, f"{what} forward (jvp)")

    if second:
        def directional(*a: Any) -> Any:
            gs = ad.grad(loss, nums)(*a)
            return sum((ad.sum(g * v) for g, v in zip(gs, vs)), start=Tensor(dtype(0)))

        hv = ad.grad(directional, nums)(*xs)
        tdir = sum((g * torch.tensor(v)).sum() for g, v in zip(tg, vs))
        thv = torch.autograd.grad(tdir, tx, allow_unused=True) if \
            isinstance(tdir, torch.Tensor) and tdir.requires_grad else [None] * n
        for i in range(n):
            want = thv[i] if thv[i] is not None else torch.zeros_like(tx[i])
            close(hv[i], want, dtype, 2, f"{what} second order (H·v) d/dx{i}")
        if n == 1:
            close(ad.hvp(loss, xs[0], vs[0]), thv[0] if thv[0] is not None
                  else torch.zeros_like(tx[0]), dtype, 2, f"{what} forward-over-reverse hvp")
