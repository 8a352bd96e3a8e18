"""%%architect and %architect in a real IPython kernel, talking to the fake over HTTP."""

from __future__ import annotations

import pytest

from workbench.design.aggregate import Design
from workbench.testing import Reply

from ..conftest import KEY, texts

pytestmark = pytest.mark.kernel


def markdown(result) -> str:
    """The final Markdown of the streamed text outputs (updates replace their display)."""
    by_id: dict[str, str] = {}
    order: list[str] = []
    for out in result["outputs"]:
        data = out.get("data", {})
        if "text/markdown" not in data:
            continue
        display_id = out.get("transient", {}).get("display_id") or str(len(order))
        if display_id not in by_id:
            order.append(display_id)
        by_id[display_id] = data["text/markdown"]
    return "\n".join(by_id[i] for i in order)


def test_stream_tool_call_continuation_and_kernel_restart(api_env, start_kernel):
    kernel = start_kernel()
    assert kernel.run("%load_ext workbench")["status"] == "ok"
    api_env.enqueue(
        Reply.tool_call("write_file", {"path": "capacity.md", "content": "# 400 reads/s"},
                        text="I'll write the **capacity** notes first.", text_chunk=6),
        Reply.text("Notes written. Next: the schema.", text_chunk=6))
    first = kernel.run('topic = "URL shortener"\n')
    first = kernel.run("%%architect -d shortener\nDesign a {topic} backend.")
    assert first["status"] == "ok", texts(first)
    # on the default model (sonnet → claude-sonnet-5-5) text before a tool call arrives as thinking: it is shown
    # in the thinking fold, collapsed once the thinking ends, and the answer's Markdown holds the final text
    folds = [o["data"]["text/html"] for o in first["outputs"] if 'class="wb-thinking"' in
             o.get("data", {}).get("text/html", "")]
    assert any("I&#x27;ll write the **capacity** notes first." in f and " open" not in f for f in folds)
    assert "Notes written. Next: the schema." in markdown(first)
    plain = texts(first)
    assert "✓ write_file" in plain and "Created capacity.md" in plain
    assert "cached" in plain and "calls" in plain  # the footer
    assert any(o["type"] == "update_display_data" for o in first["outputs"])  # streamed in place
    assert api_env.message_requests[0]["messages"][0]["content"][1]["text"] == "Design a URL shortener backend."

    api_env.enqueue(Reply.text("Redis in front of the redirect path."))
    second = kernel.run("%%architect -d shortener\nWhat would you cache?")
    assert second["status"] == "ok"
    assert "Redis in front" in markdown(second)
    assert len(api_env.message_requests[-1]["messages"]) == 5

    kernel.stop()
    restarted = start_kernel()  # a kernel restart: only the store remembers
    restarted.run("%load_ext workbench")
    api_env.enqueue(Reply.text("We chose Redis earlier."))
    third = restarted.run("%%architect -d shortener\nRemind me what we chose.")
    assert third["status"] == "ok"
    assert len(api_env.message_requests[-1]["messages"]) == 7
    history = texts(restarted.run("%architect history shortener"))
    assert "Design a URL shortener backend." in history
    assert "⚙ `write_file`" in history and "We chose Redis earlier." in history


def test_no_key_is_a_clean_error_without_traceback(kernel):
    kernel.run("%load_ext workbench")
    result = kernel.run("%%architect\nhello")
    assert result["status"] == "error"
    error = result["error"]
    assert error["ename"] == "MissingAPIKey"
    assert "ANTHROPIC_API_KEY" in error["evalue"] and "%architect doctor" in error["evalue"]
    assert len(error["traceback"]) == 1 and "File " not in error["traceback"][0]


def test_bad_usage_raises_usage_error(api_env, kernel):
    kernel.run("%load_ext workbench")
    for line in ("%%architect --max-steps 0\nx", "%%architect --budget -1\nx", "%%architect --bogus\nx",
                 "%%architect\n   ", "%architect frobnicate"):
        result = kernel.run(line)
        assert "UsageError" in texts(result), line
        assert "Traceback" not in texts(result)
    assert api_env.message_requests == []


def test_mid_stream_error_keeps_partial_text_and_the_next_cell_works(api_env, kernel):
    kernel.run("%load_ext workbench")
    # the content events before the break: the thinking block (start, one delta, signature, stop), then the text
    # block's start and two deltas
    api_env.enqueue(Reply.text("Half of an answer that breaks", text_chunk=5, thinking="Hm.", error_after=7))
    broken = kernel.run("%%architect\nexplain")
    assert broken["status"] == "error"
    assert broken["error"]["ename"] == "StreamInterrupted"
    assert "partial answer is kept" in broken["error"]["evalue"]
    shown = markdown(broken)
    assert shown.startswith("Half of an") and "[answer interrupted:" in shown
    api_env.enqueue(Reply.text("Here is the full answer."))
    again = kernel.run("%%architect\nplease continue")
    assert again["status"] == "ok" and "Here is the full answer." in markdown(again)


def test_keyboard_interrupt_while_streaming_in_the_kernel(api_env, kernel):
    kernel.run("%load_ext workbench")
    api_env.enqueue(Reply.text("A slow answer that the designer stops. " * 20, text_chunk=4, delay=0.05),
                    Reply.text("Continuing after the interrupt."))
    stopped = kernel.run("%%architect\nlong answer please", interrupt_after_output=True)
    assert stopped["status"] == "error"
    assert stopped["error"]["ename"] == "StreamInterrupted" and "Interrupted by you" in stopped["error"]["evalue"]
    assert "[answer interrupted: interrupted by you]" in markdown(stopped)
    after = kernel.run("%%architect\ncontinue")
    assert after["status"] == "ok" and "Continuing after the interrupt." in markdown(after)
    messages = Design("default").messages()
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]


def test_retries_are_visible_in_the_cell(api_env, kernel):
    kernel.run("%load_ext workbench")
    api_env.enqueue(Reply.http_error(429, retry_after_ms=50), Reply.text("after the retry"))
    result = kernel.run("%%architect\nhi")
    assert result["status"] == "ok"
    assert "answered 429 (rate limited); retrying" in texts(result)


def test_401_fails_the_cell_with_a_clear_message(api_env, kernel, monkeypatch):
    kernel.run("%load_ext workbench")
    kernel.run("import os; os.environ['ANTHROPIC_API_KEY'] = 'sk-ant-refused-1234567'")
    result = kernel.run("%%architect\nhi")
    assert result["status"] == "error" and result["error"]["ename"] == "AuthenticationFailed"
    assert "refused the API key" in result["error"]["evalue"]
    assert "sk-ant-refused-1234567" not in texts(result)


def test_subcommands_doctor_cost_agents_model(api_env, kernel):
    kernel.run("%load_ext workbench")
    api_env.enqueue(Reply.text("ok"))
    kernel.run("%%architect\nhi")
    doctor = texts(kernel.run("%architect doctor"))
    assert "credentials" in doctor and "ANTHROPIC_API_KEY is set (value not shown)" in doctor
    assert KEY not in doctor
    assert "graphviz dot" in doctor
    cost = texts(kernel.run("%architect cost"))
    assert "total" in cost and "cache read" in cost
    assert "backend-architect" in texts(kernel.run("%architect agents"))
    assert "opus → claude-opus-" in texts(kernel.run("%architect model opus"))
    api_env.enqueue(Reply.text("from opus"))
    kernel.run("%%architect\nwhich model?")
    assert api_env.message_requests[-1]["model"].startswith("claude-opus-")
    tools = texts(kernel.run("%architect tools"))
    assert "read_file" in tools and "files" in tools
    reset = texts(kernel.run("%architect reset"))
    assert "conversation 3 started" in reset  # the second model started conversation 2 (a new frame), said then


def test_scripted_model_answers_without_a_key(kernel, tmp_path):
    script = tmp_path / "script.yaml"
    script.write_text("turns:\n  - steps:\n      - text: Scripted hello.\n")
    kernel.run("%load_ext workbench")
    note = texts(kernel.run(f"%architect script {script}"))
    assert "not from Claude" in note
    result = kernel.run("%%architect\nhello")
    assert result["status"] == "ok"
    assert "Scripted hello." in markdown(result)
    assert "Scripted model" in texts(result) and "no charge" in texts(result)


def test_agent_flag_and_no_tools(api_env, kernel, tmp_path):
    (tmp_path / ".claude" / "agents").mkdir(parents=True)
    (tmp_path / ".claude" / "agents" / "dba.md").write_text(
        "---\nname: dba\ndescription: A DBA.\ntools: Read\n---\nYou are a careful DBA.\n")
    kernel.run("%load_ext workbench")
    api_env.enqueue(Reply.text("As a DBA: index it."), Reply.text("still the dba"))
    assert kernel.run("%%architect -a dba -d db --no-tools\nindex?")["status"] == "ok"
    request = api_env.message_requests[-1]
    assert request["system"][0]["text"] == "You are a careful DBA."
    assert request["tool_choice"] == {"type": "none"}  # the tools stay defined, so the frame does not change
    kernel.run("%%architect -d db\nand?")
    request = api_env.message_requests[-1]
    assert request["system"][0]["text"] == "You are a careful DBA."  # the agent sticks to the design
    assert [t["name"] for t in request["tools"] if t["name"] in ("read_file", "write_file")] == ["read_file"]


def test_design_subcommands(kernel, tmp_path):
    kernel.run("%load_ext workbench\n%design use shop")
    kernel.run("%%schema\nCREATE TABLE a (id int PRIMARY KEY);")
    requirements = texts(kernel.run("%design requirements A shop for tea."))
    assert requirements.strip().splitlines() == ["A shop for tea.", "(no measurable targets yet)"]
    shown = texts(kernel.run("%design show"), "text/markdown")
    assert "**Requirements:** A shop for tea." in shown and "Readiness: 0/6 standards fully covered" in shown
    assert "| Documentation | Architecture diagrams | ◐\u00a0partial | schema main v1 (ER diagram) |" in shown
    listed = texts(kernel.run("%design list"))
    assert "shop" in listed and "←" in listed
    exported = texts(kernel.run("%design export out/shop.html --conversation"))
    assert exported.startswith("Wrote out/shop.html (") and (tmp_path / "out" / "shop.html").is_file()
    for line, message in (("%design export", "Usage: %design export PATH.html|PATH.md"),
                          ("%design export shop.pdf", "Cannot tell the format of 'shop.pdf'"),
                          ("%design frobnicate", "Unknown %design subcommand 'frobnicate'")):
        result = kernel.run(line)
        assert result["status"] == "error" and message in texts(result), line
        assert "Traceback" not in texts(result)


@pytest.mark.parametrize("delay", [0.0, 0.4], ids=["while the lab is built", "while the query runs"])
def test_an_interrupt_while_run_sql_runs_stops_the_turn(api_env, kernel, delay):
    """Interrupting a slow query stops the statement and the turn: the model is not called again. (An
    interrupt that Python drops in a finalizer still stops it: the handler remembers.)"""
    slow = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
            "SELECT count(*) FROM c")
    kernel.run("%load_ext workbench")
    schema = kernel.run("%%schema -d slow\nCREATE TABLE items (id bigint PRIMARY KEY);")
    assert schema["status"] == "ok"
    api_env.enqueue(Reply.tool_call("run_sql", {"sql": slow}), Reply.text("This must never be asked for."))
    started = len(api_env.message_requests)
    result = kernel.run("%%architect -d slow\nCount to a hundred million.", interrupt_on="run_sql: running",
                        interrupt_delay=delay)
    assert result["status"] == "error" and "Interrupted by you" in texts(result), texts(result)
    assert "timeout" not in texts(result)
    assert len(api_env.message_requests) == started + 1  # no second model call after the interrupt
    design = Design("slow")
    assert design.turns()[-1]["status"] == "interrupted"
    answer = design.messages()[-1]["content"][0]
    assert answer["is_error"] and "Interrupted by the user" in answer["content"]
    api_env.enqueue(Reply.text("Still here."))
    assert kernel.run("%%architect -d slow\nAnd now?")["status"] == "ok"


def test_a_quote_left_open_on_a_magic_line_says_where_and_how_to_fix_it(kernel):
    """IPython splits a magic line with shlex: a quote it never sees closed was shlex's bare `ValueError: No closing
    quotation`. Now a UsageError points at the quote and says how to write one; a quoted word loses its quotes."""
    kernel.run("%load_ext workbench")
    for line, caret in (("%%schema main --dialect 'sqlite", "main --dialect 'sqlite\n                   ^"),
                        ('%%schema main -d "tea shop', 'main -d "tea shop\n            ^'),
                        ("%er 'orders", "'orders\n    ^")):
        result = kernel.run(line + ("\nCREATE TABLE a (id int PRIMARY KEY);" if line.startswith("%%") else ""))
        text = texts(result)
        assert result["status"] == "error" and text.startswith("UsageError: The apostrophe" if "'" in line
                                                                else "UsageError: The double quote"), text
        assert "is never closed" in text and caret in text and "Traceback" not in text and "ValueError" not in text
    assert "put the word inside \"…\" (\"O'Brien\")" in text
    stored = kernel.run("%%schema orders -d \"tea-shop\" --dialect 'sqlite'\nCREATE TABLE a (id int PRIMARY KEY);")
    assert stored["status"] == "ok", texts(stored)
    assert texts(kernel.run("print(orders.dialect)")).strip() == "sqlite"
    assert [v["version"] for v in Design("tea-shop").versions("schema", "orders")] == [1]


def test_er_without_a_schema_says_the_design_has_no_schema_in_plain_words(kernel):
    kernel.run("%load_ext workbench")
    shown = texts(kernel.run("%er"))
    assert "has no schema yet" in shown and "no a " not in shown
