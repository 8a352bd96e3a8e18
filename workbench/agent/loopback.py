"""A loopback fake of the Anthropic Messages API, for tests and for the scripted demo model.

The real `anthropic` SDK talks to it over HTTP on 127.0.0.1:

    with FakeAnthropic() as fake:
        fake.enqueue(Reply.text("Hello"))
        client = anthropic.Anthropic(api_key="test", base_url=fake.base_url)

It streams Server-Sent Events the way the API does (text deltas, `tool_use` blocks whose
`input_json_delta` pieces split the JSON mid-token, usage with cache fields), answers
errors with the API's error bodies and `retry-after-ms`, and can misbehave on purpose:
a mid-stream `error` event, a dropped connection, a slow first token.

It also checks what the real API checks and a client can get wrong: every `tool_use`
answered by a `tool_result` right after it, tool results first in their message,
no empty text blocks, at most four cache breakpoints. Prompt caching is simulated from
the `cache_control` breakpoints, so a test can see whether earlier turns are read from cache.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeAnthropic", "Reply", "RecordedRequest", "count_tokens", "prompt_tokens"]

_ids = itertools.count(1)


def count_tokens(obj: Any) -> int:
    """A stable stand-in for a tokenizer: about four characters per token."""
    text = obj if isinstance(obj, str) else json.dumps(obj, sort_keys=True, ensure_ascii=False)
    return max(1, math.ceil(len(text) / 4))


def prompt_tokens(body: dict) -> int:
    """The input tokens of a request as the fake counts them: system, tools and messages, block by block
    (the same count its prompt cache uses)."""
    return sum(count_tokens(block) for block, _ in _PromptCache._flatten(body))


@dataclass
class Reply:
    """One answer of the fake: content blocks, or an HTTP error, plus how to deliver it."""

    blocks: list[dict] = field(default_factory=list)
    stop_reason: str | None = None
    status: int = 200
    error_type: str | None = None
    error_message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error_after: int | None = None      # send an SSE `error` event after this many content events
    drop_after: int | None = None       # close the connection after this many content events
    first_token_delay: float = 0.0      # seconds between message_start and the first delta
    delay: float = 0.0                  # seconds between deltas
    text_chunk: int = 12                # characters per text delta
    json_chunk: int = 7                 # characters per input_json_delta (splits tokens)

    @classmethod
    def text(cls, text: str, **kw: Any) -> Reply:
        """A plain text answer that ends the turn."""
        return cls(blocks=[{"type": "text", "text": text}], **kw)

    @classmethod
    def tool_call(cls, name: str, input: dict, *, text: str | None = None, **kw: Any) -> Reply:
        """An answer that calls one tool, optionally after some text."""
        blocks = [{"type": "text", "text": text}] if text else []
        blocks.append({"type": "tool_use", "id": f"toolu_{next(_ids):06d}", "name": name, "input": input})
        return cls(blocks=blocks, **kw)

    @classmethod
    def tool_calls(cls, calls: list[tuple[str, dict]], *, text: str | None = None, **kw: Any) -> Reply:
        """An answer that calls several tools at once."""
        blocks = [{"type": "text", "text": text}] if text else []
        for name, inp in calls:
            blocks.append({"type": "tool_use", "id": f"toolu_{next(_ids):06d}", "name": name, "input": inp})
        return cls(blocks=blocks, **kw)

    @classmethod
    def http_error(cls, status: int, message: str = "", *, retry_after_ms: int | None = None) -> Reply:
        """An HTTP error with the API's error body."""
        kinds = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                 500: "api_error", 529: "overloaded_error"}
        headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
        return cls(status=status, error_type=kinds.get(status, "api_error"),
                   error_message=message or kinds.get(status, "error"), headers=headers)


@dataclass
class RecordedRequest:
    """A request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict | None


Responder = Callable[[dict], Reply]


class _Problem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate_messages_request(body: dict) -> None:
    """Raise _Problem for what the real API rejects with 400 and a client could get wrong."""
    for key in ("model", "max_tokens", "messages"):
        if key not in body:
            raise _Problem(f"{key}: Field required")
    messages = body["messages"]
    if not messages or messages[0].get("role") != "user":
        raise _Problem("messages: first message must use the \"user\" role")
    breakpoints = 0
    for tool in body.get("tools") or []:
        breakpoints += "cache_control" in tool
    system = body.get("system")
    if isinstance(system, list):
        breakpoints += sum("cache_control" in b for b in system)
    pending: list[str] = []
    for i, msg in enumerate(messages):
        content = msg.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
        if not blocks:
            raise _Problem(f"messages.{i}: all messages must have non-empty content")
        breakpoints += sum("cache_control" in b for b in blocks)
        for j, block in enumerate(blocks):
            if block.get("type") == "text" and not str(block.get("text", "")).strip():
                raise _Problem(f"messages.{i}.content.{j}.text: text content blocks must contain non-whitespace text")
        if pending:
            results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
            missing = [p for p in pending if p not in results]
            if msg.get("role") != "user" or missing:
                raise _Problem(f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                               f"immediately after: {', '.join(missing or pending)}. Each `tool_use` block "
                               "must have a corresponding `tool_result` block in the next message.")
            first_other = next((k for k, b in enumerate(blocks) if b.get("type") != "tool_result"), len(blocks))
            if any(b.get("type") == "tool_result" for b in blocks[first_other:]):
                raise _Problem(f"messages.{i}: tool_result blocks must come first in the content")
            pending = []
        if msg.get("role") == "assistant":
            pending = [b["id"] for b in blocks if b.get("type") == "tool_use"]
        elif msg.get("role") == "user" and any(b.get("type") == "tool_result" for b in blocks) and i > 0:
            prev = messages[i - 1]
            prev_ids = {b.get("id") for b in (prev.get("content") or []) if isinstance(b, dict)}
            unknown = [b.get("tool_use_id") for b in blocks
                       if b.get("type") == "tool_result" and b.get("tool_use_id") not in prev_ids]
            if unknown:
                raise _Problem(f"messages.{i}: unexpected `tool_use_id` in `tool_result` blocks: "
                               f"{', '.join(map(str, unknown))}")
    if breakpoints > 4:
        raise _Problem(f"A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}.")


class _PromptCache:
    """Simulated prompt caching: prefixes ending at a breakpoint are cached and read back."""

    LOOKBACK = 20

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()

    @staticmethod
    def _flatten(body: dict) -> list[tuple[dict, bool]]:
        blocks: list[tuple[dict, bool]] = []
        for tool in body.get("tools") or []:
            blocks.append(({k: v for k, v in tool.items() if k != "cache_control"}, "cache_control" in tool))
        system = body.get("system")
        if isinstance(system, str):
            blocks.append(({"type": "text", "text": system}, False))
        elif isinstance(system, list):
            for b in system:
                blocks.append(({k: v for k, v in b.items() if k != "cache_control"}, "cache_control" in b))
        for msg in body.get("messages") or []:
            content = msg["content"]
            items = [{"type": "text", "text": content}] if isinstance(content, str) else content
            for b in items:
                clean = {k: v for k, v in b.items() if k != "cache_control"}
                blocks.append(({"role": msg["role"], **clean}, "cache_control" in b))
        return blocks

    def usage(self, body: dict) -> dict[str, int]:
        blocks = self._flatten(body)
        tokens = [count_tokens(b) for b, _ in blocks]
        digests, h = [], hashlib.sha256()
        for b, _ in blocks:
            h.update(json.dumps(b, sort_keys=True).encode())
            digests.append(h.copy().hexdigest())
        breakpoints = [i for i, (_, bp) in enumerate(blocks) if bp]
        with self._lock:
            read_end = -1
            for bp in breakpoints:
                for j in range(bp, max(-1, bp - self.LOOKBACK), -1):
                    if digests[j] in self._known:
                        read_end = max(read_end, j)
                        break
            last_bp = breakpoints[-1] if breakpoints else -1
            for bp in breakpoints:
                self._known.add(digests[bp])
        read = sum(tokens[: read_end + 1])
        written = sum(tokens[read_end + 1: last_bp + 1]) if last_bp > read_end else 0
        uncached = sum(tokens[max(read_end, last_bp) + 1:])
        return {"input_tokens": uncached, "cache_read_input_tokens": read, "cache_creation_input_tokens": written}


class FakeAnthropic:
    """A Messages API on a loopback port. Use as a context manager or call start()/stop().

    Answers come from the queue (`enqueue`) or, when the queue is empty, from `responder`
    (a function of the request body). `requests` records everything received.
    """

    def __init__(self, responder: Responder | None = None, *, api_key: str | None = None,
                 host: str = "127.0.0.1", port: int = 0, context_window: int | None = None) -> None:
        self.responder = responder
        self.api_key = api_key
        self.context_window = context_window  # refuse longer prompts like the API ("prompt is too long")
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Reply] = deque()
        self._cache = _PromptCache()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeAnthropic:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name="fake-anthropic", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting -------------------------------------------------------------------------
    def enqueue(self, *replies: Reply) -> FakeAnthropic:
        """Answer the next requests with these replies, in order."""
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def pending(self) -> int:
        """Replies enqueued but not yet sent."""
        return len(self._queue)

    @property
    def message_requests(self) -> list[dict]:
        """Bodies of the POST /v1/messages requests received."""
        return [r.body for r in self.requests if r.path.startswith("/v1/messages") and r.body is not None]

    def _next_reply(self, body: dict) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(body)
        return Reply.http_error(500, "FakeAnthropic has no reply queued for this request")

    # -- HTTP ------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                fake.requests.append(RecordedRequest("GET", self.path, dict(self.headers), None))
                if self.path.startswith("/v1/models"):
                    from ..agent.models import known_models

                    data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                            for m in known_models()]
                    self._json(200, {"data": data, "has_more": False, "first_id": None, "last_id": None})
                else:
                    self._error(404, "not_found_error", f"Not found: {self.path}")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    fake.requests.append(RecordedRequest("POST", self.path, dict(self.headers), None))
                    self._error(400, "invalid_request_error", "Request body is not valid JSON")
                    return
                fake.requests.append(RecordedRequest("POST", self.path, dict(self.headers), body))
                if not self.path.startswith("/v1/messages"):
                    self._error(404, "not_found_error", f"Not found: {self.path}")
                    return
                if fake.api_key is not None and not self._authorised():
                    self._error(401, "authentication_error", "invalid x-api-key")
                    return
                if self.path.startswith("/v1/messages/count_tokens"):
                    self._json(200, {"input_tokens": prompt_tokens(body)})
                    return
                try:
                    validate_messages_request(body)
                except _Problem as problem:
                    self._error(400, "invalid_request_error", problem.message)
                    return
                tokens = prompt_tokens(body)
                if fake.context_window is not None and tokens > fake.context_window:
                    self._error(400, "invalid_request_error",
                                f"prompt is too long: {tokens} tokens > {fake.context_window} maximum")
                    return
                reply = fake._next_reply(body)
                if reply.status != 200:
                    self._error(reply.status, reply.error_type or "api_error",
                                reply.error_message or "error", reply.headers)
                    return
                usage = fake._cache.usage(body)
                if body.get("stream"):
                    self._stream(body, reply, usage)
                else:
                    self._json(200, _message(body, reply, usage, complete=True))

            def _authorised(self) -> bool:
                auth = self.headers.get("authorization", "")
                key = auth[7:] if auth.lower().startswith("bearer ") else self.headers.get("x-api-key", "")
                return key == fake.api_key

            def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", f"req_fake_{next(_ids):06d}")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
                self._json(status, {"type": "error", "error": {"type": kind, "message": message},
                                    "request_id": f"req_fake_{next(_ids):06d}"}, headers)

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _event(self, name: str, payload: dict) -> None:
                self._chunk(f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode())

            def _stream(self, body: dict, reply: Reply, usage: dict[str, int]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("transfer-encoding", "chunked")
                self.send_header("request-id", f"req_fake_{next(_ids):06d}")
                self.end_headers()
                start = _message(body, reply, usage, complete=False)
                self._event("message_start", {"type": "message_start", "message": start})
                self._event("ping", {"type": "ping"})
                if reply.first_token_delay:
                    time.sleep(reply.first_token_delay)
                sent = 0
                try:
                    for event_name, payload in _content_events(reply):
                        if reply.error_after is not None and sent >= reply.error_after:
                            self._event("error", {"type": "error", "error": {
                                "type": reply.error_type or "overloaded_error",
                                "message": reply.error_message or "Overloaded"}})
                            self._chunk(b"")
                            return
                        if reply.drop_after is not None and sent >= reply.drop_after:
                            self._drop()
                            return
                        self._event(event_name, payload)
                        sent += 1
                        if reply.delay and event_name == "content_block_delta":
                            time.sleep(reply.delay)
                    out = _output_tokens(reply)
                    self._event("message_delta", {"type": "message_delta",
                                                  "delta": {"stop_reason": _stop_reason(reply), "stop_sequence": None},
                                                  "usage": {"output_tokens": out}})
                    self._event("message_stop", {"type": "message_stop"})
                    self._chunk(b"")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (an interrupt); nothing to do

            def _drop(self) -> None:
                self.wfile.flush()
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.close_connection = True

        return Handler


def _stop_reason(reply: Reply) -> str:
    if reply.stop_reason:
        return reply.stop_reason
    return "tool_use" if any(b["type"] == "tool_use" for b in reply.blocks) else "end_turn"


def _output_tokens(reply: Reply) -> int:
    return sum(count_tokens(b.get("text") if b["type"] == "text" else b.get("input", {})) for b in reply.blocks)


def _message(body: dict, reply: Reply, usage: dict[str, int], *, complete: bool) -> dict:
    return {
        "id": f"msg_fake_{next(_ids):06d}", "type": "message", "role": "assistant",
        "model": body.get("model", "claude-fake"),
        "content": [dict(b) for b in reply.blocks] if complete else [],
        "stop_reason": _stop_reason(reply) if complete else None, "stop_sequence": None,
        "usage": {**usage, "output_tokens": _output_tokens(reply) if complete else 1},
    }


def _content_events(reply: Reply):
    for index, block in enumerate(reply.blocks):
        if block["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": {"type": "text", "text": ""}}
            text, step = block["text"], max(1, reply.text_chunk)
            for k in range(0, len(text), step):
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "text_delta", "text": text[k:k + step]}}
        elif block["type"] == "tool_use":
            yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": {
                "type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}}
            raw, step = json.dumps(block["input"]), max(1, reply.json_chunk)
            for k in range(0, len(raw), step):
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "input_json_delta", "partial_json": raw[k:k + step]}}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}


def main(argv: list[str] | None = None) -> None:
    """Serve the fake from its own process: every request gets the same text answer.

    python -m workbench.testing --words 3200 --chunk 4 [--delay 0.001] [--port 0]
    Prints the base URL on the first line, then serves until killed.
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=4, help="characters per text delta")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between deltas")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args(argv)
    answer = "word " * args.words
    fake = FakeAnthropic(lambda body: Reply.text(answer, text_chunk=args.chunk, delay=args.delay),
                         api_key=args.api_key, port=args.port)
    print(fake.base_url, flush=True)
    try:
        fake._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
