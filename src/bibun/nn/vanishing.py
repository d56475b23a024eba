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

from bibun import datasets, i18n
from bibun.errors import LimitError
from bibun.i18n import error
from bibun.nn.layers import MLP
from bibun.nn.losses import cross_entropy
from bibun.nn.optim import SGD
from bibun.nn.train import check_learning_rate, check_whole_number

#: the deepest network :func:`probe` builds
MAX_DEPTH = 200
#: sigmoid′(x) = σ(1 − σ) is at most this (at x = 0)
SIGMOID_MAX_SLOPE = 0.25
#: the memory :func:`probe` may need by :func:`estimated_bytes`: a command-line run should
#: fit a small laptop beside everything else (depth 200 at width 1024 would need ~10 GB)
MAX_BYTES = 2_000_000_000
#: measured peak memory per weight (float64): the weights and their gradients of the
#: network being probed and of the one being built next, and the initialisation's
#: temporaries (depth 20-100, width 256-512: 6.0-6.2 times the weights' bytes)
_BYTES_PER_WEIGHT = 6 * 8
#: bytes per example, unit and layer kept for the backward pass (the activation and
#: its gradient) and the interpreter with NumPy loaded
_BYTES_PER_ACTIVATION, _BASE_BYTES = 2 * 8, 80_000_000
_EXAMPLES = 300  # the spiral data: 100 points in each of 3 classes


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
          "relu"), steps: int = 0, lr: float = 0.1, seed: int = 0,
          max_bytes: int = MAX_BYTES) -> list[Probe]:
    """Per-layer gradient norms of a ``depth``-hidden-layer MLP on the spiral data.
    Each network gets its customary initialisation (Xavier; He for ReLU) and the same
    random stream.  A network whose :func:`estimated_bytes` exceed ``max_bytes`` is a
    LimitError before anything is allocated."""
    check_whole_number(depth, "depth")
    check_whole_number(width, "width")
    check_whole_number(steps, "steps", 0)
    if depth > MAX_DEPTH:
        raise error("error.nn.depth", top=MAX_DEPTH, depth=depth)
    need = estimated_bytes(depth, width)
    if need > max_bytes:  # before any allocation: refused in a moment, not after 8 GB
        fits = int(((max_bytes - _BASE_BYTES) / depth / _BYTES_PER_WEIGHT) ** 0.5)
        while fits > 1 and estimated_bytes(depth, fits) > max_bytes:
            fits -= 1
        raise error("error.nn.vanishing_memory", LimitError, depth=depth, width=width,
                    need=need / 1e9, limit=max_bytes / 1e9, width_fits=fits)
    if steps:
        check_learning_rate(lr)
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
            with np.errstate(all="ignore"):  # a diverging run is reported, not warned about
                for _ in range(steps):
                    loss = cross_entropy(model(X), y)
                    if not np.isfinite(float(loss.item())):
                        break
                    loss.backward()
                    opt.step()
                p.loss_after = float(cross_entropy(model(X), y).item())
        out.append(p)
    return out


def estimated_bytes(depth: int, width: int) -> int:
    """The peak memory of :func:`probe` (a little pessimistic): the weights of about two
    networks with their gradients, the activations kept for the backward pass, and the
    interpreter.  Training steps reuse the same arrays, so they add nothing."""
    weights = 2 * width + depth * width * width + 3 * width  # hidden layers dominate
    activations = _EXAMPLES * width * (depth + 1)
    return _BASE_BYTES + _BYTES_PER_WEIGHT * weights + _BYTES_PER_ACTIVATION * activations


def estimated_seconds(depth: int, width: int, steps: int = 0) -> float:
    """A rough (somewhat pessimistic) running time of :func:`probe` with its three
    activations: per layer and pass a fixed cost plus one per example and weight, a pass
    being the first forward and backward, and two more per training step."""
    per_layer = 25e-6 + 300 * width * width * 3e-10
    return 3 * depth * (2 + 2 * steps) * per_layer


def table(probes: Sequence[Probe]) -> str:
    """A text table: one row per layer, one column per activation."""
    head = f"{'layer':>9} " + "".join(f"{p.activation:>14}" for p in probes)
    lines = ["‖∂L/∂W‖ per layer (layer 1 is next to the input)", head, "-" * len(head)]
    n = len(probes[0].grad_norms)
    for i in range(n):
        label = f"{i + 1}" + (" (out)" if i == n - 1 else "")
        lines.append(f"{label:>9} " + "".join(_cell(p.grad_norms[i]) for p in probes))
    lines.append("-" * len(head))
    lines.append(f"{'1st/last':>9} " + "".join(_cell(p.ratio) for p in probes))
    if probes[0].loss_after is not None:
        lines.append(f"{'loss':>9} " + "".join(
            f"{_loss_change(p.loss_before, p.loss_after):>14}" for p in probes))
    return "\n".join(lines)


def _cell(v: float) -> str:
    """A table cell: 4 significant digits by the one formatter, a dash where the value
    overflowed (never ``inf``)."""
    return (_number(v, 4) if np.isfinite(v) else "—").rjust(14)


def sigmoid_summary(p: Probe, lang: str | None = None) -> list[str]:
    """The bound on the sigmoid factors and the measurement, compared as they are.

    Between the last layer's weights and the first layer's, the gradient passes one
    sigmoid′ ≤ 0.25 per hidden layer, so those factors multiply it by at most
    0.25^depth.  The measured ratio ‖∂L/∂W₁‖ / ‖∂L/∂W_last‖ also carries the weights and
    the layers' inputs, so it can land on either side of that bound: the second sentence
    says which side and the factor per layer it amounts to, from the numbers (never a
    fixed "shrinks by up to")."""
    n = len(p.grad_norms) - 1
    bound = SIGMOID_MAX_SLOPE ** n
    first = i18n.text("vanishing.bound" if n != 1 else "vanishing.bound_one", lang, n=n,
                      bound=_number(bound))
    if p.grad_norms[-1] == 0 or p.ratio == 0:
        return [first, i18n.text("vanishing.measured_none", lang)]
    ratio = p.ratio
    ratio_text, bound_text = _distinct(ratio, bound)
    per = ratio ** (1 / n)
    per_text, max_text = _distinct(per, SIGMOID_MAX_SLOPE)
    key = ("vanishing.measured_below" if ratio < bound else
           "vanishing.measured_above" if ratio > bound else "vanishing.measured_equal")
    return [first, i18n.text(key, lang, ratio=ratio_text, bound=bound_text, n=n,
                             per=per_text, max=max_text)]


def _number(v: float, digits: int = 2) -> str:
    """``digits`` significant digits by the one formatter (9.5e-7, 0.23)."""
    return i18n.format_number(float(v), digits)


def _distinct(a: float, b: float) -> tuple[str, str]:
    """Both numbers with the fewest digits (two at least) that tell them apart, so
    "smaller than" never stands between two numbers printed the same."""
    for digits in range(2, 18):
        ta, tb = _number(a, digits), _number(b, digits)
        if ta != tb or a == b:
            return ta, tb
    return repr(a), repr(b)


def _loss_change(before: float, after: float | None) -> str:
    """``1.10→0.521``, or ``1.10→diverged`` when the training blew up (a number too
    large to read, inf or NaN): always fits the table's column."""
    if after is None or not np.isfinite(after) or after > 1e6:
        return f"{_number(before, 3)}→diverged"
    return f"{_number(before, 3)}→{_number(after, 3)}"
