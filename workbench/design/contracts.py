"""Contracts beyond REST: GraphQL SDL, protobuf/gRPC and AsyncAPI, validated by their own tools, versioned,
and compared version to version for breaking changes.

- GraphQL: graphql-core builds and validates the schema (the reference implementation's rules); its
  `find_breaking_changes` / `find_dangerous_changes` classify a new version against the old one.
- protobuf: the real compiler, `protoc` as grpcio-tools bundles it, compiles the file into descriptors
  (errors keep protoc's file:line:column); the breaking rules are the wire-compatibility ones `buf
  breaking` checks: a message, field, enum value, service or method removed, a field's type or
  cardinality changed, a field number reused for another field.
- AsyncAPI 2.x/3.x: validated against the official JSON Schema of its version (@asyncapi/specs, installed
  by the project's set-up; never fetched at run time; a $ref to a file or a URL is refused, see refs.py); a
  channel, operation or message removed, or a payload property removed, retyped or newly required, is breaking.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DesignError
from .kinds import CONTRACT

FORMATS = ("graphql", "protobuf", "asyncapi")


class ContractError(DesignError):
    """A contract its own tool refuses: every problem, with its line."""

    def __init__(self, kind: str, problems: list[str], *, hint: str | None = None) -> None:
        self.problems = problems
        super().__init__(f"The {kind} contract is not valid:\n" + "\n".join(f"- {p}" for p in problems),
                         hint=hint or "Fix these and send the whole document again.")


@dataclass
class ContractChange:
    what: str
    breaking: bool

    def __str__(self) -> str:
        return f"[{'breaking' if self.breaking else 'compatible'}] {self.what}"


def guess_format(text: str) -> str:
    """openapi, asyncapi, graphql or protobuf, from the text itself."""
    if re.search(r"^\s*[\"']?asyncapi[\"']?\s*:", text, re.M):
        return "asyncapi"
    if re.search(r'^\s*syntax\s*=\s*"proto[23]"|^\s*(message|service)\s+\w+\s*\{', text, re.M):
        return "protobuf"
    if re.search(r"^\s*(type|schema|input|interface|enum|union|scalar|extend)\s+\w*\s*[{@=]?", text, re.M) \
            and not re.search(r"^\s*openapi\s*:", text, re.M):
        return "graphql"
    return "openapi"


class GraphQLContract:
    """A GraphQL schema (SDL): its operations (Query, Mutation, Subscription fields) and types."""

    format = "graphql"
    HEADERS = ["operation", "name", "arguments", "returns"]

    def __init__(self, text: str) -> None:
        from graphql import GraphQLError, build_schema

        self.text = text
        try:
            self.schema = build_schema(text)
        except GraphQLError as exc:
            where = f"line {exc.locations[0].line}, column {exc.locations[0].column}: " if exc.locations else ""
            raise ContractError("GraphQL", [where + exc.message]) from None
        except TypeError as exc:  # graphql-core's word for a type the schema names but never defines
            raise ContractError("GraphQL", [str(exc)]) from None
        from graphql import validate_schema

        problems = [(f"line {e.locations[0].line}: " if e.locations else "") + e.message
                    for e in validate_schema(self.schema)]
        if problems:
            raise ContractError("GraphQL", problems[:10])

    def operations(self) -> list[list[str]]:
        rows = []
        for kind, root in (("query", self.schema.query_type), ("mutation", self.schema.mutation_type),
                           ("subscription", self.schema.subscription_type)):
            if root is None:
                continue
            for name, field in root.fields.items():
                arguments = ", ".join(f"{a}: {arg.type}" for a, arg in field.args.items())
                rows.append([kind, name, arguments, str(field.type)])
        return rows

    def breaking_changes(self, older: GraphQLContract) -> list[ContractChange]:
        from graphql import find_breaking_changes, find_dangerous_changes

        return [ContractChange(c.description, True) for c in find_breaking_changes(older.schema, self.schema)] + \
               [ContractChange(c.description, False) for c in find_dangerous_changes(older.schema, self.schema)]

    def summary(self) -> str:
        ops = self.operations()
        types = [t for n, t in self.schema.type_map.items() if not n.startswith("__")]
        counts = {k: sum(1 for r in ops if r[0] == k) for k in ("query", "mutation", "subscription")}
        return (f"GraphQL: {counts['query']} queries, {counts['mutation']} mutations, "
                f"{counts['subscription']} subscriptions; {len(types)} types")


class ProtoContract:
    """A protobuf file compiled by protoc: messages with numbered fields, enums, services and methods."""

    format = "protobuf"
    HEADERS = ["service", "method", "request", "response"]

    def __init__(self, text: str) -> None:
        from google.protobuf import descriptor_pb2

        self.text = text
        with tempfile.TemporaryDirectory(prefix="wb-proto-") as folder:
            source = Path(folder) / "contract.proto"
            source.write_text(text, encoding="utf-8")
            out = Path(folder) / "contract.pb"
            import grpc_tools

            includes = Path(grpc_tools.__file__).parent / "_proto"  # the well-known types protoc ships with
            run = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{folder}", f"-I{includes}",
                                  f"--descriptor_set_out={out}", "contract.proto"],
                                 capture_output=True, text=True, timeout=60, cwd=folder)
            if run.returncode != 0:
                problems = [line.replace("contract.proto:", "line ", 1) for line in run.stderr.strip().splitlines()]
                raise ContractError("protobuf", problems[:10] or [f"protoc exited {run.returncode}"])
            files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
        self.file = files.file[-1]
        self.package = self.file.package

    def messages(self) -> dict[str, Any]:
        out: dict[str, Any] = {}

        def walk(prefix: str, items: Any) -> None:
            for message in items:
                name = f"{prefix}{message.name}"
                out[name] = message
                walk(name + ".", message.nested_type)

        walk("", self.file.message_type)
        return out

    def enums(self) -> dict[str, Any]:
        out = {e.name: e for e in self.file.enum_type}
        for name, message in self.messages().items():
            for e in message.enum_type:
                out[f"{name}.{e.name}"] = e
        return out

    def operations(self) -> list[list[str]]:
        rows = []
        for service in self.file.service:
            for method in service.method:
                stream_in = "stream " if method.client_streaming else ""
                stream_out = "stream " if method.server_streaming else ""
                rows.append([service.name, method.name, stream_in + method.input_type.lstrip("."),
                             stream_out + method.output_type.lstrip(".")])
        return rows

    def breaking_changes(self, older: ProtoContract) -> list[ContractChange]:
        changes: list[ContractChange] = []
        old_messages, new_messages = older.messages(), self.messages()
        for name, old in old_messages.items():
            new = new_messages.get(name)
            if new is None:
                changes.append(ContractChange(f"message {name} removed", True))
                continue
            old_fields = {f.number: f for f in old.field}
            new_fields = {f.number: f for f in new.field}
            reserved = {n for r in new.reserved_range for n in range(r.start, r.end)}
            for number, field in old_fields.items():
                now = new_fields.get(number)
                if now is None:
                    changes.append(ContractChange(f"{name}.{field.name} (= {number}) removed"
                                          + (" and its number reserved" if number in reserved else
                                             " without reserving its number"), number not in reserved))
                elif now.name != field.name and (now.type != field.type or now.type_name != field.type_name):
                    changes.append(ContractChange(f"{name}: field number {number} reused, {field.name} → {now.name} "
                                          f"with another type", True))
                elif now.type != field.type or now.type_name != field.type_name:
                    changes.append(ContractChange(f"{name}.{field.name} (= {number}) changed type", True))
                elif now.label != field.label:
                    changes.append(ContractChange(f"{name}.{field.name} (= {number}) changed cardinality", True))
                elif now.name != field.name:
                    changes.append(ContractChange(f"{name}.{field.name} (= {number}) renamed to {now.name} "
                                          "(wire-compatible; JSON and generated code change)", False))
            for number, field in new_fields.items():
                if number not in old_fields:
                    changes.append(ContractChange(f"{name}.{field.name} (= {number}) added", False))
        for name in new_messages.keys() - old_messages.keys():
            changes.append(ContractChange(f"message {name} added", False))
        old_enums, new_enums = older.enums(), self.enums()
        for name, old in old_enums.items():
            new = new_enums.get(name)
            if new is None:
                changes.append(ContractChange(f"enum {name} removed", True))
                continue
            now = {v.number: v.name for v in new.value}
            for value in old.value:
                if value.number not in now:
                    changes.append(ContractChange(f"enum value {name}.{value.name} (= {value.number}) removed", True))
        old_methods = {(s.name, m.name): m for s in older.file.service for m in s.method}
        new_methods = {(s.name, m.name): m for s in self.file.service for m in s.method}
        for key, old in old_methods.items():
            new = new_methods.get(key)
            if new is None:
                changes.append(ContractChange(f"rpc {key[0]}.{key[1]} removed", True))
            elif (new.input_type, new.output_type) != (old.input_type, old.output_type):
                changes.append(ContractChange(f"rpc {key[0]}.{key[1]} changed its request or response type", True))
            elif (new.client_streaming, new.server_streaming) != (old.client_streaming, old.server_streaming):
                changes.append(ContractChange(f"rpc {key[0]}.{key[1]} changed streaming", True))
        for key in new_methods.keys() - old_methods.keys():
            changes.append(ContractChange(f"rpc {key[0]}.{key[1]} added", False))
        return changes

    def summary(self) -> str:
        services = len(self.file.service)
        return (f"protobuf{f' {self.package}' if self.package else ''}: {services} service"
                f"{'s' if services != 1 else ''}, {len(self.operations())} methods, {len(self.messages())} messages")


class AsyncAPIContract:
    """An AsyncAPI 2.x or 3.x document, validated against the official JSON Schema of its version
    (@asyncapi/specs); its channels and operations, and the payloads of their messages."""

    format = "asyncapi"
    HEADERS = ["operation", "action", "channel", "messages"]

    def __init__(self, text: str) -> None:
        import yaml

        from .api import _json_path, _line_of

        self.text = text
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            from ..yamltext import yaml_problem

            where, problem = yaml_problem(exc)
            raise ContractError("AsyncAPI", [f"{where + ': ' if where else ''}not YAML/JSON ({problem})"]) from None
        if not isinstance(document, dict) or "asyncapi" not in document:
            raise ContractError("AsyncAPI", ["the document must be a mapping that starts with asyncapi: 3.0.0 (or 2.x)"])
        from .refs import HINT, outside_problems

        outside = outside_problems(document, text)
        if outside:  # a $ref to a file or a URL: refused, never read (the answer is the same whether it exists)
            raise ContractError("AsyncAPI", outside, hint=HINT)
        self.document = document
        self.version = str(document["asyncapi"])
        validator = _asyncapi_validator(self.version)
        errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
        if errors:
            problems = []
            for error in errors[:10]:
                path = list(error.absolute_path)
                line = _line_of(text, path)
                problems.append(f"{_json_path(path)}{f' (line {line})' if line else ''}: {error.message[:300]}")
            raise ContractError("AsyncAPI", problems)

    def resolve(self, node: Any) -> Any:
        from .api import resolve_ref

        return resolve_ref(self.document, node)

    def channels(self) -> dict[str, dict]:
        """Channel name → {address, messages: {name: payload schema}} (2.x: the channel key is the address)."""
        out = {}
        for name, channel in (self.document.get("channels") or {}).items():
            channel = self.resolve(channel) or {}
            if self.version.startswith("2"):
                messages = {}
                for action in ("publish", "subscribe"):
                    op = channel.get(action) or {}
                    message = self.resolve(op.get("message")) or {}
                    for i, m in enumerate(message.get("oneOf") or [message]):
                        m = self.resolve(m) or {}
                        if m:
                            messages[m.get("name") or f"{action}{i or ''}"] = self.resolve(m.get("payload")) or {}
                out[name] = {"address": name, "messages": messages}
            else:
                messages = {key: self.resolve((self.resolve(m) or {}).get("payload")) or {}
                            for key, m in (channel.get("messages") or {}).items()}
                out[name] = {"address": channel.get("address") or name, "messages": messages}
        return out

    def operations(self) -> list[list[str]]:
        rows = []
        if self.version.startswith("2"):
            for name, channel in (self.document.get("channels") or {}).items():
                channel = self.resolve(channel) or {}
                for action in ("publish", "subscribe"):
                    if action in channel:
                        op = channel[action] or {}
                        rows.append([op.get("operationId") or f"{action} {name}", action, name,
                                     ", ".join(self.channels()[name]["messages"])])
            return rows
        channels = self.channels()
        for name, op in (self.document.get("operations") or {}).items():
            op = self.resolve(op) or {}
            ref = (op.get("channel") or {}).get("$ref", "")
            channel = ref.rsplit("/", 1)[-1] if ref else ""
            rows.append([name, str(op.get("action", "")), channels.get(channel, {}).get("address", channel),
                         ", ".join(channels.get(channel, {}).get("messages", {}))])
        return rows

    def breaking_changes(self, older: AsyncAPIContract) -> list[ContractChange]:
        """A channel, an operation or a message removed, or a payload that no longer carries what consumers
        read (a property removed or retyped) or needs what producers did not send (a required one added)."""
        from .api import ApiContract, _compare_schema

        changes: list[ContractChange] = []
        old_channels, new_channels = older.channels(), self.channels()
        old_by_address = {c["address"]: (n, c) for n, c in old_channels.items()}
        new_by_address = {c["address"]: (n, c) for n, c in new_channels.items()}
        for address, (_name, channel) in old_by_address.items():
            if address not in new_by_address:
                changes.append(ContractChange(f"channel {address} removed", True))
                continue
            now = new_by_address[address][1]
            for message, payload in channel["messages"].items():
                if message not in now["messages"]:
                    changes.append(ContractChange(f"channel {address}: message {message} removed", True))
                    continue
                old_doc, new_doc = ApiContract(older.document), ApiContract(self.document)
                for change in _compare_schema(old_doc, new_doc, payload, now["messages"][message],
                                              f"{address} {message}", request=False):
                    changes.append(change)
                for change in _compare_schema(old_doc, new_doc, payload, now["messages"][message],
                                              f"{address} {message}", request=True):
                    if change.breaking and "required" in change.what and change.what not in {c.what for c in changes}:
                        changes.append(change)
        for address in new_by_address.keys() - old_by_address.keys():
            changes.append(ContractChange(f"channel {address} added", False))
        old_ops = {r[0]: r for r in older.operations()}
        new_ops = {r[0]: r for r in self.operations()}
        for name, row in old_ops.items():
            if name not in new_ops:
                changes.append(ContractChange(f"operation {name} ({row[1]} on {row[2]}) removed", True))
            elif new_ops[name][1:3] != row[1:3]:
                changes.append(ContractChange(f"operation {name} now {new_ops[name][1]} on {new_ops[name][2]}", True))
        for name in new_ops.keys() - old_ops.keys():
            changes.append(ContractChange(f"operation {name} added", False))
        return changes

    def summary(self) -> str:
        return (f"AsyncAPI {self.version}: {len(self.channels())} channels, {len(self.operations())} operations, "
                f"{sum(len(c['messages']) for c in self.channels().values())} messages")


SPECS_VERSION = "6.11.1"  # @asyncapi/specs: the official JSON Schemas of every AsyncAPI version


def specs_folder() -> Path | None:
    """Where the official AsyncAPI JSON Schemas are: WORKBENCH_ASYNCAPI_SPECS, or what the project's set-up
    installed (scripts/setup.sh: npm @asyncapi/specs into .cache/asyncapi). Nothing is fetched at run time."""
    import os

    candidates = [os.environ.get("WORKBENCH_ASYNCAPI_SPECS"),
                  Path(__file__).resolve().parents[2] / ".cache" / "asyncapi" / "node_modules" / "@asyncapi" / "specs"
                  / "schemas"]
    for folder in candidates:
        if folder and (Path(folder) / "3.0.0.json").is_file():
            return Path(folder)
    return None


def specs_hint() -> str:
    """The exact command that installs the schemas where `specs_folder` looks (what the set-up runs)."""
    root = Path(__file__).resolve().parents[2]
    npm = f"npm install --prefix {root / '.cache' / 'asyncapi'} @asyncapi/specs@{SPECS_VERSION}"
    if (root / "scripts" / "setup.sh").is_file():
        return f"Run: {root / 'scripts' / 'setup.sh'} --runtime (part of `make demo`; it runs {npm})"
    return (f"Run: npm install --prefix DIR @asyncapi/specs@{SPECS_VERSION} and set WORKBENCH_ASYNCAPI_SPECS to "
            "DIR/node_modules/@asyncapi/specs/schemas")


def _asyncapi_validator(version: str) -> Any:
    import json

    from jsonschema import Draft7Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT7

    folder = specs_folder()
    if folder is None:
        raise DesignError("AsyncAPI contracts are checked against the official JSON Schemas (@asyncapi/specs), "
                          "which are not installed.", hint=specs_hint())
    path = folder / f"{version}.json"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("[0-9]*.json") if "without" not in p.stem)
        raise ContractError("AsyncAPI", [f"asyncapi: {version} is not a version the official schemas know "
                                         f"({', '.join(known[-6:])})"])
    from .refs import refuse

    meta = DRAFT7.create_resource(Draft7Validator.META_SCHEMA)
    # the official schema and the draft-07 meta-schema are all it needs; any other URI is refused, never fetched
    registry = Registry(retrieve=refuse).with_resources([("http://json-schema.org/draft-07/schema", meta),
                                                         ("http://json-schema.org/draft-07/schema#", meta)])
    return Draft7Validator(json.loads(path.read_text(encoding="utf-8")), registry=registry)


def parse_contract(text: str, fmt: str) -> Any:
    if not isinstance(text, str) or not text.strip():
        raise ContractError(fmt, ["the document is empty"])
    kinds = {"graphql": GraphQLContract, "protobuf": ProtoContract, "asyncapi": AsyncAPIContract}
    return kinds[fmt](text)


@dataclass
class ContractRecord:
    """A stored contract version: what the tool and magic show, and what the export writes."""

    name: str
    version: int
    contract: Any
    changes: list[ContractChange]

    def for_model(self) -> str:
        lines = [f"Stored as version {self.version} of {self.contract.format} contract {self.name!r}.",
                 self.contract.summary()]
        lines += [f"- {' '.join(r)}" for r in self.contract.operations()[:40]]
        if self.version > 1:
            breaking = [c for c in self.changes if c.breaking]
            lines.append(f"Against v{self.version - 1}: {len(breaking)} breaking, "
                         f"{len(self.changes) - len(breaking)} compatible changes")
            lines += [f"  {c}" for c in self.changes[:30]]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.contract.HEADERS)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                       for r in self.contract.operations())
        changes = "".join(f"<li>{html.escape(str(c))}</li>" for c in self.changes)
        return (f"<div><p><b>{html.escape(self.contract.format)} contract {html.escape(self.name)} "
                f"v{self.version}</b> — {html.escape(self.contract.summary())}</p><table><thead><tr>{head}</tr>"
                f"</thead><tbody>{rows}</tbody></table>"
                + (f"<p>Changes since v{self.version - 1}:</p><ul>{changes}</ul>" if self.version > 1 else "")
                + "</div>")

    def __repr__(self) -> str:
        return self.for_model()


def define_contract(design: Any, text: str, fmt: str, name: str = "main", *,
                    turn_id: int | None = None) -> ContractRecord:
    """Validate a GraphQL or protobuf contract with its own tool, compare it with the version before, store it."""
    contract = parse_contract(text, fmt)
    before = design.latest(CONTRACT, name)
    changes: list[ContractChange] = []
    if before is not None:
        if before["body"]["format"] != fmt:
            raise DesignError(f"Contract {name!r} is {before['body']['format']}; this is {fmt}.",
                              hint="Give the new contract its own name.")
        changes = contract.breaking_changes(parse_contract(before["body"]["text"], fmt))
    breaking = sum(1 for c in changes if c.breaking)
    summary = contract.summary() + (f"; {breaking} breaking changes" if breaking else "")
    version = design.add_version(CONTRACT, name, {"format": fmt, "text": text,
                                                  "changes": [[c.what, c.breaking] for c in changes]},
                                 summary=summary, turn_id=turn_id)
    return ContractRecord(name, version, contract, changes)


def stored_contract(row: dict) -> ContractRecord:
    body = row["body"]
    return ContractRecord(row["name"], row["version"], parse_contract(body["text"], body["format"]),
                          [ContractChange(w, b) for w, b in body.get("changes") or []])
