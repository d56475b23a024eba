"""Symbolic differentiation speed: bibun vs SymPy vs SymEngine, same machine, same run.

    python -m bench diff_speed            # full run (SymPy's deep case takes ~30 s)
    python -m bench diff_speed --quick    # skips SymPy where it needs more than 20 s
    BIBUN_PURE=1 python -m bench diff_speed --quick   # the pure-Python core (not the compiled)

Times are the median of several runs of ``diff`` alone (parsing excluded); SymPy's
cache is cleared before each run so no one is timed on a cached answer.  Two bibun
columns: ``bibun.diff`` as a user calls it (work budget, textbook tidying, Taylor mode
chosen for high orders) and the core alone (forward accumulation over the DAG, what
SymEngine's ``diff`` does); "Taylor" rows use :func:`bibun.symbolic.taylor_diff`.
Sizes: distinct DAG nodes for bibun, and tree operations (``count_ops``) for SymPy where
counting is affordable.

Sections: the cases (seeds, nests, chains, 300 random expressions and the textbook
corpus, ``tests/corpus/derivatives.json``), each timed repeatedly; the same small
expressions once each in a fresh process ("first call": every node new, nothing warm);
orders 1-10 on the sine nest and the exp·sin chain; and the command line's start-up
(:mod:`bench.cli_startup`, beside ``python -c "import lark"`` and SymPy's one-liner).
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bibun
from bibun import native
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


ROOT = Path(__file__).resolve().parents[1]


def textbook() -> list[tuple[str, str]]:
    """(SymPy-syntax formula, variable) of every item of the textbook corpus."""
    items = json.loads((ROOT / "tests/corpus/derivatives.json").read_text("utf-8"))["items"]
    return [(it["meaning"], it["var"]) for it in items]


def cases(quick: bool) -> list[tuple[str, str | DeepExpSin, int, bool, str]]:
    """(name, expression, order, run_sympy, variable); a name starting "Taylor" times
    taylor_diff."""
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
    with_x = [(*c, "x") for c in out]
    return with_x + [(f"textbook #{i}", t, 1, not quick, v)
                     for i, (t, v) in enumerate(textbook())]


def _small(name: str) -> bool:
    """The small expressions whose median is the core's headline ratio."""
    return name.startswith(("seed", "random", "textbook"))


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    print(f"symbolic core: {native.status()}  (BIBUN_PURE=1 for the pure-Python one)")
    rows = repeated(quick)
    report(rows)
    first_call(rows)
    orders(quick)
    cli(int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 5)


def repeated(quick: bool) -> list[tuple]:
    """Every case timed repeatedly in this process (the median of up to 50 calls)."""
    import symengine
    import sympy
    from sympy.core.cache import clear_cache

    rows = []
    for name, text, order, run_sympy, var in cases(quick):
        x, x_sp, x_se = core.symbol(var), sympy.Symbol(var), symengine.Symbol(var)
        try:
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
                core_diff(e, x, order)
                symengine.diff(se_expr, x_se)
        except Exception:  # noqa: BLE001  (a textbook formula one library cannot read)
            continue
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
        se = _time(lambda se_expr=se_expr, x_se=x_se, order=order:
                   symengine.diff(se_expr, *([x_se] * order)), budget)
        if run_sympy:
            def sp_run(s_expr=s_expr, x_sp=x_sp, order=order):
                clear_cache()
                return sympy.diff(s_expr, x_sp, order)
            t0 = time.perf_counter()
            sp_res = sp_run()
            first = time.perf_counter() - t0
            sp_t = first if first > 2 else _time(sp_run, budget=1.0, max_runs=10)
            sp_ops = sympy.count_ops(sp_res) if first < 2 else None
        else:
            sp_t, sp_ops = None, None
        rows.append((name, ours, ours_core, sp_t, se, size, sp_ops, text, var))
        print(f"{name[:40]:40} bibun {_fmt(ours):>10}  core {_fmt(ours_core):>10}  sympy "
              f"{_fmt(sp_t):>10}  symengine {_fmt(se):>10}  dag {size}",
              file=sys.stderr if len(rows) > 40 else sys.stdout, flush=True)
    return rows


def _median_row(label: str, group: list[tuple]) -> str:
    sp = [r[3] / r[1] for r in group if r[3] is not None and r[1] is not None]
    return (f"| {label} (median) | {_fmt(statistics.median(r[1] for r in group))} |"
            f" {_fmt(statistics.median(r[2] for r in group))} |"
            f" {_fmt(statistics.median(r[3] for r in group)) if sp else '—'} |"
            f" {f'{statistics.median(sp):.0f}x' if sp else '—'} |"
            f" {_fmt(statistics.median(r[4] for r in group))} |"
            f" {statistics.median(r[2] / r[4] for r in group):.2f} | |")


def report(rows) -> None:
    print()
    print("| case | bibun.diff | bibun core | SymPy | SymPy / bibun | SymEngine |"
          " bibun core / SymEngine | bibun DAG nodes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, ours, ours_core, sp_t, se, size, *_ in rows:
        if name.startswith(("random", "textbook")) and name != "random #0":
            continue
        ratio = "—" if sp_t is None or ours is None else f"{sp_t / ours:.0f}x"
        print(f"| {name} | {_fmt(ours)} | {_fmt(ours_core)} | {_fmt(sp_t)} | {ratio} |"
              f" {_fmt(se)} | {ours_core / se:.2f} | {size} |")
    rnd = [r for r in rows if r[0].startswith("random")]
    book = [r for r in rows if r[0].startswith("textbook")]
    print(_median_row(f"{len(rnd)} random expressions", rnd))
    print(_median_row(f"{len(book)} textbook problems", book))
    small = [r for r in rows if _small(r[0])]
    sp_ratios = [r[3] / r[1] for r in rows if r[3] is not None and r[1] is not None]
    print()
    print(f"median SymPy/bibun.diff over {len(sp_ratios)} cases: "
          f"{statistics.median(sp_ratios):.0f}x (target >= 20x)")
    print(f"small expressions (seeds, random, textbook; {len(small)}), repeated calls: median"
          f" bibun core/SymEngine {statistics.median(r[2] / r[4] for r in small):.2f}"
          f" (target <= 2), bibun.diff/SymEngine"
          f" {statistics.median(r[1] / r[4] for r in small if r[1]):.2f}")


def _first_call_worker(kind: str) -> None:
    """In a fresh process: each (formula, variable) from stdin differentiated once, in
    order, by ``kind`` ("core", "diff" or "symengine"); the seconds of each as JSON."""
    items = json.loads(sys.stdin.read())
    if kind == "symengine":
        import symengine

        exprs = [(symengine.sympify(t), symengine.Symbol(v)) for t, v in items]
        run = symengine.diff
    else:
        exprs = [(bibun.parse(t), core.symbol(v)) for t, v in items]
        run = (lambda e, x: core_diff(e, x, 1)) if kind == "core" else bibun.diff
    out, keep = [], []
    for e, x in exprs:
        t0 = time.perf_counter()
        keep.append(run(e, x))
        out.append(time.perf_counter() - t0)
    print(json.dumps(out))


def first_call(rows) -> None:
    """The small expressions again, each differentiated once in a fresh process (every
    node of the derivative new, no warm caches): three processes, one per column."""
    items = [(r[7], r[8]) for r in rows if _small(r[0])]
    got = {}
    for kind in ("core", "diff", "symengine"):
        code = f"import bench.diff_speed as b; b._first_call_worker({kind!r})"
        proc = subprocess.run([sys.executable, "-c", code], input=json.dumps(items), text=True,
                              capture_output=True, cwd=ROOT, check=True)
        got[kind] = json.loads(proc.stdout.splitlines()[-1])
    core_t, diff_t, se_t = got["core"], got["diff"], got["symengine"]
    print()
    print(f"first call (each of {len(items)} small expressions once, fresh processes):"
          f" median bibun core {_fmt(statistics.median(core_t))}, bibun.diff"
          f" {_fmt(statistics.median(diff_t))}, SymEngine {_fmt(statistics.median(se_t))};"
          f" median bibun core/SymEngine"
          f" {statistics.median(a / b for a, b in zip(core_t, se_t, strict=True)):.2f},"
          f" bibun.diff/SymEngine"
          f" {statistics.median(a / b for a, b in zip(diff_t, se_t, strict=True)):.2f}")


def orders(quick: bool) -> None:
    """Orders 1-10 on the sine nest and the depth-15 exp·sin chain: bibun.diff (which
    picks Taylor mode for high orders), the rules alone, Taylor mode alone, SymEngine.
    A column stops (—) after an order that took longer than the cap."""
    import symengine

    cap = 3.0 if quick else 20.0
    x, x_se = core.symbol("x"), symengine.Symbol("x")
    subjects = [
        ("sin^6 nest", sine_nest(x, lambda u: core.fn("sin", u), 6),
         sine_nest(x_se, symengine.sin, 6)),
        ("exp(sin(e))·e depth 15",
         DeepExpSin(15).build(x, lambda u: core.fn("exp", u), lambda u: core.fn("sin", u)),
         DeepExpSin(15).build(x_se, symengine.exp, symengine.sin)),
    ]
    print()
    print("| function, order | bibun.diff (auto) | rules alone | Taylor alone | SymEngine |"
          " SymEngine / bibun.diff | DAG nodes: auto / rules |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, e, se_e in subjects:
        slow: set[str] = set()
        for n in range(1, 11):
            runs = {
                "auto": lambda n=n, e=e: bibun.diff(e, x, n, tidy=False),
                "rules": lambda n=n, e=e: bibun.diff(e, x, n, tidy=False, method="rules"),
                "taylor": lambda n=n, e=e: taylor_diff(e, x, n),
                "se": lambda n=n, s=se_e: symengine.diff(s, *([x_se] * n)),
            }
            t: dict[str, float | None] = {}
            sizes: dict[str, int | str] = {}
            for k, f in runs.items():
                if k in slow:
                    t[k] = None
                    continue
                try:
                    t[k] = _time(f, budget=2.0, max_runs=10)
                except LimitError:
                    t[k], sizes[k] = None, "refused"
                    slow.add(k)
                    continue
                if t[k] > cap:
                    slow.add(k)
                if k in ("auto", "rules"):
                    sizes[k] = dag_size(f())
            ratio = f"{t['se'] / t['auto']:.1f}x" if t["se"] and t["auto"] else "—"
            print(f"| {label}, {n} | {_fmt(t['auto'])} | {_fmt(t['rules'])} |"
                  f" {_fmt(t['taylor'])} | {_fmt(t['se'])} | {ratio} |"
                  f" {sizes.get('auto', '—')} / {sizes.get('rules', '—')} |", flush=True)


def cli(rounds: int) -> None:
    """Start-up of ``bibun diff`` beside ``import lark`` and SymPy's one-liner
    (:mod:`bench.cli_startup`, whole processes, same rounds), run from a fresh small
    process: a child's peak memory as Linux reports it starts from its parent's at the
    fork, and this one holds SymPy, SymEngine and every DAG built above."""
    print(flush=True)
    subprocess.run([sys.executable, "-m", "bench", "cli_startup", "--rounds", str(rounds)],
                   cwd=ROOT, check=True)


def _fmt(t: float | None) -> str:
    if t is None:
        return "—"
    if t >= 1:
        return f"{t:.1f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.0f} µs"
