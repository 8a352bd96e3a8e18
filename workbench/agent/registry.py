"""The tool registry: name, JSON schema, function. Built-in tools register like any other.

A tool function takes a ToolContext and the validated input as keyword arguments and
returns text, a JSON-able value, or a ToolResult. Input that does not fit the schema, an
unknown tool, and a tool that raises all become a `tool_result` with `is_error: true`
(the model reads the message and corrects itself); the turn goes on.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ToolInputError, WorkbenchError
from ..secrets import redact

if TYPE_CHECKING:
    from ..design.aggregate import Design

# Groups decide when a tool is offered: design tools always (unless --no-tools), file tools
# when the agent definition lists the matching Claude Code tool, bash only when enabled.
DESIGN, FILES, BASH, CUSTOM = "design", "files", "bash", "custom"

# Claude Code tool names in an agent's `tools:` front matter → workbench tool names.
CLAUDE_CODE_TOOLS: dict[str, tuple[str, ...]] = {
    "Read": ("read_file",),
    "Write": ("write_file",),
    "Edit": ("edit_file",),
    "MultiEdit": ("edit_file",),
    "Glob": ("list_files",),
    "LS": ("list_files",),
    "Grep": ("grep",),
    "Bash": ("bash",),
}

MAX_RESULT_CHARS = 12_000


@dataclass
class ToolResult:
    """What a tool returns to the model: compact text or content blocks, and whether it failed."""

    content: str | list[dict]
    is_error: bool = False

    def as_block(self, tool_use_id: str) -> dict:
        content = self.content
        if isinstance(content, str):
            content = _clip(redact(content))
        block = {"type": "tool_result", "tool_use_id": tool_use_id, "content": content}
        if self.is_error:
            block["is_error"] = True
        return block

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "\n".join(b.get("text", "") for b in self.content if isinstance(b, dict))

    def for_client(self) -> str:
        """The text as any client receives it (the agent's tool_result, an MCP answer): redacted and clipped."""
        return _clip(redact(self.text))


def _clip(text: str) -> str:
    if len(text) <= MAX_RESULT_CHARS:
        return text
    return text[:MAX_RESULT_CHARS] + f"\n… [truncated: {len(text) - MAX_RESULT_CHARS:,} more characters]"


class ToolContext:
    """What a running tool may use: the design (and through it the session's labs), a way to show
    artifacts, the turn it belongs to, and session settings."""

    def __init__(self, *, design: Design | None = None, show: Callable[[Any], None] | None = None,
                 turn_id: int | None = None, bash_enabled: bool = False,
                 notice: Callable[[str], None] | None = None) -> None:
        self.design = design
        self._show = show
        self.turn_id = turn_id
        self.bash_enabled = bash_enabled
        self._notice = notice

    def show(self, obj: Any) -> None:
        """Display an artifact inline (a no-op where nothing displays)."""
        if self._show is not None:
            self._show(obj)

    def notice(self, text: str) -> None:
        if self._notice is not None:
            self._notice(text)


@dataclass
class Tool:
    """A tool the model can call."""

    name: str
    description: str
    input_schema: dict
    func: Callable[..., Any]
    group: str = CUSTOM
    _validator: Any = field(default=None, repr=False, compare=False)

    def definition(self) -> dict:
        """The tool as the Messages API takes it."""
        return {"name": self.name, "description": self.description, "input_schema": self.input_schema}

    def validate(self, data: Any) -> dict:
        """Check input against the schema; ToolInputError lists every problem with its path."""
        if not isinstance(data, dict):
            raise ToolInputError(f"{self.name}: input must be a JSON object, got {type(data).__name__}.")
        if self._validator is None:
            from .validation import errors, unsupported_keywords

            if unsupported_keywords(self.input_schema):  # a richer user schema: the full validator
                from jsonschema import Draft202012Validator

                full = Draft202012Validator(self.input_schema)
                self._validator = lambda value: [
                    f"{'/'.join(str(p) for p in e.absolute_path) or '(input)'}: {e.message}"
                    for e in sorted(full.iter_errors(value), key=lambda e: list(e.absolute_path))]
            else:
                self._validator = lambda value: errors(self.input_schema, value)
        problems = self._validator(data)
        if problems:
            raise ToolInputError(f"{self.name}: invalid input — " + "; ".join(problems[:10]))
        return data

    def run(self, ctx: ToolContext, data: Any) -> ToolResult:
        """Validate and call; every failure becomes an error result, never an exception."""
        try:
            args = self.validate(data)
            out = self.func(ctx, **args)
        except WorkbenchError as exc:
            return ToolResult(str(exc), is_error=True)
        except Exception as exc:  # a tool bug must not end the turn; the model sees what broke
            frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            at = f" (at {frame.name}:{frame.lineno})" if frame else ""
            return ToolResult(f"{self.name} failed: {type(exc).__name__}: {exc}{at}", is_error=True)
        return to_result(out)


def to_result(out: Any) -> ToolResult:
    if isinstance(out, ToolResult):
        return out
    if out is None:
        return ToolResult("ok")
    if isinstance(out, str):
        return ToolResult(out)
    return ToolResult(json.dumps(out, ensure_ascii=False, default=str, indent=None))


class ToolRegistry:
    """Tools by name. `select()` gives the tools offered for an agent and session settings."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool) -> Tool:
        if not tool.name or not tool.name.replace("_", "").replace("-", "").isalnum():
            raise ToolInputError(f"Invalid tool name {tool.name!r}: use letters, digits, '_' or '-'.")
        self._tools[tool.name] = tool
        return tool

    def register(self, name: str, description: str, input_schema: dict, func: Callable[..., Any] | None = None,
                 *, group: str = CUSTOM):
        """Register a tool; usable as a decorator when `func` is omitted."""

        def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.add(Tool(name, description, input_schema, fn, group))
            return fn

        return deco(func) if func is not None else deco

    def remove(self, name: str) -> None:
        self._tools.pop(name, None)

    def __contains__(self, name: str) -> bool:
        return name in self._tools

    def __getitem__(self, name: str) -> Tool:
        return self._tools[name]

    def __iter__(self):
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        return list(self._tools)

    def table(self):
        """The tools as a table: name, group, first line of the description (what `%architect tools` shows)."""
        from ..grid import Grid

        return Grid(["tool", "group", "description"],
                    [[t.name, t.group, t.description.splitlines()[0]] for t in self._tools.values()])

    def select(self, agent_tools: tuple[str, ...] | None, *, disallowed: tuple[str, ...] = (),
               design_tools: tuple[str, ...] | None = None, bash_enabled: bool = True) -> list[Tool]:
        """Tools offered to an agent: design and custom tools, plus what its `tools:` list maps onto.

        No `tools:` field means every file tool and bash (Claude Code's "inherit all"); `tools: []` means
        none. `design_tools` (from `mcp__workbench__X` entries) limits the design tools to those named.
        `disallowed` (Claude Code names or workbench names) takes tools away. Bash is offered whenever the
        agent may have it, so a conversation's tools never change; it refuses to run until the user enables
        it (--bash). bash_enabled=False leaves it out (the MCP server, which never runs it).
        """
        if agent_tools is None:
            wanted = {n for names in CLAUDE_CODE_TOOLS.values() for n in names}
        else:
            wanted = set()
            for name in agent_tools:
                wanted.update(CLAUDE_CODE_TOOLS.get(name, (name,)))
        removed: set[str] = set()
        for name in disallowed:
            removed.update(CLAUDE_CODE_TOOLS.get(name, (name[len("mcp__workbench__"):] if name.startswith(
                "mcp__workbench__") else name,)))
        no_design = agent_tools is not None and len(agent_tools) == 0
        chosen = []
        for tool in self._tools.values():
            if tool.name in removed:
                continue
            if tool.group in (DESIGN, CUSTOM):
                if no_design or (design_tools is not None and tool.name not in design_tools):
                    continue
                chosen.append(tool)
            elif tool.group == FILES and tool.name in wanted:
                chosen.append(tool)
            elif tool.group == BASH and bash_enabled and tool.name in wanted:
                chosen.append(tool)
        return chosen

    def dispatch(self, ctx: ToolContext, name: str, data: Any) -> ToolResult:
        """Run a tool by name; an unknown name is an error result listing the known ones."""
        tool = self._tools.get(name)
        if tool is None:
            return ToolResult(f"Unknown tool {name!r}. Available tools: {', '.join(self._tools)}.", is_error=True)
        return tool.run(ctx, data)
