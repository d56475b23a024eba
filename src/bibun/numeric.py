"""Numerical differentiation that says how wrong it might be.

The seeds contrast "exact by formula" with "computed, with error".  This module is the
"computed" side, done carefully:

* :func:`derivative` (and :func:`gradient`, :func:`jacobian`, :func:`hessian`) return an
  :class:`Estimate`: the value *and* an error estimate, the step used, how many times
  ``f`` was called and what happened on the way (flags such as "one-sided at a domain
  edge").  ``method="auto"`` uses the complex step when ``f`` is analytic (no
  cancellation, so ~1e-16 relative accuracy in three calls) and otherwise central
  differences refined by Richardson extrapolation, with steps that scale with ``|x|``,
  shrink away from domain edges and become one-sided at a boundary.
* :func:`numerical_diff` / :func:`numerical_gradient` are the *Deep Learning from
  Scratch* functions, bit-for-bit, because learners compare against the book's output.
* :func:`difference_table` shows the limit ``(f(x+h)-f(x))/h`` as h shrinks: truncation
  error falling, then rounding error rising.
* :func:`gradcheck` compares a hand-written gradient with a numerical one.

Finite-difference weights for any stencil come from Fornberg's recursion
(:func:`fornberg_weights`), applied to the offsets actually representable in floating
point, so a step near ``x = 1e8`` is exact rather than silently rounded.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun.errors import BibunError, DomainError

__all__ = [
    "Estimate",
    "NumericWarning",
    "DifferenceTable",
    "GradcheckReport",
    "derivative",
    "gradient",
    "jacobian",
    "hessian",
    "numerical_diff",
    "numerical_gradient",
    "difference_table",
    "gradcheck",
    "fornberg_weights",
    "METHODS",
]

EPS = float(np.finfo(float).eps)
METHODS = ("auto", "forward", "backward", "central", "complex", "richardson")
MAX_ORDER = 4

# Tuning constants (calibrated with bench/numeric_accuracy.py; see docs/numeric.md).
_NOISE = 4.0 * EPS  # relative error assumed for one evaluation of f
_SAFETY = 2.0  # multiplies the Richardson difference estimate
_CS_NOISE = 8.0 * EPS  # relative error assumed for a complex-step derivative
_CS_STEP = 1e-20  # imaginary step, relative to max(|x|, 1)
_H0_EXP = -4  # first Richardson step: 2^_H0_EXP · max(|x|, 1) (one more for n > 1)
_JMAX = 6  # deepest Richardson column
_MAX_LEVELS = 36  # halvings of the step before giving up
_MAX_PROBES = 6  # restarts after a failed probe (see _probe)
_PATIENCE = 1  # levels without improvement before stopping (when converged)
_LONG_PATIENCE = 6  # ... before stopping when the best estimate is still poor


class NumericWarning(UserWarning):
    """A numerical derivative came back, but should not be trusted (see its flags)."""


# -- results -------------------------------------------------------------------------------


@dataclass
class Estimate:
    """A numerical derivative with its error bar.

    For array input every field except ``method`` and ``n`` is an array of the same
    shape (``flags`` is an object array of tuples).  ``error_estimate`` is an estimate of
    ``|value - exact|``; :data:`ok` says whether nothing worrying happened.
    """

    value: Any
    error_estimate: Any
    h: Any
    evaluations: Any
    method: Any
    flags: Any = ()
    n: int = 1

    def __float__(self) -> float:
        return float(self.value)

    @property
    def ok(self) -> bool:
        """True when no point was flagged as unreliable."""
        return not any("unreliable" in f for f in self.all_flags)

    @property
    def all_flags(self) -> list[str]:
        """Every distinct flag, in first-seen order (for array results too)."""
        if isinstance(self.flags, tuple):
            return list(self.flags)
        seen: dict[str, None] = {}
        for fl in np.asarray(self.flags, dtype=object).ravel():
            for f in fl:
                seen.setdefault(f, None)
        return list(seen)

    def __str__(self) -> str:
        if np.ndim(self.value) == 0 and isinstance(self.flags, tuple):
            extra = f"; {'; '.join(self.flags)}" if self.flags else ""
            return (f"{float(self.value):.16g} ± {float(self.error_estimate):.1e} "
                    f"({self.method}, h={float(self.h):.3g}, "
                    f"{int(self.evaluations)} evaluations{extra})")
        with np.printoptions(precision=16):
            lines = [f"value          = {self.value}",
                     f"error_estimate = {np.asarray(self.error_estimate)}",
                     f"method         = {self.method}",
                     f"evaluations    = {int(np.sum(self.evaluations))} in total"]
        if self.all_flags:
            lines.append("flags          = " + "; ".join(self.all_flags))
        return "\n".join(lines)


# -- Fornberg weights ----------------------------------------------------------------------


def fornberg_weights(offsets: Any, order: int, x0: float = 0.0) -> np.ndarray:
    """Weights ``w`` with ``f^(order)(x0) ≈ Σ w_i f(offsets_i)`` exact for polynomials of
    degree < len(offsets).

    Fornberg's recursion (Math. Comp. 51, 1988) builds the weights for derivative
    orders 0..order node by node, which is stable even for awkward stencils.
    ``offsets`` may have a leading batch dimension: shape (..., N) gives weights of
    shape (..., N), so one call serves a whole vector of points whose representable
    offsets differ slightly.
    """
    a = np.asarray(offsets, dtype=float)
    n_nodes = a.shape[-1]
    if order >= n_nodes:
        raise BibunError(f"a stencil of {n_nodes} points cannot give derivative {order}")
    batch = a.shape[:-1]
    c = np.zeros(batch + (n_nodes, order + 1))
    c[..., 0, 0] = 1.0
    c1 = np.ones(batch)
    c4 = a[..., 0] - x0
    for i in range(1, n_nodes):
        mn = min(i, order)
        c2 = np.ones(batch)
        c5 = c4
        c4 = a[..., i] - x0
        for j in range(i):
            c3 = a[..., i] - a[..., j]
            c2 = c2 * c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[..., i, k] = c1 * (k * c[..., i - 1, k - 1] - c5 * c[..., i - 1, k]) / c2
                c[..., i, 0] = -c1 * c5 * c[..., i - 1, 0] / c2
            for k in range(mn, 0, -1):
                c[..., j, k] = (c4 * c[..., j, k] - k * c[..., j, k - 1]) / c3
            c[..., j, 0] = c4 * c[..., j, 0] / c3
        c1 = c2
    return c[..., :, order]


def _stencil(n: int, side: int) -> tuple[np.ndarray, int, int]:
    """Nominal offsets (multiples of h), leading error power and power step.

    central: the smallest symmetric stencil, error h², h⁴, ...;
    one-sided (side = ±1): n+2 points 0, ±1, ..., error h², h³, ... .
    """
    if side == 0:
        half = (n + 1) // 2
        offs = [c for c in range(-half, half + 1) if c != 0 or n % 2 == 0]
        return np.array(offs, dtype=float), 2, 2
    return side * np.arange(n + 2, dtype=float), 2, 1


# -- calling f safely ----------------------------------------------------------------------


class _Caller:
    """Calls a user function on many points, vectorized when it can be.

    ``f`` is first called with the whole array; if it raises or returns the wrong shape
    it is called point by point.  Exceptions and non-finite results become NaN (a point
    outside the domain), remembered so that an error message can quote them.  Every
    call is counted per point.
    """

    def __init__(self, f: Callable[[Any], Any], npoints: int):
        self.f = f
        self.counts = np.zeros(npoints, dtype=np.int64)
        self.vector_ok = True
        self.last_error: BaseException | None = None

    def __call__(self, idx: np.ndarray, nodes: np.ndarray) -> np.ndarray:
        self.counts[idx] += 1
        complex_in = np.iscomplexobj(nodes)
        out: np.ndarray | None = None
        if self.vector_ok and nodes.size > 1:
            try:
                with np.errstate(all="ignore"):
                    y = np.asarray(self.f(nodes))
                if y.shape == nodes.shape:
                    out = y
                else:
                    self.vector_ok = False
            except Exception:
                self.vector_ok = False
        if out is None:
            vals = []
            for t in nodes.tolist():
                try:
                    with np.errstate(all="ignore"):
                        y = np.asarray(self.f(t))
                except Exception as exc:  # outside the domain, or a bug: remember it
                    self.last_error = exc
                    vals.append(np.nan)
                    continue
                if complex_in and not np.iscomplexobj(y):
                    vals.append(np.nan)  # f dropped the imaginary part (abs, math.fabs, ...)
                    continue
                if y.size != 1:
                    raise BibunError(
                        f"f must return one number per x; at x = {_num(t)} it returned an array of "
                        f"shape {y.shape} (use jacobian() for vector-valued functions)")
                vals.append(y.reshape(()).item())
            cplx = complex_in or any(isinstance(v, complex) for v in vals)
            out = np.array(vals, dtype=complex if cplx else float)
        return _clean(out, complex_in)


def _clean(y: np.ndarray, complex_in: bool) -> np.ndarray:
    """Real results as floats, NaN where non-finite; complex kept only for complex input."""
    if y.dtype == object:
        try:
            y = y.astype(complex if complex_in else float)
        except (TypeError, ValueError):
            return np.full(y.shape, np.nan)
    if complex_in:
        if not np.iscomplexobj(y):
            return np.full(y.shape, np.nan + 0j)  # f dropped the imaginary part
        return np.where(np.isfinite(y), y, np.nan)
    if np.iscomplexobj(y):  # complex output for real input: real only where imag is 0
        y = np.where(y.imag == 0, y.real, np.nan)
    y = np.asarray(y, dtype=float)
    return np.where(np.isfinite(y), y, np.nan)


class _Directional:
    """Evaluate f: R^shape -> R^m at x with one coordinate replaced, per 'point'.

    Point p of the batch is coordinate ``p`` of ``x``; used by gradient/jacobian so that
    the scalar machinery (steps, Richardson, complex step) applies unchanged.
    """

    def __init__(self, f: Callable[[Any], Any], x: np.ndarray, out_size: int | None):
        self.f, self.x = f, x
        self.counts = np.zeros(x.size, dtype=np.int64)
        self.m = out_size
        self.last_error: BaseException | None = None

    def one(self, xv: np.ndarray) -> np.ndarray:
        try:
            with np.errstate(all="ignore"):
                y = np.asarray(self.f(xv))
        except Exception as exc:
            self.last_error = exc
            return np.full(self.m or 1, np.nan)
        y = y.ravel()
        if self.m is None:
            self.m = y.size
        if y.size != self.m:
            raise BibunError(f"f returned {y.size} values at one point and {self.m} at another")
        return _clean(y, np.iscomplexobj(xv))

    def __call__(self, idx: np.ndarray, nodes: np.ndarray) -> np.ndarray:
        self.counts[idx] += 1
        complex_in = np.iscomplexobj(nodes)
        base = self.x.astype(complex) if complex_in else self.x
        rows = []
        for p, t in zip(idx.tolist(), nodes.tolist()):
            xv = base.copy()
            xv.flat[p] = t
            rows.append(self.one(xv))
        return np.array(rows).reshape(len(idx), -1)


def _call2d(caller: Any, idx: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    y = caller(idx, nodes)
    return y.reshape(len(idx), -1)


# -- Richardson extrapolation --------------------------------------------------------------


@dataclass
class _Run:
    """Per-point outcome of one extrapolation run."""

    value: np.ndarray  # (P, m)
    error: np.ndarray  # (P, m)
    h: np.ndarray  # (P,)
    status: np.ndarray  # (P,) 0 ok, 1 non-finite at the first step, 2 non-finite later
    noise: np.ndarray  # (P, m) rounding noise of the plain quotient at the chosen step
    slopes: np.ndarray | None = None  # (P, 2) left/right slopes where a kink was seen
    coarse: np.ndarray | None = None  # (P,) converged, but no probe step is representable


class _Quotient:
    """D(h) = Σ w_i f(x + c_i h) / h^n for a batch of points.

    With ``actual=True`` (Richardson) the weights are computed on the offsets that
    floating point can represent (x + c·h rounds; near x = 1e8 noticeably), and the sum
    is taken over f_i - f_0, which is exact cancellation rather than rounded products.
    With ``actual=False`` it is the textbook quotient with the nominal step, digit for
    digit.  A cache makes stencil points shared by successive halvings cost nothing.
    """

    def __init__(self, call: Any, base: np.ndarray, h0: np.ndarray, n: int, offsets: np.ndarray,
                 actual: bool = True):
        self.call, self.base, self.h0, self.n, self.offsets = call, base, h0, n, offsets
        self.actual = actual
        self.nominal = fornberg_weights(offsets, n)
        self.cache: dict[float, dict[int, np.ndarray]] = {}

    def values(self, idx: np.ndarray, key: float) -> np.ndarray:
        slot = self.cache.setdefault(key, {})
        todo = np.array([p for p in idx.tolist() if p not in slot], dtype=np.int64)
        if todo.size:
            nodes = self.base[todo] + key * self.h0[todo]
            got = _call2d(self.call, todo, nodes)
            for p, row in zip(todo.tolist(), got):
                slot[p] = row
        return np.array([slot[p] for p in idx.tolist()])

    def __call__(self, idx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        h = self.h0[idx] * 2.0**-k
        fs, ts = [], []
        for c in self.offsets:
            key = float(c) * 2.0**-k
            fs.append(self.values(idx, key))  # (P, m)
            node = self.base[idx] + key * self.h0[idx]
            ts.append((node - self.base[idx]) / h)
        f = np.stack(fs, axis=1)  # (P, N, m)
        scale = h[:, None] ** self.n
        with np.errstate(all="ignore"):  # a step below the float spacing gives 0/0: NaN
            if self.actual:
                w = fornberg_weights(np.stack(ts, axis=1), self.n)  # (P, N)
                d = (w[:, :, None] * (f - f[:, :1])).sum(axis=1) / scale  # Σ w = 0, n ≥ 1
            else:
                w = np.broadcast_to(self.nominal, (len(idx), len(self.offsets)))
                d = (w[:, :, None] * f).sum(axis=1) / scale
            noise = _NOISE * np.abs(w[:, :, None] * f).sum(axis=1) / scale
        return d, noise


def _extrapolate(q: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
                 points: np.ndarray, h0: np.ndarray, p0: int, dp: int,
                 max_levels: int = _MAX_LEVELS) -> _Run:
    """Adaptive Richardson extrapolation over the steps h0, h0/2, h0/4, ...

    Row k of the tableau holds D(h0/2^k) and its extrapolations that cancel the error
    terms h^p0, h^(p0+dp), ...  Each entry's error is estimated from its neighbours (the
    largest of the differences to the entry on its left and to the two entries above),
    times a safety factor, plus the propagated rounding noise.

    Extrapolation assumes the asymptotic regime, where successive differences of the
    plain quotients shrink by about 2^p0 per halving.  Rows where that test fails (a
    first step larger than the scale on which f varies, a nearby singularity) are
    *untrusted*: they are used only if no trusted row ever appears, and then the
    result is flagged through a large error.  A point stops once its best trusted
    estimate has not improved for a few halvings and is either accurate or already
    limited by rounding.
    """
    P = len(points)
    jmax = _JMAX
    best_h = np.full(P, np.nan)
    last = np.full(P, -1, dtype=np.int64)
    status = np.zeros(P, dtype=np.int64)
    running = np.ones(P, dtype=bool)
    m = 0
    for k in range(max_levels):
        loc = np.flatnonzero(running)
        if loc.size == 0:
            break
        D, RD = q(points[loc], k)
        if m == 0:
            m = D.shape[1]
            T = np.full((P, jmax + 1, m), np.nan)
            R = np.zeros((P, jmax + 1, m))
            C2 = np.full((P, m), np.nan)  # first column two rows up
            was_regular = np.zeros(P, dtype=bool)
            best_v, best_e, best_r = (np.full((P, m), np.nan), np.full((P, m), np.inf),
                                      np.zeros((P, m)))
            loose_v, loose_e = np.full((P, m), np.nan), np.full((P, m), np.inf)
            loose_h = np.full(P, np.nan)
        bad = ~np.isfinite(D).all(axis=1)
        if bad.any():
            status[loc[bad]] = 1 if k == 0 else 2
            running[loc[bad]] = False
            loc, D, RD = loc[~bad], D[~bad], RD[~bad]
            if loc.size == 0:
                continue
        old_T, old_R = T[loc], R[loc]
        step = D - old_T[:, 0]
        ratio = (old_T[:, 0] - C2[loc]) / np.where(step == 0, np.nan, step)
        lo, hi = 2.0**p0 / 2.5, 2.0 ** (p0 + dp) * 2.5
        in_noise = np.abs(step) <= 10 * (RD + old_R[:, 0])
        regular = (in_noise | ((ratio >= lo) & (ratio <= hi))).all(axis=1)
        trusted = regular & was_regular[loc]
        was_regular[loc] = regular
        C2[loc] = old_T[:, 0]
        new_T = np.full_like(old_T, np.nan)
        new_R = np.zeros_like(old_R)
        new_T[:, 0], new_R[:, 0] = D, RD
        J = min(k, jmax)
        for j in range(1, J + 1):
            c = 1.0 / (2.0 ** (p0 + (j - 1) * dp) - 1.0)
            new_T[:, j] = new_T[:, j - 1] + (new_T[:, j - 1] - old_T[:, j - 1]) * c
            new_R[:, j] = new_R[:, j - 1] * (1 + c) + old_R[:, j - 1] * c
        T[loc], R[loc] = new_T, new_R
        if J == 0:
            continue
        cand = new_T[:, 1:J + 1]
        e = np.maximum(np.abs(cand - new_T[:, :J]), np.abs(cand - old_T[:, :J]))
        if k >= 2:
            above = old_T[:, 1:J + 1]
            e = np.where(np.isfinite(above), np.maximum(e, np.abs(cand - above)), e)
        E = _SAFETY * e + new_R[:, 1:J + 1]
        jb = np.argmin(E, axis=1)  # (P, m)
        Eb = np.take_along_axis(E, jb[:, None, :], axis=1)[:, 0]
        Vb = np.take_along_axis(cand, jb[:, None, :], axis=1)[:, 0]
        # untrusted rows: remember the best, with at least the raw difference as error
        Eu = np.maximum(Eb, _SAFETY * np.abs(step))
        looser = Eu < loose_e[loc]
        loose_e[loc] = np.where(looser, Eu, loose_e[loc])
        loose_v[loc] = np.where(looser, Vb, loose_v[loc])
        loose_h[loc[looser.any(axis=1)]] = h0[loc[looser.any(axis=1)]] * 2.0**-k
        better = (Eb < best_e[loc]) & trusted[:, None]
        best_e[loc] = np.where(better, Eb, best_e[loc])
        best_v[loc] = np.where(better, Vb, best_v[loc])
        best_r[loc] = np.where(better, new_R[:, 0], best_r[loc])
        improved = better.any(axis=1)
        last[loc[improved]] = k
        best_h[loc[improved]] = h0[loc[improved]] * 2.0**-k
        idle = np.where(last[loc] >= 0, k - last[loc], 0)
        good = (best_e[loc] <= 1e-8 * np.abs(best_v[loc]) + 1e2 * new_R[:, 0]).all(axis=1)
        # stop when converged, or when rounding alone at this step already exceeds the
        # best error (smaller steps cannot help); otherwise keep halving (max_levels)
        hopeless = (new_R[:, 0] >= np.minimum(best_e[loc], loose_e[loc])).all(axis=1)
        stop = (((idle >= _PATIENCE) & good) | ((idle >= _LONG_PATIENCE) & hopeless)
                | ((last[loc] < 0) & hopeless & (k >= _LONG_PATIENCE)))
        running[loc[stop]] = False
    if m == 0:
        return _Run(np.full((P, 1), np.nan), np.full((P, 1), np.inf), best_h, status,
                    np.zeros((P, 1)))
    never = last < 0
    if never.any():  # no asymptotic regime seen: best untrusted value, honest error
        best_v[never] = loose_v[never]
        best_e[never] = np.maximum(loose_e[never], np.abs(loose_v[never]))
        best_h[never] = loose_h[never]
    return _Run(best_v, best_e, best_h, status, best_r)


def _pow2_at_most(v: np.ndarray) -> np.ndarray:
    return 2.0 ** np.floor(np.log2(v))


def _shrink(h: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Next trial step after leaving the domain: jump below |x| (edges are often at 0,
    as for log and sqrt), otherwise divide by 8."""
    ax = np.abs(base)
    jump = (ax > 0) & (h > ax / 2)
    return np.where(jump, _pow2_at_most(np.maximum(ax, 1e-300) / 4), h / 8)


def _richardson(call: Any, base: np.ndarray, n: int, h0: np.ndarray, points: np.ndarray,
                side: int, max_shrinks: int = 10) -> tuple[_Run, np.ndarray, np.ndarray]:
    """Richardson for ``points`` on one side (0 central, ±1 one-sided).

    Points whose first stencil leaves the domain are retried with a smaller first step.
    Every converged point is then *probed*: one plain quotient at a step far below the
    chosen one must agree with the result.  A first step much larger than the scale on
    which f varies (sin at x = 1e8 with h ~ x/8) can produce a sequence that looks
    converged; the probe catches that and the search restarts from the probe's scale.
    Returns the run, the number of shrinks per point and a mask of points that never
    found a finite stencil.
    """
    offsets, p0, dp = _stencil(n, side)
    P = len(points)
    value = np.full((P, 1), np.nan)
    error = np.full((P, 1), np.inf)
    noise = np.zeros((P, 1))
    h_used = np.full(P, np.nan)
    status = np.zeros(P, dtype=np.int64)
    slopes = np.full((P, 2), np.nan)
    shrinks = np.zeros(P, dtype=np.int64)
    probes = np.zeros(P, dtype=np.int64)
    failed = np.zeros(P, dtype=bool)
    coarse = np.zeros(P, dtype=bool)
    todo = np.arange(P)
    h = h0.copy()
    size = len(base)
    for _ in range(max_shrinks + _MAX_PROBES + 1):
        if todo.size == 0:
            break
        pts = points[todo]
        hh = _scatter(h[todo], pts, size)
        q = _Quotient(call, base, hh, n, offsets)
        run = _extrapolate(q, pts, hh[pts], p0, dp)
        if value.shape[1] != run.value.shape[1]:
            m = run.value.shape[1]
            value, error = np.full((P, m), np.nan), np.full((P, m), np.inf)
            noise = np.zeros((P, m))
        ok = run.status != 1
        done = todo[ok]
        value[done], error[done], noise[done] = run.value[ok], run.error[ok], run.noise[ok]
        h_used[done], status[done] = run.h[ok], run.status[ok]
        retry, h_probe, blind = _probe(call, base, n, offsets, points, done, value, error,
                                       noise, h_used, probes)
        coarse[done] = False
        coarse[blind] = True
        h[retry] = h_probe[retry] * 2.0
        probes[retry] += 1
        if n == 1 and side == 0:
            final = np.setdiff1d(done, retry)
            slopes[final] = _kink(q, points[final], hh[points[final]], h_used[final])
        out = todo[~ok]
        out = out[shrinks[out] < max_shrinks]
        failed[todo[~ok][shrinks[todo[~ok]] >= max_shrinks]] = True
        h[out] = _shrink(h[out], base[points[out]])
        shrinks[out] += 1
        # steps scale with |x| (log at x = 1e-300 needs h ~ 1e-301), or with 1 at x = 0
        ax = np.abs(base[points[out]])
        tiny = h[out] < np.where(ax > 0, ax, 1.0) * 2.0**-44
        failed[out[tiny]] = True
        todo = np.concatenate([out[~tiny], retry])
    return _Run(value, error, h_used, status, noise, slopes, coarse), shrinks, failed


def _kink(q: _Quotient, pts: np.ndarray, h0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Left and right slopes where f has a corner at x, else NaN.

    A central difference cannot see a corner: for |x| at 0 every quotient is exactly 0.
    One extra value, f(x), gives one-sided slopes at the last two steps (already
    evaluated).  For smooth f their difference is ≈ h·f'' and halves with h; at a
    corner it stays put.
    """
    out = np.full((len(pts), 2), np.nan)
    ok = np.isfinite(h)
    if not ok.any():
        return out
    pts, h0, h = pts[ok], h0[ok], h[ok]
    k = np.rint(np.log2(h0 / h)).astype(int)
    use = k >= 1
    if not use.any():
        return out
    f0 = q.values(pts, 0.0)[:, 0]
    jumps, sides = [], []
    for lev in (0, 1):
        kk = k - lev
        fp = np.array([q.values(pts[i:i + 1], 2.0**-kk[i])[0, 0] for i in range(len(pts))])
        fm = np.array([q.values(pts[i:i + 1], -(2.0**-kk[i]))[0, 0] for i in range(len(pts))])
        hh = h0 * 2.0**-kk
        right = (fp - f0) / (q.base[pts] + hh - q.base[pts])
        left = (f0 - fm) / (q.base[pts] - (q.base[pts] - hh))
        noise = 100 * EPS * (np.abs(fp) + np.abs(fm) + 2 * np.abs(f0)) / hh
        jumps.append((np.abs(right - left), noise))
        sides.append((left, right))
    (j1, n1), (j2, _) = jumps  # j2 at the larger step
    corner = use & np.isfinite(j1) & (j1 > n1) & (j1 > 0.75 * j2) & (j1 > 1e-6 * np.abs(
        sides[0][0] + sides[0][1]))
    sub = np.full((len(pts), 2), np.nan)
    sub[corner, 0], sub[corner, 1] = sides[0][0][corner], sides[0][1][corner]
    out[ok] = sub
    return out


def _probe(call: Any, base: np.ndarray, n: int, offsets: np.ndarray, points: np.ndarray,
           done: np.ndarray, value: np.ndarray, error: np.ndarray, noise: np.ndarray,
           h_used: np.ndarray, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check converged points with one quotient at a much smaller step; return the
    (local) indices whose probe disagrees, so that their search restarts at the probe's
    step, the probe steps, and the indices that could not be probed because no smaller
    step is representable (x = 1e20: floats are 16384 apart, so a step of 5e5 may
    already be far larger than the scale on which f varies)."""
    h_probe = np.full(len(points), np.nan)
    claimed = (error[done] <= 1e-3 * np.abs(value[done])).all(axis=1)  # a converged claim
    cand = done[(probes[done] < _MAX_PROBES) & claimed & np.isfinite(value[done]).all(axis=1)]
    none = np.zeros(0, dtype=np.int64)
    if cand.size == 0:
        return cand, h_probe, none
    v = np.abs(value[cand]).max(axis=1)
    r = np.maximum(noise[cand].max(axis=1), 1e-300)
    # shrink by up to 2^20, but keep the probe's rounding error below 1e-3 |value|
    rho = np.minimum(2.0**20, (1e-3 * np.maximum(v, 1e-300) / r) ** (1.0 / n))
    # ... and keep the probe's stencil resolvable: at least 2^10 float spacings wide
    h_min = 2.0**10 * np.spacing(np.abs(base[points[cand]]))
    blind = cand[(h_used[cand] < 8 * h_min) & (rho >= 8)]  # spacing, not noise, limits
    with np.errstate(over="ignore"):  # at x = 0 the spacing is subnormal
        rho = np.minimum(rho, h_used[cand] / h_min)
    rho = 2.0 ** np.floor(np.log2(np.maximum(rho, 1.0)))
    cand, rho = cand[rho >= 8], rho[rho >= 8]
    if cand.size == 0:
        return cand, h_probe, blind
    pts = points[cand]
    hp = _scatter(h_used[cand] / rho, pts, len(base))
    d, rd = _Quotient(call, base, hp, n, offsets)(pts, 0)
    mis = np.abs(d - value[cand])
    tol = 1e-2 * np.abs(value[cand]) + 100 * rd + 2 * error[cand]
    bad = (np.isfinite(d) & (mis > tol)).any(axis=1)
    h_probe[cand] = h_used[cand] / rho
    return cand[bad], h_probe, blind


def _scatter(vals: np.ndarray, pts: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    out[pts] = vals
    return out


def _default_h0(base: np.ndarray, n: int) -> np.ndarray:
    """First Richardson step: a power of two ~ |x|/8 (or 1/8 near 0); bigger for n > 1
    because rounding error grows like 1/h^n."""
    s = np.maximum(np.abs(base), 1.0)
    return _pow2_at_most(s) * 2.0 ** (_H0_EXP if n == 1 else _H0_EXP + 1)


# -- complex step --------------------------------------------------------------------------


def _complex_step(call: Any, base: np.ndarray, points: np.ndarray, h: np.ndarray | None,
                  verify: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                         np.ndarray]:
    """f'(x) = Im f(x + ih)/h: no subtraction, hence no cancellation.

    Valid only for analytic f that is real on the real axis.  With ``verify`` each
    point is checked against a central difference (shrinking its step until the two
    agree, or until the mismatch shrinks like h² as it must for an analytic f), because
    functions such as ``x*np.sign(x)`` accept complex input yet are not analytic.
    Returns value, error estimate, step, an acceptance mask and a mask of points
    accepted without a finite-difference confirmation (none was possible there).
    """
    s = np.maximum(np.abs(base[points]), 1.0)
    hc = _cs_step(base[points]) if h is None else \
        np.broadcast_to(np.asarray(h, float), s.shape).copy()
    z = _call2d(call, points, base[points] + 1j * hc)
    d = z.imag / hc[:, None]
    accepted = np.isfinite(z).all(axis=1)
    err = _CS_NOISE * np.abs(d) + 2 * EPS * np.abs(z.real) / s[:, None]
    blind_ok = np.zeros(len(points), dtype=bool)
    if not accepted.any():
        return d, err, hc, accepted, blind_ok
    if not verify:
        # even a formula known to be analytic must be real at x itself: log(x + ih) at
        # x = -1 is finite (iπ) but log(-1) is not a real number; and the step must be
        # small on the scale of f (the quotient at h/2 must agree)
        on = np.flatnonzero(accepted)
        fr = _call2d(call, points[on], base[points[on]])
        same = np.abs(z[on].real - fr) <= 1e-8 * np.abs(fr) + 1e-300
        accepted[on] = (np.isfinite(fr) & same).all(axis=1)
        if h is None:
            on = np.flatnonzero(accepted)
            accepted[on] = _cs_consistent(call, base, points[on], hc[on], d[on])
        return d, err, hc, accepted, blind_ok
    todo = np.flatnonzero(accepted)
    verified = np.zeros(len(points), dtype=bool)
    delta = _pow2_at_most(s) * 2.0**-10
    prev = np.full(len(points), np.inf)
    for _ in range(6):
        pts = points[todo]
        xp = base[pts] + delta[todo]
        xm = base[pts] - delta[todo]
        fp = _call2d(call, pts, xp)
        fm = _call2d(call, pts, xm)
        dfd = (fp - fm) / (xp - xm)[:, None]
        mis = np.abs(d[todo] - dfd).max(axis=1)
        noise = (64 * EPS * (np.abs(fp) + np.abs(fm)) / (xp - xm)[:, None]).max(axis=1)
        scale = np.maximum(np.abs(d[todo]), np.abs(dfd)).max(axis=1)
        shrank = np.isfinite(prev[todo]) & (mis <= prev[todo] / 256)  # O(δ²) as it must
        fine = np.isfinite(mis) & ((mis <= 1e-4 * scale + noise) | shrank)
        verified[todo[fine]] = True
        prev[todo] = np.where(np.isfinite(mis), mis, np.inf)
        todo = todo[~fine]
        if todo.size == 0:
            break
        delta[todo] /= 64
    # Where x is so large that no representable step resolves f (sin at x = 1e20: floats
    # there are 16384 apart), the central difference is itself garbage and cannot
    # confirm anything.  That is the case when f changes a lot over the last real step
    # tried even along the imaginary axis (Im f(x + iδ)/δ far from the quotient at a
    # tiny h; for x*sign(x) or x*conj(x) it is not, so they stay rejected).  There the
    # complex step is accepted when f is real at x and the quotient is the same at two
    # tiny steps h and h/2 (as it is for analytic f).
    if todo.size and h is None:
        last = delta[todo] * 64
        zb = _call2d(call, points[todo], base[points[todo]] + 1j * last)
        db = zb.imag / last[:, None]
        moves = (~np.isfinite(db) | (np.abs(db - d[todo]) > 1e-4 * np.abs(d[todo]))).any(axis=1)
        blind = todo[moves]
    else:
        blind = todo[:0]
    if blind.size:
        fr = _call2d(call, points[blind], base[points[blind]])
        zb = z[blind]
        real_ok = (np.isfinite(fr) & (np.abs(zb.real - fr) <= 1e-8 * np.abs(fr) + 1e-300)
                   ).all(axis=1)
        blind = blind[real_ok]
        if blind.size:
            ok = _cs_consistent(call, base, points[blind], hc[blind], d[blind])
            verified[blind[ok]] = True
            blind_ok[blind[ok]] = True
    return d, err, hc, verified, blind_ok


def _cs_step(x: np.ndarray) -> np.ndarray:
    """Imaginary step: 2^-66 (≈ 1.4e-20) times |x| for |x| < 1, else 2^-66 itself.

    The complex step has no cancellation, so the step need not grow with |x|; it must
    stay far below the scale on which f varies (about 1 for sin even at x = 1e20, about
    |x| for log near 0).  A power of two keeps the division by h exact, also for the
    subnormal steps used at x ≈ 1e-300.
    """
    s = np.clip(np.abs(x), 2.0**-1000, 1.0)
    s = np.where(x == 0, 1.0, s)
    return _pow2_at_most(s) * 2.0**-66


def _cs_consistent(call: Any, base: np.ndarray, pts: np.ndarray, hc: np.ndarray,
                   d: np.ndarray) -> np.ndarray:
    """True where Im f(x + ih/2)/(h/2) agrees with the quotient at h (mask over pts)."""
    if pts.size == 0:
        return np.zeros(0, dtype=bool)
    z2 = _call2d(call, pts, base[pts] + 0.5j * hc)
    d2 = z2.imag / (0.5 * hc)[:, None]
    return (np.isfinite(d2) & (np.abs(d2 - d) <= 1e-8 * np.abs(d) + 1e-300)).all(axis=1)


# -- public: derivative --------------------------------------------------------------------


def _is_formula(f: Any) -> bool:
    from bibun.expr.core import Expr

    return isinstance(f, str | Expr)


def formula_analytic(e: Any) -> bool:
    """True when every function in the formula (an Expr) is holomorphic, so the complex
    step is valid without the numerical check; False when one is not (|x|, relu, ...)."""
    from bibun.expr.core import FN, postorder
    from bibun.rules import rule

    return all(rule(node.value).analytic for node in postorder(e) if node.op == FN)


def _as_callable(f: Any, who: str, size: int | None, analytic: bool | None = None
                 ) -> tuple[Callable[[Any], Any], bool | None]:
    """(function, analytic): ``f`` itself when callable; a formula (text such as "x^2"
    or an Expr) becomes the function that evaluates it (``bibun.compile``, NaN outside
    the domain).  ``analytic`` is passed through when given (or f is a function), else
    it says whether the formula is analytic (:func:`formula_analytic`).

    ``size`` is None when f takes one number (derivative; array x means many points),
    else the number of components of x: a formula's variables, in sorted order
    (x, y, z ...), take x's components in turn.
    """
    if callable(f):
        return f, analytic
    if not _is_formula(f):
        raise BibunError(f"{who}() needs f to be a function, such as np.sin or "
                         f"lambda x: x**2 (or a formula such as 'x^2'), not "
                         f"{type(f).__name__} {f!r:.40}")
    from bibun.compile import compile as compile_expr
    from bibun.expr.core import as_expr

    e = as_expr(f)
    if analytic is None:
        analytic = formula_analytic(e)
    names = sorted(e.free)
    if size is None:
        if len(names) > 1:
            raise BibunError(f"{who}() of the formula {e} needs one variable, but it has "
                             f"{', '.join(names)}: give the others values first (subs), or "
                             "use gradient() with x holding one value per variable")
        return compile_expr(e, names or ["x"]), analytic
    names = names or ["x"]
    if len(names) != size:
        raise BibunError(f"{who}() of the formula {e} needs x to hold one value per variable "
                         f"({', '.join(names)}, in this order); x has {size}")
    fn = compile_expr(e, names)

    def g(v: Any) -> Any:
        return fn(*np.asarray(v).ravel())

    return g, analytic


def _as_float_array(x: Any, what: str) -> tuple[np.ndarray, list[str]]:
    flags: list[str] = []
    arr = np.asarray(x)
    if arr.dtype == object:
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise BibunError(f"{what} must be a real number or an array of them") from None
    if np.iscomplexobj(arr):
        raise BibunError(f"{what} must be real; got complex {what} (bibun differentiates over "
                         "the reals; the complex step is used internally)")
    if arr.dtype.kind in "iub":
        if isinstance(x, np.ndarray):
            flags.append(f"integer {what} array ({arr.dtype}) converted to float")
        arr = arr.astype(float)
    elif arr.dtype.kind != "f":
        raise BibunError(f"{what} must be a real number or an array of them, not {arr.dtype}")
    arr = arr.astype(float)
    if not np.isfinite(arr).all():
        raise DomainError(f"{what} must be finite; got {arr[~np.isfinite(arr)].ravel()[0]}")
    return arr, flags


def _check_args(n: int, method: str, h: Any) -> None:
    if method not in METHODS:
        raise BibunError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if not isinstance(n, int | np.integer) or not 1 <= n <= MAX_ORDER:
        raise BibunError(f"derivative order n must be an integer from 1 to {MAX_ORDER}, got {n!r}")
    if method == "complex" and n != 1:
        raise BibunError("the complex step gives first derivatives only (n=1)")
    if h is not None and not (np.all(np.isfinite(h)) and np.all(np.asarray(h) > 0)):
        raise BibunError(f"step h must be positive and finite, got {h!r}")


def _ordinal(k: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(k, f"{k}th")


def _num(v: Any) -> str:
    """A number as a user reads it: 1, 0.5, 1e+20 (never np.float64(1.0)); for a complex
    step point x + ih, its real part x."""
    return f"{float(np.real(v)):.15g}"


def _no_finite_values(x: Any, last_error: BaseException | None) -> DomainError:
    why = ""
    if last_error is not None:
        why = f"; f raised {type(last_error).__name__}: {last_error}"
    where = _num(x) if np.ndim(x) == 0 else repr(x)
    return DomainError(f"cannot differentiate at x = {where}: f is not finite (or raises) at "
                       f"every step tried on either side of x{why}")


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
            raise DomainError(f"the {method} difference at x = {_num(base[i])} with "
                              f"h = {h_used[i]:.3g} needs f at points where it is not finite; "
                              "try method='auto'")
        return dict(value=value, error=error, h=h_used, method=meth, flags=flags)
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
                raise BibunError(f"the complex step failed at x = {_num(base[i])}: it needs a "
                                 "formula that is analytic (smooth in the complex sense) near x; "
                                 "|x|, sign, floor, max and the like are not; use "
                                 "the method auto or richardson instead")
            return dict(value=value, error=error, h=h_used, method=meth, flags=flags)
    if rest.size:
        if h is None:
            h0 = _default_h0(base[rest], n)
        else:
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
            for p in got.tolist():
                flags[p].append(f"one-sided ({name}) at a domain edge: f is not finite on the "
                                "other side")
            failed = np.isin(rest, edge[failed1])
        if failed.any():
            p = int(rest[failed][0])
            raise _no_finite_values(float(base[p]), call.last_error)
    return dict(value=value, error=error, h=h_used, method=meth, flags=flags)


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


# -- public: gradient, jacobian, hessian ---------------------------------------------------


def jacobian(f: Callable[[Any], Any], x: Any, method: str = "auto", h: float | None = None,
             *, analytic: bool | None = None) -> Estimate:
    """Jacobian of ``f`` at the point ``x`` (any shape); ``f`` may return any shape.

    The result's ``value`` has shape ``f(x).shape + x.shape``; ``evaluations`` is the
    total number of calls of ``f``.  Each coordinate is differentiated as in
    :func:`derivative` (complex step or Richardson, domain-aware).
    """
    if method not in METHODS:
        raise BibunError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
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
        raise BibunError("gradient needs f to return one number; use jacobian() for "
                         "vector-valued f")
    return est


def _safe_call(f: Callable[[Any], Any], xs: np.ndarray) -> np.ndarray:
    try:
        with np.errstate(all="ignore"):
            y = np.asarray(f(xs.copy()), dtype=float)
    except Exception as exc:
        raise DomainError(f"f raised {type(exc).__name__} at x={xs.tolist()!r}: {exc}") from exc
    if not np.isfinite(y).all():
        raise DomainError(f"f is not finite at x={xs.tolist()!r}")
    return y


def hessian(f: Callable[[Any], Any], x: Any, h: float | None = None) -> Estimate:
    """Hessian of a scalar ``f`` at ``x`` by central second differences with Richardson
    extrapolation; symmetric by construction, entry errors estimated.

    ``f`` is always called with an array of x's shape (a matrix of weights stays a
    matrix); the result has shape ``x.shape + x.shape`` ((n, n) for a vector, a number
    for a number)."""
    f, _ = _as_callable(f, "hessian", np.size(x) if np.ndim(x) else None)
    xin, flags0 = _as_float_array(x, "x")
    shape = xin.shape
    xs = xin.ravel()  # indexed flat; f always sees x's own shape
    nvar = xs.size
    y0 = _safe_call(f, xin)
    if y0.size != 1:
        raise BibunError(f"hessian needs f to return one number; it returned shape {y0.shape} "
                         "(use jacobian() for vector-valued f)")
    f0 = float(y0.reshape(()))
    pairs = [(i, j) for i in range(nvar) for j in range(i, nvar)]
    counts = np.zeros(len(pairs), dtype=np.int64)
    last: list[BaseException] = []

    def fval(xv: np.ndarray) -> float:
        try:
            with np.errstate(all="ignore"):
                y = np.asarray(f(xv.reshape(shape)))
            y = float(y.reshape(())) if y.size == 1 else math.nan
        except Exception as exc:
            last.append(exc)
            return math.nan
        return y if math.isfinite(y) else math.nan

    s = np.maximum(np.abs(xs), 1.0)

    def q(idx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        out = np.empty((len(idx), 1))
        noise = np.empty((len(idx), 1))
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
                vals = np.array([fm, f0, fp])
                out[r, 0] = (w * vals).sum() / hh**2
                noise[r, 0] = _NOISE * np.abs(w * vals).sum() / hh**2
            else:
                vals = []
                for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                    xv = xs.copy()
                    xv[i] += si * hh
                    xv[j] += sj * hh
                    vals.append(fval(xv))
                di = (xs[i] + hh) - (xs[i] - hh)
                dj = (xs[j] + hh) - (xs[j] - hh)
                v = np.array(vals)
                out[r, 0] = (v[0] - v[1] - v[2] + v[3]) / (di * dj)
                noise[r, 0] = _NOISE * np.abs(v).sum() / (di * dj)
        return out, noise

    h0 = np.array([(_pow2_at_most(np.array([max(s[i], s[j])]))[0] * 2.0**-2 if h is None
                    else float(h)) for i, j in pairs])
    run = _extrapolate(q, np.arange(len(pairs)), h0, 2, 2)
    if (run.status == 1).any():
        raise _no_finite_values(xs.tolist(), last[-1] if last else None)
    H = np.empty((nvar, nvar))
    herr = np.empty((nvar, nvar))
    for p, (i, j) in enumerate(pairs):
        H[i, j] = H[j, i] = run.value[p, 0]
        herr[i, j] = herr[j, i] = run.error[p, 0]
    flags = list(flags0)
    tolerable = np.maximum(np.abs(H) * 1e-2, 1e-8)
    if np.any(herr > tolerable):
        flags.append("unreliable: some entries have large error estimates")
        warnings.warn("numerical Hessian has entries with large error estimates", NumericWarning,
                      stacklevel=2)
    hs = np.empty((nvar, nvar))
    for p, (i, j) in enumerate(pairs):
        hs[i, j] = hs[j, i] = run.h[p]
    out = shape + shape  # ∂²f/∂x[a]∂x[b] at [a + b], as jacobian's f.shape + x.shape
    if not out:
        return Estimate(float(H[0, 0]), float(herr[0, 0]), float(hs[0, 0]),
                        int(counts.sum()) + 1, "richardson (central)", tuple(flags), 2)
    return Estimate(H.reshape(out), herr.reshape(out), hs.reshape(out), int(counts.sum()) + 1,
                    "richardson (central)", tuple(flags), 2)


# -- book-compatible functions -------------------------------------------------------------


def numerical_diff(f: Callable[[Any], Any], x: Any) -> Any:
    """The book's central difference ``(f(x+h) - f(x-h)) / (2h)`` with ``h = 1e-4``.

    Kept literally so that its output matches *Deep Learning from Scratch* (and the
    seeds) to the last digit: ``numerical_diff(lambda x: 0.01*x**2 + 0.1*x, 5)`` is
    0.1999999999990898.  Use :func:`derivative` for an error estimate.
    """
    f, _ = _as_callable(f, "numerical_diff", None)
    h = 1e-4
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """The book's gradient: central differences, ``h = 1e-4``, one element at a time.

    Each element of ``x`` is perturbed *in place* (``f`` is called with ``x`` itself) and
    restored afterwards, even if ``f`` raises.  That is what lets ``f`` ignore its
    argument and read weights it captured, as the book's ``lambda W: net.loss(x, t)``
    does.  Works for any shape.  Integer arrays are refused: ``x[i] + 1e-4`` would be
    truncated back to ``x[i]`` and every partial derivative would come out 0.
    """
    if not isinstance(x, np.ndarray):
        try:
            x = np.array(x, dtype=float)
        except (TypeError, ValueError):
            raise BibunError("x must be a float array (or a list of numbers)") from None
    f, _ = _as_callable(f, "numerical_gradient", x.size)
    if x.dtype.kind != "f":
        raise BibunError(
            f"numerical_gradient needs a float array, got dtype {x.dtype}: in an integer "
            "array x[i] + 1e-4 is truncated back to x[i], so every partial derivative would "
            "be 0. Convert first, e.g. x = x.astype(float)")
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        saved = x[i].copy()
        try:
            x[i] = saved + h
            up = f(x)
            x[i] = saved - h
            down = f(x)
        finally:
            x[i] = saved
        grad[i] = (up - down) / (2 * h)
        it.iternext()
    return grad


# -- the limit, made visible ---------------------------------------------------------------


_TABLE_METHODS = ("forward", "backward", "central", "complex")


@dataclass
class DifferenceTable:
    """Difference quotients for h = 10^-1 … 10^-16, per method.

    ``quotients[m]`` and (when the exact derivative is known) ``errors[m]`` are arrays
    aligned with ``h``.  ``optimal_h[m]`` is the step with the smallest error: measured
    when ``exact`` is known, otherwise estimated against an adaptive :func:`derivative`
    reference (see :func:`_optimal_without_exact`).
    ``theory_h[m]`` is the textbook balance of truncation and rounding
    (forward: 2√(ε|f|/|f''|), central: ∛(3ε|f|/|f'''|)).
    """

    x: float
    h: np.ndarray
    quotients: dict[str, np.ndarray]
    errors: dict[str, np.ndarray] | None
    exact: float | None
    optimal_h: dict[str, float]
    theory_h: dict[str, float] = field(default_factory=dict)

    @property
    def methods(self) -> list[str]:
        return list(self.quotients)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per h (JSON-friendly)."""
        out = []
        for i, hv in enumerate(self.h):
            row: dict[str, Any] = {"h": float(hv)}
            for m in self.methods:
                row[m] = float(self.quotients[m][i])
                if self.errors is not None:
                    row[f"{m}_error"] = float(self.errors[m][i])
            out.append(row)
        return out

    def __str__(self) -> str:
        head = ["h".rjust(7)]
        for m in self.methods:
            head.append(m.rjust(22))
            if self.errors is not None:
                head.append("error".rjust(9))
        lines = [f"difference quotients at x = {self.x!r}"
                 + (f" (exact derivative {self.exact!r})" if self.exact is not None else ""),
                 " ".join(head)]
        for i, hv in enumerate(self.h):
            cells = [f"{hv:7.0e}"]
            for m in self.methods:
                cells.append(f"{self.quotients[m][i]:22.16g}")
                if self.errors is not None:
                    cells.append(f"{self.errors[m][i]:9.1e}")
            lines.append(" ".join(cells))
        for m in self.methods:
            extra = f" (theory {self.theory_h[m]:.1e})" if m in self.theory_h else ""
            lines.append(f"best h for {m}: {self.optimal_h[m]:.0e}{extra}")
        return "\n".join(lines)


def difference_table(f: Callable[[Any], Any], x: float, method: str | Sequence[str] = "all",
                     exact: float | None = None, *, hs: Sequence[float] | None = None) -> \
        DifferenceTable:
    """The difference quotient for h = 10^-1, 10^-2, …, 10^-16 (or ``hs``).

    Shows the limit definition at work: the truncation error shrinks with h until
    rounding error (≈ ε|f|/h) takes over.  ``method`` is one of "forward", "backward",
    "central", "complex" (no subtraction, so no rounding growth), a list of them, or
    "all".  ``exact`` adds a column of true errors.  This is the one implementation of
    the quotient table; ``calculus.limit_quotient`` builds on it.
    """
    if isinstance(method, str):
        methods = list(_TABLE_METHODS) if method == "all" else [method]
    else:
        methods = list(method)
    for m in methods:
        if m not in _TABLE_METHODS:
            raise BibunError(f"unknown difference method {m!r}; choose from "
                             f"{', '.join(_TABLE_METHODS)} or 'all'")
    xv = float(x)
    hv = np.array(hs if hs is not None else [10.0**-k for k in range(1, 17)], dtype=float)
    if method == "all":
        try:
            with np.errstate(all="ignore"):
                ok = np.iscomplexobj(np.asarray(f(complex(xv, 1e-20))))
        except Exception:
            ok = False
        if not ok:
            methods.remove("complex")

    def ev(t: Any) -> Any:
        with np.errstate(all="ignore"):
            return f(t)

    fx = ev(xv)
    quot: dict[str, np.ndarray] = {}
    for m in methods:
        vals = []
        for hh in hv:
            if m == "forward":
                vals.append((ev(xv + hh) - fx) / hh)
            elif m == "backward":
                vals.append((fx - ev(xv - hh)) / hh)
            elif m == "central":
                vals.append((ev(xv + hh) - ev(xv - hh)) / (2 * hh))
            else:
                vals.append(np.imag(ev(complex(xv, hh))) / hh)
        quot[m] = np.array(vals, dtype=float)
    errors = None
    optimal: dict[str, float] = {}
    if exact is not None:
        errors = {m: np.abs(q - float(exact)) for m, q in quot.items()}
        for m in methods:
            e = np.where(np.isfinite(errors[m]), errors[m], np.inf)
            optimal[m] = float(hv[int(np.argmin(e))])
    else:
        optimal = _optimal_without_exact(f, xv, hv, quot)
    theory: dict[str, float] = {}
    try:
        f2 = abs(derivative(f, xv, 2).value)
        f3 = abs(derivative(f, xv, 3).value)
        af = abs(float(fx))
        for m in methods:
            if m in ("forward", "backward") and f2 > 0:
                theory[m] = 2 * math.sqrt(EPS * max(af, EPS) / f2)
            elif m == "central" and f3 > 0:
                theory[m] = (3 * EPS * max(af, EPS) / f3) ** (1 / 3)
    except (BibunError, ValueError, TypeError):
        pass
    return DifferenceTable(xv, hv, quot, errors, None if exact is None else float(exact),
                           optimal, theory)


def _optimal_without_exact(f: Callable[[Any], Any], x: float, hv: np.ndarray,
                           quot: dict[str, np.ndarray]) -> dict[str, float]:
    """The best step per method when the exact derivative is not known.

    "Where successive quotients agree best" is fooled by two rows that happen to be
    equal (for e^x at 1 the backward quotients at 1e-11 and 1e-12 coincide, rounding
    noise both).  Instead every row is compared with an independent reference, the
    adaptive :func:`derivative` (complex step or Richardson, with its own error bar):
    the estimated error of a row is |quotient - reference|, and rows within the
    reference's own error are ties, resolved towards the larger step for differences
    (less rounding) and the smaller one for the complex step.
    Without a trustworthy reference (a corner, a singularity) the old rule is the
    fallback.
    """
    ref = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericWarning)
            est = derivative(f, x)
        if est.ok and np.isfinite(est.value) and np.isfinite(est.error_estimate):
            ref = est
    except BibunError:
        pass
    out: dict[str, float] = {}
    for m, q in quot.items():
        if ref is not None:
            with np.errstate(invalid="ignore"):
                e = np.maximum(np.abs(q - ref.value), ref.error_estimate)
            e = np.where(np.isfinite(e), e, np.inf)
            if np.isfinite(e).any():
                # ties: the largest h for differences (rounding grows as h shrinks), the
                # smallest for the complex step (no subtraction, so no rounding growth)
                i = int(np.argmin(e)) if m != "complex" else len(e) - 1 - int(np.argmin(e[::-1]))
                out[m] = float(hv[i])
                continue
        dq = np.abs(np.diff(q))
        dq = np.where(np.isfinite(dq), dq, np.inf)
        out[m] = float(hv[int(np.argmin(dq)) + 1]) if dq.size else float(hv[0])
    return out


# -- gradcheck -----------------------------------------------------------------------------


@dataclass
class GradcheckReport:
    """Analytic vs numerical gradient, component by component.

    A component passes when ``|analytic - numeric| <= atol + rtol·|numeric| +
    2·numeric_error`` (the numerical side's own error bar is allowed for, so a correct
    gradient never fails because the reference is imprecise).
    """

    analytic: np.ndarray
    numeric: np.ndarray
    numeric_error: np.ndarray
    abs_error: np.ndarray
    rel_error: np.ndarray
    rtol: float
    atol: float
    passed_mask: np.ndarray

    @property
    def passed(self) -> bool:
        return bool(self.passed_mask.all())

    def __bool__(self) -> bool:
        return self.passed

    @property
    def max_abs_error(self) -> float:
        return float(self.abs_error.max()) if self.abs_error.size else 0.0

    @property
    def max_rel_error(self) -> float:
        return float(self.rel_error.max()) if self.rel_error.size else 0.0

    @property
    def worst(self) -> tuple[int, ...]:
        """Index of the component with the largest relative error."""
        if not self.rel_error.size:
            return ()
        return tuple(int(i) for i in np.unravel_index(np.argmax(self.rel_error),
                                                      self.rel_error.shape))

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        lines = [f"gradcheck: {verdict} ({int(self.passed_mask.sum())}/{self.passed_mask.size} "
                 f"components within atol={self.atol:g}, rtol={self.rtol:g})",
                 f"  max abs error {self.max_abs_error:.3e}, max rel error "
                 f"{self.max_rel_error:.3e} at component {self.worst}",
                 f"  {'index':>10} {'analytic':>22} {'numeric':>22} {'abs err':>10} "
                 f"{'rel err':>10}"]
        order = np.argsort(-self.rel_error.ravel(), kind="stable")
        shown = order[:20] if order.size > 20 else np.arange(order.size)
        for flat in shown:
            idx = np.unravel_index(int(flat), self.rel_error.shape)
            mark = "" if self.passed_mask[idx] else "  <-- fails"
            lines.append(f"  {str(tuple(int(i) for i in idx)):>10} "
                         f"{self.analytic[idx]:22.15g} {self.numeric[idx]:22.15g} "
                         f"{self.abs_error[idx]:10.2e} {self.rel_error[idx]:10.2e}{mark}")
        if order.size > 20:
            lines.append(f"  ... {order.size - 20} more components (the 20 worst are shown)")
        return "\n".join(lines)


def gradcheck(f: Callable[[Any], Any], grad_f: Callable[[Any], Any] | Any, x: Any,
              rtol: float = 1e-6, atol: float = 1e-8, method: str = "auto") -> GradcheckReport:
    """Check a hand-written gradient ``grad_f`` (a function, or its value at x) of the
    scalar ``f`` against :func:`gradient` at ``x``; returns a readable report."""
    xs, _ = _as_float_array(x, "x")
    num = gradient(f, xs, method=method)
    ana = grad_f(xs.copy()) if callable(grad_f) else grad_f
    ana = np.asarray(ana, dtype=float)
    if ana.shape != xs.shape:
        if ana.size != xs.size:
            raise BibunError(f"grad_f returned shape {ana.shape}, but x has shape {xs.shape}")
        ana = ana.reshape(xs.shape)
    nv = np.asarray(num.value, dtype=float)
    ne = np.asarray(num.error_estimate, dtype=float)
    abs_err = np.abs(ana - nv)
    denom = np.maximum(np.maximum(np.abs(ana), np.abs(nv)), np.finfo(float).tiny)
    rel = np.where(abs_err == 0, 0.0, abs_err / denom)
    ok = abs_err <= atol + rtol * np.abs(nv) + 2 * ne
    return GradcheckReport(ana, nv, ne, abs_err, rel, rtol, atol, ok)
