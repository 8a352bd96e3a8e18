"""What openapi-spec-validator leaves unchecked, or stops on, in an OpenAPI document whose structure is valid.

- OpenAPI 3.1/3.2: the document schema leaves Schema Objects open (they are JSON Schema, of the document's
  dialect). The library meta-checks the ones under components, but only after reading their `properties`, so
  `properties: null` stops it with a bare KeyError; the schemas of request and response bodies, parameters and
  headers it does not check at all. Here every Schema Object is checked against its dialect's meta-schema with
  openapi-schema-validator's own validators and registry (which holds every meta-schema: nothing is fetched).
- Every '#/...' reference must name something: the library misses a dangling one inside a request body.
"""

from __future__ import annotations

from typing import Any

from .refs import _LITERAL


def schema_objects(document: dict) -> list[tuple[list, Any]]:
    """(JSON path, schema) of every Schema Object: components.schemas, and each `schema` of a media type,
    a parameter or a header (the meta-schema then checks what is nested in them)."""
    found: list[tuple[list, Any]] = []
    components = document.get("components")
    if isinstance(components, dict) and isinstance(components.get("schemas"), dict):
        found += [(["components", "schemas", name], s) for name, s in components["schemas"].items()]

    def walk(node: Any, path: list) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _LITERAL or str(key).startswith("x-") or path == ["components"] and key == "schemas":
                    continue
                if key == "schema":
                    found.append((path + [key], value))
                else:
                    walk(value, path + [key])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, path + [i])

    walk({k: v for k, v in document.items() if k != "jsonSchemaDialect"}, [])
    return found


def schema_errors(document: dict, version: str) -> list[Any]:
    """jsonschema errors (with absolute paths in the document) of every Schema Object of a 3.1/3.2 document."""
    from jsonschema.validators import validator_for
    from openapi_schema_validator import OAS31_BASE_DIALECT_ID, OAS32_BASE_DIALECT_ID
    from openapi_schema_validator._specifications import REGISTRY  # the one its own check_schema uses

    default = document.get("jsonSchemaDialect")
    if not isinstance(default, str):
        default = {"3.1": OAS31_BASE_DIALECT_ID, "3.2": OAS32_BASE_DIALECT_ID}.get(version[:3])
    if default is None:
        return []
    errors = []
    for path, schema in schema_objects(document):
        dialect = schema.get("$schema", default) if isinstance(schema, dict) else default
        cls = validator_for({"$schema": dialect}, default=None) if isinstance(dialect, str) else None
        if cls is None:  # an unknown dialect: the library says so
            continue
        meta = validator_for(cls.META_SCHEMA, default=cls)(cls.META_SCHEMA, format_checker=cls.FORMAT_CHECKER,
                                                          registry=REGISTRY)
        for error in meta.iter_errors(schema):
            error.path.extendleft(reversed(path))
            errors.append(error)
    return errors


def deepest(error: Any, depth: int = 0) -> Any:
    """For "is not valid under any of the given schemas" (an object or a Reference Object, say), the error
    inside the alternative meant: not the Reference one when the value has no $ref (jsonschema's best_match
    among the rest), so the message names the key at fault."""
    from jsonschema.exceptions import best_match

    if error.validator not in ("oneOf", "anyOf") or not error.context or depth > 5:
        return error
    context = list(error.context)
    if isinstance(error.instance, dict) and "$ref" not in error.instance:
        references = {e.relative_schema_path[0] for e in context if e.validator == "required"
                      and "$ref" in (e.validator_value or []) and e.relative_schema_path}
        context = [e for e in context if not e.relative_schema_path
                   or e.relative_schema_path[0] not in references] or context
    return deepest(best_match(context), depth + 1)


def message(error: Any) -> str:
    """jsonschema's message, with an empty value called what YAML calls it (not Python's None)."""
    if error.validator == "type" and error.instance is None:
        expected = error.validator_value if isinstance(error.validator_value, str) else \
            " or ".join(map(str, error.validator_value))
        return f"is empty (null); it must be of type {expected}"
    return error.message
