"""The server's words for requests it refuses before any formula is read.

Why its own module: FastAPI, pydantic and Starlette each have messages of their own
("Method Not Allowed", "There was an error parsing the body", "String should match
pattern '^[A-Za-z…'"), in English and in their own terms.  None of them reaches a client:
every refusal is ``{"detail": {"kind", "message"}}`` with the message from bibun's
catalogs in the request's language, and the statuses here are the ones the OpenAPI
schema documents for each operation (:data:`POST_ERRORS`), so the schema and the server
agree (tests/test_web_schema.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel

from bibun import i18n


class ErrorDetail(BaseModel):
    message: str
    kind: Literal["parse", "limit", "domain", "input", "budget", "validation", "request",
                  "busy", "storage", "internal"]
    column: int | None = None


class ErrorOut(BaseModel):
    detail: ErrorDetail


#: every status a POST operation can answer besides 200, as the schema documents them
POST_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the body is not JSON in UTF-8"},
    408: {"model": ErrorOut, "description": "the body did not arrive within 10 s"},
    413: {"model": ErrorOut, "description": "request body too large (32 KB)"},
    415: {"model": ErrorOut, "description": "not sent as Content-Type: application/json"},
    422: {"model": ErrorOut, "description": "kind `validation`: a field the schema refuses;"
                                            " or a body the schema allows that has no answer"
                                            " (the schema cannot say what a formula means):"
                                            " `parse` not a formula, `input`/`domain` not one"
                                            " this operation can take (no variable, a"
                                            " constant as the variable, outside the domain),"
                                            " `limit` too large, `budget` over the compute"
                                            " budget"},
    429: {"model": ErrorOut, "description": "the server is busy"},
}

#: the fields that hold formulas: an empty one is said as the parser says it
FORMULA_FIELDS = {"expr", "answer"}

_TYPES = {"string_type": "text", "str_type": "text", "int_type": "integer",
          "int_parsing": "integer", "int_from_float": "integer", "float_type": "number",
          "float_parsing": "number", "bool_type": "boolean", "bool_parsing": "boolean",
          "dict_type": "object", "model_type": "object", "model_attributes_type": "object",
          "list_type": "list", "tuple_type": "list"}
_BOUNDS = {"greater_than_equal": ("min", "ge"), "greater_than": ("above", "gt"),
           "less_than_equal": ("max", "le"), "less_than": ("below", "lt")}


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def field_error(err: Mapping[str, Any], lang: str) -> str:
    """One pydantic error as a sentence of the catalog (pydantic's own text never)."""
    loc = [str(x) for x in err.get("loc", ())
           if x not in ("body", "[key]") and not isinstance(x, int)]
    field = ".".join(loc)
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "json_invalid":
        return i18n.text("web.invalid.json", lang)
    if not field:
        return i18n.text("web.invalid.body", lang)
    if kind == "missing":
        return i18n.text("web.invalid.missing", lang, field=field)
    if kind == "extra_forbidden":
        return i18n.text("web.invalid.extra", lang, field=field)
    if kind in _TYPES:
        return i18n.text("web.invalid.type", lang, field=field,
                         expected=i18n.text(f"web.invalid.kind.{_TYPES[kind]}", lang))
    if kind == "finite_number":
        return i18n.text("web.invalid.finite", lang, field=field)
    if kind in _BOUNDS:
        key, limit = _BOUNDS[kind]
        return i18n.text(f"web.invalid.{key}", lang, field=field,
                         limit=_number(ctx.get(limit, "")))
    if kind in ("string_too_short", "string_pattern_mismatch") and loc[-1] in FORMULA_FIELDS:
        return i18n.text("error.parse.empty", lang)
    if kind == "string_too_short":
        return i18n.text("web.invalid.text_short", lang, field=field, limit=ctx.get("min_length"))
    if kind == "string_too_long":
        return i18n.text("web.invalid.text_long", lang, field=field, limit=ctx.get("max_length"))
    if kind == "too_short":
        return i18n.text("web.invalid.short", lang, field=field, limit=ctx.get("min_length"))
    if kind == "too_long":
        return i18n.text("web.invalid.long", lang, field=field, limit=ctx.get("max_length"))
    if kind == "string_pattern_mismatch":
        return i18n.text("web.invalid.name", lang, field=field)
    if kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return i18n.text("web.invalid.choice", lang, field=field, choices=", ".join(choices))
    return i18n.text("web.invalid.other", lang, field=field)


def validation_message(errors: Iterable[Mapping[str, Any]], lang: str) -> str:
    """The first three field errors of a refused request, in one sentence."""
    parts = list(dict.fromkeys(field_error(e, lang) for e in list(errors)[:3]))
    if parts == [i18n.text("error.parse.empty", lang)]:
        return parts[0]  # a blank formula: the parser's own sentence, as for "   "
    return i18n.text("web.error.validation", lang, details="; ".join(parts))


def http_detail(status: int, detail: Any, headers: Mapping[str, str] | None, method: str,
                lang: str) -> dict[str, Any]:
    """The body of an HTTP error raised by the router or an endpoint: ours as they are
    (already a ``{kind, message}``), the framework's replaced by the catalog's words."""
    if isinstance(detail, dict) and "kind" in detail and "message" in detail:
        return detail
    if status == 404:
        message = i18n.text("web.error.not_found", lang)
    elif status == 405:
        allowed = next((v for k, v in (headers or {}).items() if k.lower() == "allow"), "")
        message = i18n.text("web.error.method", lang, method=method, allowed=allowed)
    elif status == 400:
        message = i18n.text("web.error.unreadable", lang)
    else:
        message = i18n.text("web.error.request", lang)
    return {"kind": "request", "message": message}
