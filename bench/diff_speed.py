"""Symbolic differentiation speed: bibun vs SymPy vs SymEngine, same machine, same run.

    python -m bench diff_speed            # full run (SymPy's deep case takes ~30 s)
    python -m bench diff_speed --quick    # skips SymPy where it needs more than 20 s

Times are the median of several runs of ``diff`` alone (parsing excluded); SymPy's
cache is cleared before each run so no one is timed on a cached answer.  Two bibun
columns: ``bibun.diff`` as a user calls it (work budget, textbook tidying) and the core
alone (forward accumulation over the DAG, what SymEngine's ``diff`` does); "Taylor"
rows use :func:`bibun.symbolic.taylor_diff`.  Sizes: distinct DAG nodes for bibun, and
tree operations (``count_ops``) for SymPy where counting is affordable.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable

import bibun
from bibun.errors import LimitError
from bibun.expr import core
from bibun.expr.core import dag_size
from bibun.symbolic import diff_once, taylor_diff


def core_diff(e: core.Expr, x: core.Expr, order: int) -> core.Expr:
    """The forward accumulation alone: no work budget, no tidying."""
    memo: dict = {}
    for k in range(order):
        e = diff_once(e, x, None, memo, release=k == order - 1)
    return e


def sine_nest(x, sin, depth: int):
    e = x
    for _ in range(depth):
        e = sin(e)
    return e


def _time(fn: Callable[[], object], budget: float = 1.0, max_runs: int = 50) -> float:
    """Median seconds per call over up to max_runs calls within ~budget seconds."""
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (not times or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        r = fn()
        times.append(time.perf_counter() - t0)
        del r
    return statistics.median(times)


class DeepExpSin:
    """e = x; repeat: e = exp(sin(e))·e.  Built through each library's API (its text
    form is 460 kB: more than bibun's parser accepts, and not what is being timed)."""

    def __init__(self, depth: int = 15):
        self.depth = depth

    def build(self, x, exp, sin):
        e = x
        for _ in range(self.depth):
            e = exp(sin(e)) * e
        return e


def _random_exprs(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    funcs = ["sin", "cos", "exp", "log", "tanh", "atan", "sqrt"]

    def gen(depth: int) -> str:
        if depth == 0 or rng.random() < 0.25:
            return rng.choice(["x", "y", "x", str(rng.randint(1, 9))])
        k = rng.random()
        if k < 0.3:
            return f"({gen(depth - 1)} + {gen(depth - 1)})"
        if k < 0.6:
            return f"({gen(depth - 1)}*{gen(depth - 1)})"
        if k < 0.75:
            return f"({gen(depth - 1)})**{rng.randint(2, 5)}"
        return f"{rng.choice(funcs)}({gen(depth - 1)})"

    out: list[str] = []
    while len(out) < n:
        s = gen(5)
        if "x" in s:
            out.append(s)
    return out


SEEDS = ["(x**3+1)**2", "1/(x**3+1)", "(x**2+3*x+1)**4", "(5*x+2)**3", "(x**2+1)**4",
         "log(sin(x**3-2))", "1/(1+exp(-x))", "tanh(x)", "(exp(x)-exp(-x))/(exp(x)+exp(-x))",
         "(x**2+y**2)*sin(x*y)", "0.01*x**2+0.1*x", "a**x"]


def cases(quick: bool) -> list[tuple[str, str | DeepExpSin, int, bool]]:
    """(name, expression, order, run_sympy); a name starting "Taylor" times taylor_diff."""
    nest = "sin(sin(sin(sin(sin(sin(x))))))"
    poly = " + ".join(f"{(k * 37) % 11 + 1}*x**{k}" for k in range(51))
    prod = "*".join(f"(x + {k})" for k in range(1, 21))
    out = [(f"seed {s}", s, 1, True) for s in SEEDS]
    out += [("sin^6 nest, 1st", nest, 1, True), ("sin^6 nest, 10th", nest, 10, not quick),
            ("Taylor: sin^6 nest, 10th", nest, 10, False),
            ("Taylor: sin^6 nest, 5th", nest, 5, False), ("sin^6 nest, 5th", nest, 5, True),
            ("sin nest depth 3000, 1st", "nest3000", 1, False),
            ("degree-50 polynomial", poly, 1, True), ("20 linear factors", prod, 1, True),
            ("exp(sin(e))·e depth 15", DeepExpSin(15), 1, not quick),
            ("exp(sin(e))·e depth 15, 3rd", DeepExpSin(15), 3, False)]
    out += [(f"random #{i}", s, 1, True) for i, s in enumerate(_random_exprs(300))]
    return out


def main(argv: list[str]) -> None:
    import symengine
    import sympy
    from sympy.core.cache import clear_cache

    quick = "--quick" in argv
    x_sp, x_se = sympy.Symbol("x"), symengine.Symbol("x")
    rows = []
    for name, text, order, run_sympy in cases(quick):
        x = core.symbol("x")
        if isinstance(text, DeepExpSin):
            e = text.build(x, lambda u: core.fn("exp", u), lambda u: core.fn("sin", u))
            s_expr = text.build(x_sp, sympy.exp, sympy.sin)
            se_expr = text.build(x_se, symengine.exp, symengine.sin)
        elif text == "nest3000":
            e = sine_nest(x, lambda u: core.fn("sin", u), 3000)
            s_expr = None
            se_expr = sine_nest(x_se, symengine.sin, 3000)
        else:
            e = bibun.parse(text)
            s_expr = sympy.sympify(text)
            se_expr = symengine.sympify(text)
        budget = 3.0 if order >= 5 or text == "nest3000" else 1.0
        if name.startswith("Taylor"):
            ours = _time(lambda e=e, order=order: taylor_diff(e, "x", order), budget)
            ours_core = ours
            d = taylor_diff(e, "x", order)
        else:
            try:
                ours = _time(lambda e=e, x=x, order=order: bibun.diff(e, x, order), budget)
            except LimitError:
                ours = None  # refused by the work budget
            ours_core = _time(lambda e=e, x=x, order=order: core_diff(e, x, order), budget)
            d = core_diff(e, x, order)
        size = dag_size(d)
        se = _time(lambda se_expr=se_expr, order=order: symengine.diff(se_expr, *([x_se] * order)),
                   budget)
        if run_sympy:
            def sp_run(s_expr=s_expr, order=order):
                clear_cache()
                return sympy.diff(s_expr, x_sp, order)
            t0 = time.perf_counter()
            sp_res = sp_run()
            first = time.perf_counter() - t0
            sp_t = first if first > 2 else _time(sp_run, budget=1.0, max_runs=10)
            sp_ops = sympy.count_ops(sp_res) if first < 2 else None
        else:
            sp_t, sp_ops = None, None
        rows.append((name, ours, ours_core, sp_t, se, size, sp_ops))
        print(f"{name[:40]:40} bibun {_fmt(ours):>10}  core {_fmt(ours_core):>10}  sympy "
              f"{_fmt(sp_t):>10}  symengine {_fmt(se):>10}  dag {size}",
              file=sys.stderr if len(rows) > 40 else sys.stdout, flush=True)
    report(rows)


def report(rows) -> None:
    print()
    print("| case | bibun.diff | bibun core | SymPy | SymPy / bibun | SymEngine |"
          " bibun core / SymEngine | bibun DAG nodes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, ours, ours_core, sp_t, se, size, _ in rows:
        if name.startswith("random") and name != "random #0":
            continue
        ratio = "—" if sp_t is None or ours is None else f"{sp_t / ours:.0f}x"
        print(f"| {name} | {_fmt(ours)} | {_fmt(ours_core)} | {_fmt(sp_t)} | {ratio} |"
              f" {_fmt(se)} | {ours_core / se:.2f} | {size} |")
    rnd = [r for r in rows if r[0].startswith("random")]
    print(f"| 300 random expressions (median) | {_fmt(statistics.median(r[1] for r in rnd))} |"
          f" {_fmt(statistics.median(r[2] for r in rnd))} |"
          f" {_fmt(statistics.median(r[3] for r in rnd))} |"
          f" {statistics.median(r[3] / r[1] for r in rnd):.0f}x |"
          f" {_fmt(statistics.median(r[4] for r in rnd))} |"
          f" {statistics.median(r[2] / r[4] for r in rnd):.2f} | |")
    sp_ratios = [r[3] / r[1] for r in rows if r[3] is not None and r[1] is not None]
    se_ratios = [r[2] / r[4] for r in rows if not r[0].startswith("Taylor")]
    print()
    print(f"median SymPy/bibun.diff over {len(sp_ratios)} cases: "
          f"{statistics.median(sp_ratios):.0f}x (target >= 20x)")
    print(f"median bibun core/SymEngine over {len(se_ratios)} cases:"
          f" {statistics.median(se_ratios):.2f} (target <= 2)")


def _fmt(t: float | None) -> str:
    if t is None:
        return "—"
    if t >= 1:
        return f"{t:.1f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.0f} µs"
