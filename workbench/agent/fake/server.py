"""A loopback fake of the Anthropic Messages API, as strict as the API, for tests and the scripted model.

The real `anthropic` SDK talks to it over HTTP on 127.0.0.1:

    with FakeAnthropic() as fake:
        fake.enqueue(Reply.text("Hello"))
        client = anthropic.Anthropic(api_key="test", base_url=fake.base_url)

What a Reply holds is what the model "writes"; the fake turns it into what the API returns for the
request that was sent:

- the model's own behaviour: a signed thinking block first when the model thinks (its default, or
  `thinking` asked for it), shown as the request's `display` says; on the models that do it, text
  written before a tool call arrives inside thinking; output cut at `max_tokens`
  (`stop_reason: max_tokens`, a tool call cut mid-input) or where the context window ends
  (`model_context_window_exceeded`); `output_tokens_details.thinking_tokens`; `stop_details` on a refusal;
- the API's checks (rules.py, binding.py), each with its 400 text: fields, models (404), `max_tokens`
  per model, removed sampling parameters, thinking and effort per model, tool names and Draft
  2020-12 input schemas, `tool_choice`, compaction parameters and betas, message order and tool
  pairing, prefill, four cache breakpoints, the prefix check of every thinking block sent back
  (or `drop_block`, reported in `input_transformations`), 413 above the request size, "prompt is
  too long" above the window;
- compaction: on-demand (`compaction` param: one signed compaction block, `stop_reason: compaction`,
  written by the fake's own summariser, not from the queue) and threshold (`context_management`
  `compact_20260112`: a compaction block first, then the answer); a later request that starts from a
  compaction block is counted and checked from there;
- the Models API (list, retrieve with `max_tokens`, `max_input_tokens`, `capabilities`) and
  `count_tokens` (the same checks);
- streaming as the API does it (thinking and signature deltas, `input_json_delta` split mid-token,
  usage with cache fields), errors with `retry-after-ms`, and misbehaviour on purpose (an `error`
  event mid-stream, a dropped connection, a slow first token).

`refused` lists every request the fake answered with an error of its own checks, and `dropped` counts
thinking blocks removed by `drop_block`: a test asserts both stay empty.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..models import CATALOGUE, ModelInfo
from . import binding, rules
from .binding import Chain, blocks_of
from .reply import ERROR_TYPES, Reply, count_tokens, next_id

__all__ = ["FakeAnthropic", "Reply", "RecordedRequest", "count_tokens", "prompt_tokens", "validate_messages_request"]

MAX_REQUEST_BYTES = 32 * 1024 * 1024
TEXT_AS_THINKING = {"claude-opus-5-5", "claude-sonnet-5-5"}  # their text between tool calls arrives as thinking
DEFAULT_THINKING = "Weighing the request against the design so far before answering."


def prompt_tokens(body: dict) -> int:
    """The input tokens of a request as the fake counts them: system, tools and the messages from the last
    compaction block on (the API ignores what a compaction replaced)."""
    return sum(count_tokens(block) for block, _ in _flatten(body))


def _flatten(body: dict) -> list[tuple[dict, bool]]:
    """(block, has a cache breakpoint) for tools, system and the counted messages, in request order."""
    out: list[tuple[dict, bool]] = []
    for tool in body.get("tools") or []:
        out.append(({k: v for k, v in tool.items() if k != "cache_control"}, "cache_control" in tool))
    system = body.get("system")
    if isinstance(system, str):
        out.append(({"type": "text", "text": system}, False))
    elif isinstance(system, list):
        for b in system:
            out.append(({k: v for k, v in b.items() if k != "cache_control"}, "cache_control" in b))
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") != "system"]
    start = _last_compaction(messages)
    for i, msg in enumerate(messages):
        for j, b in enumerate(blocks_of(msg)):
            if (i, j) < start:
                continue
            clean = {k: v for k, v in b.items() if k != "cache_control"}
            out.append(({"role": msg.get("role"), **clean}, "cache_control" in b))
    return out


def _last_compaction(messages: list[dict]) -> tuple[int, int]:
    found = [(i, j) for i, m in enumerate(messages) for j, b in enumerate(blocks_of(m)) if b.get("type") == "compaction"]
    return found[-1] if found else (-1, -1)


def validate_messages_request(body: dict, model: ModelInfo | None = None, betas: set[str] | None = None) -> None:
    """Raise rules.Problem for what the API refuses in this request (without the binding check)."""
    info = model or CATALOGUE.get(str(body.get("model"))) or CATALOGUE["claude-sonnet-5-5"]
    rules.check_request(rules.Request(body, betas or set(), info))


@dataclass
class RecordedRequest:
    """A request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict | None


Responder = Callable[[dict], Reply]


class _PromptCache:
    """Simulated prompt caching: prefixes ending at a breakpoint are cached and read back."""

    LOOKBACK = 20

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def usage(self, body: dict) -> dict[str, int]:
        blocks = _flatten(body)
        tokens = [count_tokens(b) for b, _ in blocks]
        digests, h = [], hashlib.sha256()
        for b, _ in blocks:
            h.update(binding.canonical(b).encode())
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


@dataclass
class _Answer:
    """A composed response: content blocks, stop reason and details, output and thinking tokens."""

    content: list[dict]
    stop_reason: str
    stop_details: dict | None
    output_tokens: int
    thinking_tokens: int
    cut_json: dict[int, str]  # block index → the partial input JSON of a tool call cut by a limit
    iterations: list[dict] | None = None
    transformations: list[dict] | None = None


class FakeAnthropic:
    """A Messages API on a loopback port. Use as a context manager or call start()/stop().

    Answers come from the queue (`enqueue`) or, when the queue is empty, from `responder`
    (a function of the request body). `requests` records everything received; `refused` the
    errors the fake's own checks gave ((status, message) pairs); `dropped` the thinking blocks
    removed under `drop_block`. `context_window` overrides every model's window (a small one makes
    "prompt is too long" and `model_context_window_exceeded` reachable in a test).
    """

    def __init__(self, responder: Responder | None = None, *, api_key: str | None = None,
                 host: str = "127.0.0.1", port: int = 0, context_window: int | None = None,
                 max_request_bytes: int = MAX_REQUEST_BYTES, models: dict[str, ModelInfo] | None = None) -> None:
        self.responder = responder
        self.api_key = api_key
        self.context_window = context_window
        self.max_request_bytes = max_request_bytes
        self.models = dict(models if models is not None else CATALOGUE)
        self.requests: list[RecordedRequest] = []
        self.refused: list[tuple[int, str]] = []
        self.dropped = 0
        self.compactions = 0
        self._queue: deque[Reply] = deque()
        self._paused: set[str] = set()  # digests of pause_turn answers: sending one back last is a continuation
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
        """Bodies of the POST /v1/messages requests received (not count_tokens)."""
        return [r.body for r in self.requests if r.method == "POST" and r.body is not None
                and r.path.split("?")[0] == "/v1/messages"]

    def _next_reply(self, body: dict) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(body)
        return Reply.http_error(500, "FakeAnthropic has no reply queued for this request")

    def window(self, model: ModelInfo) -> int:
        return self.context_window if self.context_window is not None else model.context_window

    # -- a request -------------------------------------------------------------------------
    def check(self, body: dict, headers: dict[str, str], path: str, *, count_only: bool = False):
        """Everything the API checks; returns (request, binding verdict) or raises rules.Problem."""
        model_id = str(body.get("model") or "")
        model = self.models.get(model_id)
        if model is None:
            if "model" not in body:
                raise rules.Problem("model: Field required")
            raise rules.Problem(f"model: {model_id}", status=404)
        req = rules.Request(body, rules.betas_of(headers, path), model)
        rules.check_request(req, count_only=count_only)
        verdict = binding.check(body, model.id)
        if verdict.compaction_problem:
            raise rules.Problem(verdict.compaction_problem)
        if verdict.tampered:
            i, j = verdict.tampered
            raise rules.Problem(f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block. Send thinking "
                                "blocks back exactly as the API returned them.")
        if not model.preserved_thinking:  # the prefix check is made by the models that preserve thinking only
            verdict.mismatched = []       # (preserved-thinking/prefix-checks: its supportedModels)
        failing = verdict.unreadable + verdict.mismatched
        if failing and rules.binding_behaviour(req) != "drop_block":
            i, j = failing[0]
            if (i, j) in verdict.unreadable:
                raise rules.Problem(f"messages.{i}.content.{j}: This `thinking` block was created by a model whose "
                                    f"reasoning {model.id} may not read. Remove the block, or set "
                                    "`thinking.block_binding.prefix_mismatch_behavior` to \"drop_block\".")
            raise rules.Problem(binding.mismatch_message(i, j, header=req.beta(rules.BETA_BINDING)))
        if not count_only and rules.ends_with_assistant(body) and model.preserved_thinking:
            last = [m for m in body["messages"] if isinstance(m, dict) and m.get("role") != "system"][-1]
            if _digest(blocks_of(last)) not in self._paused and not body.get("compaction"):
                raise rules.Problem(rules.PREFILL)
        tokens = prompt_tokens(body)
        if tokens > self.window(model):
            raise rules.Problem(f"prompt is too long: {tokens} tokens > {self.window(model)} maximum")
        return req, verdict

    def answer(self, req: rules.Request, verdict: binding.Verdict, reply: Reply) -> _Answer:
        """What the API would return for `req` when the model writes `reply` (see the module docstring)."""
        body, model = req.body, req.model
        frame = binding.frame_digest(body)
        chain = Chain(verdict.chain.value, verdict.chain.role)
        previous = verdict.previous_thinking
        content: list[dict] = []
        iterations = None
        tokens_in = prompt_tokens(body)
        management = [e for e in (body.get("context_management") or {}).get("edits") or []
                      if isinstance(e, dict) and e.get("type") == "compact_20260112"]
        if management:
            trigger = int(((management[0].get("trigger") or {}).get("value")) or 150_000)
            if tokens_in > trigger:
                summary = summarise(body, management[0].get("instructions"))
                content.append({"type": "compaction", "content": summary,
                                "signature": binding.sign_compaction(chain, summary, "threshold")})
                self.compactions += 1
                iterations = [{"type": "compaction", "input_tokens": tokens_in, "output_tokens": count_tokens(summary),
                               "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}]
                tokens_in = count_tokens(summary) + 8
        written = _as_written(reply, req)
        limit_by_tokens = int(body["max_tokens"])
        room = self.window(model) - tokens_in
        limit, cut_reason = (limit_by_tokens, "max_tokens") if limit_by_tokens <= room else (max(room, 0),
                                                                                         "model_context_window_exceeded")
        used = thinking_used = 0
        cut_json: dict[int, str] = {}
        stop_reason: str | None = None
        display = rules.display_of(req)
        for block in written:
            cost = _cost(block)
            if used + cost > limit:
                part = _cut(block, limit - used)
                if part is not None:
                    block, raw = part
                    if raw is not None:
                        cut_json[len(content)] = raw
                    cost = limit - used
                else:
                    block = None
                stop_reason = cut_reason
            if block is not None:
                if block["type"] == "thinking":
                    shown = block["thinking"] if display != "omitted" else ""
                    signed = binding.sign_thinking(model.id, chain.prefix(frame, "assistant"),
                                                   binding.thinking_content({"type": "thinking", "thinking": shown}),
                                                   previous)
                    previous = binding._h(binding.thinking_content({"type": "thinking", "thinking": shown}))
                    block = {"type": "thinking", "thinking": shown, "signature": signed}
                    thinking_used += cost
                else:
                    chain.feed("assistant", block)
                content.append(block)
                used += cost
            if stop_reason:
                break
        if stop_reason is None:
            stop_reason = reply.stop_reason or ("tool_use" if any(b["type"] == "tool_use" for b in content)
                                                else "end_turn")
        if stop_reason == "pause_turn":
            self._paused.add(_digest(content))
        transformations = None
        if rules.binding_behaviour(req) == "drop_block" and (verdict.mismatched or verdict.unreadable):
            transformations = [{"type": "thinking_dropped", "path": f"messages.{i}.content.{j}",
                                "reason": "model_binding_mismatch" if (i, j) in verdict.unreadable
                                else "prefix_binding_mismatch"} for i, j in verdict.unreadable + verdict.mismatched]
            with self._lock:
                self.dropped += len(transformations)
        details = reply.stop_details if stop_reason == "refusal" else None
        return _Answer(content, stop_reason, details, max(used, 1), thinking_used, cut_json, iterations,
                       transformations)

    def compact(self, req: rules.Request, verdict: binding.Verdict) -> _Answer:
        """An on-demand compaction request: one signed block summarising the conversation."""
        summary = summarise(req.body, (req.body.get("compaction") or {}).get("instructions"))
        block = {"type": "compaction", "content": summary,
                 "signature": binding.sign_compaction(verdict.chain, summary, "on_demand")}
        with self._lock:
            self.compactions += 1
        return _Answer([block], "compaction", None, count_tokens(summary), 0, {})

    def models_page(self) -> dict:
        data = [model_object(m) for m in self.models.values()]
        return {"data": data, "has_more": False, "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None}

    # -- HTTP ------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_HEAD(self) -> None:  # Claude Code probes the base URL
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                fake.requests.append(RecordedRequest("GET", self.path, dict(self.headers), None))
                path = self.path.split("?")[0]
                if path == "/v1/models":
                    self._json(200, fake.models_page())
                elif path.startswith("/v1/models/"):
                    found = fake.models.get(path.rsplit("/", 1)[1])
                    if found is None:
                        self._error(404, "not_found_error", f"model: {path.rsplit('/', 1)[1]}")
                    else:
                        self._json(200, model_object(found))
                else:
                    self._error(404, "not_found_error", f"Not found: {self.path}")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > fake.max_request_bytes:
                    self.rfile.read(length)
                    fake.requests.append(RecordedRequest("POST", self.path, dict(self.headers), None))
                    self._refuse(413, f"Request exceeds the maximum allowed number of bytes ({fake.max_request_bytes}).")
                    return
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    fake.requests.append(RecordedRequest("POST", self.path, dict(self.headers), None))
                    self._refuse(400, "Request body is not valid JSON")
                    return
                fake.requests.append(RecordedRequest("POST", self.path, dict(self.headers), body))
                path = self.path.split("?")[0]
                if path not in ("/v1/messages", "/v1/messages/count_tokens"):
                    self._error(404, "not_found_error", f"Not found: {self.path}")
                    return
                if fake.api_key is not None and not self._authorised():
                    self._error(401, "authentication_error", "invalid x-api-key")
                    return
                count_only = path.endswith("/count_tokens")
                try:
                    req, verdict = fake.check(body, dict(self.headers), self.path, count_only=count_only)
                except rules.Problem as problem:
                    self._refuse(problem.status, problem.message)
                    return
                if count_only:
                    self._json(200, {"input_tokens": prompt_tokens(body)})
                    return
                usage = fake._cache.usage(body)
                if body.get("compaction") is not None:
                    answer = fake.compact(req, verdict)
                    reply = Reply()
                else:
                    reply = fake._next_reply(body)
                    if reply.status != 200:
                        self._error(reply.status, reply.error_type or ERROR_TYPES.get(reply.status, "api_error"),
                                    reply.error_message or "error", reply.headers)
                        return
                    answer = fake.answer(req, verdict, reply)
                if body.get("stream"):
                    self._stream(body, reply, answer, usage)
                else:
                    self._json(200, _message(body, answer, usage, complete=True))

            def _refuse(self, status: int, message: str) -> None:
                with fake._lock:
                    fake.refused.append((status, message))
                self._error(status, ERROR_TYPES.get(status, "invalid_request_error"), message)

            def _authorised(self) -> bool:
                auth = self.headers.get("authorization", "")
                key = auth[7:] if auth.lower().startswith("bearer ") else self.headers.get("x-api-key", "")
                return key == fake.api_key

            def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", next_id("req_fake"))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
                self._json(status, {"type": "error", "error": {"type": kind, "message": message},
                                    "request_id": next_id("req_fake")}, headers)

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _event(self, name: str, payload: dict) -> None:
                self._chunk(f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode())

            def _stream(self, body: dict, reply: Reply, answer: _Answer, usage: dict[str, int]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("transfer-encoding", "chunked")
                self.send_header("request-id", next_id("req_fake"))
                self.end_headers()
                start = _message(body, answer, usage, complete=False)
                try:
                    self._event("message_start", {"type": "message_start", "message": start})
                    self._event("ping", {"type": "ping"})
                    if reply.first_token_delay:
                        time.sleep(reply.first_token_delay)
                    sent = 0
                    for event_name, payload in _content_events(answer, reply):
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
                    delta: dict[str, Any] = {"stop_reason": answer.stop_reason, "stop_sequence": None}
                    if answer.stop_details is not None:
                        delta["stop_details"] = answer.stop_details
                    final = {"type": "message_delta", "delta": delta, "usage": _usage(answer, usage)}
                    if answer.transformations is not None:
                        final["input_transformations"] = answer.transformations
                    self._event("message_delta", final)
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


def _digest(blocks: list[dict]) -> str:
    return hashlib.sha256(binding.canonical(blocks).encode()).hexdigest()


def _as_written(reply: Reply, req: rules.Request) -> list[dict]:
    """The reply's blocks as this model writes them: thinking first when it thinks, and on the models that do
    it, text written before a tool call inside thinking."""
    blocks = [dict(b) for b in reply.blocks]
    for b in blocks:
        if b.get("type") == "tool_use" and not b.get("id"):
            b["id"] = next_id("toolu")
    if reply.stop_reason == "refusal" or rules.thinking_mode(req) is None:
        return [b for b in blocks if b.get("type") != "thinking"]
    if req.model.id in TEXT_AS_THINKING:
        last_tool = max((i for i, b in enumerate(blocks) if b.get("type") == "tool_use"), default=-1)
        blocks = [{"type": "thinking", "thinking": b["text"]} if b.get("type") == "text" and i < last_tool else b
                  for i, b in enumerate(blocks)]
    if not blocks or blocks[0].get("type") != "thinking":
        blocks.insert(0, {"type": "thinking", "thinking": reply.thinking or DEFAULT_THINKING})
    merged: list[dict] = []
    for b in blocks:  # consecutive thinking is one block
        if merged and b.get("type") == "thinking" and merged[-1].get("type") == "thinking":
            merged[-1] = {"type": "thinking", "thinking": merged[-1]["thinking"] + "\n\n" + b["thinking"]}
        else:
            merged.append(b)
    return merged


def _cost(block: dict) -> int:
    kind = block.get("type")
    if kind == "text":
        return count_tokens(block.get("text", ""))
    if kind == "thinking":
        return count_tokens(block.get("thinking", ""))
    if kind == "tool_use":
        return count_tokens(json.dumps(block.get("input", {})))
    return count_tokens(block)


def _cut(block: dict, tokens: int) -> tuple[dict, str | None] | None:
    """The part of a block that fits in `tokens` (None: nothing fits); a tool call keeps its partial JSON."""
    chars = max(0, tokens) * 4
    if chars <= 0:
        return None
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": block["text"][:chars]}, None
    if kind == "thinking":
        return {"type": "thinking", "thinking": block["thinking"][:chars]}, None
    if kind == "tool_use":
        raw = json.dumps(block.get("input", {}))[:chars]
        return {"type": "tool_use", "id": block["id"], "name": block["name"], "input": _partial(raw)}, raw
    return None


def _partial(raw: str) -> dict:
    """What a client parsing partial JSON gets from a cut tool input (the SDK's jiter partial mode)."""
    try:
        from jiter import from_json

        value = from_json(raw.encode(), partial_mode=True)
        return value if isinstance(value, dict) else {}
    except (ImportError, ValueError):
        return {}


def summarise(body: dict, instructions: str | None) -> str:
    """The fake's compaction summary: mechanical, but it keeps what the instructions ask to keep when it
    can see it (every tool call's name and the `name`/`version` fields of its input), and the last request."""
    lines = ["Summary of the conversation so far (the fake's summariser)."]
    if instructions and instructions.strip():
        lines.append(f"Instructions followed: {instructions.strip()[:200]}")
    last_user = ""
    for msg in body.get("messages") or []:
        if not isinstance(msg, dict):
            continue
        for block in blocks_of(msg):
            kind = block.get("type")
            if kind == "compaction" and block.get("content"):
                lines.append("Earlier: " + str(block["content"])[:2000])
            elif kind == "tool_use":
                inp = block.get("input") if isinstance(block.get("input"), dict) else {}
                named = {k: inp[k] for k in ("name", "title", "path", "version") if k in inp}
                lines.append(f"- called {block.get('name')} {json.dumps(named, sort_keys=True)}")
            elif kind == "text" and msg.get("role") == "user":
                last_user = str(block.get("text", ""))
    if last_user:
        lines.append("Last request: " + last_user[:500])
    return "\n".join(lines)


def model_object(model: ModelInfo) -> dict:
    """A Models API entry with the limits and capabilities the fake enforces."""
    def supported(flag: bool) -> dict:
        return {"supported": bool(flag)}

    return {"type": "model", "id": model.id, "display_name": model.id, "created_at": "2026-01-01T00:00:00Z",
            "max_input_tokens": model.context_window, "max_tokens": model.max_output,
            "capabilities": {
                "thinking": {"supported": bool(model.thinking),
                             "types": {t: supported(t in model.thinking) for t in
                                       ("adaptive", "enabled", "disabled", "between_tools")}},
                "effort": {"supported": bool(model.effort),
                           **{e: supported(e in model.effort) for e in ("low", "medium", "high", "xhigh", "max")}},
                "compaction": supported(model.compaction)}}


def _usage(answer: _Answer, cache: dict[str, int]) -> dict:
    usage: dict[str, Any] = {**cache, "output_tokens": answer.output_tokens,
                             "output_tokens_details": {"thinking_tokens": answer.thinking_tokens}}
    if answer.iterations:
        usage["iterations"] = answer.iterations + [{"type": "message", **cache, "output_tokens": answer.output_tokens}]
    return usage


def _message(body: dict, answer: _Answer, cache: dict[str, int], *, complete: bool) -> dict:
    message: dict[str, Any] = {
        "id": next_id("msg_fake"), "type": "message", "role": "assistant", "model": body.get("model"),
        "content": [dict(b) for b in answer.content] if complete else [],
        "stop_reason": answer.stop_reason if complete else None, "stop_sequence": None,
        "usage": _usage(answer, cache) if complete else {**cache, "output_tokens": 1},
    }
    if complete and answer.stop_details is not None:
        message["stop_details"] = answer.stop_details
    if answer.transformations is not None:
        message["input_transformations"] = answer.transformations
    return message


def _content_events(answer: _Answer, reply: Reply):
    for index, block in enumerate(answer.content):
        kind = block["type"]
        if kind == "text":
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": {"type": "text", "text": ""}}
            text, step = block["text"], max(1, reply.text_chunk)
            for k in range(0, len(text), step):
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "text_delta", "text": text[k:k + step]}}
        elif kind == "thinking":
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": {"type": "thinking", "thinking": "", "signature": ""}}
            text, step = block["thinking"], max(1, reply.text_chunk)
            for k in range(0, len(text), step):
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "thinking_delta", "thinking": text[k:k + step]}}
            yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                          "delta": {"type": "signature_delta", "signature": block["signature"]}}
        elif kind == "tool_use":
            yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": {
                "type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}}
            raw, step = answer.cut_json.get(index, json.dumps(block["input"])), max(1, reply.json_chunk)
            for k in range(0, len(raw), step):
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "input_json_delta", "partial_json": raw[k:k + step]}}
        elif kind == "compaction":
            yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": {
                "type": "compaction", "content": None, "signature": block["signature"]}}
            yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                          "delta": {"type": "compaction_delta", "content": block["content"]}}
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
