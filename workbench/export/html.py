"""The design document as one self-contained HTML file: inline CSS and SVG, no requests.

A Content-Security-Policy in the page forbids every fetch except data: images (the icons inside
the architecture SVGs) and every script but one: the ER explorer's, allowed by its SHA-256 (see
explorer.py), so even a mistake in sanitizing could not make the reader's browser run other code
or call out. Each SVG's ids are prefixed, so figures cannot
borrow each other's symbols or gradients.
"""

from __future__ import annotations

import html
import re

from ..grid import Grid
from ..sanitize import clean_svg, markdown_html
from .document import Code, Details, Document, Figure, Heading, Note, Prose

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0b57d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); background: #fff; }
header { padding: 28px 40px 18px; border-bottom: 1px solid var(--line); background: var(--soft); }
header h1 { margin: 0 0 4px; font-size: 28px; }
header p { margin: 0; color: var(--muted); }
.layout { display: flex; align-items: flex-start; }
nav { position: sticky; top: 0; flex: 0 0 240px; max-height: 100vh; overflow: auto; padding: 20px 16px 20px 28px;
      font-size: 13px; border-right: 1px solid var(--line); }
nav a { display: block; color: var(--ink); text-decoration: none; padding: 2px 0; }
nav a.l3 { padding-left: 14px; color: var(--muted); }
nav a:hover { color: var(--accent); }
main { flex: 1; min-width: 0; padding: 12px 40px 60px; max-width: 1200px; }
h2 { margin-top: 40px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { margin-top: 28px; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 13px; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 4px 0; }
tr.error td:first-child, tr.missing td:nth-child(3) { color: #c5221f; font-weight: 600; }
tr.warning td:first-child, tr.partial td:nth-child(3) { color: #b06000; font-weight: 600; }
tr.covered td:nth-child(3) { color: #1e7d32; font-weight: 600; }
tr.claimed td:nth-child(3) { color: #6b5b95; font-style: italic; }
tr.covered td:nth-child(3), tr.partial td:nth-child(3), tr.claimed td:nth-child(3),
tr.missing td:nth-child(3) { white-space: nowrap; }
figure { margin: 14px 0 22px; }
figure .svg { overflow: auto; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
pre { background: var(--soft); padding: 10px 12px; border-radius: 6px; overflow: auto; font-size: 12.5px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
details { margin: 8px 0 16px; }
details > summary { cursor: pointer; color: var(--accent); }
p.note { color: var(--muted); }
.prose { max-width: 860px; }
@media print { nav { display: none; } main { padding: 0 12px; } figure .svg { border: none; } }
"""


def render_html(doc: Document) -> str:
    """The document as a complete HTML page (figures must be rendered already)."""
    from .explorer import CSS as EXPLORER_CSS
    from .explorer import SCRIPT, script_hash

    counter = iter(range(1, 1_000_000))
    body = "\n".join(_block(b, counter) for b in doc.blocks)
    explorers = 'class="wb-explorer"' in body
    csp = CSP + (f"; script-src {script_hash()}" if explorers else "; script-src 'none'")
    toc = "\n".join(f'<a class="l{h.level}" href="#{h.anchor}">{html.escape(h.text)}</a>' for h in doc.toc)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Architect Workbench">\n'
        f"<title>{html.escape(doc.title)}</title>\n<style>{CSS}{EXPLORER_CSS if explorers else ''}</style>\n</head>\n"
        "<body>\n"
        f"<header><h1>{html.escape(doc.title)}</h1><p>{html.escape(doc.subtitle)}</p></header>\n"
        f'<div class="layout"><nav aria-label="Contents">{toc}</nav>\n<main>\n{body}\n</main></div>\n'
        + (f"<script>{SCRIPT}</script>\n" if explorers else "") + "</body>\n</html>\n")


def _block(block, counter) -> str:
    if isinstance(block, Heading):
        return f'<h{block.level} id="{block.anchor}">{html.escape(block.text)}</h{block.level}>'
    if isinstance(block, Prose):
        return f'<div class="prose">{markdown_html(block.markdown)}</div>'
    if isinstance(block, Note):
        return f'<p class="note">{html.escape(block.text)}</p>'
    if isinstance(block, Code):
        cls = f' class="language-{html.escape(block.language)}"' if block.language else ""
        return f"<pre><code{cls}>{html.escape(block.text)}</code></pre>"
    if isinstance(block, Grid):
        caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers) if any(block.headers) else ""
        rows = []
        for i, row in enumerate(block.rows):
            cls = f' class="{html.escape(block.classes[i])}"' if i < len(block.classes) and block.classes[i] else ""
            rows.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
        thead = f"<thead><tr>{head}</tr></thead>" if head else ""
        return f"<table>{caption}{thead}<tbody>{''.join(rows)}</tbody></table>"
    if isinstance(block, Figure):
        prefix = f"f{next(counter)}"
        svg = _scoped(clean_svg(_bare(block.svg)), prefix)
        if block.explore is not None:  # an ER diagram: the explorer (pan, zoom, find, focus)
            from .explorer import explorer_html

            data = block.explore() if callable(block.explore) else block.explore
            return f'<section id="{html.escape(block.name)}">{explorer_html(prefix, svg, data, block.caption)}</section>'
        return (f'<figure id="{html.escape(block.name)}"><div class="svg">{svg}</div>'
                f"<figcaption>{html.escape(block.caption)}</figcaption></figure>")
    if isinstance(block, Details):
        inner = "\n".join(_block(b, counter) for b in block.blocks)
        return f"<details><summary>{html.escape(block.summary)}</summary>\n{inner}\n</details>"
    raise TypeError(f"unknown block {type(block).__name__}")


def _bare(svg: str) -> str:
    """The <svg> element alone (no XML declaration, DOCTYPE or comments before it)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'((?:xlink:)?href="#|url\(#)([^")]+)')


def _scoped(svg: str, prefix: str) -> str:
    """Prefix every id in one SVG (and the references to them), so inline SVGs do not collide."""
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}" if m.group(2) in ids else m.group(0), svg)
