"""Mermaid text for the design's drawings: `erDiagram` for a schema, `flowchart` for an architecture.

GitHub, GitLab, Notion and most Markdown viewers render Mermaid blocks themselves, so a design
travels as text that stays diffable. Names Mermaid's grammar would not take are written in its
quoted or aliased forms; model text (labels, comments) is escaped, never passed through as syntax.
A leaf module: it reads the Schema and Architecture it is given and imports neither.
"""

from __future__ import annotations

import re
from typing import Any

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _entity(key: str, aliases: dict[str, str]) -> str:
    """An entity name Mermaid reads: the table's own name where it can, else an alias with its name as label."""
    if key in aliases:
        return aliases[key]
    simple = key.replace(".", "__")
    alias = simple if _ID.match(simple) else f"t{len(aliases) + 1}"
    while alias in aliases.values():
        alias += "_"
    aliases[key] = alias
    return alias


def _label(text: str) -> str:
    """Model text as Mermaid label text: its entity codes for what would be markup or syntax, so a label
    shows what it says and is never read as HTML or as the diagram's own syntax. `%` too: Mermaid takes a
    `%%{init: …}%%` directive from anywhere in the text, a quoted label included, and applies it (a theme,
    styles) to the whole diagram; `#37;` shows the same `%` and is no directive."""
    text = str(text).replace("\n", " ").replace("`", "'").replace("#", "#35;").replace("%", "#37;")
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _type(type_: str) -> str:
    """Mermaid attribute types are one word: varchar(120) → varchar(120), 'timestamp with time zone' → timestamp_with_time_zone."""
    word = re.sub(r"\s+", "_", type_.strip())
    word = re.sub(r"[^\w(),\[\]-]", "", word).replace(",", "-")
    return word or "unknown"


def schema_mermaid(schema: Any, *, keys_only: bool = False) -> str:
    """A schema as a Mermaid erDiagram: entities with typed attributes (PK, FK, UK markers, comments),
    and a relationship per foreign key with its cardinality (one-to-one when the key is unique; optional
    when a referencing column may be NULL)."""
    aliases: dict[str, str] = {}
    lines = ["erDiagram"]
    for table in schema.tables.values():
        name = _entity(table.key, aliases)
        label = f'["{_label(table.key)}"]' if name != table.key else ""
        lines.append(f"    {name}{label} {{")
        fk_columns = {c.lower() for fk in table.foreign_keys for c in fk.columns}
        pk = {c.lower() for c in table.primary_key}
        unique = {u.columns[0].lower() for u in table.uniques if len(u.columns) == 1}
        for column in table.columns.values():
            lower = column.name.lower()
            if keys_only and lower not in pk | fk_columns | unique:
                continue
            keys = [k for k, on in (("PK", lower in pk), ("FK", lower in fk_columns), ("UK", lower in unique)) if on]
            attribute = column.name if _ID.match(column.name) else re.sub(r"\W", "_", column.name)
            comment = column.comment or ("" if attribute == column.name else column.name)
            lines.append(f"        {_type(column.type)} {attribute}" + (f" {','.join(keys)}" if keys else "")
                         + (f' "{_label(comment)[:80]}"' if comment else ""))
        lines.append("    }")
    for table in schema.tables.values():
        for fk in table.foreign_keys:
            if fk.ref_table not in schema.tables:
                continue
            child, parent = _entity(table.key, aliases), _entity(fk.ref_table, aliases)
            one_to_one = table.is_unique(fk.columns)
            optional = any((c := table.column(n)) is not None and c.nullable for n in fk.columns)
            left = "|o" if optional else "||"
            right = "o|" if one_to_one else "o{"
            verb = _label(fk.name or ", ".join(fk.columns))
            lines.append(f'    {parent} {left}--{right} {child} : "{verb}"')
    return "\n".join(lines) + "\n"


def architecture_mermaid(arch: Any, shape: Any) -> str:
    """An architecture as a Mermaid flowchart: nodes shaped by role (`shape(role)` → Mermaid's opening and
    closing brackets), groups as subgraphs, sync edges solid and async edges dotted, with their labels."""
    spec = arch.spec
    ids: dict[str, str] = {}

    def node_id(raw: str) -> str:
        if raw not in ids:
            clean = re.sub(r"\W", "_", raw)
            ids[raw] = clean if clean not in ids.values() else f"{clean}_{len(ids)}"
        return ids[raw]

    lines = [f"flowchart {spec.direction}"]
    if spec.title:
        lines.insert(0, f"---\ntitle: {_label(spec.title)}\n---")

    def node_line(node: Any, indent: str) -> str:
        opening, closing = shape(arch.role(node.id))
        text = _label(arch.label(node.id)) + (f" ×{node.replicas}" if node.replicas > 1 else "")
        return f"{indent}{node_id(node.id)}{opening}{text}{closing}"

    children: dict[str | None, list[Any]] = {}
    for group in spec.groups:
        children.setdefault(group.parent, []).append(group)

    def emit_group(group: Any, depth: int) -> None:
        indent = "    " * depth
        lines.append(f'{indent}subgraph {node_id("group_" + group.id)}["{_label(group.label or group.id)}"]')
        for node in spec.nodes:
            if node.group == group.id:
                lines.append(node_line(node, indent + "    "))
        for child in children.get(group.id, []):
            emit_group(child, depth + 1)
        lines.append(f"{indent}end")

    for group in children.get(None, []):
        emit_group(group, 1)
    for node in spec.nodes:
        if node.group is None:
            lines.append(node_line(node, "    "))
    for edge in spec.edges:
        text = " · ".join(_label(t) for t in (edge.label, edge.protocol) if t)
        arrow = "-.->" if edge.mode == "async" else "-->"
        label = f'|"{text}"|' if text else ""
        lines.append(f"    {node_id(edge.source)} {arrow}{label} {node_id(edge.target)}")
    return "\n".join(lines) + "\n"
