"""A small table of text cells with an HTML view and a plain-text view (reports, listings)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Grid:
    """Headers and rows of text; shown as an HTML table in notebooks and aligned text elsewhere."""

    headers: list[str]
    rows: list[list[Any]]
    caption: str = ""
    classes: list[str] = field(default_factory=list)  # one CSS class per row (may be empty)

    def text(self) -> str:
        cells = [[str(c) for c in row] for row in self.rows]
        widths = [max([len(str(h))] + [len(r[i]) for r in cells if i < len(r)]) for i, h in enumerate(self.headers)]
        lines = ["  ".join(str(h).ljust(w) for h, w in zip(self.headers, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in cells]
        return "\n".join(([self.caption] if self.caption else []) + lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in self.headers)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in self.rows)
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()
