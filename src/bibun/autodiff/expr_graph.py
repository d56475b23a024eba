"""Turn a parsed formula into a Tensor computation, so its graph can be drawn.

The expression DAG is hash-consed, so a shared subexpression (the ``x^3+1`` inside
``(x^3+1)^2·sin(x^3+1)``) becomes one Tensor node used twice, and the drawing shows its
gradient as the sum of both uses.  The walk is iterative (children first).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from bibun.autodiff import ops
from bibun.autodiff.tensor import Tensor
from bibun.errors import BibunError


def _num(v: int | Fraction | float) -> float:
    return float(v)


def tensor_from_expr(expr: Any, values: dict[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
    """Evaluate ``expr`` with Tensors: returns (result, {symbol: input Tensor})."""
    from bibun.expr import core

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


def graph_of(text: str, values: dict[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
    """Parse ``text``, evaluate it with Tensors at ``values`` and run backward()."""
    import bibun

    expr = bibun.parse(text)
    out, inputs = tensor_from_expr(expr, values)
    if out.requires_grad:
        out.backward()
    return out, inputs
