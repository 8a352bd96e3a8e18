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


NOWRAP = "white-space:nowrap;padding:2px 8px;text-align:left;vertical-align:top"


def cell_text(value: Any, decimals: int = 3) -> str:
    """A value as a table shows it: absent (None, NaN) as —, floats with `decimals`, big numbers grouped."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:,.{decimals}f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def scroll_table(headers: list[str], rows: list[list[Any]], decimals: int = 3) -> str:
    """An HTML table that keeps each cell on one line and scrolls sideways in its own box when it is wider than
    the page (inline styles: notebook and document CSS do not undo them)."""
    head = "".join(f'<th style="{NOWRAP}">{html.escape(str(h))}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="{NOWRAP}">{html.escape(cell_text(c, decimals))}</td>' for c in r)
                   + "</tr>" for r in rows)
    return (f'<div class="wb-scroll" style="overflow-x:auto;max-width:100%">'
            f'<table style="border-collapse:collapse;margin:0"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")
