"""Built-in tools: JSON schemas and thin calls into design, schema, architecture and lab.

Each function takes the ToolContext and the validated input, does the real work through
the domain packages, shows the artifact with `ctx.show`, records it in the design, and
returns a compact summary for the model. Heavy imports happen inside the functions.
"""

from __future__ import annotations

from .registry import BASH, FILES, Tool, ToolContext, ToolRegistry, ToolResult


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


def builtin_registry() -> ToolRegistry:
    """A new registry holding every built-in tool."""
    registry = ToolRegistry()
    for tool in FILE_TOOLS:
        registry.add(Tool(tool.name, tool.description, tool.input_schema, tool.func, tool.group))
    return registry
