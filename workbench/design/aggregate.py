"""The Design aggregate: a named design and everything in it, and the only door to its store.

A design has requirements (its first prompt unless edited), a conversation with the agent,
versioned artifacts (schemas, architectures, experiments, decisions, API contracts) and a
workspace folder that the file tools are confined to. Every surface — the agent's tools, the
magics, the widgets, the CLI — changes a design through the verbs here (`add_schema_ddl`,
`add_architecture`, `run_sql`, `run_experiment`, `record_decision`, `define_api`, `set_agent`,
`set_model`, …), each returning the report that the surface shows; the agent writes its turns
through `start_turn` (a TurnLog).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import DEFAULT_DIALECT, settings
from ..errors import DesignError, SchemaError
from .kinds import API, ARCHITECTURE, DECISION, EXPERIMENT, LISTED, LOAD, QUERY, REHEARSAL, SCHEMA
from .store import Store
from .usage import Usage

if TYPE_CHECKING:
    from ..architecture.report import ArchitectureReport
    from ..architecture.spec import Architecture
    from ..lab.lab import Lab
    from ..lab.workload import QueryResult
    from ..schema.model import Schema
    from ..schema.report import SchemaReport
    from .labs import DesignLabs, ExperimentRecord, LoadRecord
    from .turns import TurnLog

__all__ = ["Design", "open_design", "list_designs", "designs_table", "design_exists",
           "SCHEMA", "ARCHITECTURE", "API", "DECISION", "EXPERIMENT", "QUERY"]


class Design:
    """One design in a workbench home (default `.workbench/` in the working directory).

    `labs`: the lab databases of the session (a DesignLabs); designs opened by one kernel share
    them, so a sandbox seeded once serves every cell. Created on first use when not given.
    """

    def __init__(self, name: str = "default", *, home: str | Path | None = None, store: Store | None = None,
                 create: bool = True, labs: DesignLabs | None = None) -> None:
        self.home = Path(home) if home is not None else settings().home
        self.store = store if store is not None else Store(self.home / "workbench.db")
        row = self.store.design(name, create=create)
        self.name = row["name"]
        self.id = int(row["id"])
        self._labs = labs

    def __repr__(self) -> str:
        return f"<Design {self.name!r} in {self.home}>"

    # -- the row ---------------------------------------------------------------------------
    def _row(self) -> dict:
        return self.store.design_row(self.id)

    @property
    def conversation(self) -> int:
        """The current conversation number (a reset starts a new one; old ones are kept)."""
        return int(self._row()["conversation"])

    @property
    def requirements(self) -> str | None:
        """What the design is for: the first prompt unless set (`%design requirements TEXT`)."""
        return self._row()["requirements"]

    @requirements.setter
    def requirements(self, text: str) -> None:
        self.store.update_design(self.id, requirements=text)

    @property
    def agent_name(self) -> str | None:
        """The agent definition chosen for this design (a name or a file), None for the default."""
        return self._row()["agent"]

    def set_agent(self, agent: str) -> str:
        """Use this agent definition (a name or a file path) from now on; returns what was stored."""
        from ..subagent import load_agent

        definition = load_agent(agent)  # refuse an agent that cannot be loaded
        stored = definition.name if definition.path is None else str(agent)
        self.store.update_design(self.id, agent=stored)
        return stored

    @property
    def model_choice(self) -> str | None:
        """The model alias or id chosen with `set_model` (None: WORKBENCH_MODEL, the agent's, sonnet)."""
        return self._row()["model"]

    def set_model(self, model: str | None) -> None:
        """Use this model (alias or id) for this design's turns; None goes back to the default."""
        self.store.update_design(self.id, model=model or None)

    @property
    def view_state(self) -> dict:
        """Where the design's widgets were left (explorer tab, versions, ER focus, panel rows)."""
        raw = self._row().get("view_state")
        return json.loads(raw) if raw else {}

    def save_view_state(self, **changes: Any) -> None:
        state = {**self.view_state, **changes}
        self.store.update_design(self.id, view_state=json.dumps(state, sort_keys=True))

    # -- conversation ----------------------------------------------------------------------
    def messages(self, conversation: int | None = None) -> list[dict]:
        """The stored messages of a conversation (default: the current one)."""
        return self.store.messages(self.id, conversation if conversation is not None else self.conversation)

    def conversations(self) -> list[int]:
        """The numbers of the conversations that have turns, oldest first."""
        return sorted({t["conversation"] for t in self.turns(all_conversations=True)})

    def reset_conversation(self) -> int:
        """Start a new conversation; artifacts and earlier turns stay in the store."""
        new = self.conversation + 1
        self.store.update_design(self.id, conversation=new)
        return new

    def turns(self, *, all_conversations: bool = False) -> list[dict]:
        return self.store.turns(self.id, None if all_conversations else self.conversation)

    def calls(self, turn_id: int) -> list[dict]:
        """The model calls of one turn (request summary, response, usage, timings)."""
        return self.store.calls(turn_id)

    def start_turn(self, prompt: str, *, agent: str, model: str, system: str, frame: str = "",
                   take_over: bool = False) -> TurnLog:
        """Open a turn with the agent (one at a time per design, across kernels); the TurnLog is how the
        agent writes it (see design.turns). take_over: run even though another live kernel holds the design."""
        from .turns import TurnLog

        return TurnLog.start(self, prompt, agent=agent, model=model, system=system, frame=frame, take_over=take_over)

    def is_empty(self) -> bool:
        """No requirements, no artifacts and no turns yet."""
        return self.requirements is None and not self.store_heads() and not self.store.usage_totals(self.id) \
            and not self.turns(all_conversations=True)

    def busy(self) -> dict | None:
        """Who runs a turn on this design now (host, pid, since), or None."""
        return self.store.turn_lock(self.id)

    def usage(self) -> Usage:
        """Usage and cost summed over every turn of the design."""
        total = Usage()
        for usage in self.store.usage_totals(self.id):
            total = total + Usage.from_dict(usage)
        return total

    def history_markdown(self, conversation: int | None = None) -> str:
        """The conversation as Markdown with a title (what `%architect history` shows)."""
        from .conversation import conversation_markdown

        number = conversation if conversation is not None else self.conversation
        text = conversation_markdown(self.messages(number), self.agent_name or "architect")
        return f"### Conversation {number} of design `{self.name}`\n\n{text}"

    def cost_table(self):
        """Tokens, cost and time per turn, with a total row (what `%architect cost` shows)."""
        from ..grid import Grid

        rows = []
        for t in self.turns(all_conversations=True):
            u = t["usage"] or {}
            rows.append([t["id"], t["status"], t["model"], f"{u.get('input_tokens', 0):,}",
                         f"{u.get('cache_read_tokens', 0):,}", f"{u.get('cache_write_tokens', 0):,}",
                         f"{u.get('output_tokens', 0):,}", f"${t['cost_usd']:.4f}", f"{t['elapsed_s'] or 0:.1f} s"])
        total = self.usage()
        rows.append(["total", "", "", f"{total.input_tokens:,}", f"{total.cache_read_tokens:,}",
                     f"{total.cache_write_tokens:,}", f"{total.output_tokens:,}", f"${total.cost_usd:.4f}", ""])
        return Grid(["turn", "status", "model", "input", "cache read", "cache write", "output", "cost", "time"], rows)

    # -- artifacts -------------------------------------------------------------------------
    def add_version(self, kind: str, name: str, body: Any, *, summary: str | None = None,
                    turn_id: int | None = None) -> int:
        return self.store.add_artifact(self.id, kind, name, body, summary=summary, turn_id=turn_id)

    def versions(self, kind: str, name: str | None = None, *, bodies: bool = True) -> list[dict]:
        """Every stored version of a kind (of one name, or of all), oldest first; bodies=False skips the bodies."""
        return self.store.artifacts(self.id, kind, name, bodies=bodies)

    def store_heads(self) -> list[dict]:
        """The newest version of every artifact name (kind, name, version, summary, count n), without bodies."""
        return self.store.artifact_heads(self.id)

    def names(self, kind: str) -> list[str]:
        """The names stored under an artifact kind, in the order they first appeared."""
        return list(dict.fromkeys(r["name"] for r in self.versions(kind, bodies=False)))

    def latest(self, kind: str, name: str | None = None, version: int | None = None) -> dict | None:
        """The newest version of an artifact kind (of one name, or of any name), or a given version; None if absent."""
        return self.store.artifact(self.id, kind, name, version)

    # -- schemas ---------------------------------------------------------------------------
    def same_as_latest(self, kind: str, name: str, key: str, value: Any) -> int | None:
        """The newest version of `name` when its body's `key` already holds `value` (compared as stored, as JSON);
        None otherwise. Storing it again would add a duplicate: a rerun cell or notebook stores nothing new."""
        import json

        row = self.latest(kind, name)
        if row is None or not isinstance(row["body"], dict):
            return None
        same = json.dumps(row["body"].get(key), sort_keys=True, default=str) == \
            json.dumps(value, sort_keys=True, default=str)
        return row["version"] if same else None

    def save_schema(self, schema: Schema, name: str = "main", *, source_ddl: str | None = None,
                    rationale: str | None = None, turn_id: int | None = None) -> tuple[int, Any]:
        """Store a new version of a schema; returns (version, SchemaDiff from the previous version or None).
        A schema identical to the newest version stores nothing and returns that version (and an empty diff)."""
        schema.name = name
        previous = self.schema(name)
        if previous is not None and (same := self.same_as_latest(SCHEMA, name, "model", schema.to_dict())):
            return same, previous.diff(schema)
        change = previous.diff(schema) if previous is not None else None
        body = {"dialect": schema.dialect, "ddl": source_ddl if source_ddl is not None else schema.to_ddl(),
                "model": schema.to_dict(), "rationale": rationale}
        if change is not None:  # kept with the version, so the history never diffs again
            body["migration"] = _migration(change, schema.dialect)
        summary = schema.summary() + (f"; {change.summary()}" if change is not None else "")
        version = self.add_version(SCHEMA, name, body, summary=summary, turn_id=turn_id)
        schema.name = name
        return version, change

    def add_schema_ddl(self, ddl: str, dialect: str = DEFAULT_DIALECT, name: str = "main", *,
                       rationale: str | None = None, turn_id: int | None = None) -> SchemaReport:
        """Parse DDL and store it as a new version of schema `name`; returns the report (ER, lint, changes)."""
        from ..schema.model import Schema
        from ..schema.report import SchemaReport

        schema = Schema.from_ddl(ddl, dialect, name=name)
        if not schema.tables:
            raise SchemaError("The DDL defines no tables.", hint="Send CREATE TABLE statements (one per table).")
        same = self.same_as_latest(SCHEMA, name, "model", schema.to_dict())
        if same is not None:
            return SchemaReport(schema, title=f"Schema {name} v{same}", changes=None, version=same,
                                stored=f"Unchanged: identical to version {same} of schema {name!r} in design "
                                       f"{self.name!r}, so no new version was stored.")
        version, change = self.save_schema(schema, name, source_ddl=ddl, rationale=rationale, turn_id=turn_id)
        return SchemaReport(schema, title=f"Schema {name} v{version}", changes=change, version=version,
                            stored=f"Stored as version {version} of schema {name!r} in design {self.name!r}.")

    def migration(self, name: str, version: int) -> dict:
        """How version `version` of schema `name` came from the one before: summary, risk and migration SQL."""
        from ..schema.model import Schema

        row = self.latest(SCHEMA, name, version)
        if row is None or version < 2:
            raise DesignError(f"Schema {name!r} has no version {version} with a version before it.")
        if "migration" in row["body"]:
            return row["body"]["migration"]
        before = self.latest(SCHEMA, name, version - 1)  # stored by a release that did not keep migrations
        new = Schema.from_dict(row["body"]["model"])
        return _migration(Schema.from_dict(before["body"]["model"]).diff(new), new.dialect)

    def schema(self, name: str | None = None, version: int | None = None) -> Schema | None:
        """A stored schema (the newest version of `name`, or of the newest name); None when there is none."""
        from ..schema.model import Schema

        row = self.latest(SCHEMA, name, version)
        if row is None:
            return None
        schema = Schema.from_dict(row["body"]["model"])
        schema.name = row["name"]
        return schema

    # -- architectures -----------------------------------------------------------------------
    def save_architecture(self, arch: Architecture, name: str = "main", *,
                          turn_id: int | None = None) -> tuple[int, Any]:
        """Store a new version of an architecture; returns (version, the previous version or None)."""
        previous = self.architecture(name)
        spec = arch.spec.model_dump(mode="json")
        if previous is not None and (same := self.same_as_latest(ARCHITECTURE, name, "spec", spec)):
            return same, previous  # identical to the newest version: nothing new to store
        findings = arch.lint()
        summary = f"{arch.summary()}; lint: {findings.summary()}"
        version = self.add_version(ARCHITECTURE, name, {"spec": spec}, summary=summary, turn_id=turn_id)
        return version, previous

    def add_architecture(self, spec: str | dict | Architecture, name: str = "main", *,
                         turn_id: int | None = None) -> ArchitectureReport:
        """Validate a spec (YAML text, a dict or an Architecture) and store it; returns the report (diagram, review)."""
        from ..architecture.report import ArchitectureReport
        from ..architecture.spec import Architecture

        if isinstance(spec, Architecture):
            arch = spec
        else:
            arch = Architecture.from_yaml(spec) if isinstance(spec, str) else Architecture.from_dict(spec)
        head = self.latest(ARCHITECTURE, name)
        version, previous = self.save_architecture(arch, name, turn_id=turn_id)
        stored = (f"Unchanged: identical to version {version} of architecture {name!r} in design {self.name!r}, so "
                  "no new version was stored." if head is not None and head["version"] == version else
                  f"Stored as version {version} of architecture {name!r} in design {self.name!r}.")
        return ArchitectureReport(arch, title=f"Architecture {name} v{version}", previous=previous, version=version,
                                  stored=stored)

    def architecture(self, name: str | None = None, version: int | None = None) -> Architecture | None:
        """A stored architecture (newest version of `name`, or of the newest name); None when there is none."""
        from ..architecture.spec import Architecture

        row = self.latest(ARCHITECTURE, name, version)
        if row is None:
            return None
        return Architecture.from_dict(row["body"]["spec"])

    # -- decisions, API ----------------------------------------------------------------------
    def decisions(self) -> list:
        """The architecture decision records, newest version of each, in number order."""
        from .decisions import decisions

        return decisions(self)

    def record_decision(self, title: str, context: str, decision: str, consequences: str, status: str = "accepted",
                        supersedes: int | None = None, *, turn_id: int | None = None):
        """Add a numbered decision (ADR); returns the Decision."""
        from .decisions import record_decision

        return record_decision(self, title, context, decision, consequences, status, supersedes, turn_id=turn_id)

    def record_requirement(self, statement: str, metric: str, *, id: str | None = None, value: float | None = None,
                           transaction: str | None = None, load: str | None = None, sql: str | None = None,
                           assumed: str | None = None, table: str | None = None, years: float | None = None,
                           max_gb: float | None = None, turn_id: int | None = None):
        """Add (or revise, by id) a measurable requirement bound to a stored load or an invariant query, or a
        volume (`table` grows by `value` rows a year; `years`, `max_gb`); returns (Requirement, version). See
        workbench.design.requirements for the metrics."""
        from .requirements import record_requirement

        return record_requirement(self, statement, metric, id=id, value=value, transaction=transaction, load=load,
                                  sql=sql, assumed=assumed, table=table, years=years, max_gb=max_gb,
                                  turn_id=turn_id)

    def capacity(self, database: str = "sandbox", *, rows: int = 10_000, years: tuple | list = (1, 3, 5),
                 partition_gb: float = 100.0, partition_rows: float | None = None, turn_id: int | None = None):
        """Plan capacity: bytes per row and per index measured by the engine on `rows` seeded rows per table, the
        volume requirements' tables projected at `years`, flagged where they cross the partitioning threshold
        (`partition_gb`, or `partition_rows`), and connections from Little's law against max_connections.
        Stored as capacity `database`; returns the CapacityPlan (see workbench.design.capacity)."""
        from .capacity import plan_capacity

        return plan_capacity(self, database, rows=rows, years=years, partition_gb=partition_gb,
                             partition_rows=partition_rows, turn_id=turn_id)

    def targets(self) -> list:
        """The requirements as measurable targets (newest version of each), in the order first recorded."""
        from .requirements import requirements

        return requirements(self)

    def verify(self, *, database: str = "sandbox", only: list[str] | None = None, turn_id: int | None = None,
               progress: Any = None):
        """Prove or refute each requirement in the lab: bound loads run again on a fresh copy of the seeded lab,
        invariants are checked on what they left behind. Stored; returns the Verification (met/missed/unmeasured)."""
        from .verify import verify

        return verify(self, database=database, only=only, turn_id=turn_id, progress=progress)

    def api(self, name: str | None = None):
        """The newest API contract (an ApiContract), or None."""
        from .api import api_contract

        return api_contract(self, name)

    def define_api(self, openapi: str, name: str = "main", *, turn_id: int | None = None, format: str | None = None):
        """Validate a contract and store it as a new version. OpenAPI 3.x (YAML or JSON) returns
        (version, ApiContract); GraphQL SDL or protobuf (`format`, else guessed from the text) is checked by its
        own tool and compared with the version before, and returns a ContractRecord with the breaking changes."""
        from .contracts import define_contract, guess_format

        fmt = format or guess_format(openapi or "")
        if fmt != "openapi":
            return define_contract(self, openapi, fmt, name, turn_id=turn_id)
        from .api import define_api

        return define_api(self, openapi, name, turn_id=turn_id)

    def consistency(self) -> Any:
        """The API contracts against the newest schema: field types, nullability, dropped columns (Findings)."""
        from .consistency import check

        return check(self)

    def contracts(self) -> list[Any]:
        """The newest version of each GraphQL and protobuf contract (ContractRecords)."""
        from .contracts import stored_contract
        from .kinds import CONTRACT

        return [stored_contract(self.latest(CONTRACT, n)) for n in self.names(CONTRACT)]

    # -- the lab -------------------------------------------------------------------------------
    @property
    def labs(self) -> DesignLabs:
        """The session's lab databases (shared by the designs a kernel opens)."""
        if self._labs is None:
            from .labs import DesignLabs

            self._labs = DesignLabs()
        return self._labs

    def lab(self, database: str | None = "sandbox", *, rows: int | dict | None = None) -> Lab:
        """The lab database with this design's newest schema and synthetic rows (sandbox, postgres or mysql)."""
        return self.labs.get(self, database, rows=rows)

    def reset_lab(self, database: str | None = None) -> list[str]:
        """Remove the design's labs (all, or one of sandbox/postgres/mysql): server namespaces are dropped
        and the sandbox deleted; the next query builds them again. Returns what was removed."""
        return self.labs.reset(self, database)

    def run_sql(self, sql: str, database: str = "sandbox", params: dict | None = None, *, explain: bool = True,
                repeat: int = 1, rows: int | None = None, record: bool = True,
                turn_id: int | None = None) -> QueryResult:
        """Run SQL on the design's lab; the result carries timings, the plan and what the lab left out.

        `record`: keep the query and its result summary in the design (the agent's queries are kept).
        """
        lab = self.lab(database, rows=rows)
        result = lab.run(sql, params, repeat=repeat, explain=explain)
        result.database = database
        result.notes = lab.unreported_notes()
        if record:
            self.record_query(result, database, params, turn_id=turn_id)
        return result

    def record_query(self, result: QueryResult, database: str, params: dict | None = None, *,
                     turn_id: int | None = None) -> int:
        """Keep a query and the summary of its result as a version of the design's query log."""
        return self.add_version(QUERY, database, result.to_record(database, params), summary=result.timing_line(),
                                turn_id=turn_id)

    def run_experiment(self, workload: list, variants: list | None = None, *, rows: int = 10_000, repeat: int = 20,
                       database: str = "sandbox", name: str | None = None, progress: Any = False,
                       turn_id: int | None = None) -> ExperimentRecord:
        """Compare schema variants on identical seeded data, store the comparison, return it with its version."""
        from ..errors import LabError

        if self.latest(SCHEMA) is None:
            raise LabError("The design has no schema yet: propose one with propose_schema before experimenting.")
        lab = self.lab(database)
        comparison = lab.compare(workload, variants, rows=rows, repeat=repeat, progress=progress)
        label = name or ", ".join(v["name"] for v in variants or []) or "baseline"
        return self.save_experiment(comparison, label, {"workload": workload, "variants": variants or [],
                                                        "rows": rows, "repeat": repeat, "database": database},
                                    turn_id=turn_id)

    def save_experiment(self, comparison: Any, name: str, inputs: dict, *,
                        turn_id: int | None = None) -> ExperimentRecord:
        """Store a comparison as a new version of experiment `name`."""
        from .labs import ExperimentRecord

        body = {"input": inputs, **comparison.to_dict()}
        version = self.add_version(EXPERIMENT, name, body, summary=comparison.summary().splitlines()[0],
                                   turn_id=turn_id)
        return ExperimentRecord(name, version, inputs, comparison)

    def experiments(self) -> list[ExperimentRecord]:
        """Stored experiments, oldest first: name, version, inputs and the comparison to show."""
        from ..lab.compare import Comparison
        from .labs import ExperimentRecord

        return [ExperimentRecord(row["name"], row["version"], row["body"].get("input", {}),
                                 Comparison.from_dict(row["body"]), row.get("summary"))
                for row in self.versions(EXPERIMENT)]

    def what_if(self, sql: str, indexes: list[str], database: str = "postgres", params: dict | None = None) -> Any:
        """Would the planner use these indexes for `sql`? Its plan on the design's lab now and with them assumed,
        nothing built (PostgreSQL's hypopg)."""
        return self.lab(database).what_if(sql, indexes, params)

    def run_load(self, traffic: Any, *, clients: int = 8, duration: float | None = None, count: int | None = None,
                 ramp_up: float = 0.0, database: str = "sandbox", name: str | None = None, progress: Any = None,
                 turn_id: int | None = None, live: Any = None, variants: list | None = None,
                 rate: float | None = None, ramp_to: float | None = None) -> Any:
        """Concurrent clients on the design's lab (its schema and seeded data; the load's writes stay in the lab):
        throughput, latency percentiles, errors by class, lock waits. Stored as a new version of load `name`.

        `variants` ([{name, ddl?, transactions?, params?}], also a `variants:` key of the traffic) compares ways of
        doing the same under the same load: each variant, and the traffic as given, runs on its own copy of the
        seeded lab (its DDL applied first; its transactions instead of the given ones), and is stored as load
        `name [variant]`; the result is a LoadComparison.

        `rate` (operations per second, ramping to `ramp_to` when given) runs an open loop instead (see
        workbench.lab.traffic); both are stored in the load's inputs, so verify() reruns it the same way."""
        from ..errors import LabError
        from ..lab.traffic import traffic_from
        from .labs import LoadRecord

        if self.latest(SCHEMA) is None:
            raise LabError("The design has no schema yet: propose one with propose_schema before a load test.")
        if isinstance(traffic, dict) and "variants" in traffic:
            traffic = dict(traffic)
            variants = variants or traffic.pop("variants")
        if variants:
            return self._load_variants(traffic, variants, clients=clients, duration=duration, count=count,
                                       ramp_up=ramp_up, database=database, name=name, turn_id=turn_id, live=live,
                                       rate=rate, ramp_to=ramp_to)
        traffic = traffic_from(traffic)
        result = self.lab(database).run_load(traffic, clients=clients, duration=duration, count=count,
                                             ramp_up=ramp_up, progress=progress, live=live, rate=rate,
                                             ramp_to=ramp_to)
        label = name or "-".join(t.name for t in traffic.transactions)[:64]
        inputs = {"traffic": traffic.to_dict(), "clients": clients, "duration": duration, "count": count,
                  "ramp_up": ramp_up, "database": database, "rows": self.labs.seeded_rows(self, database),
                  "rate": rate, "ramp_to": ramp_to}
        version = self.add_version(LOAD, label, {"input": inputs, **result.to_dict()},
                                   summary=result.summary().splitlines()[0], turn_id=turn_id)
        return LoadRecord(label, version, inputs, result)

    def _load_variants(self, traffic: Any, variants: list, *, clients: int, duration: float | None,
                       count: int | None, ramp_up: float, database: str, name: str | None, turn_id: int | None,
                       live: Any, rate: float | None = None, ramp_to: float | None = None) -> Any:
        from ..errors import LabError
        from ..lab.traffic import traffic_from
        from .labs import LoadComparison, LoadRecord

        base = traffic_from(traffic)
        label = name or "-".join(t.name for t in base.transactions)[:48]
        chosen = [{"name": "as given"}] + [dict(v) for v in variants]
        names = [str(v.get("name") or f"variant {i}") for i, v in enumerate(chosen)]
        if len(set(names)) != len(names):
            raise LabError("Load variant names must differ.", hint=f"Got {', '.join(names)}.")
        lab = self.lab(database)
        records = []
        for variant, vname in zip(chosen, names, strict=True):
            spec = base if "transactions" not in variant else traffic_from(
                {"transactions": variant["transactions"], "params": variant.get("params", base.params)})
            with lab.copy(f"load-{vname}") as target:  # every variant starts from the same seeded rows
                if variant.get("ddl"):
                    target.apply(variant["ddl"])
                result = target.run_load(spec, clients=clients, duration=duration, count=count, ramp_up=ramp_up,
                                         live=live, rate=rate, ramp_to=ramp_to)
            inputs = {"traffic": spec.to_dict(), "clients": clients, "duration": duration, "count": count,
                      "ramp_up": ramp_up, "database": database, "variant": variant,
                      "rows": self.labs.seeded_rows(self, database), "rate": rate, "ramp_to": ramp_to}
            stored = f"{label} [{vname}]"
            version = self.add_version(LOAD, stored, {"input": inputs, **result.to_dict()},
                                       summary=result.summary().splitlines()[0], turn_id=turn_id)
            records.append(LoadRecord(stored, version, inputs, result))
        return LoadComparison(label, records)

    def rehearse_migration(self, name: str | None = None, from_version: int | None = None,
                           to_version: int | None = None, *, rows: int = 100_000, workload: Any = None,
                           database: str = "postgres", clients: int = 4, turn_id: int | None = None) -> Any:
        """Rehearse the migration between two versions of a schema (default: the newest and the one before) on
        copies of seeded data while a workload runs: per statement its duration, locks, table rewrites and the
        sessions it blocked, with the engine's safe form side by side (see workbench.lab.rehearsal)."""
        from ..lab.lab import Lab
        from .projections import migration_versions

        name, from_version, to_version, old, new = migration_versions(self, name, from_version, to_version,
                                                                      "rehearse")
        kind = {"sandbox": None, "sqlite": None}.get(database, database)
        with Lab(kind, name=f"{self.name}-rehearsal", owner=f"{self.home.resolve()}/{self.name}") as base:
            migration = old.diff(new).sql(base.dialect)
            rehearsal = base.rehearse(old, migration, rows=rows, workload=workload, clients=clients)
        label = f"{name} v{from_version}-v{to_version}"
        inputs = {"schema": name, "from_version": from_version, "to_version": to_version, "rows": rows,
                  "database": database, "clients": clients}
        rehearsal.version = self.add_version(REHEARSAL, label, {"input": inputs, **rehearsal.to_dict()},
                                             summary=rehearsal.summary().splitlines()[0], turn_id=turn_id)
        rehearsal.name = label
        return rehearsal

    def project_migration(self, name: str | None = None, from_version: int | None = None,
                          to_version: int | None = None, *, sizes: tuple | list = (25_000, 100_000, 250_000),
                          target_rows: int | None = None, database: str = "postgres", clients: int = 4,
                          turn_id: int | None = None) -> Any:
        """How long the migration between two schema versions takes at the stated volume: rehearsed at `sizes`
        rows per table, seconds fitted against rows, each statement projected to `target_rows` (default: the
        largest volume requirement), with the lock it holds and the fit's error. Stored."""
        from .projections import project_migration

        return project_migration(self, name, from_version, to_version, sizes=sizes, target_rows=target_rows,
                                 database=database, clients=clients, turn_id=turn_id)

    def rehearsals(self) -> list[Any]:
        """Stored migration rehearsals, oldest first (each with `.name` and `.version`)."""
        from ..lab.rehearsal import Rehearsal

        out = []
        for row in self.versions(REHEARSAL):
            rehearsal = Rehearsal.from_dict(row["body"])
            rehearsal.name, rehearsal.version = row["name"], row["version"]
            out.append(rehearsal)
        return out

    def loads(self) -> list[LoadRecord]:
        """Stored load runs, oldest first."""
        from ..lab.traffic import LoadResult
        from .labs import LoadRecord

        return [LoadRecord(row["name"], row["version"], row["body"].get("input", {}), LoadResult.from_dict(row["body"]))
                for row in self.versions(LOAD)]

    # -- readiness -----------------------------------------------------------------------------
    def agent_prompt(self) -> tuple[str, str]:
        """(agent name, system prompt) of the design's agent definition, which holds its standards."""
        from ..errors import AgentDefinitionError
        from ..subagent import load_agent

        try:
            agent = load_agent(self.agent_name or None)
        except AgentDefinitionError:
            agent = load_agent(None)
        return agent.name, agent.system_prompt

    def scorecard(self):
        """The agent definition's Delivery Standards checked against this design's artifacts."""
        from .scorecard import Scorecard, parse_standards

        name, prompt = self.agent_prompt()
        return Scorecard.build(self, parse_standards(prompt), source=name)

    # -- sharing -------------------------------------------------------------------------------
    def export(self, path: str | Path, *, conversation: bool = False) -> Path:
        """Write the design document: a self-contained .html, or .md with an assets folder.

        The document writers are a layer above the design (they read it); they are found as the
        `workbench.document_writers` entry point, so this package imports none of them.
        """
        from importlib.metadata import entry_points

        found = entry_points(group="workbench.document_writers", name="design")
        if not found:
            raise DesignError("No design document writer is installed.",
                              hint="Install the workbench (pip install -e .), or call "
                                   "workbench.export_design(design, path).")
        writer = next(iter(found)).load()
        return writer(self, path, conversation=conversation)

    def overview(self) -> str:
        """What `%design show` prints: requirements, artifacts, decisions, turns and the readiness scorecard."""
        from .overview import overview_markdown

        return overview_markdown(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        text = self.overview()
        return {"text/markdown": text, "text/plain": text}

    # -- workspace -------------------------------------------------------------------------
    @property
    def workspace(self) -> Path:
        """The folder the file tools work in (created on first use)."""
        path = self.home / "designs" / self.name / "workspace"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def folder(self) -> Path:
        """The design's own folder in the home (workspace, sandbox lab)."""
        return self.home / "designs" / self.name

    def state_summary(self) -> str:
        """A short account of the design's artifacts for the model (names, versions, latest summary).

        Read from the newest row of each artifact name only: it costs the same at any history length.
        """
        heads = self.store_heads()
        lines = [f"Design: {self.name}"]
        for kind in LISTED:
            rows = [h for h in heads if h["kind"] == kind]
            if not rows:
                continue
            listed = ", ".join(f"{r['name']} v{r['version']}" for r in sorted(rows, key=lambda r: r["first"]))
            summary = rows[-1].get("summary")
            lines.append(f"- {kind}: {listed}" + (f" — latest: {summary}" if summary else ""))
        if len(lines) == 1:
            lines.append("- no artifacts yet")
        return "\n".join(lines)


def _migration(change: Any, dialect: str) -> dict:
    return {"summary": change.summary(), "risk": change.risk, "sql": change.sql(dialect) if change else ""}


def open_design(name: str = "default", *, home: str | Path | None = None) -> Design:
    """Open (or create) a design by name in the workbench home."""
    return Design(name, home=home)


def design_exists(name: str, home: str | Path | None = None) -> bool:
    """Whether a design of that name is stored in the home (without creating it)."""
    base = Path(home) if home is not None else settings().home
    path = base / "workbench.db"
    return path.exists() and Store(path).has_design(name)


def homes_with_design(name: str, *, besides: str | Path | None = None) -> list[Path]:
    """Other workbench homes near the working directory that hold design `name`: ./.workbench, WORKBENCH_HOME,
    and a folder down (the home `workbench demo` writes, build/.workbench-tour, and any .workbench)."""
    from ..config import DEMO_HOME_NAME

    cwd = Path.cwd()
    searched = Path(besides if besides is not None else settings().home).resolve()
    candidates = [cwd / ".workbench", settings().home, *sorted(cwd.glob(f"*/{DEMO_HOME_NAME}")),
                  *sorted(cwd.glob("*/.workbench"))]
    found: list[Path] = []
    for home in candidates:
        resolved = home.resolve()
        if resolved != searched and resolved not in found and (home / "workbench.db").is_file():
            try:
                if design_exists(name, home):
                    found.append(resolved)
            except Exception:  # a store we cannot read is not where the design is
                continue
    return found


def list_designs(home: str | Path | None = None) -> list[dict]:
    """The designs in a home: name, turns, cost."""
    base = Path(home) if home is not None else settings().home
    return Store(base / "workbench.db").designs()


def designs_table(home: str | Path | None = None, *, current: str | None = None):
    """The designs in a home as a table (what `%design list` shows), marking the current one."""
    from ..grid import Grid

    return Grid(["design", "turns", "cost", "current"],
                [[d["name"], d["turns"], f"${d['cost_usd']:.4f}", "←" if d["name"] == current else ""]
                 for d in list_designs(home)])
