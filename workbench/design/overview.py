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


def holdings(design: Any) -> str:
    """What a design already holds, in one sentence, for `%design use` on a design with content: running a
    notebook again adds to it, and the person should know before the cells run (or pick a new name)."""
    heads = design.store_heads()
    turns = len(design.turns(all_conversations=True))
    if not heads and not turns:
        return ""
    kinds: dict[str, list[str]] = {}
    for head in heads:
        kinds.setdefault(head["kind"], []).append(f"{head['name']} v{head['version']}")
    parts = ([f"{turns} turn{'s' * (turns != 1)}"] if turns else []) + \
        [f"{kind} {', '.join(names[:3])}{' …' if len(names) > 3 else ''}" for kind, names in kinds.items()]
    return (f" (it already holds {'; '.join(parts)}). Cells run again add to it: the same schema, diagram or "
            f"decision is not stored twice, anything else is. To start clean, use a new name, e.g. "
            f"%design use {design.name}-2.")
