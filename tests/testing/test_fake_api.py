"""The fake must behave like the API where the workbench depends on it; checked with the real SDK."""

import json

import anthropic
import pytest

from workbench.testing import FakeAnthropic, Reply

from ..conftest import KEY

TOOLS = [{"name": "echo", "description": "e", "input_schema": {"type": "object"}}]


def client(fake, **kw):
    return anthropic.Anthropic(api_key=KEY, base_url=fake.base_url, **kw)


def test_sdk_sends_bearer_auth_and_streams_text(fake):
    fake.enqueue(Reply.text("Hello there, designer."))
    chunks = []
    with client(fake).messages.stream(model="claude-sonnet-4-5", max_tokens=50,
                                      messages=[{"role": "user", "content": "hi"}]) as stream:
        for event in stream:
            if event.type == "text":
                chunks.append(event.text)
        message = stream.get_final_message()
    assert fake.requests[-1].headers["Authorization"] == f"Bearer {KEY}"
    assert len(chunks) > 1 and "".join(chunks) == "Hello there, designer."
    assert message.stop_reason == "end_turn"
    assert message.usage.cache_read_input_tokens == 0


def test_tool_input_arrives_split_mid_token(fake):
    payload = {"statement": "CREATE TABLE links (id bigint primary key)", "n": [1, 2, 3]}
    fake.enqueue(Reply.tool_call("echo", payload, json_chunk=5))
    pieces = []
    with client(fake).messages.stream(model="claude-sonnet-4-5", max_tokens=50, tools=TOOLS,
                                      messages=[{"role": "user", "content": "hi"}]) as stream:
        for event in stream:
            if event.type == "input_json":
                pieces.append(event.partial_json)
        message = stream.get_final_message()
    assert "".join(pieces) == json.dumps(payload)
    assert any(not _is_json_token_boundary(p) for p in pieces)
    assert message.content[0].input == payload and message.stop_reason == "tool_use"


def _is_json_token_boundary(piece):
    try:
        json.loads(piece)
        return True
    except ValueError:
        return False


def test_wrong_key_is_401(fake):
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(api_key="sk-wrong", base_url=fake.base_url).messages.create(
            model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": "x"}])


def test_429_with_retry_after_ms_is_retried_by_the_sdk(fake):
    fake.enqueue(Reply.http_error(429, retry_after_ms=20), Reply.http_error(529, retry_after_ms=20), Reply.text("ok"))
    message = client(fake, max_retries=2).messages.create(model="claude-sonnet-4-5", max_tokens=5,
                                                          messages=[{"role": "user", "content": "x"}])
    assert message.content[0].text == "ok"
    assert len(fake.message_requests) == 3


def test_unanswered_tool_use_is_rejected_like_the_api(fake):
    messages = [{"role": "user", "content": "x"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "echo", "input": {}}]},
                {"role": "user", "content": [{"type": "text", "text": "next"}]}]
    with pytest.raises(anthropic.BadRequestError) as info:
        client(fake).messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=messages, tools=TOOLS)
    assert "t1" in str(info.value)


def test_empty_text_and_too_many_breakpoints_are_rejected(fake):
    with pytest.raises(anthropic.BadRequestError):
        client(fake).messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[
            {"role": "user", "content": [{"type": "text", "text": " "}]}])
    blocks = [{"type": "text", "text": f"b{i}", "cache_control": {"type": "ephemeral"}} for i in range(5)]
    with pytest.raises(anthropic.BadRequestError):
        client(fake).messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": blocks}])


def test_prompt_cache_reads_a_prefix_that_ended_at_an_earlier_breakpoint(fake):
    fake.enqueue(Reply.text("one"), Reply.text("two"))
    system = [{"type": "text", "text": "S" * 4000, "cache_control": {"type": "ephemeral"}}]
    first = [{"role": "user", "content": [{"type": "text", "text": "Q" * 400, "cache_control": {"type": "ephemeral"}}]}]
    m1 = client(fake).messages.create(model="claude-sonnet-4-5", max_tokens=5, system=system, messages=first)
    assert m1.usage.cache_read_input_tokens == 0 and m1.usage.cache_creation_input_tokens > 1000
    second = [{"role": "user", "content": [{"type": "text", "text": "Q" * 400}]},
              {"role": "assistant", "content": [{"type": "text", "text": "one"}]},
              {"role": "user", "content": [{"type": "text", "text": "more", "cache_control": {"type": "ephemeral"}}]}]
    m2 = client(fake).messages.create(model="claude-sonnet-4-5", max_tokens=5, system=system, messages=second)
    assert m2.usage.cache_read_input_tokens == m1.usage.cache_creation_input_tokens
    assert 0 < m2.usage.cache_creation_input_tokens < 100


def test_responder_answers_when_the_queue_is_empty():
    with FakeAnthropic(lambda body: Reply.text(f"{len(body['messages'])} messages")) as fake:
        message = anthropic.Anthropic(api_key="x", base_url=fake.base_url).messages.create(
            model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert message.content[0].text == "1 messages"
