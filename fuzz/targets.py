"""The public operations the fuzzer drives, each a function of one input text.

A target either returns, or raises one of bibun's errors: both keep the promise.  Any
other exception is a finding.  Extra arguments (points, orders) are fixed per target, so
a finding is reproduced from its target name and its text alone.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import bibun
from bibun import numeric
from bibun.autodiff.expr_graph import graph_of
from bibun.calculus import critical_points, series, tangent
from bibun.explain import check_answer, derivation
from bibun.explain.equality import equal
from bibun.expr.mathml import to_mathml
from fuzz.autodiff import run_autodiff
from fuzz.cli import Broken, run_cli


def _expr(text: str) -> bibun.Expr:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bibun.parse(text)


def _at(e: bibun.Expr, value: Any) -> dict[str, Any]:
    return {v: value for v in e.free}


def _one_var(text: str) -> tuple[bibun.Expr, str]:
    e = _expr(text)
    return e, (sorted(e.free) or ["x"])[0]


def t_print(text: str) -> Any:
    e = _expr(text)
    return str(e), e.unicode(), e.latex(), to_mathml(e)


def t_roundtrip(text: str) -> Any:
    """What bibun prints it reads back: the same node (hash-consing makes this `is`)."""
    e = _expr(text)
    back = _expr(str(e))
    if back is not e:
        raise AssertionError(f"printed {str(e)!r} reads back as {str(back)!r}")


def t_diff(text: str) -> Any:
    return str(bibun.diff(_expr(text)))


def t_diff2(text: str) -> Any:
    e, v = _one_var(text)
    return str(bibun.diff(e, v, 2))


def t_simplify(text: str) -> Any:
    return str(bibun.simplify(_expr(text)))


def t_evaluate(text: str) -> Any:
    e = _expr(text)
    return [e.evaluate(_at(e, v)) for v in (0, 2, 0.7, 10**400)]


def t_check(text: str) -> Any:
    e, v = _one_var(text)
    return check_answer(e, f"2{v}", v).correct


def t_steps(text: str) -> Any:
    e, v = _one_var(text)
    d = derivation(e, v)
    return d.render(lang="en"), d.render(lang="ja"), d.render(format="json")


def t_tangent(text: str) -> Any:
    e, v = _one_var(text)
    if len(e.free) > 1:
        return None
    return str(tangent(e, "1/2", v))


def t_series(text: str) -> Any:
    e, v = _one_var(text)
    if len(e.free) > 1:
        return None
    return str(series(e, v, order=4))


def t_critical(text: str) -> Any:
    e, v = _one_var(text)
    if len(e.free) > 1:
        return None
    return critical_points(e, v)


def t_numeric(text: str) -> Any:
    e, _ = _one_var(text)
    if len(e.free) > 1:
        return None
    return numeric.derivative(e, 0.7).value


def t_compile(text: str) -> Any:
    e = _expr(text)
    names = sorted(e.free)
    f = bibun.compile(e, names)
    with np.errstate(all="ignore"):
        return f(*([np.array([0.0, 0.7, 3.0])] * len(names)))


def t_graph(text: str) -> Any:
    e = _expr(text)
    out, _ = graph_of(e, _at(e, 0.7))
    return float(out.item())


def _point(text: str) -> tuple[str, str, Any]:
    """``"EXPR @ NAME=VALUE"`` (the corpus spelling of a call at one point): the formula
    text, the variable and the value, exact (``10^400`` is the integer)."""
    expr, _, point = text.rpartition(" @ ")
    name, _, value = point.partition("=")
    return (expr, name.strip(), _expr(value).evaluate()) if expr else (text, "x", 0)


def t_at(text: str) -> Any:
    """``"EXPR @ x=VALUE"``: the formula evaluated there; ``"d/dx EXPR @ x=VALUE"`` its
    derivative (issue 14: diff("sqrt(x)").evaluate(x=0), 2^2^x at x = 40)."""
    expr, name, value = _point(text)
    e = bibun.diff(expr) if expr.startswith("d/d") else _expr(expr)
    return e.evaluate({name: value})


def t_numeric_at(text: str) -> Any:
    """``"EXPR @ x=VALUE"``: the numeric derivative there (numeric.derivative("x^2",
    10**400))."""
    expr, _, value = _point(text)
    return numeric.derivative(_expr(expr), value).value


def t_answer(text: str) -> Any:
    """``"EXPR => ANSWER"``: is ANSWER the derivative of EXPR (check_answer)."""
    expr, _, answer = text.partition(" => ")
    e, v = _one_var(expr)
    return check_answer(e, answer, v).correct


def t_equal(text: str) -> Any:
    """``"A == B"``: are A and B the same function (bibun equal)."""
    a, _, b = text.partition(" == ")
    return equal(a, b)


def t_cli(text: str) -> Any:
    """A bibun command line (a JSON list of arguments): see fuzz.cli."""
    return run_cli(text)


def t_autodiff(text: str) -> Any:
    """A composition of autodiff ops on one input (JSON), against PyTorch: see
    fuzz.autodiff."""
    return run_autodiff(text)


_WEB: list[Any] = []  # (client, schema), built once per worker


def _web() -> tuple[Any, dict[str, Any]]:
    if not _WEB:
        import tempfile

        from fastapi.testclient import TestClient

        from bibun.web import create_app

        app = create_app(workers=1, slow_workers=1, allowed_hosts=["*"], budget=2.0,
                         fast_budget=0.5)
        app.state.practice_db = tempfile.mktemp(suffix=".sqlite3")  # never the user's
        # no lifespan: the compute pool starts on first use only, and a request that
        # reaches it fails here (the guarded worker is a daemon and may not start
        # processes): this target replays request-level edges (methods, content types,
        # validation); requests that compute are the web mode's, against a real server
        client = TestClient(app)
        _WEB.append((client, client.get("/openapi.json").json()))
    return _WEB[0]


#: Python's own words in a message: an exception's text reached the client
_PYTHON_TEXT = re.compile(r"Traceback|\b\w+(Error|Exception)\b|object has no attribute|NoneType")


def t_web(text: str) -> Any:
    """One request to the web app (JSON: method, path, and json or body with
    content_type), judged as the web mode judges: no 5xx; a status the OpenAPI schema
    lists for the operation (405 for a method the path does not take); an error body of
    the documented kinds without Python's exception text (issue 14's web edges)."""
    from bibun.web.tasks import KINDS

    req = json.loads(text)
    client, schema = _web()
    method, path = req["method"].upper(), req["path"]
    kw: dict[str, Any] = {"json": req["json"]} if "json" in req else {}
    if "body" in req:
        kw = {"content": req["body"].encode(),
              "headers": {"content-type": req.get("content_type", "application/json")}}
    r = client.request(method, path, **kw)
    code, where = r.status_code, f"web {method} {path}"
    if code >= 500:
        raise Broken(f"{where} answered {code}: {r.text[:200]}")
    operations = schema["paths"].get(path, {})
    op = operations.get(method.lower())
    if op is None and operations and code != 405:
        raise Broken(f"{where}: a method the path does not take answered {code}, not 405")
    if op is not None and str(code) not in op.get("responses", {}):
        raise Broken(f"{where}: status {code} is not in the schema")
    if code >= 400:
        detail = r.json().get("detail")
        if not (isinstance(detail, dict) and detail.get("kind") in KINDS
                and detail.get("message")):
            raise Broken(f"{where}: {code} without a documented error body: {r.text[:200]}")
        if _PYTHON_TEXT.search(detail["message"]):
            raise Broken(f"{where}: {code} shows Python's exception text: {detail['message']}")
    return code


def t_bytes(text: str) -> Any:
    """What the byte-level mode (fuzz.bytes) drives: reading any text, printing it in
    every form and differentiating it once."""
    e = _expr(text)
    return str(e), e.latex(), to_mathml(e), str(bibun.diff(e, (sorted(e.free) or ["x"])[0]))


TARGETS: dict[str, Callable[[str], Any]] = {
    name.removeprefix("t_"): fn for name, fn in globals().items() if name.startswith("t_")}
