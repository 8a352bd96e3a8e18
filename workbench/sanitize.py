"""Text from the model (and from designers) made safe to put into a shared document.

Two walls: markdown-it-py renders Markdown with raw HTML switched off (a `<script>` in the
text becomes visible text), then nh3 keeps only an allowlist of tags and attributes. Images
are not allowed in model text at all: an `<img>` or `![](…)` would make the reader's browser
fetch a URL. SVGs the workbench drew itself are checked for the same things before they go in.
"""

from __future__ import annotations

import re
from functools import lru_cache

TAGS = {"a", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "th", "thead", "tr", "ul"}
ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}, "code": {"class"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")  # ![alt](url) stays text: no fetches from the document
    return md


def markdown_html(text: str) -> str:
    """Markdown (untrusted) → sanitized HTML fragment."""
    import nh3

    rendered = _markdown().render(safe_markdown(text or ""))
    return nh3.clean(rendered, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", clean_content_tags={"script", "style"})


_SVG_BAD = [
    (re.compile(r"<script\b.*?</script\s*>", re.I | re.S), ""),
    (re.compile(r"<foreignObject\b.*?</foreignObject\s*>", re.I | re.S), ""),
    (re.compile(r"\son[a-z]+\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.I), ""),
]
_HREF = re.compile(r"""\s(?:xlink:)?href\s*=\s*("([^"]*)"|'([^']*)')""", re.I)


def clean_svg(svg: str) -> str:
    """An SVG drawn here, without scripts, event handlers or links to anything but itself and data: images."""
    for pattern, replacement in _SVG_BAD:
        svg = pattern.sub(replacement, svg)

    def keep(match: re.Match) -> str:
        target = match.group(2) if match.group(2) is not None else match.group(3)
        if target.startswith("#") or target.startswith("data:image/"):
            return match.group(0)
        return ""

    return _HREF.sub(keep, svg)


_FENCE = re.compile(r"^(\s*)(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def safe_markdown(text: str) -> str:
    """Markdown from the model, with raw HTML and images made inert (code kept as written)."""
    out, fenced = [], None
    for line in (text or "").splitlines():
        fence = _FENCE.match(line)
        if fenced:
            out.append(line)
            if fence and fence.group(2) == fenced:
                fenced = None
            continue
        if fence:
            fenced = fence.group(2)
            out.append(line)
            continue
        if line.startswith("    "):  # indented code
            out.append(line)
            continue
        pieces, last = [], 0
        for m in _CODE_SPAN.finditer(line):
            pieces.append(_escape(line[last:m.start()]))
            pieces.append(m.group(0))
            last = m.end()
        pieces.append(_escape(line[last:]))
        out.append("".join(pieces))
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace("![", "!\\[")
