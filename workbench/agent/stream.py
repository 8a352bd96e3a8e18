"""One streamed model call: events to the renderer, the answer as stored blocks, and what a failure means.

Thinking arrives first on the models that think; its summary streams into the renderer's thinking
part, text into its prose part. Blocks are stored as the API returned them (thinking with its
signature, compaction with its signature): the API checks them when they are sent back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..design.usage import Usage
from ..errors import AuthenticationFailed, ModelError, StreamInterrupted, WorkbenchError
from ..secrets import redact
from .models import usage_from_api
from .renderer import Renderer


@dataclass
class Answer:
    """A complete answer: its blocks, stop reason and details, usage and time to the first token."""

    blocks: list[dict]
    stop_reason: str
    stop_details: dict | None
    usage: Usage
    first_token_s: float | None


class StreamBroke(Exception):
    """The stream failed before the answer was complete: what had arrived, why, and the usage so far."""

    def __init__(self, blocks: list[dict], cause: BaseException, usage: Usage | None) -> None:
        super().__init__(str(cause))
        self.blocks = blocks
        self.cause = cause
        self.usage = usage


def stream_answer(client: Any, request: dict, betas: list[str], renderer: Renderer) -> Answer:
    """Stream one answer to the renderer (raises StreamBroke when it does not complete)."""
    started = time.perf_counter()
    first_token: float | None = None
    stream = None
    extra = {"betas": betas} if betas else {}
    try:
        with client.beta.messages.stream(**request, **extra) as stream:
            for event in stream:
                kind = event.type
                if kind in ("text", "thinking") and first_token is None:
                    first_token = time.perf_counter() - started
                if kind == "text":
                    renderer.text(event.text, event.snapshot)
                elif kind == "thinking":
                    renderer.thinking(event.thinking, event.snapshot)
                elif kind == "content_block_start" and event.content_block.type == "tool_use":
                    if first_token is None:
                        first_token = time.perf_counter() - started
                    renderer.tool_pending(event.content_block.name)
                elif kind == "content_block_stop":
                    if event.content_block.type == "text":
                        renderer.end_text()
                    elif event.content_block.type == "thinking":
                        renderer.end_thinking()
            message = stream.get_final_message()
    except (Exception, KeyboardInterrupt) as exc:
        snapshot = _snapshot(stream)
        blocks = stored_blocks(snapshot.content) if snapshot is not None else []
        used = usage_from_api(snapshot.usage, request["model"]) if snapshot is not None else None
        if isinstance(exc, KeyboardInterrupt):
            exc = KeyboardInterrupt()
        raise StreamBroke(blocks, exc, used) from None
    if message.stop_reason is None:
        raise StreamBroke(stored_blocks(message.content),
                          ConnectionError("the stream ended before the answer was complete"),
                          usage_from_api(message.usage, request["model"]))
    details = message.stop_details.model_dump(mode="json", exclude_none=True) \
        if getattr(message, "stop_details", None) is not None else None
    return Answer(stored_blocks(message.content), message.stop_reason, details,
                  usage_from_api(message.usage, request["model"]), first_token)


def stored_blocks(content: list) -> list[dict]:
    """Response blocks as the conversation keeps them (and sends them back)."""
    out = []
    for block in content:
        if block.type == "text":
            if block.text:
                out.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            out.append({"type": "tool_use", "id": block.id, "name": block.name,
                        "input": block.input if isinstance(block.input, dict) else {}})
        elif block.type == "thinking":
            out.append({"type": "thinking", "thinking": block.thinking, "signature": block.signature})
        else:
            out.append(block.model_dump(mode="json", exclude_none=True))
    return out


def _snapshot(stream: Any) -> Any:
    if stream is None:
        return None
    try:
        return stream.current_message_snapshot
    except (AssertionError, AttributeError):
        return None


def error_of(exc: BaseException) -> tuple[int | None, str | None, str]:
    """(HTTP status, error type, message) of an SDK error; status 200 for an `error` event mid-stream."""
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        err = body.get("error", body) if isinstance(body, dict) else {}
        kind = err.get("type") if isinstance(err, dict) else None
        msg = err.get("message") if isinstance(err, dict) else None
        return exc.status_code, kind, str(msg or exc.message)
    return None, None, str(exc)


def too_long(exc: BaseException) -> bool:
    """The request is over the API's size or the model's window (413, or 400 "prompt is too long")."""
    status, _, message = error_of(exc)
    return status == 413 or (status == 400 and "prompt is too long" in message)


def retryable_event(exc: BaseException) -> bool:
    """An `error` event inside a 200 stream (overloaded, api_error): worth another try."""
    status, kind, _ = error_of(exc)
    return status == 200 and kind in ("overloaded_error", "api_error", "rate_limit_error", None)


def describe_failure(exc: BaseException) -> str:
    import anthropic

    if isinstance(exc, KeyboardInterrupt):
        return "interrupted by you"
    if isinstance(exc, anthropic.APIStatusError):
        status, kind, msg = error_of(exc)
        if status == 200:
            return f"the API sent an error mid-stream ({kind or 'error'}: {msg})"
        return f"the API answered {status} ({kind or 'error'}: {msg})"
    if isinstance(exc, anthropic.APIConnectionError):
        return "the connection to the model API failed"
    name = type(exc).__name__
    if "Protocol" in name or "Connection" in name or "Read" in name:
        return "the connection to the model API dropped"
    return redact(f"{name}: {exc}")


def turn_error(exc: BaseException, reason: str, *, kept: bool) -> WorkbenchError:
    import anthropic

    kept_note = (" The partial answer is kept (marked as interrupted) and the conversation stays valid."
                 if kept else " Nothing was added to the conversation.")
    if isinstance(exc, KeyboardInterrupt):
        return StreamInterrupted("Interrupted by you." + kept_note + " The next %%architect cell continues it.")
    if isinstance(exc, anthropic.AuthenticationError):
        return AuthenticationFailed("The model API refused the API key (401 authentication_error).",
                                    hint="Check ANTHROPIC_API_KEY (a new key from console.anthropic.com) "
                                         "and run `%architect doctor`.")
    if isinstance(exc, anthropic.PermissionDeniedError):
        return ModelError(f"The key may not use this model or feature ({reason}).",
                          hint="Pick another model with `%architect model NAME`.")
    if isinstance(exc, anthropic.NotFoundError):
        return ModelError(f"Not found: {reason}.", hint="Check the model name with `%architect model`.")
    if isinstance(exc, anthropic.RateLimitError | anthropic.InternalServerError):
        return ModelError(f"The model API is still failing after the retries: {reason}.",
                          hint="Try again in a minute; WORKBENCH_MAX_RETRIES raises the number of retries.")
    if isinstance(exc, anthropic.APIStatusError) and exc.status_code == 413:
        return ModelError(f"The request is larger than the API accepts, even after compacting: {reason}.",
                          hint="Start a new conversation with `%architect reset`; the design keeps its artifacts.")
    if isinstance(exc, anthropic.BadRequestError):
        return ModelError(f"The model API rejected the request: {reason}.")
    return StreamInterrupted(f"The answer broke off: {reason}." + kept_note)
