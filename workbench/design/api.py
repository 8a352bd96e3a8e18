"""API contracts: OpenAPI 3.x documents, validated with openapi-spec-validator, listed as endpoints.

`ApiContract.from_text` takes YAML or JSON. Every problem the validator finds is reported
with its place in the document (the JSON path and, for text input, the line), so the model
or the designer can fix them all at once. References are followed only inside the document (refs.py: a
$ref to a file or a URL is refused, never read or requested); the structure is checked before the library's
semantic checks, with what the library leaves unchecked in between (apicheck.py).
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
        self.changes: list | None = None  # against the version before, when defined as a new version

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
        from .refs import HINT, outside_problems

        outside = outside_problems(self.document, self.text)
        if outside:  # refused before anything is validated: nothing is read or requested, whatever the target
            raise ApiSpecError(outside, hint=HINT)
        # the structure first: the library's semantic checks (references, defaults, parameters) assume it, and
        # stop with a bare KeyError on a key that is there but null (content: null, responses: null)
        errors = list(validator.schema_validator.iter_errors(self.document))
        problems: list[str] = []
        if not errors:  # then what the library leaves unchecked or stops on (apicheck), then its own checks
            from .apicheck import schema_errors
            from .refs import dangling_problems

            errors, problems = schema_errors(self.document, version), dangling_problems(self.document, self.text)
        if not errors and not problems:
            errors, problems = self._semantic_check(validator)
        from .apicheck import deepest, message

        errors = [deepest(e) for e in errors]
        for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])[:MAX_ERRORS]:
            path = list(error.absolute_path)
            extra = re.search(r"\('([^']+)' was unexpected\)", error.message)
            if extra:  # point at the unexpected key itself, not at the mapping that holds it
                path.append(extra.group(1))
            where = _json_path(path)
            line = _line_of(self.text, path)
            problems.append(f"{where}{f' (line {line})' if line else ''}: {message(error)}")
        if len(errors) > MAX_ERRORS:
            problems.append(f"… and {len(errors) - MAX_ERRORS} more")
        if problems:
            raise ApiSpecError(problems)

    def _semantic_check(self, validator: Any) -> tuple[list, list[str]]:
        """The library's whole check of a document whose structure is valid: (its errors, problems that stopped
        it). References are looked up in the document only (jsonschema-path handlers refuse every file and URL)."""
        from jsonschema_path import SchemaPath
        from referencing.exceptions import PointerToNowhere, Unresolvable

        from .refs import LOCAL_ONLY, LOCAL_ONLY_HANDLERS, refused

        path = SchemaPath.from_dict(self.document, handlers=LOCAL_ONLY_HANDLERS)
        try:
            return list(validator(path).iter_errors()), []
        except PointerToNowhere as exc:  # one the document walk could not see, e.g. under a schema's $id
            return [], [f"$ref '#{exc.ref}' names nothing in the document"]
        except Unresolvable as exc:
            outside = refused(exc)
            if outside is not None:  # e.g. a #/... reference under a schema whose $id is a file or a URL
                return [], [f"a reference resolves to {outside.uri!r}, outside the document: {LOCAL_ONLY}"]
            return [], [f"$ref {exc.ref!r} cannot be resolved in the document: {LOCAL_ONLY}"]
        except Exception as exc:  # noqa: BLE001 - a check the library could not finish; say which, not a traceback
            return [], [f"the validator could not finish ({type(exc).__name__}: {str(exc)[:200]}); "
                        "check that every value the document names is where the structure expects it"]

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
        return [f"{name} ({s.get('type', '?') if isinstance(s, dict) else '?'})" for name, s in schemes.items()]

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
        lines = lines[:60]
        if self.changes is not None:
            breaking = [c for c in self.changes if c.breaking]
            lines.append(f"Against the version before: {len(breaking)} breaking, "
                         f"{len(self.changes) - len(breaking)} compatible changes")
            lines += [f"  {c}" for c in self.changes[:30]]
        return "\n".join(lines)

    # -- versions ------------------------------------------------------------------------------
    def breaking_changes(self, older: ApiContract) -> list:
        """What changes for clients from `older` to this version (the rules oasdiff applies): an operation or a
        success response removed, a required parameter or request property added, a parameter's or a
        property's type changed, a request enum value removed or a response property removed are breaking;
        additions and optional parameters are compatible."""
        from .contracts import ContractChange

        changes: list[ContractChange] = []
        old_ops, new_ops = older._operations(), self._operations()
        for key, old in old_ops.items():
            label = f"{key[0].upper()} {key[1]}"
            new = new_ops.get(key)
            if new is None:
                changes.append(ContractChange(f"{label} removed", True))
                continue
            old_params = {(p.get("in"), p.get("name")): p for p in older._params(old, key[1])}
            new_params = {(p.get("in"), p.get("name")): p for p in self._params(new, key[1])}
            for pk, param in new_params.items():
                before = old_params.get(pk)
                if before is None:
                    changes.append(ContractChange(f"{label}: {'required' if param.get('required') else 'optional'} "
                                          f"{pk[0]} parameter {pk[1]} added", bool(param.get("required"))))
                elif param.get("required") and not before.get("required"):
                    changes.append(ContractChange(f"{label}: {pk[0]} parameter {pk[1]} became required", True))
                elif _type(older, before.get("schema")) != _type(self, param.get("schema")):
                    changes.append(ContractChange(f"{label}: {pk[0]} parameter {pk[1]} changed type", True))
            for pk in old_params.keys() - new_params.keys():
                changes.append(ContractChange(f"{label}: {pk[0]} parameter {pk[1]} removed", False))
            changes += _compare_schema(older, self, _request_schema(older, old), _request_schema(self, new),
                                       f"{label} request", request=True)
            for code, response in (old.get("responses") or {}).items():
                if not str(code).startswith("2"):
                    continue
                now = (new.get("responses") or {}).get(code)
                if now is None:
                    changes.append(ContractChange(f"{label}: response {code} removed", True))
                    continue
                changes += _compare_schema(older, self, _response_schema(older, response),
                                           _response_schema(self, now), f"{label} response {code}", request=False)
        for key in new_ops.keys() - old_ops.keys():
            changes.append(ContractChange(f"{key[0].upper()} {key[1]} added", False))
        return changes

    def _operations(self) -> dict[tuple[str, str], dict]:
        return {(m, path): op for path, item in (self.document.get("paths") or {}).items() if isinstance(item, dict)
                for m in METHODS if isinstance(op := item.get(m), dict)}

    def _params(self, op: dict, path: str) -> list[dict]:
        shared = ((self.document.get("paths") or {}).get(path) or {}).get("parameters") or []
        return [self.resolve(p) for p in list(shared) + list(op.get("parameters") or []) if isinstance(p, dict)]

    def resolve(self, node: Any) -> Any:
        """A local $ref (#/components/…) followed to what it names (others are left as they are)."""
        return resolve_ref(self.document, node)

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


def resolve_ref(document: dict, node: Any) -> Any:
    """A local JSON reference ({"$ref": "#/a/b"}) followed, through chains, to what it names in `document`."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and seen < 20:
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, dict) else None
        node, seen = target, seen + 1
    return node


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
    """Validate and store a new version of the design's API contract (with its changes against the one before)."""
    contract = ApiContract.from_text(text)
    before = design.latest(KIND, name)
    body: dict = {"document": contract.document, "text": text}
    summary = contract.summary()
    if before is not None:
        contract.changes = contract.breaking_changes(ApiContract(before["body"]["document"], before["body"].get("text")))
        body["changes"] = [[c.what, c.breaking] for c in contract.changes]
        breaking = sum(1 for c in contract.changes if c.breaking)
        summary += f"; {breaking} breaking changes" if breaking else ""
    version = design.add_version(KIND, name, body, summary=summary, turn_id=turn_id)
    return version, contract


def _type(contract: ApiContract, schema: Any) -> Any:
    schema = contract.resolve(schema)
    if not isinstance(schema, dict):
        return None
    items = contract.resolve(schema.get("items"))
    return schema.get("type"), schema.get("format"), items.get("type") if isinstance(items, dict) else None


def _enum(schema: Any) -> dict[str, Any]:
    """A schema's enum values by their JSON text (values may be objects or lists, which a set cannot hold)."""
    values = schema.get("enum") if isinstance(schema, dict) else None
    return {json.dumps(v, sort_keys=True, default=str): v for v in values} if isinstance(values, list) else {}


def _listed(values: list) -> str:
    try:
        values = sorted(values)
    except TypeError:  # mixed types
        values = sorted(values, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return ", ".join(map(str, values))


def _request_schema(contract: ApiContract, op: dict) -> dict:
    body = contract.resolve(op.get("requestBody")) or {}
    media = (body.get("content") or {}) if isinstance(body, dict) else {}
    return contract.resolve(next(iter(media.values()), {}).get("schema")) or {}


def _response_schema(contract: ApiContract, response: Any) -> dict:
    response = contract.resolve(response) or {}
    media = (response.get("content") or {}) if isinstance(response, dict) else {}
    return contract.resolve(next(iter(media.values()), {}).get("schema")) or {}


def _compare_schema(old_c: ApiContract, new_c: ApiContract, old: Any, new: Any, where: str, *, request: bool,
                    depth: int = 0) -> list:
    """Property by property: what a client sending (request) or reading (response) the body meets."""
    from .contracts import ContractChange

    old, new = old_c.resolve(old) or {}, new_c.resolve(new) or {}
    if not isinstance(old, dict) or not isinstance(new, dict) or depth > 6:
        return []
    if old.get("type") == "array" or new.get("type") == "array":
        return _compare_schema(old_c, new_c, old.get("items"), new.get("items"), where + "[]", request=request,
                               depth=depth + 1)
    changes = []
    old_props, new_props = (s.get("properties") if isinstance(s.get("properties"), dict) else {} for s in (old, new))
    old_required, new_required = ({r for r in s.get("required") if isinstance(r, str)}
                                  if isinstance(s.get("required"), list) else set() for s in (old, new))
    for prop, schema in old_props.items():
        if prop not in new_props:
            changes.append(ContractChange(f"{where}: property {prop} removed", not request))
            continue
        if _type(old_c, schema) != _type(new_c, new_props[prop]):
            changes.append(ContractChange(f"{where}: property {prop} changed type", True))
            continue
        values_before, values_now = _enum(old_c.resolve(schema)), _enum(new_c.resolve(new_props[prop]))
        removed = [v for k, v in values_before.items() if k not in values_now]
        if removed and values_now:
            changes.append(ContractChange(f"{where}: {prop} no longer takes {_listed(removed)}", request))
        changes += _compare_schema(old_c, new_c, schema, new_props[prop], f"{where}.{prop}", request=request,
                                   depth=depth + 1)
    for prop in new_props.keys() - old_props.keys():
        needed = request and prop in new_required
        changes.append(ContractChange(f"{where}: {'required ' if needed else ''}property {prop} added", needed))
    if request:
        for prop in (new_required - old_required) & old_props.keys():
            changes.append(ContractChange(f"{where}: property {prop} became required", True))
    return changes
