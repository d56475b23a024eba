"""Module and Parameter: a model is an object holding Parameters (and other Modules).

Parameters are found by walking the object's attributes in the order they were set
(including lists and tuples of Modules), so names are stable (``layers.0.W``) and
``save``/``load`` round-trip through a plain ``.npz`` file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bibun.autodiff.tensor import Tensor
from bibun.errors import BibunError


class Parameter(Tensor):
    """A Tensor that a model learns: always a leaf, always requires grad."""

    __slots__ = ()

    def __init__(self, data: Any, name: str | None = None):
        super().__init__(np.array(data, copy=True), requires_grad=True, name=name)


class Module:
    """Base class of layers and models: subclasses define ``forward``.

    ``training`` (True until :meth:`eval`) is read by the layers that act differently
    while learning: Dropout drops units only in training, BatchNorm normalises with the
    batch's statistics in training and with its running averages in evaluation."""

    training: bool = True

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every module inside it; returns self."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``): Dropout passes values through, BatchNorm
        uses its running mean and variance.  Returns self."""
        return self.train(False)

    #: names of array attributes that are state but not learned (BatchNorm's running
    #: statistics): saved and loaded with the parameters, never given to an optimizer
    buffer_names: tuple[str, ...] = ()

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """(dotted name, module) for this module and every module inside it
        (attributes, lists, tuples), once each, in definition order."""
        seen: set[int] = set()
        out: list[tuple[str, Module]] = []
        stack: list[tuple[str, Any]] = [(prefix, self)]
        while stack:
            name, obj = stack.pop()
            if isinstance(obj, Module):
                if id(obj) in seen:
                    continue
                seen.add(id(obj))
                out.append((name, obj))
                items = list(vars(obj).items())
            elif isinstance(obj, (list, tuple)):
                items = [(str(i), v) for i, v in enumerate(obj)]
            else:
                continue
            for key, val in reversed(items):
                if isinstance(val, (Module, list, tuple)):
                    stack.append((f"{name}.{key}" if name else key, val))
        return out

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def named_buffers(self) -> list[tuple[str, np.ndarray]]:
        return [(f"{name}.{b}" if name else b, getattr(m, b))
                for name, m in self.named_modules() for b in m.buffer_names]

    def forward(self, *args: Any, **kw: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self.forward(*args, **kw)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs, each Parameter once, in definition order."""
        seen: set[int] = set()
        stack: list[tuple[str, Any]] = [(prefix, self)]
        out: list[tuple[str, Parameter]] = []
        while stack:  # iterative walk; children pushed in reverse to keep order
            name, obj = stack.pop()
            if isinstance(obj, Parameter):
                if id(obj) not in seen:
                    seen.add(id(obj))
                    out.append((name, obj))
                    if obj.name is None:
                        obj.name = name  # shown in graph drawings and NaN reports
                continue
            if isinstance(obj, Module):
                items = list(vars(obj).items())
            elif isinstance(obj, (list, tuple)):
                items = [(str(i), v) for i, v in enumerate(obj)]
            else:
                continue
            for key, val in reversed(items):
                if isinstance(val, (Parameter, Module, list, tuple)):
                    stack.append((f"{name}.{key}" if name else key, val))
        return iter(out)

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def num_parameters(self) -> int:
        return int(sum(p.size for p in self.parameters()))

    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters and buffers (running statistics) by dotted name, as copies."""
        out = {name: p.data.copy() for name, p in self.named_parameters()}
        out.update((name, np.array(b, copy=True)) for name, b in self.named_buffers())
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        own: dict[str, Any] = dict(self.named_parameters())
        own.update(self.named_buffers())
        missing = sorted(set(own) - set(state))
        extra = sorted(set(state) - set(own))
        if missing or extra:
            raise BibunError(f"parameters do not match this model: missing {missing}, "
                             f"unexpected {extra}")
        for name, p in own.items():
            a = np.asarray(state[name])
            if a.shape != np.shape(p):
                raise BibunError(f"parameter {name}: saved shape {a.shape}, model "
                                 f"{np.shape(p)}")
            if isinstance(p, Tensor):
                p.data[...] = a
            else:
                p[...] = a  # a buffer (an array the module holds)

    def save(self, path: str | Path) -> Path:
        """Write all parameters to a compressed ``.npz`` (names as keys).  Like NumPy,
        ``.npz`` is appended when the name lacks it; the path written is returned, and
        :meth:`load` accepts the same name."""
        target = _npz_path(path)
        np.savez_compressed(target, **self.state_dict())
        return target

    def load(self, path: str | Path) -> None:
        """Read parameters saved by :meth:`save` into this (same-shaped) model.  Accepts
        the name given to :meth:`save`, with or without ``.npz``."""
        p = Path(path)
        if not p.is_file() and _npz_path(p).is_file():
            p = _npz_path(p)
        if not p.is_file():
            also = "" if p.suffix == ".npz" else f" (nor {_npz_path(p)})"
            raise BibunError(f"load: no parameter file {str(path)!r}{also}")
        try:
            f = np.load(p)
        except (OSError, ValueError) as exc:
            raise BibunError(f"load: {str(p)!r} is not a parameter file written by "
                             f"save() (.npz): {exc}") from None
        if not isinstance(f, np.lib.npyio.NpzFile):
            raise BibunError(f"load: {str(p)!r} holds a single array, not the named "
                             "parameters that save() writes (.npz)")
        with f:
            state = {k: f[k] for k in f.files}
        self.load_state_dict(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_parameters()} parameters)"


def _npz_path(path: str | Path) -> Path:
    """``path`` with ``.npz`` appended unless it already ends so (what NumPy writes)."""
    p = Path(path)
    return p if p.suffix == ".npz" else p.with_name(p.name + ".npz")
