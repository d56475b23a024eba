"""Schema-driven fuzzing of the workbench API: whatever the schema allows (and much that
it does not), the server answers with a 2xx or a 4xx, never a 5xx.

Schemathesis reads ``/openapi.json`` and generates requests for every operation; the
number of examples per operation is bounded so the whole file runs in well under a
minute.  Every 4xx speaks the one documented error vocabulary.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis

from bibun.web import create_app
from bibun.web.tasks import KINDS

APP = create_app(workers=2, slow_workers=1, allowed_hosts=["*"], budget=1.0, fast_budget=0.3)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# valid requests *and* requests that break the schema (wrong types, missing fields...)
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE,
                                       schemathesis.GenerationMode.NEGATIVE])



@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    code = response.status_code
    assert code < 500, f"{case.method} {case.path} {case.body!r} -> {code}: {response.text}"
    if code >= 400:
        detail = response.json()["detail"]
        assert isinstance(detail, dict) and detail["message"], response.text
        assert detail["kind"] in KINDS, response.text


def test_pool_survived_the_fuzzing():
    """After everything above, the pool still computes (workers were replaced, not lost)."""
    from fastapi.testclient import TestClient

    with TestClient(APP) as c:
        r = c.post("/api/diff", json={"expr": "(x^3+1)^2"})
    assert r.status_code == 200 and r.json()["derivative"]["text"] == "6x^2(x^3 + 1)"


@pytest.fixture(scope="module", autouse=True)
def _close_pool(tmp_path_factory):
    """The pool closed afterwards; the practice endpoints write a throwaway database,
    never the user's own progress file."""
    APP.state.practice_db = str(tmp_path_factory.mktemp("fuzz") / "progress.sqlite3")
    yield
    APP.state.get_compute().close()
