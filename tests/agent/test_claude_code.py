"""The user's agent in Claude Code itself: `workbench agent export --claude-code` writes the subagent file,
`workbench mcp` serves the design tools, and the real Claude Code CLI (npm, installed into .cache by set-up)
delegates to the subagent, which stores a schema in the design. The model is the strict fake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from workbench.design.aggregate import Design
from workbench.testing import Reply

from ..conftest import KEY, PROJECT, need

CLAUDE = PROJECT / ".cache" / "claude-code" / "node_modules" / ".bin" / "claude"
WORKBENCH = Path(sys.executable).with_name("workbench")
DDL = "CREATE TABLE links (id bigint PRIMARY KEY, code text NOT NULL UNIQUE, target text NOT NULL);"


def _has_result(body: dict) -> bool:
    """Whether the newest user message carries a tool result (Claude Code may add a system-role message after it)."""
    last = [m for m in body["messages"] if m["role"] != "system"][-1]["content"]
    return isinstance(last, list) and any(b.get("type") == "tool_result" for b in last)


def _names(body: dict) -> set[str]:
    return {t.get("name") for t in body.get("tools") or []}


def test_the_exported_agent_runs_in_claude_code_and_stores_a_schema_through_mcp(fake, isolated):
    need(CLAUDE.exists(), f"Claude Code is not installed at {CLAUDE} (scripts/setup.sh --browser installs it)")
    home = isolated / "home"
    project = isolated / "project"
    project.mkdir()
    workbench_home = os.environ["WORKBENCH_HOME"]
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "WORKBENCH_HOME": workbench_home}
    exported = subprocess.run([str(WORKBENCH), "agent", "export", "--claude-code"], cwd=project, env=env,
                              capture_output=True, text=True, timeout=60)
    assert exported.returncode == 0, exported.stderr
    agent_file = project / ".claude" / "agents" / "backend-architect.md"
    assert "mcp__workbench__propose_schema" in agent_file.read_text()

    asked: list[str] = []

    def responder(body: dict) -> Reply:
        """Claude Code's main loop offers the Agent tool; the subagent's requests offer only its own tools."""
        tools = _names(body)
        if "Agent" in tools:
            asked.append("main")
            if _has_result(body):
                return Reply.text("The architect stored the links schema.")
            return Reply.tool_call("Agent", {"description": "Design the schema", "subagent_type": "backend-architect",
                                             "prompt": "Propose the links table."})
        asked.append("subagent")
        assert "mcp__workbench__propose_schema" in tools and "Agent" not in tools
        if _has_result(body):
            return Reply.text("Stored version 1 of the schema.")
        return Reply.tool_call("mcp__workbench__propose_schema", {"ddl": DDL, "dialect": "postgres"})

    fake.responder = responder
    mcp = {"mcpServers": {"workbench": {"type": "stdio", "command": str(WORKBENCH), "args": ["mcp", "-d", "links"],
                                        "env": {"WORKBENCH_HOME": workbench_home}}}}
    run = subprocess.run(
        [str(CLAUDE), "-p", "Design a URL shortener's storage with the backend-architect agent.",
         "--output-format", "json", "--no-session-persistence", "--strict-mcp-config", "--mcp-config", json.dumps(mcp),
         "--allowedTools", "mcp__workbench__propose_schema"],
        cwd=project, capture_output=True, text=True, timeout=240,
        env={**env, "ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": KEY, "DISABLE_TELEMETRY": "1",
             "DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)
    assert result["is_error"] is False and result["result"] == "The architect stored the links schema."
    assert fake.refused == []  # every request Claude Code made passed the fake's checks
    assert asked.count("subagent") == 2 and asked[-1] == "main"
    schema = Design("links").latest("schema")
    assert schema is not None and "links" in schema["body"]["ddl"]
