"""`bibun numdiff`: a numerical derivative with its error bar, next to the exact one.

    bibun numdiff "0.01x^2 + 0.1x" --at x=5
    bibun numdiff "0.01x^2 + 0.1x" --at x=5 --method central --h 1e-4   # the book's number
    bibun numdiff "x0^2 + x1^2" --at x0=3,x1=4 --wrt x0                 # a partial derivative
    bibun numdiff "exp(x)" --at x=1 --table                            # the limit, made visible

Because EXPR is a formula, bibun also knows the exact derivative, so the output shows
the true error next to the estimated one.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from typing import Any

from bibun import i18n
from bibun.cli._args import parse_assignments, read_formula
from bibun.cli._help import help_lang
from bibun.codegen import compile as compile_expr
from bibun.errors import BibunError
from bibun.expr.core import Expr
from bibun.expr.numbers import to_float
from bibun.i18n import error
from bibun.numeric import (
    METHODS,
    NumericWarning,
    derivative,
    difference_table,
    formula_analytic,
)
from bibun.smoothness import not_smooth_at
from bibun.symbolic import default_variable, diff


def _point(text: str) -> dict[str, float]:
    """``x=3,y=pi/2`` -> {"x": 3.0, "y": 1.5707...}: the shared --at parser, as floats
    (the numeric methods work in floating point)."""
    return {name: to_float(v) for name, v in parse_assignments(text, "--at").items()}


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _fmt(v: float | None) -> str:
    return i18n.text("numdiff.undefined") if v is None else repr(float(v))


def _said(exc: Exception) -> str:
    """An error's message in the command's language (its own text if it has no key)."""
    return i18n.message(exc) if getattr(exc, "key", None) else str(exc)


def _exact(e: Expr, d: Expr, var: str, point: dict[str, float]) -> tuple[float | None, str]:
    """The exact derivative's value at ``point`` (every variable), or None with the
    reason (a corner, a pole...)."""
    try:
        why = not_smooth_at(e, var, point)
    except BibunError as exc:
        return None, _said(exc)
    if why:
        return None, why
    try:
        v = float(d.evaluate({k: point[k] for k in d.free}) if d.free else d.evaluate())
    except (BibunError, ValueError, ZeroDivisionError, OverflowError) as exc:
        return None, _said(exc)
    return (v, "") if math.isfinite(v) else (None, i18n.text("numdiff.not_finite"))


def run_numdiff(args: Any) -> int:
    expr = read_formula(args.expr)
    point = _point(args.at)
    var = args.wrt or (default_variable(expr) if len(point) != 1 else next(iter(point)))
    if var not in point:
        raise error("error.cli.at_variable", var=var)
    missing = sorted(expr.free - set(point))
    if missing:
        raise error("error.cli.at_missing", missing=', '.join(missing))
    x0 = point[var]
    others = {k: v for k, v in point.items() if k != var and k in expr.free}
    fixed = expr.subs(others) if others else expr
    fixed.evaluate({var: x0})  # a clear DomainError if f itself is undefined at the point
    fn = compile_expr(fixed, [var])
    method = args.method
    if args.h is not None and method == "auto":
        method = "central"  # a step was asked for: the textbook central difference
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NumericWarning)
        est = derivative(fn, x0, n=args.order, method=method, h=args.h,
                         analytic=formula_analytic(fixed))
    # the exact (partial) derivative of the whole formula: ∂(x^2 y)/∂x = 2xy, not the
    # derivative of the formula with the other variables already substituted
    d = diff(expr, var, args.order)
    exact, why = _exact(expr, d, var, point)
    abs_error = None if exact is None else abs(est.value - exact)
    table = None
    if args.table:
        if args.order != 1:
            raise error("error.cli.table_order")
        tmethod = method if method in ("forward", "backward", "central", "complex") else "all"
        table = difference_table(fn, x0, tmethod, exact=exact)
    variables = [k for k in point if k in expr.free] or [var]
    multi = len(variables) > 1
    if multi:  # a partial derivative: ∂f/∂x, ∂²f/∂x²
        sup = "" if args.order == 1 else str(args.order).translate(_SUPERSCRIPT)
        label = f"∂{sup}f/∂{var}{sup}"
    else:
        label = "f" + ("'" * args.order if args.order <= 3 else f"^({args.order})")
    at = ", ".join(f"{k} = {v:g}" for k, v in point.items())
    if args.format == "json":
        out = {"expression": str(expr), "variable": var, "at": point, "order": args.order,
               "method": est.method, "value": est.value, "error_estimate": est.error_estimate,
               "exact": exact, "abs_error": abs_error, "h": est.h,
               "evaluations": est.evaluations, "flags": list(est.flags),
               "derivative": str(d)}
        if table is not None:
            out["table"] = table.rows()
            out["optimal_h"] = table.optimal_h
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    lang = args.lang
    print(i18n.text("numdiff.head", lang, variables=", ".join(variables), expr=expr, at=at))
    print(i18n.text("numdiff.numeric" if est.evaluations != 1 else "numdiff.numeric_one", lang,
                    label=label, value=_fmt(est.value), error=est.error_estimate,
                    method=est.method, h=est.h, n=est.evaluations))
    print(i18n.text("numdiff.exact", lang, label=label, value=_fmt(exact), d=d)
          + (f"; {why}" if why else ""))
    if abs_error is not None:
        within = abs_error <= est.error_estimate
        print(i18n.text("numdiff.true_error" if within else "numdiff.true_error_outside", lang,
                        error=abs_error))
    for fl in est.flags:
        print(i18n.text("numdiff.note", lang, note=fl))
    for w in caught:
        if not issubclass(w.category, NumericWarning):
            print(i18n.text("cli.warning", lang, message=str(w.message)), file=sys.stderr)
    if table is not None:
        print()
        print(table.render(lang))
    return 0


def register(sub: Any) -> None:
    hl = help_lang()
    p = sub.add_parser("numdiff", help=i18n.text("help.numdiff", hl))
    p.add_argument("expr", help=i18n.text("help.numdiff.expr", hl))
    p.add_argument("--at", required=True, help=i18n.text("help.numdiff.at", hl))
    p.add_argument("--wrt", help=i18n.text("help.numdiff.wrt", hl))
    p.add_argument("--order", type=int, default=1, help=i18n.text("help.numdiff.order", hl))
    p.add_argument("--method", choices=METHODS, default="auto",
                   help=i18n.text("help.numdiff.method", hl))
    p.add_argument("--h", type=float, default=None,
                   help=i18n.text("help.numdiff.h", hl))
    p.add_argument("--table", action="store_true",
                   help=i18n.text("help.numdiff.table", hl))
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run_numdiff)
