"""Conversation and design summaries as MIME bundles (Markdown with a text fallback)."""

from __future__ import annotations

from typing import Any

from ..design.conversation import conversation_markdown


def history_bundle(design: Any) -> dict[str, str]:
    row = design._row()
    text = conversation_markdown(design.messages(), row.get("agent") or "architect")
    title = f"### Conversation {row['conversation']} of design `{design.name}`\n\n"
    return {"text/markdown": title + text, "text/plain": title + text}


def design_bundle(design: Any) -> dict[str, str]:
    from ..design.overview import overview_markdown

    text = overview_markdown(design)
    return {"text/markdown": text, "text/plain": text}
