"""The Design aggregate: a named design and everything in it, kept in the store.

A design has requirements (its first prompt unless edited), a conversation with the
agent, versioned artifacts (schemas, architectures, experiments, decisions, API contract),
and a workspace folder that the file tools are confined to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import settings
from .store import Store

SCHEMA, ARCHITECTURE, EXPERIMENT, DECISION, API, QUERY = (
    "schema", "architecture", "experiment", "decision", "api", "query")


class Design:
    """One design in a workbench home (default `.workbench/` in the working directory)."""

    def __init__(self, name: str = "default", *, home: str | Path | None = None, store: Store | None = None,
                 create: bool = True) -> None:
        self.home = Path(home) if home is not None else settings().home
        self.store = store if store is not None else Store(self.home / "workbench.db")
        row = self.store.design(name, create=create)
        self.name = row["name"]
        self.id = int(row["id"])

    def __repr__(self) -> str:
        return f"<Design {self.name!r} in {self.home}>"

    # -- the row ---------------------------------------------------------------------------
    def _row(self) -> dict:
        return self.store.design(self.name)

    @property
    def conversation(self) -> int:
        """The current conversation number (a reset starts a new one; old ones are kept)."""
        return int(self._row()["conversation"])

    @property
    def requirements(self) -> str | None:
        return self._row()["requirements"]

    @requirements.setter
    def requirements(self, text: str) -> None:
        self.store.update_design(self.id, requirements=text)

    @property
    def view_state(self) -> dict:
        """Where the design's widgets were left (explorer tab, versions, ER focus, panel rows)."""
        import json

        raw = self._row().get("view_state")
        return json.loads(raw) if raw else {}

    def save_view_state(self, **changes: Any) -> None:
        import json

        state = {**self.view_state, **changes}
        self.store.update_design(self.id, view_state=json.dumps(state, sort_keys=True))

    # -- conversation ----------------------------------------------------------------------
    def messages(self) -> list[dict]:
        return self.store.messages(self.id, self.conversation)

    def reset_conversation(self) -> int:
        """Start a new conversation; artifacts and earlier turns stay in the store."""
        new = self.conversation + 1
        self.store.update_design(self.id, conversation=new)
        return new

    def turns(self, *, all_conversations: bool = False) -> list[dict]:
        return self.store.turns(self.id, None if all_conversations else self.conversation)

    def usage(self):
        """Usage and cost summed over every turn of the design."""
        from ..agent.models import Usage

        total = Usage()
        for turn in self.turns(all_conversations=True):
            total = total + Usage.from_dict(turn["usage"])
        return total

    # -- artifacts -------------------------------------------------------------------------
    def add_version(self, kind: str, name: str, body: Any, *, summary: str | None = None,
                    turn_id: int | None = None) -> int:
        return self.store.add_artifact(self.id, kind, name, body, summary=summary, turn_id=turn_id)

    def versions(self, kind: str, name: str | None = None) -> list[dict]:
        return self.store.artifacts(self.id, kind, name)

    def latest(self, kind: str, name: str | None = None) -> dict | None:
        """The newest version of an artifact kind (of one name, or of any name)."""
        rows = self.versions(kind, name)
        return rows[-1] if rows else None

    # -- schemas ---------------------------------------------------------------------------
    def save_schema(self, schema: Any, name: str = "main", *, source_ddl: str | None = None,
                    rationale: str | None = None, turn_id: int | None = None) -> tuple[int, Any]:
        """Store a new version of a schema; returns (version, SchemaDiff from the previous version or None)."""
        previous = self.schema(name)
        change = previous.diff(schema) if previous is not None else None
        body = {"dialect": schema.dialect, "ddl": source_ddl if source_ddl is not None else schema.to_ddl(),
                "model": schema.to_dict(), "rationale": rationale}
        summary = schema.summary() + (f"; {change.summary()}" if change is not None else "")
        version = self.add_version(SCHEMA, name, body, summary=summary, turn_id=turn_id)
        schema.name = name
        return version, change

    def schema(self, name: str | None = None, version: int | None = None):
        """A stored schema (the newest version of `name`, or of the newest name); None when there is none."""
        from ..schema.model import Schema

        rows = self.versions(SCHEMA, name)
        if version is not None:
            rows = [r for r in rows if r["version"] == version]
        if not rows:
            return None
        row = rows[-1]
        schema = Schema.from_dict(row["body"]["model"])
        schema.name = row["name"]
        return schema

    # -- architectures -----------------------------------------------------------------------
    def save_architecture(self, arch: Any, name: str = "main", *, turn_id: int | None = None) -> tuple[int, Any]:
        """Store a new version of an architecture; returns (version, the previous version or None)."""
        previous = self.architecture(name)
        findings = arch.lint()
        summary = f"{arch.summary()}; lint: {findings.summary()}"
        version = self.add_version(ARCHITECTURE, name, {"spec": arch.spec.model_dump(mode="json")}, summary=summary,
                                   turn_id=turn_id)
        return version, previous

    def architecture(self, name: str | None = None, version: int | None = None):
        """A stored architecture (newest version of `name`, or of the newest name); None when there is none."""
        from ..architecture.spec import Architecture

        rows = self.versions(ARCHITECTURE, name)
        if version is not None:
            rows = [r for r in rows if r["version"] == version]
        if not rows:
            return None
        return Architecture.from_dict(rows[-1]["body"]["spec"])

    # -- decisions, API, experiments ---------------------------------------------------------
    def decisions(self) -> list:
        """The architecture decision records, newest version of each, in number order."""
        from .decisions import decisions

        return decisions(self)

    def record_decision(self, title: str, context: str, decision: str, consequences: str, status: str = "accepted",
                        supersedes: int | None = None, *, turn_id: int | None = None):
        """Add a numbered decision (ADR); returns the Decision."""
        from .decisions import record_decision

        return record_decision(self, title, context, decision, consequences, status, supersedes, turn_id=turn_id)

    def api(self, name: str | None = None):
        """The newest API contract (an ApiContract), or None."""
        from .api import api_contract

        return api_contract(self, name)

    def define_api(self, openapi: str, name: str = "main", *, turn_id: int | None = None):
        """Validate an OpenAPI 3.x document (YAML or JSON text) and store it; returns (version, ApiContract)."""
        from .api import define_api

        return define_api(self, openapi, name, turn_id=turn_id)

    def experiments(self) -> list[dict]:
        """Stored experiments: name, version, input and a Comparison to show."""
        from ..lab.compare import Comparison

        return [{"name": row["name"], "version": row["version"], "input": row["body"].get("input", {}),
                 "comparison": Comparison.from_dict(row["body"]), "summary": row.get("summary")}
                for row in self.versions(EXPERIMENT)]

    # -- readiness -----------------------------------------------------------------------------
    def agent_prompt(self) -> tuple[str, str]:
        """(agent name, system prompt) of the design's agent definition, which holds its standards."""
        from ..agent.definitions import (
            load_agent,  # a leaf module: reads Markdown files, imports no design code
        )
        from ..errors import AgentDefinitionError

        try:
            agent = load_agent(self._row().get("agent") or None)
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
        """Write the design document: a self-contained .html, or .md with an assets folder."""
        from ..export import export_design

        return export_design(self, path, conversation=conversation)

    def _repr_markdown_(self) -> str:
        from .overview import overview_markdown

        return overview_markdown(self)

    # -- workspace -------------------------------------------------------------------------
    @property
    def workspace(self) -> Path:
        """The folder the file tools work in (created on first use)."""
        path = self.home / "designs" / self.name / "workspace"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def state_summary(self) -> str:
        """A short account of the design's artifacts for the model (names, versions, counts)."""
        lines = [f"Design: {self.name}"]
        for kind in (SCHEMA, ARCHITECTURE, API, DECISION, EXPERIMENT):
            rows = self.versions(kind)
            if not rows:
                continue
            names: dict[str, int] = {}
            for r in rows:
                names[r["name"]] = r["version"]
            listed = ", ".join(f"{n} v{v}" for n, v in names.items())
            summary = rows[-1].get("summary")
            lines.append(f"- {kind}: {listed}" + (f" — latest: {summary}" if summary else ""))
        if len(lines) == 1:
            lines.append("- no artifacts yet")
        return "\n".join(lines)


def design(name: str = "default", *, home: str | Path | None = None) -> Design:
    """Open (or create) a design by name in the workbench home."""
    return Design(name, home=home)


def list_designs(home: str | Path | None = None) -> list[dict]:
    base = Path(home) if home is not None else settings().home
    return Store(base / "workbench.db").designs()
