"""One request per change of the page: everything its visible panels need, in one answer.

The page keeps one state (formula, variable, order, point, plot range, Taylor order,
descent settings, language) and sends it here as a whole; this task reads the formula
once, decides the variable the way the page shows it, and runs the panels' tasks
(:mod:`bibun.web.tasks`) in one worker, each panel getting either its data or its own
error in the one error vocabulary.  So a panel can never show the result of another
formula than its neighbours, and the page has one request to cancel when the state
changes again.

Rules the page relies on:

* the variable is the formula's operator's (``∂/∂y (x^2 y)``), else the one the page
  chose when the formula has it, else the formula's default variable; with declared
  constants (``a x^2 + b x`` with a, b) the one name they leave, and the derivative is
  d/dx, not ∂/∂x (an operator or a choice naming a constant is refused);
* values of the other variables that the page has not set are 1 (the page shows them);
* a formula that cannot be read answers only ``parse`` (the other panels wait);
* the descent window fits the start point and the path (not a fixed square).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import numpy as np

from bibun import calculus
from bibun.descend import CLASSIC
from bibun.expr.constants import constant_names, variable_among
from bibun.web import practice as _practice  # noqa: F401  (registers its tasks)
from bibun.web.modes import mode_of
from bibun.web.tasks import TASKS, exact, formula, lang_of, read_formula, run_task, variable

#: the panels the page can ask for
PANELS = ("diff", "point", "verify", "plot", "tangent", "series", "graph", "descent",
          "backprop")


def _panel(task: str, payload: dict) -> dict[str, Any]:
    """One panel's answer: ``{"data": …}`` or ``{"error": {kind, message, column}}``."""
    status, data = run_task(task, payload)
    if status == "ok":
        return {"data": data}
    data.pop("status", None)
    return {"error": data}


def _series(base: dict, var: str, x0: float, order: int, lo: float, hi: float,
            n: int) -> dict[str, Any]:
    """The Taylor polynomial as terms in ascending degree, sampled on the plot's range."""
    status, s = run_task("series", {**base, "var": var, "at": x0, "order": order})
    if status != "ok":
        s.pop("status", None)
        return {"error": s}
    e = read_formula(base["expr"], base["syntax"]).expr
    terms = []
    for t in calculus.series(e, var, at=exact(x0), order=order).terms():
        negative = formula(t)["text"].startswith("-")
        terms.append({"sign": "-" if negative else "+", "formula": formula(-t if negative else t)})
    sampled = run_task("sample", {"expr": s["series"]["text"], "syntax": "text",
                                  "var": var, "lo": lo, "hi": hi, "n": n})
    s["terms"] = terms
    if sampled[0] == "ok":
        s["x"], s["y"] = sampled[1]["x"], sampled[1]["f"]
    return {"data": s}


def _shown(start: list[float], path: list[list[float]]) -> int:
    """How many points of a path the plot follows: a path that runs away is followed
    until it is a hundred times farther out than the start (the rest is off the plot, and
    its last shown point is marked with the reason)."""
    limit = 100.0 * (1.0 + max(abs(v) for v in start))
    for i, q in enumerate(path):
        if len(q) < 2 or not all(v is not None and math.isfinite(v) and abs(v) <= limit
                                 for v in q[:2]):
            return i
    return len(path)


def _window(start: list[float], paths: list[list[list[float]]]) -> tuple[list[float],
                                                                         list[float]]:
    """A square box around the start and the shown part of every path, padded by a
    fifth (square, so circles look like circles)."""
    pts = [start] + [q[:2] for path in paths for q in path[:_shown(start, path)]]
    arr = np.asarray(pts, dtype=float)
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    mid, half = (lo + hi) / 2, np.maximum((hi - lo) / 2 * 1.2, 1.0)
    half[:] = half.max()
    return [float(mid[0] - half[0]), float(mid[0] + half[0])], \
        [float(mid[1] - half[1]), float(mid[1] + half[1])]


#: learning rates that show each optimizer's character and converge on the examples: the
#: classic comparison's (:data:`bibun.descend.CLASSIC`, the CLI plot's too), 0.1 otherwise
PRESETS = {opt: 0.1 for opt in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")} \
    | {opt: lr for opt, lr in CLASSIC.values()}


def _descent(base: dict, names: list[str], settings: dict) -> dict[str, Any]:
    """Gradient descent from the start (one optimizer, or with ``compare`` the classic
    four: SGD, Momentum, AdaGrad, Adam at their presets), then the contour on a window
    that fits the start and every path.  A learning rate of None is the preset."""
    if settings.get("compare"):
        todo = [(label, opt, lr) for label, (opt, lr) in CLASSIC.items()]
    else:
        opt = settings.get("optimizer", "gd")
        todo = [(opt, opt, settings.get("lr") or PRESETS[opt])]
    start = [float(v) for v in settings["start"]]
    runs = []
    for label, opt, lr in todo:
        run = _panel("descend", {**base, "vars": names, "start": start, "optimizer": opt,
                                 "lr": lr, "steps": settings.get("steps", 100)})
        if "error" in run:
            return run
        runs.append({**run["data"], "label": label})
    # the window fits the paths that stay (a diverging one would shrink them to dots); a
    # path that runs off it is drawn to the edge, its last point inside marked on the plot
    fit = [r for r in runs if r["reason"] != "diverged"] or runs
    xr, yr = _window(start, [r["path"] for r in fit])
    for r in runs:
        inside = [xr[0] <= q[0] <= xr[1] and yr[0] <= q[1] <= yr[1]
                  for q in r["path"][:_shown(start, r["path"])]]
        r["shown"] = inside.index(False) if False in inside else len(inside)
    surface = _panel("surface", {**base, "vars": names, "xrange": xr, "yrange": yr, "n": 60})
    if "error" in surface:
        return surface
    return {"data": {**surface["data"], "run": runs[0], "runs": runs, "xrange": xr,
                     "yrange": yr, "presets": PRESETS, "compare": bool(settings.get("compare"))}}


def _read_state(p: dict) -> tuple[dict[str, Any], dict[str, Any]] | dict[str, Any]:
    """The formula read once and the variable and point decided the way the page shows
    them: ``(out, ctx)``, or the whole answer when there is nothing more to compute (an
    equation, or a formula that cannot be read: only ``parse``)."""
    lang = lang_of(p)
    base = {"expr": p["expr"], "syntax": p.get("syntax", "auto"), "lang": lang}
    mode = mode_of(p["expr"]) if base["syntax"] != "latex" else "function"
    if mode != "function":
        return _equation(p, mode, lang)
    constants = constant_names(p.get("constants"))
    # with constants, k t³ is a formula in t (without, "which variable?" is its parse error)
    parsed = _panel("parse", {**base, "constants": list(constants)} if constants else base)
    out: dict[str, Any] = {"panels": {"parse": parsed}}
    if "error" in parsed:
        return out
    names = parsed["data"]["variables"]
    wrt = read_formula(base["expr"], base["syntax"]).wrt
    wanted = p.get("var")
    if constants:  # the variable is the name they leave (the operator's, when it has one)
        e = read_formula(base["expr"], base["syntax"]).expr
        chosen = wrt or (wanted if wanted in names and wanted not in constants else None)
        var = variable_among(e, chosen, constants)
    else:
        var = parsed["data"]["default_variable"] if wrt or wanted not in names \
            else variable(read_formula(base["expr"], base["syntax"]).expr, wanted)
    x0 = float(p.get("x0", 1.0))
    given = p.get("point") or {}
    point = {v: x0 if v == var else float(given.get(v, 1.0)) for v in names}
    out.update(variable=var, variables=names, point=point, mode="function",
               constants=list(constants))
    return out, {"base": base, "names": names, "var": var, "x0": x0, "point": point,
                 "constants": list(constants)}


def t_quick(p: dict) -> dict[str, Any]:
    """What the learner looks at first, for the page's quick lane: the formula read, the
    derivative (no steps, no other forms) and its value at the point, in ``diff``; an
    equation gets its whole (single) answer, as from :func:`t_page`.  A few milliseconds
    of work, so it can be answered before the plot, the steps and the graph."""
    read = _read_state(p)
    if isinstance(read, dict):
        return read
    out, ctx = read
    one = {**ctx["base"], "var": ctx["var"], "order": int(p.get("order", 1)), "forms": False,
           "constants": ctx["constants"]}
    # two panels, as in t_page: a point where f is undefined (log(sin(x³ − 2)) at 1) is
    # said in the point's panel and the derivative is still shown
    out["panels"]["diff"] = _panel("diff", one)
    out["panels"]["point"] = _panel("diff", {**one, "at": ctx["point"] or {ctx["var"]: ctx["x0"]}})
    return out


def t_page(p: dict) -> dict[str, Any]:
    """Every requested panel for one state of the page (see the module docstring)."""
    read = _read_state(p)
    if isinstance(read, dict):
        return read
    out, ctx = read
    base, names, var, x0, point = (ctx[k] for k in ("base", "names", "var", "x0", "point"))
    others = {k: v for k, v in point.items() if k != var}
    order = int(p.get("order", 1))
    lo, hi, n = float(p.get("lo", -3.0)), float(p.get("hi", 3.0)), int(p.get("n", 401))
    wanted_panels = set(p.get("panels") or PANELS)
    panels = out["panels"]
    one = {**base, "var": var}
    declared = {"constants": ctx["constants"]}  # d/dx, not ∂/∂x, with them
    if "diff" in wanted_panels:
        panels["diff"] = _panel("diff", {**one, **declared, "order": order,
                                         "steps": bool(p.get("steps")), "forms": True})
        method = p.get("method") or "rules"
        if method != "rules":
            panels["method"] = _panel("method", {**one, "method": method})
    if "point" in wanted_panels:
        panels["point"] = _panel("diff", {**one, **declared, "order": order, "forms": False,
                                          "at": point or {var: x0}})
    if "verify" in wanted_panels and names:
        panels["verify"] = _panel("verify", {**one, "at": x0, "point": point})
    if "plot" in wanted_panels:
        panels["plot"] = _panel("sample", {**one, "lo": lo, "hi": hi, "n": n,
                                           "params": others})
    if "tangent" in wanted_panels:
        panels["tangent"] = _panel("tangent", {**one, "at": x0, "point": others})
    taylor = int(p.get("taylor") or 0)
    if "series" in wanted_panels and taylor and len(names) <= 1:
        panels["series"] = _series(one, var, x0, taylor, lo, hi, 201)
    if "graph" in wanted_panels:
        panels["graph"] = _panel("graph", {**base, "at": point})
    settings = p.get("descent")
    if "descent" in wanted_panels and settings and len(names) == 2:
        panels["descent"] = _descent(base, names, settings)
    if "backprop" in wanted_panels and names:
        panels["backprop"] = _panel("backprop", {**base, "at": point})
    return out


def _equation(p: dict, mode: str, lang: str) -> dict[str, Any]:
    """An equation: implicit (x² + y² = 1) or parametric (x = cos t, y = sin t).  The
    Derivative card shows dy/dx with its steps, the point card the slope and tangent at a
    point on the curve, the plot the curve F = 0; panels that work on a function say so
    instead of keeping an old formula's answer."""
    base = {"expr": p["expr"], "lang": lang}
    if mode == "parametric":
        r = _panel("parametric", {**base, "lo": float(p.get("lo", -3.0)),
                                  "hi": float(p.get("hi", 3.0)), "t0": float(p.get("x0", 1.0)),
                                  "taylor": int(p.get("taylor") or 0)})
        variables = r["data"]["t"] if "data" in r else "t"
        out = {"mode": mode, "variable": variables, "variables": [variables], "point": {}}
    else:
        x0 = float(p.get("x0", 1.0))
        given = p.get("point") or {}
        x = p.get("var") if p.get("var") not in (None, "y") else None
        lo, hi = float(p.get("lo", -3.0)), float(p.get("hi", 3.0))
        yv = float(given.get("y", 1.0))
        r = _panel("implicit", {**base, "x": x, "y": "y", "x0": x0, "y0": yv,
                                "box": [[lo, hi], [lo, hi]]})
        xv = r["data"]["x"] if "data" in r else (x or "x")
        out = {"mode": mode, "variable": xv,
               "variables": r["data"]["variables"] if "data" in r else [],
               "point": {xv: x0, "y": yv}}
    if "error" in r and r["error"].get("kind") == "parse":
        out["panels"] = {"parse": r}
        return out
    formula_out = (r["data"].get("equation") if mode == "implicit" else None) if "data" in r \
        else None
    parse = {"data": {"formula": formula_out or _plain_formula(p["expr"]),
                      "variables": out["variables"], "warnings": [],
                      "default_variable": out["variable"]}}
    out["panels"] = {"parse": parse, "equation": r}
    return out


def _plain_formula(text: str) -> dict[str, str]:
    """What the learner typed, for the preview when the equation is not one bibun reads
    as a whole (the steps panel says why)."""
    return {"text": text, "unicode": text, "latex": text,
            "mathml": f"<math><mtext>{escape(text)}</mtext></math>"}



TASKS["page"] = t_page
TASKS["quick"] = t_quick
