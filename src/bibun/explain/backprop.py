"""Backpropagation worked by hand on the learner's own formula.

The forward pass visits the expression DAG children first and writes each node's value;
the backward pass visits it parents first: the local derivative of a node with respect to
each child comes from the rule table (σ′ = σ(1 − σ) evaluated with the stored forward
value, no second evaluation of σ), times the upstream gradient, is the gradient flowing
into that child, added to what already arrived where a node feeds two parents.  The
gradients at the inputs are checked against the autodiff engine (the same Tensor graph
``bibun graph`` draws) and against a central difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun.autodiff.expr_graph import graph_of
from bibun.errors import BibunError, DomainError
from bibun.explain.worked import Raw, Step, Worked
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.numbers import to_float
from bibun.functions import rule
from bibun.i18n import error
from bibun.symbolic import EXPR_OPS, derivative_at, diff

#: agreement demanded with the autodiff engine (same arithmetic, different order)
AUTODIFF_TOL = 1e-10


@dataclass
class Edge:
    parent: Expr
    child: Expr
    local_formula: Expr
    local: float
    upstream: float
    contribution: float
    accumulated: bool


@dataclass
class Backprop:
    expr: Expr
    point: dict[str, float]
    names: dict[Expr, str]
    values: dict[Expr, float]
    edges: list[Edge]
    gradient: dict[str, float]
    autodiff: dict[str, float]
    central: dict[str, float]
    worked: Worked = field(repr=False, default=None)  # type: ignore[assignment]

    def render(self, lang: str | None = None, format: str = "text") -> str:  # noqa: A002
        return self.worked.render(lang, format)


def _u(name: str) -> Expr:
    return core.symbol(name)


def _is_const(e: Expr) -> bool:
    return not e.free


def _val(a: Expr, values: dict[Expr, float]) -> float:
    return values[a] if a in values else float(to_float(a.evaluate()))


def _local(node: Expr, child: Expr, values: dict[Expr, float],
           names: dict[Expr, str]) -> tuple[Expr, float]:
    """(formula, value) of ∂node/∂child, formula in u (the child) and y (the node)."""
    u, y = _u("u"), _u("y")
    if node.op == core.ADD:
        return core.ONE, 1.0
    if node.op == core.MUL:
        others = [a for a in node.args if a is not child]
        return (core.mul(*(a if _is_const(a) else _u(names[a]) for a in others)),
                math.prod(_val(a, values) for a in others))
    if node.op == core.POW:
        b, n = node.args
        if child is b:
            f = core.mul(n, core.power(u, core.add(n, core.MINUS_ONE)))
            return f, to_float(f.evaluate({"u": values[b]}) if f.free else f.evaluate())
        base = b if _is_const(b) else _u(names[b])
        return core.mul(y, core.fn("log", base)), values[node] * math.log(_val(b, values))
    f = rule(node.value).deriv(u, y, EXPR_OPS)
    return f, float(to_float(as_expr(f).evaluate({"u": values[child], "y": values[node]})))


def backprop(expr: Any, point: dict[str, Any]) -> Backprop:
    """Forward and backward pass of ``expr`` at ``point`` node by node, with the checks."""
    e = as_expr(expr)
    extra = sorted(set(point) - e.free)
    if extra:
        raise error("error.backprop.extra", names=", ".join(extra), expr=str(e))
    missing = sorted(e.free - set(point))
    if missing:
        raise error("error.backprop.missing", names=", ".join(missing),
                    example=",".join(f"{m}=1" for m in missing))
    if not e.free:
        raise error("error.backprop.no_inputs", expr=str(e))
    where = ", ".join(f"{k} = {point[k]}" for k in sorted(point))
    try:
        e.evaluate(point)
        for v in sorted(e.free):
            derivative_at(e, diff(e, v), v, point)
    except OverflowError:
        raise error("error.backprop.overflow", DomainError, point=where) from None
    fpoint = {k: float(to_float(as_expr(v).evaluate() if isinstance(v, Expr) else v))
              for k, v in point.items()}
    order = [n for n in core.postorder(e) if not _is_const(n)]
    names: dict[Expr, str] = {}
    values: dict[Expr, float] = {}
    k = 0
    for n in order:
        if n.op == core.SYM:
            names[n] = n.value
        else:
            k += 1
            names[n] = "f" if n is e else f"v{k}"
        values[n] = float(to_float(n.evaluate(fpoint)))
    steps = [Step("backprop.forward_intro", {}, ())]
    for n in order:
        if n.op == core.SYM:
            steps.append(Step("backprop.input", {"name": names[n], "value": _fmt(values[n])},
                              ()))
            continue
        local = core.BUILD[n.op](n.value, tuple(
            a if _is_const(a) else _u(names[a]) for a in n.args))
        steps.append(Step("backprop.forward", {"name": names[n]},
                          (_u(names[n]), local, Raw(_fmt(values[n])))))
    steps.append(Step("backprop.backward_intro", {"name": names[e]},
                      (Raw(f"∂f/∂{names[e]}", rf"\partial f/\partial {names[e]}"), core.ONE)))
    grads: dict[Expr, float] = {e: 1.0}
    edges: list[Edge] = []
    for n in reversed(order):
        if n.op == core.SYM:
            continue
        for child in n.args:
            if _is_const(child):
                continue
            formula, lv = _local(n, child, values, names)
            up = grads[n]
            before = child in grads
            grads[child] = grads.get(child, 0.0) + up * lv
            edges.append(Edge(n, child, formula, lv, up, up * lv, before))
            key = "backprop.edge_sum" if before else "backprop.edge"
            shown = formula.subs({"u": _u(names[child]), "y": _u(names[n])})
            steps.append(Step(key, {"parent": names[n], "child": names[child],
                                    "rule": _rule_text(shown, lv), "up": _fmt(up),
                                    "total": _fmt(grads[child])},
                              (Raw(f"∂f/∂{names[child]}", rf"\partial f/\partial {names[child]}"),
                               Raw(f"{_fmt(up)} × {_paren(lv)}" if not before else
                                   f"… + {_fmt(up)} × {_paren(lv)}"),
                               Raw(_fmt(grads[child])))))
    inputs = sorted(e.free)
    gradient = {v: grads.get(core.symbol(v), 0.0) for v in inputs}
    _, tensors = graph_of(e, point)
    auto = {v: float(np.asarray(getattr(t.grad, "data", t.grad), dtype=float))
            if t.grad is not None else 0.0 for v, t in tensors.items()}
    central = {v: _central(e, fpoint, v) for v in inputs}
    for v in inputs:
        steps.append(Step("backprop.check", {"name": v, "ours": _fmt(gradient[v]),
                                             "auto": _fmt(auto[v]), "cd": _fmt(central[v])},
                          ()))
        if not math.isclose(gradient[v], auto[v], rel_tol=AUTODIFF_TOL, abs_tol=AUTODIFF_TOL):
            raise error("error.backprop.disagree", BibunError, name=v, ours=gradient[v],
                        auto=auto[v])  # pragma: no cover - would be a bug
    sig = sum(1 for n in order if n.op == core.FN and n.value == "sigmoid")
    if sig >= 2:
        steps.append(Step("backprop.vanishing", {"n": sig, "bound": _fmt(0.25 ** sig)}, ()))
    worked = Worked("backprop.title", {"expr": e, "point": where}, steps,
                    answer=None, extra={"gradient": gradient})
    return Backprop(e, fpoint, names, values, edges, gradient, auto, central, worked)


def _rule_text(shown: Expr, lv: float) -> Raw:
    if shown.free:
        return Raw(f"{shown} = {_fmt(lv)}", f"{shown.latex()} = {_fmt(lv)}")
    return Raw(_fmt(lv))


def _central(e: Expr, point: dict[str, float], v: str) -> float:
    """Central difference with a step scaled to |x| (rounding and truncation balanced)."""
    x = point[v]
    h = 1e-5 * max(1.0, abs(x))
    hi = float(to_float(e.evaluate({**point, v: x + h})))
    lo = float(to_float(e.evaluate({**point, v: x - h})))
    return (hi - lo) / (2 * h)


def _paren(v: float) -> str:
    return f"({_fmt(v)})" if v < 0 else _fmt(v)


def _fmt(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"
