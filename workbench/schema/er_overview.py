"""The ER overview of a big schema: clusters laid out on their own and packed into a near-square page.

One DOT graph whose connected components are the clusters: Graphviz lays each out with `dot` and
packs them (`pack`, `packmode=graph`), so the cost grows with the clusters, not with the square of
the schema, and the page stays near square (1,000 tables in 0.2 s, 5,000 in about 1.5 s where one
`dot` run over everything took 13.6 s for 2,000 and drew a 1:8 strip).

- Clusters, chosen in this order and said in the diagram's title: namespaces (when tables live in
  two or more), else shared name prefixes (when prefixes of 3+ tables cover most of the schema),
  else foreign-key communities (label propagation over the reference graph). A cluster larger
  than MAX_CLUSTER is cut in breadth-first order, so neighbours stay together.
- A reference that leaves its cluster ends at a labelled stub ("→ users · accounts"), not in a
  line across the page; a table with more than HUB referrers in its cluster is drawn again for
  each further HUB of them, so no drawn table collects more than HUB arrowheads.
- Tables with no foreign key either way are gathered in a grid of their own.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict, deque
from typing import Any

MAX_CLUSTER = 40
HUB = 10


def clusters(tables: list[Any], mode: str | None = None) -> tuple[str, list[tuple[str, list[Any]]]]:
    """(how the clusters were chosen, [(label, tables)]): the last one holds the tables without foreign keys."""
    from .er_pack import linked_keys

    linked = linked_keys(tables)
    joined = [t for t in tables if t.key in linked]
    alone = [t for t in tables if t.key not in linked]
    namespaces = Counter(t.namespace or "" for t in joined)
    prefixes = Counter(_prefix(t.name) for t in joined)
    covered = sum(n for p, n in prefixes.items() if n >= 3 and p) / max(1, len(joined))
    if mode == "namespace" or (mode is None and sum(1 for n in namespaces.values() if n >= 2) >= 2):
        groups = _bucket(joined, lambda t: t.namespace or "(default)")
        reason = f"clustered by namespace ({len(namespaces)} namespaces)"
    elif mode == "prefix" or (mode is None and covered >= 0.6 and sum(1 for n in prefixes.values() if n >= 3) >= 2):
        groups = _bucket(joined, lambda t: _prefix(t.name) or t.name)
        reason = f"clustered by name prefix ({covered:.0%} of the linked tables share one with 2+ others)"
    else:
        groups = _communities(joined)
        reason = "clustered by foreign-key communities (no namespaces or shared name prefixes to go by)"
    out: list[tuple[str, list[Any]]] = []
    for label, members in groups:
        parts = _split(members) if len(members) > MAX_CLUSTER else [members]
        for i, part in enumerate(parts):
            out.append((label if len(parts) == 1 else f"{label} ({i + 1}/{len(parts)})", part))
    if alone:
        out.append(("no foreign keys", alone))
    return reason, out


def _prefix(name: str) -> str:
    parts = re.split(r"[_.]", name, maxsplit=1)
    return parts[0] if len(parts) > 1 else ""


def _bucket(tables: list[Any], key) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = {}
    for t in tables:
        groups.setdefault(key(t), []).append(t)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def _neighbours(tables: list[Any]) -> dict[str, list[str]]:
    keys = {t.key for t in tables}
    out: dict[str, set[str]] = {t.key: set() for t in tables}
    for t in tables:
        for fk in t.foreign_keys:
            if fk.ref_table in keys and fk.ref_table != t.key:
                out[t.key].add(fk.ref_table)
                out[fk.ref_table].add(t.key)
    return {k: sorted(v) for k, v in out.items()}


def _communities(tables: list[Any]) -> list[tuple[str, list[Any]]]:
    """Label propagation (deterministic: sorted order, ties to the smallest label), then each community
    named after its most referenced table."""
    graph = _neighbours(tables)
    label = {k: k for k in graph}
    for _ in range(12):
        changed = False
        for key in sorted(graph):
            if not graph[key]:
                continue
            votes = Counter(label[n] for n in graph[key])
            top = max(votes.values())
            best = min(lab for lab, n in votes.items() if n == top)
            if best != label[key]:
                label[key], changed = best, True
        if not changed:
            break
    by_key = {t.key: t for t in tables}
    groups: dict[str, list[Any]] = defaultdict(list)
    for key in sorted(graph):
        groups[label[key]].append(by_key[key])
    named = []
    for members in groups.values():
        inside = {t.key for t in members}
        referred = Counter(fk.ref_table for t in members for fk in t.foreign_keys if fk.ref_table in inside)
        hub = referred.most_common(1)[0][0] if referred else members[0].key
        named.append((f"around {by_key[hub].name}", members))
    return sorted(named, key=lambda kv: (-len(kv[1]), kv[0]))


def _split(members: list[Any]) -> list[list[Any]]:
    """Cut a big cluster into pieces of at most MAX_CLUSTER, in breadth-first order from its best-connected table."""
    graph = _neighbours(members)
    order: list[str] = []
    seen: set[str] = set()
    for start in sorted(graph, key=lambda k: (-len(graph[k]), k)):
        if start in seen:
            continue
        queue = deque([start])
        seen.add(start)
        while queue:
            key = queue.popleft()
            order.append(key)
            for n in graph[key]:
                if n not in seen:
                    seen.add(n)
                    queue.append(n)
    by_key = {t.key: t for t in members}
    pieces = math.ceil(len(order) / MAX_CLUSTER)
    size = math.ceil(len(order) / pieces)
    return [[by_key[k] for k in order[i:i + size]] for i in range(0, len(order), size)]


def source(diagram: Any, quote, label_of, edge_of) -> str:
    """The overview's DOT: one component per cluster, stubs for references that leave it, hubs repeated."""
    reason, groups = clusters(diagram.tables, diagram.cluster)
    diagram.cluster_reason = reason
    home = {t.key: i for i, (_, members) in enumerate(groups) for t in members}
    title = f"{diagram.title + ' — ' if diagram.title else ''}{len(diagram.tables)} tables, {reason}"
    lines = ["digraph ER {",
             f'  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.9, pad=0.3, '
             f'bgcolor="white", splines=line, pack=true, packmode="graph", label={quote(title)}, labelloc=t, '
             f'fontsize=14];',
             '  node [shape=plaintext, fontname="Helvetica", fontsize=10, margin=0];',
             '  edge [fontname="Helvetica", fontsize=9, color="#5f6b7a", penwidth=1.1, arrowsize=0.9];']
    for index, (name, members) in enumerate(groups):
        lines.append(f"  subgraph {quote(f'cluster_{index}')} {{")
        lines.append(f'    label={quote(name)}; style="rounded,filled"; fillcolor="#f7f9fc"; color="#c9d3e0"; '
                     f'fontsize=12;')
        for table in members:
            lines.append(f"    {quote(table.key)} [label=<{label_of(table)}>, id={quote('t:' + table.key)}, "
                         f"tooltip={quote(table.key)}];")
        if name == "no foreign keys":
            columns = max(1, math.ceil(math.sqrt(len(members))))
            for row in range(0, len(members), columns):  # chained left to right: a grid, not one tall column
                chain = [quote(t.key) for t in members[row:row + columns]]
                if len(chain) > 1:
                    lines.append("    " + " -> ".join(chain) + " [style=invis];")
            lines.append("  }")
            continue
        referrers: dict[str, int] = Counter()
        for table in members:
            for fk in table.foreign_keys:
                if fk.ref_table not in home:
                    continue
                target = fk.ref_table
                count = referrers[target]
                referrers[target] += 1
                copy = count // HUB
                if home[target] == index and copy == 0:
                    lines.append("    " + edge_of(table, fk, None))
                    continue
                stub = f"{target}#{index}#{copy}"
                if count % HUB == 0:  # a new copy of the hub, or a new stub for a table in another cluster
                    where = "" if home[target] == index else f" · {groups[home[target]][0]}"
                    text = f"{target}{where}" if home[target] == index else f"→ {target}{where}"
                    lines.append(f"    {quote(stub)} [label={quote(text)}, shape=box, style=\"rounded,dashed\", "
                                 f"fontsize=9, color=\"#8a99ad\", fontcolor=\"#3c4858\", margin=\"0.08,0.04\", "
                                 f"id={quote('s:' + target + ':' + str(index) + ':' + str(copy))}];")
                lines.append("    " + edge_of(table, fk, stub))
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"
