"""Critical points and their kind: exact for polynomials, bracketed and checked otherwise,
corners classified by the slopes on each side."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus.common import _at, as_function, as_number, exact_at, to_float
from bibun.calculus.display import critical_point_bundle
from bibun.errors import BibunError, DomainError
from bibun.expr import core, numbers, polynomial
from bibun.expr.core import NUM, Expr, as_expr
from bibun.i18n import Msg, error
from bibun.smoothness import _not_smooth, nondifferentiable_points
from bibun.symbolic import diff

# -- critical points ----------------------------------------------------------------------

#: the kinds of critical point; their names are ``extrema.kind.<kind>`` in the catalogs
KINDS = ("min", "max", "inflection", "saddle", "degenerate", "corner")


@dataclass(frozen=True)
class CriticalPoint:
    """A point where every first partial derivative is zero, with its classification.

    ``point`` holds exact expressions when ``exact`` (rationals such as -1, or surds such
    as 1/6 + √7/6), otherwise float number nodes accurate to ~1e-12.  ``kind`` is one of
    min, max, inflection (1-D), saddle (n-D), degenerate; ``test`` says what decided it.
    """

    variables: tuple[str, ...]
    point: tuple[Expr, ...]
    value: Expr
    kind: str
    exact: bool
    test: str
    method: str
    eigenvalues: tuple[float, ...] = ()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: kind, point, value, test."""
        return critical_point_bundle(self)

    @property
    def coords(self) -> tuple[float, ...]:
        return tuple(to_float(p) for p in self.point)

    @property
    def fvalue(self) -> float:
        return to_float(self.value)

    def describe(self, lang: str = "en") -> str:
        """One line: kind, point, value and the test that decided (en or ja)."""
        lang = i18n.resolve(lang)
        where = ", ".join(f"{v} = {p}" for v, p in zip(self.variables, self.point))
        tag = "" if self.exact else i18n.text("extrema.numeric_tag", lang)
        return i18n.text("extrema.describe", lang, kind=Msg(f"extrema.kind.{self.kind}"),
                         where=where, value=str(self.value), tag=tag, test=self.test)

    def __str__(self) -> str:
        return self.describe("en")


def critical_points(expr: Any, var: str | Sequence[str] | None = None,
                    interval: Any = None, *, grid: int | None = None) -> list[CriticalPoint]:
    """Points where f' = 0 (or ∇f = 0), classified.

    One variable: exact roots for polynomials (rational roots and quadratic surds with
    their multiplicities, which decide min/max/inflection without any float test);
    otherwise sign changes of f' on a grid over ``interval`` (default [-10, 10]) refined
    by bisection to 1e-12, classified by the first non-vanishing higher derivative.
    Several variables: Newton's method on ∇f = 0 from a grid of starts in the box
    ``interval`` (default [-5, 5] per variable), deduplicated, snapped to exact rationals
    when substitution proves ∇f = 0 there, classified by the Hessian's eigenvalues.
    """
    e = as_expr(expr)
    if var is None:
        names = sorted(e.free) or ["x"]
    elif isinstance(var, str):
        names = [n for n in var.replace(",", " ").split()]
    else:
        names = list(var)
    others = sorted(e.free - set(names))
    if others:
        raise error("error.calculus.other_variables", e=e, others=', '.join(others),
                    names=', '.join(names))
    if len(names) == 1:
        return _critical_1d(e, names[0], interval, grid or 4001)
    return _critical_nd(e, names, interval, grid)


def _interval(interval: Any, default: tuple[float, float], what: str = "interval"
              ) -> tuple[float, float]:
    if interval is None:
        return default
    if isinstance(interval, str):
        parts = interval.split(",")
        if len(parts) != 2:
            raise error("error.calculus.interval_two", what=what, interval=repr(interval))
        interval = parts
    try:
        lo, hi = (to_float(as_number(p, what)) for p in interval)
    except (TypeError, ValueError):
        raise error("error.calculus.interval_pair", what=what, interval=repr(interval)) from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise error("error.calculus.interval_empty", what=what, lo=lo, hi=hi)
    return lo, hi


def _critical_1d(e: Expr, v: str, interval: Any, n: int) -> list[CriticalPoint]:
    d1 = diff(e, v)
    if d1 is core.ZERO:
        raise error("error.calculus.constant", e=e, v=v)
    p = polynomial.coefficients(d1, v)
    if p is not None and polynomial.degree(p) >= 0:
        lo_hi = _interval(interval, (-math.inf, math.inf)) if interval is not None else None
        out = []
        for r in polynomial.real_roots(p):
            if lo_hi and not (lo_hi[0] <= r.value <= lo_hi[1]):
                continue
            out.append(_classify_1d(e, v, r.expr, r.exact, "exact (polynomial roots)",
                                    multiplicity=r.multiplicity))
        return out
    lo, hi = _interval(interval, (-10.0, 10.0))
    corners = _corners_1d(e, v, lo, hi, n)
    out = [c for _, c in corners]
    flats: list[tuple[float, float]] = []
    roots = _roots_1d(e, d1, v, lo, hi, n, flats)
    for a, b in flats:  # one entry per stretch, not one per grid point
        mid = core.number(0.5 * (a + b))
        try:
            value = core.number(to_float(e.subs({v: mid})))
        except BibunError:
            continue
        out.append(CriticalPoint((v,), (mid,), value, "degenerate", False,
                                 f"f' = 0 at every grid point of [{a:g}, {b:g}]: f is constant "
                                 "there (to floating point), so every point of it is critical",
                                 "f' = 0 on a whole stretch of the grid"))
    for x, exact, how in roots:
        xf = to_float(x)
        if any(a <= xf <= b for a, b in flats):
            continue
        if any(abs(xf - c) <= 1e-8 * max(1.0, abs(c)) for c, _ in corners):
            continue  # f' "= 0" there only by convention (sign(0) = 0): it is a corner
        out.append(_classify_1d(e, v, x, exact, how))
    out.sort(key=lambda c: c.coords[0])
    return out


def _corners_1d(e: Expr, v: str, lo: float, hi: float, n: int
                ) -> list[tuple[float, CriticalPoint]]:
    """Points in [lo, hi] where f is continuous on both sides but has no derivative
    (|x| at 0, relu at 0, |x^2 - 1| at ±1), classified by the sign of the slope on each
    side: falling then rising is a local minimum, rising then falling a maximum,
    anything else (relu: flat, then rising) not an extremum.  Candidates come from
    :func:`bibun.smoothness.nondifferentiable_points`; the one-sided slopes decide."""
    found: dict[float, tuple[Expr, bool]] = {}
    for nd in nondifferentiable_points(e, v):
        target = Fraction(repr(float(nd.value)))  # exact: 0, 1, 1/2 (not 0.1's binary)
        u = core.add(nd.argument, core.number(-target)) if target else nd.argument
        for x, exact in _zeros_of(u, v, lo, hi, n):
            xf = to_float(x)
            if not any(abs(xf - c) <= 1e-9 * max(1.0, abs(c)) for c in found):
                found[xf] = (x, exact)
    out = []
    for xf, (x, exact) in sorted(found.items()):
        point = _corner_point(e, v, x, xf, exact)
        if point is not None:
            out.append((xf, point))
    return out


def _zeros_of(u: Expr, v: str, lo: float, hi: float, n: int) -> list[tuple[Expr, bool]]:
    """Zeros of u in [lo, hi]: exact for a rational polynomial, else sign changes on
    the grid bisected (snapped to a rational when u is exactly 0 there)."""
    poly = polynomial.coefficients(u, v)
    if poly is not None:
        if polynomial.degree(poly) < 1:
            return []
        return [(r.expr, r.exact) for r in polynomial.real_roots(poly)
                if lo <= r.value <= hi]
    g = as_function(u, [v])
    xs = np.linspace(lo, hi, n)
    gv = g(xs)
    ok = np.isfinite(gv)
    zero = ok & (gv == 0)
    inside = np.zeros_like(zero)  # u is 0 on both sides there: f(u) is flat, no corner
    inside[1:-1] = zero[:-2] & zero[1:-1] & zero[2:]  # (only a run's ends can be one)
    cands = [float(xs[i]) for i in np.flatnonzero(zero & ~inside)]
    for i in np.flatnonzero(ok[:-1] & ok[1:] & (gv[:-1] * gv[1:] < 0)):
        c = _bisect(g, float(xs[i]), float(xs[i + 1]))
        scale = max(abs(gv[i]), abs(gv[i + 1]))
        if abs(float(g(c))) <= 1e-6 * scale:
            cands.append(c)
    out: list[tuple[Expr, bool]] = []
    for c in sorted(cands):
        snapped = _snap([c], [u], [v])
        out.append((snapped[0], True) if snapped is not None else (core.number(c), False))
    return out


def _corner_point(e: Expr, v: str, x: Expr, xf: float, exact: bool) -> CriticalPoint | None:
    """A corner (or a jump) of f at x as a critical point, or None where f is in fact
    differentiable (|x|^3 at 0) or defined on one side only."""

    try:
        value = _at(e, v, x, str(e)) if exact else core.number(to_float(e.subs({v: x})))
        why = _not_smooth(e, v, {v: xf})
    except BibunError:
        return None
    if why is None or why.startswith("an edge"):
        return None
    f = as_function(e, [v])
    f0 = float(f(xf))
    h = 1e-7 * max(1.0, abs(xf))
    fl, fr = float(f(xf - h)), float(f(xf + h))
    if not (math.isfinite(fl) and math.isfinite(fr)):
        return None
    left, right = (f0 - fl) / h, (fr - f0) / h
    tol = 1e-6 * max(1.0, abs(left), abs(right))

    def sign(s: float) -> int:
        return 0 if abs(s) <= tol else (1 if s > 0 else -1)

    where = f"{v} = {x}"
    if why.startswith("a jump"):
        if f0 < min(fl, fr):
            kind = "min"
        elif f0 > max(fl, fr):
            kind = "max"
        else:
            kind = "corner"
        test = (f"f jumps at {where} (about {fl:.6g} on the left, {fr:.6g} on the right): "
                "no derivative there")
        return CriticalPoint((v,), (x,), value, kind, exact, test, "a jump of f")
    sl, sr = sign(left), sign(right)
    kind = "min" if (sl, sr) == (-1, 1) else "max" if (sl, sr) == (1, -1) else "corner"
    words = {-1: "< 0", 0: "= 0", 1: "> 0"}
    test = (f"corner: f' {words[sl]} on the left (slope {left:.6g}), f' {words[sr]} on the "
            f"right (slope {right:.6g}); f has no derivative at {where}")
    return CriticalPoint((v,), (x,), value, kind, exact, test,
                         "non-differentiable point of the formula")


def _roots_1d(e: Expr, d1: Expr, v: str, lo: float, hi: float, n: int,
              flats: list[tuple[float, float]] | None = None) -> list[tuple[Expr, bool, str]]:
    """Roots of f' in [lo, hi]: sign changes bracketed and bisected; touching zeros
    (f' = x^2-like) found by minimizing |f'| near grid minima."""
    xs = np.linspace(lo, hi, n)
    f = as_function(e, [v])
    fp = as_function(d1, [v])
    fv, dv = f(xs), fp(xs)
    ok = np.isfinite(fv) & np.isfinite(dv)
    if not ok.any():
        raise error("error.calculus.undefined_everywhere", DomainError, e=e, lo=lo, hi=hi)
    # "f' is zero at c" is judged against scales *at c*: the size of f''s terms there
    # (100x^99 - 1 near x = -0.65 is -1, not 0, however large f' is elsewhere) and
    # f' at the neighbouring grid points (a zero of cos(1000x) has no cancelling terms)
    terms = as_function(_term_magnitude(d1), [v])
    found: list[float] = []
    zero = ok & (dv == 0)
    flat = zero.copy()  # inside a run of >= 3 grid zeros: f is constant on a stretch
    flat[1:-1] = zero[:-2] & zero[1:-1] & zero[2:]
    flat[:-1] |= flat[1:]
    flat[1:] |= flat[:-1].copy()
    for i in np.flatnonzero(zero & ~flat):
        found.append(float(xs[i]))
    if flats is not None:
        edges = np.flatnonzero(np.diff(np.concatenate([[0], flat.astype(int), [0]])))
        flats.extend((float(xs[a]), float(xs[b - 1])) for a, b in zip(edges[::2], edges[1::2]))
    both = ok[:-1] & ok[1:]
    mag = np.abs(dv)
    for i in np.flatnonzero(both & (dv[:-1] * dv[1:] < 0)):
        c = _bisect(fp, float(xs[i]), float(xs[i + 1]))
        val = float(fp(c))
        near = max(mag[i], mag[i + 1])
        if np.isfinite(val) and abs(val) <= 1e-6 * near and np.isfinite(f(c)):
            found.append(c)  # else the sign changed across a pole, not a zero
    for i in range(1, n - 1):
        if not (ok[i - 1] and ok[i] and ok[i + 1]) or dv[i] == 0:
            continue
        near = max(mag[i - 1], mag[i + 1])
        # a touching zero between grid points leaves |f'| at most 1/4 of its neighbours
        if mag[i] <= mag[i - 1] and mag[i] <= mag[i + 1] and dv[i - 1] * dv[i + 1] > 0 \
                and dv[i - 1] * dv[i] > 0 and mag[i] <= 0.3 * near:
            c = _golden_min(lambda t: abs(float(fp(t))), float(xs[i - 1]), float(xs[i + 1]))
            val = abs(float(fp(c)))
            size = max(float(terms(c)), near)
            if np.isfinite(val) and np.isfinite(size) and val <= 1e-10 * size:
                found.append(c)
    found.sort()
    out: list[tuple[Expr, bool, str]] = []
    last = None
    for c in found:
        if last is not None and abs(c - last) <= 1e-8 * max(1.0, abs(c)):
            continue
        last = c
        snapped = _snap([c], [d1], [v])
        if snapped is not None:
            out.append((snapped[0], True, "numeric bracket, then verified exactly"))
        else:
            out.append((core.number(c), False, "sign change of f' + bisection (1e-12)"))
    return out


def _term_magnitude(e: Expr) -> Expr:
    """e with every sum replaced by the sum of its terms' absolute values: the size of
    the numbers that cancel when e is near 0 (for 100x^99 - 1: 100|x|^99 + 1)."""

    def visit(node: Expr, args: tuple[Expr, ...]) -> Expr | None:
        if node.op == core.ADD:
            return core.add(*(core.fn("abs", a) for a in args))
        return None

    return core.rebuild(e, visit)


def _bisect(g: Callable[[Any], Any], a: float, b: float, tol: float = 1e-12) -> float:
    """Bisection on a sign change of g, finished when the bracket is below tol·max(1,|x|)
    (a secant guess is tried first each round; the bracket always shrinks)."""
    ga = float(g(a))
    for _ in range(200):
        m = 0.5 * (a + b)
        if b - a <= tol * max(1.0, abs(m)):
            break
        gm = float(g(m))
        if gm == 0 or not np.isfinite(gm):
            return m if gm == 0 else m
        if ga * gm < 0:
            b = m
        else:
            a, ga = m, gm
    return 0.5 * (a + b)


def _golden_min(g: Callable[[float], float], a: float, b: float, iters: int = 120) -> float:
    r = (math.sqrt(5) - 1) / 2
    c, d = b - r * (b - a), a + r * (b - a)
    gc, gd = g(c), g(d)
    for _ in range(iters):
        if b - a <= 1e-15 * max(1.0, abs(a)):
            break
        if gc < gd:
            b, d, gd = d, c, gc
            c = b - r * (b - a)
            gc = g(c)
        else:
            a, c, gc = c, d, gd
            d = a + r * (b - a)
            gd = g(d)
    return 0.5 * (a + b)


def _snap(coords: Sequence[float], grads: Sequence[Expr], names: Sequence[str]
          ) -> list[Expr] | None:
    """Nearby simple rationals at which every gradient component is *exactly* zero
    (checked by substitution), or None.  This turns 0.9999999999998 into 1."""
    pt: dict[str, Expr] = {}
    for n, c in zip(names, coords):
        r = Fraction(c).limit_denominator(1000)
        if abs(float(r) - c) > 1e-7 * max(1.0, abs(c)):
            return None
        pt[n] = core.number(r)
    try:
        for g in grads:
            z = g.subs(pt)
            if not (z.op == NUM and z.value == 0 and not isinstance(z.value, float)):
                return None
    except BibunError:
        return None
    return [pt[n] for n in names]


# Past this many nodes the next derivative costs seconds and the higher-order test stops
# paying off; the first-derivative test decides instead (never a guess: it is exact in sign).
_HIGHER_ORDER_SIZE = 5000


def _is_zero(v: Any, scale: float) -> bool:
    if isinstance(v, int | Fraction):
        return v == 0
    return abs(float(v)) <= 1e-8 * max(1.0, scale)


@functools.lru_cache(maxsize=64)
def _derivative(e: Expr, v: str, k: int) -> Expr:
    """f^(k), untidied, once per function: a flat f' in floating point (t/leaky_relu(t))
    has hundreds of candidate points, each asking for the same 12 derivatives."""
    return diff(e if k == 1 else _derivative(e, v, k - 1), v, tidy=False)


@functools.lru_cache(maxsize=64)
def _function(d: Expr, v: str) -> Callable[..., Any]:
    return as_function(d, [v])


def _classify_1d(e: Expr, v: str, x: Expr, exact: bool, how: str,
                 multiplicity: int | None = None) -> CriticalPoint:
    """min/max/inflection by the first derivative of order >= 2 that is not zero at x.
    For polynomial roots the multiplicity m of the root of f' already says that this
    is the derivative of order m + 1."""
    value = _at(e, v, x, str(e)) if exact else core.number(to_float(e.subs({v: x})))
    d = _derivative(e, v, 1)
    k = 1
    first_nonzero = None
    while k < 12:
        if d.size > _HIGHER_ORDER_SIZE:
            break  # derivatives of transcendental towers swell ~3x per order
        k += 1
        d = _derivative(e, v, k)
        dx = exact_at(d, {v: x}) if exact else None
        val = dx.evaluate() if dx is not None else float(_function(d, v)(to_float(x)))
        known_zero = multiplicity is not None and k <= multiplicity
        if known_zero:
            continue
        if multiplicity is not None or not _is_zero(val, abs(to_float(x)) + 1):
            first_nonzero = (k, val, dx)
            break
    if first_nonzero is None:
        return _first_derivative_test(e, v, x, value, exact, how, k)
    k, val, dx = first_nonzero
    shown = dx if dx is not None and dx.size < 40 else core.number(numbers.to_float(val))
    name = _dname(k)
    zeros = {2: "", 3: " (f'' = 0 there)"}.get(k, f" (f'' = ... = {_dname(k - 1)} = 0 there)")
    sign = val > 0
    if k % 2 == 0:
        kind = "min" if sign else "max"
        test = f"{name}({x}) = {shown} {'>' if sign else '<'} 0{zeros}"
    else:
        kind = "inflection"
        test = f"{name}({x}) = {shown} ≠ 0 at odd order{zeros}: f' keeps its sign"
    return CriticalPoint((v,), (x,), value, kind, exact, test, how)


def _first_derivative_test(e: Expr, v: str, x: Expr, value: Expr, exact: bool, how: str,
                           checked: int = 11) -> CriticalPoint:
    """When every higher derivative at x is 0 (or undefined: x|x| has f'' = 2 sign(x),
    0 at 0), the sign of f' just left and right of x decides."""
    fp = as_function(diff(e, v), [v])
    xf = to_float(x)
    signs = []
    for s_ in (-1, 1):
        vals = [float(fp(xf + s_ * d * max(1.0, abs(xf)))) for d in (1e-6, 1e-4)]
        if not all(math.isfinite(t) for t in vals) or (vals[0] > 0) != (vals[1] > 0) \
                or 0 in vals:
            return CriticalPoint((v,), (x,), value, "degenerate", exact,
                                 f"the derivatives up to order {checked} are 0 (or undefined)"
                                 " there and f' has no clear sign on both sides", how)
        signs.append(1 if vals[0] > 0 else -1)
    words = {-1: "< 0", 1: "> 0"}
    test = (f"first-derivative test: f' {words[signs[0]]} on the left, "
            f"{words[signs[1]]} on the right")
    if signs == [-1, 1]:
        kind = "min"
    elif signs == [1, -1]:
        kind = "max"
    else:
        kind, test = "inflection", test + ": f' keeps its sign"
    return CriticalPoint((v,), (x,), value, kind, exact, test, how)


def _dname(k: int) -> str:
    return {1: "f'", 2: "f''", 3: "f'''"}.get(k, f"f^({k})")


def _critical_nd(e: Expr, names: list[str], interval: Any, grid: int | None
                 ) -> list[CriticalPoint]:
    grads = [diff(e, v) for v in names]
    hess = [[diff(g, v) for v in names] for g in grads]
    box = _box(interval, names)
    exact = _linear_solve(grads, names)
    if exact is not None:
        sols = [exact] if exact else []
        how = "exact (linear system ∇f = 0)"
        pts = [[to_float(p) for p in s] for s in sols]
        pts_exact: list[list[Expr] | None] = list(sols)
    else:
        how = "Newton's method from a grid of starts"
        pts = _newton_nd(e, grads, hess, names, box, grid)
        pts_exact = [_snap(p, grads, names) for p in pts]
    out = []
    for p, pe in zip(pts, pts_exact):
        out.append(_classify_nd(e, names, hess, p, pe, how if pe is None or exact is not None
                                else how + ", verified exactly"))
    return out


def _box(interval: Any, names: list[str]) -> list[tuple[float, float]]:
    if interval is None:
        return [(-5.0, 5.0)] * len(names)
    if isinstance(interval, str) or (len(interval) == 2 and not isinstance(
            interval[0], list | tuple)):
        return [_interval(interval, (-5.0, 5.0), "box")] * len(names)
    if len(interval) != len(names):
        raise error("error.calculus.interval_count", n=len(names), m=len(interval))
    return [_interval(iv, (-5.0, 5.0), "box") for iv in interval]


def _linear_solve(grads: list[Expr], names: list[str]) -> list[Expr] | None | list:
    """When ∇f is linear with rational coefficients (f quadratic), solve ∇f = 0 exactly.
    Returns the solution, [] for no/infinitely many solutions, None if not linear."""
    rows: list[list[Fraction]] = []
    zero = {v: core.ZERO for v in names}
    for g in grads:
        row = []
        for v in names:
            dg = diff(g, v)
            if dg.free or dg.op != NUM or isinstance(dg.value, float):
                return None
            row.append(Fraction(dg.value))
        c = g.subs(zero)
        if c.op != NUM or isinstance(c.value, float):
            return None
        rows.append(row + [-Fraction(c.value)])
    sol = solve_exact(rows)
    if sol is None:
        return None  # singular: a line of critical points; Newton will report a sample
    return [core.number(s) for s in sol]


def solve_exact(rows: list[list[Fraction]]) -> list[Fraction] | None:
    """Exact Gaussian elimination on an augmented matrix [A | b]; None when singular.
    Shared with :mod:`bibun.fit` (normal equations with rational data)."""
    m = [[Fraction(v) for v in r] for r in rows]
    n = len(m)
    for col in range(n):
        piv = next((r for r in range(col, n) if m[r][col] != 0), None)
        if piv is None:
            return None
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col] / m[col][col]
                m[r] = [a - f * b for a, b in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _newton_nd(e: Expr, grads: list[Expr], hess: list[list[Expr]], names: list[str],
               box: list[tuple[float, float]], grid: int | None) -> list[list[float]]:
    n = len(names)
    k = grid or max(3, min(25, int(round(400 ** (1 / n)))))
    axes = [np.linspace(lo, hi, k) for lo, hi in box]
    starts = np.array(list(itertools.product(*axes)), dtype=float).T  # (n, S)
    gfs = [as_function(g, names) for g in grads]
    hfs = [[as_function(h, names) for h in row] for row in hess]
    span = np.array([hi - lo for lo, hi in box])
    X = starts.copy()
    for _ in range(100):
        G = np.stack([g(*X) for g in gfs])  # (n, S)
        H = np.stack([np.stack([h(*X) for h in row]) for row in hfs])  # (n, n, S)
        bad = ~(np.isfinite(G).all(0) & np.isfinite(H).all((0, 1)))
        G[:, bad] = 0
        H[:, :, bad] = 0
        step = np.einsum("sij,js->is", np.linalg.pinv(H.transpose(2, 0, 1)), G)
        lim = np.max(np.abs(step) / span[:, None], axis=0)
        step /= np.maximum(1.0, lim / 0.5)[None, :]  # at most half the box per step
        X = X - step
        X[:, bad] = np.nan
        if np.nanmax(np.abs(step)) < 1e-15:
            break
    G = np.stack([g(*X) for g in gfs])
    gscale = 1.0 + float(np.nanmedian(np.abs(np.stack([g(*starts) for g in gfs]))))
    lo = np.array([b[0] for b in box])[:, None]
    hi = np.array([b[1] for b in box])[:, None]
    margin = 1e-9 * span[:, None]
    keep = (np.isfinite(X).all(0) & np.isfinite(G).all(0)
            & (np.abs(G).max(0) <= 1e-8 * gscale)
            & (lo - margin <= X).all(0) & (hi + margin >= X).all(0))
    cand = sorted(map(tuple, X[:, keep].T))
    out: list[list[float]] = []
    for c in cand:
        if any(max(abs(a - b) for a, b in zip(c, o)) <= 1e-6 * (1 + max(map(abs, c)))
               for o in out):
            continue
        out.append([float(v) for v in c])
        if len(out) > 50:
            raise error("error.calculus.too_many_critical", e=e)
    return out


def _classify_nd(e: Expr, names: list[str], hess: list[list[Expr]], p: list[float],
                 pe: list[Expr] | None, how: str) -> CriticalPoint:
    if pe is not None:
        sub = dict(zip(names, pe))
        H = [[h.subs(sub).evaluate() for h in row] for row in hess]
        value = e.subs(sub)
        point = tuple(pe)
    else:
        sub_f = {v: np.array(c) for v, c in zip(names, p)}
        H = [[float(as_function(h, names)(*sub_f.values())) for h in row] for row in hess]
        value = core.number(float(as_function(e, names)(*sub_f.values())))
        point = tuple(core.number(c) for c in p)
    Hf = np.array([[float(x) for x in row] for row in H])
    eig = np.linalg.eigvalsh((Hf + Hf.T) / 2)
    tol = 1e-9 * max(1.0, float(np.max(np.abs(eig))))
    det_exact = _det_exact(H) if pe is not None else None
    pos, neg_ = bool((eig > tol).any()), bool((eig < -tol).any())
    singular = det_exact == 0 if det_exact is not None else bool((np.abs(eig) <= tol).any())
    if pos and neg_:
        kind = "saddle"
    elif singular:
        kind = "degenerate"
    else:
        kind = "min" if pos else "max"
    eig_t = ", ".join(f"{x:.6g}" for x in eig)
    det_t = f", det H = {det_exact}" if det_exact is not None else ""
    test = f"Hessian eigenvalues {eig_t}{det_t}"
    return CriticalPoint(tuple(names), point, value, kind, pe is not None, test, how,
                         tuple(float(x) for x in eig))


def _det_exact(H: list[list[Any]]) -> Fraction | float | None:
    if not all(isinstance(x, int | Fraction) for row in H for x in row):
        return None
    m = [[Fraction(x) for x in row] for row in H]
    n, det = len(m), Fraction(1)
    for c in range(n):
        piv = next((r for r in range(c, n) if m[r][c] != 0), None)
        if piv is None:
            return Fraction(0)
        if piv != c:
            m[c], m[piv] = m[piv], m[c]
            det = -det
        det *= m[c][c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            m[r] = [a - f * b for a, b in zip(m[r], m[c])]
    return det
