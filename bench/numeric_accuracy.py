"""Accuracy of numerical first derivatives: bibun vs numdifftools vs scipy.differentiate.

    python -m bench numeric_accuracy            # summary table
    python -m bench numeric_accuracy --detail   # plus one line per case

A suite of smooth functions (the seeds' functions, activations, compositions, points
near domain edges, near singular points and at x = 1e8), each written once as a NumPy
function and once as a SymPy expression.  The exact derivative comes from SymPy,
evaluated with 40 digits at the *binary* value of x, so "true error" is the error of
the method and nothing else.  Every method sees the same function through a counting
wrapper (points evaluated per x), so evaluation counts are measured, not quoted.

Reported per method: median and worst relative error, the fraction of cases whose error
estimate is >= the true error (is the error bar honest?), the median number of
evaluations, and failures (NaN/inf or relative error > 1e-2).
"""

from __future__ import annotations

import statistics
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from bibun import numeric
from bibun.functions import rule

X = sp.Symbol("x")


def _s(text: str) -> sp.Expr:
    """SymPy expression with every float literal replaced by its exact binary value."""
    e = sp.sympify(text, locals={"x": X})
    return e.xreplace({f: sp.Rational(float(f)) for f in e.atoms(sp.Float)})


sig = rule("sigmoid").numpy
softplus = rule("softplus").numpy

# (name, numpy function, sympy expression, points)
CASES: list[tuple[str, Callable[[Any], Any], str, list[float]]] = [
    ("0.01x^2+0.1x (seed)", lambda x: 0.01 * x**2 + 0.1 * x, "0.01*x**2+0.1*x", [5.0, 10.0]),
    ("x^2+4^2 (seed tmp1)", lambda x: x**2 + 4.0**2, "x**2+16", [3.0]),
    ("3^2+x^2 (seed tmp2)", lambda x: 3.0**2.0 + x**2, "9+x**2", [4.0]),
    ("4x^3+2*2^2+1 (seed)", lambda x: 4 * x**3 + 9.0, "4*x**3+9", [2.0]),
    ("(x^3+1)^2 (seed)", lambda x: (x**3 + 1) ** 2, "(x**3+1)**2", [1.3, -0.7]),
    ("(x^2+3x+1)^4", lambda x: (x**2 + 3 * x + 1) ** 4, "(x**2+3*x+1)**4", [0.7]),
    ("1/(x^3+1)", lambda x: 1 / (x**3 + 1), "1/(x**3+1)", [0.9]),
    ("2^x (a^x)", lambda x: 2.0**x, "2**x", [3.0]),
    ("x^x", lambda x: x**x, "x**x", [1.5]),
    ("sin", np.sin, "sin(x)", [1.0, 1e8]),
    ("cos", np.cos, "cos(x)", [0.5, 3.0]),
    ("tan", np.tan, "tan(x)", [1.2]),
    ("exp", np.exp, "exp(x)", [1.0, -20.0]),
    ("log", np.log, "log(x)", [1e-6, 2.0, 1e8]),
    ("sqrt", np.sqrt, "sqrt(x)", [1e-3, 1e8]),
    ("cbrt (no complex)", np.cbrt, "x**(1/3)", [1e-3, 8.0]),
    ("log(sin(x^3-2))", lambda x: np.log(np.sin(x**3 - 2)), "log(sin(x**3-2))", [1.5]),
    ("sigmoid (stable)", sig, "1/(1+exp(-x))", [0.5, -30.0]),
    ("tanh", np.tanh, "tanh(x)", [0.3, 5.0]),
    ("softplus", softplus, "log(1+exp(x))", [2.0]),
    ("atan", np.arctan, "atan(x)", [0.5, 1e8]),
    ("asin near 1", np.arcsin, "asin(x)", [0.999]),
    ("acosh near 1", np.arccosh, "acosh(x)", [1.0001]),
    ("atanh near 1", np.arctanh, "atanh(x)", [0.99]),
    ("exp(sin x)cos x", lambda x: np.exp(np.sin(x)) * np.cos(x), "exp(sin(x))*cos(x)", [2.0]),
    ("sin(1/x)", lambda x: np.sin(1 / x), "sin(1/x)", [0.1]),
    ("x^2 log x", lambda x: x**2 * np.log(x), "x**2*log(x)", [1e-4]),
    ("Runge 1/(1+25x^2)", lambda x: 1 / (1 + 25 * x**2), "1/(1+25*x**2)", [0.2]),
    ("gaussian", lambda x: np.exp(-(x**2)), "exp(-x**2)", [3.0]),
    ("log1p", np.log1p, "log(1+x)", [1e-8]),
    ("x^2.5", lambda x: x**2.5, "x**(5/2)", [1e-2]),
    ("sinh(x)/x", lambda x: np.sinh(x) / x, "sinh(x)/x", [1.0]),
    ("x exp(-x)", lambda x: x * np.exp(-x), "x*exp(-x)", [10.0]),
    ("sqrt(1-x^2)", lambda x: np.sqrt(1 - x**2), "sqrt(1-x**2)", [0.99]),
    ("1/x near 0", lambda x: 1 / x, "1/x", [1e-3]),
    ("x^10", lambda x: x**10, "x**10", [1.1]),
    ("x log x at 1e8", lambda x: x * np.log(x), "x*log(x)", [1e8]),
    ("log(e^x+e^2x)", lambda x: np.log(np.exp(x) + np.exp(2 * x)), "log(exp(x)+exp(2*x))",
     [1.0]),
]


class Counter:
    """Wraps f and counts evaluated points (elements), whatever shape f is called with."""

    def __init__(self, f: Callable[[Any], Any]):
        self.f, self.n = f, 0

    def __call__(self, x: Any) -> Any:
        self.n += int(np.size(x))
        with np.errstate(all="ignore"):
            return self.f(x)


def _bibun(method: str) -> Callable[[Callable[[Any], Any], float], tuple[float, float, int]]:
    def run(f: Callable[[Any], Any], x: float) -> tuple[float, float, int]:
        c = Counter(f)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", numeric.NumericWarning)
            est = numeric.derivative(c, x, method=method)
        return float(est.value), float(est.error_estimate), c.n
    return run


def _numdifftools(f: Callable[[Any], Any], x: float) -> tuple[float, float, int]:
    import numdifftools as nd

    c = Counter(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nd.Derivative(c, full_output=True)(x)
    val, err = (res.estimate, res.error_estimate) if hasattr(res, "estimate") else \
        (res[0], res[1].error_estimate)  # numdifftools < 0.11 returns (value, info)
    return float(val), float(err), c.n


def _scipy(f: Callable[[Any], Any], x: float) -> tuple[float, float, int]:
    from scipy.differentiate import derivative

    c = Counter(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = derivative(c, x)
    return float(res.df), float(res.error), c.n


METHODS = {
    "bibun auto": _bibun("auto"),
    "bibun richardson": _bibun("richardson"),
    "numdifftools": _numdifftools,
    "scipy.differentiate": _scipy,
}


def exact_derivative(text: str, x: float) -> float:
    d = sp.diff(_s(text), X)
    return float(sp.N(d.subs(X, sp.Rational(x)), 40))


def run_suite() -> tuple[list[tuple[str, float, float]], dict[str, list[dict[str, float]]]]:
    cases = [(name, f, text, x, exact_derivative(text, x))
             for name, f, text, xs in CASES for x in xs]
    results: dict[str, list[dict[str, float]]] = {m: [] for m in METHODS}
    for name, f, _text, x, exact in cases:
        for m, run in METHODS.items():
            try:
                val, est, nev = run(f, x)
            except Exception as exc:  # a peer (or we) raising counts as a failure
                val, est, nev = float("nan"), float("nan"), 0
                if m.startswith("bibun"):
                    print(f"  bibun raised on {name} at {x}: {exc}", file=sys.stderr)
            err = abs(val - exact)
            rel = err / abs(exact) if exact else err
            results[m].append({"rel": rel if np.isfinite(rel) else np.inf, "err": err,
                               "est": est, "nev": nev, "value": val})
    return [(c[0], c[3], c[4]) for c in cases], results


def summarize(results: dict[str, list[dict[str, float]]]) -> list[dict[str, Any]]:
    rows = []
    for m, rs in results.items():
        rels = [r["rel"] for r in rs]
        honest = [np.isfinite(r["est"]) and r["est"] >= r["err"] for r in rs]
        fails = sum(1 for r in rels if not (r <= 1e-2))
        rows.append({"method": m, "median_rel": statistics.median(rels),
                     "worst_rel": max(rels), "honest": sum(honest) / len(rs),
                     "median_evals": statistics.median(r["nev"] for r in rs),
                     "mean_evals": statistics.fmean(r["nev"] for r in rs),
                     "fails": fails, "n": len(rs)})
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    cases, results = run_suite()
    rows = summarize(results)
    print(f"{len(CASES)} functions, {len(cases)} cases (function, point); relative error of f'(x)")
    print(f"{'method':<20} {'median rel err':>14} {'worst rel err':>13} {'est >= err':>10} "
          f"{'median evals':>12} {'mean evals':>10} {'failures':>8}")
    for r in rows:
        print(f"{r['method']:<20} {r['median_rel']:>14.1e} {r['worst_rel']:>13.1e} "
              f"{r['honest']:>10.0%} {r['median_evals']:>12.0f} {r['mean_evals']:>10.1f} "
              f"{r['fails']:>8d}")
    print("failures: NaN/inf or relative error > 1e-2; 'est >= err': the method's own error "
          "estimate bounds its true error")
    if "--detail" in argv:
        names = list(METHODS)
        print()
        print(f"{'case':<26} {'x':>9} " + " ".join(f"{n[:18]:>18}" for n in names))
        for i, (name, x, _ex) in enumerate(cases):
            cells = []
            for n in names:
                r = results[n][i]
                mark = "" if (np.isfinite(r["est"]) and r["est"] >= r["err"]) else "!"
                cells.append(f"{r['rel']:9.1e}{mark:1}/{r['nev']:>4d}ev")
            print(f"{name[:26]:<26} {x:>9.3g} " + " ".join(f"{c:>18}" for c in cells))
        print("cell: relative error / evaluations; '!' marks an error estimate below the true "
              "error")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
