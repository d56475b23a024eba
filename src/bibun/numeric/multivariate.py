"""Gradients, Jacobians and Hessians built from directional derivatives."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from bibun import i18n
from bibun.errors import DomainError
from bibun.numeric.calling import (
    _as_callable,
    _as_float_array,
    _check_args,
    _Directional,
    _no_finite_values,
)
from bibun.numeric.derivative import _finish, _run_methods
from bibun.numeric.estimate import _NOISE, METHODS, Estimate, NumericWarning
from bibun.numeric.richardson import _extrapolate, _pow2_at_most
from bibun.numeric.stencils import fornberg_weights

# -- public: gradient, jacobian, hessian ---------------------------------------------------


def jacobian(f: Callable[[Any], Any], x: Any, method: str = "auto", h: float | None = None,
             *, analytic: bool | None = None) -> Estimate:
    """Jacobian of ``f`` at the point ``x`` (any shape); ``f`` may return any shape.

    The result's ``value`` has shape ``f(x).shape + x.shape``; ``evaluations`` is the
    total number of calls of ``f``.  Each coordinate is differentiated as in
    :func:`derivative` (complex step or Richardson, domain-aware).
    """
    if method not in METHODS:
        raise i18n.error("error.numeric.unknown_method", method=repr(method),
                         methods=", ".join(METHODS))
    _check_args(1, method, h)
    f, analytic = _as_callable(f, "jacobian", np.size(x) if np.ndim(x) else None, analytic)
    xs, flags0 = _as_float_array(x, "x")
    base = xs.ravel()
    fx_shape = np.shape(_safe_call(f, xs))
    call = _Directional(f, xs, int(np.prod(fx_shape)))
    cols = _run_methods(call, base, 1, method, h, analytic, flags0)
    value = cols["value"].T.reshape(fx_shape + xs.shape)  # (m, P) -> out + in
    error = cols["error"].T.reshape(fx_shape + xs.shape)
    est = _finish(cols, (base.size,), call.counts, 1, base, value_shape=value.shape)
    est.value, est.error_estimate = value, error
    est.h = cols["h"].reshape(xs.shape)
    est.evaluations = int(call.counts.sum()) + 1
    est.flags = tuple(est.all_flags)
    return est


def gradient(f: Callable[[Any], Any], x: Any, method: str = "auto", h: float | None = None,
             *, analytic: bool | None = None) -> Estimate:
    """Gradient of a scalar ``f`` at the point ``x``: ``value`` has the shape of ``x``.

    ``f`` may also be a formula ("x^2 + y^2"): its variables, sorted, take x's
    components in turn."""
    f, analytic = _as_callable(f, "gradient", np.size(x) if np.ndim(x) else None, analytic)
    est = jacobian(f, x, method, h, analytic=analytic)
    if np.ndim(est.value) != np.ndim(np.asarray(x)):
        raise i18n.error("error.numeric.gradient_scalar")
    return est


def _safe_call(f: Callable[[Any], Any], xs: np.ndarray) -> np.ndarray:
    try:
        with np.errstate(all="ignore"):
            y = np.asarray(f(xs.copy()), dtype=float)
    except Exception as exc:
        raise i18n.error("error.numeric.f_raised_at", DomainError, name=type(exc).__name__,
                         value=repr(xs.tolist()), exc=exc) from exc
    if not np.isfinite(y).all():
        raise i18n.error("error.numeric.not_finite_at", DomainError, value=repr(xs.tolist()))
    return y


def hessian(f: Callable[[Any], Any], x: Any, h: float | None = None) -> Estimate:
    """Hessian of ``f`` at ``x`` by central second differences with Richardson
    extrapolation; symmetric by construction, entry errors estimated.

    ``f`` is always called with an array of x's shape (a matrix of weights stays a
    matrix).  ``f`` may return any shape (a vector-valued f has one Hessian per
    component, as ``jax.hessian``): the result has shape ``f(x).shape + x.shape +
    x.shape`` ((n, n) for a scalar f of a vector, a number for a number)."""
    f, _ = _as_callable(f, "hessian", np.size(x) if np.ndim(x) else None)
    xin, flags0 = _as_float_array(x, "x")
    shape = xin.shape
    xs = xin.ravel()  # indexed flat; f always sees x's own shape
    nvar = xs.size
    y0 = _safe_call(f, xin)
    out_shape = y0.shape
    m = y0.size
    f0 = y0.ravel()
    pairs = [(i, j) for i in range(nvar) for j in range(i, nvar)]
    counts = np.zeros(len(pairs), dtype=np.int64)
    last: list[BaseException] = []

    def fval(xv: np.ndarray) -> np.ndarray:
        try:
            with np.errstate(all="ignore"):
                y = np.asarray(f(xv.reshape(shape)), dtype=float)
        except Exception as exc:
            last.append(exc)
            return np.full(m, np.nan)
        if y.size != m:
            raise i18n.error("error.numeric.size_changed", size=y.size, m=m)
        y = y.ravel()
        return np.where(np.isfinite(y), y, np.nan)

    s = np.maximum(np.abs(xs), 1.0)

    def q(idx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        out = np.empty((len(idx), m))
        noise = np.empty((len(idx), m))
        for r, p in enumerate(idx.tolist()):
            i, j = pairs[p]
            hh = h0[p] * 2.0**-k
            counts[p] += 2 if i == j else 4
            if i == j:
                xp, xm = xs.copy(), xs.copy()
                xp[i] += hh
                xm[i] -= hh
                a, b = xp[i] - xs[i], xs[i] - xm[i]
                fp, fm = fval(xp), fval(xm)
                w = fornberg_weights(np.array([-b, 0.0, a]) / hh, 2)
                vals = np.stack([fm, f0, fp])  # (3, m)
                out[r] = (w[:, None] * vals).sum(axis=0) / hh**2
                noise[r] = _NOISE * np.abs(w[:, None] * vals).sum(axis=0) / hh**2
            else:
                rows = []
                for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                    xv = xs.copy()
                    xv[i] += si * hh
                    xv[j] += sj * hh
                    rows.append(fval(xv))
                di = (xs[i] + hh) - (xs[i] - hh)
                dj = (xs[j] + hh) - (xs[j] - hh)
                v = np.stack(rows)
                out[r] = (v[0] - v[1] - v[2] + v[3]) / (di * dj)
                noise[r] = _NOISE * np.abs(v).sum(axis=0) / (di * dj)
        return out, noise

    h0 = np.array([(_pow2_at_most(np.array([max(s[i], s[j])]))[0] * 2.0**-2 if h is None
                    else float(h)) for i, j in pairs])
    run = _extrapolate(q, np.arange(len(pairs)), h0, 2, 2)
    if (run.status == 1).any():
        raise _no_finite_values(xs.tolist(), last[-1] if last else None)
    H = np.empty((m, nvar, nvar))
    herr = np.empty((m, nvar, nvar))
    hs = np.empty((nvar, nvar))
    for p, (i, j) in enumerate(pairs):
        H[:, i, j] = H[:, j, i] = run.value[p]
        herr[:, i, j] = herr[:, j, i] = run.error[p]
        hs[i, j] = hs[j, i] = run.h[p]
    flags = list(flags0)
    tolerable = np.maximum(np.abs(H) * 1e-2, 1e-8)
    if np.any(herr > tolerable):
        flags.append("unreliable: some entries have large error estimates")
        warnings.warn("numerical Hessian has entries with large error estimates", NumericWarning,
                      stacklevel=2)
    if run.untrusted is not None and run.untrusted.any():
        flags.append("unreliable: no step showed the convergence the error expansion predicts")
    # ∂²f_k/∂x[a]∂x[b] at [k + a + b], as jacobian's f.shape + x.shape
    out = out_shape + shape + shape
    evals = int(counts.sum()) + 1
    if not out:
        return Estimate(float(H[0, 0, 0]), float(herr[0, 0, 0]), float(hs[0, 0]), evals,
                        "richardson (central)", tuple(flags), 2)
    return Estimate(H.reshape(out), herr.reshape(out), hs.reshape(shape + shape), evals,
                    "richardson (central)", tuple(flags), 2)
