"""MySQL / MariaDB: server labs live in a database of their own, reached by a user of their own.

Least privilege. With the URL the user gave, the lab creates once per design a user
`wb_<design>_<hash>` (at '%' and 'localhost') whose only grant is ALL on its lab databases:
no global privilege, so no FILE (no `SELECT … INTO OUTFILE`, no `LOAD_FILE`), no other database
(no `DROP DATABASE` of yours), no users, no SUPER. Every statement of the lab runs as that
user, on its own login: the privileges are the server's, whatever SQL the model writes. Its
password is fresh for each lab and lives only in memory.

A database the user names is opened as a user with only SELECT and SHOW VIEW on it, in
read-only transactions; if the URL's own user may not create it, it must be read-only itself.

Timeouts: `max_statement_time` for the user and the session, and a client-side watchdog that
kills the running query (`KILL QUERY`, from a second login of the same user) when it outlives
the lab's timeout, so `SET max_statement_time = 0` in the model's SQL does not lift it. DDL ends
a transaction here, so the NOT NULL foreign keys that close a cycle are not dropped for a seed:
FOREIGN_KEY_CHECKS is off for the load, and the lab's own check verifies every foreign key
before the commit.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ...errors import LabError, PrivilegeError
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
from .base import Driver, Login, Seeding, first_line, new_password, principal_name

NAMESPACE_PREFIX = "wb_lab_"
HOSTS = ("%", "localhost")
OWNER_TABLE = "_workbench_owner"
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
        login = Login(principal_name(owner), new_password())
        with _admin(admin_url, "create the lab's own user") as cursor:
            _ensure_user(cursor, login, timeout)
        return login

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
            _ensure_user(cursor, login, timeout)
            for host in HOSTS:
                cursor.execute(f"GRANT SELECT, SHOW VIEW ON `{database}`.* TO %s@%s", (login.user, host))
        return login

    def create_namespace(self, admin_url: str, name: str, owner: Login, info: dict) -> None:
        with _admin(admin_url, "create the lab's database") as cursor:
            cursor.execute(f"CREATE DATABASE `{name}`")
            cursor.execute(f"CREATE TABLE `{name}`.`{OWNER_TABLE}` (info TEXT NOT NULL)")
            cursor.execute(f"INSERT INTO `{name}`.`{OWNER_TABLE}` (info) VALUES (%s)", (json.dumps(info),))
            for host in HOSTS:
                cursor.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO %s@%s", (owner.user, host))

    def drop_namespace(self, admin_url: str, name: str) -> None:
        with _admin(admin_url, None) as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")

    def namespaces_on(self, admin_url: str) -> list[tuple[str, dict]]:
        out = []
        with _admin(admin_url, None) as cursor:
            cursor.execute("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s "
                           "ORDER BY schema_name", (NAMESPACE_PREFIX + "%",))
            for (name,) in cursor.fetchall():
                try:
                    cursor.execute(f"SELECT info FROM `{name}`.`{OWNER_TABLE}` LIMIT 1")
                    row = cursor.fetchone()
                    out.append((name, json.loads(row[0]) if row else {}))
                except Exception:  # noqa: BLE001 - a lab from before owners were recorded
                    out.append((name, {}))
        return out

    def drop_principals(self, admin_url: str) -> list[str]:
        dropped = []
        with _admin(admin_url, None) as cursor:
            cursor.execute("SELECT DISTINCT user FROM mysql.user WHERE user LIKE 'wb\\_%%' AND user NOT LIKE "
                           "'wb\\_ro\\_%%'")
            users = [r[0] for r in cursor.fetchall()]
            cursor.execute("SELECT schema_name FROM information_schema.schemata")
            databases = {r[0] for r in cursor.fetchall()}
            for user in users:
                cursor.execute("SELECT DISTINCT db FROM mysql.db WHERE user = %s", (user,))
                if any(r[0].replace("\\_", "_") in databases for r in cursor.fetchall()):
                    continue
                for host in HOSTS:
                    cursor.execute("DROP USER IF EXISTS %s@%s", (user, host))
                dropped.append(user)
        return dropped

    def cancel(self, lab: Lab, conn: Any) -> None:
        """KILL QUERY from a second login of the same user (a user may always stop its own statements), into
        the lab's own database: the principal may not enter the URL's."""
        login = lab.login
        side = _connect(lab.url, database=lab.namespace, user=login.user if login else None,
                        password=login.password if login else None)
        try:
            with side.cursor() as cursor:
                cursor.execute(f"KILL QUERY {int(conn.thread_id())}")
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


def _connect(url: str, *, database: str | None, user: str | None, password: str | None):
    import pymysql

    from ...config import database_url

    u = database_url(url)
    return pymysql.connect(host=u.host, port=u.port or 3306, user=user or u.username,
                           password=(password if user else u.password) or "", database=database or u.database,
                           autocommit=True, connect_timeout=10, charset="utf8mb4")


def _safe(url: str) -> str:
    from ...secrets import redact

    return redact(url)


class _admin:
    """A cursor on a connection with the URL the user gave, only for users, grants and lab databases."""

    def __init__(self, url: str, needs: str | None) -> None:
        self.url, self.needs, self.conn = url, needs, None

    def __enter__(self):
        try:
            self.conn = _connect(self.url, database=None, user=None, password=None)
        except Exception as exc:
            raise LabError(f"Cannot connect to {_safe(self.url)}: {first_line(exc)}",
                           hint="Check the URL and that the server runs (`workbench doctor`).") from None
        return self.conn.cursor()

    def __exit__(self, kind: Any, error: Any, tb: Any) -> None:
        self.conn.close()
        if error is None or isinstance(error, LabError):
            return
        code = error.args[0] if getattr(error, "args", None) else None
        if self.needs and code in (1044, 1045, 1142, 1227, 1410):  # access / command denied
            raise PrivilegeError(f"The user of {_safe(self.url)} may not {self.needs}: {first_line(error)}",
                                 hint="Give a URL of a user that may create users and databases and grant on them "
                                      "(CREATE USER, CREATE, GRANT OPTION).") from None
        if isinstance(error, Exception):
            raise LabError(f"The lab could not prepare {_safe(self.url)}: {first_line(error)}") from None


def _ensure_user(cursor: Any, login: Login, timeout: float) -> None:
    """Create the user at each host (or reset an existing one) with a new password and the lab's limits."""
    for host in HOSTS:
        cursor.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (login.user, host, login.password))
        cursor.execute(f"ALTER USER %s@%s IDENTIFIED BY %s WITH MAX_STATEMENT_TIME {float(timeout):g} "
                       "MAX_USER_CONNECTIONS 200", (login.user, host, login.password))
