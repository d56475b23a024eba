"""The computations behind the web API, as plain functions of JSON-like payloads.

They run inside worker processes (see :mod:`bibun.web.pool`), never in the web server,
so a formula that explodes costs one killed worker, not the server.  Each task takes a
validated payload dict and returns a JSON-ready dict; bibun errors become
``("error", {...})`` results that the API turns into 4xx responses.

User text is only ever *parsed* by bibun's grammar (never evaluated as code), and no
task touches the file system.

Several endpoints sit on modules written alongside this one (explanations, numeric
differentiation, autodiff, calculus, optimizers).  Each is reached through a small
adapter that imports it lazily; while a module is missing the task raises
:class:`Unavailable`, which the API reports as 501 with the module's name.
"""

from __future__ import annotations

import contextlib
import importlib
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from bibun.errors import BibunError, DomainError, LimitError, ParseError
from bibun.explain.messages import resolve as resolve_lang
from bibun.expr.core import Expr
from bibun.expr.parse import Parsed, parse_full
from bibun.expr.printers import to_latex, to_text, to_unicode

#: plots and grids are sampled server-side; these keep responses small
MAX_SAMPLES = 2000
MAX_GRID = 80
MAX_STEPS = 2000


class Unavailable(Exception):
    """A feature whose module is not installed (yet): the API answers 501."""


# -- helpers -------------------------------------------------------------------------------


def _module(name: str) -> Any | None:
    """Import an optional bibun module; None if it does not exist (yet)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
            return None
        raise


def _require(name: str, attr: str, message: str) -> Any:
    """The optional module ``name`` when it has ``attr``; otherwise :class:`Unavailable`
    (the API's 501) with ``message`` saying which feature is missing."""
    mod = _module(name)
    if mod is None or not hasattr(mod, attr):
        raise Unavailable(message)
    return mod


def mathml(e: Expr, display: str = "inline") -> str:
    """Presentation MathML from bibun's printer (the one the explanations use too)."""
    from bibun.expr.mathml import to_mathml

    return to_mathml(e, display)


def formula(e: Expr) -> dict[str, str]:
    """Every spelling of one expression the page may want."""
    return {"text": to_text(e), "unicode": to_unicode(e), "latex": to_latex(e),
            "mathml": mathml(e)}


def finite(x: Any) -> float | None:
    """A float for JSON, None for NaN/inf (JSON has no spelling for them)."""
    try:
        f = float(x)
    except (OverflowError, TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def number_out(v: Any) -> dict[str, Any]:
    """A value as both a float and, when exact, its exact spelling (3/4, 12)."""
    out: dict[str, Any] = {"value": finite(v)}
    if isinstance(v, int | Fraction) and not isinstance(v, bool):
        out["exact"] = str(v)
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
    from bibun.explain import messages as M
    from bibun.expr.parse import variable_name

    parsed = read_formula(p["expr"], p.get("syntax", "auto"))
    chosen = (variable_name(p["var"]) or p["var"]) if p.get("var") else None
    op = (variable_name(parsed.wrt) or parsed.wrt) if parsed.wrt else None
    if op and chosen and chosen != op:
        raise BibunError(M.text("error.var_conflict", M.resolve(p.get("lang")),
                                operator=f"d/d{op}", var=op, wrt=chosen))
    return parsed.expr, chosen or op, list(parsed.warnings)


def variable(e: Expr, var: str | None) -> str:
    from bibun.symbolic import default_variable

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
        raise DomainError("give a value for " + ", ".join(missing) + " to evaluate at a point")
    return {k: v for k, v in pt.items() if k in e.free}


# -- tasks ---------------------------------------------------------------------------------


def t_parse(p: dict) -> dict:
    """Live preview: the formula as understood, in every spelling, with its warnings."""
    parsed = read_formula(p["expr"], p.get("syntax", "auto"))
    e, warns = parsed.expr, list(parsed.warnings)
    return {"formula": formula(e), "variables": sorted(e.free), "warnings": warns,
            "default_variable": variable(e, parsed.wrt)}


def _forms(d: Expr, e: Expr, lang: str) -> list[dict[str, Any]]:
    """Equivalent forms of the derivative (expanded, factored, common denominator,
    through the original function ...) from :func:`bibun.explain.forms`; the textbook
    form itself is the main answer and not repeated."""
    explain = _module("bibun.explain")
    forms_fn = getattr(explain, "forms", None) if explain else None
    if forms_fn is None:
        return []
    out: list[dict[str, Any]] = []
    for f in forms_fn(d, e):
        expr = f[2]
        if expr is d or not isinstance(expr, Expr):
            continue
        label = f.label(lang) if hasattr(f, "label") else str(f[0])
        out.append({"name": label, "key": getattr(f, "key", ""), "formula": formula(expr)})
    return out


def _steps(e: Expr, var: str, lang: str) -> dict[str, Any]:
    explain = _module("bibun.explain")
    derivation = getattr(explain, "derivation", None) if explain else None
    if derivation is None:
        return {"available": False,
                "message": "step-by-step explanations need bibun.explain (not installed yet)"}
    d = derivation(e, var)
    out: dict[str, Any] = {"available": True}
    for fmt in ("mathml", "json", "text"):
        out[fmt] = d.render(lang=lang, format=fmt)
    if isinstance(out.get("json"), str):
        import json

        with contextlib.suppress(ValueError):
            out["json"] = json.loads(out["json"])
    return out


def t_diff(p: dict) -> dict:
    """The derivative in textbook form, its other forms, steps and value at a point."""
    from bibun.symbolic import diff, nondifferentiable_points

    e, chosen, warns = _derivative_input(p)
    var = variable(e, chosen)
    order = int(p.get("order", 1))
    d = diff(e, var, order)
    out: dict[str, Any] = {
        "expression": formula(e), "variable": var, "order": order,
        "variables": sorted(e.free), "derivative": formula(d), "warnings": warns,
        "nondifferentiable": [str(n) for n in nondifferentiable_points(e, var)],
        "forms": _forms(d, e, p.get("lang", "en")) if p.get("forms", True) and order == 1
        else [],
    }
    if p.get("steps"):
        out["steps"] = _steps(e, var, p.get("lang", "en")) if order == 1 else {
            "available": False, "message": "steps are shown for first derivatives"}
    at = p.get("at")
    if at:
        pt = _point(e, at, var)
        out["at"] = pt
        out["value"] = number_out(e.evaluate(pt))
        out["derivative_value"] = number_out(_derivative_at(e, d, var, pt))
    return out


def _derivative_at(e: Expr, d: Expr, var: str, pt: dict) -> Any:
    """d at the point, refusing points where the function itself has a corner."""
    from bibun.symbolic import derivative_at

    return derivative_at(e, d, var, pt)


def t_sample(p: dict) -> dict:
    """f and f' on a grid for the plot (NaN gaps where undefined, sent as null)."""
    from bibun.symbolic import diff

    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    params = {k: exact(v) for k, v in (p.get("params") or {}).items()}
    if params:
        e = e.subs(params)
    var = variable(e, p.get("var"))
    lo, hi = p.get("lo", -5.0), p.get("hi", 5.0)
    if not lo < hi:
        raise BibunError("the plot range needs lo < hi")
    n = min(int(p.get("n", 400)), MAX_SAMPLES)
    xs = np.linspace(lo, hi, n)
    others = sorted(e.free - {var})
    if others:
        raise DomainError(f"the plot varies {var} only: give values for {', '.join(others)}")
    d = diff(e, var)
    out = {"variable": var, "x": array_out(xs), "f": array_out(_on(e, var, xs)),
           "df": array_out(_on(d, var, xs)), "derivative": formula(d), "expression": formula(e)}
    return out


def _on(e: Expr, var: str, xs: np.ndarray) -> np.ndarray:
    if var not in e.free:
        return np.full_like(xs, finite(e.evaluate({})) or np.nan)
    return np.broadcast_to(e.evaluate({var: xs}), xs.shape)


def t_tangent(p: dict) -> dict:
    """Tangent (and normal) line at x0, exact where the formula and x0 are exact.

    Other variables (``point``) are substituted first, so the plot of f(x, y=1) gets its
    tangent too.
    """
    calculus = _require("bibun.calculus", "tangent",
                          "tangent lines need bibun.calculus (not installed yet)")
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
    calculus = _require("bibun.calculus", "series",
                          "series needs bibun.calculus.series (not installed yet)")
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
    numeric = _require("bibun.numeric", "derivative",
                         "numeric differentiation needs bibun.numeric (not installed yet)")
    from bibun.symbolic import diff

    e, chosen, _ = _derivative_input(p)
    var = variable(e, chosen)
    x0 = p["at"]
    pt = _point(e, p.get("point"), var, x0)
    f = _callable(e, var, pt)
    kw: dict[str, Any] = {"method": p.get("method", "auto")}
    if p.get("h") is not None:
        kw["h"] = p["h"]
    r = numeric.derivative(f, float(x0), **kw)
    out = _numeric_out(r)
    try:
        true = _derivative_at(e, diff(e, var), var, pt)
        out["exact"] = number_out(true)
        if out.get("value") is not None and finite(true) is not None:
            out["abs_error"] = abs(out["value"] - float(true))
    except BibunError as exc:
        out["exact_error"] = str(exc)
    return out


def _callable(e: Expr, var: str, pt: dict) -> Callable[[Any], Any]:
    """f as a function of one variable for numeric methods.  It accepts arrays and
    complex numbers (:func:`bibun.expr.evaluate.evaluate_numeric`), so the numeric
    module can use the complex step where the formula allows it."""
    from bibun.expr.evaluate import evaluate_numeric

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
    verify = _require("bibun.verify", "three_way",
                        "the three-way check needs bibun.verify (not installed yet)")
    e, chosen, _ = _derivative_input(p)
    var = variable(e, chosen)
    pt = _point(e, p.get("point"), var, p["at"])
    from bibun.symbolic import diff

    exact_value = _derivative_at(e, diff(e, var), var, pt)
    floats = {k: float(v) for k, v in pt.items()}
    floats.setdefault(var, float(p["at"]))
    check = verify.three_way(e, var, points=[floats]).checks[0]
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
    graph = _module("bibun.autodiff.expr_graph")
    if graph is None:
        raise Unavailable("the computational graph needs bibun.autodiff (not installed yet)")
    out, inputs = graph.tensor_from_expr(e, {k: float(v) for k, v in pt.items()})
    if not hasattr(out, "backward"):
        raise DomainError("the formula is a constant: its graph has no inputs")
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
        raise LimitError("the graph is drawn for formulas of up to 400 operations")
    res = _autodiff_graph(e, pt)
    ad = _require("bibun.autodiff", "to_svg",
                    "graph drawing needs bibun.autodiff.to_svg (not installed yet)")
    svg = ad.to_svg(res["tensor"])
    return {"svg": str(svg), "value": res["value"], "gradients": res["gradients"],
            "at": {k: finite(v) for k, v in pt.items()}}


def t_surface(p: dict) -> dict:
    """f(x, y) on a grid with its gradient field, for the contour plot."""
    from bibun.symbolic import diff

    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    xv, yv = _two_vars(e, p.get("vars"))
    (x0, x1), (y0, y1) = p.get("xrange", (-5, 5)), p.get("yrange", (-5, 5))
    if not (x0 < x1 and y0 < y1):
        raise BibunError("each range needs lo < hi")
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
    if len(names) != 2:
        raise DomainError("the contour view needs a formula in two variables, such as x^2+y^2"
                          f" (this one has {', '.join(sorted(e.free)) or 'none'})")
    extra = sorted(e.free - set(names))
    if extra:
        raise DomainError(f"the contour view varies {names[0]} and {names[1]} only;"
                          f" {', '.join(extra)} has no value")
    return names[0], names[1]


def _grid(e: Expr, xv: str, yv: str, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    vals = {k: v for k, v in ((xv, X), (yv, Y)) if k in e.free}
    if not vals:
        return np.full_like(X, finite(e.evaluate({})) or np.nan)
    return np.broadcast_to(e.evaluate(vals), X.shape)


def t_descend(p: dict) -> dict:
    """Gradient descent on the formula from the start point with one optimizer
    (:func:`bibun.descend.descend`: symbolic gradients, the networks' optimizers)."""
    mod = _require("bibun.descend", "descend",
                     "gradient descent needs bibun.descend (not installed yet)")
    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    names = list(p.get("vars") or sorted(e.free))
    start = [float(v) for v in p["start"]]
    steps = min(int(p.get("steps", 100)), MAX_STEPS)
    box = p.get("box")
    r = mod.descend(e, start, optimizer=p.get("optimizer", "gd"), lr=float(p.get("lr", 0.1)),
                    steps=steps, variables=names, lang=resolve_lang(p.get("lang")),
                    box=[tuple(b) for b in box] if box else None)
    d = r.to_dict()
    return {"vars": d["variables"], "path": d["path"], "values": d["values"],
            "reason": d["reason"], "detail": d["detail"], "warnings": d["warnings"],
            "point": d["point"], "value": d["value"], "optimizer": d["optimizer"],
            "lr": d["lr"], "steps": d["steps"]}


def t_check(p: dict) -> dict:
    """Is ``answer`` the derivative of ``expr``?  Correct / counterexample / diagnosis
    (:func:`bibun.explain.check_answer`)."""
    check = _require("bibun.explain", "check_answer", "answer checking needs"
                     " bibun.explain.check_answer (not installed yet)").check_answer
    lang = p.get("lang", "en")
    e, var, _ = _derivative_input(p)
    try:
        a = read_formula(p["answer"], p.get("syntax", "auto"), derivative=False).expr
    except ParseError as exc:
        raise ParseError("answer: " + exc.message, exc.text, exc.column) from None
    r = check(e, a, var, lang=lang)
    out = _jsonable(r.to_json(lang))
    out["expected"] = formula(r.expected)
    out["answer"] = formula(r.answer)
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


def features() -> dict[str, bool]:
    """Which optional modules are present, so the page can grey out what is missing."""
    explain = _module("bibun.explain")
    calculus = _module("bibun.calculus")
    return {
        "steps": bool(explain and hasattr(explain, "derivation")),
        "check": bool(explain and hasattr(explain, "check_answer")),
        "latex": bool((m := _module("bibun.expr.latex_input")) and hasattr(m, "parse_any_full")),
        "numeric": bool((n := _module("bibun.numeric")) and hasattr(n, "derivative")),
        "autodiff": _module("bibun.autodiff.expr_graph") is not None,
        "series": bool(calculus and hasattr(calculus, "series")),
        "descend": bool((m := _module("bibun.descend")) and hasattr(m, "descend")),
    }


def run_task(task: str, payload: dict) -> tuple[str, Any]:
    """Run one task; never raises (the worker must survive any input)."""
    try:
        fn = TASKS[task]
    except KeyError:
        return "error", {"status": 404, "kind": "unknown_task", "message": f"no task {task}"}
    try:
        return "ok", fn(payload)
    except Unavailable as exc:
        return "error", {"status": 501, "kind": "unavailable", "message": str(exc)}
    except ParseError as exc:
        return "error", {"status": 422, "kind": "parse", "message": exc.message,
                         "column": exc.column}
    except LimitError as exc:
        return "error", {"status": 422, "kind": "limit", "message": str(exc)}
    except DomainError as exc:
        return "error", {"status": 422, "kind": "domain", "message": str(exc)}
    except BibunError as exc:
        return "error", {"status": 422, "kind": "input", "message": str(exc)}
    except MemoryError:
        return "error", {"status": 422, "kind": "limit",
                         "message": "the computation needs more memory than allowed"}
    except RecursionError:
        return "error", {"status": 422, "kind": "limit",
                         "message": "the formula is nested too deeply to process"}
    except (ArithmeticError, ValueError) as exc:
        # arithmetic on the user's numbers (an overflow converting a huge integer to a
        # float, say): a property of the input, reported as such
        return "error", {"status": 422, "kind": "arithmetic",
                         "message": f"cannot compute this: {type(exc).__name__}: {exc}"}
    except Exception as exc:  # a bug: reported as 500 so tests and fuzzing find it
        import traceback

        return "error", {"status": 500, "kind": "internal",
                         "message": f"internal error: {type(exc).__name__}: {exc}",
                         "trace": traceback.format_exc(limit=8)}
