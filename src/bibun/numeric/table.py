"""The limit made visible: difference quotients as h shrinks, truncation error
falling, then rounding error rising."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bibun import i18n
from bibun.errors import BibunError
from bibun.i18n import error
from bibun.numeric.derivative import derivative
from bibun.numeric.display import table_bundle
from bibun.numeric.estimate import EPS, NumericWarning

# -- the limit, made visible ---------------------------------------------------------------


_TABLE_METHODS = ("forward", "backward", "central", "complex")


@dataclass
class DifferenceTable:
    """Difference quotients for h = 10^-1 … 10^-16, per method.

    ``quotients[m]`` and (when the exact derivative is known) ``errors[m]`` are arrays
    aligned with ``h``.  ``optimal_h[m]`` is the step with the smallest error: measured
    when ``exact`` is known, otherwise estimated against an adaptive :func:`derivative`
    reference (see :func:`_optimal_without_exact`).
    ``theory_h[m]`` is the textbook balance of truncation and rounding
    (forward: 2√(ε|f|/|f''|), central: ∛(3ε|f|/|f'''|)).
    """

    x: float
    h: np.ndarray
    quotients: dict[str, np.ndarray]
    errors: dict[str, np.ndarray] | None
    exact: float | None
    optimal_h: dict[str, float]
    theory_h: dict[str, float] = field(default_factory=dict)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: the quotients for each h and the error plot."""
        return table_bundle(self)

    @property
    def methods(self) -> list[str]:
        return list(self.quotients)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per h (JSON-friendly)."""
        out = []
        for i, hv in enumerate(self.h):
            row: dict[str, Any] = {"h": float(hv)}
            for m in self.methods:
                row[m] = float(self.quotients[m][i])
                if self.errors is not None:
                    row[f"{m}_error"] = float(self.errors[m][i])
            out.append(row)
        return out

    def __str__(self) -> str:
        return self.render(i18n.FALLBACK)

    def render(self, lang: str | None = None) -> str:
        """The table as text in ``lang`` (None: the default language); ``str()`` is
        English."""
        head = ["h".rjust(7)]
        for m in self.methods:
            head.append(m.rjust(22))
            if self.errors is not None:
                head.append(i18n.pad(i18n.text("numdiff.table.error", lang), 9, right=True))
        title = i18n.text("numdiff.table.title", lang, x=repr(self.x))
        if self.exact is not None:
            title += i18n.text("numdiff.table.exact", lang, exact=repr(self.exact))
        lines = [title, " ".join(head)]
        for i, hv in enumerate(self.h):
            cells = [f"{hv:7.0e}"]
            for m in self.methods:
                cells.append(f"{self.quotients[m][i]:22.16g}")
                if self.errors is not None:
                    cells.append(f"{self.errors[m][i]:9.1e}")
            lines.append(" ".join(cells))
        for m in self.methods:
            extra = i18n.text("numdiff.table.theory", lang, h=self.theory_h[m]) \
                if m in self.theory_h else ""
            lines.append(i18n.text("numdiff.table.best", lang, method=m, h=self.optimal_h[m],
                                   theory=extra))
        return "\n".join(lines)


def difference_table(f: Callable[[Any], Any], x: float, method: str | Sequence[str] = "all",
                     exact: float | None = None, *, hs: Sequence[float] | None = None) -> \
        DifferenceTable:
    """The difference quotient for h = 10^-1, 10^-2, …, 10^-16 (or ``hs``).

    Shows the limit definition at work: the truncation error shrinks with h until
    rounding error (≈ ε|f|/h) takes over.  ``method`` is one of "forward", "backward",
    "central", "complex" (no subtraction, so no rounding growth), a list of them, or
    "all".  ``exact`` adds a column of true errors.  This is the one implementation of
    the quotient table; ``calculus.limit_quotient`` builds on it.
    """
    if isinstance(method, str):
        methods = list(_TABLE_METHODS) if method == "all" else [method]
    else:
        methods = list(method)
    for m in methods:
        if m not in _TABLE_METHODS:
            raise error("error.numeric.unknown_difference", m=repr(m),
                        methods=', '.join(_TABLE_METHODS))
    xv = float(x)
    hv = np.array(hs if hs is not None else [10.0**-k for k in range(1, 17)], dtype=float)
    if method == "all":
        try:
            with np.errstate(all="ignore"):
                ok = np.iscomplexobj(np.asarray(f(np.asarray(complex(xv, 1e-20)))))
        except Exception:
            ok = False
        if not ok:
            methods.remove("complex")

    def ev(t: Any) -> Any:
        # f gets a 0-d array (never a Python float), as everywhere in bibun.numeric
        with np.errstate(all="ignore"):
            return f(np.asarray(t))

    fx = ev(xv)
    quot: dict[str, np.ndarray] = {}
    for m in methods:
        vals = []
        for hh in hv:
            if m == "forward":
                vals.append((ev(xv + hh) - fx) / hh)
            elif m == "backward":
                vals.append((fx - ev(xv - hh)) / hh)
            elif m == "central":
                vals.append((ev(xv + hh) - ev(xv - hh)) / (2 * hh))
            else:
                vals.append(np.imag(ev(complex(xv, hh))) / hh)
        quot[m] = np.array(vals, dtype=float)
    errors = None
    optimal: dict[str, float] = {}
    if exact is not None:
        errors = {m: np.abs(q - float(exact)) for m, q in quot.items()}
        for m in methods:
            e = np.where(np.isfinite(errors[m]), errors[m], np.inf)
            optimal[m] = float(hv[int(np.argmin(e))])
    else:
        optimal = _optimal_without_exact(f, xv, hv, quot)
    theory: dict[str, float] = {}
    try:
        f2 = abs(derivative(f, xv, 2).value)
        f3 = abs(derivative(f, xv, 3).value)
        af = abs(float(fx))
        for m in methods:
            if m in ("forward", "backward") and f2 > 0:
                theory[m] = 2 * math.sqrt(EPS * max(af, EPS) / f2)
            elif m == "central" and f3 > 0:
                theory[m] = (3 * EPS * max(af, EPS) / f3) ** (1 / 3)
    except (BibunError, ValueError, TypeError):
        pass
    return DifferenceTable(xv, hv, quot, errors, None if exact is None else float(exact),
                           optimal, theory)


def _optimal_without_exact(f: Callable[[Any], Any], x: float, hv: np.ndarray,
                           quot: dict[str, np.ndarray]) -> dict[str, float]:
    """The best step per method when the exact derivative is not known.

    "Where successive quotients agree best" is fooled by two rows that happen to be
    equal (for e^x at 1 the backward quotients at 1e-11 and 1e-12 coincide, rounding
    noise both).  Instead every row is compared with an independent reference, the
    adaptive :func:`derivative` (complex step or Richardson, with its own error bar):
    the estimated error of a row is |quotient - reference|, and rows within the
    reference's own error are ties, resolved towards the larger step for differences
    (less rounding) and the smaller one for the complex step.
    Without a trustworthy reference (a corner, a singularity) the old rule is the
    fallback.
    """
    ref = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericWarning)
            est = derivative(f, x)
        if est.ok and np.isfinite(est.value) and np.isfinite(est.error_estimate):
            ref = est
    except BibunError:
        pass
    out: dict[str, float] = {}
    for m, q in quot.items():
        if ref is not None:
            with np.errstate(invalid="ignore"):
                e = np.maximum(np.abs(q - ref.value), ref.error_estimate)
            e = np.where(np.isfinite(e), e, np.inf)
            if np.isfinite(e).any():
                # ties: the largest h for differences (rounding grows as h shrinks), the
                # smallest for the complex step (no subtraction, so no rounding growth)
                i = int(np.argmin(e)) if m != "complex" else len(e) - 1 - int(np.argmin(e[::-1]))
                out[m] = float(hv[i])
                continue
        dq = np.abs(np.diff(q))
        dq = np.where(np.isfinite(dq), dq, np.inf)
        out[m] = float(hv[int(np.argmin(dq)) + 1]) if dq.size else float(hv[0])
    return out


