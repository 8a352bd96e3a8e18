"""The design document as Markdown, with its figures as SVG files in an assets folder.

`design.md` goes with `design_files/` (the folder name is the file name + `_files`), and
figures are linked relatively, so the pair can be committed or zipped as it is. A figure that has a
Mermaid form (ER diagrams, architectures) is written as a ```mermaid block, which GitHub, GitLab and
Notion draw, with its SVG kept under a "SVG" fold. Untrusted
prose keeps its Markdown but not its raw HTML: angle brackets outside code are escaped, and
image syntax is neutralised, so a viewer that renders HTML in Markdown runs nothing and
fetches nothing. (A lone `>` is harmless and stays: it starts a quote.)
"""

from __future__ import annotations

import re
from pathlib import Path

from ..grid import Grid
from ..sanitize import clean_svg, safe_markdown
from .document import Code, Details, Document, Figure, Heading, Note, Prose

MERMAID_MAX = 40_000  # characters: GitHub's renderer refuses larger diagrams (its limit is 50,000)


def render_markdown(doc: Document, assets: Path, link_base: str) -> str:
    """The document as Markdown; figures are written into `assets` and linked as `link_base/NAME.svg`."""
    assets.mkdir(parents=True, exist_ok=True)
    parts = [f"# {_inline(doc.title)}", "", f"_{_inline(doc.subtitle)}_", "", "## Contents", ""]
    parts += [("  " if h.level == 3 else "") + f"- [{_inline(h.text)}](#{h.anchor})" for h in doc.toc]
    parts.append("")
    parts += [_block(b, assets, link_base) for b in doc.blocks]
    return "\n".join(parts).rstrip() + "\n"


def _block(block, assets: Path, link_base: str) -> str:
    if isinstance(block, Heading):
        return f'{"#" * block.level} {_inline(block.text)} <a id="{block.anchor}"></a>\n'
    if isinstance(block, Prose):
        return safe_markdown(block.markdown) + "\n"
    if isinstance(block, Note):
        return f"_{_inline(block.text)}_\n"
    if isinstance(block, Code):
        fence = "````" if "```" in block.text else "```"
        return f"{fence}{block.language}\n{block.text.rstrip()}\n{fence}\n"
    if isinstance(block, Grid):
        lines = [f"**{_inline(block.caption)}**", ""] if block.caption else []
        headers = block.headers if any(block.headers) else [" "] * (len(block.rows[0]) if block.rows else 1)
        lines.append("| " + " | ".join(_cell(h) for h in headers) + " |")
        lines.append("|" + "---|" * len(headers))
        lines += ["| " + " | ".join(_cell(str(c)) for c in row) + " |" for row in block.rows]
        return "\n".join(lines) + "\n"
    if isinstance(block, Figure):
        path = assets / f"{_filename(block.name)}.svg"
        svg = block.svg[block.svg.find("<svg"):] if "<svg" in block.svg else block.svg
        path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + clean_svg(svg), encoding="utf-8")
        image = f"![{_inline(block.caption)}]({link_base}/{path.name})"
        mermaid = block.mermaid() if callable(block.mermaid) else block.mermaid
        if mermaid and len(mermaid) <= MERMAID_MAX and "```" not in mermaid:
            # GitHub, GitLab and Notion draw the block; the SVG stays one click away for every other reader
            return (f"**{_inline(block.caption)}**\n\n```mermaid\n{mermaid.rstrip()}\n```\n\n"
                    f"<details><summary>SVG</summary>\n\n{image}\n\n</details>\n")
        return image + "\n"
    if isinstance(block, Details):
        inner = "\n".join(_block(b, assets, link_base) for b in block.blocks)
        return f"<details><summary>{_inline(block.summary)}</summary>\n\n{inner}\n</details>\n"
    raise TypeError(f"unknown block {type(block).__name__}")


def _filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "figure"


def _inline(text: str) -> str:
    return str(text).replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")
