"""The complex-step derivative: no cancellation, so ~1e-16 relative accuracy where f is analytic."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bibun.numeric.calling import _call2d
from bibun.numeric.estimate import _CS_NOISE, EPS
from bibun.numeric.richardson import _pow2_at_most

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
    # the last term: Im f(x + ih) below the smallest normal float has lost digits to
    # underflow (x² at x = 1e-200: 2·1e-200·1e-220 is 0 in floating point)
    err = (_CS_NOISE * np.abs(d) + 2 * EPS * np.abs(z.real) / s[:, None]
           + 2 * np.finfo(float).tiny / hc[:, None])
    blind_ok = np.zeros(len(points), dtype=bool)
    if not accepted.any():
        return d, err, hc, accepted, blind_ok
    _add_truncation(call, base, points, hc, d, z, err, accepted)
    if not verify:
        # even a formula known to be analytic must be real at x itself: log(x + ih) at
        # x = -1 is finite (iπ) but log(-1) is not a real number; and the step must be
        # small on the scale of f (the quotient at h/2 must agree)
        on = np.flatnonzero(accepted)
        fr = _call2d(call, points[on], base[points[on]])
        same = np.abs(z[on].real - fr) <= _real_tolerance(fr, hc[on], s[on])
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
        real_ok = (np.isfinite(fr) & (np.abs(zb.real - fr)
                                      <= _real_tolerance(fr, hc[blind], s[blind]))).all(axis=1)
        blind = blind[real_ok]
        if blind.size:
            ok = _cs_consistent(call, base, points[blind], hc[blind], d[blind])
            verified[blind[ok]] = True
            blind_ok[blind[ok]] = True
    return d, err, hc, verified, blind_ok


def _add_truncation(call: Any, base: np.ndarray, points: np.ndarray, hc: np.ndarray,
                    d: np.ndarray, z: np.ndarray, err: np.ndarray, accepted: np.ndarray) -> None:
    """Im f(x + ih)/h = f'(x) - h²·f‴(x)/6 + ...: negligible next to f' unless f' is
    itself about as small as h (x³ at 0 gives -h² = -1.8e-40 where f' = 0).  Only at
    such points one more call, at h/2, measures that term (4/3 of the difference, by
    Richardson) and adds it to the error, in place."""
    tiny = accepted & (np.abs(d) <= hc[:, None] * (1 + np.abs(z.real))).all(axis=1)
    on = np.flatnonzero(tiny)
    if on.size == 0:
        return
    z2 = _call2d(call, points[on], base[points[on]] + 0.5j * hc[on])
    with np.errstate(all="ignore"):
        trunc = np.abs(d[on] - z2.imag / (0.5 * hc[on])[:, None]) * 4 / 3
    err[on] += np.where(np.isfinite(trunc), trunc, np.inf)


def _real_tolerance(fr: np.ndarray, hc: np.ndarray, s: np.ndarray) -> np.ndarray:
    """How far Re f(x + ih) may be from f(x) for an analytic f: relatively 1e-8, plus
    h·max(|x|, 1) absolutely, since Re f(x + ih) = f(x) - h²f''(x)/2 + ...  Without the
    absolute part a zero f(x) with a zero slope (x² at 0: Re (ih)² = -h²) was refused."""
    return 1e-8 * np.abs(fr) + (hc * s)[:, None] + 1e-300


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
    # d(h) = f'(x) - h²f'''(x)/6 + ...: relatively 1e-8, plus h absolutely so that a
    # zero slope (x³ at 0: d(h) = -h²) is not refused
    return (np.isfinite(d2) & (np.abs(d2 - d) <= 1e-8 * np.abs(d) + hc[:, None] + 1e-300)
            ).all(axis=1)




# -- higher orders: Cauchy's integral on a circle ------------------------------------------

_CONTOUR_NODES = 32  # trapezoidal nodes on the circle; the even half gives a 16-node check


def _contour(call: Any, base: np.ndarray, points: np.ndarray, n: int, r: np.ndarray | None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """f^(n)(x) = n!/(2πi) ∮ f(z)/(z-x)^(n+1) dz on the circle |z - x| = r, by the
    trapezoidal rule with N = 32 nodes (Lyness and Moler 1967):
    D(r) = n!/(N r^n) Σ_k f(x + r e^{2πik/N}) e^{-2πikn/N}.

    For f analytic on the disc the rule converges geometrically, its error being the
    aliased coefficient a_{n+N} r^N; rounding adds about n!·ε·max|f|·(1 + |x|/r)/r^n,
    so a large circle is best, as long as it encloses no singularity.  The radius is
    found by scanning upwards by factors of 2, from far below max(|x|, 1) to 4 times
    it: each circle's error is estimated from the 16-node rule on the even nodes
    (an over-estimate: the 32-node error is about its square), the rounding bound and
    the imaginary part (zero for f real on the real axis); the scan stops at the first
    circle whose value disagrees with the best so far beyond both error bars (a pole
    or branch cut got inside) or where f is not finite.  Returns value, error, radius
    and an acceptance mask.
    """
    P = len(points)
    x = base[points]
    s = np.maximum(np.abs(x), 1.0)
    N = _CONTOUR_NODES
    k = np.arange(N)
    unit = np.exp(2j * np.pi * k / N)
    if r is None:
        top = np.floor(np.log2(s)) + 2
        radii = [2.0 ** (top - j) for j in range(int(top.max() - (top - 16).min()), -1, -1)]
        radii = [np.where(rr >= 2.0 ** (top - 16), rr, np.nan) for rr in radii]
    else:
        radii = [np.broadcast_to(np.asarray(r, float), x.shape).astype(float)]
    fact = float(math.factorial(n))
    best_v = np.full((P, 1), np.nan)
    best_e = np.full((P, 1), np.inf)
    best_r = np.full(P, np.nan)
    live = np.ones(P, dtype=bool)
    twiddle = np.exp(-2j * np.pi * k * n / N)
    for rr in radii:
        on = np.flatnonzero(live & np.isfinite(rr))
        if on.size == 0:
            continue
        ro = rr[on]
        nodes = x[on, None] + ro[:, None] * unit[None, :]  # (p, N)
        z = _call2d(call, np.repeat(points[on], N), nodes.ravel())  # (p*N, m)
        call.counts[points[on]] += N - 1  # counted once per point above, called N times
        z = z.reshape(on.size, N, -1)
        good = np.isfinite(z).all(axis=(1, 2))
        with np.errstate(all="ignore"):
            full = (z * twiddle[None, :, None]).sum(axis=1) / N
            half = (z[:, ::2] * twiddle[None, ::2, None]).sum(axis=1) / (N // 2)
            scale = fact / ro[:, None] ** n
            d32, d16 = full.real * scale, half.real * scale
            big = np.abs(z).max(axis=1)
            noise = 8 * EPS * big * (1 + np.abs(x[on])[:, None] / ro[:, None]) * scale
            err = np.abs(d32 - d16) + np.abs(full.imag) * scale + noise
        prev_v, prev_e = best_v[on], best_e[on]
        with np.errstate(invalid="ignore"):
            clash = np.isfinite(prev_e) & (np.abs(d32 - prev_v) > 2 * (err + prev_e))
        clash = clash.any(axis=1)
        stop = ~good | clash
        seen = np.isfinite(best_r[on])
        live[on[stop & seen]] = False  # a singularity got inside, or f left its domain
        live[on[seen & (err > 1e3 * prev_e).all(axis=1)]] = False  # aliasing grows now
        take = good & ~clash & (err <= prev_e).all(axis=1)
        if best_v.shape[1] != d32.shape[1]:
            best_v = np.full((P, d32.shape[1]), np.nan)
            best_e = np.full((P, d32.shape[1]), np.inf)
        best_v[on[take]], best_e[on[take]], best_r[on[take]] = d32[take], err[take], ro[take]
    return best_v, best_e, best_r, np.isfinite(best_r)
