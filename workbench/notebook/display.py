"""Showing a turn in a notebook: streamed Markdown updated in place, tool activity, a footer.

Every output is a MIME bundle with a text/plain fallback, so it reads the same in
JupyterLab, in nbclient-executed notebooks and in exported documents.
"""

from __future__ import annotations

import html
import time
import uuid
from typing import Any

from ..agent.renderer import Renderer

MAX_UPDATES_PER_SECOND = 20
# One update every 1/15 s keeps the count, first and final paint included, under 20 per second.
UPDATE_INTERVAL = 1.0 / 15


def publish(bundle: dict[str, Any], *, display_id: str | None = None, update: bool = False) -> None:
    """Send a MIME bundle to the frontend: every output of the workbench goes through here, cleaned first."""
    from IPython.display import display, update_display

    bundle = clean_bundle(bundle)
    if update:
        update_display(bundle, raw=True, display_id=display_id)
    else:
        display(bundle, raw=True, display_id=display_id)


def clean_bundle(bundle: dict[str, Any]) -> dict[str, Any]:
    """Secrets masked in every text; HTML and SVG cleaned the way the design document cleans them
    (no scripts, event handlers or links leaving the page)."""
    from ..sanitize import clean_svg
    from ..secrets import redact

    out = {}
    for mime, value in bundle.items():
        if isinstance(value, str):
            value = redact(value)
            if mime in ("text/html", "image/svg+xml"):
                value = clean_svg(value)
        out[mime] = value
    return out


def show(obj: Any) -> None:
    """Display any object (its rich representations, cleaned) — the way tools and magics show artifacts."""
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():
        data, _metadata = InteractiveShell.instance().display_formatter.format(obj)
    else:
        data = {"text/plain": repr(obj)}
    publish(data)


class Text:
    """Text to copy (Mermaid, DBML): shown as a code block; a Mermaid one renders where the frontend can."""

    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.language = language

    def _repr_markdown_(self) -> str:
        return f"```{self.language}\n{self.text}```"

    def __repr__(self) -> str:
        return self.text


class LiveDisplay:
    """One output that is replaced in place as something runs (a load's live chart, then its result);
    updates come at most every MIN_S (the last one always shows)."""

    MIN_S = 0.25

    def __init__(self, first: Any = "starting…") -> None:
        self.display_id = uuid.uuid4().hex
        self._last = 0.0
        publish(_bundle(first), display_id=self.display_id)

    def update(self, obj: Any, *, force: bool = False) -> None:
        now = time.monotonic()
        final = not hasattr(obj, "share")
        if not (force or final) and now - self._last < self.MIN_S:
            return
        self._last = now
        publish(_bundle(obj), display_id=self.display_id, update=True)


def _bundle(obj: Any) -> dict[str, Any]:
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():
        data, _metadata = InteractiveShell.instance().display_formatter.format(obj)
        return data
    return {"text/plain": repr(obj) if not isinstance(obj, str) else obj}


def _line(text: str, *, css: str, icon: str = "") -> dict[str, str]:
    return {"text/plain": f"{icon} {text}".strip(),
            "text/html": f'<div class="wb-line" style="{css}">{html.escape(icon)} {html.escape(text)}</div>'}


_MUTED = "font-family: var(--jp-ui-font-family, sans-serif); font-size: 0.85em; color: #666; margin: 2px 0"
_NOTICE = "font-family: var(--jp-ui-font-family, sans-serif); font-size: 0.9em; color: #8a5a00; margin: 4px 0"
_ERROR = "font-family: var(--jp-ui-font-family, sans-serif); font-size: 0.9em; color: #b00020; margin: 4px 0"


class NotebookRenderer(Renderer):
    """Renders a turn into the running cell's output area."""

    def __init__(self, *, min_interval: float = UPDATE_INTERVAL) -> None:
        self.min_interval = min_interval
        self.updates = 0  # text display updates sent (for the throttle's tests and benchmark)
        self.update_times: list[float] = []  # when they were sent (monotonic seconds)
        self._text_id: str | None = None
        self._snapshot = ""
        self._last = 0.0
        self._dirty = False
        self._status_id: str | None = None
        self._thinking_id: str | None = None
        self._thinking_last = 0.0
        self._thought = ""

    # -- streamed text -----------------------------------------------------------------------
    def _markdown(self, text: str) -> dict[str, str]:
        return {"text/markdown": text, "text/plain": text}

    def text(self, delta: str, snapshot: str) -> None:
        self._snapshot = snapshot
        now = time.monotonic()
        if self._text_id is None:
            self._text_id = uuid.uuid4().hex
            publish(self._markdown(snapshot), display_id=self._text_id)
            self._count(now)
            self._last = now
            self._dirty = False
        elif now - self._last >= self.min_interval:
            self._flush(now)
        else:
            self._dirty = True

    def _flush(self, now: float | None = None) -> None:
        if self._text_id is not None:
            publish(self._markdown(self._snapshot), display_id=self._text_id, update=True)
            self._last = now if now is not None else time.monotonic()
            self._count(self._last)
            self._dirty = False

    def _count(self, when: float) -> None:
        self.updates += 1
        self.update_times.append(when)

    def busiest_second(self) -> int:
        """The most text updates sent within any one second (what the frontend has to absorb)."""
        times, most, start = self.update_times, 0, 0
        for end in range(len(times)):
            while times[end] - times[start] >= 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most

    def end_text(self) -> None:
        if self._dirty:
            self._flush()
        self._text_id = None
        self._snapshot = ""

    # -- thinking ----------------------------------------------------------------------------
    def _thinking_bundle(self, text: str, *, done: bool) -> dict[str, str]:
        label = "Thinking" if done else "Thinking…"
        body = html.escape(text).replace("\n", "<br>")
        return {"text/plain": f"[{label}] {text}",
                "text/html": f'<details class="wb-thinking"{"" if done else " open"} style="{_MUTED}">'
                             f'<summary>{label}</summary><div style="white-space: normal; border-left: 2px solid '
                             f'#ccc; padding-left: 8px">{body}</div></details>'}

    def thinking(self, delta: str, snapshot: str) -> None:
        now = time.monotonic()
        self._thought = snapshot
        if self._thinking_id is None:
            self.end_text()
            self._thinking_id = uuid.uuid4().hex
            publish(self._thinking_bundle(snapshot, done=False), display_id=self._thinking_id)
            self._thinking_last = now
        elif now - self._thinking_last >= self.min_interval:
            publish(self._thinking_bundle(snapshot, done=False), display_id=self._thinking_id, update=True)
            self._thinking_last = now

    def end_thinking(self) -> None:
        if self._thinking_id is not None:  # collapsed once complete; the summary stays one click away
            publish(self._thinking_bundle(self._thought, done=True), display_id=self._thinking_id, update=True)
        self._thinking_id, self._thought = None, ""

    # -- tools -------------------------------------------------------------------------------
    def _status(self, bundle: dict[str, str], *, new: bool) -> None:
        if new or self._status_id is None:
            self._status_id = uuid.uuid4().hex
            publish(bundle, display_id=self._status_id)
        else:
            publish(bundle, display_id=self._status_id, update=True)

    def tool_pending(self, name: str) -> None:
        self.end_text()
        self._status(_line(f"{name}: preparing the call…", css=_MUTED, icon="⚙"), new=True)

    def tool_start(self, name: str, input: dict) -> None:
        self._status(_line(f"{name}: running…", css=_MUTED, icon="⚙"), new=self._status_id is None)

    def tool_end(self, name: str, result: Any, elapsed: float) -> None:
        first = (getattr(result, "text", "") or "").strip().splitlines()
        detail = first[0][:200] if first else ""
        if getattr(result, "is_error", False):
            bundle = _line(f"{name} failed ({elapsed:.2f} s): {detail} — the agent sees this and can correct it",
                           css=_ERROR, icon="✗")
        else:
            bundle = _line(f"{name} ({elapsed:.2f} s){': ' + detail if detail else ''}", css=_MUTED, icon="✓")
        self._status(bundle, new=False)
        self._status_id = None

    def show(self, obj: Any) -> None:
        show(obj)

    # -- notices and the end -----------------------------------------------------------------
    def begin_turn(self, *, design: str, agent: str, model: str, note: str | None = None) -> None:
        if note:
            publish(_line(note, css=_NOTICE, icon="ℹ"))

    def notice(self, text: str) -> None:
        if self._dirty:
            self._flush()
        publish(_line(text, css=_NOTICE, icon="!"))

    def interrupted(self, reason: str) -> None:
        marker = f"\n\n**[answer interrupted: {reason}]**"
        if self._text_id is not None:
            self._snapshot += marker
            self._flush()
            self._text_id = None
        else:
            publish(_line(f"answer interrupted: {reason}", css=_ERROR, icon="✗"))

    def end_turn(self, result: Any) -> None:
        self.end_text()
        publish(_line(result.footer(), css=_MUTED, icon="—"))
