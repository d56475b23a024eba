"""Where to look: the window of a graph chosen from the function's own features.

A fixed window [-5, 5] flattens x³ − 3x into a line with two invisible bumps (its values
run to ±110 while the maximum and the minimum are ±2), and hands tan a lopsided y-range.
A textbook picks the window around what there is to see: the critical points, the
inflection points, the roots, the poles and where the domain ends.  This module finds
them (critical points exactly for polynomials, by :func:`bibun.calculus.critical_points`;
inflections as the extrema of f′; roots, poles and the domain from a fine sample, poles
confirmed by zooming in: |f| keeps growing at a pole and stays put at a smooth maximum)
and chooses the x- and y-ranges from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from bibun.calculus import as_function, critical_points, exact_at, to_float
from bibun.calculus.sampling import visible_limits
from bibun.errors import BibunError
from bibun.expr import numfmt
from bibun.expr.core import Expr, postorder
from bibun.symbolic import diff

#: formulas with more distinct parts than this get no feature search (a figure of a
#: 5,000-node formula is drawn on the default window instead of waiting for f″)
MAX_FEATURE_NODES = 400
#: the window searched for features when none is given
SEARCH = (-10.0, 10.0)
#: at most this many feature positions (nearest the centre) decide the window: sin has
#: infinitely many, and two periods show them all
MAX_POSITIONS = 5


@dataclass(frozen=True)
class Marked:
    """A point marked on the curve: a local maximum or minimum, or an inflection point.
    ``x`` and ``y`` are exact Exprs where the calculus found them exactly, else floats."""

    kind: str  # "max" | "min" | "inflection"
    x: Expr | float
    y: Expr | float

    @property
    def xf(self) -> float:
        return float(to_float(self.x)) if isinstance(self.x, Expr) else float(self.x)

    @property
    def yf(self) -> float:
        return float(to_float(self.y)) if isinstance(self.y, Expr) else float(self.y)


@dataclass
class Features:
    """What a graph of f should show, found on ``window``."""

    window: tuple[float, float]
    marked: list[Marked] = field(default_factory=list)
    roots: list[float] = field(default_factory=list)
    poles: list[float] = field(default_factory=list)
    #: intervals of the window where f is undefined (shaded on the figure)
    outside: list[tuple[float, float]] = field(default_factory=list)

    def positions(self) -> list[float]:
        """Every x worth seeing, sorted."""
        xs = [m.xf for m in self.marked] + self.roots + self.poles
        xs += [v for a, b in self.outside for v in (a, b)
               if self.window[0] < v < self.window[1]]
        return sorted(set(round(v, 12) for v in xs if math.isfinite(v)))

    def within(self, a: float, b: float) -> Features:
        """The features inside [a, b] (the outside intervals clipped to it)."""
        inside = [(max(lo, a), min(hi, b)) for lo, hi in self.outside if hi > a and lo < b]
        return Features((a, b), [m for m in self.marked if a <= m.xf <= b],
                        [r for r in self.roots if a <= r <= b],
                        [p for p in self.poles if a <= p <= b], inside)


def find_features(e: Expr, v: str, window: tuple[float, float] = SEARCH,
                  n: int = 4001) -> Features:
    """Critical points, inflection points, roots, poles and the gaps of the domain of
    ``e`` (a function of ``v``) on ``window``.  Never raises for a function it cannot
    analyse: what it cannot find is left out (the figure falls back on the window)."""
    a, b = window
    feats = Features(window)
    f = as_function(e, [v])
    xs = np.linspace(a, b, n)
    with np.errstate(all="ignore"):
        y = np.array(np.broadcast_to(f(xs), xs.shape), dtype=float)
    feats.poles = _poles(f, xs, y)
    feats.outside = _outside(f, xs, y)
    feats.roots = _roots(f, xs, y, feats.poles)
    if len(postorder(e)) <= MAX_FEATURE_NODES and v in e.free:
        feats.marked = _marked(e, v, (a, b))
    return feats


def _marked(e: Expr, v: str, window: tuple[float, float]) -> list[Marked]:
    out: list[Marked] = []
    try:
        for c in critical_points(e, v, window):
            if c.kind in ("max", "min", "inflection"):
                x = c.point[0] if c.exact else c.coords[0]
                y = c.value if c.exact else c.fvalue
                out.append(Marked(c.kind, x, y))
        d1 = diff(e, v)
        for c in critical_points(d1, v, window):  # inflections: where f′ has an extremum
            if c.kind not in ("max", "min"):
                continue
            x = c.point[0] if c.exact else c.coords[0]
            if any(abs(m.xf - c.coords[0]) < 1e-9 for m in out):
                continue  # a stationary inflection is already marked
            try:
                y = exact_at(e, {v: x}) if c.exact else float(to_float(e.evaluate({v: x})))
            except (BibunError, ZeroDivisionError, OverflowError, ValueError):
                continue
            out.append(Marked("inflection", x, y))
    except (BibunError, ZeroDivisionError, OverflowError, ValueError, RecursionError):
        return out
    return [m for m in out if math.isfinite(m.xf) and math.isfinite(m.yf)]


def _poles(f: Any, xs: np.ndarray, y: np.ndarray) -> list[float]:
    """x where |f| grows without bound: local maxima of |f| (or isolated non-finite
    samples) whose height keeps growing as the sample is refined around them."""
    mag = np.abs(y)
    good = np.isfinite(y)
    n = len(xs)
    h = xs[1] - xs[0]
    cand = []
    for i in range(1, n - 1):
        if not good[i]:
            if good[i - 1] and good[i + 1] and np.isinf(y[i]) | np.isnan(y[i]):
                cand.append(i)
        elif good[i - 1] and good[i + 1] and mag[i] >= mag[i - 1] and mag[i] >= mag[i + 1] \
                and mag[i] > 0:
            cand.append(i)
    poles: list[float] = []
    for i in cand[:400]:
        base = mag[i] if good[i] else max(mag[i - 1], mag[i + 1])
        lo, hi = xs[i] - h, xs[i] + h
        peak_x, peak = xs[i], base
        for _ in range(3):  # zoom in on the largest |f| three times
            zs = np.linspace(lo, hi, 201)
            with np.errstate(all="ignore"):
                zy = np.abs(np.array(np.broadcast_to(f(zs), zs.shape), dtype=float))
            if np.isinf(zy).any():
                peak_x, peak = float(zs[np.flatnonzero(np.isinf(zy))[0]]), math.inf
                break
            if not np.isfinite(zy).any():
                break
            j = int(np.nanargmax(zy))
            peak_x, peak = float(zs[j]), float(zy[j])
            step = zs[1] - zs[0]
            lo, hi = peak_x - step, peak_x + step
        if math.isfinite(peak):
            peak_x = _sign_change(f, lo, hi, peak_x)
        grows = peak > 100 * max(base, 1e-300) or (math.isinf(peak) and np.isfinite(base))
        if grows and (not poles or abs(poles[-1] - peak_x) > 2 * h):
            poles.append(_tidy(peak_x))
    return poles


def _sign_change(f: Any, lo: float, hi: float, x: float) -> float:
    """Where f changes sign between lo and hi (an odd pole, to full precision by
    bisection); ``x`` when it does not."""
    flo, fhi = _at(f, lo), _at(f, hi)
    if not (math.isfinite(flo) and math.isfinite(fhi)) or (flo > 0) == (fhi > 0):
        return x
    for _ in range(60):
        m = (lo + hi) / 2
        fm = _at(f, m)
        if not math.isfinite(fm):
            return m
        if (fm > 0) == (flo > 0):
            lo, flo = m, fm
        else:
            hi = m
    return (lo + hi) / 2


def _edge(f: Any, bad: float, good: float) -> float:
    """Where the domain ends between an undefined sample and a defined one (bisection)."""
    for _ in range(50):
        m = (bad + good) / 2
        if math.isfinite(_at(f, m)):
            good = m
        else:
            bad = m
    return _tidy(good)


def _outside(f: Any, xs: np.ndarray, y: np.ndarray) -> list[tuple[float, float]]:
    """Runs of undefined samples (at least 3, so a pole hit exactly is not one)."""
    bad = ~np.isfinite(y)
    runs: list[tuple[float, float]] = []
    i, n = 0, len(xs)
    while i < n:
        if bad[i]:
            j = i
            while j + 1 < n and bad[j + 1]:
                j += 1
            if j - i >= 2:
                lo = _edge(f, float(xs[i]), float(xs[i - 1])) if i else float(xs[0])
                hi = _edge(f, float(xs[j]), float(xs[j + 1])) if j + 1 < n else float(xs[-1])
                runs.append((lo, hi))
            i = j + 1
        else:
            i += 1
    return runs


def _roots(f: Any, xs: np.ndarray, y: np.ndarray, poles: list[float]) -> list[float]:
    """Sign changes of f between neighbouring samples (not across a pole), bisected."""
    h = xs[1] - xs[0]
    s = np.sign(y)
    out: list[float] = []
    for i in np.flatnonzero(np.isfinite(y[:-1]) & np.isfinite(y[1:]) & (s[:-1] * s[1:] <= 0)):
        a, b = float(xs[i]), float(xs[i + 1])
        if any(a - h <= p <= b + h for p in poles):
            continue
        if y[i] == 0:
            r = a
        elif y[i + 1] == 0:
            continue  # found as the next interval's left end
        else:
            fa = float(y[i])
            for _ in range(60):
                m = (a + b) / 2
                fm = _at(f, m)
                if not math.isfinite(fm):
                    break
                if (fm > 0) == (fa > 0):
                    a, fa = m, fm
                else:
                    b = m
            r = (a + b) / 2
        out.append(_tidy(r))
    return out


def _at(f: Any, x: float) -> float:
    """f at one point as a float (NaN where undefined)."""
    arr = np.array([x])
    with np.errstate(all="ignore"):
        return float(np.broadcast_to(np.asarray(f(arr), dtype=float), arr.shape)[0])


def _tidy(x: float) -> float:
    """A found position snapped to a nearby short number (0.49999999 → 0.5)."""
    r = round(x, 9)
    return r if abs(r - x) < 1e-12 * max(1.0, abs(x)) else x


def x_window(feats: Features, center: float = 0.0, include: tuple[float, ...] = (),
             min_width: float = 4.0) -> tuple[float, float]:
    """The x-range around the features nearest ``center`` (at most
    :data:`MAX_POSITIONS` of them), padded, at least ``min_width`` wide, containing every
    x in ``include`` (a tangent point)."""
    pos = sorted(feats.positions(), key=lambda x: abs(x - center))[:MAX_POSITIONS]
    pos += list(include)
    if not pos:
        pos = [center]
    lo, hi = min(pos), max(pos)
    span = hi - lo
    pad = max(0.15 * span, 0.5)
    lo, hi = lo - pad, hi + pad
    if hi - lo < min_width:
        mid = (lo + hi) / 2
        lo, hi = mid - min_width / 2, mid + min_width / 2
    return lo, hi


def y_window(curves: list[np.ndarray], feats: Features) -> tuple[float, float]:
    """The y-range: with poles, symmetric about 0 when f takes both signs near them (tan,
    1/x) and cut at the 5th-95th percentiles (15th-85th when f has one sign, as 1/x²
    has); otherwise the shape of all curves
    (:func:`visible_limits`).  Marked points are always inside."""
    marked = [m.yf for m in feats.marked]
    if feats.poles:
        vals = np.concatenate([c[np.isfinite(c)] for c in curves] or [np.array([0.0])])
        if not vals.size:
            return -1.0, 1.0
        lo, hi = (float(v) for v in np.percentile(vals, [5, 95]))
        if lo < 0 < hi:
            m = max(-lo, hi)
            lo, hi = -m, m
        else:  # one sign (1/x²): the tall side cut lower, where the shape still shows
            lo, hi = (float(v) for v in np.percentile(vals, [15, 85]))
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        lo, hi = min([lo, *marked]), max([hi, *marked])
        pad = 0.1 * (hi - lo or 1.0)
        return lo - pad, hi + pad
    lo, hi = visible_limits(*curves)
    if marked:
        span = hi - lo
        lo, hi = min(lo, min(marked) - 0.08 * span), max(hi, max(marked) + 0.08 * span)
    return lo, hi


# -- numbers on the figure --------------------------------------------------------------


def nice(v: Expr | float) -> str:
    """A coordinate as a teacher writes it on a figure: an exact value as it is (−1,
    √3/3, e⁻¹ ≈ 0.368), a float that is a short fraction or a simple multiple of π as
    that (0.5 → 1/2, 1.5707963… → π/2), anything else to 3 significant digits."""
    if isinstance(v, Expr):
        x = float(to_float(v))
        text = v.unicode()
        if not v.free and len(text) <= 14:
            if _plain_number(text):
                return text.replace("-", "−")
            return f"{text} ≈ {numfmt.fmt(x, 3, style='unicode')}"
        v = x
    x = float(v)
    if math.isinf(x):  # a limit written on a figure, as a teacher writes it
        return "∞" if x > 0 else "−∞"
    if math.isnan(x):
        numfmt.finite(x)  # a clear error, never "nan" on a figure
    q = Fraction(x).limit_denominator(12)
    if abs(float(q) - x) < 1e-9 * max(1.0, abs(x)):
        return _fraction_text(q, "")
    q = Fraction(x / math.pi).limit_denominator(12)
    if q != 0 and abs(float(q) * math.pi - x) < 1e-9 * max(1.0, abs(x)):
        return _fraction_text(q, "π")
    return numfmt.fmt(x + 0.0, 3, style="unicode").replace("-", "−")


def _plain_number(text: str) -> bool:
    return all(ch.isdigit() or ch in "-−./" for ch in text)


def _fraction_text(q: Fraction, unit: str) -> str:
    sign = "−" if q < 0 else ""
    p, d = abs(q.numerator), q.denominator
    top = (unit if p == 1 else f"{p}{unit}") if unit else str(p)
    return sign + (top if d == 1 else f"{top}/{d}")
