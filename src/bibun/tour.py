"""The seeds' walk through calculus for machine learning, computed live (`bibun tour`).

The seeds teach in one order: why differentiate, the limit definition, the rules, the
chain rule with worked examples, e and its series, sigmoid and tanh, partial
derivatives at (3, 4), gradient descent and its local minima, least squares, numeric
versus exact derivatives, and backpropagation.  The tour follows that order; every
number it prints is computed by bibun at run time (nothing is pasted in), and every
figure is written into one directory.  ``make demo`` runs it.
"""

from __future__ import annotations

import cmath
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from bibun import calculus, i18n
from bibun.descend import CLASSIC_EXPR, compare, compare_table, point_text
from bibun.descend import descend as run_descent
from bibun.descend import message as descent_message
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.simplify import expand, factor, recognize
from bibun.fit import fit as fit_model
from bibun.fit import sample_linear_data
from bibun.i18n import pad
from bibun.plot import (
    plot_contour,
    plot_error_vs_h,
    plot_fit,
    plot_function,
    plot_loss,
    plot_series,
    plot_sigmoid,
    plot_surface,
    plot_tanh,
)
from bibun.symbolic import diff, gradient


class Tour:
    """One run of the tour: prints to ``stream`` and writes figures into ``out``."""

    def __init__(self, lang: str = "en", out: str | Path = "demo-out",
                 stream: TextIO | None = None):
        self.lang = i18n.resolve(lang)
        self.out = Path(out)
        self.stream = stream or sys.stdout
        self.figures: list[Path] = []
        self.section_no = 0

    # -- output helpers ----------------------------------------------------------------
    def say(self, key: str, **kw: Any) -> None:
        # a number without a format spec reads as Python prints it (as str.format would)
        plain = {f for _, f, spec in i18n.fields(f"tour.{key}", self.lang) if f and not spec}
        kw = {k: str(v) if k in plain and isinstance(v, float | complex) else v
              for k, v in kw.items()}
        self.print(i18n.text(f"tour.{key}", self.lang, **kw))

    def print(self, text: str = "") -> None:
        print(text, file=self.stream)

    def section(self, key: str) -> None:
        self.section_no += 1
        self.print()
        self.print(f"== {self.section_no}. {i18n.text('tour.' + key, self.lang)} ==")

    def figure(self, name: str, draw: Callable[[Path], Path]) -> None:
        path = draw(self.out / name)
        self.figures.append(path)
        self.say("figure", p=path)

    # -- the sections, in the seeds' order ----------------------------------------------
    def run(self) -> list[Path]:
        """Every section in order; formulas are printed in the tour's language (log x in
        Japanese, ln x in English), whoever calls it."""
        with i18n.using(self.lang):
            return self._run()

    def _run(self) -> list[Path]:
        t0 = time.perf_counter()
        self.out.mkdir(parents=True, exist_ok=True)
        self.say("title")
        self.say("why")
        for step in (self.limit, self.extrema, self.rules, self.chain, self.napier,
                     self.sigmoid, self.tanh, self.partial, self.gradient_descent,
                     self.least_squares, self.numeric_vs_exact, self.network):
            step()
        self.print()
        self.say("done", t=time.perf_counter() - t0, n=len(self.figures), d=self.out)
        return self.figures

    def limit(self) -> None:
        self.section("s_limit")
        self.say("limit")
        for f in ("x^2", "x^3"):
            e = as_expr(f)
            self.say("quotient", f=e, q=calculus.difference_quotient(e), d=diff(e))
        table = calculus.limit_quotient("x^2", 1, method="forward")
        self.say("table")
        err_head = i18n.text("tour.error", self.lang)  # 誤差 is two characters, four columns
        self.print(f"  {'h':>7}  {'(f(1+h) - f(1))/h':>22}  "
                   f"{pad(err_head, 9, right=True)}")
        for i, h in enumerate(table.h):
            if i % 2 == 0 or i == len(table.h) - 1:
                q, err = table.quotients["forward"][i], table.errors["forward"][i]
                num = i18n.format_number  # the one formatter; 16 digits show the rounding
                self.print(f"  {num(h, 1):>7}  {num(q, 16):>22}  {num(err, 2):>9}")
        self.say("table_note", h=table.optimal_h["forward"])
        t = calculus.tangent("x^2", 1)
        self.say("tangent", f="x^2", a=1, line=t.line, normal=t.normal_text)
        self.figure("01_tangent.png", lambda p: plot_function(
            "x^2", p, derivatives=1, tangent_at=1, xrange=(-3, 3), lang=self.lang))

    def extrema(self) -> None:
        self.section("s_extrema")
        e = as_expr("x^3 - 3x")
        self.say("extrema", f=e, d=diff(e))
        for c in calculus.critical_points(e):
            self.print(f"  {c.describe(self.lang)}")
        self.figure("02_extrema.png", lambda p: plot_function(
            e, p, derivatives=2, xrange=(-2.5, 2.5), lang=self.lang))

    def rules(self) -> None:
        self.section("s_rules")
        for key, f in (("rule_const", "5x^3"), ("rule_sum", "x^3 + x^2"),
                       ("rule_power", "x^5")):
            self.say(key)
            self.print(f"  ({f})' = {diff(f, 'x')}")

    def chain(self) -> None:
        self.section("s_chain")
        self.say("gears", r=3 * 2)
        explained = _explained(as_expr("(x^3+1)^2"), "x", self.lang) is not None
        for f in ("(x^3+1)^2", "1/(x^3+1)", "(x^2+3x+1)^4", "log(sin(x^3-2))", "(2x+3)^2",
                  "(5x+2)^3", "(x^2+1)^4"):
            self.print()
            if not explained:  # bibun.explain starts with "Differentiate y = ..." itself
                self.print(f"y = {as_expr(f)}")
            self.steps(as_expr(f))
        if not explained:  # bibun.explain checks every example by expanding already
            e = as_expr("(x^3+1)^2")
            ex = expand(e)
            self.print()
            self.say("check_expand", y=e, e=ex, d=diff(ex), f=factor(diff(ex)))
        f2 = as_expr("(x^2+y^2)*sin(x*y)")
        self.print()
        self.say("partial_chain", f=f2, d=diff(f2, "x"))
        if explained:
            self.steps(f2, "x")

    def steps(self, e: Expr, var: str = "x") -> None:
        """Step-by-step derivation: bibun.explain when available, else the chain rule
        written out as outer × inner with the names u (the seeds' 手順1-3)."""
        text = _explained(e, var, self.lang)
        if text:
            for line in text.splitlines():
                self.print(f"  {line}" if line.strip() else "")
            return
        outer, inner = _split_chain(e)
        if inner is None:
            self.print(f"  y' = {diff(e, var)}")
            return
        self.say("chain_u", u=inner, outer=outer)
        self.say("chain_parts", dy=diff(outer, "u"), du=diff(inner, var))
        d = diff(e, var)
        rec = recognize(d)
        self.say("chain_result", r=d if rec is d else f"{d} = {rec}")

    def napier(self) -> None:
        self.section("s_e")
        e = as_expr("e^x")
        t = calculus.tangent(e, 0)
        self.say("e_self", d=diff(e), v=t.slope, line=t.line)
        s = calculus.series(e, order=5)
        self.say("maclaurin", s=s.text("factorial"))
        self.print(f"  = {s.text()} + …")
        d = diff(s.polynomial, "x")
        self.say("series_diff", d=calculus.series(d, order=4).text())
        v = cmath.exp(1j * cmath.pi) + 1
        self.say("euler", v=_complex_text(v))
        self.figure("03_series_exp.png", lambda p: plot_series(
            e, p, orders=(1, 2, 3, 5), xrange=(-3, 3), lang=self.lang))

    def sigmoid(self) -> None:
        self.section("s_sigmoid")
        raw = as_expr("(1 + e^(-x))^(-1)")
        self.say("sigmoid", f=raw)
        d = diff(raw, "x")
        self.say("sigmoid_d", f=raw, raw=d, rec=recognize(d))
        if _explained(raw, "x", self.lang):
            self.steps(raw)
        sd = diff("sigmoid(x)", "x")
        self.say("sigmoid_direct", d=sd)
        self.say("sigmoid_0", s=calculus.exact_at(as_expr("sigmoid(x)"), {"x": 0}),
                 v=calculus.exact_at(sd, {"x": 0}))
        self.figure("04_sigmoid.png", lambda p: plot_sigmoid(p, lang=self.lang))

    def tanh(self) -> None:
        self.section("s_tanh")
        q = as_expr("(e^x - e^(-x))/(e^x + e^(-x))")
        dq = diff(q, "x")
        self.say("tanh", f=q, raw=dq, rec=recognize(dq))
        if _explained(q, "x", self.lang):
            self.steps(q)
        d = diff("tanh(x)", "x")
        self.say("tanh_d", d=d, v=calculus.exact_at(d, {"x": 0}))
        self.figure("05_tanh.png", lambda p: plot_tanh(p, lang=self.lang))

    def partial(self) -> None:
        self.section("s_partial")
        f = as_expr("x^2 + y^2")
        gx, gy = gradient(f, ["x", "y"])
        self.say("partial", f=f, fx=gx, fy=gy, vx=gx.evaluate(x=3, y=4), vy=gy.evaluate(x=3, y=4))
        num = _numerical_diff()
        a = num(lambda x0: x0 ** 2 + 4.0 ** 2, 3.0)
        b = num(lambda x1: 3.0 ** 2.0 + x1 ** 2, 4.0)
        self.say("partial_num", a=repr(a), b=repr(b))
        f2 = as_expr("4x1^3 + 2x2^2 + 1")
        self.say("partial_more", f=f2, d=diff(f2, "x1"))
        self.figure("06_partial_surface.png", lambda p: plot_surface(
            f, p, at=(3, 4), lang=self.lang))

    def gradient_descent(self) -> None:
        self.section("s_gd")
        self.say("gd")
        r = run_descent("x^2 + y^2", (3, 4), "gd", 0.1, steps=100)
        self.say("gd_run", reason=descent_message(self.lang, r.reason), k=r.steps,
                 x=r.point[0], y=r.point[1])
        self.say("gd_compare")
        runs = compare()
        for line in compare_table(runs, self.lang).splitlines():
            self.print(f"  {line}")
        self.figure("07_descent_paths.png", lambda p: plot_contour(
            CLASSIC_EXPR, p, runs=runs, lang=self.lang))
        self.say("gd_local")
        loc = run_descent("x^4 - 2x^2 + 0.3x", 1.5, "gd", 0.05, steps=200)
        self.say("gd_local_run", f=loc.expr, p=point_text(loc.path[0], loc.variables),
                 lr=loc.lr)
        for w in loc.warning_texts(self.lang):
            self.print(f"    {w}")
        self.say("gd_diverge")
        div = run_descent("x^2 + y^2", (3, 4), "gd", 1.5, steps=100)
        self.say("gd_diverge_run", f=div.expr, p=point_text(div.path[0], div.variables),
                 lr=div.lr, r=div.stop_text(self.lang, short=True))

    def least_squares(self) -> None:
        self.section("s_fit")
        self.say("fit")
        data = sample_linear_data(n=20, a=2.0, b=1.0, noise=0.5, seed=1)
        res = fit_model(data, "y = a*x + b")
        residuals = i18n.template("fit.residuals", self.lang).split("{")[0]
        for line in res.summary(lang=self.lang).splitlines():
            if not line.startswith(residuals):  # 20 noisy numbers: the figure shows them
                self.print(f"  {line}")
        self.figure("08_least_squares.png", lambda p: plot_fit(res, data, p,
                                                                    lang=self.lang))

    def numeric_vs_exact(self) -> None:
        self.section("s_numeric")
        num = _numerical_diff()
        f = as_expr("0.01x^2 + 0.1x")
        fd = diff(f, "x")
        for x in (5, 10):
            v = num(lambda t: 0.01 * t ** 2 + 0.1 * t, x)
            exact = calculus.as_rational(fd).evaluate(x=x)  # 0.01 read as 1/100 exactly
            self.say("numeric", x=x, num=repr(v), f=f, exact=float(exact),
                     err=abs(v - float(exact)))
        self.figure("09_error_vs_h.png", lambda p: plot_error_vs_h(
            "exp(x)", 1, p, lang=self.lang))

    def network(self) -> None:
        self.section("s_nn")
        losses, outputs, how, n = _train_xor()
        self.say("nn", a=losses[0], b=losses[-1], n=n,
                 out=", ".join(f"{v:.3f}" for v in outputs))
        self.say("nn_numpy" if "NumPy" in how else "nn_autodiff")
        step = i18n.text("plot.step_axis", self.lang)
        self.figure("10_training_loss.png", lambda p: plot_loss(losses, p, lang=self.lang,
                                                                xlabel=step))


# -- pieces that depend on other parts of bibun, with fallbacks -----------------------


def _explained(e: Expr, var: str, lang: str) -> str | None:
    """Steps from bibun.explain (another issue's module) if it is installed and works."""
    try:
        from bibun import explain  # noqa: F401
    except ImportError:
        return None
    derivation = getattr(explain, "derivation", None)
    if derivation is None:
        return None
    try:
        d = derivation(e, var)
        render = getattr(d, "render", None)
        return str(render(lang=lang, format="text")) if render else str(d)
    except Exception:  # an explanation is a bonus here, never a reason to stop the tour
        return None


def _split_chain(e: Expr) -> tuple[Expr, Expr | None]:
    """(outer in u, inner) for y = g(h(x)): u^n, 1/u, f(u) of a non-variable argument."""
    u = core.symbol("u")
    if e.op == core.POW and e.args[0].op != core.SYM and not e.args[1].free:
        return core.power(u, e.args[1]), e.args[0]
    if e.op == core.FN and e.args[0].op != core.SYM:
        return core.fn(e.value, u), e.args[0]
    return e, None




def _complex_text(v: complex) -> str:
    """1.2e-16i, 1 + 2i: a complex number as a teacher writes it (no ``0 +`` part)."""
    re_, im = i18n.format_number(v.real, 2), i18n.format_number(abs(v.imag), 2)
    if v.imag == 0:
        return re_
    if v.real == 0:
        return f"{'-' if v.imag < 0 else ''}{im}i"
    return f"{re_} {'-' if v.imag < 0 else '+'} {im}i"


def _numerical_diff() -> Callable[[Callable[[float], float], float], float]:
    """The book-compatible central difference (h = 1e-4) from bibun.numeric."""
    from bibun.numeric import numerical_diff

    return lambda f, x: float(numerical_diff(f, x))


def _train_xor(steps: int = 2000) -> tuple[list[float], list[float], str, int]:
    """Train XOR with bibun.nn (autodiff) when available, else a two-layer NumPy network
    whose backward pass uses sigmoid' = sigmoid(1 - sigmoid) from bibun.diff."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    try:
        from bibun import nn

        model = nn.MLP([2, 4, 1], activation="sigmoid", rng=0)
        opt = nn.SGD(model.parameters(), lr=2.0)
        losses = []
        for _ in range(steps):
            loss = nn.bce_with_logits(model(X), Y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.item()))
        logits = np.asarray(model(X).numpy()).ravel()
        out = 1 / (1 + np.exp(-logits))
        return losses, [float(v) for v in out], "bibun.autodiff (reverse mode)", steps
    except ImportError:
        return _train_xor_numpy(X, Y, steps)


def _train_xor_numpy(X: np.ndarray, Y: np.ndarray, steps: int
                     ) -> tuple[list[float], list[float], str, int]:
    from bibun import optim

    s = as_expr("sigmoid(x)")
    sig = calculus.as_function(s, ["x"])
    dsig_of_y = calculus.as_function(diff(s, "x").subs({s: core.symbol("y")}), ["y"])
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(0, 1, (2, 4)), np.zeros(4)
    W2, b2 = rng.normal(0, 1, (4, 1)), np.zeros(1)
    opt = optim.SGD([W1, b1, W2, b2], lr=2.0)
    losses = []
    for _ in range(steps):
        h = sig(X @ W1 + b1)
        out = sig(h @ W2 + b2)
        losses.append(float(np.mean((out - Y) ** 2)))
        d_out = 2 * (out - Y) / len(X) * dsig_of_y(out)
        d_h = d_out @ W2.T * dsig_of_y(h)
        opt.step([X.T @ d_h, d_h.sum(0), h.T @ d_out, d_out.sum(0)])
    return losses, [float(v) for v in out.ravel()], "NumPy backprop with bibun.diff", steps


def run(lang: str = "en", out: str | Path = "demo-out", stream: TextIO | None = None
        ) -> list[Path]:
    """Run the whole tour; returns the figure paths."""
    return Tour(lang, out, stream).run()
