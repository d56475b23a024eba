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

from bibun import i18n, optim
from bibun.calculus import as_function
from bibun.calculus.display import descent_bundle
from bibun.errors import BibunError, DomainError
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.expr.ops import EXPR_OPS
from bibun.functions import rule
from bibun.i18n import Msg, pad
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

#: message arguments that are points (point_text)
_POINTS = {"p", "prev", "q", "where", "at"}


def message(lang: str | None, key: str, **kw: Any) -> str:
    """The sentence ``descend.<key>`` of a run's report in ``lang``, with the nested
    reasons (``why``, ``cause``: (key, params) pairs) and the points put into words."""
    lang = i18n.resolve(lang)
    for sub in ("why", "cause"):  # a nested (key, kwargs) reason
        if isinstance(kw.get(sub), tuple):
            kw = {**kw, sub: message(lang, kw[sub][0], **kw[sub][1])}
    if isinstance(kw.get("g"), float) and isinstance(kw.get("tol"), int | float):
        kw = {**kw, "g": _versus(kw["g"], kw["tol"])}
    # 点 (3, 4) で…; a single variable reads "x = 0.96 で…" as it is
    kw = {k: i18n.text("descend.point", lang, p=v)
          if k in _POINTS and isinstance(v, str) and v.startswith("(") else v
          for k, v in kw.items()}
    if "region" in kw:
        kw["region"] = i18n.text(f"descend.region_{kw['region']}", lang)
    one = kw.get("k", kw.get("steps")) == 1
    words = i18n.text("descend.step_one" if one else "descend.step_other", lang)
    return i18n.text("descend." + key.replace(" ", "_"), lang, **{"steps_word": words, **kw})


def _reason(why: tuple[str, dict[str, Any]]) -> Msg:
    """A nested (key, params) reason as a catalog message, rendered later in the
    language of the sentence around it."""
    key, params = why
    return Msg("descend." + key, {k: _reason(v) if isinstance(v, tuple) else v
                                  for k, v in params.items()})


def _versus(g: float, tol: float) -> str:
    """|∇f| with enough digits to be seen on the right side of tol (9.99e-07, not a
    rounded 1e-06 next to "< 1e-06")."""
    for digits in (3, 6, 9):
        text = i18n.format_number(g, digits)
        if (float(text) < tol) == (g < tol):
            return text
    return i18n.format_number(g, 17)


def _num(v: float) -> str:
    """A coordinate for reading: 4 significant digits, never ``-0`` (the one formatter,
    :func:`bibun.i18n.format_number`)."""
    return i18n.format_number(float(v), 4)


def _cell(v: float, width: int, digits: int) -> str:
    """A table cell by the one formatter, right-aligned; a value that overflowed is a
    dash, never ``inf``."""
    return (i18n.format_number(float(v), digits) if math.isfinite(v) else "—").rjust(width)


def point_text(p: np.ndarray, names: Sequence[str] | None = None) -> str:
    """``x = 0.96`` for one variable, ``(3, 4)`` for several."""
    if names is not None and len(p) == 1:
        return f"{names[0]} = {_num(p[0])}"
    return "(" + ", ".join(_num(v) for v in p) + ")"


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

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: the steps, why it stopped, the path plotted."""
        return descent_bundle(self)

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

    def stop_text(self, lang: str = "en", short: bool = False) -> str:
        """How the run ended, as one sentence (English: ``stopped: reason - detail``;
        ``short``: ``reason - detail``)."""
        kind = "descend.reason_dash." if short else "descend.stopped_as."
        how = i18n.text(kind + self.reason.replace(" ", "_"), lang)
        return message(lang, "stopped", how=how, detail=self.details(lang))

    def summary(self, every: int | None = None, lang: str = "en") -> str:
        """A table of the path (first, sampled, last steps) and the stopping reason."""
        names = self.variables
        head = pad(message(lang, "step"), 8, right=True) + "  " + \
            "  ".join(f"{n:>12}" for n in names) + f"  {'f':>12}  {'|grad f|':>10}"
        lines = [message(lang, "header", opt=self.optimizer, lr=self.lr, f=self.expr), head]
        n = len(self.path)
        every = every or max(1, n // 12)
        for i in range(n):
            if i < 3 or i >= n - 3 or i % every == 0:
                xs = "  ".join(_cell(v, 12, 6) for v in self.path[i])
                lines.append(f"{i:8d}  {xs}  {_cell(self.values[i], 12, 6)}  "
                             f"{_cell(self.grad_norms[i], 10, 3)}")
            elif i == 3:
                lines.append("     ...")
        lines.append(self.stop_text(lang))
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
            raise i18n.error("error.descend.start_numbers", start=repr(start)) from None
    else:
        vals = [float(v) for v in np.atleast_1d(np.asarray(start, dtype=float))]
    if len(vals) != n:
        raise i18n.error("error.descend.start_length", m=len(vals), n=n, names=list(names))
    if not all(math.isfinite(v) for v in vals):
        raise i18n.error("error.descend.start_finite", start=repr(start))
    return np.array(vals, dtype=float)


def descend(expr: Any, start: Any, optimizer: str = "gd", lr: float = 0.1, steps: int = 100,
            tol: float = 1e-6, variables: Sequence[str] | str | None = None,
            box: Sequence[tuple[float, float]] | None = None, check_global: bool = True,
            lang: str = "en", **options: Any) -> Descent:
    """Minimize ``expr`` from ``start`` with a named optimizer and symbolic gradients.

    Stops when |∇f| < tol (converged), when the iterates blow up or run away beyond 1e8
    (diverged), when a step lands where f or its gradient is undefined or jumps across a
    pole of f (left the domain) - all reported, never raised - or after ``steps``
    updates.  A start where the gradient is exactly 0 is checked: a saddle, a maximum or
    a flat point that is not a minimum gets a warning.  With ``check_global`` a grid
    search over ``box`` (default: the path's box, padded) warns when the stopping point
    is a local minimum that is not the lowest point there.  ``options`` go to the
    optimizer (``momentum=0.9``, ``beta1=...``).  ``lang`` (en, ja; None: the default
    language) is checked here and kept for the reports; errors are catalog messages
    (English in ``str()``, any language through :func:`bibun.i18n.message`).
    """
    lang = i18n.resolve(lang)
    e = as_expr(expr)
    names = _names(e, variables)
    x = _start(start, len(names), names)
    key = OPTIMIZER_NAMES.get(optimizer.lower())
    if key is None:
        raise i18n.error("error.cli.unknown_optimizer", name=repr(optimizer),
                         names=", ".join(OPTIMIZER_NAMES))
    if not (isinstance(lr, int | float) and lr > 0 and math.isfinite(lr)):
        raise i18n.error("error.descend.lr", lr=repr(lr))
    if not isinstance(steps, int) or steps < 0:
        raise i18n.error("error.descend.steps", steps=repr(steps))
    if not (isinstance(tol, int | float) and tol >= 0 and math.isfinite(tol)):
        raise i18n.error("error.descend.tol", tol=repr(tol))
    f = as_function(e, names)
    grad_exprs = gradient(e, names)
    grads = [as_function(g, names) for g in grad_exprs]
    guards = _pole_guards(e, names)

    def value_grad(p: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            return float(f(*p)), np.array([float(g(*p)) for g in grads])

    fx, gx = value_grad(x)
    if not math.isfinite(fx) or not np.isfinite(gx).all():
        why = _why_undefined(e, grad_exprs, names, x, math.isfinite(fx))
        what = "start_f"
        if why is not None and why[0] == "why_grad":
            what, why = "start_grad", why[1]["why"]
        head = Msg("descend." + what, {"start": point_text(x, names)})
        if why is None:
            raise i18n.error(head.key, **head.params)
        raise i18n.error("descend.because", head=head, why=_reason(why))
    param = x.copy()
    opt = optim.make(key, [param], lr=float(lr), **options)
    path, values, norms = [x.copy()], [fx], [float(np.linalg.norm(gx))]
    g_prev = _guard_values(guards, x)  # each step's end is the next step's start
    reason = "max steps"
    detail: tuple[str, dict[str, Any]] = ("d_max", {"steps": steps, "g": norms[-1], "tol": tol})
    for k in range(steps + 1):
        if norms[-1] < tol:
            reason = "converged"
            detail = ("d_start", {"g": norms[-1], "tol": tol}) if k == 0 else \
                ("d_converged", {"g": norms[-1], "tol": tol, "k": k})
            break
        if k == steps:
            detail = ("d_max", {"steps": steps, "g": norms[-1], "tol": tol})
            break
        prev = param.copy()
        with np.errstate(all="ignore"):
            opt.step([gx])
        fx, gx = value_grad(param)
        path.append(param.copy())
        values.append(fx)
        norms.append(float(np.linalg.norm(gx)))
        finite_x = bool(np.isfinite(param).all()) and np.abs(param).max() <= RUNAWAY
        if finite_x and not (math.isfinite(fx) and np.isfinite(gx).all()):
            why = _why_undefined(e, grad_exprs, names, param, math.isfinite(fx))
            if why is not None:
                reason = "left the domain"
                detail = ("d_domain", {"k": k + 1, "prev": point_text(prev, names),
                                       "p": point_text(param, names), "why": why})
                break
        if not (finite_x and math.isfinite(fx) and np.isfinite(gx).all()):
            reason = "diverged"
            kind = "d_unbounded" if fx < values[0] or fx == -math.inf else "d_runaway"
            detail = (kind, {"k": k + 1, "p": point_text(param, names), "f": fx, "lr": lr})
            break
        g_now = _guard_values(guards, param)
        crossed = _crossed_pole(guards, names, prev, param, g_prev, g_now)
        g_prev = g_now
        if crossed is not None:
            reason = "left the domain"
            detail = ("d_pole", {"k": k + 1, "prev": point_text(prev, names),
                                 "p": point_text(param, names), **crossed})
            break
    run = Descent(e, names, optimizer, float(lr), np.array(path), np.array(values),
                  np.array(norms), reason, detail, tol)
    if reason == "max steps" and len(values) > 10 and values[-1] > 1e3 * max(1.0, abs(values[0])):
        run.reason = "diverged"
        run.detail_key = ("d_grew", {"f0": values[0], "f1": values[-1], "steps": steps,
                                     "lr": lr})
    run.box = list(box) if box is not None else plot_box([run])
    if run.reason == "converged":
        run.warning_keys.extend(_stationary_warnings(e, f, names, run.point,
                                                     exact_zero=norms[-1] == 0.0))
        if not run.warning_keys and norms[-1] > 0:
            run.warning_keys.extend(_downhill_warning(f, names, run, gx))
        if check_global and not run.warning_keys:
            run.warning_keys.extend(_global_warning(f, names, run))
    return run


def _why_undefined(e: Expr, grad_exprs: Sequence[Expr], names: list[str], p: np.ndarray,
                   f_defined: bool) -> tuple[str, dict[str, Any]] | None:
    """Why f (or, when f itself is fine, its gradient) is undefined at ``p``, in plain
    words: the innermost piece that fails and the condition it needs.  None when
    nothing is actually undefined there (an overflow: that is divergence, not a domain
    problem)."""
    point = {n: float(v) for n, v in zip(names, p)}
    targets = [e] if not f_defined else list(grad_exprs)
    for t in targets:
        why = _failing_piece(t, point)
        if why is not None:
            return ("why_grad", {"why": why}) if f_defined else why
    return None


def _failing_piece(e: Expr, point: dict[str, float]) -> tuple[str, dict[str, Any]] | None:
    """The innermost piece of ``e`` that is undefined at ``point`` and why, from the
    DomainError itself (it carries the failing ``node`` and the rule's ``need``)."""
    try:
        e.evaluate(point)
        return None
    except DomainError as exc:
        node: Expr | None = getattr(exc, "node", None)
        need: str | None = getattr(exc, "need", None)
    except BibunError:  # overflow and other limits: not a domain problem
        return None
    if node is None:
        return ("why_other", {})
    if node.op == core.FN:
        if need:  # "u > 0" with u the argument: "x - 3 > 0"
            return ("why_fn", {"node": node, "cond": need.replace("u", str(node.args[0]))})
    elif node.op == core.POW:
        base = node.args[0]
        b = float(base.evaluate(point))
        if b == 0:
            return ("why_div", {"node": str(node), "base": str(base)})
        if b < 0:
            return ("why_root", {"node": str(node), "base": str(base)})
    return ("why_other", {})


def _pole_guards(e: Expr, names: list[str]) -> list[tuple[Expr, Expr, Any]]:
    """(piece, quantity that must not be 0, its float function) for every denominator of
    f and every pole the rule table names (tan: cos ≠ 0, coth: u ≠ 0): a step across a
    sign change of one of them jumped over a pole of f."""
    out: list[tuple[Expr, Expr, Any]] = []
    seen: set[Expr] = set()
    for node in core.postorder(e):
        g = None
        if node.op == core.POW and node.args[1].op == core.NUM and node.args[1].value < 0 \
                and node.args[0].free:
            g = node.args[0]
        elif node.op == core.FN and rule(node.value).poles is not None:
            g = rule(node.value).poles(node.args[0], EXPR_OPS)  # tan: cos(u), coth: u
        if g is not None and g not in seen:
            seen.add(g)
            out.append((node, g, as_function(g, names)))
    return out


def _guard_values(guards: list[tuple[Expr, Expr, Any]], p: np.ndarray) -> list[float]:
    with np.errstate(all="ignore"):
        return [float(fg(*p)) for _, _, fg in guards]


def _crossed_pole(guards: list[tuple[Expr, Expr, Any]], names: list[str], a: np.ndarray,
                  b: np.ndarray, g_a: list[float], g_b: list[float]) -> dict[str, Any] | None:
    """Where the step a -> b crossed a pole (a guard changes sign), given the guards'
    values at a and at b (the caller carries b's over as the next step's a)."""
    for (node, g, fg), ga, gb in zip(guards, g_a, g_b):
        if not (math.isfinite(ga) and math.isfinite(gb)) or ga * gb >= 0:
            continue
        lo, hi = 0.0, 1.0  # bisection for where the guard changes sign on the segment
        for _ in range(60):
            mid = (lo + hi) / 2
            with np.errstate(all="ignore"):
                gm = float(fg(*(a + mid * (b - a))))
            if not math.isfinite(gm) or gm == 0:
                lo = hi = mid
                break
            if (gm > 0) == (ga > 0):
                lo = mid
            else:
                hi = mid
        at = a + (lo + hi) / 2 * (b - a)
        cause = ("c_den" if node.op == core.POW else "c_zero", {"den": str(g)})
        return {"at": point_text(at, names), "node": str(node), "cause": cause}
    return None


def _names(e: Expr, variables: Sequence[str] | str | None) -> list[str]:
    if variables is None:
        names = sorted(e.free)
    elif isinstance(variables, str):
        names = [v for v in variables.replace(",", " ").split()]
    else:
        names = list(variables)
    if not names:
        raise i18n.error("error.descend.no_variables", expr=str(e))
    others = sorted(e.free - set(names))
    if others:
        raise i18n.error("error.descend.other_variables", expr=str(e), others=others,
                         names=list(names))
    return names


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


def _stationary_warnings(e: Expr, f: Any, names: list[str], p: np.ndarray,
                         exact_zero: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """A saddle or a maximum by the Hessian's eigenvalues; and where the gradient is
    exactly 0 but the Hessian cannot decide (x^3 at 0), a look at f right around p."""
    h = hessian(e, names)
    try:
        H = np.array([[float(as_function(c, names)(*p)) for c in row] for row in h])
        eig, vecs = np.linalg.eigh((H + H.T) / 2)
    except (BibunError, np.linalg.LinAlgError):
        return []
    if not np.isfinite(eig).all():
        return []
    tol = 1e-8 * max(1.0, float(np.abs(eig).max()))
    if (eig < -tol).any() and (eig > tol).any():
        return [("w_saddle", {"p": point_text(p, names),
                              "eig": ", ".join(i18n.format_number(float(v), 3) for v in eig)})]
    if (eig < -tol).all():
        return [("w_max", {"p": point_text(p, names)})]
    flat = [vecs[:, i] for i in range(len(eig)) if abs(eig[i]) <= tol]
    if not (exact_zero and flat):
        return []
    f0 = float(f(*p))
    scale = 1.0 + float(np.abs(p).max())
    for d in flat:
        for s in (1.0, -1.0):
            q = p + s * 1e-3 * scale * d
            with np.errstate(all="ignore"):
                fq = float(f(*q))
            if not (math.isfinite(fq) and fq < f0 - 1e-12 * (1 + abs(f0))):
                continue
            for r in (1e-1, 1e-2):  # show the farthest still-lower point, easier to read
                q2 = p + s * r * scale * d
                with np.errstate(all="ignore"):
                    f2 = float(f(*q2))
                if math.isfinite(f2) and f2 < fq:
                    q, fq = q2, f2
                    break
            return [("w_flat", {"p": point_text(p, names), "q": point_text(q, names), "f0": f0,
                                "f1": fq})]
    return []


def _downhill_warning(f: Any, names: list[str], run: Descent, g: np.ndarray
                      ) -> list[tuple[str, dict[str, Any]]]:
    """|∇f| < tol on flat ground that is no minimum (x^3 near 0, approached from the
    right): f keeps going down along -∇f for a good part of the box.  Near a true minimum
    f turns up again after a distance of about |∇f|/f'', far below the first probe."""
    p, f0 = run.point, run.value
    width = max(hi - lo for lo, hi in run.box) if run.box else 2.0
    d = -g / float(np.linalg.norm(g))
    last = f0
    for t in (1e-4, 1e-3, 1e-2, 5e-2):
        q = p + t * width * d
        with np.errstate(all="ignore"):
            fq = float(f(*q))
        if not (math.isfinite(fq) and fq < last - 1e-12 * (1 + abs(last))):
            return []
        last = fq
    return [("w_downhill", {"p": point_text(p, names), "q": point_text(q, names), "f0": f0,
                            "f1": last})]


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
        box = " × ".join(f"[{i18n.format_number(lo, 3)}, {i18n.format_number(hi, 3)}]"
                         for lo, hi in run.box)
        return [("w_local", {"f": fv, "p": point_text(run.point, names), "box": box, "best": best,
                             "where": point_text(where, names),
                             "region": "interval" if len(names) == 1 else "box"})]
    return []


def compare(expr: Any = CLASSIC_EXPR, start: Any = CLASSIC_START,
            configs: dict[str, tuple[str, float]] | None = None, steps: int = 30,
            tol: float = 1e-10, variables: Sequence[str] | str | None = None
            ) -> dict[str, Descent]:
    """Several optimizers from the same start (default: the classic four on
    x²/20 + y² from (-7, 2) for 30 steps, with the book's learning rates)."""
    configs = configs or CLASSIC
    return {label: descend(expr, start, opt, lr, steps=steps, tol=tol, variables=variables,
                           check_global=False)
            for label, (opt, lr) in configs.items()}


def compare_table(runs: dict[str, Descent], lang: str = "en") -> str:
    """One line per optimizer: where it ended, f there, and why it stopped."""
    lang = i18n.resolve(lang)
    names = next(iter(runs.values())).variables
    head = [i18n.text(f"descend.col.{c}", lang) for c in ("optimizer", "lr", "steps", "reason")]
    lines = [pad(head[0], 10) + " " + pad(head[1], 6, right=True) + "  "
             + pad(head[2], 8, right=True) + "  " + "  ".join(f"{n:>10}" for n in names)
             + f"  {'f':>11}  {head[3]}"]
    for label, r in runs.items():
        xs = "  ".join(_cell(v, 10, 4) for v in r.point)
        lines.append(f"{pad(label, 10)} {_cell(r.lr, 6, 6)}  {r.steps:8d}  {xs}  "
                     f"{_cell(r.value, 11, 4)}  "
                     f"{message(lang, r.reason)}")
    return "\n".join(lines)
