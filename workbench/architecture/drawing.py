"""Spec → `diagrams` → Graphviz → a self-contained SVG (or PNG), without touching the disk.

The graph is built with the `diagrams` package's own Diagram, Cluster, Node and Edge classes,
then piped through Graphviz instead of letting `diagrams` render to files in the working
directory. Graphviz writes absolute paths to the PNG icons into the SVG; each distinct icon is
inlined once as a data URI in a <symbol>, and every node points at it with <use>, so the SVG
opens anywhere (a browser, a design document) and makes no requests.
"""

from __future__ import annotations

import base64
import hashlib
import html
import keyword
import re
import struct
from pathlib import Path
from typing import Any

from .catalogue import node_class

HIGHLIGHT = {"error": "#c5221f", "warning": "#d93025", "info": "#1a73e8"}
_IMAGE = re.compile(r'<image xlink:href="([^"]+)" width="([\d.]+)px" height="([\d.]+)px" '
                    r'preserveAspectRatio="xMinYMin meet" x="([-\d.]+)" y="([-\d.]+)"/>')


def _stable_ids(arch) -> dict[str, str]:
    return {n.id: f"n{i}" for i, n in enumerate(arch.spec.nodes)}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str) -> str:
    """A label as plain text for Graphviz: never an HTML-like label (`<…>`), backslashes literal.

    Labels come from the spec, that is from the model or the user: `<<table><tr><td href=…>` must
    draw as those characters, not become markup or a link.
    """
    from graphviz import escape

    return escape(_CONTROL.sub("", str(value)))  # control characters (NUL…) have no place in a label


def build_dot(arch, findings: Any = None):
    """The graphviz.Digraph that `diagrams` builds for the spec (findings highlighted)."""
    from diagrams import Cluster, Diagram, Edge, setcluster, setdiagram

    spec = arch.spec
    big = len(spec.nodes) > 40
    graph_attr = {"pad": "0.4", "nodesep": "0.5" if big else "0.7", "ranksep": "0.8", "fontsize": "18",
                  "labelloc": "t", "splines": "spline" if big else "ortho",
                  # newrank avoids dot's "trouble in init_rank" with edges across clusters
                  "newrank": "true"}
    if big:  # orthogonal routing and unbounded crossing reduction get slow past a few dozen nodes
        graph_attr.update({"mclimit": "0.3", "nslimit": "2", "nslimit1": "2", "searchsize": "10"})
    diagram = Diagram(_text(spec.title or ""), filename="architecture", show=False, outformat="svg", direction=spec.direction,
                      curvestyle="curved" if big else "ortho", graph_attr=graph_attr)
    flagged_nodes: dict[str, tuple[str, list[str]]] = {}
    flagged_edges: dict[tuple[str, str], str] = {}
    for finding in findings or []:
        colour = HIGHLIGHT.get(finding.severity, HIGHLIGHT["warning"])
        for node_id in finding.nodes:
            current = flagged_nodes.get(node_id)
            notes = (current[1] if current else []) + [f"{finding.rule} {finding.name}"]
            flagged_nodes[node_id] = (current[0] if current and current[0] == HIGHLIGHT["error"] else colour, notes)
        for pair in finding.edges:
            flagged_edges[tuple(pair)] = colour
    ids = _stable_ids(arch)
    objects: dict[str, Any] = {}
    setdiagram(diagram)
    try:
        def place(group_id: str | None, depth: int) -> None:
            for node in spec.nodes:
                if node.group != group_id:
                    continue
                label = _text(arch.label(node.id) + (f"\n×{node.replicas}" if node.replicas > 1 else ""))
                attrs: dict[str, str] = {"tooltip": _text(f"{node.id} ({node.kind})")}
                if node.id in flagged_nodes:
                    colour, notes = flagged_nodes[node.id]
                    attrs.update({"shape": "box", "style": "rounded,bold", "color": colour, "penwidth": "3",
                                  "fontcolor": colour, "tooltip": _text(f"{node.id}: " + "; ".join(notes))})
                objects[node.id] = node_class(arch.kinds[node.id].cls)(label, nodeid=ids[node.id], **attrs)
            for index, group in enumerate(spec.groups):
                if group.parent == group_id:
                    cluster = Cluster(_text(group.label or group.id))
                    cluster.dot.name = f"cluster_g{index}"  # stable, and unique even when labels repeat
                    with cluster:
                        place(group.id, depth + 1)

        place(None, 0)
        for edge in spec.edges:
            text = edge.label or ""
            if edge.protocol:
                text = f"{text} ({edge.protocol})" if text else edge.protocol
            attrs = {"label": _text(text), "style": "dashed" if edge.mode == "async" else "solid", "forward": True}
            colour = flagged_edges.get((edge.source, edge.target))
            if colour:
                attrs.update({"color": colour, "penwidth": "2.2", "fontcolor": colour})
            objects[edge.source].connect(objects[edge.target], Edge(**attrs))
    finally:
        setcluster(None)
        setdiagram(None)
    return diagram.dot


def render(arch, fmt: str = "svg", *, findings: Any = None) -> str | bytes:
    """Self-contained SVG text, or PNG bytes."""
    from ..errors import ArchitectureSpecError, ConfigError

    if fmt not in ("svg", "png"):
        raise ArchitectureSpecError([f"format {fmt!r}: use svg or png"])
    import graphviz

    dot = build_dot(arch, findings)
    try:
        data = dot.pipe(format=fmt, quiet=True)
    except graphviz.ExecutableNotFound:
        raise ConfigError("Graphviz `dot` is not installed.", hint="Install it: sudo apt-get install -y graphviz") from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise ArchitectureSpecError([f"Graphviz could not draw this spec: {detail[0] if detail else exc}"]) from None
    if fmt == "png":
        return data
    from ..sanitize import clean_svg

    return clean_svg(inline_icons(data.decode("utf-8")))


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    return 256, 256


def inline_icons(svg: str) -> str:
    """Each distinct icon once, as a data URI in a <symbol>; nodes point at it with <use>.

    The symbol ids start with a hash of the drawing: a notebook page holds many diagrams inline, and
    `<use href="#id">` resolves to the first element with that id in the whole page, so ids numbered
    from 0 in each drawing would make the second diagram show the first one's icons.
    """
    symbols: dict[str, str] = {}
    defs: list[str] = []
    portable = _IMAGE.sub(lambda m: m.group(1).rpartition("/resources/")[2] + "".join(m.groups()[1:]), svg)
    prefix = "wb-icon-" + hashlib.sha256(portable.encode("utf-8")).hexdigest()[:10]  # the same on every machine

    def replace(match: re.Match) -> str:
        path, width, height, x, y = match.groups()
        if path not in symbols:
            data = Path(path).read_bytes()
            pw, ph = _png_size(data)
            symbol = f"{prefix}-{len(symbols)}"
            symbols[path] = symbol
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            defs.append(f'<symbol id="{symbol}" viewBox="0 0 {pw} {ph}" preserveAspectRatio="xMidYMid meet">'
                        f'<image width="{pw}" height="{ph}" xlink:href="{uri}"/></symbol>')
        return f'<use xlink:href="#{symbols[path]}" x="{x}" y="{y}" width="{width}" height="{height}"/>'

    body = _IMAGE.sub(replace, svg)
    start = body.find("<svg")
    body = body[start:] if start >= 0 else body
    if defs:
        close = body.index(">") + 1
        body = body[:close] + "\n<defs>" + "".join(defs) + "</defs>" + body[close:]
    return body


def text_view(arch, findings: Any = None) -> str:
    """The architecture as text: nodes by group, edges, findings."""
    lines = [f"{arch.title}: {arch.summary()}"]
    groups = {g.id: g for g in arch.spec.groups}
    for node in arch.spec.nodes:
        where = f" [{groups[node.group].label or node.group}]" if node.group else ""
        replicas = f" ×{node.replicas}" if node.replicas > 1 else ""
        lines.append(f"  {node.id}: {arch.label(node.id)} ({node.kind}){replicas}{where}")
    for edge in arch.spec.edges:
        label = f" {edge.label}" if edge.label else ""
        lines.append(f"  {edge.source} {'→' if edge.mode == 'sync' else '⇢'} {edge.target}{label} ({edge.mode})")
    if findings is not None:
        lines.append(f"Lint: {findings.summary()}")
        lines.extend(f"  {f.text()}" for f in findings)
    return "\n".join(lines)


def to_python(arch) -> str:
    """The equivalent `diagrams` program, as text."""
    spec = arch.spec
    imports: dict[str, str] = {}  # class path → name used in the program
    used_names: set[str] = set()
    for node in spec.nodes:
        path = arch.kinds[node.id].cls
        if path not in imports:
            name = path.rsplit(".", 1)[1]
            alias = name
            n = 2
            while alias in used_names:
                alias = f"{name}{n}"
                n += 1
            used_names.add(alias)
            imports[path] = alias
    variables: dict[str, str] = {}
    taken = set(used_names) | {"Cluster", "Diagram", "Edge"}
    for node in spec.nodes:
        base = re.sub(r"\W", "_", node.id).strip("_").lower() or "node"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = f"n_{base}"
        var, n = base, 2
        while var in taken:
            var = f"{base}_{n}"
            n += 1
        taken.add(var)
        variables[node.id] = var
    lines = ['"""' + f"{spec.title}: generated by Architect Workbench from an architecture spec." + '"""', "",
             "from diagrams import Cluster, Diagram, Edge"]
    by_module: dict[str, list[str]] = {}
    for path, alias in imports.items():
        module, name = path.rsplit(".", 1)
        by_module.setdefault(module, []).append(name if name == alias else f"{name} as {alias}")
    for module in sorted(by_module):
        lines.append(f"from diagrams.{module} import {', '.join(sorted(by_module[module]))}")
    lines += ["", f"with Diagram({spec.title!r}, show=False, direction={spec.direction!r}):"]

    def place(group_id: str | None, indent: int) -> None:
        pad = "    " * indent
        for node in spec.nodes:
            if node.group == group_id:
                label = arch.label(node.id) + (f"\n×{node.replicas}" if node.replicas > 1 else "")
                lines.append(f"{pad}{variables[node.id]} = {imports[arch.kinds[node.id].cls]}({label!r})")
        for group in spec.groups:
            if group.parent == group_id:
                lines.append(f"{pad}with Cluster({(group.label or group.id)!r}):")
                before = len(lines)
                place(group.id, indent + 1)
                if len(lines) == before:
                    lines.append(f"{pad}    pass")

    place(None, 1)
    if spec.edges:
        lines.append("")
    for edge in spec.edges:
        args = []
        text = edge.label or ""
        if edge.protocol:
            text = f"{text} ({edge.protocol})" if text else edge.protocol
        if text:
            args.append(f"label={text!r}")
        if edge.mode == "async":
            args.append('style="dashed"')
        link = f" >> Edge({', '.join(args)}) >> " if args else " >> "
        lines.append(f"    {variables[edge.source]}{link}{variables[edge.target]}")
    return "\n".join(lines) + "\n"


def html_escape(text: str) -> str:
    return html.escape(text, quote=True)
