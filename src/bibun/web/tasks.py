"""The computations behind the web API, as plain functions of JSON-like payloads.

They run inside worker processes (see :mod:`bibun.web.pool`), never in the web server,
so a formula that explodes costs one killed worker, not the server.  Each task takes a
validated payload dict and returns a JSON-ready dict; bibun errors become
``("error", {...})`` results that the API turns into 4xx responses.

User text is only ever *parsed* by bibun's grammar (never evaluated as code), and no
task touches the file system.

Errors speak one vocabulary (docs/web.md): every failure is a ``kind`` (parse, limit,
domain, input, ...) and a message from the catalogs in the request's ``lang``; no Python
exception name ever reaches the page.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from bibun import calculus, i18n
from bibun import descend as descend_mod
from bibun.autodiff import to_svg
from bibun.autodiff.draw import collect
from bibun.autodiff.expr_graph import tensor_from_expr
from bibun.calculus.sampling import sample
from bibun.errors import BibunError, DomainError, LimitError, ParseError
from bibun.explain import check_answer, derivation
from bibun.explain import forms as derivative_forms
from bibun.expr.constants import constant_names, variable_among
from bibun.expr.core import Expr
from bibun.expr.evaluate import evaluate_numeric
from bibun.expr.mathml import to_mathml
from bibun.expr.parse import Parsed, parse_full, variable_name
from bibun.expr.printers import to_latex, to_text, to_unicode
from bibun.expr.reading import doubtful
from bibun.expr.shared import render as render_shared
from bibun.i18n import resolve as resolve_lang
from bibun.numeric import derivative as numeric_derivative
from bibun.smoothness import derivative_at, nondifferentiable_points
from bibun.symbolic import default_variable, diff
from bibun.verify import three_way

log = logging.getLogger("bibun.web")

#: plots and grids are sampled server-side; these keep responses small
MAX_SAMPLES = 2000
MAX_GRID = 80
MAX_STEPS = 2000


# -- helpers -------------------------------------------------------------------------------


def mathml(e: Expr, display: str = "inline") -> str:
    """Presentation MathML from bibun's printer (the one the explanations use too)."""
    return to_mathml(e, display)


def formula(e: Expr) -> dict[str, str]:
    """Every spelling of one expression the page may want; a result too long to write
    as a tree (a high-order derivative of a deep nest) names its shared parts once."""
    printers = {"text": to_text, "unicode": to_unicode, "latex": to_latex, "mathml": mathml}
    return {fmt: render_shared(e, fmt) or write(e) for fmt, write in printers.items()}


def finite(x: Any) -> float | None:
    """A float for JSON, None for NaN/inf (JSON has no spelling for them)."""
    try:
        f = float(x)
    except (OverflowError, TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def number_out(v: Any) -> dict[str, Any]:
    """A value for the page: the float, ``text`` as a person writes it (the one formatter,
    :func:`bibun.i18n.format_number`: 0.866025, 2.5e-7, 1.26765e30) and, when the value
    is exact and short, its exact spelling (``exact``: 3/4, 12), never a 40-digit
    fraction.  A non-finite float has no text (JSON null), as it has no value."""
    out: dict[str, Any] = {"value": finite(v)}
    is_exact = isinstance(v, int | Fraction) and not isinstance(v, bool)
    if out["value"] is None and not is_exact:
        return out
    out["text"] = i18n.format_number(v)
    out["display"] = i18n.format_number(v, style="unicode")  # the page's: 2.5×10⁻⁷
    if is_exact and out["text"] == str(v):
        out["exact"] = out["text"]
    return out


def array_out(a: Any) -> list[float | None]:
    arr = np.asarray(a, dtype=float).ravel()
    return [float(v) if math.isfinite(v) else None for v in arr.tolist()]


def read_formula(text: str, syntax: str = "auto", derivative: bool = True) -> Parsed:
    """Parse text or LaTeX (``syntax``: auto, text, latex) into an expression.  The page's
    formula is the function being studied, so a leading ``d/dx`` operator is accepted
    (``Parsed.wrt``) in every panel; ``derivative=False`` for a learner's answer."""
    return parse_full(text, {"auto": None, "text": False, "latex": True}[syntax],
                      derivative=derivative)


def _derivative_input(p: dict) -> tuple[Expr, str | None, list[str]]:
    """The formula to differentiate, the chosen variable and the parser's warnings:
    ``d/dx (…)`` sets the variable, and a ``var`` that contradicts it is an error."""
    parsed = read_formula(p["expr"], p.get("syntax", "auto"))
    chosen = (variable_name(p["var"]) or p["var"]) if p.get("var") else None
    op = (variable_name(parsed.wrt) or parsed.wrt) if parsed.wrt else None
    if op and chosen and chosen != op:
        raise i18n.error("error.var_conflict", BibunError, operator=f"d/d{op}", var=op,
                         wrt=chosen)
    return parsed.expr, chosen or op, list(parsed.warnings)


def variable(e: Expr, var: str | None, constants: tuple[str, ...] = ()) -> str:
    """The chosen variable, else the formula's default one (x before others); with
    declared constants, the one name they leave (a constant itself is refused)."""
    if constants:
        return variable_among(e, var, constants)
    return var or default_variable(e)


def exact(x: float) -> int | Fraction | float:
    """A number typed into the page as the exact value the learner meant: 3.0 is 3 and
    0.1 is 1/10, so a tangent reads y = 6x - 9, not y = 9.0 + 6.0(x - 3.0)."""
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 2**53):
        return int(x)
    text = repr(float(x))
    if "e" not in text and len(text) <= 12:
        return Fraction(text)
    return float(x)


def _point(e: Expr, at: dict[str, float] | None, var: str, x: float | None = None) -> dict:
    """The evaluation point, with exact numbers.  A free symbol without a value is an
    error that names it: guessing 0 would hide a mistake."""
    pt: dict[str, Any] = {k: exact(v) for k, v in (at or {}).items()}
    if x is not None:
        pt[var] = exact(x)
    missing = sorted(e.free - set(pt))
    if missing:
        raise i18n.error("web.error.need_value", DomainError, names=missing)
    return {k: v for k, v in pt.items() if k in e.free}


# -- tasks ---------------------------------------------------------------------------------


def t_parse(p: dict) -> dict:
    """Live preview: the formula as understood, in every spelling, with its warnings."""
    parsed = read_formula(p["expr"], p.get("syntax", "auto"))
    e, warns = parsed.expr, list(parsed.warnings)
    return {"formula": formula(e), "variables": sorted(e.free), "warnings": warns,
            "default_variable": variable(e, parsed.wrt, constant_names(p.get("constants"))),
            # the CLI's "read as" echo: only when the reading could be doubted
            "read_as": e.unicode() if warns or doubtful(p["expr"], e) else None}


def _forms(d: Expr, e: Expr, lang: str) -> list[dict[str, Any]]:
    """Equivalent forms of the derivative (expanded, factored, common denominator,
    through the original function ...) from :func:`bibun.explain.forms`; the textbook
    form itself is the main answer and not repeated."""
    out: list[dict[str, Any]] = []
    for f in derivative_forms(d, e):
        expr = f[2]
        if expr is d or not isinstance(expr, Expr):
            continue
        label = f.label(lang) if hasattr(f, "label") else str(f[0])
        out.append({"name": label, "key": getattr(f, "key", ""), "formula": formula(expr)})
    return out


def _steps(e: Expr, var: str, lang: str) -> dict[str, Any]:
    """The derivation in MathML (the page), JSON (the CLI's ``--format json``) and text."""
    d = derivation(e, var)
    out: dict[str, Any] = {"available": True}
    for fmt in ("mathml", "json", "text"):
        out[fmt] = d.render(lang=lang, format=fmt)
    if isinstance(out.get("json"), str):
        with contextlib.suppress(ValueError):
            out["json"] = json.loads(out["json"])
    return out


def t_diff(p: dict) -> dict:
    """The derivative in textbook form, its other forms, steps and value at a point."""
    e, chosen, warns = _derivative_input(p)
    constants = constant_names(p.get("constants"))
    var = variable(e, chosen, constants)
    order = int(p.get("order", 1))
    d = diff(e, var, order)
    out: dict[str, Any] = {
        "expression": formula(e), "variable": var, "order": order,
        "constants": list(constants),
        "variables": sorted(e.free), "derivative": formula(d), "warnings": warns,
        "nondifferentiable": [str(n) for n in nondifferentiable_points(e, var)],
        "forms": _forms(d, e, p.get("lang", "en")) if p.get("forms", True) and order == 1
        else [],
    }
    if p.get("steps"):
        out["steps"] = _steps(e, var, p.get("lang", "en")) if order == 1 else {
            "available": False,
            "message": i18n.text("web.steps_first_order", resolve_lang(p.get("lang")))}
    at = p.get("at")
    if at:
        pt = _point(e, at, var)
        out["at"] = pt
        out["value"] = number_out(e.evaluate(pt))
        out["derivative_value"] = number_out(_derivative_at(e, d, var, pt))
    return out


def _derivative_at(e: Expr, d: Expr, var: str, pt: dict) -> Any:
    """d at the point, refusing points where the function itself has a corner."""
    return derivative_at(e, d, var, pt)


def t_sample(p: dict) -> dict:
    """f and f' on a grid for the plot (NaN gaps where undefined, sent as null); f' is
    drawn only where f itself is defined."""
    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    params = {k: exact(v) for k, v in (p.get("params") or {}).items()}
    if params:
        e = e.subs(params)
    var = variable(e, p.get("var"))
    lo, hi = p.get("lo", -5.0), p.get("hi", 5.0)
    if not lo < hi:
        raise i18n.error("web.error.range")
    n = min(int(p.get("n", 400)), MAX_SAMPLES)
    xs = np.linspace(lo, hi, n)
    others = sorted(e.free - {var})
    if others:
        raise i18n.error("web.error.plot_others", DomainError, var=var, names=others)
    d = diff(e, var)
    f = np.asarray(sample(e, [var], xs), dtype=float)
    df = np.where(np.isfinite(f), sample(d, [var], xs), np.nan)
    return {"variable": var, "x": array_out(xs), "f": array_out(f), "df": array_out(df),
            "derivative": formula(d), "expression": formula(e)}


def t_tangent(p: dict) -> dict:
    """Tangent (and normal) line at x0, exact where the formula and x0 are exact.

    Other variables (``point``) are substituted first, so the plot of f(x, y=1) gets its
    tangent too.
    """
    e, chosen, _ = _derivative_input(p)
    var = variable(e, chosen)
    others = {k: exact(v) for k, v in (p.get("point") or {}).items() if k != var}
    if others:
        e = e.subs({k: v for k, v in others.items() if k in e.free})
    x0 = exact(p["at"])
    t = calculus.tangent(e, x0, var)
    return {"x0": _float(t.x0), "y0": _float(t.y0), "slope": _float(t.slope),
            "line": formula(t.line), "normal": formula(t.normal) if t.normal is not None
            else None, "variable": var}


def _float(v: Any) -> float | None:
    """An exact value (an expression such as cos(1)) as a float for the plot."""
    if isinstance(v, Expr):
        if v.free:
            return None
        v = v.evaluate({})
    return finite(v)


def t_series(p: dict) -> dict:
    """Taylor polynomial with exact coefficients (:func:`bibun.calculus.series`)."""
    e, chosen, _ = _derivative_input(p)
    var = variable(e, chosen)
    order = int(p.get("order", 5))
    s = calculus.series(e, var, at=exact(p.get("at", 0)), order=order)
    return {"variable": var, "at": finite(p.get("at", 0)), "order": order,
            "series": formula(s.polynomial),
            "coefficients": [formula(c) for c in s.coefficients],
            "factorial_form": s.text("factorial")}


def t_numdiff(p: dict) -> dict:
    """Numeric derivative with its error estimate, next to the exact value."""
    e, chosen, _ = _derivative_input(p)
    var = variable(e, chosen)
    x0 = p["at"]
    pt = _point(e, p.get("point"), var, x0)
    f = _callable(e, var, pt)
    kw: dict[str, Any] = {"method": p.get("method", "auto")}
    if p.get("h") is not None:
        kw["h"] = p["h"]
    r = numeric_derivative(f, float(x0), **kw)
    out = _numeric_out(r)
    try:
        true = _derivative_at(e, diff(e, var), var, pt)
        out["exact"] = number_out(true)
        if out.get("value") is not None and finite(true) is not None:
            out["abs_error"] = abs(out["value"] - float(true))
    except BibunError as exc:
        out["exact_error"] = i18n.one_line(exc, p.get("lang"))
    return out


def _callable(e: Expr, var: str, pt: dict) -> Callable[[Any], Any]:
    """f as a function of one variable for numeric methods.  It accepts arrays and
    complex numbers (:func:`bibun.expr.evaluate.evaluate_numeric`), so the numeric
    module can use the complex step where the formula allows it."""
    rest = {k: float(v) for k, v in pt.items() if k != var}
    return lambda x: evaluate_numeric(e, {**rest, var: x})


def _numeric_out(r: Any) -> dict[str, Any]:
    """A :class:`bibun.numeric.Estimate` as JSON, with its warning flags."""
    return {"value": finite(r.value), "error_estimate": finite(r.error_estimate),
            "h": finite(r.h), "method": str(r.method), "evaluations": int(r.evaluations),
            "flags": [str(f) for f in r.all_flags]}


def t_verify(p: dict) -> dict:
    """Three-way check at a point: symbolic, numeric and automatic differentiation, each
    from a different part of bibun (:func:`bibun.verify.three_way`)."""
    e, chosen, _ = _derivative_input(p)
    var = variable(e, chosen)
    pt = _point(e, p.get("point"), var, p["at"])
    exact_value = _derivative_at(e, diff(e, var), var, pt)
    floats = {k: float(v) for k, v in pt.items()}
    floats.setdefault(var, float(p["at"]))
    check = three_way(e, var, points=[floats]).checks[0]
    scale = max(1.0, abs(check.symbolic))
    diffs = [abs(check.numeric - check.symbolic), abs(check.automatic - check.symbolic)]
    return {
        "variable": var, "at": {k: finite(v) for k, v in floats.items()},
        "symbolic": number_out(exact_value),
        "numeric": {"value": finite(check.numeric),
                    "error_estimate": finite(check.numeric_error), "method": "auto"},
        "automatic": {"value": finite(check.automatic), "method": "reverse mode"},
        "max_abs_difference": finite(max(diffs)),
        "relative_difference": finite(check.worst),
        "agree": bool(check.agrees(1e-8)),
        "tolerance": 1e-8 * scale,
    }


def _autodiff_graph(e: Expr, pt: dict) -> dict[str, Any]:
    """Run the formula through autodiff Tensors (:mod:`bibun.autodiff.expr_graph`):
    the output tensor, its value and the gradient of every input."""
    out, inputs = tensor_from_expr(e, {k: float(v) for k, v in pt.items()})
    if not getattr(out, "requires_grad", False):  # a constant: a number, or a leaf
        raise i18n.error("web.error.constant_graph", DomainError)  # with nothing to vary
    out.backward()
    grads = {k: finite(np.asarray(_grad_of(t)).sum()) for k, t in inputs.items()}
    return {"tensor": out, "value": finite(np.asarray(out.data).sum()), "gradients": grads}


def _grad_of(t: Any) -> Any:
    g = t.grad
    if g is None:
        return 0.0
    return getattr(g, "data", g)


def t_graph(p: dict) -> dict:
    """The computational graph as SVG with forward values and backward gradients."""
    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    pt = _point(e, p.get("at"), "")
    if e.size > 400:
        raise i18n.error("web.error.graph_size", LimitError, limit=400)
    res = _autodiff_graph(e, pt)
    svg = to_svg(res["tensor"])
    return {"svg": str(svg), "value": res["value"], "gradients": res["gradients"],
            "at": {k: finite(v) for k, v in pt.items()}, "labels": _shortened(res["tensor"])}


def _shortened(root: Any) -> list[dict[str, str]]:
    """The node labels the drawing shortens (``…``), each with its full text, so that the
    page lists them: a label is never cut without the whole of it being on the page."""
    out = []
    for n in collect(root)[0]:
        full = n.tensor.name or ""
        short = next((line for line in n.lines if line.endswith("…")), None)
        if short is not None and full and full != short:
            out.append({"short": short, "full": full})
    return out


def t_surface(p: dict) -> dict:
    """f(x, y) on a grid with its gradient field, for the contour plot."""
    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    xv, yv = _two_vars(e, p.get("vars"))
    (x0, x1), (y0, y1) = p.get("xrange", (-5, 5)), p.get("yrange", (-5, 5))
    if not (x0 < x1 and y0 < y1):
        raise i18n.error("web.error.range")
    n = min(int(p.get("n", 50)), MAX_GRID)
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    Z = _grid(e, xv, yv, X, Y)
    m = min(15, n)
    qx, qy = np.linspace(x0, x1, m), np.linspace(y0, y1, m)
    QX, QY = np.meshgrid(qx, qy)
    gx, gy = diff(e, xv), diff(e, yv)
    U, V = _grid(gx, xv, yv, QX, QY), _grid(gy, xv, yv, QX, QY)
    return {"vars": [xv, yv], "x": array_out(xs), "y": array_out(ys),
            "z": [array_out(row) for row in Z],
            "field": {"x": array_out(QX), "y": array_out(QY), "u": array_out(U),
                      "v": array_out(V)},
            "gradient": [formula(gx), formula(gy)], "expression": formula(e)}


def _two_vars(e: Expr, given: list[str] | None) -> tuple[str, str]:
    names = list(given) if given else sorted(e.free)
    if len(names) == 1:
        names = names + ["y" if names[0] != "y" else "x"]
    if len(names) != 2 or names[0] == names[1]:
        raise i18n.error("web.error.contour_two", DomainError, count=len(e.free))
    extra = sorted(e.free - set(names))
    if extra:
        raise i18n.error("web.error.contour_extra", DomainError, x=names[0], y=names[1],
                         names=extra)
    return names[0], names[1]


def _grid(e: Expr, xv: str, yv: str, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return sample(e, [xv, yv], X, Y)


def t_descend(p: dict) -> dict:
    """Gradient descent on the formula from the start point with one optimizer
    (:func:`bibun.descend.descend`: symbolic gradients, the networks' optimizers)."""
    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    names = list(p.get("vars") or sorted(e.free))
    start = [float(v) for v in p["start"]]
    steps = min(int(p.get("steps", 100)), MAX_STEPS)
    box = p.get("box")
    r = descend_mod.descend(e, start, optimizer=p.get("optimizer", "gd"),
                            lr=float(p.get("lr", 0.1)), steps=steps, variables=names,
                            lang=resolve_lang(p.get("lang")),
                            box=[tuple(b) for b in box] if box else None)
    d = r.to_dict()
    return {"vars": d["variables"], "path": d["path"], "values": d["values"],
            "reason": d["reason"], "detail": d["detail"], "warnings": d["warnings"],
            "point": d["point"], "value": d["value"], "optimizer": d["optimizer"],
            "lr": d["lr"], "steps": d["steps"]}


#: how learners name a derivative before its formula: y' =, f′(x) =, dy/dx =
DERIVATIVE_NAME = re.compile(r"^\s*(?:[A-Za-z][′']+(?:\(\s*\w+\s*\))?"
                             r"|d\s*[A-Za-z]\s*/\s*d\s*[A-Za-z]\w*)\s*=(?!=)")


def t_check(p: dict) -> dict:
    """Is ``answer`` the derivative of ``expr``?  Correct / counterexample / diagnosis
    (:func:`bibun.explain.check_answer`).  A leading ``y' =`` (``f′(x) =``, ``dy/dx =``)
    is how learners write an answer, so it is read past (columns stay the same)."""
    lang = p.get("lang", "en")
    e, var, _ = _derivative_input(p)
    answer = DERIVATIVE_NAME.sub(lambda m: " " * len(m.group()), p["answer"], count=1)
    try:
        a = read_formula(answer, p.get("syntax", "auto"), derivative=False).expr
    except ParseError as exc:
        msg = i18n.text("web.error.answer", lang, error=i18n.message(exc, lang))
        raise ParseError(msg, exc.text, exc.column) from None
    r = check_answer(e, a, var, lang=lang, constants=p.get("constants"))
    out = _jsonable(r.to_json(lang))
    out["expected"] = formula(r.expected)
    out["answer"] = formula(r.answer)
    out["answer_read_as"] = r.answer.unicode() if doubtful(answer, a) else None  # as the CLI
    return out


def _jsonable(x: Any) -> Any:
    """Make a result JSON-ready: expressions become formulas, numbers finite floats."""
    if isinstance(x, Expr):
        return formula(x)
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int | np.integer) and abs(int(x)) < 2**53:
        return int(x)
    if isinstance(x, int | float | Fraction | np.floating | np.integer):
        return finite(x)
    return str(x)


TASKS: dict[str, Callable[[dict], dict]] = {
    "parse": t_parse, "diff": t_diff, "sample": t_sample, "tangent": t_tangent,
    "series": t_series, "numdiff": t_numdiff, "verify": t_verify, "graph": t_graph,
    "surface": t_surface, "descend": t_descend, "check": t_check,
}


#: the error kinds the API documents (docs/web.md), each with its HTTP status
KINDS = {"parse": 422, "limit": 422, "domain": 422, "input": 422, "budget": 422,
         "validation": 422, "request": 400, "busy": 429, "storage": 503, "internal": 500}


def failure(kind: str, message: str, column: int | None = None) -> tuple[str, dict]:
    """An error result in the one vocabulary: a documented ``kind``, its status, a message
    in the user's language (and the 1-based column of a parse error)."""
    out: dict[str, Any] = {"status": KINDS[kind], "kind": kind, "message": message}
    if column is not None:
        out["column"] = column
    return "error", out


def lang_of(payload: dict) -> str:
    """The language a request asked for (en when it named none or one bibun lacks)."""
    lang = payload.get("lang")
    return lang if lang in i18n.LANGS else i18n.FALLBACK


def run_task(task: str, payload: dict) -> tuple[str, Any]:
    """Run one task; never raises (the worker must survive any input).  Every error is
    said in the request's language; Python's exception names stay in the server log."""
    lang = lang_of(payload)
    fn = TASKS.get(task)
    if fn is None:
        return failure("request", i18n.text("web.error.not_found", lang))
    try:
        with i18n.using(lang):  # formulas in the request's language: log x in Japanese
            return "ok", fn(payload)
    except ParseError as exc:
        return failure("parse", i18n.message(exc, lang), exc.column)
    except LimitError as exc:
        return failure("limit", i18n.one_line(exc, lang))
    except DomainError as exc:
        return failure("domain", i18n.one_line(exc, lang))
    except BibunError as exc:
        return failure("input", i18n.one_line(exc, lang))
    except MemoryError:
        return failure("limit", i18n.text("web.error.memory", lang))
    except RecursionError:
        return failure("limit", i18n.text("web.error.deep", lang))
    except OverflowError:
        # a number of the user's too large for a float (a huge integer converted, say)
        return failure("limit", i18n.text("web.error.overflow", lang))
    except (ArithmeticError, ValueError):
        # a division by zero or a math-domain error on the user's numbers
        return failure("domain", i18n.text("web.error.undefined", lang))
    except Exception:  # a bug: 500 so tests and fuzzing find it; details in the log
        log.exception("internal error in task %s", task)
        return failure("internal", i18n.text("web.error.internal", lang))
