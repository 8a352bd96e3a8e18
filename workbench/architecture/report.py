"""An architecture version as people and the agent see it: diagram with findings, changes."""

from __future__ import annotations

import html
from typing import Any

from .lint import findings_for_model


def changes(old: Any, new: Any) -> list[str]:
    """What changed between two architecture versions, as short lines."""
    if old is None:
        return []
    old_nodes = {n.id: n for n in old.spec.nodes}
    new_nodes = {n.id: n for n in new.spec.nodes}
    out = [f"+ node {n}" for n in new_nodes if n not in old_nodes]
    out += [f"- node {n}" for n in old_nodes if n not in new_nodes]
    for n in new_nodes:
        if n in old_nodes and old_nodes[n] != new_nodes[n]:
            a, b = old_nodes[n], new_nodes[n]
            what = [f"{field}: {getattr(a, field)!r} → {getattr(b, field)!r}"
                    for field in ("kind", "label", "group", "replicas", "tags") if getattr(a, field) != getattr(b, field)]
            out.append(f"~ node {n} ({'; '.join(what)})")
    key = lambda e: (e.source, e.target, e.label or "", e.mode)  # noqa: E731
    old_edges = {key(e) for e in old.spec.edges}
    new_edges = {key(e) for e in new.spec.edges}
    out += [f"+ edge {s} → {t} ({m}{', ' + lbl if lbl else ''})" for s, t, lbl, m in sorted(new_edges - old_edges)]
    out += [f"- edge {s} → {t} ({m}{', ' + lbl if lbl else ''})" for s, t, lbl, m in sorted(old_edges - new_edges)]
    return out


def fit_width(svg: str) -> str:
    """The SVG scaled down to the output's width, its height following the viewBox, drawn whole.

    Inside a box with a maximum height the bottom of a tall diagram was cut off (a nested scroll area
    in a notebook that scrolls itself); as a block, no baseline gap below it either.
    """
    if not svg.startswith("<svg "):
        return svg
    return '<svg style="display:block;max-width:100%;height:auto" ' + svg[len("<svg "):]


class ArchitectureReport:
    """Diagram (findings highlighted) + findings + changes, with a text fallback."""

    def __init__(self, arch: Any, *, title: str, findings: Any = None, previous: Any = None,
                 version: int | None = None, stored: str | None = None) -> None:
        self.arch = arch
        self.stored = stored  # where it was stored, for the agent
        self.unchanged = bool(stored) and stored.startswith("Unchanged")  # nothing stored: said to the person too
        self.title = title
        self.findings = findings if findings is not None else arch.lint()
        self.changes = changes(previous, arch) if previous is not None else None
        self.version = version

    def text(self) -> str:
        from .drawing import text_view

        lines = [f"{self.title}"] + ([self.stored] if self.unchanged else []) + [text_view(self.arch, self.findings)]
        if self.changes is not None:
            lines.append("Changes: " + ("; ".join(self.changes) if self.changes else "none"))
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from ..errors import ConfigError

        try:
            svg = self.arch.render(findings=self.findings)
        except ConfigError as exc:
            svg = f"<p>{html.escape(str(exc))}</p>"
        parts = [f'<div class="wb-architecture"><h4 style="margin:4px 0">{html.escape(self.title)} — '
                 f"{html.escape(self.arch.summary())}</h4>",
                 f"<p><i>{html.escape(self.stored)}</i></p>" if self.unchanged else "", f"<div>{fit_width(svg)}</div>",
                 self.findings._repr_html_()]
        if self.changes:
            items = "".join(f"<li>{html.escape(c)}</li>" for c in self.changes)
            parts.append(f"<details><summary><b>Changes</b> ({len(self.changes)})</summary><ul>{items}</ul></details>")
        parts.append("</div>")
        return {"text/html": "".join(parts), "text/plain": self.text()}

    def for_model(self) -> str:
        lines = ([self.stored] if self.stored else []) + [f"{self.title}: {self.arch.summary()}.",
                                                          f"Lint: {self.findings.summary()}."]
        lines += findings_for_model(self.findings)
        if self.changes is not None:
            lines.append("Changes since the previous version: " + ("; ".join(self.changes[:20]) or "none") + ".")
        elif self.version == 1:
            lines.append("This is the first version.")
        return "\n".join(lines)
