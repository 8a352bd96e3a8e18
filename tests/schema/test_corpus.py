"""The public schemas in ../shared/corpus: each parses, draws, round-trips, applies to a real
database of its dialect where it is self-contained, and its table and FK counts match what the
database reports. Our own DDL for each of them loads into all three databases."""

from __future__ import annotations

import re

import pytest

from workbench.schema import Schema

from ..conftest import CORPUS, corpus_file, run_script

FILES = {
    "chinook_mysql.schema.sql": "mysql", "chinook_postgresql.schema.sql": "postgres",
    "chinook_sqlite.schema.sql": "sqlite", "lago_api_structure_postgresql.sql": "postgres",
    "northwind_postgresql.schema.sql": "postgres", "openstreetmap_website_structure_postgresql.sql": "postgres",
    "pagila_schema_postgresql.sql": "postgres", "roundcube_mysql.sql": "mysql", "roundcube_postgresql.sql": "postgres",
    "roundcube_sqlite.sql": "sqlite", "sakila_mysql_schema.sql": "mysql", "sakila_postgresql_schema.sql": "postgres",
    "sakila_sqlite_schema.sql": "sqlite", "synapse_main_full72_postgresql.sql": "postgres",
    "synapse_main_full72_sqlite.sql": "sqlite",
}
# what the corpus README and the files themselves say about them
EXPECTED_TABLES = {"chinook": 11, "northwind_postgresql": 14, "roundcube": 18, "lago_api": 139,
                   "openstreetmap": 57}
NEEDS_SERVER_VERSION = {"pagila_schema_postgresql.sql": 180000}  # uuidv7() and VIRTUAL columns: PostgreSQL 18
_cache: dict[str, Schema] = {}


def load(name: str) -> tuple[str, Schema]:
    text = corpus_file(name).read_text(encoding="utf-8")
    if name not in _cache:
        _cache[name] = Schema.from_ddl(text, FILES[name])
    return text, _cache[name]


def test_the_corpus_list_is_complete():
    if not CORPUS.exists():
        pytest.skip("schema corpus not present")
    assert sorted(p.name for p in CORPUS.glob("*.sql")) == sorted(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_parses_round_trips_and_draws(name):
    text, schema = load(name)
    assert len(schema.tables) > 0
    for prefix, count in EXPECTED_TABLES.items():
        if name.startswith(prefix):
            assert len(schema.tables) == count
    again = Schema.from_ddl(schema.to_ddl(), schema.dialect)
    assert again == schema
    svg = schema.er().svg()
    assert svg.startswith("<svg") and svg.count('class="node"') == len(schema.tables)


def _pg_gaps(url: str, schema: Schema, name: str) -> str | None:
    import sqlalchemy as sa

    from workbench.config import sqlalchemy_url

    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        available = {r[0] for r in conn.execute(sa.text("SELECT name FROM pg_available_extensions"))}
        version = int(conn.execute(sa.text("SHOW server_version_num")).scalar())
    engine.dispose()
    missing = [e for e in schema.extensions if e not in available]
    if missing:
        return f"needs PostgreSQL extensions this server lacks: {', '.join(missing)}"
    if version < NEEDS_SERVER_VERSION.get(name, 0):
        return f"needs PostgreSQL {NEEDS_SERVER_VERSION[name] // 10000}; this server is {version // 10000}"
    return None


def _load_without_the_gap(schema: Schema) -> None:
    """A schema that needs what this server lacks (an extension's types, a newer version): the lab loads
    it anyway, every table and foreign key, and notes what it changed, e.g. a PostGIS column kept as TEXT."""
    from workbench.lab.lab import Lab

    with Lab("postgres", name="corpus") as lab:
        lab.load(schema)
        tables = lab.run("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                         "AND table_type = 'BASE TABLE'").rows[0][0]
        fks = lab.run("SELECT count(*) FROM information_schema.table_constraints WHERE constraint_schema = "
                      "current_schema() AND constraint_type = 'FOREIGN KEY'").rows[0][0]
    assert tables == len([t for t in lab.schema.tables.values()])
    assert fks == len(lab.schema.foreign_keys())


def _fk_count(url: str, dialect: str) -> int:
    """Foreign keys as the database itself reports them (one per constraint)."""
    import sqlalchemy as sa

    from workbench.config import sqlalchemy_url

    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        if dialect == "postgres":
            n = conn.execute(sa.text("SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = "
                                     "c.connamespace WHERE contype = 'f' AND n.nspname NOT IN "
                                     "('pg_catalog', 'information_schema') AND conparentid = 0")).scalar()
        elif dialect == "mysql":
            n = conn.execute(sa.text("SELECT count(*) FROM information_schema.referential_constraints "
                                     "WHERE constraint_schema = DATABASE()")).scalar()
        else:
            tables = [r[0] for r in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
            n = sum(len({row[0] for row in conn.execute(sa.text(f"PRAGMA foreign_key_list('{t}')"))}) for t in tables)
    engine.dispose()
    return int(n)


@pytest.mark.parametrize("name", sorted(FILES))
def test_applies_to_a_real_database_and_counts_match(request, name):
    text, schema = load(name)
    dialect = FILES[name]
    url = request.getfixturevalue({"postgres": "pg_url", "sqlite": "sqlite_url", "mysql": "mysql_url"}[dialect])
    if dialect == "postgres":
        gap = _pg_gaps(url, schema, name)
        if gap:  # the dump cannot run as is here; the workbench still gets every table onto this server
            _load_without_the_gap(schema)
            return
    used = re.search(r"^\s*USE\s+`?(\w+)`?\s*;", text, re.IGNORECASE | re.MULTILINE) if dialect == "mysql" else None
    target = url.rsplit("/", 1)[0] + "/" + used.group(1) if used else url
    try:
        run_script(url, text, dialect)
        live = Schema.from_url(target)
        assert len(live.tables) == len(schema.tables)
        assert len(live.foreign_keys()) == len(schema.foreign_keys())
        assert _fk_count(target, dialect) == len(schema.foreign_keys())
        assert {t.lower() for t in live.tables} == {t.lower() for t in schema.tables}
    finally:
        _drop_side_databases(url, text, dialect)


def _drop_side_databases(url: str, text: str, dialect: str) -> None:
    """Scripts that CREATE DATABASE on their own (Chinook, Sakila) leave it behind; remove it."""
    import sqlalchemy as sa

    from workbench.config import sqlalchemy_url

    created = re.findall(r"CREATE\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?`?\"?(\w+)", text, re.IGNORECASE)
    if not created or dialect == "sqlite":
        return
    engine = sa.create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for db in created:
            if dialect == "mysql":
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{db}`"))
            elif db.lower() not in ("public", url.rsplit("/", 1)[-1]):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db.lower()}" WITH (FORCE)'))
    engine.dispose()


@pytest.mark.parametrize("target", ["sqlite", "postgres", "mysql"])
@pytest.mark.parametrize("name", sorted(FILES))
def test_our_ddl_loads_into_every_dialect(request, name, target):
    _, schema = load(name)
    url = request.getfixturevalue({"postgres": "pg_url", "sqlite": "sqlite_url", "mysql": "mysql_url"}[target])
    if target == "postgres" and schema.dialect == "postgres":
        gap = _pg_gaps(url, schema, name)
        if gap:
            _load_without_the_gap(schema)
            return
    run_script(url, schema.to_ddl(target), target)
    live = Schema.from_url(url)
    tables = [t for t in schema.tables.values() if target == "postgres" or not t.partition_of]
    assert len(live.tables) == len(tables)
    assert len(live.foreign_keys()) == sum(len(t.foreign_keys) for t in tables)
