"""Architecture specs: a declarative description of a system, validated before anything is drawn.

    title: URL shortener
    groups:
      - {id: backend, label: Backend}
    nodes:
      - {id: web, label: Web app, kind: web}
      - {id: api, label: API, kind: service, group: backend, replicas: 3}
      - {id: db, label: Links DB, kind: postgres, group: backend}
    edges:
      - {source: web, target: api, label: REST, mode: sync, protocol: HTTPS}
      - {source: api, target: db, mode: sync}

An edge also takes `from`/`to` for `source`/`target` and `async: true` for `mode: async`.

Validation reports every problem at once, each naming what to fix: an unknown kind (with the
closest known kinds), an edge to a missing node, a duplicate id, a cycle of nested groups; a
malformed edge is one problem, naming the fields an edge takes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ArchitectureSpecError
from . import catalogue as K


class NodeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=80)
    label: str | None = None
    kind: str = Field(min_length=1)
    group: str | None = None
    replicas: int = Field(default=1, ge=1, le=10_000)
    tags: list[str] = Field(default_factory=list)


class EdgeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    target: str
    label: str | None = None
    mode: Literal["sync", "async"] = "sync"
    protocol: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _other_names(cls, data: Any) -> Any:
        """`from`/`to` are other names for source/target; `async: true|false` for mode async|sync."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for alias, name in EDGE_ALIASES.items():
            if alias in data:
                value = data.pop(alias)
                if name in data and data[name] != value:
                    raise ValueError(f"gives {name}: {data[name]!r} and {alias}: {value!r}; {alias} is another name "
                                     f"for {name}, give one")
                data[name] = value
        if "async" in data:
            flag = data.pop("async")
            if not isinstance(flag, bool):
                raise ValueError(f"async is true or false, not {flag!r}")
            mode = "async" if flag else "sync"
            if "mode" in data and data["mode"] != mode:
                raise ValueError(f"gives mode: {data['mode']!r} and async: {str(flag).lower()}; give one")
            data["mode"] = mode
        return data


EDGE_ALIASES = {"from": "source", "to": "target"}
# what each part of a spec takes, as an unknown or missing field's problem says it
FIELDS = {
    "spec": "title, direction (LR|TB|RL|BT), nodes, edges, groups",
    "node": "id, kind, label, group, replicas, tags",
    "edge": "source (or from), target (or to), label, mode (sync|async; or async: true), protocol",
    "group": "id, label, parent",
}


class GroupSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=80)
    label: str | None = None
    parent: str | None = None


class ArchitectureSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = "Architecture"
    direction: Literal["LR", "TB", "RL", "BT"] = "LR"
    nodes: list[NodeSpec] = Field(min_length=1)
    edges: list[EdgeSpec] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)


def _pydantic_problems(error: ValidationError) -> list[str]:
    """One problem per field; an edge's problems are one line, with the fields an edge takes."""
    problems: list[str] = []
    edges: dict[int, list[str]] = {}
    for e in error.errors():
        loc = ""
        for part in e["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        where = e["loc"]
        message = e["msg"].removeprefix("Value error, ")
        if len(where) >= 2 and where[0] == "edges" and isinstance(where[1], int):
            field = ".".join(str(x) for x in where[2:])
            if e["type"] == "extra_forbidden":
                message = f"unknown field {field!r}"
            elif e["type"] == "missing":
                message = f"{field} is required"
            elif field:
                message = f"{field}: {message}" + (" (or async: true)" if field == "mode" else "")
            edges.setdefault(where[1], []).append(message)
            continue
        if e["type"] == "extra_forbidden":
            part = _part(where)
            message = f"unknown field (a {part} takes {FIELDS[part]})"
        elif e["type"] == "missing":
            message = "is required"
        problems.append(f"{loc or '(spec)'}: {message}")
    for index, found in sorted(edges.items()):
        named = any(f.startswith(("unknown field", "source is", "target is")) for f in found)
        problems.append(f"edges[{index}]: {'; '.join(found)}" + (f" (an edge takes {FIELDS['edge']})" if named else ""))
    return problems


def _part(loc: tuple) -> str:
    """Which part of the spec a pydantic location is in: spec, node, edge or group."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        return {"nodes": "node", "edges": "edge", "groups": "group"}.get(str(loc[0]), "spec")
    return "spec"


class Architecture:
    """A validated architecture: draw it, lint it, turn it into a `diagrams` program."""

    def __init__(self, spec: ArchitectureSpec) -> None:
        self.spec = spec
        self.kinds: dict[str, K.Kind] = {n.id: K.resolve(n.kind) for n in spec.nodes}  # type: ignore[misc]

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any) -> Architecture:
        """Validate a spec given as a dict; ArchitectureSpecError lists every problem."""
        if not isinstance(data, dict):
            raise ArchitectureSpecError([f"(spec): expected a mapping with title, nodes, edges, groups; "
                                         f"got {type(data).__name__}"])
        try:
            spec = ArchitectureSpec.model_validate(data)
        except ValidationError as exc:
            raise ArchitectureSpecError(_pydantic_problems(exc)) from None
        problems = check(spec)
        if problems:
            raise ArchitectureSpecError(problems)
        return cls(spec)

    @classmethod
    def from_yaml(cls, text: str) -> Architecture:
        """Parse YAML (or JSON) text; a syntax error names line and column."""
        import yaml

        from ..yamltext import yaml_problem

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            where, problem = yaml_problem(exc)
            raise ArchitectureSpecError([f"(spec): not valid YAML{' at ' + where if where else ''}: {problem}"]) \
                from None
        return cls.from_dict(data)

    @classmethod
    def from_file(cls, path: str | Path) -> Architecture:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ArchitectureSpecError([f"{path}: cannot read ({exc.strerror})"]) from None
        return cls.from_yaml(text)

    def to_dict(self) -> dict:
        return self.spec.model_dump(exclude_defaults=False)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.spec.model_dump(exclude_none=True), sort_keys=False, allow_unicode=True)

    # -- views ---------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.spec.title

    def node(self, node_id: str) -> NodeSpec:
        return next(n for n in self.spec.nodes if n.id == node_id)

    def role(self, node_id: str) -> str:
        node = self.node(node_id)
        for tag in node.tags:
            if tag.startswith("role:"):
                return tag.split(":", 1)[1]
        return self.kinds[node_id].role

    def replicated(self, node_id: str) -> bool:
        """More than one instance, or a managed service that is highly available by itself."""
        return self.node(node_id).replicas > 1 or self.kinds[node_id].managed

    def label(self, node_id: str) -> str:
        node = self.node(node_id)
        return node.label or node.id

    def summary(self) -> str:
        roles: dict[str, int] = {}
        for n in self.spec.nodes:
            roles[self.role(n.id)] = roles.get(self.role(n.id), 0) + 1
        parts = ", ".join(f"{v} {k}" for k, v in sorted(roles.items()))
        return f"{len(self.spec.nodes)} nodes ({parts}), {len(self.spec.edges)} edges, {len(self.spec.groups)} groups"

    def render(self, fmt: str = "svg", *, findings: Any = None) -> str | bytes:
        """The diagram: self-contained SVG text, or PNG bytes with fmt='png'."""
        from .drawing import render

        return render(self, fmt, findings=findings)

    def lint(self, **options: Any):
        """Review against the anti-patterns the agent definition names (see workbench.architecture.lint)."""
        from .lint import lint

        return lint(self, **options)

    def to_mermaid(self) -> str:
        """The architecture as a Mermaid flowchart (renders in GitHub, GitLab and Notion)."""
        from ..mermaid import architecture_mermaid

        return architecture_mermaid(self, _mermaid_shape)

    def to_python(self) -> str:
        """The equivalent `diagrams` program, as text (for people who want code; never run here)."""
        from .drawing import to_python

        return to_python(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from .drawing import text_view

        findings = self.lint()
        return {"image/svg+xml": self.render(findings=findings), "text/plain": text_view(self, findings)}

    def __repr__(self) -> str:
        return f"<Architecture {self.title!r}: {self.summary()}>"


def _mermaid_shape(role: str) -> tuple[str, str]:
    """Mermaid node shapes by role: people and apps as stadiums, the front door as hexagons, data as
    cylinders, queues and streams as parallelograms, everything else as boxes."""
    if role in (K.CLIENT, K.EXTERNAL):
        return '(["', '"])'
    if role in K.FRONT_DOOR:
        return '{{"', '"}}'
    if role in K.DATA:
        return '[("', '")]'
    if role in K.MESSAGING:
        return '[/"', '"/]'
    return '["', '"]'


def check(spec: ArchitectureSpec) -> list[str]:
    """Semantic problems: unknown kinds, dangling references, duplicates, group cycles."""
    problems: list[str] = []
    ids: dict[str, str] = {}
    for i, group in enumerate(spec.groups):
        if group.id in ids:
            problems.append(f"groups[{i}].id: duplicate id {group.id!r} (already a {ids[group.id]})")
        ids.setdefault(group.id, "group")
    for i, node in enumerate(spec.nodes):
        if node.id in ids:
            problems.append(f"nodes[{i}].id: duplicate id {node.id!r} (already a {ids[node.id]})")
        ids.setdefault(node.id, "node")
        if K.resolve(node.kind) is None:
            close = K.closest(node.kind)
            hint = f"; closest known kinds: {', '.join(close)}" if close else ""
            problems.append(f"nodes[{i}].kind: unknown kind {node.kind!r} for node {node.id!r}{hint} "
                            "(or name a diagrams class as provider.category.Class)")
    group_ids = {g.id for g in spec.groups}
    node_ids = {n.id for n in spec.nodes}
    for i, node in enumerate(spec.nodes):
        if node.group is not None and node.group not in group_ids:
            problems.append(f"nodes[{i}].group: node {node.id!r} is in group {node.group!r}, which is not defined "
                            f"(groups: {', '.join(sorted(group_ids)) or 'none'})")
    for i, edge in enumerate(spec.edges):
        for end in ("source", "target"):
            value = getattr(edge, end)
            if value not in node_ids:
                hint = K.difflib.get_close_matches(value, sorted(node_ids), n=1)
                problems.append(f"edges[{i}].{end}: no node {value!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    parents = {g.id: g.parent for g in spec.groups}
    for i, group in enumerate(spec.groups):
        if group.parent is not None and group.parent not in group_ids:
            problems.append(f"groups[{i}].parent: group {group.id!r} has unknown parent {group.parent!r}")
    reported: set[str] = set()
    for start in parents:
        seen, current = [], start
        while current is not None and current in parents:
            if current in seen:
                cycle = seen[seen.index(current):] + [current]
                key = "→".join(sorted(set(cycle)))
                if key not in reported:
                    reported.add(key)
                    problems.append(f"groups: nested groups form a cycle ({' → '.join(cycle)})")
                break
            seen.append(current)
            current = parents[current]
    return problems
