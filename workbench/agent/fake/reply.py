"""What the fake answers: a Reply (content, a stop reason, an HTTP error, or misbehaviour on purpose)."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


def next_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}"


def count_tokens(obj: Any) -> int:
    """A stable stand-in for a tokenizer: about four characters per token."""
    text = obj if isinstance(obj, str) else json.dumps(obj, sort_keys=True, ensure_ascii=False)
    return max(1, math.ceil(len(text) / 4))


ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
               403: "permission_error", 404: "not_found_error", 409: "conflict_error", 413: "request_too_large",
               429: "rate_limit_error", 500: "api_error", 504: "timeout_error", 529: "overloaded_error"}


@dataclass
class Reply:
    """One answer of the fake: content blocks, or an HTTP error, plus how to deliver it.

    The blocks are what the model "writes"; the fake turns them into what the API would return for the
    request: a thinking block first when the model thinks, text between tool calls inside thinking on
    the models that do that, everything cut at `max_tokens` or at the context window, signed.
    """

    blocks: list[dict] = field(default_factory=list)
    stop_reason: str | None = None
    stop_details: dict | None = None
    thinking: str | None = None          # the model's reasoning (a default when it thinks and this is None)
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
        return cls.tool_calls([(name, input)], text=text, **kw)

    @classmethod
    def tool_calls(cls, calls: list[tuple[str, dict]], *, text: str | None = None, **kw: Any) -> Reply:
        """An answer that calls several tools at once."""
        blocks = [{"type": "text", "text": text}] if text else []
        for name, inp in calls:
            blocks.append({"type": "tool_use", "id": next_id("toolu"), "name": name, "input": inp})
        return cls(blocks=blocks, **kw)

    @classmethod
    def refusal(cls, category: str | None = "cyber", explanation: str | None = "This request was declined.",
                text: str = "", **kw: Any) -> Reply:
        """A refusal (HTTP 200, stop_reason `refusal`, with `stop_details`), after optional partial text."""
        return cls(blocks=[{"type": "text", "text": text}] if text else [], stop_reason="refusal",
                   stop_details={"type": "refusal", "category": category, "explanation": explanation}, **kw)

    @classmethod
    def http_error(cls, status: int, message: str = "", *, retry_after_ms: int | None = None,
                   error_type: str | None = None) -> Reply:
        """An HTTP error with the API's error body."""
        headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
        kind = error_type or ERROR_TYPES.get(status, "api_error")
        return cls(status=status, error_type=kind, error_message=message or kind, headers=headers)
