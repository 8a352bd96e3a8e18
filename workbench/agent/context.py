"""Keeping a long design's requests inside the model's context, with a stable cached prefix.

Every turn re-sends the conversation. A design with a 100-table schema proposes ~30,000 tokens of
DDL per version, so after a few dozen turns the request would outgrow the model's window and every
turn would fail. Before each model call the request is fitted under a token budget
(WORKBENCH_CONTEXT_BUDGET, default 150,000 tokens for a 200,000-token window), in two stages that
only move forward:

1. compaction: up to a point P of the conversation, an artifact tool call that a later call
   (also before P) replaced — a schema, an architecture, an API contract, a workspace file — keeps
   only a reference to the stored version, and long tool results keep their first lines. The
   newest version of each artifact stays whole. Whether a call before P is replaced depends only on
   the messages before P, so the compacted prefix is byte-identical from one request to the next
   and stays in the prompt cache; P moves only when the request grows past 70 % of the budget.
2. summary: when compaction is not enough, the oldest turns are replaced by one short, mechanical
   summary (what was asked, which tools ran, how each answer began) together with the newest
   version of every artifact those turns produced, in full.

The fitting state (P, the summary point and the summary text) is kept with the design per
conversation, so every later request reproduces the same prefix. The store keeps every message
as it was: `%architect history` and the design document show everything. Tokens are estimated at
four characters each and, near the budget, counted by the API's own `count_tokens`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_BUDGET = 150_000
COMPACT_AT, SUMMARY_TARGET, COUNT_AT = 0.70, 0.45, 0.85  # shares of the budget
LONG_RESULT = 600  # characters: a longer tool result before P keeps its first lines
SUMMARY_LINES = 60  # turns listed in a summary (the oldest beyond that are counted, not listed)

# tool name → (artifact kind, input field holding its body, input field naming it, default name)
ARTIFACT_TOOLS = {
    "propose_schema": ("schema", "ddl", "name", "main"),
    "draw_architecture": ("architecture", "spec", "name", "main"),
    "define_api": ("api", "openapi", "name", "main"),
    "write_file": ("file", "content", "path", ""),
}


@dataclass
class ContextState:
    """Where the conversation is compacted and summarised (message ids), kept with the design, and the
    summary itself: a line per summarised turn and the newest version of each artifact they produced."""

    compact_through: int = 0
    summary_through: int = 0
    turns: list[str] = field(default_factory=list)
    artifacts: dict[str, list[str]] = field(default_factory=dict)  # "kind name" → [tool, body]

    @classmethod
    def from_dict(cls, data: dict | None) -> ContextState:
        data = data or {}
        return cls(int(data.get("compact_through", 0)), int(data.get("summary_through", 0)),
                   list(data.get("turns") or []), dict(data.get("artifacts") or {}))

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def summary(self) -> str:
        return render_summary(self.turns, self.artifacts)


def estimate(obj: Any) -> int:
    """Tokens of a request part, about four characters each (the API's count is asked near the budget)."""
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":"))) // 4 + 1


class Context:
    """Fits a conversation under the budget (see the module docstring)."""

    def __init__(self, budget: int, state: ContextState, *, counter: Callable[[list[dict]], int] | None = None,
                 save: Callable[[ContextState], None] | None = None) -> None:
        self.budget = budget
        self.state = state
        self._counter = counter  # exact input tokens of the request with these messages (the API's count_tokens)
        self._save = save
        self.last_tokens = 0

    def fit(self, history: list[dict], fixed_tokens: int) -> list[dict]:
        """The messages to send for `history` (stored messages carry their `id`), under the budget.

        `fixed_tokens`: what the system prompt and the tool definitions take.
        """
        view = self.view(history)
        tokens = fixed_tokens + estimate(view)
        if tokens > self.budget * COMPACT_AT:
            stored = [m["id"] for m in history if m.get("id")]
            if stored and stored[-1] > self.state.compact_through:
                self.state.compact_through = stored[-1]
                view = self.view(history)
                tokens = fixed_tokens + estimate(view)
                self._persist()
        if tokens > self.budget * COMPACT_AT:
            view, tokens = self._summarise(history, fixed_tokens)
        if tokens > self.budget * COUNT_AT and self._counter is not None:
            tokens = self._counter(view)
            if tokens > self.budget:
                view, tokens = self._summarise(history, fixed_tokens, target=SUMMARY_TARGET / 2)
        self.last_tokens = tokens
        return view

    # -- the view of the conversation that is sent ---------------------------------------------------
    def view(self, history: list[dict]) -> list[dict]:
        state = self.state
        start = 0
        out: list[dict] = []
        if state.summary_through:
            while start < len(history) and (history[start].get("id") or 0) <= state.summary_through and \
                    history[start].get("id"):
                start += 1
            out.append({"role": "user", "content": [{"type": "text", "text": state.summary}]})
        through = state.compact_through
        prefix = [m for m in history[start:] if m.get("id") and m["id"] <= through]
        replaced = _replaced_calls(prefix)
        for message in history[start:]:
            if message.get("id") and message["id"] <= through:
                out.append(_compacted(message, replaced))
            else:
                out.append({"role": message["role"], "content": message["content"]})
        return out

    def _summarise(self, history: list[dict], fixed_tokens: int, *, target: float = SUMMARY_TARGET):
        """Move the summary point forward over whole turns until the request takes `target` of the budget.

        The turns already summarised are not in `history` (they are not read again); their lines and
        artifacts are in the state, and the newly covered turns are added to them."""
        starts = [i for i, m in enumerate(history) if _is_prompt(m) and m.get("id")]
        base = ContextState.from_dict(self.state.to_dict())
        view, tokens = self.view(history), fixed_tokens + estimate(self.view(history))
        for i in starts[1:]:
            previous = history[i - 1].get("id")
            if not previous or previous <= base.summary_through:
                continue
            covered = [m for m in history[:i] if m.get("id") and m["id"] > base.summary_through]
            lines, latest = summarise_turns(covered)
            artifacts = {**base.artifacts, **latest}
            for key in _artifact_keys(history[i:]):
                artifacts.pop(key, None)  # a newer version is still sent whole
            self.state.summary_through = previous
            self.state.compact_through = max(self.state.compact_through, previous)
            self.state.turns = base.turns + lines
            self.state.artifacts = artifacts
            view = self.view(history)
            tokens = fixed_tokens + estimate(view)
            if tokens <= self.budget * target:
                break
        self._persist()
        return view, tokens

    def _persist(self) -> None:
        if self._save is not None:
            self._save(self.state)


def _is_prompt(message: dict) -> bool:
    """A user message that starts a turn (a prompt, not only tool results)."""
    content = message.get("content")
    if message.get("role") != "user":
        return False
    if isinstance(content, str):
        return True
    return any(b.get("type") == "text" for b in content)


def _key(block: dict) -> tuple[str, str] | None:
    spec = ARTIFACT_TOOLS.get(block.get("name", ""))
    if spec is None or not isinstance(block.get("input"), dict):
        return None
    kind, _field, name_field, default = spec
    return kind, str(block["input"].get(name_field) or default)


def _replaced_calls(messages: list[dict]) -> set[str]:
    """Ids of artifact tool calls that a later call in `messages` replaced (same kind and name)."""
    latest: dict[tuple[str, str], str] = {}
    replaced: set[str] = set()
    for message in messages:
        if message["role"] != "assistant" or not isinstance(message["content"], list):
            continue
        for block in message["content"]:
            if block.get("type") != "tool_use":
                continue
            key = _key(block)
            if key is None:
                continue
            if key in latest:
                replaced.add(latest[key])
            latest[key] = block["id"]
    return replaced


def _compacted(message: dict, replaced: set[str]) -> dict:
    content = message["content"]
    if isinstance(content, str):
        return {"role": message["role"], "content": content}
    out = []
    for block in content:
        kind = block.get("type")
        if kind == "tool_use" and block.get("id") in replaced:
            artifact, field, _name_field, _default = ARTIFACT_TOOLS[block["name"]]
            label = " ".join(_key(block))
            out.append({**block, "input": {**block["input"], field: f"[{label}: an earlier version, replaced later in "
                                                                    f"this conversation; the design stores every "
                                                                    f"version]"}})
        elif kind == "tool_result":
            text = _result_text(block)
            if block.get("tool_use_id") in replaced or len(text) > LONG_RESULT:
                lines = text.strip().splitlines()
                keep = 1 if block.get("tool_use_id") in replaced else 3
                short = "\n".join(lines[:keep]) + f"\n[… {len(text):,} characters in all; the design keeps them]"
                out.append({**block, "content": short})
            else:
                out.append(block)
        else:
            out.append(block)
    return {"role": message["role"], "content": out}


def _result_text(block: dict) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(c.get("text", "") for c in content or [] if isinstance(c, dict))


def summarise_turns(messages: list[dict]) -> tuple[list[str], dict[str, list[str]]]:
    """A line per turn (what was asked, which tools ran, how the answer began), and the newest version of
    each artifact the turns produced ("kind name" → [tool, body])."""
    turns: list[dict] = []
    latest: dict[str, list[str]] = {}
    for message in messages:
        content = message["content"] if isinstance(message["content"], list) else \
            [{"type": "text", "text": message["content"]}]
        prompts = [b["text"] for b in content if b.get("type") == "text"
                   and not b["text"].startswith(("<design-state>", "<conversation-summary>"))]
        if message["role"] == "user" and prompts:
            turns.append({"prompt": " ".join(prompts), "tools": [], "answer": ""})
        elif turns and message["role"] == "assistant":
            for block in content:
                if block.get("type") == "text" and not turns[-1]["answer"]:
                    turns[-1]["answer"] = block["text"]
                elif block.get("type") == "tool_use":
                    turns[-1]["tools"].append(block["name"])
                    key = _key(block)
                    if key is not None:
                        body = block["input"].get(ARTIFACT_TOOLS[block["name"]][1])
                        latest[" ".join(key)] = [block["name"], body if isinstance(body, str) else
                                                 json.dumps(body, ensure_ascii=False)]
    lines = []
    for turn in turns:
        tools = f" Tools: {', '.join(turn['tools'])}." if turn["tools"] else ""
        lines.append(f"Asked: {_short(turn['prompt'], 160)}{tools} Answer began: "
                     f"{_short(turn['answer'], 160) or '(tools only)'}")
    return lines, latest


def render_summary(turns: list[str], artifacts: dict[str, list[str]]) -> str:
    """The summary message: the turns (the first 10 and the last ones when there are many) and the artifacts."""
    lines = ["<conversation-summary>",
             f"The first {len(turns)} turns of this conversation, summarised to keep the request within the model's "
             "context (the design keeps them whole: %architect history).", ""]
    numbered = list(enumerate(turns, 1))
    if len(numbered) > SUMMARY_LINES:
        numbered = numbered[:10] + [(None, f"… turns 11–{len(turns) - SUMMARY_LINES + 10} left out …")] + \
            numbered[-(SUMMARY_LINES - 10):]
    lines += [f"Turn {n}. {text}" if n else text for n, text in numbered]
    if artifacts:
        lines += ["", "The newest version of each artifact from these turns, as it was sent:"]
        for key, (tool, body) in artifacts.items():
            lines += [f"--- {key} ({tool}) ---", body]
    lines.append("</conversation-summary>")
    return "\n".join(lines)


def summary_text(messages: list[dict], later: list[dict] = ()) -> str:
    """The summary of `messages` (unless a `later` message, still sent whole, holds a newer artifact version)."""
    lines, latest = summarise_turns(messages)
    for key in _artifact_keys(later):
        latest.pop(key, None)
    return render_summary(lines, latest)


def _artifact_keys(messages: list[dict]) -> set[str]:
    keys = set()
    for message in messages:
        for block in message["content"] if isinstance(message["content"], list) else []:
            if block.get("type") == "tool_use" and _key(block) is not None:
                keys.add(" ".join(_key(block)))
    return keys


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
