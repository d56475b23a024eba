"""The public :func:`derivative`: choose a method, run it, and report value and error together."""

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
    _Caller,
    _check_args,
    _check_step_moves,
    _no_finite_values,
    _num,
    _ordinal,
)
from bibun.numeric.complex_step import _complex_step, _contour
from bibun.numeric.estimate import EPS, Estimate, NumericWarning
from bibun.numeric.richardson import _default_h0, _Quotient, _richardson, _scatter
from bibun.numeric.stencils import _stencil, fornberg_weights


def _plain(call: Any, base: np.ndarray, points: np.ndarray, n: int, side: int,
           h: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """A single textbook difference quotient (forward, backward or central) at step h,
    compared with the quotient at 2h for its error estimate.

    The quotient at 2h cannot see a corner (for |x| at 0 the central quotient is 0 at
    every step, the forward one 1), so the forward, backward and central quotients are
    also compared with each other at h and at 2h (:func:`_plain_corner`, whose two
    results are appended)."""
    if side == 0:
        offsets = _stencil(n, 0)[0]
        order = 2
    else:
        offsets = side * np.arange(n + 1, dtype=float)
        order = 1
    s = np.maximum(np.abs(base[points]), 1.0)
    if h is None:
        hh = EPS ** (1.0 / (n + order)) * s
    else:
        hh = np.broadcast_to(np.asarray(h, float), s.shape).astype(float)
    # one quotient object with h0 = 2h: level 1 is h, level 0 is 2h, and stencil points
    # shared by the two (x itself for one-sided quotients) are evaluated once
    q = _Quotient(call, base, _scatter(2 * hh, points, len(base)), n, offsets, actual=False)
    d1, r1 = q(points, 1)
    d2, _ = q(points, 0)
    trunc = np.abs(d1 - d2) / (2.0**order - 1)
    return (d1, 2 * trunc + r1, hh) + _plain_corner(q, points, n)


def _plain_corner(q: _Quotient, points: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Where f is not n times differentiable at x: for each point the lowest order
    k <= n at which the one-sided k-th differences disagree (0: nowhere), and the left
    and right k-th quotients with their largest mutual difference (shape (P, 3, m),
    NaN where k is 0).

    With R, L and C the forward, backward and central k-th quotients (the nominal
    stencils, in units of the step), their largest mutual difference D is about
    h·|f^(k+1)| for a smooth f, so it halves when h does.  Where f^(k-1) has a corner it
    stays put (|x| at 0: R - L = 2 at every h) or grows (C = 2/h for the 2nd difference
    of |x| at 0).  So D(h) > 0.75·D(2h), well above rounding noise, marks a point where
    no single quotient can be trusted.  Lower orders are checked too: the symmetric
    third difference of relu at 0 is exactly 0, but its first differences show the
    corner.  Every value needed is already in q's cache or next to it (the stencils of
    order k < n lie inside those of order n).
    """
    P = len(points)
    order = np.zeros(P, dtype=np.int64)
    out = None
    for k in range(1, n + 1):
        stencils = [np.arange(k + 1, dtype=float), -np.arange(k + 1, dtype=float)[::-1],
                    _stencil(k, 0)[0]]
        gaps, rl, n1 = [], None, None
        for level in (1, 0):  # step h, then 2h (q's h0 is 2h)
            h = q.h0[points] * 2.0**-level
            quots, noise = [], 0.0
            for offs in stencils:
                w = fornberg_weights(offs, k)
                f = np.stack([q.values(points, float(c) * 2.0**-level) for c in offs], axis=1)
                with np.errstate(all="ignore"):
                    quots.append((w[None, :, None] * f).sum(axis=1) / h[:, None] ** k)
                    noise = noise + 100 * EPS * np.abs(w[None, :, None] * f).sum(axis=1) \
                        / h[:, None] ** k
            r, l_, c = quots
            with np.errstate(all="ignore"):
                gaps.append(np.maximum(np.maximum(np.abs(r - l_), np.abs(r - c)),
                                       np.abs(l_ - c)))
            if rl is None:
                rl, n1 = (l_, r), noise
        (g1, g2), (left, right) = gaps, rl
        if out is None:
            out = np.full((P, 3, g1.shape[1]), np.nan)
        with np.errstate(invalid="ignore"):
            bad = (np.isfinite(g1) & (g1 > n1) & (g1 > 0.75 * g2)
                   & (g1 > 1e-6 * np.maximum(np.abs(left), np.abs(right)))).any(axis=1)
        new = bad & (order == 0)
        order[new] = k
        out[new, 0], out[new, 1], out[new, 2] = left[new], right[new], g1[new]
    assert out is not None
    return order, out


def derivative(f: Callable[[Any], Any], x: Any, n: int = 1, method: str = "auto",
               h: float | None = None, *, analytic: bool | None = None) -> Estimate:
    """The n-th derivative of ``f`` at ``x`` (a number or an array of points), with an
    error estimate.

    ``method``:
      ``"auto"`` — complex step if ``f`` accepts complex numbers and is analytic
      (checked against a finite difference unless ``analytic=True``), otherwise
      ``"richardson"``; ``"richardson"`` — central differences at h, h/2, h/4, ...
      extrapolated to h → 0, stepping away from domain edges and one-sided at a
      boundary; ``"forward"``/``"backward"``/``"central"`` — one textbook quotient at
      step ``h`` (default: the step that balances truncation and rounding);
      ``"complex"`` — Im f(x+ih)/h without any check.

    ``h`` is the step of the textbook quotients, the imaginary step of ``"complex"``
    and the first step of ``"richardson"`` (also under ``"auto"`` when the complex
    step is not used).  ``analytic=True`` skips the numerical analyticity check (for
    formulas known to be analytic); ``analytic=False`` never tries the complex step.

    ``f`` is called with arrays when it can handle them, else point by point.  Raises
    :class:`~bibun.errors.DomainError` (naming x) when f is not finite anywhere near x,
    and warns with :class:`NumericWarning` when a result is flagged unreliable.
    """
    _check_args(n, method, h)
    f, analytic = _as_callable(f, "derivative", None, analytic)
    xs, flags0 = _as_float_array(x, "x")
    shape = xs.shape
    base = xs.ravel()
    P = base.size
    call = _Caller(f, P)
    return _finish(_run_methods(call, base, n, method, h, analytic, flags0), shape, call.counts,
                   n, base)


def _run_methods(call: Any, base: np.ndarray, n: int, method: str, h: Any,
                 analytic: bool | None, flags0: list[str]) -> dict[str, Any]:
    """Dispatch one method over all points; returns per-point columns."""
    P = base.size
    pts = np.arange(P)
    value = np.full((P, 1), np.nan)
    error = np.full((P, 1), np.inf)
    h_used = np.full(P, np.nan)
    meth = np.empty(P, dtype=object)
    flags: list[list[str]] = [list(flags0) for _ in range(P)]
    if method in ("forward", "backward", "central", "richardson", "richardson-forward",
                  "richardson-backward"):
        _check_step_moves(base, h)
    if method in ("forward", "backward", "central"):
        side = {"forward": 1, "backward": -1, "central": 0}[method]
        d, e, hh, kinked, sides = _plain(call, base, pts, n, side, h)
        value, error, h_used = d, e, hh
        meth[:] = method
        for p in np.flatnonzero(kinked).tolist():
            k = int(kinked[p])
            j = int(np.nanargmax(sides[p, 2]))
            lo, hi, gap = sides[p, :, j]
            what = "slope" if k == 1 else f"{_ordinal(k)} difference"
            flags[p].append(f"unreliable: f has a corner at x ({what} {lo:.6g} on the left, "
                            f"{hi:.6g} on the right at h and at 2h), or h is too large for f; "
                            f"a single {method} difference cannot tell")
            # the n-th derivative does not exist when a lower one jumps
            error[p] = np.maximum(error[p], gap / 2) if k == n else np.inf
        bad = ~np.isfinite(value).all(axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise i18n.error("error.numeric.difference_not_finite", DomainError,
                             method=method, base=_num(base[i]), h=h_used[i])
        return dict(value=value, error=error, h=h_used, method=meth, flags=flags)
    if method in ("richardson-forward", "richardson-backward"):
        return _one_sided(call, base, n, h, flags, method)
    if method == "complex" and n > 1:
        return _contour_method(call, base, n, h, flags)
    rest = pts
    if method == "complex" or (method == "auto" and n == 1 and analytic is not False):
        verify = method == "auto" and analytic is not True
        d, e, hc, acc, blind = _complex_step(call, base, pts, h if method == "complex" else None,
                                             verify)
        value = np.full((P, d.shape[1]), np.nan)
        error = np.full((P, d.shape[1]), np.inf)
        value[acc], error[acc], h_used[acc] = d[acc], e[acc], hc[acc]
        meth[acc] = "complex step"
        for p in np.flatnonzero(blind).tolist():
            flags[p].append(f"complex step not confirmed by a finite difference (at x = "
                            f"{_num(base[p])} floats are {_num(np.spacing(abs(base[p])))} apart, "
                            "too coarse for one); valid only if f is analytic")
        rest = pts[~acc]
        if method == "complex":
            if rest.size:
                i = int(rest[0])
                raise i18n.error("error.numeric.complex_step_failed", base=_num(base[i]))
            return dict(value=value, error=error, h=h_used, method=meth, flags=flags)
    if rest.size:
        if h is None:
            h0 = _default_h0(base[rest], n)
        else:
            _check_step_moves(base, h, rest)  # auto: the complex step did not answer here
            h0 = np.broadcast_to(np.asarray(h, float), base.shape)[rest].astype(float)
        run, shrinks, failed = _richardson(call, base, n, h0, rest, 0)
        if value.shape[1] != run.value.shape[1]:
            value = np.full((P, run.value.shape[1]), np.nan)
            error = np.full((P, run.value.shape[1]), np.inf)
        value[rest], error[rest], h_used[rest] = run.value, run.error, run.h
        meth[rest] = "richardson (central)"
        for i, p in enumerate(rest.tolist()):
            if shrinks[i] and not failed[i]:
                flags[p].append(f"first step shrunk {shrinks[i]} times to stay inside the domain")
            if run.status[i] == 2:
                flags[p].append("f not finite at some smaller steps; kept the best estimate")
            if run.coarse is not None and run.coarse[i]:
                flags[p].append(f"unreliable: at x = {_num(base[p])} floats are "
                                f"{_num(np.spacing(abs(base[p])))} apart, too coarse for a "
                                "difference quotient to resolve f; the value cannot be checked")
                error[p] = np.inf
            if run.untrusted is not None and run.untrusted[i] and not failed[i]:
                _flag_untrusted(flags[p])
            if run.slopes is not None and np.isfinite(run.slopes[i]).all():
                lo, hi = run.slopes[i]
                flags[p].append(f"unreliable: f has a corner at x (slope {lo:.6g} on the left, "
                                f"{hi:.6g} on the right); the value is their average")
                error[p] = np.maximum(error[p], abs(hi - lo) / 2)
        for side, name in ((1, "forward"), (-1, "backward")):
            edge = rest[failed]
            if edge.size == 0:
                break
            h0e = (_default_h0(base[edge], n) if h is None else
                   np.broadcast_to(np.asarray(h, float), base.shape)[edge].astype(float))
            run1, _, failed1 = _richardson(call, base, n, h0e, edge, side)
            got = edge[~failed1]
            value[got], error[got] = run1.value[~failed1], run1.error[~failed1]
            h_used[got] = run1.h[~failed1]
            meth[got] = f"richardson ({name})"
            for i, p in zip(np.flatnonzero(~failed1).tolist(), got.tolist()):
                flags[p].append(f"one-sided ({name}) at a domain edge: f is not finite on the "
                                "other side")
                if run1.untrusted is not None and run1.untrusted[i]:
                    _flag_untrusted(flags[p])
            failed = np.isin(rest, edge[failed1])
        if failed.any():
            p = int(rest[failed][0])
            raise _no_finite_values(float(base[p]), call.last_error)
    return dict(value=value, error=error, h=h_used, method=meth, flags=flags)


def _flag_untrusted(flags: list[str]) -> None:
    """No step showed the convergence rate the error expansion predicts: the value is
    the best guess, not a checked result (:func:`_extrapolate` already made its error
    at least its size)."""
    flags.append("unreliable: no step showed the convergence the error expansion predicts "
                 "(steps too large for the scale of f, or rounding too large at this order)")


def _contour_method(call: Any, base: np.ndarray, n: int, h: Any,
                    flags: list[list[str]]) -> dict[str, Any]:
    """``method="complex"`` for n >= 2: Cauchy's integral on a circle (``h`` is its
    radius).  Like the complex step it assumes f analytic and real on the real axis."""
    P = base.size
    pts = np.arange(P)
    value, error, radius, ok = _contour(call, base, pts, n, h)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise i18n.error("error.numeric.complex_step_failed", base=_num(base[i]))
    meth = np.empty(P, dtype=object)
    meth[:] = "complex (contour integral)"
    return dict(value=value, error=error, h=radius, method=meth, flags=flags)


def _one_sided(call: Any, base: np.ndarray, n: int, h: Any, flags: list[list[str]],
               method: str) -> dict[str, Any]:
    """Richardson extrapolation of one-sided differences (offsets 0, ±h, ..., ±(n+1)h,
    error terms h², h³, ...): f is evaluated on one side of x only, as numdifftools'
    ``method="forward"`` does; the steps shrink away from a domain edge on that side."""
    P = base.size
    pts = np.arange(P)
    side, name = (1, "forward") if method.endswith("forward") else (-1, "backward")
    h0 = (_default_h0(base, n) if h is None
          else np.broadcast_to(np.asarray(h, float), base.shape).astype(float))
    run, shrinks, failed = _richardson(call, base, n, h0, pts, side)
    if failed.any():
        raise _no_finite_values(float(base[int(np.flatnonzero(failed)[0])]), call.last_error)
    for p in range(P):
        if shrinks[p]:
            flags[p].append(f"first step shrunk {shrinks[p]} times to stay inside the domain")
        if run.status[p] == 2:
            flags[p].append("f not finite at some smaller steps; kept the best estimate")
        if run.untrusted is not None and run.untrusted[p]:
            _flag_untrusted(flags[p])
    meth = np.empty(P, dtype=object)
    meth[:] = f"richardson ({name})"
    return dict(value=run.value, error=run.error, h=run.h, method=meth, flags=flags)


def _finish(cols: dict[str, Any], shape: tuple[int, ...], counts: np.ndarray, n: int,
            base: np.ndarray, value_shape: tuple[int, ...] | None = None) -> Estimate:
    """Assemble an Estimate: flag unreliable points, warn once, reshape to x's shape."""
    value, error = cols["value"], cols["error"]
    flags = cols["flags"]
    unreliable = []
    for p in range(len(flags)):
        v, e = value[p], error[p]
        if any(f.startswith("unreliable") for f in flags[p]):
            unreliable.append(p)
        elif not np.all(np.isfinite(v)) or np.any(e > np.maximum(np.abs(v), 1e-300) * 1e-2):
            if np.all(np.isfinite(v)) and np.all(e <= 1e-8):
                continue  # tiny absolute error around a zero derivative is fine
            flags[p].append("unreliable: the error estimate is large compared with the value "
                            "(non-differentiable point or singularity nearby?)")
            unreliable.append(p)
    if unreliable:
        p = unreliable[0]
        warnings.warn(f"numerical derivative at x = {_num(base[p])} is unreliable "
                      f"(value {value[p].ravel()[0]:.6g}, error estimate "
                      f"{error[p].ravel()[0]:.2g})"
                      + (f" and {len(unreliable) - 1} more points" if len(unreliable) > 1 else ""),
                      NumericWarning, stacklevel=3)
    methods = cols["method"]
    uniq = sorted(set(methods.tolist()))
    method = uniq[0] if len(uniq) == 1 else np.asarray(methods).reshape(shape)
    if shape == () and value_shape is None:
        return Estimate(float(value[0, 0]), float(error[0, 0]), float(cols["h"][0]),
                        int(counts[0]), method, tuple(flags[0]), n)
    out_shape = shape if value_shape is None else value_shape
    fl = np.empty(len(flags), dtype=object)
    for i, f_ in enumerate(flags):
        fl[i] = tuple(f_)
    if value_shape is not None:
        return Estimate(value, error, cols["h"], counts, method, fl, n)
    return Estimate(value[:, 0].reshape(out_shape), error[:, 0].reshape(out_shape),
                    cols["h"].reshape(shape), counts.reshape(shape), method,
                    fl.reshape(shape), n)


