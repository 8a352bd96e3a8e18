"""Query plans, normalised into one table whatever the engine (each driver reads its engine's EXPLAIN).

Every step gets an `operation` in a shared vocabulary, so a full scan reads the same
everywhere and an index lookup reads the same everywhere:

    full scan · index lookup · index range scan · index only scan · full index scan ·
    join · sort · aggregate · temp table · other

next to what each database calls it (`node`), the table, the index, and estimated and
actual rows where the database gives them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

FULL_SCAN, INDEX_LOOKUP, INDEX_RANGE, INDEX_ONLY, FULL_INDEX = (
    "full scan", "index lookup", "index range scan", "index only scan", "full index scan")
JOIN, SORT, AGGREGATE, TEMP, OTHER = "join", "sort", "aggregate", "temp table", "other"


@dataclass
class PlanStep:
    step: int
    depth: int
    operation: str
    node: str
    relation: str | None = None
    index: str | None = None
    est_rows: float | None = None
    actual_rows: float | None = None
    detail: str = ""


class QueryPlan(list):
    """Plan steps in execution-tree order; `.df` is the table, `.summary()` one line per scan."""

    def __init__(self, steps: list[PlanStep], dialect: str, sql: str) -> None:
        super().__init__(steps)
        self.dialect = dialect
        self.sql = sql

    @property
    def df(self):
        import pandas as pd

        return pd.DataFrame([asdict(s) for s in self], columns=list(PlanStep.__dataclass_fields__))

    def scans(self) -> list[PlanStep]:
        """The steps that read a table."""
        return [s for s in self if s.relation]

    def uses_index(self, name: str | None = None) -> bool:
        return any(s.index and (name is None or s.index.lower() == name.lower()) and s.operation != FULL_SCAN
                   for s in self)

    def full_scans(self) -> list[str]:
        return [s.relation for s in self if s.operation == FULL_SCAN and s.relation]

    def summary(self) -> str:
        parts = []
        for s in self.scans():
            via = f" via {s.index}" if s.index else ""
            rows = f" (~{s.est_rows:,.0f} rows)" if s.est_rows is not None else ""
            parts.append(f"{s.operation} {s.relation}{via}{rows}")
        return "; ".join(parts) if parts else "; ".join(s.operation for s in self) or "no plan"

    def _repr_html_(self) -> str:
        from ..grid import scroll_table

        fields = list(PlanStep.__dataclass_fields__)
        return scroll_table(fields, [[getattr(s, f) for f in fields] for s in self], decimals=0)

    def __repr__(self) -> str:
        return self.df.to_string(index=False)


class WhatIf:
    """A query's plan without and with hypothetical indexes (nothing built): whether the planner would use
    them, and what it expects the query to cost either way."""

    def __init__(self, sql: str, indexes: list[str], before: QueryPlan, after: QueryPlan) -> None:
        self.sql, self.indexes, self.before, self.after = sql, list(indexes), before, after

    def summary(self) -> str:
        used = any((s.index or "").startswith("<") for s in self.after.scans())  # hypopg names them <oid>…
        verdict = "the planner would use it" if used else "the planner would not use it"
        return (f"What if {'; '.join(self.indexes)}: {verdict}.\n"
                f"  now: {self.before.summary()}\n  with it: {self.after.summary()}")

    def for_model(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        lines = self.summary().splitlines()
        return (f"<p><b>{html.escape(lines[0])}</b></p><p>now: {html.escape(self.before.summary())}</p>"
                f"{self.before._repr_html_()}<p>with it: {html.escape(self.after.summary())}</p>"
                f"{self.after._repr_html_()}")

    def __repr__(self) -> str:
        return self.summary()

