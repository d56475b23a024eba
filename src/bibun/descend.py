"""Gradient descent on a formula, with the optimizers the networks use.

The seeds' recipe is w ← w − ρ ∂E/∂w, with the warning that descent may stop in a local
minimum.  Here E is any formula: its gradient comes from :func:`bibun.gradient`
(symbolic, so no finite-difference noise), and the update rule is the very same code
``bibun.nn`` trains networks with (:mod:`bibun.optim`) - one implementation, not two.

A run never raises because the step is too large: it stops and *says* why
(``converged``, ``diverged``, ``max steps``), and it warns when the point it stopped at
is a saddle, or a local minimum that a grid search over the plotted box beats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun import optim
from bibun.calculus import as_function
from bibun.errors import BibunError
from bibun.expr.core import Expr, as_expr
from bibun.symbolic import gradient, hessian

#: command-line names -> bibun.optim names ("gd" is plain full-batch gradient descent)
OPTIMIZER_NAMES = {"gd": "sgd", "sgd": "sgd", "momentum": "momentum", "nesterov": "nesterov",
                   "adagrad": "adagrad", "rmsprop": "rmsprop", "adam": "adam"}

#: the classic comparison of "Deep Learning from Scratch" ch. 6 on f = x²/20 + y² from
#: (-7, 2), 30 steps: label -> (optimizer, learning rate)
CLASSIC = {"SGD": ("gd", 0.95), "Momentum": ("momentum", 0.1), "AdaGrad": ("adagrad", 1.5),
           "Adam": ("adam", 0.3)}
CLASSIC_EXPR = "x^2/20 + y^2"
CLASSIC_START = (-7.0, 2.0)

#: |x| beyond this means the iterates ran away
RUNAWAY = 1e8

#: the sentences of a run's report, in English and Japanese
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "converged": "converged", "diverged": "diverged", "max steps": "max steps",
        "stopped": "stopped: {reason} - {detail}", "warning": "warning: {w}",
        "d_converged": "|∇f| = {g:.3g} < {tol:g} after {k} steps",
        "d_max": "{steps} steps done, |∇f| = {g:.3g} is still above {tol:g}",
        "d_runaway": "after {k} steps the iterate {p} has f = {f:.3g}: the learning rate "
                     "{lr:g} is too large for this function",
        "d_grew": "f grew from {f0:.3g} to {f1:.3g} in {steps} steps: the learning rate {lr:g} "
                  "is too large",
        "w_saddle": "the gradient vanishes at {p} but it is a saddle point (Hessian "
                    "eigenvalues {eig}), not a minimum",
        "w_max": "the gradient vanishes at {p} but it is a local maximum",
        "w_local": "stopped in a local minimum f = {f:.6g} at {p}; on the box {box} the lowest "
                   "value is f ≈ {best:.6g} near {where} - descent only finds the valley it "
                   "starts in",
    },
    "ja": {
        "converged": "収束", "diverged": "発散", "max steps": "最大ステップ数に到達",
        "stopped": "停止：{reason}（{detail}）", "warning": "注意：{w}",
        "d_converged": "{k} ステップで |∇f| = {g:.3g} < {tol:g}",
        "d_max": "{steps} ステップ実行したが |∇f| = {g:.3g} は {tol:g} より大きい",
        "d_runaway": "{k} ステップ後の点 {p} で f = {f:.3g}：学習率 {lr:g} はこの関数には"
                     "大きすぎる",
        "d_grew": "{steps} ステップで f が {f0:.3g} から {f1:.3g} に増えた：学習率 {lr:g} は"
                  "大きすぎる",
        "w_saddle": "{p} で勾配は 0 だが鞍点（ヘッセ行列の固有値 {eig}）で、最小点ではない",
        "w_max": "{p} で勾配は 0 だが極大点である",
        "w_local": "点 {p} の局所的な最小値（極小値）f = {f:.6g} で止まった。範囲 {box} には"
                   "もっと低い f ≈ {best:.6g} が点 {where} の近くにある：勾配降下法は出発した"
                   "谷の底しか見つけられない",
    },
}


def message(lang: str, key: str, **kw: Any) -> str:
    if lang not in MESSAGES:
        raise BibunError(f"unknown language {lang!r}: use en or ja")
    return MESSAGES[lang][key].format(**kw)


@dataclass
class Descent:
    """One descent run: the path, the values along it and why it stopped."""

    expr: Expr
    variables: list[str]
    optimizer: str
    lr: float
    path: np.ndarray  # (steps + 1, n)
    values: np.ndarray  # f along the path
    grad_norms: np.ndarray
    reason: str  # "converged" | "diverged" | "max steps"
    detail_key: tuple[str, dict[str, Any]]
    tol: float
    warning_keys: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    box: list[tuple[float, float]] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @property
    def point(self) -> np.ndarray:
        return self.path[-1]

    @property
    def value(self) -> float:
        return float(self.values[-1])

    @property
    def converged(self) -> bool:
        return self.reason == "converged"

    @property
    def detail(self) -> str:
        """Why the run stopped, with the numbers (English; ``details(lang)`` for others)."""
        return self.details("en")

    def details(self, lang: str = "en") -> str:
        return message(lang, self.detail_key[0], **self.detail_key[1])

    @property
    def warnings(self) -> list[str]:
        """Saddle / local-maximum / not-the-global-minimum warnings (English)."""
        return self.warning_texts("en")

    def warning_texts(self, lang: str = "en") -> list[str]:
        return [message(lang, k, **kw) for k, kw in self.warning_keys]

    def summary(self, every: int | None = None, lang: str = "en") -> str:
        """A table of the path (first, sampled, last steps) and the stopping reason."""
        names = self.variables
        head = f"{'step':>5}  " + "  ".join(f"{n:>12}" for n in names) + \
            f"  {'f':>12}  {'|grad f|':>10}"
        lines = [f"{self.optimizer} (lr {self.lr:g}) on f = {self.expr}", head]
        n = len(self.path)
        every = every or max(1, n // 12)
        for i in range(n):
            if i < 3 or i >= n - 3 or i % every == 0:
                xs = "  ".join(f"{v:12.6g}" for v in self.path[i])
                lines.append(f"{i:5d}  {xs}  {self.values[i]:12.6g}  {self.grad_norms[i]:10.3g}")
            elif i == 3:
                lines.append("  ...")
        lines.append(message(lang, "stopped", reason=message(lang, self.reason),
                             detail=self.details(lang)))
        lines.extend(message(lang, "warning", w=w) for w in self.warning_texts(lang))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        def num(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        return {
            "expression": str(self.expr), "variables": self.variables,
            "optimizer": self.optimizer, "lr": self.lr, "steps": self.steps,
            "reason": self.reason, "detail": self.detail,
            "point": [num(v) for v in self.point], "value": num(self.value),
            "grad_norm": num(float(self.grad_norms[-1])),
            "path": [[num(v) for v in row] for row in self.path],
            "values": [num(v) for v in self.values], "warnings": self.warnings,
            "box": [list(b) for b in self.box],
        }


def _start(start: Any, n: int, names: list[str]) -> np.ndarray:
    if isinstance(start, str):
        parts = [p for p in start.strip("()[] ").replace(";", ",").split(",") if p.strip()]
        try:
            vals = [float(as_expr(p).evaluate()) for p in parts]
        except BibunError:
            raise BibunError(f"the start must be numbers such as 3,4, got {start!r}") from None
    else:
        vals = [float(v) for v in np.atleast_1d(np.asarray(start, dtype=float))]
    if len(vals) != n:
        raise BibunError(f"the start has {len(vals)} coordinate(s) but f has {n} variable(s) "
                         f"({', '.join(names)})")
    if not all(math.isfinite(v) for v in vals):
        raise BibunError(f"the start must be finite numbers, got {start!r}")
    return np.array(vals, dtype=float)


def descend(expr: Any, start: Any, optimizer: str = "gd", lr: float = 0.1, steps: int = 100,
            tol: float = 1e-6, variables: Sequence[str] | str | None = None,
            box: Sequence[tuple[float, float]] | None = None, check_global: bool = True,
            **options: Any) -> Descent:
    """Minimize ``expr`` from ``start`` with a named optimizer and symbolic gradients.

    Stops when |∇f| < tol (converged), when the iterates stop being finite or run away
    beyond 1e8 (diverged - reported, never raised), or after ``steps`` updates.  With
    ``check_global`` a grid search over ``box`` (default: the path's box, padded) warns
    when the stopping point is a local minimum that is not the lowest point there.
    ``options`` go to the optimizer (``momentum=0.9``, ``beta1=...``).
    """
    e = as_expr(expr)
    names = _names(e, variables)
    x = _start(start, len(names), names)
    key = OPTIMIZER_NAMES.get(optimizer.lower())
    if key is None:
        raise BibunError(f"unknown optimizer {optimizer!r}; choose from "
                         f"{', '.join(OPTIMIZER_NAMES)}")
    if not (isinstance(lr, int | float) and lr > 0 and math.isfinite(lr)):
        raise BibunError(f"the learning rate must be a positive number, got {lr!r}")
    if not isinstance(steps, int) or steps < 0:
        raise BibunError(f"steps must be a whole number >= 0, got {steps!r}")
    f = as_function(e, names)
    grads = [as_function(g, names) for g in gradient(e, names)]

    def value_grad(p: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            return float(f(*p)), np.array([float(g(*p)) for g in grads])

    fx, gx = value_grad(x)
    if not math.isfinite(fx) or not np.isfinite(gx).all():
        raise BibunError(f"f or its gradient is undefined at the start "
                         f"({', '.join(f'{n} = {v:g}' for n, v in zip(names, x))})")
    param = x.copy()
    opt = optim.make(key, [param], lr=float(lr), **options)
    path, values, norms = [x.copy()], [fx], [float(np.linalg.norm(gx))]
    reason = "max steps"
    detail: tuple[str, dict[str, Any]] = ("d_max", {"steps": steps, "g": norms[-1], "tol": tol})
    for k in range(steps + 1):
        if norms[-1] < tol:
            reason, detail = "converged", ("d_converged", {"g": norms[-1], "tol": tol, "k": k})
            break
        if k == steps:
            detail = ("d_max", {"steps": steps, "g": norms[-1], "tol": tol})
            break
        with np.errstate(all="ignore"):
            opt.step([gx])
        fx, gx = value_grad(param)
        path.append(param.copy())
        values.append(fx)
        norms.append(float(np.linalg.norm(gx)))
        if not (np.isfinite(param).all() and math.isfinite(fx) and np.isfinite(gx).all()) \
                or np.abs(param).max() > RUNAWAY:
            reason = "diverged"
            detail = ("d_runaway", {"k": k + 1, "p": _fmt(param), "f": fx, "lr": lr})
            break
    run = Descent(e, names, optimizer, float(lr), np.array(path), np.array(values),
                  np.array(norms), reason, detail, tol)
    if reason == "max steps" and len(values) > 10 and values[-1] > 1e3 * max(1.0, abs(values[0])):
        run.reason = "diverged"
        run.detail_key = ("d_grew", {"f0": values[0], "f1": values[-1], "steps": steps,
                                     "lr": lr})
    run.box = list(box) if box is not None else plot_box([run])
    if run.reason == "converged":
        run.warning_keys.extend(_saddle_warning(e, names, run.point))
        if check_global and not run.warning_keys:
            run.warning_keys.extend(_global_warning(f, names, run))
    return run


def _names(e: Expr, variables: Sequence[str] | str | None) -> list[str]:
    if variables is None:
        names = sorted(e.free)
    elif isinstance(variables, str):
        names = [v for v in variables.replace(",", " ").split()]
    else:
        names = list(variables)
    if not names:
        raise BibunError(f"{e} has no variables to descend on")
    others = sorted(e.free - set(names))
    if others:
        raise BibunError(f"{e} depends on {', '.join(others)}, which is not among the "
                         f"variables {', '.join(names)}")
    return names


def _fmt(p: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.4g}" for v in p) + ")"


def plot_box(runs: Sequence[Descent], pad: float = 0.25) -> list[tuple[float, float]]:
    """The box a contour plot of these runs shows, and the box the global-minimum check
    searches: symmetric about the origin, wide enough for every finite path point plus
    ``pad`` of its extent and one unit, so valleys on the other side of 0 are seen."""
    pts = np.concatenate([r.path[np.isfinite(r.path).all(1)] for r in runs])
    pts = pts[np.abs(pts).max(1) <= RUNAWAY] if len(pts) else pts
    if not len(pts):
        return [(-1.0, 1.0)] * len(runs[0].variables)
    reach = np.abs(pts).max(0) * (1 + pad) + 1.0
    return [(-float(r), float(r)) for r in reach]


def _saddle_warning(e: Expr, names: list[str], p: np.ndarray
                    ) -> list[tuple[str, dict[str, Any]]]:
    h = hessian(e, names)
    try:
        H = np.array([[float(as_function(c, names)(*p)) for c in row] for row in h])
        eig = np.linalg.eigvalsh((H + H.T) / 2)
    except (BibunError, np.linalg.LinAlgError):
        return []
    if not np.isfinite(eig).all():
        return []
    tol = 1e-8 * max(1.0, float(np.abs(eig).max()))
    if (eig < -tol).any() and (eig > tol).any():
        return [("w_saddle", {"p": _fmt(p), "eig": ", ".join(f"{v:.3g}" for v in eig)})]
    if (eig < -tol).all():
        return [("w_max", {"p": _fmt(p)})]
    return []


def grid_minimum(f: Any, box: Sequence[tuple[float, float]], n: int | None = None
                 ) -> tuple[np.ndarray, float] | None:
    """Lowest point of f on a regular grid over the box (None if f is undefined there)."""
    d = len(box)
    if d > 3:
        return None
    n = n or {1: 4001, 2: 301, 3: 61}[d]
    axes = [np.linspace(lo, hi, n) for lo, hi in box]
    mesh = np.meshgrid(*axes, indexing="ij")
    with np.errstate(all="ignore"):
        z = np.asarray(f(*mesh), dtype=float)
    z = np.where(np.isfinite(z), z, np.inf)
    i = int(np.argmin(z))
    if not math.isfinite(float(z.flat[i])):
        return None
    return np.array([m.flat[i] for m in mesh]), float(z.flat[i])


def _global_warning(f: Any, names: list[str], run: Descent
                    ) -> list[tuple[str, dict[str, Any]]]:
    found = grid_minimum(f, run.box)
    if found is None:
        return []
    where, best = found
    fv = run.value
    gap = fv - best
    if gap > 1e-6 * (1 + abs(fv)) and gap > 1e-9 and \
            np.abs(where - run.point).max() > 1e-3 * (1 + np.abs(run.point).max()):
        box = " × ".join(f"[{lo:.3g}, {hi:.3g}]" for lo, hi in run.box)
        return [("w_local", {"f": fv, "p": _fmt(run.point), "box": box, "best": best,
                             "where": _fmt(where)})]
    return []


def compare(expr: Any = CLASSIC_EXPR, start: Any = CLASSIC_START,
            configs: dict[str, tuple[str, float]] | None = None, steps: int = 30,
            tol: float = 1e-10) -> dict[str, Descent]:
    """Several optimizers from the same start (default: the classic four on
    x²/20 + y² from (-7, 2) for 30 steps, with the book's learning rates)."""
    configs = configs or CLASSIC
    return {label: descend(expr, start, opt, lr, steps=steps, tol=tol, check_global=False)
            for label, (opt, lr) in configs.items()}


def compare_table(runs: dict[str, Descent], lang: str = "en") -> str:
    """One line per optimizer: where it ended, f there, and why it stopped."""
    names = next(iter(runs.values())).variables
    head = {"en": ("optimizer", "lr", "steps", "reason"),
            "ja": ("手法", "学習率", "回数", "停止理由")}[lang]
    lines = [f"{head[0]:<10} {head[1]:>6}  {head[2]:>5}  " + "  ".join(
        f"{n:>10}" for n in names) + f"  {'f':>11}  {head[3]}"]
    for label, r in runs.items():
        xs = "  ".join(f"{v:10.4g}" for v in r.point)
        lines.append(f"{label:<10} {r.lr:6g}  {r.steps:5d}  {xs}  {r.value:11.4g}  "
                     f"{message(lang, r.reason)}")
    return "\n".join(lines)
