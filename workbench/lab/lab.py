"""Lab databases: where a schema meets data and queries.

    Lab()                         a throwaway SQLite sandbox under .workbench/lab/ (deleted on close)
    Lab("postgres") / Lab("mysql") a fresh namespace on the configured server (WORKBENCH_PG_URL,
                                  WORKBENCH_MYSQL_URL): a schema or a database of its own, dropped on close
    Lab(url, sandbox=True)        the same on any server URL
    Lab(url)                      a database the user names: read-only unless write=True

Every lab runs with the least privilege its engine can enforce (see each driver): a server lab
logs in as the design's own principal, which owns its namespace and nothing else; a database
the user names is opened as a principal that may only read (or SQLite's mode=ro); the SQLite
sandbox runs statements under an authorizer. The URL the user gives is used only to create
those principals and namespaces, never to run the lab's statements. Timeouts are enforced by
a watchdog the session cannot lift (it cancels, then ends the session from the admin side).
What a process made on a server is dropped when it ends (workbench.lab.made); what a killed
one left, `workbench lab gc` drops.

A lab loads a Schema (DDL emitted in its dialect), seeds it with synthetic data, runs SQL
with timings under a statement timeout and a row cap, explains queries, and compares schema
variants on identical data. How each engine does these is its driver's business
(workbench.lab.drivers): the lab chooses the driver once and never branches on the engine.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import database_url, settings, sqlalchemy_url
from ..errors import LabError, ReadOnlyError, SeedError, SQLError
from ..interrupts import requested
from ..schema.model import Schema
from ..secrets import redact
from .drivers import Driver, dialect_of, driver_for
from .drivers.base import first_line, namespace_name, owner_info
from .plans import QueryPlan
from .seed import SeedReport

PLANNED = {"SELECT", "WITH", "VALUES", "TABLE"}  # queries EXPLAIN takes (not SHOW, DESCRIBE or EXPLAIN itself)
DEFAULT_TIMEOUT = 30.0
DEFAULT_ROW_CAP = 10_000


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:24] or "lab"


class Lab:
    """An experiment database (see the module docstring for the kinds)."""

    def __init__(self, url: str | None = None, *, sandbox: bool | None = None, write: bool = False,
                 name: str | None = None, path: str | Path | None = None, timeout: float = DEFAULT_TIMEOUT,
                 row_cap: int = DEFAULT_ROW_CAP, owner: str | None = None) -> None:
        cfg = settings()
        self.name = name or "lab"
        self.owner = owner or f"lab/{self.name}"  # whose principal a server lab runs as (one per design)
        self.login = None  # the principal the lab's connections log in as (None: the URL's own user)
        self.timeout = float(timeout)
        self.row_cap = int(row_cap)
        self.schema: Schema | None = None
        self.notes: list[str] = []  # what the lab left out when loading (and why)
        self._reported = 0
        self._generated: dict[str, Any] = {}
        self._conn = None
        self.namespace: str | None = None
        self.path: Path | None = None
        self._owns_file = False
        target = (url or "sandbox").strip()
        shorthand = {"postgres": cfg.pg_url, "postgresql": cfg.pg_url, "pg": cfg.pg_url,
                     "mysql": cfg.mysql_url, "mariadb": cfg.mysql_url}
        if target == "sandbox":
            self.kind = "sandbox"
            if path is None:
                folder = cfg.home / "lab"
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{_slug(self.name)}-{uuid.uuid4().hex[:8]}.db"
                self._owns_file = True
            self.path = Path(path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.url = f"sqlite:///{self.path}"
            self.read_only = False
        elif target.lower() in shorthand or sandbox:
            self.kind = "server"
            self.url = sqlalchemy_url(shorthand.get(target.lower(), target))
            self.read_only = False
        else:
            self.kind = "database"
            self.url = sqlalchemy_url(target)
            self.read_only = not write
        self.dialect = dialect_of(self.url)
        self.driver: Driver = driver_for(self.dialect)
        database_url(self.url)  # a malformed URL fails here, with its password masked
        if self.kind == "server":
            from .made import MADE

            self.login = MADE.principal(self.driver, self.url, self.owner, self.timeout)
            namespace = namespace_name()  # random: the server's catalogs are readable by every lab's principal
            self.driver.create_namespace(self.url, namespace, self.login, owner_info(self.owner, self.name))
            self.namespace = namespace
            MADE.opened(self)
        elif self.kind == "database":
            self.path = self.driver.database_file(self.url)
            if self.read_only:
                self.login = self.driver.reader(self.url, self.timeout)

    # -- connections --------------------------------------------------------------------------
    def __repr__(self) -> str:
        if self.kind == "sandbox":
            where = f"sandbox {self.path.name}"
        elif self.kind == "server":
            where = f"namespace {self.namespace} on {redact(self.url)}"
        else:
            where = redact(self.url)
        mode = " (read-only)" if self.read_only else ""
        tables = f", {len(self.schema.tables)} tables" if self.schema is not None else ""
        return f"<Lab {self.dialect}: {where}{mode}{tables}>"

    def connection(self):
        """The lab's DB-API connection (opened on first use, kept until close()). Before a server lab's
        session opens, the admin puts the principal back as it was made: its password, and none of the
        settings it may have stored for itself (PostgreSQL and MariaDB let a login do both)."""
        if self._conn is None:
            try:
                if self.kind == "server" and self.login is not None:
                    self.driver.restore_principal(self.url, self.login, self.timeout)
                self._conn = self.driver.connect(self)
            except LabError:
                raise
            except Exception as exc:
                raise LabError(f"Cannot connect to {redact(self.url)}: {first_line(exc)}",
                               hint="Check the URL and that the server runs (`workbench doctor`).") from None
        return self._conn

    def close(self) -> None:
        """Close the connection; drop a server namespace; delete a throwaway sandbox file."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
        if self.kind == "server" and self.namespace:
            from .made import MADE

            namespace = self.namespace
            self.driver.drop_namespace(self.url, namespace)
            self.namespace = None
            MADE.dropped(self, namespace)
        if self.kind == "sandbox" and self._owns_file:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------
    def load(self, schema: Schema, *, extra_ddl: str | None = None) -> Lab:
        """Create the schema's tables and indexes in the lab, in the lab's dialect.

        What the lab's server cannot build, or the seeder cannot satisfy, is left out with a note
        (`lab.notes`): an index needing a missing extension, a default calling a function the
        server lacks, a CHECK more complex than IN lists, ranges and comparisons.
        """
        from ..schema.emit import statements

        self._writable("load a schema")
        flat = self._lab_schema(schema)
        conn = self.connection()
        for statement in statements(flat, self.dialect):
            head = statement.lstrip()
            if head.startswith(("-- view", "CREATE EXTENSION", "CREATE SCHEMA")):
                continue
            for line in head.splitlines():
                if line.startswith(("-- left out", "-- needs function", "-- not carried: trigger")):
                    self.notes.append(line[3:])
            try:
                self._execute_ddl(conn, statement)
            except SQLError as error:
                body = "\n".join(line for line in head.splitlines() if not line.startswith("--"))
                if body.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX", "CREATE VIEW", "CREATE MATERIALIZED VIEW")):
                    what = "a view" if "VIEW" in body.split("(")[0] else "an index"
                    self.notes.append(f"left out {what} the server could not build: {_first_line(error)}")
                    continue
                table = _table_of(body, flat)
                if table is None:
                    raise
                self._create_table_anyway(conn, flat, table, error)
        if extra_ddl:
            self.apply(extra_ddl)
        self.schema = flat
        self._generated = {}
        return self

    def _create_table_anyway(self, conn, schema: Schema, table, error: SQLError) -> None:
        """Retry a CREATE TABLE the server refused, without what it lacks: an extension's type
        (the column becomes TEXT) or a default that calls a missing function."""
        from ..schema.emit import create_table

        for _ in range(len(table.columns) + 1):
            message = _first_line(error)
            missing_type = re.search(r'type "([\w.]+)" does not exist|Unknown data type:? .?(\w+)', message)
            changed = False
            if missing_type:
                name = (missing_type.group(1) or missing_type.group(2)).lower()
                for column in table.columns.values():
                    if column.type.lower().split("(")[0].rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1]:
                        self.notes.append(f"{table.key}.{column.name}: type {column.type} is not available on "
                                          "this server; the lab stores it as TEXT")
                        column.type, column.default, changed = "TEXT", None, True
            else:
                for column in table.columns.values():
                    if column.default and "(" in column.default:
                        self.notes.append(f"left out DEFAULT {column.default} on {table.key}.{column.name}: "
                                          f"{message}")
                        column.default, changed = None, True
            if not changed:
                raise error
            try:
                self._execute_ddl(conn, create_table(schema, table, self.dialect))
                return
            except SQLError as again:
                error = again
        raise error

    def _lab_schema(self, schema: Schema) -> Schema:
        """A copy for the lab: one namespace, no partitions, and only CHECKs the seeder can satisfy."""
        from copy import deepcopy

        from .values import check_constraints

        flat = deepcopy(flatten(schema))
        partitions = [k for k, t in flat.tables.items() if t.partition_of]
        for key in partitions:
            del flat.tables[key]
        for table in flat.tables.values():
            if table.partition_by:
                self.notes.append(f"{table.key} is partitioned ({table.partition_by}) in the design; the lab keeps "
                                  "it as one table")
                table.partition_by = None
            kept = []
            for check in table.checks:
                _, understood = check_constraints(check.expression, flat.dialect)
                if understood:
                    kept.append(check)
                else:
                    self.notes.append(f"left out CHECK ({check.expression}) on {table.key}: the seeder cannot "
                                      "satisfy it; the lab does not enforce it")
            table.checks = kept
        self.driver.prepare_schema(flat)
        return flat

    def apply(self, ddl: str) -> None:
        """Run extra DDL (a variant: an index, a column) in the lab."""
        from ..schema.statements import split_statements

        self._writable("change the schema")
        conn = self.connection()
        for statement in split_statements(ddl, self.dialect):
            self._execute_ddl(conn, statement.sql)

    def _execute_ddl(self, conn: Any, statement: str) -> None:
        body = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--")).strip()
        if not body:
            return
        cursor = conn.cursor()
        try:
            with self.driver.guard(conn):
                cursor.execute(body)
        except Exception as exc:
            note = self._recover(conn, None)
            raise SQLError(f"The lab could not run this DDL: {_first(exc)}" + (f" {note}" if note else ""),
                           statement=body) from None
        finally:
            _close_quietly(cursor)

    def unreported_notes(self) -> list[str]:
        """The notes not handed out yet: each is reported once, where the lab is first used."""
        new = self.notes[self._reported:]
        self._reported = len(self.notes)
        return new

    # -- data --------------------------------------------------------------------------------
    def seed(self, rows: int | dict[str, int] | None = None, *, distribution: str = "uniform", seed: int = 42,
             progress: bool | Any = True) -> SeedReport:
        """Fill every table with synthetic rows in one transaction; returns a SeedReport (rows per table, timings).

        `rows`: one number for every table, or {table: rows} (other tables get 1,000).
        `distribution`: 'uniform' or 'zipf' (hot keys) for foreign-key fan-out.
        A failure rolls everything back: the lab is left as it was.
        """
        from .seed import FillOrder, Generator, pipeline, rows_for

        self._writable("seed data")
        if self.schema is None:
            raise SeedError("Load a schema before seeding.", hint="lab.load(schema) first.")
        counts = rows_for(self.schema, rows, default=1000)
        order = FillOrder(self.schema, counts)
        generator = Generator(self.schema, order, seed=seed, distribution=distribution)
        driver = self.driver
        started = time.perf_counter()
        conn = self.connection()
        total = sum(counts[t.key] for t in order.order)
        bar = _progress(total, progress)
        loaded = {t.key: 0 for t in order.order}
        if generator.streamable:
            strict = []
            batches = pipeline(generator, driver.prepare)  # generation runs ahead on a second thread
        else:
            tables = generator.run()
            strict = [d for d in generator.deferred if not d.nullable]
            batches = ((d, driver.prepare(d.table.key, d.columns, d.n)) for d in tables)
        timings: dict[str, float] = {}
        try:
            with driver.seeding(conn, order.order, strict) as load:
                for data, prepared in batches:
                    try:
                        load.write(prepared, bar.update if bar else None)
                    except Exception as exc:
                        raise SeedError(f"Loading {data.n:,} rows into {data.table.key} failed: {_first(exc)}",
                                        hint="Nothing was kept: the seed was rolled back.") from None
                    loaded[data.table.key] += data.n
                if generator.streamable:
                    generator.complete()
                for d in generator.deferred:
                    if d.nullable:
                        for values, keys in generator.updates(d):
                            load.update(d.table.key, list(d.fk.columns), values, list(d.key_columns), keys)
                load.finish()
                timings["generate_and_load_s"] = time.perf_counter() - started
                check_started = time.perf_counter()
                violations = driver.seeded_fk_check(conn, self.schema, order.order, strict)
                timings["check_s"] = time.perf_counter() - check_started
                if violations:
                    raise SeedError(f"The database's foreign-key check failed after seeding: {violations[0]}",
                                    hint="This is a bug in the seeder; nothing was kept.")
        finally:
            if bar:
                bar.close()
        generator.finish()
        analyze_started = time.perf_counter()
        driver.after_seed(conn, order.order)
        timings["analyze_s"] = time.perf_counter() - analyze_started
        self._generated = generator.samples
        return SeedReport(loaded, timings, self.dialect, distribution, seed)

    def fk_check(self, conn=None) -> list[str]:
        """Foreign-key violations the database itself reports (empty when all references hold)."""
        return self.driver.fk_check(conn or self.connection(), self.schema)

    def counts(self) -> dict[str, int]:
        """Rows per table, counted by the database (a PostgreSQL parent without its inheriting children)."""
        if self.schema is None:
            return {}
        cursor = self.connection().cursor()
        try:
            out = {}
            for key in self.schema.tables:
                cursor.execute(f"SELECT count(*) FROM {self.driver.count_prefix}{self.driver.quote(key)}")
                out[key] = int(cursor.fetchone()[0])
            return out
        finally:
            cursor.close()

    # -- queries -----------------------------------------------------------------------------
    def run(self, sql: str, params: dict | None = None, *, repeat: int = 1, explain: bool = False):
        """Run SQL (one or more statements); the last one's rows come back as a QueryResult.

        Named parameters (:name) bind from `params`; with repeat > 1 and no params, each run draws
        fresh values for them from the seeded data. Timings are per run; the row cap and the
        statement timeout protect the kernel.
        """
        from ..schema.statements import split_statements
        from .workload import QueryResult, draw_params

        statements = split_statements(sql, self.dialect)
        if not statements:
            raise SQLError("There is no SQL to run.", hint="Write a statement, e.g. SELECT count(*) FROM orders.")
        repeat = max(1, int(repeat))
        conn = self.connection()
        driver = self.driver
        result = None
        for position, statement in enumerate(statements):
            last = position == len(statements) - 1
            timings: list[float] = []
            rows: list = []
            columns: list[str] = []
            rowcount = -1
            truncated = False
            for attempt in range(repeat if last else 1):
                bound = params if params is not None else draw_params(self, statement.sql, attempt)
                query, values = driver.bind(statement.sql, bound)
                cursor = conn.cursor()
                started = time.perf_counter()
                dog = driver.arm_timeout(self, conn, self.timeout)
                try:
                    with driver.guard(conn):
                        cursor.execute(query, values) if values is not None else cursor.execute(query)
                        if cursor.description:
                            fetched = cursor.fetchmany(self.row_cap + 1)
                            if attempt == 0 or last:
                                columns = [d[0] for d in cursor.description]
                                truncated = len(fetched) > self.row_cap
                                rows = [tuple(r) for r in fetched[: self.row_cap]]
                        rowcount = cursor.rowcount
                    if dog.fired:  # stopped by the watchdog without an error (MariaDB's SLEEP returns early)
                        raise TimeoutError
                except KeyboardInterrupt:
                    self._interrupted(conn)
                    raise
                except Exception as exc:
                    dog.stop()
                    raise self._sql_error(exc, statement.sql, dog, self._recover(conn, dog)) from None
                finally:
                    timings.append(time.perf_counter() - started)
                    dog.stop()
                    _close_quietly(cursor)
            if last:
                plan = self.explain(statement.sql, params) if explain and _reads(statement.sql) else None
                result = QueryResult(statement.sql, columns, rows, rowcount, truncated, timings, plan, self.row_cap,
                                     dialect=self.dialect)
        return result

    def explain(self, sql: str, params: dict | None = None, *, analyze: bool = False,
                what_if: list[str] | None = None) -> QueryPlan:
        """The query plan, normalised (see workbench.lab.plans). `analyze` runs the query (PostgreSQL, MariaDB).
        `what_if`: CREATE INDEX statements the planner should assume exist, without building them
        (PostgreSQL's hypopg; not with `analyze`)."""
        from contextlib import nullcontext

        from .workload import draw_params

        if what_if and analyze:
            raise LabError("A what-if index exists for the planner only: EXPLAIN it without ANALYZE.")
        bound = params if params is not None else draw_params(self, sql, 0)
        query, values = self.driver.bind(sql, bound)
        conn = self.connection()
        cursor = conn.cursor()
        dog = self.driver.arm_timeout(self, conn, self.timeout)
        try:
            with self.driver.guard(conn), (self.driver.hypothetical(self, cursor, list(what_if)) if what_if
                                           else nullcontext()):
                return self.driver.explain(cursor, query, values, sql, analyze=analyze)
        except KeyboardInterrupt:
            self._interrupted(conn)
            raise
        except LabError:
            raise  # the lab's own refusal (no what-if indexes here), with its hint
        except Exception as exc:
            dog.stop()
            raise self._sql_error(exc, sql, dog, self._recover(conn, dog)) from None
        finally:
            dog.stop()
            _close_quietly(cursor)

    def what_if(self, sql: str, indexes: list[str], params: dict | None = None):
        """The plan of `sql` now and with `indexes` (CREATE INDEX statements) assumed, nothing built (PostgreSQL's
        hypopg): would the planner use them?"""
        from .plans import WhatIf

        if isinstance(indexes, str):
            indexes = [indexes]
        return WhatIf(sql, indexes, self.explain(sql, params), self.explain(sql, params, what_if=indexes))

    def compare(self, workload, variants=None, *, rows: int | dict | None = 10_000, repeat: int = 20,
                seed: int = 42, distribution: str = "uniform", progress: bool = True):
        """Run the same workload on schema variants with identical data; see workbench.lab.compare."""
        from .compare import compare

        return compare(self, workload, variants, rows=rows, repeat=repeat, seed=seed, distribution=distribution,
                       progress=progress)

    def run_load(self, traffic: Any, *, clients: int = 8, duration: float | None = None, count: int | None = None,
                 ramp_up: float = 0.0, seed: int = 7, progress: Any = None, until: Any = None, started: Any = None,
                 live: Any = None, rate: float | None = None, ramp_to: float | None = None):
        """Concurrent clients running a weighted mix of transactions (see workbench.lab.traffic): throughput,
        latency percentiles, errors by class and lock waits; `live` is called with the run so far. `rate`
        (operations per second, ramping to `ramp_to` when given) makes it an open loop: latency from each
        operation's intended start, and what was intended vs achieved."""
        from .traffic import run_load

        return run_load(self, traffic, clients=clients, duration=duration, count=count, ramp_up=ramp_up, seed=seed,
                        progress=progress, until=until, started=started, live=live, rate=rate, ramp_to=ramp_to)

    def rehearse(self, schema: Schema, migration: str | list[str], *, rows: Any = 100_000, seed: int = 42,
                 workload: Any = None, clients: int = 4, safe: bool = True):
        """Apply `migration` to copies of `schema` seeded with `rows`, under a workload: per statement its
        duration, locks, rewrites and the sessions it blocked; the safe form side by side (see
        workbench.lab.rehearsal)."""
        from .rehearsal import rehearse

        return rehearse(self, schema, migration, rows=rows, seed=seed, workload=workload, clients=clients, safe=safe)

    def sibling(self, name: str) -> Lab:
        """A new, empty lab beside this one: a sandbox, or a namespace on the same kind of server
        (on the configured server when this lab is a database the user named)."""
        if not self.driver.namespaces:
            return Lab(None, name=name, timeout=self.timeout, row_cap=self.row_cap)
        where = self.url if self.kind == "server" else self.dialect
        return Lab(where, sandbox=True, name=name, timeout=self.timeout, row_cap=self.row_cap, owner=self.owner)

    def copy(self, name: str) -> Lab:
        """A sibling holding this lab's tables and rows, without generating them again: how the
        variants of an experiment and the plans of a rehearsal share one seeded copy (a page-by-page
        copy of the sandbox file; on a server, the rows copied namespace to namespace)."""
        if self.schema is None:
            raise LabError("Load a schema (and seed it) before copying the lab.")
        target = self.sibling(name)
        try:
            self.driver.copy_lab(self, target)
        except BaseException:
            target.close()
            raise
        target.schema = self.schema
        target._generated = self._generated
        return target

    # -- guards ------------------------------------------------------------------------------
    def _writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"Cannot {what}: {redact(self.url)} is opened read-only.",
                                hint="Use a sandbox (Lab() or --db sandbox), or pass write=True / --write if you "
                                     "really mean to change this database.")

    def _recover(self, conn: Any, dog: Any) -> str | None:
        """After a failed statement: what became of the session, to say with the error. A session the watchdog
        ended is let go (the next statement opens a new one); a transaction the error left unusable is rolled
        back, so the statements after it run."""
        if dog is not None and dog.escalated:
            self._discard()
            return ("It did not stop when cancelled, so its session was ended; the next statement runs on a new "
                    "session (outside any transaction, with the lab's settings).")
        try:
            rolled_back = self.driver.recover(conn)
        except Exception:  # noqa: BLE001 - the session is gone: let it go, the next statement opens a new one
            self._discard()
            return "The session was lost; the next statement runs on a new session."
        if rolled_back:
            return ("The transaction open on the lab's session had failed, so it was rolled back (what it changed is "
                    "undone); the statements after this run outside it.")
        return None

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            _close_quietly(conn)

    def _sql_error(self, exc: BaseException, sql: str, dog: Any = None, note: str | None = None) -> SQLError:
        """The error to raise for a failed statement: a timeout, an interrupt, a refused write, or the engine's own
        (with `note`: what became of the session)."""
        message = "" if isinstance(exc, TimeoutError) else _first(exc)
        after = f" {note}" if note else ""
        if dog is not None and (dog.interrupted or requested()):
            # the person interrupted the statement: the turn stops, it is no SQL error. Asked first: SQLite says
            # "interrupted" for every stop of its progress handler, and a KeyboardInterrupt raised as the handler
            # is entered (before its try) stops the statement without the handler noting why
            raise KeyboardInterrupt
        if dog is not None and dog.fired or self.driver.is_timeout(message):
            return SQLError(f"The statement ran longer than the lab's timeout of {self.timeout:g} s and was "
                            f"stopped.{after}", statement=sql,
                            hint="Narrow the query, add an index, or raise the timeout (Lab(timeout=…)).")
        if dog is not None and self.driver.is_interrupt(message):
            raise KeyboardInterrupt
        if self.read_only and self.driver.is_denied(message):
            return ReadOnlyError(f"Refused: {redact(self.url)} is opened read-only, and the database refused this "
                                 f"statement ({message}).{after}",
                                 hint="Only reading runs here; use a sandbox, or open with write=True / --write.",
                                 statement=sql)
        if self.driver.guard_note and self.driver.is_denied(message):
            return SQLError(f"The database refused the statement: {message}{after}", statement=sql,
                            hint=f"The lab's guard: {self.driver.guard_note}.")
        return SQLError(f"The database refused the statement: {message}{after}", statement=sql)

    def _interrupted(self, conn: Any) -> None:
        """An interrupt arrived while a statement ran: make sure the engine stops it too."""
        try:
            self.driver.cancel(self, conn)
        except Exception:  # noqa: BLE001 - the statement may be gone already
            pass


def flatten(schema: Schema) -> Schema:
    """The schema with every table in one namespace (a lab holds a design in one place); views read the
    tables by their names there."""
    from copy import deepcopy

    from ..schema.expressions import rename_tables

    if not any(t.namespace for t in schema.tables.values()):
        if not schema.views:
            return schema
        copy = deepcopy(schema)  # views may still name the default namespace (`public.actor`)
        for view in copy.views.values():
            view.definition = rename_tables(view.definition, copy.dialect, {})
        return copy
    copy = deepcopy(schema)
    names: dict[str, str] = {}
    for table in copy.tables.values():
        name = table.name
        if name in names.values():
            name = f"{table.namespace}_{table.name}"
        names[table.key] = name
    tables = []
    for table in copy.tables.values():
        table.name, table.namespace = names[table.key], None
        for fk in table.foreign_keys:
            fk.ref_table = names.get(fk.ref_table, fk.ref_table)
        tables.append(table)
    views = []
    for view in copy.views.values():
        view.definition = rename_tables(view.definition, copy.dialect, names)
        view.namespace = None
        if view.name not in names.values():
            views.append(view)
    flat = Schema(tables, dialect=copy.dialect, views=views, enums=list(copy.enums.values()),
                  domains=list(copy.domains.values()))
    # the code the model does not carry stays named (the notes of emit), its triggers on the tables' new names
    lowered = {k.lower(): v for k, v in names.items()}
    flat.routines_skipped = dict(copy.routines_skipped)
    flat.triggers_skipped = [replace(t, table=lowered.get(t.table.lower(), t.table)) for t in copy.triggers_skipped]
    return flat



def _close_quietly(closable: Any) -> None:
    try:
        closable.close()
    except Exception:  # noqa: BLE001 - its session was ended under it
        pass


def _reads(sql: str) -> bool:
    """Whether a statement is a query (to decide whether to show its plan; never used to allow or refuse it)."""
    words = re.findall(r"[A-Za-z]+", re.sub(r"--[^\n]*|/\*.*?\*/", " ", sql, flags=re.S))
    return bool(words) and words[0].upper() in PLANNED and not (
        words[0].upper() == "WITH" and re.search(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", sql, re.I))


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0][:200]


def _table_of(statement: str, schema: Schema):
    match = re.match(r"CREATE TABLE\s+(\S+)", statement)
    if match is None:
        return None
    return schema.find_table(match.group(1).strip('"`'))


_first = first_line


def _progress(total: int, progress: Any):
    """A progress bar: tqdm (a widget in notebooks) shown after a second, or an object with update()/close()."""
    if not progress or total <= 0:
        return None
    if hasattr(progress, "update") and hasattr(progress, "close"):
        return progress
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    # shown only when the load takes more than a second
    return tqdm(total=total, unit=" rows", unit_scale=True, desc="seeding", delay=1.0, leave=False)
