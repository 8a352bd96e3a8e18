"""ER diagrams on Graphviz: readable at 10 tables and at 1,000.

- Tables are HTML-like labels: name, then one row per column with markers (PK, FK, UK,
  NN for NOT NULL, IX for indexed) and type. Every identifier is escaped.
- A foreign key is one edge, from the FK column (the first of a composite key) to the
  referenced column, with crow's-foot ends: the child end shows "zero or many" (crow) or
  "zero or one" when the FK columns are unique; the parent end shows "exactly one" when
  the FK columns are NOT NULL and "zero or one" when they are nullable.
- Views that scale: `focus` + `depth` (the neighbourhood of a table), `keys_only`,
  `cluster` by namespace or name prefix, and `overview` (names only, clusters packed near square,
  stubs for references between clusters: see er_overview.py).
- A detailed drawing longer than 1:3 either way is packed like the overview (er_pack.py): components near
  square, tables without foreign keys in a grid, a busy table drawn again; a wide chain top to bottom.
- `highlight` colours tables and columns (the diff view: added, removed, changed).

Rendering pipes DOT through `dot` and returns the SVG; nothing is written to disk unless
`save()` is called.
"""

from __future__ import annotations

import html
import re
from collections import deque
from typing import Any

from ..errors import ConfigError, SchemaError
from .model import Schema, Table

COLOURS = {"added": "#d7f5dd", "removed": "#fbd9d9", "changed": "#fff1c7", "focus": "#cfe3ff"}
EDGE_COLOURS = {"added": "#1e8e3e", "removed": "#c5221f", "changed": "#b06000"}
HEADER = "#e8eef7"
_FONT = "Helvetica"


def _e(text: Any) -> str:
    """Escape for an HTML-like label (and for DOT's own quoting inside it)."""
    return html.escape(str(text), quote=True)


def _font(text: str | None, **attrs: str) -> str:
    """A FONT element, or nothing: Graphviz rejects an empty one."""
    if not text:
        return " "
    spec = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f"<FONT {spec}>{_e(text)}</FONT>"


def _id(key: str) -> str:
    """A DOT identifier for a table key, always quoted and escaped."""
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ERDiagram:
    """An ER diagram of a schema; show it in Jupyter, or get `.source`, `.svg()`, `.png()`."""

    def __init__(self, schema: Schema, *, focus: str | None = None, depth: int = 1, keys_only: bool = False,
                 cluster: str | None = None, overview: bool | None = None, highlight: dict | None = None,
                 title: str | None = None, max_columns: int = 40) -> None:
        if cluster not in (None, "namespace", "prefix"):
            raise SchemaError(f"Unknown cluster mode {cluster!r}.", hint="Use cluster='namespace' or 'prefix'.")
        if depth < 0:
            raise SchemaError("depth must be 0 or more.")
        self.schema = schema
        self.focus = schema.table(focus).key if focus else None
        self.depth = depth
        self.keys_only = keys_only
        self.cluster = cluster
        self.overview = overview if overview is not None else (focus is None and len(schema.tables) > 150)
        self.highlight = highlight or {}
        self.title = title
        self.max_columns = max_columns
        self.cluster_reason: str | None = None  # how the overview chose its clusters (set when drawn)
        self._packs: dict[str, tuple[int | None, str] | None] = {}  # plain DOT → None or the layout drawn
        self._rendered: dict[str, bytes] = {}  # DOT → its SVG, when laid out while choosing the packing
        self.tables = self._selected()

    # -- what to draw ----------------------------------------------------------------------------
    def _selected(self) -> list[Table]:
        if self.focus is None:
            return list(self.schema.tables.values())
        neighbours: dict[str, set[str]] = {}
        for table, fk in self.schema.foreign_keys():
            neighbours.setdefault(table.key, set()).add(fk.ref_table)
            neighbours.setdefault(fk.ref_table, set()).add(table.key)
        seen = {self.focus: 0}
        queue = deque([self.focus])
        while queue:
            key = queue.popleft()
            if seen[key] >= self.depth:
                continue
            for other in sorted(neighbours.get(key, ())):
                if other not in seen and other in self.schema.tables:
                    seen[other] = seen[key] + 1
                    queue.append(other)
        self._hidden = {k: len(neighbours.get(k, set()) - set(seen)) for k in seen}
        return [t for k, t in self.schema.tables.items() if k in seen]

    def _status(self, key: str, column: str | None = None) -> str | None:
        entry = self.highlight.get(key)
        if entry is None:
            return None
        if isinstance(entry, str):
            return entry if column is None else None
        if column is None:
            return entry.get("")
        return (entry.get("columns") or {}).get(column)

    # -- DOT ----------------------------------------------------------------------------------------
    @property
    def source(self) -> str:
        """The DOT source (deterministic for the same schema and options): packed when the plain drawing
        would be longer than MAX_ASPECT to 1 either way (see er_pack.py)."""
        if self.overview:
            from .er_overview import source

            return source(self, _id, self._label, self._edge)
        plain = self._dot()
        if plain not in self._packs:
            self._packs[plain] = self._packing(plain)
        layout = self._packs[plain]
        return plain if layout is None else self._dot(*layout)

    def _packing(self, plain: str) -> tuple[int | None, str] | None:
        """None to draw `plain`; else (hub, rankdir) of the squarest drawing tried, stopping at the first within
        MAX_ASPECT: packed with a table drawn again every `hub` referrers (er_pack.HUBS, largest first), then,
        for a drawing still too wide (one long chain packing cannot fold), top to bottom."""
        from .er_pack import HUBS, MAX_ASPECT, aspect, size

        if len(self.tables) < 3:
            return None
        try:
            svg = run_dot(plain, "svg")
        except ConfigError:
            return None  # no Graphviz: the source is all there is, and it stays the plain one
        self._rendered = {plain: svg}
        width, height = size(svg)
        best, choice = aspect(svg), None
        packs = [(hub, "LR") for hub in HUBS]
        for layout in packs + ([(None, "TB"), (HUBS[0], "TB")] if width > height else []):
            if best <= MAX_ASPECT:
                break
            source = self._dot(*layout)
            try:
                svg = run_dot(source, "svg")
            except SchemaError:
                continue  # Graphviz 2.43 can crash packing some clustered graphs: another layout, or the plain one
            self._rendered[source] = svg
            if aspect(svg) < best - 0.01:
                best, choice = aspect(svg), layout
        chosen = plain if choice is None else self._dot(*choice)
        self._rendered = {chosen: self._rendered[chosen]}  # only the drawing that is shown is kept
        return choice

    def _dot(self, hub: int | None = None, rankdir: str = "LR") -> str:
        """The plain DOT, or (with `hub`) the packed one whose tables are drawn again every `hub` referrers;
        left to right, or top to bottom with rankdir="TB"."""
        from . import er_pack

        keys = {t.key for t in self.tables}
        packed = hub is not None
        pack = ', pack=true, packmode="graph"' if packed else ""
        lines = ["digraph ER {",
                 f'  graph [rankdir={rankdir}, fontname="{_FONT}", fontsize=11, nodesep=0.35, ranksep=0.9, '
                 f'pad=0.2, bgcolor="white"{self._graph_extra()}{pack}];',
                 f'  node [shape=plaintext, fontname="{_FONT}", fontsize=10, margin=0];',
                 f'  edge [fontname="{_FONT}", fontsize=9, color="#5f6b7a", penwidth=1.1, arrowsize=0.9];']
        if self.title:
            lines.insert(2, f"  label={_id(self.title)}; labelloc=t;")
        alone = {t.key for t in er_pack.unlinked(self.tables)} if packed else set()
        for group, tables in self._groups():
            indent = "  "
            if group is not None:
                lines.append(f"  subgraph {_id('cluster_' + group)} {{")
                lines.append(f'    label={_id(group)}; style="rounded,filled"; fillcolor="#f7f9fc"; '
                             f'color="#c9d3e0"; fontsize=12;')
                indent = "    "
            for table in tables:
                lines.append(f"{indent}{_id(table.key)} [label=<{self._label(table)}>];")
            loose = [t for t in tables if t.key in alone]
            lines += [indent + line for line in er_pack.grid(loose, _id, self._rows, nodesep=0.35, ranksep=0.9)]
            if group is not None:
                lines.append("  }")
        hubs = er_pack.Hubs(_id, hub or 1)
        for table in self.tables:
            for fk in table.foreign_keys:
                if fk.ref_table not in keys:
                    continue
                copy, declare = hubs.target(table.key, fk.ref_table) if packed else (None, None)
                if declare:
                    lines.append("  " + declare)
                lines.append("  " + self._edge(table, fk, copy))
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _rows(self, table: Table) -> list[str]:
        """The text of each row of a table's label, for estimating its size."""
        columns = list(table.columns.values())[: self.max_columns]
        return [table.key] + [f"{c.name} {c.type or ''} NN" for c in columns]

    def _graph_extra(self) -> str:
        if self.overview:
            # large graphs: straight edges and bounded network-simplex work keep dot fast
            return ", splines=line, nslimit=2, nslimit1=2, mclimit=0.3, ranksep=1.4, concentrate=false"
        return ", splines=spline"

    def _groups(self) -> list[tuple[str | None, list[Table]]]:
        if self.cluster is None:
            return [(None, self.tables)]
        buckets: dict[str, list[Table]] = {}
        for table in self.tables:
            if self.cluster == "namespace":
                group = table.namespace or "(default)"
            else:
                group = re.split(r"[_.]", table.name, maxsplit=1)[0] if re.search(r"[_.]", table.name) else table.name
            buckets.setdefault(group, []).append(table)
        out: list[tuple[str | None, list[Table]]] = []
        loose: list[Table] = []
        for group, tables in buckets.items():
            if len(tables) > 1 or self.cluster == "namespace":
                out.append((group, tables))
            else:
                loose.extend(tables)
        if loose:
            out.append((None, loose))
        return out

    def _markers(self, table: Table) -> dict[str, list[str]]:
        marks: dict[str, list[str]] = {c: [] for c in table.columns}

        def add(column: str, mark: str) -> None:
            for name in marks:
                if name.lower() == column.lower() and mark not in marks[name]:
                    marks[name].append(mark)

        for c in table.primary_key:
            add(c, "PK")
        for fk in table.foreign_keys:
            for c in fk.columns:
                add(c, "FK")
        for u in table.uniques:
            for c in u.columns:
                add(c, "UK")
        for ix in table.indexes:
            for n, c in enumerate(ix.columns):
                if not ix.is_expression(n):
                    add(c, "UK" if ix.unique and len(ix.columns) == 1 else "IX")
        for name, column in table.columns.items():
            if not column.nullable and "PK" not in marks[name]:
                marks[name].append("NN")
        return marks

    def _label(self, table: Table) -> str:
        status = self._status(table.key)
        header = COLOURS.get(status or "", COLOURS["focus"] if table.key == self.focus else HEADER)
        name = _e(table.key)
        if status == "removed":
            name = f"<S>{name}</S>"
        if self.overview:
            detail = f"{len(table.columns)} col · {len(table.foreign_keys)} FK"
            return (f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#8a99ad">'
                    f'<TR><TD BGCOLOR="{header}"><B>{name}</B></TD></TR>'
                    f'<TR><TD><FONT POINT-SIZE="8" COLOR="#5f6b7a">{detail}</FONT></TD></TR></TABLE>')
        marks = self._markers(table)
        rows = [f'<TR><TD COLSPAN="3" BGCOLOR="{header}" PORT="t"><B>{name}</B></TD></TR>']
        shown = [c for c in table.columns.values() if not self.keys_only or set(marks[c.name]) & {"PK", "FK", "UK"}]
        entry = self.highlight.get(table.key)
        removed = list(entry.get("removed_columns") or []) if isinstance(entry, dict) else []
        hidden = len(shown) - self.max_columns if len(shown) > self.max_columns else 0
        keep = {fk.columns[0].lower() for fk in table.foreign_keys} | {c.lower() for c in table.primary_key}
        if hidden:
            first = [c for c in shown if c.name.lower() in keep]
            rest = [c for c in shown if c.name.lower() not in keep][: max(0, self.max_columns - len(first))]
            shown = [c for c in table.columns.values() if c in first or c in rest]
        for column in table.columns.values():
            if column not in shown:
                continue
            port = self._port(table, column.name)
            cstatus = self._status(table.key, column.name)
            bg = f' BGCOLOR="{COLOURS[cstatus]}"' if cstatus in COLOURS else ""
            mark = " ".join(marks[column.name])
            label = _e(column.name)
            if "PK" in marks[column.name]:
                label = f"<B>{label}</B>"
            if column.nullable and "PK" not in marks[column.name]:
                label = f"<I>{label}</I>"
            # edges leave a child from the row's right end and reach a parent at the row's left end
            rows.append(f'<TR><TD ALIGN="LEFT" PORT="{port}w"{bg}>{label}</TD>'
                        f'<TD ALIGN="LEFT"{bg}>{_font(column.type, COLOR="#5f6b7a")}</TD>'
                        f'<TD ALIGN="LEFT" PORT="{port}e"{bg}>{_font(mark, COLOR="#1a4f8b", POINT_SIZE="8")}</TD></TR>')
        for name in removed:
            rows.append(f'<TR><TD ALIGN="LEFT" BGCOLOR="{COLOURS["removed"]}"><S>{_e(name)}</S></TD>'
                        f'<TD BGCOLOR="{COLOURS["removed"]}"></TD><TD BGCOLOR="{COLOURS["removed"]}"></TD></TR>')
        extra = []
        if self.keys_only and len(shown) < len(table.columns):
            extra.append(f"{len(table.columns) - len(shown)} more columns")
        elif hidden:
            extra.append(f"{hidden} more columns")
        more = getattr(self, "_hidden", {}).get(table.key, 0)
        if more:
            extra.append(f"{more} related table{'s' if more != 1 else ''} not shown")
        if extra:
            rows.append(f'<TR><TD COLSPAN="3" ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#8a99ad">'
                        f'{_e(" · ".join(extra))}</FONT></TD></TR>')
        border = "#c5221f" if status == "removed" else "#8a99ad"
        return (f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="{border}">'
                + "".join(rows) + "</TABLE>")

    def _port(self, table: Table, column: str) -> str:
        names = [c.lower() for c in table.columns]
        try:
            return f"c{names.index(column.lower())}"
        except ValueError:
            return ""

    def _edge(self, table: Table, fk, to: str | None = None) -> str:
        """The edge of a foreign key (to the referenced table, or to `to`: a stub or a hub's copy)."""
        parent = self.schema.tables[fk.ref_table]
        nullable = any((table.column(c) is None or table.column(c).nullable) for c in fk.columns)
        one_to_one = table.is_unique(fk.columns)
        tail = "teeodot" if one_to_one else "crowodot"       # the child end: how many children
        head = "teeodot" if nullable else "teetee"           # the parent end: does a child need one
        src, dst = _id(table.key), _id(to if to is not None else parent.key)
        if not self.overview:
            out_port = self._port(table, fk.columns[0])
            in_port = self._port(parent, fk.ref_columns[0] if fk.ref_columns else "")
            src += f":{out_port}e:e" if out_port else ":t:e"
            # a self-reference loops back into the same table on its left side; a drawn-again copy has no ports
            dst += ":w" if to is not None else (f":{in_port}w:w" if in_port else ":t:w")
        attrs = ["dir=both", f"arrowtail={tail}", f"arrowhead={head}"]
        if len(fk.columns) > 1 and not self.overview:
            attrs.append(f"label={_id('(' + ', '.join(fk.columns) + ')')}")
        status = self._status(table.key, fk.columns[0])
        if status in EDGE_COLOURS:
            attrs.append(f'color="{EDGE_COLOURS[status]}"')
        tooltip = f"{table.key}({', '.join(fk.columns)}) → {parent.key}({', '.join(fk.ref_columns)})"
        attrs.append(f"tooltip={_id(tooltip)}")
        return f"{src} -> {dst} [{', '.join(attrs)}];"

    # -- rendering ----------------------------------------------------------------------------------
    def render(self, fmt: str = "svg") -> bytes:
        """Run Graphviz and return the image bytes (svg or png)."""
        if fmt not in ("svg", "png"):
            raise SchemaError(f"Unknown format {fmt!r}.", hint="Use svg or png.")
        source = self.source
        if fmt == "svg" and source in self._rendered:
            return self._rendered[source]
        return run_dot(source, fmt)

    def svg(self) -> str:
        return _strip_svg(self.render("svg").decode("utf-8"))

    def png(self) -> bytes:
        return self.render("png")

    def drawn(self) -> Schema:
        """The tables this diagram draws (a focus, or all), as a Schema of their own."""
        from .model import Schema

        whole = len(self.tables) == len(self.schema.tables)
        return Schema(list(self.tables), dialect=self.schema.dialect, enums=list(self.schema.enums.values()),
                      domains=list(self.schema.domains.values()), extensions=self.schema.extensions,
                      views=list(self.schema.views.values()) if whole else None, name=self.schema.name)

    def mermaid(self) -> str:
        """The drawn tables as a Mermaid erDiagram (GitHub, GitLab and Notion render it)."""
        return self.drawn().to_mermaid(keys_only=self.keys_only)

    def dbml(self) -> str:
        """The drawn tables as DBML (dbdiagram.io, ChartDB)."""
        return self.drawn().to_dbml()

    def save(self, path: str) -> str:
        """Write the diagram to `path` (.svg, .png or .dot; .mmd for Mermaid, .dbml for DBML)."""
        from pathlib import Path

        target = Path(path)
        suffix = target.suffix.lower().lstrip(".")
        if suffix in ("mmd", "mermaid"):
            target.write_text(self.mermaid(), encoding="utf-8")
        elif suffix == "dbml":
            target.write_text(self.dbml(), encoding="utf-8")
        elif suffix == "dot" or suffix == "gv":
            target.write_text(self.source, encoding="utf-8")
        elif suffix == "svg":
            target.write_text(self.svg(), encoding="utf-8")
        elif suffix == "png":
            target.write_bytes(self.png())
        else:
            raise SchemaError(f"Cannot write {path!r}.", hint="Use a .svg, .png, .dot, .mmd (Mermaid) or .dbml file name.")
        return str(target)

    def text(self) -> str:
        """A text rendering: one line per table with its keys and relations."""
        lines = []
        for table in self.tables:
            marks = self._markers(table)
            cols = ", ".join(f"{c}{' ' + '/'.join(m) if m else ''}" for c, m in marks.items()
                             if not self.keys_only or set(m) & {"PK", "FK", "UK"})
            lines.append(f"{table.key} ({cols})")
            for fk in table.foreign_keys:
                lines.append(f"  {', '.join(fk.columns)} → {fk.ref_table}({', '.join(fk.ref_columns)})")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        text = self.text()
        if len(text) > 5000:
            text = text[:5000] + f"\n… ({len(self.tables)} tables)"
        try:
            return {"image/svg+xml": self.svg(), "text/plain": text}
        except ConfigError:
            return {"text/plain": text + "\n(Install Graphviz to see the diagram: sudo apt-get install -y graphviz)"}

    def __repr__(self) -> str:
        return f"<ERDiagram {len(self.tables)} tables{' (overview)' if self.overview else ''}>"


def run_dot(source: str, fmt: str = "svg", engine: str = "dot") -> bytes:
    """Lay out DOT source with Graphviz (through the `graphviz` package) and return the image."""
    import graphviz

    try:
        return graphviz.pipe(engine, fmt, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise ConfigError("Graphviz `dot` is not installed.", hint="Install it: sudo apt-get install -y graphviz") from None
    except graphviz.CalledProcessError as exc:
        message = (exc.stderr or b"").decode(errors="replace").strip()[:500] if isinstance(exc.stderr, bytes) else str(exc)
        raise SchemaError(f"Graphviz failed: {message}") from None


def _strip_svg(svg: str) -> str:
    """Drop the XML prolog and DOCTYPE so the SVG can be inlined in HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
