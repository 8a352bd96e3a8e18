"""PostgreSQL: server labs live in a schema of their own, owned by a role of their own; rows load with COPY.

Least privilege. With the URL the user gave (often a superuser), the lab creates once per
process and design a role `wbp_<digest>`: LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
NOREPLICATION NOBYPASSRLS, member of nothing, owner of its lab schemas only (the admin side, its
registry and why no limit rests on a setting the role can change: postgres_admin). Every statement
of the lab — loading, seeding, the agent's run_sql and %%lab — runs on a separate login as that
role. Not `SET ROLE` on the user's own session: a session can `RESET ROLE` (and a superuser's
session can become anyone), so the privileges would be bounded by the SQL text, not by the
server. As that role, `COPY … TO PROGRAM`, `lo_import`, `pg_read_file`, another schema's tables
and another database are refused by PostgreSQL itself. The password is fresh for each lab,
lives only in memory, and reaches the server as a SCRAM verifier, never as plain text.

A database the user names (`%%lab --db URL`) is opened as a role that may only SELECT
(`wb_ro_…`) with read-only transactions by default; if the URL's own user may not create it,
the URL must be of a user that is itself read-only.

Timeouts: `statement_timeout` is given for every session the workbench opens, and a watchdog
cancels any statement that outlives the lab's timeout and, if it goes on, ends its backend from
the admin side, so neither `SET statement_timeout = 0` nor a block that catches the cancel lifts it. Seeding loads with COPY in one transaction, switches GENERATED
ALWAYS identities to BY DEFAULT while explicit keys go in, drops the foreign keys and adds them
back (which validates every row in one join per key), and moves sequences past the seeded keys.
The lab's statement timeout is for queries: a seed runs without it (a 5M-row load takes minutes).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import LabError, PrivilegeError, SeedError
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
from . import postgres_admin as admin
from .base import (
    NAMESPACE_PREFIX,
    Driver,
    Login,
    Seeding,
    first_line,
    new_password,
    principal_name,
    process_principal,
)
from .postgres_admin import _admin_connection, _psycopg_args, _safe

if TYPE_CHECKING:
    from ..lab import Lab


# functions whose value differs per row: a DEFAULT calling one makes ADD COLUMN rewrite the table
VOLATILE = r"(?i)\b(clock_timestamp|statement_timestamp|timeofday|random|gen_random_uuid|uuid_generate_v[14]|" \
           r"nextval|txid_current)\s*\("
LOCK_TIMEOUT = "2s"  # how long a schema change may wait for its lock before it gives up (and is retried)
BACKFILL = 10_000  # rows per committed batch of a backfill

class PostgresDriver(Driver):
    dialect = "postgres"
    marker = "%s"
    count_prefix = "ONLY "  # a parent's own rows, without its inheriting children
    booleans_as_integers = False
    qualify_namespaces = True

    prepares = True
    lock_waits_sql = ("SELECT count(*) FROM pg_stat_activity WHERE usename = current_user "
                      "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
    _ERROR_CLASSES = {"23505": "unique violation", "40P01": "deadlock", "40001": "serialization failure",
                      "55P03": "lock timeout", "57014": "lock timeout"}

    def error_class(self, exc: BaseException) -> str:
        return self._ERROR_CLASSES.get(getattr(exc, "sqlstate", None) or "", "other")

    backend_id_sql = "SELECT pg_backend_pid()"
    held_locks_sql = ("SELECT l.mode, c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                      "WHERE l.pid = %s AND l.granted AND c.relnamespace = current_schema()::regnamespace "
                      "AND c.relkind IN ('r', 'p')")
    blocked_by_sql = "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
    active_sessions_sql = ("SELECT pid FROM pg_stat_activity WHERE usename = current_user AND state = 'active' "
                           "AND pid <> pg_backend_pid()")
    relfiles_sql = ("SELECT relname, relfilenode FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                    "AND relkind IN ('r', 'p')")

    @contextmanager
    def hypothetical(self, lab: Lab, cursor: Any, indexes: list[str]) -> Iterator[None]:
        """hypopg: the indexes exist, for this session's planner only, until hypopg_reset(). The extension is
        created in the database once, with the URL's own user (the lab's principal may not create extensions)."""
        with _admin_connection(lab.url, "create the hypopg extension for what-if indexes") as conn:
            available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()
            if available is None:
                raise LabError("This PostgreSQL server has no hypopg extension for what-if indexes.",
                               hint="Install it: apt-get install postgresql-<version>-hypopg (scripts/setup.sh "
                                    "--browser does), or compare the index for real with run_experiment.")
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg WITH SCHEMA public")
        try:
            for ddl in indexes:
                cursor.execute("SELECT indexrelid FROM public.hypopg_create_index(%s)", (ddl,))
            yield
        finally:
            cursor.execute("SELECT public.hypopg_reset()")

    def transactional(self, statement: str) -> bool:
        return not re.search(r"(?i)\bCONCURRENTLY\b|^\s*(VACUUM|CREATE\s+DATABASE|DROP\s+DATABASE|DO)\b", statement)

    def safe_form(self, statement: str) -> list[str] | None:
        """The same change in statements that block less:
        - CREATE INDEX → CREATE INDEX CONCURRENTLY, DROP INDEX → DROP INDEX CONCURRENTLY (writes go on);
        - a FOREIGN KEY or CHECK added → added NOT VALID (no scan under the lock), then VALIDATE CONSTRAINT
          (a scan that lets writes through);
        - ADD COLUMN with a volatile default (a rewrite under ACCESS EXCLUSIVE) → add the column bare, set the
          default for new rows, backfill in batches of BACKFILL rows, each committed; NOT NULL comes last,
          through a validated CHECK so that SET NOT NULL needs no scan;
        - any other ALTER TABLE → the same under `lock_timeout`: it gives up (and is retried) rather than queue
          behind a long transaction while every later query queues behind it."""
        text = " ".join(statement.strip().rstrip(";").split())
        index = re.match(r"(?i)^CREATE\s+(UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY\b)(.*)$", text)
        if index:
            return [f"CREATE {index.group(1) or ''}INDEX CONCURRENTLY {index.group(2)}"]
        drop = re.match(r"(?i)^DROP\s+INDEX\s+(?!CONCURRENTLY\b)(.*)$", text)
        if drop and "," not in drop.group(1) and not re.search(r"(?i)\bCASCADE\b", text):
            return [f"DROP INDEX CONCURRENTLY {drop.group(1)}"]
        constraint = re.match(r"(?i)^ALTER\s+TABLE\s+(?:ONLY\s+)?(\S+)\s+ADD\s+(?:CONSTRAINT\s+(\S+)\s+)?"
                              r"((?:FOREIGN\s+KEY|CHECK)\b.*)$", text)
        if constraint and not re.search(r"(?i)\bNOT\s+VALID\b", text):
            table, name, body = constraint.groups()
            kind = "fkey" if body.upper().startswith("FOREIGN") else "check"
            name = name or f"{table.split('.')[-1].strip(chr(34))}_{zlib.crc32(body.encode()) % 10**6}_{kind}"
            return [f"ALTER TABLE {table} ADD CONSTRAINT {name} {body} NOT VALID",
                    f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}"]
        column = re.match(r"(?i)^ALTER\s+TABLE\s+(?:ONLY\s+)?(\S+)\s+ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
                          r"(\S+)\s+(.*?)\s+DEFAULT\s+(.+?)(\s+NOT\s+NULL)?$", text)
        if column and re.search(VOLATILE, column.group(4)):
            table, name, kind, default, not_null = column.groups()
            if "," in kind or re.search(r"(?i)\b(NULL|CHECK|REFERENCES|UNIQUE|PRIMARY)\b", kind):
                return self._under_lock_timeout(text)
            bare = name.strip('"')
            steps = [*self._under_lock_timeout(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"),
                     f"ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT {default}",
                     f"DO $backfill$ BEGIN LOOP UPDATE {table} SET {name} = {default} WHERE ctid = ANY (ARRAY("
                     f"SELECT ctid FROM {table} WHERE {name} IS NULL LIMIT {BACKFILL})); EXIT WHEN NOT FOUND; "
                     f"COMMIT; END LOOP; END $backfill$"]
            if not_null:
                check = f"{table.split('.')[-1].strip(chr(34))}_{bare}_not_null"
                steps += [f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({name} IS NOT NULL) NOT VALID",
                          f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}",
                          *self._under_lock_timeout(f"ALTER TABLE {table} ALTER COLUMN {name} SET NOT NULL"),
                          f"ALTER TABLE {table} DROP CONSTRAINT {check}"]
            return steps
        if re.match(r"(?i)^ALTER\s+TABLE\b", text):
            return self._under_lock_timeout(text)
        return None

    @staticmethod
    def _under_lock_timeout(statement: str) -> list[str]:
        return [f"SET lock_timeout = '{LOCK_TIMEOUT}'", statement, "RESET lock_timeout"]

    def is_lock_timeout(self, message: str) -> bool:
        return "lock timeout" in message

    def fast_client(self, conn: Any, transactions: list[list[tuple[str, list[str]]]]) -> Any:
        """libpq's own prepared statements through psycopg's pq layer: a third less client CPU per
        transaction than the cursor, which on a small machine is CPU the server gets back."""
        try:
            return _PqClient(conn, transactions)
        except Exception:  # noqa: BLE001 - a statement libpq will not prepare: the cursor path reports it
            return None

    def connect(self, lab: Lab) -> Any:
        import psycopg

        options = f"-c statement_timeout={int(lab.timeout * 1000)}"
        if lab.namespace:
            options += f" -c search_path={lab.namespace}"
        if lab.read_only:
            options += " -c default_transaction_read_only=on"
        args = _psycopg_args(lab.url)
        if lab.login is not None:
            args.update(user=lab.login.user, password=lab.login.password)
        return psycopg.connect(**args, options=options, autocommit=True, connect_timeout=10)

    # -- principals and namespaces ---------------------------------------------------------------
    def lab_principal(self, admin_url: str, owner: str, timeout: float) -> Login:
        from .base import owner_info

        login = Login(process_principal(owner, _safe(admin_url)), new_password())
        with _admin_connection(admin_url, "create the lab's own role") as conn:
            admin.create_principal(conn, login, owner_info(owner, ""), timeout)
        return login

    def drop_principal(self, admin_url: str, login: Login) -> None:
        with _admin_connection(admin_url, None) as conn:
            admin.drop_role(conn, login.user)

    def restore_principal(self, admin_url: str, login: Login, timeout: float) -> None:
        with _admin_connection(admin_url, "restore the lab's own role") as conn:
            admin.ensure_role(conn, login, timeout)

    def reader(self, admin_url: str, timeout: float) -> Login | None:
        """A SELECT-only role for the URL's database (grants refreshed on every open: new tables too)."""
        from psycopg import sql

        with _admin_connection(admin_url, None) as conn:
            me = conn.execute("SELECT rolsuper, rolcreaterole, current_user, current_database(), "
                              "inet_server_addr()::text FROM pg_roles WHERE rolname = current_user").fetchone()
            if not (me[0] or me[1]):
                if admin.may_write(conn):
                    raise PrivilegeError(
                        f"The user of {_safe(admin_url)} may not create roles, and may write: the lab cannot open "
                        "this database read-only.",
                        hint="Give a URL of a user that may create roles, or a read-only user.")
                return None  # the URL's own user can only read: it is used as it is
            database = me[3]
            login = Login(principal_name(f"{me[4]}/{database}/{me[2]}", prefix="wb_ro_"), new_password())
            admin.ensure_role(conn, login, timeout)
            role = sql.Identifier(login.user)
            with admin.serialized(conn):  # the database's ACL row, which other principals' grants rewrite too
                conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role))
                conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role))
            schemas = [r[0] for r in conn.execute(  # not the labs' schemas, nor the admin's registry
                "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', %s) "
                "AND nspname NOT LIKE 'pg_toast%%' AND nspname NOT LIKE 'pg_temp%%' AND nspname NOT LIKE %s",
                (admin.ADMIN_SCHEMA, NAMESPACE_PREFIX + "%",))]
            for schema in schemas:
                name = sql.Identifier(schema)
                try:
                    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(name, role))
                    conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(name, role))
                except Exception:  # noqa: BLE001 - a schema this user cannot grant on stays unreadable
                    continue
        return login

    def create_namespace(self, admin_url: str, name: str, owner: Login, info: dict) -> None:
        """The schema, owned by the principal, and its registry record, in one transaction. No comment: a
        comment is readable by every login and writable by the schema's owner."""
        from psycopg import sql

        with _admin_connection(admin_url, "create the lab's schema") as conn:
            admin.ensure_registry(conn)
            with conn.transaction():
                conn.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(name),
                                                                                sql.Identifier(owner.user)))
                admin.record(conn, name, admin.NAMESPACE, info)

    def drop_namespace(self, admin_url: str, name: str) -> None:
        from psycopg import sql

        with _admin_connection(admin_url, None) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
            admin.forget(conn, name)

    def namespaces_on(self, admin_url: str) -> list[tuple[str, dict]]:
        with _admin_connection(admin_url, None) as conn:
            return admin.namespaces(conn)

    def drop_principals(self, admin_url: str, *, everything: bool = False) -> list[str]:
        """Lab roles whose process is gone (or, from older versions, that own no schema any more): their
        sessions end, their objects in this database go, then the role (one that still owns something in
        another database stays, and is not listed)."""
        with _admin_connection(admin_url, None) as conn:
            return [user for user in admin.dead_principals(conn, everything) if admin.drop_role(conn, user)]

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

    def cancel(self, lab: Lab, conn: Any, ran_s: float = 0.0) -> None:
        """pg_cancel_backend from the admin's own connection, only if the statement still runs and started
        ran_s ago (so a statement already stopped by its own statement_timeout leaves the next one alone);
        an admin who may not signal the role's backends falls back to a cancel request with the connection's
        own key. Either is a signal the session cannot refuse, but a block that catches query_canceled goes
        on: terminate() follows."""
        if not admin.signal_backend(lab.url, conn.info.backend_pid, self._user(lab), ran_s, end=False):
            conn.cancel_safe(timeout=5.0)

    def terminate(self, lab: Lab, conn: Any, ran_s: float = 0.0) -> None:
        """End the session's backend from the admin's own connection (the backend pid is libpq's, from the
        server's handshake, not from anything the session ran)."""
        admin.signal_backend(lab.url, conn.info.backend_pid, self._user(lab), ran_s, end=True)

    @staticmethod
    def _user(lab: Lab) -> str:
        from ...config import database_url

        return lab.login.user if lab.login is not None else database_url(lab.url).username

    def recover(self, conn: Any) -> bool:
        """An error inside a transaction block (the model's BEGIN) leaves it failed: every later statement
        would be refused until it ends. Roll it back."""
        from psycopg.pq import TransactionStatus

        if conn.closed or conn.info.transaction_status != TransactionStatus.INERROR:
            return False
        conn.execute("ROLLBACK")
        return True

    def is_timeout(self, message: str) -> bool:
        return "canceling statement due to statement timeout" in message

    def storage(self, conn: Any) -> list[tuple[str, str | None, int]]:
        """Each table of the lab's schema (pg_table_size: heap, TOAST and maps) and each of its indexes
        (pg_relation_size)."""
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, NULL, pg_table_size(c.oid) FROM pg_class c "
                "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') "
                "UNION ALL SELECT t.relname, i.relname, pg_relation_size(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relnamespace = current_schema()::regnamespace")
            return [(table, index, int(size)) for table, index, size in cursor.fetchall()]

    def connection_limit(self, conn: Any) -> tuple[int, int] | None:
        with conn.cursor() as cursor:
            cursor.execute("SELECT current_setting('max_connections')::int, "
                           "current_setting('superuser_reserved_connections')::int")
            total, reserved = cursor.fetchone()
        return int(total), int(reserved)

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


class PostgresSeeding(Seeding):
    def begin(self) -> None:
        self.conn.autocommit = False
        with self.conn.cursor() as cursor:  # the lab's timeout is for queries; a large seed may take minutes
            cursor.execute("SET LOCAL statement_timeout = 0")

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
                try:
                    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {self.driver.quote(name)} {definition}")
                except Exception as exc:
                    raise SeedError(f"Foreign key {name} on {table} does not hold for the seeded rows: "
                                    f"{first_line(exc)}", hint="This is a bug in the seeder; nothing was kept.") from None
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
        """Drop the tables' foreign keys while the rows go in; finish() adds them back, which checks
        every row with one join per key instead of a trigger call per row (what pg_restore does too).
        This also lets the rows of a NOT NULL cycle go in. DDL is transactional: a failure restores them."""
        names = [t.name for t in self.tables]
        out = []
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t "
                "ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.contype = 'f' AND "
                "n.nspname = current_schema() AND t.relname = ANY(%s) AND c.conparentid = 0 ORDER BY 1, 2", (names,))
            for relname, name, definition in cursor.fetchall():
                table = self.driver.quote(relname)
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


class _PqClient:
    """A load client's statements prepared once on its connection; each run sends values as text (the
    server types them, as it does pgbench's) and raises psycopg's own error for the SQLSTATE."""

    def __init__(self, conn: Any, transactions: list[list[tuple[str, list[str]]]]) -> None:
        from ..workload import PARAM, SQL_STRINGS

        self.pgconn = conn.pgconn
        self.names: dict[tuple[int, int], bytes] = {}
        for t, statements in enumerate(transactions):
            for j, (sql, names) in enumerate(statements):
                parts = SQL_STRINGS.split(sql)
                for i in range(0, len(parts), 2):
                    parts[i] = PARAM.sub(lambda m, names=names: f"${names.index(m.group(1)) + 1}", parts[i])
                name = f"wb_load_{t}_{j}".encode()
                self._check(self.pgconn.prepare(name, "".join(parts).encode()))
                self.names[(t, j)] = name

    def run(self, transaction: int, statement: int, values: dict | None, names: list[str]) -> None:
        params = [_pq_text(values[n]) for n in names] if names else None
        self._check(self.pgconn.exec_prepared(self.names[(transaction, statement)], params))

    def command(self, sql: bytes) -> None:
        self._check(self.pgconn.exec_(sql))

    @staticmethod
    def _check(result: Any) -> None:
        from psycopg import errors, pq

        if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
            return
        code = (result.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
        message = (result.error_message or b"").decode(errors="replace").strip()
        raise (errors.lookup(code) if code else errors.DatabaseError)(message)


def _pq_text(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, bytes):
        return b"\\x" + value.hex().encode()
    return str(value).encode()
