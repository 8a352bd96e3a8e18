"""EXPLAIN on SQLite, PostgreSQL and MariaDB/MySQL, normalised into one plan table.

Every step gets an `operation` in a shared vocabulary, so a full scan reads the same
everywhere and an index lookup reads the same everywhere:

    full scan · index lookup · index range scan · index only scan · full index scan ·
    join · sort · aggregate · temp table · other

next to what each database calls it (`node`), the table, the index, and estimated and
actual rows where the database gives them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

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


class Plan(list):
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
        return self.df.to_html(index=False, na_rep="")

    def __repr__(self) -> str:
        return self.df.to_string(index=False)


# -- SQLite ------------------------------------------------------------------------------------
_SQLITE = re.compile(r"^(SCAN|SEARCH)\s+(?:TABLE\s+)?(\S+)(?:\s+AS\s+\S+)?(?:\s+USING\s+(COVERING\s+)?(INDEX\s+(\S+)|"
                     r"INTEGER PRIMARY KEY|PRIMARY KEY))?(.*)$")


def sqlite_plan(rows: list[tuple], sql: str) -> Plan:
    """From EXPLAIN QUERY PLAN rows (id, parent, notused, detail)."""
    depth_of: dict[int, int] = {0: -1}
    steps = []
    for i, (node_id, parent, _unused, detail) in enumerate(rows):
        depth = depth_of.get(parent, -1) + 1
        depth_of[node_id] = depth
        match = _SQLITE.match(detail)
        if match:
            kind, table, covering, using, index_name, rest = match.groups()
            index = index_name or ("PRIMARY KEY" if using else None)
            if kind == "SCAN":
                operation = FULL_INDEX if covering else FULL_SCAN
            elif covering:
                operation = INDEX_ONLY
            else:
                operation = INDEX_RANGE if re.search(r"[<>]", rest or "") else INDEX_LOOKUP
            steps.append(PlanStep(i + 1, depth, operation, kind, table, index, None, None, detail))
        else:
            operation = SORT if "ORDER BY" in detail else AGGREGATE if "GROUP BY" in detail else \
                TEMP if "TEMP" in detail else OTHER
            steps.append(PlanStep(i + 1, depth, operation, detail.split()[0] if detail else "", None, None, None,
                                  None, detail))
    return Plan(steps, "sqlite", sql)


# -- PostgreSQL --------------------------------------------------------------------------------
_PG_OPS = {"Seq Scan": FULL_SCAN, "Parallel Seq Scan": FULL_SCAN, "Index Scan": INDEX_LOOKUP,
           "Index Only Scan": INDEX_ONLY, "Bitmap Heap Scan": INDEX_RANGE, "Bitmap Index Scan": INDEX_RANGE,
           "Nested Loop": JOIN, "Hash Join": JOIN, "Merge Join": JOIN, "Sort": SORT, "Incremental Sort": SORT,
           "Aggregate": AGGREGATE, "HashAggregate": AGGREGATE, "GroupAggregate": AGGREGATE, "Materialize": TEMP,
           "Hash": TEMP}


def postgres_plan(document: Any, sql: str) -> Plan:
    """From EXPLAIN (FORMAT JSON) output."""
    if isinstance(document, str):
        document = json.loads(document)
    root = document[0]["Plan"] if isinstance(document, list) else document["Plan"]
    steps: list[PlanStep] = []

    def walk(node: dict, depth: int) -> None:
        kind = node.get("Node Type", "")
        operation = _PG_OPS.get(kind, OTHER)
        condition = node.get("Index Cond") or node.get("Recheck Cond") or ""
        index = node.get("Index Name")
        if kind in ("Index Scan", "Index Only Scan") and " = " not in condition and re.search(r"[<>]", condition):
            operation = INDEX_RANGE
        if kind == "Bitmap Heap Scan":  # the index is on the Bitmap Index Scan below it
            operation = INDEX_LOOKUP if " = " in condition else INDEX_RANGE
            index = next((c.get("Index Name") for c in node.get("Plans", []) or [] if c.get("Index Name")), None)
        detail = condition or node.get("Filter") or node.get("Hash Cond") or node.get("Join Type") or ""
        steps.append(PlanStep(len(steps) + 1, depth, operation, kind, node.get("Relation Name"),
                              index, node.get("Plan Rows"), node.get("Actual Rows"), detail))
        for child in node.get("Plans", []) or []:
            walk(child, depth + 1)

    walk(root, 0)
    return Plan(steps, "postgres", sql)


# -- MariaDB / MySQL ---------------------------------------------------------------------------
_MY_OPS = {"ALL": FULL_SCAN, "index": FULL_INDEX, "range": INDEX_RANGE, "ref": INDEX_LOOKUP, "eq_ref": INDEX_LOOKUP,
           "const": INDEX_LOOKUP, "system": INDEX_LOOKUP, "ref_or_null": INDEX_LOOKUP, "index_merge": INDEX_RANGE,
           "fulltext": INDEX_LOOKUP, "unique_subquery": INDEX_LOOKUP, "index_subquery": INDEX_LOOKUP}


def mysql_plan(document: Any, sql: str) -> Plan:
    """From EXPLAIN FORMAT=JSON (or ANALYZE FORMAT=JSON) output."""
    if isinstance(document, str):
        document = json.loads(document)
    steps: list[PlanStep] = []

    def walk(node: Any, depth: int) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, depth)
            return
        if not isinstance(node, dict):
            return
        if "table" in node and isinstance(node["table"], dict):
            t = node["table"]
            access = t.get("access_type", "")
            operation = _MY_OPS.get(access, OTHER)
            if operation == INDEX_LOOKUP and t.get("using_index"):
                operation = INDEX_ONLY
            steps.append(PlanStep(len(steps) + 1, depth, operation, access, t.get("table_name"), t.get("key"),
                                  t.get("rows"), t.get("r_rows"), t.get("attached_condition", "")))
        for key, value in node.items():
            if key == "table":
                continue
            if key in ("filesort", "read_sorted_file"):
                steps.append(PlanStep(len(steps) + 1, depth, SORT, key, None, None, None, None,
                                      value.get("sort_key", "") if isinstance(value, dict) else ""))
            elif key == "temporary_table":
                steps.append(PlanStep(len(steps) + 1, depth, TEMP, key))
            if isinstance(value, dict | list):
                walk(value, depth + (1 if key in ("nested_loop", "filesort", "read_sorted_file") else 0))

    walk(document.get("query_block", document), 0)
    return Plan(steps, "mysql", sql)
