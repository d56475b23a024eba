"""The derivation JSON Schema and a small validator for it.

The schema file (``derivation.schema.json`` next to this module) is the contract for the
web page and for anyone consuming ``bibun diff --steps --format json``.  bibun does not
depend on a JSON Schema library, so :func:`validate` implements the handful of keywords
the schema uses (type, const, enum, required, properties, additionalProperties, items,
minItems, minLength, minimum, exclusiveMinimum, pattern, anyOf, $ref to ``#/$defs``).
It reports every violation with its JSON path, which is what a test needs.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from typing import Any

_TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}


@cache
def derivation_schema() -> dict[str, Any]:
    """The JSON Schema of derivation JSON (version 1)."""
    text = files("bibun.explain").joinpath("derivation.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def validate(instance: Any, schema: dict[str, Any] | None = None) -> list[str]:
    """Violations of ``schema`` (default: the derivation schema) as 'path: problem'
    strings; an empty list means valid.  Iterative, so deep step trees are fine."""
    root = schema if schema is not None else derivation_schema()
    errors: list[str] = []
    stack: list[tuple[Any, dict[str, Any], str]] = [(instance, root, "$")]
    while stack:
        value, sch, path = stack.pop()
        errors.extend(_check(value, sch, path, root, stack))
    return errors


def _resolve(sch: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in sch:
        ref = sch["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, got {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        merged = {k: v for k, v in sch.items() if k != "$ref"}
        sch = {**target, **merged}
    return sch


def _check(value: Any, sch: dict[str, Any], path: str, root: dict[str, Any],
           stack: list) -> list[str]:
    sch = _resolve(sch, root)
    out: list[str] = []
    if "anyOf" in sch and not any(
            not validate(value, {**_resolve(alt, root), "$defs": root.get("$defs", {})})
            for alt in sch["anyOf"]):
        out.append(f"{path}: matches none of the allowed shapes")
    if "type" in sch:
        names = sch["type"] if isinstance(sch["type"], list) else [sch["type"]]
        if not any(_is_type(value, n) for n in names):
            return out + [f"{path}: expected {' or '.join(names)}, got {type(value).__name__}"]
    if "const" in sch and value != sch["const"]:
        out.append(f"{path}: expected {sch['const']!r}")
    if "enum" in sch and value not in sch["enum"]:
        out.append(f"{path}: {value!r} is not one of the allowed values")
    if isinstance(value, str):
        if len(value) < sch.get("minLength", 0):
            out.append(f"{path}: too short")
        if "pattern" in sch and not re.search(sch["pattern"], value):
            out.append(f"{path}: does not match {sch['pattern']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in sch and value < sch["minimum"]:
            out.append(f"{path}: below {sch['minimum']}")
        if "exclusiveMinimum" in sch and value <= sch["exclusiveMinimum"]:
            out.append(f"{path}: not above {sch['exclusiveMinimum']}")
    if isinstance(value, dict):
        for key in sch.get("required", []):
            if key not in value:
                out.append(f"{path}: missing {key!r}")
        props = sch.get("properties", {})
        extra = sch.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                stack.append((item, props[key], f"{path}.{key}"))
            elif extra is False:
                out.append(f"{path}: unexpected field {key!r}")
            elif isinstance(extra, dict):
                stack.append((item, extra, f"{path}.{key}"))
    if isinstance(value, list):
        if len(value) < sch.get("minItems", 0):
            out.append(f"{path}: needs at least {sch['minItems']} items")
        if "items" in sch:
            for i, item in enumerate(value):
                stack.append((item, sch["items"], f"{path}[{i}]"))
    return out


__all__ = ["derivation_schema", "validate"]
