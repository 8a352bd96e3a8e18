"""A schema version as people and the agent see it: ER diagram, lint findings, what changed."""

from __future__ import annotations

import html
from typing import Any

from .model import Schema


class SchemaReport:
    """ER diagram + findings + changes since the previous version, with a text fallback."""

    def __init__(self, schema: Schema, *, title: str, findings: Any = None, changes: Any = None,
                 version: int | None = None, er_options: dict | None = None, stored: str | None = None) -> None:
        self.schema = schema
        self.stored = stored  # where it was stored ("Stored as version 2 of schema 'main' in …"), for the agent
        # identical to the newest version, so nothing was stored (a cell run again): the person is told too
        self.unchanged = bool(stored) and stored.startswith("Unchanged")
        self.title = title
        self.findings = findings if findings is not None else schema.lint()
        self.changes = changes
        self.version = version
        self.er_options = er_options or {}

    def diagram(self):
        options = dict(self.er_options)
        if self.changes and not options.get("overview") and len(self.schema.tables) <= 150:
            return self.changes.er(**options)
        return self.schema.er(**options)

    def text(self) -> str:
        lines = [f"{self.title}: {self.schema.summary()}"] + ([self.stored] if self.unchanged else [])
        lines.append(f"Lint: {self.findings.summary()}")
        lines.extend(f"  {f.text()}" for f in list(self.findings)[:20])
        if self.changes is not None:
            lines.append(f"Changes: {self.changes.summary()}")
        for warning in self.schema.warnings[:5]:
            lines.append(f"Note: {warning}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from ..errors import ConfigError

        try:
            svg = self.diagram().svg()
        except ConfigError as exc:
            svg = f"<p>{html.escape(str(exc))}</p>"
        parts = [f'<div class="wb-schema"><h4 style="margin:4px 0">{html.escape(self.title)} — '
                 f"{html.escape(self.schema.summary())}</h4>",
                 f"<p><i>{html.escape(self.stored)}</i></p>" if self.unchanged else "",
                 f'<div style="overflow:auto;max-height:720px">{svg}</div>',
                 self.findings._repr_html_()]
        if self.changes is not None and self.changes:
            parts.append(f"<details><summary><b>Changes:</b> {html.escape(self.changes.summary())}</summary>"
                         f"{self.changes._repr_html_()}</details>")
        if self.schema.warnings:
            notes = "".join(f"<li>{html.escape(w)}</li>" for w in self.schema.warnings[:10])
            parts.append(f"<details><summary>Parser notes ({len(self.schema.warnings)})</summary><ul>{notes}</ul>"
                         "</details>")
        parts.append("</div>")
        return {"text/html": "".join(parts), "text/plain": self.text()}

    def for_model(self, *, max_tables: int = 60) -> str:
        """The compact summary returned to the agent."""
        s = self.schema
        lines = ([self.stored] if self.stored else []) + [f"{self.title}: {s.summary()}."]
        shown = list(s.tables.values())[:max_tables]
        for t in shown:
            fks = "; ".join(f"{', '.join(fk.columns)}→{fk.ref_table}" for fk in t.foreign_keys)
            pk = ",".join(t.primary_key) or "none"
            lines.append(f"- {t.key}: {len(t.columns)} cols, PK {pk}" + (f", FK {fks}" if fks else ""))
        if len(s.tables) > max_tables:
            lines.append(f"- … {len(s.tables) - max_tables} more tables")
        lines.append(f"Lint: {self.findings.summary()}.")
        for f in list(self.findings)[:15]:
            where = f.table + (f".{f.column}" if f.column else "")
            lines.append(f"- {f.severity} {f.rule} {f.name} at {where}: {f.message}" + (f" Fix: {f.fix}" if f.fix else ""))
        if len(self.findings) > 15:
            lines.append(f"- … {len(self.findings) - 15} more findings")
        if self.changes is not None:
            lines.append(f"Changes since the previous version: {self.changes.summary()}.")
            for change in self.changes.changes[:15]:
                lines.append(f"- {change.text()}")
        elif self.version == 1:
            lines.append("This is the first version.")
        for warning in s.warnings[:5]:
            lines.append(f"Parser note: {warning}")
        return "\n".join(lines)
