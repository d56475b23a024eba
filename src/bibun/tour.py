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
from bibun.errors import BibunError
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.simplify import expand, factor, recognize
from bibun.fit import MESSAGES as FIT_MESSAGES
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

# -- narration in two languages ----------------------------------------------------------

MESSAGES: dict[str, dict[str, str]] = {
    "title": {"en": "bibun tour: the calculus behind machine learning",
              "ja": "bibun ツアー：機械学習のための微分"},
    "why": {
        "en": "Why differentiate? The derivative is the slope of the tangent; a function's "
              "maxima and minima are found where it is 0; and least squares, sigmoid and tanh "
              "(the building blocks of neural networks) all need it.",
        "ja": "なぜ微分を勉強するのか：微分は接線の傾きであり、微分係数が 0 のところが"
              "極大・極小の候補になる。回帰分析（最小二乗法）や、ニューラルネットの重要な要素である"
              "シグモイド関数・tanh にも微分が欠かせない。"},
    "s_limit": {"en": "The limit definition", "ja": "微分の定義（極限）"},
    "limit": {
        "en": "The slope of the line through A = (a, f(a)) and B = (a+h, f(a+h)) is "
              "(f(a+h) - f(a))/h. Let h shrink to 0 and the line becomes the tangent.",
        "ja": "点 A=(a, f(a)) と B=(a+h, f(a+h)) を通る直線の傾きは (f(a+h) - f(a))/h。"
              "h を 0 に近づけると、この直線は A での接線になる。"},
    "quotient": {"en": "difference quotient of {f}: {q}; letting h → 0 gives {d}",
                 "ja": "{f} の差分商は {q}。h → 0 とすると {d}"},
    "table": {"en": "the quotient at a = 1 for shrinking h (true error in the last column):",
              "ja": "a = 1 での差分商（h を小さくしていく。最後の列は真の値 2 との誤差）："},
    "error": {"en": "error", "ja": "誤差"},
    "table_note": {
        "en": "the error first shrinks with h (truncation), then grows again: below h ≈ "
              "{h:.0e} rounding error of floating point takes over.",
        "ja": "誤差は h とともに小さくなるが（打ち切り誤差）、h ≈ {h:.0e} より小さくすると"
              "浮動小数点の丸め誤差が増えてくる。"},
    "tangent": {"en": "tangent of {f} at x = {a}: y = {line}; normal line: {normal}",
                "ja": "{f} の x = {a} における接線：y = {line}、法線：{normal}"},
    "s_extrema": {"en": "Where f' = 0: maxima and minima",
                  "ja": "微分係数が 0 のところ：極大・極小"},
    "extrema": {"en": "f(x) = {f}, f'(x) = {d}. Solving f'(x) = 0:",
                "ja": "f(x) = {f}、f'(x) = {d}。f'(x) = 0 を解くと："},
    "s_rules": {"en": "The rules", "ja": "微分の公式"},
    "rule_const": {"en": "constant multiple: {{a·f(x)}}' = a·f'(x)",
                   "ja": "定数倍（定数は微分の外に出せる）：{{a·f(x)}}' = a·f'(x)"},
    "rule_sum": {"en": "sum: {{f(x) + g(x)}}' = f'(x) + g'(x)",
                 "ja": "和の微分（各項を微分すればよい）：{{f(x) + g(x)}}' = f'(x) + g'(x)"},
    "rule_power": {"en": "power: (x^n)' = n·x^(n-1)", "ja": "べき乗：(x^n)' = n·x^(n-1)"},
    "s_chain": {"en": "The chain rule: outer derivative × inner derivative",
                "ja": "合成関数の微分（連鎖律）：外側の微分 × 内側の微分"},
    "chain_u": {"en": "put u = {u}: y = {outer}", "ja": "中身を u = {u} と置く：y = {outer}"},
    "chain_parts": {"en": "dy/du = {dy}, du/dx = {du}",
                    "ja": "それぞれを微分：dy/du = {dy}、du/dx = {du}"},
    "chain_result": {"en": "multiply and put u back: y' = {r}",
                     "ja": "掛け算して u を元に戻す：y' = {r}"},
    "check_expand": {"en": "check by expanding: y = {y} = {e}, so y' = {d} = {f}",
                     "ja": "展開して確かめる：y = {y} = {e} より y' = {d} = {f}"},
    "gears": {"en": "gears: dB/dA = 3, dC/dB = 2, so dC/dA = 3 × 2 = {r}",
              "ja": "歯車：dB/dA = 3、dC/dB = 2 なので dC/dA = 3 × 2 = {r}"},
    "s_e": {"en": "Napier's constant e and the series of e^x", "ja": "ネイピア数 e と e^x の級数"},
    "e_self": {"en": "(e^x)' = {d}: differentiating e^x gives e^x back; at x = 0 both the "
                     "value and the slope are {v} (tangent y = {line})",
               "ja": "(e^x)' = {d}：何回微分しても自分自身に戻る。x = 0 では値も接線の傾きも {v}"
                     "（接線 y = {line}）"},
    "maclaurin": {"en": "Maclaurin series: e^x = {s} + …", "ja": "マクローリン展開：e^x = {s} + …"},
    "series_diff": {"en": "differentiate the series term by term: {d} — the same series again",
                    "ja": "級数を項ごとに微分すると {d} となり、確かに同じになる"},
    "euler": {"en": "Euler's identity: e^(iπ) + 1 = 0 (in floating point, exp(iπ) + 1 comes "
                    "out as {v}: the rounding error of π)",
              "ja": "オイラーの等式：e^(iπ) + 1 = 0（浮動小数点で計算すると exp(iπ) + 1 = {v} と"
                    "なるのは、π の丸め誤差のため）"},
    "s_sigmoid": {"en": "The sigmoid function", "ja": "シグモイド関数"},
    "sigmoid": {"en": "sigmoid(x) = {f} has values in (0, 1); it smooths the step "
                      "function, which cannot be differentiated at 0. The gain a in "
                      "sigmoid(ax) sets the steepness.",
                "ja": "sigmoid(x) = {f} の値域は 0 < sigmoid(x) < 1。x = 0 で微分できない"
                      "階段関数をなめらかにしたもので、sigmoid(ax) の a はゲイン"
                      "（傾きの大きさ）。"},
    "sigmoid_d": {"en": "d/dx [{f}] = {raw} = {rec}",
                  "ja": "d/dx [{f}] = {raw} = {rec}"},
    "sigmoid_direct": {"en": "and directly: sigmoid'(x) = {d}",
                       "ja": "直接微分しても：sigmoid'(x) = {d}"},
    "sigmoid_0": {"en": "sigmoid(0) = {s}, so sigmoid'(0) = {s} × (1 - {s}) = {v}, its largest "
                        "value: each sigmoid layer multiplies the gradient by at most {v}, which "
                        "is why gradients vanish in deep sigmoid networks",
                  "ja": "sigmoid(0) = {s} なので sigmoid'(0) = {s} × (1 - {s}) = {v}。これが"
                        "最大値で、シグモイドの層を通るたびに勾配は {v} 倍以下になる"
                        "（深いネットワークで勾配消失が起きる理由）"},
    "s_tanh": {"en": "tanh", "ja": "ハイパボリック・タンジェント tanh"},
    "tanh": {"en": "tanh(x) = {f}, values in (-1, 1); by the quotient rule its derivative "
                   "is {raw} = {rec}",
             "ja": "tanh(x) = {f}、値域は -1 < tanh(x) < 1。商の微分公式で微分すると "
                   "{raw} = {rec}"},
    "tanh_d": {"en": "and directly: tanh'(x) = {d}; tanh'(0) = {v}",
               "ja": "直接微分しても：tanh'(x) = {d}、tanh'(0) = {v}"},
    "s_partial": {"en": "Partial derivatives", "ja": "偏微分"},
    "partial": {"en": "f(x, y) = {f}: treat the other variable as a constant. ∂f/∂x = {fx}, "
                      "∂f/∂y = {fy}; at (3, 4): ({vx}, {vy})",
                "ja": "f(x, y) = {f}：微分しない方の変数は定数として扱う。∂f/∂x = {fx}、"
                      "∂f/∂y = {fy}。(3, 4) では ({vx}, {vy})"},
    "partial_num": {"en": "numerically (central difference, h = 1e-4): {a} and {b}",
                    "ja": "数値微分（中心差分、h = 1e-4）：{a} と {b}"},
    "partial_more": {"en": "y = {f}: ∂y/∂x1 = {d}", "ja": "y = {f}：∂y/∂x1 = {d}"},
    "partial_chain": {"en": "chain rule with two variables: ∂/∂x [{f}] = {d}",
                      "ja": "合成関数の偏微分：∂/∂x [{f}] = {d}"},
    "s_gd": {"en": "Gradient descent", "ja": "最急降下法（勾配降下法）"},
    "gd": {"en": "update w ← w − ρ ∂E/∂w, moving against the gradient to reduce the error",
           "ja": "w ← w − ρ ∂E/∂w：偏微分の逆方向に重みを変えて誤差を減らす"},
    "gd_run": {"en": "  x^2 + y^2 from (3, 4), lr 0.1: {reason} after {k} steps at "
                     "({x:.2e}, {y:.2e})",
               "ja": "  x^2 + y^2 を (3, 4) から学習率 0.1 で降りていくと、{k} ステップで"
                     "点 ({x:.2e}, {y:.2e}) に{reason}した"},
    "gd_local": {"en": "descent can stop in a local minimum (one reason stochastic gradient "
                       "descent is used):",
                 "ja": "局所的な最小値（極小値）で止まってしまうことがある"
                       "（その回避のために確率的勾配降下法もある）："},
    "gd_local_run": {"en": "  {f} from {p}, lr {lr}:", "ja": "  {f} を {p} から学習率 {lr} で："},
    "gd_diverge": {"en": "with too large a learning rate descent diverges (bibun reports it, "
                         "it is not an error):",
                   "ja": "学習率が大きすぎると発散する（エラーにはせず、そう報告する）："},
    "gd_diverge_run": {"en": "  {f} from {p}, lr {lr}: {r}",
                       "ja": "  {f} を {p} から学習率 {lr} で：{r}"},
    "gd_compare": {"en": "four optimizers on x^2/20 + y^2 from (-7, 2), 30 steps:",
                   "ja": "x^2/20 + y^2 を (-7, 2) から 30 ステップ、4 つの最適化手法で比較："},
    "s_fit": {"en": "Least squares", "ja": "回帰分析（最小二乗法）"},
    "fit": {"en": "error as a function of the coefficients a, b; set ∂/∂a = ∂/∂b = 0:",
            "ja": "誤差を係数 a, b の関数とみなし、a, b で偏微分して 0 とおく："},
    "s_numeric": {"en": "Numeric versus exact", "ja": "数値微分と解析的な微分"},
    "numeric": {"en": "numerical_diff(f, {x}) = {num!r} for f(x) = {f}; the exact derivative "
                      "is {exact} (error {err:.1e})",
                "ja": "f(x) = {f} のとき numerical_diff(f, {x}) = {num!r}。式で微分した正確な値は"
                      " {exact}（誤差 {err:.1e}）"},
    "s_nn": {"en": "A tiny network trained by backpropagation",
             "ja": "誤差逆伝播法で学習する小さなニューラルネット"},
    "nn": {"en": "XOR with a 2-4-1 sigmoid network: loss {a:.4f} → {b:.4f} in {n} steps; "
                 "outputs {out}",
           "ja": "2-4-1 のシグモイドネットで XOR を学習：損失 {a:.4f} → {b:.4f}（{n} ステップ）、"
                 "出力 {out}"},
    "nn_autodiff": {"en": "gradients by reverse-mode automatic differentiation "
                          "(bibun.autodiff)",
                    "ja": "勾配は自動微分のリバースモード（bibun.autodiff）で計算"},
    "nn_numpy": {"en": "gradients by backpropagation written in NumPy, with sigmoid' from "
                       "bibun.diff",
                 "ja": "勾配は NumPy で書いた誤差逆伝播法で計算"
                       "（sigmoid' は bibun.diff で求めた式）"},
    "figure": {"en": "figure: {p}", "ja": "図：{p}"},
    "done": {"en": "done in {t:.1f} s; {n} figures in {d}",
             "ja": "完了（{t:.1f} 秒）。図 {n} 枚を {d} に保存"},
}


class Tour:
    """One run of the tour: prints to ``stream`` and writes figures into ``out``."""

    def __init__(self, lang: str = "en", out: str | Path = "demo-out",
                 stream: TextIO | None = None):
        if lang not in ("en", "ja"):
            raise BibunError(f"unknown language {lang!r}: use en or ja")
        self.lang = lang
        self.out = Path(out)
        self.stream = stream or sys.stdout
        self.figures: list[Path] = []
        self.section_no = 0

    # -- output helpers ----------------------------------------------------------------
    def say(self, key: str, **kw: Any) -> None:
        self.print(MESSAGES[key][self.lang].format(**kw))

    def print(self, text: str = "") -> None:
        print(text, file=self.stream)

    def section(self, key: str) -> None:
        self.section_no += 1
        self.print()
        self.print(f"== {self.section_no}. {MESSAGES[key][self.lang]} ==")

    def figure(self, name: str, draw: Callable[[Path], Path]) -> None:
        path = draw(self.out / name)
        self.figures.append(path)
        self.say("figure", p=path)

    # -- the sections, in the seeds' order ----------------------------------------------
    def run(self) -> list[Path]:
        t0 = time.perf_counter()
        self.out.mkdir(parents=True, exist_ok=True)
        self.print(MESSAGES["title"][self.lang])
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
        err_head = MESSAGES["error"][self.lang]  # 誤差 is two characters, four columns
        self.print(f"  {'h':>7}  {'(f(1+h) - f(1))/h':>22}  "
                   f"{pad(err_head, 9, right=True)}")
        for i, h in enumerate(table.h):
            if i % 2 == 0 or i == len(table.h) - 1:
                q, err = table.quotients["forward"][i], table.errors["forward"][i]
                self.print(f"  {h:7.0e}  {q:22.16g}  {err:9.1e}")
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
                 lr=div.lr, r=div.stop_text("ja") if self.lang == "ja" else
                 f"{descent_message('en', div.reason)} - {div.details('en')}")

    def least_squares(self) -> None:
        self.section("s_fit")
        self.say("fit")
        data = sample_linear_data(n=20, a=2.0, b=1.0, noise=0.5, seed=1)
        res = fit_model(data, "y = a*x + b")
        residuals = FIT_MESSAGES[self.lang]["residuals"].split("{")[0]
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
            self.say("numeric", x=x, num=v, f=f, exact=float(exact),
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
    re_, im = f"{v.real + 0.0:.2g}", f"{abs(v.imag):.2g}"
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
