"""Compiled gradient speed: bibun.compile_gradient vs hand-written NumPy vs SymPy lambdify.

    python -m bench compile_speed             # 10^6 points
    python -m bench compile_speed --points 100000

The function has 10 variables and the kind of sharing real gradients have (neighbouring
terms share a cosine, every component shares a norm and an exponential):

    f = Σ_{i=1..9} sin(x_i x_{i+1}) + sqrt(1 + Σ x_i²) + exp(-(x_1 + ... + x_10)/10)

All three evaluate the full gradient (10 arrays) at the same 10^6 random points; the
hand-written version computes each shared piece once, as a careful person would.
SymPy's ``lambdify(..., cse=True)`` is timed on the gradient SymPy itself derives.
Each round runs all three in turn (so background load hits them alike); the best and
median times are reported.  Compile/lambdify time is reported separately.
The results are checked against each other before timing.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

N_VARS = 10
NAMES = [f"x{i}" for i in range(1, N_VARS + 1)]
TEXT = (" + ".join(f"sin(x{i}*x{i + 1})" for i in range(1, N_VARS))
        + " + sqrt(1 + " + " + ".join(f"x{i}^2" for i in range(1, N_VARS + 1)) + ")"
        + " + exp(-(" + " + ".join(NAMES) + ")/10)")


def hand_written(*x: np.ndarray) -> list[np.ndarray]:
    """The gradient as a person would write it with NumPy."""
    n = len(x)
    c = [np.cos(x[i] * x[i + 1]) for i in range(n - 1)]
    s = np.ones_like(x[0])
    for xi in x:
        s += xi * xi
    r = 1 / np.sqrt(s)
    total = x[0].copy()
    for xi in x[1:]:
        total += xi
    e = np.exp(-total / 10) / 10
    g = []
    for i in range(n):
        gi = x[i] * r - e
        if i + 1 < n:
            gi += x[i + 1] * c[i]
        if i > 0:
            gi += x[i - 1] * c[i - 1]
        g.append(gi)
    return g


def _time(fns: list[Callable[[], object]], runs: int) -> list[tuple[float, float]]:
    """(best, median) seconds per function; the functions take turns in every round so
    that load from other processes hits all of them alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return [(min(t), statistics.median(t)) for t in times]


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    points = int(argv[argv.index("--points") + 1]) if "--points" in argv else 10**6
    runs = 11
    rng = np.random.default_rng(1)
    xs = [rng.uniform(-2, 2, points) for _ in range(N_VARS)]

    import bibun
    from bibun.codegen import compile_gradient

    t0 = time.perf_counter()
    compiled = compile_gradient(bibun.parse(TEXT), NAMES)
    t_compile = time.perf_counter() - t0

    import sympy as sp

    t0 = time.perf_counter()
    syms = sp.symbols(" ".join(NAMES))
    fs = sp.sympify(TEXT.replace("^", "**"), locals=dict(zip(NAMES, syms)))
    grad = [sp.diff(fs, s) for s in syms]
    lam = sp.lambdify(syms, grad, modules="numpy", cse=True)
    t_sympy = time.perf_counter() - t0

    ref = hand_written(*xs)
    for name, got in (("bibun", compiled(*xs)), ("sympy", lam(*xs))):
        err = max(float(np.max(np.abs(a - b) / (1 + np.abs(b)))) for a, b in zip(got, ref))
        if err > 1e-12:
            print(f"{name} gradient disagrees with the hand-written one: {err:.1e}")
            return 1

    (b_hand, m_hand), (b_bibun, m_bibun), (b_lamb, m_lamb) = _time(
        [lambda: hand_written(*xs), lambda: compiled(*xs), lambda: lam(*xs)], runs)
    print(f"gradient of a {N_VARS}-variable function at {points:,} points "
          f"({runs} interleaved rounds; best and median time; ratios from the best)")
    print(f"  f = {TEXT}")
    print(f"  {'':<28} {'best':>8}    {'median':>8}    vs hand-written")
    print(f"  {'hand-written NumPy':<28} {b_hand * 1e3:8.1f} ms {m_hand * 1e3:8.1f} ms   1.00x")
    print(f"  {'bibun.compile_gradient':<28} {b_bibun * 1e3:8.1f} ms {m_bibun * 1e3:8.1f} ms   "
          f"{b_bibun / b_hand:.2f}x   (compile {t_compile * 1e3:.0f} ms)")
    print(f"  {'sympy.lambdify(cse=True)':<28} {b_lamb * 1e3:8.1f} ms {m_lamb * 1e3:8.1f} ms   "
          f"{b_lamb / b_hand:.2f}x   (diff + lambdify {t_sympy * 1e3:.0f} ms)")
    print(f"  sympy / bibun time: {b_lamb / b_bibun:.2f} (best), {m_lamb / m_bibun:.2f} (median)")
    if "--source" in argv:
        print(compiled.source)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
