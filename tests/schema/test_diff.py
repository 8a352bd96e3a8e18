"""Diffs: structured changes with risk classes, and migrations that really migrate."""

import pytest

from workbench.schema import Schema
from workbench.schema.diff import DESTRUCTIVE, INCOMPATIBLE, MAY_FAIL, SAFE

from ..conftest import run_script
from .test_emit import shape

V1 = """
CREATE TABLE customers (id int PRIMARY KEY, email varchar(100), nickname text DEFAULT 'friend');
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers(id), total real, note text);
CREATE INDEX ix_orders_customer ON orders (customer_id);
CREATE TABLE legacy (id int PRIMARY KEY);
"""
V2 = """
CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, nickname text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                     total numeric(12,2) DEFAULT 0, placed_at timestamptz NOT NULL DEFAULT now(), status text NOT NULL);
CREATE INDEX ix_orders_customer ON orders (customer_id);
CREATE INDEX ix_orders_placed ON orders (placed_at);
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id), amount numeric(12,2) NOT NULL);
"""


def changes():
    return Schema.from_ddl(V1, "postgres").diff(Schema.from_ddl(V2, "postgres"))


def test_structured_changes_and_risk_classes():
    d = changes()
    got = {(c.kind, c.table, c.target, c.risk) for c in d.changes}
    assert ("add_table", "payments", None, SAFE) in got
    assert ("drop_table", "legacy", None, DESTRUCTIVE) in got
    assert ("drop_column", "orders", "note", DESTRUCTIVE) in got
    assert ("add_column", "orders", "placed_at", SAFE) in got            # NOT NULL, but with a default
    assert ("add_column", "orders", "status", MAY_FAIL) in got           # NOT NULL without a default
    assert ("alter_column", "customers", "email", MAY_FAIL) in got       # SET NOT NULL
    assert ("alter_column", "customers", "nickname", INCOMPATIBLE) in got  # default dropped
    assert ("alter_column", "orders", "total", MAY_FAIL) in got          # REAL → NUMERIC converts values
    assert ("add_unique", "customers", "email", MAY_FAIL) in got
    assert ("add_index", "orders", "ix_orders_placed", SAFE) in got
    widened = [c for c in d.changes if c.detail == "type VARCHAR(100) → VARCHAR(255)"]
    assert widened and widened[0].risk == SAFE
    assert d.risk == DESTRUCTIVE
    assert d.summary().startswith(f"{len(d.changes)} changes (")
    narrowing = Schema.from_ddl("CREATE TABLE t (c varchar(50));", "postgres").diff(
        Schema.from_ddl("CREATE TABLE t (c varchar(10));", "postgres"))
    assert narrowing.changes[0].risk == DESTRUCTIVE


def test_no_changes():
    s = Schema.from_ddl(V1, "postgres")
    assert not s.diff(Schema.from_ddl(V1, "postgres")) and s.diff(s).sql() == ""


@pytest.mark.parametrize("dialect", ["postgres", "sqlite", "mysql"])
def test_the_migration_turns_v1_into_v2_on_a_real_database(request, dialect):
    url = request.getfixturevalue({"postgres": "pg_url", "sqlite": "sqlite_url", "mysql": "mysql_url"}[dialect])
    v1, v2 = Schema.from_ddl(V1, "postgres"), Schema.from_ddl(V2, "postgres")
    run_script(url, v1.to_ddl(dialect), dialect)
    run_script(url, "INSERT INTO customers (id, email) VALUES (1, 'a@x.io');"
                    "INSERT INTO orders (id, customer_id, total) VALUES (7, 1, 9.5);", dialect)
    migration = v1.diff(v2).sql(dialect)
    migration = migration.replace("status TEXT NOT NULL", "status TEXT NOT NULL DEFAULT 'new'") \
                         .replace("status VARCHAR(255) NOT NULL", "status VARCHAR(255) NOT NULL DEFAULT 'new'")
    run_script(url, migration, dialect)
    live = Schema.from_url(url)
    assert shape(live) == shape(v2)
    import sqlalchemy as sa

    from workbench.config import sqlalchemy_url

    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:  # the rows survived the migration (SQLite rebuilt its tables)
        assert conn.execute(sa.text("SELECT customer_id, total FROM orders WHERE id = 7")).one() == (1, 9.5)
    engine.dispose()


def test_sqlite_rebuilds_what_it_cannot_alter():
    sql = changes().sql("sqlite")
    assert "CREATE TABLE orders__new" in sql and "INSERT INTO orders__new (id, customer_id, total) SELECT" in sql
    assert "ALTER TABLE orders__new RENAME TO orders;" in sql and "PRAGMA foreign_key_check;" in sql


def test_the_diff_view_colours_what_changed():
    diagram = changes().er()
    source = diagram.source
    payments = next(line for line in source.splitlines() if line.strip().startswith('"payments" ['))
    legacy = next(line for line in source.splitlines() if line.strip().startswith('"legacy" ['))
    orders = next(line for line in source.splitlines() if line.strip().startswith('"orders" ['))
    assert 'BGCOLOR="#d7f5dd"' in payments                      # added table
    assert "<S>legacy</S>" in legacy and "#c5221f" in legacy     # removed table, struck through
    assert "<S>note</S>" in orders                               # removed column stays visible
    assert 'PORT="c3w" BGCOLOR="#d7f5dd">placed_at' in orders    # added column
    assert diagram.svg().startswith("<svg")
