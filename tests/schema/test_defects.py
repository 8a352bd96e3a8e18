"""One minimal case for each class of defect production DDL showed (issue 11), checked against the
real databases where a database decides: parse, dialect guessing, reflection, emit and diff."""

from __future__ import annotations

import re

import pytest

from workbench.errors import SchemaError, WorkbenchError
from workbench.schema import Schema, guess_dialect

from ..conftest import run_script


def live(url: str) -> Schema:
    return Schema.from_url(url)


def loads(url: str, ddl: str, dialect: str) -> list[str]:
    from workbench.testing.fidelity import load

    return load(url, ddl, dialect)


# -- parse ------------------------------------------------------------------------------------------
def test_postgres_keywords_as_names_and_types(pg_url):
    ddl = ('CREATE TABLE shapes (id int PRIMARY KEY, cube text, exclude int, "position" int, filter text, '
           'type text, window_size int);\nCREATE TABLE more (id int REFERENCES shapes (id), version int);')
    schema = Schema.from_ddl(ddl, "postgres")
    assert list(schema.tables["shapes"].columns) == ["id", "cube", "exclude", "position", "filter", "type",
                                                      "window_size"]
    run_script(pg_url, schema.to_ddl(), "postgres")
    assert schema.diff(live(pg_url)).changes == []


def test_copy_blocks_and_meta_commands_are_reported_with_their_lines():
    text = ("\\connect shop\n\\set ON_ERROR_STOP on\nCREATE TABLE a (id int PRIMARY KEY, note text);\n"
            "COPY a (id, note) FROM stdin;\n1\tCREATE TABLE not_a_table (x int);\n2\t;;\n\\.\n"
            "CREATE TABLE b (id int PRIMARY KEY);\n\\copy b FROM 'b.csv'\n")
    schema = Schema.from_ddl(text, "postgres")
    assert sorted(schema.tables) == ["a", "b"]  # the data is not read as statements
    skipped = {line: what for line, what, _ in schema.statements_skipped}
    assert skipped[4].startswith("COPY")
    assert {1, 2, 9} <= set(skipped)  # \connect, \set, \copy: each reported at its line


# a `DELIMITER //` never set back: tests/schema/test_outsider_defects.py (read as the mariadb client loads it)


def test_create_table_text_with_no_table_is_an_error():
    with pytest.raises(SchemaError, match="CREATE TABLE statements, but no table"):
        Schema.from_ddl("CREATE TRIGGER tr AFTER INSERT ON x BEGIN CREATE TABLE y (a); END;", "sqlite")
    # CREATE TABLE in comments, strings and function bodies is not a table
    for text in ("-- CREATE TABLE in a comment only\nSELECT 1;", "SELECT 'CREATE TABLE x (a int)';",
                 "CREATE FUNCTION f() RETURNS void AS $body$ CREATE TABLE x (id int); $body$ LANGUAGE sql;"):
        assert Schema.from_ddl(text, "postgres").tables == {}


def test_primary_key_using_btree(mysql_url):
    schema = Schema.from_ddl("CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY USING BTREE (a, b)) "
                             "ENGINE=InnoDB;", "mysql")
    assert schema.tables["t"].primary_key == ("a", "b")
    run_script(mysql_url, schema.to_ddl(), "mysql")
    assert schema.diff(live(mysql_url)).changes == []


def test_on_update_current_timestamp_survives(mysql_url):
    schema = Schema.from_ddl("CREATE TABLE t (id INT PRIMARY KEY, changed TIMESTAMP NOT NULL DEFAULT "
                             "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);", "mysql")
    assert schema.tables["t"].columns["changed"].on_update
    run_script(mysql_url, schema.to_ddl(), "mysql")
    reflected = live(mysql_url)
    assert reflected.tables["t"].columns["changed"].on_update
    assert schema.diff(reflected).changes == []
    assert "ON UPDATE" in reflected.to_ddl("mysql")


def test_nested_create_schema_elements(pg_url):
    schema = Schema.from_ddl("CREATE SCHEMA sales CREATE TABLE region (id int PRIMARY KEY) "
                             "CREATE TABLE store (id int PRIMARY KEY, region_id int REFERENCES region (id)) "
                             "CREATE VIEW stores AS SELECT * FROM store;", "postgres")
    assert sorted(schema.tables) == ["sales.region", "sales.store"]
    assert schema.tables["sales.store"].foreign_keys[0].ref_table == "sales.region"
    assert "sales.stores" in schema.views
    run_script(pg_url, schema.to_ddl(), "postgres")
    assert schema.diff(live(pg_url)).changes == []


def test_partitions_have_their_parents_columns_and_indexes(pg_url):
    schema = Schema.from_ddl("CREATE TABLE m (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);\n"
                             "CREATE INDEX m_at ON m (at);\n"
                             "CREATE TABLE m_2026 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
                             "postgres")
    assert list(schema.tables["m_2026"].columns) == ["id", "at"]
    run_script(pg_url, schema.to_ddl(), "postgres")
    assert schema.diff(live(pg_url)).changes == []


def test_unique_identical_to_the_primary_key_is_what_the_database_keeps(pg_url, mysql_url):
    # MySQL keeps both; PostgreSQL keeps one constraint (named as the unique when the key has no name) in
    # CREATE TABLE, and both when the unique is added later
    mysql = Schema.from_ddl("CREATE TABLE t (id INT PRIMARY KEY, UNIQUE KEY t_id_key (id));", "mysql")
    assert [u.columns for u in mysql.tables["t"].uniques] == [("id",)]
    run_script(mysql_url, mysql.to_ddl(), "mysql")
    assert mysql.diff(live(mysql_url)).changes == []
    pg = Schema.from_ddl("CREATE TABLE t (id int PRIMARY KEY, CONSTRAINT t_id_key UNIQUE (id));\n"
                         "CREATE TABLE u (id int PRIMARY KEY);\nALTER TABLE u ADD CONSTRAINT u_id_key UNIQUE (id);",
                         "postgres")
    assert pg.tables["t"].uniques == [] and pg.tables["t"].primary_key_name == "t_id_key"
    assert [u.name for u in pg.tables["u"].uniques] == ["u_id_key"]
    run_script(pg_url, pg.to_ddl(), "postgres")
    assert pg.diff(live(pg_url)).changes == []


def test_temporary_tables_stay_temporary():
    schema = Schema.from_ddl("CREATE TEMP TABLE scratch (id int);", "postgres")
    assert schema.tables["scratch"].temporary
    for dialect in ("postgres", "mysql", "sqlite"):
        assert "CREATE TEMPORARY TABLE" in schema.to_ddl(dialect)


# -- dialect guessing -------------------------------------------------------------------------------
def test_a_backtick_in_a_comment_does_not_make_mysql(tmp_path):
    text = "-- the `users` table\nCREATE TABLE users (id serial PRIMARY KEY, tags text[]);\n"
    assert guess_dialect(text) == "postgres"
    assert guess_dialect("CREATE TABLE t (note text DEFAULT 'a `quoted` word');") == "postgres"
    path = tmp_path / "schema.sql"
    path.write_text("CREATE TABLE `t` (id INT) ENGINE=InnoDB;\nCREATE TABLE u (id INT PRIMARY KEY, x GARBAGE GARBAGE);")
    with pytest.raises(WorkbenchError) as info:
        Schema.from_source(str(path))
    assert "read schema.sql as mysql, guessed from its text" in str(info.value)
    assert "--dialect" in str(info.value)


# -- reflection -------------------------------------------------------------------------------------
def test_every_namespace_is_reflected_and_the_cli_can_choose(pg_url):
    run_script(pg_url, "CREATE SCHEMA billing; CREATE SCHEMA crm;\n"
                       "CREATE TABLE crm.customer (id int PRIMARY KEY);\n"
                       "CREATE TABLE billing.invoice (id int PRIMARY KEY, customer_id int REFERENCES crm.customer);",
               "postgres")
    schema = live(pg_url)
    assert sorted(schema.tables) == ["billing.invoice", "crm.customer"]
    from workbench.cli import main

    assert main(["lint", pg_url, "--namespace", "billing", "--format", "json"]) in (0, 1)
    only = Schema.from_source(pg_url, namespaces=["crm"])
    assert sorted(only.tables) == ["crm.customer"]


def test_now_defaults_are_not_frozen(pg_url):
    run_script(pg_url, "CREATE TABLE t (id int, at timestamp DEFAULT ('now'::text)::timestamp without time zone, "
                       "day date DEFAULT ('now'::text)::date);", "postgres")
    schema = live(pg_url)
    ddl = schema.to_ddl()
    import psycopg

    def defaults(url: str) -> list[str]:
        with psycopg.connect(url) as conn:
            return [r[0] for r in conn.execute(
                "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid "
                "WHERE c.relname = 't' ORDER BY adnum")]

    assert "'now'" not in ddl.replace("'now'::text", "")  # never the bare literal, which PostgreSQL freezes
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE t")
    run_script(pg_url, ddl, "postgres")
    for default in defaults(pg_url):  # still evaluated per row, not a timestamp frozen at CREATE time
        assert re.search(r"now\(\)|CURRENT_(TIMESTAMP|DATE)|'now'::text", default), default
        assert not re.search(r"'\d{4}-\d\d-\d\d", default), default
    assert schema.diff(live(pg_url)).changes == []


def test_operator_classes_survive_reflection(pg_url):
    run_script(pg_url, "CREATE EXTENSION IF NOT EXISTS pg_trgm;\nCREATE TABLE p (id int PRIMARY KEY, name text);\n"
                       "CREATE INDEX p_name_trgm ON p USING gin (name gin_trgm_ops);", "postgres")
    schema = live(pg_url)
    index = next(i for i in schema.tables["p"].indexes if i.name == "p_name_trgm")
    assert "gin_trgm_ops" in index.columns[0] and index.method == "gin"
    with psycopg_drop(pg_url, "p"):
        run_script(pg_url, schema.to_ddl(), "postgres")
    assert schema.diff(live(pg_url)).changes == []


class psycopg_drop:
    def __init__(self, url: str, table: str) -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE {table}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_mariadb_current_timestamp_on_update_round_trips(mysql_url):
    run_script(mysql_url, "CREATE TABLE t (id INT PRIMARY KEY, at DATETIME NOT NULL DEFAULT current_timestamp() "
                          "ON UPDATE current_timestamp());", "mysql")
    schema = live(mysql_url)
    ddl = schema.to_ddl("mysql")
    run_script(mysql_url, "DROP TABLE t;", "mysql")
    run_script(mysql_url, ddl, "mysql")
    assert schema.diff(live(mysql_url)).changes == []


# -- emit -------------------------------------------------------------------------------------------
RESERVED_DDL = ("CREATE TABLE events (id int PRIMARY KEY, release int, condition text, change text, mod int, "
                "signal text, \"decimal\" text, \"current_schema\" text, \"collation\" text, \"order\" int);")


@pytest.mark.parametrize("target", ["postgres", "mysql", "sqlite"])
def test_reserved_words_are_quoted_for_each_dialect(request, target):
    url = request.getfixturevalue({"postgres": "pg_url", "mysql": "mysql_url", "sqlite": "sqlite_url"}[target])
    schema = Schema.from_ddl(RESERVED_DDL, "postgres")
    assert loads(url, schema.to_ddl(target), target) == []
    assert [c.lower() for c in live(url).tables["events"].columns] == [c.lower() for c in schema.tables["events"].columns]


@pytest.mark.parametrize("target", ["postgres", "mysql", "sqlite"])
def test_identifier_case_follows_the_columns(request, target):
    url = request.getfixturevalue({"postgres": "pg_url", "mysql": "mysql_url", "sqlite": "sqlite_url"}[target])
    schema = Schema.from_ddl("CREATE TABLE views (view_instance_id int NOT NULL, PRIMARY KEY (VIEW_INSTANCE_ID));",
                             "postgres")
    assert schema.tables["views"].primary_key == ("view_instance_id",)
    assert loads(url, schema.to_ddl(target), target) == []
    assert live(url).tables["views"].primary_key == ("view_instance_id",)


def test_expression_indexes_keep_their_parentheses_and_date_part_stays_valid(pg_url):
    ddl = ("CREATE TABLE doc (id int PRIMARY KEY, title text, body text, at timestamptz);\n"
           "CREATE INDEX doc_search ON doc USING gin ((to_tsvector('english', title) || to_tsvector('english', body)));\n"
           "CREATE INDEX doc_epoch ON doc ((date_part('epoch'::text, at AT TIME ZONE 'UTC')));")
    schema = Schema.from_ddl(ddl, "postgres")
    assert loads(pg_url, schema.to_ddl(), "postgres") == []
    reflected = live(pg_url)
    assert schema.diff(reflected).changes == []
    assert "EXTRACT(CAST" not in reflected.to_ddl()


def test_mysql_prefix_indexes_are_lengths_not_names(mysql_url, pg_url):
    schema = Schema.from_ddl("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(400), KEY t_name (name(171)));",
                             "mysql")
    index = schema.tables["t"].indexes[0]
    assert index.columns == ("name",) and index.lengths == (171,)
    assert loads(mysql_url, schema.to_ddl("mysql"), "mysql") == []
    assert schema.diff(live(mysql_url)).changes == []
    ddl = schema.to_ddl("postgres")
    assert "prefix lengths left out" in ddl and loads(pg_url, ddl, "postgres") == []


def test_mysql_varchar_and_row_size_limits(mysql_url):
    wide = ", ".join(f"c{n} varchar(2000)" for n in range(20))  # 20 × 2000 × 4 bytes: beyond a 65,535-byte row
    schema = Schema.from_ddl(f"CREATE TABLE big (id int PRIMARY KEY, huge varchar(70000), {wide});", "postgres")
    ddl = schema.to_ddl("mysql")
    assert loads(mysql_url, ddl, "mysql") == []
    assert len(live(mysql_url).tables["big"].columns) == 22
    assert "-- " in ddl  # the downgrade is stated


@pytest.mark.parametrize("target", ["mysql", "sqlite"])
def test_namespaces_do_not_collide_where_there_are_none(request, target):
    url = request.getfixturevalue({"mysql": "mysql_url", "sqlite": "sqlite_url"}[target])
    schema = Schema.from_ddl("CREATE SCHEMA a; CREATE SCHEMA b;\nCREATE TABLE a.rec (id int PRIMARY KEY);\n"
                             "CREATE TABLE b.rec (id int PRIMARY KEY, a_id int REFERENCES a.rec (id));", "postgres")
    assert loads(url, schema.to_ddl(target), target) == []
    reflected = live(url)
    assert len(reflected.tables) == 2
    fk = next(fk for t in reflected.tables.values() for fk in t.foreign_keys)
    assert fk.ref_table.lower() in {t.lower() for t in reflected.tables} and fk.ref_table != next(
        t.key for t in reflected.tables.values() if t.foreign_keys)


# -- diff normalisation -----------------------------------------------------------------------------
def test_diff_ignores_spelling_and_sees_meaning():
    a = Schema.from_ddl("CREATE TABLE t (id BIGINT(20) NOT NULL, n INT DEFAULT NULL, q INT, "
                        "CHECK (q BETWEEN 1 AND 5), PRIMARY KEY (id));", "mysql")
    b = Schema.from_ddl("CREATE TABLE t (id BIGINT NOT NULL, n INT, q INT, CHECK ((q >= 1) AND (q <= 5)), "
                        "PRIMARY KEY (id));", "mysql")
    assert a.diff(b).changes == []
    c = Schema.from_ddl("CREATE TABLE p (name text); CREATE INDEX p_n ON p USING gin (name gin_trgm_ops);", "postgres")
    d = Schema.from_ddl("CREATE TABLE p (name text); CREATE INDEX p_n ON p USING gin (name gin_bigm_ops);", "postgres")
    assert [ch.kind for ch in c.diff(d).changes] == ["add_index", "drop_index"]


def test_migration_drops_and_recreates_dependent_views_in_order(pg_url):
    old = Schema.from_ddl("CREATE TABLE t (id int PRIMARY KEY, name varchar(20));\n"
                          "CREATE VIEW v1 AS SELECT id, name FROM t;\nCREATE VIEW v2 AS SELECT name FROM v1;", "postgres")
    new = Schema.from_ddl("CREATE TABLE t (id int PRIMARY KEY, name varchar(40));\n"
                          "CREATE VIEW v1 AS SELECT id, name FROM t;\nCREATE VIEW v2 AS SELECT name FROM v1;", "postgres")
    sql = old.diff(new).sql()
    assert "CASCADE" not in sql
    assert sql.index("DROP VIEW v2") < sql.index("DROP VIEW v1") < sql.index("ALTER TABLE") \
        < sql.index("CREATE VIEW v1") < sql.index("CREATE VIEW v2")
    run_script(pg_url, old.to_ddl(), "postgres")
    assert loads(pg_url, sql, "postgres") == []
    assert new.diff(live(pg_url)).changes == []


def test_structure_reflection_is_the_full_one_without_the_details(pg_url):
    """`workbench er URL` reads tables, columns and keys only: the same ones the full reflection reads."""
    from ..conftest import CORPUS, corpus_file

    path = corpus_file("openstreetmap_website_structure_postgresql.sql")
    assert path.parent == CORPUS
    assert loads(pg_url, path.read_text(encoding="utf-8"), "postgres") == []
    full, light = Schema.from_url(pg_url), Schema.from_url(pg_url, structure=True)
    assert sorted(full.tables) == sorted(light.tables)
    for key, table in full.tables.items():
        other = light.tables[key]
        assert [(c.name, c.type, c.nullable) for c in table.columns.values()] == \
            [(c.name, c.type, c.nullable) for c in other.columns.values()]
        assert table.primary_key == other.primary_key
        assert table.foreign_keys == other.foreign_keys
    assert light.views == {} and all(not t.indexes for t in light.tables.values())
