"""The web mode's schemathesis configuration: which refusals of a schema-valid body are
expected, and the check that keeps that allowance honest.

schemathesis's ``positive_data_acceptance`` (ST202) says a body the schema allows must
not be answered 4xx, and its list of tolerated statuses does not look at the responses
an operation documents.  bibun's schema says everything about a body's *shape* that JSON
Schema can say (types, strict integers, bounds, names by pattern, choices by enum, blank
formulas refused), but not its *meaning*: that ``!x`` is not a formula, that the formula
``0`` has no variable to backpropagate to, that a tangent needs a function of one
variable, that the constant list names the variable, that the piece ``u`` belongs to
another practice problem.  Those answers are 422 with a ``kind`` of ``parse``,
``input``, ``domain``, ``limit`` or ``budget`` (documented in every POST operation's 422
response).  schemathesis's own advice for "a rejection the schema can't express, such as
an unknown id or a cross-field rule" is to allow 422 for that operation
(``schemathesis explain ST202``), which :func:`config` does for the operations in
:data:`MEANING` — and only there; and so that the allowance does not hide a real
schema/server disagreement, :func:`schema_valid_body_refused_as_invalid` (loaded with
``SCHEMATHESIS_HOOKS``) fails any schema-valid body the server refuses with the kind
``validation`` or ``request``: a refusal of the shape the schema said was right.

The other way round (ST201, a schema-invalid body must be refused): 413 is a refusal too.
Every POST operation documents it (a body over 32 KB is refused before it is read), and a
body schemathesis makes invalid by a formula over 10,000 characters is often also over
32 KB; ST201's list of refusals lacks 413, and its explanation names 413 as the status to
add where an API refuses that way, which :func:`config` does.
"""

from __future__ import annotations

import json

import schemathesis

#: the operations whose bodies carry meaning the schema cannot express, and why
MEANING = {
    "/api/page": "a panel over its compute budget is that panel's error; an equation has no"
                 " function panels",
    "/api/quick": "the formula as typed may not be one",
    "/api/parse": "the text may not be a formula",
    "/api/diff": "formula; the variable may be a declared constant",
    "/api/check": "two formulas; the variable may be a declared constant",
    "/api/numdiff": "formula of one variable at a point in its domain",
    "/api/verify": "formula of one variable at a point in its domain",
    "/api/series": "formula of one variable, expandable at the point",
    "/api/tangent": "formula of one variable at a point in its domain",
    "/api/sample": "formula whose other variables have values",
    "/api/surface": "formula in exactly two variables",
    "/api/descend": "formula whose variables match the start point",
    "/api/graph": "formula with a variable and a value for each",
    "/api/implicit": "an equation containing the dependent variable",
    "/api/method": "formula the chosen method can take (a power, product or quotient for"
                   " logarithmic differentiation)",
    "/api/backprop": "formula with a variable and a value for each",
    "/api/practice/problem": "a topic at a level it has",
    "/api/practice/hint": "a rung of that problem's ladder",
    "/api/practice/check": "the pieces of that problem, each a formula",
    "/api/practice/skip": "a problem that exists",
}
#: what ST202 tolerates by default (schemathesis 4), plus 422 for the operations above
DEFAULT_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
#: what ST201 counts as a refusal by default (schemathesis 4); 413 is added for every
#: operation (all POST operations document it, and GET operations take no body)
NEGATIVE_DEFAULT = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428",
                    "429", "5xx"]
#: the kinds a refusal of a schema-valid body may have: its meaning, never its shape
SHAPE_KINDS = {"validation", "request"}


def config() -> str:
    """``schemathesis.toml``: 422 allowed for a schema-valid body of :data:`MEANING`'s
    operations only, 413 counted as a refusal of a schema-invalid body (every other check
    and operation as schemathesis has them)."""
    refused = json.dumps([*NEGATIVE_DEFAULT, "413"])
    statuses = json.dumps([*DEFAULT_ACCEPTED, "422"])
    blocks = [f"[checks.negative_data_rejection]\nexpected-statuses = {refused}\n"]
    blocks += [f'[[operations]]\ninclude-name = "POST {path}"\n'
               f"checks.positive_data_acceptance.expected-statuses = {statuses}\n"
               for path in MEANING]
    return "\n".join(blocks)


@schemathesis.check
def schema_valid_body_refused_as_invalid(ctx, response, case) -> bool | None:  # noqa: ANN001
    """A body generated to fit the schema (positive mode) that the server refuses as an
    invalid request: the schema and the server disagree about its shape."""
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        kind = response.json()["detail"]["kind"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError(f"422 without a detail kind: {response.text[:300]}") from None
    if kind in SHAPE_KINDS:
        raise AssertionError(f"schema-valid body refused as {kind}: {response.text[:300]}")
    return None
