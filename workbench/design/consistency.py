"""Consistency across a design's artifacts: do the API contracts and the schema say the same thing?

An API entity (an OpenAPI component schema, a GraphQL object type, a protobuf message) is matched to
the table of the same name (singular or plural, any case); its fields to the columns of the same name
(camelCase or snake_case). Then:

| rule  | name                  | finding |
|-------|-----------------------|---------|
| XC001 | field-type            | the field's type cannot hold the column's values (or the other way round) |
| XC002 | field-nullability     | the API promises a value (required, not nullable) the column may not have (NULL) |
| XC003 | field-dropped         | the newest schema dropped a column the API still returns (it was in the version before) |
| XC004 | async-edge-without-channel | an async edge of the architecture names no channel of the AsyncAPI contracts |
| XC005 | channel-without-edge  | an AsyncAPI channel that no async edge of the architecture carries |

Database-per-service (one datastore written by one service) is the architecture review's AR001.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from ..findings import ERROR, INFO, WARNING, Findings
from .kinds import API, CONTRACT, SCHEMA

RULES = {"XC001": ("field-type", ERROR), "XC002": ("field-nullability", WARNING), "XC003": ("field-dropped", ERROR),
         "XC004": ("async-edge-without-channel", WARNING), "XC005": ("channel-without-edge", INFO)}


@dataclass
class Inconsistency:
    rule: str
    name: str
    severity: str
    where: str          # the API field: contract entity.field
    column: str         # the table column it matches
    message: str
    fix: str

    def text(self) -> str:
        return f"{self.severity.upper():7} {self.rule} {self.name} {self.where} ↔ {self.column}: {self.message}\n" \
               f"    fix: {self.fix}"

    def cells(self) -> list[str]:
        return [html.escape(f"{self.where} ↔ {self.column}"), html.escape(self.message), html.escape(self.fix)]

    def sort_key(self) -> tuple:
        return (self.where, self.column)


class ConsistencyFindings(Findings):
    headers = ("API field ↔ column", "finding", "what to do")


@dataclass
class Field:
    entity: str
    name: str
    kind: str            # integer, number, boolean, string, datetime, date, array, object, other
    required: bool       # the API always gives a value


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower())


def _table_for(entity: str, schema: Any) -> Any:
    stem = _norm(entity)
    for table in schema.tables.values():
        name = _norm(table.name)
        if name in (stem, stem + "s", stem + "es") or (stem.endswith("y") and name == stem[:-1] + "ies"):
            return table
    return None


def _column_kind(schema: Any, column: Any) -> str:
    from ..schema import types as T

    family = T.info(schema.base_type(column.type) or "TEXT", schema.dialect).family
    return {"integer": "integer", "decimal": "number", "float": "number", "boolean": "boolean", "timestamp":
            "datetime", "date": "date", "json": "object", "array": "array"}.get(family, "string")


def _compatible(api: str, column: str) -> str | None:
    """None when the API type holds the column's values; else the severity of the mismatch."""
    if api == column or api in ("other", "object") or column == "object":
        return None
    if api == "number" and column == "integer":
        return None
    if api == "string" and column in ("integer", "number", "datetime", "date"):
        return INFO  # ids and decimals as strings, moments as text: common and deliberate
    if api in ("datetime", "date") and column in ("datetime", "date"):
        return WARNING
    return ERROR


# -- what the contracts say --------------------------------------------------------------------------
def openapi_fields(contract: Any) -> list[Field]:
    out = []
    for entity, schema in ((contract.document.get("components") or {}).get("schemas") or {}).items():
        schema = contract.resolve(schema) or {}
        required = set(schema.get("required") or [])
        for name, prop in (schema.get("properties") or {}).items():
            prop = contract.resolve(prop) or {}
            types = prop.get("type")
            nullable = prop.get("nullable") is True or (isinstance(types, list) and "null" in types)
            kind = next((t for t in types if t != "null"), "other") if isinstance(types, list) else (types or "other")
            if kind == "string" and prop.get("format") in ("date-time", "date"):
                kind = "datetime" if prop["format"] == "date-time" else "date"
            out.append(Field(entity, name, kind, name in required and not nullable))
    return out


def graphql_fields(contract: Any) -> list[Field]:
    from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, get_named_type

    kinds = {"Int": "integer", "Float": "number", "Boolean": "boolean", "String": "string", "ID": "string",
             "DateTime": "datetime", "Date": "date"}
    roots = {t.name for t in (contract.schema.query_type, contract.schema.mutation_type,
                              contract.schema.subscription_type) if t is not None}
    out = []
    for name, kind in contract.schema.type_map.items():
        if not isinstance(kind, GraphQLObjectType) or name.startswith("__") or name in roots:
            continue
        for field_name, field in kind.fields.items():
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            named = get_named_type(field.type)
            value = "array" if isinstance(inner, GraphQLList) else (
                kinds.get(named.name, "string") if isinstance(named, GraphQLScalarType) else "object")
            out.append(Field(name, field_name, value, isinstance(field.type, GraphQLNonNull)))
    return out


def protobuf_fields(contract: Any) -> list[Field]:
    from google.protobuf.descriptor_pb2 import FieldDescriptorProto as F

    kinds = {F.TYPE_INT32: "integer", F.TYPE_INT64: "integer", F.TYPE_UINT32: "integer", F.TYPE_UINT64: "integer",
             F.TYPE_SINT32: "integer", F.TYPE_SINT64: "integer", F.TYPE_FIXED32: "integer",
             F.TYPE_FIXED64: "integer", F.TYPE_DOUBLE: "number", F.TYPE_FLOAT: "number", F.TYPE_BOOL: "boolean",
             F.TYPE_STRING: "string", F.TYPE_BYTES: "other", F.TYPE_ENUM: "string", F.TYPE_MESSAGE: "object"}
    out = []
    for name, message in contract.messages().items():
        for field in message.field:
            kind = "array" if field.label == F.LABEL_REPEATED else kinds.get(field.type, "other")
            if field.type_name.endswith("google.protobuf.Timestamp"):
                kind = "datetime"
            out.append(Field(name.rsplit(".", 1)[-1], field.name, kind, False))  # proto3: no field is required
    return out


# -- the check -----------------------------------------------------------------------------------------
def check(design: Any) -> ConsistencyFindings:
    """The design's API contracts against its newest schema (and the version before, for dropped columns)."""
    from .api import api_contract
    from .contracts import stored_contract

    findings = ConsistencyFindings()
    findings += _async_edges(design)
    newest_row = design.latest(SCHEMA)
    if newest_row is None:
        findings.sort()
        return findings
    schema = design.schema(newest_row["name"])
    previous = design.schema(newest_row["name"], newest_row["version"] - 1) if newest_row["version"] > 1 else None
    sources: list[tuple[str, list[Field]]] = []
    if design.latest(API) is not None:
        row = design.latest(API)
        sources.append((f"API {row['name']}", openapi_fields(api_contract(design))))
    for name in design.names(CONTRACT):
        record = stored_contract(design.latest(CONTRACT, name))
        read = {"graphql": graphql_fields, "protobuf": protobuf_fields}.get(record.contract.format)
        if read is not None:  # AsyncAPI payloads are events, not rows: checked against the architecture
            sources.append((f"{record.contract.format} {name}", read(record.contract)))
    label = f"schema {newest_row['name']} v{newest_row['version']}"
    for source, fields in sources:
        for field in fields:
            table = _table_for(field.entity, schema)
            where = f"{source}: {field.entity}.{field.name}"
            column = _match(table, field.name) if table is not None else None
            if column is None:  # not in the newest schema: was it in the version before?
                old_table = _table_for(field.entity, previous) if previous is not None else None
                before = _match(old_table, field.name) if old_table is not None else None
                if before is not None:
                    gone = f"table {old_table.key}, which this field comes from" if table is None else \
                        "the column this field returns"
                    findings.append(_found("XC003", where, f"{old_table.key}.{before.name}", f"{label} dropped {gone}",
                                           "Keep it (a column can come back as a view or computed column), or "
                                           "remove the field in the same release, as a breaking change."))
                continue
            severity = _compatible(field.kind, _column_kind(schema, column))
            if severity is not None:
                findings.append(_found("XC001", where, f"{table.key}.{column.name}",
                                       f"the field is {field.kind}, the column {column.type}", "Use the same type "
                                       "on both sides, or state the conversion in the contract (format, pattern).",
                                       severity))
            if field.required and column.nullable and not table.is_unique((column.name,)) \
                    and column.name.lower() not in (c.lower() for c in table.primary_key):
                findings.append(_found("XC002", where, f"{table.key}.{column.name}",
                                       "the API always gives a value, the column allows NULL",
                                       f"Make {table.key}.{column.name} NOT NULL (with a default for old rows), or "
                                       "make the field nullable / optional in the contract."))
    findings.sort()
    return findings


def _match(table: Any, field: str) -> Any:
    wanted = _norm(field)
    return next((c for c in table.columns.values() if _norm(c.name) == wanted), None)


def _found(rule: str, where: str, column: str, message: str, fix: str, severity: str | None = None) -> Inconsistency:
    name, default = RULES[rule]
    return Inconsistency(rule, name, severity or default, where, column, message, fix)


def _async_edges(design: Any) -> list[Inconsistency]:
    """The architecture's async edges against the AsyncAPI channels (by label or protocol ↔ address or name)."""
    from .contracts import stored_contract
    from .kinds import ARCHITECTURE

    channels: dict[str, str] = {}  # normalised name → "contract: address"
    for name in design.names(CONTRACT):
        record = stored_contract(design.latest(CONTRACT, name))
        if record.contract.format != "asyncapi":
            continue
        for channel, info in record.contract.channels().items():
            for word in (channel, info["address"]):
                channels[_norm(word)] = f"asyncapi {name}: {info['address']}"
    if not channels:
        return []
    out: list[Inconsistency] = []
    carried: set[str] = set()
    for arch_name in design.names(ARCHITECTURE):
        arch = design.architecture(arch_name)
        for edge in arch.spec.edges:
            if edge.mode != "async":
                continue
            where = f"architecture {arch_name}: {edge.source} → {edge.target}"
            words = [w for w in (edge.label, edge.protocol) if w]
            found = next((channels[_norm(w)] for w in words if _norm(w) in channels), None)
            if found is None:
                out.append(_found("XC004", where, ", ".join(words) or "(no label)",
                                  "this async edge names no channel of the AsyncAPI contracts",
                                  "Label the edge with its channel's address, or add the channel to the contract."))
            else:
                carried.add(found)
    for label in sorted(set(channels.values()) - carried):
        out.append(_found("XC005", label, "(no edge)", "no async edge of the architecture carries this channel",
                          "Draw the producer → broker → consumer edges (mode: async, label: the address), or "
                          "remove the channel."))
    return out
