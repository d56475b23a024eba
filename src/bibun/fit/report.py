"""The report of a fit: the result, its numbers for reading and its sentences.

Every sentence comes from the catalogs (keys ``fit.*``); the formulas stay as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from bibun import i18n
from bibun.calculus import as_function
from bibun.calculus.display import fit_bundle
from bibun.expr import core, numfmt
from bibun.expr.core import Expr
from bibun.i18n import Msg


def _msg(lang: str | None, key: str, **kw: Any) -> str:
    """The sentence ``fit.<key>`` in ``lang`` (None: the default language), with the
    counted words (rows, iterations, steps) agreeing with their numbers."""
    lang = i18n.resolve(lang)
    words = {"rows": i18n.text(plural("row", kw.get("n", 2)).key, lang),
             "iterations": i18n.text(plural("iteration", kw.get("it", 2)).key, lang),
             "columns": "",
             "steps_word": i18n.text(plural("step", kw.get("steps", 2)).key, lang)}
    return i18n.text("fit." + key.replace(" ", "_"), lang, **{**words, **kw})


def plural(word: str, n: int) -> Msg:
    """The catalog word for ``n`` rows / iterations / steps (``fit.row_one`` …)."""
    return Msg(f"fit.{word}_one" if n == 1 else f"fit.{word}_other")


def human(v: Any, digits: int = 6, decimal: bool = False) -> str:
    """A number for reading, by the one formatter (:func:`bibun.expr.numfmt.fmt`): an
    exact integer or short fraction as it is (7/22), anything else to ``digits``
    significant digits (1.1, never 1.0999999999999999), never ``-0``; ``decimal``: the
    data was written in decimals, so an exact terminating decimal is written as one
    (113.72, not 2843/25)."""
    return numfmt.fmt(v, digits, prefer_decimal=decimal)


def standard_errors(J: np.ndarray, sse: float, params: list[str]) -> dict[str, float] | None:
    """The standard error of each parameter, sqrt(diag(σ̂² (JᵀJ)⁻¹)) with σ̂² = SSE/(n − k):
    how far the estimate would move with new data of the same noise.  J is the design
    matrix (linear models) or the Jacobian at the solution; None when there are no
    spare rows (n ≤ k) or JᵀJ is singular."""
    n, k = J.shape
    if n <= k or not np.isfinite(J).all():
        return None
    try:
        cov = np.linalg.inv(J.T @ J) * (sse / (n - k))
    except np.linalg.LinAlgError:
        return None
    d = np.diag(cov)
    if not np.isfinite(d).all() or (d < 0).any():
        return None
    return {p: float(np.sqrt(v)) for p, v in zip(params, d)}


def _linear_text(coeffs: list[Any], names: list[str], decimal: bool = False) -> str:
    """55·a + 15·b, with a minus sign instead of ``+ -1.2·c`` (``decimal``: as
    :func:`human`)."""
    out = ""
    for c, name in zip(coeffs, names):
        t = human(c, decimal=decimal)
        neg = t.startswith("-")
        t = t.lstrip("-")
        if not out:
            out = f"{'-' if neg else ''}{t}·{name}"
        else:
            out += f" {'-' if neg else '+'} {t}·{name}"
    return out


@dataclass
class GradientCheck:
    """Gradient descent on the same squared error, for comparison with the closed form."""

    params: dict[str, float]
    steps: int
    lr: float
    max_difference: float
    reason: str
    condition: float = math.nan  # κ of the error's Hessian: plain descent needs ~κ steps


@dataclass
class FitResult:
    """Fitted parameters with residuals, R² and (for linear models) the derivation."""

    model: Expr
    target: str
    inputs: list[str]
    params: dict[str, float]
    exact: dict[str, Fraction] | None
    linear: bool
    residuals: np.ndarray
    sse: float
    r2: float
    n: int
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    iterations: int = 0
    converged: bool = True
    gd: GradientCheck | None = None
    note_keys: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    method_key: tuple[str, dict[str, Any]] = ("exact", {})
    #: model symbol -> data column it stands for (``--x hours``)
    aliases: dict[str, str] = field(default_factory=dict)
    #: standard error of each parameter (None: no spare rows, or not identifiable)
    errors: dict[str, float] | None = None
    #: the data was written in decimals (measured): parameters are shown as decimals
    decimal: bool = False

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: parameters with errors, R², residual plot."""
        return fit_bundle(self)

    @property
    def method(self) -> str:
        return _msg("en", self.method_key[0], **self.method_key[1])

    @property
    def notes(self) -> list[str]:
        return [_msg("en", k, **kw) for k, kw in self.note_keys]

    @property
    def derivation(self) -> list[str]:
        """How the parameters were found: the partial derivatives and the normal
        equations (linear models) or the Jacobian (Gauss-Newton), in English."""
        return self.derivation_lines("en")

    def derivation_lines(self, lang: str = "en") -> list[str]:
        return [kw["text"] if k == "raw" else _msg(lang, k, **kw) for k, kw in self.steps]

    @property
    def fitted(self) -> Expr:
        """The model with the fitted numbers substituted (exact when available)."""
        vals = {k: core.number(v) for k, v in (self.exact or self.params).items()}
        return self.model.subs(vals)

    @property
    def fitted_display(self) -> Expr:
        """The fitted model for reading: each parameter as :meth:`shown` writes it (a short
        fraction from exact data, else a decimal to the digits its standard error
        supports)."""
        vals = {}
        for k in self.params:
            ex = self._exact_shown(k)
            if ex is None:
                v = float(self.shown(k).split(" ± ")[0])
                ex = int(v) if v.is_integer() and abs(v) < 1e15 else None  # 2x, not 2.0x
                vals[k] = core.number(v if ex is None else ex)
            else:
                vals[k] = core.number(ex)
        return self.model.subs(vals)

    def _exact_shown(self, k: str) -> Fraction | None:
        """The exact value of parameter k when the report writes it exactly: an integer
        or a short fraction from exact data, or - from decimal data - only a perfect
        fit's value that is a short decimal."""
        ex = self.exact.get(k) if self.exact else None
        if ex is None:
            return None
        se = self.errors.get(k) if self.errors else None
        if self.decimal and se:  # measured data: the digits its error supports
            return None
        return ex if numfmt.is_exact_text(ex, human(ex, decimal=self.decimal)) else None

    def shown(self, k: str) -> str:
        """Parameter k as the report prints it: ``7/22``, ``2 ± 0.12``, ``4.552 ± 0.091``."""
        ex = self._exact_shown(k)
        se = self.errors.get(k) if self.errors else None
        if ex is None:
            return numfmt.with_error(self.params[k], se)
        text = human(ex, decimal=self.decimal)
        return text + f" ± {numfmt.fmt(se, 2)}" if se else text

    def predict(self, **columns: Any) -> np.ndarray:
        return as_function(self.fitted, self.inputs)(*(columns[c] for c in self.inputs))

    def summary(self, lang: str = "en") -> str:
        """The whole report: derivation, parameters (exact when the data were exact and
        the numbers short, else decimals with standard errors), R², residuals and the
        gradient-descent comparison; ``lang`` is en or ja.  Every number goes through the
        one formatter (:mod:`bibun.expr.numfmt`)."""
        method = _msg(lang, self.method_key[0], **self.method_key[1])
        sep = i18n.text("fit.column_separator", lang)
        columns = "".join(f"{sep}{m} = {c}" for m, c in self.aliases.items())
        lines = [_msg(lang, "model", t=self.target, m=self.model, n=self.n, method=method,
                      columns=columns)]
        lines.extend(self.derivation_lines(lang))
        with_se = bool(self.errors) and any(self.errors.values())  # type: ignore[union-attr]
        lines.append(_msg(lang, "parameters_se" if with_se else "parameters"))
        for k in self.params:
            value, *err = self.shown(k).split(" ± ")
            if "/" in value:  # 7/22  (≈ 0.318182)
                value += f"  ({numfmt.beside(self.exact[k])})"  # type: ignore[index]
            lines.append(f"  {k} = {value}" + (f" ± {err[0]}" if err else ""))
        lines.append(_msg(lang, "fitted", t=self.target, f=self.fitted_display))
        r2 = human(self.r2) if math.isfinite(self.r2) else _msg(lang, "r2_none")
        lines.append(_msg(lang, "sse", sse=human(self.sse), r2=r2))
        show = self.residuals[:8]
        more = " ..." if len(self.residuals) > 8 else ""
        lines.append(_msg(lang, "residuals", r=", ".join(human(r, 4) for r in show) + more))
        if self.gd is not None:
            g = self.gd
            outcome = _msg(lang, "gd_converged" if g.reason == "converged" else "gd_max",
                           steps=g.steps)
            lines.append(_msg(lang, "gd", lr=human(g.lr, 3), outcome=outcome,
                              params=", ".join(f"{k} = {human(v)}" for k, v in g.params.items()),
                              d=human(g.max_difference, 3)))
            if g.reason != "converged" and math.isfinite(g.condition):
                lines.append(_msg(lang, "kappa", k=human(g.condition, 3)))
        lines.extend(_msg(lang, "note", n=_msg(lang, k, **kw)) for k, kw in self.note_keys)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": str(self.model), "target": self.target, "inputs": self.inputs,
            "params": self.params, "linear": self.linear, "method": self.method,
            "exact": {k: str(v) for k, v in self.exact.items()} if self.exact else None,
            "fitted": str(self.fitted), "sse": self.sse,
            "r2": self.r2 if math.isfinite(self.r2) else None,
            "residuals": [float(r) for r in self.residuals], "n": self.n,
            "derivation": self.derivation, "iterations": self.iterations,
            "converged": self.converged, "notes": self.notes,
            "columns": dict(self.aliases),
            "standard_errors": self.errors,
            "shown": {k: self.shown(k) for k in self.params},
        }
        if self.gd is not None:
            out["gradient_descent"] = {"params": self.gd.params, "steps": self.gd.steps,
                                       "lr": self.gd.lr, "reason": self.gd.reason,
                                       "max_difference": self.gd.max_difference,
                                       "condition": self.gd.condition}
        return out


def _result(m: Expr, target: str, inputs: list[str], values: dict[str, float],
            exact: dict[str, Fraction] | None, linear: bool,
            method: tuple[str, dict[str, Any]], y: np.ndarray,
            pred: np.ndarray, steps: list[tuple[str, dict[str, Any]]],
            exact_resid: list[Fraction] | None = None,
            exact_y: list[Fraction] | None = None) -> FitResult:
    """Residuals, their sum of squares and R²: from exact fractions when the fit was
    exact (so 0.2 is 0.2, not 0.20000000000000007), else in floating point."""
    notes: list[tuple[str, dict[str, Any]]] = []
    if exact_resid is not None and exact_y is not None:
        resid = np.array([float(r) for r in exact_resid])
        sse_e = sum(r * r for r in exact_resid)
        mean = sum(exact_y) / len(exact_y)
        sst_e = sum((v - mean) ** 2 for v in exact_y)
        sse = float(sse_e)
        r2 = float(1 - sse_e / sst_e) if sst_e else math.nan
        sst = float(sst_e)
    else:
        resid = y - pred
        sse = float(resid @ resid)
        sst = float(((y - y.mean()) ** 2).sum())
        r2 = 1 - sse / sst if sst != 0 else math.nan
    bad = [Msg("fit.what_param", {"p": k}) for k, v in values.items() if not math.isfinite(v)]
    if bad or not math.isfinite(sse):
        numfmt.finite(math.nan if bad else sse,  # raises, saying what and why
                      bad[0] if bad else Msg("fit.what_sse"))
    if sst == 0:
        notes.append(("r2_undefined", {}))
    return FitResult(m, target, inputs, values, exact, linear, resid, sse, r2, len(y),
                     steps, note_keys=notes, method_key=method)
