"""A stored conversation as Markdown (for %architect history and the design document)."""

from __future__ import annotations

import json


def conversation_markdown(messages: list[dict], agent: str = "architect") -> str:
    """A stored conversation as Markdown: prompts, answers, the model's thinking (quoted, shortened), tool calls
    and their results, and where the conversation was compacted."""
    parts: list[str] = []
    for msg in messages:
        blocks = msg["content"] if isinstance(msg["content"], list) else [{"type": "text", "text": msg["content"]}]
        for block in blocks:
            kind = block.get("type")
            if kind == "text":
                text = block["text"]
                if text.startswith("<design-state>"):
                    continue
                who = "**You**" if msg["role"] == "user" else f"**{agent}**"
                parts.append(f"{who}\n\n{text}")
            elif kind == "thinking" and block.get("thinking", "").strip():
                parts.append(_quoted("thinking", block["thinking"]))
            elif kind == "redacted_thinking":
                parts.append("> *thinking (encrypted by the API; not shown)*")
            elif kind == "compaction":
                parts.append(_quoted("the conversation was compacted here; the model went on from this summary",
                                     block.get("content") or ""))
            elif kind == "tool_use":
                arg = json.dumps(block.get("input", {}), ensure_ascii=False)
                parts.append(f"⚙ `{block['name']}` {arg[:200]}{'…' if len(arg) > 200 else ''}")
            elif kind == "tool_result":
                content = block.get("content")
                text = content if isinstance(content, str) else " ".join(
                    c.get("text", "") for c in content or [] if isinstance(c, dict))
                first = text.strip().splitlines()[0][:200] if text.strip() else ""
                mark = "✗" if block.get("is_error") else "✓"
                parts.append(f"{mark} {first}")
    return "\n\n".join(parts) if parts else "(no conversation yet)"


THOUGHT_CHARS = 1200  # of thinking or a summary shown per block; the store keeps it all


def _quoted(label: str, text: str) -> str:
    text = text.strip()
    if len(text) > THOUGHT_CHARS:
        text = text[:THOUGHT_CHARS].rstrip() + f" … [{len(text):,} characters in all]"
    return "\n".join([f"> *{label}*", ">"] + ["> " + line if line else ">" for line in text.splitlines()])
