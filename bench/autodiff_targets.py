"""Issue 13's speed targets, one thread, every ratio measured in the same run:

    OMP_NUM_THREADS=1 python -m bench.autodiff_targets          # full run (~2 minutes)
    OMP_NUM_THREADS=1 python -m bench.autodiff_targets --quick  # fewer repeats

1. One SGD training step of an MLP 784-256-256-10, batch 128, tanh, softmax
   cross-entropy (forward, backward, update), float32 and float64: bibun (``nn.Linear``'s
   fused node) vs the same step hand-written in NumPy vs PyTorch CPU.  Targets: ≤ 1.10×
   NumPy and ≤ 1× PyTorch.  Then the same two steps on a 4-4-4-2 model, where the time is
   nearly all per-step overhead (Python, NumPy calls on tiny arrays): what bibun adds.
2. A scalar graph (300 ops: mul, add, tanh), forward + backward, per op: bibun vs the
   micrograd-style engine of ``bench/autodiff_speed.py``.  Target: ≤ 1×.  Timed twice:
   with the cyclic garbage collector paused during the timed calls (as every other row)
   and with it running, as in a program: micrograd's closures leave about 2,100 objects
   in reference cycles per graph, which only the collector frees, while bibun's graph has
   none (it is freed by reference counting, inside the timed call).
3. The full Hessian of a function of 100 variables, f(x) = Σ tanh(Ax) + ½ xᵀx·mean(x²):
   ``ad.hessian`` (forward-over-reverse) vs ``torch.func.hessian`` (vectorized with vmap)
   vs ``jax.jit(jax.hessian(f))``.  Target: within 2× of torch.
4. ``ad.derivative(ad.tanh, 4)(0.3)`` (four nested reverse passes) vs
   ``jax.jit`` of four nested ``jax.grad``.  Target: within 3× of JAX.

Times are medians of interleaved repeats, so load from other processes hits each
contestant alike; each ratio is the median of back-to-back pairs.  The order rotates
every round (A B C, B C A, C A B, …): in a fixed order A always runs right after C and
inherits its cache state (measured: that alone moved bibun/NumPy by up to 0.05).  The
garbage collector runs between calls, not during them (except in the second scalar row).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402

import bibun.autodiff as ad  # noqa: E402
from bench.autodiff_speed import N_SCALAR_OPS, _scalar_graph, _Value  # noqa: E402
from bibun import nn  # noqa: E402
from bibun.autodiff import Tensor  # noqa: E402

SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.01


def _data(dtype: type, seed: int = 0, sizes: tuple[int, ...] = SIZES, batch: int = BATCH
          ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Ws = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype)
          for a, b in zip(sizes, sizes[1:])]
    bs = [np.zeros(b, dtype=dtype) for b in sizes[1:]]
    return Ws, bs, rng.standard_normal((batch, sizes[0])).astype(dtype), \
        rng.integers(0, sizes[-1], batch)


def bibun_step(dtype: type, sizes: tuple[int, ...] = SIZES, batch: int = BATCH
               ) -> Callable[[], None]:
    """The step a user writes with bibun.nn: Linear layers, cross_entropy, backward, SGD."""
    Ws, bs, X, y = _data(dtype, sizes=sizes, batch=batch)
    layers = [nn.Linear(a, b, dtype=dtype) for a, b in zip(sizes, sizes[1:])]
    for lin, W, b in zip(layers, Ws, bs):
        lin.W.data[...], lin.b.data[...] = W, b
    opt = nn.SGD([p for lin in layers for p in lin.parameters()], lr=LR)

    def step() -> None:
        h = X
        for i, lin in enumerate(layers):
            h = lin(h)
            if i < 2:
                h = h.tanh()
        nn.cross_entropy(h, y).backward()
        opt.step()

    return step


def numpy_step(dtype: type, sizes: tuple[int, ...] = SIZES, batch: int = BATCH
               ) -> Callable[[], None]:
    """What a careful person writes by hand: no input gradient, fused softmax-CE."""
    Ws, bs, X, y = _data(dtype, sizes=sizes, batch=batch)
    rows = np.arange(batch)

    def step() -> None:
        hs = [X]
        h = X
        for i in range(3):
            z = h @ Ws[i] + bs[i]
            h = np.tanh(z) if i < 2 else z
            hs.append(h)
        m = h.max(axis=1, keepdims=True)
        e = np.exp(h - m)
        s = e.sum(axis=1, keepdims=True)
        g = e / s
        _loss = (np.log(s[:, 0]) + m[:, 0] - h[rows, y]).mean()
        g[rows, y] -= 1
        g /= batch
        for i in (2, 1, 0):
            dW = hs[i].T @ g
            db = g.sum(axis=0)
            if i > 0:
                g = (g @ Ws[i].T) * (1 - hs[i] * hs[i])
            Ws[i] -= LR * dW
            bs[i] -= LR * db

    return step


def torch_step(dtype: type) -> Callable[[], None]:
    import torch

    Ws, bs, X, y = _data(dtype)
    params = [torch.tensor(a, requires_grad=True) for a in Ws + bs]
    W, b = params[:3], params[3:]
    Xt, yt = torch.tensor(X), torch.tensor(y)
    opt = torch.optim.SGD(params, lr=LR)
    ce = torch.nn.functional.cross_entropy

    def step() -> None:
        h = Xt
        for i in range(3):
            h = torch.addmm(b[i], h, W[i])
            if i < 2:
                h = torch.tanh(h)
        opt.zero_grad(set_to_none=True)
        ce(h, yt).backward()
        opt.step()

    return step


def interleaved(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 5,
                gc_running: bool = False) -> dict[str, list[float]]:
    """All samples (seconds per call) of each contestant, run in turn, the order rotating
    by one every round.  ``gc_running``: leave Python's cyclic collector on, as in a
    program (each contestant then pays for collecting the reference cycles it makes)."""
    for f in fns.values():
        for _ in range(warmup):
            f()
    names = list(fns)
    times: dict[str, list[float]] = {k: [] for k in fns}
    clock = time.perf_counter
    if not gc_running:
        gc.disable()  # a collection triggered by one contestant's garbage must not be timed
    try:  # as another's: collect between calls, untimed (micrograd's closures make cycles)
        for r in range(repeats):
            if r % 10 == 0:
                gc.collect()  # every tenth round: a collection per call would cool the caches
            shift = r % len(names)
            for k in names[shift:] + names[:shift]:
                f = fns[k]
                t0 = clock()
                f()
                times[k].append(clock() - t0)
    finally:
        gc.enable()
    return times


def _paired(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b))


def bench_mlp(repeats: int) -> list[str]:
    rows = []
    for dtype in (np.float32, np.float64):
        t = interleaved({"bibun": bibun_step(dtype), "numpy": numpy_step(dtype),
                         "torch": torch_step(dtype)}, repeats)
        med = {k: statistics.median(v) for k, v in t.items()}
        rows.append(f"| MLP step {np.dtype(dtype).name} | {1e3 * med['bibun']:.2f} ms | "
                    f"NumPy {1e3 * med['numpy']:.2f} ms · PyTorch {1e3 * med['torch']:.2f} ms "
                    f"| {_paired(t['bibun'], t['numpy']):.2f}× NumPy (≤ 1.10) · "
                    f"{_paired(t['bibun'], t['torch']):.2f}× PyTorch (≤ 1) |")
    return rows


def bench_overhead(repeats: int) -> str:
    """The same step on a 4-4-4-2 model, batch 2: nearly all of its time is the per-step
    cost of Python and of NumPy calls on tiny arrays, which the 784-wide step pays too.
    Fastest of the repeats (the floor, least disturbed by other load)."""
    t = interleaved({"bibun": bibun_step(np.float32, (4, 4, 4, 2), 2),
                     "numpy": numpy_step(np.float32, (4, 4, 4, 2), 2)}, repeats * 10)
    b, n = (1e6 * min(t[k]) for k in ("bibun", "numpy"))
    return (f"| per-step overhead (same step, 4-4-4-2, batch 2, float32; fastest run) | "
            f"{b:.0f} µs | NumPy {n:.0f} µs | {b - n:.0f} µs more per step |")


def bench_scalar(repeats: int) -> list[str]:
    """Twice: with the cyclic collector paused during the timed calls (micrograd's
    reference cycles, about 2,100 objects per graph, are then collected for free between
    calls; bibun's graph has no cycles and is freed by reference counting, timed), and
    with the collector running as in a program (each engine pays for its own garbage)."""
    rows = []
    for gc_running in (False, True):
        t = interleaved({"bibun": _scalar_graph(lambda v: Tensor(v, requires_grad=True)),
                         "micrograd": _scalar_graph(_Value)}, repeats, gc_running=gc_running)
        b, m = (statistics.median(t[k]) / N_SCALAR_OPS for k in ("bibun", "micrograd"))
        how = "collector running" if gc_running else "collector paused"
        rows.append(f"| scalar graph, per op ({how}) | {1e6 * b:.2f} µs | micrograd-style "
                    f"{1e6 * m:.2f} µs | {_paired(t['bibun'], t['micrograd']):.2f}× (≤ 1) |")
    return rows


N_HESS = 100


def _hessian_problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.standard_normal((N_HESS, N_HESS)) / 10, rng.standard_normal(N_HESS)


def bench_hessian(repeats: int) -> str:
    import jax
    import jax.numpy as jnp
    import torch

    jax.config.update("jax_enable_x64", True)
    A, x = _hessian_problem()

    def f_ad(v):
        return ad.sum(ad.tanh(ad.matmul(A, v))) + 0.5 * ad.sum(v * v) * ad.mean(v * v)

    At, xt = torch.tensor(A), torch.tensor(x)

    def f_t(v):
        return torch.tanh(At @ v).sum() + 0.5 * (v * v).sum() * (v * v).mean()

    Aj, xj = jnp.asarray(A), jnp.asarray(x)

    def f_j(v):
        return jnp.tanh(Aj @ v).sum() + 0.5 * (v * v).sum() * (v * v).mean()

    h_ad, h_t, h_j = ad.hessian(f_ad), torch.func.hessian(f_t), jax.jit(jax.hessian(f_j))
    ref = np.asarray(h_j(xj))
    assert np.allclose(np.asarray(h_ad(x).data), ref, atol=1e-10)
    assert np.allclose(h_t(xt).numpy(), ref, atol=1e-10)
    t = interleaved({"bibun": lambda: h_ad(x), "torch": lambda: h_t(xt),
                     "jax": lambda: h_j(xj).block_until_ready()}, repeats)
    med = {k: statistics.median(v) for k, v in t.items()}
    return (f"| Hessian, {N_HESS} variables | {1e3 * med['bibun']:.2f} ms | "
            f"torch.func.hessian {1e3 * med['torch']:.2f} ms · jax.jit(jax.hessian) "
            f"{1e3 * med['jax']:.3f} ms | {_paired(t['bibun'], t['torch']):.2f}× torch (≤ 2) · "
            f"{_paired(t['bibun'], t['jax']):.1f}× JAX |")


def bench_tanh4(repeats: int) -> str:
    import jax
    import jax.numpy as jnp

    d4_ad = ad.derivative(ad.tanh, 4)
    d4_j = jax.jit(jax.grad(jax.grad(jax.grad(jax.grad(jnp.tanh)))))
    assert abs(float(d4_ad(0.3).data) - float(d4_j(0.3))) < 1e-9
    t = interleaved({"bibun": lambda: d4_ad(0.3),
                     "jax": lambda: d4_j(0.3).block_until_ready()}, repeats)
    b, j = (statistics.median(t[k]) for k in ("bibun", "jax"))
    return (f"| `ad.derivative(tanh, 4)(0.3)` | {1e6 * b:.0f} µs | jax.jit {1e6 * j:.1f} µs | "
            f"{_paired(t['bibun'], t['jax']):.1f}× JAX (≤ 3) |")


def main(argv: list[str]) -> int:
    import torch

    from bibun.autodiff.memory import tune_malloc

    torch.set_num_threads(1)
    tune_malloc()
    quick = "--quick" in argv
    r = 30 if quick else 150
    print(f"one thread; medians of {r} interleaved repeats\n")
    print("| what | bibun | reference | ratio (target) |\n|---|---|---|---|")
    for line in bench_mlp(r):
        print(line, flush=True)
    print(bench_overhead(r), flush=True)
    for line in bench_scalar(max(20, r // 3)):
        print(line, flush=True)
    print(bench_hessian(max(10, r // 5)), flush=True)
    print(bench_tanh4(r * 4), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
