"""A design at a glance (Markdown): requirements, artifacts, decisions, readiness, usage."""

from __future__ import annotations

from typing import Any


def overview_markdown(design: Any, *, scorecard: Any = None) -> str:
    """What `%design show` prints: a short Markdown account of the design."""
    usage = design.usage()
    card = scorecard if scorecard is not None else design.scorecard()
    lines = [f"### Design `{design.name}`", "", f"**Requirements:** {design.requirements or '(none yet)'}", "",
             design.state_summary(), ""]
    decisions = design.decisions()
    if decisions:
        lines += ["**Decisions:** " + "; ".join(f"{d.key} {d.title} ({d.status})" for d in decisions), ""]
    lines += [f"**Turns:** {len(design.turns(all_conversations=True))} · {usage.summary()}", "",
              f"**Readiness** (the {card.source or 'agent'}'s Delivery Standards)", "", card.markdown()]
    return "\n".join(lines)
