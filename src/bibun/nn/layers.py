"""Layers: Linear, MLP, activations, RNN, LSTM and GRU, all written with Tensor ops.

Shapes follow "Deep Learning from Scratch" and hand-written NumPy: a batch is the first
axis and a Linear layer computes ``x @ W + b`` with ``W`` of shape (in, out).
Recurrent layers take ``(batch, time, features)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from bibun import autodiff as ad
from bibun.autodiff.linear import linear as _linear
from bibun.autodiff.tensor import Tensor, as_tensor
from bibun.errors import BibunError
from bibun.functions import rules
from bibun.i18n import error
from bibun.nn.init import INITS, for_activation
from bibun.nn.module import Module, Parameter


#: activation name -> function on Tensors (each one's derivative comes from the rule table)
class _Activations(Mapping[str, Callable[[Tensor], Tensor]]):
    """Live view of the rule table's functions marked ``activation`` (plus identity):
    a function registered later is a layer activation at once."""

    def _names(self) -> list[str]:
        return [r.name for r in rules() if r.activation] + ["identity"]

    def __getitem__(self, name: str) -> Callable[[Tensor], Tensor]:
        if name == "identity":
            return _identity
        if name in self._names():
            return getattr(ad, name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def _identity(x: Tensor) -> Tensor:
    return x


ACTIVATIONS: Mapping[str, Callable[[Tensor], Tensor]] = _Activations()


def _activation_fn(name: str) -> Callable[[Tensor], Tensor]:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise BibunError(f"unknown activation {name!r}; choose from "
                         f"{', '.join(ACTIVATIONS)}") from None


def _rng(seed_or_rng: Any) -> np.random.Generator:
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    return np.random.default_rng(seed_or_rng)


def _as_input(x: Any, dtype: Any = None) -> Any:
    """Tensors and forward-mode Duals pass through (so jvp/jacobian work on models).
    Data (NumPy arrays, lists, numbers) becomes a Tensor of the layer's ``dtype``: a
    float32 model given float64 data runs in float32, not silently in float64.  A Tensor
    keeps its dtype (NumPy promotion applies, as in any Tensor op)."""
    if isinstance(x, (Tensor, ad.Dual)):
        return x
    a = np.asarray(x)
    if dtype is not None and a.dtype.kind in "biuf":
        return Tensor(a.astype(dtype, copy=False))
    return as_tensor(a)


class Linear(Module):
    """y = x W + b."""

    def __init__(self, n_in: int, n_out: int, *, bias: bool = True, init: str = "xavier",
                 rng: Any = None, dtype: Any = np.float64):
        if init not in INITS:
            raise BibunError(f"unknown init {init!r}; choose from {', '.join(INITS)}")
        self.W = Parameter(INITS[init](n_in, n_out, _rng(rng), dtype))
        self.b = Parameter(np.zeros(n_out, dtype=dtype)) if bias else None
        self.n_in, self.n_out = n_in, n_out

    def forward(self, x: Any) -> Tensor:
        W = self.W
        tx = type(x)
        if tx is not Tensor:  # (an array of the layer's dtype: what _as_input makes of it)
            x = Tensor(x) if tx is np.ndarray and x.dtype == W.dtype \
                else _as_input(x, W.dtype)
        shape = x.data.shape if type(x) is Tensor else x.shape
        if shape[-1:] != (self.n_in,):
            raise BibunError(f"Linear({self.n_in}, {self.n_out}) got input of shape {shape}"
                             f": the last axis must be {self.n_in}")
        if type(x) is Tensor and isinstance(W, Tensor):  # (a training step: straight
            return _linear(x, W, self.b)                  # to the fused node)
        return ad.linear(x, W, self.b)


class Activation(Module):
    def __init__(self, name: str):
        self.name = name
        self.fn = _activation_fn(name)

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x)


class Sigmoid(Activation):
    def __init__(self) -> None:
        super().__init__("sigmoid")


class Tanh(Activation):
    def __init__(self) -> None:
        super().__init__("tanh")


class ReLU(Activation):
    def __init__(self) -> None:
        super().__init__("relu")


class Softmax(Module):
    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return ad.softmax(x, self.axis)  # a Tensor, a Dual (forward mode) or an array


class Sequential(Module):
    def __init__(self, *layers: Module):
        self.layers = list(layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x


class MLP(Module):
    """Fully connected layers with an activation between them; the last layer is linear
    (logits), because the losses are fused with softmax/sigmoid for stability."""

    def __init__(self, sizes: Sequence[int], activation: str = "tanh", *, init: str | None = None,
                 rng: Any = None, dtype: Any = np.float64):
        if len(sizes) < 2:
            raise BibunError(f"MLP needs at least input and output sizes, got {list(sizes)}")
        rng = _rng(rng)
        init = init or for_activation(activation)
        self.act_name = activation
        self.act = _activation_fn(activation)
        self.layers = [Linear(a, b, init=init, rng=rng, dtype=dtype)
                       for a, b in zip(sizes, sizes[1:])]

    def forward(self, x: Any) -> Tensor:
        h = _as_input(x, self.layers[0].W.dtype)
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i < last:
                h = self.act(h)
        return h


class RNN(Module):
    """Elman RNN: h_t = tanh(x_t Wx + h_{t-1} Wh + b)."""

    def __init__(self, n_in: int, hidden: int, *, rng: Any = None, dtype: Any = np.float64):
        rng = _rng(rng)
        self.hidden = hidden
        self.Wx = Parameter(INITS["xavier"](n_in, hidden, rng, dtype))
        self.Wh = Parameter(INITS["xavier"](hidden, hidden, rng, dtype))
        self.b = Parameter(np.zeros(hidden, dtype=dtype))

    def forward(self, x: Any, h: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """x: (N, T, D) -> (outputs (N, T, H), last hidden state (N, H))."""
        x = _check_seq(x, self.Wx, "RNN")
        n, steps, d = x.shape
        xw = (x.reshape(n * steps, d) @ self.Wx).reshape(n, steps, self.hidden)
        h = h if h is not None else Tensor(np.zeros((n, self.hidden), dtype=self.Wx.dtype))
        outs = []
        for t in range(steps):
            h = (xw[:, t] + h @ self.Wh + self.b).tanh()
            outs.append(h)
        return ad.stack(outs, axis=1), h


class LSTM(Module):
    """Long short-term memory, the seeds' tanh-and-sigmoid network:

        i, f, o = σ(·), σ(·), σ(·)     input, forget and output gates (0..1: how much)
        g       = tanh(·)              candidate values (-1..1)
        c_t = f·c_{t-1} + i·g          the cell remembers, gated
        h_t = o·tanh(c_t)

    The gradient flows along c through a product with f instead of through a squashing
    derivative at every step, which is why an LSTM suffers less from vanishing gradients."""

    def __init__(self, n_in: int, hidden: int, *, rng: Any = None, dtype: Any = np.float64):
        rng = _rng(rng)
        self.hidden = hidden
        self.Wx = Parameter(INITS["xavier"](n_in, 4 * hidden, rng, dtype))
        self.Wh = Parameter(INITS["xavier"](hidden, 4 * hidden, rng, dtype))
        b = np.zeros(4 * hidden, dtype=dtype)
        b[hidden:2 * hidden] = 1.0  # forget gate starts open: remember by default
        self.b = Parameter(b)

    def forward(self, x: Any, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x: (N, T, D) -> (outputs (N, T, H), (h_T, c_T))."""
        x = _check_seq(x, self.Wx, "LSTM")
        n, steps, d = x.shape
        H = self.hidden
        xw = (x.reshape(n * steps, d) @ self.Wx).reshape(n, steps, 4 * H)
        if state is None:
            zeros = np.zeros((n, H), dtype=self.Wx.dtype)
            h, c = Tensor(zeros), Tensor(zeros)
        else:
            h, c = state
        outs = []
        for t in range(steps):
            a = xw[:, t] + h @ self.Wh + self.b
            gates = a[:, :3 * H].sigmoid()
            i, f, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
            g = a[:, 3 * H:].tanh()
            c = f * c + i * g
            h = o * c.tanh()
            outs.append(h)
        return ad.stack(outs, axis=1), (h, c)


class GRU(Module):
    """Gated recurrent unit (PyTorch's equations, with biases on both products):

        r = σ(x Wr + br + h Ur + cr)            reset gate
        z = σ(x Wz + bz + h Uz + cz)            update gate
        n = tanh(x Wn + bn + r·(h Un + cn))     candidate
        h' = (1 - z)·n + z·h

    Fewer gates than an LSTM and no separate cell: the update gate z decides how much of
    the old state carries over, which is how the gradient survives long sequences."""

    def __init__(self, n_in: int, hidden: int, *, rng: Any = None, dtype: Any = np.float64):
        rng = _rng(rng)
        self.hidden = hidden
        self.Wx = Parameter(INITS["xavier"](n_in, 3 * hidden, rng, dtype))
        self.Wh = Parameter(INITS["xavier"](hidden, 3 * hidden, rng, dtype))
        self.bx = Parameter(np.zeros(3 * hidden, dtype=dtype))
        self.bh = Parameter(np.zeros(3 * hidden, dtype=dtype))

    def forward(self, x: Any, h: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """x: (N, T, D) -> (outputs (N, T, H), last hidden state (N, H))."""
        x = _check_seq(x, self.Wx, "GRU")
        n, steps, d = x.shape
        H = self.hidden
        xw = (x.reshape(n * steps, d) @ self.Wx + self.bx).reshape(n, steps, 3 * H)
        h = h if h is not None else Tensor(np.zeros((n, H), dtype=self.Wx.dtype))
        outs = []
        for t in range(steps):
            a, b = xw[:, t], h @ self.Wh + self.bh
            rz = (a[:, :2 * H] + b[:, :2 * H]).sigmoid()
            r, z = rz[:, :H], rz[:, H:]
            cand = (a[:, 2 * H:] + r * b[:, 2 * H:]).tanh()
            h = (1 - z) * cand + z * h
            outs.append(h)
        return ad.stack(outs, axis=1), h


def _check_seq(x: Any, Wx: Tensor, who: str) -> Any:
    """The input as a Tensor of the layer's dtype (or a Dual), checked to be
    (batch, time, features) with at least one time step."""
    d = Wx.shape[0]
    x = _as_input(x, Wx.dtype)
    if x.ndim != 3 or x.shape[2] != d:
        raise BibunError(f"{who} expects input of shape (batch, time, {d}), got {x.shape}")
    if x.shape[1] == 0:
        raise BibunError(f"{who} got input of shape {x.shape}: a sequence needs at least "
                         "one time step (the time axis, axis 1, is empty)")
    return x


class SequenceModel(Module):
    """A recurrent layer read out by a Linear layer at the last time step: for predicting
    the next value of a sine wave, or classifying a digit read row by row."""

    def __init__(self, n_in: int, hidden: int, n_out: int, *, cell: str = "lstm",
                 rng: Any = None, dtype: Any = np.float64):
        rng = _rng(rng)
        cells = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
        if cell not in cells:
            raise error("error.nn.unknown_cell", BibunError, cell=repr(cell))
        self.rnn = cells[cell](n_in, hidden, rng=rng, dtype=dtype)
        self.head = Linear(hidden, n_out, rng=rng, dtype=dtype)

    def forward(self, x: Any) -> Tensor:
        out = self.rnn(x)
        h = out[1][0] if isinstance(self.rnn, LSTM) else out[1]
        return self.head(h)
