"""Modes of the formula panel beyond y = f(x): implicit and parametric equations, steps by
another method (from the definition, through the inverse function, by logarithms), and
backpropagation worked node by node.

The page sends what the learner typed; :func:`mode_of` decides what it is: an equation
in which y is not simply given by a formula of x (``x^2 + y^2 = 1``, ``x y = y + 1``) is
implicit; two equations ``x = …, y = …`` are a parametric curve; anything else is a
function (``y = x^2`` included).  Each computation is the library's own
(:mod:`bibun.calculus.implicit`, :mod:`~bibun.calculus.first_principles`,
:mod:`~bibun.calculus.inverse`, :mod:`~bibun.calculus.logdiff`,
:mod:`~bibun.calculus.parametric`, :mod:`bibun.explain.backprop`), so the page shows the
same steps and numbers as ``bibun diff --implicit``, ``--via`` and ``bibun backprop``.

Worked steps become MathML here (:func:`worked_out`): the sentence in the request's
language and the line of mathematics built from its parts (expressions through bibun's
MathML printer; notation such as dy/dx or lim as MathML too), never a LaTeX string the
browser cannot typeset.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import numpy as np

from bibun import calculus, i18n
from bibun.calculus.implicit import split_equation
from bibun.calculus.sampling import sample
from bibun.errors import BibunError, DomainError, LimitError, ParseError
from bibun.explain.backprop import backprop
from bibun.explain.worked import Lim, Raw, Step, Worked
from bibun.expr import core
from bibun.expr.core import Expr
from bibun.expr.mathml import to_mathml
from bibun.web.notation import notation_mathml
from bibun.web.tasks import TASKS, array_out, exact, finite, formula, lang_of, read_formula

#: the left side of "name = formula" that makes an ordinary function (y = x^2, f(x) = …)
NAME = re.compile(r"^\s*([A-Za-z]\w*)\s*(\(\s*[A-Za-z]\w*\s*\))?\s*$")
METHODS = ("rules", "limit", "inverse", "log")
#: the largest formula the backprop stepper walks (nodes beyond this do not fit a page)
MAX_BACKPROP_NODES = 60


def mode_of(text: str) -> str:
    """"function", "implicit" or "parametric" for what the learner typed."""
    if text.count("=") == 2 and re.search(r"[,;]", text):
        return "parametric"
    if text.count("=") != 1 or any(op in text for op in ("==", "<=", ">=", "!=")):
        return "function"
    left, right = text.split("=")
    m = NAME.match(left)
    if m is None:
        return "implicit"
    try:
        rhs = read_formula(right, "text").expr
    except BibunError:  # unreadable: the ordinary parser reports it
        return "function"
    return "implicit" if m.group(1) in rhs.free and m.group(2) is None else "function"


# -- worked steps as MathML ------------------------------------------------------------------


def _inner(markup: str) -> str:
    """The content of a <math> element (to join several into one line)."""
    start = markup.index(">") + 1
    return markup[start:markup.rindex("</math>")]


def _part(p: Any) -> str:
    if isinstance(p, Expr):
        return _inner(to_mathml(p))
    if isinstance(p, Lim):
        body = _inner(to_mathml(p.body)) if isinstance(p.body, Expr) else _part(p.body)
        return (f"<munder><mo>lim</mo><mrow><mi>{escape(p.h)}</mi><mo>→</mo><mn>0</mn>"
                f"</mrow></munder><mrow><mo stretchy=\"true\">(</mo>{body}"
                f"<mo stretchy=\"true\">)</mo></mrow>")
    if isinstance(p, Raw):
        return notation_mathml(p.text)
    return f"<mtext>{escape(str(p))}</mtext>"


def step_out(s: Step, lang: str) -> dict[str, Any]:
    """One step: its sentence, its line as MathML and as text."""
    parts: list[str] = []
    texts: list[str] = []
    for p in s.math:
        t = p.unicode() if isinstance(p, Expr) else str(p.render("text")) \
            if isinstance(p, Raw | Lim) else str(p)
        if texts and texts[-1] == t:
            continue
        texts.append(t)
        parts.append(_part(p))
    line = "<mo>=</mo>".join(parts)
    return {"key": s.key, "text": s.sentence(lang, "unicode"), "math": " = ".join(texts),
            "mathml": f'<math display="block">{line}</math>' if line else ""}


def worked_out(w: Worked, lang: str) -> dict[str, Any]:
    """A worked derivation for the page: title, steps (MathML), the JSON the CLI gives."""
    return {"available": True, "title": w.title(lang, "unicode"),
            "steps": [step_out(s, lang) for s in w.steps],
            "answer": formula(w.answer) if isinstance(w.answer, Expr) else None,
            "json": w.to_json(lang)}


# -- implicit and parametric -----------------------------------------------------------------


def _equation_formula(left: Expr, right: Expr) -> dict[str, str]:
    text = f"{left} = {right}"
    return {"text": text, "unicode": f"{left.unicode()} = {right.unicode()}",
            "latex": f"{left.latex()} = {right.latex()}",
            "mathml": f'<math display="inline">{_inner(to_mathml(left))}<mo>=</mo>'
                      f"{_inner(to_mathml(right))}</math>"}


def _check_sides(text: str) -> None:
    """Read each side of ``left = right`` so that a parse error's column counts from the
    start of the whole equation, not of its side."""
    offset = 0
    for side in text.split("="):
        try:
            read_formula(side, "text", derivative=False)
        except ParseError as exc:
            moved = ParseError(exc.message, text, (exc.column or 1) + offset)
            moved.key, moved.params = exc.key, exc.params
            raise moved from None
        offset += len(side) + 1


def t_implicit(p: dict) -> dict[str, Any]:
    """dy/dx of an equation with its steps, the second derivative, and (``at``) the value
    and tangent at a point on the curve; ``curve`` samples F = left − right on a grid for
    the plot of F = 0."""
    lang = lang_of(p)
    _check_sides(p["expr"])
    left, right = split_equation(p["expr"])
    names = sorted(left.free | right.free)
    y = p.get("y") or "y"
    x = p.get("x") or next((v for v in (["x"] + names) if v != y and v in names), "x")
    r = calculus.implicit_diff(p["expr"], x=x, y=y)
    out: dict[str, Any] = {
        "mode": "implicit", "equation": _equation_formula(left, right), "x": x, "y": y,
        "variables": names, "derivative": formula(r.derivative), "second": formula(r.second),
        "second_on_curve": formula(r.second_on_curve) if r.second_on_curve is not None
        else None, "steps": worked_out(r.worked, lang)}
    at = p.get("at") or ({x: p["x0"], y: p["y0"]} if "x0" in p and "y0" in p else None)
    if at:
        pt = {k: exact(v) for k, v in at.items() if k in (x, y) or k in names}
        try:
            rp = calculus.implicit_diff(p["expr"], x=x, y=y, at=pt)
            out["point"] = {"data": {"at": {k: finite(v) for k, v in pt.items()},
                                     "value": {"value": finite(rp.value),
                                               **({"exact": str(rp.value)} if not
                                                  isinstance(rp.value, float) else {})},
                                     "tangent": formula(rp.tangent) if rp.tangent is not None
                                     else None,
                                     "steps": [step_out(s, lang) for s in
                                               rp.worked.steps[len(r.worked.steps):]]}}
        except (DomainError, LimitError) as exc:
            out["point"] = {"error": {"kind": "domain", "message": i18n.one_line(exc, lang)}}
        except BibunError as exc:
            out["point"] = {"error": {"kind": "input", "message": i18n.one_line(exc, lang)}}
    box = p.get("box")
    if box and len(names) == 2:
        (x0, x1), (y0, y1) = box
        n = 81
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        X, Y = np.meshgrid(xs, ys)
        F = core.add(left, core.neg(right))
        Z = sample(F, [x, y], X, Y)
        out["curve"] = {"x": array_out(xs), "y": array_out(ys),
                        "z": [[None if v is None else float(f"{v:.5g}") for v in array_out(row)]
                              for row in Z]}
    return out


def t_parametric(p: dict) -> dict[str, Any]:
    """dy/dx = (dy/dt)/(dx/dt) of a curve x = …, y = … with the steps."""
    lang = lang_of(p)
    r = calculus.parametric_diff(p["expr"])
    out = {"mode": "parametric", "t": r.t, "x_of_t": formula(r.x), "y_of_t": formula(r.y),
           "derivative": formula(r.derivative), "second": formula(r.second),
           "steps": worked_out(r.worked, lang)}
    lo, hi = float(p.get("lo", -3.0)), float(p.get("hi", 3.0))
    if lo < hi:
        # the curve itself for the plot: (x(t), y(t)) for t over the page's range
        ts = np.linspace(lo, hi, 401)
        xs = np.asarray(sample(r.x, [r.t], ts), dtype=float)
        ys = np.asarray(sample(r.y, [r.t], ts), dtype=float)
        out["curve"] = {"t": array_out(ts), "x": array_out(xs), "y": array_out(ys)}
    if p.get("t0") is not None:
        t0 = exact(float(p["t0"]))
        at = {r.t: t0}
        out["at"] = {"t": finite(t0), "x": _value(r.x, at), "y": _value(r.y, at),
                     "slope": _value(r.derivative, at)}
        if int(p.get("taylor") or 0) > 0 and lo < hi:
            out["taylor"] = _parametric_taylor(r, t0, int(p["taylor"]), ts, lang)
    return out


def _parametric_taylor(r: Any, t0: Any, order: int, ts: Any, lang: str) -> dict[str, Any]:
    """The Taylor panel of a curve: the Taylor polynomials of x(t) and y(t) about t₀ (each
    coordinate is a function of t, so the panel's question applies to each), and the
    polynomial curve they trace, sampled at the curve's own t, to draw beside it.  A
    coordinate without a Taylor series at t₀ is the panel's error, said in words."""
    try:
        sx = calculus.series(r.x, r.t, at=t0, order=order)
        sy = calculus.series(r.y, r.t, at=t0, order=order)
    except BibunError as exc:
        return {"error": {"kind": "domain", "message": i18n.one_line(exc, lang)}}
    xs = np.broadcast_to(np.asarray(sample(sx.polynomial, [r.t], ts), dtype=float), ts.shape)
    ys = np.broadcast_to(np.asarray(sample(sy.polynomial, [r.t], ts), dtype=float), ts.shape)
    return {"order": order, "t0": finite(t0), "x": formula(sx.polynomial),
            "y": formula(sy.polynomial), "x_terms": _terms(sx), "y_terms": _terms(sy),
            "curve": {"x": array_out(xs), "y": array_out(ys)}}


def _terms(s: Any) -> list[dict[str, Any]]:
    """A series' terms in ascending degree, each with its sign apart (the page writes
    c₀ + c₁(t − t₀) + c₂(t − t₀)² + …, as the function's Taylor panel does)."""
    out = []
    for term in s.terms():
        negative = formula(term)["text"].startswith("-")
        out.append({"sign": "-" if negative else "+",
                    "formula": formula(-term if negative else term)})
    return out


def _value(e: Expr, at: dict[str, Any]) -> float | None:
    """e at the point as a float; None where it is undefined (dx/dt = 0: a vertical
    tangent, said as no slope rather than a wrong one)."""
    try:
        return finite(e.evaluate(at))
    except (BibunError, ArithmeticError, ValueError):
        return None


# -- other methods for the steps -------------------------------------------------------------


def t_method(p: dict) -> dict[str, Any]:
    """The steps of the derivative by ``method``: limit (from the definition), inverse
    (through the inverse function) or log (logarithmic differentiation)."""
    lang = lang_of(p)
    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    var = p.get("var") or None
    method = p.get("method", "limit")
    w = {"limit": calculus.from_definition, "inverse": calculus.via_inverse,
         "log": calculus.log_diff}[method](e, var)
    return {"method": method, **worked_out(w, lang)}


# -- backpropagation by hand -----------------------------------------------------------------


def _forward(key: str) -> bool:
    """A step of the forward pass: an input (learned or data) or an inner node."""
    return key in ("backprop.input", "backprop.input_data", "backprop.forward")


def _shown(ed: Any, names: dict[Expr, str]) -> Expr:
    """The local derivative written with the graph's node names (v2(1 − f))."""
    shown = getattr(ed, "shown", None)
    if isinstance(shown, Expr):
        return shown
    return ed.local_formula.subs({"u": core.symbol(names[ed.child]),
                                  "y": core.symbol(names[ed.parent])})


def t_backprop(p: dict) -> dict[str, Any]:
    """Forward and backward pass node by node (:func:`bibun.explain.backprop.backprop`):
    the graph (nodes with their formula, value and gradient; edges with their local
    derivative) and a timeline the page steps through, one node or edge at a time."""
    lang = lang_of(p)
    e = read_formula(p["expr"], p.get("syntax", "auto")).expr
    at = {k: exact(v) for k, v in (p.get("at") or {}).items() if k in e.free}
    b = backprop(e, at)
    if len(b.names) > MAX_BACKPROP_NODES:
        raise i18n.error("web.error.graph_size", LimitError, limit=MAX_BACKPROP_NODES)
    nodes = list(b.names)
    ids = {n: i for i, n in enumerate(nodes)}
    grads = {e: 1.0}
    for edge in b.edges:
        grads[edge.child] = grads.get(edge.child, 0.0) + edge.contribution
    depth: dict[Expr, int] = {}
    for n in nodes:  # children first: an input has depth 0
        kids = [a for a in n.args if a in ids] if n.op != core.SYM else []
        depth[n] = 1 + max((depth[a] for a in kids), default=-1)
    out_nodes = []
    forward = [s for s in b.worked.steps if _forward(s.key)]
    for n, s in zip(nodes, forward, strict=True):
        out_nodes.append({
            "id": ids[n], "name": b.names[n], "input": n.op == core.SYM,
            "op": s.math[1].unicode() if len(s.math) > 1 else b.names[n],
            "value": finite(b.values[n]), "grad": finite(grads.get(n, 0.0)),
            "depth": depth[n],
            "children": [ids[a] for a in (n.args if n.op != core.SYM else ()) if a in ids]})
    out_edges = [{"parent": ids[ed.parent], "child": ids[ed.child],
                  "local_formula": _shown(ed, b.names).unicode(),
                  "local": finite(ed.local), "upstream": finite(ed.upstream),
                  "contribution": finite(ed.contribution), "accumulated": ed.accumulated}
                 for ed in b.edges]
    timeline = []
    fi = ei = 0
    for s in b.worked.steps:
        item = step_out(s, lang)
        if _forward(s.key):
            item.update(phase="forward", node=fi)
            fi += 1
        elif s.key in ("backprop.edge", "backprop.edge_sum"):
            item.update(phase="backward", edge=ei, node=out_edges[ei]["child"])
            ei += 1
        else:
            item.update(phase="note")
        timeline.append(item)
    return {"expression": formula(e), "title": b.worked.title(lang, "unicode"),
            "point": {k: finite(v) for k, v in b.point.items()},
            "nodes": out_nodes, "edges": out_edges, "timeline": timeline,
            "gradient": {k: finite(v) for k, v in b.gradient.items()},
            "autodiff": {k: finite(v) for k, v in b.autodiff.items()},
            "central": {k: finite(v) for k, v in b.central.items()}}


TASKS.update({"implicit": t_implicit, "parametric": t_parametric, "method": t_method,
              "backprop": t_backprop})

__all__ = ["METHODS", "mode_of", "step_out", "t_backprop", "t_implicit", "t_method",
           "t_parametric", "worked_out"]
