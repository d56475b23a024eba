"""Gradient checking, once: an analytic gradient against a numerical one.

Two callers need it. :func:`gradcheck` checks a hand-written gradient of a plain
function with :func:`bibun.numeric.gradient` (Richardson or the complex step, with an
error estimate); :mod:`bibun.autodiff.check` checks what ``backward()`` computed for
Tensors and Parameters with :func:`central_differences_in_place`.  Both compare with
:func:`compare` and report with :class:`GradcheckReport`, so the pass rule and the
report read the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun import i18n
from bibun.errors import BibunError
from bibun.numeric.calling import _as_float_array
from bibun.numeric.multivariate import gradient

SHOWN = 20  # components listed for a failing input, the worst first


@dataclass
class InputCheck:
    """One input's analytic vs numerical gradient, component by component.

    A component passes when ``|analytic - numeric| <= atol + rtol·|numeric| +
    2·numeric_error``: the numerical side's own error bar is allowed for, so a correct
    gradient never fails because the reference is imprecise.
    """

    name: str
    analytic: np.ndarray
    numeric: np.ndarray
    numeric_error: np.ndarray
    abs_error: np.ndarray
    rel_error: np.ndarray
    passed_mask: np.ndarray

    @property
    def ok(self) -> bool:
        return bool(self.passed_mask.all())

    @property
    def shape(self) -> tuple[int, ...]:
        return self.numeric.shape

    @property
    def max_abs_error(self) -> float:
        return float(self.abs_error.max()) if self.abs_error.size else 0.0

    @property
    def max_rel_error(self) -> float:
        return float(self.rel_error.max()) if self.rel_error.size else 0.0

    @property
    def worst(self) -> tuple[int, ...]:
        """Index of the component with the largest relative error."""
        if not self.rel_error.size:
            return ()
        flat = int(np.argmax(self.rel_error))
        return tuple(int(i) for i in np.unravel_index(flat, self.rel_error.shape))


def compare(name: str, analytic: Any, numeric: Any, numeric_error: Any, rtol: float,
            atol: float) -> InputCheck:
    """The one pass rule (see :class:`InputCheck`)."""
    nv = np.asarray(numeric, dtype=float)
    ne = np.broadcast_to(np.asarray(numeric_error, dtype=float), nv.shape)
    ana = np.asarray(analytic, dtype=float)
    if ana.shape != nv.shape:
        if ana.size != nv.size:
            raise i18n.error("gradcheck.bad_shape", BibunError, name=name, got=ana.shape,
                             want=nv.shape)
        ana = ana.reshape(nv.shape)
    abs_err = np.abs(ana - nv)
    denom = np.maximum(np.maximum(np.abs(ana), np.abs(nv)), np.finfo(float).tiny)
    rel = np.where(abs_err <= atol, 0.0, abs_err / denom)
    ok = abs_err <= atol + rtol * np.abs(nv) + 2 * ne
    return InputCheck(name, ana, nv, np.array(ne), abs_err, rel, ok)


@dataclass
class GradcheckReport:
    """Every input's check; true when all pass.  ``str()`` is the English table,
    :meth:`render` any language."""

    checks: list[InputCheck] = field(default_factory=list)
    rtol: float = 1e-6
    atol: float = 1e-8

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    passed = ok

    def __bool__(self) -> bool:
        return self.ok

    # one-input conveniences (numeric.gradcheck checks a single x)
    @property
    def worst(self) -> tuple[int, ...]:
        return max(self.checks, key=lambda c: c.max_rel_error).worst if self.checks else ()

    @property
    def max_abs_error(self) -> float:
        return max((c.max_abs_error for c in self.checks), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((c.max_rel_error for c in self.checks), default=0.0)

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str | None = None) -> str:
        lang = i18n.resolve(lang)

        def t(key: str, **kw: Any) -> str:
            return i18n.text(f"gradcheck.{key}", lang, **kw)

        n_ok = sum(c.ok for c in self.checks)
        lines = [t("title", verdict=t("pass") if self.ok else t("fail"), ok=n_ok,
                   n=len(self.checks), atol=f"{self.atol:g}", rtol=f"{self.rtol:g}"),
                 "  " + "  ".join(i18n.pad(t(h), w, right=r) for h, w, r in _COLUMNS).rstrip()]
        for c in self.checks:
            cells = [c.name, str(c.shape), f"{c.max_abs_error:.3e}", f"{c.max_rel_error:.3e}",
                     str(c.worst), t("ok") if c.ok else t("fails")]
            lines.append("  " + "  ".join(i18n.pad(v, w, right=r)
                                          for v, (_, w, r) in zip(cells, _COLUMNS)).rstrip())
        for c in self.checks:
            if not c.ok:
                lines.extend(_components(c, t))
        return "\n".join(lines)


_COLUMNS = [("input", 12, False), ("shape", 10, False), ("max_abs", 12, True),
            ("max_rel", 12, True), ("worst_at", 10, False), ("verdict", 6, False)]


def _components(c: InputCheck, t: Callable[..., str]) -> list[str]:
    """The worst components of a failing input, one line each."""
    lines = [t("components", name=c.name),
             "    " + " ".join(i18n.pad(t(h), w, right=True) for h, w in
                          (("index", 10), ("analytic", 22), ("numeric", 22), ("abs_err", 10),
                           ("rel_err", 10)))]
    order = np.argsort(-c.rel_error.ravel(), kind="stable")
    for flat in order[:SHOWN]:
        idx = np.unravel_index(int(flat), c.rel_error.shape)
        mark = "" if c.passed_mask[idx] else "  <-- " + t("fails")
        lines.append(f"    {str(tuple(int(i) for i in idx)):>10} {c.analytic[idx]:22.15g} "
                     f"{c.numeric[idx]:22.15g} {c.abs_error[idx]:10.2e} "
                     f"{c.rel_error[idx]:10.2e}{mark}")
    if order.size > SHOWN:
        lines.append("    " + t("more", n=order.size - SHOWN, shown=SHOWN))
    return lines


def central_differences_in_place(x: np.ndarray, f: Callable[[], float], eps: float = 1e-6
                                 ) -> tuple[np.ndarray, np.ndarray]:
    """(gradient, error estimate) of ``f()`` with respect to the float64 array ``x``
    that ``f`` reads, by central differences, perturbing ``x`` in place and restoring
    it (the way *Deep Learning from Scratch*'s ``numerical_gradient`` does, so ``f`` may
    read captured parameters).  The step is ``eps·max(1, |x_i|)``; the estimate is the
    difference between the quotients at h and 2h (the truncation error of the h one is
    about a quarter of it) plus rounding."""
    grad = np.zeros(x.shape)
    err = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = float(x[i])
        h = eps * max(1.0, abs(old))
        vals = []
        for s in (h, -h, 2 * h, -2 * h):
            x[i] = old + s
            vals.append(float(f()))
        x[i] = old
        d1 = (vals[0] - vals[1]) / (2 * h)
        d2 = (vals[2] - vals[3]) / (4 * h)
        scale = max(abs(v) for v in vals)
        grad[i] = d1
        err[i] = abs(d1 - d2) / 3 + 4 * np.finfo(float).eps * scale / h
    return grad, err


def gradcheck(f: Callable[[Any], Any], grad_f: Callable[[Any], Any] | Any, x: Any,
              rtol: float = 1e-6, atol: float = 1e-8, method: str = "auto") -> GradcheckReport:
    """Check a hand-written gradient ``grad_f`` (a function, or its value at x) of the
    scalar ``f`` against :func:`gradient` at ``x``; returns a readable report."""
    xs, _ = _as_float_array(x, "x")
    num = gradient(f, xs, method=method)
    ana = grad_f(xs.copy()) if callable(grad_f) else grad_f
    check = compare("x", ana, num.value, num.error_estimate, rtol, atol)
    return GradcheckReport([check], rtol, atol)
