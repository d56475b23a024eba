"""The page's declared constants and its "read as" echo, through the HTTP API.

* ``constants`` on ``/api/quick`` and ``/api/page`` (the page's own requests, beside
  ``/api/diff`` and ``/api/check``): the variable is the one name they leave and the
  derivative is an ordinary d/dx; an operator naming a constant is refused in the
  request's language;
* ``read_as`` in the parse panel and ``answer_read_as`` in a check: the reading, as the
  CLI echoes it, only when it could be doubted (``sin x^2``, ``1/2x``), else null.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bibun.web.app import create_app


@pytest.fixture(scope="module")
def client():
    app = create_app(workers=2, slow_workers=1, allowed_hosts=["testserver"])
    with TestClient(app) as c:
        yield c


def page(c: TestClient, path: str, **body) -> dict:
    r = c.post(f"/api/{path}", json={"x0": 1.0, **body})
    assert r.status_code == 200, r.text
    return r.json()


def test_declared_constants_leave_one_variable(client):
    r = page(client, "quick", expr="a x^2 + b x", constants=["a", "b"])
    assert r["variable"] == "x" and r["constants"] == ["a", "b"]
    d = r["panels"]["diff"]["data"]
    assert d["derivative"]["text"].replace(" ", "") == "2ax+b" and d["constants"] == ["a", "b"]
    # without them the page's variable is still x, but the formula has three names: ∂
    plain = page(client, "quick", expr="a x^2 + b x")
    assert plain["constants"] == [] and plain["panels"]["diff"]["data"]["constants"] == []
    # the one name left need not be x
    r = page(client, "page", expr="k t^3", constants=["k"], panels=["diff", "point"])
    d = r["panels"]["diff"]["data"]["derivative"]["text"]
    assert r["variable"] == "t" and d.replace(" ", "") == "3kt^2"


def test_an_operator_on_a_constant_is_refused_in_the_page_language(client):
    """Said where the formula is read (the page shows it under the formula)."""
    for lang, words in (("en", "constant"), ("ja", "定数")):
        r = page(client, "quick", expr="d/da (a x^2)", constants=["a"], lang=lang)
        err = r["panels"]["parse"]["error"]
        assert err["kind"] == "input" and words in err["message"] and "diff" not in r["panels"]


def test_read_as_only_when_the_reading_could_be_doubted(client):
    def read_as(expr: str) -> str | None:
        return page(client, "quick", expr=expr)["panels"]["parse"]["data"]["read_as"]

    assert read_as("sin x^2") == "sin(x²)"
    assert read_as("x^2+1") is None and read_as("(x^3+1)^2") is None


def test_check_echoes_a_doubtful_answer_and_takes_constants(client):
    r = client.post("/api/check", json={"expr": "x^2", "answer": "1/2x"}).json()
    assert r["correct"] is False and r["answer_read_as"] == "x/2"
    r = client.post("/api/check", json={"expr": "x^2", "answer": "2x"}).json()
    assert r["correct"] is True and r["answer_read_as"] is None
    r = client.post("/api/check", json={"expr": "a x^2", "answer": "2a x",
                                        "constants": ["a"]}).json()
    assert r["correct"] is True and r["variable"] == "x"
