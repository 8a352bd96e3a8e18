"""Schema fidelity on real schemas: for every file in ../shared/corpus, the five properties of issue 11.

For each file: tables and foreign keys as parsed, and as the database reports them after loading the
file into a fresh database of its dialect (PostgreSQL, MariaDB, SQLite); changes the diff finds between
the parsed schema and the live one (should be 0); statements skipped and reported; the same-dialect
round trip (our DDL loaded into a fresh database: errors, and changes against the original); and our
DDL for the two other dialects (errors when loaded). Timings: parse, reflect, diff, against sqlglot's
own parse of the same text.

    .venv/bin/python benchmarks/schema_fidelity.py [FILE …] [--details]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

from common import report

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("WORKBENCH_SHARED") or HERE.parents[1] / "shared") / "corpus"


def dialect_of(name: str) -> str:
    for key, dialect in (("postgres", "postgres"), ("mysql", "mysql"), ("sqlite", "sqlite")):
        if key in name:
            return dialect
    raise SystemExit(f"cannot tell the dialect of {name}")


class FreshDatabase:
    """A new empty database of a dialect (dropped on exit); `.url`."""

    def __init__(self, dialect: str, folder: Path) -> None:
        from workbench.config import settings

        self.dialect = dialect
        self.name = "wbf_" + uuid.uuid4().hex[:10]
        cfg = settings()
        if dialect == "postgres":
            import psycopg

            base = cfg.pg_url.rsplit("/", 1)[0]
            with psycopg.connect(base + "/postgres", autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {self.name}")
            self.url = f"{base}/{self.name}"
        elif dialect == "mysql":
            self._mysql(f"CREATE DATABASE {self.name}")
            self.url = cfg.mysql_url.rsplit("/", 1)[0] + f"/{self.name}"
        else:
            self.url = f"sqlite:///{folder / (self.name + '.db')}"

    def _mysql(self, sql: str) -> None:
        import pymysql

        conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
        conn.cursor().execute(sql)
        conn.close()

    def __enter__(self) -> FreshDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.dialect == "postgres":
            import psycopg

            from workbench.config import settings

            with psycopg.connect(settings().pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        elif self.dialect == "mysql":
            self._mysql(f"DROP DATABASE IF EXISTS {self.name}")
            if getattr(self, "extra", None):
                self._mysql(f"DROP DATABASE IF EXISTS `{self.extra}`")


def load(url: str, text: str, dialect: str) -> list[str]:
    """Run a script statement by statement; the errors (first line each)."""
    from sqlalchemy import create_engine

    from workbench.config import sqlalchemy_url
    from workbench.schema.statements import load_script

    engine = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return load_script(conn.connection.dbapi_connection, text, dialect)
    finally:
        engine.dispose()


def _used(db: FreshDatabase, text: str) -> str:
    """The database a MySQL script works in (its own `CREATE DATABASE x; USE x`), else the fresh one."""
    import re

    used = re.search(r"^\s*USE\s+`?(\w+)`?\s*;", text, re.I | re.M) if db.dialect == "mysql" else None
    if not used:
        return db.url
    db.extra = used.group(1)
    return db.url.rsplit("/", 1)[0] + "/" + used.group(1)


def measure(path: Path, folder: Path, details: bool) -> dict:
    import sqlglot

    from workbench.schema import Schema

    dialect = dialect_of(path.name)
    text = path.read_text(encoding="utf-8")
    row: dict = {"case": path.name}
    started = time.perf_counter()
    try:
        sqlglot.parse(text.replace("\\", ""), read=dialect, error_level=sqlglot.ErrorLevel.IGNORE)
    except Exception:  # noqa: BLE001 - sqlglot's own parse is only the time anchor
        pass
    row["sqlglot_s"] = time.perf_counter() - started
    started = time.perf_counter()
    schema = Schema.from_ddl(text, dialect)
    row["parse_s"] = time.perf_counter() - started
    row["tables"] = len(schema.tables)
    row["fks"] = len(schema.foreign_keys())
    row["skipped"] = sum(schema.skipped.values())
    with FreshDatabase(dialect, folder) as db:
        errors = load(db.url, text, dialect)
        started = time.perf_counter()
        live = Schema.from_url(_used(db, text))
        row["reflect_s"] = time.perf_counter() - started
        row["live_tables"] = len(live.tables)
        row["live_fks"] = len(live.foreign_keys())
        started = time.perf_counter()
        change = schema.diff(live)
        row["diff_s"] = time.perf_counter() - started
        row["spurious"] = len(change.changes)
        row["load_errors"] = len(errors)
        if details:
            for e in errors[:10]:
                print(f"  {path.name} load: {e}")
            for c in change.changes[:25]:
                print(f"  {path.name} diff: {c.text()}")
    with FreshDatabase(dialect, folder) as db:
        errors = load(db.url, schema.to_ddl(dialect), dialect)
        row["same_errors"] = len(errors)
        row["same_changes"] = len(schema.diff(Schema.from_url(db.url)).changes)
        if details:
            for e in errors[:10]:
                print(f"  {path.name} same-dialect: {e}")
    cross = []
    for target in ("postgres", "mysql", "sqlite"):
        if target == dialect:
            continue
        with FreshDatabase(target, folder) as db:
            errors = load(db.url, schema.to_ddl(target), target)
            cross.append(f"{target[:2]}:{len(errors)}")
            if details:
                for e in errors[:10]:
                    print(f"  {path.name} → {target}: {e}")
    row["cross_errors"] = " ".join(cross)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*")
    parser.add_argument("--details", action="store_true")
    args = parser.parse_args()
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="wb-fidelity-"))
    files = [CORPUS / f for f in args.files] if args.files else sorted(CORPUS.glob("*.sql"))
    rows = []
    for path in files:
        try:
            rows.append(measure(path, folder, args.details))
        except Exception as exc:  # noqa: BLE001 - report and go on with the other files
            rows.append({"case": path.name, "error": f"{type(exc).__name__}: {str(exc)[:120]}"})
            print(f"{path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    report("schema_fidelity", rows, notes=["spurious = changes diff() finds between the parsed file and the database "
                                           "it was loaded into (target 0); same = our DDL in its own dialect; cross = "
                                           "our DDL in the other dialects (load errors)"])


if __name__ == "__main__":
    main()
