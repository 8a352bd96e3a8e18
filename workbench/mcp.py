"""`workbench mcp`: the design tools as an MCP server over stdio, for Claude Code or any MCP client.

The same registry the notebook agent uses, on one design, with the same limits: design tools, and
the file tools confined to the design's workspace; never `bash` (the server has no person to enable
it). Artifacts go into the design's store exactly as from a notebook turn, so the design document,
the explorer and the notebook see them. Results are redacted and clipped as the agent's are.

Built on the official `mcp` SDK's low-level server (the tool list and calls are ours, from the
registry; a decorator framework would describe each tool a second time). Tools run on a worker
thread, so a long lab run does not stall the protocol.
"""

from __future__ import annotations

import sys
from typing import Any

INSTRUCTIONS = ("Backend design tools of Architect Workbench on design {design!r}: propose_schema (DDL → stored "
                "version, ER, lint), lint, diff, draw_architecture, run_sql, run_experiment, run_load, "
                "rehearse_migration, record_decision, define_api, and files in the design's workspace.")


def build(design_name: str) -> Any:
    """The MCP server for one design (not started)."""
    import anyio
    import mcp.types as types
    from mcp.server.lowlevel import Server

    from .agent.registry import ToolContext, _clip
    from .agent.tools import builtin_registry
    from .design.aggregate import Design
    from .secrets import redact

    design = Design(design_name)
    tools = {t.name: t for t in builtin_registry().select(None, bash_enabled=False)}

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[types.Tool(name=t.name, description=t.description,
                                                       inputSchema=t.input_schema) for t in tools.values()])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            text, failed = f"Unknown tool {params.name!r}. Available: {', '.join(tools)}.", True
        else:
            result = await anyio.to_thread.run_sync(tool.run, ToolContext(design=design), params.arguments or {})
            text, failed = result.text, result.is_error
        return types.CallToolResult(content=[types.TextContent(type="text", text=_clip(redact(text)))],
                                    isError=failed)

    return Server("architect-workbench", version=_version(), instructions=INSTRUCTIONS.format(design=design.name),
                  on_list_tools=list_tools, on_call_tool=call_tool)


def serve(design_name: str) -> None:
    """Run the server on stdin/stdout until the client closes it."""
    import anyio
    from mcp.server.stdio import stdio_server

    server = build(design_name)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("architect-workbench")
    except PackageNotFoundError:
        return "0"


if __name__ == "__main__":
    serve(sys.argv[1] if len(sys.argv) > 1 else "default")
