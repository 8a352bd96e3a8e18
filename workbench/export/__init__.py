"""Design documents: one self-contained HTML file, or Markdown with an assets folder.

    export_design(design, "design.html")            # or .md
    export_notebook("notebooks/00-tour.ipynb", "tour.html")

The document holds the summary, requirements, architecture (diagram and review), data model
(ER, dictionary, lint, migrations), API, decisions, experiments, the readiness scorecard and,
on request, the conversation. Model text is sanitized; secrets are masked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ExportError

FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}


def _format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(f"Cannot tell the format of {path.name!r}.",
                          hint="Name the output .html (one self-contained file) or .md (with an assets folder).")
    return fmt


def export_design(design: Any, path: str | Path, *, conversation: bool = False, notes: list | None = None,
                  title: str | None = None) -> Path:
    """Write the design document to `path` (.html or .md); returns the path written."""
    from .document import build

    path = Path(path)
    fmt = _format(path)
    if design.is_empty():
        raise ExportError(f"Design {design.name!r} is empty: no requirements, artifacts or turns yet, so there is "
                          "nothing to export.",
                          hint="Work on it first (%%architect, %%schema, %%arch), or export another design "
                               "(%design list, %design use NAME).")
    doc = build(design, conversation=conversation, notes=notes)
    if title:
        doc.title = title
    doc.render_figures()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        from .html import render_html

        path.write_text(render_html(doc), encoding="utf-8")
    else:
        from .markdown import render_markdown

        assets = path.with_name(path.stem + "_files")
        path.write_text(render_markdown(doc, assets, assets.name), encoding="utf-8")
    return path


def export_report(design: Any, path: str | Path, *, conversation: bool = False) -> str:
    """Export the design document and say what was written (what `%design export` and the CLI print)."""
    import time

    started = time.perf_counter()
    return wrote(export_design(design, path, conversation=conversation), started)


def wrote(path: Path, started: float) -> str:
    """`Wrote PATH (N KiB in S s)`."""
    import time

    return f"Wrote {path} ({path.stat().st_size / 1024:,.0f} KiB in {time.perf_counter() - started:.2f} s)"


_USE = re.compile(r"^\s*%design\s+use\s+(\S+)", re.M)
_FLAG = re.compile(r"^\s*%%?(?:architect|schema|arch|lab|er)\b[^\n]*?(?:-d|--design)[ =](\S+)", re.M)
_CALL = re.compile(r"""\bdesign\(\s*["']([^"']+)["']""")


def notebook_designs(cells: list[dict]) -> list[str]:
    """The designs a notebook works on, in the order it first names them (default: 'default')."""
    names: list[str] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        found = sorted((m.start(), m.group(1)) for rx in (_USE, _FLAG, _CALL) for m in rx.finditer(source))
        for _, name in found:
            if name not in names:
                names.append(name)
    return names or ["default"]


def export_notebook(notebook: str | Path, path: str | Path, *, home: str | Path | None = None,
                    design: str | None = None, conversation: bool = False) -> Path:
    """The design document of the design a notebook worked on, with the notebook's own notes.

    The design is the one the notebook selects last with `%design use` (or `design=`); it is read
    from `home` (default: WORKBENCH_HOME, else `.workbench/` next to the notebook).
    """
    import os

    import nbformat

    from ..design.aggregate import Design, list_designs
    from .document import Prose

    notebook = Path(notebook)
    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError) as exc:
        raise ExportError(f"Cannot read the notebook {notebook}: {exc}") from None
    if home is None:
        home = os.environ.get("WORKBENCH_HOME") or notebook.resolve().parent / ".workbench"
    home = Path(home)
    names = notebook_designs(nb.cells)
    chosen = design or _last_used(nb.cells) or names[0]
    known = {d["name"] for d in list_designs(home)} if (home / "workbench.db").exists() else set()
    if chosen not in known:
        raise ExportError(f"The notebook works on design {chosen!r}, which is not in {home}.",
                          hint="Run the notebook first (its cells create the design), or pass the design's home "
                               "with --home / WORKBENCH_HOME." + (f" Designs there: {', '.join(sorted(known))}."
                                                                 if known else ""))
    notes = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            notes.append(Prose(cell.source))
    others = [n for n in names if n != chosen]
    if others:
        notes.append(Prose("The notebook also uses the designs " + ", ".join(f"`{n}`" for n in others) + "."))
    title_match = re.search(r"^#\s+(.+)$", next((c.source for c in nb.cells if c.cell_type == "markdown"), ""), re.M)
    title = f"{title_match.group(1).strip()} — design {chosen}" if title_match else None
    return export_design(Design(chosen, home=home, create=False), path, conversation=conversation,
                         notes=notes, title=title)


def _last_used(cells: list) -> str | None:
    last = None
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            for m in _USE.finditer("".join(source) if isinstance(source, list) else source):
                last = m.group(1)
    return last
