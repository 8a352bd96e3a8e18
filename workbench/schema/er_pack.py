"""Packing a detailed ER diagram that would be a strip: the overview's grid and packing, with full tables.

Graphviz's `dot` puts every connected component on the same ranks, so a schema without foreign keys is
one column of tables (60 of them: 169×5704 pt) and a table with 110 referrers is one column of 110
(280×10454 pt). When the plain drawing is more than MAX_ASPECT times longer one way than the other:

- every connected component is laid out on its own and the components are packed near square
  (`pack`, `packmode=graph`);
- tables without a foreign key either way sit in a grid in their schema order, with as many per row as
  makes the grid near square for their sizes;
- a table with more than `hub` referrers is drawn again, as a named dashed box, for each further `hub`
  of them, so its referrers fall into components of at most `hub` that pack side by side; `hub` is the
  first of HUBS whose drawing packs within MAX_ASPECT (tall referrers need smaller components).

One long chain packs into itself: when packing leaves the drawing too wide, it is drawn top to bottom.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

MAX_ASPECT = 3.0
HUBS = (10, 5, 3, 2)  # referrers per drawn copy of a table, tried in turn until the drawing packs
_SIZE = re.compile(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def size(svg: bytes) -> tuple[float, float]:
    """The drawing's width and height in points (1×1 when they cannot be read)."""
    found = _SIZE.search(svg[:2000])
    return (float(found.group(1)), float(found.group(2))) if found else (1.0, 1.0)


def aspect(svg: bytes) -> float:
    """How many times longer the drawing is one way than the other."""
    width, height = size(svg)
    return max(width, height) / max(1.0, min(width, height))


def linked_keys(tables: list[Any]) -> set[str]:
    """The keys of the tables with a foreign key to or from another of `tables` (a self-reference does not count)."""
    keys = {t.key for t in tables}
    linked: set[str] = set()
    for t in tables:
        for fk in t.foreign_keys:
            if fk.ref_table in keys and fk.ref_table != t.key:
                linked.update((t.key, fk.ref_table))
    return linked


def unlinked(tables: list[Any]) -> list[Any]:
    """The tables with no foreign key to or from another drawn table."""
    linked = linked_keys(tables)
    return [t for t in tables if t.key not in linked]


def grid(tables: list[Any], quote, rows_of, nodesep: float, ranksep: float) -> list[str]:
    """Invisible edges that chain `tables` into rows (left to right) of a near-square grid."""
    if len(tables) < 2:
        return []
    # estimated label size in points: about 5.5 pt a character at 10 pt, 18 pt a row
    width = sum(5.5 * max((len(line) for line in rows_of(t)), default=8) + 20 for t in tables) / len(tables)
    height = sum(18 * (len(rows_of(t)) + 1) for t in tables) / len(tables)
    per_row = math.sqrt(len(tables) * (height + nodesep * 72) / (width + ranksep * 72))
    per_row = max(1, min(len(tables), round(per_row)))
    lines = []
    for start in range(0, len(tables), per_row):
        chain = [quote(t.key) for t in tables[start:start + per_row]]
        if len(chain) > 1:
            lines.append(" -> ".join(chain) + " [style=invis];")
    heads = [quote(t.key) for t in tables[::per_row]]
    if len(heads) > 1:  # one component, rows in order: packing would scatter loose rows
        lines.append(" -> ".join(heads) + " [style=invis, constraint=false];")
    return lines


class Hubs:
    """Which drawn node each foreign key points at: the table, or its next copy once `hub` referrers reach it."""

    def __init__(self, quote, hub: int) -> None:
        self.quote, self.hub = quote, hub
        self.count: Counter[str] = Counter()

    def target(self, child_key: str, parent_key: str) -> tuple[str | None, str | None]:
        """(copy node id or None for the table itself, the DOT line declaring a new copy or None)."""
        if child_key == parent_key:
            return None, None
        seen = self.count[parent_key]
        self.count[parent_key] += 1
        copy = seen // self.hub
        if copy == 0:
            return None, None
        node = f"{parent_key}#{copy}"
        if seen % self.hub:
            return node, None
        declare = (f"{self.quote(node)} [label={self.quote(parent_key)}, shape=box, style=\"rounded,dashed\", "
                   f"fontsize=10, color=\"#8a99ad\", fontcolor=\"#3c4858\", margin=\"0.1,0.05\", "
                   f"tooltip={self.quote(parent_key + ' (drawn again: it has many referrers)')}];")
        return node, declare
