"""MySQL / MariaDB: server labs live in a database of their own, reached by a user of their own.

Least privilege. With the URL the user gave, the lab creates once per process and design a user
`wbp_<digest>` (at '%' and 'localhost') whose only grant is ALL on its lab databases:
no global privilege, so no FILE (no `SELECT … INTO OUTFILE`, no `LOAD_FILE`), no other database
(no `DROP DATABASE` of yours), no users, no SUPER. Every statement of the lab runs as that
user, on its own login: the privileges are the server's, whatever SQL the model writes. Its
password is fresh for each process and lives only in memory. The admin side, its registry and why
the watchdog does not log in as the principal: mysql_admin.

A database the user names is opened as a user with only SELECT and SHOW VIEW on it, in
read-only transactions; if the URL's own user may not create it, it must be read-only itself.

Timeouts: `max_statement_time` for the user and the session, and a watchdog that kills the running
query from the admin's login (`KILL QUERY`, then `KILL CONNECTION` if a handler catches that) when
it outlives the lab's timeout, so neither `SET max_statement_time = 0` nor a new password lifts it. DDL ends
a transaction here, so the NOT NULL foreign keys that close a cycle are not dropped for a seed:
FOREIGN_KEY_CHECKS is off for the load, and the lab's own check verifies every foreign key
before the commit.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ...errors import PrivilegeError
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
from . import mysql_admin as admin
from .base import Driver, Login, Seeding, new_password, principal_name, process_principal
from .mysql_admin import HOSTS, _admin, _connect, _safe

READ_ONLY_PRIVILEGES = {"SELECT", "SHOW VIEW", "USAGE", "SHOW DATABASES", "PROCESS", "REPLICATION CLIENT",
                        "BINLOG MONITOR", "SLAVE MONITOR"}

if TYPE_CHECKING:
    from ..lab import Lab


LOCK_WAIT_S = 2  # seconds a safe-form schema change waits for its metadata lock before it gives up

class MySQLDriver(Driver):
    dialect = "mysql"
    marker = "%s"

    begin = "START TRANSACTION"
    load_note = ("lock waits are not sampled on MariaDB/MySQL: its lock tables need the PROCESS privilege, which "
                 "the lab's principal does not have; deadlocks and lock timeouts are counted as errors")
    _ERROR_CLASSES = {1062: "unique violation", 1213: "deadlock", 1205: "lock timeout", 1969: "lock timeout"}

    def error_class(self, exc: BaseException) -> str:
        code = exc.args[0] if getattr(exc, "args", None) and isinstance(exc.args[0], int) else None
        return self._ERROR_CLASSES.get(code, "other")

    def connect(self, lab: Lab) -> Any:
        login = lab.login
        conn = _connect(lab.url, database=lab.namespace, user=login.user if login else None,
                        password=login.password if login else None)
        with conn.cursor() as cursor:
            cursor.execute(f"SET SESSION max_statement_time = {lab.timeout:g}")
            if lab.read_only:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
        return conn

    # -- principals and namespaces ---------------------------------------------------------------
    def lab_principal(self, admin_url: str, owner: str, timeout: float) -> Login:
        from .base import owner_info

        login = Login(process_principal(owner, _safe(admin_url)), new_password())
        with _admin(admin_url, "create the lab's own user") as cursor:
            admin.create_principal(cursor, login, owner_info(owner, ""), timeout)
        return login

    def drop_principal(self, admin_url: str, login: Login) -> None:
        with _admin(admin_url, None) as cursor:
            admin.drop_user(cursor, login.user)

    def restore_principal(self, admin_url: str, login: Login, timeout: float) -> None:
        with _admin(admin_url, "restore the lab's own user") as cursor:
            admin.ensure_user(cursor, login, timeout)

    def reader(self, admin_url: str, timeout: float) -> Login | None:
        with _admin(admin_url, None) as cursor:
            cursor.execute("SELECT CURRENT_USER(), DATABASE()")
            me, database = cursor.fetchone()
            cursor.execute("SHOW GRANTS")
            privileges = set()
            for (grant,) in cursor.fetchall():
                match = re.match(r"GRANT (.+?) ON ", grant, re.I)
                if match and not grant.upper().startswith("GRANT PROXY"):
                    privileges |= {p.strip().upper() for p in match.group(1).split(",")}
            if not ({"ALL PRIVILEGES", "CREATE USER"} & privileges):
                if privileges - READ_ONLY_PRIVILEGES:
                    raise PrivilegeError(
                        f"The user of {_safe(admin_url)} may not create users, and may write: the lab cannot open "
                        "this database read-only.", hint="Give a URL of a user that may create users, or a read-only user.")
                return None  # the URL's own user can only read: it is used as it is
            login = Login(principal_name(f"{me}/{database}", prefix="wb_ro_"), new_password())
            admin.ensure_user(cursor, login, timeout)
            for host in HOSTS:
                cursor.execute(f"GRANT SELECT, SHOW VIEW ON `{database}`.* TO %s@%s", (login.user, host))
        return login

    def create_namespace(self, admin_url: str, name: str, owner: Login, info: dict) -> None:
        """The registry record first (gc never sees the database without it), then the database and the grant."""
        with _admin(admin_url, "create the lab's database") as cursor:
            admin.ensure_registry(cursor)
            admin.record(cursor, name, admin.NAMESPACE, info)
            cursor.execute(f"CREATE DATABASE `{name}`")
            for host in HOSTS:
                cursor.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO %s@%s", (owner.user, host))

    def drop_namespace(self, admin_url: str, name: str) -> None:
        with _admin(admin_url, None) as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            admin.ensure_registry(cursor)
            admin.forget(cursor, name)

    def namespaces_on(self, admin_url: str) -> list[tuple[str, dict]]:
        with _admin(admin_url, None) as cursor:
            return admin.namespaces(cursor)

    def drop_principals(self, admin_url: str, *, everything: bool = False) -> list[str]:
        with _admin(admin_url, None) as cursor:
            users = admin.dead_principals(cursor, everything)
            for user in users:
                admin.drop_user(cursor, user)
        return users

    def cancel(self, lab: Lab, conn: Any, ran_s: float = 0.0) -> None:
        self._kill(lab, conn, "QUERY", ran_s)

    def terminate(self, lab: Lab, conn: Any, ran_s: float = 0.0) -> None:
        self._kill(lab, conn, "CONNECTION", ran_s)

    def _kill(self, lab: Lab, conn: Any, what: str, ran_s: float) -> None:
        """From the admin's login (the thread id is the server's, from the handshake). An admin that may not
        kill another user's thread leaves it to a second login of the principal, which the principal can
        stop working by changing its password: give an admin with CONNECTION ADMIN to close that."""
        from ...config import database_url

        login = lab.login
        user = login.user if login else database_url(lab.url).username
        if admin.kill(lab.url, conn.thread_id(), user, what, ran_s):
            return
        side = _connect(lab.url, database=lab.namespace,  # the principal may not enter the URL's database
                        user=login.user if login else None,
                        password=login.password if login else None)
        try:
            with side.cursor() as cursor:
                cursor.execute(f"KILL {what} {int(conn.thread_id())}")
        finally:
            side.close()

    def seeding(self, conn: Any, tables: list, strict: list | None) -> Seeding:
        return MySQLSeeding(self, conn, tables, strict)

    def explain(self, cursor: Any, query: str, values: Any, sql: str, *, analyze: bool = False) -> QueryPlan:
        cursor.execute(f"{'ANALYZE' if analyze else 'EXPLAIN'} FORMAT=JSON {query}", values)
        return mysql_plan(cursor.fetchone()[0], sql)

    def seeded_fk_check(self, conn: Any, schema: Any, tables: list, strict: list) -> list[str]:
        """Checks were off for a NOT NULL cycle's load: every foreign key is checked once now."""
        return self.fk_check(conn, schema) if strict else []

    def safe_form(self, statement: str) -> list[str] | None:
        """The same change in statements that block less, as MariaDB/MySQL online DDL: an index or an
        ALTER TABLE asks for ALGORITHM=INPLACE, LOCK=NONE (the server refuses, saying so, where it cannot
        keep writes going), under a short lock_wait_timeout so the change gives up (and is retried)
        rather than wait for its metadata lock while every later query waits behind it."""
        text = " ".join(statement.strip().rstrip(";").split())
        if re.search(r"(?i)\b(ALGORITHM|LOCK)\s*=", text):
            return None
        if re.match(r"(?i)^CREATE\s+(UNIQUE\s+)?INDEX\b", text):
            online = f"{text} ALGORITHM=INPLACE LOCK=NONE"
        elif re.match(r"(?i)^ALTER\s+TABLE\b", text):
            online = f"{text}, ALGORITHM=INPLACE, LOCK=NONE"
        else:
            return None
        return [f"SET SESSION lock_wait_timeout = {LOCK_WAIT_S}", online, "SET SESSION lock_wait_timeout = DEFAULT"]

    def is_lock_timeout(self, message: str) -> bool:
        return "Lock wait timeout exceeded" in message

    def is_timeout(self, message: str) -> bool:
        return "max_statement_time" in message or "Query execution was interrupted" in message

    allocation_unit = 1 << 20  # InnoDB grows a table's segment by 1 MB extents once it has 32 pages

    def storage(self, conn: Any) -> list[tuple[str, str | None, int]]:
        """InnoDB's statistics (information_schema.TABLES, fresh after ANALYZE TABLE): the clustered index as
        the table's data, its secondary indexes together (it gives no size per index)."""
        with conn.cursor() as cursor:
            cursor.execute("SELECT table_name, data_length, index_length FROM information_schema.TABLES "
                           "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")
            rows = cursor.fetchall()
        return [item for table, data, index in rows for item in ((table, None, int(data or 0)),
                                                                  (table, "", int(index or 0)))]

    def connection_limit(self, conn: Any) -> tuple[int, int] | None:
        with conn.cursor() as cursor:
            cursor.execute("SELECT @@max_connections")
            total = int(cursor.fetchone()[0])
        return total, 0  # the one extra connection for a SUPER / CONNECTION ADMIN user comes on top of these

    def analyze(self, conn: Any, tables: list) -> None:
        names = ", ".join(self.quote(t.key) for t in tables)
        if names:
            with conn.cursor() as cursor:
                cursor.execute(f"ANALYZE TABLE {names}")
                cursor.fetchall()


class MySQLSeeding(Seeding):
    def begin(self) -> None:
        with self.conn.cursor() as cursor:  # the lab's timeout is for queries; a large seed may take minutes
            cursor.execute("SELECT @@SESSION.max_statement_time")
            self.timeout = cursor.fetchone()[0]
            cursor.execute("SET SESSION max_statement_time = 0")
        super().begin()

    def commit(self) -> None:
        super().commit()
        self._timeout_back()

    def _timeout_back(self) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute(f"SET SESSION max_statement_time = {float(self.timeout):g}")

    def set_aside(self) -> None:
        if self.strict:  # DDL would end the transaction: suspend the checks, fk_check() verifies afterwards
            with self.conn.cursor() as cursor:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 0")

    def finish(self) -> None:
        self._checks_on()

    def rollback(self) -> None:
        super().rollback()
        self._checks_on()
        self._timeout_back()

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

