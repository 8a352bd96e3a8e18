"""Queries and their results: parameters drawn from the seeded data, timings, capped rows."""

from __future__ import annotations

import html
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# a :name placeholder (not a PostgreSQL ::cast), and the quoted strings it is never looked for in: the load
# driver and the PostgreSQL driver's server-side binding read SQL the same way
PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
SQL_STRINGS = re.compile(r"('(?:[^']|'')*')")


@dataclass
class Query:
    """A named query of a workload; `params` may be omitted to draw them from the data."""

    name: str
    sql: str
    params: dict | None = None


def workload_from(items: Any) -> list[Query]:
    """Queries from a list of {name, sql[, params]} dicts, (name, sql) pairs, Query objects, or a dict name → sql."""
    if isinstance(items, dict):
        items = [{"name": k, "sql": v} for k, v in items.items()]
    if isinstance(items, str):
        items = [{"name": "query", "sql": items}]
    out = []
    for i, item in enumerate(items or []):
        if isinstance(item, Query):
            out.append(item)
        elif isinstance(item, dict):
            out.append(Query(str(item.get("name") or f"q{i + 1}"), item["sql"], item.get("params")))
        else:
            name, sql = item
            out.append(Query(str(name), sql))
    return out


@dataclass
class QueryResult:
    """Rows (capped), columns, timings and, when asked, the plan of one statement."""

    sql: str
    columns: list[str]
    rows: list[tuple]
    rowcount: int
    truncated: bool
    timings: list[float]
    plan: Any = None
    row_cap: int = 10_000
    extra: dict = field(default_factory=dict)
    dialect: str = ""
    database: str | None = None  # the design lab it ran on (sandbox, postgres, mysql), when it ran on one
    notes: list[str] = field(default_factory=list)  # what the lab left out of the design, reported once

    @property
    def df(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def stats(self) -> dict[str, float]:
        ms = [t * 1000 for t in self.timings]
        return {"runs": len(ms), "min_ms": min(ms), "p50_ms": statistics.median(ms),
                "p95_ms": float(np.percentile(ms, 95)), "max_ms": max(ms)}

    def timing_line(self) -> str:
        s = self.stats()
        rows = f"{len(self.rows):,} row{'s' if len(self.rows) != 1 else ''}" if self.columns else \
            f"{self.rowcount:,} rows affected" if self.rowcount >= 0 else "done"
        more = f" (cut at {self.row_cap:,})" if self.truncated else ""
        if s["runs"] > 1:
            return f"{rows}{more} · {s['runs']} runs: p50 {s['p50_ms']:.2f} ms, p95 {s['p95_ms']:.2f} ms, " \
                   f"max {s['max_ms']:.2f} ms"
        return f"{rows}{more} · {s['p50_ms']:.2f} ms"

    def notes_line(self) -> str:
        return f"The lab differs from the design: {'; '.join(self.notes)}" if self.notes else ""

    def to_record(self, database: str, params: dict | None = None) -> dict:
        """What the design keeps of a query: the SQL, its parameters, the first rows, timings and the plan."""
        return {"sql": self.sql, "database": database, "params": params, "rows": len(self.rows),
                "columns": self.columns, "first_rows": [[_jsonable(v) for v in r] for r in self.rows[:20]],
                "timings_ms": [t * 1000 for t in self.timings],
                "plan": self.plan.summary() if self.plan is not None else None}

    def for_model(self, limit: int = 10) -> str:
        lines = [f"On the {self.database} lab ({self.dialect}):"] if self.database else []
        if self.notes:
            lines.append(self.notes_line())
        lines.append(self.timing_line())
        if self.columns:
            frame = self.df.head(limit)
            lines.append(frame.to_csv(index=False).strip())
            if len(self.rows) > limit or self.truncated:
                lines.append(f"… first {limit} rows shown of {len(self.rows):,}{'+' if self.truncated else ''}")
        if self.plan is not None:
            lines.append(f"Plan: {self.plan.summary()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(self.notes_line())}</p>"] if self.notes else []
        parts.append(f"<p><code>{html.escape(' '.join(self.sql.split())[:300])}</code><br>"
                     f"{html.escape(self.timing_line())}</p>")
        if self.columns:
            parts.append(self.df.head(50).to_html(index=False, na_rep="NULL", max_cols=30))
        if self.plan is not None:
            parts.append(f"<p><b>Plan</b> ({html.escape(self.plan.dialect)}): {html.escape(self.plan.summary())}</p>")
            parts.append(self.plan._repr_html_())
        return "".join(parts)

    def __repr__(self) -> str:
        head = self.df.head(20).to_string(index=False) if self.columns else ""
        plan = f"\nPlan: {self.plan.summary()}" if self.plan is not None else ""
        notes = f"{self.notes_line()}\n" if self.notes else ""
        return f"{notes}{head}\n{self.timing_line()}{plan}".strip()


def _jsonable(value: Any) -> Any:
    import datetime
    import decimal

    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def pyformat(sql: str) -> str:
    """SQL with :name placeholders as %(name)s (psycopg, PyMySQL); a literal % doubled; string literals kept."""
    parts = SQL_STRINGS.split(sql)
    for i in range(0, len(parts), 2):  # outside string literals only
        parts[i] = PARAM.sub(r"%(\1)s", parts[i].replace("%", "%%"))
    return "".join(parts)


def placeholders(sql: str) -> list[str]:
    names = []
    for i, part in enumerate(SQL_STRINGS.split(sql)):
        if i % 2 == 0:
            names += [m for m in PARAM.findall(part) if m not in names]
    return names


def draw_params(lab: Any, sql: str, attempt: int) -> dict | None:
    """Values for :name placeholders, drawn from the lab's seeded data (a different draw per attempt)."""
    names = placeholders(sql)
    if not names:
        return None
    out = {}
    rng = np.random.default_rng(1000 + attempt)
    for name in names:
        source = seeded_values(lab, name, sql)
        if source is None:
            from ..errors import SQLError

            raise SQLError(f"No value for :{name}, and no seeded column named {name!r} to draw one from.",
                           statement=sql, hint=f"Pass params={{'{name}': …}}, or name the parameter after a column.")
        out[name] = source[int(rng.integers(0, len(source)))]
    return out


def seeded_values(lab: Any, name: str, sql: str = "") -> list | None:
    """Seeded values for a parameter name: the same-named column of a table the query reads (so the query
    finds rows), then the referenced key (customer_id → customers.id), then any column of that name."""
    schema = lab.schema
    if schema is None:
        return None
    lower = name.lower()
    candidates: list[tuple[str, str]] = []
    read = {t.strip('"`').rsplit(".", 1)[-1].lower() for t in re.findall(r"\b(?:FROM|JOIN)\s+([\w.\"`]+)", sql, re.I)}
    for table in schema.tables.values():
        column = table.column(name)
        if column is not None and table.name.lower() in read:
            candidates.append((table.key, column.name))
    for table in schema.tables.values():
        for fk in table.foreign_keys:
            if lower in (c.lower() for c in fk.columns):
                ref = fk.ref_columns[[c.lower() for c in fk.columns].index(lower)]
                candidates.append((fk.ref_table, ref))
    stem = re.sub(r"_?id$", "", lower)
    for table in schema.tables.values():
        if table.name.lower() in (stem, stem + "s", stem + "es") and len(table.primary_key) == 1:
            candidates.append((table.key, table.primary_key[0]))
    for table in schema.tables.values():
        column = table.column(name)
        if column is not None:
            candidates.append((table.key, column.name))
    for table_key, column in candidates:
        data = lab._generated.get(table_key)
        if data is not None and column in data.columns and data.n:
            values = [v for v in data.columns[column][:5000].tolist() if v is not None]
            if values:
                return [_plain(v) for v in values]
        sampled = _sample_from_db(lab, table_key, column)
        if sampled:
            return sampled
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _sample_from_db(lab: Any, table: str, column: str) -> list:
    q = lab.driver.quote
    cursor = lab.connection().cursor()
    try:
        cursor.execute(f"SELECT {q(column)} FROM {q(table)} WHERE {q(column)} IS NOT NULL LIMIT 1000")
        return [r[0] for r in cursor.fetchall()]
    except Exception:  # noqa: BLE001 - no sample: the caller reports the missing parameter
        return []
    finally:
        cursor.close()
