"""The web mode's schemathesis configuration (fuzz/web_checks.py): 422 is an expected
answer to a schema-valid body only for the operations whose bodies carry meaning the
schema cannot express, and the custom check still fails a schema-valid body refused for
its shape (kind ``validation``)."""

from __future__ import annotations

import json
import warnings
from types import SimpleNamespace

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.config._checks import (
        NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
        POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
    )

from bibun.web import create_app
from fuzz import web_checks


@pytest.fixture(scope="module")
def schema():
    spec = create_app(workers=1, slow_workers=1).openapi()  # the schema only: no request
    return schemathesis.openapi.from_dict(spec, config=SchemathesisConfig.from_str(
        web_checks.config()))


def accepted(schema, path: str) -> list[str]:
    op = schema[path]["POST"]
    return schema.config.checks_config_for(operation=op).positive_data_acceptance \
        .expected_statuses


def test_422_is_expected_only_where_a_body_can_mean_nothing(schema):
    posts = [p for p, ops in schema.raw_schema["paths"].items() if "post" in ops]
    assert set(web_checks.MEANING) <= set(posts)  # no stale name
    assert web_checks.DEFAULT_ACCEPTED == POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
    for path in posts:
        statuses = accepted(schema, path)
        assert ("422" in statuses) == (path in web_checks.MEANING), (path, statuses)
        assert set(web_checks.DEFAULT_ACCEPTED) <= set(statuses)
    assert "/api/practice/progress" not in web_checks.MEANING  # a switch and a language


def test_413_counts_as_refusing_a_schema_invalid_body_everywhere(schema):
    """A body over 32 KB is refused before it is read (413, documented for every POST);
    schemathesis' other refusals stay as they are."""
    assert web_checks.NEGATIVE_DEFAULT == NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
    for path in ("/api/page", "/api/practice/progress"):
        op = schema[path]["POST"]
        refused = schema.config.checks_config_for(operation=op).negative_data_rejection \
            .expected_statuses
        assert set(refused) == {*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"}, path
        assert "413" in schema.raw_schema["paths"][path]["post"]["responses"]


def case(mode: str) -> SimpleNamespace:
    return SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(
        mode=schemathesis.GenerationMode(mode))))


def response(status: int, detail: dict) -> SimpleNamespace:
    text = json.dumps({"detail": detail})
    return SimpleNamespace(status_code=status, text=text, json=lambda: json.loads(text))


@pytest.mark.parametrize("kind", ["validation", "request"])
def test_a_schema_valid_body_refused_for_its_shape_fails_the_check(kind):
    with pytest.raises(AssertionError, match=f"refused as {kind}"):
        web_checks.schema_valid_body_refused_as_invalid(
            None, response(422, {"kind": kind, "message": "order must be an integer"}),
            case("positive"))


@pytest.mark.parametrize("status, kind, mode", [
    (422, "input", "positive"),  # 0 has no variable to backpropagate to
    (422, "parse", "positive"),
    (422, "validation", "negative"),  # a body built to break the schema: refused, rightly
    (200, "validation", "positive"),
])
def test_a_refusal_for_meaning_or_of_a_broken_body_passes_the_check(status, kind, mode):
    assert web_checks.schema_valid_body_refused_as_invalid(
        None, response(status, {"kind": kind, "message": "m"}), case(mode)) is None
