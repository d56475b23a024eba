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
from typing import Any

import numpy as np

from bibun.autodiff.tensor import AutodiffError, Tensor, backprop, no_grad
from bibun.numeric.gradcheck import GradcheckReport, central_differences_in_place, compare


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
        base = np.array(x.data, dtype=np.float64)  # 0-d inputs are NumPy scalars

        def value(k: int = k, base: np.ndarray = base) -> float:
            args = [Tensor(base) if j == k else xs[j] for j in range(len(xs))]
            return float(f(*args).item())

        with no_grad():
            numeric, error = central_differences_in_place(base, value, eps)
        g = grads.get(id(x))
        analytic = np.zeros(x.shape) if g is None else np.asarray(g)
        name = names[k] if names else f"input {k}"
        report.checks.append(compare(name, analytic, numeric, error, rtol, atol))
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
            with no_grad():
                numeric, error = central_differences_in_place(
                    p.data, lambda: float(loss_fn().item()), eps)
            g = grads.get(id(p))
            analytic = np.zeros(p.shape) if g is None else np.asarray(g)
            report.checks.append(compare(names[k] if names else f"param {k}", analytic,
                                         numeric, error, rtol, atol))
    finally:
        for p, a in zip(params, originals):
            p.data = a
    return report
