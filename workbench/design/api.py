"""API contracts: OpenAPI 3.x documents, validated with openapi-spec-validator, listed as endpoints.

`ApiContract.from_text` takes YAML or JSON. Every problem the validator finds is reported
with its place in the document (the JSON path and, for text input, the line), so the model
or the designer can fix them all at once.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import DesignError
from ..yamltext import yaml_problem
from .kinds import API as KIND

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

MAX_ERRORS = 10


class ApiSpecError(DesignError):
    """An OpenAPI document that does not validate (all problems, with their places)."""

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        self.problems = problems
        super().__init__("The OpenAPI document is not valid:\n" + "\n".join(f"- {p}" for p in problems),
                         hint=hint or "Fix these and send the whole document again.")


@dataclass
class Endpoint:
    method: str
    path: str
    operation_id: str | None
    summary: str
    request: str
    responses: str
    secured: bool
    tags: str


class ApiContract:
    """A validated OpenAPI 3.x document and its endpoints."""

    def __init__(self, document: dict, text: str | None = None) -> None:
        self.document = document
        self.text = text if text is not None else json.dumps(document, indent=2)

    @classmethod
    def from_text(cls, text: str) -> ApiContract:
        """Parse YAML or JSON and validate it as OpenAPI 3.0, 3.1 or 3.2."""
        import yaml

        if not isinstance(text, str) or not text.strip():
            raise ApiSpecError(["the document is empty"], hint="Send an OpenAPI 3.x document as YAML or JSON.")
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            where, problem = yaml_problem(exc)
            raise ApiSpecError([f"{where + ': ' if where else ''}not YAML/JSON ({problem})"]) from None
        contract = cls(document if isinstance(document, dict) else {}, text)
        if not isinstance(document, dict):
            raise ApiSpecError(["the document must be a mapping with openapi, info and paths"])
        contract.validate()
        return contract

    @classmethod
    def from_dict(cls, document: dict) -> ApiContract:
        contract = cls(document)
        contract.validate()
        return contract

    # -- validation ----------------------------------------------------------------------------
    def validate(self) -> None:
        from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

        version = str(self.document.get("openapi", ""))
        if not version:
            hint = ("This is Swagger 2.0; convert it to OpenAPI 3 (openapi: 3.1.0)." if "swagger" in self.document
                    else "Start the document with openapi: 3.1.0 (and info, paths).")
            raise ApiSpecError(["missing the openapi version field"], hint=hint)
        if version.startswith("3.0"):
            validator = OpenAPIV30SpecValidator
        elif version.startswith("3.1"):
            validator = OpenAPIV31SpecValidator
        elif version.startswith("3.2"):
            from openapi_spec_validator import OpenAPIV32SpecValidator as validator
        else:
            raise ApiSpecError([f"openapi: {version} is not a 3.x version"], hint="Use openapi: 3.1.0.")
        problems = []
        try:
            errors = list(validator(self.document).iter_errors())
        except Exception as exc:  # noqa: BLE001 - a $ref that cannot be resolved and the like
            errors = []
            problems.append(f"{type(exc).__name__}: {exc}")
        for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])[:MAX_ERRORS]:
            path = list(error.absolute_path)
            extra = re.search(r"\('([^']+)' was unexpected\)", error.message)
            if extra:  # point at the unexpected key itself, not at the mapping that holds it
                path.append(extra.group(1))
            where = _json_path(path)
            line = _line_of(self.text, path)
            problems.append(f"{where}{f' (line {line})' if line else ''}: {error.message}")
        if len(errors) > MAX_ERRORS:
            problems.append(f"… and {len(errors) - MAX_ERRORS} more")
        if problems:
            raise ApiSpecError(problems)

    # -- reading -------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        info = self.document.get("info") or {}
        return f"{info.get('title', 'API')} {info.get('version', '')}".strip()

    def endpoints(self) -> list[Endpoint]:
        out = []
        global_security = bool(self.document.get("security"))
        for path, item in (self.document.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                body = op.get("requestBody") or {}
                request = ", ".join((body.get("content") or {}).keys()) if isinstance(body, dict) else ""
                if "$ref" in body:
                    request = body["$ref"].rsplit("/", 1)[-1]
                responses = ", ".join(str(code) for code in (op.get("responses") or {}))
                secured = bool(op["security"]) if "security" in op else global_security
                out.append(Endpoint(method.upper(), path, op.get("operationId"),
                                    op.get("summary") or (op.get("description") or "").split("\n")[0],
                                    request, responses, secured, ", ".join(op.get("tags") or [])))
        return out

    @property
    def security_schemes(self) -> list[str]:
        schemes = ((self.document.get("components") or {}).get("securitySchemes") or {})
        return [f"{name} ({(s or {}).get('type', '?')})" for name, s in schemes.items()]

    def summary(self) -> str:
        endpoints = self.endpoints()
        documented = sum(1 for e in endpoints if e.summary)
        secured = sum(1 for e in endpoints if e.secured)
        return (f"{self.title}: {len(endpoints)} endpoints ({documented} documented, {secured} secured), "
                f"{len((self.document.get('components') or {}).get('schemas') or {})} schemas")

    def for_model(self) -> str:
        lines = [self.summary()]
        lines += [f"- {e.method} {e.path}{f' ({e.operation_id})' if e.operation_id else ''}: "
                  f"responses {e.responses or 'none'}{'' if e.secured else '; not secured'}" for e in self.endpoints()]
        return "\n".join(lines[:60])

    # -- display -------------------------------------------------------------------------------
    def table_rows(self) -> list[list[str]]:
        return [[e.method, e.path, e.summary, e.request, e.responses, "yes" if e.secured else "no"]
                for e in self.endpoints()]

    HEADERS = ["method", "path", "summary", "request body", "responses", "auth"]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self.HEADERS)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                       for r in self.table_rows())
        schemes = ", ".join(self.security_schemes) or "none"
        return (f"<div><p><b>API</b> {html.escape(self.title)} — security schemes: {html.escape(schemes)}</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")

    def __repr__(self) -> str:
        rows = self.table_rows()
        return "\n".join([self.summary()] + [f"{r[0]:<7}{r[1]}  {r[2]}" for r in rows])


def _json_path(path: list) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if str(part).isidentifier() else f"['{part}']")
    return out


def _line_of(text: str | None, path: list) -> int | None:
    """The 1-based line of the node at `path` in YAML/JSON text (None when it cannot be found)."""
    if not text:
        return None
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            match = node.value[part]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def api_contract(design: Any, name: str | None = None) -> ApiContract | None:
    """The newest stored API contract of a design (None when it has none)."""
    row = design.latest(KIND, name)
    if row is None:
        return None
    return ApiContract(row["body"]["document"], row["body"].get("text"))


def define_api(design: Any, text: str, name: str = "main", *, turn_id: int | None = None) -> tuple[int, ApiContract]:
    """Validate and store a new version of the design's API contract."""
    contract = ApiContract.from_text(text)
    version = design.add_version(KIND, name, {"document": contract.document, "text": text},
                                 summary=contract.summary(), turn_id=turn_id)
    return version, contract
