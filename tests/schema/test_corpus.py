"""The public schemas in ../shared/corpus, every file there (new ones included), against real databases:
the five properties of schema fidelity.

1. nothing is lost silently: every statement is modelled or reported with its line and a reason;
2. parse equals reflection: the file loaded into a fresh database of its dialect and reflected gives
   0 changes against the parse (changes about objects the database itself refused to make from the
   file, say a foreign key its own data breaks, are named and checked against the load errors);
3. same-dialect round trip: our DDL loads with 0 errors and reflects with 0 changes; from_ddl(to_ddl(s)) == s;
4. cross-dialect: our DDL for the two other dialects loads with 0 errors (what cannot be carried is a note);
5. migrations apply: a next version that retypes a column under a view and drops a referenced table
   migrates with 0 errors, no DROP … CASCADE, and the database ends equal to the new version.

A file the server cannot run at all (PostgreSQL 18 features, an extension Debian does not ship for this
server) is a stated gap: the test asserts the gap is exactly the known one, and the workbench's lab loads
every table and foreign key of it anyway, with notes.
"""

from __future__ import annotations

import re

import pytest

from workbench.schema import Schema
from workbench.testing.fidelity import check_file, check_migration, dialect_of

from ..conftest import CI, CORPUS

FILES = sorted(p.name for p in CORPUS.glob("*.sql")) if CORPUS.exists() else []
# what the corpus README and the files themselves say about them
EXPECTED_TABLES = {"chinook": 11, "northwind_postgresql": 14, "roundcube": 18, "lago_api": 139,
                   "openstreetmap": 57, "adventureworks": 68}
# a file this machine's servers cannot run, and why (checked: the gap must be exactly this)
KNOWN_GAPS = {"pagila_schema_postgresql.sql": ("extensions this server lacks: vector", "uuidv7() needs PostgreSQL 18",
                                               "VIRTUAL generated columns needs PostgreSQL 18")}
_reports: dict[str, object] = {}
_schemas: dict[str, Schema] = {}


def test_the_corpus_is_here():
    if not FILES:
        if CI:
            pytest.fail(f"no schema corpus at {CORPUS}: in CI the corpus tests must run")
        pytest.skip(f"schema corpus not found at {CORPUS}")
    assert len(FILES) >= 16


def schema_of(name: str) -> Schema:
    if name not in _schemas:
        path = CORPUS / name
        _schemas[name] = Schema.from_ddl(path.read_text(encoding="utf-8"), dialect_of(path))
    return _schemas[name]


@pytest.fixture
def report(request, tmp_path_factory):
    """check_file of the test's file, once per file (with PostgreSQL and MariaDB up, as CI has them)."""
    from ..conftest import _server_up, need

    name = request.node.callspec.params["name"]
    need(_server_up("postgres") and _server_up("mysql"), "the corpus checks need PostgreSQL and MariaDB")
    if name not in _reports:
        _reports[name] = check_file(CORPUS / name, tmp_path_factory.mktemp("fidelity"))
    return _reports[name]


@pytest.mark.parametrize("name", FILES)
def test_nothing_is_lost_silently(name):
    path = CORPUS / name
    text = path.read_text(encoding="utf-8")
    schema = schema_of(name)
    from workbench.schema.statements import code_only, split_statements

    accounted = {line for line, _ in schema.statements_modelled} | {line for line, _, _ in schema.statements_skipped}
    for statement in split_statements(text, schema.dialect):
        if statement.words(1):
            assert statement.line in accounted, f"line {statement.line} neither modelled nor reported"
    assert all(why for _, _, why in schema.statements_skipped)
    # a CREATE TABLE is never skipped without a reason that names it
    for line, what, why in schema.statements_skipped:
        if what.startswith("CREATE TABLE"):
            assert why and "table" in why.lower(), (line, what, why)
    creates = len(re.findall(r"\bCREATE\s+(?:\w+\s+)?TABLE\b", code_only(text), re.I))
    assert creates >= len(schema.tables) > 0  # no table out of nothing
    for prefix, count in EXPECTED_TABLES.items():
        if name.startswith(prefix):
            assert len(schema.tables) == count


@pytest.mark.parametrize("name", FILES)
def test_parse_equals_reflection(name, report):
    if report.gaps:
        known = sorted(KNOWN_GAPS.get(name, ()))
        gaps = sorted(report.gaps)
        assert len(gaps) == len(known) and all(g.startswith(k) for g, k in zip(gaps, known, strict=True)), gaps
        _load_with_the_lab(schema_of(name))
        return
    assert [c.text() for c in report.spurious] == []
    for change in report.explained:  # only what the database refused to make from the file itself
        assert change.kind.startswith("drop_"), change.text()
    assert report.live_tables == report.tables
    assert report.live_fks == report.fks - sum(1 for c in report.explained if c.kind == "drop_fk")


@pytest.mark.parametrize("name", FILES)
def test_same_dialect_round_trip(name, report):
    schema = schema_of(name)
    assert Schema.from_ddl(schema.to_ddl(), schema.dialect) == schema
    if report.gaps:
        return  # the server cannot run it: test_parse_equals_reflection loads it through the lab
    assert report.same_errors == []
    assert [c.text() for c in report.same_changes] == []


@pytest.mark.parametrize("name", FILES)
def test_cross_dialect_loads(name, report):
    assert set(report.cross_errors) == {"postgres", "mysql", "sqlite"} - {report.dialect}
    assert {target: errors for target, errors in report.cross_errors.items() if errors} == {}


@pytest.mark.parametrize("name", FILES)
def test_migrations_apply_without_cascade(name, report, tmp_path):
    schema = schema_of(name)
    if report.gaps:
        schema = Schema.from_ddl(schema.to_ddl("mysql"), "mysql")  # the same tables and keys, on a server that runs them
    result = check_migration(schema, tmp_path)
    assert result.changes, "the file gives nothing to migrate"
    assert result.errors == []
    assert [c.text() for c in result.left] == []
    assert not re.search(r"DROP\s+(TABLE|VIEW)[^;]*CASCADE", result.sql, re.I)
    if any("read by a view" in c for c in result.changes) and schema.dialect != "mysql":
        assert re.search(r"DROP (MATERIALIZED )?VIEW", result.sql)  # the view went and came back


def _load_with_the_lab(schema: Schema) -> None:
    """A schema that needs what this server lacks: the lab loads every table and foreign key, noting what it
    changed (a vector column kept as text, a PostgreSQL 18 default left out)."""
    from workbench.lab.lab import Lab

    with Lab("postgres", name="corpus") as lab:
        lab.load(schema)
        tables = lab.run("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                         "AND table_type = 'BASE TABLE'").rows[0][0]
        fks = lab.run("SELECT count(*) FROM information_schema.table_constraints WHERE constraint_schema = "
                      "current_schema() AND constraint_type = 'FOREIGN KEY'").rows[0][0]
        notes = " ".join(lab.notes)
    # partitions are one table in the lab (it says so); every other table is there
    assert tables == len(lab.schema.tables) == len([t for t in schema.tables.values() if not t.partition_of])
    assert "partitioned" in notes
    assert fks == len(lab.schema.foreign_keys())
    assert "vector" in notes.lower()  # what it changed is said

@pytest.mark.parametrize("name", FILES)
def test_draws(name):
    schema = schema_of(name)
    svg = schema.er().svg()
    # every table once; a busy table may also be drawn again as a copy (title `table#n`) to keep the drawing square
    titles = re.findall(r'class="node">\s*<title>(.*?)</title>', svg)
    assert svg.startswith("<svg") and len([t for t in titles if not re.search(r"#\d+$", t)]) == len(schema.tables)
