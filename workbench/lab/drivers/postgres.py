"""PostgreSQL: server labs live in a schema of their own; rows load with COPY.

The statement timeout is the server's (`statement_timeout` set at connect). Seeding loads
with COPY in one transaction, switches GENERATED ALWAYS identities to BY DEFAULT while
explicit keys go in, drops and re-adds (so re-validates) the NOT NULL foreign keys that close
a cycle, and moves sequences past the seeded keys afterwards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import LabError
from ..load import BATCH, Prepared, copy_text
from ..plans import (
    AGGREGATE,
    FULL_SCAN,
    INDEX_LOOKUP,
    INDEX_ONLY,
    INDEX_RANGE,
    JOIN,
    OTHER,
    SORT,
    TEMP,
    PlanStep,
    QueryPlan,
)
from .base import Driver, Seeding, first_line

if TYPE_CHECKING:
    from ..lab import Lab


def _psycopg_args(url: str) -> dict:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return {"host": u.host, "port": u.port or 5432, "user": u.username, "password": u.password, "dbname": u.database}


class PostgresDriver(Driver):
    dialect = "postgres"
    marker = "%s"
    count_prefix = "ONLY "  # a parent's own rows, without its inheriting children
    booleans_as_integers = False
    qualify_namespaces = True

    def connect(self, lab: Lab) -> Any:
        import psycopg

        options = f"-c statement_timeout={int(lab.timeout * 1000)}"
        if lab.namespace:
            options += f" -c search_path={lab.namespace}"
        if lab.read_only:
            options += " -c default_transaction_read_only=on"
        return psycopg.connect(**_psycopg_args(lab.url), options=options, autocommit=True, connect_timeout=10)

    def create_namespace(self, admin_url: str, name: str) -> None:
        _admin(admin_url, f'CREATE SCHEMA "{name}"')

    def drop_namespace(self, admin_url: str, name: str) -> None:
        _admin(admin_url, f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    def prepare(self, table_key: str, columns: dict[str, np.ndarray], n: int) -> Prepared:
        """COPY text, converted once per column and cut into chunks of BATCH rows."""
        names = list(columns)
        fields = [copy_text(columns[c]) for c in names]
        chunks = []
        for start in range(0, n, BATCH):
            end = min(n, start + BATCH)
            text = "\n".join("\t".join(row) for row in zip(*(f[start:end] for f in fields), strict=True)) + "\n"
            chunks.append((end - start, text))
        return Prepared(table_key, names, n, chunks=chunks)

    def seeding(self, conn: Any, tables: list, strict: list | None) -> Seeding:
        return PostgresSeeding(self, conn, tables, strict)

    def explain(self, cursor: Any, query: str, values: Any, sql: str, *, analyze: bool = False) -> QueryPlan:
        options = "FORMAT JSON, ANALYZE, BUFFERS" if analyze else "FORMAT JSON"
        cursor.execute(f"EXPLAIN ({options}) {query}", values)
        return postgres_plan(cursor.fetchone()[0], sql)

    def is_timeout(self, message: str) -> bool:
        return "canceling statement due to statement timeout" in message

    def after_seed(self, conn: Any, tables: list) -> None:
        """Move serial and identity sequences past the seeded keys, so new inserts work; then ANALYZE."""
        with conn.cursor() as cursor:
            for table in tables:
                for column in table.columns.values():
                    if column.generated:
                        t, c = self.quote(table.key), self.quote(column.name)
                        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{t}', '{column.name}'), "
                                       f"COALESCE((SELECT max({c}) FROM {t}), 0) + 1, false)")
        self.analyze(conn, tables)


def _admin(url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    from ...secrets import redact

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    except Exception as exc:
        raise LabError(f"Cannot change the lab namespace on {redact(url)}: {first_line(exc)}",
                       hint="Check that the server runs and the user may create schemas (`workbench doctor`).") from None
    finally:
        engine.dispose()


class PostgresSeeding(Seeding):
    def begin(self) -> None:
        self.conn.autocommit = False

    def commit(self) -> None:
        self.conn.commit()
        self.conn.autocommit = True

    def rollback(self) -> None:
        try:
            self.conn.rollback()
        except Exception:  # noqa: BLE001 - nothing to roll back is fine
            pass
        self.conn.autocommit = True

    def set_aside(self) -> None:
        self.identity = self._identity_always(self.tables, on=False)
        self.suspended = self._suspend()

    def finish(self) -> None:
        with self.conn.cursor() as cursor:
            for table, name, definition in self.suspended:  # re-adding validates every row
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {self.driver.quote(name)} {definition}")
        self._identity_always(self.identity, on=True)

    def write(self, prepared: Prepared, progress: Callable[[int], None] | None = None) -> None:
        if prepared.n == 0 or not prepared.columns:
            return
        column_list = ", ".join(self.driver.quote(c) for c in prepared.columns)
        target = self.driver.target(prepared.table_key)
        with self.conn.cursor() as cursor, cursor.copy(f"COPY {target} ({column_list}) FROM STDIN") as copy:
            for count, text in prepared.chunks:
                copy.write(text)
                if progress:
                    progress(count)

    def _suspend(self) -> list[tuple[str, str, str]]:
        """Drop the NOT NULL foreign keys that close a cycle while the rows go in (finish() re-adds them)."""
        out = []
        with self.conn.cursor() as cursor:
            for d in self.strict:
                cursor.execute(
                    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = "
                    "c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.contype = 'f' AND "
                    "n.nspname = current_schema() AND t.relname = %s AND (SELECT array_agg(a.attname::text ORDER BY "
                    "a.attname) FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = ANY(c.conkey)) = %s",
                    (d.table.name, sorted(d.fk.columns)))
                for name, definition in cursor.fetchall():
                    table = self.driver.quote(d.table.key)
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {self.driver.quote(name)}")
                    out.append((table, name, definition))
        return out

    def _identity_always(self, tables: list, *, on: bool) -> list:
        """GENERATED ALWAYS identities take explicit values only while switched to BY DEFAULT."""
        from ...schema.model import IDENTITY_ALWAYS

        changed = []
        with self.conn.cursor() as cursor:
            for entry in tables:
                table, column = (entry if on else (entry, None))
                columns = [column] if on else [c.name for c in table.columns.values() if c.generated == IDENTITY_ALWAYS]
                for name in columns:
                    mode = "ALWAYS" if on else "BY DEFAULT"
                    cursor.execute(f"ALTER TABLE {self.driver.quote(table.key)} ALTER COLUMN "
                                   f"{self.driver.quote(name)} SET GENERATED {mode}")
                    changed.append((table, name))
        return changed


_PG_OPS = {"Seq Scan": FULL_SCAN, "Parallel Seq Scan": FULL_SCAN, "Index Scan": INDEX_LOOKUP,
           "Index Only Scan": INDEX_ONLY, "Bitmap Heap Scan": INDEX_RANGE, "Bitmap Index Scan": INDEX_RANGE,
           "Nested Loop": JOIN, "Hash Join": JOIN, "Merge Join": JOIN, "Sort": SORT, "Incremental Sort": SORT,
           "Aggregate": AGGREGATE, "HashAggregate": AGGREGATE, "GroupAggregate": AGGREGATE, "Materialize": TEMP,
           "Hash": TEMP}


def postgres_plan(document: Any, sql: str) -> QueryPlan:
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
    return QueryPlan(steps, "postgres", sql)
