"""The agent loop with the real anthropic SDK over HTTP against the loopback fake."""

from __future__ import annotations

import time

import pytest

from workbench.agent.registry import Tool, ToolRegistry
from workbench.agent.renderer import Renderer
from workbench.agent.session import Architect
from workbench.agent.tools import builtin_registry
from workbench.design.aggregate import Design
from workbench.errors import AuthenticationFailed, MissingAPIKey, ModelError, StreamInterrupted
from workbench.testing import Reply

from ..conftest import KEY


class Recorder(Renderer):
    """Remembers every hook call; optionally raises KeyboardInterrupt at the Nth text delta."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.events: list[tuple] = []
        self.deltas = 0
        self.interrupt_at = interrupt_at

    def text(self, delta, snapshot):
        self.deltas += 1
        self.events.append(("text", delta))
        if self.interrupt_at is not None and self.deltas >= self.interrupt_at:
            raise KeyboardInterrupt

    def tool_pending(self, name):
        self.events.append(("pending", name))

    def thinking(self, delta, snapshot):
        self.events.append(("thinking", delta))

    def tool_start(self, name, input):
        self.events.append(("start", name, input))

    def tool_end(self, name, result, elapsed):
        self.events.append(("end", name, result.is_error, result.text))

    def notice(self, text):
        self.events.append(("notice", text))

    def interrupted(self, reason):
        self.events.append(("interrupted", reason))

    def show(self, obj):
        self.events.append(("show", obj))

    def kinds(self):
        return [e[0] for e in self.events]


def word_count_registry(calls: list | None = None) -> ToolRegistry:
    registry = builtin_registry()

    def count(ctx, text: str):
        if calls is not None:
            calls.append(text)
        ctx.show(f"counted {text!r}")
        return {"words": len(text.split())}

    registry.register("count_words", "Count the words of a text.",
                      {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"],
                       "additionalProperties": False}, count)
    return registry


def architect(name="d1", **kw) -> Architect:
    kw.setdefault("tools", word_count_registry())
    return Architect(name, **kw)


def assert_history_valid(messages):
    """What the API requires of a stored conversation."""
    pending = []
    for msg in messages:
        for block in msg["content"]:
            if block["type"] == "text":
                assert block["text"].strip()
        if pending:
            assert msg["role"] == "user"
            ids = [b["tool_use_id"] for b in msg["content"] if b["type"] == "tool_result"]
            assert sorted(ids) == sorted(pending)
        pending = [b["id"] for b in msg["content"] if b["type"] == "tool_use"] if msg["role"] == "assistant" else []
    assert not pending


def test_streams_text_and_persists_the_turn(api_env):
    api_env.enqueue(Reply.text("A links table keyed by a short code, and a clicks table.", text_chunk=5))
    rec = Recorder()
    result = architect().ask("Design a URL shortener", renderer=rec)
    assert rec.deltas >= 5
    assert result.text == "A links table keyed by a short code, and a clicks table."
    assert result.status == "ok" and result.steps == 1
    design = Design("d1")
    assert [m["role"] for m in design.messages()] == ["user", "assistant"]
    assert design.requirements == "Design a URL shortener"
    turn = design.turns()[0]
    assert turn["status"] == "ok" and turn["usage"]["output_tokens"] > 0
    assert turn["model"] == result.model


def test_a_tool_call_runs_and_its_result_goes_back(api_env):
    calls: list[str] = []
    api_env.enqueue(Reply.tool_call("count_words", {"text": "one two three"}, text="Counting."),
                    Reply.text("There are three words."))
    rec = Recorder()
    result = architect(tools=word_count_registry(calls)).ask("count please", renderer=rec)
    assert calls == ["one two three"]
    assert ("pending", "count_words") in rec.events
    assert ("end", "count_words", False, '{"words": 3}') in rec.events
    assert ("show", "counted 'one two three'") in rec.events
    second = api_env.message_requests[1]["messages"]
    tool_use = second[1]["content"][-1]
    result_block = second[2]["content"][0]
    assert result_block == {"type": "tool_result", "tool_use_id": tool_use["id"], "content": '{"words": 3}',
                            "cache_control": {"type": "ephemeral"}}
    # on this model (sonnet → claude-sonnet-5-5) text written before a tool call arrives inside thinking
    assert result.thinking.startswith("Counting.") and result.text == "There are three words."
    assert any(e[0] == "thinking" for e in rec.events)
    assert [c.name for c in result.tool_calls] == ["count_words"]


def test_bad_tool_input_and_failing_tools_become_error_results(api_env):
    api_env.enqueue(Reply.tool_calls([("count_words", {"txt": "x"}), ("no_such_tool", {})]),
                    Reply.text("I will fix the input."))
    architect().ask("go", renderer=Recorder())
    results = api_env.message_requests[1]["messages"][2]["content"]
    assert results[0]["is_error"] and "missing required property 'text'" in results[0]["content"]
    assert results[1]["is_error"] and "Unknown tool 'no_such_tool'" in results[1]["content"]
    assert_history_valid(Design("d1").messages())


def test_the_tools_offered_follow_the_agent_definition(api_env):
    api_env.enqueue(Reply.text("ok"), Reply.text("ok"))
    architect().ask("x")
    offered = [t["name"] for t in api_env.message_requests[0]["tools"]]
    assert {"count_words", "read_file", "write_file", "edit_file", "grep", "list_files", "bash"} <= set(offered)
    architect(bash=True).ask("y")  # --bash lets bash run; the tools sent stay the same (the prefix holds)
    assert api_env.message_requests[1]["tools"] == api_env.message_requests[0]["tools"]
    assert api_env.message_requests[1]["system"] == api_env.message_requests[0]["system"]
    assert api_env.refused == []


def test_bash_is_offered_but_refuses_until_the_user_enables_it(api_env):
    api_env.enqueue(Reply.tool_call("bash", {"command": "echo hi"}), Reply.text("I cannot run it."))
    architect().ask("run echo")
    result = api_env.message_requests[1]["messages"][2]["content"][0]
    assert result["is_error"] and "--bash" in result["content"]


def test_step_limit_stops_the_turn_and_keeps_the_history_valid(api_env):
    api_env.enqueue(*[Reply.tool_call("count_words", {"text": "a"}) for _ in range(3)], Reply.text("next turn"))
    rec = Recorder()
    result = architect(max_steps=3).ask("loop", renderer=rec)
    assert result.status == "step_limit" and result.steps == 3
    assert any("step limit" in e[1] for e in rec.events if e[0] == "notice")
    assert_history_valid(Design("d1").messages())
    assert architect().ask("and now?").text == "next turn"  # the fake rejects an invalid history


def test_budget_guard_stops_before_the_next_call(api_env):
    api_env.enqueue(Reply.tool_call("count_words", {"text": "a"}), Reply.text("never sent"))
    rec = Recorder()
    result = architect(budget_usd=0.000001).ask("spend", renderer=rec)
    assert result.status == "budget" and result.steps == 1
    assert len(api_env.message_requests) == 1
    assert any("budget" in e[1] for e in rec.events if e[0] == "notice")


def test_cache_breakpoints_make_each_new_turn_read_the_earlier_ones(api_env):
    api_env.enqueue(Reply.text("first answer " * 30), Reply.text("second answer"), Reply.text("third"))
    a = architect()
    first = a.ask("first question " * 50)
    second = a.ask("second question")
    third = a.ask("third question")
    requests = api_env.message_requests
    for req in requests:
        marked_system = [b for b in req["system"] if "cache_control" in b]
        assert marked_system == [req["system"][-1]]
        assert "cache_control" in req["messages"][-1]["content"][-1]
        assert sum("cache_control" in b for m in req["messages"] for b in m["content"]) == 1
    # the system prompt is byte-identical across turns; the design state rides in the user message
    assert requests[0]["system"] == requests[1]["system"] == requests[2]["system"]
    strip = lambda msg: [{k: v for k, v in b.items() if k != "cache_control"} for b in msg["content"]]  # noqa: E731
    assert strip(requests[1]["messages"][0]) == strip(requests[0]["messages"][0])
    assert first.usage.cache_read_tokens == 0 and first.usage.cache_write_tokens > 0
    # everything the first turn wrote to the cache is read back by the second, and so on
    assert second.usage.cache_read_tokens >= first.usage.cache_write_tokens
    assert third.usage.cache_read_tokens >= second.usage.cache_read_tokens + second.usage.cache_write_tokens - 5
    assert second.usage.input_tokens < 50
    stored = Design("d1").turns()
    assert stored[1]["usage"]["cache_read_tokens"] == second.usage.cache_read_tokens
    assert stored[1]["usage"]["cache_write_tokens"] == second.usage.cache_write_tokens
    total = Design("d1").usage()
    assert total.cost_usd == pytest.approx(first.usage.cost_usd + second.usage.cost_usd + third.usage.cost_usd, rel=1e-3)


def test_the_conversation_continues_in_a_new_process_state(api_env):
    api_env.enqueue(Reply.tool_call("count_words", {"text": "a b"}), Reply.text("two"), Reply.text("remembered"))
    architect().ask("count a b")
    fresh = architect()  # as after a kernel restart: nothing in memory, everything in the store
    assert fresh.ask("what did I ask?").text == "remembered"
    messages = api_env.message_requests[-1]["messages"]
    assert len(messages) == 5
    assert messages[0]["content"][1]["text"] == "count a b"
    assert messages[4]["content"][1]["text"] == "what did I ask?"
    assert messages[4]["content"][0]["text"].startswith("<design-state>")


def test_no_api_key_names_the_variable_and_doctor():
    with pytest.raises(MissingAPIKey) as info:
        Architect("d1").ask("hello")
    assert "ANTHROPIC_API_KEY" in str(info.value) and "%architect doctor" in str(info.value)
    assert Design("d1").turns() == []


def test_401_says_the_key_was_refused_and_adds_nothing(api_env, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong-key-000000")
    with pytest.raises(AuthenticationFailed) as info:
        architect().ask("hello")
    assert "refused the API key" in str(info.value)
    assert "sk-ant-wrong-key-000000" not in str(info.value)
    assert Design("d1").messages() == []
    assert Design("d1").turns()[0]["status"] == "error"


@pytest.mark.parametrize("status", [429, 529])
def test_rate_limit_and_overload_are_retried_and_the_user_sees_it(api_env, status):
    api_env.enqueue(Reply.http_error(status, retry_after_ms=30), Reply.text("fine now"))
    rec = Recorder()
    assert architect().ask("hi", renderer=rec).text == "fine now"
    notices = [e[1] for e in rec.events if e[0] == "notice"]
    assert len(notices) == 1 and f"answered {status}" in notices[0] and "retrying in 0.0 s (retry 1 of 2)" in notices[0]


def test_retries_are_configurable_and_end_in_a_clear_error(api_env, monkeypatch):
    monkeypatch.setenv("WORKBENCH_MAX_RETRIES", "1")
    api_env.enqueue(Reply.http_error(529, retry_after_ms=10), Reply.http_error(529, retry_after_ms=10))
    with pytest.raises(ModelError) as info:
        architect().ask("hi")
    assert "still failing after the retries" in str(info.value)
    assert len(api_env.message_requests) == 2


@pytest.mark.parametrize("fault", [{"error_after": 4}, {"drop_after": 4}])
def test_a_broken_stream_keeps_the_partial_text_marked_and_the_history_valid(api_env, fault):
    fault = {k: v + 4 for k, v in fault.items()}  # after the thinking block's four events
    api_env.enqueue(Reply.tool_call("count_words", {"text": "a"}),
                    Reply.text("The partial answer goes on and on.", text_chunk=4, thinking="Hm.", **fault),
                    Reply.text("Recovered."))
    rec = Recorder()
    with pytest.raises(StreamInterrupted) as info:
        architect().ask("first", renderer=rec)
    assert "partial answer is kept" in str(info.value)
    assert ("mid-stream" in str(info.value)) == ("error_after" in fault)
    assert "interrupted" in rec.kinds()
    messages = Design("d1").messages()
    assert_history_valid(messages)
    last = messages[-1]["content"][-1]["text"]
    assert last.startswith("The partial") and "[answer interrupted:" in last
    assert Design("d1").turns()[0]["status"] == "interrupted"
    assert architect().ask("again").text == "Recovered."


def test_keyboard_interrupt_while_streaming(api_env):
    api_env.enqueue(Reply.text("Streaming a long answer " * 20, text_chunk=3), Reply.text("Continued."))
    with pytest.raises(StreamInterrupted) as info:
        architect().ask("long", renderer=Recorder(interrupt_at=5))
    assert "Interrupted by you" in str(info.value)
    messages = Design("d1").messages()
    assert messages[-1]["role"] == "assistant"
    assert messages[-1]["content"][0]["text"].startswith("Streaming a lon")
    assert "[answer interrupted: interrupted by you]" in messages[-1]["content"][0]["text"]
    assert architect().ask("go on").text == "Continued."


def test_keyboard_interrupt_inside_a_tool_answers_every_tool_use(api_env):
    registry = builtin_registry()

    def slow(ctx):
        raise KeyboardInterrupt

    registry.register("slow", "Slow.", {"type": "object"}, slow)
    api_env.enqueue(Reply.tool_calls([("slow", {}), ("list_files", {})]), Reply.text("After the interrupt."))
    with pytest.raises(StreamInterrupted):
        Architect("d1", tools=registry).ask("run it")
    messages = Design("d1").messages()
    assert_history_valid(messages)
    results = messages[-1]["content"]
    assert [r["is_error"] for r in results] == [True, True]
    assert "Not run" in results[1]["content"]
    assert Architect("d1", tools=registry).ask("and?").text == "After the interrupt."


def test_slow_first_token_is_waited_for_and_measured(api_env):
    api_env.enqueue(Reply.text("finally", first_token_delay=0.6))
    started = time.perf_counter()
    architect().ask("wait")
    assert time.perf_counter() - started >= 0.6
    call = Design("d1").store.calls(Design("d1").turns()[0]["id"])[0]
    assert call["first_token_s"] >= 0.55


def test_the_key_never_reaches_the_store_or_workspace(api_env, isolated):
    api_env.enqueue(Reply.tool_call("write_file", {"path": "notes.md", "content": "notes"}), Reply.text("done"))
    architect().ask("write notes")
    for path in (isolated / ".workbench").rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_no_tools_sends_no_tool_definitions(api_env):
    api_env.enqueue(Reply.text("prose only"))
    architect().ask("x", use_tools=False)
    # tools stay defined (they are part of the prefix the API checks); tool_choice none forbids calls
    assert api_env.message_requests[0]["tool_choice"] == {"type": "none"}
    assert [t["name"] for t in api_env.message_requests[0]["tools"]] == architect().tools.names()


def test_reset_starts_a_new_conversation(api_env):
    api_env.enqueue(Reply.text("one"), Reply.text("two"))
    a = architect()
    a.ask("first")
    a.reset()
    a.ask("second")
    assert len(api_env.message_requests[1]["messages"]) == 1
    assert len(Design("d1").turns(all_conversations=True)) == 2


def test_custom_tool_registered_by_the_user(api_env):
    registry = ToolRegistry([Tool("ping", "Ping.", {"type": "object"}, lambda ctx: "pong")])
    api_env.enqueue(Reply.tool_call("ping", {}), Reply.text("got pong"))
    result = Architect("d1", tools=registry).ask("ping")
    assert result.tool_calls[0].result.text == "pong"
