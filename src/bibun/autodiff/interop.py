"""Tensors to and from NumPy, PyTorch and JAX arrays.

bibun's Tensor is for learning how reverse mode works; a real model may then move to
PyTorch or JAX (or start there and come to bibun to look inside one step).  These
functions carry the *values* across: a Tensor made here is a fresh **leaf** (the other
library's graph, if any, stays behind), and a torch tensor made from a Tensor is a leaf of
torch's graph.  The dtype is kept: float32 stays float32, float64 stays float64.

Memory is shared where the libraries allow it, through DLPack (the array-exchange protocol
NumPy, PyTorch and JAX all speak): no copy on the CPU, so a large array crosses for free,
and a write to one is seen by the other.  ``copy=True`` gives an independent array.  Two
exceptions, because the result must stay correct: JAX arrays are read-only, so a Tensor
made from one holds read-only data (its operations make new arrays and work as usual);
a tensor on an accelerator is first copied to the host, where NumPy lives.

>>> import torch
>>> t = from_array(torch.linspace(0, 1, 3), requires_grad=True)   # doctest: +SKIP
>>> to_torch(t).requires_grad                                      # doctest: +SKIP
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bibun.autodiff.tensor import AutodiffError, Tensor
from bibun.i18n import error
from bibun.text import shorten

__all__ = ["DLPackError", "from_array", "from_dlpack", "to_jax", "to_numpy", "to_torch"]


class DLPackError(AutodiffError, BufferError):
    """A Tensor that cannot be handed over through DLPack as asked.  Also a BufferError,
    the exception the DLPack protocol tells consumers to expect."""


def _library(x: Any) -> str:
    """Which library made ``x`` ("torch", "jax" or ""), read from its type's module so that
    neither library is imported to ask."""
    for cls in type(x).__mro__:
        root = cls.__module__.split(".", 1)[0]
        if root == "torch":
            return "torch"
        if root in ("jax", "jaxlib"):
            return "jax"
    return ""


def _from_torch(x: Any) -> np.ndarray:
    import torch

    if torch._C._functorch.is_functorch_wrapped_tensor(x):
        raise error("error.autodiff.interop.traced", AutodiffError, library="torch.func")
    src = x.detach()
    if src.device.type != "cpu":
        src = src.cpu()  # NumPy lives on the host: one copy
    if src.dtype == torch.bfloat16:
        src = src.float()  # NumPy has no bfloat16; float32 holds every bfloat16 exactly
    return np.from_dlpack(src)


def _from_jax(x: Any) -> np.ndarray:
    import jax

    if isinstance(x, jax.core.Tracer):
        raise error("error.autodiff.interop.traced", AutodiffError, library="jax")
    if x.dtype == jax.numpy.bfloat16:
        x = x.astype(jax.numpy.float32)  # exact, as for torch
    return np.from_dlpack(x)


def from_array(x: Any, requires_grad: bool | None = None, *, copy: bool = False,
               name: str | None = None) -> Tensor:
    """A new leaf Tensor holding the values of ``x``: a NumPy array, a list or number, a
    PyTorch tensor, a JAX array, or any object that speaks DLPack.

    ``requires_grad`` defaults to the torch tensor's own flag (False for everything else).
    Integers and booleans become float64, as in ``Tensor(...)``; complex numbers are
    refused (a Tensor holds real numbers).  Memory is shared unless ``copy=True``.
    """
    lib = _library(x)
    if isinstance(x, Tensor):
        arr = np.asarray(x.data)
    elif lib == "torch":
        if x.is_complex():
            raise error("error.autodiff.interop.complex", AutodiffError, dtype=str(x.dtype))
        if requires_grad is None:
            requires_grad = x.requires_grad
        arr = _from_torch(x)
    elif lib == "jax":
        arr = _from_jax(x)
    elif hasattr(x, "__dlpack__") and not isinstance(x, np.ndarray):
        arr = np.from_dlpack(x)
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError):
            arr = np.asarray([], dtype=object)
    if arr.dtype.kind == "c":
        raise error("error.autodiff.interop.complex", AutodiffError, dtype=str(arr.dtype))
    if arr.dtype.kind not in "biuf":
        raise error("error.autodiff.interop.not_numbers", AutodiffError,
                    got=shorten(repr(x), 60))
    if copy:
        arr = np.array(arr, copy=True)
    return Tensor(arr, requires_grad=bool(requires_grad), name=name)


def _values(t: Any) -> np.ndarray:
    """The array behind a Tensor (or an array-like given directly), as an ndarray: a 0-d
    Tensor holds a NumPy scalar, which the exchange protocols do not take."""
    return np.asarray(t.data if isinstance(t, Tensor) else from_array(t).data)


def to_numpy(t: Any, *, copy: bool = False) -> np.ndarray:
    """The values of a Tensor as a NumPy array (the Tensor's own array unless ``copy``)."""
    arr = _values(t)
    return np.array(arr, copy=True) if copy else np.asarray(arr)


def to_torch(t: Any, *, requires_grad: bool | None = None, copy: bool = False) -> Any:
    """A PyTorch tensor with the values and dtype of ``t``: a leaf of torch's graph that
    requires a gradient when ``t`` does (or as ``requires_grad`` says).  It shares the
    Tensor's memory through DLPack unless ``copy`` (or the array is read-only, which torch
    cannot hold without copying)."""
    import torch

    arr = _values(t)
    if copy or not arr.flags.writeable:
        arr = np.array(arr, copy=True)
    out = torch.from_dlpack(arr)
    if requires_grad is None:
        requires_grad = isinstance(t, Tensor) and t.requires_grad
    return out.requires_grad_(bool(requires_grad))


def to_jax(t: Any, *, dtype: Any = None, copy: bool = False) -> Any:
    """A JAX array with the values and dtype of ``t`` (or ``dtype``, say ``"float32"``).

    JAX computes in 32 bits unless ``jax_enable_x64`` is on and would then round float64
    values silently; that is refused with the two ways out, rather than done quietly.
    """
    import jax

    arr = _values(t)
    if dtype is not None:
        arr = arr.astype(dtype)
    if arr.dtype == np.float64 and not jax.config.jax_enable_x64:
        raise error("error.autodiff.interop.jax_x64", AutodiffError)
    if copy:
        arr = np.array(arr, copy=True)
    return jax.dlpack.from_dlpack(arr)


# -- the DLPack protocol on Tensor -------------------------------------------------------------


def _tensor_dlpack(self: Tensor, *, stream: Any = None, max_version: Any = None,
                   dl_device: Any = None, copy: bool | None = None) -> Any:
    """``Tensor.__dlpack__``: the Tensor's own NumPy array, exported as NumPy exports it, so
    ``torch.from_dlpack(t)``, ``jax.dlpack.from_dlpack(t)`` and ``np.from_dlpack(t)`` share
    its memory (a 0-d Tensor holds a NumPy scalar, which is first put in a 0-d array).

    A Tensor that requires a gradient is refused, as PyTorch refuses its own: what crosses
    is values only, and the gradient would silently stay behind.  ``t.detach()`` shares the
    same memory and crosses; :func:`to_torch` keeps the flag."""
    if self.requires_grad:
        raise error("error.autodiff.interop.dlpack_grad", DLPackError)
    kw: dict[str, Any] = {}
    if max_version is not None:
        kw["max_version"] = max_version
    if dl_device is not None:
        kw["dl_device"] = dl_device
    if copy is not None:
        kw["copy"] = copy
    arr = np.asarray(self.data)
    try:
        return arr.__dlpack__(stream=stream, **kw)
    except BufferError:
        # read-only data (a Tensor made from a JAX array) asked for by a consumer of the
        # old protocol, which cannot flag "read-only": hand over a copy, which the
        # protocol allows unless the consumer said copy=False
        if arr.flags.writeable or copy is False:
            raise
        kw.pop("copy", None)
        return np.array(arr, copy=True).__dlpack__(stream=stream, **kw)


def _tensor_dlpack_device(self: Tensor) -> tuple[int, int]:
    """Where the values live for DLPack: always the host (device type 1, kDLCPU)."""
    return np.asarray(self.data).__dlpack_device__()


Tensor.__dlpack__ = _tensor_dlpack  # type: ignore[attr-defined]
Tensor.__dlpack_device__ = _tensor_dlpack_device  # type: ignore[attr-defined]


def from_dlpack(x: Any, requires_grad: bool | None = None, *, copy: bool = False,
                name: str | None = None) -> Tensor:
    """A new leaf Tensor from any array that speaks DLPack (``__dlpack__``), as
    ``np.from_dlpack`` / ``torch.from_dlpack``: memory is shared, no copy, unless
    ``copy=True`` or the dtype must change (integers become float64).  The same rules as
    :func:`from_array` (torch's ``requires_grad`` flag comes along; JAX data is
    read-only); lists and numbers, which carry no DLPack, are refused with the way out."""
    if not hasattr(x, "__dlpack__"):
        raise error("error.autodiff.interop.no_dlpack", AutodiffError,
                    got=shorten(repr(x), 60))
    return from_array(x, requires_grad, copy=copy, name=name)
