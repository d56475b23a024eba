"""Backpropagation worked by hand on the learner's own formula.

The forward pass visits the expression DAG children first and writes each node's value;
the backward pass visits it parents first: the local derivative of a node with respect to
each child comes from the rule table (σ′ = σ(1 − σ) evaluated with the stored forward
value, no second evaluation of σ), times the upstream gradient, is the gradient flowing
into that child, added to what already arrived where a node feeds two parents.  The
gradients at the inputs are checked against the autodiff engine (the same Tensor graph
``bibun graph`` draws) and against a central difference extrapolated by Richardson to
about 1e-13, and each check sentence states the differences it computed.  A small
network (:func:`worked_mlp`, a 2-2-1 MLP by default) is the same walk on the formula the
network computes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun.autodiff.expr_graph import graph_of
from bibun.errors import BibunError, DomainError
from bibun.explain.backprop_net import Network, network
from bibun.explain.worked import Raw, Step, Worked
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.numbers import to_float
from bibun.functions import rule
from bibun.i18n import error, format_number
from bibun.smoothness import derivative_at
from bibun.symbolic import EXPR_OPS, diff

#: agreement demanded of the hand gradient with the autodiff engine (same arithmetic,
#: different order) and with the extrapolated central difference, relative to
#: max(1, |gradient|)
AUTODIFF_TOL = 1e-10
CENTRAL_TOL = 1e-10
#: Richardson tableau of central differences: first step 2^-4·max(1, |x|), halved
#: RICHARDSON_LEVELS - 1 times, each level cancelling the next even power of h
RICHARDSON_LEVELS = 5
#: σ′ = σ(1 − σ) is at most this (at σ = 1/2)
SIGMOID_MAX_SLOPE = 0.25
EPS = 2.0**-52


@dataclass
class Edge:
    parent: Expr
    child: Expr
    local_formula: Expr
    local: float
    upstream: float
    contribution: float
    accumulated: bool
    #: the local derivative with the node names (local_formula has u for the child and
    #: y for the parent where the rule is written that way)
    shown: Expr | None = None


@dataclass
class Vanishing:
    """The chain of sigmoids on the path through the most of them, with their factors."""

    top: str
    bottom: str
    nodes: list[str]
    factors: list[float]

    @property
    def product(self) -> float:
        return math.prod(self.factors)

    @property
    def bound(self) -> float:
        return SIGMOID_MAX_SLOPE ** len(self.factors)


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
    #: the Richardson estimate of each central difference's own error
    central_error: dict[str, float] = field(default_factory=dict)
    vanishing: Vanishing | None = None
    network: Network | None = None

    def agreement(self, v: str) -> tuple[float, float]:
        """(|hand − autodiff|, |hand − central difference|) for the input ``v``."""
        return abs(self.gradient[v] - self.autodiff[v]), abs(self.gradient[v] - self.central[v])

    def render(self, lang: str | None = None, format: str = "text") -> str:  # noqa: A002
        return self.worked.render(lang, format)


def _u(name: str) -> Expr:
    return core.symbol(name)


def _d(top: str, name: str) -> Raw:
    """∂top/∂name as notation."""
    return Raw(f"∂{top}/∂{name}", rf"\partial {_u(top).latex()}/\partial {_u(name).latex()}")


def _val(a: Expr, values: dict[Expr, float]) -> float:
    return values[a] if a in values else float(to_float(a.evaluate()))


def _shown(a: Expr, names: dict[Expr, str]) -> Expr:
    return _u(names[a]) if a in names else a


def _local(node: Expr, child: Expr, values: dict[Expr, float], names: dict[Expr, str],
           u: Expr, y: Expr) -> tuple[Expr, float]:
    """(formula, value) of ∂node/∂child, the formula written with ``u`` for the child and
    ``y`` for the node (σ′ as y(1 − y): the stored forward value is used)."""
    if node.op == core.ADD:
        return core.ONE, 1.0
    if node.op == core.MUL:
        others = list(node.args)
        others.remove(child)  # one use of the child: x·x is a POW, never a repeated arg
        return (core.mul(*(_shown(a, names) for a in others)),
                math.prod(_val(a, values) for a in others))
    if node.op == core.POW:
        b, n = node.args
        if b is n:  # x^x: both rules at once, d/du u^u = u^u (log u + 1)
            return (core.mul(y, core.add(core.fn("log", u), core.ONE)),
                    values[node] * (math.log(values[b]) + 1))
        if child is b:
            nv = _val(n, values)
            return (core.mul(_shown(n, names), core.power(u, core.add(_shown(n, names),
                                                                       core.MINUS_ONE))),
                    nv * values[b] ** (nv - 1))
        return core.mul(y, core.fn("log", _shown(b, names))), values[node] * math.log(_val(b,
                                                                                       values))
    f = as_expr(rule(node.value).deriv(u, y, EXPR_OPS))
    return f, float(to_float(f.evaluate({u.value: values[child], y.value: values[node]})))


def _check_inputs(e: Expr, point: dict[str, Any]) -> str:
    extra = sorted(set(point) - e.free)
    if extra:
        raise error("error.backprop.extra", names=", ".join(extra), expr=str(e))
    missing = sorted(e.free - set(point))
    if missing:
        raise error("error.backprop.missing", names=", ".join(missing),
                    example=",".join(f"{m}=1" for m in missing))
    if not e.free:
        raise error("error.backprop.no_inputs", expr=str(e))
    where = ", ".join(f"{k} = {_fmt(point[k]) if isinstance(point[k], float) else point[k]}"
                      for k in sorted(point))
    try:
        e.evaluate(point)
    except OverflowError:
        raise error("error.backprop.overflow", DomainError, point=where) from None
    except DomainError as exc:
        raise _outside(e, exc, where, point) from None
    for v in sorted(e.free):
        try:
            derivative_at(e, diff(e, v), v, point)
        except OverflowError:
            raise error("error.backprop.overflow", DomainError, point=where) from None
        except DomainError:
            raise _no_derivative(e, v, where, point) from None
    return where


def _outside(e: Expr, exc: DomainError, where: str, point: dict[str, Any]) -> DomainError:
    """The point is outside the domain: say which piece fails and what it needs, in the
    catalog's words (the evaluator's own message is English only)."""
    node: Expr | None = getattr(exc, "node", None)
    need: str | None = getattr(exc, "need", None)
    if getattr(exc, "pole", False) and not need:  # a value too large for a float
        return error("error.backprop.overflow", DomainError, point=where)
    if node is not None and node.op == core.FN and need:
        return error("error.backprop.domain", DomainError, expr=str(e), point=where,
                     node=str(node), cond=need.replace("u", str(node.args[0])))
    if node is not None and node.op == core.POW:
        base = node.args[0]
        try:
            b = float(to_float(base.evaluate(point)))
        except BibunError:
            b = math.nan
        if b == 0:
            return error("error.backprop.divide", DomainError, expr=str(e), point=where,
                         node=str(node), base=str(base))
        if b < 0:
            return error("error.backprop.root", DomainError, expr=str(e), point=where,
                         node=str(node), base=str(base), value=format_number(b))
    return error("error.backprop.undefined", DomainError, expr=str(e), point=where,
                 node=str(node if node is not None else e))


def _no_derivative(e: Expr, v: str, where: str, point: dict[str, Any]) -> DomainError:
    """No derivative at the point (a corner, an edge of the domain): name the innermost
    piece that has none."""
    culprit = e
    for n in core.postorder(e):
        if v not in n.free or n.op in (core.SYM, core.NUM, core.CONST):
            continue
        try:
            derivative_at(n, diff(n, v), v, point)
        except (BibunError, OverflowError):
            culprit = n
            break
    return error("error.backprop.no_derivative", DomainError, expr=str(e), point=where,
                 node=str(culprit))


def _fresh_names(order: list[Expr], root: Expr, labels: dict[Expr, str], root_name: str,
                 taken: set[str]) -> dict[Expr, str]:
    names: dict[Expr, str] = {}
    k = 0
    for n in order:
        if n.op == core.SYM:
            names[n] = n.value
        elif n in labels:
            names[n] = labels[n]
        elif n is root:
            names[n] = root_name if root_name not in taken else root_name.upper()
        else:
            k += 1
            while f"v{k}" in taken:
                k += 1
            names[n] = f"v{k}"
    return names


def backprop(expr: Any, point: dict[str, Any], *, data: Sequence[str] = (),
             labels: dict[Expr, str] | None = None, root_name: str = "f",
             net: Network | None = None) -> Backprop:
    """Forward and backward pass of ``expr`` at ``point`` node by node, with the checks.

    ``data`` names variables that are given, not learned (a target t): no gradient is
    sent into them.  ``labels`` names inner nodes (z1, h1 of a network); the others are
    v1, v2, … and the output is ``root_name``."""
    e = as_expr(expr)
    where = _check_inputs(e, point)
    fixed = set(data)
    fpoint = {k: float(to_float(as_expr(v).evaluate() if isinstance(v, Expr) else v))
              for k, v in point.items()}
    order = [n for n in core.postorder(e) if n.free]
    taken = set(e.free) | set((labels or {}).values())
    names = _fresh_names(order, e, labels or {}, root_name, taken)
    top = names[e]
    values = {n: float(to_float(n.evaluate(fpoint))) for n in order}
    steps = [] if net is None else net.intro_steps(e, point)
    steps.append(Step("backprop.forward_intro", {}, ()))
    for n in order:
        if n.op == core.SYM:
            key = "backprop.input_data" if n.value in fixed else "backprop.input"
            steps.append(Step(key, {"name": names[n], "value": _fmt(values[n])}, ()))
            continue
        local = core.BUILD[n.op](n.value, tuple(_shown(a, names) for a in n.args))
        steps.append(Step("backprop.forward", {"name": names[n]},
                          (_u(names[n]), local, Raw(_fmt(values[n])))))
    steps.append(Step("backprop.backward_intro", {"name": top}, (_d(top, top), core.ONE)))
    grads: dict[Expr, float] = {e: 1.0}
    edges: list[Edge] = []
    for n in reversed(order):
        if n.op == core.SYM:
            continue
        for child in dict.fromkeys(n.args):
            if not (child.free - fixed):
                continue
            shown, lv = _local(n, child, values, names, _u(names[child]), _u(names[n]))
            generic, _ = _local(n, child, values, names, _u("u"), _u("y"))
            up = grads[n]
            before = child in grads
            grads[child] = grads.get(child, 0.0) + up * lv
            edges.append(Edge(n, child, generic, lv, up, up * lv, before, shown))
            key = "backprop.edge_sum" if before else "backprop.edge"
            steps.append(Step(key, {"parent": names[n], "child": names[child],
                                    "rule": _rule_text(shown, lv), "up": _fmt(up),
                                    "total": _fmt(grads[child])},
                              (_d(top, names[child]),
                               Raw(f"{_fmt(up)} × {_paren(lv)}" if not before else
                                   f"{_fmt(grads[child] - up * lv)} + {_fmt(up)} × "
                                   f"{_paren(lv)}"),
                               Raw(_fmt(grads[child])))))
    inputs = sorted(e.free - fixed)
    gradient = {v: grads.get(core.symbol(v), 0.0) for v in inputs}
    _, tensors = graph_of(e, fpoint)
    auto = {v: float(np.asarray(getattr(tensors[v].grad, "data", tensors[v].grad),
                                dtype=float)) if tensors[v].grad is not None else 0.0
            for v in inputs}
    central, cerr = {}, {}
    for v in inputs:
        central[v], cerr[v] = central_difference(e, fpoint, v)
    if net is not None:
        steps.append(Step("backprop.mlp_gradients", {"name": top}, (Raw(
            ", ".join(f"∂{top}/∂{v} = {_fmt(gradient[v])}" for v in net.weights),
            ", ".join(rf"\partial {_u(top).latex()}/\partial {_u(v).latex()} = "
                      f"{_fmt(gradient[v])}" for v in net.weights)),)))
    for v in inputs:
        da, dc = abs(gradient[v] - auto[v]), abs(gradient[v] - central[v])
        scale = max(1.0, abs(gradient[v]))
        agree = da <= AUTODIFF_TOL * scale and dc <= CENTRAL_TOL * scale
        steps.append(Step("backprop.check_agree" if agree else "backprop.check_differ",
                          {"top": top, "name": v, "ours": _fmt(gradient[v]),
                           "auto": _fmt(auto[v]), "cd": _fmt(central[v]),
                           "d_auto": _small(da), "d_cd": _small(dc),
                           "cd_err": _small(cerr[v]),
                           "tol": format_number(CENTRAL_TOL, 1)}, ()))
        if da > AUTODIFF_TOL * scale:
            raise error("error.backprop.disagree", BibunError, name=v, ours=gradient[v],
                        auto=auto[v])  # pragma: no cover - would be a bug
    vanish = sigmoid_chain(e, values, names)
    if vanish is not None:
        steps.append(vanishing_step(vanish))
    title = ("backprop.title", {"expr": e, "point": where}) if net is None else \
        ("backprop.mlp_title", {"sizes": net.label, "seed": net.seed})
    extra = {"gradient": gradient, "autodiff": auto, "central": central,
             "central_error": cerr,
             "nodes": [{"name": names[n], "value": values[n], "gradient": grads.get(n, 0.0)}
                       for n in order],
             "edges": [{"parent": names[ed.parent], "child": names[ed.child],
                        "local": ed.local, "upstream": ed.upstream,
                        "contribution": ed.contribution, "accumulated": ed.accumulated}
                       for ed in edges]}
    if vanish is not None:
        extra["vanishing"] = {"nodes": vanish.nodes, "factors": vanish.factors,
                              "product": vanish.product, "bound": vanish.bound}
    worked = Worked(title[0], title[1], steps, answer=None, extra=extra)
    return Backprop(e, fpoint, names, values, edges, gradient, auto, central, worked, cerr,
                    vanish, net)


def worked_mlp(sizes: Sequence[int] = (2, 2, 1), seed: int = 0,
               point: dict[str, Any] | None = None) -> Backprop:
    """Backpropagation through a small sigmoid network with a squared-error loss, node by
    node: ``sizes`` (2, 2, 1) is two inputs, two hidden units and one output; the weights,
    inputs and target are drawn from ``seed`` (multiples of 0.1, so a learner can follow
    the arithmetic), and ``point`` overrides any of them (``{"x1": 0.5, "w11": -0.3}``)."""
    net = network(sizes, seed)
    values: dict[str, Any] = dict(net.values)
    unknown = sorted(set(point or {}) - set(values))
    if unknown:
        raise error("error.backprop.mlp_unknown", names=", ".join(unknown),
                    known=", ".join(values))
    values.update(point or {})
    net.values = values
    return backprop(net.loss, values, data=net.data, labels=net.labels, root_name="L",
                    net=net)


def sigmoid_chain(e: Expr, values: dict[Expr, float],
                  names: dict[Expr, str]) -> Vanishing | None:
    """The path from the output down to an input through the most sigmoids (at least
    two), with each sigmoid's factor σ(1 − σ) from its stored value."""
    best: dict[Expr, tuple[int, list[Expr], Expr]] = {}
    for n in core.postorder(e):
        if not n.free:
            continue
        if n.op == core.SYM:
            best[n] = (0, [], n)
            continue
        count, path, leaf = max((best[a] for a in n.args if a.free), key=lambda t: t[0])
        if n.op == core.FN and n.value == "sigmoid":
            count, path = count + 1, [n, *path]
        best[n] = (count, path, leaf)
    count, path, leaf = best[e]
    if count < 2:
        return None
    return Vanishing(names[e], names[leaf], [names[s] for s in path],
                     [values[s] * (1 - values[s]) for s in path])


def vanishing_step(v: Vanishing) -> Step:
    """The "why the gradient vanishes" paragraph, every number in it computed; "below"
    or "equal to" the bound as the comparison says."""
    key = "backprop.vanishing_below" if v.product < v.bound else "backprop.vanishing_equal"
    factors = " × ".join(_fmt(f) for f in v.factors)
    return Step(key, {"n": len(v.factors), "top": v.top, "bottom": v.bottom,
                      "path": " → ".join(v.nodes), "factors": factors,
                      "product": _fmt(v.product), "bound": _fmt(v.bound),
                      "max": _fmt(SIGMOID_MAX_SLOPE)},
                (Raw(factors), Raw(_fmt(v.product))))


def central_difference(e: Expr, point: dict[str, float], v: str) -> tuple[float, float]:
    """∂e/∂v by central differences D(h) = (e(x + h) − e(x − h))/2h at h = h0, h0/2, …,
    extrapolated by Richardson (each column cancels the next even power of h), and the
    estimate's own error (the last correction).  h0 = 2^-4·max(1, |x|) is a power of two
    so x ± h is exact; near an edge of the domain it is halved until both sides are
    defined and then made 16 times smaller again (the function changes on the scale of
    its distance to the edge), and while the tableau has not converged (a pole or a
    corner within reach) the whole tableau is redone with a 16 times smaller h0."""
    x = point[v]
    h = 2.0 ** (math.floor(math.log2(max(1.0, abs(x)))) - 4)

    def at(t: float) -> float:
        return float(to_float(e.evaluate({**point, v: t})))

    halved = 0
    while halved < 60:
        try:
            at(x + h), at(x - h)
            break
        except (BibunError, OverflowError, ZeroDivisionError):
            h /= 2
            halved += 1
    if halved:
        h /= 16
    best, best_err = math.nan, math.inf
    for _ in range(6):
        try:
            value, err = _richardson(at, x, h)
        except (BibunError, OverflowError, ZeroDivisionError):
            break
        if err < best_err:
            best, best_err = value, err
        if best_err <= 1e-11 * max(1.0, abs(best)):
            break
        h /= 16
    return best, best_err


def _richardson(at: Any, x: float, h: float) -> tuple[float, float]:
    """The tableau's last entry and its error: the last correction plus the rounding of
    the function values divided by the smallest step (times 4, the tableau's gain)."""
    table: list[list[float]] = []
    size = 0.0
    for k in range(RICHARDSON_LEVELS):
        hk = h / 2**k
        hi, lo = at(x + hk), at(x - hk)
        size = max(size, abs(hi), abs(lo))
        row = [(hi - lo) / (2 * hk)]
        for j in range(1, k + 1):
            row.append(row[j - 1] + (row[j - 1] - table[k - 1][j - 1]) / (4**j - 1))
        table.append(row)
    rounding = 4 * EPS * size / (h / 2 ** (RICHARDSON_LEVELS - 1))
    return table[-1][-1], abs(table[-1][-1] - table[-1][-2]) + rounding


def _rule_text(shown: Expr, lv: float) -> Raw:
    if shown.free:
        return Raw(f"{shown} = {_fmt(lv)}", f"{shown.latex()} = {_fmt(lv)}")
    return Raw(_fmt(lv))


def _paren(v: float) -> str:
    return f"({_fmt(v)})" if v < 0 else _fmt(v)


def _fmt(v: float) -> str:
    """A value of the walk-through by the one formatter (6 significant digits)."""
    return format_number(float(v))


def _small(v: float) -> str:
    """A difference as a person writes it: 0 when exactly 0, else two digits."""
    return format_number(float(v), 2)


__all__ = ["AUTODIFF_TOL", "CENTRAL_TOL", "Backprop", "Edge", "Vanishing", "backprop",
           "central_difference", "sigmoid_chain", "worked_mlp"]
