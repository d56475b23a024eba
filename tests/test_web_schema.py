"""The OpenAPI schema and the server agree.

What the schema documents is what the server does, read from ``/openapi.json`` itself:

* every status a POST operation answers (400 unreadable body, 413 too large, 415 not
  JSON, 422 invalid fields) is among that operation's documented responses, and every
  documented status is one the server gives (408 and 429 are produced by their own units
  below and in tests/test_web_api.py);
* a method the schema does not list for a path is 405 with an ``Allow`` header naming
  exactly the documented methods (``POST /api/health`` is 405, not 415);
* a formula field the server would refuse blank is blank-refused by the schema too
  (``minLength`` 1 and a non-space character), while the page's state, which may be
  blank, is answered;
* no refusal carries a framework's or Python's own words, and a schema-valid body is
  never refused as invalid (a schemathesis property over three operations).
"""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import HealthCheck, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from fastapi.testclient import TestClient

from bibun import i18n
from bibun.web import create_app
from bibun.web.tasks import KINDS

APP = create_app(workers=2, slow_workers=1, allowed_hosts=["testserver"], budget=1.0,
                 fast_budget=0.3)
#: words of FastAPI, pydantic, Starlette and Python that must never reach a client
FOREIGN = re.compile(r"Input should|Field required|String should|There was an error|Method Not"
                     r"|Not Found|Error\b|Exception|Traceback|value_error|type=")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    APP.state.practice_db = str(tmp_path_factory.mktemp("schema") / "progress.sqlite3")
    with TestClient(APP) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client):
    return client.get("/openapi.json").json()


def operations(spec: dict, method: str) -> list[tuple[str, dict]]:
    return [(path, ops[method]) for path, ops in spec["paths"].items() if method in ops]


def refusal(r) -> dict:
    """The one vocabulary: a documented kind and a message in bibun's words."""
    detail = r.json()["detail"]
    assert detail["kind"] in KINDS, r.text
    assert detail["message"] and not FOREIGN.search(detail["message"]), r.text
    return detail


#: how to make each operation answer each refusal, without computing anything
PROBES = {
    400: dict(content=b'{"expr": "x\xff\xfe"}', headers={"content-type": "application/json"}),
    413: dict(content=b'{"expr": "' + b"x" * 40_000 + b'"}',
              headers={"content-type": "application/json"}),
    415: dict(content=b'{"expr": "x"}', headers={"content-type": "text/plain"}),
    422: dict(json={"no_such_field": 1}),
}


def test_every_refusal_of_every_operation_is_documented_for_it(client, spec):
    posts = operations(spec, "post")
    assert len(posts) >= 20
    for path, op in posts:
        documented = {int(s) for s in op["responses"]}
        for status, probe in PROBES.items():
            r = client.post(path, **probe)
            assert r.status_code == status, (path, status, r.text)
            assert status in documented, (path, status, sorted(documented))
            refusal(r)


def test_every_documented_status_is_one_the_server_gives(spec):
    """The union of the documented statuses is what PROBES, the units below and the
    practice store's 503 produce; nothing is documented that cannot happen."""
    produced = {200, *PROBES, 408, 429}
    for path, op in operations(spec, "post"):
        documented = {int(s) for s in op["responses"]}
        extra = {503} if path.startswith("/api/practice/") else set()
        assert documented == produced | extra, (path, sorted(documented))
    for path, op in operations(spec, "get"):
        assert {int(s) for s in op["responses"]} == {200}, path


def test_methods_the_schema_does_not_list_are_405_with_allow(client, spec):
    for path, ops in spec["paths"].items():
        listed = {m.upper() for m in ops}
        for method in METHODS:
            if method in listed:
                continue
            r = client.request(method, path, json={} if method != "GET" else None,
                               headers={"accept-language": "ja"})
            assert r.status_code == 405, (method, path, r.status_code, r.text)
            assert set(r.headers["allow"].replace(" ", "").split(",")) == listed, (method, path)
            assert "405" not in r.text and refusal(r)["kind"] == "request"
            assert method in r.json()["detail"]["message"]
    # a POST without JSON where no operation takes a POST is the same 405, not 415
    r = client.post("/api/health", content=b"x", headers={"content-type": "text/plain"})
    assert r.status_code == 405 and r.headers["allow"] == "GET"


def test_blank_formulas_are_refused_by_the_schema_as_by_the_server(client, spec):
    schemas = spec["components"]["schemas"]
    fields = [(name, f) for name, s in schemas.items() if name != "PageIn"
              for f in ("expr", "answer") if f in s.get("properties", {})]
    assert len(fields) >= 10
    for name, f in fields:
        prop = schemas[name]["properties"][f]
        assert prop["minLength"] == 1 and prop["pattern"] == r"\S", (name, f)
        assert re.search(prop["pattern"], "   ") is None and re.search(prop["pattern"], " x")
    for blank in ["", "   "]:
        for lang in ("en", "ja"):
            r = client.post("/api/diff", json={"expr": blank, "lang": lang},
                            headers={"accept-language": lang})
            assert r.status_code == 422
            assert refusal(r)["message"] == i18n.text("error.parse.empty", lang)
    # the page's state may be blank: answered, the parse panel says why
    page = schemas["PageIn"]["properties"]["expr"]
    assert "minLength" not in page and "pattern" not in page
    r = client.post("/api/page", json={"expr": "", "panels": ["diff"]})
    assert r.status_code == 200
    assert r.json()["panels"]["parse"]["error"]["message"] == i18n.text("error.parse.empty",
                                                                        "en")


@pytest.mark.parametrize("body, words", [
    ({"expr": "x", "order": "two"}, "order"),
    ({"expr": "x", "at": {"x": 1e300}}, "at.x"),
    ({"expr": "x", "var": "1x"}, "var"),
    ({"expr": "x", "lang": "fr"}, "en, ja"),
    ({"expr": "x", "typo": 1}, "typo"),
    ({}, "expr"),
])
def test_invalid_fields_are_named_in_bibuns_words_in_both_languages(client, body, words):
    for lang in ("en", "ja"):
        r = client.post("/api/diff", json=body, headers={"accept-language": lang})
        assert r.status_code == 422
        detail = refusal(r)
        assert detail["kind"] == "validation" and words in detail["message"]
        prefix = i18n.text("web.error.validation", lang, details="")
        assert detail["message"].startswith(prefix)


@pytest.mark.parametrize("path, body", [
    ("/api/diff", {"expr": "x", "forms": 0}), ("/api/diff", {"expr": "x", "steps": "yes"}),
    ("/api/page", {"expr": "x", "steps": 1}),
])
def test_switches_are_true_or_false_never_a_number_quietly_read(client, path, body):
    r = client.post(path, json=body)
    assert r.status_code == 422 and refusal(r)["kind"] == "validation"
    assert i18n.text("web.invalid.kind.boolean", "en") in refusal(r)["message"]


@pytest.mark.parametrize("path, body, kind", [
    ("/api/diff", {"expr": "x", "order": "2"}, "integer"),
    ("/api/diff", {"expr": "x", "order": True}, "integer"),
    ("/api/diff", {"expr": "x", "order": 2.5}, "integer"),
    ("/api/page", {"expr": "x", "taylor": "3"}, "integer"),
    ("/api/page", {"expr": "x", "descent": {"start": [1, 2], "steps": "5"}}, "integer"),
    ("/api/practice/hint", {"topic": "chain", "level": 1, "seed": "7", "rung": 1}, "integer"),
    ("/api/practice/problem", {"level": True}, "integer"),
    ("/api/diff", {"expr": "x", "at": {"x": "1"}}, "number"),
    ("/api/tangent", {"expr": "x", "at": True}, "number"),
])
def test_numbers_are_numbers_never_text_or_a_switch_quietly_read(client, path, body, kind):
    """Strict like the switches: "2" is not 2 and true is not 1; the schema's type is
    named in the refusal."""
    r = client.post(path, json=body)
    assert r.status_code == 422 and refusal(r)["kind"] == "validation", r.text
    assert i18n.text(f"web.invalid.kind.{kind}", "en") in refusal(r)["message"]


def test_a_whole_number_written_with_a_point_is_an_integer_as_json_schema_says(client, spec):
    """JSON Schema's integer is a number without a fraction: 2.0 is one (schemathesis
    sends it), so the server reads it as 2, while a real number's 1 stays a number."""
    assert spec["components"]["schemas"]["DiffIn"]["properties"]["order"]["type"] == "integer"
    r = client.post("/api/diff", json={"expr": "x^3", "order": 2.0, "forms": False})
    assert r.status_code == 200, r.text
    assert r.json()["order"] == 2 and r.json()["derivative"]["text"] == "6x"
    level = spec["components"]["schemas"]["HintIn"]["properties"]["level"]
    assert (level["type"], level["minimum"], level["maximum"]) == ("integer", 1, 3)


def test_the_graph_of_a_constant_says_so_in_the_learners_words(client):
    """"0" at x = 1 has nothing to differentiate: the graph's own sentence, not the
    autodiff library's advice about requires_grad."""
    for lang in ("en", "ja"):
        r = client.post("/api/graph", json={"expr": "0", "at": {"x": 1}, "lang": lang})
        assert r.status_code == 422 and refusal(r)["kind"] == "domain"
        assert refusal(r)["message"] == i18n.text("web.error.constant_graph", lang)


def test_a_refused_body_is_answered_in_its_own_language(client):
    r = client.post("/api/diff", json={"expr": "x", "forms": 0, "lang": "ja"},
                    headers={"accept-language": "en"})
    assert refusal(r)["message"].startswith(i18n.text("web.error.validation", "ja",
                                                      details=""))


def test_a_wrong_host_is_refused_in_the_vocabulary(client):
    r = client.get("/api/health", headers={"host": "evil.example", "accept-language": "ja"})
    assert r.status_code == 400 and r.headers["content-type"] == "application/json"
    assert refusal(r)["message"] == i18n.text("web.error.host", "ja", host="evil.example")
    assert client.get("/api/health", headers={"host": "testserver:8000"}).status_code == 200


def test_a_busy_pool_is_the_documented_429():
    """attempt() maps the pool's Busy to 429 "busy" (the status the schema documents)."""
    import anyio

    from bibun.web.api import attempt
    from bibun.web.pool import Busy

    class Saturated:
        total_budget = 1.0

        def run(self, *args, **kwargs):
            raise Busy("all workers busy")

    status, data = anyio.run(attempt, Saturated(), "diff", {"expr": "x", "lang": "ja"})
    assert status == "error" and data["status"] == 429 and data["kind"] == "busy"
    assert data["message"] == i18n.text("web.error.busy", "ja")


schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE])


@schema.include(path_regex=r"^/api/(diff|check|parse)$").parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_a_body_the_schema_accepts_is_never_refused_as_invalid(case):
    """Positive bodies only: the answer is a result or the formula's own error (parse,
    limit, domain…), never "validation", and its status is documented."""
    r = case.call()
    documented = {int(s) for s in case.operation.definition.raw["responses"]}
    assert r.status_code in documented, (case.body, r.status_code)
    if r.status_code != 200:
        detail = r.json()["detail"]
        assert detail["kind"] != "validation", (case.body, r.text)
        assert detail["kind"] in KINDS and not FOREIGN.search(detail["message"]), r.text


@pytest.fixture(scope="module", autouse=True)
def _close_pool():
    yield
    APP.state.get_compute().close()
