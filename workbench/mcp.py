"""`workbench mcp`: the design tools as an MCP server over stdio, for Claude Code or any MCP client.

The same registry the notebook agent uses, on one design, with the same limits: design tools, and
the file tools confined to the design's workspace; never `bash` (the server has no person to enable
it). Artifacts go into the design's store exactly as from a notebook turn, so the design document,
the explorer and the notebook see them. Results are redacted and clipped as the agent's are.

Built on the official `mcp` SDK's low-level server (the tool list and calls are ours, from the
registry; a decorator framework would describe each tool a second time). Tools run on a worker
thread, so a long lab run does not stall the protocol.

A line that is not a JSON-RPC message gets the JSON-RPC 2.0 answer (the SDK's stdio transport only
logs it, so a client would wait forever): -32700 for text that is not JSON, -32600 for JSON that is
not a request (`[]`, `{"foo": 1}`, no method), with id null unless the message carried a usable id;
the server goes on serving the next line.
"""

from __future__ import annotations

import sys
from typing import Any


def instructions(design: str, tools: list[Any]) -> str:
    """What the server tells a client it offers, from the registry's own list (no second list to keep)."""
    from .agent.registry import FILES

    named = ", ".join(t.name for t in tools if t.group != FILES)
    files = any(t.group == FILES for t in tools)
    return (f"Backend design tools of Architect Workbench on design {design!r}: {named}"
            + (", and files in the design's workspace." if files else "."))


def build(design_name: str) -> Any:
    """The MCP server for one design (not started)."""
    import anyio
    import mcp.types as types
    from mcp.server.lowlevel import Server

    from .agent.registry import ToolContext, ToolResult
    from .agent.tools import builtin_registry
    from .design.aggregate import Design

    design = Design(design_name)
    tools = {t.name: t for t in builtin_registry().select(None, bash_enabled=False)}

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[types.Tool(name=t.name, description=t.description,
                                                       inputSchema=t.input_schema) for t in tools.values()])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            result = ToolResult(f"Unknown tool {params.name!r}. Available: {', '.join(tools)}.", is_error=True)
        else:
            result = await anyio.to_thread.run_sync(tool.run, ToolContext(design=design), params.arguments or {})
        return types.CallToolResult(content=[types.TextContent(type="text", text=result.for_client())],
                                    isError=result.is_error)

    return Server("architect-workbench", version=_version(),
                  instructions=instructions(design.name, list(tools.values())),
                  on_list_tools=list_tools, on_call_tool=call_tool)


def serve(design_name: str) -> None:
    """Run the server on stdin/stdout until the client closes it."""
    import anyio
    from mcp.server.stdio import stdio_server

    server = build(design_name)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(AnswerMalformed(read, write), write, server.create_initialization_options())

    anyio.run(main)


class AnswerMalformed:
    """The transport's read stream, minus the lines it could not read: each gets its JSON-RPC error reply."""

    def __init__(self, inner: Any, write: Any) -> None:
        self._inner, self._write = inner, write

    @property
    def last_context(self) -> Any:  # the SDK restores the sender's context from here
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> Any:
        while True:
            item = await self._inner.receive()
            if not isinstance(item, Exception):
                return item
            reply = malformed_reply(item)
            if reply is not None:
                await self._write.send(reply)

    def __aiter__(self) -> AnswerMalformed:
        return self

    async def __anext__(self) -> Any:
        import anyio

        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        await self._inner.aclose()

    def close(self) -> None:
        self._inner.close()

    async def __aenter__(self) -> AnswerMalformed:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


def malformed_reply(error: Exception) -> Any:
    """The JSON-RPC error message for a line the transport could not read (None for a blank line)."""
    import mcp_types as types
    from mcp.shared.message import SessionMessage
    from pydantic import ValidationError

    problems = error.errors() if isinstance(error, ValidationError) else []
    given = problems[0].get("input") if problems else None
    if isinstance(given, str) and not given.strip() and problems[0].get("type") == "json_invalid":
        return None  # an empty line between messages is no message
    if any(p.get("type") == "json_invalid" for p in problems):
        detail = problems[0].get("msg", "")
        code, message = types.PARSE_ERROR, f"Parse error: the line is not JSON ({detail}); send one JSON-RPC " \
                                           "message per line."
        request_id = None
    elif problems:
        code = types.INVALID_REQUEST
        message = ("Invalid Request: expected one JSON-RPC 2.0 object with \"jsonrpc\": \"2.0\", a string "
                   "\"method\" and, for a request, an \"id\"" + ("; batches (arrays) are not supported"
                                                                   if isinstance(given, list) else "") + ".")
        raw = given.get("id") if isinstance(given, dict) else None
        request_id = raw if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    else:
        code, message, request_id = types.PARSE_ERROR, f"Parse error: {type(error).__name__}.", None
    return SessionMessage(types.JSONRPCError(jsonrpc="2.0", id=request_id,
                                             error=types.ErrorData(code=code, message=message)))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("architect-workbench")
    except PackageNotFoundError:
        return "0"


if __name__ == "__main__":
    serve(sys.argv[1] if len(sys.argv) > 1 else "default")
