"""``detect_anomaly``'s checks: the first operation whose forward value or backward
gradient holds NaN although its inputs do not, named with its input shapes.

Kept apart from :mod:`.tensor`, which calls them only while ``detect_anomaly`` is on.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from bibun.autodiff.axes import AutodiffError


class AnomalyError(AutodiffError):
    """NaN appeared: the message names the operation where it first appeared."""


def _has_nan(a: Any) -> bool:
    a = a.data if hasattr(a, "requires_grad") else a  # a Tensor (arrays have no such field)
    return bool(np.isnan(a).any())


def _describe(node: Any) -> str:
    shapes = ", ".join(str(p.shape) for p in node._parents) or "no inputs"
    label = f" ({node.name})" if node.name else ""
    return f"'{node.op}'{label} with input shapes {shapes}"


def check_forward(node: Any, parents: Iterable[Any]) -> None:
    if not _has_nan(node.data):
        return
    parents = tuple(parents)
    nan_in = [i for i, p in enumerate(parents) if _has_nan(p.data)]
    if not nan_in:
        vals = "; ".join(_preview(p.data) for p in parents)
        raise AnomalyError(f"NaN first appeared in the forward pass of {_describe(node)}"
                           f" (inputs: {vals})")
    for i in nan_in:
        p = parents[i]
        if p.op == "leaf":  # it came in from outside the graph: name the culprit
            label = f"'{p.name}'" if p.name else "a leaf tensor"
            raise AnomalyError(f"NaN entered the forward pass of {_describe(node)} through "
                               f"input {i}: {label} of shape {p.shape} already contains NaN")


def _preview(a: Any) -> str:
    a = np.asarray(a)
    if a.size <= 4:
        return np.array2string(a, precision=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f"min {np.nanmin(a):.4g}, max {np.nanmax(a):.4g}"


def check_backward(node: Any, g: Any, gs: tuple[Any, ...]) -> None:
    if _has_nan(g):
        return
    for i, gp in enumerate(gs):
        if gp is not None and _has_nan(gp):
            raise AnomalyError(
                f"NaN first appeared in the backward pass of {_describe(node)}: the gradient "
                f"for input {i} (shape {node._parents[i].shape}) is NaN although the incoming "
                f"gradient is not (input values: {_preview(node._parents[i].data)})")
