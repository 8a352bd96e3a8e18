"""SQLite: the embedded default. A sandbox is a file of its own; a user's file opens read-only.

Least privilege: every statement from the user or the model runs under an authorizer
(`sqlite3.Connection.set_authorizer`) that refuses ATTACH and DETACH (so also `VACUUM INTO`: no
other file, such as the workbench's own store, can be reached or written), extension loading,
and PRAGMAs that set a value. A database the user names opens with `mode=ro`, so SQLite itself
refuses writes. The lab's own work (seeding sets PRAGMAs) runs outside the authorizer.

The sandbox trades durability for speed (it is throwaway: no fsync, journal in memory,
ROLLBACK still works). Timeouts are enforced from the client by a progress handler. Seeding
sets secondary indexes and CHECK constraints aside for the load and rebuilds/verifies them
inside the same transaction, which is several times faster than maintaining them row by row.
"""

from __future__ import annotations

import itertools
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import LabError, SeedError
from ...interrupts import requested
from ..load import Prepared, python_values
from ..plans import (
    AGGREGATE,
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
from .base import Driver, Seeding, Watchdog, first_line

if TYPE_CHECKING:
    from ...schema.model import Schema
    from ..lab import Lab

# a throwaway sandbox: no fsync, journal in memory (ROLLBACK still works), a large page cache
ROWS_PER_INSERT = 100
MAX_VARIABLES = 32_000  # SQLite's limit is 32,766 bound values per statement (since 3.32)
SEED_CACHE = -20_000  # KiB of page cache while seeding
FK_SAMPLE = 2_000  # rows per table the after-seed foreign-key check reads
SANDBOX_PRAGMAS = ("journal_mode=MEMORY", "synchronous=OFF", "cache_size=-100000", "temp_store=MEMORY")


class SQLiteDriver(Driver):
    dialect = "sqlite"
    marker = "?"
    namespaces = False

    writer_note = "SQLite has one writer at a time: concurrent writers wait (up to 5 s), then fail as lock timeouts"

    def load_notes(self, lab: Lab, statements: list[tuple[str, list[str]]]) -> list[str]:
        """The one-writer note only for a load that writes: read-only clients do not wait on each other."""
        return [self.writer_note] if any(self.writes(lab, sql, names) for sql, names in statements) else []

    def writes(self, lab: Lab, sql: str, names: list[str]) -> bool:
        """Would the statement write? SQLite says so itself: preparing it (EXPLAIN runs nothing) calls the
        authorizer with each action the statement would take, inserts, updates, deletes and DDL included."""
        wrote: list[int] = []

        def record(action: int, *args: Any) -> int:
            if action in _WRITES:
                wrote.append(action)
            return _authorize(action, *args)

        text, params = self.bind(sql, {n: None for n in names}) if names else (sql, None)
        conn = self.connect(lab)
        try:
            conn.set_authorizer(record)
            conn.execute(f"EXPLAIN {text}", params or ())
        except sqlite3.Error:
            return bool(wrote)  # a statement SQLite cannot prepare fails in the load, writing nothing
        finally:
            conn.close()
        return bool(wrote)

    def error_class(self, exc: BaseException) -> str:
        message = str(exc).lower()
        if "unique constraint failed" in message:
            return "unique violation"
        if "database is locked" in message or "database table is locked" in message:
            return "lock timeout"
        return "other"

    def connect(self, lab: Lab) -> Any:
        if lab.read_only:
            return sqlite3.connect(f"file:{lab.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        conn = sqlite3.connect(lab.path, isolation_level=None, check_same_thread=False)
        if lab.kind == "sandbox":  # throwaway: durability is not the point, rollback still works
            for pragma in SANDBOX_PRAGMAS:
                conn.execute(f"PRAGMA {pragma}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def create_namespace(self, admin_url: str, name: str) -> None:
        raise LabError("A SQLite lab on a file is a sandbox or a database of yours, not a server namespace.",
                       hint="Use Lab() for a sandbox, or Lab('sqlite:///file.db') to open a file.")

    def database_file(self, url: str) -> Path:
        file = re.sub(r"^sqlite(\+\w+)?:///", "", url)
        if not Path(file).exists():
            raise LabError(f"No SQLite file {file!r}.", hint="Check the path, or use Lab() for a sandbox.")
        return Path(file)

    def prepare_schema(self, schema: Schema) -> None:
        """UNIQUE constraints as unique indexes: the same rule to SQLite, but unlike the constraint's
        automatic index, one that seeding can set aside during a bulk load."""
        from ...schema.model import Index

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

    def seeding(self, conn: Any, tables: list, strict: list | None) -> Seeding:
        return SQLiteSeeding(self, conn, tables, strict)

    def prepare(self, table_key: str, columns: dict[str, Any], n: int) -> Prepared:
        """One flat list of values, row after row: the load sends many rows per INSERT."""
        names = list(columns)
        lists = [python_values(columns[c], self.booleans_as_integers) for c in names]
        return Prepared(table_key, names, n, lists=[list(itertools.chain.from_iterable(zip(*lists, strict=True)))])

    def bind(self, sql: str, params: dict | None) -> tuple[str, Any]:
        return sql, (params or None)  # sqlite3 takes :name as written

    def explain(self, cursor: Any, query: str, values: Any, sql: str, *, analyze: bool = False) -> QueryPlan:
        cursor.execute(f"EXPLAIN QUERY PLAN {query}", values or ())
        return sqlite_plan(cursor.fetchall(), sql)

    def arm_timeout(self, lab: Any, conn: Any, seconds: float) -> Watchdog:
        """A progress handler that stops the statement past the deadline (checked every 20,000 steps)."""
        dog = Watchdog(seconds, None, on_stop=lambda: conn.set_progress_handler(None, 0))
        deadline = time.monotonic() + seconds

        def check() -> int:
            try:
                if requested():
                    dog.interrupted = True
                    return 1
                if time.monotonic() > deadline:
                    dog.fired = True
                    return 1
                return 0
            except BaseException:  # an interrupt raised inside this callback: stop, and say so
                dog.interrupted = True
                return 1

        conn.set_progress_handler(check, 20_000)
        return dog

    def cancel(self, lab: Any, conn: Any, ran_s: float = 0.0) -> None:
        conn.interrupt()

    def is_interrupt(self, message: str) -> bool:
        return message.strip().lower() == "interrupted"

    guard_note = ("the sandbox refuses ATTACH and DETACH (so VACUUM INTO), PRAGMAs that set a value and extension "
                  "loading: a lab's SQL reaches its own database only")

    def guard(self, conn: Any) -> Any:
        return _Authorized(conn)

    def analyze(self, conn: Any, tables: list) -> None:
        conn.execute("PRAGMA analysis_limit=1000")  # sampled statistics: enough for plans
        conn.execute("ANALYZE")

    def after_seed(self, conn: Any, tables: list) -> None:
        """ANALYZE still in the seed's small page cache (a large one would fill up with the pages it reads)."""
        try:
            self.analyze(conn, tables)
        finally:
            conn.execute(f"PRAGMA {SANDBOX_PRAGMAS[2]}")

    def fk_check(self, conn: Any, schema: Schema | None) -> list[str]:
        rows = conn.execute("PRAGMA foreign_key_check").fetchall()
        return [f"{r[0]} row {r[1]} → {r[2]}" for r in rows]

    allocation_unit = 4096  # a page

    def storage(self, conn: Any) -> list[tuple[str, str | None, int]]:
        """Pages of each table and index (the dbstat virtual table, built into the usual SQLite builds)."""
        try:
            rows = conn.execute("SELECT m.tbl_name, CASE WHEN m.type = 'index' THEN m.name END, sum(s.pgsize) "
                                "FROM dbstat s JOIN sqlite_schema m ON m.name = s.name "
                                "WHERE m.type IN ('table', 'index') GROUP BY m.name").fetchall()
        except sqlite3.Error as exc:
            raise LabError(f"This SQLite ({sqlite3.sqlite_version}) cannot report page sizes: {exc}.",
                           hint="It needs the dbstat virtual table (SQLITE_ENABLE_DBSTAT_VTAB); measure on "
                                "postgres or mysql instead.") from None
        return [(table, index, int(size)) for table, index, size in rows]

    def idle(self, conn: Any) -> None:
        conn.execute("PRAGMA shrink_memory")  # the page cache fills up again when the lab is used

    def copy_lab(self, source: Lab, target: Lab) -> None:
        """The seeded file copied by the OS (indexes and statistics included); SQLite's online backup,
        page by page through both page caches, when the source is in the middle of a transaction."""
        conn = source.connection()
        if conn.in_transaction or target._conn is not None:
            conn.backup(target.connection())
            return
        shutil.copyfile(source.path, target.path)

    def seeded_fk_check(self, conn: Any, schema: Schema | None, tables: list, strict: list) -> list[str]:
        """Foreign keys were off for the load. The seeder makes every reference valid by construction
        (tests/lab/test_seed.py proves it with the full PRAGMA foreign_key_check on real schemas), so
        after a seed the database checks a random sample of each table's rows, not every row: a full
        check was more than half of a 10M-row seed. Tables without rowids are checked whole."""
        import json

        import numpy as np

        rng = np.random.default_rng(0)
        problems = []
        for table in tables:
            if not table.foreign_keys:
                continue
            name = self.quote(table.key)
            try:
                top = conn.execute(f"SELECT max(rowid) FROM {name}").fetchone()[0] or 0
            except sqlite3.OperationalError:  # WITHOUT ROWID
                top = None
            if top is not None and top <= FK_SAMPLE:
                where = ""
                params: tuple = ()
            elif top is not None:
                where = " AND c.rowid IN (SELECT value FROM json_each(?))"
                params = (json.dumps(rng.integers(1, top + 1, FK_SAMPLE).tolist()),)
            else:
                where, params = "", ()
            for fk in table.foreign_keys:
                join = " AND ".join(f"p.{self.quote(r)} = c.{self.quote(c)}"
                                    for c, r in zip(fk.columns, fk.ref_columns, strict=True))
                present = " AND ".join(f"c.{self.quote(c)} IS NOT NULL" for c in fk.columns)
                count = conn.execute(f"SELECT count(*) FROM {name} c WHERE {present}{where} AND NOT EXISTS "
                                     f"(SELECT 1 FROM {self.quote(fk.ref_table)} p WHERE {join})", params).fetchone()[0]
                if count:
                    problems.append(f"{table.key}({', '.join(fk.columns)}): {count} sampled rows without a parent")
        return problems


_WRITES = {getattr(sqlite3, name) for name in dir(sqlite3) if re.match(
    r"SQLITE_(INSERT|UPDATE|DELETE|CREATE_|DROP_|ALTER_TABLE|REINDEX|ANALYZE)", name)}
_DENIED_FUNCTIONS = {"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"}


def _authorize(action: int, arg1: str | None, arg2: str | None, database: str | None, trigger: str | None) -> int:
    """SQLite's authorizer callback for statements from the user or the model."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None:  # PRAGMA name = value
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


class _Authorized:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def __enter__(self) -> Any:
        self.conn.set_authorizer(_authorize)
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.set_authorizer(None)


class SQLiteSeeding(Seeding):
    """Foreign keys checked once at the end (a sample); secondary indexes and CHECKs set aside for the
    load and rebuilt/verified in the transaction; rows sent ROWS_PER_INSERT to a statement."""

    def write(self, prepared: Prepared, progress: Callable[[int], None] | None = None) -> None:
        """Many rows per INSERT: a third less work per row for SQLite and the driver than one each."""
        if prepared.n == 0 or not prepared.columns:
            return
        width = len(prepared.columns)
        per = max(1, min(ROWS_PER_INSERT, MAX_VARIABLES // width))
        row = f"({', '.join('?' * width)})"
        head = f"INSERT INTO {self.driver.target(prepared.table_key)} " \
               f"({', '.join(self.driver.quote(c) for c in prepared.columns)}) VALUES "
        flat = prepared.lists[0]
        stride = per * width
        whole = prepared.n // per * stride
        if whole:
            self.conn.executemany(head + ", ".join([row] * per), (flat[i:i + stride] for i in range(0, whole, stride)))
        if whole < len(flat):
            self.conn.execute(head + ", ".join([row] * ((len(flat) - whole) // width)), flat[whole:])
        if progress:
            progress(prepared.n)

    def begin(self) -> None:
        self.conn.execute("PRAGMA foreign_keys=OFF")  # sampled once at the end (seeded_fk_check)
        self.conn.execute(f"PRAGMA cache_size={SEED_CACHE}")  # rows are appended: a big cache only holds memory
        self.conn.execute("PRAGMA temp_store=FILE")  # index builds sort in bounded memory, spilling to files
        self.conn.execute("BEGIN")

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self._settings_back()

    def _settings_back(self) -> None:
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute(f"PRAGMA {SANDBOX_PRAGMAS[3]}")  # the cache after ANALYZE (after_seed)

    def rollback(self) -> None:
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:  # nothing to roll back is fine
            pass
        self.conn.execute("PRAGMA ignore_check_constraints=OFF")
        self._settings_back()
        self.conn.execute(f"PRAGMA {SANDBOX_PRAGMAS[2]}")

    def set_aside(self) -> None:
        self.indexes = self._set_indexes_aside()
        self.checks = self._set_checks_aside()

    def finish(self) -> None:
        for name, sql in self.indexes:
            try:
                self.conn.execute(sql)
            except sqlite3.Error as exc:
                raise SeedError(f"Index {name} could not be built over the seeded rows: {first_line(exc)}",
                                hint="This is a bug in the seeder (a unique key repeated); nothing was kept.") from None
        self._verify_checks()

    def _set_indexes_aside(self) -> list[tuple[str, str]]:
        """Drop the tables' secondary indexes for the load and build them afterwards.

        Building an index over loaded rows sorts once; keeping it while rows arrive in random key
        order costs a B-tree insertion per row (three times the load for a unique email column).
        DDL is transactional in SQLite: a failed seed rolls the indexes back with the rows.
        """
        names = [t.key for t in self.tables]
        rows = self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
            f"({', '.join('?' * len(names))}) ORDER BY name", names).fetchall()
        for name, _sql in rows:
            self.conn.execute(f"DROP INDEX {self.driver.quote(name)}")
        return rows

    def _set_checks_aside(self) -> list[tuple[str, str]]:
        """Verify CHECK constraints once per table after the load instead of once per row.

        Per row, SQLite rebuilds the lookup table of every IN list (a status CHECK costs more than
        the insert itself); one scan per table afterwards finds the same violations.
        """
        from ...schema.parse import parse_ddl

        names = [t.key for t in self.tables]
        created = self.conn.execute(f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN "
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
            self.conn.execute("PRAGMA ignore_check_constraints=ON")
        return checks

    def _verify_checks(self) -> None:
        if not self.checks:
            return
        self.conn.execute("PRAGMA ignore_check_constraints=OFF")
        for table, expression in self.checks:
            bad = self.conn.execute(f"SELECT count(*) FROM {self.driver.quote(table)} WHERE NOT ({expression})"
                                    ).fetchone()[0]
            if bad:
                raise SeedError(f"Loading rows into {table} failed: {bad:,} of them break CHECK ({expression})",
                                hint="Nothing was kept: the seed was rolled back. The seeder satisfies the CHECKs "
                                     "of the loaded schema that it can read (IN lists, ranges, comparisons).")


_SQLITE = re.compile(r"^(SCAN|SEARCH)\s+(?:TABLE\s+)?(\S+)(?:\s+AS\s+\S+)?(?:\s+USING\s+(COVERING\s+)?(INDEX\s+(\S+)|"
                     r"INTEGER PRIMARY KEY|PRIMARY KEY))?(.*)$")


def sqlite_plan(rows: list[tuple], sql: str) -> QueryPlan:
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
    return QueryPlan(steps, "sqlite", sql)
