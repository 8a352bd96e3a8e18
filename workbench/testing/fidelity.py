"""Schema fidelity against real databases: the checks behind the corpus tests and
benchmarks/bench_schema_fidelity.py.

    from workbench.testing.fidelity import check_file
    report = check_file(Path("dump.sql"))          # dialect from the name, else guessed
    report.spurious                                 # changes between the parsed file and the live database

For a file: parse it; load it, statement by statement, into a fresh database of its dialect
(PostgreSQL and MariaDB at WORKBENCH_PG_URL / WORKBENCH_MYSQL_URL, SQLite in a folder) and
reflect that database; diff the two (property 2). Then our DDL in the file's own dialect into a
fresh database, reflected and diffed against the parse (property 3), and our DDL for the other
two dialects, loaded (property 4). Every fresh database is dropped on the way out.

What a server cannot run at all (an extension it lacks, a feature of a newer version) is found
before loading and reported as `gaps`, with the reason: the caller decides what a gap means.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIALECTS = ("postgres", "mysql", "sqlite")
# What a file needs that a PostgreSQL server of an older version lacks: (pattern, server_version_num, what)
_PG_FEATURES = ((re.compile(r"\buuidv7\s*\(", re.I), 180000, "uuidv7()"),
                (re.compile(r"GENERATED\s+ALWAYS\s+AS\s*\(.*\)\s*VIRTUAL\b", re.I), 180000, "VIRTUAL generated columns"))


def dialect_of(path: Path, text: str | None = None) -> str:
    """The dialect a file is written for: from its name (`…_postgresql.sql`, `…mysql…`, `…sqlite…`), else
    guessed from its text."""
    name = path.name.lower()
    for key, dialect in (("postgres", "postgres"), ("mysql", "mysql"), ("mariadb", "mysql"), ("sqlite", "sqlite")):
        if key in name:
            return dialect
    from ..schema.parse import guess_dialect

    return guess_dialect(text if text is not None else path.read_text(encoding="utf-8"))


class FreshDatabase:
    """A new, empty database of a dialect, dropped on exit; `.url`. A MySQL script that makes and USEs its
    own database (`CREATE DATABASE x; USE x`) works there: `.working_url(text)` names it, and it is dropped too."""

    def __init__(self, dialect: str, folder: Path) -> None:
        from ..config import settings

        self.dialect = dialect
        self.name = "wbf_" + uuid.uuid4().hex[:10]
        self.extra: str | None = None
        cfg = settings()
        if dialect == "postgres":
            self._base = cfg.pg_url.rsplit("/", 1)[0]
            self._pg(f"CREATE DATABASE {self.name}")
            self.url = f"{self._base}/{self.name}"
        elif dialect == "mysql":
            self._base = cfg.mysql_url.rsplit("/", 1)[0]
            self._mysql(f"CREATE DATABASE {self.name}")
            self.url = f"{self._base}/{self.name}"
        else:
            self.url = f"sqlite:///{folder / (self.name + '.db')}"

    def _pg(self, sql: str) -> None:
        import psycopg

        from ..config import sqlalchemy_url

        url = sqlalchemy_url(self._base + "/postgres").replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)

    def _mysql(self, sql: str) -> None:
        import sqlalchemy as sa

        from ..config import sqlalchemy_url

        engine = sa.create_engine(sqlalchemy_url(self._base + "/"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(sql))
        finally:
            engine.dispose()

    def working_url(self, text: str) -> str:
        used = re.search(r"^\s*USE\s+`?(\w+)`?\s*;", text, re.I | re.M) if self.dialect == "mysql" else None
        if not used:
            return self.url
        self.extra = used.group(1)
        return f"{self._base}/{self.extra}"

    def server_version(self) -> int:
        import sqlalchemy as sa

        from ..config import sqlalchemy_url

        engine = sa.create_engine(sqlalchemy_url(self.url))
        try:
            with engine.connect() as conn:
                return int(conn.execute(sa.text("SHOW server_version_num")).scalar())
        finally:
            engine.dispose()

    def available_extensions(self) -> set[str]:
        import sqlalchemy as sa

        from ..config import sqlalchemy_url

        engine = sa.create_engine(sqlalchemy_url(self.url))
        try:
            with engine.connect() as conn:
                return {r[0] for r in conn.execute(sa.text("SELECT name FROM pg_available_extensions"))}
        finally:
            engine.dispose()

    def __enter__(self) -> FreshDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.dialect == "postgres":
            self._pg(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        elif self.dialect == "mysql":
            self._mysql(f"DROP DATABASE IF EXISTS {self.name}")
            if self.extra:
                self._mysql(f"DROP DATABASE IF EXISTS `{self.extra}`")


def load(url: str, text: str, dialect: str) -> list[str]:
    """Run a script statement by statement, going on after failures; the errors ("line N: message")."""
    from sqlalchemy import create_engine

    from ..config import sqlalchemy_url
    from ..schema.statements import load_script

    engine = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return load_script(conn.connection.dbapi_connection, text, dialect)
    finally:
        engine.dispose()


def gaps(db: FreshDatabase, schema: Any, text: str) -> list[str]:
    """What the file needs that this server lacks (an extension, a newer PostgreSQL); empty when it can run."""
    if db.dialect != "postgres":
        return []
    out = []
    missing = sorted(set(schema.extensions) - db.available_extensions())
    if missing:
        out.append(f"extensions this server lacks: {', '.join(missing)}")
    version = db.server_version()
    for pattern, needed, what in _PG_FEATURES:
        if version < needed and pattern.search(text):
            out.append(f"{what} needs PostgreSQL {needed // 10000}; this server is {version // 10000}")
    return out


@dataclass
class Report:
    """What check_file found for one file."""

    name: str
    dialect: str
    tables: int = 0
    fks: int = 0
    skipped: int = 0
    gaps: list[str] = field(default_factory=list)
    load_errors: list[str] = field(default_factory=list)
    live_tables: int | None = None
    live_fks: int | None = None
    changes: list[Any] = field(default_factory=list)          # parsed file vs the live database
    explained: list[Any] = field(default_factory=list)        # of those: objects the file itself failed to make
    same_errors: list[str] = field(default_factory=list)
    same_changes: list[Any] = field(default_factory=list)
    cross_errors: dict[str, list[str]] = field(default_factory=dict)
    cross_notes: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def spurious(self) -> list[Any]:
        """Changes the loading does not explain: the diff's own mistakes."""
        return [c for c in self.changes if c not in self.explained]


def _explained(change: Any, errors: list[str]) -> bool:
    """A change about an object whose own statement the database refused (a file whose data breaks its own
    foreign key, say): the database lacks it because of the file, not because of the workbench."""
    names = [getattr(change.old, "name", None), getattr(change.new, "name", None)]
    return any(n and any(f'"{n}"' in e or f"`{n}`" in e or f"'{n}'" in e for e in errors) for n in names)


def check_file(path: Path, folder: Path, *, cross: bool = True) -> Report:
    """The fidelity checks for one schema file (see the module docstring)."""
    from ..schema import Schema

    text = path.read_text(encoding="utf-8")
    dialect = dialect_of(path, text)
    report = Report(path.name, dialect)
    started = time.perf_counter()
    schema = Schema.from_ddl(text, dialect)
    report.timings["parse_s"] = time.perf_counter() - started
    report.tables, report.fks = len(schema.tables), len(schema.foreign_keys())
    report.skipped = len(schema.statements_skipped)
    with FreshDatabase(dialect, folder) as db:
        report.gaps = gaps(db, schema, text)
        if not report.gaps:
            report.load_errors = load(db.url, text, dialect)
            started = time.perf_counter()
            live = Schema.from_url(db.working_url(text))
            report.timings["reflect_s"] = time.perf_counter() - started
            report.live_tables, report.live_fks = len(live.tables), len(live.foreign_keys())
            started = time.perf_counter()
            report.changes = schema.diff(live).changes
            report.timings["diff_s"] = time.perf_counter() - started
            report.explained = [c for c in report.changes if _explained(c, report.load_errors)]
    with FreshDatabase(dialect, folder) as db:
        if not report.gaps:
            report.same_errors = load(db.url, schema.to_ddl(dialect), dialect)
            report.same_changes = schema.diff(Schema.from_url(db.url)).changes
    if cross:
        for target in DIALECTS:
            if target == dialect:
                continue
            ddl = schema.to_ddl(target)
            report.cross_notes[target] = sum(1 for line in ddl.splitlines() if line.startswith("-- "))
            with FreshDatabase(target, folder) as db:
                report.cross_errors[target] = load(db.url, ddl, target)
    return report


def mutate_for_migration(schema: Any) -> tuple[Any, list[str]]:
    """A next version of `schema` that makes a migration work around dependents (property 5): a column of a
    table some view reads is retyped (the view must go and come back), and a table other tables reference
    is dropped with those references (the keys must go first, the referencing tables stay). Returns the new
    schema and what was changed; the old one is not touched."""
    import copy

    from ..schema.expressions import tables_read

    new = copy.deepcopy(schema)
    done: list[str] = []
    read_by_views = {name for v in new.views.values() for name in tables_read(v.definition, new.dialect)}
    for table in new.tables.values():  # retype a plain column of a table a view reads
        if table.key.lower() not in read_by_views or table.partition_of:
            continue
        keyed = set(table.primary_key) | {c for fk in table.foreign_keys for c in fk.columns} | \
            {c for i in table.indexes for c in i.columns} | {c for u in table.uniques for c in u.columns}
        column = next((c for c in table.columns.values() if c.name not in keyed and not c.computed
                       and re.fullmatch(r"(?i)(character varying|varchar)\(\d+\)", c.type)), None)
        if column is not None:
            size = int(re.search(r"\d+", column.type).group()) + 10
            column.type = re.sub(r"\d+", str(size), column.type)
            done.append(f"{table.key}.{column.name} widened to {column.type} (read by a view)")
            break
    referenced: dict[str, int] = {}
    for t in new.tables.values():
        for fk in t.foreign_keys:
            if fk.ref_table.lower() != t.key.lower():
                referenced[fk.ref_table.lower()] = referenced.get(fk.ref_table.lower(), 0) + 1
    candidates = [t for t in new.tables.values() if t.key.lower() in referenced and t.key.lower() not in
                  read_by_views and not t.partition_of and not any(p.partition_of == t.key for p in
                                                                   new.tables.values())]
    if candidates:
        victim = max(candidates, key=lambda t: (referenced[t.key.lower()], t.key))
        del new.tables[victim.key]
        for t in new.tables.values():
            t.foreign_keys = [fk for fk in t.foreign_keys if fk.ref_table.lower() != victim.key.lower()]
        done.append(f"{victim.key} dropped ({referenced[victim.key.lower()]} foreign keys to it dropped, "
                    "their tables kept)")
    return new, done


@dataclass
class MigrationReport:
    changes: list[str]
    sql: str
    errors: list[str]
    left: list[Any]          # changes between the intended new version and the migrated database


def check_migration(schema: Any, folder: Path) -> MigrationReport:
    """Load `schema` (our DDL, its own dialect) into a fresh database, migrate it to mutate_for_migration's next
    version with the generated SQL, and compare the database with that version."""
    from ..schema import Schema

    dialect = schema.dialect
    new, done = mutate_for_migration(schema)
    migration = schema.diff(new).sql(dialect)
    with FreshDatabase(dialect, folder) as db:
        errors = load(db.url, schema.to_ddl(dialect), dialect)
        if errors:
            raise AssertionError(f"the starting version does not load: {errors[:3]}")
        errors = load(db.url, migration, dialect)
        left = new.diff(Schema.from_url(db.url)).changes
    return MigrationReport(done, migration, errors, left)
