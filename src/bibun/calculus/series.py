"""Taylor and Maclaurin series with exact coefficients."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bibun.calculus.common import _at, _check_smooth, as_function, as_number, one_variable
from bibun.calculus.display import series_bundle
from bibun.errors import DomainError, LimitError
from bibun.expr import core
from bibun.expr.core import Expr, as_expr
from bibun.i18n import error
from bibun.symbolic import diff, diff_once

# -- Taylor series ------------------------------------------------------------------------

_SUPERSCRIPT_FACT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass(frozen=True)
class Series:
    """Taylor polynomial Σ f^(k)(a)/k! (x - a)^k for k = 0..order, exact coefficients.

    ``derivatives[k]`` is f^(k)(a) and ``coefficients[k]`` is f^(k)(a)/k!, both as
    expressions (1, e, cos(1), 1/6 ...).  ``polynomial`` is the sum as one expression.
    """

    expr: Expr
    var: str
    at: Expr
    order: int
    derivatives: tuple[Expr, ...]
    coefficients: tuple[Expr, ...]
    polynomial: Expr = field(repr=False)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: the polynomial and its coefficients."""
        return series_bundle(self)

    def _base(self) -> Expr:
        x = core.symbol(self.var)
        return x if self.at is core.ZERO else core.add(x, core.neg(self.at))

    def terms(self) -> list[Expr]:
        """The nonzero terms c_k (x - a)^k in ascending order of k."""
        b = self._base()
        return [core.mul(c, core.power(b, core.number(k)))
                for k, c in enumerate(self.coefficients) if c is not core.ZERO]

    def truncated(self, order: int) -> Series:
        """The same series cut at a lower order (a partial sum with its own text)."""
        if not 0 <= order <= self.order:
            raise error("error.series.order_range", order=order, top=self.order)
        b = self._base()
        poly = core.add(*(core.mul(c, core.power(b, core.number(k)))
                          for k, c in enumerate(self.coefficients[: order + 1])))
        return Series(self.expr, self.var, self.at, order, self.derivatives[: order + 1],
                      self.coefficients[: order + 1], poly)

    def partial_sums(self) -> list[Expr]:
        """S_0, S_1, ..., S_order: the polynomials a plot of convergence needs."""
        b = self._base()
        out, acc = [], core.ZERO
        for k, c in enumerate(self.coefficients):
            acc = core.add(acc, core.mul(c, core.power(b, core.number(k))))
            out.append(acc)
        return out

    def text(self, style: str = "plain", fmt: str = "text", remainder: bool = False) -> str:
        """Ascending terms, as a textbook writes a series.

        ``style="factorial"`` keeps the factorials visible, as the seed writes e^x:
        ``1 + x/1! + x^2/2! + x^3/3!``; ``"plain"`` reduces them: ``1 + x + x^2/2 + x^3/6``.
        ``fmt`` is ``text``, ``unicode`` or ``latex``.
        """
        if style not in ("plain", "factorial"):
            raise error("error.series.style", style=repr(style))
        parts: list[str] = []
        b = self._base()
        for k, d in enumerate(self.derivatives):
            if d is core.ZERO:
                continue
            if style == "plain" or k == 0:
                t = core.mul(self.coefficients[k], core.power(b, core.number(k)))
                parts.append(_render(t, fmt))
                continue
            neg = _negative(d)
            num = core.mul(core.neg(d) if neg else d, core.power(b, core.number(k)))
            s = _render(num, fmt)
            if num.op == core.ADD or (fmt != "latex" and "/" in s):
                s = f"\\left({s}\\right)" if fmt == "latex" else f"({s})"
            s = f"\\frac{{{s}}}{{{k}!}}" if fmt == "latex" else f"{s}/{k}!"
            parts.append(("-" if neg else "") + s)
        if not parts:
            parts = ["0"]
        out = parts[0]
        for p in parts[1:]:
            if p.startswith("-") or p.startswith("−"):
                out += " - " + p[1:]
            else:
                out += " + " + p
        if remainder:
            n = self.order + 1
            bs = _render(b, fmt)
            if b.op == core.ADD:
                bs = f"({bs})"
            r = {"latex": f"O\\left({bs}^{{{n}}}\\right)", "unicode": f"O({bs}{_sup(n)})"}
            out += " + " + r.get(fmt, f"O({bs}^{n})")
        return out

    def __call__(self, x: Any) -> Any:
        """Value of the Taylor polynomial at x (float or array)."""
        return as_function(self.polynomial, [self.var])(x)

    def __str__(self) -> str:
        return self.text()


def _sup(n: int) -> str:
    return str(n).translate(_SUPERSCRIPT_FACT)


def _negative(e: Expr) -> bool:
    c, _ = core.coeff_rest(e)
    return c < 0


def _render(e: Expr, fmt: str) -> str:
    if fmt == "latex":
        return e.latex()
    if fmt == "unicode":
        return e.unicode()
    if fmt != "text":
        raise error("error.series.format", fmt=repr(fmt))
    return str(e)


#: a Taylor polynomial beyond this order is more than a learner reads, and derivatives
#: of expressions such as tan grow quickly
MAX_SERIES_ORDER = 30


def series(expr: Any, var: str | None = None, at: Any = 0, order: int = 5) -> Series:
    """Taylor polynomial of ``expr`` about ``at`` up to (x - at)^order.

    Coefficients are exact: each derivative comes from :func:`bibun.diff` and is
    evaluated at the point by exact substitution, then divided by k! as a rational.
    ``series("e^x", order=3)`` is 1 + x + x^2/2 + x^3/6; ``.text("factorial")`` shows
    1 + x/1! + x^2/2! + x^3/3! as the seed writes it.
    """
    e = as_expr(expr)
    v = one_variable(e, var, "series")
    if not isinstance(order, int) or order < 0:
        raise error("error.series.order_whole", order=repr(order))
    if order > MAX_SERIES_ORDER:
        raise error("error.series.order_limit", LimitError, order=order, limit=MAX_SERIES_ORDER)
    a = as_number(at, "the expansion point")
    _check_smooth(e, v, a)
    if order > 2:
        cost = estimated_work(e, v, order)
        if cost > SERIES_WORK_LIMIT:
            raise error("error.series.work", LimitError, order=order, estimate=cost,
                        limit=SERIES_WORK_LIMIT)
    derivs: list[Expr] = []
    coeffs: list[Expr] = []
    d = e
    fact = 1
    for k in range(order + 1):
        if k:
            d = diff(d, v)
            fact *= k
        what = f"the {_ordinal(k)} derivative of {e}" if k else str(e)
        try:
            dk = _at(d, v, a, what)
        except DomainError as exc:
            raise error("error.series.no_taylor", DomainError, e=e, v=v, a=a, exc=exc) from None
        derivs.append(dk)
        coeffs.append(core.mul(core.number(Fraction(1, fact)), dk))
    x = core.symbol(v)
    b = x if a is core.ZERO else core.add(x, core.neg(a))
    poly = core.add(*(core.mul(c, core.power(b, core.number(k))) for k, c in enumerate(coeffs)))
    return Series(e, v, a, order, tuple(derivs), tuple(coeffs), poly)


#: terms and factors the derivatives of one series may be estimated to write out before
#: it is refused up front (1.5x what :func:`bibun.diff` allows one derivative, because
#: the estimate is one): 50 nested sines to order 4 estimate ~6 million and are refused
#: in a hundredth of a second instead of after ~3 s of work that diff would refuse anyway
SERIES_WORK_LIMIT = 3_000_000
#: how much one function call adds to the depth of a chain: exp's derivative is itself
#: (a nest of them grows slowly), sigmoid's and tanh's are polynomials in themselves that
#: each derivative multiplies out (their nests grow ~1.5x faster than sin's); others 1
_DEPTH = {"exp": 0.0, "sigmoid": 1.5, "tanh": 1.5}


def chain_depth(e: Expr, var: str) -> float:
    """The longest chain of compositions containing ``var``: function calls (weighted by
    :data:`_DEPTH`) and powers with ``var`` in the base.  Each derivative of a chain of
    depth D multiplies the work of the chain rule by about 0.75·D (measured on nests of
    sin, log, sqrt, tanh and sigmoid of depth 5 to 300)."""
    depth: dict[Expr, float] = {}
    for node in core.postorder(e, within=var):
        below = max((depth.get(a, 0.0) for a in node.args), default=0.0)
        if node.op == core.FN:
            below += _DEPTH.get(node.value, 1.0)
        elif node.op == core.POW and var in node.args[0].free:
            below += 1.0
        depth[node] = below
    return depth.get(e, 0.0)


def estimated_work(expr: Any, var: str, order: int) -> int:
    """Terms and factors the first ``order`` derivatives of ``expr`` would write out,
    estimated before the work: the first two derivatives are taken (a linear and a
    quadratic walk, milliseconds) and extrapolated by the growth per order of the chain
    rule, 0.75·:func:`chain_depth` (at least 1).  Within ~2x for nests of sin, log,
    sqrt, tanh, sigmoid; an overestimate is kept small by leaving exp out of the depth."""
    e = as_expr(expr)
    x = core.symbol(var)
    growth = max(1.0, 0.75 * chain_depth(e, var))
    work = [0]
    d = diff_once(e, x, None, {}, [True], work)
    # the growth from the 1st to the 2nd derivative is below the rest's: extrapolating
    # from the 1st alone overestimates, so it decides only a request 10x over the limit
    if order < 2 or work[0] * growth ** (order - 1) > 10 * SERIES_WORK_LIMIT:
        return int(work[0] * growth ** max(order - 1, 0))
    diff_once(d, x, None, {}, [True], work)
    return int(work[0] * growth ** (order - 2))


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


