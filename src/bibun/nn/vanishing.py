"""The vanishing gradient, measured.

Backpropagation multiplies one local derivative per layer.  sigmoid'(x) ≤ 0.25, so ten
sigmoid layers scale the gradient by at most 0.25¹⁰ ≈ 10⁻⁶ on the way back to the first
layer; tanh'(x) ≤ 1 loses less; ReLU' is exactly 1 where the unit is active.  This
module builds the same deep MLP with each activation, runs one batch forward and
backward, and reports ‖∂L/∂W‖ for every layer (and, optionally, how far a few steps of
plain SGD get each network).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bibun import datasets
from bibun.errors import BibunError
from bibun.nn.layers import MLP
from bibun.nn.losses import cross_entropy
from bibun.nn.optim import SGD


@dataclass
class Probe:
    activation: str
    grad_norms: list[float]  # layer 1 (next to the input) .. last layer
    loss_before: float
    loss_after: float | None = None

    @property
    def ratio(self) -> float:
        """‖grad of the first layer‖ / ‖grad of the last layer‖."""
        return self.grad_norms[0] / self.grad_norms[-1] if self.grad_norms[-1] else 0.0


def probe(depth: int = 10, width: int = 32, activations: Sequence[str] = ("sigmoid", "tanh",
          "relu"), steps: int = 0, lr: float = 0.1, seed: int = 0) -> list[Probe]:
    """Per-layer gradient norms of a ``depth``-hidden-layer MLP on the spiral data.
    Each network gets its customary initialisation (Xavier; He for ReLU) and the same
    random stream."""
    if depth < 1 or depth > 200:
        raise BibunError(f"depth must be between 1 and 200, got {depth}")
    X, y = datasets.spiral(100, 3, seed=seed)
    out = []
    for act in activations:
        model = MLP([2] + [width] * depth + [3], activation=act,
                    rng=np.random.default_rng(seed))
        loss = cross_entropy(model(X), y)
        loss.backward()
        norms = [float(np.linalg.norm(layer.W.grad)) for layer in model.layers]
        p = Probe(act, norms, float(loss.item()))
        if steps:
            opt = SGD(model.parameters(), lr=lr)
            for _ in range(steps):
                loss = cross_entropy(model(X), y)
                loss.backward()
                opt.step()
            p.loss_after = float(cross_entropy(model(X), y).item())
        out.append(p)
    return out


def table(probes: Sequence[Probe]) -> str:
    """A text table: one row per layer, one column per activation."""
    head = f"{'layer':>9} " + "".join(f"{p.activation:>14}" for p in probes)
    lines = ["‖∂L/∂W‖ per layer (layer 1 is next to the input)", head, "-" * len(head)]
    n = len(probes[0].grad_norms)
    for i in range(n):
        label = f"{i + 1}" + (" (out)" if i == n - 1 else "")
        lines.append(f"{label:>9} " + "".join(f"{p.grad_norms[i]:14.3e}" for p in probes))
    lines.append("-" * len(head))
    lines.append(f"{'1st/last':>9} " + "".join(f"{p.ratio:14.3e}" for p in probes))
    if probes[0].loss_after is not None:
        lines.append(f"{'loss':>9} " + "".join(
            f"{p.loss_before:6.3f}→{p.loss_after:<7.3f}" for p in probes))
    return "\n".join(lines)


def plot(probes: Sequence[Probe], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for p in probes:
        ax.semilogy(np.arange(1, len(p.grad_norms) + 1), p.grad_norms, marker="o",
                    label=p.activation)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("‖∂L/∂W‖")
    ax.set_title(f"Gradient norm per layer, depth {len(probes[0].grad_norms) - 1}")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
