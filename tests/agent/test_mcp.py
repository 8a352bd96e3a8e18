"""`workbench mcp` driven by the official MCP SDK's own client over stdio: the same tools and limits as
the agent, artifacts stored in the design, errors as error results, secrets never in the output."""

from __future__ import annotations

import os
import sys

import anyio

DDL = ("CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);\n"
       "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id));")
SECRET = "sk-ant-api03-" + "Q" * 40


def session_calls(home, steps):
    """Start `workbench mcp -d shop` as a subprocess and run `steps(session)` with the SDK's ClientSession."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    env = {**os.environ, "WORKBENCH_HOME": str(home), "ANTHROPIC_API_KEY": SECRET}
    server = StdioServerParameters(command=sys.executable, args=["-m", "workbench.cli", "mcp", "-d", "shop"], env=env)

    async def main():
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await steps(session)

    return anyio.run(main)


def test_an_mcp_client_lists_the_tools_proposes_a_schema_and_the_design_has_it(tmp_path, monkeypatch):
    async def steps(session):
        listed = await session.list_tools()
        proposed = await session.call_tool("propose_schema", {"ddl": DDL, "dialect": "postgres",
                                                              "rationale": f"key {SECRET}"})
        bad = await session.call_tool("propose_schema", {"ddl": "CREATE TABLE t (id int,", "dialect": "postgres"})
        wrong = await session.call_tool("propose_schema", {"dialect": "postgres"})
        second = await session.call_tool("propose_schema", {"ddl": DDL + "\nCREATE TABLE notes (id int);",
                                                            "dialect": "postgres"})
        changes = await session.call_tool("diff", {})
        review = await session.call_tool("lint", {})
        escape = await session.call_tool("read_file", {"path": "../../../etc/passwd"})
        shell = await session.call_tool("bash", {"command": "id"})
        return listed, proposed, bad, wrong, second, changes, review, escape, shell

    listed, proposed, bad, wrong, second, changes, review, escape, shell = session_calls(tmp_path, steps)
    names = {t.name for t in listed.tools}
    assert {"propose_schema", "draw_architecture", "run_sql", "run_experiment", "record_decision", "define_api",
            "lint", "diff", "run_load", "rehearse_migration", "read_file"} <= names
    assert "bash" not in names  # nobody can enable it for a server: it is never offered
    text = proposed.content[0].text
    assert not proposed.is_error and "Stored as version 1 of schema 'main' in design 'shop'" in text
    assert bad.is_error and "line" in bad.content[0].text
    assert wrong.is_error and "ddl" in wrong.content[0].text
    assert "1 add table" in changes.content[0].text and "CREATE TABLE notes" in changes.content[0].text
    assert "WB001" in review.content[0].text  # notes has no primary key
    assert escape.is_error and "root:" not in escape.content[0].text
    assert shell.is_error and "Unknown tool 'bash'" in shell.content[0].text
    everything = " ".join(c.text for r in (proposed, bad, wrong, second, changes, review) for c in r.content)
    assert SECRET not in everything
    # the design has what the client made: read back in this process, from the same store
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    from workbench.design.aggregate import Design

    design = Design("shop")
    assert sorted(design.schema("main", 1).tables) == ["customers", "orders"]
    assert "notes" in design.schema("main").tables
    stored = design.latest("schema", "main", 1)
    assert SECRET not in str(stored)


def raw_exchange(home, lines, last_id):
    """Write `lines` to `workbench mcp` on stdin and read its replies until the one to `last_id`; then close it."""
    import json
    import subprocess

    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "mcp", "-d", "shop"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    proc.stdin.write("\n".join(lines) + "\n")
    proc.stdin.flush()
    replies = []
    for line in proc.stdout:  # each reply is a line; the server answers in order of arrival here
        replies.append(json.loads(line))
        if replies[-1].get("id") == last_id and "error" not in replies[-1]:
            break
    proc.stdin.close()
    proc.wait(timeout=60)
    return replies, proc


INITIALIZE = ('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
              '"capabilities":{},"clientInfo":{"name":"test","version":"1"}}}')


def test_malformed_lines_get_json_rpc_errors_and_the_server_keeps_serving(tmp_path):
    replies, proc = raw_exchange(tmp_path, [
        "not json at all",  # before the handshake, too
        INITIALIZE,
        '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        "{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": ",  # cut short
        "",  # a blank line between messages is no message
        "[]",
        '{"foo":1}',
        '{"jsonrpc":"2.0","id":7}',  # no method
        '{"jsonrpc":"2.0","id":8,"method":"tools/list"}'], last_id=8)
    assert proc.returncode == 0, proc.stderr.read()
    errors = [r for r in replies if "error" in r]
    assert [(e["error"]["code"], e["id"]) for e in errors] == [
        (-32700, None), (-32700, None), (-32600, None), (-32600, None), (-32600, 7)]
    assert "not JSON" in errors[0]["error"]["message"] and "method" in errors[2]["error"]["message"]
    assert replies[-1]["id"] == 8 and "propose_schema" in {t["name"] for t in replies[-1]["result"]["tools"]}


def test_file_tools_refuse_a_huge_write_and_a_path_no_file_system_holds_with_a_clear_error(tmp_path):
    from workbench.design.workspace import MAX_WRITE

    async def steps(session):
        huge = await session.call_tool("write_file", {"path": "dump.sql", "content": "x" * (50 * 1024 * 1024)})
        small = await session.call_tool("write_file", {"path": "notes.md", "content": "abc"})
        grown = await session.call_tool("edit_file", {"path": "notes.md", "old": "b", "new": "b" * MAX_WRITE})
        long_path = await session.call_tool("read_file", {"path": "a" * 5_000_000})
        long_name = await session.call_tool("write_file", {"path": "d/" + "n" * 300 + ".md", "content": "x"})
        nul = await session.call_tool("write_file", {"path": "a\x00b.md", "content": "x"})
        listed = await session.call_tool("list_files", {"glob": "*" * 5000})
        escape = await session.call_tool("write_file", {"path": "../../outside.md", "content": "x"})
        return huge, small, grown, long_path, long_name, nul, listed, escape

    huge, small, grown, long_path, long_name, nul, listed, escape = session_calls(tmp_path, steps)
    for result in (huge, grown):
        assert result.is_error and f"at most {MAX_WRITE:,} bytes (4 MiB)" in result.content[0].text
        assert "Split the content" in result.content[0].text
    assert not small.is_error
    workspace = next(tmp_path.rglob("notes.md")).parent
    assert (workspace / "notes.md").read_text() == "abc" and not (workspace / "dump.sql").exists()
    assert long_path.is_error and "The path is too long: 5,000,000 bytes, at most 1,024" in long_path.content[0].text
    assert long_name.is_error and "has 303 bytes, at most 255" in long_name.content[0].text
    assert nul.is_error and "NUL character (at position 1)" in nul.content[0].text
    assert listed.is_error and "pattern is too long" in listed.content[0].text
    assert escape.is_error and "outside the design's workspace" in escape.content[0].text
    for result in (huge, grown, long_path, long_name, nul, listed):
        assert "OSError" not in result.content[0].text and "Errno" not in result.content[0].text
        assert len(result.content[0].text) < 600  # the path is not echoed back in full


def test_propose_schema_defaults_the_dialect_as_the_schema_magic_does(tmp_path, monkeypatch):
    from workbench.config import DEFAULT_DIALECT
    from workbench.notebook.magics import WorkbenchMagics

    async def steps(session):
        listed = await session.call_tool("propose_schema", {"ddl": DDL})
        tools = await session.list_tools()
        return listed, next(t for t in tools.tools if t.name == "propose_schema")

    proposed, tool = session_calls(tmp_path, steps)
    assert not proposed.is_error, proposed.content[0].text
    assert "dialect" not in tool.input_schema["required"]
    assert f"default: {DEFAULT_DIALECT}" in tool.input_schema["properties"]["dialect"]["description"]
    magic_default = next(a for a in WorkbenchMagics.schema.decorators if "--dialect" in a.args).kwds["default"]
    assert magic_default == DEFAULT_DIALECT == "postgres"
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    from workbench.design.aggregate import Design

    assert Design("shop").schema("main").dialect == DEFAULT_DIALECT
