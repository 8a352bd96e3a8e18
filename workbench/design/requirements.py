"""Requirements as targets: what a design promises, in a form the lab can prove or refute.

A requirement is stored as versions under its id (`R1`, `R2`, … or one given), like a decision. Its
statement is the person's words; its target is measurable and bound to the design's workloads:

| metric       | target                                  | measured by                                   |
|--------------|-----------------------------------------|-----------------------------------------------|
| `throughput` | at least `value` committed per second   | the stored load `load` (its `transaction`)    |
| `p50` … `max`| latency at most `value` ms              | the stored load `load`, that transaction      |
| `error_rate` | at most `value` % of attempts failed    | the stored load `load`                        |
| `invariant`  | `sql` returns no rows                   | the lab's data after the load (or the seed)   |
| `volume`     | `table` grows by `value` rows a year; at `years` (default 5) at most `max_gb` GB if given | the capacity plan (capacity.py): bytes per row measured on a seeded sample |
| `retention`, `availability`, `other` | recorded, shown as unmeasured: the lab does not measure them yet |

A volume requirement stored before it named a table (`volume: 50,000,000`) still reads, and stays
unmeasured until it names one.

`assumed` says what the target takes for granted that the statement did not say (the agent derives
targets from prose and must say which numbers it chose). See verify.py for how targets are checked.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import DesignError
from .kinds import REQUIREMENT as KIND

LATENCY = ("p50", "p95", "p99", "max")
MEASURED = ("throughput", *LATENCY, "error_rate", "invariant")
METRICS = (*MEASURED, "volume", "retention", "availability", "other")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")


@dataclass
class Requirement:
    """One measurable requirement: the statement, its target, and what binds it to a workload."""

    id: str
    statement: str
    metric: str
    value: float | None = None      # throughput /s, latency ms, error rate %; volume rows (shown, not measured)
    transaction: str | None = None  # a transaction of the load (None: all of them)
    load: str | None = None         # the stored load whose run measures it
    sql: str | None = None          # invariant: a query that must return no rows
    assumed: str | None = None      # what the target assumes beyond the statement
    table: str | None = None        # volume: the table that grows by `value` rows a year
    years: float | None = None      # volume: the horizon the target holds for (default: the plan's last year)
    max_gb: float | None = None     # volume: the most the table (with its indexes) may take at `years`, in GB

    @property
    def measurable(self) -> bool:
        return self.metric in MEASURED

    def target(self) -> str:
        """The target in a line: `purchase ≥ 2,000/s`, `p95(purchase) ≤ 50 ms`, `no rows from: SELECT …`."""
        what = self.transaction or "all transactions"
        if self.metric == "throughput":
            return f"{what} ≥ {self.value:,.0f}/s"
        if self.metric in LATENCY:
            return f"{self.metric}({what}) ≤ {self.value:g} ms"
        if self.metric == "error_rate":
            return f"errors({what}) ≤ {self.value:g} %"
        if self.metric == "invariant":
            return f"no rows from: {' '.join((self.sql or '').split())}"
        if self.metric == "volume" and self.table:
            years = f" for {self.years:g} years" if self.years else ""
            limit = f", ≤ {self.max_gb:g} GB" if self.max_gb is not None else ""
            return f"{self.table}: {self.value or 0:,.0f} rows/year{years}{limit}"
        return f"{self.metric}: {self.value:,.0f}" if self.value is not None else self.metric

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Requirement:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def _repr_html_(self) -> str:
        return requirements_html([self])

    def __repr__(self) -> str:
        return f"{self.id}: {self.target()} — {self.statement}"


def check(req: Requirement) -> Requirement:
    """The requirement, or a DesignError saying what to fix (every problem at once)."""
    problems = []
    if not _ID.match(req.id or ""):
        problems.append(f"id {req.id!r}: a letter, then letters, digits, '.', '_' or '-' (at most 32)")
    if not (req.statement or "").strip():
        problems.append("statement: say the requirement in words, as the person would")
    if req.metric not in METRICS:
        problems.append(f"metric {req.metric!r}: one of {', '.join(METRICS)}")
    elif req.metric == "invariant":
        if not (req.sql or "").strip():
            problems.append("sql: an invariant is a query that returns the rows that break it (none when it holds)")
    elif req.metric == "volume":
        if req.table is not None and (not isinstance(req.value, int | float) or req.value < 0):
            problems.append("value: the rows a year the table grows by (a number ≥ 0)")
        for name in ("years", "max_gb"):
            got = getattr(req, name)
            if got is not None and (not isinstance(got, int | float) or got <= 0):
                problems.append(f"{name}: a number > 0")
        if req.table is None and (req.years is not None or req.max_gb is not None):
            problems.append("table: the table that grows (years and max_gb are about a table)")
    elif req.measurable:
        if req.value is None or not isinstance(req.value, int | float) or req.value < 0:
            unit = "per second" if req.metric == "throughput" else "ms" if req.metric in LATENCY else "%"
            problems.append(f"value: a number ≥ 0 ({unit})")
        if not req.load:
            problems.append(f"load: the stored load whose run measures {req.metric} (run one with run_load first)")
    if problems:
        raise DesignError(f"Requirement {req.id or '(no id)'} cannot be measured as given:\n"
                          + "\n".join(f"- {p}" for p in problems),
                          hint="Fix these and record it again; the statement alone can go in %design requirements.")
    return req


def requirements(design: Any) -> list[Requirement]:
    """The newest version of each requirement, in the order they were first recorded."""
    out = []
    for name in design.names(KIND):
        row = design.latest(KIND, name)
        out.append(Requirement.from_dict(row["body"]))
    return out


def record_requirement(design: Any, statement: str, metric: str, *, id: str | None = None,
                       value: float | None = None, transaction: str | None = None, load: str | None = None,
                       sql: str | None = None, assumed: str | None = None, table: str | None = None,
                       years: float | None = None, max_gb: float | None = None,
                       turn_id: int | None = None) -> tuple[Requirement, int]:
    """Store a requirement (a new version when its id exists); returns it and its version."""
    existing = requirements(design)
    if id is None:
        numbers = [int(r.id[1:]) for r in existing if re.fullmatch(r"R\d+", r.id)]
        id = f"R{max(numbers, default=0) + 1}"
    req = bound(design, check(Requirement(id, _text(statement), metric, value, transaction or None, load or None,
                                          sql, assumed or None, table or None, years, max_gb)))
    head = design.latest(KIND, req.id)
    if head is not None and head["body"] == req.to_dict():
        return req, head["version"]  # recorded word for word before (a rerun): nothing new
    version = design.add_version(KIND, req.id, req.to_dict(), summary=f"{req.target()} — {req.statement[:80]}",
                                 turn_id=turn_id)
    return req, version


def _text(value: Any) -> str:
    """A statement as text: YAML reads `statement: 2000` as a number; it is still what the person wrote."""
    return "" if value is None or value is False else str(value).strip()


def bound(design: Any, req: Requirement) -> Requirement:
    """The requirement, when what it names exists in the design: its load, its table; else a DesignError."""
    if req.table is not None and design.schema() is not None:
        from .capacity import resolve_table

        resolve_table(design.schema(), req.table, req.id)
    if req.load and design.latest("load", req.load) is None:
        known = ", ".join(design.names("load")) or "none yet"
        raise DesignError(f"Requirement {req.id} is bound to load {req.load!r}, which the design does not have.",
                          hint=f"Stored loads: {known}. Run the workload with run_load (name it) first.")
    return req


def requirements_html(reqs: list[Requirement]) -> str:
    rows = "".join(f"<tr><td>{html.escape(r.id)}</td><td>{html.escape(r.statement)}</td>"
                   f"<td><code>{html.escape(r.target())}</code></td><td>{html.escape(r.load or '')}</td>"
                   f"<td>{html.escape(r.assumed or '')}</td></tr>" for r in reqs)
    return ("<table><thead><tr><th>id</th><th>requirement</th><th>target</th><th>measured by load</th>"
            f"<th>assumed</th></tr></thead><tbody>{rows}</tbody></table>")


class Targets(list):
    """The requirements of a design as a table (what `%design requirements` and `%%requirements` show)."""

    def __init__(self, reqs: list[Requirement], prose: str | None = None) -> None:
        super().__init__(reqs)
        self.prose = prose

    def _repr_html_(self) -> str:
        head = f"<p>{html.escape(self.prose)}</p>" if self.prose else ""
        if not self:
            return head + ("<p><i>No measurable targets yet: record them with %%requirements (YAML), "
                           "Design.record_requirement, or ask the agent (record_requirement).</i></p>")
        return head + requirements_html(list(self))

    def __repr__(self) -> str:
        lines = [self.prose] if self.prose else []
        lines += [repr(r) for r in self] or ["(no measurable targets yet)"]
        return "\n".join(lines)


FIELDS = ("id", "statement", "metric", "value", "transaction", "load", "sql", "assumed", "table", "years", "max_gb")


def record_from_yaml(design: Any, text: str, *, turn_id: int | None = None) -> Targets:
    """Record each requirement of a YAML list ([{statement, metric, value, load, …}]); nothing is stored unless
    every item is valid. Returns the design's targets after."""
    import yaml

    from ..yamltext import yaml_problem

    try:
        items = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where, what = yaml_problem(exc)
        raise DesignError(f"The requirements are not valid YAML{' at ' + where if where else ''}: {what}",
                          hint="Write a list: - {statement: …, metric: throughput, value: 2000, load: checkout}"
                          ) from None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise DesignError("Write the requirements as a YAML list of mappings.",
                          hint="- {statement: Sell 2,000 tickets a second, metric: throughput, value: 2000, "
                               "transaction: buy, load: checkout}")
    problems, ready = [], []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problems.append(f"item {i}: a mapping with statement, metric, … (got {type(item).__name__})")
            continue
        unknown = sorted(set(item) - set(FIELDS))
        if unknown:
            problems.append(f"item {i}: unknown field(s) {', '.join(unknown)} (fields: {', '.join(FIELDS)})")
            continue
        ready.append(item)
    if problems:
        raise DesignError("The requirements were not stored:\n" + "\n".join(f"- {p}" for p in problems),
                          hint="Fix these and run the cell again; nothing was stored.")
    for i, item in enumerate(ready, 1):  # each is checked, with what it names, before any is stored
        try:
            bound(design, check(Requirement(str(item.get("id") or f"R{i}"), _text(item.get("statement")),
                                            str(item.get("metric")), item.get("value"), item.get("transaction"),
                                            item.get("load"), item.get("sql"), None, item.get("table"),
                                            item.get("years"), item.get("max_gb"))))
        except DesignError as exc:
            problems.append(f"item {i}: {exc}")
    if problems:
        raise DesignError("The requirements were not stored:\n" + "\n".join(f"- {p}" for p in problems),
                          hint="Fix these and run the cell again; nothing was stored.")
    for item in ready:
        record_requirement(design, item.get("statement"), item.get("metric"), id=item.get("id"),
                           value=item.get("value"), transaction=item.get("transaction"), load=item.get("load"),
                           sql=item.get("sql"), assumed=item.get("assumed"), table=item.get("table"),
                           years=item.get("years"), max_gb=item.get("max_gb"), turn_id=turn_id)
    return Targets(requirements(design), design.requirements)
