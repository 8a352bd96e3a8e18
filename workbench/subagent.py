"""Agent definitions: Markdown files with YAML front matter, in Claude Code's subagent format.

    ---
    name: backend-architect
    description: ...
    model: sonnet            # optional: an alias, a full model id, `opus[1m]`, or `inherit`
    tools: [Read, Write]     # optional: a YAML list or "Read, Write"; [] means no tools
    disallowedTools: [Bash]  # optional: taken away from what `tools` gives
    maxTurns: 20             # optional: model calls per turn
    effort: high             # optional: low | medium | high | xhigh | max
    ---
    The system prompt.

Every field Claude Code documents for subagents is read. Honoured: name, description, model,
tools, disallowedTools, maxTurns, effort. The design tools are the workbench's own and are offered
unless `tools` is `[]` or names them as Claude Code sees them through `workbench mcp`
(`mcp__workbench__propose_schema`, …), in which case exactly those are offered. Read but not
applicable here, each reported by a one-line warning: permissionMode, skills, mcpServers, hooks,
memory, background, isolation, color, initialPrompt. An unknown field is reported the same way.

Agents are found, first match wins, in `./prompts/`, `./.claude/agents/`, the folders
of WORKBENCH_AGENTS_PATH, `$CLAUDE_CONFIG_DIR/agents` (else `~/.claude/agents`), and the
project's own `prompts/` (the default agent).

A leaf module (it reads Markdown files and imports no other layer): the agent loop runs an
agent, and the design's readiness scorecard reads the same agent's Delivery Standards.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .config import PROJECT_ROOT, settings
from .errors import AgentDefinitionError
from .yamltext import yaml_problem

DEFAULT_AGENT = "backend-architect"
EFFORTS = ("low", "medium", "high", "xhigh", "max")
HONOURED = {"name", "description", "model", "tools", "disallowedTools", "maxTurns", "effort"}
NOT_APPLICABLE = {
    "permissionMode": "the workbench asks no permissions: design tools act on the design, bash needs --bash",
    "skills": "skills are Claude Code's; the workbench loads none",
    "mcpServers": "the workbench connects to no MCP servers; its own tools are built in",
    "hooks": "the workbench runs no hooks",
    "memory": "the design store is the agent's memory here",
    "background": "a turn runs in its cell",
    "isolation": "the design's workspace is the agent's only folder",
    "color": "the notebook has its own styling",
    "initialPrompt": "the %%architect cell is the prompt",
}
MCP_PREFIX = "mcp__workbench__"


@dataclass(frozen=True)
class AgentDefinition:
    """One agent: its name, description, model, tools and system prompt."""

    name: str
    description: str
    system_prompt: str
    model: str | None = None
    tools: tuple[str, ...] | None = None
    path: Path | None = None
    disallowed_tools: tuple[str, ...] = ()
    max_turns: int | None = None
    effort: str | None = None
    warnings: tuple[str, ...] = ()  # fields read but not applied here, one line each

    @property
    def design_tools(self) -> tuple[str, ...] | None:
        """The design tools the agent names as MCP tools (`mcp__workbench__X` → X), or None when it names none."""
        if self.tools is None:
            return None
        named = tuple(t[len(MCP_PREFIX):] for t in self.tools if t.startswith(MCP_PREFIX))
        return named if named or self.tools == () else None

    @classmethod
    def from_file(cls, path: str | Path) -> AgentDefinition:
        """Read an agent definition; a malformed file raises AgentDefinitionError naming file and field."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AgentDefinitionError(f"{path}: cannot read the agent definition ({exc.strerror}).") from None
        return _parsed(text, path)

    @classmethod
    def from_text(cls, text: str, *, source: str | Path = "<agent>") -> AgentDefinition:
        """Parse the front matter and body of an agent definition."""
        import yaml

        where = str(source)
        text = text.lstrip("\ufeff")
        lines = text.splitlines(keepends=True)
        if not lines or lines[0].strip() != "---":
            raise AgentDefinitionError(
                f"{where}: no YAML front matter; the file must start with a line '---', then "
                "`name:` and `description:`, then '---' and the system prompt."
            )
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise AgentDefinitionError(f"{where}: the front matter is not closed; add a line '---' after it.")
        try:
            meta = yaml.safe_load("".join(lines[1:end])) or {}
        except yaml.YAMLError as exc:
            place, problem = yaml_problem(exc, line_offset=1)  # the front matter starts on line 2
            at = f" ({place.split(',')[0]})" if place else ""
            raise AgentDefinitionError(f"{where}: the front matter is not valid YAML{at}: {problem}") from None
        if not isinstance(meta, dict):
            raise AgentDefinitionError(f"{where}: the front matter must be a mapping of fields, "
                                       f"got {type(meta).__name__}.")
        body = "".join(lines[end + 1:]).strip()

        def text_field(key: str, required: bool) -> str | None:
            value = meta.get(key)
            if value is None:
                if required:
                    raise AgentDefinitionError(f"{where}: field `{key}` is missing from the front matter.")
                return None
            if not isinstance(value, str) or not value.strip():
                raise AgentDefinitionError(f"{where}: field `{key}` must be a non-empty string, "
                                           f"got {value!r}.")
            return value.strip()

        name = text_field("name", True)
        description = text_field("description", True)
        model = text_field("model", False)
        tools = _parse_tools(meta.get("tools"), where)
        disallowed = _parse_tools(meta.get("disallowedTools"), where, field="disallowedTools") or ()
        max_turns = meta.get("maxTurns")
        if max_turns is not None and (not isinstance(max_turns, int) or isinstance(max_turns, bool) or max_turns < 1):
            raise AgentDefinitionError(f"{where}: field `maxTurns` must be a positive whole number, got {max_turns!r}.")
        effort = text_field("effort", False)
        if effort is not None and effort not in EFFORTS:
            raise AgentDefinitionError(f"{where}: field `effort` must be one of {', '.join(EFFORTS)}, got {effort!r}.")
        warnings = []
        for key in meta:
            if key in NOT_APPLICABLE:
                warnings.append(f"{where}: `{key}` is read but not applied in the workbench ({NOT_APPLICABLE[key]}).")
            elif key not in HONOURED:
                warnings.append(f"{where}: unknown field `{key}` is ignored (Claude Code's subagent fields: "
                                f"{', '.join(sorted(HONOURED | set(NOT_APPLICABLE)))}).")
        if not body:
            raise AgentDefinitionError(f"{where}: the system prompt (the text after the front matter) is empty.")
        return cls(name=name, description=description, system_prompt=body, model=model, tools=tools,
                   path=Path(source) if isinstance(source, Path) else None, disallowed_tools=disallowed,
                   max_turns=max_turns, effort=effort, warnings=tuple(warnings))

    def claude_code_file(self, design_tools: list[str]) -> str:
        """This agent as a Claude Code subagent file whose tools name the workbench's MCP tools
        (`workbench mcp`), so Claude Code offers them: an explicit `tools:` list limits a subagent to it."""
        import yaml

        tools = list(self.tools) if self.tools is not None else []
        tools = [t for t in tools if not t.startswith(MCP_PREFIX)]
        wanted = self.design_tools if self.design_tools is not None else tuple(design_tools)
        tools += [MCP_PREFIX + t for t in wanted]
        meta: dict = {"name": self.name, "description": self.description}
        if self.model:
            meta["model"] = self.model
        meta["tools"] = ", ".join(tools) if tools else []
        if self.disallowed_tools:
            meta["disallowedTools"] = ", ".join(self.disallowed_tools)
        if self.max_turns:
            meta["maxTurns"] = self.max_turns
        if self.effort:
            meta["effort"] = self.effort
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000).strip()
        return f"---\n{front}\n---\n\n{self.system_prompt.strip()}\n"


@lru_cache(maxsize=64)
def _parsed(text: str, source: Path) -> AgentDefinition:
    """An agent file parsed once per content (read every turn, so an edit applies to the next turn; the YAML
    is parsed again only when the text changed). AgentDefinition is frozen, so sharing it is safe."""
    return AgentDefinition.from_text(text, source=source)


def _parse_tools(value: object, where: str, *, field: str = "tools") -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        items = [t.strip() for t in value.split(",") if t.strip()]
    elif isinstance(value, list):
        items = value
    else:
        raise AgentDefinitionError(f"{where}: field `{field}` must be a list or a comma-separated string, "
                                   f"got {type(value).__name__}.")
    out = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise AgentDefinitionError(f"{where}: field `{field}` has an entry that is not a tool name: {item!r}.")
        out.append(item.strip())
    return tuple(out)


def search_path() -> list[Path]:
    """Folders searched for agent definitions, in priority order."""
    cwd = Path.cwd()
    import os

    claude_home = Path(os.environ["CLAUDE_CONFIG_DIR"]) if os.environ.get("CLAUDE_CONFIG_DIR") else \
        Path.home() / ".claude"
    folders = [cwd / "prompts", cwd / ".claude" / "agents", *settings().agents_path, claude_home / "agents",
               PROJECT_ROOT / "prompts"]
    seen: list[Path] = []
    for folder in folders:
        resolved = folder.resolve()
        if resolved not in seen:
            seen.append(resolved)
    return seen


def available_agents() -> dict[str, Path]:
    """Every agent name found on the search path, mapped to its file (first match wins)."""
    found: dict[str, Path] = {}
    for folder in search_path():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            if path.name.lower() == "readme.md":
                continue
            try:
                name = AgentDefinition.from_file(path).name
            except AgentDefinitionError:
                name = path.stem
            found.setdefault(name, path)
    return found


def load_agent(name_or_path: str | Path | None = None) -> AgentDefinition:
    """Load an agent by name (searched on the path) or from a file path."""
    target = str(name_or_path or DEFAULT_AGENT)
    candidate = Path(target)
    if candidate.suffix == ".md" and candidate.exists():
        return AgentDefinition.from_file(candidate)
    for folder in search_path():  # the usual case: the file is named after the agent
        path = folder / f"{target}.md"
        if path.is_file():
            agent = AgentDefinition.from_file(path)
            if agent.name == target:
                return agent
    agents = available_agents()
    if target in agents:
        return AgentDefinition.from_file(agents[target])
    known = ", ".join(sorted(agents)) or "none"
    folders = ", ".join(str(f) for f in search_path())
    raise AgentDefinitionError(f"No agent named {target!r}. Known agents: {known}.",
                               hint=f"Agents are Markdown files with front matter in: {folders}.")


def agents_table():
    """The agent definitions found, as a table (what `%architect agents` shows)."""
    from .grid import Grid

    rows = []
    for name, path in sorted(available_agents().items()):
        try:
            agent = AgentDefinition.from_file(path)
            rows.append([name, agent.model or "", ", ".join(agent.tools or ()) or "(all)", str(path)])
        except AgentDefinitionError as exc:
            rows.append([name, "", f"invalid: {exc}", str(path)])
    return Grid(["agent", "model", "tools", "file"], rows)
