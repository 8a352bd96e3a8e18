"""Signed blocks as the fake issues and checks them: thinking bound to its conversation, compaction summaries.

The API's preserved thinking (build-with-claude/preserved-thinking/prefix-checks) ties each thinking
block to what came before it: the top-level `system`, the `tools`, and every message before the
block. The fake reproduces that contract with a keyed hash:

- the *frame* is `system` + `tools`; the *chain* runs over the conversation's blocks in order. Role
  changes are part of the chain, so consecutive messages of one role count as one turn (the API
  merges them), and `cache_control` markers, JSON formatting and key order are not (content only);
- thinking blocks are not links of the chain: thinking may be removed from the start, from the end or
  entirely. Each signature names the thinking block before it instead, so a block removed between two
  others (a gap) invalidates the ones after it, as the docs say;
- a compaction block records the chain where its summary ends; a request that starts with the block
  continues the chain from there, so turns kept after a compaction stay valid while `system` and
  `tools` are unchanged, and blocks made later are bound to the compacted conversation.

A signature is opaque base64 of (model, prefix digest, content digest, previous thinking block, MAC).
The MAC key is fixed: the fake guards no secrets, and signatures must survive a restarted fake (the
scripted demo model restarts with every kernel).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

KEY = b"workbench-loopback-fake"
THINKING_TYPES = ("thinking", "redacted_thinking")


def canonical(value: Any) -> str:
    """Content as the checks compare it: sorted keys, no cache_control, strings as text blocks."""
    return json.dumps(_strip(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):  # null fields are absent fields (an SDK may write either)
        return {k: _strip(v) for k, v in value.items() if k != "cache_control" and v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def blocks_of(message: dict) -> list[dict]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def frame_digest(body: dict) -> str:
    system = body.get("system")
    if isinstance(system, str):
        system = [{"type": "text", "text": system}]
    return _h(canonical(system or []) + "\x00" + canonical(body.get("tools") or []))


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _mac(parts: list[str]) -> str:
    return hmac.new(KEY, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _encode(data: dict) -> str:
    return base64.b64encode(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).decode()


def _decode(text: Any) -> dict | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        data = json.loads(base64.b64decode(text.encode(), validate=True))
    except (ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


class Chain:
    """The running digest of a conversation's non-thinking blocks (see the module docstring)."""

    def __init__(self, value: str = "", role: str | None = None) -> None:
        self.value = value
        self.role = role

    def feed(self, role: str, block: dict) -> None:
        marker = "" if role == self.role else f"<{role}>"
        self.role = role
        self.value = _h(self.value + marker + canonical(block))

    def prefix(self, frame: str, role: str) -> str:
        """The digest a block of `role` placed next is bound to."""
        marker = "" if role == self.role else f"<{role}>"
        return _h(frame + "|" + self.value + marker)


def thinking_content(block: dict) -> str:
    if block.get("type") == "redacted_thinking":
        return "r:" + str(block.get("data", ""))
    return "t:" + str(block.get("thinking", ""))


def sign_thinking(model: str, prefix: str, content: str, previous: str | None) -> str:
    digest = _h(content)
    return _encode({"v": 1, "m": model, "p": prefix, "c": digest, "q": previous or "",
                    "s": _mac(["t", model, prefix, digest, previous or ""])})


def sign_compaction(chain: Chain, content: str | None, kind: str) -> str:
    digest = _h(content or "")
    return _encode({"v": 1, "k": kind, "x": chain.value, "r": chain.role or "", "c": digest,
                    "s": _mac(["c", kind, chain.value, chain.role or "", digest])})


def read_thinking_signature(signature: Any) -> dict | None:
    data = _decode(signature)
    if not data or data.get("s") != _mac(["t", str(data.get("m")), str(data.get("p")), str(data.get("c")),
                                          str(data.get("q"))]):
        return None
    return data


def read_compaction_signature(signature: Any) -> dict | None:
    data = _decode(signature)
    if not data or data.get("s") != _mac(["c", str(data.get("k")), str(data.get("x")), str(data.get("r")),
                                          str(data.get("c"))]):
        return None
    return data


@dataclass
class Verdict:
    """What the check found in a request: blocks to drop (model, prefix), the first failure, the chain at its end."""

    chain: Chain
    previous_thinking: str | None  # content digest of the last thinking block kept (the next one names it)
    mismatched: list[tuple[int, int]]  # (message, block) of thinking blocks failing the prefix check, in order
    unreadable: list[tuple[int, int]]  # thinking made by a model the requested one cannot read
    tampered: tuple[int, int] | None = None
    compaction_problem: str | None = None


def readable(reader: str, producer: str) -> bool:
    """Whether `reader` may read thinking `producer` made (the fake's rule: the same model, or the 5.2 pair)."""
    pair = {"claude-fable-5-2", "claude-mythos-5-2"}
    return reader == producer or (reader in pair and producer in pair)


def check(body: dict, model: str) -> Verdict:
    """Walk the request's messages: verify every thinking and compaction block, build the chain."""
    frame = frame_digest(body)
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    start_i, chain, problem = _compaction_start(messages)
    previous: str | None = None
    mismatched: list[tuple[int, int]] = []
    unreadable: list[tuple[int, int]] = []
    tampered = None
    for i, message in enumerate(messages):
        if i < start_i[0]:
            continue
        role = str(message.get("role"))
        for j, block in enumerate(blocks_of(message)):
            if (i, j) <= start_i:
                continue
            kind = block.get("type")
            if kind in THINKING_TYPES:
                signature = block.get("signature") if kind == "thinking" else block.get("data")
                data = read_thinking_signature(signature) if kind == "thinking" else _redacted(signature)
                content = thinking_content(block)
                if data is None or (kind == "thinking" and data.get("c") != _h(content)):
                    tampered = tampered or (i, j)
                    continue
                if not readable(model, str(data.get("m"))):
                    unreadable.append((i, j))
                elif data.get("p") != chain.prefix(frame, role) or (previous is not None and data.get("q") != previous):
                    mismatched.append((i, j))
                previous = _h(content) if kind == "thinking" else data.get("c")
            else:
                chain.feed(role, block)
    return Verdict(chain, previous, mismatched, unreadable, tampered, problem)


def _redacted(data: Any) -> dict | None:
    """A redacted_thinking block's `data` is itself a thinking signature over the redacted text."""
    return read_thinking_signature(data)


def _compaction_start(messages: list[dict]) -> tuple[tuple[int, int], Chain, str | None]:
    """Where the checked conversation starts: after the most recent compaction block, with its chain."""
    found = [(i, j, b) for i, m in enumerate(messages) for j, b in enumerate(blocks_of(m))
             if b.get("type") == "compaction"]
    if not found:
        return (-1, -1), Chain(), None
    i, j, block = found[-1]
    data = read_compaction_signature(block.get("signature"))
    if data is None:
        return (i, j), Chain(), (f"messages.{i}.content.{j}: compaction_signature_invalid: the compaction block's "
                                 "signature is not valid. Send the block back exactly as the API returned it.")
    if data.get("c") != _h(block.get("content") or ""):
        return (i, j), Chain(), (f"messages.{i}.content.{j}: compaction_content_mismatch: the compaction block's "
                                 "content does not match its signature. Send the block back unchanged.")
    on_demand = [(a, b) for a, b, blk in found if (read_compaction_signature(blk.get("signature")) or {}).get("k")
                 == "on_demand"]
    if len(on_demand) > 1:
        return (i, j), Chain(), "messages: a request may carry exactly one compaction block."
    if data.get("k") == "on_demand" and (i, j) != (0, 0):
        return (i, j), Chain(), (f"messages.{i}.content.{j}: compaction_block_misplaced: a compaction block must be "
                                 "the first content block of the first message, in place of the messages it "
                                 "summarizes.")
    return (i, j), Chain(str(data.get("x")), str(data.get("r")) or None), None


def mismatch_message(i: int, j: int, *, header: bool) -> str:
    """The API's 400 text for a thinking block that fails the prefix check."""
    text = (f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block. The block is bound to a different "
            "conversation. Remove the block, or set `thinking.block_binding.prefix_mismatch_behavior` to "
            "\"drop_block\".")
    if not header:
        text += " That setting requires the `thinking-binding-controls-2026-08-01` value in the `anthropic-beta` header."
    return text
