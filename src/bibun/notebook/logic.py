"""What each notebook explorer shows, computed by plain functions (no widgets, no browser).

A widget is a loop "the learner moves a control → redraw".  The redraw is the part worth
testing, so it lives here as a function of the controls' values that returns everything a
figure or a table needs: the curves as arrays, the points, the slopes, the table rows and
the sentences (en/ja, from the catalogs).  :mod:`bibun.notebook.widgets` only wires sliders
to these functions and draws what they return.

Every number comes from bibun's own engines — the difference quotients from
:func:`bibun.numeric.difference_table`, the tangent from :func:`bibun.calculus.tangent`,
the descent from :func:`bibun.descend.descend` (the optimizers that train networks), the
backward pass from :func:`bibun.explain.backprop.backprop` — so an explorer can never show
a slope that ``bibun diff`` would not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_function, one_variable, tangent, to_float
from bibun.descend import descend
from bibun.explain.backprop import backprop
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.i18n import Msg, error
from bibun.numeric import difference_table
from bibun.symbolic import diff

#: curve resolution of every explorer (enough for a smooth line, cheap to redraw)
SAMPLES = 241
#: the gain explorer's functions: f(a x) and its derivative written through y = f(a x)
GAIN_KINDS = ("sigmoid", "tanh")


def _finite_number(value: Any, key: str, **params: Any) -> float:
    """``value`` as a finite float, else the catalog error ``key`` (never a traceback)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise error(key, **params) from None
    if not math.isfinite(v):
        raise error(key, **params)
    return v


def _value_at(f: Any, e: Expr, var: str, x: float) -> float:
    """f(x) as a float, or a clear error when the formula has no value there."""
    with np.errstate(all="ignore"):
        y = float(np.asarray(f(np.array([x]))).reshape(-1)[0])
    if not math.isfinite(y):
        raise error("error.notebook.undefined", f=str(e), var=var, x=f"{x:g}")
    return y


def _exact(x: float) -> Fraction | float:
    """A slider's float as the short fraction it stands for (0.5 → 1/2, 1.0 → 1), so the
    tangent line keeps exact coefficients; a float no short fraction matches stays."""
    q = Fraction(x).limit_denominator(1000)
    return q if abs(float(q) - x) <= 1e-12 * max(1.0, abs(x)) else x


def _curve(f: Any, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """The curve on [lo, hi]; NaN (a gap in the plot) where the formula is undefined."""
    xs = np.linspace(lo, hi, SAMPLES)
    with np.errstate(all="ignore"):
        ys = np.asarray(f(xs), dtype=float).reshape(xs.shape)
    ys[~np.isfinite(ys)] = np.nan
    return xs, ys


# -- secant → tangent ----------------------------------------------------------------------


@dataclass
class SecantView:
    """The secant through A = (a, f(a)) and B = (a + h, f(a + h)) next to the tangent at A.

    ``rows`` is the difference-quotient table for h = 1, 0.1, … down to the chosen h (the
    chosen h included): the quotient approaching f′(a) as h shrinks, which is the
    definition of the derivative made visible.
    """

    expr: Expr
    var: str
    a: float
    h: float
    derivative: Expr
    xs: np.ndarray
    ys: np.ndarray
    point_a: tuple[float, float]
    point_b: tuple[float, float]
    secant_slope: float
    tangent_slope: float
    rows: list[dict[str, float]]

    @property
    def gap(self) -> float:
        """|secant slope − tangent slope|: how far the secant still is from the tangent."""
        return abs(self.secant_slope - self.tangent_slope)

    def secant_line(self, xs: np.ndarray) -> np.ndarray:
        return self.point_a[1] + self.secant_slope * (xs - self.a)

    def tangent_line(self, xs: np.ndarray) -> np.ndarray:
        return self.point_a[1] + self.tangent_slope * (xs - self.a)

    def summary(self, lang: str | None = None) -> str:
        return i18n.text("notebook.secant.summary", lang, h=f"{self.h:g}",
                         secant=f"{self.secant_slope:.10g}", a=f"{self.a:g}",
                         exact=f"{self.tangent_slope:.10g}", gap=f"{self.gap:.2e}")

    def table(self, lang: str | None = None) -> str:
        """The rows as a Markdown table (headers in ``lang``)."""
        head = [i18n.text("notebook.col.h", lang), i18n.text("notebook.col.quotient", lang),
                i18n.text("notebook.col.error", lang)]
        lines = ["| " + " | ".join(head) + " |", "|---:|---:|---:|"]
        lines += [f"| {r['h']:.0e} | {r['quotient']:.12g} | {r['error']:.1e} |"
                  for r in self.rows]
        return "\n".join(lines)


def _decades_down_to(h: float) -> list[float]:
    """1, 0.1, 0.01, … while larger than |h|, then h itself (signed)."""
    hs = []
    k = 0
    while 10.0 ** -k > abs(h) * (1 + 1e-9) and k < 16:
        hs.append(10.0 ** -k * (1 if h > 0 else -1))
        k += 1
    return hs + [h]


def secant_view(expr: Any = "x^2", a: Any = 1.0, h: Any = 1.0, var: str | None = None,
                xrange: tuple[float, float] | None = None) -> SecantView:
    """The secant through (a, f(a)) and (a + h, f(a + h)), the tangent at a, and the
    difference-quotient table (f(a + h) − f(a))/h for h = 1, 0.1, … down to ``h``.

    ``h`` may be negative (B left of A) but not 0: the quotient is then 0/0, which is the
    whole point of taking a limit instead.
    """
    e = as_expr(expr)
    v = one_variable(e, var, Msg("notebook.what.explorer"))
    av = _finite_number(a, "error.notebook.point", x=repr(a))
    hv = _finite_number(h, "error.notebook.h", h=repr(h))
    if hv == 0:
        raise error("error.notebook.h", h=repr(h))
    f = as_function(e, [v])
    d = diff(e, v)
    fa = _value_at(f, e, v, av)
    fb = _value_at(f, e, v, av + hv)
    slope = _value_at(as_function(d, [v]), d, v, av)
    hs = _decades_down_to(hv)
    tab = difference_table(lambda x: f(np.asarray(x, dtype=float)), av, "forward",
                           exact=slope, hs=hs)
    rows = [{"h": float(hh), "quotient": float(q), "error": float(err)}
            for hh, q, err in zip(tab.h, tab.quotients["forward"], tab.errors["forward"])]
    lo, hi = xrange or (min(av, av + hv) - 2.0, max(av, av + hv) + 2.0)
    xs, ys = _curve(f, lo, hi)
    secant = (fb - fa) / hv
    return SecantView(e, v, av, hv, d, xs, ys, (av, fa), (av + hv, fb), secant, slope, rows)


# -- tangent explorer ----------------------------------------------------------------------


@dataclass
class TangentView:
    """f and f′ on an interval, and the tangent line at x0 (exact coefficients)."""

    expr: Expr
    var: str
    x0: float
    derivative: Expr
    xs: np.ndarray
    ys: np.ndarray
    dys: np.ndarray
    y0: float
    slope: float
    line: Expr  # the tangent line's right-hand side, exact where the input is

    def tangent_line(self, xs: np.ndarray) -> np.ndarray:
        return self.y0 + self.slope * (xs - self.x0)

    def summary(self, lang: str | None = None) -> str:
        with i18n.using(lang) as chosen:  # the formulas print log (ja) or ln (en)
            return i18n.text("notebook.tangent.summary", chosen, x0=f"{self.x0:g}",
                             y0=f"{self.y0:.6g}", slope=f"{self.slope:.6g}",
                             line=str(self.line), d=str(self.derivative))


def tangent_view(expr: Any = "x^3 - 3x", x0: Any = 0.5, var: str | None = None,
                 xrange: tuple[float, float] = (-2.5, 2.5)) -> TangentView:
    """f, f′ and the tangent at ``x0``: where f′ = 0 the tangent is horizontal (a
    candidate for a maximum or a minimum), where f′ > 0 f rises."""
    e = as_expr(expr)
    v = one_variable(e, var, Msg("notebook.what.explorer"))
    xv = _finite_number(x0, "error.notebook.point", x=repr(x0))
    t = tangent(e, _exact(xv), v)
    d = diff(e, v)
    lo, hi = min(xrange[0], xv - 0.5), max(xrange[1], xv + 0.5)
    xs, ys = _curve(as_function(e, [v]), lo, hi)
    _, dys = _curve(as_function(d, [v]), lo, hi)
    return TangentView(e, v, xv, d, xs, ys, dys, to_float(t.y0), to_float(t.slope), t.line)


# -- sigmoid / tanh gain -------------------------------------------------------------------


@dataclass
class GainView:
    """f(a·x) for f = sigmoid or tanh, its derivative computed *from its own values*
    (a·y(1 − y), a·(1 − y²)), the step function it smooths, and the steepest slope."""

    kind: str
    gain: float
    xs: np.ndarray
    ys: np.ndarray
    dys: np.ndarray
    step: np.ndarray
    derivative: Expr  # d/dx f(a x) with the gain as the symbol a: the textbook form
    through_y: str  # the derivative in terms of y = f(a x)
    max_slope: float  # a/4 for sigmoid, a for tanh, at x = 0

    def summary(self, lang: str | None = None) -> str:
        return i18n.text(f"notebook.gain.summary_{self.kind}", lang, a=f"{self.gain:g}",
                         top=f"{self.max_slope:g}", d=str(self.derivative),
                         y=self.through_y)


def gain_view(kind: str = "sigmoid", gain: Any = 1.0,
              xrange: tuple[float, float] = (-6.0, 6.0)) -> GainView:
    """The gain explorer: a larger gain a makes f(a x) steeper at 0 (slope a/4 for the
    sigmoid, a for tanh) and closer to the step function; the derivative needs no new
    exponential, only the value y already computed — why backpropagation writes it so."""
    if kind not in GAIN_KINDS:
        raise error("error.notebook.gain_kind", kind=repr(kind), kinds=", ".join(GAIN_KINDS))
    a = _finite_number(gain, "error.notebook.gain", a=repr(gain))
    if a <= 0:
        raise error("error.notebook.gain", a=repr(gain))
    x = core.symbol("x")
    f_ax = core.fn(kind, core.mul(core.symbol("a"), x))
    d = diff(f_ax, "x")
    xs = np.linspace(xrange[0], xrange[1], SAMPLES)
    fx = as_function(core.fn(kind, x), ["x"])
    ys = np.asarray(fx(a * xs), dtype=float)
    if kind == "sigmoid":
        dys, step, top, through = a * ys * (1 - ys), (xs >= 0).astype(float), a / 4, "a·y(1 - y)"
    else:
        dys, step, top, through = a * (1 - ys**2), np.sign(xs), a, "a(1 - y^2)"
    return GainView(kind, a, xs, ys, dys, step, d, through, top)


# -- gradient descent on a contour plot ----------------------------------------------------


@dataclass
class DescentView:
    """A descent run and the contour grid of f around it."""

    expr: Expr
    variables: list[str]
    optimizer: str
    lr: float
    path: np.ndarray
    values: np.ndarray
    reason: str
    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray
    stop: dict[str, str] = field(default_factory=dict)  # lang -> sentence
    warnings: dict[str, list[str]] = field(default_factory=dict)

    def summary(self, lang: str | None = None) -> str:
        lang = i18n.resolve(lang)
        return "\n".join([self.stop[lang], *self.warnings[lang]])


def descent_view(expr: Any = "x^2/20 + y^2", start: Any = (-7.0, 2.0), optimizer: str = "gd",
                 lr: Any = 0.9, steps: int = 30, grid: int = 60) -> DescentView:
    """Run ``optimizer`` (gd, momentum, nesterov, adagrad, rmsprop, adam) with learning
    rate ``lr`` from ``start`` on a function of two variables and lay out its contours.
    A learning rate that is too large is not an exception: the run says it diverged."""
    e = as_expr(expr)
    run = descend(e, start, optimizer=optimizer, lr=lr, steps=steps)
    if len(run.variables) != 2:
        raise error("error.notebook.two_variables", e=str(e), n=len(run.variables))
    (x0, x1), (y0, y1) = run.box
    X, Y = np.meshgrid(np.linspace(x0, x1, grid), np.linspace(y0, y1, grid))
    with np.errstate(all="ignore"):
        Z = np.asarray(as_function(e, run.variables)(X, Y), dtype=float).reshape(X.shape)
    langs = ("en", "ja")
    return DescentView(e, list(run.variables), optimizer, float(lr), run.path, run.values,
                       run.reason, X, Y, Z,
                       {g: run.stop_text(g) for g in langs},
                       {g: run.warning_texts(g) for g in langs})


# -- backpropagation, one step at a time ---------------------------------------------------


@dataclass
class BackpropView:
    """The node table of a backward pass after ``step`` of its worked steps.

    ``rows`` has one entry per node of the computational graph (inputs first, the output
    ``f`` last): its name, its formula in terms of the other nodes, its forward value once
    the forward pass has reached it (else None) and ∂f/∂node once the backward pass has
    delivered it (else None; a node that feeds two parents gets the sum).
    """

    expr: Expr
    step: int
    steps: int  # how many steps there are (the last index is steps - 1)
    rows: list[dict[str, Any]]
    sentence: str
    line: str
    gradient: dict[str, float]  # the final answer, for comparison

    @property
    def done(self) -> bool:
        return self.step == self.steps - 1


def backprop_view(expr: Any = "sigmoid(w*x + b)", point: dict[str, Any] | None = None,
                  step: int = 0, lang: str | None = None) -> BackpropView:
    """The state of the worked backward pass of ``expr`` at ``point`` after step ``step``
    (0-based): which values the forward pass has written and which gradients the backward
    pass has delivered, with that step's sentence in ``lang``."""
    bp = backprop(expr, point if point is not None else {"w": 2, "x": 1, "b": -1})
    worked = bp.worked.steps
    if not isinstance(step, int) or not 0 <= step < len(worked):
        raise error("error.notebook.step", k=repr(step), top=len(worked) - 1)
    order = list(bp.values)  # forward (post-)order, inputs and nodes
    # worked steps: [forward intro, one per node in order, backward intro, one per edge, …]
    first_edge = len(order) + 2
    known = set(order[:max(0, step)])  # step i (1-based in the list) wrote order[i - 1]
    grads: dict[Expr, float] = {}
    if step >= len(order) + 1:
        grads[bp.expr] = 1.0
    for edge in bp.edges[:max(0, step - first_edge + 1)]:
        grads[edge.child] = grads.get(edge.child, 0.0) + edge.contribution
    rows = []
    for n in order:
        if n.op == core.SYM:
            formula = ""
        else:
            formula = str(core.BUILD[n.op](n.value, tuple(
                core.symbol(bp.names[a]) if a in bp.names else a for a in n.args)))
        rows.append({"name": bp.names[n], "formula": formula,
                     "value": bp.values[n] if n in known else None,
                     "grad": grads.get(n)})
    s = worked[step]
    lang = i18n.resolve(lang)
    return BackpropView(bp.expr, step, len(worked), rows, s.sentence(lang), s.line("text"),
                        dict(bp.gradient))
