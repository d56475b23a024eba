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
from bibun.expr import core
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


def human(v: Any, digits: int = 6) -> str:
    """A number for reading: an exact integer or fraction as it is (7/22), a float to
    ``digits`` significant digits (1.1, never 1.0999999999999999), never ``-0``."""
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else str(v)
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    return f"{v + 0.0:.{digits}g}"


def _decimal_of(q: Fraction, digits: int = 6) -> str:
    """``= 3.6`` when the fraction is that decimal exactly, else ``≈ 0.318182``."""
    text = human(float(q), digits)
    try:
        exact = Fraction(text) == q
    except ValueError:
        exact = False
    return f"= {text}" if exact else f"≈ {text}"


def _linear_text(coeffs: list[Any], names: list[str]) -> str:
    """55·a + 15·b, with a minus sign instead of ``+ -1.2·c``."""
    out = ""
    for c, name in zip(coeffs, names):
        t = human(c)
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
        """The fitted model for reading: floats rounded to 6 significant digits."""
        if self.exact:
            return self.fitted
        return self.model.subs({k: core.number(float(human(v)))
                                for k, v in self.params.items()})

    def predict(self, **columns: Any) -> np.ndarray:
        return as_function(self.fitted, self.inputs)(*(columns[c] for c in self.inputs))

    def summary(self, lang: str = "en") -> str:
        """The whole report: derivation, parameters (exact fractions when known), R²,
        residuals and the gradient-descent comparison; ``lang`` is en or ja.  Numbers are
        exact where they are exact, else rounded to 6 significant digits."""
        method = _msg(lang, self.method_key[0], **self.method_key[1])
        sep = i18n.text("fit.column_separator", lang)
        columns = "".join(f"{sep}{m} = {c}" for m, c in self.aliases.items())
        lines = [_msg(lang, "model", t=self.target, m=self.model, n=self.n, method=method,
                      columns=columns)]
        lines.extend(self.derivation_lines(lang))
        lines.append(_msg(lang, "parameters"))
        for k, v in self.params.items():
            ex = self.exact.get(k) if self.exact else None
            if ex is None:
                shown = human(v)
            elif ex.denominator == 1:
                shown = human(ex)
            else:
                shown = f"{human(ex)}  ({_decimal_of(ex)})"
            lines.append(f"  {k} = {shown}")
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
            lines.append(_msg(lang, "gd", lr=g.lr, outcome=outcome,
                              params=", ".join(f"{k} = {human(v)}" for k, v in g.params.items()),
                              d=g.max_difference))
            if g.reason != "converged":
                lines.append(_msg(lang, "kappa", k=g.condition))
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
    if sst == 0:
        notes.append(("r2_undefined", {}))
    return FitResult(m, target, inputs, values, exact, linear, resid, sse, r2, len(y),
                     steps, note_keys=notes, method_key=method)
