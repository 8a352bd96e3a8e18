"""Lint findings, shared by schema and architecture review: counts, text, JSON and HTML forms."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
_COLOURS = {ERROR: "#c5221f", WARNING: "#b06000", INFO: "#1a4f8b"}


class Findings(list):
    """A list of findings (dataclasses with `rule`, `severity`, `text()` and `cells()`)."""

    headers: tuple[str, ...] = ("where", "finding", "what to do")

    @property
    def errors(self) -> list[Any]:
        return [f for f in self if f.severity == ERROR]

    @property
    def warnings(self) -> list[Any]:
        return [f for f in self if f.severity == WARNING]

    def counts(self) -> dict[str, int]:
        out = {ERROR: 0, WARNING: 0, INFO: 0}
        for f in self:
            out[f.severity] += 1
        return out

    def summary(self) -> str:
        if not self:
            return "no findings"
        c = self.counts()
        return (f"{c[ERROR]} error{'s' if c[ERROR] != 1 else ''}, {c[WARNING]} warning{'s' if c[WARNING] != 1 else ''}, "
                f"{c[INFO]} note{'s' if c[INFO] != 1 else ''}")

    def text(self) -> str:
        return "\n".join(f.text() for f in self) if self else "No lint findings."

    def to_json(self) -> str:
        return json.dumps([asdict(f) for f in self], indent=2, ensure_ascii=False)

    def _repr_html_(self) -> str:
        if not self:
            return "<p>No lint findings.</p>"
        head = "".join(f"<th>{h}</th>" for h in ("severity", "rule", *self.headers))
        rows = "".join(
            f'<tr><td style="color:{_COLOURS[f.severity]}">{f.severity}</td><td>{html.escape(f.rule)} '
            f"{html.escape(f.name)}</td>" + "".join(f"<td>{cell}</td>" for cell in f.cells()) + "</tr>" for f in self)
        return (f"<p><b>Lint:</b> {html.escape(self.summary())}</p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table>")

    def __repr__(self) -> str:
        return self.text()

    def sort(self, **kwargs: Any) -> None:  # errors first, then by rule and place
        kwargs.setdefault("key", lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.sort_key()))
        super().sort(**kwargs)
