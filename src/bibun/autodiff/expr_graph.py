"""Turn a parsed formula into a Tensor computation, so its graph can be drawn.

The expression DAG is hash-consed, so a shared subexpression (the ``x^3+1`` inside
``(x^3+1)^2·sin(x^3+1)``) becomes one Tensor node used twice, and the drawing shows its
gradient as the sum of both uses.  The walk is iterative (children first).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from bibun.autodiff import ops
from bibun.autodiff.draw import collect
from bibun.autodiff.tensor import Tensor
from bibun.errors import BibunError, LimitError
from bibun.expr import core
from bibun.expr.core import Expr, dag_size
from bibun.expr.numbers import to_float
from bibun.expr.parse import parse
from bibun.smoothness import derivative_at
from bibun.symbolic import diff


def _num(v: int | Fraction | float) -> float:
    return to_float(v)


def tensor_from_expr(expr: Any, values: dict[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
    """Evaluate ``expr`` with Tensors: returns (result, {symbol: input Tensor})."""
    missing = sorted(expr.free - set(values))
    if missing:
        raise BibunError(f"no value given for {', '.join(missing)}: use --at "
                         + ",".join(f"{m}=1" for m in missing))
    inputs = {name: Tensor(float(values[name]), requires_grad=True, name=name)
              for name in sorted(expr.free)}
    memo: dict[Any, Any] = {}
    for node in core.postorder(expr):
        op = node.op
        if op == core.NUM:
            memo[node] = _num(node.value)
            continue
        if op == core.SYM:
            memo[node] = inputs[node.value]
            continue
        if op == core.CONST:
            memo[node] = core.CONST_VALUES[node.value]
            continue
        args = [memo[a] for a in node.args]
        if op == core.ADD:
            r = _fold(args, ops.add)
        elif op == core.MUL:
            r = _fold(args, ops.mul)
        elif op == core.POW:
            base, ex = args
            if isinstance(base, Tensor):
                r = ops.power(base, ex)
            elif isinstance(ex, Tensor):
                r = ops.rpow(ex, base)
            else:
                r = base**ex
        elif op == core.FN:
            (a,) = args
            r = ops.UNARY[node.value](a)
        else:
            raise BibunError(f"cannot build a computation graph for the unknown function "
                             f"{node.value[0]} in {expr}")
        if isinstance(r, Tensor):
            r.name = str(node)
        memo[node] = r
    out = memo[expr]
    if not isinstance(out, Tensor):
        out = Tensor(out, name=str(expr))
    return out, inputs


def _fold(args: list[Any], fn: Any) -> Any:
    """Combine the Tensor arguments first, then the numeric constant (so ``3x`` is
    one ``mul ×3`` node rather than a constant leaf)."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    consts = [a for a in args if not isinstance(a, Tensor)]
    if not tensors:
        r = consts[0]
        for c in consts[1:]:
            r = r + c if fn is ops.add else r * c
        return r
    r = tensors[0]
    for t in tensors[1:]:
        r = fn(r, t)
    for c in consts:
        r = fn(r, c)
    return r


#: the largest formula (DAG nodes) drawn as a graph: beyond this the picture is unreadable
#: and Graphviz's layout takes many seconds
MAX_NODES = 2000


def check_point(expr: Any, values: dict[str, Any]) -> None:
    """Refuse, with a message saying what and where, a point at which the graph's numbers
    would be meaningless: a value for a variable the formula does not have, a point
    outside the domain (log x at x = -1), or a corner where no derivative exists
    (relu x, |x| at 0; decided by the one-sided slopes, so x|x| at 0 is fine)."""
    extra = sorted(set(values) - expr.free)
    if extra:
        has = (f"its variables are {', '.join(sorted(expr.free))}" if expr.free
               else "it has no variables")
        raise BibunError(f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not in the"
                         f" formula {expr} ({has})")
    missing = sorted(expr.free - set(values))
    if missing:
        raise BibunError(f"no value given for {', '.join(missing)}: use --at "
                         + ",".join(f"{m}=1" for m in missing))
    where = ", ".join(f"{k} = {values[k]}" for k in sorted(values))
    try:
        expr.evaluate(values)  # outside the domain: a DomainError saying what and where
        for var in sorted(expr.free):
            derivative_at(expr, diff(expr, var), var, values)
    except OverflowError:  # an exact number too large for a float inside sin, exp ...
        raise LimitError(f"{expr} at {where} needs a number too large for a float"
                         f" (overflow): try a point nearer 0") from None


def _check_finite(out: Tensor, values: dict[str, Any]) -> None:
    """Float overflow the exact evaluation did not meet (10^400 is an exact integer but
    not a float): name the first node whose value or gradient is not finite."""
    where = ", ".join(f"{k} = {values[k]}" for k in sorted(values))
    nodes, _ = collect(out)
    for n in nodes:
        if not np.isfinite(np.asarray(n.tensor.data, dtype=float)).all():
            raise LimitError(f"{n.tensor.name or n.tensor.op} is too large for a float at"
                             f" {where} (overflow): try a point nearer 0")
    for n in reversed(nodes):  # the backward pass runs from the output to the inputs
        g = n.tensor.grad
        if g is not None and not np.isfinite(np.asarray(getattr(g, "data", g), dtype=float)).all():
            raise LimitError(f"the gradient at {n.tensor.name or n.tensor.op} is too large"
                             f" for a float at {where} (overflow): try a point nearer 0")


def graph_of(text: Any, values: dict[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
    """Parse ``text`` (or take an Expr), check the point (:func:`check_point`), evaluate
    it with Tensors at ``values`` and run backward()."""
    expr = text if isinstance(text, Expr) else parse(text)
    nodes = dag_size(expr)
    if nodes > MAX_NODES:
        raise LimitError(f"the formula has {nodes:,} distinct parts; a computation graph is"
                         f" drawn for up to {MAX_NODES:,} (a bigger drawing is unreadable)")
    check_point(expr, values)
    with np.errstate(all="ignore"):
        out, inputs = tensor_from_expr(expr, values)
        if out.requires_grad:
            out.backward()
    _check_finite(out, values)
    return out, inputs
