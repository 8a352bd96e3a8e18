"""Built-in tools: JSON schemas and thin calls into design, schema, architecture and lab.

Each function takes the ToolContext and the validated input, does the real work through
the domain packages, shows the artifact with `ctx.show`, records it in the design, and
returns a compact summary for the model. Heavy imports happen inside the functions.
"""

from __future__ import annotations

import json

from ..config import DEFAULT_DIALECT
from ..design.kinds import LISTED, SCHEMA
from ..design.requirements import METRICS
from .registry import BASH, DESIGN, FILES, Tool, ToolContext, ToolRegistry, ToolResult


def _workspace(ctx: ToolContext):
    from ..design.workspace import Workspace

    return Workspace(ctx.design.workspace)


# -- file tools (the agent definition's Read/Write/Edit/Glob/Grep) ---------------------------
def read_file(ctx: ToolContext, path: str) -> str:
    return _workspace(ctx).read(path)


def write_file(ctx: ToolContext, path: str, content: str) -> str:
    return _workspace(ctx).write(path, content)


def edit_file(ctx: ToolContext, path: str, old: str, new: str) -> str:
    return _workspace(ctx).edit(path, old, new)


def list_files(ctx: ToolContext, glob: str = "**/*") -> str:
    files = _workspace(ctx).list(glob)
    return "\n".join(files) if files else f"No files match {glob!r}."


def grep(ctx: ToolContext, pattern: str, glob: str | None = None) -> str:
    found = _workspace(ctx).grep(pattern, glob)
    return "\n".join(found) if found else f"No matches for {pattern!r}."


def bash(ctx: ToolContext, command: str, timeout: float = 30.0) -> ToolResult:
    if not ctx.bash_enabled:
        return ToolResult("The bash tool is disabled; the user can enable it with %%architect --bash.", is_error=True)
    code, output = _workspace(ctx).run_bash(command, timeout=min(float(timeout), 300.0))
    return ToolResult(f"exit code {code}\n{output}", is_error=code != 0)


_PATH = {"type": "string", "description": "Path relative to the design's workspace folder."}

FILE_TOOLS = [
    Tool("read_file", "Read a text file from the design's workspace.",
         {"type": "object", "properties": {"path": _PATH}, "required": ["path"], "additionalProperties": False},
         read_file, FILES),
    Tool("write_file", "Create or replace a text file in the design's workspace (e.g. a deployment guide).",
         {"type": "object", "properties": {"path": _PATH, "content": {"type": "string"}},
          "required": ["path", "content"], "additionalProperties": False}, write_file, FILES),
    Tool("edit_file", "Replace one exact occurrence of `old` with `new` in a workspace file.",
         {"type": "object", "properties": {"path": _PATH, "old": {"type": "string"}, "new": {"type": "string"}},
          "required": ["path", "old", "new"], "additionalProperties": False}, edit_file, FILES),
    Tool("list_files", "List workspace files matching a glob pattern such as '**/*.md'.",
         {"type": "object", "properties": {"glob": {"type": "string", "default": "**/*"}},
          "additionalProperties": False}, list_files, FILES),
    Tool("grep", "Search workspace files for a regular expression; answers path:line: text.",
         {"type": "object", "properties": {"pattern": {"type": "string"}, "glob": {"type": "string"}},
          "required": ["pattern"], "additionalProperties": False}, grep, FILES),
    Tool("bash", "Run a shell command in the design's workspace (enabled by the user; 30 s timeout).",
         {"type": "object", "properties": {"command": {"type": "string"},
                                           "timeout": {"type": "number", "minimum": 1, "maximum": 300}},
          "required": ["command"], "additionalProperties": False}, bash, BASH),
]


# -- schema ----------------------------------------------------------------------------------
def propose_schema(ctx: ToolContext, ddl: str, dialect: str = DEFAULT_DIALECT, name: str = "main",
                   rationale: str | None = None) -> str:
    """Parse DDL, store it as a new version of the design's schema, show ER + lint inline."""
    report = ctx.design.add_schema_ddl(ddl, dialect, name, rationale=rationale, turn_id=ctx.turn_id)
    ctx.show(report)
    return report.for_model()


def lint(ctx: ToolContext, target: str = "schema", name: str | None = None, version: int | None = None) -> str:
    """Review a stored schema (lint rules) or architecture (the agent definition's anti-patterns)."""
    from ..errors import DesignError

    if target == "consistency":
        return ctx.design.consistency().text()
    artifact = (ctx.design.schema if target == "schema" else ctx.design.architecture)(name, version)
    if artifact is None:
        # "has no schema", never "has no a schema": the noun goes after "no" bare
        what = f"{target} {name!r}" if name else target
        raise DesignError(f"The design has no {what}{f' version {version}' if version else ''} to review.",
                          hint="Propose one first with "
                               f"{'draw_architecture' if target == 'architecture' else 'propose_schema'}.")
    return artifact.lint().text()


def diff(ctx: ToolContext, name: str | None = None, from_version: int | None = None, to_version: int | None = None,
         dialect: str | None = None) -> str:
    """What changes between two versions of a stored schema (default: the newest and the one before)."""
    from ..errors import DesignError

    new = ctx.design.schema(name, to_version)
    if new is None:
        raise DesignError(f"The design has no schema {name or ''} {f'version {to_version}' if to_version else ''}"
                          .replace("  ", " ").strip() + ".")
    versions = [r["version"] for r in ctx.design.versions(SCHEMA, new.name or name, bodies=False)] \
        if new.name or name else []
    current = to_version or (versions[-1] if versions else None)
    before = from_version or (current - 1 if current else None)
    old = ctx.design.schema(name or new.name, before) if before else None
    if old is None:
        raise DesignError("There is no earlier version to compare with.", hint="Give from_version, or propose a "
                                                                               "second version first.")
    change = old.diff(new)
    return f"{change.summary()}\n{change.text()}\n-- migration SQL ({dialect or new.dialect}):\n" \
           f"{change.sql(dialect or new.dialect)}"


SCHEMA_TOOLS = [
    Tool("propose_schema",
         "Propose the database schema as DDL: it is parsed, drawn as an ER diagram, linted and stored as a new "
         "version of the design's schema. The result lists tables, foreign keys, lint findings (with fixes) and "
         "what changed since the previous version; a syntax error names line and column.",
         {"type": "object", "properties": {
             "ddl": {"type": "string", "minLength": 1,
                     "description": "CREATE TABLE / CREATE INDEX / ALTER TABLE statements."},
             "dialect": {"type": "string", "enum": ["postgres", "postgresql", "sqlite", "mysql", "mariadb"],
                         "description": f"The DDL's SQL dialect (default: {DEFAULT_DIALECT}, as in %%schema)."},
             "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$",
                      "description": "Schema name within the design (default: main)."},
             "rationale": {"type": "string", "description": "Why this version: the main decisions."}},
          "required": ["ddl"], "additionalProperties": False},
         propose_schema, DESIGN),
    Tool("lint",
         "Review a stored artifact: a schema against the lint rules (keys, types, indexes, naming), an "
         "architecture against the anti-patterns of the agent definition, or (consistency) the API contracts "
         "against the newest schema: field types, nullability, columns dropped under a field. Findings with "
         "severity and fixes.",
         {"type": "object", "properties": {
             "target": {"type": "string", "enum": ["schema", "architecture", "consistency"],
                        "description": "default: schema"},
             "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$", "description": "default: the newest"},
             "version": {"type": "integer", "minimum": 1, "description": "default: the newest version"}},
          "additionalProperties": False},
         lint, DESIGN),
    Tool("diff",
         "What changes between two versions of a stored schema (default: the newest and the one before): each "
         "change with its risk class, and the migration SQL for the schema's dialect (or `dialect`).",
         {"type": "object", "properties": {
             "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$", "description": "default: the newest"},
             "from_version": {"type": "integer", "minimum": 1},
             "to_version": {"type": "integer", "minimum": 1},
             "dialect": {"type": "string", "enum": ["postgres", "sqlite", "mysql"]}},
          "additionalProperties": False},
         diff, DESIGN),
]


# -- architecture ----------------------------------------------------------------------------
def draw_architecture(ctx: ToolContext, spec: dict | str, name: str = "main") -> str:
    """Validate a spec, store it as a new version, show the diagram with its findings inline."""
    report = ctx.design.add_architecture(spec, name, turn_id=ctx.turn_id)
    ctx.show(report)
    return report.for_model()


_NODE = {"type": "object", "properties": {
    "id": {"type": "string"}, "label": {"type": "string"},
    "kind": {"type": "string", "description": "a generic kind (service, api-gateway, postgres, redis, kafka, "
                                              "prometheus, …) or a diagrams class provider.category.Class"},
    "group": {"type": "string"}, "replicas": {"type": "integer", "minimum": 1},
    "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["id", "kind"]}
_EDGE = {"type": "object", "properties": {
    "source": {"type": "string"}, "target": {"type": "string"}, "label": {"type": "string"},
    "mode": {"type": "string", "enum": ["sync", "async"]}, "protocol": {"type": "string"}},
    "required": ["source", "target"]}
_GROUP = {"type": "object", "properties": {"id": {"type": "string"}, "label": {"type": "string"},
                                           "parent": {"type": "string"}}, "required": ["id"]}

ARCHITECTURE_TOOLS = [
    Tool("draw_architecture",
         "Draw the system architecture from a declarative spec (nodes with kinds, sync/async edges, nested "
         "groups): it is validated, drawn, stored as a new version, and reviewed for distributed-monolith, "
         "shared-database, synchronous-chain, gateway-bypass, single-point-of-failure and missing-monitoring "
         "anti-patterns. Set replicas on nodes that run more than one instance.",
         {"type": "object", "properties": {
             "spec": {"anyOf": [
                 {"type": "object", "properties": {
                     "title": {"type": "string"}, "direction": {"type": "string", "enum": ["LR", "TB", "RL", "BT"]},
                     "nodes": {"type": "array", "items": _NODE, "minItems": 1},
                     "edges": {"type": "array", "items": _EDGE},
                     "groups": {"type": "array", "items": _GROUP}}, "required": ["nodes"]},
                 {"type": "string", "description": "the same spec as YAML"}]},
             "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$",
                      "description": "Architecture name within the design (default: main)."}},
          "required": ["spec"], "additionalProperties": False},
         draw_architecture, DESIGN),
]


# -- lab ---------------------------------------------------------------------------------------
def run_sql(ctx: ToolContext, sql: str, database: str = "sandbox", params: dict | None = None,
            what_if_indexes: list | None = None) -> str:
    """Run SQL on the design's lab database; show the result; return rows, timing and plan compactly. With
    what_if_indexes: the query's plan now and with those indexes assumed (nothing built, nothing run)."""
    if what_if_indexes:
        answer = ctx.design.what_if(sql, what_if_indexes, database, params)
        ctx.show(answer)
        return answer.for_model()
    result = ctx.design.run_sql(sql, database, params, explain=True, turn_id=ctx.turn_id)
    ctx.show(result)
    return result.for_model()


def run_experiment(ctx: ToolContext, workload: list, variants: list | None = None, rows: int = 10_000,
                   repeat: int = 20, database: str = "sandbox", name: str | None = None) -> str:
    """Compare schema variants on identical data; show table, chart and plans; store the experiment."""
    record = ctx.design.run_experiment(workload, variants, rows=rows, repeat=repeat, database=database, name=name,
                                       turn_id=ctx.turn_id)
    ctx.show(record)
    return record.for_model()


def run_load(ctx: ToolContext, transactions: list, params: dict | None = None, clients: int = 8,
             duration: float = 10, database: str = "sandbox", name: str | None = None,
             variants: list | None = None, rate: float | None = None, ramp_to: float | None = None) -> str:
    """Concurrent clients on the design's lab; show the result and chart; store the run (each variant's)."""
    record = ctx.design.run_load({"transactions": transactions, "params": params or {}}, clients=clients,
                                 duration=duration, database=database, name=name, turn_id=ctx.turn_id,
                                 variants=variants, rate=rate, ramp_to=ramp_to)
    ctx.show(record)
    return record.for_model()


def project_migration(ctx: ToolContext, name: str | None = None, from_version: int | None = None,
                      to_version: int | None = None, sizes: list | None = None, target_rows: int | None = None,
                      database: str = "postgres") -> str:
    """Rehearse a migration at a few sizes and project each statement to the stated row count."""
    projection = ctx.design.project_migration(name, from_version, to_version, target_rows=target_rows,
                                              database=database, turn_id=ctx.turn_id,
                                              **({"sizes": sizes} if sizes else {}))
    ctx.show(projection)
    return projection.for_model()


def rehearse_migration(ctx: ToolContext, name: str | None = None, from_version: int | None = None,
                       to_version: int | None = None, rows: int = 100_000, database: str = "postgres") -> str:
    """Rehearse a schema migration under load; show and return per-statement locks, rewrites, blocking."""
    rehearsal = ctx.design.rehearse_migration(name, from_version, to_version, rows=rows, database=database,
                                              turn_id=ctx.turn_id)
    ctx.show(rehearsal)
    return rehearsal.for_model()


_DATABASE = {"type": "string", "enum": ["sandbox", "postgres", "mysql"],
             "description": "sandbox (SQLite, default), postgres or mysql: a lab with the design's schema and data"}
LAB_TOOLS = [
    Tool("run_sql",
         "Run SQL on a lab database that holds the design's newest schema and synthetic data (1,000 rows per table "
         "by default). Returns row count, the first rows, the timing and, for queries, the plan (full scan or "
         "index lookup, per table). Use :name parameters; values are drawn from the data when not given.",
         {"type": "object", "properties": {"sql": {"type": "string", "minLength": 1}, "database": _DATABASE,
                                           "params": {"type": "object"},
                                           "what_if_indexes": {
                                               "type": "array", "items": {"type": "string"},
                                               "description": "CREATE INDEX statements to assume (PostgreSQL): "
                                                              "the plan with and without them, nothing built"}},
          "required": ["sql"], "additionalProperties": False}, run_sql, DESIGN),
    Tool("run_experiment",
         "Measure a workload on schema variants (extra DDL such as an index) with identical synthetic data: "
         "p50/p95/max per query and variant, ratios against the baseline, and the plans side by side.",
         {"type": "object", "properties": {
             "workload": {"type": "array", "minItems": 1, "items": {
                 "type": "object", "properties": {"name": {"type": "string"}, "sql": {"type": "string"}},
                 "required": ["name", "sql"]}},
             "variants": {"type": "array", "items": {"type": "object", "properties": {
                 "name": {"type": "string"}, "ddl": {"type": "string"}}, "required": ["name", "ddl"]}},
             "rows": {"type": "integer", "minimum": 1, "maximum": 1_000_000,
                      "description": "rows per table (default 10,000)"},
             "repeat": {"type": "integer", "minimum": 1, "maximum": 1000},
             "database": _DATABASE, "name": {"type": "string"}},
          "required": ["workload"], "additionalProperties": False}, run_experiment, DESIGN),
    Tool("run_load",
         "Run concurrent clients against the design's lab (its schema and seeded data) for a few seconds: a weighted "
         "mix of transactions, each one or more statements run together. Returns throughput, latency "
         "p50/p95/p99/max per transaction, errors by class (unique violation, deadlock, serialization failure, "
         "lock timeout, timeout: a transaction still running when the load ended) and lock waits. Use it for "
         "contention questions: a seat sold twice, a hot row; with variants, "
         "to compare ways of doing it (a UNIQUE constraint vs SELECT … FOR UPDATE, a hot counter vs sharded ones). "
         "With rate (and ramp_to) it is an open loop at that arrival rate: latency counts from each operation's "
         "intended start, and the result says whether the lab kept to the rate (achieved vs intended, late, "
         "never started): use it for 'p95 at N/s' targets.",
         {"type": "object", "properties": {
             "transactions": {"type": "array", "minItems": 1, "items": {
                 "type": "object", "properties": {
                     "name": {"type": "string"},
                     "sql": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                     "weight": {"type": "number", "exclusiveMinimum": 0}},
                 "required": ["name", "sql"]}},
             "params": {"type": "object", "description": ":name → {range: [lo, hi]} | {values: [...]} | "
                                                        "{from: 'table.column'}, optional skew (Zipf, e.g. 1.2)"},
             "clients": {"type": "integer", "minimum": 1, "maximum": 64},
             "rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000,
                      "description": "open loop: operations per second to start, whatever the latency (the "
                                     "clients are the pool that serves them)"},
             "ramp_to": {"type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000,
                         "description": "open loop: the rate rises (or falls) linearly from rate to this over the "
                                        "duration"},
             "duration": {"type": "number", "exclusiveMinimum": 0, "maximum": 60, "description": "seconds"},
             "database": _DATABASE, "name": {"type": "string"},
             "variants": {"type": "array", "description": "ways of doing the same to compare under the same load, "
                          "each on its own copy of the seeded data (the transactions as given run too)",
                          "items": {"type": "object", "properties": {
                              "name": {"type": "string"},
                              "ddl": {"type": "string", "description": "applied to the copy first (an index, a "
                                                                       "constraint, a sharded counter table)"},
                              "transactions": {"type": "array", "description": "instead of the given ones"},
                              "params": {"type": "object"}},
                              "required": ["name"]}}},
          "required": ["transactions"], "additionalProperties": False}, run_load, DESIGN),
    Tool("rehearse_migration",
         "Apply the migration between two versions of the design's schema (default: the newest and the one before) "
         "to a copy of seeded data while reads and updates run on it. For each statement: seconds, the lock it "
         "held on which table, whether it rewrote the table, how many sessions it blocked and for how long; the "
         "safe form (CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE) is rehearsed side by side.",
         {"type": "object", "properties": {
             "name": {"type": "string", "description": "schema name (default: the newest)"},
             "from_version": {"type": "integer", "minimum": 1}, "to_version": {"type": "integer", "minimum": 2},
             "rows": {"type": "integer", "minimum": 1000, "maximum": 2_000_000,
                      "description": "rows per table (default 100,000)"},
             "database": {"type": "string", "enum": ["postgres", "mysql", "sandbox"]}},
          "additionalProperties": False}, rehearse_migration, DESIGN),
    Tool("project_migration",
         "How long the migration takes at production size: rehearsed (as rehearse_migration does) at two or more "
         "sizes, each statement's seconds fitted against rows and projected to target_rows (default: the largest "
         "volume requirement), with the lock it holds at that size and the fit's worst residual.",
         {"type": "object", "properties": {
             "name": {"type": "string", "description": "schema name (default: the newest)"},
             "from_version": {"type": "integer", "minimum": 1}, "to_version": {"type": "integer", "minimum": 2},
             "sizes": {"type": "array", "items": {"type": "integer", "minimum": 1000, "maximum": 2_000_000},
                       "minItems": 2, "maxItems": 4, "description": "rows per table to rehearse at"},
             "target_rows": {"type": "integer", "minimum": 1, "description": "rows to project to"},
             "database": {"type": "string", "enum": ["postgres", "mysql", "sandbox"]}},
          "additionalProperties": False}, project_migration, DESIGN),
]


# -- decisions and API contract ------------------------------------------------------------
def record_decision(ctx: ToolContext, title: str, context: str, decision: str, consequences: str,
                    status: str = "accepted", supersedes: int | None = None) -> str:
    """Add a numbered ADR to the design (and adr/NNNN-title.md to its workspace)."""
    record = ctx.design.record_decision(title, context, decision, consequences, status, supersedes,
                                        turn_id=ctx.turn_id)
    ctx.show(record)
    others = ", ".join(d.key for d in ctx.design.decisions() if d.number != record.number)
    done = (f"Already recorded as {record.key} ({record.status}), word for word: {record.title}; nothing new was "
            "stored." if record.recorded_before else
            f"Recorded {record.key} ({record.status}): {record.title}; written to {record.filename}.")
    return done + (f" Other decisions: {others}." if others else "")


def record_requirement(ctx: ToolContext, statement: str, metric: str, id: str | None = None,
                       value: float | None = None, transaction: str | None = None, load: str | None = None,
                       sql: str | None = None, assumed: str | None = None, table: str | None = None,
                       years: float | None = None, max_gb: float | None = None) -> str:
    """Store a measurable requirement (a new version when its id exists) and show the design's targets."""
    req, version = ctx.design.record_requirement(statement, metric, id=id, value=value, transaction=transaction,
                                                 load=load, sql=sql, assumed=assumed, table=table, years=years,
                                                 max_gb=max_gb, turn_id=ctx.turn_id)
    ctx.show(req)
    how = ("measured by verify_requirements" if req.measurable else
           "projected by plan_capacity and checked by verify_requirements" if req.metric == "volume" and req.table
           else
           f"recorded; the lab does not measure {req.metric} yet, so verification reports it unmeasured")
    return (f"Stored {req.id} v{version}: {req.target()} ({how})." + (f" Assumed: {req.assumed}." if req.assumed
                                                                       else ""))


def verify_requirements(ctx: ToolContext, ids: list | None = None, database: str = "sandbox") -> str:
    """Run the bound loads again on a fresh copy of the lab and check every target and invariant."""
    result = ctx.design.verify(database=database, only=ids or None, turn_id=ctx.turn_id, progress=ctx.notice)
    ctx.show(result)
    return result.for_model()


def plan_capacity(ctx: ToolContext, database: str = "sandbox", rows: int = 10_000, years: list | None = None,
                  partition_gb: float = 100.0, partition_rows: float | None = None) -> str:
    """Measure bytes per row on a seeded sample, project the volume requirements, size connections; store it."""
    plan = ctx.design.capacity(database, rows=rows, years=years or (1, 3, 5), partition_gb=partition_gb,
                               partition_rows=partition_rows, turn_id=ctx.turn_id)
    ctx.show(plan)
    return plan.for_model()


def define_api(ctx: ToolContext, openapi: str, name: str = "main", format: str | None = None) -> str:
    """Validate a contract (OpenAPI, GraphQL SDL or protobuf), store it, show its operations (and breaking
    changes against the version before)."""
    out = ctx.design.define_api(openapi, name, turn_id=ctx.turn_id, format=format)
    if isinstance(out, tuple):
        version, contract = out
        ctx.show(contract)
        return f"Stored as version {version} of API {name!r}.\n" + contract.for_model()
    ctx.show(out)
    return out.for_model()


READ_CHUNK = 10_000


def read_artifact(ctx: ToolContext, kind: str, name: str | None = None, version: int | None = None,
                  offset: int = 0) -> ToolResult:
    """Read back a stored artifact version: the design keeps every one (the conversation may be compacted)."""
    if kind not in LISTED:
        return ToolResult(f"Unknown artifact kind {kind!r}; one of: {', '.join(LISTED)}.", is_error=True)
    row = ctx.design.latest(kind, name, version)
    if row is None:
        which = f" {name!r}" if name else ""
        at = f" version {version}" if version else ""
        names = ", ".join(ctx.design.names(kind)) or "none"
        return ToolResult(f"No {kind}{which}{at} in the design (names: {names}).", is_error=True)
    body = row.get("body")
    text = next((body[k] for k in ("source_ddl", "ddl", "spec", "text", "document") if isinstance(body, dict)
                 and isinstance(body.get(k), str)), None) if isinstance(body, dict) else None
    if text is None:
        text = body if isinstance(body, str) else json.dumps(body, indent=1, ensure_ascii=False, default=str)
    part = text[offset:offset + READ_CHUNK]
    more = (f"\n[characters {offset:,}–{offset + len(part):,} of {len(text):,}; call again with offset="
            f"{offset + len(part)} for the rest]") if offset + len(part) < len(text) or offset else ""
    return ToolResult(f"{kind} {row.get('name')!r} version {row.get('version')}:\n{part}{more}")


DOCUMENT_TOOLS = [
    Tool("read_artifact",
         "Read back any stored version of a design artifact (schema DDL, architecture spec, API contract, "
         "decision, experiment, load, rehearsal). The design keeps every version, so use this instead of "
         "relying on what an earlier message showed.",
         {"type": "object", "properties": {
             "kind": {"type": "string", "enum": list(LISTED)},
             "name": {"type": "string", "description": "default: the newest of that kind"},
             "version": {"type": "integer", "minimum": 1, "description": "default: the newest"},
             "offset": {"type": "integer", "minimum": 0, "description": "character offset for long bodies"}},
          "required": ["kind"], "additionalProperties": False},
         read_artifact, DESIGN),
    Tool("record_decision",
         "Record an architecture decision (ADR): numbered, with context, the decision and its consequences. "
         "To replace an earlier decision, give its number in supersedes.",
         {"type": "object", "properties": {
             "title": {"type": "string", "minLength": 3, "maxLength": 200},
             "context": {"type": "string", "minLength": 1, "description": "the forces and constraints at play"},
             "decision": {"type": "string", "minLength": 1, "description": "what was decided"},
             "consequences": {"type": "string", "minLength": 1, "description": "what follows, good and bad"},
             "status": {"type": "string", "enum": ["proposed", "accepted", "rejected", "deprecated", "superseded"]},
             "supersedes": {"type": "integer", "minimum": 1, "description": "number of the ADR this replaces"}},
          "required": ["title", "context", "decision", "consequences"], "additionalProperties": False},
         record_decision, DESIGN),
    Tool("record_requirement",
         "Record a requirement as a measurable target the lab can check: throughput (committed/s of a "
         "transaction of a stored load), latency p50/p95/p99/max in ms, error_rate in %, or an invariant (SQL that "
         "returns the rows breaking it, none when it holds, checked on the data a load left behind), or a volume (`table` grows by `value` rows a year; optional "
         "`years` and `max_gb`), checked against the capacity plan. Retention and availability are recorded but "
         "not measured yet. Derive the numbers from the person's words "
         "and say in `assumed` what you chose that they did not say. Same id: a new version.",
         {"type": "object", "properties": {
             "statement": {"type": "string", "minLength": 1, "description": "the requirement in the person's words"},
             "metric": {"type": "string", "enum": list(METRICS)},
             "id": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_.-]{0,31}$", "description": "default: R1, R2, …"},
             "value": {"type": "number", "minimum": 0,
                       "description": "throughput per second; latency in ms; error rate in %; volume in rows"},
             "transaction": {"type": "string", "description": "a transaction of the load (default: all)"},
             "load": {"type": "string", "description": "the stored load (run_load name) whose run measures it"},
             "sql": {"type": "string", "description": "invariant: a query returning the rows that break it"},
             "assumed": {"type": "string", "description": "what the target assumes beyond the statement"},
             "table": {"type": "string", "description": "volume: the table that grows by `value` rows a year"},
             "years": {"type": "number", "exclusiveMinimum": 0,
                       "description": "volume: the horizon the target holds for (default 5)"},
             "max_gb": {"type": "number", "exclusiveMinimum": 0,
                        "description": "volume: the most the table with its indexes may take at `years`, in GB"}},
          "required": ["statement", "metric"], "additionalProperties": False},
         record_requirement, DESIGN),
    Tool("verify_requirements",
         "Prove or refute the design's requirements in the lab: each bound load runs again, as stored, on a fresh "
         "copy of the seeded lab; throughput, latency and error targets are read from that run, invariants are "
         "checked on the data it left behind. Answers met / missed / unmeasured per requirement, with the "
         "figure measured; stored with the design.",
         {"type": "object", "properties": {
             "ids": {"type": "array", "items": {"type": "string"}, "description": "default: every requirement"},
             "database": {"type": "string", "enum": ["sandbox", "postgres", "mysql"],
                          "description": "where invariants without a load are checked (default: sandbox)"}},
          "additionalProperties": False},
         verify_requirements, DESIGN),
    Tool("plan_capacity",
         "Plan capacity from the schema and the volume requirements: the newest schema is seeded with a sample in "
         "a real engine, which reports bytes per row and per index; each volume requirement's table is projected at "
         "1, 3 and 5 years and flagged where it crosses the partitioning threshold; connections needed come from "
         "Little's law (throughput targets × latency of stored loads) against the server's max_connections. "
         "Stored with the design; use its figures instead of estimating sizes by hand.",
         {"type": "object", "properties": {
             "database": {"type": "string", "enum": ["sandbox", "postgres", "mysql"],
                          "description": "the engine that measures (default: sandbox, SQLite)"},
             "rows": {"type": "integer", "minimum": 100, "maximum": 1_000_000,
                      "description": "sample rows per table (default 10,000)"},
             "years": {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0},
                       "description": "horizons in years (default [1, 3, 5])"},
             "partition_gb": {"type": "number", "exclusiveMinimum": 0,
                              "description": "partitioning threshold per table, data and indexes (default 100)"},
             "partition_rows": {"type": "number", "exclusiveMinimum": 0,
                                "description": "also a threshold in rows (default: none)"}},
          "additionalProperties": False},
         plan_capacity, DESIGN),
    Tool("define_api",
         "Define an API contract: an OpenAPI 3.x document (YAML or JSON), a GraphQL schema (SDL, checked by "
         "graphql-core), a protobuf/gRPC file (compiled by protoc) or an AsyncAPI 2/3 document for event channels "
         "(checked against the official JSON Schema). It is validated (every problem with its "
         "place), stored as a new version, its operations shown as a table; the changes against the version "
         "before are classified breaking or compatible.",
         {"type": "object", "properties": {
             "openapi": {"type": "string", "minLength": 1,
                         "description": "the whole contract document: OpenAPI 3.0/3.1, GraphQL SDL, .proto text or AsyncAPI"},
             "format": {"type": "string", "enum": ["openapi", "graphql", "protobuf", "asyncapi"],
                        "description": "default: recognised from the text"},
             "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$",
                      "description": "API name within the design (default: main)."}},
          "required": ["openapi"], "additionalProperties": False},
         define_api, DESIGN),
]


def builtin_registry() -> ToolRegistry:
    """A new registry holding every built-in tool."""
    registry = ToolRegistry()
    for tool in SCHEMA_TOOLS + ARCHITECTURE_TOOLS + LAB_TOOLS + DOCUMENT_TOOLS + FILE_TOOLS:
        registry.add(Tool(tool.name, tool.description, tool.input_schema, tool.func, tool.group))
    return registry
