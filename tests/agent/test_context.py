"""A design survives its own length: requests stay under the budget, the cached prefix stays stable."""

from __future__ import annotations

import json

import pytest

from workbench.agent.context import Context, ContextState, summary_text
from workbench.agent.fake import prompt_tokens
from workbench.agent.session import Architect
from workbench.design.aggregate import Design
from workbench.testing import Reply
from workbench.testing.synthetic import synthetic_ddl

BUDGET = 30_000


def turn(i: int, ddl: str) -> list[dict]:
    prompt = {"role": "user", "content": [{"type": "text", "text": "<design-state>\nDesign: d\n</design-state>"},
                                          {"type": "text", "text": f"Turn {i}: change the schema."}]}
    use = {"role": "assistant", "content": [{"type": "text", "text": f"Version {i}."},
                                            {"type": "tool_use", "id": f"toolu_{i}", "name": "propose_schema",
                                             "input": {"ddl": ddl, "dialect": "postgres"}}]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{i}",
                                           "content": f"Stored as version {i} of schema 'main'.\n" + "x" * 2000}]}
    done = {"role": "assistant", "content": [{"type": "text", "text": f"Stored version {i}."}]}
    return [prompt, use, result, done]


def history(turns: int, ddl: str) -> list[dict]:
    out = []
    for i in range(1, turns + 1):
        out += turn(i, ddl)
    for number, message in enumerate(out, 1):
        message["id"] = number
    return out


def test_compaction_keeps_the_newest_version_whole_and_the_prefix_byte_identical():
    ddl = synthetic_ddl(30)
    saved = []
    context = Context(BUDGET, ContextState(), save=lambda state: saved.append(state.to_dict()))
    messages = history(12, ddl)
    first = context.fit(messages, 2_000)
    assert saved and context.last_tokens <= BUDGET
    ddls = [b["input"]["ddl"] for m in first for b in m["content"] if b.get("type") == "tool_use"]
    assert ddls[-1] == ddl and all(d.startswith("[schema main: an earlier version") for d in ddls[:-1])
    # the next turn: new messages after the compaction point; the compacted prefix is unchanged
    more = messages + history(13, ddl)[-4:]
    more[-4:] = [{**m, "id": 100 + k} for k, m in enumerate(more[-4:])]
    again = Context(BUDGET, ContextState.from_dict(saved[-1])).fit(more[:-4], 2_000)
    assert json.dumps(again) == json.dumps(first)
    later = Context(BUDGET, ContextState.from_dict(saved[-1])).view(more)
    assert json.dumps(later[: len(first)]) == json.dumps(first)


def test_a_summary_replaces_the_oldest_turns_and_carries_the_newest_artifacts():
    ddl = synthetic_ddl(30)
    messages = history(200, ddl)
    context = Context(BUDGET, ContextState())
    view = context.fit(messages, 2_000)
    assert context.last_tokens <= BUDGET
    summary = view[0]["content"][0]["text"]
    assert summary.startswith("<conversation-summary>") and "Turn 1. Asked: Turn 1: change the schema." in summary
    assert view[-1] == {"role": messages[-1]["role"], "content": messages[-1]["content"]}  # the newest turn, whole
    text = summary_text(messages[:8])
    assert "--- schema main (propose_schema) ---" in text and ddl in text


def test_three_hundred_turns_with_large_ddl_stay_under_the_budget(api_env, monkeypatch):
    """Every fifth turn proposes a 60-table schema (~20,000 characters, a quarter of the budget); the others ask
    and answer at length. Sent whole, the conversation would pass the fake's window by turn 10."""
    monkeypatch.setenv("WORKBENCH_CONTEXT_BUDGET", str(BUDGET))
    api_env.context_window = BUDGET + 2_000  # the fake refuses longer prompts, as the API does
    ddl = synthetic_ddl(60)
    design = Design("long")
    architect = Architect(design)
    statuses = []
    answer = "We keep the write path on the primary and serve reads from replicas; " * 20
    for i in range(300):
        if i % 5 == 0:
            variant = ddl.replace("varchar(120)", f"varchar({121 + i})", 1)
            api_env.enqueue(Reply.tool_call("propose_schema", {"ddl": variant, "dialect": "postgres"},
                                            text=f"Version {i // 5 + 1}."),
                            Reply.text(f"Stored; {answer}"))
        else:
            api_env.enqueue(Reply.text(f"Turn {i + 1}: {answer}"))
        statuses.append(architect.ask(f"Turn {i + 1}: what about the read path? " + "Details. " * 30).status)
    assert statuses == ["ok"] * 300
    sizes = [prompt_tokens(r.body) for r in api_env.requests if r.path.split("?")[0] == "/v1/messages"]
    assert len(sizes) == 360 and max(sizes) <= BUDGET
    usage = design.usage()
    assert usage.cache_hit_rate >= 0.6, usage
    assert len(design.latest("schema")["body"]["ddl"]) == len(ddl)  # every version stored whole
    history_text = design.history_markdown()
    assert "Turn 1: what about" in history_text and "Turn 300: what about" in history_text
    print(f"largest request {max(sizes):,} tokens; cache hit rate {usage.cache_hit_rate:.2f}")


@pytest.mark.parametrize("budget", [BUDGET])
def test_without_fitting_the_same_design_would_be_refused(api_env, monkeypatch, budget):
    """The check the fitting is needed: ten big turns already exceed the fake's window when sent whole."""
    ddl = synthetic_ddl(60)
    messages = history(10, ddl)
    whole = {"model": "m", "max_tokens": 1, "messages": [{"role": m["role"], "content": m["content"]}
                                                         for m in messages]}
    assert prompt_tokens(whole) > budget
