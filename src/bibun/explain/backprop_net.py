"""A small sigmoid network written as one formula, for backpropagation worked by hand.

A 2-2-1 MLP is the formula L = (σ(w31 h1 + w32 h2 + b3) − t)² with h1 = σ(w11 x1 +
w12 x2 + b1) and h2 = σ(w21 x1 + w22 x2 + b2): units are numbered 1, 2, 3, … across the
layers, w_jk is the weight into unit j from the k-th input of its layer and b_j its bias
(the classic numbering of Rumelhart, Hinton and Williams).  Writing the network as a
formula means the walk in :mod:`bibun.explain.backprop`, the autodiff engine and
``bibun graph`` all see the very same graph, so their numbers can be compared node for
node.  The values are drawn from a seed as multiples of 0.1 (inputs ±0.5 or ±1, target
0 or 1), so a learner can follow the arithmetic.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bibun.explain.worked import Raw, Step
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.i18n import error, format_number

#: the largest network worked by hand: more is no longer readable step by step (and a
#: weight's name w_jk must stay two digits)
MAX_LAYERS = 4
MAX_WIDTH = 4
MAX_UNITS = 9
WEIGHTS = tuple(k / 10 for k in range(-10, 11) if k)
INPUTS = (-1.0, -0.5, 0.5, 1.0)
TARGETS = (0.0, 1.0)


@dataclass
class Network:
    sizes: tuple[int, ...]
    seed: int
    loss: Expr
    labels: dict[Expr, str]
    #: parameters (weights and biases, unit by unit), then the inputs
    weights: list[str]
    inputs: list[str]
    data: tuple[str, ...]
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return "-".join(str(s) for s in self.sizes)

    def intro_steps(self, e: Expr, point: dict[str, Any]) -> list[Step]:
        """What the network is, its numbers, and the ``bibun graph`` command that draws the
        same graph with the same numbers."""
        at = ",".join(f"{k}={_num(point[k])}" for k in self._order())
        shown = ", ".join(f"{k} = {_num(point[k])}" for k in self._order())
        return [
            Step("backprop.mlp_network", {"inputs": self.sizes[0], "outputs": self.sizes[-1],
                                          "hidden": ", ".join(str(s) for s in self.sizes[1:-1]),
                                          },
                 (core.symbol("L"), e)),
            Step("backprop.mlp_values", {"seed": self.seed}, (Raw(shown),)),
            Step("backprop.mlp_graph", {}, (Raw(f"bibun graph '{e}' --at {at}"),)),
        ]

    def _order(self) -> list[str]:
        return [*self.inputs, *self.weights, *self.data]


def _num(v: Any) -> str:
    """A weight, input or value as the one formatter writes it (6 significant digits)."""
    return format_number(float(v))


def check_sizes(sizes: Sequence[Any]) -> tuple[int, ...]:
    """Refuse, in the catalog's words, a network that is not small enough to work by hand."""
    text = "-".join(str(s) for s in sizes)
    if not (2 <= len(sizes) <= MAX_LAYERS) or not all(
            isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= MAX_WIDTH
            for s in sizes) or sum(sizes[1:]) > MAX_UNITS:
        raise error("error.backprop.mlp_sizes", sizes=text, layers=MAX_LAYERS,
                    width=MAX_WIDTH, units=MAX_UNITS)
    return tuple(sizes)


def network(sizes: Sequence[int] = (2, 2, 1), seed: int = 0) -> Network:
    """The network's loss as a formula, names for its nodes, and seeded values."""
    sizes = check_sizes(sizes)
    rng = random.Random(f"bibun-backprop-mlp:{'-'.join(map(str, sizes))}:{seed}")
    inputs = [f"x{k + 1}" for k in range(sizes[0])]
    values: dict[str, Any] = {x: rng.choice(INPUTS) for x in inputs}
    prev: list[Expr] = [core.symbol(x) for x in inputs]
    labels: dict[Expr, str] = {}
    weights: list[str] = []
    g = 0
    for depth, size in enumerate(sizes[1:], start=1):
        last = depth == len(sizes) - 1
        layer: list[Expr] = []
        for j in range(size):
            g += 1
            terms = []
            for k, a in enumerate(prev, start=1):
                w = f"w{g}{k}"
                weights.append(w)
                values[w] = rng.choice(WEIGHTS)
                terms.append(core.mul(core.symbol(w), a))
            weights.append(f"b{g}")
            values[f"b{g}"] = rng.choice(WEIGHTS)
            z = core.add(*terms, core.symbol(f"b{g}"))
            h = core.fn("sigmoid", z)
            labels[z] = f"z{g}"
            labels[h] = ("y" if size == 1 else f"y{j + 1}") if last else f"h{g}"
            layer.append(h)
        prev = layer
    targets = ["t"] if len(prev) == 1 else [f"t{j + 1}" for j in range(len(prev))]
    squares = []
    for j, (y, t) in enumerate(zip(prev, targets)):
        values[t] = rng.choice(TARGETS)
        r = core.add(y, core.neg(core.symbol(t)))
        labels[r] = "r" if len(prev) == 1 else f"r{j + 1}"
        squares.append(core.power(r, core.number(2)))
    loss = core.add(*squares)
    return Network(sizes, seed, loss, labels, weights, inputs, tuple(targets), values)


__all__ = ["MAX_LAYERS", "MAX_UNITS", "MAX_WIDTH", "Network", "check_sizes", "network"]
