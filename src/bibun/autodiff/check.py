"""Gradient checking: compare reverse-mode gradients with central differences.

``gradcheck(f, x, W)`` perturbs each element of each input by ±h (h scaled with |x|),
evaluates ``f`` in float64, and compares ``(f(x+h) - f(x-h)) / 2h`` with what
``backward()`` computed.  The report names every input, its worst element, the absolute
and relative error, and whether it passed: a readable answer to "is my vjp right?".

``gradcheck_params(loss_fn, params)`` does the same for Parameters read by a closure
(``loss_fn()`` takes no arguments): each parameter is perturbed *in place* and restored,
like the classic ``numerical_gradient`` of "Deep Learning from Scratch".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun.autodiff.tensor import AutodiffError, Tensor, backprop, no_grad


@dataclass
class InputCheck:
    name: str
    shape: tuple[int, ...]
    max_abs_err: float
    max_rel_err: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    ok: bool


@dataclass
class GradcheckReport:
    """Per-input comparison of analytic (AD) and numeric gradients."""

    inputs: list[InputCheck] = field(default_factory=list)
    rtol: float = 1e-5
    atol: float = 1e-7

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.inputs)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"gradcheck: {'PASS' if self.ok else 'FAIL'} (rtol={self.rtol:g}, "
                 f"atol={self.atol:g})",
                 f"  {'input':<12} {'shape':<12} {'max abs err':>12} {'max rel err':>12}"
                 f"  {'worst at':<10} {'AD':>12} {'numeric':>12}"]
        for c in self.inputs:
            lines.append(
                f"  {c.name:<12} {str(c.shape):<12} {c.max_abs_err:12.3e} {c.max_rel_err:12.3e}"
                f"  {str(c.worst_index):<10} {c.analytic:12.6g} {c.numeric:12.6g}"
                f"  {'ok' if c.ok else 'MISMATCH'}")
        return "\n".join(lines)


def _step(v: float, eps: float) -> float:
    return eps * max(1.0, abs(v))


def _compare(name: str, analytic: np.ndarray, numeric: np.ndarray, rtol: float,
             atol: float) -> InputCheck:
    analytic = np.asarray(analytic, dtype=np.float64).reshape(numeric.shape)
    err = np.abs(analytic - numeric)
    rel = err / np.maximum(np.abs(numeric), np.abs(analytic)).clip(min=1e-300)
    bad = err > atol + rtol * np.abs(numeric)
    worst = np.unravel_index(int(np.argmax(err)), err.shape) if err.size else ()
    return InputCheck(
        name=name, shape=numeric.shape,
        max_abs_err=float(err.max()) if err.size else 0.0,
        max_rel_err=float(np.where(err > atol, rel, 0).max()) if err.size else 0.0,
        worst_index=tuple(int(i) for i in worst),
        analytic=float(analytic[worst]) if err.size else 0.0,
        numeric=float(numeric[worst]) if err.size else 0.0,
        ok=not bool(bad.any()))


def gradcheck(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6, rtol: float = 1e-5,
              atol: float = 1e-7, names: Sequence[str] | None = None,
              raise_on_fail: bool = False) -> GradcheckReport:
    """Check ``f(*inputs)`` (a scalar Tensor) against central differences, per input."""
    xs = [Tensor(np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64),
                 requires_grad=True) for x in inputs]
    out = f(*xs)
    if not isinstance(out, Tensor) or out.size != 1:
        raise AutodiffError("gradcheck needs f to return a scalar Tensor")
    grads = backprop(out, np.ones_like(out.data)) if out.requires_grad else {}
    report = GradcheckReport(rtol=rtol, atol=atol)
    for k, x in enumerate(xs):
        numeric = np.zeros(x.shape)
        base = np.array(x.data, dtype=np.float64)  # 0-d inputs are NumPy scalars
        with no_grad():
            for i in np.ndindex(x.shape):
                h = _step(float(base[i]), eps)
                vals = []
                for s in (h, -h):
                    pert = base.copy()
                    pert[i] += s
                    args = [Tensor(pert) if j == k else xs[j] for j in range(len(xs))]
                    vals.append(float(f(*args).item()))
                numeric[i] = (vals[0] - vals[1]) / (2 * h)
        g = grads.get(id(x))
        analytic = np.zeros(x.shape) if g is None else np.asarray(g)
        name = names[k] if names else f"input {k}"
        report.inputs.append(_compare(name, analytic, numeric, rtol, atol))
    if raise_on_fail and not report.ok:
        raise AutodiffError(str(report))
    return report


def gradcheck_params(loss_fn: Callable[[], Tensor], params: Sequence[Tensor],
                     names: Sequence[str] | None = None, eps: float = 1e-6,
                     rtol: float = 1e-5, atol: float = 1e-7) -> GradcheckReport:
    """Check the gradients of Parameters that ``loss_fn()`` reads from its closure.

    The check runs in float64 whatever the parameters' dtype: each parameter's array
    is swapped for a float64 copy for the duration (so a float32 model is checked with
    the same step and tolerances, instead of drowning a 1e-6 step in float32 rounding),
    and the original arrays, which an optimizer may hold, are put back untouched.  The
    copies are perturbed in place, one element at a time."""
    if not isinstance(params, (list, tuple)):
        params = list(params)
    originals = [p.data for p in params]
    try:
        for p in params:
            p.data = np.array(p.data, dtype=np.float64)  # 0-d too: perturbable in place
        loss = loss_fn()
        if not isinstance(loss, Tensor) or loss.size != 1:
            raise AutodiffError("gradcheck_params needs loss_fn() to return a scalar Tensor")
        if loss.dtype != np.float64:
            raise AutodiffError(
                f"gradcheck_params: the loss is {loss.dtype} although the parameters were "
                "made float64 for the check: loss_fn() casts somewhere (e.g. a float32 "
                "constant or .astype); central differences in that precision cannot be "
                "checked against a step of 1e-6")
        grads = backprop(loss, np.ones_like(loss.data)) if loss.requires_grad else {}
        report = GradcheckReport(rtol=rtol, atol=atol)
        for k, p in enumerate(params):
            numeric = np.zeros(p.shape)
            with no_grad():
                for i in np.ndindex(p.shape):
                    old = float(p.data[i])
                    h = _step(old, eps)
                    p.data[i] = old + h
                    up = float(loss_fn().item())
                    p.data[i] = old - h
                    down = float(loss_fn().item())
                    p.data[i] = old
                    numeric[i] = (up - down) / (2 * h)
            g = grads.get(id(p))
            analytic = np.zeros(p.shape) if g is None else np.asarray(g)
            report.inputs.append(_compare(names[k] if names else f"param {k}", analytic,
                                          numeric, rtol, atol))
    finally:
        for p, a in zip(params, originals):
            p.data = a
    return report
