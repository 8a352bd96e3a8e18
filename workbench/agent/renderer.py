"""How a turn is shown as it happens. The loop calls these hooks; a renderer shows them.

`Renderer` ignores everything (for scripts and benchmarks); `ConsoleRenderer` writes to a
terminal (CLI, `workbench demo`); the notebook renderer lives in `workbench.notebook.display`.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO


class Renderer:
    """No-op base: override what you want to show."""

    def begin_turn(self, *, design: str, agent: str, model: str, note: str | None = None) -> None:
        pass

    def text(self, delta: str, snapshot: str) -> None:
        """A piece of streamed text; `snapshot` is the text block so far."""

    def end_text(self) -> None:
        """The current text block is complete."""

    def thinking(self, delta: str, snapshot: str) -> None:
        """A piece of the model's thinking summary; `snapshot` is the thinking block so far."""

    def end_thinking(self) -> None:
        """The current thinking block is complete."""

    def tool_pending(self, name: str) -> None:
        """The model has started writing a call to `name` (its input is still streaming)."""

    def tool_start(self, name: str, input: dict) -> None:
        pass

    def tool_end(self, name: str, result: Any, elapsed: float) -> None:
        pass

    def show(self, obj: Any) -> None:
        """An artifact from a tool (an ER diagram, a DataFrame, …)."""

    def notice(self, text: str) -> None:
        """Something the person should know now: a retry, a limit, an interruption."""

    def interrupted(self, reason: str) -> None:
        """The answer broke off; keep the partial text visible and mark it."""

    def end_turn(self, result: Any) -> None:
        pass


class ConsoleRenderer(Renderer):
    """Plain text on a stream: prose as it arrives, tool activity, notices and a footer."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._at_line_start = True
        self._pending = ""  # streamed text not yet written: it goes out a line at a time, redacted
        self._thought = ""  # streamed thinking not yet written (the same way, indented)
        self._thinking = False

    def _write(self, text: str) -> None:
        if text:
            from ..secrets import redact

            self.stream.write(redact(text))
            self.stream.flush()
            self._at_line_start = text.endswith("\n")

    def _line(self, text: str) -> None:
        if self._pending:
            self._write(self._pending)
            self._pending = ""
        if not self._at_line_start:
            self._write("\n")
        self._write(text + "\n")

    def begin_turn(self, *, design: str, agent: str, model: str, note: str | None = None) -> None:
        self._line(f"── {agent} · {model} · design {design}")
        if note:
            self._line(f"   {note}")

    def text(self, delta: str, snapshot: str) -> None:
        self._pending += delta
        if "\n" in self._pending:  # whole lines only, so a secret split across deltas is still masked
            complete, self._pending = self._pending.rsplit("\n", 1)
            self._write(complete + "\n")

    def end_text(self) -> None:
        if self._pending:
            self._write(self._pending)
            self._pending = ""
        if not self._at_line_start:
            self._write("\n")

    def thinking(self, delta: str, snapshot: str) -> None:
        if not self._thinking:
            self._line("… thinking")
            self._thinking = True
        self._thought += delta
        if "\n" in self._thought:
            complete, self._thought = self._thought.rsplit("\n", 1)
            for line in complete.splitlines():
                self._write(f"  │ {line}\n")

    def end_thinking(self) -> None:
        if self._thought:
            self._write(f"  │ {self._thought}\n")
        self._thought, self._thinking = "", False

    def tool_start(self, name: str, input: dict) -> None:
        self._line(f"⚙ {name} …")

    def tool_end(self, name: str, result: Any, elapsed: float) -> None:
        mark = "✗" if getattr(result, "is_error", False) else "✓"
        first = (getattr(result, "text", "") or "").strip().splitlines()
        detail = f": {first[0][:160]}" if first else ""
        self._line(f"{mark} {name} ({elapsed:.2f} s){detail}")

    def show(self, obj: Any) -> None:
        text = obj if isinstance(obj, str) else repr(obj)
        self._line(text if len(text) < 2000 else text[:2000] + " …")

    def notice(self, text: str) -> None:
        self._line(f"! {text}")

    def interrupted(self, reason: str) -> None:
        self._line(f"[answer interrupted: {reason}]")

    def end_turn(self, result: Any) -> None:
        self._line(f"── {result.footer()}")
