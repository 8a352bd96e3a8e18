"""Keeping a long design's conversation inside the model's context, without editing what was sent.

Every request re-sends the conversation, and the API refuses a conversation whose earlier part
changed (thinking blocks are bound to their prefix). So nothing is clipped or summarised in place.
When the next request would pass the budget (WORKBENCH_CONTEXT_BUDGET, default 150,000 tokens,
at most 80 % of the model's window), the loop sends an on-demand compaction request
(build-with-claude/compaction-on-demand: `compaction: {type: "summarize", instructions}`, beta
`compact-2026-09-04`) with the same system and tools; the answer is one signed `compaction` block.
It is stored as a message, and later requests start from it: `[assistant: compaction]`, then the
pending prompt (or, mid-turn, a note to continue), then whatever follows. The design store keeps
every artifact version; the instructions keep their names and versions in the summary, and the
`read_artifact` tool reads any of them back.

A model or provider without compaction gets the same shape with a mechanical summary in a user
message instead of the block.

The size is tracked without re-reading the conversation: the last answer's usage (the API's own
count of the prompt), plus about four characters per token for what was appended since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..design.usage import Usage

BETA = "compact-2026-09-04"
WINDOW_SHARE = 0.8
INSTRUCTIONS = (
    "Summarise this conversation between a user and a backend architect working in a design workbench, so the "
    "work can go on from the summary alone. Keep, briefly: every requirement, constraint and number the user "
    "gave; every decision taken and why; for each artifact made or changed (schema, architecture diagram, API "
    "or event contract, decision record, workspace file, experiment, load, migration rehearsal) its kind, its "
    "exact name and its latest version number, and what the last change was; findings still open; and the task "
    "in progress with its next step. Do not copy artifact bodies (DDL, specs, files): the design store keeps "
    "every version and the read_artifact tool reads one back.")
CONTINUE = ("The conversation was compacted while you were working (the summary above replaces it). Continue the "
            "task from where the summary says it stands; the design state and read_artifact have the details.")


class Unsupported(Exception):
    """This model or provider does not compact; the loop falls back to a mechanical summary."""


def estimate(obj: Any) -> int:
    """Tokens of a request part, about four characters each."""
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":"))) // 4 + 1


def budget(configured: int, info: Any) -> int:
    return max(1, min(int(configured), int(info.context_window * WINDOW_SHARE)))


@dataclass
class Size:
    """The conversation's size in tokens: measured by the API, plus an estimate of what came after."""

    tokens: int
    fixed: int = 0  # system and tools: in every request, and in the API's count

    @classmethod
    def from_state(cls, state: dict, history: list[dict], fixed: int) -> Size:
        if "tokens" in state and int(state.get("messages") or 0) <= len(history):
            return cls(int(state["tokens"]) + sum(estimate(m) for m in history[int(state.get("messages") or 0):]),
                       fixed)
        return cls(fixed + sum(estimate(m) for m in history), fixed)

    def grow(self, message: dict) -> None:
        self.tokens += estimate(message)

    def measured(self, usage: Usage) -> None:
        """The API counted the prompt; the answer (appended next) is counted by grow()."""
        self.tokens = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens

    def reset(self, history: list[dict]) -> None:
        self.tokens = self.fixed + sum(estimate(m) for m in history)


def in_view(history: list[dict]) -> bool:
    """Whether the view starts from a compaction block (requests then need the compaction beta)."""
    if not history:
        return False
    content = history[0]["content"]
    return isinstance(content, list) and bool(content) and content[0].get("type") == "compaction"


def compact(client: Any, cfg: Any, history: list[dict]) -> tuple[dict, Usage]:
    """One compaction request over the view; returns the signed block and what it cost."""
    import anthropic

    from .models import usage_from_api
    from .session import BETA_BINDING, build_request
    from .stream import error_of, stored_blocks, too_long

    if not cfg.info.compaction:
        raise Unsupported(f"{cfg.model} does not offer compaction")
    request = build_request(cfg, history)  # thinking as in the turn: one thinking configuration per turn
    request.pop("output_config", None)
    request.pop("tool_choice", None)
    request["compaction"] = {"type": "summarize", "instructions": INSTRUCTIONS}
    try:
        # streamed: the SDK refuses a non-streaming request whose max_tokens may take over ten minutes
        betas = [BETA] + ([BETA_BINDING] if "thinking" in request else [])
        with client.beta.messages.stream(**request, betas=betas) as stream:
            response = stream.get_final_message()
    except anthropic.APIStatusError as exc:
        _, _, message = error_of(exc)
        if too_long(exc):
            raise Unsupported(f"the conversation is too long even to compact ({message})") from None
        if exc.status_code in (400, 403, 404) and ("compaction" in message.lower() or exc.status_code == 404):
            raise Unsupported(f"the API refused the compaction request ({message})") from None
        raise
    blocks = stored_blocks(response.content)
    if not blocks or blocks[0].get("type") != "compaction" or not blocks[0].get("content"):
        raise Unsupported("the compaction request returned no summary")
    return blocks[0], usage_from_api(response.usage, cfg.model)


def head_message(block: dict) -> dict:
    """The message a view starts with after compacting: the compaction block, or the fallback summary."""
    return {"role": "assistant" if block.get("type") == "compaction" else "user", "content": [block]}


def continue_note() -> dict:
    return {"role": "user", "content": [{"type": "text", "text": CONTINUE}]}


def summary_block(history: list[dict], *, reason: str) -> dict:
    """A mechanical summary (what was asked, which tools ran) for a model without compaction."""
    lines = [f"<conversation-summary reason=\"{reason}\">",
             "The earlier conversation was replaced by this list; the design state has every artifact."]
    for message in history:
        content = message["content"] if isinstance(message["content"], list) else [
            {"type": "text", "text": message["content"]}]
        for block in content:
            kind = block.get("type")
            if message["role"] == "user" and kind == "text" and not block["text"].startswith("<design-state>"):
                lines.append("- asked: " + block["text"][:300].replace("\n", " "))
            elif kind == "tool_use":
                named = {k: v for k, v in (block.get("input") or {}).items() if k in ("name", "title", "path")}
                lines.append(f"  - called {block.get('name')} {json.dumps(named, sort_keys=True)}")
    lines.append("</conversation-summary>")
    return {"type": "text", "text": "\n".join(lines[-400:])}
