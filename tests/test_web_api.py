"""The workbench's JSON API: every endpoint, good input and bad, and the safety limits.

The app runs in-process (Starlette's TestClient) with its real worker pool, so the
compute budget, the worker restarts and the security middleware are the ones
`bibun serve` uses.
"""

from __future__ import annotations

import json
import math
import re
import time
import warnings
from pathlib import Path

import pytest

from bibun.expr.parse import parse_full
from bibun.expr.printers import to_text
from bibun.symbolic import diff

with warnings.catch_warnings():  # Starlette nags about httpx vs httpx2; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from bibun.web import create_app

HOSTILE = [
    "",
    "   ",
    "__import__('os')",
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "lambda: 0",
    "x; import os",
    "9^9^9^9",
    "\x00\x01\x02",
    "x^^2",
    "((((x",
    "sin(",
    "\\frac{1}{",
    "😀 + x",
]
ENDPOINTS = {
    "parse": {},
    "diff": {},
    "check": {"answer": "2x"},
    "numdiff": {"at": 1.0},
    "verify": {"at": 1.0},
    "series": {},
    "tangent": {"at": 1.0},
    "sample": {},
    "surface": {},
    "descend": {"start": [1.0, 1.0]},
    "graph": {"at": {"x": 1.0}},
    "page": {},
    "quick": {},
}
#: the error kinds docs/web.md documents: the whole vocabulary
KINDS = {"parse", "limit", "domain", "input", "budget", "validation", "request", "busy",
         "storage", "internal"}


@pytest.fixture(scope="module")
def client():
    app = create_app(workers=2, slow_workers=1, allowed_hosts=["testserver"])
    with TestClient(app) as c:
        yield c


def post(c: TestClient, path: str, body: dict, **kw):
    return c.post(f"/api/{path}", json=body, **kw)


def ok(c: TestClient, path: str, body: dict) -> dict:
    r = post(c, path, body)
    assert r.status_code == 200, r.text
    return r.json()


def assert_alive(c: TestClient) -> None:
    """The server still answers a cheap request."""
    r = post(c, "diff", {"expr": "x^2"})
    assert r.status_code == 200, r.text
    assert r.json()["derivative"]["text"] == "2x"


# -- the happy paths ---------------------------------------------------------------------


def test_parse_gives_mathml_and_variables(client):
    r = ok(client, "parse", {"expr": "(x^3+1)^2"})
    assert r["variables"] == ["x"]
    assert r["formula"]["text"] == "(x^3 + 1)^2"
    m = r["formula"]["mathml"]
    assert m.startswith("<math") and "<msup>" in m and "<mn>3</mn>" in m


def test_parse_error_has_column(client):
    r = post(client, "parse", {"expr": "x^^2"})
    assert r.status_code == 422
    d = r.json()["detail"]
    assert d["kind"] == "parse" and d["column"] == 3 and d["message"]


def test_parse_warning_for_ambiguous_input(client):
    r = ok(client, "parse", {"expr": "1/2x"})
    assert r["warnings"] and "1/2x" in r["warnings"][0]


def test_diff_textbook_form_and_forms(client):
    r = ok(client, "diff", {"expr": "(x^3+1)^2"})
    assert r["derivative"]["text"] == "6x^2(x^3 + 1)"
    assert r["derivative"]["unicode"] == "6x²(x³ + 1)"
    assert "<mn>6</mn>" in r["derivative"]["mathml"]
    texts = {f["formula"]["text"] for f in r["forms"]}
    assert "6x^5 + 6x^2" in texts


@pytest.mark.parametrize("expr,expected", [
    ("1/(x^3+1)", "-3x^2/(x^3 + 1)^2"),
    ("sigmoid(x)", "sigmoid(x)(1 - sigmoid(x))"),
    ("tanh(x)", "1 - tanh(x)^2"),
    ("0.01x^2+0.1x", "0.02x + 0.1"),
])
def test_diff_seed_examples(client, expr, expected):
    assert ok(client, "diff", {"expr": expr})["derivative"]["text"] == expected


def test_diff_partial_and_order(client):
    r = ok(client, "diff", {"expr": "x^2 y + y^3", "var": "y", "order": 2})
    assert r["variable"] == "y" and r["order"] == 2
    assert r["derivative"]["text"] == "6y"


def test_diff_of_high_order_names_shared_parts_instead_of_failing(client):
    """The 8th derivative of a three-deep sine nest is too long to read as a tree; the
    page gets the `where t1 = …` form, which reads back as the same derivative."""
    from bibun.expr.shared import read

    nest = "sin(sin(sin(x)))"
    r = ok(client, "diff", {"expr": nest, "order": 8})
    assert "where" in r["derivative"]["text"] and "t_{1}" in r["derivative"]["latex"]
    assert read(r["derivative"]["text"]) is diff(parse_full(nest).expr, "x", 8)


def test_diff_and_check_take_declared_constants(client):
    r = ok(client, "diff", {"expr": "a t^2 + b", "constants": ["a", "b"]})
    assert r["variable"] == "t" and r["constants"] == ["a", "b"]
    assert r["derivative"]["text"] == to_text(diff(parse_full("a t^2 + b").expr, "t"))
    assert ok(client, "check", {"expr": "a t^2 + b", "answer": "2a t",
                                "constants": ["a", "b"]})["correct"] is True
    r = client.post("/api/diff", json={"expr": "a t^2", "var": "a", "constants": ["a"]})
    assert r.status_code == 422 and "constant" in r.json()["detail"]["message"]


def test_diff_reads_a_leading_derivative_operator(client):
    r = ok(client, "diff", {"expr": r"\frac{\partial}{\partial y}(x^2 y)"})
    assert r["variable"] == "y" and r["derivative"]["text"] == "x^2"
    clash = post(client, "diff", {"expr": "d/dx (x^2 y)", "var": "y"})
    assert clash.status_code == 422 and "with respect to x" in clash.text


def test_parse_and_check_read_a_leading_derivative_operator(client):
    r = ok(client, "parse", {"expr": "d/dt (t^3 + x)"})
    assert r["default_variable"] == "t" and r["formula"]["text"] == "t^3 + x"
    r = ok(client, "check", {"expr": "d/dt (t^3 + x)", "answer": "3t^2"})
    assert r["correct"] is True


def test_diff_value_at_point_is_exact(client):
    r = ok(client, "diff", {"expr": "(x^3+1)^2", "at": {"x": 0.5}})
    assert r["value"]["exact"] == "81/64"
    assert r["derivative_value"]["exact"] == "27/16"
    assert r["derivative_value"]["value"] == pytest.approx(1.6875)


def test_diff_refuses_corner_point(client):
    r = post(client, "diff", {"expr": "|x|", "at": {"x": 0}})
    assert r.status_code == 422
    assert "not differentiable" in r.json()["detail"]["message"]


def test_diff_missing_value_names_the_variable(client):
    r = post(client, "diff", {"expr": "x y", "at": {"x": 1}})
    assert r.status_code == 422 and "y" in r.json()["detail"]["message"]


def test_diff_steps(client):
    r = ok(client, "diff", {"expr": "(x^3+1)^2", "steps": True, "lang": "ja"})
    steps = r["steps"]
    assert steps["available"] is True
    blob = json.dumps(steps, ensure_ascii=False)
    assert "連鎖律" in blob


def test_check_answer(client):
    r = post(client, "check", {"expr": "(x^3+1)^2", "answer": "6x^2(x^3+1)"})
    assert r.status_code == 200 and r.json()["correct"] is True
    wrong = ok(client, "check", {"expr": "(x^3+1)^2", "answer": "2(x^3+1)"})
    assert wrong["correct"] is False


def test_check_unparsable_answer_says_which(client):
    r = post(client, "check", {"expr": "x^2", "answer": "2x +"})
    assert r.status_code == 422
    assert r.json()["detail"]["message"].startswith("answer")


def test_numdiff_reports_error_and_exact(client):
    r = ok(client, "numdiff", {"expr": "log(sin(x^3-2))", "at": 1.5})
    assert r["value"] == pytest.approx(r["exact"]["value"], rel=1e-10)
    assert r["error_estimate"] is not None and r["abs_error"] < 1e-9


def test_numdiff_textbook_central_difference(client):
    r = ok(client, "numdiff", {"expr": "0.01x^2 + 0.1x", "at": 5, "method": "central",
                               "h": 1e-4})
    assert r["value"] == pytest.approx(0.2, abs=1e-9)


def test_verify_three_way(client):
    r = ok(client, "verify", {"expr": "sigmoid(x)", "at": 0})
    assert r["symbolic"]["value"] == 0.25
    assert r["numeric"]["value"] == pytest.approx(0.25, abs=1e-12)
    assert r["automatic"]["value"] == pytest.approx(0.25, abs=1e-15)
    assert r["agree"] is True


def test_verify_two_variables(client):
    r = ok(client, "verify", {"expr": "x^2 + y^2", "var": "x", "at": 3, "point": {"y": 4}})
    assert r["symbolic"]["value"] == 6 and r["agree"]


def test_series_exp(client):
    r = ok(client, "series", {"expr": "e^x", "order": 3})
    assert r["series"]["text"] == "x^3/6 + x^2/2 + x + 1"


def test_tangent_exact(client):
    r = ok(client, "tangent", {"expr": "x^2", "at": 1})
    assert r["line"]["text"] == "2x - 1" and r["slope"] == 2 and r["y0"] == 1


def test_tangent_with_other_variables_fixed(client):
    r = ok(client, "tangent", {"expr": "x^2 y", "var": "x", "at": 1, "point": {"y": 3}})
    assert r["line"]["text"] == "6x - 3"


def test_sample_gaps_are_null(client):
    r = ok(client, "sample", {"expr": "log(x)", "lo": -1, "hi": 1, "n": 5})
    assert r["x"] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert r["f"][0] is None and r["f"][1] is None
    assert r["f"][4] == 0.0 and r["df"][4] == 1.0


def test_sample_params_substituted(client):
    r = ok(client, "sample", {"expr": "sigmoid(a x)", "params": {"a": 4}, "lo": -1, "hi": 1,
                              "n": 3})
    assert r["df"][1] == pytest.approx(1.0)  # a/4 at x = 0


def test_surface_grid_and_field(client):
    r = ok(client, "surface", {"expr": "x^2+y^2", "n": 5, "xrange": [-2, 2],
                               "yrange": [-2, 2]})
    assert r["vars"] == ["x", "y"] and len(r["z"]) == 5 and len(r["z"][0]) == 5
    assert r["z"][2][2] == 0.0 and r["z"][0][0] == 8.0
    assert len(r["field"]["u"]) == len(r["field"]["x"]) == 25


def test_surface_needs_two_variables(client):
    r = post(client, "surface", {"expr": "x y z"})
    assert r.status_code == 422 and "two variables" in r.json()["detail"]["message"]


def test_descend_converges_and_diverges(client):
    r = ok(client, "descend", {"expr": "x^2+y^2", "start": [3, 4], "lr": 0.1, "steps": 300})
    assert r["reason"] == "converged"
    assert abs(r["path"][-1][0]) < 1e-5 and r["path"][0] == [3.0, 4.0]
    r = ok(client, "descend", {"expr": "x^2+y^2", "start": [3, 4], "lr": 1.5, "steps": 300})
    assert r["reason"] == "diverged"


@pytest.mark.parametrize("opt", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_descend_every_optimizer(client, opt):
    r = ok(client, "descend", {"expr": "x^2/20+y^2", "start": [-7, 2], "optimizer": opt,
                               "lr": 0.1, "steps": 30})
    assert len(r["path"]) >= 2 and r["optimizer"] == opt


def test_graph_svg_with_values_and_gradients(client):
    r = ok(client, "graph", {"expr": "(x^3+1)^2", "at": {"x": 1}})
    assert "<svg" in r["svg"]
    assert r["value"] == 4 and r["gradients"] == {"x": 12.0}


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and "stats" in r.json()


# -- the page, docs and headers ------------------------------------------------------------


def test_page_and_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and "<textarea id=\"expr\"" in r.text
    assert "<script>" not in r.text  # no inline script: the CSP forbids it
    for name in ("app.js", "cards.js", "plot.js", "style.css", "docs.js", "icon.svg"):
        assert client.get(f"/static/{name}").status_code == 200
    js = client.get("/static/plot.js")
    assert "javascript" in js.headers["content-type"] and "bibunPlot" in js.text
    assert '<script src="/static/plot.js" defer></script>' in r.text


def test_security_headers(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    script = [p for p in csp.split(";") if p.strip().startswith("script-src")][0]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" in post(client, "diff", {"expr": "x"}).headers


def test_no_filesystem_access_through_paths(client):
    for path in ("/static/../app.py", "/static/..%2Fapp.py", "/static/%2e%2e/pyproject.toml",
                 "/static/index.html/../../../etc/passwd", "/static/tasks.py"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "import" not in r.text


def test_cors_closed(client):
    r = client.options("/api/diff", headers={
        "origin": "http://evil.example", "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"})
    assert "access-control-allow-origin" not in r.headers
    r = post(client, "diff", {"expr": "x"}, headers={"origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_foreign_host_header_refused(client):
    r = client.get("/api/health", headers={"host": "evil.example"})
    assert r.status_code == 400


def test_docs_and_openapi(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "/static/docs.js" in r.text
    spec = client.get("/openapi.json").json()
    for name in ENDPOINTS:
        assert f"/api/{name}" in spec["paths"], name
    expr_schema = spec["components"]["schemas"]["DiffIn"]["properties"]["expr"]
    assert expr_schema["maxLength"] == 10_000


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_hostile_formulas_are_4xx(client, endpoint, text):
    body = {"expr": text, **ENDPOINTS[endpoint]}
    r = post(client, endpoint, body)
    if endpoint in ("page", "quick"):  # the page's answers are 200 with the formula's error in it
        assert r.status_code in (200, 422), r.text
        detail = r.json()["panels"]["parse"]["error"] if r.status_code == 200 \
            else r.json()["detail"]
    else:
        assert 400 <= r.status_code < 500, (endpoint, text, r.status_code, r.text)
        detail = r.json()["detail"]
    assert detail["message"] and "Traceback" not in detail["message"]
    assert detail["kind"] in KINDS


def test_error_messages_are_clear(client):
    assert post(client, "diff", {"expr": ""}).json()["detail"]["message"].startswith("empty")
    d = post(client, "diff", {"expr": "9^9^9^9"}).json()["detail"]
    assert d["kind"] == "limit" and "too large" in d["message"]
    d = post(client, "diff", {"expr": "__import__('os')"}).json()["detail"]
    assert d["kind"] == "parse" and d["column"] == 1


def test_formula_over_10kb_refused(client):
    r = post(client, "diff", {"expr": "x+" * 5000 + "x"})
    assert r.status_code == 422
    assert "10000" in r.json()["detail"]["message"].replace(",", "")


def test_100000_parentheses_refused(client):
    r = post(client, "diff", {"expr": "(" * 100_000 + "x" + ")" * 100_000})
    assert r.status_code == 413
    # within the size limit, deep nesting is still fine or a clear 4xx
    r = post(client, "diff", {"expr": "(" * 4_000 + "x" + ")" * 4_000})
    assert r.status_code in (200, 422)
    assert_alive(client)


def test_huge_body_refused_before_parsing(client):
    r = client.post("/api/diff", content=b"{" + b" " * 200_000 + b"}",
                    headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_binary_body_refused(client):
    r = client.post("/api/diff", content=bytes(range(256)) * 4,
                    headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500
    r = client.post("/api/diff", content=b'{"expr": "x\xff\xfe"}',  # not UTF-8
                    headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500


def test_not_json_refused(client):
    r = client.post("/api/diff", content=b"expr=x", headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    r = client.post("/api/diff", content=b'{"expr": "x"}', headers={"content-type": "text/plain"})
    assert r.status_code == 415


@pytest.mark.parametrize("body", [
    {"expr": "x", "typo": 1},
    {"expr": 5},
    {"expr": ["x"]},
    {"expr": "x", "order": 0},
    {"expr": "x", "order": 11},
    {"expr": "x", "var": "__class__"},
    {"expr": "x", "var": "x; rm"},
    {"expr": "x", "at": {"x": 1e300}},
    {"expr": "x", "lang": "fr"},
    {},
])
def test_invalid_fields_are_422(client, body):
    r = post(client, "diff", body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["kind"] == "validation"


def test_nan_refused(client):
    r = client.post("/api/tangent", content=b'{"expr": "x", "at": NaN}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_pathological_formula_hits_budget_and_server_stays_up(client):
    """The budget or the size limit, not a timer in the test, ends the work.

    Which one stops it first depends on how fast the core is (compiled or pure);
    both are documented error kinds with a message that says what was exceeded
    (timings: bench/web_load.py).
    """
    slow = "sin(" * 1000 + "x" + ")" * 1000
    r = post(client, "diff", {"expr": slow, "order": 3})
    assert r.status_code == 422
    d = r.json()["detail"]
    expected = {"budget": "computation", "limit": "too large"}
    assert d["kind"] in expected and expected[d["kind"]] in d["message"]
    assert_alive(client)
    # the second time it is refused too (remembered as too slow)
    assert post(client, "diff", {"expr": slow, "order": 3}).status_code == 422


def test_cheap_requests_flow_while_a_slow_one_runs(client):
    import threading

    slow = "cos(" * 1000 + "x" + ")" * 1000
    out: dict[str, int] = {}
    th = threading.Thread(target=lambda: out.setdefault(
        "code", post(client, "diff", {"expr": slow, "order": 3}).status_code))
    th.start()
    time.sleep(0.1)
    for k in range(5):
        assert post(client, "diff", {"expr": f"x^{k + 2} + {k}"}).status_code == 200
    th.join()
    assert out["code"] == 422


def test_the_derivative_of_a_constant_is_sampled_as_zero_not_null():
    """One sampler for plots and the page: the derivative of 7 is 0 everywhere."""
    from bibun.web.tasks import t_sample

    out = t_sample({"expr": "7", "lo": -1.0, "hi": 1.0, "n": 3})
    assert out["f"] == [7.0, 7.0, 7.0] and out["df"] == [0.0, 0.0, 0.0]


# -- one error vocabulary, in the user's language -------------------------------------------


def test_no_python_exception_names_reach_the_user(client):
    """Arithmetic on the user's numbers is a documented kind with a sentence, not
    "ZeroDivisionError: …" under an undocumented kind."""
    for path, body in [("diff", {"expr": "x^(10^400)", "at": {"x": 2}}),
                       ("verify", {"expr": "1/(x-1)", "at": 1.0}),
                       ("diff", {"expr": "(x-1)^(-1)", "at": {"x": 1}}),
                       ("numdiff", {"expr": "exp(exp(x))", "at": 100.0})]:
        r = post(client, path, body)
        if r.status_code == 200:
            continue
        detail = r.json()["detail"]
        assert detail["kind"] in KINDS, (path, body, detail)
        assert "Error" not in detail["message"], (path, body, detail)


def test_errors_speak_the_requests_language(client):
    d = post(client, "diff", {"expr": "x^^2", "lang": "ja"}).json()["detail"]
    assert d["kind"] == "parse" and d["column"] == 3
    d = post(client, "surface", {"expr": "x+y+z", "lang": "ja"}).json()["detail"]
    assert "等高線" in d["message"]
    d = post(client, "diff", {"expr": "x", "order": 99},
             headers={"accept-language": "ja-JP,ja;q=0.9"}).json()["detail"]
    assert d["kind"] == "validation" and "リクエスト" in d["message"]
    r = client.get("/nowhere", headers={"accept-language": "ja"})
    assert r.status_code == 404 and r.json()["detail"]["kind"] == "request"


def test_page_batch_answers_every_panel_for_one_state(client):
    r = ok(client, "page", {"expr": "(x^3+1)^2", "x0": 1, "order": 2, "taylor": 3,
                            "steps": True})
    panels = r["panels"]
    assert r["variable"] == "x" and r["point"] == {"x": 1.0}
    assert panels["diff"]["data"]["order"] == 2
    assert panels["point"]["data"]["derivative_value"]["exact"] == "42"  # f''(1) = 30 + 12
    degrees = [t["formula"]["text"] for t in panels["series"]["data"]["terms"]]
    assert degrees[0] == "4" and degrees[1] == "12(x - 1)"  # ascending degree
    assert len(panels["series"]["data"]["y"]) == 201


def test_page_batch_follows_the_formulas_operator():
    """README's operator example: the variable is y even when the page had chosen x."""
    from bibun.web.page import t_page

    for text in ["∂/∂y (x^2 y)", r"\frac{\partial}{\partial y}\left(x^2 y\right)"]:
        out = t_page({"expr": text, "var": "x", "x0": 2.0, "panels": ["diff", "point"]})
        assert out["variable"] == "y", text
        assert out["panels"]["diff"]["data"]["derivative"]["text"] == "x^2"
        assert out["point"] == {"x": 1.0, "y": 2.0}


def test_page_batch_descent_window_fits_start_and_path():
    from bibun.web.page import t_page

    out = t_page({"expr": "x^2+y^2", "panels": ["descent"],
                  "descent": {"start": [-7.0, 2.0], "optimizer": "gd", "lr": 0.1,
                              "steps": 100}})
    d = out["panels"]["descent"]["data"]
    (x0, x1), (y0, y1) = d["xrange"], d["yrange"]
    assert x0 < -7 < x1 and y0 < 2 < y1 and x0 < 0 < x1 and y0 < 0 < y1
    assert d["run"]["reason"] == "converged" and len(d["run"]["values"]) > 2


def test_static_files_are_compressed_and_cached(client):
    r = client.get("/static/plot.js", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.headers["cache-control"] == "no-cache"
    assert r.num_bytes_downloaded < len(r.content) / 2
    again = client.get("/static/plot.js", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304
    r = client.get("/static/app.js", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.headers["cache-control"] == "no-cache"


def test_the_page_draws_its_plots_itself(client):
    """The plots are the page's own SVG (static/plot.js, a few KB): no plotting library is
    served or loaded (plotly.js's start-up was one ~1 s main-thread task that held the
    keyboard), and every script draws through plot.js's interface."""
    static = Path(__file__).resolve().parent.parent / "src" / "bibun" / "web" / "static"
    assert client.get("/vendor/plotly.min.js").status_code == 404
    plot = client.get("/static/plot.js", headers={"accept-encoding": "gzip"})
    assert plot.num_bytes_downloaded < 12_000
    for f in static.glob("*.js"):
        text = f.read_text()
        assert "Plotly." not in text and "/vendor/plotly" not in text, f.name
    used = {m for f in static.glob("*.js") for m in re.findall(r'type: "(\w+)"', f.read_text())}
    assert used <= {"contour", "rect"}  # the trace and shape types plot.js draws


def test_page_words_come_from_the_catalogs(client):
    words = client.get("/api/messages").json()
    assert set(words) == {"en", "ja"} and set(words["en"]) == set(words["ja"])
    assert words["ja"]["derivative"] == "導関数"


def test_a_body_that_never_completes_is_cut_off():
    """The Guard middleware gives a request body BODY_TIMEOUT seconds, then answers 408."""
    import anyio

    from bibun.web.app import Guard

    sent: list[dict] = []

    async def app(scope, receive, send):  # pragma: no cover - never reached
        raise AssertionError("the app must not see an incomplete body")

    async def receive():
        if not sent:
            sent.append({"type": "first"})
            return {"type": "http.request", "body": b'{"expr":', "more_body": True}
        await anyio.sleep(60)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [
        (b"content-type", b"application/json")]}
    anyio.run(Guard(app, body_timeout=0.3), scope, receive, send)
    assert sent[1]["status"] == 408


def test_quick_answers_the_derivative_and_the_point_only(client):
    """The page's first request: the derivative (no steps, no other forms) and the values
    at the point, each its own panel, so an undefined point still shows the derivative."""
    r = ok(client, "quick", {"expr": "log(sin(x^3-2))", "x0": 1})
    panels = r["panels"]
    assert set(panels) == {"parse", "diff", "point"}
    d = panels["diff"]["data"]
    assert d["derivative"]["text"] == to_text(diff(parse_full("log(sin(x^3-2))").expr, "x"))
    assert d["forms"] == [] and "steps" not in d
    assert panels["point"]["error"]["kind"] == "domain"  # sin(-1) < 0: said in its panel
    r = ok(client, "quick", {"expr": "x^2 + y^2 = 1", "x0": 0.6, "point": {"y": 0.8}})
    assert r["mode"] == "implicit" and r["panels"]["equation"]["data"]["derivative"]["text"]


def test_page_answers_each_panel_on_its_own_budget():
    """/api/page runs one task per panel: a panel over the budget is that panel's error
    and the others are answered (the four optimizers' 2,000 steps take ~0.35 s of CPU,
    the tangent and the graph a few milliseconds; the budget here is 0.15 s)."""
    app = create_app(workers=2, slow_workers=1, allowed_hosts=["testserver"],
                     fast_budget=0.1, budget=0.15)
    with TestClient(app) as c:
        r = c.post("/api/page", json={
            "expr": "sin(x)*cos(y) + x^2/20 + y^2", "panels": ["tangent", "graph", "descent"],
            "descent": {"start": [-4, 3], "steps": 2000, "compare": True}})
    assert r.status_code == 200, r.text
    panels = r.json()["panels"]
    assert panels["descent"]["error"]["kind"] == "budget"
    assert panels["tangent"]["data"]["slope"] is not None
    assert "svg" in panels["graph"]["data"]


def test_the_first_derivative_is_written_into_the_page(client):
    """GET / has the derivative of the URL's formula in #derivative (bibun.web.first), as
    app.js draws it, so a cold load shows it at first paint."""
    html = client.get("/?f=sin(x)%5E2&n=2&lang=ja").text
    box = re.search(r'<div id="derivative"[^>]*>', html).group(0)
    expected = to_text(diff(parse_full("sin(x)^2").expr, "x", 2))
    assert f'data-text="{expected}"' in box and 'data-for="sin(x)^2"' in box
    assert 'data-lang="ja"' in box and 'data-order="2"' in box
    for query in ["?f=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", "?f=x%5E2%2By%5E2%3D1",
                  "?f=x&n=abc"]:  # not a formula, an equation, a bad order: the plain page
        html = client.get("/" + query).text
        assert '<div id="derivative" class="big" aria-live="polite" tabindex="0"></div>' in html
        assert "onerror" not in html.split("<body>")[1]


def test_first_answer_markup_passes_a_whitelist():
    """Whatever MathML reaches the page's HTML is rebuilt from a parse tree through a
    whitelist: an element outside it means no server-written answer at all."""
    from bibun.web.first import fill, headline

    good = ok_answer("<math><mi>x</mi></math>", "<math><mn>1</mn></math>")
    assert "<mi>x</mi>" in headline(good, "en", "x")
    page = '<body><div id="derivative" class="big" aria-live="polite" tabindex="0"></div>'
    bad = ok_answer("<math><mi>x</mi><script>alert(1)</script></math>", "<math/>")
    assert fill(page, ("ok", {"panels": {"diff": {"data": bad}}}), {"lang": "en",
                                                                     "expr": "x"}) is None
    quoted = ok_answer('<math><mi mathvariant="bold&quot; onload=&quot;x">x</mi></math>',
                       "<math><mn>1</mn></math>")
    assert 'onload="' not in headline(quoted, "en", "x")


def ok_answer(expression: str, derivative: str) -> dict:
    return {"variable": "x", "variables": ["x"], "order": 1,
            "expression": {"text": "x", "mathml": expression},
            "derivative": {"text": "1", "mathml": derivative}}


def test_descent_compare_runs_the_classic_four_at_their_presets():
    """The overlay: SGD, Momentum, AdaGrad, Adam at bibun.descend.CLASSIC's rates (the CLI
    plot's), one window for all; a path that diverges is cut at the window's edge."""
    from bibun.descend import CLASSIC
    from bibun.web.page import t_page

    out = t_page({"expr": "(x^2+y^2)*sin(x*y)", "panels": ["descent"],
                  "descent": {"start": [-4.0, 3.0], "steps": 50, "compare": True}})
    d = out["panels"]["descent"]["data"]
    assert [(r["label"], r["optimizer"], r["lr"]) for r in d["runs"]] == \
        [(k, v[0], v[1]) for k, v in CLASSIC.items()]
    (x0, x1), (y0, y1) = d["xrange"], d["yrange"]
    for r in d["runs"]:
        shown = r["path"][:r["shown"]]
        assert all(x0 <= p[0] <= x1 and y0 <= p[1] <= y1 for p in shown)
        if r["reason"] == "diverged":
            assert r["shown"] < len(r["path"])
    assert {r["reason"] for r in d["runs"]} >= {"diverged"}
    one = t_page({"expr": "x^2+y^2", "panels": ["descent"],
                  "descent": {"start": [1.0, 1.0], "optimizer": "adagrad", "lr": None}})
    assert one["panels"]["descent"]["data"]["run"]["lr"] == dict(CLASSIC.values())["adagrad"]


def test_parametric_answer_has_the_curve_and_the_point():
    from bibun.web.page import t_page

    out = t_page({"expr": "x = cos t, y = sin t", "x0": 1.0, "lo": 0.0, "hi": 3.0})
    d = out["panels"]["equation"]["data"]
    assert out["mode"] == "parametric" and d["curve"]["t"][0] == 0.0
    assert d["curve"]["x"][0] == 1.0 and d["curve"]["y"][0] == 0.0
    assert d["at"]["slope"] == pytest.approx(-1 / math.tan(1))
    assert d["at"]["x"] == pytest.approx(math.cos(1)) and d["at"]["y"] == pytest.approx(math.sin(1))


def test_parametric_taylor_panel_has_both_coordinates_polynomials():
    """x(t), y(t) are functions of t: their Taylor polynomials about t₀ (ascending), the
    curve they trace on the page's t; a coordinate without a series at t₀ says why."""
    from bibun.web.page import t_page

    out = t_page({"expr": "x = t^2, y = exp(t)", "x0": 0.0, "lo": -1.0, "hi": 1.0,
                  "taylor": 2})
    s = out["panels"]["equation"]["data"]["taylor"]
    assert [t["formula"]["text"] for t in s["y_terms"]] == ["1", "t", "t^2/2"]
    assert [t["formula"]["text"] for t in s["x_terms"]] == ["t^2"]
    ts = out["panels"]["equation"]["data"]["curve"]["t"]
    assert s["curve"]["y"] == pytest.approx([1 + t + t * t / 2 for t in ts])
    assert s["curve"]["x"] == pytest.approx([t * t for t in ts])
    edge = t_page({"expr": "x = t, y = sqrt(t)", "x0": 0.0, "lo": 0.0, "hi": 1.0,
                   "taylor": 2})["panels"]["equation"]["data"]["taylor"]
    assert edge["error"]["kind"] == "domain" and "sqrt" in edge["error"]["message"]
    none = t_page({"expr": "x = t, y = t^2", "x0": 0.0, "taylor": 0})
    assert "taylor" not in none["panels"]["equation"]["data"]
