"""The public operations the fuzzer drives, each a function of one input text.

A target either returns, or raises one of bibun's errors: both keep the promise.  Any
other exception is a finding.  Extra arguments (points, orders) are fixed per target, so
a finding is reproduced from its target name and its text alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import bibun
from bibun import numeric
from bibun.autodiff.expr_graph import graph_of
from bibun.calculus import critical_points, series, tangent
from bibun.explain import check_answer, derivation
from bibun.expr.mathml import to_mathml
from fuzz.cli import run_cli


def _expr(text: str) -> bibun.Expr:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bibun.parse(text)


def _at(e: bibun.Expr, value: Any) -> dict[str, Any]:
    return {v: value for v in e.free}


def _one_var(text: str) -> tuple[bibun.Expr, str]:
    e = _expr(text)
    return e, (sorted(e.free) or ["x"])[0]


def t_print(text: str) -> Any:
    e = _expr(text)
    return str(e), e.unicode(), e.latex(), to_mathml(e)


def t_roundtrip(text: str) -> Any:
    """What bibun prints it reads back: the same node (hash-consing makes this `is`)."""
    e = _expr(text)
    back = _expr(str(e))
    if back is not e:
        raise AssertionError(f"printed {str(e)!r} reads back as {str(back)!r}")


def t_diff(text: str) -> Any:
    return str(bibun.diff(_expr(text)))


def t_diff2(text: str) -> Any:
    e, v = _one_var(text)
    return str(bibun.diff(e, v, 2))


def t_simplify(text: str) -> Any:
    return str(bibun.simplify(_expr(text)))


def t_evaluate(text: str) -> Any:
    e = _expr(text)
    return [e.evaluate(_at(e, v)) for v in (0, 2, 0.7, 10**400)]


def t_check(text: str) -> Any:
    e, v = _one_var(text)
    return check_answer(e, f"2{v}", v).correct


def t_steps(text: str) -> Any:
    e, v = _one_var(text)
    d = derivation(e, v)
    return d.render(lang="en"), d.render(lang="ja"), d.render(format="json")


def t_tangent(text: str) -> Any:
    e, v = _one_var(text)
    if len(e.free) > 1:
        return None
    return str(tangent(e, "1/2", v))


def t_series(text: str) -> Any:
    e, v = _one_var(text)
    if len(e.free) > 1:
        return None
    return str(series(e, v, order=4))


def t_critical(text: str) -> Any:
    e, v = _one_var(text)
    if len(e.free) > 1:
        return None
    return critical_points(e, v)


def t_numeric(text: str) -> Any:
    e, _ = _one_var(text)
    if len(e.free) > 1:
        return None
    return numeric.derivative(e, 0.7).value


def t_compile(text: str) -> Any:
    e = _expr(text)
    names = sorted(e.free)
    f = bibun.compile(e, names)
    with np.errstate(all="ignore"):
        return f(*([np.array([0.0, 0.7, 3.0])] * len(names)))


def t_graph(text: str) -> Any:
    e = _expr(text)
    out, _ = graph_of(e, _at(e, 0.7))
    return float(out.item())


def t_cli(text: str) -> Any:
    """A bibun command line (a JSON list of arguments): see fuzz.cli."""
    return run_cli(text)


def t_bytes(text: str) -> Any:
    """What the byte-level mode (fuzz.bytes) drives: reading any text, printing it in
    every form and differentiating it once."""
    e = _expr(text)
    return str(e), e.latex(), to_mathml(e), str(bibun.diff(e, (sorted(e.free) or ["x"])[0]))


TARGETS: dict[str, Callable[[str], Any]] = {
    name.removeprefix("t_"): fn for name, fn in globals().items() if name.startswith("t_")}
