"""Autodiff speed: bibun vs hand-written NumPy vs PyTorch CPU, and per-op overhead vs a
micrograd-style scalar engine — all in the same run, on the same machine.

    python -m bench.autodiff_speed            # full run
    python -m bench.autodiff_speed --quick    # fewer repeats

1. One training step of an MLP 64-256-256-10 (batch 256, tanh, softmax cross-entropy,
   forward + backward + SGD update), float32 and float64.  The hand-written NumPy step is
   what a careful person writes (no gradient for the input batch, fused softmax-CE).
   PyTorch runs with ``torch.set_num_threads(2)`` (skipped if torch is not installed:
   ``pip install torch==2.13.0``, CPU wheel).
2. The cheap-gradient principle on the same MLP: (forward + backward) / forward.
3. A scalar graph of 300 ops (100 × (mul, add, tanh)), forward + backward, per op:
   bibun's Tensor on 0-d values vs ``_Value`` below, a micrograd-style engine (Python
   floats, closures) written for this benchmark, and ``_Lean``, the same stripped down.

Each timing is the median of interleaved repeats (A, B, C, A, B, C, ...) so that drift
in the machine's speed hits every contestant alike.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import bibun.autodiff as ad
from bibun.autodiff import Tensor

SIZES = (64, 256, 256, 10)
BATCH = 256
LR = 0.01


# -- 1. the MLP step ------------------------------------------------------------------------


def _init(dtype: type, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray,
                                                np.ndarray]:
    rng = np.random.default_rng(seed)
    Ws = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype)
          for a, b in zip(SIZES, SIZES[1:])]
    bs = [np.zeros(b, dtype=dtype) for b in SIZES[1:]]
    X = rng.standard_normal((BATCH, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], BATCH)
    return Ws, bs, X, y


def bibun_step(dtype: type, fused: bool = True
               ) -> tuple[Callable[[], None], Callable[[], object], Callable[[object], None]]:
    """The step as ``nn.Linear`` computes it (``fused``: one ``linear`` node per layer),
    or written out by hand as ``h @ W + b`` (two nodes, one more array kept per layer)."""
    Ws, bs, X, y = _init(dtype)
    params = [Tensor(a, requires_grad=True) for a in Ws + bs]
    W, b = params[:3], params[3:]

    def forward() -> Tensor:
        h = Tensor(X)
        for i in range(3):
            h = ad.linear(h, W[i], b[i]) if fused else h @ W[i] + b[i]
            if i < 2:
                h = h.tanh()
        return ad.cross_entropy(h, y)

    def backward(loss: Tensor) -> None:
        loss.backward()

    def step() -> None:
        loss = forward()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
            p.grad = None  # zero_grad(), as the PyTorch step does: frees the arrays now

    return step, forward, backward


def numpy_step(dtype: type) -> Callable[[], None]:
    Ws, bs, X, y = _init(dtype)
    rows = np.arange(BATCH)

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
        p = e / s
        _loss = (np.log(s[:, 0]) + m[:, 0] - h[rows, y]).mean()
        g = p
        g[rows, y] -= 1
        g /= BATCH
        for i in (2, 1, 0):
            dW = hs[i].T @ g
            db = g.sum(axis=0)
            if i > 0:
                g = (g @ Ws[i].T) * (1 - hs[i] * hs[i])
            Ws[i] -= LR * dW
            bs[i] -= LR * db

    return step


def torch_step(dtype: type) -> Callable[[], None] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    Ws, bs, X, y = _init(dtype)
    params = [torch.tensor(a, requires_grad=True) for a in Ws + bs]
    W, b = params[:3], params[3:]
    Xt, yt = torch.tensor(X), torch.tensor(y)
    ce = torch.nn.functional.cross_entropy

    def step() -> None:
        h = Xt
        for i in range(3):
            h = h @ W[i] + b[i]
            if i < 2:
                h = torch.tanh(h)
        loss = ce(h, yt)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None

    return step


def _interleaved(fns: dict[str, Callable[[], None]], repeats: int, warmup: int = 10,
                 raw: bool = False) -> dict[str, Any]:
    """Seconds per call (median, or all samples with ``raw``), contestants interleaved."""
    for f in fns.values():
        for _ in range(warmup):
            f()
    times: dict[str, list[float]] = {k: [] for k in fns}
    clock = time.perf_counter
    for _ in range(repeats):
        for k, f in fns.items():
            t0 = clock()
            f()
            times[k].append(clock() - t0)
    if raw:
        return times
    return {k: statistics.median(v) for k, v in times.items()}


def bench_mlp(repeats: int, rounds: int = 4) -> list[dict[str, object]]:
    """bibun and NumPy interleaved; PyTorch in separate blocks with a pause around them,
    because its OpenMP threads keep spinning after each call and would slow whoever runs
    next (measured here: that alone made the next NumPy step 2-4x slower)."""
    out = []
    for dtype in (np.float32, np.float64):
        step, forward, backward = bibun_step(dtype)
        pair: dict[str, Callable[[], None]] = {"bibun": step, "numpy": numpy_step(dtype),
                                                "bibun unfused": bibun_step(dtype, False)[0]}
        t = torch_step(dtype)
        samples: dict[str, list[float]] = {k: [] for k in (*pair, "torch")}
        per = max(5, repeats // rounds)
        for _ in range(rounds):
            for k, v in _interleaved(pair, per, raw=True).items():
                samples[k].extend(v)
            if t is not None:
                time.sleep(0.3)
                samples["torch"].extend(_interleaved({"torch": t}, per, raw=True)["torch"])
                time.sleep(0.3)
        res: dict[str, object] = {k: statistics.median(v) for k, v in samples.items() if v}
        # ratios robust to load from other processes: bibun and NumPy ran back to back,
        # so compare each pair; PyTorch ran in its own blocks, so compare best-of too
        res["ratio numpy"] = statistics.median(
            b / n for b, n in zip(samples["bibun"], samples["numpy"]))
        res["ratio unfused"] = statistics.median(
            b / n for b, n in zip(samples["bibun unfused"], samples["numpy"]))
        if samples["torch"]:
            res["best ratio torch"] = min(samples["bibun"]) / min(samples["torch"])
        # cheap-gradient ratio: forward (recording the graph) vs backward, same run
        fwd_times, bwd_times = [], []
        for _ in range(max(10, repeats // 2)):
            t0 = time.perf_counter()
            loss = forward()
            t1 = time.perf_counter()
            backward(loss)
            t2 = time.perf_counter()
            fwd_times.append(t1 - t0)
            bwd_times.append(t2 - t1)
        res["forward"] = statistics.median(fwd_times)
        res["backward"] = statistics.median(bwd_times)
        res["dtype"] = np.dtype(dtype).name
        out.append(res)
    return out


# -- 3. a micrograd-style scalar engine, written for this comparison ---------------------------


class _Value:
    """Scalar reverse mode with micrograd's feature set: constants are coerced, children
    kept in a set, each node labelled with its op, one closure per op, a recursive
    topological sort.  Written for this benchmark (same behaviour, not copied)."""

    def __init__(self, data: float, children: tuple = (), op: str = ""):
        self.data = data
        self.grad = 0.0
        self._prev = set(children)
        self._op = op
        self._backward: Callable[[], None] = lambda: None

    def __add__(self, other: object) -> _Value:
        other = other if isinstance(other, _Value) else _Value(other)
        out = _Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: object) -> _Value:
        other = other if isinstance(other, _Value) else _Value(other)
        out = _Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> _Value:
        t = math.tanh(self.data)
        out = _Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        order: list[_Value] = []
        seen: set[_Value] = set()

        def visit(n: _Value) -> None:
            if n not in seen:
                seen.add(n)
                for c in n._prev:
                    visit(c)
                order.append(n)

        visit(self)
        self.grad = 1.0
        for n in reversed(order):
            n._backward()


class _Lean:
    """The same engine stripped to the bone (__slots__, no coercion, no labels): a lower
    bound on what pure-Python scalar reverse mode costs."""

    __slots__ = ("v", "g", "parents", "back")

    def __init__(self, v: float, parents: tuple = ()):
        self.v, self.g, self.parents, self.back = v, 0.0, parents, None

    def __add__(self, o: _Lean) -> _Lean:
        r = _Lean(self.v + o.v, (self, o))

        def back() -> None:
            self.g += r.g
            o.g += r.g

        r.back = back
        return r

    def __mul__(self, o: _Lean) -> _Lean:
        r = _Lean(self.v * o.v, (self, o))

        def back() -> None:
            self.g += o.v * r.g
            o.g += self.v * r.g

        r.back = back
        return r

    def tanh(self) -> _Lean:
        t = math.tanh(self.v)
        r = _Lean(t, (self,))

        def back() -> None:
            self.g += (1 - t * t) * r.g

        r.back = back
        return r

    def backward(self) -> None:
        order: list[_Lean] = []
        seen: set[int] = set()

        def visit(n: _Lean) -> None:
            if id(n) not in seen:
                seen.add(id(n))
                for p in n.parents:
                    visit(p)
                order.append(n)

        visit(self)
        self.g = 1.0
        for n in reversed(order):
            if n.back is not None:
                n.back()


N_SCALAR_OPS = 300


def _scalar_graph(make: Callable[[float], object]) -> Callable[[], None]:
    def run() -> None:
        a, b, c = make(0.3), make(0.9), make(0.05)
        h = a
        for _ in range(N_SCALAR_OPS // 3):
            h = (h * b + c).tanh()
        h.backward()

    return run


def bench_scalar(repeats: int) -> dict[str, float]:
    fns = {
        "bibun": _scalar_graph(lambda v: Tensor(v, requires_grad=True)),
        "micrograd-style": _scalar_graph(_Value),
        "lean pure-Python": _scalar_graph(_Lean),
    }
    res = _interleaved(fns, repeats, warmup=5)
    return {k: v / N_SCALAR_OPS for k, v in res.items()}


# -- report ------------------------------------------------------------------------------------


def _print_mlp(rows: list[dict[str, object]]) -> None:
    print("| dtype | bibun | hand-written NumPy | PyTorch CPU (2 threads) | bibun / NumPy "
          "| bibun / PyTorch (median; best-of) | (fwd+bwd) / fwd | unfused `h @ W + b` / NumPy |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        bib, npy = float(r["bibun"]), float(r["numpy"])
        tor = r.get("torch")
        tor_s = f"{1e3 * float(tor):.2f} ms" if tor is not None else "n/a"
        ratio_t = (f"{bib / float(tor):.2f}x; {float(r['best ratio torch']):.2f}x"
                   if tor is not None else "n/a")
        cheap = (float(r["forward"]) + float(r["backward"])) / float(r["forward"])
        print(f"| {r['dtype']} | {1e3 * bib:.2f} ms | {1e3 * npy:.2f} ms | {tor_s} | "
              f"{float(r['ratio numpy']):.2f}x | {ratio_t} | {cheap:.2f} | "
              f"{float(r['ratio unfused']):.2f}x |")
    print()
    for r in rows:
        print(f"{r['dtype']}: forward {1e3 * float(r['forward']):.2f} ms, backward "
              f"{1e3 * float(r['backward']):.2f} ms (backward / forward = "
              f"{float(r['backward']) / float(r['forward']):.2f})")
    print("(times: medians; bibun / NumPy: median of back-to-back pairs)")


def main(argv: list[str]) -> int:
    from bibun.autodiff.memory import tune_malloc

    quick = "--quick" in argv
    repeats = 40 if quick else 200
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, tanh, softmax cross-entropy, one "
          f"SGD step; median of {repeats} repeats (bibun and NumPy interleaved, PyTorch in "
          "its own blocks)\n")
    print("## default glibc malloc\n")
    _print_mlp(bench_mlp(repeats))
    if tune_malloc():
        print("\n## malloc tuned (bibun.autodiff.memory.tune_malloc: freed memory is reused, "
              "no page faults per step)\n")
        _print_mlp(bench_mlp(repeats))
    s = bench_scalar(max(20, repeats // 4))
    print(f"\nscalar graph, {N_SCALAR_OPS} ops (mul, add, tanh), forward + backward, per op:")
    print("| engine | µs per op |\n|---|---|")
    for k, v in s.items():
        print(f"| {k} | {1e6 * v:.2f} |")
    print(f"\nbibun / micrograd-style: {s['bibun'] / s['micrograd-style']:.2f}x; "
          f"bibun / lean: {s['bibun'] / s['lean pure-Python']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
