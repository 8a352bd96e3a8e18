"""Lab databases: lifecycles, read-only protection, limits, plans and variant comparison."""

from pathlib import Path

import pytest

from workbench.errors import LabError, ReadOnlyError, SQLError
from workbench.lab.lab import Lab
from workbench.schema import Schema

from ..conftest import _server_up, need, run_script

ORDERS = Schema.from_ddl("""
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, country char(2) NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
  total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
""", "postgres")  # no index on orders.customer_id, and no FK (so MySQL adds none either)
ORDERS_FK = Schema.from_ddl("""
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, country char(2) NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), status text NOT NULL,
  total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
""", "postgres")  # PostgreSQL and SQLite do not index foreign keys by themselves
ROWS = {"customers": 2000, "orders": 40000}
WORKLOAD = [{"name": "orders of a customer", "sql": "SELECT id, total FROM orders WHERE customer_id = :customer_id"}]
VARIANT = [{"name": "index", "ddl": "CREATE INDEX ix_orders_customer ON orders (customer_id)"}]


def server(name):
    need(_server_up(name), f"{name} server not reachable")
    return name


def test_sandbox_lives_under_the_home_and_goes_away(isolated):
    lab = Lab()
    lab.load(ORDERS)
    assert lab.path.parent == isolated / ".workbench" / "lab" and lab.path.exists()
    assert "sandbox" in repr(lab) and "2 tables" in repr(lab)
    lab.close()
    assert not lab.path.exists()


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_server_labs_get_their_own_namespace_and_drop_it(kind):
    import sqlalchemy as sa

    from workbench.config import settings, sqlalchemy_url

    server(kind)
    lab = Lab(kind, name="ns test")
    namespace = lab.namespace
    assert namespace.startswith("wb_lab_") and "ns_test" not in namespace
    lab.load(ORDERS)
    lab.seed(100)
    url = settings().pg_url if kind == "postgres" else settings().mysql_url
    engine = sa.create_engine(sqlalchemy_url(url))
    query = ("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :n")
    with engine.connect() as conn:
        assert conn.execute(sa.text(query), {"n": namespace}).scalar() == 1
    lab.close()
    with engine.connect() as conn:
        assert conn.execute(sa.text(query), {"n": namespace}).scalar() == 0
    engine.dispose()


def test_a_named_sqlite_database_is_read_only_unless_asked(tmp_path):
    path = tmp_path / "app.db"
    run_script(f"sqlite:///{path}", "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);", "sqlite")
    lab = Lab(f"sqlite:///{path}")
    assert lab.read_only and lab.run("SELECT count(*) FROM t").rows == [(1,)]
    with pytest.raises(ReadOnlyError):
        lab.load(ORDERS)
    with pytest.raises(Exception, match="readonly"):  # the database itself refuses (mode=ro)
        lab.connection().execute("INSERT INTO t VALUES (9)")
    lab.close()
    assert path.exists()  # a database of yours is never deleted
    writer = Lab(f"sqlite:///{path}", write=True)
    writer.run("INSERT INTO t VALUES (2)")
    assert writer.run("SELECT count(*) FROM t").rows == [(2,)]
    writer.close()


def test_errors_timeouts_and_the_row_cap():
    with Lab(timeout=0.5, row_cap=100) as lab:
        lab.load(ORDERS)
        lab.seed(ROWS)
        with pytest.raises(SQLError) as info:
            lab.run("SELECT * FROM order_items")
        assert "no such table: order_items" in str(info.value) and "Statement: SELECT * FROM order_items" in str(info.value)
        result = lab.run("SELECT * FROM orders")
        assert len(result.rows) == 100 and result.truncated and "(cut at 100)" in result.timing_line()
        slow = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
                "SELECT count(*) FROM c")
        with pytest.raises(SQLError, match="longer than the lab's timeout of 0.5 s"):
            lab.run(slow)
        assert lab.run("SELECT 1").rows == [(1,)]  # the lab still works afterwards


def test_postgres_statement_timeout():
    server("postgres")
    with Lab("postgres", timeout=0.3) as lab, pytest.raises(SQLError, match="timeout of 0.3 s"):
        lab.run("SELECT pg_sleep(2)")


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_a_session_that_lifts_its_own_limit_is_still_stopped_by_the_watchdog(kind):
    """statement_timeout / max_statement_time are the session's to change; the watchdog's cancel is not
    (on MariaDB it logs in again as the lab's principal, into the lab's own database, to KILL QUERY)."""
    import time

    server(kind)
    lift, sleep = {"postgres": ("SET statement_timeout = 0", "SELECT pg_sleep(30)"),
                   "mysql": ("SET SESSION max_statement_time = 0", "SELECT SLEEP(30)")}[kind]
    with Lab(kind, timeout=1) as lab:
        lab.run(lift)
        started = time.monotonic()
        with pytest.raises(SQLError, match="timeout of 1 s"):
            lab.run(sleep)
        assert time.monotonic() - started < 10  # stopped near 1 s, not after the 30 s it asked for
        assert lab.run("SELECT 1").rows == [(1,)]


@pytest.mark.parametrize("kind", ["sandbox", "postgres", "mysql"])
def test_plans_read_the_same_everywhere(kind):
    if kind != "sandbox":
        server(kind)
    with Lab(None if kind == "sandbox" else kind) as lab:
        lab.load(ORDERS)
        lab.seed(ROWS)
        scan = lab.explain("SELECT * FROM orders WHERE customer_id = 7")
        assert scan.full_scans() == ["orders"]
        assert scan.df.loc[0, "operation"] == "full scan"
        lab.apply("CREATE INDEX ix_orders_customer ON orders (customer_id)")
        lookup = lab.explain("SELECT * FROM orders WHERE customer_id = 7")
        assert lookup.uses_index("ix_orders_customer") and lookup.full_scans() == []
        assert lookup.scans()[0].operation == "index lookup"
        assert "index lookup orders via ix_orders_customer" in lookup.summary()
        if kind != "sandbox":
            assert lookup.scans()[0].est_rows is not None  # servers estimate rows


def test_params_are_drawn_from_the_seeded_data():
    with Lab() as lab:
        lab.load(ORDERS)
        lab.seed({"customers": 50, "orders": 500})
        result = lab.run("SELECT count(*) FROM customers WHERE id = :customer_id", repeat=5)
        assert result.rows == [(1,)] and len(result.timings) == 5
        assert lab.run("SELECT :x + 1", {"x": 1}).rows == [(2,)]
        with pytest.raises(SQLError, match="No value for :nothing"):
            lab.run("SELECT :nothing")


@pytest.mark.parametrize("kind", ["sandbox", "postgres"])
def test_an_index_variant_turns_a_full_scan_into_an_index_lookup(kind):
    if kind != "sandbox":
        server(kind)
    with Lab(None if kind == "sandbox" else kind, name="compare") as lab:
        lab.load(ORDERS_FK)
        comparison = lab.compare(WORKLOAD, VARIANT, rows=ROWS, repeat=15)
    df = comparison.df
    assert list(df["variant"]) == ["baseline", "index"]
    base, indexed = df.iloc[0], df.iloc[1]
    assert base["plan"].startswith("full scan orders") and indexed["plan"].startswith("index lookup orders via ix_")
    assert indexed["rows"] == base["rows"] > 0  # identical data, identical answers
    # the best of 15 runs: the median of a 0.1 ms lookup and a 3 ms scan both drown in CPU waits when other
    # processes keep the machine busy, the best run of each does not
    best = {r["variant"]: r["min_ms"] for r in comparison.records}
    assert best["index"] < 0.5 * best["baseline"]
    plans = comparison.plans
    assert plans[("baseline", "orders of a customer")].full_scans() == ["orders"]
    assert plans[("index", "orders of a customer")].uses_index("ix_orders_customer")
    bundle = comparison._repr_mimebundle_()
    assert "<svg" in bundle["text/html"] and "Plans for orders of a customer" in bundle["text/html"]
    assert bundle["text/plain"].startswith("Compared 2 variants × 1 queries")


def test_compare_needs_a_loaded_schema_and_distinct_names():
    with Lab() as lab:
        with pytest.raises(LabError, match="Load a schema"):
            lab.compare(WORKLOAD)
        lab.load(ORDERS)
        with pytest.raises(LabError, match="Variant names must differ"):
            lab.compare(WORKLOAD, [{"name": "a", "ddl": ""}, {"name": "a", "ddl": ""}])


def test_what_the_server_cannot_build_is_left_out_with_a_note():
    schema = Schema.from_ddl("""
    CREATE TABLE items (id int PRIMARY KEY, lo int, hi int, CHECK (lo <= hi), price numeric(8,2) CHECK (price > 0));
    CREATE INDEX items_json ON items USING gin (lo);
    """, "postgres")
    with Lab() as lab:
        lab.load(schema)
        assert any("left out CHECK (lo <= hi)" in n for n in lab.notes)
        assert not any("price > 0" in n for n in lab.notes)
        lab.seed(100)
        assert lab.counts() == {"items": 100}


def test_unknown_urls_are_refused(tmp_path):
    with pytest.raises(LabError, match="Unsupported database URL"):
        Lab("oracle://x/y")
    with pytest.raises(LabError, match="No SQLite file"):
        Lab(f"sqlite:///{Path(tmp_path) / 'nope.db'}")


def test_charts_can_be_drawn_from_several_threads():
    """The design document draws figures in parallel; matplotlib's shared mathtext parser (log axes) is not
    thread-safe, so charts take turns. Reset the parser so the first parse races as in a fresh process."""
    from concurrent.futures import ThreadPoolExecutor

    from matplotlib.mathtext import MathTextParser

    from workbench.lab.compare import Comparison

    records = [{"variant": v, "query": q, "p50_ms": p, "p95_ms": p, "max_ms": p, "rows": 1, "ratio": p / 0.01,
                "plan": ""} for q in ("a", "b") for v, p in (("baseline", 0.01), ("slow", 5.0))]
    chart = Comparison(records, {}, ["baseline", "slow"], ["a", "b"], "sqlite", 1000, 5)
    MathTextParser._parser = None
    with ThreadPoolExecutor(max_workers=8) as pool:
        svgs = list(pool.map(lambda _: chart.chart_svg(), range(16)))
    assert all(svg.startswith("<svg") for svg in svgs)


@pytest.mark.parametrize("kind", ["sandbox", "postgres", "mysql"])
def test_a_copy_holds_the_same_rows_without_generating_them_again(kind, monkeypatch):
    """Variants share one seeded copy: the copy has every row of the source (the same checksum per
    table), keeps its keys and references, and a variant's DDL on it leaves the source alone."""
    from workbench.lab import seed as seeding

    if kind != "sandbox":
        server(kind)
    with Lab(None if kind == "sandbox" else kind, name="source") as source:
        source.load(ORDERS_FK)
        source.seed(ROWS, progress=False)

        def no_generation(*args, **kwargs):
            raise AssertionError("a copy must not generate rows")

        monkeypatch.setattr(seeding.Generator, "stream", no_generation)
        digest = "SELECT count(*), sum(id), sum(customer_id), min(status), max(total) FROM orders"
        with source.copy("copy") as copy:
            assert copy.counts() == source.counts() == ROWS
            assert copy.run(digest).rows == source.run(digest).rows
            assert copy.fk_check() == []
            copy.apply("CREATE INDEX ix_copy_customer ON orders (customer_id)")
            assert copy.explain(WORKLOAD[0]["sql"], {"customer_id": 1}).uses_index("ix_copy_customer")
            assert not source.explain(WORKLOAD[0]["sql"], {"customer_id": 1}).uses_index("ix_copy_customer")
            copy.run("INSERT INTO orders (id, customer_id, status, total, created_at) "
                     "VALUES (999999, 1, 'new', 1, '2026-01-01')")
        assert source.counts() == ROWS
