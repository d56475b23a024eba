"""Richardson extrapolation of difference quotients: steps that scale with |x|
and stop at domain edges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bibun.numeric.calling import _call2d
from bibun.numeric.estimate import (
    _H0_EXP,
    _JMAX,
    _LONG_PATIENCE,
    _MAX_LEVELS,
    _MAX_PROBES,
    _NOISE,
    _PATIENCE,
    _SAFETY,
    EPS,
)
from bibun.numeric.stencils import _stencil, fornberg_weights

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
    untrusted: np.ndarray | None = None  # (P,) no row ever showed the predicted convergence


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
            with np.errstate(all="ignore"):  # h = 0 (a step that underflowed): NaN, below
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
        # with no trusted row yet, "hopeless" means rounding swamps the quotient itself:
        # steps far larger than the scale of f give tiny quotients (sin at x = 1000, 8th
        # derivative, h = 32: 1e-14) whose small absolute errors must not end the search
        swamped = (new_R[:, 0] >= 0.1 * np.abs(D)).all(axis=1)
        stop = (((idle >= _PATIENCE) & good) | ((idle >= _LONG_PATIENCE) & hopeless)
                | ((last[loc] < 0) & hopeless & swamped & (k >= _LONG_PATIENCE)))
        running[loc[stop]] = False
    if m == 0:
        return _Run(np.full((P, 1), np.nan), np.full((P, 1), np.inf), best_h, status,
                    np.zeros((P, 1)))
    # f not finite at the second step already: no estimate at all, so treat it as a
    # failed first step (the caller retries with a smaller one) rather than return NaN
    status[(status == 2) & ~np.isfinite(loose_v).all(axis=1) & (last < 0)] = 1
    never = last < 0
    if never.any():  # no asymptotic regime seen: best untrusted value, honest error
        best_v[never] = loose_v[never]
        best_e[never] = np.maximum(loose_e[never], np.abs(loose_v[never]))
        best_h[never] = loose_h[never]
    return _Run(best_v, best_e, best_h, status, best_r, untrusted=never)


def _pow2_at_most(v: np.ndarray) -> np.ndarray:
    return 2.0 ** np.floor(np.log2(v))


def _shrink(h: np.ndarray, base: np.ndarray, n: int = 1) -> np.ndarray:
    """Next trial step after leaving the domain: jump below |x| (edges are often at 0,
    as for log and sqrt), otherwise divide by 8 (by 2 from order 5 on, where rounding
    grows like 1/h^n and every bit of step counts)."""
    ax = np.abs(base)
    jump = (ax > 0) & (h > ax / 2)
    return np.where(jump, _pow2_at_most(np.maximum(ax, 1e-300) / 4), h / (8 if n < 5 else 2))


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
    untrusted = np.zeros(P, dtype=bool)
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
        if run.untrusted is not None:
            untrusted[done] = run.untrusted[ok]
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
        h[out] = _shrink(h[out], base[points[out]], n)
        shrinks[out] += 1
        # steps scale with |x| (log at x = 1e-300 needs h ~ 1e-301), or with 1 at x = 0
        ax = np.abs(base[points[out]])
        tiny = h[out] < np.where(ax > 0, ax, 1.0) * 2.0**-44
        failed[out[tiny]] = True
        todo = np.concatenate([out[~tiny], retry])
    return _Run(value, error, h_used, status, noise, slopes, coarse, untrusted), shrinks, failed


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
    """First Richardson step: a power of two ~ |x|/16 (or 1/16 near 0); bigger for n > 1
    because rounding error grows like (2/h)^n: from n = 6 on the first step keeps that
    factor below about 1e6 (h0 = |x|/2 for n = 8 to 10), so that the tableau still has
    rows above the rounding floor."""
    s = np.maximum(np.abs(base), 1.0)
    e = _H0_EXP if n == 1 else max(_H0_EXP + 1, int(np.ceil(2.0 - 20.0 / n)))
    return _pow2_at_most(s) * 2.0**e


