"""Architecture decision records: numbered, with a status, kept as versions in the design.

A decision is stored under the name `ADR-0001`, `ADR-0002`, …; changing its status (say,
superseded by a later one) stores a new version under the same name. Each record is also
written to the design's workspace as `adr/0001-title.md`, where the file tools can read it.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ..errors import DesignError
from .kinds import DECISION as KIND

STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")


@dataclass
class Decision:
    """One architecture decision record (context, decision, consequences)."""

    number: int
    title: str
    context: str
    decision: str
    consequences: str
    status: str = "accepted"
    supersedes: int | None = None
    date: str = field(default_factory=lambda: date.today().isoformat())
    recorded_before: bool = field(default=False, compare=False, repr=False)  # returned again, not stored anew

    @property
    def key(self) -> str:
        return f"ADR-{self.number:04d}"

    @property
    def filename(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:60] or "decision"
        return f"adr/{self.number:04d}-{slug}.md"

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("recorded_before")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Decision:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def markdown(self, heading: str = "#") -> str:
        """The record in the usual ADR layout."""
        lines = [f"{heading} {self.key}: {self.title}", "", f"*Status:* {self.status} · *Date:* {self.date}"]
        if self.supersedes:
            lines[-1] += f" · *Supersedes:* ADR-{self.supersedes:04d}"
        lines += ["", f"{heading}# Context", "", self.context.strip(), "", f"{heading}# Decision", "",
                  self.decision.strip(), "", f"{heading}# Consequences", "", self.consequences.strip(), ""]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown("###")

    def _repr_html_(self) -> str:
        def block(title: str, text: str) -> str:
            return f"<p><b>{title}.</b> {html.escape(text.strip())}</p>"

        return (f"<div><h4>{html.escape(self.key)}: {html.escape(self.title)} "
                f"<small>({html.escape(self.status)})</small></h4>" + block("Context", self.context)
                + block("Decision", self.decision) + block("Consequences", self.consequences) + "</div>")

    def __repr__(self) -> str:
        return f"{self.key} {self.title} ({self.status})"


def check_status(status: str) -> str:
    value = (status or "accepted").strip().lower()
    if value not in STATUSES:
        raise DesignError(f"Unknown decision status {status!r}.", hint=f"Use one of: {', '.join(STATUSES)}.")
    return value


def decisions(design: Any) -> list[Decision]:
    """The design's decisions, newest version of each, in number order."""
    latest: dict[str, dict] = {}
    for row in design.versions(KIND):
        latest[row["name"]] = row["body"]
    return sorted((Decision.from_dict(body) for body in latest.values()), key=lambda d: d.number)


def record_decision(design: Any, title: str, context: str, decision: str, consequences: str,
                    status: str = "accepted", supersedes: int | None = None, *,
                    turn_id: int | None = None) -> Decision:
    """Add a numbered decision; a superseded earlier decision gets a new version with that status."""
    for name, text in (("title", title), ("context", context), ("decision", decision),
                       ("consequences", consequences)):
        if not (text or "").strip():
            raise DesignError(f"A decision needs a {name}.", hint="Give title, context, decision and consequences.")
    existing = decisions(design)
    wanted = (title.strip(), context, decision, consequences, check_status(status), supersedes)
    for earlier in existing:  # the same decision again (a rerun cell or notebook): it is already recorded
        if (earlier.title, earlier.context, earlier.decision, earlier.consequences, earlier.status,
                earlier.supersedes) == wanted:
            earlier.recorded_before = True
            return earlier
    record = Decision(max((d.number for d in existing), default=0) + 1, title.strip(), context, decision,
                      consequences, check_status(status), supersedes)
    from .workspace import within_write_limit

    within_write_limit(record.filename, record.markdown())  # before anything is stored: all of it, or nothing
    if supersedes is not None:
        earlier = next((d for d in existing if d.number == supersedes), None)
        if earlier is None:
            raise DesignError(f"ADR-{supersedes:04d} does not exist, so it cannot be superseded.",
                              hint=f"Existing decisions: {', '.join(d.key for d in existing) or 'none'}.")
        earlier.status = "superseded"
        design.add_version(KIND, earlier.key, earlier.to_dict(), summary=f"{earlier.title} (superseded by "
                           f"{record.key})", turn_id=turn_id)
        _write(design, earlier)
    design.add_version(KIND, record.key, record.to_dict(), summary=f"{record.title} ({record.status})",
                       turn_id=turn_id)
    _write(design, record)
    return record


def _write(design: Any, record: Decision) -> None:
    from .workspace import Workspace

    Workspace(design.workspace).write(record.filename, record.markdown())
