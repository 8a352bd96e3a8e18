"""Validation of tool input against the JSON Schema subset that tool schemas use.

Supported: type (one or a list), properties, required, additionalProperties (bool or
schema), items, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
minLength, maxLength, minItems, maxItems, pattern, anyOf, oneOf. Annotations
(description, default, title, examples) are ignored. The `jsonschema` package would do
this too, but importing it costs about a second here, on the first tool call of every kernel.
"""

from __future__ import annotations

import re
from typing import Any

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
SUPPORTED = {"type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum",
             "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems",
             "pattern", "anyOf", "oneOf", "description", "default", "title", "examples", "$schema"}


def unsupported_keywords(schema: Any) -> set[str]:
    """Keywords in `schema` (recursively) that this validator would ignore."""
    found: set[str] = set()
    if isinstance(schema, dict):
        found |= {k for k in schema if k not in SUPPORTED}
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                found |= unsupported_keywords(schema[key])
        for sub in (schema.get("properties") or {}).values():
            found |= unsupported_keywords(sub)
        for key in ("anyOf", "oneOf"):
            for sub in schema.get(key) or []:
                found |= unsupported_keywords(sub)
    return found


def errors(schema: dict, value: Any, path: str = "") -> list[str]:
    """Every problem of `value` against `schema`, as 'path: message' strings."""
    where = path or "(input)"
    out: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_TYPES.get(k, lambda v: True)(value) for k in kinds):
            return [f"{where}: expected {' or '.join(kinds)}, got {_name(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} is not one of {', '.join(map(repr, schema['enum']))}")
    if "const" in schema and value != schema["const"]:
        out.append(f"{where}: must be {schema['const']!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{where}: {value} is less than the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{where}: {value} is more than the maximum {schema['maximum']}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            out.append(f"{where}: {value} must be more than {schema['exclusiveMinimum']}")
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            out.append(f"{where}: {value} must be less than {schema['exclusiveMaximum']}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(f"{where}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{where}: longer than {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: does not match the pattern {schema['pattern']!r}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{where}: needs at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{where}: at most {schema['maxItems']} items")
        if isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                out.extend(errors(schema["items"], item, f"{path}/{i}" if path else str(i)))
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for name in schema.get("required") or []:
            if name not in value:
                out.append(f"{where}: missing required property {name!r}")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            sub = f"{path}/{name}" if path else name
            if name in props:
                out.extend(errors(props[name], item, sub))
            elif extra is False:
                allowed = ", ".join(props) or "none"
                out.append(f"{where}: unexpected property {name!r} (allowed: {allowed})")
            elif isinstance(extra, dict):
                out.extend(errors(extra, item, sub))
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if options:
            passing = sum(1 for option in options if not errors(option, value, path))
            if passing == 0 or (key == "oneOf" and passing > 1):
                out.append(f"{where}: matches {passing} of the {len(options)} allowed forms ({key})")
    return out


def _name(value: Any) -> str:
    for name, check in _TYPES.items():
        if name not in ("integer",) and check(value):
            return name
    return type(value).__name__
