"""Lab databases: where a schema meets data and queries.

    Lab()                         a throwaway SQLite sandbox under .workbench/lab/ (deleted on close)
    Lab("postgres") / Lab("mysql") a fresh namespace on the configured server (WORKBENCH_PG_URL,
                                  WORKBENCH_MYSQL_URL): a schema or a database of its own, dropped on close
    Lab(url, sandbox=True)        the same on any server URL
    Lab(url)                      a database the user names: read-only (SQLite mode=ro, read-only
                                  transactions, and only reading statements) unless write=True

A lab loads a Schema (DDL transpiled to its dialect), seeds it with synthetic data, runs SQL
with timings under a statement timeout and a row cap, explains queries, and compares schema
variants on identical data.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

from ..config import mask_url, settings, sqlalchemy_url
from ..errors import LabError, ReadOnlyError, SeedError, SQLError
from ..schema.model import Schema
from .plans import Plan, mysql_plan, postgres_plan, sqlite_plan

# a throwaway sandbox: no fsync, journal in memory (ROLLBACK still works), a large page cache
SANDBOX_PRAGMAS = ("journal_mode=MEMORY", "synchronous=OFF", "cache_size=-100000", "temp_store=MEMORY")
READING = {"SELECT", "WITH", "EXPLAIN", "SHOW", "VALUES", "TABLE", "DESCRIBE", "DESC"}
DEFAULT_TIMEOUT = 30.0
DEFAULT_ROW_CAP = 10_000


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:24] or "lab"


class Lab:
    """An experiment database (see the module docstring for the kinds)."""

    def __init__(self, url: str | None = None, *, sandbox: bool | None = None, write: bool = False,
                 name: str | None = None, path: str | Path | None = None, timeout: float = DEFAULT_TIMEOUT,
                 row_cap: int = DEFAULT_ROW_CAP) -> None:
        cfg = settings()
        self.name = name or "lab"
        self.timeout = float(timeout)
        self.row_cap = int(row_cap)
        self.schema: Schema | None = None
        self.notes: list[str] = []  # what the lab left out when loading (and why)
        self._reported = 0
        self._generated: dict[str, Any] = {}
        self._conn = None
        self._engine = None
        self.namespace: str | None = None
        self._owns_file = False
        target = (url or "sandbox").strip()
        shorthand = {"postgres": cfg.pg_url, "postgresql": cfg.pg_url, "pg": cfg.pg_url,
                     "mysql": cfg.mysql_url, "mariadb": cfg.mysql_url}
        if target == "sandbox":
            self.kind = "sandbox"
            self.dialect = "sqlite"
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
            self.dialect = _dialect_of(self.url)
            if self.dialect == "sqlite":
                raise LabError("A SQLite lab on a file is a sandbox or a database of yours, not a server namespace.",
                               hint="Use Lab() for a sandbox, or Lab('sqlite:///file.db') to open a file.")
            self.namespace = f"wb_lab_{_slug(self.name)}_{uuid.uuid4().hex[:6]}"
            self.read_only = False
            self._create_namespace()
        else:
            self.kind = "database"
            self.url = sqlalchemy_url(target)
            self.dialect = _dialect_of(self.url)
            self.read_only = not write
            if self.dialect == "sqlite":
                file = re.sub(r"^sqlite(\+\w+)?:///", "", self.url)
                if not Path(file).exists():
                    raise LabError(f"No SQLite file {file!r}.", hint="Check the path, or use Lab() for a sandbox.")
                self.path = Path(file)

    # -- connections --------------------------------------------------------------------------
    def __repr__(self) -> str:
        if self.kind == "sandbox":
            where = f"sandbox {self.path.name}"
        elif self.kind == "server":
            where = f"namespace {self.namespace} on {mask_url(self.url)}"
        else:
            where = mask_url(self.url)
        mode = " (read-only)" if self.read_only else ""
        tables = f", {len(self.schema.tables)} tables" if self.schema is not None else ""
        return f"<Lab {self.dialect}: {where}{mode}{tables}>"

    def _admin(self):
        from sqlalchemy import create_engine

        return create_engine(self.url, isolation_level="AUTOCOMMIT")

    def _create_namespace(self) -> None:
        from sqlalchemy import text

        engine = self._admin()
        try:
            with engine.connect() as conn:
                if self.dialect == "postgres":
                    conn.execute(text(f'CREATE SCHEMA "{self.namespace}"'))
                else:
                    conn.execute(text(f"CREATE DATABASE `{self.namespace}`"))
        except Exception as exc:
            raise LabError(f"Cannot create the lab namespace on {mask_url(self.url)}: {_first(exc)}",
                           hint="Check that the server runs and the user may create schemas/databases "
                                "(`workbench doctor`).") from None
        finally:
            engine.dispose()

    def connection(self):
        """The lab's DB-API connection (opened on first use, kept until close())."""
        if self._conn is not None:
            return self._conn
        if self.dialect == "sqlite":
            import sqlite3

            if self.read_only:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                       check_same_thread=False)
            else:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                if self.kind == "sandbox":  # throwaway: durability is not the point, rollback still works
                    for pragma in SANDBOX_PRAGMAS:
                        conn.execute(f"PRAGMA {pragma}")
                conn.execute("PRAGMA foreign_keys=ON")
            self._conn = conn
            return conn
        from sqlalchemy.engine import make_url

        u = make_url(self.url)
        try:
            if self.dialect == "postgres":
                import psycopg

                options = f"-c statement_timeout={int(self.timeout * 1000)}"
                if self.namespace:
                    options += f" -c search_path={self.namespace}"
                if self.read_only:
                    options += " -c default_transaction_read_only=on"
                conn = psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                                       dbname=u.database, options=options, autocommit=True, connect_timeout=10)
            else:
                import pymysql

                conn = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username, password=u.password or "",
                                       database=self.namespace or u.database, autocommit=True, connect_timeout=10,
                                       charset="utf8mb4")
                with conn.cursor() as cursor:
                    cursor.execute(f"SET SESSION max_statement_time = {self.timeout:g}")
                    if self.read_only:
                        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        except Exception as exc:
            raise LabError(f"Cannot connect to {mask_url(self.url)}: {_first(exc)}",
                           hint="Check the URL and that the server runs (`workbench doctor`).") from None
        self._conn = conn
        return conn

    def close(self) -> None:
        """Close the connection; drop a server namespace; delete a throwaway sandbox file."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
        if self.kind == "server" and self.namespace:
            from sqlalchemy import text

            engine = self._admin()
            try:
                with engine.connect() as conn:
                    if self.dialect == "postgres":
                        conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.namespace}" CASCADE'))
                    else:
                        conn.execute(text(f"DROP DATABASE IF EXISTS `{self.namespace}`"))
            finally:
                engine.dispose()
            self.namespace = None
        if self.kind == "sandbox" and self._owns_file:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------
    def load(self, schema: Schema, *, extra_ddl: str | None = None) -> Lab:
        """Create the schema's tables and indexes in the lab, transpiled to the lab's dialect.

        What the lab's server cannot build, or the seeder cannot satisfy, is left out with a note
        (`lab.notes`): an index needing a missing extension, a default calling a function the
        server lacks, a CHECK more complex than IN lists, ranges and comparisons.
        """
        from ..schema.emit import _Emitter, statements

        self._writable("load a schema")
        flat = self._lab_schema(schema)
        conn = self.connection()
        emitter = _Emitter(flat, self.dialect)
        for statement in statements(flat, self.dialect):
            head = statement.lstrip()
            if head.startswith(("-- view", "CREATE EXTENSION", "CREATE SCHEMA")):
                continue
            for line in head.splitlines():
                if line.startswith("-- left out"):
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
                self._create_table_anyway(conn, emitter, table, error)
        if extra_ddl:
            self.apply(extra_ddl)
        self.schema = flat
        self._generated = {}
        return self

    def _create_table_anyway(self, conn, emitter, table, error: SQLError) -> None:
        """Retry a CREATE TABLE the server refused, without what it lacks: an extension's type
        (the column becomes TEXT) or a default that calls a missing function."""
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
                self._execute_ddl(conn, emitter.create_table(table))
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
        if self.dialect == "sqlite":
            _uniques_as_indexes(flat)
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
            cursor.execute(body)
        except Exception as exc:
            raise SQLError(f"The lab could not run this DDL: {_first(exc)}", statement=body) from None
        finally:
            cursor.close()

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
        from . import load as L
        from .seed import Generator, rows_for
        from .seed import Plan as SeedPlan

        self._writable("seed data")
        if self.schema is None:
            raise SeedError("Load a schema before seeding.", hint="lab.load(schema) first.")
        counts = rows_for(self.schema, rows, default=1000)
        plan = SeedPlan(self.schema, counts)
        generator = Generator(self.schema, plan, seed=seed, distribution=distribution)
        started = time.perf_counter()
        conn = self.connection()
        total = sum(counts[t.key] for t in plan.order)
        bar = _progress(total, progress)
        loaded: dict[str, int] = {}
        strict = [] if generator.streamable else None
        if generator.streamable:
            batches = _pipeline(generator, self.dialect)  # generation runs ahead on a second thread
        else:
            tables = generator.run()
            strict = [d for d in generator.deferred if not d.nullable]
            batches = iter([(d, L.prepare(self.dialect, d.table.key, d.columns, d.n)) for d in tables])
        try:
            self._begin(conn)
            self._clear(conn, plan.order)
            indexes = self._set_indexes_aside(conn, plan.order)
            checks = self._set_checks_aside(conn, plan.order)
            identity = self._identity_always(conn, plan.order, on=False)
            suspended = self._suspend(conn, strict)
            for data, prepared in batches:
                try:
                    L.write(conn, self.dialect, prepared, bar.update if bar else None)
                except Exception as exc:
                    raise SeedError(f"Loading {data.n:,} rows into {data.table.key} failed: {_first(exc)}",
                                    hint="Nothing was kept: the seed was rolled back.") from None
                loaded[data.table.key] = data.n
            if generator.streamable:
                generator.complete()
            for d in generator.deferred:
                if d.nullable and d.values:
                    L.update(conn, self.dialect, d.table.key, list(d.fk.columns), d.values, list(d.key_columns),
                             d.key_values)
            self._rebuild_indexes(conn, indexes)
            self._verify_checks(conn, checks)
            self._restore(conn, suspended)
            self._identity_always(conn, identity, on=True)
            timings = {"generate_and_load_s": time.perf_counter() - started}
            check_started = time.perf_counter()
            violations = self.fk_check(conn)
            timings["check_s"] = time.perf_counter() - check_started
            if violations:
                raise SeedError(f"The database's foreign-key check failed after seeding: {violations[0]}",
                                hint="This is a bug in the seeder; nothing was kept.")
            self._commit(conn)
        except BaseException:
            self._rollback(conn)
            raise
        finally:
            if bar:
                bar.close()
        generator.finish()
        analyze_started = time.perf_counter()
        self._reset_sequences(conn, plan.order)
        self._analyze(conn, plan.order)
        timings["analyze_s"] = time.perf_counter() - analyze_started
        self._generated = generator.data
        return SeedReport(loaded, timings, self.dialect, distribution, seed)

    def _suspend(self, conn, strict) -> list[tuple[str, str, str]]:
        """Suspend the NOT NULL foreign keys that close a cycle while the rows go in.

        PostgreSQL drops and re-adds them in the transaction (re-adding validates every row);
        MySQL turns FOREIGN_KEY_CHECKS off for the session (its DDL would end the transaction)
        and fk_check() verifies afterwards; SQLite checks everything at the end anyway.
        """
        if not strict or self.dialect == "sqlite":
            return []
        cursor = conn.cursor()
        try:
            if self.dialect == "mysql":
                cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
                return [("mysql", "", "")]
            from ..schema.names import quote

            out = []
            for d in strict:
                cursor.execute(
                    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = "
                    "c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.contype = 'f' AND "
                    "n.nspname = current_schema() AND t.relname = %s AND (SELECT array_agg(a.attname::text ORDER BY "
                    "a.attname) FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = ANY(c.conkey)) = %s",
                    (d.table.name, sorted(d.fk.columns)))
                for name, definition in cursor.fetchall():
                    table = quote(d.table.key, "postgres")
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name, 'postgres')}")
                    out.append((table, name, definition))
            return out
        finally:
            cursor.close()

    def _restore(self, conn, suspended) -> None:
        if not suspended:
            return
        cursor = conn.cursor()
        try:
            if suspended[0][0] == "mysql":
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
                return
            from ..schema.names import quote

            for table, name, definition in suspended:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name, 'postgres')} {definition}")
        finally:
            cursor.close()

    def _begin(self, conn) -> None:
        if self.dialect == "sqlite":
            conn.execute("PRAGMA foreign_keys=OFF")  # checked once at the end: PRAGMA foreign_key_check
            conn.execute("BEGIN")
        elif self.dialect == "postgres":
            conn.autocommit = False
        else:
            conn.begin()

    def _commit(self, conn) -> None:
        conn.commit() if self.dialect != "sqlite" else conn.execute("COMMIT")
        if self.dialect == "postgres":
            conn.autocommit = True
        if self.dialect == "sqlite":
            conn.execute("PRAGMA foreign_keys=ON")

    def _rollback(self, conn) -> None:
        try:
            conn.rollback() if self.dialect != "sqlite" else conn.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - nothing to roll back is fine
            pass
        if self.dialect == "mysql":
            with conn.cursor() as cursor:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        if self.dialect == "postgres":
            conn.autocommit = True
        if self.dialect == "sqlite":
            conn.execute("PRAGMA ignore_check_constraints=OFF")
            conn.execute("PRAGMA foreign_keys=ON")

    def _set_indexes_aside(self, conn, order) -> list[tuple[str, str]]:
        """SQLite: drop the tables' secondary indexes for the load and build them afterwards.

        Building an index over loaded rows sorts once; keeping it while rows arrive in random key
        order costs a B-tree insertion per row (three times the load for a unique email column).
        DDL is transactional in SQLite: a failed seed rolls the indexes back with the rows.
        """
        if self.dialect != "sqlite":
            return []
        names = [t.key for t in order]
        rows = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
            f"({', '.join('?' * len(names))}) ORDER BY name", names).fetchall()
        from ..schema.names import quote

        for name, _sql in rows:
            conn.execute(f"DROP INDEX {quote(name, 'sqlite')}")
        return rows

    def _set_checks_aside(self, conn, order) -> list[tuple[str, str]]:
        """SQLite: verify CHECK constraints once per table after the load instead of once per row.

        Per row, SQLite rebuilds the lookup table of every IN list (a status CHECK costs more than
        the insert itself); one scan per table afterwards finds the same violations.
        """
        if self.dialect != "sqlite":
            return []
        from ..schema.parse import parse_ddl

        names = [t.key for t in order]
        created = conn.execute(f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN "
                               f"({', '.join('?' * len(names))})", names).fetchall()
        try:  # the checks the database really has, as it stores them (variants included)
            live = parse_ddl(";\n".join(sql for (sql,) in created) + ";", "sqlite")
        except Exception:  # noqa: BLE001 - unreadable: leave the checks to the database, row by row
            return []
        checks = [(t.key, c.expression) for t in live.tables.values() for c in t.checks]
        written = sum(len(re.findall(r"\bCHECK\s*\(", sql, re.I)) for (sql,) in created)
        if written != len(checks):  # one not understood: leave them all to the database
            return []
        if checks:
            conn.execute("PRAGMA ignore_check_constraints=ON")
        return checks

    def _verify_checks(self, conn, checks: list[tuple[str, str]]) -> None:
        if not checks:
            return
        from ..schema.names import quote

        conn.execute("PRAGMA ignore_check_constraints=OFF")
        for table, expression in checks:
            bad = conn.execute(f"SELECT count(*) FROM {quote(table, 'sqlite')} WHERE NOT ({expression})").fetchone()[0]
            if bad:
                raise SeedError(f"Loading rows into {table} failed: {bad:,} of them break CHECK ({expression})",
                                hint="Nothing was kept: the seed was rolled back. The seeder satisfies the CHECKs "
                                     "of the loaded schema that it can read (IN lists, ranges, comparisons).")

    def _rebuild_indexes(self, conn, indexes: list[tuple[str, str]]) -> None:
        for name, sql in indexes:
            try:
                conn.execute(sql)
            except Exception as exc:
                raise SeedError(f"Index {name} could not be built over the seeded rows: {_first(exc)}",
                                hint="This is a bug in the seeder (a unique key repeated); nothing was kept.") from None

    def _clear(self, conn, order) -> None:
        from ..schema.names import quote

        cursor = conn.cursor()
        try:
            for table in reversed(order):
                cursor.execute(f"DELETE FROM {quote(table.key, self.dialect)}")
        finally:
            cursor.close()

    def _identity_always(self, conn, tables, *, on: bool) -> list:
        """PostgreSQL: GENERATED ALWAYS identities take explicit values only while switched to BY DEFAULT."""
        if self.dialect != "postgres":
            return []
        from ..schema.model import IDENTITY_ALWAYS
        from ..schema.names import quote

        changed = []
        with conn.cursor() as cursor:
            for entry in tables:
                table, column = (entry if on else (entry, None))
                columns = [column] if on else [c.name for c in table.columns.values() if c.generated == IDENTITY_ALWAYS]
                for name in columns:
                    mode = "ALWAYS" if on else "BY DEFAULT"
                    cursor.execute(f"ALTER TABLE {quote(table.key, 'postgres')} ALTER COLUMN {quote(name, 'postgres')} "
                                   f"SET GENERATED {mode}")
                    changed.append((table, name))
        return changed

    def _reset_sequences(self, conn, tables) -> None:
        """PostgreSQL: move serial and identity sequences past the seeded keys, so new inserts work."""
        if self.dialect != "postgres":
            return
        from ..schema.names import quote

        with conn.cursor() as cursor:
            for table in tables:
                for column in table.columns.values():
                    if column.generated:
                        t, c = quote(table.key, "postgres"), quote(column.name, "postgres")
                        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{t}', '{column.name}'), "
                                       f"COALESCE((SELECT max({c}) FROM {t}), 0) + 1, false)")

    def _analyze(self, conn, tables) -> None:
        """Fresh statistics, so plans reflect the seeded data."""
        from ..schema.names import quote

        cursor = conn.cursor()
        try:
            if self.dialect == "mysql":
                names = ", ".join(quote(t.key, "mysql") for t in tables)
                if names:
                    cursor.execute(f"ANALYZE TABLE {names}")
                    cursor.fetchall()
            else:
                if self.dialect == "sqlite":
                    cursor.execute("PRAGMA analysis_limit=1000")  # sampled statistics: enough for plans
                cursor.execute("ANALYZE")
        finally:
            cursor.close()

    def fk_check(self, conn=None) -> list[str]:
        """Foreign-key violations the database itself reports (empty when all references hold)."""
        conn = conn or self.connection()
        if self.dialect == "sqlite":
            rows = conn.execute("PRAGMA foreign_key_check").fetchall()
            return [f"{r[0]} row {r[1]} → {r[2]}" for r in rows]
        if self.schema is None:
            return []
        from ..schema.names import quote

        problems = []
        cursor = conn.cursor()
        try:
            for table in self.schema.tables.values():
                for fk in table.foreign_keys:
                    join = " AND ".join(f"p.{quote(r, self.dialect)} = c.{quote(col, self.dialect)}"
                                        for col, r in zip(fk.columns, fk.ref_columns, strict=True))
                    present = " AND ".join(f"c.{quote(col, self.dialect)} IS NOT NULL" for col in fk.columns)
                    cursor.execute(f"SELECT count(*) FROM {quote(table.key, self.dialect)} c WHERE {present} AND NOT "
                                   f"EXISTS (SELECT 1 FROM {quote(fk.ref_table, self.dialect)} p WHERE {join})")
                    count = cursor.fetchone()[0]
                    if count:
                        problems.append(f"{table.key}({', '.join(fk.columns)}): {count} rows without a parent")
        finally:
            cursor.close()
        return problems

    def counts(self) -> dict[str, int]:
        """Rows per table, counted by the database (a PostgreSQL parent without its inheriting children)."""
        from ..schema.names import quote

        if self.schema is None:
            return {}
        cursor = self.connection().cursor()
        try:
            out = {}
            only = "ONLY " if self.dialect == "postgres" else ""
            for key in self.schema.tables:
                cursor.execute(f"SELECT count(*) FROM {only}{quote(key, self.dialect)}")
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
        from .workload import QueryResult, draw_params, to_driver

        statements = split_statements(sql, self.dialect)
        if not statements:
            raise SQLError("There is no SQL to run.", hint="Write a statement, e.g. SELECT count(*) FROM orders.")
        repeat = max(1, int(repeat))
        conn = self.connection()
        result = None
        for position, statement in enumerate(statements):
            last = position == len(statements) - 1
            self._check_reading(statement.sql)
            timings: list[float] = []
            rows: list = []
            columns: list[str] = []
            rowcount = -1
            truncated = False
            for attempt in range(repeat if last else 1):
                bound = params if params is not None else draw_params(self, statement.sql, attempt)
                query, values = to_driver(statement.sql, bound, self.dialect)
                cursor = conn.cursor()
                started = time.perf_counter()
                try:
                    self._arm_timeout(conn)
                    cursor.execute(query, values) if values is not None else cursor.execute(query)
                    if cursor.description:
                        fetched = cursor.fetchmany(self.row_cap + 1)
                        if attempt == 0 or last:
                            columns = [d[0] for d in cursor.description]
                            truncated = len(fetched) > self.row_cap
                            rows = [tuple(r) for r in fetched[: self.row_cap]]
                    rowcount = cursor.rowcount
                except Exception as exc:
                    raise _sql_error(exc, statement.sql, self.timeout) from None
                finally:
                    timings.append(time.perf_counter() - started)
                    self._disarm_timeout(conn)
                    cursor.close()
            if last:
                plan = self.explain(statement.sql, params) if explain and _reads(statement.sql) else None
                result = QueryResult(statement.sql, columns, rows, rowcount, truncated, timings, plan, self.row_cap)
        return result

    def explain(self, sql: str, params: dict | None = None, *, analyze: bool = False) -> Plan:
        """The query plan, normalised (see workbench.lab.plans). `analyze` runs the query (PostgreSQL, MariaDB)."""
        from .workload import draw_params, to_driver

        self._check_reading(sql)
        bound = params if params is not None else draw_params(self, sql, 0)
        query, values = to_driver(sql, bound, self.dialect)
        conn = self.connection()
        cursor = conn.cursor()
        try:
            if self.dialect == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {query}", values or ())
                return sqlite_plan(cursor.fetchall(), sql)
            if self.dialect == "postgres":
                options = "FORMAT JSON, ANALYZE, BUFFERS" if analyze else "FORMAT JSON"
                cursor.execute(f"EXPLAIN ({options}) {query}", values)
                return postgres_plan(cursor.fetchone()[0], sql)
            cursor.execute(f"{'ANALYZE' if analyze else 'EXPLAIN'} FORMAT=JSON {query}", values)
            return mysql_plan(cursor.fetchone()[0], sql)
        except Exception as exc:
            raise _sql_error(exc, sql, self.timeout) from None
        finally:
            cursor.close()

    def compare(self, workload, variants=None, *, rows: int | dict | None = 10_000, repeat: int = 20,
                seed: int = 42, distribution: str = "uniform", progress: bool = True):
        """Run the same workload on schema variants with identical data; see workbench.lab.compare."""
        from .compare import compare

        return compare(self, workload, variants, rows=rows, repeat=repeat, seed=seed, distribution=distribution,
                       progress=progress)

    # -- guards ------------------------------------------------------------------------------
    def _writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"Cannot {what}: {mask_url(self.url)} is opened read-only.",
                                hint="Use a sandbox (Lab() or --db sandbox), or pass write=True / --write if you "
                                     "really mean to change this database.")

    def _check_reading(self, sql: str) -> None:
        if self.read_only and not _reads(sql):
            raise ReadOnlyError(f"Refused: {mask_url(self.url)} is opened read-only and this statement writes.",
                                hint="Only SELECT, WITH, EXPLAIN and SHOW run here; use a sandbox, or open with "
                                     "write=True / --write.")

    def _arm_timeout(self, conn) -> None:
        if self.dialect == "sqlite":
            deadline = time.monotonic() + self.timeout
            conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 20_000)

    def _disarm_timeout(self, conn) -> None:
        if self.dialect == "sqlite":
            conn.set_progress_handler(None, 0)


def _pipeline(generator, dialect: str):
    """(table data, prepared rows) in load order, generated and converted on a worker thread.

    The database driver releases the GIL while it writes, so the next table is generated while
    the current one goes in. An error in the worker is raised here, in the caller's thread.
    """
    import queue
    import threading

    from . import load as L

    out: queue.Queue = queue.Queue(maxsize=2)
    done = object()

    def work() -> None:
        try:
            for data in generator.stream():
                out.put((data, L.prepare(dialect, data.table.key, data.columns, data.n)))
            out.put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            out.put(exc)

    threading.Thread(target=work, name="seed-generator", daemon=True).start()
    while True:
        item = out.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


class SeedReport(dict):
    """Rows per table (a dict), with the time split into generation + load, FK check and ANALYZE."""

    def __init__(self, rows: dict[str, int], timings: dict[str, float], dialect: str, distribution: str,
                 seed: int) -> None:
        super().__init__(rows)
        self.timings = timings
        self.dialect = dialect
        self.distribution = distribution
        self.seed = seed

    @property
    def total_rows(self) -> int:
        return sum(self.values())

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    def summary(self) -> str:
        t = self.timings
        return (f"{self.total_rows:,} rows in {len(self)} tables on {self.dialect} in {self.seconds:.2f} s "
                f"(generate + load {t.get('generate_and_load_s', 0):.2f}, FK check {t.get('check_s', 0):.2f}, "
                f"analyze {t.get('analyze_s', 0):.2f}); {self.distribution}, seed {self.seed}")

    def __repr__(self) -> str:
        return self.summary()


def flatten(schema: Schema) -> Schema:
    """The schema with every table in one namespace (a lab holds a design in one place)."""
    if not any(t.namespace for t in schema.tables.values()):
        return schema
    from copy import deepcopy

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
    return Schema(tables, dialect=copy.dialect, enums=list(copy.enums.values()), domains=list(copy.domains.values()))


def _dialect_of(url: str) -> str:
    if url.startswith("postgres"):
        return "postgres"
    if url.startswith(("mysql", "mariadb")):
        return "mysql"
    if url.startswith("sqlite"):
        return "sqlite"
    raise LabError(f"Unsupported database URL {mask_url(url)}.",
                   hint="Use sqlite:///file.db, postgresql://… or mysql://… (mariadb://…).")


def _reads(sql: str) -> bool:
    words = re.findall(r"[A-Za-z]+", re.sub(r"--[^\n]*|/\*.*?\*/", " ", sql, flags=re.S))
    return bool(words) and words[0].upper() in READING and not (
        words[0].upper() == "WITH" and re.search(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", sql, re.I))


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0][:200]


def _table_of(statement: str, schema: Schema):
    match = re.match(r"CREATE TABLE\s+(\S+)", statement)
    if match is None:
        return None
    return schema.find_table(match.group(1).strip('"`'))


def _first(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _sql_error(exc: BaseException, sql: str, timeout: float) -> SQLError:
    message = _first(exc)
    if re.search(r"interrupted|canceling statement due to statement timeout|max_statement_time|Query execution "
                 r"was interrupted", message, re.I):
        return SQLError(f"The statement ran longer than the lab's timeout of {timeout:g} s and was stopped.",
                        statement=sql, hint="Narrow the query, add an index, or raise the timeout "
                                            "(Lab(timeout=…)).")
    return SQLError(f"The database refused the statement: {message}", statement=sql)


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


def _uniques_as_indexes(schema: Schema) -> None:
    """SQLite: UNIQUE constraints as unique indexes (the same rule to SQLite; unlike the
    constraint's automatic index, one that the seeder can set aside during a bulk load)."""
    from ..schema.model import Index

    taken = {i.name for t in schema.tables.values() for i in t.indexes if i.name}
    for table in schema.tables.values():
        for unique in table.uniques:
            base = unique.name or f"{table.name}_{'_'.join(unique.columns)}_key"
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}{n}"
            taken.add(name)
            table.indexes.append(Index(name, tuple(unique.columns), unique=True))
        table.uniques = []
