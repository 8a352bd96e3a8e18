"""The one interface between the lab and a database engine.

A `Lab` decides *what* happens (load a schema, seed it, run and time statements, explain
them, compare variants); a `Driver` knows *how* its engine does each of those. The lab holds
one driver, chosen once from the URL's dialect, and never asks which engine it is talking to.

Adding an engine means adding one file in this package — the recipe:

1. Subclass `Driver`; set `dialect` (the schema layer's name for the engine's SQL, which also
   picks the DDL the lab emits and the identifier quoting) and `marker` (the DB-API
   placeholder of the engine's driver, `?` or `%s`).
2. connect: `connect(lab)` returns an open DB-API connection in autocommit mode for the lab's
   kind — a sandbox file, a lab namespace on a server (`lab.namespace`), or a database the user
   named (`lab.read_only` set unless they asked to write).
3. namespace and principal: `lab_principal` creates (once per process and owner, with the URL the
   user gave) the least-privileged login a design's server labs run as — no superuser, no role or
   database creation, no server files, owning nothing but its lab namespaces; `drop_principal`
   removes it when the process ends (workbench.lab.made); `reader` makes the SELECT-only login for
   a database the user names read-only. `create_namespace` / `drop_namespace` make and remove the
   private schema or database a server lab lives in, owned by the lab principal, and record who
   made it in the server's admin registry, where no principal can read or write; `namespaces_on`
   lists them (with that record) for `workbench lab gc`, and `drop_principals` the principals of
   processes that are gone.
4. load: `prepare_schema` adjusts the lab's copy of a schema for the engine before its DDL runs
   (default: nothing).
5. seed: `seeding(conn, tables, strict)` returns a `Seeding` — the engine's bulk-load session
   (one transaction; clear the tables, write prepared rows, put back what was set aside, commit
   or roll back). Override `prepare` when the engine has a faster load format than executemany.
6. run: `bind(sql, params)` turns `:name` placeholders into what the engine's driver takes.
7. explain: `explain(cursor, query, values, sql, analyze=…)` runs the engine's EXPLAIN and
   normalises it into a `QueryPlan` (see workbench.lab.plans for the shared vocabulary).
8. timeout: `arm_timeout` bounds one statement with a watchdog that does not depend on anything the
   session can set: at the deadline `cancel` stops the statement; if it goes on (a block that
   catches the cancellation), `terminate` ends its session from the admin side after a grace
   period. `is_timeout(message)` recognises the cancellation; `is_denied(message)` a refusal by the
   engine's privileges or read-only mode; `recover(conn)` rolls back a transaction an error left
   unusable.
9. housekeeping: `analyze` (fresh statistics after a seed), `fk_check` (foreign keys that do
   not hold, as the database sees it) and `count_prefix` (to count a table's own rows only).
   load: `error_class(exc)` names a failed transaction's error; `begin`, `prepares`,
   `lock_waits_sql` and `load_note` say how the engine runs concurrent clients.
10. Register the class in `workbench/lab/drivers/__init__.py` (`DRIVERS`) under its dialect and
    the URL schemes that reach it.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import LabError, SeedError
from ...processes import is_running, process_start
from ...schema.names import qualified, quote
from ..load import BATCH, Prepared, python_values

if TYPE_CHECKING:
    from ...schema.model import Schema, Table
    from ..lab import Lab
    from ..plans import QueryPlan


@dataclass(frozen=True)
class Login:
    """The principal a lab connects as: a user name and its password (kept in memory only)."""

    user: str
    password: str | None = None

    def __repr__(self) -> str:  # never shows the password
        return f"Login({self.user!r})"


def principal_name(owner: str, prefix: str = "wb_") -> str:
    """A role or user name for an owner (a design): readable, unique per owner, at most 32 characters
    (MariaDB's limit for user names; PostgreSQL allows 63). Used for the shared read-only logins."""
    slug = re.sub(r"[^a-z0-9]+", "_", owner.rsplit("/", 1)[-1].lower()).strip("_")[:12] or "lab"
    digest = hashlib.sha1(owner.encode("utf-8")).hexdigest()[:10]
    return f"{prefix}{slug}_{digest}"


PRINCIPAL_PREFIX = "wbp_"  # the labs' principals; `wb_…` names are from older workbench versions
NAMESPACE_PREFIX = "wb_lab_"


def process_principal(owner: str, server: str) -> str:
    """The name of this process's principal for an owner (a design) on a server: one per process, so a
    process that ends drops its own without touching another's, and no other process resets its password.
    A digest only: role and user names are visible to every login of the server (pg_roles), so a name must
    not say which design, folder or person it is for."""
    key = "\0".join([owner, server, socket.gethostname(), str(os.getpid()), str(process_start(os.getpid()))])
    return PRINCIPAL_PREFIX + hashlib.sha1(key.encode("utf-8")).hexdigest()[:24]


def namespace_name() -> str:
    """A new lab namespace's name: random, so the catalogs every login may read name no design."""
    import uuid

    return NAMESPACE_PREFIX + uuid.uuid4().hex[:16]


def new_password() -> str:
    import secrets as _random

    return _random.token_urlsafe(24)


def owner_info(owner: str, lab: str) -> dict:
    """Who made a namespace or a principal: kept in the server's admin registry, so `workbench lab gc` can
    tell a live lab from an orphan."""
    return {"workbench": 1, "owner": owner, "lab": lab, "pid": os.getpid(), "host": socket.gethostname(),
            "process_start": process_start(os.getpid()), "created": time.time()}


def is_orphan(info: dict, *, max_age_s: float = 24 * 3600) -> bool:
    """Whether the process that made a lab namespace is gone (or, on another host, the lab is old). A record
    that is not the workbench's (a comment an older version's principal rewrote) names no live process."""
    if not info.get("workbench"):
        return True
    if info.get("host") != socket.gethostname():
        return time.time() - float(info.get("created") or 0) > max_age_s
    return not is_running(int(info.get("pid") or 0), info.get("process_start"))


class Driver:
    """How the lab reaches one database engine (see the module docstring for the recipe)."""

    dialect = ""
    marker = "%s"
    count_prefix = ""
    booleans_as_integers = True  # how the DB-API driver takes booleans when loading rows
    qualify_namespaces = False  # whether loaded tables are addressed as namespace.table
    namespaces = True  # whether a server lab can live in a namespace of its own

    # -- connect and namespace -------------------------------------------------------------------
    def connect(self, lab: Lab) -> Any:
        raise LabError(f"The {self.dialect} driver cannot connect.")

    def create_namespace(self, admin_url: str, name: str, owner: Login, info: dict) -> None:
        raise LabError(f"{self.dialect} labs have no namespaces on a server.",
                       hint="Use Lab() for a sandbox, or a PostgreSQL or MySQL/MariaDB URL.")

    def drop_namespace(self, admin_url: str, name: str) -> None:
        pass

    def namespaces_on(self, admin_url: str) -> list[tuple[str, dict]]:
        """The workbench's lab namespaces on a server, with who made each (from the admin registry)."""
        return []

    def lab_principal(self, admin_url: str, owner: str, timeout: float) -> Login | None:
        """This process's least-privileged login for an owner's server labs (created with admin_url)."""
        return None

    def drop_principal(self, admin_url: str, login: Login) -> None:
        """Drop a principal this process made (its sessions ended first), and its registry record."""

    def restore_principal(self, admin_url: str, login: Login, timeout: float) -> None:
        """Put a principal back as it was made (its password, its limits, no settings it stored for itself)."""

    def reader(self, admin_url: str, timeout: float) -> Login | None:
        """A login that may only read the database of admin_url; None when admin_url's own user is read-only."""
        return None

    def drop_principals(self, admin_url: str, *, everything: bool = False) -> list[str]:
        """Drop the lab principals whose process is gone (everything: all that own no namespace); their names."""
        return []

    def database_file(self, url: str) -> Path | None:
        """For an engine that keeps a database in a file: the file a URL names (it must exist)."""
        return None

    # -- load ------------------------------------------------------------------------------------
    def prepare_schema(self, schema: Schema) -> None:
        """Adjust the lab's own copy of a schema before its DDL runs here."""

    # -- seed ------------------------------------------------------------------------------------
    def prepare(self, table_key: str, columns: dict[str, np.ndarray], n: int) -> Prepared:
        """Generated columns converted once for the load (this may run on another thread)."""
        names = list(columns)
        return Prepared(table_key, names, n,
                        lists=[python_values(columns[c], self.booleans_as_integers) for c in names])

    def seeding(self, conn: Any, tables: list[Table], strict: list | None) -> Seeding:
        return Seeding(self, conn, tables, strict)

    # -- run and explain -------------------------------------------------------------------------
    def bind(self, sql: str, params: dict | None) -> tuple[str, Any]:
        """SQL with :name placeholders as the DB-API driver takes it: pyformat (%(name)s) by default."""
        from ..workload import pyformat

        if not params:
            return sql, None
        return pyformat(sql), params

    def explain(self, cursor: Any, query: str, values: Any, sql: str, *, analyze: bool = False) -> QueryPlan:
        raise LabError(f"EXPLAIN is not available on {self.dialect}.")

    # -- timeout ---------------------------------------------------------------------------------
    def arm_timeout(self, lab: Lab, conn: Any, seconds: float) -> Watchdog:
        """Bound the next statement: at the deadline the watchdog cancels it, and if it goes on it ends the
        session from the admin side (see Watchdog). For the time limit, only a statement that has run about
        `seconds` by the server's clock is stopped (`ran_s`): one the server already stopped by its own
        limit is gone, and the next one is not hit by a late signal. For an interrupt, whatever runs."""
        dogs: list[Watchdog] = []

        def ran() -> float:
            return max(0.0, seconds * 0.9 - 0.05) if dogs[0].fired else 0.0  # the way to the server: a margin

        dogs.append(Watchdog(seconds, lambda: self.cancel(lab, conn, ran_s=ran()),
                             escalate=lambda: self.terminate(lab, conn, ran_s=ran())))
        return dogs[0].start()

    def cancel(self, lab: Lab, conn: Any, ran_s: float = 0.0) -> None:
        """Stop the statement running on conn if it started at least ran_s ago (from the watchdog's thread)."""

    def terminate(self, lab: Lab, conn: Any, ran_s: float = 0.0) -> None:
        """End conn's session on the server from the admin side, if its statement started at least ran_s ago
        (a statement that ignored cancel)."""

    def recover(self, conn: Any) -> bool:
        """After a failed statement: roll back a transaction the error left unusable; whether there was one."""
        return False

    guard_note: str | None = None  # what the guard refuses, said with a statement it refused

    def guard(self, conn: Any) -> Any:
        """A context in which statements from the user or the model run (an engine-side guard, if any): the one
        place for it, used by Lab.run, apply and explain (so experiments, variants and rehearsals) and by every
        load client (workbench.lab.traffic) on its own connection."""
        from contextlib import nullcontext

        return nullcontext()

    def is_interrupt(self, message: str) -> bool:
        """The engine reports a statement stopped by an interrupt (not by the watchdog: the caller checks)."""
        return False

    def is_timeout(self, message: str) -> bool:
        return bool(re.search(r"interrupted|statement timeout|max_statement_time", message, re.I))

    def is_denied(self, message: str) -> bool:
        """The engine refused a statement for lack of privilege or because the session is read-only."""
        return bool(re.search(r"permission denied|read-only|readonly|command denied|access denied|not authorized",
                              message, re.I))

    # -- load (workbench.lab.traffic) ----------------------------------------------------------------
    begin = "BEGIN"                      # what opens a transaction of several statements
    prepares = False                     # run a load's statements prepared (parsed and planned once)
    lock_waits_sql: str | None = None    # a count of the lab principal's sessions waiting on a lock, or None
    load_note: str | None = None         # what a load result should say about this engine

    def load_notes(self, lab: Any, statements: list[tuple[str, list[str]]]) -> list[str]:
        """What a load result of these statements (SQL, parameter names) should say about this engine."""
        return [self.load_note] if self.load_note else []

    def error_class(self, exc: BaseException) -> str:
        """A failed transaction's class: unique violation, deadlock, serialization failure, lock timeout or
        other."""
        return "other"

    # -- migration rehearsal (workbench.lab.rehearsal) ---------------------------------------------
    backend_id_sql: str | None = None    # this session's id on the server
    held_locks_sql: str | None = None    # (mode, relation) a session holds on the lab's relations; %s: its id
    blocked_by_sql: str | None = None    # ids of the sessions waiting for session %s
    relfiles_sql: str | None = None      # (table, storage id) of the lab's tables: a new id is a rewrite
    active_sessions_sql: str | None = None  # ids of the principal's other sessions running a statement now

    def hypothetical(self, lab: Lab, cursor: Any, indexes: list[str]) -> Any:
        """A context in which `indexes` (CREATE INDEX statements) exist for EXPLAIN only: nothing is built."""
        raise LabError(f"What-if indexes need PostgreSQL's hypopg extension; {self.dialect} has no hypothetical "
                       "indexes.", hint="Compare the index for real: run_experiment with a variant, or --db postgres.")

    def transactional(self, statement: str) -> bool:
        """Whether the statement may run inside a transaction (to read the locks it took before it commits)."""
        return False

    def safe_form(self, statement: str) -> list[str] | None:
        """The same change in statements that block less (None: there is none, or it is already that)."""
        return None

    def fast_client(self, conn: Any, transactions: list[list[tuple[str, list[str]]]]) -> Any:
        """A load client's hot path for this engine, below the DB-API cursor (None: use the cursor). It has
        run(transaction, statement, values, names) and command(sql bytes), and raises the engine's errors."""
        return None

    def is_lock_timeout(self, message: str) -> bool:
        """Whether a statement gave up waiting for a lock (a safe form's lock timeout: retried)."""
        return False

    # -- capacity (workbench.design.capacity) ------------------------------------------------------
    allocation_unit = 8192  # bytes the engine grows a table by: a sample of a few of them over-counts per row

    def storage(self, conn: Any) -> list[tuple[str, str | None, int]]:
        """Bytes on disk of the lab's tables and indexes, as the engine counts them: (table, index name or None
        for the table's own data, bytes); an index name of "" stands for all of a table's indexes together."""
        raise LabError(f"The {self.dialect} driver cannot read table sizes.")

    def connection_limit(self, conn: Any) -> tuple[int, int] | None:
        """(max_connections, connections reserved for superusers) as the server reports them; None when the
        engine has no server and so no connection limit."""
        return None

    # -- housekeeping ----------------------------------------------------------------------------
    def analyze(self, conn: Any, tables: list[Table]) -> None:
        """Fresh statistics, so plans reflect the seeded data."""
        cursor = conn.cursor()
        try:
            cursor.execute("ANALYZE")
        finally:
            cursor.close()

    def fk_check(self, conn: Any, schema: Schema | None) -> list[str]:
        """Foreign-key violations, counted by the database with one anti-join per foreign key."""
        if schema is None:
            return []
        d = self.dialect
        problems = []
        cursor = conn.cursor()
        try:
            for table in schema.tables.values():
                for fk in table.foreign_keys:
                    join = " AND ".join(f"p.{quote(r, d)} = c.{quote(col, d)}"
                                        for col, r in zip(fk.columns, fk.ref_columns, strict=True))
                    present = " AND ".join(f"c.{quote(col, d)} IS NOT NULL" for col in fk.columns)
                    cursor.execute(f"SELECT count(*) FROM {quote(table.key, d)} c WHERE {present} AND NOT "
                                   f"EXISTS (SELECT 1 FROM {quote(fk.ref_table, d)} p WHERE {join})")
                    count = cursor.fetchone()[0]
                    if count:
                        problems.append(f"{table.key}({', '.join(fk.columns)}): {count} rows without a parent")
        finally:
            cursor.close()
        return problems

    def copy_lab(self, source: Lab, target: Lab) -> None:
        """Fill `target` (an empty sibling on the same server, same principal) with `source`'s tables
        and rows: the tables are created, then each filled by one INSERT … SELECT across namespaces,
        with what slows a bulk load set aside as for a seed."""
        from ..seed import FillOrder, rows_for

        target.load(source.schema)
        order = FillOrder(target.schema, rows_for(target.schema, 0)).order
        conn = target.connection()
        with self.seeding(conn, order, []) as load:
            for table in order:
                columns = ", ".join(self.quote(c.name) for c in table.columns.values() if not c.computed)
                load.run(f"INSERT INTO {self.target(table.key)} ({columns}) SELECT {columns} FROM "
                         f"{self.quote(source.namespace)}.{self.quote(table.name)}")
            load.finish()
        self.after_seed(conn, order)

    def idle(self, conn: Any) -> None:
        """The lab waits while a sibling works: give back what the connection caches (nothing to do here)."""

    def seeded_fk_check(self, conn: Any, schema: Schema | None, tables: list[Table], strict: list) -> list[str]:
        """The check after a seed. Here the engine checked every row's foreign keys as it went in
        (and re-validated the constraints a NOT NULL cycle suspended), so there is nothing left to do."""
        return []

    def after_seed(self, conn: Any, tables: list[Table]) -> None:
        """What the engine needs once the seeded rows are committed (sequences, statistics)."""
        self.analyze(conn, tables)

    # -- shared SQL helpers ----------------------------------------------------------------------
    def target(self, table_key: str) -> str:
        return qualified(table_key, self.dialect, namespaces=self.qualify_namespaces)

    def quote(self, name: str) -> str:
        return quote(name, self.dialect)


class Watchdog:
    """Cancels the statement (once) when `seconds` pass or an interrupt is requested, on its own thread;
    then, if the statement is still running `grace` seconds later, calls `escalate` (end the session).

    Why two steps: a cancel is a request the statement can catch (PL/pgSQL's EXCEPTION WHEN query_canceled,
    a MariaDB handler for SQLEXCEPTION catches KILL QUERY), and a session can lift statement_timeout or
    max_statement_time with SET; ending the session (pg_terminate_backend, KILL CONNECTION) from the admin
    side cannot be caught, lifted or refused by anything the session runs.

    `fired`: stopped for the time limit. `interrupted`: stopped because the person interrupted
    (even when Python lost the KeyboardInterrupt in a finalizer: see workbench.interrupts).
    `escalated`: the session was ended (the lab opens a new one for its next statement).
    """

    POLL = 0.1  # seconds between looks at an interrupt request
    GRACE = 2.0  # seconds a cancelled statement has to stop before its session is ended

    def __init__(self, seconds: float, cancel: Callable[[], None] | None,
                 on_stop: Callable[[], None] | None = None, escalate: Callable[[], None] | None = None) -> None:
        import threading

        self.seconds = seconds
        self.fired = False
        self.interrupted = False
        self.escalated = False
        self._cancel = cancel
        self._escalate = escalate
        self._on_stop = on_stop
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True) if cancel is not None else None

    def _watch(self) -> None:
        from ...interrupts import requested

        deadline = time.monotonic() + self.seconds
        while not self._done.wait(min(self.POLL, max(0.0, deadline - time.monotonic()))):
            if requested():
                self.interrupted = True
            elif time.monotonic() >= deadline:
                self.fired = True
            else:
                continue
            self._call(self._cancel)
            if self._escalate is not None and not self._done.wait(self.GRACE):
                self.escalated = True
                self._call(self._escalate)
            return

    @staticmethod
    def _call(action: Callable[[], None] | None) -> None:
        try:
            if action is not None:
                action()
        except Exception:  # noqa: BLE001 - the statement may have ended meanwhile
            pass

    def start(self) -> Watchdog:
        if self._thread is not None:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        if self._on_stop is not None:
            self._on_stop()


class Seeding:
    """One bulk load in one transaction: a context manager that commits, or rolls back on error.

        with driver.seeding(conn, tables, strict) as load:
            load.write(prepared)                  # per table, in dependency order
            load.update(…)                        # second half of cycle breaking
            load.finish()                         # put back what was set aside; then the FK check
    The base class clears the tables and loads with executemany; engines override the hooks.
    """

    def __init__(self, driver: Driver, conn: Any, tables: list[Table], strict: list | None) -> None:
        self.driver = driver
        self.conn = conn
        self.tables = tables
        self.strict = strict or []

    def __enter__(self) -> Seeding:
        self.begin()
        try:
            self.clear()
            self.set_aside()
        except BaseException:
            self.rollback()
            raise
        return self

    def __exit__(self, kind: Any, error: Any, tb: Any) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    # hooks ------------------------------------------------------------------------------------
    def begin(self) -> None:
        self.conn.begin()

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        try:
            self.conn.rollback()
        except Exception:  # noqa: BLE001 - nothing to roll back is fine
            pass

    def clear(self) -> None:
        cursor = self.conn.cursor()
        try:
            for table in reversed(self.tables):
                cursor.execute(f"DELETE FROM {self.driver.quote(table.key)}")
        finally:
            cursor.close()

    def set_aside(self) -> None:
        """Set aside what slows the load or blocks cyclic rows (indexes, checks, constraints)."""

    def finish(self) -> None:
        """Put back what set_aside() took away, checking the loaded rows against it."""

    def write(self, prepared: Prepared, progress: Callable[[int], None] | None = None) -> None:
        """Send one table's prepared rows."""
        if prepared.n == 0 or not prepared.columns:
            return
        d = self.driver
        column_list = ", ".join(d.quote(c) for c in prepared.columns)
        sql = f"INSERT INTO {d.target(prepared.table_key)} ({column_list}) VALUES " \
              f"({', '.join([d.marker] * len(prepared.columns))})"
        cursor = self.conn.cursor()
        try:
            for start in range(0, prepared.n, BATCH):
                end = min(prepared.n, start + BATCH)
                cursor.executemany(sql, zip(*(lst[start:end] for lst in prepared.lists), strict=True))
                if progress:
                    progress(end - start)
        finally:
            cursor.close()

    def run(self, sql: str) -> None:
        """One statement of the load (copying rows from another namespace)."""
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    def update(self, table_key: str, set_columns: list[str], set_values: list[np.ndarray], key_columns: list[str],
               key_values: list[np.ndarray]) -> None:
        """Set `set_columns` on the rows with the given keys (the second half of cycle breaking)."""
        d = self.driver
        sets = ", ".join(f"{d.quote(c)} = {d.marker}" for c in set_columns)
        where = " AND ".join(f"{d.quote(c)} = {d.marker}" for c in key_columns)
        as_int = d.booleans_as_integers
        rows = zip(*(python_values(v, as_int) for v in set_values), *(python_values(v, as_int) for v in key_values),
                   strict=True)
        cursor = self.conn.cursor()
        try:
            cursor.executemany(f"UPDATE {d.target(table_key)} SET {sets} WHERE {where}", list(rows))
        finally:
            cursor.close()


def first_line(exc: BaseException) -> str:
    """The first line of a database error, without the driver's wrapping."""
    text = str(getattr(exc, "orig", exc)).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


__all__ = ["Driver", "Login", "Seeding", "SeedError", "first_line", "principal_name", "process_principal",
           "namespace_name", "owner_info", "is_orphan", "NAMESPACE_PREFIX", "PRINCIPAL_PREFIX"]
