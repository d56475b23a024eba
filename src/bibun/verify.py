"""Three-way cross-check: the symbolic derivative, a numeric one and reverse-mode autodiff
must agree.  Each side is computed by a different part of bibun (symbolic.py, numeric.py,
autodiff/), so agreement is evidence, not a tautology."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun import i18n
from bibun.autodiff.expr_graph import tensor_from_expr
from bibun.errors import BibunError
from bibun.explain import messages as M
from bibun.expr.core import CALL, Expr, as_expr, postorder
from bibun.expr.evaluate import evaluate_numeric
from bibun.numeric import derivative
from bibun.smoothness import NonDifferentiable, nondifferentiable_points, not_smooth_at
from bibun.symbolic import default_variable, diff


@dataclass
class PointCheck:
    """The three values of d expr/d var at one point."""

    point: dict[str, float]
    symbolic: float
    numeric: float
    numeric_error: float
    automatic: float

    @property
    def worst(self) -> float:
        """Largest relative disagreement with the symbolic value."""
        scale = max(1.0, abs(self.symbolic))
        return max(abs(self.numeric - self.symbolic), abs(self.automatic - self.symbolic)) / scale

    def agrees(self, tol: float) -> bool:
        scale = max(1.0, abs(self.symbolic))
        return (abs(self.automatic - self.symbolic) <= tol * scale and
                abs(self.numeric - self.symbolic) <= max(tol * scale, 4 * self.numeric_error))


@dataclass
class Verification:
    expression: str
    variable: str
    derivative: str
    checks: list[PointCheck] = field(default_factory=list)
    tolerance: float = 1e-8

    @property
    def agree(self) -> bool:
        return bool(self.checks) and all(c.agrees(self.tolerance) for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"expression": self.expression, "variable": self.variable,
                "derivative": self.derivative, "agree": self.agree,
                "tolerance": self.tolerance,
                "points": [{"at": c.point, "symbolic": c.symbolic, "numeric": c.numeric,
                            "numeric_error_estimate": c.numeric_error,
                            "automatic": c.automatic, "relative_disagreement": c.worst}
                           for c in self.checks]}

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str | None = None) -> str:
        """The table in ``lang`` ("en", "ja"; None: the default language), from the
        message catalogs (keys ``verify.*``).  ``str(report)`` is the English table."""
        lang = i18n.resolve(lang)

        def t(key: str, **kw: Any) -> str:
            return M.text(f"verify.{key}", lang, **kw)

        heads = [t("symbolic"), t("numeric"), t("autodiff")]
        lines = [t("title", x=self.variable, f=self.expression, d=self.derivative),
                 "  " + i18n.pad(t("point"), 28) + " "
                 + " ".join(i18n.pad(h, 22, right=True) for h in heads)]
        for c in self.checks:
            at = ", ".join(f"{k}={v:.4g}" for k, v in c.point.items())
            lines.append(f"  {i18n.pad(at, 28)} {c.symbolic:22.15g} {c.numeric:22.15g} "
                         f"{c.automatic:22.15g}")
        worst = max((c.worst for c in self.checks), default=float("nan"))
        verdict = t("agree") if self.agree else t("disagree")
        lines.append("  " + t("summary", verdict=verdict, worst=f"{worst:.1e}",
                              n=len(self.checks), tolerance=f"{self.tolerance:g}"))
        return "\n".join(lines)


def automatic_derivative(expr: Expr, var: str, point: dict[str, float]) -> float:
    """d expr/d var at point by reverse-mode autodiff over the formula's Tensor graph."""
    if var not in expr.free:
        return 0.0
    out, inputs = tensor_from_expr(expr, point)
    out.backward()
    g = inputs[var].grad
    return float(np.asarray(getattr(g, "value", g)))


def numeric_derivative(expr: Expr, var: str, point: dict[str, float]) -> tuple[float, float]:
    """(value, error estimate) of d expr/d var at point from function values only."""
    rest = {k: v for k, v in point.items() if k != var}
    est = derivative(lambda t: evaluate_numeric(expr, {**rest, var: t}), point[var])
    return float(est.value), float(est.error_estimate)


def _usable(expr: Expr, d: Expr, var: str, point: dict[str, float],
            corners: list[NonDifferentiable]) -> bool:
    """The point is in the domain of f and f', and f is smooth there (``corners``: the
    formula's :func:`nondifferentiable_points`, made once for all points)."""
    try:
        ok = math.isfinite(float(expr.evaluate(point))) and math.isfinite(
            float(d.evaluate(point)))
        return ok and not_smooth_at(expr, var, point, corners) is None
    except BibunError:
        return False


def three_way(expr: Any, var: str | None = None, points: list[dict[str, float]] | None = None,
              n: int = 5, seed: int = 0, tolerance: float = 1e-8) -> Verification:
    """Compare symbolic, numeric and automatic derivatives at ``points`` (or at ``n``
    random points in [-2, 2] where the function is defined and smooth)."""
    e = as_expr(expr)
    unknown = sorted({n.value[0] for n in postorder(e) if n.op == CALL})
    if unknown:
        raise i18n.error("error.verify.unknown_functions", expr=str(e), names=unknown)
    v = var or default_variable(e)
    d = diff(e, v)
    names = sorted(e.free | {v})
    if points is None:
        rng = random.Random(seed)
        corners = nondifferentiable_points(e, v)
        points = []
        for _ in range(200 * n):
            if len(points) >= n:
                break
            p = {k: round(rng.uniform(-2, 2), 3) for k in names}
            if _usable(e, d, v, p, corners):
                points.append(p)
        if not points:
            raise i18n.error("error.verify.no_point", expr=str(e))
    out = Verification(str(e), v, str(d), tolerance=tolerance)
    for p in points:
        p = {k: float(x) for k, x in p.items()}
        num, err = numeric_derivative(e, v, p)
        out.checks.append(PointCheck(p, float(d.evaluate(p)), num, err,
                                     automatic_derivative(e, v, p)))
    return out
