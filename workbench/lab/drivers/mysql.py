"""MySQL / MariaDB: server labs live in a database of their own; rows load with executemany.

The statement timeout is the server's (`max_statement_time`, MariaDB's name, set per session).
DDL ends a transaction here, so the NOT NULL foreign keys that close a cycle are not dropped
for a seed: FOREIGN_KEY_CHECKS is off for the load, and the lab's own check verifies every
foreign key before the commit.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..plans import (
    FULL_INDEX,
    FULL_SCAN,
    INDEX_LOOKUP,
    INDEX_ONLY,
    INDEX_RANGE,
    OTHER,
    SORT,
    TEMP,
    PlanStep,
    QueryPlan,
)
from .base import Driver, Seeding
from .postgres import _admin

if TYPE_CHECKING:
    from ..lab import Lab


class MySQLDriver(Driver):
    dialect = "mysql"
    marker = "%s"

    def connect(self, lab: Lab) -> Any:
        import pymysql
        from sqlalchemy.engine import make_url

        u = make_url(lab.url)
        conn = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username, password=u.password or "",
                               database=lab.namespace or u.database, autocommit=True, connect_timeout=10,
                               charset="utf8mb4")
        with conn.cursor() as cursor:
            cursor.execute(f"SET SESSION max_statement_time = {lab.timeout:g}")
            if lab.read_only:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
        return conn

    def create_namespace(self, admin_url: str, name: str) -> None:
        _admin(admin_url, f"CREATE DATABASE `{name}`")

    def drop_namespace(self, admin_url: str, name: str) -> None:
        _admin(admin_url, f"DROP DATABASE IF EXISTS `{name}`")

    def seeding(self, conn: Any, tables: list, strict: list | None) -> Seeding:
        return MySQLSeeding(self, conn, tables, strict)

    def explain(self, cursor: Any, query: str, values: Any, sql: str, *, analyze: bool = False) -> QueryPlan:
        cursor.execute(f"{'ANALYZE' if analyze else 'EXPLAIN'} FORMAT=JSON {query}", values)
        return mysql_plan(cursor.fetchone()[0], sql)

    def is_timeout(self, message: str) -> bool:
        return "max_statement_time" in message or "Query execution was interrupted" in message

    def analyze(self, conn: Any, tables: list) -> None:
        names = ", ".join(self.quote(t.key) for t in tables)
        if names:
            with conn.cursor() as cursor:
                cursor.execute(f"ANALYZE TABLE {names}")
                cursor.fetchall()


class MySQLSeeding(Seeding):
    def set_aside(self) -> None:
        if self.strict:  # DDL would end the transaction: suspend the checks, fk_check() verifies afterwards
            with self.conn.cursor() as cursor:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 0")

    def finish(self) -> None:
        self._checks_on()

    def rollback(self) -> None:
        super().rollback()
        self._checks_on()

    def _checks_on(self) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


_MY_OPS = {"ALL": FULL_SCAN, "index": FULL_INDEX, "range": INDEX_RANGE, "ref": INDEX_LOOKUP, "eq_ref": INDEX_LOOKUP,
           "const": INDEX_LOOKUP, "system": INDEX_LOOKUP, "ref_or_null": INDEX_LOOKUP, "index_merge": INDEX_RANGE,
           "fulltext": INDEX_LOOKUP, "unique_subquery": INDEX_LOOKUP, "index_subquery": INDEX_LOOKUP}


def mysql_plan(document: Any, sql: str) -> QueryPlan:
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
    return QueryPlan(steps, "mysql", sql)
