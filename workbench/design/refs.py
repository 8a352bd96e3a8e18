"""References in contract documents are followed only inside the document: never to a file, never to a URL.

A `$ref` (or `$dynamicRef`) the model or a pasted document writes could otherwise make the validator read
`file:///etc/passwd` into its error message, or send a request to any host the machine reaches. Two layers:

- `outside_refs` lists every reference that leaves the document (with its place), before any validator runs,
  so the answer is the same whether the target exists or not and nothing is read or requested;
- the validators are given retrieval that refuses whatever is not in the document itself:
  `LOCAL_ONLY_HANDLERS` for openapi-spec-validator (its documented hook: a `SchemaPath` built with
  jsonschema-path `handlers`), `refuse` as the `retrieve` of a `referencing.Registry` for jsonschema. This
  catches what a plain scan cannot see, such as a `#/...` reference under a schema whose `$id` is a URL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

LOCAL_ONLY = "only references inside the document (#/...) are allowed"
HINT = ("Put what the reference names into the document (under components, or $defs) and refer to it as "
        "#/components/...; files and URLs are never read.")

_KEYWORDS = ("$ref", "$dynamicRef")
# values that are data, not schema or document structure: a {"$ref": ...} inside them is an example's text
_LITERAL = ("example", "default", "enum", "const", "value")
_NAMED = ("properties", "patternProperties", "$defs", "definitions")  # maps whose keys are names, not keywords


class OutsideTheDocument(Exception):
    """A reference that would be read from a file or a URL."""

    def __init__(self, uri: str) -> None:
        super().__init__(f"{uri}: {LOCAL_ONLY}")
        self.uri = uri


def refuse(uri: str) -> Any:
    """Retrieval that reads nothing: every reference not found in the document stops here."""
    raise OutsideTheDocument(uri)


class _LocalOnlyHandlers(Mapping):
    """jsonschema-path's handlers are keyed by URI scheme, and a scheme without a handler falls back to
    requests or urlopen; so this mapping has a handler for every scheme (and for none), and each refuses."""

    def __contains__(self, scheme: object) -> bool:
        return True

    def __getitem__(self, scheme: str) -> Any:
        return refuse

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


LOCAL_ONLY_HANDLERS = _LocalOnlyHandlers()


def refused(exc: BaseException) -> OutsideTheDocument | None:
    """The refusal behind a validator's exception (referencing wraps it as Unresolvable), if that is what it is."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OutsideTheDocument):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def keyword_refs(document: Any) -> list[tuple[list, str]]:
    """(JSON path, value) of every $ref and $dynamicRef in the document's structure (not inside example data)."""
    found: list[tuple[list, str]] = []

    def walk(node: Any, path: list, named: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not named and key in _KEYWORDS and isinstance(value, str):
                    found.append((path + [key], value))
                elif named or not (key in _LITERAL or str(key).startswith("x-")
                                   or (key == "examples" and isinstance(value, list))):
                    walk(value, path + [key], not named and key in _NAMED)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, path + [i], False)

    walk(document, [], False)
    return found


def outside_refs(document: Any) -> list[tuple[list, str]]:
    """(JSON path, value) of every reference that does not start with '#', in document order."""
    return [(path, value) for path, value in keyword_refs(document) if not value.startswith("#")]


_MISSING = object()


def pointed(document: Any, ref: str) -> Any:
    """What a '#/a/b' reference names in the document (a `_MISSING` marker when nothing is there)."""
    from urllib.parse import unquote

    node = document
    for part in unquote(ref[2:]).split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def dangling_refs(document: Any) -> list[tuple[list, str]]:
    """(JSON path, value) of every '#/...' reference that names nothing in the document."""
    return [(path, value) for path, value in keyword_refs(document)
            if value.startswith("#/") and pointed(document, value) is _MISSING]


def outside_problems(document: Any, text: str | None) -> list[str]:
    """Each reference that leaves the document, as a problem with its place (and line, for text)."""
    return _placed(outside_refs(document), text, LOCAL_ONLY)


def dangling_problems(document: Any, text: str | None) -> list[str]:
    """Each '#/...' reference that names nothing, as a problem with its place."""
    return _placed(dangling_refs(document), text, "names nothing in the document")


def _placed(refs: list[tuple[list, str]], text: str | None, what: str) -> list[str]:
    from .api import _json_path, _line_of

    problems = []
    for path, value in refs:
        line = _line_of(text, path)
        shown = value if len(value) <= 200 else value[:200] + "…"
        problems.append(f"{_json_path(path)}{f' (line {line})' if line else ''}: {shown!r}: {what}")
    return problems
