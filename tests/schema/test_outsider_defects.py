"""One minimal case for each class of defect outsiders found running 16 unseen public schema files
(issue 18), each decided by the real database or client: the mariadb client, PostgreSQL, MariaDB, SQLite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from urllib.parse import urlparse

import pytest

from workbench.schema import Schema
from workbench.schema.types import canonical

from ..conftest import need, run_script


def live(url: str) -> Schema:
    return Schema.from_url(url)


def mariadb_client(url: str, text: str) -> subprocess.CompletedProcess:
    """Run `text` through the real mariadb command-line client, as a user loading a file would."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    need(client is not None, "the mariadb/mysql command-line client is not installed")
    u = urlparse(url.replace("mysql+pymysql", "mysql"))
    env = {**os.environ, "MYSQL_PWD": u.password or ""}
    return subprocess.run([client, "-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306), "-u",
                           u.username or "root", u.path.lstrip("/")], input=text, capture_output=True, text=True,
                          env=env, timeout=120)


# -- 1. MySQL DELIMITER never set back ----------------------------------------------------------------
DELIMITER_NEVER_RESET = """CREATE TABLE early (id INT PRIMARY KEY);
DELIMITER //
CREATE PROCEDURE touch(IN n INT)
BEGIN
  -- a comment with // and ; in it
  lbl: LOOP
    IF n > 1 THEN SET n = IF(n > 2, 1, 2); LEAVE lbl; ELSE SELECT 'a//b;'; END IF;
    WHILE n < 3 DO SET n = n + 1; END WHILE;
    SET n = CASE WHEN n > 1 THEN 1 ELSE 0 END;
  END LOOP lbl;
END //
CREATE TABLE a (id INT PRIMARY KEY, note VARCHAR(20) DEFAULT 'x;y');
CREATE TABLE b (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES a (id));
CREATE INDEX b_id ON b (id, a_id);
"""


def test_mysql_delimiter_never_set_back_reads_as_the_client_loads_it(mysql_url, tmp_path):
    result = mariadb_client(mysql_url, DELIMITER_NEVER_RESET)
    assert result.returncode == 0, result.stderr
    loaded = live(mysql_url)
    assert sorted(loaded.tables) == ["a", "b", "early"]  # the client runs the statements after the last //

    schema = Schema.from_ddl(DELIMITER_NEVER_RESET, "mysql")
    assert sorted(schema.tables) == ["a", "b", "early"]
    assert schema.diff(loaded).changes == []
    skipped = {line: what for line, what, _ in schema.statements_skipped}
    assert skipped == {3: "CREATE PROCEDURE"}  # the procedure is one statement, at its line

    path = tmp_path / "dump_mysql.sql"
    path.write_text(DELIMITER_NEVER_RESET)
    cli = subprocess.run([sys.executable, "-m", "workbench.cli", "lint", str(path)], capture_output=True, text=True)
    assert cli.returncode in (0, 1), cli.stderr  # findings, not a refused file (exit 2)


# -- 2. unsigned integer types -------------------------------------------------------------------------
UNSIGNED_SQLITE = ("CREATE TABLE counters (id INTEGER PRIMARY KEY, hits BIGINT UNSIGNED NOT NULL DEFAULT 0, "
                   "port SMALLINT UNSIGNED, level TINYINT UNSIGNED DEFAULT 0, total INT UNSIGNED, "
                   "mid MEDIUMINT UNSIGNED);")


def test_unsigned_integers_map_to_every_dialect(pg_url, mysql_url, sqlite_url):
    from workbench.testing.fidelity import load

    schema = Schema.from_ddl(UNSIGNED_SQLITE, "sqlite")
    assert schema.tables["counters"].columns["hits"].type == "BIGINT UNSIGNED"  # as written, not sqlglot's UBIGINT
    assert load(sqlite_url, schema.to_ddl("sqlite"), "sqlite") == []
    assert schema.diff(live(sqlite_url)).changes == []

    # PostgreSQL: the next wider signed type, so every unsigned value fits (BIGINT UNSIGNED stays BIGINT, noted)
    pg_ddl = schema.to_ddl("postgres")
    assert load(pg_url, pg_ddl, "postgres") == []
    pg = live(pg_url).tables["counters"].columns
    assert {c: pg[c].type for c in ("hits", "port", "level", "total", "mid")} == {
        "hits": "BIGINT", "port": "INT", "level": "SMALLINT", "total": "BIGINT", "mid": "INT"}
    assert "values above 9223372036854775807 do not fit" in pg_ddl
    run_script(pg_url, "INSERT INTO counters (id, port, level, total, mid) VALUES (1, 65535, 255, 4294967295, "
                       "16777215);", "postgres")

    # MySQL/MariaDB: unsigned integers, with their numeric defaults
    assert load(mysql_url, schema.to_ddl("mysql"), "mysql") == []
    my = live(mysql_url).tables["counters"].columns
    assert {c: canonical(my[c].type, "mysql") for c in ("hits", "port", "level", "total", "mid")} == {
        "hits": "BIGINT UNSIGNED", "port": "SMALLINT UNSIGNED", "level": "TINYINT UNSIGNED",
        "total": "INT UNSIGNED", "mid": "MEDIUMINT UNSIGNED"}
    assert my["hits"].default == "0" and my["level"].default == "0"


# -- 3. date_part defaults --------------------------------------------------------------------------------
DATE_PART_DEFAULTS = ("CREATE TABLE events (id int PRIMARY KEY, "
                      "created double precision DEFAULT date_part('epoch'::text, now()) NOT NULL, "
                      "year int DEFAULT date_part('year'::text, CURRENT_DATE), "
                      "epoch numeric DEFAULT EXTRACT(epoch FROM now()), "
                      "day timestamp DEFAULT date_trunc('day'::text, now()), "
                      "tomorrow timestamp DEFAULT (now() + '1 day'::interval), "
                      "label text DEFAULT to_char(now(), 'YYYY'::text), "
                      "CHECK (date_part('year', now()) > 2000));\n")


def test_date_part_defaults_are_emitted_as_postgresql_reads_them(pg_url, tmp_path):
    from workbench.testing.fidelity import FreshDatabase, load

    schema = Schema.from_ddl(DATE_PART_DEFAULTS, "postgres")
    assert "EXTRACT" not in schema.tables["events"].columns["created"].default
    emitted = schema.to_ddl("postgres")
    assert load(pg_url, emitted, "postgres") == []  # the check the diff alone cannot make: it loads
    ours = live(pg_url)
    with FreshDatabase("postgres", tmp_path) as db:  # and means what the file means on the server
        assert load(db.url, DATE_PART_DEFAULTS, "postgres") == []
        assert ours.diff(live(db.url)).changes == []
    assert ours.tables["events"].columns["created"].default.startswith("date_part(")


# -- 4. unnamed ADD CHECK, CREATE TABLE AS / LIKE, SELECT f(…) ------------------------------------------
ADD_CHECK = ("CREATE TABLE stock (id int PRIMARY KEY, qty int, price int);\n"
             "ALTER TABLE stock ADD CHECK (qty >= 0);\n"
             "ALTER TABLE stock ADD CONSTRAINT price_positive CHECK (price > 0);\n")


def test_unnamed_add_check_is_modelled(pg_url, mysql_url, sqlite_url):
    from workbench.testing.fidelity import load

    for dialect, url in (("postgres", pg_url), ("mysql", mysql_url)):
        schema = Schema.from_ddl(ADD_CHECK, dialect)
        assert [(c.expression, c.name) for c in schema.tables["stock"].checks] == [
            ("qty >= 0", None), ("price > 0", "price_positive")], dialect
        assert schema.statements_skipped == []
        assert load(url, ADD_CHECK, dialect) == []
        assert schema.diff(live(url)).changes == [], dialect  # the server's own name for it is no change
    # SQLite's ALTER TABLE adds columns only: the server refuses both statements, and the model says so
    errors = load(sqlite_url, ADD_CHECK, "sqlite")
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3"]
    schema = Schema.from_ddl(ADD_CHECK, "sqlite")
    assert schema.tables["stock"].checks == [] and schema.diff(live(sqlite_url)).changes == []
    assert {line: why for line, _, why in schema.statements_skipped}[2].startswith("SQLite cannot add a constraint")


CTAS = ("CREATE TABLE t (id int PRIMARY KEY, qty int);\n"
        "CREATE VIEW v AS SELECT id, qty FROM t;\n"
        "CREATE TABLE x AS SELECT * FROM v;\n"
        "ALTER TABLE x ADD PRIMARY KEY (id);\n")


def test_create_table_as_select_is_reported_not_emitted_without_columns(pg_url):
    from workbench.testing.fidelity import load

    schema = Schema.from_ddl(CTAS, "postgres")
    assert "x" not in schema.tables
    skipped = {line: why for line, _, why in schema.statements_skipped}
    assert skipped[3].startswith("table x is created from a query (AS SELECT)")
    assert skipped[4] == "a change to x, whose CREATE TABLE at line 3 is not modelled"
    emitted = schema.to_ddl("postgres")
    assert "PRIMARY KEY (id)\n);" in emitted and "CREATE TABLE x" not in emitted
    assert load(pg_url, emitted, "postgres") == []


LIKE = ("CREATE TABLE parent (id VARCHAR(9) PRIMARY KEY);\n"
        "CREATE TABLE src (id INT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL DEFAULT 3 CHECK (n > 0), u VARCHAR(9), "
        "p VARCHAR(9), UNIQUE KEY uu (u), KEY kn (n), CONSTRAINT fk FOREIGN KEY (p) REFERENCES parent (id)) "
        "COMMENT='hi';\n"
        "CREATE TABLE copy LIKE src;\n")


def test_mysql_create_table_like_copies_what_the_server_copies(mysql_url):
    from workbench.testing.fidelity import load

    schema = Schema.from_ddl(LIKE, "mysql")
    assert list(schema.tables["copy"].columns) == ["id", "n", "u", "p"]
    assert load(mysql_url, LIKE, "mysql") == []
    assert schema.diff(live(mysql_url)).changes == []  # keys, indexes (the FK's too), checks; not the FK


FUNCTION_MAKES_A_TABLE = ("CREATE FUNCTION make_audit() RETURNS void LANGUAGE sql AS "
                          "$$ CREATE TABLE audit (id int) $$;\n"
                          "SELECT make_audit();\n"
                          "SELECT pg_catalog.set_config('search_path', 'public', false);\n"
                          "CREATE TABLE t (id int PRIMARY KEY);\n")


def test_a_select_that_calls_a_function_says_so(pg_url):
    from workbench.testing.fidelity import load

    assert load(pg_url, FUNCTION_MAKES_A_TABLE, "postgres") == []
    assert sorted(live(pg_url).tables) == ["audit", "t"]  # the call made a table
    schema = Schema.from_ddl(FUNCTION_MAKES_A_TABLE, "postgres")
    skipped = {line: why for line, _, why in schema.statements_skipped}
    assert skipped[2].startswith("a call of make_audit(): what a function does (it may create tables")
    assert skipped[3] == "a session setting (pg_dump's set_config)"


# -- 5. AUTO_INCREMENT on an indexed column that is not the primary key's first -----------------------
AUTO_INCREMENT_KEYED = (
    "CREATE TABLE by_index (code VARCHAR(10) PRIMARY KEY, n INT NOT NULL AUTO_INCREMENT, KEY n_key (n));\n"
    "CREATE TABLE by_unique (code VARCHAR(10) NOT NULL, n INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (code), "
    "UNIQUE KEY n_unique (n));\n"
    "CREATE TABLE second_of_key (a INT NOT NULL, b INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (a, b), KEY bk (b, a));\n")


def test_auto_increment_on_the_first_column_of_any_index_survives(mysql_url, tmp_path):
    from workbench.schema.model import AUTO_INCREMENT
    from workbench.testing.fidelity import FreshDatabase, load

    schema = Schema.from_ddl(AUTO_INCREMENT_KEYED, "mysql")
    emitted = schema.to_ddl("mysql")
    assert "left out" not in emitted
    assert load(mysql_url, emitted, "mysql") == []
    ours = live(mysql_url)
    for table, column in (("by_index", "n"), ("by_unique", "n"), ("second_of_key", "b")):
        assert ours.tables[table].columns[column].generated == AUTO_INCREMENT, table
    with FreshDatabase("mysql", tmp_path) as db:  # the server accepts the file as written: the same tables
        assert load(db.url, AUTO_INCREMENT_KEYED, "mysql") == []
        assert live(db.url).diff(ours).changes == []


# -- 6. PostgreSQL → MySQL: long names, zoned timestamp defaults, foreign keys in another order ----------
LONG = "a_column_name_that_is_long_enough_to_overflow_mysql_limit_of_sixty_four"
PG_TO_MYSQL = (
    "CREATE SCHEMA reporting;\n"
    "CREATE TABLE reporting.a_table_name_that_is_quite_long_in_the_reporting_namespace_x (id int PRIMARY KEY, "
    f"{LONG} int CHECK ({LONG} > 0));\n"
    "CREATE TABLE a_table_name_that_is_quite_long_in_the_reporting_namespace_x (id int PRIMARY KEY, "
    "ref int REFERENCES reporting.a_table_name_that_is_quite_long_in_the_reporting_namespace_x (id));\n"
    f"CREATE INDEX ON reporting.a_table_name_that_is_quite_long_in_the_reporting_namespace_x ({LONG});\n"
    "CREATE TABLE ev (id int PRIMARY KEY, at timestamptz DEFAULT '1970-01-01 00:00:00+00' NOT NULL, "
    "b timestamptz DEFAULT '2020-05-01 10:00:00+05:30', c timestamp DEFAULT 'epoch');\n"
    "CREATE TABLE parent (a int NOT NULL, b int NOT NULL, UNIQUE (a, b));\n"
    "CREATE TABLE child (id int PRIMARY KEY, x int, y int, FOREIGN KEY (y, x) REFERENCES parent (b, a));\n")


def test_postgres_schema_loads_into_mysql(pg_url, mysql_url):
    from workbench.testing.fidelity import load

    assert load(pg_url, PG_TO_MYSQL, "postgres") == []  # the file is good PostgreSQL
    schema = Schema.from_ddl(PG_TO_MYSQL, "postgres")
    assert load(mysql_url, schema.to_ddl("mysql"), "mysql") == []  # was: ERROR 1103, 1067 and errno 150
    mysql = live(mysql_url)
    assert len(mysql.tables) == len(schema.tables) and all(len(name) <= 64 for name in mysql.tables)
    long_table = next(t for k, t in mysql.tables.items() if k.startswith("reporting_"))
    short_column = next(c for c in long_table.columns if c.startswith(LONG[:40]))
    assert short_column != LONG and len(short_column) <= 64
    assert [i.columns for i in long_table.indexes] == [(short_column,)] and long_table.checks  # references agree
    fk = mysql.tables["a_table_name_that_is_quite_long_in_the_reporting_namespace_x"].foreign_keys[0]
    assert fk.ref_table == long_table.key
    # the same name is cut the same way every time
    assert Schema.from_ddl(PG_TO_MYSQL, "postgres").to_ddl("mysql") == schema.to_ddl("mysql")

    columns = mysql.tables["ev"].columns  # UTC, what a timestamptz holds
    assert (columns["at"].default, columns["b"].default, columns["c"].default) == (
        "'1970-01-01 00:00:00'", "'2020-05-01 04:30:00'", "'1970-01-01 00:00:00'")
    pairs = {(c, r) for fk in mysql.tables["child"].foreign_keys for c, r in zip(fk.columns, fk.ref_columns, strict=True)}
    assert pairs == {("x", "a"), ("y", "b")}  # the same key: y → b, x → a


# -- 7. the project's own DBML reads back ---------------------------------------------------------------
ODD_NAMES = ('CREATE TYPE mood AS ENUM (\'a "b"\', \'c\\d\');\n'
             'CREATE TABLE "line\nbreak" (id int PRIMARY KEY, "quo""te" int DEFAULT -1, "back\\slash" numeric '
             'DEFAULT -1.5, "tab\tbed" mood, CONSTRAINT "u\nq" UNIQUE ("quo""te"));\n'
             'CREATE INDEX "ix\nodd" ON "line\nbreak" ("back\\slash");\n'
             'CREATE TABLE child (id int PRIMARY KEY, parent int, CONSTRAINT "fk\nodd" FOREIGN KEY (parent) '
             'REFERENCES "line\nbreak" (id));\n')


def test_the_projects_dbml_reads_back(pg_url, tmp_path):
    from workbench.testing.fidelity import FreshDatabase, load

    assert load(pg_url, ODD_NAMES, "postgres") == []  # names PostgreSQL takes
    schema = Schema.from_ddl(ODD_NAMES, "postgres")
    dbml = schema.to_dbml()
    assert "[default: `-1`]" in dbml  # DBML numbers have no sign: `default: -1` does not read
    back = Schema.from_dbml(dbml)  # was: "The DBML does not read at line …"
    assert list(back.tables) == list(schema.tables)
    table = back.tables["line\nbreak"]
    assert list(table.columns) == ["id", 'quo"te', "back\\slash", "tab\tbed"]
    assert table.columns['quo"te'].default == "-1" and table.columns["back\\slash"].default == "-1.5"
    assert sorted(i.name for i in table.indexes) == ["ix\nodd", "u\nq"]  # DBML's unique keys are unique indexes
    assert back.tables["child"].foreign_keys[0].name == "fk\nodd"
    assert [e.values for e in back.enums.values()] == [('a "b"', "c\\d")]
    assert back.to_dbml() == dbml  # and writes the same DBML again
    with FreshDatabase("postgres", tmp_path) as db:  # and what it reads is the schema the server has
        assert load(db.url, back.to_ddl("postgres"), "postgres") == []
        assert live(pg_url).diff(live(db.url)).changes == []


# -- 8. lint: reserved words as the servers reserve them; a partial index that serves a foreign key -------
def test_body_role_function_as_mariadb_takes_them(mysql_url):
    ddl = "CREATE TABLE pages (id INT PRIMARY KEY, body TEXT, role INT, function INT);"
    run_script(mysql_url, ddl + "\nINSERT INTO pages (id, body, role, function) VALUES (1, 'x', 2, 3);\n"
               "UPDATE pages SET role = 4 WHERE function = 3;", "mysql")  # MariaDB takes all three unquoted
    findings = {f.column: f.message for f in Schema.from_ddl(ddl, "mysql").lint() if f.rule == "WB013"}
    assert "body" not in findings and "role" not in findings  # MariaDB's BODY is reserved only in Oracle mode
    # MySQL 8.0 reserves FUNCTION (its manual: "became reserved in 8.0.1"): said, with who accepts it
    assert findings == {"function": "'function' is a reserved word in MySQL 8.0 (MariaDB accepts it): every query "
                                    "must quote it"}


def test_mysql_reserved_words_are_what_mariadb_refuses(mysql_url):
    """Every word of SQLAlchemy's MySQL and MariaDB lists, on the real MariaDB: those the workbench calls
    MariaDB-reserved are refused as a column name, the others are taken."""
    import pymysql
    from sqlalchemy.dialects.mysql.reserved_words import RESERVED_WORDS_MARIADB, RESERVED_WORDS_MYSQL

    from workbench.schema.names import mysql_reserved

    u = urlparse(mysql_url.replace("mysql+pymysql", "mysql"))
    conn = pymysql.connect(host=u.hostname, port=u.port or 3306, user=u.username, password=u.password or "",
                           database=u.path.lstrip("/"), autocommit=True)
    refused, taken = set(), set()
    try:
        cursor = conn.cursor()
        for word in sorted({w.lower() for w in RESERVED_WORDS_MYSQL | RESERVED_WORDS_MARIADB}):
            try:
                cursor.execute(f"CREATE TABLE probe (id INT, {word} INT)")
                cursor.execute(f"SELECT {word} FROM probe WHERE {word} = 1 ORDER BY {word}")
                taken.add(word)
            except pymysql.err.MySQLError:
                refused.add(word)
            cursor.execute("DROP TABLE IF EXISTS probe")
    finally:
        conn.close()
    assert refused == set(mysql_reserved("mariadb"))
    assert {"body", "role", "function"} <= taken


PARTIAL_FK_INDEX = ("CREATE TABLE parent (id int PRIMARY KEY);\n"
                    "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id), note text);\n"
                    "CREATE INDEX child_parent ON child (parent_id) WHERE parent_id IS NOT NULL;\n")


def test_a_partial_index_on_the_non_null_key_serves_the_foreign_key(pg_url, sqlite_url):
    import sqlite3

    import psycopg

    run_script(pg_url, PARTIAL_FK_INDEX, "postgres")
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("SET enable_seqscan = off")  # an empty table: make the planner show what it can use
        plan = " ".join(r[0] for r in conn.execute("EXPLAIN SELECT 1 FROM child WHERE parent_id = 5"))
    assert "child_parent" in plan  # the lookup a DELETE on parent makes uses it
    lite = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    lite.executescript(PARTIAL_FK_INDEX)
    plan = " ".join(str(r) for r in lite.execute("EXPLAIN QUERY PLAN SELECT 1 FROM child WHERE parent_id = 5"))
    lite.close()
    assert "child_parent" in plan
    for dialect in ("postgres", "sqlite"):
        assert [f for f in Schema.from_ddl(PARTIAL_FK_INDEX, dialect).lint() if f.rule == "WB002"] == []
    other = PARTIAL_FK_INDEX.replace("WHERE parent_id IS NOT NULL", "WHERE note IS NOT NULL")
    assert [f.rule for f in Schema.from_ddl(other, "postgres").lint() if f.rule == "WB002"] == ["WB002"]


# -- 9. a parsed schema and the same schema reflected from the server it was loaded into: no changes ------
# (case, dialect, DDL as a file has it, the same DDL with a real change in the spot the server rewrites)
AS_STORED = [
    ("escape string in a CHECK", "postgres",
     "CREATE TABLE t (id int PRIMARY KEY, phone text CHECK (phone ~ E'^\\\\d{11}$'));",
     "CREATE TABLE t (id int PRIMARY KEY, phone text CHECK (phone ~ E'^\\\\d{12}$'));"),
    ("comments inside a CHECK", "postgres",
     "CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0 -- positive\n AND n < 10 /* small */));",
     "CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0 -- positive\n AND n < 11 /* small */));"),
    ("IN over varchar", "postgres",
     "CREATE TABLE t (id int PRIMARY KEY, v varchar(5) CHECK (v IN ('x', 'y')));",
     "CREATE TABLE t (id int PRIMARY KEY, v varchar(5) CHECK (v IN ('x', 'z')));"),
    ("public.f() in an index", "postgres",
     "CREATE FUNCTION public.norm(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower($1) $$;\n"
     "CREATE TABLE t (id int PRIMARY KEY, e text);\nCREATE INDEX t_e ON t (public.norm(e));\n"
     "CREATE INDEX t_l ON t (pg_catalog.lower(e));",
     "CREATE TABLE t (id int PRIMARY KEY, e text);\nCREATE INDEX t_e ON t (public.norm(id::text));\n"
     "CREATE INDEX t_l ON t (pg_catalog.lower(e));"),
    ("time and interval defaults", "postgres",
     "CREATE TABLE t (id int PRIMARY KEY, at time DEFAULT '9:00', i interval DEFAULT '5 minutes', "
     "j interval DEFAULT '1 day 2 hours', z timetz DEFAULT '09:00+02');",
     "CREATE TABLE t (id int PRIMARY KEY, at time DEFAULT '9:00', i interval DEFAULT '5 minutes', "
     "j interval DEFAULT '26 hours', z timetz DEFAULT '09:00+02');"),
    ("DECIMAL(38) and numeric defaults", "mysql",
     "CREATE TABLE t (id int PRIMARY KEY, a DECIMAL(38), b DECIMAL(10,2) DEFAULT 0, c DECIMAL(10,2) DEFAULT '1.5', "
     "at TIME DEFAULT '09:00');",
     "CREATE TABLE t (id int PRIMARY KEY, a DECIMAL(38), b DECIMAL(10,2) DEFAULT 0.01, c DECIMAL(10,2) DEFAULT '1.5', "
     "at TIME DEFAULT '09:00');"),
    ("DECIMAL(38) on PostgreSQL", "postgres",
     "CREATE TABLE t (id int PRIMARY KEY, a DECIMAL(38), b numeric(10,2) DEFAULT '0');",
     "CREATE TABLE t (id int PRIMARY KEY, a DECIMAL(38, 2), b numeric(10,2) DEFAULT '0');"),
    ("BINARY defaults", "mysql",
     "CREATE TABLE t (id int PRIMARY KEY, h BINARY(32) DEFAULT '', k BINARY(4) NOT NULL DEFAULT 'ab');",
     "CREATE TABLE t (id int PRIMARY KEY, h BINARY(32) DEFAULT '', k BINARY(4) NOT NULL DEFAULT 'abc');"),
    ("a prefix as long as the column", "mysql",
     "CREATE TABLE t (id int PRIMARY KEY, v varchar(20), w varchar(40), KEY kv (v(20)), KEY kw (w(10)));",
     "CREATE TABLE t (id int PRIMARY KEY, v varchar(20), w varchar(40), KEY kv (v(19)), KEY kw (w(10)));"),
]


@pytest.mark.parametrize(("case", "dialect", "ddl", "changed"), AS_STORED, ids=[c[0] for c in AS_STORED])
def test_the_servers_own_spelling_is_no_change(case, dialect, ddl, changed, request):
    from workbench.testing.fidelity import load

    url = request.getfixturevalue("pg_url" if dialect == "postgres" else "mysql_url")
    assert load(url, ddl, dialect) == []
    loaded = live(url)
    assert Schema.from_ddl(ddl, dialect).diff(loaded).changes == [], case
    assert len(Schema.from_ddl(changed, dialect).diff(loaded).changes) in (1, 2), case  # a real change is seen


# -- 10. PostgreSQL's LIKE in a column list: the source's inherited columns; defaults only when included ---
LIKE_INHERITED = (
    "CREATE TABLE base (id int PRIMARY KEY, created timestamp DEFAULT now() NOT NULL, note text);\n"
    "CREATE TABLE p (name text DEFAULT 'x' NOT NULL, n int CHECK (n > 0), k serial, "
    "g int GENERATED ALWAYS AS (n * 2) STORED, i int GENERATED BY DEFAULT AS IDENTITY) INHERITS (base);\n"
    "CREATE UNIQUE INDEX p_name ON p (name);\n"
    "CREATE TABLE c (extra int, LIKE p);\n"
    "CREATE TABLE d (LIKE p INCLUDING DEFAULTS, more int);\n"
    "CREATE TABLE e (LIKE p INCLUDING ALL EXCLUDING INDEXES);\n"
    "CREATE TABLE f (LIKE p INCLUDING ALL);\n")


def test_postgres_like_copies_inherited_columns_and_defaults_only_when_included(pg_url, tmp_path):
    from workbench.testing.fidelity import FreshDatabase, load

    assert load(pg_url, LIKE_INHERITED, "postgres") == []
    schema = Schema.from_ddl(LIKE_INHERITED, "postgres")
    c = schema.tables["c"].columns
    assert list(c) == ["extra", "id", "created", "note", "name", "n", "k", "g", "i"]
    assert all(col.default is None and col.generated is None and col.computed is None for col in c.values())
    assert schema.tables["d"].columns["created"].default is not None
    assert schema.diff(live(pg_url)).changes == []  # was: 21 changes (columns missing, defaults copied)
    with FreshDatabase("postgres", tmp_path) as db:  # and our DDL makes the same tables
        assert load(db.url, schema.to_ddl("postgres"), "postgres") == []
        assert schema.diff(live(db.url)).changes == []


# -- 11. DBML carries prefix lengths, DESC index parts and ON UPDATE, and reads them back ---------------------
DBML_MYSQL = ("CREATE TABLE t (id int PRIMARY KEY, v varchar(200), w varchar(40), n int,\n"
              "  changed timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT 'last',\n"
              "  touched datetime NULL ON UPDATE CURRENT_TIMESTAMP,\n"
              "  KEY kv (v(20), n DESC), KEY kw (w(10)), KEY kd (n DESC, id));\n")


def test_dbml_carries_prefix_lengths_desc_parts_and_on_update(mysql_url, tmp_path):
    from workbench.testing.fidelity import FreshDatabase, load

    assert load(mysql_url, DBML_MYSQL, "mysql") == []
    server = live(mysql_url)
    dbml = server.to_dbml()
    assert "note: 'LENGTHS 20|- ORDER asc|desc'" in dbml and "[note: 'on update: CURRENT_TIMESTAMP']" in dbml
    back = Schema.from_dbml(dbml)
    assert back.tables["t"].columns["changed"].comment == "last"
    assert server.diff(back).changes == []  # was: 8 changes (sakila: 22, now 7, its views)
    with FreshDatabase("mysql", tmp_path) as db:  # what it reads back is what the server had
        assert load(db.url, back.to_ddl("mysql"), "mysql") == []
        assert server.diff(live(db.url)).changes == []


# -- 12. what calls a function the model does not carry is named, with the line of its CREATE FUNCTION -------
NEEDS_FUNCTIONS = (
    "CREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;\n"
    "CREATE FUNCTION public.positive(n int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT n > 0 $$;\n"
    "CREATE OR REPLACE FUNCTION norm(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower($1) $$;\n"
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at = now(); RETURN NEW; END $$;\n"
    "CREATE TABLE t (id int PRIMARY KEY, code text DEFAULT make_code(), n int CHECK (positive(n)), e text, "
    "at timestamp);\n"
    "CREATE INDEX t_e ON t (public.norm(e));\n"
    "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();\n")


def test_what_needs_a_function_the_model_does_not_carry_is_named(pg_url, tmp_path):
    from workbench.lab import Lab
    from workbench.testing.fidelity import FreshDatabase, load

    assert load(pg_url, NEEDS_FUNCTIONS, "postgres") == []  # the file loads: it creates its functions
    schema = Schema.from_ddl(NEEDS_FUNCTIONS, "postgres")
    emitted = schema.to_ddl("postgres")
    with FreshDatabase("postgres", tmp_path) as db:  # the model's DDL does not: the functions are not in it
        assert load(db.url, emitted, "postgres")[0] == "line 5: function make_code() does not exist"
    header = [line for line in emitted.splitlines() if line.startswith("-- ")]
    assert header == [  # so it says which, where they were, and what needs them
        "-- needs function make_code(), whose CREATE FUNCTION at line 1 is not carried: t.code DEFAULT fails to load "
        "without it (create the function first)",
        "-- needs function positive(), whose CREATE FUNCTION at line 2 is not carried: t CHECK (POSITIVE(n)) fails "
        "to load without it (create the function first)",
        "-- needs function norm(), whose CREATE FUNCTION at line 3 is not carried: index t_e on t fails to load "
        "without it (create the function first)",
        "-- not carried: trigger t_touch on t (line 7), which runs touch(): create it after the table to keep what "
        "it does"]
    with FreshDatabase("postgres", tmp_path) as db:  # and the lab, which loads it anyway, says so in its notes
        with Lab(db.url, write=True) as lab:
            notes = lab.load(schema).notes
        assert any(n.startswith("needs function make_code(), whose CREATE FUNCTION at line 1") for n in notes)
        assert any(n.startswith("not carried: trigger t_touch on t (line 7)") for n in notes)
    namespaced = "CREATE SCHEMA app;\n" + NEEDS_FUNCTIONS.replace("TABLE t (", "TABLE app.t (").replace(" ON t ", " ON app.t ")
    with FreshDatabase("postgres", tmp_path) as db, Lab(db.url, write=True) as lab:  # one namespace in the lab
        notes = lab.load(Schema.from_ddl(namespaced, "postgres")).notes
    assert any(n.startswith("needs function make_code(), whose CREATE FUNCTION at line 2") for n in notes)
    assert any(n.startswith("not carried: trigger t_touch on t (line 8)") for n in notes)
