"""The agent on the Messages API as documented, against the strict fake: append-only conversations that
survive their own length and flag changes, thinking, output limits and every stop reason."""

from __future__ import annotations

import pytest

from workbench.agent import models
from workbench.agent.fake import prompt_tokens
from workbench.agent.renderer import ConsoleRenderer, Renderer
from workbench.agent.session import Architect
from workbench.design.aggregate import Design
from workbench.errors import ModelError
from workbench.subagent import AgentDefinition
from workbench.testing import Reply
from workbench.testing.synthetic import synthetic_ddl

from ..conftest import PROJECT


class Notices(Renderer):
    def __init__(self) -> None:
        self.notices: list[str] = []
        self.thoughts: list[str] = []

    def notice(self, text):
        self.notices.append(text)

    def thinking(self, delta, snapshot):
        self.thoughts.append(delta)


@pytest.fixture(autouse=True)
def _fresh_capabilities():
    models.forget_capabilities()
    yield
    models.forget_capabilities()


def message_bodies(fake):
    return [b for b in fake.message_requests if "compaction" not in b]


def test_thirty_turns_with_a_small_budget_and_flags_toggled_need_no_refused_request(api_env, monkeypatch):
    """Every third turn proposes a 60-table schema (~5,000 tokens); the budget holds about five of them. Midway the
    user turns tools off, enables bash and switches agent; each restart is said, nothing sent is ever edited."""
    monkeypatch.setenv("WORKBENCH_CONTEXT_BUDGET", "30000")
    api_env.context_window = 40_000
    ddl = synthetic_ddl(60)
    design = Design("long")
    other_agent = AgentDefinition(name="reviewer", description="d", system_prompt="You review designs.")
    statuses, notices = [], []
    for i in range(30):
        use_tools = not (10 <= i < 13)
        bash = 15 <= i < 20
        agent = other_agent if i >= 25 else None
        if i % 3 == 0 and use_tools:
            variant = ddl.replace("varchar(120)", f"varchar({121 + i})", 1)
            api_env.enqueue(Reply.tool_call("propose_schema", {"ddl": variant, "dialect": "postgres"},
                                            text=f"Version for turn {i}."), Reply.text(f"Stored turn {i}."))
        else:
            api_env.enqueue(Reply.text(f"Turn {i}: " + "we keep writes on the primary; " * 40))
        rec = Notices()
        result = Architect(design, bash=bash, agent=agent).ask(f"Turn {i}: go on. " + "Details. " * 30,
                                                                renderer=rec, use_tools=use_tools)
        statuses.append(result.status)
        notices += rec.notices
    assert statuses == ["ok"] * 30
    assert api_env.refused == [] and api_env.dropped == 0
    assert api_env.compactions >= 2
    assert sum("starts a new conversation" in n for n in notices) == 1  # the agent change, said once
    bodies = message_bodies(api_env)
    assert all(prompt_tokens(b) <= 40_000 for b in bodies)
    assert all(b["thinking"]["block_binding"] == {"prefix_mismatch_behavior": "error"} for b in bodies)
    assert any(b.get("tool_choice") == {"type": "none"} for b in bodies)
    assert len(design.latest("schema")["body"]["ddl"]) >= len(ddl)
    text = design.history_markdown(conversation=1)
    assert "Turn 0: go on" in text and "Turn 24: go on" in text
    assert "> *thinking*" in text and "> *the conversation was compacted here" in text  # shown, quoted


def test_a_restarted_kernel_sends_the_stored_conversation_byte_for_byte(api_env):
    api_env.enqueue(Reply.tool_call("propose_schema", {"ddl": "CREATE TABLE a (id bigint PRIMARY KEY);",
                                                       "dialect": "postgres"}, text="Proposing."),
                    Reply.text("Stored."), Reply.text("Second turn."))
    Architect("restart").ask("first")
    Architect(Design("restart")).ask("second")  # a new process would build it from the store the same way
    first, second, third = api_env.message_requests
    sent = third["messages"]
    assert sent[:3] == [_plain(m) for m in second["messages"][:3]] or api_env.refused == []
    assert api_env.refused == [] and any(b["type"] == "thinking" for b in sent[1]["content"])


def _plain(message):
    return {"role": message["role"], "content": [{k: v for k, v in b.items() if k != "cache_control"}
                                                 for b in message["content"]]}


def test_a_hundred_table_schema_in_one_call_is_stored_whole(api_env):
    ddl = synthetic_ddl(100)
    assert len(ddl) > 45_000  # ~13,000 output tokens: over the old fixed max_tokens of 8,192
    api_env.enqueue(Reply.tool_call("propose_schema", {"ddl": ddl, "dialect": "postgres"}), Reply.text("Stored."))
    result = Architect("big").ask("the whole schema")
    assert result.status == "ok" and api_env.refused == []
    assert api_env.message_requests[0]["max_tokens"] == models.CATALOGUE["claude-sonnet-5-5"].max_output
    assert len(Design("big").schema().tables) == 100


def test_a_low_max_tokens_that_cuts_a_call_is_raised_to_the_models_limit_and_the_call_is_not_run(api_env,
                                                                                                 monkeypatch):
    monkeypatch.setenv("WORKBENCH_MAX_TOKENS", "1000")
    big = {"ddl": synthetic_ddl(12), "dialect": "postgres"}
    api_env.enqueue(Reply.tool_call("propose_schema", big), Reply.tool_call("propose_schema", big),
                    Reply.text("Stored."))
    rec = Notices()
    result = Architect("cut").ask("schema", renderer=rec)
    first, second, _ = api_env.message_requests
    assert first["max_tokens"] == 1000 and second["max_tokens"] == models.CATALOGUE["claude-sonnet-5-5"].max_output
    assert [c.name for c in result.tool_calls] == ["propose_schema"]  # once: the cut call never ran
    assert any("max_tokens" in n and "asking again" in n for n in rec.notices)
    assert api_env.refused == []


def test_a_call_cut_at_the_models_own_limit_is_not_run_and_the_agent_is_asked_to_split(api_env):
    api_env.models["claude-sonnet-5-5"] = models.replace(models.CATALOGUE["claude-sonnet-5-5"], max_output=3000)
    big = {"ddl": synthetic_ddl(40), "dialect": "postgres"}
    small = {"ddl": "CREATE TABLE a (id bigint PRIMARY KEY);", "dialect": "postgres"}
    api_env.enqueue(Reply.tool_call("propose_schema", big), Reply.tool_call("propose_schema", small),
                    Reply.text("Split and stored."))
    rec = Notices()
    result = Architect("split").ask("schema", renderer=rec)
    assert result.status == "ok" and [c.input["ddl"] for c in result.tool_calls] == [small["ddl"]]
    assert any("not run" in n and "split" in n for n in rec.notices)
    note = api_env.message_requests[1]["messages"][-1]["content"][-1]["text"]
    assert "cut off at the output limit" in note and "smaller parts" in note
    assert api_env.refused == [] and "a" in Design("split").schema().tables


def test_a_refusal_shows_its_details_and_leaves_the_turn_out_of_later_requests(api_env):
    api_env.enqueue(Reply.text("Fine."), Reply.refusal(category="cyber", explanation="Declined.", text="I won't"),
                    Reply.text("Back to the schema."))
    a = Architect("refused")
    a.ask("first")
    rec = Notices()
    result = a.ask("the refused request", renderer=rec)
    assert result.status == "refusal" and result.stop_details["category"] == "cyber"
    assert any("category: cyber" in n and "Declined." in n for n in rec.notices)
    assert a.ask("next").status == "ok"
    later = str(api_env.message_requests[-1]["messages"])
    assert "the refused request" not in later and "I won't" not in later and "first" in later
    assert "the refused request" in Design("refused").history_markdown()  # kept in the history
    assert api_env.refused == []


def test_pause_turn_is_sent_back_and_the_turn_goes_on(api_env):
    api_env.enqueue(Reply(blocks=[{"type": "text", "text": "Working on it."}], stop_reason="pause_turn"),
                    Reply.text("Finished."))
    result = Architect("paused").ask("long job")
    assert result.status == "ok" and result.text.endswith("Finished.")
    second = api_env.message_requests[1]["messages"]
    assert second[-1]["role"] == "assistant" and api_env.refused == []


@pytest.mark.parametrize("limit", ["window", "bytes"])
def test_a_request_over_the_window_or_the_size_limit_is_compacted_and_retried_once(api_env, monkeypatch, limit):
    monkeypatch.setenv("WORKBENCH_CONTEXT_BUDGET", "900000")
    a = Architect("toolong")
    for i in range(3):
        api_env.enqueue(Reply.text(f"Answer {i}: " + "detail " * 800))
        a.ask(f"turn {i}")
    import json

    last = api_env.message_requests[-1]
    if limit == "window":  # the next request (one more turn) is over the window
        api_env.context_window = prompt_tokens(last) + 300
    else:
        api_env.max_request_bytes = len(json.dumps(last)) + 1500
    api_env.enqueue(Reply.text("Still here."))
    rec = Notices()
    result = a.ask("one more", renderer=rec)
    assert result.status == "ok" and result.text == "Still here."
    assert any("too long" in n for n in rec.notices) and any(n.startswith("Compacted") for n in rec.notices)
    assert [status for status, _ in api_env.refused][:1] == [400 if limit == "window" else 413]


def test_an_error_event_before_any_content_is_retried(api_env):
    api_env.enqueue(Reply.text("x", error_after=0), Reply.text("Fine now."))
    rec = Notices()
    result = Architect("event").ask("hi", renderer=rec)
    assert result.text == "Fine now." and any("retrying" in n for n in rec.notices)


def test_an_unknown_model_names_the_valid_ids(api_env):
    with pytest.raises(ModelError) as info:
        Architect("nomodel", model="claude-nope-9").ask("hi")
    assert "claude-nope-9" in str(info.value) and "claude-sonnet-5-5" in str(info.value.hint)


def test_thinking_streams_to_the_console_and_its_tokens_reach_the_footer(api_env, capsys):
    api_env.enqueue(Reply.text("Answer.", thinking="First I compare the two indexes."))
    result = Architect("thinks").ask("hi", renderer=ConsoleRenderer())
    out = capsys.readouterr().out
    assert "… thinking" in out and "│ First I compare the two indexes." in out
    assert result.usage.thinking_tokens > 0 and "thinking)" in result.footer()
    stored = Design("thinks").messages()[1]["content"][0]
    assert stored["type"] == "thinking" and stored["signature"]


def test_the_agent_files_fields_shape_the_requests(api_env, tmp_path):
    path = tmp_path / "strict.md"
    path.write_text("---\nname: strict\ndescription: d\ntools: []\nmaxTurns: 1\neffort: low\ncolor: blue\n---\n"
                    "You answer in prose.\n")
    api_env.enqueue(Reply.text("Prose."))
    rec = Notices()
    result = Architect("fields", agent=str(path)).ask("hi", renderer=rec)
    body = api_env.message_requests[0]
    assert "tools" not in body and body["output_config"] == {"effort": "low"}
    assert any("`color` is read but not applied" in n for n in rec.notices)
    assert result.status == "ok"
    limited = AgentDefinition.from_text("---\nname: mcp\ndescription: d\ntools: Read, mcp__workbench__lint\n"
                                        "disallowedTools: Read\n---\nbody")
    api_env.enqueue(Reply.text("ok"))
    Architect("fields2", agent=limited).ask("hi")
    assert [t["name"] for t in api_env.message_requests[1]["tools"]] == ["lint"]


def test_the_api_conformance_script_passes_against_the_fake(fake, monkeypatch, capsys):
    """scripts/api_conformance.py runs its scenarios against the API for a user with a key; here against the
    fake, so the script keeps working. The responder plays a model that follows the scenario's prompt."""
    import importlib.util

    def responder(body):
        last = body["messages"][-1]["content"]
        if any(b.get("type") == "tool_result" for b in last if isinstance(b, dict)):
            return Reply.text("done")
        prompt = " ".join(b.get("text", "") for b in last if isinstance(b, dict))
        if "propose_schema" in prompt:
            return Reply.tool_call("propose_schema", {"ddl": synthetic_ddl(12), "dialect": "postgres"})
        return Reply.text("A trade-off: " + "shorter codes collide sooner; " * 60)

    fake.responder = responder
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdef")
    spec = importlib.util.spec_from_file_location("api_conformance", PROJECT / "scripts" / "api_conformance.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--base-url", fake.base_url]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "4 passed, 0 failed" in out
    assert fake.refused == [] and fake.compactions >= 1


def test_a_refusal_after_a_compaction_keeps_the_summary_the_conversation_starts_from(api_env, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CONTEXT_BUDGET", "6000")
    a = Architect("refused-after-compaction")
    for i in range(3):
        api_env.enqueue(Reply.text(f"Answer {i}: " + "we shard by tenant; " * 120))
        a.ask(f"turn {i}")
    api_env.enqueue(Reply.refusal(category="cyber", explanation="Declined.", text="No."))
    rec = Notices()
    assert a.ask("the refused request " + "with detail " * 200, renderer=rec).status == "refusal"
    assert any(n.startswith("Compacted") for n in rec.notices)  # compacted at the start of the refused turn
    api_env.enqueue(Reply.text("Back on track."))
    assert a.ask("next").status == "ok"
    sent = api_env.message_requests[-1]["messages"]
    assert sent[0]["content"][0]["type"] == "compaction"  # the summary stays
    assert "the refused request" not in str(sent)  # neither the prompt nor the summary holds the refused turn
    assert api_env.refused == []


def test_calls_finished_before_a_cut_one_run_and_their_results_go_back(api_env):
    api_env.models["claude-sonnet-5-5"] = models.replace(models.CATALOGUE["claude-sonnet-5-5"], max_output=3000)
    small = {"ddl": "CREATE TABLE a (id bigint PRIMARY KEY);", "dialect": "postgres"}
    big = {"ddl": synthetic_ddl(40), "dialect": "postgres"}
    api_env.enqueue(Reply.tool_calls([("propose_schema", small), ("propose_schema", big)]), Reply.text("Done."))
    result = Architect("cut-two").ask("schema")
    assert result.status == "ok" and [c.input["ddl"] for c in result.tool_calls] == [small["ddl"]]
    answer = api_env.message_requests[1]["messages"][-1]["content"]
    assert answer[0]["type"] == "tool_result" and answer[-1]["type"] == "text"  # result first, then the note
    assert api_env.refused == []


def test_the_scripted_model_and_the_real_api_never_share_a_conversation(api_env, tmp_path):
    script = tmp_path / "s.yaml"
    script.write_text("turns:\n  - steps:\n      - text: Scripted hello.\n")
    monkey_key = __import__("os").environ.pop("ANTHROPIC_API_KEY")
    try:
        assert Architect("switch", script=script).ask("hello").status == "ok"
    finally:
        __import__("os").environ["ANTHROPIC_API_KEY"] = monkey_key
    api_env.enqueue(Reply.text("Real answer."))
    rec = Notices()
    assert Architect("switch").ask("now for real", renderer=rec).status == "ok"
    assert any("starts a new conversation" in n for n in rec.notices)
    assert "Scripted hello" not in str(api_env.message_requests[-1]["messages"]) and api_env.refused == []


def test_requests_to_bedrock_name_the_model_as_bedrock_does(monkeypatch):
    from workbench.agent.session import _Settings, build_request

    cfg = _Settings(model="claude-sonnet-5-5", info=models.CATALOGUE["claude-sonnet-5-5"],
                    system=[{"type": "text", "text": "s"}], tool_defs=[], use_tools=True, effort=None,
                    max_tokens=100, max_steps=1, budget=1.0)
    history = [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert build_request(cfg, history)["model"] == "claude-sonnet-5-5"
    monkeypatch.setenv("CLAUDE_CODE_USE_BEDROCK", "1")
    assert build_request(cfg, history)["model"] == "anthropic.claude-sonnet-5-5"
